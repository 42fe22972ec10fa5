//! The time loop of `embolus run`: steps the lattice on the GPU in chunks, probes it at
//! chunk ends (progress, divergence) and writes metrics at the output interval.

use super::build::lattice_setup;
use super::checkpoint::{read_state, restore_state, GpuState};
use super::field_recorder::{FieldError, FieldRecorder, FieldRecorderState, WallShearSummary};
use super::lattice_gpu::{GpuLattice, StepHook, StepHooks, StepState, SCHEDULE_CAPACITY};
use super::particle_recorder::ParticleRecorderState;
use super::particle_recorder::{ParticleRecorder, RecordError};
use crate::geometry::{Role, Voxels};
use crate::gpu::{AdapterSummary, GpuContext, GpuError};
use crate::io::checkpoint::{self, Checkpoint, CheckpointError, CheckpointHeader};
use crate::io::metrics::{MetricsRow, MetricsWriter};
use crate::io::summary::write_json;
use crate::lbm::waveform::Waveform;
use crate::probes::ProbeTotals;
use crate::scenario::LoadedScenario;
use crate::units::LatticeUnits;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Lattice speed above which a run counts as diverged (Mach ≈ 0.6, far past the
/// validated 0.15): by then the solution is meaningless and NaNs follow.
pub const DIVERGENCE_SPEED_LATTICE: f32 = 0.35;
/// Relative change of the fluid's mass beyond which a run counts as diverged: the
/// weakly compressible scheme is only valid for small density deviations.
pub const DIVERGENCE_DENSITY_DRIFT: f64 = 0.2;
/// Wall time aimed at per submitted chunk of steps: short enough for a live progress
/// display and a prompt Ctrl-C, long enough that probing costs little.
const CHUNK_SECONDS: f64 = 0.3;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("cannot write results to {path}: {source}\n  Fix: check that the directory is writable and the disk has space")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Completed,
    Interrupted,
    Diverged,
}

/// Progress of a running simulation, for display.
#[derive(Clone, Debug)]
pub struct Progress {
    pub step: u64,
    pub total_steps: u64,
    pub simulated_time_s: f64,
    pub mlups: f64,
    /// Particles injected and lodged (or stuck) at the last output, when there are
    /// particles.
    pub particles: Option<(u64, u64)>,
}

/// Receives progress; the CLI draws a bar with it, tests ignore it.
pub trait RunObserver {
    fn progress(&mut self, _progress: &Progress) {}
}

impl RunObserver for () {}

#[derive(Clone, Debug, Serialize)]
pub struct GridSummary {
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub cells: usize,
    pub fluid_cells: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Divergence {
    pub step: u64,
    pub time_s: f64,
    pub cell: [usize; 3],
    pub position_m: [f64; 3],
    pub speed_m_s: Option<f64>,
    pub likely_cause: String,
}

/// The content of summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub embolus_version: String,
    pub scenario: String,
    pub scenario_file: String,
    pub status: RunStatus,
    pub steps: u64,
    pub steps_planned: u64,
    /// The step a resumed run continued from.
    pub resumed_from_step: Option<u64>,
    pub simulated_time_s: f64,
    pub wall_time_s: f64,
    /// Million lattice-cell updates per second over the whole grid.
    pub mlups: f64,
    /// Million lumen-cell (fluid and opening) updates per second: the work done.
    pub lumen_mlups: f64,
    pub precision: String,
    /// Population storage: "dense" (every grid cell) or "sparse" (the lumen only).
    pub storage: String,
    /// GPU memory of the lattice's populations, flags and sparse tables [bytes].
    pub lattice_memory_bytes: u64,
    pub collision: String,
    pub grid: GridSummary,
    pub units: LatticeUnits,
    pub adapter: AdapterSummary,
    pub openings: Vec<crate::geometry::Opening>,
    pub final_metrics: Option<MetricsRow>,
    pub divergence: Option<Divergence>,
    pub particles: Option<super::particle_recorder::ParticleSummary>,
    /// Wall shear stress at the end, and its time average (TAWSS, OSI).
    pub wall_shear: Option<WallShearSummary>,
    /// Field outputs written (fields.pvd lists them).
    pub field_outputs: usize,
    /// The checkpoint this run left, if any.
    pub checkpoint: Option<String>,
    /// Frames rendered during the run.
    pub render: Option<RenderSummary>,
}

