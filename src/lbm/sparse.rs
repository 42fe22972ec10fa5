//! Sparse population storage: only the cells that are not plain wall when a run
//! starts are stored and updated, so memory and work follow the lumen rather than the
//! bounding box (a vessel tree fills a few percent of its box). Every plain wall maps
//! to one spare stored cell of zeros and the flag WALL; nothing writes it. Cells
//! closed by occlusion during a run keep their slot.
//!
//! The map from grid cell to stored cell is block-sparse, so that it too follows the
//! lumen: the grid is cut into bricks of 4 × 4 × 4 cells; a brick map holds, per
//! brick, the index of its table or "no brick" when it holds no stored cell; a brick's
//! table is 17 words, the slot of its first stored cell and the 64 cells' ranks among
//! the brick's stored cells packed four to a word (255: not stored). Stored cells are
//! numbered brick by brick, so a brick's cells are contiguous in memory and
//! neighbouring threads touch neighbouring memory. A brick map per grid cell would
//! cost 4 bytes per grid cell, 190 bytes per lumen cell in a tree that fills 2% of its
//! box; this costs 1/16 byte per grid cell and 68 bytes per brick that holds lumen.
//! Block-sparse storage after the bricks of M. Mohrhard et al., "Auto-vectorization
//! friendly parallel lattice Boltzmann streaming scheme for direct addressing",
//! Computers & Fluids 181 (2019) 1–7, and the tiles of T. Tomczak & R. Szafran,
//! "A new GPU implementation for lattice-Boltzmann simulations on sparse geometries",
//! Comput. Phys. Commun. 235 (2019) 258–278.
//!
//! The GPU reads all of this through the `flags` binding (the cell table, see
//! [`cell_table`] and shaders/common/cells.wgsl), so every kernel that looks at a
//! cell's flag finds stored cells the same way, dense or sparse.

use super::lattice::{flags, Q};
use super::setup::GridDims;

/// Edge of a brick in cells (a power of two: shaders/common/cells.wgsl shifts by 2).
pub const BRICK: usize = 4;
/// Cells per brick.
pub const BRICK_CELLS: usize = BRICK * BRICK * BRICK;
/// Words of a brick's table: the first slot and 64 packed 8-bit ranks.
pub const BRICK_TABLE_WORDS: usize = 1 + BRICK_CELLS / 4;
/// Brick map entry of a brick without stored cells.
pub const NO_BRICK: u32 = u32::MAX;
/// Rank of a cell that is not stored.
const NOT_STORED: u32 = 0xff;
/// Words before the cell table's data (see [`cell_table`]).
pub const CELL_TABLE_HEADER: usize = 8;

/// The stored cells of a sparse lattice.
#[derive(Clone, Debug)]
pub struct StoredCells {
    /// Grid index of each stored cell (not counting the spare), brick by brick.
    pub list: Vec<u32>,
    /// Per grid cell, its stored cell; plain walls point at the spare (`list.len()`).
    /// Host side only: the GPU uses the brick tables.
    pub slot: Vec<u32>,
    /// Bricks along x, y, z.
    pub bricks: [usize; 3],
    /// Per brick, the index of its table or [`NO_BRICK`].
    pub brick_map: Vec<u32>,
    /// [`BRICK_TABLE_WORDS`] per brick that holds stored cells.
    pub brick_tables: Vec<u32>,
}

