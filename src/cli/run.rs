//! `embolus run SCENE`: a scenario run with a live progress bar (plain lines in a
//! batch log), a clean stop on Ctrl-C, SIGTERM or SIGUSR1 (checkpoint and results
//! kept), the end-of-run summary, plots and report.

use super::describe::{describe, describe_outputs};
use super::{EXIT_DIVERGED, EXIT_INTERRUPTED};
use anyhow::Result;
use embolus::gpu::GpuContext;
use embolus::io::report::readable;
use embolus::scenario::LoadedScenario;
use embolus::sim::run::{self, Progress, RunConfig, RunObserver, RunStatus, RunSummary};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML), e.g. scenes/quickstart.toml; with --resume, the
    /// scenario kept in the checkpoint is used when this is left out.
    #[arg(required_unless_present = "resume")]
    scene: Option<PathBuf>,
    /// Results directory [default: results/<scenario name>].
    #[arg(long, conflicts_with = "resume")]
    out: Option<PathBuf>,
    /// Stop after this many steps instead of the scenario's duration.
    #[arg(long)]
    steps: Option<u64>,
    /// Also write a checkpoint at the end of the run, to extend it later with
    /// `--resume DIR --steps N` (checkpoints are written on Ctrl-C and at
    /// [checkpoint] intervals in any case).
    #[arg(long)]
    checkpoint: bool,
    /// Continue the run whose results are in DIR from its checkpoint.
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// For requeued batch jobs: continue the run in DIR from its checkpoint when it
    /// has one (the scenario kept in the checkpoint is used), start SCENE there when
    /// it has none, and do nothing when the run there already completed.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["resume", "out"])]
    resume_or_start: Option<PathBuf>,
    /// Change a key of the scenario for this run: --set time.duration=0.5 (TOML values;
    /// a bare word is a string). Repeatable; the changed text is what the results keep.
    #[arg(long = "set", value_name = "KEY=VALUE", conflicts_with = "resume")]
    set: Vec<embolus::scenario::Override>,
    /// When stderr is not a terminal (a batch job's log), print a plain progress line
    /// (step, simulated time, MLUPS, ETA) every this many seconds of wall time.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = positive_seconds)]
    progress_every: f64,
}

/// Whether DIR holds the summary of a run that completed.
fn completed(dir: &Path) -> bool {
    embolus::io::report::read_summary(dir).is_ok_and(|s| s["status"] == "completed")
}

/// A progress interval: a finite number of seconds above zero.
fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(s),
        _ => Err(format!(
            "{text:?} is not a number of seconds above 0 (e.g. --progress-every 30)"
        )),
    }
}

/// Applies `--steps`: the run stops there; outputs stay at their steps.
fn with_steps(mut loaded: LoadedScenario, steps: Option<u64>) -> Result<LoadedScenario> {
    if let Some(n) = steps {
        loaded
            .stop_after(n)
            .map_err(|_| anyhow::anyhow!("--steps must be at least 1"))?;
    }
    Ok(loaded)
}

/// The progress of a run: a live bar on a terminal; in a batch log (stderr not a
/// terminal, where the bar draws nothing) a plain line every `every` seconds.
struct Bar {
    bar: ProgressBar,
    lines: Option<BatchLines>,
}

/// Plain progress lines for a log: when the last was printed and how often.
struct BatchLines {
    every: std::time::Duration,
    last: std::time::Instant,
    started: std::time::Instant,
}

impl Bar {
    fn new(steps: u64, every_s: f64) -> Self {
        let bar = ProgressBar::new(steps);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30.cyan/blue} step {pos}/{len}  {msg}  elapsed {elapsed}  ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        let now = std::time::Instant::now();
        let lines = (!std::io::stderr().is_terminal()).then(|| BatchLines {
            every: std::time::Duration::from_secs_f64(every_s),
            last: now,
            started: now,
        });
        Bar { bar, lines }
    }

    fn finish(&self) {
        self.bar.finish();
    }
}

impl RunObserver for Bar {
    fn progress(&mut self, p: &Progress) {
        self.bar.set_position(p.step);
        let particles = p
            .particles
            .map(|(injected, lodged)| format!("  particles {injected} injected, {lodged} lodged"))
            .unwrap_or_default();
        let message = format!(
            "t = {} s  {:.1} MLUPS{particles}",
            readable(p.simulated_time_s),
            p.mlups
        );
        if let Some(lines) = &mut self.lines {
            let now = std::time::Instant::now();
            if now.duration_since(lines.last) >= lines.every || p.step == p.total_steps {
                lines.last = now;
                eprintln!(
                    "progress  step {}/{}  {message}  elapsed {}  ETA {}",
                    p.step,
                    p.total_steps,
                    wall_time(now.duration_since(lines.started).as_secs_f64()),
                    eta(now.duration_since(lines.started).as_secs_f64(), p)
                );
            }
        }
        self.bar.set_message(message);
    }
}

