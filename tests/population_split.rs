//! Populations split over several storage bindings give the same step as the CPU
//! reference, and a 160³ box (622 MiB of populations) runs on adapters that bind at
//! most 128 MiB per buffer (lavapipe).

use crate::common;

use common::{cpu_run, gpu, Lcg};
use embolus::lbm::lattice::{flags, Q};
use embolus::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use embolus::sim::GpuLattice;

fn random_box(n: usize, seed: u64) -> LatticeSetup {
    let dims = GridDims::new(n, n, n);
    let mut rng = Lcg(seed);
    let values: Vec<(f32, [f32; 3])> = (0..dims.cells())
        .map(|_| {
            (
                0.01 * rng.next(),
                [0.03 * rng.next(), 0.03 * rng.next(), 0.03 * rng.next()],
            )
        })
        .collect();
    // A wall slab exercises bounce-back across buffer boundaries too.
    let flags = (0..dims.cells())
        .map(|i| {
            if dims.coords(i)[1] == 0 {
                flags::WALL
            } else {
                flags::FLUID
            }
        })
        .collect();
    LatticeSetup::at_equilibrium(
        dims,
        flags,
        vec![],
        0,
        Relaxation::new(0.8, CollisionModel::default()),
        [0.0; 3],
        |i| values[i],
    )
}

fn max_difference(a: &[f32], b: &[f32], setup: &LatticeSetup) -> f32 {
    let n = setup.dims.cells();
    let mut d = 0.0f32;
    for q in 0..Q {
        for i in 0..n {
            if setup.flags[i] != flags::WALL {
                d = d.max((a[q * n + i] - b[q * n + i]).abs());
            }
        }
    }
    d
}

#[test]
fn forced_split_matches_cpu_reference() {
    let ctx = gpu();
    let setup = random_box(16, 3);
    // Room for 5 populations per binding: 4 buffers per population set.
    let limit = 5 * 16 * 16 * 16 * 4;
    let mut lattice = GpuLattice::with_binding_limit(&ctx, &setup, Some(limit)).unwrap();
    assert_eq!(
        (lattice.split.buffers, lattice.split.pops_per_buffer),
        (4, 5)
    );
    lattice.step(&ctx, 5);
    let gpu = lattice.read_populations(&ctx).unwrap();
    let d = max_difference(&gpu, &cpu_run(&setup, 5), &setup);
    println!("split over 4 bindings: max |f_gpu - f_cpu| = {d:.3e}");
    assert!(d < 1e-5);
}

#[test]
fn box_of_160_cubed_runs_within_binding_limits() {
    let ctx = gpu();
    let setup = random_box(160, 11);
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let per_binding = ctx.limits.max_storage_buffer_binding_size;
    println!(
        "160^3 on {}: {} population buffers per set ({} directions each), binding limit {} MiB",
        ctx.adapter_info.name,
        lattice.split.buffers,
        lattice.split.pops_per_buffer,
        per_binding >> 20
    );
    for b in 0..lattice.split.buffers {
        assert!(lattice.split.buffer_bytes(b, setup.dims.cells()) <= per_binding);
    }
    lattice.step(&ctx, 1);
    let gpu = lattice.read_populations(&ctx).unwrap();
    let d = max_difference(&gpu, &cpu_run(&setup, 1), &setup);
    println!("160^3 after 1 step: max |f_gpu - f_cpu| = {d:.3e}");
    assert!(d < 1e-5);
}
