//! Who the visitor is: an Iranian national code, or, for a visitor without one, the foreign
//! nationals' identifier or a passport number with its issuing country (docs/identity.md).
//!
//! Iranians abroad (seed 000 §9-2) have a national code and identify with it. Foreign residents
//! do not: an agency may accept from them, per kiosk.toml (`[identity]`), the identifier that
//! the Ministry of the Interior issues to foreign nationals (شناسه / کد فراگیر اتباع خارجی,
//! also called the FIDA or «کد یکتا» code), or a passport number and the country that issued it.
//!
//! Rules, each with what it rests on:
//! - **Foreign nationals' identifier**: 12 digits, in one digit script, with spaces or dashes
//!   between them. Published descriptions give the length (a twelve-digit number) and nothing
//!   else: no check digit or structure is published, so length and character set are all that is
//!   checked. A mistyped digit is not caught here.
//! - **Passport number**: the document number of ICAO Doc 9303 (part 4, the TD3 machine-readable
//!   zone), at most 9 characters of `A`–`Z` and `0`–`9`. The MRZ's check digit is not part of
//!   the number the visitor reads from the data page, so it cannot be checked. Fewer than 6
//!   characters is refused as a slip: that lower bound is this kiosk's choice, not ICAO's.
//!   Lower-case letters are taken as capitals; spaces are dropped.
//! - **Issuing country**: ISO 3166-1 alpha-3 (the code printed in the passport's MRZ as the
//!   issuing state); alpha-2 is accepted as typed input and stored as alpha-3. The list
//!   (`data/countries.tsv`) is Debian's iso-codes 4.15.0 with its Persian names.
//!
//! Every identifier is shown, printed and logged masked, as the national code is (only the last
//! few characters visible): `Display` and `Debug` print the masked form.

use std::fmt;

use crate::digits::typed_digits;
use crate::national_code::{NationalCode, NationalCodeError, NationalCodePolicy};

/// Digits of a foreign nationals' identifier.
pub const FOREIGN_ID_LEN: usize = 12;
/// Fewest characters of a passport number the kiosk takes (its own choice; see the module doc).
pub const PASSPORT_MIN: usize = 6;
/// Most characters of a passport number (the ICAO 9303 document number field).
pub const PASSPORT_MAX: usize = 9;

/// Which kind of identifier a visitor gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// The Iranian national code (کد ملی).
    NationalCode,
    /// The foreign nationals' identifier (شناسه اتباع خارجی).
    ForeignId,
    /// A passport number with its issuing country.
    Passport,
}

impl IdentityKind {
    /// Every kind, in the order a visitor is offered them.
    pub const ALL: [IdentityKind; 3] = [Self::NationalCode, Self::ForeignId, Self::Passport];

    /// The stable spelling used in kiosk.toml, the store and the case payload.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NationalCode => "national_code",
            Self::ForeignId => "foreign_id",
            Self::Passport => "passport",
        }
    }

    /// Reads [`IdentityKind::as_str`]'s spelling.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind's name for a visitor, in Persian.
    pub fn name_fa(self) -> &'static str {
        match self {
            Self::NationalCode => "کد ملی",
            Self::ForeignId => "شناسه اتباع خارجی",
            Self::Passport => "شماره گذرنامه",
        }
    }

    /// The kind's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::NationalCode => "national code",
            Self::ForeignId => "foreign nationals' identifier",
            Self::Passport => "passport number",
        }
    }
}

impl fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which identifiers an agency accepts, from kiosk.toml's `[identity]`. The national code is
/// always accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdentityPolicy {
    /// The national code's own policy.
    pub national_code: NationalCodePolicy,
    /// Foreign nationals' identifiers are accepted.
    pub foreign_id: bool,
    /// Passport numbers with their country are accepted.
    pub passport: bool,
}

impl IdentityPolicy {
    /// Whether identifiers of `kind` are accepted.
    pub fn allows(&self, kind: IdentityKind) -> bool {
        match kind {
            IdentityKind::NationalCode => true,
            IdentityKind::ForeignId => self.foreign_id,
            IdentityKind::Passport => self.passport,
        }
    }

