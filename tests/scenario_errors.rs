//! Bad scenarios get their documented error (docs/scenario.md, "Errors"): the key, the
//! line where it is, and a fix; never a panic and never any GPU work.

use embolus::scenario::{LoadedScenario, ScenarioError};
use std::path::Path;

use crate::common;

const GOOD: &str = r#"
[fluid]
density = 1060.0
viscosity = 0.0035
[grid]
voxel_size = 1.0e-4
[time]
duration = 0.01
lattice_velocity = 0.05
[geometry]
shape = "cylinder"
radius = 1.0e-3
length = 5.0e-3
[inlet]
mean_velocity = 0.05
[outlet]
pressure = 0.0
"#;

fn load(text: &str) -> Result<LoadedScenario, ScenarioError> {
    LoadedScenario::from_str(Path::new("bad.toml"), text)
}

/// Replaces the first occurrence of `from` in the good scenario.
fn edit(from: &str, to: &str) -> String {
    assert!(
        GOOD.contains(from),
        "test bug: {from:?} not in the scenario"
    );
    GOOD.replacen(from, to, 1)
}

/// Asserts an error whose text contains each of `needles`, printing it for the log.
fn expect_error(text: &str, needles: &[&str]) -> ScenarioError {
    let e = match load(text) {
        Ok(_) => panic!("accepted a bad scenario; expected {needles:?}"),
        Err(e) => e,
    };
    let message = e.to_string();
    println!("{message}\n");
    for n in needles {
        assert!(message.contains(n), "message lacks {n:?}:\n{message}");
    }
    assert!(message.contains("Fix:"), "message gives no fix:\n{message}");
    e
}

#[test]
fn the_good_scenario_loads() {
    let s = load(GOOD).unwrap();
    assert!(s.units.tau > 0.51);
    assert_eq!(s.steps, (0.01 / s.units.dt_s).round() as u64);
}

#[test]
fn unknown_key_names_it_and_its_line() {
    expect_error(
        &edit("viscosity = 0.0035", "viscosty = 0.0035"),
        &["bad.toml:4", "viscosty", "unknown field"],
    );
}

#[test]
fn wrong_type_is_reported() {
    expect_error(
        &edit("voxel_size = 1.0e-4", "voxel_size = \"fine\""),
        &["bad.toml:6", "invalid type"],
    );
}

#[test]
fn missing_inlet_is_reported() {
    let text = edit("[inlet]\nmean_velocity = 0.05\n", "");
    let e = expect_error(&text, &["[inlet", "no [inlet] section"]);
    assert_eq!(e.key(), Some("inlet.mean_velocity"));
}

#[test]
fn negative_voxel_size_is_reported() {
    let e = expect_error(
        &edit("voxel_size = 1.0e-4", "voxel_size = -1.0e-4"),
        &["bad.toml:6", "positive"],
    );
    assert_eq!(e.key(), Some("grid.voxel_size"));
}

#[test]
fn zero_radius_is_reported() {
    let e = expect_error(
        &edit("radius = 1.0e-3", "radius = 0.0"),
        &["bad.toml:12", "radius"],
    );
    assert_eq!(e.key(), Some("geometry.radius"));
}

#[test]
fn high_mach_is_reported() {
    let e = expect_error(
        &edit("lattice_velocity = 0.05", "lattice_velocity = 0.3"),
        &["Mach", "bad.toml:9"],
    );
    assert_eq!(e.key(), Some("time.lattice_velocity"));
}

#[test]
fn tau_too_close_to_half_is_reported() {
    // Fast flow on a coarse grid: tau - 1/2 ∝ nu u_lattice / (u_peak dx).
    let e = expect_error(
        &edit("mean_velocity = 0.05", "mean_velocity = 2.0"),
        &["tau", "too close to 1/2", "finer voxel_size"],
    );
    assert_eq!(e.key(), Some("grid.voxel_size"));
}

/// The τ floor follows the collision operator: τ = 0.506 is refused with TRT (floor
/// 0.51), the fix naming the recursive regularized operator, which accepts it (floor
/// 0.501); τ = 0.5004 is refused by both.
#[test]
fn the_tau_floor_follows_the_collision_operator() {
    let near = edit("mean_velocity = 0.05", "mean_velocity = 0.4");
    let e = expect_error(
        &near,
        &[
            "minimum 0.51",
            "collision = \"regularized\"",
            "which this flow meets",
        ],
    );
    assert_eq!(e.key(), Some("grid.voxel_size"));
    let regularized = format!("{near}[lbm]\ncollision = \"regularized\"\n");
    let loaded = load(&regularized).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        loaded.units.tau > 0.501 && loaded.units.tau < 0.51,
        "tau {}",
        loaded.units.tau
    );
    let closer = edit("mean_velocity = 0.05", "mean_velocity = 6.0");
    expect_error(
        &format!("{closer}[lbm]\ncollision = \"regularized\"\n"),
        &["minimum 0.501"],
    );
}

