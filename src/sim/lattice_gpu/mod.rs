//! The lattice resident on the GPU: two population sets (ping-pong), flags, boundary
//! records, the step and probe pipelines, and their bind groups. The host records
//! passes; populations travel back only when asked for (tests, checkpoints).

use crate::gpu::buffers::{read_back, storage_from, uniform_from};
use crate::gpu::pipeline::{compute_pipeline, dispatch_size};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::Q;
use crate::lbm::outlets::OutletModel;
use crate::lbm::rheology::LatticeRheology;
use crate::lbm::setup::{PopulationSplit, Precision};
use crate::lbm::shader_source::{
    self, PROBE_CELLS_PER_THREAD, REDUCTION_WORKGROUP_SIZE, WORKGROUP_SIZE,
};
use crate::lbm::{GridDims, LatticeSetup, Relaxation};
use crate::probes::{reduce_partials, ProbeTotals, PROBE_FIXED_SLOTS, PROBE_SLOTS_PER_OPENING};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GpuParams {
    omega_plus: f32,
    omega_minus: f32,
    inlet_scale: f32,
    magic: f32,
    force: [f32; 4],
    rheology_a: [f32; 4],
    rheology_b: [f32; 4],
    rheology_conv: [f32; 4],
}

/// What may change from step to step: a factor on every inlet velocity and the body
/// force (lattice units). Layout of `StepState` in shaders/common/lattice.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct StepState {
    pub inlet_factor: f32,
    pub time_step: f32,
    pub _pad: [f32; 2],
    pub force: [f32; 4],
    /// (cos nωt, sin nωt) for the inflow harmonics n = 1..8 (Womersley inlets).
    pub harmonics: [[f32; 4]; 4],
    /// δρ of the outlets whose pressure follows a waveform, by slot
    /// ([`crate::lbm::outlets::OutletModel::ScheduledPressure`]).
    pub outlet_pressure: [[f32; 4]; 2],
}

impl StepState {
    pub fn new(time_step: u64, inlet_factor: f32, force: [f32; 3]) -> Self {
        StepState {
            inlet_factor,
            time_step: time_step as f32,
            _pad: [0.0; 2],
            force: [force[0], force[1], force[2], 0.0],
            harmonics: [[0.0; 4]; 4],
            outlet_pressure: [[0.0; 4]; 2],
        }
    }

    /// Sets the δρ of scheduled-pressure outlet `slot`.
    pub fn with_outlet_pressure(mut self, slot: usize, delta_density: f32) -> Self {
        self.outlet_pressure[slot / 4][slot % 4] = delta_density;
        self
    }

    /// Sets the harmonics' phases for angular frequency ω [1/step] at time t [steps].
    pub fn with_harmonics(mut self, omega: f64, t: f64) -> Self {
        for n in 0..8 {
            let phase = (n + 1) as f64 * omega * t;
            self.harmonics[n / 2][2 * (n % 2)] = phase.cos() as f32;
            self.harmonics[n / 2][2 * (n % 2) + 1] = phase.sin() as f32;
        }
        self
    }
}

/// Most steps one schedule (see [`GpuLattice::set_schedule`]) can hold.
pub const SCHEDULE_CAPACITY: usize = 4096;

