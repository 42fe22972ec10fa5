//! The `embolus` command line: argument definitions and dispatch. Each command lives
//! in src/cli/<command>.rs and calls the library; all physics lives in the library.

mod cli;

use clap::{Parser, Subcommand};
use embolus::gpu::context::ADAPTER_ENV;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "embolus",
    version,
    about = "GPU lattice-Boltzmann hemodynamics for endovascular embolization"
)]
struct Cli {
    /// Use the first GPU adapter whose name contains this text (see `embolus info`).
    #[arg(long, global = true, env = ADAPTER_ENV)]
    adapter: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: metrics.csv, fields (fields.pvd), particles, plots, report.md
    /// and summary.json in the results directory.
    Run(cli::run::RunArgs),
    /// Validate a scenario and print its lattice units, without touching the GPU.
    Check(cli::check::CheckArgs),
    /// Voxelize a scenario's vessel: print its openings, write geometry.vti (cell
    /// kinds, opening ids, wall distance, lumen radius) and a PNG preview.
    Geometry(cli::geometry::GeometryArgs),
    /// Render frames and a video from a run's saved fields and particles (one frame
    /// per field output; set [fields] interval for a video).
    Render(cli::render::RenderArgs),
    /// Redraw the plots (DIR/plots/*.png) and DIR/report.md of a results directory.
    Plot(cli::results::PlotArgs),
    /// Compare runs: overlaid plots and a table of the differences of their key
    /// metrics (flows, WSS, particle fate, time to occlusion, speed).
    Compare(cli::results::CompareArgs),
    /// List GPU adapters, the one embolus would choose and the limits that matter.
    Info,
    /// Measure lattice updates per second on standard cases.
    Bench(cli::bench::BenchArgs),
    /// Parameter studies: expand SWEEP.toml into one scenario per point and run them
    /// here (--jobs) or as a Slurm job array (--slurm); --collect gathers sweep.csv
    /// and plots of each metric against each axis.
    Sweep(cli::sweep::SweepArgs),
    /// Run the validation cases against analytic solutions and published data; exit
    /// status 1 when a check misses its tolerance.
    Validate(cli::validate::ValidateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let adapter = cli.adapter.as_deref();
    let result = match cli.command {
        Command::Run(args) => cli::run::run(args, adapter),
        Command::Check(args) => cli::check::check(args),
        Command::Geometry(args) => cli::geometry::geometry(args),
        Command::Render(args) => cli::render::render(args, adapter),
        Command::Plot(args) => cli::results::plot(args),
        Command::Compare(args) => cli::results::compare(args),
        Command::Info => cli::info::info(adapter),
        Command::Bench(args) => cli::bench::bench(args, adapter),
        Command::Sweep(args) => cli::sweep::sweep(args, adapter),
        Command::Validate(args) => cli::validate::validate(args, adapter),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
