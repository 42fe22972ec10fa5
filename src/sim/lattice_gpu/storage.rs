//! Population storage and the cell table on the GPU: one or two population sets
//! (split over several bindings when one would exceed the adapter's limit), dense or
//! sparse, f32 or f16, and the `flags` cell table every kernel reads cells through.
//! Reading the populations back undoes the in-place layout and the sparse
//! compaction, so callers always see the natural layout on the grid.

use crate::gpu::bindings::Resources;
use crate::gpu::buffers::{read_back, storage_from, uniform_from};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::{flags, Q};
use crate::lbm::setup::{PopulationSplit, Precision};
use crate::lbm::sparse::{cell_table, cell_table_constants, StoredCells, CELL_TABLE_HEADER};
use crate::lbm::{GridDims, LatticeSetup};

/// Bytes of GPU memory the lattice's populations, flags and indices take: `sets`
/// population sets (two, or one in place) for every grid cell (dense) or every
/// stored cell (`sparse`), and the cell table (src/lbm/sparse.rs): a flag per grid
/// cell (dense) or the brick map, the brick tables, a flag and a list entry per
/// stored cell (sparse).
pub fn memory_bytes(
    cells: usize,
    sparse: Option<&StoredCells>,
    dense_listed: usize,
    precision: Precision,
    sets: usize,
) -> u64 {
    let header = CELL_TABLE_HEADER as u64;
    let per_cell = (sets * Q * precision.bytes()) as u64;
    match sparse {
        None => per_cell * cells as u64 + 4 * (header + cells as u64 + dense_listed as u64),
        Some(s) => {
            let stored = s.stored() as u64;
            per_cell * stored
                + 4 * (header + s.brick_map.len() as u64 + s.brick_tables.len() as u64 + 2 * stored)
        }
    }
}

/// Dense storage updates only the cells that are not plain wall, from a list, when
/// they are fewer than this share of the grid. The results are the same (a wall
/// thread does nothing), but a CPU adapter runs the masked-off threads of a SIMD
/// group that holds any fluid cell at about half the cost of a fluid update
/// (lavapipe: a tree filling 2% of its box steps at 0.15 µs per wall cell against
/// 0.31 µs per fluid cell); the list costs 4 bytes per listed cell.
pub const DENSE_LIST_BELOW: f64 = 0.9;

/// The grid cells a dense step updates, when listing them pays (see
/// [`DENSE_LIST_BELOW`]): every cell that is not plain wall, in grid order.
pub fn dense_step_list(cell_flags: &[u32]) -> Option<Vec<u32>> {
    let list: Vec<u32> = (0..cell_flags.len() as u32)
        .filter(|&i| cell_flags[i as usize] != flags::WALL)
        .collect();
    ((list.len() as f64) < DENSE_LIST_BELOW * cell_flags.len() as f64).then_some(list)
}

pub struct PopulationStorage {
    dims: GridDims,
    pub split: PopulationSplit,
    /// The population buffers by set; in place both entries are the one set.
    sets: [Vec<wgpu::Buffer>; 2],
    /// Flags, and with sparse storage the brick tables (shaders/common/cells.wgsl).
    cell_table: wgpu::Buffer,
    /// Sparse storage: the host's copy of the stored cells and brick tables.
    stored_cells: Option<StoredCells>,
    /// The cells the step updates by thread (grid index): sparse, the stored cells
    /// by slot; dense, those that are not plain wall (a placeholder when the step
    /// updates every cell, see `step_listed`).
    cell_list: wgpu::Buffer,
    /// Threads of the step: the listed cells, or (dense, no list) every grid cell.
    step_cells: usize,
    /// Dense storage whose step reads its cells from `cell_list`.
    step_listed: bool,
    /// In place: the parity uniforms readers bind (by set index = parity).
    aa_state: [wgpu::Buffer; 2],
}

