//! The lattice's kernels: the step (two sets or in place), the probe reduction, the
//! outlet update, the step clock and the output fields, each with its bindings.

use super::fluid_update::{fluid_update, StepKind};
use super::populations::{self, accessors, layout_bindings, set_bindings, storage_layout};
use super::{assemble, KernelSource};
use crate::gpu::bindings::Bindings;
use crate::lbm::setup::{PopulationSplit, Precision};

const BOUNDARY: &str = include_str!("../../shaders/lbm/boundary.wgsl");
const COLLISION: &str = include_str!("../../shaders/lbm/collision.wgsl");
const STREAM_COLLIDE: &str = include_str!("../../shaders/lbm/stream_collide.wgsl");
const STREAM_IN_PLACE: &str = include_str!("../../shaders/lbm/stream_in_place.wgsl");
const PROBES: &str = include_str!("../../shaders/lbm/probes.wgsl");
const OUTLETS: &str = include_str!("../../shaders/lbm/outlets.wgsl");
const CLOCK: &str = include_str!("../../shaders/lbm/clock.wgsl");
const FIELDS: &str = include_str!("../../shaders/lbm/fields.wgsl");
const WALL_LINKS: &str = include_str!("../../shaders/lbm/wall_links.wgsl");

/// The bindings of the step kernel: settings, cell table and boundary records; the
/// populations (`src*` read and `dst*` written, or `aa*` in place); the boundary and
/// coupling state; in place, the prepass's output and the opening cells; the cells to
/// update.
pub fn step_bindings(split: PopulationSplit) -> Bindings {
    let populations = if split.in_place {
        set_bindings("aa", split, true)
    } else {
        set_bindings("src", split, false).then(set_bindings("dst", split, true))
    };
    let mut b = Bindings::new()
        .uniform("params", "Params")
        .uniform("lattice_layout", "LatticeLayout")
        .read("flags", "array<u32>")
        .read("records", "array<BoundaryRecord>")
        .then(populations)
        .then(layout_bindings(split))
        .read("outlet_state", "array<vec4<f32>>")
        .read("step_state", "StepState")
        .read("inlet_dynamics", "array<vec4<f32>>")
        .read_write("velocity_field", "array<vec4<f32>>")
        .read("porous_drag", "array<f32>");
    // The wall-link table: in place, the kernels keep each cut cell's last
    // post-collision populations in it (src/lbm/wall_links.rs).
    b = if split.in_place {
        b.read_write("wall_links", "array<u32>")
    } else {
        b.read("wall_links", "array<u32>")
    };
    if split.in_place {
        b = b
            .read_write("boundary_out", "array<f32>")
            .read("opening_cells", "array<u32>");
    }
    // The cells the step updates (sparse: the stored cells; dense: the grid's cells
    // that are not plain wall, or a placeholder when every cell is updated).
    b.read("cell_list", "array<u32>")
}

/// The step kernel: `stream_collide` reading populations `src*` and writing `dst*`,
/// or in place (`split.in_place`): `boundary_prepass` and `stream_collide_in_place`
/// on one read-write set `aa*` (shaders/lbm/stream_in_place.wgsl).
///
/// `wall_links`: the fluid update interpolates the walls the wall-link table lists
/// (src/lbm/wall_links.rs); without, that code is left out, which keeps the kernel
/// (and its compile time) as small as halfway walls need.
pub fn step(split: PopulationSplit, wall_links: bool) -> KernelSource {
    let accessors = if split.in_place {
        accessors("aa", split, true)
    } else {
        accessors("src", split, false) + &accessors("dst", split, true)
    };
    // The cells this kernel updates, by thread: the stored cells' list (sparse), or
    // the grid's cells, all of them or (STEP_LISTED) only those that are not plain
    // wall: masked-off wall threads still cost a CPU adapter half a fluid update.
    // step_slot: where thread t's cell keeps its populations.
    let cells = if split.sparse {
        "override STEP_CELLS: u32 = CELLS;\n\
         fn step_cell(t: u32) -> u32 { return cell_list[t]; }\n\
         fn step_slot(t: u32, cell: u32) -> u32 { return t; }\n"
    } else {
        "override STEP_CELLS: u32 = CELLS;\noverride STEP_LISTED: u32 = 0u;\n\
         fn step_cell(t: u32) -> u32 {\n    if (STEP_LISTED != 0u) {\n        return cell_list[t];\n    }\n    return t;\n}\n\
         fn step_slot(t: u32, cell: u32) -> u32 { return cell; }\n"
    };
    let (updates, kernel) = if split.in_place {
        (
            fluid_update(split, StepKind::InPlaceEven, wall_links)
                + &fluid_update(split, StepKind::InPlaceOdd, wall_links),
            STREAM_IN_PLACE,
        )
    } else {
        (
            fluid_update(split, StepKind::TwoSets, wall_links),
            STREAM_COLLIDE,
        )
    };
    let links = if wall_links { WALL_LINKS } else { "" };
    let generated = storage_layout(split) + &accessors + cells + links + &updates;
    let kernel = String::from(BOUNDARY) + COLLISION + kernel;
    with_runtime_layout(assemble(
        split.precision,
        true,
        true,
        &generated,
        step_bindings(split),
        &kernel,
    ))
}

