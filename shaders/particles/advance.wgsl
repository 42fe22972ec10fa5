// Embolic particles: one thread per active particle (the list of compact.wgsl), one
// dispatch per LBM step, after the flow step. Lagrangian point particles in lattice
// units (positions in cells, the centre of cell i at i + 0.5; velocities in cells per
// step; one step per call).
// Model and sources: docs/particles.md; CPU twin: src/cpu/advance.rs.
//
// Motion: m_eff dv/dt = 3πμd f(Re_p) (u − v) + m_eff a, with m_eff = (ρp + C_m ρf) V
// (added mass C_m = ½ when enabled), f = 1 + 0.15 Re_p^0.687 (Schiller & Naumann
// 1933; C_D = 0.44 above Re_p 1000), a = g (ρp − ρf)/(ρp + C_m ρf) + magnetic.
// Over one step with u, a and f frozen this is linear with response time
// τ = τp/f, τp = (ρp + C_m ρf) d²/(18 μ), and is integrated exactly:
//   v(1) = v∞ + (v − v∞) e^(−1/τ),  x(1) = x + v∞ + (v − v∞) τ (1 − e^(−1/τ)),
//   v∞ = u + a τ,
// which stays exact and stable when τ is far below one step (Y-90 spheres: τp ≈ 3e-3
// steps), where explicit schemes would need thousands of substeps.

struct ParticleParams {
    count: u32,
    agents: u32,
    magnets: u32,
    seed: u32,
    // Lattice kinematic viscosity.
    nu: f32,
    // Voxel size [m] and the factor turning an SI acceleration into lattice units
    // (dt²/dx).
    dx_m: f32,
    accel_to_lattice: f32,
    // A particle may bridge where the lumen ahead is narrower than bridging_ratio · d
    // and lodged material or other particles are there (Marin et al. 2018).
    bridging_ratio: f32,
    // Corner of cell (0,0,0) [m].
    origin_m: vec4<f32>,
    // Solid fraction ahead that stops a particle (a plug), and the fixed-point scale of
    // the solid-volume counters.
    blocking_fraction: f32,
    solid_scale: f32,
    // Optional forces: bit 0 the fluid-acceleration (pressure-gradient) force, bit 1
    // Saffman lift.
    forces: u32,
    // Deep-bed filtration's attachment efficiency α (0: off; filtration_chance).
    attachment_efficiency: f32,
}

// Particle states (WAITING … EXITED, OUTSIDE for `where` of a particle that left the
// grid other than through an opening) and BRIDGING_CHANCE come from the generated
// prelude (src/particles/kernel_params.rs).

// Bindings (declared in src/kernels/, generated in front of this file):
//   pp: ParticleParams (uniform)
//   grid: GridLayout (uniform): the grid, read at run time (src/kernels/particles.rs)
//   flags: array<u32> (read)
//   velocity_field: array<vec4<f32>> (read)
// (signed wall distance [cells]: + in the lumen, − in the wall; 0; solid fraction as
// of the last occlusion update; the mean diameter of that lodged material [cells]).
// Lodging decisions read this
// snapshot, never the counters being added to in the same step, so that the result
// does not depend on the order in which threads run.
//   cell_geometry: array<vec4<f32>> (read)
//   positions: array<vec4<f32>> (read_write)
//   velocities: array<vec4<f32>> (read_write)
// (state, agent, release step, where it ended: opening or cell)
//   status: array<vec4<u32>> (read_write)
// Per agent two rows: (acceleration xyz [lattice], restitution),
// (sticking probability, magnetic coefficient Δχ/(μ0 ρ_eff) [SI], (1 + C_m) ρ/ρ_eff,
// ρ/ρ_eff); then per
// magnet two rows: (position [m], kind 0 dipole / 1 gradient), (moment [A m²] or
// |B|∇|B| [T²/m], 0); then per opening one row: (capture diameter [cells], 0, 0, 0):
// particles at least that large lodge against that outlet (the bed beyond it).
//   tables: array<vec4<f32>> (read)
// Per cell: solid volume fraction and Σ fraction × diameter [cells], fixed point.
//   solid: array<atomic<u32>> (read_write)
//   clock: array<u32> (read)
// Active particles: count, then indices (shaders/particles/compact.wgsl).
//   active_list: array<u32> (read)
// Free particles per crowding block (grid.crowd_block³ cells) at the step's start (below).
//   crowd: array<atomic<u32>> (read_write)

