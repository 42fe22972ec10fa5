//! The headless frame renderer on the GPU (shaders/render/frame.wgsl): binds the
//! buffers a frame is made of (cell flags, velocity field, lodged volume, particles)
//! where they already live, so frames during a run read nothing back but the image.

use super::camera::Camera;
use crate::gpu::bindings::Resources;
use crate::gpu::buffers::{read_back, storage_from, uniform_from};
use crate::gpu::pipeline::{dispatch_size, submit_pass, BoundKernel, KernelModule};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::GridDims;

const GROUP: u32 = 64;

/// Where a frame's data lives on the GPU.
pub struct RenderInputs<'a> {
    pub dims: GridDims,
    /// The lattice's cell table (flags: kind in the low two bits, wall = 1; with
    /// sparse storage, brick tables too: shaders/common/cells.wgsl) and its layout
    /// constants (`GpuLattice::cell_table_constants`).
    pub flags: &'a wgpu::Buffer,
    pub cell_table_constants: Vec<(&'static str, f64)>,
    /// (u, δρ) per cell, lattice units.
    pub flow: &'a wgpu::Buffer,
    /// Lodged solid volume per cell, two u32 per cell, fixed point.
    pub solid: Option<&'a wgpu::Buffer>,
    /// Particle positions (cells, diameter in cells), states and their count.
    pub particles: Option<(&'a wgpu::Buffer, &'a wgpu::Buffer, usize)>,
}

#[derive(Clone, Copy, Debug)]
pub struct FrameSettings {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel along each axis (anti-aliasing).
    pub supersample: u32,
    /// Speed at the top of the colour scale, lattice units.
    pub max_speed_lattice: f32,
    /// Slice plane n·p = d in cells; `None`: no slice.
    pub slice: Option<([f32; 3], f32)>,
    /// Fixed-point scale of the solid counters.
    pub solid_scale: f32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    eye: [f32; 4],
    forward: [f32; 4],
    right: [f32; 4],
    up: [f32; 4],
    lens: [f32; 4],
    slice: [f32; 4],
    size: [u32; 4],
    grid: [u32; 4],
}

pub struct FrameRenderer {
    pub settings: FrameSettings,
    dims: GridDims,
    particles: usize,
    has_solid: bool,
    params: wgpu::Buffer,
    final_image: wgpu::Buffer,
    kernels: [BoundKernel; 5],
}

impl FrameRenderer {
    pub fn new(
        ctx: &GpuContext,
        inputs: &RenderInputs,
        settings: FrameSettings,
    ) -> Result<Self, GpuError> {
        let mut settings = settings;
        let limit = ctx
            .limits
            .max_storage_buffer_binding_size
            .min(ctx.limits.max_buffer_size);
        // Supersampling within the adapter's binding size (4K at 2×2 is 133 MB).
        while settings.supersample > 1
            && (settings.width * settings.height * settings.supersample.pow(2)) as u64 * 4 > limit
        {
            settings.supersample -= 1;
        }
        let samples = (settings.width * settings.height * settings.supersample.pow(2)) as usize;
        if samples as u64 * 4 > limit {
            return Err(GpuError::TooLarge {
                adapter: ctx.adapter_info.name.clone(),
                problem: format!(
                    "a {}x{} frame needs {} MiB per image buffer",
                    settings.width,
                    settings.height,
                    (samples * 4) >> 20
                ),
                fix: "render at a lower resolution".into(),
            });
        }
        let params = uniform_from(
            ctx,
            "render params",
            &<Params as bytemuck::Zeroable>::zeroed(),
        );
        let depth = storage_from(ctx, "render depth", &vec![0u32; samples]);
        let image = storage_from(ctx, "render image", &vec![0u32; samples]);
        let final_image = storage_from(
            ctx,
            "render final",
            &vec![0u32; (settings.width * settings.height) as usize],
        );
        let dummy_u32 = storage_from(ctx, "render dummy", &[0u32; 8]);
        let dummy_vec4 = storage_from(ctx, "render dummy vec4", &[[0.0f32; 4]; 1]);
        let dummy_status = storage_from(ctx, "render dummy status", &[[0u32; 4]; 1]);
        let solid = inputs.solid.unwrap_or(&dummy_u32);
        let (positions, status, count) =
            inputs.particles.unwrap_or((&dummy_vec4, &dummy_status, 0));
        // Cells are read through the lattice's cell table (shaders/common/cells.wgsl).
        let module = KernelModule::new(ctx, "frame", &crate::kernels::render::frame())?;
        let mut grid = vec![
            ("NX", inputs.dims.nx as f64),
            ("NY", inputs.dims.ny as f64),
            ("NZ", inputs.dims.nz as f64),
        ];
        grid.extend(inputs.cell_table_constants.iter().copied());
        let resources = Resources::new()
            .with("rp", &params)
            .with("flags", inputs.flags)
            .with("velocity_field", inputs.flow)
            .with("solid", solid)
            .with("positions", positions)
            .with("status", status)
            .with("depth", &depth)
            .with("image", &image)
            .with("final_image", &final_image);
        let group = module.bind(ctx, &resources)?;
        let kernel = |name: &str| -> Result<BoundKernel, GpuError> {
            Ok(BoundKernel::new(
                module.pipeline(ctx, name, &grid)?,
                group.clone(),
            ))
        };
        let kernels = [
            kernel("clear")?,
            kernel("splat_depth")?,
            kernel("splat_colour")?,
            kernel("march")?,
            kernel("downsample")?,
        ];
        ctx.errors.check()?;
        Ok(FrameRenderer {
            settings,
            dims: inputs.dims,
            particles: count,
            has_solid: inputs.solid.is_some(),
            params,
            final_image,
            kernels,
        })
    }

    /// Renders the current content of the inputs seen by `camera`; returns RGB8
    /// pixels, row by row from the top.
    pub fn render(&self, ctx: &GpuContext, camera: &Camera) -> Result<Vec<u8>, GpuError> {
        let s = &self.settings;
        let (forward, right, up) = camera.basis();
        let tan = (0.5 * camera.fov_deg.to_radians()).tan() as f32;
        let aspect = s.width as f32 / s.height as f32;
        let v = |d: glam::DVec3| [d.x as f32, d.y as f32, d.z as f32, 0.0];
        let (normal, offset) = s.slice.unwrap_or(([0.0; 3], 0.0));
        let params = Params {
            eye: v(camera.eye),
            forward: v(forward),
            right: v(right),
            up: v(up),
            lens: [
                tan * aspect,
                tan,
                s.max_speed_lattice.max(1e-9),
                s.solid_scale,
            ],
            slice: [normal[0], normal[1], normal[2], offset],
            size: [s.width, s.height, s.supersample, self.particles as u32],
            grid: [
                self.dims.nx as u32,
                self.dims.ny as u32,
                self.dims.nz as u32,
                self.has_solid as u32,
            ],
        };
        ctx.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        let samples = (s.width * s.height * s.supersample.pow(2)) as usize;
        let pixels = (s.width * s.height) as usize;
        let counts = [samples, self.particles, self.particles, samples, pixels];
        submit_pass(ctx, "frame", |pass| {
            for (kernel, n) in self.kernels.iter().zip(counts) {
                // No particles: nothing to splat.
                if n > 0 {
                    kernel.record(pass, dispatch_size(n, GROUP));
                }
            }
        });
        let packed: Vec<u32> = read_back(ctx, &self.final_image, pixels as u64 * 4)?;
        Ok(packed
            .iter()
            .flat_map(|p| {
                let b = p.to_le_bytes();
                [b[0], b[1], b[2]]
            })
            .collect())
    }
}