impl PopulationStorage {
    /// Uploads the populations and cell table of `setup`; `binding_limit` caps the
    /// bytes per population binding (tests force a split with it).
    pub fn new(
        ctx: &GpuContext,
        setup: &LatticeSetup,
        binding_limit: Option<u64>,
    ) -> Result<Self, GpuError> {
        let dims = setup.dims;
        // Sparse storage: the cells that are not plain wall, brick by brick.
        let stored_cells = setup
            .sparse
            .then(|| StoredCells::from_flags(&setup.flags, dims));
        let stored = stored_cells.as_ref().map_or(dims.cells(), |s| s.stored());
        let split = check_fits(ctx, stored, setup, binding_limit)?;
        if setup.in_place {
            check_records_unique(&setup.flags)?;
        }
        let compacted = stored_cells.as_ref().map(|s| s.compact(&setup.populations));
        let initial: &[f32] = compacted.as_deref().unwrap_or(&setup.populations);
        let set_count = if split.in_place { 1 } else { 2 };
        let mut sets: [Vec<wgpu::Buffer>; 2] = std::array::from_fn(|set| {
            if set >= set_count {
                return Vec::new();
            }
            (0..split.buffers)
                .map(|b| upload_buffer(ctx, split, initial, stored, set, b))
                .collect()
        });
        if split.in_place {
            // One set, seen as "both": whichever set a reader binds is the same memory.
            sets[1] = sets[0].clone();
        }
        let dense_list = match &stored_cells {
            Some(_) => None,
            None => dense_step_list(&setup.flags),
        };
        let list: Option<&[u32]> = stored_cells
            .as_ref()
            .map(|s| s.list.as_slice())
            .or(dense_list.as_deref());
        let step_cells = list.map_or(dims.cells(), |l| l.len());
        let cell_list = match list {
            Some(l) if !l.is_empty() => storage_from(ctx, "cells to update", l),
            _ => storage_from(ctx, "cells to update", &[0u32]),
        };
        Ok(PopulationStorage {
            dims,
            split,
            sets,
            cell_table: storage_from(
                ctx,
                "cell table",
                &cell_table(&setup.flags, stored_cells.as_ref()),
            ),
            step_listed: dense_list.is_some(),
            stored_cells,
            cell_list,
            step_cells,
            aa_state: std::array::from_fn(|parity| {
                uniform_from(ctx, "in-place parity", &[parity as u32, 0, 0, 0])
            }),
        })
    }

