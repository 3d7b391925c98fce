//! Services given at the desk (ثبت خدمت; docs/rules.md R-000-4.2: every service is recorded in
//! SAMAD).
//!
//! A registration names the service identifier (شناسه خدمت), the employee who gave it, the
//! visit it belongs to when one was scanned, the visitor's national code *masked* (the service
//! item does not need the full code) and the time. The row and its outbox item of kind
//! `service` are written in one transaction; the caller's client UUID is the idempotency key of
//! both, so a retry after a crash returns the service already written.
//!
//! Outbox items that name a visit registered at this kiosk are attached to its case, so the
//! relay sends them only after the case itself (see the outbox's ordering rule).

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use kiosk_core::{KioskNumber, NationalCode, TrackingCode};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::desk_error::DeskError;
use crate::error::{SqlContext, StoreError};
use crate::outbox::OutboxItemKind;
use crate::time::{from_millis, stored_precision, to_millis};
use crate::validate;

/// Version of the JSON payloads of the desk's outbox items (service, rating, meeting).
pub const DESK_PAYLOAD_VERSION: u32 = 1;
/// Longest note on a service.
pub const MAX_SERVICE_NOTE_CHARS: usize = 1000;

/// A service to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewService {
    /// Idempotency key of the registration and its outbox item.
    pub client_uuid: Uuid,
    /// The kiosk (terminal) recording it.
    pub kiosk: KioskNumber,
    /// The national service identifier.
    pub service_id: String,
    /// The logged-in staff member who gave it.
    pub staff_id: i64,
    /// The visit, when its receipt or satisfaction code was scanned.
    pub tracking_code: Option<TrackingCode>,
    /// The visitor's national code (only its masked form is kept and sent).
    pub national_code: Option<NationalCode>,
    /// A short note.
    pub note: Option<String>,
    /// When it was given.
    pub given_at: DateTime<Utc>,
}

/// A registered service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    /// Row id.
    pub id: i64,
    /// The idempotency key.
    pub client_uuid: Uuid,
    /// The service identifier.
    pub service_id: String,
    /// The employee's code.
    pub employee_code: String,
    /// The visit.
    pub tracking_code: Option<TrackingCode>,
    /// The masked national code.
    pub national_code_masked: Option<String>,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// True when the client UUID had been registered before and nothing was written now.
    pub already_registered: bool,
}

#[derive(Serialize)]
struct ServicePayload<'a> {
    payload_version: u32,
    client_uuid: String,
    kiosk_number: u32,
    service_id: &'a str,
    employee_code: &'a str,
    tracking_code: Option<String>,
    national_code_masked: Option<String>,
    note: Option<&'a str>,
    given_at: String,
}

/// The RFC 3339 text of an instant, as payloads carry it.
pub(crate) fn wire_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Serialises a payload; a failure is reported as an invalid payload.
pub(crate) fn to_json(path: &Path, payload: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(payload).map_err(|e| StoreError::Invalid {
        path: path.to_owned(),
        field: "outbox payload",
        reason: e.to_string(),
    })
}

/// The local case with this tracking code, if the visit was registered here.
pub(crate) fn local_case(
    conn: &Connection,
    path: &Path,
    code: Option<&TrackingCode>,
) -> Result<Option<i64>, StoreError> {
    let Some(code) = code else {
        return Ok(None);
    };
    conn.query_row(
        "SELECT id FROM cases WHERE tracking_code = ?1",
        [code.as_string()],
        |r| r.get(0),
    )
    .optional()
    .ctx(path, "look up the visit's case")
}

/// Inserts a pending outbox item.
pub(crate) fn insert_outbox(
    conn: &Connection,
    path: &Path,
    item_uuid: Uuid,
    kind: OutboxItemKind,
    case_id: Option<i64>,
    payload: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
        params![
            item_uuid.hyphenated().to_string(),
            kind,
            case_id,
            payload,
            to_millis(at)
        ],
    )
    .ctx(path, "insert the outbox item")?;
    Ok(())
}

/// The employee code of a staff row, or [`DeskError::UnknownStaff`].
pub(crate) fn employee_of(
    conn: &Connection,
    path: &Path,
    staff_id: i64,
) -> Result<String, DeskError> {
    let code: Option<String> = conn
        .query_row(
            "SELECT employee_code FROM staff WHERE id = ?1",
            [staff_id],
            |r| r.get(0),
        )
        .optional()
        .ctx(path, "read a staff member")?;
    code.ok_or(DeskError::UnknownStaff)
}

