//! Particle size distributions, sampled from a seeded generator so that the same seed
//! gives the same particles on every machine (PCG64, rand_pcg: a fixed algorithm).

use rand::Rng;
use rand_distr::{Distribution, LogNormal, Normal};
use serde::{Deserialize, Serialize};

/// Diameter distribution of an agent [m].
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SizeDistribution {
    /// Every particle the same.
    Fixed { diameter: f64 },
    /// Normal, truncated to [min, max] (default: mean ± 3 sd, and above zero).
    Normal {
        mean: f64,
        sd: f64,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// Log-normal with median and geometric standard deviation (≥ 1).
    LogNormal { median: f64, gsd: f64 },
    /// Uniform over [min, max] (calibrated size classes).
    Uniform { min: f64, max: f64 },
}

impl SizeDistribution {
    /// Why the parameters cannot describe diameters, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let positive = |name: &str, v: f64| {
            (!(v.is_finite() && v > 0.0))
                .then(|| format!("{name} = {v} must be a positive length in m"))
        };
        match *self {
            SizeDistribution::Fixed { diameter } => positive("diameter", diameter),
            SizeDistribution::Normal { mean, sd, min, max } => positive("mean", mean)
                .or_else(|| (!(sd.is_finite() && sd >= 0.0)).then(|| format!("sd = {sd} must be zero or positive")))
                .or_else(|| {
                    let (lo, hi) = self.bounds();
                    (lo >= hi || min.is_some_and(|m| m > mean) || max.is_some_and(|m| m < mean))
                        .then(|| format!("the range [{lo:.3e}, {hi:.3e}] m must contain the mean {mean:.3e} m"))
                }),
            SizeDistribution::LogNormal { median, gsd } => positive("median", median).or_else(|| {
                (!(gsd.is_finite() && gsd >= 1.0)).then(|| format!("gsd = {gsd} must be at least 1"))
            }),
            SizeDistribution::Uniform { min, max } => positive("min", min)
                .or_else(|| positive("max", max))
                .or_else(|| (min > max).then(|| format!("min {min:.3e} m is above max {max:.3e} m"))),
        }
    }

    fn bounds(&self) -> (f64, f64) {
        match *self {
            SizeDistribution::Normal { mean, sd, min, max } => (
                min.unwrap_or((mean - 3.0 * sd).max(0.05 * mean)),
                max.unwrap_or(mean + 3.0 * sd),
            ),
            _ => (0.0, f64::INFINITY),
        }
    }

    /// One diameter [m].
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            SizeDistribution::Fixed { diameter } => diameter,
            SizeDistribution::Normal { mean, sd, .. } => {
                let (lo, hi) = self.bounds();
                if sd == 0.0 {
                    return mean;
                }
                let normal = Normal::new(mean, sd).expect("checked by problem()");
                // Rejection keeps the truncated shape; the range holds the mean.
                loop {
                    let d = normal.sample(rng);
                    if d >= lo && d <= hi {
                        return d;
                    }
                }
            }
            SizeDistribution::LogNormal { median, gsd } => LogNormal::new(median.ln(), gsd.ln())
                .expect("checked by problem()")
                .sample(rng),
            SizeDistribution::Uniform { min, max } => {
                if min == max {
                    min
                } else {
                    rng.random_range(min..max)
                }
            }
        }
    }

    /// Mean particle volume [m³], by sampling (used to turn a volume fraction into a
    /// rate); exact for a fixed size.
    pub fn mean_volume(&self, rng: &mut impl Rng) -> f64 {
        let n = 4096;
        (0..n)
            .map(|_| std::f64::consts::PI / 6.0 * self.sample(rng).powi(3))
            .sum::<f64>()
            / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn samples_follow_their_distribution() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let n = 20000;
        let normal = SizeDistribution::Normal {
            mean: 32e-6,
            sd: 10e-6,
            min: Some(20e-6),
            max: Some(60e-6),
        };
        let d: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
        assert!(d.iter().all(|&x| (20e-6..=60e-6).contains(&x)));
        let uniform = SizeDistribution::Uniform {
            min: 100e-6,
            max: 300e-6,
        };
        let mean = (0..n).map(|_| uniform.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 200e-6).abs() < 2e-6, "uniform mean {mean}");
        let log = SizeDistribution::LogNormal {
            median: 40e-6,
            gsd: 1.3,
        };
        let mut l: Vec<f64> = (0..n).map(|_| log.sample(&mut rng)).collect();
        l.sort_by(f64::total_cmp);
        assert!(
            (l[n / 2] - 40e-6).abs() < 1e-6,
            "log-normal median {}",
            l[n / 2]
        );
        assert!(SizeDistribution::Uniform { min: 2.0, max: 1.0 }
            .problem()
            .is_some());
        assert!(SizeDistribution::LogNormal {
            median: 1e-5,
            gsd: 0.5
        }
        .problem()
        .is_some());
    }
}
