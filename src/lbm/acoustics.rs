//! The acoustic number of a pulsatile run: how far the lattice's finite sound speed
//! is from the incompressible flow it stands for. A lattice-Boltzmann fluid carries
//! sound at c_s = dx/(√3 dt), far below blood's 1,500 m/s, so a pressure change needs
//! L/c_s to cross a domain of length L. With ω the angular frequency of the highest
//! harmonic that matters in the inflow, a = ω L / c_s compares that transit with the
//! waveform's time scale; the flow is effectively incompressible, and the outlets
//! impose their models, to order a² (docs/boundaries.md). Halving the time step
//! halves a (and τ − ½).

use super::waveform::Waveform;
use crate::units::LatticeUnits;

/// Above this acoustic number `check` suggests a smaller time step: a² = 1% is the
/// relative size of the compressible correction.
pub const ACOUSTIC_NUMBER_LIMIT: f64 = 0.1;

/// Fraction of the oscillating part of the inflow's power that the counted
/// harmonics carry.
const POWER_FRACTION: f64 = 0.99;

/// Harmonics examined for sampled waveforms.
const MAX_HARMONIC: usize = 32;

/// The acoustic number of a pulsatile inflow in a domain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AcousticNumber {
    /// The highest harmonic that matters (together with those below it, 99% of the
    /// oscillating power).
    pub harmonic: usize,
    /// Its angular frequency [rad/s].
    pub omega_rad_s: f64,
    /// Domain length: the longest side of the grid [m].
    pub length_m: f64,
    /// Lattice sound speed dx/(√3 dt) [m/s].
    pub sound_speed_m_s: f64,
    /// a = ω L / c_s.
    pub number: f64,
}

impl AcousticNumber {
    /// `None` for a steady inflow.
    pub fn of(
        waveform: &Waveform,
        units: &LatticeUnits,
        longest_side_cells: usize,
    ) -> Option<Self> {
        let period_s = waveform.period_s()?;
        let harmonic = highest_harmonic(waveform)?;
        let omega_rad_s = 2.0 * std::f64::consts::PI * harmonic as f64 / period_s;
        let length_m = longest_side_cells as f64 * units.dx_m;
        let sound_speed_m_s = units.dx_m / (3f64.sqrt() * units.dt_s);
        Some(AcousticNumber {
            harmonic,
            omega_rad_s,
            length_m,
            sound_speed_m_s,
            number: omega_rad_s * length_m / sound_speed_m_s,
        })
    }

    /// The time-step factor that brings a down to [`ACOUSTIC_NUMBER_LIMIT`] (≥ 1: no
    /// change needed); `lattice_velocity` and τ − ½ scale by its inverse.
    pub fn time_step_reduction(&self) -> f64 {
        (self.number / ACOUSTIC_NUMBER_LIMIT).max(1.0)
    }
}

/// The smallest n such that harmonics 1..=n carry [`POWER_FRACTION`] of the
/// oscillating power; `None` when nothing oscillates.
fn highest_harmonic(waveform: &Waveform) -> Option<usize> {
    let power: Vec<f64> = waveform
        .harmonics(MAX_HARMONIC)
        .iter()
        .map(|(a, b)| a * a + b * b)
        .collect();
    let total: f64 = power.iter().sum();
    if total <= 1e-18 {
        return None;
    }
    let mut running = 0.0;
    for (k, p) in power.iter().enumerate() {
        running += p;
        if running >= POWER_FRACTION * total {
            return Some(k + 1);
        }
    }
    Some(power.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(dx_m: f64, dt_s: f64) -> LatticeUnits {
        LatticeUnits {
            dx_m,
            dt_s,
            density_kg_m3: 1060.0,
            viscosity_m2_s: 3.3e-6,
            tau: 0.52,
            viscosity_lattice: 0.0067,
            peak_velocity_m_s: 0.0,
            peak_velocity_lattice: 0.0,
            mach: 0.0,
            reynolds: 0.0,
            cells_across: 0.0,
        }
    }

    #[test]
    fn a_sine_counts_its_one_harmonic() {
        let sine = Waveform::Fourier {
            period_s: 1.0,
            cos: vec![],
            sin: vec![0.3],
        };
        // c_s = 1e-4/(√3 · 1e-5) = 5.774 m/s, L = 0.01 m, ω = 2π rad/s.
        let a = AcousticNumber::of(&sine, &units(1e-4, 1e-5), 100).unwrap();
        assert_eq!(a.harmonic, 1);
        let expected = 2.0 * std::f64::consts::PI * 0.01 / (1e-4 / (3f64.sqrt() * 1e-5));
        assert!((a.number - expected).abs() < 1e-12 * expected);
        assert_eq!(a.time_step_reduction(), 1.0);
    }

    #[test]
    fn the_highest_harmonic_carries_the_power_that_matters() {
        // Powers 1, 0.25, 0.0001: the first two carry 99.99%.
        let w = Waveform::Fourier {
            period_s: 0.8,
            cos: vec![1.0, 0.5, 0.0, 0.01],
            sin: vec![],
        };
        assert_eq!(highest_harmonic(&w), Some(2));
        assert_eq!(highest_harmonic(&Waveform::Constant), None);
        let a = AcousticNumber::of(&w, &units(1e-4, 1e-4), 200).unwrap();
        assert!(a.time_step_reduction() > 1.0);
        assert!((a.number / a.time_step_reduction() - ACOUSTIC_NUMBER_LIMIT).abs() < 1e-12);
    }
}
