//! Pictures of results: line charts (PNG) of a run's metrics and of several runs
//! compared.

pub mod plot;
pub mod run_plots;
