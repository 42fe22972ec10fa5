//! Standard benchmark cases for `embolus bench` and the criterion bench: dense periodic
//! boxes of fluid, timed after a warm-up (shaders compile at first dispatch).

use crate::gpu::{AdapterSummary, GpuContext, GpuError};
use crate::lbm::lattice::{flags, Q};
use crate::lbm::setup::Precision;
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::sim::GpuLattice;
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
    pub mlups: f64,
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
    /// Time per step of the flow alone and with the particles [s].
    pub step_s_flow: f64,
    pub step_s_with_particles: f64,
    /// Updates of moving particles per second (millions) and the step time all the
    /// particles add [%].
    pub mpups: f64,
    pub added_percent: f64,
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
    let pipeline = crate::gpu::pipeline::compute_pipeline(
        ctx,
        "copy",
        include_str!("../shaders/bench/copy.wgsl"),
        "copy",
        &[],
    )?;
    let group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("copy"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            crate::sim::lattice_gpu::entry(0, &src),
            crate::sim::lattice_gpu::entry(1, &dst),
        ],
    });
    let (gx, gy) = crate::gpu::pipeline::dispatch_size(elements, 256);
    let run = |copies: u32| -> Result<f64, GpuError> {
        let t = Instant::now();
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("copy"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("copy"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &group, &[]);
            for _ in 0..copies {
                pass.dispatch_workgroups(gx, gy, 1);
            }
        }
        ctx.queue.submit([encoder.finish()]);
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

/// Times `count` particles (Y-90 resin spheres, released at once) advected in the
/// parabolic flow of a straight pipe in an `n`³ grid, against the flow alone. A
/// `settled_fraction` of them starts as exited (as lodged and exited particles are
/// late in a run): they should cost nothing.
pub fn time_particles(
    ctx: &GpuContext,
    n: usize,
    count: usize,
    settled_fraction: f64,
    min_seconds: f64,
) -> Result<ParticleCase, GpuError> {
    let dx = 1.0e-4;
    let scenario = format!(
        "[grid]\nvoxel_size = {dx:e}\n[time]\nsteps = 1\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"cylinder\"\nradius = {r:e}\nlength = {l:e}\n\
         [inlet]\nmean_velocity = 0.05\nramp_time = 0.0\n[particles]\nwrite_vtp = false\n\
         [[injections]]\nagent = \"y90_resin\"\nstart = 0.0\nduration = 1.0e-9\ncount = {count}\nopening = \"inlet\"\n",
        r = dx * (n as f64 / 2.0 - 1.0),
        l = dx * (n as f64 - 2.0),
    );
    let loaded =
        crate::scenario::LoadedScenario::from_str(std::path::Path::new("bench.toml"), &scenario)
            .map_err(|e| GpuError::Wgpu(format!("bench scenario: {e}")))?;
    let mut setup = crate::sim::build::lattice_setup(&loaded.voxels, &loaded);
    setup.coupled_fields = true;
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let cells = setup.dims.cells();
    drop(setup);
    let run = loaded
        .particles
        .as_ref()
        .expect("the bench injects particles");
    let mut plan = run.plan.clone();
    let settled = (settled_fraction * count as f64).round() as usize;
    for m in plan.meta.iter_mut().take(settled) {
        m[0] = crate::particles::plan::state::EXITED;
    }
    let geometry = crate::particles::fields::cell_geometry(&loaded.voxels);
    let particles =
        crate::sim::GpuParticles::new(ctx, &lattice, &plan, &run.settings, &geometry, 0)?;
    // Batches of 4 steps, the flow alone and with the particles in turns, each
    // variant's time per step taken as its fastest batch: the two differ by a few
    // percent, less than what a busy machine adds to a single long timing.
    let batch = |with: bool, lattice: &mut GpuLattice| -> Result<f64, GpuError> {
        let hook: Option<&dyn crate::sim::StepHook> = if with { Some(&particles) } else { None };
        let t = Instant::now();
        lattice.step_with(ctx, 4, hook);
        ctx.finish()?;
        Ok(t.elapsed().as_secs_f64() / 4.0)
    };
    batch(false, &mut lattice)?; // warm-up: shader compilation
    batch(true, &mut lattice)?;
    let (mut flow, mut both) = (f64::INFINITY, f64::INFINITY);
    let (mut steps, mut rounds) = (0u64, 0u32);
    let t = Instant::now();
    while rounds < 3 || t.elapsed().as_secs_f64() < 2.0 * min_seconds {
        flow = flow.min(batch(false, &mut lattice)?);
        both = both.min(batch(true, &mut lattice)?);
        steps += 4;
        rounds += 1;
    }
    let mut name = format!("particles {count:e} in {n}^3");
    if settled > 0 {
        name += &format!(", {:.0}% settled", 100.0 * settled_fraction);
    }
    Ok(ParticleCase {
        name,
        particles: count,
        settled,
        cells,
        steps,
        step_s_flow: flow,
        step_s_with_particles: both,
        mpups: (count - settled) as f64 / (both - flow).max(1e-12) / 1e6,
        added_percent: 100.0 * (both - flow) / flow,
    })
}

/// Times the lattice of a generated arterial tree (`generations` bifurcations, root
/// radius `root_cells` cells), stored dense or sparse: the vessel case. MLUPS counts
/// every grid cell (the same work definition for both layouts, so their ratio is the
/// speed-up); lumen MLUPS counts the cells that are not wall.
pub fn time_tree(
    ctx: &GpuContext,
    generations: u32,
    root_cells: f64,
    sparse: bool,
    precision: Precision,
    min_seconds: f64,
) -> Result<(BenchCase, f64), GpuError> {
    let dx = 1.0e-4;
    let scenario = format!(
        "[grid]\nvoxel_size = {dx:e}\n[time]\nsteps = 1\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"tree\"\ngenerations = {generations}\nroot_radius = {r:e}\n\
         root_length = {l:e}\nangle_deg = 25.0\nlength_to_radius = 6.0\n\
         [inlet]\nmean_velocity = 0.1\nramp_time = 0.0\n",
        r = root_cells * dx,
        l = 6.0 * root_cells * dx,
    );
    let loaded =
        crate::scenario::LoadedScenario::from_str(std::path::Path::new("tree.toml"), &scenario)
            .map_err(|e| GpuError::Wgpu(format!("bench scenario: {e}")))?;
    let mut setup = crate::sim::build::lattice_setup(&loaded.voxels, &loaded);
    setup.sparse = sparse;
    setup.precision = precision;
    let setup_in_place = setup.in_place;
    let dims = setup.dims;
    let lumen = loaded.voxels.lumen_cells();
    let fill = lumen as f64 / dims.cells() as f64;
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    drop(setup);
    lattice.step(ctx, 2);
    ctx.finish()?;
    let mut steps = 0u64;
    let t = Instant::now();
    while steps < 4 || t.elapsed().as_secs_f64() < min_seconds {
        lattice.step(ctx, 4);
        ctx.finish()?;
        steps += 4;
    }
    let seconds = t.elapsed().as_secs_f64();
    let mlups = dims.cells() as f64 * steps as f64 / seconds / 1e6;
    let lumen_mlups = lumen as f64 * steps as f64 / seconds / 1e6;
    let storage = if sparse { "sparse" } else { "dense" };
    let bytes = bytes_per_cell(precision);
    // The layout runs use by default: one population set in place.
    let layout = format!(
        "{storage}{}",
        if setup_in_place { ", in place" } else { "" }
    );
    Ok((
        BenchCase {
            name: format!(
                "tree {generations} gen r{root_cells} {storage}{}",
                if precision == Precision::F32 {
                    String::new()
                } else {
                    format!(" {}", precision.name())
                }
            ),
            nx: dims.nx,
            ny: dims.ny,
            nz: dims.nz,
            cells: dims.cells(),
            steps,
            seconds,
            mlups,
            bytes_per_cell: bytes,
            effective_bandwidth_gb_s: lumen_mlups * 1e6 * bytes as f64 / 1e9,
            lumen_cells: lumen,
            lumen_mlups,
            storage: layout,
            memory_bytes: lattice.memory_bytes(),
            precision: precision.name().into(),
            workgroup_size: crate::lbm::shader_source::WORKGROUP_SIZE,
        },
        fill,
    ))
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
        .filter(|c| c.workgroup_size != crate::lbm::shader_source::WORKGROUP_SIZE)
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
        if let Some(b) = find("particles", &p.name, "mpups") {
            rows.push((
                format!("{} [M particle updates/s]", p.name),
                b,
                p.mpups,
                p.mpups / b,
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
    let flags_buffer = storage_from(
        ctx,
        "bench flags",
        &crate::lbm::sparse::cell_table(&cell_flags, None),
    );
    let flow_buffer = storage_from(ctx, "bench flow", &flow);
    let positions_buffer = storage_from(ctx, "bench positions", &positions);
    let status_buffer = storage_from(ctx, "bench status", &status);
    let renderer = FrameRenderer::new(
        ctx,
        &RenderInputs {
            dims,
            flags: &flags_buffer,
            cell_table_constants: crate::lbm::sparse::cell_table_constants(None),
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

/// Times the dense box of edge `n` with the given storage and step workgroup size for
/// at least `min_seconds` after a warm-up.
pub fn time_dense_box(
    ctx: &GpuContext,
    n: usize,
    precision: Precision,
    in_place: bool,
    workgroup_size: u32,
    min_seconds: f64,
) -> Result<BenchCase, GpuError> {
    let mut setup = dense_box(n);
    setup.precision = precision;
    setup.in_place = in_place;
    setup.step_workgroup_size = workgroup_size;
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
    let bytes = bytes_per_cell(precision);
    let mut name = format!("dense box {n}^3");
    if precision != Precision::F32 {
        name += &format!(" {}", precision.name());
    }
    if in_place {
        name += " in-place";
    }
    if workgroup_size != crate::lbm::shader_source::WORKGROUP_SIZE {
        name += &format!(" wg {workgroup_size}");
    }
    Ok(BenchCase {
        name,
        nx: n,
        ny: n,
        nz: n,
        cells,
        steps,
        seconds,
        mlups,
        bytes_per_cell: bytes,
        effective_bandwidth_gb_s: mlups * 1e6 * bytes as f64 / 1e9,
        lumen_cells: cells,
        lumen_mlups: mlups,
        storage: if in_place { "dense, in place" } else { "dense" }.into(),
        memory_bytes: lattice.memory_bytes(),
        precision: precision.name().into(),
        workgroup_size,
    })
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
pub fn run(
    ctx: &GpuContext,
    sizes: &[usize],
    frames: &[(u32, u32, u32)],
    particle_cases: &[(usize, usize, f64)],
    min_seconds: f64,
    reporters: Reporters,
) -> Result<BenchReport, GpuError> {
    let (report_case, report_render, report_particles) = reporters;
    let mut cases = Vec::new();
    let default_group = crate::lbm::shader_source::WORKGROUP_SIZE;
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
    // then sparse at two larger radii: time per step against lumen cells.
    let roots = if sizes.iter().all(|&n| n <= 64) {
        [4.0, 6.0, 8.0]
    } else {
        [8.0, 12.0, 16.0]
    };
    let (tree, fill) = time_tree(ctx, 3, roots[0], false, Precision::F32, min_seconds)?;
    report_case(&tree);
    cases.push(tree);
    for root in roots {
        let (tree, _) = time_tree(ctx, 3, root, true, Precision::F32, min_seconds)?;
        report_case(&tree);
        cases.push(tree);
    }
    // Half floats, sparse: the memory per lumen cell of the f16 target.
    if ctx.features.contains(wgpu::Features::SHADER_F16) {
        let (tree, _) = time_tree(ctx, 3, roots[0], true, Precision::F16, min_seconds)?;
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
