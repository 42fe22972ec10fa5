//! Checks that a parsed scenario is complete, physical and numerically stable, and
//! derives its lattice units and schedule.

use super::error::{key_line, ScenarioError};
use super::schema::{Geometry, Profile, RheologySpec, Scenario};
use super::LoadedScenario;
use crate::geometry;
use crate::lbm::outlets::{OutletModel, SCHEDULED_PRESSURE_SLOTS};
use crate::lbm::rheology::{LatticeRheology, ViscosityModel};
use crate::lbm::waveform::{Waveform, WaveformSpec};
use crate::units::{LatticeUnits, MACH_MAX, TAU_MIN};
use std::f64::consts::PI;
use std::path::Path;

/// Radius (or half-width) below this many voxels cannot carry a flow profile.
const MIN_CELLS_ACROSS_HALF: f64 = 2.0;
/// Grids above this many cells exceed the kernels' 32-bit indexing.
const MAX_CELLS: f64 = 2.0e8;

struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
}

impl Checker<'_> {
    fn fail(&self, table: &str, key: &str, problem: String, fix: String) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line: key_line(self.source, table, key),
            key: format!("{table}.{key}"),
            problem,
            fix,
        }
    }

    fn positive(
        &self,
        table: &str,
        key: &str,
        value: f64,
        unit: &str,
    ) -> Result<(), ScenarioError> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(self.fail(
                table,
                key,
                format!("{key} = {value} {unit} must be a positive number"),
                format!("set {key} to a value > 0 in {unit}"),
            ))
        }
    }
}

/// Numbers of a geometry that must be positive: (key, value, unit).
fn positive_geometry_numbers(g: &Geometry) -> Vec<(&'static str, f64, &'static str)> {
    match g {
        Geometry::Cylinder { radius, length, .. } => {
            vec![("radius", *radius, "m"), ("length", *length, "m")]
        }
        Geometry::Channel {
            width,
            height,
            length,
            ..
        } => {
            vec![
                ("width", *width, "m"),
                ("height", *height, "m"),
                ("length", *length, "m"),
            ]
        }
        Geometry::Tapered {
            start_radius,
            end_radius,
            ..
        } => {
            vec![
                ("start_radius", *start_radius, "m"),
                ("end_radius", *end_radius, "m"),
            ]
        }
        Geometry::Tube { radii, .. } => radii.iter().map(|r| ("radii", *r, "m")).collect(),
        Geometry::Stenosis {
            radius,
            length,
            stenosis_length,
            area_reduction_percent,
            ..
        } => vec![
            ("radius", *radius, "m"),
            ("length", *length, "m"),
            ("stenosis_length", *stenosis_length, "m"),
            ("area_reduction_percent", *area_reduction_percent, "%"),
        ],
        Geometry::Aneurysm {
            radius,
            length,
            sac_radius,
            neck_radius,
            ..
        } => vec![
            ("radius", *radius, "m"),
            ("length", *length, "m"),
            ("sac_radius", *sac_radius, "m"),
            ("neck_radius", *neck_radius, "m"),
        ],
        Geometry::Bifurcation {
            parent_radius,
            parent_length,
            daughter_length,
            murray_exponent,
            daughter_radii,
            ..
        } => {
            let mut v = vec![
                ("parent_radius", *parent_radius, "m"),
                ("parent_length", *parent_length, "m"),
                ("daughter_length", *daughter_length, "m"),
                ("murray_exponent", *murray_exponent, ""),
            ];
            if let Some(r) = daughter_radii {
                v.extend(r.iter().map(|r| ("daughter_radii", *r, "m")));
            }
            v
        }
        Geometry::Tree {
            root_radius,
            root_length,
            murray_exponent,
            length_to_radius,
            ..
        } => vec![
            ("root_radius", *root_radius, "m"),
            ("root_length", *root_length, "m"),
            ("murray_exponent", *murray_exponent, ""),
            ("length_to_radius", *length_to_radius, ""),
        ],
        Geometry::Stl { scale, .. } => vec![("scale", *scale, "")],
        Geometry::Union { .. } | Geometry::Nifti { .. } => vec![],
    }
}

