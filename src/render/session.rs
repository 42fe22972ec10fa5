//! A sequence of rendered frames: the camera path and slice from `[render]`, PNG
//! frames and the video, for `embolus run` (frames during the run) and `embolus
//! render` (frames from saved results).

use super::camera::{overview, Camera, CameraPath};
use super::frame_gpu::{FrameRenderer, FrameSettings, RenderInputs};
use super::overlay::{annotate, Annotation};
use super::video::{GifVideo, Mp4Video, VideoError};
use crate::gpu::{GpuContext, GpuError};
use crate::scenario::schema::{AxisName, CameraKind, RenderSpec, VideoFormat};
use glam::DVec3;
use std::path::{Path, PathBuf};

/// Where the rendered grid sits and what its flow values mean.
#[derive(Clone, Debug)]
pub struct RenderGeometry {
    pub dims: [usize; 3],
    /// Corner of cell 0 [m] and the cell size [m].
    pub origin_m: [f64; 3],
    pub cell_m: f64,
    pub inlet_centre_m: Option<[f64; 3]>,
    pub outlet_centre_m: Option<[f64; 3]>,
    /// m/s per unit of the flow buffer's velocity.
    pub speed_unit_m_s: f64,
    /// Top of the colour scale without `max_speed` [m/s].
    pub default_max_speed_m_s: f64,
    /// Frames the video will have (sets the orbit's and flight's pace).
    pub frames_expected: usize,
    pub has_particles: bool,
    /// Fluid cells (the fly camera follows the centreline through them).
    pub fluid: Option<Vec<bool>>,
    /// Fixed-point scale of the lodged-volume counters.
    pub solid_scale: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Video(#[from] VideoError),
    #[error("cannot write frame {path}: {message}\n  Fix: check that the directory is writable and the disk has space")]
    Frame { path: PathBuf, message: String },
}

enum Video {
    Mp4(Box<Mp4Video>),
    Gif(GifVideo),
}

pub struct RenderSession {
    renderer: FrameRenderer,
    path: CameraPath,
    geometry: RenderGeometry,
    spec: RenderSpec,
    title: String,
    frames_dir: Option<PathBuf>,
    video: Option<Video>,
    pub video_path: Option<PathBuf>,
    pub frames: usize,
    /// Number of the first frame file (a resumed run continues the numbering).
    pub first_number: usize,
}

impl RenderGeometry {
    fn to_cells(&self, p: [f64; 3]) -> DVec3 {
        DVec3::from_array(std::array::from_fn(|a| {
            (p[a] - self.origin_m[a]) / self.cell_m
        }))
    }
}

/// The camera path `spec` asks for on `g` (the fly camera falls back to the fixed
/// view when no inlet-to-outlet path exists).
pub fn camera_path(spec: &RenderSpec, g: &RenderGeometry) -> CameraPath {
    let aspect = spec.width as f64 / spec.height as f64;
    let mut base = overview(g.dims, spec.fov, aspect);
    if let Some(t) = spec.target {
        base.target = g.to_cells(t);
    }
    if let Some(e) = spec.eye {
        base.eye = g.to_cells(e);
    }
    if let Some(u) = spec.up {
        base.up = DVec3::from_array(u);
    }
    match spec.camera {
        CameraKind::Fixed => CameraPath::Fixed(base),
        CameraKind::Orbit => CameraPath::Orbit {
            camera: base,
            degrees: spec.orbit_degrees,
        },
        CameraKind::Fly => {
            let line = match (g.inlet_centre_m, g.outlet_centre_m, &g.fluid) {
                (Some(a), Some(b), Some(fluid)) => super::centreline::centreline(
                    crate::lbm::GridDims::new(g.dims[0], g.dims[1], g.dims[2]),
                    fluid,
                    g.to_cells(a),
                    g.to_cells(b),
                    200,
                ),
                _ => None,
            };
            match line {
                Some(path) => CameraPath::Fly {
                    path,
                    up: base.up,
                    fov_deg: spec.fov.max(50.0),
                },
                None => CameraPath::Fixed(base),
            }
        }
    }
}

/// The slice plane n·p = d (cells) `spec` asks for, seen by `camera`.
pub fn slice_plane(
    spec: &RenderSpec,
    g: &RenderGeometry,
    camera: &Camera,
) -> Option<([f32; 3], f32)> {
    if spec.no_slice {
        return None;
    }
    let (forward, _, _) = camera.basis();
    let axis = match spec.slice_axis {
        Some(AxisName::X) => 0,
        Some(AxisName::Y) => 1,
        Some(AxisName::Z) => 2,
        None => (0..3)
            .max_by(|&a, &b| forward[a].abs().total_cmp(&forward[b].abs()))
            .expect("three axes"),
    };
    let offset = match spec.slice_position {
        Some(p) => (p - g.origin_m[axis]) / g.cell_m,
        // Through cell centres, not along cell faces.
        None => (0.5 * g.dims[axis] as f64).floor() + 0.5,
    };
    let mut n = [0.0f32; 3];
    n[axis] = 1.0;
    Some((n, offset as f32))
}

impl RenderSession {
    pub fn new(
        ctx: &GpuContext,
        inputs: &RenderInputs,
        spec: &RenderSpec,
        geometry: RenderGeometry,
        out_dir: &Path,
        title: &str,
        first_number: usize,
    ) -> Result<Self, RenderError> {
        // A resumed run continues the frame numbers and keeps the first part's video.
        let stem = if first_number == 0 {
            "video".to_string()
        } else {
            format!("video_from_frame_{first_number:05}")
        };
        let path = camera_path(spec, &geometry);
        let first = path.at(0, geometry.frames_expected.max(1));
        let max_speed = spec.max_speed.unwrap_or(geometry.default_max_speed_m_s);
        let settings = FrameSettings {
            width: spec.width,
            height: spec.height,
            supersample: spec.supersample,
            max_speed_lattice: (max_speed / geometry.speed_unit_m_s) as f32,
            slice: slice_plane(spec, &geometry, &first),
            solid_scale: geometry.solid_scale,
        };
        let renderer = FrameRenderer::new(ctx, inputs, settings)?;
        std::fs::create_dir_all(out_dir).map_err(|e| RenderError::Frame {
            path: out_dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let frames_dir = spec.frames.then(|| out_dir.join("frames"));
        let (video, video_path) = match spec.video {
            VideoFormat::Mp4 => {
                let p = out_dir.join(format!("{stem}.mp4"));
                (
                    Some(Video::Mp4(Box::new(Mp4Video::create(
                        &p,
                        spec.width,
                        spec.height,
                        spec.fps,
                    )?))),
                    Some(p),
                )
            }
            VideoFormat::Gif => {
                let p = out_dir.join(format!("{stem}.gif"));
                (
                    Some(Video::Gif(GifVideo::create(
                        &p,
                        spec.width,
                        spec.height,
                        spec.fps,
                    )?)),
                    Some(p),
                )
            }
            VideoFormat::None => (None, None),
        };
        Ok(RenderSession {
            renderer,
            path,
            geometry,
            spec: spec.clone(),
            title: title.to_string(),
            frames_dir,
            video,
            video_path,
            frames: 0,
            first_number,
        })
    }

    /// Supersampling actually used (it may be lowered to fit the adapter).
    pub fn supersample(&self) -> u32 {
        self.renderer.settings.supersample
    }

    /// Renders the inputs' current content as the next frame, at `time_s`; returns
    /// its RGB8 pixels.
    pub fn frame(&mut self, ctx: &GpuContext, time_s: f64) -> Result<Vec<u8>, RenderError> {
        let camera = self
            .path
            .at(self.frames, self.geometry.frames_expected.max(1));
        let mut rgb = self.renderer.render(ctx, &camera)?;
        let (w, h) = (self.spec.width, self.spec.height);
        annotate(
            &mut rgb,
            w,
            h,
            &Annotation {
                title: &self.title,
                time_s,
                max_speed_m_s: self.renderer.settings.max_speed_lattice as f64
                    * self.geometry.speed_unit_m_s,
                pixels_per_m: camera.pixels_per_cell_at_target(h) / self.geometry.cell_m,
                particles: self.geometry.has_particles,
            },
        );
        if let Some(dir) = &self.frames_dir {
            let path = dir.join(format!("frame_{:05}.png", self.first_number + self.frames));
            write_png(&path, &rgb, w, h).map_err(|message| RenderError::Frame {
                path: path.clone(),
                message,
            })?;
        }
        match &mut self.video {
            Some(Video::Mp4(v)) => v.push(&rgb)?,
            Some(Video::Gif(v)) => v.push(&rgb)?,
            None => {}
        }
        self.frames += 1;
        Ok(rgb)
    }

    /// Closes the video; returns its path.
    pub fn finish(self) -> Result<Option<PathBuf>, RenderError> {
        if let Some(Video::Mp4(v)) = self.video {
            (*v).finish()?;
        }
        Ok(self.video_path)
    }
}

/// Writes RGB8 pixels as a PNG, creating its directory.
pub fn write_png(path: &Path, rgb: &[u8], width: u32, height: u32) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    crate::io::preview::write_rgb_png(path, rgb, width, height).map_err(|e| e.to_string())
}
