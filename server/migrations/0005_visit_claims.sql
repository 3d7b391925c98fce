-- Visit claims from the office's desk terminals ("served by"): one employee per visit, whichever
-- desk claimed it, so a rating given at any device of the office counts for that employee
-- (seed 004: satisfaction per employee, measured through the QR code). Claims are the office's
-- own bookkeeping: they are not relayed to SAMAD.
CREATE TABLE visit_claims (
    tracking_code char(16) PRIMARY KEY CHECK (tracking_code ~ '^[0-9]{16}$'),
    employee_code text NOT NULL CHECK (length(employee_code) BETWEEN 1 AND 64),
    kiosk_number  integer NOT NULL CHECK (kiosk_number BETWEEN 1 AND 99999),
    item_id       uuid NOT NULL,
    claimed_at    timestamptz NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kiosk_number, item_id)
);

-- Every rating with the employee it counts for: the visit's claim at any desk of the office,
-- else the employee the satisfaction code itself names, else nobody.
CREATE VIEW rating_attribution AS
SELECT r.kiosk_number                          AS rated_at_kiosk,
       r.item_id,
       r.payload ->> 'tracking_code'           AS tracking_code,
       (r.payload ->> 'score')::integer        AS score,
       (r.payload ->> 'rated_at')::timestamptz AS rated_at,
       coalesce(c.employee_code, nullif(r.payload ->> 'employee_code', '')) AS employee_code,
       CASE WHEN c.employee_code IS NOT NULL THEN 'claim'
            WHEN nullif(r.payload ->> 'employee_code', '') IS NOT NULL THEN 'code'
            ELSE 'none' END                    AS attribution
FROM device_items r
LEFT JOIN visit_claims c ON c.tracking_code = r.payload ->> 'tracking_code'
WHERE r.item_type = 'rating';
