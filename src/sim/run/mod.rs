//! A run of a scenario: the GPU state (lattice, coupling, particles, wall-shear
//! fields), the outputs that each say when they are next due (metrics, fields,
//! frames, checkpoints), the divergence check, and the summary at the end.
//! [`Run::advance`] steps to the next output; [`run`] drives a run to its end for
//! `embolus run` and the tests.

pub mod checkpoints;
pub mod divergence;
mod dose;
pub mod error;
mod frames;
pub mod outputs;
pub mod schedule;
pub mod summary;

pub use checkpoints::load_for_resume;
pub use divergence::{Divergence, DIVERGENCE_DENSITY_DRIFT, DIVERGENCE_SPEED_LATTICE};
pub use error::{ResumeError, RunError};
pub use schedule::step_schedule;
pub use summary::{GridSummary, RenderSummary, RunStatus, RunSummary};

use crate::io::centreline_file::{vessel_centrelines, write_centrelines};

use super::build::lattice_setup;
use super::checkpoint::{restore_state, GpuState};
use super::coupling::Coupling;
use super::field_recorder::FieldRecorder;
use super::lattice_gpu::{GpuLattice, StepHook, StepHooks, SCHEDULE_CAPACITY};
use super::particle_recorder::ParticleRecorder;
use crate::gpu::GpuContext;
use crate::io::checkpoint::Checkpoint;
use crate::io::metrics::{MetricsRow, MetricsWriter};
use crate::lbm::waveform::Waveform;
use crate::probes::ProbeTotals;
use crate::scenario::LoadedScenario;
use checkpoints::{mismatch, CheckpointOutput, HostState};
use error::io_err;
use outputs::{FrameOutput, MetricsOutput, Output};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Wall time aimed at per submitted chunk of steps: short enough for a live progress
/// display and a prompt Ctrl-C, long enough that probing costs little.
const CHUNK_SECONDS: f64 = 0.3;

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

/// A run in progress.
pub struct Run<'a> {
    ctx: &'a GpuContext,
    loaded: &'a LoadedScenario,
    out: PathBuf,
    lattice: GpuLattice,
    fields: FieldRecorder,
    particles: Option<ParticleRecorder>,
    metrics: MetricsOutput,
    frames: Option<FrameOutput>,
    checkpoints: CheckpointOutput,
    /// The inflow or outlet pressure varies: the GPU follows a schedule.
    time_dependent: bool,
    body_force: [f32; 3],
    /// Steps per submitted chunk (adapted to the speed).
    chunk: u64,
    start_step: u64,
    resumed_from: Option<u64>,
    /// Wall time of the runs before a resume, and when this one started.
    wall_before_s: f64,
    started: Instant,
    divergence: Option<divergence::Divergence>,
}

/// Runs `loaded` on `ctx` to its end (or Ctrl-C, or divergence), writing metrics.csv,
/// fields, particles, frames, checkpoints and summary.json to `config.out_dir`.
pub fn run(
    ctx: &GpuContext,
    loaded: &LoadedScenario,
    config: &RunConfig,
    observer: &mut dyn RunObserver,
) -> Result<RunSummary, RunError> {
    let mut run = Run::start(ctx, loaded, config)?;
    let status = loop {
        if config.stop.load(Ordering::SeqCst) {
            break RunStatus::Interrupted;
        }
        if run.is_done() {
            break RunStatus::Completed;
        }
        let diverged = run.advance()?;
        observer.progress(&run.progress());
        if diverged {
            break RunStatus::Diverged;
        }
    };
    if status == RunStatus::Interrupted {
        run.write_on_interrupt()?;
    }
    run.finish(status)
}

