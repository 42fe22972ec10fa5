//! The scenario file format (TOML, SI units). Every key is documented in
//! docs/scenario.md; unknown keys are rejected so typos never pass silently.

use crate::geometry::Axis;
use crate::lbm::collision::TRT_MAGIC_DEFAULT;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Free text shown in results.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub fluid: Fluid,
    pub grid: Grid,
    pub time: Time,
    pub geometry: Geometry,
    /// Required; optional here only so that its absence gets a clear message.
    #[serde(default)]
    pub inlet: Option<Inlet>,
    #[serde(default)]
    pub outlet: Outlet,
    #[serde(default)]
    pub lbm: Lbm,
}

/// Newtonian fluid; defaults are whole blood (REFERENCES.md: 1060 kg/m³, 0.0035 Pa·s).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fluid {
    /// Density [kg/m³].
    #[serde(default = "default_density")]
    pub density: f64,
    /// Dynamic viscosity [Pa·s].
    #[serde(default = "default_viscosity")]
    pub viscosity: f64,
}

fn default_density() -> f64 {
    1060.0
}
fn default_viscosity() -> f64 {
    0.0035
}

impl Default for Fluid {
    fn default() -> Self {
        Fluid {
            density: default_density(),
            viscosity: default_viscosity(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Edge of one cubic voxel [m].
    pub voxel_size: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Time {
    /// Simulated time [s]; give this or `steps`.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Number of time steps; give this or `duration`.
    #[serde(default)]
    pub steps: Option<u64>,
    /// Time between rows of metrics.csv [s]; default: 1/100 of the run.
    #[serde(default)]
    pub output_interval: Option<f64>,
    /// Peak inlet velocity in lattice units; sets the time step dt = u_lattice·dx/u_peak.
    #[serde(default = "default_lattice_velocity")]
    pub lattice_velocity: f64,
}

fn default_lattice_velocity() -> f64 {
    0.05
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case", deny_unknown_fields)]
pub enum Geometry {
    /// Straight circular vessel.
    Cylinder {
        /// Lumen radius [m].
        radius: f64,
        /// Length between inlet and outlet [m].
        length: f64,
        /// Direction of flow, inlet at the low end.
        #[serde(default = "default_axis")]
        axis: Axis,
    },
    /// Straight rectangular channel.
    Channel {
        /// Extent across the first transverse axis [m] (y for axis x, z for y, x for z).
        width: f64,
        /// Extent across the second transverse axis [m].
        height: f64,
        length: f64,
        #[serde(default = "default_axis")]
        axis: Axis,
    },
}

fn default_axis() -> Axis {
    Axis::Z
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The same velocity over the whole opening.
    Plug,
    /// Fully developed laminar shape (Hagen–Poiseuille for circles).
    #[default]
    Parabolic,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Inlet {
    /// Mean velocity over the opening [m/s]; give this or `flow_rate`.
    #[serde(default)]
    pub mean_velocity: Option<f64>,
    /// Volumetric flow rate [m³/s]; give this or `mean_velocity`.
    #[serde(default)]
    pub flow_rate: Option<f64>,
    #[serde(default)]
    pub profile: Profile,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outlet {
    /// Gauge pressure held at the outlet [Pa].
    #[serde(default)]
    pub pressure: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CollisionName {
    #[default]
    Trt,
    Bgk,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Lbm {
    #[serde(default)]
    pub collision: CollisionName,
    /// TRT magic parameter Λ.
    #[serde(default = "default_magic")]
    pub magic: f64,
    /// Body-force density [N/m³], e.g. a pressure gradient or gravity·ρ.
    #[serde(default)]
    pub body_force: [f64; 3],
}

fn default_magic() -> f64 {
    TRT_MAGIC_DEFAULT
}

impl Default for Lbm {
    fn default() -> Self {
        Lbm {
            collision: CollisionName::Trt,
            magic: default_magic(),
            body_force: [0.0; 3],
        }
    }
}