/// Rendering during a run, for summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct RenderSummary {
    pub frames: usize,
    pub video: Option<String>,
    /// Wall time spent rendering, in all and per frame [s].
    pub seconds: f64,
    pub seconds_per_frame: f64,
}

fn render_err(e: crate::render::session::RenderError) -> RunError {
    use crate::render::session::RenderError as R;
    match e {
        R::Gpu(g) => RunError::Gpu(g),
        R::Frame { path, message } => RunError::Io {
            path,
            source: std::io::Error::other(message),
        },
        R::Video(v) => RunError::Io {
            path: PathBuf::from("video"),
            source: std::io::Error::other(v.to_string()),
        },
    }
}

/// The frame renderer of a run, bound to the lattice's and particles' buffers.
fn render_session(
    ctx: &GpuContext,
    loaded: &LoadedScenario,
    lattice: &GpuLattice,
    particles: &Option<ParticleRecorder>,
    plan: &crate::scenario::outputs::RenderPlan,
    out: &Path,
    start_step: u64,
) -> Result<crate::render::session::RenderSession, RunError> {
    use crate::render::frame_gpu::RenderInputs;
    use crate::render::session::{RenderGeometry, RenderSession};
    let voxels = &loaded.voxels;
    let units = &loaded.units;
    let parts = particles.as_ref().map(|p| p.gpu.render_buffers());
    let inputs = RenderInputs {
        dims: voxels.dims,
        flags: &lattice.flags,
        cell_table_constants: lattice.cell_table_constants(),
        flow: &lattice.velocity_field,
        solid: parts.map(|p| p.2),
        particles: parts.map(|p| (p.0, p.1, p.3)),
    };
    let inlet = voxels
        .openings
        .iter()
        .find(|o| o.role == crate::geometry::Role::Inlet);
    let outlet = voxels
        .openings
        .iter()
        .find(|o| o.role == crate::geometry::Role::Outlet);
    let geometry = RenderGeometry {
        dims: [voxels.dims.nx, voxels.dims.ny, voxels.dims.nz],
        origin_m: voxels.origin_m,
        cell_m: voxels.voxel_size_m,
        inlet_centre_m: inlet.map(|o| o.centre_m),
        outlet_centre_m: outlet.map(|o| o.centre_m),
        speed_unit_m_s: units.velocity_to_si(1.0),
        default_max_speed_m_s: units.peak_velocity_m_s,
        frames_expected: (loaded.steps / plan.every) as usize + 1,
        has_particles: particles.is_some(),
        fluid: (plan.spec.camera == crate::scenario::schema::CameraKind::Fly).then(|| {
            voxels
                .kinds
                .iter()
                .map(|k| *k != crate::geometry::CellKind::Wall)
                .collect()
        }),
        solid_scale: super::particles_gpu::SOLID_SCALE,
    };
    RenderSession::new(
        ctx,
        &inputs,
        &plan.spec,
        geometry,
        &out.join("render"),
        &loaded.name(),
        start_step.div_ceil(plan.every) as usize,
    )
    .map_err(render_err)
}

/// What a run needs besides the scenario.
pub struct RunConfig {
    pub out_dir: PathBuf,
    /// Set by Ctrl-C: the loop stops after the current chunk.
    pub stop: Arc<AtomicBool>,
    /// Continue from this checkpoint (see [`load_for_resume`]).
    pub resume: Option<Checkpoint>,
    /// Write a checkpoint when the run reaches its last step (`--checkpoint`, to
    /// extend the run later).
    pub checkpoint_at_end: bool,
}

impl RunConfig {
    pub fn new(out_dir: PathBuf) -> Self {
        RunConfig {
            out_dir,
            stop: Arc::new(AtomicBool::new(false)),
            resume: None,
            checkpoint_at_end: false,
        }
    }
}

fn metrics_row(
    totals: &ProbeTotals,
    initial_delta_mass: f64,
    fluid_cells: usize,
    voxels: &Voxels,
    units: &LatticeUnits,
    step: u64,
) -> MetricsRow {
    let mut row = MetricsRow {
        time_s: step as f64 * units.dt_s,
        step,
        cycle: None,
        max_speed_m_s: if totals.non_finite() {
            f64::NAN
        } else {
            units.velocity_to_si(totals.max_speed as f64)
        },
        mass_drift: (totals.fluid_delta_mass - initial_delta_mass)
            / (fluid_cells as f64 + initial_delta_mass),
        ..Default::default()
    };
    for (o, t) in voxels.openings.iter().zip(&totals.openings) {
        let sign = if o.role == Role::Inlet { 1.0 } else { -1.0 };
        row.flow_m3_s
            .push(sign * units.flow_rate_to_si(t.inward_flux));
        row.pressure_pa
            .push(units.pressure_to_si(t.mean_delta_density()));
    }
    row
}

