//! The recursive regularized collision close to τ = ½: a doubly periodic shear layer
//! (128 × 128, κ 80, δ 0.05; Re = U N/ν ≈ 44,000) at τ = 0.5005 and Mach 0.1 stays
//! bounded for 5,000 steps with it, while TRT (Λ 3/16) diverges on the same case
//! (src/validation/stability.rs). Smaller boxes (64², 96²) diverge with both.
//! 5,000 steps is the survival criterion of the stability map (`embolus bench
//! --stability`), over three times as long as TRT lasts (1,500 steps) and longer
//! than an operator regularized to second order only (3,500 steps, docs/numerics.md);
//! the regularized operator was also seen bounded for 20,000.

use crate::common;

use embolus::lbm::CollisionModel;
use embolus::validation::stability::shear_layer;

const TAU: f64 = 0.5005;
const MACH: f64 = 0.1;
const CELLS: usize = 128;
const STEPS: u64 = 5_000;

#[test]
fn regularized_collision_survives_where_trt_diverges() {
    let ctx = common::gpu();
    let trt = shear_layer(&ctx, CollisionModel::default(), TAU, MACH, CELLS, STEPS).unwrap();
    let regularized =
        shear_layer(&ctx, CollisionModel::Regularized, TAU, MACH, CELLS, STEPS).unwrap();
    println!(
        "shear layer {CELLS}², τ {TAU}, Ma {MACH}: TRT {} after {} steps (max speed {:.3}); regularized {} after {} steps (max speed {:.3})",
        if trt.bounded { "bounded" } else { "diverged" },
        trt.steps,
        trt.max_speed,
        if regularized.bounded { "bounded" } else { "diverged" },
        regularized.steps,
        regularized.max_speed
    );
    assert!(
        !trt.bounded,
        "TRT should diverge here: the case would not discriminate"
    );
    assert!(
        regularized.bounded,
        "the regularized operator diverged at step {}",
        regularized.steps
    );
    assert_eq!(regularized.steps, STEPS);
    // Bounded means physical: speeds stay of the order of the initial U = Ma c_s.
    assert!(
        regularized.max_speed < 0.2,
        "max speed {}",
        regularized.max_speed
    );
}

/// The stability map's walled flow (a periodic pipe of radius 8 cells in steady
/// flow, interpolated walls on the true circle; src/validation/stability.rs) at
/// τ = 0.5025 and Mach 0.1: TRT runs away (the map: it needs τ ≥ 0.5039 there), the
/// recursive regularized operator stays bounded for the map's 5,000 steps (the map:
/// bounded down to its floor 0.5001). The interpolated closure adds no instability
/// of its own to the operator's.
#[test]
fn interpolated_walls_keep_the_regularized_operator_bounded_where_trt_diverges() {
    use embolus::validation::stability::pipe_flow;
    let ctx = common::gpu();
    let tau = 0.5025;
    let run = |model| pipe_flow(&ctx, model, true, (tau, MACH), 8.0, STEPS).unwrap();
    let trt = run(CollisionModel::default());
    let regularized = run(CollisionModel::Regularized);
    println!(
        "pipe R 8, interpolated walls, τ {tau}, Ma {MACH}: TRT {} after {} steps; regularized {} after {} steps (max speed {:.4})",
        if trt.bounded { "bounded" } else { "diverged" },
        trt.steps,
        if regularized.bounded { "bounded" } else { "diverged" },
        regularized.steps,
        regularized.max_speed
    );
    assert!(!trt.bounded, "TRT should run away here");
    assert!(
        regularized.bounded,
        "diverged at step {}",
        regularized.steps
    );
    // Bounded means physical: the centreline speed U = Ma c_s = 0.058 is held.
    assert!(
        regularized.max_speed < 0.1,
        "max speed {}",
        regularized.max_speed
    );
}
