//! Steady flow through a symmetric Y-bifurcation set up from a scenario: the two
//! daughters carry equal flow (symmetry) and together what enters (mass conservation),
//! measured by the GPU flux probes on the oblique outlet planes; the wall shear stress
//! per branch (issue 18) is equal in the two and, the daughters following Murray's law,
//! that of Poiseuille flow in the parent.

use embolus::gpu::GpuContext;
use embolus::scenario::LoadedScenario;
use embolus::sim::build::lattice_setup;
use embolus::sim::field_recorder::FieldRecorder;
use embolus::sim::GpuLattice;
use std::path::Path;

#[test]
fn symmetric_bifurcation_splits_flow_equally_and_conserves_it() {
    let ctx = GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    // Parent radius 6 cells, Murray daughters, 30° each side, τ ≈ 0.75, Re ≈ 3.6.
    let toml = "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 3500\nlattice_velocity = 0.05\n\
                [geometry]\nshape = \"bifurcation\"\nparent_radius = 6.0e-4\nparent_length = 3.0e-3\n\
                daughter_length = 3.0e-3\nangles_deg = [30.0, 30.0]\n\
                [inlet]\nmean_velocity = 0.01\n";
    let loaded = LoadedScenario::from_str(Path::new("bifurcation.toml"), toml).unwrap();
    println!("tau {:.3}, grid {:?}", loaded.units.tau, loaded.voxels.dims);
    let setup = lattice_setup(&loaded.voxels, &loaded);
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let flows = |lattice: &GpuLattice| {
        let totals = lattice.probe(&ctx).unwrap();
        totals
            .openings
            .iter()
            .map(|o| loaded.units.flow_rate_to_si(o.inward_flux))
            .collect::<Vec<f64>>()
    };
    lattice.step(&ctx, loaded.steps as u32 - 500);
    let before = flows(&lattice);
    lattice.step(&ctx, 500);
    let q = flows(&lattice);
    let (inflow, out1, out2) = (q[0], -q[1], -q[2]);
    println!("inlet {inflow:.4e}, outlet1 {out1:.4e}, outlet2 {out2:.4e} m^3/s");
    let steady = (q[1] - before[1]).abs() / out1;
    let split = (out1 - out2).abs() / (0.5 * (out1 + out2));
    let balance = (out1 + out2 - inflow) / inflow;
    println!("change over the last 500 steps {steady:.2e}; split asymmetry {split:.3e}; (outflow - inflow)/inflow {balance:+.3e}");
    // The velocity inlet delivers its nominal flow up to the rim of the staircase
    // opening, where links into the wall carry nothing: O(1/R), 1.8% at R = 6 cells.
    let nominal = std::f64::consts::PI * 6e-4f64.powi(2) * 0.01;
    println!("inflow vs nominal {:+.3e}", inflow / nominal - 1.0);
    assert!((inflow - nominal).abs() / nominal < 0.03);
    assert!(steady < 1e-3, "not steady yet");
    assert!(split < 0.01, "daughters differ by {:.2}%", 100.0 * split);
    assert!(
        balance.abs() < 0.03,
        "outflow differs from inflow by {:.2}%",
        100.0 * balance
    );
    // Per branch: with Murray daughters (r_d³ = R³/2 carrying Q/2) Poiseuille's
    // 4μQ/(πR³) is the same in the parent and the daughters. Tolerances: the two
    // branches within 3% of each other (symmetry), each within 15% of 4μQ/(πR³)
    // (staircase walls at 5-6 cells' radius, the junction), the branches holding
    // every wall cell.
    let dir = std::env::temp_dir().join(format!("embolus-bifurcation-{}", std::process::id()));
    let recorder = FieldRecorder::new(&ctx, &lattice, &setup.flags, &loaded, &dir).unwrap();
    let w = recorder.wall_summary(&ctx, &lattice).unwrap();
    let mu = loaded.scenario.fluid.viscosity;
    let poiseuille = 4.0 * mu * inflow / (std::f64::consts::PI * 6e-4f64.powi(3));
    let names: Vec<&str> = w.by_branch.iter().map(|b| b.branch.as_str()).collect();
    assert_eq!(names, ["outlet1", "outlet2"]);
    let (a, b) = (&w.by_branch[0], &w.by_branch[1]);
    println!(
        "WSS: whole wall {:.4} Pa; outlet1 {:.4} Pa ({} cells), outlet2 {:.4} Pa ({} cells); Poiseuille {poiseuille:.4} Pa",
        w.mean_wss_pa, a.mean_wss_pa, a.wall_cells, b.mean_wss_pa, b.wall_cells
    );
    assert!((a.mean_wss_pa / b.mean_wss_pa - 1.0).abs() < 0.03);
    for branch in [a, b] {
        assert!(
            (branch.mean_wss_pa / poiseuille - 1.0).abs() < 0.15,
            "{branch:?}"
        );
    }
    assert_eq!(a.wall_cells + b.wall_cells, w.wall_cells);
    let _ = std::fs::remove_dir_all(&dir);
}
