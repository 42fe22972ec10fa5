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
    /// Per-outlet conditions by opening name, overriding [outlet].
    #[serde(default)]
    pub outlets: std::collections::BTreeMap<String, OutletSpec>,
    #[serde(default)]
    pub lbm: Lbm,
    /// Particle model switches; particles run when `injections` is not empty.
    #[serde(default)]
    pub particles: Option<crate::particles::spec::ParticlesSpec>,
    /// Custom agents by name.
    #[serde(default)]
    pub agents: std::collections::BTreeMap<String, crate::particles::agents::Agent>,
    #[serde(default)]
    pub injections: Vec<crate::particles::spec::InjectionSpec>,
    #[serde(default)]
    pub magnets: Vec<crate::particles::spec::MagnetSpec>,
    /// A catheter in the lumen: its body, its injection flow and reflux counting.
    #[serde(default)]
    pub catheter: Option<crate::particles::spec::CatheterSpec>,
    /// The branches an injection is meant for (non-target embolization elsewhere).
    #[serde(default)]
    pub target: Option<crate::particles::spec::TargetSpec>,
    /// Field output (VTK ImageData) and wall shear stress averaging.
    #[serde(default)]
    pub fields: FieldsSpec,
    /// Periodic checkpoints for `embolus run --resume`.
    #[serde(default)]
    pub checkpoint: CheckpointSpec,
    /// Frames and a video rendered during the run.
    #[serde(default)]
    pub render: Option<RenderSpec>,
    /// Y-90 dose by the partition model from where the spheres went.
    #[serde(default)]
    pub dosimetry: Option<crate::dosimetry::spec::DosimetrySpec>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CameraKind {
    /// The whole vessel, broadside (or `eye`/`target` when given).
    #[default]
    Fixed,
    /// Around the vessel's centre (or `target`), `orbit_degrees` over the video.
    Orbit,
    /// From the inlet towards the first outlet.
    Fly,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum VideoFormat {
    #[default]
    Mp4,
    Gif,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AxisName {
    X,
    Y,
    Z,
}

/// `[render]`: frames during the run (docs/rendering.md).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RenderSpec {
    /// Simulated time between frames [s]; default: 100 frames over the run.
    #[serde(default)]
    pub interval: Option<f64>,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
    /// Samples per pixel along each axis (anti-aliasing), 1..4.
    #[serde(default = "default_supersample")]
    pub supersample: u32,
    #[serde(default)]
    pub camera: CameraKind,
    /// Camera position and aim [m]; default: chosen to show the whole grid.
    #[serde(default)]
    pub eye: Option<[f64; 3]>,
    #[serde(default)]
    pub target: Option<[f64; 3]>,
    #[serde(default)]
    pub up: Option<[f64; 3]>,
    /// Vertical field of view [degrees].
    #[serde(default = "default_fov")]
    pub fov: f64,
    #[serde(default = "default_orbit")]
    pub orbit_degrees: f64,
    /// Frames per second of the video.
    #[serde(default = "default_fps")]
    pub fps: u32,
    #[serde(default)]
    pub video: VideoFormat,
    /// Also keep every frame as a PNG.
    #[serde(default = "default_true")]
    pub frames: bool,
    /// Slice coloured by speed: its normal axis and position [m]; default: across
    /// the view through the grid centre.
    #[serde(default)]
    pub slice_axis: Option<AxisName>,
    #[serde(default)]
    pub slice_position: Option<f64>,
    /// No slice at all.
    #[serde(default)]
    pub no_slice: bool,
    /// Top of the speed colour scale [m/s]; default: the peak inlet velocity.
    #[serde(default)]
    pub max_speed: Option<f64>,
}

impl Default for RenderSpec {
    /// The defaults of an empty [render] section.
    fn default() -> Self {
        toml::from_str("").expect("every [render] key has a default")
    }
}

fn default_width() -> u32 {
    1280
}
fn default_height() -> u32 {
    720
}
fn default_supersample() -> u32 {
    2
}
fn default_fov() -> f64 {
    35.0
}
fn default_orbit() -> f64 {
    360.0
}
fn default_fps() -> u32 {
    25
}

/// A field written to fields/*.vti.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    /// Velocity vector [m/s].
    Velocity,
    /// Gauge pressure [Pa].
    Pressure,
    /// Shear rate √(2 S:S) [1/s].
    ShearRate,
    /// Dynamic viscosity [Pa·s] (local, for shear-thinning blood).
    Viscosity,
    /// Wall shear stress vector and magnitude [Pa] at wall-adjacent cells.
    Wss,
    /// Time-averaged WSS magnitude [Pa].
    Tawss,
    /// Oscillatory shear index [-].
    Osi,
    /// Lodged solid volume fraction [-] (1 where occluded).
    Occlusion,
    /// Free particles per volume [1/m³].
    Concentration,
}

