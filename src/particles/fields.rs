//! Per-cell data the particle kernels read, computed once on the host from the voxels:
//! signed wall distance and the branch each cell drains to.

use crate::geometry::fields::distance_to_seeds;
use crate::geometry::{CellKind, Role, Voxels};
use crate::lbm::lattice::VELOCITIES;
use std::collections::VecDeque;

/// Per cell (signed wall distance, 0, 0, 0) [cells]: the distance from the cell centre
/// to the halfway wall, positive in the lumen and negative in the wall (so that
/// interpolation between a fluid and a wall centre crosses zero on the wall surface).
/// Only wall cells beside fluid (the vessel's side walls) count: the walls that close
/// the grid beyond an opening must not push particles back from the outlet.
pub fn cell_geometry(voxels: &Voxels) -> Vec<[f32; 4]> {
    let dims = voxels.dims;
    let size = [dims.nx as i64, dims.ny as i64, dims.nz as i64];
    let side_wall: Vec<bool> = (0..dims.cells())
        .map(|i| {
            voxels.kinds[i] == CellKind::Wall && {
                let p = dims.coords(i);
                VELOCITIES.iter().skip(1).any(|c| {
                    let q: [i64; 3] = std::array::from_fn(|a| p[a] as i64 + c[a] as i64);
                    (0..3).all(|a| q[a] >= 0 && q[a] < size[a])
                        && voxels.kinds[dims.index(q[0] as usize, q[1] as usize, q[2] as usize)]
                            == CellKind::Fluid
                })
            }
        })
        .collect();
    let to_wall = distance_to_seeds(dims, &side_wall);
    let lumen: Vec<bool> = voxels.kinds.iter().map(|k| *k != CellKind::Wall).collect();
    let to_lumen = distance_to_seeds(dims, &lumen);
    (0..dims.cells())
        .map(|i| {
            if voxels.kinds[i] == CellKind::Wall {
                [-(to_lumen[i] - 0.5).max(0.5), 0.0, 0.0, 0.0]
            } else {
                [(to_wall[i] - 0.5).max(0.5), 0.0, 0.0, 0.0]
            }
        })
        .collect()
}

/// [`cell_geometry`] measured to the vessel's true surface where the scenario has one
/// (src/geometry/surface_distance.rs): the staircase is up to half a cell off it on
/// each side, which made a sphere lodge about a voxel early in a narrowing (issue 19).
/// Each cell also carries its tangent plane's normal (octahedral, [`encode_normal`]) so
/// that the kernel can take the distance between centres as the nearest of the corner
/// cells' planes: trilinear interpolation of a distance field cuts the ridge on a
/// vessel's axis by up to 0.7 cells, planes do not. Cells beyond the openings, and
/// cells the surface is out of reach of, keep the staircase value and no plane.
pub fn scenario_cell_geometry(loaded: &crate::scenario::LoadedScenario) -> Vec<[f32; 4]> {
    let mut geometry = cell_geometry(&loaded.voxels);
    let Some(surface) = &loaded.surface else {
        return geometry;
    };
    let computed;
    let cut = if loaded.wall_links.is_empty() {
        computed = crate::geometry::cut_cells(&loaded.voxels, &loaded.beyond_openings, surface);
        &computed
    } else {
        &loaded.wall_links
    };
    let Some(planes) = crate::geometry::surface_distance::surface_distance(&loaded.voxels, cut)
    else {
        return geometry;
    };
    // A catheter is wall the true surface does not know: cells clearly nearer to it
    // than to the vessel's wall keep the staircase distance (to the catheter).
    let catheter = loaded.catheter.is_some();
    for (i, (g, plane)) in geometry.iter_mut().zip(planes).enumerate() {
        if let (Some((normal, distance)), false) = (plane, loaded.beyond_openings[i]) {
            if catheter && g[0] + 1.0 < distance {
                continue;
            }
            let [a, b] = encode_normal(normal);
            *g = [distance, a + NORMAL_OFFSET, g[2], b];
        }
    }
    geometry
}

