-- Staff accounts of the office, valid at every desk terminal: PIN hashes only (argon2id, PHC
-- strings), failures counted here so a lockout holds across desks and server instances.
CREATE TABLE staff (
    employee_code text PRIMARY KEY CHECK (length(employee_code) BETWEEN 1 AND 64),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    pin_hash      text NOT NULL CHECK (pin_hash LIKE '$argon2id$%'),
    active        boolean NOT NULL DEFAULT true,
    failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every login attempt at a desk, kept for the audit (who, where, when, whether it passed).
CREATE TABLE staff_logins (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    employee_code text NOT NULL,
    kiosk_number  integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    at            timestamptz NOT NULL DEFAULT now(),
    outcome       text NOT NULL CHECK (outcome IN ('ok', 'wrong_pin', 'locked', 'unknown'))
);
CREATE INDEX staff_logins_by_employee ON staff_logins (employee_code, at);
