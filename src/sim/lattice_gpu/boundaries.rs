//! The boundary tables on the GPU: inlet and outlet records, the cells of each
//! opening, the outlet models and their state (resistance, Windkessel,
//! non-reflecting), the Womersley inlet coefficients, the in-place prepass's output,
//! and the step clock (the per-step state and the schedule that advances it).

use super::params::{StepState, SCHEDULE_CAPACITY};
use crate::gpu::bindings::Resources;
use crate::gpu::buffers::{non_empty, read_back, storage_from};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::{flags, Q};
use crate::lbm::outlets::{acoustic_impedance, OutletModel, DRIVEN_INLET, INLET_KIND};
use crate::lbm::{BoundaryRecord, LatticeSetup};

pub struct BoundaryTables {
    records: wgpu::Buffer,
    /// Per opening (δρ imposed, Windkessel p_c, Q of the last step, δρ of the
    /// model alone).
    outlet_state: wgpu::Buffer,
    /// Per opening (Q of this step, its slow part Q̄, 0, 0).
    outlet_flux: wgpu::Buffer,
    /// Per opening two rows (shaders/lbm/outlets.wgsl).
    outlet_models: wgpu::Buffer,
    /// The cells of every opening, opening by opening, and each opening's range.
    opening_cells: wgpu::Buffer,
    opening_ranges: wgpu::Buffer,
    inlet_dynamics: wgpu::Buffer,
    /// In place: the boundary cells' new populations by record (prepass output).
    boundary_out: wgpu::Buffer,
    schedule: wgpu::Buffer,
    step_state: wgpu::Buffer,
    clock_counter: wgpu::Buffer,
    /// Interpolated walls' wall-link table (src/lbm/wall_links.rs); one word when
    /// the walls are halfway.
    wall_links: wgpu::Buffer,
    /// The wall-link table holds links (the step interpolates, and checkpoints keep
    /// the table's copies of the last populations).
    pub has_wall_links: bool,
    /// Openings (at least one: the probe kernel needs a slot).
    pub opening_count: usize,
    /// Inlet and outlet cells in all.
    pub boundary_cells: usize,
    /// Some outlet depends on the flow: the outlet kernel runs after every step.
    pub dynamic_outlets: bool,
}

/// The cells of each opening (by opening index), whether it is an outlet, and the
/// δρ of its first cell's record.
struct Openings {
    cells: Vec<Vec<u32>>,
    is_outlet: Vec<bool>,
    fixed_delta_density: Vec<f32>,
}

/// What the outlet kernel reads per opening: its cells, and its two model rows
/// (shaders/lbm/outlets.wgsl); the CPU twin (`cpu::outlets`) reads the same.
pub struct OutletTables {
    pub cells: Vec<Vec<u32>>,
    pub model_rows: Vec<[f32; 4]>,
    pub models: Vec<OutletModel>,
}

impl OutletTables {
    pub fn of(setup: &LatticeSetup) -> Self {
        let o = openings(setup, setup.opening_count.max(1));
        let (models, model_rows) = outlet_rows(setup, &o);
        OutletTables {
            cells: o.cells,
            model_rows,
            models,
        }
    }
}

fn openings(setup: &LatticeSetup, count: usize) -> Openings {
    let mut o = Openings {
        cells: vec![Vec::new(); count],
        is_outlet: vec![false; count],
        fixed_delta_density: vec![0.0; count],
    };
    for (i, &flag) in setup.flags.iter().enumerate() {
        let kind = flags::kind(flag);
        if kind == flags::INLET || kind == flags::OUTLET {
            let k = flags::opening(flag);
            o.is_outlet[k] = kind == flags::OUTLET;
            if o.cells[k].is_empty() {
                o.fixed_delta_density[k] = setup.records[flags::record(flag)].delta_density;
            }
            o.cells[k].push(i as u32);
        }
    }
    o
}

/// The model of each opening (a fixed pressure where the setup gives none) and its
/// two kernel rows; non-reflecting outlets carry their acoustic impedance.
fn outlet_rows(setup: &LatticeSetup, o: &Openings) -> (Vec<OutletModel>, Vec<[f32; 4]>) {
    let models: Vec<OutletModel> = (0..o.cells.len())
        .map(|k| {
            setup
                .outlet_models
                .get(k)
                .copied()
                .unwrap_or(OutletModel::Pressure {
                    delta_density: o.fixed_delta_density[k],
                })
        })
        .collect();
    let mut rows = Vec::new();
    for (k, m) in models.iter().enumerate() {
        let [head, mut pressures] = m.kernel_rows();
        let mut head = head;
        if !o.is_outlet[k] {
            head[0] = INLET_KIND;
        } else if setup.pressure_inlets.contains(&k) {
            head[0] += DRIVEN_INLET;
            if let Some(slot) = setup.source_slot {
                // The source pressure comes from the step schedule (outlets.wgsl).
                pressures[1] = (slot + 1) as f32;
            }
        } else if setup.outlet_filter_steps.is_some() {
            pressures[3] = acoustic_impedance(o.cells[k].len());
        }
        rows.extend([head, pressures]);
    }
    (models, rows)
}

