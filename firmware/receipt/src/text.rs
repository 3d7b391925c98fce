//! Persian text: bidi, shaping, line breaking and drawing glyphs into the canvas.
//!
//! Each paragraph goes through `unicode-bidi` (levels, then visual runs per line), each run is
//! shaped by rustybuzz with its own direction (joining, lam-alef, ZWNJ, marks, kerning, mirrored
//! brackets), and the glyphs are drawn by id with ab_glyph's outlines, thresholded at half
//! coverage (no dithering: thermal dots are on or off). Line breaks come from
//! `unicode-linebreak` on the logical text, measured with the advances of the shaped runs; a word
//! wider than the line (a long URL) is cut between characters.
//!
//! Rasterised glyphs are cached by (face, glyph, size): a receipt uses a few dozen distinct
//! glyphs many times, and the cache is what keeps a whole receipt well under a millisecond.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use ab_glyph::{Font as _, GlyphId, point};
use unicode_bidi::{BidiInfo, Level};

use crate::canvas::Raster;
use crate::fonts::{Weight, face};

/// Which way a paragraph runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Persian text: right to left.
    Rtl,
    /// Codes and numbers read left to right (tracking code, masked numbers, URLs).
    Ltr,
}

/// Face and size of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Face.
    pub weight: Weight,
    /// Em size in dots.
    pub size: f32,
}

impl Style {
    /// A style.
    pub fn new(weight: Weight, size: f32) -> Self {
        Self { weight, size }
    }

    fn scale(&self) -> f32 {
        self.size / face(self.weight).units_per_em()
    }

    /// Distance from a line's top to its baseline.
    pub fn ascent(&self) -> i32 {
        (self.size * 0.95).round() as i32
    }

    /// Line pitch.
    pub fn line_height(&self) -> i32 {
        (self.size * 1.5).round() as i32
    }
}

/// A glyph placed on a line, x from the line's left edge, in dots.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    id: u16,
    x: f32,
    y: f32,
}

/// One laid-out line, glyphs in visual order.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    style: Style,
    glyphs: Vec<Placed>,
    /// Width in dots.
    pub width: f32,
}

/// A shaped glyph in a run: cluster is a byte offset in the run's text.
struct Shaped {
    id: u16,
    cluster: usize,
    advance: f32,
    x_offset: f32,
    y_offset: f32,
}

type PlanKey = (Weight, bool, rustybuzz::Script);

static PLANS: LazyLock<Mutex<HashMap<PlanKey, Arc<rustybuzz::ShapePlan>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Shape plans are slow to build (tens of microseconds) and depend only on face, direction and
/// script: build each once.
fn plan(
    weight: Weight,
    direction: rustybuzz::Direction,
    script: rustybuzz::Script,
) -> Arc<rustybuzz::ShapePlan> {
    let key = (
        weight,
        direction == rustybuzz::Direction::RightToLeft,
        script,
    );
    if let Some(p) = PLANS.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return p;
    }
    let p = Arc::new(rustybuzz::ShapePlan::new(
        &face(weight).shaper,
        direction,
        Some(script),
        None,
        &[],
    ));
    if let Ok(mut m) = PLANS.lock() {
        m.insert(key, Arc::clone(&p));
    }
    p
}

fn shape(text: &str, style: Style, rtl: bool) -> Vec<Shaped> {
    let f = face(style.weight);
    let scale = style.scale();
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let direction = if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    };
    buffer.set_direction(direction);
    let plan = plan(style.weight, direction, buffer.script());
    let out = rustybuzz::shape_with_plan(&f.shaper, &plan, buffer);
    out.glyph_infos()
        .iter()
        .zip(out.glyph_positions())
        .map(|(info, pos)| Shaped {
            id: info.glyph_id as u16,
            cluster: info.cluster as usize,
            advance: pos.x_advance as f32 * scale,
            x_offset: pos.x_offset as f32 * scale,
            y_offset: pos.y_offset as f32 * scale,
        })
        .collect()
}

