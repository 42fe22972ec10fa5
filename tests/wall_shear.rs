//! Wall shear stress and shear rate from the field kernels, in a periodic cylinder
//! driven by a body force G (Hagen–Poiseuille, REFERENCES.md): the wall shear stress
//! is τ_w = 4μQ/(πR³) and the shear rate |du/dr| = G r/(2μ). Tolerances: mean WSS
//! over the wall within 5% (issue 6), shear rate within 5% away from the wall.

mod common;

use common::gpu;
use embolus::lbm::{CollisionModel, LatticeSetup, Relaxation};
use embolus::sim::fields_gpu::{wall_adjacent_cells, FieldRegion, GpuFields};
use embolus::sim::GpuLattice;
use std::f64::consts::PI;

struct PipeResult {
    radius: f64,
    mean_wss: f64,
    analytic_wss: f64,
    /// Largest |τ_x|, |τ_y| over the wall relative to the mean |τ| (direction check).
    transverse: f64,
    /// Largest relative shear-rate error over cells between 0.2 R and 0.8 R.
    shear_rate_error: f64,
    /// Largest difference between the WSS of the sampled field and of the wall list.
    paths_differ: f64,
}

fn pipe(r_cells: f64) -> PipeResult {
    let ctx = gpu();
    let n = 2 * r_cells.ceil() as usize + 2;
    let half = n as f64 / 2.0;
    let (dims, cell_flags, lumen) = common::circular_pipe(n, 4, r_cells);
    let inside = |x: usize, y: usize| lumen[x + n * y];
    let fluid_per_plane = (0..n * n).filter(|&j| inside(j % n, j / n)).count();
    // The lumen of halfway bounce-back is the fluid cells: the circle of equal area
    // (as for the Poiseuille test, docs/validation.md).
    let radius = (fluid_per_plane as f64 / PI).sqrt();
    let tau = 0.8;
    let nu = (tau - 0.5) / 3.0;
    let g = 8.0 * nu * 0.02 / (radius * radius); // centreline speed ≈ 0.02
    let walls = wall_adjacent_cells(dims, &cell_flags);
    let setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [0.0, 0.0, g as f32],
        |_| (0.0, [0.0; 3]),
    );
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let fields = GpuFields::new(&ctx, &lattice, FieldRegion::whole(dims), walls.clone()).unwrap();
    // Start-up decays as exp(−5.78 ν t/R²): 14 e-folds.
    let steps = (14.0 * radius * radius / (5.78 * nu)).ceil() as u32;
    let mut left = steps;
    while left > 0 {
        let k = left.min(500);
        lattice.step(&ctx, k);
        left -= k;
    }
    let sample = fields.sample(&ctx, &lattice).unwrap();
    let wall = fields.wall_shear_now(&ctx, &lattice).unwrap();
    assert_eq!(wall.len(), walls.len());
    assert!(!walls.is_empty());

    let z = 1;
    let flow: f64 = (0..n * n)
        .filter(|&j| inside(j % n, j / n))
        .map(|j| sample.flow[dims.index(j % n, j / n, z)][2] as f64)
        .sum();
    let mu = nu; // ρ₀ = 1
    let analytic_wss = 4.0 * mu * flow / (PI * radius.powi(3));
    let mean_wss = wall.iter().map(|w| w[3] as f64).sum::<f64>() / wall.len() as f64;
    let transverse = wall
        .iter()
        .map(|w| (w[0].abs().max(w[1].abs())) as f64)
        .fold(0.0, f64::max)
        / mean_wss;
    assert!(
        wall.iter().all(|w| w[2] > 0.0),
        "the WSS points along the flow"
    );
    let mut shear_rate_error = 0.0f64;
    for k in 0..n * n {
        let (x, y) = (k % n, k / n);
        let r = ((x as f64 + 0.5 - half).powi(2) + (y as f64 + 0.5 - half).powi(2)).sqrt();
        if r > 0.2 * radius && r < 0.8 * radius {
            let expected = g * r / (2.0 * mu);
            let got = sample.stress[dims.index(x, y, z)][0] as f64;
            shear_rate_error = shear_rate_error.max((got / expected - 1.0).abs());
        }
    }
    let paths_differ = walls
        .iter()
        .zip(&wall)
        .map(|(&cell, w)| (sample.wall[cell as usize][3] - w[3]).abs() as f64)
        .fold(0.0, f64::max);
    PipeResult {
        radius,
        mean_wss,
        analytic_wss,
        transverse,
        shear_rate_error,
        paths_differ,
    }
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
