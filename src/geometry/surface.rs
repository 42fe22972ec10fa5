//! Vessels from triangle surfaces: open ends become openings automatically, closed
//! surfaces take theirs from the scenario.

use super::caps::Cap;
use super::error::GeometryError;
use super::implicit::{empty_grid, finish};
use super::mesh_voxelize::inside_mask;
use super::stl::Mesh;
use super::voxels::{CellKind, Role, Voxels};
use super::wall_links::WallSurface;

/// Marks the inlet among `caps`: the one named `inlet`, or else the largest. The
/// others become outlets unless already given a role.
pub fn assign_roles(caps: &mut [Cap], inlet: Option<&str>) -> Result<(), GeometryError> {
    let index = match inlet {
        Some(name) => caps.iter().position(|c| c.name == name).ok_or_else(|| {
            GeometryError::shape(
                format!("no opening is named {name:?}"),
                format!(
                    "use one of {:?} in [inlet] opening (see `embolus geometry SCENE`)",
                    caps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
                ),
            )
        })?,
        None => {
            if let Some(k) = caps.iter().position(|c| c.role == Some(Role::Inlet)) {
                k
            } else {
                (0..caps.len())
                    .max_by(|&a, &b| caps[a].area_m2.total_cmp(&caps[b].area_m2))
                    .ok_or_else(|| {
                        GeometryError::shape("the geometry has no openings", "declare openings")
                    })?
            }
        }
    };
    for (k, cap) in caps.iter_mut().enumerate() {
        cap.role = Some(if k == index {
            Role::Inlet
        } else {
            Role::Outlet
        });
    }
    Ok(())
}

/// Voxelizes a surface already in metres. Open ends are capped and become the
/// openings (`opening1` the largest); a closed surface needs `declared` caps, which
/// also replace the automatic ones when given. Returns the voxels, the cells cut away
/// beyond the openings and the capped surface interpolated walls are placed on.
pub fn voxelize_surface(
    mut mesh: Mesh,
    declared: &[Cap],
    inlet: Option<&str>,
    voxel_size_m: f64,
) -> Result<(Voxels, Vec<bool>, WallSurface), GeometryError> {
    let vessel_triangles = mesh.triangles.len();
    let automatic = mesh.cap_open_ends();
    let mut caps = if declared.is_empty() {
        automatic
    } else {
        declared.to_vec()
    };
    if caps.is_empty() {
        return Err(GeometryError::shape(
            "the surface is closed and the scenario declares no openings",
            "add [[geometry.openings]] entries (name, centre, normal pointing out of the vessel, radius) \
             where the vessel should be cut open, or use a surface with open ends",
        ));
    }
    assign_roles(&mut caps, inlet)?;
    let (lo, hi) = mesh.bounds();
    let mut voxels = empty_grid(lo, hi, voxel_size_m, 2)?;
    let mask = inside_mask(&mesh, voxels.origin_m, voxel_size_m, voxels.dims);
    for (kind, inside) in voxels.kinds.iter_mut().zip(mask) {
        if inside {
            *kind = CellKind::Fluid;
        }
    }
    if voxels.fluid_cells() == 0 {
        return Err(GeometryError::shape(
            "no voxel centre lies inside the surface",
            "use a smaller voxel_size, or check the surface's scale (STL files are usually in mm: scale = 0.001)",
        ));
    }
    let beyond = finish(&mut voxels, &caps)?;
    let surface = WallSurface::Mesh {
        capped: mesh,
        vessel_triangles,
    };
    Ok((voxels, beyond, surface))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::stl::read_stl;
    use std::path::Path;

    const OPEN: &str = "data/vessels/aorta-surface-open-ends.stl";

    #[test]
    fn open_aorta_gives_three_openings_inlet_largest() {
        let mut mesh = read_stl(Path::new(OPEN)).unwrap();
        mesh.transform(1e-3, [0.0; 3], [0.0; 3]);
        let (v, _, _) = voxelize_surface(mesh, &[], None, 5e-4).unwrap();
        assert_eq!(v.openings.len(), 3);
        assert_eq!(v.openings[0].role, Role::Inlet);
        // README: inlet radius ≈ 7.7 mm, outlets ≈ 4.4 mm.
        let r: Vec<f64> = v
            .openings
            .iter()
            .map(|o| (o.nominal_area_m2 / std::f64::consts::PI).sqrt())
            .collect();
        println!(
            "aorta opening radii [mm]: {:?}",
            r.iter()
                .map(|x| (x * 1e4).round() / 10.0)
                .collect::<Vec<_>>()
        );
        assert!((r[0] - 7.7e-3).abs() < 0.8e-3, "inlet radius {}", r[0]);
        for outlet in &r[1..] {
            assert!((outlet - 4.4e-3).abs() < 0.6e-3, "outlet radius {outlet}");
        }
        assert!(v.fluid_cells() > 10_000);
    }
}
