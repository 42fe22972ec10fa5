//! NIfTI-1 segmentation masks (.nii, .nii.gz): header, orientation (sform, else qform,
//! else pixdim), label selection, trilinear resampling to the scenario's voxels, and openings
//! where the vessel leaves the image.

use super::caps::Cap;
use super::error::GeometryError;
use super::implicit::{empty_grid, finish};
use super::surface::assign_roles;
use super::vec3::{norm, normalize, scale};
use super::voxels::{CellKind, Voxels};
use std::io::Read;
use std::path::Path;

/// A mask on the image grid with its voxel-to-world map (metres).
#[derive(Debug)]
pub struct Mask {
    pub dims: [usize; 3],
    pub inside: Vec<bool>,
    /// world = affine[..3] · (i, j, k) + affine[3], metres; columns are voxel axes.
    pub axes_m: [[f64; 3]; 3],
    pub offset_m: [f64; 3],
}

fn bad(path: &Path, problem: impl Into<String>) -> GeometryError {
    GeometryError::Format {
        path: path.to_path_buf(),
        format: "NIfTI-1",
        problem: problem.into(),
        fix: "export the segmentation as a NIfTI-1 .nii or .nii.gz file with a 3-D integer or float label volume".into(),
    }
}

/// Reads the mask of `label` (or of every non-zero voxel) from a NIfTI-1 file.
pub fn read_mask(path: &Path, label: Option<i64>) -> Result<Mask, GeometryError> {
    let raw = crate::io::input::read_bounded(path, crate::io::input::MAX_VOLUME_BYTES).map_err(
        |source| GeometryError::Read {
            path: path.to_path_buf(),
            source,
        },
    )?;
    mask_from_bytes(&raw, path, label)
}

/// Parses a NIfTI-1 file's bytes, gzip-compressed or not; `path` is for messages.
pub fn mask_from_bytes(raw: &[u8], path: &Path, label: Option<i64>) -> Result<Mask, GeometryError> {
    parse_mask(&inflate(raw, path)?, path, label)
}

/// The file's bytes, gunzipped if gzip-compressed (bounded: a small corrupt or hostile
/// file must not inflate without end).
fn inflate(raw: &[u8], path: &Path) -> Result<Vec<u8>, GeometryError> {
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw.to_vec());
    }
    let limit = crate::io::input::MAX_VOLUME_BYTES;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(path, format!("gzip data is corrupt: {e}")))?;
    if out.len() as u64 > limit {
        return Err(bad(
            path,
            format!("it inflates to more than {} GiB", limit >> 30),
        ));
    }
    Ok(out)
}

pub fn parse_mask(b: &[u8], path: &Path, label: Option<i64>) -> Result<Mask, GeometryError> {
    let volume = parse_volume(b, path)?;
    let inside: Vec<bool> = volume
        .values
        .iter()
        .map(|&v| match label {
            Some(l) => v.round() as i64 == l,
            None => v != 0.0,
        })
        .collect();
    if !inside.iter().any(|&m| m) {
        return Err(GeometryError::shape(
            format!(
                "{}: no voxel has label {}",
                path.display(),
                label.map_or("non-zero".to_string(), |l| l.to_string())
            ),
            "set geometry.label to a label present in the mask",
        ));
    }
    Ok(Mask {
        dims: volume.dims,
        inside,
        axes_m: volume.axes_m,
        offset_m: volume.offset_m,
    })
}

/// world = Σ_c axes[c] · ijk[c] + offset (the columns of `axes` are the voxel axes).
fn voxel_to_world(axes: &[[f64; 3]; 3], offset: &[f64; 3], ijk: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|r| offset[r] + (0..3).map(|c| axes[c][r] * ijk[c]).sum::<f64>())
}

/// A NIfTI image's values (scaled by scl_slope and scl_inter) with its voxel-to-world
/// map (metres).
#[derive(Debug)]
pub struct Volume {
    pub dims: [usize; 3],
    /// i fastest.
    pub values: Vec<f64>,
    /// world = Σ_c axes_m[c] · ijk[c] + offset_m; columns are voxel axes.
    pub axes_m: [[f64; 3]; 3],
    pub offset_m: [f64; 3],
}

