//! Geometry sources through the scenario: every analytic shape, STL and NIfTI, their
//! openings, and the errors for bad geometry input.

use crate::common;

use embolus::geometry::{CellKind, Role};
use embolus::scenario::LoadedScenario;
use std::path::Path;

const HEADER: &str = "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 10\nlattice_velocity = 0.03\n[inlet]\nmean_velocity = 0.02\n";

fn load(geometry: &str) -> LoadedScenario {
    let text = format!("{HEADER}[geometry]\n{geometry}");
    LoadedScenario::from_str(Path::new("scenes/test.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn error(geometry: &str) -> String {
    let text = format!("{HEADER}[geometry]\n{geometry}");
    match LoadedScenario::from_str(Path::new("scenes/test.toml"), &text) {
        Ok(_) => panic!("accepted bad geometry:\n{geometry}"),
        Err(e) => e.to_string(),
    }
}

fn summary(s: &LoadedScenario) -> Vec<(String, Role)> {
    s.voxels
        .openings
        .iter()
        .map(|o| (o.name.clone(), o.role))
        .collect()
}

#[test]
fn analytic_shapes_voxelize_with_their_openings() {
    let tapered = load("shape = \"tapered\"\nstart = [0.0, 0.0, 0.0]\nend = [3e-3, 0.0, 3e-3]\nstart_radius = 8e-4\nend_radius = 5e-4\n");
    assert_eq!(
        summary(&tapered),
        vec![
            ("inlet".into(), Role::Inlet),
            ("outlet".into(), Role::Outlet)
        ]
    );
    let n = tapered.voxels.openings[0].normal;
    assert!(
        (n[0] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-3
            && (n[2] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-3,
        "inward normal {n:?}"
    );

    let tube = load("shape = \"tube\"\npoints = [[0.0, 0.0, 0.0], [2e-3, 0.0, 2e-3], [2e-3, 0.0, 5e-3]]\nradii = [6e-4, 6e-4, 5e-4]\n");
    assert_eq!(tube.voxels.openings.len(), 2);
    assert_eq!(tube.voxels.removed_unconnected, 0);

    let aneurysm = load("shape = \"aneurysm\"\nradius = 6e-4\nlength = 6e-3\nsac_radius = 1e-3\nneck_radius = 4e-4\n");
    let straight = load("shape = \"stenosis\"\nradius = 6e-4\nlength = 6e-3\narea_reduction_percent = 1.0\nstenosis_length = 1e-3\n");
    assert!(
        aneurysm.voxels.fluid_cells() > straight.voxels.fluid_cells() + 2000,
        "the sac adds lumen"
    );

    let bif = load("shape = \"bifurcation\"\nparent_radius = 6e-4\nparent_length = 3e-3\ndaughter_length = 3e-3\nangles_deg = [40.0, 25.0]\n");
    assert_eq!(
        summary(&bif),
        vec![
            ("inlet".into(), Role::Inlet),
            ("outlet1".into(), Role::Outlet),
            ("outlet2".into(), Role::Outlet)
        ]
    );

    let tree = load(
        "shape = \"tree\"\ngenerations = 2\nroot_radius = 8e-4\nroot_length = 4e-3\nseed = 7\n",
    );
    assert_eq!(tree.voxels.openings.len(), 1 + 4);
    assert!(tree.voxels.openings.iter().all(|o| !o.cells.is_empty()));
}

#[test]
fn union_joins_parts_and_keeps_only_free_ends_open() {
    let s = load(
        "shape = \"union\"\n\
         [[geometry.parts]]\nshape = \"tapered\"\nstart = [0.0, 0.0, 0.0]\nend = [0.0, 0.0, 4e-3]\nstart_radius = 6e-4\nend_radius = 6e-4\n\
         [[geometry.parts]]\nshape = \"tapered\"\nstart = [0.0, 0.0, 2e-3]\nend = [3e-3, 0.0, 2e-3]\nstart_radius = 4e-4\nend_radius = 4e-4\n",
    );
    let names: Vec<String> = s.voxels.openings.iter().map(|o| o.name.clone()).collect();
    // The side branch starts inside the main vessel: that end is a junction.
    assert_eq!(names, vec!["part1_inlet", "part1_outlet", "part2_outlet"]);
    assert_eq!(s.voxels.inlets().count(), 1);
}

#[test]
fn open_stl_and_inlet_choice() {
    let stl =
        "shape = \"stl\"\nfile = \"../data/vessels/aorta-surface-open-ends.stl\"\nscale = 0.001\n";
    let text = format!("[grid]\nvoxel_size = 6.0e-4\n[time]\nsteps = 10\nlattice_velocity = 0.08\n[inlet]\nmean_velocity = 0.02\nopening = \"opening2\"\n[geometry]\n{stl}");
    let s = LoadedScenario::from_str(Path::new("scenes/aorta.toml"), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.voxels.openings.len(), 3);
    assert_eq!(s.voxels.inlets().next().unwrap().name, "opening2");
    // A wrong name lists the real ones.
    let bad = text.replace("opening2", "aorta");
    let e = LoadedScenario::from_str(Path::new("scenes/aorta.toml"), &bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no opening is named \"aorta\"") && e.contains("opening1"),
        "{e}"
    );
}

#[test]
fn closed_stl_needs_declared_openings() {
    let closed = "shape = \"stl\"\nfile = \"../data/vessels/aorta-surface.stl\"\nscale = 0.001\n";
    let text = format!("[grid]\nvoxel_size = 6.0e-4\n[time]\nsteps = 10\nlattice_velocity = 0.08\n[inlet]\nmean_velocity = 0.02\n[geometry]\n{closed}");
    let e = LoadedScenario::from_str(Path::new("scenes/aorta.toml"), &text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the surface is closed") && e.contains("[[geometry.openings]]"),
        "{e}"
    );
    assert!(e.contains("aorta.toml:"), "names the scenario file: {e}");
}

#[test]
fn missing_and_corrupt_files_are_reported() {
    let e = error("shape = \"stl\"\nfile = \"no-such.stl\"\n");
    assert!(
        e.contains("cannot read") && e.contains("no-such.stl") && e.contains("Fix:"),
        "{e}"
    );
    let dir = std::env::temp_dir().join(format!("embolus-geo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.stl");
    std::fs::write(&junk, vec![7u8; 200]).unwrap();
    let e = error(&format!("shape = \"stl\"\nfile = \"{}\"\n", junk.display()));
    assert!(e.contains("not a valid STL file"), "{e}");
    let nii = dir.join("junk.nii");
    std::fs::write(&nii, vec![0u8; 400]).unwrap();
    let e = error(&format!(
        "shape = \"nifti\"\nfile = \"{}\"\n",
        nii.display()
    ));
    assert!(
        e.contains("not a valid NIfTI-1 file") && e.contains("sizeof_hdr"),
        "{e}"
    );
}

#[test]
fn bad_shape_parameters_are_reported() {
    assert!(error("shape = \"stenosis\"\nradius = 6e-4\nlength = 6e-3\narea_reduction_percent = 100.0\nstenosis_length = 1e-3\n").contains("closes the vessel"));
    assert!(
        error("shape = \"tube\"\npoints = [[0.0, 0.0, 0.0]]\nradii = [1e-3]\n")
            .contains("at least 2 points")
    );
    assert!(
        error("shape = \"tree\"\ngenerations = 0\nroot_radius = 8e-4\nroot_length = 4e-3\n")
            .contains("1 to 10 generations")
    );
    assert!(error("shape = \"bifurcation\"\nparent_radius = -6e-4\nparent_length = 3e-3\ndaughter_length = 3e-3\n").contains("parent_radius"));
    assert!(error("shape = \"union\"\nparts = []\n").contains("at least one part"));
}

#[test]
fn nifti_scenario_uses_mask_openings() {
    // A tube mask written as .nii.gz, 0.5 mm voxels, along k.
    let dir = std::env::temp_dir().join(format!("embolus-nii-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tube.nii.gz");
    let (n, r) = ([16usize, 16, 24], 5.0);
    let mut h = common::nifti_u8_header(n, 0.5);
    for _ in 0..n[2] {
        for j in 0..n[1] {
            for i in 0..n[0] {
                let inside = (i as f64 - 7.5).powi(2) + (j as f64 - 7.5).powi(2) < r * r;
                h.push(inside as u8);
            }
        }
    }
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::Write::write_all(&mut gz, &h).unwrap();
    gz.finish().unwrap();
    let s = load(&format!(
        "shape = \"nifti\"\nfile = \"{}\"\n",
        path.display()
    ));
    assert_eq!(s.voxels.openings.len(), 2);
    let fluid_or_open = s
        .voxels
        .kinds
        .iter()
        .filter(|k| **k != CellKind::Wall)
        .count();
    let exact = std::f64::consts::PI * 2.5e-3f64.powi(2) * 12e-3 / 1e-12;
    assert!(
        (fluid_or_open as f64 - exact).abs() / exact < 0.15,
        "{fluid_or_open} cells vs {exact}"
    );
}

/// Writes a uint8 NIfTI mask of `n` voxels of 0.1 mm (the scenarios' voxel size) where
/// `inside(i, j, k)`.
fn write_mask(path: &Path, n: [usize; 3], inside: impl Fn(f64, f64, f64) -> bool) {
    let mut bytes = common::nifti_u8_header(n, 0.1);
    for k in 0..n[2] {
        for j in 0..n[1] {
            for i in 0..n[0] {
                bytes.push(inside(i as f64, j as f64, k as f64) as u8);
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// Issue 17: a mask declares no throat, so `check` measures it on the voxels. A tube
/// of 0.8 mm radius with a cosine stenosis of 50% area: throat radius 0.566 mm, area
/// ratio 2, both within a voxel's worth (radius ±0.1 mm, ratio ±20%), Mach and Re
/// scaled by them; the same tube without the stenosis has no throat; with a side
/// branch (two outlets: the flow splits) none is estimated. On a declared stenosis
/// the measure agrees with the declared radii within half a voxel.
#[test]
fn a_masks_throat_is_measured_on_its_voxels() {
    let dir = std::env::temp_dir().join(format!("embolus-throat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let n = [20, 20, 60];
    let radius = |k: f64| {
        let s = (k - 30.0) / 12.0;
        let narrowing = if s.abs() < 1.0 {
            0.5 * (1.0 + (std::f64::consts::PI * s).cos())
        } else {
            0.0
        };
        // Area 1 − 0.5·narrowing of the tube's: 50% at the throat.
        8.0 * (1.0 - 0.5 * narrowing).sqrt()
    };
    let tube = |i: f64, j: f64, r: f64| (i - 9.5).powi(2) + (j - 9.5).powi(2) < r * r;
    let load_mask = |name: &str, inside: &dyn Fn(f64, f64, f64) -> bool| {
        let path = dir.join(name);
        write_mask(&path, n, inside);
        load(&format!(
            "shape = \"nifti\"\nfile = \"{}\"\n",
            path.display()
        ))
    };
    let straight = load_mask("straight.nii", &|i, j, _| tube(i, j, 8.0));
    assert_eq!(straight.throat, None, "a straight tube has no throat");
    let stenosed = load_mask("stenosis.nii", &|i, j, k| tube(i, j, radius(k)));
    let t = stenosed.throat.expect("the stenosis is found");
    println!(
        "throat radius {:.4} mm, area ratio {:.3}, Mach {:.4} (inlet {:.4})",
        t.radius_m * 1e3,
        t.area_ratio,
        t.mach,
        stenosed.units.mach
    );
    assert!(t.from_voxels);
    assert!(
        (t.radius_m - 0.8e-3 / 2f64.sqrt()).abs() < 1e-4,
        "{}",
        t.radius_m
    );
    assert!((t.area_ratio / 2.0 - 1.0).abs() < 0.2, "{}", t.area_ratio);
    assert!((t.mach / (stenosed.units.mach * t.area_ratio) - 1.0).abs() < 1e-12);
    let branched = load_mask("branched.nii", &|i, j, k| {
        tube(i, j, radius(k)) || (i >= 9.5 && (j - 9.5).powi(2) + (k - 50.0).powi(2) < 16.0)
    });
    assert_eq!(
        branched.voxels.openings.len(),
        3,
        "inlet, outlet and the side branch"
    );
    assert_eq!(branched.throat, None, "several outlets: nothing estimated");
    let _ = std::fs::remove_dir_all(&dir);
    // The measure on a declared stenosis (0.8 mm, 50% area; 0.1 mm voxels) against
    // its declared radii: within half a voxel at the inlet and the throat.
    let declared = load(
        "shape = \"stenosis\"\nradius = 8e-4\nlength = 6e-3\narea_reduction_percent = 50.0\nstenosis_length = 2e-3\n",
    );
    let b = embolus::geometry::throat::bottleneck(&declared.voxels).unwrap();
    println!(
        "declared stenosis measured: inlet {:.3}, throat {:.3} cells",
        b.inlet_radius_cells, b.throat_radius_cells
    );
    assert!((b.inlet_radius_cells - 8.0).abs() < 0.5, "{b:?}");
    assert!(
        (b.throat_radius_cells - 8.0 / 2f64.sqrt()).abs() < 0.5,
        "{b:?}"
    );
}
