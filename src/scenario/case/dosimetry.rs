//! [dosimetry]: the prescribed activity, its decay and shunt, the activity per
//! sphere and each outlet's territory, checked against the vessel and the injections.

use super::checker::Checker;
use crate::dosimetry::spec::preset_activity_per_sphere_bq;
use crate::dosimetry::{DosimetryPlan, Territory};
use crate::geometry::{Role, Voxels};
use crate::scenario::{Scenario, ScenarioError};

/// The dosimetry plan, or `None` without [dosimetry].
pub fn plan(
    c: &Checker,
    scenario: &Scenario,
    voxels: &Voxels,
) -> Result<Option<DosimetryPlan>, ScenarioError> {
    let Some(d) = &scenario.dosimetry else {
        return Ok(None);
    };
    let t = "dosimetry";
    c.positive(t, "activity", d.activity, "GBq")?;
    c.positive(t, "dose_constant", d.dose_constant, "Gy kg/GBq")?;
    if !(d.hours_to_treatment.is_finite() && d.hours_to_treatment >= 0.0) {
        return Err(c.fail(
            t,
            "hours_to_treatment",
            format!(
                "hours_to_treatment = {} must be zero or positive",
                d.hours_to_treatment
            ),
            "give the hours from the activity's calibration to the injection".into(),
        ));
    }
    if !(0.0..1.0).contains(&d.lung_shunt_fraction) {
        return Err(c.fail(
            t,
            "lung_shunt_fraction",
            format!(
                "lung_shunt_fraction = {} is not a fraction below 1",
                d.lung_shunt_fraction
            ),
            "give the shunt as a fraction, e.g. 0.05 for 5%".into(),
        ));
    }
    let activity_per_sphere_bq = activity_per_sphere(c, scenario)?;
    let outlets: Vec<&str> = voxels
        .openings
        .iter()
        .filter(|o| o.role == Role::Outlet)
        .map(|o| o.name.as_str())
        .collect();
    let mut territories = Vec::new();
    for (name, spec) in &d.territories {
        let table = format!("dosimetry.territories.{name}");
        if !outlets.contains(&name.as_str()) {
            return Err(c.fail(
                &table,
                "mass",
                format!("[dosimetry.territories.{name}]: the vessel has no outlet {name:?}"),
                format!("name one of the outlets: {}", outlets.join(", ")),
            ));
        }
        c.positive(&table, "mass", spec.mass, "kg")?;
        c.positive(&table, "tumour_to_normal", spec.tumour_to_normal, "")?;
        if !(spec.tumour_mass >= 0.0 && spec.tumour_mass < spec.mass) {
            return Err(c.fail(
                &table,
                "tumour_mass",
                format!(
                    "tumour_mass = {} kg must be zero or positive and below the territory's mass {} kg",
                    spec.tumour_mass, spec.mass
                ),
                "give the tumour's part of the territory's mass".into(),
            ));
        }
        territories.push(Territory {
            outlet: name.clone(),
            mass_kg: spec.mass,
            tumour_mass_kg: spec.tumour_mass,
            tumour_to_normal: spec.tumour_to_normal,
        });
    }
    Ok(Some(DosimetryPlan {
        activity_gbq: d.activity,
        hours_to_treatment: d.hours_to_treatment,
        lung_shunt_fraction: d.lung_shunt_fraction,
        dose_constant: d.dose_constant,
        activity_per_sphere_bq,
        territories,
    }))
}

/// The activity of one sphere: given, or the preset of the one agent injected.
fn activity_per_sphere(c: &Checker, scenario: &Scenario) -> Result<f64, ScenarioError> {
    let t = "dosimetry";
    let d = scenario
        .dosimetry
        .as_ref()
        .expect("called with [dosimetry]");
    if scenario.injections.is_empty() {
        return Err(c.fail(
            t,
            "activity",
            "[dosimetry] needs spheres to follow, and the scenario injects none".into(),
            "add [[injections]] with the Y-90 agent (e.g. agent = \"y90_glass\")".into(),
        ));
    }
    if let Some(a) = d.activity_per_sphere {
        c.positive(t, "activity_per_sphere", a, "Bq")?;
        return Ok(a);
    }
    let mut agents: Vec<&str> = scenario
        .injections
        .iter()
        .map(|i| i.agent.as_str())
        .collect();
    agents.sort();
    agents.dedup();
    match (agents.as_slice(), agents.first().and_then(|a| preset_activity_per_sphere_bq(a))) {
        ([_], Some(a)) => Ok(a),
        _ => Err(c.fail(
            t,
            "activity_per_sphere",
            format!(
                "no activity per sphere for the injected agent(s) {}",
                agents.join(", ")
            ),
            "set activity_per_sphere in Bq at calibration (presets: y90_glass 2500, y90_resin 50), or inject one of those agents".into(),
        )),
    }
}
