//! Reads back the VTK XML files embolus writes (ImageData and PolyData with appended
//! raw or zlib data, .pvd collections), for `embolus render DIR`. Not a general VTK
//! reader: files from elsewhere get a clear error.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {problem}\n  Fix: {fix}")]
pub struct VtkReadError {
    pub path: PathBuf,
    pub problem: String,
    pub fix: String,
}

/// One data array: values as f64 and values per point.
#[derive(Clone, Debug)]
pub struct Array {
    pub components: usize,
    pub values: Vec<f64>,
}

/// A .vti or .vtp as written by embolus.
#[derive(Clone, Debug, Default)]
pub struct VtkFile {
    /// ImageData: points along x, y, z, first point and spacing [m].
    pub dims: [usize; 3],
    pub origin: [f64; 3],
    pub spacing: f64,
    /// PolyData: point coordinates [m].
    pub points: Vec<[f64; 3]>,
    pub arrays: BTreeMap<String, Array>,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

/// Reads `path`.
pub fn read(path: &Path) -> Result<VtkFile, VtkReadError> {
    let fail = |problem: String| {
        VtkReadError {
        path: path.to_path_buf(),
        problem,
        fix: "give a results directory written by `embolus run` (its fields/*.vti and particles/*.vtp)".into(),
    }
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let marker = b"<AppendedData encoding=\"raw\">";
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .ok_or_else(|| fail("no raw appended data (not written by embolus)".into()))?;
    let underscore = bytes[at..]
        .iter()
        .position(|&b| b == b'_')
        .ok_or_else(|| fail("appended data without its '_' start".into()))?
        + at
        + 1;
    let header = String::from_utf8_lossy(&bytes[..at]).into_owned();
    let data = &bytes[underscore..];
    let zlib = header.contains("vtkZLibDataCompressor");
    let mut file = VtkFile::default();
    if let Some(i) = header.find("<ImageData") {
        let tag = &header[i..header[i..].find('>').map_or(header.len(), |e| i + e)];
        let extent = numbers(
            attr(tag, "WholeExtent").ok_or_else(|| fail("ImageData without WholeExtent".into()))?,
        );
        let origin = numbers(attr(tag, "Origin").unwrap_or("0 0 0"));
        let spacing = numbers(attr(tag, "Spacing").unwrap_or("1 1 1"));
        if extent.len() != 6 || origin.len() != 3 || spacing.is_empty() {
            return Err(fail("malformed ImageData header".into()));
        }
        file.dims = std::array::from_fn(|a| (extent[2 * a + 1] - extent[2 * a]) as usize + 1);
        file.origin = [origin[0], origin[1], origin[2]];
        file.spacing = spacing[0];
    }
    let mut rest = header.as_str();
    let mut in_points = false;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if tag.starts_with("<Points") {
            in_points = true;
        } else if tag.starts_with("</Points") {
            in_points = false;
        } else if tag.starts_with("<DataArray") {
            let name = attr(tag, "Name").unwrap_or("").to_string();
            let kind = attr(tag, "type").unwrap_or("");
            let components: usize = attr(tag, "NumberOfComponents")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1);
            let offset: usize = attr(tag, "offset")
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| fail(format!("array {name} has no offset")))?;
            let raw = block(data, offset, zlib).map_err(|e| fail(format!("array {name}: {e}")))?;
            let values: Vec<f64> = match kind {
                "Float32" => raw
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("4")) as f64)
                    .collect(),
                "Int32" => raw
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes(c.try_into().expect("4")) as f64)
                    .collect(),
                "UInt8" => raw.iter().map(|&b| b as f64).collect(),
                other => return Err(fail(format!("array {name} has type {other}"))),
            };
            if in_points {
                file.points = values.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
            } else {
                file.arrays.insert(name, Array { components, values });
            }
        }
        rest = &rest[end.min(rest.len())..];
        if rest.len() <= 1 {
            break;
        }
        rest = &rest[1..];
    }
    Ok(file)
}

/// The bytes of the appended block at `offset`.
fn block(data: &[u8], offset: usize, zlib: bool) -> Result<Vec<u8>, String> {
    let word = |k: usize| -> Result<u64, String> {
        let s = offset + 8 * k;
        data.get(s..s + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8")))
            .ok_or_else(|| "truncated".to_string())
    };
    if !zlib {
        let n = word(0)? as usize;
        return data
            .get(offset + 8..offset + 8 + n)
            .map(|b| b.to_vec())
            .ok_or_else(|| "truncated".into());
    }
    let blocks = word(0)? as usize;
    let mut at = offset + 8 * (3 + blocks);
    let mut out = Vec::new();
    for k in 0..blocks {
        let size = word(3 + k)? as usize;
        let chunk = data.get(at..at + size).ok_or("truncated")?;
        flate2::read::ZlibDecoder::new(chunk)
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        at += size;
    }
    Ok(out)
}

/// The (time [s], file) entries of a .pvd, files resolved next to it.
pub fn read_pvd(path: &Path) -> Result<Vec<(f64, PathBuf)>, VtkReadError> {
    let text = std::fs::read_to_string(path).map_err(|e| VtkReadError {
        path: path.to_path_buf(),
        problem: e.to_string(),
        fix: "give a results directory written by `embolus run` with fields (fields.pvd)".into(),
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(text
        .lines()
        .filter(|l| l.contains("<DataSet"))
        .filter_map(|l| {
            let t = attr(l, "timestep")?.parse().ok()?;
            Some((t, base.join(attr(l, "file")?)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::vtk::{write_vti, Compression, VtiArray, VtiData};

    #[test]
    fn reads_back_what_the_writers_write() {
        for compression in [Compression::None, Compression::Zlib] {
            let path = std::env::temp_dir().join(format!(
                "embolus-vtkread-{}-{compression:?}.vti",
                std::process::id()
            ));
            let u: Vec<f32> = (0..36).map(|i| i as f32 * 0.5).collect();
            write_vti(
                &path,
                [3, 2, 2],
                [1.0, 2.0, 3.0],
                0.25,
                &[
                    VtiArray::scalar("k", VtiData::U8((0..12).collect())),
                    VtiArray::vector("u", u.clone()),
                ],
                compression,
            )
            .unwrap();
            let f = read(&path).unwrap();
            assert_eq!(f.dims, [3, 2, 2]);
            assert_eq!(f.origin, [1.0, 2.0, 3.0]);
            assert_eq!(f.spacing, 0.25);
            assert_eq!(f.arrays["u"].components, 3);
            assert_eq!(
                f.arrays["u"].values,
                u.iter().map(|&v| v as f64).collect::<Vec<_>>()
            );
            assert_eq!(f.arrays["k"].values[11], 11.0);
            let _ = std::fs::remove_file(path);
        }
    }
}
