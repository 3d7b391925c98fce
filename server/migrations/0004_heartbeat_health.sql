-- Heartbeats with the device's whole health (issue 18): besides the printer, the outbox and the
-- versions, when the device last had a definite answer from its sync peer (a batch delivered,
-- an event pull answered) and how long its firmware has been running. Both are optional on the
-- wire (older firmware does not send them), so both columns allow NULL.
ALTER TABLE device_health
    ADD COLUMN last_sync_at timestamptz,
    ADD COLUMN uptime_s     bigint CHECK (uptime_s >= 0);
