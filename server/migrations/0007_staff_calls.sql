-- Staff calls: a visitor pressed «call staff» at a kiosk; the office's desk terminals show the
-- open ones until a member of staff acknowledges one at a desk. `call_id` is the kiosk's own
-- key (a UUID), so a call sent again changes nothing.
CREATE TABLE staff_calls (
    call_id               uuid PRIMARY KEY,
    kiosk_number          integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    raised_at             timestamptz NOT NULL,
    received_at           timestamptz NOT NULL DEFAULT now(),
    acknowledged_at       timestamptz,
    acknowledged_by       text CHECK (length(acknowledged_by) BETWEEN 1 AND 64),
    acknowledged_at_kiosk integer CHECK (acknowledged_at_kiosk BETWEEN 1 AND 99999),
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)
       AND (acknowledged_at IS NULL) = (acknowledged_at_kiosk IS NULL))
);
CREATE INDEX staff_calls_open ON staff_calls (raised_at) WHERE acknowledged_at IS NULL;
CREATE INDEX staff_calls_by_kiosk ON staff_calls (kiosk_number, raised_at);
