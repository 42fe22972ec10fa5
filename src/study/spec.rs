//! SWEEP.toml: a base scenario and the axes to vary it along.
//!
//! ```toml
//! scenario = "../scenes/quickstart.toml"   # relative to this file
//! name = "bead_study"                      # results/<name> by default
//! set = ["time.duration=0.05"]             # changes for every point, as --set
//!
//! [[axis]]                                 # a list of values
//! key = "injections[0].diameter"
//! values = [3.0e-4, 5.0e-4]
//!
//! [[axis]]                                 # a range: count values from..to
//! key = "injections[0].rate"
//! range = { from = 100.0, to = 400.0, count = 3, scale = "log" }
//!
//! [[axis]]                                 # zipped: these keys change together
//! keys = ["inlet.mean_velocity", "time.lattice_velocity"]
//! values = [[0.05, 0.04], [0.10, 0.08]]
//! ```
//! The points are every combination of the axes' entries, the first axis varying
//! slowest.

use super::SweepError;
use crate::scenario::case::plain_folder_name;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Largest number of points a sweep may expand to: beyond it a typo in a range is
/// likelier than a study.
pub const MAX_POINTS: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    scenario: String,
    name: Option<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    axis: Vec<AxisFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisFile {
    key: Option<String>,
    keys: Option<Vec<String>>,
    values: Option<Vec<toml::Value>>,
    range: Option<RangeFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFile {
    from: f64,
    to: f64,
    count: usize,
    #[serde(default)]
    scale: Scale,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "lowercase")]
enum Scale {
    #[default]
    Linear,
    Log,
}

/// One axis: the keys it sets (several when zipped) and one row of values per entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub keys: Vec<String>,
    pub rows: Vec<Vec<toml::Value>>,
}

/// A parsed sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file.
    pub path: PathBuf,
    /// Names the results directory (results/<name>); the file stem by default.
    pub name: String,
    /// The base scenario, resolved against the sweep file's folder.
    pub base: PathBuf,
    /// Changes made to every point (`set = ["key=value", ...]`), before the axes'.
    pub fixed: Vec<crate::scenario::Override>,
    pub axes: Vec<Axis>,
}

/// One point of a sweep: its index, its folder name and the values it sets.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub index: usize,
    pub name: String,
    /// (key path, TOML value text), in the order of the axes.
    pub values: Vec<(String, String)>,
}

impl Sweep {
    /// Reads and checks a sweep file (the base scenario is checked per point later).
    pub fn load(path: &Path) -> Result<Sweep, SweepError> {
        let text = crate::io::input::read_text_bounded(path, crate::io::input::MAX_SCENARIO_BYTES)
            .map_err(|e| {
                SweepError::new(
                    path,
                    "",
                    format!("cannot read the sweep file: {e}"),
                    "give the path of a SWEEP.toml (see docs/studies.md)",
                )
            })?;
        Self::from_str(path, &text)
    }