#[test]
fn duration_and_steps_together_are_reported() {
    let e = expect_error(
        &edit("duration = 0.01", "duration = 0.01\nsteps = 100"),
        &["both duration and steps"],
    );
    assert_eq!(e.key(), Some("time.steps"));
}

#[test]
fn missing_duration_is_reported() {
    let e = expect_error(&edit("duration = 0.01\n", ""), &["needs duration or steps"]);
    assert_eq!(e.key(), Some("time.duration"));
}

#[test]
fn velocity_and_flow_rate_together_are_reported() {
    expect_error(
        &edit(
            "mean_velocity = 0.05",
            "mean_velocity = 0.05\nflow_rate = 1e-7",
        ),
        &["both mean_velocity and flow_rate"],
    );
}

#[test]
fn unknown_shape_is_reported() {
    expect_error(
        &edit("shape = \"cylinder\"", "shape = \"cube\""),
        &["unknown variant", "cube"],
    );
}

#[test]
fn unknown_wall_treatment_is_reported() {
    expect_error(
        &format!("{GOOD}[lbm]\nwalls = \"bouzidi\"\n"),
        &["unknown variant", "bouzidi", "interpolated", "bad.toml:"],
    );
}

#[test]
fn unresolved_vessel_is_reported() {
    let e = expect_error(
        &edit("voxel_size = 1.0e-4", "voxel_size = 8.0e-4"),
        &["voxels across", "voxel_size <="],
    );
    assert_eq!(e.key(), Some("grid.voxel_size"));
}

#[test]
fn toml_syntax_error_is_reported() {
    expect_error(
        &edit("density = 1060.0", "density = \"1060.0"),
        &["bad.toml:3"],
    );
}

#[test]
fn missing_section_is_reported() {
    expect_error(
        &edit("[grid]\nvoxel_size = 1.0e-4\n", ""),
        &["missing field", "grid"],
    );
}

#[test]
fn unknown_rheology_preset_is_reported() {
    let e = expect_error(
        &edit("viscosity = 0.0035", "rheology = \"ketchup\""),
        &["unknown rheology preset", "carreau"],
    );
    assert_eq!(e.key(), Some("fluid.rheology"));
}

#[test]
fn rheology_presets_and_tables_load_with_tau_from_the_lowest_viscosity() {
    let carreau = load(&edit("viscosity = 0.0035", "rheology = \"carreau\"")).unwrap();
    let r = carreau.rheology.expect("shear-thinning");
    let newtonian_low = load(&edit("viscosity = 0.0035", "viscosity = 0.00345")).unwrap();
    assert!(
        (carreau.units.tau - newtonian_low.units.tau).abs() < 1e-12,
        "tau from mu_inf"
    );
    assert!(r.tau_max > carreau.units.tau);
    let table = edit(
        "viscosity = 0.0035",
        "[fluid.rheology]\nmodel = \"power_law\"\nconsistency = 0.017\nn = 0.708\nmin_viscosity = 0.0035\nmax_viscosity = 0.056",
    );
    assert!(load(&table).unwrap().rheology.is_some());
    assert!(
        load(&edit("viscosity = 0.0035", "rheology = \"newtonian\""))
            .unwrap()
            .rheology
            .is_none()
    );
}

