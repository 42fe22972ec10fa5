//! Helpers shared by the GPU tests. A missing adapter fails the test with the
//! installation hint: no test skips itself.
#![allow(dead_code)]

use embolus::gpu::GpuContext;
use embolus::lbm::cpu_reference::{step, StepInputs};
use embolus::lbm::equilibrium::{density_velocity, gather};
use embolus::lbm::LatticeSetup;
use embolus::sim::GpuLattice;

pub fn gpu() -> GpuContext {
    GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `steps` steps of the CPU reference from the setup's initial populations.
pub fn cpu_run(setup: &LatticeSetup, steps: usize) -> Vec<f32> {
    let mut a = setup.populations.clone();
    let mut b = a.clone();
    let inputs = StepInputs {
        dims: setup.dims,
        flags: &setup.flags,
        records: &setup.records,
        relaxation: setup.relaxation,
        rheology: setup.rheology,
        smagorinsky: setup.smagorinsky,
        force: setup.force,
        inlet_scale: 1.0,
    };
    for _ in 0..steps {
        step(&inputs, &a, &mut b);
        std::mem::swap(&mut a, &mut b);
    }
    a
}

/// Runs `steps` steps on the GPU and reads the populations back.
pub fn gpu_run(ctx: &GpuContext, setup: &LatticeSetup, steps: u32) -> Vec<f32> {
    let mut lattice = GpuLattice::new(ctx, setup).unwrap_or_else(|e| panic!("{e}"));
    let mut left = steps;
    while left > 0 {
        let n = left.min(500);
        lattice.step(ctx, n);
        left -= n;
    }
    lattice.read_populations(ctx).unwrap()
}

/// Density and velocity of every cell (force-corrected velocity).
pub fn macroscopic(setup: &LatticeSetup, populations: &[f32]) -> Vec<(f32, [f32; 3])> {
    let n = setup.dims.cells();
    (0..n)
        .map(|i| density_velocity(&gather(populations, n, i), setup.force))
        .collect()
}

/// A small deterministic pseudo-random sequence in [-1, 1) (no test randomness).
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}
