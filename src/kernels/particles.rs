//! The particle kernels: motion and lodging, occlusion and the particle clock, the
//! active-particle list; each with its bindings. They read cells through the cell
//! table of the lattice they are coupled to.

use super::KernelSource;
use crate::gpu::bindings::Bindings;

const ADVANCE: &str = include_str!("../../shaders/particles/advance.wgsl");
const OCCLUSION: &str = include_str!("../../shaders/particles/occlusion.wgsl");
const COMPACT: &str = include_str!("../../shaders/particles/compact.wgsl");

/// A particle kernel: the shared assembly (no rheology; the cell table for kernels
/// that bind `flags`) with the particle constants generated in front.
fn assemble(kernel: &str, bindings: Bindings, binds_flags: bool) -> KernelSource {
    super::assemble(
        crate::lbm::setup::Precision::F32,
        false,
        binds_flags,
        &crate::particles::kernel_params::wgsl_constants(),
        bindings,
        kernel,
    )
}

/// The particle motion and lodging kernel (shaders/particles/advance.wgsl).
pub fn advance() -> KernelSource {
    let bindings = Bindings::new()
        .uniform("pp", "ParticleParams")
        .read("flags", "array<u32>")
        .read("velocity_field", "array<vec4<f32>>")
        .read("cell_geometry", "array<vec4<f32>>")
        .read_write("positions", "array<vec4<f32>>")
        .read_write("velocities", "array<vec4<f32>>")
        .read_write("status", "array<vec4<u32>>")
        .read("tables", "array<vec4<f32>>")
        .read_write("solid", "array<atomic<u32>>")
        .read("clock", "array<u32>")
        .read("active_list", "array<u32>");
    assemble(ADVANCE, bindings, true)
}

/// The occlusion and particle-clock kernels (shaders/particles/occlusion.wgsl).
pub fn occlusion() -> KernelSource {
    let bindings = Bindings::new()
        .uniform("op", "OcclusionParams")
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
