//! The lattice's compiled kernels and their bind groups: the step (by the set it
//! reads, or by parity in place), the in-place prepass for openings, the probe
//! reduction and the outlet update (by the set they read), and the step clock.

use super::boundaries::BoundaryTables;
use super::storage::PopulationStorage;
use crate::gpu::bindings::Resources;
use crate::gpu::pipeline::{dispatch_size, BoundKernel, KernelModule};
use crate::gpu::{GpuContext, GpuError};
use crate::kernels::{lbm, WORKGROUP_SIZE};

/// Everything the lattice's kernels bind, for kernels reading population set `set`.
pub(crate) fn resources<'a>(
    params: &'a wgpu::Buffer,
    layout: &'a wgpu::Buffer,
    storage: &'a PopulationStorage,
    boundaries: &'a BoundaryTables,
    coupling: &'a crate::sim::coupling::Coupling,
    set: usize,
) -> Resources<'a> {
    Resources::new()
        .with("params", params)
        .with("lattice_layout", layout)
        .and(&storage.resources(set))
        .and(&boundaries.resources())
        .and(&coupling.resources())
}

/// What the step kernels are compiled with besides the layout.
pub(crate) struct StepConstants {
    pub layout: Vec<(&'static str, f64)>,
    pub model: Vec<(&'static str, f64)>,
    pub inlet_harmonics: usize,
    pub coupled: bool,
    pub workgroup_size: u32,
    /// Interpolated walls: the step reads the wall-link table.
    pub wall_links: bool,
    pub step_cells: usize,
    pub outlet_filter_rate: f64,
}

pub(crate) struct LatticeKernels {
    /// Two sets: the same pipeline reading set 0 or 1; in place: the even and the
    /// odd step, by parity.
    step: [BoundKernel; 2],
    /// In place with openings: the inlet/outlet prepass, by parity.
    prepass: Option<[BoundKernel; 2]>,
    probes: [BoundKernel; 2],
    /// Flow-dependent outlets, after every step: the openings' fluxes (by the set
    /// they read), then the outlet models' update.
    outlets: Option<([BoundKernel; 2], BoundKernel)>,
    clock: BoundKernel,
    step_groups: (u32, u32),
    prepass_groups: (u32, u32),
}

impl LatticeKernels {
    pub fn new(
        ctx: &GpuContext,
        storage: &PopulationStorage,
        boundaries: &BoundaryTables,
        resources: [Resources<'_>; 2],
        c: &StepConstants,
    ) -> Result<Self, GpuError> {
        let split = storage.split;
        let mut step_constants = c.layout.clone();
        step_constants.extend(storage.step_constants());
        step_constants.extend(c.model.iter().copied());
        step_constants.extend([
            ("INLET_HARMONICS", c.inlet_harmonics as f64),
            ("INLET_STRIDE", (1 + c.inlet_harmonics.div_ceil(2)) as f64),
            ("COUPLED", c.coupled as u32 as f64),
            ("STEP_WORKGROUP_SIZE", c.workgroup_size as f64),
            ("WALL_LINKS", c.wall_links as u32 as f64),
        ]);
        let step_module =
            KernelModule::new(ctx, "stream_collide", &lbm::step(split, c.wall_links))?;
        let groups: [wgpu::BindGroup; 2] = [
            step_module.bind(ctx, &resources[0])?,
            step_module.bind(ctx, &resources[1])?,
        ];
        let with = |extra: (&'static str, f64)| {
            let mut v = step_constants.clone();
            v.push(extra);
            v
        };
        let (step, prepass) = if split.in_place {
            let step = [0, 1].map(|parity| {
                step_module.pipeline(
                    ctx,
                    "stream_collide_in_place",
                    &with(("AA_PARITY", parity as f64)),
                )
            });
            let [even, odd] = step;
            let step = [
                BoundKernel::new(even?, groups[0].clone()),
                BoundKernel::new(odd?, groups[1].clone()),
            ];
            let prepass = if boundaries.boundary_cells > 0 {
                let pipeline = step_module.pipeline(ctx, "boundary_prepass", &step_constants)?;
                Some(
                    groups
                        .clone()
                        .map(|g| BoundKernel::new(pipeline.clone(), g)),
                )
            } else {
                None
            };
            (step, prepass)
        } else {
            let pipeline = step_module.pipeline(ctx, "stream_collide", &step_constants)?;
            (groups.map(|g| BoundKernel::new(pipeline.clone(), g)), None)
        };
        let mut probe_constants = c.layout.clone();
        probe_constants.push(("N_OPENINGS", boundaries.opening_count as f64));
        let probes = per_set(
            ctx,
            "probes",
            lbm::probes(split),
            &probe_constants,
            &resources,
        )?;
        let outlets = if boundaries.dynamic_outlets {
            let mut constants = c.layout.clone();
            constants.push(("OUTLET_FILTER_RATE", c.outlet_filter_rate));
            let module = KernelModule::new(ctx, "update_outlets", &lbm::outlets(split))?;
            let groups = [
                module.bind(ctx, &resources[0])?,
                module.bind(ctx, &resources[1])?,
            ];
            let sum = module.pipeline(ctx, "sum_opening_fluxes", &constants)?;
            let update = module.pipeline(ctx, "update_outlets", &constants)?;
            Some((
                groups.clone().map(|g| BoundKernel::new(sum.clone(), g)),
                BoundKernel::new(update, groups[0].clone()),
            ))
        } else {
            None
        };
        let clock_module = KernelModule::new(ctx, "advance_clock", &lbm::clock())?;
        let clock = BoundKernel::new(
            clock_module.pipeline(ctx, "advance_clock", &[])?,
            clock_module.bind(ctx, &resources[0])?,
        );
        Ok(LatticeKernels {
            step,
            prepass,
            probes,
            outlets,
            clock,
            step_groups: dispatch_size(c.step_cells, c.workgroup_size),
            prepass_groups: dispatch_size(boundaries.boundary_cells, WORKGROUP_SIZE),
        })
    }

    /// Records one time step reading set (or parity) `current`: the clock when
    /// the inflow varies, the prepass, the step; then the outlet update on the set
    /// just written (one workgroup per opening).
    pub fn record_step(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        current: usize,
        time_dependent: bool,
        openings: usize,
    ) {
        if time_dependent {
            self.clock.record(pass, (1, 1));
        }
        if let Some(prepass) = &self.prepass {
            prepass[current].record(pass, self.prepass_groups);
        }
        self.step[current].record(pass, self.step_groups);
        if let Some((fluxes, update)) = &self.outlets {
            fluxes[1 - current].record(pass, (openings as u32, 1));
            update.record(pass, (1, 1));
        }
    }

    /// Records the probe reduction on set `set` over `groups` workgroups.
    pub fn record_probes(&self, pass: &mut wgpu::ComputePass<'_>, set: usize, groups: (u32, u32)) {
        self.probes[set].record(pass, groups);
    }
}

/// One entry point of `source` bound once per population set.
fn per_set(
    ctx: &GpuContext,
    entry_point: &str,
    source: crate::kernels::KernelSource,
    constants: &[(&str, f64)],
    resources: &[Resources<'_>; 2],
) -> Result<[BoundKernel; 2], GpuError> {
    let module = KernelModule::new(ctx, entry_point, &source)?;
    let pipeline = module.pipeline(ctx, entry_point, constants)?;
    Ok([
        BoundKernel::new(pipeline.clone(), module.bind(ctx, &resources[0])?),
        BoundKernel::new(pipeline, module.bind(ctx, &resources[1])?),
    ])
}
