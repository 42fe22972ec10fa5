//! How kernels reach the populations: the bindings of one population set split over
//! `split.buffers` arrays, the accessors by population and stored cell, and where a
//! grid cell's populations are stored (dense: the cell itself; sparse: through the
//! cell table's bricks; in place: wherever the AA layout of the current parity keeps
//! them).

use crate::gpu::bindings::Bindings;
use crate::lbm::setup::{PopulationSplit, Precision};
use std::fmt::Write;

/// The WGSL element type of stored populations.
pub fn storage_type(precision: Precision) -> &'static str {
    match precision {
        Precision::F32 => "f32",
        Precision::F16 => "f16",
    }
}

/// The bindings `{prefix}0..` of one population set.
pub fn set_bindings(prefix: &str, split: PopulationSplit, writable: bool) -> Bindings {
    let ty = format!("array<{}>", storage_type(split.precision));
    (0..split.buffers).fold(Bindings::new(), |b, k| {
        let name = format!("{prefix}{k}");
        if writable {
            b.read_write(name, &ty)
        } else {
            b.read(name, &ty)
        }
    })
}

/// The bindings of the population layout besides the sets: in place, the uniform
/// that says which layout the single set holds now.
pub fn layout_bindings(split: PopulationSplit) -> Bindings {
    if split.in_place {
        Bindings::new().uniform("aa_state", "vec4<u32>")
    } else {
        Bindings::new()
    }
}

/// The index-level accessors `{prefix}_get(q, index)` (and `{prefix}_set(q, index,
/// value)` when writable), and the cell-level accessor the kernels use: `load_src(q,
/// cell)` for a read-only set or the in-place set (the post-collision population q
/// of `cell`, wherever the in-place layout keeps it now), `store_dst(q, cell, value)`
/// for the written set of the two-set step.
pub fn accessors(prefix: &str, split: PopulationSplit, writable: bool) -> String {
    let element = storage_type(split.precision);
    let mut s = String::new();
    let mut accessor = |signature: String, body: &str| {
        let _ = writeln!(s, "{signature} {{");
        let _ = writeln!(
            s,
            "    let i = (q % {}u) * STORED + index;",
            split.pops_per_buffer
        );
        let _ = writeln!(s, "    switch (q / {}u) {{", split.pops_per_buffer);
        for b in 0..split.buffers {
            let label = if b + 1 == split.buffers {
                "default".to_string()
            } else {
                format!("case {b}u")
            };
            let stmt = body
                .replace("{prefix}", prefix)
                .replace("{b}", &b.to_string());
            let _ = writeln!(s, "        {label}: {{ {stmt} }}");
        }
        s.push_str("    }\n}\n");
    };
    accessor(
        format!("fn {prefix}_get(q: u32, index: u32) -> f32"),
        "return f32({prefix}{b}[i]);",
    );
    if writable {
        accessor(
            format!("fn {prefix}_set(q: u32, index: u32, value: f32)"),
            &format!("{{prefix}}{{b}}[i] = {element}(value); return;"),
        );
    }
    if writable && !split.in_place {
        let _ = writeln!(
            s,
            "fn store_dst(q: u32, cell: u32, value: f32) {{ {prefix}_set(q, storage_index(cell), value); }}"
        );
    } else if split.in_place {
        // After an odd number of steps P(cell, q) sits at (cell + c_q, q̄)
        // (shaders/lbm/stream_in_place.wgsl).
        let _ = writeln!(
            s,
            "fn load_src(q: u32, cell: u32) -> f32 {{\n\
             \x20   if (aa_state.x == 0u) {{ return {prefix}_get(q, storage_index(cell)); }}\n\
             \x20   let n = neighbor_index(cell_coords(cell), vec3<i32>(CX[q], CY[q], CZ[q]));\n\
             \x20   let s = storage_index(n);\n\
             \x20   // Towards a plain wall of sparse storage the value stayed home.\n\
             \x20   if (stored_is_spare(s)) {{ return {prefix}_get(q, storage_index(cell)); }}\n\
             \x20   return {prefix}_get(OPP[q], s);\n}}"
        );
    } else {
        let _ = writeln!(
            s,
            "fn load_src(q: u32, cell: u32) -> f32 {{ return {prefix}_get(q, storage_index(cell)); }}"
        );
    }
    s
}