#[test]
fn waveform_csv_is_read_and_bad_ones_are_reported() {
    let dir = std::env::temp_dir().join(format!("embolus-wave-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "time [s],flow [m^3/s]\n0,1e-6\n0.3,3e-6\n0.5,1e-6\n0.8,1e-6\n",
    )
    .unwrap();
    let with = |file: &std::path::Path| {
        edit(
            "mean_velocity = 0.05",
            &format!(
                "mean_velocity = 0.05\n[inlet.waveform]\nkind = \"csv\"\nfile = \"{}\"",
                file.display()
            ),
        )
    };
    let s = load(&with(&good)).unwrap();
    assert_eq!(s.waveform.period_s(), Some(0.8));
    assert!(s.waveform.max_abs_factor() > 1.5);
    // The waveform's peak sets the time step.
    let steady = load(GOOD).unwrap();
    assert!(s.units.dt_s < steady.units.dt_s);
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "t,q\n0,1\n0.5,two\n").unwrap();
    expect_error(&with(&bad), &["line 3", "time [s], flow rate"]);
    let e = expect_error(&with(&dir.join("missing.csv")), &["cannot read"]);
    assert_eq!(e.key(), Some("inlet.waveform.file"));
    expect_error(
        &edit("mean_velocity = 0.05", "mean_velocity = 0.05\n[inlet.waveform]\nkind = \"sine\"\nperiod = -1.0\namplitude = 0.2"),
        &["period = -1", "positive"],
    );
}

#[test]
fn unreadable_file_is_reported() {
    let e = LoadedScenario::load(Path::new("no/such/scene.toml")).unwrap_err();
    assert!(matches!(e, ScenarioError::Read { .. }));
    assert!(e.to_string().contains("Fix:"));
}

/// Bad particle tables: unknown agent, missing or doubled count, a tip outside the
/// vessel, impossible agent values, a bad capture diameter and model parameters.
#[test]
fn bad_particle_tables_are_reported() {
    let with = |extra: &str| format!("{GOOD}{extra}");
    let injection = "[[injections]]\nagent = \"y90_glass\"\nduration = 0.001\ncount = 10\n";
    // The good one loads and plans its particles.
    let s = load(&with(injection)).unwrap();
    assert_eq!(s.particles.as_ref().unwrap().plan.len(), 10);
    expect_error(
        &with("[[injections]]\nagent = \"y90_glas\"\nduration = 0.001\ncount = 10\n"),
        &["bad.toml:19", "unknown agent", "y90_glas", "y90_glass"],
    );
    expect_error(
        &with("[[injections]]\nagent = \"y90_glass\"\nduration = 0.001\n"),
        &["exactly one of count, rate"],
    );
    expect_error(
        &with("[[injections]]\nagent = \"y90_glass\"\nduration = 0.001\ncount = 10\nrate = 5.0\n"),
        &["exactly one of count, rate"],
    );
    expect_error(
        &with("[[injections]]\nagent = \"y90_glass\"\nduration = 0.001\ncount = 10\ntip = [1.0, 1.0, 1.0]\n"),
        &["catheter tip", "not in the lumen"],
    );
    expect_error(
        &with(&format!("{injection}agent_x = 1\n")),
        &["unknown field", "agent_x"],
    );
    expect_error(
        &with(
            "[[injections]]\nagent = \"mine\"\nduration = 0.001\ncount = 10\n\
               [agents.mine]\ndensity = -5.0\ndiameter = { kind = \"fixed\", diameter = 1.0e-4 }\n",
        ),
        &["density", "positive"],
    );
    expect_error(
        &with("[[injections]]\nagent = \"mine\"\nduration = 0.001\ncount = 10\n\
               [agents.mine]\ndensity = 1100.0\ndiameter = { kind = \"uniform\", min = 3.0e-4, max = 1.0e-4 }\n"),
        &["min", "above max"],
    );
    expect_error(
        &with(&format!(
            "{injection}[outlets.outlet]\ncapture_diameter = -1.0\n"
        )),
        &["capture_diameter", "positive"],
    );
    expect_error(
        &with(&format!("{injection}[particles]\nwall_fraction = 2.0\n")),
        &["wall_fraction", "outside"],
    );
    expect_error(
        &with(&format!(
            "{injection}[particles]\nattachment_efficiency = 1.5\n"
        )),
        &["attachment_efficiency", "outside [0, 1]"],
    );
    expect_error(
        &with("[[injections]]\nagent = \"y90_glass\"\nduration = -1.0\ncount = 10\n"),
        &["duration"],
    );
}