fn likely_cause(units: &LatticeUnits) -> String {
    if units.tau < 0.55 {
        format!(
            "tau = {:.4} is close to 1/2: the flow (Re {:.0}) is under-resolved. Use a finer \
             voxel_size or a larger time.lattice_velocity",
            units.tau, units.reynolds
        )
    } else if units.mach > 0.1 {
        format!(
            "Mach {:.3} is high: lower time.lattice_velocity",
            units.mach
        )
    } else {
        "a strong local jet or backflow at an outlet: check the geometry near the reported \
         place, refine the grid, or lower time.lattice_velocity"
            .into()
    }
}

/// Host-side state of a run kept in its checkpoints.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct HostState {
    initial_delta_mass: f64,
    wall_time_s: f64,
    particles: Option<ParticleRecorderState>,
    fields: Option<FieldRecorderState>,
}

/// Reads DIR/checkpoint.bin and the scenario it belongs to: `scene` when given (it
/// must hash like the checkpoint's), else the scenario text the checkpoint keeps.
/// `steps` extends or shortens the run as for a fresh one.
pub fn load_for_resume(
    dir: &Path,
    scene: Option<&Path>,
) -> Result<(LoadedScenario, Checkpoint), ResumeError> {
    let path = dir.join(checkpoint::FILE_NAME);
    let ck = checkpoint::read(&path)?;
    let loaded = match scene {
        Some(scene) => LoadedScenario::load(scene)?,
        None => LoadedScenario::from_str(
            Path::new(&ck.header.scenario_path),
            &ck.header.scenario_text,
        )?,
    };
    let hash = loaded.hash();
    if hash != ck.header.scenario_hash {
        return Err(ResumeError::Checkpoint(CheckpointError::Mismatch {
            path,
            problem: format!(
                "the scenario or its vessel changed since the checkpoint (hash {}… now, {}… then)",
                &hash[..12],
                &ck.header.scenario_hash[..12]
            ),
            fix: format!(
                "resume with the scenario as it was ({}), or start a new run with --out elsewhere",
                ck.header.scenario_path
            ),
        }));
    }
    Ok((loaded, ck))
}

#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
}

/// The GPU objects whose buffers make up a checkpoint, in section order.
fn state_objects<'a>(
    lattice: &'a GpuLattice,
    particles: &'a Option<ParticleRecorder>,
    fields: &'a FieldRecorder,
) -> Vec<&'a dyn GpuState> {
    let mut v: Vec<&dyn GpuState> = vec![lattice];
    if let Some(p) = particles {
        v.push(&p.gpu);
    }
    v.push(&fields.gpu);
    v
}

/// Writes DIR/checkpoint.bin for the current state.
fn save_checkpoint(
    ctx: &GpuContext,
    loaded: &LoadedScenario,
    out: &Path,
    objects: &[&dyn GpuState],
    host: &HostState,
    step: u64,
) -> Result<PathBuf, RunError> {
    let (sections, data) = read_state(ctx, objects)?;
    let path = out.join(checkpoint::FILE_NAME);
    let scenario_path = std::fs::canonicalize(&loaded.path).unwrap_or_else(|_| loaded.path.clone());
    let header = CheckpointHeader {
        embolus_version: env!("CARGO_PKG_VERSION").into(),
        scenario_path: scenario_path.display().to_string(),
        scenario_text: loaded.source.clone(),
        scenario_hash: loaded.hash(),
        step,
        time_s: step as f64 * loaded.units.dt_s,
        sections,
        host: serde_json::to_value(host).map_err(|e| io_err(&path)(std::io::Error::other(e)))?,
    };
    checkpoint::write(&path, &header, &data).map_err(|e| match e {
        CheckpointError::Io { path, source } => RunError::Io { path, source },
        other => RunError::Io {
            path: path.clone(),
            source: std::io::Error::other(other.to_string()),
        },
    })?;
    Ok(path)
}

