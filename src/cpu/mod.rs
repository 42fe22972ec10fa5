//! CPU twins of the GPU kernels: plain Rust with the kernels' layout and order of
//! operations, one file per kernel file (`stream_collide` for shaders/lbm/
//! stream_collide.wgsl and the collision, `outlets` for shaders/lbm/outlets.wgsl,
//! `occlusion` for shaders/particles/occlusion.wgsl, `advance` for
//! shaders/particles/advance.wgsl). Tests step small grids on both and compare.

pub mod advance;
pub mod occlusion;
pub mod outlets;
pub mod stream_collide;
