//! Flow-dependent outlets updated on the GPU: resistances set the flow split, a
//! Windkessel reaches (R_p + R_d) Q.

use embolus::lbm::outlets::OutletModel;
use embolus::scenario::LoadedScenario;
use embolus::sim::build::lattice_setup;
use embolus::sim::GpuLattice;
use std::path::Path;

fn bifurcation() -> LoadedScenario {
    // Parent radius 4 cells, Murray daughters at ±30°, τ = 0.6, very slow flow so the
    // outlet pressures stay small in lattice units.
    let toml = "[fluid]\nviscosity = 0.0035\n[grid]\nvoxel_size = 1.0e-4\n\
                [time]\nsteps = 1\nlattice_velocity = 0.0016\n\
                [geometry]\nshape = \"bifurcation\"\nparent_radius = 4.0e-4\nparent_length = 2.0e-3\n\
                daughter_length = 2.0e-3\nangles_deg = [30.0, 30.0]\n\
                [inlet]\nmean_velocity = 0.001\n";
    LoadedScenario::from_str(Path::new("bifurcation.toml"), toml).unwrap()
}

/// Two outlets with resistances R1 and R2 = 2 R1 (far above the daughters' own
/// resistance) split the flow as R2/R1 within 2%.
#[test]
fn resistances_set_the_flow_split() {
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let loaded = bifurcation();
    println!("tau {:.3}", loaded.units.tau);
    let mut setup = lattice_setup(&loaded.voxels, &loaded);
    let r1 = 2.5f32;
    setup.outlet_models = vec![
        OutletModel::Pressure { delta_density: 0.0 },
        OutletModel::Resistance {
            resistance: r1,
            distal_delta_density: 0.0,
        },
        OutletModel::Resistance {
            resistance: 2.0 * r1,
            distal_delta_density: 0.0,
        },
    ];
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let mut last = [0.0f32; 2];
    for round in 0..8 {
        lattice.step(&ctx, 1000);
        let s = lattice.outlet_state(&ctx).unwrap();
        let ratio = s[1][2] / s[2][2];
        println!(
            "step {}: Q1 {:.4e} Q2 {:.4e} ratio {ratio:.4} dp1 {:.3e} dp2 {:.3e}",
            (round + 1) * 1000,
            s[1][2],
            s[2][2],
            s[1][0],
            s[2][0]
        );
        last = [s[1][2], s[2][2]];
    }
    let ratio = (last[0] / last[1]) as f64;
    assert!(last.iter().all(|q| q.is_finite() && *q > 0.0));
    assert!((ratio - 2.0).abs() / 2.0 < 0.02, "split {ratio}");
}

/// A straight cylinder along z (radius and length [m], 0.1 mm voxels) whose outlet is
/// a 3-element Windkessel (lattice units), inflow 1 mm/s.
fn windkessel_cylinder(
    radius: f64,
    length: f64,
    (rp, c, rd): (f32, f32, f32),
) -> (LoadedScenario, embolus::lbm::LatticeSetup) {
    let toml = format!(
        "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 1\nlattice_velocity = 0.002\n\
         [geometry]\nshape = \"cylinder\"\nradius = {}\nlength = {}\n\
         [inlet]\nmean_velocity = 0.001\nramp_time = 0.0\n",
        radius, length
    );
    let loaded = LoadedScenario::from_str(Path::new("wk.toml"), &toml).unwrap();
    let mut setup = lattice_setup(&loaded.voxels, &loaded);
    setup.outlet_models = vec![
        OutletModel::Pressure { delta_density: 0.0 },
        OutletModel::Windkessel {
            proximal: rp,
            compliance: c,
            distal: rd,
            distal_delta_density: 0.0,
        },
    ];
    (loaded, setup)
}

/// A 3-element Windkessel outlet with steady inflow Q settles at δρ = (R_p + R_d) Q and
/// capacitor pressure R_d Q, within 1%.
#[test]
fn windkessel_settles_at_total_resistance_times_flow() {
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let (rp, rd, c) = (0.5f32, 1.0f32, 200.0f32);
    let (_, setup) = windkessel_cylinder(5.0e-4, 2.0e-3, (rp, c, rd));
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let mut s = vec![];
    for round in 0..10 {
        lattice.step(&ctx, 3000);
        s = lattice.outlet_state(&ctx).unwrap();
        println!(
            "step {}: outlet dp {:.5e} p_c {:.5e} Q {:.5e}",
            (round + 1) * 3000,
            s[1][0],
            s[1][1],
            s[1][2]
        );
    }
    let q = s[1][2] as f64;
    let expected = (rp + rd) as f64 * q;
    let error = (s[1][0] as f64 - expected) / expected;
    let capacitor = (s[1][1] as f64 - rd as f64 * q) / (rd as f64 * q);
    println!(
        "Windkessel: outlet δρ vs (Rp+Rd)Q {:+.3e}, capacitor vs Rd Q {:+.3e}",
        error, capacitor
    );
    assert!(error.abs() < 0.01);
    assert!(capacitor.abs() < 0.01);
}

