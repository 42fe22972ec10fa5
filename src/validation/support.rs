//! Small builders shared by the validation cases and the tests: geometry of simple
//! channels, running a lattice and reading its macroscopic fields.

use crate::geometry::{CellKind, Voxels};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::equilibrium::{density_velocity, gather};
use crate::lbm::lattice::flags;
use crate::lbm::{GridDims, LatticeSetup};
use crate::sim::GpuLattice;

/// Runs `steps` steps on the GPU and reads the populations back.
pub fn gpu_run(ctx: &GpuContext, setup: &LatticeSetup, steps: u32) -> Result<Vec<f32>, GpuError> {
    let mut lattice = GpuLattice::new(ctx, setup)?;
    let mut left = steps;
    while left > 0 {
        let n = left.min(500);
        lattice.step(ctx, n);
        left -= n;
    }
    lattice.read_populations(ctx)
}

/// Density and velocity of every cell (force-corrected velocity).
pub fn macroscopic(setup: &LatticeSetup, populations: &[f32]) -> Vec<(f32, [f32; 3])> {
    let n = setup.dims.cells();
    (0..n)
        .map(|i| density_velocity(&gather(populations, n, i), setup.force))
        .collect()
}

/// Walls at rows y = 0 and y = h + 1, fluid between: a plane channel of width h
/// (halfway walls), periodic in x and z.
pub fn plane_channel_flags(dims: GridDims, h: usize) -> Vec<u32> {
    (0..dims.cells())
        .map(|i| match dims.coords(i)[1] {
            y if y == 0 || y == h + 1 => flags::WALL,
            _ => flags::FLUID,
        })
        .collect()
}

/// A straight pipe along z through an n × n × nz grid: fluid where the cell centre
/// lies within `radius_cells` of the axis, wall elsewhere. Returns the grid, the
/// flags and the lumen of one cross-section (index x + n y).
pub fn circular_pipe(n: usize, nz: usize, radius_cells: f64) -> (GridDims, Vec<u32>, Vec<bool>) {
    let dims = GridDims::new(n, n, nz);
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

/// The cell kinds of a wall/fluid lattice as voxels of 1 m (the wall-link builder
/// works on voxels).
pub fn unit_voxels(setup: &LatticeSetup) -> Voxels {
    Voxels {
        dims: setup.dims,
        voxel_size_m: 1.0,
        origin_m: [0.0; 3],
        kinds: setup
            .flags
            .iter()
            .map(|&f| {
                if f == flags::WALL {
                    CellKind::Wall
                } else {
                    CellKind::Fluid
                }
            })
            .collect(),
        openings: vec![],
        removed_unconnected: 0,
    }
}
