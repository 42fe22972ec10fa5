//! Sparse population storage: only the cells that are not wall when a run starts are
//! stored and updated, so memory and work follow the lumen rather than the bounding
//! box (a vessel tree fills a few percent of its box). A per-cell slot table (4 bytes
//! per grid cell) maps a grid cell to its stored cell; every wall maps to one spare
//! stored cell of zeros, so a kernel that reads a wall's populations reads zeros, and
//! nothing writes it. Cells closed by occlusion during a run keep their slot.
//!
//! Stored cells are in grid order, so neighbouring threads still touch neighbouring
//! memory along x runs of the lumen. This is the "fluid index array" variant of
//! indirect addressing (T. Tomczak, "Lattice Boltzmann method for sparse geometries:
//! theory and implementation", IGI Global 2018, doi:10.4018/978-1-5225-4760-0.ch005):
//! the grid keeps a 4-byte index per cell, populations exist only for fluid.

use super::lattice::{flags, Q, VELOCITIES};
use super::setup::GridDims;

/// The stored cells of a sparse lattice.
#[derive(Clone, Debug)]
pub struct StoredCells {
    /// Grid index of each stored cell (not counting the spare).
    pub list: Vec<u32>,
    /// The cells the step updates: the lumen (equal to `list` unless walls are kept).
    pub step_list: Vec<u32>,
    /// Per grid cell, its stored cell; walls point at the spare (`list.len()`).
    pub slot: Vec<u32>,
}

impl StoredCells {
    /// Every cell that is not wall in `cell_flags`, in grid order.
    pub fn from_flags(cell_flags: &[u32]) -> Self {
        let list: Vec<u32> = (0..cell_flags.len() as u32)
            .filter(|&i| cell_flags[i as usize] & flags::TYPE_MASK != flags::WALL)
            .collect();
        Self::from_list(list.clone(), list, cell_flags.len())
    }

    /// The lumen and the wall cells next to it (any of the 18 lattice neighbours), in
    /// grid order: in-place streaming keeps the populations bounced back at a wall in
    /// the wall cell's memory between two steps (shaders/lbm/stream_in_place.wgsl).
    pub fn with_wall_layer(cell_flags: &[u32], dims: GridDims) -> Self {
        let lumen = |i: usize| cell_flags[i] & flags::TYPE_MASK != flags::WALL;
        let mut keep = vec![false; cell_flags.len()];
        for i in (0..cell_flags.len()).filter(|&i| lumen(i)) {
            keep[i] = true;
            for c in &VELOCITIES[1..] {
                keep[dims.neighbor(i, *c)] = true;
            }
        }
        let list = (0..cell_flags.len() as u32)
            .filter(|&i| keep[i as usize])
            .collect();
        let step_list = (0..cell_flags.len() as u32)
            .filter(|&i| lumen(i as usize))
            .collect();
        Self::from_list(list, step_list, cell_flags.len())
    }

    fn from_list(list: Vec<u32>, step_list: Vec<u32>, cells: usize) -> Self {
        let spare = list.len() as u32;
        let mut slot = vec![spare; cells];
        for (s, &i) in list.iter().enumerate() {
            slot[i as usize] = s as u32;
        }
        StoredCells {
            list,
            step_list,
            slot,
        }
    }

    /// Stored cells per population array, the spare included.
    pub fn stored(&self) -> usize {
        self.list.len() + 1
    }

    /// Population-major values for the stored cells (q · stored + slot) from
    /// population-major values for the grid (q · cells + i); the spare gets zeros.
    pub fn compact(&self, grid_values: &[f32]) -> Vec<f32> {
        let cells = self.slot.len();
        let stored = self.stored();
        let mut out = vec![0.0f32; Q * stored];
        for q in 0..Q {
            for (s, &i) in self.list.iter().enumerate() {
                out[q * stored + s] = grid_values[q * cells + i as usize];
            }
        }
        out
    }

    /// The inverse of [`StoredCells::compact`] for the lumen: grid layout, walls
    /// filled with zeros (shifted populations of fluid at rest).
    pub fn expand(&self, stored_values: &[f32]) -> Vec<f32> {
        let cells = self.slot.len();
        let stored = self.stored();
        let mut out = vec![0.0f32; Q * cells];
        for q in 0..Q {
            for &i in &self.step_list {
                let s = self.slot[i as usize] as usize;
                out[q * cells + i as usize] = stored_values[q * stored + s];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_lumen_and_round_trip() {
        let f = [
            flags::WALL,
            flags::FLUID,
            flags::WALL,
            flags::INLET,
            flags::FLUID,
        ];
        let s = StoredCells::from_flags(&f);
        assert_eq!(s.list, vec![1, 3, 4]);
        assert_eq!(s.step_list, s.list);
        assert_eq!(s.slot, vec![3, 0, 3, 1, 2]);
        assert_eq!(s.stored(), 4);
        let grid: Vec<f32> = (0..Q * f.len()).map(|v| v as f32 + 1.0).collect();
        let stored = s.compact(&grid);
        assert_eq!(stored.len(), Q * 4);
        assert_eq!(stored[3], 0.0, "the spare holds zeros");
        let back = s.expand(&stored);
        for q in 0..Q {
            for i in 0..f.len() {
                let expected = if f[i] == flags::WALL {
                    0.0
                } else {
                    grid[q * 5 + i]
                };
                assert_eq!(back[q * 5 + i], expected);
            }
        }
    }

    #[test]
    fn in_place_storage_keeps_the_wall_layer() {
        // A 1 × 5 × 1 column (periodic in x and z): wall, fluid, wall, wall, wall.
        let dims = GridDims::new(1, 5, 1);
        let f = [
            flags::WALL,
            flags::FLUID,
            flags::WALL,
            flags::WALL,
            flags::WALL,
        ];
        let s = StoredCells::with_wall_layer(&f, dims);
        assert_eq!(s.list, vec![0, 1, 2]);
        assert_eq!(s.step_list, vec![1]);
        assert_eq!(s.slot, vec![0, 1, 2, 3, 3]);
    }
}
