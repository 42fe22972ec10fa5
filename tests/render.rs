//! Headless rendering: frames have the requested size and show something (coverage
//! and contrast), the same state renders to the same image, a small scene matches
//! its golden image within a tolerance, and the MP4 of a run (and of `embolus render
//! DIR`) reads back in an MP4 parser as H.264 with the right frame count and duration,
//! and every frame decodes (OpenH264's decoder).

use embolus::render::camera::overview;
use embolus::render::frame_gpu::{FrameRenderer, FrameSettings, RenderInputs};
use embolus::scenario::LoadedScenario;
use embolus::sim::run::{run, RunConfig};
use std::path::{Path, PathBuf};

use crate::common;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("embolus-render-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pipe (R = 6 cells, 30 long) with beads released at the inlet.
const PIPE: &str = "[grid]\nvoxel_size = 5.0e-5\n[time]\nsteps = 240\nlattice_velocity = 0.05\n\
    [geometry]\nshape = \"cylinder\"\nradius = 3.0e-4\nlength = 1.5e-3\n\
    [inlet]\nmean_velocity = 0.05\nramp_time = 0.0\n[particles]\ngravity = [0.0, 0.0, 0.0]\n\
    [[injections]]\nagent = \"beads_100_300\"\nstart = 0.0\nduration = 1.0e-3\ncount = 40\nopening = \"inlet\"\n";

/// Renders the pipe after 240 steps at `width`×`height`, twice.
fn render_pipe(width: u32, height: u32) -> (Vec<u8>, Vec<u8>) {
    let loaded =
        LoadedScenario::from_str(Path::new("pipe.toml"), PIPE).unwrap_or_else(|e| panic!("{e}"));
    let common::Coupled {
        ctx,
        mut lattice,
        particles,
        ..
    } = common::coupled(&loaded);
    lattice.step_with(&ctx, 240, Some(&particles));
    let (positions, status, solid, count) = particles.render_buffers();
    let d = loaded.voxels.dims;
    let renderer = FrameRenderer::new(
        &ctx,
        &RenderInputs {
            dims: d,
            flags: lattice.cell_table(),
            cell_table_constants: lattice.cell_table_constants(),
            flow: lattice.coupling().velocity_field(),
            solid: Some(solid),
            particles: Some((positions, status, count)),
        },
        FrameSettings {
            width,
            height,
            supersample: 2,
            max_speed_lattice: 0.05,
            slice: Some(([1.0, 0.0, 0.0], (d.nx / 2) as f32 + 0.5)),
            solid_scale: embolus::sim::particles_gpu::SOLID_SCALE,
        },
    )
    .unwrap();
    let camera = overview([d.nx, d.ny, d.nz], 35.0, width as f64 / height as f64);
    let a = renderer.render(&ctx, &camera).unwrap();
    let b = renderer.render(&ctx, &camera).unwrap();
    (a, b)
}

/// Share of pixels that differ from the background at the top-left corner, and the
/// standard deviation of the luminance (0..255).
fn coverage_and_contrast(rgb: &[u8]) -> (f64, f64) {
    let background = &rgb[..3];
    let pixels: Vec<&[u8]> = rgb.chunks(3).collect();
    let differing = pixels
        .iter()
        .filter(|p| p.iter().zip(background).any(|(a, b)| a.abs_diff(*b) > 24))
        .count();
    let lum: Vec<f64> = pixels
        .iter()
        .map(|p| 0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64)
        .collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    let sd = (lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64).sqrt();
    (differing as f64 / pixels.len() as f64, sd)
}

fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn frames_have_their_size_show_the_vessel_and_repeat_exactly() {
    let (a, b) = render_pipe(320, 180);
    assert_eq!(a.len(), 320 * 180 * 3);
    let (coverage, contrast) = coverage_and_contrast(&a);
    println!(
        "320x180: {:.1}% of pixels drawn, luminance s.d. {contrast:.1}",
        100.0 * coverage
    );
    assert!(
        coverage > 0.10,
        "only {:.1}% of the frame shows the vessel",
        100.0 * coverage
    );
    assert!(contrast > 12.0, "flat frame: luminance s.d. {contrast}");
    assert!(a == b, "the same state rendered twice differs");
}

/// The golden image: tests/golden/pipe_160x90.png. After an intended change of the
/// renderer, look at the new frame and bless it with EMBOLUS_BLESS=1.
#[test]
fn a_small_scene_matches_its_golden_image() {
    let (frame, _) = render_pipe(160, 90);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/pipe_160x90.png");
    if std::env::var("EMBOLUS_BLESS").is_ok() {
        embolus::render::session::write_png(&golden, &frame, 160, 90).unwrap();
    }
    let (w, h, expected) = read_png(&golden);
    assert_eq!((w, h), (160, 90));
    let diffs: Vec<u8> = frame
        .iter()
        .zip(&expected)
        .map(|(a, b)| a.abs_diff(*b))
        .collect();
    let mean = diffs.iter().map(|&d| d as f64).sum::<f64>() / diffs.len() as f64;
    let far = diffs.iter().filter(|&&d| d > 32).count() as f64 / diffs.len() as f64;
    println!(
        "golden: mean |difference| {mean:.3} of 255, {:.3}% of values off by > 32",
        100.0 * far
    );
    // Tolerances for another GPU's float rounding: mean below 2/255, under 1% far off.
    assert!(mean < 2.0, "mean difference {mean}");
    assert!(
        far < 0.01,
        "{:.2}% of values differ by more than 32",
        100.0 * far
    );
}

/// Reads an MP4 with the `mp4` crate (container) and decodes every sample with
/// OpenH264's decoder (stream): (samples, duration [s], width, height, frames decoded
/// with the right size).
fn mp4_frames_and_duration(path: &Path) -> (u64, f64, u16, u16, u64) {
    use openh264::formats::YUVSource;
    let file = std::fs::File::open(path).unwrap();
    let size = file.metadata().unwrap().len();
    let mut reader = mp4::Mp4Reader::read_header(std::io::BufReader::new(file), size).unwrap();
    assert_eq!(reader.tracks().len(), 1, "one video track");
    let (id, track) = reader.tracks().iter().next().map(|(k, t)| (*k, t)).unwrap();
    assert_eq!(
        track.media_type().unwrap(),
        mp4::MediaType::H264,
        "H.264 video"
    );
    assert_eq!(track.box_type().unwrap(), mp4::FourCC::from(*b"avc1"));
    let (samples, duration, w, h) = (
        track.sample_count(),
        track.duration().as_secs_f64(),
        track.width(),
        track.height(),
    );
    let annex_b = |units: &[&[u8]]| -> Vec<u8> {
        units
            .iter()
            .flat_map(|u| [&[0u8, 0, 0, 1][..], u].concat())
            .collect()
    };
    let sps = track.sequence_parameter_set().unwrap().to_vec();
    let pps = track.picture_parameter_set().unwrap().to_vec();
    let mut decoder = openh264::decoder::Decoder::new().unwrap();
    let _ = decoder.decode(&annex_b(&[&sps, &pps])).unwrap();
    let mut decoded = 0;
    for k in 1..=samples {
        let sample = reader.read_sample(id, k).unwrap().unwrap();
        // AVCC: 4-byte big-endian lengths before each NAL unit.
        let mut units = Vec::new();
        let mut at = 0;
        while at + 4 <= sample.bytes.len() {
            let n = u32::from_be_bytes(sample.bytes[at..at + 4].try_into().unwrap()) as usize;
            units.push(&sample.bytes[at + 4..at + 4 + n]);
            at += 4 + n;
        }
        assert_eq!(at, sample.bytes.len(), "sample {k} is whole AVCC");
        if let Some(yuv) = decoder.decode(&annex_b(&units)).unwrap() {
            assert_eq!(yuv.dimensions(), (w as usize, h as usize));
            decoded += 1;
        }
    }
    decoded += decoder.flush_remaining().unwrap().len() as u64;
    (samples as u64, duration, w, h, decoded)
}

#[test]
fn a_fly_through_renders_a_gif_along_the_centreline() {
    let dir = scratch("gif");
    let scene = dir.join("pipe.toml");
    std::fs::write(
        &scene,
        format!(
            "{PIPE}[render]\ninterval = 4.0e-4\nwidth = 120\nheight = 80\nsupersample = 1\nfps = 10\n\
             camera = \"fly\"\nvideo = \"gif\"\nframes = false\n"
        ),
    )
    .unwrap();
    let loaded = LoadedScenario::load(&scene).unwrap_or_else(|e| panic!("{e}"));
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("results");
    let summary =
        run(&ctx, &loaded, &RunConfig::new(out.clone()), &mut ()).unwrap_or_else(|e| panic!("{e}"));
    let frames = summary.render.as_ref().unwrap().frames;
    assert!(
        !out.join("render/frames").exists(),
        "frames = false keeps no PNG"
    );
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(std::fs::File::open(out.join("render/video.gif")).unwrap())
        .unwrap();
    assert_eq!((decoder.width(), decoder.height()), (120, 80));
    let mut decoded = 0;
    let mut first: Option<Vec<u8>> = None;
    let mut changed = false;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        decoded += 1;
        match &first {
            None => first = Some(frame.buffer.to_vec()),
            Some(f) => changed |= *f != frame.buffer.to_vec(),
        }
    }
    assert_eq!(decoded, frames, "one GIF frame per rendered frame");
    assert!(changed, "the camera moves along the vessel");
}

