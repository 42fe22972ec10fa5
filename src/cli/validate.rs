//! `embolus validate`: the validation cases against analytic solutions and
//! published data, a table on stdout, a report with plots.

use anyhow::{Context, Result};
use embolus::gpu::GpuContext;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The reduced set that fits CI (about a minute on a CPU).
    #[arg(long)]
    quick: bool,
    /// Run only these cases (repeat or comma-separate): shear-wave,
    /// plane-poiseuille, pipe-poiseuille, womersley, wall-shear, curved-walls,
    /// particle-drag, fda-nozzle, outlets, cavity.
    #[arg(long, value_delimiter = ',')]
    case: Vec<String>,
    /// Where validation.md, validation-plots/ and validation.json go (`--out docs`
    /// regenerates docs/validation.md).
    #[arg(long, default_value = "results/validation")]
    out: PathBuf,
}

pub fn validate(args: ValidateArgs, adapter: Option<&str>) -> Result<ExitCode> {
    let (quick, only, out) = (args.quick, &args.case, &args.out);
    use embolus::validation::report::{case_names, run_suite, write_report};
    let names = case_names();
    if let Some(bad) = only.iter().find(|n| !names.contains(&n.as_str())) {
        anyhow::bail!(
            "--case {bad:?} is not a validation case\n  Fix: use one of {}",
            names.join(", ")
        );
    }
    let ctx = GpuContext::new(adapter)?;
    println!(
        "validating on {} ({:?}){}",
        ctx.adapter_info.name,
        ctx.adapter_info.backend,
        if quick { ", quick set" } else { "" }
    );
    let results = run_suite(&ctx, quick, only, &mut |name, result| match result {
        None => println!("{name} ..."),
        Some(r) => {
            for c in &r.checks {
                println!(
                    "  {:<4} {:<72} {:>10}  (tolerance {})",
                    if c.passed() { "ok" } else { "FAIL" },
                    c.label,
                    c.show(c.measured),
                    c.show(c.limit).trim_start_matches('+')
                );
            }
            if let Some(e) = &r.error {
                println!("  FAIL could not run: {e}");
            }
            if let Some(why) = &r.skipped {
                println!("  not run: {why}");
            }
            if let Some(note) = &r.note {
                println!("  {note}");
            }
            println!("  {:.1} s", r.seconds);
        }
    });
    let report = write_report(out, &results, quick, &ctx)
        .with_context(|| format!("writing the validation report into {}", out.display()))?;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.name)
        .collect();
    println!("wrote {}", report.display());
    let not_run: Vec<&str> = results
        .iter()
        .filter(|r| r.skipped.is_some())
        .map(|r| r.name)
        .collect();
    if failed.is_empty() {
        let ran = results.len() - not_run.len();
        if not_run.is_empty() {
            println!("all {ran} cases passed");
        } else {
            println!(
                "all {ran} cases run passed (not run: {})",
                not_run.join(", ")
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!("FAILED: {}", failed.join(", "));
        Ok(ExitCode::from(1))
    }
}
