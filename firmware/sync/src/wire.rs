//! The wire contract's messages as Rust types (what `openapi.yaml` describes), shared by the
//! client and the simulator so both speak the same names; the document itself is checked
//! against these in the tests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

/// The contract's version prefix.
pub const API_PREFIX: &str = "/v1";
/// Most items in one batch.
pub const MAX_BATCH_ITEMS: usize = 100;
/// Most bytes of one batch body.
pub const MAX_BATCH_BYTES: usize = 1 << 20;
/// Most events on one page.
pub const MAX_EVENT_PAGE: u32 = 500;

/// What an item reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// A case.
    Case,
    /// A service given at the desk.
    Service,
    /// A satisfaction rating.
    Rating,
    /// A face-to-face meeting.
    Meeting,
    /// A visit claimed at a desk (agency server only; SAMAD has no such item).
    Claim,
    /// Guidance given to a visitor whose subject is outside the agency's scope (a
    /// consultation: where they were sent, the subject, the kind, the masked national code).
    Guidance,
}

impl ItemType {
    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Case => "case",
            Self::Service => "service",
            Self::Rating => "rating",
            Self::Meeting => "meeting",
            Self::Claim => "claim",
            Self::Guidance => "guidance",
        }
    }
}

/// One item of a batch.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubmitItem {
    /// The kiosk's idempotency key.
    pub item_id: Uuid,
    /// What it reports.
    pub item_type: ItemType,
    /// The item itself, sent as stored (holds personal data: never log it).
    pub payload: Box<RawValue>,
}

/// A batch of items.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubmitBatch {
    /// The items, at most [`MAX_BATCH_ITEMS`].
    pub items: Vec<SubmitItem>,
}

/// SAMAD's judgement of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    /// The item's key.
    pub item_id: Uuid,
    /// 201 accepted now, 200 accepted before, 409 key reused with another body, 422 not
    /// acceptable, 500/503 not judged now.
    pub status: u16,
    /// SAMAD's own number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_request_id: Option<String>,
    /// Open311 token (unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Why, for 409, 422 and 5xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to a batch: one result per item, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitBatchResult {
    /// The results.
    pub results: Vec<ItemResult>,
}

/// Why a request as a whole was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A stable snake_case name.
    pub code: String,
    /// What is wrong, for the operator.
    pub reason: String,
}

/// What happened to a case at SAMAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// Referred to a unit.
    Referral,
    /// A unit took an action.
    Action,
    /// Answered.
    Answer,
    /// Closed.
    Closed,
}

/// One event of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unique forever.
    pub event_id: String,
    /// SAMAD's number of the case.
    pub service_request_id: String,
    /// The case's `item_id` as submitted.
    pub item_id: Uuid,
    /// The case's tracking code as submitted.
    pub tracking_code: String,
    /// What happened.
    pub event_type: EventType,
    /// When.
    pub updated_datetime: DateTime<Utc>,
    /// The responsible unit.
    pub agency_responsible: String,
    /// The responsible person.
    pub responsible_person: String,
    /// The referral reason, the action, the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
}

/// A page of the event feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPage {
    /// Oldest first.
    pub events: Vec<Event>,
    /// The `after` of the next request.
    pub next_cursor: String,
    /// Whether another page is waiting.
    pub has_more: bool,
}

/// A subject or service of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    /// Open311 `service_code`.
    pub service_code: String,
    /// Open311 `service_name`.
    pub service_name: String,
    /// Open311 `group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Open311 `keywords`.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The national service identifier of a service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_identifier: Option<String>,
    /// The name in English (absent: the kiosk shows `service_name` in English too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name_en: Option<String>,
    /// Where a visitor is sent for a subject outside the agency's scope (seed 000 §4-8,
    /// §4-15); absent for subjects in scope, and for services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<GuidanceDestination>,
    /// A complaint on this subject may be about an official: the kiosk asks the official's
    /// tier and routes the complaint by seed 000 §10-3 (false when absent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub about_officials: bool,
    /// When a case on this subject or service that owes no later answer is final, or the
    /// visitor comes back (seed 000 §4-4): `at_desk`, `working_days:N` (1..=60) or
    /// `weekly:DAY` (an English weekday); absent: the device's configured default. Kept as
    /// text so one bad rule costs only itself: the device drops it with a log line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_visit: Option<String>,
}

