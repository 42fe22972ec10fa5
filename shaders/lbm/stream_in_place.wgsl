// One lattice-Boltzmann step in place, on one population set: the AA access pattern
// (Bailey, Myre, Walsh, Lilja & Wu, "Accelerating lattice Boltzmann fluid flow
// simulations using graphics processors", ICPP 2009). With P_t(x, q) the
// post-collision population q of cell x after t steps:
//   after an even number of steps P_t(x, q) is stored at (x, q);
//   after an odd number at (x + c_q, q̄), i.e. already streamed to its destination,
//   in the slot of the opposite direction.
// An even step gathers from the neighbours (x − c_q, q) and scatters its results
// back into exactly those locations, (x + c_q, q̄); an odd step reads and writes only
// its own cell. Every location is touched by one thread per step, so no second set
// is needed, and the values and arithmetic are those of the two-set kernel (results
// are bitwise the same). Wall cells next to the lumen hold the populations bounced
// back at them between the two steps; plain walls of sparse storage have no memory,
// so a population bounced at one stays in its own cell's slot of its direction,
// (x, q), which no neighbour writes (its would-be writer is that wall), and the odd
// step reads it there — which is where it reads a streamed value anyway.
//
// Inlet and outlet cells read their inward neighbour's whole state, which the
// neighbour's own thread may be rewriting: boundary_prepass computes them first into
// boundary_out (by boundary record), and the step copies them into place.

// Which step this pipeline runs: 0 even (natural layout in, streamed layout out),
// 1 odd (streamed in, natural out).
override AA_PARITY: u32 = 0u;
// Inlet and outlet cells (opening_cells), for the prepass.
override BOUNDARY_CELLS: u32 = 0u;

// New populations of boundary cells, computed before the step (store_dst target).
fn store_dst(q: u32, cell: u32, value: f32) {
    boundary_out[(cell_flag(cell) >> RECORD_SHIFT) * Q + q] = value;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn boundary_prepass(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
    let k = linear_invocation(gid, groups);
    if (k >= BOUNDARY_CELLS) {
        return;
    }
    let cell = opening_cells[k];
    let flag = cell_flag(cell);
    if ((flag & TYPE_MASK) == CELL_WALL) {
        return;
    }
    update_boundary(cell, flag, cell_coords(cell));
}

// Stored index of the cell at offset c from p.
fn stored_neighbor(p: vec3<u32>, c: vec3<i32>) -> u32 {
    return stored_at(neighbor_at(p, c));
}

@compute @workgroup_size(STEP_WORKGROUP_SIZE)
fn stream_collide_in_place(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
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
        // Copy the prepass result into this cell's locations for this step.
        let base = (flag >> RECORD_SHIFT) * Q;
        // Its own slot: dense, the cell; sparse, the thread index (stored cells are
        // listed in slot order).
        let own = step_slot(t, cell);
        for (var q = 0u; q < Q; q++) {
            let value = boundary_out[base + q];
            if (AA_PARITY == 0u) {
                // Home instead when the destination is a plain wall of sparse storage.
                let d = stored_neighbor(p, vec3<i32>(CX[q], CY[q], CZ[q]));
                if (stored_is_spare(d)) {
                    aa_set(q, own, value);
                } else {
                    aa_set(OPP[q], d, value);
                }
            } else {
                aa_set(q, own, value);
            }
        }
        return;
    }
    // Generated from the lattice constants (src/lbm/shader_source.rs, fluid_update).
    if (AA_PARITY == 0u) {
        fluid_update_even(cell, flag, p, step_slot(t, cell));
    } else {
        fluid_update_odd(cell, flag, p, step_slot(t, cell));
    }
}