impl Volume {
    /// World position of voxel centre (i, j, k) [m].
    pub fn world(&self, ijk: [f64; 3]) -> [f64; 3] {
        voxel_to_world(&self.axes_m, &self.offset_m, ijk)
    }

    /// A lookup of the voxel whose centre is nearest to a world point [m], if inside
    /// the image (the world-to-voxel map inverted once).
    pub fn nearest_voxel(&self) -> impl Fn([f64; 3]) -> Option<usize> + '_ {
        let inv = invert(self.axes_m);
        move |p_m| {
            let d: [f64; 3] = std::array::from_fn(|r| p_m[r] - self.offset_m[r]);
            let mut n = 0;
            let mut stride = 1;
            for (row, &size) in inv.iter().zip(&self.dims) {
                let f = (row[0] * d[0] + row[1] * d[1] + row[2] * d[2]).round();
                if !(f >= 0.0 && f < size as f64) {
                    return None;
                }
                n += f as usize * stride;
                stride *= size;
            }
            Some(n)
        }
    }
}

/// Reads a NIfTI-1 image (a label map) whole.
pub fn read_volume(path: &Path) -> Result<Volume, GeometryError> {
    let raw = crate::io::input::read_bounded(path, crate::io::input::MAX_VOLUME_BYTES).map_err(
        |source| GeometryError::Read {
            path: path.to_path_buf(),
            source,
        },
    )?;
    parse_volume(&inflate(&raw, path)?, path)
}

