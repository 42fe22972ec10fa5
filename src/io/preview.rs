//! PNG preview of a voxelized vessel: a projection along its thinnest axis, the lumen
//! shaded by depth, each opening in its own colour.

use crate::geometry::{CellKind, Voxels};
use std::path::Path;

const OPENING_COLOURS: [[u8; 3]; 6] = [
    [230, 60, 40],
    [40, 160, 60],
    [250, 190, 30],
    [150, 70, 200],
    [20, 170, 200],
    [240, 120, 180],
];

/// Colour of opening `k` in the preview, as a name for printed legends.
pub fn opening_colour_name(k: usize) -> &'static str {
    ["red", "green", "yellow", "purple", "cyan", "pink"][k % OPENING_COLOURS.len()]
}

/// Writes the preview; returns the projection axis (0 x, 1 y, 2 z).
pub fn write_preview(path: &Path, voxels: &Voxels) -> std::io::Result<usize> {
    let d = voxels.dims;
    let n = [d.nx, d.ny, d.nz];
    let axis = (0..3).min_by_key(|&a| n[a]).unwrap_or(2);
    let (au, av) = ((axis + 1) % 3, (axis + 2) % 3);
    // Make u the longer image axis.
    let (au, av) = if n[au] >= n[av] { (au, av) } else { (av, au) };
    let (w, h) = (n[au], n[av]);
    let mut depth = vec![0u32; w * h];
    let mut opening = vec![usize::MAX; w * h];
    for i in 0..d.cells() {
        let c = d.coords(i);
        let pixel = c[au] + w * (h - 1 - c[av]);
        match voxels.kinds[i] {
            CellKind::Fluid => depth[pixel] += 1,
            CellKind::Opening(k) => opening[pixel] = opening[pixel].min(k),
            CellKind::Wall => {}
        }
    }
    let deepest = depth.iter().copied().max().unwrap_or(1).max(1) as f64;
    let zoom = (800 / w.max(h)).clamp(1, 8);
    let (iw, ih) = (w * zoom, h * zoom);
    let mut rgb = vec![0u8; iw * ih * 3];
    for y in 0..ih {
        for x in 0..iw {
            let p = (x / zoom) + w * (y / zoom);
            let colour = if opening[p] != usize::MAX {
                OPENING_COLOURS[opening[p] % OPENING_COLOURS.len()]
            } else if depth[p] > 0 {
                let t = (depth[p] as f64 / deepest).sqrt();
                [
                    (70.0 + 120.0 * t) as u8,
                    (90.0 + 120.0 * t) as u8,
                    (140.0 + 110.0 * t) as u8,
                ]
            } else {
                [250, 250, 250]
            };
            rgb[(y * iw + x) * 3..(y * iw + x) * 3 + 3].copy_from_slice(&colour);
        }
    }
    write_rgb_png(path, &rgb, iw as u32, ih as u32)?;
    Ok(axis)
}

/// Writes `width`×`height` RGB8 pixels, row by row from the top, as a PNG.
pub fn write_rgb_png(path: &Path, rgb: &[u8], width: u32, height: u32) -> std::io::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
    writer
        .write_image_data(rgb)
        .map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)
}