impl FieldName {
    pub const ALL: [FieldName; 9] = [
        FieldName::Velocity,
        FieldName::Pressure,
        FieldName::ShearRate,
        FieldName::Viscosity,
        FieldName::Wss,
        FieldName::Tawss,
        FieldName::Osi,
        FieldName::Occlusion,
        FieldName::Concentration,
    ];
    /// Needs particles.
    pub fn needs_particles(self) -> bool {
        matches!(self, FieldName::Occlusion | FieldName::Concentration)
    }
    /// Bytes per point in the .vti, uncompressed.
    pub fn bytes_per_point(self) -> usize {
        match self {
            FieldName::Velocity => 12,
            FieldName::Wss => 16,
            _ => 4,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsSpec {
    /// Write fields at all; on by default (at least once, at the end).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Simulated time between field outputs [s]; default: once, at the end.
    #[serde(default)]
    pub interval: Option<f64>,
    /// Which fields; default: every field that applies (occlusion and concentration
    /// need particles).
    #[serde(default)]
    pub select: Option<Vec<FieldName>>,
    /// Corners of the exported box [m]; default: the whole grid.
    #[serde(default)]
    pub region_min: Option<[f64; 3]>,
    #[serde(default)]
    pub region_max: Option<[f64; 3]>,
    /// Export every n-th cell along each axis (downsampling).
    #[serde(default = "default_stride")]
    pub stride: usize,
    /// zlib-compress the arrays (ParaView reads both).
    #[serde(default = "default_true")]
    pub compress: bool,
    /// Time between wall-shear-stress samples for TAWSS and OSI [s]; default: a
    /// hundredth of the cardiac cycle, or a tenth of the metrics interval.
    #[serde(default)]
    pub wss_sample_interval: Option<f64>,
    /// Start of the TAWSS/OSI average [s]; default: the second cardiac cycle when the
    /// run lasts at least two, else the end of the inflow ramp.
    #[serde(default)]
    pub average_from: Option<f64>,
}

fn default_stride() -> usize {
    1
}

impl Default for FieldsSpec {
    fn default() -> Self {
        FieldsSpec {
            enabled: true,
            interval: None,
            select: None,
            region_min: None,
            region_max: None,
            stride: 1,
            compress: true,
            wss_sample_interval: None,
            average_from: None,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointSpec {
    /// Simulated time between checkpoints [s]; default: none by simulated time.
    #[serde(default)]
    pub interval: Option<f64>,
    /// Wall-clock time between checkpoints [s]; default 1800 (30 minutes).
    #[serde(default)]
    pub wall_interval: Option<f64>,
}

/// Newtonian fluid; defaults are whole blood (docs/references.md: 1060 kg/m³, 0.0035 Pa·s).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fluid {
    /// Density [kg/m³].
    #[serde(default = "default_density")]
    pub density: f64,
    /// Dynamic viscosity [Pa·s] of a Newtonian fluid.
    #[serde(default = "default_viscosity")]
    pub viscosity: f64,
    /// Shear-thinning blood instead: a preset name ("carreau", "carreau-yasuda",
    /// "casson", "newtonian") or a table with `model` and its SI parameters.
    #[serde(default)]
    pub rheology: Option<RheologySpec>,
}

/// A viscosity law by preset name or in full.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RheologySpec {
    Preset(String),
    Custom(crate::lbm::rheology::ViscosityModel),
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
            rheology: None,
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
    /// End the run early: `"stasis"` once the inflow has stayed below 5% of its
    /// value before the first release for `after_stasis` seconds (a pressure-driven
    /// inlet and particles needed); `duration`/`steps` stays the limit.
    #[serde(default)]
    pub stop_at: Option<StopAt>,
    /// Seconds to go on after stasis with `stop_at = "stasis"` (default 0).
    #[serde(default)]
    pub after_stasis: Option<f64>,
}

/// An event that ends a run before its duration.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StopAt {
    Stasis,
}

fn default_lattice_velocity() -> f64 {
    0.05
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case", deny_unknown_fields)]
pub enum Geometry {
    /// Straight circular vessel along a grid axis, inlet at the low end.
    Cylinder {
        /// Lumen radius [m].
        radius: f64,
        /// Length between inlet and outlet [m].
        length: f64,
        /// Direction of flow, inlet at the low end.
        #[serde(default = "default_axis")]
        axis: Axis,
    },
    /// Straight rectangular channel along a grid axis.
    Channel {
        /// Extent across the first transverse axis [m] (y for axis x, z for y, x for z).
        width: f64,
        /// Extent across the second transverse axis [m].
        height: f64,
        length: f64,
        #[serde(default = "default_axis")]
        axis: Axis,
    },
    /// Straight vessel in any direction whose radius changes linearly.
    Tapered {
        /// Centre of the inlet [m].
        start: [f64; 3],
        /// Centre of the outlet [m].
        end: [f64; 3],
        start_radius: f64,
        end_radius: f64,
    },
    /// Curved vessel along a centreline through `points` [m] with a radius [m] per
    /// point, smoothly interpolated (Catmull–Rom); inlet at the first point.
    Tube {
        points: Vec<[f64; 3]>,
        radii: Vec<f64>,
    },
    /// Straight vessel with a cosine-shaped stenosis.
    Stenosis {
        radius: f64,
        length: f64,
        #[serde(default = "default_axis")]
        axis: Axis,
        /// Lumen area removed at the throat [%].
        area_reduction_percent: f64,
        /// Length of the narrowing [m].
        stenosis_length: f64,
        /// Centre of the narrowing as a fraction of the length.
        #[serde(default = "default_half")]
        position: f64,
    },
    /// Straight vessel with a saccular aneurysm on its side.
    Aneurysm {
        radius: f64,
        length: f64,
        #[serde(default = "default_axis")]
        axis: Axis,
        /// Radius of the sac [m].
        sac_radius: f64,
        /// Radius of the neck joining sac and vessel [m].
        neck_radius: f64,
        #[serde(default = "default_half")]
        position: f64,
    },
    /// Y-bifurcation: parent along +z from the origin, daughters in the x-z plane.
    Bifurcation {
        parent_radius: f64,
        parent_length: f64,
        /// Daughter radii [m]; default: Murray's law with `murray_exponent`.
        #[serde(default)]
        daughter_radii: Option<[f64; 2]>,
        daughter_length: f64,
        /// Angles of the daughters from the parent axis [degrees].
        #[serde(default = "default_angles")]
        angles_deg: [f64; 2],
        #[serde(default = "default_murray")]
        murray_exponent: f64,
    },
    /// A generated bifurcating arterial tree (hepatic- or renal-like territory).
    Tree {
        generations: u32,
        root_radius: f64,
        root_length: f64,
        #[serde(default = "default_murray")]
        murray_exponent: f64,
        /// Angle of each daughter from its parent's axis [degrees].
        #[serde(default = "default_tree_angle")]
        angle_deg: f64,
        /// Daughter length over daughter radius.
        #[serde(default = "default_length_to_radius")]
        length_to_radius: f64,
        #[serde(default = "default_seed")]
        seed: u64,
    },
    /// Union of analytic shapes (any of the above but cylinder and channel).
    Union { parts: Vec<Geometry> },
    /// A triangulated surface (binary or ASCII STL).
    Stl {
        /// Path, relative to the scenario file.
        file: String,
        /// File units to metres (0.001 for files in mm).
        #[serde(default = "default_stl_scale")]
        scale: f64,
        /// Rotation about x, then y, then z [degrees], applied after scaling.
        #[serde(default)]
        rotate_deg: [f64; 3],
        /// Translation applied last [m].
        #[serde(default)]
        translate: [f64; 3],
        /// Where to cut a closed surface open (replaces automatic open ends).
        #[serde(default)]
        openings: Vec<OpeningSpec>,
    },
    /// A segmentation mask (NIfTI-1, .nii or .nii.gz).
    Nifti {
        file: String,
        /// Label value of the lumen; default: every non-zero voxel.
        #[serde(default)]
        label: Option<i64>,
        #[serde(default)]
        openings: Vec<OpeningSpec>,
    },
}

/// A planar opening declared in the scenario.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningSpec {
    pub name: String,
    /// Centre of the cut [m].
    pub centre: [f64; 3],
    /// Normal of the cut, pointing out of the vessel.
    pub normal: [f64; 3],
    /// Radius of the vessel there [m].
    pub radius: f64,
}

fn default_half() -> f64 {
    0.5
}
fn default_angles() -> [f64; 2] {
    [30.0, 30.0]
}
fn default_murray() -> f64 {
    3.0
}
fn default_tree_angle() -> f64 {
    35.0
}
fn default_length_to_radius() -> f64 {
    8.0
}
fn default_seed() -> u64 {
    1
}
fn default_stl_scale() -> f64 {
    1e-3
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
    /// Parabolic mean flow plus, for each harmonic of a pulsatile waveform, Womersley's
    /// oscillatory profile for the opening's radius (circular openings).
    Womersley,
    /// A parabola in the distance to the opening's rim, for openings of any outline
    /// (exact Poiseuille for circles and slits).
    #[serde(rename = "wall_distance")]
    WallDistance,
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
    /// Which opening is the inlet; default: the shape's inlet, or the largest opening
    /// of a surface or mask.
    #[serde(default)]
    pub opening: Option<String>,
    /// Time over which the inflow rises smoothly from zero [s]; default: the first 10%
    /// of the run; 0 starts at full flow.
    #[serde(default)]
    pub ramp_time: Option<f64>,
    /// Pulsatile inflow: a factor on the mean flow, periodic (default constant).
    #[serde(default)]
    pub waveform: Option<crate::lbm::waveform::WaveformSpec>,
    /// Pressure-driven inflow instead of a velocity: the upstream circulation's
    /// pressure [Pa, gauge like the outlets'], reaching the inlet through
    /// `resistance` (and `compliance`), so that the inflow falls as the vessel closes.
    #[serde(default)]
    pub pressure: Option<f64>,
    /// Resistance of the upstream circulation between `pressure` and the inlet
    /// [Pa·s/m³]; required with `pressure`.
    #[serde(default)]
    pub resistance: Option<f64>,
    /// Compliance of the upstream circulation at the inlet [m³/Pa] (optional).
    #[serde(default)]
    pub compliance: Option<f64>,
    /// Pulsatile source pressure: a periodic factor on `pressure` (as an outlet's
    /// `pressure_waveform`).
    #[serde(default)]
    pub pressure_waveform: Option<crate::lbm::waveform::WaveformSpec>,
}

impl Inlet {
    /// Whether the inflow is driven by an upstream pressure (else a velocity).
    pub fn pressure_driven(&self) -> bool {
        self.pressure.is_some()
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outlet {
    /// Gauge pressure held at the outlet [Pa].
    #[serde(default)]
    pub pressure: f64,
    /// Absorb pressure waves at every outlet (a characteristic-impedance term on
    /// what differs from the incompressible outflow, docs/boundaries.md); on by
    /// default.
    #[serde(default = "default_true")]
    pub non_reflecting: bool,
}

fn default_true() -> bool {
    true
}

impl Default for Outlet {
    fn default() -> Self {
        Outlet {
            pressure: 0.0,
            non_reflecting: true,
        }
    }
}

/// One outlet's condition: a fixed `pressure`, a `resistance` to `distal_pressure`, or
/// a 3-element Windkessel (`proximal_resistance`, `compliance`, `distal_resistance`,
/// `distal_pressure`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutletSpec {
    /// Gauge pressure [Pa].
    #[serde(default)]
    pub pressure: Option<f64>,
    /// Resistance [Pa·s/m³]: p = distal_pressure + R Q.
    #[serde(default)]
    pub resistance: Option<f64>,
    /// Windkessel proximal resistance [Pa·s/m³].
    #[serde(default)]
    pub proximal_resistance: Option<f64>,
    /// Windkessel compliance [m³/Pa].
    #[serde(default)]
    pub compliance: Option<f64>,
    /// Windkessel distal resistance [Pa·s/m³].
    #[serde(default)]
    pub distal_resistance: Option<f64>,
    /// Pressure beyond the resistances [Pa].
    #[serde(default)]
    pub distal_pressure: f64,
    /// Time-varying pressure: a periodic factor on `pressure` (sine, Fourier series
    /// or CSV of (time, factor)), as for the inlet.
    #[serde(default)]
    pub pressure_waveform: Option<crate::lbm::waveform::WaveformSpec>,
    /// Particles at least this large [m] lodge in the vascular bed beyond this outlet
    /// (its arterioles) instead of leaving: they pack against the outlet and occlude
    /// it. Default: every particle leaves.
    #[serde(default)]
    pub capture_diameter: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CollisionName {
    #[default]
    Trt,
    Bgk,
    /// Recursive regularized (src/lbm/collision.rs): the most robust close to τ = ½.
    Regularized,
}

impl CollisionName {
    /// The smallest τ a scenario may use with this operator (its stability map,
    /// docs/numerics.md).
    pub fn tau_floor(self) -> f64 {
        match self {
            CollisionName::Regularized => crate::lbm::CollisionModel::Regularized.tau_floor(),
            _ => crate::units::TAU_MIN,
        }
    }
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
    /// Smagorinsky constant C_s for jets above Re ~1000 (typically 0.1–0.2); off by
    /// default.
    #[serde(default)]
    pub smagorinsky: Option<f64>,
    /// Population storage: "f32" (default) or "f16" (half the memory and traffic,
    /// arithmetic stays f32; accuracy cost in docs/test-checks.md).
    #[serde(default)]
    pub precision: crate::lbm::setup::Precision,
    /// Population storage layout: "auto" (default: sparse when less than half of the
    /// grid is lumen and storing the whole grid would take more than
    /// [`StorageLayout::AUTO_DENSE_UP_TO_BYTES`]), "dense" or "sparse" (only the
    /// lumen is stored and updated).
    #[serde(default)]
    pub storage: StorageLayout,
    /// One population set updated in place (AA pattern, the default) or two: in place
    /// needs half the population memory for bitwise the same results.
    #[serde(default = "default_in_place")]
    pub in_place: bool,
    /// Where no-slip walls sit: "halfway" between the last fluid and the first wall
    /// cell (a staircase, first order on curved walls) or "interpolated" on the true
    /// surface (Bouzidi–Firdaouss–Lallemand, second order; docs/numerics.md).
    #[serde(default)]
    pub walls: WallTreatment,
}

/// `[lbm] walls`: how the no-slip wall is placed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WallTreatment {
    #[default]
    Halfway,
    Interpolated,
}

/// `[lbm] storage`: which cells hold populations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageLayout {
    #[default]
    Auto,
    Dense,
    Sparse,
}

impl StorageLayout {
    /// Below this lumen share of the grid, "auto" may store the lumen only: a stored
    /// cell costs a list word more, and each lookup goes through its brick.
    pub const AUTO_SPARSE_BELOW: f64 = 0.5;

    /// Up to this many bytes of populations for the whole grid, "auto" stores it
    /// dense whatever its lumen share: the step then updates a list of the lumen
    /// cells (src/sim/lattice_gpu/storage.rs), so its work follows the lumen as
    /// sparse storage's does, with direct neighbour addressing instead of a brick
    /// lookup per neighbour (on lavapipe 2x faster per lumen cell: a 14%-lumen
    /// bifurcation of 137,000 cells steps in 11.7 ms against 20 ms sparse), and the
    /// memory it spends on walls is small. 64 MiB: 880,000 cells in place in f32.
    pub const AUTO_DENSE_UP_TO_BYTES: u64 = 64 << 20;

    /// Whether a grid with `lumen` of its `cells` not wall is stored sparse, when
    /// every grid cell would take `bytes_per_cell` of populations.
    pub fn is_sparse(self, lumen: usize, cells: usize, bytes_per_cell: usize) -> bool {
        match self {
            StorageLayout::Dense => false,
            StorageLayout::Sparse => true,
            StorageLayout::Auto => {
                (lumen as f64) < Self::AUTO_SPARSE_BELOW * cells as f64
                    && (cells * bytes_per_cell) as u64 > Self::AUTO_DENSE_UP_TO_BYTES
            }
        }
    }
}

impl Lbm {
    /// Whether these settings store a grid of `cells` with `lumen` cells not wall
    /// sparse ("auto" weighs the lumen share and the dense populations' memory).
    pub fn stores_sparse(&self, lumen: usize, cells: usize) -> bool {
        let sets = if self.in_place { 1 } else { 2 };
        let bytes_per_cell = sets * crate::lbm::lattice::Q * self.precision.bytes();
        self.storage.is_sparse(lumen, cells, bytes_per_cell)
    }
}

fn default_in_place() -> bool {
    true
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
            smagorinsky: None,
            precision: Default::default(),
            storage: Default::default(),
            in_place: default_in_place(),
            walls: WallTreatment::default(),
        }
    }
}
