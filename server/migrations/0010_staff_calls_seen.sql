-- Staff calls a kiosk still sends: a kiosk sends its open call again every few seconds until a
-- desk acknowledges it, so `last_seen_at` says whether the call is still live. The desks list
-- open calls seen in the last minute only: a call its kiosk closed itself (a staff card
-- scanned there while the server was out of reach), or of a kiosk taken out of service or
-- re-enrolled, leaves the desks instead of being announced for ever.
ALTER TABLE staff_calls ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();
DROP INDEX staff_calls_open;
CREATE INDEX staff_calls_open ON staff_calls (last_seen_at) WHERE acknowledged_at IS NULL;