/// Offset added to the first octahedral coordinate in `cell_geometry.y`, so that 0
/// there (staircase cells, walls made by occlusion) means "no plane".
pub const NORMAL_OFFSET: f32 = 2.0;

/// Octahedral encoding of a unit vector in two numbers in [−1, 1] (Cigolle et al.,
/// J. Computer Graphics Techniques 3 (2014) 1): project onto the octahedron
/// |x| + |y| + |z| = 1 and fold the lower half over the upper.
pub fn encode_normal(n: [f32; 3]) -> [f32; 2] {
    let l1 = n[0].abs() + n[1].abs() + n[2].abs();
    let (x, y) = (n[0] / l1, n[1] / l1);
    if n[2] >= 0.0 {
        [x, y]
    } else {
        let sign = |v: f32| if v >= 0.0 { 1.0 } else { -1.0 };
        [(1.0 - y.abs()) * sign(x), (1.0 - x.abs()) * sign(y)]
    }
}

/// Inverse of [`encode_normal`] (the kernels decode the same way).
pub fn decode_normal(e: [f32; 2]) -> [f32; 3] {
    let z = 1.0 - e[0].abs() - e[1].abs();
    let sign = |v: f32| if v >= 0.0 { 1.0 } else { -1.0 };
    let (x, y) = if z < 0.0 {
        (
            (1.0 - e[1].abs()) * sign(e[0]),
            (1.0 - e[0].abs()) * sign(e[1]),
        )
    } else {
        (e[0], e[1])
    };
    let l = (x * x + y * y + z * z).sqrt();
    [x / l, y / l, z / l]
}

/// Label of no branch (walls, and lumen no outlet can be reached from).
pub const NO_BRANCH: u32 = u32::MAX;

/// The outlet each lumen cell drains to: the opening index of the outlet nearest
/// through the lumen (breadth-first over face neighbours from every outlet at once).
/// Cells of a parent vessel go to the nearer of its daughters' outlets.
pub fn branch_labels(voxels: &Voxels) -> Vec<u32> {
    let dims = voxels.dims;
    let mut label = vec![NO_BRANCH; dims.cells()];
    let mut queue = VecDeque::new();
    for (k, o) in voxels.openings.iter().enumerate() {
        if o.role == Role::Outlet {
            for &c in &o.cells {
                label[c] = k as u32;
                queue.push_back(c);
            }
        }
    }
    // The six face neighbours: lattice directions 1..=6 (src/lbm/lattice.rs).
    let faces = &VELOCITIES[1..7];
    let size = [dims.nx as i64, dims.ny as i64, dims.nz as i64];
    while let Some(c) = queue.pop_front() {
        let p = dims.coords(c);
        for f in faces {
            let q: [i64; 3] = std::array::from_fn(|a| p[a] as i64 + f[a] as i64);
            if (0..3).any(|a| q[a] < 0 || q[a] >= size[a]) {
                continue;
            }
            let n = dims.index(q[0] as usize, q[1] as usize, q[2] as usize);
            if label[n] == NO_BRANCH && voxels.kinds[n] != CellKind::Wall {
                label[n] = label[c];
                queue.push_back(n);
            }
        }
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normals_survive_octahedral_encoding() {
        let mut worst = 0.0f32;
        for k in 0..2000 {
            // Fibonacci sphere: directions all round, both hemispheres, the poles.
            let z = 1.0 - 2.0 * (k as f32 + 0.5) / 2000.0;
            let phi = k as f32 * 2.399_963;
            let r = (1.0 - z * z).sqrt();
            let n = [r * phi.cos(), r * phi.sin(), z];
            let back = decode_normal(encode_normal(n));
            let err = (0..3).map(|a| (back[a] - n[a]).abs()).fold(0.0, f32::max);
            worst = worst.max(err);
        }
        assert!(worst < 1e-5, "worst component error {worst}");
        for n in [
            [0.0, 0.0, 1.0],
            [0.0, 0.0, -1.0],
            [1.0, 0.0, 0.0],
            [0.0, -1.0, 0.0],
        ] {
            assert_eq!(decode_normal(encode_normal(n)), n);
        }
    }
}
