//! A vessel's centreline between two points, for the fly-through camera: the
//! cheapest path through fluid cells when a step costs more the closer it runs to
//! the wall (cost 1/d², d the distance to the nearest wall cell; Dijkstra on the
//! 26-neighbourhood), smoothed and resampled at equal arc length.

use crate::geometry::fields::distance_to_seeds;
use crate::lbm::GridDims;
use glam::DVec3;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The fluid cell nearest to `p` (cells), if any lies within `reach` cells.
fn nearest_fluid(dims: GridDims, fluid: &[bool], p: DVec3, reach: i64) -> Option<usize> {
    let c = [p.x.floor() as i64, p.y.floor() as i64, p.z.floor() as i64];
    let n = [dims.nx as i64, dims.ny as i64, dims.nz as i64];
    let mut best: Option<(f64, usize)> = None;
    for dz in -reach..=reach {
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let q = [c[0] + dx, c[1] + dy, c[2] + dz];
                if (0..3).any(|a| q[a] < 0 || q[a] >= n[a]) {
                    continue;
                }
                let i = dims.index(q[0] as usize, q[1] as usize, q[2] as usize);
                if !fluid[i] {
                    continue;
                }
                let centre = DVec3::new(q[0] as f64 + 0.5, q[1] as f64 + 0.5, q[2] as f64 + 0.5);
                let d = centre.distance_squared(p);
                if best.is_none_or(|(b, _)| d < b) {
                    best = Some((d, i));
                }
            }
        }
    }
    best.map(|(_, i)| i)
}

/// The centreline from `from` to `to` (cells) through the cells where `fluid` holds,
/// as `samples` points at equal arc length; `None` when they are not connected.
pub fn centreline(
    dims: GridDims,
    fluid: &[bool],
    from: DVec3,
    to: DVec3,
    samples: usize,
) -> Option<Vec<DVec3>> {
    let start = nearest_fluid(dims, fluid, from, 4)?;
    let goal = nearest_fluid(dims, fluid, to, 4)?;
    let wall: Vec<bool> = fluid.iter().map(|f| !f).collect();
    let distance = distance_to_seeds(dims, &wall);
    let previous = path_tree(dims, fluid, &distance, start, Some(goal));
    let path = trace(&previous, start, goal)?;
    Some(resample(&smoothed(dims, &path), samples.max(2)))
}

/// The centrelines from `from` to each of `to` (cells), one search for all: each a
/// smoothed polyline at about one point per cell of its length, `None` for an end
/// not connected to `from`.
pub fn centrelines(
    dims: GridDims,
    fluid: &[bool],
    from: DVec3,
    to: &[DVec3],
) -> Vec<Option<Vec<DVec3>>> {
    let Some(start) = nearest_fluid(dims, fluid, from, 4) else {
        return vec![None; to.len()];
    };
    let wall: Vec<bool> = fluid.iter().map(|f| !f).collect();
    let distance = distance_to_seeds(dims, &wall);
    let previous = path_tree(dims, fluid, &distance, start, None);
    to.iter()
        .map(|&end| {
            let goal = nearest_fluid(dims, fluid, end, 4)?;
            let points = smoothed(dims, &trace(&previous, start, goal)?);
            let length: f64 = points.windows(2).map(|w| w[0].distance(w[1])).sum();
            Some(resample(&points, length.ceil() as usize + 1))
        })
        .collect()
}

/// Each cell's predecessor on its cheapest path from `start`, a step costing its
/// length over d² (d the distance to the wall, at least half a cell; Dijkstra on the
/// 26-neighbourhood), stopping at `goal` when given; `usize::MAX` where unreached.
fn path_tree(
    dims: GridDims,
    fluid: &[bool],
    distance: &[f32],
    start: usize,
    goal: Option<usize>,
) -> Vec<usize> {
    let cells = dims.cells();
    let mut cost = vec![f64::INFINITY; cells];
    let mut previous = vec![usize::MAX; cells];
    let mut heap = BinaryHeap::new();
    cost[start] = 0.0;
    previous[start] = start;
    // Costs as ordered integers (1e-6 resolution) for the heap.
    heap.push(Reverse((0u64, start)));
    let size = [dims.nx as i64, dims.ny as i64, dims.nz as i64];
    while let Some(Reverse((c, i))) = heap.pop() {
        if Some(i) == goal {
            break;
        }
        let here = c as f64 * 1e-6;
        if here > cost[i] + 1e-9 {
            continue;
        }
        let p = dims.coords(i);
        for step in NEIGHBOURS {
            let q: [i64; 3] = std::array::from_fn(|a| p[a] as i64 + step[a]);
            if (0..3).any(|a| q[a] < 0 || q[a] >= size[a]) {
                continue;
            }
            let j = dims.index(q[0] as usize, q[1] as usize, q[2] as usize);
            if !fluid[j] {
                continue;
            }
            let length =
                ((step[0] * step[0] + step[1] * step[1] + step[2] * step[2]) as f64).sqrt();
            let d = distance[j].max(0.5) as f64;
            let next = here + length / (d * d);
            if next < cost[j] {
                cost[j] = next;
                previous[j] = i;
                heap.push(Reverse(((next * 1e6) as u64, j)));
            }
        }
    }
    previous
}

