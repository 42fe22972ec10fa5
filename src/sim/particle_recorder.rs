//! Particles at the output interval: reads their states back, tallies them, writes
//! the particle columns of metrics.csv and particles/*.vtp, and follows each outlet's
//! flow against its value before the first release (baseline) to time its occlusion.

use super::particles_gpu::GpuParticles;
use super::GpuLattice;
use crate::geometry::Role;
use crate::gpu::{GpuContext, GpuError};
use crate::io::metrics::MetricsRow;
use crate::io::vtk::VtiData;
use crate::particles::tally::{tally, Tally};
use crate::particles::ParticleRun;
use crate::scenario::LoadedScenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A baseline whose flow changed by more than this over the output interval before
/// it was still settling (the run says so; start the injection later).
pub const SETTLED_CHANGE: f64 = 0.02;

/// Flow below this fraction of its baseline counts as occluded.
pub const OCCLUSION_FLOW_FRACTION: f64 = 0.1;

/// Fewest outputs per period for cycle-mean flows (fewer: instantaneous flows).
pub const MIN_CYCLE_SAMPLES: usize = 4;

/// Inflow below this fraction of its baseline is stasis (issue 19: < 5%).
pub const STASIS_FLOW_FRACTION: f64 = 0.05;

/// The particle part of summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct ParticleSummary {
    pub particles_planned: usize,
    pub agents: Vec<String>,
    pub tally: Tally,
    /// Cells turned into wall by lodged particles, and their volume [m³].
    pub occluded_cells: u64,
    pub occluded_volume_m3: f64,
    /// Per outlet: flow before the first release [m³/s], flow at the end over it, and
    /// the time from the first release until the flow fell below 10% of the baseline.
    pub baseline_flow_m3_s: BTreeMap<String, f64>,
    pub final_flow_over_baseline: BTreeMap<String, f64>,
    /// Per outlet: relative change of the flow over the output interval that ended at
    /// the baseline. Above [`SETTLED_CHANGE`] the flow had not settled when the
    /// injection began, and flow / baseline compares with a start-up transient.
    pub baseline_change: BTreeMap<String, f64>,
    pub time_to_occlusion_s: BTreeMap<String, Option<f64>>,
    /// Inflow through the inlets at the end over its baseline, and the time from the
    /// first release until it fell below [`STASIS_FLOW_FRACTION`] of it (stasis; with
    /// a velocity inlet the inflow is imposed and never falls).
    pub final_inflow_over_baseline: Option<f64>,
    pub time_to_stasis_s: Option<f64>,
    /// Per outlet: fraction of the injected particle volume that left through it.
    pub exited_volume_fraction: BTreeMap<String, f64>,
    /// Reflux past the catheter tip and the split between `[target]` and other
    /// branches (`None` without a catheter or target).
    pub delivery: Option<super::reflux::Delivery>,
}

pub struct ParticleRecorder {
    pub gpu: GpuParticles,
    labels: Vec<u32>,
    diameters_m: Vec<f64>,
    openings: Vec<(String, Role)>,
    first_release_step: u64,
    /// Period of a pulsatile flow [s]: flows are then compared as means over the
    /// last period (an instantaneous flow in diastole is no baseline).
    period_s: Option<f64>,
    dt_s: f64,
    dx_m: f64,
    origin_m: [f64; 3],
    cell_volume_m3: f64,
    agents: Vec<String>,
    vtp_dir: Option<PathBuf>,
    /// particles/fates.csv, written at the end of the run.
    fates_path: PathBuf,
    /// With a catheter: tells the particles that go back past its tip, and measures
    /// the flow past it.
    reflux: Option<super::reflux::RefluxGauge>,
    tip_flow: Option<super::reflux::TipFlowGauge>,
    /// `[target]` outlets by opening index.
    target: Vec<usize>,
    /// The catheter, whose injection flow joins the inflow.
    catheter: Option<crate::scenario::case::catheter::CatheterPlan>,
    pub state: ParticleRecorderState,
}

