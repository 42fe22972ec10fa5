//! The end of a run with [dosimetry]: the partition-model doses per territory, and
//! the voxel dose map with its files (dose.vti, dvh.csv, plots/dvh.png).

use super::error::{io_err, RunError};
use crate::dosimetry::map::{compute, SpherePositions};
use crate::dosimetry::output::write_dose_files;
use crate::dosimetry::{doses, DoseSummary, DosimetryPlan};
use crate::gpu::GpuContext;
use crate::sim::particle_recorder::ParticleRecorder;
use std::path::Path;

pub(super) fn dosimetry(
    out: &Path,
    ctx: &GpuContext,
    plan: &DosimetryPlan,
    particles: &ParticleRecorder,
) -> Result<DoseSummary, RunError> {
    let fates = particles.sphere_fates();
    let mut summary = doses(plan, &fates);
    let lodged = particles.lodged_positions_m(ctx)?;
    let map = compute(plan, &fates, &SpherePositions { lodged_m: &lodged });
    write_dose_files(out, &map).map_err(io_err(out))?;
    summary.dose_map = Some(map.summary);
    Ok(summary)
}
