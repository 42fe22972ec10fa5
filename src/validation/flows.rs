//! Flow validation cases with analytic solutions: shear-wave decay, plane and pipe
//! Poiseuille, Womersley flow. Each returns its measured errors; the tolerances are
//! stated by the callers (the validation suite in `super::suite`, the cargo tests).

use super::support::{circular_pipe, gpu_run, macroscopic, plane_channel_flags};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::equilibrium::{density_velocity, gather};
use crate::lbm::lattice::flags;
use crate::lbm::setup::Precision;
use crate::lbm::womersley::{bessel_j, womersley_z, Complex as C};
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::scenario::schema::WallTreatment;
use crate::scenario::LoadedScenario;
use crate::sim::build::lattice_setup;
use crate::sim::lattice_gpu::{StepState, SCHEDULE_CAPACITY};
use crate::sim::GpuLattice;
use std::f64::consts::PI;
use std::path::Path;

/// A fully periodic box of fluid initialised from `init` (density deviation, velocity).
pub fn periodic(
    dims: GridDims,
    tau: f64,
    model: CollisionModel,
    init: impl Fn([usize; 3]) -> (f32, [f32; 3]),
) -> LatticeSetup {
    LatticeSetup::at_equilibrium(
        dims,
        vec![flags::FLUID; dims.cells()],
        vec![],
        0,
        Relaxation::new(tau, model),
        [0.0; 3],
        |i| init(dims.coords(i)),
    )
}

/// Amplitude of u_x ∝ sin(2πy/L), projected over the whole box.
fn shear_amplitude(setup: &LatticeSetup, populations: &[f32]) -> f64 {
    let d = setup.dims;
    let fields = macroscopic(setup, populations);
    let mut sum = 0.0;
    for (i, (_, u)) in fields.iter().enumerate() {
        let y = d.coords(i)[1] as f64;
        sum += u[0] as f64 * (2.0 * PI * y / d.ny as f64).sin();
    }
    2.0 * sum / d.cells() as f64
}

/// u_x = U sin(2πy/L) in a 4 × 32 × 4 periodic box decays as exp(−ν k² t)
/// (docs/references.md): the measured ν relative to (τ − ½)/3, minus one.
pub fn shear_wave_viscosity_error(
    ctx: &GpuContext,
    tau: f64,
    model: CollisionModel,
) -> Result<f64, GpuError> {
    let dims = GridDims::new(4, 32, 4);
    let k = 2.0 * PI / dims.ny as f64;
    let setup = periodic(dims, tau, model, |[_, y, _]| {
        (
            0.0,
            [
                0.01 * (2.0 * PI * y as f64 / dims.ny as f64).sin() as f32,
                0.0,
                0.0,
            ],
        )
    });
    let expected = (tau - 0.5) / 3.0;
    // Start measuring after the initial non-equilibrium transient (a few τ).
    let (t1, t2) = (40u32, 40 + (1.0 / (expected * k * k)) as u32);
    let a1 = shear_amplitude(&setup, &gpu_run(ctx, &setup, t1)?);
    let a2 = shear_amplitude(&setup, &gpu_run(ctx, &setup, t2)?);
    let measured = (a1 / a2).ln() / (k * k * (t2 - t1) as f64);
    Ok((measured - expected) / expected)
}

/// Plane Poiseuille: walls at y = 0 and y = H+1 (H = 16), periodic in x and z, force
/// along x, against u(y) = F/(2ρν) (y − ½)(H + ½ − y) (walls halfway between nodes):
/// the L2 relative error of the profile at steady state.
pub fn plane_poiseuille_error(
    ctx: &GpuContext,
    tau: f64,
    precision: Precision,
) -> Result<f64, GpuError> {
    let h = 16usize;
    let dims = GridDims::new(2, h + 2, 2);
    let cell_flags = plane_channel_flags(dims, h);
    let nu = (tau - 0.5) / 3.0;
    let u_max = 0.02;
    // u_max = F H² / (8 ρ ν)
    let force = (8.0 * nu * u_max / (h * h) as f64) as f32;
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [force, 0.0, 0.0],
        |_| (0.0, [0.0; 3]),
    );
    setup.precision = precision;
    // Slowest mode decays at ν π²/H² per step: run 14 e-folds.
    let steps = (14.0 * (h * h) as f64 / (nu * PI.powi(2))) as u32;
    let fields = macroscopic(&setup, &gpu_run(ctx, &setup, steps)?);
    let (mut err2, mut ref2) = (0.0f64, 0.0f64);
    for y in 1..=h {
        let u = fields[dims.index(0, y, 0)].1[0] as f64;
        let yy = y as f64;
        let exact = force as f64 / (2.0 * nu) * (yy - 0.5) * (h as f64 + 0.5 - yy);
        err2 += (u - exact).powi(2);
        ref2 += exact * exact;
    }
    Ok((err2 / ref2).sqrt())
}

