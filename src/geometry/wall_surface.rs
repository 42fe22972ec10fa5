//! The vessel wall as a triangle surface, for results on the wall (wall/wall_*.vtp):
//! naive surface nets (Gibson, "Constrained elastic surface nets", MICCAI 1998) on
//! the dual grid of cell centres. Every pair of neighbouring cells along an axis with
//! one in the lumen and one in the wall contributes a quad joining the four dual cubes
//! around their shared edge; each cube's vertex is the mean of where the wall crosses
//! its edges. Crossings come from the interpolated walls' cut links (the true
//! surface) or, with halfway walls, lie halfway. Openings stay open: cells cut away
//! beyond them are not wall.

use super::voxels::{CellKind, Voxels};
use super::wall_links::CutCell;
use crate::lbm::lattice::VELOCITIES;
use std::collections::HashMap;

/// A triangulated wall with, per vertex, the lumen cells it takes its values from.
#[derive(Clone, Debug, Default)]
pub struct WallMesh {
    /// Vertex positions [m].
    pub points: Vec<[f32; 3]>,
    pub triangles: Vec<[u32; 3]>,
    /// Per vertex, the lumen cells (grid indices) at the corners of its dual cube
    /// that touch the wall: what it averages.
    pub sources: Vec<Vec<u32>>,
}

/// The wall between the lumen of `voxels` and its wall cells; `cut` gives where the
/// true surface crosses the links of each cut cell (empty: halfway).
pub fn wall_mesh(voxels: &Voxels, beyond_openings: &[bool], cut: &[CutCell]) -> WallMesh {
    let d = voxels.dims;
    let n = [d.nx, d.ny, d.nz];
    let lumen = |i: usize| voxels.kinds[i] != CellKind::Wall;
    let wall = |i: usize| voxels.kinds[i] == CellKind::Wall && !beyond_openings[i];
    // Where the surface cuts the link from lumen cell i against direction q.
    let crossings: HashMap<(usize, usize), f32> = cut
        .iter()
        .flat_map(|c| c.links.iter().map(move |&(q, t)| ((c.cell, q), t)))
        .collect();
    let mut mesh = WallMesh::default();
    let mut vertex_of: HashMap<[usize; 3], u32> = HashMap::new();
    // The dual cube with lowest corner cell `c`: its vertex, made on first use.
    let mut vertex = |c: [usize; 3], mesh: &mut WallMesh| -> u32 {
        *vertex_of.entry(c).or_insert_with(|| {
            let (point, sources) = cube_vertex(voxels, c, &lumen, &wall, &crossings);
            mesh.points.push(point);
            mesh.sources.push(sources);
            mesh.points.len() as u32 - 1
        })
    };
    for axis in 0..3 {
        let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
        for i in 0..d.cells() {
            let a = d.coords(i);
            // The edge a → a + e_axis, with the four cubes around it in range.
            if a[axis] + 1 >= n[axis]
                || a[u] == 0
                || a[v] == 0
                || a[u] >= n[u] - 1
                || a[v] >= n[v] - 1
            {
                continue;
            }
            let mut b = a;
            b[axis] += 1;
            let j = d.index(b[0], b[1], b[2]);
            let inward = if lumen(i) && wall(j) {
                false
            } else if wall(i) && lumen(j) {
                true
            } else {
                continue;
            };
            let corner = |du: usize, dv: usize| {
                let mut c = a;
                c[u] -= du;
                c[v] -= dv;
                c
            };
            let quad = [corner(1, 1), corner(0, 1), corner(0, 0), corner(1, 0)]
                .map(|c| vertex(c, &mut mesh));
            // Counter-clockwise seen from the wall side: normals point out of the lumen.
            let [p, q, r, s] = if inward {
                [quad[0], quad[3], quad[2], quad[1]]
            } else {
                quad
            };
            mesh.triangles.push([p, q, r]);
            mesh.triangles.push([p, r, s]);
        }
    }
    mesh
}