/// Parses an uncompressed NIfTI-1 file's bytes; `path` is for messages.
pub fn parse_volume(b: &[u8], path: &Path) -> Result<Volume, GeometryError> {
    if b.len() < 348 {
        return Err(bad(
            path,
            format!("{} bytes, shorter than the 348-byte header", b.len()),
        ));
    }
    let little = i32::from_le_bytes(b[0..4].try_into().unwrap()) == 348;
    if !little && i32::from_be_bytes(b[0..4].try_into().unwrap()) != 348 {
        return Err(bad(path, "sizeof_hdr is not 348"));
    }
    let i16_at = |o: usize| {
        let a = [b[o], b[o + 1]];
        if little {
            i16::from_le_bytes(a)
        } else {
            i16::from_be_bytes(a)
        }
    };
    let f32_at = |o: usize| {
        let a = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        (if little {
            f32::from_le_bytes(a)
        } else {
            f32::from_be_bytes(a)
        }) as f64
    };
    if &b[344..347] != b"n+1" && &b[344..347] != b"ni1" {
        return Err(bad(
            path,
            "magic is not n+1 or ni1 (NIfTI-2 and Analyze are not supported)",
        ));
    }
    let ndim = i16_at(40);
    let dims: [usize; 3] = std::array::from_fn(|a| i16_at(42 + 2 * a).max(0) as usize);
    if !(3..=4).contains(&ndim) || dims.contains(&0) || (ndim == 4 && i16_at(48) > 1) {
        return Err(bad(
            path,
            format!(
                "a 3-D volume is needed, the header has dim = {:?}",
                (0..5).map(|k| i16_at(40 + 2 * k)).collect::<Vec<_>>()
            ),
        ));
    }
    let datatype = i16_at(70);
    let size = match datatype {
        2 | 256 => 1,
        4 | 512 => 2,
        8 | 16 | 768 => 4,
        64 => 8,
        other => {
            return Err(bad(
                path,
                format!("datatype {other} is not supported (use uint8, int16, int32 or float)"),
            ))
        }
    };
    let vox_offset = f32_at(108).max(352.0) as usize;
    let count = dims[0] * dims[1] * dims[2];
    if b.len() < vox_offset + count * size {
        return Err(bad(
            path,
            format!(
                "the image needs {} bytes of data, the file has {}",
                count * size,
                b.len().saturating_sub(vox_offset)
            ),
        ));
    }
    let slope = f32_at(112);
    let (slope, intercept) = if slope == 0.0 {
        (1.0, 0.0)
    } else {
        (slope, f32_at(116))
    };
    let data = &b[vox_offset..];
    let value = |n: usize| -> f64 {
        let o = n * size;
        let s = &data[o..o + size];
        let raw = match (datatype, little) {
            (2, _) => s[0] as f64,
            (256, _) => s[0] as i8 as f64,
            (4, true) => i16::from_le_bytes([s[0], s[1]]) as f64,
            (4, false) => i16::from_be_bytes([s[0], s[1]]) as f64,
            (512, true) => u16::from_le_bytes([s[0], s[1]]) as f64,
            (512, false) => u16::from_be_bytes([s[0], s[1]]) as f64,
            (8, true) => i32::from_le_bytes(s.try_into().unwrap()) as f64,
            (8, false) => i32::from_be_bytes(s.try_into().unwrap()) as f64,
            (768, true) => u32::from_le_bytes(s.try_into().unwrap()) as f64,
            (768, false) => u32::from_be_bytes(s.try_into().unwrap()) as f64,
            (16, true) => f32::from_le_bytes(s.try_into().unwrap()) as f64,
            (16, false) => f32::from_be_bytes(s.try_into().unwrap()) as f64,
            (64, true) => f64::from_le_bytes(s.try_into().unwrap()),
            _ => f64::from_be_bytes(s.try_into().unwrap()),
        };
        raw * slope + intercept
    };
    let values: Vec<f64> = (0..count).map(value).collect();
    // Spatial units (xyzt_units bits 0-2): 1 m, 2 mm (default), 3 µm.
    let unit = match b[123] & 7 {
        1 => 1.0,
        3 => 1e-6,
        _ => 1e-3,
    };
    let pixdim: [f64; 4] = std::array::from_fn(|k| f32_at(76 + 4 * k));
    let (axes, offset) = if i16_at(254) > 0 {
        let row = |o: usize| [f32_at(o), f32_at(o + 4), f32_at(o + 8), f32_at(o + 12)];
        let (x, y, z) = (row(280), row(296), row(312));
        (
            std::array::from_fn(|c| [x[c], y[c], z[c]]),
            [x[3], y[3], z[3]],
        )
    } else if i16_at(252) > 0 {
        // Quaternion form (NIfTI-1 header documentation, method 2).
        let (qb, qc, qd) = (f32_at(256), f32_at(260), f32_at(264));
        let qa = (1.0 - (qb * qb + qc * qc + qd * qd)).max(0.0).sqrt();
        let r = [
            [
                qa * qa + qb * qb - qc * qc - qd * qd,
                2.0 * (qb * qc - qa * qd),
                2.0 * (qb * qd + qa * qc),
            ],
            [
                2.0 * (qb * qc + qa * qd),
                qa * qa + qc * qc - qb * qb - qd * qd,
                2.0 * (qc * qd - qa * qb),
            ],
            [
                2.0 * (qb * qd - qa * qc),
                2.0 * (qc * qd + qa * qb),
                qa * qa + qd * qd - qc * qc - qb * qb,
            ],
        ];
        let qfac = if pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let s = [pixdim[1], pixdim[2], qfac * pixdim[3]];
        (
            std::array::from_fn(|c| [r[0][c] * s[c], r[1][c] * s[c], r[2][c] * s[c]]),
            [f32_at(268), f32_at(272), f32_at(276)],
        )
    } else {
        (
            [
                [pixdim[1], 0.0, 0.0],
                [0.0, pixdim[2], 0.0],
                [0.0, 0.0, pixdim[3]],
            ],
            [0.0; 3],
        )
    };
    if axes
        .iter()
        .any(|a| norm(*a) == 0.0 || !norm(*a).is_finite())
    {
        return Err(bad(
            path,
            "the voxel spacing (pixdim or sform) is zero or not finite",
        ));
    }
    Ok(Volume {
        dims,
        values,
        axes_m: axes.map(|a| scale(a, unit)),
        offset_m: scale(offset, unit),
    })
}