fn parse_code(
    path: &Path,
    column: &'static str,
    text: Option<String>,
) -> Result<Option<TrackingCode>, StoreError> {
    text.map(|t| {
        TrackingCode::parse(&t).map_err(|_| StoreError::BadValue {
            path: path.to_owned(),
            column,
            value: t,
        })
    })
    .transpose()
}

fn read_service(
    conn: &Connection,
    path: &Path,
    client_uuid: Uuid,
) -> Result<Option<ServiceRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, service_id, employee_code, tracking_code, national_code_masked, given_at
             FROM services WHERE client_uuid = ?1",
            [client_uuid.hyphenated().to_string()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()
        .ctx(path, "read a service")?;
    row.map(|(id, service_id, employee_code, code, masked, at)| {
        Ok(ServiceRecord {
            id,
            client_uuid,
            service_id,
            employee_code,
            tracking_code: parse_code(path, "services.tracking_code", code)?,
            national_code_masked: masked,
            given_at: from_millis(path, "services.given_at", at)?,
            already_registered: true,
        })
    })
    .transpose()
}

impl Store {
    /// Registers a service given at the desk together with its outbox item.
    ///
    /// The same client UUID again returns the service already written
    /// (`already_registered: true`); invalid fields are [`StoreError::Invalid`].
    pub fn register_service(&mut self, new: NewService) -> Result<ServiceRecord, DeskError> {
        let path = self.path.clone();
        validate::single_line(
            &path,
            "service_id",
            &new.service_id,
            crate::MAX_CATALOGUE_ID_CHARS,
        )?;
        if let Some(note) = &new.note {
            validate::at_most(&path, "note", note, MAX_SERVICE_NOTE_CHARS)?;
        }
        let given_at = stored_precision(new.given_at);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&path, "begin a service registration")?;
        if let Some(existing) = read_service(&tx, &path, new.client_uuid)? {
            return Ok(existing);
        }
        let employee_code = employee_of(&tx, &path, new.staff_id)?;
        let masked = new.national_code.as_ref().map(NationalCode::masked);
        let code_text = new.tracking_code.as_ref().map(TrackingCode::as_string);
        tx.execute(
            "INSERT INTO services (client_uuid, service_id, staff_id, employee_code, tracking_code,
                 national_code_masked, note, given_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                new.client_uuid.hyphenated().to_string(),
                new.service_id,
                new.staff_id,
                employee_code,
                code_text,
                masked,
                new.note,
                to_millis(given_at)
            ],
        )
        .ctx(&path, "insert a service")?;
        let id = tx.last_insert_rowid();
        let payload = to_json(
            &path,
            &ServicePayload {
                payload_version: DESK_PAYLOAD_VERSION,
                client_uuid: new.client_uuid.hyphenated().to_string(),
                kiosk_number: new.kiosk.get(),
                service_id: &new.service_id,
                employee_code: &employee_code,
                tracking_code: code_text.clone(),
                national_code_masked: masked.clone(),
                note: new.note.as_deref(),
                given_at: wire_time(given_at),
            },
        )?;
        let case_id = local_case(&tx, &path, new.tracking_code.as_ref())?;
        insert_outbox(
            &tx,
            &path,
            new.client_uuid,
            OutboxItemKind::Service,
            case_id,
            &payload,
            given_at,
        )?;
        tx.commit().ctx(&path, "commit a service registration")?;
        tracing::info!(
            service_id = new.service_id,
            employee_code,
            "service registered"
        );
        Ok(ServiceRecord {
            id,
            client_uuid: new.client_uuid,
            service_id: new.service_id,
            employee_code,
            tracking_code: new.tracking_code,
            national_code_masked: masked,
            given_at,
            already_registered: false,
        })
    }

    /// Services given between `from` (inclusive) and `to` (exclusive), oldest first.
    pub fn services_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ServiceRecord>, StoreError> {
        let path = &self.path;
        let uuids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT client_uuid FROM services WHERE given_at >= ?1 AND given_at < ?2
                 ORDER BY given_at, id",
            )
            .and_then(|mut st| {
                st.query_map(params![to_millis(from), to_millis(to)], |r| r.get(0))?
                    .collect()
            })
            .ctx(path, "list services")?;
        let mut out = Vec::with_capacity(uuids.len());
        for text in uuids {
            let uuid = Uuid::parse_str(&text).map_err(|_| StoreError::BadValue {
                path: path.clone(),
                column: "services.client_uuid",
                value: text.clone(),
            })?;
            if let Some(mut record) = read_service(&self.conn, path, uuid)? {
                record.already_registered = false;
                out.push(record);
            }
        }
        Ok(out)
    }
}
