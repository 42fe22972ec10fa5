//! Builds the voxels a scenario's `[geometry]` describes.

use super::caps::Cap;
use super::error::GeometryError;
use super::implicit::voxelize;
use super::nifti::{read_mask, voxelize_mask, LumenLevel};
use super::primitives::{rectangular_channel, straight_cylinder};
use super::shapes::{
    aneurysm, bifurcation, murray_daughter_radius, smooth_polyline, stenosis, tree, Assembly,
    TreeSpec,
};
use super::stl::read_stl;
use super::surface::{assign_roles, voxelize_surface};
use super::vec3::normalize;
use super::voxels::{Axis, Role, Voxels};
use super::wall_links::WallSurface;
use crate::scenario::schema::{Geometry, OpeningSpec};
use std::path::Path;

/// Voxels plus the mask of cells cut away beyond openings (not vessel wall), and the
/// surface the voxels were made from (for interpolated walls; `None` for channels,
/// whose walls lie halfway between cells already).
pub struct Built {
    pub voxels: Voxels,
    pub beyond_openings: Vec<bool>,
    pub surface: Option<WallSurface>,
}

/// Catmull–Rom points per centreline segment of a `tube`.
const TUBE_SUBDIVISION: usize = 8;

fn assembly(g: &Geometry) -> Result<Assembly, GeometryError> {
    Ok(match g {
        Geometry::Tapered {
            start,
            end,
            start_radius,
            end_radius,
        } => Assembly::tube(
            &[*start, *end],
            &[*start_radius, *end_radius],
            Some("inlet"),
            Some("outlet"),
        ),
        Geometry::Tube { points, radii } => {
            let (p, r) = smooth_polyline(points, radii, TUBE_SUBDIVISION);
            Assembly::tube(&p, &r, Some("inlet"), Some("outlet"))
        }
        Geometry::Stenosis {
            radius,
            length,
            axis,
            area_reduction_percent,
            stenosis_length,
            position,
        } => stenosis(
            *radius,
            *length,
            axis.unit(),
            area_reduction_percent / 100.0,
            *stenosis_length,
            *position,
        ),
        Geometry::Aneurysm {
            radius,
            length,
            axis,
            sac_radius,
            neck_radius,
            position,
        } => aneurysm(
            *radius,
            *length,
            axis.unit(),
            *sac_radius,
            *neck_radius,
            *position,
        ),
        Geometry::Bifurcation {
            parent_radius,
            parent_length,
            daughter_radii,
            daughter_length,
            angles_deg,
            murray_exponent,
        } => {
            let rd = murray_daughter_radius(*parent_radius, *murray_exponent);
            bifurcation(
                *parent_radius,
                *parent_length,
                daughter_radii.unwrap_or([rd, rd]),
                *daughter_length,
                angles_deg.map(f64::to_radians),
            )
        }
        Geometry::Tree {
            generations,
            root_radius,
            root_length,
            murray_exponent,
            angle_deg,
            length_to_radius,
            seed,
        } => tree(&TreeSpec {
            generations: *generations,
            root_radius: *root_radius,
            root_length: *root_length,
            murray_exponent: *murray_exponent,
            angle_rad: angle_deg.to_radians(),
            length_to_radius: *length_to_radius,
            seed: *seed,
        }),
        Geometry::Union { parts } => {
            let assemblies: Vec<Assembly> = parts.iter().map(assembly).collect::<Result<_, _>>()?;
            let mut all = Assembly::default();
            for (k, a) in assemblies.iter().enumerate() {
                let mut part = a.clone();
                // A part's end inside another part is a junction, not an opening.
                part.caps.retain(|c| {
                    !assemblies
                        .iter()
                        .enumerate()
                        .any(|(j, b)| j != k && b.contains(c.centre_m))
                });
                for c in &mut part.caps {
                    c.name = format!("part{}_{}", k + 1, c.name);
                }
                all.merge(part);
            }
            // One inlet: the first part's, unless the scenario names another.
            let mut seen_inlet = false;
            for c in &mut all.caps {
                if c.role == Some(Role::Inlet) {
                    if seen_inlet {
                        c.role = Some(Role::Outlet);
                    }
                    seen_inlet = true;
                }
            }
            all
        }
        Geometry::Cylinder { .. }
        | Geometry::Channel { .. }
        | Geometry::Stl { .. }
        | Geometry::Nifti { .. } => return Err(GeometryError::shape(
            "a union may only hold tapered, tube, stenosis, aneurysm, bifurcation and tree parts",
            "describe straight vessels in a union as `tapered` parts",
        )),
    })
}

