//! `embolus plot DIR` and `embolus compare DIR...`: plots and reports from saved
//! results.

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct PlotArgs {
    /// Results directory of `embolus run`.
    dir: PathBuf,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Two or more results directories; differences are taken from the first.
    #[arg(num_args = 2.., required = true)]
    dirs: Vec<PathBuf>,
    /// Where the plots and compare.md go [default: results/compare].
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn plot(args: PlotArgs) -> Result<ExitCode> {
    let (plots, report) =
        embolus::results::plot_and_report(&args.dir).map_err(anyhow::Error::msg)?;
    for p in &plots {
        println!("wrote {}", p.display());
    }
    println!("wrote {}", report.display());
    Ok(ExitCode::SUCCESS)
}

pub fn compare(args: CompareArgs) -> Result<ExitCode> {
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join("compare"));
    let (table, files) = embolus::results::compare(&args.dirs, &out).map_err(anyhow::Error::msg)?;
    println!("{table}");
    for f in &files {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
