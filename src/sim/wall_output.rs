//! Results on the vessel wall: `wall/wall_<step>.vtp` (with `wall.pvd`) at every field
//! output, the wall surface (src/geometry/wall_surface.rs) carrying the wall shear
//! stress vector and magnitude, and, once averaging has begun, TAWSS, OSI and the
//! relative residence time, each vertex the mean of the wall-adjacent lumen cells
//! around it.

use super::field_recorder::tawss_and_osi;
use super::fields_gpu::GpuFields;
use super::GpuLattice;
use crate::geometry::wall_surface::WallMesh;
use crate::gpu::{GpuContext, GpuError};
use crate::io::vtp::{write_pvd, write_surface_vtp};
use crate::units::LatticeUnits;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct WallOutput {
    mesh: WallMesh,
    /// Per vertex, the indices into the field kernels' wall-cell list it averages.
    listed: Vec<Vec<u32>>,
    dir: PathBuf,
    pvd: PathBuf,
}

/// What one wall output holds, per vertex (SI units).
pub struct WallValues {
    pub wss_pa: Vec<[f32; 3]>,
    pub wss_magnitude_pa: Vec<f32>,
    /// (TAWSS [Pa], OSI), when averaging has begun.
    pub averages: Option<Vec<(f32, f32)>>,
}

impl WallOutput {
    pub fn new(mesh: WallMesh, wall_cells: &[u32], out_dir: &Path) -> Self {
        let index: HashMap<u32, u32> = wall_cells
            .iter()
            .enumerate()
            .map(|(k, &c)| (c, k as u32))
            .collect();
        let listed = mesh
            .sources
            .iter()
            .map(|cells| cells.iter().filter_map(|c| index.get(c).copied()).collect())
            .collect();
        WallOutput {
            mesh,
            listed,
            dir: out_dir.join("wall"),
            pvd: out_dir.join("wall.pvd"),
        }
    }

    pub fn mesh(&self) -> &WallMesh {
        &self.mesh
    }

    /// The wall's values now: the WSS of the current state and the averages so far.
    pub fn values(
        &self,
        ctx: &GpuContext,
        gpu: &GpuFields,
        lattice: &GpuLattice,
        units: &LatticeUnits,
        step: u64,
    ) -> Result<WallValues, GpuError> {
        let now = gpu.wall_shear_now(ctx, lattice)?;
        let samples = gpu.samples_up_to(step);
        let per_cell = (samples > 0)
            .then(|| gpu.wall_shear_sums(ctx))
            .transpose()?
            .map(|sums| tawss_and_osi(&sums, samples));
        let mean = |ids: &[u32], f: &dyn Fn(usize) -> f64| -> f64 {
            if ids.is_empty() {
                0.0
            } else {
                ids.iter().map(|&k| f(k as usize)).sum::<f64>() / ids.len() as f64
            }
        };
        let stress = |v: f32| units.stress_to_si(v as f64);
        let wss_pa = self
            .listed
            .iter()
            .map(|ids| std::array::from_fn(|a| mean(ids, &|k| stress(now[k][a])) as f32))
            .collect();
        let wss_magnitude_pa = self
            .listed
            .iter()
            .map(|ids| mean(ids, &|k| stress(now[k][3])) as f32)
            .collect();
        let averages = per_cell.map(|cells| {
            self.listed
                .iter()
                .map(|ids| {
                    let tawss = mean(ids, &|k| units.stress_to_si(cells[k].0));
                    (tawss as f32, mean(ids, &|k| cells[k].1) as f32)
                })
                .collect()
        });
        Ok(WallValues {
            wss_pa,
            wss_magnitude_pa,
            averages,
        })
    }

    /// Writes `wall/wall_<step>.vtp` and the collection `wall.pvd` (`entries` holds
    /// the earlier outputs and gains this one).
    pub fn write(
        &self,
        values: &WallValues,
        step: u64,
        time_s: f64,
        entries: &mut Vec<(f64, String)>,
    ) -> Result<PathBuf, (PathBuf, std::io::Error)> {
        std::fs::create_dir_all(&self.dir).map_err(|e| (self.dir.clone(), e))?;
        let name = format!("wall_{step:09}.vtp");
        let path = self.dir.join(&name);
        let mut arrays = vec![
            (
                "wall shear stress [Pa]",
                3,
                values.wss_pa.iter().flatten().copied().collect(),
            ),
            (
                "wall shear stress magnitude [Pa]",
                1,
                values.wss_magnitude_pa.clone(),
            ),
        ];
        if let Some(averages) = &values.averages {
            arrays.push(("tawss [Pa]", 1, averages.iter().map(|a| a.0).collect()));
            arrays.push(("osi", 1, averages.iter().map(|a| a.1).collect()));
            arrays.push((
                "relative residence time [1/Pa]",
                1,
                averages
                    .iter()
                    .map(|&(t, o)| residence_time(t, o))
                    .collect(),
            ));
        }
        write_surface_vtp(&path, &self.mesh.points, &self.mesh.triangles, &arrays)
            .map_err(|e| (path.clone(), e))?;
        entries.retain(|(t, _)| *t < time_s);
        entries.push((time_s, format!("wall/{name}")));
        write_pvd(&self.pvd, entries).map_err(|e| (self.pvd.clone(), e))?;
        Ok(path)
    }
}

/// Relative residence time RRT = 1 / ((1 − 2 OSI) TAWSS) (Himburg et al., Am. J.
/// Physiol. Heart Circ. Physiol. 286 (2004) H1916); NaN where it is unbounded (no net
/// shear: OSI ½ or TAWSS 0).
pub fn residence_time(tawss_pa: f32, osi: f32) -> f32 {
    let denominator = (1.0 - 2.0 * osi) * tawss_pa;
    if denominator > 0.0 {
        1.0 / denominator
    } else {
        f32::NAN
    }
}