fn declared_caps(specs: &[OpeningSpec]) -> Vec<Cap> {
    specs
        .iter()
        .map(|o| Cap::circle(&o.name, None, o.centre, normalize(o.normal), o.radius))
        .collect()
}

/// Voxelizes `geometry` at `voxel_size_m`; files are relative to `base_dir`;
/// `inlet` names the inlet opening when the scenario chooses one.
pub fn build(
    geometry: &Geometry,
    voxel_size_m: f64,
    base_dir: &Path,
    inlet: Option<&str>,
) -> Result<Built, GeometryError> {
    let (mut voxels, beyond_openings, surface) = match geometry {
        Geometry::Cylinder {
            radius,
            length,
            axis,
        } => {
            let v = straight_cylinder(*radius, *length, *axis, voxel_size_m);
            let n = v.dims.cells();
            let surface = cylinder_surface(&v, *radius, *axis);
            (v, vec![false; n], Some(surface))
        }
        Geometry::Channel {
            width,
            height,
            length,
            axis,
        } => {
            let v = rectangular_channel(*width, *height, *length, *axis, voxel_size_m);
            let n = v.dims.cells();
            (v, vec![false; n], None)
        }
        Geometry::Stl {
            file,
            scale,
            rotate_deg,
            translate,
            openings,
        } => {
            let mut mesh = read_stl(&base_dir.join(file))?;
            mesh.transform(*scale, *rotate_deg, *translate);
            let (v, beyond, surface) =
                voxelize_surface(mesh, &declared_caps(openings), inlet, voxel_size_m)?;
            (v, beyond, Some(surface))
        }
        Geometry::Nifti {
            file,
            label,
            openings,
        } => {
            let mask = read_mask(&base_dir.join(file), *label)?;
            let (v, beyond) = voxelize_mask(&mask, &declared_caps(openings), inlet, voxel_size_m)?;
            let inside = move |p: [f64; 3]| LumenLevel::new(&mask).at(p) > 0.5;
            (v, beyond, Some(WallSurface::Implicit(Box::new(inside))))
        }
        analytic => {
            let mut a = assembly(analytic)?;
            if inlet.is_some() {
                assign_roles(&mut a.caps, inlet)?;
            }
            let (v, beyond) = voxelize(&a, voxel_size_m)?;
            let inside = move |p: [f64; 3]| a.contains(p);
            (v, beyond, Some(WallSurface::Implicit(Box::new(inside))))
        }
    };
    if let (Some(name), Geometry::Cylinder { .. } | Geometry::Channel { .. }) = (inlet, geometry) {
        let k = voxels
            .openings
            .iter()
            .position(|o| o.name == name)
            .ok_or_else(|| {
                GeometryError::shape(
                    format!("no opening is named {name:?}"),
                    "use \"inlet\" or \"outlet\"",
                )
            })?;
        for (j, o) in voxels.openings.iter_mut().enumerate() {
            o.role = if j == k { Role::Inlet } else { Role::Outlet };
        }
    }
    Ok(Built {
        voxels,
        beyond_openings,
        surface,
    })
}

/// The inside test of a straight cylinder voxelized by [`straight_cylinder`]: its axis
/// runs through the middle of the grid's cross-section (origin at the grid corner).
fn cylinder_surface(voxels: &Voxels, radius_m: f64, axis: Axis) -> WallSurface {
    let (u, v) = axis.across();
    let n = [voxels.dims.nx, voxels.dims.ny, voxels.dims.nz];
    let dx = voxels.voxel_size_m;
    let centre = [u, v].map(|a| n[a.index()] as f64 * dx / 2.0);
    let (u, v) = (u.index(), v.index());
    WallSurface::Implicit(Box::new(move |p: [f64; 3]| {
        (p[u] - centre[0]).powi(2) + (p[v] - centre[1]).powi(2) < radius_m * radius_m
    }))
}
