//! Run-time metrics from the GPU probe reduction (`shaders/lbm/probes.wgsl`): the
//! per-workgroup partials are summed here in f64, then converted to SI by the caller.

/// Slots per workgroup before the per-opening ones: Σδρ, max speed, its cell.
pub const PROBE_FIXED_SLOTS: usize = 3;
/// Slots per opening: volume flux into the fluid, Σ δρ, cell count.
pub const PROBE_SLOTS_PER_OPENING: usize = 3;

/// Sums over one opening's boundary cells, lattice units.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OpeningTotals {
    /// Volume flux from the opening's cells into the fluid per step, lattice units: the
    /// exact lattice mass flux across the cells' links (incompressible model, ρ₀ = 1).
    pub inward_flux: f64,
    /// Σ δρ over the opening's cells.
    pub delta_density_sum: f64,
    pub cells: f64,
}

impl OpeningTotals {
    pub fn mean_delta_density(&self) -> f64 {
        if self.cells > 0.0 {
            self.delta_density_sum / self.cells
        } else {
            0.0
        }
    }
}

/// Whole-grid totals in lattice units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbeTotals {
    /// Σ δρ over fluid cells (total mass minus the fluid-cell count).
    pub fluid_delta_mass: f64,
    /// Largest fluid speed; `f32::MAX` stands for NaN or infinity.
    pub max_speed: f32,
    /// Linear index of the cell with the largest speed.
    pub max_speed_cell: u32,
    pub openings: Vec<OpeningTotals>,
}

impl ProbeTotals {
    /// True when the field holds NaN or infinite values.
    pub fn non_finite(&self) -> bool {
        !self.max_speed.is_finite() || self.max_speed >= 3.0e38
    }
}

/// Sums the partials of every workgroup (layout documented in probes.wgsl).
pub fn reduce_partials(partials: &[f32], openings: usize) -> ProbeTotals {
    let stride = PROBE_FIXED_SLOTS + PROBE_SLOTS_PER_OPENING * openings;
    let mut totals = ProbeTotals {
        openings: vec![OpeningTotals::default(); openings],
        ..Default::default()
    };
    for group in partials.chunks_exact(stride) {
        totals.fluid_delta_mass += group[0] as f64;
        let speed = group[1];
        if speed > totals.max_speed || speed.is_nan() {
            totals.max_speed = speed;
            totals.max_speed_cell = group[2].to_bits();
        }
        for (k, o) in totals.openings.iter_mut().enumerate() {
            let base = PROBE_FIXED_SLOTS + PROBE_SLOTS_PER_OPENING * k;
            o.inward_flux += group[base] as f64;
            o.delta_density_sum += group[base + 1] as f64;
            o.cells += group[base + 2] as f64;
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partials_are_summed_and_maximum_located() {
        let a = [1.0, 0.2, f32::from_bits(7), 0.5, 0.1, 2.0];
        let b = [2.0, 0.4, f32::from_bits(9), 0.25, 0.3, 1.0];
        let p: Vec<f32> = a.iter().chain(b.iter()).copied().collect();
        let t = reduce_partials(&p, 1);
        assert_eq!(t.fluid_delta_mass, 3.0);
        assert_eq!(t.max_speed, 0.4);
        assert_eq!(t.max_speed_cell, 9);
        assert_eq!(t.openings[0].inward_flux, 0.75);
        assert_eq!(t.openings[0].cells, 3.0);
        assert!((t.openings[0].mean_delta_density() - 0.4 / 3.0).abs() < 1e-7);
    }
}