/// Wall time as h:mm:ss.
fn wall_time(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Time left at the rate so far; "?" before the first step.
fn eta(elapsed_s: f64, p: &Progress) -> String {
    if p.step == 0 {
        return "?".into();
    }
    let left = p.total_steps.saturating_sub(p.step) as f64;
    wall_time(elapsed_s * left / p.step as f64)
}

pub fn run(args: RunArgs, adapter: Option<&str>) -> Result<ExitCode> {
    let scene = args.scene.as_deref();
    if let Some(dir) = &args.resume_or_start {
        if completed(dir) {
            println!(
                "the run in {} already completed; nothing to do",
                dir.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
    }
    let resume = args.resume.clone().or_else(|| {
        args.resume_or_start
            .clone()
            .filter(|d| d.join(embolus::io::checkpoint::FILE_NAME).exists())
    });
    let (loaded, checkpoint, out_dir) = match &resume {
        Some(dir) => {
            let (loaded, ck) = run::load_for_resume(dir, scene)?;
            (loaded, Some(ck), dir.clone())
        }
        None => {
            let scene = scene.expect("clap requires SCENE without --resume");
            let loaded = LoadedScenario::load_with(scene, &args.set)?;
            let out_dir = args
                .out
                .clone()
                .or_else(|| args.resume_or_start.clone())
                .unwrap_or_else(|| PathBuf::from("results").join(loaded.name()));
            (loaded, None, out_dir)
        }
    };
    let loaded = with_steps(loaded, args.steps)?;
    describe(&loaded);
    describe_outputs(&loaded);
    if let Some(ck) = &checkpoint {
        println!(
            "resume    from step {} (t = {} s) of {}",
            ck.header.step,
            readable(ck.header.time_s),
            out_dir.join(embolus::io::checkpoint::FILE_NAME).display()
        );
    }
    let ctx = GpuContext::new(adapter)?;
    println!(
        "adapter   {} ({:?}, {:?})",
        ctx.adapter_info.name, ctx.adapter_info.backend, ctx.adapter_info.device_type
    );
    let mut loaded = loaded;
    let binding = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size);
    if let Some(stride) = loaded.fields.fit_binding(binding) {
        println!(
            "note      fields are written every {stride} cells along each axis to fit this adapter's {} MiB storage binding; set [fields] stride, region_min/region_max to choose",
            binding >> 20
        );
    }
    let loaded = loaded;
    println!("results   {}", out_dir.display());

    let stop = super::signals::stop_flag()?;
    let mut observer = Bar::new(loaded.steps, args.progress_every);
    let config = RunConfig {
        out_dir: out_dir.clone(),
        stop,
        resume: checkpoint,
        checkpoint_at_end: args.checkpoint,
    };
    let result = run::run(&ctx, &loaded, &config, &mut observer);
    observer.finish();
    let summary = result?;
    print_summary(&summary, &loaded, &out_dir);
    match embolus::results::plot_and_report(&out_dir) {
        Ok((plots, report)) => println!(
            "wrote {} plot(s) in {}/plots and {}",
            plots.len(),
            out_dir.display(),
            report.display()
        ),
        Err(e) => eprintln!("warning: plots and report not written: {e}"),
    }
    if let Some(c) = &summary.checkpoint {
        println!(
            "checkpoint {c}: continue with `embolus run --resume {}`",
            out_dir.display()
        );
    }
    Ok(exit_status(&summary, &out_dir))
}

/// The end-of-run lines: flows and pressures, particles, wall shear, files.
fn print_summary(summary: &RunSummary, loaded: &LoadedScenario, out_dir: &Path) {
    let voxels = &loaded.voxels;
    println!(
        "{:?}: {} steps, {} s simulated in {} s wall time, {:.1} MLUPS",
        summary.status,
        summary.steps,
        readable(summary.simulated_time_s),
        readable(summary.wall_time_s),
        summary.mlups
    );
    if summary.status == RunStatus::Completed && summary.steps < summary.steps_planned {
        println!(
            "  stopped at stasis (stop_at = \"stasis\"), {} of {} steps",
            summary.steps, summary.steps_planned
        );
    }
    if let Some(m) = &summary.final_metrics {
        for (k, o) in voxels.openings.iter().enumerate() {
            println!(
                "  {:<8} flow {} m^3/s  pressure {} Pa",
                o.name,
                readable(m.flow_m3_s[k] + 0.0),
                readable(m.pressure_pa[k] + 0.0)
            );
        }
        println!(
            "  max speed {} m/s, mass drift {:.2e}",
            readable(m.max_speed_m_s),
            m.mass_drift
        );
    }
    if let Some(c) = &summary.last_cycle {
        println!(
            "  over the last full inflow cycle ({}, t = {} to {} s): mean / amplitude / peak / phase",
            c.cycle,
            readable(c.start_s),
            readable(c.end_s)
        );
        for o in &c.openings {
            let (q, p) = (&o.flow_m3_s, &o.pressure_pa);
            println!(
                "  {:<8} flow {} / {} / {} m^3/s / {}°  pressure {} / {} / {} Pa / {}°",
                o.name,
                readable(q.mean),
                readable(q.amplitude),
                readable(q.peak),
                readable(q.phase_deg),
                readable(p.mean),
                readable(p.amplitude),
                readable(p.peak),
                readable(p.phase_deg)
            );
        }
    }
    if let Some(p) = &summary.particles {
        let t = &p.tally;
        println!(
            "  particles: {} injected, {} free, {} lodged, {} stuck to walls, {} exited; {} cells occluded",
            t.injected, t.free, t.lodged, t.stuck, t.exited, p.occluded_cells
        );
        for (name, fraction) in &p.exited_volume_fraction {
            let lodged = voxels
                .openings
                .iter()
                .position(|o| &o.name == name)
                .map_or(0, |k| t.lodged_by_branch[k]);
            let ratio = p.final_flow_over_baseline[name];
            let flow_now = if ratio.is_finite() {
                format!("flow now {ratio:.2} x its value before injection")
            } else {
                "flow not compared: no baseline (the first release came before the flows were measured; release later to get one)".into()
            };
            println!(
                "  {name:<8} {lodged} lodged in its branch; {:.1}% of the injected volume left here; {flow_now}{}",
                100.0 * fraction,
                p.time_to_occlusion_s[name]
                    .map(|t| format!("; occluded {} s after the first release", readable(t)))
                    .unwrap_or_default()
            );
        }
    }
    if let Some(p) = &summary.particles {
        if let Some(ratio) = p.final_inflow_over_baseline {
            println!(
                "  inflow now {} x its value before injection{}",
                readable(ratio),
                p.time_to_stasis_s
                    .map(|t| format!(
                        "; stasis (below 5%) {} s after the first release",
                        readable(t)
                    ))
                    .unwrap_or_default()
            );
        }
        unsettled_baseline_note(&p.baseline_change);
        if let Some(d) = &p.delivery {
            print_delivery(d);
        }
    }
    if let Some(d) = &summary.dosimetry {
        println!(
            "  Y-90: {} GBq at treatment ({} GBq to the lungs); {}% of the spheres in the territories, {}% in the vessels, {}% still moving",
            readable(d.activity_at_treatment_gbq),
            readable(d.lung_shunt_activity_gbq),
            readable(100.0 * d.in_territories_fraction),
            readable(100.0 * d.in_vessels_fraction),
            readable(100.0 * d.in_transit_fraction)
        );
        if let (Some(t), Some(n), Some(r)) = (
            d.tumour_dose_gy,
            d.normal_tissue_dose_gy,
            d.tumour_to_normal_dose_ratio,
        ) {
            println!(
                "  tumour {} Gy, normal tissue of the territories {} Gy: tumour-to-normal dose ratio {}",
                readable(t),
                readable(n),
                readable(r)
            );
        }
        for t in &d.territories {
            let tumour = match (t.tumour_dose_gy, t.normal_dose_gy) {
                (Some(a), Some(b)) => format!(
                    "; tumour {} Gy, normal tissue {} Gy",
                    readable(a),
                    readable(b)
                ),
                _ => String::new(),
            };
            println!(
                "  {:<8} territory {} kg: {} GBq, mean dose {} Gy{tumour}",
                t.outlet,
                readable(t.mass_kg),
                readable(t.activity_gbq),
                readable(t.mean_dose_gy)
            );
        }
        if let Some(m) = &d.dose_map {
            dose_map_lines(m);
        }
    }
    if let Some(w) = &summary.wall_shear {
        println!(
            "  wall shear stress: mean {} Pa, max {} Pa over {} wall cells{}",
            readable(w.mean_wss_pa),
            readable(w.max_wss_pa),
            w.wall_cells,
            match (w.mean_tawss_pa, w.mean_osi) {
                (Some(t), Some(o)) => format!(
                    "; time-averaged {} Pa, OSI {} ({} samples from t = {} s)",
                    readable(t),
                    readable(o),
                    w.samples,
                    readable(w.averaged_from_s)
                ),
                _ => String::new(),
            }
        );
        for b in &w.by_branch {
            println!(
                "  {:<8} branch: WSS mean {} Pa, max {} Pa over {} wall cells{}",
                b.branch,
                readable(b.mean_wss_pa),
                readable(b.max_wss_pa),
                b.wall_cells,
                b.mean_tawss_pa
                    .map(|t| format!("; TAWSS {} Pa", readable(t)))
                    .unwrap_or_default()
            );
        }
    }
    println!(
        "wrote {}/metrics.csv, summary.json{}",
        out_dir.display(),
        if summary.field_outputs > 0 {
            format!(", fields.pvd ({} outputs)", summary.field_outputs)
        } else {
            String::new()
        }
    );
    if let Some(r) = &summary.render {
        println!(
            "rendered {} frame(s), {:.2} s each, into {}/render{}",
            r.frames,
            r.seconds_per_frame,
            out_dir.display(),
            r.video
                .as_ref()
                .map(|v| format!("; video {v}"))
                .unwrap_or_default()
        );
    }
}

/// A note when an outlet's flow was still changing as the injection began.
fn unsettled_baseline_note(change: &std::collections::BTreeMap<String, f64>) {
    let unsettled =
        embolus::io::report::unsettled_outlets(change.iter().map(|(n, c)| (n.as_str(), *c)));
    if !unsettled.is_empty() {
        println!(
            "  note: the outlet flows were still changing when the injection began ({unsettled} over the last output interval), so flow / baseline compares with a start-up transient; start the injection later (after the inflow ramp and a few transit times)"
        );
    }
}

/// The exit status of a run, with the divergence report on stderr.
fn exit_status(summary: &RunSummary, out_dir: &Path) -> ExitCode {
    match summary.status {
        RunStatus::Completed => ExitCode::SUCCESS,
        RunStatus::Interrupted => {
            eprintln!("interrupted: results so far are in {}", out_dir.display());
            ExitCode::from(EXIT_INTERRUPTED)
        }
        RunStatus::Diverged => {
            let d = summary
                .divergence
                .as_ref()
                .expect("diverged runs carry a report");
            eprintln!(
                "error: the simulation diverged at step {} (t = {:.4e} s): {} at cell {:?}{}, position ({:.3e}, {:.3e}, {:.3e}) m.\n  Likely cause: {}.\n  Results up to that step are in {}.",
                d.step,
                d.time_s,
                d.speed_m_s.map(|s| format!("speed {s:.3e} m/s")).unwrap_or_else(|| "NaN velocity".into()),
                d.cell,
                d.lumen_diameter_m
                    .map(|l| format!(" (lumen ~{l:.3e} m across)"))
                    .unwrap_or_default(),
                d.position_m[0],
                d.position_m[1],
                d.position_m[2],
                d.likely_cause,
                out_dir.display()
            );
            ExitCode::from(EXIT_DIVERGED)
        }
    }
}

/// The dose map's lines at the end of a run: its grid and files, then each region.
fn dose_map_lines(m: &embolus::dosimetry::map::DoseMapSummary) {
    println!(
        "  dose map: {} x {} x {} voxels of {} mm with the β kernel -> dose.vti, dvh.csv, plots/dvh.png",
        m.dims[0],
        m.dims[1],
        m.dims[2],
        readable(m.voxel_m * 1e3)
    );
    for g in &m.regions {
        println!(
            "  {:<14} mean {} Gy, D70 {} Gy, V100 {}%, max {} Gy",
            g.region,
            readable(g.mean_dose_gy),
            readable(g.d70_gy),
            readable(100.0 * g.v100),
            readable(g.max_dose_gy)
        );
    }
}

/// Reflux past the catheter tip and the target / non-target split.
fn print_delivery(d: &embolus::sim::reflux::Delivery) {
    if let (Some(n), Some(f)) = (d.refluxed, d.refluxed_fraction) {
        println!(
            "  reflux: {n} particles ({:.1}% of those injected) went back past the catheter tip",
            100.0 * f
        );
    }
    if let (Some(q), Some(f)) = (d.peak_backflow_m3_s, d.backflow_fraction) {
        println!(
            "  backflow past the tip while injecting: {:.1}% of the injection flow on average, at most {} m^3/s",
            100.0 * f,
            readable(q),
        );
    }
    if let (Some(to), Some(non), Some(f)) = (d.to_target, d.non_target, d.target_fraction) {
        let elsewhere: Vec<String> = d
            .non_target_by_branch
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(name, n)| format!("{n} to {name}"))
            .collect();
        println!(
            "  target: {to} particles ({:.1}% of those injected) reached the target branches; {non} non-target{}",
            100.0 * f,
            if elsewhere.is_empty() { String::new() } else { format!(" ({})", elsewhere.join(", ")) }
        );
    }
}
