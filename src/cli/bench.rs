//! `embolus bench`: lattice updates per second on standard cases, particle and
//! frame costs, copy bandwidth; JSON for comparison between machines and versions.

use anyhow::{Context, Result};
use embolus::bench::stability::StabilityCase;
use embolus::bench::BenchReport;
use embolus::gpu::GpuContext;
use embolus::validation::stability::PIPE_LENGTH;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Small cases only (32³ and 64³, short timing), as in CI.
    #[arg(long)]
    quick: bool,
    /// Edge lengths of the dense boxes, e.g. --sizes 64,128,256.
    #[arg(long, value_delimiter = ',')]
    sizes: Option<Vec<usize>>,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Compare with a JSON written earlier by --json (another machine, version or
    /// setting): the speed ratio per case.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Instead of the speed cases, the stability map: for each collision operator
    /// and Mach 0.05 and 0.1, the smallest τ at which a doubly periodic shear layer
    /// (128², or --sizes N) and a periodic pipe with halfway and with interpolated
    /// walls stay bounded for --steps steps; with --json also a plot (the same name,
    /// .png).
    #[arg(long, conflicts_with = "baseline")]
    stability: bool,
    /// Steps each stability run must survive.
    #[arg(long, default_value_t = 5000, requires = "stability")]
    steps: u64,
    /// Which flows of the stability map to run (repeatable; default all): the
    /// shear layer (no walls) and a periodic pipe of radius 8 cells with halfway
    /// and with interpolated walls.
    #[arg(long = "flow", value_enum, requires = "stability")]
    flows: Vec<StabilityFlow>,
}

/// `--flow`: a flow of the stability map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum StabilityFlow {
    ShearLayer,
    Pipe,
}

