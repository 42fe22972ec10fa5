//! Dose–volume histograms and the figures read from them: the mean, D70 and D90 (the
//! least dose the hottest 70% and 90% of the volume receive), V100 (the fraction at
//! 100 Gy or more) and the maximum.

use serde::Serialize;

/// Dose figures of one region.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DoseStats {
    pub region: String,
    pub voxels: usize,
    pub mass_kg: f64,
    pub mean_dose_gy: f64,
    pub d70_gy: f64,
    pub d90_gy: f64,
    /// Fraction of the volume receiving 100 Gy or more.
    pub v100: f64,
    pub max_dose_gy: f64,
}

/// The least dose received by the hottest `fraction` of `sorted` (ascending): the
/// largest d with V(≥ d) ≥ fraction.
fn dose_covering(sorted: &[f64], fraction: f64) -> f64 {
    let n = sorted.len();
    let i = ((1.0 - fraction) * n as f64 + 1e-9).floor() as usize;
    sorted[i.min(n - 1)]
}

/// The figures of a region of voxels of `voxel_mass_kg` with `doses`; None if empty.
pub fn stats(region: &str, doses: &[f64], voxel_mass_kg: f64) -> Option<DoseStats> {
    if doses.is_empty() {
        return None;
    }
    let mut sorted = doses.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    Some(DoseStats {
        region: region.into(),
        voxels: n,
        mass_kg: n as f64 * voxel_mass_kg,
        mean_dose_gy: sorted.iter().sum::<f64>() / n as f64,
        d70_gy: dose_covering(&sorted, 0.7),
        d90_gy: dose_covering(&sorted, 0.9),
        v100: sorted.iter().filter(|&&d| d >= 100.0).count() as f64 / n as f64,
        max_dose_gy: sorted[n - 1],
    })
}

/// Dose bins of a cumulative DVH: `bins` + 1 edges from 0 to `max_gy`.
pub fn bin_edges(max_gy: f64, bins: usize) -> Vec<f64> {
    let top = if max_gy > 0.0 { max_gy } else { 1.0 };
    (0..=bins).map(|b| top * b as f64 / bins as f64).collect()
}

/// The cumulative DVH: per edge, the fraction of the voxels with at least that dose.
pub fn cumulative(doses: &[f64], edges: &[f64]) -> Vec<f64> {
    let mut sorted = doses.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len().max(1) as f64;
    edges
        .iter()
        .map(|&d| (sorted.len() - sorted.partition_point(|&x| x < d)) as f64 / n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_a_known_distribution() {
        // Doses 1..=100 Gy, one voxel each: mean 50.5; the hottest 70 get ≥ 31,
        // the hottest 90 ≥ 11; one voxel at 100 Gy; the DVH falls by 1% a gray.
        let doses: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = stats("t", &doses, 0.01).unwrap();
        assert_eq!((s.voxels, s.mean_dose_gy), (100, 50.5));
        assert_eq!(
            (s.d70_gy, s.d90_gy, s.v100, s.max_dose_gy),
            (31.0, 11.0, 0.01, 100.0)
        );
        assert!((s.mass_kg - 1.0).abs() < 1e-12);
        let edges = bin_edges(100.0, 100);
        let v = cumulative(&doses, &edges);
        assert_eq!((v[0], v[1], v[50], v[100]), (1.0, 1.0, 0.51, 0.01));
        assert!(v.windows(2).all(|w| w[1] <= w[0]));
        assert_eq!(stats("empty", &[], 1.0), None);
    }
}