fn in_grid(c: vec3<i32>) -> bool {
    return all(c >= vec3<i32>(0)) && all(c < vec3<i32>(i32(NX), i32(NY), i32(NZ)));
}

fn cell_of(c: vec3<i32>) -> u32 {
    return u32(c.x) + NX * (u32(c.y) + NY * u32(c.z));
}

fn clamp_cell(c: vec3<i32>) -> vec3<i32> {
    return clamp(c, vec3<i32>(0), vec3<i32>(i32(NX) - 1, i32(NY) - 1, i32(NZ) - 1));
}

// Trilinear interpolation of the fluid velocity at x (cell centres at i + ½).
fn fluid_velocity(x: vec3<f32>) -> vec3<f32> {
    let s = x - vec3<f32>(0.5);
    let base = vec3<i32>(floor(s));
    let t = s - floor(s);
    var u = vec3<f32>(0.0);
    for (var k = 0; k < 8; k++) {
        let o = vec3<i32>(k & 1, (k >> 1) & 1, (k >> 2) & 1);
        let w = select(1.0 - t.x, t.x, o.x == 1) * select(1.0 - t.y, t.y, o.y == 1)
            * select(1.0 - t.z, t.z, o.z == 1);
        let c = clamp_cell(base + o);
        u += w * velocity_field[cell_of(c)].xyz;
    }
    return u;
}

// Inverse octahedral map of a unit vector (Cigolle et al., JCGT 3 (2014) 1; the
// encoding: src/particles/fields.rs, encode_normal).
fn decode_normal(e: vec2<f32>) -> vec3<f32> {
    var n = vec3<f32>(e, 1.0 - abs(e.x) - abs(e.y));
    if (n.z < 0.0) {
        let sign_xy = select(vec2<f32>(-1.0), vec2<f32>(1.0), e >= vec2<f32>(0.0));
        n = vec3<f32>((vec2<f32>(1.0) - abs(e.yx)) * sign_xy, n.z);
    }
    return normalize(n);
}

// Corner planes more than this below the interpolated distance are not used [cells].
const PLANE_DISAGREEMENT: f32 = 0.5;

// Signed distance [cells] from x to the wall (+ in the lumen). Where the cells around
// x carry their tangent planes of the true surface (cell_geometry.y ≠ 0: the normal,
// octahedral, its first number offset by NORMAL_OFFSET), the nearest of those planes;
// trilinear interpolation of the cells' distances cuts the ridge of the distance on a
// vessel's axis by up to 0.7 cells, which stopped large spheres early. Elsewhere
// (channels, cells beyond openings or closed by occlusion) trilinear interpolation.
fn wall_distance(x: vec3<f32>) -> f32 {
    let s = x - vec3<f32>(0.5);
    let base = vec3<i32>(floor(s));
    let t = s - floor(s);
    var d = 0.0;
    var nearest_plane = 1e30;
    for (var k = 0; k < 8; k++) {
        let o = vec3<i32>(k & 1, (k >> 1) & 1, (k >> 2) & 1);
        let w = select(1.0 - t.x, t.x, o.x == 1) * select(1.0 - t.y, t.y, o.y == 1)
            * select(1.0 - t.z, t.z, o.z == 1);
        let c = clamp_cell(base + o);
        let g = cell_geometry[cell_of(c)];
        d += w * g.x;
        if (g.y != 0.0) {
            let n = decode_normal(vec2<f32>(g.y - NORMAL_OFFSET, g.w));
            nearest_plane = min(nearest_plane, g.x + dot(x - vec3<f32>(c) - vec3<f32>(0.5), n));
        }
    }
    // A plane well below the interpolated distance belongs to a lumen on the other
    // side of a thin wall (the two daughters at a carina): planes hold only where the
    // lumen is locally convex, so there the cells' distances are interpolated.
    return select(d, nearest_plane, nearest_plane < 1e29 && nearest_plane > d - PLANE_DISAGREEMENT);
}

