//! What is on a receipt, independent of paper width and printer.
//!
//! The inputs are plain structs of domain types and strings ([`ReceiptCase`], [`GuidanceSlip`],
//! [`ServiceSlip`]); the output, [`ReceiptContent`], is a list of [`Block`]s of already-formatted
//! Persian text (Jalali dates, Persian digits, masked numbers) and QR payloads. Masking happens
//! here, from [`NationalCode`] and [`MobileNumber`], so a full national code cannot reach paper.
//! Every string from outside is cleaned ([`crate::sanitize`]) and capped in length.

use chrono::{DateTime, Utc};
use kiosk_core::digits::to_persian_digits;
use kiosk_core::jalali::tehran;
use kiosk_core::{
    CaseKind, DueDate, JalaliDate, MobileNumber, NationalCode, NextVisit, TrackingCode,
};

use crate::sanitize::clean;
use crate::text::Direction;

/// Longest agency, desk or subject name printed.
pub const MAX_NAME: usize = 120;
/// Longest description excerpt kept (it is also cut to [`DESCRIPTION_LINES`] lines).
pub const MAX_DESCRIPTION: usize = 400;
/// Most lines of the description a receipt may print (see [`ReceiptCase::description_lines`]).
pub const MAX_DESCRIPTION_LINES: usize = 3;
/// Longest QR payload accepted (a version-20 symbol at level Q holds ~480 bytes).
pub const MAX_QR_PAYLOAD: usize = 480;
/// Widest and tallest logo accepted, in dots.
pub const MAX_LOGO: (u32, u32) = (576, 200);

/// Why content could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// A logo of the wrong size or with the wrong number of bytes.
    #[error("logo {width}×{height} with {bytes} bytes: {reason}")]
    Logo {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
        /// Bytes given.
        bytes: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A URL meant for a QR code is empty, too long or not http(s).
    #[error("{field} {value:?} is not an http(s) URL of at most {MAX_QR_PAYLOAD} bytes")]
    Url {
        /// Which field.
        field: &'static str,
        /// What was given (a URL, never personal data).
        value: String,
    },
    /// A required text field is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
}

/// A 1-bit logo: rows packed MSB-first, `ceil(width / 8)` bytes per row, 1 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Logo {
    /// Checks the size (1..=576 × 1..=200 dots) and the byte count.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, ContentError> {
        let err = |reason| ContentError::Logo {
            width,
            height,
            bytes: data.len(),
            reason,
        };
        if width == 0 || height == 0 {
            return Err(err("empty"));
        }
        if width > MAX_LOGO.0 || height > MAX_LOGO.1 {
            return Err(err("larger than 576×200 dots"));
        }
        if data.len() != width.div_ceil(8) as usize * height as usize {
            return Err(err("byte count is not ceil(width/8)×height"));
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Width in dots.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in dots.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Whether dot (x, y) is black.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let stride = self.width.div_ceil(8) as usize;
        self.data[y as usize * stride + x as usize / 8] & (0x80 >> (x % 8)) != 0
    }
}

/// Which kind of slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The visitor's receipt of a registered case.
    Receipt,
    /// The same, printed again and marked «المثنی».
    Reprint,
    /// Out-of-scope subject: where to go, no case.
    Guidance,
    /// Staff: a service given at the desk.
    ServiceSlip,
}

impl Variant {
    /// All variants.
    pub const ALL: [Variant; 4] = [
        Variant::Receipt,
        Variant::Reprint,
        Variant::Guidance,
        Variant::ServiceSlip,
    ];

    /// File-name friendly name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Reprint => "reprint",
            Self::Guidance => "guidance",
            Self::ServiceSlip => "service",
        }
    }
}

