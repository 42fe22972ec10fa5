//! Checkpoint and restart through the library's run loop (as `embolus run` and
//! `embolus run --resume` do): a run stopped half-way and resumed ends in bitwise the
//! same state, metrics and files as one run straight through; damaged, truncated or
//! foreign checkpoints are refused with a clear message and touch no result.

use crate::common;

use embolus::io::checkpoint::{self, CheckpointError};
use embolus::scenario::LoadedScenario;
use embolus::sim::run::{load_for_resume, run, ResumeError, RunConfig, RunSummary};
use std::path::{Path, PathBuf};

const SCENARIO: &str = common::EVERY_STATE_SCENARIO;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embolus-ckpt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn scenario_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run_to(loaded: &LoadedScenario, out: &Path, steps: u64, resume: bool) -> RunSummary {
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let (mut loaded, checkpoint) = if resume {
        let (l, c) = load_for_resume(out, None).unwrap_or_else(|e| panic!("{e}"));
        (l, Some(c))
    } else {
        (loaded.clone(), None)
    };
    loaded.steps = steps;
    let mut config = RunConfig::new(out.to_path_buf());
    config.resume = checkpoint;
    config.checkpoint_at_end = true;
    run(&ctx, &loaded, &config, &mut ()).unwrap_or_else(|e| panic!("{e}"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                files_under(&p)
            } else {
                vec![p]
            }
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_resumed_run_is_bitwise_the_run_straight_through() {
    resumed_run_matches(&format!("{SCENARIO}[lbm]\nin_place = false\n"), "", 150);
}

/// The same with one population set updated in place (the default): the checkpoint holds that
/// set in the layout of the step it was taken at (odd here), and the resumed run
/// continues with the right parity. The walls are interpolated, so the checkpoint
/// also carries the wall-link table's copies of the populations leaving the wall,
/// which the in-place step keeps there (src/lbm/wall_links.rs).
#[test]
fn a_resumed_in_place_run_is_bitwise_the_run_straight_through() {
    resumed_run_matches(
        &format!("{SCENARIO}[lbm]\nin_place = true\nwalls = \"interpolated\"\n"),
        "-aa",
        151,
    );
}

/// Runs straight to step 300 and stopped at `stop` then resumed to 300; compares
/// every checkpoint section and result file. (With two sets the stop is even: the
/// set not saved holds the last values of cells closed by occlusion, which nothing
/// reads but which make the raw section differ after an odd stop.)
fn resumed_run_matches(text: &str, tag: &str, stop: u64) {
    let straight = scratch(&format!("straight{tag}"));
    let split = scratch(&format!("split{tag}"));
    let path = scenario_file(&straight, text);
    let loaded = LoadedScenario::load(&path).unwrap_or_else(|e| panic!("{e}"));

    let a = run_to(&loaded, &straight, 300, false);
    let half = run_to(&loaded, &split, stop, false);
    assert_eq!(half.steps, stop);
    let b = run_to(&loaded, &split, 300, true);
    assert_eq!(b.resumed_from_step, Some(stop));

    let p = a.particles.as_ref().unwrap();
    println!(
        "straight: {} injected, {} lodged, {} occluded cells, {} field outputs; WSS mean {:.4} Pa, TAWSS {:?}",
        p.tally.injected,
        p.tally.lodged,
        p.occluded_cells,
        a.field_outputs,
        a.wall_shear.as_ref().unwrap().mean_wss_pa,
        a.wall_shear.as_ref().unwrap().mean_tawss_pa
    );
    assert!(
        p.tally.lodged > 0 && p.occluded_cells > 0,
        "the test needs occlusion"
    );
    assert_eq!(
        a.particles.as_ref().unwrap().tally,
        b.particles.as_ref().unwrap().tally
    );

    // The final states, section by section.
    let ca = checkpoint::read(&straight.join(checkpoint::FILE_NAME)).unwrap();
    let cb = checkpoint::read(&split.join(checkpoint::FILE_NAME)).unwrap();
    assert_eq!(ca.header.step, 300);
    assert_eq!(
        ca.header
            .sections
            .iter()
            .any(|s| s.name == "lattice.wall_links"),
        text.contains("interpolated"),
        "a wall-link section exactly when the walls are interpolated"
    );
    assert_eq!(ca.header.sections, cb.header.sections);
    for (info, (x, y)) in ca
        .header
        .sections
        .iter()
        .zip(ca.sections.iter().zip(&cb.sections))
    {
        assert!(x == y, "section {} differs after resuming", info.name);
    }
    // Every result file but the checkpoint, the summary (wall times) and the scenario.
    let fa = files_under(&straight);
    let fb = files_under(&split);
    let names = |v: &[PathBuf], root: &Path| -> Vec<PathBuf> {
        v.iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect()
    };
    let skip = [
        "checkpoint.bin",
        "summary.json",
        "scenario.toml",
        "report.md",
    ];
    let kept: Vec<PathBuf> = names(&fa, &straight)
        .into_iter()
        .filter(|p| {
            !skip.iter().any(|s| p.ends_with(s)) && p.extension().is_none_or(|e| e != "png")
        })
        .collect();
    assert!(kept.iter().any(|p| p.ends_with("metrics.csv")));
    assert!(kept.iter().any(|p| p.starts_with("fields")));
    assert!(kept.iter().any(|p| p.starts_with("particles")));
    assert_eq!(
        kept.iter()
            .filter(|p| names(&fb, &split).contains(p))
            .count(),
        kept.len(),
        "the same files"
    );
    for rel in &kept {
        let x = std::fs::read(straight.join(rel)).unwrap();
        let y = std::fs::read(split.join(rel)).unwrap();
        assert!(x == y, "{} differs after resuming", rel.display());
    }
}

#[test]
fn damaged_or_foreign_checkpoints_are_refused_and_touch_no_result() {
    let dir = scratch("damaged");
    let path = scenario_file(&dir, SCENARIO);
    let loaded = LoadedScenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    run_to(&loaded, &dir, 60, false);
    let ck = dir.join(checkpoint::FILE_NAME);
    let good = std::fs::read(&ck).unwrap();
    let metrics = std::fs::read(dir.join("metrics.csv")).unwrap();
    let refuse = |expect: &str| -> String {
        match load_for_resume(&dir, None) {
            Ok(_) => panic!("a {expect} checkpoint was accepted"),
            Err(e) => {
                let text = e.to_string();
                assert!(text.contains("Fix:"), "no fix in: {text}");
                assert_eq!(std::fs::read(dir.join("metrics.csv")).unwrap(), metrics);
                text
            }
        }
    };

    // A flipped byte in the middle (population data).
    let mut flipped = good.clone();
    let k = good.len() / 2;
    flipped[k] ^= 0x40;
    std::fs::write(&ck, &flipped).unwrap();
    assert!(refuse("corrupt").contains("corrupt"));
    // Cut short, as by a full disk.
    std::fs::write(&ck, &good[..good.len() * 2 / 3]).unwrap();
    assert!(refuse("truncated").contains("truncated"));
    // Not a checkpoint at all.
    std::fs::write(&ck, SCENARIO).unwrap();
    assert!(refuse("foreign").contains("not an embolus checkpoint"));
    // Missing.
    std::fs::remove_file(&ck).unwrap();
    assert!(refuse("missing").contains("no checkpoint"));
    // Intact, but the scenario changed since.
    std::fs::write(&ck, &good).unwrap();
    let edited = scenario_file(
        &dir,
        &SCENARIO.replace("amplitude = 0.5", "amplitude = 0.4"),
    );
    match load_for_resume(&dir, Some(&edited)) {
        Err(ResumeError::Checkpoint(CheckpointError::Mismatch { problem, .. })) => {
            assert!(problem.contains("changed"), "{problem}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a checkpoint of another scenario was accepted"),
    }
    // The intact checkpoint with its own scenario still resumes.
    assert!(load_for_resume(&dir, None).is_ok());
}
