//! The schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` is the number of migrations applied. Each migration runs in its own
//! IMMEDIATE transaction together with the `user_version` bump, so a power cut leaves the file at
//! one version or the next, never in between. Migrations are append-only: a released step is
//! never edited, a change is a new step. A database whose version is above [`LATEST_VERSION`]
//! belongs to a newer firmware and is refused before anything is written (see `open`).
//!
//! Conventions of the schema: instants are UTC Unix milliseconds (`INTEGER`), days are
//! `YYYY-MM-DD` text, closed sets are text guarded by `CHECK (... IN (...))`, and the Rust
//! enums in this crate carry the same spellings (a test checks every value is accepted).

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{SqlContext, StoreError};

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// One line saying what the step does.
    pub summary: &'static str,
    /// The SQL, run as one batch.
    pub sql: &'static str,
    /// The step rebuilds a table other tables refer to (SQLite cannot alter a column's
    /// constraints): foreign keys are off while it runs, as SQLite's documented procedure
    /// wants, and `PRAGMA foreign_key_check` must find nothing before it commits.
    pub rebuilds_referenced_tables: bool,
}

/// Every step, oldest first. Step `i` (0-based) brings the file to version `i + 1`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        summary: "cases, append-only case events, outbox, print jobs, staff, settings, sequences",
        sql: SCHEMA_V1,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "SAMAD sync: outbox leases, retry times and park reasons; pulled-back events",
        sql: SCHEMA_V2_SYNC,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "service desk: visit claims, services given, ratings with reasons, meetings",
        sql: SCHEMA_V3_DESK,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "privacy: purged cases and meetings hold no national code and say when they were purged",
        sql: SCHEMA_V4_PURGED,
        rebuilds_referenced_tables: true,
    },
    Migration {
        summary: "staff calls: raised at the kiosk, open until a member of staff acknowledges",
        sql: SCHEMA_V5_STAFF_CALLS,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "office items: visit claims go through the outbox to the agency server",
        sql: SCHEMA_V6_OFFICE_ITEMS,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "guidance given to out-of-scope visitors is recorded and goes through the outbox",
        sql: SCHEMA_V7_GUIDANCE,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "a complaint about an official keeps its tier, routed up the hierarchy (000 §10-3)",
        sql: SCHEMA_V8_OFFICIAL,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "visitors without a national code: a case names its identifier's kind and holds \
                  a foreign nationals' identifier or a passport number and country instead",
        sql: SCHEMA_V9_IDENTITY,
        rebuilds_referenced_tables: true,
    },
    Migration {
        summary: "a case that owes no later answer keeps its next visit or final-service day \
                  (000 §4-4)",
        sql: SCHEMA_V10_NEXT_VISIT,
        rebuilds_referenced_tables: false,
    },
    Migration {
        summary: "a case keeps when its visitor agreed to SMS notices at its mobile number \
                  (000 §4-5)",
        sql: SCHEMA_V11_NOTICE_CONSENT,
        rebuilds_referenced_tables: false,
    },
];

// Version 11: the visitor's consent to SMS notices about the case (the mobile screen's
// checkbox, docs/rules.md R-000-4.5), as the instant it was given; NULL is no consent, which
// every case registered before has. A consent names a number: the phone is there unless the
// case was purged since (the consent stays, the number goes).
const SCHEMA_V11_NOTICE_CONSENT: &str = r#"
ALTER TABLE cases ADD COLUMN notice_consent_at INTEGER
    CHECK (notice_consent_at IS NULL OR phone IS NOT NULL OR purged_at IS NOT NULL);
"#;

// Version 10: the next visit or the time of final service of a case that owes no later
// answer (seed 000 §4-4; firmware/core/src/next_visit.rs): the rule as written, the day it
// gave (none for at_desk) and whether the holidays of every year counted were known.
const SCHEMA_V10_NEXT_VISIT: &str = r#"
ALTER TABLE cases ADD COLUMN next_visit_rule TEXT
    CHECK (next_visit_rule IS NULL OR next_visit_rule = 'at_desk'
           OR next_visit_rule GLOB 'working_days:[0-9]*' OR next_visit_rule GLOB 'weekly:[a-z]*');
