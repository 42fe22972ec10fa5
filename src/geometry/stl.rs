//! STL surfaces (binary and ASCII): reading, welding, boundary loops and caps.

use super::caps::Cap;
use super::error::GeometryError;
use super::vec3::{add, cross, dot, norm, normalize, rotate, scale, sub};
use std::collections::HashMap;
use std::path::Path;

/// A triangle mesh with shared (welded) vertices.
#[derive(Clone, Debug, Default)]
pub struct Mesh {
    pub vertices: Vec<[f64; 3]>,
    pub triangles: Vec<[u32; 3]>,
}

fn format_error(path: &Path, problem: impl Into<String>) -> GeometryError {
    GeometryError::Format {
        path: path.to_path_buf(),
        format: "STL",
        problem: problem.into(),
        fix: "export the surface again as binary or ASCII STL (one closed or open-ended \
              triangulated surface)"
            .into(),
    }
}

/// Reads a binary or ASCII STL file.
pub fn read_stl(path: &Path) -> Result<Mesh, GeometryError> {
    let bytes = crate::io::input::read_bounded(path, crate::io::input::MAX_VOLUME_BYTES).map_err(
        |source| GeometryError::Read {
            path: path.to_path_buf(),
            source,
        },
    )?;
    parse_stl(&bytes, path)
}

/// Parses STL bytes; `path` is for messages.
pub fn parse_stl(bytes: &[u8], path: &Path) -> Result<Mesh, GeometryError> {
    let soup = if bytes.len() >= 84
        && 84 + 50 * u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as usize
            == bytes.len()
    {
        parse_binary(bytes)
    } else if bytes.trim_ascii_start().starts_with(b"solid") {
        parse_ascii(bytes, path)?
    } else if bytes.len() >= 84 {
        let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]);
        return Err(format_error(
            path,
            format!(
                "binary header announces {n} triangles ({} bytes) but the file has {} bytes: truncated or not STL",
                84 + 50 * n as u64,
                bytes.len()
            ),
        ));
    } else {
        return Err(format_error(
            path,
            format!("only {} bytes, too short for STL", bytes.len()),
        ));
    };
    if soup.is_empty() {
        return Err(format_error(path, "the file holds no triangles"));
    }
    if soup.iter().flatten().flatten().any(|v| !v.is_finite()) {
        return Err(format_error(path, "a vertex coordinate is NaN or infinite"));
    }
    Ok(weld(&soup))
}

fn parse_binary(bytes: &[u8]) -> Vec<[[f64; 3]; 3]> {
    let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as usize;
    (0..n)
        .map(|t| {
            let base = 84 + 50 * t + 12;
            std::array::from_fn(|v| {
                std::array::from_fn(|c| {
                    let o = base + 12 * v + 4 * c;
                    f32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as f64
                })
            })
        })
        .collect()
}

fn parse_ascii(bytes: &[u8], path: &Path) -> Result<Vec<[[f64; 3]; 3]>, GeometryError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| format_error(path, "ASCII STL with non-UTF-8 bytes"))?;
    let mut soup = Vec::new();
    let mut facet: Vec<[f64; 3]> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("vertex") => {
                let coords: Vec<f64> = words
                    .map(|w| w.parse::<f64>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| {
                        format_error(path, format!("line {}: bad vertex coordinate: {e}", n + 1))
                    })?;
                if coords.len() != 3 {
                    return Err(format_error(
                        path,
                        format!("line {}: a vertex needs 3 coordinates", n + 1),
                    ));
                }
                facet.push([coords[0], coords[1], coords[2]]);
            }
            Some("endfacet") => {
                if facet.len() != 3 {
                    return Err(format_error(
                        path,
                        format!(
                            "line {}: a facet has {} vertices, STL needs 3",
                            n + 1,
                            facet.len()
                        ),
                    ));
                }
                soup.push([facet[0], facet[1], facet[2]]);
                facet.clear();
            }
            _ => {}
        }
    }
    Ok(soup)
}

