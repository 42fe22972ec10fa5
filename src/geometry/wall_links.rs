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
    /// A closed triangle surface: an STL with its open ends capped. Its first
    /// `vessel_triangles` triangles are the file's own, the rest close the openings.
    Mesh {
        capped: Mesh,
        vessel_triangles: usize,
    },
}

impl std::fmt::Debug for WallSurface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WallSurface::Implicit(_) => f.write_str("WallSurface::Implicit"),
            WallSurface::Mesh { capped, .. } => {
                write!(f, "WallSurface::Mesh({} triangles)", capped.triangles.len())
            }
        }
    }
}

/// A fluid cell next to the wall: the links of it the surface cuts, and the wall's
/// plane near it.
#[derive(Clone, Debug, PartialEq)]
pub struct CutCell {
    /// Linear index of the fluid cell x.
    pub cell: usize,
    /// Per cut link, by increasing direction: the direction q whose upstream
    /// neighbour x − c_q is the wall cell (the population bounced back into x along
    /// c_q), and where the wall cuts the link, as a fraction of it from x's centre, in
    /// (0, 1].
    pub links: Vec<(usize, f32)>,
    /// The wall's unit normal near x, pointing into the lumen, and x's distance from
    /// the wall along it [cells]; `None` where too little of the surface is in reach
    /// to fit a plane.
    pub wall: Option<([f32; 3], f32)>,
}

/// Rays probing the surface around a cell for its plane reach this far [cells]: the
/// plane is fitted to about one cell around the nearest wall point.
const FRAME_REACH: f64 = 1.5;
/// The first fan's reach [cells], from a cell up to √2 cells off the wall.
const FIRST_REACH: f64 = 3.0;

/// Finds where segments cross a surface (mesh triangles binned once).
struct Probe<'a> {
    surface: &'a WallSurface,
    bins: Option<TriangleBins>,
}

impl<'a> Probe<'a> {
    fn new(surface: &'a WallSurface, voxels: &Voxels) -> Self {
        let bins = match surface {
            WallSurface::Mesh { capped, .. } => Some(TriangleBins::new(capped, voxels)),
            WallSurface::Implicit(_) => None,
        };
        Probe { surface, bins }
    }

    /// The fraction of a → b at which the segment first leaves the lumen.
    fn crossing(&self, a: [f64; 3], b: [f64; 3]) -> Option<f64> {
        match (self.surface, &self.bins) {
            (WallSurface::Implicit(inside), _) => bisect(inside.as_ref(), a, b),
            (WallSurface::Mesh { capped, .. }, Some(bins)) => bins.first_crossing(capped, a, b),
            (WallSurface::Mesh { .. }, None) => None,
        }
    }
}

/// Every lumen cell of `voxels` (fluid or opening) with a link the surface cuts, in
/// cell order (opening cells take their populations from the boundary condition, but
/// their cuts place the wall surface there). Wall
/// cells beyond an opening (`beyond_openings`) are cut planes, not vessel wall, and
/// keep halfway bounce-back, as does a link the surface does not cross (a wall cell
/// whose centre the surface calls inside, e.g. an unconnected pocket the voxelizer
/// removed).
pub fn cut_cells(voxels: &Voxels, beyond_openings: &[bool], surface: &WallSurface) -> Vec<CutCell> {
    let dims = voxels.dims;
    let dx = voxels.voxel_size_m;
    let probe = Probe::new(surface, voxels);
    (0..dims.cells())
        .into_par_iter()
        .filter(|&i| voxels.kinds[i] != CellKind::Wall)
        .filter_map(|cell| {
            let a = voxels.cell_centre_m(cell);
            let mut links = Vec::new();
            for (q, c) in VELOCITIES.iter().enumerate().take(Q).skip(1) {
                let wall = dims.neighbor(cell, [-c[0], -c[1], -c[2]]);
                if voxels.kinds[wall] != CellKind::Wall || beyond_openings[wall] {
                    continue;
                }
                // The unwrapped end of the link (periodic grids wrap the cell index).
                let b: [f64; 3] = std::array::from_fn(|k| a[k] - c[k] as f64 * dx);
                if let Some(t) = probe.crossing(a, b) {
                    links.push((q, t.clamp(MIN_DISTANCE, 1.0) as f32));
                }
            }
            (!links.is_empty()).then(|| CutCell {
                cell,
                links,
                wall: wall_plane(&probe, a, dx),
            })
        })
        .collect()
}

/// The wall's plane near the lumen point x [m]: a least-squares plane through where
/// rays in the 26 grid directions meet the surface, its normal
/// turned towards x. The fan is cast from x, then again from half a cell off the
/// wall point nearest x, so that it spreads evenly about that point (on a curved wall
/// a lopsided fan tilts the plane); x's distance from the wall is measured along the
/// normal by one more ray. Returns the normal and the distance [cells].
fn wall_plane(probe: &Probe, x: [f64; 3], dx: f64) -> Option<([f32; 3], f32)> {
    // The first fan reaches further: x may lie up to √2 cells from the wall.
    let (normal, distance) = fitted_plane(probe, x, dx, FIRST_REACH)?;
    let centre: [f64; 3] = std::array::from_fn(|a| x[a] - (distance - 0.5 * dx) * normal[a]);
    let (normal, _) = fitted_plane(probe, centre, dx, FRAME_REACH).unwrap_or((normal, distance));
    let normal = if dot(normal, normal) > 0.0 {
        normal
    } else {
        return None;
    };
    // Along −n from x, at most two cells, to the surface.
    let end: [f64; 3] = std::array::from_fn(|a| x[a] - normal[a] * 2.0 * dx);
    let t = probe.crossing(x, end)?;
    Some((normal.map(|v| v as f32), (2.0 * t) as f32))
}