/// Paragraph separators become spaces: a block is one bidi paragraph.
fn one_paragraph(text: &str) -> std::borrow::Cow<'_, str> {
    let separator =
        |c: char| matches!(c, '\n' | '\r' | '\u{1C}'..='\u{1E}' | '\u{85}' | '\u{2029}');
    if text.contains(separator) {
        text.replace(separator, " ").into()
    } else {
        text.into()
    }
}

fn base_level(direction: Direction) -> Level {
    match direction {
        Direction::Rtl => Level::rtl(),
        Direction::Ltr => Level::ltr(),
    }
}

/// Lays out one paragraph (no line breaks inside) into lines of at most `max_width` dots.
/// With `max_lines`, the last kept line ends with «…» when text was left out.
pub fn layout(
    text: &str,
    style: Style,
    direction: Direction,
    max_width: f32,
    max_lines: Option<usize>,
) -> Vec<Line> {
    let text = one_paragraph(text);
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let bidi = BidiInfo::new(text, Some(base_level(direction)));
    let Some(para) = bidi.paragraphs.first() else {
        return Vec::new();
    };
    // Advance of each byte offset (cluster start), measured on the logical level runs.
    let mut advance = vec![0f32; text.len() + 1];
    let levels = &bidi.levels;
    // The shaped level runs, reused for lines that are whole runs (most lines of a receipt).
    let mut measured: Vec<(std::ops::Range<usize>, Vec<Shaped>)> = Vec::new();
    let mut start = 0usize;
    while start < text.len() {
        let level = levels[start];
        let mut end = start;
        while end < text.len() && levels[end] == level {
            end += 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let glyphs = shape(&text[start..end], style, level.is_rtl());
        for g in &glyphs {
            advance[start + g.cluster] += g.advance;
        }
        measured.push((start..end, glyphs));
        start = end;
    }
    let width = |r: std::ops::Range<usize>| -> f32 { advance[r].iter().sum() };

    let mut breaks: Vec<usize> = unicode_linebreak::linebreaks(text)
        .map(|(i, _)| i)
        .collect();
    breaks.dedup();
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    let mut line_start = 0usize;
    let mut last_fit: Option<usize> = None;
    let mut i = 0usize;
    while i < breaks.len() {
        let b = breaks[i];
        let visible_end = line_start + text[line_start..b].trim_end().len();
        if width(line_start..visible_end) <= max_width {
            last_fit = Some(b);
            i += 1;
            continue;
        }
        if let Some(fit) = last_fit {
            ranges.push(line_start..fit);
            line_start = fit;
            last_fit = None;
            continue;
        }
        // One word wider than the line: cut it between characters.
        let mut cut = line_start;
        for (off, c) in text[line_start..visible_end].char_indices() {
            let next = line_start + off + c.len_utf8();
            if width(line_start..next) > max_width && cut > line_start {
                break;
            }
            cut = next;
        }
        ranges.push(line_start..cut);
        line_start = cut;
    }
    if line_start < text.len() {
        ranges.push(line_start..text.len());
    }

    let mut truncated = false;
    if let Some(max) = max_lines.filter(|&m| m > 0 && ranges.len() > m) {
        ranges.truncate(max);
        truncated = true;
    }
    let last = ranges.len().saturating_sub(1);
    ranges
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let end = r.start + text[r.clone()].trim_end().len();
            if truncated && n == last {
                // Re-lay the last line with an ellipsis, dropping words until it fits.
                let mut piece = text[r.start..end].to_owned();
                loop {
                    let candidate = format!("{}…", piece.trim_end());
                    let line = single_line(&candidate, style, direction);
                    if line.width <= max_width || piece.is_empty() {
                        return line;
                    }
                    match piece.trim_end().rfind(' ') {
                        Some(p) => piece.truncate(p),
                        None => {
                            piece.pop();
                        }
                    }
                }
            }
            visual_line(&bidi, para, text, r.start..end, style, &measured)
        })
        .collect()
}

/// Lays out `text` on one line whatever its width.
pub fn single_line(text: &str, style: Style, direction: Direction) -> Line {
    let text = one_paragraph(text);
    let text = text.trim();
    let bidi = BidiInfo::new(text, Some(base_level(direction)));
    match bidi.paragraphs.first() {
        Some(para) => visual_line(&bidi, para, text, 0..text.len(), style, &[]),
        None => Line {
            style,
            glyphs: Vec::new(),
            width: 0.0,
        },
    }
}

