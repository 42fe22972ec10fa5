//! Geometry errors: what is wrong with a surface, mask or shape, and how to fix it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GeometryError {
    #[error("cannot read {path}: {source}\n  Fix: check the path (relative paths start at the scenario file's folder)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid {format} file: {problem}\n  Fix: {fix}")]
    Format {
        path: PathBuf,
        format: &'static str,
        problem: String,
        fix: String,
    },
    #[error("{problem}\n  Fix: {fix}")]
    Shape { problem: String, fix: String },
}

impl GeometryError {
    pub fn shape(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        GeometryError::Shape {
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}
