//! Poiseuille flow: plane channel driven by a body force (TRT makes halfway bounce-back
//! exact there), and a voxelized cylinder driven by the inlet/outlet conditions,
//! compared with Hagen–Poiseuille at three resolutions (8, 12 and 16 cells).

use crate::common;

use common::gpu;
use embolus::lbm::setup::Precision;
use embolus::validation::flows::{
    observed_order, pipe_poiseuille, plane_poiseuille_error, PipeResult,
};

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

fn pipe(ctx: &embolus::gpu::GpuContext, n: usize, precision: Precision) -> PipeResult {
    pipe_poiseuille(ctx, n, precision).unwrap_or_else(|e| panic!("{e}"))
}

/// Centreline velocity and flow rate within 3% of Hagen–Poiseuille at R = 8 and 16
/// cells, the error falling with resolution; the observed order is printed. (R = 12
/// with f32 storage is asserted in the quick validation suite, R = 8 with f16 storage
/// in `cylinder_poiseuille_with_f16_storage`.)
#[test]
fn cylinder_poiseuille_matches_hagen_poiseuille_and_converges() {
    let ctx = gpu();
    let results: Vec<PipeResult> = [8, 16]
        .iter()
        .map(|&n| pipe(&ctx, n, Precision::F32))
        .collect();
    for r in &results {
        println!(
            "pipe R = {:2} cells: centreline error {:+.3}%, flow-rate error {:+.3}%",
            r.radius_cells,
            100.0 * r.centreline_error,
            100.0 * r.flow_error
        );
        assert!(
            r.centreline_error.abs() < 0.03,
            "centreline off at R = {}",
            r.radius_cells
        );
        assert!(
            r.flow_error.abs() < 0.03,
            "flow rate off at R = {}",
            r.radius_cells
        );
    }
    let e: Vec<f64> = results.iter().map(|r| r.flow_error.abs()).collect();
    let order = observed_order(&results);
    println!("observed order of the flow-rate error over R = 8, 16: {order:.2}");
    assert!(
        e[1] < e[0],
        "flow-rate error does not fall with resolution: {e:?}"
    );
}

/// Half-float storage on the R = 8 pipe: centreline velocity and flow rate within 3%
/// of Hagen–Poiseuille, as its f32 twin in
/// `cylinder_poiseuille_matches_hagen_poiseuille_and_converges` (docs/test-checks.md
/// gives both).
#[test]
fn cylinder_poiseuille_with_f16_storage() {
    let ctx = gpu();
    let half = pipe(&ctx, 8, Precision::F16);
    println!(
        "pipe R = 8, f16 storage: centreline error {:+.3}%, flow-rate error {:+.3}% (f32: the test beside this one)",
        100.0 * half.centreline_error,
        100.0 * half.flow_error,
    );
    assert!(half.centreline_error.abs() < 0.03, "centreline off");
    assert!(half.flow_error.abs() < 0.03, "flow rate off");
}
