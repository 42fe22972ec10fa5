//! The time loop and its GPU state.

pub mod build;
pub mod lattice_gpu;
pub mod runner;

pub use lattice_gpu::{GpuLattice, StepState};
