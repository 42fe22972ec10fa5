//! Scenario tables for particles, in SI units: `[particles]` (model switches),
//! `[agents.NAME]` (custom agents), `[[injections]]` and `[[magnets]]`.

use serde::{Deserialize, Serialize};

/// `[particles]`: how agents move, lodge and occlude.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParticlesSpec {
    /// Seed of the generator for sizes, release positions and sticking.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Gravitational acceleration [m/s²] in the scenario's frame.
    #[serde(default = "default_gravity")]
    pub gravity: [f64; 3],
    /// Added mass (C_m = ½) in the particle's inertia.
    #[serde(default = "default_true")]
    pub added_mass: bool,
    /// Fluid-acceleration (pressure-gradient) force (1 + C_m) ρ V (u·∇)u.
    #[serde(default)]
    pub pressure_gradient: bool,
    /// Saffman shear lift.
    #[serde(default)]
    pub lift: bool,
    /// Steps between updates of the occlusion the flow sees (1: every step).
    #[serde(default = "default_interval")]
    pub occlusion_interval: u64,
    /// Solid volume fraction at which a cell becomes wall.
    #[serde(default = "default_wall_fraction")]
    pub wall_fraction: f64,
    /// Solid volume fraction at which lodged material counts as packed: it narrows the
    /// lumen like wall for the particles that follow (packing behind a plug).
    #[serde(default = "default_blocking_fraction")]
    pub blocking_fraction: f64,
    /// A particle lodges at lodged material where the lumen is narrower than this many
    /// diameters (bridging; Marin et al. 2018: intermittent clogging below ~3-5).
    #[serde(default = "default_bridging_ratio")]
    pub bridging_ratio: f64,
    /// Deep-bed filtration: the attachment efficiency α (0 to 1) of a particle that
    /// meets a lodged grain inside packed material it can pass; 0 turns filtration off
    /// (docs/particles.md, "Filtration").
    #[serde(default = "default_attachment_efficiency")]
    pub attachment_efficiency: f64,
    /// Write the particles as VTK PolyData (particles/*.vtp + particles.pvd) at every
    /// output.
    #[serde(default = "default_true")]
    pub write_vtp: bool,
}

fn default_seed() -> u64 {
    1
}
fn default_gravity() -> [f64; 3] {
    [0.0, 0.0, -9.81]
}
fn default_true() -> bool {
    true
}
fn default_interval() -> u64 {
    1
}
fn default_wall_fraction() -> f64 {
    0.5
}
fn default_blocking_fraction() -> f64 {
    0.3
}
fn default_bridging_ratio() -> f64 {
    3.0
}
fn default_attachment_efficiency() -> f64 {
    1.0
}

impl Default for ParticlesSpec {
    fn default() -> Self {
        ParticlesSpec {
            seed: default_seed(),
            gravity: default_gravity(),
            added_mass: true,
            pressure_gradient: false,
            lift: false,
            occlusion_interval: default_interval(),
            wall_fraction: default_wall_fraction(),
            blocking_fraction: default_blocking_fraction(),
            bridging_ratio: default_bridging_ratio(),
            attachment_efficiency: default_attachment_efficiency(),
            write_vtp: true,
        }
    }
}

/// `[[injections]]`: one release of one agent.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InjectionSpec {
    /// A preset name (`y90_glass`, `beads_300_500`, …) or an `[agents.NAME]` table.
    pub agent: String,
    /// Start of the release [s].
    #[serde(default)]
    pub start: f64,
    /// Length of the release window [s].
    pub duration: f64,
    /// Particles released in all; or give `rate` or `volume_fraction`.
    #[serde(default)]
    pub count: Option<u64>,
    /// Particles per second while injecting.
    #[serde(default)]
    pub rate: Option<f64>,
    /// Particle volume per volume of inflow (the inlet's mean flow).
    #[serde(default)]
    pub volume_fraction: Option<f64>,
    /// Catheter tip [m]; without it particles enter across `opening`.
    #[serde(default)]
    pub tip: Option<[f64; 3]>,
    /// Direction the catheter points; default: along the inlet's inward normal.
    #[serde(default)]
    pub direction: Option<[f64; 3]>,
    /// Radius of the release disc at the tip [m] (a microcatheter's lumen).
    #[serde(default = "default_catheter_radius")]
    pub catheter_radius: f64,
    /// Opening whose cross-section releases particles when no tip is given; default
    /// the inlet.
    #[serde(default)]
    pub opening: Option<String>,
    /// Injection speed along `direction` [m/s]; default: particles start at rest and
    /// take up the flow within their response time.
    #[serde(default)]
    pub speed: f64,
    /// Pulsed injection: on for `pulse_on` seconds, off for `pulse_off`, repeated.
    #[serde(default)]
    pub pulse_on: Option<f64>,
    #[serde(default)]
    pub pulse_off: Option<f64>,
}

fn default_catheter_radius() -> f64 {
    2.5e-4
}

/// `[[magnets]]`: external magnets acting on magnetic agents.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MagnetSpec {
    /// A point dipole of moment `moment` [A·m²] at `position` [m].
    Dipole {
        position: [f64; 3],
        moment: [f64; 3],
    },
    /// A uniform field magnitude `field` [T] with a uniform gradient of |B|,
    /// `gradient` [T/m]: a constant force on magnetic agents.
    Gradient { field: f64, gradient: [f64; 3] },
}

/// `[catheter]`: a catheter in the lumen. Its body is wall for the flow and the
/// particles; an injection flow leaves its tip; `[[injections]]` without a `tip`
/// release from it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatheterSpec {
    /// Centre of the tip's face [m].
    pub tip: [f64; 3],
    /// Direction the catheter points (out of the tip); default: along the inlet's
    /// inward normal.
    #[serde(default)]
    pub direction: Option<[f64; 3]>,
    /// Outer radius [m]; default 0.45 mm (a 2.7 F microcatheter).
    #[serde(default = "default_outer_radius")]
    pub outer_radius: f64,
    /// Radius of its lumen [m]; default 0.265 mm (0.021 in inner diameter).
    #[serde(default = "default_inner_radius")]
    pub inner_radius: f64,
    /// `end_hole` (a plain tip) or `antireflux` (a tip that seals the vessel around
    /// the catheter against backflow while letting forward flow pass).
    #[serde(default)]
    pub tip_kind: TipKind,
    /// Injection flow through the catheter [m³/s] (1 mL/min = 1.667e-8 m³/s).
    #[serde(default)]
    pub flow_rate: f64,
    /// Start of the injection flow [s]; default: the first `[[injections]]` release
    /// (0 without injections).
    #[serde(default)]
    pub start: Option<f64>,
    /// Length of the injection flow [s]; default: until the last release ends (to
    /// the end of the run without injections).
    #[serde(default)]
    pub duration: Option<f64>,
    /// A particle counts as refluxed once it is this far upstream of the tip [m];
    /// default 1 mm.
    #[serde(default = "default_reflux_distance")]
    pub reflux_distance: f64,
}

fn default_outer_radius() -> f64 {
    4.5e-4
}
fn default_inner_radius() -> f64 {
    2.65e-4
}
fn default_reflux_distance() -> f64 {
    1e-3
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TipKind {
    #[default]
    EndHole,
    Antireflux,
}

/// `[target]`: the branches the injection is meant for; particles lodged in or
/// leaving through any other outlet's branch are non-target embolization.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Outlet names.
    pub branches: Vec<String>,
}
