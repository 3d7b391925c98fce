//! No text cut off: a check of the window as laid out for the current view model, shared by
//! `ui/tests/` and `firmware/app/tests/ui_screens.rs` (included there by path).
//!
//! How it measures. Every text of the UI is a `FitText` (ui/ui/components/fit-text.slint), a
//! Slint `Text` that compares the room its glyphs need with the box the layout gave it: Slint
//! computes a text's preferred size by shaping it with the font the software renderer draws
//! with, at its font size, so a preferred height above the box's height means lines below its
//! bottom edge, a preferred width above the box's width (no wrap) a line cut or elided at its
//! edge, and a minimum width above the box's width (word wrap: the longest word) a word broken
//! out of it. The element says so in its accessible description, which this check reads with
//! Slint's testing backend (element queries). It then checks what the element cannot see
//! itself: that every text box lies inside the window, and that no text box reaches into a
//! button it does not belong to (a page that overflows runs under the bar of actions) or into
//! another text box beside it. Finally, every `Text` in the window must be a `FitText`, so no
//! text escapes the check.
//!
//! Scrolling lists. A `ScrollArea` (ui/ui/components/scroll-area.slint: the subject list, the
//! phrases, the timeline, long choice lists at large sizes) shows part of what it holds on
//! purpose; the rest is reached by dragging it, and the keypad's focus ring scrolls the focused
//! button fully into view. Inside one, texts and buttons are compared by the part of their box
//! the area shows (nothing, when they are scrolled out of it): their own check (glyphs against
//! their box) is unchanged, and what the area shows must still be inside the window and clear
//! of every other control.

#![allow(dead_code)]

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use kiosk_ui::KioskUi;

/// A box on screen: left, top, right, bottom.
pub type Rect = (f32, f32, f32, f32);

fn rect_of(e: &ElementHandle) -> Rect {
    let (p, s) = (e.absolute_position(), e.size());
    (p.x, p.y, p.x + s.width, p.y + s.height)
}

fn contains(outer: Rect, inner: Rect) -> bool {
    const SLACK: f32 = 1.0;
    inner.0 >= outer.0 - SLACK
        && inner.1 >= outer.1 - SLACK
        && inner.2 <= outer.2 + SLACK
        && inner.3 <= outer.3 + SLACK
}

fn intersect(a: Rect, b: Rect) -> bool {
    const SLACK: f32 = 1.0;
    a.0 + SLACK < b.2 && b.0 + SLACK < a.2 && a.1 + SLACK < b.3 && b.1 + SLACK < a.3
}

/// Clips a box to another; `None` when nothing of it is left.
fn clip(r: Rect, to: Rect) -> Option<Rect> {
    let c = (r.0.max(to.0), r.1.max(to.1), r.2.min(to.2), r.3.min(to.3));
    (c.2 > c.0 + 0.5 && c.3 > c.1 + 0.5).then_some(c)
}

/// The scrolling lists on the window now: each one's box and the elements it holds (label and
/// box as laid out in its scrolled content).
pub struct ScrollAreas(Vec<(Rect, Vec<(String, Rect)>)>);

impl ScrollAreas {
    /// Finds them.
    pub fn of(ui: &KioskUi) -> Self {
        let areas = ElementQuery::from_root(ui.component())
            .match_descendants()
            .match_type_name("ScrollArea")
            .find_all()
            .iter()
            .map(|area| {
                let held = area
                    .query_descendants()
                    .match_descendants()
                    .find_all()
                    .iter()
                    .map(|e| {
                        (
                            e.accessible_label().unwrap_or_default().to_string(),
                            rect_of(e),
                        )
                    })
                    .collect();
                (rect_of(area), held)
            })
            .collect();
        Self(areas)
    }

    /// What of this element (label, box) is on screen: all of it outside a scrolling list,
    /// the part its list shows inside one (`None`: scrolled out of view).
    pub fn visible(&self, label: &str, rect: Rect) -> Option<Rect> {
        let mut shown = Some(rect);
        for (area, held) in &self.0 {
            if held.iter().any(|(l, r)| l == label && *r == rect) {
                shown = shown.and_then(|s| clip(s, *area));
            }
        }
        shown
    }
}

/// One text as laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    /// What it says.
    pub text: String,
    /// Where.
    pub rect: Rect,
    /// Its own check: the text needs more room than its box.
    pub cut_off: bool,
}

/// Every text on the window now (ElementQuery visits a repeater's items inside a conditional
/// twice: the same text at the same place is one text).
pub fn texts(ui: &KioskUi) -> Vec<TextBox> {
    let mut out: Vec<TextBox> = Vec::new();
    for e in ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_type_name("FitText")
        .find_all()
    {
        let text = e.accessible_label().unwrap_or_default().to_string();
        let rect = rect_of(&e);
        let cut_off = e.accessible_description().unwrap_or_default() == "cut off";
        let b = TextBox {
            text,
            rect,
            cut_off,
        };
        if !b.text.is_empty() && !out.contains(&b) {
            out.push(b);
        }
    }
    out
}

/// What is wrong with the texts on the window now; `overlay`: the inactivity warning covers
/// the page on purpose (texts under it are not compared with it).
pub fn problems(ui: &KioskUi, window: (f32, f32), overlay: bool) -> Vec<String> {
    let mut found = Vec::new();
    let raw = ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_type_name("Text")
        .find_all();
    for e in raw {
        found.push(format!(
            "«{}» is a plain Text, not a FitText: it escapes the cut-off check",
            e.accessible_label().unwrap_or_default()
        ));
    }
    let areas = ScrollAreas::of(ui);
    let all = texts(ui);
    // Every text's own check, scrolled into view or not.
    for t in all.iter().filter(|t| t.cut_off) {
        found.push(format!(
            "«{}» is cut off: its box is {:.0}×{:.0} px at ({:.0}, {:.0})",
            t.text,
            t.rect.2 - t.rect.0,
            t.rect.3 - t.rect.1,
            t.rect.0,
            t.rect.1
        ));
    }
    // Where they are, as shown: clipped by their scrolling list, if any; scrolled out of
    // view, left out.
    let texts: Vec<TextBox> = all
        .into_iter()
        .filter_map(|t| {
            let rect = areas.visible(&t.text, t.rect)?;
            Some(TextBox { rect, ..t })
        })
        .collect();
    let mut buttons: Vec<Rect> = ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
        .iter()
        .filter_map(|b| areas.visible(&b.accessible_label().unwrap_or_default(), rect_of(b)))
        .filter(|r| r.2 > r.0 && r.3 > r.1)
        .collect();
    buttons.dedup();
    let screen = (0.0, 0.0, window.0, window.1);
    for (i, t) in texts.iter().enumerate() {
        if !contains(screen, t.rect) {
            found.push(format!(
                "«{}» lies outside the window: {:?}",
                t.text, t.rect
            ));
        }
        if overlay {
            continue;
        }
        for b in &buttons {
            if intersect(t.rect, *b) && !contains(*b, t.rect) {
                found.push(format!(
                    "«{}» at {:?} runs into a button at {b:?}",
                    t.text, t.rect
                ));
            }
        }
        for u in &texts[i + 1..] {
            if intersect(t.rect, u.rect) && !contains(t.rect, u.rect) && !contains(u.rect, t.rect) {
                found.push(format!(
                    "«{}» at {:?} overlaps «{}» at {:?}",
                    t.text, t.rect, u.text, u.rect
                ));
            }
        }
    }
    found
}
