//! Standard benchmark cases for `embolus bench` and the criterion bench: dense periodic
//! boxes of fluid, timed after a warm-up (shaders compile at first dispatch).

mod lattice;
mod particles;
mod render;
pub mod stability;
pub mod timing;

pub use lattice::{dense_box, time_dense_box, time_tree};
pub use particles::time_particles;
pub use render::{time_render, RenderCase};
pub use timing::{difference, Timing};

use crate::gpu::{AdapterSummary, GpuContext, GpuError};
use crate::lbm::lattice::Q;
use crate::lbm::setup::Precision;
use crate::lbm::CollisionModel;
use serde::Serialize;
use std::time::Instant;
/// Minimum bytes one cell update moves: 19 populations read and written (f32) and its
/// flag read. Neighbour flags and index arithmetic are not counted.
pub const BYTES_PER_CELL_F32: usize = 2 * Q * 4 + 4;

/// The same minimum for a storage precision (f16: 2 × 19 × 2 + 4 = 80 bytes).
pub fn bytes_per_cell(precision: Precision) -> usize {
    2 * Q * precision.bytes() + 4
}

/// Workgroup sizes `embolus bench` tries for the lattice step.
pub const WORKGROUP_SWEEP: [u32; 4] = [32, 64, 128, 256];

#[derive(Clone, Debug, Serialize)]
pub struct BenchCase {
    pub name: String,
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub cells: usize,
    pub steps: u64,
    pub seconds: f64,
    /// From the median batch.
    pub mlups: f64,
    /// Spread of the batches' speed [%] (half the interquartile range).
    pub mlups_spread_percent: f64,
    pub bytes_per_cell: usize,
    /// Lumen-cell updates per second × bytes per cell [GB/s]: the least traffic the
    /// work needs.
    pub effective_bandwidth_gb_s: f64,
    /// Cells that are not wall (all of a box): the work that matters.
    pub lumen_cells: usize,
    /// Million lumen-cell updates per second.
    pub lumen_mlups: f64,
    /// "dense" or "sparse" population storage.
    pub storage: String,
    /// GPU memory of the lattice (populations, flags, sparse tables) [bytes].
    pub memory_bytes: u64,
    /// Population storage ("f32" or "f16").
    pub precision: String,
    /// Threads per workgroup of the lattice step.
    pub workgroup_size: u32,
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
    /// Device memory bandwidth by a STREAM-style copy [GB/s], the limit the LBM cases
    /// are measured against.
    pub copy_bandwidth_gb_s: Option<f64>,
    /// Particles advected in a flow, on the same adapter.
    pub particles: Vec<ParticleCase>,
    /// Fluid share of the tree case's grid (the rest is updated too: dense storage).
    pub tree_fill_fraction: f64,
    /// The first dense box (f32) at each workgroup size of [`WORKGROUP_SWEEP`].
    pub workgroup_sweep: Vec<BenchCase>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParticleCase {
    pub name: String,
    pub particles: usize,
    /// Particles that start lodged or exited (they get no thread).
    pub settled: usize,
    pub cells: usize,
    pub steps: u64,
    /// Time per step of the flow alone and with the particles [s]: medians of
    /// alternating batches, and their spreads.
    pub step_s_flow: f64,
    pub step_s_with_particles: f64,
    pub step_s_flow_spread: f64,
    pub step_s_with_particles_spread: f64,
    /// The step time the particles add [%], and its uncertainty [%].
    pub added_percent: f64,
    pub added_noise_percent: f64,
    /// Whether the added time exceeds twice its uncertainty; when not, it is below
    /// the timing noise and `mpups` is `None`.
    pub resolved: bool,
    /// Updates of moving particles per second (millions).
    pub mpups: Option<f64>,
}

/// Device bandwidth by copying `bytes` (capped at the binding limit) between two
/// buffers, timed over `min_seconds` after a warm-up: 2 × bytes per copy / time.
pub fn copy_bandwidth(ctx: &GpuContext, bytes: u64, min_seconds: f64) -> Result<f64, GpuError> {
    use crate::gpu::buffers::storage_from;
    let limit = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size);
    let elements = (bytes.min(limit) / 16) as usize;
    let src = storage_from(ctx, "copy src", &vec![[1.0f32; 4]; elements]);
    let dst = storage_from(ctx, "copy dst", &vec![[0.0f32; 4]; elements]);
    let module =
        crate::gpu::pipeline::KernelModule::new(ctx, "copy", &crate::kernels::render::copy())?;
    let pipeline = module.pipeline(ctx, "copy", &[])?;
    let group = module.bind(
        ctx,
        &crate::gpu::bindings::Resources::new()
            .with("src", &src)
            .with("dst", &dst),
    )?;
    let (gx, gy) = crate::gpu::pipeline::dispatch_size(elements, 256);
    let run = |copies: u32| -> Result<f64, GpuError> {
        let t = Instant::now();
        crate::gpu::pipeline::submit_pass(ctx, "copy", |pass| {
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            for _ in 0..copies {
                pass.dispatch_workgroups(gx, gy, 1);
            }
        });
        ctx.finish()?;
        Ok(t.elapsed().as_secs_f64())
    };
    run(1)?; // warm-up: shader compilation
    let mut copies = 1u32;
    loop {
        let seconds = run(copies)?;
        if seconds >= min_seconds || copies >= 1 << 16 {
            return Ok(2.0 * (elements * 16) as f64 * copies as f64 / seconds / 1e9);
        }
        copies = (copies * 2).max((copies as f64 * min_seconds / seconds.max(1e-6)) as u32);
    }
}

