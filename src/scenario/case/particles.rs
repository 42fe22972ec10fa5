//! The particles of a case: agents, injections, magnets and the beds beyond the
//! outlets, planned on the voxelized vessel (see `particles::plan`).

use super::checker::Checker;
use crate::geometry::Voxels;
use crate::particles::ParticleRun;
use crate::scenario::error::ScenarioError;
use crate::scenario::schema::Scenario;
use crate::units::LatticeUnits;

/// The capture diameter [m] of each opening's bed ([outlets.NAME]), in opening order.
fn capture_diameters(
    c: &Checker,
    scenario: &Scenario,
    voxels: &Voxels,
) -> Result<Vec<Option<f64>>, ScenarioError> {
    let mut captures = Vec::new();
    for o in &voxels.openings {
        let capture = scenario
            .outlets
            .get(&o.name)
            .and_then(|s| s.capture_diameter);
        if let Some(d) = capture {
            if !(d.is_finite() && d > 0.0) {
                return Err(c.fail(
                    &format!("outlets.{}", o.name),
                    "capture_diameter",
                    format!("capture_diameter = {d} m must be positive"),
                    "give the smallest particle diameter the bed beyond stops, e.g. 1.0e-4".into(),
                ));
            }
        }
        captures.push(capture);
    }
    Ok(captures)
}

/// The particle run of the scenario's [[injections]], `None` without any.
pub fn plan(
    c: &Checker,
    scenario: &Scenario,
    voxels: &Voxels,
    units: &LatticeUnits,
    flow_rate_m3_s: f64,
) -> Result<Option<ParticleRun>, ScenarioError> {
    if scenario.injections.is_empty() {
        return Ok(None);
    }
    let spec = scenario.particles.clone().unwrap_or_default();
    let captures = capture_diameters(c, scenario, voxels)?;
    let tables = crate::particles::plan::ParticleTables {
        spec: &spec,
        agents: &scenario.agents,
        injections: &scenario.injections,
        magnets: &scenario.magnets,
        capture_diameters_m: &captures,
    };
    let (plan, settings) = crate::particles::plan::build(
        &tables,
        voxels,
        units,
        flow_rate_m3_s,
        units.viscosity_m2_s * units.density_kg_m3,
    )
    .map_err(|e| c.fail(&e.table, &e.key, e.problem, e.fix))?;
    Ok(Some(ParticleRun {
        plan,
        settings,
        write_vtp: spec.write_vtp,
    }))
}
