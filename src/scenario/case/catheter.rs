//! `[catheter]` and `[target]` of a case: the catheter carved into the voxels, its
//! injection flow in lattice units, the injections it releases, and the branches
//! the injection is meant for.

use super::checker::Checker;
use crate::geometry::caps::neighbor_in_grid;
use crate::geometry::catheter::{carve, CatheterCells, CatheterShape, FACE_MIN_RADIUS_CELLS};
use crate::geometry::{CellKind, CutCell, Role, Voxels};
use crate::lbm::lattice::{VELOCITIES, WEIGHTS};
use crate::particles::spec::{CatheterSpec, TipKind};
use crate::scenario::error::ScenarioError;
use crate::scenario::schema::Scenario;
use crate::units::LatticeUnits;

/// Thickness of an antireflux tip's seal behind the tip [cells].
const COLLAR_CELLS: f64 = 2.0;
/// Fastest injection the lattice carries through the tip's face [lattice units].
const MAX_FACE_SPEED: f64 = 0.1;

/// The catheter of a run.
#[derive(Clone, Debug)]
pub struct CatheterPlan {
    pub shape: CatheterShape,
    pub tip_kind: TipKind,
    pub cells: CatheterCells,
    pub flow_rate_m3_s: f64,
    /// The injection flow runs over [start, end) [s].
    pub start_s: f64,
    pub end_s: f64,
    pub reflux_distance_m: f64,
    /// Speed of the tip's face as a moving wall [lattice units] that carries the
    /// injection flow (see [`face_flux_per_speed`]).
    pub face_speed_lattice: f64,
}

/// Time over which a catheter's injection flow rises and falls [steps]: a flow
/// switched on at once sends a pressure wave through the vessel.
pub const RAMP_STEPS: f64 = 200.0;

impl CatheterPlan {
    /// The fraction of `flow_rate` flowing at time `t_s`: 1 over the window, rising
    /// and falling as ½(1 − cos) over [`RAMP_STEPS`] steps of `dt_s` at its ends.
    pub fn factor_at(&self, t_s: f64, dt_s: f64) -> f64 {
        let ramp = RAMP_STEPS * dt_s;
        let rise = ((t_s - self.start_s) / ramp).clamp(0.0, 1.0);
        let fall = ((self.end_s - t_s) / ramp).clamp(0.0, 1.0);
        let smooth = |x: f64| 0.5 * (1.0 - (std::f64::consts::PI * x).cos());
        smooth(rise) * smooth(fall)
    }
}

/// Places the scenario's catheter in `voxels` (its body becomes wall) and points
/// the injections without a tip or opening at it.
pub fn place(
    c: &Checker,
    scenario: &mut Scenario,
    voxels: &mut Voxels,
) -> Result<Option<CatheterPlan>, ScenarioError> {
    let Some(spec) = scenario.catheter.clone() else {
        return Ok(None);
    };
    c.positive("catheter", "outer_radius", spec.outer_radius, "m")?;
    c.positive("catheter", "inner_radius", spec.inner_radius, "m")?;
    c.positive("catheter", "reflux_distance", spec.reflux_distance, "m")?;
    if spec.inner_radius >= spec.outer_radius {
        return Err(c.fail(
            "catheter",
            "inner_radius",
            format!(
                "inner_radius = {:e} m is not smaller than outer_radius = {:e} m",
                spec.inner_radius, spec.outer_radius
            ),
            "give the lumen's radius, e.g. 2.65e-4 for a 2.7 F microcatheter".into(),
        ));
    }
    if !(spec.flow_rate.is_finite() && spec.flow_rate >= 0.0) {
        return Err(c.fail(
            "catheter",
            "flow_rate",
            format!(
                "flow_rate = {} m³/s must be zero or positive",
                spec.flow_rate
            ),
            "give the injection flow in m³/s (1 mL/min = 1.667e-8)".into(),
        ));
    }
    let direction = direction(c, &spec, voxels)?;
    let shape = CatheterShape {
        tip_m: spec.tip,
        direction,
        outer_radius_m: spec.outer_radius,
        inner_radius_m: spec.inner_radius,
        collar_cells: COLLAR_CELLS,
    };
    let cells = carve(voxels, &shape).map_err(|problem| {
        c.fail(
            "catheter",
            "tip",
            problem,
            "put the tip on the vessel's axis in a straight stretch, with a catheter narrower than the vessel".into(),
        )
    })?;
    let (start_s, end_s) = window(&spec, scenario);
    aim_injections(scenario, &shape, voxels.voxel_size_m);
    Ok(Some(CatheterPlan {
        shape,
        tip_kind: spec.tip_kind,
        cells,
        flow_rate_m3_s: spec.flow_rate,
        start_s,
        end_s,
        reflux_distance_m: spec.reflux_distance,
        face_speed_lattice: 0.0,
    }))
}

/// The unit direction of the catheter: given, or the first inlet's inward normal.
fn direction(c: &Checker, spec: &CatheterSpec, voxels: &Voxels) -> Result<[f64; 3], ScenarioError> {
    let d = match spec.direction {
        Some(d) => d,
        None => voxels
            .openings
            .iter()
            .find(|o| o.role == Role::Inlet)
            .map(|o| o.normal)
            .unwrap_or([0.0; 3]),
    };
    let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return Err(c.fail(
            "catheter",
            "direction",
            format!("direction = {d:?} is not a direction"),
            "give the direction the catheter points, e.g. [1.0, 0.0, 0.0]".into(),
        ));
    }
    Ok(d.map(|v| v / norm))
}

