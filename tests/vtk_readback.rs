//! VTK files read back by VTK itself (the `vtk` package from PyPI, which ParaView is
//! built on; tests/support/vtk_read.py): ImageData raw and zlib-compressed, PolyData
//! and .pvd collections, from the writers and from a run's field and particle output,
//! with every value equal to what was in memory. Needs `python3` with `vtk`
//! (`pip install vtk`); without it the test fails and says so.

use embolus::io::vtk::{write_vti, Compression, VtiArray, VtiData};
use embolus::io::vtp::{write_pvd, write_vtp};
use embolus::scenario::LoadedScenario;
use embolus::sim::field_recorder::FieldRecorder;
use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::common;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embolus-vtk-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What VTK read from `files`, by path.
fn vtk_read(files: &[&Path]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/vtk_read.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}): install Python 3 and `pip install vtk`")
        });
    assert!(
        out.status.success(),
        "VTK could not read the files: {}\n  Fix: if vtk is missing, `pip install vtk`",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from vtk_read.py")
}

fn values(v: &Value) -> Vec<f64> {
    v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The array as VTK holds it must equal the in-memory array, value for value.
fn assert_array_equal(read: &Value, a: &VtiArray) {
    let got = values(read);
    assert_eq!(
        read["components"].as_u64().unwrap() as usize,
        a.components,
        "{}",
        a.name
    );
    let expected: Vec<f64> = match &a.data {
        VtiData::U8(v) => v.iter().map(|&x| x as f64).collect(),
        VtiData::I32(v) => v.iter().map(|&x| x as f64).collect(),
        VtiData::F32(v) => v.iter().map(|&x| x as f64).collect(),
    };
    assert_eq!(got.len(), expected.len(), "{}", a.name);
    // Values are f32 in the files; the JSON text between Python and serde_json may
    // move the f64 by an ulp, never the f32.
    for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
        let (g, e) = (*g as f32, *e as f32);
        assert!(
            g == e || (g.is_nan() && e.is_nan()),
            "{}[{k}]: VTK read {g}, memory held {e}",
            a.name
        );
    }
}

