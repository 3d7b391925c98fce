-- Satisfaction keys a kiosk number stopped signing with: the device published another (a
-- rotation) or the number was enrolled again by another device (a replacement). A code signed
-- with such a key stays valid for up to thirty days (kiosk_core::satisfaction::CODE_VALID_HOURS),
-- so the fleet's list keeps serving the key, marked with `retired_at`, for that long
-- (server/src/fleet_keys.rs); a device revoked as lost or compromised
-- (`agency-server revoke`) has its retired keys dropped with it.
CREATE TABLE retired_satisfaction_keys (
    kiosk_number integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    public_key   bytea NOT NULL CHECK (length(public_key) = 32),
    published_at timestamptz NOT NULL,
    retired_at   timestamptz NOT NULL DEFAULT now(),
    reason       text NOT NULL CHECK (reason IN ('rotated', 'replaced')),
    PRIMARY KEY (kiosk_number, public_key)
);
CREATE INDEX retired_satisfaction_keys_by_time ON retired_satisfaction_keys (retired_at);
