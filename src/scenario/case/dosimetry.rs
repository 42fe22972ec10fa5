//! [dosimetry]: the prescribed activity, its decay and shunt, the activity per
//! sphere and each outlet's territory, checked against the vessel and the injections.

use super::checker::Checker;
use crate::dosimetry::map::DoseMapPlan;
use crate::dosimetry::spec::{preset_activity_per_sphere_bq, TerritorySpec};
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
    let with_map = d.dose_map.label_map.is_some();
    let mut labels_used = Vec::new();
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
        c.positive(&table, "tumour_to_normal", spec.tumour_to_normal, "")?;
        check_labels(c, &table, spec, with_map)?;
        for (key, l) in [("label", spec.label), ("tumour_label", spec.tumour_label)] {
            let Some(l) = l else { continue };
            if labels_used.contains(&l) {
                return Err(c.fail(
                    &table,
                    key,
                    format!("label {l} is given to two regions"),
                    "give each territory and tumour its own label in the label map".into(),
                ));
            }
            labels_used.push(l);
        }
    }
    let dose_map = super::dose_map::plan(c, &d.dose_map, voxels, &labels_used)?;
    let mut territories = Vec::new();
    for (name, spec) in &d.territories {
        territories.push(territory(c, name, spec, &dose_map)?);
    }
    Ok(Some(DosimetryPlan {
        activity_gbq: d.activity,
        hours_to_treatment: d.hours_to_treatment,
        lung_shunt_fraction: d.lung_shunt_fraction,
        dose_constant: d.dose_constant,
        activity_per_sphere_bq,
        territories,
        dose_map,
    }))
}

/// A territory's labels: only with a label map, which then gives its masses; a tumour
/// label only beside the territory's own.
fn check_labels(
    c: &Checker,
    table: &str,
    spec: &TerritorySpec,
    with_map: bool,
) -> Result<(), ScenarioError> {
    let fail =
        |key: &str, problem: &str, fix: &str| Err(c.fail(table, key, problem.into(), fix.into()));
    match (with_map, spec.label, spec.mass) {
        (false, Some(_), _) => fail(
            "label",
            "a territory label needs a label map",
            "set [dosimetry.dose_map] label_map, or give the territory's mass instead",
        ),
        (false, None, None) => fail("mass", "the territory has no mass", "give mass in kg"),
        (true, Some(_), Some(_)) => fail(
            "mass",
            "mass is given beside a label: the label map gives the territory's mass",
            "remove mass (or label)",
        ),
        (true, Some(_), _) if spec.tumour_mass != 0.0 => fail(
            "tumour_mass",
            "tumour_mass is given beside a label: the label map gives the tumour's mass",
            "give tumour_label instead",
        ),
        (true, None, None) => fail(
            "label",
            "the territory has neither a label in the label map nor a mass",
            "give label (its voxels in the label map) or mass in kg",
        ),
        (_, None, _) if spec.tumour_label.is_some() => fail(
            "tumour_label",
            "tumour_label needs the territory's own label",
            "give label too",
        ),
        _ => Ok(()),
    }
}

/// A territory's plan, its masses from the label map when it has a label.
fn territory(
    c: &Checker,
    name: &str,
    spec: &TerritorySpec,
    map: &DoseMapPlan,
) -> Result<Territory, ScenarioError> {
    let table = format!("dosimetry.territories.{name}");
    let (mass, tumour_mass) = match (spec.label, &map.labels) {
        (Some(normal), Some(labels)) => {
            let count = |l: Option<i64>| labels.iter().filter(|&&v| Some(v as i64) == l).count();
            let voxel_kg = map.grid.voxel_mass_kg(map.density_kg_m3);
            let tumour = count(spec.tumour_label) as f64 * voxel_kg;
            (count(Some(normal)) as f64 * voxel_kg + tumour, tumour)
        }
        _ => (spec.mass.unwrap_or(0.0), spec.tumour_mass),
    };
    c.positive(&table, "mass", mass, "kg")?;
    if !(tumour_mass >= 0.0 && tumour_mass < mass) {
        return Err(c.fail(
            &table,
            "tumour_mass",
            format!(
                "tumour_mass = {tumour_mass} kg must be zero or positive and below the territory's mass {mass} kg"
            ),
            "give the tumour's part of the territory's mass".into(),
        ));
    }
    Ok(Territory {
        outlet: name.into(),
        mass_kg: mass,
        tumour_mass_kg: tumour_mass,
        tumour_to_normal: spec.tumour_to_normal,
        label: spec.label,
        tumour_label: spec.tumour_label,
    })
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
