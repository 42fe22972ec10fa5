//! [dosimetry.dose_map]: the dose map's grid, density and label map, checked when the
//! scenario loads (a label map that cannot be read, or lacks a territory's label, is
//! refused before anything runs).

use super::checker::Checker;
use crate::dosimetry::dose_map::DoseGrid;
use crate::dosimetry::kernel::{KernelTable, PointKernel, DEFAULT_KERNEL_ENERGY};
use crate::dosimetry::map::{DoseMapPlan, LOEVINGER_Y90};
use crate::dosimetry::spec::{DoseMapSpec, LIVER_DENSITY_KG_M3};
use crate::geometry::nifti::{read_volume, Volume};
use crate::geometry::Voxels;
use crate::scenario::ScenarioError;
use std::path::Path;

const TABLE: &str = "dosimetry.dose_map";
/// Most voxels a dose map may have (its FFT needs ~32 bytes per padded voxel).
const MAX_DOSE_VOXELS: usize = 64 << 20;
/// Default voxel without a label map: at least this [m] …
const MIN_DEFAULT_VOXEL_M: f64 = 0.25e-3;
/// … and at most this many along the vessel box's longest side.
const DEFAULT_VOXELS_ALONG: f64 = 128.0;

/// The dose map's plan: over the label map's territories (`labels_used`), or over the
/// vessel's box without a map.
pub fn plan(
    c: &Checker,
    spec: &DoseMapSpec,
    voxels: &Voxels,
    labels_used: &[i64],
) -> Result<DoseMapPlan, ScenarioError> {
    let density = spec.density.unwrap_or(LIVER_DENSITY_KG_M3);
    c.positive(TABLE, "density", density, "kg/m³")?;
    if let Some(v) = spec.voxel {
        c.positive(TABLE, "voxel", v, "m")?;
    }
    let (kernel, kernel_name) = kernel(c, spec, density)?;
    let reach = kernel.radius_holding(DEFAULT_KERNEL_ENERGY);
    let (grid, labels) = match &spec.label_map {
        None => (vessel_box(c, spec, voxels)?, None),
        Some(_) if labels_used.is_empty() => {
            return Err(c.fail(
                TABLE,
                "label_map",
                "a label map is given but no territory names a label in it".into(),
                "give each territory's label (and tumour_label) in [dosimetry.territories.NAME], or remove label_map".into(),
            ))
        }
        Some(file) => {
            let path = c.path.parent().unwrap_or(Path::new(".")).join(file);
            let volume = read_volume(&path).map_err(|e| {
                c.fail(
                    TABLE,
                    "label_map",
                    format!("label_map = {file:?}: {e}"),
                    "give a NIfTI-1 label map (.nii or .nii.gz), relative to the scenario file"
                        .into(),
                )
            })?;
            let (grid, labels) = over_labels(c, spec, &volume, labels_used, reach)?;
            (grid, Some(labels))
        }
    };
    Ok(DoseMapPlan {
        density_kg_m3: density,
        kernel,
        kernel_name,
        grid,
        labels,
        label_map: spec.label_map.clone(),
    })
}

/// The β kernel: a table given as `kernel_table` (read and checked), else Loevinger's
/// function for Y-90 at the tissue's density; with its name for the summary.
fn kernel(
    c: &Checker,
    spec: &DoseMapSpec,
    density: f64,
) -> Result<(PointKernel, String), ScenarioError> {
    let Some(file) = &spec.kernel_table else {
        return Ok((PointKernel::y90(density), LOEVINGER_Y90.into()));
    };
    let path = c.path.parent().unwrap_or(Path::new(".")).join(file);
    let bad = |problem: String| {
        c.fail(
            TABLE,
            "kernel_table",
            format!("kernel_table = {file:?}: {problem}"),
            "give a CSV of \"radius [mm], fraction of the decay energy within it\" rows, relative to the scenario file".into(),
        )
    };
    let bytes = crate::io::input::read_bounded(&path, 16 << 20).map_err(|e| bad(e.to_string()))?;
    let table = KernelTable::from_csv(&String::from_utf8_lossy(&bytes)).map_err(bad)?;
    Ok((
        PointKernel::Table(table),
        format!("tabulated point kernel {file}, voxel-integrated"),
    ))
}

