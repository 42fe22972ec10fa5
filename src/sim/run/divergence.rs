//! Telling a diverged run from a running one, and saying where and why.

use crate::geometry::{CellKind, Role, Voxels};
use crate::probes::ProbeTotals;
use crate::scenario::LoadedScenario;
use crate::units::MACH_MAX;
use serde::Serialize;

/// Lattice speed above which a run counts as diverged (Mach ≈ 0.6, far past the
/// validated 0.15): by then the solution is meaningless and NaNs follow.
pub const DIVERGENCE_SPEED_LATTICE: f32 = 0.35;
/// Relative change of the fluid's mass beyond which a run counts as diverged: the
/// weakly compressible scheme is only valid for small density deviations.
pub const DIVERGENCE_DENSITY_DRIFT: f64 = 0.2;

/// Cells searched around the diverging cell for the nearest wall (the local lumen).
const LUMEN_SEARCH_CELLS: usize = 48;

/// τ within this of the operator's floor counts as under-resolved (0.55 for TRT, the
/// threshold `check` notes too).
const NEAR_FLOOR_TAU: f64 = 0.04;

/// Cells from an opening within which a runaway counts as an outlet's backflow.
const NEAR_OPENING_CELLS: f64 = 3.0;

#[derive(Clone, Debug, Serialize)]
pub struct Divergence {
    pub step: u64,
    pub time_s: f64,
    pub cell: [usize; 3],
    pub position_m: [f64; 3],
    pub speed_m_s: Option<f64>,
    /// The local lumen there: twice the distance to the nearest wall [m].
    pub lumen_diameter_m: Option<f64>,
    /// Reynolds number of the flow the scenario plans there (the inflow's peak, or by
    /// continuity the throat's) across that lumen.
    pub local_reynolds: Option<f64>,
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
    let cell = totals.max_speed_cell as usize;
    let lumen_diameter_m =
        nearest_wall_cells(voxels, cell, LUMEN_SEARCH_CELLS).map(|r| 2.0 * r * voxels.voxel_size_m);
    // The planned speed there: the throat's where the geometry narrows, else the
    // inflow's peak.
    let planned_m_s = loaded
        .throat
        .map_or(units.peak_velocity_m_s, |t| t.peak_velocity_m_s);
    let local_reynolds = lumen_diameter_m.map(|d| planned_m_s * d / units.viscosity_m2_s);
    let likely_cause = if runaway {
        let cause = runaway_cause(loaded, cell, local_reynolds);
        match outlet_bed_hint(loaded) {
            Some(hint) => format!("{cause}. {hint}"),
            None => cause,
        }
    } else {
        format!(
            "the mean density changed by {:+.0}%: pressures far beyond the weakly \
             compressible range (|δρ| ≪ 1) the lattice-Boltzmann model holds in. A velocity \
             inlet pushing into a vessel that has closed (lodged particles, an outlet \
             resistance far above the vessel's), or a body force or outlet pressure out of \
             scale with the flow, are the usual causes; check [outlets], [lbm] body_force \
             and [outlet] pressure, or lower time.lattice_velocity",
            100.0 * drift
        )
    };
    Some(Divergence {
        step,
        time_s: step as f64 * units.dt_s,
        cell: voxels.dims.coords(cell),
        position_m: voxels.cell_centre_m(cell),
        speed_m_s: (!totals.non_finite()).then(|| units.velocity_to_si(totals.max_speed as f64)),
        lumen_diameter_m,
        local_reynolds,
        likely_cause,
    })
}

/// Distance [cells] from `cell`'s centre to the nearest wall cell's centre, searched
/// in growing shells up to `reach` cells; `None` when none is that close.
fn nearest_wall_cells(voxels: &Voxels, cell: usize, reach: usize) -> Option<f64> {
    let d = voxels.dims;
    let [x, y, z] = d.coords(cell).map(|c| c as i64);
    let mut best: Option<f64> = None;
    for r in 1..=reach as i64 {
        // A wall found at distance ≤ r needs no shell beyond r.
        if best.is_some_and(|b| b <= r as f64) {
            break;
        }
        for dz in -r..=r {
            for dy in -r..=r {
                for dx in -r..=r {
                    if dx.abs().max(dy.abs()).max(dz.abs()) != r {
                        continue;
                    }
                    let (i, j, k) = (x + dx, y + dy, z + dz);
                    if i < 0
                        || j < 0
                        || k < 0
                        || i >= d.nx as i64
                        || j >= d.ny as i64
                        || k >= d.nz as i64
                    {
                        continue;
                    }
                    if voxels.kinds[d.index(i as usize, j as usize, k as usize)] == CellKind::Wall {
                        let dist = ((dx * dx + dy * dy + dz * dz) as f64).sqrt();
                        best = Some(best.map_or(dist, |b: f64| b.min(dist)));
                    }
                }
            }
        }
    }
    best
}

