//! Reflux and non-target embolization (issue 19): which particles went back past
//! the catheter tip, and how many reached the branches the injection is meant for
//! (`[target]`) against all others.

use crate::geometry::{Role, Voxels};
use crate::gpu::buffers::read_back_range;
use crate::gpu::{GpuContext, GpuError};
use crate::particles::plan::state;
use crate::particles::tally::Tally;
use crate::scenario::case::catheter::CatheterPlan;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tells refluxed particles: once a particle is `distance` upstream of the tip along
/// the catheter's axis, or has left through an inlet, it has refluxed.
pub struct RefluxGauge {
    /// The tip in the particles' frame (cells from the grid's corner).
    tip_cells: [f64; 3],
    direction: [f64; 3],
    distance_cells: f64,
    inlets: Vec<usize>,
}

impl RefluxGauge {
    pub fn new(plan: &CatheterPlan, voxels: &Voxels) -> Self {
        let dx = voxels.voxel_size_m;
        RefluxGauge {
            tip_cells: std::array::from_fn(|a| (plan.shape.tip_m[a] - voxels.origin_m[a]) / dx),
            direction: plan.shape.direction,
            distance_cells: plan.reflux_distance_m / dx,
            inlets: voxels
                .openings
                .iter()
                .enumerate()
                .filter(|(_, o)| o.role == Role::Inlet)
                .map(|(k, _)| k)
                .collect(),
        }
    }

    /// Marks in `refluxed` the particles that have refluxed by now (a mark stays).
    /// Positions are sampled at outputs: an excursion upstream and back between two
    /// outputs goes unseen.
    pub fn mark(&self, refluxed: &mut Vec<bool>, status: &[[u32; 4]], positions: &[[f32; 4]]) {
        refluxed.resize(status.len(), false);
        for ((r, s), p) in refluxed.iter_mut().zip(status).zip(positions) {
            if *r || s[0] == state::WAITING {
                continue;
            }
            let through_inlet = s[0] == state::EXITED && self.inlets.contains(&(s[3] as usize));
            let along: f64 = (0..3)
                .map(|a| (p[a] as f64 - self.tip_cells[a]) * self.direction[a])
                .sum();
            *r = through_inlet || along < -self.distance_cells;
        }
    }
}

/// Measures the flow past the catheter tip: through the vessel's cross-section
/// around the catheter one cell behind the tip, along the catheter (negative:
/// backflow, injectate going upstream), from the coupled velocity field.
pub struct TipFlowGauge {
    /// The section's cells, as indices into the velocity field.
    cells: Vec<usize>,
    direction: [f64; 3],
    field: wgpu::Buffer,
    /// m³/s per lattice flux (Σ u over one cell layer's faces).
    to_si: f64,
}

impl TipFlowGauge {
    /// `None` when the lattice is not coupled (no velocity field to read).
    pub fn new(
        plan: &CatheterPlan,
        coupling: &super::Coupling,
        units: &crate::units::LatticeUnits,
    ) -> Option<Self> {
        coupling.is_coupled().then(|| TipFlowGauge {
            cells: plan.cells.section.clone(),
            direction: plan.shape.direction,
            field: coupling.velocity_field().clone(),
            to_si: units.flow_rate_to_si(1.0),
        })
    }

    /// Flow past the tip along the catheter [m³/s]: Σ (u·d) over the section's
    /// cells, one cell layer thick. Reads back only the field's span from the
    /// section's first cell to its last (a few grid layers), not the whole field.
    pub fn flow_m3_s(&self, ctx: &GpuContext) -> Result<f64, GpuError> {
        let (Some(&first), Some(&last)) = (self.cells.iter().min(), self.cells.iter().max()) else {
            return Ok(0.0);
        };
        const ENTRY_BYTES: u64 = 16; // vec4<f32>: u and δρ
        let span: Vec<[f32; 4]> = read_back_range(
            ctx,
            &self.field,
            first as u64 * ENTRY_BYTES,
            (last - first + 1) as u64 * ENTRY_BYTES,
        )?;
        let d = self.direction;
        let flux: f64 = self
            .cells
            .iter()
            .map(|&c| {
                (0..3)
                    .map(|a| span[c - first][a] as f64 * d[a])
                    .sum::<f64>()
            })
            .sum();
        Ok(flux * self.to_si)
    }
}