ALTER TABLE cases ADD COLUMN next_visit_date TEXT
    CHECK (next_visit_date IS NULL OR next_visit_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
ALTER TABLE cases ADD COLUMN next_visit_holidays_known INTEGER
    CHECK (next_visit_holidays_known IN (0, 1));
"#;

/// The schema version this firmware writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

const SCHEMA_V1: &str = r#"
CREATE TABLE sequences (
    kiosk_number  INTEGER PRIMARY KEY CHECK (kiosk_number BETWEEN 1 AND 99999),
    last_sequence INTEGER NOT NULL CHECK (last_sequence BETWEEN 0 AND 999999999)
);

CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    tracking_code        TEXT    NOT NULL UNIQUE
                         CHECK (length(tracking_code) = 16 AND tracking_code NOT GLOB '*[^0-9]*'),
    kiosk_number         INTEGER NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    sequence             INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 999999999),
    kind                 TEXT    NOT NULL CHECK (kind IN ('request', 'complaint', 'suggestion',
                             'idea', 'appreciation', 'plan', 'expression_of_feelings',
                             'public_report', 'transfer', 'consultation', 'service_registration')),
    subject_id           TEXT    NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 100),
    service_id           TEXT    CHECK (length(service_id) BETWEEN 1 AND 100),
    national_code        TEXT    NOT NULL
                         CHECK (length(national_code) = 10 AND national_code NOT GLOB '*[^0-9]*'),
    national_code_masked TEXT    NOT NULL,
    phone                TEXT    CHECK (length(phone) = 11 AND phone GLOB '09*'),
    phone_masked         TEXT,
    description          TEXT    NOT NULL CHECK (length(description) <= 4000),
    registered_at        INTEGER NOT NULL,
    due_date             TEXT,
    due_jalali           TEXT,
    due_working_days     INTEGER CHECK (due_working_days >= 0),
    due_holidays_known   INTEGER CHECK (due_holidays_known IN (0, 1)),
    samad_number         TEXT    UNIQUE,
    status               TEXT    NOT NULL CHECK (status IN ('registered', 'submitted',
                             'in_progress', 'answered', 'closed')),
    UNIQUE (kiosk_number, sequence),
    CHECK ((phone IS NULL) = (phone_masked IS NULL)),
    CHECK ((due_date IS NULL) = (due_jalali IS NULL)
       AND (due_date IS NULL) = (due_working_days IS NULL)
       AND (due_date IS NULL) = (due_holidays_known IS NULL))
);

CREATE TABLE case_events (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 100),
    unit    TEXT    NOT NULL CHECK (length(unit) BETWEEN 1 AND 200),
    kind    TEXT    NOT NULL CHECK (kind IN ('registered', 'samad_number_bound', 'referred',
                        'answered', 'note', 'closed')),
    note    TEXT    CHECK (length(note) <= 4000)
);
CREATE INDEX case_events_by_case ON case_events (case_id, at, id);

-- The timeline is the record of what happened: it is only ever appended to.
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: DELETE is not allowed');
END;

-- Items for SAMAD. item_uuid is the idempotency key sent with the item. The relay takes a lease
-- (lease_until) before sending, so a crash mid-send leaves the item pending, never lost; items
-- that keep failing for a reason retrying cannot fix are parked for an operator.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    item_uuid  TEXT    NOT NULL UNIQUE CHECK (length(item_uuid) = 36),
    item_kind  TEXT    NOT NULL CHECK (item_kind IN ('case', 'service', 'rating', 'meeting')),
    case_id    INTEGER REFERENCES cases (id),
    payload    TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until INTEGER CHECK (lease_until IS NULL OR state = 'pending'),
    last_error TEXT,
    done_at    INTEGER CHECK ((done_at IS NULL) = (state <> 'done')),
    CHECK (item_kind <> 'case' OR case_id IS NOT NULL)
);
CREATE INDEX outbox_pending ON outbox (created_at, id) WHERE state = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id) WHERE case_id IS NOT NULL;

-- Print jobs. A receipt is printed only after the case's transaction committed.
CREATE TABLE receipts (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER REFERENCES cases (id),
    variant     TEXT    NOT NULL
                CHECK (variant IN ('receipt', 'reprint', 'guidance', 'service_slip')),
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'printing', 'printed', 'failed')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    last_status TEXT,
    CHECK (case_id IS NOT NULL OR variant IN ('guidance', 'service_slip'))
);
CREATE INDEX receipts_open ON receipts (id) WHERE state IN ('queued', 'printing');
CREATE INDEX receipts_by_case ON receipts (case_id) WHERE case_id IS NOT NULL;

CREATE TABLE staff (
    id              INTEGER PRIMARY KEY,
    employee_code   TEXT    NOT NULL UNIQUE CHECK (length(employee_code) BETWEEN 1 AND 64),
    display_name    TEXT    NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    pin_hash        TEXT    NOT NULL CHECK (length(pin_hash) >= 1),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    INTEGER,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    value TEXT NOT NULL
) WITHOUT ROWID;
"#;

// Step 2, for the SAMAD relay (kiosk-sync):
// - outbox: `lease_token` names the claim that holds an item, so only that relay can put it back;
//   `next_attempt_at` is the backoff (kept on disk, so a restart does not hammer SAMAD);
//   `park_reason` says why an item was set aside, for staff; `remote_id` is SAMAD's number.
// - case_events gains the kind 'action' (SAMAD reports actions taken on a case). A CHECK cannot
//   be altered in SQLite, so the table is rebuilt (new table, copy, drop, rename) with its index
//   and its append-only triggers; ids are kept. DROP TABLE fires no trigger.
// - samad_events: the SAMAD event id of every pulled-back event, so a page fetched twice is
//   appended once.
const SCHEMA_V2_SYNC: &str = r#"
ALTER TABLE outbox ADD COLUMN lease_token TEXT CHECK (lease_token IS NULL OR length(lease_token) = 36);
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE outbox ADD COLUMN park_reason TEXT CHECK (park_reason IS NULL OR state = 'parked');
ALTER TABLE outbox ADD COLUMN remote_id TEXT CHECK (remote_id IS NULL OR length(remote_id) <= 64);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';

