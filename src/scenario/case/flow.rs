//! The second stage of a case: the fluid, the inflow and the lattice units, and the
//! timeline (steps, start-up ramp, output interval). Every number that decides
//! stability (Mach, τ) is checked here, with a fix that names the key to change.

use super::checker::Checker;
use super::geometry::MIN_CELLS_ACROSS_HALF;
use super::waveform::waveform;
use crate::geometry::Voxels;
use crate::lbm::rheology::{LatticeRheology, ViscosityModel};
use crate::lbm::waveform::Waveform;
use crate::scenario::error::ScenarioError;
use crate::scenario::schema::{
    CollisionName, Geometry, Inlet, Profile, RheologySpec, Scenario, StopAt,
};
use crate::units::{LatticeUnits, MACH_MAX};
use std::f64::consts::PI;

/// The flow of a case in lattice terms.
pub struct FlowPlan {
    pub units: LatticeUnits,
    /// The narrowest section the geometry declares, when narrower than the inlet.
    pub throat: Option<Throat>,
    /// Inlet flow rate [m³/s].
    pub flow_rate_m3_s: f64,
    pub waveform: Waveform,
    pub rheology: Option<LatticeRheology>,
    pub steps: u64,
    pub ramp_steps: u64,
    pub output_every: u64,
}

/// The narrowest section of a vessel that narrows (stenosis, taper, nozzle), and the
/// flow there by continuity: the peak speed grows with the area ratio (the profile's
/// peak factor kept, which overestimates it where the throat's profile is flatter)
/// and the Reynolds number with its square root (U D ∝ 1/r).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throat {
    /// Lumen radius there [m].
    pub radius_m: f64,
    /// Inlet area over throat area.
    pub area_ratio: f64,
    /// Peak speed there [m/s] and in lattice units, its Mach number.
    pub peak_velocity_m_s: f64,
    pub peak_velocity_lattice: f64,
    pub mach: f64,
    /// Reynolds number of the mean flow through the throat's diameter.
    pub reynolds: f64,
    /// Measured on the voxels (a surface or mask) rather than declared by the shape.
    pub from_voxels: bool,
}

/// A throat measured on the voxels counts from this inlet-to-throat area ratio: the
/// staircase leaves the measured radii uncertain by a few tenths of a cell.
const VOXEL_THROAT_MIN_AREA_RATIO: f64 = 1.2;

impl Throat {
    /// The section narrower than the inlet that the geometry declares, or for shapes
    /// that declare none, the one measured on the voxels between a lone inlet and a
    /// lone outlet (`geometry::throat`); `None` without one.
    pub fn of(
        geometry: &Geometry,
        voxels: &Voxels,
        inlet_area_m2: f64,
        units: &LatticeUnits,
    ) -> Option<Self> {
        let (radius_m, area_ratio, from_voxels) = match narrowest_radius(geometry) {
            Some(r) => (r, inlet_area_m2 / (PI * r * r), false),
            None => {
                let b = crate::geometry::throat::bottleneck(voxels)?;
                // A throat under a cell across is unresolved; count it as half a cell.
                let throat = b.throat_radius_cells.max(0.5);
                let ratio = (b.inlet_radius_cells / throat).powi(2);
                if ratio < VOXEL_THROAT_MIN_AREA_RATIO {
                    return None;
                }
                (throat * voxels.voxel_size_m, ratio, true)
            }
        };
        (area_ratio > 1.0 + 1e-9).then(|| Throat {
            radius_m,
            area_ratio,
            from_voxels,
            peak_velocity_m_s: units.peak_velocity_m_s * area_ratio,
            peak_velocity_lattice: units.peak_velocity_lattice * area_ratio,
            mach: units.mach * area_ratio,
            reynolds: units.reynolds * area_ratio.sqrt(),
        })
    }
}

/// The smallest lumen radius a primitive declares, or a union of tapered tubes joined
/// end to start (a nozzle: all the flow passes each part); `None` for shapes whose
/// narrowest section does not carry the whole flow (branches) or is not declared
/// (surfaces, masks).
fn narrowest_radius(geometry: &Geometry) -> Option<f64> {
    match geometry {
        Geometry::Cylinder { radius, .. } => Some(*radius),
        Geometry::Tapered {
            start_radius,
            end_radius,
            ..
        } => Some(start_radius.min(*end_radius)),
        Geometry::Tube { radii, .. } => radii.iter().copied().reduce(f64::min),
        Geometry::Stenosis {
            radius,
            area_reduction_percent,
            ..
        } => Some(radius * (1.0 - area_reduction_percent / 100.0).max(0.0).sqrt()),
        Geometry::Union { parts } if is_chain(parts) => {
            parts.iter().filter_map(narrowest_radius).reduce(f64::min)
        }
        _ => None,
    }
}

