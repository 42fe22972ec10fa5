//! Turns the scenario's injections into particles in lattice units, ready for the GPU:
//! sizes from each agent's distribution, release times spread evenly over the
//! injection windows, release points in the catheter's disc or across an opening.
//! Everything random comes from one PCG64 stream seeded by `[particles] seed`.

use super::agents::{preset, Agent, PRESET_NAMES};
use super::spec::{InjectionSpec, MagnetSpec, ParticlesSpec};
use crate::geometry::vec3::{add, cross, norm, normalize, perpendicular, scale};
use crate::geometry::{CellKind, Role, Voxels};
use crate::units::LatticeUnits;
use rand::{Rng, SeedableRng};

/// Particle states as the kernels store them (shaders/particles/advance.wgsl).
pub mod state {
    pub const WAITING: u32 = 0;
    pub const FREE: u32 = 1;
    pub const LODGED: u32 = 2;
    pub const STUCK: u32 = 3;
    pub const EXITED: u32 = 4;
    /// `where` of a particle that left the grid other than through an opening.
    pub const OUTSIDE: u32 = 0xffff;
}

/// Vacuum permeability μ0 [T·m/A].
const MU0: f64 = 4.0e-7 * std::f64::consts::PI;

/// Added-mass coefficient of a sphere.
const ADDED_MASS: f64 = 0.5;

/// What went wrong, as the scenario checker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError {
    pub table: String,
    pub key: String,
    pub problem: String,
    pub fix: String,
}

fn fail(table: &str, key: &str, problem: String, fix: impl Into<String>) -> PlanError {
    PlanError {
        table: table.into(),
        key: key.into(),
        problem,
        fix: fix.into(),
    }
}

/// Constants of the particle kernels.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelSettings {
    pub nu_lattice: f32,
    pub dx_m: f32,
    /// dt²/dx: SI acceleration → lattice.
    pub accel_to_lattice: f32,
    pub origin_m: [f32; 3],
    pub bridging_ratio: f32,
    pub blocking_fraction: f32,
    pub wall_fraction: f32,
    /// Deep-bed filtration's attachment efficiency α (0: off).
    pub attachment_efficiency: f32,
    pub occlusion_interval: u64,
    pub seed: u32,
    /// Fluid-acceleration (pressure-gradient) force and Saffman lift.
    pub pressure_gradient: bool,
    pub lift: bool,
}

/// Every particle of a run, in the GPU's layout.
#[derive(Clone, Debug, Default)]
pub struct ParticlePlan {
    /// Position [cells] and diameter [cells].
    pub positions: Vec<[f32; 4]>,
    /// Velocity [cells/step] and response time τp [steps].
    pub velocities: Vec<[f32; 4]>,
    /// (state, agent, release step, where it ended).
    pub meta: Vec<[u32; 4]>,
    /// Two rows per agent, then two per magnet (advance.wgsl).
    pub tables: Vec<[f32; 4]>,
    pub agent_names: Vec<String>,
    pub magnets: usize,
    /// Rows after the magnets: per opening (capture diameter [cells], 0, 0, 0); 0
    /// lets every particle leave (advance.wgsl).
    pub openings: usize,
    pub diameters_m: Vec<f64>,
    /// Step of the first release.
    pub first_release_step: u64,
}

