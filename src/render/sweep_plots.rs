//! The plots of a sweep: each key metric against each numeric axis, one line per
//! combination of the other axes' values, a dot per point.

use super::plot::{write_png, Chart, PlotError, Series, PALETTE};
use super::run_plots::{HEIGHT, WIDTH};
use crate::study::collect::SweepTable;
use std::path::{Path, PathBuf};

/// A name as a file name: letters and digits, the rest '_'.
fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// The axis values of every row as numbers, when they all are and differ.
fn numeric_axis(table: &SweepTable, k: usize) -> Option<Vec<f64>> {
    let xs: Vec<f64> = table
        .rows
        .iter()
        .map(|r| r.values[k].parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()?;
    let varies = xs.iter().any(|x| *x != xs[0]);
    varies.then_some(xs)
}

/// Whether metric `m` has two or more finite values that differ.
fn varies(table: &SweepTable, m: usize) -> bool {
    let v: Vec<f64> = table
        .rows
        .iter()
        .filter_map(|r| r.metrics[m])
        .filter(|x| x.is_finite())
        .collect();
    v.len() >= 2 && v.iter().any(|x| *x != v[0])
}

/// The chart of metric `m` against axis `k`.
fn chart(table: &SweepTable, m: usize, k: usize, xs: &[f64]) -> Chart {
    let short = |key: &str| key.rsplit('.').next().unwrap_or(key).to_string();
    // One series per combination of the other keys' values.
    let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (row, &x) in table.rows.iter().zip(xs) {
        let Some(y) = row.metrics[m].filter(|y| y.is_finite()) else {
            continue;
        };
        let label: Vec<String> = table
            .keys
            .iter()
            .zip(&row.values)
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, (key, v))| format!("{} = {}", short(key), v.trim_matches('"')))
            .collect();
        let label = label.join(", ");
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push((x, y)),
            None => groups.push((label, vec![(x, y)])),
        }
    }
    let series = groups
        .into_iter()
        .enumerate()
        .map(|(g, (label, mut points))| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series {
                label,
                points,
                colour: PALETTE[g % PALETTE.len()],
                dashed: g >= PALETTE.len(),
            }
        })
        .collect();
    let (name, unit) = &table.metrics[m];
    Chart {
        title: format!("{name} against {}", table.keys[k]),
        x_label: table.keys[k].clone(),
        y_label: if unit.is_empty() {
            name.clone()
        } else {
            format!("{name} [{unit}]")
        },
        series,
        markers: true,
    }
}

/// Writes `dir`/<metric>_vs_<key>.png for every metric that varies and every key
/// with numeric values that vary; returns the files.
pub fn write_sweep_plots(table: &SweepTable, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|e| PlotError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut written = Vec::new();
    for k in 0..table.keys.len() {
        let Some(xs) = numeric_axis(table, k) else {
            continue;
        };
        for m in (0..table.metrics.len()).filter(|&m| varies(table, m)) {
            let path = dir.join(format!(
                "{}_vs_{}.png",
                slug(&table.metrics[m].0),
                slug(&table.keys[k])
            ));
            write_png(&chart(table, m, k, &xs), WIDTH, HEIGHT, &path)?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::collect::SweepRow;

    #[test]
    fn one_line_per_value_of_the_other_axis() {
        let row = |a: &str, b: &str, y: f64| SweepRow {
            point: format!("{a}-{b}"),
            status: "completed".into(),
            values: vec![a.into(), b.into()],
            metrics: vec![Some(y), Some(1.0)],
        };
        let table = SweepTable {
            keys: vec!["injections[0].diameter".into(), "lbm.storage".into()],
            metrics: vec![("out flow".into(), "m^3/s"), ("constant".into(), "")],
            rows: vec![
                row("0.0003", "\"dense\"", 2.0),
                row("0.0001", "\"dense\"", 1.0),
                row("0.0003", "\"sparse\"", 4.0),
                row("0.0001", "\"sparse\"", 3.0),
            ],
        };
        let xs = numeric_axis(&table, 0).unwrap();
        assert!(
            numeric_axis(&table, 1).is_none(),
            "strings are no axis to plot against"
        );
        assert!(!varies(&table, 1), "a constant metric is not plotted");
        let c = chart(&table, 0, 0, &xs);
        assert_eq!(c.series.len(), 2);
        assert_eq!(c.series[0].label, "storage = dense");
        assert_eq!(c.series[0].points, vec![(0.0001, 1.0), (0.0003, 2.0)]);
        assert_eq!(c.series[1].points, vec![(0.0001, 3.0), (0.0003, 4.0)]);
        assert_eq!(slug("out flow, cycle mean"), "out_flow_cycle_mean");
    }
}