CREATE TABLE case_events_v2 (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 100),
    unit    TEXT    NOT NULL CHECK (length(unit) BETWEEN 1 AND 200),
    kind    TEXT    NOT NULL CHECK (kind IN ('registered', 'samad_number_bound', 'referred',
                        'action', 'answered', 'note', 'closed')),
    note    TEXT    CHECK (length(note) <= 4000)
);
INSERT INTO case_events_v2 (id, case_id, at, actor, unit, kind, note)
    SELECT id, case_id, at, actor, unit, kind, note FROM case_events;
DROP TABLE case_events;
ALTER TABLE case_events_v2 RENAME TO case_events;
CREATE INDEX case_events_by_case ON case_events (case_id, at, id);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: DELETE is not allowed');
END;

CREATE TABLE samad_events (
    samad_event_id TEXT    PRIMARY KEY CHECK (length(samad_event_id) BETWEEN 1 AND 100),
    case_event_id  INTEGER NOT NULL UNIQUE REFERENCES case_events (id)
) WITHOUT ROWID;
"#;

// Step 3, for the service desk and the visitor's rating:
// - visit_claims: the employee who served a visit ("served by"), one per tracking code; the
//   visit may have been registered at another kiosk of the fleet, so there is no foreign key.
// - services: services given at the desk (ثبت خدمت), each with its outbox item.
// - ratings: one per satisfaction code (the token is UNIQUE), attributed to the employee of the
//   visit's claim, else to the employee named in the code; reasons from the survey form
//   (docs/rules.md R-003-1). Ratings and their reasons are append-only.
// - meetings: the face-to-face meeting form (docs/rules.md R-003-5.3), every field; the results
//   are checkboxes, so they are rows of meeting_results.
const SCHEMA_V3_DESK: &str = r#"
CREATE TABLE visit_claims (
    id            INTEGER PRIMARY KEY,
    tracking_code TEXT    NOT NULL UNIQUE
                  CHECK (length(tracking_code) = 16 AND tracking_code NOT GLOB '*[^0-9]*'),
    staff_id      INTEGER NOT NULL REFERENCES staff (id),
    employee_code TEXT    NOT NULL CHECK (length(employee_code) BETWEEN 1 AND 64),
    claimed_at    INTEGER NOT NULL
);

CREATE TABLE services (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    service_id           TEXT    NOT NULL CHECK (length(service_id) BETWEEN 1 AND 100),
    staff_id             INTEGER NOT NULL REFERENCES staff (id),
    employee_code        TEXT    NOT NULL CHECK (length(employee_code) BETWEEN 1 AND 64),
    tracking_code        TEXT    CHECK (tracking_code IS NULL OR (length(tracking_code) = 16
                                 AND tracking_code NOT GLOB '*[^0-9]*')),
    national_code_masked TEXT    CHECK (national_code_masked IS NULL
                                 OR length(national_code_masked) = 10),
    note                 TEXT    CHECK (note IS NULL OR length(note) <= 1000),
    given_at             INTEGER NOT NULL
);
CREATE INDEX services_by_time ON services (given_at);

CREATE TABLE ratings (
    id             INTEGER PRIMARY KEY,
    client_uuid    TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    token          TEXT    NOT NULL UNIQUE CHECK (length(token) BETWEEN 1 AND 512),
    tracking_code  TEXT    NOT NULL
                   CHECK (length(tracking_code) = 16 AND tracking_code NOT GLOB '*[^0-9]*'),
    issuing_kiosk  INTEGER NOT NULL CHECK (issuing_kiosk BETWEEN 1 AND 99999),
    service_id     TEXT    NOT NULL CHECK (length(service_id) <= 32),
    employee_code  TEXT    CHECK (employee_code IS NULL OR length(employee_code) BETWEEN 1 AND 64),
    attribution    TEXT    NOT NULL CHECK (attribution IN ('claim', 'code', 'none')),
    score          INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    rated_at       INTEGER NOT NULL,
    CHECK ((employee_code IS NULL) = (attribution = 'none'))
);
CREATE INDEX ratings_by_time ON ratings (rated_at);

CREATE TABLE rating_reasons (
    rating_id INTEGER NOT NULL REFERENCES ratings (id),
    reason    TEXT    NOT NULL CHECK (reason IN ('workflow', 'prior_information',
                  'staff_behaviour', 'amenities')),
    PRIMARY KEY (rating_id, reason)
) WITHOUT ROWID;

CREATE TRIGGER ratings_no_update BEFORE UPDATE ON ratings
BEGIN
    SELECT RAISE(ABORT, 'ratings are append-only: UPDATE is not allowed');
END;
CREATE TRIGGER ratings_no_delete BEFORE DELETE ON ratings
BEGIN
    SELECT RAISE(ABORT, 'ratings are append-only: DELETE is not allowed');
END;
CREATE TRIGGER rating_reasons_no_update BEFORE UPDATE ON rating_reasons
BEGIN
    SELECT RAISE(ABORT, 'rating reasons are append-only: UPDATE is not allowed');
END;
CREATE TRIGGER rating_reasons_no_delete BEFORE DELETE ON rating_reasons
BEGIN
    SELECT RAISE(ABORT, 'rating reasons are append-only: DELETE is not allowed');
END;

