//! The WGSL step against its CPU reference (src/cpu/stream_collide.rs) on a 16³ box with
//! walls (one of them moving), an obstacle, a parabolic inlet, a pressure outlet and a
//! body force.
//! Tolerance: max |f_gpu − f_cpu| < 1e-5 after 20 steps (both f32, same operation
//! order; differences come from fused multiply-adds and reassociation only).

use crate::common;

use common::{cpu_run, gpu, gpu_run, Lcg};
use embolus::geometry::{rectangular_channel, Axis, CellKind};
use embolus::lbm::lattice::Q;
use embolus::lbm::{BoundaryRecord, CollisionModel, LatticeSetup, Relaxation};
use embolus::scenario::Profile;
use embolus::sim::build::{flags_and_records, inlet_speeds};

fn box_setup(model: CollisionModel) -> LatticeSetup {
    let dx = 1.0;
    let mut voxels = rectangular_channel(14.0, 14.0, 14.0, Axis::Z, dx);
    assert_eq!(voxels.dims.cells(), 16 * 16 * 16);
    // A spherical obstacle in the middle exercises bounce-back from every direction.
    for i in 0..voxels.dims.cells() {
        let [x, y, z] = voxels.dims.coords(i).map(|v| v as f64);
        if (x - 8.0).powi(2) + (y - 7.0).powi(2) + (z - 8.0).powi(2) < 9.0 {
            voxels.kinds[i] = CellKind::Wall;
        }
    }
    let speeds = inlet_speeds(&voxels, 0, Profile::Parabolic, 0.03 * 14.0 * 14.0);
    let (mut flags, mut records) = flags_and_records(&voxels, |_, j| speeds[j], 2e-3);
    // The wall at y = 15 moves along x (halfway bounce-back with Ladd's term).
    records.push(BoundaryRecord {
        velocity: [0.04, 0.0, 0.01],
        delta_density: 0.0,
    });
    let lid = embolus::lbm::lattice::flags::moving_wall(records.len() - 1);
    for (i, f) in flags.iter_mut().enumerate() {
        if voxels.dims.coords(i)[1] == 15 && voxels.kinds[i] == CellKind::Wall {
            *f = lid;
        }
    }
    let mut rng = Lcg(7);
    let initial: Vec<(f32, [f32; 3])> = (0..voxels.dims.cells())
        .map(|_| {
            (
                0.01 * rng.next(),
                [0.02 * rng.next(), 0.02 * rng.next(), 0.02 * rng.next()],
            )
        })
        .collect();
    LatticeSetup::at_equilibrium(
        voxels.dims,
        flags,
        records,
        2,
        Relaxation::new(0.7, model),
        [1e-5, -2e-5, 3e-5],
        |i| initial[i],
    )
}

fn compare(model: CollisionModel) {
    let setup = box_setup(model);
    let steps = 20;
    let cpu = cpu_run(&setup, steps);
    let gpu = gpu_run(&gpu(), &setup, steps as u32);
    let n = setup.dims.cells();
    let mut max_diff = 0.0f32;
    for q in 0..Q {
        for i in 0..n {
            if setup.flags[i] & embolus::lbm::lattice::flags::TYPE_MASK
                == embolus::lbm::lattice::flags::WALL
            {
                continue;
            }
            let d = (cpu[q * n + i] - gpu[q * n + i]).abs();
            assert!(d.is_finite(), "non-finite population at q {q} cell {i}");
            max_diff = max_diff.max(d);
        }
    }
    println!("{model:?}: max |f_gpu - f_cpu| = {max_diff:.3e} after {steps} steps");
    assert!(max_diff < 1e-5, "GPU and CPU differ by {max_diff}");
    // The comparison must not be vacuous: the state has moved away from the start.
    let moved = cpu
        .iter()
        .zip(&setup.populations)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(moved > 1e-3, "the state barely changed ({moved})");
}

#[test]
fn trt_step_matches_cpu_reference() {
    compare(CollisionModel::default());
}

#[test]
fn bgk_step_matches_cpu_reference() {
    compare(CollisionModel::Bgk);
}

#[test]
fn regularized_step_matches_cpu_reference() {
    compare(CollisionModel::Regularized);
}

