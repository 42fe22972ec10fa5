//! Outlet models in lattice units, as `shaders/lbm/outlets.wgsl` applies them after
//! every step. Pressures are carried as density deviations δρ = 3 p (lattice p).

use crate::units::LatticeUnits;

/// What an opening imposes when it is an outlet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutletModel {
    /// A fixed density deviation.
    Pressure { delta_density: f32 },
    /// A density deviation that follows a waveform: each step's value comes through
    /// the GPU step schedule, slot `slot` of `StepState::outlet_pressure`.
    ScheduledPressure {
        slot: u32,
        initial_delta_density: f32,
    },
    /// δρ = δρ_d + R' Q: a resistance to a distal pressure.
    Resistance {
        resistance: f32,
        distal_delta_density: f32,
    },
    /// Three-element Windkessel (Westerhof et al., Med. Biol. Eng. Comput. 47 (2009)
    /// 131): proximal resistance R'_p, compliance C', distal resistance R'_d to a
    /// distal pressure; dp_c/dt = (Q − (p_c − δρ_d)/R'_d)/C', δρ = p_c + R'_p Q.
    Windkessel {
        proximal: f32,
        compliance: f32,
        distal: f32,
        distal_delta_density: f32,
    },
}

impl OutletModel {
    /// The two vec4 rows the kernel reads (see outlets.wgsl).
    pub fn kernel_rows(&self) -> [[f32; 4]; 2] {
        match *self {
            OutletModel::Pressure { delta_density } => [[0.0; 4], [0.0, delta_density, 0.0, 0.0]],
            OutletModel::ScheduledPressure {
                slot,
                initial_delta_density,
            } => [
                [3.0, slot as f32, 0.0, 0.0],
                [0.0, initial_delta_density, 0.0, 0.0],
            ],
            OutletModel::Resistance {
                resistance,
                distal_delta_density,
            } => [
                [1.0, resistance, 0.0, 0.0],
                [distal_delta_density, 0.0, relaxation(resistance), 0.0],
            ],
            OutletModel::Windkessel {
                proximal,
                compliance,
                distal,
                distal_delta_density,
            } => [
                [2.0, proximal, compliance, distal],
                [distal_delta_density, 0.0, relaxation(proximal), 0.0],
            ],
        }
    }

    /// The δρ imposed before the first step (steady state for zero flow).
    pub fn initial_delta_density(&self) -> f32 {
        match *self {
            OutletModel::Pressure { delta_density } => delta_density,
            OutletModel::ScheduledPressure {
                initial_delta_density,
                ..
            } => initial_delta_density,
            OutletModel::Resistance {
                distal_delta_density,
                ..
            }
            | OutletModel::Windkessel {
                distal_delta_density,
                ..
            } => distal_delta_density,
        }
    }
}

/// The kind the outlet kernel gives inlet openings (row 0, x): no model; their
/// flux is the inflow that the non-reflecting outlets share (outlets.wgsl).
pub const INLET_KIND: f32 = 4.0;

/// Added to the kind of a pressure-driven inlet's model (row 0, x): the kernel
/// applies the model (kind − DRIVEN_INLET) to it, and counts its flux as inflow.
pub const DRIVEN_INLET: f32 = 8.0;

/// Most outlets whose pressure follows a waveform (slots in the step schedule).
pub const SCHEDULED_PRESSURE_SLOTS: usize = 8;

/// Lattice acoustic impedance of an opening of `area_cells` cells, in δρ per lattice
/// volume flux: a plane wave carries δρ' = u'/c_s = √3 u' (linear acoustics,
/// p' = ρ c_s u', δρ = p'/(ρ c_s²)), and u' = Q'/A. An outlet that imposes
/// δρ' = Z Q' on the fast part of its flux looks like an endless tube to a wave
/// arriving along its axis: nothing is reflected.
pub fn acoustic_impedance(area_cells: usize) -> f32 {
    3f32.sqrt() / area_cells.max(1) as f32
}

/// Time constant [steps] of the slow parts of the openings' fluxes, which set each
/// non-reflecting outlet's share of the inflow (and, without inlets, its reference
/// flux): four sound transits of the longest grid side, long next to the acoustic
/// transients it must not follow and short next to a cardiac cycle (outlets.wgsl).
pub fn wave_filter_steps(longest_side_cells: usize) -> f32 {
    4.0 * 3f32.sqrt() * longest_side_cells as f32
}

/// Fraction β of the way the imposed δρ moves towards the model's value per step, for
/// an instantaneous resistance R' (δρ per lattice flux): β R' ≤ 0.05 keeps the
/// flux-to-pressure feedback gain small (outlets.wgsl).
fn relaxation(resistance: f32) -> f32 {
    (0.05 / resistance.abs().max(1e-30)).min(1.0)
}

/// Hydraulic resistance [Pa·s/m³] in δρ per lattice volume flux:
/// R_lattice = R dx dt/ρ (p = ρ (dx/dt)² p*, Q = dx³/dt Q*), times 3 for δρ.
pub fn resistance_to_lattice(units: &LatticeUnits, resistance: f64) -> f64 {
    3.0 * resistance * units.dx_m * units.dt_s / units.density_kg_m3
}

/// Compliance [m³/Pa] in lattice volume per δρ: C_lattice = C ρ/(dx dt²), divided by 3.
pub fn compliance_to_lattice(units: &LatticeUnits, compliance: f64) -> f64 {
    compliance * units.density_kg_m3 / (units.dx_m * units.dt_s * units.dt_s) / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc_time_constant_is_kept_in_steps() {
        let u = LatticeUnits::derive(1e-4, 1060.0, 0.0035, 0.2, 0.1, 2e-3, 0.05);
        let (r, c) = (1e9, 1e-11);
        let rc_steps = resistance_to_lattice(&u, r) * compliance_to_lattice(&u, c);
        assert!((rc_steps - r * c / u.dt_s).abs() / rc_steps < 1e-12);
    }
}