impl<'a> Run<'a> {
    /// Builds the GPU state and outputs, fresh or from `config.resume`.
    pub fn start(
        ctx: &'a GpuContext,
        loaded: &'a LoadedScenario,
        config: &RunConfig,
    ) -> Result<Self, RunError> {
        let out = config.out_dir.clone();
        std::fs::create_dir_all(&out).map_err(io_err(&out))?;
        let setup = lattice_setup(&loaded.voxels, loaded);
        // Particles and frames read the velocity field the step kernel then writes.
        // An antireflux seal is a drag the coupled step applies.
        let coupled =
            loaded.particles.is_some() || loaded.render.is_some() || setup.valve.is_some();
        let mut lattice = if coupled {
            GpuLattice::coupled(ctx, &setup, &Coupling::for_setup(ctx, &setup))?
        } else {
            GpuLattice::new(ctx, &setup)?
        };
        let mut fields = FieldRecorder::new(ctx, &lattice, &setup.flags, loaded, &out)?;
        if fields.enabled() {
            // The vessel's centrelines with the lumen radius, beside the wall surface.
            let lines = vessel_centrelines(&loaded.voxels);
            let path = out.join("centreline.vtp");
            if !lines.is_empty() {
                write_centrelines(&path, &lines).map_err(io_err(&path))?;
            }
        }
        let mut particles = match &loaded.particles {
            Some(run) => Some(ParticleRecorder::new(
                ctx,
                &lattice,
                lattice.coupling(),
                loaded,
                run,
                &out,
            )?),
            None => None,
        };
        let start_step = config.resume.as_ref().map_or(0, |c| c.header.step);
        let frames = match &loaded.render {
            Some(plan) => Some(FrameOutput::new(
                frames::render_session(ctx, loaded, &lattice, &particles, plan, &out, start_step)?,
                plan.every,
            )),
            None => None,
        };
        let host = match &config.resume {
            Some(ck) => Some(restore(
                ctx,
                loaded,
                &out,
                ck,
                &mut lattice,
                &mut particles,
                &mut fields,
            )?),
            None => None,
        };
        let layout = MetricsLayout::of(loaded, &out, &particles);
        // A fresh run: the initial state's probe sets the mass reference and the
        // first row of metrics.csv.
        let (metrics, first) = match (&config.resume, &host) {
            (Some(ck), Some(host)) => (layout.resume(ck, host, loaded, &out)?, None),
            _ => {
                let first = lattice.probe(ctx)?;
                (layout.create(&first, loaded)?, Some(first))
            }
        };
        let mut run = Run {
            ctx,
            loaded,
            out,
            lattice,
            fields,
            particles,
            metrics,
            frames,
            checkpoints: CheckpointOutput::new(loaded, config.checkpoint_at_end),
            time_dependent: loaded.ramp_steps > 0
                || loaded.waveform != Waveform::Constant
                || !loaded.outlet_waveforms.is_empty(),
            body_force: setup.force,
            chunk: 1,
            start_step,
            resumed_from: config.resume.as_ref().map(|c| c.header.step),
            wall_before_s: host.as_ref().map_or(0.0, |h| h.wall_time_s),
            started: Instant::now(),
            divergence: None,
        };
        if let Some(first) = &first {
            run.metrics
                .write(ctx, loaded, first, 0, &mut run.particles)?;
        }
        // The scenario text this run follows (with any --set changes), beside its
        // results; written once the run has started (a refused resume leaves the
        // directory as it was).
        let text = run.out.join("scenario.toml");
        std::fs::write(&text, &loaded.source).map_err(io_err(&text))?;
        run.started = Instant::now();
        Ok(run)
    }

    pub fn steps_done(&self) -> u64 {
        self.lattice.steps_done()
    }

    pub fn is_done(&self) -> bool {
        self.steps_done() >= self.loaded.steps || self.held_after_stasis()
    }

    /// `[time] stop_at = "stasis"`: stasis reached (seen at an output) and held for
    /// `after_stasis` seconds, at an output (so the last metrics row is the end).
    fn held_after_stasis(&self) -> bool {
        let time = &self.loaded.scenario.time;
        if time.stop_at != Some(crate::scenario::schema::StopAt::Stasis) {
            return false;
        }
        let Some(since) = self.particles.as_ref().and_then(|p| p.stasis_time_s()) else {
            return false;
        };
        let done = self.steps_done();
        let now = done as f64 * self.loaded.units.dt_s;
        self.metrics.last_row.step == done
            && now - since >= time.after_stasis.unwrap_or(0.0) - 0.5 * self.loaded.units.dt_s
    }

    /// The next step at which an output is due, or the end.
    fn next_stop(&self) -> u64 {
        let done = self.steps_done();
        let mut outputs: Vec<&dyn Output> = vec![&self.metrics, &self.fields, &self.checkpoints];
        if let Some(f) = &self.frames {
            outputs.push(f);
        }
        outputs
            .iter()
            .filter_map(|o| o.next_due(done))
            .fold(self.loaded.steps, u64::min)
    }

