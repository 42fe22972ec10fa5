//! `embolus render DIR`: frames and a video from a run's saved fields (fields.pvd)
//! and particles (particles.pvd), one frame per field output.

use super::frame_gpu::RenderInputs;
use super::session::{RenderError, RenderGeometry, RenderSession};
use crate::gpu::buffers::storage_from;
use crate::gpu::GpuContext;
use crate::io::vtk_read::{read, read_pvd, VtkFile, VtkReadError};
use crate::lbm::GridDims;
use crate::scenario::schema::RenderSpec;
use std::path::{Path, PathBuf};

/// Fixed-point scale for the occlusion fraction uploaded as solid counters.
const SOLID_SCALE: f32 = 1_048_576.0;

#[derive(Debug, thiserror::Error)]
pub enum FromResultsError {
    #[error(transparent)]
    Read(#[from] VtkReadError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("{0}")]
    Input(String),
}

pub struct Rendered {
    pub frames: usize,
    pub video: Option<PathBuf>,
    pub frames_dir: PathBuf,
}

fn particle_arrays(f: &VtkFile, corner: [f64; 3], cell: f64) -> (Vec<[f32; 4]>, Vec<[u32; 4]>) {
    let diameter = f.arrays.get("diameter [m]");
    let state = f.arrays.get("state");
    let agent = f.arrays.get("agent");
    let positions = f
        .points
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let d = diameter.map_or(0.0, |a| a.values[k]);
            [
                ((p[0] - corner[0]) / cell) as f32,
                ((p[1] - corner[1]) / cell) as f32,
                ((p[2] - corner[2]) / cell) as f32,
                (d / cell) as f32,
            ]
        })
        .collect();
    let status = (0..f.points.len())
        .map(|k| {
            [
                state.map_or(1, |a| a.values[k] as u32),
                agent.map_or(0, |a| a.values[k] as u32),
                0,
                0,
            ]
        })
        .collect();
    (positions, status)
}