/// Whether `parts` are tapered tubes, each starting where the one before ends.
fn is_chain(parts: &[Geometry]) -> bool {
    let ends: Option<Vec<([f64; 3], [f64; 3])>> = parts
        .iter()
        .map(|p| match p {
            Geometry::Tapered { start, end, .. } => Some((*start, *end)),
            _ => None,
        })
        .collect();
    ends.is_some_and(|e| {
        !e.is_empty()
            && e.windows(2).all(|w| {
                let gap: f64 = (0..3).map(|k| (w[1].0[k] - w[0].1[k]).powi(2)).sum();
                gap.sqrt() < 1e-9
            })
    })
}

/// The viscosity law of [fluid], `None` for a Newtonian fluid.
pub fn rheology(c: &Checker, scenario: &Scenario) -> Result<Option<ViscosityModel>, ScenarioError> {
    c.positive("fluid", "density", scenario.fluid.density, "kg/m^3")?;
    c.positive("fluid", "viscosity", scenario.fluid.viscosity, "Pa·s")?;
    match &scenario.fluid.rheology {
        None => Ok(None),
        Some(RheologySpec::Preset(name)) => match ViscosityModel::preset(name) {
            Some(ViscosityModel::Newtonian { .. }) => Ok(None),
            Some(model) => Ok(Some(model)),
            None => Err(c.fail(
                "fluid",
                "rheology",
                format!("unknown rheology preset {name:?}"),
                "use \"carreau\" (Cho-Kensey), \"carreau-yasuda\" (Boyd), \"casson\" or \"newtonian\", or a table with model = ...".into(),
            )),
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
            Ok(Some(*model))
        }
    }
}

/// The [inlet] section, which every flow needs.
pub fn inlet(c: &Checker, scenario: &Scenario) -> Result<Inlet, ScenarioError> {
    scenario.inlet.clone().ok_or_else(|| {
        c.fail(
            "inlet",
            "mean_velocity",
            "the scenario has no [inlet] section: the flow needs a driving velocity".into(),
            "add\n    [inlet]\n    mean_velocity = 0.1   # m/s (or flow_rate in m^3/s)\n    profile = \"parabolic\"".into(),
        )
    })
}

/// The inlet's hydraulic diameter [m], its half-extent [m] and the ratio of its
/// peak to its mean velocity.
fn inlet_shape(scenario: &Scenario, inlet: &Inlet, area_m2: f64) -> (f64, f64, f64) {
    match (&scenario.geometry, inlet.profile) {
        (Geometry::Channel { width, height, .. }, profile) => (
            2.0 * width * height / (width + height),
            0.5 * width.min(*height),
            if profile != Profile::Plug { 2.25 } else { 1.0 },
        ),
        (_, profile) => {
            let r = (area_m2 / PI).sqrt();
            (2.0 * r, r, if profile != Profile::Plug { 2.0 } else { 1.0 })
        }
    }
}

