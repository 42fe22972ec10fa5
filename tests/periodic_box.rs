//! Physics checks in fully periodic boxes: shear-wave viscosity and mass conservation.

use crate::common;

use common::{gpu, gpu_run, macroscopic};
use embolus::lbm::equilibrium::gather;
use embolus::lbm::lattice::Q;
use embolus::lbm::{CollisionModel, GridDims};
use embolus::validation::flows::periodic;
use std::f64::consts::PI;

/// u_x = U sin(2πy/L) decays as exp(−ν k² t) (docs/references.md); the measured ν must be
/// within 1% of (τ − ½)/3 (`embolus validate --case shear-wave` runs the same).
#[test]
fn shear_wave_decay_gives_the_lattice_viscosity() {
    let ctx = gpu();
    for (tau, model) in [
        (0.6, CollisionModel::default()),
        (0.8, CollisionModel::default()),
        (1.2, CollisionModel::default()),
        (0.8, CollisionModel::Bgk),
    ] {
        let error = embolus::validation::flows::shear_wave_viscosity_error(&ctx, tau, model)
            .unwrap_or_else(|e| panic!("{e}"));
        println!("shear wave {model:?} tau {tau}: rel. error of nu {error:.3e}");
        assert!(error.abs() < 0.01, "viscosity off by {:.3}%", 100.0 * error);
    }
}

/// Total mass in a closed periodic 32³ box stays within 1e-5 (relative) over 1000 steps
/// of a flow with density and velocity perturbations.
#[test]
fn mass_is_conserved_in_a_periodic_box() {
    let ctx = gpu();
    let dims = GridDims::new(32, 32, 32);
    let n = dims.cells();
    let setup = periodic(dims, 0.6, CollisionModel::default(), |[x, y, z]| {
        let [sx, sy, sz] = [x, y, z].map(|v| (2.0 * PI * v as f64 / 32.0).sin() as f32);
        (0.01 * sx * sy, [0.05 * sy, 0.05 * sz, 0.05 * sx])
    });
    let mass = |pops: &[f32]| -> f64 {
        (0..n)
            .map(|i| 1.0 + gather(pops, n, i).iter().map(|&f| f as f64).sum::<f64>())
            .sum()
    };
    let m0 = mass(&setup.populations);
    let end = gpu_run(&ctx, &setup, 1000);
    let drift = (mass(&end) - m0) / m0;
    println!("mass drift after 1000 steps in 32^3: {drift:.3e}");
    assert!(drift.abs() < 1e-5, "mass drifted by {drift:.3e}");
    assert_eq!(end.len(), Q * n);
    // The flow must still be there (not a trivially static state).
    let speed = macroscopic(&setup, &end)
        .iter()
        .map(|(_, u)| u[0].abs())
        .fold(0.0f32, f32::max);
    assert!(speed > 1e-3);
}