    /// The kinds for a visitor without a national code, in the order offered (empty: the
    /// agency accepts only national codes).
    pub fn other_kinds(&self) -> Vec<IdentityKind> {
        [IdentityKind::ForeignId, IdentityKind::Passport]
            .into_iter()
            .filter(|&k| self.allows(k))
            .collect()
    }
}

/// Why an identifier was refused. `Display` is the English reason for logs and the CLI;
/// [`IdentityError::message_fa`] the visitor's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The national code was refused.
    #[error(transparent)]
    NationalCode(#[from] NationalCodeError),
    /// This agency does not accept identifiers of this kind (kiosk.toml `[identity]`).
    #[error("this agency does not accept a {} ({kind})", kind.name_en())]
    NotAllowed {
        /// The kind refused.
        kind: IdentityKind,
    },
    /// Nothing was entered for the foreign nationals' identifier.
    #[error("foreign nationals' identifier is empty")]
    ForeignIdEmpty,
    /// A character that is not a digit (or a sign, or digits of two scripts).
    #[error(
        "foreign nationals' identifier has a character that is not a digit at position {position}"
    )]
    ForeignIdNotADigit {
        /// 1-based position in the input.
        position: usize,
    },
    /// Not twelve digits.
    #[error("foreign nationals' identifier has {digits} digits, 12 are needed")]
    ForeignIdLength {
        /// Digits found.
        digits: usize,
    },
    /// Nothing was entered for the passport number.
    #[error("passport number is empty")]
    PassportEmpty,
    /// A character other than A–Z and 0–9.
    #[error("passport number has a character other than A-Z and 0-9 at position {position}")]
    PassportCharacter {
        /// 1-based position in the input.
        position: usize,
    },
    /// Fewer than 6 or more than 9 characters.
    #[error("passport number has {chars} characters, 6 to 9 are needed")]
    PassportLength {
        /// Characters found (spaces not counted).
        chars: usize,
    },
    /// No country was entered.
    #[error("passport's issuing country is empty")]
    CountryEmpty,
    /// Not an ISO 3166-1 alpha-3 or alpha-2 code.
    #[error("passport's issuing country {code:?} is not an ISO 3166-1 code")]
    CountryUnknown {
        /// What was entered (capitalised, at most 8 characters kept).
        code: String,
    },
}

impl IdentityError {
    /// The message shown to the visitor, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::NationalCode(e) => e.message_fa(),
            Self::NotAllowed { kind } => match kind {
                IdentityKind::NationalCode => "این کیوسک کد ملی را نمی‌پذیرد.",
                IdentityKind::ForeignId => {
                    "این اداره شناسه اتباع خارجی را نمی‌پذیرد؛ لطفاً از کارکنان میز کمک بخواهید."
                }
                IdentityKind::Passport => {
                    "این اداره شماره گذرنامه را نمی‌پذیرد؛ لطفاً از کارکنان میز کمک بخواهید."
                }
            },
            Self::ForeignIdEmpty => "شناسه اتباع خارجی وارد نشده است.",
            Self::ForeignIdNotADigit { .. } => "شناسه اتباع خارجی فقط باید رقم داشته باشد.",
            Self::ForeignIdLength { .. } => {
                "شناسه اتباع خارجی دوازده رقم دارد؛ لطفاً رقم‌ها را دوباره بررسی کنید."
            }
            Self::PassportEmpty => "شماره گذرنامه وارد نشده است.",
            Self::PassportCharacter { .. } => {
                "شماره گذرنامه فقط حرف لاتین و رقم دارد، همان‌طور که در گذرنامه چاپ شده است."
            }
            Self::PassportLength { .. } => "شماره گذرنامه باید شش تا نه نویسه باشد.",
            Self::CountryEmpty => "کشور صادرکننده گذرنامه وارد نشده است.",
            Self::CountryUnknown { .. } => {
                "کد کشور شناخته نشد؛ کد سه‌حرفی کشور را همان‌طور که در گذرنامه آمده وارد کنید."
            }
        }
    }

    /// A stable snake_case name of the reason, for `--json` output and logs.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::NationalCode(e) => e.reason_code(),
            Self::NotAllowed { .. } => "kind_not_allowed",
            Self::ForeignIdEmpty => "foreign_id_empty",
            Self::ForeignIdNotADigit { .. } => "foreign_id_not_a_digit",
            Self::ForeignIdLength { .. } => "foreign_id_length",
            Self::PassportEmpty => "passport_empty",
            Self::PassportCharacter { .. } => "passport_character",
            Self::PassportLength { .. } => "passport_length",
            Self::CountryEmpty => "country_empty",
            Self::CountryUnknown { .. } => "country_unknown",
        }
    }
}