impl CatalogueEntry {
    /// An entry with only its code and its (Persian) name: no group, keywords, identifier,
    /// English name, guidance or next-visit rule, not about officials.
    pub fn new(service_code: impl Into<String>, service_name: impl Into<String>) -> Self {
        Self {
            service_code: service_code.into(),
            service_name: service_name.into(),
            group: None,
            keywords: Vec::new(),
            service_identifier: None,
            service_name_en: None,
            guidance: None,
            about_officials: false,
            next_visit: None,
        }
    }
}

/// The office competent for a subject outside the agency's scope, as the guidance screen
/// shows it and the guidance slip prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidanceDestination {
    /// The office, in Persian.
    pub office: String,
    /// The office, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_en: Option<String>,
    /// Its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Its phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Its opening hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Its website (where to book or apply online).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<String>,
    /// What the visitor should bring.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bring: Vec<String>,
}

/// The agency the kiosk serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Its code.
    pub agency_code: String,
    /// Its name.
    pub name: String,
    /// The subjects it handles.
    pub subject_scope: Vec<String>,
}

/// A day SAMAD says is (or is not) closed, overriding the kiosk's holiday files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayOverride {
    /// The Gregorian day, `YYYY-MM-DD`.
    pub date: String,
    /// Closed that day.
    pub closed: bool,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Its version.
    pub version: String,
    /// Case kinds offered.
    pub case_kinds: Vec<String>,
    /// Subjects.
    pub subjects: Vec<CatalogueEntry>,
    /// Services.
    pub services: Vec<CatalogueEntry>,
    /// The agency and its scope.
    pub agency: Agency,
    /// Holiday overrides.
    pub holiday_overrides: Vec<HolidayOverride>,
}

/// The printer's state in a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterHealth {
    /// `ok`, `offline` or `error`.
    pub state: String,
    /// `ok`, `low`, `out` or `unknown`.
    pub paper: String,
}

/// The outbox in a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxHealth {
    /// Items waiting.
    pub depth: u64,
    /// Items parked.
    pub parked: u64,
    /// Age of the oldest unsent item, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_unsent_age_s: Option<u64>,
}

/// The kiosk's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// The firmware version.
    pub firmware_version: String,
    /// The store's schema version.
    pub schema_version: u32,
    /// The catalogue version in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_version: Option<String>,
    /// The printer.
    pub printer: PrinterHealth,
    /// The outbox.
    pub outbox: OutboxHealth,
    /// When the kiosk last heard a definite answer from the server it syncs with: a batch
    /// delivered or an event pull answered (absent: not since the firmware started, or an
    /// older firmware that does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Seconds since the firmware started (absent from older firmware).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_s: Option<u64>,
}

/// SAMAD's answer to a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAck {
    /// SAMAD's clock.
    pub server_time: DateTime<Utc>,
    /// The current catalogue's ETag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_etag: Option<String>,
}

/// `POST /v1/kiosks/{kiosk}/case-lookups`' body (the agency server's, not SAMAD's): a case is
/// shown only when both values match. In the body, not the URL, so that no proxy logs a
/// national code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseLookup {
    /// The 16-digit tracking code.
    pub tracking_code: String,
    /// The applicant's national code (10 digits); empty (left out) for a visitor without one,
    /// who is named by `identity` instead (contract 1.6.0).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub national_code: String,
    /// A visitor without a national code: the identifier the case was registered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<CaseIdentity>,
}