/// The injection flow's window: given, or spanning the releases.
fn window(spec: &CatheterSpec, scenario: &Scenario) -> (f64, f64) {
    let releases = &scenario.injections;
    let first = releases
        .iter()
        .map(|i| i.start)
        .fold(f64::INFINITY, f64::min);
    let last = releases
        .iter()
        .map(|i| i.start + i.duration)
        .fold(f64::NEG_INFINITY, f64::max);
    let start = spec
        .start
        .unwrap_or(if first.is_finite() { first } else { 0.0 });
    let end = match spec.duration {
        Some(d) => start + d,
        None if last.is_finite() => last,
        None => f64::INFINITY,
    };
    (start, end)
}

/// Injections with neither `tip` nor `opening` release from the catheter: in the
/// first fluid layer ahead of its face (half a voxel), across the face the injection
/// leaves through (its lumen, at least the cells by the axis), along its axis.
fn aim_injections(scenario: &mut Scenario, shape: &CatheterShape, dx: f64) {
    for inj in &mut scenario.injections {
        if inj.tip.is_some() || inj.opening.is_some() {
            continue;
        }
        inj.tip = Some(std::array::from_fn(|a| {
            shape.tip_m[a] + shape.direction[a] * 0.5 * dx
        }));
        inj.direction = Some(shape.direction);
        inj.catheter_radius = shape.inner_radius_m.max(FACE_MIN_RADIUS_CELLS * dx);
    }
}

/// Mass the tip's face puts into the fluid per step when it moves at unit speed
/// along the axis: a moving wall adds 6 w_q (c_q·u_w) to each population it bounces
/// back (Ladd 1994), so the face injects Σ over its links to fluid cells of
/// 6 w_q (c_q·d) per unit speed.
pub fn face_flux_per_speed(voxels: &Voxels, face: &[usize], direction: [f64; 3]) -> f64 {
    let mut total = 0.0;
    for &w in face {
        for (q, c) in VELOCITIES.iter().enumerate().skip(1) {
            if neighbor_in_grid(voxels, w, *c).is_some_and(|n| voxels.kinds[n] == CellKind::Fluid) {
                let cu: f64 = (0..3).map(|a| c[a] as f64 * direction[a]).sum();
                total += 6.0 * WEIGHTS[q] as f64 * cu;
            }
        }
    }
    total
}

/// Sets the face speed that carries the injection flow, refusing one the lattice
/// cannot carry (the face speed in lattice units grows with the time step, so with
/// the scenario's `lattice_velocity`).
pub fn set_flow(
    c: &Checker,
    plan: &mut CatheterPlan,
    voxels: &Voxels,
    units: &LatticeUnits,
    lattice_velocity: f64,
) -> Result<(), ScenarioError> {
    let per_speed = face_flux_per_speed(voxels, &plan.cells.face, plan.shape.direction);
    let q = units.flow_rate_to_lattice(plan.flow_rate_m3_s);
    plan.face_speed_lattice = if q > 0.0 { q / per_speed } else { 0.0 };
    if plan.face_speed_lattice > MAX_FACE_SPEED {
        return Err(c.fail(
            "catheter",
            "flow_rate",
            format!(
                "flow_rate = {:e} m³/s leaves the tip at {:.3} lattice units (over {MAX_FACE_SPEED}) through {} face cells",
                plan.flow_rate_m3_s,
                plan.face_speed_lattice,
                plan.cells.face.len()
            ),
            format!(
                "lower flow_rate, or lower [time] lattice_velocity to at most {:.3} (a shorter time step)",
                lattice_velocity * MAX_FACE_SPEED / plan.face_speed_lattice
            ),
        ));
    }
    Ok(())
}

/// Drops the wall links into the catheter's body: the true vessel surface does not
/// cut them, so they keep halfway bounce-back (with the face's injection).
pub fn drop_catheter_links(cut: &mut Vec<CutCell>, plan: &CatheterPlan, voxels: &Voxels) {
    let mut is_body = vec![false; voxels.kinds.len()];
    for &b in &plan.cells.body {
        is_body[b] = true;
    }
    cut.retain(|c| !is_body[c.cell]);
    for c in cut.iter_mut() {
        let cell = c.cell;
        c.links.retain(|&(q, _)| {
            let v = VELOCITIES[q];
            neighbor_in_grid(voxels, cell, [-v[0], -v[1], -v[2]]).is_none_or(|n| !is_body[n])
        });
    }
    cut.retain(|c| !c.links.is_empty());
}

/// The opening indices of `[target] branches` (empty without `[target]`).
pub fn target_openings(
    c: &Checker,
    scenario: &Scenario,
    voxels: &Voxels,
) -> Result<Vec<usize>, ScenarioError> {
    let Some(target) = &scenario.target else {
        return Ok(vec![]);
    };
    let outlets: Vec<&str> = voxels
        .openings
        .iter()
        .filter(|o| o.role == Role::Outlet)
        .map(|o| o.name.as_str())
        .collect();
    let mut out = Vec::new();
    for name in &target.branches {
        match voxels
            .openings
            .iter()
            .position(|o| &o.name == name && o.role == Role::Outlet)
        {
            Some(k) => out.push(k),
            None => {
                return Err(c.fail(
                    "target",
                    "branches",
                    format!("'{name}' is not an outlet of this vessel"),
                    format!("use outlet names: {outlets:?}"),
                ))
            }
        }
    }
    if out.is_empty() {
        return Err(c.fail(
            "target",
            "branches",
            "[target] names no branch".into(),
            format!("list the outlets the injection is meant for, from {outlets:?}"),
        ));
    }
    Ok(out)
}
