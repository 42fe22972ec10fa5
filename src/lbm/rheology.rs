//! Blood viscosity models, μ(γ̇) in SI units (Pa·s, 1/s). Parameters and check values:
//! docs/references.md. The GPU kernels evaluate the same formulas per cell (issue #4).

use serde::{Deserialize, Serialize};

/// A generalized-Newtonian viscosity law.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum ViscosityModel {
    /// Constant viscosity μ [Pa·s].
    Newtonian { viscosity: f64 },
    /// Carreau–Yasuda: μ = μ∞ + (μ0 − μ∞)[1 + (λγ̇)^a]^((n−1)/a) (Yasuda et al. 1981;
    /// a = 2 is the Carreau law).
    CarreauYasuda {
        mu_zero: f64,
        mu_infinity: f64,
        lambda: f64,
        n: f64,
        a: f64,
    },
    /// Casson: √τ = k0 + k1 √γ̇, so μ = (k0 + k1 √γ̇)² / γ̇ (Casson 1959), with the
    /// singular γ̇ → 0 limit clamped at `max_viscosity`.
    Casson {
        k0: f64,
        k1: f64,
        max_viscosity: f64,
    },
    /// Power law μ = K γ̇^(n−1), clamped to [min_viscosity, max_viscosity].
    PowerLaw {
        consistency: f64,
        n: f64,
        min_viscosity: f64,
        max_viscosity: f64,
    },
}

impl ViscosityModel {
    /// Carreau, Cho & Kensey (Biorheology 28 (1991) 241): μ0 0.056, μ∞ 0.00345 Pa·s,
    /// λ 3.313 s, n 0.3568.
    pub const CHO_KENSEY: ViscosityModel = ViscosityModel::CarreauYasuda {
        mu_zero: 0.056,
        mu_infinity: 0.00345,
        lambda: 3.313,
        n: 0.3568,
        a: 2.0,
    };
    /// Carreau–Yasuda, Boyd et al. (Phys. Fluids 19 (2007) 093103) after Gijsen: μ0 0.056,
    /// μ∞ 0.00345 Pa·s, λ 1.902 s, n 0.22, a 1.25.
    pub const BOYD: ViscosityModel = ViscosityModel::CarreauYasuda {
        mu_zero: 0.056,
        mu_infinity: 0.00345,
        lambda: 1.902,
        n: 0.22,
        a: 1.25,
    };
    /// Casson, Boyd et al. 2007: k0 0.1937 Pa^½, k1 0.055 (Pa·s)^½; clamped at μ0 of
    /// the Carreau models.
    pub const CASSON_BOYD: ViscosityModel = ViscosityModel::Casson {
        k0: 0.1937,
        k1: 0.055,
        max_viscosity: 0.056,
    };

    /// Named presets for scenario files.
    pub fn preset(name: &str) -> Option<ViscosityModel> {
        match name {
            "newtonian" => Some(ViscosityModel::Newtonian { viscosity: 0.0035 }),
            "carreau" | "cho-kensey" => Some(Self::CHO_KENSEY),
            "carreau-yasuda" | "boyd" => Some(Self::BOYD),
            "casson" => Some(Self::CASSON_BOYD),
            _ => None,
        }
    }

    /// The smallest and largest viscosity the law reaches [Pa·s] (high and low shear).
    pub fn viscosity_range(&self) -> (f64, f64) {
        match *self {
            ViscosityModel::Newtonian { viscosity } => (viscosity, viscosity),
            ViscosityModel::CarreauYasuda {
                mu_zero,
                mu_infinity,
                ..
            } => (mu_infinity.min(mu_zero), mu_zero.max(mu_infinity)),
            ViscosityModel::Casson {
                k1, max_viscosity, ..
            } => (k1 * k1, max_viscosity),
            ViscosityModel::PowerLaw {
                min_viscosity,
                max_viscosity,
                ..
            } => (min_viscosity, max_viscosity),
        }
    }

