//! The narrowest section the whole flow must pass, measured on the voxels, for
//! vessels whose shape declares none (surfaces, masks): with one inlet and one outlet,
//! the widest route from the inlet to the outlet is the path whose narrowest point is
//! widest (a maximin path on the distance to the wall), and that narrowest point is
//! the throat — a sphere of any larger radius cannot pass from one opening to the
//! other. With several outlets the flow splits, and a branch's narrowing carries only
//! part of it, so nothing is estimated.

use super::fields::distance_to_seeds;
use super::voxels::{CellKind, Role, Voxels};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Lumen radii [cells] at the inlet and at the throat, both as the distance from the
/// lumen's ridge to the nearest wall cell centre: of the many wall cells around a
/// section, the nearest lies within about a tenth of a cell of the surface.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bottleneck {
    pub inlet_radius_cells: f64,
    pub throat_radius_cells: f64,
}

/// The inlet's and the throat's lumen radii, with exactly one inlet and one outlet.
pub fn bottleneck(voxels: &Voxels) -> Option<Bottleneck> {
    let of_role = |role: Role| voxels.openings.iter().filter(move |o| o.role == role);
    let (inlet, outlet) = match (of_role(Role::Inlet).count(), of_role(Role::Outlet).count()) {
        (1, 1) => (of_role(Role::Inlet).next()?, of_role(Role::Outlet).next()?),
        _ => return None,
    };
    let distance = lumen_radius_cells(voxels);
    let at_inlet = inlet
        .cells
        .iter()
        .map(|&c| distance[c])
        .fold(0.0f32, f32::max);
    let at_throat = widest_route(voxels, &distance, &inlet.cells, &outlet.cells)?;
    Some(Bottleneck {
        inlet_radius_cells: at_inlet as f64,
        throat_radius_cells: at_throat as f64,
    })
}

/// The local lumen radius [cells] at every lumen cell near a vessel's axis (0 in
/// walls): its distance to the nearest vessel-wall cell centre (not the walls capping
/// the openings), corrected for where it lies off the lumen's ridge
/// ([`ridge_distance`]). Cells further off the axis read less.
pub fn lumen_radius_cells(voxels: &Voxels) -> Vec<f32> {
    let wall: Vec<bool> = (0..voxels.kinds.len())
        .map(|i| voxels.kinds[i] == CellKind::Wall && !caps_an_opening(voxels, i))
        .collect();
    ridge_distance(voxels, &distance_to_seeds(voxels.dims, &wall))
}

/// The wall distance d corrected for where the cell lies off the lumen's ridge: across
/// a vessel d falls away from the axis with slope 1 (d = R − |x − axis|), so a cell a
/// fraction of a cell off the axis reads R less that offset, and its central
/// difference (d(+1) − d(−1))/2 along each axis equals the offset. d + |∇d| (at most
/// one cell) is then R for every cell near the axis, wherever the axis falls between
/// the cell centres; without it the narrowest point of a route reads up to ~0.9 cell
/// low, by how the axis happens to fall on the grid there.
fn ridge_distance(voxels: &Voxels, d: &[f32]) -> Vec<f32> {
    let dims = voxels.dims;
    (0..d.len())
        .map(|c| {
            if voxels.kinds[c] == CellKind::Wall {
                return 0.0;
            }
            let p = dims.coords(c);
            let size = [dims.nx, dims.ny, dims.nz];
            let mut g2 = 0.0f32;
            for axis in 0..3 {
                if p[axis] == 0 || p[axis] + 1 >= size[axis] {
                    continue;
                }
                let (mut lo, mut hi) = (p, p);
                lo[axis] -= 1;
                hi[axis] += 1;
                let g =
                    0.5 * (d[dims.index(hi[0], hi[1], hi[2])] - d[dims.index(lo[0], lo[1], lo[2])]);
                g2 += g * g;
            }
            d[c] + g2.sqrt().min(1.0)
        })
        .collect()
}

/// Whether wall cell `i` closes an opening rather than bounding the lumen: on or
/// beyond the opening's plane, within its radius and a cell and a half of its axis.
/// (The walls capping a vessel's ends would otherwise make every opening a throat.)
fn caps_an_opening(voxels: &Voxels, i: usize) -> bool {
    let p = voxels.cell_centre_m(i);
    let dx = voxels.voxel_size_m;
    voxels.openings.iter().any(|o| {
        let v: [f64; 3] = std::array::from_fn(|a| p[a] - o.centre_m[a]);
        let along = (0..3).map(|a| v[a] * o.normal[a]).sum::<f64>();
        let across2 = (0..3)
            .map(|a| (v[a] - along * o.normal[a]).powi(2))
            .sum::<f64>();
        along < 0.5 * dx && across2.sqrt() <= o.radius_m + 1.5 * dx
    })
}

/// The largest r such that cells with wall distance ≥ r join `from` to `to` (face
/// neighbours), by a best-first flood that always extends the widest route so far;
/// `None` if the two are not joined at all.
fn widest_route(voxels: &Voxels, distance: &[f32], from: &[usize], to: &[usize]) -> Option<f32> {
    let dims = voxels.dims;
    let mut target = vec![false; distance.len()];
    to.iter().for_each(|&c| target[c] = true);
    let mut best = vec![0.0f32; distance.len()];
    // Positive f32 order as their bits do; Reverse(index) breaks ties reproducibly.
    let mut queue = BinaryHeap::new();
    for &c in from {
        best[c] = distance[c];
        queue.push((distance[c].to_bits(), Reverse(c)));
    }
    while let Some((bits, Reverse(c))) = queue.pop() {
        let width = f32::from_bits(bits);
        if width < best[c] {
            continue;
        }
        if target[c] {
            return Some(width);
        }
        let [x, y, z] = dims.coords(c);
        let steps = [(0, -1), (0, 1), (1, -1), (1, 1), (2, -1), (2, 1)];
        for (axis, step) in steps {
            let mut p = [x as i64, y as i64, z as i64];
            p[axis] += step;
            let size = [dims.nx, dims.ny, dims.nz][axis] as i64;
            if p[axis] < 0 || p[axis] >= size {
                continue;
            }
            let n = dims.index(p[0] as usize, p[1] as usize, p[2] as usize);
            if voxels.kinds[n] == CellKind::Wall {
                continue;
            }
            let through = width.min(distance[n]);
            if through > best[n] {
                best[n] = through;
                queue.push((through.to_bits(), Reverse(n)));
            }
        }
    }
    None
}