/// One element of a receipt, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The agency's logo, centred (scaled down if wider than the paper).
    Logo(Logo),
    /// Bold, centred (agency name).
    Heading(String),
    /// Centred (desk name).
    Subheading(String),
    /// Bold, larger, centred (what this slip is).
    Title(String),
    /// Boxed, centred mark (the reprint's «المثنی»).
    Mark(String),
    /// A code printed large, left to right, centred, under a small label.
    Code {
        /// Label above it.
        label: String,
        /// The code as shown (grouped, Persian digits).
        code: String,
    },
    /// `label: value`, right-aligned; wraps under the label when long.
    Field {
        /// Label (Persian).
        label: String,
        /// Value.
        value: String,
        /// How the value runs (codes and numbers left to right).
        direction: Direction,
    },
    /// Wrapped, right-aligned paragraph, optionally cut to a number of lines with «…».
    Paragraph {
        /// Text.
        text: String,
        /// Most lines printed.
        max_lines: Option<usize>,
    },
    /// A QR code, centred, with a caption under it.
    Qr {
        /// What it encodes.
        payload: String,
        /// One line under it.
        caption: String,
    },
    /// A horizontal rule.
    Rule,
    /// Small centred text (footer).
    Small(String),
}

/// Everything printed on one slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptContent {
    /// Which slip.
    pub variant: Variant,
    /// Top to bottom.
    pub blocks: Vec<Block>,
}

