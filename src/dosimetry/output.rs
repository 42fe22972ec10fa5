//! The dose map's files in a results directory: dose.vti (dose, activity and labels
//! per voxel), dvh.csv (the cumulative dose-volume histogram of every region) and
//! plots/dvh.png.

use super::dvh::{bin_edges, cumulative};
use super::map::DoseMap;
use crate::io::vtk::{write_vti, Compression, VtiArray, VtiData};
use crate::render::plot::{write_png, Chart, Series, PALETTE};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bins of the dose-volume histograms.
pub const DVH_BINS: usize = 200;

/// Writes dose.vti, dvh.csv and plots/dvh.png into `dir`; returns their paths.
pub fn write_dose_files(dir: &Path, map: &DoseMap) -> std::io::Result<Vec<PathBuf>> {
    let vti = dir.join("dose.vti");
    write_vti(
        &vti,
        map.grid.dims,
        map.grid.origin_m,
        map.grid.voxel_m,
        &dose_arrays(map),
        Compression::Zlib,
    )?;
    let top = map
        .region_doses
        .iter()
        .flat_map(|(_, d)| d.iter().cloned())
        .fold(0.0, f64::max);
    let edges = bin_edges(top, DVH_BINS);
    let curves: Vec<(String, Vec<f64>)> = map
        .region_doses
        .iter()
        .map(|(name, d)| (name.clone(), cumulative(d, &edges)))
        .collect();
    let csv = dir.join("dvh.csv");
    write_dvh_csv(&csv, &edges, &curves)?;
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)?;
    let png = plots.join("dvh.png");
    write_png(&dvh_chart(&edges, &curves), 900, 600, &png)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(vec![vti, csv, png])
}

/// dose.vti's arrays: dose [Gy], activity at treatment [Bq], and the labels with a map.
pub fn dose_arrays(map: &DoseMap) -> Vec<VtiArray> {
    let mut arrays = vec![
        VtiArray::scalar(
            "dose_Gy",
            VtiData::F32(map.dose_gy.iter().map(|&d| d as f32).collect()),
        ),
        VtiArray::scalar(
            "activity_Bq",
            VtiData::F32(
                map.grid
                    .activity_gbq
                    .iter()
                    .map(|&a| (a * 1e9) as f32)
                    .collect(),
            ),
        ),
    ];
    if let Some(labels) = &map.labels {
        arrays.push(VtiArray::scalar("label", VtiData::I32(labels.clone())));
    }
    arrays
}

/// dvh.csv: a dose column [Gy], then per region the percentage of its volume that
/// receives at least that dose.
fn write_dvh_csv(path: &Path, edges: &[f64], curves: &[(String, Vec<f64>)]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<String> = curves
        .iter()
        .map(|(n, _)| format!("{} volume [%]", n.replace(',', " ")))
        .collect();
    writeln!(w, "dose [Gy],{}", names.join(","))?;
    for (b, d) in edges.iter().enumerate() {
        let row: Vec<String> = curves
            .iter()
            .map(|(_, v)| format!("{:.4}", 100.0 * v[b]))
            .collect();
        writeln!(w, "{d:.6e},{}", row.join(","))?;
    }
    w.flush()
}

fn dvh_chart(edges: &[f64], curves: &[(String, Vec<f64>)]) -> Chart {
    Chart {
        title: "Cumulative dose-volume histogram (Y-90)".into(),
        x_label: "dose [Gy]".into(),
        y_label: "volume receiving at least the dose [%]".into(),
        markers: false,
        series: curves
            .iter()
            .enumerate()
            .map(|(k, (name, v))| Series {
                label: name.clone(),
                points: edges.iter().zip(v).map(|(&d, &f)| (d, 100.0 * f)).collect(),
                colour: PALETTE[k % PALETTE.len()],
                dashed: false,
            })
            .collect(),
    }
}