fn check_geometry(c: &Checker, g: &Geometry) -> Result<(), ScenarioError> {
    for (key, value, unit) in positive_geometry_numbers(g) {
        c.positive("geometry", key, value, unit)?;
    }
    let fail =
        |key: &str, problem: String, fix: &str| Err(c.fail("geometry", key, problem, fix.into()));
    match g {
        Geometry::Stenosis {
            area_reduction_percent,
            ..
        } if *area_reduction_percent >= 100.0 => fail(
            "area_reduction_percent",
            format!("area_reduction_percent = {area_reduction_percent} closes the vessel"),
            "use a value below 100 (a complete occlusion has no flow to simulate)",
        ),
        Geometry::Stenosis { position, .. } | Geometry::Aneurysm { position, .. }
            if !(0.0..=1.0).contains(position) =>
        {
            fail(
                "position",
                format!("position = {position} lies outside the vessel"),
                "give the position as a fraction of the length, between 0 and 1",
            )
        }
        Geometry::Tube { points, radii } if points.len() < 2 || points.len() != radii.len() => {
            fail(
                "points",
                format!(
                    "a tube needs at least 2 points and one radius per point ({} points, {} radii)",
                    points.len(),
                    radii.len()
                ),
                "give points = [[x, y, z], ...] and radii = [r, ...] of the same length",
            )
        }
        Geometry::Tree { generations, .. } if !(1..=10).contains(generations) => fail(
            "generations",
            format!("generations = {generations}: a tree needs 1 to 10 generations"),
            "use 1..10 (2^generations outlets)",
        ),
        Geometry::Union { parts } if parts.is_empty() => fail(
            "parts",
            "a union needs at least one part".into(),
            "add [[geometry.parts]] tables, each with a shape",
        ),
        Geometry::Union { parts } => parts.iter().try_for_each(|p| check_geometry(c, p)),
        _ => Ok(()),
    }
}

/// Checks the grid and geometry keys and voxelizes the vessel (CPU only).
fn build_geometry(c: &Checker, scenario: &Scenario) -> Result<geometry::Built, ScenarioError> {
    let (path, source) = (c.path, c.source);
    let dx = scenario.grid.voxel_size;
    c.positive("grid", "voxel_size", dx, "m")?;
    check_geometry(c, &scenario.geometry)?;
    if let Some(cells) = estimate_cells(&scenario.geometry, dx) {
        if cells > MAX_CELLS {
            return Err(c.fail(
                "grid",
                "voxel_size",
                format!("the grid would have {cells:.2e} cells, more than embolus handles ({MAX_CELLS:.0e})"),
                format!("use a coarser voxel_size (>= {:.3e} m)", dx * (cells / MAX_CELLS).cbrt()),
            ));
        }
    }
    // Resolution first: voxelizing an unresolved vessel would only fail less clearly.
    let nominal_half_extent = match scenario.geometry {
        Geometry::Cylinder { radius, .. }
        | Geometry::Stenosis { radius, .. }
        | Geometry::Aneurysm { radius, .. } => Some(radius),
        Geometry::Channel { width, height, .. } => Some(0.5 * width.min(height)),
        Geometry::Tapered { start_radius, .. } => Some(start_radius),
        Geometry::Bifurcation { parent_radius, .. } => Some(parent_radius),
        Geometry::Tree { root_radius, .. } => Some(root_radius),
        _ => None,
    };
    let unresolved = |half_extent: f64| {
        c.fail(
            "grid",
            "voxel_size",
            format!(
                "the inlet is only {:.1} voxels across: the lumen cannot be resolved \
                 ({half_extent:.3e} m from the axis to the wall)",
                2.0 * half_extent / dx
            ),
            format!(
                "use voxel_size <= {:.3e} m (8 or more cells across for accurate profiles)",
                half_extent / 4.0
            ),
        )
    };
    if let Some(h) = nominal_half_extent.filter(|h| h / dx < MIN_CELLS_ACROSS_HALF) {
        return Err(unresolved(h));
    }
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let built = geometry::build(
        &scenario.geometry,
        dx,
        base_dir,
        scenario.inlet.as_ref().and_then(|i| i.opening.as_deref()),
    )
    .map_err(|e| ScenarioError::Geometry {
        path: path.to_path_buf(),
        line: key_line(source, "geometry", "shape"),
        source: Box::new(e),
    })?;
    Ok(built)
}

