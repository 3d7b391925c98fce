-- The fleet's satisfaction keys: the Ed25519 public key each device signs its satisfaction
-- codes with (firmware/core/src/satisfaction.rs), published by the device itself
-- (`PUT /v1/kiosks/{kiosk}/satisfaction-key`) and served to every device of the office
-- (`GET /v1/kiosks/{kiosk}/fleet-keys`), so a code printed at one kiosk verifies at any other.
-- Keyed by the device row, not the kiosk number: a revoked device (replaced by enrolling its
-- kiosk number again) drops out of the fleet's list with its key, and its successor publishes
-- its own. A device holds one key; publishing another (a rotation) replaces it.
CREATE TABLE satisfaction_keys (
    device_id    bigint PRIMARY KEY REFERENCES devices (device_id),
    kiosk_number integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    -- The 32-byte Ed25519 public key (checked by the server: a valid point, not of small order).
    public_key   bytea NOT NULL CHECK (length(public_key) = 32),
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX satisfaction_keys_by_kiosk ON satisfaction_keys (kiosk_number);