CREATE TABLE meetings (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    kiosk_number         INTEGER NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    meeting_day          TEXT    NOT NULL CHECK (meeting_day GLOB
                                 '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    meeting_jalali       TEXT    NOT NULL,
    full_name            TEXT    NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    national_code        TEXT    NOT NULL
                         CHECK (length(national_code) = 10 AND national_code NOT GLOB '*[^0-9]*'),
    national_code_masked TEXT    NOT NULL,
    birth_date           TEXT    CHECK (birth_date IS NULL OR birth_date GLOB
                                 '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    occupation           TEXT    NOT NULL CHECK (occupation IN ('government', 'private', 'other')),
    occupation_title     TEXT    CHECK (occupation_title IS NULL
                                 OR length(occupation_title) BETWEEN 1 AND 200),
    reason               TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    topic                TEXT    CHECK (topic IS NULL OR length(topic) BETWEEN 1 AND 100),
    result_other         TEXT    CHECK (result_other IS NULL OR length(result_other) <= 1000),
    actions_taken        TEXT    CHECK (actions_taken IS NULL OR length(actions_taken) <= 4000),
    staff_id             INTEGER NOT NULL REFERENCES staff (id),
    employee_code        TEXT    NOT NULL CHECK (length(employee_code) BETWEEN 1 AND 64),
    recorded_at          INTEGER NOT NULL
);
CREATE INDEX meetings_by_day ON meetings (meeting_day);

CREATE TABLE meeting_results (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    result     TEXT    NOT NULL CHECK (result IN ('referred_to_deputy', 'follow_up_ordered',
                   'checked_against_regulations', 'legal_framework_explained',
                   'unrelated_to_organisation', 'other')),
    PRIMARY KEY (meeting_id, result)
) WITHOUT ROWID;
"#;

// Step 4, privacy: a purged case or meeting used to hold a placeholder national code
// (all ones) because the column was NOT NULL. Now the national code and its masked form are
// NULL once purged and `purged_at` says when; a CHECK ties the two, so a row is either whole or
// purged, never half. A purged case also has no phone and an empty description; a purged
// meeting keeps "-" for the name and reason (text the form requires, erased). Rows purged under
// the old rule (the placeholder, no phone, empty description) are converted, with the time of
// this migration as their purge time. Both tables are referenced by others (case events,
// outbox, receipts; meeting results), so they are rebuilt with foreign keys off; ids are kept.
// Version 6: the outbox carries items only an agency server takes (`claim`: the employee who
// served a visit, so a rating given at any device of the office counts for them). SQLite
// cannot widen a CHECK in place: the table is rebuilt with every column the earlier versions
// gave it, rows and ids kept, its indexes made again. Nothing references the outbox.
const SCHEMA_V6_OFFICE_ITEMS: &str = r#"
CREATE TABLE outbox_v6 (
    id              INTEGER PRIMARY KEY,
    item_uuid       TEXT    NOT NULL UNIQUE CHECK (length(item_uuid) = 36),
    item_kind       TEXT    NOT NULL
                    CHECK (item_kind IN ('case', 'service', 'rating', 'meeting', 'claim')),
    case_id         INTEGER REFERENCES cases (id),
    payload         TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until     INTEGER CHECK (lease_until IS NULL OR state = 'pending'),
    last_error      TEXT,
    done_at         INTEGER CHECK ((done_at IS NULL) = (state <> 'done')),
    lease_token     TEXT CHECK (lease_token IS NULL OR length(lease_token) = 36),
    next_attempt_at INTEGER,
    park_reason     TEXT CHECK (park_reason IS NULL OR state = 'parked'),
    remote_id       TEXT CHECK (remote_id IS NULL OR length(remote_id) <= 64),
    CHECK (item_kind <> 'case' OR case_id IS NOT NULL)
);
INSERT INTO outbox_v6 (id, item_uuid, item_kind, case_id, payload, created_at, state, attempts,
        lease_until, last_error, done_at, lease_token, next_attempt_at, park_reason, remote_id)
    SELECT id, item_uuid, item_kind, case_id, payload, created_at, state, attempts,
        lease_until, last_error, done_at, lease_token, next_attempt_at, park_reason, remote_id
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v6 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (created_at, id) WHERE state = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
"#;

// Version 7: guidance given to a visitor whose subject is outside the agency's scope (a
// consultation, docs/rules.md R-000-4.2: every one is recorded in SAMAD). Each is a row of
// `guidance_given` (the subject, where the visitor was sent, the case kind they had chosen and
// their national code masked) and an outbox item of kind `guidance`, written together. The
// outbox is rebuilt as in version 6 to widen its CHECK; nothing references it.
const SCHEMA_V7_GUIDANCE: &str = r#"
CREATE TABLE guidance_given (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    kiosk_number         INTEGER NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    subject_id           TEXT    NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 100),
    subject_label        TEXT    NOT NULL CHECK (length(subject_label) <= 400),
    destination          TEXT    NOT NULL CHECK (length(destination) BETWEEN 1 AND 4000),
    kind                 TEXT    CHECK (kind IS NULL OR length(kind) BETWEEN 1 AND 40),
    national_code_masked TEXT    CHECK (national_code_masked IS NULL
                                        OR length(national_code_masked) = 10),
    lang                 TEXT    NOT NULL CHECK (lang IN ('fa', 'en')),
    given_at             INTEGER NOT NULL
);
CREATE INDEX guidance_given_at ON guidance_given (given_at);

CREATE TABLE outbox_v7 (
    id              INTEGER PRIMARY KEY,
    item_uuid       TEXT    NOT NULL UNIQUE CHECK (length(item_uuid) = 36),
    item_kind       TEXT    NOT NULL
                    CHECK (item_kind IN ('case', 'service', 'rating', 'meeting', 'claim',
                                         'guidance')),
    case_id         INTEGER REFERENCES cases (id),
    payload         TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_until     INTEGER CHECK (lease_until IS NULL OR state = 'pending'),
    last_error      TEXT,
    done_at         INTEGER CHECK ((done_at IS NULL) = (state <> 'done')),
    lease_token     TEXT CHECK (lease_token IS NULL OR length(lease_token) = 36),
    next_attempt_at INTEGER,
    park_reason     TEXT CHECK (park_reason IS NULL OR state = 'parked'),
    remote_id       TEXT CHECK (remote_id IS NULL OR length(remote_id) <= 64),
    CHECK (item_kind <> 'case' OR case_id IS NOT NULL)
);
INSERT INTO outbox_v7 (id, item_uuid, item_kind, case_id, payload, created_at, state, attempts,
        lease_until, last_error, done_at, lease_token, next_attempt_at, park_reason, remote_id)
    SELECT id, item_uuid, item_kind, case_id, payload, created_at, state, attempts,
        lease_until, last_error, done_at, lease_token, next_attempt_at, park_reason, remote_id
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v7 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (created_at, id) WHERE state = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
"#;

// Version 8: a complaint about an official (seed 000 §10-3) names the official's tier; the
// authority it goes to follows from the tier (firmware/core/src/escalation.rs). Only
// complaints carry one.
const SCHEMA_V8_OFFICIAL: &str = r#"
ALTER TABLE cases ADD COLUMN official_tier TEXT
    CHECK (official_tier IS NULL
           OR (official_tier IN ('county', 'province', 'national') AND kind = 'complaint'));
"#;

// Version 9: a visitor without an Iranian national code identifies by the foreign nationals'
// identifier or by a passport number and its issuing country (docs/identity.md). The national
// code becomes one of three identifiers: `id_kind` says which one the case holds, and exactly
// that one is set until the case is purged, when all are gone. SQLite cannot relax the old
// CHECK tying a missing national code to a purge, so the table is rebuilt; every row so far
// identified by its national code.
const SCHEMA_V9_IDENTITY: &str = r#"
CREATE TABLE cases_v9 (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    tracking_code        TEXT    NOT NULL UNIQUE
                         CHECK (length(tracking_code) = 16 AND tracking_code NOT GLOB '*[^0-9]*'),
    kiosk_number         INTEGER NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    sequence             INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 999999999),
    kind                 TEXT    NOT NULL CHECK (kind IN ('request', 'complaint', 'suggestion',
                             'idea', 'appreciation', 'plan', 'expression_of_feelings',
                             'public_report', 'transfer', 'consultation', 'service_registration')),
    subject_id           TEXT    NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 100),
    service_id           TEXT    CHECK (length(service_id) BETWEEN 1 AND 100),
    id_kind              TEXT    NOT NULL DEFAULT 'national_code'
                         CHECK (id_kind IN ('national_code', 'foreign_id', 'passport')),
    national_code        TEXT    CHECK (national_code IS NULL OR
                             (length(national_code) = 10 AND national_code NOT GLOB '*[^0-9]*')),
    national_code_masked TEXT,
    foreign_id           TEXT    CHECK (foreign_id IS NULL OR
                             (length(foreign_id) = 12 AND foreign_id NOT GLOB '*[^0-9]*')),
    passport_number      TEXT    CHECK (passport_number IS NULL OR
                             (length(passport_number) BETWEEN 6 AND 9
                              AND passport_number NOT GLOB '*[^A-Z0-9]*')),
    passport_country     TEXT    CHECK (passport_country IS NULL OR
                             (length(passport_country) = 3
                              AND passport_country NOT GLOB '*[^A-Z]*')),
    phone                TEXT    CHECK (length(phone) = 11 AND phone GLOB '09*'),
    phone_masked         TEXT,
    description          TEXT    NOT NULL CHECK (length(description) <= 4000),
    registered_at        INTEGER NOT NULL,
    due_date             TEXT,
    due_jalali           TEXT,
    due_working_days     INTEGER CHECK (due_working_days >= 0),
    due_holidays_known   INTEGER CHECK (due_holidays_known IN (0, 1)),
    samad_number         TEXT    UNIQUE,
    status               TEXT    NOT NULL CHECK (status IN ('registered', 'submitted',
                             'in_progress', 'answered', 'closed')),
    purged_at            INTEGER,
    official_tier        TEXT
        CHECK (official_tier IS NULL
               OR (official_tier IN ('county', 'province', 'national') AND kind = 'complaint')),
    UNIQUE (kiosk_number, sequence),
    CHECK ((phone IS NULL) = (phone_masked IS NULL)),
    CHECK ((national_code IS NULL) = (national_code_masked IS NULL)),
    CHECK ((passport_number IS NULL) = (passport_country IS NULL)),
    CHECK (purged_at IS NOT NULL OR (
               (national_code IS NOT NULL) = (id_kind = 'national_code')
           AND (foreign_id IS NOT NULL) = (id_kind = 'foreign_id')
           AND (passport_number IS NOT NULL) = (id_kind = 'passport'))),
    CHECK (purged_at IS NULL OR (national_code IS NULL AND foreign_id IS NULL
                                 AND passport_number IS NULL AND phone IS NULL
                                 AND description = '')),
    CHECK ((due_date IS NULL) = (due_jalali IS NULL)
       AND (due_date IS NULL) = (due_working_days IS NULL)
       AND (due_date IS NULL) = (due_holidays_known IS NULL))
);
INSERT INTO cases_v9 (id, client_uuid, tracking_code, kiosk_number, sequence, kind, subject_id,
        service_id, id_kind, national_code, national_code_masked, phone, phone_masked,
        description, registered_at, due_date, due_jalali, due_working_days, due_holidays_known,
        samad_number, status, purged_at, official_tier)
    SELECT id, client_uuid, tracking_code, kiosk_number, sequence, kind, subject_id, service_id,
        'national_code', national_code, national_code_masked, phone, phone_masked, description,
        registered_at, due_date, due_jalali, due_working_days, due_holidays_known, samad_number,
        status, purged_at, official_tier
    FROM cases;