impl ReceiptContent {
    /// The words of the slip, one line per block, top to bottom, as laid out (numbers as
    /// printed: personal ones masked; a QR by its caption): what a reviewer or a test reads
    /// without OCR.
    pub fn text_lines(&self) -> Vec<String> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Logo(_) | Block::Rule => None,
                Block::Heading(t)
                | Block::Subheading(t)
                | Block::Title(t)
                | Block::Mark(t)
                | Block::Small(t) => Some(t.clone()),
                Block::Code { label, code } => Some(format!("{label}: {code}")),
                Block::Field { label, value, .. } => Some(format!("{label}: {value}")),
                Block::Paragraph { text, .. } => Some(text.clone()),
                Block::Qr { caption, .. } => Some(caption.clone()),
            })
            .collect()
    }

    /// The QR payloads, top to bottom.
    pub fn qr_payloads(&self) -> Vec<&str> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Qr { payload, .. } => Some(payload.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A registered case, as the receipt needs it.
#[derive(Debug, Clone)]
pub struct ReceiptCase {
    /// Agency name (config).
    pub agency: String,
    /// Desk or office name (config).
    pub desk: String,
    /// Case kind.
    pub kind: CaseKind,
    /// Subject label from the catalogue.
    pub subject: String,
    /// The case's tracking code.
    pub tracking: TrackingCode,
    /// When the case was committed.
    pub registered_at: DateTime<Utc>,
    /// Announced response date, if the kind owes a later answer.
    pub due: Option<DueDate>,
    /// For a kind that owes no later answer: the next visit or the time of final service
    /// (docs/rules.md R-000-4.4), printed with its Jalali day and Persian digits.
    pub next_visit: Option<NextVisit>,
    /// A complaint about an official: where §10-3 sends it, as printed (e.g.
    /// `Escalation::summary_fa` of firmware/core/src/escalation.rs).
    pub escalation: Option<String>,
    /// The visitor's identifier: national code, foreign nationals' identifier or passport
    /// (printed masked, docs/identity.md); `None` for a reprint of a case whose personal data
    /// was purged (the line is left out).
    pub visitor: Option<kiosk_core::VisitorId>,
    /// The visitor's mobile number (printed masked).
    pub mobile: Option<MobileNumber>,
    /// What the visitor wrote.
    pub description: String,
    /// Lines of `description` printed as a reminder (0..=3, cut with «…»). The built-in sample
    /// prints none: a receipt left in the office bin should not carry a complaint's details,
    /// the subject already says what the case is about, and each line costs ~2 KB on the wire.
    pub description_lines: usize,
    /// Follow-up portal, e.g. `https://samad.example.ir` (config); the tracking QR is
    /// `{portal_url}/t/{code}`.
    pub portal_url: String,
    /// Phone number for follow-up (e.g. 111).
    pub phone: String,
    /// The signed satisfaction-code URL, if one was issued.
    pub satisfaction_url: Option<String>,
    /// Footer (config).
    pub footer: String,
    /// Optional logo (config).
    pub logo: Option<Logo>,
}

/// A receipt of a case another device of the office registered, printed again at a desk from
/// what the agency server gives (`kiosk_sync::wire::ReceiptCopy`): the national code and the
/// mobile number arrive masked, so the desk never holds them in clear, and are printed only if
/// they are masked as a receipt masks them (`******1234`, `0912***4567`). There is no
/// satisfaction code: only the issuing kiosk's key can sign one, and the slip says so.
#[derive(Debug, Clone)]
pub struct OfficeCopy {
    /// Agency name (the desk's config).
    pub agency: String,
    /// Desk or office name (the desk's config).
    pub desk: String,
    /// Case kind.
    pub kind: CaseKind,
    /// Subject label (the catalogue's, else its identifier).
    pub subject: String,
    /// The case's tracking code.
    pub tracking: TrackingCode,
    /// When the case was committed at its kiosk.
    pub registered_at: DateTime<Utc>,
    /// The announced response day, if one is owed.
    pub due: Option<JalaliDate>,
    /// The working days counted to it, if known.
    pub due_working_days: Option<u16>,
    /// The next visit or final-service day the kiosk announced (R-000-4.4), if one.
    pub next_visit: Option<NextVisit>,
    /// The kiosk that registered the case.
    pub issuing_kiosk: u32,
    /// The national code as the server masked it.
    pub national_code_masked: Option<String>,
    /// The mobile number as the server masked it.
    pub mobile_masked: Option<String>,
    /// Follow-up portal (config).
    pub portal_url: String,
    /// Phone number for follow-up (config).
    pub phone: String,
    /// Footer (config).
    pub footer: String,
    /// Optional logo (config).
    pub logo: Option<Logo>,
}

/// `text` if it is `before` digits, `stars` asterisks and `after` digits (a masked number),
/// else `None`: a number that is not masked never reaches paper.
fn masked(text: &str, before: usize, stars: usize, after: usize) -> Option<String> {
    let t = text.trim();
    let b = t.as_bytes();
    let ok = b.len() == before + stars + after
        && b[..before].iter().all(u8::is_ascii_digit)
        && b[before..before + stars].iter().all(|&c| c == b'*')
        && b[before + stars..].iter().all(u8::is_ascii_digit);
    ok.then(|| t.to_owned())
}

/// An out-of-scope subject: where the visitor should go instead.
#[derive(Debug, Clone)]
pub struct GuidanceSlip {
    /// Agency name (config).
    pub agency: String,
    /// Desk name (config).
    pub desk: String,
    /// What the visitor asked about.
    pub subject: String,
    /// The competent body.
    pub destination: String,
    /// Its address, hours, phone: free text.
    pub destination_details: String,
    /// Its website, printed and as a QR code, if known.
    pub destination_url: Option<String>,
    /// When the slip was printed.
    pub issued_at: DateTime<Utc>,
    /// Footer (config).
    pub footer: String,
    /// Optional logo.
    pub logo: Option<Logo>,
}

/// A service given at the desk, printed by staff for the visitor.
#[derive(Debug, Clone)]
pub struct ServiceSlip {
    /// Agency name (config).
    pub agency: String,
    /// Desk name (config).
    pub desk: String,
    /// The service given (catalogue label).
    pub service: String,
    /// The service identifier in the national catalogue, if any.
    pub service_id: Option<String>,
    /// Staff member's display name.
    pub staff_name: String,
    /// The employee code issued by the national organisation (opaque, printed as is).
    pub employee_code: Option<String>,
    /// The case it belongs to, if any.
    pub tracking: Option<TrackingCode>,
    /// When the service was registered.
    pub served_at: DateTime<Utc>,
    /// The signed satisfaction-code URL.
    pub satisfaction_url: Option<String>,
    /// Footer (config).
    pub footer: String,
    /// Optional logo.
    pub logo: Option<Logo>,
}

/// `۱۵ فروردین ۱۴۰۴، ساعت ۱۰:۳۰` in Tehran time.
pub fn date_time_fa(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tehran());
    format!(
        "{}، ساعت {}",
        JalaliDate::at(at).format_fa(),
        to_persian_digits(&local.format("%H:%M").to_string())
    )
}

