//! The CPU twins of src/cpu/ against their kernels: the outlet update, the
//! occlusion update and the particle step, each from a GPU state read back, one
//! update on both, compared. (The step itself: tests/gpu_cpu_equivalence.rs.)

use embolus::cpu::advance::{advance, AdvanceInputs, Particles};
use embolus::cpu::occlusion::{occlude, OcclusionState};
use embolus::cpu::outlets::{update_outlets, OutletInputs};
use embolus::gpu::buffers::read_back;
use embolus::gpu::GpuContext;
use embolus::particles::kernel_params::{OcclusionParams, ParticleParams};
use embolus::scenario::LoadedScenario;
use embolus::sim::build::lattice_setup;
use embolus::sim::lattice_gpu::boundaries::OutletTables;
use embolus::sim::GpuLattice;
use std::path::Path;

use crate::common;

fn scenario(text: &str) -> LoadedScenario {
    LoadedScenario::from_str(Path::new("twin.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

/// The dense per-cell flags out of a dense lattice's cell table.
fn grid_flags(ctx: &GpuContext, lattice: &GpuLattice) -> Vec<u32> {
    let table = lattice.cell_table();
    let words: Vec<u32> = read_back(ctx, table, table.size()).unwrap();
    words[embolus::lbm::sparse::CELL_TABLE_HEADER..].to_vec()
}

fn read<T: bytemuck::Pod>(ctx: &GpuContext, buffer: &wgpu::Buffer) -> Vec<T> {
    read_back(ctx, buffer, buffer.size()).unwrap()
}

/// A resistance and a Windkessel outlet (non-reflecting, the default) on a
/// bifurcation: the CPU twin's new outlet state from the GPU's populations after
/// step 40 and its state before agrees with the kernel's within 1e-5 relative.
#[test]
fn outlet_update_matches_its_cpu_twin() {
    outlet_twin("mean_velocity = 0.02\nramp_time = 0.0\n");
}

/// The same with the inflow driven by pressure through an upstream resistance and
/// compliance (the inlet's model row marked DRIVEN_INLET).
#[test]
fn pressure_driven_inlet_update_matches_its_cpu_twin() {
    // No ramp: the source is the model's own (unscheduled) distal pressure.
    let gpu_state =
        outlet_twin("pressure = 20.0\nresistance = 5.0e8\ncompliance = 1.0e-12\nramp_time = 0.0\n");
    assert!(
        gpu_state[0][2] < 0.0,
        "the driven inlet takes in flow: {gpu_state:?}"
    );
}

/// Runs the outlet comparison on the bifurcation with `inlet` keys; returns the
/// kernel's outlet states.
fn outlet_twin(inlet: &str) -> Vec<[f32; 4]> {
    let loaded = scenario(&format!(
        "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 100\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"bifurcation\"\nparent_radius = 4.0e-4\nparent_length = 1.5e-3\n\
         daughter_length = 1.5e-3\n[inlet]\n{inlet}\
         [outlets.outlet1]\nresistance = 1.0e9\n\
         [outlets.outlet2]\nproximal_resistance = 1.0e8\ncompliance = 1.0e-11\n\
         distal_resistance = 9.0e8\ndistal_pressure = 100.0\n"
    ));
    let mut setup = lattice_setup(&loaded.voxels, &loaded);
    setup.sparse = false;
    setup.in_place = false;
    let ctx = common::gpu();
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    lattice.step(&ctx, 39);
    let mut state = lattice.outlet_state(&ctx).unwrap();
    let mut flux = lattice.outlet_flux(&ctx).unwrap();
    lattice.step(&ctx, 1);
    let gpu_state = lattice.outlet_state(&ctx).unwrap();
    let gpu_flux = lattice.outlet_flux(&ctx).unwrap();
    let populations = lattice.read_populations(&ctx).unwrap();
    let tables = OutletTables::of(&setup);
    let inputs = OutletInputs {
        dims: setup.dims,
        flags: &setup.flags,
        populations: &populations,
        opening_cells: &tables.cells,
        model_rows: &tables.model_rows,
        filter_rate: setup.outlet_filter_steps.map_or(0.0, |t| 1.0 / t.max(1.0)),
        scheduled: [[0.0; 4]; 2],
    };
    update_outlets(&inputs, &mut state, &mut flux);
    let mut worst = 0.0f32;
    let cpu_rows = state.iter().chain(&flux);
    for (k, (cpu, gpu)) in cpu_rows.zip(gpu_state.iter().chain(&gpu_flux)).enumerate() {
        for c in 0..4 {
            let scale = gpu[c].abs().max(1e-6);
            let d = (cpu[c] - gpu[c]).abs() / scale;
            assert!(
                d < 1e-5,
                "row {k} (states, then fluxes) component {c}: cpu {} gpu {}",
                cpu[c],
                gpu[c]
            );
            worst = worst.max(d);
        }
    }
    assert!(
        gpu_state[1][2] > 0.0 && gpu_state[2][1] != 0.0,
        "the outlets carry flow: {gpu_state:?}"
    );
    println!("outlet state, CPU twin vs kernel: max relative difference {worst:.2e}");
    gpu_state
}

/// Particle steps run alone on a frozen flow, GPU against CPU.
const PARTICLE_STEPS: u64 = 500;
/// Steps between occlusion updates in the case (its [particles] occlusion_interval).
const OCCLUSION_INTERVAL: u64 = 2;

/// Beads of 150-400 µm released over 2,000 steps into a stenosis whose throat is
/// 300 µm across (some pass, some lodge; lattice velocity 0.02, the throat at Mach
/// 0.14), with occlusion every 2 steps: from the GPU state after 900 steps, 500
/// particle steps with their occlusion updates on the GPU
/// (alone, on the flow as it is) and on the CPU twins agree: states exactly,
/// positions within 1e-3 cells, solid counters within 1%, porous drag within 1e-5
/// relative, the same cells closed.
#[test]
fn particle_step_and_occlusion_match_their_cpu_twins() {
    let loaded = scenario(
        "[grid]\nvoxel_size = 5.0e-5\n[time]\nsteps = 4000\nlattice_velocity = 0.02\n\
         [geometry]\nshape = \"stenosis\"\nradius = 3.0e-4\nlength = 2.0e-3\n\
         area_reduction_percent = 75.0\nstenosis_length = 8.0e-4\n\
         [inlet]\nmean_velocity = 0.05\nramp_time = 0.0\n\
         [lbm]\nstorage = \"dense\"\n[particles]\ngravity = [0.0, 0.0, -9.81]\nocclusion_interval = 2\nseed = 7\n\
         [[injections]]\nagent = \"mixed\"\nstart = 0.0\nduration = 2.0e-2\ncount = 60\n\
         opening = \"inlet\"\n\
         [agents.mixed]\ndensity = 1100.0\n\
         diameter = { kind = \"uniform\", min = 1.5e-4, max = 4.0e-4 }\n",
    );
    let mut c = common::coupled(&loaded);
    c.step(900);
    let ctx = &c.ctx;
    let run = loaded.particles.as_ref().unwrap();
    let (mut positions, mut velocities, mut status) = (
        c.particles.read_positions(ctx).unwrap(),
        c.particles.read_velocities(ctx).unwrap(),
        c.particles.read_status(ctx).unwrap(),
    );
    let mut solid = c.particles.read_solid_counters(ctx).unwrap();
    let mut geometry = c.particles.read_cell_geometry(ctx).unwrap();
    let coupling = c.lattice.coupling();
    let mut velocity: Vec<[f32; 4]> = read(ctx, coupling.velocity_field());
    let mut drag: Vec<f32> = read(ctx, coupling.porous_drag());
    let mut flags = grid_flags(ctx, &c.lattice);
    let clock = c.particles.read_clock(ctx).unwrap();
    let lodged_before = status.iter().filter(|m| m[0] == 2).count();
    let moving_before = status.iter().filter(|m| m[0] == 1).count();

    // 500 particle steps on the flow as it is (0-based 900..1400), on both: advance,
    // and occlusion after every 50th.
    let params = ParticleParams::new(&run.plan, &run.settings);
    let occlusion = OcclusionParams::new(&run.settings);
    let mut closed = 0;
    for k in 0..PARTICLE_STEPS {
        let step = 900 + k;
        c.particles.step_alone(ctx, step);
        let inputs = AdvanceInputs {
            dims: loaded.voxels.dims,
            flags: &flags,
            velocity_field: &velocity,
            cell_geometry: &geometry,
            tables: &run.plan.tables,
            params,
            crowd_block: run.plan.crowd_block(),
        };
        let mut particles = Particles {
            positions: &mut positions,
            velocities: &mut velocities,
            status: &mut status,
            solid: &mut solid,
        };
        advance(&inputs, &mut particles, clock[0] + k as u32);
        if (step + 1) % OCCLUSION_INTERVAL == 0 {
            closed += occlude(
                &occlusion,
                &mut OcclusionState {
                    solid: &solid,
                    flags: &mut flags,
                    porous_drag: &mut drag,
                    cell_geometry: &mut geometry,
                    velocity_field: &mut velocity,
                },
            );
        }
    }
    let gpu_status = c.particles.read_status(ctx).unwrap();
    assert_eq!(status, gpu_status, "particle states");
    let gpu_positions = c.particles.read_positions(ctx).unwrap();
    let worst_position = positions
        .iter()
        .zip(&gpu_positions)
        .flat_map(|(a, b)| (0..3).map(move |k| (a[k] - b[k]).abs()))
        .fold(0.0f32, f32::max);
    assert!(
        worst_position < 1e-3,
        "positions differ by {worst_position} cells"
    );
    let gpu_solid = c.particles.read_solid_counters(ctx).unwrap();
    for (k, (a, b)) in solid.iter().zip(&gpu_solid).enumerate() {
        let d = (*a as f64 - *b as f64).abs();
        assert!(
            d <= 0.01 * (*b as f64).max(64.0),
            "solid counter {k}: cpu {a} gpu {b}"
        );
    }
    let gpu_drag: Vec<f32> = read(ctx, coupling.porous_drag());
    for (k, (a, b)) in drag.iter().zip(&gpu_drag).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5 * b.abs().max(1e-3),
            "drag {k}: cpu {a} gpu {b}"
        );
    }
    assert_eq!(flags, grid_flags(ctx, &c.lattice), "cells closed");
    let lodged = status.iter().filter(|m| m[0] == 2).count();
    let moving = gpu_status.iter().filter(|m| m[0] == 1).count();
    let drag_cells = drag.iter().filter(|&&d| d > 0.0).count();
    println!(
        "after {PARTICLE_STEPS} particle steps: {moving} moving ({moving_before} before), {lodged} lodged ({lodged_before} before), positions within {worst_position:.2e} cells; occlusion: {drag_cells} cells with drag, {closed} closed"
    );
    assert!(
        moving_before >= 10 && lodged >= lodged_before + 10 && drag_cells > 0 && closed > 0,
        "the case exercises motion, lodging, drag and closing"
    );
}
