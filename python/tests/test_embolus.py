"""The Python package as a researcher uses it: check, run, read, errors, Ctrl-C.

Runs on the machine's GPU adapter (software Vulkan in CI); the comparison with the
command line needs the `embolus` binary (EMBOLUS_BIN, default target/release/embolus,
built by `cargo build --release` or `cargo test --release`).
"""

import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

import embolus

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "scenes" / "quickstart.toml"

# A small vessel: R = 5 cells, 20 cells long (as the CLI tests use).
TINY = """name = "tiny"
[grid]
voxel_size = 1.0e-4
[time]
steps = 200
output_interval = 2.5e-3
[geometry]
shape = "cylinder"
radius = 5.0e-4
length = 2.0e-3
[inlet]
mean_velocity = 0.05
"""


def cli() -> str:
    path = Path(os.environ.get("EMBOLUS_BIN", REPO / "target" / "release" / "embolus"))
    assert path.exists(), f"no embolus binary at {path}: run `cargo build --release` or set EMBOLUS_BIN"
    return str(path)


def tiny(tmp_path: Path, extra: str = "") -> Path:
    scene = tmp_path / "tiny.toml"
    scene.write_text(TINY + extra)
    return scene


def test_check_returns_the_plan_of_a_file_or_text():
    plan = embolus.check(QUICKSTART)
    assert plan["name"] == "quickstart"
    assert plan["grid"]["voxel_size_m"] == 1.0e-4
    assert 0.5 < plan["units"]["tau"] < 1.0
    assert [o["name"] for o in plan["openings"]] == ["inlet", "outlet"]
    # Text, with an override changing the duration: the step count follows.
    text = QUICKSTART.read_text()
    half = embolus.check(text, {"time.duration": 0.1})
    assert half["steps"] * 2 == pytest.approx(plan["steps"], abs=2)


def test_a_scenario_error_names_the_line_the_key_and_the_fix():
    text = TINY.replace("mean_velocity = 0.05", "mean_velocity = -0.05")
    with pytest.raises(embolus.ScenarioError) as info:
        embolus.check(text)
    e = info.value
    assert e.line == text.splitlines().index("mean_velocity = -0.05") + 1, str(e)
    assert "mean_velocity" in e.key and e.fix, (e.key, e.fix)
    assert "Fix:" in str(e)
    with pytest.raises(embolus.ScenarioError) as info:
        embolus.check(QUICKSTART, ["inlet.mean_velocty=0.1"])
    assert "mean_velocty" in str(info.value) and "--set inlet.mean_velocty=0.1" in str(info.value)
    with pytest.raises(ValueError):
        embolus.check(QUICKSTART, ["no equals sign"])


def test_run_matches_the_command_line_exactly(tmp_path):
    calls = []
    res = embolus.run(QUICKSTART, out=tmp_path / "py", steps=300, progress=calls.append)
    subprocess.run(
        [cli(), "run", str(QUICKSTART), "--out", str(tmp_path / "cli"), "--steps", "300"],
        check=True,
        capture_output=True,
    )
    by_cli = embolus.Results.open(tmp_path / "cli")
    assert res.status == "completed" and res.summary["steps"] == 300
    q_py = res.metrics["inlet flow [m^3/s]"]
    q_cli = by_cli.metrics["inlet flow [m^3/s]"]
    assert len(q_py) > 2 and np.array_equal(q_py, q_cli), (q_py, q_cli)
    assert np.array_equal(res.metrics["outlet pressure [Pa]"], by_cli.metrics["outlet pressure [Pa]"])
    # Progress reached the end; the fields are those of the last step.
    assert calls and calls[-1]["step"] == 300 and calls[-1]["total_steps"] == 300
    assert res.fields().step == 300


