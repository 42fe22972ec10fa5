//! Grid layouts read at run time. A pipeline-overridable constant is part of the
//! compiled kernel: every grid size would compile its kernels anew (seconds per
//! kernel on a CPU adapter, for every scene, test and sweep point), and a driver's
//! shader cache could not reuse them. The grid size and the storage layout are
//! therefore private variables that each thread sets from a uniform as it starts;
//! the switches that change the code (sparse or dense, collision, rheology, …) stay
//! pipeline constants.

/// `override NAME: u32 = …;` → `var<private> NAME: u32;` for the given names.
pub(crate) fn private_variables(wgsl: &str, names: &[&str]) -> String {
    wgsl.lines()
        .map(|line| {
            let name = line
                .strip_prefix("override ")
                .and_then(|rest| rest.split(':').next())
                .filter(|name| names.contains(name));
            match name {
                Some(name) => format!("var<private> {name}: u32;\n"),
                None => format!("{line}\n"),
            }
        })
        .collect()
}

/// The layout names of the lattice kernels, in the order `load_lattice_layout` sets
/// them (CELLS after the grid size it is the product of).
const LATTICE_LAYOUT_NAMES: [&str; 12] = [
    "NX",
    "NY",
    "NZ",
    "CELLS",
    "STORED",
    "BRICKS_X",
    "BRICKS_Y",
    "BRICK_TABLES_AT",
    "FLAGS_AT",
    "SPARE_SLOT",
    "STEP_CELLS",
    "BOUNDARY_CELLS",
];

/// The `lattice_layout` binding's type (`LatticeLayout` of
/// src/sim/lattice_gpu/layout.rs).
const LATTICE_LAYOUT: &str = "struct LatticeLayout {
    nx: u32, ny: u32, nz: u32, stored: u32,
    bricks_x: u32, bricks_y: u32, brick_tables_at: u32, flags_at: u32,
    spare_slot: u32, step_cells: u32, boundary_cells: u32, _pad: u32,
}
";

/// A lattice kernel's WGSL with its layout read at run time: the layout constants
/// it declares become private variables, and `load_lattice_layout()`, which every
/// entry point calls first, sets them from the `lattice_layout` binding.
pub(crate) fn lattice_layout_at_run_time(wgsl: &str) -> String {
    let mut out = private_variables(wgsl, &LATTICE_LAYOUT_NAMES);
    out.push_str(LATTICE_LAYOUT);
    out.push_str(
        "// Every entry point calls this first (src/kernels/layout.rs).\nfn load_lattice_layout() {\n",
    );
    for name in LATTICE_LAYOUT_NAMES {
        if !out.contains(&format!("var<private> {name}: u32;")) {
            continue;
        }
        if name == "CELLS" {
            out.push_str("    CELLS = NX * NY * NZ;\n");
        } else {
            out.push_str(&format!(
                "    {name} = lattice_layout.{};\n",
                name.to_lowercase()
            ));
        }
    }
    out.push_str("}\n");
    out
}