/// Merges vertices closer than 1e-9 of the bounding-box diagonal, drops degenerate and
/// duplicated triangles.
fn weld(soup: &[[[f64; 3]; 3]]) -> Mesh {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for v in soup.iter().flatten() {
        for a in 0..3 {
            lo[a] = lo[a].min(v[a]);
            hi[a] = hi[a].max(v[a]);
        }
    }
    let tolerance = (norm(sub(hi, lo)) * 1e-9).max(1e-300);
    let mut index: HashMap<[i64; 3], u32> = HashMap::new();
    let mut mesh = Mesh::default();
    let mut seen = std::collections::HashSet::new();
    for tri in soup {
        let ids: [u32; 3] = std::array::from_fn(|k| {
            let key = tri[k].map(|c| (c / tolerance).round() as i64);
            *index.entry(key).or_insert_with(|| {
                mesh.vertices.push(tri[k]);
                (mesh.vertices.len() - 1) as u32
            })
        });
        if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
            continue;
        }
        let mut key = ids;
        key.sort_unstable();
        if seen.insert(key) {
            mesh.triangles.push(ids);
        }
    }
    mesh
}

impl Mesh {
    /// Scales by `scale`, rotates about x, then y, then z by `rotate_deg`, translates.
    pub fn transform(&mut self, scale_factor: f64, rotate_deg: [f64; 3], translate: [f64; 3]) {
        let axes = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        for v in &mut self.vertices {
            let mut p = scale(*v, scale_factor);
            for a in 0..3 {
                if rotate_deg[a] != 0.0 {
                    p = rotate(p, axes[a], rotate_deg[a].to_radians());
                }
            }
            *v = add(p, translate);
        }
    }

