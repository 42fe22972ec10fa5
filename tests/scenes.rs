//! Every scene in scenes/ runs: each is checked as shipped and then run for a few
//! steps through the command line, as a user would start it, so that none rots when
//! the code changes (the full runs are in the scene files' comments and docs/). The
//! three largest grids (the FDA nozzle's 3.2e7 cells, the pulsatile hepatic and
//! renal trees' 1.1e7) run their few steps twice as coarse (`--set`, τ kept), and
//! rendering scenes draw a small frame, which CI can afford; `check` still voxelizes
//! them as shipped.

use std::path::Path;
use std::process::Command;

/// The `--set` overrides a scene's smoke run takes: the largest grids run twice as
/// coarse (the nozzle, whose throat is at the Mach limit, with the regularized
/// operator for its τ of 0.505; the pulsatile scenes, at the Mach limit too, with
/// half the inflow, τ kept); scenes that render draw
/// their frame at 320 × 180 without supersampling (a 1280 × 720 frame at the default
/// 2 × 2 samples takes about a minute on lavapipe; the renderer is the same at every
/// size); every scene writes its fields at every second cell
/// (the aorta's full-grid output alone took 2.8 s).
fn coarse(name: &str, text: &str) -> Vec<&'static str> {
    let set = |pairs: &[&'static str]| -> Vec<&'static str> {
        pairs.iter().flat_map(|p| ["--set", *p]).collect()
    };
    let mut overrides = match name {
        // The largest grids at twice their voxel size: a smoke run checks that the
        // scene loads and steps, not its resolution (`embolus check` sees it as shipped).
        "aorta_iliac" => set(&["grid.voxel_size=5.0e-4"]),
        "fda_nozzle" => set(&["grid.voxel_size=4.0e-4", "lbm.collision=regularized"]),
        "hepatic_pulsatile" => set(&["grid.voxel_size=1.08e-4", "inlet.flow_rate=4.0e-6"]),
        "renal_pulsatile" => set(&["grid.voxel_size=1.14e-4", "inlet.flow_rate=4.585e-6"]),
        _ => vec![],
    };
    overrides.extend(set(&["fields.stride=2"]));
    if text.lines().any(|l| l.trim() == "[render]") {
        overrides.extend(set(&[
            "render.width=320",
            "render.height=180",
            "render.supersample=1",
        ]));
    }
    overrides
}

#[test]
fn every_scene_checks_and_runs_a_few_steps() {
    let scenes = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut names: Vec<_> = std::fs::read_dir(&scenes)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "the scene library: {names:?}");
    let out = std::env::temp_dir().join(format!("embolus-scenes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    // Two scenes at a time: most of a smoke run is compiling its kernels, which
    // lavapipe does on one core.
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(scene) = names.get(k) else { break };
                check_and_run(scene, &out);
            });
        }
    });
}

/// `embolus check` on the scene as shipped, then 3 steps of `embolus run` with the
/// smoke-run overrides; both succeed and the run writes its summary and report.
fn check_and_run(scene: &Path, out: &Path) {
    let name = scene.file_stem().unwrap().to_string_lossy().into_owned();
    let started = std::time::Instant::now();
    let check = Command::new(env!("CARGO_BIN_EXE_embolus"))
        .arg("check")
        .arg(scene)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{name} does not check:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_embolus"))
        .arg("run")
        .arg(scene)
        .args(["--steps", "3", "--out"])
        .arg(out.join(&name))
        .args(coarse(&name, &std::fs::read_to_string(scene).unwrap()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "{name} failed:\n{}\n{stderr}",
        String::from_utf8_lossy(&o.stdout)
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(&name).join("summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["status"], "completed", "{name}");
    assert_eq!(summary["steps"], 3, "{name}");
    assert!(out.join(&name).join("report.md").exists(), "{name}");
    println!(
        "{name}: 3 steps in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(out.join(&name));
}