impl ParticlePlan {
    /// Edge [cells] of the blocks in which free particles are counted each step for
    /// bridging (shaders/particles/advance.wgsl, `partners`): the largest diameter
    /// rounded up, so that the 3×3×3 blocks around a particle reach every particle
    /// touching it, within 2-8 cells (smaller blocks cost a clear of 4 bytes per
    /// cell per step; larger ones are far beyond a point-particle model anyway).
    pub fn crowd_block(&self) -> u32 {
        let largest = self.positions.iter().map(|p| p[3]).fold(0.0f32, f32::max);
        (largest.ceil() as u32).clamp(2, 8)
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Particles released by the end of step `steps` (released at the start of a step
    /// ≤ steps − 1).
    pub fn injected_by(&self, steps: u64) -> usize {
        self.meta.iter().filter(|m| (m[2] as u64) < steps).count()
    }
}

/// The agent called `name`: a scenario table, else a preset.
pub fn find_agent(name: &str, custom: &std::collections::BTreeMap<String, Agent>) -> Option<Agent> {
    custom.get(name).cloned().or_else(|| preset(name))
}

/// Start and end [s] of the windows in which an injection releases particles.
fn windows(inj: &InjectionSpec) -> Vec<(f64, f64)> {
    let end = inj.start + inj.duration;
    match (inj.pulse_on, inj.pulse_off) {
        (Some(on), Some(off)) if on > 0.0 && off >= 0.0 => {
            let mut w = vec![];
            let mut t = inj.start;
            while t < end {
                w.push((t, (t + on).min(end)));
                t += on + off;
            }
            w
        }
        _ => vec![(inj.start, end)],
    }
}

/// The particle tables of a scenario.
pub struct ParticleTables<'a> {
    pub spec: &'a ParticlesSpec,
    pub agents: &'a std::collections::BTreeMap<String, Agent>,
    pub injections: &'a [InjectionSpec],
    pub magnets: &'a [MagnetSpec],
    /// Per opening index: the capture diameter of the bed beyond it [m], if any.
    pub capture_diameters_m: &'a [Option<f64>],
}

/// Draws one release point [cells].
type ReleasePoint = Box<dyn Fn(&mut rand_pcg::Pcg64) -> Option<[f64; 3]>>;

/// The grid and fluid the particles are planned in.
struct Frame<'a> {
    voxels: &'a Voxels,
    /// Voxel size [m] and time step [s].
    dx: f64,
    dt: f64,
    /// Fluid density [kg/m³] and dynamic viscosity [Pa·s].
    rho_f: f64,
    mu: f64,
    /// Added-mass coefficient in use (0 when switched off).
    added: f64,
}

impl Frame<'_> {
    /// dt²/dx: an SI acceleration in lattice units.
    fn to_lattice_accel(&self) -> f64 {
        self.dt * self.dt / self.dx
    }

    /// Whether the point `p` [cells] lies in a fluid cell of the grid.
    fn fluid_at(&self, p: [f64; 3]) -> bool {
        let v = self.voxels;
        let c: Vec<i64> = (0..3).map(|a| p[a].floor() as i64).collect();
        let n = [v.dims.nx, v.dims.ny, v.dims.nz];
        (0..3).all(|a| c[a] >= 0 && (c[a] as usize) < n[a])
            && v.kinds[v.dims.index(c[0] as usize, c[1] as usize, c[2] as usize)] == CellKind::Fluid
    }

    /// A point [m] in cells.
    fn to_cells(&self, p: [f64; 3]) -> [f64; 3] {
        std::array::from_fn(|a| (p[a] - self.voxels.origin_m[a]) / self.dx)
    }
}

