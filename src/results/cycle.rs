//! Key metrics of a pulsatile run over its last full inflow cycle: the mean,
//! amplitude, peak and phase of each opening's flow and pressure. End-of-run values
//! of a pulsatile run depend on where in the cycle it stopped; these do not.

use crate::io::metrics::MetricsTable;
use serde::{Deserialize, Serialize};

/// One signal over a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleStats {
    /// Time average over the cycle (trapezoidal rule).
    pub mean: f64,
    /// Half the peak-to-peak range.
    pub amplitude: f64,
    /// Largest value.
    pub peak: f64,
    /// Phase of the fundamental harmonic in degrees, 0-360: the fundamental
    /// a·cos(ωt) + b·sin(ωt) = A·cos(ωt − φ), t from the cycle's start, peaks at
    /// ωt = φ (a pure sine has φ = 90°).
    pub phase_deg: f64,
}

/// One opening's flow and pressure over the last full cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpeningCycle {
    pub name: String,
    pub flow_m3_s: CycleStats,
    pub pressure_pa: CycleStats,
}

/// The last full inflow cycle of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastCycle {
    /// Index of the cycle (0: the first).
    pub cycle: u64,
    pub start_s: f64,
    pub end_s: f64,
    /// Samples in the cycle: the rows inside it and its two ends.
    pub samples: usize,
    pub openings: Vec<OpeningCycle>,
}

/// Fewest rows per cycle for amplitude and phase to mean something.
pub const MIN_SAMPLES: usize = 8;

/// The last cycle of length `period_s` that the rows of `table` cover from end to
/// end; `None` when the run did not complete one, or sampled it with fewer than
/// [`MIN_SAMPLES`] rows.
pub fn last_full_cycle(table: &MetricsTable, period_s: f64) -> Option<LastCycle> {
    if !(period_s.is_finite() && period_s > 0.0) {
        return None;
    }
    let times: Vec<f64> = table.rows.iter().map(|r| r[0]).collect();
    let (&first, &last) = (times.first()?, times.last()?);
    let slack = 1e-6 * period_s;
    let ends = ((last + slack) / period_s).floor();
    if ends < 1.0 {
        return None;
    }
    let cycle = ends as u64 - 1;
    let (start, end) = (cycle as f64 * period_s, ends * period_s);
    if first > start + slack {
        return None;
    }
    // The cycle's ends interpolated between rows (exact rows when the output interval
    // divides the period), the rows between them as they are.
    let mut t = vec![0.0];
    t.extend(
        times
            .iter()
            .filter(|&&x| x > start + slack && x < end - slack)
            .map(|x| x - start),
    );
    t.push(end - start);
    if t.len() < MIN_SAMPLES {
        return None;
    }
    let column = |name: String| -> Option<Vec<f64>> {
        let k = table.column(&name)?;
        Some(
            t.iter()
                .map(|&x| interpolate(table, &times, k, start + x))
                .collect(),
        )
    };
    let openings = table
        .openings()
        .into_iter()
        .filter_map(|name| {
            let flow = column(format!("{name} flow [m^3/s]"))?;
            let pressure = column(format!("{name} pressure [Pa]"))?;
            Some(OpeningCycle {
                flow_m3_s: stats(&t, &flow, period_s),
                pressure_pa: stats(&t, &pressure, period_s),
                name,
            })
        })
        .collect();
    Some(LastCycle {
        cycle,
        start_s: start,
        end_s: end,
        samples: t.len(),
        openings,
    })
}

