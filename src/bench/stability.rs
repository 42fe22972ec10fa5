//! The stability map (`embolus bench --stability`): for each collision operator and
//! Mach number, the smallest relaxation time at which the doubly periodic shear layer
//! (src/validation/stability.rs) stays bounded for a fixed number of steps.

use crate::gpu::{GpuContext, GpuError};
use crate::lbm::CollisionModel;
use crate::validation::stability::smallest_stable_tau;
use serde::{Deserialize, Serialize};

/// Mach numbers of the map.
pub const STABILITY_MACH: [f64; 2] = [0.05, 0.1];

/// One operator at one Mach number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StabilityRow {
    pub operator: String,
    pub mach: f64,
    /// The smallest τ found bounded, and the largest found unbounded (the floor
    /// holding or the ceiling failing leaves one of them `None`).
    pub smallest_stable_tau: Option<f64>,
    pub largest_unstable_tau: Option<f64>,
    pub cells: usize,
    pub steps: u64,
}

/// The operators compared.
pub fn operators() -> Vec<CollisionModel> {
    vec![
        CollisionModel::Bgk,
        CollisionModel::default_trt(),
        CollisionModel::Regularized,
    ]
}

/// The map on an `n`² shear layer run for `steps` steps, τ − ½ searched in
/// [1e-4, 0.1] by `rounds` bisections on its logarithm.
pub fn stability_map(
    ctx: &GpuContext,
    n: usize,
    steps: u64,
    rounds: u32,
    report: &mut dyn FnMut(&StabilityRow),
) -> Result<Vec<StabilityRow>, GpuError> {
    let mut rows = Vec::new();
    for model in operators() {
        for mach in STABILITY_MACH {
            let (stable, unstable) =
                smallest_stable_tau(ctx, model, mach, n, steps, (1e-4, 0.1), rounds)?;
            let row = StabilityRow {
                operator: model.name(),
                mach,
                smallest_stable_tau: stable,
                largest_unstable_tau: unstable,
                cells: n * n,
                steps,
            };
            report(&row);
            rows.push(row);
        }
    }
    Ok(rows)
}

/// log10(τ − ½) of the smallest stable τ against Mach, one line per operator.
pub fn chart(rows: &[StabilityRow]) -> crate::render::plot::Chart {
    use crate::render::plot::{Chart, Series, PALETTE};
    let mut series: Vec<Series> = Vec::new();
    for row in rows {
        let point = row
            .smallest_stable_tau
            .map(|t| (row.mach, (t - 0.5).log10()));
        match series.iter_mut().find(|s| s.label == row.operator) {
            Some(s) => s.points.extend(point),
            None => {
                let colour = PALETTE[series.len() % PALETTE.len()];
                series.push(Series {
                    label: row.operator.clone(),
                    points: point.into_iter().collect(),
                    colour,
                    dashed: false,
                })
            }
        }
    }
    Chart {
        markers: false,
        title: "Smallest stable relaxation time, doubly periodic shear layer 128²".into(),
        x_label: "Mach number".into(),
        y_label: "log10(τ − ½)".into(),
        series,
    }
}
