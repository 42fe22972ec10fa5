//! The lattice resident on the GPU, by role: population storage and cell table
//! ([`storage`]), boundary tables and the step clock ([`boundaries`]), the step
//! settings ([`params`]), the compiled kernels ([`kernels`]), and the coupling fields
//! it shares with the particles ([`crate::sim::coupling`], owned by the run). The
//! host records passes; populations travel back only when asked for (tests,
//! checkpoints).

pub mod boundaries;
mod kernels;
pub mod layout;
pub mod params;
pub mod storage;

pub use params::{StepState, SCHEDULE_CAPACITY};
pub use storage::memory_bytes;

use crate::gpu::bindings::Resources;
use crate::gpu::buffers::{read_back, uniform_from};
use crate::gpu::pipeline::{dispatch_size, submit_pass};
use crate::gpu::{GpuContext, GpuError};
use crate::kernels::{PROBE_CELLS_PER_THREAD, REDUCTION_WORKGROUP_SIZE};
use crate::lbm::lattice::Q;
use crate::lbm::setup::PopulationSplit;
use crate::lbm::{GridDims, LatticeSetup};
use crate::probes::{reduce_partials, ProbeTotals, PROBE_FIXED_SLOTS, PROBE_SLOTS_PER_OPENING};
use crate::sim::coupling::Coupling;
use boundaries::BoundaryTables;
use kernels::{LatticeKernels, StepConstants};
use params::StepSettings;
use storage::PopulationStorage;

/// Dispatches that run after every lattice step, in the same compute pass.
pub trait StepHook {
    /// Records the work that follows step `step` (0-based: the step just done).
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, step: u64);
}

/// Several hooks, recorded in order.
pub struct StepHooks<'a>(pub Vec<&'a dyn StepHook>);

impl StepHook for StepHooks<'_> {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, step: u64) {
        for hook in &self.0 {
            hook.record(pass, step);
        }
    }
}

pub struct GpuLattice {
    pub dims: GridDims,
    pub split: PopulationSplit,
    settings: StepSettings,
    params: wgpu::Buffer,
    /// The grid and storage layout the kernels read at run time.
    layout: wgpu::Buffer,
    storage: PopulationStorage,
    boundaries: BoundaryTables,
    coupling: Coupling,
    kernels: LatticeKernels,
    /// Per-workgroup sums of the probe reduction.
    partials: wgpu::Buffer,
    partial_floats: usize,
    /// A schedule is set: advance the step state before every step.
    time_dependent: bool,
    /// Which population set holds the current state (0 or 1).
    current: usize,
    steps_done: u64,
}

impl GpuLattice {
    /// A lattice not coupled to particles.
    pub fn new(ctx: &GpuContext, setup: &LatticeSetup) -> Result<Self, GpuError> {
        Self::build(ctx, setup, Coupling::placeholder(ctx), None)
    }

    /// A lattice that writes its velocity field into `coupling` and applies the
    /// porous drag it holds (particles, rendering).
    pub fn coupled(
        ctx: &GpuContext,
        setup: &LatticeSetup,
        coupling: &Coupling,
    ) -> Result<Self, GpuError> {
        assert!(
            coupling.cells() == setup.dims.cells(),
            "the coupling fields cover {} cells, the grid has {}",
            coupling.cells(),
            setup.dims.cells()
        );
        Self::build(ctx, setup, coupling.clone(), None)
    }

    /// Like [`GpuLattice::new`], with the bytes per population binding capped at
    /// `binding_limit` (tests use it to force a split on any adapter).
    pub fn with_binding_limit(
        ctx: &GpuContext,
        setup: &LatticeSetup,
        binding_limit: Option<u64>,
    ) -> Result<Self, GpuError> {
        Self::build(ctx, setup, Coupling::placeholder(ctx), binding_limit)
    }

