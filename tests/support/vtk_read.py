#!/usr/bin/env python3
"""Reads VTK XML files with VTK itself (the `vtk` package from PyPI, the library
ParaView is built on) and prints what it read as JSON, for tests/vtk_readback.rs.

usage: vtk_read.py FILE...   (.vti, .vtp, or .pvd: each dataset it lists is read too)
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

try:
    import vtk
    from vtk.util.numpy_support import vtk_to_numpy
except ImportError as e:  # the test prints this with the fix
    sys.exit(f"the Python package vtk is missing ({e}); install it with: pip install vtk")


def arrays(point_data):
    out = {}
    for i in range(point_data.GetNumberOfArrays()):
        a = point_data.GetArray(i)
        out[a.GetName()] = {
            "components": a.GetNumberOfComponents(),
            "values": vtk_to_numpy(a).reshape(-1).tolist(),
        }
    return out


def read(path):
    if path.endswith(".vti"):
        r = vtk.vtkXMLImageDataReader()
    elif path.endswith(".vtp"):
        r = vtk.vtkXMLPolyDataReader()
    elif path.endswith(".pvd"):
        base = os.path.dirname(path)
        root = ET.parse(path).getroot()
        entries = [
            {"time": float(d.get("timestep")), "file": d.get("file")}
            for d in root.iter("DataSet")
        ]
        for e in entries:
            e["data"] = read(os.path.join(base, e["file"]))
        return {"type": root.get("type"), "entries": entries}
    else:
        raise SystemExit(f"unknown file type: {path}")
    if not r.CanReadFile(path):
        raise SystemExit(f"VTK cannot read {path}")
    r.SetFileName(path)
    r.Update()
    if r.GetErrorCode() != 0:
        raise SystemExit(f"VTK reported error {r.GetErrorCode()} reading {path}")
    d = r.GetOutput()
    out = {"points": d.GetNumberOfPoints(), "arrays": arrays(d.GetPointData())}
    if path.endswith(".vti"):
        out["dimensions"] = list(d.GetDimensions())
        out["origin"] = list(d.GetOrigin())
        out["spacing"] = list(d.GetSpacing())
    else:
        out["coordinates"] = vtk_to_numpy(d.GetPoints().GetData()).reshape(-1).tolist() if d.GetNumberOfPoints() else []
        out["vertices"] = d.GetNumberOfVerts()
        out["lines"] = d.GetNumberOfLines()
        out["polygons"] = d.GetNumberOfPolys()
        if d.GetNumberOfPolys():
            triangles = vtk.vtkTriangleFilter()
            triangles.SetInputData(d)
            mass = vtk.vtkMassProperties()
            mass.SetInputConnection(triangles.GetOutputPort())
            mass.Update()
            out["area"] = mass.GetSurfaceArea()
    return out


print(json.dumps({p: read(p) for p in sys.argv[1:]}))
