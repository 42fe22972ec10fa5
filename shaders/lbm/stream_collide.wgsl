// One lattice-Boltzmann step per dispatch with two population sets (read src, write
// dst). Fluid cells: pull streaming with halfway bounce-back, then TRT collision with
// Guo forcing (BGK when omega_minus == omega_plus), in `fluid_update`, which is
// generated unrolled from the lattice constants. Inlet and outlet cells are rebuilt by
// non-equilibrium extrapolation from their inward neighbour (boundary.wgsl).

@compute @workgroup_size(STEP_WORKGROUP_SIZE)
fn stream_collide(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
    // Dense storage: one thread per grid cell, or per cell that is not plain wall;
    // sparse: per stored cell (step_cell, generated with the population layout).
    let t = gid.x + gid.y * groups.x * STEP_WORKGROUP_SIZE;
    if (t >= STEP_CELLS) {
        return;
    }
    let cell = step_cell(t);
    let flag = cell_flag(cell);
    let kind = flag & TYPE_MASK;
    if (kind == CELL_WALL) {
        return;
    }
    let p = cell_coords(cell);
    if (kind != CELL_FLUID) {
        update_boundary(cell, flag, p);
        return;
    }
    // Generated from the lattice constants (src/lbm/shader_source.rs, fluid_update).
    // Its own slot: dense, the cell; sparse, the thread index (stored cells are
    // listed in slot order).
    fluid_update(cell, flag, p, step_slot(t, cell));
}