/// Builds the particles of every injection. `inflow_m3_s` is the inlet's mean flow
/// (for `volume_fraction`); drag uses `fluid_viscosity_pa_s`.
pub fn build(
    tables: &ParticleTables,
    voxels: &Voxels,
    units: &LatticeUnits,
    inflow_m3_s: f64,
    fluid_viscosity_pa_s: f64,
) -> Result<(ParticlePlan, KernelSettings), PlanError> {
    let spec = tables.spec;
    check_spec(spec)?;
    check_magnets(tables.magnets)?;
    let frame = Frame {
        voxels,
        dx: units.dx_m,
        dt: units.dt_s,
        rho_f: units.density_kg_m3,
        mu: fluid_viscosity_pa_s,
        added: if spec.added_mass { ADDED_MASS } else { 0.0 },
    };
    let mut rng = rand_pcg::Pcg64::seed_from_u64(spec.seed);
    let mut plan = ParticlePlan::default();
    let mut agent_index: std::collections::BTreeMap<String, u32> = Default::default();
    for (k, inj) in tables.injections.iter().enumerate() {
        let table = format!("injections[{k}]");
        let agent = injection_agent(&table, inj, tables.agents)?;
        let windows = windows(inj);
        let on_time: f64 = windows.iter().map(|w| w.1 - w.0).sum();
        let count = particle_count(&table, inj, &agent, on_time, inflow_m3_s, &mut rng)?;
        let agent_id = *agent_index
            .entry(inj.agent.clone())
            .or_insert_with(|| add_agent_rows(&mut plan, &inj.agent, &agent, spec.gravity, &frame));
        // Where and in which direction particles enter.
        let (release, direction) = match inj.tip {
            Some(tip) => catheter_release(&table, inj, tip, &frame)?,
            None => opening_release(&table, inj, voxels)?,
        };
        let speed_lattice = inj.speed * frame.dt / frame.dx;
        if !speed_lattice.is_finite() || speed_lattice.abs() > 0.3 {
            return Err(fail(
                &table,
                "speed",
                format!(
                    "speed = {} m/s is {:.2} cells per step",
                    inj.speed, speed_lattice
                ),
                "inject slower than the flow's lattice speed limit, or use a finer time step",
            ));
        }
        let injection = Injection {
            table: &table,
            agent: &agent,
            agent_id,
            windows: &windows,
            on_time,
            start: inj.start,
            velocity: scale(direction, speed_lattice),
        };
        for j in 0..count {
            add_particle(&mut plan, &injection, &release, j, count, &frame, &mut rng)?;
        }
    }
    add_magnet_rows(&mut plan, tables.magnets);
    for k in 0..voxels.openings.len() {
        let capture = tables
            .capture_diameters_m
            .get(k)
            .copied()
            .flatten()
            .unwrap_or(0.0);
        plan.tables
            .push([(capture / frame.dx) as f32, 0.0, 0.0, 0.0]);
    }
    plan.openings = voxels.openings.len();
    plan.first_release_step = plan.meta.iter().map(|m| m[2] as u64).min().unwrap_or(0);
    let settings = KernelSettings {
        nu_lattice: units.viscosity_lattice as f32,
        dx_m: frame.dx as f32,
        accel_to_lattice: frame.to_lattice_accel() as f32,
        origin_m: voxels.origin_m.map(|o| o as f32),
        bridging_ratio: spec.bridging_ratio as f32,
        blocking_fraction: spec.blocking_fraction as f32,
        wall_fraction: spec.wall_fraction as f32,
        attachment_efficiency: spec.attachment_efficiency as f32,
        occlusion_interval: spec.occlusion_interval,
        seed: spec.seed as u32,
        pressure_gradient: spec.pressure_gradient,
        lift: spec.lift,
    };
    Ok((plan, settings))
}

/// The [particles] settings within their ranges.
fn check_spec(spec: &ParticlesSpec) -> Result<(), PlanError> {
    if !spec.gravity.iter().all(|g| g.is_finite()) {
        return Err(fail(
            "particles",
            "gravity",
            "gravity must be three numbers".into(),
            "e.g. gravity = [0.0, 0.0, -9.81] (m/s^2)",
        ));
    }
    for (key, v, lo, hi) in [
        ("wall_fraction", spec.wall_fraction, 0.01, 1.0),
        ("blocking_fraction", spec.blocking_fraction, 0.0, 1.0),
        ("bridging_ratio", spec.bridging_ratio, 1.0, 100.0),
        (
            "attachment_efficiency",
            spec.attachment_efficiency,
            0.0,
            1.0,
        ),
    ] {
        if !(v.is_finite() && v >= lo && v <= hi) {
            return Err(fail(
                "particles",
                key,
                format!("{key} = {v} is outside [{lo}, {hi}]"),
                format!("give {key} between {lo} and {hi}"),
            ));
        }
    }
    if spec.occlusion_interval == 0 {
        return Err(fail(
            "particles",
            "occlusion_interval",
            "occlusion_interval = 0 steps".into(),
            "use 1 (every step) or more",
        ));
    }
    Ok(())
}

