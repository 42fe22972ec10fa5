//! Lattice units: the conversion between SI and the lattice, derived from the voxel
//! size, the fluid and a target peak lattice velocity.
//!
//! dt = u_lattice · dx / u_peak;  ν_lattice = ν dt / dx²;  τ = ½ + 3 ν_lattice;
//! Ma = u_lattice / c_s with c_s = 1/√3 (Krüger et al. 2017, sec. 7.2).

use crate::lbm::lattice::CS2;
use serde::Serialize;
use std::fmt::Write;

/// Lowest relaxation time accepted: closer to ½ the scheme loses stability.
pub const TAU_MIN: f64 = 0.51;
/// Highest Mach number accepted: compressibility errors grow as Ma².
pub const MACH_MAX: f64 = 0.15;

#[derive(Clone, Debug, Serialize)]
pub struct LatticeUnits {
    /// Voxel size [m].
    pub dx_m: f64,
    /// Time step [s].
    pub dt_s: f64,
    /// Fluid density [kg/m³].
    pub density_kg_m3: f64,
    /// Kinematic viscosity [m²/s].
    pub viscosity_m2_s: f64,
    /// Relaxation time τ (lattice).
    pub tau: f64,
    /// Kinematic viscosity (lattice).
    pub viscosity_lattice: f64,
    /// Peak velocity, SI [m/s] and lattice.
    pub peak_velocity_m_s: f64,
    pub peak_velocity_lattice: f64,
    /// Mach number of the peak velocity.
    pub mach: f64,
    /// Reynolds number from the mean velocity and the (hydraulic) diameter.
    pub reynolds: f64,
    /// Cells across the characteristic diameter.
    pub cells_across: f64,
}

impl LatticeUnits {
    /// Derives the units. `mean_velocity_m_s` and `diameter_m` set the Reynolds number.
    pub fn derive(
        dx_m: f64,
        density_kg_m3: f64,
        dynamic_viscosity_pa_s: f64,
        peak_velocity_m_s: f64,
        mean_velocity_m_s: f64,
        diameter_m: f64,
        lattice_velocity: f64,
    ) -> Self {
        let nu = dynamic_viscosity_pa_s / density_kg_m3;
        let dt = lattice_velocity * dx_m / peak_velocity_m_s;
        let nu_lattice = nu * dt / (dx_m * dx_m);
        LatticeUnits {
            dx_m,
            dt_s: dt,
            density_kg_m3,
            viscosity_m2_s: nu,
            tau: 0.5 + nu_lattice / CS2,
            viscosity_lattice: nu_lattice,
            peak_velocity_m_s,
            peak_velocity_lattice: lattice_velocity,
            mach: lattice_velocity / CS2.sqrt(),
            reynolds: mean_velocity_m_s * diameter_m / nu,
            cells_across: diameter_m / dx_m,
        }
    }

    /// Lattice speed dx/dt [m/s].
    fn lattice_speed(&self) -> f64 {
        self.dx_m / self.dt_s
    }
    pub fn velocity_to_lattice(&self, u_m_s: f64) -> f64 {
        u_m_s / self.lattice_speed()
    }
    pub fn velocity_to_si(&self, u: f64) -> f64 {
        u * self.lattice_speed()
    }
    /// Gauge pressure [Pa] of a density deviation: p = c_s² δρ ρ₀ (dx/dt)².
    pub fn pressure_to_si(&self, delta_density: f64) -> f64 {
        CS2 * delta_density * self.density_kg_m3 * self.lattice_speed().powi(2)
    }
    pub fn pressure_to_delta_density(&self, p_pa: f64) -> f64 {
        p_pa / (CS2 * self.density_kg_m3 * self.lattice_speed().powi(2))
    }
    /// Viscous stress [Pa] of a lattice stress (ρ₀ = 1): σ ρ (dx/dt)².
    pub fn stress_to_si(&self, stress: f64) -> f64 {
        stress * self.density_kg_m3 * self.lattice_speed().powi(2)
    }
    /// Shear rate [1/s] of a lattice shear rate [1/step].
    pub fn shear_rate_to_si(&self, rate: f64) -> f64 {
        rate / self.dt_s
    }
    /// Dynamic viscosity [Pa·s] of a relaxation time: μ = ρ c_s² (τ − ½) dx²/dt.
    pub fn viscosity_of_tau(&self, tau: f64) -> f64 {
        self.density_kg_m3 * CS2 * (tau - 0.5) * self.dx_m * self.dx_m / self.dt_s
    }
    /// Flow rate [m³/s] of a lattice flux through cell faces (Σ u over faces).
    pub fn flow_rate_to_si(&self, flux: f64) -> f64 {
        flux * self.dx_m.powi(3) / self.dt_s
    }
    pub fn flow_rate_to_lattice(&self, q_m3_s: f64) -> f64 {
        q_m3_s * self.dt_s / self.dx_m.powi(3)
    }
    /// Body-force density [N/m³] to lattice units: F dt² / (ρ₀ dx).
    pub fn force_density_to_lattice(&self, f_n_m3: f64) -> f64 {
        f_n_m3 * self.dt_s * self.dt_s / (self.density_kg_m3 * self.dx_m)
    }

    /// The unit table printed before a run.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let rows = [
            ("voxel size dx", format!("{:.4e} m", self.dx_m)),
            ("time step dt", format!("{:.4e} s", self.dt_s)),
            ("relaxation time tau", format!("{:.5}", self.tau)),
            (
                "viscosity nu",
                format!(
                    "{:.4e} m^2/s = {:.5} lattice",
                    self.viscosity_m2_s, self.viscosity_lattice
                ),
            ),
            (
                "peak velocity",
                format!(
                    "{:.4} m/s = {:.4} lattice",
                    self.peak_velocity_m_s, self.peak_velocity_lattice
                ),
            ),
            ("Mach number", format!("{:.4}", self.mach)),
            ("Reynolds number", format!("{:.1}", self.reynolds)),
            ("cells across", format!("{:.1}", self.cells_across)),
        ];
        for (k, v) in rows {
            let _ = writeln!(s, "  {k:<22} {v}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        let u = LatticeUnits::derive(1e-4, 1060.0, 0.0035, 0.2, 0.1, 3e-3, 0.05);
        assert!((u.dt_s - 2.5e-5).abs() < 1e-12);
        assert!((u.velocity_to_lattice(0.2) - 0.05).abs() < 1e-12);
        assert!((u.pressure_to_si(u.pressure_to_delta_density(133.0)) - 133.0).abs() < 1e-9);
        assert!((u.flow_rate_to_si(u.flow_rate_to_lattice(1e-6)) - 1e-6).abs() < 1e-18);
        let nu = 0.0035 / 1060.0;
        assert!((u.tau - (0.5 + 3.0 * nu * 2.5e-5 / 1e-8)).abs() < 1e-12);
        assert!((u.reynolds - 0.1 * 3e-3 / nu).abs() < 1e-9);
    }
}
