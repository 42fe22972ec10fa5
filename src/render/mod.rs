//! Pictures of results: line charts (PNG) of a run's metrics and of several runs
//! compared.

pub mod camera;
pub mod centreline;
pub mod frame_gpu;
pub mod from_results;
pub mod overlay;
pub mod plot;
pub mod run_plots;
pub mod session;
pub mod sweep_plots;
pub mod video;
