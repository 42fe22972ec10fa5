//! From a scenario spec (parsed, no I/O) to a case ready to simulate, in stages:
//! the vessel ([`geometry`]: grid, voxels, openings), the flow ([`flow`]: fluid,
//! inflow, lattice units, timeline), the outlets ([`outlets`]), the particles
//! ([`particles`]) and the outputs (`scenario::outputs`). `embolus geometry` runs
//! the first stage only; `embolus check` and `embolus run` run them all. Each stage
//! reports the first problem it finds with the key's line and a fix.

pub mod catheter;
pub mod checker;
pub mod dose_map;
pub mod dosimetry;
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
    let c = Checker { path, source };
    check_name(&c, scenario)?;
    geometry::build_geometry(&c, scenario)
}

/// Whether `name` is one plain folder name: letters, digits, '-', '_' and '.' (not
/// first), at most 100 characters (scenario names, sweep names and sweep points).
pub fn plain_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
}

/// The scenario's `name` names its default results directory (`results/<name>`), so
/// it must be one plain folder name: no separators, no `..`, nothing that would put
/// results outside `results/`.
fn check_name(c: &Checker, scenario: &Scenario) -> Result<(), ScenarioError> {
    let Some(name) = &scenario.name else {
        return Ok(());
    };
    if plain_folder_name(name) {
        return Ok(());
    }
    Err(c.fail(
        "",
        "name",
        format!("name = {name:?} is not a plain folder name (it names the results directory results/<name>)"),
        "use letters, digits, '-', '_' and '.' (not first), at most 100 characters, e.g. name = \"renal_run_1\"".into(),
    ))
}

/// Every stage: the case `embolus run` simulates.
pub fn build(
    path: &Path,
    source: &str,
    mut scenario: Scenario,
) -> Result<LoadedScenario, ScenarioError> {
    let c = Checker { path, source };
    // The cheap checks first: no voxelizing for a scenario that cannot run anyway.
    check_name(&c, &scenario)?;
    let viscosity_law = flow::rheology(&c, &scenario)?;
    c.positive("grid", "voxel_size", scenario.grid.voxel_size, "m")?;
    let inlet = flow::inlet(&c, &scenario)?;
    let mut built = geometry::build_geometry(&c, &scenario)?;
    let mut catheter = catheter::place(&c, &mut scenario, &mut built.voxels)?;
    let target_openings = catheter::target_openings(&c, &scenario, &built.voxels)?;
    let flow = flow::plan(&c, &scenario, viscosity_law, &inlet, &built.voxels)?;
    let units = &flow.units;
    if let Some(plan) = &mut catheter {
        catheter::set_flow(
            &c,
            plan,
            &built.voxels,
            units,
            scenario.time.lattice_velocity,
        )?;
    }
    let (outlet_models, outlet_waveforms, source_slot) = outlets::outlet_models(
        &c,
        &scenario,
        &built.voxels,
        units,
        path,
        flow.ramp_steps > 0,
    )?;
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
    let dosimetry = dosimetry::plan(&c, &scenario, &built.voxels)?;
    let mut wall_links = geometry::wall_links_of(&c, &built, &scenario)?;
    if let Some(plan) = &catheter {
        catheter::drop_catheter_links(&mut wall_links, plan, &built.voxels);
    }
    Ok(LoadedScenario {
        path: path.to_path_buf(),
        source: source.to_string(),
        scenario,
        voxels: built.voxels,
        wall_links,
        surface: built.surface.map(std::sync::Arc::new),
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
        source_slot,
        rheology: flow.rheology,
        particles,
        fields,
        checkpoint,
        render,
        dosimetry,
        catheter,
        target_openings,
    })
}