/// Renders every field output of the results in `dir` into `out`.
pub fn render_results(
    ctx: &GpuContext,
    dir: &Path,
    out: &Path,
    spec: &RenderSpec,
    mut progress: impl FnMut(usize, usize),
) -> Result<Rendered, FromResultsError> {
    let fields = read_pvd(&dir.join("fields.pvd"))?;
    if fields.is_empty() {
        return Err(FromResultsError::Input(format!(
            "{}/fields.pvd lists no field output\n  Fix: run with [fields] interval set (one frame per field output)",
            dir.display()
        )));
    }
    let particles = read_pvd(&dir.join("particles.pvd")).unwrap_or_default();
    let summary = crate::io::report::read_summary(dir).map_err(FromResultsError::Input)?;
    let first = read(&fields[0].1)?;
    let cell = first.spacing;
    let corner: [f64; 3] = std::array::from_fn(|a| first.origin[a] - 0.5 * cell);
    let dims = GridDims::new(first.dims[0], first.dims[1], first.dims[2]);
    let cells = dims.cells();
    let opening = |role: &str| -> Option<[f64; 3]> {
        summary["openings"].as_array()?.iter().find_map(|o| {
            (o["role"].as_str()? == role).then(|| {
                let c = o["centre_m"].as_array()?;
                Some([c[0].as_f64()?, c[1].as_f64()?, c[2].as_f64()?])
            })?
        })
    };
    // The last particle file holds every particle released (their number only grows).
    let last_particles = match particles.last() {
        Some((_, p)) => Some(read(p)?),
        None => None,
    };
    let capacity = last_particles.as_ref().map_or(0, |f| f.points.len());
    // A dense cell table (shaders/common/cells.wgsl); each frame writes its flags.
    let flags = storage_from(
        ctx,
        "render flags",
        &crate::lbm::sparse::cell_table(&vec![0u32; cells], None),
    );
    let flow = storage_from(ctx, "render flow", &vec![[0.0f32; 4]; cells]);
    let solid = storage_from(ctx, "render solid", &vec![0u32; 2 * cells]);
    let positions = storage_from(ctx, "render positions", &vec![[0.0f32; 4]; capacity.max(1)]);
    let status = storage_from(ctx, "render status", &vec![[0u32; 4]; capacity.max(1)]);
    let has_occlusion = first.arrays.contains_key("occlusion fraction [-]");
    let inputs = RenderInputs {
        dims,
        flags: &flags,
        cell_table_constants: crate::lbm::sparse::cell_table_constants(None),
        flow: &flow,
        solid: has_occlusion.then_some(&solid),
        particles: (capacity > 0).then_some((&positions, &status, capacity)),
    };
    let geometry = RenderGeometry {
        dims: first.dims,
        origin_m: corner,
        cell_m: cell,
        inlet_centre_m: opening("inlet"),
        outlet_centre_m: opening("outlet"),
        speed_unit_m_s: 1.0,
        default_max_speed_m_s: summary["units"]["peak_velocity_m_s"]
            .as_f64()
            .unwrap_or(0.1),
        frames_expected: fields.len(),
        has_particles: capacity > 0,
        fluid: first
            .arrays
            .get("wall (1) or fluid (0)")
            .map(|w| w.values.iter().map(|&v| v < 0.5).collect()),
        solid_scale: SOLID_SCALE,
    };
    let title = summary["scenario"]
        .as_str()
        .unwrap_or("embolus")
        .to_string();
    let mut session = RenderSession::new(ctx, &inputs, spec, geometry, out, &title, 0)?;
    for (k, (time, path)) in fields.iter().enumerate() {
        progress(k, fields.len());
        let f = if k == 0 { first.clone() } else { read(path)? };
        if f.dims != first.dims {
            return Err(FromResultsError::Input(format!(
                "{} has {:?} points, the first field file {:?}",
                path.display(),
                f.dims,
                first.dims
            )));
        }
        let wall = f.arrays.get("wall (1) or fluid (0)").ok_or_else(|| {
            FromResultsError::Input(format!("{} has no wall array", path.display()))
        })?;
        let kinds: Vec<u32> = wall.values.iter().map(|&w| (w > 0.5) as u32).collect();
        let velocity: Vec<[f32; 4]> = match f.arrays.get("velocity [m/s]") {
            Some(v) => v
                .values
                .chunks_exact(3)
                .map(|u| [u[0] as f32, u[1] as f32, u[2] as f32, 0.0])
                .collect(),
            None => vec![[0.0; 4]; cells],
        };
        ctx.queue.write_buffer(
            &flags,
            4 * crate::lbm::sparse::CELL_TABLE_HEADER as u64,
            bytemuck::cast_slice(&kinds),
        );
        ctx.queue
            .write_buffer(&flow, 0, bytemuck::cast_slice(&velocity));
        if let Some(o) = f.arrays.get("occlusion fraction [-]") {
            let fixed: Vec<u32> = o
                .values
                .iter()
                .flat_map(|&v| [(v.clamp(0.0, 4.0) * SOLID_SCALE as f64) as u32, 0])
                .collect();
            ctx.queue
                .write_buffer(&solid, 0, bytemuck::cast_slice(&fixed));
        }
        if capacity > 0 {
            // The particle output at or just before this time.
            let file = particles
                .iter()
                .rev()
                .find(|(t, _)| *t <= time + 1e-12)
                .map(|(_, p)| p);
            let (mut pos, mut st) = match file {
                Some(p) => particle_arrays(&read(p)?, corner, cell),
                None => (vec![], vec![]),
            };
            pos.resize(capacity, [0.0; 4]);
            st.resize(capacity, [0; 4]);
            ctx.queue
                .write_buffer(&positions, 0, bytemuck::cast_slice(&pos));
            ctx.queue
                .write_buffer(&status, 0, bytemuck::cast_slice(&st));
        }
        session.frame(ctx, *time)?;
    }
    let frames = session.frames;
    let video = session.finish()?;
    Ok(Rendered {
        frames,
        video,
        frames_dir: out.join("frames"),
    })
}