// Gradient of the wall distance (central differences over one cell): the unit normal
// into the lumen near a wall, shorter where walls on several sides balance.
fn distance_gradient(x: vec3<f32>) -> vec3<f32> {
    let h = 0.5;
    return vec3<f32>(
        wall_distance(x + vec3<f32>(h, 0.0, 0.0)) - wall_distance(x - vec3<f32>(h, 0.0, 0.0)),
        wall_distance(x + vec3<f32>(0.0, h, 0.0)) - wall_distance(x - vec3<f32>(0.0, h, 0.0)),
        wall_distance(x + vec3<f32>(0.0, 0.0, h)) - wall_distance(x - vec3<f32>(0.0, 0.0, h)),
    );
}

// Unit normal pointing from the wall into the lumen (gradient of the distance).
fn wall_normal(x: vec3<f32>) -> vec3<f32> {
    let g = distance_gradient(x);
    let n = length(g);
    return select(vec3<f32>(0.0), g / n, n > 1e-12);
}

// Velocity gradient J[j] = ∂u/∂x_j at x, central differences of the interpolated
// velocity over one cell.
fn velocity_gradient(x: vec3<f32>) -> mat3x3<f32> {
    let h = 0.5;
    return mat3x3<f32>(
        fluid_velocity(x + vec3<f32>(h, 0.0, 0.0)) - fluid_velocity(x - vec3<f32>(h, 0.0, 0.0)),
        fluid_velocity(x + vec3<f32>(0.0, h, 0.0)) - fluid_velocity(x - vec3<f32>(0.0, h, 0.0)),
        fluid_velocity(x + vec3<f32>(0.0, 0.0, h)) - fluid_velocity(x - vec3<f32>(0.0, 0.0, h)),
    );
}

// ½∇|B|² of every magnet at the SI position p [T²/m].
fn magnetic_gradient(p: vec3<f32>) -> vec3<f32> {
    var g = vec3<f32>(0.0);
    let base = 2u * pp.agents;
    for (var k = 0u; k < pp.magnets; k++) {
        let a = tables[base + 2u * k];
        let b = tables[base + 2u * k + 1u];
        if (a.w > 0.5) {
            g += b.xyz; // uniform gradient: |B|∇|B| given
        } else {
            // Point dipole m at a.xyz: |B|² = k (3 (m·r)²/r⁸ + m²/r⁶), k = (μ0/4π)²;
            // ½∇|B|² = k (3 s m/r⁸ − 12 s² r/r¹⁰ − 3 m² r/r⁸), s = m·r.
            let r = p - a.xyz;
            let r2 = max(dot(r, r), 1e-12);
            let s = dot(b.xyz, r);
            let m2 = dot(b.xyz, b.xyz);
            let r8 = r2 * r2 * r2 * r2;
            let k = 1e-14;
            g += k * (3.0 * s * b.xyz / r8 - 12.0 * s * s * r / (r8 * r2) - 3.0 * m2 * r / r8);
        }
    }
    return g;
}

// PCG hash (O'Neill 2014, as in Jarzynski & Olano, JCGT 9 (2020) 21): a uniform
// number in [0, 1) per particle, step and seed, the same on every run.
fn random01(i: u32, step: u32) -> f32 {
    var state = i * 747796405u + step * 2891336453u + pp.seed * 277803737u + 1u;
    state = state * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return f32((word >> 22u) ^ word) * 2.3283064e-10;
}

// Adds a lodged particle's volume (diameter d cells) to the fluid cells its sphere
// covers (to its own cell when smaller than one cell).
fn deposit(x: vec3<f32>, d: f32) {
    let volume = 0.5235988 * d * d * d; // π d³/6, cell volumes
    let r = 0.5 * d;
    let reach = i32(min(ceil(r), 10.0));
    let centre = vec3<i32>(floor(x));
    var cells = 0u;
    for (var round = 0u; round < 2u; round++) {
        for (var dz = -reach; dz <= reach; dz++) {
            for (var dy = -reach; dy <= reach; dy++) {
                for (var dx = -reach; dx <= reach; dx++) {
                    let c = centre + vec3<i32>(dx, dy, dz);
                    if (!in_grid(c)) {
                        continue;
                    }
                    let offset = vec3<f32>(c) + vec3<f32>(0.5) - x;
                    let own = dx == 0 && dy == 0 && dz == 0;
                    if (!own && dot(offset, offset) > (r + 0.5) * (r + 0.5)) {
                        continue;
                    }
                    let cell = cell_of(c);
                    if ((cell_flag(cell) & TYPE_MASK) != CELL_FLUID) {
                        continue;
                    }
                    if (round == 0u) {
                        cells += 1u;
                    } else {
                        let share = volume / f32(cells);
                        atomicAdd(&solid[2u * cell], u32(share * pp.solid_scale));
                        atomicAdd(&solid[2u * cell + 1u], u32(share * d * pp.solid_scale));
                    }
                }
            }
        }
        if (cells == 0u) {
            return;
        }
    }
}