    /// Steps one chunk (at most to the next output), probes the state, checks for
    /// divergence and writes the outputs due; returns whether the run diverged.
    pub fn advance(&mut self) -> Result<bool, RunError> {
        let done = self.steps_done();
        let mut steps = self.chunk.min(self.next_stop() - done);
        if self.time_dependent {
            // The GPU takes each step's inflow factor from this schedule.
            steps = steps.min(SCHEDULE_CAPACITY as u64);
            let schedule = step_schedule(self.loaded, self.body_force, done, steps);
            self.lattice.set_schedule(self.ctx, &schedule);
        }
        let t0 = Instant::now();
        let mut hooks: Vec<&dyn StepHook> = vec![];
        if let Some(p) = &self.particles {
            hooks.push(&p.gpu);
        }
        if self.fields.gpu.sample_every > 0 {
            hooks.push(&self.fields.gpu);
        }
        self.lattice
            .step_with(self.ctx, steps as u32, Some(&StepHooks(hooks)));
        self.ctx.finish()?;
        let per_step = t0.elapsed().as_secs_f64() / steps as f64;
        let t1 = Instant::now();
        let totals = self.lattice.probe(self.ctx)?;
        self.size_next_chunk(per_step, t1.elapsed().as_secs_f64());
        let step = self.steps_done();
        self.divergence =
            divergence::check(&totals, self.metrics.initial_delta_mass, self.loaded, step);
        self.write_due(&totals, step)?;
        Ok(self.divergence.is_some())
    }

    /// Next chunk: about CHUNK_SECONDS of stepping, and long enough that probing
    /// costs at most a tenth of it.
    fn size_next_chunk(&mut self, per_step_s: f64, probe_s: f64) {
        let per_step = per_step_s.max(1e-9);
        let wanted = (CHUNK_SECONDS / per_step).max(10.0 * probe_s / per_step);
        self.chunk = (wanted as u64).clamp(1, 100_000);
    }

    /// Writes every output due after `step` (all of them when the run diverged).
    fn write_due(&mut self, totals: &ProbeTotals, step: u64) -> Result<(), RunError> {
        let (total, diverged) = (self.loaded.steps, self.divergence.is_some());
        if self.metrics.due(step, total) || diverged {
            self.metrics
                .write(self.ctx, self.loaded, totals, step, &mut self.particles)?;
        }
        if self.fields.due(step, total) || diverged {
            self.write_fields(step)?;
        }
        if let Some(frames) = &mut self.frames {
            let time_s = step as f64 * self.loaded.units.dt_s;
            frames.write_if_due(self.ctx, step, total, time_s)?;
        }
        if !diverged && self.checkpoints.due(step, total) {
            self.write_checkpoint(step)?;
        }
        Ok(())
    }

    fn write_fields(&mut self, step: u64) -> Result<(), RunError> {
        let particles = self.particles.as_ref().map(|p| &p.gpu);
        self.fields
            .write(self.ctx, &self.lattice, particles, step)?;
        Ok(())
    }

    fn write_checkpoint(&mut self, step: u64) -> Result<(), RunError> {
        let host = HostState {
            initial_delta_mass: self.metrics.initial_delta_mass,
            wall_time_s: self.wall_before_s + self.started.elapsed().as_secs_f64(),
            particles: self.particles.as_ref().map(|p| p.state.clone()),
            fields: Some(self.fields.state.clone()),
        };
        let objects = state_objects(&self.lattice, &self.particles, &self.fields);
        self.checkpoints
            .write(self.ctx, self.loaded, &self.out, &objects, &host, step)
    }

    /// Stopped by Ctrl-C: the last row and fields of the state reached, and a
    /// checkpoint to resume from.
    pub fn write_on_interrupt(&mut self) -> Result<(), RunError> {
        let steps = self.steps_done();
        if self.metrics.last_row.step != steps {
            let totals = self.lattice.probe(self.ctx)?;
            self.metrics
                .write(self.ctx, self.loaded, &totals, steps, &mut self.particles)?;
        }
        let t = steps as f64 * self.loaded.units.dt_s;
        let written = self.fields.state.pvd_entries.iter().any(|(e, _)| *e >= t);
        if self.fields.enabled() && !written {
            self.write_fields(steps)?;
        }
        self.write_checkpoint(steps)
    }