    /// Parses sweep text; `path` locates the base scenario and names the sweep.
    pub fn from_str(path: &Path, text: &str) -> Result<Sweep, SweepError> {
        let file: SweepFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            SweepError::new(
                path,
                &line.map(|l| format!("line {l}")).unwrap_or_default(),
                e.message().trim(),
                "a sweep has `scenario`, optional `name`, and [[axis]] tables with `key` and \
                 `values` or `range = { from, to, count }`, or `keys` and rows of `values` \
                 (docs/studies.md)",
            )
        })?;
        let name = file.name.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sweep".into())
        });
        if !plain_folder_name(&name) {
            return Err(SweepError::new(
                path,
                "name",
                format!("{name:?} is not a plain folder name (it names results/<name>)"),
                "use letters, digits, '-', '_' and '.' (not first), e.g. name = \"bead_study\"",
            ));
        }
        if file.axis.is_empty() {
            return Err(SweepError::new(
                path,
                "axis",
                "the sweep has no [[axis]]",
                "add [[axis]] with key = \"inlet.mean_velocity\" and values = [0.05, 0.1]",
            ));
        }
        let axes = file
            .axis
            .iter()
            .enumerate()
            .map(|(k, a)| axis(path, k, a))
            .collect::<Result<Vec<_>, _>>()?;
        let count: usize = axes.iter().map(|a| a.rows.len()).product();
        if count > MAX_POINTS {
            return Err(SweepError::new(
                path,
                "axis",
                format!("the axes expand to {count} points"),
                format!("keep a sweep to at most {MAX_POINTS} points (split it, or use fewer values per axis)"),
            ));
        }
        let fixed = file
            .set
            .iter()
            .map(|text| {
                text.parse().map_err(|problem: String| {
                    SweepError::new(
                        path,
                        "set",
                        problem,
                        "write each change as in --set: \"time.duration=0.05\"",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let folder = path.parent().unwrap_or(Path::new("."));
        Ok(Sweep {
            path: path.to_path_buf(),
            name,
            base: folder.join(&file.scenario),
            fixed,
            axes,
        })
    }

    /// Every point, the first axis varying slowest.
    pub fn points(&self) -> Vec<Point> {
        let count: usize = self.axes.iter().map(|a| a.rows.len()).product();
        let labels = short_labels(&self.axes);
        let mut points = Vec::with_capacity(count);
        for index in 0..count {
            let mut values = Vec::new();
            let mut parts = Vec::new();
            let mut rest = index;
            let mut stride = count;
            for (a, axis) in self.axes.iter().enumerate() {
                stride /= axis.rows.len();
                let row = &axis.rows[rest / stride];
                rest %= stride;
                for (k, (key, value)) in axis.keys.iter().zip(row).enumerate() {
                    values.push((key.clone(), value.to_string()));
                    parts.push(format!("{}-{}", labels[a][k], value_label(value)));
                }
            }
            points.push(Point {
                index,
                name: parts.join("_"),
                values,
            });
        }
        unique_names(&mut points);
        points
    }

    /// Every key the sweep sets, in the order of the axes.
    pub fn keys(&self) -> Vec<String> {
        self.axes.iter().flat_map(|a| a.keys.clone()).collect()
    }
}

/// The values of one [[axis]] table.
fn axis(path: &Path, k: usize, a: &AxisFile) -> Result<Axis, SweepError> {
    let here = format!("axis[{k}]");
    let fail = |problem: String, fix: &str| SweepError::new(path, &here, problem, fix);
    let keys = match (&a.key, &a.keys) {
        (Some(key), None) => vec![key.clone()],
        (None, Some(keys)) if !keys.is_empty() => keys.clone(),
        _ => return Err(fail(
            "an axis names either `key` (one key) or `keys` (keys that change together)".into(),
            "e.g. key = \"inlet.mean_velocity\", or keys = [\"a.b\", \"c.d\"] with rows of values",
        )),
    };
    for key in &keys {
        format!("{key}=0")
            .parse::<crate::scenario::Override>()
            .map_err(|_| {
                fail(
                    format!("{key:?} is not a key path"),
                    "write keys as in --set, e.g. injections[0].diameter",
                )
            })?;
    }
    let rows: Vec<Vec<toml::Value>> = match (&a.values, &a.range) {
        (Some(values), None) if keys.len() == 1 => values.iter().map(|v| vec![v.clone()]).collect(),
        (Some(values), None) => values
            .iter()
            .map(|row| match row.as_array() {
                Some(r) if r.len() == keys.len() => Ok(r.clone()),
                _ => Err(fail(
                    format!("zipped axis: every entry of `values` must be a list of {} values, one per key", keys.len()),
                    "e.g. keys = [\"a.b\", \"c.d\"] and values = [[1, 2], [3, 4]]",
                )),
            })
            .collect::<Result<_, _>>()?,
        (None, Some(r)) if keys.len() == 1 => range(r)
            .map_err(|p| fail(p, "e.g. range = { from = 0.05, to = 0.2, count = 4 } (scale = \"log\" for log spacing)"))?
            .into_iter()
            .map(|x| vec![toml::Value::Float(x)])
            .collect(),
        _ => {
            return Err(fail(
                "an axis has `values` (a list) or `range` (one key only)".into(),
                "e.g. values = [0.05, 0.1] or range = { from = 0.05, to = 0.2, count = 4 }",
            ))
        }
    };
    if rows.is_empty() {
        return Err(fail(
            "the axis has no values".into(),
            "give at least one value",
        ));
    }
    Ok(Axis { keys, rows })
}

/// The values of a range, rounded to 12 significant digits (so 0.1 + 0.2 reads 0.3).
fn range(r: &RangeFile) -> Result<Vec<f64>, String> {
    if !(r.from.is_finite() && r.to.is_finite()) {
        return Err("`from` and `to` must be finite numbers".into());
    }
    if r.count == 0 {
        return Err("`count` must be at least 1".into());
    }
    if r.scale == Scale::Log && (r.from <= 0.0 || r.to <= 0.0) {
        return Err(format!(
            "a log range needs from > 0 and to > 0 (got {} and {})",
            r.from, r.to
        ));
    }
    let at = |k: usize| -> f64 {
        let s = if r.count == 1 {
            0.0
        } else {
            k as f64 / (r.count - 1) as f64
        };
        let x = match r.scale {
            Scale::Linear => r.from + (r.to - r.from) * s,
            Scale::Log => r.from * (r.to / r.from).powf(s),
        };
        format!("{x:.11e}").parse().unwrap_or(x)
    };
    Ok((0..r.count).map(at).collect())
}

/// Per axis and key, the label a point's name uses: the key's last part, or more of
/// it where two keys end alike.
fn short_labels(axes: &[Axis]) -> Vec<Vec<String>> {
    let all: Vec<&String> = axes.iter().flat_map(|a| &a.keys).collect();
    let label = |key: &str| -> String {
        let last = key.rsplit('.').next().unwrap_or(key);
        let clash = all
            .iter()
            .filter(|other| other.rsplit('.').next() == Some(last))
            .count()
            > 1;
        let text = if clash { key } else { last };
        sanitize(&text.replace(['[', ']'], ""))
    };
    axes.iter()
        .map(|a| a.keys.iter().map(|k| label(k)).collect())
        .collect()
}

/// A value as a point's name shows it: numbers with 4 significant digits.
fn value_label(v: &toml::Value) -> String {
    let text = match v {
        toml::Value::Float(x) => {
            // 4 significant digits; tiny and huge values as "3e-4" rather than "3.000e-4".
            let text = crate::io::report::readable(*x);
            match text.contains('e') {
                true => format!("{:e}", format!("{x:.3e}").parse::<f64>().unwrap_or(*x)),
                false => text,
            }
        }
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    sanitize(&text)
}

/// Keeps letters, digits, '-', '_' and '.'; the rest becomes '-' (a folder name).
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Names that repeat (values equal to 4 digits) or run long fall back to an index.
fn unique_names(points: &mut [Point]) {
    let names: Vec<String> = points.iter().map(|p| p.name.clone()).collect();
    for p in points.iter_mut() {
        let repeats = names.iter().filter(|n| **n == p.name).count() > 1;
        if repeats || !plain_folder_name(&p.name) {
            p.name = format!("point{:04}", p.index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(text: &str) -> Result<Sweep, SweepError> {
        Sweep::from_str(Path::new("studies/s.toml"), text)
    }

    #[test]
    fn axes_expand_to_every_combination_first_axis_slowest() {
        let s = sweep(
            "scenario = \"../scenes/q.toml\"\n\
             [[axis]]\nkey = \"injections[0].diameter\"\nvalues = [3.0e-4, 5.0e-4]\n\
             [[axis]]\nkey = \"injections[0].rate\"\nrange = { from = 100.0, to = 400.0, count = 3, scale = \"log\" }\n\
             [[axis]]\nkeys = [\"inlet.mean_velocity\", \"time.lattice_velocity\"]\nvalues = [[0.05, 0.04], [0.1, 0.08]]\n",
        )
        .unwrap();
        assert_eq!(s.name, "s");
        assert_eq!(s.base, Path::new("studies/../scenes/q.toml"));
        let points = s.points();
        assert_eq!(points.len(), 2 * 3 * 2);
        assert_eq!(
            points[0].name,
            "diameter-3e-4_rate-100_mean_velocity-0.05_lattice_velocity-0.04"
        );
        // The log range: 100, 200, 400; the zipped keys change together.
        assert_eq!(
            points[3].values[1],
            ("injections[0].rate".into(), "200.0".into())
        );
        assert_eq!(points[3].values[2].1, "0.1");
        assert_eq!(points[3].values[3].1, "0.08");
        assert_eq!(points[11].values[0].1, "0.0005");
        assert_eq!(points[11].values[1].1, "400.0");
        let mut names: Vec<&String> = points.iter().map(|p| &p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 12, "point names are unique");
    }

    #[test]
    fn keys_that_end_alike_keep_their_paths_and_equal_labels_fall_back_to_indices() {
        let s = sweep(
            "scenario = \"q.toml\"\n\
             [[axis]]\nkey = \"injections[0].diameter\"\nvalues = [1.00001, 1.00002]\n\
             [[axis]]\nkey = \"injections[1].diameter\"\nvalues = [\"a b\"]\n",
        )
        .unwrap();
        let points = s.points();
        // 1.00001 and 1.00002 both read "1" to 4 digits: indices tell them apart.
        assert_eq!(value_label(&toml::Value::Float(3.0e-4)), "3e-4");
        assert_eq!(value_label(&toml::Value::Float(1.23456e-7)), "1.235e-7");
        assert_eq!(points[0].name, "point0000");
        assert_eq!(points[1].name, "point0001");
        let s = sweep(
            "scenario = \"q.toml\"\n[[axis]]\nkey = \"injections[0].diameter\"\nvalues = [1.0]\n\
             [[axis]]\nkey = \"injections[1].diameter\"\nvalues = [\"a b\"]\n",
        )
        .unwrap();
        assert_eq!(
            s.points()[0].name,
            "injections0.diameter-1_injections1.diameter-a-b"
        );
    }

    #[test]
    fn bad_sweeps_name_the_problem_and_the_fix() {
        let cases = [
            ("scenario = \"q.toml\"\n", "has no [[axis]]"),
            ("scenario = \"q.toml\"\nname = \"../x\"\n[[axis]]\nkey = \"a.b\"\nvalues = [1]\n", "plain folder name"),
            ("scenario = \"q.toml\"\n[[axis]]\nvalues = [1]\n", "either `key`"),
            ("scenario = \"q.toml\"\n[[axis]]\nkey = \"a.b\"\n", "`values` (a list) or `range`"),
            ("scenario = \"q.toml\"\n[[axis]]\nkey = \"a.b\"\nvalues = []\n", "no values"),
            ("scenario = \"q.toml\"\n[[axis]]\nkey = \"a.b\"\nrange = { from = 0.0, to = 1.0, count = 3, scale = \"log\" }\n", "from > 0"),
            ("scenario = \"q.toml\"\n[[axis]]\nkeys = [\"a.b\", \"c\"]\nvalues = [[1]]\n", "list of 2 values"),
            ("scenario = \"q.toml\"\n[[axis]]\nkey = \"a.b\"\nvalue = [1]\n", "unknown field `value`"),
            ("scenario = \"q.toml\"\n[[axis]]\nkey = \"a..b\"\nvalues = [1]\n", "not a key path"),
            ("scenario = \"q.toml\"\nset = [\"time.duration\"]\n[[axis]]\nkey = \"a\"\nvalues = [1]\n", "has no '='"),
            ("scenario = \"q.toml\"\n[[axis]]\nkey = \"a\"\nrange = { from = 0.0, to = 1.0, count = 20000 }\n", "20000 points"),
        ];
        for (text, expected) in cases {
            let e = sweep(text).expect_err(text).to_string();
            assert!(e.contains(expected), "{text}\n→ {e}");
            assert!(e.contains("Fix:"), "{e}");
        }
    }
}
