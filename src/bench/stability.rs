//! The stability map (`embolus bench --stability`): for each flow, collision operator
//! and Mach number, the smallest relaxation time at which the flow stays bounded for
//! a fixed number of steps. The flows (src/validation/stability.rs): the doubly
//! periodic shear layer, which has no walls, and a periodic pipe with halfway or
//! interpolated walls, where the wall closure sets the limit.

use crate::gpu::{GpuContext, GpuError};
use crate::lbm::CollisionModel;
use crate::validation::stability::{pipe_flow, shear_layer, smallest_bounded_tau, PIPE_LENGTH};
use serde::{Deserialize, Serialize};

/// Mach numbers of the map.
pub const STABILITY_MACH: [f64; 2] = [0.05, 0.1];

/// Radius [cells] of the map's walled case, the periodic pipe.
pub const STABILITY_PIPE_RADIUS: f64 = 8.0;

/// A flow of the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StabilityCase {
    /// The doubly periodic shear layer on n² cells: no walls.
    ShearLayer { n: usize },
    /// Steady flow in a periodic pipe: halfway or interpolated walls.
    Pipe {
        radius_cells: f64,
        interpolated: bool,
    },
}

impl StabilityCase {
    /// The shear layer on `n`² cells and the pipe with either wall treatment.
    pub fn all(n: usize) -> Vec<StabilityCase> {
        let pipe = |interpolated| StabilityCase::Pipe {
            radius_cells: STABILITY_PIPE_RADIUS,
            interpolated,
        };
        vec![StabilityCase::ShearLayer { n }, pipe(false), pipe(true)]
    }

    pub fn name(&self) -> String {
        match self {
            StabilityCase::ShearLayer { n } => format!("shear layer {n}²"),
            StabilityCase::Pipe {
                radius_cells,
                interpolated,
            } => format!(
                "pipe R {radius_cells}, {} walls",
                if *interpolated {
                    "interpolated"
                } else {
                    "halfway"
                }
            ),
        }
    }

    /// Cells of the lattice run.
    pub fn cells(&self) -> usize {
        match self {
            StabilityCase::ShearLayer { n } => n * n,
            StabilityCase::Pipe { radius_cells, .. } => {
                (2 * radius_cells.ceil() as usize + 2).pow(2) * PIPE_LENGTH
            }
        }
    }

    /// Whether `model` runs this flow at (τ, Mach) for `steps` steps without running away.
    fn bounded(
        &self,
        ctx: &GpuContext,
        model: CollisionModel,
        (tau, mach): (f64, f64),
        steps: u64,
    ) -> Result<bool, GpuError> {
        let outcome = match *self {
            StabilityCase::ShearLayer { n } => shear_layer(ctx, model, tau, mach, n, steps)?,
            StabilityCase::Pipe {
                radius_cells,
                interpolated,
            } => pipe_flow(ctx, model, interpolated, (tau, mach), radius_cells, steps)?,
        };
        Ok(outcome.bounded)
    }
}

/// One operator at one Mach number on one flow.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StabilityRow {
    /// The flow ([`StabilityCase::name`]; maps written before the walled case have
    /// only the shear layer).
    #[serde(default = "shear_layer_name")]
    pub case: String,
    pub operator: String,
    pub mach: f64,
    /// The smallest τ found bounded, and the largest found unbounded (the floor
    /// holding or the ceiling failing leaves one of them `None`).
    pub smallest_stable_tau: Option<f64>,
    pub largest_unstable_tau: Option<f64>,
    pub cells: usize,
    pub steps: u64,
}

fn shear_layer_name() -> String {
    StabilityCase::ShearLayer { n: 128 }.name()
}

/// The operators compared.
pub fn operators() -> Vec<CollisionModel> {
    vec![
        CollisionModel::Bgk,
        CollisionModel::default_trt(),
        CollisionModel::Regularized,
    ]
}

/// The map over `cases`, each run for `steps` steps, τ − ½ searched in [1e-4, 0.1]
/// by `rounds` bisections on its logarithm.
pub fn stability_map(
    ctx: &GpuContext,
    cases: &[StabilityCase],
    steps: u64,
    rounds: u32,
    report: &mut dyn FnMut(&StabilityRow),
) -> Result<Vec<StabilityRow>, GpuError> {
    let mut rows = Vec::new();
    for case in cases {
        for model in operators() {
            for mach in STABILITY_MACH {
                let (stable, unstable) = smallest_bounded_tau(
                    |tau| case.bounded(ctx, model, (tau, mach), steps),
                    (1e-4, 0.1),
                    rounds,
                )?;
                let row = StabilityRow {
                    case: case.name(),
                    operator: model.name(),
                    mach,
                    smallest_stable_tau: stable,
                    largest_unstable_tau: unstable,
                    cells: case.cells(),
                    steps,
                };
                report(&row);
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// log10(τ − ½) of the smallest stable τ against Mach, one line per flow and operator
/// (the walled flows dashed).
pub fn chart(rows: &[StabilityRow]) -> crate::render::plot::Chart {
    use crate::render::plot::{Chart, Series, PALETTE};
    let mut series: Vec<Series> = Vec::new();
    for row in rows {
        let point = row
            .smallest_stable_tau
            .map(|t| (row.mach, (t - 0.5).log10()));
        let label = format!("{}, {}", row.operator, row.case);
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.extend(point),
            None => {
                let colour = PALETTE[series.len() % PALETTE.len()];
                series.push(Series {
                    label,
                    points: point.into_iter().collect(),
                    colour,
                    dashed: row.case.starts_with("pipe"),
                })
            }
        }
    }
    Chart {
        markers: false,
        title: "Smallest stable relaxation time per flow and collision operator".into(),
        x_label: "Mach number".into(),
        y_label: "log10(τ − ½)".into(),
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map written before the walled flows (docs/bench) still reads, as the shear
    /// layer's rows, and the three flows are named apart.
    #[test]
    fn maps_without_a_flow_read_as_the_shear_layer() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/bench/stability-llvmpipe-2026-11-27.json"
        );
        let rows: Vec<StabilityRow> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.case == "shear layer 128²"));
        let names: Vec<String> = StabilityCase::all(128).iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "shear layer 128²",
                "pipe R 8, halfway walls",
                "pipe R 8, interpolated walls"
            ]
        );
        assert_eq!(StabilityCase::all(128)[1].cells(), 18 * 18 * PIPE_LENGTH);
    }
}
