//! Output fields on the GPU (shaders/lbm/fields.wgsl): velocity, density deviation,
//! shear rate, local relaxation time and wall shear stress (WSS), sampled on a
//! region of the grid with a stride at output time; and the WSS at every
//! wall-adjacent cell, now or summed over samples taken during the run (time-averaged
//! WSS and oscillatory shear index). Everything here is in lattice units.

use super::lattice_gpu::{GpuLattice, StepHook};
use crate::gpu::bindings::Resources;
use crate::gpu::buffers::{read_back, storage_from, uniform_from};
use crate::gpu::pipeline::{dispatch_size, submit_pass, KernelModule};
use crate::gpu::{GpuContext, GpuError};
use crate::kernels::WORKGROUP_SIZE;
use crate::lbm::lattice::{flags, VELOCITIES};
pub use crate::lbm::region::FieldRegion;
use crate::lbm::GridDims;

/// Fluid cells with at least one wall cell among their 18 lattice neighbours: where
/// the wall shear stress lives.
pub fn wall_adjacent_cells(dims: GridDims, cell_flags: &[u32]) -> Vec<u32> {
    (0..dims.cells())
        .filter(|&i| {
            flags::kind(cell_flags[i]) == flags::FLUID
                && VELOCITIES[1..]
                    .iter()
                    .any(|&c| flags::kind(cell_flags[dims.neighbor(i, c)]) == flags::WALL)
        })
        .map(|i| i as u32)
        .collect()
}

/// One sampling of the fields on a region, lattice units, one entry per point.
#[derive(Clone, Debug)]
pub struct FieldSample {
    pub region: FieldRegion,
    /// (u_x, u_y, u_z, δρ).
    pub flow: Vec<[f32; 4]>,
    /// (shear rate [1/step], local τ, 1 at wall cells else 0, 0).
    pub stress: Vec<[f32; 4]>,
    /// Wall shear stress vector and magnitude; zero away from walls.
    pub wall: Vec<[f32; 4]>,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct GpuBox {
    origin: [u32; 4],
    size: [u32; 4],
}

struct Kernel {
    pipeline: wgpu::ComputePipeline,
    groups: [wgpu::BindGroup; 2],
    invocations: usize,
}

impl Kernel {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, set: usize) {
        let (gx, gy) = dispatch_size(self.invocations, WORKGROUP_SIZE);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.groups[set], &[]);
        pass.dispatch_workgroups(gx, gy, 1);
    }
}

pub struct GpuFields {
    pub region: FieldRegion,
    /// The wall-adjacent cells whose WSS is followed, in the order of the WSS arrays.
    pub wall_cells: Vec<u32>,
    sample: Kernel,
    now: Kernel,
    accumulate: Kernel,
    field_buffers: [wgpu::Buffer; 3],
    wall_now: wgpu::Buffer,
    /// Σ (τ_x, τ_y, τ_z, |τ|) per wall cell over the samples (checkpointed).
    pub wall_sums: wgpu::Buffer,
    /// Sample the WSS into `wall_sums` after every `sample_every` steps, from step
    /// `average_from_step` on (0: never).
    pub sample_every: u64,
    pub average_from_step: u64,
}

