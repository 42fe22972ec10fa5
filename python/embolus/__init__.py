"""embolus from Python: check and run scenarios, read their results.

    import embolus
    plan = embolus.check("scenes/quickstart.toml", {"time.duration": 0.05})
    res = embolus.run("scenes/quickstart.toml", out="results/qs", steps=500,
                      progress=lambda p: print(p["step"], p["mlups"]))
    res.metrics["inlet flow [m^3/s]"]          # numpy array, SI units in the name
    res.fields()["velocity [m/s]"].shape        # (nz, ny, nx, 3), the last output
    embolus.Results.open("results/qs").summary  # any run, also one from the CLI

The simulation runs in Rust with the GIL released; Ctrl-C stops it cleanly (results
and a checkpoint are written) and then raises KeyboardInterrupt. Scenario problems
raise ScenarioError with ``file``, ``line``, ``key`` and ``fix``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _embolus
from ._embolus import EmbolusError, ScenarioError

__all__ = [
    "EmbolusError",
    "Fields",
    "Results",
    "ScenarioError",
    "check",
    "geometry",
    "run",
]
__version__: str = _embolus.version()

Overrides = Union[None, Mapping[str, Any], Sequence[str]]


def _toml_value(value: Any) -> str:
    """A Python value as TOML text (what --set takes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as a scenario value (use numbers, strings, booleans or lists)")


def _overrides(overrides: Overrides) -> List[str]:
    """`{"time.duration": 0.5}` or `["time.duration=0.5"]` as key=value strings."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{key}={_toml_value(value)}" for key, value in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(o) for o in overrides]


def check(path_or_text: Union[str, os.PathLike], overrides: Overrides = None) -> Dict[str, Any]:
    """Validates a scenario (a file, or TOML text) without the GPU and returns its
    plan: name, grid, lattice units, steps, openings. Raises ScenarioError."""
    text = str(path_or_text)
    if "\n" not in text and (text.endswith(".toml") or os.path.exists(text)):
        return json.loads(_embolus.check(text, None, _overrides(overrides)))
    return json.loads(_embolus.check("<text>", text, _overrides(overrides)))


def geometry(
    scene: Union[str, os.PathLike], out: Union[str, os.PathLike, None] = None, overrides: Overrides = None
) -> Dict[str, Any]:
    """Voxelizes a scenario's vessel into `out` (geometry.vti, geometry.png; default
    results/<name>) and returns the grid, openings and files."""
    if out is None:
        out = Path("results") / check(scene, overrides)["name"]
    return json.loads(_embolus.geometry(str(scene), str(out), _overrides(overrides)))


def run(
    scene: Union[str, os.PathLike],
    out: Union[str, os.PathLike, None] = None,
    overrides: Overrides = None,
    steps: Optional[int] = None,
    progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
    adapter: Optional[str] = None,
) -> "Results":
    """Runs a scenario into `out` (default results/<name>) as `embolus run` does and
    returns its Results. `steps` stops it early; `progress` is called with a dict
    (step, total_steps, time_s, mlups, particles_injected, particles_lodged) after
    each batch of steps; `adapter` picks a GPU by name."""
    changes = _overrides(overrides)
    if out is None:
        out = Path("results") / check(scene, overrides)["name"]
    _embolus.run(str(scene), str(out), changes, steps, progress, adapter)
    return Results(out)


def _read_image(path: Path) -> "Fields":
    """A .vti's arrays shaped (nz, ny, nx[, components]), with .origin and .spacing [m]."""
    dims, origin, spacing, _, arrays = _embolus.read_vtk(str(path))
    nx, ny, nz = dims
    out = Fields()
    for name, components, data in arrays:
        a = np.frombuffer(data, dtype="<f8")
        out[name] = a.reshape((nz, ny, nx, components)) if components > 1 else a.reshape((nz, ny, nx))
    out.origin, out.spacing = tuple(origin), spacing
    return out


def _pvd(path: Path) -> List[tuple]:
    """(time [s], step, file) of each entry of a .pvd."""
    if not path.exists():
        return []
    entries = []
    for ds in ET.parse(path).getroot().iter("DataSet"):
        file = path.parent / ds.get("file", "")
        match = re.search(r"_(\d+)\.vt[ip]$", file.name)
        entries.append((float(ds.get("timestep", "nan")), int(match.group(1)) if match else -1, file))
    return entries


class Fields(dict):
    """One field output: name → numpy array shaped (nz, ny, nx) or (nz, ny, nx, 3),
    plus ``origin`` (m), ``spacing`` (m), ``step`` and ``time_s``."""

    origin: tuple
    spacing: float
    step: int
    time_s: float