fn url(field: &'static str, value: &str) -> Result<String, ContentError> {
    let v = value.trim();
    let ok = (v.starts_with("https://") || v.starts_with("http://"))
        && v.len() <= MAX_QR_PAYLOAD
        && v.len() > 8
        && v.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(v.to_owned())
    } else {
        Err(ContentError::Url {
            field,
            value: value.chars().take(80).collect(),
        })
    }
}

fn required(field: &'static str, value: &str, max: usize) -> Result<String, ContentError> {
    let v = clean(value, max);
    if v.is_empty() {
        Err(ContentError::Empty(field))
    } else {
        Ok(v)
    }
}

/// The tracking QR payload: `{portal}/t/{16 digits}`.
pub fn tracking_url(portal_url: &str, code: &TrackingCode) -> String {
    format!(
        "{}/t/{}",
        portal_url.trim().trim_end_matches('/'),
        code.as_string()
    )
}

fn header(
    blocks: &mut Vec<Block>,
    logo: &Option<Logo>,
    agency: &str,
    desk: &str,
) -> Result<(), ContentError> {
    if let Some(logo) = logo {
        blocks.push(Block::Logo(logo.clone()));
    }
    blocks.push(Block::Heading(required("agency", agency, MAX_NAME)?));
    let desk = clean(desk, MAX_NAME);
    if !desk.is_empty() {
        blocks.push(Block::Subheading(desk));
    }
    blocks.push(Block::Rule);
    Ok(())
}

fn footer(blocks: &mut Vec<Block>, text: &str) {
    let text = clean(text, MAX_NAME * 2);
    if !text.is_empty() {
        blocks.push(Block::Rule);
        blocks.push(Block::Small(text));
    }
}

fn satisfaction(
    blocks: &mut Vec<Block>,
    satisfaction_url: &Option<String>,
) -> Result<(), ContentError> {
    if let Some(s) = satisfaction_url {
        blocks.push(Block::Rule);
        blocks.push(Block::Qr {
            payload: url("satisfaction_url", s)?,
            caption: "نظرسنجی این خدمت: با گوشی اسکن کنید".to_owned(),
        });
    }
    Ok(())
}

fn field(label: &str, value: String, direction: Direction) -> Block {
    Block::Field {
        label: label.to_owned(),
        value,
        direction,
    }
}

impl ReceiptContent {
    /// The visitor's receipt of a registered case.
    pub fn receipt(case: &ReceiptCase) -> Result<Self, ContentError> {
        Self::case_slip(case, None)
    }

    /// The receipt printed again at `reprinted_at`, marked «المثنی».
    pub fn reprint(case: &ReceiptCase, reprinted_at: DateTime<Utc>) -> Result<Self, ContentError> {
        Self::case_slip(case, Some(reprinted_at))
    }

