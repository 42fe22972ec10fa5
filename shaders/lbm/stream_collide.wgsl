// One lattice-Boltzmann step per dispatch. Fluid cells: pull streaming with halfway
// bounce-back, then TRT collision with Guo forcing (BGK when omega_minus ==
// omega_plus), in `fluid_update`, which is generated unrolled from the lattice
// constants. Inlet and outlet cells are rebuilt by non-equilibrium extrapolation from
// their inward neighbour. CPU twin: src/lbm/cpu_reference.rs (same operations, same
// order).

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> flags: array<u32>;
@group(0) @binding(2) var<storage, read> records: array<BoundaryRecord>;

// Womersley inlets: harmonics per inlet record and the record stride in vec4s.
override INLET_HARMONICS: u32 = 0u;
override INLET_STRIDE: u32 = 1u;

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
    let u_nb = j; // incompressible model: momentum = ρ₀ u, ρ₀ = 1
    let record = records[flag >> RECORD_SHIFT];
    var delta_rho_b = delta_rho_nb;
    var u_b = u_nb;
    if ((flag & TYPE_MASK) == CELL_INLET) {
        var u_in = record.velocity;
        if (INLET_HARMONICS > 0u) {
            // Womersley inlet: per cell, Re Σ_n c_n e^{inωt} along the inward normal
            // (src/sim/build.rs, inlet_dynamics).
            let base = (flag >> RECORD_SHIFT) * INLET_STRIDE;
            var extra = 0.0;
            for (var h = 0u; h < INLET_HARMONICS; h++) {
                let c = inlet_dynamics[base + 1u + h / 2u];
                let t = step_state.harmonics[h / 2u];
                let odd = (h % 2u) == 1u;
                let coefficient = select(c.xy, c.zw, odd);
                let phase = select(t.xy, t.zw, odd);
                extra += coefficient.x * phase.x - coefficient.y * phase.y;
            }
            u_in += inlet_dynamics[base].xyz * extra;
        }
        u_b = u_in * (params.inlet_scale * step_state.inlet_factor);
    } else {
        // Fixed, resistance or Windkessel: shaders/lbm/outlets.wgsl keeps it current.
        delta_rho_b = outlet_state[(flag >> OPENING_SHIFT) & OPENING_MASK].x;
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
    // Generated from the lattice constants (src/lbm/shader_source.rs, fluid_update).
    fluid_update(cell, p);
}
