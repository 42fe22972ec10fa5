//! A pulsatile run at a mean Reynolds number of 600 (the common hepatic and renal
//! arteries, docs/references.md) for two cycles (the first ramps up), run as a user
//! runs it: it must stay finite and conserve mass.
//!
//! Resolution: embolus requires τ ≥ 0.51 and a peak lattice speed ≤ 0.087, so Re 600
//! with a parabolic inflow of peak factor 2 × 1.25 needs D ≥ 600 · 2.5 · ν / u_peak
//! ≈ 59 cells. The pipe is short (20 cells) and the cycle 500 steps: the test is
//! about stability and conservation at this Reynolds number, not the Womersley number
//! (α ≈ 40 here; docs/test-checks.md has a longer run with a Womersley inflow).

use crate::common;

#[test]
fn re_600_pulsatile_run_stays_finite_and_conserves_mass() {
    let dir = std::env::temp_dir().join(format!("embolus-re600-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // D = 5.88 mm at 0.1 mm voxels; blood (ν = 3.30e-6 m²/s); ū = 0.3357 m/s: Re 598.
    let scene = dir.join("re600.toml");
    let period = 0.00507;
    std::fs::write(
        &scene,
        format!(
            "name = \"re600\"\n[grid]\nvoxel_size = 1.0e-4\n\
             [time]\nduration = {}\nlattice_velocity = 0.085\noutput_interval = 1.014e-4\n\
             [geometry]\nshape = \"cylinder\"\nradius = 2.94e-3\nlength = 2.0e-3\n\
             [inlet]\nmean_velocity = 0.3357\nprofile = \"parabolic\"\nramp_time = {period}\n\
             [inlet.waveform]\nkind = \"sine\"\nperiod = {period}\namplitude = 0.25\n",
            2.0 * period
        ),
    )
    .unwrap();
    let out = dir.join("results");
    let o = common::run_cli(&scene, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let units = &summary["units"];
    let re = units["reynolds"].as_f64().unwrap_or(f64::NAN);
    println!("Reynolds number {re:.1}, tau {:.4}", units["tau"]);
    assert!((re - 600.0).abs() < 10.0, "Re {re}");
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    // time, step, cycle, inlet flow, outlet flow, inlet p, outlet p, max speed, drift
    assert!(
        rows.iter().flatten().all(|v| v.is_finite()),
        "non-finite metrics"
    );
    assert!(rows.last().unwrap()[2] >= 1.0, "two cycles (0, 1)");
    let worst_drift = rows.iter().map(|r| r[8].abs()).fold(0.0, f64::max);
    // Over the last cycle, what came in went out or is stored: the lattice is weakly
    // compressible, so V_in − V_out = Δ(mass drift) · V_fluid (mass in units of the
    // resting fluid's volume). Trapezoidal volumes; the balance must close within 1%
    // of the inflow.
    let last: Vec<&Vec<f64>> = rows.iter().filter(|r| r[2] == 1.0).collect();
    let volume = |col: usize| {
        last.windows(2)
            .map(|w| 0.5 * (w[0][col] + w[1][col]) * (w[1][0] - w[0][0]))
            .sum::<f64>()
    };
    let (v_in, v_out) = (volume(3), volume(4));
    let fluid_volume = summary["grid"]["fluid_cells"].as_f64().unwrap() * 1.0e-12;
    let stored = (last.last().unwrap()[8] - last[0][8]) * fluid_volume;
    let residual = (v_in - v_out - stored) / v_in;
    println!(
        "last cycle: {v_in:.4e} m^3 in, {v_out:.4e} m^3 out, {stored:+.4e} m^3 stored; \
         balance residual {:+.3}% of the inflow; largest mass drift {worst_drift:.2e}",
        100.0 * residual
    );
    assert!(residual.abs() < 0.01, "mass balance residual {residual}");
    // Compressibility stays in the weakly compressible range.
    assert!(worst_drift < 0.1, "mass drift {worst_drift}");
}
