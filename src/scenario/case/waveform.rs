//! Waveforms of [inlet.waveform] and outlet pressure waveforms: a sine, a Fourier
//! series, or one cycle of samples from a CSV file.

use super::checker::Checker;
use crate::lbm::waveform::{Waveform, WaveformSpec};
use crate::scenario::error::ScenarioError;
use std::path::Path;

/// The inflow waveform of `[inlet.waveform]`.
pub fn waveform(
    c: &Checker,
    spec: Option<&WaveformSpec>,
    t: &str,
    path: &Path,
) -> Result<Waveform, ScenarioError> {
    let period_ok = |p: f64| -> Result<f64, ScenarioError> {
        if p.is_finite() && p > 0.0 {
            Ok(p)
        } else {
            Err(c.fail(
                t,
                "period",
                format!("period = {p} s must be positive"),
                "give the cycle length in seconds, e.g. 0.8".into(),
            ))
        }
    };
    Ok(match spec {
        None => Waveform::Constant,
        Some(WaveformSpec::Sine { period, amplitude }) => Waveform::Fourier {
            period_s: period_ok(*period)?,
            cos: vec![],
            sin: vec![*amplitude],
        },
        Some(WaveformSpec::Fourier { period, cos, sin }) => Waveform::Fourier {
            period_s: period_ok(*period)?,
            cos: cos.clone(),
            sin: sin.clone(),
        },
        Some(WaveformSpec::Csv { file }) => {
            let full = path.parent().unwrap_or(Path::new(".")).join(file);
            let text =
                crate::io::input::read_text_bounded(&full, crate::io::input::MAX_TABLE_BYTES)
                    .map_err(|e| {
                        c.fail(
                            t,
                            "file",
                            format!("cannot read {}: {e}", full.display()),
                            "check the path (relative to the scenario file)".into(),
                        )
                    })?;
            let mut times = Vec::new();
            let mut flows = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let fields: Vec<&str> = line
                    .split([',', ';', '\t', ' '])
                    .filter(|f| !f.is_empty())
                    .collect();
                match (
                    fields.first().map(|f| f.parse::<f64>()),
                    fields.get(1).map(|f| f.parse::<f64>()),
                ) {
                    (Some(Ok(time)), Some(Ok(flow))) => {
                        times.push(time);
                        flows.push(flow);
                    }
                    _ if times.is_empty() => continue, // header
                    _ => {
                        return Err(c.fail(
                            t,
                            "file",
                            format!(
                                "{} line {}: expected `time [s], flow rate`",
                                full.display(),
                                n + 1
                            ),
                            "two numbers per row, comma separated".into(),
                        ))
                    }
                }
            }
            Waveform::from_samples(&times, &flows, 256).map_err(|e| {
                c.fail(
                    t,
                    "file",
                    format!("{}: {e}", full.display()),
                    "give one cycle of (time, flow) samples".into(),
                )
            })?
        }
    })
}