impl StoredCells {
    /// Every cell that is not a plain wall in `cell_flags` (fluid, openings, and walls
    /// carrying a boundary record such as a moving lid), brick by brick.
    pub fn from_flags(cell_flags: &[u32], dims: GridDims) -> Self {
        assert_eq!(cell_flags.len(), dims.cells());
        let stored = |i: usize| cell_flags[i] != flags::WALL;
        let bricks = [dims.nx, dims.ny, dims.nz].map(|n| n.div_ceil(BRICK));
        let mut brick_map = vec![NO_BRICK; bricks[0] * bricks[1] * bricks[2]];
        let mut brick_tables = Vec::new();
        let mut list = Vec::new();
        let mut slot = vec![0u32; cell_flags.len()];
        for bz in 0..bricks[2] {
            for by in 0..bricks[1] {
                for bx in 0..bricks[0] {
                    let mut ranks = [NOT_STORED; BRICK_CELLS];
                    let first = list.len() as u32;
                    for (local, rank) in ranks.iter_mut().enumerate() {
                        let (x, y, z) = (
                            bx * BRICK + local % BRICK,
                            by * BRICK + (local / BRICK) % BRICK,
                            bz * BRICK + local / (BRICK * BRICK),
                        );
                        if x >= dims.nx || y >= dims.ny || z >= dims.nz {
                            continue;
                        }
                        let i = dims.index(x, y, z);
                        if stored(i) {
                            *rank = list.len() as u32 - first;
                            list.push(i as u32);
                        }
                    }
                    if list.len() as u32 == first {
                        continue;
                    }
                    brick_map[bx + bricks[0] * (by + bricks[1] * bz)] =
                        (brick_tables.len() / BRICK_TABLE_WORDS) as u32;
                    brick_tables.push(first);
                    for four in ranks.chunks(4) {
                        brick_tables.push(
                            four.iter()
                                .enumerate()
                                .map(|(k, r)| r << (8 * k))
                                .sum::<u32>(),
                        );
                    }
                }
            }
        }
        let spare = list.len() as u32;
        for (i, s) in slot.iter_mut().enumerate() {
            *s = if stored(i) { 0 } else { spare };
        }
        for (s, &i) in list.iter().enumerate() {
            slot[i as usize] = s as u32;
        }
        StoredCells {
            list,
            slot,
            bricks,
            brick_map,
            brick_tables,
        }
    }

    /// Stored cells per population array, the spare included.
    pub fn stored(&self) -> usize {
        self.list.len() + 1
    }

    /// The spare's slot (plain walls).
    pub fn spare(&self) -> u32 {
        self.list.len() as u32
    }

    /// Bricks that hold stored cells.
    pub fn occupied_bricks(&self) -> usize {
        self.brick_tables.len() / BRICK_TABLE_WORDS
    }

