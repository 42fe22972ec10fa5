//! `embolus check SCENE`: the scenario validated and described, no GPU work.

use super::describe::{describe, describe_outputs};
use anyhow::Result;
use embolus::scenario::LoadedScenario;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CheckArgs {
    scene: PathBuf,
    /// Change a key of the scenario for this run: --set time.duration=0.5 (TOML values;
    /// a bare word is a string). Repeatable; the changed text is what the results keep.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<embolus::scenario::Override>,
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let loaded = LoadedScenario::load_with(&args.scene, &args.set)?;
    describe(&loaded);
    describe_outputs(&loaded);
    println!("ok: the scenario is valid");
    Ok(ExitCode::SUCCESS)
}
