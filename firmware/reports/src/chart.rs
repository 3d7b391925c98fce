//! Bar charts with plotters, as SVG (for the HTML page) and PNG.
//!
//! Text is measured and drawn with the repository's Vazirmatn (`ui/fonts`, SIL OFL 1.1, licence
//! beside it) through ab_glyph, so nothing depends on system fonts. The SVG keeps labels as
//! `<text>` in Vazirmatn, so the browser shapes and orders Persian correctly. Plotters' bitmap
//! path draws glyph by glyph without Arabic shaping or bidi, which would print Persian words as
//! isolated letters in reverse order: PNG charts therefore carry the English labels (with
//! ASCII digits) and the SVG charts the Persian ones.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::ReportError;

/// The font family name used in charts.
pub const FONT_FAMILY: &str = "Vazirmatn";
/// Vazirmatn Regular, shared with the UI (licence: `ui/fonts/OFL.txt`).
pub static FONT: &[u8] = include_bytes!("../../../ui/fonts/Vazirmatn-Regular.ttf");

static REGISTER: Once = Once::new();

fn register() {
    REGISTER.call_once(|| {
        if register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_err() {
            tracing_free_warning();
        }
    });
}

/// The bundled font is a fixed file; it failing to load is a build defect, reported on stderr
/// because this crate does not log.
fn tracing_free_warning() {
    eprintln!("kiosk-reports: the bundled Vazirmatn font could not be loaded");
}

/// A bar chart: one bar per label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bars {
    /// Title in Persian (SVG).
    pub title_fa: String,
    /// Title in English (PNG).
    pub title_en: String,
    /// Labels in Persian (SVG).
    pub labels_fa: Vec<String>,
    /// Labels in English (PNG).
    pub labels_en: Vec<String>,
    /// Values.
    pub values: Vec<u64>,
}

const SIZE: (u32, u32) = (760, 420);

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    labels: &[String],
    values: &[u64],
    number: &dyn Fn(u64) -> String,
) -> Result<(), String> {
    register();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let n = values.len().max(1);
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let top = max + max.div_ceil(5);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT_FAMILY, 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(230)
        .build_cartesian_2d(0u64..top, (0..n).into_segmented())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|v| number(*v))
        .label_style((FONT_FAMILY, 15))
        .draw()
        .map_err(|e| e.to_string())?;
    let color = RGBColor(0x1f, 0x6f, 0x8b);
    chart
        .draw_series(
            Histogram::horizontal(&chart)
                .style(color.filled())
                .margin(6)
                .data(values.iter().enumerate().map(|(i, &v)| (i, v))),
        )
        .map_err(|e| e.to_string())?;
    // The value at the end of each bar.
    chart
        .draw_series(values.iter().enumerate().map(|(i, &v)| {
            Text::new(
                number(v),
                (v, SegmentValue::CenterOf(i)),
                (FONT_FAMILY, 15).into_font(),
            )
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// The chart as SVG, with Persian labels and Persian digits.
pub fn svg(bars: &Bars) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(root, &bars.title_fa, &bars.labels_fa, &bars.values, &|v| {
            kiosk_core::digits::to_persian_digits(&v.to_string())
        })
        .map_err(ReportError::Chart)?;
    }
    Ok(out)
}

/// The chart as SVG with the English title and labels and ASCII digits (an English page's).
pub fn svg_en(bars: &Bars) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(root, &bars.title_en, &bars.labels_en, &bars.values, &|v| {
            v.to_string()
        })
        .map_err(ReportError::Chart)?;
    }
    Ok(out)
}

/// The chart as PNG (RGB, 8 bit), with English labels.
pub fn png(bars: &Bars) -> Result<Vec<u8>, ReportError> {
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(root, &bars.title_en, &bars.labels_en, &bars.values, &|v| {
            v.to_string()
        })
        .map_err(ReportError::Chart)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| ReportError::Chart(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| ReportError::Chart(e.to_string()))?;
    }
    Ok(out)
}
