// Output fields, read-only on the current populations (`src*`, post-collision):
// velocity, density deviation, shear rate, local relaxation time and the wall shear
// stress (WSS) at wall-adjacent cells. `sample_fields` fills a (region, stride) box at
// output time; `wall_shear_now` and `accumulate_wall_shear` evaluate the WSS at a fixed
// list of wall-adjacent cells (the mean, and the sums behind time-averaged WSS and the
// oscillatory shear index). Bindings: src/kernels/lbm.rs (fields).

// Coupled to particles: the porous drag of lodged agents enters the velocity.
override COUPLED: u32 = 0u;

struct FieldBox {
    // First cell (xyz) and stride (w).
    origin: vec4<u32>,
    // Points along x, y, z and their product (w).
    size: vec4<u32>,
}

// What a cell's populations say, lattice units (ρ₀ = 1).
struct CellState {
    u: vec3<f32>,
    delta_rho: f32,
    tau: f32,
    // Deviatoric viscous stress σ = −(1 − 1/(2τ)) (Π_neq − tr Π_neq / 3) (Krüger et al.,
    // The Lattice Boltzmann Method, 2017, eq. 4.31 with 4.14): xx, yy, zz and xy, xz, yz.
    sigma_diag: vec3<f32>,
    sigma_off: vec3<f32>,
    // γ̇ = √(2 S:S), S = −3/(2τ) Π_neq [1/step] (as the rheology kernel computes it).
    shear_rate: f32,
}

// Pre-collision population q of `cell`: pull streaming with halfway bounce-back, as
// the step kernel gathers it.
fn gathered(cell: u32, p: vec3<u32>, q: u32) -> f32 {
    let n = neighbor_index(p, -vec3<i32>(CX[q], CY[q], CZ[q]));
    if ((cell_flag(n) & TYPE_MASK) == CELL_WALL) {
        return load_src(OPP[q], cell);
    }
    return load_src(q, n);
}

fn cell_state(cell: u32) -> CellState {
    let p = cell_coords(cell);
    var f: array<f32, Q>;
    var delta_rho = 0.0;
    var j = vec3<f32>(0.0);
    for (var q = 0u; q < Q; q++) {
        f[q] = gathered(cell, p, q);
        delta_rho += f[q];
        j += f[q] * velocity_of(q);
    }
    var u = j + 0.5 * step_state.force.xyz;
    if (COUPLED != 0u) {
        u = u / (1.0 + 0.5 * porous_drag[cell]);
    }
    var pd = vec3<f32>(0.0);
    var po = vec3<f32>(0.0);
    for (var q = 0u; q < Q; q++) {
        let neq = f[q] - equilibrium_shifted(q, delta_rho, u);
        let c = velocity_of(q);
        pd += neq * c * c;
        po += neq * vec3<f32>(c.x * c.y, c.x * c.z, c.y * c.z);
    }
    var tau = 1.0 / params.omega_plus;
    if (RHEOLOGY != 0u) {
        tau = local_tau(pd.x, pd.y, pd.z, po.x, po.y, po.z);
    }
    if (SMAGORINSKY != 0u) {
        tau = smagorinsky_tau(tau, pd.x, pd.y, pd.z, po.x, po.y, po.z);
    }
    var s: CellState;
    s.u = u;
    s.delta_rho = delta_rho;
    s.tau = tau;
    let k = -(1.0 - 0.5 / tau);
    let trace = (pd.x + pd.y + pd.z) / 3.0;
    s.sigma_diag = k * (pd - vec3<f32>(trace));
    s.sigma_off = k * po;
    let norm = sqrt(2.0 * (dot(pd, pd) + 2.0 * dot(po, po)));
    s.shear_rate = 1.5 * norm / tau;
    return s;
}

// The tangential traction of the stress (diag, off) on a wall with unit normal n:
// τ_w = σ n − (n·σ n) n (xyz) and its magnitude (w).
fn wall_traction(diag: vec3<f32>, off: vec3<f32>, n: vec3<f32>) -> vec4<f32> {
    let t = stress_times(diag, off, n);
    let shear = t - dot(t, n) * n;
    return vec4<f32>(shear, sqrt(dot(shear, shear)));
}

