//! `embolus sweep --collect OUT`: every point's key metrics (those `embolus compare`
//! tabulates; over the last full cycle for pulsatile runs) in OUT/sweep.csv, one row
//! per point with its values; a plot of each metric against each numeric axis in
//! OUT/plots; and, for a handful of points, `embolus compare` of their runs in
//! OUT/compare.

use super::points::{read_record, run_dir, SweepRecord};
use crate::io::report::{key_metrics, read_summary};
use std::path::{Path, PathBuf};

/// Most runs overlaid by the comparison (beyond it the plots are unreadable).
pub const MAX_COMPARED: usize = 12;

/// The table of a sweep: one row per point.
#[derive(Clone, Debug)]
pub struct SweepTable {
    /// The keys the sweep sets (one column each).
    pub keys: Vec<String>,
    /// Metric names and units, in the order first met.
    pub metrics: Vec<(String, &'static str)>,
    pub rows: Vec<SweepRow>,
}

#[derive(Clone, Debug)]
pub struct SweepRow {
    pub point: String,
    /// The run's status ("completed", "diverged", "interrupted"), or "not run".
    pub status: String,
    /// The point's value of each key, as TOML text.
    pub values: Vec<String>,
    /// Each metric of [`SweepTable::metrics`], where the run has it.
    pub metrics: Vec<Option<f64>>,
}

/// What `collect` wrote.
#[derive(Debug)]
pub struct Collected {
    pub table: SweepTable,
    pub csv: PathBuf,
    pub plots: Vec<PathBuf>,
    /// OUT/compare/compare.md when the runs were compared.
    pub compare: Option<PathBuf>,
    /// OUT/sweep_stats.csv when the sweep has a seed axis (replicates).
    pub stats: Option<PathBuf>,
    /// OUT/sweep_stats.md: the same as mean ± SD tables.
    pub stats_report: Option<PathBuf>,
}

/// Reads every point's results; a point without a summary is "not run".
pub fn table(out: &Path, record: &SweepRecord) -> SweepTable {
    let mut metrics: Vec<(String, &'static str)> = Vec::new();
    let mut found = Vec::new();
    for point in &record.points {
        let summary = read_summary(&run_dir(out, point)).ok();
        let values = summary.as_ref().map(key_metrics).unwrap_or_default();
        for (name, _, unit) in &values {
            if !metrics.iter().any(|(n, _)| n == name) {
                metrics.push((name.clone(), unit));
            }
        }
        let status = summary
            .as_ref()
            .and_then(|s| s["status"].as_str().map(String::from))
            .unwrap_or_else(|| "not run".into());
        found.push((point, status, values));
    }
    let rows = found
        .into_iter()
        .map(|(point, status, values)| SweepRow {
            point: point.name.clone(),
            status,
            values: point.values.iter().map(|(_, v)| v.clone()).collect(),
            metrics: metrics
                .iter()
                .map(|(n, _)| {
                    values
                        .iter()
                        .find(|(x, _, _)| x == n)
                        .and_then(|(_, v, _)| *v)
                })
                .collect(),
        })
        .collect();
    SweepTable {
        keys: record.keys.clone(),
        metrics,
        rows,
    }
}

/// A CSV field, quoted where it holds a comma, quote or line break.
pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A TOML value's text as a CSV cell: strings without their quotes.
fn plain_value(toml_text: &str) -> String {
    match toml_text.parse::<toml::Value>() {
        Ok(toml::Value::String(s)) => s,
        _ => toml_text.to_string(),
    }
}

/// sweep.csv: point, status, the keys' values, then every metric "name [unit]" at
/// full precision (empty where a run lacks it).
pub fn csv(table: &SweepTable) -> String {
    let mut header = vec!["point".to_string(), "status".to_string()];
    header.extend(table.keys.iter().cloned());
    header.extend(table.metrics.iter().map(|(n, u)| {
        if u.is_empty() {
            format!("{n} [-]")
        } else {
            format!("{n} [{u}]")
        }
    }));
    let mut text = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for row in &table.rows {
        let mut cells = vec![row.point.clone(), row.status.clone()];
        cells.extend(row.values.iter().map(|v| plain_value(v)));
        cells.extend(row.metrics.iter().map(|m| match m {
            Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
                format!("{}", *x as i64)
            }
            Some(x) if x.is_finite() => format!("{x:e}"),
            _ => String::new(),
        }));
        text += &(cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
            + "\n");
    }
    text
}

/// Writes sweep.csv, the plots and (for 2 to [`MAX_COMPARED`] finished runs) the
/// comparison.
pub fn collect(out: &Path) -> Result<Collected, String> {
    let record = read_record(out)?;
    let table = table(out, &record);
    let csv_path = out.join("sweep.csv");
    std::fs::write(&csv_path, csv(&table))
        .map_err(|e| format!("cannot write {}: {e}", csv_path.display()))?;
    let write = |name: &str, text: Option<String>| -> Result<Option<PathBuf>, String> {
        let Some(text) = text else { return Ok(None) };
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Some(path))
    };
    let stats = write("sweep_stats.csv", super::replicates::stats_csv(&table))?;
    let stats_report = write("sweep_stats.md", super::replicates::stats_markdown(&table))?;
    let plots = crate::render::sweep_plots::write_sweep_plots(&table, &out.join("plots"))
        .map_err(|e| e.to_string())?;
    let finished: Vec<PathBuf> = record
        .points
        .iter()
        .zip(&table.rows)
        .filter(|(_, r)| r.status != "not run")
        .map(|(p, _)| run_dir(out, p))
        .collect();
    let compare = if (2..=MAX_COMPARED).contains(&finished.len()) {
        let dir = out.join("compare");
        let (_, files) = crate::results::compare(&finished, &dir)?;
        files.into_iter().find(|f| f.ends_with("compare.md"))
    } else {
        None
    };
    Ok(Collected {
        table,
        csv: csv_path,
        plots,
        compare,
        stats,
        stats_report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_keeps_full_precision_and_quotes_what_needs_it() {
        let table = SweepTable {
            keys: vec!["lbm.storage".into(), "inlet.mean_velocity".into()],
            metrics: vec![
                ("out flow".into(), "m^3/s"),
                ("particles lodged".into(), ""),
            ],
            rows: vec![
                SweepRow {
                    point: "a".into(),
                    status: "completed".into(),
                    values: vec!["\"dense\"".into(), "0.05".into()],
                    metrics: vec![Some(1.234567891234e-7), Some(3.0)],
                },
                SweepRow {
                    point: "b".into(),
                    status: "not run".into(),
                    values: vec!["\"a,b\"".into(), "0.1".into()],
                    metrics: vec![None, None],
                },
            ],
        };
        assert_eq!(
            csv(&table),
            "point,status,lbm.storage,inlet.mean_velocity,out flow [m^3/s],particles lodged [-]\n\
             a,completed,dense,0.05,1.234567891234e-7,3\n\
             b,not run,\"a,b\",0.1,,\n"
        );
    }
}