DROP TABLE cases;
ALTER TABLE cases_v9 RENAME TO cases;
"#;

const SCHEMA_V5_STAFF_CALLS: &str = r#"
CREATE TABLE staff_calls (
    id              INTEGER PRIMARY KEY,
    kiosk           INTEGER NOT NULL CHECK (kiosk BETWEEN 1 AND 99999),
    raised_at       INTEGER NOT NULL,
    acknowledged_at INTEGER CHECK (acknowledged_at IS NULL OR acknowledged_at >= raised_at),
    acknowledged_by TEXT CHECK (acknowledged_by IS NULL OR length(acknowledged_by) BETWEEN 1 AND 64)
);
CREATE INDEX staff_calls_open ON staff_calls (raised_at) WHERE acknowledged_at IS NULL;
"#;

const SCHEMA_V4_PURGED: &str = r#"
CREATE TABLE cases_v4 (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    tracking_code        TEXT    NOT NULL UNIQUE
                         CHECK (length(tracking_code) = 16 AND tracking_code NOT GLOB '*[^0-9]*'),
    kiosk_number         INTEGER NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    sequence             INTEGER NOT NULL CHECK (sequence BETWEEN 1 AND 999999999),
    kind                 TEXT    NOT NULL CHECK (kind IN ('request', 'complaint', 'suggestion',
                             'idea', 'appreciation', 'plan', 'expression_of_feelings',
                             'public_report', 'transfer', 'consultation', 'service_registration')),
    subject_id           TEXT    NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 100),
    service_id           TEXT    CHECK (length(service_id) BETWEEN 1 AND 100),
    national_code        TEXT    CHECK (national_code IS NULL OR
                             (length(national_code) = 10 AND national_code NOT GLOB '*[^0-9]*')),
    national_code_masked TEXT,
    phone                TEXT    CHECK (length(phone) = 11 AND phone GLOB '09*'),
    phone_masked         TEXT,
    description          TEXT    NOT NULL CHECK (length(description) <= 4000),
    registered_at        INTEGER NOT NULL,
    due_date             TEXT,
    due_jalali           TEXT,
    due_working_days     INTEGER CHECK (due_working_days >= 0),
    due_holidays_known   INTEGER CHECK (due_holidays_known IN (0, 1)),
    samad_number         TEXT    UNIQUE,
    status               TEXT    NOT NULL CHECK (status IN ('registered', 'submitted',
                             'in_progress', 'answered', 'closed')),
    purged_at            INTEGER,
    UNIQUE (kiosk_number, sequence),
    CHECK ((phone IS NULL) = (phone_masked IS NULL)),
    CHECK ((national_code IS NULL) = (national_code_masked IS NULL)),
    CHECK ((national_code IS NULL) = (purged_at IS NOT NULL)),
    CHECK (purged_at IS NULL OR (phone IS NULL AND description = '')),
    CHECK ((due_date IS NULL) = (due_jalali IS NULL)
       AND (due_date IS NULL) = (due_working_days IS NULL)
       AND (due_date IS NULL) = (due_holidays_known IS NULL))
);
INSERT INTO cases_v4 (id, client_uuid, tracking_code, kiosk_number, sequence, kind, subject_id,
        service_id, national_code, national_code_masked, phone, phone_masked, description,
        registered_at, due_date, due_jalali, due_working_days, due_holidays_known, samad_number,
        status, purged_at)
    SELECT id, client_uuid, tracking_code, kiosk_number, sequence, kind, subject_id, service_id,
        CASE WHEN purged THEN NULL ELSE national_code END,
        CASE WHEN purged THEN NULL ELSE national_code_masked END,
        phone, phone_masked, description, registered_at, due_date, due_jalali, due_working_days,
        due_holidays_known, samad_number, status,
        CASE WHEN purged THEN CAST(strftime('%s', 'now') AS INTEGER) * 1000 END
    FROM (SELECT *, (national_code = '1111111111' AND phone IS NULL AND description = '')
              AS purged FROM cases);
