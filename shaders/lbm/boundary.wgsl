// Shared by both step kernels (stream_collide.wgsl with two population sets,
// stream_in_place.wgsl with one): settings, moving walls, and the
// inlet/outlet update, which reads populations through load_src and writes through
// store_dst (generated for each kernel). CPU twin: src/cpu/stream_collide.rs (same
// operations, same order). The step's bindings are declared in src/kernels/lbm.rs
// (step_bindings) and generated in front of this file.

// Womersley inlets: harmonics per inlet record and the record stride in vec4s.
override INLET_HARMONICS: u32 = 0u;
override INLET_STRIDE: u32 = 1u;
// Coupled to particles: write each cell's (u, δρ) to velocity_field and apply the
// porous drag of lodged agents.
override COUPLED: u32 = 0u;
// Threads per workgroup of this kernel (tuned per adapter: `embolus bench` sweeps it).
override STEP_WORKGROUP_SIZE: u32 = 64u;

// Interpolated walls: the wall-link table is bound and fluid cells' flags point into
// it (src/lbm/wall_links.rs); 0 compiles the interpolation out.
override WALL_LINKS: u32 = 0u;

// The population arriving along c_q at fluid cell x whose upstream link the true
// wall cuts at `distance` (fraction q_w of the link from x): `toward` = f*_q̄(x),
// `second` = f*_q̄(x + c_q) when `second_ok` (that cell is fluid), `away` = f*_q(x).
// Bouzidi, Firdaouss & Lallemand, Phys. Fluids 13 (2001) 3452, eq. 5 (linear):
//   q_w < ½: 2 q_w f*_q̄(x) + (1 − 2 q_w) f*_q̄(x + c_q)   (halfway without x + c_q)
//   q_w ≥ ½: f*_q̄(x) / (2 q_w) + (1 − 1/(2 q_w)) f*_q(x)
// CPU twin: lbm::wall_links::interpolated_bounce_back.
fn interpolated_bounce_back(distance: f32, toward: f32, second: f32, second_ok: bool, away: f32) -> f32 {
    if (distance < 0.5) {
        if (!second_ok) {
            return toward;
        }
        return 2.0 * distance * toward + (1.0 - 2.0 * distance) * second;
    }
    let k = 0.5 / distance;
    return k * toward + (1.0 - k) * away;
}

// What a moving wall adds to the population q it bounces back: 2 w ρ₀ (c_q·u_w)/c_s²
// (Ladd 1994; Krüger et al. 2017, eq. 5.26), ρ₀ = 1; walls at rest (record field 0,
// all but the lid of the cavity validation case and a catheter's tip face) add
// nothing. The step's wall factor switches a catheter's injection on and off. The
// streaming adds it through a select on whether the upstream cell is a wall (the
// branch here is the same in almost every lane, which software Vulkan skips cheaply).
fn moving_wall(q: u32, wall: u32) -> f32 {
    let record = wall >> RECORD_SHIFT;
    if (record == 0u) {
        return 0.0;
    }
    return 6.0 * W[q] * step_state.wall_factor * dot(velocity_of(q), records[record].velocity);
}

// Non-equilibrium extrapolation (Guo, Zheng & Shi, Chinese Physics 11 (2002) 366),
// regularized (below).
fn update_boundary(cell: u32, flag: u32, p: vec3<u32>) {
    let dir = (flag >> DIR_SHIFT) & DIR_MASK;
    var nb = neighbor_index(p, vec3<i32>(CX[dir], CY[dir], CZ[dir]));
    // An inward neighbour closed by occlusion (a wall since) holds stale populations
    // that nothing updates: extrapolate from this cell's own state instead.
    if ((cell_flag(nb) & TYPE_MASK) == CELL_WALL) {
        nb = cell;
    }
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
    if (COUPLED != 0u) {
        velocity_field[cell] = vec4<f32>(u_b, delta_rho_b);
    }
    // Regularized: carry over only the neighbour's Π_neq (Latt et al., Phys. Rev. E 77
    // (2008) 056703); the ghost part of f_neq grows at the opening close to τ = 1/2.
    var pi_diag = vec3<f32>(0.0);
    var pi_off = vec3<f32>(0.0); // xy, xz, yz
    for (var q = 0u; q < Q; q++) {
        let neq = f_nb[q] - equilibrium_shifted(q, delta_rho_nb, u_nb);
        let c = velocity_of(q);
        pi_diag += neq * c * c;
        pi_off += neq * vec3<f32>(c.x * c.y, c.x * c.z, c.y * c.z);
    }
    let pi_trace = pi_diag.x + pi_diag.y + pi_diag.z;
    for (var q = 0u; q < Q; q++) {
        let c = velocity_of(q);
        let qpi = dot(c * c, pi_diag) - pi_trace / 3.0
            + 2.0 * dot(vec3<f32>(c.x * c.y, c.x * c.z, c.y * c.z), pi_off);
        let value = equilibrium_shifted(q, delta_rho_b, u_b) + W[q] * 4.5 * qpi;
        store_dst(q, cell, value);
    }
}