/// The identifier of a visitor without an Iranian national code, as a case payload and a
/// look-up carry it (contract 1.6.0, docs/identity.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseIdentity {
    /// `foreign_id` (the foreign nationals' identifier) or `passport`.
    pub kind: String,
    /// The identifier in its normal form: 12 ASCII digits, or a passport number of 6–9 of
    /// `A`–`Z` and `0`–`9`.
    pub value: String,
    /// A passport's issuing country (ISO 3166-1 alpha-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One event of a looked-up case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStatusEvent {
    /// Unique forever.
    pub event_id: String,
    /// What happened.
    pub event_type: EventType,
    /// When.
    pub happened_at: DateTime<Utc>,
    /// The responsible unit.
    pub unit: String,
    /// The responsible person.
    pub person: String,
    /// The referral reason, the action, the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A case as any device of the agency may show it to its applicant: no national code, no
/// phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStatus {
    /// The 16-digit code.
    pub tracking_code: String,
    /// The kiosk that registered it.
    pub kiosk_number: u32,
    /// The case kind (the contract's snake_case name).
    pub kind: String,
    /// The subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// The unit it was registered to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Registered at the kiosk.
    pub registered_at: DateTime<Utc>,
    /// The response's due day (Gregorian, `YYYY-MM-DD`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// Every event, oldest first.
    pub events: Vec<CaseStatusEvent>,
}

/// `POST /v1/kiosks/{kiosk}/staff-logins`' body (the agency server's): a staff member logs in
/// at a desk terminal with the office's account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    /// The employee's code (from their card).
    pub employee_code: String,
    /// The PIN typed (digits; never logged, never stored).
    pub pin: String,
}

impl std::fmt::Debug for StaffLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffLogin")
            .field("employee_code", &self.employee_code)
            .field("pin", &"(hidden)")
            .finish()
    }
}

/// A staff login the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccepted {
    /// The employee's code.
    pub employee_code: String,
    /// Their name as the desk shows it.
    pub display_name: String,
}

/// Longest employee code a desk names when it acknowledges a staff call.
pub const MAX_ACKNOWLEDGER_CHARS: usize = 64;

/// `POST /v1/kiosks/{kiosk}/staff-calls`' body (the agency server's): a visitor pressed «call
/// staff» at this kiosk. `call_id` is the kiosk's own key for the call: the same call sent
/// again (a retry, or the kiosk asking whether it was acknowledged) changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCallRaise {
    /// The kiosk's key for the call (unique across the office).
    pub call_id: Uuid,
    /// When the visitor called, by the kiosk's clock.
    pub raised_at: DateTime<Utc>,
}

/// `POST /v1/kiosks/{kiosk}/staff-calls/{call_id}/acknowledge`' body: a member of staff at
/// the desk terminal `{kiosk}` answers the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCallAcknowledge {
    /// Who answers (the employee logged in at the desk).
    pub employee_code: String,
}

/// A staff call as the agency server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCall {
    /// The kiosk's key for the call.
    pub call_id: Uuid,
    /// The kiosk it was raised at.
    pub kiosk_number: u32,
    /// When, by the kiosk's clock.
    pub raised_at: DateTime<Utc>,
    /// When a desk acknowledged it (absent while it is open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    /// The desk terminal it was acknowledged at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at_kiosk: Option<u32>,
}

impl StaffCall {
    /// Whether no desk has acknowledged it yet.
    pub fn is_open(&self) -> bool {
        self.acknowledged_at.is_none()
    }
}

/// `GET /v1/kiosks/{kiosk}/staff-calls`' answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCallList {
    /// The calls, oldest first.
    pub calls: Vec<StaffCall>,
}

/// `PUT /v1/kiosks/{kiosk}/satisfaction-key`'s body (the agency server's operation; SAMAD has
/// none): the Ed25519 public key this device signs its satisfaction codes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionKeyPublish {
    /// 64 hexadecimal digits (as `kiosk-NNNNN.pub` holds them).
    pub public_key: String,
}

/// One device's published satisfaction key, as the agency server serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetKey {
    /// The kiosk whose codes it verifies.
    pub kiosk_number: u32,
    /// 64 lowercase hexadecimal digits.
    pub public_key: String,
    /// When the device published it.
    pub published_at: DateTime<Utc>,
    /// When it stopped being the kiosk's key (a rotation, or the device replaced): set only
    /// for a key still served so that the codes signed with it verify (contract 1.8.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<DateTime<Utc>>,
}