/// A foreign nationals' identifier: twelve ASCII digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ForeignId([u8; FOREIGN_ID_LEN]);

impl ForeignId {
    /// Parses what a visitor typed (any one digit script, separators between digits).
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let read = typed_digits(input, false).map_err(|e| {
            use crate::digits::TypedDigitsError as E;
            let position = match e {
                E::NotADigit { position }
                | E::Sign { position }
                | E::MixedDigitScripts { position, .. } => position,
            };
            IdentityError::ForeignIdNotADigit { position }
        })?;
        match read.digits.len() {
            0 => Err(IdentityError::ForeignIdEmpty),
            FOREIGN_ID_LEN => {
                let mut digits = [0u8; FOREIGN_ID_LEN];
                digits.copy_from_slice(&read.digits);
                Ok(Self(digits))
            }
            n => Err(IdentityError::ForeignIdLength { digits: n }),
        }
    }

    /// The twelve digits as ASCII text.
    pub fn as_string(&self) -> String {
        self.0.iter().map(|&d| char::from(b'0' + d)).collect()
    }

    /// All but the last four digits hidden: `********1234`.
    pub fn masked(&self) -> String {
        mask(&self.as_string(), 4)
    }
}

/// A passport number: 6–9 of `A`–`Z` and `0`–`9`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Parses what a visitor typed: letters are capitalised, Persian and Arabic-Indic digits
    /// read as ASCII, spaces dropped.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let mut out = String::new();
        for (index, c) in input.chars().enumerate() {
            if c == ' ' {
                continue;
            }
            let c = match crate::digits::digit_value(c) {
                Some(d) => char::from(b'0' + d),
                None => c.to_ascii_uppercase(),
            };
            if !c.is_ascii_uppercase() && !c.is_ascii_digit() {
                return Err(IdentityError::PassportCharacter {
                    position: index + 1,
                });
            }
            out.push(c);
        }
        match out.len() {
            0 => Err(IdentityError::PassportEmpty),
            n if !(PASSPORT_MIN..=PASSPORT_MAX).contains(&n) => {
                Err(IdentityError::PassportLength { chars: n })
            }
            _ => Ok(Self(out)),
        }
    }

    /// The number as normalized.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// All but the last three characters hidden: `******567`.
    pub fn masked(&self) -> String {
        mask(&self.0, 3)
    }
}

/// A country of ISO 3166-1, from the list in `data/countries.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    /// Alpha-3 code (`AFG`).
    pub alpha3: &'static str,
    /// Alpha-2 code (`AF`).
    pub alpha2: &'static str,
    /// English short name.
    pub name_en: &'static str,
    /// Persian name.
    pub name_fa: &'static str,
}

const COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");

/// Every country of the list, by alpha-3 code.
pub fn countries() -> impl Iterator<Item = Country> {
    COUNTRIES_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let mut f = line.split('\t');
            Some(Country {
                alpha3: f.next()?,
                alpha2: f.next()?,
                name_en: f.next()?,
                name_fa: f.next()?,
            })
        })
}

