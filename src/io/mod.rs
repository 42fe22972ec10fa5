//! Result writers. They format and write; they compute no physics.

pub mod metrics;
pub mod summary;