/// The inlet flow rate [m³/s] from mean_velocity or flow_rate; for a pressure-driven
/// inlet the flow the source would drive with the vessel's own resistance negligible,
/// (p_source − p_lowest)/(R + R_beds), an upper bound that sets the time step
/// (`beds`: the outlets' beds in parallel and the lowest pressure they drain into,
/// `outlets::beds_seen_by_the_source`).
fn flow_rate(
    c: &Checker,
    inlet: &Inlet,
    beds: (f64, f64),
    area_m2: f64,
) -> Result<f64, ScenarioError> {
    if let Some(p) = inlet.pressure {
        return pressure_driven_flow_rate(c, inlet, p, beds);
    }
    if inlet.pressure_waveform.is_some() {
        return Err(c.fail(
            "inlet",
            "pressure_waveform",
            "pressure_waveform belongs to a pressure-driven inlet, which needs `pressure`".into(),
            "give pressure and resistance, or use `waveform` to make a velocity inlet pulsatile"
                .into(),
        ));
    }
    if let Some(key) = [
        ("resistance", inlet.resistance),
        ("compliance", inlet.compliance),
    ]
    .iter()
    .find_map(|(k, v)| v.map(|_| *k))
    {
        return Err(c.fail(
            "inlet",
            key,
            format!("{key} belongs to a pressure-driven inlet, which needs `pressure`"),
            "add pressure = <Pa> (the upstream circulation's pressure) or remove the key".into(),
        ));
    }
    match (inlet.mean_velocity, inlet.flow_rate) {
        (Some(_), Some(_)) => Err(c.fail(
            "inlet",
            "flow_rate",
            "both mean_velocity and flow_rate are given; they would contradict".into(),
            "keep only one of mean_velocity [m/s] and flow_rate [m^3/s]".into(),
        )),
        (None, None) => Err(c.fail(
            "inlet",
            "mean_velocity",
            "[inlet] needs mean_velocity or flow_rate".into(),
            "add mean_velocity = <m/s> or flow_rate = <m^3/s> to [inlet]".into(),
        )),
        (Some(u), None) => {
            c.positive("inlet", "mean_velocity", u, "m/s")?;
            Ok(u * area_m2)
        }
        (None, Some(q)) => {
            c.positive("inlet", "flow_rate", q, "m^3/s")?;
            Ok(q)
        }
    }
}

/// (p_source − p_lowest)/(R + R_beds) for a pressure-driven inlet, after checking its
/// keys; `beds` = (R_beds, p_lowest).
fn pressure_driven_flow_rate(
    c: &Checker,
    inlet: &Inlet,
    source_pa: f64,
    (beds_resistance, outlet_pressure): (f64, f64),
) -> Result<f64, ScenarioError> {
    if let Some(key) = [
        ("mean_velocity", inlet.mean_velocity.is_some()),
        ("flow_rate", inlet.flow_rate.is_some()),
        ("waveform", inlet.waveform.is_some()),
    ]
    .iter()
    .find_map(|(k, given)| given.then_some(*k))
    {
        return Err(c.fail(
            "inlet",
            key,
            format!("a pressure-driven inlet (`pressure` given) takes no {key}: the pressure and resistance set the flow"),
            format!("remove {key} (a pulsatile source takes pressure_waveform), or remove pressure/resistance for a velocity inlet"),
        ));
    }
    let Some(resistance) = inlet.resistance else {
        return Err(c.fail(
            "inlet",
            "resistance",
            "a pressure-driven inlet needs the upstream resistance".into(),
            "add resistance = <Pa s/m^3> (e.g. the upstream pressure drop over the expected flow)"
                .into(),
        ));
    };
    c.positive("inlet", "resistance", resistance, "Pa s/m^3")?;
    if let Some(compliance) = inlet.compliance {
        c.positive("inlet", "compliance", compliance, "m^3/Pa")?;
    }
    if !(source_pa.is_finite() && source_pa > outlet_pressure) {
        return Err(c.fail(
            "inlet",
            "pressure",
            format!("the source pressure {source_pa} Pa does not exceed the outlet pressure {outlet_pressure} Pa: nothing would flow in"),
            "give the upstream pressure in Pa (gauge, e.g. 12000 for 90 mmHg) above [outlet] pressure".into(),
        ));
    }
    // A pulsatile source reaches its peak factor: that flow sets the time step.
    let peak = match &inlet.pressure_waveform {
        Some(w) => waveform(c, Some(w), "inlet.pressure_waveform", c.path)?.max_abs_factor(),
        None => 1.0,
    };
    Ok(
        (source_pa * peak - outlet_pressure).max(source_pa - outlet_pressure)
            / (resistance + beds_resistance),
    )
}