/// Bytes of GPU memory the lattice's populations, flags and indices take: `sets`
/// population sets (two, or one in place) for every grid cell (dense) or every
/// stored cell (`sparse`), and the cell table (src/lbm/sparse.rs): a flag per grid
/// cell (dense) or the brick map, the brick tables, a flag and a list entry per
/// stored cell (sparse).
pub fn memory_bytes(
    cells: usize,
    sparse: Option<&crate::lbm::sparse::StoredCells>,
    precision: Precision,
    sets: usize,
) -> u64 {
    let header = crate::lbm::sparse::CELL_TABLE_HEADER as u64;
    let per_cell = (sets * Q * precision.bytes()) as u64;
    match sparse {
        None => per_cell * cells as u64 + 4 * (header + cells as u64),
        Some(s) => {
            let stored = s.stored() as u64;
            per_cell * stored
                + 4 * (header + s.brick_map.len() as u64 + s.brick_tables.len() as u64 + 2 * stored)
        }
    }
}

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
    relaxation: Relaxation,
    rheology: Option<LatticeRheology>,
    smagorinsky: Option<f32>,
    force: [f32; 3],
    inlet_scale: f32,
    opening_count: usize,
    pub(crate) params: wgpu::Buffer,
    pub(crate) populations: [Vec<wgpu::Buffer>; 2],
    /// The step: by set read (two sets, the same pipeline twice) or by parity (in
    /// place: even and odd), and its bind groups.
    step_pipelines: [wgpu::ComputePipeline; 2],
    step_groups: [wgpu::BindGroup; 2],
    /// In place: the inlet/outlet prepass and its bind groups by parity (`None` for
    /// two sets or without openings).
    prepass: Option<(wgpu::ComputePipeline, [wgpu::BindGroup; 2])>,
    boundary_cells: usize,
    /// In place: the parity uniforms readers bind (by set index = parity).
    aa_state: [wgpu::Buffer; 2],
    probe_pipeline: wgpu::ComputePipeline,
    probe_groups: [wgpu::BindGroup; 2],
    /// Flow-dependent outlets: the update kernel and its bind groups (one per
    /// population set it reads), `None` when every outlet holds a fixed pressure.
    outlet_update: Option<(wgpu::ComputePipeline, [wgpu::BindGroup; 2])>,
    outlet_state: wgpu::Buffer,
    /// (u, δρ) per cell when coupled to particles (one placeholder element otherwise).
    pub velocity_field: wgpu::Buffer,
    /// Porous drag σ per cell from lodged particles (placeholder when uncoupled).
    pub porous_drag: wgpu::Buffer,
    /// Cell flags; particles' occlusion turns filled cells into walls.
    pub flags: wgpu::Buffer,
    schedule: wgpu::Buffer,
    step_state: wgpu::Buffer,
    /// Coupled to particles: velocity field written, porous drag applied.
    pub coupled: bool,
    clock_counter: wgpu::Buffer,
    clock: (wgpu::ComputePipeline, wgpu::BindGroup),
    /// A schedule is set: advance the step state before every step.
    time_dependent: bool,
    partials: wgpu::Buffer,
    partial_floats: usize,
    /// Which population set holds the current state (0 or 1).
    current: usize,
    /// Threads of the step kernel: grid cells (dense) or stored cells (sparse).
    step_cells: usize,
    /// Sparse storage: the host's copy of the stored cells and brick tables (the GPU
    /// reads them in the cell table; read-back populations are laid out on the grid
    /// with them).
    stored_cells: Option<crate::lbm::sparse::StoredCells>,
    /// Threads per workgroup of the stream-collide kernel.
    step_workgroup_size: u32,
    steps_done: u64,
}

/// In place, inlet and outlet cells keep their new state by boundary record between
/// the prepass and the step: each needs its own record (as the scenario builder
/// gives them).
fn check_records_unique(cell_flags: &[u32]) -> Result<(), GpuError> {
    use crate::lbm::lattice::flags;
    let mut seen = std::collections::HashSet::new();
    for &f in cell_flags {
        let kind = flags::kind(f);
        if (kind == flags::INLET || kind == flags::OUTLET) && !seen.insert(flags::record(f)) {
            return Err(GpuError::Wgpu(format!(
                "two inlet/outlet cells share boundary record {}: in-place streaming needs one record per boundary cell (give each its own record, or use two population sets)",
                flags::record(f)
            )));
        }
    }
    Ok(())
}

fn check_fits(
    ctx: &GpuContext,
    stored: usize,
    sparse: bool,
    precision: Precision,
    in_place: bool,
    binding_limit: Option<u64>,
) -> Result<PopulationSplit, GpuError> {
    let cells = stored;
    let adapter = ctx.adapter_info.name.clone();
    if precision == Precision::F16 && !ctx.features.contains(wgpu::Features::SHADER_F16) {
        return Err(GpuError::Unsupported {
            adapter,
            feature: "half-float shaders (SHADER_F16)".into(),
            needed_for: "precision = \"f16\" (half-float population storage)".into(),
            fix: "set precision = \"f32\" in [lbm], or run on an adapter with 16-bit storage"
                .into(),
        });
    }
    let max_binding = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size)
        .min(binding_limit.unwrap_or(u64::MAX));
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let mut split = PopulationSplit::for_grid(cells, max_binding, precision).ok_or_else(|| {
        GpuError::TooLarge {
            adapter: adapter.clone(),
            problem: format!(
            "one population array of {} cells needs {:.0} MiB, the adapter binds at most {:.0} MiB",
            cells,
            mib((cells * precision.bytes()) as u64),
            mib(max_binding)
        ),
            fix: "use a coarser voxel size or a smaller domain".into(),
        }
    })?;
    split.sparse = sparse;
    let sets = if in_place { 1 } else { 2 };
    let needed_bindings = sets * split.buffers as u32 + 2 + 2 * sparse as u32;
    if needed_bindings > ctx.limits.max_storage_buffers_per_shader_stage {
        return Err(GpuError::TooLarge {
            adapter,
            problem: format!(
                "{cells} cells need {needed_bindings} storage buffers per kernel, the adapter allows {}",
                ctx.limits.max_storage_buffers_per_shader_stage
            ),
            fix: "use a coarser voxel size, or a GPU with larger storage bindings".into(),
        });
    }
    if cells > u32::MAX as usize / Q {
        return Err(GpuError::TooLarge {
            adapter,
            problem: format!("{cells} cells exceed the 32-bit index range of the kernels"),
            fix: "use a coarser voxel size".into(),
        });
    }
    Ok(split)
}