    /// The buffers kernels bind, for a kernel reading set `set` (writing the other):
    /// `flags`, `src*`, `dst*`, in place `aa*` and `aa_state`, `cell_list`.
    pub fn resources(&self, set: usize) -> Resources<'_> {
        let mut r = Resources::new().with("flags", &self.cell_table);
        for (b, buf) in self.sets[set].iter().enumerate() {
            r.insert(format!("src{b}"), buf);
            r.insert(format!("aa{b}"), buf);
        }
        if !self.split.in_place {
            for (b, buf) in self.sets[1 - set].iter().enumerate() {
                r.insert(format!("dst{b}"), buf);
            }
        }
        r.insert("aa_state", &self.aa_state[set]);
        r.insert("cell_list", &self.cell_list);
        r
    }

    /// The population buffers of set `set`.
    pub fn set(&self, set: usize) -> &[wgpu::Buffer] {
        &self.sets[set]
    }

    /// The cell table (`flags` in the kernels); occlusion turns cells into walls in it.
    pub fn cell_table(&self) -> &wgpu::Buffer {
        &self.cell_table
    }

    /// The layout constants of shaders/common/cells.wgsl: every kernel that binds
    /// `flags` needs them.
    pub fn cell_table_constants(&self) -> Vec<(&'static str, f64)> {
        cell_table_constants(self.stored_cells.as_ref())
    }

    /// The layout's pipeline constant, for every kernel that reads populations:
    /// whether cells are stored sparse. The grid size and the table's layout are read
    /// at run time ([`super::layout::LatticeLayout`]).
    pub fn layout_constants(&self) -> Vec<(&'static str, f64)> {
        vec![("CELLS_SPARSE", self.stored_cells.is_some() as u32 as f64)]
    }

    pub fn dims(&self) -> GridDims {
        self.dims
    }

    /// Cells whose populations are stored: the grid's, or the lumen's with sparse
    /// storage (plus one spare).
    pub fn stored(&self) -> usize {
        self.stored_cells
            .as_ref()
            .map_or(self.dims.cells(), |s| s.stored())
    }

    /// Threads of the step: one per stored lumen cell (sparse), per cell that is
    /// not plain wall (dense, listed) or per grid cell.
    pub fn step_cells(&self) -> usize {
        self.step_cells
    }

    /// The step's pipeline constant: whether a dense step reads its cells from the
    /// list.
    pub fn step_constants(&self) -> Vec<(&'static str, f64)> {
        match self.stored_cells {
            Some(_) => vec![],
            None => vec![("STEP_LISTED", self.step_listed as u32 as f64)],
        }
    }

    /// Bytes of GPU memory the populations, flags and sparse tables take.
    pub fn memory_bytes(&self) -> u64 {
        let sets = if self.split.in_place { 1 } else { 2 };
        let dense_listed = if self.step_listed { self.step_cells } else { 0 };
        memory_bytes(
            self.dims.cells(),
            self.stored_cells.as_ref(),
            dense_listed,
            self.split.precision,
            sets,
        )
    }

    /// The populations of set `set` after `steps` steps (shifted by their weights,
    /// population-major, on the grid; with sparse storage walls read as zeros).
    pub fn read(&self, ctx: &GpuContext, set: usize) -> Result<Vec<f32>, GpuError> {
        let stored = self.stored();
        let mut out = Vec::with_capacity(Q * stored);
        for (b, buf) in self.sets[set].iter().enumerate() {
            let bytes = self.split.buffer_bytes(b, stored);
            let values = self.split.buffer_values(b, stored);
            match self.split.precision {
                Precision::F32 => out.extend(read_back::<f32>(ctx, buf, bytes)?),
                Precision::F16 => out.extend(
                    read_back::<u16>(ctx, buf, bytes)?[..values]
                        .iter()
                        .map(|&h| half::f16::from_bits(h).to_f32()),
                ),
            }
        }
        if self.split.in_place && set == 1 {
            out = self.unstream(&out);
        }
        if let Some(stored) = &self.stored_cells {
            return Ok(stored.expand(&out));
        }
        Ok(out)
    }

    /// In-place storage after an odd number of steps holds P(x, q) at (x + c_q, q̄),
    /// or at (x, q) when x + c_q is a plain wall of sparse storage: the same values in
    /// the natural layout (x, q) (stored-cell order; the spare gets zeros).
    fn unstream(&self, stored_values: &[f32]) -> Vec<f32> {
        use crate::lbm::lattice::{opposite, VELOCITIES};
        let stored = self.stored();
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
}

/// Buffer `b` of set `set`, filled from the (compacted) initial populations.
fn upload_buffer(
    ctx: &GpuContext,
    split: PopulationSplit,
    initial: &[f32],
    stored: usize,
    set: usize,
    b: usize,
) -> wgpu::Buffer {
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
}

