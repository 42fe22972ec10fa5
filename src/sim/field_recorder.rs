//! Field output of a run: samples the GPU fields on the scenario's region, converts
//! them to SI and writes fields/fields_<step>.vti and fields.pvd; follows the wall
//! shear stress (mean now, time average and oscillatory shear index) for
//! summary.json and the report.

use super::fields_gpu::{wall_adjacent_cells, GpuFields};
use super::particles_gpu::GpuParticles;
use super::wall_output::WallOutput;
use super::GpuLattice;
use crate::geometry::stl_wall::stl_wall_mesh;
use crate::geometry::wall_surface::{wall_mesh, WallMesh};
use crate::geometry::WallSurface;
use crate::gpu::{GpuContext, GpuError};
use crate::io::vtk::{write_vti, Compression, VtiArray, VtiData};
use crate::io::vtp::write_pvd;
use crate::particles::plan::state;
use crate::scenario::outputs::FieldPlan;
use crate::scenario::schema::FieldName;
use crate::scenario::LoadedScenario;
use crate::units::LatticeUnits;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Wall shear stress over the vessel wall, for summary.json.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WallShearSummary {
    /// Wall-adjacent fluid cells the statistics cover.
    pub wall_cells: usize,
    /// Mean and largest WSS magnitude at the end [Pa].
    pub mean_wss_pa: f64,
    pub max_wss_pa: f64,
    /// Time-averaged WSS, mean over the wall [Pa], and mean oscillatory shear index,
    /// over `samples` samples from `averaged_from_s`; `None` before the first sample.
    pub mean_tawss_pa: Option<f64>,
    pub mean_osi: Option<f64>,
    pub samples: u64,
    pub averaged_from_s: f64,
    /// The same per branch (with two or more outlets): the wall of the lumen cells
    /// that drain to each outlet (`particles::fields::branch_labels`).
    #[serde(default)]
    pub by_branch: Vec<BranchWallShear>,
}

/// Wall shear stress over one branch's wall.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct BranchWallShear {
    /// The outlet the branch drains to.
    pub branch: String,
    pub wall_cells: usize,
    pub mean_wss_pa: f64,
    pub max_wss_pa: f64,
    pub mean_tawss_pa: Option<f64>,
    pub mean_osi: Option<f64>,
}

/// Mean and largest of `values` over the wall cells `ids` (0 for none).
fn mean_max(values: impl Fn(usize) -> f64, ids: &[usize]) -> (f64, f64) {
    let n = ids.len().max(1) as f64;
    let sum: f64 = ids.iter().map(|&k| values(k)).sum();
    (sum / n, ids.iter().map(|&k| values(k)).fold(0.0, f64::max))
}

/// Per-cell TAWSS [lattice] and OSI from the summed samples (Ku et al.,
/// Arteriosclerosis 5 (1985) 293: OSI = ½ (1 − |∫τ dt| / ∫|τ| dt)).
pub fn tawss_and_osi(sums: &[[f32; 4]], samples: u64) -> Vec<(f64, f64)> {
    sums.iter()
        .map(|s| {
            let n = samples.max(1) as f64;
            let magnitude_sum = s[3] as f64;
            let vector_sum =
                ((s[0] as f64).powi(2) + (s[1] as f64).powi(2) + (s[2] as f64).powi(2)).sqrt();
            let osi = if magnitude_sum > 0.0 {
                (0.5 * (1.0 - vector_sum / magnitude_sum)).max(0.0)
            } else {
                0.0
            };
            (magnitude_sum / n, osi)
        })
        .collect()
}

/// What the field recorder keeps across a checkpoint.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FieldRecorderState {
    pub pvd_entries: Vec<(f64, String)>,
    /// The wall outputs written so far (wall.pvd).
    #[serde(default)]
    pub wall_entries: Vec<(f64, String)>,
}

pub struct FieldRecorder {
    pub gpu: GpuFields,
    plan: FieldPlan,
    units: LatticeUnits,
    origin_m: [f64; 3],
    dir: PathBuf,
    pvd: PathBuf,
    /// The wall surface's outputs (wall/*.vtp), when it has a wall.
    wall: Option<WallOutput>,
    /// With two or more outlets, per branch its name and its cells' positions in the
    /// wall-cell list.
    branches: Vec<(String, Vec<usize>)>,
    pub state: FieldRecorderState,
}

