//! Inflow profiles for openings of any shape, from the distance to the opening's rim.

use super::vec3::{dot, scale, sub};
use super::{CellKind, Opening, Voxels};
use crate::lbm::lattice::{Q, VELOCITIES};

/// A developed-flow shape for opening `k` of any outline: w = 1 − (1 − d/d_max)², with
/// d the in-plane distance from each cell centre to the opening's rim and d_max its
/// largest value. For a circle of radius R, d = R − r and w = 1 − (r/R)², the
/// Hagen–Poiseuille profile; for a slit of half-width h, d = h − |y| and w = 1 − (y/h)²,
/// plane Poiseuille flow. Other outlines get a parabola in the wall distance: zero at
/// the rim, largest on the medial axis, with no corner singularities to resolve.
///
/// The rim is where halfway bounce-back puts the wall: midway between an opening cell
/// and each wall neighbour along a lattice link, projected into the opening's plane.
pub fn rim_distance_shape(voxels: &Voxels, k: usize) -> Vec<f64> {
    let opening: &Opening = &voxels.openings[k];
    let normal = opening.normal;
    let in_plane = |p: [f64; 3]| sub(p, scale(normal, dot(p, normal)));
    let centre = |i: usize| voxels.dims.coords(i).map(|c| c as f64);
    let mut rim: Vec<[f64; 3]> = Vec::new();
    for &i in &opening.cells {
        let c = voxels.dims.coords(i);
        for v in VELOCITIES.iter().take(Q).skip(1) {
            let nb: Option<[usize; 3]> = (0..3)
                .map(|a| {
                    let n = c[a] as i64 + v[a] as i64;
                    let size = [voxels.dims.nx, voxels.dims.ny, voxels.dims.nz][a] as i64;
                    (0..size).contains(&n).then_some(n as usize)
                })
                .collect::<Option<Vec<_>>>()
                .map(|n| [n[0], n[1], n[2]]);
            let wall = match nb {
                Some(n) => voxels.kinds[voxels.dims.index(n[0], n[1], n[2])] == CellKind::Wall,
                None => true,
            };
            // Only links that lie (mostly) in the opening's plane bound it.
            let link = v.map(|x| x as f64);
            let along = dot(link, normal).abs() / dot(link, link).sqrt();
            if wall && along < 0.5 {
                let mid = c.map(|x| x as f64);
                rim.push(in_plane([
                    mid[0] + 0.5 * link[0],
                    mid[1] + 0.5 * link[1],
                    mid[2] + 0.5 * link[2],
                ]));
            }
        }
    }
    if rim.is_empty() {
        return vec![1.0; opening.cells.len()];
    }
    let rim_distance = |p: [f64; 3]| {
        let p = in_plane(p);
        rim.iter()
            .map(|r| {
                let d = sub(p, *r);
                dot(d, d)
            })
            .fold(f64::INFINITY, f64::min)
            .sqrt()
    };
    let distances: Vec<f64> = opening
        .cells
        .iter()
        .map(|&i| rim_distance(centre(i)))
        .collect();
    // The medial axis may pass between cell centres (an even number of cells across):
    // search half-cell offsets around the deepest cells for the true largest distance.
    let deepest = distances.iter().copied().fold(0.0, f64::max);
    let mut d_max = deepest;
    for (j, &i) in opening.cells.iter().enumerate() {
        if distances[j] >= deepest - 1.0 {
            for v in &VELOCITIES[1..] {
                let c = centre(i);
                let p = [0, 1, 2].map(|a| c[a] + 0.5 * v[a] as f64);
                d_max = d_max.max(rim_distance(p));
            }
        }
    }
    let d_max = d_max.max(1e-12);
    distances
        .iter()
        .map(|d| {
            let x = 1.0 - d / d_max;
            1.0 - x * x
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{rectangular_channel, straight_cylinder, Axis};

    fn rms(a: &[f64], b: &[f64]) -> f64 {
        (a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64).sqrt()
    }

    /// On a circle of radius 10 cells the rim-distance shape is Hagen–Poiseuille's
    /// 1 − (r/R)² up to the staircase rim: RMS difference below 0.05.
    #[test]
    fn circle_gives_the_poiseuille_profile() {
        let v = straight_cylinder(1.0e-3, 4.0e-4, Axis::Z, 1.0e-4);
        let shape = rim_distance_shape(&v, 0);
        let error = rms(&shape, &v.openings[0].parabolic_shape);
        assert!(error < 0.05, "RMS {error}");
    }

    /// A wide slit (40 × 8 cells): away from the short sides, the shape is plane
    /// Poiseuille across the height (RMS < 0.02); it is largest on the mid-line and
    /// never negative.
    #[test]
    fn slit_gives_plane_poiseuille_across_its_height() {
        let v = rectangular_channel(4.0e-3, 8.0e-4, 4.0e-4, Axis::Z, 1.0e-4);
        let shape = rim_distance_shape(&v, 0);
        let o = &v.openings[0];
        let (mut got, mut want) = (vec![], vec![]);
        for (j, &i) in o.cells.iter().enumerate() {
            let [x, y, _] = v.dims.coords(i);
            let (x_rel, y_rel) = (x as f64 - 20.5, y as f64 - 4.5);
            if x_rel.abs() < 10.0 {
                got.push(shape[j]);
                want.push(1.0 - (y_rel / 4.0).powi(2));
            }
        }
        assert!(!got.is_empty(), "grid {:?}", v.dims);
        let error = rms(&got, &want);
        assert!(error < 0.02, "RMS {error}");
        assert!(shape.iter().all(|&w| (0.0..=1.0).contains(&w)));
    }
}
