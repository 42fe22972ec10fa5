//! Voxelization of analytic shapes ([`Assembly`]): cell centres inside the union are
//! fluid, then the caps are cut in and unconnected fluid removed.

use super::caps::{open_caps, Cap};
use super::error::GeometryError;
use super::fields::keep_connected_to_inlets;
use super::shapes::Assembly;
use super::voxels::{CellKind, Voxels};
use crate::lbm::GridDims;
use rayon::prelude::*;

/// Grids above this many cells are refused before allocation.
pub const MAX_GRID_CELLS: usize = 200_000_000;

/// An empty (all-wall) grid covering `lo..hi` [m] with `padding` wall cells around.
pub fn empty_grid(
    lo: [f64; 3],
    hi: [f64; 3],
    voxel_size_m: f64,
    padding: usize,
) -> Result<Voxels, GeometryError> {
    let n: [usize; 3] = std::array::from_fn(|a| {
        ((hi[a] - lo[a]) / voxel_size_m).ceil().max(1.0) as usize + 2 * padding
    });
    let cells = n[0] as f64 * n[1] as f64 * n[2] as f64;
    if cells > MAX_GRID_CELLS as f64 {
        return Err(GeometryError::shape(
            format!(
                "the grid would have {:.3e} cells ({} x {} x {})",
                cells, n[0], n[1], n[2]
            ),
            format!(
                "use a coarser voxel_size (>= {:.3e} m) or a smaller geometry",
                voxel_size_m * (cells / MAX_GRID_CELLS as f64).cbrt()
            ),
        ));
    }
    let dims = GridDims::new(n[0], n[1], n[2]);
    // Centre the grid on the box, so that a mirror-symmetric shape gets a
    // mirror-symmetric voxelization (otherwise symmetric branches differ by a staircase).
    Ok(Voxels {
        dims,
        voxel_size_m,
        origin_m: std::array::from_fn(|a| 0.5 * (lo[a] + hi[a]) - 0.5 * n[a] as f64 * voxel_size_m),
        kinds: vec![CellKind::Wall; dims.cells()],
        openings: vec![],
        removed_unconnected: 0,
    })
}

/// Cuts the caps into a grid whose lumen is already marked fluid, and keeps what is
/// connected to an inlet. Returns the mask of cells beyond the caps.
pub fn finish(voxels: &mut Voxels, caps: &[Cap]) -> Result<Vec<bool>, GeometryError> {
    let beyond = open_caps(voxels, caps)?;
    keep_connected_to_inlets(voxels)?;
    Ok(beyond)
}

/// Voxelizes an assembly at `voxel_size_m`.
pub fn voxelize(
    assembly: &Assembly,
    voxel_size_m: f64,
) -> Result<(Voxels, Vec<bool>), GeometryError> {
    let (lo, hi) = assembly.bounds();
    let mut voxels = empty_grid(lo, hi, voxel_size_m, 2)?;
    let dims = voxels.dims;
    let origin = voxels.origin_m;
    let dx = voxel_size_m;
    let centre = |i: usize, a: usize| origin[a] + (i as f64 + 0.5) * dx;
    let cell_range = |lo: f64, hi: f64, a: usize, n: usize| {
        let first = (((lo - origin[a]) / dx - 0.5).floor().max(0.0)) as usize;
        let last = ((((hi - origin[a]) / dx + 0.5).ceil()).max(0.0) as usize).min(n);
        first..last
    };
    let boxes: Vec<([f64; 3], [f64; 3])> = assembly
        .tubes
        .iter()
        .map(|t| t.bounds())
        .chain(assembly.spheres.iter().map(|s| {
            (
                s.centre.map(|c| c - s.radius),
                s.centre.map(|c| c + s.radius),
            )
        }))
        .collect();
    let slab = dims.nx * dims.ny;
    voxels
        .kinds
        .par_chunks_mut(slab)
        .enumerate()
        .for_each(|(z, plane)| {
            let pz = centre(z, 2);
            for (lo, hi) in &boxes {
                if pz < lo[2] || pz > hi[2] {
                    continue;
                }
                for y in cell_range(lo[1], hi[1], 1, dims.ny) {
                    for x in cell_range(lo[0], hi[0], 0, dims.nx) {
                        let k = x + dims.nx * y;
                        if plane[k] == CellKind::Wall
                            && assembly.contains([centre(x, 0), centre(y, 1), pz])
                        {
                            plane[k] = CellKind::Fluid;
                        }
                    }
                }
            }
        });
    let beyond = finish(&mut voxels, &assembly.caps)?;
    Ok((voxels, beyond))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::shapes::{bifurcation, stenosis};
    use crate::geometry::voxels::Role;

    #[test]
    fn stenosis_narrows_the_lumen_by_the_requested_area() {
        let dx = 5e-5;
        let a = stenosis(1e-3, 8e-3, [0.0, 0.0, 1.0], 0.75, 2e-3, 0.5);
        let (v, _) = voxelize(&a, dx).unwrap();
        let count_at = |z_m: f64| {
            let z = ((z_m - v.origin_m[2]) / dx) as usize;
            (0..v.dims.nx * v.dims.ny)
                .filter(|&j| v.kinds[j + z * v.dims.nx * v.dims.ny] != CellKind::Wall)
                .count() as f64
        };
        let ratio = count_at(4e-3) / count_at(1e-3);
        println!("stenosis 75%: throat/normal lumen area {ratio:.4}");
        assert!((ratio - 0.25).abs() < 0.03, "throat/normal area {ratio}");
        assert_eq!(v.openings.len(), 2);
        assert_eq!(v.openings[0].role, Role::Inlet);
    }

    #[test]
    fn bifurcation_has_one_inlet_two_outlets_all_connected() {
        let r0 = 1e-3;
        let rd = crate::geometry::shapes::murray_daughter_radius(r0, 3.0);
        let a = bifurcation(r0, 5e-3, [rd, rd], 5e-3, [0.5, 0.5]);
        let (v, _) = voxelize(&a, 1e-4).unwrap();
        assert_eq!(v.openings.len(), 3);
        assert_eq!(v.removed_unconnected, 0);
        let area = |k: usize| v.openings[k].area_m2;
        // Oblique outlets: their one-cell layer still measures the cross-section.
        let expected = std::f64::consts::PI * rd * rd;
        for k in 1..3 {
            assert!(
                (area(k) - expected).abs() / expected < 0.2,
                "outlet {k}: {} vs {expected}",
                area(k)
            );
        }
    }
}
