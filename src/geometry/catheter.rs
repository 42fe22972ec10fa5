//! A catheter in the lumen (issue 19): a straight solid rod of the catheter's outer
//! radius from its tip back along its axis, as far as it stays in the lumen it
//! starts in; the disc of its own lumen at the tip (the face through which the
//! injection enters the flow); and around the rod just behind the tip, the vessel's
//! cross-section (the collar an antireflux tip closes against backflow).
//!
//! Real catheters follow the vessel's bends; a straight rod is faithful where the
//! tip sits in a straight stretch, which is where an interventionalist parks it.

use super::caps::neighbor_in_grid;
use super::voxels::{CellKind, Voxels};

/// The face takes at least the cells within this many cells of the axis, so that a
/// lumen under a voxel still opens on the flow.
pub const FACE_MIN_RADIUS_CELLS: f64 = 0.87;

/// The catheter in the scenario's frame.
#[derive(Clone, Copy, Debug)]
pub struct CatheterShape {
    /// Centre of the tip's face [m].
    pub tip_m: [f64; 3],
    /// Unit vector the catheter points along (downstream, out of the tip).
    pub direction: [f64; 3],
    pub outer_radius_m: f64,
    pub inner_radius_m: f64,
    /// Thickness of the collar behind the tip [cells].
    pub collar_cells: f64,
}

/// The cells the catheter changed or marks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatheterCells {
    /// Lumen cells that became the catheter's body (wall).
    pub body: Vec<usize>,
    /// Body cells of the tip's face inside the catheter's lumen: the injection
    /// enters the flow through their links to the fluid ahead.
    pub face: Vec<usize>,
    /// Fluid cells around the body within `collar_cells` behind the tip, connected
    /// to it: the vessel's cross-section around the catheter.
    pub collar: Vec<usize>,
    /// The collar's layer next to the tip (within one cell behind it): the vessel's
    /// cross-section around the catheter, where flow past the tip is measured.
    pub section: Vec<usize>,
}

/// Where a cell centre lies relative to the catheter: along the axis from the tip
/// (s, positive ahead) and from the axis (r), both in cells.
fn axial_radial(voxels: &Voxels, shape: &CatheterShape, cell: usize) -> (f64, f64) {
    let p = voxels.cell_centre_m(cell);
    let rel: [f64; 3] = std::array::from_fn(|a| (p[a] - shape.tip_m[a]) / voxels.voxel_size_m);
    let d = shape.direction;
    let s = rel[0] * d[0] + rel[1] * d[1] + rel[2] * d[2];
    let r2 = rel.iter().map(|v| v * v).sum::<f64>() - s * s;
    (s, r2.max(0.0).sqrt())
}

/// The cell holding point `p` [m], if on the grid.
fn cell_at(voxels: &Voxels, p: [f64; 3]) -> Option<usize> {
    let d = voxels.dims;
    let c: [f64; 3] = std::array::from_fn(|a| (p[a] - voxels.origin_m[a]) / voxels.voxel_size_m);
    let n = [d.nx, d.ny, d.nz];
    if (0..3).any(|a| c[a] < 0.0 || c[a] >= n[a] as f64) {
        return None;
    }
    Some(d.index(c[0] as usize, c[1] as usize, c[2] as usize))
}

/// The 26 neighbours of `cell` on the grid.
fn neighbours(voxels: &Voxels, cell: usize) -> impl Iterator<Item = usize> + '_ {
    (0..27).filter(|&k| k != 13).filter_map(move |k| {
        neighbor_in_grid(voxels, cell, [k % 3 - 1, (k / 3) % 3 - 1, k / 9 - 1])
    })
}

