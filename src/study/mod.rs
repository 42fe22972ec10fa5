//! Parameter studies: `embolus sweep` expands a base scenario along axes of key
//! values into one scenario per point ([`spec`], [`points`]), runs them here or
//! through a Slurm job array ([`slurm`]), and gathers every point's key metrics into
//! sweep.csv with a plot of each metric against each axis ([`collect`]).

pub mod collect;
pub mod points;
pub mod replicates;
pub mod slurm;
pub mod spec;

/// A problem with a sweep, its file and key, and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {key}: {problem}\n  Fix: {fix}")]
pub struct SweepError {
    pub path: String,
    pub key: String,
    pub problem: String,
    pub fix: String,
}

impl SweepError {
    pub fn new(
        path: &std::path::Path,
        key: &str,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        SweepError {
            path: path.display().to_string(),
            key: key.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}
