//! Line charts as PNG: axes with round ticks, grid, labelled series and a legend,
//! anti-aliased (tiny-skia) with text from an embedded DejaVu Sans (ab_glyph), so
//! plots need no system fonts. (plotters needs fontconfig and system fonts for text,
//! which headless servers and CI machines often lack.)

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::path::Path;
use tiny_skia::{
    Color, LineCap, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Rect, Stroke, StrokeDash,
    Transform,
};

/// DejaVu Sans (Bitstream Vera license, assets/fonts/LICENSE-DejaVu.txt).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Matplotlib's tab10 colours: distinct, and readable by most colour-blind viewers.
pub const PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub colour: [u8; 3],
    pub dashed: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Mark every data point with a dot (for few, measured points).
    pub markers: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot write plot {path}: {message}")]
    Write { path: String, message: String },
}

/// Round tick positions covering `lo..hi`: steps of 1, 2 or 5 × 10^k, about `n` of them.
pub fn ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, f64) {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let raw = span / n.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    ((first..=last).map(|k| k as f64 * step).collect(), step)
}

/// A tick label: fixed decimals enough for `step`, or scientific for very small or
/// large values.
pub fn tick_label(v: f64, step: f64, largest: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e5).contains(&largest) {
        let exponent = largest.log10().floor() as i32;
        let digits = ((exponent as f64 - step.log10().floor()).max(0.0) as usize).min(6);
        return format!("{:.*}e{}", digits, v / 10f64.powi(exponent), exponent);
    }
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{v:.decimals$}")
}

/// A pixmap with text and line drawing (plots, frame overlays).
pub(crate) struct Canvas {
    pub(crate) pixmap: Pixmap,
    font: FontRef<'static>,
}

impl Canvas {
    pub(crate) fn new(pixmap: Pixmap) -> Self {
        Canvas {
            pixmap,
            font: FontRef::try_from_slice(FONT).expect("the embedded font parses"),
        }
    }

    pub(crate) fn text_width(&self, text: &str, size: f32) -> f32 {
        let f = self.font.as_scaled(PxScale::from(size));
        text.chars()
            .map(|c| f.h_advance(self.font.glyph_id(c)))
            .sum()
    }

    /// Draws `text` with its baseline start at (x, y); `rotated` runs it upwards.
    pub(crate) fn text(
        &mut self,
        text: &str,
        x: f32,
        y: f32,
        size: f32,
        colour: [u8; 3],
        rotated: bool,
    ) {
        let scale = PxScale::from(size);
        let scaled = self.font.as_scaled(scale);
        let mut pen = 0.0f32;
        let (w, h) = (self.pixmap.width() as i32, self.pixmap.height() as i32);
        for c in text.chars() {
            let id = self.font.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(pen, 0.0));
            pen += scaled.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let pixels = self.pixmap.pixels_mut();
            outline.draw(|gx, gy, coverage| {
                // Glyph pixel (along, across) relative to the pen's start.
                let along = bounds.min.x + gx as f32;
                let across = bounds.min.y + gy as f32;
                let (px, py) = if rotated {
                    (x + across, y - along)
                } else {
                    (x + along, y + across)
                };
                let (px, py) = (px.round() as i32, py.round() as i32);
                if px < 0 || py < 0 || px >= w || py >= h {
                    return;
                }
                let p = &mut pixels[(py * w + px) as usize];
                let a = coverage.clamp(0.0, 1.0);
                let blend = |bg: u8, fg: u8| (bg as f32 * (1.0 - a) + fg as f32 * a).round() as u8;
                *p = PremultipliedColorU8::from_rgba(
                    blend(p.red(), colour[0]),
                    blend(p.green(), colour[1]),
                    blend(p.blue(), colour[2]),
                    255,
                )
                .expect("opaque colour");
            });
        }
    }

    pub(crate) fn line(
        &mut self,
        points: &[(f32, f32)],
        colour: [u8; 3],
        width: f32,
        dashed: bool,
    ) {
        if points.len() < 2 {
            return;
        }
        let mut pb = PathBuilder::new();
        pb.move_to(points[0].0, points[0].1);
        for p in &points[1..] {
            pb.line_to(p.0, p.1);
        }
        let Some(path) = pb.finish() else { return };
        let mut paint = Paint::default();
        paint.set_color_rgba8(colour[0], colour[1], colour[2], 255);
        paint.anti_alias = true;
        let stroke = Stroke {
            width,
            line_cap: LineCap::Round,
            dash: if dashed {
                StrokeDash::new(vec![7.0, 5.0], 0.0)
            } else {
                None
            },
            ..Default::default()
        };
        self.pixmap
            .stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: [u8; 3]) {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            let mut paint = Paint::default();
            paint.set_color_rgba8(fill[0], fill[1], fill[2], 255);
            self.pixmap
                .fill_rect(r, &paint, Transform::identity(), None);
        }
    }
}

