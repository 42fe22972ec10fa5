//! The particle system resident on the GPU: structure-of-arrays buffers, the motion
//! and lodging kernel after every lattice step (over the list of active particles,
//! rebuilt every [`LIST_HORIZON`] steps, so lodged and exited particles cost nothing),
//! the occlusion kernel every `occlusion_interval` steps. Nothing is read back per
//! step; tallies and positions are read at output intervals.

use super::lattice_gpu::{entry, GpuLattice, StepHook};
use crate::gpu::buffers::{read_back, storage_from, uniform_from};
use crate::gpu::pipeline::{compute_pipeline, dispatch_size};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::shader_source::{self, WORKGROUP_SIZE};
use crate::particles::plan::{KernelSettings, ParticlePlan};

/// Fixed-point scale of the per-cell solid-volume counters (2^20 per cell volume).
pub const SOLID_SCALE: f32 = 1_048_576.0;

/// Steps between rebuilds of the active-particle list (shaders/particles/compact.wgsl):
/// a particle that lodges or exits keeps its thread for at most this long.
pub const LIST_HORIZON: u64 = 32;

/// Largest porous drag σ (per step) the flow receives: beyond it a cell is closed for
/// all practical purposes (u shrinks by 1/(1 + σ/2)).
const MAX_DRAG: f32 = 1000.0;

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct ParticleParams {
    count: u32,
    agents: u32,
    magnets: u32,
    seed: u32,
    nu: f32,
    dx_m: f32,
    accel_to_lattice: f32,
    bridging_ratio: f32,
    origin_m: [f32; 4],
    blocking_fraction: f32,
    solid_scale: f32,
    forces: u32,
    _pad: f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct OcclusionParams {
    nu: f32,
    wall_fraction: f32,
    solid_scale: f32,
    max_drag: f32,
}

pub struct GpuParticles {
    count: usize,
    cells: usize,
    occlusion_interval: u64,
    positions: wgpu::Buffer,
    velocities: wgpu::Buffer,
    status: wgpu::Buffer,
    clock: wgpu::Buffer,
    solid: wgpu::Buffer,
    /// Per cell (signed wall distance, lumen radius, …): occlusion updates it.
    geometry: wgpu::Buffer,
    advance: (wgpu::ComputePipeline, wgpu::BindGroup),
    occlude: (wgpu::ComputePipeline, wgpu::BindGroup),
    tick: (wgpu::ComputePipeline, wgpu::BindGroup),
    /// Active-list kernels: reset, scan, indirect arguments, and their bind groups.
    list_kernels: [(wgpu::ComputePipeline, wgpu::BindGroup); 3],
    /// Indirect dispatch arguments of the advance kernel.
    advance_args: wgpu::Buffer,
    /// Active particles: count, then indices.
    active: wgpu::Buffer,
    /// The step at which the list must be rebuilt next (`None`: at the next step,
    /// as after construction or a restored checkpoint).
    list_valid_until: std::cell::Cell<Option<u64>>,
}

/// At least one element: wgpu buffers cannot be empty.
fn padded<T: Copy + Default>(v: &[T]) -> Vec<T> {
    if v.is_empty() {
        vec![T::default()]
    } else {
        v.to_vec()
    }
}

impl GpuParticles {
    /// Uploads the particles of `plan`; `cell_geometry` holds per cell (signed wall
    /// distance, lumen radius, 0, 0) in cells. `lattice` must keep coupled fields.
    /// The particle clock starts at `start_step`.
    pub fn new(
        ctx: &GpuContext,
        lattice: &GpuLattice,
        plan: &ParticlePlan,
        settings: &KernelSettings,
        cell_geometry: &[[f32; 4]],
        start_step: u64,
    ) -> Result<Self, GpuError> {
        let cells = lattice.dims.cells();
        assert_eq!(cell_geometry.len(), cells, "one geometry entry per cell");
        assert!(
            lattice.velocity_field.size() >= (cells * 16) as u64,
            "the lattice was built without coupled fields (LatticeSetup::coupled_fields)"
        );
        let max_binding = ctx.device.limits().max_storage_buffer_binding_size;
        let largest = (plan.len() as u64 * 16).max(cells as u64 * 16);
        if largest > max_binding {
            return Err(GpuError::TooLarge {
                adapter: ctx.adapter_info.name.clone(),
                problem: format!(
                    "{} particles and {} cells need {:.0} MiB in one buffer; this adapter binds at most {:.0} MiB",
                    plan.len(),
                    cells,
                    largest as f64 / 1048576.0,
                    max_binding as f64 / 1048576.0
                ),
                fix: "inject fewer particles, use a coarser voxel size or a GPU with larger buffers".into(),
            });
        }
        let params = ParticleParams {
            count: plan.len() as u32,
            agents: plan.agent_names.len() as u32,
            magnets: plan.magnets as u32,
            seed: settings.seed,
            nu: settings.nu_lattice,
            dx_m: settings.dx_m,
            accel_to_lattice: settings.accel_to_lattice,
            bridging_ratio: settings.bridging_ratio,
            origin_m: [
                settings.origin_m[0],
                settings.origin_m[1],
                settings.origin_m[2],
                0.0,
            ],
            blocking_fraction: settings.blocking_fraction,
            solid_scale: SOLID_SCALE,
            forces: settings.pressure_gradient as u32 | (settings.lift as u32) << 1,
            _pad: 0.0,
        };
        let occlusion = OcclusionParams {
            nu: settings.nu_lattice,
            wall_fraction: settings.wall_fraction,
            solid_scale: SOLID_SCALE,
            max_drag: MAX_DRAG,
        };
        let params = uniform_from(ctx, "particle params", &params);
        let occlusion = uniform_from(ctx, "occlusion params", &occlusion);
        let positions = storage_from(ctx, "particle positions", &padded(&plan.positions));
        let velocities = storage_from(ctx, "particle velocities", &padded(&plan.velocities));
        let status = storage_from(ctx, "particle status", &padded(&plan.meta));
        let tables = storage_from(ctx, "agents and magnets", &padded(&plan.tables));
        let geometry = storage_from(ctx, "cell geometry", cell_geometry);
        let solid = storage_from(ctx, "solid volume", &vec![0u32; 2 * cells]);
        let clock = storage_from(ctx, "particle clock", &[start_step as u32, 0u32]);
        let active = storage_from(ctx, "active particles", &vec![0u32; plan.len() + 1]);
        let advance_args = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("advance dispatch"),
            size: 12,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::INDIRECT,
            mapped_at_creation: false,
        });

        let size = [
            ("NX", lattice.dims.nx as f64),
            ("NY", lattice.dims.ny as f64),
            ("NZ", lattice.dims.nz as f64),
        ];
        // The kernels that read cells (advance, occlude, tick) also need the layout.
        let mut cell_constants = size.to_vec();
        cell_constants.extend(lattice.cell_table_constants());
        let group =
            |pipeline: &wgpu::ComputePipeline, label: &str, entries: &[wgpu::BindGroupEntry]| {
                ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some(label),
                    layout: &pipeline.get_bind_group_layout(0),
                    entries,
                })
            };
        let advance_source = shader_source::particles_advance();
        let occlusion_source = shader_source::particles_occlusion();
        let advance = compute_pipeline(
            ctx,
            "advance_particles",
            &advance_source,
            "advance_particles",
            &cell_constants,
        )?;
        let advance_group = group(
            &advance,
            "advance_particles",
            &[
                entry(0, &params),
                entry(1, &lattice.flags),
                entry(2, &lattice.velocity_field),
                entry(3, &geometry),
                entry(4, &positions),
                entry(5, &velocities),
                entry(6, &status),
                entry(7, &tables),
                entry(8, &solid),
                entry(9, &clock),
                entry(10, &active),
            ],
        );
        let compact_source = shader_source::particles_compact();
        let mut list_constants = size.to_vec();
        list_constants.push(("LIST_HORIZON", LIST_HORIZON as f64));
        list_constants.push(("PARTICLE_COUNT", plan.len() as f64));
        let list_kernel = |name: &str,
                           entries: &[wgpu::BindGroupEntry]|
         -> Result<(wgpu::ComputePipeline, wgpu::BindGroup), GpuError> {
            let pipeline = compute_pipeline(ctx, name, &compact_source, name, &list_constants)?;
            let bind_group = group(&pipeline, name, entries);
            Ok((pipeline, bind_group))
        };
        let list_kernels = [
            list_kernel("list_reset", &[entry(2, &active)])?,
            list_kernel(
                "list_scan",
                &[entry(0, &status), entry(1, &clock), entry(2, &active)],
            )?,
            list_kernel("list_args", &[entry(2, &active), entry(3, &advance_args)])?,
        ];
        let occlude = compute_pipeline(
            ctx,
            "occlude",
            &occlusion_source,
            "occlude",
            &cell_constants,
        )?;
        let occlude_group = group(
            &occlude,
            "occlude",
            &[
                entry(0, &occlusion),
                entry(1, &lattice.flags),
                entry(2, &solid),
                entry(3, &lattice.porous_drag),
                entry(4, &lattice.velocity_field),
                entry(5, &clock),
                entry(6, &geometry),
            ],
        );
        let tick = compute_pipeline(ctx, "tick", &occlusion_source, "tick", &cell_constants)?;
        let tick_group = group(&tick, "tick", &[entry(5, &clock)]);
        ctx.errors.check()?;
        Ok(GpuParticles {
            count: plan.len(),
            cells,
            occlusion_interval: settings.occlusion_interval.max(1),
            positions,
            velocities,
            status,
            clock,
            solid,
            geometry,
            advance: (advance, advance_group),
            occlude: (occlude, occlude_group),
            tick: (tick, tick_group),
            list_kernels,
            advance_args,
            active,
            list_valid_until: std::cell::Cell::new(None),
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// (state, agent, release step, where it ended) of every particle.
    pub fn read_status(&self, ctx: &GpuContext) -> Result<Vec<[u32; 4]>, GpuError> {
        let mut v: Vec<[u32; 4]> = read_back(ctx, &self.status, (self.count.max(1) * 16) as u64)?;
        v.truncate(self.count);
        Ok(v)
    }

    /// Position [cells] and diameter [cells] of every particle.
    pub fn read_positions(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        let mut v: Vec<[f32; 4]> =
            read_back(ctx, &self.positions, (self.count.max(1) * 16) as u64)?;
        v.truncate(self.count);
        Ok(v)
    }

    /// Velocity [cells/step] and response time [steps] of every particle.
    pub fn read_velocities(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        let mut v: Vec<[f32; 4]> =
            read_back(ctx, &self.velocities, (self.count.max(1) * 16) as u64)?;
        v.truncate(self.count);
        Ok(v)
    }

    /// Per cell the lodged solid volume fraction (0 where nothing lodged).
    pub fn read_solid_fraction(&self, ctx: &GpuContext) -> Result<Vec<f32>, GpuError> {
        let raw: Vec<u32> = read_back(ctx, &self.solid, (self.cells * 8) as u64)?;
        Ok(raw.chunks(2).map(|c| c[0] as f32 / SOLID_SCALE).collect())
    }

    /// Positions, states, lodged volume and the particle count, for the renderer.
    pub fn render_buffers(&self) -> (&wgpu::Buffer, &wgpu::Buffer, &wgpu::Buffer, usize) {
        (&self.positions, &self.status, &self.solid, self.count)
    }

    /// The buffers a run changes, by name (checkpoints).
    pub(crate) fn state_buffers_named(&self) -> Vec<(&'static str, &wgpu::Buffer)> {
        vec![
            ("positions", &self.positions),
            ("velocities", &self.velocities),
            ("status", &self.status),
            ("clock", &self.clock),
            ("solid", &self.solid),
            ("cell_geometry", &self.geometry),
        ]
    }

    /// Rebuilds the active-particle list now, from the current states and clock, and
    /// returns the indices it holds (in list order). For tests and diagnostics: runs
    /// rebuild it themselves every [`LIST_HORIZON`] steps.
    pub fn rebuild_active_list(&self, ctx: &GpuContext) -> Result<Vec<u32>, GpuError> {
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("active particle list"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("active particle list"),
                timestamp_writes: None,
            });
            self.record_list_rebuild(&mut pass);
        }
        ctx.queue.submit([encoder.finish()]);
        let list: Vec<u32> = read_back(ctx, &self.active, self.active.size())?;
        let n = list[0] as usize;
        Ok(list[1..1 + n].to_vec())
    }

    fn record_list_rebuild(&self, pass: &mut wgpu::ComputePass<'_>) {
        let (gx, gy) = dispatch_size(self.count, WORKGROUP_SIZE);
        for ((pipeline, bind_group), (x, y)) in
            self.list_kernels.iter().zip([(1, 1), (gx, gy), (1, 1)])
        {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, bind_group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }

    /// Rebuild the active-particle list before the next step (the states changed
    /// behind the kernels' back, e.g. a restored checkpoint).
    pub(crate) fn invalidate_active_list(&self) {
        self.list_valid_until.set(None);
    }

    /// Cells turned into wall by lodged particles so far.
    pub fn occluded_cells(&self, ctx: &GpuContext) -> Result<u64, GpuError> {
        let v: Vec<u32> = read_back(ctx, &self.clock, 8)?;
        Ok(v[1] as u64)
    }
}

impl StepHook for GpuParticles {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, step: u64) {
        if self.count > 0 {
            if self
                .list_valid_until
                .get()
                .is_none_or(|until| step >= until)
            {
                self.record_list_rebuild(pass);
                self.list_valid_until.set(Some(step + LIST_HORIZON));
            }
            pass.set_pipeline(&self.advance.0);
            pass.set_bind_group(0, &self.advance.1, &[]);
            pass.dispatch_workgroups_indirect(&self.advance_args, 0);
        }
        if (step + 1).is_multiple_of(self.occlusion_interval) {
            let (gx, gy) = dispatch_size(self.cells, WORKGROUP_SIZE);
            pass.set_pipeline(&self.occlude.0);
            pass.set_bind_group(0, &self.occlude.1, &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
        pass.set_pipeline(&self.tick.0);
        pass.set_bind_group(0, &self.tick.1, &[]);
        pass.dispatch_workgroups(1, 1, 1);
    }
}
