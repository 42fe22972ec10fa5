//! Running the suite and writing its report: validation.md (one table per case, its
//! plots, how each ran), validation-plots/*.png and validation.json. `embolus
//! validate --out docs` writes docs/validation.md this way.

use super::suite::{cases, Check};
use crate::gpu::GpuContext;
use crate::render::plot::{write_png, Chart};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The report's file name in the output folder.
pub const REPORT_FILE: &str = "validation.md";
/// The plots' folder beside it.
pub const PLOTS_DIR: &str = "validation-plots";

/// The report's last section: where the other automated checks are listed.
const OTHER_CHECKS: &str = "## Other checks\n\nThe cargo tests (`cargo test --release`) \
check much more with tolerances written in each test: the GPU step against the CPU \
reference, mass conservation, rheology models, inflow profiles and waveforms, \
non-reflecting outlets, geometry and STL/NIfTI input, particle forces and lodging, \
occlusion, checkpoints, result files, f16/sparse/in-place storage. Their figures are \
kept in docs/test-checks.md of the source tree.\n";

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
    /// How the case ran (resolution and why), for the report.
    pub note: Option<String>,
    /// Why the case was not run (quick set, …): it does not count as failed.
    pub skipped: Option<String>,
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
        let (out, error) = match (case.run)(ctx, quick) {
            Ok(out) => (out, None),
            Err(e) => (Default::default(), Some(e.to_string())),
        };
        let result = CaseResult {
            name: case.name,
            title: case.title,
            reference: case.reference,
            checks: out.checks,
            seconds: start.elapsed().as_secs_f64(),
            error,
            note: out.note,
            skipped: out.skipped,
            charts: out.charts,
        };
        progress(case.name, Some(&result));
        results.push(result);
    }
    results
}

/// Writes validation.md, validation-plots/ and validation.json into `dir`; returns the
/// report path.
pub fn write_report(
    dir: &Path,
    results: &[CaseResult],
    quick: bool,
    ctx: &GpuContext,
) -> anyhow::Result<PathBuf> {
    let plots = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&plots)?;
    let adapter = ctx.summary();
    let mut md = String::new();
    let ran: Vec<&CaseResult> = results.iter().filter(|r| r.skipped.is_none()).collect();
    let passed = ran.iter().filter(|r| r.passed()).count();
    let not_run: Vec<&str> = results
        .iter()
        .filter(|r| r.skipped.is_some())
        .map(|r| r.name)
        .collect();
    let _ = writeln!(
        md,
        "# Validation report\n\nWritten by `embolus validate{}` (embolus {}) on {} ({}, {}), \
         storage f32, TRT unless stated. **{passed} of {} cases passed.**{} Each check \
         passes when |measured| is below its tolerance.\n",
        if quick { " --quick" } else { "" },
        env!("CARGO_PKG_VERSION"),
        adapter.name,
        adapter.backend,
        adapter.device_type,
        ran.len(),
        if not_run.is_empty() {
            String::new()
        } else {
            format!(" Not run: {}.", not_run.join(", "))
        }
    );
    for r in results {
        let verdict = match (&r.skipped, r.passed()) {
            (Some(_), _) => "not run",
            (None, true) => "passed",
            (None, false) => "FAILED",
        };
        let _ = writeln!(
            md,
            "## {} — {}\n\nReference: {}. Run time {:.1} s. **{verdict}**\n",
            r.name, r.title, r.reference, r.seconds,
        );
        if let Some(why) = &r.skipped {
            let _ = writeln!(md, "Not run: {why}.\n");
        }
        if let Some(note) = &r.note {
            let _ = writeln!(md, "{note}\n");
        }
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
            let _ = writeln!(md, "![{}]({PLOTS_DIR}/{stem}.png)\n", chart.title);
        }
    }
    md.push_str(OTHER_CHECKS);
    let path = dir.join(REPORT_FILE);
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
