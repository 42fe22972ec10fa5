//! Checkpoints of a run: when they are due (every N steps, by wall-clock time, at the
//! end when asked, on Ctrl-C), what they hold besides the GPU buffers (the host's
//! bookkeeping), and how a run is resumed from one.

use super::error::{ResumeError, RunError};
use super::outputs::{next_multiple, Output};
use crate::gpu::GpuContext;
use crate::io::checkpoint::{self, Checkpoint, CheckpointError, CheckpointHeader};
use crate::scenario::LoadedScenario;
use crate::sim::checkpoint::{read_state, GpuState};
use crate::sim::field_recorder::FieldRecorderState;
use crate::sim::particle_recorder::ParticleRecorderState;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Host-side state of a run kept in its checkpoints.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HostState {
    pub initial_delta_mass: f64,
    pub wall_time_s: f64,
    pub particles: Option<ParticleRecorderState>,
    pub fields: Option<FieldRecorderState>,
}

/// When to write DIR/checkpoint.bin, and the last one written.
pub struct CheckpointOutput {
    every: Option<u64>,
    wall_interval_s: f64,
    at_end: bool,
    last: Instant,
    /// The checkpoint this run left, if any.
    pub written: Option<PathBuf>,
}

impl Output for CheckpointOutput {
    fn next_due(&self, done: u64) -> Option<u64> {
        self.every.map(|every| next_multiple(done, every))
    }
}

impl CheckpointOutput {
    pub fn new(loaded: &LoadedScenario, at_end: bool) -> Self {
        CheckpointOutput {
            every: loaded.checkpoint.every,
            wall_interval_s: loaded.checkpoint.wall_interval_s,
            at_end,
            last: Instant::now(),
            written: None,
        }
    }

    /// Whether a checkpoint is due after `step` of `total` steps: on schedule, by
    /// wall-clock time since the last one, or at the end when asked.
    pub fn due(&self, step: u64, total: u64) -> bool {
        self.every.is_some_and(|e| step.is_multiple_of(e))
            || self.last.elapsed().as_secs_f64() >= self.wall_interval_s
            || (step == total && self.at_end)
    }

    /// Writes DIR/checkpoint.bin for the current state after `step` steps.
    pub fn write(
        &mut self,
        ctx: &GpuContext,
        loaded: &LoadedScenario,
        out: &Path,
        objects: &[&dyn GpuState],
        host: &HostState,
        step: u64,
    ) -> Result<(), RunError> {
        let (sections, data) = read_state(ctx, objects)?;
        let path = out.join(checkpoint::FILE_NAME);
        let scenario_path =
            std::fs::canonicalize(&loaded.path).unwrap_or_else(|_| loaded.path.clone());
        let host = serde_json::to_value(host).expect("the host state serializes");
        let header = CheckpointHeader {
            embolus_version: env!("CARGO_PKG_VERSION").into(),
            scenario_path: scenario_path.display().to_string(),
            scenario_text: loaded.source.clone(),
            scenario_hash: loaded.hash(),
            step,
            time_s: step as f64 * loaded.units.dt_s,
            sections,
            host,
        };
        checkpoint::write(&path, &header, &data)?;
        self.written = Some(path);
        self.last = Instant::now();
        Ok(())
    }
}

/// Reads DIR/checkpoint.bin and the scenario it belongs to: `scene` when given (it
/// must hash like the checkpoint's), else the scenario text the checkpoint keeps.
pub fn load_for_resume(
    dir: &Path,
    scene: Option<&Path>,
) -> Result<(LoadedScenario, Checkpoint), ResumeError> {
    let path = dir.join(checkpoint::FILE_NAME);
    let ck = checkpoint::read(&path)?;
    let loaded = match scene {
        Some(scene) => LoadedScenario::load(scene)?,
        None => LoadedScenario::from_str(
            Path::new(&ck.header.scenario_path),
            &ck.header.scenario_text,
        )?,
    };
    let hash = loaded.hash();
    if hash != ck.header.scenario_hash {
        return Err(ResumeError::Checkpoint(CheckpointError::Mismatch {
            path,
            problem: format!(
                "the scenario or its vessel changed since the checkpoint (hash {}… now, {}… then)",
                &hash[..12],
                &ck.header.scenario_hash[..12]
            ),
            fix: format!(
                "resume with the scenario as it was ({}), or start a new run with --out elsewhere",
                ck.header.scenario_path
            ),
        }));
    }
    Ok((loaded, ck))
}

/// A checkpoint that does not fit this run: the problem and the fix.
pub fn mismatch(out: &Path, problem: String, fix: &str) -> RunError {
    RunError::Checkpoint(CheckpointError::Mismatch {
        path: out.join(checkpoint::FILE_NAME),
        problem,
        fix: fix.into(),
    })
}
