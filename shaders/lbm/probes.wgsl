// Per-workgroup partial sums for the run-time metrics, so that only a few numbers per
// workgroup travel to the host at output intervals. Layout of one workgroup's
// partials (PROBE_STRIDE floats):
//   0: Σ δρ over fluid cells          1: max speed over fluid cells (NaN -> 3.4e38)
//   2: cell index of that maximum (bitcast u32)
//   3 + 3k: flux from opening k's cells into the fluid across their links   4 + 3k: Σ δρ over them
//   5 + 3k: number of cells of opening k
// CPU twin of the host-side reduction: src/probes/mod.rs.

// Bindings: src/kernels/lbm.rs (probes).
override N_OPENINGS: u32 = 1u;
override PROBE_STRIDE: u32 = 3u + 3u * N_OPENINGS;

var<workgroup> scratch: array<vec4<f32>, REDUCTION_WORKGROUP_SIZE>;
var<workgroup> scratch_index: array<u32, REDUCTION_WORKGROUP_SIZE>;

// Workgroup reductions carry several numbers per thread through one tree: on CPU
// adapters every barrier switches all the workgroup's threads, so the count of
// barriers, not of numbers, sets the cost.

// Sums of x, y and z over the workgroup.
fn reduce_sums(local: u32, value: vec3<f32>) -> vec3<f32> {
    scratch[local] = vec4<f32>(value, 0.0);
    workgroupBarrier();
    for (var stride = REDUCTION_WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if (local < stride) {
            scratch[local] += scratch[local + stride];
        }
        workgroupBarrier();
    }
    let total = scratch[0].xyz;
    workgroupBarrier();
    return total;
}

// The sum of `mass`, and the largest `speed` with its cell, over the workgroup.
fn reduce_mass_and_peak(local: u32, mass: f32, speed: f32, cell: u32) -> vec3<f32> {
    scratch[local] = vec4<f32>(mass, speed, 0.0, 0.0);
    scratch_index[local] = cell;
    workgroupBarrier();
    for (var stride = REDUCTION_WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if (local < stride) {
            let other = scratch[local + stride];
            scratch[local].x += other.x;
            if (other.y > scratch[local].y) {
                scratch[local].y = other.y;
                scratch_index[local] = scratch_index[local + stride];
            }
        }
        workgroupBarrier();
    }
    let total = vec3<f32>(scratch[0].xy, bitcast<f32>(scratch_index[0]));
    workgroupBarrier();
    return total;
}

// Density deviation and velocity of a non-wall cell from its stored populations.
// Stored populations are post-collision: u = Σ f* c − F/2 for fluid cells (incompressible model, ρ₀ = 1)
// (src/lbm/equilibrium.rs, density_velocity); boundary cells carry no force.
fn cell_moments(cell: u32, kind: u32) -> vec4<f32> {
    var moments = vec4<f32>(0.0);
    for (var q = 0u; q < Q; q++) {
        let f = load_src(q, cell);
        moments += vec4<f32>(f * velocity_of(q), f);
    }
    var half_force = vec3<f32>(0.0);
    if (kind == CELL_FLUID) {
        half_force = 0.5 * step_state.force.xyz;
    }
    return vec4<f32>(moments.xyz - half_force, moments.w);
}

// Each thread covers PROBE_CELLS_PER_THREAD cells (strided by the workgroup size, so
// neighbouring threads read neighbouring cells), which keeps the number of
// workgroups, and of barrier-synchronised reductions, small.
@compute @workgroup_size(REDUCTION_WORKGROUP_SIZE)
fn probes(
    @builtin(local_invocation_index) local: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
    let group = wid.x + wid.y * groups.x;
    let first = group * REDUCTION_WORKGROUP_SIZE * PROBE_CELLS_PER_THREAD + local;
    let base = group * PROBE_STRIDE;

    var mass = 0.0;
    var speed = 0.0;
    var speed_cell = first;
    for (var k = 0u; k < PROBE_CELLS_PER_THREAD; k++) {
        let cell = first + k * REDUCTION_WORKGROUP_SIZE;
        if (cell >= CELLS) {
            break;
        }
        if ((cell_flag(cell) & TYPE_MASK) != CELL_FLUID) {
            continue;
        }
        let m = cell_moments(cell, CELL_FLUID);
        mass += m.w;
        var s = length(m.xyz);
        // NaN compares false with everything: make it the maximum so it gets reported.
        if (!(s <= 3.0e38)) {
            s = 3.4e38;
        }
        if (s > speed) {
            speed = s;
            speed_cell = cell;
        }
    }
    let totals = reduce_mass_and_peak(local, mass, speed, speed_cell);
    if (local == 0u) {
        partials[base] = totals.x;
        partials[base + 1u] = totals.y;
        partials[base + 2u] = totals.z;
    }

    for (var o = 0u; o < N_OPENINGS; o++) {
        var flux = 0.0;
        var density = 0.0;
        var count = 0.0;
        for (var k = 0u; k < PROBE_CELLS_PER_THREAD; k++) {
            let cell = first + k * REDUCTION_WORKGROUP_SIZE;
            if (cell >= CELLS) {
                break;
            }
            let flag = cell_flag(cell);
            let kind = flag & TYPE_MASK;
            if ((kind != CELL_INLET && kind != CELL_OUTLET) || ((flag >> OPENING_SHIFT) & OPENING_MASK) != o) {
                continue;
            }
            let m = cell_moments(cell, kind);
            // Exact lattice mass flux into the fluid across this cell's links: what
            // the fluid neighbours pull from it next step minus what they send to it
            // (the weights of the shifted populations cancel pairwise). Unlike Σ u·n
            // over the staircase layer, it does not depend on how many cells the
            // layer happens to hold.
            // With the incompressible equilibrium (momentum ρ₀u) it is the volume flux.
            let p = cell_coords(cell);
            var mass_flux = 0.0;
            for (var q = 1u; q < Q; q++) {
                let nb = neighbor_index(p, vec3<i32>(CX[q], CY[q], CZ[q]));
                if ((cell_flag(nb) & TYPE_MASK) == CELL_FLUID) {
                    mass_flux += load_src(q, cell) - load_src(OPP[q], nb);
                }
            }
            flux += mass_flux;
            density += m.w;
            count += 1.0;
        }
        let total = reduce_sums(local, vec3<f32>(flux, density, count));
        if (local == 0u) {
            partials[base + 3u + 3u * o] = total.x;
            partials[base + 4u + 3u * o] = total.y;
            partials[base + 5u + 3u * o] = total.z;
        }
    }
}
