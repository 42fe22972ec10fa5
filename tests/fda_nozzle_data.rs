//! The FDA nozzle's PIV data from data/fda-nozzle read back: five
//! laboratories, and the spread of their centreline velocity where docs/references.md
//! quotes it (0.709–0.753 m/s at z = 0, 0.417–0.513 m/s at z = 0.08 m); the nozzle
//! scene's voxelized dimensions and flow (Re 500 in the throat); the comparison with
//! the spread on flows made from a laboratory's own data. The nozzle run itself is
//! GPU-sized: `embolus validate --case fda-nozzle` (docs/validation.md).

use embolus::validation::fda_nozzle::{
    lab_spread, load_all, PivDataset, CENTRELINE_VELOCITY, WALL_PRESSURE,
};
use embolus::validation::nozzle::{
    compare_centreline, compare_wall_pressure, nozzle_radius, scenario, NozzleFlow,
    COARSE_RESOLUTION, DENSITY, THROAT_MEAN_VELOCITY,
};
use std::path::Path;

fn labs() -> Vec<PivDataset> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fda-nozzle");
    load_all(&dir).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn five_laboratories_and_their_centreline_spread() {
    let sets = labs();
    let labs: Vec<&str> = sets.iter().map(|s| s.lab.as_str()).collect();
    assert_eq!(labs, ["243", "297", "468", "763", "999"]);
    for s in &sets {
        assert!(
            s.block(CENTRELINE_VELOCITY, None).is_some(),
            "lab {}",
            s.lab
        );
    }
    // Lab 297 reported no wall pressure.
    let with_pressure: Vec<&str> = sets
        .iter()
        .filter(|s| s.block(WALL_PRESSURE, None).is_some())
        .map(|s| s.lab.as_str())
        .collect();
    assert_eq!(with_pressure, ["243", "468", "763", "999"]);
    let (lo, hi) = lab_spread(&sets, CENTRELINE_VELOCITY, None, 0.0, 1e-4).unwrap();
    println!("centreline velocity at z = 0: {lo:.4}–{hi:.4} m/s");
    assert!((lo - 0.709).abs() < 1e-3 && (hi - 0.753).abs() < 1e-3);
    let (lo, hi) = lab_spread(&sets, CENTRELINE_VELOCITY, None, 0.08, 1e-4).unwrap();
    println!("centreline velocity at z = 0.08 m: {lo:.4}–{hi:.4} m/s");
    assert!((lo - 0.417).abs() < 1e-3 && (hi - 0.513).abs() < 1e-3);
}

#[test]
fn the_nozzle_scene_has_the_published_dimensions_and_throat_reynolds_number() {
    // Hariharan et al. 2011: Re = ρ U_t d_t / μ = 500 in the 4 mm throat.
    let re = DENSITY * THROAT_MEAN_VELOCITY * 4.0e-3 / 0.0035;
    assert!((re - 500.0).abs() < 0.5, "throat Re {re}");
    let loaded = scenario(&COARSE_RESOLUTION).unwrap_or_else(|e| panic!("{e}"));
    let v = &loaded.voxels;
    let d = v.dims;
    // Lumen area of a plane against π r(z)² of the drawing: within 3% (0.2 mm voxels:
    // 10 cells across the throat's radius).
    for z_m in [-0.068, -0.05, -0.02, -0.001, 0.001, 0.05] {
        let k = ((z_m - v.origin_m[2]) / v.voxel_size_m) as usize;
        let cells = (0..d.nx * d.ny)
            .filter(|&j| v.kinds[j + k * d.nx * d.ny] != embolus::geometry::voxels::CellKind::Wall)
            .count();
        let area = cells as f64 * v.voxel_size_m * v.voxel_size_m;
        let r = nozzle_radius(z_m);
        let expected = std::f64::consts::PI * r * r;
        println!("z {z_m:+.3} m: lumen {area:.4e} m², drawing {expected:.4e} m²");
        assert!((area / expected - 1.0).abs() < 0.03, "z {z_m}");
    }
    assert!((loaded.flow_rate_m3_s - 5.20624e-6).abs() < 1e-12);
}

