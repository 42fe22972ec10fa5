//! Poiseuille flow: plane channel driven by a body force (TRT makes halfway bounce-back
//! exact there), and a voxelized cylinder driven by the inlet/outlet conditions with
//! half-float storage, compared with Hagen–Poiseuille. The f32 cylinder at R = 8 and
//! 16 cells and the fall of its error between them are checked once, in the quick
//! validation suite (tests/cli_validate.rs, case pipe-poiseuille).

use crate::common;

use common::gpu;
use embolus::lbm::setup::Precision;
use embolus::validation::flows::{pipe_poiseuille, plane_poiseuille_error};

/// Walls at y = 0 and y = H+1 (cell rows), periodic in x and z, force along x.
/// Analytic: u(y) = F/(2ρν) (y − ½)(H + ½ − y), walls halfway between nodes.
/// Tolerance: L2 relative error < 0.5% for τ in [0.6, 1.5] with f32 storage.
#[test]
fn plane_poiseuille_profile_is_exact_with_trt() {
    plane_poiseuille(Precision::F32, 5e-3);
}

/// The same with half-float storage. The Guo force changes a population by a relative
/// 8ν/H² per step (1e-3 at τ 0.6, H 16), a few units in the last place of a half
/// float (2⁻¹¹ relative), so rounding biases the steady state: measured 8.7% at
/// τ 0.6 falling to 1.0% at τ 1.5 (docs/test-checks.md). Tolerance: L2 relative
/// error < 10% over τ in [0.6, 1.5]; weakly forced flows should keep f32.
#[test]
fn plane_poiseuille_with_f16_storage() {
    plane_poiseuille(Precision::F16, 0.10);
}

fn plane_poiseuille(precision: Precision, tolerance: f64) {
    let ctx = gpu();
    let mut worst = 0.0f64;
    for tau in [0.6, 0.8, 1.0, 1.5] {
        let l2 = plane_poiseuille_error(&ctx, tau, precision).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "plane Poiseuille TRT {} tau {tau}: L2 relative error {l2:.3e}",
            precision.name()
        );
        worst = worst.max(l2);
    }
    assert!(worst < tolerance, "worst L2 error {worst}");
}

/// Half-float storage on the R = 8 pipe: centreline velocity and flow rate within 3%
/// of Hagen–Poiseuille, as its f32 twin in the quick validation suite
/// (docs/test-checks.md gives both).
#[test]
fn cylinder_poiseuille_with_f16_storage() {
    let ctx = gpu();
    let half = pipe_poiseuille(&ctx, 8, Precision::F16).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "pipe R = 8, f16 storage: centreline error {:+.3}%, flow-rate error {:+.3}% (f32: embolus validate)",
        100.0 * half.centreline_error,
        100.0 * half.flow_error,
    );
    assert!(half.centreline_error.abs() < 0.03, "centreline off");
    assert!(half.flow_error.abs() < 0.03, "flow rate off");
}
