//! The integration tests, built as one test binary: one module per file beside this
//! one (tests/<module>.rs), helpers in tests/common/. One binary links once instead of
//! once per file and lets `cargo test` run tests of different files side by side, which
//! keeps CI within its time budget (issue 16). Run one file's tests with
//! `cargo test --release --test suite <module>::`, e.g. `particles::`.

mod common;

mod bifurcation_flow;
mod catheter;
mod checkpoint;
mod cli;
// `embolus validate --quick`: the longest test, so named to start early (tests run in
// name order) rather than alone at the end.
mod cli_validate;
mod cpu_twins;
mod curved_walls;
mod fda_nozzle_data;
mod generated_kernels;
mod geometry_scenarios;
mod geometry_volumes;
mod gpu_cpu_equivalence;
mod outlets;
mod particle_motion;
mod particles;
mod periodic_box;
mod poiseuille;
mod population_split;
mod pulsatile_outlet;
mod pulsatile_re600;
mod reflection;
mod render;
mod repository;
mod rheology;
mod scenario_errors;
mod scenes;
mod sparse_storage;
mod stability;
mod vtk_readback;
mod wall_shear;
mod womersley;