/// A lattice kernel whose grid and storage layout are read at run time
/// (src/kernels/layout.rs), so one compiled kernel serves every grid.
fn with_runtime_layout(mut source: KernelSource) -> KernelSource {
    source.wgsl = super::layout::lattice_layout_at_run_time(&source.wgsl);
    source
}

/// The probe reduction: reads the current populations, writes per-workgroup partial
/// sums (shaders/lbm/probes.wgsl; host side: src/probes/mod.rs).
pub fn probes(split: PopulationSplit) -> KernelSource {
    let (reader, generated) = populations::reader(split);
    let bindings = reader
        .uniform("lattice_layout", "LatticeLayout")
        .read_write("partials", "array<f32>")
        .read("step_state", "StepState");
    with_runtime_layout(assemble(
        split.precision,
        false,
        true,
        &generated,
        bindings,
        PROBES,
    ))
}

/// The outlet update: `sum_opening_fluxes` reads the populations just written,
/// `update_outlets` then advances every opening's outlet state
/// (shaders/lbm/outlets.wgsl).
pub fn outlets(split: PopulationSplit) -> KernelSource {
    let (reader, generated) = populations::reader(split);
    let bindings = reader
        .uniform("lattice_layout", "LatticeLayout")
        .read_write("outlet_state", "array<vec4<f32>>")
        .read_write("outlet_flux", "array<vec4<f32>>")
        .read("outlet_models", "array<vec4<f32>>")
        .read("opening_cells", "array<u32>")
        .read("opening_ranges", "array<vec2<u32>>")
        .read("step_state", "StepState");
    let generated = generated
        + &format!(
            "const INLET_KIND: u32 = {}u;\nconst DRIVEN_INLET: u32 = {}u;\n",
            crate::lbm::outlets::INLET_KIND as u32,
            crate::lbm::outlets::DRIVEN_INLET as u32
        );
    with_runtime_layout(assemble(
        split.precision,
        false,
        true,
        &generated,
        bindings,
        OUTLETS,
    ))
}

/// The kernel that advances the per-step state from the host's schedule.
pub fn clock() -> KernelSource {
    let bindings = Bindings::new()
        .read("schedule", "array<StepState>")
        .read_write("step_state", "StepState")
        .read_write("counter", "array<u32>");
    assemble(Precision::F32, false, false, "", bindings, CLOCK)
}

/// The field kernels (shaders/lbm/fields.wgsl): read the current populations, write
/// output fields and wall shear stress.
pub fn fields(split: PopulationSplit) -> KernelSource {
    let (reader, generated) = populations::reader(split);
    let bindings = Bindings::new()
        .uniform("params", "Params")
        .uniform("lattice_layout", "LatticeLayout")
        .then(reader)
        .read("porous_drag", "array<f32>")
        .read("step_state", "StepState")
        .uniform("field_box", "FieldBox")
        .read_write("field_flow", "array<vec4<f32>>")
        .read_write("field_stress", "array<vec4<f32>>")
        .read_write("field_wall", "array<vec4<f32>>")
        .read("wall_cells", "array<u32>")
        .read("wall_links", "array<u32>")
        .read_write("wall_now", "array<vec4<f32>>")
        .read_write("wall_sums", "array<vec4<f32>>");
    with_runtime_layout(assemble(
        split.precision,
        true,
        true,
        &generated,
        bindings,
        FIELDS,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::tests::validate;
    use crate::lbm::lattice::Q;

    #[test]
    fn kernels_are_valid_wgsl_for_every_split() {
        for (buffers, precision, sparse, in_place) in [1, 2, 3, 19].into_iter().flat_map(|b| {
            [
                (b, Precision::F32, false, false),
                (b, Precision::F16, false, false),
                (b, Precision::F32, true, false),
                (b, Precision::F32, false, true),
                (b, Precision::F16, true, true),
            ]
        }) {
            let split = PopulationSplit {
                pops_per_buffer: Q.div_ceil(buffers),
                buffers,
                precision,
                sparse,
                in_place,
            };
            validate(&step(split, false).wgsl);
            validate(&step(split, true).wgsl);
            validate(&probes(split).wgsl);
            validate(&outlets(split).wgsl);
            validate(&fields(split).wgsl);
        }
        validate(&clock().wgsl);
    }
}
