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
// (tests/cli_validate.rs: `embolus validate --quick`, the same library functions and
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

/// A pressure-driven inlet whose source pulses (issue 19): 20 Pa × (1 + 0.5 sin 2πt/T),
/// T = 0.1 s, through 3.2e8 Pa s/m³ into a 1 mm radius vessel 6 mm long. Over the
/// second period the inlet holds its model at every output, p_in + R Q_in = p_s(t),
/// within 1% of the mean source (the source enters unfiltered); the mean inflow is
/// the steady one, p̄_s/(R + R_v) with Poiseuille's R_v, within 2%. The amplitude
/// and lag are printed against R + iω(4/3)L (docs/boundaries.md).
#[test]
fn a_pulsatile_source_drives_the_inflow_through_its_resistance() {
    let (source, resistance, period) = (20.0, 3.2e8, 0.1);
    let text = format!(
        "[grid]\nvoxel_size = 2.5e-4\n\
         [time]\nduration = 0.2\noutput_interval = 0.005\nlattice_velocity = 0.03\n\
         [geometry]\nshape = \"tapered\"\nstart = [0.0, 0.0, 0.0]\nend = [0.0, 0.0, 6.0e-3]\n\
         start_radius = 1.0e-3\nend_radius = 1.0e-3\n\
         [inlet]\npressure = {source}\nresistance = {resistance}\n\
         [inlet.pressure_waveform]\nkind = \"sine\"\nperiod = {period}\namplitude = 0.5\n\
         [lbm]\ncollision = \"regularized\"\n[fields]\nenabled = false\n"
    );
    let loaded =
        LoadedScenario::from_str(Path::new("pulse.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = std::env::temp_dir().join(format!("embolus-pulsatile-source-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let config = embolus::sim::run::RunConfig::new(out.clone());
    embolus::sim::run::run(&gpu(), &loaded, &config, &mut ()).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (q_in, p_in) = (at("inlet flow [m^3/s]"), at("inlet pressure [Pa]"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .filter(|r: &Vec<f64>| r[0] >= period - 1e-9 && r[0] < 2.0 * period - 1e-9)
        .collect();
    let omega = 2.0 * std::f64::consts::PI / period;
    let (mut worst, mut mean, mut re, mut im) = (0.0f64, 0.0, 0.0, 0.0);
    for r in &rows {
        let p_s = source * (1.0 + 0.5 * (omega * r[0]).sin());
        worst = worst.max((r[p_in] + resistance * r[q_in] - p_s).abs());
        mean += r[q_in] / rows.len() as f64;
        re += 2.0 * r[q_in] * (omega * r[0]).sin() / rows.len() as f64;
        im += 2.0 * r[q_in] * (omega * r[0]).cos() / rows.len() as f64;
    }
    let vessel = 8.0 * 3.5e-3 * 6.0e-3 / (std::f64::consts::PI * 1.0e-12);
    let steady = source / (resistance + vessel);
    let inertance = 4.0 / 3.0 * 1060.0 * 6.0e-3 / (std::f64::consts::PI * 1.0e-6);
    let z = ((resistance + vessel).powi(2) + (omega * inertance).powi(2)).sqrt();
    println!(
        "{} outputs: |p_in + R Q_in - p_s| at most {worst:.4} Pa; mean inflow {mean:.4e} (steady {steady:.4e}); \
         amplitude {:.4e} m^3/s, lag {:.1} deg (R + i w 4/3 L: {:.4e}, {:.1} deg)",
        rows.len(),
        re.hypot(im),
        (-im).atan2(re).to_degrees(),
        0.5 * source / z,
        (omega * inertance / (resistance + vessel)).atan().to_degrees()
    );
    assert!(rows.len() >= 19);
    assert!(worst < 0.01 * source, "{worst}");
    assert!(
        (mean - steady).abs() < 0.02 * steady,
        "{mean:e} vs {steady:e}"
    );
}
