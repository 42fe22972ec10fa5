//! Where the vessel's true surface cuts the lattice links that leave the lumen: for
//! every fluid cell x and direction q whose upstream neighbour x − c_q is a wall
//! cell, the fraction of the link x → x − c_q at which the wall lies. Interpolated
//! bounce-back (Bouzidi, Firdaouss & Lallemand, Phys. Fluids 13 (2001) 3452) places
//! the no-slip wall there instead of halfway between the two cell centres.
//!
//! The surface is the one the voxels were made from: analytic shapes exactly (by
//! bisection on their inside test), an STL mesh by segment–triangle intersection, a
//! NIfTI mask by its trilinear level set at ½ (the same the voxelizer samples).

use super::stl::Mesh;
use super::vec3::{cross, dot, sub};
use super::voxels::{CellKind, Voxels};
use crate::lbm::lattice::{Q, VELOCITIES};
use rayon::prelude::*;
use std::collections::HashMap;

/// Bisection steps on an inside test: the wall's place to 2⁻²⁰ of a link, far below
/// what f32 populations resolve.
const BISECTION_STEPS: usize = 20;

/// The smallest wall distance kept: a wall closer than this to a fluid centre acts
/// as if it were there (the interpolation is continuous as the distance goes to 0).
const MIN_DISTANCE: f64 = 1e-4;

/// A lumen described finely enough to place the wall between two cell centres.
pub enum WallSurface {
    /// Inside where the test holds (analytic shapes, a mask's level set).
    Implicit(Box<dyn Fn([f64; 3]) -> bool + Send + Sync>),
    /// A closed triangle surface (an STL with its open ends capped).
    Mesh(Mesh),
}

impl std::fmt::Debug for WallSurface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WallSurface::Implicit(_) => f.write_str("WallSurface::Implicit"),
            WallSurface::Mesh(m) => write!(f, "WallSurface::Mesh({} triangles)", m.triangles.len()),
        }
    }
}

/// A link from a fluid cell to a wall cell that the surface cuts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WallLink {
    /// Linear index of the fluid cell x.
    pub cell: usize,
    /// The direction q whose upstream neighbour x − c_q is the wall cell: the
    /// population bounced back into x along c_q.
    pub direction: usize,
    /// Where the wall cuts the link, as a fraction of it from x's centre, in (0, 1].
    pub distance: f32,
}

/// The links of every fluid cell of `voxels` that the surface cuts, ordered by cell
/// then direction. Wall cells beyond an opening (`beyond_openings`) are cut planes,
/// not vessel wall, and keep halfway bounce-back, as does a link the surface does not
/// cross (a wall cell whose centre the surface calls inside, e.g. an unconnected
/// pocket removed by the voxelizer).
pub fn wall_links(
    voxels: &Voxels,
    beyond_openings: &[bool],
    surface: &WallSurface,
) -> Vec<WallLink> {
    let dims = voxels.dims;
    let dx = voxels.voxel_size_m;
    let bins = match surface {
        WallSurface::Mesh(mesh) => Some(TriangleBins::new(mesh, voxels)),
        WallSurface::Implicit(_) => None,
    };
    (0..dims.cells())
        .into_par_iter()
        .filter(|&i| voxels.kinds[i] == CellKind::Fluid)
        .flat_map_iter(|cell| {
            let a = voxels.cell_centre_m(cell);
            let mut links = Vec::new();
            for (q, c) in VELOCITIES.iter().enumerate().take(Q).skip(1) {
                let wall = dims.neighbor(cell, [-c[0], -c[1], -c[2]]);
                if voxels.kinds[wall] != CellKind::Wall || beyond_openings[wall] {
                    continue;
                }
                // The unwrapped end of the link (periodic grids wrap the cell index).
                let b: [f64; 3] = std::array::from_fn(|k| a[k] - c[k] as f64 * dx);
                let cut = match (surface, &bins) {
                    (WallSurface::Implicit(inside), _) => bisect(inside.as_ref(), a, b),
                    (WallSurface::Mesh(mesh), Some(bins)) => bins.first_crossing(mesh, a, b),
                    (WallSurface::Mesh(_), None) => unreachable!("a mesh always has bins"),
                };
                if let Some(t) = cut {
                    links.push(WallLink {
                        cell,
                        direction: q,
                        distance: t.clamp(MIN_DISTANCE, 1.0) as f32,
                    });
                }
            }
            links
        })
        .collect()
}

