//! Signed distance from every cell centre to the vessel's true surface [cells]:
//! positive in the lumen, negative in the wall. The staircase of the voxels is up to
//! half a cell off the surface on each side; particles that must fit through a lumen
//! (sieving, issue 19) measure it on this field instead.
//!
//! Built from where the surface cuts the links that leave the lumen ([`CutCell`]):
//! - a cut cell takes its own distance along the fitted wall normal;
//! - any other cell finds its nearest cut cell (an exact Euclidean transform that
//!   carries the seed's index), gathers the surface points (link crossings) of the cut
//!   cells around that one, and takes its distance to the nearest of them. Within
//!   [`PLANE_REACH`] cells of the wall that point's fitted plane is used instead: the
//!   crossings lie about a cell apart, so the nearest one is up to ~0.2 cells further
//!   than the surface right next to it, while the plane is exact for a flat wall.

use super::fields::nearest_seed;
use super::voxels::{CellKind, Voxels};
use super::wall_links::CutCell;
use crate::lbm::lattice::VELOCITIES;
use rayon::prelude::*;

/// Cells closer than this to the wall take the signed distance to the fitted plane of
/// their nearest surface point [cells].
pub const PLANE_REACH: f32 = 2.5;

/// How far around a cell's nearest cut cell its surface points are gathered [cells].
const GATHER: i64 = 2;

/// The smallest magnitude kept, so that a lumen cell stays positive and a wall cell
/// negative (interpolation between them then crosses zero between their centres).
const MIN_MAGNITUDE: f32 = 1e-3;

/// A cut cell's surface points [cells, grid frame] and its plane.
struct Cut {
    centre: [f32; 3],
    points: Vec<[f32; 3]>,
    wall: Option<([f32; 3], f32)>,
}

/// The wall's tangent plane nearest a cell centre: the unit normal into the lumen and
/// the centre's signed distance from the surface along it [cells] (positive in the
/// lumen). Near x the distance is about d + (x − centre)·n, exactly so for a flat
/// wall, and on the axis of a round vessel (where every corner's plane is a tangent).
pub type Plane = ([f32; 3], f32);

/// The tangent plane nearest every cell centre ([`Plane`]); a cell no surface is in
/// reach of gets `None`. `None` overall when no link is cut (no surface: e.g. a
/// channel, whose walls are halfway already).
pub fn surface_distance(voxels: &Voxels, cut: &[CutCell]) -> Option<Vec<Option<Plane>>> {
    if cut.is_empty() {
        return None;
    }
    let dims = voxels.dims;
    let cuts: Vec<Cut> = cut.iter().map(|c| cut_of(voxels, c)).collect();
    let mut entry = vec![u32::MAX; dims.cells()];
    let mut seed = vec![false; dims.cells()];
    for (k, c) in cut.iter().enumerate() {
        entry[c.cell] = k as u32;
        seed[c.cell] = true;
    }
    let nearest = nearest_seed(dims, &seed);
    let distances = (0..dims.cells())
        .into_par_iter()
        .map(|i| {
            let lumen = voxels.kinds[i] != CellKind::Wall;
            if let (true, Some((normal, d))) =
                (lumen, entry_of(&entry, i).and_then(|k| cuts[k].wall))
            {
                return Some((normal, d.max(MIN_MAGNITUDE)));
            }
            tangent_plane(voxels, &cuts, &entry, i, nearest[i]? as usize, lumen)
        })
        .collect();
    Some(distances)
}

fn entry_of(entry: &[u32], cell: usize) -> Option<usize> {
    (entry[cell] != u32::MAX).then_some(entry[cell] as usize)
}

fn centre_cells(voxels: &Voxels, cell: usize) -> [f32; 3] {
    voxels.dims.coords(cell).map(|v| v as f32 + 0.5)
}

fn cut_of(voxels: &Voxels, c: &CutCell) -> Cut {
    let centre = centre_cells(voxels, c.cell);
    // The wall lies at the fraction t of the link x → x − c_q.
    let points = c
        .links
        .iter()
        .map(|&(q, t)| std::array::from_fn(|a| centre[a] - t * VELOCITIES[q][a] as f32))
        .collect();
    Cut {
        centre,
        points,
        wall: c.wall,
    }
}

/// The fitted wall plane whose foot point (the cut
/// cell's centre moved onto the wall along its normal) lies nearest x's own foot on
/// it: on a curved wall a plane is exact at its foot and off by (offset)²/(2 R) beside
/// it. Only planes whose foot is at most a cell and a half further than the nearest
/// surface point compete.
fn plane_distance(
    cuts: &[Cut],
    around: &[usize],
    x: [f32; 3],
    nearest_point: f32,
) -> Option<Plane> {
    let mut best: Option<(f32, Plane)> = None;
    for &k in around {
        let Some((normal, d)) = cuts[k].wall else {
            continue;
        };
        let v: [f32; 3] = std::array::from_fn(|a| x[a] - (cuts[k].centre[a] - d * normal[a]));
        let along: f32 = (0..3).map(|a| v[a] * normal[a]).sum();
        let length2: f32 = v.iter().map(|c| c * c).sum();
        if length2.sqrt() > nearest_point + 1.5 {
            continue;
        }
        let lateral2 = length2 - along * along;
        if best.is_none_or(|(l, _)| lateral2 < l) {
            best = Some((lateral2, (normal, along)));
        }
    }
    best.map(|(_, plane)| plane)
}

