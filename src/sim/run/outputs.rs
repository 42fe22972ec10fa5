//! The outputs of a run, each saying when it is next due: metrics.csv rows (with the
//! particles' columns and .vtp files), field files, rendered frames and checkpoints.
//! The run stops its batches of steps where the earliest output is due.

use super::error::{io_err, RunError};
use crate::io::metrics::{MetricsRow, MetricsWriter};
use crate::probes::ProbeTotals;
use crate::render::session::RenderSession;
use crate::scenario::LoadedScenario;
use crate::sim::field_recorder::FieldRecorder;
use crate::sim::particle_recorder::ParticleRecorder;
use std::path::PathBuf;
use std::time::Instant;

/// An output with a schedule in steps.
pub trait Output {
    /// The first step after `done` at which this output writes (`None`: no output
    /// by step count).
    fn next_due(&self, done: u64) -> Option<u64>;
}

/// The first multiple of `every` after `done`.
pub fn next_multiple(done: u64, every: u64) -> u64 {
    (done / every + 1) * every
}

/// Rows of metrics.csv at the output interval (and at the end).
pub struct MetricsOutput {
    writer: MetricsWriter,
    path: PathBuf,
    every: u64,
    /// The fluid's δ mass at the start (mass drift is relative to it).
    pub initial_delta_mass: f64,
    /// The last row written.
    pub last_row: MetricsRow,
}

impl Output for MetricsOutput {
    fn next_due(&self, done: u64) -> Option<u64> {
        Some(next_multiple(done, self.every))
    }
}

impl MetricsOutput {
    pub fn new(
        writer: MetricsWriter,
        path: PathBuf,
        every: u64,
        initial_delta_mass: f64,
        last_row: MetricsRow,
    ) -> Self {
        MetricsOutput {
            writer,
            path,
            every,
            initial_delta_mass,
            last_row,
        }
    }

    /// Whether a row is due after `step` of `total` steps.
    pub fn due(&self, step: u64, total: u64) -> bool {
        step.is_multiple_of(self.every) || step == total
    }

    /// Writes the row of the probe totals after `step` steps (particles read back
    /// and recorded too).
    pub fn write(
        &mut self,
        ctx: &crate::gpu::GpuContext,
        loaded: &LoadedScenario,
        totals: &ProbeTotals,
        step: u64,
        particles: &mut Option<ParticleRecorder>,
    ) -> Result<(), RunError> {
        let mut row = metrics_row(totals, self.initial_delta_mass, loaded, step);
        if let Some(p) = particles {
            row.extra = p.record(ctx, &row)?;
        }
        self.writer
            .write(&with_cycle_index(&row, loaded))
            .map_err(io_err(&self.path))?;
        self.last_row = row;
        Ok(())
    }
}

/// One row of metrics in SI units from the probe totals after `step` steps.
pub fn metrics_row(
    totals: &ProbeTotals,
    initial_delta_mass: f64,
    loaded: &LoadedScenario,
    step: u64,
) -> MetricsRow {
    let (voxels, units) = (&loaded.voxels, &loaded.units);
    let mut row = MetricsRow {
        time_s: step as f64 * units.dt_s,
        step,
        cycle: None,
        max_speed_m_s: if totals.non_finite() {
            f64::NAN
        } else {
            units.velocity_to_si(totals.max_speed as f64)
        },
        mass_drift: super::divergence::density_drift(
            totals,
            initial_delta_mass,
            voxels.fluid_cells(),
        ),
        ..Default::default()
    };
    for (o, t) in voxels.openings.iter().zip(&totals.openings) {
        let sign = if o.role == crate::geometry::Role::Inlet {
            1.0
        } else {
            -1.0
        };
        row.flow_m3_s
            .push(sign * units.flow_rate_to_si(t.inward_flux));
        row.pressure_pa
            .push(units.pressure_to_si(t.mean_delta_density()));
    }
    row
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

impl Output for FieldRecorder {
    fn next_due(&self, done: u64) -> Option<u64> {
        self.every().map(|every| next_multiple(done, every))
    }
}

/// Frames rendered during the run ([render]).
pub struct FrameOutput {
    pub session: RenderSession,
    every: u64,
    /// Wall time spent rendering [s].
    pub seconds: f64,
}

impl Output for FrameOutput {
    fn next_due(&self, done: u64) -> Option<u64> {
        Some(next_multiple(done, self.every))
    }
}

impl FrameOutput {
    pub fn new(session: RenderSession, every: u64) -> Self {
        FrameOutput {
            session,
            every,
            seconds: 0.0,
        }
    }

    /// Renders the frame due after `step` of `total` steps, if one is.
    pub fn write_if_due(
        &mut self,
        ctx: &crate::gpu::GpuContext,
        step: u64,
        total: u64,
        time_s: f64,
    ) -> Result<(), RunError> {
        if step.is_multiple_of(self.every) || step == total {
            let t = Instant::now();
            self.session.frame(ctx, time_s)?;
            self.seconds += t.elapsed().as_secs_f64();
        }
        Ok(())
    }
}
