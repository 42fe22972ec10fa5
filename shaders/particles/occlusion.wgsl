// Occlusion: lodged particles' solid volume becomes a porous drag on the flow, and a
// cell filled past `wall_fraction` becomes wall (clock[1] counts those cells). One thread per cell, every
// `occlusion_interval` steps (docs/particles.md).
//
// Brinkman/Darcy drag per unit mass σ u with σ = ν/k, k from Kozeny–Carman for a bed
// of spheres of diameter d and porosity ε = 1 − φ (φ the cell's solid fraction):
//   k = d² ε³ / (180 (1 − ε)²)            (docs/references.md, "Lodging and clogging")
// stream_collide applies it implicitly (u = (j + F/2)/(1 + σ/2)), so any σ is stable.

// DRAG_GROWTH and DRAG_START: generated prelude (src/particles/kernel_params.rs).
// CPU twin: src/cpu/occlusion.rs.

struct OcclusionParams {
    nu: f32,
    wall_fraction: f32,
    solid_scale: f32,
    max_drag: f32,
}

// Bindings (declared in src/kernels/, generated in front of this file):
//   op: OcclusionParams (uniform)
//   grid: GridLayout (uniform): the grid, read at run time (src/kernels/particles.rs)
//   flags: array<u32> (read_write)
//   solid: array<u32> (read)
//   porous_drag: array<f32> (read_write)
//   velocity_field: array<vec4<f32>> (read_write)
//   clock: array<atomic<u32>> (read_write)
// (wall distance, lumen radius, solid fraction snapshot, its mean diameter): see
// advance.wgsl.
//   cell_geometry: array<vec4<f32>> (read_write)

@compute @workgroup_size(WORKGROUP_SIZE)
fn occlude(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    load_layout();
    let cell = linear_invocation(gid, groups);
    if (cell >= CELLS) {
        return;
    }
    let raw = solid[2u * cell];
    // A catheter's antireflux seal (negative drag) stays what it is.
    if (raw == 0u || (cell_flag(cell) & TYPE_MASK) != CELL_FLUID || porous_drag[cell] < 0.0) {
        return;
    }
    let phi = f32(raw) / op.solid_scale;
    // The lodged material's mean diameter [cells]: Σ fraction × diameter / fraction.
    let d = f32(solid[2u * cell + 1u]) / op.solid_scale / phi;
    // The drag the cell's content asks for: Kozeny–Carman, or closed past wall_fraction.
    var wanted = op.max_drag;
    if (phi < op.wall_fraction) {
        let eps = 1.0 - phi;
        let k = d * d * eps * eps * eps / (180.0 * phi * phi);
        wanted = min(op.nu / max(k, 1e-30), op.max_drag);
    }
    // The drag grows by at most DRAG_GROWTH per update (from DRAG_START): a bead that
    // lands fills its cells at once, and closing them in one step sends a pressure
    // wave through a lattice close to τ = ½ that the velocity inlet reflects (a renal
    // scene at τ 0.511 diverged that way). The flow through the cell then fades over
    // ~60 updates, short next to the time the particles take to arrive.
    let current = porous_drag[cell];
    let next = select(wanted, min(wanted, max(current * DRAG_GROWTH, DRAG_START)), wanted > current);
    porous_drag[cell] = next;
    cell_geometry[cell].z = phi;
    cell_geometry[cell].w = d;
    if (phi >= op.wall_fraction && next >= op.max_drag) {
        // Closed: wall for the flow and for particles (they lodge against it).
        // Fluid cells are stored (shaders/common/cells.wgsl): their flag has a slot.
        flags[FLAGS_AT + cell_slot(cell)] = CELL_WALL;
        porous_drag[cell] = 0.0;
        velocity_field[cell] = vec4<f32>(0.0);
        cell_geometry[cell] = vec4<f32>(-0.5, 0.0, 1.0, 0.0);
        atomicAdd(&clock[1], 1u);
    }
}

// Advances the particles' step counter: one thread, after every particle step.
@compute @workgroup_size(1)
fn tick() {
    atomicAdd(&clock[0], 1u);
}
