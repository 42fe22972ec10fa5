//! The FDA benchmark nozzle's PIV data (data/fda-nozzle; Hariharan et al.,
//! J. Biomech. Eng. 133 (2011) 041002, data doi:10.17917/C78G69): one file per
//! laboratory, a list of named blocks ("plot-…", optionally followed by the axial
//! position z [m]), each with a count and that many "x y" rows. The validation case
//! compares a simulation with the spread of the laboratories, not with one of them;
//! the nozzle run itself (throat Re 500) is not implemented yet.

use std::path::Path;

/// One block of a laboratory's file.
#[derive(Clone, Debug)]
pub struct PivBlock {
    /// The block's name without its z, e.g. "plot-z-distribution-axial-velocity".
    pub name: String,
    /// Axial position of a profile [m], for "…-at-z" blocks.
    pub z_m: Option<f64>,
    pub points: Vec<(f64, f64)>,
}

/// One laboratory's data set.
#[derive(Clone, Debug)]
pub struct PivDataset {
    /// The laboratory code from the file name (e.g. "243").
    pub lab: String,
    pub blocks: Vec<PivBlock>,
}

/// Block names in the files.
pub const CENTRELINE_VELOCITY: &str = "plot-z-distribution-axial-velocity";
pub const WALL_PRESSURE: &str = "plot-wall-distribution-pressure";

impl PivDataset {
    /// The block of that name (and, for profiles, at that z within 0.1 mm).
    pub fn block(&self, name: &str, z_m: Option<f64>) -> Option<&PivBlock> {
        self.blocks.iter().find(|b| {
            b.name == name
                && match (z_m, b.z_m) {
                    (None, _) => true,
                    (Some(z), Some(bz)) => (z - bz).abs() < 1e-4,
                    (Some(_), None) => false,
                }
        })
    }
}

/// Parses one laboratory's file; `Err` names the line that does not fit the format.
pub fn parse(lab: &str, text: &str) -> Result<PivDataset, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let line = lines[k].trim();
        k += 1;
        if !line.starts_with("plot-") {
            continue;
        }
        let mut words = line.split_whitespace();
        let name = words.next().unwrap_or_default().to_string();
        let z_m = words.next().and_then(|w| w.parse::<f64>().ok());
        let count: usize = lines
            .get(k)
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| format!("line {}: a row count after {name}", k + 1))?;
        k += 1;
        let mut points = Vec::with_capacity(count);
        for _ in 0..count {
            let row = lines
                .get(k)
                .ok_or_else(|| format!("{name}: the file ends before its {count} rows"))?;
            let mut v = row.split_whitespace().map(str::parse::<f64>);
            match (v.next(), v.next()) {
                (Some(Ok(x)), Some(Ok(y))) => points.push((x, y)),
                _ => return Err(format!("line {}: \"x y\" expected in {name}", k + 1)),
            }
            k += 1;
        }
        blocks.push(PivBlock { name, z_m, points });
    }
    if blocks.is_empty() {
        return Err("no plot-… block".into());
    }
    Ok(PivDataset {
        lab: lab.to_string(),
        blocks,
    })
}

/// Every laboratory file (PIV_*.txt) in `dir`, sorted by laboratory code.
pub fn load_all(dir: &Path) -> Result<Vec<PivDataset>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut sets = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(name.starts_with("PIV_") && name.ends_with(".txt")) {
            continue;
        }
        let lab = name
            .trim_end_matches(".txt")
            .rsplit('_')
            .next()
            .unwrap_or("")
            .to_string();
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        sets.push(parse(&lab, &text).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    sets.sort_by(|a, b| a.lab.cmp(&b.lab));
    Ok(sets)
}

/// The laboratories' range (min, max) of a block's value at abscissa `x` (within
/// `tolerance`), over the laboratories that measured there.
pub fn lab_spread(
    sets: &[PivDataset],
    name: &str,
    z_m: Option<f64>,
    x: f64,
    tolerance: f64,
) -> Option<(f64, f64)> {
    let values: Vec<f64> = sets
        .iter()
        .filter_map(|s| s.block(name, z_m))
        .filter_map(|b| {
            b.points
                .iter()
                .find(|p| (p.0 - x).abs() <= tolerance)
                .map(|p| p.1)
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    Some((
        values.iter().copied().fold(f64::INFINITY, f64::min),
        values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_name_the_problem() {
        assert!(parse("1", "nothing here").unwrap_err().contains("no plot"));
        let e = parse("1", "plot-a\n2\n0.0 1.0\n").unwrap_err();
        assert!(e.contains("ends before"), "{e}");
        let e = parse("1", "plot-a\n1\n0.0 x\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let ok = parse("1", "header\nplot-b 0.008 0\n1\n1.0 2.0\n").unwrap();
        assert_eq!(ok.blocks[0].z_m, Some(0.008));
        assert_eq!(
            ok.block("plot-b", Some(0.008)).unwrap().points,
            vec![(1.0, 2.0)]
        );
    }
}