/// Runs `loaded` on `ctx`, writing metrics.csv, fields, checkpoints and summary.json
/// to `config.out_dir`.
pub fn run(
    ctx: &GpuContext,
    loaded: &LoadedScenario,
    config: &RunConfig,
    observer: &mut dyn RunObserver,
) -> Result<RunSummary, RunError> {
    let out = &config.out_dir;
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let units = &loaded.units;
    let voxels = &loaded.voxels;
    let mut setup = lattice_setup(voxels, loaded);
    // Particles and frames read the velocity field the step kernel then writes.
    setup.coupled_fields = loaded.particles.is_some() || loaded.render.is_some();
    let collision = match loaded.scenario.lbm.collision {
        crate::scenario::CollisionName::Trt => {
            format!("TRT (magic {:.4})", loaded.scenario.lbm.magic)
        }
        crate::scenario::CollisionName::Bgk => "BGK".to_string(),
    };
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let (lattice_sparse, lattice_memory_bytes) = (setup.sparse, lattice.memory_bytes());
    let setup_force = setup.force;
    let mut fields = FieldRecorder::new(
        ctx,
        &lattice,
        &setup.flags,
        &loaded.fields,
        units,
        voxels.origin_m,
        out,
    )?;
    drop(setup);

    let mut particles = match &loaded.particles {
        Some(run) => Some(ParticleRecorder::new(ctx, &lattice, loaded, run, out)?),
        None => None,
    };
    let mut render = match &loaded.render {
        Some(plan) => Some(render_session(
            ctx,
            loaded,
            &lattice,
            &particles,
            plan,
            out,
            config.resume.as_ref().map_or(0, |c| c.header.step),
        )?),
        None => None,
    };
    let mut render_seconds = 0.0;
    let names: Vec<String> = voxels.openings.iter().map(|o| o.name.clone()).collect();
    let metrics_path = out.join("metrics.csv");
    let with_cycle = loaded.waveform.period_s().is_some();
    let extra_columns = particles
        .as_ref()
        .map(|p| p.column_names())
        .unwrap_or_default();
    let fluid_cells = voxels.fluid_cells();
    let cells = voxels.dims.cells();
    let total = loaded.steps;

    let (mut metrics, initial_delta_mass, wall_before, mut last_row, start_step) = if let Some(ck) =
        &config.resume
    {
        let step = ck.header.step;
        let mismatch = |problem: String, fix: &str| {
            RunError::Checkpoint(CheckpointError::Mismatch {
                path: out.join(checkpoint::FILE_NAME),
                problem,
                fix: fix.into(),
            })
        };
        if step >= total {
            return Err(mismatch(
                format!("the run already reached step {step} of {total}"),
                "give --steps beyond the checkpoint's step to extend the run",
            ));
        }
        lattice.resume_at(step);
        restore_state(ctx, &state_objects(&lattice, &particles, &fields), ck).map_err(|p| {
            mismatch(
                p,
                "resume with the scenario and embolus version that wrote it",
            )
        })?;
        let host: HostState = serde_json::from_value(ck.header.host.clone()).map_err(|e| {
            mismatch(
                format!("its run state is unreadable ({e})"),
                "resume with the embolus version that wrote it",
            )
        })?;
        // Outputs written where a shorter run ended, off the output schedule, are
        // left out of the resumed run's records (their files stay).
        let on_schedule = |s: u64| s == 0 || s.is_multiple_of(loaded.output_every);
        let step_of = |t: f64| (t / units.dt_s).round() as u64;
        if let (Some(p), Some(mut state)) = (particles.as_mut(), host.particles.clone()) {
            state.vtp_entries.retain(|(t, _)| on_schedule(step_of(*t)));
            p.state = state;
        }
        if let Some(mut state) = host.fields.clone() {
            state.pvd_entries.retain(|(t, _)| {
                loaded
                    .fields
                    .every
                    .is_some_and(|e| step_of(*t).is_multiple_of(e))
            });
            fields.state = state;
        }
        let metrics = MetricsWriter::resume(
            &metrics_path,
            &names,
            with_cycle,
            &extra_columns,
            step,
            on_schedule,
        )
        .map_err(|e| {
            mismatch(
                format!("{}: {e}", metrics_path.display()),
                "resume into the results directory of the run that wrote the checkpoint",
            )
        })?;
        let row = MetricsRow {
            step,
            time_s: step as f64 * units.dt_s,
            ..Default::default()
        };
        (
            metrics,
            host.initial_delta_mass,
            host.wall_time_s,
            row,
            step,
        )
    } else {
        let mut metrics = MetricsWriter::create(&metrics_path, &names, with_cycle, &extra_columns)
            .map_err(io_err(&metrics_path))?;
        let first = lattice.probe(ctx)?;
        let initial = first.fluid_delta_mass;
        let mut row = metrics_row(&first, initial, fluid_cells, voxels, units, 0);
        record_particles(ctx, &mut particles, &mut row)?;
        metrics
            .write(&with_cycle_index(&row, loaded))
            .map_err(io_err(&metrics_path))?;
        (metrics, initial, 0.0, row, 0)
    };

    let started = Instant::now();
    let mut last_checkpoint = Instant::now();
    let mut checkpoint_path = None;
    let mut status = RunStatus::Completed;
    let mut divergence = None;
    let mut chunk: u64 = 1;
    let time_dependent = loaded.ramp_steps > 0
        || loaded.waveform != Waveform::Constant
        || !loaded.outlet_waveforms.is_empty();
    let next_multiple = |done: u64, every: u64| (done / every + 1) * every;
    let host_state =
        |particles: &Option<ParticleRecorder>, fields: &FieldRecorder, wall: f64| HostState {
            initial_delta_mass,
            wall_time_s: wall_before + wall,
            particles: particles.as_ref().map(|p| p.state.clone()),
            fields: Some(fields.state.clone()),
        };
    // One row of metrics.csv (particles read back too).
    let write_row = |metrics: &mut MetricsWriter,
                     totals: &crate::probes::ProbeTotals,
                     step: u64,
                     particles: &mut Option<ParticleRecorder>|
     -> Result<MetricsRow, RunError> {
        let mut row = metrics_row(totals, initial_delta_mass, fluid_cells, voxels, units, step);
        record_particles(ctx, particles, &mut row)?;
        metrics
            .write(&with_cycle_index(&row, loaded))
            .map_err(io_err(&metrics_path))?;
        Ok(row)
    };
    // DIR/checkpoint.bin for the state after `step` steps, `wall` s into this run.
    let checkpoint_now = |lattice: &GpuLattice,
                          particles: &Option<ParticleRecorder>,
                          fields: &FieldRecorder,
                          step: u64,
                          wall: f64| {
        save_checkpoint(
            ctx,
            loaded,
            out,
            &state_objects(lattice, particles, fields),
            &host_state(particles, fields, wall),
            step,
        )
    };
    while lattice.steps_done() < total {
        if config.stop.load(Ordering::SeqCst) {
            status = RunStatus::Interrupted;
            break;
        }
        let done = lattice.steps_done();
        let mut stop_at = next_multiple(done, loaded.output_every).min(total);
        if let Some(every) = loaded.fields.every {
            stop_at = stop_at.min(next_multiple(done, every));
        }
        if let Some(every) = loaded.checkpoint.every {
            stop_at = stop_at.min(next_multiple(done, every));
        }
        if let Some(plan) = &loaded.render {
            stop_at = stop_at.min(next_multiple(done, plan.every));
        }
        let mut steps = chunk.min(stop_at - done);
        if time_dependent {
            // The GPU takes each step's inflow factor from this schedule.
            steps = steps.min(SCHEDULE_CAPACITY as u64);
            lattice.set_schedule(ctx, &step_schedule(loaded, setup_force, done, steps));
        }
        let t0 = Instant::now();
        let mut hooks: Vec<&dyn StepHook> = vec![];
        if let Some(p) = &particles {
            hooks.push(&p.gpu);
        }
        if fields.gpu.sample_every > 0 {
            hooks.push(&fields.gpu);
        }
        lattice.step_with(ctx, steps as u32, Some(&StepHooks(hooks)));
        ctx.finish()?;
        let per_step = t0.elapsed().as_secs_f64() / steps as f64;
        let t1 = Instant::now();
        let totals = lattice.probe(ctx)?;
        let probe_seconds = t1.elapsed().as_secs_f64();
        // Next chunk: about CHUNK_SECONDS of stepping, and long enough that probing
        // costs at most a tenth of it.
        let wanted =
            (CHUNK_SECONDS / per_step.max(1e-9)).max(10.0 * probe_seconds / per_step.max(1e-9));
        chunk = (wanted as u64).clamp(1, 100_000);

        let step = lattice.steps_done();
        let density_drift = (totals.fluid_delta_mass - initial_delta_mass)
            / (fluid_cells as f64 + initial_delta_mass);
        let runaway = totals.non_finite() || totals.max_speed > DIVERGENCE_SPEED_LATTICE;
        if runaway || density_drift.abs() > DIVERGENCE_DENSITY_DRIFT {
            let cell = voxels.dims.coords(totals.max_speed_cell as usize);
            divergence = Some(Divergence {
                step,
                time_s: step as f64 * units.dt_s,
                cell,
                position_m: voxels.cell_centre_m(totals.max_speed_cell as usize),
                speed_m_s: (!totals.non_finite())
                    .then(|| units.velocity_to_si(totals.max_speed as f64)),
                likely_cause: if runaway {
                    likely_cause(units)
                } else {
                    format!(
                        "the mean density changed by {:+.0}%: pressures far beyond the weakly \
                         compressible range (|δρ| ≪ 1) the lattice-Boltzmann model holds in. A \
                         body force or outlet pressure out of scale with the flow is the usual \
                         cause; check [lbm] body_force and [outlet] pressure, or lower \
                         time.lattice_velocity",
                        100.0 * density_drift
                    )
                },
            });
            status = RunStatus::Diverged;
        }
        if step % loaded.output_every == 0 || step == total || status == RunStatus::Diverged {
            last_row = write_row(&mut metrics, &totals, step, &mut particles)?;
        }
        if fields.due(step, total) || status == RunStatus::Diverged {
            write_fields(ctx, &mut fields, &lattice, &particles, step)?;
        }
        if let (Some(session), Some(plan)) = (render.as_mut(), &loaded.render) {
            if step.is_multiple_of(plan.every) || step == total {
                let t = Instant::now();
                session
                    .frame(ctx, step as f64 * units.dt_s)
                    .map_err(render_err)?;
                render_seconds += t.elapsed().as_secs_f64();
            }
        }
        let wall = started.elapsed().as_secs_f64();
        let periodic = loaded.checkpoint.every.is_some_and(|e| step % e == 0);
        let by_wall_clock =
            last_checkpoint.elapsed().as_secs_f64() >= loaded.checkpoint.wall_interval_s;
        let at_end = step == total && config.checkpoint_at_end;
        if status != RunStatus::Diverged && (periodic || by_wall_clock || at_end) {
            checkpoint_path = Some(checkpoint_now(&lattice, &particles, &fields, step, wall)?);
            last_checkpoint = Instant::now();
        }
        observer.progress(&Progress {
            step,
            total_steps: total,
            simulated_time_s: step as f64 * units.dt_s,
            mlups: cells as f64 * (step - start_step) as f64 / wall.max(1e-9) / 1e6,
            particles: particles.as_ref().map(|p| p.injected_and_lodged()),
        });
        if status == RunStatus::Diverged {
            break;
        }
    }
    let wall_time_s = started.elapsed().as_secs_f64();
    let steps = lattice.steps_done();
    if status == RunStatus::Interrupted {
        if last_row.step != steps {
            let totals = lattice.probe(ctx)?;
            last_row = write_row(&mut metrics, &totals, steps, &mut particles)?;
        }
        if !fields
            .state
            .pvd_entries
            .iter()
            .any(|(t, _)| *t >= steps as f64 * units.dt_s)
            && fields.enabled()
        {
            write_fields(ctx, &mut fields, &lattice, &particles, steps)?;
        }
        checkpoint_path = Some(checkpoint_now(
            &lattice,
            &particles,
            &fields,
            steps,
            wall_time_s,
        )?);
    }
    let wall_shear = Some(fields.wall_summary(ctx, &lattice)?);
    let rendered = match render {
        Some(session) => {
            let frames = session.frames;
            let video = session.finish().map_err(render_err)?;
            Some(RenderSummary {
                frames,
                video: video.map(|p| p.display().to_string()),
                seconds: render_seconds,
                seconds_per_frame: render_seconds / frames.max(1) as f64,
            })
        }
        None => None,
    };
    let summary = RunSummary {
        embolus_version: env!("CARGO_PKG_VERSION").into(),
        scenario: loaded.name(),
        scenario_file: loaded.path.display().to_string(),
        status,
        steps,
        steps_planned: total,
        resumed_from_step: config.resume.as_ref().map(|c| c.header.step),
        simulated_time_s: steps as f64 * units.dt_s,
        wall_time_s: wall_before + wall_time_s,
        mlups: cells as f64 * (steps - start_step) as f64 / wall_time_s.max(1e-9) / 1e6,
        lumen_mlups: voxels.lumen_cells() as f64 * (steps - start_step) as f64
            / wall_time_s.max(1e-9)
            / 1e6,
        precision: loaded.scenario.lbm.precision.name().into(),
        storage: if lattice_sparse { "sparse" } else { "dense" }.into(),
        lattice_memory_bytes,
        collision,
        grid: GridSummary {
            nx: voxels.dims.nx,
            ny: voxels.dims.ny,
            nz: voxels.dims.nz,
            cells,
            fluid_cells,
        },
        units: units.clone(),
        adapter: ctx.summary(),
        openings: voxels.openings.clone(),
        final_metrics: Some(last_row),
        divergence,
        particles: particles.as_ref().map(|p| p.summary()),
        wall_shear,
        field_outputs: fields.state.pvd_entries.len(),
        checkpoint: checkpoint_path.map(|p| p.display().to_string()),
        render: rendered,
    };
    let summary_path = out.join("summary.json");
    write_json(&summary_path, &summary).map_err(io_err(&summary_path))?;
    Ok(summary)
}

