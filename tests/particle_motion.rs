//! Particle motion in quiescent blood against analytic terminal velocities: Stokes
//! settling, and Schiller–Naumann drag at Re_p = 10 (docs/references.md, "Particle
//! motion"). One particle in a periodic box of fluid at rest, run on the GPU.

use embolus::geometry::{CellKind, Voxels};
use embolus::lbm::lattice::flags;
use embolus::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use embolus::particles::agents::Agent;
use embolus::particles::plan;
use embolus::particles::sizes::SizeDistribution;
use embolus::particles::spec::{InjectionSpec, MagnetSpec, ParticlesSpec};
use embolus::sim::{GpuLattice, GpuParticles};
use embolus::units::LatticeUnits;
use embolus::validation::particles::{
    schiller_naumann_re10, stokes_settling, terminal_velocity, MU_BLOOD, RHO_BLOOD,
};

fn gpu() -> embolus::gpu::GpuContext {
    embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"))
}

/// A 25 µm glass sphere (3.3 g/mL) in blood settles at Stokes' velocity
/// (ρp − ρ) g d²/(18 μ) = 218 µm/s (docs/references.md) within 2%.
#[test]
fn stokes_settling_velocity() {
    let (v, stokes) = stokes_settling(&gpu()).unwrap_or_else(|e| panic!("{e}"));
    let error = (v - stokes) / stokes;
    println!(
        "Stokes settling: {:.2} µm/s vs {:.2} µm/s ({:+.3}%)",
        v * 1e6,
        stokes * 1e6,
        100.0 * error
    );
    assert!(
        (stokes * 1e6 - 218.0).abs() < 2.0,
        "reference value {stokes}"
    );
    assert!(error.abs() < 0.02);
}

/// A 1 mm sphere whose terminal Reynolds number is 10 by the published drag
/// coefficient C_D(10) = 4.151 (docs/references.md): force balance
/// (ρp − ρ) g π d³/6 = C_D ½ ρ v² π d²/4 at v = 10 ν/d gives ρp; the simulated
/// terminal velocity must be 10 ν/d within 3%.
#[test]
fn schiller_naumann_terminal_velocity_at_re_10() {
    let (v, v_ref) = schiller_naumann_re10(&gpu()).unwrap_or_else(|e| panic!("{e}"));
    let error = (v - v_ref) / v_ref;
    println!(
        "Schiller-Naumann, Re_p = 10: {v:.4} m/s vs {v_ref:.4} m/s ({:+.3}%)",
        100.0 * error
    );
    assert!(error.abs() < 0.03);
}

