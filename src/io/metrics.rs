//! metrics.csv: one row per output interval, SI units in every header. Each row is
//! flushed as it is written, so a stopped or failed run keeps every row so far.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// One row of metrics.csv.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MetricsRow {
    pub time_s: f64,
    pub step: u64,
    /// Index of the inflow cycle (pulsatile inflow only).
    pub cycle: Option<u64>,
    /// Flow through each opening [m³/s], positive in the direction of the vessel
    /// (into it at inlets, out of it at outlets).
    pub flow_m3_s: Vec<f64>,
    /// Mean gauge pressure over each opening [Pa].
    pub pressure_pa: Vec<f64>,
    pub max_speed_m_s: f64,
    /// (M(t) − M(0)) / M(0) over the fluid cells.
    pub mass_drift: f64,
    /// Further columns (particles), named when the writer was created.
    pub extra: Vec<f64>,
}

/// The header line: SI units in every column name.
fn header(openings: &[String], with_cycle: bool, extra: &[String]) -> String {
    let mut header = vec!["time [s]".to_string(), "step".to_string()];
    if with_cycle {
        header.push("cycle".into());
    }
    header.extend(openings.iter().map(|n| format!("{n} flow [m^3/s]")));
    header.extend(openings.iter().map(|n| format!("{n} pressure [Pa]")));
    header.push("max speed [m/s]".into());
    header.push("mass drift [-]".into());
    header.extend(extra.iter().cloned());
    header.join(",")
}

pub struct MetricsWriter {
    out: BufWriter<File>,
    with_cycle: bool,
}

impl MetricsWriter {
    /// Creates the file and writes the header; `openings` are the opening names.
    /// `with_cycle` adds a `cycle` column (pulsatile inflow); `extra` names the
    /// columns of [`MetricsRow::extra`].
    pub fn create(
        path: &Path,
        openings: &[String],
        with_cycle: bool,
        extra: &[String],
    ) -> std::io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "{}", header(openings, with_cycle, extra))?;
        out.flush()?;
        Ok(MetricsWriter { out, with_cycle })
    }

    /// Reopens the metrics.csv of a run resumed at `step`: keeps the header and the
    /// rows up to that step for which `keep(row step)` holds (later ones came after
    /// the checkpoint and are written again; `keep` drops rows off the output
    /// schedule, written where a shorter run ended), then appends. The header must be
    /// the one this run would write.
    pub fn resume(
        path: &Path,
        openings: &[String],
        with_cycle: bool,
        extra: &[String],
        step: u64,
        keep: impl Fn(u64) -> bool,
    ) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let expected = header(openings, with_cycle, extra);
        let mut lines = text.lines();
        if lines.next() != Some(expected.as_str()) {
            return Err(std::io::Error::other(
                "its header differs from this run's columns (openings or particles changed)",
            ));
        }
        let mut kept = expected + "\n";
        for line in lines {
            let row_step = line.split(',').nth(1).and_then(|s| s.parse::<u64>().ok());
            if row_step.is_some_and(|s| s <= step && keep(s)) {
                kept += line;
                kept.push('\n');
            }
        }
        let tmp = path.with_extension("csv.part");
        std::fs::write(&tmp, kept)?;
        std::fs::rename(&tmp, path)?;
        let out = BufWriter::new(std::fs::OpenOptions::new().append(true).open(path)?);
        Ok(MetricsWriter { out, with_cycle })
    }

    pub fn write(&mut self, row: &MetricsRow) -> std::io::Result<()> {
        // Adding 0.0 turns −0.0 into 0.0, which reads better.
        let fmt = |v: &f64| format!("{:.9e}", v + 0.0);
        let mut fields = vec![fmt(&row.time_s), row.step.to_string()];
        if self.with_cycle {
            fields.push(row.cycle.unwrap_or(0).to_string());
        }
        fields.extend(row.flow_m3_s.iter().map(fmt));
        fields.extend(row.pressure_pa.iter().map(fmt));
        fields.push(fmt(&row.max_speed_m_s));
        fields.push(fmt(&row.mass_drift));
        fields.extend(row.extra.iter().map(fmt));
        writeln!(self.out, "{}", fields.join(","))?;
        self.out.flush()
    }
}

/// metrics.csv read back: column names and rows (NaN where a value does not parse).
#[derive(Clone, Debug, Default)]
pub struct MetricsTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

impl MetricsTable {
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .ok_or_else(|| std::io::Error::other("the file is empty"))?
            .split(',')
            .map(String::from)
            .collect();
        let rows = lines
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                l.split(',')
                    .map(|v| v.trim().parse().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        Ok(MetricsTable { header, rows })
    }

    /// Index of the column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// (time, value) pairs of column `k`.
    pub fn series(&self, k: usize) -> Vec<(f64, f64)> {
        self.rows
            .iter()
            .filter(|r| r.len() > k)
            .map(|r| (r[0], r[k]))
            .collect()
    }

    /// Opening names, from the "NAME flow [m^3/s]" columns.
    pub fn openings(&self) -> Vec<String> {
        self.header
            .iter()
            .filter_map(|h| h.strip_suffix(" flow [m^3/s]").map(String::from))
            .collect()
    }
}
