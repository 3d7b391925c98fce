//! `[display]`: the touch panel the visitor UI draws on.
//!
//! Its resolution, how it is mounted (rotation) and its physical size in millimetres. The size
//! matters beyond layout: touch targets must be at least 9 mm *on this panel*, so the UI turns
//! millimetres into pixels with these figures. Defaults describe the 10.1" 1280×800 panel the
//! kiosk ships with (active area 217 × 136 mm).

use serde::Deserialize;

use crate::ConfigIssue;

/// Largest panel side accepted, in pixels (8K): anything bigger is a typo.
const MAX_PX: i64 = 7680;
/// Smallest panel side accepted, in pixels: the pages need at least this much.
const MIN_PX: i64 = 320;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDisplay {
    #[serde(default = "default_width_px")]
    pub width_px: i64,
    #[serde(default = "default_height_px")]
    pub height_px: i64,
    #[serde(default)]
    pub rotation: i64,
    #[serde(default = "default_width_mm")]
    pub width_mm: f64,
    #[serde(default = "default_height_mm")]
    pub height_mm: f64,
}

impl Default for RawDisplay {
    fn default() -> Self {
        Self {
            width_px: default_width_px(),
            height_px: default_height_px(),
            rotation: 0,
            width_mm: default_width_mm(),
            height_mm: default_height_mm(),
        }
    }
}

fn default_width_px() -> i64 {
    1280
}
fn default_height_px() -> i64 {
    800
}
fn default_width_mm() -> f64 {
    217.0
}
fn default_height_mm() -> f64 {
    136.0
}

/// How the panel is mounted, clockwise from its native orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rotation {
    /// As the panel scans out.
    #[default]
    Deg0,
    /// A quarter turn: a landscape panel mounted portrait.
    Deg90,
    /// Upside down.
    Deg180,
    /// Three quarters.
    Deg270,
}

impl Rotation {
    /// The angle in degrees (what `SLINT_KMS_ROTATION` takes).
    pub fn degrees(self) -> u16 {
        match self {
            Self::Deg0 => 0,
            Self::Deg90 => 90,
            Self::Deg180 => 180,
            Self::Deg270 => 270,
        }
    }

    /// Whether width and height trade places.
    pub fn is_quarter_turn(self) -> bool {
        matches!(self, Self::Deg90 | Self::Deg270)
    }
}

/// The checked `[display]` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisplaySettings {
    /// Native width of the panel, in pixels.
    pub width_px: u32,
    /// Native height of the panel, in pixels.
    pub height_px: u32,
    /// How the panel is mounted.
    pub rotation: Rotation,
    /// Width of the active area, in millimetres (native orientation).
    pub width_mm: f32,
    /// Height of the active area, in millimetres (native orientation).
    pub height_mm: f32,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        Self {
            width_px: 1280,
            height_px: 800,
            rotation: Rotation::Deg0,
            width_mm: 217.0,
            height_mm: 136.0,
        }
    }
}

impl DisplaySettings {
    /// Width and height in pixels as the visitor sees the screen (after rotation).
    pub fn logical_px(&self) -> (u32, u32) {
        if self.rotation.is_quarter_turn() {
            (self.height_px, self.width_px)
        } else {
            (self.width_px, self.height_px)
        }
    }

    /// Width and height in millimetres as the visitor sees the screen (after rotation).
    pub fn logical_mm(&self) -> (f32, f32) {
        if self.rotation.is_quarter_turn() {
            (self.height_mm, self.width_mm)
        } else {
            (self.width_mm, self.height_mm)
        }
    }
}