def test_fields_equal_what_vtk_reads(tmp_path):
    import vtk  # the independent reader (pip install vtk; .ci/run installs it)
    from vtk.util.numpy_support import vtk_to_numpy

    res = embolus.run(tiny(tmp_path), out=tmp_path / "run")
    fields = res.fields()
    reader = vtk.vtkXMLImageDataReader()
    reader.SetFileName(str(res.dir / "fields" / f"fields_{fields.step:09d}.vti"))
    reader.Update()
    data = reader.GetOutput()
    nx, ny, nz = data.GetDimensions()
    assert fields["velocity [m/s]"].shape == (nz, ny, nx, 3)
    point_data = data.GetPointData()
    for k in range(point_data.GetNumberOfArrays()):
        name = point_data.GetArrayName(k)
        expected = vtk_to_numpy(point_data.GetArray(k)).astype(np.float64).reshape(fields[name].shape)
        assert np.array_equal(fields[name], expected), name
    assert fields.spacing == pytest.approx(data.GetSpacing()[0])
    assert np.abs(fields["velocity [m/s]"]).max() > 0.05
    # The centreline the run writes beside its fields: one line to the outlet, the
    # lumen radius of the 0.5 mm pipe within a voxel along its middle.
    c = res.centreline()
    assert set(c["outlet"]) == {1} and c["position [m]"].shape == (len(c["outlet"]), 3)
    middle = (c["arc length [m]"] > 0.5e-3) & (c["arc length [m]"] < 1.5e-3)
    assert middle.any() and np.allclose(c["lumen radius [m]"][middle], 5.0e-4, atol=1.0e-4)


def test_overrides_particles_and_fates(tmp_path):
    injection = (
        '[[injections]]\nagent = "beads_100_300"\nstart = 0.0\nduration = 2.0e-3\ncount = 20\n'
        'opening = "inlet"\n'
    )
    res = embolus.run(tiny(tmp_path, injection), out=tmp_path / "p", overrides={"inlet.mean_velocity": 0.03})
    assert "mean_velocity = 0.03" in (res.dir / "scenario.toml").read_text()
    flow = res.metrics["inlet flow [m^3/s]"][-1]
    assert flow == pytest.approx(0.03 * np.pi * 5.0e-4**2, rel=0.05)
    p = res.particles()
    n = len(p["id"])
    assert n == 20 and sorted(p["id"]) == list(range(20))
    assert p["position [m]"].shape == (n, 3) and p["diameter [m]"].shape == (n,)
    assert set(np.unique(p["state"])) <= {1, 2, 3, 4}
    assert res.fates["tally"]["injected"] == 20 and res.dosimetry is None
    assert res.pvd["particles"] is not None and res.particle_steps[-1] == res.summary["steps"]


def test_dose_map_and_histograms(tmp_path):
    spheres = (
        '[[injections]]\nagent = "y90_glass"\nstart = 0.0\nduration = 2.0e-3\ncount = 20\nopening = "inlet"\n'
        "[dosimetry]\nactivity = 3.0\n[dosimetry.territories.outlet]\nmass = 1.0\n"
    )
    res = embolus.run(tiny(tmp_path, spheres), out=tmp_path / "dose")
    dose = res.dose()
    assert dose["dose_Gy"].shape == dose["activity_Bq"].shape and dose["dose_Gy"].ndim == 3
    assert (dose["dose_Gy"] >= 0).all() and dose.spacing > 0
    dvh = res.dvh()
    assert list(dvh) == ["dose [Gy]", "map volume [%]"] and len(dvh["dose [Gy]"]) == 201
    assert dvh["map volume [%]"][0] == 100.0 and np.all(np.diff(dvh["map volume [%]"]) <= 0)
    assert res.dosimetry["dose_map"]["regions"][0]["region"] == "map"
    (res.dir / "dose.vti").unlink()
    with pytest.raises(embolus.EmbolusError, match="dosimetry"):
        res.dose()


def test_ctrl_c_stops_the_run_cleanly_and_raises_keyboard_interrupt(tmp_path):
    def interrupt(p):
        if p["step"] >= 40:
            os.kill(os.getpid(), signal.SIGINT)

    scene = tiny(tmp_path).read_text().replace("steps = 200", "steps = 20000")
    (tmp_path / "long.toml").write_text(scene)
    # Python's own Ctrl-C handler, also where the test runner started with SIGINT
    # ignored (a background job of a non-interactive shell).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            embolus.run(tmp_path / "long.toml", out=tmp_path / "stopped", progress=interrupt)
    finally:
        signal.signal(signal.SIGINT, previous)
    stopped = embolus.Results.open(tmp_path / "stopped")
    assert stopped.status == "interrupted"
    assert 40 <= stopped.summary["steps"] < 20000
    assert (stopped.dir / "checkpoint.bin").exists()


def test_geometry_writes_the_voxelized_vessel(tmp_path):
    g = embolus.geometry(QUICKSTART, out=tmp_path / "g")
    assert Path(g["vti"]).exists() and Path(g["png"]).exists() and Path(g["centreline"]).exists()
    assert g["max_lumen_radius_m"] == pytest.approx(1.0e-3, rel=0.15)
    with pytest.raises(embolus.EmbolusError):
        embolus.Results.open(tmp_path / "g")
