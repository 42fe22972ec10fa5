//! Stopping a run cleanly on a signal: the first SIGINT (Ctrl-C), SIGTERM (a batch
//! scheduler's time limit, `scancel`, `kill`) or SIGUSR1 (Slurm's warning signal,
//! `sbatch --signal=USR1@120`) asks the run to stop after its current batch of steps
//! and write its results and a checkpoint; a second one exits at once.

use super::EXIT_INTERRUPTED;
use anyhow::{Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The flag a stop signal sets (the run polls it between batches of steps).
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    install(stop.clone())?;
    Ok(stop)
}

/// What the first signal prints, and what the second does.
fn on_signal(stop: &AtomicBool, name: &str) {
    if stop.swap(true, Ordering::SeqCst) {
        eprintln!("\nsecond {name}: exiting without flushing");
        std::process::exit(EXIT_INTERRUPTED as i32);
    }
    eprintln!(
        "\n{name}: stopping after the current batch of steps and writing results and a checkpoint…"
    );
}

#[cfg(unix)]
fn install(stop: Arc<AtomicBool>) -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGUSR1])
        .context("installing the SIGINT/SIGTERM/SIGUSR1 handlers")?;
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let name = match signal {
                SIGINT => "Ctrl-C (SIGINT)",
                SIGTERM => "SIGTERM",
                _ => "SIGUSR1",
            };
            on_signal(&stop, name);
        }
    });
    Ok(())
}

#[cfg(not(unix))]
fn install(stop: Arc<AtomicBool>) -> Result<()> {
    ctrlc::set_handler(move || on_signal(&stop, "Ctrl-C")).context("installing the Ctrl-C handler")
}
