#!/usr/bin/env python3
"""Writes data/liver/lobe_segments.nii.gz: a synthetic label map of a liver lobe for
the Y-90 scenes (docs/dosimetry.md "Dose map"). Standard library only.

The lobe is an ellipsoid of 1.0 kg at 1,060 kg/m^3 (semi-axes 80 x 60 x 46.9 mm, a
lobe of a reference adult liver of 1.4-1.8 kg, ICRP Publication 89) cut into four
segments of ~0.25 kg by the planes x = 0 and y = 0 through its centre: labels 1 (x>0,
y>0), 2 (x<0, y>0), 3 (x<0, y<0), 4 (x>0, y<0). A spherical tumour of 50 g (radius
22.4 mm), label 5, lies in segment 1 centred at (40, 28, 0) mm. Voxels of 2 mm, uint8,
no sform (world = index x spacing), 4 mm of background around the lobe.

Usage: python3 scripts/make_liver_labels.py [OUT]
"""
import gzip
import math
import struct
import sys

VOXEL_MM = 2.0
A, B = 80.0, 60.0
DENSITY_G_CM3 = 1.06
LOBE_G = 1000.0
C = (LOBE_G / DENSITY_G_CM3) * 1e3 / (4.0 / 3.0 * math.pi * A * B)  # mm
TUMOUR_G = 50.0
TUMOUR_R = ((TUMOUR_G / DENSITY_G_CM3) * 1e3 * 3.0 / (4.0 * math.pi)) ** (1.0 / 3.0)
TUMOUR_AT = (40.0, 28.0, 0.0)
MARGIN = 4.0


def label(x, y, z):
    if (x / A) ** 2 + (y / B) ** 2 + (z / C) ** 2 > 1.0:
        return 0
    dx, dy, dz = x - TUMOUR_AT[0], y - TUMOUR_AT[1], z - TUMOUR_AT[2]
    if dx * dx + dy * dy + dz * dz <= TUMOUR_R ** 2:
        return 5
    if y >= 0.0:
        return 1 if x >= 0.0 else 2
    return 3 if x < 0.0 else 4


def header(dims):
    h = bytearray(352)
    h[0:4] = struct.pack("<i", 348)
    for k, d in enumerate([3, *dims, 1, 1, 1, 1]):
        h[40 + 2 * k:42 + 2 * k] = struct.pack("<h", d)
    h[70:72] = struct.pack("<h", 2)  # uint8
    h[72:74] = struct.pack("<h", 8)  # bits per voxel
    for k, p in enumerate([1.0, VOXEL_MM, VOXEL_MM, VOXEL_MM]):
        h[76 + 4 * k:80 + 4 * k] = struct.pack("<f", p)
    h[108:112] = struct.pack("<f", 352.0)
    h[123] = 2  # mm
    h[344:348] = b"n+1\0"
    return bytes(h)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "data/liver/lobe_segments.nii.gz"
    half = [A + MARGIN, B + MARGIN, C + MARGIN]
    dims = [2 * math.ceil(h / VOXEL_MM) for h in half]
    body = bytearray()
    counts = [0] * 6
    for k in range(dims[2]):
        for j in range(dims[1]):
            for i in range(dims[0]):
                p = [(n - dims[a] / 2 + 0.5) * VOXEL_MM for a, n in enumerate((i, j, k))]
                v = label(*p)
                counts[v] += 1
                body.append(v)
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write(header(dims) + bytes(body))
    grams = [n * VOXEL_MM ** 3 * 1e-3 * DENSITY_G_CM3 for n in counts]
    print(f"{out}: {dims} voxels of {VOXEL_MM} mm; grams by label 1-5:",
          ", ".join(f"{g:.1f}" for g in grams[1:]))


if __name__ == "__main__":
    main()
