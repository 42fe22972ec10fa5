//! `embolus._embolus`: the Rust side of the Python package. It checks and runs
//! scenarios through the embolus library and reads its VTK files; the Python side
//! (python/embolus/__init__.py) turns what it returns into dicts, numpy arrays and
//! the `Results` class. Data crosses as JSON text and little-endian byte strings, so
//! this module needs no numpy at build time.

use embolus::gpu::GpuContext;
use embolus::scenario::{LoadedGeometry, LoadedScenario, Override, ScenarioError as Invalid};
use embolus::sim::run::{run as run_scenario, Progress, RunConfig, RunObserver};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

create_exception!(
    _embolus,
    EmbolusError,
    PyException,
    "An embolus operation failed (GPU, files); the message names the problem and the fix."
);
create_exception!(
    _embolus,
    ScenarioError,
    EmbolusError,
    "A scenario embolus refuses; `file`, `line`, `key` and `fix` say where and what to do."
);

/// The file, line, key and fix of a scenario error.
fn parts(
    e: &Invalid,
) -> (
    Option<String>,
    Option<usize>,
    Option<String>,
    Option<String>,
) {
    let shown = |p: &Path| Some(p.display().to_string());
    match e {
        Invalid::Read { path, .. } => (shown(path), None, None, Some("check the path".into())),
        Invalid::Parse {
            path, line, fix, ..
        } => (shown(path), *line, None, Some(fix.clone())),
        Invalid::Geometry { path, line, .. } => (shown(path), *line, Some("geometry".into()), None),
        Invalid::Overridden { inner, .. } => parts(inner),
        Invalid::Invalid {
            path,
            line,
            key,
            fix,
            ..
        } => (shown(path), *line, Some(key.clone()), Some(fix.clone())),
    }
}

/// A Python `ScenarioError` carrying the message and its parts as attributes.
fn scenario_error(py: Python<'_>, e: &Invalid) -> PyErr {
    let err = ScenarioError::new_err(e.to_string());
    let (file, line, key, fix) = parts(e);
    let value = err.value(py);
    let _ = value.setattr("file", file);
    let _ = value.setattr("line", line);
    let _ = value.setattr("key", key);
    let _ = value.setattr("fix", fix);
    err
}

fn failed(e: impl std::fmt::Display) -> PyErr {
    EmbolusError::new_err(format!("{e:#}"))
}

/// `key=value` strings as overrides; a malformed one is a ValueError naming it.
fn overrides(items: Vec<String>) -> PyResult<Vec<Override>> {
    items
        .iter()
        .map(|s| s.parse::<Override>().map_err(PyValueError::new_err))
        .collect()
}

/// Checks a scenario file (or `text`, with `path` naming it in messages) with its
/// overrides; returns its plan as JSON: name, grid, lattice units, steps, openings.
#[pyfunction]
#[pyo3(signature = (path, text=None, overrides=Vec::new()))]
fn check(
    py: Python<'_>,
    path: &str,
    text: Option<&str>,
    overrides: Vec<String>,
) -> PyResult<String> {
    let changes = self::overrides(overrides)?;
    let path = Path::new(path);
    let loaded = match text {
        Some(t) => embolus::scenario::overrides::apply(path, t, &changes)
            .and_then(|t| LoadedScenario::from_str(path, &t)),
        None => LoadedScenario::load_with(path, &changes),
    }
    .map_err(|e| scenario_error(py, &e))?;
    let v = &loaded.voxels;
    let plan = serde_json::json!({
        "name": loaded.name(),
        "grid": {"nx": v.dims.nx, "ny": v.dims.ny, "nz": v.dims.nz, "cells": v.dims.cells(),
                 "fluid_cells": v.fluid_cells(), "voxel_size_m": v.voxel_size_m, "origin_m": v.origin_m},
        "units": loaded.units,
        "steps": loaded.steps,
        "output_every": loaded.output_every,
        "inflow_m3_s": loaded.flow_rate_m3_s,
        "openings": v.openings,
        "particles": loaded.particles.as_ref().map(|p| p.plan.diameters_m.len()),
    });
    Ok(plan.to_string())
}

/// Voxelizes a scenario's vessel and writes geometry.vti and geometry.png in `out`;
/// returns the grid, openings and files as JSON.
#[pyfunction]
#[pyo3(signature = (path, out, overrides=Vec::new()))]
fn geometry(py: Python<'_>, path: &str, out: &str, overrides: Vec<String>) -> PyResult<String> {
    let changes = self::overrides(overrides)?;
    let loaded =
        LoadedGeometry::load_with(Path::new(path), &changes).map_err(|e| scenario_error(py, &e))?;
    let v = &loaded.voxels;
    let files =
        embolus::io::geometry_files::write_geometry(v, &loaded.beyond_openings, Path::new(out))
            .map_err(failed)?;
    Ok(serde_json::json!({
        "name": loaded.name(),
        "grid": {"nx": v.dims.nx, "ny": v.dims.ny, "nz": v.dims.nz, "fluid_cells": v.fluid_cells(),
                 "voxel_size_m": v.voxel_size_m, "origin_m": v.origin_m},
        "openings": v.openings,
        "vti": files.vti, "png": files.png, "centreline": files.centreline,
        "max_lumen_radius_m": files.max_lumen_radius_m,
    })
    .to_string())
}