/// A flow whose centreline and wall pressure are a laboratory's own data.
fn flow_from_lab(lab: &PivDataset, shift: f64) -> NozzleFlow {
    let centre = &lab.block(CENTRELINE_VELOCITY, None).unwrap().points;
    let wall = &lab.block(WALL_PRESSURE, None).unwrap().points;
    // Planes at the laboratory's own positions: interpolation returns its values there.
    let mut plane_z: Vec<f64> = centre.iter().chain(wall).map(|p| p.0).collect();
    plane_z.sort_by(f64::total_cmp);
    plane_z.dedup();
    let interpolate = |points: &[(f64, f64)], z: f64| {
        let j = points
            .iter()
            .position(|p| p.0 >= z)
            .unwrap_or(points.len() - 1)
            .max(1);
        let (a, b) = (points[j - 1], points[j]);
        let w = ((z - a.0) / (b.0 - a.0)).clamp(0.0, 1.0);
        a.1 + (b.1 - a.1) * w
    };
    NozzleFlow {
        resolution: COARSE_RESOLUTION,
        tau: 0.51,
        steps: 0,
        lumen_cells: 0,
        centreline: plane_z
            .iter()
            .map(|&z| interpolate(centre, z) + shift)
            .collect(),
        wall_pressure: plane_z.iter().map(|&z| interpolate(wall, z)).collect(),
        diameter: vec![vec![]; plane_z.len()],
        plane_z,
        unsteadiness: 0.0,
    }
}

#[test]
fn a_laboratorys_own_data_lies_within_the_spread_and_a_shifted_copy_does_not() {
    let sets = labs();
    let lab = sets.iter().find(|s| s.lab == "763").unwrap();
    let same = flow_from_lab(lab, 0.0);
    let centre = compare_centreline(&same, &sets, 0.0325);
    assert!(centre.len() >= 9, "{} positions", centre.len());
    for c in &centre {
        assert!(c.outside() < 1e-9, "{c:?}");
    }
    let pressure = compare_wall_pressure(&same, &sets, -0.063);
    assert!(pressure.len() >= 10, "{} taps", pressure.len());
    for c in &pressure {
        assert!(c.outside() < 1e-6, "{c:?}");
    }
    // 0.1 m/s faster everywhere: outside the spread at the expansion by
    // 0.1 − (0.753 − 0.753) m/s.
    let faster = flow_from_lab(lab, 0.1);
    let at_expansion = compare_centreline(&faster, &sets, 0.0325)
        .into_iter()
        .find(|c| c.z_m == 0.0)
        .unwrap();
    assert!(
        (at_expansion.outside() - 0.1).abs() < 1e-3,
        "{at_expansion:?}"
    );
}

/// Plumbing, not physics: a 0.5 mm nozzle (8 cells across the throat) run for 60
/// steps goes through the GPU run, the per-plane sampling, the comparison and the
/// plots that the GPU-sized case uses, and gives finite numbers for each check.
#[test]
fn a_coarse_short_nozzle_run_goes_through_sampling_comparison_and_plots() {
    use embolus::validation::nozzle::{run, Resolution};
    let res = Resolution {
        voxel_m: 5.0e-4,
        // The throat (9x less area) at Mach 0.14; τ 0.502, in the regularized range.
        lattice_velocity: 0.009,
        outlet_z_m: 0.04,
        // dt = 0.009 · 0.5 mm / 0.0921 m/s = 4.9e-5 s: 60 steps.
        duration_s: 60.0 * 0.009 * 5.0e-4 / (2.0 * 5.20624e-6 / (std::f64::consts::PI * 36e-6)),
        collision: "regularized",
    };
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let flow = run(&ctx, &res, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    assert!((59..=61).contains(&flow.steps), "{} steps", flow.steps);
    assert_eq!(flow.plane_z.len(), flow.centreline.len());
    assert!(flow.plane_z[0] < -0.07 && *flow.plane_z.last().unwrap() > 0.039);
    // The inflow has started: the inlet's centreline moves downstream.
    let inlet = flow.at(&flow.centreline, -0.07).unwrap();
    assert!(inlet > 0.0 && inlet.is_finite(), "inlet centreline {inlet}");
    let out =
        embolus::validation::suite::nozzle_output(&flow, &labs()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.checks.len(), 3);
    for c in &out.checks {
        println!("{}: {}", c.label, c.show(c.measured));
        assert!(c.measured.is_finite(), "{}", c.label);
    }
    let stems: Vec<&str> = out.charts.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        stems,
        [
            "fda_nozzle_centreline",
            "fda_nozzle_wall_pressure",
            "fda_nozzle_profile_z-20mm",
            "fda_nozzle_profile_z8mm",
            "fda_nozzle_profile_z32mm"
        ]
    );
    assert!(out.note.unwrap().contains("0.50 mm voxels"));
}
