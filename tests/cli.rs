//! The `embolus` binary as a user runs it: outputs, exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;

fn embolus() -> Command {
    Command::new(env!("CARGO_BIN_EXE_embolus"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embolus-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small vessel: R = 5 cells, 20 cells long.
fn scene(dir: &Path, time: &str, extra: &str) -> PathBuf {
    let path = dir.join("scene.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"tiny\"\n[grid]\nvoxel_size = 1.0e-4\n[time]\n{time}\n\
             [geometry]\nshape = \"cylinder\"\nradius = 5.0e-4\nlength = 2.0e-3\n\
             [inlet]\nmean_velocity = 0.05\n{extra}"
        ),
    )
    .unwrap();
    path
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Runs a scene into `out`, expects success and returns what it printed.
fn run_ok(scene: &Path, out: &Path) -> (String, String) {
    let o = embolus()
        .arg("run")
        .arg(scene)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

/// Runs a scene into `out`, expects success and returns its metrics.csv.
fn run_successfully(scene: &Path, out: &Path) -> String {
    run_ok(scene, out);
    std::fs::read_to_string(out.join("metrics.csv")).unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn run_writes_metrics_and_summary() {
    let dir = scratch("run");
    let scene = scene(&dir, "steps = 200\noutput_interval = 2.5e-3", "");
    let out = dir.join("results");
    let (stdout, _) = run_ok(&scene, &out);
    assert!(
        stdout.contains("relaxation time tau"),
        "no unit table:\n{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0]
        .starts_with("time [s],step,inlet flow [m^3/s],outlet flow [m^3/s],inlet pressure [Pa]"));
    // dt = 0.05 * 1e-4 / 0.1 = 5e-5 s: a row every 50 steps, plus step 0.
    assert_eq!(lines.len(), 1 + 5, "{csv}");
    let last: Vec<f64> = lines[5].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(last[1], 200.0);
    let inflow = std::f64::consts::PI * 5e-4f64.powi(2) * 0.05;
    // Measured across the inlet's lattice links: the staircase rim delivers a little
    // less than the nominal flow (O(1/R), -1.3% at R = 5; docs/test-checks.md).
    assert!(
        (last[2] - inflow).abs() / inflow < 0.03,
        "inlet flow {} vs {inflow}",
        last[2]
    );
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["steps"], 200);
    assert!(summary["mlups"].as_f64().unwrap() > 0.0);
    assert!(!summary["adapter"]["name"].as_str().unwrap().is_empty());
    assert!((summary["units"]["dt_s"].as_f64().unwrap() - 5e-5).abs() < 1e-12);
}

#[test]
fn diverging_run_stops_with_a_diagnosis_and_keeps_results() {
    let dir = scratch("diverge");
    let scene = scene(
        &dir,
        "steps = 2000\noutput_interval = 5e-4",
        "[lbm]\nbody_force = [0.0, 0.0, 5.0e5]\n",
    );
    let out = dir.join("results");
    let o = embolus()
        .arg("run")
        .arg(&scene)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("diverged at step"), "{stderr}");
    assert!(stderr.contains("position ("), "{stderr}");
    assert!(stderr.contains("Likely cause"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(csv.lines().count() >= 2, "{csv}");
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["status"], "diverged");
    assert!(summary["divergence"]["step"].as_u64().unwrap() < 2000);
    // The local lumen and Reynolds number where it ran away (a 1 mm pipe).
    let lumen = summary["divergence"]["lumen_diameter_m"].as_f64().unwrap();
    assert!(lumen > 0.0 && lumen <= 1.2e-3, "lumen {lumen}");
    assert!(summary["divergence"]["local_reynolds"].as_f64().unwrap() > 0.0);
}

/// Waits until a running run's metrics.csv has `lines` lines (header included).
fn wait_for_metrics_rows(csv: &Path, lines: usize) {
    let started = std::time::Instant::now();
    while std::fs::read_to_string(csv)
        .map(|c| c.lines().count())
        .unwrap_or(0)
        < lines
    {
        assert!(started.elapsed().as_secs() < 120, "no metrics after 120 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts a long run, sends `signal` once three metrics rows are written and waits:
/// the results directory, the steps done, and the run's stderr.
fn stop_a_run_with(signal: &str) -> (PathBuf, u64, String) {
    let dir = scratch(&format!("interrupt-{signal}"));
    let scene = scene(&dir, "steps = 10000000\noutput_interval = 5e-4", "");
    let out = dir.join("results");
    let child = embolus()
        .arg("run")
        .arg(&scene)
        .arg("--out")
        .arg(&out)
        .args(["--progress-every", "0.2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let csv = out.join("metrics.csv");
    wait_for_metrics_rows(&csv, 3);
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let o = child.wait_with_output().unwrap();
    let stderr = text(&o).1;
    assert_eq!(o.status.code(), Some(130), "SIG{signal}: {stderr}");
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["status"], "interrupted", "SIG{signal}");
    let steps = summary["steps"].as_u64().unwrap();
    let csv = std::fs::read_to_string(&csv).unwrap();
    let last_step: u64 = csv
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last_step, steps, "the last row is the state at the stop");
    assert!(
        out.join("checkpoint.bin").exists(),
        "no checkpoint after SIG{signal}"
    );
    (out, steps, stderr)
}

/// A batch scheduler's SIGTERM (time limit, scancel) and Slurm's warning signal
/// SIGUSR1 stop a run as Ctrl-C does; its log (stderr not a terminal) holds plain
/// progress lines.
#[test]
fn batch_signals_stop_cleanly_and_the_log_shows_progress() {
    for (signal, name) in [("TERM", "SIGTERM:"), ("USR1", "SIGUSR1:")] {
        let (_, _, stderr) = stop_a_run_with(signal);
        assert!(stderr.contains(name), "{stderr}");
        let lines = stderr
            .lines()
            .filter(|l| l.starts_with("progress  step "))
            .count();
        assert!(lines >= 1, "no progress line in the log:\n{stderr}");
        assert!(
            stderr.contains("MLUPS") && stderr.contains("ETA"),
            "{stderr}"
        );
    }
}

#[test]
fn interrupt_stops_cleanly_with_results_flushed() {
    let (out, steps, stderr) = stop_a_run_with("INT");
    assert!(stderr.contains("Ctrl-C"), "{stderr}");
    // Ctrl-C left a checkpoint; the run continues from it.
    assert!(
        out.join("checkpoint.bin").exists(),
        "no checkpoint after Ctrl-C"
    );
    let o = embolus()
        .args(["run", "--resume"])
        .arg(&out)
        .args(["--steps", &(steps + 60).to_string()])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("resume    from step {steps}")),
        "{stdout}"
    );
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["steps"].as_u64().unwrap(), steps + 60);
    assert_eq!(summary["resumed_from_step"].as_u64().unwrap(), steps);

    // A damaged checkpoint is refused with a fix, and no result is touched.
    let before = std::fs::read(out.join("metrics.csv")).unwrap();
    let mut bytes = std::fs::read(out.join("checkpoint.bin")).unwrap();
    let k = bytes.len() / 2;
    bytes[k] ^= 1;
    std::fs::write(out.join("checkpoint.bin"), &bytes).unwrap();
    let o = embolus()
        .args(["run", "--resume"])
        .arg(&out)
        .args(["--steps", &(steps + 120).to_string()])
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert!(!o.status.success());
    assert!(
        stderr.contains("corrupt") && stderr.contains("Fix:"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(out.join("metrics.csv")).unwrap(), before);
}

/// A PNG's size and how much of it is drawn (pixels away from white, distinct colours).
fn png_coverage(path: &Path) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let drawn = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let mut colours: Vec<[u8; 3]> = pixels
        .iter()
        .map(|p| [p[0] / 32, p[1] / 32, p[2] / 32])
        .collect();
    colours.sort();
    colours.dedup();
    (
        info.width,
        info.height,
        drawn as f64 / pixels.len() as f64,
        colours.len(),
    )
}

#[test]
fn a_run_writes_plots_and_a_report_and_compare_works_on_two_runs() {
    let dir = scratch("compare");
    let slow = scene(&dir, "steps = 300\noutput_interval = 2.5e-3", "");
    let a = dir.join("slow");
    run_successfully(&slow, &a);
    let fast_dir = dir.join("fast-scene");
    std::fs::create_dir_all(&fast_dir).unwrap();
    let fast = scene(
        &fast_dir,
        "steps = 300\noutput_interval = 2.5e-3",
        "ramp_time = 0.0\n",
    );
    let b = dir.join("fast");
    run_successfully(&fast, &b);

    for name in ["flow", "pressure"] {
        let (w, h, drawn, colours) = png_coverage(&a.join("plots").join(format!("{name}.png")));
        println!(
            "{name}.png: {w}x{h}, {:.1}% drawn, {colours} colours",
            100.0 * drawn
        );
        assert_eq!((w, h), (960, 540));
        assert!(
            drawn > 0.01 && drawn < 0.5,
            "{name}.png is blank or solid: {drawn}"
        );
        assert!(colours >= 4, "{name}.png has {colours} colours");
    }
    let report = std::fs::read_to_string(a.join("report.md")).unwrap();
    for part in [
        "## Lattice units",
        "## Key results",
        "![flow](plots/flow.png)",
        "llvmpipe",
        "MLUPS",
        "mean WSS",
    ] {
        assert!(report.contains(part), "report.md lacks {part}:\n{report}");
    }
    // embolus plot redraws them.
    std::fs::remove_dir_all(a.join("plots")).unwrap();
    let o = embolus().arg("plot").arg(&a).output().unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(a.join("plots/flow.png").exists());

    let c = dir.join("comparison");
    let o = embolus()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(&c)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("| mean WSS | Pa |"), "{stdout}");
    assert!(stdout.contains("fast − slow"), "{stdout}");
    let md = std::fs::read_to_string(c.join("compare.md")).unwrap();
    assert!(
        md.contains("inlet flow") && md.contains("![flow.png](flow.png)"),
        "{md}"
    );
    let (_, _, drawn, colours) = png_coverage(&c.join("flow.png"));
    assert!(drawn > 0.01 && colours >= 4);

    // A directory that is not a run is named in the error.
    let o = embolus().arg("compare").arg(&a).arg(&dir).output().unwrap();
    assert!(!o.status.success());
    assert!(text(&o).1.contains("metrics.csv"), "{}", text(&o).1);
}

#[test]
fn bad_scenario_exits_with_a_message_not_a_panic() {
    let dir = scratch("bad");
    let scene = scene(&dir, "steps = 10", "[outlet]\npresure = 0.0\n");
    let o = embolus().arg("run").arg(&scene).output().unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr.contains("unknown field `presure`"), "{stderr}");
    assert!(stderr.contains("scene.toml:13"), "{stderr}");
    assert!(stderr.contains("Fix:"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn bad_flags_are_rejected() {
    let o = embolus()
        .args(["run", "scenes/quickstart.toml", "--steps", "many"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("invalid value 'many'"));
    let o = embolus()
        .args(["run", "scenes/quickstart.toml", "--steps", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("--steps must be at least 1"));
    let o = embolus()
        .args(["--adapter", "no-such-gpu", "info"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o)
        .1
        .contains("no adapter name contains \"no-such-gpu\""));
}

#[test]
fn check_validates_without_a_gpu_run() {
    let o = embolus()
        .args(["check", "scenes/quickstart.toml"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("Reynolds number"));
    assert!(stdout.contains("ok: the scenario is valid"));
}

#[test]
fn info_reports_the_chosen_adapter_and_limits() {
    let o = embolus().arg("info").output().unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("chosen: "));
    assert!(stdout.contains("max storage buffer binding"));
}

/// One quick bench run writes its JSON and compares itself with a baseline file (a
/// reference at 1 MLUPS and 1 GB/s, tests/golden/bench-baseline.json).
#[test]
fn bench_writes_json_and_compares_with_a_baseline() {
    let dir = scratch("bench");
    let path = dir.join("bench.json");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bench-baseline.json");
    let o = embolus()
        .args(["bench", "--quick", "--sizes", "16"])
        .arg("--json")
        .arg(&path)
        .arg("--baseline")
        .arg(&baseline)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("MLUPS"));
    let report = json(&path);
    assert!(report["precision"].as_str().unwrap().starts_with("f32"));
    assert_eq!(report["cases"][0]["cells"], 4096);
    assert_eq!(report["cases"][0]["precision"], "f32");
    assert_eq!(report["cases"][0]["bytes_per_cell"], 156);
    // Every workgroup size of the sweep that the adapter allows, on the first box.
    let sweep = report["workgroup_sweep"].as_array().unwrap();
    assert!(sweep.len() >= 2, "{sweep:?}");
    assert!(sweep
        .iter()
        .all(|c| c["cells"] == 4096 && c["mlups"].as_f64().unwrap() > 0.0));
    assert!(stdout.contains("fastest"), "{stdout}");
    assert!(report["cases"][0]["mlups"].as_f64().unwrap() > 0.0);
    assert!(!report["adapter"]["name"].as_str().unwrap().is_empty());
    assert!(report["copy_bandwidth_gb_s"].as_f64().unwrap() > 0.0);
    assert!(report["render"][0]["frames_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(report["particles"].as_array().unwrap().len(), 3);
    assert_eq!(report["particles"][2]["settled"], 18_000);
    // A particle cost is given only where it stands out of the timing noise (whether
    // it does depends on the machine's load: not asserted).
    for p in report["particles"].as_array().unwrap() {
        assert_eq!(p["resolved"].as_bool().unwrap(), p["mpups"].is_f64(), "{p}");
        assert!(p["mpups"].as_f64().is_none_or(|r| r > 0.0), "{p}");
        assert!(p["added_noise_percent"].as_f64().unwrap() >= 0.0, "{p}");
    }
    assert!(report["cases"][0]["mlups_spread_percent"].as_f64().unwrap() >= 0.0);
    // The sparse tree with interpolated walls counts its wall-link table: more memory
    // per lumen cell than the same tree with halfway walls (issue 18).
    let per_lumen = |suffix: &str| {
        let cases = report["cases"].as_array().unwrap();
        let c = cases
            .iter()
            .find(|c| c["name"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("no case ending {suffix:?}"));
        c["memory_bytes"].as_f64().unwrap() / c["lumen_cells"].as_f64().unwrap()
    };
    let (halfway, interpolated) = (
        per_lumen("r4 sparse"),
        per_lumen("sparse interpolated walls"),
    );
    assert!(
        interpolated > halfway,
        "{interpolated} vs {halfway} B per lumen cell"
    );
    // The table grows with the wall: it adds less per lumen cell to the wider tree.
    let wide_extra = per_lumen("r6 sparse interpolated walls") - per_lumen("r6 sparse");
    assert!(
        wide_extra > 0.0 && wide_extra < interpolated - halfway,
        "the table adds {wide_extra} B per lumen cell at root radius 6 and {} at 4",
        interpolated - halfway
    );
    assert!(stdout.contains("% of it"), "{stdout}");

    // Against the baseline: a ratio per case in common (MLUPS over 1, so the ratio
    // is the speed itself).
    assert!(
        stdout.contains("against the baseline (a reference adapter"),
        "{stdout}"
    );
    let mlups = report["cases"][0]["mlups"].as_f64().unwrap();
    assert!(
        stdout.contains("dense box 16^3 [MLUPS]") && stdout.contains(&format!("x{mlups:.3}")),
        "{stdout}"
    );
    assert!(stdout.contains("copy bandwidth [GB/s]"), "{stdout}");
    // A file that is not a bench JSON is refused before any benchmark runs.
    let o = embolus()
        .args(["bench", "--quick", "--baseline"])
        .arg(dir.join("missing.json"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).1.contains("baseline"), "{}", text(&o).1);
}

/// With no usable adapter (here: asking for Metal on Linux) embolus says how to install
/// a Vulkan driver and exits non-zero.
#[cfg(target_os = "linux")]
#[test]
fn missing_adapter_explains_how_to_install_a_driver() {
    let o = embolus()
        .env("WGPU_BACKEND", "metal")
        .arg("info")
        .output()
        .unwrap();
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no GPU adapter found"), "{stderr}");
    assert!(stderr.contains("mesa-vulkan-drivers"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn geometry_command_writes_vti_and_png_for_a_real_vessel() {
    let dir = scratch("geometry");
    let o = embolus()
        .args(["geometry", "scenes/aorta_iliac.toml", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("opening   opening").count(), 3, "{stdout}");
    assert!(stdout.contains("opening1   inlet"), "{stdout}");
    let vti = std::fs::read(dir.join("geometry.vti")).unwrap();
    let header = String::from_utf8_lossy(&vti[..600]);
    assert!(
        header.contains("WholeExtent=\"0 141 0 316 0 95\""),
        "{header}"
    );
    let png = std::fs::read(dir.join("geometry.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    // Not blank: the preview holds lumen and opening colours besides the background.
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let pixels = &buf[..info.buffer_size()];
    let red = pixels.chunks(3).filter(|p| p == &[230, 60, 40]).count();
    let background = pixels.chunks(3).filter(|p| p == &[250, 250, 250]).count();
    assert!(red > 50, "inlet not marked");
    assert!(
        background < pixels.len() / 3 * 9 / 10,
        "preview mostly empty"
    );
}

#[test]
fn pulsatile_inflow_follows_its_waveform_with_a_cycle_column() {
    let dir = scratch("pulsatile");
    // dt = 5e-5 s at the waveform's peak factor 1.5... units scale with the peak, so
    // read dt from summary.json.
    let scene = scene(
        &dir,
        "steps = 1800\noutput_interval = 6.0e-4",
        "ramp_time = 0.0\n[inlet.waveform]\nkind = \"sine\"\nperiod = 0.02\namplitude = 0.5\n",
    );
    let out = dir.join("results");
    let csv = run_successfully(&scene, &out);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("time [s],step,cycle,inlet flow"));
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let nominal = std::f64::consts::PI * 5e-4f64.powi(2) * 0.05;
    let mut worst = 0.0f64;
    // After the first cycle: the impulsive start (ramp_time = 0) takes a while to settle.
    for r in rows.iter().filter(|r| r[2] >= 1.0) {
        let factor = 1.0 + 0.5 * (2.0 * std::f64::consts::PI * r[0] / 0.02).sin();
        worst = worst.max((r[3] / (nominal * factor) - 1.0).abs());
    }
    println!(
        "pulsatile inlet: worst deviation from the waveform {:.3}%",
        100.0 * worst
    );
    assert!(worst < 0.05, "inflow departs from the waveform by {worst}");
    let last_cycle = rows.last().unwrap()[2];
    let last_time = rows.last().unwrap()[0];
    assert_eq!(last_cycle, (last_time / 0.02 + 1e-6).floor());
    assert!(last_cycle >= 2.0);
    // The key metrics over the last full cycle (33.3 rows per period: its ends are
    // interpolated): the imposed mean, half-amplitude 0.5 and a sine's 90° phase.
    // Tolerances: 1% and 5% of the nominal flow, 3° (the measured inflow lags the
    // imposed one by the lattice's response, see the deviation above).
    let summary = json(&out.join("summary.json"));
    let c = &summary["last_cycle"];
    assert_eq!(c["cycle"].as_f64().unwrap(), last_cycle - 1.0, "{c}");
    let inlet = &c["openings"][0]["flow_m3_s"];
    let (mean, amplitude, phase) = (
        inlet["mean"].as_f64().unwrap(),
        inlet["amplitude"].as_f64().unwrap(),
        inlet["phase_deg"].as_f64().unwrap(),
    );
    println!(
        "last cycle: mean {:+.3}%, amplitude {:+.3}% of nominal, phase {phase:.2} deg",
        100.0 * (mean / nominal - 1.0),
        100.0 * (amplitude / (0.5 * nominal) - 1.0)
    );
    assert!((mean / nominal - 1.0).abs() < 0.01, "{inlet}");
    assert!((amplitude / (0.5 * nominal) - 1.0).abs() < 0.05, "{inlet}");
    assert!((phase - 90.0).abs() < 3.0, "{inlet}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("| inlet flow, cycle mean | "), "{report}");
    assert!(
        report.contains("over the last full inflow cycle"),
        "{report}"
    );
}

/// `embolus sweep`: a two-point sweep run here two at a time, collected into
/// sweep.csv and plots; running it again finds every point completed; a point that
/// is not a valid scenario stops the sweep before anything runs.
#[test]
fn a_sweep_runs_its_points_and_collects_them() {
    let dir = scratch("sweep");
    let base = scene(&dir, "steps = 60\noutput_interval = 1.0e-3", "");
    let sweep = dir.join("study.toml");
    std::fs::write(
        &sweep,
        "scenario = \"scene.toml\"\nset = [\"time.steps=40\"]\n\
         [[axis]]\nkey = \"inlet.mean_velocity\"\nvalues = [0.03, 0.05]\n",
    )
    .unwrap();
    let out = dir.join("study");
    // Run from the sweep's folder with a bare file name, as a user would.
    let sweep_here = || {
        embolus()
            .current_dir(&dir)
            .args(["sweep", "study.toml", "--jobs", "2", "--out"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = sweep_here();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0].starts_with("point,status,inlet.mean_velocity,"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("mean_velocity-0.03,completed,0.03,"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("mean_velocity-0.05,completed,0.05,"),
        "{csv}"
    );
    let point = std::fs::read_to_string(out.join("scenarios/mean_velocity-0.05.toml")).unwrap();
    assert!(
        point.contains("mean_velocity = 0.05") && point.contains("steps = 40"),
        "{point}"
    );
    let summary = json(&out.join("runs/mean_velocity-0.05/summary.json"));
    assert_eq!(summary["scenario"], "mean_velocity-0.05");
    assert_eq!(summary["steps"], 40);
    assert!(out
        .join("plots/inlet_flow_vs_inlet_mean_velocity.png")
        .exists());
    assert!(out.join("compare/compare.md").exists());
    assert!(base.exists());
    // Again: the points completed, so nothing runs and the table is the same.
    let o = sweep_here();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_eq!(std::fs::read_to_string(out.join("sweep.csv")).unwrap(), csv);
    let log = std::fs::read_to_string(out.join("logs/mean_velocity-0.03.log")).unwrap();
    assert!(log.contains("already completed"), "{log}");

    // Replicates: a seed axis gives each metric's mean and standard deviation over the
    // seeds (these runs have no particles, so the flows agree exactly: SD 0).
    std::fs::write(
        dir.join("seeds.toml"),
        "scenario = \"scene.toml\"\nset = [\"time.steps=20\"]\n\
         [[axis]]\nkey = \"particles.seed\"\nvalues = [1, 2]\n",
    )
    .unwrap();
    let o = embolus()
        .current_dir(&dir)
        .args(["sweep", "seeds.toml", "--jobs", "2", "--out", "seeds"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    let stats = std::fs::read_to_string(dir.join("seeds/sweep_stats.csv")).unwrap();
    let rows: Vec<Vec<&str>> = stats.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{stats}");
    assert_eq!(rows[1][0], "2", "two runs: {stats}");
    let sd = rows[0]
        .iter()
        .position(|h| *h == "inlet flow sd [m^3/s]")
        .unwrap();
    assert_eq!(rows[1][sd], "0e0", "{stats}");
    let report = std::fs::read_to_string(dir.join("seeds/sweep_stats.md")).unwrap();
    assert!(
        report.contains("## All runs (2 runs)") && report.contains("± 0 m^3/s |"),
        "{report}"
    );

    // A point the scenario refuses: named with the key, before anything runs.
    std::fs::write(
        &sweep,
        "scenario = \"scene.toml\"\n[[axis]]\nkey = \"inlet.mean_velocity\"\nvalues = [0.05, -1.0]\n",
    )
    .unwrap();
    let bad_out = dir.join("bad");
    let o = embolus()
        .arg("sweep")
        .arg(&sweep)
        .arg("--out")
        .arg(&bad_out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(!o.status.success(), "{stdout}");
    assert!(
        stderr.contains("sweep point mean_velocity--1")
            && stderr.contains("mean_velocity")
            && stderr.contains("Fix:"),
        "{stderr}"
    );
    assert!(!bad_out.join("runs").exists(), "nothing ran");
}

/// `[outlets.NAME] pressure_waveform`: the outlet holds p(t) = p (1 + ½ sin 2πt/T),
/// set on the GPU from the step schedule. With the plain (reflecting) outlet the
/// pressure over its cells is exactly the imposed one.
#[test]
fn outlet_pressure_follows_its_waveform() {
    let dir = scratch("outlet-waveform");
    let scene = scene(
        &dir,
        "steps = 600\noutput_interval = 5.0e-4",
        "ramp_time = 0.0\n[outlet]\nnon_reflecting = false\n\
         [outlets.outlet]\npressure = 10.0\n\
         [outlets.outlet.pressure_waveform]\nkind = \"sine\"\nperiod = 0.01\namplitude = 0.5\n",
    );
    let out = dir.join("results");
    let csv = run_successfully(&scene, &out);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "outlet pressure [Pa]")
        .unwrap();
    // A row at t = N dt shows the state after step N, whose boundary values are
    // taken at mid-step, t − dt/2 (as for the inlet).
    let dt = json(&out.join("summary.json"))["units"]["dt_s"]
        .as_f64()
        .unwrap();
    let mut worst = 0.0f64;
    for line in csv.lines().skip(2) {
        let r: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        let t = r[0] - 0.5 * dt;
        let expected = 10.0 * (1.0 + 0.5 * (2.0 * std::f64::consts::PI * t / 0.01).sin());
        worst = worst.max((r[column] - expected).abs());
    }
    println!("outlet pressure waveform: worst deviation {worst:.2e} Pa of 10 Pa");
    assert!(worst < 0.01, "outlet pressure departs by {worst} Pa");
}

/// `--set` changes keys for one run: the run follows the changed text and keeps it
/// in DIR/scenario.toml; `check` and `geometry` take it too; a bad override or a
/// value of the wrong type is refused with the key, a fix and the overrides named.
#[test]
fn set_overrides_change_a_run_and_bad_ones_are_refused() {
    let dir = scratch("set");
    let path = scene(&dir, "steps = 40", "");
    let out = dir.join("out");
    let o = embolus()
        .arg("run")
        .arg(&path)
        .args([
            "--set",
            "time.steps=6",
            "--set",
            "lbm.storage=dense",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_eq!(json(&out.join("summary.json"))["steps"], 6);
    assert_eq!(json(&out.join("summary.json"))["storage"], "dense");
    let kept = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(
        kept.contains("steps = 6") && kept.contains("storage = \"dense\""),
        "{kept}"
    );
    let check = |args: &[&str]| {
        let o = embolus()
            .arg("check")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        (o.status.success(), text(&o).1)
    };
    assert!(check(&["--set", "inlet.mean_velocity=0.02"]).0);
    let (ok, stderr) = check(&["--set", "time.steps=many"]);
    assert!(
        !ok && stderr.contains("invalid type") && stderr.contains("--set time.steps=many"),
        "{stderr}"
    );
    let (ok, stderr) = check(&["--set", "inlet.mean_velocity=-1"]);
    assert!(
        !ok && stderr.contains("[inlet.mean_velocity]") && stderr.contains("Fix:"),
        "{stderr}"
    );
    let (ok, stderr) = check(&["--set", "time.steps"]);
    assert!(!ok && stderr.contains("key.path=value"), "{stderr}");
    let o = embolus()
        .arg("geometry")
        .arg(&path)
        .args(["--set", "geometry.radius=3.0e-4", "--out"])
        .arg(dir.join("geometry"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);
    // The openings' radius follows the override (the file says 5.0e-4 m).
    let stdout = text(&o).0;
    let radius: f64 = stdout
        .split("radius ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(radius < 4.0e-4 && radius > 2.0e-4, "{stdout}");
}

/// `embolus render` options with fixed values are checked by the argument parser,
/// the frame limits by the same check as a scenario's [render], named by option.
#[test]
fn bad_render_options_name_the_option_and_the_fix() {
    let dir = scratch("render-options");
    let render = |args: &[&str]| {
        let o = embolus()
            .arg("render")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(!o.status.success());
        text(&o).1
    };
    let e = render(&["--camera", "drone"]);
    assert!(
        e.contains("drone") && e.contains("fixed") && e.contains("orbit"),
        "{e}"
    );
    let e = render(&["--width", "641", "--height", "360"]);
    assert!(
        e.contains("--width") && e.contains("even") && e.contains("Fix:"),
        "{e}"
    );
    let e = render(&["--supersample", "9"]);
    assert!(
        e.contains("--supersample") && e.contains("1 (off) to 4"),
        "{e}"
    );
}

/// A requeued batch task: `--resume-or-start DIR` starts the run, SIGTERM stops it
/// (checkpoint), the same command continues it, and once it has completed does
/// nothing. The final state is bitwise that of one uninterrupted run.
#[test]
fn resume_or_start_continues_a_stopped_run_bitwise() {
    let dir = scratch("resume-or-start");
    let scene = scene(&dir, "steps = 10000000\noutput_interval = 5e-4", "");
    let steps = "1500";
    let straight = dir.join("straight");
    let o = embolus()
        .arg("run")
        .arg(&scene)
        .args(["--steps", steps, "--out"])
        .arg(&straight)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o).1);

    let batch = dir.join("batch");
    let task = || {
        let mut c = embolus();
        c.arg("run")
            .arg(&scene)
            .args(["--steps", steps, "--resume-or-start"])
            .arg(&batch);
        c
    };
    let child = task()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_metrics_rows(&batch.join("metrics.csv"), 3);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o).1);
    let stopped_at = json(&batch.join("summary.json"))["steps"].as_u64().unwrap();
    assert!(stopped_at < 1500, "the run finished before the signal");

    // The requeued task continues from the checkpoint.
    let o = task().output().unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("resume    from step {stopped_at}")),
        "{stdout}"
    );
    let summary = json(&batch.join("summary.json"));
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["steps"], 1500);
    assert_eq!(summary["resumed_from_step"], stopped_at);
    let last_row = |d: &Path| {
        std::fs::read_to_string(d.join("metrics.csv"))
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        last_row(&straight),
        last_row(&batch),
        "final metrics differ"
    );
    let fields = |d: &Path| {
        let mut files: Vec<_> = std::fs::read_dir(d.join("fields"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        std::fs::read(files.last().unwrap()).unwrap()
    };
    assert!(
        fields(&straight) == fields(&batch),
        "final fields differ from the uninterrupted run"
    );

    // Once completed, a further requeue does nothing.
    let before = std::fs::read(batch.join("metrics.csv")).unwrap();
    let o = task().output().unwrap();
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("already completed"), "{stdout}");
    assert_eq!(std::fs::read(batch.join("metrics.csv")).unwrap(), before);
}

/// Every point of the shipped study (studies/*.toml) is a valid scenario.
#[test]
fn the_shipped_studies_check() {
    let dir = scratch("studies");
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/studies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let o = embolus()
                .arg("sweep")
                .arg(&path)
                .arg("--dry-run")
                .arg("--out")
                .arg(dir.join(path.file_stem().unwrap()))
                .output()
                .unwrap();
            let (stdout, stderr) = text(&o);
            assert!(o.status.success(), "{}: {stdout}\n{stderr}", path.display());
        }
    }
}

/// Flow / baseline compares the outlet flow with its value when the injection
/// began: an injection during the inflow ramp gets a note (the baseline was a
/// transient: 15x "before" at the end), a late one none (1.00x).
#[test]
fn an_injection_during_start_up_is_said_to_have_an_unsettled_baseline() {
    let dir = scratch("baseline");
    for (start, settled) in [("1.0e-3", false), ("2.0e-2", true)] {
        let scene = scene(
            &dir,
            "steps = 600\noutput_interval = 1.0e-3",
            &format!(
                "[[injections]]\nagent = \"beads_100_300\"\nstart = {start}\nduration = 2.0e-3\n\
                 count = 10\nopening = \"inlet\"\n"
            ),
        );
        let out = dir.join(format!("start-{start}"));
        let (stdout, _) = run_ok(&scene, &out);
        let summary = json(&out.join("summary.json"));
        let change = summary["particles"]["baseline_change"]["outlet"]
            .as_f64()
            .unwrap();
        let ratio = summary["particles"]["final_flow_over_baseline"]["outlet"]
            .as_f64()
            .unwrap();
        println!("injection at {start} s: baseline change {change:.4}, flow / baseline {ratio:.3}");
        let report = std::fs::read_to_string(out.join("report.md")).unwrap();
        if settled {
            assert!(
                change < 0.02 && (ratio - 1.0).abs() < 0.02,
                "{change} {ratio}"
            );
            assert!(!stdout.contains("still changing") && !report.contains("still changing"));
        } else {
            assert!(change > 0.5 && ratio > 2.0, "{change} {ratio}");
            assert!(
                stdout.contains("still changing when the injection began"),
                "{stdout}"
            );
            assert!(report.contains("start-up transient"), "{report}");
        }
    }
}

/// A NIfTI label map of 40³ voxels of 2 mm: label 1 in the block of voxels 5..35 on
/// each axis, label 2 (a tumour) in the block 17..23 within it.
fn liver_labels(path: &Path) {
    let mut bytes = common::nifti_u8_header([40; 3], 2.0);
    for n in 0..40 * 40 * 40 {
        let ijk = [n % 40, (n / 40) % 40, n / 1600];
        let within = |lo: usize, hi: usize| ijk.iter().all(|c| (lo..hi).contains(c));
        bytes.push(if within(17, 23) {
            2
        } else if within(5, 35) {
            1
        } else {
            0
        });
    }
    std::fs::write(path, bytes).unwrap();
}

/// Y-90 dosimetry end to end: 30 glass spheres released near a small pipe's axis all leave
/// through its outlet, whose territory (from a label map) then holds the whole liver
/// activity: the partition-model dose C · A · 2^(−t/T½) · (1 − LSF) / m, m the map's
/// mass, within 0.5%, the tumour at 4x the normal tissue's dose. The dose map spreads
/// that activity by the β kernel: dose.vti, dvh.csv (201 bins, from 100%) and
/// plots/dvh.png are written; report.md shows the dosimetry and dose-map tables.
#[test]
fn y90_spheres_deliver_the_partition_model_dose_to_their_territory() {
    let dir = scratch("dose");
    liver_labels(&dir.join("liver.nii"));
    let scene = scene(
        &dir,
        "steps = 2000\noutput_interval = 5.0e-3",
        "[[injections]]\nagent = \"y90_glass\"\nstart = 5.0e-3\nduration = 2.0e-3\ncount = 30\n\
         tip = [6.0e-4, 6.0e-4, 2.0e-4]\ncatheter_radius = 1.5e-4\n\
         [dosimetry]\nactivity = 3.0\nhours_to_treatment = 24.0\nlung_shunt_fraction = 0.1\n\
         [dosimetry.dose_map]\nlabel_map = \"liver.nii\"\n\
         [dosimetry.territories.outlet]\nlabel = 1\ntumour_label = 2\ntumour_to_normal = 4.0\n",
    );
    let out = dir.join("out");
    let (stdout, _) = run_ok(&scene, &out);
    let s = json(&out.join("summary.json"));
    let (p, d) = (&s["particles"], &s["dosimetry"]);
    assert_eq!(
        p["tally"]["exited"], 30,
        "every sphere left: {}",
        p["tally"]
    );
    let decay = d["decay_factor"].as_f64().unwrap();
    assert!(
        (decay / 0.5f64.powf(24.0 / 64.1) - 1.0).abs() < 1e-3,
        "{decay}"
    );
    // The map's mass: 30³ voxels of (2 mm)³ at 1,060 kg/m³.
    let t = &d["territories"][0];
    let mass = t["mass_kg"].as_f64().unwrap();
    assert!(
        (mass / (27_000.0 * 8e-9 * 1060.0) - 1.0).abs() < 1e-9,
        "{mass}"
    );
    let expected = 49.67 * 3.0 * 0.5f64.powf(24.0 / 64.1) * 0.9 / mass;
    let dose = t["mean_dose_gy"].as_f64().unwrap();
    println!("territory dose {dose:.3} Gy against {expected:.3} Gy");
    assert!(
        (dose / expected - 1.0).abs() < 0.005,
        "{dose} vs {expected}"
    );
    let (tumour, normal) = (
        t["tumour_dose_gy"].as_f64().unwrap(),
        t["normal_dose_gy"].as_f64().unwrap(),
    );
    assert!((tumour / normal - 4.0).abs() < 1e-9, "{tumour} / {normal}");
    // The dose map: its regions, the tumour's mean between the normal tissue's and
    // its partition dose (β energy leaves a 12 mm tumour), the activity all placed.
    let m = &d["dose_map"];
    let regions: Vec<&str> = m["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["outlet", "outlet tumour", "outlet normal"]);
    let mean = |k: usize| m["regions"][k]["mean_dose_gy"].as_f64().unwrap();
    println!("map: tumour {:.1} Gy, normal {:.1} Gy", mean(1), mean(2));
    assert!(
        mean(1) < tumour && mean(1) > 2.0 * mean(2),
        "{}",
        m["regions"]
    );
    let placed = m["activity_in_territories_gbq"].as_f64().unwrap();
    assert!(
        (placed / (3.0 * decay * 0.9) - 1.0).abs() < 1e-9,
        "{placed}"
    );
    assert!(
        stdout.contains("mean dose") && stdout.contains("dose map:"),
        "{stdout}"
    );
    // dose.vti: the 40³ grid of 2 mm over the image; its activity sums to the
    // territory's (tests/vtk_readback.rs reads a dose map back with VTK itself).
    let vti = embolus::io::vtk_read::read(&out.join("dose.vti")).unwrap();
    assert_eq!((vti.dims, vti.spacing), ([40; 3], 2e-3));
    let bq: f64 = vti.arrays["activity_Bq"].values.iter().sum();
    assert!((bq / (placed * 1e9) - 1.0).abs() < 1e-5, "{bq}");
    assert_eq!(
        vti.arrays["label"]
            .values
            .iter()
            .filter(|&&l| l == 2.0)
            .count(),
        216
    );
    let dvh = std::fs::read_to_string(out.join("dvh.csv")).unwrap();
    let rows: Vec<&str> = dvh.lines().collect();
    assert_eq!(rows.len(), 202, "a header and 201 dose bins");
    assert!(rows[0].starts_with("dose [Gy],outlet volume [%],outlet tumour volume [%]"));
    assert!(
        rows[1].starts_with("0.000000e0,100.0000,100.0000"),
        "{}",
        rows[1]
    );
    let png = std::fs::read(out.join("plots/dvh.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("## Dosimetry (Y-90, partition model)")
            && report.contains("| outlet | ")
            && report.contains("### Dose map (β transport)")
            && report.contains("| outlet tumour | "),
        "{report}"
    );
}