/// The recorder's bookkeeping between outputs (kept in checkpoints).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParticleRecorderState {
    pub baseline: Option<Vec<f64>>,
    /// The flows one output before the baseline: how much they still changed tells
    /// whether the baseline is a settled flow or a start-up transient.
    #[serde(default)]
    pub baseline_before: Option<Vec<f64>>,
    #[serde(with = "crate::io::nan_as_null")]
    pub last_ratio: Vec<f64>,
    pub time_to_occlusion: Vec<Option<f64>>,
    #[serde(default)]
    pub time_to_stasis: Option<f64>,
    /// The flows of the outputs within the last period of a pulsatile flow.
    #[serde(default)]
    pub recent_flows: Vec<(f64, Vec<f64>)>,
    #[serde(default)]
    pub last_inflow_ratio: Option<f64>,
    /// Per particle: the step of the output that first saw it lodged, stuck or
    /// exited (0: not yet; fates.csv).
    #[serde(default)]
    pub fate_step: Vec<u64>,
    /// Per particle: seen upstream of the catheter tip (reflux).
    #[serde(default)]
    pub refluxed: Vec<bool>,
    /// Most backflow past the catheter tip while injecting [m³/s], and the sums over
    /// those outputs of the backflow and of the injection flow.
    #[serde(default)]
    pub peak_backflow: Option<f64>,
    #[serde(default)]
    pub backflow_sums: (f64, f64),
    pub last: Tally,
    pub occluded_cells: u64,
    pub vtp_entries: Vec<(f64, String)>,
}

impl ParticleRecorder {
    pub fn new(
        ctx: &GpuContext,
        lattice: &GpuLattice,
        coupling: &crate::sim::Coupling,
        loaded: &LoadedScenario,
        run: &ParticleRun,
        out_dir: &std::path::Path,
    ) -> Result<Self, GpuError> {
        let voxels = &loaded.voxels;
        let geometry = crate::particles::fields::scenario_cell_geometry(loaded);
        let gpu = GpuParticles::new(
            ctx,
            lattice,
            coupling,
            &run.plan,
            &run.settings,
            &geometry,
            0,
        )?;
        let n = voxels.openings.len();
        Ok(ParticleRecorder {
            gpu,
            labels: crate::particles::fields::branch_labels(voxels),
            diameters_m: run.plan.diameters_m.clone(),
            openings: voxels
                .openings
                .iter()
                .map(|o| (o.name.clone(), o.role))
                .collect(),
            first_release_step: run.plan.first_release_step,
            period_s: loaded.waveform.period_s().or_else(|| {
                loaded
                    .outlet_waveforms
                    .iter()
                    .find_map(|(_, w)| w.period_s())
            }),
            dt_s: loaded.units.dt_s,
            dx_m: voxels.voxel_size_m,
            origin_m: voxels.origin_m,
            cell_volume_m3: voxels.voxel_size_m.powi(3),
            agents: run.plan.agent_names.clone(),
            vtp_dir: run.write_vtp.then(|| out_dir.join("particles")),
            fates_path: out_dir.join("particles").join("fates.csv"),
            reflux: loaded
                .catheter
                .as_ref()
                .map(|c| super::reflux::RefluxGauge::new(c, voxels)),
            target: loaded.target_openings.clone(),
            tip_flow: loaded
                .catheter
                .as_ref()
                .and_then(|c| super::reflux::TipFlowGauge::new(c, coupling, &loaded.units)),
            catheter: loaded.catheter.clone(),
            state: ParticleRecorderState {
                baseline: None,
                baseline_before: None,
                last_ratio: vec![f64::NAN; n],
                time_to_occlusion: vec![None; n],
                time_to_stasis: None,
                recent_flows: Vec::new(),
                last_inflow_ratio: None,
                fate_step: Vec::new(),
                refluxed: Vec::new(),
                peak_backflow: None,
                backflow_sums: (0.0, 0.0),
                last: Tally::default(),
                occluded_cells: 0,
                vtp_entries: vec![],
            },
        })
    }