/// Per case of `current`, its speed over the same case in `baseline` (MLUPS or
/// frames/s or particle step time), for `embolus bench --baseline`.
pub fn compare(
    current: &BenchReport,
    baseline: &serde_json::Value,
) -> Vec<(String, f64, f64, f64)> {
    let mut rows = Vec::new();
    let find = |list: &str, name: &str, key: &str| -> Option<f64> {
        baseline[list]
            .as_array()?
            .iter()
            .find(|c| c["name"].as_str() == Some(name))?[key]
            .as_f64()
    };
    for c in &current.cases {
        if let Some(b) = find("cases", &c.name, "mlups") {
            rows.push((format!("{} [MLUPS]", c.name), b, c.mlups, c.mlups / b));
        }
    }
    for c in current
        .workgroup_sweep
        .iter()
        .filter(|c| c.workgroup_size != crate::kernels::WORKGROUP_SIZE)
    {
        if let Some(b) = find("workgroup_sweep", &c.name, "mlups") {
            rows.push((format!("{} [MLUPS]", c.name), b, c.mlups, c.mlups / b));
        }
    }
    for r in &current.render {
        if let Some(b) = find("render", &r.name, "frames_per_s") {
            rows.push((
                format!("{} [frames/s]", r.name),
                b,
                r.frames_per_s,
                r.frames_per_s / b,
            ));
        }
    }
    for p in &current.particles {
        if let (Some(b), Some(now)) = (find("particles", &p.name, "mpups"), p.mpups) {
            rows.push((
                format!("{} [M particle updates/s]", p.name),
                b,
                now,
                now / b,
            ));
        }
    }
    if let (Some(b), Some(c)) = (
        baseline["copy_bandwidth_gb_s"].as_f64(),
        current.copy_bandwidth_gb_s,
    ) {
        rows.push(("copy bandwidth [GB/s]".into(), b, c, c / b));
    }
    rows
}

/// Called with each case as it completes (the CLI prints them).
pub type Reporters<'a> = (
    &'a mut dyn FnMut(&BenchCase),
    &'a mut dyn FnMut(&RenderCase),
    &'a mut dyn FnMut(&ParticleCase),
);

/// Runs the dense-box cases of the given edge lengths, the rendered frames `frames`
/// ((width, height, supersample) each) of a 128³ tube with 10⁵ particles, the copy
/// bandwidth and the particle cases ((grid edge, particles) each).
/// What `embolus bench` measures.
#[derive(Clone, Debug)]
pub struct BenchPlan {
    /// Edge lengths of the dense boxes.
    pub sizes: Vec<usize>,
    /// Frames to render: (width, height, supersampling).
    pub frames: Vec<(u32, u32, u32)>,
    /// Particle cases: (pipe box edge, particles, fraction settled).
    pub particle_cases: Vec<(usize, usize, f64)>,
    /// Least timed seconds per case.
    pub min_seconds: f64,
}

impl BenchPlan {
    /// The standard cases: small ones for `--quick` (CI) and CPU adapters, GPU-sized
    /// ones otherwise; `sizes` replaces the dense boxes.
    pub fn standard(quick: bool, software: bool, sizes: Option<Vec<usize>>) -> Self {
        let sizes = sizes.unwrap_or_else(|| {
            if quick {
                vec![32, 64]
            } else if software {
                vec![64, 128]
            } else {
                vec![64, 128, 256]
            }
        });
        BenchPlan {
            sizes,
            // A 1080p frame, as a run renders it; the quick suite renders a small one.
            frames: if quick {
                vec![(640, 360, 1)]
            } else {
                vec![(1920, 1080, 2)]
            },
            // 1e5 and 1e6 in a 128³ pipe, then the larger with 90% of them settled
            // (lodged or exited: they should cost nothing); CPU adapters: 1e4 and 1e5
            // in 64³; --quick (CI): 2e3 and 2e4 in 32³ (setting the particles up is
            // most of a quick case's time).
            particle_cases: if quick {
                vec![(32, 2_000, 0.0), (32, 20_000, 0.0), (32, 20_000, 0.9)]
            } else if software {
                vec![(64, 10_000, 0.0), (64, 100_000, 0.0), (64, 100_000, 0.9)]
            } else {
                vec![
                    (128, 100_000, 0.0),
                    (128, 1_000_000, 0.0),
                    (128, 1_000_000, 0.9),
                ]
            },
            min_seconds: if quick { 0.5 } else { 2.0 },
        }
    }
}

