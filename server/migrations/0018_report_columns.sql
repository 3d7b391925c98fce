-- What the console's reports (server/src/console/reports.rs) read of a case, as columns, so
-- that each report is an index-only scan of its period's rows summed in SQL, instead of
-- reading every case's payload (and every case's events) back to the server.
--
-- - subject_id, due_day, escalated: generated from the payload, so they can never disagree
--   with it (a payload changed later changes them too);
-- - first_answer_at: the earliest `answer` or `closed` event, kept by a trigger on case_events
--   in the inserting transaction, whoever inserts;
-- - office: the office the case's kiosk stood in when the case arrived, set by a trigger on
--   insert. Moving a kiosk to another office no longer moves its past cases in the reports.
--   Cases stored before this migration get the office their kiosk stands in now (the history
--   of placements was not kept).

-- A `YYYY-MM-DD` day written in a payload, or NULL when it is not one or names no real day
-- (2026-02-30). Built with make_date, so no session setting changes the result (IMMUTABLE),
-- and a bad payload never fails an insert.
CREATE FUNCTION payload_day(t text) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF t ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        RETURN make_date(substr(t, 1, 4)::integer, substr(t, 6, 2)::integer,
                         substr(t, 9, 2)::integer);
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

ALTER TABLE cases
    ADD COLUMN subject_id text GENERATED ALWAYS AS (payload ->> 'subject_id') STORED,
    ADD COLUMN due_day date GENERATED ALWAYS AS (payload_day(payload ->> 'due_date')) STORED,
    ADD COLUMN escalated boolean
        GENERATED ALWAYS AS (coalesce(payload ->> 'escalated_to', '') <> '') STORED,
    ADD COLUMN first_answer_at timestamptz,
    ADD COLUMN office text;

UPDATE cases c
SET office = ok.office
FROM office_kiosks ok
WHERE ok.kiosk_number = c.kiosk_number;

UPDATE cases c
SET first_answer_at = a.at
FROM (SELECT tracking_code, min(happened_at) AS at
      FROM case_events
      WHERE event_type IN ('answer', 'closed')
      GROUP BY tracking_code) a
WHERE c.tracking_code = a.tracking_code;

-- The office at arrival, unless the inserting statement named one.
CREATE FUNCTION cases_office_on_arrival() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.office IS NULL THEN
        SELECT ok.office INTO NEW.office
        FROM office_kiosks ok
        WHERE ok.kiosk_number = NEW.kiosk_number;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER cases_office_on_arrival BEFORE INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_office_on_arrival();

-- The first answer, once per inserting statement (a pull of many events, a bulk load).
CREATE FUNCTION cases_first_answer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases c
    SET first_answer_at = a.at
    FROM (SELECT tracking_code, min(happened_at) AS at
          FROM inserted_events
          WHERE event_type IN ('answer', 'closed')
          GROUP BY tracking_code) a
    WHERE c.tracking_code = a.tracking_code
      AND (c.first_answer_at IS NULL OR c.first_answer_at > a.at);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_events_first_answer AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS inserted_events
    FOR EACH STATEMENT EXECUTE FUNCTION cases_first_answer();

-- Each report query's rows, with what it sums (index-only after a vacuum).
-- Registered in a period: by office, kind, subject. Also serves what cases_by_registration did.
CREATE INDEX cases_report_by_registration ON cases (registered_at)
    INCLUDE (office, kind, subject_id);
DROP INDEX cases_by_registration;
-- Due in a period: answered when, escalated.
CREATE INDEX cases_report_by_due_day ON cases (due_day)
    INCLUDE (office, first_answer_at, escalated)
    WHERE due_day IS NOT NULL;
DROP INDEX cases_by_due_day;
-- First answered in a period: registered when.
CREATE INDEX cases_report_by_first_answer ON cases (first_answer_at)
    INCLUDE (office, registered_at)
    WHERE first_answer_at IS NOT NULL;
DROP INDEX case_events_by_type_and_time;