    /// The slot of the cell at (x, y, z) read through the brick tables as the GPU
    /// does (shaders/common/cells.wgsl, `cell_slot_at`).
    pub fn slot_via_bricks(&self, x: usize, y: usize, z: usize) -> u32 {
        let b = x / BRICK + self.bricks[0] * (y / BRICK + self.bricks[1] * (z / BRICK));
        let k = self.brick_map[b];
        if k == NO_BRICK {
            return self.spare();
        }
        let local = x % BRICK + BRICK * (y % BRICK) + BRICK * BRICK * (z % BRICK);
        let table = &self.brick_tables[k as usize * BRICK_TABLE_WORDS..];
        let rank = (table[1 + local / 4] >> (8 * (local % 4))) & NOT_STORED;
        if rank == NOT_STORED {
            self.spare()
        } else {
            table[0] + rank
        }
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

    /// The inverse of [`StoredCells::compact`]: grid layout, plain walls filled with
    /// zeros (shifted populations of fluid at rest).
    pub fn expand(&self, stored_values: &[f32]) -> Vec<f32> {
        let cells = self.slot.len();
        let stored = self.stored();
        let mut out = vec![0.0f32; Q * cells];
        for q in 0..Q {
            for (s, &i) in self.list.iter().enumerate() {
                out[q * cells + i as usize] = stored_values[q * stored + s];
            }
        }
        out
    }
}

/// The words of the `flags` binding every kernel reads cells through.
///
/// Header (8 words): 0 layout (0 dense, 1 sparse), 1–2 bricks along x and y, 3 where
/// the brick tables start, 4 where the flags start, 5 the spare slot, 6–7 unused.
/// Dense: the header, then one flag per grid cell. Sparse: the header, the brick
/// map, the brick tables, then one flag per stored cell and WALL for the spare.
pub fn cell_table(cell_flags: &[u32], stored: Option<&StoredCells>) -> Vec<u32> {
    let h = CELL_TABLE_HEADER;
    match stored {
        None => {
            let mut t = vec![0u32; h];
            t[4] = h as u32;
            t[5] = u32::MAX;
            t.extend_from_slice(cell_flags);
            t
        }
        Some(s) => {
            let tables = h + s.brick_map.len();
            let flags_at = tables + s.brick_tables.len();
            let mut t = vec![
                1,
                s.bricks[0] as u32,
                s.bricks[1] as u32,
                tables as u32,
                flags_at as u32,
                s.spare(),
                0,
                0,
            ];
            t.extend_from_slice(&s.brick_map);
            t.extend_from_slice(&s.brick_tables);
            t.extend(s.list.iter().map(|&i| cell_flags[i as usize]));
            t.push(flags::WALL);
            t
        }
    }
}

/// The layout values of shaders/common/cells.wgsl for this layout (the header's
/// words): the renderer takes them as pipeline constants, the lattice and particle
/// kernels read them at run time (src/kernels/layout.rs).
pub fn cell_table_constants(stored: Option<&StoredCells>) -> Vec<(&'static str, f64)> {
    match stored {
        None => vec![("CELLS_SPARSE", 0.0)],
        Some(s) => {
            let tables = CELL_TABLE_HEADER + s.brick_map.len();
            vec![
                ("CELLS_SPARSE", 1.0),
                ("BRICKS_X", s.bricks[0] as f64),
                ("BRICKS_Y", s.bricks[1] as f64),
                ("BRICK_TABLES_AT", tables as f64),
                ("FLAGS_AT", (tables + s.brick_tables.len()) as f64),
                ("SPARE_SLOT", s.spare() as f64),
            ]
        }
    }
}

/// One layout value of [`cell_table_constants`], or the default that
/// shaders/common/cells.wgsl gives it where the layout (dense storage) omits it.
pub fn cell_table_value(constants: &[(&str, f64)], name: &str) -> u32 {
    let default = match name {
        "BRICKS_X" | "BRICKS_Y" => 1,
        "FLAGS_AT" => CELL_TABLE_HEADER as u32,
        "SPARE_SLOT" => u32::MAX,
        _ => 0,
    };
    constants
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(default, |(_, v)| *v as u32)
}

/// Per grid cell, its flag, from a cell table (the inverse of [`cell_table`];
/// checkpoints and tests read occlusion back this way).
pub fn flags_from_cell_table(table: &[u32], stored: Option<&StoredCells>) -> Vec<u32> {
    let at = table[4] as usize;
    match stored {
        None => table[at..].to_vec(),
        Some(s) => s.slot.iter().map(|&k| table[at + k as usize]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_lumen_brick_by_brick_and_round_trip() {
        // 6 × 1 × 1 (two bricks along x): wall, fluid, wall, inlet | fluid, wall.
        let dims = GridDims::new(6, 1, 1);
        let f = [
            flags::WALL,
            flags::FLUID,
            flags::WALL,
            flags::INLET,
            flags::FLUID,
            flags::WALL,
        ];
        let s = StoredCells::from_flags(&f, dims);
        assert_eq!(s.list, vec![1, 3, 4]);
        assert_eq!(s.slot, vec![3, 0, 3, 1, 2, 3]);
        assert_eq!(s.stored(), 4);
        assert_eq!(s.bricks, [2, 1, 1]);
        assert_eq!(s.occupied_bricks(), 2);
        for x in 0..6 {
            assert_eq!(s.slot_via_bricks(x, 0, 0), s.slot[x], "x {x}");
        }
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
                    grid[q * 6 + i]
                };
                assert_eq!(back[q * 6 + i], expected);
            }
        }
        let table = cell_table(&f, Some(&s));
        assert_eq!(flags_from_cell_table(&table, Some(&s)), f.to_vec());
        assert_eq!(
            flags_from_cell_table(&cell_table(&f, None), None),
            f.to_vec()
        );
    }

    #[test]
    fn brick_lookup_matches_the_slot_table_on_a_ragged_grid() {
        // 9 × 7 × 5: bricks cut the grid's edges; a ball of lumen and a wall with a
        // record (a moving lid) are stored, plain walls are not.
        let dims = GridDims::new(9, 7, 5);
        let f: Vec<u32> = (0..dims.cells())
            .map(|i| {
                let [x, y, z] = dims.coords(i);
                let d2 =
                    (x as f64 - 4.0).powi(2) + (y as f64 - 3.0).powi(2) + (z as f64 - 2.0).powi(2);
                if d2 < 6.0 {
                    flags::FLUID
                } else if y == 6 {
                    flags::moving_wall(1)
                } else {
                    flags::WALL
                }
            })
            .collect();
        let s = StoredCells::from_flags(&f, dims);
        for (i, &flag) in f.iter().enumerate() {
            let [x, y, z] = dims.coords(i);
            assert_eq!(s.slot_via_bricks(x, y, z), s.slot[i], "cell {i}");
            assert_eq!(s.slot[i] == s.spare(), flag == flags::WALL);
        }
        assert_eq!(
            flags_from_cell_table(&cell_table(&f, Some(&s)), Some(&s)),
            f
        );
    }
}