    fn case_slip(case: &ReceiptCase, reprint: Option<DateTime<Utc>>) -> Result<Self, ContentError> {
        let mut blocks = Vec::new();
        header(&mut blocks, &case.logo, &case.agency, &case.desk)?;
        if let Some(at) = reprint {
            blocks.push(Block::Mark("المثنی — رونوشت رسید".to_owned()));
            blocks.push(Block::Small(format!("چاپ دوباره: {}", date_time_fa(at))));
        }
        blocks.push(Block::Title(format!("رسید ثبت {}", case.kind.label_fa())));
        blocks.push(Block::Code {
            label: "کد رهگیری".to_owned(),
            code: case.tracking.grouped_fa(),
        });
        blocks.push(field(
            "موضوع",
            required("subject", &case.subject, MAX_NAME)?,
            Direction::Rtl,
        ));
        blocks.push(field(
            "زمان ثبت",
            date_time_fa(case.registered_at),
            Direction::Rtl,
        ));
        if let Some(due) = &case.due {
            blocks.push(field(
                "مهلت پاسخ",
                format!(
                    "{} ({} روز کاری)",
                    due.jalali.format_fa(),
                    to_persian_digits(&due.working_days.to_string())
                ),
                Direction::Rtl,
            ));
        }
        if let Some(visit) = &case.next_visit {
            blocks.push(field(visit.label_fa(), visit.value_fa(), Direction::Rtl));
        }
        if let Some(escalation) = &case.escalation {
            blocks.push(Block::Paragraph {
                text: clean(escalation, MAX_DESCRIPTION),
                max_lines: None,
            });
        }
        if let Some(visitor) = &case.visitor {
            let (label, masked) = identity_line(visitor);
            blocks.push(field(label, to_persian_digits(&masked), Direction::Ltr));
        }
        if let Some(m) = &case.mobile {
            blocks.push(field(
                "تلفن همراه",
                to_persian_digits(&m.masked()),
                Direction::Ltr,
            ));
        }
        let description = clean(&case.description, MAX_DESCRIPTION);
        let lines = case.description_lines.min(MAX_DESCRIPTION_LINES);
        if !description.is_empty() && lines > 0 {
            blocks.push(Block::Paragraph {
                text: format!("شرح: {description}"),
                max_lines: Some(lines),
            });
        }
        blocks.push(Block::Rule);
        let portal = url("portal_url", &case.portal_url)?;
        let phone = to_persian_digits(&clean(&case.phone, 20));
        let host = portal
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        blocks.push(Block::Qr {
            payload: tracking_url(&portal, &case.tracking),
            caption: format!("پیگیری: این کد، {host} یا تلفن {phone}"),
        });
        satisfaction(&mut blocks, &case.satisfaction_url)?;
        footer(&mut blocks, &case.footer);
        Ok(Self {
            variant: if reprint.is_some() {
                Variant::Reprint
            } else {
                Variant::Receipt
            },
            blocks,
        })
    }

