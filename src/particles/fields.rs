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