class Results:
    """A results directory written by `embolus run` (CLI or Python)."""

    def __init__(self, directory: Union[str, os.PathLike]):
        self.dir = Path(directory)
        if not (self.dir / "metrics.csv").exists():
            raise EmbolusError(
                f"{self.dir} holds no metrics.csv\n  Fix: give a results directory written by `embolus run`"
            )

    @classmethod
    def open(cls, directory: Union[str, os.PathLike]) -> "Results":
        """Opens an existing results directory."""
        return cls(directory)

    def __repr__(self) -> str:
        return f"Results({str(self.dir)!r}, status={self.status!r})"

    @property
    def summary(self) -> Dict[str, Any]:
        """summary.json as a dict (status, grid, units, adapter, key results)."""
        return json.loads((self.dir / "summary.json").read_text())

    @property
    def status(self) -> str:
        """"completed", "interrupted" or "diverged"."""
        return self.summary.get("status", "?")

    @property
    def metrics(self) -> Dict[str, np.ndarray]:
        """metrics.csv as {column name with its SI unit: float64 array}."""
        with open(self.dir / "metrics.csv", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        values = np.array([[float(v) for v in r] for r in body], dtype=np.float64).reshape(len(body), len(header))
        return {name: values[:, k] for k, name in enumerate(header)}

    def metrics_frame(self):
        """metrics.csv as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("metrics_frame() needs pandas: pip install pandas (or use .metrics)") from e
        return pandas.DataFrame(self.metrics)

    @property
    def pvd(self) -> Dict[str, Optional[Path]]:
        """The ParaView collections (open them with pyvista.read)."""
        found = {k: self.dir / f"{k}.pvd" for k in ("fields", "particles")}
        return {k: (p if p.exists() else None) for k, p in found.items()}

    @property
    def field_steps(self) -> List[int]:
        return [step for _, step, _ in _pvd(self.dir / "fields.pvd")]

    @property
    def particle_steps(self) -> List[int]:
        return [step for _, step, _ in _pvd(self.dir / "particles.pvd")]

    @staticmethod
    def _entry(pvd: Path, step: Optional[int]) -> tuple:
        entries = _pvd(pvd)
        if not entries:
            raise EmbolusError(f"{pvd} does not exist\n  Fix: enable the outputs in the scenario ([fields], [particles])")
        if step is None:
            return entries[-1]
        for e in entries:
            if e[1] == step:
                return e
        raise EmbolusError(f"no output at step {step} in {pvd}\n  Fix: choose one of {[e[1] for e in entries]}")

    def fields(self, step: Optional[int] = None) -> Fields:
        """The field output at `step` (default: the last) as numpy arrays."""
        time_s, found, path = self._entry(self.dir / "fields.pvd", step)
        out = _read_image(path)
        out.step, out.time_s = found, time_s
        return out

    def particles(self, step: Optional[int] = None) -> Dict[str, np.ndarray]:
        """The particles at `step` (default: the last): "position [m]" (N, 3),
        "diameter [m]", "state" (1 free, 2 lodged, 3 stuck, 4 exited), "agent", "id"."""
        _, _, path = self._entry(self.dir / "particles.pvd", step)
        _, _, _, points, arrays = _embolus.read_vtk(str(path))
        out = {"position [m]": np.frombuffer(points, dtype="<f8").reshape(-1, 3)}
        for name, components, data in arrays:
            a = np.frombuffer(data, dtype="<f8")
            out[name] = a.reshape(-1, components) if components > 1 else a
        for name in ("state", "agent", "id"):
            if name in out:
                out[name] = out[name].astype(np.int64)
        return out

    def _image(self, name: str, missing: str) -> Fields:
        path = self.dir / name
        if not path.exists():
            raise EmbolusError(f"{path} does not exist: {missing}")
        return _read_image(path)

    def dose(self) -> Fields:
        """The Y-90 dose map (dose.vti) as arrays shaped (nz, ny, nx): "dose_Gy",
        "activity_Bq" and, with a label map, "label"; with .origin and .spacing [m]."""
        return self._image("dose.vti", "the run has no [dosimetry] (docs/dosimetry.md)")

    def dvh(self) -> Dict[str, np.ndarray]:
        """The dose-volume histograms (dvh.csv): "dose [Gy]" and, per region, the
        percentage of its volume receiving at least that dose."""
        path = self.dir / "dvh.csv"
        if not path.exists():
            raise EmbolusError(f"{path} does not exist: the run has no [dosimetry] (docs/dosimetry.md)")
        lines = path.read_text().splitlines()
        names = lines[0].split(",")
        table = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
        return {name: table[:, k] for k, name in enumerate(names)}

    def centreline(self) -> Dict[str, np.ndarray]:
        """The centrelines (centreline.vtp): "position [m]" (N, 3), "lumen radius [m]",
        "arc length [m]" and "outlet" (the opening index: one line per outlet)."""
        path = self.dir / "centreline.vtp"
        if not path.exists():
            raise EmbolusError(f"{path} does not exist: runs write it with their fields")
        _, _, _, points, arrays = _embolus.read_vtk(str(path))
        out = {"position [m]": np.frombuffer(points, dtype="<f8").reshape(-1, 3)}
        for name, _, data in arrays:
            out[name] = np.frombuffer(data, dtype="<f8")
        out["outlet"] = out["outlet"].astype(np.int64)
        return out

    @property
    def dosimetry(self) -> Optional[Dict[str, Any]]:
        """Y-90 activity and partition-model dose per territory ([dosimetry]), or None."""
        return self.summary.get("dosimetry")

    @property
    def fates(self) -> Dict[str, Any]:
        """The particles' fate: counts per state, per branch, exited volume fraction,
        time to occlusion and flow / baseline per outlet (empty without particles)."""
        p = self.summary.get("particles") or {}
        keys = ("tally", "exited_volume_fraction", "time_to_occlusion_s", "final_flow_over_baseline")
        return {k: p[k] for k in keys if k in p}
