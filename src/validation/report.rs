//! Running the suite and writing its report: report.md (one table per case, its
//! plots, the cases not in the suite), plots/*.png and validation.json.

use super::suite::{cases, Check, NOT_IN_SUITE};
use crate::gpu::GpuContext;
use crate::render::plot::{write_png, Chart};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One case as run.
#[derive(serde::Serialize)]
pub struct CaseResult {
    pub name: &'static str,
    pub title: &'static str,
    pub reference: &'static str,
    pub checks: Vec<Check>,
    pub seconds: f64,
    /// Set when the case could not run (a GPU error): it counts as failed.
    pub error: Option<String>,
    #[serde(skip)]
    pub charts: Vec<(String, Chart)>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.checks.iter().all(Check::passed)
    }
}

/// The names of every case, for messages.
pub fn case_names() -> Vec<&'static str> {
    cases().iter().map(|c| c.name).collect()
}

/// Runs the cases named in `only` (all when empty), quick or full; `progress` hears
/// each case's name before it starts and its result after.
pub fn run_suite(
    ctx: &GpuContext,
    quick: bool,
    only: &[String],
    progress: &mut dyn FnMut(&str, Option<&CaseResult>),
) -> Vec<CaseResult> {
    let mut results = Vec::new();
    for case in cases() {
        if !only.is_empty() && !only.iter().any(|n| n == case.name) {
            continue;
        }
        progress(case.name, None);
        let start = Instant::now();
        let (checks, charts, error) = match (case.run)(ctx, quick) {
            Ok(out) => (out.checks, out.charts, None),
            Err(e) => (vec![], vec![], Some(e.to_string())),
        };
        let result = CaseResult {
            name: case.name,
            title: case.title,
            reference: case.reference,
            checks,
            seconds: start.elapsed().as_secs_f64(),
            error,
            charts,
        };
        progress(case.name, Some(&result));
        results.push(result);
    }
    results
}

/// Writes report.md, plots/ and validation.json into `dir`; returns the report path.
pub fn write_report(
    dir: &Path,
    results: &[CaseResult],
    quick: bool,
    ctx: &GpuContext,
) -> anyhow::Result<PathBuf> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)?;
    let adapter = ctx.summary();
    let mut md = String::new();
    let passed = results.iter().filter(|r| r.passed()).count();
    let _ = writeln!(
        md,
        "# Validation report\n\nWritten by `embolus validate{}` (embolus {}) on {} ({}, {}), \
         storage f32, TRT unless stated. **{passed} of {} cases passed.** Each check \
         passes when |measured| is below its tolerance.\n",
        if quick { " --quick" } else { "" },
        env!("CARGO_PKG_VERSION"),
        adapter.name,
        adapter.backend,
        adapter.device_type,
        results.len()
    );
    for r in results {
        let _ = writeln!(
            md,
            "## {} — {}\n\nReference: {}. Run time {:.1} s. **{}**\n",
            r.name,
            r.title,
            r.reference,
            r.seconds,
            if r.passed() { "passed" } else { "FAILED" }
        );
        if let Some(e) = &r.error {
            let _ = writeln!(md, "The case could not run: {e}\n");
        }
        if !r.checks.is_empty() {
            md.push_str("| check | measured | tolerance | result |\n|---|---|---|---|\n");
            for c in &r.checks {
                let _ = writeln!(
                    md,
                    "| {} | {} | < {} | {} |",
                    c.label.replace('|', "\\|"),
                    c.show(c.measured),
                    c.show(c.limit).trim_start_matches('+'),
                    if c.passed() { "pass" } else { "**fail**" }
                );
            }
            md.push('\n');
        }
        for (stem, chart) in &r.charts {
            let file = plots.join(format!("{stem}.png"));
            write_png(chart, 960, 540, &file)?;
            let _ = writeln!(md, "![{}](plots/{stem}.png)\n", chart.title);
        }
    }
    md.push_str("## Not in the suite yet\n\n");
    for (what, covered) in NOT_IN_SUITE {
        let _ = writeln!(md, "- {what}: {covered}");
    }
    let path = dir.join("report.md");
    std::fs::write(&path, md)?;
    crate::io::summary::write_json(
        &dir.join("validation.json"),
        &serde_json::json!({
            "embolus_version": env!("CARGO_PKG_VERSION"),
            "quick": quick,
            "adapter": adapter,
            "cases": results,
        }),
    )?;
    Ok(path)
}
