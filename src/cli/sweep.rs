//! `embolus sweep SWEEP.toml`: writes one scenario per point of the sweep (each
//! checked), then runs them here (`--jobs N`, each an `embolus run` with its log in
//! OUT/logs) and collects, or writes a Slurm job-array script (`--slurm`);
//! `embolus sweep --collect OUT` gathers sweep.csv and the plots.

use super::signals::stop_flag;
use super::{EXIT_DIVERGED, EXIT_INTERRUPTED};
use anyhow::{Context, Result};
use embolus::study::points::{self, run_dir, scenario_path, SweepRecord};
use embolus::study::slurm::{script, SlurmOptions};
use embolus::study::spec::{Point, Sweep};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Sweep file (TOML): a base scenario and the axes to vary (docs/studies.md).
    #[arg(required_unless_present = "collect")]
    sweep: Option<PathBuf>,
    /// Folder for the points' scenarios, runs, logs and sweep.csv
    /// [default: results/<sweep name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run this many points at once on this machine.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    jobs: u32,
    /// Spread the points over these adapters (names as `embolus info` lists them,
    /// comma-separated): point k runs on the (k mod n)-th.
    #[arg(long, value_delimiter = ',')]
    adapters: Vec<String>,
    /// Write the points and a Slurm job-array script, OUT/sweep.slurm, instead of
    /// running them here.
    #[arg(long)]
    slurm: bool,
    /// Slurm partition for the job array.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Slurm time limit per point (HH:MM:SS or D-HH:MM:SS).
    #[arg(long, default_value = "04:00:00", value_parser = slurm_time)]
    time: String,
    /// GPUs per point on the cluster (0: none).
    #[arg(long, default_value_t = 1)]
    gpus: u32,
    /// Run at most this many points at once on the cluster (the array's % limit).
    #[arg(long, requires = "slurm")]
    throttle: Option<u32>,
    /// A further #SBATCH option for the script, e.g. --sbatch=--account=lab (repeatable).
    #[arg(long = "sbatch", value_name = "OPTION", allow_hyphen_values = true)]
    sbatch: Vec<String>,
    /// Write and check the points' scenarios only; run nothing.
    #[arg(long, conflicts_with = "slurm")]
    dry_run: bool,
    /// Gather the results of the sweep in DIR: DIR/sweep.csv, DIR/plots, DIR/compare.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["sweep", "out", "slurm", "dry_run"])]
    collect: Option<PathBuf>,
}

/// A Slurm time limit: digits, ':' and '-'.
fn slurm_time(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
        && text.chars().next().is_some_and(|c| c.is_ascii_digit());
    if ok {
        Ok(text.into())
    } else {
        Err(format!(
            "{text:?} is not a Slurm time limit (e.g. --time 04:00:00 or --time 1-12:00:00)"
        ))
    }
}

pub fn sweep(args: SweepArgs, adapter: Option<&str>) -> Result<ExitCode> {
    if let Some(dir) = &args.collect {
        return collect(dir);
    }
    let file = args
        .sweep
        .as_deref()
        .expect("clap requires SWEEP without --collect");
    let sweep = Sweep::load(file)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&sweep.name));
    let n = sweep.points().len();
    println!(
        "sweep     {} ({n} point{} over {}) on {}",
        sweep.name,
        if n == 1 { "" } else { "s" },
        sweep.keys().join(", "),
        sweep.base.display()
    );
    let record = points::write(&sweep, &out, |p| {
        if n <= 20 || p.index % (n / 10).max(1) == 0 {
            println!("check     point {}/{n}: {}", p.index + 1, p.name);
        }
    })
    .map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(out.join("logs")).context("creating the logs folder")?;
    println!(
        "wrote     {} scenarios in {} and {}",
        n,
        out.join("scenarios").display(),
        out.join(points::RECORD).display()
    );
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if args.slurm {
        return write_slurm(&args, &record, &out);
    }
    run_here(&args, &record, &out, adapter)
}