/// The 26 neighbour offsets.
const NEIGHBOURS: [[i64; 3]; 26] = {
    let mut out = [[0i64; 3]; 26];
    let mut n = 0;
    let mut k = 0;
    while k < 27 {
        let step = [k as i64 % 3 - 1, (k as i64 / 3) % 3 - 1, k as i64 / 9 - 1];
        if !(step[0] == 0 && step[1] == 0 && step[2] == 0) {
            out[n] = step;
            n += 1;
        }
        k += 1;
    }
    out
};

/// The cells from `start` to `goal` along `previous`, `None` if `goal` was not reached.
fn trace(previous: &[usize], start: usize, goal: usize) -> Option<Vec<usize>> {
    if previous[goal] == usize::MAX {
        return None;
    }
    let mut path = vec![goal];
    while let Some(&last) = path.last() {
        if last == start {
            break;
        }
        path.push(previous[last]);
    }
    path.reverse();
    Some(path)
}

/// The cell centres of `path` with the staircase of cell steps smoothed: a moving
/// average over ±3 points.
fn smoothed(dims: GridDims, path: &[usize]) -> Vec<DVec3> {
    let points: Vec<DVec3> = path
        .iter()
        .map(|&i| {
            let [x, y, z] = dims.coords(i);
            DVec3::new(x as f64 + 0.5, y as f64 + 0.5, z as f64 + 0.5)
        })
        .collect();
    (0..points.len())
        .map(|k| {
            let lo = k.saturating_sub(3);
            let hi = (k + 3).min(points.len() - 1);
            points[lo..=hi].iter().sum::<DVec3>() / (hi - lo + 1) as f64
        })
        .collect()
}

/// `samples` points at equal arc length along a polyline.
pub fn resample(points: &[DVec3], samples: usize) -> Vec<DVec3> {
    if points.len() < 2 {
        return vec![points.first().copied().unwrap_or(DVec3::ZERO); samples];
    }
    let mut lengths = vec![0.0];
    for w in points.windows(2) {
        lengths.push(lengths.last().unwrap() + w[0].distance(w[1]));
    }
    let total = *lengths.last().unwrap();
    let mut k = 0;
    (0..samples)
        .map(|s| {
            let target = total * s as f64 / (samples - 1) as f64;
            while k + 2 < lengths.len() && lengths[k + 1] < target {
                k += 1;
            }
            let span = (lengths[k + 1] - lengths[k]).max(1e-12);
            points[k].lerp(
                points[k + 1],
                ((target - lengths[k]) / span).clamp(0.0, 1.0),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_centreline_of_a_bent_tube_keeps_to_its_middle() {
        // An L-shaped square duct 7 cells wide: along z, then along x.
        let dims = GridDims::new(40, 11, 40);
        let fluid: Vec<bool> = (0..dims.cells())
            .map(|i| {
                let [x, y, z] = dims.coords(i);
                let in_y = (2..9).contains(&y);
                in_y && (((2..9).contains(&x) && z < 38) || ((2..9).contains(&z) && x < 38))
            })
            .collect();
        let path = centreline(
            dims,
            &fluid,
            DVec3::new(5.5, 5.5, 37.0),
            DVec3::new(37.0, 5.5, 5.5),
            50,
        )
        .unwrap();
        assert_eq!(path.len(), 50);
        // Away from the corner the path runs along the duct's middle (x or z = 5.5).
        for p in path.iter().filter(|p| p.z > 15.0) {
            assert!((p.x - 5.5).abs() < 1.0 && (p.y - 5.5).abs() < 1.0, "{p}");
        }
        for p in path.iter().filter(|p| p.x > 15.0) {
            assert!((p.z - 5.5).abs() < 1.0, "{p}");
        }
        let steps: Vec<f64> = path.windows(2).map(|w| w[0].distance(w[1])).collect();
        let mean = steps.iter().sum::<f64>() / steps.len() as f64;
        assert!(
            steps.iter().all(|s| (s - mean).abs() < 0.05 * mean + 1e-9),
            "equal arc length"
        );
    }
}
