//! Womersley flow: a straight periodic pipe driven by an oscillating body force
//! (pressure gradient) G cos ωt, against the analytic solution (docs/references.md):
//! û(r) = G/(iρω) [1 − J0(z r/R)/J0(z)], Q̂ = πR²G/(iρω) [1 − 2J1(z)/(z J0(z))],
//! z = i^{3/2} α, α = R √(ω/ν). Amplitudes within 3%, phases within 5°, after the
//! start-up transient. The force varies every step through the GPU step schedule.

use crate::common;

use common::gpu;
use embolus::lbm::lattice::flags;
use embolus::lbm::setup::Precision;
use embolus::sim::lattice_gpu::SCHEDULE_CAPACITY;
use embolus::sim::GpuLattice;
use embolus::validation::flows::{centre_and_flow, fit};
use std::f64::consts::PI;

use embolus::lbm::womersley::Complex as C;

/// The library case (`embolus validate --case womersley` runs the same), printed.
fn womersley(alpha: f64, precision: Precision) -> (f64, f64, f64, f64) {
    let ctx = gpu();
    let r = embolus::validation::flows::womersley(&ctx, alpha, precision)
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "Womersley {} alpha {alpha} (R_eff {:.3} cells, period {:.0} steps): centreline amplitude {:+.3}%, phase {:+.2} deg; flow amplitude {:+.3}%, phase {:+.2} deg",
        precision.name(),
        r.radius_cells,
        r.period_steps,
        100.0 * r.centre_amplitude,
        r.centre_phase_deg,
        100.0 * r.flow_amplitude,
        r.flow_phase_deg
    );
    (
        r.centre_amplitude,
        r.centre_phase_deg,
        r.flow_amplitude,
        r.flow_phase_deg,
    )
}

/// Amplitudes within 3%, phases within 5°.
fn assert_within_tolerances(alpha: f64, (ca, cp, fa, fp): (f64, f64, f64, f64)) {
    assert!(
        ca.abs() < 0.03 && fa.abs() < 0.03,
        "alpha {alpha}: amplitudes off"
    );
    assert!(
        cp.abs() < 5.0 && fp.abs() < 5.0,
        "alpha {alpha}: phases off"
    );
}

#[test]
fn womersley_alpha_5() {
    // α 3 with f32 storage runs in the quick validation suite (tests/cli_validate.rs),
    // with the same tolerances.
    assert_within_tolerances(5.0, womersley(5.0, Precision::F32));
}

/// Half-float storage, same case and tolerances (amplitude 3%, phase 5°): the
/// oscillating force is strong enough (its peak changes a population by a relative
/// ~4ν/R² per step) for the half floats' rounding to stay small; the difference is
/// printed and reported in docs/test-checks.md.
#[test]
fn womersley_alpha_3_and_5_with_f16_storage() {
    for alpha in [3.0, 5.0] {
        assert_within_tolerances(alpha, womersley(alpha, Precision::F16));
    }
}