/// `[time] stop_at = "stasis"` needs an inflow that can fall (a pressure-driven
/// inlet) and particles to close the vessel; `after_stasis` belongs to it.
fn check_stop_at(c: &Checker, scenario: &Scenario, inlet: &Inlet) -> Result<(), ScenarioError> {
    let time = &scenario.time;
    match (time.stop_at, time.after_stasis) {
        (None, Some(_)) => Err(c.fail(
            "time",
            "after_stasis",
            "after_stasis belongs to stop_at = \"stasis\", which is not set".into(),
            "add stop_at = \"stasis\" or remove after_stasis".into(),
        )),
        (Some(_), Some(t)) if !(t.is_finite() && t >= 0.0) => Err(c.fail(
            "time",
            "after_stasis",
            format!("after_stasis must be a time of 0 s or more, not {t}"),
            "give the seconds to go on after stasis, e.g. after_stasis = 0.2".into(),
        )),
        (Some(StopAt::Stasis), _) if !inlet.pressure_driven() => Err(c.fail(
            "time",
            "stop_at",
            "stop_at = \"stasis\" needs an inflow that can fall: a velocity inlet imposes its flow however the vessel closes".into(),
            "drive the inlet by pressure ([inlet] pressure = <Pa>, resistance = <Pa s/m^3>)".into(),
        )),
        (Some(StopAt::Stasis), _) if scenario.injections.is_empty() => Err(c.fail(
            "time",
            "stop_at",
            "stop_at = \"stasis\" waits for particles to close the vessel, and the scenario injects none".into(),
            "add [[injections]] or remove stop_at".into(),
        )),
        _ => Ok(()),
    }
}

/// Largest density deviation a pressure-driven inlet may impose at stasis: the whole
/// source pressure then stands in the vessel, and the lattice fluid's compressibility
/// error grows with δρ (10% keeps it weakly compressible).
pub const MAX_STASIS_DELTA_DENSITY: f64 = 0.1;

/// A pressure-driven inlet's source pressure must stay weakly compressible in the
/// lattice when it stands in a closed vessel: δρ = (p_source − p_outlet)/(ρ c_s²) in
/// lattice units, which falls with the square of the time step.
fn check_stasis_pressure(
    c: &Checker,
    scenario: &Scenario,
    inlet: &Inlet,
    units: &LatticeUnits,
) -> Result<(), ScenarioError> {
    let Some(source) = inlet.pressure else {
        return Ok(());
    };
    let delta = units.pressure_to_delta_density(source - scenario.outlet.pressure);
    if delta <= MAX_STASIS_DELTA_DENSITY {
        return Ok(());
    }
    let u = scenario.time.lattice_velocity;
    Err(c.fail(
        "time",
        "lattice_velocity",
        format!(
            "at stasis the inlet's source pressure stands in the vessel: {:.0} Pa is a density deviation of {delta:.3} in lattice units (at most {MAX_STASIS_DELTA_DENSITY})",
            source - scenario.outlet.pressure
        ),
        format!(
            "set lattice_velocity <= {:.4} (a shorter time step), or a lower source pressure",
            u * (MAX_STASIS_DELTA_DENSITY / delta).sqrt()
        ),
    ))
}

/// The settings of [outlet] and [lbm] that must be finite and positive.
fn numerics(c: &Checker, scenario: &Scenario) -> Result<(), ScenarioError> {
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
    Ok(())
}

