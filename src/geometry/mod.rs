//! Vessel geometry: primitives, STL surfaces and NIfTI masks voxelized into cell kinds
//! with named openings, plus connectivity, wall distance and lumen radius.
//! Geometry never touches the GPU; [`crate::sim`] turns [`Voxels`] into flags.

pub mod caps;
pub mod catheter;
pub mod error;
pub mod fields;
mod from_scenario;
pub mod implicit;
pub mod mesh_voxelize;
pub mod nifti;
pub mod opening_profile;
pub mod primitives;
pub mod shapes;
pub mod stl;
pub mod stl_wall;
pub mod surface;
pub mod surface_distance;
pub mod throat;
pub mod vec3;
pub mod voxels;
pub mod wall_links;
pub mod wall_surface;

pub use caps::Cap;
pub use error::GeometryError;
pub use from_scenario::{build, Built};
pub use primitives::{rectangular_channel, straight_cylinder};
pub use voxels::{Axis, CellKind, Opening, Role, Voxels};
pub use wall_links::{cut_cells, CutCell, WallSurface};
