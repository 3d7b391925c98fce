-- The console's management pages (devices, staff, catalogue): who may change things, and
-- which office a desk's staff account belongs to.
--
-- A console account is a `viewer` (the pages it had before: fleet, cases, reports; the audit
-- log for the agency) or a `manager` (those, and the changes of its scope: enrolment codes,
-- revoking a device, its role, the office's staff and, for the agency, the catalogue). Existing
-- accounts stay viewers: an upgrade gives no one a right they did not have; the operator makes
-- a manager with `agency-server console-account add --role manager`.
ALTER TABLE console_accounts ADD COLUMN role text NOT NULL DEFAULT 'viewer'
    CHECK (role IN ('viewer', 'manager'));

-- The office a staff account serves in: it logs in at that office's desks only, and that
-- office's managers (and its county's, province's and the agency's) manage it. Accounts made
-- before (or by `agency-server staff-add` without --office) have none: valid at every desk, as
-- before, and managed by the agency only.
ALTER TABLE staff ADD COLUMN office text REFERENCES offices (name);
CREATE INDEX staff_by_office ON staff (office);
