//! Ratings: the visitor's 1–5 score for a visit, given with the satisfaction code (docs/rules.md
//! R-004-staff-rating), with optional reasons from the survey form (R-003-1).
//!
//! Rules kept here, in one transaction with the rating's outbox item (kind `rating`):
//! - the code is verified inside [`Store::record_rating`] with the keys the caller passes, so
//!   no unverified code can be recorded;
//! - one rating per code: the token is `UNIQUE`; a second rating of the same code is refused
//!   with [`DeskError::AlreadyRated`] (the same client UUID again is a retry, answered with the
//!   rating already stored);
//! - attribution: to the employee who claimed the visit at the desk, else to the employee the
//!   code names, else to nobody; the item says which.
//!
//! Ratings are append-only (triggers refuse UPDATE and DELETE).

use std::path::Path;

use chrono::{DateTime, Utc};
use kiosk_core::satisfaction::{self, SatisfactionClaim};
use kiosk_core::{KioskNumber, TrackingCode};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::claims::claim_of;
use crate::desk_error::DeskError;
use crate::error::{SqlContext, StoreError};
use crate::outbox::OutboxItemKind;
use crate::services::{DESK_PAYLOAD_VERSION, insert_outbox, local_case, to_json, wire_time};
use crate::text_enum::{Stored, text_enum};
use crate::time::{from_millis, stored_precision, to_millis};

// The survey's reasons are plain domain data, in kiosk-core (firmware/core/src/desk.rs).
pub use kiosk_core::RatingReason;

text_enum! {
    /// Whose rating it is.
    pub enum Attribution {
        /// The employee who claimed the visit at the desk.
        Claim = "claim",
        /// The employee named in the satisfaction code.
        Code = "code",
        /// Nobody: neither claimed nor named.
        None = "none",
    }
}

/// A visitor's rating, before the code is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRating {
    /// Idempotency key of the rating and its outbox item.
    pub client_uuid: Uuid,
    /// The kiosk recording it.
    pub kiosk: KioskNumber,
    /// The scanned satisfaction code (URL or token).
    pub scanned: String,
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub score: u8,
    /// Optional reasons.
    pub reasons: Vec<RatingReason>,
    /// When the visitor rated.
    pub rated_at: DateTime<Utc>,
}

/// A stored rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRecord {
    /// Row id.
    pub id: i64,
    /// Idempotency key.
    pub client_uuid: Uuid,
    /// The visit rated.
    pub tracking_code: TrackingCode,
    /// The kiosk that issued the code.
    pub issuing_kiosk: KioskNumber,
    /// The service the code names.
    pub service_id: String,
    /// The employee it counts for.
    pub employee_code: Option<String>,
    /// Why that employee.
    pub attribution: Attribution,
    /// The score.
    pub score: u8,
    /// The reasons, in declaration order.
    pub reasons: Vec<RatingReason>,
    /// When.
    pub rated_at: DateTime<Utc>,
    /// True when this client UUID was recorded before and nothing was written now.
    pub already_recorded: bool,
}

#[derive(Serialize)]
struct RatingPayload<'a> {
    payload_version: u32,
    client_uuid: String,
    kiosk_number: u32,
    issuing_kiosk: u32,
    tracking_code: String,
    service_id: &'a str,
    employee_code: Option<&'a str>,
    attribution: &'static str,
    score: u8,
    reasons: Vec<&'static str>,
    rated_at: String,
    satisfaction_token: &'a str,
}

const COLUMNS: &str = "id, client_uuid, tracking_code, issuing_kiosk, service_id, employee_code,
    attribution, score, rated_at";

fn read_rating(
    conn: &Connection,
    path: &Path,
    column: &'static str,
    value: &str,
) -> Result<Option<RatingRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM ratings WHERE {column} = ?1");
    let row = conn
        .prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_row([value], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Attribution>(6)?,
                    r.get::<_, u8>(7)?,
                    r.get::<_, i64>(8)?,
                ))
            })
            .optional()
        })
        .ctx(path, "read a rating")?;
    let Some((id, uuid, code, kiosk, service_id, employee_code, attribution, score, at)) = row
    else {
        return Ok(None);
    };
    let bad = |column: &'static str, value: String| StoreError::BadValue {
        path: path.to_owned(),
        column,
        value,
    };
    let reasons: Vec<RatingReason> = conn
        .prepare_cached("SELECT reason FROM rating_reasons WHERE rating_id = ?1")
        .and_then(|mut st| {
            st.query_map([id], |r| r.get::<_, Stored<RatingReason>>(0).map(|s| s.0))?
                .collect()
        })
        .ctx(path, "read a rating's reasons")?;
    let mut reasons = reasons;
    reasons.sort();
    Ok(Some(RatingRecord {
        id,
        client_uuid: Uuid::parse_str(&uuid)
            .map_err(|_| bad("ratings.client_uuid", uuid.clone()))?,
        tracking_code: TrackingCode::parse(&code)
            .map_err(|_| bad("ratings.tracking_code", code.clone()))?,
        issuing_kiosk: KioskNumber::new(kiosk)
            .map_err(|_| bad("ratings.issuing_kiosk", kiosk.to_string()))?,
        service_id,
        employee_code,
        attribution,
        score,
        reasons,
        rated_at: from_millis(path, "ratings.rated_at", at)?,
        already_recorded: true,
    }))
}

