//! The [fields] and [checkpoint] sections resolved against the grid and the time
//! step: which fields, where, how often, and when to checkpoint.

use super::schema::{FieldName, Scenario};
use crate::geometry::Voxels;
use crate::lbm::FieldRegion;
use crate::units::LatticeUnits;

/// Field output in steps and cells.
#[derive(Clone, Debug)]
pub struct FieldPlan {
    pub enabled: bool,
    /// Steps between field outputs; `None`: only at the end of the run.
    pub every: Option<u64>,
    pub select: Vec<FieldName>,
    pub region: FieldRegion,
    pub compress: bool,
    /// The scenario set `stride` (else it may grow to fit the adapter).
    pub stride_chosen: bool,
    /// Steps between WSS samples for TAWSS/OSI (at least 1).
    pub wss_sample_every: u64,
    /// First step whose state enters TAWSS/OSI.
    pub average_from_step: u64,
}

impl FieldPlan {
    /// Field outputs a run of `steps` steps writes.
    pub fn outputs(&self, steps: u64) -> u64 {
        if !self.enabled {
            return 0;
        }
        match self.every {
            Some(every) => steps / every + u64::from(!steps.is_multiple_of(every)),
            None => 1,
        }
    }

    /// Raises the stride until one field array (16 bytes a point on the GPU) fits
    /// `max_binding_bytes`, unless the scenario chose the stride itself; returns the
    /// new stride when it changed.
    pub fn fit_binding(&mut self, max_binding_bytes: u64) -> Option<usize> {
        if !self.enabled || self.stride_chosen {
            return None;
        }
        let before = self.region.stride;
        while self.region.points() as u64 * 16 > max_binding_bytes {
            self.region.stride += 1;
        }
        (self.region.stride != before).then_some(self.region.stride)
    }

    /// Uncompressed bytes of one field output (the upper bound of its .vti).
    pub fn bytes_per_output(&self) -> u64 {
        let per_point: usize = self
            .select
            .iter()
            .map(|f| f.bytes_per_point())
            .sum::<usize>()
            + 1;
        per_point as u64 * self.region.points() as u64
    }
}

/// When to write checkpoints.
#[derive(Clone, Debug)]
pub struct CheckpointPlan {
    /// Steps between checkpoints by simulated time.
    pub every: Option<u64>,
    /// Wall-clock seconds between checkpoints.
    pub wall_interval_s: f64,
}

/// Default wall-clock time between checkpoints [s].
pub const CHECKPOINT_WALL_INTERVAL_S: f64 = 1800.0;

/// A problem with one key: (table, key, problem, fix).
pub type KeyProblem = (&'static str, &'static str, String, String);

/// The run's time line, as the field plan needs it.
#[derive(Clone, Copy)]
pub struct Timeline {
    pub output_every: u64,
    pub ramp_steps: u64,
    pub steps: u64,
    /// Cardiac cycle of a pulsatile inflow [s].
    pub period_s: Option<f64>,
}

pub fn field_plan(
    scenario: &Scenario,
    voxels: &Voxels,
    units: &LatticeUnits,
    timeline: &Timeline,
    has_particles: bool,
) -> Result<FieldPlan, KeyProblem> {
    let spec = &scenario.fields;
    let Timeline {
        output_every,
        ramp_steps,
        steps,
        period_s,
    } = *timeline;
    let to_steps = |t: f64| (t / units.dt_s).round().max(1.0) as u64;
    let positive = |key: &'static str, t: Option<f64>| -> Result<Option<u64>, KeyProblem> {
        match t {
            None => Ok(None),
            Some(t) if t.is_finite() && t > 0.0 => Ok(Some(to_steps(t))),
            Some(t) => Err((
                "fields",
                key,
                format!("{key} = {t} s must be a positive time"),
                format!("give {key} in seconds, e.g. 0.01"),
            )),
        }
    };
    let every = positive("interval", spec.interval)?;
    let wss_sample_every = positive("wss_sample_interval", spec.wss_sample_interval)?
        .unwrap_or_else(|| match period_s {
            Some(p) => to_steps(p / 100.0),
            None => (output_every / 10).max(1),
        });
    let average_from_step = match spec.average_from {
        Some(t) if t.is_finite() && t >= 0.0 => (t / units.dt_s).round() as u64,
        Some(t) => {
            return Err((
                "fields",
                "average_from",
                format!("average_from = {t} s must be zero or positive"),
                "give the start of the TAWSS/OSI average in seconds".into(),
            ))
        }
        None => match period_s {
            Some(p) if 2.0 * p <= steps as f64 * units.dt_s => to_steps(p),
            _ => ramp_steps,
        },
    };
    let select = match &spec.select {
        Some(list) => {
            if list.is_empty() {
                return Err((
                    "fields",
                    "select",
                    "select = [] writes no field".into(),
                    "name at least one field, or set enabled = false".into(),
                ));
            }
            if let Some(f) = list.iter().find(|f| f.needs_particles() && !has_particles) {
                return Err((
                    "fields",
                    "select",
                    format!("{f:?} needs particles, and the scenario injects none"),
                    "remove it from select, or add [[injections]]".into(),
                ));
            }
            let mut list = list.clone();
            list.sort();
            list.dedup();
            list
        }
        None => FieldName::ALL
            .into_iter()
            .filter(|f| has_particles || !f.needs_particles())
            .collect(),
    };
    if spec.stride == 0 {
        return Err((
            "fields",
            "stride",
            "stride = 0".into(),
            "set stride to 1 (every cell) or more (every n-th cell)".into(),
        ));
    }
    let d = voxels.dims;
    let n = [d.nx, d.ny, d.nz];
    let dx = voxels.voxel_size_m;
    let cell_of = |p: [f64; 3], round_up: bool| -> [usize; 3] {
        std::array::from_fn(|a| {
            let c = (p[a] - voxels.origin_m[a]) / dx;
            let c = if round_up { c.ceil() } else { c.floor() };
            c.clamp(0.0, n[a] as f64) as usize
        })
    };
    let lo = spec.region_min.map_or([0; 3], |p| cell_of(p, false));
    let hi = spec.region_max.map_or(n, |p| cell_of(p, true));
    for (key, p) in [
        ("region_min", spec.region_min),
        ("region_max", spec.region_max),
    ] {
        if let Some(p) = p {
            if p.iter().any(|v| !v.is_finite()) {
                return Err((
                    "fields",
                    key,
                    format!("{key} = {p:?} is not a point"),
                    "give three coordinates in metres".into(),
                ));
            }
        }
    }
    if (0..3).any(|a| lo[a] >= hi[a]) {
        let far: [f64; 3] = std::array::from_fn(|a| voxels.origin_m[a] + n[a] as f64 * dx);
        return Err((
            "fields",
            if spec.region_min.is_some() {
                "region_min"
            } else {
                "region_max"
            },
            format!(
                "the region {:?}..{:?} m holds no cell of the grid, which spans {:?}..{:?} m",
                spec.region_min, spec.region_max, voxels.origin_m, far
            ),
            "give region_min below region_max on every axis, inside the grid".into(),
        ));
    }
    Ok(FieldPlan {
        enabled: spec.enabled,
        every,
        select,
        region: FieldRegion {
            lo,
            hi,
            stride: spec.stride,
        },
        compress: spec.compress,
        stride_chosen: scenario.fields.stride != 1,
        wss_sample_every,
        average_from_step,
    })
}

