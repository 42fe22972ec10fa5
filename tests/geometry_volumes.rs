//! Geometry accuracy against exact volumes and round trips (issue #3's list).

use crate::common;

use embolus::geometry::mesh_voxelize::inside_mask;
use embolus::geometry::nifti::{parse_mask, voxelize_mask};
use embolus::geometry::stl::{parse_stl, read_stl, Mesh};
use embolus::geometry::{straight_cylinder, Axis, CellKind};
use embolus::lbm::GridDims;
use std::path::Path;

/// Volume enclosed by a closed, consistently oriented mesh (divergence theorem: sum of
/// signed tetrahedra from the origin).
fn enclosed_volume(mesh: &Mesh) -> f64 {
    mesh.triangles
        .iter()
        .map(|t| {
            let [a, b, c] = t.map(|i| mesh.vertices[i as usize]);
            (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0]))
                / 6.0
        })
        .sum::<f64>()
        .abs()
}

#[test]
fn voxelized_cylinder_volume_matches_pi_r2_l() {
    // r = 10 cells; lumen = fluid + the two opening layers.
    let dx = 1e-4;
    let v = straight_cylinder(1e-3, 4e-3, Axis::Z, dx);
    let cells = v.kinds.iter().filter(|k| **k != CellKind::Wall).count();
    let volume = cells as f64 * dx.powi(3);
    let exact = std::f64::consts::PI * 1e-6 * (4e-3 + 2.0 * dx);
    println!(
        "cylinder r = 10 cells: volume error {:+.3}%",
        100.0 * (volume / exact - 1.0)
    );
    assert!((volume - exact).abs() / exact < 0.02);
}

/// A closed cylinder surface (side + two fan caps), as ASCII STL.
fn closed_cylinder(radius: f64, length: f64, sides: usize) -> Mesh {
    let mut s = String::from("solid c\n");
    let p = |a: f64, z: f64| [radius * a.cos(), radius * a.sin(), z];
    let mut tri = |v: [[f64; 3]; 3]| {
        s += "facet normal 0 0 0\nouter loop\n";
        for q in v {
            s += &format!("vertex {} {} {}\n", q[0], q[1], q[2]);
        }
        s += "endloop\nendfacet\n";
    };
    for k in 0..sides {
        let (a0, a1) = (
            std::f64::consts::TAU * k as f64 / sides as f64,
            std::f64::consts::TAU * (k + 1) as f64 / sides as f64,
        );
        tri([p(a0, 0.0), p(a1, 0.0), p(a1, length)]);
        tri([p(a0, 0.0), p(a1, length), p(a0, length)]);
        tri([[0.0, 0.0, 0.0], p(a1, 0.0), p(a0, 0.0)]);
        tri([[0.0, 0.0, length], p(a0, length), p(a1, length)]);
    }
    s += "endsolid c\n";
    parse_stl(s.as_bytes(), Path::new("cylinder.stl")).unwrap()
}

#[test]
fn closed_cylinder_mesh_volume_is_recovered() {
    let mesh = closed_cylinder(1.0, 3.0, 128);
    assert!(mesh.boundary_loops().is_empty());
    let exact = enclosed_volume(&mesh);
    let dx = 0.05;
    let dims = GridDims::new(46, 46, 66);
    let mask = inside_mask(&mesh, [-1.15, -1.15, -0.15], dx, dims);
    let volume = mask.iter().filter(|&&m| m).count() as f64 * dx.powi(3);
    println!(
        "closed cylinder mesh: volume error {:+.3}%",
        100.0 * (volume / exact - 1.0)
    );
    assert!((volume - exact).abs() / exact < 0.02);
}

#[test]
fn closed_aorta_is_one_lumen_with_the_mesh_volume() {
    let mut mesh = read_stl(Path::new("data/vessels/aorta-surface.stl")).unwrap();
    mesh.transform(1e-3, [0.0; 3], [0.0; 3]);
    assert!(
        mesh.boundary_loops().is_empty(),
        "the closed surface has no open ends"
    );
    let exact = enclosed_volume(&mesh);
    let dx = 2.5e-4;
    let (lo, hi) = mesh.bounds();
    let mut voxels = embolus::geometry::implicit::empty_grid(lo, hi, dx, 2).unwrap();
    let mask = inside_mask(&mesh, voxels.origin_m, dx, voxels.dims);
    for (k, m) in voxels.kinds.iter_mut().zip(&mask) {
        if *m {
            *k = CellKind::Fluid;
        }
    }
    let inside = voxels.fluid_cells();
    let volume = inside as f64 * dx.powi(3);
    println!(
        "closed aorta at 0.25 mm: volume error {:+.3}%",
        100.0 * (volume / exact - 1.0)
    );
    assert!((volume - exact).abs() / exact < 0.02);
    // One connected lumen: a flood fill over lattice links from one fluid cell
    // reaches them all.
    let d = voxels.dims;
    let seed = voxels
        .kinds
        .iter()
        .position(|k| *k == CellKind::Fluid)
        .unwrap();
    let mut reached = vec![false; d.cells()];
    let mut stack = vec![seed];
    reached[seed] = true;
    let mut count = 0usize;
    while let Some(i) = stack.pop() {
        count += 1;
        let p = d.coords(i);
        for c in embolus::lbm::lattice::VELOCITIES.iter().skip(1) {
            let q: [i64; 3] = std::array::from_fn(|a| p[a] as i64 + c[a] as i64);
            if q.iter()
                .zip([d.nx, d.ny, d.nz])
                .any(|(&v, n)| v < 0 || v >= n as i64)
            {
                continue;
            }
            let j = d.index(q[0] as usize, q[1] as usize, q[2] as usize);
            if !reached[j] && voxels.kinds[j] == CellKind::Fluid {
                reached[j] = true;
                stack.push(j);
            }
        }
    }
    println!("closed aorta: {inside} lumen cells, {count} reached from one");
    assert_eq!(count, inside);
}

