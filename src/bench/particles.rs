//! The particle cases: particles advected in a pipe flow, the step time they add to
//! the flow's.

use super::timing::{difference, Timing};
use super::ParticleCase;
use crate::gpu::{GpuContext, GpuError};
use crate::sim::GpuLattice;
use std::time::Instant;

/// Times `count` particles (Y-90 resin spheres, released at once) advected in the
/// parabolic flow of a straight pipe in an `n`³ grid, against the flow alone. A
/// `settled_fraction` of them starts as exited (as lodged and exited particles are
/// late in a run): they should cost nothing.
pub fn time_particles(
    ctx: &GpuContext,
    n: usize,
    count: usize,
    settled_fraction: f64,
    min_seconds: f64,
) -> Result<ParticleCase, GpuError> {
    let dx = 1.0e-4;
    let scenario = format!(
        "[grid]\nvoxel_size = {dx:e}\n[time]\nsteps = 1\nlattice_velocity = 0.05\n\
         [geometry]\nshape = \"cylinder\"\nradius = {r:e}\nlength = {l:e}\n\
         [inlet]\nmean_velocity = 0.05\nramp_time = 0.0\n[particles]\nwrite_vtp = false\n\
         [[injections]]\nagent = \"y90_resin\"\nstart = 0.0\nduration = 1.0e-9\ncount = {count}\nopening = \"inlet\"\n",
        r = dx * (n as f64 / 2.0 - 1.0),
        l = dx * (n as f64 - 2.0),
    );
    let loaded =
        crate::scenario::LoadedScenario::from_str(std::path::Path::new("bench.toml"), &scenario)
            .map_err(|e| GpuError::Wgpu(format!("bench scenario: {e}")))?;
    let setup = crate::sim::build::lattice_setup(&loaded.voxels, &loaded);
    let coupling = crate::sim::Coupling::new(ctx, setup.dims.cells());
    let mut lattice = GpuLattice::coupled(ctx, &setup, &coupling)?;
    let cells = setup.dims.cells();
    drop(setup);
    let run = loaded
        .particles
        .as_ref()
        .expect("the bench injects particles");
    let mut plan = run.plan.clone();
    let settled = (settled_fraction * count as f64).round() as usize;
    for m in plan.meta.iter_mut().take(settled) {
        m[0] = crate::particles::plan::state::EXITED;
    }
    let geometry = crate::particles::fields::scenario_cell_geometry(&loaded);
    let particles = crate::sim::GpuParticles::new(
        ctx,
        &lattice,
        &coupling,
        &plan,
        &run.settings,
        &geometry,
        0,
    )?;
    // Batches of 4 steps, the flow alone and with the particles in turns; each
    // variant's time per step is the median of its batches, and the difference is
    // reported only where it exceeds the batches' spread.
    let batch = |with: bool, lattice: &mut GpuLattice| -> Result<f64, GpuError> {
        let hook: Option<&dyn crate::sim::StepHook> = if with { Some(&particles) } else { None };
        let t = Instant::now();
        lattice.step_with(ctx, 4, hook);
        ctx.finish()?;
        Ok(t.elapsed().as_secs_f64() / 4.0)
    };
    batch(false, &mut lattice)?; // warm-up: shader compilation
    batch(true, &mut lattice)?;
    let (mut flow, mut both) = (Vec::new(), Vec::new());
    let t = Instant::now();
    while flow.len() < 7 || t.elapsed().as_secs_f64() < 2.0 * min_seconds {
        flow.push(batch(false, &mut lattice)?);
        both.push(batch(true, &mut lattice)?);
    }
    let steps = 4 * flow.len() as u64;
    let (flow, both) = (Timing::of(&flow), Timing::of(&both));
    let (added, noise, resolved) = difference(&flow, &both);
    let mut name = format!("particles {count:e} in {n}^3");
    if settled > 0 {
        name += &format!(", {:.0}% settled", 100.0 * settled_fraction);
    }
    Ok(ParticleCase {
        name,
        particles: count,
        settled,
        cells,
        steps,
        step_s_flow: flow.median_s,
        step_s_with_particles: both.median_s,
        step_s_flow_spread: flow.spread_s,
        step_s_with_particles_spread: both.spread_s,
        added_percent: 100.0 * added / flow.median_s,
        added_noise_percent: 100.0 * noise / flow.median_s,
        resolved,
        mpups: resolved.then(|| (count - settled) as f64 / added.max(1e-12) / 1e6),
    })
}
