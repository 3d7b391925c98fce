-- An office's, a county's or a province's report reads the cases of its offices only
-- (server/src/console/reports.rs filters on `office = ANY(…)`): office-leading twins of
-- migration 0018's report indexes, so such a report walks a few index ranges instead of the
-- whole agency's period. The agency's own report keeps using 0018's.
CREATE INDEX cases_report_by_office_registration ON cases (office, registered_at)
    INCLUDE (kind, subject_id);
CREATE INDEX cases_report_by_office_due_day ON cases (office, due_day)
    INCLUDE (first_answer_at, escalated)
    WHERE due_day IS NOT NULL;
CREATE INDEX cases_report_by_office_first_answer ON cases (office, first_answer_at)
    INCLUDE (registered_at)
    WHERE first_answer_at IS NOT NULL;