#[test]
fn open_aorta_openings_match_their_boundary_loops() {
    let mut mesh = read_stl(Path::new("data/vessels/aorta-surface-open-ends.stl")).unwrap();
    mesh.transform(1e-3, [0.0; 3], [0.0; 3]);
    let loops = mesh.boundary_loops();
    assert_eq!(loops.len(), 3);
    let mut loop_radii: Vec<f64> = loops
        .iter()
        .map(|ring| {
            let pts: Vec<[f64; 3]> = ring.iter().map(|&i| mesh.vertices[i as usize]).collect();
            let c: [f64; 3] =
                std::array::from_fn(|a| pts.iter().map(|p| p[a]).sum::<f64>() / pts.len() as f64);
            pts.iter()
                .map(|p| {
                    ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2)).sqrt()
                })
                .sum::<f64>()
                / pts.len() as f64
        })
        .collect();
    loop_radii.sort_by(|a, b| b.total_cmp(a));
    let (v, _, _) = embolus::geometry::surface::voxelize_surface(mesh, &[], None, 2.5e-4).unwrap();
    assert_eq!(v.openings.len(), 3);
    for (o, r) in v.openings.iter().zip(&loop_radii) {
        let voxel_radius = (o.area_m2 / std::f64::consts::PI).sqrt();
        println!(
            "{}: loop radius {:.3} mm, voxel opening radius {:.3} mm",
            o.name,
            r * 1e3,
            voxel_radius * 1e3
        );
        assert!((voxel_radius - r).abs() / r < 0.10);
    }
}

#[test]
fn nifti_round_trip_keeps_every_cell() {
    // Mask voxels of 0.25 mm resampled at 0.25 mm: each mask voxel is one lumen cell.
    let (n, r) = ([20usize, 18, 30], 6.0);
    let mut h = common::nifti_u8_header(n, 0.25);
    let mut count = 0;
    for k in 0..n[2] {
        for j in 0..n[1] {
            for i in 0..n[0] {
                // A slightly wavy tube, so the mask is no simple shape.
                let wobble = 1.0 + 0.2 * (k as f64 * 0.4).sin();
                let inside =
                    (i as f64 - 9.5).powi(2) + (j as f64 - 8.5).powi(2) < (r * wobble).powi(2);
                count += inside as usize;
                h.push(inside as u8);
            }
        }
    }
    let mask = parse_mask(&h, Path::new("wavy.nii"), None).unwrap();
    let (v, _) = voxelize_mask(&mask, &[], None, 2.5e-4).unwrap();
    let lumen = v.kinds.iter().filter(|k| **k != CellKind::Wall).count();
    assert_eq!(
        lumen, count,
        "every mask voxel is one lumen cell, and nothing else"
    );
}

#[test]
fn hostile_inputs_are_rejected_without_panics() {
    let nan = b"solid x\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex NaN 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid\n";
    assert!(parse_stl(nan, Path::new("nan.stl"))
        .unwrap_err()
        .to_string()
        .contains("NaN or infinite"));
    let inf = b"solid x\nfacet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex inf 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid\n";
    assert!(parse_stl(inf, Path::new("inf.stl")).is_err());
    // A binary header claiming a billion triangles: refused from the file size, no allocation.
    let mut lying = vec![0u8; 84 + 50];
    lying[80..84].copy_from_slice(&1_000_000_000u32.to_le_bytes());
    assert!(parse_stl(&lying, Path::new("lying.stl"))
        .unwrap_err()
        .to_string()
        .contains("truncated"));
    assert!(parse_stl(b"", Path::new("empty.stl")).is_err());
    // A NIfTI header claiming a huge image in a small file.
    let mut h = vec![0u8; 400];
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    for (k, d) in [3i16, 30000, 30000, 30000].iter().enumerate() {
        h[40 + 2 * k..42 + 2 * k].copy_from_slice(&d.to_le_bytes());
    }
    h[70..72].copy_from_slice(&2i16.to_le_bytes());
    h[344..348].copy_from_slice(b"n+1\0");
    assert!(parse_mask(&h, Path::new("huge.nii"), None)
        .unwrap_err()
        .to_string()
        .contains("bytes of data"));
    // A gzip stream whose content is not NIfTI.
    let dir = std::env::temp_dir().join(format!("embolus-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("notnifti.nii.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::Write::write_all(&mut gz, &[42u8; 1000]).unwrap();
    gz.finish().unwrap();
    let e = embolus::geometry::nifti::read_mask(&path, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("sizeof_hdr"), "{e}");
    // A truncated gzip stream.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let e = embolus::geometry::nifti::read_mask(&path, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("gzip data is corrupt") || e.contains("sizeof_hdr"),
        "{e}"
    );
}