/// Errors of a cylinder Poiseuille run against Hagen–Poiseuille.
pub struct PipeResult {
    pub radius_cells: usize,
    pub centreline_error: f64,
    pub flow_error: f64,
}

/// Steady flow through a straight cylinder of radius `n` cells, set up from a scenario
/// in SI units; errors of centreline velocity and flow rate against Hagen–Poiseuille
/// for the pressure gradient measured in the middle third of the pipe.
pub fn pipe_poiseuille(
    ctx: &GpuContext,
    n: usize,
    precision: Precision,
) -> Result<PipeResult, GpuError> {
    pipe_poiseuille_with(ctx, n, precision, WallTreatment::Halfway)
}

/// [`pipe_poiseuille`] with the given wall treatment: halfway walls are compared with
/// the circle of the lumen's voxel area (where halfway bounce-back puts the wall),
/// interpolated walls with the true radius.
pub fn pipe_poiseuille_with(
    ctx: &GpuContext,
    n: usize,
    precision: Precision,
    walls: WallTreatment,
) -> Result<PipeResult, GpuError> {
    // τ = 1 (ν = 1/6 lattice) with lattice velocity 0.02: u_peak = 6 ν u_lat / dx.
    let radius = 1e-3;
    let dx = radius / n as f64;
    let nu = 3.5e-6;
    let mean_velocity = 3.0 * nu * 0.02 / dx;
    let nu_lattice = 1.0 / 6.0;
    // Slowest viscous mode of a pipe decays at ν j₀₁²/R² (j₀₁ = 2.405); 14 e-folds.
    let steps = (14.0 * (n * n) as f64 / (nu_lattice * 5.783)) as u64;
    let toml = format!(
        "[fluid]\ndensity = 1000.0\nviscosity = 3.5e-3\n[grid]\nvoxel_size = {dx}\n\
         [time]\nsteps = {steps}\nlattice_velocity = 0.02\n\
         [geometry]\nshape = \"cylinder\"\nradius = {radius}\nlength = {}\naxis = \"z\"\n\
         [inlet]\nmean_velocity = {mean_velocity}\nprofile = \"parabolic\"\n[outlet]\npressure = 0.0\nnon_reflecting = false\n\
         [lbm]\nprecision = \"{}\"\nwalls = \"{}\"\n",
        6.0 * radius,
        precision.name(),
        match walls {
            WallTreatment::Halfway => "halfway",
            WallTreatment::Interpolated => "interpolated",
        }
    );
    // A plain pressure outlet: the non-reflecting one's slow flux filter adds a mode of
    // a few hundred steps that this short run to steady state would still carry.
    let loaded = LoadedScenario::from_str(Path::new("pipe.toml"), &toml)
        .map_err(|e| GpuError::Wgpu(format!("pipe scenario: {e}")))?;
    let voxels = &loaded.voxels;
    let setup = lattice_setup(voxels, &loaded);
    let fields = macroscopic(&setup, &gpu_run(ctx, &setup, steps as u32)?);
    let d = setup.dims;
    let is_fluid = |i: usize| setup.flags[i] & flags::TYPE_MASK == flags::FLUID;
    let plane = |z: usize| (0..d.nx * d.ny).map(move |j| j + z * d.nx * d.ny);
    let mean_pressure = |z: usize| {
        let cells: Vec<usize> = plane(z).filter(|&i| is_fluid(i)).collect();
        cells
            .iter()
            .map(|&i| (fields[i].0 as f64 - 1.0) / 3.0)
            .sum::<f64>()
            / cells.len() as f64
    };
    let (z1, z2) = (d.nz / 3, 2 * d.nz / 3);
    let gradient = (mean_pressure(z1) - mean_pressure(z2)) / (z2 - z1) as f64;
    let zm = d.nz / 2;
    let mu = nu_lattice * (1.0 + 3.0 * mean_pressure(zm));
    // Hagen–Poiseuille for the voxelized lumen: the radius of the circle with the
    // lumen's cross-section area (halfway bounce-back puts the wall between cells,
    // so the lumen area is exactly the fluid-cell count).
    let r = match walls {
        WallTreatment::Halfway => {
            (voxels.openings[0].cells.len() as f64 / std::f64::consts::PI).sqrt()
        }
        WallTreatment::Interpolated => n as f64,
    };
    // The axis lies on the corner of the 4 central cells: r_c² = ½ (cells²).
    let c = d.nx / 2;
    let centre: f64 = [(c - 1, c - 1), (c, c - 1), (c - 1, c), (c, c)]
        .iter()
        .map(|&(x, y)| fields[d.index(x, y, zm)].1[2] as f64)
        .sum::<f64>()
        / 4.0;
    let centre_exact = gradient * (r * r - 0.5) / (4.0 * mu);
    let flow: f64 = plane(zm)
        .filter(|&i| is_fluid(i))
        .map(|i| fields[i].1[2] as f64)
        .sum();
    let flow_exact = std::f64::consts::PI * r.powi(4) * gradient / (8.0 * mu);
    Ok(PipeResult {
        radius_cells: n,
        centreline_error: (centre - centre_exact) / centre_exact,
        flow_error: (flow - flow_exact) / flow_exact,
    })
}