    /// A copy of another device's receipt, printed at a desk at `reprinted_at` from the agency
    /// server's data ([`OfficeCopy`]): marked «المثنی» like a reprint, naming the kiosk that
    /// registered the case, without a satisfaction code (the slip says only that kiosk's key
    /// can sign one).
    pub fn office_copy(
        copy: &OfficeCopy,
        reprinted_at: DateTime<Utc>,
    ) -> Result<Self, ContentError> {
        let mut blocks = Vec::new();
        header(&mut blocks, &copy.logo, &copy.agency, &copy.desk)?;
        blocks.push(Block::Mark("المثنی — رونوشت رسید".to_owned()));
        blocks.push(Block::Small(format!(
            "چاپ دوباره: {}",
            date_time_fa(reprinted_at)
        )));
        blocks.push(Block::Title(format!("رسید ثبت {}", copy.kind.label_fa())));
        blocks.push(Block::Code {
            label: "کد رهگیری".to_owned(),
            code: copy.tracking.grouped_fa(),
        });
        blocks.push(field(
            "موضوع",
            required("subject", &copy.subject, MAX_NAME)?,
            Direction::Rtl,
        ));
        blocks.push(field(
            "زمان ثبت",
            date_time_fa(copy.registered_at),
            Direction::Rtl,
        ));
        blocks.push(field(
            "محل ثبت",
            format!(
                "کیوسک {}",
                to_persian_digits(&copy.issuing_kiosk.to_string())
            ),
            Direction::Rtl,
        ));
        if let Some(due) = copy.due {
            let value = match copy.due_working_days {
                Some(days) => format!(
                    "{} ({} روز کاری)",
                    due.format_fa(),
                    to_persian_digits(&days.to_string())
                ),
                None => due.format_fa(),
            };
            blocks.push(field("مهلت پاسخ", value, Direction::Rtl));
        }
        if let Some(visit) = &copy.next_visit {
            blocks.push(field(visit.label_fa(), visit.value_fa(), Direction::Rtl));
        }
        if let Some(code) = copy
            .national_code_masked
            .as_deref()
            .and_then(|c| masked(c, 0, 6, 4))
        {
            blocks.push(field("کد ملی", to_persian_digits(&code), Direction::Ltr));
        }
        if let Some(mobile) = copy
            .mobile_masked
            .as_deref()
            .and_then(|m| masked(m, 4, 3, 4))
        {
            blocks.push(field(
                "تلفن همراه",
                to_persian_digits(&mobile),
                Direction::Ltr,
            ));
        }
        blocks.push(Block::Rule);
        let portal = url("portal_url", &copy.portal_url)?;
        let phone = to_persian_digits(&clean(&copy.phone, 20));
        let host = portal
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        blocks.push(Block::Qr {
            payload: tracking_url(&portal, &copy.tracking),
            caption: format!("پیگیری: این کد، {host} یا تلفن {phone}"),
        });
        blocks.push(Block::Small(
            "این رونوشت کد نظرسنجی ندارد: آن کد را فقط کیوسک ثبت‌کننده امضا می‌کند.".to_owned(),
        ));
        footer(&mut blocks, &copy.footer);
        Ok(Self {
            variant: Variant::Reprint,
            blocks,
        })
    }

    /// A guidance slip: the subject is not handled here, this is where to go.
    pub fn guidance(slip: &GuidanceSlip) -> Result<Self, ContentError> {
        let mut blocks = Vec::new();
        header(&mut blocks, &slip.logo, &slip.agency, &slip.desk)?;
        blocks.push(Block::Title("برگه‌ی راهنمایی".to_owned()));
        blocks.push(field(
            "موضوع",
            required("subject", &slip.subject, MAX_NAME)?,
            Direction::Rtl,
        ));
        blocks.push(Block::Paragraph {
            text: "رسیدگی به این موضوع در حوزه‌ی این دستگاه نیست و پرونده‌ای ثبت نشد. لطفاً به مرجع زیر مراجعه کنید:".to_owned(),
            max_lines: None,
        });
        blocks.push(Block::Heading(required(
            "destination",
            &slip.destination,
            MAX_NAME,
        )?));
        let details = clean(&slip.destination_details, MAX_DESCRIPTION);
        if !details.is_empty() {
            blocks.push(Block::Paragraph {
                text: details,
                max_lines: Some(6),
            });
        }
        if let Some(u) = &slip.destination_url {
            blocks.push(Block::Qr {
                payload: url("destination_url", u)?,
                caption: "نشانی اینترنتی مرجع".to_owned(),
            });
        }
        blocks.push(field("زمان", date_time_fa(slip.issued_at), Direction::Rtl));
        footer(&mut blocks, &slip.footer);
        Ok(Self {
            variant: Variant::Guidance,
            blocks,
        })
    }

