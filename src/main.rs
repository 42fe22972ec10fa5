//! The `embolus` command line: argument parsing, progress display and exit codes.
//! All physics lives in the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use embolus::geometry;
use embolus::gpu::context::{list_adapters, select_adapter, ADAPTER_ENV};
use embolus::gpu::GpuContext;
use embolus::scenario::LoadedScenario;
use embolus::sim::lattice_gpu::memory_bytes;
use embolus::sim::runner::{self, Progress, RunConfig, RunObserver, RunStatus};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Exit code of a run that diverged (2 is taken by usage errors).
const EXIT_DIVERGED: u8 = 3;
/// Exit code of a run stopped by Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

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
    Run {
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
    },
    /// Validate a scenario and print its lattice units, without touching the GPU.
    Check { scene: PathBuf },
    /// Voxelize a scenario's vessel: print its openings, write geometry.vti (cell
    /// kinds, opening ids, wall distance, lumen radius) and a PNG preview.
    Geometry {
        scene: PathBuf,
        /// Output directory [default: results/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Render frames and a video from a run's saved fields and particles (one frame
    /// per field output; set [fields] interval for a video).
    Render {
        /// Results directory of `embolus run`.
        dir: PathBuf,
        /// Where frames/ and the video go [default: DIR/render].
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 1280)]
        width: u32,
        #[arg(long, default_value_t = 720)]
        height: u32,
        /// Samples per pixel along each axis (anti-aliasing), 1..4.
        #[arg(long, default_value_t = 2)]
        supersample: u32,
        /// fixed, orbit or fly.
        #[arg(long, default_value = "fixed")]
        camera: String,
        #[arg(long, default_value_t = 10)]
        fps: u32,
        /// mp4, gif or none.
        #[arg(long, default_value = "mp4")]
        video: String,
        /// Top of the speed colour scale [m/s] (default: the peak inlet velocity).
        #[arg(long)]
        max_speed: Option<f64>,
    },
    /// Redraw the plots (DIR/plots/*.png) and DIR/report.md of a results directory.
    Plot {
        /// Results directory of `embolus run`.
        dir: PathBuf,
    },
    /// Compare runs: overlaid plots and a table of the differences of their key
    /// metrics (flows, WSS, particle fate, time to occlusion, speed).
    Compare {
        /// Two or more results directories; differences are taken from the first.
        #[arg(num_args = 2.., required = true)]
        dirs: Vec<PathBuf>,
        /// Where the plots and compare.md go [default: results/compare].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List GPU adapters, the one embolus would choose and the limits that matter.
    Info,
    /// Measure lattice updates per second on standard cases.
    Bench {
        /// Small cases only (32³ and 64³, short timing), as in CI.
        #[arg(long)]
        quick: bool,
        /// Edge lengths of the dense boxes, e.g. --sizes 64,128,256.
        #[arg(long, value_delimiter = ',')]
        sizes: Option<Vec<usize>>,
        /// Also write the results as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Compare with a JSON written earlier by --json (another machine, version or
        /// setting): the speed ratio per case.
        #[arg(long)]
        baseline: Option<PathBuf>,
    },
    /// Run the validation cases against analytic solutions and published data; exit
    /// status 1 when a check misses its tolerance.
    Validate {
        /// The reduced set that fits CI (about a minute on a CPU).
        #[arg(long)]
        quick: bool,
        /// Run only these cases (repeat or comma-separate): shear-wave,
        /// plane-poiseuille, pipe-poiseuille, womersley, wall-shear, particle-drag, fda-nozzle,
        /// outlets, cavity.
        #[arg(long, value_delimiter = ',')]
        case: Vec<String>,
        /// Where validation.md, validation-plots/ and validation.json go (`--out docs`
        /// regenerates docs/validation.md).
        #[arg(long, default_value = "results/validation")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    let adapter = cli.adapter.as_deref();
    match cli.command {
        Command::Run {
            scene,
            out,
            steps,
            resume,
            checkpoint,
        } => run(scene.as_deref(), out, steps, resume, checkpoint, adapter),
        Command::Check { scene } => check(&scene),
        Command::Geometry { scene, out } => geometry_command(&scene, out),
        Command::Render {
            dir,
            out,
            width,
            height,
            supersample,
            camera,
            fps,
            video,
            max_speed,
        } => {
            let spec_text = format!(
                "width = {width}\nheight = {height}\nsupersample = {supersample}\ncamera = \"{camera}\"\nfps = {fps}\nvideo = \"{video}\"\n{}",
                max_speed.map(|m| format!("max_speed = {m:e}\n")).unwrap_or_default()
            );
            let spec: embolus::scenario::schema::RenderSpec =
                toml::from_str(&spec_text).map_err(|e| {
                    anyhow::anyhow!(
                        "{}\n  Fix: --camera fixed|orbit|fly, --video mp4|gif|none",
                        e.message()
                    )
                })?;
            anyhow::ensure!(
                (1..=3840).contains(&width) && (1..=2160).contains(&height),
                "--width/--height {width}x{height} outside 1x1..3840x2160"
            );
            anyhow::ensure!(
                video != "mp4" || (width % 2 == 0 && height % 2 == 0),
                "an MP4 (yuv420p) needs an even --width and --height, got {width}x{height}"
            );
            anyhow::ensure!(
                (1..=4).contains(&supersample),
                "--supersample must be 1 to 4"
            );
            anyhow::ensure!((1..=120).contains(&fps), "--fps must be 1 to 120");
            let out = out.unwrap_or_else(|| dir.join("render"));
            let ctx = GpuContext::new(adapter)?;
            let bar = ProgressBar::new(0);
            let started = std::time::Instant::now();
            let r =
                embolus::render::from_results::render_results(&ctx, &dir, &out, &spec, |k, n| {
                    bar.set_length(n as u64);
                    bar.set_position(k as u64);
                })?;
            bar.finish_and_clear();
            println!(
                "rendered {} frame(s) in {:.1} s into {}{}",
                r.frames,
                started.elapsed().as_secs_f64(),
                r.frames_dir.display(),
                r.video
                    .map(|v| format!("; video {}", v.display()))
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot { dir } => {
            let (plots, report) =
                embolus::results::plot_and_report(&dir).map_err(anyhow::Error::msg)?;
            for p in &plots {
                println!("wrote {}", p.display());
            }
            println!("wrote {}", report.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { dirs, out } => {
            let out = out.unwrap_or_else(|| PathBuf::from("results").join("compare"));
            let (table, files) =
                embolus::results::compare(&dirs, &out).map_err(anyhow::Error::msg)?;
            println!("{table}");
            for f in &files {
                println!("wrote {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Info => info(adapter),
        Command::Bench {
            quick,
            sizes,
            json,
            baseline,
        } => bench(adapter, quick, sizes, json.as_deref(), baseline.as_deref()),
        Command::Validate { quick, case, out } => validate(adapter, quick, &case, &out),
    }
}

fn validate(adapter: Option<&str>, quick: bool, only: &[String], out: &Path) -> Result<ExitCode> {
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

fn load(scene: &Path, steps: Option<u64>) -> Result<LoadedScenario> {
    let loaded = LoadedScenario::load(scene)?;
    with_steps(loaded, steps)
}

/// Applies `--steps`: the run stops there; outputs stay at their steps.
fn with_steps(mut loaded: LoadedScenario, steps: Option<u64>) -> Result<LoadedScenario> {
    if let Some(n) = steps {
        anyhow::ensure!(n > 0, "--steps must be at least 1");
        loaded.steps = n;
        loaded.output_every = loaded.output_every.min(n);
    }
    Ok(loaded)
}

fn describe(loaded: &LoadedScenario, voxels: &geometry::Voxels) {
    println!("scenario  {} ({})", loaded.name(), loaded.path.display());
    println!("lattice units:\n{}", loaded.units.table());
    let d = voxels.dims;
    let lumen = voxels.lumen_cells();
    let sparse = loaded.scenario.lbm.storage.is_sparse(lumen, d.cells());
    // The stored cells and brick tables sparse storage would build (plain walls are
    // the only cells it leaves out).
    let stored = sparse.then(|| {
        let kinds: Vec<u32> = voxels
            .kinds
            .iter()
            .map(|k| match k {
                geometry::voxels::CellKind::Wall => embolus::lbm::lattice::flags::WALL,
                _ => embolus::lbm::lattice::flags::FLUID,
            })
            .collect();
        embolus::lbm::sparse::StoredCells::from_flags(&kinds, d)
    });
    println!(
        "grid      {} x {} x {} = {} cells, {} fluid ({:.1}% lumen), ~{:.0} MiB on the GPU ({} storage, {})",
        d.nx,
        d.ny,
        d.nz,
        d.cells(),
        voxels.fluid_cells(),
        100.0 * lumen as f64 / d.cells() as f64,
        memory_bytes(
            d.cells(),
            stored.as_ref(),
            loaded.scenario.lbm.precision,
            if loaded.scenario.lbm.in_place { 1 } else { 2 }
        ) as f64
            / 1048576.0,
        if sparse { "sparse" } else { "dense" },
        loaded.scenario.lbm.precision.name()
    );
    for o in &voxels.openings {
        println!(
            "opening   {:<8} {:?}  centre ({:.4e}, {:.4e}, {:.4e}) m  radius {:.4e} m  area {:.4e} m^2",
            o.name, o.role, o.centre_m[0], o.centre_m[1], o.centre_m[2], o.radius_m, o.area_m2
        );
    }
    if let Some(r) = &loaded.rheology {
        let (low, high) = r.model.viscosity_range();
        println!(
            "rheology  {:?}\n          viscosity {low:.3e}..{high:.3e} Pa·s, local tau {:.4}..{:.4} (the table above is for the lowest viscosity)",
            r.model,
            0.5 + 3.0 * low * r.lattice_viscosity_per_si,
            r.tau_max.min(0.5 + 3.0 * high * r.lattice_viscosity_per_si)
        );
    }
    println!(
        "time      {} steps = {:.4e} s, metrics every {} steps",
        loaded.steps,
        loaded.steps as f64 * loaded.units.dt_s,
        loaded.output_every
    );
    if let Some(run) = &loaded.particles {
        let plan = &run.plan;
        let mean_d = plan.diameters_m.iter().sum::<f64>() / plan.len().max(1) as f64;
        println!(
            "particles {} of {} ({}), mean diameter {:.3e} m, first release at step {}",
            plan.len(),
            plan.agent_names.join(", "),
            if plan.magnets > 0 {
                format!("{} magnet(s)", plan.magnets)
            } else {
                "no magnets".into()
            },
            mean_d,
            plan.first_release_step
        );
    }
    if loaded.units.tau < 0.55 {
        println!(
            "note      tau < 0.55: stable with TRT, but refine the grid if results look noisy"
        );
    }
}

fn geometry_command(scene: &Path, out: Option<PathBuf>) -> Result<ExitCode> {
    use embolus::geometry::fields::wall_fields;
    use embolus::io::vtk::{write_vti, Compression, VtiArray, VtiData};
    let loaded = embolus::scenario::LoadedGeometry::load(scene)?;
    let v = &loaded.voxels;
    let out_dir = out.unwrap_or_else(|| PathBuf::from("results").join(loaded.name()));
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let d = v.dims;
    let dx = v.voxel_size_m;
    println!(
        "grid      {} x {} x {} cells of {:.3e} m, corner at ({:.4e}, {:.4e}, {:.4e}) m",
        d.nx, d.ny, d.nz, dx, v.origin_m[0], v.origin_m[1], v.origin_m[2]
    );
    let boundary: usize = v.openings.iter().map(|o| o.cells.len()).sum();
    println!(
        "fluid     {} cells ({:.4e} m^3) + {} boundary cells; {} unconnected fluid cells removed",
        v.fluid_cells(),
        v.fluid_cells() as f64 * dx.powi(3),
        boundary,
        v.removed_unconnected
    );
    for (k, o) in v.openings.iter().enumerate() {
        println!(
            "opening   {:<10} {:<6} centre ({:.4e}, {:.4e}, {:.4e}) m  radius {:.4e} m  area {:.4e} m^2  normal ({:.3}, {:.3}, {:.3})  [{}]",
            o.name,
            format!("{:?}", o.role).to_lowercase(),
            o.centre_m[0], o.centre_m[1], o.centre_m[2],
            o.radius_m, o.nominal_area_m2,
            o.normal[0], o.normal[1], o.normal[2],
            embolus::io::preview::opening_colour_name(k)
        );
    }
    let fields = wall_fields(v, &loaded.beyond_openings);
    let max_radius = fields
        .lumen_radius_cells
        .iter()
        .copied()
        .fold(0.0f32, f32::max);
    println!(
        "lumen     largest inscribed radius {:.4e} m ({:.1} cells)",
        max_radius as f64 * dx,
        max_radius
    );
    let kinds: Vec<u8> = v
        .kinds
        .iter()
        .map(|k| match k {
            embolus::geometry::CellKind::Fluid => 0,
            embolus::geometry::CellKind::Wall => 1,
            embolus::geometry::CellKind::Opening(_) => 2,
        })
        .collect();
    let ids: Vec<i32> = v
        .kinds
        .iter()
        .map(|k| match k {
            embolus::geometry::CellKind::Opening(o) => *o as i32,
            _ => -1,
        })
        .collect();
    let metres = |f: &[f32]| f.iter().map(|c| c * dx as f32).collect::<Vec<f32>>();
    let vti = out_dir.join("geometry.vti");
    write_vti(
        &vti,
        [d.nx, d.ny, d.nz],
        std::array::from_fn(|a| v.origin_m[a] + 0.5 * dx),
        dx,
        &[
            VtiArray::scalar("cell_kind (0 fluid, 1 wall, 2 opening)", VtiData::U8(kinds)),
            VtiArray::scalar("opening_id", VtiData::I32(ids)),
            VtiArray::scalar(
                "wall_distance_m",
                VtiData::F32(metres(&fields.wall_distance_cells)),
            ),
            VtiArray::scalar(
                "lumen_radius_m",
                VtiData::F32(metres(&fields.lumen_radius_cells)),
            ),
        ],
        Compression::Zlib,
    )
    .with_context(|| format!("writing {}", vti.display()))?;
    let png = out_dir.join("geometry.png");
    let axis = embolus::io::preview::write_preview(&png, v)
        .with_context(|| format!("writing {}", png.display()))?;
    println!(
        "wrote     {} and {} (projection along {})",
        vti.display(),
        png.display(),
        ["x", "y", "z"][axis]
    );
    Ok(ExitCode::SUCCESS)
}

/// Bytes above which the expected field output gets a warning before the run.
const LARGE_OUTPUT_BYTES: u64 = 2 << 30;

/// Prints what the run will write: field outputs, their region and size.
fn describe_outputs(loaded: &LoadedScenario) {
    let f = &loaded.fields;
    if !f.enabled {
        println!("fields    off");
        return;
    }
    let outputs = f.outputs(loaded.steps);
    let bytes = f.bytes_per_output() * outputs;
    let size = f.region.size();
    println!(
        "fields    {} output(s) of {} on {}x{}x{} points (stride {}), at most {:.1} MiB{}",
        outputs,
        f.select
            .iter()
            .map(|n| {
                serde_json::to_value(n)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(", "),
        size[0],
        size[1],
        size[2],
        f.region.stride,
        bytes as f64 / 1048576.0,
        if f.compress {
            " before compression"
        } else {
            ""
        }
    );
    if bytes > LARGE_OUTPUT_BYTES {
        println!(
            "warning   the field output may reach {:.1} GiB: set [fields] interval, stride, region_min/region_max or select to write less",
            bytes as f64 / (1u64 << 30) as f64
        );
    }
}

fn check(scene: &Path) -> Result<ExitCode> {
    let loaded = load(scene, None)?;
    describe(&loaded, &loaded.voxels);
    describe_outputs(&loaded);
    println!("ok: the scenario is valid");
    Ok(ExitCode::SUCCESS)
}

struct Bar(ProgressBar);

impl RunObserver for Bar {
    fn progress(&mut self, p: &Progress) {
        self.0.set_position(p.step);
        let particles = p
            .particles
            .map(|(injected, lodged)| format!("  particles {injected} injected, {lodged} lodged"))
            .unwrap_or_default();
        self.0.set_message(format!(
            "t = {:.4e} s  {:.1} MLUPS{particles}",
            p.simulated_time_s, p.mlups
        ));
    }
}

fn run(
    scene: Option<&Path>,
    out: Option<PathBuf>,
    steps: Option<u64>,
    resume: Option<PathBuf>,
    checkpoint_at_end: bool,
    adapter: Option<&str>,
) -> Result<ExitCode> {
    let (loaded, checkpoint, out_dir) = match &resume {
        Some(dir) => {
            let (loaded, ck) = runner::load_for_resume(dir, scene)?;
            (loaded, Some(ck), dir.clone())
        }
        None => {
            let scene = scene.expect("clap requires SCENE without --resume");
            let loaded = LoadedScenario::load(scene)?;
            let out_dir = out.unwrap_or_else(|| PathBuf::from("results").join(loaded.name()));
            (loaded, None, out_dir)
        }
    };
    let loaded = with_steps(loaded, steps)?;
    let voxels = &loaded.voxels;
    describe(&loaded, voxels);
    describe_outputs(&loaded);
    if let Some(ck) = &checkpoint {
        println!(
            "resume    from step {} (t = {:.4e} s) of {}",
            ck.header.step,
            ck.header.time_s,
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
    let voxels = &loaded.voxels;
    println!("results   {}", out_dir.display());

    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\nsecond Ctrl-C: exiting without flushing");
            std::process::exit(EXIT_INTERRUPTED as i32);
        }
        eprintln!("\nCtrl-C: stopping after the current batch of steps and writing results…");
    })
    .context("installing the Ctrl-C handler")?;

    let bar = ProgressBar::new(loaded.steps);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30.cyan/blue} step {pos}/{len}  {msg}  elapsed {elapsed}  ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let mut observer = Bar(bar);
    let config = RunConfig {
        out_dir: out_dir.clone(),
        stop,
        resume: checkpoint,
        checkpoint_at_end,
    };
    let result = runner::run(&ctx, &loaded, &config, &mut observer);
    observer.0.finish();
    let summary = result?;
    println!(
        "{:?}: {} steps, {:.4e} s simulated in {:.1} s wall time, {:.1} MLUPS",
        summary.status, summary.steps, summary.simulated_time_s, summary.wall_time_s, summary.mlups
    );
    if let Some(m) = &summary.final_metrics {
        for (k, o) in voxels.openings.iter().enumerate() {
            println!(
                "  {:<8} flow {:.4e} m^3/s  pressure {:.3} Pa",
                o.name,
                m.flow_m3_s[k] + 0.0,
                m.pressure_pa[k] + 0.0
            );
        }
        println!(
            "  max speed {:.4} m/s, mass drift {:.2e}",
            m.max_speed_m_s, m.mass_drift
        );
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
            println!(
                "  {name:<8} {lodged} lodged in its branch; {:.1}% of the injected volume left here; flow now {:.2} x its value before injection{}",
                100.0 * fraction,
                p.final_flow_over_baseline[name],
                p.time_to_occlusion_s[name]
                    .map(|t| format!("; occluded {t:.3e} s after the first release"))
                    .unwrap_or_default()
            );
        }
    }
    if let Some(w) = &summary.wall_shear {
        println!(
            "  wall shear stress: mean {:.4} Pa, max {:.4} Pa over {} wall cells{}",
            w.mean_wss_pa,
            w.max_wss_pa,
            w.wall_cells,
            match (w.mean_tawss_pa, w.mean_osi) {
                (Some(t), Some(o)) => format!(
                    "; time-averaged {t:.4} Pa, OSI {o:.4} ({} samples from t = {:.4e} s)",
                    w.samples, w.averaged_from_s
                ),
                _ => String::new(),
            }
        );
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
    Ok(match summary.status {
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
                "error: the simulation diverged at step {} (t = {:.4e} s): {} at cell {:?}, position ({:.3e}, {:.3e}, {:.3e}) m.\n  Likely cause: {}.\n  Results up to that step are in {}.",
                d.step,
                d.time_s,
                d.speed_m_s.map(|s| format!("speed {s:.3e} m/s")).unwrap_or_else(|| "NaN velocity".into()),
                d.cell,
                d.position_m[0],
                d.position_m[1],
                d.position_m[2],
                d.likely_cause,
                out_dir.display()
            );
            ExitCode::from(EXIT_DIVERGED)
        }
    })
}

fn info(adapter: Option<&str>) -> Result<ExitCode> {
    let adapters = list_adapters();
    println!("adapters ({}):", adapters.len());
    for a in &adapters {
        let i = a.get_info();
        println!(
            "  - {} [{:?}, {:?}] driver: {} {}",
            i.name, i.backend, i.device_type, i.driver, i.driver_info
        );
    }
    let chosen = select_adapter(adapter)?;
    let ctx = GpuContext::from_adapter(chosen)?;
    let l = &ctx.limits;
    println!("chosen: {}", ctx.adapter_info.name);
    let mib = |b: u64| b as f64 / 1048576.0;
    println!(
        "  max storage buffer binding   {:.0} MiB",
        mib(l.max_storage_buffer_binding_size)
    );
    println!(
        "  max buffer size              {:.0} MiB",
        mib(l.max_buffer_size)
    );
    println!(
        "  storage buffers per stage    {}",
        l.max_storage_buffers_per_shader_stage
    );
    println!(
        "  workgroups per dimension     {}",
        l.max_compute_workgroups_per_dimension
    );
    println!(
        "  invocations per workgroup    {}",
        l.max_compute_invocations_per_workgroup
    );
    println!(
        "  workgroup storage            {} B",
        l.max_compute_workgroup_storage_size
    );
    // Largest dense cube whose populations fit the binding rules.
    let mut n = 16usize;
    while embolus::lbm::setup::PopulationSplit::for_grid(
        (n + 16).pow(3),
        l.max_storage_buffer_binding_size.min(l.max_buffer_size),
        embolus::lbm::setup::Precision::F32,
    )
    .is_some_and(|s| 2 * s.buffers as u32 + 2 <= l.max_storage_buffers_per_shader_stage)
        && (n + 16).pow(3) < u32::MAX as usize / 19
    {
        n += 16;
    }
    println!(
        "  largest dense cube by binding limits: {n}^3 (device memory permitting: {:.0} MiB)",
        mib(memory_bytes(
            n.pow(3),
            None,
            embolus::lbm::setup::Precision::F32,
            2
        ))
    );
    println!("select another with --adapter NAME or {ADAPTER_ENV}=NAME; restrict backends with WGPU_BACKEND=vulkan|metal|dx12");
    Ok(ExitCode::SUCCESS)
}

fn bench(
    adapter: Option<&str>,
    quick: bool,
    sizes: Option<Vec<usize>>,
    json: Option<&Path>,
    baseline: Option<&Path>,
) -> Result<ExitCode> {
    // Read the baseline first: a bad file should not cost a whole benchmark.
    let baseline: Option<serde_json::Value> = match baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading the baseline {}", p.display()))?;
            Some(serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a bench JSON\n  Fix: give a file written by `embolus bench --json`",
                    p.display()
                )
            })?)
        }
        None => None,
    };
    let ctx = GpuContext::new(adapter)?;
    let software = ctx.adapter_info.device_type == wgpu::DeviceType::Cpu;
    let sizes = sizes.unwrap_or_else(|| {
        if quick {
            vec![32, 64]
        } else if software {
            vec![64, 128]
        } else {
            vec![64, 128, 256]
        }
    });
    anyhow::ensure!(
        sizes.iter().all(|&n| n >= 4),
        "--sizes: every edge length must be at least 4"
    );
    let min_seconds = if quick { 0.5 } else { 2.0 };
    println!(
        "adapter {} ({:?}, {:?}), half-float storage {}, collision {}",
        ctx.adapter_info.name,
        ctx.adapter_info.backend,
        ctx.adapter_info.device_type,
        if ctx.features.contains(wgpu::Features::SHADER_F16) {
            "available (f16 cases too)"
        } else {
            "unavailable (f32 cases only)"
        },
        embolus::lbm::CollisionModel::default().name()
    );
    println!(
        "{:<24} {:>10} {:>8} {:>10} {:>12}",
        "case", "cells", "steps", "MLUPS", "eff. GB/s"
    );
    // A 1080p frame, as a run renders it; the quick suite renders a small one.
    let frames: Vec<(u32, u32, u32)> = if quick {
        vec![(640, 360, 1)]
    } else {
        vec![(1920, 1080, 2)]
    };
    // The particle cases: 1e5 and 1e6 in a 128³ pipe, then the larger with 90% of
    // them settled (lodged or exited: they should cost nothing); CPU adapters and
    // --quick: 1e4 and 1e5 in 64³.
    let particle_cases: Vec<(usize, usize, f64)> = if quick || software {
        vec![(64, 10_000, 0.0), (64, 100_000, 0.0), (64, 100_000, 0.9)]
    } else {
        vec![
            (128, 100_000, 0.0),
            (128, 1_000_000, 0.0),
            (128, 1_000_000, 0.9),
        ]
    };
    let report = embolus::bench::run(
        &ctx,
        &sizes,
        &frames,
        &particle_cases,
        min_seconds,
        (
            &mut |c| {
                println!(
                    "{:<24} {:>10} {:>8} {:>10.1} {:>12.1}",
                    c.name, c.cells, c.steps, c.mlups, c.effective_bandwidth_gb_s
                );
            },
            &mut |r| {
                println!(
                    "{:<24} {:>10} {:>8} {:>10.2} frames/s ({} particles, 128^3 grid)",
                    r.name, r.cells, r.frames, r.frames_per_s, r.particles
                );
            },
            &mut |p| {
                println!(
                    "{:<24} {:>10} {:>8} {:>10.1} M particle updates/s, +{:.1}% on the flow step",
                    p.name, p.cells, p.steps, p.mpups, p.added_percent
                );
            },
        ),
    )?;
    let trees: Vec<&embolus::bench::BenchCase> = report
        .cases
        .iter()
        .filter(|c| c.name.starts_with("tree"))
        .collect();
    if let [dense, sparse, ..] = trees.as_slice() {
        let mib = |b: u64| b as f64 / 1048576.0;
        println!(
            "tree: {:.1}% of its grid is lumen; dense {:.2} M lumen updates/s in {:.1} MiB, sparse {:.2} M lumen updates/s in {:.1} MiB: {:.1}x faster, {:.1}x less memory",
            100.0 * report.tree_fill_fraction,
            dense.lumen_mlups,
            mib(dense.memory_bytes),
            sparse.lumen_mlups,
            mib(sparse.memory_bytes),
            sparse.lumen_mlups / dense.lumen_mlups,
            dense.memory_bytes as f64 / sparse.memory_bytes as f64
        );
        println!("sparse trees, time per step and GPU memory against lumen cells:");
        for c in &trees[1..] {
            println!(
                "  {:>9} lumen cells {:<4} {:>9.3} ms per step  {:>6.1} ns and {:>5.1} B per lumen cell",
                c.lumen_cells,
                c.precision,
                1e3 * c.lumen_cells as f64 / (c.lumen_mlups * 1e6),
                1e3 / c.lumen_mlups,
                c.memory_bytes as f64 / c.lumen_cells as f64
            );
        }
    }
    if let Some(best) = report
        .workgroup_sweep
        .iter()
        .max_by(|a, b| a.mlups.total_cmp(&b.mlups))
    {
        println!(
            "workgroup sizes on {}^3 f32: {}; fastest {}",
            best.nx,
            report
                .workgroup_sweep
                .iter()
                .map(|c| format!("{} -> {:.1} MLUPS", c.workgroup_size, c.mlups))
                .collect::<Vec<_>>()
                .join(", "),
            best.workgroup_size
        );
    }
    if let Some(bw) = report.copy_bandwidth_gb_s {
        println!("copy bandwidth {bw:.1} GB/s (STREAM-style copy on this adapter); LBM cases at:");
        for c in &report.cases {
            println!(
                "  {:<24} {:>5.1}% of it ({} bytes per cell update)",
                c.name,
                100.0 * c.effective_bandwidth_gb_s / bw,
                c.bytes_per_cell
            );
        }
    }
    if let Some(b) = &baseline {
        println!(
            "against the baseline ({}, {}):",
            b["adapter"]["name"].as_str().unwrap_or("?"),
            b["embolus_version"].as_str().unwrap_or("?")
        );
        let rows = embolus::bench::compare(&report, b);
        if rows.is_empty() {
            println!("  no case in common");
        }
        for (name, before, now, ratio) in rows {
            println!("  {name:<44} {before:>10.2} -> {now:>10.2}  x{ratio:.3}");
        }
    }
    if let Some(path) = json {
        embolus::io::summary::write_json(path, &report)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
