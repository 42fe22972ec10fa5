"""Type stubs of the Rust extension embolus._embolus (python/src/lib.rs)."""

from typing import Any, Callable, Dict, List, Optional, Tuple

class EmbolusError(Exception):
    """An embolus operation failed (GPU, files); the message names the problem and the fix."""

class ScenarioError(EmbolusError):
    """A scenario embolus refuses."""

    file: Optional[str]
    line: Optional[int]
    key: Optional[str]
    fix: Optional[str]

def check(path: str, text: Optional[str] = None, overrides: List[str] = ...) -> str:
    """The scenario's plan as JSON text; raises ScenarioError."""

def geometry(path: str, out: str, overrides: List[str] = ...) -> str:
    """Writes geometry.vti and geometry.png in `out`; returns grid, openings, files as JSON."""

def run(
    scene: str,
    out: str,
    overrides: List[str] = ...,
    steps: Optional[int] = None,
    progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
    adapter: Optional[str] = None,
) -> str:
    """Runs the scenario into `out` with the GIL released; returns summary.json's text."""

def read_vtk(
    path: str,
) -> Tuple[Tuple[int, int, int], Tuple[float, float, float], float, bytes, List[Tuple[str, int, bytes]]]:
    """(dims, origin, spacing, points as float64 bytes, [(name, components, float64 bytes)])."""

def version() -> str: ...