    pub fn progress(&self) -> Progress {
        let step = self.steps_done();
        let wall = self.started.elapsed().as_secs_f64();
        Progress {
            step,
            total_steps: self.loaded.steps,
            simulated_time_s: step as f64 * self.loaded.units.dt_s,
            mlups: self.loaded.voxels.dims.cells() as f64 * (step - self.start_step) as f64
                / wall.max(1e-9)
                / 1e6,
            particles: self.particles.as_ref().map(|p| p.injected_and_lodged()),
        }
    }

    /// Ends the run: the wall-shear summary, the video, summary.json.
    pub fn finish(self, status: RunStatus) -> Result<RunSummary, RunError> {
        let wall_s = self.started.elapsed().as_secs_f64();
        let wall_shear = Some(self.fields.wall_summary(self.ctx, &self.lattice)?);
        let render = match self.frames {
            Some(f) => {
                let frames = f.session.frames;
                let video = f.session.finish()?;
                Some(RenderSummary {
                    frames,
                    video: video.map(|p| p.display().to_string()),
                    seconds: f.seconds,
                    seconds_per_frame: f.seconds / frames.max(1) as f64,
                })
            }
            None => None,
        };
        let (loaded, voxels) = (self.loaded, &self.loaded.voxels);
        let steps = self.lattice.steps_done();
        let updates = (steps - self.start_step) as f64 / wall_s.max(1e-9) / 1e6;
        let summary = RunSummary {
            embolus_version: env!("CARGO_PKG_VERSION").into(),
            scenario: loaded.name(),
            scenario_file: loaded.path.display().to_string(),
            status,
            steps,
            steps_planned: loaded.steps,
            resumed_from_step: self.resumed_from,
            simulated_time_s: steps as f64 * loaded.units.dt_s,
            wall_time_s: self.wall_before_s + wall_s,
            mlups: voxels.dims.cells() as f64 * updates,
            lumen_mlups: voxels.lumen_cells() as f64 * updates,
            precision: loaded.scenario.lbm.precision.name().into(),
            storage: if self.lattice.split.sparse {
                "sparse"
            } else {
                "dense"
            }
            .into(),
            lattice_memory_bytes: self.lattice.memory_bytes(),
            collision: summary::collision_name(loaded),
            grid: GridSummary {
                nx: voxels.dims.nx,
                ny: voxels.dims.ny,
                nz: voxels.dims.nz,
                cells: voxels.dims.cells(),
                fluid_cells: voxels.fluid_cells(),
            },
            units: loaded.units.clone(),
            adapter: self.ctx.summary(),
            openings: voxels.openings.clone(),
            final_metrics: Some(self.metrics.last_row.clone()),
            inflow_period_s: loaded.waveform.period_s(),
            last_cycle: loaded.waveform.period_s().and_then(|period| {
                let table = crate::io::metrics::MetricsTable::read(&self.out.join("metrics.csv"));
                crate::results::cycle::last_full_cycle(&table.ok()?, period)
            }),
            divergence: self.divergence.clone(),
            particles: match &self.particles {
                Some(p) => {
                    p.write_fates(self.ctx)?;
                    Some(p.summary())
                }
                None => None,
            },
            wall_shear,
            field_outputs: self.fields.state.pvd_entries.len(),
            checkpoint: self
                .checkpoints
                .written
                .as_ref()
                .map(|p| p.display().to_string()),
            render,
            dosimetry: match (&loaded.dosimetry, &self.particles) {
                (Some(plan), Some(p)) => Some(dose::dosimetry(&self.out, self.ctx, plan, p)?),
                _ => None,
            },
        };
        let path = self.out.join("summary.json");
        crate::io::summary::write_json(&path, &summary).map_err(io_err(&path))?;
        Ok(summary)
    }

    /// The results directory.
    pub fn out_dir(&self) -> &Path {
        &self.out
    }
}

