//! The commands of the `embolus` binary, one module each; `describe` prints what a
//! scenario will do (shared by `check` and `run`).

pub mod bench;
pub mod check;
pub mod describe;
pub mod geometry;
pub mod info;
pub mod render;
pub mod results;
pub mod run;
pub mod signals;
pub mod sweep;
pub mod validate;

/// Exit code of a run that diverged (2 is taken by usage errors).
pub const EXIT_DIVERGED: u8 = 3;
/// Exit code of a run stopped by Ctrl-C, SIGTERM or SIGUSR1 (128 + SIGINT, as shells
/// report Ctrl-C).
pub const EXIT_INTERRUPTED: u8 = 130;
