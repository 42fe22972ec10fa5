//! Analytic vessel shapes. Each is a straight duct along an axis, closed by a wall
//! layer all around, with an inlet plane at the low end of the axis and an outlet
//! plane at the high end.

use super::voxels::{Axis, CellKind, Opening, Role, Voxels};
use crate::lbm::lattice::direction_of;
use crate::lbm::GridDims;

/// Builds a straight duct `length_m` long between inlet and outlet planes. `shape(u, v)`
/// (u, v in metres from the duct axis) is the fully developed laminar velocity profile
/// normalised to 1 on the axis; the lumen is where it is positive.
fn straight_duct(
    axis: Axis,
    across_cells: [usize; 2],
    length_m: f64,
    voxel_size_m: f64,
    nominal_area_m2: f64,
    shape: impl Fn(f64, f64) -> f64,
) -> Voxels {
    let along = (length_m / voxel_size_m).round().max(1.0) as usize + 2;
    let (au, av) = axis.across();
    let mut n = [0usize; 3];
    n[axis.index()] = along;
    n[au.index()] = across_cells[0];
    n[av.index()] = across_cells[1];
    let dims = GridDims::new(n[0], n[1], n[2]);
    let mut kinds = vec![CellKind::Wall; dims.cells()];
    let unit = axis.unit();
    let opening = |name: &str, role: Role, inward: [f64; 3]| Opening {
        name: name.into(),
        role,
        normal: inward,
        centre_m: [0.0; 3],
        radius_m: (nominal_area_m2 / std::f64::consts::PI).sqrt(),
        nominal_area_m2,
        area_m2: 0.0,
        cells: vec![],
        inward_dirs: vec![],
        parabolic_shape: vec![],
    };
    let mut openings = vec![
        opening("inlet", Role::Inlet, unit),
        opening("outlet", Role::Outlet, unit.map(|v| -v)),
    ];
    let dir = [
        direction_of(unit.map(|v| v as i32)).expect("axis is a lattice direction"),
        direction_of(unit.map(|v| -v as i32)).expect("axis is a lattice direction"),
    ];
    for (i, kind) in kinds.iter_mut().enumerate() {
        let c = dims.coords(i);
        let u = (c[au.index()] as f64 + 0.5 - across_cells[0] as f64 / 2.0) * voxel_size_m;
        let v = (c[av.index()] as f64 + 0.5 - across_cells[1] as f64 / 2.0) * voxel_size_m;
        let profile = shape(u, v);
        if profile <= 0.0 {
            continue;
        }
        let a = c[axis.index()];
        let end = if a == 0 {
            Some(0)
        } else if a == along - 1 {
            Some(1)
        } else {
            None
        };
        *kind = if let Some(k) = end {
            openings[k].cells.push(i);
            openings[k].inward_dirs.push(dir[k]);
            openings[k].parabolic_shape.push(profile);
            CellKind::Opening(k)
        } else {
            CellKind::Fluid
        };
    }
    let centre: [f64; 3] = std::array::from_fn(|a| {
        if a == axis.index() {
            0.0
        } else {
            n[a] as f64 * voxel_size_m / 2.0
        }
    });
    openings[0].centre_m = centre;
    openings[1].centre_m = centre;
    openings[1].centre_m[axis.index()] = (along as f64 - 0.5) * voxel_size_m;
    openings[0].centre_m[axis.index()] = 0.5 * voxel_size_m;
    let mut voxels = Voxels {
        dims,
        voxel_size_m,
        origin_m: [0.0; 3],
        kinds,
        openings,
        removed_unconnected: 0,
    };
    voxels.measure_openings();
    voxels
}

/// A straight cylinder of radius `radius_m`: cells whose centre lies within the
/// radius are fluid, the rest walls (halfway bounce-back puts the wall midway). The
/// axis runs along a cell corner (even cell count across), so the section is
/// symmetric.
pub fn straight_cylinder(radius_m: f64, length_m: f64, axis: Axis, voxel_size_m: f64) -> Voxels {
    let across = 2 * (radius_m / voxel_size_m).ceil() as usize + 2;
    let r2 = radius_m * radius_m;
    // Hagen–Poiseuille: u ∝ 1 − r²/R²
    let area = std::f64::consts::PI * r2;
    straight_duct(
        axis,
        [across, across],
        length_m,
        voxel_size_m,
        area,
        |u, v| 1.0 - (u * u + v * v) / r2,
    )
}

/// A rectangular channel `width_m` across the first transverse axis and `height_m`
/// across the second ([`Axis::across`]).
pub fn rectangular_channel(
    width_m: f64,
    height_m: f64,
    length_m: f64,
    axis: Axis,
    voxel_size_m: f64,
) -> Voxels {
    let nw = (width_m / voxel_size_m).round().max(1.0) as usize;
    let nh = (height_m / voxel_size_m).round().max(1.0) as usize;
    let (hw, hh) = (
        nw as f64 * voxel_size_m / 2.0,
        nh as f64 * voxel_size_m / 2.0,
    );
    // Product of two parabolas, a close and simple stand-in for the duct series
    // solution (White, Viscous Fluid Flow, eq. 3-48).
    straight_duct(
        axis,
        [nw + 2, nh + 2],
        length_m,
        voxel_size_m,
        width_m * height_m,
        |u, v| (1.0 - (u / hw).powi(2)).max(0.0) * (1.0 - (v / hh).powi(2)).max(0.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cylinder_area_matches_circle() {
        let dx = 1e-4;
        let v = straight_cylinder(1.6e-3, 2e-3, Axis::Z, dx);
        assert_eq!(v.dims.nx, 34);
        assert_eq!(v.dims.nz, 22);
        let area = std::f64::consts::PI * 1.6e-3f64.powi(2);
        assert!((v.openings[0].area_m2 - area).abs() / area < 0.02);
        assert_eq!(v.openings[0].cells.len(), v.openings[1].cells.len());
        assert_eq!(v.fluid_cells(), 20 * v.openings[0].cells.len());
        assert!((v.openings[0].centre_m[0] - 17.0 * dx).abs() < 1e-12);
        assert!((v.openings[0].nominal_area_m2 - area).abs() < 1e-15);
        assert_eq!(v.openings[1].normal, [0.0, 0.0, -1.0]);
    }

    #[test]
    fn channel_is_walled_on_all_sides() {
        let v = rectangular_channel(1e-3, 5e-4, 3e-3, Axis::X, 1e-4);
        assert_eq!((v.dims.nx, v.dims.ny, v.dims.nz), (32, 12, 7));
        assert_eq!(v.openings[0].cells.len(), 50);
        assert_eq!(v.openings[1].normal, [-1.0, 0.0, 0.0]);
        assert_eq!(v.openings[1].inward_dirs[0], 2);
        assert_eq!(v.kinds[v.dims.index(5, 0, 3)], CellKind::Wall);
        assert_eq!(v.kinds[v.dims.index(5, 1, 1)], CellKind::Fluid);
    }
}
