//! The particle system resident on the GPU: structure-of-arrays buffers, the motion
//! and lodging kernel after every lattice step (over the list of active particles,
//! rebuilt every [`LIST_HORIZON`] steps, so lodged and exited particles cost nothing),
//! the occlusion kernel every `occlusion_interval` steps. Nothing is read back per
//! step; tallies and positions are read at output intervals.

use super::coupling::Coupling;
use super::lattice_gpu::{GpuLattice, StepHook};
use crate::gpu::bindings::Resources;
use crate::gpu::buffers::{non_empty, read_back, storage_from, uniform_from};
use crate::gpu::pipeline::{dispatch_size, submit_pass, BoundKernel, KernelModule};
use crate::gpu::{GpuContext, GpuError};
use crate::kernels::{particles, WORKGROUP_SIZE};
use crate::particles::plan::{KernelSettings, ParticlePlan};

pub use crate::particles::kernel_params::SOLID_SCALE;
use crate::particles::kernel_params::{GridLayout, OcclusionParams, ParticleParams};

/// Steps between rebuilds of the active-particle list (shaders/particles/compact.wgsl):
/// a particle that lodges or exits keeps its thread for at most this long.
pub const LIST_HORIZON: u64 = 32;

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
    /// Free particles per crowding block (counted, read and cleared every step).
    crowd_blocks: usize,
    count_crowd: BoundKernel,
    advance: BoundKernel,
    clear_crowd: BoundKernel,
    occlude: BoundKernel,
    tick: BoundKernel,
    /// Active-list kernels: reset, scan, indirect arguments.
    list_kernels: [BoundKernel; 3],
    /// Indirect dispatch arguments of the advance kernel.
    advance_args: wgpu::Buffer,
    /// Active particles: count, then indices.
    active: wgpu::Buffer,
    /// The step at which the list must be rebuilt next (`None`: at the next step,
    /// as after construction or a restored checkpoint).
    list_valid_until: std::cell::Cell<Option<u64>>,
}

impl GpuParticles {
    /// Uploads the particles of `plan`; `cell_geometry` holds per cell (signed wall
    /// distance, lumen radius, 0, 0) in cells. The particles read the flow from
    /// `coupling` and feed their porous drag back through it; `lattice` (coupled to
    /// the same fields) gives the cell table. The particle clock starts at
    /// `start_step`.
    pub fn new(
        ctx: &GpuContext,
        lattice: &GpuLattice,
        coupling: &Coupling,
        plan: &ParticlePlan,
        settings: &KernelSettings,
        cell_geometry: &[[f32; 4]],
        start_step: u64,
    ) -> Result<Self, GpuError> {
        let cells = lattice.dims.cells();
        assert_eq!(cell_geometry.len(), cells, "one geometry entry per cell");
        assert_eq!(
            coupling.cells(),
            cells,
            "particles need coupling fields over the whole grid (Coupling::new)"
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
        let params = ParticleParams::new(plan, settings);
        let occlusion = OcclusionParams::new(settings);
        let params = uniform_from(ctx, "particle params", &params);
        let occlusion = uniform_from(ctx, "occlusion params", &occlusion);
        let positions = storage_from(ctx, "particle positions", &non_empty(&plan.positions));
        let velocities = storage_from(ctx, "particle velocities", &non_empty(&plan.velocities));
        let status = storage_from(ctx, "particle status", &non_empty(&plan.meta));
        let tables = storage_from(ctx, "agents and magnets", &non_empty(&plan.tables));
        let geometry = storage_from(ctx, "cell geometry", cell_geometry);
        let solid = storage_from(ctx, "solid volume", &vec![0u32; 2 * cells]);
        let clock = storage_from(ctx, "particle clock", &[start_step as u32, 0u32]);
        let crowd_block = plan.crowd_block();
        let crowd_blocks = lattice.dims.blocks(crowd_block as usize);
        let crowd = storage_from(ctx, "particle crowding", &vec![0u32; crowd_blocks]);
        let active = storage_from(ctx, "active particles", &vec![0u32; plan.len() + 1]);
        let advance_args = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("advance dispatch"),
            size: 12,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::INDIRECT,
            mapped_at_creation: false,
        });