/// Where the injection went, against where it was meant to go.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Particles that went back past the catheter tip (`None`: no catheter).
    pub refluxed: Option<u64>,
    /// Refluxed over injected.
    pub refluxed_fraction: Option<f64>,
    /// Most backflow past the tip while injecting [m³/s] (0: none).
    pub peak_backflow_m3_s: Option<f64>,
    /// Backflow past the tip over the injection flow, summed over the outputs while
    /// injecting: the fraction of the injectate that went upstream.
    pub backflow_fraction: Option<f64>,
    /// Lodged in or left through the `[target]` branches (`None`: no target).
    pub to_target: Option<u64>,
    /// Lodged in or left through any other outlet's branch.
    pub non_target: Option<u64>,
    /// To target over injected.
    pub target_fraction: Option<f64>,
    /// Per non-target outlet: particles lodged in or leaving through its branch.
    pub non_target_by_branch: BTreeMap<String, u64>,
}

/// The delivery of `tally`; `refluxed` per particle when there is a catheter,
/// `target` the target outlets' indices (empty: no `[target]`).
pub fn delivery(
    tally: &Tally,
    refluxed: Option<&[bool]>,
    openings: &[(String, Role)],
    target: &[usize],
) -> Delivery {
    let injected = tally.injected.max(1) as f64;
    let refluxed = refluxed.map(|r| r.iter().filter(|&&r| r).count() as u64);
    let mut d = Delivery {
        refluxed,
        refluxed_fraction: refluxed.map(|r| r as f64 / injected),
        ..Default::default()
    };
    if target.is_empty() {
        return d;
    }
    let reached = |k: usize| {
        tally.lodged_by_branch.get(k).copied().unwrap_or(0)
            + tally.exited_by_opening.get(k).copied().unwrap_or(0)
    };
    let (mut to_target, mut non_target) = (0, 0);
    for (k, (name, role)) in openings.iter().enumerate() {
        if *role != Role::Outlet {
            continue;
        }
        if target.contains(&k) {
            to_target += reached(k);
        } else {
            non_target += reached(k);
            d.non_target_by_branch.insert(name.clone(), reached(k));
        }
    }
    d.to_target = Some(to_target);
    d.non_target = Some(non_target);
    d.target_fraction = Some(to_target as f64 / injected);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauge() -> RefluxGauge {
        RefluxGauge {
            tip_cells: [10.0, 5.0, 5.0],
            direction: [1.0, 0.0, 0.0],
            distance_cells: 2.0,
            inlets: vec![0],
        }
    }

    #[test]
    fn particles_upstream_of_the_tip_or_out_through_the_inlet_have_refluxed() {
        let status = [
            [state::FREE, 0, 0, 0],    // downstream
            [state::FREE, 0, 0, 0],    // 1 cell back: within the margin
            [state::FREE, 0, 0, 0],    // 3 cells back
            [state::EXITED, 0, 0, 0],  // out through the inlet (opening 0)
            [state::EXITED, 0, 0, 1],  // out through an outlet
            [state::WAITING, 0, 0, 0], // not released (at the tip's far side)
        ];
        let positions = [
            [14.0, 5.0, 5.0, 0.0],
            [9.0, 5.0, 5.0, 0.0],
            [7.0, 5.0, 5.0, 0.0],
            [0.0, 5.0, 5.0, 0.0],
            [30.0, 5.0, 5.0, 0.0],
            [0.0, 5.0, 5.0, 0.0],
        ];
        let mut refluxed = Vec::new();
        gauge().mark(&mut refluxed, &status, &positions);
        assert_eq!(refluxed, [false, false, true, true, false, false]);
        // A mark stays when the particle comes back downstream.
        let back = [[14.0, 5.0, 5.0, 0.0]; 6];
        gauge().mark(&mut refluxed, &status, &back);
        assert_eq!(refluxed, [false, false, true, true, false, false]);
    }

    #[test]
    fn delivery_splits_target_from_non_target_branches() {
        let tally = Tally {
            injected: 10,
            lodged_by_branch: vec![0, 3, 1, 0],
            exited_by_opening: vec![0, 2, 1, 2],
            ..Default::default()
        };
        let openings = [
            ("in".to_string(), Role::Inlet),
            ("a".to_string(), Role::Outlet),
            ("b".to_string(), Role::Outlet),
            ("c".to_string(), Role::Outlet),
        ];
        let d = delivery(&tally, Some(&[true, false]), &openings, &[1]);
        assert_eq!(d.refluxed, Some(1));
        assert_eq!(d.to_target, Some(5));
        assert_eq!(d.non_target, Some(4));
        assert_eq!(d.target_fraction, Some(0.5));
        assert_eq!(d.non_target_by_branch["b"], 2);
        assert_eq!(d.non_target_by_branch["c"], 2);
    }
}
