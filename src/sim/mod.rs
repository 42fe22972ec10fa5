//! The time loop and its GPU state.

pub mod build;
pub mod checkpoint;
pub mod coupling;
pub mod field_recorder;
pub mod fields_gpu;
pub mod lattice_gpu;
pub mod particle_fates;
pub mod particle_recorder;
pub mod particles_gpu;
pub mod reflux;
pub mod run;
pub mod wall_output;

pub use coupling::Coupling;
pub use fields_gpu::{FieldRegion, FieldSample, GpuFields};
pub use lattice_gpu::{GpuLattice, StepHook, StepHooks, StepState};
pub use particles_gpu::GpuParticles;
