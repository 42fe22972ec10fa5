//! Shear-thinning blood on the GPU: the local relaxation time against the CPU
//! reference, and a body-force-driven channel against the profile integrated
//! numerically from the exact stress balance.

use crate::common;

use common::{cpu_run, gpu, gpu_run, macroscopic, Lcg};
use embolus::lbm::lattice::{flags, Q};
use embolus::lbm::rheology::{LatticeRheology, ViscosityModel};
use embolus::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};

/// Lattice scaling used by both tests: dx = 0.1 mm, dt such that μ∞ (3.45 mPa·s)
/// gives τ = 0.55; τ clamped to [0.505, 3].
fn cho_kensey_lattice() -> (LatticeRheology, f64) {
    let density = 1060.0;
    let dx = 1e-4;
    let nu_inf_lattice = 0.05 / 3.0;
    let dt = nu_inf_lattice * dx * dx * density / 0.00345;
    let r = LatticeRheology {
        model: ViscosityModel::CHO_KENSEY,
        shear_rate_per_lattice: 1.0 / dt,
        lattice_viscosity_per_si: dt / (density * dx * dx),
        tau_min: 0.505,
        tau_max: 3.0,
    };
    (r, dt)
}

#[test]
fn local_relaxation_matches_cpu_reference() {
    let (rheology, _) = cho_kensey_lattice();
    let dims = GridDims::new(12, 12, 12);
    let mut rng = Lcg(5);
    let values: Vec<(f32, [f32; 3])> = (0..dims.cells())
        .map(|_| {
            (
                0.005 * rng.next(),
                [0.03 * rng.next(), 0.03 * rng.next(), 0.03 * rng.next()],
            )
        })
        .collect();
    let cell_flags = (0..dims.cells())
        .map(|i| {
            if dims.coords(i)[2] == 0 {
                flags::WALL
            } else {
                flags::FLUID
            }
        })
        .collect();
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(0.55, CollisionModel::default()),
        [2e-6, 0.0, 0.0],
        |i| values[i],
    );
    setup.rheology = Some(rheology);
    let gpu_state = gpu_run(&gpu(), &setup, 10);
    let cpu_state = cpu_run(&setup, 10);
    let n = dims.cells();
    let mut max = 0.0f32;
    for q in 0..Q {
        for i in (0..n).filter(|&i| setup.flags[i] == flags::FLUID) {
            max = max.max((gpu_state[q * n + i] - cpu_state[q * n + i]).abs());
        }
    }
    // A Newtonian run of the same setup must differ: the local τ matters.
    setup.rheology = None;
    let newtonian = cpu_run(&setup, 10);
    let effect = cpu_state
        .iter()
        .zip(&newtonian)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    println!("Carreau local tau: max |f_gpu - f_cpu| = {max:.3e}; differs from Newtonian by {effect:.3e}");
    assert!(max < 1e-5);
    assert!(effect > 1e-4);
}