/// The agent an injection releases, checked, and its release times checked.
fn injection_agent(
    table: &str,
    inj: &InjectionSpec,
    agents: &std::collections::BTreeMap<String, Agent>,
) -> Result<Agent, PlanError> {
    let agent = find_agent(&inj.agent, agents).ok_or_else(|| {
        fail(
            table,
            "agent",
            format!("unknown agent {:?}", inj.agent),
            format!(
                "use a preset ({}) or define [agents.{}]",
                PRESET_NAMES.join(", "),
                inj.agent
            ),
        )
    })?;
    if let Some(p) = agent.problem() {
        return Err(fail(
            &format!("agents.{}", inj.agent),
            "density",
            p,
            "see docs/particles.md for the agent keys",
        ));
    }
    if !(inj.start.is_finite()
        && inj.start >= 0.0
        && inj.duration.is_finite()
        && inj.duration > 0.0)
    {
        return Err(fail(
            table,
            "duration",
            format!("start = {} s, duration = {} s", inj.start, inj.duration),
            "give start >= 0 and duration > 0 in seconds",
        ));
    }
    check_pulses(table, inj)?;
    Ok(agent)
}

/// Most on/off windows one pulsed injection may have.
const MAX_PULSES: f64 = 1.0e6;

/// Pulsed injection: both times or neither, `pulse_on` > 0 and `pulse_off` ≥ 0
/// (finite), and a number of pulses that fits in memory.
fn check_pulses(table: &str, inj: &InjectionSpec) -> Result<(), PlanError> {
    let (on, off) = match (inj.pulse_on, inj.pulse_off) {
        (None, None) => return Ok(()),
        (Some(on), Some(off)) => (on, off),
        _ => {
            return Err(fail(
                table,
                "pulse_on",
                "only one of pulse_on and pulse_off is given".into(),
                "give both pulse_on and pulse_off [s] for a pulsed injection, or neither",
            ))
        }
    };
    if !(on.is_finite() && on > 0.0 && off.is_finite() && off >= 0.0) {
        return Err(fail(
            table,
            "pulse_on",
            format!("pulse_on = {on} s, pulse_off = {off} s"),
            "give pulse_on > 0 and pulse_off >= 0 in seconds",
        ));
    }
    let pulses = (inj.duration / (on + off)).ceil();
    if pulses > MAX_PULSES {
        return Err(fail(
            table,
            "pulse_on",
            format!(
                "pulse_on = {on:e} s and pulse_off = {off:e} s make {pulses:.3e} pulses in duration = {} s",
                inj.duration
            ),
            format!("use at most {MAX_PULSES:.0e} pulses: longer pulses or a shorter duration"),
        ));
    }
    Ok(())
}

/// How many particles an injection releases: its count, its rate over the windows'
/// on-time, or its volume fraction of the inflow.
fn particle_count(
    table: &str,
    inj: &InjectionSpec,
    agent: &Agent,
    on_time: f64,
    inflow_m3_s: f64,
    rng: &mut rand_pcg::Pcg64,
) -> Result<u64, PlanError> {
    let count = match (inj.count, inj.rate, inj.volume_fraction) {
        (Some(n), None, None) => n as f64,
        (None, Some(r), None) if r.is_finite() && r > 0.0 => r * on_time,
        (None, None, Some(f)) if f.is_finite() && f > 0.0 && f < 0.64 => {
            f * inflow_m3_s * on_time / agent.diameter.mean_volume(rng)
        }
        _ => {
            return Err(fail(
                table,
                "count",
                "give exactly one of count, rate (particles/s) or volume_fraction (0..0.64)".into(),
                "e.g. count = 10000",
            ))
        }
    }
    .round() as u64;
    if count > 50_000_000 {
        return Err(fail(
            table,
            "count",
            format!("{count} particles requested"),
            "at most 5e7 particles per run; lower the rate or the duration",
        ));
    }
    Ok(count)
}

