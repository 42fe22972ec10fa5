//! Result writers. They format and write; they compute no physics.

pub mod metrics;
pub mod preview;
pub mod summary;
pub mod vtk;
pub mod vtp;