impl GpuLattice {
    pub fn new(ctx: &GpuContext, setup: &LatticeSetup) -> Result<Self, GpuError> {
        Self::with_binding_limit(ctx, setup, None)
    }

    /// Like [`GpuLattice::new`], with the bytes per population binding capped at
    /// `binding_limit` (tests use it to force a split on any adapter).
    pub fn with_binding_limit(
        ctx: &GpuContext,
        setup: &LatticeSetup,
        binding_limit: Option<u64>,
    ) -> Result<Self, GpuError> {
        let dims = setup.dims;
        let cells = dims.cells();
        assert_eq!(setup.flags.len(), cells, "one flag per cell");
        assert_eq!(
            setup.populations.len(),
            Q * cells,
            "19 populations per cell"
        );
        // Sparse storage: the cells that are not plain wall, brick by brick.
        let stored_cells = setup
            .sparse
            .then(|| crate::lbm::sparse::StoredCells::from_flags(&setup.flags, dims));
        let stored = stored_cells.as_ref().map_or(cells, |s| s.stored());
        let mut split = check_fits(
            ctx,
            stored,
            setup.sparse,
            setup.precision,
            setup.in_place,
            binding_limit,
        )?;
        split.in_place = setup.in_place;
        if setup.in_place {
            check_records_unique(&setup.flags)?;
        }
        let step_workgroup_size = setup.step_workgroup_size;
        let max_threads = ctx
            .limits
            .max_compute_invocations_per_workgroup
            .min(ctx.limits.max_compute_workgroup_size_x);
        if step_workgroup_size == 0 || step_workgroup_size > max_threads {
            return Err(GpuError::TooLarge {
                adapter: ctx.adapter_info.name.clone(),
                problem: format!(
                    "a workgroup of {step_workgroup_size} threads for the lattice step; the adapter allows 1 to {max_threads}"
                ),
                fix: format!("choose a workgroup size from 1 to {max_threads} (64 is the default)"),
            });
        }

        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let params = uniform_from(
            ctx,
            "params",
            &Self::params_of(
                setup.relaxation,
                setup.rheology,
                setup.smagorinsky,
                setup.force,
                1.0,
            ),
        );
        // Flags, and with sparse storage the brick tables, in one cell table
        // (shaders/common/cells.wgsl).
        let flags = storage_from(
            ctx,
            "cell table",
            &crate::lbm::sparse::cell_table(&setup.flags, stored_cells.as_ref()),
        );
        // An empty storage binding is not allowed: keep one dummy record.
        let records = if setup.records.is_empty() {
            storage_from(
                ctx,
                "boundary records",
                &[crate::lbm::BoundaryRecord::default()],
            )
        } else {
            storage_from(ctx, "boundary records", &setup.records)
        };
        let compacted = stored_cells.as_ref().map(|s| s.compact(&setup.populations));
        let initial: &[f32] = compacted.as_deref().unwrap_or(&setup.populations);
        let set_count = if split.in_place { 1 } else { 2 };
        let mut populations: [Vec<wgpu::Buffer>; 2] = std::array::from_fn(|set| {
            if set >= set_count {
                return Vec::new();
            }
            (0..split.buffers)
                .map(|b| {
                    let first = b * split.pops_per_buffer * stored;
                    let values = &initial[first..first + split.buffer_values(b, stored)];
                    let label = format!("populations {set}.{b}");
                    match split.precision {
                        Precision::F32 => storage_from(ctx, &label, values),
                        Precision::F16 => {
                            let mut bits: Vec<u16> = values
                                .iter()
                                .map(|&v| half::f16::from_f32(v).to_bits())
                                .collect();
                            bits.resize(split.buffer_bytes(b, stored) as usize / 2, 0);
                            storage_from(ctx, &label, &bits)
                        }
                    }
                })
                .collect()
        });
        if split.in_place {
            // One set, seen as "both": whichever set a reader binds is the same memory.
            populations[1] = populations[0].clone();
        }
        // The probe kernel needs at least one opening slot.
        let opening_count = setup.opening_count.max(1);
        let stride = PROBE_FIXED_SLOTS + PROBE_SLOTS_PER_OPENING * opening_count;
        let (px, py) = dispatch_size(cells, REDUCTION_WORKGROUP_SIZE * PROBE_CELLS_PER_THREAD);
        let partial_floats = (px * py) as usize * stride;
        let partials = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe partials"),
            size: (partial_floats * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        // Per-opening outlet models and cell lists.
        let mut cells_of: Vec<Vec<u32>> = vec![Vec::new(); opening_count];
        let mut fixed: Vec<f32> = vec![0.0; opening_count];
        let mut is_outlet = vec![false; opening_count];
        for (i, &flag) in setup.flags.iter().enumerate() {
            let kind = crate::lbm::lattice::flags::kind(flag);
            if kind == crate::lbm::lattice::flags::INLET
                || kind == crate::lbm::lattice::flags::OUTLET
            {
                let k = crate::lbm::lattice::flags::opening(flag);
                is_outlet[k] = kind == crate::lbm::lattice::flags::OUTLET;
                if cells_of[k].is_empty() {
                    fixed[k] =
                        setup.records[crate::lbm::lattice::flags::record(flag)].delta_density;
                }
                cells_of[k].push(i as u32);
            }
        }
        let models: Vec<OutletModel> = (0..opening_count)
            .map(|k| {
                setup
                    .outlet_models
                    .get(k)
                    .copied()
                    .unwrap_or(OutletModel::Pressure {
                        delta_density: fixed[k],
                    })
            })
            .collect();
        let dynamic_outlets = setup.outlet_filter_steps.is_some()
            || models
                .iter()
                .any(|m| !matches!(m, OutletModel::Pressure { .. }));
        let state: Vec<[f32; 4]> = models
            .iter()
            .map(|m| {
                let d = m.initial_delta_density();
                [d, d, 0.0, 0.0]
            })
            .collect();
        let outlet_state = storage_from(ctx, "outlet state", &state);
        let mut model_rows: Vec<[f32; 4]> = Vec::new();
        for (k, m) in models.iter().enumerate() {
            let [head, mut pressures] = m.kernel_rows();
            if setup.outlet_filter_steps.is_some() && is_outlet[k] {
                pressures[3] = crate::lbm::outlets::acoustic_impedance(cells_of[k].len());
            }
            model_rows.extend([head, pressures]);
        }
        let outlet_models = storage_from(ctx, "outlet models", &model_rows);
        let mut ranges: Vec<[u32; 2]> = Vec::new();
        let mut all_cells: Vec<u32> = Vec::new();
        for c in &cells_of {
            ranges.push([all_cells.len() as u32, c.len() as u32]);
            all_cells.extend(c);
        }
        if all_cells.is_empty() {
            all_cells.push(0);
        }
        let inlet_dynamics = if setup.inlet_dynamics.is_empty() {
            storage_from(ctx, "inlet dynamics", &[[0.0f32; 4]])
        } else {
            storage_from(ctx, "inlet dynamics", &setup.inlet_dynamics)
        };
        let step_state = storage_from(ctx, "step state", &[StepState::new(0, 1.0, setup.force)]);
        let schedule = storage_from(
            ctx,
            "step schedule",
            &vec![StepState::new(0, 1.0, setup.force); SCHEDULE_CAPACITY],
        );
        let clock_counter = storage_from(ctx, "clock counter", &[0u32]);
        // Particles read the velocity field and feed back a porous drag.
        let coupled_cells = if setup.coupled_fields { cells } else { 1 };
        let velocity_field = storage_from(ctx, "velocity field", &vec![[0.0f32; 4]; coupled_cells]);
        let porous_drag = storage_from(ctx, "porous drag", &vec![0.0f32; coupled_cells]);
        let opening_cells = storage_from(ctx, "opening cells", &all_cells);
        let opening_ranges = storage_from(ctx, "opening ranges", &ranges);
        // Sparse storage: the stored cells the step updates (grid index by slot).
        let cell_list = stored_cells
            .as_ref()
            .map(|s| storage_from(ctx, "stored cells", &padded_list(&s.list)));
        // In place: the layout's parity for readers (one uniform per parity), and the
        // boundary cells' new state by record.
        let aa_state: [wgpu::Buffer; 2] = std::array::from_fn(|parity| {
            uniform_from(ctx, "in-place parity", &[parity as u32, 0, 0, 0])
        });
        let boundary_out = storage_from(
            ctx,
            "boundary prepass",
            &vec![0.0f32; Q * setup.records.len().max(1)],
        );
        let boundary_cells = cells_of.iter().map(Vec::len).sum::<usize>();
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::TooLarge {
                adapter: ctx.adapter_info.name.clone(),
                problem: format!(
                    "allocating {:.0} MiB failed: {e}",
                    memory_bytes(cells, stored_cells.as_ref(), split.precision, set_count) as f64
                        / 1048576.0
                ),
                fix: "use a coarser voxel size or a GPU with more memory".into(),
            });
        }