/// A further suspect when outlets drain into a bed (a resistance or a Windkessel) and
/// absorb waves: on a 0.1 mm grid with a 5.3e9 Pa·s/m³ bed behind a 12 kPa source the
/// outlet's pressure under the non-reflecting term and the bed's model ran away
/// within 1,200 steps, while the same run with plain pressure outlets held
/// (docs/boundaries.md, "Known limit").
fn outlet_bed_hint(loaded: &LoadedScenario) -> Option<String> {
    let scenario = &loaded.scenario;
    let bed = scenario
        .outlets
        .iter()
        .find(|(_, spec)| spec.resistance.is_some() || spec.distal_resistance.is_some())?;
    scenario.outlet.non_reflecting.then(|| {
        format!(
            "If the outlets' pressures ran away first (metrics.csv), suspect outlet {}'s \
             bed under the non-reflecting term: try [outlet] non_reflecting = false",
            bed.0
        )
    })
}

/// Why a run's speeds ran away at `cell`: the throat's Mach, an outlet's backflow, or
/// under-resolution (τ near ½ for the local Reynolds number), in that order.
fn runaway_cause(loaded: &LoadedScenario, cell: usize, local_reynolds: Option<f64>) -> String {
    let (voxels, units) = (&loaded.voxels, &loaded.units);
    if let Some(t) = loaded.throat.filter(|t| t.mach > 0.1) {
        return format!(
            "the narrowest section (radius {:.3e} m) carries about {:.3} m/s by continuity, \
             Mach {:.3}: lower time.lattice_velocity (the throat allows up to Mach \
             {MACH_MAX}, lattice_velocity <= {:.4})",
            t.radius_m,
            t.peak_velocity_m_s,
            t.mach,
            loaded.scenario.time.lattice_velocity * MACH_MAX / t.mach
        );
    }
    let here = voxels.cell_centre_m(cell);
    let near_outlet = voxels.openings.iter().find(|o| {
        o.role == Role::Outlet
            && (0..3)
                .map(|k| (here[k] - o.centre_m[k]) * o.normal[k])
                .sum::<f64>()
                .abs()
                < NEAR_OPENING_CELLS * voxels.voxel_size_m
    });
    if let Some(o) = near_outlet {
        return format!(
            "backflow or a vortex leaving through outlet {}: lengthen the vessel beyond it, \
             refine the grid, or lower time.lattice_velocity",
            o.name
        );
    }
    let floor = loaded.scenario.lbm.collision.tau_floor();
    let re = local_reynolds.map_or(String::new(), |re| format!(", local Re {re:.0} there"));
    if units.tau < floor + NEAR_FLOOR_TAU {
        format!(
            "tau = {:.4} is close to 1/2 (this operator's floor {floor}): the flow (inlet Re \
             {:.0}{re}) is under-resolved. Use a finer voxel_size{}",
            units.tau,
            units.reynolds,
            if loaded.scenario.lbm.collision == crate::scenario::CollisionName::Regularized {
                ""
            } else {
                ", or [lbm] collision = \"regularized\""
            }
        )
    } else if units.mach > 0.1 {
        format!(
            "Mach {:.3} is high{re}: lower time.lattice_velocity",
            units.mach
        )
    } else {
        format!(
            "a strong local jet{re}: check the geometry near the reported place, refine the \
             grid, or lower time.lattice_velocity"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{straight_cylinder, Axis};

    /// In a cylinder of radius 8 cells, the wall cell nearest the axis lies 8.5 cell
    /// centres away along a grid axis (the walls are the first cells outside r).
    /// Outlets that drain into a bed under the non-reflecting term get the hint that
    /// names the bed; plain pressure outlets, or beds without the term, do not.
    #[test]
    fn a_bed_under_the_non_reflecting_term_is_named_as_a_suspect() {
        let text = |outlets: &str| {
            format!(
                "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 10\nlattice_velocity = 0.02\n\
                 [geometry]\nshape = \"cylinder\"\nradius = 5.0e-4\nlength = 2.0e-3\n\
                 [inlet]\nmean_velocity = 0.05\n{outlets}"
            )
        };
        let hint = |outlets: &str| {
            let loaded = LoadedScenario::from_str(std::path::Path::new("bed.toml"), &text(outlets))
                .unwrap_or_else(|e| panic!("{e}"));
            outlet_bed_hint(&loaded)
        };
        let bed = "[outlets.outlet]\nresistance = 1.0e9\n";
        assert!(hint(bed)
            .is_some_and(|h| h.contains("outlet outlet") && h.contains("non_reflecting = false")));
        assert!(hint(&format!("[outlet]\nnon_reflecting = false\n{bed}")).is_none());
        assert!(hint("").is_none());
    }

    #[test]
    fn the_nearest_wall_measures_the_local_lumen() {
        let voxels = straight_cylinder(8.0e-4, 2.0e-3, Axis::Z, 1.0e-4);
        let d = voxels.dims;
        // The cell next to the axis (the axis is on a cell corner).
        let centre = d.index(d.nx / 2, d.ny / 2, d.nz / 2);
        let r = nearest_wall_cells(&voxels, centre, LUMEN_SEARCH_CELLS).unwrap();
        assert!((7.0..=9.0).contains(&r), "{r}");
        // Next to the wall: one cell.
        let edge = d.index(1, d.ny / 2, d.nz / 2);
        assert_eq!(nearest_wall_cells(&voxels, edge, 4), Some(1.0));
        // Nothing within reach.
        assert_eq!(nearest_wall_cells(&voxels, centre, 2), None);
    }
}