fn invert(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    // m given by columns; returns the inverse as rows acting on world vectors.
    let c = |i: usize, j: usize| m[j][i]; // element (row i, col j)
    let det = c(0, 0) * (c(1, 1) * c(2, 2) - c(1, 2) * c(2, 1))
        - c(0, 1) * (c(1, 0) * c(2, 2) - c(1, 2) * c(2, 0))
        + c(0, 2) * (c(1, 0) * c(2, 1) - c(1, 1) * c(2, 0));
    let cof = |i: usize, j: usize| {
        let r: Vec<usize> = (0..3).filter(|&x| x != i).collect();
        let k: Vec<usize> = (0..3).filter(|&x| x != j).collect();
        let minor = c(r[0], k[0]) * c(r[1], k[1]) - c(r[0], k[1]) * c(r[1], k[0]);
        if (i + j).is_multiple_of(2) {
            minor
        } else {
            -minor
        }
    };
    std::array::from_fn(|i| std::array::from_fn(|j| cof(j, i) / det))
}

impl Mask {
    fn world(&self, ijk: [f64; 3]) -> [f64; 3] {
        voxel_to_world(&self.axes_m, &self.offset_m, ijk)
    }

    /// Openings where the mask touches a face of the image: one per connected patch.
    fn face_caps(&self) -> Vec<Cap> {
        let mut caps = Vec::new();
        let [ni, nj, _] = self.dims;
        let at = |i: usize, j: usize, k: usize| self.inside[i + ni * (j + nj * k)];
        for axis in 0..3 {
            let (a1, a2) = ((axis + 1) % 3, (axis + 2) % 3);
            for high in [false, true] {
                let slice = if high { self.dims[axis] - 1 } else { 0 };
                let (n1, n2) = (self.dims[a1], self.dims[a2]);
                let mut label = vec![usize::MAX; n1 * n2];
                let cell = |u: usize, v: usize| {
                    let mut c = [0usize; 3];
                    c[axis] = slice;
                    c[a1] = u;
                    c[a2] = v;
                    c
                };
                for start in 0..n1 * n2 {
                    let [i, j, k] = cell(start % n1, start / n1);
                    if label[start] != usize::MAX || !at(i, j, k) {
                        continue;
                    }
                    let mut stack = vec![start];
                    label[start] = start;
                    let mut members = Vec::new();
                    while let Some(s) = stack.pop() {
                        members.push(s);
                        let (u, v) = (s % n1, s / n1);
                        let candidates = [
                            (u.wrapping_sub(1), v),
                            (u + 1, v),
                            (u, v.wrapping_sub(1)),
                            (u, v + 1),
                        ];
                        for (uu, vv) in candidates {
                            if uu < n1 && vv < n2 {
                                let t = uu + n1 * vv;
                                let [i, j, k] = cell(uu, vv);
                                if label[t] == usize::MAX && at(i, j, k) {
                                    label[t] = start;
                                    stack.push(t);
                                }
                            }
                        }
                    }
                    let mut centre = [0.0; 3];
                    for &s in &members {
                        let mut c = cell(s % n1, s / n1).map(|x| x as f64);
                        // The cap lies on the image face, half a voxel outside the slice.
                        c[axis] += if high { 0.5 } else { -0.5 };
                        let w = self.world(c);
                        for a in 0..3 {
                            centre[a] += w[a] / members.len() as f64;
                        }
                    }
                    let sign = if high { 1.0 } else { -1.0 };
                    let normal = normalize(scale(self.axes_m[axis], sign));
                    let face_area = {
                        let (p, q) = (self.axes_m[a1], self.axes_m[a2]);
                        norm(super::vec3::cross(p, q))
                    };
                    let area = members.len() as f64 * face_area;
                    let mut cap = Cap::circle(
                        "",
                        None,
                        centre,
                        normal,
                        1.3 * (area / std::f64::consts::PI).sqrt(),
                    );
                    cap.area_m2 = area;
                    caps.push(cap);
                }
            }
        }
        caps.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
        for (k, cap) in caps.iter_mut().enumerate() {
            cap.name = format!("opening{}", k + 1);
        }
        caps
    }
}

