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
        let mut header = vec!["time [s]".to_string(), "step".to_string()];
        if with_cycle {
            header.push("cycle".into());
        }
        header.extend(openings.iter().map(|n| format!("{n} flow [m^3/s]")));
        header.extend(openings.iter().map(|n| format!("{n} pressure [Pa]")));
        header.push("max speed [m/s]".into());
        header.push("mass drift [-]".into());
        header.extend(extra.iter().cloned());
        writeln!(out, "{}", header.join(","))?;
        out.flush()?;
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
