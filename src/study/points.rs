//! A sweep written out: OUT/scenarios/<point>.toml (the base scenario with the point's
//! values set, as `--set` sets them, each checked as `embolus check` would),
//! OUT/sweep.json (the points and their values, read back by `--collect`) and
//! OUT/sweep.toml (the sweep file as given). Each point runs into OUT/runs/<point>.

use super::spec::{Point, Sweep};
use crate::scenario::{LoadedScenario, Override};
use std::path::{Path, PathBuf};
use toml_edit::{DocumentMut, Item, Table, Value};

/// OUT/sweep.json: what `--collect` and the Slurm script need to know of a sweep.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SweepRecord {
    pub name: String,
    pub sweep_file: String,
    pub base_scenario: String,
    /// Every key the sweep sets, in the order of the axes.
    pub keys: Vec<String>,
    pub points: Vec<Point>,
}

pub const RECORD: &str = "sweep.json";

/// The scenario file of a point.
pub fn scenario_path(out: &Path, point: &Point) -> PathBuf {
    out.join("scenarios").join(format!("{}.toml", point.name))
}

/// The results directory of a point.
pub fn run_dir(out: &Path, point: &Point) -> PathBuf {
    out.join("runs").join(&point.name)
}

/// Writes every point's scenario, checked, and the record; returns the record.
/// `progress` hears of each point as it is checked.
pub fn write(
    sweep: &Sweep,
    out: &Path,
    mut progress: impl FnMut(&Point),
) -> Result<SweepRecord, String> {
    let base_text = crate::io::input::read_text_bounded(
        &sweep.base,
        crate::io::input::MAX_SCENARIO_BYTES,
    )
    .map_err(|e| {
        format!(
            "{}: scenario: cannot read the base scenario {}: {e}\n  Fix: give its path relative to the sweep file",
            sweep.path.display(),
            sweep.base.display()
        )
    })?;
    // The folder of the base scenario ("" for a bare file name: the current folder).
    let folder = sweep.base.parent().filter(|p| !p.as_os_str().is_empty());
    let base_dir = std::fs::canonicalize(folder.unwrap_or(Path::new(".")))
        .map_err(|e| format!("cannot resolve the folder of {}: {e}", sweep.base.display()))?;
    let scenarios = out.join("scenarios");
    std::fs::create_dir_all(&scenarios)
        .map_err(|e| format!("cannot create {}: {e}", scenarios.display()))?;
    let points = sweep.points();
    for point in &points {
        progress(point);
        let text = point_text(sweep, &base_text, &base_dir, point)?;
        let path = scenario_path(out, point);
        LoadedScenario::from_str(&path, &text).map_err(|e| {
            format!(
                "sweep point {} ({}) is not a valid scenario:\n{e}",
                point.name,
                overrides(point)
                    .iter()
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let record = SweepRecord {
        name: sweep.name.clone(),
        sweep_file: absolute(&sweep.path),
        base_scenario: absolute(&sweep.base),
        keys: sweep.keys(),
        points,
    };
    let json = out.join(RECORD);
    crate::io::summary::write_json(&json, &record)
        .map_err(|e| format!("cannot write {}: {e}", json.display()))?;
    let copy = out.join("sweep.toml");
    if std::fs::canonicalize(&sweep.path).ok() != std::fs::canonicalize(&copy).ok() {
        std::fs::copy(&sweep.path, &copy)
            .map_err(|e| format!("cannot copy the sweep file to {}: {e}", copy.display()))?;
    }
    Ok(record)
}

/// Reads OUT/sweep.json.
pub fn read_record(out: &Path) -> Result<SweepRecord, String> {
    let path = out.join(RECORD);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}\n  Fix: give the folder `embolus sweep` wrote (it holds {RECORD})",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a sweep record ({e})\n  Fix: write the sweep again with `embolus sweep SWEEP.toml`",
            path.display()
        )
    })
}

/// The `--set` changes that make a point from the base scenario.
pub fn overrides(point: &Point) -> Vec<Override> {
    point
        .values
        .iter()
        .map(|(key, value)| Override {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The base text with the point's values and name set, and its input files named by
/// absolute paths (so the point's file runs from the sweep's folder).
fn point_text(
    sweep: &Sweep,
    base_text: &str,
    base_dir: &Path,
    point: &Point,
) -> Result<String, String> {
    let mut changes = sweep.fixed.clone();
    changes.extend(overrides(point));
    changes.push(Override {
        key: "name".into(),
        value: format!("{:?}", point.name),
    });
    let text = crate::scenario::overrides::apply(&sweep.base, base_text, &changes)
        .map_err(|e| format!("sweep point {}: {e}", point.name))?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("sweep point {}: {e}", point.name))?;
    absolute_files(doc.as_table_mut(), base_dir);
    let sets: Vec<String> = changes.iter().map(|o| o.to_string()).collect();
    Ok(format!(
        "# Point {} of sweep {} ({}): {} {}\n# Input files are named by absolute paths.\n{}",
        point.index,
        sweep.name,
        sweep.path.display(),
        sweep.base.display(),
        sets.join(" "),
        doc
    ))
}

fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Rewrites every relative `file = "..."` (STL, NIfTI, CSV waveforms) against `dir`.
fn absolute_files(table: &mut Table, dir: &Path) {
    for (key, item) in table.iter_mut() {
        match item {
            Item::Value(v) if key.get() == "file" => absolute_file(v, dir),
            Item::Value(v) => absolute_in_value(v, dir),
            Item::Table(t) => absolute_files(t, dir),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(|t| absolute_files(t, dir)),
            Item::None => {}
        }
    }
}

fn absolute_in_value(value: &mut Value, dir: &Path) {
    match value {
        Value::InlineTable(t) => {
            for (key, v) in t.iter_mut() {
                if key.get() == "file" {
                    absolute_file(v, dir);
                } else {
                    absolute_in_value(v, dir);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| absolute_in_value(v, dir)),
        _ => {}
    }
}

fn absolute_file(value: &mut Value, dir: &Path) {
    if let Some(file) = value.as_str().filter(|f| Path::new(f).is_relative()) {
        let decor = value.decor().clone();
        *value = Value::from(dir.join(file).display().to_string());
        *value.decor_mut() = decor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_input_files_become_absolute_wherever_they_are() {
        let text = "[geometry]\nshape = \"stl\"\nfile = \"v.stl\" # mm\n\
                    [inlet]\nwaveform = { kind = \"csv\", file = \"w.csv\" }\n\
                    [[geometry.parts]]\nfile = \"/abs/p.stl\"\n";
        let mut doc: DocumentMut = text.parse().unwrap();
        absolute_files(doc.as_table_mut(), Path::new("/data/scenes"));
        let out = doc.to_string();
        assert!(out.contains("file = \"/data/scenes/v.stl\" # mm"), "{out}");
        assert!(out.contains("file = \"/data/scenes/w.csv\""), "{out}");
        assert!(out.contains("file = \"/abs/p.stl\""), "{out}");
    }
}
