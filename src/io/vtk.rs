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
    /// Values per point (1 scalar, 3 vector).
    pub components: usize,
}

impl VtiArray {
    pub fn scalar(name: impl Into<String>, data: VtiData) -> Self {
        VtiArray {
            name: name.into(),
            data,
            components: 1,
        }
    }
    pub fn vector(name: impl Into<String>, data: Vec<f32>) -> Self {
        VtiArray {
            name: name.into(),
            data: VtiData::F32(data),
            components: 3,
        }
    }
}

impl VtiData {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            VtiData::U8(_) => "UInt8",
            VtiData::I32(_) => "Int32",
            VtiData::F32(_) => "Float32",
        }
    }
    pub(crate) fn bytes(&self) -> Vec<u8> {
        match self {
            VtiData::U8(v) => v.clone(),
            VtiData::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            VtiData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// How appended arrays are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    /// zlib blocks (VTK's vtkZLibDataCompressor), level 6.
    Zlib,
}

/// Uncompressed bytes per zlib block (VTK's default is 32 KiB; larger blocks
/// compress a little better and need fewer header entries).
const ZLIB_BLOCK: usize = 1 << 20;

/// One appended array as VTK reads it: a UInt64 byte count then the bytes; or, for
/// zlib, the header (blocks, block size, size of the last partial block (0: full),
/// compressed size of each block) then the compressed blocks (VTK file formats,
/// "Appended data" and "Compressed data").
pub(crate) fn appended_block(bytes: &[u8], compression: Compression) -> std::io::Result<Vec<u8>> {
    match compression {
        Compression::None => {
            let mut out = (bytes.len() as u64).to_le_bytes().to_vec();
            out.extend_from_slice(bytes);
            Ok(out)
        }
        Compression::Zlib => {
            let blocks: Vec<&[u8]> = bytes.chunks(ZLIB_BLOCK).collect();
            let mut compressed = Vec::with_capacity(blocks.len());
            for block in &blocks {
                let mut z =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
                z.write_all(block)?;
                compressed.push(z.finish()?);
            }
            let mut out = Vec::new();
            for value in [
                blocks.len() as u64,
                ZLIB_BLOCK as u64,
                (bytes.len() % ZLIB_BLOCK) as u64,
            ] {
                out.extend_from_slice(&value.to_le_bytes());
            }
            for c in &compressed {
                out.extend_from_slice(&(c.len() as u64).to_le_bytes());
            }
            for c in compressed {
                out.extend_from_slice(&c);
            }
            Ok(out)
        }
    }
}

/// The VTKFile opening tag for `kind`, with the compressor when compressing.
pub(crate) fn vtk_file_tag(kind: &str, compression: Compression) -> String {
    let compressor = match compression {
        Compression::None => "",
        Compression::Zlib => " compressor=\"vtkZLibDataCompressor\"",
    };
    format!(
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"{kind}\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\"{compressor}>\n"
    )
}

/// Writes point data on an `n` grid whose first point is at `origin_m`, spacing
/// `spacing_m`, to `path` (through a temporary file renamed into place, so a reader
/// never sees half a file).
pub fn write_vti(
    path: &Path,
    n: [usize; 3],
    origin_m: [f64; 3],
    spacing_m: f64,
    arrays: &[VtiArray],
    compression: Compression,
) -> std::io::Result<()> {
    let extent = format!("0 {} 0 {} 0 {}", n[0] - 1, n[1] - 1, n[2] - 1);
    let mut header = vtk_file_tag("ImageData", compression);
    header += &format!(
        "  <ImageData WholeExtent=\"{extent}\" Origin=\"{:e} {:e} {:e}\" Spacing=\"{spacing_m:e} {spacing_m:e} {spacing_m:e}\">\n",
        origin_m[0], origin_m[1], origin_m[2]
    );
    header += &format!("    <Piece Extent=\"{extent}\">\n      <PointData>\n");
    let mut payloads = Vec::with_capacity(arrays.len());
    for a in arrays {
        payloads.push(appended_block(&a.data.bytes(), compression)?);
    }
    let mut offset = 0u64;
    for (a, p) in arrays.iter().zip(&payloads) {
        header += &format!(
            "        <DataArray type=\"{}\" Name=\"{}\" NumberOfComponents=\"{}\" format=\"appended\" offset=\"{offset}\"/>\n",
            a.data.type_name(),
            a.name,
            a.components
        );
        offset += p.len() as u64;
    }
    header +=
        "      </PointData>\n    </Piece>\n  </ImageData>\n  <AppendedData encoding=\"raw\">\n   _";
    let tmp = path.with_extension("vti.part");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        out.write_all(header.as_bytes())?;
        for p in &payloads {
            out.write_all(p)?;
        }
        out.write_all(b"\n  </AppendedData>\n</VTKFile>\n")?;
        out.flush()?;
    }
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_arrays_sit_at_their_declared_offsets() {
        let path = std::env::temp_dir().join(format!("embolus-vti-{}.vti", std::process::id()));
        let arrays = [
            VtiArray::scalar("kind", VtiData::U8(vec![1, 2, 3, 4, 5, 6])),
            VtiArray::scalar("d", VtiData::F32(vec![0.5; 6])),
        ];
        write_vti(&path, [3, 2, 1], [0.0; 3], 1e-3, &arrays, Compression::None).unwrap();
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

    #[test]
    fn zlib_blocks_decompress_to_the_data() {
        use std::io::Read;
        // Three blocks, the last one partial.
        let data: Vec<u8> = (0..2 * ZLIB_BLOCK + 1000)
            .map(|i| (i % 251) as u8)
            .collect();
        let block = appended_block(&data, Compression::Zlib).unwrap();
        let word = |k: usize| u64::from_le_bytes(block[8 * k..8 * k + 8].try_into().unwrap());
        assert_eq!(word(0), 3);
        assert_eq!(word(1), ZLIB_BLOCK as u64);
        assert_eq!(word(2), 1000);
        let mut at = 8 * (3 + 3);
        let mut out = Vec::new();
        for k in 0..3 {
            let size = word(3 + k) as usize;
            flate2::read::ZlibDecoder::new(&block[at..at + size])
                .read_to_end(&mut out)
                .unwrap();
            at += size;
        }
        assert_eq!(at, block.len());
        assert_eq!(out, data);
    }
}
