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

/// Walls at rows y = 0 and y = h + 1, fluid between: a plane channel of width h
/// (halfway walls), periodic in x and z.
pub fn plane_channel_flags(dims: embolus::lbm::GridDims, h: usize) -> Vec<u32> {
    use embolus::lbm::lattice::flags;
    (0..dims.cells())
        .map(|i| match dims.coords(i)[1] {
            y if y == 0 || y == h + 1 => flags::WALL,
            _ => flags::FLUID,
        })
        .collect()
}

/// A NIfTI-1 header for a uint8 volume of `n` voxels with isotropic spacing `mm`
/// (no sform/qform), 352 bytes; append the voxel bytes (x fastest).
pub fn nifti_u8_header(n: [usize; 3], mm: f32) -> Vec<u8> {
    let mut h = vec![0u8; 352];
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    for (k, d) in [3i16, n[0] as i16, n[1] as i16, n[2] as i16, 1, 1, 1, 1]
        .iter()
        .enumerate()
    {
        h[40 + 2 * k..42 + 2 * k].copy_from_slice(&d.to_le_bytes());
    }
    h[70..72].copy_from_slice(&2i16.to_le_bytes());
    for (k, p) in [1.0f32, mm, mm, mm].iter().enumerate() {
        h[76 + 4 * k..80 + 4 * k].copy_from_slice(&p.to_le_bytes());
    }
    h[108..112].copy_from_slice(&352f32.to_le_bytes());
    h[123] = 2; // mm
    h[344..348].copy_from_slice(b"n+1\0");
    h
}

/// A straight pipe along z through an n × n × nz grid: fluid where the cell centre
/// lies within `radius_cells` of the axis, wall elsewhere. Returns the grid, the
/// flags and the lumen of one cross-section (index x + n y).
pub fn circular_pipe(
    n: usize,
    nz: usize,
    radius_cells: f64,
) -> (embolus::lbm::GridDims, Vec<u32>, Vec<bool>) {
    use embolus::lbm::lattice::flags;
    let dims = embolus::lbm::GridDims::new(n, n, nz);
    let half = n as f64 / 2.0;
    let lumen: Vec<bool> = (0..n * n)
        .map(|j| {
            let (x, y) = ((j % n) as f64 + 0.5 - half, (j / n) as f64 + 0.5 - half);
            x * x + y * y < radius_cells * radius_cells
        })
        .collect();
    let cell_flags = (0..dims.cells())
        .map(|i| {
            if lumen[i % (n * n)] {
                flags::FLUID
            } else {
                flags::WALL
            }
        })
        .collect();
    (dims, cell_flags, lumen)
}