/// Whose rating it is: the claim's employee, else the code's, else nobody.
fn attribute(
    conn: &Connection,
    path: &Path,
    claim: &SatisfactionClaim,
) -> Result<(Option<String>, Attribution), StoreError> {
    if let Some(c) = claim_of(conn, path, &claim.tracking_code)? {
        return Ok((Some(c.employee_code), Attribution::Claim));
    }
    Ok(match &claim.employee_code {
        Some(code) => (Some(code.clone()), Attribution::Code),
        None => (None, Attribution::None),
    })
}

impl Store {
    /// Checks a satisfaction code and the score, then records the rating and its outbox item.
    ///
    /// `key_of` gives the fleet's published public keys of a kiosk; `new.rated_at` is also the
    /// instant the code's validity is judged at. Refused: [`DeskError::Code`] (forged,
    /// altered, expired, unknown kiosk, malformed), [`DeskError::BadScore`],
    /// [`DeskError::AlreadyRated`].
    pub fn record_rating<Keys: IntoIterator<Item: Into<satisfaction::ListedKey>>>(
        &mut self,
        new: NewRating,
        key_of: impl Fn(KioskNumber) -> Keys,
    ) -> Result<RatingRecord, DeskError> {
        let path = self.path.clone();
        let uuid_text = new.client_uuid.hyphenated().to_string();
        // A retry of a rating already recorded is answered even after the code expired.
        if let Some(existing) = read_rating(&self.conn, &path, "client_uuid", &uuid_text)? {
            return Ok(existing);
        }
        if !(1..=5).contains(&new.score) {
            return Err(DeskError::BadScore(new.score));
        }
        let rated_at = stored_precision(new.rated_at);
        let claim = satisfaction::verify(&new.scanned, key_of, rated_at)?;
        let token = satisfaction::token_of(&new.scanned).trim().to_owned();
        let mut reasons = new.reasons.clone();
        reasons.sort();
        reasons.dedup();

        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&path, "begin a rating")?;
        if let Some(existing) = read_rating(&tx, &path, "client_uuid", &uuid_text)? {
            return Ok(existing);
        }
        if let Some(first) = read_rating(&tx, &path, "token", &token)? {
            tracing::warn!(tracking_code = %first.tracking_code, "satisfaction code rated again; refused");
            return Err(DeskError::AlreadyRated {
                tracking_code: first.tracking_code,
                rated_at: first.rated_at,
            });
        }
        let (employee_code, attribution) = attribute(&tx, &path, &claim)?;
        tx.execute(
            "INSERT INTO ratings (client_uuid, token, tracking_code, issuing_kiosk, service_id,
                 employee_code, attribution, score, rated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                uuid_text,
                token,
                claim.tracking_code.as_string(),
                claim.kiosk.get(),
                claim.service_id,
                employee_code,
                attribution,
                new.score,
                to_millis(rated_at)
            ],
        )
        .ctx(&path, "insert a rating")?;
        let id = tx.last_insert_rowid();
        for reason in &reasons {
            tx.execute(
                "INSERT INTO rating_reasons (rating_id, reason) VALUES (?1, ?2)",
                params![id, Stored(*reason)],
            )
            .ctx(&path, "insert a rating reason")?;
        }
        let payload = to_json(
            &path,
            &RatingPayload {
                payload_version: DESK_PAYLOAD_VERSION,
                client_uuid: uuid_text.clone(),
                kiosk_number: new.kiosk.get(),
                issuing_kiosk: claim.kiosk.get(),
                tracking_code: claim.tracking_code.as_string(),
                service_id: &claim.service_id,
                employee_code: employee_code.as_deref(),
                attribution: attribution.as_str(),
                score: new.score,
                reasons: reasons.iter().map(|r| r.as_str()).collect(),
                rated_at: wire_time(rated_at),
                satisfaction_token: &token,
            },
        )?;
        let case_id = local_case(&tx, &path, Some(&claim.tracking_code))?;
        insert_outbox(
            &tx,
            &path,
            new.client_uuid,
            OutboxItemKind::Rating,
            case_id,
            &payload,
            rated_at,
        )?;
        tx.commit().ctx(&path, "commit a rating")?;
        tracing::info!(
            tracking_code = %claim.tracking_code,
            score = new.score,
            attribution = attribution.as_str(),
            "rating recorded"
        );
        Ok(RatingRecord {
            id,
            client_uuid: new.client_uuid,
            tracking_code: claim.tracking_code,
            issuing_kiosk: claim.kiosk,
            service_id: claim.service_id,
            employee_code,
            attribution,
            score: new.score,
            reasons,
            rated_at,
            already_recorded: false,
        })
    }

    /// The rating given with this satisfaction code (URL or token), if any.
    pub fn rating_for_code(&self, scanned: &str) -> Result<Option<RatingRecord>, StoreError> {
        let token = satisfaction::token_of(scanned).trim();
        read_rating(&self.conn, &self.path, "token", token)
    }

    /// Ratings recorded between `from` (inclusive) and `to` (exclusive), oldest first.
    pub fn ratings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RatingRecord>, StoreError> {
        let uuids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT client_uuid FROM ratings WHERE rated_at >= ?1 AND rated_at < ?2
                 ORDER BY rated_at, id",
            )
            .and_then(|mut st| {
                st.query_map(params![to_millis(from), to_millis(to)], |r| r.get(0))?
                    .collect()
            })
            .ctx(&self.path, "list ratings")?;
        let mut out = Vec::with_capacity(uuids.len());
        for uuid in uuids {
            if let Some(mut r) = read_rating(&self.conn, &self.path, "client_uuid", &uuid)? {
                r.already_recorded = false;
                out.push(r);
            }
        }
        Ok(out)
    }
}