        // The grid reaches the particle kernels through a uniform, not pipeline
        // constants, so that every grid shares their compiled pipelines.
        let layout = GridLayout::new(
            lattice.dims,
            &lattice.cell_table_constants(),
            crowd_block,
            plan.len(),
        );
        let layout = uniform_from(ctx, "particle grid layout", &layout);
        let resources = Resources::new()
            .with("pp", &params)
            .with("op", &occlusion)
            .with("grid", &layout)
            .with("flags", lattice.cell_table())
            .and(&coupling.resources())
            .with("cell_geometry", &geometry)
            .with("positions", &positions)
            .with("velocities", &velocities)
            .with("status", &status)
            .with("tables", &tables)
            .with("solid", &solid)
            .with("clock", &clock)
            .with("active_list", &active)
            .with("advance_args", &advance_args)
            .with("crowd", &crowd);
        let bound = |module: &KernelModule, entry_point: &str| -> Result<BoundKernel, GpuError> {
            Ok(BoundKernel::new(
                module.pipeline(ctx, entry_point, &[])?,
                module.bind(ctx, &resources)?,
            ))
        };
        let advance = KernelModule::new(ctx, "advance_particles", &particles::advance())?;
        let occlusion = KernelModule::new(ctx, "occlusion", &particles::occlusion())?;
        let compact = KernelModule::new(ctx, "active particle list", &particles::compact())?;
        let advance_kernel = bound(&advance, "advance_particles")?;
        let count_crowd = bound(&advance, "count_crowd")?;
        let clear_crowd = bound(&advance, "clear_crowd")?;
        let occlude_kernel = bound(&occlusion, "occlude")?;
        let tick_kernel = bound(&occlusion, "tick")?;
        let list_kernels = [
            bound(&compact, "list_reset")?,
            bound(&compact, "list_scan")?,
            bound(&compact, "list_args")?,
        ];
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
            crowd_blocks,
            count_crowd,
            advance: advance_kernel,
            clear_crowd,
            occlude: occlude_kernel,
            tick: tick_kernel,
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

    /// Sets the lodged-material counters: per grid cell the solid volume fraction and
    /// Σ fraction × diameter [cells], fixed point ([`SOLID_SCALE`]), e.g. a bed of
    /// known make-up for a test. The next occlusion update turns them into the flow's
    /// porous drag and the particles' snapshot.
    pub fn write_solid_counters(&self, ctx: &GpuContext, counters: &[u32]) -> Result<(), GpuError> {
        if counters.len() != 2 * self.cells {
            return Err(GpuError::Wgpu(format!(
                "solid counters: {} values for a grid of {} cells (two per cell)",
                counters.len(),
                self.cells
            )));
        }
        ctx.queue
            .write_buffer(&self.solid, 0, bytemuck::cast_slice(counters));
        Ok(())
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
        submit_pass(ctx, "active particle list", |pass| {
            self.record_list_rebuild(pass)
        });
        let list: Vec<u32> = read_back(ctx, &self.active, self.active.size())?;
        let n = list[0] as usize;
        Ok(list[1..1 + n].to_vec())
    }

    fn record_list_rebuild(&self, pass: &mut wgpu::ComputePass<'_>) {
        let (gx, gy) = dispatch_size(self.count, WORKGROUP_SIZE);
        for (kernel, groups) in self.list_kernels.iter().zip([(1, 1), (gx, gy), (1, 1)]) {
            kernel.record(pass, groups);
        }
    }

    /// Rebuild the active-particle list before the next step (the states changed
    /// behind the kernels' back, e.g. a restored checkpoint).
    pub(crate) fn invalidate_active_list(&self) {
        self.list_valid_until.set(None);
    }

    /// The particle clock: (particle steps done, cells closed by occlusion).
    pub fn read_clock(&self, ctx: &GpuContext) -> Result<[u32; 2], GpuError> {
        let v: Vec<u32> = read_back(ctx, &self.clock, 8)?;
        Ok([v[0], v[1]])
    }

    /// The raw solid counters: per cell the solid fraction and Σ fraction ×
    /// diameter [cells], fixed point (scale [`SOLID_SCALE`]).
    pub fn read_solid_counters(&self, ctx: &GpuContext) -> Result<Vec<u32>, GpuError> {
        read_back(ctx, &self.solid, (self.cells * 8) as u64)
    }

    /// Per cell (signed wall distance, lumen radius, solid fraction snapshot, 0).
    pub fn read_cell_geometry(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        read_back(ctx, &self.geometry, (self.cells * 16) as u64)
    }

    /// Runs the particles' work of one step alone, as after lattice step `step`
    /// (0-based), on the flow as it is: for the CPU-twin tests.
    pub fn step_alone(&self, ctx: &GpuContext, step: u64) {
        submit_pass(ctx, "particles", |pass| self.record(pass, step));
    }

    /// Cells turned into wall by lodged particles so far.
    pub fn occluded_cells(&self, ctx: &GpuContext) -> Result<u64, GpuError> {
        Ok(self.read_clock(ctx)?[1] as u64)
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
            // Crowding counts as the step starts, the step, then the counts cleared.
            for kernel in [&self.count_crowd, &self.advance] {
                pass.set_pipeline(&kernel.pipeline);
                pass.set_bind_group(0, &kernel.group, &[]);
                pass.dispatch_workgroups_indirect(&self.advance_args, 0);
            }
            self.clear_crowd
                .record(pass, dispatch_size(self.crowd_blocks, WORKGROUP_SIZE));
        }
        if (step + 1).is_multiple_of(self.occlusion_interval) {
            self.occlude
                .record(pass, dispatch_size(self.cells, WORKGROUP_SIZE));
        }
        self.tick.record(pass, (1, 1));
    }
}