/// Renders `chart` to a `width`×`height` PNG at `path`.
pub fn write_png(chart: &Chart, width: u32, height: u32, path: &Path) -> Result<(), PlotError> {
    let pixmap = render(chart, width, height);
    pixmap.save_png(path).map_err(|e| PlotError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Renders `chart` into an RGBA pixmap.
pub fn render(chart: &Chart, width: u32, height: u32) -> Pixmap {
    let mut pixmap = Pixmap::new(width.max(200), height.max(150)).expect("non-zero size");
    pixmap.fill(Color::WHITE);
    let mut c = Canvas::new(pixmap);
    let (w, h) = (c.pixmap.width() as f32, c.pixmap.height() as f32);
    let (left, right, top, bottom) = (92.0, 24.0, 44.0, 58.0);
    let (pw, ph) = (w - left - right, h - top - bottom);

    let finite = |v: f64| v.is_finite();
    let all: Vec<(f64, f64)> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|p| finite(p.0) && finite(p.1))
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = all.iter().fold(
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN),
        |(a, b, c, d), p| (a.min(p.0), b.max(p.0), c.min(p.1), d.max(p.1)),
    );
    if all.is_empty() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        let pad = if y0 == 0.0 { 1.0 } else { 0.1 * y0.abs() };
        y0 -= pad;
        y1 += pad;
    } else {
        let pad = 0.05 * (y1 - y0);
        y0 -= pad;
        y1 += pad;
    }
    let sx = |x: f64| left + ((x - x0) / (x1 - x0)) as f32 * pw;
    let sy = |y: f64| top + ph - ((y - y0) / (y1 - y0)) as f32 * ph;

    // Grid and tick labels.
    let (xt, xstep) = ticks(x0, x1, 6);
    let (yt, ystep) = ticks(y0, y1, 6);
    let xmax = x0.abs().max(x1.abs());
    let ymax = y0.abs().max(y1.abs());
    for &x in &xt {
        c.line(
            &[(sx(x), top), (sx(x), top + ph)],
            [225, 225, 225],
            1.0,
            false,
        );
        let label = tick_label(x, xstep, xmax);
        let tw = c.text_width(&label, 13.0);
        c.text(
            &label,
            sx(x) - tw / 2.0,
            top + ph + 18.0,
            13.0,
            [40, 40, 40],
            false,
        );
    }
    for &y in &yt {
        c.line(
            &[(left, sy(y)), (left + pw, sy(y))],
            [225, 225, 225],
            1.0,
            false,
        );
        let label = tick_label(y, ystep, ymax);
        let tw = c.text_width(&label, 13.0);
        c.text(
            &label,
            left - tw - 6.0,
            sy(y) + 4.5,
            13.0,
            [40, 40, 40],
            false,
        );
    }
    // Frame.
    c.line(
        &[
            (left, top),
            (left + pw, top),
            (left + pw, top + ph),
            (left, top + ph),
            (left, top),
        ],
        [60, 60, 60],
        1.2,
        false,
    );
    // Series.
    for s in &chart.series {
        let pts: Vec<(f32, f32)> = s
            .points
            .iter()
            .filter(|p| finite(p.0) && finite(p.1))
            .map(|&(x, y)| (sx(x), sy(y)))
            .collect();
        c.line(&pts, s.colour, 2.0, s.dashed);
        if chart.markers {
            for &(x, y) in &pts {
                c.rect(x - 3.5, y - 3.5, 7.0, 7.0, s.colour);
            }
        }
    }
    // Titles.
    let tw = c.text_width(&chart.title, 17.0);
    c.text(&chart.title, (w - tw) / 2.0, 27.0, 17.0, [0, 0, 0], false);
    let tw = c.text_width(&chart.x_label, 14.0);
    c.text(
        &chart.x_label,
        left + (pw - tw) / 2.0,
        h - 14.0,
        14.0,
        [0, 0, 0],
        false,
    );
    let tw = c.text_width(&chart.y_label, 14.0);
    c.text(
        &chart.y_label,
        20.0,
        top + (ph + tw) / 2.0,
        14.0,
        [0, 0, 0],
        true,
    );
    // Legend, top right inside the frame.
    let labelled: Vec<&Series> = chart
        .series
        .iter()
        .filter(|s| !s.label.is_empty())
        .collect();
    if !labelled.is_empty() {
        let lw = labelled
            .iter()
            .map(|s| c.text_width(&s.label, 12.5))
            .fold(0.0f32, f32::max)
            + 44.0;
        let lh = 18.0 * labelled.len() as f32 + 8.0;
        let (lx, ly) = (left + pw - lw - 8.0, top + 8.0);
        c.rect(lx, ly, lw, lh, [250, 250, 250]);
        c.line(
            &[
                (lx, ly),
                (lx + lw, ly),
                (lx + lw, ly + lh),
                (lx, ly + lh),
                (lx, ly),
            ],
            [190, 190, 190],
            1.0,
            false,
        );
        for (k, s) in labelled.iter().enumerate() {
            let y = ly + 14.0 + 18.0 * k as f32;
            c.line(
                &[(lx + 6.0, y - 4.0), (lx + 32.0, y - 4.0)],
                s.colour,
                2.0,
                s.dashed,
            );
            c.text(&s.label, lx + 38.0, y + 0.5, 12.5, [20, 20, 20], false);
        }
    }
    c.pixmap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let (t, step) = ticks(0.0, 0.2, 6);
        assert_eq!(step, 0.05);
        assert_eq!(t.len(), 5);
        let (t, step) = ticks(-1.3e-7, 1.6e-7, 5);
        assert!((step - 1e-7).abs() < 1e-20, "{step}");
        assert_eq!(t.len(), 3);
        assert!(t.first().unwrap() >= &-1.3e-7 && t.last().unwrap() <= &1.6e-7);
        assert_eq!(tick_label(0.15, 0.05, 0.2), "0.15");
        assert_eq!(tick_label(1.5e-7, 5e-8, 1.6e-7), "1.5e-7");
        assert_eq!(tick_label(250.0, 50.0, 300.0), "250");
    }

    #[test]
    fn a_chart_draws_its_series_in_their_colours() {
        let chart = Chart {
            markers: false,
            title: "flow".into(),
            x_label: "time [s]".into(),
            y_label: "flow [m^3/s]".into(),
            series: vec![Series {
                label: "inlet".into(),
                points: (0..50)
                    .map(|i| (i as f64, (i as f64 * 0.2).sin()))
                    .collect(),
                colour: PALETTE[3],
                dashed: false,
            }],
        };
        let p = render(&chart, 640, 400);
        let red = p
            .pixels()
            .iter()
            .filter(|c| c.red() > 180 && c.green() < 80 && c.blue() < 80)
            .count();
        let dark = |y0: u32, y1: u32| {
            (y0 * 640..y1 * 640)
                .filter(|&i| p.pixels()[i as usize].red() < 100)
                .count()
        };
        assert!(red > 500, "the series is drawn ({red} red pixels)");
        assert!(dark(10, 32) > 50, "the title is drawn");
        assert!(dark(360, 400) > 50, "the x label and ticks are drawn");
    }
}