/// Mach and τ within the stable range, or the key to change and by how much.
fn check_stability(
    c: &Checker,
    units: &LatticeUnits,
    throat: Option<&Throat>,
    dx: f64,
    u_lattice: f64,
    collision: CollisionName,
) -> Result<(), ScenarioError> {
    let tau_min = collision.tau_floor();
    // The largest lattice_velocity the narrowest section allows.
    let area_ratio = throat.map_or(1.0, |t| t.area_ratio);
    let u_max = MACH_MAX * crate::lbm::lattice::CS2.sqrt() / area_ratio;
    if let Some(t) = throat.filter(|t| t.mach > MACH_MAX) {
        return Err(c.fail(
            "time",
            "lattice_velocity",
            format!(
                "the narrowest section (radius {:.3e} m, 1/{:.1} of the inlet's area) carries \
                 about {:.3} m/s by continuity: lattice speed {:.3}, Mach {:.3} > {MACH_MAX} \
                 (Re {:.0} there); the run would diverge in the throat",
                t.radius_m,
                t.area_ratio,
                t.peak_velocity_m_s,
                t.peak_velocity_lattice,
                t.mach,
                t.reynolds
            ),
            format!(
                "set lattice_velocity <= {u_max:.4} (tau then {:.4}; refine voxel_size if that \
                 falls below {tau_min})",
                0.5 + (units.tau - 0.5) * u_max / u_lattice
            ),
        ));
    }
    if units.mach > MACH_MAX {
        return Err(c.fail(
            "time",
            "lattice_velocity",
            format!(
                "lattice_velocity = {u_lattice} gives Mach {:.3} > {MACH_MAX}: compressibility \
                 errors grow as Ma^2 and the run may diverge",
                units.mach
            ),
            format!("set lattice_velocity <= {u_max:.3} (0.05 is a safe default)"),
        ));
    }
    if units.tau < tau_min {
        // τ − ½ = 3ν dt/dx² = 3ν u_lattice/(u_peak dx): finer voxels or a larger lattice
        // velocity raise it.
        let dx_needed = dx * (units.tau - 0.5) / (tau_min - 0.5);
        let u_needed = u_lattice * (tau_min - 0.5) / (units.tau - 0.5);
        let raise = if u_needed <= u_max {
            format!(", or raise time.lattice_velocity to >= {u_needed:.3}")
        } else {
            String::new()
        };
        let operator = if collision == CollisionName::Regularized {
            String::new()
        } else {
            let floor = crate::lbm::CollisionModel::Regularized.tau_floor();
            format!(
                ", or set [lbm] collision = \"regularized\" (stable down to tau {floor}{})",
                if units.tau >= floor {
                    ", which this flow meets"
                } else {
                    ""
                }
            )
        };
        return Err(c.fail(
            "grid",
            "voxel_size",
            format!(
                "relaxation time tau = {:.4} is too close to 1/2 (minimum {tau_min} for this \
                 collision operator): the flow is under-resolved for its Reynolds number {:.0} \
                 and would be unstable",
                units.tau, units.reynolds
            ),
            format!(
                "use a finer voxel_size (<= {dx_needed:.3e} m){raise}, or lower the inlet velocity{operator}"
            ),
        ));
    }
    Ok(())
}

/// The flow through the vessel `voxels`: inflow, lattice units, rheology in lattice
/// terms and the timeline. `viscosity_law` and `inlet` come checked from
/// [`rheology`] and [`inlet`].
pub fn plan(
    c: &Checker,
    scenario: &Scenario,
    viscosity_law: Option<ViscosityModel>,
    inlet: &Inlet,
    voxels: &Voxels,
) -> Result<FlowPlan, ScenarioError> {
    // τ and the stability checks use the lowest viscosity the fluid reaches.
    let (viscosity_min, viscosity_max) = viscosity_law
        .map_or((scenario.fluid.viscosity, scenario.fluid.viscosity), |m| {
            m.viscosity_range()
        });
    let dx = scenario.grid.voxel_size;
    let area = voxels
        .inlets()
        .next()
        .expect("geometry::build guarantees an inlet")
        .nominal_area_m2;
    let (diameter, half_extent, peak_factor) = inlet_shape(scenario, inlet, area);
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
    let beds = if inlet.pressure.is_some() {
        super::outlets::beds_seen_by_the_source(c, scenario, voxels)?
    } else {
        (0.0, scenario.outlet.pressure)
    };
    let flow_rate = flow_rate(c, inlet, beds, area)?;
    numerics(c, scenario)?;
    let waveform = waveform(c, inlet.waveform.as_ref(), "inlet.waveform", c.path)?;
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
    let throat = Throat::of(&scenario.geometry, voxels, area, &units);
    check_stability(
        c,
        &units,
        throat.as_ref(),
        dx,
        u_lattice,
        scenario.lbm.collision,
    )?;
    check_stasis_pressure(c, scenario, inlet, &units)?;
    check_stop_at(c, scenario, inlet)?;
    let longest_side = voxels.dims.nx.max(voxels.dims.ny).max(voxels.dims.nz);
    let (steps, ramp_steps, output_every) = timeline(c, scenario, inlet, &units, longest_side)?;
    let rheology = viscosity_law.map(|model| {
        let per_si = units.dt_s / (scenario.fluid.density * dx * dx);
        LatticeRheology {
            model,
            shear_rate_per_lattice: 1.0 / units.dt_s,
            lattice_viscosity_per_si: per_si,
            tau_min: 0.505,
            tau_max: (0.5 + 3.0 * viscosity_max * per_si).max(1.0),
        }
    });
    Ok(FlowPlan {
        units,
        throat,
        flow_rate_m3_s: flow_rate,
        waveform,
        rheology,
        steps,
        ramp_steps,
        output_every,
    })
}