/// Cells reachable from `seed` through cells `inside` accepts (26-connected).
fn flood(voxels: &Voxels, seeds: &[usize], inside: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut seen = vec![false; voxels.kinds.len()];
    let mut stack: Vec<usize> = seeds.iter().copied().filter(|&c| inside(c)).collect();
    for &c in &stack {
        seen[c] = true;
    }
    let mut out = Vec::new();
    while let Some(c) = stack.pop() {
        out.push(c);
        for n in neighbours(voxels, c) {
            if !seen[n] && inside(n) {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    out.sort_unstable();
    out
}

/// Puts the catheter into `voxels`: its body becomes wall (opening cells it covers
/// leave their opening). Errors say what is wrong with the placement.
pub fn carve(voxels: &mut Voxels, shape: &CatheterShape) -> Result<CatheterCells, String> {
    let dx = voxels.voxel_size_m;
    let outer = shape.outer_radius_m / dx;
    if outer < 0.5 {
        return Err(format!(
            "the catheter's outer radius is {outer:.2} voxels: under half a voxel the grid cannot hold it"
        ));
    }
    let tip_cell = cell_at(voxels, shape.tip_m)
        .filter(|&c| voxels.kinds[c] == CellKind::Fluid)
        .ok_or("the catheter tip is not in the vessel's lumen")?;
    let lumen = |c: usize| voxels.kinds[c] != CellKind::Wall;
    let in_rod = |c: usize| {
        let (s, r) = axial_radial(voxels, shape, c);
        s <= 0.0 && r <= outer
    };
    // The rod from the cells at the tip backwards, as far as the lumen carries it.
    let seeds: Vec<usize> = std::iter::once(tip_cell)
        .chain(neighbours(voxels, tip_cell))
        .collect();
    let body = flood(voxels, &seeds, |c| lumen(c) && in_rod(c));
    if body.is_empty() {
        return Err("no lumen cell lies behind the catheter tip".into());
    }
    let mut is_body = vec![false; voxels.kinds.len()];
    for &c in &body {
        is_body[c] = true;
    }
    let face = face_cells(voxels, shape, &body, &is_body);
    if face.is_empty() {
        return Err("the catheter's tip face opens on no fluid".into());
    }
    let collar = flood(voxels, &body, |c| {
        let (s, r) = axial_radial(voxels, shape, c);
        (is_body[c] || voxels.kinds[c] == CellKind::Fluid)
            && s <= 0.0
            && s > -shape.collar_cells
            && (is_body[c] || r > outer)
    });
    let collar: Vec<usize> = collar.into_iter().filter(|&c| !is_body[c]).collect();
    if collar.is_empty() {
        return Err("the catheter fills the vessel at its tip: no lumen is left around it".into());
    }
    let section = collar
        .iter()
        .copied()
        .filter(|&c| axial_radial(voxels, shape, c).0 > -1.0)
        .collect();
    remove_from_openings(voxels, &is_body)?;
    for &c in &body {
        voxels.kinds[c] = CellKind::Wall;
    }
    Ok(CatheterCells {
        body,
        face,
        collar,
        section,
    })
}

/// Body cells within the catheter's lumen (at least the cells by the axis) with a
/// lumen neighbour ahead of the tip (not beside the rod).
fn face_cells(
    voxels: &Voxels,
    shape: &CatheterShape,
    body: &[usize],
    is_body: &[bool],
) -> Vec<usize> {
    let inner = (shape.inner_radius_m / voxels.voxel_size_m).max(FACE_MIN_RADIUS_CELLS);
    body.iter()
        .copied()
        .filter(|&c| axial_radial(voxels, shape, c).1 <= inner)
        .filter(|&c| {
            neighbours(voxels, c).any(|n| {
                !is_body[n]
                    && voxels.kinds[n] != CellKind::Wall
                    && axial_radial(voxels, shape, n).0 > 0.0
            })
        })
        .collect()
}

/// Opening cells under the body leave their opening (with their per-cell data).
fn remove_from_openings(voxels: &mut Voxels, is_body: &[bool]) -> Result<(), String> {
    let area = voxels.voxel_size_m * voxels.voxel_size_m;
    for o in &mut voxels.openings {
        let keep: Vec<bool> = o.cells.iter().map(|&c| !is_body[c]).collect();
        if keep.iter().all(|&k| k) {
            continue;
        }
        if !keep.iter().any(|&k| k) {
            return Err(format!("the catheter fills the opening '{}'", o.name));
        }
        let mut k = keep.iter();
        o.cells.retain(|_| *k.next().expect("one flag per cell"));
        let mut k = keep.iter();
        o.inward_dirs
            .retain(|_| *k.next().expect("one flag per cell"));
        let mut k = keep.iter();
        o.parabolic_shape
            .retain(|_| *k.next().expect("one flag per cell"));
        o.area_m2 = o.cells.len() as f64 * area;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::straight_cylinder;
    use crate::geometry::Axis;

    /// A tube of radius 6 cells along x, 40 cells long, voxel 1 mm.
    fn tube() -> Voxels {
        straight_cylinder(6e-3, 40e-3, Axis::X, 1e-3)
    }

    fn shape(v: &Voxels, outer_cells: f64) -> CatheterShape {
        let c = v.cell_centre_m(v.dims.index(20, v.dims.ny / 2, v.dims.nz / 2));
        CatheterShape {
            tip_m: [c[0] + 0.5e-3, c[1], c[2]],
            direction: [1.0, 0.0, 0.0],
            outer_radius_m: outer_cells * 1e-3,
            inner_radius_m: 0.3e-3,
            collar_cells: 2.0,
        }
    }

    #[test]
    fn the_rod_runs_back_to_the_inlet_and_leaves_an_annulus() {
        let mut v = tube();
        let inlet_cells = v.openings[0].cells.len();
        let s = shape(&v, 1.5);
        let cells = carve(&mut v, &s).expect("fits");
        // The rod covers x = 0..=20 (the inlet layer included) with ~π 1.5² cells
        // per section; its face is the layer at x = 20 by the axis.
        let per_section = cells.body.len() as f64 / 21.0;
        assert!(
            (5.0..=13.0).contains(&per_section),
            "{per_section} cells per section"
        );
        assert!(cells
            .face
            .iter()
            .all(|&c| v.dims.coords(c)[0] == 20 && cells.body.contains(&c)));
        assert!(!cells.face.is_empty());
        assert!(v.openings[0].cells.len() < inlet_cells);
        assert_eq!(v.openings[0].cells.len(), v.openings[0].inward_dirs.len());
        // The collar: the annulus of the two layers behind the tip.
        assert!(cells.collar.iter().all(|&c| {
            let x = v.dims.coords(c)[0];
            (19..=20).contains(&x) && v.kinds[c] == CellKind::Fluid
        }));
        assert!(cells.collar.len() > 2 * 80, "{}", cells.collar.len());
        assert!(cells.section.iter().all(|&c| v.dims.coords(c)[0] == 20));
        assert!(cells.section.len() > 80, "{}", cells.section.len());
    }

    #[test]
    fn a_catheter_wider_than_the_vessel_is_refused() {
        let mut v = tube();
        let s = shape(&v, 8.0);
        let e = carve(&mut v, &s).unwrap_err();
        assert!(e.contains("fills"), "{e}");
    }

    #[test]
    fn a_tip_outside_the_lumen_is_refused() {
        let mut v = tube();
        let mut s = shape(&v, 1.5);
        s.tip_m[1] += 9e-3;
        assert!(carve(&mut v, &s).unwrap_err().contains("not in the vessel"));
    }
}