/// Each outlet's branch and the positions in `walls` of its wall-adjacent cells,
/// with two or more outlets (with one the branch is the whole wall).
fn wall_cells_by_branch(loaded: &LoadedScenario, walls: &[u32]) -> Vec<(String, Vec<usize>)> {
    let voxels = &loaded.voxels;
    let outlets: Vec<usize> = (0..voxels.openings.len())
        .filter(|&k| voxels.openings[k].role == crate::geometry::Role::Outlet)
        .collect();
    if outlets.len() < 2 {
        return Vec::new();
    }
    let labels = crate::particles::fields::branch_labels(voxels);
    outlets
        .iter()
        .map(|&k| {
            let cells = (0..walls.len())
                .filter(|&w| labels[walls[w] as usize] == k as u32)
                .collect();
            (voxels.openings[k].name.clone(), cells)
        })
        .collect()
}

/// The wall surface wall/*.vtp carries: an STL's own triangles, or else surface nets
/// through the lumen's boundary (on the cut links with interpolated walls).
fn vessel_wall_mesh(loaded: &LoadedScenario, wall_cells: &[u32]) -> WallMesh {
    match loaded.surface.as_deref() {
        Some(WallSurface::Mesh {
            capped,
            vessel_triangles,
        }) => {
            let listed: HashSet<u32> = wall_cells.iter().copied().collect();
            let touches_wall = |i: usize| listed.contains(&(i as u32));
            stl_wall_mesh(
                capped,
                *vessel_triangles,
                &loaded.voxels,
                &loaded.beyond_openings,
                &touches_wall,
            )
        }
        _ => wall_mesh(&loaded.voxels, &loaded.beyond_openings, &loaded.wall_links),
    }
}

impl FieldRecorder {
    /// The recorder of `loaded`'s `[fields]` on `lattice` (flags `cell_flags`), writing
    /// under `out_dir`; with the wall surface (wall/*.vtp) when fields are written.
    pub fn new(
        ctx: &GpuContext,
        lattice: &GpuLattice,
        cell_flags: &[u32],
        loaded: &LoadedScenario,
        out_dir: &Path,
    ) -> Result<Self, GpuError> {
        let plan = &loaded.fields;
        let units = &loaded.units;
        let origin_m = loaded.voxels.origin_m;
        let walls = wall_adjacent_cells(lattice.dims, cell_flags);
        let wall = plan
            .enabled
            .then(|| vessel_wall_mesh(loaded, &walls))
            .filter(|m| !m.triangles.is_empty())
            .map(|m| WallOutput::new(m, &walls, out_dir));
        let branches = wall_cells_by_branch(loaded, &walls);
        let mut gpu = GpuFields::new(ctx, lattice, plan.region, walls)?;
        gpu.sample_every = plan.wss_sample_every;
        gpu.average_from_step = plan.average_from_step;
        Ok(FieldRecorder {
            gpu,
            plan: plan.clone(),
            units: units.clone(),
            origin_m,
            dir: out_dir.join("fields"),
            pvd: out_dir.join("fields.pvd"),
            wall,
            branches,
            state: FieldRecorderState::default(),
        })
    }

    /// Whether fields are written at all.
    pub fn enabled(&self) -> bool {
        self.plan.enabled
    }

    /// Steps between field outputs (`None`: only at the end).
    pub fn every(&self) -> Option<u64> {
        self.plan.every
    }

    /// Whether a field output falls after `step` steps of a `total`-step run.
    pub fn due(&self, step: u64, total: u64) -> bool {
        self.plan.enabled
            && (step == total
                || self
                    .plan
                    .every
                    .is_some_and(|e| step > 0 && step.is_multiple_of(e)))
    }