/// The agent's two kernel rows (buoyant acceleration and restitution; sticking,
/// magnetic coefficient and density ratios); returns its index.
fn add_agent_rows(
    plan: &mut ParticlePlan,
    name: &str,
    agent: &Agent,
    gravity: [f64; 3],
    frame: &Frame,
) -> u32 {
    plan.agent_names.push(name.to_string());
    let rho_f = frame.rho_f;
    let rho_eff = agent.density + frame.added * rho_f;
    let buoyant = scale(
        gravity,
        (agent.density - rho_f) / rho_eff * frame.to_lattice_accel(),
    );
    plan.tables.push([
        buoyant[0] as f32,
        buoyant[1] as f32,
        buoyant[2] as f32,
        agent.restitution as f32,
    ]);
    plan.tables.push([
        agent.sticking_probability as f32,
        (agent.magnetic_susceptibility / (MU0 * rho_eff)) as f32,
        ((1.0 + frame.added) * rho_f / rho_eff) as f32,
        (rho_f / rho_eff) as f32,
    ]);
    (plan.agent_names.len() - 1) as u32
}

/// Release points in the catheter's disc around its tip, and its direction.
fn catheter_release(
    table: &str,
    inj: &InjectionSpec,
    tip: [f64; 3],
    frame: &Frame,
) -> Result<(ReleasePoint, [f64; 3]), PlanError> {
    let dir = inj
        .direction
        .or_else(|| frame.voxels.inlets().next().map(|o| o.normal))
        .unwrap_or([0.0, 0.0, 1.0]);
    if norm(dir) == 0.0 || !dir.iter().all(|d| d.is_finite()) {
        return Err(fail(
            table,
            "direction",
            "direction must be a non-zero vector".into(),
            "e.g. direction = [0.0, 0.0, 1.0]",
        ));
    }
    let dir = normalize(dir);
    let centre = frame.to_cells(tip);
    if !frame.fluid_at(centre) {
        return Err(fail(
            table,
            "tip",
            format!(
                "the catheter tip ({:.3e}, {:.3e}, {:.3e}) m is not in the lumen",
                tip[0], tip[1], tip[2]
            ),
            "place the tip inside the vessel (see `embolus geometry` for the openings' centres)",
        ));
    }
    let radius = (inj.catheter_radius / frame.dx).max(0.0);
    let (e1, e2) = (
        perpendicular(dir),
        normalize(cross(dir, perpendicular(dir))),
    );
    let release: ReleasePoint = Box::new(move |rng: &mut rand_pcg::Pcg64| {
        let r = radius * rng.random::<f64>().sqrt();
        let theta = std::f64::consts::TAU * rng.random::<f64>();
        Some(add(
            centre,
            add(scale(e1, r * theta.cos()), scale(e2, r * theta.sin())),
        ))
    });
    Ok((release, dir))
}

/// Release points one cell inside an opening (the named one, else the inlet), and
/// its inward normal.
fn opening_release(
    table: &str,
    inj: &InjectionSpec,
    voxels: &Voxels,
) -> Result<(ReleasePoint, [f64; 3]), PlanError> {
    let name = inj.opening.clone();
    let opening = match &name {
        Some(n) => voxels.openings.iter().find(|o| &o.name == n),
        None => voxels.openings.iter().find(|o| o.role == Role::Inlet),
    }
    .ok_or_else(|| {
        let names: Vec<&str> = voxels.openings.iter().map(|o| o.name.as_str()).collect();
        fail(
            table,
            "opening",
            format!("no opening {:?}", name.clone().unwrap_or_default()),
            format!("use one of {names:?}, or give a catheter tip"),
        )
    })?;
    let normal = opening.normal;
    let (e1, e2) = (
        perpendicular(normal),
        normalize(cross(normal, perpendicular(normal))),
    );
    let cells: Vec<[f64; 3]> = opening
        .cells
        .iter()
        .map(|&i| {
            let c = voxels.dims.coords(i);
            add(std::array::from_fn(|a| c[a] as f64 + 0.5), normal)
        })
        .collect();
    let release: ReleasePoint = Box::new(move |rng: &mut rand_pcg::Pcg64| {
        let c = cells[rng.random_range(0..cells.len())];
        let j = add(
            scale(e1, rng.random::<f64>() - 0.5),
            scale(e2, rng.random::<f64>() - 0.5),
        );
        Some(add(c, j))
    });
    Ok((release, normal))
}