/// The plane fitted to the fan of rays from `from`: its unit normal (towards `from`)
/// and the distance of `from` from the surface along it [m].
fn fitted_plane(probe: &Probe, from: [f64; 3], dx: f64, reach: f64) -> Option<([f64; 3], f64)> {
    let mut hits: Vec<[f64; 3]> = Vec::new();
    for k in 0..27 {
        let d = [k % 3, (k / 3) % 3, k / 9].map(|v| v as f64 - 1.0);
        let length = dot(d, d).sqrt();
        if length == 0.0 {
            continue;
        }
        let end: [f64; 3] = std::array::from_fn(|a| from[a] + d[a] / length * reach * dx);
        if let Some(t) = probe.crossing(from, end) {
            hits.push(std::array::from_fn(|a| from[a] + t * (end[a] - from[a])));
        }
    }
    if hits.len() < 3 {
        return None;
    }
    let mean = centroid(&hits);
    let mut normal = plane_normal(&hits, mean)?;
    if dot(normal, sub(from, mean)) < 0.0 {
        normal = normal.map(|v| -v);
    }
    let end: [f64; 3] = std::array::from_fn(|a| from[a] - normal[a] * 2.0 * dx);
    let t = probe.crossing(from, end)?;
    Some((normal, 2.0 * t * dx))
}

fn centroid(points: &[[f64; 3]]) -> [f64; 3] {
    let n = points.len() as f64;
    std::array::from_fn(|a| points.iter().map(|p| p[a]).sum::<f64>() / n)
}

/// The unit normal of the least-squares plane through `points` (centroid `mean`):
/// the eigenvector of their covariance with the smallest eigenvalue, by cyclic Jacobi
/// rotations (Golub & Van Loan, Matrix Computations, sec. 8.5).
fn plane_normal(points: &[[f64; 3]], mean: [f64; 3]) -> Option<[f64; 3]> {
    let mut m = [[0.0f64; 3]; 3];
    for p in points {
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += (p[i] - mean[i]) * (p[j] - mean[j]);
            }
        }
    }
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _ in 0..16 {
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if m[p][q].abs() < 1e-300 {
                continue;
            }
            let theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            for row in m.iter_mut() {
                let (a, b) = (row[p], row[q]);
                row[p] = c * a - s * b;
                row[q] = s * a + c * b;
            }
            let (rp, rq) = (m[p], m[q]);
            m[p] = std::array::from_fn(|k| c * rp[k] - s * rq[k]);
            m[q] = std::array::from_fn(|k| s * rp[k] + c * rq[k]);
            for row in v.iter_mut() {
                let (a, b) = (row[p], row[q]);
                row[p] = c * a - s * b;
                row[q] = s * a + c * b;
            }
        }
    }
    let smallest = (0..3).min_by(|&a, &b| m[a][a].total_cmp(&m[b][b]))?;
    let normal = [v[0][smallest], v[1][smallest], v[2][smallest]];
    let length = dot(normal, normal).sqrt();
    (length > 0.5).then(|| normal.map(|c| c / length))
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

    /// A cylinder of radius 5.3 cells: every cut link ends on the circle, and every cut
    /// cell's fitted wall plane is the circle's tangent.
    #[test]
    fn links_of_a_cylinder_end_on_its_surface() {
        let dx = 1.0;
        let r = 5.3;
        let v = straight_cylinder(r, 4.0, Axis::Z, dx);
        let c = v.dims.nx as f64 / 2.0;
        let inside = move |p: [f64; 3]| (p[0] - c).powi(2) + (p[1] - c).powi(2) < r * r;
        let beyond = vec![false; v.dims.cells()];
        let cut = cut_cells(&v, &beyond, &WallSurface::Implicit(Box::new(inside)));
        assert!(cut.len() > 30, "{} cut cells", cut.len());
        let (mut worst_cos, mut worst_d) = (1.0f64, 0.0f64);
        for cell in &cut {
            let a = v.cell_centre_m(cell.cell);
            let radial = [a[0] - c, a[1] - c];
            let r_cell = radial[0].hypot(radial[1]);
            for &(q, distance) in &cell.links {
                let cq = VELOCITIES[q];
                let p: [f64; 3] =
                    std::array::from_fn(|k| a[k] - distance as f64 * cq[k] as f64 * dx);
                let radius = ((p[0] - c).powi(2) + (p[1] - c).powi(2)).sqrt();
                assert!((radius - r).abs() < 1e-4, "{cell:?} ends at r = {radius}");
                assert!(distance > 0.0 && distance <= 1.0);
            }
            // The fitted wall: normal along −r̂ within 2.5° (measured 2.0° on this
            // tight circle), distance R − r within 0.005 cells.
            let (n, d) = cell.wall.expect("a plane fits");
            let cosine = -(n[0] as f64 * radial[0] + n[1] as f64 * radial[1]) / r_cell;
            worst_cos = worst_cos.min(cosine);
            let expected = r - r_cell;
            worst_d = worst_d.max((d as f64 - expected).abs());
        }
        println!(
            "fitted walls: normal within {:.2} deg, distance within {worst_d:.1e} cells",
            worst_cos.acos().to_degrees()
        );
        assert!(worst_cos > 2.5f64.to_radians().cos() && worst_d < 5e-3);
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
