// One lattice-Boltzmann step per dispatch: pull streaming with halfway bounce-back,
// then TRT collision with Guo forcing (BGK when omega_minus == omega_plus). Inlet and
// outlet cells are rebuilt by non-equilibrium extrapolation from their inward
// neighbour. CPU twin: src/lbm/cpu_reference.rs (same order of operations).

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> flags: array<u32>;
@group(0) @binding(2) var<storage, read> records: array<BoundaryRecord>;

fn collide_and_store(cell: u32, f: ptr<function, array<f32, Q>>) {
    var delta_rho = 0.0;
    var j = vec3<f32>(0.0);
    for (var q = 0u; q < Q; q++) {
        delta_rho += (*f)[q];
        j += (*f)[q] * velocity_of(q);
    }
    let rho = 1.0 + delta_rho;
    let force = params.force.xyz;
    // Guo et al. 2002 eq. 20: u = (Σ f c + F/2)/ρ
    let u = (j + 0.5 * force) / rho;
    let uu = dot(u, u);
    let uf = dot(u, force);
    let wp = params.omega_plus;
    let wm = params.omega_minus;
    for (var q = 0u; q < Q; q++) {
        let o = OPP[q];
        let c = velocity_of(q);
        let cu = dot(c, u);
        let cf = dot(c, force);
        let w = W[q];
        let eq_plus = w * (delta_rho + rho * (4.5 * cu * cu - 1.5 * uu));
        let eq_minus = w * rho * 3.0 * cu;
        let f_plus = 0.5 * ((*f)[q] + (*f)[o]);
        let f_minus = 0.5 * ((*f)[q] - (*f)[o]);
        let source_plus = w * (9.0 * cu * cf - 3.0 * uf);
        let source_minus = w * 3.0 * cf;
        let post = (*f)[q] - wp * (f_plus - eq_plus) - wm * (f_minus - eq_minus)
            + (1.0 - 0.5 * wp) * source_plus
            + (1.0 - 0.5 * wm) * source_minus;
        store_dst(q, cell, post);
    }
}

// Non-equilibrium extrapolation (Guo, Zheng & Shi, Chinese Physics 11 (2002) 366).
fn update_boundary(cell: u32, flag: u32, p: vec3<u32>) {
    let dir = (flag >> DIR_SHIFT) & DIR_MASK;
    let nb = neighbor_index(p, vec3<i32>(CX[dir], CY[dir], CZ[dir]));
    var f_nb: array<f32, Q>;
    var delta_rho_nb = 0.0;
    var j = vec3<f32>(0.0);
    for (var q = 0u; q < Q; q++) {
        f_nb[q] = load_src(q, nb);
        delta_rho_nb += f_nb[q];
        j += f_nb[q] * velocity_of(q);
    }
    let u_nb = j / (1.0 + delta_rho_nb);
    let record = records[flag >> RECORD_SHIFT];
    var delta_rho_b = delta_rho_nb;
    var u_b = u_nb;
    if ((flag & TYPE_MASK) == CELL_INLET) {
        u_b = record.velocity * params.inlet_scale;
    } else {
        delta_rho_b = record.delta_density;
    }
    for (var q = 0u; q < Q; q++) {
        let value = equilibrium_shifted(q, delta_rho_b, u_b) + f_nb[q]
            - equilibrium_shifted(q, delta_rho_nb, u_nb);
        store_dst(q, cell, value);
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn stream_collide(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let cell = linear_invocation(gid, groups);
    if (cell >= CELLS) {
        return;
    }
    let flag = flags[cell];
    let kind = flag & TYPE_MASK;
    if (kind == CELL_WALL) {
        return;
    }
    let p = cell_coords(cell);
    if (kind != CELL_FLUID) {
        update_boundary(cell, flag, p);
        return;
    }
    var f: array<f32, Q>;
    for (var q = 0u; q < Q; q++) {
        let source = neighbor_index(p, -vec3<i32>(CX[q], CY[q], CZ[q]));
        if ((flags[source] & TYPE_MASK) == CELL_WALL) {
            // Halfway bounce-back (Krüger et al. 2017, sec. 5.3.3).
            f[q] = load_src(OPP[q], cell);
        } else {
            f[q] = load_src(q, source);
        }
    }
    collide_and_store(cell, &f);
}