    fn build(
        ctx: &GpuContext,
        setup: &LatticeSetup,
        coupling: Coupling,
        binding_limit: Option<u64>,
    ) -> Result<Self, GpuError> {
        let dims = setup.dims;
        assert_eq!(setup.flags.len(), dims.cells(), "one flag per cell");
        assert_eq!(
            setup.populations.len(),
            Q * dims.cells(),
            "19 populations per cell"
        );
        check_workgroup_size(ctx, setup.step_workgroup_size)?;
        let settings = StepSettings {
            relaxation: setup.relaxation,
            rheology: setup.rheology,
            smagorinsky: setup.smagorinsky,
            force: setup.force,
            inlet_scale: 1.0,
            valve_direction: setup.valve.as_ref().map_or([0.0; 3], |v| v.direction),
        };
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let params = uniform_from(ctx, "params", &settings.gpu_params());
        let storage = PopulationStorage::new(ctx, setup, binding_limit)?;
        let boundaries = BoundaryTables::new(ctx, setup);
        // The probe kernel needs at least one opening slot.
        let stride = PROBE_FIXED_SLOTS + PROBE_SLOTS_PER_OPENING * boundaries.opening_count;
        let (px, py) = dispatch_size(
            dims.cells(),
            REDUCTION_WORKGROUP_SIZE * PROBE_CELLS_PER_THREAD,
        );
        let partial_floats = (px * py) as usize * stride;
        let partials = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe partials"),
            size: (partial_floats * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::TooLarge {
                adapter: ctx.adapter_info.name.clone(),
                problem: format!(
                    "allocating {:.0} MiB failed: {e}",
                    storage.memory_bytes() as f64 / 1048576.0
                ),
                fix: "use a coarser voxel size or a GPU with more memory".into(),
            });
        }
        let layout = uniform_from(
            ctx,
            "lattice layout",
            &layout::LatticeLayout::new(&storage, boundaries.boundary_cells),
        );
        let constants = StepConstants {
            layout: storage.layout_constants(),
            model: settings.model_constants(),
            inlet_harmonics: setup.inlet_harmonics,
            coupled: coupling.is_coupled(),
            workgroup_size: setup.step_workgroup_size,
            wall_links: boundaries.has_wall_links,
            step_cells: storage.step_cells(),
            outlet_filter_rate: setup.outlet_filter_steps.map_or(0.0, |t| 1.0 / t.max(1.0)) as f64,
        };
        let resources = [0, 1].map(|set| {
            kernels::resources(&params, &layout, &storage, &boundaries, &coupling, set)
                .with("partials", &partials)
        });
        let kernels = LatticeKernels::new(ctx, &storage, &boundaries, resources, &constants)?;
        ctx.errors.check()?;
        Ok(GpuLattice {
            dims,
            split: storage.split,
            settings,
            params,
            layout,
            storage,
            boundaries,
            coupling,
            kernels,
            partials,
            partial_floats,
            time_dependent: false,
            current: 0,
            steps_done: 0,
        })
    }

    /// Sets the factor applied to every inlet velocity from the next step on.
    pub fn set_inlet_scale(&mut self, ctx: &GpuContext, scale: f32) {
        self.settings.inlet_scale = scale;
        ctx.queue.write_buffer(
            &self.params,
            0,
            bytemuck::bytes_of(&self.settings.gpu_params()),
        );
    }

    pub fn steps_done(&self) -> u64 {
        self.steps_done
    }

    /// The population set (0 or 1) holding the state after step `step` (0-based) and
    /// the one holding the current state: sets alternate every step from set 0 at step
    /// 0, and restoring a checkpoint keeps that parity.
    pub fn set_after_step(step: u64) -> usize {
        ((step + 1) % 2) as usize
    }
    pub fn current_set(&self) -> usize {
        self.current
    }

    /// Continues from step `step` of a checkpoint: the next writes to the current
    /// population set (see [`crate::sim::checkpoint`]) land where step `step` left
    /// its state.
    pub fn resume_at(&mut self, step: u64) {
        self.steps_done = step;
        self.current = (step % 2) as usize;
    }

    /// The buffers a run changes besides the populations, by name (checkpoints).
    pub(crate) fn state_buffers_named(&self) -> Vec<(String, &wgpu::Buffer)> {
        let mut v: Vec<(String, &wgpu::Buffer)> = self
            .storage
            .set(self.current)
            .iter()
            .enumerate()
            .map(|(b, buf)| (format!("populations.{b}"), buf))
            .collect();
        let [outlet_state, outlet_flux, step_state] = self.boundaries.state_buffers();
        v.push((outlet_state.0.into(), outlet_state.1));
        v.push((outlet_flux.0.into(), outlet_flux.1));
        v.push(("flags".into(), self.storage.cell_table()));
        v.push(("porous_drag".into(), self.coupling.porous_drag()));
        v.push(("velocity_field".into(), self.coupling.velocity_field()));
        v.push((step_state.0.into(), step_state.1));
        if let Some(links) = self.boundaries.wall_links_state() {
            v.push(("wall_links".into(), links));
        }
        v
    }

    /// Everything a kernel reading the current populations may bind (settings,
    /// populations of set `set` and their layout, boundary tables, coupling).
    pub fn resources(&self, set: usize) -> Resources<'_> {
        kernels::resources(
            &self.params,
            &self.layout,
            &self.storage,
            &self.boundaries,
            &self.coupling,
            set,
        )
    }

    /// Constants of kernels that read populations: the layout and the collision's
    /// switches (the field kernels share them with the step).
    pub(crate) fn model_constants(&self) -> Vec<(&'static str, f64)> {
        let mut constants = self.storage.layout_constants();
        constants.extend(self.settings.model_constants());
        constants.push(("COUPLED", self.coupling.is_coupled() as u32 as f64));
        constants
    }

    /// The cell table (`flags` in the kernels).
    pub fn cell_table(&self) -> &wgpu::Buffer {
        self.storage.cell_table()
    }

    /// The layout constants of shaders/common/cells.wgsl for this lattice: every
    /// kernel that binds `flags` needs them.
    pub fn cell_table_constants(&self) -> Vec<(&'static str, f64)> {
        self.storage.cell_table_constants()
    }

    /// The coupling fields this lattice writes and applies.
    pub fn coupling(&self) -> &Coupling {
        &self.coupling
    }

    /// Cells whose populations are stored: the grid's, or the lumen's with sparse
    /// storage (plus one spare).
    pub fn stored_cells(&self) -> usize {
        self.storage.stored()
    }

    /// Bytes of GPU memory the lattice's populations, flags and sparse tables take.
    pub fn memory_bytes(&self) -> u64 {
        self.storage.memory_bytes() + self.boundaries.wall_links_bytes()
    }

    /// Records and submits `steps` time steps in one command buffer; does not wait.
    pub fn step(&mut self, ctx: &GpuContext, steps: u32) {
        self.step_with(ctx, steps, None);
    }

    /// As [`GpuLattice::step`], with `hook` recording its own dispatches after every
    /// step (the particles).
    pub fn step_with(&mut self, ctx: &GpuContext, steps: u32, hook: Option<&dyn StepHook>) {
        let (kernels, boundaries) = (&self.kernels, &self.boundaries);
        let (time_dependent, first_step) = (self.time_dependent, self.steps_done);
        let mut current = self.current;
        submit_pass(ctx, "steps", |pass| {
            for n in 0..steps {
                kernels.record_step(pass, current, time_dependent, boundaries.opening_count);
                current = 1 - current;
                if let Some(hook) = hook {
                    hook.record(pass, first_step + n as u64);
                }
            }
        });
        self.current = current;
        self.steps_done += steps as u64;
    }

    /// Runs the probe reduction on the current state and returns its totals.
    pub fn probe(&self, ctx: &GpuContext) -> Result<ProbeTotals, GpuError> {
        let groups = dispatch_size(
            self.dims.cells(),
            REDUCTION_WORKGROUP_SIZE * PROBE_CELLS_PER_THREAD,
        );
        submit_pass(ctx, "probes", |pass| {
            self.kernels.record_probes(pass, self.current, groups)
        });
        let partials: Vec<f32> = read_back(ctx, &self.partials, (self.partial_floats * 4) as u64)?;
        Ok(reduce_partials(&partials, self.boundaries.opening_count))
    }

    /// Sets the inlet factor and body force of each of the next `schedule.len()` steps
    /// (at most [`SCHEDULE_CAPACITY`]); steps beyond keep the last entry. From now on
    /// every step first advances the state from the schedule on the GPU.
    pub fn set_schedule(&mut self, ctx: &GpuContext, schedule: &[StepState]) {
        self.boundaries.set_schedule(ctx, schedule);
        self.time_dependent = true;
    }

    /// Per opening: the density deviation imposed now, the Windkessel's capacitor
    /// pressure (δρ units) and the outflow of the last step (lattice units).
    pub fn outlet_state(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        self.boundaries.outlet_state(ctx)
    }

    /// Per opening: the outflow of the last step and its slow part (lattice units),
    /// as the non-reflecting outlets use them.
    pub fn outlet_flux(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        self.boundaries.outlet_flux(ctx)
    }

    /// The current populations (shifted by their weights, population-major, on the
    /// grid; with sparse storage walls read as zeros).
    pub fn read_populations(&self, ctx: &GpuContext) -> Result<Vec<f32>, GpuError> {
        self.storage.read(ctx, self.current)
    }
}

/// The step's workgroup size must be one the adapter runs.
fn check_workgroup_size(ctx: &GpuContext, size: u32) -> Result<(), GpuError> {
    let max_threads = ctx
        .limits
        .max_compute_invocations_per_workgroup
        .min(ctx.limits.max_compute_workgroup_size_x);
    if size == 0 || size > max_threads {
        return Err(GpuError::TooLarge {
            adapter: ctx.adapter_info.name.clone(),
            problem: format!(
                "a workgroup of {size} threads for the lattice step; the adapter allows 1 to {max_threads}"
            ),
            fix: format!("choose a workgroup size from 1 to {max_threads} (64 is the default)"),
        });
    }
    Ok(())
}