impl BoundaryTables {
    pub fn new(ctx: &GpuContext, setup: &LatticeSetup) -> Self {
        let opening_count = setup.opening_count.max(1);
        let OutletTables {
            cells: opening_cells,
            model_rows,
            models,
        } = OutletTables::of(setup);
        let dynamic_outlets = setup.outlet_filter_steps.is_some()
            || models
                .iter()
                .any(|m| !matches!(m, OutletModel::Pressure { .. }));
        // A pressure-driven inlet starts at the pressure of the fluid at rest (its
        // record's) and rises through its model: its resistance's relaxation (and
        // compliance) make the start gradual.
        let state: Vec<[f32; 4]> = models
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let driven = setup.pressure_inlets.contains(&k);
                let d = match driven {
                    true => {
                        setup.records[flags::record(setup.flags[opening_cells[k][0] as usize])]
                            .delta_density
                    }
                    false => m.initial_delta_density(),
                };
                // A scheduled source's resistance model keeps the last source in y:
                // the first step starts from the mean source (from 0 when the source
                // rises with the ramp), the inlet from rest.
                let scheduled_resistance = driven
                    && setup.source_slot.is_some()
                    && matches!(m, OutletModel::Resistance { .. });
                let y = match (scheduled_resistance, setup.source_ramped) {
                    (true, false) => m.initial_delta_density(),
                    (true, true) => 0.0,
                    (false, _) => d,
                };
                [d, y, 0.0, d]
            })
            .collect();
        let mut ranges: Vec<[u32; 2]> = Vec::new();
        let mut all_cells: Vec<u32> = Vec::new();
        for c in &opening_cells {
            ranges.push([all_cells.len() as u32, c.len() as u32]);
            all_cells.extend(c);
        }
        let start = StepState::new(0, 1.0, setup.force);
        BoundaryTables {
            records: storage_from(
                ctx,
                "boundary records",
                &non_empty::<BoundaryRecord>(&setup.records),
            ),
            outlet_state: storage_from(ctx, "outlet state", &state),
            outlet_flux: storage_from(ctx, "outlet flux", &vec![[0.0f32; 4]; state.len()]),
            outlet_models: storage_from(ctx, "outlet models", &model_rows),
            opening_cells: storage_from(ctx, "opening cells", &non_empty(&all_cells)),
            opening_ranges: storage_from(ctx, "opening ranges", &ranges),
            inlet_dynamics: storage_from(ctx, "inlet dynamics", &non_empty(&setup.inlet_dynamics)),
            boundary_out: storage_from(
                ctx,
                "boundary prepass",
                &vec![0.0f32; Q * setup.records.len().max(1)],
            ),
            schedule: storage_from(ctx, "step schedule", &vec![start; SCHEDULE_CAPACITY]),
            step_state: storage_from(ctx, "step state", &[start]),
            clock_counter: storage_from(ctx, "clock counter", &[0u32]),
            wall_links: storage_from(
                ctx,
                "wall links",
                &non_empty(&crate::lbm::wall_links::table_with_away(setup)),
            ),
            has_wall_links: !setup.wall_links.is_empty(),
            opening_count,
            boundary_cells: all_cells.len(),
            dynamic_outlets,
        }
    }

    /// The buffers by the names the kernels bind them under.
    pub fn resources(&self) -> Resources<'_> {
        Resources::new()
            .with("records", &self.records)
            .with("outlet_state", &self.outlet_state)
            .with("outlet_flux", &self.outlet_flux)
            .with("outlet_models", &self.outlet_models)
            .with("opening_cells", &self.opening_cells)
            .with("opening_ranges", &self.opening_ranges)
            .with("inlet_dynamics", &self.inlet_dynamics)
            .with("boundary_out", &self.boundary_out)
            .with("schedule", &self.schedule)
            .with("step_state", &self.step_state)
            .with("counter", &self.clock_counter)
            .with("wall_links", &self.wall_links)
    }

    /// The wall-link table, when the walls are interpolated (a checkpoint section:
    /// in place, it holds the cut cells' last populations).
    pub fn wall_links_state(&self) -> Option<&wgpu::Buffer> {
        self.has_wall_links.then_some(&self.wall_links)
    }

    /// Bytes of the wall-link table (0 with halfway walls).
    pub fn wall_links_bytes(&self) -> u64 {
        if self.has_wall_links {
            self.wall_links.size()
        } else {
            0
        }
    }

    /// The state a run changes, by name (checkpoints).
    pub fn state_buffers(&self) -> [(&'static str, &wgpu::Buffer); 3] {
        [
            ("outlet_state", &self.outlet_state),
            ("outlet_flux", &self.outlet_flux),
            ("step_state", &self.step_state),
        ]
    }

    /// Writes the schedule of the next steps (see [`super::GpuLattice::set_schedule`]).
    pub fn set_schedule(&self, ctx: &GpuContext, schedule: &[StepState]) {
        assert!(
            !schedule.is_empty() && schedule.len() <= SCHEDULE_CAPACITY,
            "schedule of 1..={SCHEDULE_CAPACITY} steps"
        );
        ctx.queue
            .write_buffer(&self.schedule, 0, bytemuck::cast_slice(schedule));
        let last = *schedule.last().expect("non-empty");
        let rest = SCHEDULE_CAPACITY - schedule.len();
        if rest > 0 {
            // Fill the tail so a longer batch keeps the last state.
            ctx.queue.write_buffer(
                &self.schedule,
                std::mem::size_of_val(schedule) as u64,
                bytemuck::cast_slice(&vec![last; rest]),
            );
        }
        ctx.queue
            .write_buffer(&self.clock_counter, 0, bytemuck::bytes_of(&0u32));
    }

    /// Per opening: the density deviation imposed now, the Windkessel's capacitor
    /// pressure (δρ units), the outflow of the last step and the model's own δρ.
    pub fn outlet_state(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        read_back(ctx, &self.outlet_state, (self.opening_count * 16) as u64)
    }

    /// Per opening: the outflow of the last step and its slow part (then two zeros).
    pub fn outlet_flux(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        read_back(ctx, &self.outlet_flux, (self.opening_count * 16) as u64)
    }
}
