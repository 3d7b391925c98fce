//! Printer profiles: what the layout and the encoder need to know about a printer.
//!
//! Two presets cover the kiosks' printers: `58mm` (384 dots, 203 dpi, raster QR, which every
//! cheap 58 mm head prints) and `80mm` (576 dots, 203 dpi, native `GS ( k` QR Model 2). A
//! 180 dpi / 512 dot head (Epson TM-T88) is an `80mm` with `dots` and `dpi` changed. QR module
//! size is at least 4 dots and the level M or Q: 2–3 dot modules at L do not survive thermal
//! over-burn.

use std::fmt;
use std::str::FromStr;

/// How QR codes reach the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrMode {
    /// The printer draws them (`GS ( k`, Model 2): ~100 bytes instead of kilobytes of raster.
    Native,
    /// We draw them into the raster: works on printers without a QR engine.
    Raster,
}

/// QR error-correction level; only the two that survive thermal paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrLevel {
    /// ~15 % recovery.
    M,
    /// ~25 % recovery.
    Q,
}

/// Paper cut at the end of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// No cutter: the visitor tears the paper.
    None,
    /// Leave a hinge (`GS V 1`).
    Partial,
    /// Cut through (`GS V 0`).
    Full,
}

/// Why a profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Not 384, 512 or 576.
    #[error("dot width {0} is not one of 384, 512, 576")]
    Dots(u32),
    /// Outside 150..=300.
    #[error("{0} dpi is outside 150..=300")]
    Dpi(u32),
    /// Below 4 or above 16.
    #[error("QR module size {0} is outside 4..=16 dots (2–3 dots do not scan after printing)")]
    Module(u8),
    /// Unknown preset name.
    #[error("unknown printer profile {0:?}; expected 58mm or 80mm")]
    Unknown(String),
}

/// A printer profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Printable width in dots: 384 (58 mm), 512 (80 mm at 180 dpi), 576 (80 mm at 203 dpi).
    pub dots: u32,
    /// Head resolution; text sizes are scaled from 203 dpi.
    pub dpi: u32,
    /// Native or raster QR codes.
    pub qr_mode: QrMode,
    /// Dots per QR module, 4..=16.
    pub qr_module: u8,
    /// QR error correction.
    pub qr_level: QrLevel,
    /// Cut at the end.
    pub cut: Cut,
    /// Crop each raster band to its inked columns too and position it with `GS L` (left
    /// margin). Halves the bytes of short lines; turn off for a printer that ignores `GS L`
    /// for raster images.
    pub crop_columns: bool,
}

impl Profile {
    /// 58 mm paper, 384 dots at 203 dpi, QR drawn into the raster.
    pub const MM58: Profile = Profile {
        dots: 384,
        dpi: 203,
        qr_mode: QrMode::Raster,
        qr_module: 4,
        qr_level: QrLevel::M,
        cut: Cut::Partial,
        crop_columns: true,
    };

    /// 80 mm paper, 576 dots at 203 dpi, native QR codes.
    pub const MM80: Profile = Profile {
        dots: 576,
        dpi: 203,
        qr_mode: QrMode::Native,
        qr_module: 5,
        qr_level: QrLevel::M,
        cut: Cut::Partial,
        crop_columns: true,
    };

    /// Checks the numbers.
    pub fn validate(&self) -> Result<(), ProfileError> {
        if !matches!(self.dots, 384 | 512 | 576) {
            return Err(ProfileError::Dots(self.dots));
        }
        if !(150..=300).contains(&self.dpi) {
            return Err(ProfileError::Dpi(self.dpi));
        }
        if !(4..=16).contains(&self.qr_module) {
            return Err(ProfileError::Module(self.qr_module));
        }
        Ok(())
    }

    /// Dots for a length given at 203 dpi.
    pub fn scale(&self, dots_at_203: f32) -> f32 {
        dots_at_203 * self.dpi as f32 / 203.0
    }

    /// The preset's name, if it is one.
    pub fn name(&self) -> Option<&'static str> {
        if *self == Self::MM58 {
            Some("58mm")
        } else if *self == Self::MM80 {
            Some("80mm")
        } else {
            None
        }
    }
}

impl FromStr for Profile {
    type Err = ProfileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "58mm" | "58" => Ok(Self::MM58),
            "80mm" | "80" => Ok(Self::MM80),
            _ => Err(ProfileError::Unknown(s.to_owned())),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{} dots @ {} dpi", self.dots, self.dpi),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_parse_by_name() {
        assert_eq!("58mm".parse::<Profile>(), Ok(Profile::MM58));
        assert_eq!("80MM".parse::<Profile>(), Ok(Profile::MM80));
        assert_eq!(Profile::MM58.dots, 384);
        assert_eq!(Profile::MM80.dots, 576);
        assert_eq!(Profile::MM80.qr_mode, QrMode::Native);
        assert!(Profile::MM58.validate().is_ok() && Profile::MM80.validate().is_ok());
        assert!(matches!(
            "a4".parse::<Profile>(),
            Err(ProfileError::Unknown(_))
        ));
        assert_eq!(Profile::MM80.to_string(), "80mm");
    }

    #[test]
    fn bad_numbers_are_refused() {
        let p = Profile {
            dots: 400,
            ..Profile::MM58
        };
        assert_eq!(p.validate(), Err(ProfileError::Dots(400)));
        let p = Profile {
            qr_module: 3,
            ..Profile::MM80
        };
        assert_eq!(p.validate(), Err(ProfileError::Module(3)));
        let p = Profile {
            dpi: 90,
            ..Profile::MM80
        };
        assert_eq!(p.validate(), Err(ProfileError::Dpi(90)));
        let tm88 = Profile {
            dots: 512,
            dpi: 180,
            ..Profile::MM80
        };
        assert!(tm88.validate().is_ok());
        assert!(tm88.scale(203.0) < 181.0);
    }
}
