//! GPU plumbing: adapter and device setup, error capture, buffer helpers and shader
//! module creation. Knows nothing of physics.

pub mod bindings;
pub mod buffers;
pub mod context;
pub mod error;
pub mod pipeline;

pub use context::{AdapterSummary, GpuContext};
pub use error::GpuError;
