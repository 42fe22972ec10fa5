//! The per-step state the GPU follows: the inflow ramp and waveform (or the
//! Womersley harmonics' phases) and scheduled outlet pressures, written for each
//! batch of steps.

use crate::scenario::LoadedScenario;
use crate::sim::lattice_gpu::StepState;

/// The GPU step schedule for steps `from..from + count`: the inflow rises as
/// ½(1 − cos πt/T) over the ramp; the waveform multiplies it, or, for Womersley
/// inlets, enters through each harmonic's phase at mid-step.
pub fn step_schedule(
    loaded: &LoadedScenario,
    force: [f32; 3],
    from: u64,
    count: u64,
) -> Vec<StepState> {
    let womersley = loaded.scenario.inlet.as_ref().map(|i| i.profile)
        == Some(crate::scenario::Profile::Womersley);
    let omega_per_step = loaded
        .waveform
        .period_s()
        .map_or(0.0, |p| 2.0 * std::f64::consts::PI * loaded.units.dt_s / p);
    let ramp_at = |t: f64| {
        if t < loaded.ramp_steps as f64 {
            0.5 * (1.0 - (std::f64::consts::PI * t / loaded.ramp_steps as f64).cos())
        } else {
            1.0
        }
    };
    (from..from + count)
        .map(|n| {
            let t = n as f64 + 0.5;
            let ramp = ramp_at(t);
            let state = if womersley {
                StepState::new(n, ramp as f32, force).with_harmonics(omega_per_step, t)
            } else {
                let factor = ramp * loaded.waveform.factor(t * loaded.units.dt_s);
                StepState::new(n, factor as f32, force)
            };
            let state = state.with_wall_factor(catheter_factor(loaded, t));
            // The outlet kernel runs after step n and sets the pressure step n + 1
            // imposes. A pressure-driven source rises with the ramp.
            let next = (t + 1.0) * loaded.units.dt_s;
            loaded.outlet_waveforms.iter().enumerate().fold(
                state,
                |state, (slot, (mean, shape))| {
                    let rise = match loaded.source_slot == Some(slot) {
                        true => ramp_at(t + 1.0),
                        false => 1.0,
                    };
                    state.with_outlet_pressure(slot, mean * (rise * shape.factor(next)) as f32)
                },
            )
        })
        .collect()
}

/// The factor on the catheter's injection flow at time `t` [steps] (1 without one).
fn catheter_factor(loaded: &LoadedScenario, t: f64) -> f32 {
    loaded.catheter.as_ref().map_or(1.0, |c| {
        let dt = loaded.units.dt_s;
        c.factor_at(t * dt, dt) as f32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A steady pressure-driven source takes a schedule slot and rises with the
    /// ramp, ½(1 − cos πt/T), from 0 to its value, which it then keeps; without a
    /// ramp it takes no slot (the inlet's model holds the source itself).
    #[test]
    fn a_pressure_driven_source_rises_with_the_ramp() {
        let text = |ramp: &str| {
            format!(
                "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 400\nlattice_velocity = 0.02\n\
                 [geometry]\nshape = \"cylinder\"\nradius = 5.0e-4\nlength = 2.0e-3\n\
                 [inlet]\npressure = 20.0\nresistance = 4.0e8\n{ramp}"
            )
        };
        let load = |t: &str| {
            LoadedScenario::from_str(std::path::Path::new("ramp.toml"), t)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let ramped = load(&text(""));
        let slot = ramped.source_slot.expect("a ramped source takes a slot");
        let (mean, _) = ramped.outlet_waveforms[slot];
        let ramp = ramped.ramp_steps;
        assert!(ramp > 0 && ramp < 400, "default ramp {ramp} steps");
        let schedule = step_schedule(&ramped, [0.0; 3], 0, 400);
        let source = |n: usize| schedule[n].outlet_pressure[slot / 4][slot % 4];
        // After step n the outlet kernel sets the source of step n + 1 (t = n + 1.5).
        let expected = |n: usize| {
            let t = n as f64 + 1.5;
            match t < ramp as f64 {
                true => mean as f64 * 0.5 * (1.0 - (std::f64::consts::PI * t / ramp as f64).cos()),
                false => mean as f64,
            }
        };
        for n in [0, ramp as usize / 2, ramp as usize, 399] {
            assert!(
                (source(n) as f64 - expected(n)).abs() <= 1e-6 * mean as f64,
                "step {n}: {} against {}",
                source(n),
                expected(n)
            );
        }
        assert!(source(0) < 0.01 * mean && source(399) == mean);
        assert!(load(&text("ramp_time = 0.0\n")).source_slot.is_none());
    }
}
