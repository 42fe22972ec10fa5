//! What can stop a run, each kind with its own message and fix.

use crate::gpu::GpuError;
use crate::io::checkpoint::CheckpointError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Render(#[from] crate::render::session::RenderError),
    #[error("cannot write results to {path}: {source}\n  Fix: check that the directory is writable and the disk has space")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Maps an I/O error on `path` into a [`RunError::Io`] naming that path.
pub fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl From<crate::sim::field_recorder::FieldError> for RunError {
    fn from(e: crate::sim::field_recorder::FieldError) -> Self {
        use crate::sim::field_recorder::FieldError as F;
        match e {
            F::Gpu(g) => RunError::Gpu(g),
            F::Io { path, source } => RunError::Io { path, source },
        }
    }
}

impl From<crate::sim::particle_recorder::RecordError> for RunError {
    fn from(e: crate::sim::particle_recorder::RecordError) -> Self {
        use crate::sim::particle_recorder::RecordError as R;
        match e {
            R::Gpu(g) => RunError::Gpu(g),
            R::Io(path, source) => RunError::Io { path, source },
        }
    }
}

/// Why a run could not be resumed from its directory.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
}
