//! Standard benchmark cases for `embolus bench` and the criterion bench: dense periodic
//! boxes of fluid, timed after a warm-up (shaders compile at first dispatch).

use crate::gpu::{AdapterSummary, GpuContext, GpuError};
use crate::lbm::lattice::{flags, Q};
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::sim::GpuLattice;
use serde::Serialize;
use std::time::Instant;

/// Minimum bytes one cell update moves: 19 populations read and written (f32) and its
/// flag read. Neighbour flags and index arithmetic are not counted.
pub const BYTES_PER_CELL_F32: usize = 2 * Q * 4 + 4;

#[derive(Clone, Debug, Serialize)]
pub struct BenchCase {
    pub name: String,
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub cells: usize,
    pub steps: u64,
    pub seconds: f64,
    pub mlups: f64,
    pub bytes_per_cell: usize,
    /// MLUPS × bytes per cell [GB/s].
    pub effective_bandwidth_gb_s: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub embolus_version: String,
    pub unix_time_s: u64,
    pub adapter: AdapterSummary,
    pub precision: String,
    pub collision: String,
    pub cases: Vec<BenchCase>,
}

/// A dense periodic box with a gentle shear flow, ready to step.
pub fn dense_box(n: usize) -> LatticeSetup {
    let dims = GridDims::new(n, n, n);
    LatticeSetup::at_equilibrium(
        dims,
        vec![flags::FLUID; dims.cells()],
        vec![],
        0,
        Relaxation::new(0.6, CollisionModel::default()),
        [0.0; 3],
        |i| {
            let y = dims.coords(i)[1] as f32 / n as f32;
            (0.0, [0.02 * (std::f32::consts::TAU * y).sin(), 0.0, 0.0])
        },
    )
}

/// Times the dense box of edge `n` for at least `min_seconds` after a warm-up.
pub fn time_dense_box(ctx: &GpuContext, n: usize, min_seconds: f64) -> Result<BenchCase, GpuError> {
    let setup = dense_box(n);
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    drop(setup);
    // Warm up: the first dispatch compiles the shader; then step for a while to let
    // clocks and caches settle, measuring the time per step to size the batches.
    lattice.step(ctx, 1);
    ctx.finish()?;
    let warm = Instant::now();
    let mut warm_steps = 0u32;
    while warm_steps < 3 || warm.elapsed().as_secs_f64() < 0.1 * min_seconds {
        lattice.step(ctx, 1);
        ctx.finish()?;
        warm_steps += 1;
    }
    let per_step = warm.elapsed().as_secs_f64() / warm_steps as f64;
    // Batches of ~0.2 s: long enough to hide submission overhead.
    let batch = ((0.2 / per_step.max(1e-9)) as u32).clamp(1, 2000);
    let start = Instant::now();
    let mut steps = 0u64;
    while start.elapsed().as_secs_f64() < min_seconds || steps < 4 {
        lattice.step(ctx, batch);
        ctx.finish()?;
        steps += batch as u64;
    }
    let seconds = start.elapsed().as_secs_f64();
    let cells = n * n * n;
    let mlups = cells as f64 * steps as f64 / seconds / 1e6;
    Ok(BenchCase {
        name: format!("dense box {n}^3"),
        nx: n,
        ny: n,
        nz: n,
        cells,
        steps,
        seconds,
        mlups,
        bytes_per_cell: BYTES_PER_CELL_F32,
        effective_bandwidth_gb_s: mlups * 1e6 * BYTES_PER_CELL_F32 as f64 / 1e9,
    })
}

/// Runs the dense-box cases of the given edge lengths.
pub fn run(
    ctx: &GpuContext,
    sizes: &[usize],
    min_seconds: f64,
    mut report_case: impl FnMut(&BenchCase),
) -> Result<BenchReport, GpuError> {
    let mut cases = Vec::new();
    for &n in sizes {
        let case = time_dense_box(ctx, n, min_seconds)?;
        report_case(&case);
        cases.push(case);
    }
    Ok(BenchReport {
        embolus_version: env!("CARGO_PKG_VERSION").into(),
        unix_time_s: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        adapter: ctx.summary(),
        precision: "f32".into(),
        collision: CollisionModel::default().name(),
        cases,
    })
}
