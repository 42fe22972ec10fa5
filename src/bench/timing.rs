//! Robust timing statistics for the benchmark cases: medians and spreads of repeated
//! batches, and whether a difference stands out of the noise.

use serde::Serialize;

/// Repeated timings of one thing: the median and the spread (half the interquartile
/// range), robust against the odd slow sample a busy machine produces.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Timing {
    pub median_s: f64,
    pub spread_s: f64,
    pub samples: usize,
}

impl Timing {
    /// The statistics of `samples` [s] (at least one).
    pub fn of(samples: &[f64]) -> Self {
        assert!(!samples.is_empty(), "a timing needs samples");
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let at = |p: f64| {
            // Linear interpolation between order statistics.
            let x = p * (s.len() - 1) as f64;
            let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
            s[lo] + (x - lo as f64) * (s[hi] - s[lo])
        };
        Timing {
            median_s: at(0.5),
            spread_s: 0.5 * (at(0.75) - at(0.25)),
            samples: s.len(),
        }
    }

    /// The spread relative to the median [%].
    pub fn spread_percent(&self) -> f64 {
        100.0 * self.spread_s / self.median_s.max(1e-300)
    }
}

/// The difference b − a of two timings and its uncertainty (their spreads added in
/// quadrature): resolved when the difference exceeds twice the uncertainty.
pub fn difference(a: &Timing, b: &Timing) -> (f64, f64, bool) {
    let d = b.median_s - a.median_s;
    let noise = a.spread_s.hypot(b.spread_s);
    (d, noise, d.abs() > 2.0 * noise)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_statistics_resist_outliers_and_noise_hides_small_differences() {
        let t = Timing::of(&[1.0, 1.1, 0.9, 1.0, 9.0]);
        assert_eq!(t.median_s, 1.0);
        assert!((t.spread_s - 0.05).abs() < 1e-12, "{t:?}");
        let flow = Timing::of(&[1.00, 1.05, 0.95, 1.02, 0.98]);
        let tiny = Timing::of(&[1.01, 1.06, 0.96, 1.03, 0.99]);
        let big = Timing::of(&[1.50, 1.55, 1.45, 1.52, 1.48]);
        assert!(
            !difference(&flow, &tiny).2,
            "a 1% change inside a ±2.5% spread"
        );
        assert!(difference(&flow, &big).2, "a 50% change");
    }
}
