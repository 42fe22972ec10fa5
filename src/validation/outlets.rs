//! Outlet validation cases on the GPU: resistances set the flow split, a 3-element
//! Windkessel settles at (R_p + R_d) Q and charges with the time constant R_d C.

use crate::gpu::{GpuContext, GpuError};
use crate::lbm::outlets::OutletModel;
use crate::scenario::LoadedScenario;
use crate::sim::build::lattice_setup;
use crate::sim::GpuLattice;
use std::path::Path;

fn scenario(name: &str, toml: &str) -> Result<LoadedScenario, GpuError> {
    LoadedScenario::from_str(Path::new(name), toml)
        .map_err(|e| GpuError::Wgpu(format!("{name}: {e}")))
}

/// A Y-bifurcation (parent radius 4 cells, Murray daughters at ±30°, τ 0.6, very slow
/// flow) whose outlets have resistances R1 and R2 = 2 R1, far above the daughters'
/// own: the ratio of their flows Q1/Q2 at steady state (R2/R1 = 2 expected).
pub fn resistance_split(ctx: &GpuContext) -> Result<f64, GpuError> {
    let toml = "[fluid]\nviscosity = 0.0035\n[grid]\nvoxel_size = 1.0e-4\n\
                [time]\nsteps = 1\nlattice_velocity = 0.0016\n\
                [geometry]\nshape = \"bifurcation\"\nparent_radius = 4.0e-4\nparent_length = 2.0e-3\n\
                daughter_length = 2.0e-3\nangles_deg = [30.0, 30.0]\n\
                [inlet]\nmean_velocity = 0.001\n";
    let loaded = scenario("bifurcation.toml", toml)?;
    let mut setup = lattice_setup(&loaded.voxels, &loaded);
    let r1 = 2.5f32;
    setup.outlet_models = vec![
        OutletModel::Pressure { delta_density: 0.0 },
        OutletModel::Resistance {
            resistance: r1,
            distal_delta_density: 0.0,
        },
        OutletModel::Resistance {
            resistance: 2.0 * r1,
            distal_delta_density: 0.0,
        },
    ];
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    lattice.step(ctx, 8000);
    let s = lattice.outlet_state(ctx)?;
    if !(s[1][2] > 0.0 && s[2][2] > 0.0) {
        return Err(GpuError::Wgpu(format!(
            "resistance case: outlet flows {} and {} are not positive",
            s[1][2], s[2][2]
        )));
    }
    Ok((s[1][2] / s[2][2]) as f64)
}

/// A straight cylinder along z (radius and length [m], 0.1 mm voxels) whose outlet is
/// a 3-element Windkessel (lattice units), inflow 1 mm/s.
pub fn windkessel_cylinder(
    radius: f64,
    length: f64,
    (rp, c, rd): (f32, f32, f32),
) -> Result<(LoadedScenario, crate::lbm::LatticeSetup), GpuError> {
    let toml = format!(
        "[grid]\nvoxel_size = 1.0e-4\n[time]\nsteps = 1\nlattice_velocity = 0.002\n\
         [geometry]\nshape = \"cylinder\"\nradius = {}\nlength = {}\n\
         [inlet]\nmean_velocity = 0.001\nramp_time = 0.0\n",
        radius, length
    );
    let loaded = scenario("wk.toml", &toml)?;
    let mut setup = lattice_setup(&loaded.voxels, &loaded);
    setup.outlet_models = vec![
        OutletModel::Pressure { delta_density: 0.0 },
        OutletModel::Windkessel {
            proximal: rp,
            compliance: c,
            distal: rd,
            distal_delta_density: 0.0,
        },
    ];
    Ok((loaded, setup))
}

/// Steady inflow through a Windkessel outlet (R_p 0.05, R_d 0.1, C 2000, lattice
/// units): relative errors of the outlet δρ against (R_p + R_d) Q and of the capacitor
/// pressure against R_d Q after 6,000 steps. The slowest mode is the domain's own
/// compliance (its ~1,600 fluid cells) discharging through R_p + R_d, e-folding in
/// ~300 steps, so 6,000 steps leave ~1e-5 of the start-up (resistances ten times
/// larger took 30,000 steps to the same figure).
pub fn windkessel_steady(ctx: &GpuContext) -> Result<(f64, f64), GpuError> {
    let (rp, rd, c) = (0.05f32, 0.1f32, 2000.0f32);
    let (_, setup) = windkessel_cylinder(5.0e-4, 2.0e-3, (rp, c, rd))?;
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    lattice.step(ctx, 6_000);
    let s = lattice.outlet_state(ctx)?;
    let q = s[1][2] as f64;
    let expected = (rp + rd) as f64 * q;
    Ok((
        (s[1][0] as f64 - expected) / expected,
        (s[1][1] as f64 - rd as f64 * q) / (rd as f64 * q),
    ))
}

/// A step in inflow (from rest to Q) charges the Windkessel's capacitor (R_p 0.025,
/// R_d 0.25, C 20,000) as p_c(t) = R_d Q (1 − e^{−t/(R_d C)}): the time constant
/// fitted to 15 samples over three of them, R_d C (5,000 steps), and the fluid cells
/// (whose compressibility adds to C).
pub fn windkessel_charging(ctx: &GpuContext) -> Result<(f64, f64, usize), GpuError> {
    let (rp, rd, c) = (0.025f32, 0.25f32, 20_000.0f32);
    let (loaded, setup) = windkessel_cylinder(3.0e-4, 1.0e-3, (rp, c, rd))?;
    let fluid = loaded.voxels.fluid_cells();
    let mut lattice = GpuLattice::new(ctx, &setup)?;
    let mut samples = vec![];
    let every = (rd * c / 5.0) as u32;
    for k in 1..=15 {
        lattice.step(ctx, every);
        let s = lattice.outlet_state(ctx)?;
        samples.push(((k * every) as f64, s[1][1] as f64, s[1][2] as f64));
    }
    let q = samples.last().map_or(0.0, |s| s.2);
    let p_inf = rd as f64 * q;
    // Least-squares slope of ln(1 − p_c/p_∞) against t.
    let points: Vec<(f64, f64)> = samples
        .iter()
        .filter(|(_, p, _)| *p < 0.98 * p_inf)
        .map(|&(t, p, _)| (t, (1.0 - p / p_inf).ln()))
        .collect();
    let n = points.len() as f64;
    let (mt, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let slope = points.iter().map(|p| (p.0 - mt) * (p.1 - my)).sum::<f64>()
        / points.iter().map(|p| (p.0 - mt).powi(2)).sum::<f64>();
    Ok((-1.0 / slope, (rd * c) as f64, fluid))
}
