//! Annotations drawn on a rendered frame: title, time stamp, colour bar of the speed
//! with its unit, a scale bar, and the particle legend.

use super::plot::{ticks, Canvas};
use tiny_skia::{Pixmap, PremultipliedColorU8};

pub struct Annotation<'a> {
    pub title: &'a str,
    pub time_s: f64,
    /// Top of the speed colour scale [m/s].
    pub max_speed_m_s: f64,
    /// Output pixels per metre at the camera's target.
    pub pixels_per_m: f64,
    pub particles: bool,
}

/// The turbo colour map (as the shader), t in [0, 1].
fn turbo(t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let r = 0.13572138
        + t * (4.61539260
            + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
    let g = 0.09140261
        + t * (2.19418839
            + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
    let b = 0.10667330
        + t * (12.64194608
            + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
    [r, g, b].map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// The largest 1, 2 or 5 × 10^k not above `x`.
fn round_length(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|l| *l <= x * (1.0 + 1e-9))
        .unwrap_or(magnitude)
}

/// Draws the annotation onto `rgb` (`width`×`height` RGB8) in place.
pub fn annotate(rgb: &mut [u8], width: u32, height: u32, a: &Annotation) {
    let mut pixmap = Pixmap::new(width, height).expect("non-zero frame");
    for (p, c) in pixmap.pixels_mut().iter_mut().zip(rgb.chunks(3)) {
        *p = PremultipliedColorU8::from_rgba(c[0], c[1], c[2], 255).expect("opaque");
    }
    let mut c = Canvas::new(pixmap);
    let scale = (height as f32 / 720.0).max(0.5);
    let text = 15.0 * scale;
    let white = [235, 235, 235];
    c.text(
        a.title,
        16.0 * scale,
        28.0 * scale,
        18.0 * scale,
        white,
        false,
    );
    c.text(
        &format!("t = {:.4} s", a.time_s),
        16.0 * scale,
        52.0 * scale,
        text,
        white,
        false,
    );
    // Colour bar, right edge.
    let (bw, bh) = (18.0 * scale, 0.45 * height as f32);
    let bx = width as f32 - 90.0 * scale;
    let by = 0.5 * (height as f32 - bh);
    let steps = bh.max(1.0) as usize;
    for k in 0..steps {
        let t = 1.0 - k as f64 / steps as f64;
        c.rect(bx, by + k as f32, bw, 1.0, turbo(t));
    }
    let (tick_values, step) = ticks(0.0, a.max_speed_m_s, 4);
    for v in tick_values {
        let y = by + bh * (1.0 - (v / a.max_speed_m_s) as f32);
        c.line(
            &[(bx + bw, y), (bx + bw + 5.0 * scale, y)],
            white,
            1.0,
            false,
        );
        let label = super::plot::tick_label(v, step, a.max_speed_m_s);
        c.text(
            &label,
            bx + bw + 8.0 * scale,
            y + 5.0 * scale,
            13.0 * scale,
            white,
            false,
        );
    }
    c.text(
        "speed [m/s]",
        bx - 30.0 * scale,
        by - 10.0 * scale,
        text,
        white,
        false,
    );
    // Scale bar, bottom left: a round length near a fifth of the width.
    if a.pixels_per_m.is_finite() && a.pixels_per_m > 0.0 {
        let target_m = 0.2 * width as f64 / a.pixels_per_m;
        let length_m = round_length(target_m);
        let px = (length_m * a.pixels_per_m) as f32;
        let (x0, y0) = (16.0 * scale, height as f32 - 24.0 * scale);
        c.line(&[(x0, y0), (x0 + px, y0)], white, 3.0 * scale, false);
        c.line(
            &[(x0, y0 - 6.0 * scale), (x0, y0 + 6.0 * scale)],
            white,
            2.0,
            false,
        );
        c.line(
            &[(x0 + px, y0 - 6.0 * scale), (x0 + px, y0 + 6.0 * scale)],
            white,
            2.0,
            false,
        );
        let label = if length_m >= 1e-3 {
            format!("{} mm", (length_m * 1e3 * 1e6).round() / 1e6)
        } else {
            format!("{} µm", (length_m * 1e6).round())
        };
        c.text(
            &label,
            x0 + px + 10.0 * scale,
            y0 + 5.0 * scale,
            text,
            white,
            false,
        );
    }
    if a.particles {
        let x = 16.0 * scale;
        let mut y = 80.0 * scale;
        for (label, colour) in [
            ("free particle", [51, 217, 255]),
            ("lodged", [255, 219, 31]),
            ("stuck to the wall", [191, 191, 199]),
            ("occluded", [217, 20, 15]),
        ] {
            c.rect(x, y - 10.0 * scale, 12.0 * scale, 12.0 * scale, colour);
            c.text(label, x + 20.0 * scale, y, 13.0 * scale, white, false);
            y += 20.0 * scale;
        }
    }
    for (p, out) in c.pixmap.pixels().iter().zip(rgb.chunks_mut(3)) {
        out.copy_from_slice(&[p.red(), p.green(), p.blue()]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scale_bars_have_round_lengths() {
        assert_eq!(super::round_length(2.49e-3), 2e-3);
        assert_eq!(super::round_length(7.3e-4), 5e-4);
        assert_eq!(super::round_length(1.0e-2), 1e-2);
    }
}