#[test]
fn scenario_outlet_tables_become_lattice_models() {
    let base = "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 1\n\
                [geometry]\nshape = \"bifurcation\"\nparent_radius = 4.0e-4\nparent_length = 2.0e-3\n\
                daughter_length = 2.0e-3\n[inlet]\nmean_velocity = 0.01\n";
    let text = format!(
        "{base}[outlets.outlet1]\nresistance = 1.0e9\n\
         [outlets.outlet2]\nproximal_resistance = 1.0e8\ncompliance = 1.0e-11\ndistal_resistance = 9.0e8\ndistal_pressure = 1000.0\n"
    );
    let s = LoadedScenario::from_str(Path::new("o.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
    let u = &s.units;
    match (s.outlet_models[1], s.outlet_models[2]) {
        (
            OutletModel::Resistance { resistance, .. },
            OutletModel::Windkessel {
                proximal,
                compliance,
                distal,
                distal_delta_density,
            },
        ) => {
            let r = embolus::lbm::outlets::resistance_to_lattice(u, 1.0e9) as f32;
            assert!((resistance - r).abs() / r < 1e-6);
            // R_d C is kept in steps.
            let rc = distal as f64 * compliance as f64;
            assert!((rc - 9.0e8 * 1.0e-11 / u.dt_s).abs() / rc < 1e-5);
            assert!(proximal > 0.0);
            assert!(
                (distal_delta_density as f64 - u.pressure_to_delta_density(1000.0)).abs() < 1e-6
            );
        }
        other => panic!("unexpected models {other:?}"),
    }
    let bad = format!("{base}[outlets.left]\nresistance = 1.0e9\n");
    let e = LoadedScenario::from_str(Path::new("o.toml"), &bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("names no outlet") && e.contains("outlet1"),
        "{e}"
    );
    let mixed = format!("{base}[outlets.outlet1]\nresistance = 1.0e9\npressure = 0.0\n");
    let e = LoadedScenario::from_str(Path::new("o.toml"), &mixed)
        .unwrap_err()
        .to_string();
    assert!(e.contains("exactly one outlet model"), "{e}");
}

/// A step in inflow (from rest to Q) charges the Windkessel's capacitor as
/// p_c(t) = R_d Q (1 − e^{−t/(R_d C)}): the fitted time constant is within 5% of R_d C
/// (the lattice's own compressibility adds the fluid volume to C, 1.6% here).
#[test]
fn windkessel_charges_with_time_constant_rd_c() {
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let (rp, rd, c) = (0.1f32, 1.0f32, 20_000.0f32);
    let (loaded, setup) = windkessel_cylinder(3.0e-4, 1.0e-3, (rp, c, rd));
    let fluid = loaded.voxels.fluid_cells();
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let mut samples = vec![];
    for k in 1..=15 {
        lattice.step(&ctx, 4000);
        let s = lattice.outlet_state(&ctx).unwrap();
        samples.push((k as f64 * 4000.0, s[1][1] as f64, s[1][2] as f64));
    }
    let q = samples.last().unwrap().2;
    let p_inf = rd as f64 * q;
    // Least-squares slope of ln(1 − p_c/p_∞) against t.
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|(_, p, _)| *p < 0.98 * p_inf)
        .map(|&(t, p, _)| (t, (1.0 - p / p_inf).ln()))
        .collect();
    let n = points.len() as f64;
    let (mt, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = points.iter().map(|p| (p.0 - mt) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mt).powi(2)).sum::<f64>();
    let tau = -1.0 / slope;
    let expected = (rd * c) as f64;
    println!(
        "Windkessel charging: tau {tau:.0} steps vs Rd C {expected:.0} ({:+.2}%); fluid cells {fluid} ({:.1}% of C); {} points",
        100.0 * (tau / expected - 1.0),
        100.0 * fluid as f64 / c as f64,
        points.len()
    );
    assert!((tau - expected).abs() / expected < 0.05);
}