/// Injection planning: counts from a rate or a volume fraction, pulsed windows, sizes
/// from the agent's distribution, release points in the lumen.
#[test]
fn injections_are_planned_from_rates_fractions_and_pulses() {
    let with = |extra: &str| load(&format!("{GOOD}{extra}")).unwrap_or_else(|e| panic!("{e}"));
    // 2e4 particles/s over 5 ms, pulsed 1 ms on / 1 ms off: on for 3 ms → 60.
    let s = with(
        "[[injections]]\nagent = \"beads_100_300\"\nstart = 0.001\nduration = 0.005\nrate = 2.0e4\n\
         pulse_on = 0.001\npulse_off = 0.001\n",
    );
    let run = s.particles.as_ref().unwrap();
    let dt = s.units.dt_s;
    assert_eq!(run.plan.len(), 60);
    for (m, &d) in run.plan.meta.iter().zip(&run.plan.diameters_m) {
        let t = m[2] as f64 * dt;
        let in_window = [(0.001, 0.002), (0.003, 0.004), (0.005, 0.006)]
            .iter()
            .any(|&(a, b)| t >= a - dt && t <= b);
        assert!(in_window, "released at {t} s, outside the pulses");
        assert!((100e-6..=300e-6).contains(&d), "diameter {d}");
    }
    for p in &run.plan.positions {
        let c = [p[0] as usize, p[1] as usize, p[2] as usize];
        let i = s.voxels.dims.index(c[0], c[1], c[2]);
        assert_eq!(s.voxels.kinds[i], embolus::geometry::CellKind::Fluid);
    }
    // Volume fraction 1% of the inflow (π (1 mm)² × 0.05 m/s) for 10 ms of 25 µm
    // spheres: 0.01 × 1.571e-7 m³/s × 0.01 s / 8.18e-15 m³ ≈ 1,920.
    let s = with(
        "[[injections]]\nagent = \"fixed25\"\nduration = 0.01\nvolume_fraction = 1.0e-2\n\
         [agents.fixed25]\ndensity = 3300.0\ndiameter = { kind = \"fixed\", diameter = 2.5e-5 }\n",
    );
    let n = s.particles.as_ref().unwrap().plan.len() as f64;
    let expected =
        1.0e-2 * s.flow_rate_m3_s * 0.01 / (std::f64::consts::PI / 6.0 * 2.5e-5f64.powi(3));
    assert!((n - expected).abs() / expected < 1e-3, "{n} vs {expected}");
}

#[test]
fn bad_field_and_checkpoint_settings_are_named() {
    let with = |extra: &str| format!("{GOOD}{extra}");
    expect_error(
        &with("[fields]\ninterval = -0.1\n"),
        &["fields.interval", "bad.toml:19"],
    );
    expect_error(&with("[fields]\nstride = 0\n"), &["fields.stride"]);
    expect_error(&with("[fields]\nselect = []\n"), &["fields.select"]);
    expect_error(
        &with("[fields]\nselect = [\"velocity\", \"occlusion\"]\n"),
        &["fields.select", "needs particles", "[[injections]]"],
    );
    expect_error(
        &with("[fields]\nselect = [\"vorticity\"]\n"),
        &["unknown variant"],
    );
    expect_error(
        &with("[fields]\nregion_min = [0.0, 0.0, 0.02]\n"),
        &["fields.region_min", "holds no cell"],
    );
    expect_error(
        &with("[fields]\naverage_from = -1.0\n"),
        &["fields.average_from"],
    );
    expect_error(
        &with("[checkpoint]\nwall_interval = 0.0\n"),
        &["checkpoint.wall_interval"],
    );
    // A good region and selection load, with the region in cells.
    let s = load(&with(
        "[fields]\nselect = [\"wss\", \"velocity\"]\nregion_min = [0.0, 0.0, 1.0e-3]\nstride = 2\n",
    ))
    .unwrap();
    assert_eq!(s.fields.region.lo[2], 10);
    assert_eq!(s.fields.region.stride, 2);
    assert_eq!(s.fields.select.len(), 2);
}

#[test]
fn storage_precision_is_read_and_bad_ones_are_named() {
    let half = load(&format!("{GOOD}[lbm]\nprecision = \"f16\"\n")).unwrap();
    assert_eq!(
        half.scenario.lbm.precision,
        embolus::lbm::setup::Precision::F16
    );
    assert_eq!(
        load(GOOD).unwrap().scenario.lbm.precision,
        embolus::lbm::setup::Precision::F32
    );
    expect_error(
        &format!("{GOOD}[lbm]\nprecision = \"f64\"\n"),
        &["unknown variant", "f64", "f16"],
    );
}