fn stress_times(diag: vec3<f32>, off: vec3<f32>, n: vec3<f32>) -> vec3<f32> {
    return vec3<f32>(
        diag.x * n.x + off.x * n.y + off.y * n.z,
        off.x * n.x + diag.y * n.y + off.z * n.z,
        off.y * n.x + off.z * n.y + diag.z * n.z,
    );
}

// Wall shear stress at a fluid cell (xyz: the vector, w: its magnitude; lattice
// units), zero where no neighbour is wall. The wall normal is the weighted sum of the
// directions that lead into wall cells, −Σ w_q c_q (Matyka, Koza & Mirosław, Comput.
// Fluids 73 (2013) 115); halfway bounce-back puts the wall at d = ½ ⟨c_q·(−n)⟩ from the
// cell centre. The stress varies across the wall-adjacent cell, so it is extrapolated
// to the wall linearly from the next cell inward along the lattice direction closest
// to n: σ_w = σ + d (σ − σ_in)/h, h = c_in·n (exact for Poiseuille flow, whose stress
// is linear in the wall distance).
//
// With interpolated walls (src/lbm/wall_links.rs) a cut cell's entry in the wall-link
// table holds the true wall's normal and distance, fitted to the surface
// (src/geometry/wall_links.rs), which replace the lattice estimates.
fn wall_shear(cell: u32, s: CellState) -> vec4<f32> {
    let fitted = fitted_wall(cell);
    if (fitted.w > 0.0) {
        return wall_shear_from_inside(cell, s, fitted.xyz, fitted.w);
    }
    let p = cell_coords(cell);
    var normal = vec3<f32>(0.0);
    var weight = 0.0;
    for (var q = 1u; q < Q; q++) {
        let n = neighbor_index(p, vec3<i32>(CX[q], CY[q], CZ[q]));
        if ((cell_flag(n) & TYPE_MASK) == CELL_WALL) {
            normal -= W[q] * velocity_of(q);
            weight += W[q];
        }
    }
    let length = sqrt(dot(normal, normal));
    if (weight == 0.0 || length < 1e-6) {
        return vec4<f32>(0.0);
    }
    let n = normal / length;
    var reach = 0.0;
    for (var q = 1u; q < Q; q++) {
        let nb = neighbor_index(p, vec3<i32>(CX[q], CY[q], CZ[q]));
        if ((cell_flag(nb) & TYPE_MASK) == CELL_WALL) {
            reach += W[q] * dot(velocity_of(q), -n);
        }
    }
    return extrapolated_wall_shear(cell, s, n, 0.5 * reach / weight);
}

// The wall's normal (into the lumen) and the cell's distance from it [cells] from
// the wall-link table (src/lbm/wall_links.rs, `entry_wall`: after the header and the
// 16-bit distances, two words of four signed 16-bit fixed-point numbers); w = 0
// where the cell has no fitted wall.
fn fitted_wall(cell: u32) -> vec4<f32> {
    let flag = cell_flag(cell);
    let entry = flag >> LINK_SHIFT;
    if ((flag & TYPE_MASK) != CELL_FLUID || entry == 0u) {
        return vec4<f32>(0.0);
    }
    let at = entry - 1u;
    let links = countOneBits(wall_links[at] & ((1u << LINK_FAR_SHIFT) - 1u));
    let frame = at + 1u + (links + 1u) / 2u;
    let a = bitcast<i32>(wall_links[frame]);
    let b = bitcast<i32>(wall_links[frame + 1u]);
    return vec4<f32>(
        f32((a << 16u) >> 16u) * LINK_NORMAL_UNIT,
        f32(a >> 16u) * LINK_NORMAL_UNIT,
        f32((b << 16u) >> 16u) * LINK_NORMAL_UNIT,
        f32(b >> 16u) * LINK_PLANE_DISTANCE_UNIT,
    );
}

// The lattice direction closest to the unit vector n.
fn closest_direction(n: vec3<f32>) -> u32 {
    var best = 0u;
    var best_cos = -2.0;
    for (var q = 1u; q < Q; q++) {
        let c = velocity_of(q);
        let cosine = dot(c, n) / sqrt(dot(c, c));
        if (cosine > best_cos) {
            best_cos = cosine;
            best = q;
        }
    }
    return best;
}

