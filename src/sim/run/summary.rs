//! summary.json: what a run did, on what, how fast, and where it ended.

use super::divergence::Divergence;
use crate::gpu::AdapterSummary;
use crate::io::metrics::MetricsRow;
use crate::sim::field_recorder::WallShearSummary;
use crate::units::LatticeUnits;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Completed,
    Interrupted,
    Diverged,
}

#[derive(Clone, Debug, Serialize)]
pub struct GridSummary {
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
    pub cells: usize,
    pub fluid_cells: usize,
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
    /// Period of the pulsatile inflow [s]; none for a steady inflow.
    pub inflow_period_s: Option<f64>,
    /// Each opening's flow and pressure over the last full inflow cycle: mean,
    /// amplitude, peak, phase (pulsatile runs that completed a cycle).
    pub last_cycle: Option<crate::results::cycle::LastCycle>,
    pub divergence: Option<Divergence>,
    pub particles: Option<crate::sim::particle_recorder::ParticleSummary>,
    /// Wall shear stress at the end, and its time average (TAWSS, OSI).
    pub wall_shear: Option<WallShearSummary>,
    /// Field outputs written (fields.pvd lists them).
    pub field_outputs: usize,
    /// The checkpoint this run left, if any.
    pub checkpoint: Option<String>,
    /// Frames rendered during the run.
    pub render: Option<RenderSummary>,
    /// Y-90 activity and absorbed dose per territory (partition model).
    pub dosimetry: Option<crate::dosimetry::DoseSummary>,
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

/// The collision operator as summary.json and the report name it.
pub fn collision_name(loaded: &crate::scenario::LoadedScenario) -> String {
    match loaded.scenario.lbm.collision {
        crate::scenario::CollisionName::Trt => {
            format!("TRT (magic {:.4})", loaded.scenario.lbm.magic)
        }
        crate::scenario::CollisionName::Bgk => "BGK".to_string(),
        crate::scenario::CollisionName::Regularized => "recursive regularized".to_string(),
    }
}
