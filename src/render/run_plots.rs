//! The standard plots of a results directory, from its metrics.csv: per-opening flow
//! and pressure, particles lodged per branch, and occlusion, over time. Several
//! directories overlay in one chart each (`embolus compare`).

use super::plot::{write_png, Chart, PlotError, Series, PALETTE};
use crate::io::metrics::MetricsTable;
use std::path::{Path, PathBuf};

/// Plot size in pixels.
pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 540;

/// One run's metrics under a label (the label prefixes its series when comparing).
pub struct LabelledRun<'a> {
    pub label: String,
    pub table: &'a MetricsTable,
}

/// A plot: file stem, title, y label, and which columns of a run to draw: for each
/// opening, the column named `{opening}{suffix}`; or one fixed column.
struct PlotSpec {
    stem: &'static str,
    title: &'static str,
    y_label: &'static str,
    per_opening_suffix: Option<&'static str>,
    columns: &'static [&'static str],
}

const PLOTS: [PlotSpec; 5] = [
    PlotSpec {
        stem: "flow",
        title: "Flow through each opening",
        y_label: "flow [m^3/s]",
        per_opening_suffix: Some(" flow [m^3/s]"),
        columns: &[],
    },
    PlotSpec {
        stem: "pressure",
        title: "Mean pressure over each opening",
        y_label: "gauge pressure [Pa]",
        per_opening_suffix: Some(" pressure [Pa]"),
        columns: &[],
    },
    PlotSpec {
        stem: "particles_lodged",
        title: "Particles lodged per branch",
        y_label: "particles lodged [-]",
        per_opening_suffix: Some(" particles lodged in branch [-]"),
        columns: &[],
    },
    PlotSpec {
        stem: "occlusion",
        title: "Volume occluded by lodged particles",
        y_label: "occluded volume [m^3]",
        per_opening_suffix: None,
        columns: &["occluded volume [m^3]"],
    },
    PlotSpec {
        stem: "flow_reroute",
        title: "Outlet flow relative to before the injection",
        y_label: "flow / baseline [-]",
        per_opening_suffix: Some(" flow / baseline [-]"),
        columns: &[],
    },
];

/// Writes every plot the runs have data for into `dir` (created); returns the files.
pub fn write_plots(runs: &[LabelledRun], dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|e| PlotError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut written = Vec::new();
    for spec in &PLOTS {
        let mut series = Vec::new();
        for (r, run) in runs.iter().enumerate() {
            let mut columns: Vec<(String, usize)> = Vec::new();
            if let Some(suffix) = spec.per_opening_suffix {
                for name in run.table.openings() {
                    if let Some(k) = run.table.column(&format!("{name}{suffix}")) {
                        columns.push((name, k));
                    }
                }
            }
            for c in spec.columns {
                if let Some(k) = run.table.column(c) {
                    columns.push((String::new(), k));
                }
            }
            for (j, (name, k)) in columns.into_iter().enumerate() {
                // One run: a colour per opening. Several: a colour per run, the
                // openings told apart by solid and dashed lines.
                let (colour, dashed) = if runs.len() == 1 {
                    (PALETTE[j % PALETTE.len()], false)
                } else {
                    (PALETTE[r % PALETTE.len()], j % 2 == 1)
                };
                let label = match (runs.len() > 1, name.is_empty()) {
                    (true, true) => run.label.clone(),
                    (true, false) => format!("{}: {name}", run.label),
                    (false, _) => name,
                };
                series.push(Series {
                    label,
                    points: run.table.series(k),
                    colour,
                    dashed,
                });
            }
        }
        if series.is_empty() {
            continue;
        }
        let chart = Chart {
            markers: false,
            title: spec.title.into(),
            x_label: "time [s]".into(),
            y_label: spec.y_label.into(),
            series,
        };
        let path = dir.join(format!("{}.png", spec.stem));
        write_png(&chart, WIDTH, HEIGHT, &path)?;
        written.push(path);
    }
    Ok(written)
}
