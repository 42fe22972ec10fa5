//! Wall shear stress and shear rate from the field kernels, in a periodic cylinder
//! driven by a body force G (Hagen–Poiseuille, docs/references.md): the wall shear stress
//! is τ_w = 4μQ/(πR³) and the shear rate |du/dr| = G r/(2μ). Tolerances: mean WSS
//! over the wall within 5% (issue 6), shear rate within 5% away from the wall.

use crate::common;

use common::gpu;
use embolus::validation::wall_shear::{wall_shear_pipe, WallShearPipe};

fn pipe(r_cells: f64) -> WallShearPipe {
    let p = wall_shear_pipe(&gpu(), r_cells).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.along_flow, "the WSS points along the flow");
    p
}

#[test]
fn mean_wall_shear_stress_of_poiseuille_flow_matches_4_mu_q_over_pi_r3() {
    for r in [10.0, 14.0] {
        let p = pipe(r);
        let error = p.mean_wss / p.analytic_wss - 1.0;
        println!(
            "R = {:.2} cells: mean WSS {:.6e}, 4μQ/(πR³) {:.6e}, error {:+.2}%, transverse {:.2e}, shear-rate error {:.2}%",
            p.radius,
            p.mean_wss,
            p.analytic_wss,
            100.0 * error,
            p.transverse,
            100.0 * p.shear_rate_error
        );
        assert!(error.abs() < 0.05, "mean WSS off by {:+.2}%", 100.0 * error);
        assert!(p.shear_rate_error < 0.05);
        assert!(
            p.paths_differ < 1e-9,
            "field and wall-list WSS differ by {}",
            p.paths_differ
        );
    }
}

/// Interpolated walls (src/lbm/wall_links.rs): the wall on the true circle, the stress
/// extrapolated to it along the fitted normal (src/geometry/wall_links.rs).
/// Tolerances: mean WSS within 1.5% of the force balance G R / 2 at R = 10 cells, every
/// wall cell within 5% of the mean, the field and wall-list paths equal.
#[test]
fn wall_shear_stress_on_interpolated_walls_matches_the_force_balance() {
    let p = embolus::validation::wall_shear::wall_shear_pipe_with(&gpu(), 10.0, true, None)
        .unwrap_or_else(|e| panic!("{e}"));
    let error = p.mean_wss / p.analytic_wss - 1.0;
    println!(
        "interpolated walls, R = {:.2} cells: mean WSS {:.6e}, G R / 2 {:.6e}, error {:+.2}%, scatter {:.2}%, transverse {:.2e}",
        p.radius,
        p.mean_wss,
        p.analytic_wss,
        100.0 * error,
        100.0 * p.scatter,
        p.transverse
    );
    assert!(p.along_flow);
    assert!(
        error.abs() < 0.015,
        "mean WSS off by {:+.2}%",
        100.0 * error
    );
    assert!(p.scatter < 0.05, "scatter {:.2}%", 100.0 * p.scatter);
    assert!(p.paths_differ < 1e-9);
}
