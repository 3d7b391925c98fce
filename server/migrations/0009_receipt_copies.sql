-- Guidance records and receipt copies (issue 18).
--
-- Guidance records (a visitor sent elsewhere for a subject outside the agency's scope; seed 000
-- 4-2, 5-2: every consultation is recorded) are items like services: stored per device and
-- relayed upstream to SAMAD. The item-type checks of 0002 did not list them.
ALTER TABLE device_items DROP CONSTRAINT device_items_item_type_check;
ALTER TABLE device_items ADD CONSTRAINT device_items_item_type_check
    CHECK (item_type IN ('service', 'rating', 'meeting', 'guidance'));
ALTER TABLE upstream_outbox DROP CONSTRAINT upstream_outbox_item_type_check;
ALTER TABLE upstream_outbox ADD CONSTRAINT upstream_outbox_item_type_check
    CHECK (item_type IN ('case', 'service', 'rating', 'meeting', 'guidance'));

-- Receipt copies a desk terminal printed of one of the office's cases
-- (`POST /v1/kiosks/{kiosk}/receipt-copies`): which case, which desk, when. What was printed
-- is not kept: it is the case's own data, masked.
CREATE TABLE receipt_copies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_code char(16) NOT NULL REFERENCES cases (tracking_code),
    desk_kiosk    integer NOT NULL CHECK (desk_kiosk BETWEEN 1 AND 99999),
    given_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipt_copies_by_case ON receipt_copies (tracking_code, given_at);

-- The receipts each kiosk could not print (paper out, printer offline, the visitor gone
-- before it printed), as its latest heartbeat listed them: the whole list is replaced by each
-- heartbeat. Desks are offered these (minus those a desk has given a copy of since).
CREATE TABLE owed_receipts (
    kiosk_number  integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    tracking_code char(16) NOT NULL CHECK (tracking_code ~ '^[0-9]{16}$'),
    reported_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kiosk_number, tracking_code)
);