fn visual_line(
    bidi: &BidiInfo<'_>,
    para: &unicode_bidi::ParagraphInfo,
    text: &str,
    range: std::ops::Range<usize>,
    style: Style,
    shaped: &[(std::ops::Range<usize>, Vec<Shaped>)],
) -> Line {
    let mut glyphs = Vec::new();
    let mut x = 0f32;
    if range.is_empty() {
        return Line {
            style,
            glyphs,
            width: 0.0,
        };
    }
    let (levels, runs) = bidi.visual_runs(para, range);
    for run in runs {
        let rtl = levels[run.start].is_rtl();
        let reuse = shaped.iter().find(|(r, _)| *r == run).map(|(_, g)| g);
        let fresh;
        let run_glyphs = match reuse {
            Some(g) => g,
            None => {
                fresh = shape(&text[run], style, rtl);
                &fresh
            }
        };
        for g in run_glyphs {
            glyphs.push(Placed {
                id: g.id,
                x: x + g.x_offset,
                y: -g.y_offset,
            });
            x += g.advance;
        }
    }
    Line {
        style,
        glyphs,
        width: x,
    }
}

/// A glyph rasterised at one size: horizontal runs of printed dots `(dx0, dx1, dy)` relative
/// to the pen position on the baseline.
struct Bitmap {
    spans: Vec<(i32, i32, i32)>,
}

type Key = (Weight, u16, u32);

static CACHE: LazyLock<Mutex<HashMap<Key, Arc<Bitmap>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn bitmap(style: Style, id: u16) -> Option<Arc<Bitmap>> {
    let key = (style.weight, id, style.size.to_bits());
    if let Some(b) = CACHE.lock().ok()?.get(&key) {
        return Some(Arc::clone(b));
    }
    let f = &face(style.weight).outlines;
    let scale = f.pt_to_px_scale(style.size)?;
    let glyph = GlyphId(id).with_scale_and_position(scale, point(0.0, 0.0));
    let mut spans = Vec::new();
    if let Some(outlined) = f.outline_glyph(glyph) {
        let bounds = outlined.px_bounds();
        let width = bounds.width() as u32;
        let height = bounds.height() as u32;
        let mut dots = vec![false; (width * height) as usize];
        outlined.draw(|x, y, c| {
            if c >= 0.5
                && let Some(d) = dots.get_mut((y * width + x) as usize)
            {
                *d = true;
            }
        });
        let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
        for (y, row) in dots.chunks(width.max(1) as usize).enumerate() {
            let mut x = 0usize;
            while x < row.len() {
                if row[x] {
                    let start = x;
                    while x < row.len() && row[x] {
                        x += 1;
                    }
                    spans.push((left + start as i32, left + x as i32, top + y as i32));
                } else {
                    x += 1;
                }
            }
        }
    }
    let b = Bitmap { spans };
    let b = Arc::new(b);
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key, Arc::clone(&b));
    }
    Some(b)
}

impl Line {
    /// Draws the line with its left edge at `x` and its baseline at `baseline`.
    pub fn draw(&self, canvas: &mut Raster, x: i32, baseline: i32) {
        for g in &self.glyphs {
            let Some(b) = bitmap(self.style, g.id) else {
                continue;
            };
            let ox = x + g.x.round() as i32;
            let oy = baseline + g.y.round() as i32;
            for &(x0, x1, dy) in &b.spans {
                canvas.fill_span(ox + x0, ox + x1, oy + dy);
            }
        }
    }

    /// The style it was laid out in.
    pub fn style(&self) -> Style {
        self.style
    }