pub fn checkpoint_plan(
    scenario: &Scenario,
    units: &LatticeUnits,
) -> Result<CheckpointPlan, KeyProblem> {
    let spec = &scenario.checkpoint;
    let bad = |key: &'static str, t: f64| {
        (
            "checkpoint",
            key,
            format!("{key} = {t} s must be a positive time"),
            format!("give {key} in seconds"),
        )
    };
    let every = match spec.interval {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 => Some((t / units.dt_s).round().max(1.0) as u64),
        Some(t) => return Err(bad("interval", t)),
    };
    let wall_interval_s = match spec.wall_interval {
        None => CHECKPOINT_WALL_INTERVAL_S,
        Some(t) if t.is_finite() && t > 0.0 => t,
        Some(t) => return Err(bad("wall_interval", t)),
    };
    Ok(CheckpointPlan {
        every,
        wall_interval_s,
    })
}

/// `[render]` checked, with its frame interval in steps.
#[derive(Clone, Debug)]
pub struct RenderPlan {
    pub spec: super::schema::RenderSpec,
    /// Steps between frames.
    pub every: u64,
}

/// Largest frame rendered: 4K UHD.
pub const MAX_FRAME: (u32, u32) = (3840, 2160);

/// The frame settings of [render] (and of `embolus render`'s options) within what
/// the renderer and the video encoder take.
pub fn check_render_spec(spec: &super::schema::RenderSpec) -> Result<(), KeyProblem> {
    let bad = |key: &'static str, problem: String, fix: &str| {
        Err(("render", key, problem, fix.to_string()))
    };
    if spec.width == 0 || spec.height == 0 || spec.width > MAX_FRAME.0 || spec.height > MAX_FRAME.1
    {
        return bad(
            "width",
            format!("{}x{} is outside 1x1..3840x2160", spec.width, spec.height),
            "choose a size up to 3840x2160, e.g. width = 1920, height = 1080",
        );
    }
    if spec.video == super::schema::VideoFormat::Mp4
        && (spec.width % 2 == 1 || spec.height % 2 == 1)
    {
        return bad(
            "width",
            format!(
                "{}x{}: an H.264 video (yuv420p) needs even sizes",
                spec.width, spec.height
            ),
            "choose an even width and height",
        );
    }
    if !(1..=4).contains(&spec.supersample) {
        return bad(
            "supersample",
            format!("supersample = {}", spec.supersample),
            "use 1 (off) to 4",
        );
    }
    if !(1..=120).contains(&spec.fps) {
        return bad(
            "fps",
            format!("fps = {}", spec.fps),
            "use 1 to 120 frames per second, e.g. 25",
        );
    }
    if !(spec.fov.is_finite() && spec.fov > 1.0 && spec.fov < 150.0) {
        return bad(
            "fov",
            format!("fov = {} degrees", spec.fov),
            "use a field of view between 1 and 150 degrees, e.g. 35",
        );
    }
    if let Some(v) = spec.max_speed {
        if !(v.is_finite() && v > 0.0) {
            return bad(
                "max_speed",
                format!("max_speed = {v} m/s"),
                "give a positive speed in m/s",
            );
        }
    }
    Ok(())
}

pub fn render_plan(
    scenario: &Scenario,
    units: &LatticeUnits,
    steps: u64,
) -> Result<Option<RenderPlan>, KeyProblem> {
    let Some(spec) = &scenario.render else {
        return Ok(None);
    };
    check_render_spec(spec)?;
    let bad = |key: &'static str, problem: String, fix: &str| {
        Err(("render", key, problem, fix.to_string()))
    };
    let every = match spec.interval {
        None => (steps / 100).max(1),
        Some(t) if t.is_finite() && t > 0.0 => (t / units.dt_s).round().max(1.0) as u64,
        Some(t) => {
            return bad(
                "interval",
                format!("interval = {t} s"),
                "give the time between frames in seconds",
            )
        }
    };
    Ok(Some(RenderPlan {
        spec: spec.clone(),
        every,
    }))
}