/// Parses nothing more than the geometry: for `embolus geometry`, which must work
/// before the flow settings are right.
pub(super) fn validate_geometry_only(
    path: &Path,
    source: &str,
    scenario: &Scenario,
) -> Result<geometry::Built, ScenarioError> {
    build_geometry(&Checker { path, source }, scenario)
}

pub(super) fn validate(
    path: &Path,
    source: &str,
    scenario: Scenario,
) -> Result<LoadedScenario, ScenarioError> {
    let c = Checker { path, source };
    c.positive("fluid", "density", scenario.fluid.density, "kg/m^3")?;
    c.positive("fluid", "viscosity", scenario.fluid.viscosity, "Pa·s")?;
    let rheology = match &scenario.fluid.rheology {
        None => None,
        Some(RheologySpec::Preset(name)) => match ViscosityModel::preset(name) {
            Some(ViscosityModel::Newtonian { .. }) => None,
            Some(model) => Some(model),
            None => {
                return Err(c.fail(
                    "fluid",
                    "rheology",
                    format!("unknown rheology preset {name:?}"),
                    "use \"carreau\" (Cho-Kensey), \"carreau-yasuda\" (Boyd), \"casson\" or \"newtonian\", or a table with model = ...".into(),
                ))
            }
        },
        Some(RheologySpec::Custom(model)) => {
            let (low, high) = model.viscosity_range();
            if !(low.is_finite() && low > 0.0 && high.is_finite() && high >= low) {
                return Err(c.fail(
                    "fluid",
                    "rheology",
                    format!("the viscosity law ranges over [{low}, {high}] Pa·s"),
                    "give positive parameters with the high-shear viscosity below the low-shear one".into(),
                ));
            }
            Some(*model)
        }
    };
    // τ and the stability checks use the lowest viscosity the fluid reaches.
    let (viscosity_min, viscosity_max) = rheology
        .map_or((scenario.fluid.viscosity, scenario.fluid.viscosity), |m| {
            m.viscosity_range()
        });
    let dx = scenario.grid.voxel_size;
    c.positive("grid", "voxel_size", dx, "m")?;

    let Some(inlet) = scenario.inlet.clone() else {
        return Err(c.fail(
            "inlet",
            "mean_velocity",
            "the scenario has no [inlet] section: the flow needs a driving velocity".into(),
            "add\n    [inlet]\n    mean_velocity = 0.1   # m/s (or flow_rate in m^3/s)\n    profile = \"parabolic\"".into(),
        ));
    };
    let built = build_geometry(&c, &scenario)?;
    let inlet_opening = built
        .voxels
        .inlets()
        .next()
        .expect("geometry::build guarantees an inlet");
    let area = inlet_opening.nominal_area_m2;
    let (diameter, half_extent, peak_factor) = match (&scenario.geometry, inlet.profile) {
        (Geometry::Channel { width, height, .. }, profile) => (
            2.0 * width * height / (width + height),
            0.5 * width.min(*height),
            if profile != Profile::Plug { 2.25 } else { 1.0 },
        ),
        (_, profile) => {
            let r = (area / PI).sqrt();
            (2.0 * r, r, if profile != Profile::Plug { 2.0 } else { 1.0 })
        }
    };
    if half_extent / dx < MIN_CELLS_ACROSS_HALF {
        return Err(c.fail(
            "grid",
            "voxel_size",
            format!(
                "the inlet is only {:.1} voxels across: the lumen cannot be resolved",
                2.0 * half_extent / dx
            ),
            format!(
                "use voxel_size <= {:.3e} m (8 or more cells across for accurate profiles)",
                half_extent / 4.0
            ),
        ));
    }
    let flow_rate = match (inlet.mean_velocity, inlet.flow_rate) {
        (Some(_), Some(_)) => {
            return Err(c.fail(
                "inlet",
                "flow_rate",
                "both mean_velocity and flow_rate are given; they would contradict".into(),
                "keep only one of mean_velocity [m/s] and flow_rate [m^3/s]".into(),
            ))
        }
        (None, None) => {
            return Err(c.fail(
                "inlet",
                "mean_velocity",
                "[inlet] needs mean_velocity or flow_rate".into(),
                "add mean_velocity = <m/s> or flow_rate = <m^3/s> to [inlet]".into(),
            ))
        }
        (Some(u), None) => {
            c.positive("inlet", "mean_velocity", u, "m/s")?;
            u * area
        }
        (None, Some(q)) => {
            c.positive("inlet", "flow_rate", q, "m^3/s")?;
            q
        }
    };
    if !scenario.outlet.pressure.is_finite() {
        return Err(c.fail(
            "outlet",
            "pressure",
            "pressure must be a finite number".into(),
            "set the outlet gauge pressure in Pa, e.g. pressure = 0.0".into(),
        ));
    }
    if scenario.lbm.body_force.iter().any(|f| !f.is_finite()) {
        return Err(c.fail(
            "lbm",
            "body_force",
            "body_force has a non-finite component".into(),
            "give three finite numbers in N/m^3, e.g. body_force = [0.0, 0.0, 0.0]".into(),
        ));
    }
    if let Some(cs) = scenario.lbm.smagorinsky {
        c.positive(
            "lbm",
            "smagorinsky",
            cs,
            "(Smagorinsky constant, typically 0.1-0.2)",
        )?;
    }
    if !(scenario.lbm.magic.is_finite() && scenario.lbm.magic > 0.0) {
        return Err(c.fail(
            "lbm",
            "magic",
            format!("magic = {} must be positive", scenario.lbm.magic),
            "leave it out for the default 3/16 (exact walls for Poiseuille flow)".into(),
        ));
    }

    let waveform = waveform(&c, inlet.waveform.as_ref(), "inlet.waveform", path)?;
    let u_lattice = scenario.time.lattice_velocity;
    c.positive("time", "lattice_velocity", u_lattice, "(lattice units)")?;
    let mean_velocity = flow_rate / area;
    let units = LatticeUnits::derive(
        dx,
        scenario.fluid.density,
        viscosity_min,
        peak_factor * mean_velocity * waveform.max_abs_factor(),
        mean_velocity,
        diameter,
        u_lattice,
    );
    if units.mach > MACH_MAX {
        return Err(c.fail(
            "time",
            "lattice_velocity",
            format!(
                "lattice_velocity = {u_lattice} gives Mach {:.3} > {MACH_MAX}: compressibility \
                 errors grow as Ma^2 and the run may diverge",
                units.mach
            ),
            format!(
                "set lattice_velocity <= {:.3} (0.05 is a safe default)",
                MACH_MAX * crate::lbm::lattice::CS2.sqrt()
            ),
        ));
    }
    if units.tau < TAU_MIN {
        // τ − ½ = 3ν dt/dx² = 3ν u_lattice/(u_peak dx): finer voxels or a larger lattice
        // velocity raise it.
        let dx_needed = dx * (units.tau - 0.5) / (TAU_MIN - 0.5);
        return Err(c.fail(
            "grid",
            "voxel_size",
            format!(
                "relaxation time tau = {:.4} is too close to 1/2 (minimum {TAU_MIN}): the flow is \
                 under-resolved for its Reynolds number {:.0} and would be unstable",
                units.tau, units.reynolds
            ),
            {
                let u_needed = u_lattice * (TAU_MIN - 0.5) / (units.tau - 0.5);
                let u_max = MACH_MAX * crate::lbm::lattice::CS2.sqrt();
                let raise = if u_needed <= u_max {
                    format!(", or raise time.lattice_velocity to >= {u_needed:.3}")
                } else {
                    String::new()
                };
                format!(
                    "use a finer voxel_size (<= {dx_needed:.3e} m){raise}, or lower the inlet velocity"
                )
            },
        ));
    }

    let steps = match (scenario.time.duration, scenario.time.steps) {
        (Some(_), Some(_)) => {
            return Err(c.fail(
                "time",
                "steps",
                "both duration and steps are given".into(),
                "keep only one of duration [s] and steps".into(),
            ))
        }
        (None, None) => {
            return Err(c.fail(
                "time",
                "duration",
                "[time] needs duration or steps".into(),
                "add duration = <seconds> (or steps = <count>) to [time]".into(),
            ))
        }
        (Some(d), None) => {
            c.positive("time", "duration", d, "s")?;
            (d / units.dt_s).round().max(1.0) as u64
        }
        (None, Some(0)) => {
            return Err(c.fail(
                "time",
                "steps",
                "steps = 0: nothing would run".into(),
                "set steps to at least 1".into(),
            ))
        }
        (None, Some(n)) => n,
    };
    // An impulsive start sends a pressure wave through the vessel that a lattice close
    // to τ = ½ may not damp: let the inflow rise smoothly instead.
    let ramp_steps = match inlet.ramp_time {
        None => steps / 10,
        Some(t) if t.is_finite() && t >= 0.0 => (t / units.dt_s).round() as u64,
        Some(t) => {
            return Err(c.fail(
                "inlet",
                "ramp_time",
                format!("ramp_time = {t} s must be zero or positive"),
                "give the start-up time in seconds (0 starts at full flow)".into(),
            ))
        }
    };
    let output_every = match scenario.time.output_interval {
        Some(t) => {
            c.positive("time", "output_interval", t, "s")?;
            (t / units.dt_s).round().max(1.0) as u64
        }
        None => (steps / 100).max(1),
    };

    let lattice_rheology = rheology.map(|model| {
        let per_si = units.dt_s / (scenario.fluid.density * dx * dx);
        LatticeRheology {
            model,
            shear_rate_per_lattice: 1.0 / units.dt_s,
            lattice_viscosity_per_si: per_si,
            tau_min: 0.505,
            tau_max: (0.5 + 3.0 * viscosity_max * per_si).max(1.0),
        }
    });
    let (outlet_models, outlet_waveforms) =
        outlet_models(&c, &scenario, &built.voxels, &units, path)?;
    let particles = if scenario.injections.is_empty() {
        None
    } else {
        let spec = scenario.particles.clone().unwrap_or_default();
        let mut captures: Vec<Option<f64>> = Vec::new();
        for o in &built.voxels.openings {
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
                        "give the smallest particle diameter the bed beyond stops, e.g. 1.0e-4"
                            .into(),
                    ));
                }
            }
            captures.push(capture);
        }
        let tables = crate::particles::plan::ParticleTables {
            spec: &spec,
            agents: &scenario.agents,
            injections: &scenario.injections,
            magnets: &scenario.magnets,
            capture_diameters_m: &captures,
        };
        let (plan, settings) = crate::particles::plan::build(
            &tables,
            &built.voxels,
            &units,
            flow_rate,
            units.viscosity_m2_s * units.density_kg_m3,
        )
        .map_err(|e| c.fail(&e.table, &e.key, e.problem, e.fix))?;
        Some(crate::particles::ParticleRun {
            plan,
            settings,
            write_vtp: spec.write_vtp,
        })
    };
    let fields = super::outputs::field_plan(
        &scenario,
        &built.voxels,
        &units,
        &super::outputs::Timeline {
            output_every,
            ramp_steps,
            steps,
            period_s: waveform.period_s(),
        },
        particles.is_some(),
    )
    .map_err(|(table, key, problem, fix)| c.fail(table, key, problem, fix))?;
    let checkpoint = super::outputs::checkpoint_plan(&scenario, &units)
        .map_err(|(table, key, problem, fix)| c.fail(table, key, problem, fix))?;
    let render = super::outputs::render_plan(&scenario, &units, steps)
        .map_err(|(table, key, problem, fix)| c.fail(table, key, problem, fix))?;
    Ok(LoadedScenario {
        render,
        source: String::new(),
        fields,
        checkpoint,
        particles,
        path: path.to_path_buf(),
        scenario,
        voxels: built.voxels,
        beyond_openings: built.beyond_openings,
        units,
        flow_rate_m3_s: flow_rate,
        steps,
        output_every,
        ramp_steps,
        rheology: lattice_rheology,
        outlet_models,
        outlet_waveforms,
        waveform,
    })
}

