//! The lattice cases: dense periodic boxes of fluid and generated arterial trees
//! (dense and sparse), each timed after a warm-up over repeated batches.

use super::timing::Timing;
use super::{bytes_per_cell, BenchCase};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::flags;
use crate::lbm::setup::Precision;
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::sim::GpuLattice;
use std::time::Instant;

/// Times the lattice of a generated arterial tree (`generations` bifurcations, root
/// radius `root_cells` cells), stored dense or sparse, with halfway or interpolated
/// walls: the vessel case. MLUPS counts every grid cell (the same work definition for
/// both layouts, so their ratio is the speed-up); lumen MLUPS counts the cells that
/// are not wall.
pub fn time_tree(
    ctx: &GpuContext,
    generations: u32,
    root_cells: f64,
    sparse: bool,
    precision: Precision,
    interpolated_walls: bool,
    min_seconds: f64,
) -> Result<(BenchCase, f64), GpuError> {
    let dx = 1.0e-4;
    let walls = if interpolated_walls {
        "interpolated"
    } else {
        "halfway"
    };
    let scenario = format!(
        "[grid]\nvoxel_size = {dx:e}\n[time]\nsteps = 1\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"tree\"\ngenerations = {generations}\nroot_radius = {r:e}\n\
         root_length = {l:e}\nangle_deg = 25.0\nlength_to_radius = 6.0\n\
         [inlet]\nmean_velocity = 0.1\nramp_time = 0.0\n[lbm]\nwalls = \"{walls}\"\n",
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
    let mut per_step_s = Vec::new();
    let t = Instant::now();
    while per_step_s.len() < 5 || t.elapsed().as_secs_f64() < min_seconds {
        let b = Instant::now();
        lattice.step(ctx, 4);
        ctx.finish()?;
        per_step_s.push(b.elapsed().as_secs_f64() / 4.0);
    }
    let seconds = t.elapsed().as_secs_f64();
    let steps = 4 * per_step_s.len() as u64;
    let timing = Timing::of(&per_step_s);
    let mlups = dims.cells() as f64 / timing.median_s / 1e6;
    let lumen_mlups = lumen as f64 / timing.median_s / 1e6;
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
                "tree {generations} gen r{root_cells} {storage}{}{}",
                if precision == Precision::F32 {
                    String::new()
                } else {
                    format!(" {}", precision.name())
                },
                if interpolated_walls {
                    " interpolated walls"
                } else {
                    ""
                }
            ),
            nx: dims.nx,
            ny: dims.ny,
            nz: dims.nz,
            cells: dims.cells(),
            steps,
            seconds,
            mlups,
            mlups_spread_percent: timing.spread_percent(),
            bytes_per_cell: bytes,
            effective_bandwidth_gb_s: lumen_mlups * 1e6 * bytes as f64 / 1e9,
            lumen_cells: lumen,
            lumen_mlups,
            storage: layout,
            memory_bytes: lattice.memory_bytes(),
            precision: precision.name().into(),
            workgroup_size: crate::kernels::WORKGROUP_SIZE,
        },
        fill,
    ))
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
    // Batches of ~0.2 s (long enough to hide submission overhead), the speed from
    // the median batch.
    let batch = ((0.2 / per_step.max(1e-9)) as u32).clamp(1, 2000);
    let start = Instant::now();
    let mut per_step_s = Vec::new();
    while start.elapsed().as_secs_f64() < min_seconds || per_step_s.len() < 5 {
        let t = Instant::now();
        lattice.step(ctx, batch);
        ctx.finish()?;
        per_step_s.push(t.elapsed().as_secs_f64() / batch as f64);
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps = per_step_s.len() as u64 * batch as u64;
    let timing = Timing::of(&per_step_s);
    let cells = n * n * n;
    let mlups = cells as f64 / timing.median_s / 1e6;
    let bytes = bytes_per_cell(precision);
    let mut name = format!("dense box {n}^3");
    if precision != Precision::F32 {
        name += &format!(" {}", precision.name());
    }
    if in_place {
        name += " in-place";
    }
    if workgroup_size != crate::kernels::WORKGROUP_SIZE {
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
        mlups_spread_percent: timing.spread_percent(),
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