    pub fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for v in &self.vertices {
            for a in 0..3 {
                lo[a] = lo[a].min(v[a]);
                hi[a] = hi[a].max(v[a]);
            }
        }
        (lo, hi)
    }

    /// Closed loops of edges used by one triangle only: the open ends of the surface.
    pub fn boundary_loops(&self) -> Vec<Vec<u32>> {
        let mut uses: HashMap<(u32, u32), u32> = HashMap::new();
        for t in &self.triangles {
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                *uses.entry((a.min(b), a.max(b))).or_default() += 1;
            }
        }
        let mut next: HashMap<u32, Vec<u32>> = HashMap::new();
        for t in &self.triangles {
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                if uses[&(a.min(b), a.max(b))] == 1 {
                    next.entry(a).or_default().push(b);
                    next.entry(b).or_default().push(a);
                }
            }
        }
        let mut visited = std::collections::HashSet::new();
        let mut loops = Vec::new();
        let mut starts: Vec<u32> = next.keys().copied().collect();
        starts.sort_unstable();
        for start in starts {
            if visited.contains(&start) {
                continue;
            }
            let mut ring = vec![start];
            visited.insert(start);
            let mut current = start;
            while let Some(&n) = next[&current].iter().find(|n| !visited.contains(n)) {
                visited.insert(n);
                ring.push(n);
                current = n;
            }
            if ring.len() >= 3 {
                loops.push(ring);
            }
        }
        loops
    }

    /// Closes each boundary loop with a fan of triangles and returns one cap per loop,
    /// largest first, named `opening1`, `opening2`, … in that order.
    pub fn cap_open_ends(&mut self) -> Vec<Cap> {
        let loops = self.boundary_loops();
        let mut caps = Vec::new();
        for ring in loops {
            let points: Vec<[f64; 3]> = ring.iter().map(|&i| self.vertices[i as usize]).collect();
            let n = points.len() as f64;
            let centre = scale(points.iter().fold([0.0; 3], |s, p| add(s, *p)), 1.0 / n);
            // Newell's method: the vector area of the polygon.
            let mut area_vector = [0.0; 3];
            for k in 0..points.len() {
                area_vector = add(
                    area_vector,
                    cross(
                        sub(points[k], centre),
                        sub(points[(k + 1) % points.len()], centre),
                    ),
                );
            }
            let area = 0.5 * norm(area_vector);
            let mut normal = normalize(area_vector);
            let reach = points
                .iter()
                .map(|p| norm(sub(*p, centre)))
                .fold(0.0, f64::max);
            // Outward: away from the wall next to the opening. The triangles along the
            // loop have their third vertex on the vessel side of the opening.
            let ring_set: std::collections::HashSet<u32> = ring.iter().copied().collect();
            let mut inward = [0.0; 3];
            for t in &self.triangles {
                let on_ring = t.iter().filter(|v| ring_set.contains(v)).count();
                if on_ring == 2 {
                    for &v in t.iter().filter(|v| !ring_set.contains(v)) {
                        inward = add(inward, sub(self.vertices[v as usize], centre));
                    }
                }
            }
            if dot(inward, normal) > 0.0 {
                normal = scale(normal, -1.0);
            }
            let c = self.vertices.len() as u32;
            self.vertices.push(centre);
            for k in 0..ring.len() {
                self.triangles
                    .push([ring[k], ring[(k + 1) % ring.len()], c]);
            }
            caps.push(Cap {
                name: String::new(),
                role: None,
                centre_m: centre,
                normal_out: normal,
                radius_m: reach,
                area_m2: area,
            });
        }
        caps.sort_by(|a, b| b.area_m2.total_cmp(&a.area_m2));
        for (k, cap) in caps.iter_mut().enumerate() {
            cap.name = format!("opening{}", k + 1);
        }
        caps
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An open-ended tube of `sides` facets along z, as ASCII STL.
    pub(crate) fn tube_ascii(radius: f64, length: f64, sides: usize) -> String {
        let mut s = String::from("solid tube\n");
        for k in 0..sides {
            let a0 = std::f64::consts::TAU * k as f64 / sides as f64;
            let a1 = std::f64::consts::TAU * (k + 1) as f64 / sides as f64;
            let p =
                |a: f64, z: f64| format!("vertex {} {} {}", radius * a.cos(), radius * a.sin(), z);
            for tri in [
                [p(a0, 0.0), p(a1, 0.0), p(a1, length)],
                [p(a0, 0.0), p(a1, length), p(a0, length)],
            ] {
                s += &format!(
                    "facet normal 0 0 0\nouter loop\n{}\n{}\n{}\nendloop\nendfacet\n",
                    tri[0], tri[1], tri[2]
                );
            }
        }
        s + "endsolid tube\n"
    }

    #[test]
    fn ascii_tube_has_two_boundary_loops_with_outward_caps() {
        let mut mesh =
            parse_stl(tube_ascii(2.0, 10.0, 24).as_bytes(), Path::new("tube.stl")).unwrap();
        assert_eq!(mesh.vertices.len(), 48);
        assert_eq!(mesh.triangles.len(), 48);
        let caps = mesh.cap_open_ends();
        assert_eq!(caps.len(), 2);
        let bottom = caps.iter().find(|c| c.centre_m[2] < 1.0).unwrap();
        let top = caps.iter().find(|c| c.centre_m[2] > 9.0).unwrap();
        assert!(bottom.normal_out[2] < -0.99 && top.normal_out[2] > 0.99);
        let polygon_area = 0.5 * 24.0 * 4.0 * (std::f64::consts::TAU / 24.0).sin();
        assert!((bottom.area_m2 - polygon_area).abs() < 1e-9);
        assert!(
            mesh.boundary_loops().is_empty(),
            "capping closes the surface"
        );
    }

    #[test]
    fn binary_and_ascii_agree_and_duplicates_are_dropped() {
        let ascii = parse_stl(tube_ascii(1.0, 3.0, 8).as_bytes(), Path::new("a.stl")).unwrap();
        let mut bin = vec![0u8; 80];
        let tris: Vec<[[f32; 3]; 3]> = ascii
            .triangles
            .iter()
            .chain(ascii.triangles.iter().take(3)) // duplicated triangles
            .map(|t| t.map(|i| ascii.vertices[i as usize].map(|c| c as f32)))
            .collect();
        bin.extend((tris.len() as u32).to_le_bytes());
        for t in &tris {
            bin.extend([0u8; 12]);
            for v in t {
                for c in v {
                    bin.extend(c.to_le_bytes());
                }
            }
            bin.extend([0u8; 2]);
        }
        let b = parse_stl(&bin, Path::new("b.stl")).unwrap();
        assert_eq!(b.triangles.len(), ascii.triangles.len());
        assert_eq!(b.vertices.len(), ascii.vertices.len());
    }

    #[test]
    fn malformed_files_are_rejected_with_reasons() {
        let short = parse_stl(
            b"solid x\nfacet\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\n",
            Path::new("x.stl"),
        );
        assert!(short
            .unwrap_err()
            .to_string()
            .contains("a facet has 2 vertices"));
        let bad = parse_stl(b"solid x\nvertex 0 zero 0\n", Path::new("x.stl"));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("bad vertex coordinate"));
        let mut truncated = vec![0u8; 84];
        truncated[80] = 10;
        assert!(parse_stl(&truncated, Path::new("t.stl"))
            .unwrap_err()
            .to_string()
            .contains("truncated"));
        assert!(parse_stl(b"solid empty\nendsolid\n", Path::new("e.stl"))
            .unwrap_err()
            .to_string()
            .contains("no triangles"));
    }
}