/// Cell count of the straight ducts, known before voxelizing (other shapes are
/// checked when their grid is laid out).
fn estimate_cells(g: &Geometry, dx: f64) -> Option<f64> {
    match *g {
        Geometry::Cylinder { radius, length, .. } => {
            Some((2.0 * radius / dx + 2.0).powi(2) * (length / dx + 2.0))
        }
        Geometry::Channel {
            width,
            height,
            length,
            ..
        } => Some((width / dx + 2.0) * (height / dx + 2.0) * (length / dx + 2.0)),
        _ => None,
    }
}

/// Lattice outlet models for every opening, from [outlet] and [outlets.NAME].
/// Also returns, by schedule slot, the mean δρ and waveform of each outlet whose
/// pressure varies in time.
#[allow(clippy::type_complexity)]
fn outlet_models(
    c: &Checker,
    scenario: &Scenario,
    voxels: &geometry::Voxels,
    units: &LatticeUnits,
    path: &Path,
) -> Result<(Vec<OutletModel>, Vec<(f32, Waveform)>), ScenarioError> {
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
    Ok((models, waveforms))
}

/// The inflow waveform of `[inlet.waveform]`.
fn waveform(
    c: &Checker,
    spec: Option<&WaveformSpec>,
    t: &str,
    path: &Path,
) -> Result<Waveform, ScenarioError> {
    let period_ok = |p: f64| -> Result<f64, ScenarioError> {
        if p.is_finite() && p > 0.0 {
            Ok(p)
        } else {
            Err(c.fail(
                t,
                "period",
                format!("period = {p} s must be positive"),
                "give the cycle length in seconds, e.g. 0.8".into(),
            ))
        }
    };
    Ok(match spec {
        None => Waveform::Constant,
        Some(WaveformSpec::Sine { period, amplitude }) => Waveform::Fourier {
            period_s: period_ok(*period)?,
            cos: vec![],
            sin: vec![*amplitude],
        },
        Some(WaveformSpec::Fourier { period, cos, sin }) => Waveform::Fourier {
            period_s: period_ok(*period)?,
            cos: cos.clone(),
            sin: sin.clone(),
        },
        Some(WaveformSpec::Csv { file }) => {
            let full = path.parent().unwrap_or(Path::new(".")).join(file);
            let text = std::fs::read_to_string(&full).map_err(|e| {
                c.fail(
                    t,
                    "file",
                    format!("cannot read {}: {e}", full.display()),
                    "check the path (relative to the scenario file)".into(),
                )
            })?;
            let mut times = Vec::new();
            let mut flows = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let fields: Vec<&str> = line
                    .split([',', ';', '\t', ' '])
                    .filter(|f| !f.is_empty())
                    .collect();
                match (
                    fields.first().map(|f| f.parse::<f64>()),
                    fields.get(1).map(|f| f.parse::<f64>()),
                ) {
                    (Some(Ok(time)), Some(Ok(flow))) => {
                        times.push(time);
                        flows.push(flow);
                    }
                    _ if times.is_empty() => continue, // header
                    _ => {
                        return Err(c.fail(
                            t,
                            "file",
                            format!(
                                "{} line {}: expected `time [s], flow rate`",
                                full.display(),
                                n + 1
                            ),
                            "two numbers per row, comma separated".into(),
                        ))
                    }
                }
            }
            Waveform::from_samples(&times, &flows, 256).map_err(|e| {
                c.fail(
                    t,
                    "file",
                    format!("{}: {e}", full.display()),
                    "give one cycle of (time, flow) samples".into(),
                )
            })?
        }
    })
}