/// A 75% stenosis quadruples the speed in its throat (continuity): Mach and Re are
/// judged there, and a lattice velocity that is safe at the inlet but not in the
/// throat is refused with the largest value the throat allows (Mach 0.15 → lattice
/// speed 0.0866; here 0.0866/4 = 0.0217).
#[test]
fn a_stenosis_is_judged_at_its_throat() {
    let stenosis = |lattice_velocity: f64| {
        GOOD.replace(
            "shape = \"cylinder\"\nradius = 1.0e-3\nlength = 5.0e-3",
            "shape = \"stenosis\"\nradius = 1.0e-3\nlength = 5.0e-3\n\
             area_reduction_percent = 75.0\nstenosis_length = 2.0e-3",
        )
        .replace(
            "lattice_velocity = 0.05",
            &format!("lattice_velocity = {lattice_velocity}"),
        )
    };
    let ok = load(&stenosis(0.02)).unwrap_or_else(|e| panic!("{e}"));
    let t = ok.throat.expect("a stenosis has a throat");
    assert!(
        (t.area_ratio - 4.0).abs() < 1e-9,
        "area ratio {}",
        t.area_ratio
    );
    assert!((t.radius_m - 5.0e-4).abs() < 1e-12);
    assert!((t.mach - 4.0 * ok.units.mach).abs() < 1e-12);
    assert!((t.reynolds - 2.0 * ok.units.reynolds).abs() < 1e-9);
    assert!((t.peak_velocity_lattice - 0.08).abs() < 1e-12);
    // 0.05 at the inlet is Mach 0.087, 0.35 in the throat.
    let e = expect_error(
        &stenosis(0.05),
        &[
            "narrowest section",
            "Mach 0.346",
            "lattice_velocity <= 0.0217",
        ],
    );
    assert!(e.to_string().contains("time"), "{e}");
    // A straight cylinder has no throat.
    assert!(load(GOOD).unwrap().throat.is_none());
}

/// A scenario's `name` names `results/<name>`: anything that would leave `results/`
/// is refused.
#[test]
fn a_name_that_leaves_the_results_directory_is_refused() {
    for name in ["../../x", "/tmp/x", "a/b", ".hidden", ""] {
        let text = format!("name = {name:?}\n{GOOD}");
        expect_error(&text, &["[name]", "plain folder name", "Fix:"]);
    }
    let text = format!("name = \"renal_run-1.2\"\n{GOOD}");
    assert!(load(&text).is_ok());
}

/// Values that only look valid: a duration of 1e30 s (once a saturated cast to
/// 18,446,744,073,709,551,615 steps), a step count beyond any run.
#[test]
fn absurd_run_lengths_are_refused() {
    expect_error(
        &edit("duration = 0.01", "duration = 1e30"),
        &[
            "[time.duration]",
            "time steps",
            "Fix:",
            "at most 1e12 steps",
        ],
    );
    expect_error(
        &edit("duration = 0.01", "steps = 18446744073709551615"),
        &["[time.steps]", "Fix:"],
    );
}

/// Input files are looked at before they are read: a device is refused at once.
#[test]
fn a_device_as_surface_or_waveform_is_refused() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let stl = edit(
        "shape = \"cylinder\"\nradius = 1.0e-3\nlength = 5.0e-3",
        "shape = \"stl\"\nfile = \"/dev/zero\"",
    );
    expect_error(&stl, &["/dev/zero", "not a regular file"]);
    let csv = format!("{GOOD}[inlet.waveform]\nkind = \"csv\"\nfile = \"/dev/zero\"\n");
    expect_error(&csv, &["/dev/zero", "not a regular file"]);
}

/// Pulsed injections: both times or neither, positive, and a number of pulses that
/// fits in memory (pulse_on = pulse_off = 0 once passed `check`).
#[test]
fn bad_pulses_and_magnets_are_refused() {
    let injection =
        "[particles]\n[[injections]]\nagent = \"beads_100_300\"\nduration = 0.005\ncount = 10\n";
    for pulses in [
        "pulse_on = 0.0\npulse_off = 0.0\n",
        "pulse_on = 0.001\n",
        "pulse_on = 1e-300\npulse_off = 0.0\n",
        "pulse_on = inf\npulse_off = 0.0\n",
    ] {
        let text = format!("{GOOD}{injection}{pulses}");
        expect_error(&text, &["pulse_on", "Fix:"]);
    }
    let magnet =
        "[[magnets]]\nkind = \"dipole\"\nposition = [0.0, 0.0, 0.0]\nmoment = [0.0, 0.0, inf]\n";
    let text = format!("{GOOD}{injection}{magnet}");
    expect_error(&text, &["magnets[0]", "not finite", "Fix:"]);
}

