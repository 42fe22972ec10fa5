//! Lattice-Boltzmann model, host side: the D3Q19 lattice, collision parameters,
//! equilibrium, the setup handed to the GPU, the WGSL source assembly and a CPU
//! reference of the GPU step.

pub mod acoustics;
pub mod collision;
pub mod equilibrium;
pub mod lattice;
pub mod outlets;
pub mod region;
pub mod rheology;
pub mod setup;
pub mod sparse;
pub mod wall_links;
pub mod waveform;
pub mod womersley;

pub use collision::{CollisionModel, Relaxation};
pub use region::FieldRegion;
pub use setup::{BoundaryRecord, GridDims, LatticeSetup};