/// `GET /v1/kiosks/{kiosk}/fleet-keys`' answer: every active device's key (revoked devices'
/// keys are not served), by kiosk number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetKeyList {
    /// The keys, in increasing kiosk number.
    pub keys: Vec<FleetKey>,
}

/// Most receipts a heartbeat reports as owed ([`OfficeHeartbeat::owed_receipts`]).
pub const MAX_OWED_RECEIPTS: usize = 50;

/// A [`Heartbeat`] as a kiosk of an office sends it: the same members and, when the kiosk
/// owes receipts it could not print, their tracking codes (`owed_receipts` in the document's
/// `Heartbeat`, absent when there are none). A separate type so that every `Heartbeat` built
/// elsewhere stays as it is; on the wire it is one object. SAMAD ignores the member; the agency
/// server keeps the latest list per kiosk and offers it to the office's desks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHeartbeat {
    /// The heartbeat.
    #[serde(flatten)]
    pub heartbeat: Heartbeat,
    /// Tracking codes (16 digits) of this kiosk's receipts that did not print and were not
    /// printed since, newest first, at most [`MAX_OWED_RECEIPTS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owed_receipts: Vec<String>,
}

/// `POST /v1/kiosks/{kiosk}/receipt-copies`' body (the agency server's operation; SAMAD has
/// none): a desk asks what the receipt of one of the office's cases prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptCopyRequest {
    /// The 16-digit tracking code.
    pub tracking_code: String,
}

/// What a receipt of one of the office's cases prints, as the agency server gives it to a
/// desk: the national code and the mobile number masked as the receipt masks them, never in
/// full, and no description. It carries no satisfaction code: only the issuing kiosk's key can
/// sign one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptCopy {
    /// The 16-digit code.
    pub tracking_code: String,
    /// The kiosk that registered the case (and printed, or owed, its receipt).
    pub kiosk_number: u32,
    /// The case kind (the contract's snake_case name).
    pub kind: String,
    /// The subject.
    pub subject_id: String,
    /// The service, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The unit it was registered to.
    pub unit: String,
    /// Registered at the kiosk.
    pub registered_at: DateTime<Utc>,
    /// The response's due day (Gregorian, `YYYY-MM-DD`), if one is owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// The same day in the Jalali calendar, as the kiosk wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_jalali: Option<String>,
    /// The working days counted to the due day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_working_days: Option<u16>,
    /// The national code with all but its last four digits hidden: `******1234`.
    pub national_code_masked: String,
    /// The mobile number with its middle hidden (`0912***4567`), if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_masked: Option<String>,
    /// The next visit or final-service day the kiosk announced, for a kind that owes no later
    /// answer (contract 1.5.0; seed 000 §4-4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_visit: Option<NextVisitCopy>,
    /// When the server recorded this copy.
    pub copied_at: DateTime<Utc>,
}

/// A case's next visit as its kiosk sent it (the case payload's `next_visit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextVisitCopy {
    /// The rule: `at_desk`, `working_days:N` or `weekly:DAY`.
    pub rule: String,
    /// The day (Gregorian, `YYYY-MM-DD`); none for `at_desk`.
    #[serde(default)]
    pub date: Option<String>,
    /// The same day in the Jalali calendar.
    #[serde(default)]
    pub jalali: Option<String>,
}

/// One receipt a kiosk of the office could not print and no desk has given a copy of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedReceipt {
    /// The kiosk that owes it.
    pub kiosk_number: u32,
    /// The case's 16-digit code.
    pub tracking_code: String,
    /// When the kiosk first reported it.
    pub reported_at: DateTime<Utc>,
}

/// `GET /v1/kiosks/{kiosk}/receipt-copies?owed=true`' answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedReceiptList {
    /// Newest first, at most 100.
    pub receipts: Vec<OwedReceipt>,
}