/// Plane channel between halfway walls H apart, body force F: the shear stress is
/// exactly σ(y) = F (y_c − y) whatever the viscosity; the reference solves
/// μ(γ̇) γ̇ = |σ| for γ̇ at each height (bisection) and integrates u from the wall.
/// Tolerance: L2 relative error of the profile < 2%.
#[test]
fn shear_thinning_channel_matches_the_integrated_profile() {
    let (rheology, dt) = cho_kensey_lattice();
    let h = 32usize;
    let dims = GridDims::new(2, h + 2, 2);
    let cell_flags = common::plane_channel_flags(dims, h);
    // Wall shear rate ≈ 100 1/s: σ_wall = ν(γ̇) γ̇ in lattice units.
    let nu_lattice = |g_lattice: f64| {
        ViscosityModel::CHO_KENSEY.viscosity(g_lattice / dt) * rheology.lattice_viscosity_per_si
    };
    let wall_rate = 100.0 * dt;
    let force = nu_lattice(wall_rate) * wall_rate / (h as f64 / 2.0);
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(0.55, CollisionModel::default()),
        [force as f32, 0.0, 0.0],
        |_| (0.0, [0.0; 3]),
    );
    setup.rheology = Some(rheology);
    let fields = macroscopic(&setup, &gpu_run(&gpu(), &setup, 60_000));

    // Reference: γ̇(s) from the stress balance, s = distance from the wall.
    let half = h as f64 / 2.0;
    let rate_at = |s: f64| {
        let stress = force * (half - s);
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if nu_lattice(mid) * mid < stress {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    let velocity_at = |s: f64| {
        // Trapezoidal integration of γ̇ from the wall, 2000 panels.
        let n = 2000;
        let ds = s / n as f64;
        (0..n)
            .map(|k| 0.5 * (rate_at(k as f64 * ds) + rate_at((k + 1) as f64 * ds)) * ds)
            .sum::<f64>()
    };
    let (mut err2, mut ref2) = (0.0, 0.0);
    for y in 1..=h {
        let s = (y as f64 - 0.5).min(h as f64 + 0.5 - y as f64);
        let exact = velocity_at(s);
        let u = fields[dims.index(0, y, 0)].1[0] as f64;
        err2 += (u - exact).powi(2);
        ref2 += exact * exact;
    }
    let l2 = (err2 / ref2).sqrt();
    let centre = velocity_at(half);
    let newtonian_centre = force * half * half / (2.0 * nu_lattice(1e9));
    println!(
        "Carreau channel: L2 error {l2:.3e}; centre velocity {centre:.4e} (Newtonian at mu_inf would give {newtonian_centre:.4e})"
    );
    assert!(l2 < 0.02, "L2 error {l2}");
}

/// The Smagorinsky subgrid model (alone and on top of Carreau blood) against the CPU
/// reference, and a channel against the profile from the stress balance
/// (ν0 + C² γ̇) γ̇ = σ(y), solved for γ̇ in closed form. L2 < 2%.
#[test]
fn smagorinsky_matches_cpu_and_the_channel_stress_balance() {
    let (rheology, _) = cho_kensey_lattice();
    let dims = GridDims::new(10, 10, 10);
    let mut rng = Lcg(9);
    let values: Vec<(f32, [f32; 3])> = (0..dims.cells())
        .map(|_| {
            (
                0.005 * rng.next(),
                [0.05 * rng.next(), 0.05 * rng.next(), 0.05 * rng.next()],
            )
        })
        .collect();
    for carreau in [false, true] {
        let mut setup = LatticeSetup::at_equilibrium(
            dims,
            vec![flags::FLUID; dims.cells()],
            vec![],
            0,
            Relaxation::new(0.55, CollisionModel::default()),
            [0.0; 3],
            |i| values[i],
        );
        setup.smagorinsky = Some(0.17);
        setup.rheology = carreau.then_some(rheology);
        let g = gpu_run(&gpu(), &setup, 10);
        let c = cpu_run(&setup, 10);
        let max = g
            .iter()
            .zip(&c)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("Smagorinsky (Carreau {carreau}): max |f_gpu - f_cpu| = {max:.3e}");
        assert!(max < 1e-5);
    }

    let h = 32usize;
    let dims = GridDims::new(2, h + 2, 2);
    let cell_flags = common::plane_channel_flags(dims, h);
    // A large constant so the eddy viscosity is a quarter of the molecular one at the wall.
    let (tau, cs) = (0.6f64, 1.0f64);
    let nu0 = (tau - 0.5) / 3.0;
    let force = 2e-5;
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [force as f32, 0.0, 0.0],
        |_| (0.0, [0.0; 3]),
    );
    setup.smagorinsky = Some(cs as f32);
    let fields = macroscopic(&setup, &gpu_run(&gpu(), &setup, 40_000));
    // (ν0 + C² γ̇) γ̇ = σ  ⇒  γ̇ = (−ν0 + √(ν0² + 4 C² σ)) / (2 C²).
    let half = h as f64 / 2.0;
    let rate = |s: f64| {
        let sigma = force * (half - s);
        (-nu0 + (nu0 * nu0 + 4.0 * cs * cs * sigma).sqrt()) / (2.0 * cs * cs)
    };
    let velocity = |s: f64| {
        let n = 2000;
        let ds = s / n as f64;
        (0..n)
            .map(|k| 0.5 * (rate(k as f64 * ds) + rate((k + 1) as f64 * ds)) * ds)
            .sum::<f64>()
    };
    let (mut err2, mut ref2) = (0.0, 0.0);
    for y in 1..=h {
        let s = (y as f64 - 0.5).min(h as f64 + 0.5 - y as f64);
        let exact = velocity(s);
        let u = fields[dims.index(0, y, 0)].1[0] as f64;
        err2 += (u - exact).powi(2);
        ref2 += exact * exact;
    }
    let l2 = (err2 / ref2).sqrt();
    let laminar_centre = force * half * half / (2.0 * nu0);
    println!(
        "Smagorinsky channel: L2 error {l2:.3e}; centre {:.4e} (no model: {laminar_centre:.4e})",
        velocity(half)
    );
    assert!(l2 < 0.02, "L2 {l2}");
}