/// Column `k` of `table` at time `x`, linear between the rows around it.
fn interpolate(table: &MetricsTable, times: &[f64], k: usize, x: f64) -> f64 {
    let value = |i: usize| table.rows[i].get(k).copied().unwrap_or(f64::NAN);
    if times.len() < 2 {
        return value(0);
    }
    let i = times.partition_point(|&t| t < x).clamp(1, times.len() - 1);
    let (t0, t1) = (times[i - 1], times[i]);
    let s = if t1 > t0 {
        ((x - t0) / (t1 - t0)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    value(i - 1) + s * (value(i) - value(i - 1))
}

/// Mean, amplitude, peak and fundamental phase of samples `v` at times `t` (from
/// the cycle's start) over one period.
pub fn stats(t: &[f64], v: &[f64], period_s: f64) -> CycleStats {
    let omega = 2.0 * std::f64::consts::PI / period_s;
    // Trapezoidal integrals over the cycle: exact for the harmonics below half the
    // sampling rate when the samples are evenly spaced (the usual output interval).
    let integral = |f: &dyn Fn(usize) -> f64| -> f64 {
        (1..t.len())
            .map(|i| 0.5 * (f(i) + f(i - 1)) * (t[i] - t[i - 1]))
            .sum()
    };
    let mean = integral(&|i| v[i]) / period_s;
    let a = 2.0 / period_s * integral(&|i| v[i] * (omega * t[i]).cos());
    let b = 2.0 / period_s * integral(&|i| v[i] * (omega * t[i]).sin());
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    CycleStats {
        mean,
        amplitude: 0.5 * (hi - lo),
        peak: hi,
        phase_deg: b.atan2(a).to_degrees().rem_euclid(360.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A metrics table with one opening, `per_cycle` rows per period from t = 0 to
    /// `cycles` periods, flow = f(t) and pressure = 2 f(t).
    fn table(period: f64, per_cycle: usize, cycles: f64, f: impl Fn(f64) -> f64) -> MetricsTable {
        let n = (cycles * per_cycle as f64).round() as usize;
        MetricsTable {
            header: vec![
                "time [s]".into(),
                "step".into(),
                "out flow [m^3/s]".into(),
                "out pressure [Pa]".into(),
            ],
            rows: (0..=n)
                .map(|k| {
                    let t = k as f64 * period / per_cycle as f64;
                    vec![t, k as f64, f(t), 2.0 * f(t)]
                })
                .collect(),
        }
    }

    #[test]
    fn a_shifted_cosine_with_a_harmonic_gives_its_mean_amplitude_and_phase() {
        let (p, w) = (0.8, 2.0 * std::f64::consts::PI / 0.8);
        let phase: f64 = 1.1; // rad
        let f = |t: f64| 3.0 + 2.0 * (w * t - phase).cos() + 0.5 * (2.0 * w * t).sin();
        // 2.5 cycles: the last full one is cycle 1 (0.8 s to 1.6 s).
        let c = last_full_cycle(&table(p, 100, 2.5, f), p).expect("a full cycle");
        assert_eq!((c.cycle, c.samples), (1, 101));
        assert!((c.start_s - 0.8).abs() < 1e-12 && (c.end_s - 1.6).abs() < 1e-12);
        let s = c.openings[0].flow_m3_s;
        // Mean and phase: exact for sampled harmonics (to rounding).
        assert!((s.mean - 3.0).abs() < 1e-12, "{s:?}");
        assert!((s.phase_deg - phase.to_degrees()).abs() < 1e-9, "{s:?}");
        // Peak and amplitude from 100 samples of a smooth curve: within 1e-3 of the
        // dense curve's extremes.
        let dense: Vec<f64> = (0..100_000).map(|k| f(k as f64 * p / 1e5)).collect();
        let (lo, hi) = dense
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(
            (s.peak - hi).abs() < 1e-3 && (s.amplitude - 0.5 * (hi - lo)).abs() < 1e-3,
            "{s:?}"
        );
        assert!((c.openings[0].pressure_pa.mean - 6.0).abs() < 1e-12);
    }

    #[test]
    fn no_cycle_before_one_is_complete_or_when_sampled_too_sparsely() {
        let f = |t: f64| t.sin();
        assert!(last_full_cycle(&table(1.0, 50, 0.9, f), 1.0).is_none());
        assert!(last_full_cycle(&table(1.0, 4, 3.0, f), 1.0).is_none());
        // Exactly two cycles: the second is complete.
        assert_eq!(
            last_full_cycle(&table(1.0, 50, 2.0, f), 1.0).unwrap().cycle,
            1
        );
        // A sine peaks a quarter period in.
        let c = last_full_cycle(
            &table(1.0, 64, 1.0, |t| (2.0 * std::f64::consts::PI * t).sin()),
            1.0,
        )
        .unwrap();
        assert!((c.openings[0].flow_m3_s.phase_deg - 90.0).abs() < 1e-9);
    }
}