/// What every particle of one injection shares.
struct Injection<'a> {
    table: &'a str,
    agent: &'a Agent,
    agent_id: u32,
    windows: &'a [(f64, f64)],
    on_time: f64,
    start: f64,
    /// Initial velocity [cells/step].
    velocity: [f64; 3],
}

/// Particle `j` of `count`: released evenly over the on-windows, its size drawn
/// from the agent's distribution, its position from the release points (the first
/// in the lumen of 100 tries).
fn add_particle(
    plan: &mut ParticlePlan,
    inj: &Injection,
    release: &ReleasePoint,
    j: u64,
    count: u64,
    frame: &Frame,
    rng: &mut rand_pcg::Pcg64,
) -> Result<(), PlanError> {
    let mut t_on = (j as f64 + 0.5) / count as f64 * inj.on_time;
    let mut t = inj.start;
    for w in inj.windows {
        let len = w.1 - w.0;
        if t_on <= len {
            t = w.0 + t_on;
            break;
        }
        t_on -= len;
    }
    let step = (t / frame.dt).floor() as u64;
    let d = inj.agent.diameter.sample(rng);
    let p = (0..100)
        .find_map(|_| release(rng).filter(|c| frame.fluid_at(*c)))
        .ok_or_else(|| {
            fail(
                inj.table,
                "catheter_radius",
                "no release point in the lumen after 100 tries".into(),
                "move the tip away from the wall or give a smaller catheter_radius",
            )
        })?;
    let tau_p =
        (inj.agent.density + frame.added * frame.rho_f) * d * d / (18.0 * frame.mu) / frame.dt;
    let v = inj.velocity;
    plan.positions
        .push([p[0] as f32, p[1] as f32, p[2] as f32, (d / frame.dx) as f32]);
    plan.velocities
        .push([v[0] as f32, v[1] as f32, v[2] as f32, tau_p as f32]);
    plan.meta.push([
        state::WAITING,
        inj.agent_id,
        step.min(u32::MAX as u64) as u32,
        0,
    ]);
    plan.diameters_m.push(d);
    Ok(())
}

/// Every magnet's numbers finite and within what the kernels' f32 tables hold.
fn check_magnets(magnets: &[MagnetSpec]) -> Result<(), PlanError> {
    let fits = |v: &[f64]| v.iter().all(|x| x.is_finite() && x.abs() < 1.0e30);
    for (k, m) in magnets.iter().enumerate() {
        let (key, ok, fix) = match m {
            MagnetSpec::Dipole { position, moment } => (
                "moment",
                fits(position) && fits(moment),
                "give position [m] and moment [A m^2] as three finite numbers each",
            ),
            MagnetSpec::Gradient { field, gradient } => (
                "gradient",
                fits(&[*field]) && fits(gradient),
                "give field [T] as a finite number and gradient [T/m] as three",
            ),
        };
        if !ok {
            return Err(fail(
                &format!("magnets[{k}]"),
                key,
                format!("{m:?} has a number that is not finite (or beyond 1e30)"),
                fix,
            ));
        }
    }
    Ok(())
}

/// Two kernel rows per magnet: (position [m], kind) and (moment or |B|∇|B|, 0).
fn add_magnet_rows(plan: &mut ParticlePlan, magnets: &[MagnetSpec]) {
    for m in magnets {
        match *m {
            MagnetSpec::Dipole { position, moment } => {
                plan.tables.push([
                    position[0] as f32,
                    position[1] as f32,
                    position[2] as f32,
                    0.0,
                ]);
                plan.tables
                    .push([moment[0] as f32, moment[1] as f32, moment[2] as f32, 0.0]);
            }
            MagnetSpec::Gradient { field, gradient } => {
                plan.tables.push([0.0, 0.0, 0.0, 1.0]);
                let g = scale(gradient, field);
                plan.tables
                    .push([g[0] as f32, g[1] as f32, g[2] as f32, 0.0]);
            }
        }
    }
    plan.magnets = magnets.len();
}
