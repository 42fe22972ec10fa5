//! embolus: GPU lattice-Boltzmann hemodynamics for endovascular embolization.
//!
//! Data flow: [`scenario`] (TOML, SI) → [`units`] (lattice units) → [`geometry`]
//! (voxels, openings) → [`sim`] (GPU time loop) → [`probes`] → [`io`] writers.

pub mod bench;
pub mod cpu;
pub mod dosimetry;
pub mod geometry;
pub mod gpu;
pub mod io;
pub mod kernels;
pub mod lbm;
pub mod particles;
pub mod probes;
pub mod render;
pub mod results;
pub mod scenario;
pub mod sim;
pub mod study;
pub mod units;
pub mod validation;
