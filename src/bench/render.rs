//! The frame case: a rendered frame of a pipe with particles, as a run renders it.

use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::flags;
use crate::lbm::GridDims;
use serde::Serialize;
use std::time::Instant;

#[derive(Clone, Debug, Serialize)]
pub struct RenderCase {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub supersample: u32,
    /// Grid cells and particles in the scene.
    pub cells: usize,
    pub particles: usize,
    pub frames: u64,
    pub seconds: f64,
    pub frames_per_s: f64,
}

/// Times frames of a tube (radius n/3 along z) in an n³ grid with a parabolic flow
/// and `particles` particles spread through the lumen, after a warm-up frame.
pub fn time_render(
    ctx: &GpuContext,
    n: usize,
    (width, height, supersample): (u32, u32, u32),
    particles: usize,
    min_seconds: f64,
) -> Result<RenderCase, GpuError> {
    use crate::gpu::buffers::storage_from;
    use crate::render::frame_gpu::{FrameRenderer, FrameSettings, RenderInputs};
    let dims = GridDims::new(n, n, n);
    let r = n as f64 / 3.0;
    let radial = |i: usize| {
        let [x, y, _] = dims.coords(i);
        ((x as f64 + 0.5 - 0.5 * n as f64).powi(2) + (y as f64 + 0.5 - 0.5 * n as f64).powi(2))
            .sqrt()
    };
    let cell_flags: Vec<u32> = (0..dims.cells())
        .map(|i| {
            if radial(i) < r {
                flags::FLUID
            } else {
                flags::WALL
            }
        })
        .collect();
    let flow: Vec<[f32; 4]> = (0..dims.cells())
        .map(|i| {
            [
                0.0,
                0.0,
                (0.05 * (1.0 - (radial(i) / r).powi(2))).max(0.0) as f32,
                0.0,
            ]
        })
        .collect();
    // Particles on a deterministic spiral through the lumen.
    let positions: Vec<[f32; 4]> = (0..particles.max(1))
        .map(|k| {
            let a = k as f64 * 2.399963;
            let rho = 0.8 * r * ((k % 97) as f64 / 97.0).sqrt();
            [
                (0.5 * n as f64 + rho * a.cos()) as f32,
                (0.5 * n as f64 + rho * a.sin()) as f32,
                (n as f64 * (k as f64 + 0.5) / particles.max(1) as f64) as f32,
                0.6,
            ]
        })
        .collect();
    let status: Vec<[u32; 4]> = (0..particles.max(1))
        .map(|k| [1 + (k % 3 == 0) as u32, 0, 0, 0])
        .collect();
    let flags_buffer = storage_from(
        ctx,
        "bench flags",
        &crate::lbm::sparse::cell_table(&cell_flags, None),
    );
    let flow_buffer = storage_from(ctx, "bench flow", &flow);
    let positions_buffer = storage_from(ctx, "bench positions", &positions);
    let status_buffer = storage_from(ctx, "bench status", &status);
    let renderer = FrameRenderer::new(
        ctx,
        &RenderInputs {
            dims,
            flags: &flags_buffer,
            cell_table_constants: crate::lbm::sparse::cell_table_constants(None),
            flow: &flow_buffer,
            solid: None,
            particles: Some((&positions_buffer, &status_buffer, particles)),
        },
        FrameSettings {
            width,
            height,
            supersample,
            max_speed_lattice: 0.05,
            slice: Some(([1.0, 0.0, 0.0], 0.5 * n as f32 + 0.5)),
            solid_scale: 1.0,
        },
    )?;
    let camera = crate::render::camera::overview([n, n, n], 35.0, width as f64 / height as f64);
    renderer.render(ctx, &camera)?; // warm-up: shader compilation
    let started = Instant::now();
    let mut frames = 0u64;
    while frames < 2 || started.elapsed().as_secs_f64() < min_seconds {
        renderer.render(ctx, &camera)?;
        frames += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let s = renderer.settings.supersample;
    Ok(RenderCase {
        name: format!("frame {width}x{height} ss{s}"),
        width,
        height,
        supersample: s,
        cells: dims.cells(),
        particles,
        frames,
        seconds,
        frames_per_s: frames as f64 / seconds,
    })
}