impl Country {
    /// Looks up an alpha-3 or alpha-2 code, in any case; spaces around it are dropped.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.is_empty() {
            return Err(IdentityError::CountryEmpty);
        }
        countries()
            .find(|c| match code.len() {
                3 => c.alpha3 == code,
                2 => c.alpha2 == code,
                _ => false,
            })
            .ok_or_else(|| IdentityError::CountryUnknown {
                code: code.chars().take(8).collect(),
            })
    }
}

/// A passport: its number and issuing country.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Passport {
    /// The document number.
    pub number: PassportNumber,
    /// The issuing country.
    pub country: Country,
}

/// The identifier a visitor gave.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum VisitorId {
    /// An Iranian national code.
    National(NationalCode),
    /// A foreign nationals' identifier.
    Foreign(ForeignId),
    /// A passport number with its issuing country.
    Passport(Passport),
}

impl From<NationalCode> for VisitorId {
    fn from(code: NationalCode) -> Self {
        Self::National(code)
    }
}

impl VisitorId {
    /// Parses an identifier of `kind` (`country` only for a passport), refusing a kind the
    /// policy does not allow before anything else.
    pub fn parse(
        kind: IdentityKind,
        input: &str,
        country: Option<&str>,
        policy: &IdentityPolicy,
    ) -> Result<Self, IdentityError> {
        if !policy.allows(kind) {
            return Err(IdentityError::NotAllowed { kind });
        }
        Ok(match kind {
            IdentityKind::NationalCode => {
                Self::National(NationalCode::parse(input, &policy.national_code)?)
            }
            IdentityKind::ForeignId => Self::Foreign(ForeignId::parse(input)?),
            IdentityKind::Passport => Self::Passport(Passport {
                number: PassportNumber::parse(input)?,
                country: Country::parse(country.unwrap_or(""))?,
            }),
        })
    }

    /// Which kind it is.
    pub fn kind(&self) -> IdentityKind {
        match self {
            Self::National(_) => IdentityKind::NationalCode,
            Self::Foreign(_) => IdentityKind::ForeignId,
            Self::Passport(_) => IdentityKind::Passport,
        }
    }

    /// The identifier in full (national code, twelve digits, or passport number), for the
    /// store and SAMAD only.
    pub fn value(&self) -> String {
        match self {
            Self::National(c) => c.as_string(),
            Self::Foreign(f) => f.as_string(),
            Self::Passport(p) => p.number.as_str().to_owned(),
        }
    }

    /// The identifier masked, for screens, receipts and logs (a passport's country follows
    /// its masked number: `******567 AFG`).
    pub fn masked(&self) -> String {
        match self {
            Self::National(c) => c.masked(),
            Self::Foreign(f) => f.masked(),
            Self::Passport(p) => format!("{} {}", p.number.masked(), p.country.alpha3),
        }
    }

    /// The passport's issuing country, when it is one.
    pub fn country(&self) -> Option<Country> {
        match self {
            Self::Passport(p) => Some(p.country),
            _ => None,
        }
    }

    /// The national code, when it is one.
    pub fn national_code(&self) -> Option<&NationalCode> {
        match self {
            Self::National(c) => Some(c),
            _ => None,
        }
    }
}

/// The visitor's identifier as a case payload carries it (contract 1.6.0, docs/identity.md):
/// `national_code` (ten digits) for an Iranian, else `national_code` null and `identity`
/// `{kind, value, country}`. Judged by the same rules, and the value must be in its normal
/// form (capitals, ASCII digits, no spaces), as a kiosk writes it; a payload with both or
/// neither is refused. `Err` is an English reason that never repeats the identifier.
pub fn from_payload(
    national_code: Option<&str>,
    identity: Option<(&str, &str, Option<&str>)>,
) -> Result<VisitorId, String> {
    let all = IdentityPolicy {
        national_code: NationalCodePolicy {
            accept_test_code: true,
        },
        foreign_id: true,
        passport: true,
    };
    let (kind, value, country) = match (national_code, identity) {
        (Some(_), Some(_)) => {
            return Err("a case carries national_code or identity, not both".into());
        }
        (None, None) => return Err("national_code or identity is required".into()),
        (Some(code), None) => (IdentityKind::NationalCode, code, None),
        (None, Some((kind, value, country))) => {
            let kind = IdentityKind::from_name(kind)
                .filter(|k| *k != IdentityKind::NationalCode)
                .ok_or("identity.kind must be foreign_id or passport")?;
            (kind, value, country)
        }
    };
    if kind != IdentityKind::Passport && country.is_some() {
        return Err("identity.country is only for a passport".into());
    }
    let visitor = VisitorId::parse(kind, value, country, &all)
        .map_err(|e| format!("{} is not valid ({})", kind.as_str(), e.reason_code()))?;
    let normal = visitor.value() == value
        && country.is_none_or(|c| visitor.country().is_some_and(|v| v.alpha3 == c));
    if !normal {
        return Err(format!(
            "{} is not in its normal form (ASCII digits, capitals, alpha-3 country)",
            kind.as_str()
        ));
    }
    Ok(visitor)
}

