//! Wall shear stress and shear rate from the field kernels in a periodic cylinder
//! driven by a body force G (Hagen–Poiseuille, docs/references.md): τ_w = 4μQ/(πR³) and
//! |du/dr| = G r/(2μ).

use super::support::{circular_pipe, unit_voxels};
use crate::geometry::wall_surface::wall_mesh;
use crate::geometry::{cut_cells, WallSurface};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::{CollisionModel, LatticeSetup, Relaxation};
use crate::sim::fields_gpu::{wall_adjacent_cells, FieldRegion, GpuFields};
use crate::sim::wall_output::WallOutput;
use crate::sim::GpuLattice;
use crate::units::LatticeUnits;
use std::f64::consts::PI;

/// Wall shear stress in a force-driven periodic cylinder against Hagen–Poiseuille.
pub struct WallShearPipe {
    /// Area-equivalent radius [cells].
    pub radius: f64,
    pub mean_wss: f64,
    /// 4μQ/(πR³) for the measured flow rate Q.
    pub analytic_wss: f64,
    /// Largest |τ_x|, |τ_y| over the wall relative to the mean |τ| (direction check).
    pub transverse: f64,
    /// Largest relative shear-rate error over cells between 0.2 R and 0.8 R.
    pub shear_rate_error: f64,
    /// Largest difference between the WSS of the sampled field and of the wall list.
    pub paths_differ: f64,
    /// Every wall cell's WSS points along the flow.
    pub along_flow: bool,
    /// Largest |τ_w,i / mean − 1| over the wall cells.
    pub scatter: f64,
}

/// A periodic cylinder of radius `r_cells` (τ 0.8) driven by a body force to a
/// centreline speed of ~0.02, run to steady state, with halfway walls. The reference
/// is 4μQ/(πR³) for the measured flow Q and the radius of the lumen's voxel area
/// (where halfway bounce-back puts the wall).
pub fn wall_shear_pipe(ctx: &GpuContext, r_cells: f64) -> Result<WallShearPipe, GpuError> {
    wall_shear_pipe_with(ctx, r_cells, false, None)
}

/// [`wall_shear_pipe`], or with interpolated walls (`interpolated`): the wall lies on
/// the true circle, and the reference is the force balance τ_w = G R / 2 for the true
/// radius R. With `wall_dir`, also writes the wall surface there as a run does
/// (`wall/wall_<steps>.vtp`, lattice units: 1 m per cell, 1 s per step, 1 kg/m³).
pub fn wall_shear_pipe_with(
    ctx: &GpuContext,
    r_cells: f64,
    interpolated: bool,
    wall_dir: Option<&std::path::Path>,
) -> Result<WallShearPipe, GpuError> {
    let n = 2 * r_cells.ceil() as usize + 2;
    let half = n as f64 / 2.0;
    let (dims, cell_flags, lumen) = circular_pipe(n, 4, r_cells);
    let inside = |x: usize, y: usize| lumen[x + n * y];
    let fluid_per_plane = (0..n * n).filter(|&j| inside(j % n, j / n)).count();
    // The lumen of halfway bounce-back is the fluid cells: the circle of equal area
    // (as for the Poiseuille test, docs/test-checks.md).
    let radius = if interpolated {
        r_cells
    } else {
        (fluid_per_plane as f64 / PI).sqrt()
    };
    let tau = 0.8;
    let nu = (tau - 0.5) / 3.0;
    let g = 8.0 * nu * 0.02 / (radius * radius); // centreline speed ≈ 0.02
    let walls = wall_adjacent_cells(dims, &cell_flags);
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [0.0, 0.0, g as f32],
        |_| (0.0, [0.0; 3]),
    );
    let voxels = unit_voxels(&setup);
    let circle =
        move |p: [f64; 3]| (p[0] - half).powi(2) + (p[1] - half).powi(2) < r_cells * r_cells;
    let cut = if interpolated {
        cut_cells(
            &voxels,
            &vec![false; dims.cells()],
            &WallSurface::Implicit(Box::new(circle)),
        )
    } else {
        vec![]
    };
    crate::lbm::wall_links::attach(&mut setup, &cut);
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let fields = GpuFields::new(ctx, &lattice, FieldRegion::whole(dims), walls.clone())?;
    // Start-up decays as exp(−5.78 ν t/R²): 14 e-folds.
    let steps = (14.0 * radius * radius / (5.78 * nu)).ceil() as u32;
    let mut left = steps;
    while left > 0 {
        let k = left.min(500);
        lattice.step(ctx, k);
        left -= k;
    }
    let sample = fields.sample(ctx, &lattice)?;
    let wall = fields.wall_shear_now(ctx, &lattice)?;
    if let Some(dir) = wall_dir {
        let mesh = wall_mesh(&voxels, &vec![false; dims.cells()], &cut);
        let output = WallOutput::new(mesh, &walls, dir);
        let units = LatticeUnits::derive(1.0, 1.0, nu, 0.02, 0.02, 1.0, 0.02);
        let values = output.values(ctx, &fields, &lattice, &units, steps as u64)?;
        output
            .write(&values, steps as u64, steps as f64, &mut vec![])
            .map_err(|(path, e)| GpuError::Wgpu(format!("writing {}: {e}", path.display())))?;
    }

    let z = 1;
    let flow: f64 = (0..n * n)
        .filter(|&j| inside(j % n, j / n))
        .map(|j| sample.flow[dims.index(j % n, j / n, z)][2] as f64)
        .sum();
    let mu = nu; // ρ₀ = 1
    let analytic_wss = if interpolated {
        // Force balance on the lumen: τ_w 2πR = G πR².
        g * radius / 2.0
    } else {
        4.0 * mu * flow / (PI * radius.powi(3))
    };
    let mean_wss = wall.iter().map(|w| w[3] as f64).sum::<f64>() / wall.len() as f64;
    let scatter = wall
        .iter()
        .map(|w| (w[3] as f64 / mean_wss - 1.0).abs())
        .fold(0.0, f64::max);
    let transverse = wall
        .iter()
        .map(|w| (w[0].abs().max(w[1].abs())) as f64)
        .fold(0.0, f64::max)
        / mean_wss;
    let along_flow = !wall.is_empty() && wall.iter().all(|w| w[2] > 0.0);
    let mut shear_rate_error = 0.0f64;
    for k in 0..n * n {
        let (x, y) = (k % n, k / n);
        let r = ((x as f64 + 0.5 - half).powi(2) + (y as f64 + 0.5 - half).powi(2)).sqrt();
        if r > 0.2 * radius && r < 0.8 * radius {
            let expected = g * r / (2.0 * mu);
            let got = sample.stress[dims.index(x, y, z)][0] as f64;
            shear_rate_error = shear_rate_error.max((got / expected - 1.0).abs());
        }
    }
    let paths_differ = walls
        .iter()
        .zip(&wall)
        .map(|(&cell, w)| (sample.wall[cell as usize][3] - w[3]).abs() as f64)
        .fold(0.0, f64::max);
    Ok(WallShearPipe {
        radius,
        mean_wss,
        analytic_wss,
        transverse,
        shear_rate_error,
        paths_differ,
        along_flow,
        scatter,
    })
}