        let mut size_constants = vec![
            ("NX", dims.nx as f64),
            ("NY", dims.ny as f64),
            ("NZ", dims.nz as f64),
        ];
        // Threads of the step: one per grid cell, or per lumen cell.
        let step_cells = stored_cells.as_ref().map_or(cells, |s| s.list.len());
        if split.sparse {
            size_constants.push(("STORED", stored as f64));
        }
        // Every population kernel reads cells through the cell table.
        size_constants.extend(crate::lbm::sparse::cell_table_constants(
            stored_cells.as_ref(),
        ));
        let mut step_constants = size_constants.to_vec();
        if split.sparse {
            step_constants.push(("STEP_CELLS", step_cells as f64));
        }
        step_constants.push((
            "RHEOLOGY",
            setup.rheology.map_or(0, |r| r.kernel_id()) as f64,
        ));
        step_constants.push(("SMAGORINSKY", setup.smagorinsky.is_some() as u32 as f64));
        step_constants.push(("INLET_HARMONICS", setup.inlet_harmonics as f64));
        step_constants.push((
            "INLET_STRIDE",
            (1 + setup.inlet_harmonics.div_ceil(2)) as f64,
        ));
        step_constants.push(("COUPLED", setup.coupled_fields as u32 as f64));
        step_constants.push(("STEP_WORKGROUP_SIZE", step_workgroup_size as f64));
        let step_source = shader_source::stream_collide(split);
        // Two sets: one pipeline, reading set `from` (bind group per set). In place:
        // the even and the odd step (bind group per parity), and the prepass.
        let step_pipelines: [wgpu::ComputePipeline; 2] = if split.in_place {
            let parity_pipeline = |parity: u32| {
                let mut constants = step_constants.clone();
                constants.push(("AA_PARITY", parity as f64));
                compute_pipeline(
                    ctx,
                    "stream_collide_in_place",
                    &step_source,
                    "stream_collide_in_place",
                    &constants,
                )
            };
            [parity_pipeline(0)?, parity_pipeline(1)?]
        } else {
            let p = compute_pipeline(
                ctx,
                "stream_collide",
                &step_source,
                "stream_collide",
                &step_constants,
            )?;
            [p.clone(), p]
        };
        let prepass = if split.in_place && boundary_cells > 0 {
            let mut constants = step_constants.clone();
            constants.push(("BOUNDARY_CELLS", boundary_cells as f64));
            let pipeline = compute_pipeline(
                ctx,
                "boundary_prepass",
                &step_source,
                "boundary_prepass",
                &constants,
            )?;
            let first = shader_source::step_state_first_binding(split);
            let groups: [wgpu::BindGroup; 2] = std::array::from_fn(|parity| {
                let mut entries = vec![entry(0, &params), entry(1, &flags), entry(2, &records)];
                for (b, buf) in populations[0].iter().enumerate() {
                    entries.push(entry(
                        shader_source::FIRST_POPULATION_BINDING + b as u32,
                        buf,
                    ));
                }
                entries.push(entry(first, &outlet_state));
                entries.push(entry(first + 1, &step_state));
                entries.push(entry(first + 2, &inlet_dynamics));
                entries.push(entry(first + 3, &velocity_field));
                entries.push(entry(first + 5, &boundary_out));
                entries.push(entry(first + 6, &opening_cells));
                entries.push(entry(shader_source::AA_STATE_BINDING, &aa_state[parity]));
                ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("boundary_prepass"),
                    layout: &pipeline.get_bind_group_layout(0),
                    entries: &entries,
                })
            });
            Some((pipeline, groups))
        } else {
            None
        };
        let mut probe_constants = size_constants.to_vec();
        probe_constants.push(("N_OPENINGS", opening_count as f64));
        let probe_pipeline = compute_pipeline(
            ctx,
            "probes",
            &shader_source::probes(split),
            "probes",
            &probe_constants,
        )?;

        let step_groups = std::array::from_fn(|from| {
            let mut entries = vec![entry(0, &params), entry(1, &flags), entry(2, &records)];
            let first = shader_source::FIRST_POPULATION_BINDING;
            for (b, buf) in populations[from].iter().enumerate() {
                entries.push(entry(first + b as u32, buf));
            }
            let state = shader_source::step_state_first_binding(split);
            if split.in_place {
                // The step proper: fluid cells and the copy of the prepass's results.
                entries.push(entry(state + 1, &step_state));
                entries.push(entry(state + 3, &velocity_field));
                entries.push(entry(state + 4, &porous_drag));
                entries.push(entry(state + 5, &boundary_out));
            } else {
                for (b, buf) in populations[1 - from].iter().enumerate() {
                    entries.push(entry(first + (split.buffers + b) as u32, buf));
                }
                entries.push(entry(state, &outlet_state));
                entries.push(entry(state + 1, &step_state));
                entries.push(entry(state + 2, &inlet_dynamics));
                entries.push(entry(state + 3, &velocity_field));
                entries.push(entry(state + 4, &porous_drag));
            }
            if let Some(list) = &cell_list {
                entries.push(entry(shader_source::CELL_LIST_BINDING, list));
            }
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("stream_collide"),
                layout: &step_pipelines[from].get_bind_group_layout(0),
                entries: &entries,
            })
        });
        let probe_groups = std::array::from_fn(|set| {
            let mut entries = vec![entry(1, &flags)];
            let first = shader_source::FIRST_POPULATION_BINDING;
            for (b, buf) in populations[set].iter().enumerate() {
                entries.push(entry(first + b as u32, buf));
            }
            entries.push(entry(first + split.buffers as u32, &partials));
            entries.push(entry(first + split.buffers as u32 + 1, &step_state));
            if split.in_place {
                entries.push(entry(shader_source::AA_STATE_BINDING, &aa_state[set]));
            }
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("probes"),
                layout: &probe_pipeline.get_bind_group_layout(0),
                entries: &entries,
            })
        });
        let clock_pipeline = compute_pipeline(
            ctx,
            "advance_clock",
            &shader_source::clock(),
            "advance_clock",
            &[],
        )?;
        let clock_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("advance_clock"),
            layout: &clock_pipeline.get_bind_group_layout(0),
            entries: &[
                entry(0, &schedule),
                entry(1, &step_state),
                entry(2, &clock_counter),
            ],
        });
        let outlet_update = if dynamic_outlets {
            let mut outlet_constants = size_constants.to_vec();
            let filter_rate = setup.outlet_filter_steps.map_or(0.0, |t| 1.0 / t.max(1.0));
            outlet_constants.push(("OUTLET_FILTER_RATE", filter_rate as f64));
            let pipeline = compute_pipeline(
                ctx,
                "update_outlets",
                &shader_source::outlets(split),
                "update_outlets",
                &outlet_constants,
            )?;
            let groups = std::array::from_fn(|set| {
                let first = shader_source::FIRST_POPULATION_BINDING;
                let mut entries = vec![entry(1, &flags)];
                for (b, buf) in populations[set].iter().enumerate() {
                    entries.push(entry(first + b as u32, buf));
                }
                let b = first + split.buffers as u32;
                entries.push(entry(b, &outlet_state));
                entries.push(entry(b + 1, &outlet_models));
                entries.push(entry(b + 2, &opening_cells));
                entries.push(entry(b + 3, &opening_ranges));
                entries.push(entry(b + 4, &step_state));
                if split.in_place {
                    entries.push(entry(shader_source::AA_STATE_BINDING, &aa_state[set]));
                }
                ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("update_outlets"),
                    layout: &pipeline.get_bind_group_layout(0),
                    entries: &entries,
                })
            });
            Some((pipeline, groups))
        } else {
            None
        };
        ctx.errors.check()?;
        Ok(GpuLattice {
            dims,
            split,
            step_cells,
            stored_cells,
            step_workgroup_size,
            relaxation: setup.relaxation,
            rheology: setup.rheology,
            smagorinsky: setup.smagorinsky,
            force: setup.force,
            inlet_scale: 1.0,
            opening_count,
            params,
            populations,
            step_pipelines,
            step_groups,
            prepass,
            boundary_cells,
            aa_state,
            probe_pipeline,
            probe_groups,
            outlet_update,
            outlet_state,
            velocity_field,
            porous_drag,
            flags,
            schedule,
            step_state,
            coupled: setup.coupled_fields,
            clock_counter,
            clock: (clock_pipeline, clock_group),
            time_dependent: false,
            partials,
            partial_floats,
            current: 0,
            steps_done: 0,
        })
    }

    fn params_of(
        relaxation: Relaxation,
        rheology: Option<LatticeRheology>,
        smagorinsky: Option<f32>,
        force: [f32; 3],
        inlet_scale: f32,
    ) -> GpuParams {
        let (coefficients, conv) = match rheology {
            Some(r) => (
                r.coefficients(),
                [
                    r.shear_rate_per_lattice as f32,
                    r.lattice_viscosity_per_si as f32,
                    r.tau_min as f32,
                    r.tau_max as f32,
                ],
            ),
            None => ([0.0; 8], [0.0; 4]),
        };
        GpuParams {
            omega_plus: relaxation.omega_plus,
            omega_minus: relaxation.omega_minus,
            inlet_scale,
            magic: relaxation.kernel_magic(),
            force: [force[0], force[1], force[2], 0.0],
            rheology_a: [
                coefficients[0],
                coefficients[1],
                coefficients[2],
                coefficients[3],
            ],
            // b.w carries C_s² for the Smagorinsky model (unused by every viscosity law).
            rheology_b: [
                coefficients[4],
                coefficients[5],
                coefficients[6],
                smagorinsky.map_or(0.0, |c| c * c),
            ],
            rheology_conv: conv,
        }
    }

    /// Sets the factor applied to every inlet velocity from the next step on.
    pub fn set_inlet_scale(&mut self, ctx: &GpuContext, scale: f32) {
        self.inlet_scale = scale;
        let p = Self::params_of(
            self.relaxation,
            self.rheology,
            self.smagorinsky,
            self.force,
            scale,
        );
        ctx.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&p));
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

    /// The state buffers besides the populations, by name (checkpoints).
    pub(crate) fn other_state_buffers(&self) -> Vec<(&'static str, &wgpu::Buffer)> {
        vec![
            ("outlet_state", &self.outlet_state),
            ("flags", &self.flags),
            ("porous_drag", &self.porous_drag),
            ("velocity_field", &self.velocity_field),
            ("step_state", &self.step_state),
        ]
    }

    /// Continues from step `step` of a checkpoint: the next writes to the current
    /// population set (see [`crate::sim::checkpoint`]) land where step `step` left
    /// its state.
    pub fn resume_at(&mut self, step: u64) {
        self.steps_done = step;
        self.current = (step % 2) as usize;
    }

    /// The per-step state buffer (inlet factor, body force, …) the kernels read.
    pub(crate) fn step_state_buffer(&self) -> &wgpu::Buffer {
        &self.step_state
    }

    /// Kernel switches the field kernels share with the step kernel.
    pub(crate) fn model_constants(&self) -> Vec<(&'static str, f64)> {
        let mut constants = vec![
            ("NX", self.dims.nx as f64),
            ("NY", self.dims.ny as f64),
            ("NZ", self.dims.nz as f64),
            (
                "RHEOLOGY",
                self.rheology.map_or(0, |r| r.kernel_id()) as f64,
            ),
            ("SMAGORINSKY", self.smagorinsky.is_some() as u32 as f64),
            ("COUPLED", self.coupled as u32 as f64),
        ];
        if let Some(s) = &self.stored_cells {
            constants.push(("STORED", s.stored() as f64));
        }
        constants.extend(self.cell_table_constants());
        constants
    }

    /// The layout constants of shaders/common/cells.wgsl for this lattice: every
    /// kernel that binds `flags` needs them.
    pub fn cell_table_constants(&self) -> Vec<(&'static str, f64)> {
        crate::lbm::sparse::cell_table_constants(self.stored_cells.as_ref())
    }

    /// The bind-group entries of the population layout that every kernel reading
    /// populations needs besides the population buffers and `flags` (in place: the
    /// layout's parity).
    pub(crate) fn layout_entries(&self, set: usize) -> Vec<wgpu::BindGroupEntry<'_>> {
        let mut entries = Vec::new();
        if self.split.in_place {
            entries.push(entry(shader_source::AA_STATE_BINDING, &self.aa_state[set]));
        }
        entries
    }

    /// In-place storage after an odd number of steps holds P(x, q) at (x + c_q, q̄),
    /// or at (x, q) when x + c_q is a plain wall of sparse storage: the same values in
    /// the natural layout (x, q) (stored-cell order; the spare gets zeros).
    fn unstream(&self, stored_values: &[f32]) -> Vec<f32> {
        use crate::lbm::lattice::{opposite, VELOCITIES};
        let stored = self.stored_cells();
        let mut out = vec![0.0f32; stored_values.len()];
        let updated: Vec<usize> = match &self.stored_cells {
            Some(s) => s.list.iter().map(|&i| i as usize).collect(),
            None => (0..self.dims.cells()).collect(),
        };
        let spare = self.stored_cells.as_ref().map(|s| s.spare() as usize);
        let slot = |i: usize| match &self.stored_cells {
            Some(s) => s.slot[i] as usize,
            None => i,
        };
        for &cell in &updated {
            let own = slot(cell);
            for (q, c) in VELOCITIES.iter().enumerate() {
                let from = slot(self.dims.neighbor(cell, *c));
                out[q * stored + own] = if Some(from) == spare {
                    stored_values[q * stored + own]
                } else {
                    stored_values[opposite(q) * stored + from]
                };
            }
        }
        out
    }

    /// Cells whose populations are stored: the grid's, or the lumen's with sparse
    /// storage (plus one spare).
    pub fn stored_cells(&self) -> usize {
        self.stored_cells
            .as_ref()
            .map_or(self.dims.cells(), |s| s.stored())
    }

    /// Bytes of GPU memory the lattice's populations, flags and sparse tables take.
    pub fn memory_bytes(&self) -> u64 {
        let sets = if self.split.in_place { 1 } else { 2 };
        memory_bytes(
            self.dims.cells(),
            self.stored_cells.as_ref(),
            self.split.precision,
            sets,
        )
    }

    /// Records and submits `steps` time steps in one command buffer; does not wait.
    pub fn step(&mut self, ctx: &GpuContext, steps: u32) {
        self.step_with(ctx, steps, None);
    }

    /// As [`GpuLattice::step`], with `hook` recording its own dispatches after every
    /// step (the particles).
    pub fn step_with(&mut self, ctx: &GpuContext, steps: u32, hook: Option<&dyn StepHook>) {
        let (gx, gy) = dispatch_size(self.step_cells, self.step_workgroup_size);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("steps"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("stream_collide"),
                timestamp_writes: None,
            });
            for n in 0..steps {
                if self.time_dependent {
                    pass.set_pipeline(&self.clock.0);
                    pass.set_bind_group(0, &self.clock.1, &[]);
                    pass.dispatch_workgroups(1, 1, 1);
                }
                if let Some((pipeline, groups)) = &self.prepass {
                    let (bx, by) = dispatch_size(self.boundary_cells, WORKGROUP_SIZE);
                    pass.set_pipeline(pipeline);
                    pass.set_bind_group(0, &groups[self.current], &[]);
                    pass.dispatch_workgroups(bx, by, 1);
                }
                pass.set_pipeline(&self.step_pipelines[self.current]);
                pass.set_bind_group(0, &self.step_groups[self.current], &[]);
                pass.dispatch_workgroups(gx, gy, 1);
                self.current = 1 - self.current;
                if let Some((pipeline, groups)) = &self.outlet_update {
                    // One workgroup per opening, on the state just written.
                    pass.set_pipeline(pipeline);
                    pass.set_bind_group(0, &groups[self.current], &[]);
                    pass.dispatch_workgroups(self.opening_count as u32, 1, 1);
                }
                if let Some(hook) = hook {
                    hook.record(&mut pass, self.steps_done + n as u64);
                }
            }
        }
        ctx.queue.submit([encoder.finish()]);
        self.steps_done += steps as u64;
    }

    /// Runs the probe reduction on the current state and returns its totals.
    pub fn probe(&self, ctx: &GpuContext) -> Result<ProbeTotals, GpuError> {
        let (gx, gy) = dispatch_size(
            self.dims.cells(),
            REDUCTION_WORKGROUP_SIZE * PROBE_CELLS_PER_THREAD,
        );
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("probes"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("probes"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.probe_pipeline);
            pass.set_bind_group(0, &self.probe_groups[self.current], &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
        ctx.queue.submit([encoder.finish()]);
        let partials: Vec<f32> = read_back(ctx, &self.partials, (self.partial_floats * 4) as u64)?;
        Ok(reduce_partials(&partials, self.opening_count))
    }

    /// Sets the inlet factor and body force of each of the next `schedule.len()` steps
    /// (at most [`SCHEDULE_CAPACITY`]); steps beyond keep the last entry. From now on
    /// every step first advances the state from the schedule on the GPU.
    pub fn set_schedule(&mut self, ctx: &GpuContext, schedule: &[StepState]) {
        assert!(
            !schedule.is_empty() && schedule.len() <= SCHEDULE_CAPACITY,
            "schedule of 1..={SCHEDULE_CAPACITY} steps"
        );
        ctx.queue
            .write_buffer(&self.schedule, 0, bytemuck::cast_slice(schedule));
        let last = [*schedule.last().expect("non-empty")];
        let rest = SCHEDULE_CAPACITY - schedule.len();
        if rest > 0 {
            // Fill the tail so a longer batch keeps the last state.
            let tail = vec![last[0]; rest];
            ctx.queue.write_buffer(
                &self.schedule,
                std::mem::size_of_val(schedule) as u64,
                bytemuck::cast_slice(&tail),
            );
        }
        ctx.queue
            .write_buffer(&self.clock_counter, 0, bytemuck::bytes_of(&0u32));
        self.time_dependent = true;
    }

    /// Per opening: the density deviation imposed now, the Windkessel's capacitor
    /// pressure (δρ units) and the outflow of the last step (lattice units).
    pub fn outlet_state(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        read_back(ctx, &self.outlet_state, (self.opening_count * 16) as u64)
    }

    /// The current populations (shifted by their weights, population-major, on the
    /// grid; with sparse storage walls read as zeros).
    pub fn read_populations(&self, ctx: &GpuContext) -> Result<Vec<f32>, GpuError> {
        let cells = self.stored_cells();
        let mut out = Vec::with_capacity(Q * cells);
        for (b, buf) in self.populations[self.current].iter().enumerate() {
            let bytes = self.split.buffer_bytes(b, cells);
            let values = self.split.buffer_values(b, cells);
            match self.split.precision {
                Precision::F32 => out.extend(read_back::<f32>(ctx, buf, bytes)?),
                Precision::F16 => out.extend(
                    read_back::<u16>(ctx, buf, bytes)?[..values]
                        .iter()
                        .map(|&h| half::f16::from_bits(h).to_f32()),
                ),
            }
        }
        if self.split.in_place && self.current == 1 {
            out = self.unstream(&out);
        }
        if let Some(stored) = &self.stored_cells {
            return Ok(stored.expand(&out));
        }
        Ok(out)
    }
}

/// At least one element: wgpu buffers cannot be empty.
fn padded_list(list: &[u32]) -> Vec<u32> {
    if list.is_empty() {
        vec![0]
    } else {
        list.to_vec()
    }
}

pub(crate) fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}
