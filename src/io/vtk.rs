//! VTK XML ImageData (.vti) with raw appended binary data, which ParaView reads
//! directly (VTK file formats, "XML File Formats", ImageData and AppendedData).

use std::io::Write;
use std::path::Path;

/// One point-data array: values at each cell centre, x fastest.
pub enum VtiData {
    U8(Vec<u8>),
    I32(Vec<i32>),
    F32(Vec<f32>),
}

pub struct VtiArray {
    pub name: String,
    pub data: VtiData,
}

impl VtiData {
    fn type_name(&self) -> &'static str {
        match self {
            VtiData::U8(_) => "UInt8",
            VtiData::I32(_) => "Int32",
            VtiData::F32(_) => "Float32",
        }
    }
    fn bytes(&self) -> Vec<u8> {
        match self {
            VtiData::U8(v) => v.clone(),
            VtiData::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            VtiData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// Writes point data on an `n` grid whose first point is at `origin_m`, spacing
/// `spacing_m`.
pub fn write_vti(
    path: &Path,
    n: [usize; 3],
    origin_m: [f64; 3],
    spacing_m: f64,
    arrays: &[VtiArray],
) -> std::io::Result<()> {
    let extent = format!("0 {} 0 {} 0 {}", n[0] - 1, n[1] - 1, n[2] - 1);
    let mut header = String::new();
    header.push_str("<?xml version=\"1.0\"?>\n");
    header.push_str("<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    header += &format!(
        "  <ImageData WholeExtent=\"{extent}\" Origin=\"{:e} {:e} {:e}\" Spacing=\"{spacing_m:e} {spacing_m:e} {spacing_m:e}\">\n",
        origin_m[0], origin_m[1], origin_m[2]
    );
    header += &format!("    <Piece Extent=\"{extent}\">\n      <PointData>\n");
    let payloads: Vec<Vec<u8>> = arrays.iter().map(|a| a.data.bytes()).collect();
    let mut offset = 0u64;
    for (a, p) in arrays.iter().zip(&payloads) {
        header += &format!(
            "        <DataArray type=\"{}\" Name=\"{}\" format=\"appended\" offset=\"{offset}\"/>\n",
            a.data.type_name(),
            a.name
        );
        offset += 8 + p.len() as u64;
    }
    header +=
        "      </PointData>\n    </Piece>\n  </ImageData>\n  <AppendedData encoding=\"raw\">\n   _";
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(header.as_bytes())?;
    for p in &payloads {
        out.write_all(&(p.len() as u64).to_le_bytes())?;
        out.write_all(p)?;
    }
    out.write_all(b"\n  </AppendedData>\n</VTKFile>\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_arrays_sit_at_their_declared_offsets() {
        let path = std::env::temp_dir().join(format!("embolus-vti-{}.vti", std::process::id()));
        let arrays = [
            VtiArray {
                name: "kind".into(),
                data: VtiData::U8(vec![1, 2, 3, 4, 5, 6]),
            },
            VtiArray {
                name: "d".into(),
                data: VtiData::F32(vec![0.5; 6]),
            },
        ];
        write_vti(&path, [3, 2, 1], [0.0; 3], 1e-3, &arrays).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let start = bytes.windows(2).position(|w| w == b"\n ").unwrap();
        let underscore = bytes.iter().rposition(|&b| b == b'_').unwrap();
        assert!(underscore > start);
        let data = &bytes[underscore + 1..];
        assert_eq!(u64::from_le_bytes(data[0..8].try_into().unwrap()), 6);
        assert_eq!(&data[8..14], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(u64::from_le_bytes(data[14..22].try_into().unwrap()), 24);
        assert_eq!(f32::from_le_bytes(data[22..26].try_into().unwrap()), 0.5);
        let text = String::from_utf8_lossy(&bytes[..underscore]);
        assert!(text.contains("offset=\"14\""));
        let _ = std::fs::remove_file(path);
    }
}