// Deep-bed filtration (clean-bed filtration theory; Yao, Habibian & O'Melia 1971):
// a particle travelling a length L through lodged grains of diameter d_c at solid
// fraction φ is captured with probability 1 − exp(−λ L), filter coefficient
// λ = (3/2) φ α η / d_c, α the attachment efficiency and η the single-grain collection
// efficiency: interception (3/2)(d/d_c)² plus sedimentation v_s/U (v_s the Stokes
// settling speed, U the approach speed); Brownian diffusion is negligible for
// particles of micrometres and more. η is capped at 1 (every grain in the path
// collects). `bed` is the cell's geometry row: φ in z, d_c in w.
fn filtration_chance(bed: vec4<f32>, d: f32, travelled: f32, settling: f32, approach: f32) -> f32 {
    let phi = bed.z;
    let grain = bed.w;
    if (pp.attachment_efficiency <= 0.0 || phi <= 0.0 || grain <= 0.0) {
        return 0.0;
    }
    let ratio = d / grain;
    let eta = min(1.5 * ratio * ratio + settling / max(approach, 1e-9), 1.0);
    let lambda = 1.5 * phi * pp.attachment_efficiency * eta / grain;
    return 1.0 - exp(-lambda * travelled);
}

// The wall distance [cells], with cells packed with lodged material (solid fraction ≥
// blocking_fraction) counted as wall: −¼ inside them.
fn open_distance(x: vec3<f32>) -> f32 {
    let c = vec3<i32>(floor(x));
    if (in_grid(c) && cell_geometry[cell_of(c)].z >= pp.blocking_fraction) {
        return -0.25;
    }
    return wall_distance(x);
}

// How far [cells] the lumen is open from p along the unit vector u, up to `limit`:
// steps of the distance to the wall (at least ¼, at most one cell, so that no packed
// cell is stepped over), and the crossing placed by linear interpolation of the
// distance across the last step.
fn free_length(p: vec3<f32>, u: vec3<f32>, limit: f32) -> f32 {
    var d = open_distance(p);
    if (d <= 0.0) {
        return 0.0;
    }
    var t = 0.0;
    for (var k = 0; k < 64; k++) {
        let step = clamp(d, 0.25, 1.0);
        if (t + step >= limit) {
            return limit;
        }
        let d_next = open_distance(p + u * (t + step));
        if (d_next <= 0.0) {
            return t + step * d / (d - d_next);
        }
        t += step;
        d = d_next;
    }
    return t;
}

// Chords of a section are marched this far each way [cells].
const SECTION_REACH: f32 = 12.0;
// The open point of a blocked section is looked for this far around [cells].
const OPEN_POINT_REACH: i32 = 6;

// A point of the open lumen in the section through p spanned by e1 and e2: p itself,
// or where the section is most open over a square of ±OPEN_POINT_REACH cells (a
// particle grazing the wall or a partial plug looks at a section point inside it;
// the open lumen beside it is what it must pass). p when the section is closed.
fn open_section_point(p: vec3<f32>, e1: vec3<f32>, e2: vec3<f32>) -> vec3<f32> {
    if (open_distance(p) > 0.0) {
        return p;
    }
    let reach = OPEN_POINT_REACH;
    var best = p;
    var best_distance = 0.0;
    for (var i = -reach; i <= reach; i++) {
        for (var j = -reach; j <= reach; j++) {
            let q = p + e1 * f32(i) + e2 * f32(j);
            let d = open_distance(q);
            if (d > best_distance) {
                best = q;
                best_distance = d;
            }
        }
    }
    return best;
}