impl GpuFields {
    pub fn new(
        ctx: &GpuContext,
        lattice: &GpuLattice,
        region: FieldRegion,
        wall_cells: Vec<u32>,
    ) -> Result<Self, GpuError> {
        let points = region.points();
        let bytes = points as u64 * 16;
        let limit = ctx
            .limits
            .max_storage_buffer_binding_size
            .min(ctx.limits.max_buffer_size);
        if bytes > limit {
            return Err(GpuError::TooLarge {
                adapter: ctx.adapter_info.name.clone(),
                problem: format!(
                    "the field output region has {points} points: {:.0} MiB per field array, the adapter binds at most {:.0} MiB",
                    bytes as f64 / 1048576.0,
                    limit as f64 / 1048576.0
                ),
                fix: "set [fields] stride = 2 (or more) or a smaller region_min/region_max".into(),
            });
        }
        let field_buffers: [wgpu::Buffer; 3] = std::array::from_fn(|k| {
            storage_from(
                ctx,
                ["field flow", "field stress", "field wall"][k],
                &vec![[0.0f32; 4]; points.max(1)],
            )
        });
        let size = region.size();
        let field_box = uniform_from(
            ctx,
            "field box",
            &GpuBox {
                origin: [
                    region.lo[0] as u32,
                    region.lo[1] as u32,
                    region.lo[2] as u32,
                    region.stride as u32,
                ],
                size: [
                    size[0] as u32,
                    size[1] as u32,
                    size[2] as u32,
                    points as u32,
                ],
            },
        );
        let walls = wall_cells.len();
        let listed: Vec<u32> = if wall_cells.is_empty() {
            vec![0]
        } else {
            wall_cells.clone()
        };
        let wall_list = storage_from(ctx, "wall cells", &listed);
        let wall_now = storage_from(ctx, "wall shear now", &vec![[0.0f32; 4]; listed.len()]);
        let wall_sums = storage_from(ctx, "wall shear sums", &vec![[0.0f32; 4]; listed.len()]);

        let module = KernelModule::new(ctx, "fields", &crate::kernels::lbm::fields(lattice.split))?;
        let constants = lattice.model_constants();
        // Every field buffer by its binding name, with everything the lattice binds.
        let own = Resources::new()
            .with("field_box", &field_box)
            .with("field_flow", &field_buffers[0])
            .with("field_stress", &field_buffers[1])
            .with("field_wall", &field_buffers[2])
            .with("wall_cells", &wall_list)
            .with("wall_now", &wall_now)
            .with("wall_sums", &wall_sums);
        let groups = [
            module.bind(ctx, &lattice.resources(0).and(&own))?,
            module.bind(ctx, &lattice.resources(1).and(&own))?,
        ];
        let kernel = |entry_point: &str, invocations: usize| -> Result<Kernel, GpuError> {
            Ok(Kernel {
                pipeline: module.pipeline(ctx, entry_point, &constants)?,
                groups: groups.clone(),
                invocations,
            })
        };
        let sample = kernel("sample_fields", points)?;
        let now = kernel("wall_shear_now", walls)?;
        let accumulate = kernel("accumulate_wall_shear", walls)?;
        ctx.errors.check()?;
        Ok(GpuFields {
            region,
            wall_cells,
            sample,
            now,
            accumulate,
            field_buffers,
            wall_now,
            wall_sums,
            sample_every: 0,
            average_from_step: 0,
        })
    }

    fn run(&self, ctx: &GpuContext, lattice: &GpuLattice, kernel: &Kernel) {
        submit_pass(ctx, "fields", |pass| {
            kernel.record(pass, lattice.current_set())
        });
    }

    /// Samples the fields of the current state on the region.
    pub fn sample(&self, ctx: &GpuContext, lattice: &GpuLattice) -> Result<FieldSample, GpuError> {
        self.run(ctx, lattice, &self.sample);
        let bytes = self.region.points() as u64 * 16;
        let [flow, stress, wall] = &self.field_buffers;
        Ok(FieldSample {
            region: self.region,
            flow: read_back(ctx, flow, bytes)?,
            stress: read_back(ctx, stress, bytes)?,
            wall: read_back(ctx, wall, bytes)?,
        })
    }

    /// The WSS vector and magnitude at every listed wall cell now.
    pub fn wall_shear_now(
        &self,
        ctx: &GpuContext,
        lattice: &GpuLattice,
    ) -> Result<Vec<[f32; 4]>, GpuError> {
        if self.wall_cells.is_empty() {
            return Ok(vec![]);
        }
        self.run(ctx, lattice, &self.now);
        read_back(ctx, &self.wall_now, self.wall_cells.len() as u64 * 16)
    }

    /// Σ (τ_x, τ_y, τ_z, |τ|) per listed wall cell over the samples so far.
    pub fn wall_shear_sums(&self, ctx: &GpuContext) -> Result<Vec<[f32; 4]>, GpuError> {
        if self.wall_cells.is_empty() {
            return Ok(vec![]);
        }
        read_back(ctx, &self.wall_sums, self.wall_cells.len() as u64 * 16)
    }

    /// Samples summed after `steps_done` steps.
    pub fn samples_up_to(&self, steps_done: u64) -> u64 {
        samples_up_to(self.sample_every, self.average_from_step, steps_done)
    }
}

/// Whether the WSS is sampled after `done` steps: every `every` steps from step
/// `from` on (`every` 0: never).
fn sample_due(every: u64, from: u64, done: u64) -> bool {
    every > 0 && done >= from.max(1) && done.is_multiple_of(every)
}

/// How many samples [`sample_due`] takes in steps 1..=done.
fn samples_up_to(every: u64, from: u64, done: u64) -> u64 {
    let first = from.max(1);
    if every == 0 || done < first {
        return 0;
    }
    done / every - (first - 1) / every
}

impl StepHook for GpuFields {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, step: u64) {
        if !self.wall_cells.is_empty()
            && sample_due(self.sample_every, self.average_from_step, step + 1)
        {
            self.accumulate
                .record(pass, GpuLattice::set_after_step(step));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_count_matches_the_hook_schedule() {
        for (every, from) in [(7, 20), (1, 0), (5, 5), (3, 1), (0, 0)] {
            for n in 0..100u64 {
                let counted = (1..=n).filter(|&d| sample_due(every, from, d)).count() as u64;
                assert_eq!(
                    counted,
                    samples_up_to(every, from, n),
                    "every {every} from {from}, {n} steps"
                );
            }
        }
    }
}