/// [dosimetry]: each bad value names its key, line and fix; a good table loads with
/// the agent's activity per sphere.
#[test]
fn bad_dosimetry_is_refused() {
    let spheres =
        "\n[[injections]]\nagent = \"y90_glass\"\nstart = 0.0\nduration = 0.005\ncount = 10\n";
    let with = |dosimetry: &str| format!("{GOOD}{spheres}[dosimetry]\n{dosimetry}");
    let good = load(&with(
        "activity = 3.0\n[dosimetry.territories.outlet]\nmass = 1.2\ntumour_mass = 0.2\ntumour_to_normal = 3.0\n",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let plan = good.dosimetry.unwrap();
    assert_eq!(plan.activity_per_sphere_bq, 2500.0);
    assert_eq!(plan.territories[0].tumour_mass_kg, 0.2);
    for (text, needles) in [
        (
            with("activity = -3.0\n"),
            vec!["dosimetry.activity", "positive"],
        ),
        (
            with("activity = 3.0\nlung_shunt_fraction = 1.0\n"),
            vec!["lung_shunt_fraction", "fraction below 1"],
        ),
        (
            with("activity = 3.0\nhours_to_treatment = -2.0\n"),
            vec!["hours_to_treatment"],
        ),
        (
            with("activity = 3.0\n[dosimetry.territories.outlet9]\nmass = 1.0\n"),
            vec!["no outlet \"outlet9\"", "outlet"],
        ),
        (
            with("activity = 3.0\n[dosimetry.territories.outlet]\nmass = 1.0\ntumour_mass = 1.0\n"),
            vec!["tumour_mass", "below the territory's mass"],
        ),
        (
            format!("{GOOD}[dosimetry]\nactivity = 3.0\n"),
            vec!["injects none", "[[injections]]"],
        ),
        (
            with("activity = 3.0\n").replace("y90_glass", "beads_100_300"),
            vec!["activity_per_sphere", "beads_100_300", "y90_glass 2500"],
        ),
        (
            with("activity = 3.0\n[dosimetry.territories.outlet]\nlabel = 1\n"),
            vec![
                "dosimetry.territories.outlet.label",
                "needs a label map",
                "label_map",
            ],
        ),
        (
            with("activity = 3.0\n[dosimetry.territories.outlet]\ntumour_to_normal = 2.0\n"),
            vec!["dosimetry.territories.outlet.mass", "no mass"],
        ),
        (
            with("activity = 3.0\n[dosimetry.dose_map]\nvoxel = -1.0e-3\n"),
            vec!["dosimetry.dose_map.voxel", "positive"],
        ),
        (
            with("activity = 3.0\n[dosimetry.dose_map]\nvoxel = 1.0e-6\n"),
            vec!["dosimetry.dose_map.voxel", "larger dose_map.voxel"],
        ),
        (
            with("activity = 3.0\n[dosimetry.dose_map]\nlabel_map = \"no-such-labels.nii\"\n[dosimetry.territories.outlet]\nlabel = 1\n"),
            vec![
                "dosimetry.dose_map.label_map",
                "no-such-labels.nii",
                "NIfTI-1 label map",
            ],
        ),
    ] {
        expect_error(&text, &needles);
    }
}

/// [dosimetry.dose_map] with a label map (8³ voxels of 1 mm: label 1, a 2³ tumour
/// labelled 2): territory masses come from it at 1,060 kg/m³; a label it lacks, a mass
/// beside a label and a tumour label without the territory's own are refused.
#[test]
fn label_map_territories_take_their_masses_from_the_map() {
    let dir = std::env::temp_dir().join(format!("embolus-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("labels.nii");
    let mut bytes = common::nifti_u8_header([8; 3], 1.0);
    bytes.extend((0..512).map(|n| {
        let tumour = [n % 8, (n / 8) % 8, n / 64]
            .iter()
            .all(|&c| (3..5).contains(&c));
        if tumour {
            2u8
        } else {
            1
        }
    }));
    std::fs::write(&path, bytes).unwrap();
    let spheres =
        "\n[[injections]]\nagent = \"y90_resin\"\nstart = 0.0\nduration = 0.005\ncount = 10\n";
    let with = |territory: &str| {
        format!(
            "{GOOD}{spheres}[dosimetry]\nactivity = 1.0\n[dosimetry.dose_map]\nlabel_map = {:?}\n\
             [dosimetry.territories.outlet]\n{territory}",
            path.display().to_string()
        )
    };
    let good = load(&with("label = 1\ntumour_label = 2\n")).unwrap_or_else(|e| panic!("{e}"));
    let plan = good.dosimetry.unwrap();
    let t = &plan.territories[0];
    let voxel_kg = 1060.0 * 1e-9;
    assert!(
        (t.mass_kg / (512.0 * voxel_kg) - 1.0).abs() < 1e-9,
        "{}",
        t.mass_kg
    );
    assert!((t.tumour_mass_kg / (8.0 * voxel_kg) - 1.0).abs() < 1e-9);
    assert_eq!(plan.activity_per_sphere_bq, 50.0);
    // A tabulated kernel: a good table loads and names itself; a bad one is refused.
    let table = dir.join("dpk.csv");
    std::fs::write(
        &table,
        "radius [mm], fraction\n1.0, 0.4\n5.0, 0.9\n12.0, 1.0\n",
    )
    .unwrap();
    let with_table = |file: &Path| {
        with("label = 1\n").replace(
            "[dosimetry.dose_map]\n",
            &format!(
                "[dosimetry.dose_map]\nkernel_table = {:?}\n",
                file.display().to_string()
            ),
        )
    };
    let tabulated = load(&with_table(&table)).unwrap_or_else(|e| panic!("{e}"));
    let name = &tabulated.dosimetry.unwrap().dose_map.kernel_name;
    assert!(name.starts_with("tabulated point kernel"), "{name}");
    std::fs::write(&table, "1.0, 0.5\n2.0, 0.4\n").unwrap();
    expect_error(
        &with_table(&table),
        &["dosimetry.dose_map.kernel_table", "never fall"],
    );
    expect_error(
        &with_table(&dir.join("missing.csv")),
        &["dosimetry.dose_map.kernel_table", "missing.csv"],
    );
    for (territory, needles) in [
        (
            "label = 7\n",
            vec!["dosimetry.dose_map.label_map", "no voxel with label 7"],
        ),
        (
            "label = 1\nmass = 1.0\n",
            vec!["dosimetry.territories.outlet.mass", "remove mass"],
        ),
        (
            "mass = 1.0\ntumour_label = 2\n",
            vec!["tumour_label", "territory's own label"],
        ),
        (
            "label = 1\ntumour_mass = 0.1\n",
            vec!["tumour_mass", "tumour_label instead"],
        ),
        (
            "label = 1\ntumour_label = 1\n",
            vec!["tumour_label", "label 1 is given to two regions"],
        ),
        (
            "mass = 1.0\n",
            vec!["dosimetry.dose_map.label_map", "no territory names a label"],
        ),
    ] {
        expect_error(&with(territory), &needles);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 19: a pressure-driven inlet's flow scale counts the outlets' beds; its keys:
/// its resistance, no velocity or waveform besides, a source above the outlet pressure, a source pressure that stays weakly
/// compressible at stasis; `stop_at = "stasis"` only where the inflow can fall.
#[test]
fn bad_pressure_driven_inlets_are_refused() {
    let driven = |keys: &str| edit("mean_velocity = 0.05", keys);
    // A good one loads: 5 Pa through 4e7 Pa s/m^3 drives at most 1.25e-7 m^3/s.
    let good = load(&driven("pressure = 5.0\nresistance = 4.0e7")).unwrap();
    assert!((good.flow_rate_m3_s - 1.25e-7).abs() < 1e-19);
    // Draining through a bed of 6e7 Pa s/m^3 into 1 Pa, the same source drives at
    // most (5 - 1)/(4e7 + 6e7) = 4e-8 m^3/s; into a 3 Pa pressure outlet (no bed),
    // at most (5 - 3)/4e7 = 5e-8 m^3/s.
    let bed = "\n[outlets.outlet]\nresistance = 6.0e7\ndistal_pressure = 1.0\n";
    let into_bed = load(&(driven("pressure = 5.0\nresistance = 4.0e7") + bed)).unwrap();
    assert!((into_bed.flow_rate_m3_s - 4.0e-8).abs() < 1e-19);
    let open = "\n[outlets.outlet]\npressure = 3.0\n";
    let into_open = load(&(driven("pressure = 5.0\nresistance = 4.0e7") + open)).unwrap();
    assert!((into_open.flow_rate_m3_s - 5.0e-8).abs() < 1e-19);
    expect_error(
        &driven("pressure = 5.0"),
        &["[inlet.resistance]", "upstream resistance"],
    );
    expect_error(
        &driven("resistance = 4.0e7"),
        &["[inlet.resistance]", "needs `pressure`"],
    );
    expect_error(
        &driven("pressure = 5.0\nresistance = 4.0e7\nmean_velocity = 0.05"),
        &["[inlet.mean_velocity]", "pressure-driven"],
    );
    expect_error(
        &driven("pressure = 5.0\nresistance = 4.0e7\nwaveform = { kind = \"sine\", period = 1.0, amplitude = 0.1 }"),
        &["[inlet.waveform]", "pressure_waveform"],
    );
    expect_error(
        &driven("pressure = -5.0\nresistance = 4.0e7"),
        &["[inlet.pressure]", "does not exceed the outlet pressure"],
    );
    expect_error(
        &driven("pressure = 5.0\nresistance = -1.0"),
        &["[inlet.resistance]"],
    );
    // 2 kPa standing in the vessel at this time step is δρ ≈ 2.2.
    expect_error(
        &driven("pressure = 2000.0\nresistance = 1.6e10"),
        &[
            "[time.lattice_velocity]",
            "at stasis",
            "lattice_velocity <=",
        ],
    );
    let velocity_inlet_stop = GOOD.replace(
        "lattice_velocity = 0.05",
        "lattice_velocity = 0.05\nstop_at = \"stasis\"",
    );
    expect_error(&velocity_inlet_stop, &["[time.stop_at]", "velocity inlet"]);
    let hold_alone = GOOD.replace(
        "lattice_velocity = 0.05",
        "lattice_velocity = 0.05\nafter_stasis = 0.2",
    );
    expect_error(&hold_alone, &["[time.after_stasis]", "stop_at"]);
    let driven_without_particles = driven("pressure = 5.0\nresistance = 4.0e7").replace(
        "lattice_velocity = 0.05",
        "lattice_velocity = 0.05\nstop_at = \"stasis\"",
    );
    expect_error(
        &driven_without_particles,
        &["[time.stop_at]", "injects none"],
    );
}

/// `[catheter]` and `[target]` (issue 19): a tip outside the lumen, a catheter as
/// wide as the vessel, a lumen wider than the catheter, an injection the lattice
/// cannot carry, and a target branch the vessel lacks.
#[test]
fn bad_catheters_and_targets_are_refused() {
    let tapered = edit(
        "shape = \"cylinder\"\nradius = 1.0e-3\nlength = 5.0e-3\n",
        "shape = \"tapered\"\nstart = [0.0, 0.0, 0.0]\nend = [0.0, 0.0, 5.0e-3]\n\
         start_radius = 1.0e-3\nend_radius = 1.0e-3\n",
    );
    let with = |table: &str| format!("{tapered}{table}");
    let catheter = "[catheter]\ntip = [0.0, 0.0, 2.5e-3]\n";
    if let Err(e) = load(&with(catheter)) {
        panic!("the catheter on the axis fits: {e}");
    }
    expect_error(
        &with("[catheter]\ntip = [0.0, 3.0e-3, 2.5e-3]\n"),
        &["[catheter.tip]", "not in the vessel's lumen", "bad.toml:"],
    );
    expect_error(
        &with("[catheter]\ntip = [0.0, 0.0, 2.5e-3]\nouter_radius = 1.2e-3\n"),
        &["[catheter.tip]", "fills"],
    );
    expect_error(
        &with("[catheter]\ntip = [0.0, 0.0, 2.5e-3]\ninner_radius = 5.0e-4\n"),
        &["[catheter.inner_radius]", "not smaller than outer_radius"],
    );
    expect_error(
        &with("[catheter]\ntip = [0.0, 0.0, 2.5e-3]\nflow_rate = 1.0e-5\n"),
        &["[catheter.flow_rate]", "lattice units", "lower flow_rate"],
    );
    expect_error(
        &with("[target]\nbranches = [\"outlet9\"]\n"),
        &["[target.branches]", "'outlet9' is not an outlet", "outlet"],
    );
}

/// A source pressure waveform belongs to a pressure-driven inlet.
#[test]
fn a_pressure_waveform_on_a_velocity_inlet_is_refused() {
    let text = format!(
        "{GOOD}[inlet.pressure_waveform]\nkind = \"sine\"\nperiod = 0.8\namplitude = 0.3\n"
    );
    expect_error(
        &text,
        &["[inlet.pressure_waveform]", "pressure-driven inlet"],
    );
}
