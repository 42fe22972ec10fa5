//! A pulsatile pipe at Womersley number 4 run through the command line with the
//! default outlet (0 Pa, non-reflecting), as a new user would: the outlet must impose
//! what was asked at the cardiac frequency, with no impedance of its own.
//!
//! Pipe R = 8 cells, 32 cells long, Womersley inlet profile, sinusoidal inflow
//! (amplitude 0.5 of the mean), τ ≈ 0.52: acoustic number a = ωL/c_s ≈ 0.09
//! (src/lbm/acoustics.rs). Over the third cycle, fitted at the cardiac frequency:
//! - the flow through the mid-plane and its centreline velocity against Womersley's
//!   solution for the imposed inflow (the lumen's effective radius √(cells/π)):
//!   amplitudes within 3%, phases within 5°;
//! - the outlet's pressure oscillates by less than 5% of the pressure-drop amplitude
//!   (the outlet was asked for 0 Pa).

use embolus::io::vtk_read;
use embolus::lbm::womersley::{profile, Complex};
use embolus::validation::flows::fit;
use std::f64::consts::PI;

const RADIUS_CELLS: f64 = 8.0;
const DX_M: f64 = 1.0e-4;
const ALPHA: f64 = 4.0;
const NU_M2_S: f64 = 3.5e-6;

use crate::common;

use common::{column, read_metrics};

/// Relative amplitude error and phase error [degrees] of `got` against `want`.
fn compare(got: Complex, want: Complex) -> (f64, f64) {
    let ratio = got / want;
    (ratio.abs() - 1.0, ratio.arg().to_degrees())
}

#[test]
fn default_outlet_imposes_its_pressure_at_the_cardiac_frequency() {
    let dir = std::env::temp_dir().join(format!("embolus-pulsatile-outlet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let radius_m = RADIUS_CELLS * DX_M;
    let period_s = 2.0 * PI * radius_m * radius_m / (ALPHA * ALPHA * NU_M2_S);
    let length_m = 32.0 * DX_M;
    // One plane of cell centres halfway along the grid (cell 16 of 34, centre 16.5 dx).
    let (plane_lo, plane_hi) = (16.2 * DX_M, 16.8 * DX_M);
    let scene = dir.join("pulsatile.toml");
    // lattice_velocity 0.0286 with a peak of 0.05 · 2 · 1.5 m/s gives τ ≈ 0.52.
    std::fs::write(
        &scene,
        format!(
            "name = \"pulsatile\"\n\
             [fluid]\ndensity = 1000.0\nviscosity = {viscosity}\n\
             [grid]\nvoxel_size = {DX_M}\n\
             [time]\nduration = {duration}\nlattice_velocity = 0.0286\noutput_interval = {sample}\n\
             [geometry]\nshape = \"cylinder\"\nradius = {radius_m}\nlength = {length_m}\naxis = \"z\"\n\
             [inlet]\nmean_velocity = 0.05\nprofile = \"womersley\"\nramp_time = 0.0\n\
             [inlet.waveform]\nkind = \"sine\"\nperiod = {period_s}\namplitude = 0.5\n\
             [fields]\ninterval = {sample}\nselect = [\"velocity\"]\n\
             region_min = [-1.0, -1.0, {plane_lo}]\nregion_max = [1.0, 1.0, {plane_hi}]\n",
            viscosity = NU_M2_S * 1000.0,
            duration = 3.0 * period_s,
            sample = period_s / 24.0,
        ),
    )
    .unwrap();
    let out = dir.join("results");
    let o = common::run_cli(&scene, &out);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let omega = 2.0 * PI / period_s;
    let last_cycle = |t: f64| t >= 2.0 * period_s - 1e-12;

    // Flows and pressures at the openings (metrics).
    let (header, rows) = read_metrics(&out.join("metrics.csv"));
    let series = |name: &str| -> Vec<(f64, f64)> {
        let c = column(&header, name);
        rows.iter()
            .filter(|r| last_cycle(r[0]))
            .map(|r| (r[0], r[c]))
            .collect()
    };
    let q_in = fit(&series("inlet flow [m^3/s]"), omega);
    let p_in = fit(&series("inlet pressure [Pa]"), omega);
    let p_out = fit(&series("outlet pressure [Pa]"), omega);
    let drop = p_in - p_out;

    // The mid-plane's flow and centreline velocity (fields).
    let mut flow = Vec::new();
    let mut centre = Vec::new();
    let mut lumen_cells = 0usize;
    for (t, file) in vtk_read::read_pvd(&out.join("fields.pvd")).unwrap() {
        if !last_cycle(t) {
            continue;
        }
        let f = vtk_read::read(&out.join(&file)).unwrap();
        let u = &f.arrays["velocity [m/s]"].values;
        let [nx, ny, _] = f.dims;
        let uz = |x: usize, y: usize| u[3 * (x + nx * y) + 2];
        let moving: Vec<f64> = (0..nx * ny)
            .map(|i| u[3 * i + 2])
            .filter(|v| *v != 0.0)
            .collect();
        lumen_cells = lumen_cells.max(moving.len());
        flow.push((t, moving.iter().sum::<f64>() * DX_M * DX_M));
        // The axis lies on the corner of the four central cells.
        let (cx, cy) = (nx / 2, ny / 2);
        let c = 0.25 * (uz(cx - 1, cy - 1) + uz(cx, cy - 1) + uz(cx - 1, cy) + uz(cx, cy));
        centre.push((t, c));
    }
    assert!(
        flow.len() >= 20,
        "{} field outputs in the last cycle",
        flow.len()
    );
    let q_mid = fit(&flow, omega);
    let u_centre = fit(&centre, omega);
    // Womersley for the imposed flow harmonic in the voxelized lumen.
    let r_eff = (lumen_cells as f64 / PI).sqrt() * DX_M;
    let alpha = r_eff * (omega / NU_M2_S).sqrt();
    let u_exact = q_in.scale(1.0 / (PI * r_eff * r_eff)) * profile(alpha, 0.0);

    let (flow_amp, flow_phase) = compare(q_mid, q_in);
    let (centre_amp, centre_phase) = compare(u_centre, u_exact);
    let outlet_share = p_out.abs() / drop.abs();
    println!(
        "alpha {alpha:.3} (R_eff {:.3} cells): mid-plane flow amplitude {:+.2}%, phase {:+.2} deg; \
         centreline amplitude {:+.2}%, phase {:+.2} deg; outlet pressure amplitude {:.3e} Pa = \
         {:.2}% of the pressure-drop amplitude {:.3e} Pa",
        r_eff / DX_M,
        100.0 * flow_amp,
        flow_phase,
        100.0 * centre_amp,
        centre_phase,
        p_out.abs(),
        100.0 * outlet_share,
        drop.abs()
    );
    println!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.starts_with("acoustics"))
            .collect::<String>()
    );
    assert!(
        flow_amp.abs() < 0.03 && flow_phase.abs() < 5.0,
        "mid-plane flow"
    );
    assert!(
        centre_amp.abs() < 0.03 && centre_phase.abs() < 5.0,
        "centreline"
    );
    assert!(
        outlet_share < 0.05,
        "outlet pressure oscillates by {outlet_share} of the drop"
    );
}
