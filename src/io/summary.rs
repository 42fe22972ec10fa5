//! summary.json: what ran, where, how fast and how it ended.

use serde::Serialize;
use std::path::Path;

/// Writes `value` as pretty JSON, replacing the file atomically so a crash mid-write
/// never leaves a truncated summary.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(tmp, path)
}
