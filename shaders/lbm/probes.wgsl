// Per-workgroup partial sums for the run-time metrics, so that only a few numbers per
// workgroup travel to the host at output intervals. Layout of one workgroup's
// partials (PROBE_STRIDE floats):
//   0: Σ δρ over fluid cells          1: max speed over fluid cells (NaN -> 3.4e38)
//   2: cell index of that maximum (bitcast u32)
//   3 + 3k: Σ u·n over opening k's cells (n: the opening's inward unit normal)   4 + 3k: Σ δρ over them
//   5 + 3k: number of cells of opening k
// CPU twin of the host-side reduction: src/probes/mod.rs.

override N_OPENINGS: u32 = 1u;
override PROBE_STRIDE: u32 = 3u + 3u * N_OPENINGS;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> flags: array<u32>;

var<workgroup> scratch: array<f32, REDUCTION_WORKGROUP_SIZE>;
var<workgroup> scratch_index: array<u32, REDUCTION_WORKGROUP_SIZE>;

fn reduce_sum(local: u32, value: f32) -> f32 {
    scratch[local] = value;
    workgroupBarrier();
    for (var stride = REDUCTION_WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if (local < stride) {
            scratch[local] += scratch[local + stride];
        }
        workgroupBarrier();
    }
    let total = scratch[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(REDUCTION_WORKGROUP_SIZE)
fn probes(
    @builtin(local_invocation_index) local: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let group = wid.x + wid.y * groups.x;
    let cell = group * REDUCTION_WORKGROUP_SIZE + local;
    var kind = CELL_WALL;
    var flag = 0u;
    if (cell < CELLS) {
        flag = flags[cell];
        kind = flag & TYPE_MASK;
    }
    var delta_rho = 0.0;
    var u = vec3<f32>(0.0);
    if (kind != CELL_WALL) {
        var j = vec3<f32>(0.0);
        for (var q = 0u; q < Q; q++) {
            let f = load_src(q, cell);
            delta_rho += f;
            j += f * velocity_of(q);
        }
        // Stored populations are post-collision: u = (Σ f* c − F/2)/ρ
        // (src/lbm/equilibrium.rs, density_velocity).
        var half_force = vec3<f32>(0.0);
        if (kind == CELL_FLUID) {
            half_force = 0.5 * params.force.xyz;
        }
        u = (j - half_force) / (1.0 + delta_rho);
    }
    let base = group * PROBE_STRIDE;
    let is_fluid = kind == CELL_FLUID;

    let mass = reduce_sum(local, select(0.0, delta_rho, is_fluid));

    var speed = 0.0;
    if (is_fluid) {
        speed = length(u);
        // NaN compares false with everything: make it the maximum so it gets reported.
        if (!(speed <= 3.0e38)) {
            speed = 3.4e38;
        }
    }
    scratch[local] = speed;
    scratch_index[local] = cell;
    workgroupBarrier();
    for (var stride = REDUCTION_WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if (local < stride && scratch[local + stride] > scratch[local]) {
            scratch[local] = scratch[local + stride];
            scratch_index[local] = scratch_index[local + stride];
        }
        workgroupBarrier();
    }
    if (local == 0u) {
        partials[base] = mass;
        partials[base + 1u] = scratch[0];
        partials[base + 2u] = bitcast<f32>(scratch_index[0]);
    }
    workgroupBarrier();

    let is_opening = kind == CELL_INLET || kind == CELL_OUTLET;
    let opening = (flag >> OPENING_SHIFT) & OPENING_MASK;
    for (var k = 0u; k < N_OPENINGS; k++) {
        let mine = is_opening && opening == k;
        // Flux through the opening's plane: a one-cell layer holds 1/dx² cells per
        // unit area whatever its orientation, so Σ u·n over it is the flow rate.
        let flux = reduce_sum(local, select(0.0, dot(u, opening_normals[k].xyz), mine));
        let density = reduce_sum(local, select(0.0, delta_rho, mine));
        let count = reduce_sum(local, select(0.0, 1.0, mine));
        if (local == 0u) {
            partials[base + 3u + 3u * k] = flux;
            partials[base + 4u + 3u * k] = density;
            partials[base + 5u + 3u * k] = count;
        }
    }
}
