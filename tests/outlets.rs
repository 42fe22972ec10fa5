//! Flow-dependent outlets updated on the GPU: scenario tables become lattice models, a
//! Windkessel charges with time constant R_d C.

use embolus::lbm::outlets::OutletModel;
use embolus::scenario::LoadedScenario;
use embolus::validation::outlets::windkessel_charging;
use std::path::Path;

fn gpu() -> embolus::gpu::GpuContext {
    embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"))
}

// The resistance split (R2/R1 = 2 within 2%) and the steady Windkessel ((R_p + R_d) Q
// and R_d Q within 1%) run once per CI, in the quick validation suite
// (tests/validate.rs: `embolus validate --quick`, the same library functions and
// tolerances); the charging time runs here, as only the full suite has it.

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
    let (tau, expected, fluid) = windkessel_charging(&gpu()).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "Windkessel charging: tau {tau:.0} steps vs Rd C {expected:.0} ({:+.2}%); fluid cells {fluid} ({:.1}% of C)",
        100.0 * (tau / expected - 1.0),
        100.0 * fluid as f64 / 20_000.0
    );
    assert!((tau - expected).abs() / expected < 0.05);
}
