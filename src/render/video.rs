//! Video files written in process: H.264 in MP4 (OpenH264, built from source by the
//! `openh264` crate, and the `mp4` muxer; yuv420p, plays in common players), and GIF
//! (`gif` crate). No external program is needed.

use openh264::encoder::{BitRate, Encoder, EncoderConfig, FrameRate, QpRange, RateControlMode};
use openh264::formats::{RgbSliceU8, YUVBuffer};
use openh264::OpenH264API;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("cannot write video {path}: {message}\n  Fix: check that the directory is writable and the disk has space")]
    Write { path: PathBuf, message: String },
    #[error("video frames must have even width and height for yuv420p, got {0}x{1}\n  Fix: choose an even width and height, e.g. 1280x720 or 1920x1080")]
    OddSize(u32, u32),
    #[error("the H.264 encoder failed: {0}")]
    Encoder(String),
}

/// NAL units of an Annex-B byte stream (start codes 00 00 01 or 00 00 00 01).
pub fn nal_units(stream: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut units = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map_or(stream.len(), |&n| n - 3);
        // A four-byte start code leaves one zero at the end of the previous unit.
        while end > s && k + 1 < starts.len() && stream[end - 1] == 0 {
            end -= 1;
        }
        if end > s {
            units.push(&stream[s..end]);
        }
    }
    units
}

/// H.264 video in an MP4 container, one frame at a time.
pub struct Mp4Video {
    path: PathBuf,
    width: u32,
    height: u32,
    fps: u32,
    encoder: Encoder,
    writer: Option<mp4::Mp4Writer<BufWriter<File>>>,
    frames: u64,
}

/// MP4 timescale of the video track: ticks per second.
const TIMESCALE: u32 = 90_000;

impl Mp4Video {
    pub fn create(path: &Path, width: u32, height: u32, fps: u32) -> Result<Self, VideoError> {
        if width % 2 == 1 || height % 2 == 1 {
            return Err(VideoError::OddSize(width, height));
        }
        // Constant quality (rate control off, QP 18..26): no frame is skipped and the
        // encoder does not warn that it cannot hold a bitrate without skipping.
        let bits = (0.1 * width as f64 * height as f64 * fps as f64).max(2.0e5) as u32;
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(bits))
            .rate_control_mode(RateControlMode::Off)
            .qp(QpRange::new(18, 26))
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .skip_frames(false);
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| VideoError::Encoder(e.to_string()))?;
        Ok(Mp4Video {
            path: path.to_path_buf(),
            width,
            height,
            fps: fps.max(1),
            encoder,
            writer: None,
            frames: 0,
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> VideoError {
        VideoError::Write {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Adds one frame of `width`×`height` RGB8 pixels.
    pub fn push(&mut self, rgb: &[u8]) -> Result<(), VideoError> {
        let (w, h) = (self.width as usize, self.height as usize);
        assert_eq!(rgb.len(), 3 * w * h, "one RGB frame");
        let yuv = YUVBuffer::from_rgb_source(RgbSliceU8::new(rgb, (w, h)));
        let stream = self
            .encoder
            .encode(&yuv)
            .map_err(|e| VideoError::Encoder(e.to_string()))?
            .to_vec();
        let units = nal_units(&stream);
        if self.writer.is_none() {
            let sps = units.iter().find(|u| u[0] & 0x1f == 7);
            let pps = units.iter().find(|u| u[0] & 0x1f == 8);
            let (Some(sps), Some(pps)) = (sps, pps) else {
                return Err(VideoError::Encoder(
                    "the first frame carries no SPS/PPS".into(),
                ));
            };
            let file = File::create(&self.path).map_err(|e| self.err(e))?;
            let config = mp4::Mp4Config {
                major_brand: "isom".parse().expect("four characters"),
                minor_version: 512,
                compatible_brands: ["isom", "iso2", "avc1", "mp41"]
                    .iter()
                    .map(|b| b.parse().expect("four characters"))
                    .collect(),
                timescale: 1000,
            };
            let mut writer = mp4::Mp4Writer::write_start(BufWriter::new(file), &config)
                .map_err(|e| self.err(e))?;
            writer
                .add_track(&mp4::TrackConfig {
                    track_type: mp4::TrackType::Video,
                    timescale: TIMESCALE,
                    language: "und".into(),
                    media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                        width: self.width as u16,
                        height: self.height as u16,
                        seq_param_set: sps.to_vec(),
                        pic_param_set: pps.to_vec(),
                    }),
                })
                .map_err(|e| self.err(e))?;
            self.writer = Some(writer);
        }
        // MP4 samples hold the picture's NAL units with 4-byte lengths (AVCC).
        let mut sample = Vec::with_capacity(stream.len());
        let mut sync = false;
        for u in units.iter().filter(|u| !matches!(u[0] & 0x1f, 7 | 8)) {
            sync |= u[0] & 0x1f == 5;
            sample.extend_from_slice(&(u.len() as u32).to_be_bytes());
            sample.extend_from_slice(u);
        }
        let duration = TIMESCALE / self.fps;
        let frame = mp4::Mp4Sample {
            start_time: self.frames * duration as u64,
            duration,
            rendering_offset: 0,
            is_sync: sync,
            bytes: sample.into(),
        };
        let writer = self.writer.as_mut().expect("created above");
        writer
            .write_sample(1, &frame)
            .map_err(|e| VideoError::Write {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        self.frames += 1;
        Ok(())
    }

    /// Writes the index; the file plays from now on. Returns the frames written.
    pub fn finish(mut self) -> Result<u64, VideoError> {
        if let Some(mut w) = self.writer.take() {
            w.write_end().map_err(|e| self.err(e))?;
            use std::io::Write;
            w.into_writer().flush().map_err(|e| self.err(e))?;
        }
        Ok(self.frames)
    }
}

/// An animated GIF (256 colours per frame, quantized by the `gif` crate's NeuQuant).
pub struct GifVideo {
    path: PathBuf,
    width: u16,
    height: u16,
    delay_cs: u16,
    encoder: gif::Encoder<BufWriter<File>>,
}

impl GifVideo {
    pub fn create(path: &Path, width: u32, height: u32, fps: u32) -> Result<Self, VideoError> {
        let err = |e: &dyn std::fmt::Display| VideoError::Write {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let file = File::create(path).map_err(|e| err(&e))?;
        let mut encoder = gif::Encoder::new(BufWriter::new(file), width as u16, height as u16, &[])
            .map_err(|e| err(&e))?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|e| err(&e))?;
        Ok(GifVideo {
            path: path.to_path_buf(),
            width: width as u16,
            height: height as u16,
            delay_cs: (100 / fps.max(1)).max(2) as u16,
            encoder,
        })
    }

    pub fn push(&mut self, rgb: &[u8]) -> Result<(), VideoError> {
        let mut frame = gif::Frame::from_rgb_speed(self.width, self.height, rgb, 10);
        frame.delay = self.delay_cs;
        self.encoder
            .write_frame(&frame)
            .map_err(|e| VideoError::Write {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nal_units_split_on_three_and_four_byte_start_codes() {
        let s = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5, 0,
        ];
        let u = nal_units(&s);
        assert_eq!(
            u,
            vec![&[0x67, 1, 2][..], &[0x68, 3][..], &[0x65, 4, 5, 0][..]]
        );
    }
}