    fn outlets(&self) -> impl Iterator<Item = (usize, &str)> {
        self.openings
            .iter()
            .enumerate()
            .filter(|(_, o)| o.1 == Role::Outlet)
            .map(|(k, o)| (k, o.0.as_str()))
    }

    /// Names of the particle columns of metrics.csv, in `record`'s order.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = ["injected", "free", "lodged", "stuck", "exited"]
            .iter()
            .map(|s| format!("particles {s} [-]"))
            .collect();
        names.push("lodged volume [m^3]".into());
        names.push("occluded cells [-]".into());
        names.push("occluded volume [m^3]".into());
        if self.reflux.is_some() {
            names.push("particles refluxed [-]".into());
        }
        if self.tip_flow.is_some() {
            names.push("flow past the catheter tip [m^3/s]".into());
        }
        let outlets: Vec<String> = self.outlets().map(|(_, n)| n.to_string()).collect();
        for n in &outlets {
            names.push(format!("{n} particles exited [-]"));
            names.push(format!("{n} exited volume fraction [-]"));
            names.push(format!("{n} particles lodged in branch [-]"));
            names.push(format!("{n} flow / baseline [-]"));
        }
        names
    }

    /// Reads the particles back after the output `row` and returns the particle
    /// columns; writes the .vtp of this output.
    pub fn record(&mut self, ctx: &GpuContext, row: &MetricsRow) -> Result<Vec<f64>, RecordError> {
        let status = self.gpu.read_status(ctx)?;
        self.state.occluded_cells = self.gpu.occluded_cells(ctx)?;
        let t = tally(
            &status,
            &self.diameters_m,
            &self.labels,
            self.openings.len(),
        );
        self.note_fates(&status, row.step);
        let flows = self.compared_flows(row);
        if row.step <= self.first_release_step || self.state.baseline.is_none() {
            self.state.baseline_before = self.state.baseline.take();
            self.state.baseline = Some(flows.clone());
        }
        let baseline = self.state.baseline.clone().unwrap_or_default();
        let mut columns = vec![
            t.injected as f64,
            t.free as f64,
            t.lodged as f64,
            t.stuck as f64,
            t.exited as f64,
            t.lodged_volume_m3,
            self.state.occluded_cells as f64,
            self.state.occluded_cells as f64 * self.cell_volume_m3,
        ];
        // Positions are read once per output, for the reflux gauge and the .vtp.
        let positions = match self.reflux.is_some() || self.vtp_dir.is_some() {
            true => self.gpu.read_positions(ctx)?,
            false => Vec::new(),
        };
        if let Some(gauge) = &self.reflux {
            gauge.mark(&mut self.state.refluxed, &status, &positions);
            columns.push(self.state.refluxed.iter().filter(|&&r| r).count() as f64);
        }
        if let Some(gauge) = &self.tip_flow {
            let flow = gauge.flow_m3_s(ctx)?;
            self.note_backflow(flow, row.time_s);
            columns.push(flow);
        }
        let outlets: Vec<usize> = self.outlets().map(|(k, _)| k).collect();
        for k in outlets {
            let ratio = if baseline[k].abs() > 0.0 {
                flows[k] / baseline[k]
            } else {
                f64::NAN
            };
            self.state.last_ratio[k] = ratio;
            if row.step > self.first_release_step
                && self.state.time_to_occlusion[k].is_none()
                // |ratio|: a reversed branch flow is no occlusion.
                && ratio.abs() < OCCLUSION_FLOW_FRACTION
            {
                self.state.time_to_occlusion[k] =
                    Some(row.time_s - self.first_release_step as f64 * self.dt_s);
            }
            columns.push(t.exited_by_opening[k] as f64);
            columns.push(if t.injected_volume_m3 > 0.0 {
                t.exited_volume_by_opening_m3[k] / t.injected_volume_m3
            } else {
                0.0
            });
            columns.push(t.lodged_by_branch[k] as f64);
            columns.push(ratio);
        }
        self.follow_inflow(row, &flows, &baseline);
        if let Some(dir) = &self.vtp_dir {
            self.write_vtp(dir.clone(), row, &status, &positions)?;
        }
        self.state.last = t;
        Ok(columns)
    }

    /// Marks the particles first seen lodged, stuck or exited at this output.
    fn note_fates(&mut self, status: &[[u32; 4]], step: u64) {
        use crate::particles::plan::state::{EXITED, LODGED, STUCK};
        let seen = &mut self.state.fate_step;
        seen.resize(status.len(), 0);
        for (s, m) in seen.iter_mut().zip(status) {
            if *s == 0 && matches!(m[0], LODGED | STUCK | EXITED) {
                *s = step;
            }
        }
    }

    /// Writes particles/fates.csv: every planned particle's fate (at the end of a
    /// run, stopped or not).
    pub fn write_fates(&self, ctx: &GpuContext) -> Result<(), RecordError> {
        let status = self.gpu.read_status(ctx)?;
        let positions = self.gpu.read_positions(ctx)?;
        let path = &self.fates_path;
        let io = |e| RecordError::Io(path.clone(), e);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let openings: Vec<String> = self.openings.iter().map(|o| o.0.clone()).collect();
        let context = super::particle_fates::FateContext {
            agents: &self.agents,
            diameters_m: &self.diameters_m,
            openings: &openings,
            branch_of_cell: &self.labels,
            dt_s: self.dt_s,
            dx_m: self.dx_m,
            origin_m: self.origin_m,
            fate_step: &self.state.fate_step,
            refluxed: self.reflux.is_some().then_some(&self.state.refluxed[..]),
        };
        super::particle_fates::write_fates(path, &context, &status, &positions).map_err(io)
    }

    /// Each opening's flow as compared with its baseline: the output's own, or for a
    /// pulsatile flow the mean over the outputs within the last period (once they
    /// span it with at least [`MIN_CYCLE_SAMPLES`]; before, the output's own).
    fn compared_flows(&mut self, row: &MetricsRow) -> Vec<f64> {
        let Some(period) = self.period_s else {
            return row.flow_m3_s.clone();
        };
        let recent = &mut self.state.recent_flows;
        recent.retain(|(t, _)| *t < row.time_s);
        recent.push((row.time_s, row.flow_m3_s.clone()));
        // Outputs a period or more back are out, but one that far lets the window
        // count as spanning the period.
        let spans = recent[0].0 <= row.time_s - period + 0.5 * self.dt_s;
        recent.retain(|(t, _)| *t > row.time_s - period + 0.5 * self.dt_s);
        if !spans || recent.len() < MIN_CYCLE_SAMPLES {
            return row.flow_m3_s.clone();
        }
        let n = recent.len() as f64;
        (0..row.flow_m3_s.len())
            .map(|k| recent.iter().map(|(_, f)| f[k]).sum::<f64>() / n)
            .collect()
    }

    /// The inflow through the inlets (and a catheter's injection) over its baseline,
    /// and the time to stasis.
    fn follow_inflow(&mut self, row: &MetricsRow, flows: &[f64], baseline: &[f64]) {
        let inlets: Vec<usize> = (0..self.openings.len())
            .filter(|&k| self.openings[k].1 == Role::Inlet)
            .collect();
        let sum = |flows: &[f64]| inlets.iter().filter_map(|&k| flows.get(k)).sum::<f64>();
        let before = sum(baseline);
        if before.abs() == 0.0 {
            return;
        }
        let ratio = (sum(flows) + self.catheter_flow_m3_s(row.time_s)) / before;
        self.state.last_inflow_ratio = Some(ratio);
        if row.step > self.first_release_step
            && self.state.time_to_stasis.is_none()
            // |ratio|: the closure's pressure wave can briefly reverse the inflow.
            && ratio.abs() < STASIS_FLOW_FRACTION
        {
            self.state.time_to_stasis =
                Some(row.time_s - self.first_release_step as f64 * self.dt_s);
        }
    }

    /// Keeps the most backflow past the tip while the injection runs at more than
    /// half its rate.
    fn note_backflow(&mut self, flow_m3_s: f64, time_s: f64) {
        let injecting = self.catheter_flow_m3_s(time_s);
        let full = self.catheter.as_ref().map_or(0.0, |c| c.flow_rate_m3_s);
        if injecting <= 0.5 * full || full <= 0.0 {
            return;
        }
        let back = (-flow_m3_s).max(0.0);
        if self.state.peak_backflow.is_none_or(|b| back > b) {
            self.state.peak_backflow = Some(back);
        }
        self.state.backflow_sums.0 += back;
        self.state.backflow_sums.1 += injecting;
    }

    /// The catheter's injection flow at `time_s` [m³/s] (0 without one): an
    /// antireflux tip stops the inflow around it, which is no stasis.
    fn catheter_flow_m3_s(&self, time_s: f64) -> f64 {
        self.catheter
            .as_ref()
            .map_or(0.0, |c| c.flow_rate_m3_s * c.factor_at(time_s, self.dt_s))
    }

    /// When the inflow fell to stasis ([`STASIS_FLOW_FRACTION`]) [s from the start].
    pub fn stasis_time_s(&self) -> Option<f64> {
        self.state
            .time_to_stasis
            .map(|t| t + self.first_release_step as f64 * self.dt_s)
    }

    fn write_vtp(
        &mut self,
        dir: PathBuf,
        row: &MetricsRow,
        status: &[[u32; 4]],
        positions: &[[f32; 4]],
    ) -> Result<(), RecordError> {
        let io = |e| RecordError::Io(dir.clone(), e);
        std::fs::create_dir_all(&dir).map_err(io)?;
        let released: Vec<usize> = (0..status.len())
            .filter(|&i| status[i][0] != crate::particles::plan::state::WAITING)
            .collect();
        let points: Vec<[f32; 3]> = released
            .iter()
            .map(|&i| {
                std::array::from_fn(|a| {
                    (self.origin_m[a] + positions[i][a] as f64 * self.dx_m) as f32
                })
            })
            .collect();
        let diameter = VtiData::F32(
            released
                .iter()
                .map(|&i| self.diameters_m[i] as f32)
                .collect(),
        );
        let state = VtiData::I32(released.iter().map(|&i| status[i][0] as i32).collect());
        let agent = VtiData::I32(released.iter().map(|&i| status[i][1] as i32).collect());
        // The particle's index in the injection plan: the same particle has the same
        // id in every output, so tracks and fates can be followed.
        let id = VtiData::I32(released.iter().map(|&i| i as i32).collect());
        let name = format!("particles_{:09}.vtp", row.step);
        crate::io::vtp::write_vtp(
            &dir.join(&name),
            &points,
            &[
                ("diameter [m]", diameter),
                ("state", state),
                ("agent", agent),
                ("id", id),
            ],
        )
        .map_err(io)?;
        self.state.vtp_entries.retain(|(t, _)| *t < row.time_s);
        self.state
            .vtp_entries
            .push((row.time_s, format!("particles/{name}")));
        let pvd = dir.parent().unwrap_or(&dir).join("particles.pvd");
        crate::io::vtp::write_pvd(&pvd, &self.state.vtp_entries)
            .map_err(|e| RecordError::Io(pvd.clone(), e))
    }

    /// Injected and lodged-or-stuck particles at the last output.
    pub fn injected_and_lodged(&self) -> (u64, u64) {
        (
            self.state.last.injected,
            self.state.last.lodged + self.state.last.stuck,
        )
    }

    /// World positions [m] of the particles lodged or stuck in the vessels.
    pub fn lodged_positions_m(&self, ctx: &GpuContext) -> Result<Vec<[f64; 3]>, RecordError> {
        use crate::particles::plan::state::{LODGED, STUCK};
        let status = self.gpu.read_status(ctx)?;
        let positions = self.gpu.read_positions(ctx)?;
        Ok(status
            .iter()
            .zip(&positions)
            .filter(|(s, _)| matches!(s[0], LODGED | STUCK))
            .map(|(_, p)| std::array::from_fn(|a| self.origin_m[a] + p[a] as f64 * self.dx_m))
            .collect())
    }

    /// Where the spheres ended, for the dosimetry.
    pub fn sphere_fates(&self) -> crate::dosimetry::SphereFates {
        let t = &self.state.last;
        crate::dosimetry::SphereFates {
            planned: self.gpu.len() as u64,
            released: t.injected,
            free: t.free,
            in_vessels: t.lodged + t.stuck,
            by_outlet: self
                .outlets()
                .map(|(k, name)| (name.to_string(), t.exited_by_opening[k]))
                .collect(),
        }
    }

    pub fn summary(&self) -> ParticleSummary {
        let name = |k: usize| self.openings[k].0.clone();
        let outlets: Vec<usize> = self.outlets().map(|(k, _)| k).collect();
        let baseline = self.state.baseline.clone().unwrap_or_default();
        ParticleSummary {
            particles_planned: self.gpu.len(),
            agents: self.agents.clone(),
            tally: self.state.last.clone(),
            occluded_cells: self.state.occluded_cells,
            occluded_volume_m3: self.state.occluded_cells as f64 * self.cell_volume_m3,
            baseline_flow_m3_s: outlets
                .iter()
                .map(|&k| (name(k), baseline.get(k).copied().unwrap_or(f64::NAN)))
                .collect(),
            final_flow_over_baseline: outlets
                .iter()
                .map(|&k| (name(k), self.state.last_ratio[k]))
                .collect(),
            baseline_change: outlets
                .iter()
                .filter_map(|&k| {
                    let before = self.state.baseline_before.as_ref()?.get(k)?;
                    let now = baseline.get(k)?;
                    (now.abs() > 0.0).then(|| (name(k), (now - before).abs() / now.abs()))
                })
                .collect(),
            time_to_occlusion_s: outlets
                .iter()
                .map(|&k| (name(k), self.state.time_to_occlusion[k]))
                .collect(),
            final_inflow_over_baseline: self.state.last_inflow_ratio,
            time_to_stasis_s: self.state.time_to_stasis,
            exited_volume_fraction: outlets
                .iter()
                .map(|&k| {
                    let v = self
                        .state
                        .last
                        .exited_volume_by_opening_m3
                        .get(k)
                        .copied()
                        .unwrap_or(0.0);
                    (
                        name(k),
                        if self.state.last.injected_volume_m3 > 0.0 {
                            v / self.state.last.injected_volume_m3
                        } else {
                            0.0
                        },
                    )
                })
                .collect(),
            delivery: (self.reflux.is_some() || !self.target.is_empty()).then(|| {
                let mut d = super::reflux::delivery(
                    &self.state.last,
                    self.reflux.is_some().then_some(&self.state.refluxed[..]),
                    &self.openings,
                    &self.target,
                );
                if self.tip_flow.is_some() {
                    let (back, injected) = self.state.backflow_sums;
                    d.peak_backflow_m3_s = Some(self.state.peak_backflow.unwrap_or(0.0));
                    d.backflow_fraction = Some(if injected > 0.0 { back / injected } else { 0.0 });
                }
                d
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
}