/// Least-squares slope of log(error) against log(1/R): the observed order.
pub fn observed_order(results: &[PipeResult]) -> f64 {
    let (lx, ly): (Vec<f64>, Vec<f64>) = results
        .iter()
        .map(|r| ((1.0 / r.radius_cells as f64).ln(), r.flow_error.abs().ln()))
        .unzip();
    let k = lx.len() as f64;
    let (mx, my) = (lx.iter().sum::<f64>() / k, ly.iter().sum::<f64>() / k);
    lx.iter()
        .zip(&ly)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum::<f64>()
        / lx.iter().map(|x| (x - mx).powi(2)).sum::<f64>()
}

/// Axial velocity on the pipe axis (mean of the four cells around it) and the flow
/// through the plane z (sum over lumen cells), from read-back populations.
pub fn centre_and_flow(
    pops: &[f32],
    dims: GridDims,
    z: usize,
    lumen: impl Fn(usize, usize) -> bool,
) -> (f64, f64) {
    let cells = dims.cells();
    let u = |x: usize, y: usize| {
        density_velocity(&gather(pops, cells, dims.index(x, y, z)), [0.0; 3]).1[2] as f64
    };
    let c = dims.nx / 2;
    let centre = [(c - 1, c - 1), (c, c - 1), (c - 1, c), (c, c)]
        .iter()
        .map(|&(x, y)| u(x, y))
        .sum::<f64>()
        / 4.0;
    let flow = (0..dims.nx * dims.ny)
        .filter(|&j| lumen(j % dims.nx, j / dims.nx))
        .map(|j| u(j % dims.nx, j / dims.nx))
        .sum::<f64>();
    (centre, flow)
}