    /// The glyph ids in visual order (for tests).
    pub fn glyph_ids(&self) -> Vec<u16> {
        self.glyphs.iter().map(|g| g.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Style {
        Style::new(Weight::Medium, 24.0)
    }

    #[test]
    fn persian_joins_so_shaped_glyphs_differ_from_isolated_forms() {
        let joined = single_line("کیک", body(), Direction::Rtl);
        let apart = single_line("ک ی ک", body(), Direction::Rtl);
        assert_eq!(joined.glyph_ids().len(), 3);
        let joined_ids = joined.glyph_ids();
        let apart_ids: Vec<u16> = apart.glyph_ids().into_iter().step_by(2).collect();
        assert_ne!(joined_ids, apart_ids, "initial/medial/final forms expected");
        // Visual order: the first letter is rightmost, so the last glyph is the initial kaf.
        assert_ne!(joined_ids[0], joined_ids[2]);
    }

    #[test]
    fn lam_alef_is_a_ligature_and_zwnj_prevents_joining() {
        assert_eq!(
            single_line("لا", body(), Direction::Rtl).glyph_ids().len(),
            1
        );
        let with = single_line("می‌روم", body(), Direction::Rtl);
        let without = single_line("میروم", body(), Direction::Rtl);
        assert_ne!(with.glyph_ids(), without.glyph_ids());
    }

    #[test]
    fn long_paragraphs_wrap_within_width_and_keep_every_word() {
        let text = "این یک متن بلند فارسی است که باید در چند خط شکسته شود و شامل کلمات English و عدد ۱۲۳۴۵ و نشانی https://example.ir/a/very/long/path/that/does/not/fit/on/one/line است.";
        let lines = layout(text, body(), Direction::Rtl, 300.0, None);
        assert!(lines.len() >= 4, "{}", lines.len());
        for l in &lines {
            assert!(l.width <= 300.5, "line too wide: {}", l.width);
            assert!(l.width > 0.0);
        }
        let total: usize = lines.iter().map(|l| l.glyph_ids().len()).sum();
        let one = single_line(text, body(), Direction::Rtl).glyph_ids().len();
        // Only the spaces at the breaks are dropped.
        assert!(
            total + lines.len() >= one && total <= one,
            "{total} vs {one}"
        );
    }

    #[test]
    fn max_lines_ends_with_an_ellipsis() {
        let text = "کلمه ".repeat(80);
        let lines = layout(&text, body(), Direction::Rtl, 300.0, Some(2));
        assert_eq!(lines.len(), 2);
        let ellipsis = single_line("…", body(), Direction::Rtl).glyph_ids()[0];
        // RTL: the ellipsis is at the logical end, i.e. the visual left (first glyph).
        assert_eq!(lines[1].glyph_ids()[0], ellipsis);
        assert!(lines[1].width <= 300.5);
    }

    #[test]
    fn latin_inside_persian_keeps_its_order_and_sits_where_bidi_puts_it() {
        let latin = single_line("abc", body(), Direction::Ltr).glyph_ids();
        let persian = single_line("سلام", body(), Direction::Rtl).glyph_ids();
        // Logical «سلام abc» in a right-to-left paragraph: «abc» is visually leftmost.
        let mixed = single_line("سلام abc", body(), Direction::Rtl).glyph_ids();
        assert_eq!(&mixed[..3], &latin[..]);
        assert_eq!(&mixed[mixed.len() - persian.len()..], &persian[..]);
        // And «abc سلام» puts it visually rightmost.
        let mixed = single_line("abc سلام", body(), Direction::Rtl).glyph_ids();
        assert_eq!(&mixed[mixed.len() - 3..], &latin[..]);
    }

    #[test]
    fn paragraph_separators_do_not_split_the_bidi_paragraph() {
        let lines = layout("یک\nدو\u{2029}three", body(), Direction::Rtl, 400.0, None);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].glyph_ids(),
            single_line("یک دو three", body(), Direction::Rtl).glyph_ids()
        );
    }

    #[test]
    fn drawing_puts_ink_inside_the_line_box() {
        let line = single_line("سلام ۱۲۳", body(), Direction::Rtl);
        let mut r = Raster::new(200, 40);
        line.draw(&mut r, 10, 28);
        assert!(r.ink() > 100);
        let cols = r.ink_bytes(0..40).unwrap_or(0..0);
        assert!(cols.start >= 1 && cols.end <= (10 + line.width as usize) / 8 + 2);
    }
}