/// Where a grid cell's populations are stored: `STORED` cells per population array
/// and `storage_index(cell)`, the identity for dense storage, the brick tables of the
/// cell table for sparse storage (plain walls map to a spare stored cell of zeros).
pub fn storage_layout(split: PopulationSplit) -> String {
    let mut s =
        String::from("// ---- generated population layout\noverride STORED: u32 = CELLS;\n");
    // storage_index(cell) and stored_at(p): the slot of a cell by index or by
    // coordinates; stored_flag(slot): its flag; stored_is_spare(slot): whether it is
    // the spare (a plain wall, sparse only). Dense storage compiles them to plain
    // indexing, with no look at the cell table's header.
    if split.sparse {
        s.push_str(
            "fn storage_index(cell: u32) -> u32 { return cell_slot_at(cell_coords(cell)); }\n\
             fn stored_at(p: vec3<u32>) -> u32 { return cell_slot_at(p); }\n\
             fn stored_flag(slot: u32) -> u32 { return flags[FLAGS_AT + slot]; }\n\
             fn stored_is_spare(slot: u32) -> bool { return slot == SPARE_SLOT; }\n",
        );
    } else {
        s.push_str(
            "fn storage_index(cell: u32) -> u32 { return cell; }\n\
             fn stored_at(p: vec3<u32>) -> u32 { return p.x + NX * (p.y + NY * p.z); }\n\
             fn stored_flag(slot: u32) -> u32 { return flags[FLAGS_AT + slot]; }\n\
             fn stored_is_spare(slot: u32) -> bool { return false; }\n",
        );
    }
    s
}

/// The storage element of population `q` of the stored cell `index` in population set
/// `prefix`.
fn population_ref(prefix: &str, split: PopulationSplit, q: usize, index: &str) -> String {
    let (buffer, position) = population_position(split, q, index);
    format!("{prefix}{buffer}[{position}]")
}

/// The binding (its number) holding population `q`, and the position of stored cell
/// `index`'s value in it.
fn population_position(split: PopulationSplit, q: usize, index: &str) -> (usize, String) {
    let (buffer, slot) = (q / split.pops_per_buffer, q % split.pops_per_buffer);
    if slot == 0 {
        (buffer, index.to_string())
    } else {
        (buffer, format!("{slot}u * STORED + {index}"))
    }
}

/// Population `q` of `cell` in set `prefix` as an f32 expression.
pub fn load(prefix: &str, split: PopulationSplit, q: usize, cell: &str) -> String {
    let element = population_ref(prefix, split, q, cell);
    match split.precision {
        Precision::F32 => element,
        Precision::F16 => format!("f32({element})"),
    }
}

/// Population `q` of stored cell `index` when `condition` is false, population
/// `q_alt` of `index_alt` when true, as an f32 expression without a branch: one load
/// at a selected position where both live in the same array, otherwise two loads and
/// a select. (Software Vulkan runs a branch per lane; a select is one vector op.)
pub fn load_selected(
    prefix: &str,
    split: PopulationSplit,
    (q, index): (usize, &str),
    (q_alt, index_alt): (usize, &str),
    condition: &str,
) -> String {
    let (buffer, position) = population_position(split, q, index);
    let (buffer_alt, position_alt) = population_position(split, q_alt, index_alt);
    if buffer != buffer_alt {
        return format!(
            "select({}, {}, {condition})",
            load(prefix, split, q, index),
            load(prefix, split, q_alt, index_alt)
        );
    }
    let element = format!("{prefix}{buffer}[select({position}, {position_alt}, {condition})]");
    match split.precision {
        Precision::F32 => element,
        Precision::F16 => format!("f32({element})"),
    }
}

/// The statement storing the f32 expression `value` as population `q` of `cell`.
pub fn store(prefix: &str, split: PopulationSplit, q: usize, cell: &str, value: &str) -> String {
    let element = population_ref(prefix, split, q, cell);
    match split.precision {
        Precision::F32 => format!("{element} = {value};"),
        Precision::F16 => format!("{element} = f16({value});"),
    }
}

/// A kernel that reads the current populations: the flags binding, the set `src*`
/// and the layout's bindings, with the accessors and layout functions.
pub fn reader(split: PopulationSplit) -> (Bindings, String) {
    let bindings = Bindings::new()
        .read("flags", "array<u32>")
        .then(set_bindings("src", split, false))
        .then(layout_bindings(split));
    (
        bindings,
        storage_layout(split) + &accessors("src", split, false),
    )
}
