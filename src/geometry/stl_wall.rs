//! The vessel wall for results on the wall (wall/wall_*.vtp) when the vessel came from
//! an STL: the file's own triangles, so that WSS, TAWSS and OSI land on the surface
//! the researcher segmented and can be compared vertex by vertex with other solvers
//! run on the same mesh. The caps closing the open ends are left out, as are
//! triangles beyond a declared opening or outside the grid. Each vertex takes its
//! values from the wall-adjacent lumen cells around it, as surface-nets vertices do
//! (src/geometry/wall_surface.rs).

use super::stl::Mesh;
use super::voxels::Voxels;
use super::wall_surface::WallMesh;
use std::collections::HashMap;

/// How far [cells] a vertex looks for wall-adjacent lumen cells when none is among the
/// eight cell centres around it (a surface the staircase missed by a cell).
const SEARCH_REACH: i64 = 2;

/// The first `vessel_triangles` triangles of `capped` (the file's own) that lie in the
/// kept grid, as a wall mesh whose vertices average the cells `touches_wall` accepts
/// (lumen cells with a wall neighbour).
pub fn stl_wall_mesh(
    capped: &Mesh,
    vessel_triangles: usize,
    voxels: &Voxels,
    beyond_openings: &[bool],
    touches_wall: &dyn Fn(usize) -> bool,
) -> WallMesh {
    let kept = |p: [f64; 3]| cell_at(voxels, p).is_some_and(|i| !beyond_openings[i]);
    let mut mesh = WallMesh::default();
    let mut renumbered: HashMap<u32, u32> = HashMap::new();
    for t in &capped.triangles[..vessel_triangles.min(capped.triangles.len())] {
        let corners = t.map(|v| capped.vertices[v as usize]);
        let centroid = std::array::from_fn(|a| corners.iter().map(|c| c[a]).sum::<f64>() / 3.0);
        if !kept(centroid) {
            continue;
        }
        let triangle = t.map(|v| {
            *renumbered.entry(v).or_insert_with(|| {
                let p = capped.vertices[v as usize];
                mesh.points.push(p.map(|x| x as f32));
                mesh.sources.push(sources_near(voxels, p, touches_wall));
                mesh.points.len() as u32 - 1
            })
        });
        mesh.triangles.push(triangle);
    }
    mesh
}

/// The grid cell whose voxel holds `p` [m], if any.
fn cell_at(voxels: &Voxels, p: [f64; 3]) -> Option<usize> {
    let d = voxels.dims;
    let n = [d.nx, d.ny, d.nz];
    let mut c = [0usize; 3];
    for a in 0..3 {
        let x = ((p[a] - voxels.origin_m[a]) / voxels.voxel_size_m).floor();
        if x < 0.0 || x >= n[a] as f64 {
            return None;
        }
        c[a] = x as usize;
    }
    Some(d.index(c[0], c[1], c[2]))
}

/// The cells a vertex at `p` [m] averages: the wall-adjacent lumen cells among the
/// eight cell centres around it, or else the nearest such cell within
/// [`SEARCH_REACH`] cells (none: the vertex reads zero).
fn sources_near(voxels: &Voxels, p: [f64; 3], touches_wall: &dyn Fn(usize) -> bool) -> Vec<u32> {
    let d = voxels.dims;
    let n = [d.nx as i64, d.ny as i64, d.nz as i64];
    // Position in cell-centre coordinates: centre of cell k sits at k.
    let x: [f64; 3] =
        std::array::from_fn(|a| (p[a] - voxels.origin_m[a]) / voxels.voxel_size_m - 0.5);
    let low = x.map(|v| v.floor() as i64);
    let cell = |c: [i64; 3]| -> Option<usize> {
        (0..3)
            .all(|a| (0..n[a]).contains(&c[a]))
            .then(|| d.index(c[0] as usize, c[1] as usize, c[2] as usize))
            .filter(|&i| touches_wall(i))
    };
    let around: Vec<u32> = (0..8)
        .filter_map(|k| {
            cell([
                low[0] + (k & 1),
                low[1] + ((k >> 1) & 1),
                low[2] + ((k >> 2) & 1),
            ])
        })
        .map(|i| i as u32)
        .collect();
    if !around.is_empty() {
        return around;
    }
    let mut nearest: Option<(f64, usize)> = None;
    let reach = -SEARCH_REACH..=SEARCH_REACH + 1;
    for dz in reach.clone() {
        for dy in reach.clone() {
            for dx in reach.clone() {
                let c = [low[0] + dx, low[1] + dy, low[2] + dz];
                if let Some(i) = cell(c) {
                    let r2: f64 = (0..3).map(|a| (c[a] as f64 - x[a]).powi(2)).sum();
                    if nearest.is_none_or(|(best, _)| r2 < best) {
                        nearest = Some((r2, i));
                    }
                }
            }
        }
    }
    nearest.map(|(_, i)| vec![i as u32]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::stl::parse_stl;
    use crate::geometry::surface::voxelize_surface;
    use crate::geometry::voxels::CellKind;
    use crate::geometry::WallSurface;
    use crate::lbm::lattice::VELOCITIES;
    use std::path::Path;

    /// An open tube of 32 facets, radius 1 mm, 8 mm long, at 0.1 mm voxels: every
    /// one of its triangles is kept (the caps are not), every vertex finds cells next
    /// to the wall within a cell and a half.
    #[test]
    fn an_open_tube_keeps_its_own_triangles_and_every_vertex_reads_the_wall() {
        let ascii = crate::geometry::stl::tests::tube_ascii(1e-3, 8e-3, 32);
        let mesh = parse_stl(ascii.as_bytes(), Path::new("tube.stl")).unwrap();
        let own = mesh.triangles.len();
        let (voxels, beyond, surface) = voxelize_surface(mesh, &[], None, 1e-4).unwrap();
        let WallSurface::Mesh {
            capped,
            vessel_triangles,
        } = &surface
        else {
            panic!("an STL gives a mesh surface")
        };
        assert_eq!(*vessel_triangles, own);
        assert!(capped.triangles.len() > own, "the open ends are capped");
        let d = voxels.dims;
        let touches = |i: usize| {
            voxels.kinds[i] != CellKind::Wall
                && VELOCITIES[1..].iter().any(|&c| {
                    let j = d.neighbor(i, c);
                    voxels.kinds[j] == CellKind::Wall && !beyond[j]
                })
        };
        let wall = stl_wall_mesh(capped, *vessel_triangles, &voxels, &beyond, &touches);
        assert_eq!(wall.triangles.len(), own);
        assert_eq!(wall.points.len(), 64);
        for (p, cells) in wall.points.iter().zip(&wall.sources) {
            assert!(!cells.is_empty(), "vertex {p:?} reads no cell");
            for &i in cells {
                let c = voxels.cell_centre_m(i as usize);
                let r = ((c[0] - p[0] as f64).powi(2) + (c[1] - p[1] as f64).powi(2)).sqrt();
                assert!(r < 1.5e-4, "vertex {p:?} reads a cell {r:e} m away");
            }
        }
    }
}