/// Most time steps a run may ask for: 1e12 steps of even a million cells take a
/// year at the fastest published LBM rates; more is a typo (or a duration given in
/// the wrong unit), and would not fit the step counters' conversions.
pub const MAX_STEPS: u64 = 1_000_000_000_000;

/// (steps to run, steps of the inflow ramp, steps between metrics rows).
fn timeline(
    c: &Checker,
    scenario: &Scenario,
    inlet: &Inlet,
    units: &LatticeUnits,
    longest_side_cells: usize,
) -> Result<(u64, u64, u64), ScenarioError> {
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
            let steps = (d / units.dt_s).round().max(1.0);
            if steps > MAX_STEPS as f64 {
                return Err(c.fail(
                    "time",
                    "duration",
                    format!(
                        "duration = {d:e} s is {steps:.3e} time steps of {:.4e} s",
                        units.dt_s
                    ),
                    format!(
                        "give a duration of at most {MAX_STEPS:.0e} steps ({:.3e} s here)",
                        MAX_STEPS as f64 * units.dt_s
                    ),
                ));
            }
            steps as u64
        }
        (None, Some(0)) => {
            return Err(c.fail(
                "time",
                "steps",
                "steps = 0: nothing would run".into(),
                "set steps to at least 1".into(),
            ))
        }
        (None, Some(n)) if n > MAX_STEPS => {
            return Err(c.fail(
                "time",
                "steps",
                format!("steps = {n} is more than any run can do"),
                format!("give at most {MAX_STEPS:.0e} steps"),
            ))
        }
        (None, Some(n)) => n,
    };
    // An impulsive start sends a pressure wave through the vessel that a lattice close
    // to τ = ½ may not damp: let the inflow rise smoothly instead. A pressure-driven
    // source rises over four sound transits of the grid by default: the vessel fills
    // quasi-statically, and the flow then settles on its own time scale.
    let ramp_steps = match inlet.ramp_time {
        None if inlet.pressure_driven() => {
            (crate::lbm::outlets::wave_filter_steps(longest_side_cells) as u64).min(steps)
        }
        None => steps / 10,
        Some(t) if t.is_finite() && t >= 0.0 => {
            (t / units.dt_s).round().min(MAX_STEPS as f64) as u64
        }
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
            (t / units.dt_s).round().clamp(1.0, steps as f64) as u64
        }
        None => (steps / 100).max(1),
    };
    Ok((steps, ramp_steps, output_every))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tapered(start_radius: f64, end_radius: f64) -> Geometry {
        Geometry::Tapered {
            start: [0.0; 3],
            end: [0.0, 0.0, 0.01],
            start_radius,
            end_radius,
        }
    }

    /// A chain of tapered tubes takes its narrowest part (the FDA nozzle's 2 mm
    /// throat behind a 6 mm tube); a union with a side branch, and surfaces, none.
    #[test]
    fn the_narrowest_radius_of_primitives_and_unions() {
        assert_eq!(narrowest_radius(&tapered(3e-3, 1e-3)), Some(1e-3));
        let part = |z0: f64, z1: f64, r0: f64, r1: f64| Geometry::Tapered {
            start: [0.0, 0.0, z0],
            end: [0.0, 0.0, z1],
            start_radius: r0,
            end_radius: r1,
        };
        let nozzle = Geometry::Union {
            parts: vec![
                part(0.0, 0.01, 6e-3, 6e-3),
                part(0.01, 0.02, 6e-3, 2e-3),
                part(0.02, 0.03, 2e-3, 2e-3),
            ],
        };
        assert_eq!(narrowest_radius(&nozzle), Some(2e-3));
        let branched = Geometry::Union {
            parts: vec![part(0.0, 0.02, 6e-3, 6e-3), part(0.01, 0.03, 2e-3, 2e-3)],
        };
        assert_eq!(narrowest_radius(&branched), None);
        let stenosis = Geometry::Stenosis {
            radius: 1e-3,
            length: 1e-2,
            axis: crate::geometry::Axis::Z,
            area_reduction_percent: 75.0,
            stenosis_length: 2e-3,
            position: 0.5,
        };
        assert!((narrowest_radius(&stenosis).unwrap() - 5e-4).abs() < 1e-15);
    }
}
