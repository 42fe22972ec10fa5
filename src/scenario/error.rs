//! Scenario errors: each names the file, the line where known, the key, the problem
//! and a fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "cannot read scenario {path}: {source}\n  Fix: check the path; scenes/ holds examples."
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}{}: {message}\n  Fix: {fix}", line_suffix(.line))]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        message: String,
        fix: String,
    },
    #[error("{path}{}: [geometry] {source}", line_suffix(.line))]
    Geometry {
        path: PathBuf,
        line: Option<usize>,
        source: Box<crate::geometry::GeometryError>,
    },
    #[error("{inner}\n  Note: the scenario was read with {overrides} (lines count in the text as changed)")]
    Overridden {
        overrides: String,
        inner: Box<ScenarioError>,
    },
    #[error("{path}{}: [{key}] {problem}\n  Fix: {fix}", line_suffix(.line))]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        key: String,
        problem: String,
        fix: String,
    },
}

fn line_suffix(line: &Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

impl ScenarioError {
    /// The dotted key the error is about, when it is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { key, .. } => Some(key),
            ScenarioError::Overridden { inner, .. } => inner.key(),
            _ => None,
        }
    }
}

/// 1-based line of `key` inside `[table]` of a TOML text, or of the table header when
/// the key is absent; `None` when neither is found.
pub fn key_line(source: &str, table: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    let mut header_line = None;
    // Arrays of tables: `[[name]]` headers are named `name[0]`, `name[1]`, … in order.
    let mut array_counts: std::collections::HashMap<String, usize> = Default::default();
    for (n, raw) in source.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            let count = array_counts.entry(name.trim().to_string()).or_insert(0);
            current = format!("{}[{}]", name.trim(), count);
            *count += 1;
            if current == table {
                header_line = Some(n + 1);
            }
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            if current == table {
                header_line = Some(n + 1);
            }
            continue;
        }
        if current == table {
            if let Some((k, _)) = line.split_once('=') {
                if k.trim() == key {
                    return Some(n + 1);
                }
            }
        }
    }
    header_line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_within_their_table() {
        let src = "[a]\nx = 1\n[b]\n# x = 3\nx = 2 # note\n";
        assert_eq!(key_line(src, "a", "x"), Some(2));
        assert_eq!(key_line(src, "b", "x"), Some(5));
        assert_eq!(key_line(src, "b", "y"), Some(3));
        assert_eq!(key_line(src, "c", "x"), None);
        let arrays = "[[i]]\nx = 1\n[[i]]\ny = 2\nx = 3\n";
        assert_eq!(key_line(arrays, "i[1]", "x"), Some(5));
        assert_eq!(key_line(arrays, "i[0]", "x"), Some(2));
    }
}