fn write_slurm(args: &SweepArgs, record: &SweepRecord, out: &Path) -> Result<ExitCode> {
    let out = std::fs::canonicalize(out).context("resolving the output folder")?;
    let options = SlurmOptions {
        partition: args.partition.clone(),
        time: args.time.clone(),
        gpus: args.gpus,
        throttle: args.throttle,
        warning_s: 120,
        extra: args.sbatch.clone(),
        embolus: std::env::current_exe()
            .and_then(std::fs::canonicalize)
            .context("locating the embolus executable for the script")?,
    };
    let path = out.join("sweep.slurm");
    std::fs::write(&path, script(record, &out, &options))
        .with_context(|| format!("writing {}", path.display()))?;
    println!("wrote     {}", path.display());
    println!("submit    sbatch {}", path.display());
    println!("collect   embolus sweep --collect {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// A point running here.
struct Running {
    child: Child,
    point: Point,
    started: Instant,
}

/// How a point's run ended, from its exit status.
fn outcome(code: Option<i32>) -> &'static str {
    match code {
        Some(0) => "completed",
        Some(c) if c == EXIT_DIVERGED as i32 => "diverged",
        Some(c) if c == EXIT_INTERRUPTED as i32 => "interrupted",
        _ => "failed",
    }
}

/// Starts `embolus run` for one point, its output in OUT/logs/<point>.log.
fn start(out: &Path, point: &Point, adapter: Option<&str>) -> Result<Child> {
    let log_path = out.join("logs").join(format!("{}.log", point.name));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut cmd = Command::new(std::env::current_exe().context("locating embolus")?);
    if let Some(a) = adapter {
        cmd.arg("--adapter").arg(a);
    }
    cmd.arg("run")
        .arg(scenario_path(out, point))
        .arg("--resume-or-start")
        .arg(run_dir(out, point))
        .args(["--progress-every", "30"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // A group of its own: Ctrl-C reaches this process alone, which passes one stop
    // on to each run (a second would make a run exit without its checkpoint).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.spawn().context("starting embolus run")
}

/// Asks a run to stop cleanly (SIGTERM: checkpoint and results kept).
fn ask_to_stop(child: &mut Child) {
    #[cfg(unix)]
    // SAFETY: kill(2) on a child we started and have not yet waited for.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    #[cfg(not(unix))]
    let _ = child.kill();
}

fn run_here(
    args: &SweepArgs,
    record: &SweepRecord,
    out: &Path,
    adapter: Option<&str>,
) -> Result<ExitCode> {
    let stop = stop_flag()?;
    let n = record.points.len();
    let mut queue = record.points.iter();
    let mut running: Vec<Running> = Vec::new();
    let mut ended: Vec<(String, &'static str)> = Vec::new();
    let mut stopping = false;
    loop {
        let stop_now = stop.load(Ordering::SeqCst);
        if stop_now && !stopping {
            stopping = true;
            running.iter_mut().for_each(|r| ask_to_stop(&mut r.child));
        }
        while !stopping && running.len() < args.jobs as usize {
            let Some(point) = queue.next() else { break };
            let chosen = match args.adapters.len() {
                0 => adapter.map(String::from),
                k => Some(args.adapters[point.index % k].clone()),
            };
            let child = start(out, point, chosen.as_deref())?;
            println!(
                "start     [{}/{n}] {}{}",
                point.index + 1,
                point.name,
                chosen.map(|a| format!(" on {a}")).unwrap_or_default()
            );
            running.push(Running {
                child,
                point: point.clone(),
                started: Instant::now(),
            });
        }
        if running.is_empty() {
            break;
        }
        let mut k = 0;
        while k < running.len() {
            if let Some(status) = running[k].child.try_wait()? {
                let r = running.remove(k);
                let how = outcome(status.code());
                println!(
                    "{how:<9} [{}/{n}] {} after {:.1} s (log {})",
                    r.point.index + 1,
                    r.point.name,
                    r.started.elapsed().as_secs_f64(),
                    out.join("logs")
                        .join(format!("{}.log", r.point.name))
                        .display()
                );
                ended.push((r.point.name, how));
            } else {
                k += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let code = collect(out)?;
    let not_completed: Vec<String> = ended
        .iter()
        .filter(|(_, how)| *how != "completed")
        .map(|(name, how)| format!("{name} ({how})"))
        .collect();
    if stopping {
        eprintln!(
            "interrupted: {} of {n} points ran; run the same command again to continue (completed points are skipped, stopped ones resume)",
            ended.len()
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }
    if !not_completed.is_empty() {
        eprintln!(
            "error: {} of {n} points did not complete: {}\n  Their logs are in {}",
            not_completed.len(),
            not_completed.join(", "),
            out.join("logs").display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(code)
}

fn collect(dir: &Path) -> Result<ExitCode> {
    let c = embolus::study::collect::collect(dir).map_err(anyhow::Error::msg)?;
    let missing: Vec<&str> = c
        .table
        .rows
        .iter()
        .filter(|r| r.status == "not run")
        .map(|r| r.point.as_str())
        .collect();
    println!(
        "wrote     {} ({} points, {} metrics) and {} plot(s) in {}",
        c.csv.display(),
        c.table.rows.len(),
        c.table.metrics.len(),
        c.plots.len(),
        dir.join("plots").display()
    );
    if let Some(stats) = &c.stats {
        println!(
            "wrote     {} (mean and standard deviation of every metric over the seeds)",
            stats.display()
        );
    }
    if let Some(report) = &c.stats_report {
        println!(
            "wrote     {} (the same as mean ± SD tables)",
            report.display()
        );
    }
    if let Some(md) = &c.compare {
        println!("wrote     {}", md.display());
    }
    if !missing.is_empty() {
        eprintln!(
            "note: {} point(s) have no results yet: {}",
            missing.len(),
            missing.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