/// Continues from checkpoint `ck`: the GPU buffers and the host's bookkeeping (which
/// it returns). Nothing in the results directory changes before this succeeds.
fn restore(
    ctx: &GpuContext,
    loaded: &LoadedScenario,
    out: &Path,
    ck: &Checkpoint,
    lattice: &mut GpuLattice,
    particles: &mut Option<ParticleRecorder>,
    fields: &mut FieldRecorder,
) -> Result<HostState, RunError> {
    let step = ck.header.step;
    if step >= loaded.steps {
        return Err(mismatch(
            out,
            format!("the run already reached step {step} of {}", loaded.steps),
            "give --steps beyond the checkpoint's step to extend the run",
        ));
    }
    lattice.resume_at(step);
    restore_state(ctx, &state_objects(lattice, particles, fields), ck).map_err(|p| {
        mismatch(
            out,
            p,
            "resume with the scenario and embolus version that wrote it",
        )
    })?;
    let host: HostState = serde_json::from_value(ck.header.host.clone()).map_err(|e| {
        mismatch(
            out,
            format!("its run state is unreadable ({e})"),
            "resume with the embolus version that wrote it",
        )
    })?;
    // Outputs written where a shorter run ended, off the output schedule, are left
    // out of the resumed run's records (their files stay).
    let step_of = |t: f64| (t / loaded.units.dt_s).round() as u64;
    if let (Some(p), Some(mut state)) = (particles.as_mut(), host.particles.clone()) {
        state
            .vtp_entries
            .retain(|(t, _)| on_output_schedule(loaded, step_of(*t)));
        p.state = state;
    }
    if let Some(mut state) = host.fields.clone() {
        let every = loaded.fields.every;
        let scheduled =
            |(t, _): &(f64, String)| every.is_some_and(|e| step_of(*t).is_multiple_of(e));
        state.pvd_entries.retain(scheduled);
        state.wall_entries.retain(scheduled);
        fields.state = state;
    }
    Ok(host)
}

/// Whether metrics were written after `step` steps on the output schedule.
fn on_output_schedule(loaded: &LoadedScenario, step: u64) -> bool {
    step == 0 || step.is_multiple_of(loaded.output_every)
}

/// The GPU objects whose buffers make up a checkpoint, in section order.
fn state_objects<'b>(
    lattice: &'b GpuLattice,
    particles: &'b Option<ParticleRecorder>,
    fields: &'b FieldRecorder,
) -> Vec<&'b dyn GpuState> {
    let mut v: Vec<&dyn GpuState> = vec![lattice];
    if let Some(p) = particles {
        v.push(&p.gpu);
    }
    v.push(&fields.gpu);
    v
}

/// The columns of metrics.csv: openings, cycle index, particle columns.
struct MetricsLayout {
    path: PathBuf,
    names: Vec<String>,
    with_cycle: bool,
    extra: Vec<String>,
}

impl MetricsLayout {
    fn of(loaded: &LoadedScenario, out: &Path, particles: &Option<ParticleRecorder>) -> Self {
        MetricsLayout {
            path: out.join("metrics.csv"),
            names: loaded
                .voxels
                .openings
                .iter()
                .map(|o| o.name.clone())
                .collect(),
            with_cycle: loaded.waveform.period_s().is_some(),
            extra: particles
                .as_ref()
                .map(|p| p.column_names())
                .unwrap_or_default(),
        }
    }

    /// A fresh metrics.csv; mass drift is measured from `first`, the initial state.
    fn create(
        &self,
        first: &ProbeTotals,
        loaded: &LoadedScenario,
    ) -> Result<MetricsOutput, RunError> {
        let writer = MetricsWriter::create(&self.path, &self.names, self.with_cycle, &self.extra)
            .map_err(io_err(&self.path))?;
        Ok(MetricsOutput::new(
            writer,
            self.path.clone(),
            loaded.output_every,
            first.fluid_delta_mass,
            MetricsRow::default(),
        ))
    }

    /// metrics.csv cut back to the step of checkpoint `ck` (whose host state is
    /// `host`).
    fn resume(
        &self,
        ck: &Checkpoint,
        host: &HostState,
        loaded: &LoadedScenario,
        out: &Path,
    ) -> Result<MetricsOutput, RunError> {
        let step = ck.header.step;
        let on_schedule = |s: u64| on_output_schedule(loaded, s);
        let writer = MetricsWriter::resume(
            &self.path,
            &self.names,
            self.with_cycle,
            &self.extra,
            step,
            on_schedule,
        )
        .map_err(|e| {
            mismatch(
                out,
                format!("{}: {e}", self.path.display()),
                "resume into the results directory of the run that wrote the checkpoint",
            )
        })?;
        let row = MetricsRow {
            step,
            time_s: step as f64 * loaded.units.dt_s,
            ..Default::default()
        };
        Ok(MetricsOutput::new(
            writer,
            self.path.clone(),
            loaded.output_every,
            host.initial_delta_mass,
            row,
        ))
    }
}
