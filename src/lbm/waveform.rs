//! Inflow waveforms: the factor f(t) on the mean inflow, periodic with a cycle length.
//! Sinusoid, Fourier series, or samples (from a CSV file) interpolated by periodic
//! Catmull–Rom splines, normalised so the cycle's mean is 1.

use serde::{Deserialize, Serialize};

/// A periodic factor on the mean inflow.
#[derive(Clone, Debug, PartialEq)]
pub enum Waveform {
    Constant,
    /// 1 + Σ_n (a_n cos nωt + b_n sin nωt), ω = 2π/period.
    Fourier {
        period_s: f64,
        cos: Vec<f64>,
        sin: Vec<f64>,
    },
    /// Samples over one cycle at equal spacing, mean 1.
    Samples {
        period_s: f64,
        values: Vec<f64>,
    },
}

impl Waveform {
    pub fn factor(&self, t_s: f64) -> f64 {
        match self {
            Waveform::Constant => 1.0,
            Waveform::Fourier { period_s, cos, sin } => {
                let w = 2.0 * std::f64::consts::PI / period_s;
                1.0 + cos
                    .iter()
                    .enumerate()
                    .map(|(k, a)| a * ((k + 1) as f64 * w * t_s).cos())
                    .sum::<f64>()
                    + sin
                        .iter()
                        .enumerate()
                        .map(|(k, b)| b * ((k + 1) as f64 * w * t_s).sin())
                        .sum::<f64>()
            }
            Waveform::Samples { period_s, values } => {
                let n = values.len();
                let x = (t_s / period_s).rem_euclid(1.0) * n as f64;
                let i = x.floor() as usize % n;
                let s = x - x.floor();
                let p = |k: isize| values[(i as isize + k).rem_euclid(n as isize) as usize];
                let (p0, p1, p2, p3) = (p(-1), p(0), p(1), p(2));
                // Uniform Catmull–Rom, periodic.
                0.5 * (2.0 * p1
                    + (p2 - p0) * s
                    + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * s * s
                    + (3.0 * p1 - p0 - 3.0 * p2 + p3) * s * s * s)
            }
        }
    }

    /// Largest |factor| over a cycle (sampled finely), for the lattice velocity scale.
    pub fn max_abs_factor(&self) -> f64 {
        match self {
            Waveform::Constant => 1.0,
            Waveform::Fourier { period_s, .. } | Waveform::Samples { period_s, .. } => (0..2000)
                .map(|k| self.factor(period_s * k as f64 / 2000.0).abs())
                .fold(0.0, f64::max),
        }
    }

    /// The first `count` harmonics (a_n, b_n) of f(t) = 1 + Σ a_n cos nωt + b_n sin nωt.
    pub fn harmonics(&self, count: usize) -> Vec<(f64, f64)> {
        match self {
            Waveform::Constant => vec![],
            Waveform::Fourier { cos, sin, .. } => (0..count)
                .map(|k| {
                    (
                        cos.get(k).copied().unwrap_or(0.0),
                        sin.get(k).copied().unwrap_or(0.0),
                    )
                })
                .collect(),
            Waveform::Samples { values, .. } => {
                // Discrete Fourier transform of the resampled cycle.
                let n = values.len() as f64;
                (1..=count)
                    .map(|h| {
                        values
                            .iter()
                            .enumerate()
                            .fold((0.0, 0.0), |(a, b), (k, v)| {
                                let phase = 2.0 * std::f64::consts::PI * (h * k) as f64 / n;
                                (a + 2.0 / n * v * phase.cos(), b + 2.0 / n * v * phase.sin())
                            })
                    })
                    .collect()
            }
        }
    }

    pub fn period_s(&self) -> Option<f64> {
        match self {
            Waveform::Constant => None,
            Waveform::Fourier { period_s, .. } | Waveform::Samples { period_s, .. } => {
                Some(*period_s)
            }
        }
    }

    /// Samples (time [s], flow rate) over one cycle, resampled to `n` equal steps and
    /// normalised to mean 1. The cycle runs from the first to the last time; the last
    /// sample should repeat the first.
    pub fn from_samples(times: &[f64], flows: &[f64], n: usize) -> Result<Self, String> {
        if times.len() < 3 || times.len() != flows.len() {
            return Err("need at least 3 (time, flow) rows".into());
        }
        if times.windows(2).any(|w| w[1] <= w[0]) {
            return Err("times must increase strictly".into());
        }
        let period = times[times.len() - 1] - times[0];
        let at = |t: f64| {
            let k = times.partition_point(|&x| x <= t).clamp(1, times.len() - 1);
            let (t0, t1) = (times[k - 1], times[k]);
            flows[k - 1] + (flows[k] - flows[k - 1]) * (t - t0) / (t1 - t0)
        };
        let values: Vec<f64> = (0..n)
            .map(|k| at(times[0] + period * k as f64 / n as f64))
            .collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        if mean.abs() < 1e-300 || !mean.is_finite() {
            return Err("the waveform's mean flow is zero".into());
        }
        Ok(Waveform::Samples {
            period_s: period,
            values: values.iter().map(|v| v / mean).collect(),
        })
    }
}

/// The scenario's `[inlet.waveform]` table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WaveformSpec {
    /// f = 1 + amplitude · sin(2πt/period).
    Sine { period: f64, amplitude: f64 },
    /// f = 1 + Σ cos[n−1] cos(nωt) + sin[n−1] sin(nωt), relative to the mean.
    Fourier {
        period: f64,
        #[serde(default)]
        cos: Vec<f64>,
        #[serde(default)]
        sin: Vec<f64>,
    },
    /// A CSV file of `time [s], flow rate` rows over one cycle (header allowed); its
    /// shape is used, scaled so its mean is the scenario's mean inflow.
    Csv { file: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourier_and_samples_have_unit_mean_and_repeat() {
        let f = Waveform::Fourier {
            period_s: 0.8,
            cos: vec![0.3, 0.1],
            sin: vec![0.2],
        };
        let mean: f64 = (0..800).map(|k| f.factor(k as f64 * 0.001)).sum::<f64>() / 800.0;
        assert!((mean - 1.0).abs() < 1e-9);
        assert!((f.factor(0.1) - f.factor(0.9)).abs() < 1e-12);
        let times = [0.0, 0.2, 0.4, 0.6, 0.8];
        let flows = [1.0, 3.0, 1.0, 0.5, 1.0];
        let s = Waveform::from_samples(&times, &flows, 64).unwrap();
        let mean: f64 = (0..6400)
            .map(|k| s.factor(k as f64 * 0.8 / 6400.0))
            .sum::<f64>()
            / 6400.0;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
        assert!((s.factor(0.2) - s.factor(1.0)).abs() < 1e-9);
        assert!(s.max_abs_factor() > 2.0);
        let f2 =
            Waveform::from_samples(&[0.0, 0.2, 0.4, 0.6, 0.8], &[1.0, 1.5, 1.0, 0.5, 1.0], 256)
                .unwrap();
        let h = f2.harmonics(2);
        // Linear interpolation of those samples is a triangle wave of amplitude ½,
        // whose first sine harmonic is 8/π² · ½.
        let expected = 4.0 / std::f64::consts::PI.powi(2);
        assert!(
            (h[0].1 - expected).abs() < 1e-3 && h[0].0.abs() < 1e-9,
            "first harmonic: {h:?}"
        );
        assert!(Waveform::from_samples(&[0.0, 0.1], &[1.0, 2.0], 8).is_err());
        assert!(Waveform::from_samples(&[0.0, 0.2, 0.1], &[1.0, 2.0, 3.0], 8).is_err());
    }
}
