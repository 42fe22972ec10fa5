//! The particle kernels: motion and lodging, occlusion and the particle clock, the
//! active-particle list; each with its bindings. They read cells through the cell
//! table of the lattice they are coupled to.

use super::KernelSource;
use crate::gpu::bindings::Bindings;

const ADVANCE: &str = include_str!("../../shaders/particles/advance.wgsl");
const OCCLUSION: &str = include_str!("../../shaders/particles/occlusion.wgsl");
const COMPACT: &str = include_str!("../../shaders/particles/compact.wgsl");

/// The grid and cell-table layout as the particle kernels read it (the `grid`
/// binding; `GridLayout` of src/particles/kernel_params.rs).
const LAYOUT: &str = "struct GridLayout {
    nx: u32, ny: u32, nz: u32,
    cells_sparse: u32, bricks_x: u32, bricks_y: u32, brick_tables_at: u32, flags_at: u32,
    spare_slot: u32,
    crowd_block: u32,
    particle_count: u32,
    _pad: u32,
}
";

/// The function each particle entry point that reads cells calls first.
const LOAD_LAYOUT: &str =
    "// The particle pipelines are compiled once for every grid: the grid size and the
// cell table's layout are private variables, set from the `grid` binding as each
// thread starts (src/kernels/layout.rs).
fn load_layout() {
    NX = grid.nx;
    NY = grid.ny;
    NZ = grid.nz;
    CELLS = NX * NY * NZ;
    CELLS_SPARSE = grid.cells_sparse;
    BRICKS_X = grid.bricks_x;
    BRICKS_Y = grid.bricks_y;
    BRICK_TABLES_AT = grid.brick_tables_at;
    FLAGS_AT = grid.flags_at;
    SPARE_SLOT = grid.spare_slot;
}
";

/// The pipeline constants of shaders/common/ that the particle kernels take from
/// the `grid` binding instead.
const RUNTIME_LAYOUT: [&str; 10] = [
    "NX",
    "NY",
    "NZ",
    "CELLS",
    "CELLS_SPARSE",
    "BRICKS_X",
    "BRICKS_Y",
    "BRICK_TABLES_AT",
    "FLAGS_AT",
    "SPARE_SLOT",
];

/// A particle kernel: the shared assembly (no rheology; the cell table for kernels
/// that bind `flags`, with its layout read at run time) with the particle constants
/// generated in front.
fn assemble(kernel: &str, bindings: Bindings, binds_flags: bool) -> KernelSource {
    let mut generated = crate::particles::kernel_params::wgsl_constants();
    generated.push_str(LAYOUT);
    if binds_flags {
        generated.push_str(LOAD_LAYOUT);
    }
    let mut source = super::assemble(
        crate::lbm::setup::Precision::F32,
        false,
        binds_flags,
        &generated,
        bindings,
        kernel,
    );
    if binds_flags {
        source.wgsl = super::layout::private_variables(&source.wgsl, &RUNTIME_LAYOUT);
        for name in RUNTIME_LAYOUT {
            assert!(
                source.wgsl.contains(&format!("var<private> {name}: u32;")),
                "{name} is no longer a pipeline constant of shaders/common/"
            );
        }
    }
    // Their loops are counted; marked, they build in half the time (gpu::pipeline).
    source.counted_loops = true;
    source
}

/// The particle motion and lodging kernel and its crowding counts
/// (shaders/particles/advance.wgsl).
pub fn advance() -> KernelSource {
    let bindings = Bindings::new()
        .uniform("pp", "ParticleParams")
        .uniform("grid", "GridLayout")
        .read("flags", "array<u32>")
        .read("velocity_field", "array<vec4<f32>>")
        .read("cell_geometry", "array<vec4<f32>>")
        .read_write("positions", "array<vec4<f32>>")
        .read_write("velocities", "array<vec4<f32>>")
        .read_write("status", "array<vec4<u32>>")
        .read("tables", "array<vec4<f32>>")
        .read_write("solid", "array<atomic<u32>>")
        .read("clock", "array<u32>")
        .read("active_list", "array<u32>")
        .read_write("crowd", "array<atomic<u32>>");
    assemble(ADVANCE, bindings, true)
}

/// The occlusion and particle-clock kernels (shaders/particles/occlusion.wgsl).
pub fn occlusion() -> KernelSource {
    let bindings = Bindings::new()
        .uniform("op", "OcclusionParams")
        .uniform("grid", "GridLayout")
        .read_write("flags", "array<u32>")
        .read("solid", "array<u32>")
        .read_write("porous_drag", "array<f32>")
        .read_write("velocity_field", "array<vec4<f32>>")
        .read_write("clock", "array<atomic<u32>>")
        .read_write("cell_geometry", "array<vec4<f32>>");
    assemble(OCCLUSION, bindings, true)
}

/// The active-particle list kernels (shaders/particles/compact.wgsl).
pub fn compact() -> KernelSource {
    let bindings = Bindings::new()
        .uniform("grid", "GridLayout")
        .read("status", "array<vec4<u32>>")
        .read("clock", "array<u32>")
        .read_write("active_list", "array<atomic<u32>>")
        .read_write("advance_args", "array<u32>");
    assemble(COMPACT, bindings, false)
}

#[cfg(test)]
mod tests {
    use crate::kernels::tests::validate;

    #[test]
    fn particle_kernels_are_valid_wgsl() {
        validate(&super::advance().wgsl);
        validate(&super::occlusion().wgsl);
        validate(&super::compact().wgsl);
    }
}
