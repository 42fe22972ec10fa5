//! Scenario files: parsing (serde + TOML), validation and the derived run plan.
//! Everything here happens before any GPU work, so a bad file costs nothing.

pub mod case;
pub mod error;
pub mod outputs;
pub mod overrides;
pub mod schema;

pub use error::ScenarioError;
pub use overrides::Override;
pub use schema::{CollisionName, Geometry, Inlet, OpeningSpec, Profile, Scenario, StorageLayout};

use crate::geometry::Voxels;
use crate::units::LatticeUnits;
use std::path::{Path, PathBuf};

/// A parsed and validated scenario with its derived lattice units and schedule.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    pub path: PathBuf,
    /// The scenario text as read (checkpoints keep it and hash it).
    pub source: String,
    pub scenario: Scenario,
    /// The voxelized vessel with its openings.
    pub voxels: Voxels,
    /// Cells cut away beyond the openings (not vessel wall).
    pub beyond_openings: Vec<bool>,
    /// Cells whose links the true surface cuts, for `[lbm] walls = "interpolated"`
    /// (else empty).
    pub wall_links: Vec<crate::geometry::CutCell>,
    /// The catheter in the lumen (`[catheter]`), already carved into `voxels`.
    pub catheter: Option<case::catheter::CatheterPlan>,
    /// Opening indices of `[target] branches` (empty: no target given).
    pub target_openings: Vec<usize>,
    /// The vessel's true surface where the geometry has one (analytic shapes, STL,
    /// NIfTI; not channels): wall links and the particles' wall distance use it.
    pub surface: Option<std::sync::Arc<crate::geometry::WallSurface>>,
    pub units: LatticeUnits,
    /// The narrowest section a narrowing geometry declares, and the flow there.
    pub throat: Option<case::flow::Throat>,
    /// Inlet flow rate [m³/s].
    pub flow_rate_m3_s: f64,
    /// Time steps to run.
    pub steps: u64,
    /// Steps between rows of metrics.csv.
    pub output_every: u64,
    /// Steps over which the inflow rises from zero (0: none).
    pub ramp_steps: u64,
    /// Factor on the mean inflow over time.
    pub waveform: crate::lbm::waveform::Waveform,
    /// Outlet model per opening index, lattice units (inlets: unused placeholders).
    pub outlet_models: Vec<crate::lbm::outlets::OutletModel>,
    /// Mean δρ and waveform of each scheduled-pressure outlet, by slot.
    pub outlet_waveforms: Vec<(f32, crate::lbm::waveform::Waveform)>,
    /// The slot in `outlet_waveforms` of a pressure-driven inlet's pulsatile source.
    pub source_slot: Option<usize>,
    /// Shear-thinning viscosity in lattice terms; `None` for a Newtonian fluid.
    pub rheology: Option<crate::lbm::rheology::LatticeRheology>,
    /// Particles to inject, if the scenario has `[[injections]]`.
    pub particles: Option<crate::particles::ParticleRun>,
    /// Field output and WSS averaging ([fields]).
    pub fields: outputs::FieldPlan,
    /// When to checkpoint ([checkpoint]).
    pub checkpoint: outputs::CheckpointPlan,
    /// Frames and video during the run ([render]).
    pub render: Option<outputs::RenderPlan>,
    /// Y-90 dose by the partition model ([dosimetry]).
    pub dosimetry: Option<crate::dosimetry::DosimetryPlan>,
}

impl LoadedScenario {
    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        Self::load_with(path, &[])
    }

    /// Reads a scenario file, applies `overrides` (`--set`) to its text, and parses
    /// and validates the result; that text is what the run keeps.
    pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Self, ScenarioError> {
        let source = read_scenario(path)?;
        let text = overrides::apply(path, &source, overrides)?;
        Self::from_str(path, &text).map_err(|e| with_overrides(e, overrides))
    }

    /// Parses and validates scenario text; `path` is used in messages only.
    pub fn from_str(path: &Path, source: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario =
            toml::from_str(source).map_err(|e| parse_error(path, source, e))?;
        case::build(path, source, scenario)
    }

    /// SHA-256 of the scenario text and the voxelized vessel: a checkpoint resumes
    /// only a run with the same hash.
    pub fn hash(&self) -> String {
        let kinds: Vec<u8> = self
            .voxels
            .kinds
            .iter()
            .flat_map(|k| {
                let code: u16 = match k {
                    crate::geometry::CellKind::Fluid => 0,
                    crate::geometry::CellKind::Wall => 1,
                    crate::geometry::CellKind::Opening(o) => 2 + *o as u16,
                };
                code.to_le_bytes()
            })
            .collect();
        crate::io::checkpoint::scenario_hash(&self.source, &kinds)
    }

    /// Stops the run after `steps` steps instead of the scenario's duration
    /// (`--steps`); outputs keep their steps, metrics at least at the end.
    pub fn stop_after(&mut self, steps: u64) -> Result<(), String> {
        if steps == 0 {
            return Err("the number of steps must be at least 1".into());
        }
        self.steps = steps;
        self.output_every = self.output_every.min(steps);
        Ok(())
    }

    /// Scenario name for reports: the `name` key or the file stem.
    pub fn name(&self) -> String {
        scenario_name(&self.scenario, &self.path)
    }
}