fn write_fields(
    ctx: &GpuContext,
    fields: &mut FieldRecorder,
    lattice: &GpuLattice,
    particles: &Option<ParticleRecorder>,
    step: u64,
) -> Result<(), RunError> {
    fields
        .write(ctx, lattice, particles.as_ref().map(|p| &p.gpu), step)
        .map(|_| ())
        .map_err(|e| match e {
            FieldError::Gpu(g) => RunError::Gpu(g),
            FieldError::Io { path, source } => RunError::Io { path, source },
        })
}

/// Adds the particle columns to `row` (reading the particles back).
fn record_particles(
    ctx: &GpuContext,
    particles: &mut Option<ParticleRecorder>,
    row: &mut MetricsRow,
) -> Result<(), RunError> {
    if let Some(p) = particles {
        row.extra = p.record(ctx, row).map_err(|e| match e {
            RecordError::Gpu(g) => RunError::Gpu(g),
            RecordError::Io(path, source) => RunError::Io { path, source },
        })?;
    }
    Ok(())
}

/// The row with its inflow-cycle index, for pulsatile runs.
fn with_cycle_index(row: &MetricsRow, loaded: &LoadedScenario) -> MetricsRow {
    let mut r = row.clone();
    // A tiny allowance so that a time exactly at a cycle boundary starts the new cycle.
    r.cycle = loaded
        .waveform
        .period_s()
        .map(|p| (row.time_s / p + 1e-9).floor() as u64);
    r
}

