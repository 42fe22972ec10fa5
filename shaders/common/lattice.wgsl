// Shared by every LBM kernel. The lattice constants (Q, CX, CY, CZ, W, OPP) and the
// flag bits come from the generated prelude above (src/lbm/lattice.rs).

// Grid size, set per pipeline (pipeline-overridable constants).
override NX: u32 = 1u;
override NY: u32 = 1u;
override NZ: u32 = 1u;
override CELLS: u32 = NX * NY * NZ;

struct Params {
    omega_plus: f32,
    omega_minus: f32,
    // Multiplies every inlet record's velocity (time-varying inlets).
    inlet_scale: f32,
    // TRT magic parameter for local ω⁻ (0: BGK).
    magic: f32,
    // Body-force density (Guo forcing), lattice units; w unused.
    force: vec4<f32>,
    rheology_a: vec4<f32>,
    rheology_b: vec4<f32>,
    rheology_conv: vec4<f32>,
    // An antireflux catheter tip: the unit direction its valve lets flow pass
    // (xyz); cells whose porous drag is negative drag only flow against it.
    valve: vec4<f32>,
}

// What may change from step to step (shaders/lbm/clock.wgsl advances it from a
// host-written schedule): a factor on every inlet velocity and the body force.
struct StepState {
    inlet_factor: f32,
    time_step: f32,
    // Factor on every moving wall's velocity (a catheter's injection on and off).
    wall_factor: f32,
    _pad1: f32,
    force: vec4<f32>,
    // (cos nωt, sin nωt) of the inflow harmonics n = 1..8, two per vec4 (Womersley inlets).
    harmonics: array<vec4<f32>, 4>,
    // δρ of the outlets whose pressure follows a waveform, by slot (outlets.wgsl).
    outlet_pressure: array<vec4<f32>, 2>,
}

struct BoundaryRecord {
    velocity: vec3<f32>,
    delta_density: f32,
}

fn cell_coords(cell: u32) -> vec3<u32> {
    return vec3<u32>(cell % NX, (cell / NX) % NY, cell / (NX * NY));
}

// Linear index of the cell at offset c from p, periodic on every axis (non-periodic
// edges are made of wall cells by the geometry).
fn neighbor_index(p: vec3<u32>, c: vec3<i32>) -> u32 {
    let x = u32(i32(p.x) + c.x + i32(NX)) % NX;
    let y = u32(i32(p.y) + c.y + i32(NY)) % NY;
    let z = u32(i32(p.z) + c.z + i32(NZ)) % NZ;
    return x + NX * (y + NY * z);
}

// Coordinates of the cell at offset c (each component −1, 0 or 1) from p, periodic
// like neighbor_index, without its divisions (the step's 18 neighbours).
fn wrap_step(v: u32, d: i32, n: u32) -> u32 {
    let w = i32(v) + d;
    if (w < 0) {
        return n - 1u;
    }
    return select(u32(w), 0u, u32(w) >= n);
}

fn neighbor_at(p: vec3<u32>, c: vec3<i32>) -> vec3<u32> {
    return vec3<u32>(wrap_step(p.x, c.x, NX), wrap_step(p.y, c.y, NY), wrap_step(p.z, c.z, NZ));
}

fn velocity_of(q: u32) -> vec3<f32> {
    return vec3<f32>(f32(CX[q]), f32(CY[q]), f32(CZ[q]));
}

// Shifted incompressible equilibrium f_eq − w (He & Luo 1997; src/lbm/equilibrium.rs).
fn equilibrium_shifted(q: u32, delta_rho: f32, u: vec3<f32>) -> f32 {
    let cu = dot(velocity_of(q), u);
    return W[q] * (delta_rho + 3.0 * cu + 4.5 * cu * cu - 1.5 * dot(u, u));
}

// Invocation index of a per-cell kernel dispatched as a 2D grid of workgroups
// (one dimension alone is limited to 65535 workgroups).
fn linear_invocation(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * WORKGROUP_SIZE;
}
