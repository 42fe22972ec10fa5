//! `--set key.path=value`: changes to a scenario's text before it is parsed, made
//! with the file's layout and comments kept, so the text that runs (and that results
//! and checkpoints store) is the file with those keys changed. Values are TOML
//! (numbers, strings in quotes, arrays, booleans); a bare word is taken as a string,
//! so `--set lbm.storage=dense` works. The schema types the value as it types the
//! file's: a wrong type gets the usual error, naming the override.

use super::error::ScenarioError;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, Value};

/// One `key.path=value` override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Dotted path; arrays of tables by index: `injections[0].count`.
    pub key: String,
    pub value: String,
}

impl std::str::FromStr for Override {
    type Err = String;

    /// Parses `key.path=value` (the form `--set` takes).
    fn from_str(arg: &str) -> Result<Self, String> {
        let (key, value) = arg.split_once('=').ok_or_else(|| {
            format!("--set {arg:?} has no '=': give key.path=value, e.g. --set time.duration=0.5")
        })?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|s| s.trim().is_empty()) {
            return Err(format!(
                "--set {arg:?}: the key {key:?} is not a dotted path such as inlet.mean_velocity"
            ));
        }
        Ok(Override {
            key: key.to_string(),
            value: value.trim().to_string(),
        })
    }
}

impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--set {}={}", self.key, self.value)
    }
}

/// A path segment: a key, and the index when it names an array of tables.
fn segment(s: &str) -> (&str, Option<usize>) {
    match s.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (s, None),
    }
}

/// The TOML value of `text`, or `text` as a string when it is not TOML.
fn value_of(text: &str) -> Value {
    text.parse::<Value>()
        .unwrap_or_else(|_| Value::from(text.to_string()))
}

fn fail(path: &Path, o: &Override, problem: String, fix: &str) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.to_path_buf(),
        line: None,
        key: o.key.clone(),
        problem: format!("{o}: {problem}"),
        fix: fix.into(),
    }
}

/// The table that holds the last segment of `o.key`, created where missing.
fn parent_table<'a>(
    doc: &'a mut DocumentMut,
    o: &Override,
    path: &Path,
) -> Result<&'a mut Table, ScenarioError> {
    let parts: Vec<&str> = o.key.split('.').map(str::trim).collect();
    let mut table = doc.as_table_mut();
    for part in &parts[..parts.len() - 1] {
        let (name, index) = segment(part);
        let item = table.entry(name).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        table = match (item, index) {
            (Item::Table(t), None) => t,
            (Item::ArrayOfTables(a), Some(i)) => {
                let len = a.len();
                a.get_mut(i).ok_or_else(|| {
                    fail(
                        path,
                        o,
                        format!("[[{name}]] has {len} entries, no index {i}"),
                        "index the entries from 0, in the order of the file",
                    )
                })?
            }
            (Item::ArrayOfTables(_), None) => {
                return Err(fail(
                    path,
                    o,
                    format!("{name} is a list of [[{name}]] tables"),
                    &format!("name one entry by its index, e.g. {name}[0]"),
                ))
            }
            (Item::Value(Value::InlineTable(_)), _) => {
                return Err(fail(
                    path,
                    o,
                    format!("{name} is an inline table in the file"),
                    "give the whole inline table as the value, e.g. key={ ... }",
                ));
            }
            _ => {
                return Err(fail(
                    path,
                    o,
                    format!("{name} is a value, not a table"),
                    "check the key path against docs/scenario.md",
                ))
            }
        };
    }
    Ok(table)
}

/// The scenario text with every override applied, in order.
pub fn apply(path: &Path, source: &str, overrides: &[Override]) -> Result<String, ScenarioError> {
    if overrides.is_empty() {
        return Ok(source.to_string());
    }
    let mut doc: DocumentMut =
        source
            .parse()
            .map_err(|e: toml_edit::TomlError| ScenarioError::Parse {
                path: path.to_path_buf(),
                line: None,
                message: e.message().trim().to_string(),
                fix: "fix the TOML syntax of the file before overriding its keys".into(),
            })?;
    for o in overrides {
        let last = o.key.rsplit('.').next().expect("non-empty key").trim();
        let table = parent_table(&mut doc, o, path)?;
        match table.get_mut(last) {
            Some(item @ Item::Value(_)) => {
                // Keep the key's position and comment; replace the value only.
                let decor = item.as_value().map(|v| v.decor().clone());
                let mut value = value_of(&o.value);
                if let Some(d) = decor {
                    *value.decor_mut() = d;
                }
                *item = Item::Value(value);
            }
            Some(_) => {
                return Err(fail(
                    path,
                    o,
                    format!("{last} is a table in the file, not a value"),
                    "set one of its keys, e.g. --set table.key=value",
                ))
            }
            None => {
                table.insert(last, Item::Value(value_of(&o.value)));
            }
        }
    }
    Ok(doc.to_string())
}

/// A note naming the overrides, for errors about a scenario they changed.
pub fn note(overrides: &[Override]) -> String {
    if overrides.is_empty() {
        return String::new();
    }
    let list: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    list.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(source: &str, args: &[&str]) -> String {
        let overrides: Vec<Override> = args.iter().map(|a| a.parse().unwrap()).collect();
        apply(Path::new("s.toml"), source, &overrides).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn values_change_in_place_and_new_keys_join_their_table() {
        let source = "# a scene\n[time]\nsteps = 10 # short\n\n[[injections]]\ncount = 5\n";
        let out = set(
            source,
            &[
                "time.steps=200",
                "time.lattice_velocity=0.08",
                "injections[0].count=7",
                "lbm.storage=dense",
            ],
        );
        assert!(
            out.starts_with("# a scene\n[time]\nsteps = 200 # short\n"),
            "{out}"
        );
        assert!(out.contains("lattice_velocity = 0.08"), "{out}");
        assert!(out.contains("count = 7"), "{out}");
        assert!(out.contains("[lbm]\nstorage = \"dense\""), "{out}");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["time"]["steps"].as_integer(), Some(200));
    }

    #[test]
    fn bad_overrides_name_the_problem() {
        assert!("time.steps"
            .parse::<Override>()
            .unwrap_err()
            .contains("no '='"));
        assert!("=3"
            .parse::<Override>()
            .unwrap_err()
            .contains("dotted path"));
        let source = "[time]\nsteps = 10\n[[injections]]\ncount = 5\n";
        let err = |arg: &str| {
            apply(Path::new("s.toml"), source, &[arg.parse().unwrap()])
                .unwrap_err()
                .to_string()
        };
        assert!(err("injections[3].count=1").contains("no index 3"));
        assert!(err("injections.count=1").contains("injections[0]"));
        assert!(err("time=1").contains("is a table"));
        assert!(err("time.steps.x=1").contains("is a value"));
    }
}