#[test]
fn a_run_renders_a_playable_mp4_and_render_dir_does_the_same() {
    let dir = scratch("run");
    let scene = dir.join("pipe.toml");
    std::fs::write(
        &scene,
        format!(
            "{PIPE}[fields]\ninterval = 1.0e-3\nselect = [\"velocity\", \"occlusion\"]\n\
             [render]\ninterval = 5.0e-4\nwidth = 160\nheight = 96\nfps = 10\ncamera = \"orbit\"\norbit_degrees = 90\n"
        ),
    )
    .unwrap();
    let loaded = LoadedScenario::load(&scene).unwrap_or_else(|e| panic!("{e}"));
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("results");
    let summary =
        run(&ctx, &loaded, &RunConfig::new(out.clone()), &mut ()).unwrap_or_else(|e| panic!("{e}"));
    let r = summary.render.as_ref().unwrap();
    let every = loaded.render.as_ref().unwrap().every;
    assert_eq!(r.frames as u64, 240 / every + u64::from(240 % every != 0));
    let (samples, duration, w, h, decoded) = mp4_frames_and_duration(&out.join("render/video.mp4"));
    println!(
        "run: {} frames at {:.3} s each; MP4 {samples} samples, {duration:.2} s, {w}x{h}, {decoded} decoded",
        r.frames, r.seconds_per_frame
    );
    assert_eq!(samples, r.frames as u64);
    assert_eq!(decoded, samples, "every frame decodes");
    assert!(
        (duration - r.frames as f64 / 10.0).abs() < 1e-6,
        "duration {duration}"
    );
    assert_eq!((w, h), (160, 96));
    let pngs = std::fs::read_dir(out.join("render/frames"))
        .unwrap()
        .count();
    assert_eq!(pngs, r.frames);
    let (pw, ph, last) =
        read_png(&out.join(format!("render/frames/frame_{:05}.png", r.frames - 1)));
    assert_eq!((pw, ph), (160, 96));
    assert!(coverage_and_contrast(&last).0 > 0.05);

    // From the saved fields: one frame per field output.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_embolus"))
        .arg("render")
        .arg(&out)
        .args(["--width", "160", "--height", "96", "--fps", "5", "--out"])
        .arg(dir.join("again"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let outputs = summary.field_outputs as u64;
    let (samples, duration, _, _, decoded) = mp4_frames_and_duration(&dir.join("again/video.mp4"));
    assert_eq!(samples, outputs);
    assert_eq!(decoded, outputs, "every frame decodes");
    assert!((duration - outputs as f64 / 5.0).abs() < 1e-6);
    // And a clear error for a directory without fields.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_embolus"))
        .arg("render")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("fields.pvd") && stderr.contains("Fix:"),
        "{stderr}"
    );
}