#[test]
fn writer_output_reads_back_in_vtk_value_for_value() {
    let dir = scratch("writers");
    let n = [5, 4, 3];
    let points = 60;
    let arrays = vec![
        VtiArray::scalar(
            "kind",
            VtiData::U8((0..points).map(|i| (i % 3) as u8).collect()),
        ),
        VtiArray::scalar("id", VtiData::I32((0..points).map(|i| i - 7).collect())),
        VtiArray::scalar(
            "p [Pa]",
            VtiData::F32((0..points).map(|i| (i as f32 * 0.37).sin() * 1e3).collect()),
        ),
        VtiArray::vector(
            "u [m/s]",
            (0..3 * points).map(|i| i as f32 * 1.5e-3 - 0.05).collect(),
        ),
    ];
    let raw = dir.join("raw.vti");
    let zlib = dir.join("zlib.vti");
    write_vti(
        &raw,
        n,
        [1e-3, 2e-3, -3e-3],
        5e-5,
        &arrays,
        Compression::None,
    )
    .unwrap();
    write_vti(
        &zlib,
        n,
        [1e-3, 2e-3, -3e-3],
        5e-5,
        &arrays,
        Compression::Zlib,
    )
    .unwrap();
    let pts: Vec<[f32; 3]> = (0..7)
        .map(|i| [i as f32 * 1e-4, 2e-4, -1e-4 * i as f32])
        .collect();
    let d = VtiData::F32((0..7).map(|i| 1e-4 + i as f32 * 1e-5).collect());
    let vtp = dir.join("p.vtp");
    write_vtp(&vtp, &pts, &[("diameter [m]", d)]).unwrap();
    let pvd = dir.join("all.pvd");
    write_pvd(&pvd, &[(0.0, "raw.vti".into()), (0.5, "zlib.vti".into())]).unwrap();
    let read = vtk_read(&[&raw, &zlib, &vtp, &pvd]);
    for f in [&raw, &zlib] {
        let r = &read[f.to_str().unwrap()];
        assert_eq!(r["dimensions"], serde_json::json!([5, 4, 3]));
        assert_eq!(r["spacing"][0].as_f64().unwrap(), 5e-5);
        assert_eq!(r["origin"][2].as_f64().unwrap(), -3e-3);
        for a in &arrays {
            assert_array_equal(&r["arrays"][&a.name], a);
        }
    }
    let r = &read[vtp.to_str().unwrap()];
    assert_eq!(r["points"], 7);
    assert_eq!(r["vertices"], 7);
    let coords: Vec<f64> = r["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let flat: Vec<f64> = pts.iter().flatten().map(|&x| x as f64).collect();
    assert_eq!(
        coords.iter().map(|&c| c as f32).collect::<Vec<_>>(),
        flat.iter().map(|&c| c as f32).collect::<Vec<_>>()
    );
    let r = &read[pvd.to_str().unwrap()];
    assert_eq!(r["type"], "Collection");
    assert_eq!(r["entries"][1]["time"].as_f64().unwrap(), 0.5);
    assert_array_equal(&r["entries"][1]["data"]["arrays"]["u [m/s]"], &arrays[3]);
}

#[test]
fn a_runs_fields_and_particles_read_back_in_vtk() {
    let dir = scratch("run");
    let loaded = LoadedScenario::from_str(
        Path::new("vtk.toml"),
        "[grid]\nvoxel_size = 5.0e-5\n[time]\nsteps = 200\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"cylinder\"\nradius = 3.0e-4\nlength = 1.5e-3\n\
         [inlet]\nmean_velocity = 0.05\nramp_time = 0.0\n[particles]\ngravity = [0.0, 0.0, -9.81]\n\
         [[injections]]\nagent = \"beads_100_300\"\nstart = 0.0\nduration = 1.0e-3\ncount = 30\nopening = \"inlet\"\n\
         [fields]\nregion_min = [0.0, 0.0, 2.0e-4]\nstride = 2\nwss_sample_interval = 5.0e-5\naverage_from = 0.0\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let common::Coupled {
        ctx,
        setup,
        mut lattice,
        particles,
    } = common::coupled(&loaded);
    let mut recorder = FieldRecorder::new(&ctx, &lattice, &setup.flags, &loaded, &dir).unwrap();
    let hooks = embolus::sim::StepHooks(vec![&particles, &recorder.gpu]);
    lattice.step_with(&ctx, 200, Some(&hooks));
    let (path, arrays) = recorder
        .write(&ctx, &lattice, Some(&particles), 200)
        .unwrap();
    assert!(
        arrays.len() >= 10,
        "every field that applies: {}",
        arrays.len()
    );
    let read = vtk_read(&[&path, &dir.join("fields.pvd")]);
    let r = &read[path.to_str().unwrap()];
    let size = loaded.fields.region.size();
    assert_eq!(r["dimensions"], serde_json::json!(size));
    assert_eq!(
        r["spacing"][0].as_f64().unwrap(),
        2.0 * loaded.voxels.voxel_size_m
    );
    for a in &arrays {
        assert_array_equal(&r["arrays"][&a.name], a);
    }
    let speed_max = values(&r["arrays"]["velocity [m/s]"])
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let wss_max = values(&r["arrays"]["wall shear stress magnitude [Pa]"])
        .iter()
        .fold(0.0f64, |m, v| m.max(*v));
    let tawss_max = values(&r["arrays"]["time-averaged wall shear stress [Pa]"])
        .iter()
        .fold(0.0f64, |m, v| m.max(*v));
    println!("read back: max |u| {speed_max:.4} m/s, max WSS {wss_max:.4} Pa, max TAWSS {tawss_max:.4} Pa");
    assert!(
        speed_max > 0.05 && wss_max > 0.0 && tawss_max > 0.0,
        "the fields carry the flow"
    );
    let pvd = &read[dir.join("fields.pvd").to_str().unwrap()];
    assert_eq!(pvd["entries"].as_array().unwrap().len(), 1);
    assert_eq!(pvd["entries"][0]["file"], "fields/fields_000000200.vti");

    // The wall surface: a closed tube open at both ends, its WSS vectors along the flow.
    let wall = dir.join("wall/wall_000000200.vtp");
    let read = vtk_read(&[&wall, &dir.join("wall.pvd")]);
    let w = &read[wall.to_str().unwrap()];
    let points = w["points"].as_u64().unwrap() as usize;
    assert!(points > 100 && w["polygons"].as_u64().unwrap() as usize > points);
    let r = 3.0e-4;
    let length = 1.5e-3;
    let area = w["area"].as_f64().unwrap();
    println!(
        "wall.vtp: {points} points, area {area:.4e} m^2 (tube side {:.4e})",
        2.0 * std::f64::consts::PI * r * length
    );
    assert!((area / (2.0 * std::f64::consts::PI * r * length) - 1.0).abs() < 0.15);
    let wss = &w["arrays"]["wall shear stress [Pa]"];
    assert_eq!(wss["components"], 3);
    let magnitude = values(&w["arrays"]["wall shear stress magnitude [Pa]"]);
    assert_eq!(magnitude.len(), points);
    assert!(magnitude.iter().all(|m| m.is_finite() && *m >= 0.0));
    for name in ["tawss [Pa]", "osi", "relative residence time [1/Pa]"] {
        assert_eq!(values(&w["arrays"][name]).len(), points, "{name}");
    }
    let along: f64 = values(wss).chunks(3).map(|v| v[2]).sum();
    assert!(along > 0.0, "the WSS points downstream");
    let pvd = &read[dir.join("wall.pvd").to_str().unwrap()];
    assert_eq!(pvd["entries"][0]["file"], "wall/wall_000000200.vtp");
}

/// The wall surface of a steady periodic pipe with interpolated walls (R = 10 cells,
/// src/validation/wall_shear.rs), read by VTK: its mean WSS magnitude within 2% of the
/// force balance G R / 2, every vertex within 5% of it, its area that of the pipe's
/// side within 2%.
#[test]
fn wall_surface_of_a_pipe_reads_back_in_vtk_with_its_wall_shear_stress() {
    let dir = scratch("wall");
    let ctx = common::gpu();
    let pipe = embolus::validation::wall_shear::wall_shear_pipe_with(&ctx, 10.0, true, Some(&dir))
        .unwrap_or_else(|e| panic!("{e}"));
    let file = std::fs::read_dir(dir.join("wall"))
        .unwrap()
        .next()
        .expect("a wall file")
        .unwrap()
        .path();
    let read = vtk_read(&[&file]);
    let w = &read[file.to_str().unwrap()];
    let magnitude = values(&w["arrays"]["wall shear stress magnitude [Pa]"]);
    let mean = magnitude.iter().sum::<f64>() / magnitude.len() as f64;
    let worst = magnitude
        .iter()
        .map(|m| (m / pipe.analytic_wss - 1.0).abs())
        .fold(0.0f64, f64::max);
    // Periodic along z over 4 cells: the surface nets keep the dual cubes inside the
    // grid, 2 cells of the length.
    let area = w["area"].as_f64().unwrap();
    let side = 2.0 * std::f64::consts::PI * 10.0 * 2.0;
    println!(
        "wall.vtp: {} vertices, mean WSS {mean:.6e} vs G R / 2 {:.6e} ({:+.2}%), worst vertex {:.2}%, area {area:.1} vs {side:.1}",
        magnitude.len(),
        pipe.analytic_wss,
        100.0 * (mean / pipe.analytic_wss - 1.0),
        100.0 * worst
    );
    assert!((mean / pipe.analytic_wss - 1.0).abs() < 0.02);
    assert!(worst < 0.05, "worst vertex {worst}");
    assert!((area / side - 1.0).abs() < 0.02, "area {area} vs {side}");
}

/// Issue 19: particle tracks for ParaView's pathlines: a run's particles_*.vtp carry
/// an `id` array that VTK reads back, the same particle keeps its id from one output
/// to the next (a lodged one at the same position), and particles/fates.csv has one
/// row per planned particle, by id.
#[test]
fn particle_ids_read_back_in_vtk_and_follow_each_particle() {
    let dir = scratch("ids");
    let loaded = LoadedScenario::from_str(
        Path::new("ids.toml"),
        "[grid]\nvoxel_size = 5.0e-5\n[time]\nsteps = 1800\noutput_interval = 2.0e-3\n\
         lattice_velocity = 0.02\n\
         [geometry]\nshape = \"stenosis\"\nradius = 3.0e-4\nlength = 2.0e-3\n\
         area_reduction_percent = 75.0\nstenosis_length = 8.0e-4\n\
         [inlet]\nmean_velocity = 0.05\nramp_time = 0.0\n\
         [particles]\ngravity = [0.0, 0.0, -9.81]\nseed = 7\n\
         [[injections]]\nagent = \"mixed\"\nstart = 0.0\nduration = 1.0e-2\ncount = 40\n\
         opening = \"inlet\"\n\
         [agents.mixed]\ndensity = 1100.0\n\
         diameter = { kind = \"uniform\", min = 2.0e-4, max = 4.0e-4 }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ctx = common::gpu();
    let config = embolus::sim::run::RunConfig::new(dir.clone());
    let summary = embolus::sim::run::run(&ctx, &loaded, &config, &mut ()).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("particles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "vtp"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    let (before, last) = (&files[files.len() - 2], &files[files.len() - 1]);
    let read = vtk_read(&[before, last]);
    let ids = |r: &Value| -> Vec<i64> {
        values(&r["arrays"]["id"])
            .iter()
            .map(|v| *v as i64)
            .collect()
    };
    let (a, b) = (
        &read[before.to_str().unwrap()],
        &read[last.to_str().unwrap()],
    );
    let (ids_a, ids_b) = (ids(a), ids(b));
    for list in [&ids_a, &ids_b] {
        let mut sorted = list.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), list.len(), "an id appears twice");
        assert!(list.iter().all(|&i| (0..40).contains(&i)));
    }
    // A particle lodged in the earlier output is at the same place in the later.
    let lodged = 2.0;
    let position = |r: &Value, j: usize| -> [f64; 3] {
        let c = r["coordinates"].as_array().unwrap();
        std::array::from_fn(|k| c[3 * j + k].as_f64().unwrap())
    };
    let mut followed = 0;
    for (j, id) in ids_a.iter().enumerate() {
        if values(&a["arrays"]["state"])[j] != lodged {
            continue;
        }
        let k = ids_b
            .iter()
            .position(|x| x == id)
            .expect("the id is still there");
        assert_eq!(
            position(a, j),
            position(b, k),
            "particle {id} moved while lodged"
        );
        followed += 1;
    }
    let fates = std::fs::read_to_string(dir.join("particles/fates.csv")).unwrap();
    let rows: Vec<&str> = fates.lines().skip(1).collect();
    assert_eq!(rows.len(), 40, "one row per planned particle");
    for (i, r) in rows.iter().enumerate() {
        assert!(r.starts_with(&format!("{i},mixed,")), "{r}");
    }
    let p = summary.particles.as_ref().unwrap();
    let lodged_rows = rows.iter().filter(|r| r.contains(",lodged,")).count() as u64;
    println!(
        "ids: {} and {} particles in the last two outputs, {followed} lodged followed by id; fates.csv: 40 rows, {lodged_rows} lodged (tally {})",
        ids_a.len(),
        ids_b.len(),
        p.tally.lodged
    );
    assert!(followed > 0, "no lodged particle to follow");
    assert_eq!(lodged_rows, p.tally.lodged);
}

/// dose.vti of a dose map (a 24³ box of 1 mm voxels, a labelled territory with a
/// tumour, spheres lodged at two points) reads back in VTK with its grid and every
/// dose, activity and label value as computed.
#[test]
fn dose_map_reads_back_in_vtk() {
    use embolus::dosimetry::dose_map::DoseGrid;
    use embolus::dosimetry::map::{compute, DoseMapPlan, SpherePositions};
    use embolus::dosimetry::output::{dose_arrays, write_dose_files};
    use embolus::dosimetry::{DosimetryPlan, SphereFates, Territory};
    let dir = scratch("dose");
    let grid = DoseGrid::covering([-2e-3, 0.0, 1e-3], [22e-3, 24e-3, 25e-3], 1e-3);
    let labels: Vec<i32> = (0..grid.voxels())
        .map(|n| match (n % 24, (n / 24) % 24, n / 576) {
            (10..14, 10..14, 10..14) => 2,
            (4..20, 4..20, 4..20) => 1,
            _ => 0,
        })
        .collect();
    let plan = DosimetryPlan {
        activity_gbq: 1.0,
        hours_to_treatment: 0.0,
        lung_shunt_fraction: 0.0,
        dose_constant: 49.67,
        activity_per_sphere_bq: 2500.0,
        territories: vec![Territory {
            outlet: "out".into(),
            mass_kg: 1.0,
            tumour_mass_kg: 0.1,
            tumour_to_normal: 3.0,
            label: Some(1),
            tumour_label: Some(2),
        }],
        dose_map: DoseMapPlan {
            density_kg_m3: 1060.0,
            kernel: embolus::dosimetry::kernel::PointKernel::y90(1060.0),
            kernel_name: "Loevinger".into(),
            grid,
            labels: Some(labels),
            label_map: None,
        },
    };
    let fates = SphereFates {
        planned: 10,
        released: 10,
        in_vessels: 2,
        by_outlet: vec![("out".into(), 8)],
        ..Default::default()
    };
    let lodged = [[0.5e-3, 3.5e-3, 6.5e-3], [20.5e-3, 20.5e-3, 20.5e-3]];
    let map = compute(&plan, &fates, &SpherePositions { lodged_m: &lodged });
    let files = write_dose_files(&dir, &map).unwrap();
    assert!(files.iter().all(|f| f.exists()), "{files:?}");
    let vti = dir.join("dose.vti");
    let read = vtk_read(&[&vti]);
    let r = &read[vti.to_str().unwrap()];
    assert_eq!(r["dimensions"], serde_json::json!([24, 24, 24]));
    assert_eq!(r["spacing"][0].as_f64().unwrap(), 1e-3);
    assert!((r["origin"][0].as_f64().unwrap() + 1.5e-3).abs() < 1e-12);
    // Three arrays (dose, activity, labels), each as computed.
    let arrays = dose_arrays(&map);
    assert_eq!(arrays.len(), 3);
    let labelled = map.labels.as_ref().unwrap();
    assert_eq!(labelled.iter().filter(|&&l| l == 2).count(), 64);
    for a in &arrays {
        assert_array_equal(&r["arrays"][&a.name], a);
    }
    // The dose is nowhere negative.
    assert!(map.dose_gy.iter().all(|&d| d >= 0.0));
}

/// centreline.vtp (issue 18) of a Murray bifurcation (parent radius 0.6 mm, daughters
/// 0.476 mm, each 3 mm long; 0.1 mm voxels) read back by VTK: one polyline per outlet
/// with every point's lumen radius, arc length and outlet; the radius within half a
/// voxel of the design along the middle of the parent (1-2 mm from the inlet) and of
/// each daughter (4-5 mm); each line 6 mm long within 10% (the junction is rounded).
#[test]
fn centrelines_read_back_in_vtk_with_the_lumen_radius() {
    use embolus::io::centreline_file::{vessel_centrelines, write_centrelines};
    let dir = scratch("centreline");
    let toml = "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 10\nlattice_velocity = 0.05\n\
                [geometry]\nshape = \"bifurcation\"\nparent_radius = 6.0e-4\nparent_length = 3.0e-3\n\
                daughter_length = 3.0e-3\nangles_deg = [30.0, 45.0]\n\
                [inlet]\nmean_velocity = 0.01\n";
    let loaded = LoadedScenario::from_str(Path::new("bifurcation.toml"), toml).unwrap();
    let lines = vessel_centrelines(&loaded.voxels);
    let path = dir.join("centreline.vtp");
    write_centrelines(&path, &lines).unwrap();
    let read = vtk_read(&[&path]);
    let r = &read[path.to_str().unwrap()];
    let points: usize = lines.iter().map(|l| l.points_m.len()).sum();
    assert_eq!(
        (r["lines"].as_u64(), r["points"].as_u64()),
        (Some(2), Some(points as u64))
    );
    let radius = values(&r["arrays"]["lumen radius [m]"]);
    let arc = values(&r["arrays"]["arc length [m]"]);
    let outlet = values(&r["arrays"]["outlet"]);
    let daughter = 6e-4 / 2f64.cbrt();
    let mut start = 0;
    for (k, l) in lines.iter().enumerate() {
        let range = start..start + l.points_m.len();
        start = range.end;
        assert!(outlet[range.clone()].iter().all(|&o| o == (k + 1) as f64));
        let length = arc[range.end - 1];
        println!(
            "line {k}: {} points, {:.3} mm",
            l.points_m.len(),
            length * 1e3
        );
        assert!((length / 6e-3 - 1.0).abs() < 0.1, "{length}");
        for i in range {
            let expected = match arc[i] {
                a if (1e-3..2e-3).contains(&a) => 6e-4,
                a if (4e-3..5e-3).contains(&a) => daughter,
                _ => continue,
            };
            assert!(
                (radius[i] - expected).abs() < 0.5e-4,
                "at {:.2} mm: {} vs {expected}",
                arc[i] * 1e3,
                radius[i]
            );
        }
    }
}

/// An open tube of `sides` facets and `rings` + 1 rings of vertices along z, as ASCII
/// STL (in mm, as most STL files are).
fn ringed_tube_stl(radius: f64, length: f64, sides: usize, rings: usize) -> String {
    let point = |k: usize, j: usize| {
        let a = std::f64::consts::TAU * (k % sides) as f64 / sides as f64;
        let z = length * j as f64 / rings as f64;
        let mm = |x: f64| x * 1e3;
        format!(
            "vertex {} {} {}",
            mm(radius * a.cos()),
            mm(radius * a.sin()),
            mm(z)
        )
    };
    let mut s = String::from("solid tube\n");
    for j in 0..rings {
        for k in 0..sides {
            for t in [
                [point(k, j), point(k + 1, j), point(k + 1, j + 1)],
                [point(k, j), point(k + 1, j + 1), point(k, j + 1)],
            ] {
                s += &format!(
                    "facet normal 0 0 0\nouter loop\n{}\n{}\n{}\nendloop\nendfacet\n",
                    t[0], t[1], t[2]
                );
            }
        }
    }
    s + "endsolid tube\n"
}

/// A vessel from an STL carries its wall results on the file's own triangles: VTK
/// reads back one polygon per STL triangle (the caps closing the open ends left
/// out) and one point per STL vertex, and in steady flow through a straight tube
/// (R = 6 cells, interpolated walls) the mean WSS magnitude of the vertices in the
/// middle third lies within 2% of Poiseuille's 4 μ U / R, each of them within 5% of
/// that mean.
#[test]
fn an_stl_vessel_carries_its_wall_results_on_its_own_triangles() {
    let dir = scratch("stl-wall");
    let (radius, length, sides, rings) = (6.0e-4, 3.0e-3, 48, 10);
    std::fs::write(
        dir.join("tube.stl"),
        ringed_tube_stl(radius, length, sides, rings),
    )
    .unwrap();
    let mean_velocity = 0.02;
    let viscosity = 3.5e-3;
    let loaded = LoadedScenario::from_str(
        &dir.join("tube.toml"),
        &format!(
            "[fluid]\ndensity = 1000.0\nviscosity = {viscosity}\n\
             [grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 900\nlattice_velocity = 0.04\n\
             [geometry]\nshape = \"stl\"\nfile = \"tube.stl\"\n\
             [inlet]\nmean_velocity = {mean_velocity}\nprofile = \"parabolic\"\nramp_time = 0.0\n\
             [lbm]\nwalls = \"interpolated\"\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("run");
    std::fs::create_dir_all(&out).unwrap();
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let config = embolus::sim::run::RunConfig::new(out.clone());
    let summary =
        embolus::sim::run::run(&ctx, &loaded, &config, &mut ()).unwrap_or_else(|e| panic!("{e}"));
    let wall = out.join(format!("wall/wall_{:09}.vtp", summary.steps));
    let read = vtk_read(&[&wall]);
    let w = &read[wall.to_str().unwrap()];
    assert_eq!(w["polygons"].as_u64().unwrap() as usize, 2 * sides * rings);
    let points = w["points"].as_u64().unwrap() as usize;
    assert_eq!(points, sides * (rings + 1));
    let xyz: Vec<f64> = w["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let magnitude = values(&w["arrays"]["wall shear stress magnitude [Pa]"]);
    let middle: Vec<f64> = (0..points)
        .filter(|&k| (length / 3.0..=2.0 * length / 3.0).contains(&xyz[3 * k + 2]))
        .map(|k| magnitude[k])
        .collect();
    let mean = middle.iter().sum::<f64>() / middle.len() as f64;
    let poiseuille = 4.0 * viscosity * mean_velocity / radius;
    let worst = middle
        .iter()
        .map(|m| (m / mean - 1.0).abs())
        .fold(0.0f64, f64::max);
    println!(
        "STL wall: {points} vertices, middle third ({}) mean WSS {mean:.5} Pa vs 4 mu U / R {poiseuille:.5} Pa ({:+.2}%), worst vertex {:.2}% from the mean",
        middle.len(),
        100.0 * (mean / poiseuille - 1.0),
        100.0 * worst
    );
    assert!((mean / poiseuille - 1.0).abs() < 0.02);
    assert!(worst < 0.05, "vertex scatter {worst}");
}