/// The trilinear interpolation of a 0/1 mask at world points: the lumen is where it
/// exceeds ½ (the voxelizer's test, and the level set interpolated walls follow).
pub struct LumenLevel<'a> {
    mask: &'a Mask,
    /// World-to-voxel map (rows act on world offsets from the mask's origin).
    inverse: [[f64; 3]; 3],
}

impl<'a> LumenLevel<'a> {
    pub fn new(mask: &'a Mask) -> Self {
        LumenLevel {
            mask,
            inverse: invert(mask.axes_m),
        }
    }

    /// The interpolated mask at world point `p` [m]: 0 outside the image.
    pub fn at(&self, p: [f64; 3]) -> f64 {
        let mask = self.mask;
        let [ni, nj, nk] = mask.dims;
        let sample = |i: i64, j: i64, k: i64| -> f64 {
            let inside_image = i >= 0
                && j >= 0
                && k >= 0
                && (i as usize) < ni
                && (j as usize) < nj
                && (k as usize) < nk;
            if inside_image && mask.inside[i as usize + ni * (j as usize + nj * k as usize)] {
                1.0
            } else {
                0.0
            }
        };
        let d: [f64; 3] = std::array::from_fn(|a| p[a] - mask.offset_m[a]);
        let ijk: [f64; 3] =
            std::array::from_fn(|r| (0..3).map(|c| self.inverse[r][c] * d[c]).sum::<f64>());
        let base = ijk.map(|v| v.floor());
        let t: [f64; 3] = std::array::from_fn(|a| ijk[a] - base[a]);
        let [bi, bj, bk] = base.map(|v| v as i64);
        let mut value = 0.0;
        for corner in 0..8 {
            let (ci, cj, ck) = (corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);
            let w = (if ci == 1 { t[0] } else { 1.0 - t[0] })
                * (if cj == 1 { t[1] } else { 1.0 - t[1] })
                * (if ck == 1 { t[2] } else { 1.0 - t[2] });
            if w > 0.0 {
                value += w * sample(bi + ci as i64, bj + cj as i64, bk + ck as i64);
            }
        }
        value
    }
}

