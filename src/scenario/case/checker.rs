//! Scenario errors tied to a key: the line of the key in the file, the problem and
//! the fix.

use crate::scenario::error::{key_line, ScenarioError};
use std::path::Path;

/// The scenario file being checked, for errors that point into it.
pub struct Checker<'a> {
    pub path: &'a Path,
    pub source: &'a str,
}

impl Checker<'_> {
    pub fn fail(&self, table: &str, key: &str, problem: String, fix: String) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line: key_line(self.source, table, key),
            key: if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            },
            problem,
            fix,
        }
    }

    pub fn positive(
        &self,
        table: &str,
        key: &str,
        value: f64,
        unit: &str,
    ) -> Result<(), ScenarioError> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(self.fail(
                table,
                key,
                format!("{key} = {value} {unit} must be a positive number"),
                format!("set {key} to a value > 0 in {unit}"),
            ))
        }
    }
}
