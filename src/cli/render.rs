//! `embolus render DIR`: frames and a video from a run's saved fields and particles.

use anyhow::Result;
use embolus::gpu::GpuContext;
use embolus::scenario::schema::{CameraKind, RenderSpec, VideoFormat};
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RenderArgs {
    /// Results directory of `embolus run`.
    dir: PathBuf,
    /// Where frames/ and the video go [default: DIR/render].
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, default_value_t = 1280)]
    width: u32,
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// Samples per pixel along each axis (anti-aliasing), 1..4.
    #[arg(long, default_value_t = 2)]
    supersample: u32,
    #[arg(long, value_enum, default_value_t = CameraKind::Fixed)]
    camera: CameraKind,
    #[arg(long, default_value_t = 10)]
    fps: u32,
    #[arg(long, value_enum, default_value_t = VideoFormat::Mp4)]
    video: VideoFormat,
    /// Top of the speed colour scale [m/s] (default: the peak inlet velocity).
    #[arg(long)]
    max_speed: Option<f64>,
}

pub fn render(args: RenderArgs, adapter: Option<&str>) -> Result<ExitCode> {
    let spec = RenderSpec {
        width: args.width,
        height: args.height,
        supersample: args.supersample,
        camera: args.camera,
        fps: args.fps,
        video: args.video,
        max_speed: args.max_speed,
        ..RenderSpec::default()
    };
    // The same limits as a scenario's [render], named by their option.
    embolus::scenario::outputs::check_render_spec(&spec).map_err(|(_, key, problem, fix)| {
        anyhow::anyhow!("--{}: {problem}\n  Fix: {fix}", key.replace('_', "-"))
    })?;
    let out = args.out.unwrap_or_else(|| args.dir.join("render"));
    let ctx = GpuContext::new(adapter)?;
    let bar = ProgressBar::new(0);
    let started = std::time::Instant::now();
    let r = embolus::render::from_results::render_results(&ctx, &args.dir, &out, &spec, |k, n| {
        bar.set_length(n as u64);
        bar.set_position(k as u64);
    })?;
    bar.finish_and_clear();
    println!(
        "rendered {} frame(s) in {:.1} s into {}{}",
        r.frames,
        started.elapsed().as_secs_f64(),
        r.frames_dir.display(),
        r.video
            .map(|v| format!("; video {}", v.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
