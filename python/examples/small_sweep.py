"""A small parameter study from Python: the quickstart artery at three inflow
velocities, the pressure drop each needs against Hagen-Poiseuille's.

    python python/examples/small_sweep.py            # from the repository root

About a minute on 2 CPU cores with software Vulkan. Draws
results/py_sweep/pressure_drop.png when matplotlib is installed, and prints the table.
"""

import math
from pathlib import Path

import embolus

SCENE = Path(__file__).resolve().parents[2] / "scenes" / "quickstart.toml"
OUT = Path("results") / "py_sweep"
VELOCITIES = [0.02, 0.035, 0.05]  # m/s, mean inflow
RADIUS, LENGTH, VISCOSITY = 1.0e-3, 1.0e-2, 0.0035  # m, m, Pa s (the scene's values)

rows = []
for u in VELOCITIES:
    res = embolus.run(SCENE, out=OUT / f"u_{u}", overrides={"inlet.mean_velocity": u, "time.duration": 0.1})
    m = res.metrics
    drop = m["inlet pressure [Pa]"][-1] - m["outlet pressure [Pa]"][-1]
    flow = m["inlet flow [m^3/s]"][-1]
    # Hagen-Poiseuille: dp = 8 mu L Q / (pi R^4).
    poiseuille = 8 * VISCOSITY * LENGTH * flow / (math.pi * RADIUS**4)
    rows.append((u, flow, drop, poiseuille))
    print(f"u = {u:5.3f} m/s  Q = {flow:.3e} m^3/s  dp = {drop:6.2f} Pa  Hagen-Poiseuille {poiseuille:6.2f} Pa")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: table only")
else:
    fig, ax = plt.subplots()
    ax.plot([r[0] for r in rows], [r[2] for r in rows], "o-", label="embolus")
    ax.plot([r[0] for r in rows], [r[3] for r in rows], "k--", label="Hagen-Poiseuille")
    ax.set_xlabel("mean inflow velocity [m/s]")
    ax.set_ylabel("pressure drop [Pa]")
    ax.legend()
    fig.savefig(OUT / "pressure_drop.png", dpi=120)
    print(f"wrote {OUT / 'pressure_drop.png'}")