DROP TABLE cases;
ALTER TABLE cases_v4 RENAME TO cases;

CREATE TABLE meetings_v4 (
    id                   INTEGER PRIMARY KEY,
    client_uuid          TEXT    NOT NULL UNIQUE CHECK (length(client_uuid) = 36),
    kiosk_number         INTEGER NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    meeting_day          TEXT    NOT NULL CHECK (meeting_day GLOB
                                 '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    meeting_jalali       TEXT    NOT NULL,
    full_name            TEXT    NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    national_code        TEXT    CHECK (national_code IS NULL OR
                             (length(national_code) = 10 AND national_code NOT GLOB '*[^0-9]*')),
    national_code_masked TEXT,
    birth_date           TEXT    CHECK (birth_date IS NULL OR birth_date GLOB
                                 '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    occupation           TEXT    NOT NULL CHECK (occupation IN ('government', 'private', 'other')),
    occupation_title     TEXT    CHECK (occupation_title IS NULL
                                 OR length(occupation_title) BETWEEN 1 AND 200),
    reason               TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    topic                TEXT    CHECK (topic IS NULL OR length(topic) BETWEEN 1 AND 100),
    result_other         TEXT    CHECK (result_other IS NULL OR length(result_other) <= 1000),
    actions_taken        TEXT    CHECK (actions_taken IS NULL OR length(actions_taken) <= 4000),
    staff_id             INTEGER NOT NULL REFERENCES staff (id),
    employee_code        TEXT    NOT NULL CHECK (length(employee_code) BETWEEN 1 AND 64),
    recorded_at          INTEGER NOT NULL,
    purged_at            INTEGER,
    CHECK ((national_code IS NULL) = (national_code_masked IS NULL)),
    CHECK ((national_code IS NULL) = (purged_at IS NOT NULL)),
    CHECK (purged_at IS NULL OR (birth_date IS NULL AND full_name = '-' AND reason = '-'))
);
INSERT INTO meetings_v4 (id, client_uuid, kiosk_number, meeting_day, meeting_jalali, full_name,
        national_code, national_code_masked, birth_date, occupation, occupation_title, reason,
        topic, result_other, actions_taken, staff_id, employee_code, recorded_at, purged_at)
    SELECT id, client_uuid, kiosk_number, meeting_day, meeting_jalali, full_name,
        CASE WHEN purged THEN NULL ELSE national_code END,
        CASE WHEN purged THEN NULL ELSE national_code_masked END,
        birth_date, occupation, occupation_title, reason, topic, result_other, actions_taken,
        staff_id, employee_code, recorded_at,
        CASE WHEN purged THEN CAST(strftime('%s', 'now') AS INTEGER) * 1000 END
    FROM (SELECT *, (national_code = '1111111111' AND full_name = '-' AND reason = '-'
                     AND birth_date IS NULL) AS purged FROM meetings);
DROP TABLE meetings;
ALTER TABLE meetings_v4 RENAME TO meetings;
CREATE INDEX meetings_by_day ON meetings (meeting_day);

-- The stored payloads of converted rows lose the placeholder too.
UPDATE outbox SET payload = json_set(payload, '$.national_code', NULL)
    WHERE item_kind = 'case' AND case_id IN (SELECT id FROM cases WHERE purged_at IS NOT NULL);
UPDATE outbox SET payload = json_set(payload, '$.national_code', NULL)
    WHERE item_kind = 'meeting'
      AND item_uuid IN (SELECT client_uuid FROM meetings WHERE purged_at IS NOT NULL);
"#;

/// Reads `PRAGMA user_version`.
pub fn user_version(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .ctx(path, "read the schema version")?;
    // user_version is a signed 32-bit field; a negative one is as foreign as a huge one.
    Ok(u32::try_from(version).unwrap_or(u32::MAX))
}

/// Applies every migration the file lacks, each in its own transaction. Returns the version.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<u32, StoreError> {
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin a migration")?;
        // Read inside the write lock, so two processes cannot apply the same step.
        let current = user_version(&tx, path)?;
        if current > LATEST_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                found: current,
                supported: LATEST_VERSION,
            });
        }
        let Some(step) = MIGRATIONS.get(current as usize) else {
            return Ok(current);
        };
        let next = current + 1;
        if step.rebuilds_referenced_tables {
            // PRAGMA foreign_keys is a no-op inside a transaction: give this one up, switch
            // the checks off, and take the write lock again (the version is read again too).
            drop(tx);
            conn.pragma_update(None, "foreign_keys", false)
                .ctx(path, "turn foreign keys off for a table rebuild")?;
            let applied = apply_rebuild(conn, path, step, current);
            conn.pragma_update(None, "foreign_keys", true)
                .ctx(path, "turn foreign keys back on")?;
            applied?;
            continue;
        }
        tx.execute_batch(step.sql)
            .ctx(path, "apply a schema migration")?;
        tx.pragma_update(None, "user_version", next)
            .ctx(path, "record the schema version")?;
        tx.commit().ctx(path, "commit a schema migration")?;
        tracing::info!(path = %path.display(), version = next, summary = step.summary, "schema migrated");
    }
}

