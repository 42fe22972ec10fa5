//! Derived fields on the voxels: connectivity to the inlets, the Euclidean distance to
//! the wall and the local lumen radius.

use super::caps::neighbor_in_grid;
use super::error::GeometryError;
use super::voxels::{CellKind, Role, Voxels};
use crate::lbm::lattice::{Q, VELOCITIES};
use rayon::prelude::*;

/// Removes fluid cells that no lattice link path connects to an inlet (they would
/// hold stagnant fluid) and returns how many were removed. Fails when an opening is
/// left without fluid.
pub fn keep_connected_to_inlets(voxels: &mut Voxels) -> Result<usize, GeometryError> {
    let n = voxels.dims.cells();
    let mut reached = vec![false; n];
    let mut stack: Vec<usize> = voxels
        .openings
        .iter()
        .filter(|o| o.role == Role::Inlet)
        .flat_map(|o| o.cells.iter().copied())
        .collect();
    if stack.is_empty() {
        return Err(GeometryError::shape(
            "the geometry has no inlet",
            "name an inlet opening in [inlet] (opening = \"name\") or add one",
        ));
    }
    for &i in &stack {
        reached[i] = true;
    }
    while let Some(i) = stack.pop() {
        for c in VELOCITIES.iter().skip(1) {
            if let Some(j) = neighbor_in_grid(voxels, i, *c) {
                if !reached[j] && voxels.kinds[j] != CellKind::Wall {
                    reached[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    let mut removed = 0;
    for (i, kind) in voxels.kinds.iter_mut().enumerate() {
        if *kind == CellKind::Fluid && !reached[i] {
            *kind = CellKind::Wall;
            removed += 1;
        }
    }
    for o in &voxels.openings {
        let touches = o.cells.iter().zip(&o.inward_dirs).any(|(&i, &q)| {
            reached[i]
                && neighbor_in_grid(voxels, i, VELOCITIES[q])
                    .is_some_and(|j| voxels.kinds[j] == CellKind::Fluid)
        });
        if !touches {
            return Err(GeometryError::shape(
                format!("opening {:?} is not connected to an inlet through the lumen", o.name),
                "check that the vessel is one connected lumen at this voxel size (a finer voxel_size keeps thin branches open)",
            ));
        }
    }
    voxels.removed_unconnected = removed;
    Ok(removed)
}

/// One-dimensional squared Euclidean distance transform of a sampled function
/// (lower envelope of parabolas; Felzenszwalb & Huttenlocher, Theory of Computing 8
/// (2012) 415, algorithm 1). Linear in the line length.
fn edt_1d(f: &[f64], out: &mut [f64]) {
    let mut nearest = vec![0usize; f.len()];
    edt_1d_nearest(f, out, &mut nearest);
}

/// [`edt_1d`] that also gives, per sample, the position of the sample whose parabola
/// is lowest there (the nearest seed along the line; 0 where there is none).
fn edt_1d_nearest(f: &[f64], out: &mut [f64], nearest: &mut [usize]) {
    let n = f.len();
    let mut v = vec![0usize; n];
    let mut z = vec![0.0f64; n + 1];
    let mut k = 0usize;
    // Skip leading infinite samples: they contribute no parabola.
    let Some(first) = f.iter().position(|x| x.is_finite()) else {
        out.iter_mut().for_each(|o| *o = f64::INFINITY);
        nearest.iter_mut().for_each(|o| *o = 0);
        return;
    };
    v[0] = first;
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    for q in first + 1..n {
        if !f[q].is_finite() {
            continue;
        }
        let parabola_meet = |p: usize| {
            ((f[q] + (q * q) as f64) - (f[p] + (p * p) as f64)) / (2.0 * (q as f64 - p as f64))
        };
        let mut s = parabola_meet(v[k]);
        // z[0] = −∞ stops the loop at k = 0.
        while s <= z[k] {
            k -= 1;
            s = parabola_meet(v[k]);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = f64::INFINITY;
    }
    let mut k = 0;
    for (q, o) in out.iter_mut().enumerate() {
        while z[k + 1] < q as f64 {
            k += 1;
        }
        let p = v[k];
        *o = (q as f64 - p as f64).powi(2) + f[p];
        nearest[q] = p;
    }
}

/// Distance from each cell centre to the nearest seed cell centre [cells], exact
/// Euclidean, by three separable passes.
pub fn distance_to_seeds(dims: crate::lbm::GridDims, seed: &[bool]) -> Vec<f32> {
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    let mut d2: Vec<f64> = seed
        .iter()
        .map(|&s| if s { 0.0 } else { f64::INFINITY })
        .collect();
    // x lines are contiguous.
    d2.par_chunks_mut(nx).for_each(|line| {
        let f = line.to_vec();
        edt_1d(&f, line);
    });
    // y and z lines: gather, transform, scatter, one z-slab (y) or one y-row (z) per task.
    let slab = nx * ny;
    d2.par_chunks_mut(slab).for_each(|plane| {
        let mut f = vec![0.0; ny];
        let mut out = vec![0.0; ny];
        for x in 0..nx {
            for y in 0..ny {
                f[y] = plane[x + nx * y];
            }
            edt_1d(&f, &mut out);
            for y in 0..ny {
                plane[x + nx * y] = out[y];
            }
        }
    });
    let columns: Vec<Vec<f64>> = (0..slab)
        .into_par_iter()
        .map(|xy| {
            let f: Vec<f64> = (0..nz).map(|z| d2[xy + slab * z]).collect();
            let mut out = vec![0.0; nz];
            edt_1d(&f, &mut out);
            out
        })
        .collect();
    let mut result = vec![0.0f32; d2.len()];
    for (xy, column) in columns.iter().enumerate() {
        for (z, v) in column.iter().enumerate() {
            result[xy + slab * z] = v.sqrt() as f32;
        }
    }
    result
}

/// The nearest seed cell of each cell (by the distance between centres; exact
/// Euclidean, the separable passes of [`distance_to_seeds`] carrying the index of the
/// seed each parabola belongs to); `None` everywhere when there is no seed.
pub fn nearest_seed(dims: crate::lbm::GridDims, seed: &[bool]) -> Vec<Option<u32>> {
    let (nx, ny, nz) = (dims.nx, dims.ny, dims.nz);
    let mut d2: Vec<f64> = seed
        .iter()
        .map(|&s| if s { 0.0 } else { f64::INFINITY })
        .collect();
    let mut owner: Vec<u32> = (0..d2.len() as u32).collect();
    // One pass along the lines of stride `stride` and length `len` starting at `starts`:
    // each cell takes the owner of the line position its nearest parabola came from.
    let mut pass = |starts: Vec<usize>, stride: usize, len: usize| {
        let results: Vec<(Vec<f64>, Vec<u32>)> = starts
            .par_iter()
            .map(|&s| {
                let f: Vec<f64> = (0..len).map(|k| d2[s + stride * k]).collect();
                let mut out = vec![0.0; len];
                let mut from = vec![0usize; len];
                edt_1d_nearest(&f, &mut out, &mut from);
                let owners = from.iter().map(|&p| owner[s + stride * p]).collect();
                (out, owners)
            })
            .collect();
        for (&s, (out, owners)) in starts.iter().zip(results) {
            for k in 0..len {
                d2[s + stride * k] = out[k];
                owner[s + stride * k] = owners[k];
            }
        }
    };
    let slab = nx * ny;
    pass((0..ny * nz).map(|r| r * nx).collect(), 1, nx);
    pass(
        (0..nz)
            .flat_map(|z| (0..nx).map(move |x| x + slab * z))
            .collect(),
        nx,
        ny,
    );
    pass((0..slab).collect(), slab, nz);
    d2.iter()
        .zip(&owner)
        .map(|(d, &o)| d.is_finite().then_some(o))
        .collect()
}

/// Wall distance and local lumen radius of every cell, in cells.
#[derive(Clone, Debug)]
pub struct WallFields {
    /// Distance from the cell centre to the wall surface, which halfway bounce-back
    /// places midway between a fluid and a wall cell [cells]; 0 in walls.
    pub wall_distance_cells: Vec<f32>,
    /// Radius of the largest wall-free sphere reached by climbing the wall distance from
    /// this cell to the vessel's centreline [cells]; 0 in walls.
    pub lumen_radius_cells: Vec<f32>,
}

/// Computes [`WallFields`]. Walls that only close the grid beyond an opening's plane
/// are not vessel wall and do not count.
pub fn wall_fields(voxels: &Voxels, beyond_openings: &[bool]) -> WallFields {
    let n = voxels.dims.cells();
    let seed: Vec<bool> = (0..n)
        .map(|i| voxels.kinds[i] == CellKind::Wall && !beyond_openings[i])
        .collect();
    let centre_distance = distance_to_seeds(voxels.dims, &seed);
    let wall_distance: Vec<f32> = (0..n)
        .map(|i| {
            if voxels.kinds[i] == CellKind::Wall {
                0.0
            } else {
                (centre_distance[i] - 0.5).max(0.0)
            }
        })
        .collect();
    let radius: Vec<f32> = (0..n)
        .into_par_iter()
        .map(|i| {
            if voxels.kinds[i] == CellKind::Wall {
                return 0.0;
            }
            // Steepest ascent over the 18 lattice neighbours up to a local maximum.
            let mut at = i;
            loop {
                let mut best = at;
                for c in VELOCITIES.iter().take(Q).skip(1) {
                    if let Some(j) = neighbor_in_grid(voxels, at, *c) {
                        if voxels.kinds[j] != CellKind::Wall
                            && wall_distance[j] > wall_distance[best]
                        {
                            best = j;
                        }
                    }
                }
                if best == at {
                    return wall_distance[at];
                }
                at = best;
            }
        })
        .collect();
    WallFields {
        wall_distance_cells: wall_distance,
        lumen_radius_cells: radius,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lbm::GridDims;

    #[test]
    fn nearest_seed_is_a_seed_at_the_brute_force_distance() {
        let dims = GridDims::new(9, 7, 5);
        let seeds: Vec<usize> = vec![3, 40, 101, 250, 251];
        let mut seed = vec![false; dims.cells()];
        for &s in &seeds {
            seed[s] = true;
        }
        let dist = |a: usize, b: usize| {
            let (p, q) = (dims.coords(a), dims.coords(b));
            (0..3)
                .map(|k| (p[k] as f64 - q[k] as f64).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let nearest = nearest_seed(dims, &seed);
        for (i, n) in nearest.iter().enumerate() {
            let n = n.expect("every cell has a nearest seed") as usize;
            assert!(seed[n], "cell {i}: {n} is no seed");
            let brute = seeds
                .iter()
                .map(|&s| dist(i, s))
                .fold(f64::INFINITY, f64::min);
            assert!((dist(i, n) - brute).abs() < 1e-9, "cell {i}");
        }
        assert!(nearest_seed(dims, &vec![false; dims.cells()])
            .iter()
            .all(Option::is_none));
    }

    #[test]
    fn edt_matches_brute_force() {
        let dims = GridDims::new(9, 7, 5);
        let seeds: Vec<usize> = vec![3, 40, 101, 250];
        let mut seed = vec![false; dims.cells()];
        for &s in &seeds {
            seed[s] = true;
        }
        let d = distance_to_seeds(dims, &seed);
        for (i, &di) in d.iter().enumerate() {
            let p = dims.coords(i);
            let brute = seeds
                .iter()
                .map(|&s| {
                    let q = dims.coords(s);
                    (0..3)
                        .map(|a| (p[a] as f64 - q[a] as f64).powi(2))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(f64::INFINITY, f64::min);
            assert!(
                (di as f64 - brute).abs() < 1e-5,
                "cell {i}: {di} vs {brute}"
            );
        }
    }
}
