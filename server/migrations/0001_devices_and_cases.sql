-- Devices and their enrolment, cases ingested from them, their events, and the per-device
-- count of follow-up misses (the look-up's rate limit, kept here so every instance shares it).

-- One-time enrolment codes (`agency-server enrol-code --kiosk N`): only their SHA-256 is kept.
CREATE TABLE enrol_codes (
    code_hash    bytea PRIMARY KEY,
    kiosk_number integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- Enrolled devices. A kiosk number has at most one active device: enrolling it again (a
-- replaced device) revokes the earlier one. Only the SHA-256 of the bearer token is kept.
CREATE TABLE devices (
    device_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kiosk_number integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    token_hash   bytea NOT NULL UNIQUE,
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE UNIQUE INDEX devices_one_active_per_kiosk ON devices (kiosk_number)
    WHERE revoked_at IS NULL;

-- Cases as the kiosks registered them. One tracking code is one case; the idempotency key
-- (`item_id`) is scoped to the kiosk that sent it.
CREATE TABLE cases (
    tracking_code char(16) PRIMARY KEY CHECK (tracking_code ~ '^[0-9]{16}$'),
    kiosk_number  integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    item_id       uuid NOT NULL,
    national_code char(10) NOT NULL CHECK (national_code ~ '^[0-9]{10}$'),
    kind          text NOT NULL,
    registered_at timestamptz NOT NULL,
    payload       jsonb NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kiosk_number, item_id)
);

-- What happened to a case (SAMAD's events once pulled; desk actions later).
CREATE TABLE case_events (
    event_id      text PRIMARY KEY,
    tracking_code char(16) NOT NULL REFERENCES cases (tracking_code),
    event_type    text NOT NULL,
    happened_at   timestamptz NOT NULL,
    unit          text NOT NULL,
    person        text NOT NULL,
    notes         text
);
CREATE INDEX case_events_by_case ON case_events (tracking_code, happened_at);

-- Follow-up look-ups that found nothing, per kiosk and hour.
CREATE TABLE lookup_misses (
    kiosk_number integer NOT NULL,
    window_start timestamptz NOT NULL,
    misses       integer NOT NULL,
    PRIMARY KEY (kiosk_number, window_start)
);
