//! `embolus geometry SCENE`: the vessel voxelized (the first stage of a case), its
//! openings printed, geometry.vti and a PNG preview written.

use anyhow::{Context, Result};
use embolus::scenario::LoadedGeometry;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct GeometryArgs {
    scene: PathBuf,
    /// Output directory [default: results/<scenario name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Change a key of the scenario for this run: --set time.duration=0.5 (TOML values;
    /// a bare word is a string). Repeatable; the changed text is what the results keep.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<embolus::scenario::Override>,
}

pub fn geometry(args: GeometryArgs) -> Result<ExitCode> {
    let loaded = LoadedGeometry::load_with(&args.scene, &args.set)?;
    let v = &loaded.voxels;
    let out_dir = args
        .out
        .unwrap_or_else(|| PathBuf::from("results").join(loaded.name()));
    let (d, dx) = (v.dims, v.voxel_size_m);
    println!(
        "grid      {} x {} x {} cells of {:.3e} m, corner at ({:.4e}, {:.4e}, {:.4e}) m",
        d.nx, d.ny, d.nz, dx, v.origin_m[0], v.origin_m[1], v.origin_m[2]
    );
    let boundary: usize = v.openings.iter().map(|o| o.cells.len()).sum();
    println!(
        "fluid     {} cells ({:.4e} m^3) + {} boundary cells; {} unconnected fluid cells removed",
        v.fluid_cells(),
        v.fluid_cells() as f64 * dx.powi(3),
        boundary,
        v.removed_unconnected
    );
    for (k, o) in v.openings.iter().enumerate() {
        println!(
            "opening   {:<10} {:<6} centre ({:.4e}, {:.4e}, {:.4e}) m  radius {:.4e} m  area {:.4e} m^2  normal ({:.3}, {:.3}, {:.3})  [{}]",
            o.name,
            format!("{:?}", o.role).to_lowercase(),
            o.centre_m[0], o.centre_m[1], o.centre_m[2],
            o.radius_m, o.nominal_area_m2,
            o.normal[0], o.normal[1], o.normal[2],
            embolus::io::preview::opening_colour_name(k)
        );
    }
    let files =
        embolus::io::geometry_files::write_geometry(v, &loaded.beyond_openings, &out_dir)
            .with_context(|| format!("writing the geometry files into {}", out_dir.display()))?;
    println!(
        "lumen     largest inscribed radius {:.4e} m ({:.1} cells)",
        files.max_lumen_radius_m,
        files.max_lumen_radius_m / dx
    );
    println!(
        "wrote     {} and {} (projection along {})",
        files.vti.display(),
        files.png.display(),
        ["x", "y", "z"][files.preview_axis]
    );
    for l in &files.centrelines {
        let (lo, hi) = l
            .radius_m
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
        println!(
            "centreline to {:<8} {:.4e} m long, lumen radius {:.4e} to {:.4e} m",
            v.openings[l.outlet].name,
            l.arc_length_m.last().copied().unwrap_or(0.0),
            lo,
            hi
        );
    }
    if let Some(path) = &files.centreline {
        println!(
            "wrote     {} (lumen radius and arc length along each)",
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
