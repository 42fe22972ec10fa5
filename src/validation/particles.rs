//! Particle validation cases: one particle in quiescent blood in a periodic box,
//! against analytic terminal velocities (Stokes settling; Schiller–Naumann drag at
//! Re_p = 10; docs/references.md, "Particle motion").

use crate::geometry::{CellKind, Voxels};
use crate::gpu::{GpuContext, GpuError};
use crate::lbm::lattice::flags;
use crate::lbm::{CollisionModel, GridDims, LatticeSetup, Relaxation};
use crate::particles::agents::Agent;
use crate::particles::plan;
use crate::particles::sizes::SizeDistribution;
use crate::particles::spec::{InjectionSpec, MagnetSpec, ParticlesSpec};
use crate::sim::{GpuLattice, GpuParticles};
use crate::units::LatticeUnits;

pub const RHO_BLOOD: f64 = 1060.0;
pub const MU_BLOOD: f64 = 0.0035;
pub const G: f64 = 9.81;

/// Terminal settling velocity [m/s] (downwards positive) of one particle released at
/// rest near the top of a quiescent periodic box of `n` cells of size `dx` [m], the
/// lattice at relaxation time `tau`, after `steps` steps.
pub fn settling_velocity(
    ctx: &GpuContext,
    density: f64,
    diameter: f64,
    dx: f64,
    tau: f64,
    n: [usize; 3],
    steps: u32,
) -> Result<f64, GpuError> {
    let agent = Agent {
        density,
        diameter: SizeDistribution::Fixed { diameter },
        magnetic_susceptibility: 0.0,
        restitution: 0.5,
        sticking_probability: 0.0,
        source: "test".into(),
    };
    let v = terminal_velocity(
        ctx,
        agent,
        dx,
        tau,
        n,
        steps,
        &ParticlesSpec::default(),
        &[],
        0.9,
    )?;
    Ok(-v[2])
}

/// Velocity [m/s] of one particle of `agent` released at rest in a quiescent periodic
/// box (`n` cells of `dx` m, relaxation time `tau`) at height fraction `height`, after
/// `steps` steps, under `spec`'s gravity and `magnets`.
#[allow(clippy::too_many_arguments)]
pub fn terminal_velocity(
    ctx: &GpuContext,
    agent: Agent,
    dx: f64,
    tau: f64,
    n: [usize; 3],
    steps: u32,
    spec: &ParticlesSpec,
    magnets: &[MagnetSpec],
    height: f64,
) -> Result<[f64; 3], GpuError> {
    let nu = MU_BLOOD / RHO_BLOOD;
    let dt = (tau - 0.5) / 3.0 * dx * dx / nu;
    let units = LatticeUnits::derive(dx, RHO_BLOOD, MU_BLOOD, 0.05 * dx / dt, 0.0, 0.0, 0.05);
    let dims = GridDims::new(n[0], n[1], n[2]);
    let voxels = Voxels {
        dims,
        voxel_size_m: dx,
        origin_m: [0.0; 3],
        kinds: vec![CellKind::Fluid; dims.cells()],
        openings: vec![],
        removed_unconnected: 0,
    };
    let centre = [
        n[0] as f64 * dx / 2.0,
        n[1] as f64 * dx / 2.0,
        n[2] as f64 * dx * height,
    ];
    let injection: InjectionSpec = toml::from_str(&format!(
        "agent = \"test\"\nduration = {dt}\ncount = 1\ntip = [{}, {}, {}]\ncatheter_radius = 0.0\n",
        centre[0], centre[1], centre[2]
    ))
    .map_err(|e| GpuError::Wgpu(format!("settling case: {e}")))?;
    let agents = [("test".to_string(), agent)].into_iter().collect();
    let tables = plan::ParticleTables {
        spec,
        agents: &agents,
        injections: &[injection],
        magnets,
        capture_diameters_m: &[],
    };
    let (plan, settings) = plan::build(&tables, &voxels, &units, 0.0, MU_BLOOD)
        .map_err(|e| GpuError::Wgpu(format!("settling case: {e:?}")))?;
    let setup = LatticeSetup::at_equilibrium(
        dims,
        vec![flags::FLUID; dims.cells()],
        vec![],
        0,
        Relaxation::new(tau, CollisionModel::default()),
        [0.0; 3],
        |_| (0.0, [0.0; 3]),
    );
    let coupling = crate::sim::Coupling::new(ctx, setup.dims.cells());
    let mut lattice = GpuLattice::coupled(ctx, &setup, &coupling)?;
    let open = vec![[1.0e6f32, 1.0e6, 0.0, 0.0]; dims.cells()];
    let particles = GpuParticles::new(ctx, &lattice, &coupling, &plan, &settings, &open, 0)?;
    lattice.step_with(ctx, steps, Some(&particles));
    let status = particles.read_status(ctx)?;
    if status[0][0] != plan::state::FREE {
        return Err(GpuError::Wgpu(
            "the settling particle stopped before its terminal velocity was measured".into(),
        ));
    }
    let v = particles.read_velocities(ctx)?[0];
    Ok([0, 1, 2].map(|a| v[a] as f64 * dx / dt))
}

/// A 25 µm glass sphere (3.3 g/mL) settling in blood against Stokes' velocity
/// (ρp − ρ) g d²/(18 μ) = 218 µm/s (docs/references.md): (simulated, Stokes) [m/s].
pub fn stokes_settling(ctx: &GpuContext) -> Result<(f64, f64), GpuError> {
    let (rho_p, d) = (3300.0, 25e-6);
    let stokes = (rho_p - RHO_BLOOD) * G * d * d / (18.0 * MU_BLOOD);
    let v = settling_velocity(ctx, rho_p, d, 1e-4, 1.0, [16, 16, 16], 400)?;
    Ok((v, stokes))
}

/// A 1 mm sphere whose terminal Reynolds number is 10 by the published drag
/// coefficient C_D(10) = 4.151 (docs/references.md): the force balance
/// (ρp − ρ) g π d³/6 = C_D ½ ρ v² π d²/4 at v = 10 ν/d gives ρp; returns (simulated
/// terminal velocity, 10 ν/d) [m/s].
pub fn schiller_naumann_re10(ctx: &GpuContext) -> Result<(f64, f64), GpuError> {
    let d = 1e-3;
    let nu = MU_BLOOD / RHO_BLOOD;
    let v_ref = 10.0 * nu / d;
    let rho_p = RHO_BLOOD + 3.0 * RHO_BLOOD * 4.151 * v_ref * v_ref / (4.0 * G * d);
    let v = settling_velocity(ctx, rho_p, d, 1e-3, 0.51, [8, 8, 48], 400)?;
    Ok((v, v_ref))
}