/// In place, inlet and outlet cells keep their new state by boundary record between
/// the prepass and the step: each needs its own record (as the scenario builder
/// gives them).
fn check_records_unique(cell_flags: &[u32]) -> Result<(), GpuError> {
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

/// How the populations of `stored` cells split over bindings on this adapter, or
/// why they cannot.
fn check_fits(
    ctx: &GpuContext,
    stored: usize,
    setup: &LatticeSetup,
    binding_limit: Option<u64>,
) -> Result<PopulationSplit, GpuError> {
    let precision = setup.precision;
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
    let mut split = PopulationSplit::for_grid(stored, max_binding, precision).ok_or_else(|| {
        GpuError::TooLarge {
            adapter: adapter.clone(),
            problem: format!(
                "one population array of {} cells needs {:.0} MiB, the adapter binds at most {:.0} MiB",
                stored,
                mib((stored * precision.bytes()) as u64),
                mib(max_binding)
            ),
            fix: "use a coarser voxel size or a smaller domain".into(),
        }
    })?;
    split.sparse = setup.sparse;
    split.in_place = setup.in_place;
    // The step kernel binds the most storage buffers of all.
    let needed_bindings = crate::kernels::lbm::step_bindings(split).storage_count();
    if needed_bindings > ctx.limits.max_storage_buffers_per_shader_stage {
        return Err(GpuError::TooLarge {
            adapter,
            problem: format!(
                "{stored} cells need {needed_bindings} storage buffers per kernel, the adapter allows {}",
                ctx.limits.max_storage_buffers_per_shader_stage
            ),
            fix: "use a coarser voxel size, or a GPU with larger storage bindings".into(),
        });
    }
    if stored > u32::MAX as usize / Q {
        return Err(GpuError::TooLarge {
            adapter,
            problem: format!("{stored} cells exceed the 32-bit index range of the kernels"),
            fix: "use a coarser voxel size".into(),
        });
    }
    Ok(split)
}

/// The GPU memory [bytes] the lattice of `loaded` will take, and whether it will be
/// stored sparse: before any GPU work, for `embolus check` and `run`.
pub fn memory_estimate(loaded: &crate::scenario::LoadedScenario) -> (u64, bool) {
    let voxels = &loaded.voxels;
    let lbm = &loaded.scenario.lbm;
    let d = voxels.dims;
    let sparse = lbm.stores_sparse(voxels.lumen_cells(), d.cells());
    // The stored cells and brick tables sparse storage would build, or the list of
    // cells a dense step updates (plain walls are the only cells either leaves out).
    let kinds: Vec<u32> = voxels
        .kinds
        .iter()
        .map(|k| match k {
            crate::geometry::CellKind::Wall => flags::WALL,
            _ => flags::FLUID,
        })
        .collect();
    let stored = sparse.then(|| StoredCells::from_flags(&kinds, d));
    let dense_listed = match sparse {
        true => 0,
        false => dense_step_list(&kinds).map_or(0, |l| l.len()),
    };
    let sets = if lbm.in_place { 1 } else { 2 };
    let bytes = memory_bytes(
        d.cells(),
        stored.as_ref(),
        dense_listed,
        lbm.precision,
        sets,
    ) + crate::lbm::wall_links::table_bytes(&loaded.wall_links);
    (bytes, sparse)
}

/// The edge of the largest dense cube (a multiple of 16) whose two f32 population
/// sets the adapter's binding limits allow, device memory permitting.
pub fn largest_dense_cube(limits: &wgpu::Limits) -> usize {
    let max_binding = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    let fits = |n: usize| {
        let cells = n.pow(3);
        cells < u32::MAX as usize / Q
            && PopulationSplit::for_grid(cells, max_binding, Precision::F32).is_some_and(|s| {
                crate::kernels::lbm::step_bindings(s).storage_count()
                    <= limits.max_storage_buffers_per_shader_stage
            })
    };
    let mut n = 16;
    while fits(n + 16) {
        n += 16;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dense_step_lists_the_cells_that_are_not_wall_when_it_pays() {
        // Ten cells, three of them wall: the seven others, in grid order.
        let mut cell_flags = vec![flags::FLUID; 10];
        for i in [0, 4, 9] {
            cell_flags[i] = flags::WALL;
        }
        assert_eq!(
            dense_step_list(&cell_flags),
            Some(vec![1, 2, 3, 5, 6, 7, 8])
        );
        // One wall in ten: 90% of the grid would be listed, so no list.
        let mut mostly_fluid = vec![flags::FLUID; 10];
        mostly_fluid[3] = flags::WALL;
        assert_eq!(dense_step_list(&mostly_fluid), None);
    }
}