    /// Dynamic viscosity [Pa·s] at shear rate γ̇ [1/s].
    pub fn viscosity(&self, shear_rate: f64) -> f64 {
        let g = shear_rate.abs();
        match *self {
            ViscosityModel::Newtonian { viscosity } => viscosity,
            ViscosityModel::CarreauYasuda {
                mu_zero,
                mu_infinity,
                lambda,
                n,
                a,
            } => {
                mu_infinity
                    + (mu_zero - mu_infinity) * (1.0 + (lambda * g).powf(a)).powf((n - 1.0) / a)
            }
            ViscosityModel::Casson {
                k0,
                k1,
                max_viscosity,
            } => {
                if g == 0.0 {
                    max_viscosity
                } else {
                    ((k0 + k1 * g.sqrt()).powi(2) / g).min(max_viscosity)
                }
            }
            ViscosityModel::PowerLaw {
                consistency,
                n,
                min_viscosity,
                max_viscosity,
            } => {
                if g == 0.0 {
                    max_viscosity
                } else {
                    (consistency * g.powf(n - 1.0)).clamp(min_viscosity, max_viscosity)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/references.md check values (Pa·s) at γ̇ = 0.1, 1, 10, 100, 1000 1/s; tolerance
    /// 0.5% (the table gives three significant figures).
    #[test]
    fn carreau_models_match_the_reference_table() {
        let rates = [0.1, 1.0, 10.0, 100.0, 1000.0];
        let cho = [0.0543, 0.0271, 0.00898, 0.00471, 0.00374];
        let boyd = [0.0523, 0.0287, 0.00865, 0.00433, 0.00360];
        for (model, expected, name) in [
            (ViscosityModel::CHO_KENSEY, cho, "Cho-Kensey"),
            (ViscosityModel::BOYD, boyd, "Boyd"),
        ] {
            for (g, e) in rates.iter().zip(expected) {
                let mu = model.viscosity(*g);
                let error = (mu - e) / e;
                println!(
                    "{name} at {g} 1/s: {mu:.5} Pa·s vs {e} ({:+.3}%)",
                    100.0 * error
                );
                assert!(error.abs() < 0.005, "{name} at {g}: {mu} vs {e}");
            }
        }
    }

    #[test]
    fn casson_and_power_law_follow_their_formulas_and_clamps() {
        let c = ViscosityModel::CASSON_BOYD;
        // τ = (k0 + k1 √γ̇)², μ = τ/γ̇ at γ̇ = 100: (0.1937 + 0.55)² / 100.
        assert!((c.viscosity(100.0) - (0.1937f64 + 0.55).powi(2) / 100.0).abs() < 1e-12);
        assert_eq!(c.viscosity(0.0), 0.056);
        assert_eq!(c.viscosity(1e-6), 0.056);
        let p = ViscosityModel::PowerLaw {
            consistency: 0.017,
            n: 0.708,
            min_viscosity: 0.0035,
            max_viscosity: 0.056,
        };
        assert!((p.viscosity(10.0) - 0.017 * 10f64.powf(-0.292)).abs() < 1e-12);
        assert_eq!(p.viscosity(1e9), 0.0035);
        assert_eq!(p.viscosity(0.0), 0.056);
        assert!(
            ViscosityModel::preset("boyd").is_some() && ViscosityModel::preset("honey").is_none()
        );
    }
}

/// A viscosity model expressed for the lattice: the conversions the local relaxation
/// time needs, as the GPU receives them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatticeRheology {
    pub model: ViscosityModel,
    /// 1/dt [1/s]: lattice shear rate → SI.
    pub shear_rate_per_lattice: f64,
    /// dt/(ρ dx²) [s·m/kg]: SI dynamic viscosity → lattice kinematic viscosity.
    pub lattice_viscosity_per_si: f64,
    /// Bounds of the local relaxation time, for stability.
    pub tau_min: f64,
    pub tau_max: f64,
}

/// Fixed-point iterations for the local relaxation time: τ enters its own strain rate.
pub const LOCAL_TAU_ITERATIONS: usize = 6;

impl LatticeRheology {
    /// Model id the kernels switch on (pipeline-overridable constant RHEOLOGY).
    pub fn kernel_id(&self) -> u32 {
        match self.model {
            ViscosityModel::Newtonian { .. } => 0,
            ViscosityModel::CarreauYasuda { .. } => 1,
            ViscosityModel::Casson { .. } => 2,
            ViscosityModel::PowerLaw { .. } => 3,
        }
    }

    /// The eight model coefficients in the kernels' order (shaders/common/rheology.wgsl).
    pub fn coefficients(&self) -> [f32; 8] {
        let c: [f64; 8] = match self.model {
            ViscosityModel::Newtonian { viscosity } => {
                [viscosity, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
            }
            ViscosityModel::CarreauYasuda {
                mu_zero,
                mu_infinity,
                lambda,
                n,
                a,
            } => [mu_zero, mu_infinity, lambda, n, a, 0.0, 0.0, 0.0],
            ViscosityModel::Casson {
                k0,
                k1,
                max_viscosity,
            } => [k0, k1, max_viscosity, 0.0, 0.0, 0.0, 0.0, 0.0],
            ViscosityModel::PowerLaw {
                consistency,
                n,
                min_viscosity,
                max_viscosity,
            } => [
                consistency,
                n,
                min_viscosity,
                max_viscosity,
                0.0,
                0.0,
                0.0,
                0.0,
            ],
        };
        c.map(|v| v as f32)
    }

    /// Local relaxation time from the non-equilibrium momentum flux Π (6 components
    /// xx, yy, zz, xy, xz, yz), starting from `tau_start`. The strain rate is
    /// S = −3/(2ρ₀τ) Π (Chapman–Enskog, Krüger et al. 2017 sec. 4.1; docs/references.md), γ̇ = √(2 S:S),
    /// and τ = ½ + 3 ν(γ̇); τ appears on both sides, so a few fixed-point iterations.
    /// f32 throughout, as on the GPU.
    pub fn local_tau(&self, pi: [f32; 6], tau_start: f32) -> f32 {
        let norm = (2.0
            * (pi[0] * pi[0]
                + pi[1] * pi[1]
                + pi[2] * pi[2]
                + 2.0 * (pi[3] * pi[3] + pi[4] * pi[4] + pi[5] * pi[5])))
            .sqrt();
        let mut tau = tau_start;
        for _ in 0..LOCAL_TAU_ITERATIONS {
            let shear_rate = 1.5 * norm / tau * self.shear_rate_per_lattice as f32;
            let mu = self.model.viscosity(shear_rate as f64) as f32;
            tau = (0.5 + 3.0 * mu * self.lattice_viscosity_per_si as f32)
                .clamp(self.tau_min as f32, self.tau_max as f32);
        }
        tau
    }
}