pub fn run(
    ctx: &GpuContext,
    plan: &BenchPlan,
    reporters: Reporters,
) -> Result<BenchReport, GpuError> {
    let (sizes, frames, particle_cases, min_seconds) = (
        &plan.sizes,
        &plan.frames,
        &plan.particle_cases,
        plan.min_seconds,
    );
    let (report_case, report_render, report_particles) = reporters;
    let mut cases = Vec::new();
    let default_group = crate::kernels::WORKGROUP_SIZE;
    let mut precisions = vec![Precision::F32];
    if ctx.features.contains(wgpu::Features::SHADER_F16) {
        precisions.push(Precision::F16);
    }
    for &n in sizes {
        for &precision in &precisions {
            let case = time_dense_box(ctx, n, precision, false, default_group, min_seconds)?;
            report_case(&case);
            cases.push(case);
        }
        // One population set updated in place: half the memory, the same traffic.
        let case = time_dense_box(ctx, n, Precision::F32, true, default_group, min_seconds)?;
        report_case(&case);
        cases.push(case);
    }
    // Workgroup sizes on the first box (the default size is already timed).
    let mut workgroup_sweep = Vec::new();
    if let Some(&n) = sizes.first() {
        let max_threads = ctx
            .limits
            .max_compute_invocations_per_workgroup
            .min(ctx.limits.max_compute_workgroup_size_x);
        for &group in WORKGROUP_SWEEP.iter().filter(|&&g| g <= max_threads) {
            let case = match cases.iter().find(|c| c.nx == n && c.precision == "f32") {
                Some(c) if group == default_group => c.clone(),
                _ => {
                    let c = time_dense_box(ctx, n, Precision::F32, false, group, min_seconds)?;
                    report_case(&c);
                    c
                }
            };
            workgroup_sweep.push(case);
        }
    }
    // The vessel case: a three-generation tree (root radius 8 cells; 4 on --quick
    // sized runs, i.e. when the dense sizes stay at or below 64), dense and sparse,
    // then sparse at larger radii (one on --quick sized runs, two otherwise): time
    // per step against lumen cells.
    let roots: &[f64] = if sizes.iter().all(|&n| n <= 64) {
        &[4.0, 6.0]
    } else {
        &[8.0, 12.0, 16.0]
    };
    let (tree, fill) = time_tree(ctx, 3, roots[0], false, Precision::F32, false, min_seconds)?;
    report_case(&tree);
    cases.push(tree);
    for &root in roots {
        let (tree, _) = time_tree(ctx, 3, root, true, Precision::F32, false, min_seconds)?;
        report_case(&tree);
        cases.push(tree);
    }
    // Half floats, sparse: the memory per lumen cell of the f16 target.
    if ctx.features.contains(wgpu::Features::SHADER_F16) {
        let (tree, _) = time_tree(ctx, 3, roots[0], true, Precision::F16, false, min_seconds)?;
        report_case(&tree);
        cases.push(tree);
    }
    // Interpolated walls, sparse: what the wall-link table adds per lumen cell, at the
    // thinnest and the widest tree (the table grows with the wall, the lumen faster).
    for root in [roots[0], roots[roots.len() - 1]] {
        let (tree, _) = time_tree(ctx, 3, root, true, Precision::F32, true, min_seconds)?;
        report_case(&tree);
        cases.push(tree);
    }
    let mut render = Vec::new();
    for &f in frames {
        let case = time_render(ctx, 128, f, 100_000, min_seconds)?;
        report_render(&case);
        render.push(case);
    }
    let copy_bandwidth_gb_s = Some(copy_bandwidth(ctx, 256 << 20, min_seconds)?);
    let mut particles = Vec::new();
    for &(n, count, settled) in particle_cases {
        let case = time_particles(ctx, n, count, settled, min_seconds)?;
        report_particles(&case);
        particles.push(case);
    }
    Ok(BenchReport {
        embolus_version: env!("CARGO_PKG_VERSION").into(),
        unix_time_s: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        adapter: ctx.summary(),
        precision: precisions
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", "),
        collision: CollisionModel::default().name(),
        cases,
        render,
        copy_bandwidth_gb_s,
        particles,
        tree_fill_fraction: fill,
        workgroup_sweep,
    })
}
