//! VTK XML PolyData (.vtp) for particles, raw appended binary, and a .pvd collection
//! over time (VTK file formats, "XML File Formats": PolyData, Collection).

use super::vtk::VtiData;
use std::io::Write;
use std::path::Path;

/// Writes `points` [m] as vertices with per-point arrays (name, data).
pub fn write_vtp(
    path: &Path,
    points: &[[f32; 3]],
    arrays: &[(&str, VtiData)],
) -> std::io::Result<()> {
    let n = points.len();
    let coords: Vec<f32> = points.iter().flatten().copied().collect();
    let connectivity: Vec<i32> = (0..n as i32).collect();
    let offsets: Vec<i32> = (1..=n as i32).collect();
    let mut blocks: Vec<(String, Vec<u8>)> = vec![];
    let f32_bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let i32_bytes = |v: &[i32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let mut offset = 0u64;
    let mut declare = |kind: &str,
                       name: &str,
                       components: usize,
                       bytes: Vec<u8>,
                       blocks: &mut Vec<(String, Vec<u8>)>| {
        let line = format!(
            "<DataArray type=\"{kind}\" Name=\"{name}\" NumberOfComponents=\"{components}\" format=\"appended\" offset=\"{offset}\"/>"
        );
        offset += 8 + bytes.len() as u64;
        blocks.push((line, bytes));
    };
    declare("Float32", "Points", 3, f32_bytes(&coords), &mut blocks);
    declare(
        "Int32",
        "connectivity",
        1,
        i32_bytes(&connectivity),
        &mut blocks,
    );
    declare("Int32", "offsets", 1, i32_bytes(&offsets), &mut blocks);
    for (name, data) in arrays {
        let (kind, bytes) = match data {
            VtiData::U8(v) => ("UInt8", v.clone()),
            VtiData::I32(v) => ("Int32", i32_bytes(v)),
            VtiData::F32(v) => ("Float32", f32_bytes(v)),
        };
        declare(kind, name, 1, bytes, &mut blocks);
    }
    let mut x = String::from("<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    x += &format!("  <PolyData>\n    <Piece NumberOfPoints=\"{n}\" NumberOfVerts=\"{n}\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">\n");
    x += &format!("      <Points>\n        {}\n      </Points>\n", blocks[0].0);
    x += &format!(
        "      <Verts>\n        {}\n        {}\n      </Verts>\n",
        blocks[1].0, blocks[2].0
    );
    x += "      <PointData>\n";
    for b in &blocks[3..] {
        x += &format!("        {}\n", b.0);
    }
    x += "      </PointData>\n    </Piece>\n  </PolyData>\n  <AppendedData encoding=\"raw\">\n   _";
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(x.as_bytes())?;
    for (_, bytes) in &blocks {
        out.write_all(&(bytes.len() as u64).to_le_bytes())?;
        out.write_all(bytes)?;
    }
    out.write_all(b"\n  </AppendedData>\n</VTKFile>\n")?;
    out.flush()
}

/// Writes a ParaView collection of `(time [s], file relative to the .pvd)`.
pub fn write_pvd(path: &Path, entries: &[(f64, String)]) -> std::io::Result<()> {
    let mut x = String::from("<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"1.0\" byte_order=\"LittleEndian\">\n  <Collection>\n");
    for (t, file) in entries {
        x += &format!("    <DataSet timestep=\"{t:e}\" part=\"0\" file=\"{file}\"/>\n");
    }
    x += "  </Collection>\n</VTKFile>\n";
    std::fs::write(path, x)
}