/// Inflow Q(t) = Q0 (1 + ½ sin ωt) through a Womersley inlet into a cylinder (R = 10
/// cells, 40 long, τ 0.8). Two checks, amplitude within 3% and phase within 5°: the
/// inlet delivers the imposed oscillation (its exact link flux), and in the middle of
/// the pipe the centreline velocity relates to the local flow as Womersley's profile
/// says. The local flow itself differs from the inlet's by the lattice's artificial
/// compressibility (a standing acoustic wave between the velocity inlet and the
/// pressure outlet, kL = 0.62 here), which is why the two are compared separately.
fn inlet_driven(alpha: f64) -> (f64, f64, f64, f64) {
    use embolus::lbm::womersley::profile;
    use embolus::scenario::LoadedScenario;
    use embolus::sim::build::lattice_setup;
    use embolus::sim::run::step_schedule;
    let ctx = gpu();
    let (nu, radius, dx) = (3.5e-6f64, 1e-3f64, 1e-4f64);
    // τ = 0.8: u_peak = 3ν u_lat/((τ − ½) dx); the sine's peak factor is 1.5.
    let u_peak = 3.0 * nu * 0.05 / (0.3 * dx);
    let mean_velocity = u_peak / (2.0 * 1.5);
    let dt = 0.05 * dx / u_peak;
    let r_eff_guess = radius;
    let period = 2.0 * PI / (alpha * alpha * nu / (r_eff_guess * r_eff_guess));
    let toml = format!(
        "[fluid]\ndensity = 1000.0\nviscosity = 3.5e-3\n[grid]\nvoxel_size = {dx}\n\
         [time]\nsteps = 1\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"cylinder\"\nradius = {radius}\nlength = 4.0e-3\n\
         [inlet]\nmean_velocity = {mean_velocity}\nprofile = \"womersley\"\nramp_time = 0.0\n\
         [inlet.waveform]\nkind = \"sine\"\nperiod = {period}\namplitude = 0.5\n"
    );
    let loaded = LoadedScenario::from_str(std::path::Path::new("w.toml"), &toml).unwrap();
    assert!((loaded.units.tau - 0.8).abs() < 1e-6 && (loaded.units.dt_s - dt).abs() < 1e-12);
    let setup = lattice_setup(&loaded.voxels, &loaded);
    assert!(setup.inlet_harmonics >= 1);
    assert!(
        setup.inlet_dynamics.iter().flatten().all(|v| v.is_finite()),
        "non-finite inlet coefficients"
    );
    let dims = setup.dims;
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let omega = 2.0 * PI * dt / period; // per step
    let nu_lattice = 0.1;
    let warmup = (12.0 * 100.0 / (5.78 * nu_lattice)) as u64;
    let mut done = 0u64;
    let advance = |lattice: &mut GpuLattice, to: u64, done: &mut u64| {
        while *done < to {
            let k = (to - *done).min(SCHEDULE_CAPACITY as u64);
            lattice.set_schedule(&ctx, &step_schedule(&loaded, setup.force, *done, k));
            lattice.step(&ctx, k as u32);
            *done += k;
        }
    };
    advance(&mut lattice, warmup, &mut done);
    let steps_per_period = 2.0 * PI / omega;
    let zmid = dims.nz / 2;
    let is_fluid =
        |x: usize, y: usize| setup.flags[dims.index(x, y, zmid)] & flags::TYPE_MASK == flags::FLUID;
    let plane_cells = (0..dims.nx * dims.ny)
        .filter(|&j| is_fluid(j % dims.nx, j / dims.nx))
        .count();
    let r_eff = (plane_cells as f64 / PI).sqrt();
    let (mut centre, mut flow, mut inflow) = (vec![], vec![], vec![]);
    for k in 0..40 {
        let target = warmup + ((k as f64 + 1.0) * steps_per_period / 40.0).round() as u64;
        advance(&mut lattice, target, &mut done);
        let pops = lattice.read_populations(&ctx).unwrap();
        let t = done as f64 - 0.5;
        let (uc, q) = centre_and_flow(&pops, dims, zmid, is_fluid);
        centre.push((t, uc));
        flow.push((t, q));
        inflow.push((t, lattice.probe(&ctx).unwrap().openings[0].inward_flux));
    }
    let mi = fit(&inflow, omega);
    let mc = fit(&centre, omega);
    let mf = fit(&flow, omega);
    // Flow oscillation: Q0 · ½ sin ωt = Re(−½ i Q0 e^{iωt}); Q0 in lattice units.
    let q0 = loaded.units.flow_rate_to_lattice(loaded.flow_rate_m3_s);
    let q_hat = C::new(0.0, -0.5 * q0);
    let alpha_eff = r_eff * (omega / nu_lattice).sqrt();
    let phi = profile(alpha_eff, 0.5f64.sqrt() / r_eff);
    // Centreline from the measured local flow (Womersley's flow-to-centreline relation).
    let local_flow = mf;
    let exact_centre = local_flow.scale(1.0 / (PI * r_eff * r_eff)) * phi;
    let amp = |m: C, e: C| m.abs() / e.abs() - 1.0;
    let phase = |m: C, e: C| ((m.arg() - e.arg()).to_degrees() + 540.0) % 360.0 - 180.0;
    let r = (
        amp(mc, exact_centre),
        phase(mc, exact_centre),
        amp(mi, q_hat),
        phase(mi, q_hat),
    );
    println!(
        "Womersley inlet alpha {alpha} (alpha_eff {alpha_eff:.3}, period {steps_per_period:.0} steps): centreline vs local flow: amplitude {:+.3}%, phase {:+.2} deg; delivered inflow oscillation: amplitude {:+.3}%, phase {:+.2} deg; mid-pipe flow / inflow amplitude {:.3}",
        100.0 * r.0, r.1, 100.0 * r.2, r.3, mf.abs() / mi.abs()
    );
    r
}

/// α = 3 only: at α = 5 (251 steps per period) the delivered oscillation falls 5.7%
/// short of the imposed one (docs/test-checks.md): the velocity inlet does not yet
/// compensate the lattice's compressibility at that frequency.
#[test]
fn womersley_inlet_alpha_3() {
    let (ca, cp, fa, fp) = inlet_driven(3.0);
    assert!(ca.abs() < 0.03 && fa.abs() < 0.03, "amplitudes off");
    assert!(cp.abs() < 5.0 && fp.abs() < 5.0, "phases off");
}