/// Cell i's tangent plane, from the surface points of the cut cells around its
/// nearest cut cell `near`: the fitted plane near the wall, the plane through the
/// nearest surface point perpendicular to the way to it further in.
fn tangent_plane(
    voxels: &Voxels,
    cuts: &[Cut],
    entry: &[u32],
    i: usize,
    near: usize,
    lumen: bool,
) -> Option<Plane> {
    let dims = voxels.dims;
    let x = centre_cells(voxels, i);
    let p = dims.coords(near);
    let size = [dims.nx as i64, dims.ny as i64, dims.nz as i64];
    let mut around = Vec::new();
    for dz in -GATHER..=GATHER {
        for dy in -GATHER..=GATHER {
            for dx in -GATHER..=GATHER {
                let q = [p[0] as i64 + dx, p[1] as i64 + dy, p[2] as i64 + dz];
                if (0..3).any(|a| q[a] < 0 || q[a] >= size[a]) {
                    continue;
                }
                let cell = dims.index(q[0] as usize, q[1] as usize, q[2] as usize);
                around.extend(entry_of(entry, cell));
            }
        }
    }
    let (nearest_point, point) = around
        .iter()
        .flat_map(|&k| cuts[k].points.iter())
        .map(|s| ((0..3).map(|a| (x[a] - s[a]).powi(2)).sum::<f32>(), *s))
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let nearest_point = nearest_point.sqrt();
    let fitted = (nearest_point < PLANE_REACH)
        .then(|| plane_distance(cuts, &around, x, nearest_point))
        .flatten();
    let (normal, signed) = fitted.unwrap_or_else(|| {
        // From the surface towards x (lumen) or away from it (wall): into the lumen.
        let side = if lumen { 1.0 } else { -1.0 };
        let length = nearest_point.max(1e-6);
        let normal = std::array::from_fn(|a| side * (x[a] - point[a]) / length);
        (normal, side * nearest_point)
    });
    let signed = if lumen {
        signed.max(MIN_MAGNITUDE)
    } else {
        signed.min(-MIN_MAGNITUDE)
    };
    Some((normal, signed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{cut_cells, WallSurface};

    /// A sphere's lumen: every cell's distance from the sphere within 0.1 cells, from
    /// two cells into the wall to the centre (radius 6.3 cells, so the surface cuts
    /// the cells anywhere; more curved than any vessel the lattice resolves: measured
    /// worst 0.074 cells, in wall cells, from the curvature beside a plane's foot).
    #[test]
    fn distance_to_a_sphere_is_its_radius_minus_the_centre_distance() {
        let n = 17;
        let radius = 6.3f64;
        let dims = crate::lbm::GridDims::new(n, n, n);
        let mut voxels = Voxels {
            dims,
            voxel_size_m: 1.0,
            origin_m: [0.0; 3],
            kinds: vec![CellKind::Wall; dims.cells()],
            openings: Vec::new(),
            removed_unconnected: 0,
        };
        let centre = 8.37f64;
        let inside = move |p: [f64; 3]| {
            (0..3).map(|a| (p[a] - centre).powi(2)).sum::<f64>() < radius * radius
        };
        for i in 0..voxels.dims.cells() {
            if inside(voxels.cell_centre_m(i)) {
                voxels.kinds[i] = CellKind::Fluid;
            }
        }
        let beyond = vec![false; voxels.dims.cells()];
        let cut = cut_cells(&voxels, &beyond, &WallSurface::Implicit(Box::new(inside)));
        let d = surface_distance(&voxels, &cut).expect("the sphere cuts links");
        let mut worst = 0.0f64;
        for (i, plane) in d.iter().enumerate() {
            let c = voxels.cell_centre_m(i);
            let r = (0..3).map(|a| (c[a] - centre).powi(2)).sum::<f64>().sqrt();
            let exact = radius - r;
            if exact.abs() > 2.0 && exact < 0.0 {
                continue; // deep in the wall: not needed
            }
            let (normal, distance) = plane.expect("every cell has a plane");
            let err = (distance as f64 - exact).abs();
            assert!(
                err < 0.1,
                "cell at r = {r:.3}: {distance} against {exact:.3}"
            );
            // The normal points into the lumen: towards the centre.
            let inward: f64 = (0..3).map(|a| normal[a] as f64 * (centre - c[a]) / r).sum();
            assert!(
                r < 1.0 || inward > 0.95,
                "cell at r = {r:.3}: normal {normal:?}"
            );
            worst = worst.max(err);
        }
        println!("sphere R 6.3: worst distance error {worst:.4} cells");
    }
}
