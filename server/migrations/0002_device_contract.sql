-- The device contract that kiosks and desk terminals speak to the server (the same one they
-- speak to SAMAD, so a device's relay works unchanged against either): items other than cases,
-- an event cursor, the latest heartbeat of each device, the catalogue, and the upstream outbox
-- the server relays to SAMAD from.

-- Services, ratings and meetings as the devices sent them, idempotent per kiosk and item id.
CREATE TABLE device_items (
    kiosk_number integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    item_id      uuid NOT NULL,
    item_type    text NOT NULL CHECK (item_type IN ('service', 'rating', 'meeting')),
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kiosk_number, item_id)
);

-- Events in the order they were learnt: devices page through them by this number.
ALTER TABLE case_events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX case_events_by_seq ON case_events (seq);

-- The latest heartbeat of each kiosk number (what the console's fleet view reads).
CREATE TABLE device_health (
    kiosk_number        integer PRIMARY KEY CHECK (kiosk_number BETWEEN 1 AND 99999),
    received_at         timestamptz NOT NULL,
    sent_at             timestamptz NOT NULL,
    firmware_version    text NOT NULL,
    schema_version      integer NOT NULL,
    catalogue_version   text,
    printer_state       text NOT NULL,
    paper               text NOT NULL,
    outbox_depth        bigint NOT NULL,
    outbox_parked       bigint NOT NULL,
    oldest_unsent_age_s bigint
);

-- The catalogue every device downloads (one row; its ETag changes with its body).
CREATE TABLE catalogue (
    id         integer PRIMARY KEY CHECK (id = 1),
    etag       text NOT NULL,
    body       jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What the server owes SAMAD: every case and item a device sent, once, relayed from here
-- (state per item; `leased_until` lets several instances share the work without sending an
-- item twice at once; `remote_id` is SAMAD's service request id once accepted).
CREATE TABLE upstream_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kiosk_number    integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    item_id         uuid NOT NULL,
    item_type       text NOT NULL CHECK (item_type IN ('case', 'service', 'rating', 'meeting')),
    payload         jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'parked')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    last_error      text,
    remote_id       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz,
    UNIQUE (kiosk_number, item_id)
);
CREATE INDEX upstream_outbox_due ON upstream_outbox (next_attempt_at) WHERE state = 'pending';

-- Where the server is in each kiosk's SAMAD event feed.
CREATE TABLE upstream_cursors (
    kiosk_number integer PRIMARY KEY CHECK (kiosk_number BETWEEN 1 AND 99999),
    cursor       text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
