//! What `embolus geometry` writes: geometry.vti (cell kinds, opening ids, wall
//! distance and lumen radius in metres) for ParaView, a PNG preview and
//! centreline.vtp (src/io/centreline_file.rs).

use crate::geometry::fields::wall_fields;
use crate::geometry::{CellKind, Voxels};
use crate::io::centreline_file::{vessel_centrelines, write_centrelines, Centreline};
use crate::io::vtk::{write_vti, Compression, VtiArray, VtiData};
use std::path::{Path, PathBuf};

/// The files written and what the preview shows.
pub struct GeometryFiles {
    pub vti: PathBuf,
    pub png: PathBuf,
    /// The axis the preview projects along (0 x, 1 y, 2 z).
    pub preview_axis: usize,
    /// The largest inscribed radius of the lumen [m].
    pub max_lumen_radius_m: f64,
    /// centreline.vtp and its lines, when the vessel has an inlet and outlets.
    pub centreline: Option<PathBuf>,
    pub centrelines: Vec<Centreline>,
}

/// Writes DIR/geometry.vti, DIR/geometry.png and DIR/centreline.vtp for `voxels`; `beyond_openings`
/// marks the cells cut away beyond the openings (not vessel wall).
pub fn write_geometry(
    voxels: &Voxels,
    beyond_openings: &[bool],
    dir: &Path,
) -> std::io::Result<GeometryFiles> {
    std::fs::create_dir_all(dir)?;
    let (d, dx) = (voxels.dims, voxels.voxel_size_m);
    let fields = wall_fields(voxels, beyond_openings);
    let kinds: Vec<u8> = voxels
        .kinds
        .iter()
        .map(|k| match k {
            CellKind::Fluid => 0,
            CellKind::Wall => 1,
            CellKind::Opening(_) => 2,
        })
        .collect();
    let ids: Vec<i32> = voxels
        .kinds
        .iter()
        .map(|k| match k {
            CellKind::Opening(o) => *o as i32,
            _ => -1,
        })
        .collect();
    let metres = |f: &[f32]| f.iter().map(|c| c * dx as f32).collect::<Vec<f32>>();
    let vti = dir.join("geometry.vti");
    write_vti(
        &vti,
        [d.nx, d.ny, d.nz],
        std::array::from_fn(|a| voxels.origin_m[a] + 0.5 * dx),
        dx,
        &[
            VtiArray::scalar("cell_kind (0 fluid, 1 wall, 2 opening)", VtiData::U8(kinds)),
            VtiArray::scalar("opening_id", VtiData::I32(ids)),
            VtiArray::scalar(
                "wall_distance_m",
                VtiData::F32(metres(&fields.wall_distance_cells)),
            ),
            VtiArray::scalar(
                "lumen_radius_m",
                VtiData::F32(metres(&fields.lumen_radius_cells)),
            ),
        ],
        Compression::Zlib,
    )?;
    let png = dir.join("geometry.png");
    let preview_axis = crate::io::preview::write_preview(&png, voxels)?;
    let max_radius = fields
        .lumen_radius_cells
        .iter()
        .copied()
        .fold(0.0f32, f32::max);
    let centrelines = vessel_centrelines(voxels);
    let centreline = if centrelines.is_empty() {
        None
    } else {
        let path = dir.join("centreline.vtp");
        write_centrelines(&path, &centrelines)?;
        Some(path)
    };
    Ok(GeometryFiles {
        vti,
        png,
        preview_axis,
        max_lumen_radius_m: max_radius as f64 * dx,
        centreline,
        centrelines,
    })
}
