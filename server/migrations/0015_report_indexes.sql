-- The console's reports (server/src/console/reports.rs) read a period's cases, answers, ratings
-- and meetings. Without these indexes each report scans every case, every event and every
-- device item the agency ever stored.

-- Cases registered in a period, for the whole agency and for one place's kiosks.
CREATE INDEX cases_by_registration ON cases (registered_at);
CREATE INDEX cases_by_kiosk_and_registration ON cases (kiosk_number, registered_at);
-- Cases whose response day falls in a period (the contract's `due_date`, `YYYY-MM-DD`, which
-- orders as text).
CREATE INDEX cases_by_due_day ON cases ((payload ->> 'due_date'))
    WHERE payload ->> 'due_date' IS NOT NULL;

-- Answers and closures in a period, and a case's first answer.
CREATE INDEX case_events_by_type_and_time ON case_events (event_type, happened_at);
CREATE INDEX case_events_by_case_and_type ON case_events (tracking_code, event_type, happened_at);

-- An instant a device wrote in a payload, or NULL when it is not an RFC 3339 date-time with
-- its offset. With the offset written out, the result does not depend on the session's time
-- zone or date style, which is what lets it be IMMUTABLE and indexed; a text that looks right
-- but names no real instant (2026-02-30) is NULL too, so a bad payload never fails an insert.
CREATE FUNCTION payload_instant(t text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF t ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$' THEN
        RETURN t::timestamptz;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

-- Ratings by when they were given: the view reads the instant through the function above, so
-- its `rated_at` uses this index (and a malformed `rated_at` is NULL instead of failing every
-- query of the view, as the plain cast did).
CREATE INDEX device_items_ratings_by_time ON device_items (payload_instant(payload ->> 'rated_at'))
    WHERE item_type = 'rating';
CREATE OR REPLACE VIEW rating_attribution AS
SELECT r.kiosk_number                          AS rated_at_kiosk,
       r.item_id,
       r.payload ->> 'tracking_code'           AS tracking_code,
       CASE WHEN r.payload ->> 'score' ~ '^[0-9]{1,3}$'
            THEN (r.payload ->> 'score')::integer END AS score,
       payload_instant(r.payload ->> 'rated_at') AS rated_at,
       coalesce(c.employee_code, nullif(r.payload ->> 'employee_code', '')) AS employee_code,
       CASE WHEN c.employee_code IS NOT NULL THEN 'claim'
            WHEN nullif(r.payload ->> 'employee_code', '') IS NOT NULL THEN 'code'
            ELSE 'none' END                    AS attribution
FROM device_items r
LEFT JOIN visit_claims c ON c.tracking_code = r.payload ->> 'tracking_code'
WHERE r.item_type = 'rating';

-- Meetings by their day (`meeting_date`, `YYYY-MM-DD`).
CREATE INDEX device_items_meetings_by_day ON device_items ((payload ->> 'meeting_date'))
    WHERE item_type = 'meeting';
