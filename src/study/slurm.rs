//! The Slurm job array of a sweep: OUT/sweep.slurm runs one point per array task with
//! `embolus run SCENARIO --resume-or-start DIR`, so a requeued or resubmitted task
//! continues from its checkpoint and a completed point does nothing. Slurm's warning
//! signal (USR1, `--signal=B:USR1@S`) reaches embolus itself (the script `exec`s it),
//! which writes a checkpoint and exits before the time limit.

use super::points::{SweepRecord, RECORD};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What the job array asks of the cluster.
#[derive(Clone, Debug)]
pub struct SlurmOptions {
    /// `--partition`, when the cluster wants one named.
    pub partition: Option<String>,
    /// Wall-time limit per point, as Slurm writes it (e.g. "04:00:00").
    pub time: String,
    /// GPUs per point (`--gres=gpu:N`); 0 asks for none (CPU or software Vulkan).
    pub gpus: u32,
    /// At most this many points at once (the array's `%` throttle).
    pub throttle: Option<u32>,
    /// Seconds before the time limit at which Slurm sends USR1 (checkpoint and stop).
    pub warning_s: u32,
    /// Further `#SBATCH` options, written as given (e.g. "--account=lab").
    pub extra: Vec<String>,
    /// The embolus executable the tasks run.
    pub embolus: PathBuf,
}

/// A word quoted for bash.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The job-array script of a sweep written in `out` (an absolute path).
pub fn script(record: &SweepRecord, out: &Path, o: &SlurmOptions) -> String {
    let n = record.points.len();
    let mut s = String::from("#!/bin/bash\n");
    let _ = writeln!(
        s,
        "# Slurm job array of the embolus sweep {:?}: one array task per point ({n} points).",
        record.name
    );
    let _ = writeln!(s, "# Submit:  sbatch {}", out.join("sweep.slurm").display());
    let _ = writeln!(
        s,
        "# A task stopped by its time limit or requeued continues from its checkpoint when it runs\n\
         # again (submit the script again); points that completed do nothing.\n\
         # Collect: embolus sweep --collect {}",
        out.display()
    );
    let _ = writeln!(s, "#SBATCH --job-name={}", record.name);
    let throttle = o.throttle.map(|t| format!("%{t}")).unwrap_or_default();
    let _ = writeln!(s, "#SBATCH --array=0-{}{throttle}", n.saturating_sub(1));
    let _ = writeln!(
        s,
        "#SBATCH --output={}",
        out.join("logs").join("%a.log").display()
    );
    let _ = writeln!(s, "#SBATCH --open-mode=append");
    let _ = writeln!(s, "#SBATCH --ntasks=1");
    let _ = writeln!(s, "#SBATCH --time={}", o.time);
    if let Some(p) = &o.partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    if o.gpus > 0 {
        let _ = writeln!(s, "#SBATCH --gres=gpu:{}", o.gpus);
    }
    let _ = writeln!(s, "#SBATCH --requeue");
    let _ = writeln!(s, "#SBATCH --signal=B:USR1@{}", o.warning_s);
    for e in &o.extra {
        let _ = writeln!(s, "#SBATCH {e}");
    }
    let _ = writeln!(s, "set -euo pipefail");
    let _ = writeln!(s, "cd {}", quoted(&out.display().to_string()));
    let _ = writeln!(s, "# Point names by array index (also in {RECORD}).");
    let _ = writeln!(s, "points=(");
    for p in &record.points {
        let _ = writeln!(s, "  {}", quoted(&p.name));
    }
    let _ = writeln!(s, ")");
    let _ = writeln!(s, "point=\"${{points[$SLURM_ARRAY_TASK_ID]}}\"");
    let _ = writeln!(
        s,
        "echo \"embolus sweep {}: point $SLURM_ARRAY_TASK_ID ($point), job ${{SLURM_JOB_ID:-?}} on $(hostname)\"",
        record.name
    );
    let _ = writeln!(
        s,
        "exec {} run \"scenarios/$point.toml\" --resume-or-start \"runs/$point\" --progress-every 60",
        quoted(&o.embolus.display().to_string())
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::spec::Point;

    #[test]
    fn the_script_names_every_point_and_asks_for_what_was_given() {
        let record = SweepRecord {
            name: "beads".into(),
            sweep_file: "/s/beads.toml".into(),
            base_scenario: "/s/q.toml".into(),
            keys: vec!["a.b".into()],
            points: (0..3)
                .map(|k| Point {
                    index: k,
                    name: format!("b-{k}"),
                    values: vec![("a.b".into(), k.to_string())],
                })
                .collect(),
        };
        let o = SlurmOptions {
            partition: Some("gpu".into()),
            time: "01:30:00".into(),
            gpus: 1,
            throttle: Some(2),
            warning_s: 90,
            extra: vec!["--account=lab".into()],
            embolus: "/opt/it's/embolus".into(),
        };
        let s = script(&record, Path::new("/r/beads"), &o);
        for line in [
            "#SBATCH --array=0-2%2",
            "#SBATCH --output=/r/beads/logs/%a.log",
            "#SBATCH --time=01:30:00",
            "#SBATCH --partition=gpu",
            "#SBATCH --gres=gpu:1",
            "#SBATCH --signal=B:USR1@90",
            "#SBATCH --account=lab",
            "  'b-2'",
            "exec '/opt/it'\\''s/embolus' run \"scenarios/$point.toml\" --resume-or-start \"runs/$point\"",
        ] {
            assert!(s.contains(line), "missing {line:?} in\n{s}");
        }
        let o = SlurmOptions {
            gpus: 0,
            partition: None,
            throttle: None,
            ..o
        };
        let s = script(&record, Path::new("/r/beads"), &o);
        assert!(s.contains("#SBATCH --array=0-2\n"), "{s}");
        assert!(!s.contains("--gres") && !s.contains("--partition"), "{s}");
    }
}