/// A scenario's vessel alone, for `embolus geometry`: only the grid and geometry are
/// checked, so a vessel can be inspected before the flow settings are right.
#[derive(Clone, Debug)]
pub struct LoadedGeometry {
    pub path: PathBuf,
    pub scenario: Scenario,
    pub voxels: Voxels,
    pub beyond_openings: Vec<bool>,
}

impl LoadedGeometry {
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        Self::load_with(path, &[])
    }

    /// Reads a scenario file with `overrides` applied and builds its vessel only.
    pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Self, ScenarioError> {
        let source = overrides::apply(path, &read_scenario(path)?, overrides)?;
        let parsed = || -> Result<(Scenario, crate::geometry::Built), ScenarioError> {
            let scenario: Scenario =
                toml::from_str(&source).map_err(|e| parse_error(path, &source, e))?;
            let built = case::build_geometry(path, &source, &scenario)?;
            Ok((scenario, built))
        };
        let (scenario, built) = parsed().map_err(|e| with_overrides(e, overrides))?;
        Ok(LoadedGeometry {
            path: path.to_path_buf(),
            scenario,
            voxels: built.voxels,
            beyond_openings: built.beyond_openings,
        })
    }

    pub fn name(&self) -> String {
        scenario_name(&self.scenario, &self.path)
    }
}

/// The text of a scenario file.
fn read_scenario(path: &Path) -> Result<String, ScenarioError> {
    crate::io::input::read_text_bounded(path, crate::io::input::MAX_SCENARIO_BYTES).map_err(
        |source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        },
    )
}

/// `e` with a note of the overrides the text was read with (none: `e` itself).
fn with_overrides(e: ScenarioError, overrides: &[Override]) -> ScenarioError {
    if overrides.is_empty() {
        e
    } else {
        ScenarioError::Overridden {
            overrides: overrides::note(overrides),
            inner: Box::new(e),
        }
    }
}

fn scenario_name(scenario: &Scenario, path: &Path) -> String {
    scenario.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    })
}

fn parse_error(path: &Path, source: &str, e: toml::de::Error) -> ScenarioError {
    let line = e.span().map(|span| {
        source[..span.start.min(source.len())]
            .lines()
            .count()
            .max(1)
    });
    let message = e.message().trim().to_string();
    // serde reports an unknown key with the span of its whole table: point at the key.
    let line = unknown_key(&message)
        .and_then(|key| {
            let from = line.unwrap_or(1);
            source
                .lines()
                .enumerate()
                .skip(from - 1)
                .find_map(|(n, l)| {
                    let l = l.trim_start();
                    (l.starts_with(key) && l[key.len()..].trim_start().starts_with('='))
                        .then_some(n + 1)
                })
        })
        .or(line);
    let fix = if message.contains("unknown field") {
        "remove or correct the key; docs/scenario.md lists every key".to_string()
    } else if message.contains("missing field") {
        "add the key; docs/scenario.md lists what each section needs".to_string()
    } else if message.contains("invalid type")
        || message.contains("unknown variant")
        || message.contains("invalid value")
    {
        "give the value the type docs/scenario.md states (numbers in SI units, names in quotes)"
            .to_string()
    } else {
        "fix the TOML syntax at that line".to_string()
    };
    ScenarioError::Parse {
        path: path.to_path_buf(),
        line,
        message,
        fix,
    }
}

/// The key named by serde's "unknown field `key`" message.
fn unknown_key(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}
