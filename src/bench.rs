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
    /// Rendered frames (shaders/render/frame.wgsl), on the same adapter.
    pub render: Vec<RenderCase>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RenderCase {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub supersample: u32,
    /// Grid cells and particles in the scene.
    pub cells: usize,
    pub particles: usize,
    pub frames: u64,
    pub seconds: f64,
    pub frames_per_s: f64,
}

/// Times frames of a tube (radius n/3 along z) in an n³ grid with a parabolic flow
/// and `particles` particles spread through the lumen, after a warm-up frame.
pub fn time_render(
    ctx: &GpuContext,
    n: usize,
    (width, height, supersample): (u32, u32, u32),
    particles: usize,
    min_seconds: f64,
) -> Result<RenderCase, GpuError> {
    use crate::gpu::buffers::storage_from;
    use crate::render::frame_gpu::{FrameRenderer, FrameSettings, RenderInputs};
    let dims = GridDims::new(n, n, n);
    let r = n as f64 / 3.0;
    let radial = |i: usize| {
        let [x, y, _] = dims.coords(i);
        ((x as f64 + 0.5 - 0.5 * n as f64).powi(2) + (y as f64 + 0.5 - 0.5 * n as f64).powi(2))
            .sqrt()
    };
    let cell_flags: Vec<u32> = (0..dims.cells())
        .map(|i| {
            if radial(i) < r {
                flags::FLUID
            } else {
                flags::WALL
            }
        })
        .collect();
    let flow: Vec<[f32; 4]> = (0..dims.cells())
        .map(|i| {
            [
                0.0,
                0.0,
                (0.05 * (1.0 - (radial(i) / r).powi(2))).max(0.0) as f32,
                0.0,
            ]
        })
        .collect();
    // Particles on a deterministic spiral through the lumen.
    let positions: Vec<[f32; 4]> = (0..particles.max(1))
        .map(|k| {
            let a = k as f64 * 2.399963;
            let rho = 0.8 * r * ((k % 97) as f64 / 97.0).sqrt();
            [
                (0.5 * n as f64 + rho * a.cos()) as f32,
                (0.5 * n as f64 + rho * a.sin()) as f32,
                (n as f64 * (k as f64 + 0.5) / particles.max(1) as f64) as f32,
                0.6,
            ]
        })
        .collect();
    let status: Vec<[u32; 4]> = (0..particles.max(1))
        .map(|k| [1 + (k % 3 == 0) as u32, 0, 0, 0])
        .collect();
    let flags_buffer = storage_from(ctx, "bench flags", &cell_flags);
    let flow_buffer = storage_from(ctx, "bench flow", &flow);
    let positions_buffer = storage_from(ctx, "bench positions", &positions);
    let status_buffer = storage_from(ctx, "bench status", &status);
    let renderer = FrameRenderer::new(
        ctx,
        &RenderInputs {
            dims,
            flags: &flags_buffer,
            flow: &flow_buffer,
            solid: None,
            particles: Some((&positions_buffer, &status_buffer, particles)),
        },
        FrameSettings {
            width,
            height,
            supersample,
            max_speed_lattice: 0.05,
            slice: Some(([1.0, 0.0, 0.0], 0.5 * n as f32 + 0.5)),
            solid_scale: 1.0,
        },
    )?;
    let camera = crate::render::camera::overview([n, n, n], 35.0, width as f64 / height as f64);
    renderer.render(ctx, &camera)?; // warm-up: shader compilation
    let started = Instant::now();
    let mut frames = 0u64;
    while frames < 2 || started.elapsed().as_secs_f64() < min_seconds {
        renderer.render(ctx, &camera)?;
        frames += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let s = renderer.settings.supersample;
    Ok(RenderCase {
        name: format!("frame {width}x{height} ss{s}"),
        width,
        height,
        supersample: s,
        cells: dims.cells(),
        particles,
        frames,
        seconds,
        frames_per_s: frames as f64 / seconds,
    })
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

/// Runs the dense-box cases of the given edge lengths, then the rendered frames
/// `frames` ((width, height, supersample) each) of a 128³ tube with 10⁵ particles.
pub fn run(
    ctx: &GpuContext,
    sizes: &[usize],
    frames: &[(u32, u32, u32)],
    min_seconds: f64,
    mut report_case: impl FnMut(&BenchCase),
    mut report_render: impl FnMut(&RenderCase),
) -> Result<BenchReport, GpuError> {
    let mut cases = Vec::new();
    for &n in sizes {
        let case = time_dense_box(ctx, n, min_seconds)?;
        report_case(&case);
        cases.push(case);
    }
    let mut render = Vec::new();
    for &f in frames {
        let case = time_render(ctx, 128, f, 100_000, min_seconds)?;
        report_render(&case);
        render.push(case);
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
        render,
    })
}