/// `embolus bench --stability`: the table of the smallest stable τ per operator.
fn stability(args: &BenchArgs, ctx: &GpuContext) -> Result<ExitCode> {
    let n = args
        .sizes
        .as_ref()
        .and_then(|s| s.first().copied())
        .unwrap_or(128);
    let cases: Vec<StabilityCase> = StabilityCase::all(n)
        .into_iter()
        .filter(|c| {
            let flow = match c {
                StabilityCase::ShearLayer { .. } => StabilityFlow::ShearLayer,
                StabilityCase::Pipe { .. } => StabilityFlow::Pipe,
            };
            args.flows.is_empty() || args.flows.contains(&flow)
        })
        .collect();
    let flows: Vec<String> = cases
        .iter()
        .map(|c| match c {
            StabilityCase::ShearLayer { .. } => format!("{} (doubly periodic, κ 80, δ 0.05)", c.name()),
            StabilityCase::Pipe { .. } => format!(
                "{} (periodic, {PIPE_LENGTH} cells long, steady flow with a transverse wobble δ 0.05)",
                c.name()
            ),
        })
        .collect();
    println!(
        "stability map, {} steps; smallest τ bounded (largest τ that diverged). Flows: {}",
        args.steps,
        flows.join("; ")
    );
    println!("| flow | operator | Mach | smallest stable τ | τ − ½ | largest unstable τ |");
    println!("|---|---|---|---|---|---|");
    let show = |t: Option<f64>| t.map_or("–".to_string(), |t| format!("{t:.5}"));
    let rows = embolus::bench::stability::stability_map(ctx, &cases, args.steps, 5, &mut |r| {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.case,
            r.operator,
            r.mach,
            show(r.smallest_stable_tau),
            r.smallest_stable_tau
                .map_or("–".to_string(), |t| format!("{:.1e}", t - 0.5)),
            show(r.largest_unstable_tau)
        );
    })?;
    if let Some(path) = &args.json {
        embolus::io::summary::write_json(path, &rows)
            .with_context(|| format!("writing {}", path.display()))?;
        let png = path.with_extension("png");
        let chart = embolus::bench::stability::chart(&rows);
        embolus::render::plot::write_png(&chart, 900, 560, &png)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("wrote {} and {}", path.display(), png.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn bench(args: BenchArgs, adapter: Option<&str>) -> Result<ExitCode> {
    let (json, baseline) = (args.json.as_deref(), args.baseline.as_deref());
    // Read the baseline first: a bad file should not cost a whole benchmark.
    let baseline: Option<serde_json::Value> = match baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading the baseline {}", p.display()))?;
            Some(serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is not a bench JSON\n  Fix: give a file written by `embolus bench --json`",
                    p.display()
                )
            })?)
        }
        None => None,
    };
    let ctx = GpuContext::new(adapter)?;
    if args.stability {
        return stability(&args, &ctx);
    }
    let software = ctx.adapter_info.device_type == wgpu::DeviceType::Cpu;
    anyhow::ensure!(
        args.sizes.iter().flatten().all(|&n| n >= 4),
        "--sizes: every edge length must be at least 4"
    );
    let plan = embolus::bench::BenchPlan::standard(args.quick, software, args.sizes.clone());
    println!(
        "adapter {} ({:?}, {:?}), half-float storage {}, collision {}",
        ctx.adapter_info.name,
        ctx.adapter_info.backend,
        ctx.adapter_info.device_type,
        if ctx.features.contains(wgpu::Features::SHADER_F16) {
            "available (f16 cases too)"
        } else {
            "unavailable (f32 cases only)"
        },
        embolus::lbm::CollisionModel::default().name()
    );
    println!(
        "{:<24} {:>10} {:>8} {:>10} {:>8} {:>12}",
        "case", "cells", "steps", "MLUPS", "spread", "eff. GB/s"
    );
    let report = embolus::bench::run(
        &ctx,
        &plan,
        (
            &mut |c| {
                println!(
                    "{:<24} {:>10} {:>8} {:>10.1} {:>7.1}% {:>12.1}",
                    c.name,
                    c.cells,
                    c.steps,
                    c.mlups,
                    c.mlups_spread_percent,
                    c.effective_bandwidth_gb_s
                );
            },
            &mut |r| {
                println!(
                    "{:<24} {:>10} {:>8} {:>10.2} frames/s ({} particles, 128^3 grid)",
                    r.name, r.cells, r.frames, r.frames_per_s, r.particles
                );
            },
            &mut |p| {
                let cost = format!(
                    "{:+.1} ± {:.1}% on the flow step",
                    p.added_percent, p.added_noise_percent
                );
                match p.mpups {
                    Some(m) => println!(
                        "{:<24} {:>10} {:>8} {m:>10.1} M particle updates/s, {cost}",
                        p.name, p.cells, p.steps
                    ),
                    None => println!(
                        "{:<24} {:>10} {:>8} below the timing noise ({cost})",
                        p.name, p.cells, p.steps
                    ),
                }
            },
        ),
    )?;
    print_trees(&report);
    print_workgroups_and_bandwidth(&report);
    if let Some(b) = &baseline {
        println!(
            "against the baseline ({}, {}):",
            b["adapter"]["name"].as_str().unwrap_or("?"),
            b["embolus_version"].as_str().unwrap_or("?")
        );
        let rows = embolus::bench::compare(&report, b);
        if rows.is_empty() {
            println!("  no case in common");
        }
        for (name, before, now, ratio) in rows {
            println!("  {name:<44} {before:>10.2} -> {now:>10.2}  x{ratio:.3}");
        }
    }
    if let Some(path) = json {
        embolus::io::summary::write_json(path, &report)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Dense against sparse storage of the vessel tree, and the sparse trees' cost per
/// lumen cell.
fn print_trees(report: &BenchReport) {
    let trees: Vec<&embolus::bench::BenchCase> = report
        .cases
        .iter()
        .filter(|c| c.name.starts_with("tree"))
        .collect();
    if let [dense, sparse, ..] = trees.as_slice() {
        let mib = |b: u64| b as f64 / 1048576.0;
        println!(
            "tree: {:.1}% of its grid is lumen; dense {:.2} M lumen updates/s in {:.1} MiB, sparse {:.2} M lumen updates/s in {:.1} MiB: {:.2}x the speed, {:.1}x less memory",
            100.0 * report.tree_fill_fraction,
            dense.lumen_mlups,
            mib(dense.memory_bytes),
            sparse.lumen_mlups,
            mib(sparse.memory_bytes),
            sparse.lumen_mlups / dense.lumen_mlups,
            dense.memory_bytes as f64 / sparse.memory_bytes as f64
        );
        println!("sparse trees, time per step and GPU memory against lumen cells:");
        for c in &trees[1..] {
            println!(
                "  {:>9} lumen cells {:<24} {:>9.3} ms per step  {:>6.1} ns and {:>5.1} B per lumen cell",
                c.lumen_cells,
                if c.name.ends_with("interpolated walls") {
                    format!("{}, interpolated walls", c.precision)
                } else {
                    c.precision.clone()
                },
                1e3 * c.lumen_cells as f64 / (c.lumen_mlups * 1e6),
                1e3 / c.lumen_mlups,
                c.memory_bytes as f64 / c.lumen_cells as f64
            );
        }
    }
}

/// The workgroup sweep, and every lattice case against the copy bandwidth.
fn print_workgroups_and_bandwidth(report: &BenchReport) {
    if let Some(best) = report
        .workgroup_sweep
        .iter()
        .max_by(|a, b| a.mlups.total_cmp(&b.mlups))
    {
        println!(
            "workgroup sizes on {}^3 f32: {}; fastest {}",
            best.nx,
            report
                .workgroup_sweep
                .iter()
                .map(|c| format!("{} -> {:.1} MLUPS", c.workgroup_size, c.mlups))
                .collect::<Vec<_>>()
                .join(", "),
            best.workgroup_size
        );
    }
    if let Some(bw) = report.copy_bandwidth_gb_s {
        println!("copy bandwidth {bw:.1} GB/s (STREAM-style copy on this adapter); LBM cases at:");
        for c in &report.cases {
            println!(
                "  {:<24} {:>5.1}% of it ({} bytes per cell update)",
                c.name,
                100.0 * c.effective_bandwidth_gb_s / bw,
                c.bytes_per_cell
            );
        }
    }
}
