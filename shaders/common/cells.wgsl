// Cells through the `flags` binding's cell table (src/lbm/sparse.rs, cell_table):
// an 8-word header, then one flag per grid cell (dense) or the brick map, the brick
// tables and one flag per stored cell (sparse). Every kernel that binds `flags`
// finds a cell's flag and its population slot through these functions.
const CELL_TABLE_HEADER: u32 = 8u;
const NO_BRICK: u32 = 0xffffffffu;
// The table's layout (the header's words, set per pipeline from the lattice so that
// lookups need no header loads: GpuLattice::cell_table_constants): sparse or dense,
// bricks along x and y, where the brick tables and the flags start, the spare slot.
override CELLS_SPARSE: u32 = 0u;
override BRICKS_X: u32 = 1u;
override BRICKS_Y: u32 = 1u;
override BRICK_TABLES_AT: u32 = 0u;
override FLAGS_AT: u32 = CELL_TABLE_HEADER;
override SPARE_SLOT: u32 = 0xffffffffu;

// The stored cell (population slot) of the cell at p: its grid index when dense;
// through its 4 × 4 × 4 brick when sparse, the spare slot for plain walls.
fn cell_slot_at(p: vec3<u32>) -> u32 {
    if (CELLS_SPARSE == 0u) {
        return p.x + NX * (p.y + NY * p.z);
    }
    let k = flags[CELL_TABLE_HEADER + (p.x >> 2u) + BRICKS_X * ((p.y >> 2u) + BRICKS_Y * (p.z >> 2u))];
    if (k == NO_BRICK) {
        return SPARE_SLOT;
    }
    let local = (p.x & 3u) | ((p.y & 3u) << 2u) | ((p.z & 3u) << 4u);
    let table = BRICK_TABLES_AT + 17u * k;
    let rank = (flags[table + 1u + (local >> 2u)] >> ((local & 3u) * 8u)) & 0xffu;
    if (rank == 0xffu) {
        return SPARE_SLOT;
    }
    return flags[table] + rank;
}

fn cell_slot(cell: u32) -> u32 {
    if (CELLS_SPARSE == 0u) {
        return cell;
    }
    return cell_slot_at(cell_coords(cell));
}

// Flag of a stored cell (the spare's is WALL).
fn slot_flag(slot: u32) -> u32 {
    return flags[FLAGS_AT + slot];
}

fn cell_flag(cell: u32) -> u32 {
    return slot_flag(cell_slot(cell));
}
