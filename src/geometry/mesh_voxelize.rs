//! Inside test of a closed triangle surface on a voxel grid, by ray parity along the
//! three grid axes with a majority vote: a small gap or a stray triangle can flip one
//! ray direction but rarely two. Rows are processed in parallel (rayon).

use super::stl::Mesh;
use crate::lbm::GridDims;
use rayon::prelude::*;

/// Rays are shifted off the cell centres by these fractions of a voxel so that they
/// almost surely miss vertices and edges lying on grid lines.
const RAY_OFFSET: [f64; 2] = [1.234_567e-4, 2.718_281e-4];

/// For every cell of the grid (corner `origin_m`, voxel `dx_m`), whether its centre is
/// inside the closed `mesh`.
pub fn inside_mask(mesh: &Mesh, origin_m: [f64; 3], dx_m: f64, dims: GridDims) -> Vec<bool> {
    let n = [dims.nx, dims.ny, dims.nz];
    let mut votes = vec![0u8; dims.cells()];
    for axis in 0..3 {
        let (au, av) = ((axis + 1) % 3, (axis + 2) % 3);
        let row_u = |i: usize| origin_m[au] + (i as f64 + 0.5 + RAY_OFFSET[0]) * dx_m;
        let row_v = |j: usize| origin_m[av] + (j as f64 + 0.5 + RAY_OFFSET[1]) * dx_m;
        // Bin triangles by the v-rows they span.
        let mut bins: Vec<Vec<u32>> = vec![Vec::new(); n[av]];
        for (t, tri) in mesh.triangles.iter().enumerate() {
            let vs = tri.map(|k| mesh.vertices[k as usize][av]);
            let (lo, hi) = (
                vs.iter().copied().fold(f64::INFINITY, f64::min),
                vs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            let first = (((lo - origin_m[av]) / dx_m - 0.5 - RAY_OFFSET[1])
                .ceil()
                .max(0.0)) as usize;
            let last = ((hi - origin_m[av]) / dx_m - 0.5 - RAY_OFFSET[1]).floor();
            if last < 0.0 {
                continue;
            }
            for bin in bins
                .iter_mut()
                .take((last as usize + 1).min(n[av]))
                .skip(first)
            {
                bin.push(t as u32);
            }
        }
        // Per v-row: crossings of each u-row's ray, then parity along the axis.
        let planes: Vec<Vec<bool>> = (0..n[av])
            .into_par_iter()
            .map(|j| {
                let pv = row_v(j);
                let mut crossings: Vec<Vec<f64>> = vec![Vec::new(); n[au]];
                for &t in &bins[j] {
                    let p = mesh.triangles[t as usize].map(|k| mesh.vertices[k as usize]);
                    let (u0, u1) = (
                        p.iter().map(|q| q[au]).fold(f64::INFINITY, f64::min),
                        p.iter().map(|q| q[au]).fold(f64::NEG_INFINITY, f64::max),
                    );
                    let first = (((u0 - origin_m[au]) / dx_m - 0.5 - RAY_OFFSET[0])
                        .ceil()
                        .max(0.0)) as usize;
                    let last = ((u1 - origin_m[au]) / dx_m - 0.5 - RAY_OFFSET[0]).floor();
                    if last < 0.0 {
                        continue;
                    }
                    let d = (p[1][au] - p[0][au]) * (p[2][av] - p[0][av])
                        - (p[2][au] - p[0][au]) * (p[1][av] - p[0][av]);
                    if d == 0.0 {
                        continue; // edge-on to the rays
                    }
                    for (i, row) in crossings
                        .iter_mut()
                        .enumerate()
                        .take((last as usize + 1).min(n[au]))
                        .skip(first)
                    {
                        let pu = row_u(i);
                        // Barycentric coordinates of (pu, pv) in the projected triangle.
                        let l1 = ((pu - p[0][au]) * (p[2][av] - p[0][av])
                            - (p[2][au] - p[0][au]) * (pv - p[0][av]))
                            / d;
                        let l2 = ((p[1][au] - p[0][au]) * (pv - p[0][av])
                            - (pu - p[0][au]) * (p[1][av] - p[0][av]))
                            / d;
                        if l1 >= 0.0 && l2 >= 0.0 && l1 + l2 <= 1.0 {
                            row.push(
                                p[0][axis]
                                    + l1 * (p[1][axis] - p[0][axis])
                                    + l2 * (p[2][axis] - p[0][axis]),
                            );
                        }
                    }
                }
                let mut inside = vec![false; n[au] * n[axis]];
                for (i, row) in crossings.iter_mut().enumerate() {
                    row.sort_by(f64::total_cmp);
                    let mut passed = 0;
                    for k in 0..n[axis] {
                        let c = origin_m[axis] + (k as f64 + 0.5) * dx_m;
                        while passed < row.len() && row[passed] < c {
                            passed += 1;
                        }
                        inside[i * n[axis] + k] = passed % 2 == 1;
                    }
                }
                inside
            })
            .collect();
        for (j, plane) in planes.iter().enumerate() {
            for i in 0..n[au] {
                for k in 0..n[axis] {
                    if plane[i * n[axis] + k] {
                        let mut c = [0usize; 3];
                        c[axis] = k;
                        c[au] = i;
                        c[av] = j;
                        votes[dims.index(c[0], c[1], c[2])] += 1;
                    }
                }
            }
        }
    }
    votes.iter().map(|&v| v >= 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::stl::parse_stl;
    use std::path::Path;

    fn icosphere_like(radius: f64, stacks: usize, slices: usize) -> Mesh {
        // A UV sphere as a closed triangle mesh.
        let mut soup = String::from("solid s\n");
        let p = |i: usize, j: usize| {
            let th = std::f64::consts::PI * i as f64 / stacks as f64;
            let ph = std::f64::consts::TAU * j as f64 / slices as f64;
            format!(
                "vertex {} {} {}",
                radius * th.sin() * ph.cos(),
                radius * th.sin() * ph.sin(),
                radius * th.cos()
            )
        };
        for i in 0..stacks {
            for j in 0..slices {
                let (a, b, c, d) = (p(i, j), p(i + 1, j), p(i + 1, j + 1), p(i, j + 1));
                for t in [[&a, &b, &c], [&a, &c, &d]] {
                    soup += &format!(
                        "facet normal 0 0 0\nouter loop\n{}\n{}\n{}\nendloop\nendfacet\n",
                        t[0], t[1], t[2]
                    );
                }
            }
        }
        parse_stl(soup.as_bytes(), Path::new("sphere.stl")).unwrap()
    }

    #[test]
    fn sphere_volume_is_recovered() {
        let mesh = icosphere_like(1.0, 48, 96);
        let dx = 0.05;
        let dims = GridDims::new(44, 44, 44);
        let mask = inside_mask(&mesh, [-1.1; 3], dx, dims);
        let volume = mask.iter().filter(|&&m| m).count() as f64 * dx.powi(3);
        let exact = 4.0 / 3.0 * std::f64::consts::PI;
        println!(
            "sphere R = 20 voxels: volume error {:+.3}%",
            100.0 * (volume / exact - 1.0)
        );
        assert!(
            (volume - exact).abs() / exact < 0.01,
            "volume {volume} vs {exact}"
        );
        assert!(mask[dims.index(22, 22, 22)]);
        assert!(!mask[dims.index(1, 1, 1)]);
    }

    /// A hole of a few triangles (a gap in the segmentation) flips rays through it in
    /// one direction only; the vote over three directions keeps the volume.
    #[test]
    fn small_gaps_do_not_leak() {
        let mut mesh = icosphere_like(1.0, 48, 96);
        // Remove 6 neighbouring triangles on the equator, and duplicate a few others.
        let equator = 24 * 96 * 2;
        mesh.triangles.drain(equator..equator + 6);
        let copies: Vec<[u32; 3]> = mesh.triangles[100..110].to_vec();
        mesh.triangles
            .extend(copies.iter().map(|t| [t[1], t[2], t[0]]));
        let dx = 0.05;
        let dims = GridDims::new(44, 44, 44);
        let mask = inside_mask(&mesh, [-1.1; 3], dx, dims);
        let volume = mask.iter().filter(|&&m| m).count() as f64 * dx.powi(3);
        let exact = 4.0 / 3.0 * std::f64::consts::PI;
        println!(
            "sphere with a 6-triangle hole and 10 duplicated triangles: volume error {:+.3}%",
            100.0 * (volume / exact - 1.0)
        );
        assert!(
            (volume - exact).abs() / exact < 0.01,
            "volume {volume} vs {exact}"
        );
    }
}