    /// A staff service slip.
    pub fn service_slip(slip: &ServiceSlip) -> Result<Self, ContentError> {
        let mut blocks = Vec::new();
        header(&mut blocks, &slip.logo, &slip.agency, &slip.desk)?;
        blocks.push(Block::Title("برگه‌ی ثبت خدمت".to_owned()));
        blocks.push(field(
            "خدمت",
            required("service", &slip.service, MAX_NAME)?,
            Direction::Rtl,
        ));
        if let Some(id) = &slip.service_id {
            let id = clean(id, 40);
            if !id.is_empty() {
                blocks.push(field("شناسه‌ی خدمت", to_persian_digits(&id), Direction::Ltr));
            }
        }
        blocks.push(field(
            "کارمند",
            required("staff_name", &slip.staff_name, MAX_NAME)?,
            Direction::Rtl,
        ));
        if let Some(code) = &slip.employee_code {
            let code = clean(code, 40);
            if !code.is_empty() {
                blocks.push(field("کد کارمندی", code, Direction::Ltr));
            }
        }
        if let Some(t) = &slip.tracking {
            blocks.push(field("کد رهگیری", t.grouped_fa(), Direction::Ltr));
        }
        blocks.push(field("زمان", date_time_fa(slip.served_at), Direction::Rtl));
        satisfaction(&mut blocks, &slip.satisfaction_url)?;
        footer(&mut blocks, &slip.footer);
        Ok(Self {
            variant: Variant::ServiceSlip,
            blocks,
        })
    }
}

