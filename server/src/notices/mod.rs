//! Notices to applicants (seed 000 §4-5, 4-9, 4-17): an SMS when a case is registered, referred,
//! acted on and answered, to the mobile the visitor gave, only when the visitor consented on
//! the kiosk's mobile screen (`notice_consent` in the case's payload, contract 1.9.0).
//!
//! - **Written with their cause.** A notice row is inserted in the transaction that stores its
//!   case ([`on_case`], from crate::contract) or the SAMAD event that causes it ([`on_event`],
//!   from crate::upstream), with its text composed then ([`text`]): no case or event is
//!   committed without its notice, and no notice without them. One notice per case and cause
//!   (`UNIQUE (tracking_code, trigger, event_id)`), so an event pulled twice notifies once.
//! - **Sent exactly once** ([`sender`]): the provider keeps the notice's `notice_ref` as the
//!   caller's reference and answers a replay with the first message, so a notice whose answer
//!   was lost, or whose sender crashed before settling, is asked for again and sent once.
//!   Claims under a lease, settled only while the lease is the claimer's (as in
//!   crate::upstream); backoff with full jitter on failures, `Retry-After` on 429, paced at the
//!   provider's rate; refusals (a 4xx for the message) fail the notice with the reason.
//! - **Delivery reports** are asked for until the provider says delivered or undeliverable;
//!   the console's case page shows each notice's state ([`of_case`]).
//!
//! The phone is read from the case when sending and never logged; logs name notices by id.

pub mod sender;
pub mod text;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio_postgres::Transaction;

pub use text::Trigger;

/// Writes the registration notice of a case just stored, when its visitor consented.
pub async fn on_case(
    tx: &Transaction<'_>,
    tracking_code: &str,
    kind: &str,
    payload: &Value,
) -> Result<bool, tokio_postgres::Error> {
    if payload.get("notice_consent").and_then(Value::as_bool) != Some(true) {
        return Ok(false);
    }
    let due = payload.get("due_jalali").and_then(Value::as_str);
    let body = text::registered(tracking_code, kind, due);
    let n = tx
        .execute(
            "INSERT INTO notices (tracking_code, trigger, body) VALUES ($1, 'registered', $2)
             ON CONFLICT DO NOTHING",
            &[&tracking_code, &body],
        )
        .await?;
    Ok(n == 1)
}

/// Writes the notice of a SAMAD event just stored, when it is a referral, an action or an
/// answer and its case's visitor consented.
pub async fn on_event(
    tx: &Transaction<'_>,
    tracking_code: &str,
    event_id: &str,
    event_type: &str,
    unit: &str,
) -> Result<bool, tokio_postgres::Error> {
    let Some(trigger) = Trigger::of_event(event_type) else {
        return Ok(false);
    };
    let body = text::of_event(trigger, tracking_code, unit);
    let n = tx
        .execute(
            "INSERT INTO notices (tracking_code, trigger, event_id, body)
             SELECT tracking_code, $2, $3, $4 FROM cases
             WHERE tracking_code = $1 AND notice_consent
             ON CONFLICT DO NOTHING",
            &[&tracking_code, &trigger.as_str(), &event_id, &body],
        )
        .await?;
    Ok(n == 1)
}

/// A notice as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeView {
    /// What caused it.
    pub trigger: Trigger,
    /// `pending`, `sent`, `delivered`, `undeliverable` or `failed`.
    pub state: String,
    /// Its text.
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the provider took it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the provider reported it delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Tries so far.
    pub attempts: i32,
    /// The last failure's reason (the provider's words).
    pub last_error: Option<String>,
}

/// The notices of a case, oldest first.
pub async fn of_case(
    client: &impl tokio_postgres::GenericClient,
    tracking_code: &str,
) -> Result<Vec<NoticeView>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT trigger, state, body, created_at, sent_at, delivered_at, attempts, last_error
             FROM notices WHERE tracking_code = $1 ORDER BY created_at, id",
            &[&tracking_code],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(NoticeView {
                trigger: Trigger::parse(r.get(0))?,
                state: r.get(1),
                body: r.get(2),
                created_at: r.get(3),
                sent_at: r.get(4),
                delivered_at: r.get(5),
                attempts: r.get(6),
                last_error: r.get(7),
            })
        })
        .collect())
}
