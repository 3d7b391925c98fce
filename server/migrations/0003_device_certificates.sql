-- Client certificates issued to devices at enrolment by the server's device CA (server/src/pki.rs).
-- One per device row: re-enrolling a kiosk makes a new device row with a new certificate and
-- revokes the old row and its certificate together. A request is accepted only over a TLS
-- connection whose client certificate has the fingerprint recorded here for the bearer token's
-- active device, so a revoked certificate is refused at once, without a CRL.
CREATE TABLE device_certificates (
    device_id   bigint PRIMARY KEY REFERENCES devices (device_id),
    -- The serial number, lower-case hex (unique per CA: random 127 bits).
    serial      text NOT NULL UNIQUE CHECK (serial ~ '^[0-9a-f]{2,40}$'),
    -- SHA-256 of the certificate's DER.
    fingerprint bytea NOT NULL UNIQUE CHECK (length(fingerprint) = 32),
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