/// The fraction of a → b where `inside` turns false, when a is inside and b is not.
fn bisect(
    inside: &(dyn Fn([f64; 3]) -> bool + Send + Sync),
    a: [f64; 3],
    b: [f64; 3],
) -> Option<f64> {
    if !inside(a) || inside(b) {
        return None;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..BISECTION_STEPS {
        let mid = 0.5 * (lo + hi);
        let p: [f64; 3] = std::array::from_fn(|k| a[k] + mid * (b[k] - a[k]));
        if inside(p) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The triangles of a mesh by the grid cells their bounding boxes overlap, so that a
/// link only tests the triangles near it.
struct TriangleBins {
    origin_m: [f64; 3],
    dx_m: f64,
    bins: HashMap<[i64; 3], Vec<u32>>,
}

impl TriangleBins {
    fn new(mesh: &Mesh, voxels: &Voxels) -> Self {
        let (origin_m, dx_m) = (voxels.origin_m, voxels.voxel_size_m);
        let cell_of = |v: f64, k: usize| ((v - origin_m[k]) / dx_m).floor() as i64;
        let mut bins: HashMap<[i64; 3], Vec<u32>> = HashMap::new();
        for (t, tri) in mesh.triangles.iter().enumerate() {
            let p = tri.map(|k| mesh.vertices[k as usize]);
            let lo: [i64; 3] =
                std::array::from_fn(|k| cell_of(p[0][k].min(p[1][k]).min(p[2][k]), k));
            let hi: [i64; 3] =
                std::array::from_fn(|k| cell_of(p[0][k].max(p[1][k]).max(p[2][k]), k));
            for z in lo[2]..=hi[2] {
                for y in lo[1]..=hi[1] {
                    for x in lo[0]..=hi[0] {
                        bins.entry([x, y, z]).or_default().push(t as u32);
                    }
                }
            }
        }
        TriangleBins {
            origin_m,
            dx_m,
            bins,
        }
    }

    /// The smallest fraction of a → b at which the segment meets a triangle. The
    /// segment joins two neighbouring cell centres, so it lies in the cells spanned by
    /// the two (at most four for D3Q19's links).
    fn first_crossing(&self, mesh: &Mesh, a: [f64; 3], b: [f64; 3]) -> Option<f64> {
        let cell = |p: [f64; 3]| -> [i64; 3] {
            std::array::from_fn(|k| ((p[k] - self.origin_m[k]) / self.dx_m).floor() as i64)
        };
        let (ca, cb) = (cell(a), cell(b));
        let mut best: Option<f64> = None;
        for z in ca[2].min(cb[2])..=ca[2].max(cb[2]) {
            for y in ca[1].min(cb[1])..=ca[1].max(cb[1]) {
                for x in ca[0].min(cb[0])..=ca[0].max(cb[0]) {
                    for &t in self.bins.get(&[x, y, z]).into_iter().flatten() {
                        let p = mesh.triangles[t as usize].map(|k| mesh.vertices[k as usize]);
                        if let Some(s) = segment_triangle(a, b, p) {
                            best = Some(best.map_or(s, |v: f64| v.min(s)));
                        }
                    }
                }
            }
        }
        best
    }
}

/// Where the segment a → b meets triangle p, as a fraction of the segment in [0, 1]
/// (Möller & Trumbore, J. Graphics Tools 2 (1997) 21).
fn segment_triangle(a: [f64; 3], b: [f64; 3], p: [[f64; 3]; 3]) -> Option<f64> {
    let d = sub(b, a);
    let (e1, e2) = (sub(p[1], p[0]), sub(p[2], p[0]));
    let h = cross(d, e2);
    let det = dot(e1, h);
    if det.abs() < 1e-30 {
        return None;
    }
    let s = sub(a, p[0]);
    let u = dot(s, h) / det;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let qv = cross(s, e1);
    let v = dot(d, qv) / det;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let t = dot(e2, qv) / det;
    (0.0..=1.0).contains(&t).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::primitives::straight_cylinder;
    use crate::geometry::voxels::Axis;

    /// A cylinder of radius 5.3 cells: every cut link ends on the circle.
    #[test]
    fn links_of_a_cylinder_end_on_its_surface() {
        let dx = 1.0;
        let r = 5.3;
        let v = straight_cylinder(r, 4.0, Axis::Z, dx);
        let c = v.dims.nx as f64 / 2.0;
        let inside = move |p: [f64; 3]| (p[0] - c).powi(2) + (p[1] - c).powi(2) < r * r;
        let beyond = vec![false; v.dims.cells()];
        let links = wall_links(&v, &beyond, &WallSurface::Implicit(Box::new(inside)));
        assert!(links.len() > 100, "{} links", links.len());
        for l in &links {
            let a = v.cell_centre_m(l.cell);
            let cq = VELOCITIES[l.direction];
            let p: [f64; 3] = std::array::from_fn(|k| a[k] - l.distance as f64 * cq[k] as f64 * dx);
            let radius = ((p[0] - c).powi(2) + (p[1] - c).powi(2)).sqrt();
            assert!((radius - r).abs() < 1e-4, "{l:?} ends at r = {radius}");
            assert!(l.distance > 0.0 && l.distance <= 1.0);
        }
    }

    #[test]
    fn a_segment_meets_a_triangle_where_it_crosses_its_plane() {
        let tri = [[0.0, 0.0, 1.0], [4.0, 0.0, 1.0], [0.0, 4.0, 1.0]];
        let t = segment_triangle([1.0, 1.0, 0.0], [1.0, 1.0, 4.0], tri).unwrap();
        assert!((t - 0.25).abs() < 1e-12);
        assert!(segment_triangle([5.0, 5.0, 0.0], [5.0, 5.0, 4.0], tri).is_none());
        assert!(segment_triangle([1.0, 1.0, 2.0], [1.0, 1.0, 4.0], tri).is_none());
    }
}
