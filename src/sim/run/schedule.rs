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
