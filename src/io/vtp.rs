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
    let n = points.len() as i32;
    let arrays: Vec<PointArray> = arrays
        .iter()
        .map(|(name, data)| {
            let (kind, bytes) = match data {
                VtiData::U8(v) => ("UInt8", v.clone()),
                VtiData::I32(v) => ("Int32", i32_bytes(v)),
                VtiData::F32(v) => ("Float32", f32_bytes(v)),
            };
            (name.to_string(), kind, 1, bytes)
        })
        .collect();
    let cells = Cells {
        section: "Verts",
        count: n as usize,
        connectivity: (0..n).collect(),
        offsets: (1..=n).collect(),
    };
    write_polydata(path, points, &cells, &arrays)
}

/// Writes a triangle surface: `points` [m], `triangles` (indices into `points`) and
/// per-point float arrays (name, components, values), raw appended binary.
pub fn write_surface_vtp(
    path: &Path,
    points: &[[f32; 3]],
    triangles: &[[u32; 3]],
    arrays: &[(&str, usize, Vec<f32>)],
) -> std::io::Result<()> {
    let arrays: Vec<PointArray> = arrays
        .iter()
        .map(|(name, components, values)| {
            (name.to_string(), "Float32", *components, f32_bytes(values))
        })
        .collect();
    let cells = Cells {
        section: "Polys",
        count: triangles.len(),
        connectivity: triangles.iter().flatten().map(|&i| i as i32).collect(),
        offsets: (1..=triangles.len() as i32).map(|k| 3 * k).collect(),
    };
    write_polydata(path, points, &cells, &arrays)
}

/// Writes polylines: `lines` of points [m], one after the other, with per-point float
/// arrays (name, components, values over all the lines' points in order).
pub fn write_polylines_vtp(
    path: &Path,
    lines: &[Vec<[f32; 3]>],
    arrays: &[(&str, usize, Vec<f32>)],
) -> std::io::Result<()> {
    let points: Vec<[f32; 3]> = lines.iter().flatten().copied().collect();
    let arrays: Vec<PointArray> = arrays
        .iter()
        .map(|(name, components, values)| {
            (name.to_string(), "Float32", *components, f32_bytes(values))
        })
        .collect();
    let mut ends = Vec::with_capacity(lines.len());
    let mut total = 0i32;
    for l in lines {
        total += l.len() as i32;
        ends.push(total);
    }
    let cells = Cells {
        section: "Lines",
        count: lines.len(),
        connectivity: (0..total).collect(),
        offsets: ends,
    };
    write_polydata(path, &points, &cells, &arrays)
}

/// A per-point array: name, VTK type, components, little-endian bytes.
type PointArray = (String, &'static str, usize, Vec<u8>);

/// The cells of a PolyData piece: vertices, lines or polygons.
struct Cells {
    section: &'static str,
    count: usize,
    connectivity: Vec<i32>,
    offsets: Vec<i32>,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn i32_bytes(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes one PolyData piece with its points, cells and point arrays as raw appended
/// binary.
fn write_polydata(
    path: &Path,
    points: &[[f32; 3]],
    cells: &Cells,
    arrays: &[PointArray],
) -> std::io::Result<()> {
    let coords: Vec<f32> = points.iter().flatten().copied().collect();
    let mut blocks: Vec<(String, Vec<u8>)> = vec![];
    let mut offset = 0u64;
    let mut declare = |kind: &str, name: &str, components: usize, bytes: Vec<u8>| {
        let line = format!(
            "<DataArray type=\"{kind}\" Name=\"{name}\" NumberOfComponents=\"{components}\" format=\"appended\" offset=\"{offset}\"/>"
        );
        offset += 8 + bytes.len() as u64;
        blocks.push((line, bytes));
    };
    declare("Float32", "Points", 3, f32_bytes(&coords));
    declare("Int32", "connectivity", 1, i32_bytes(&cells.connectivity));
    declare("Int32", "offsets", 1, i32_bytes(&cells.offsets));
    for (name, kind, components, bytes) in arrays {
        declare(kind, name, *components, bytes.clone());
    }
    let count = |section: &str| {
        if cells.section == section {
            cells.count
        } else {
            0
        }
    };
    let mut x = String::from("<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    x += &format!(
        "  <PolyData>\n    <Piece NumberOfPoints=\"{}\" NumberOfVerts=\"{}\" NumberOfLines=\"{}\" NumberOfStrips=\"0\" NumberOfPolys=\"{}\">\n",
        points.len(),
        count("Verts"),
        count("Lines"),
        count("Polys")
    );
    x += &format!("      <Points>\n        {}\n      </Points>\n", blocks[0].0);
    x += &format!(
        "      <{s}>\n        {}\n        {}\n      </{s}>\n",
        blocks[1].0,
        blocks[2].0,
        s = cells.section
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