impl fmt::Display for VisitorId {
    /// The masked form: an identifier must never reach a log in clear by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for VisitorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VisitorId({}, {})", self.kind(), self.masked())
    }
}

impl fmt::Debug for ForeignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ForeignId({})", self.masked())
    }
}

impl fmt::Debug for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PassportNumber({})", self.masked())
    }
}

impl fmt::Debug for Passport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Passport({} {})",
            self.number.masked(),
            self.country.alpha3
        )
    }
}

/// `text` with all but its last `visible` characters as `*`.
fn mask(text: &str, visible: usize) -> String {
    let n = text.chars().count();
    let hidden = n.saturating_sub(visible);
    "*".repeat(hidden) + &text.chars().skip(hidden).collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: IdentityPolicy = IdentityPolicy {
        national_code: NationalCodePolicy {
            accept_test_code: false,
        },
        foreign_id: true,
        passport: true,
    };

    #[test]
    fn foreign_ids_are_judged_by_length_and_digits_only() {
        let table: &[(&str, Result<&str, &str>)] = &[
            ("123456789012", Ok("123456789012")),
            ("۱۲۳۴۵۶۷۸۹۰۱۲", Ok("123456789012")),
            ("1234 5678 9012", Ok("123456789012")),
            ("1234-5678-9012", Ok("123456789012")),
            ("", Err("foreign_id_empty")),
            ("   ", Err("foreign_id_empty")),
            ("12345678901", Err("foreign_id_length")),
            ("1234567890123", Err("foreign_id_length")),
            ("0499370899", Err("foreign_id_length")),
            ("12345678901A", Err("foreign_id_not_a_digit")),
            ("-123456789012", Err("foreign_id_not_a_digit")),
            ("۱۲۳۴۵۶789012", Err("foreign_id_not_a_digit")),
        ];
        for (input, want) in table {
            let got = ForeignId::parse(input);
            match (want, &got) {
                (Ok(digits), Ok(id)) => assert_eq!(&id.as_string(), digits, "{input:?}"),
                (Err(reason), Err(e)) => assert_eq!(e.reason_code(), *reason, "{input:?}"),
                _ => panic!("{input:?}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn passport_numbers_are_icao_characters_of_six_to_nine() {
        let table: &[(&str, Result<&str, &str>)] = &[
            ("P01234567", Ok("P01234567")),
            ("p0123456", Ok("P0123456")),
            ("AB 123 456", Ok("AB123456")),
            ("۱۲۳۴۵۶۷", Ok("1234567")),
            ("A12345", Ok("A12345")),
            ("", Err("passport_empty")),
            ("A1234", Err("passport_length")),
            ("A123456789", Err("passport_length")),
            ("A1234-567", Err("passport_character")),
            ("A12345<", Err("passport_character")),
            ("ب1234567", Err("passport_character")),
            ("É1234567", Err("passport_character")),
        ];
        for (input, want) in table {
            let got = PassportNumber::parse(input);
            match (want, &got) {
                (Ok(number), Ok(p)) => assert_eq!(p.as_str(), *number, "{input:?}"),
                (Err(reason), Err(e)) => assert_eq!(e.reason_code(), *reason, "{input:?}"),
                _ => panic!("{input:?}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn countries_are_iso_3166_alpha3_or_alpha2() {
        let table: &[(&str, Result<&str, &str>)] = &[
            ("AFG", Ok("AFG")),
            ("afg", Ok("AFG")),
            ("AF", Ok("AFG")),
            ("IRQ", Ok("IRQ")),
            (" pak ", Ok("PAK")),
            ("", Err("country_empty")),
            ("XXX", Err("country_unknown")),
            ("AFGH", Err("country_unknown")),
            ("A", Err("country_unknown")),
            // Not a country of the list: the EU and the UN issue documents, but are not in ISO
            // 3166-1.
            ("EUE", Err("country_unknown")),
        ];
        for (input, want) in table {
            let got = Country::parse(input);
            match (want, &got) {
                (Ok(alpha3), Ok(c)) => assert_eq!(c.alpha3, *alpha3, "{input:?}"),
                (Err(reason), Err(e)) => assert_eq!(e.reason_code(), *reason, "{input:?}"),
                _ => panic!("{input:?}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn the_country_list_is_whole_and_named_in_persian() {
        let all: Vec<Country> = countries().collect();
        assert_eq!(all.len(), 249);
        for c in &all {
            assert_eq!(c.alpha3.len(), 3, "{c:?}");
            assert_eq!(c.alpha2.len(), 2, "{c:?}");
            assert!(!c.name_fa.is_empty() && !c.name_en.is_empty(), "{c:?}");
            assert!(
                c.name_fa
                    .chars()
                    .any(|ch| ('\u{600}'..='\u{6ff}').contains(&ch)),
                "{c:?} has no Persian name"
            );
        }
        assert_eq!(Country::parse("AFG").unwrap().name_fa, "افغانستان");
    }

    #[test]
    fn kinds_not_allowed_are_refused_before_the_input_is_read() {
        let national_only = IdentityPolicy::default();
        for (kind, input, country) in [
            (IdentityKind::ForeignId, "123456789012", None),
            (IdentityKind::Passport, "P01234567", Some("AFG")),
            (IdentityKind::ForeignId, "bad", None),
        ] {
            let e = VisitorId::parse(kind, input, country, &national_only).unwrap_err();
            assert_eq!(e, IdentityError::NotAllowed { kind });
            assert!(e.message_fa().contains("نمی‌پذیرد"));
            assert!(e.to_string().contains("does not accept"));
        }
        assert!(national_only.other_kinds().is_empty());
        assert_eq!(
            BOTH.other_kinds(),
            [IdentityKind::ForeignId, IdentityKind::Passport]
        );
        let national = VisitorId::parse(
            IdentityKind::NationalCode,
            "0499370899",
            None,
            &national_only,
        )
        .unwrap();
        assert_eq!(national.kind(), IdentityKind::NationalCode);
        assert!(matches!(
            VisitorId::parse(IdentityKind::NationalCode, "0499370898", None, &BOTH),
            Err(IdentityError::NationalCode(_))
        ));
    }

    #[test]
    fn a_passport_needs_a_known_country() {
        let e = VisitorId::parse(IdentityKind::Passport, "P01234567", None, &BOTH).unwrap_err();
        assert_eq!(e.reason_code(), "country_empty");
        let e =
            VisitorId::parse(IdentityKind::Passport, "P01234567", Some("ZZZ"), &BOTH).unwrap_err();
        assert_eq!(e.reason_code(), "country_unknown");
        let ok = VisitorId::parse(IdentityKind::Passport, "P01234567", Some("af"), &BOTH).unwrap();
        assert_eq!(ok.country().map(|c| c.alpha3), Some("AFG"));
        assert_eq!(ok.value(), "P01234567");
    }

    #[test]
    fn identifiers_are_masked_everywhere_they_are_formatted() {
        let foreign =
            VisitorId::parse(IdentityKind::ForeignId, "123456789012", None, &BOTH).unwrap();
        let passport =
            VisitorId::parse(IdentityKind::Passport, "P01234567", Some("AFG"), &BOTH).unwrap();
        assert_eq!(foreign.masked(), "********9012");
        assert_eq!(passport.masked(), "******567 AFG");
        for (id, full) in [(&foreign, "123456789012"), (&passport, "P01234567")] {
            for shown in [
                id.to_string(),
                format!("{id:?}"),
                format!("{:?}", Some(id.clone())),
            ] {
                assert!(!shown.contains(full), "{shown} shows {full}");
                assert!(!shown.contains(&full[..6]), "{shown}");
            }
        }
        if let VisitorId::Passport(p) = &passport {
            assert!(!format!("{p:?}").contains("P01234"));
        }
    }

    #[test]
    fn every_refusal_has_a_persian_message_and_an_english_reason() {
        let errors = [
            IdentityError::NotAllowed {
                kind: IdentityKind::Passport,
            },
            IdentityError::ForeignIdEmpty,
            IdentityError::ForeignIdNotADigit { position: 3 },
            IdentityError::ForeignIdLength { digits: 11 },
            IdentityError::PassportEmpty,
            IdentityError::PassportCharacter { position: 2 },
            IdentityError::PassportLength { chars: 4 },
            IdentityError::CountryEmpty,
            IdentityError::CountryUnknown { code: "XXX".into() },
        ];
        let mut reasons = std::collections::HashSet::new();
        for e in errors {
            assert!(
                e.message_fa()
                    .chars()
                    .any(|c| ('\u{600}'..='\u{6ff}').contains(&c)),
                "{e:?}"
            );
            assert!(e.to_string().is_ascii(), "{e}");
            assert!(reasons.insert(e.reason_code()), "{e:?}");
        }
    }

    #[test]
    fn payload_identifiers_are_judged_and_must_be_in_normal_form() {
        type Row<'a> = (
            Option<&'a str>,
            Option<(&'a str, &'a str, Option<&'a str>)>,
            Result<&'a str, &'a str>,
        );
        let table: &[Row] = &[
            (Some("0499370899"), None, Ok("national_code")),
            (
                None,
                Some(("foreign_id", "123456789012", None)),
                Ok("foreign_id"),
            ),
            (
                None,
                Some(("passport", "P01234567", Some("AFG"))),
                Ok("passport"),
            ),
            (Some("0499370898"), None, Err("national_code is not valid")),
            (None, None, Err("is required")),
            (
                Some("0499370899"),
                Some(("foreign_id", "123456789012", None)),
                Err("not both"),
            ),
            (
                None,
                Some(("national_code", "0499370899", None)),
                Err("foreign_id or passport"),
            ),
            (
                None,
                Some(("fida", "123456789012", None)),
                Err("foreign_id or passport"),
            ),
            (
                None,
                Some(("foreign_id", "1234", None)),
                Err("foreign_id is not valid"),
            ),
            (
                None,
                Some(("foreign_id", "123456789012", Some("AFG"))),
                Err("only for a passport"),
            ),
            (
                None,
                Some(("passport", "p01234567", Some("AFG"))),
                Err("normal form"),
            ),
            (
                None,
                Some(("passport", "P01234567", Some("AF"))),
                Err("normal form"),
            ),
            (
                None,
                Some(("passport", "P01234567", Some("ZZZ"))),
                Err("passport is not valid"),
            ),
            (
                None,
                Some(("passport", "P01234567", None)),
                Err("passport is not valid"),
            ),
        ];
        for (national, identity, want) in table {
            let got = from_payload(*national, *identity);
            match (want, &got) {
                (Ok(kind), Ok(v)) => assert_eq!(v.kind().as_str(), *kind),
                (Err(why), Err(reason)) => {
                    assert!(reason.contains(why), "{reason}");
                    assert!(!reason.contains("0123456"), "{reason}");
                }
                _ => panic!("{national:?} {identity:?}: wanted {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn kind_spellings_round_trip() {
        for kind in IdentityKind::ALL {
            assert_eq!(IdentityKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(IdentityKind::from_name("fida"), None);
    }
}
