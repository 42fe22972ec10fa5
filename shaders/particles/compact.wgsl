// Active-particle list: lodged, stuck and exited particles, and those released later
// than the list's horizon, get no thread in advance_particles. Rebuilt every
// LIST_HORIZON steps by a full scan (one thread per particle, 1/LIST_HORIZON of a
// particle step on average), so the list never depends on an earlier list and a
// resumed run rebuilds it from the particle states alone. The order of the list is
// whatever the atomics give: each particle's update depends on its index, never on
// its thread, so the results do not depend on it.
//
// active_list[0]: number of active particles, active_list[1 + k]: their indices.
// advance_args: the indirect dispatch of advance_particles (x, y, z workgroups).
// LIST_HORIZON (steps until the next rebuild: a waiting particle released before
// then is listed) comes from the generated prelude; the particle count from
// `grid`.

// Bindings (declared in src/kernels/, generated in front of this file):
//   grid: GridLayout (uniform)
//   status: array<vec4<u32>> (read)
//   clock: array<u32> (read)
//   active_list: array<atomic<u32>> (read_write)
//   advance_args: array<u32> (read_write)

@compute @workgroup_size(1)
fn list_reset() {
    atomicStore(&active_list[0], 0u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn list_scan(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = linear_invocation(gid, groups);
    if (i >= grid.particle_count) {
        return;
    }
    let m = status[i];
    let due = m.x == WAITING && m.z < clock[0] + LIST_HORIZON;
    if (m.x == FREE || due) {
        let k = atomicAdd(&active_list[0], 1u);
        atomicStore(&active_list[1u + k], i);
    }
}

// Workgroups for the listed particles, folded into two dimensions as dispatch_size
// does on the host (one dimension holds at most 65535 workgroups).
@compute @workgroup_size(1)
fn list_args() {
    let n = atomicLoad(&active_list[0]);
    let groups = (n + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
    let x = min(groups, 65535u);
    advance_args[0] = x;
    advance_args[1] = select(0u, (groups + x - 1u) / max(x, 1u), groups > 0u);
    advance_args[2] = 1u;
}