/// The vertex of the dual cube whose lowest corner is cell `c`: the mean of the wall's
/// crossings of the cube's 12 edges [m], and the cube's lumen corners next to the wall.
fn cube_vertex(
    voxels: &Voxels,
    c: [usize; 3],
    lumen: &dyn Fn(usize) -> bool,
    wall: &dyn Fn(usize) -> bool,
    crossings: &HashMap<(usize, usize), f32>,
) -> ([f32; 3], Vec<u32>) {
    let d = voxels.dims;
    let corner = |k: usize| [c[0] + (k & 1), c[1] + ((k >> 1) & 1), c[2] + ((k >> 2) & 1)];
    let index = |p: [usize; 3]| d.index(p[0], p[1], p[2]);
    let mut sum = [0.0f64; 3];
    let mut count = 0usize;
    let mut sources = Vec::new();
    for k in 0..8 {
        let p = corner(k);
        let i = index(p);
        if lumen(i) {
            sources.push(i as u32);
        }
        for axis in 0..3 {
            if (k >> axis) & 1 == 1 {
                continue;
            }
            let mut q = p;
            q[axis] += 1;
            let j = index(q);
            let (inside, outside) = if lumen(i) && wall(j) {
                (i, j)
            } else if wall(i) && lumen(j) {
                (j, i)
            } else {
                continue;
            };
            let (a, b) = (voxels.cell_centre_m(inside), voxels.cell_centre_m(outside));
            // The lattice direction from the wall cell to the lumen cell.
            let mut step = [0i32; 3];
            step[axis] = if inside == i { -1 } else { 1 };
            let direction = VELOCITIES.iter().position(|v| *v == step);
            let t = direction
                .and_then(|q| crossings.get(&(inside, q)))
                .map_or(0.5, |&t| t as f64);
            for k in 0..3 {
                sum[k] += a[k] + t * (b[k] - a[k]);
            }
            count += 1;
        }
    }
    let point = sum.map(|s| (s / count.max(1) as f64) as f32);
    (point, sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::primitives::straight_cylinder;
    use crate::geometry::voxels::Axis;
    use crate::geometry::wall_links::{cut_cells, WallSurface};

    /// A cylinder of radius 6.3 cells: with cut links every vertex lies on the circle
    /// within 0.05 cells (the mean of a cube's crossings sits inside the arc), with
    /// halfway crossings within 0.6 cells; the surface is closed around the axis and
    /// open at the ends (its area is 2πRL within 3%).
    #[test]
    fn surface_nets_follow_the_wall() {
        let r = 6.3;
        let v = straight_cylinder(r, 10.0, Axis::Z, 1.0);
        let c = v.dims.nx as f64 / 2.0;
        let beyond = vec![false; v.dims.cells()];
        let inside = move |p: [f64; 3]| (p[0] - c).powi(2) + (p[1] - c).powi(2) < r * r;
        let cut = cut_cells(&v, &beyond, &WallSurface::Implicit(Box::new(inside)));
        for (links, tolerance) in [(&cut[..], 0.05), (&[][..], 0.35)] {
            let mesh = wall_mesh(&v, &beyond, links);
            let mut worst = 0.0f64;
            for p in &mesh.points {
                let radius = ((p[0] as f64 - c).powi(2) + (p[1] as f64 - c).powi(2)).sqrt();
                worst = worst.max((radius - r).abs());
            }
            let area: f64 = mesh
                .triangles
                .iter()
                .map(|t| {
                    let [a, b, d] = t.map(|k| mesh.points[k as usize].map(|x| x as f64));
                    let (e, f) = (
                        [b[0] - a[0], b[1] - a[1], b[2] - a[2]],
                        [d[0] - a[0], d[1] - a[1], d[2] - a[2]],
                    );
                    let x = [
                        e[1] * f[2] - e[2] * f[1],
                        e[2] * f[0] - e[0] * f[2],
                        e[0] * f[1] - e[1] * f[0],
                    ];
                    0.5 * (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt()
                })
                .sum();
            // The surface spans the vertex z range (dual cubes between cell centres).
            let (lo, hi) = mesh.points.iter().fold((f64::MAX, f64::MIN), |(l, h), p| {
                (l.min(p[2] as f64), h.max(p[2] as f64))
            });
            let expected = 2.0 * std::f64::consts::PI * r * (hi - lo);
            println!(
                "{} crossings: {} vertices, worst radius error {worst:.3} cells, area {area:.1} vs {expected:.1}",
                if links.is_empty() { "halfway" } else { "cut" },
                mesh.points.len()
            );
            assert!(worst < tolerance, "worst radius error {worst}");
            assert!(
                (area / expected - 1.0).abs() < 0.03,
                "area {area} vs {expected}"
            );
            assert!(mesh.sources.iter().all(|s| !s.is_empty()));
        }
    }
}