// Two unit vectors spanning the section perpendicular to the unit vector dir.
fn section_axes(dir: vec3<f32>) -> mat2x3<f32> {
    let helper = select(vec3<f32>(1.0, 0.0, 0.0), vec3<f32>(0.0, 1.0, 0.0), abs(dir.x) > 0.9);
    let e1 = normalize(cross(dir, helper));
    return mat2x3<f32>(e1, cross(dir, e1));
}

// Whether the section through a (perpendicular to dir) plainly admits a sphere of
// diameter `width`: an open ball of radius width/2 (the open distance is a distance
// in 3-D, at most the one within the section) at a, or one or two widths into the
// lumen from a along the wall normal at the contact (`normal`) within the section,
// or on the rings one and two widths around a in the section. A cheap sufficient
// test (at most 19 distances against the ~400 of a measurement); where it fails the
// section is measured. Without the rings a particle beside packed material (a
// lining of stuck beads) measured its section nearly every step, which made a run
// with sticky beads several times slower.
fn section_admits(a: vec3<f32>, dir: vec3<f32>, width: f32, normal: vec3<f32>) -> bool {
    let r = 0.5 * width;
    if (open_distance(a) >= r) {
        return true;
    }
    let g = normal - dot(normal, dir) * dir;
    let l = length(g);
    if (l > 1e-6) {
        let n = g / l;
        if (open_distance(a + n * width) >= r || open_distance(a + n * (2.0 * width)) >= r) {
            return true;
        }
    }
    let axes = section_axes(dir);
    let e1 = axes[0];
    let e2 = axes[1];
    for (var k = 0; k < 16; k++) {
        let angle = f32(k % 8) * 0.7853982; // π/4
        let reach = f32(1 + k / 8) * width;
        if (open_distance(a + (cos(angle) * e1 + sin(angle) * e2) * reach) >= r) {
            return true;
        }
    }
    return false;
}

// Width [cells] of the open lumen in the plane through `a` perpendicular to `dir`:
// the shortest of 8 chords through the section's centre, each at most 2 limit. The
// centre: a chord's midpoint through a is a's projection onto the line through the
// centre of a round section, and the mean of 8 evenly turned chords' midpoints is
// halfway between a and that centre (Thales' circle), so c = 2 mean − a; through c
// every chord of a circle is its diameter and the shortest chord of an ellipse its
// minor axis, the width a sphere must pass.
fn section_width(section_point: vec3<f32>, dir: vec3<f32>, limit: f32) -> f32 {
    let axes = section_axes(dir);
    let e1 = axes[0];
    let e2 = axes[1];
    let a = open_section_point(section_point, e1, e2);
    var mean_mid = vec3<f32>(0.0);
    for (var k = 0; k < 8; k++) {
        let angle = f32(k) * 0.39269908; // π/8
        let u = cos(angle) * e1 + sin(angle) * e2;
        let ahead = free_length(a, u, limit);
        let behind = free_length(a, -u, limit);
        mean_mid += a + u * (0.5 * (ahead - behind));
    }
    var c = 2.0 * mean_mid / 8.0 - a;
    if (open_distance(c) <= open_distance(a)) {
        c = a; // a lopsided section: stay where the particle looks
    }
    var width = 2.0 * limit;
    for (var k = 0; k < 8; k++) {
        let angle = f32(k) * 0.39269908;
        let u = cos(angle) * e1 + sin(angle) * e2;
        width = min(width, free_length(c, u, limit) + free_length(c, -u, limit));
    }
    return width;
}

// Crowding: the free particles in each block of crowd_block³ cells as the step
// starts (count_crowd before advance_particles, clear_crowd after it), so that a
// particle at a constriction knows whether others arrive with it (bridging). The
// block (grid.crowd_block) is about the largest particle's diameter
// (ParticlePlan::crowd_block), so the 3×3×3 blocks around a particle hold every
// partner that touches it.
fn crowd_blocks() -> vec3<i32> {
    let edge = grid.crowd_block;
    return vec3<i32>((vec3<u32>(NX, NY, NZ) + vec3<u32>(edge - 1u)) / edge);
}