/// Interpolated walls (Bouzidi–Firdaouss–Lallemand, src/lbm/wall_links.rs) on a
/// tapered tube whose axis is tilted against the grid, so that the wall cuts links
/// at every distance and from every direction, from a random state: the GPU step
/// with two sets and in place (the kernels keep their own copy of the populations
/// leaving the wall), dense and sparse, agrees with the CPU reference within 1e-5
/// after 20 steps, and differs from halfway walls.
#[test]
fn interpolated_walls_match_cpu_reference_in_every_layout() {
    let text = "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 20\nlattice_velocity = 0.04\n\
         [geometry]\nshape = \"tapered\"\nstart = [0.0, 0.0, 0.0]\nend = [6.0e-4, 3.0e-4, 1.2e-3]\n\
         start_radius = 4.5e-4\nend_radius = 3.2e-4\n\
         [inlet]\nmean_velocity = 0.02\nramp_time = 0.0\n[outlet]\nnon_reflecting = false\n\
         [lbm]\nwalls = \"interpolated\"\n";
    let loaded =
        embolus::scenario::LoadedScenario::from_str(std::path::Path::new("bfl.toml"), text)
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        loaded
            .wall_links
            .iter()
            .map(|c| c.links.len())
            .sum::<usize>()
            > 500,
        "{} links",
        loaded.wall_links.len()
    );
    let distances: Vec<f32> = loaded
        .wall_links
        .iter()
        .flat_map(|c| c.links.iter().map(|l| l.1))
        .collect();
    assert!(distances.iter().any(|&d| d < 0.3) && distances.iter().any(|&d| d > 0.7));
    let mut setup = embolus::sim::build::lattice_setup(&loaded.voxels, &loaded);
    let n = setup.dims.cells();
    let mut rng = Lcg(11);
    for i in 0..n {
        let u = [0.02 * rng.next(), 0.02 * rng.next(), 0.02 * rng.next()];
        let delta_rho = 0.01 * rng.next();
        for q in 0..Q {
            setup.populations[q * n + i] =
                embolus::lbm::equilibrium::equilibrium_shifted(q, delta_rho, u);
        }
    }
    let steps = 20;
    let cpu = cpu_run(&setup, steps);
    let mut halfway = setup.clone();
    halfway.wall_links.clear();
    for f in halfway.flags.iter_mut() {
        if embolus::lbm::lattice::flags::link_entry(*f).is_some() {
            *f = embolus::lbm::lattice::flags::FLUID;
        }
    }
    let cpu_halfway = cpu_run(&halfway, steps);
    let ctx = gpu();
    let is_wall = |i: usize| {
        setup.flags[i] & embolus::lbm::lattice::flags::TYPE_MASK
            == embolus::lbm::lattice::flags::WALL
    };
    let max_diff = |a: &[f32], b: &[f32]| {
        (0..Q * n)
            .filter(|k| !is_wall(k % n))
            .map(|k| (a[k] - b[k]).abs())
            .fold(0.0f32, f32::max)
    };
    let effect = max_diff(&cpu, &cpu_halfway);
    assert!(
        effect > 1e-4,
        "interpolated and halfway walls barely differ ({effect})"
    );
    for (sparse, in_place) in [(false, false), (false, true), (true, false), (true, true)] {
        setup.sparse = sparse;
        setup.in_place = in_place;
        let gpu = gpu_run(&ctx, &setup, steps as u32);
        let d = max_diff(&cpu, &gpu);
        println!(
            "interpolated walls, sparse {sparse}, in place {in_place}: max |f_gpu - f_cpu| = {d:.3e} (halfway differs by {effect:.2e})"
        );
        assert!(
            d < 1e-5,
            "sparse {sparse} in place {in_place}: GPU and CPU differ by {d}"
        );
    }
    // Half-float storage: in place (its copies of the populations leaving the wall
    // rounded as stored) is bitwise the two-set step.
    setup.precision = embolus::lbm::setup::Precision::F16;
    setup.sparse = false;
    setup.in_place = false;
    let two_sets = gpu_run(&ctx, &setup, steps as u32);
    setup.in_place = true;
    let in_place = gpu_run(&ctx, &setup, steps as u32);
    let differing = (0..Q * n)
        .filter(|&k| !is_wall(k % n) && two_sets[k].to_bits() != in_place[k].to_bits())
        .count();
    println!(
        "interpolated walls, f16: {differing} populations differ between two sets and in place"
    );
    assert_eq!(differing, 0, "f16 in place differs from two sets");
}