    /// Writes the fields of the current state at `step`; returns the file and the
    /// arrays written to it (SI units, as in the file).
    pub fn write(
        &mut self,
        ctx: &GpuContext,
        lattice: &GpuLattice,
        particles: Option<&GpuParticles>,
        step: u64,
    ) -> Result<(PathBuf, Vec<VtiArray>), FieldError> {
        let sample = self.gpu.sample(ctx, lattice)?;
        let region = sample.region;
        let u = &self.units;
        let points = region.points();
        let mut arrays = vec![VtiArray::scalar(
            "wall (1) or fluid (0)",
            VtiData::U8(sample.stress.iter().map(|s| s[2] as u8).collect()),
        )];
        let scalar = |f: &dyn Fn(usize) -> f64| -> VtiData {
            VtiData::F32((0..points).map(|k| f(k) as f32).collect())
        };
        let is_wall = |k: usize| sample.stress[k][2] > 0.5;
        let wall_sums = if self
            .plan
            .select
            .iter()
            .any(|f| matches!(f, FieldName::Tawss | FieldName::Osi))
        {
            let sums = self.gpu.wall_shear_sums(ctx)?;
            let per_cell = tawss_and_osi(&sums, self.gpu.samples_up_to(step));
            let mut grid = vec![(0.0, 0.0); points];
            for (&cell, value) in self.gpu.wall_cells.iter().zip(per_cell) {
                if let Some(k) = region.point_of(lattice.dims.coords(cell as usize)) {
                    grid[k] = value;
                }
            }
            Some(grid)
        } else {
            None
        };
        let (solid, concentration) = match particles {
            Some(p) => self.particle_fields(ctx, p, lattice)?,
            None => (None, None),
        };
        for field in &self.plan.select {
            match field {
                FieldName::Velocity => arrays.push(VtiArray::vector(
                    "velocity [m/s]",
                    sample
                        .flow
                        .iter()
                        .flat_map(|f| (0..3).map(|a| u.velocity_to_si(f[a] as f64) as f32))
                        .collect(),
                )),
                FieldName::Pressure => arrays.push(VtiArray::scalar(
                    "pressure [Pa]",
                    scalar(&|k| {
                        if is_wall(k) {
                            0.0
                        } else {
                            u.pressure_to_si(sample.flow[k][3] as f64)
                        }
                    }),
                )),
                FieldName::ShearRate => arrays.push(VtiArray::scalar(
                    "shear rate [1/s]",
                    scalar(&|k| u.shear_rate_to_si(sample.stress[k][0] as f64)),
                )),
                FieldName::Viscosity => arrays.push(VtiArray::scalar(
                    "viscosity [Pa s]",
                    scalar(&|k| {
                        if is_wall(k) {
                            0.0
                        } else {
                            u.viscosity_of_tau(sample.stress[k][1] as f64)
                        }
                    }),
                )),
                FieldName::Wss => {
                    arrays.push(VtiArray::vector(
                        "wall shear stress [Pa]",
                        sample
                            .wall
                            .iter()
                            .flat_map(|w| (0..3).map(|a| u.stress_to_si(w[a] as f64) as f32))
                            .collect(),
                    ));
                    arrays.push(VtiArray::scalar(
                        "wall shear stress magnitude [Pa]",
                        scalar(&|k| u.stress_to_si(sample.wall[k][3] as f64)),
                    ));
                }
                FieldName::Tawss => {
                    let grid = wall_sums.as_ref().expect("sums read for TAWSS");
                    arrays.push(VtiArray::scalar(
                        "time-averaged wall shear stress [Pa]",
                        scalar(&|k| u.stress_to_si(grid[k].0)),
                    ));
                }
                FieldName::Osi => {
                    let grid = wall_sums.as_ref().expect("sums read for OSI");
                    arrays.push(VtiArray::scalar(
                        "oscillatory shear index [-]",
                        scalar(&|k| grid[k].1),
                    ));
                }
                FieldName::Occlusion => {
                    if let Some(s) = &solid {
                        arrays.push(VtiArray::scalar(
                            "occlusion fraction [-]",
                            VtiData::F32(s.clone()),
                        ));
                    }
                }
                FieldName::Concentration => {
                    if let Some(c) = &concentration {
                        arrays.push(VtiArray::scalar(
                            "particle concentration [1/m^3]",
                            VtiData::F32(c.clone()),
                        ));
                    }
                }
            }
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FieldError::Io { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let name = format!("fields_{step:09}.vti");
        let path = self.dir.join(&name);
        let dx = self.units.dx_m;
        let size = region.size();
        write_vti(
            &path,
            size,
            std::array::from_fn(|a| self.origin_m[a] + (region.lo[a] as f64 + 0.5) * dx),
            dx * region.stride as f64,
            &arrays,
            if self.plan.compress {
                Compression::Zlib
            } else {
                Compression::None
            },
        )
        .map_err(io(&path))?;
        let time_s = step as f64 * self.units.dt_s;
        self.state.pvd_entries.retain(|(t, _)| *t < time_s);
        self.state
            .pvd_entries
            .push((time_s, format!("fields/{name}")));
        write_pvd(&self.pvd, &self.state.pvd_entries).map_err(io(&self.pvd))?;
        if let Some(wall) = &self.wall {
            let values = wall.values(ctx, &self.gpu, lattice, u, step)?;
            wall.write(&values, step, time_s, &mut self.state.wall_entries)
                .map_err(|(path, source)| FieldError::Io { path, source })?;
        }
        Ok((path, arrays))
    }

    /// Occlusion fraction and free-particle concentration on the region's points: a
    /// point stands for the stride³ block of cells starting at it.
    #[allow(clippy::type_complexity)]
    fn particle_fields(
        &self,
        ctx: &GpuContext,
        particles: &GpuParticles,
        lattice: &GpuLattice,
    ) -> Result<(Option<Vec<f32>>, Option<Vec<f32>>), GpuError> {
        let region = self.gpu.region;
        let dims = lattice.dims;
        let wants = |f: FieldName| self.plan.select.contains(&f);
        let solid = if wants(FieldName::Occlusion) {
            let fraction = particles.read_solid_fraction(ctx)?;
            Some(
                (0..region.points())
                    .map(|k| {
                        let [x, y, z] = region.cell(k);
                        fraction[dims.index(x, y, z)].min(1.0)
                    })
                    .collect(),
            )
        } else {
            None
        };
        let concentration = if wants(FieldName::Concentration) {
            let status = particles.read_status(ctx)?;
            let positions = particles.read_positions(ctx)?;
            let size = region.size();
            let block_m3 = (self.units.dx_m * region.stride as f64).powi(3);
            let mut counts = vec![0f32; region.points()];
            for (s, p) in status.iter().zip(&positions) {
                if s[0] != state::FREE {
                    continue;
                }
                let mut idx = [0usize; 3];
                let mut inside = true;
                for a in 0..3 {
                    let c = p[a].floor();
                    if c < region.lo[a] as f32 || c >= region.hi[a] as f32 {
                        inside = false;
                        break;
                    }
                    idx[a] = (c as usize - region.lo[a]) / region.stride;
                }
                if inside {
                    counts[idx[0] + size[0] * (idx[1] + size[1] * idx[2])] += 1.0;
                }
            }
            Some(
                counts
                    .iter()
                    .map(|c| (*c as f64 / block_m3) as f32)
                    .collect(),
            )
        } else {
            None
        };
        Ok((solid, concentration))
    }

    /// WSS statistics over the whole wall now.
    pub fn wall_summary(
        &self,
        ctx: &GpuContext,
        lattice: &GpuLattice,
    ) -> Result<WallShearSummary, GpuError> {
        let now = self.gpu.wall_shear_now(ctx, lattice)?;
        let u = &self.units;
        let samples = self.gpu.samples_up_to(lattice.steps_done());
        let per_cell = if samples > 0 {
            Some(tawss_and_osi(&self.gpu.wall_shear_sums(ctx)?, samples))
        } else {
            None
        };
        // Each wall-adjacent lumen cell counts once, standing for about a voxel face
        // of wall; over a set of cells: WSS mean and maximum, TAWSS and OSI means.
        let over = |ids: &[usize]| {
            let (mean, max) = mean_max(|k| now[k][3] as f64, ids);
            let averages = per_cell.as_ref().map(|c| {
                (
                    u.stress_to_si(mean_max(|k| c[k].0, ids).0),
                    mean_max(|k| c[k].1, ids).0,
                )
            });
            (u.stress_to_si(mean), u.stress_to_si(max), averages)
        };
        let all: Vec<usize> = (0..now.len()).collect();
        let (mean, max, averages) = over(&all);
        let by_branch = self
            .branches
            .iter()
            .map(|(name, ids)| {
                let (mean, max, averages) = over(ids);
                BranchWallShear {
                    branch: name.clone(),
                    wall_cells: ids.len(),
                    mean_wss_pa: mean,
                    max_wss_pa: max,
                    mean_tawss_pa: averages.map(|a| a.0),
                    mean_osi: averages.map(|a| a.1),
                }
            })
            .collect();
        Ok(WallShearSummary {
            wall_cells: now.len(),
            mean_wss_pa: mean,
            max_wss_pa: max,
            mean_tawss_pa: averages.map(|a| a.0),
            mean_osi: averages.map(|a| a.1),
            samples,
            averaged_from_s: self.plan.average_from_step as f64 * u.dt_s,
            by_branch,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osi_is_zero_for_steady_and_half_for_reversing_shear() {
        // Steady: 10 samples of (1, 0, 0); reversing: 5 of +x, 5 of −x.
        let steady = [[10.0, 0.0, 0.0, 10.0]];
        let reversing = [[0.0, 0.0, 0.0, 10.0]];
        let quarter = [[7.5, 0.0, 0.0, 10.0]]; // 8.75 of +x, 1.25 of −x
        assert_eq!(tawss_and_osi(&steady, 10), vec![(1.0, 0.0)]);
        assert_eq!(tawss_and_osi(&reversing, 10), vec![(1.0, 0.5)]);
        let (t, osi) = tawss_and_osi(&quarter, 10)[0];
        assert!((t - 1.0).abs() < 1e-12 && (osi - 0.125).abs() < 1e-12);
    }
}