/// The GPU step schedule for steps `from..from + count`: the inflow rises as
/// ½(1 − cos πt/T) over the ramp; the waveform multiplies it, or, for Womersley
/// inlets, enters through each harmonic's phase at mid-step.
pub fn step_schedule(
    loaded: &LoadedScenario,
    force: [f32; 3],
    from: u64,
    count: u64,
) -> Vec<StepState> {
    let womersley = loaded.scenario.inlet.as_ref().map(|i| i.profile)
        == Some(crate::scenario::Profile::Womersley);
    let omega_per_step = loaded
        .waveform
        .period_s()
        .map_or(0.0, |p| 2.0 * std::f64::consts::PI * loaded.units.dt_s / p);
    (from..from + count)
        .map(|n| {
            let t = n as f64 + 0.5;
            let ramp = if n < loaded.ramp_steps {
                0.5 * (1.0 - (std::f64::consts::PI * t / loaded.ramp_steps as f64).cos())
            } else {
                1.0
            };
            let state = if womersley {
                StepState::new(n, ramp as f32, force).with_harmonics(omega_per_step, t)
            } else {
                let factor = ramp * loaded.waveform.factor(t * loaded.units.dt_s);
                StepState::new(n, factor as f32, force)
            };
            // The outlet kernel runs after step n and sets the pressure step n + 1
            // imposes.
            let next = (t + 1.0) * loaded.units.dt_s;
            loaded.outlet_waveforms.iter().enumerate().fold(
                state,
                |state, (slot, (mean, shape))| {
                    state.with_outlet_pressure(slot, mean * shape.factor(next) as f32)
                },
            )
        })
        .collect()
}