/// Applies a step that rebuilds referenced tables (foreign keys are off on `conn`): in one
/// IMMEDIATE transaction, only if the file is still at `from`, and only if no row is left
/// pointing at nothing afterwards.
fn apply_rebuild(
    conn: &mut Connection,
    path: &Path,
    step: &Migration,
    from: u32,
) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx(path, "begin a migration")?;
    if user_version(&tx, path)? != from {
        // Another process applied it meanwhile; the loop reads the version again.
        return Ok(());
    }
    tx.execute_batch(step.sql)
        .ctx(path, "apply a schema migration")?;
    let dangling: i64 = tx
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .ctx(path, "check foreign keys after a table rebuild")?;
    if dangling > 0 {
        // Rolled back (the transaction is dropped): the file stays at the old version.
        return Err(StoreError::Damaged {
            path: path.to_owned(),
            reason: crate::error::CorruptReason::IntegrityCheckFailed {
                problems: vec![format!(
                    "{dangling} rows would refer to missing rows after migration {}",
                    from + 1
                )],
            },
        });
    }
    tx.pragma_update(None, "user_version", from + 1)
        .ctx(path, "record the schema version")?;
    tx.commit().ctx(path, "commit a schema migration")?;
    tracing::info!(path = %path.display(), version = from + 1, summary = step.summary, "schema migrated");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::CaseStatus;
    use crate::events::EventKind;
    use crate::outbox::{OutboxItemKind, OutboxState};
    use crate::receipts::{ReceiptState, ReceiptVariant};
    use kiosk_core::CaseKind;

    fn fresh() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("m.db")).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrate(&mut conn, Path::new("m.db")).unwrap();
        (dir, conn)
    }

    /// Whether the schema accepts `value` in `table.column` of a row built by `insert`.
    fn accepts(conn: &Connection, sql: &str, value: &str) -> bool {
        conn.execute("SAVEPOINT probe", []).unwrap();
        let ok = conn.execute(sql, [value]).is_ok();
        conn.execute("ROLLBACK TO probe", []).unwrap();
        conn.execute("RELEASE probe", []).unwrap();
        ok
    }

    #[test]
    fn a_fresh_file_gets_the_latest_version_and_a_second_run_changes_nothing() {
        let (_dir, mut conn) = fresh();
        assert_eq!(
            user_version(&conn, Path::new("m.db")).unwrap(),
            LATEST_VERSION
        );
        assert_eq!(
            migrate(&mut conn, Path::new("m.db")).unwrap(),
            LATEST_VERSION
        );
    }

    #[test]
    fn every_rust_enum_value_is_accepted_by_its_check_and_nothing_else() {
        let (_dir, conn) = fresh();
        conn.execute_batch(
            "INSERT INTO cases (id, client_uuid, tracking_code, kiosk_number, sequence, kind,
                 subject_id, national_code, national_code_masked, description, registered_at,
                 status)
             VALUES (1, '00000000-0000-0000-0000-000000000001', '1000010000000010', 1, 1,
                 'complaint', 's', '0499370899', '******0899', '', 0, 'registered');",
        )
        .unwrap();
        let case_kind = "UPDATE cases SET kind = ?1";
        let status = "UPDATE cases SET status = ?1";
        let event =
            "INSERT INTO case_events (case_id, at, actor, unit, kind) VALUES (1, 0, 'a', 'u', ?1)";
        let outbox_kind = "INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at)
            VALUES ('00000000-0000-0000-0000-000000000009', ?1, 1, '{}', 0)";
        let outbox_state = "INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at,
            state, done_at) VALUES ('00000000-0000-0000-0000-000000000009', 'case', 1, '{}', 0, ?1,
            CASE WHEN ?1 = 'done' THEN 1 END)";
        let variant = "INSERT INTO receipts (case_id, variant, state, created_at, updated_at)
            VALUES (1, ?1, 'queued', 0, 0)";
        let receipt_state = "INSERT INTO receipts (case_id, variant, state, created_at, updated_at)
            VALUES (1, 'receipt', ?1, 0, 0)";
        let sets: [(&str, Vec<&str>); 7] = [
            (
                case_kind,
                CaseKind::ALL.iter().map(|k| k.as_str()).collect(),
            ),
            (status, CaseStatus::ALL.iter().map(|k| k.as_str()).collect()),
            (event, EventKind::ALL.iter().map(|k| k.as_str()).collect()),
            (
                outbox_kind,
                OutboxItemKind::ALL.iter().map(|k| k.as_str()).collect(),
            ),
            (
                outbox_state,
                OutboxState::ALL.iter().map(|k| k.as_str()).collect(),
            ),
            (
                variant,
                ReceiptVariant::ALL.iter().map(|k| k.as_str()).collect(),
            ),
            (
                receipt_state,
                ReceiptState::ALL.iter().map(|k| k.as_str()).collect(),
            ),
        ];
        for (sql, values) in sets {
            for value in values {
                assert!(accepts(&conn, sql, value), "{value} refused by: {sql}");
            }
            assert!(!accepts(&conn, sql, "bogus"), "bogus accepted by: {sql}");
        }
    }

    #[test]
    fn outbox_payload_must_be_json() {
        let (_dir, conn) = fresh();
        let sql = "INSERT INTO outbox (item_uuid, item_kind, payload, created_at)
            VALUES ('00000000-0000-0000-0000-000000000009', 'rating', ?1, 0)";
        assert!(accepts(&conn, sql, r#"{"a":1}"#));
        assert!(!accepts(&conn, sql, "{not json"));
    }
}
