//! The frame renderer of a run ([render]), bound to the lattice's cell table, the
//! coupled velocity field and the particles' buffers.

use super::error::RunError;
use crate::gpu::GpuContext;
use crate::scenario::LoadedScenario;
use crate::sim::lattice_gpu::GpuLattice;
use crate::sim::particle_recorder::ParticleRecorder;
use std::path::Path;

/// The frame renderer of a run, bound to the lattice's and particles' buffers.
pub fn render_session(
    ctx: &GpuContext,
    loaded: &LoadedScenario,
    lattice: &GpuLattice,
    particles: &Option<ParticleRecorder>,
    plan: &crate::scenario::outputs::RenderPlan,
    out: &Path,
    start_step: u64,
) -> Result<crate::render::session::RenderSession, RunError> {
    use crate::render::frame_gpu::RenderInputs;
    use crate::render::session::{RenderGeometry, RenderSession};
    let voxels = &loaded.voxels;
    let units = &loaded.units;
    let parts = particles.as_ref().map(|p| p.gpu.render_buffers());
    let inputs = RenderInputs {
        dims: voxels.dims,
        flags: lattice.cell_table(),
        cell_table_constants: lattice.cell_table_constants(),
        flow: lattice.coupling().velocity_field(),
        solid: parts.map(|p| p.2),
        particles: parts.map(|p| (p.0, p.1, p.3)),
    };
    let inlet = voxels
        .openings
        .iter()
        .find(|o| o.role == crate::geometry::Role::Inlet);
    let outlet = voxels
        .openings
        .iter()
        .find(|o| o.role == crate::geometry::Role::Outlet);
    let geometry = RenderGeometry {
        dims: [voxels.dims.nx, voxels.dims.ny, voxels.dims.nz],
        origin_m: voxels.origin_m,
        cell_m: voxels.voxel_size_m,
        inlet_centre_m: inlet.map(|o| o.centre_m),
        outlet_centre_m: outlet.map(|o| o.centre_m),
        speed_unit_m_s: units.velocity_to_si(1.0),
        default_max_speed_m_s: units.peak_velocity_m_s,
        frames_expected: (loaded.steps / plan.every) as usize + 1,
        has_particles: particles.is_some(),
        fluid: (plan.spec.camera == crate::scenario::schema::CameraKind::Fly).then(|| {
            voxels
                .kinds
                .iter()
                .map(|k| *k != crate::geometry::CellKind::Wall)
                .collect()
        }),
        solid_scale: crate::sim::particles_gpu::SOLID_SCALE,
    };
    RenderSession::new(
        ctx,
        &inputs,
        &plan.spec,
        geometry,
        &out.join("render"),
        &loaded.name(),
        start_step.div_ceil(plan.every) as usize,
    )
    .map_err(RunError::from)
}