/// The grid over the box from `lo` to `hi`, refused before it is allocated if it would
/// have more than [`MAX_DOSE_VOXELS`].
fn sized_grid(
    c: &Checker,
    lo: [f64; 3],
    hi: [f64; 3],
    voxel: f64,
) -> Result<DoseGrid, ScenarioError> {
    let dims = DoseGrid::dims_covering(lo, hi, voxel);
    if dims.iter().product::<f64>() > MAX_DOSE_VOXELS as f64 {
        return Err(c.fail(
            TABLE,
            "voxel",
            format!(
                "the dose map would have {} x {} x {} voxels of {:.3} mm, more than {}",
                dims[0],
                dims[1],
                dims[2],
                voxel * 1e3,
                MAX_DOSE_VOXELS
            ),
            "give a larger dose_map.voxel".into(),
        ));
    }
    Ok(DoseGrid::covering(lo, hi, voxel))
}

/// The vessel's box at the given voxel, or the larger of 0.25 mm and its longest side
/// over 128.
fn vessel_box(c: &Checker, spec: &DoseMapSpec, voxels: &Voxels) -> Result<DoseGrid, ScenarioError> {
    let d = voxels.dims;
    let size = [d.nx, d.ny, d.nz].map(|n| n as f64 * voxels.voxel_size_m);
    let longest = size.iter().cloned().fold(0.0, f64::max);
    let voxel = spec
        .voxel
        .unwrap_or((longest / DEFAULT_VOXELS_ALONG).max(MIN_DEFAULT_VOXEL_M));
    let lo = voxels.origin_m;
    sized_grid(c, lo, std::array::from_fn(|a| lo[a] + size[a]), voxel)
}

/// A grid over the voxels carrying `labels_used`, widened by the kernel's reach and
/// kept within the image, with the label at each of its voxels (nearest image voxel;
/// 0 outside the image).
fn over_labels(
    c: &Checker,
    spec: &DoseMapSpec,
    volume: &Volume,
    labels_used: &[i64],
    reach: f64,
) -> Result<(DoseGrid, Vec<i32>), ScenarioError> {
    let spacing: Vec<f64> = volume
        .axes_m
        .iter()
        .map(|a| (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt())
        .collect();
    let voxel = spec
        .voxel
        .unwrap_or(spacing.iter().cloned().fold(f64::INFINITY, f64::min));
    // Half an image voxel's extent along each world axis.
    let half: [f64; 3] =
        std::array::from_fn(|r| 0.5 * (0..3).map(|a| volume.axes_m[a][r].abs()).sum::<f64>());
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    let (mut image_lo, mut image_hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    let [ni, nj, _] = volume.dims;
    let mut found = vec![0usize; labels_used.len()];
    for (n, v) in volume.values.iter().enumerate() {
        let ijk = [n % ni, (n / ni) % nj, n / (ni * nj)].map(|x| x as f64);
        let p = volume.world(ijk);
        for a in 0..3 {
            image_lo[a] = image_lo[a].min(p[a] - half[a]);
            image_hi[a] = image_hi[a].max(p[a] + half[a]);
        }
        let label = v.round() as i64;
        if let Some(k) = labels_used.iter().position(|&l| l == label) {
            found[k] += 1;
            for a in 0..3 {
                lo[a] = lo[a].min(p[a] - half[a]);
                hi[a] = hi[a].max(p[a] + half[a]);
            }
        }
    }
    if let Some(k) = found.iter().position(|&n| n == 0) {
        return Err(c.fail(
            TABLE,
            "label_map",
            format!("the label map has no voxel with label {}", labels_used[k]),
            "give each territory's label and tumour_label as they are in the label map".into(),
        ));
    }
    for a in 0..3 {
        lo[a] = (lo[a] - reach).max(image_lo[a]);
        hi[a] = (hi[a] + reach).min(image_hi[a]);
    }
    let grid = sized_grid(c, lo, hi, voxel)?;
    let nearest = volume.nearest_voxel();
    let labels = (0..grid.voxels())
        .map(|n| {
            let [nx, ny, _] = grid.dims;
            let ijk = [n % nx, (n / nx) % ny, n / (nx * ny)];
            let p: [f64; 3] =
                std::array::from_fn(|a| grid.origin_m[a] + ijk[a] as f64 * grid.voxel_m);
            nearest(p).map_or(0, |m| volume.values[m].round() as i32)
        })
        .collect();
    Ok((grid, labels))
}
