//! Every scene in scenes/ runs: each is checked and then run for a few steps through
//! the command line, as a user would start it, so that none rots when the code
//! changes (the full runs are in the scene files' comments and docs/).

use std::path::Path;
use std::process::Command;

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
    for scene in &names {
        let name = scene.file_stem().unwrap().to_string_lossy().into_owned();
        let started = std::time::Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_embolus"))
            .arg("run")
            .arg(scene)
            .args(["--steps", "3", "--out"])
            .arg(out.join(&name))
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
}