// On an interpolated wall the populations the wall returns to a cut cell carry the
// interpolation's error in their non-equilibrium part, so the cut cell's own stress
// is off; the wall's is extrapolated from the next two cells inward along the lattice
// direction closest to n (h and 2h further from the wall), where it is the bulk's.
fn wall_shear_from_inside(cell: u32, s: CellState, n: vec3<f32>, d: f32) -> vec4<f32> {
    let p = cell_coords(cell);
    let best = closest_direction(n);
    let c = vec3<i32>(CX[best], CY[best], CZ[best]);
    let inner = neighbor_index(p, c);
    let inner2 = neighbor_index(p, 2 * c);
    if ((cell_flag(inner) & TYPE_MASK) != CELL_FLUID || (cell_flag(inner2) & TYPE_MASK) != CELL_FLUID) {
        return extrapolated_wall_shear(cell, s, n, d);
    }
    let s1 = cell_state(inner);
    let s2 = cell_state(inner2);
    let h = dot(velocity_of(best), n);
    let k = (d + h) / h;
    let diag = s1.sigma_diag + k * (s1.sigma_diag - s2.sigma_diag);
    let off = s1.sigma_off + k * (s1.sigma_off - s2.sigma_off);
    return wall_traction(diag, off, n);
}

// The shear part of the stress on a wall with unit normal n (into the lumen) at
// distance d from the cell, extrapolated from the cell and the next one inward.
fn extrapolated_wall_shear(cell: u32, s: CellState, n: vec3<f32>, d: f32) -> vec4<f32> {
    let p = cell_coords(cell);
    let best = closest_direction(n);
    var diag = s.sigma_diag;
    var off = s.sigma_off;
    let inner = neighbor_index(p, vec3<i32>(CX[best], CY[best], CZ[best]));
    if ((cell_flag(inner) & TYPE_MASK) == CELL_FLUID) {
        let si = cell_state(inner);
        let h = dot(velocity_of(best), n);
        diag += (d / h) * (s.sigma_diag - si.sigma_diag);
        off += (d / h) * (s.sigma_off - si.sigma_off);
    }
    return wall_traction(diag, off, n);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sample_fields(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
    let k = linear_invocation(gid, groups);
    if (k >= field_box.size.w) {
        return;
    }
    let size = field_box.size.xyz;
    let i = vec3<u32>(k % size.x, (k / size.x) % size.y, k / (size.x * size.y));
    let p = field_box.origin.xyz + field_box.origin.w * i;
    let cell = p.x + NX * (p.y + NY * p.z);
    if ((cell_flag(cell) & TYPE_MASK) == CELL_WALL) {
        field_flow[k] = vec4<f32>(0.0);
        field_stress[k] = vec4<f32>(0.0, 0.0, 1.0, 0.0);
        field_wall[k] = vec4<f32>(0.0);
        return;
    }
    let s = cell_state(cell);
    field_flow[k] = vec4<f32>(s.u, s.delta_rho);
    field_stress[k] = vec4<f32>(s.shear_rate, s.tau, 0.0, 0.0);
    if ((cell_flag(cell) & TYPE_MASK) == CELL_FLUID) {
        field_wall[k] = wall_shear(cell, s);
    } else {
        field_wall[k] = vec4<f32>(0.0);
    }
}

// The WSS at listed wall-adjacent cell k now (zero once occlusion made it wall).
fn listed_wall_shear(k: u32) -> vec4<f32> {
    let cell = wall_cells[k];
    if ((cell_flag(cell) & TYPE_MASK) != CELL_FLUID) {
        return vec4<f32>(0.0);
    }
    return wall_shear(cell, cell_state(cell));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn wall_shear_now(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
    let k = linear_invocation(gid, groups);
    if (k < arrayLength(&wall_cells)) {
        wall_now[k] = listed_wall_shear(k);
    }
}

// Adds the WSS vector and its magnitude to each listed cell's sums.
@compute @workgroup_size(WORKGROUP_SIZE)
fn accumulate_wall_shear(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_lattice_layout();
    let k = linear_invocation(gid, groups);
    if (k < arrayLength(&wall_cells)) {
        wall_sums[k] += listed_wall_shear(k);
    }
}
