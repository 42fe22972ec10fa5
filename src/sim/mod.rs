//! The time loop and its GPU state.

pub mod build;
pub mod lattice_gpu;
pub mod particle_recorder;
pub mod particles_gpu;
pub mod runner;

pub use lattice_gpu::{GpuLattice, StepHook, StepState};
pub use particles_gpu::GpuParticles;