/// Least-squares a cos ωt + b sin ωt + c through the samples; returns the complex
/// amplitude â = a − i b of u = Re(â e^{iωt}).
pub fn fit(samples: &[(f64, f64)], omega: f64) -> C {
    let mut m = [[0.0f64; 3]; 3];
    let mut v = [0.0f64; 3];
    for &(t, u) in samples {
        let basis = [(omega * t).cos(), (omega * t).sin(), 1.0];
        for i in 0..3 {
            v[i] += basis[i] * u;
            for j in 0..3 {
                m[i][j] += basis[i] * basis[j];
            }
        }
    }
    // Gaussian elimination on the 3×3 normal equations.
    for col in 0..3 {
        for row in col + 1..3 {
            let f = m[row][col] / m[col][col];
            let pivot = m[col];
            for (target, p) in m[row].iter_mut().zip(pivot).skip(col) {
                *target -= f * p;
            }
            v[row] -= f * v[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        x[row] = (v[row] - (row + 1..3).map(|k| m[row][k] * x[k]).sum::<f64>()) / m[row][row];
    }
    C::new(x[0], -x[1])
}

/// Womersley flow in a straight periodic pipe (R = 10 cells, τ 0.8) driven by an
/// oscillating body force G cos ωt, against the analytic solution (docs/references.md):
/// relative amplitude errors and phase errors [degrees] of the centreline velocity
/// and of the flow rate, after the start-up transient.
pub fn womersley(
    ctx: &GpuContext,
    alpha: f64,
    precision: Precision,
) -> Result<WomersleyErrors, GpuError> {
    let r_cells = 10usize;
    let n = 2 * r_cells + 2;
    let (dims, cell_flags, lumen) = circular_pipe(n, 4, r_cells as f64);
    let inside = |x: usize, y: usize| lumen[x + n * y];
    let fluid_per_plane = (0..n * n).filter(|&j| inside(j % n, j / n)).count();
    // Halfway bounce-back: the lumen is the fluid cells; compare with the circle of
    // the same area (as for Poiseuille, docs/test-checks.md).
    let radius = (fluid_per_plane as f64 / PI).sqrt();
    let tau = 0.8;
    let nu = (tau - 0.5) / 3.0;
    let omega = alpha * alpha * nu / (radius * radius);
    let g = 4.0 * nu * 0.02 / (radius * radius);
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        vec![],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [0.0; 3],
        |_| (0.0, [0.0; 3]),
    );
    setup.precision = precision;
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let period = 2.0 * PI / omega;
    // Start-up: the slowest viscous mode decays as exp(−5.78 ν t/R²); 12 e-folds.
    let warmup = (12.0 * radius * radius / (5.78 * nu)).ceil() as u64;
    let mut done = 0u64;
    let run = |lattice: &mut GpuLattice, steps: u64, done: &mut u64| {
        let mut left = steps;
        while left > 0 {
            let k = left.min(SCHEDULE_CAPACITY as u64);
            let schedule: Vec<StepState> = (0..k)
                .map(|s| {
                    StepState::new(
                        *done + s,
                        1.0,
                        [0.0, 0.0, (g * (omega * (*done + s) as f64).cos()) as f32],
                    )
                })
                .collect();
            lattice.set_schedule(ctx, &schedule);
            lattice.step(ctx, k as u32);
            *done += k;
            left -= k;
        }
    };
    run(&mut lattice, warmup, &mut done);
    let samples_per_period = 40;
    let mut centre = Vec::new();
    let mut flow = Vec::new();
    for k in 0..samples_per_period {
        let target =
            warmup + ((k as f64 + 1.0) * period / samples_per_period as f64).round() as u64;
        run(&mut lattice, target - done, &mut done);
        let pops = lattice.read_populations(ctx)?;
        // The force of step s acts during that step; the state after `done` steps sits
        // half a step after the force sample s = done − 1.
        let t = done as f64 - 0.5;
        let (uc, q) = centre_and_flow(&pops, dims, 0, inside);
        centre.push((t, uc));
        flow.push((t, q));
    }
    let measured_centre = fit(&centre, omega);
    let measured_flow = fit(&flow, omega);
    // Analytic, with ρ = 1 and the force as the pressure gradient.
    let z = womersley_z(radius * (omega / nu).sqrt());
    let prefactor = C::new(g, 0.0) / C::new(0.0, omega);
    let r_centre = 0.5f64.sqrt();
    let j0z = bessel_j(0, z);
    let one = C::new(1.0, 0.0);
    let exact_centre = prefactor * (one - bessel_j(0, z.scale(r_centre / radius)) / j0z);
    let exact_flow =
        prefactor.scale(PI * radius * radius) * (one - bessel_j(1, z).scale(2.0) / (z * j0z));
    let amp = |m: C, e: C| m.abs() / e.abs() - 1.0;
    let phase = |m: C, e: C| {
        let d = (m.arg() - e.arg()).to_degrees();
        (d + 540.0) % 360.0 - 180.0
    };
    Ok(WomersleyErrors {
        centre_amplitude: amp(measured_centre, exact_centre),
        centre_phase_deg: phase(measured_centre, exact_centre),
        flow_amplitude: amp(measured_flow, exact_flow),
        flow_phase_deg: phase(measured_flow, exact_flow),
        radius_cells: radius,
        period_steps: period,
    })
}

/// Womersley errors: relative amplitude errors and phase errors [degrees].
#[derive(Clone, Copy, Debug)]
pub struct WomersleyErrors {
    pub centre_amplitude: f64,
    pub centre_phase_deg: f64,
    pub flow_amplitude: f64,
    pub flow_phase_deg: f64,
    /// Area-equivalent radius [cells] and period [steps] of the case.
    pub radius_cells: f64,
    pub period_steps: f64,
}