fn crowd_index(b: vec3<i32>) -> u32 {
    let n = crowd_blocks();
    return u32(b.x) + u32(n.x) * (u32(b.y) + u32(n.y) * u32(b.z));
}

fn crowd_block(x: vec3<f32>) -> vec3<i32> {
    return vec3<i32>(floor(x / f32(grid.crowd_block)));
}

// Free particles other than this one in the 3×3×3 blocks around x (its position as
// the step started; `counted`: it was free then, so it counted itself).
fn partners(x: vec3<f32>, counted: bool) -> u32 {
    let b = crowd_block(x);
    let n = crowd_blocks();
    var count = 0u;
    for (var k = 0; k < 27; k++) {
        let c = b + vec3<i32>(k % 3 - 1, (k / 3) % 3 - 1, k / 9 - 1);
        if (all(c >= vec3<i32>(0)) && all(c < n)) {
            count += atomicLoad(&crowd[crowd_index(c)]);
        }
    }
    return select(count, max(count, 1u) - 1u, counted);
}

const NOT_LISTED: u32 = 0xffffffffu;

// The grid layout loaded; the particle of this thread's slot in the active list, or
// NOT_LISTED past its end.
fn listed_particle(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    load_layout();
    let t = linear_invocation(gid, groups);
    if (t >= active_list[0]) {
        return NOT_LISTED;
    }
    return active_list[1u + t];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn count_crowd(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = listed_particle(gid, groups);
    if (i == NOT_LISTED) {
        return;
    }
    let b = crowd_block(positions[i].xyz);
    if (status[i].x == FREE && all(b >= vec3<i32>(0)) && all(b < crowd_blocks())) {
        atomicAdd(&crowd[crowd_index(b)], 1u);
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn clear_crowd(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_layout();
    let k = linear_invocation(gid, groups);
    let n = crowd_blocks();
    if (k < u32(n.x * n.y * n.z)) {
        atomicStore(&crowd[k], 0u);
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn advance_particles(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let i = listed_particle(gid, groups);
    if (i == NOT_LISTED) {
        return;
    }
    var m = status[i];
    let counted = m.x == FREE;
    let step = clock[0];
    if (m.x == WAITING) {
        if (step < m.z) {
            return;
        }
        m.x = FREE;
    }
    if (m.x != FREE) {
        return;
    }
    let p = positions[i];
    let q = velocities[i];
    let x = p.xyz;
    let v = q.xyz;
    let d = p.w;
    let radius = 0.5 * d;
    // A cell that occlusion closed around a free particle holds it: it is part of the
    // plug (left free, it could never leave the wall cell and was measured every step).
    let start = vec3<i32>(floor(x));
    if (in_grid(start) && (cell_flag(cell_of(start)) & TYPE_MASK) == CELL_WALL) {
        m.x = LODGED;
        m.w = cell_of(start);
        velocities[i] = vec4<f32>(0.0, 0.0, 0.0, q.w);
        deposit(x, d);
        status[i] = m;
        return;
    }
    let agent0 = tables[2u * m.y];
    let agent1 = tables[2u * m.y + 1u];

    // Drag with the Schiller–Naumann factor at the relative velocity of the step start.
    let u = fluid_velocity(x);
    let re = length(u - v) * d / pp.nu;
    let f = select(1.0 + 0.15 * pow(re, 0.687), 0.44 * re / 24.0, re > 1000.0);
    let tau = max(q.w / f, 1e-12);
    var a = agent0.xyz;
    if (pp.magnets > 0u && agent1.y != 0.0) {
        let p_m = pp.origin_m.xyz + x * pp.dx_m;
        a += agent1.y * magnetic_gradient(p_m) * pp.accel_to_lattice;
    }
    if (pp.forces != 0u) {
        // Columns of j are ∂u/∂x, ∂u/∂y, ∂u/∂z.
        let j = velocity_gradient(x);
        if ((pp.forces & 1u) != 0u) {
            // Fluid acceleration (pressure gradient and the added mass's share):
            // (1 + C_m) ρ V Du/Dt, Du/Dt ≈ (u·∇)u (steady part; Maxey & Riley 1983).
            a += agent1.z * (j * u);
        }
        if ((pp.forces & 2u) != 0u) {
            // Saffman (1965) lift, F = 1.615 ρ ν^½ d² |ω|^-½ (u − v) × ω, per unit
            // effective mass: (1.615 · 6/π)(ρ/ρ_eff) ν^½ |ω|^-½ ((u − v) × ω)/d.
            let omega = vec3<f32>(j[1].z - j[2].y, j[2].x - j[0].z, j[0].y - j[1].x);
            let w = length(omega);
            if (w > 1e-12) {
                a += 3.0844 * agent1.w * sqrt(pp.nu / w) * cross(u - v, omega) / d;
            }
        }
    }
    let v_inf = u + a * tau;
    let decay = exp(-1.0 / tau);
    var x_new = x + v_inf + (v - v_inf) * tau * (1.0 - decay);
    var v_new = v_inf + (v - v_inf) * decay;

    // Walls: inelastic contact where the sphere reaches the wall surface (halfway
    // between fluid and wall cells), with an optional chance of sticking.
    var state = FREE;
    let gap = wall_distance(x_new) - radius;
    // The wall's normal at the contact (zero without one), also for lodging below.
    var contact_normal = vec3<f32>(0.0);
    if (gap < 0.0) {
        let n = wall_normal(x_new);
        contact_normal = n;
        x_new -= gap * n;
        let vn = dot(v_new, n);
        if (vn < 0.0) {
            v_new -= (1.0 + agent0.w) * vn * n;
        }
        if (agent1.x > 0.0 && random01(i, step) < agent1.x) {
            state = STUCK;
        }
    }
    // Never inside a wall cell. Walls made by occlusion are not in the distance field:
    // slide along the face of the blocking cell (drop the part of the step that goes
    // into it, bounce the normal velocity); if that still ends in a wall, stay where
    // the step started.
    var c = vec3<i32>(floor(x_new));
    if (in_grid(c) && (cell_flag(cell_of(c)) & TYPE_MASK) == CELL_WALL) {
        let blocked = vec3<f32>(c) + vec3<f32>(0.5);
        let n = normalize(x - blocked);
        var step_in = x_new - x;
        step_in -= min(dot(step_in, n), 0.0) * n;
        let slid = x + step_in;
        let cs = vec3<i32>(floor(slid));
        if (in_grid(cs) && (cell_flag(cell_of(cs)) & TYPE_MASK) != CELL_WALL) {
            x_new = slid;
            v_new -= (1.0 + agent0.w) * min(dot(v_new, n), 0.0) * n;
            c = cs;
        } else {
            x_new = x;
            v_new = -agent0.w * v;
            c = vec3<i32>(floor(x));
        }
    }
    if (!in_grid(c)) {
        m.x = EXITED;
        m.w = OUTSIDE;
    } else {
        let cell = cell_of(c);
        let kind = cell_flag(cell) & TYPE_MASK;
        if (kind == CELL_INLET || kind == CELL_OUTLET) {
            let opening = (cell_flag(cell) >> OPENING_SHIFT) & OPENING_MASK;
            let capture = tables[2u * (pp.agents + pp.magnets) + opening].x;
            if (kind == CELL_OUTLET && capture > 0.0 && d >= capture) {
                // Too large for the bed beyond this outlet: it packs against the
                // outlet, where it was before this step.
                x_new = x;
                m.x = LODGED;
                m.w = cell_of(vec3<i32>(floor(x)));
            } else {
                m.x = EXITED;
                m.w = opening;
            }
        } else if (state == STUCK) {
            m.x = STUCK;
            m.w = cell;
        } else {
            // Lodging: the lumen ahead is narrower than the particle (sieving), or
            // lodged material ahead stops it (a plug), or it bridges a constriction
            // narrower than bridging_ratio diameters with packed material or other
            // particles. "Ahead" is where the flow
            // carries it: a particle held against a narrowing bounces back, but the
            // flow keeps pushing it in.
            let carrier = select(v_new, u, length(u) > 1e-9);
            let speed = length(carrier);
            var ahead_cell = cell;
            var dir = vec3<f32>(0.0, 0.0, 1.0);
            if (speed > 1e-9) {
                dir = carrier / speed;
                let ahead = vec3<i32>(floor(x_new + dir * (radius + 0.5)));
                if (in_grid(ahead)) {
                    ahead_cell = cell_of(ahead);
                }
            }
            // Packed material (solid fraction ≥ blocking_fraction) narrows the
            // cross-section like wall: a particle the flow can carry around a partial
            // plug passes, one facing a plug across the lumen lodges behind it.
            let packed_ahead = cell_geometry[ahead_cell].z >= pp.blocking_fraction;
            if (gap < 0.0 || packed_ahead) {
                // Where the section is measured. Against a plug: just beyond the
                // particle's front. Against the wall: through the ring where a sphere
                // touches a converging wall, radius · sin θ ahead of its centre (sin θ
                // the wall's slope against the flow, the contact normal's component
                // against dir: small in a taper, 1 facing a step), plus half a cell, so
                // that a sphere lodges where the lumen has narrowed to its diameter,
                // not a radius before.
                let slope = clamp(-dot(contact_normal, dir), 0.0, 1.0);
                let look = select(radius * slope + 0.5, radius + 0.5, packed_ahead);
                // Chords reach SECTION_REACH cells each way: a capped chord reads a
                // lumen at least that wide (an earlier cap at the particle's own
                // wall distance + 2 cells read wide vessels as narrow and bridged in
                // them).
                let section = x_new + dir * look;
                // Sieving, measured only where a cheap test does not already admit
                // the sphere (most wall contacts).
                var lumen = -1.0;
                var lodge = false;
                if (!section_admits(section, dir, d, contact_normal)) {
                    lumen = section_width(section, dir, SECTION_REACH);
                    lodge = d >= lumen;
                }
                // Bridging (Marin et al. 2018; Souzy & Marin 2022): an arch across a
                // neck of width w narrower than bridging_ratio · d needs about w/d
                // particles side by side. Packed material ahead stands for those
                // already there; otherwise the free particles arriving with this one
                // must supply them where the wall converges ahead, into a neck
                // narrower than the lumen behind (not along a straight vessel), and
                // a lone particle never bridges. Clogging is
                // intermittent: a chance per step of BRIDGING_CHANCE times the
                // share of the arch present, so a stream does not freeze at once.
                if (!lodge && random01(i ^ 0x9e3779b9u, step) < BRIDGING_CHANCE) {
                    var others = 1u;
                    if (!packed_ahead) {
                        others = select(0u, partners(x, counted), slope > CONVERGING_SLOPE);
                    }
                    if (others > 0u && !section_admits(section, dir, pp.bridging_ratio * d, contact_normal)) {
                        if (lumen < 0.0) {
                            lumen = section_width(section, dir, SECTION_REACH);
                        }
                        // A neck: narrower ahead than behind (checked last, costly).
                        var neck = packed_ahead;
                        if (!packed_ahead && lumen < pp.bridging_ratio * d) {
                            let behind = x_new - dir * max(2.0 * d, NECK_BASELINE);
                            neck = section_width(behind, dir, SECTION_REACH) >= lumen + NECK_NARROWING;
                        }
                        let missing = max(ceil(lumen / d), 2.0) - 1.0;
                        let present = select(min(f32(others) / missing, 1.0), 1.0, packed_ahead);
                        lodge = neck && lumen < pp.bridging_ratio * d
                            && random01(i ^ 0x85ebca6bu, step) < present;
                    }
                }
                if (lodge) {
                    m.x = LODGED;
                    m.w = cell;
                }
            }
            // Inside lodged material it can pass (below blocking_fraction), grains on
            // its path capture it (filtration_chance): small spheres reaching a bed
            // are held in it rather than creeping through with the slowed flow.
            if (m.x == FREE) {
                let settling = length(agent0.xyz) * q.w;
                let chance = filtration_chance(cell_geometry[cell], d, length(x_new - x), settling, length(u));
                if (chance > 0.0 && random01(i ^ 0xc2b2ae35u, step) < chance) {
                    m.x = LODGED;
                    m.w = cell;
                }
            }
        }
    }
    if (m.x == LODGED || m.x == STUCK) {
        v_new = vec3<f32>(0.0);
        deposit(x_new, d);
    }
    positions[i] = vec4<f32>(x_new, d);
    velocities[i] = vec4<f32>(v_new, q.w);
    status[i] = m;
}
