//! Openings from planar caps: a cap cuts the vessel at a plane, and the layer of fluid
//! cells just inside the plane becomes the opening's boundary cells.

use super::error::GeometryError;
use super::vec3::{dot, norm, scale, sub};
use super::voxels::{CellKind, Opening, Role, Voxels};
use crate::lbm::lattice::{Q, VELOCITIES};
use serde::Serialize;

/// A planar vessel end, before voxelization.
#[derive(Clone, Debug, Serialize)]
pub struct Cap {
    pub name: String,
    /// Decided by the shape (primitives) or later by the scenario (surfaces).
    pub role: Option<Role>,
    pub centre_m: [f64; 3],
    /// Unit normal pointing out of the vessel.
    pub normal_out: [f64; 3],
    /// Radius of the vessel at the cap [m]; cells up to this (plus a margin) from the
    /// centre belong to the opening.
    pub radius_m: f64,
    /// Area of the cap as designed [m²].
    pub area_m2: f64,
}

impl Cap {
    /// A circular cap.
    pub fn circle(
        name: &str,
        role: Option<Role>,
        centre_m: [f64; 3],
        normal_out: [f64; 3],
        radius_m: f64,
    ) -> Self {
        let n = norm(normal_out);
        Cap {
            name: name.into(),
            role,
            centre_m,
            normal_out: scale(normal_out, 1.0 / n),
            radius_m,
            area_m2: std::f64::consts::PI * radius_m * radius_m,
        }
    }
}

/// Distance from a cap's plane [voxels] within which a cell centre counts as on it.
const ON_PLANE: f64 = 1e-6;

/// Cuts every cap into `voxels` and builds the openings: cells beyond a cap's plane
/// (within its disc, and those on it) become wall, fluid cells within one voxel
/// inside the plane become the opening's cells. Each opening cell reads its boundary
/// condition from the fluid neighbour along the lattice direction closest to the
/// inward normal; a cell with no fluid neighbour inwards becomes wall.
/// Returns the mask of cells beyond the caps' planes, which are not vessel wall.
pub fn open_caps(voxels: &mut Voxels, caps: &[Cap]) -> Result<Vec<bool>, GeometryError> {
    let dx = voxels.voxel_size_m;
    let dims = voxels.dims;
    let mut openings = Vec::with_capacity(caps.len());
    let mut beyond = vec![false; dims.cells()];
    for (k, cap) in caps.iter().enumerate() {
        let margin = cap.radius_m + 1.5 * dx;
        let reach = margin + 2.0 * dx;
        // Sub-box of cells that can be affected.
        let lo: [usize; 3] = std::array::from_fn(|a| {
            (((cap.centre_m[a] - reach - voxels.origin_m[a]) / dx)
                .floor()
                .max(0.0)) as usize
        });
        let hi: [usize; 3] = std::array::from_fn(|a| {
            let n = [dims.nx, dims.ny, dims.nz][a];
            ((((cap.centre_m[a] + reach - voxels.origin_m[a]) / dx).ceil()).max(0.0) as usize)
                .min(n)
        });
        let mut candidates = Vec::new();
        for z in lo[2]..hi[2] {
            for y in lo[1]..hi[1] {
                for x in lo[0]..hi[0] {
                    let i = dims.index(x, y, z);
                    let r = sub(voxels.cell_centre_m(i), cap.centre_m);
                    let s = dot(r, cap.normal_out);
                    let perpendicular = norm(sub(r, scale(cap.normal_out, s)));
                    if perpendicular >= margin {
                        continue;
                    }
                    // A centre on the plane (to rounding) counts as beyond it: the
                    // inside test is ambiguous there, and the layer a cell inside then
                    // lies exactly one voxel from the plane, in the band below.
                    if s > -ON_PLANE * dx {
                        beyond[i] = true;
                        if !matches!(voxels.kinds[i], CellKind::Opening(_)) {
                            voxels.kinds[i] = CellKind::Wall;
                        }
                    } else if s > -(1.0 + ON_PLANE) * dx && voxels.kinds[i] == CellKind::Fluid {
                        candidates.push((i, perpendicular));
                    }
                }
            }
        }
        for &(i, _) in &candidates {
            voxels.kinds[i] = CellKind::Opening(k);
        }
        let inward = scale(cap.normal_out, -1.0);
        let mut opening = Opening {
            name: cap.name.clone(),
            role: cap.role.unwrap_or(Role::Outlet),
            normal: inward,
            centre_m: cap.centre_m,
            radius_m: cap.radius_m,
            nominal_area_m2: cap.area_m2,
            area_m2: 0.0,
            cells: vec![],
            inward_dirs: vec![],
            parabolic_shape: vec![],
        };
        for (i, perpendicular) in candidates {
            let best = (1..Q)
                .filter_map(|q| {
                    let c = VELOCITIES[q].map(|v| v as f64);
                    let alignment = dot(c, inward) / norm(c);
                    let nb = neighbor_in_grid(voxels, i, VELOCITIES[q])?;
                    (alignment > 0.3 && voxels.kinds[nb] == CellKind::Fluid)
                        .then_some((q, alignment))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((q, _)) => {
                    opening.cells.push(i);
                    opening.inward_dirs.push(q);
                    let rel = perpendicular / cap.radius_m.max(1e-30);
                    opening.parabolic_shape.push((1.0 - rel * rel).max(0.0));
                }
                None => voxels.kinds[i] = CellKind::Wall,
            }
        }
        if opening.cells.is_empty() {
            return Err(GeometryError::shape(
                format!(
                    "opening {:?} (centre {:?} m, radius {:.3e} m) touches no fluid",
                    cap.name, cap.centre_m, cap.radius_m
                ),
                "place the opening on a vessel end: its centre on the lumen, its normal along the vessel, pointing out",
            ));
        }
        // Cells at the rim get a small share of a parabolic inflow rather than none.
        if opening.parabolic_shape.iter().all(|&w| w == 0.0) {
            opening.parabolic_shape.iter_mut().for_each(|w| *w = 1.0);
        }
        openings.push(opening);
    }
    voxels.openings = openings;
    voxels.measure_openings();
    Ok(beyond)
}

/// The neighbour of cell `i` at offset `c`, or `None` outside the grid (no wrapping:
/// geometry is never periodic).
pub fn neighbor_in_grid(voxels: &Voxels, i: usize, c: [i32; 3]) -> Option<usize> {
    let d = voxels.dims;
    let p = d.coords(i);
    let n = [d.nx, d.ny, d.nz];
    let mut q = [0usize; 3];
    for a in 0..3 {
        let v = p[a] as i64 + c[a] as i64;
        if v < 0 || v >= n[a] as i64 {
            return None;
        }
        q[a] = v as usize;
    }
    Some(d.index(q[0], q[1], q[2]))
}
