//! Telling a diverged run from a running one, and saying where and why.

use crate::probes::ProbeTotals;
use crate::scenario::LoadedScenario;
use crate::units::LatticeUnits;
use serde::Serialize;

/// Lattice speed above which a run counts as diverged (Mach ≈ 0.6, far past the
/// validated 0.15): by then the solution is meaningless and NaNs follow.
pub const DIVERGENCE_SPEED_LATTICE: f32 = 0.35;
/// Relative change of the fluid's mass beyond which a run counts as diverged: the
/// weakly compressible scheme is only valid for small density deviations.
pub const DIVERGENCE_DENSITY_DRIFT: f64 = 0.2;

#[derive(Clone, Debug, Serialize)]
pub struct Divergence {
    pub step: u64,
    pub time_s: f64,
    pub cell: [usize; 3],
    pub position_m: [f64; 3],
    pub speed_m_s: Option<f64>,
    pub likely_cause: String,
}

/// The fluid's relative mass change since the start.
pub fn density_drift(totals: &ProbeTotals, initial_delta_mass: f64, fluid_cells: usize) -> f64 {
    (totals.fluid_delta_mass - initial_delta_mass) / (fluid_cells as f64 + initial_delta_mass)
}

/// The divergence the probe totals after `step` steps show, if any.
pub fn check(
    totals: &ProbeTotals,
    initial_delta_mass: f64,
    loaded: &LoadedScenario,
    step: u64,
) -> Option<Divergence> {
    let (voxels, units) = (&loaded.voxels, &loaded.units);
    let drift = density_drift(totals, initial_delta_mass, voxels.fluid_cells());
    let runaway = totals.non_finite() || totals.max_speed > DIVERGENCE_SPEED_LATTICE;
    if !runaway && drift.abs() <= DIVERGENCE_DENSITY_DRIFT {
        return None;
    }
    Some(Divergence {
        step,
        time_s: step as f64 * units.dt_s,
        cell: voxels.dims.coords(totals.max_speed_cell as usize),
        position_m: voxels.cell_centre_m(totals.max_speed_cell as usize),
        speed_m_s: (!totals.non_finite()).then(|| units.velocity_to_si(totals.max_speed as f64)),
        likely_cause: if runaway {
            likely_cause(units)
        } else {
            format!(
                "the mean density changed by {:+.0}%: pressures far beyond the weakly \
                 compressible range (|δρ| ≪ 1) the lattice-Boltzmann model holds in. A \
                 body force or outlet pressure out of scale with the flow is the usual \
                 cause; check [lbm] body_force and [outlet] pressure, or lower \
                 time.lattice_velocity",
                100.0 * drift
            )
        },
    })
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
