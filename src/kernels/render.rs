//! The frame renderer's kernels and the bandwidth benchmark's copy kernel.

use super::{snippet, KernelSource, CELLS};
use crate::gpu::bindings::Bindings;

const FRAME: &str = include_str!("../../shaders/render/frame.wgsl");
const COPY: &str = include_str!("../../shaders/bench/copy.wgsl");

/// The renderer (shaders/render/frame.wgsl, which has its own indexing) with what the
/// cell table needs: the grid size as overridable constants NX, NY, NZ (set them),
/// `cell_coords`, and shaders/common/cells.wgsl.
pub fn frame() -> KernelSource {
    let bindings = Bindings::new()
        .uniform("rp", "RenderParams")
        .read("flags", "array<u32>")
        .read("velocity_field", "array<vec4<f32>>")
        .read("solid", "array<u32>")
        .read("positions", "array<vec4<f32>>")
        .read("status", "array<vec4<u32>>")
        .read_write("depth", "array<atomic<u32>>")
        .read_write("image", "array<u32>")
        .read_write("final_image", "array<u32>");
    let mut s = String::from(
        "override NX: u32 = 1u;\noverride NY: u32 = 1u;\noverride NZ: u32 = 1u;\n\
         fn cell_coords(cell: u32) -> vec3<u32> {\n\
         \x20   return vec3<u32>(cell % NX, (cell / NX) % NY, cell / (NX * NY));\n}\n",
    );
    snippet(&mut s, "common/cells.wgsl", CELLS);
    s.push_str(&bindings.wgsl());
    s.push_str(FRAME);
    // The ray march is a `loop` that ends when the ray leaves the box.
    KernelSource {
        bindings,
        wgsl: s,
        counted_loops: false,
    }
}

/// A STREAM-style copy for the bandwidth benchmark (shaders/bench/copy.wgsl).
pub fn copy() -> KernelSource {
    let bindings = Bindings::new()
        .read("src", "array<vec4<f32>>")
        .read_write("dst", "array<vec4<f32>>");
    let wgsl = bindings.wgsl() + COPY;
    KernelSource {
        bindings,
        wgsl,
        counted_loops: false,
    }
}

#[cfg(test)]
mod tests {
    use crate::kernels::tests::validate;

    #[test]
    fn render_and_copy_kernels_are_valid_wgsl() {
        validate(&super::frame().wgsl);
        validate(&super::copy().wgsl);
    }
}
