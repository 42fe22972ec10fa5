//! Outlet conditions in lattice units: a fixed or scheduled pressure, a resistance or
//! a 3-element Windkessel per opening, from [outlet] and [outlets.NAME].

use super::checker::Checker;
use super::waveform::waveform;
use crate::geometry;
use crate::lbm::outlets::{OutletModel, SCHEDULED_PRESSURE_SLOTS};
use crate::lbm::waveform::Waveform;
use crate::scenario::error::ScenarioError;
use crate::scenario::schema::Scenario;
use crate::units::LatticeUnits;
use std::path::Path;

/// Lattice outlet models for every opening, from [outlet] and [outlets.NAME].
/// Also returns, by schedule slot, the mean δρ and waveform of each outlet whose
/// pressure varies in time, and the slot of a pulsatile inlet source.
#[allow(clippy::type_complexity)]
pub fn outlet_models(
    c: &Checker,
    scenario: &Scenario,
    voxels: &geometry::Voxels,
    units: &LatticeUnits,
    path: &Path,
    source_ramped: bool,
) -> Result<(Vec<OutletModel>, Vec<(f32, Waveform)>, Option<usize>), ScenarioError> {
    use crate::lbm::outlets::{compliance_to_lattice, resistance_to_lattice};
    let names: Vec<&str> = voxels.openings.iter().map(|o| o.name.as_str()).collect();
    for name in scenario.outlets.keys() {
        let known = voxels
            .openings
            .iter()
            .any(|o| &o.name == name && o.role == geometry::Role::Outlet);
        if !known {
            return Err(c.fail(
                "outlets",
                name,
                format!("[outlets.{name}] names no outlet of this geometry"),
                format!("use one of the outlet names {names:?} (see `embolus geometry SCENE`)"),
            ));
        }
    }
    let table = |name: &str| format!("outlets.{name}");
    if let Some((name, _)) = scenario
        .outlets
        .iter()
        .find(|(_, spec)| spec.pressure_waveform.is_some() && spec.pressure.is_none())
    {
        return Err(c.fail(
            &table(name),
            "pressure_waveform",
            "pressure_waveform multiplies `pressure`, which is missing".into(),
            "give the mean pressure in Pa with `pressure = ...`".into(),
        ));
    }
    let delta = |p: f64| units.pressure_to_delta_density(p) as f32;
    let mut waveforms: Vec<(f32, Waveform)> = Vec::new();
    let models = voxels
        .openings
        .iter()
        .map(|o| {
            let default = OutletModel::Pressure { delta_density: delta(scenario.outlet.pressure) };
            let Some(spec) = scenario.outlets.get(&o.name) else {
                return Ok(default);
            };
            let t = table(&o.name);
            let positive = |key: &str, v: Option<f64>| -> Result<f64, ScenarioError> {
                let v = v.unwrap_or(f64::NAN);
                if v.is_finite() && v > 0.0 {
                    Ok(v)
                } else {
                    Err(c.fail(&t, key, format!("{key} must be a positive number"), format!("give {key} in SI units")))
                }
            };
            match (spec.pressure, spec.resistance, spec.proximal_resistance, spec.compliance, spec.distal_resistance) {
                (None, None, None, None, None) => Ok(default),
                (Some(p), None, None, None, None) => match &spec.pressure_waveform {
                    None => Ok(OutletModel::Pressure { delta_density: delta(p) }),
                    Some(w) => {
                        let shape = waveform(c, Some(w), &format!("{t}.pressure_waveform"), path)?;
                        if waveforms.len() >= SCHEDULED_PRESSURE_SLOTS {
                            return Err(c.fail(&t, "pressure_waveform", format!("more than {SCHEDULED_PRESSURE_SLOTS} outlets have a pressure waveform"), format!("give at most {SCHEDULED_PRESSURE_SLOTS} outlets a pressure_waveform; hold the others at a fixed pressure or use a Windkessel")));
                        }
                        let initial = delta(p * shape.factor(0.0));
                        waveforms.push((delta(p), shape));
                        Ok(OutletModel::ScheduledPressure { slot: waveforms.len() as u32 - 1, initial_delta_density: initial })
                    }
                },
                (None, Some(_), None, None, None) => Ok(OutletModel::Resistance {
                    resistance: resistance_to_lattice(units, positive("resistance", spec.resistance)?) as f32,
                    distal_delta_density: delta(spec.distal_pressure),
                }),
                (None, None, Some(_), Some(_), Some(_)) => Ok(OutletModel::Windkessel {
                    proximal: resistance_to_lattice(units, positive("proximal_resistance", spec.proximal_resistance)?) as f32,
                    compliance: compliance_to_lattice(units, positive("compliance", spec.compliance)?) as f32,
                    distal: resistance_to_lattice(units, positive("distal_resistance", spec.distal_resistance)?) as f32,
                    distal_delta_density: delta(spec.distal_pressure),
                }),
                _ => Err(c.fail(
                    &t,
                    "pressure",
                    "give either pressure, or resistance (+ distal_pressure), or proximal_resistance + compliance + distal_resistance (+ distal_pressure)".into(),
                    "keep the keys of exactly one outlet model".into(),
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut models = models;
    let mut source_slot = None;
    if let Some((k, model)) = pressure_inlet_model(c, scenario, voxels, units)? {
        models[k] = model;
        source_slot = source_waveform(c, scenario, units, &mut waveforms, source_ramped)?;
    }
    Ok((models, waveforms, source_slot))
}

/// A pressure-driven inlet's pulsatile or ramped source: its mean δρ and waveform
/// (constant when it has none) take the next schedule slot, whose value the inlet's
/// model uses as its source pressure; the step schedule applies the start-up ramp
/// to it (src/sim/run/schedule.rs).
fn source_waveform(
    c: &Checker,
    scenario: &Scenario,
    units: &LatticeUnits,
    waveforms: &mut Vec<(f32, Waveform)>,
    ramped: bool,
) -> Result<Option<usize>, ScenarioError> {
    let Some(inlet) = &scenario.inlet else {
        return Ok(None);
    };
    let shape = match &inlet.pressure_waveform {
        Some(spec) => waveform(c, Some(spec), "inlet.pressure_waveform", c.path)?,
        None if ramped => Waveform::Constant,
        None => return Ok(None),
    };
    if waveforms.len() >= SCHEDULED_PRESSURE_SLOTS {
        return Err(c.fail(
            "inlet",
            "pressure_waveform",
            format!("more than {SCHEDULED_PRESSURE_SLOTS} pressures follow a waveform"),
            "hold some outlets at a fixed pressure or use Windkessels".into(),
        ));
    }
    let mean = units.pressure_to_delta_density(inlet.pressure.unwrap_or(0.0)) as f32;
    waveforms.push((mean, shape));
    Ok(Some(waveforms.len() - 1))
}

/// The model of a pressure-driven inlet, as the outlet kernel applies it (it measures
/// outflow, which is −inflow here): δρ = δρ_source + R' Q_out = δρ_source − R' Q_in,
/// or with a compliance the Windkessel whose "distal" end is the source (charged
/// through R', discharged by the inflow). `None` for a velocity inlet.
fn pressure_inlet_model(
    c: &Checker,
    scenario: &Scenario,
    voxels: &geometry::Voxels,
    units: &LatticeUnits,
) -> Result<Option<(usize, OutletModel)>, ScenarioError> {
    use crate::lbm::outlets::{compliance_to_lattice, resistance_to_lattice};
    let Some(inlet) = scenario.inlet.as_ref().filter(|i| i.pressure_driven()) else {
        return Ok(None);
    };
    let inlets: Vec<usize> = (0..voxels.openings.len())
        .filter(|&k| voxels.openings[k].role == geometry::Role::Inlet)
        .collect();
    if inlets.len() != 1 {
        return Err(c.fail(
            "inlet",
            "pressure",
            format!(
                "a pressure-driven inflow feeds one inlet; this geometry has {}",
                inlets.len()
            ),
            "use a velocity inlet (mean_velocity) with several inlets".into(),
        ));
    }
    // flow::pressure_driven_flow_rate has checked the values.
    let source = units.pressure_to_delta_density(inlet.pressure.unwrap_or(0.0)) as f32;
    let resistance = resistance_to_lattice(units, inlet.resistance.unwrap_or(0.0)) as f32;
    let model = match inlet.compliance {
        None => OutletModel::Resistance {
            resistance,
            distal_delta_density: source,
        },
        Some(compliance) => OutletModel::Windkessel {
            proximal: 0.0,
            compliance: compliance_to_lattice(units, compliance) as f32,
            distal: resistance,
            distal_delta_density: source,
        },
    };
    Ok(Some((inlets[0], model)))
}

/// The outlets' beds as a pressure-driven inlet's source sees them when the vessel's
/// own resistance is negligible: their resistance in parallel [Pa·s/m³] and the
/// lowest pressure they drain into [Pa]. Through a source of resistance R_u the
/// inflow is then at most (p_source − p_lowest)/(R_u + R_beds), since every outlet
/// carries (p_node − p_far)/R_i ≤ (p_node − p_lowest)/R_i. A fixed-pressure outlet
/// has no bed: the parallel resistance is then 0. A scheduled outlet pressure p f(t)
/// counts as −|p| max|f|, below its lowest. Values are as given; `outlet_models`
/// checks them.
pub fn beds_seen_by_the_source(
    c: &Checker,
    scenario: &Scenario,
    voxels: &geometry::Voxels,
) -> Result<(f64, f64), ScenarioError> {
    let mut conductance = 0.0;
    let mut every_outlet_has_a_bed = true;
    let mut lowest = f64::INFINITY;
    for o in voxels
        .openings
        .iter()
        .filter(|o| o.role == geometry::Role::Outlet)
    {
        let spec = scenario.outlets.get(&o.name);
        let bed = spec.and_then(|s| {
            let windkessel = s
                .distal_resistance
                .map(|d| d + s.proximal_resistance.unwrap_or(0.0));
            s.resistance.or(windkessel).map(|r| (r, s.distal_pressure))
        });
        let far = match (bed, spec) {
            (Some((resistance, far)), _) if resistance > 0.0 => {
                conductance += 1.0 / resistance;
                far
            }
            (_, Some(s)) if s.pressure.is_some() => {
                every_outlet_has_a_bed = false;
                let p = s.pressure.unwrap_or(0.0);
                match &s.pressure_waveform {
                    None => p,
                    Some(w) => {
                        let key = format!("outlets.{}.pressure_waveform", o.name);
                        -p.abs() * waveform(c, Some(w), &key, c.path)?.max_abs_factor()
                    }
                }
            }
            _ => {
                every_outlet_has_a_bed = false;
                scenario.outlet.pressure
            }
        };
        lowest = lowest.min(far);
    }
    let beds = if every_outlet_has_a_bed && conductance > 0.0 {
        1.0 / conductance
    } else {
        0.0
    };
    if !lowest.is_finite() {
        lowest = scenario.outlet.pressure;
    }
    Ok((beds, lowest))
}