/// Checks `[display]`, adding one issue per bad key.
pub(crate) fn check(raw: &RawDisplay, issues: &mut Vec<ConfigIssue>) -> Option<DisplaySettings> {
    let mut add = |key: &str, reason: String| {
        issues.push(ConfigIssue {
            key: format!("display.{key}"),
            reason,
        })
    };
    let mut ok = true;
    let mut px = |key: &str, value: i64| -> u32 {
        if (MIN_PX..=MAX_PX).contains(&value) {
            value as u32
        } else {
            add(
                key,
                format!("must be {MIN_PX}..={MAX_PX} pixels, not {value}"),
            );
            ok = false;
            0
        }
    };
    let width_px = px("width_px", raw.width_px);
    let height_px = px("height_px", raw.height_px);
    let rotation = match raw.rotation {
        0 => Rotation::Deg0,
        90 => Rotation::Deg90,
        180 => Rotation::Deg180,
        270 => Rotation::Deg270,
        other => {
            add(
                "rotation",
                format!("must be 0, 90, 180 or 270 (degrees clockwise), not {other}"),
            );
            ok = false;
            Rotation::Deg0
        }
    };
    let mut mm = |key: &str, value: f64| -> f32 {
        // 40 mm (a 2" panel) to 2 m: outside that the figure is a typo or in the wrong unit.
        if value.is_finite() && (40.0..=2000.0).contains(&value) {
            value as f32
        } else {
            add(
                key,
                format!("must be the active area in millimetres, 40..=2000, not {value}"),
            );
            ok = false;
            0.0
        }
    };
    let width_mm = mm("width_mm", raw.width_mm);
    let height_mm = mm("height_mm", raw.height_mm);
    if !ok {
        return None;
    }
    // Pixels must be roughly square: a width/height pair in the wrong order or unit shows up as
    // pixels twice as wide as tall.
    let aspect = (width_mm / width_px as f32) / (height_mm / height_px as f32);
    if !(0.8..=1.25).contains(&aspect) {
        issues.push(ConfigIssue {
            key: "display.height_mm".to_owned(),
            reason: format!(
                "{width_px}×{height_px} px on {width_mm}×{height_mm} mm gives non-square pixels \
                 (ratio {aspect:.2}); are width and height swapped?"
            ),
        });
        return None;
    }
    Some(DisplaySettings {
        width_px,
        height_px,
        rotation,
        width_mm,
        height_mm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(raw: &RawDisplay) -> Vec<String> {
        let mut issues = Vec::new();
        let _ = check(raw, &mut issues);
        issues.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn defaults_are_the_ten_inch_panel() {
        let mut found = Vec::new();
        let d = check(&RawDisplay::default(), &mut found).expect("defaults are valid");
        assert!(found.is_empty());
        assert_eq!(d, DisplaySettings::default());
        assert_eq!(d.logical_px(), (1280, 800));
    }

    #[test]
    fn quarter_turns_swap_the_sides() {
        let raw = RawDisplay {
            rotation: 270,
            ..RawDisplay::default()
        };
        let d = check(&raw, &mut Vec::new()).expect("valid");
        assert_eq!(d.rotation.degrees(), 270);
        assert_eq!(d.logical_px(), (800, 1280));
        assert_eq!(d.logical_mm(), (136.0, 217.0));
    }

    #[test]
    fn every_bad_key_is_named() {
        let raw = RawDisplay {
            width_px: 0,
            height_px: 100_000,
            rotation: 45,
            width_mm: f64::NAN,
            height_mm: 5.0,
        };
        let found = issues(&raw);
        for key in ["width_px", "height_px", "rotation", "width_mm", "height_mm"] {
            assert!(
                found
                    .iter()
                    .any(|i| i.starts_with(&format!("display.{key}:"))),
                "{key} not named in {found:?}"
            );
        }
    }

    #[test]
    fn the_section_is_read_from_the_file_and_its_errors_name_the_key() {
        let base = "[kiosk]\nnumber = 7\nagency = \"الف\"\ndesk = \"ب\"\n";
        let ok = format!(
            "{base}[display]\nwidth_px = 800\nheight_px = 480\nwidth_mm = 154\nheight_mm = 86\nrotation = 180\n"
        );
        let config = crate::parse(&ok, std::path::Path::new("/nonexistent")).expect("valid");
        assert_eq!(config.display.rotation, Rotation::Deg180);
        assert_eq!(config.display.logical_px(), (800, 480));
        let example = crate::parse(crate::EXAMPLE, std::path::Path::new("/nonexistent"));
        assert_eq!(
            example.expect("example").display,
            DisplaySettings::default()
        );
        let bad = format!("{base}[display]\nrotation = 45\n");
        let err = crate::parse(&bad, std::path::Path::new("/nonexistent")).expect_err("45°");
        assert!(
            err.to_string()
                .contains("display.rotation: must be 0, 90, 180 or 270"),
            "{err}"
        );
        let unknown = format!("{base}[display]\ndpi = 96\n");
        let err = crate::parse(&unknown, std::path::Path::new("/nonexistent")).expect_err("dpi");
        assert!(err.to_string().contains("dpi"), "{err}");
    }

    #[test]
    fn swapped_millimetres_are_caught() {
        let raw = RawDisplay {
            width_mm: 136.0,
            height_mm: 217.0,
            ..RawDisplay::default()
        };
        let found = issues(&raw);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("swapped"), "{found:?}");
    }
}
