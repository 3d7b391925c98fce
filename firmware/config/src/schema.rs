//! The file's shape, as serde reads it. Unknown keys are refused (a misspelt key must not be
//! silently ignored on a device nobody watches); meaning is checked in `validate`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Which firmware personality runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Self-service visitor kiosk.
    #[default]
    Kiosk,
    /// Service-desk terminal for staff.
    Desk,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub mode: Mode,
    pub kiosk: RawKiosk,
    #[serde(default)]
    pub identity: RawIdentity,
    #[serde(default)]
    pub calendar: RawCalendar,
    #[serde(default)]
    pub response_days: BTreeMap<String, i64>,
    #[serde(default)]
    pub service_response_days: BTreeMap<String, i64>,
    #[serde(default)]
    pub next_visit: BTreeMap<String, String>,
    #[serde(default)]
    pub receipt: RawReceipt,
    #[serde(default)]
    pub subject: Vec<RawSubject>,
    #[serde(default)]
    pub display: crate::display::RawDisplay,
    #[serde(default)]
    pub printer: crate::devices::RawPrinter,
    #[serde(default)]
    pub scanner: crate::devices::RawScanner,
    #[serde(default)]
    pub card: crate::devices::RawCard,
    #[serde(default)]
    pub keypad: crate::devices::RawKeypad,
    #[serde(default)]
    pub speech: crate::devices::RawSpeech,
    #[serde(default)]
    pub headphones: crate::devices::RawHeadphones,
    #[serde(default)]
    pub indicators: crate::devices::RawIndicators,
    #[serde(default)]
    pub switches: crate::devices::RawSwitches,
    #[serde(default)]
    pub samad: Option<crate::samad::RawSamad>,
    #[serde(default)]
    pub privacy: crate::privacy::RawPrivacy,
    #[serde(default)]
    pub session: crate::session::RawSession,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubject {
    pub id: String,
    pub label_fa: String,
    #[serde(default)]
    pub label_en: String,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub service_id: Option<String>,
    #[serde(default)]
    pub guidance_fa: Option<String>,
    #[serde(default)]
    pub guidance_en: Option<String>,
    #[serde(default)]
    pub about_officials: bool,
    #[serde(default)]
    pub next_visit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKiosk {
    pub number: i64,
    pub agency: String,
    pub desk: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default = "default_data_dir")]
    pub data_dir: String,
    #[serde(default = "default_language")]
    pub language: String,
}

fn default_data_dir() -> String {
    "/var/lib/kiosk".to_owned()
}

fn default_language() -> String {
    "fa".to_owned()
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIdentity {
    #[serde(default)]
    pub accept_test_national_code: bool,
    /// Visitors without a national code may give the foreign nationals' identifier.
    #[serde(default)]
    pub foreign_id: bool,
    /// Visitors without a national code may give a passport number and its country.
    #[serde(default)]
    pub passport: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalendar {
    #[serde(default = "default_weekend")]
    pub weekend: Vec<String>,
    #[serde(default)]
    pub extra_holiday_files: Vec<String>,
    #[serde(default)]
    pub closures: Vec<RawClosure>,
}

impl Default for RawCalendar {
    fn default() -> Self {
        Self {
            weekend: default_weekend(),
            extra_holiday_files: Vec::new(),
            closures: Vec::new(),
        }
    }
}

fn default_weekend() -> Vec<String> {
    vec!["friday".to_owned()]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClosure {
    pub first: String,
    pub last: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReceipt {
    #[serde(default = "default_portal")]
    pub portal_url: String,
    #[serde(default = "default_phone")]
    pub phone: String,
    #[serde(default)]
    pub footer: String,
}

impl Default for RawReceipt {
    fn default() -> Self {
        Self {
            portal_url: default_portal(),
            phone: default_phone(),
            footer: String::new(),
        }
    }
}

fn default_portal() -> String {
    "https://saamad.ir".to_owned()
}

fn default_phone() -> String {
    "111".to_owned()
}
