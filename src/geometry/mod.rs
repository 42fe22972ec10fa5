//! Vessel geometry: primitives, STL surfaces and NIfTI masks voxelized into cell kinds
//! with named openings, plus connectivity, wall distance and lumen radius.
//! Geometry never touches the GPU; [`crate::sim`] turns [`Voxels`] into flags.

pub mod caps;
pub mod error;
pub mod fields;
pub mod implicit;
pub mod mesh_voxelize;
pub mod nifti;
pub mod primitives;
pub mod shapes;
pub mod stl;
pub mod surface;
pub mod vec3;
pub mod voxels;

pub use caps::Cap;
pub use error::GeometryError;
pub use primitives::{rectangular_channel, straight_cylinder};
pub use voxels::{Axis, CellKind, Opening, Role, Voxels};

use crate::scenario::Geometry;

/// Voxelizes the scenario's geometry at `voxel_size_m`.
pub fn build(geometry: &Geometry, voxel_size_m: f64) -> Voxels {
    match *geometry {
        Geometry::Cylinder {
            radius,
            length,
            axis,
        } => straight_cylinder(radius, length, axis, voxel_size_m),
        Geometry::Channel {
            width,
            height,
            length,
            axis,
        } => rectangular_channel(width, height, length, axis, voxel_size_m),
    }
}