/// Passes progress to a Python callback and turns Ctrl-C into a clean stop.
struct PyObserver {
    callback: Option<Py<PyAny>>,
    stop: Arc<AtomicBool>,
    /// The first Python exception raised meanwhile (KeyboardInterrupt, or one the
    /// callback raised); the run stops and `run` raises it once results are written.
    raised: Option<PyErr>,
}

impl RunObserver for PyObserver {
    fn progress(&mut self, p: &Progress) {
        Python::attach(|py| {
            let mut outcome = py.check_signals();
            if let (Ok(()), Some(callback)) = (&outcome, &self.callback) {
                let info = PyDict::new(py);
                let _ = info.set_item("step", p.step);
                let _ = info.set_item("total_steps", p.total_steps);
                let _ = info.set_item("time_s", p.simulated_time_s);
                let _ = info.set_item("mlups", p.mlups);
                if let Some((injected, lodged)) = p.particles {
                    let _ = info.set_item("particles_injected", injected);
                    let _ = info.set_item("particles_lodged", lodged);
                }
                outcome = callback.call1(py, (info,)).map(|_| ());
            }
            if let Err(e) = outcome {
                self.stop.store(true, Ordering::SeqCst);
                self.raised.get_or_insert(e);
            }
        });
    }
}

/// Runs a scenario into `out` with the GIL released; returns summary.json's text.
/// Ctrl-C or an exception in `progress` stops the run cleanly (results and a
/// checkpoint written) and is raised afterwards.
#[pyfunction]
#[pyo3(signature = (scene, out, overrides=Vec::new(), steps=None, progress=None, adapter=None))]
fn run(
    py: Python<'_>,
    scene: &str,
    out: &str,
    overrides: Vec<String>,
    steps: Option<u64>,
    progress: Option<Py<PyAny>>,
    adapter: Option<&str>,
) -> PyResult<String> {
    let changes = self::overrides(overrides)?;
    let mut loaded = LoadedScenario::load_with(Path::new(scene), &changes)
        .map_err(|e| scenario_error(py, &e))?;
    if let Some(n) = steps {
        loaded.stop_after(n).map_err(PyValueError::new_err)?;
    }
    let ctx = GpuContext::new(adapter).map_err(failed)?;
    let binding = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size);
    loaded.fields.fit_binding(binding);
    let stop = Arc::new(AtomicBool::new(false));
    let config = RunConfig {
        stop: stop.clone(),
        ..RunConfig::new(PathBuf::from(out))
    };
    let mut observer = PyObserver {
        callback: progress,
        stop,
        raised: None,
    };
    let result = py.detach(|| run_scenario(&ctx, &loaded, &config, &mut observer));
    result.map_err(failed)?;
    if let Err(e) = embolus::results::plot_and_report(Path::new(out)) {
        eprintln!("warning: plots and report not written: {e}");
    }
    if let Some(e) = observer.raised {
        return Err(e);
    }
    embolus::io::report::read_summary(Path::new(out))
        .map(|s| s.to_string())
        .map_err(failed)
}

/// Reads a .vti or .vtp written by embolus: (dims, origin, spacing, points as
/// float64 bytes, [(name, components, float64 bytes)]).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn read_vtk<'py>(
    py: Python<'py>,
    path: &str,
) -> PyResult<(
    [usize; 3],
    [f64; 3],
    f64,
    Bound<'py, PyBytes>,
    Vec<(String, usize, Bound<'py, PyBytes>)>,
)> {
    let file = embolus::io::vtk_read::read(Path::new(path)).map_err(|e| {
        failed(format!(
            "cannot read {}: {}\n  Fix: {}",
            e.path.display(),
            e.problem,
            e.fix
        ))
    })?;
    let bytes = |values: &mut dyn Iterator<Item = f64>| -> Vec<u8> {
        values.flat_map(f64::to_le_bytes).collect()
    };
    let points = bytes(&mut file.points.iter().flatten().copied());
    let arrays = file
        .arrays
        .iter()
        .map(|(name, a)| {
            let data = bytes(&mut a.values.iter().copied());
            (name.clone(), a.components, PyBytes::new(py, &data))
        })
        .collect();
    Ok((
        file.dims,
        file.origin,
        file.spacing,
        PyBytes::new(py, &points),
        arrays,
    ))
}

/// The embolus version this module was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _embolus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("EmbolusError", m.py().get_type::<EmbolusError>())?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(geometry, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(read_vtk, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
