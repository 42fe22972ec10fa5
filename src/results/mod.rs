//! A results directory after a run: its plots (plots/*.png) and report.md, redrawn by
//! `embolus plot DIR`, and the comparison of several runs (`embolus compare`).

pub mod cycle;

use crate::io::metrics::MetricsTable;
use crate::io::report::{comparison_table, read_summary, write_report};
use crate::render::run_plots::{write_plots, LabelledRun};
use std::path::{Path, PathBuf};

fn read_metrics(dir: &Path) -> Result<MetricsTable, String> {
    let path = dir.join("metrics.csv");
    MetricsTable::read(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}\n  Fix: give a results directory written by `embolus run`",
            path.display()
        )
    })
}

/// Draws DIR/plots/*.png from metrics.csv and writes DIR/report.md; returns the plots
/// and the report's path.
pub fn plot_and_report(dir: &Path) -> Result<(Vec<PathBuf>, PathBuf), String> {
    let table = read_metrics(dir)?;
    let summary = read_summary(dir)?;
    let runs = [LabelledRun {
        label: String::new(),
        table: &table,
    }];
    let plots = write_plots(&runs, &dir.join("plots")).map_err(|e| e.to_string())?;
    let report = write_report(dir, &summary, &plots)
        .map_err(|e| format!("cannot write {}/report.md: {e}", dir.display()))?;
    Ok((plots, report))
}

/// Labels for runs: their directory names, made unique with their parents if needed.
pub fn run_labels(dirs: &[PathBuf]) -> Vec<String> {
    let name = |d: &Path, depth: usize| -> String {
        let parts: Vec<String> = d
            .components()
            .rev()
            .take(depth)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.into_iter().rev().collect::<Vec<_>>().join("/")
    };
    for depth in 1..4 {
        let labels: Vec<String> = dirs.iter().map(|d| name(d, depth)).collect();
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        if unique.len() == labels.len() {
            return labels;
        }
    }
    (0..dirs.len()).map(|k| format!("run {}", k + 1)).collect()
}

/// Compares runs: overlaid plots and compare.md (the key-metric table) in `out`.
/// Returns the table and the files written.
pub fn compare(dirs: &[PathBuf], out: &Path) -> Result<(String, Vec<PathBuf>), String> {
    let labels = run_labels(dirs);
    let tables = dirs
        .iter()
        .map(|d| read_metrics(d))
        .collect::<Result<Vec<_>, _>>()?;
    let summaries = dirs
        .iter()
        .map(|d| read_summary(d))
        .collect::<Result<Vec<_>, _>>()?;
    let runs: Vec<LabelledRun> = labels
        .iter()
        .zip(&tables)
        .map(|(l, t)| LabelledRun {
            label: l.clone(),
            table: t,
        })
        .collect();
    let mut files = write_plots(&runs, out).map_err(|e| e.to_string())?;
    let table = comparison_table(&labels, &summaries);
    let mut md = String::from("# Comparison\n\nRuns:\n\n");
    for (l, d) in labels.iter().zip(dirs) {
        md += &format!("- **{l}**: `{}`\n", d.display());
    }
    md += "\nKey metrics at the end of each run (flows and pressures of pulsatile runs over their \
           last full inflow cycle), and each run's difference from the first:\n\n";
    md += &table;
    md += "\n## Plots (one colour per run)\n\n";
    for f in &files {
        let rel = f.strip_prefix(out).unwrap_or(f);
        md += &format!("![{}]({})\n\n", rel.display(), rel.display());
    }
    let path = out.join("compare.md");
    std::fs::write(&path, md).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    files.push(path);
    Ok((table, files))
}
