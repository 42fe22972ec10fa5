//! From a scenario spec (parsed, no I/O) to a case ready to simulate, in stages:
//! the vessel ([`geometry`]: grid, voxels, openings), the flow ([`flow`]: fluid,
//! inflow, lattice units, timeline), the outlets ([`outlets`]), the particles
//! ([`particles`]) and the outputs (`scenario::outputs`). `embolus geometry` runs
//! the first stage only; `embolus check` and `embolus run` run them all. Each stage
//! reports the first problem it finds with the key's line and a fix.

pub mod checker;
pub mod flow;
pub mod geometry;
pub mod outlets;
pub mod particles;
pub mod waveform;

use super::error::ScenarioError;
use super::schema::Scenario;
use super::LoadedScenario;
use checker::Checker;
use std::path::Path;

/// The vessel of `scenario` alone (first stage).
pub fn build_geometry(
    path: &Path,
    source: &str,
    scenario: &Scenario,
) -> Result<crate::geometry::Built, ScenarioError> {
    geometry::build_geometry(&Checker { path, source }, scenario)
}

/// Every stage: the case `embolus run` simulates.
pub fn build(
    path: &Path,
    source: &str,
    scenario: Scenario,
) -> Result<LoadedScenario, ScenarioError> {
    let c = Checker { path, source };
    // The cheap checks first: no voxelizing for a scenario that cannot run anyway.
    let viscosity_law = flow::rheology(&c, &scenario)?;
    c.positive("grid", "voxel_size", scenario.grid.voxel_size, "m")?;
    let inlet = flow::inlet(&c, &scenario)?;
    let built = geometry::build_geometry(&c, &scenario)?;
    let flow = flow::plan(&c, &scenario, viscosity_law, &inlet, &built.voxels)?;
    let units = &flow.units;
    let (outlet_models, outlet_waveforms) =
        outlets::outlet_models(&c, &scenario, &built.voxels, units, path)?;
    let particles = particles::plan(&c, &scenario, &built.voxels, units, flow.flow_rate_m3_s)?;
    let timeline = super::outputs::Timeline {
        output_every: flow.output_every,
        ramp_steps: flow.ramp_steps,
        steps: flow.steps,
        period_s: flow.waveform.period_s(),
    };
    let fail =
        |(table, key, problem, fix): super::outputs::KeyProblem| c.fail(table, key, problem, fix);
    let fields = super::outputs::field_plan(
        &scenario,
        &built.voxels,
        units,
        &timeline,
        particles.is_some(),
    )
    .map_err(fail)?;
    let checkpoint = super::outputs::checkpoint_plan(&scenario, units).map_err(fail)?;
    let render = super::outputs::render_plan(&scenario, units, flow.steps).map_err(fail)?;
    Ok(LoadedScenario {
        path: path.to_path_buf(),
        source: source.to_string(),
        scenario,
        voxels: built.voxels,
        beyond_openings: built.beyond_openings,
        units: flow.units,
        throat: flow.throat,
        flow_rate_m3_s: flow.flow_rate_m3_s,
        steps: flow.steps,
        output_every: flow.output_every,
        ramp_steps: flow.ramp_steps,
        waveform: flow.waveform,
        outlet_models,
        outlet_waveforms,
        rheology: flow.rheology,
        particles,
        fields,
        checkpoint,
        render,
    })
}
