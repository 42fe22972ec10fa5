//! Embolic particles, host side: agent presets, size distributions, injection
//! planning and the tallies read back at output intervals. The GPU kernels are in
//! shaders/particles/ and [`crate::sim::particles_gpu`]; the model in docs/particles.md.

pub mod agents;
pub mod fields;
pub mod kernel_params;
pub mod plan;
pub mod sizes;
pub mod spec;
pub mod tally;

/// The particles of a scenario, planned at load time.
#[derive(Clone, Debug)]
pub struct ParticleRun {
    pub plan: plan::ParticlePlan,
    pub settings: plan::KernelSettings,
    /// Write particles/*.vtp at every output.
    pub write_vtp: bool,
}
