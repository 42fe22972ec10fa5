//! centreline.vtp: the vessel's centrelines from the inlet to each outlet (the
//! wall-avoiding paths of src/render/centreline.rs, smoothed, about a point per voxel)
//! carrying the lumen radius, the arc length from the inlet and the outlet's index,
//! for ParaView and for plotting the radius along a branch.

use crate::geometry::throat::lumen_radius_cells;
use crate::geometry::{CellKind, Role, Voxels};
use crate::io::vtp::write_polylines_vtp;
use crate::render::centreline::centrelines;
use glam::DVec3;
use std::path::Path;

/// One centreline: its outlet, points [m], lumen radius and arc length [m] per point.
pub struct Centreline {
    pub outlet: usize,
    pub points_m: Vec<[f64; 3]>,
    pub radius_m: Vec<f64>,
    pub arc_length_m: Vec<f64>,
}

/// The centrelines from the (first) inlet to every outlet it reaches, with the local
/// lumen radius of the cell each point lies in (`geometry::throat::lumen_radius_cells`:
/// the distance to the nearest vessel-wall cell centre, corrected for where the axis
/// falls between cell centres).
pub fn vessel_centrelines(voxels: &Voxels) -> Vec<Centreline> {
    let Some(inlet) = voxels.openings.iter().find(|o| o.role == Role::Inlet) else {
        return Vec::new();
    };
    let dx = voxels.voxel_size_m;
    let in_cells =
        |p: [f64; 3]| DVec3::from_array(std::array::from_fn(|a| (p[a] - voxels.origin_m[a]) / dx));
    let outlets: Vec<usize> = (0..voxels.openings.len())
        .filter(|&k| voxels.openings[k].role == Role::Outlet)
        .collect();
    let ends: Vec<DVec3> = outlets
        .iter()
        .map(|&k| in_cells(voxels.openings[k].centre_m))
        .collect();
    let fluid: Vec<bool> = voxels.kinds.iter().map(|k| *k != CellKind::Wall).collect();
    let lines = centrelines(voxels.dims, &fluid, in_cells(inlet.centre_m), &ends);
    let radius = lumen_radius_cells(voxels);
    let d = voxels.dims;
    outlets
        .into_iter()
        .zip(lines)
        .filter_map(|(outlet, line)| {
            let line = line?;
            let radius_m = line
                .iter()
                .map(|p| {
                    let c: [usize; 3] = std::array::from_fn(|a| {
                        (p[a].floor().max(0.0) as usize).min([d.nx, d.ny, d.nz][a] - 1)
                    });
                    radius[d.index(c[0], c[1], c[2])] as f64 * dx
                })
                .collect();
            let mut arc = vec![0.0];
            for w in line.windows(2) {
                arc.push(arc.last().unwrap() + w[0].distance(w[1]) * dx);
            }
            Some(Centreline {
                outlet,
                points_m: line
                    .iter()
                    .map(|p| std::array::from_fn(|a| voxels.origin_m[a] + p[a] * dx))
                    .collect(),
                radius_m,
                arc_length_m: arc,
            })
        })
        .collect()
}

/// Writes `lines` to `path` as VTK polylines with "lumen radius [m]", "arc length [m]"
/// and "outlet" (the opening index) per point.
pub fn write_centrelines(path: &Path, lines: &[Centreline]) -> std::io::Result<()> {
    let f32s = |f: &dyn Fn(&Centreline) -> Vec<f64>| -> Vec<f32> {
        lines.iter().flat_map(f).map(|v| v as f32).collect()
    };
    write_polylines_vtp(
        path,
        &lines
            .iter()
            .map(|l| l.points_m.iter().map(|p| p.map(|v| v as f32)).collect())
            .collect::<Vec<_>>(),
        &[
            ("lumen radius [m]", 1, f32s(&|l| l.radius_m.clone())),
            ("arc length [m]", 1, f32s(&|l| l.arc_length_m.clone())),
            (
                "outlet",
                1,
                f32s(&|l| vec![l.outlet as f64; l.points_m.len()]),
            ),
        ],
    )
}
