#!/usr/bin/env python3
"""Draws one array of a wall surface (wall/wall_<step>.vtp, written by `embolus run`)
as a shaded picture, headless (matplotlib's Agg), for documents and quick looks.
ParaView shows the same file interactively.

usage: plot_wall.py WALL.vtp OUT.png [--array NAME] [--elevation DEG] [--azimuth DEG]
                    [--max VALUE]

Needs the Python packages vtk (to read the file) and matplotlib.
"""
import argparse
import sys

try:
    import numpy as np
    import vtk
    from vtk.util.numpy_support import vtk_to_numpy
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection
except ImportError as e:
    sys.exit(f"plot_wall.py needs numpy, vtk and matplotlib ({e}): pip install vtk matplotlib")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("wall")
    p.add_argument("out")
    p.add_argument("--array", default="tawss [Pa]")
    p.add_argument("--elevation", type=float, default=20.0)
    p.add_argument("--azimuth", type=float, default=-60.0)
    p.add_argument("--max", type=float, default=None, help="top of the colour scale")
    a = p.parse_args()

    reader = vtk.vtkXMLPolyDataReader()
    if not reader.CanReadFile(a.wall):
        sys.exit(f"cannot read {a.wall}: give a wall/wall_<step>.vtp file of a run")
    reader.SetFileName(a.wall)
    reader.Update()
    mesh = reader.GetOutput()
    data = mesh.GetPointData().GetArray(a.array)
    if data is None:
        names = [mesh.GetPointData().GetArrayName(i) for i in range(mesh.GetPointData().GetNumberOfArrays())]
        sys.exit(f"{a.wall} has no array {a.array!r}; it has {names}")
    points = vtk_to_numpy(mesh.GetPoints().GetData()) * 1e3  # mm
    polys = vtk_to_numpy(mesh.GetPolys().GetConnectivityArray()).reshape(-1, 3)
    values = vtk_to_numpy(data)
    if values.ndim > 1:
        values = np.linalg.norm(values, axis=1)
    face_values = np.nan_to_num(values[polys].mean(axis=1))
    top = a.max if a.max is not None else np.percentile(face_values, 99)

    fig = plt.figure(figsize=(7, 6), dpi=150)
    ax = fig.add_subplot(111, projection="3d")
    colours = plt.cm.viridis(np.clip(face_values / top, 0.0, 1.0))
    # Lambert shading from the viewer's side, so the tube reads as a solid.
    tri = points[polys]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-30)
    el, az = np.radians(a.elevation), np.radians(a.azimuth)
    view = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    light = 0.45 + 0.55 * np.abs(normals @ view)
    colours[:, :3] *= light[:, None]
    ax.add_collection3d(Poly3DCollection(tri, facecolors=colours, linewidths=0))
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, half = (lo + hi) / 2, (hi - lo).max() / 2
    for set_lim, c in zip((ax.set_xlim, ax.set_ylim, ax.set_zlim), centre):
        set_lim(c - half, c + half)
    ax.set_box_aspect((1, 1, 1))
    ax.view_init(elev=a.elevation, azim=a.azimuth)
    ax.set_axis_off()
    ax.set_title(f"{a.array}, {(hi - lo).max():.0f} mm across")
    mappable = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(0.0, top))
    fig.colorbar(mappable, ax=ax, shrink=0.6, label=a.array)
    fig.tight_layout()
    fig.savefig(a.out)
    print(f"wrote {a.out}: {len(polys)} triangles, {a.array} 0..{top:.4g}")


if __name__ == "__main__":
    main()