/// Magnetic microspheres (30 µm, Δχ = 1) without gravity: in a uniform gradient
/// (|B| = 0.1 T, ∇|B| = 1 T/m along x) and on the axis of a point dipole (moment
/// 1 A·m², a ~1 cm NdFeB magnet, at 20 mm) they drift at F/(3πμd f(Re_p)) with F = V Δχ/μ0 · ½∇|B|²:
/// within 2% of the analytic velocity.
#[test]
fn magnetic_force_moves_magnetic_microspheres() {
    let d = 30e-6;
    let agent = Agent {
        density: 2500.0,
        diameter: SizeDistribution::Fixed { diameter: d },
        magnetic_susceptibility: 1.0,
        restitution: 0.5,
        sticking_probability: 0.0,
        source: "test".into(),
    };
    let no_gravity: ParticlesSpec = toml::from_str("gravity = [0.0, 0.0, 0.0]").unwrap();
    let mu0 = 4.0e-7 * std::f64::consts::PI;
    let volume = std::f64::consts::PI / 6.0 * d.powi(3);
    let drag = |force: f64| {
        // Stokes with the Schiller–Naumann factor at the resulting Re_p (fixed point).
        let nu = MU_BLOOD / RHO_BLOOD;
        let mut v = force / (3.0 * std::f64::consts::PI * MU_BLOOD * d);
        for _ in 0..50 {
            let re = v * d / nu;
            v = force / (3.0 * std::f64::consts::PI * MU_BLOOD * d * (1.0 + 0.15 * re.powf(0.687)));
        }
        v
    };
    // Uniform gradient along x.
    let gradient = [MagnetSpec::Gradient {
        field: 0.1,
        gradient: [1.0, 0.0, 0.0],
    }];
    let ctx = gpu();
    let v = terminal_velocity(
        &ctx,
        agent.clone(),
        1e-4,
        1.0,
        [16, 16, 16],
        200,
        &no_gravity,
        &gradient,
        0.5,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let expected = drag(volume / mu0 * 0.1 * 1.0);
    let error = (v[0] - expected) / expected;
    println!(
        "uniform gradient: {:.4e} m/s vs {:.4e} m/s ({:+.3}%)",
        v[0],
        expected,
        100.0 * error
    );
    assert!(error.abs() < 0.02);
    // Dipole on the z axis, 20 mm below the particle (box 16³ of 0.1 mm, particle at
    // z = 0.8 mm): ½∇|B|² = −12 (μ0/4π)² m²/r⁷ along the axis, towards the magnet.
    let r = 20.0e-3;
    let dipole = [MagnetSpec::Dipole {
        position: [0.8e-3, 0.8e-3, 0.8e-3 - r],
        moment: [0.0, 0.0, 1.0],
    }];
    let v = terminal_velocity(
        &ctx,
        agent,
        1e-4,
        1.0,
        [16, 16, 16],
        50,
        &no_gravity,
        &dipole,
        0.5,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let k = (mu0 / (4.0 * std::f64::consts::PI)).powi(2);
    let expected = -drag(volume / mu0 * 12.0 * k / r.powi(7));
    let error = (v[2] - expected) / expected;
    println!(
        "dipole: {:.4e} m/s vs {:.4e} m/s ({:+.3}%)",
        v[2],
        expected,
        100.0 * error
    );
    assert!(error.abs() < 0.02);
}

/// A heavy sphere (100 µm, 2.5 g/mL) settling across a plane Poiseuille channel
/// (body force along x, walls in y, τ = 1, half-height 8 cells, u_max 0.05) with
/// Saffman lift on: the lift (1.615 ρ ν^½ d² |ω|^-½ (u − v) × ω) of the settling
/// velocity in the shear makes it lead the flow by a_L τ along x. The difference
/// between runs with and without lift must match a_L τ (from the measured settling
/// velocity, the analytic shear rate and the Schiller–Naumann response time)
/// within 5%.
#[test]
fn saffman_lift_in_a_shear_flow() {
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let (dx, tau, d, rho_p) = (1e-4, 1.0, 100e-6, 2500.0);
    let nu_si = MU_BLOOD / RHO_BLOOD;
    let dt = (tau - 0.5) / 3.0 * dx * dx / nu_si;
    let units = LatticeUnits::derive(dx, RHO_BLOOD, MU_BLOOD, 0.05 * dx / dt, 0.0, 0.0, 0.05);
    let dims = GridDims::new(4, 18, 4);
    let wall = |i: usize| {
        let y = dims.coords(i)[1];
        y == 0 || y == 17
    };
    let voxels = Voxels {
        dims,
        voxel_size_m: dx,
        origin_m: [0.0; 3],
        kinds: (0..dims.cells())
            .map(|i| {
                if wall(i) {
                    CellKind::Wall
                } else {
                    CellKind::Fluid
                }
            })
            .collect(),
        openings: vec![],
        removed_unconnected: 0,
    };
    let (u_max, half, nu) = (0.05f64, 8.0f64, 1.0 / 6.0);
    let force = 2.0 * nu * u_max / (half * half);
    let agent = Agent {
        density: rho_p,
        diameter: SizeDistribution::Fixed { diameter: d },
        magnetic_susceptibility: 0.0,
        restitution: 0.5,
        sticking_probability: 0.0,
        source: "test".into(),
    };
    let agents = [("heavy".to_string(), agent)].into_iter().collect();
    let injection: InjectionSpec = toml::from_str(&format!(
        "agent = \"heavy\"\nduration = {dt}\ncount = 1\ntip = [{}, {}, {}]\ncatheter_radius = 0.0\n",
        2.0 * dx,
        14.0 * dx,
        2.0 * dx
    ))
    .unwrap();
    let run = |lift: bool| {
        let spec: ParticlesSpec =
            toml::from_str(&format!("gravity = [0.0, -9.81, 0.0]\nlift = {lift}\n")).unwrap();
        let tables = plan::ParticleTables {
            spec: &spec,
            agents: &agents,
            injections: std::slice::from_ref(&injection),
            magnets: &[],
            capture_diameters_m: &[],
        };
        let (plan, settings) = plan::build(&tables, &voxels, &units, 0.0, MU_BLOOD).unwrap();
        let setup = LatticeSetup::at_equilibrium(
            dims,
            (0..dims.cells())
                .map(|i| if wall(i) { flags::WALL } else { flags::FLUID })
                .collect(),
            vec![],
            0,
            Relaxation::new(tau, CollisionModel::default()),
            [force as f32, 0.0, 0.0],
            |_| (0.0, [0.0; 3]),
        );
        let coupling = embolus::sim::Coupling::new(&ctx, setup.dims.cells());
        let mut lattice = GpuLattice::coupled(&ctx, &setup, &coupling).unwrap();
        lattice.step(&ctx, 4000); // the channel flow develops (25 viscous times H²/ν)
        let geometry = embolus::particles::fields::cell_geometry(&voxels);
        let particles =
            GpuParticles::new(&ctx, &lattice, &coupling, &plan, &settings, &geometry, 4000)
                .unwrap();
        lattice.step_with(&ctx, 150, Some(&particles));
        let v = particles.read_velocities(&ctx).unwrap()[0];
        let p = particles.read_positions(&ctx).unwrap()[0];
        (v, p)
    };
    let (v_off, p_off) = run(false);
    let (v_on, p_on) = run(true);
    let y = 0.5 * (p_off[1] + p_on[1]) as f64 - 9.0;
    let u_x = u_max * (1.0 - (y / half).powi(2));
    let omega_z = 2.0 * u_max * y / (half * half); // −du/dy
    let settling = -(v_off[1] as f64);
    let d_cells = d / dx;
    let re = ((u_x - v_off[0] as f64).powi(2) + settling * settling).sqrt() * d_cells / nu;
    let rho_eff = rho_p + 0.5 * RHO_BLOOD;
    let tau_p = rho_eff * d * d / (18.0 * MU_BLOOD) / dt;
    let tau_eff = tau_p / (1.0 + 0.15 * re.powf(0.687));
    let lift =
        3.0844 * (RHO_BLOOD / rho_eff) * (nu / omega_z.abs()).sqrt() * settling * omega_z / d_cells;
    let expected = lift * tau_eff;
    let measured = (v_on[0] - v_off[0]) as f64;
    let error = (measured - expected) / expected;
    println!(
        "Saffman lift at y = {y:+.2} cells (shear {omega_z:.2e}/step, settling {settling:.2e}): \
         streamwise lead {measured:.4e} vs a_L tau {expected:.4e} ({:+.2}%)",
        100.0 * error
    );
    assert!(settling > 0.0 && y.abs() < half);
    assert!(error.abs() < 0.05);
}