/// Resamples a mask onto cubic voxels of `voxel_size_m` (trilinear, lumen above ½) and opens
/// it: declared caps, or else one opening per patch where the vessel leaves the image.
pub fn voxelize_mask(
    mask: &Mask,
    declared: &[Cap],
    inlet: Option<&str>,
    voxel_size_m: f64,
) -> Result<(Voxels, Vec<bool>), GeometryError> {
    let mut caps = if declared.is_empty() {
        mask.face_caps()
    } else {
        declared.to_vec()
    };
    if caps.is_empty() {
        return Err(GeometryError::shape(
            "the vessel does not reach the edge of the image and the scenario declares no openings",
            "add [[geometry.openings]] entries (name, centre, normal pointing out, radius)",
        ));
    }
    assign_roles(&mut caps, inlet)?;
    // Bounds of the mask voxels in the world.
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    let [ni, nj, _] = mask.dims;
    for (n, _) in mask.inside.iter().enumerate().filter(|(_, &m)| m) {
        let ijk = [
            (n % ni) as f64,
            ((n / ni) % nj) as f64,
            (n / (ni * nj)) as f64,
        ];
        for corner in 0..8 {
            let c: [f64; 3] =
                std::array::from_fn(|a| ijk[a] + if corner >> a & 1 == 1 { 0.5 } else { -0.5 });
            let w = mask.world(c);
            for a in 0..3 {
                lo[a] = lo[a].min(w[a]);
                hi[a] = hi[a].max(w[a]);
            }
        }
    }
    let mut voxels = empty_grid(lo, hi, voxel_size_m, 2)?;
    // Trilinear interpolation of the 0/1 mask at each cell centre, lumen above 1/2:
    // smoother walls than nearest-neighbour when the scenario's voxels are finer than
    // the image's, the same lumen when they are equal.
    let level = LumenLevel::new(mask);
    for n in 0..voxels.dims.cells() {
        if level.at(voxels.cell_centre_m(n)) > 0.5 {
            voxels.kinds[n] = CellKind::Fluid;
        }
    }
    let beyond = finish(&mut voxels, &caps)?;
    Ok((voxels, beyond))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A NIfTI-1 image of a tube along k (uint8 label 3 inside radius `r` voxels),
    /// spacing 0.5 mm, with an sform that swaps i and j.
    pub fn tube_nifti(n: [usize; 3], r: f64) -> Vec<u8> {
        let mut h = vec![0u8; 352];
        h[0..4].copy_from_slice(&348i32.to_le_bytes());
        let dim: [i16; 8] = [3, n[0] as i16, n[1] as i16, n[2] as i16, 1, 1, 1, 1];
        for (k, d) in dim.iter().enumerate() {
            h[40 + 2 * k..42 + 2 * k].copy_from_slice(&d.to_le_bytes());
        }
        h[70..72].copy_from_slice(&2i16.to_le_bytes());
        h[72..74].copy_from_slice(&8i16.to_le_bytes());
        for (k, p) in [1.0f32, 0.5, 0.5, 0.5].iter().enumerate() {
            h[76 + 4 * k..80 + 4 * k].copy_from_slice(&p.to_le_bytes());
        }
        h[108..112].copy_from_slice(&352f32.to_le_bytes());
        h[123] = 2; // mm
        h[254..256].copy_from_slice(&1i16.to_le_bytes());
        let rows: [[f32; 4]; 3] = [
            [0.0, 0.5, 0.0, -3.0],
            [0.5, 0.0, 0.0, 2.0],
            [0.0, 0.0, 0.5, 0.0],
        ];
        for (r_i, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let o = 280 + 16 * r_i + 4 * c;
                h[o..o + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        h[344..348].copy_from_slice(b"n+1\0");
        let (ci, cj) = ((n[0] as f64 - 1.0) / 2.0, (n[1] as f64 - 1.0) / 2.0);
        for _ in 0..n[2] {
            for j in 0..n[1] {
                for i in 0..n[0] {
                    let inside = (i as f64 - ci).powi(2) + (j as f64 - cj).powi(2) < r * r;
                    h.push(if inside { 3 } else { 0 });
                }
            }
        }
        h
    }

    #[test]
    fn tube_mask_is_resampled_with_openings_at_the_image_faces() {
        let bytes = tube_nifti([24, 24, 40], 8.0);
        let mask = parse_mask(&bytes, Path::new("tube.nii"), Some(3)).unwrap();
        let (v, _) = voxelize_mask(&mask, &[], None, 2.5e-4).unwrap();
        assert_eq!(v.openings.len(), 2);
        // Tube: radius 8 voxels × 0.5 mm = 4 mm, length 40 × 0.5 mm = 20 mm.
        let volume = (v.fluid_cells() + v.openings.iter().map(|o| o.cells.len()).sum::<usize>())
            as f64
            * 2.5e-4f64.powi(3);
        let exact = std::f64::consts::PI * 4e-3f64.powi(2) * 20e-3;
        assert!(
            (volume - exact).abs() / exact < 0.08,
            "volume {volume} vs {exact}"
        );
        for o in &v.openings {
            assert!(
                o.normal[2].abs() > 0.99,
                "openings face along the tube: {:?}",
                o.normal
            );
        }
        assert!(parse_mask(&bytes, Path::new("tube.nii"), Some(7)).is_err());
        assert!(parse_mask(&bytes[..300], Path::new("tube.nii"), None)
            .unwrap_err()
            .to_string()
            .contains("348"));
    }
}