/// The label and masked value of the visitor's identifier line (docs/identity.md).
fn identity_line(visitor: &kiosk_core::VisitorId) -> (&'static str, String) {
    use kiosk_core::VisitorId;
    match visitor {
        VisitorId::National(code) => ("کد ملی", NationalCode::masked(code)),
        VisitorId::Foreign(_) => ("شناسه اتباع خارجی", visitor.masked()),
        VisitorId::Passport(_) => ("شماره گذرنامه", visitor.masked()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{sample_case, sample_time};

    fn all_text(content: &ReceiptContent) -> String {
        content
            .blocks
            .iter()
            .map(|b| match b {
                Block::Logo(_) | Block::Rule => String::new(),
                Block::Heading(t) | Block::Subheading(t) | Block::Title(t) | Block::Mark(t) => {
                    t.clone()
                }
                Block::Small(t) => t.clone(),
                Block::Code { label, code } => format!("{label} {code}"),
                Block::Field { label, value, .. } => format!("{label} {value}"),
                Block::Paragraph { text, .. } => text.clone(),
                Block::Qr { payload, caption } => format!("{payload} {caption}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_reprint_of_a_purged_case_leaves_the_national_code_line_out() {
        let mut case = sample_case();
        case.visitor = None;
        case.mobile = None;
        let text = all_text(&ReceiptContent::reprint(&case, sample_time()).unwrap());
        assert!(!text.contains("کد ملی"), "{text}");
        assert!(text.contains("المثنی"), "still a reprint: {text}");
    }

    #[test]
    fn national_code_and_mobile_are_only_printed_masked() {
        let case = sample_case();
        for content in [
            ReceiptContent::receipt(&case).unwrap(),
            ReceiptContent::reprint(&case, sample_time()).unwrap(),
        ] {
            let text = kiosk_core::digits::to_ascii_digits(&all_text(&content));
            assert!(!text.contains("1234567891"), "{text}");
            assert!(!text.contains("09121234567"), "{text}");
            assert!(text.contains("******7891") && text.contains("0912***4567"));
        }
    }

    #[test]
    fn foreign_identifiers_are_printed_masked_under_their_own_name() {
        let policy = kiosk_core::IdentityPolicy {
            foreign_id: true,
            passport: true,
            ..Default::default()
        };
        use kiosk_core::{IdentityKind, VisitorId};
        let table = [
            (
                VisitorId::parse(IdentityKind::ForeignId, "123456789012", None, &policy),
                "شناسه اتباع خارجی",
                "********9012",
                "123456789012",
            ),
            (
                VisitorId::parse(IdentityKind::Passport, "P01234567", Some("AFG"), &policy),
                "شماره گذرنامه",
                "******567 AFG",
                "P01234567",
            ),
        ];
        for (visitor, label, masked, full) in table {
            let mut case = sample_case();
            case.visitor = Some(visitor.unwrap());
            let text = kiosk_core::digits::to_ascii_digits(&all_text(
                &ReceiptContent::receipt(&case).unwrap(),
            ));
            assert!(text.contains(label), "{text}");
            assert!(text.contains(masked), "{text}");
            assert!(!text.contains(full) && !text.contains("کد ملی"), "{text}");
        }
    }

    #[test]
    fn an_office_copy_prints_the_next_visit_the_kiosk_announced() {
        let visit = kiosk_core::NextVisit {
            rule: kiosk_core::NextVisitRule::Weekly(chrono::Weekday::Tue),
            day: chrono::NaiveDate::from_ymd_opt(2026, 11, 24),
            holidays_known: true,
        };
        let copy = OfficeCopy {
            next_visit: Some(visit),
            ..office_copy()
        };
        let content = ReceiptContent::office_copy(&copy, copy.registered_at).unwrap();
        assert!(content.blocks.contains(&Block::Field {
            label: "زمان مراجعه‌ی بعدی".into(),
            value: "سه‌شنبه ۳ آذر ۱۴۰۵ (روز ملاقات هفتگی)".into(),
            direction: Direction::Rtl,
        }));
        let plain = ReceiptContent::office_copy(&office_copy(), copy.registered_at).unwrap();
        assert!(
            !plain
                .blocks
                .iter()
                .any(|b| matches!(b, Block::Field { label, .. } if label == "زمان مراجعه‌ی بعدی"))
        );
    }

    fn office_copy() -> OfficeCopy {
        let case = sample_case();
        OfficeCopy {
            agency: case.agency,
            desk: case.desk,
            kind: case.kind,
            subject: case.subject,
            tracking: case.tracking,
            registered_at: case.registered_at,
            due: case.due.as_ref().map(|d| d.jalali),
            due_working_days: Some(10),
            next_visit: None,
            issuing_kiosk: 12,
            national_code_masked: Some("******7891".into()),
            mobile_masked: Some("0912***4567".into()),
            portal_url: case.portal_url,
            phone: case.phone,
            footer: case.footer,
            logo: None,
        }
    }

    #[test]
    fn an_office_copy_is_a_marked_reprint_naming_its_kiosk_without_a_satisfaction_code() {
        let copy = office_copy();
        let content = ReceiptContent::office_copy(&copy, sample_time()).unwrap();
        assert_eq!(content.variant, Variant::Reprint);
        let text = all_text(&content);
        assert!(
            text.contains("المثنی") && text.contains("کیوسک ۱۲"),
            "{text}"
        );
        assert!(text.contains(&copy.tracking.grouped_fa()), "{text}");
        assert!(text.contains("کد نظرسنجی ندارد"), "{text}");
        assert!(text.contains("(۱۰ روز کاری)"), "{text}");
        assert_eq!(content.qr_payloads().len(), 1, "the tracking QR only");
        let ascii = kiosk_core::digits::to_ascii_digits(&text);
        assert!(ascii.contains("******7891") && ascii.contains("0912***4567"));
    }

    #[test]
    fn an_office_copy_never_prints_a_number_that_is_not_masked() {
        let mut copy = office_copy();
        copy.national_code_masked = Some("1234567891".into());
        copy.mobile_masked = Some("09121234567".into());
        let text = all_text(&ReceiptContent::office_copy(&copy, sample_time()).unwrap());
        assert!(
            !text.contains("کد ملی") && !text.contains("تلفن همراه"),
            "{text}"
        );
        let ascii = kiosk_core::digits::to_ascii_digits(&text);
        assert!(!ascii.contains("1234567891") && !ascii.contains("09121234567"));
    }

    #[test]
    fn the_reprint_is_marked_and_the_receipt_is_not() {
        let case = sample_case();
        let receipt = all_text(&ReceiptContent::receipt(&case).unwrap());
        let reprint = all_text(&ReceiptContent::reprint(&case, sample_time()).unwrap());
        assert!(!receipt.contains("المثنی"));
        assert!(reprint.contains("المثنی"));
        assert!(receipt.contains(&case.tracking.grouped_fa()));
        assert!(receipt.contains("۲ آذر ۱۴۰۵، ساعت ۱۰:۳۰"), "{receipt}");
    }
}
