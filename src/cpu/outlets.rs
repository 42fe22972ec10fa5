//! CPU twin of shaders/lbm/outlets.wgsl: after a step, the flux out of each opening
//! across its cells' links to fluid, then the outlet model advanced by one step
//! (resistance, Windkessel, scheduled pressure, fixed pressure, each optionally
//! non-reflecting against the incompressible share of the inflow). Same formulas and order; the flux is summed serially, not by the
//! kernel's tree reduction, so results agree to rounding.

use crate::lbm::lattice::{flags, opposite, VELOCITIES};
use crate::lbm::outlets::{DRIVEN_INLET, INLET_KIND};
use crate::lbm::GridDims;

/// What the outlet update reads besides the state.
pub struct OutletInputs<'a> {
    pub dims: GridDims,
    /// One flag per grid cell.
    pub flags: &'a [u32],
    /// The populations after the step, population-major on the grid (natural
    /// layout, shifted by their weights), as `GpuLattice::read_populations` gives.
    pub populations: &'a [f32],
    /// The cells of each opening, by opening index.
    pub opening_cells: &'a [Vec<u32>],
    /// Two rows per opening: `OutletModel::kernel_rows` (with the acoustic impedance
    /// of non-reflecting outlets in row 1, w).
    pub model_rows: &'a [[f32; 4]],
    /// 1/τ of the slow part of the flux (0: outlets reflect).
    pub filter_rate: f32,
    /// δρ of the scheduled-pressure outlets by slot (the step state's).
    pub scheduled: [[f32; 4]; 2],
}

/// The flux of the populations out of the fluid into opening cells `cells` minus
/// back: the lattice flux across the opening's links (positive into the vessel).
pub fn inward_flux(inputs: &OutletInputs, cells: &[u32]) -> f32 {
    let n = inputs.dims.cells();
    let f = |q: usize, cell: usize| inputs.populations[q * n + cell];
    let mut flux = 0.0f32;
    for &cell in cells {
        let cell = cell as usize;
        for (q, &c) in VELOCITIES.iter().enumerate().skip(1) {
            let nb = inputs.dims.neighbor(cell, c);
            if flags::kind(inputs.flags[nb]) == flags::FLUID {
                flux += f(q, cell) - f(opposite(q), nb);
            }
        }
    }
    flux
}

/// Advances every opening's state (δρ imposed, Windkessel p_c, last outflow, the
/// model's δρ) and flux record (outflow, its slow part) by one step, as the two
/// kernels do.
pub fn update_outlets(inputs: &OutletInputs, state: &mut [[f32; 4]], flux: &mut [[f32; 4]]) {
    for (k, f) in flux.iter_mut().enumerate() {
        f[0] = -inward_flux(inputs, &inputs.opening_cells[k]);
    }
    let (mut inflow, mut slow_inflow, mut slow_outflow, mut outlets) =
        (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for (k, f) in flux.iter_mut().enumerate() {
        f[1] += inputs.filter_rate * (f[0] - f[1]);
        let raw_kind = inputs.model_rows[2 * k][0];
        if raw_kind == INLET_KIND || raw_kind >= DRIVEN_INLET {
            inflow -= f[0];
            slow_inflow -= f[1];
        } else {
            slow_outflow += f[1];
            outlets += 1.0;
        }
    }
    for (k, s) in state.iter_mut().enumerate() {
        let (outflow, slow) = (flux[k][0], flux[k][1]);
        let model = inputs.model_rows[2 * k];
        let pressures = inputs.model_rows[2 * k + 1];
        // A pressure-driven inlet: its model, on its (negative) outflow.
        let raw_kind = if model[0] >= DRIVEN_INLET {
            model[0] - DRIVEN_INLET
        } else {
            model[0]
        };
        let (kind, beta, impedance) = (raw_kind as u32, pressures[2], pressures[3]);
        let mut modelled = s[3];
        // Kinds 1 and 2 with δρ_fixed = slot + 1 take δρ_d from the schedule.
        let scheduled = (kind == 1 || kind == 2) && pressures[1] > 0.5;
        let distal = if scheduled {
            let slot = pressures[1] as usize - 1;
            inputs.scheduled[slot / 4][slot % 4]
        } else {
            pressures[0]
        };
        match kind {
            // Only the flux term relaxes; s[1] keeps the last step's source.
            1 if scheduled => {
                let part = modelled - s[1];
                modelled = distal + part + beta * (model[1] * outflow - part);
                s[1] = distal;
            }
            1 => modelled += beta * (distal + model[1] * outflow - modelled),
            2 => {
                s[1] += (outflow - (s[1] - distal) / model[3]) / model[2];
                modelled += beta * (s[1] + model[1] * outflow - modelled);
            }
            3 => {
                let slot = model[1] as usize;
                modelled = inputs.scheduled[slot / 4][slot % 4];
            }
            _ => modelled = pressures[1],
        }
        // The outlet's share of the slow outflow (even before any flows).
        let share = if slow_outflow.abs() > 1e-12 {
            slow / slow_outflow
        } else {
            1.0 / outlets.max(1.0)
        };
        let reference = slow + share * (inflow - slow_inflow);
        s[0] = modelled + impedance * (outflow - reference);
        s[2] = outflow;
        s[3] = modelled;
    }
}
