//! The grid and storage layout the lattice kernels read at run time (the
//! `lattice_layout` binding; src/kernels/layout.rs says why it is not compiled in).

use super::storage::PopulationStorage;

/// The layout of `LatticeLayout` in the lattice kernels (src/kernels/layout.rs).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LatticeLayout {
    pub nx: u32,
    pub ny: u32,
    pub nz: u32,
    /// Cells whose populations are stored (the grid's, or the lumen's and a spare).
    pub stored: u32,
    pub bricks_x: u32,
    pub bricks_y: u32,
    pub brick_tables_at: u32,
    pub flags_at: u32,
    pub spare_slot: u32,
    /// Threads of the step: grid cells, or the listed stored cells.
    pub step_cells: u32,
    /// Opening cells of the in-place prepass.
    pub boundary_cells: u32,
    pub _pad: u32,
}

impl LatticeLayout {
    /// From the storage's cell table (the defaults of shaders/common/cells.wgsl where
    /// dense storage has no table) and the count of opening cells.
    pub fn new(storage: &PopulationStorage, boundary_cells: usize) -> Self {
        let table = storage.cell_table_constants();
        let value = |name: &str| crate::lbm::sparse::cell_table_value(&table, name);
        let dims = storage.dims();
        LatticeLayout {
            nx: dims.nx as u32,
            ny: dims.ny as u32,
            nz: dims.nz as u32,
            stored: storage.stored() as u32,
            bricks_x: value("BRICKS_X"),
            bricks_y: value("BRICKS_Y"),
            brick_tables_at: value("BRICK_TABLES_AT"),
            flags_at: value("FLAGS_AT"),
            spare_slot: value("SPARE_SLOT"),
            step_cells: storage.step_cells() as u32,
            boundary_cells: boundary_cells as u32,
            _pad: 0,
        }
    }
}
