-- Notices to applicants (seed 000 §4-5, 4-9, 4-17): an SMS on registration, referral, action
-- and answer, only for a case whose visitor consented on the kiosk's mobile screen
-- (`notice_consent` in the case's payload, kept here as a column). server/src/notices/ writes
-- a notice in the transaction that stores its case or event, and sends it through the SMS
-- provider exactly once: the provider keeps `notice_ref` as the caller's reference and answers
-- a replay with the first message. The phone is read from the case when sending, never copied.

ALTER TABLE cases ADD COLUMN notice_consent boolean NOT NULL DEFAULT false;

CREATE TABLE notices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_ref      uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    tracking_code   char(16) NOT NULL REFERENCES cases (tracking_code),
    trigger         text NOT NULL CHECK (trigger IN ('registered', 'referral', 'action', 'answer')),
    -- The event that caused it ('' for the registration): one notice per case and event.
    event_id        text NOT NULL DEFAULT '',
    body            text NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'delivered', 'undeliverable', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    last_error      text,
    provider_id     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    -- When the delivery report is asked for next, and how often it was.
    next_check_at   timestamptz,
    checks          integer NOT NULL DEFAULT 0,
    delivered_at    timestamptz,
    UNIQUE (tracking_code, trigger, event_id)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notices_to_check ON notices (next_check_at) WHERE state = 'sent';
CREATE INDEX notices_by_case ON notices (tracking_code, created_at);
