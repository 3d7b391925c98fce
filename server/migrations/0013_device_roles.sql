-- What a device is to the office, and why it stopped being one.
--
-- A device enrols as a kiosk or as a desk terminal (`agency-server enrol-code --role desk`):
-- the role comes with the one-time code and stays with the device. The desk's routes (staff
-- log-ins, the office's staff calls and their acknowledgement, receipt copies) refuse a kiosk
-- (server/src/auth.rs). Devices enrolled before roles existed keep a NULL role and may use
-- every route, so that upgrading the server does not lock out an office's desks; enrolling
-- them again gives them their role.
-- A code made before roles existed keeps a NULL role, and the device it enrols is a legacy
-- one (every route): it may be a desk's. New codes always name their role.
ALTER TABLE enrol_codes ADD COLUMN role text CHECK (role IN ('kiosk', 'desk'));
ALTER TABLE enrol_codes ALTER COLUMN role SET DEFAULT 'kiosk';
ALTER TABLE devices ADD COLUMN role text CHECK (role IN ('kiosk', 'desk'));

-- Why a device was revoked: 'replaced' (its kiosk number enrolled again by another device) or
-- 'revoked' (`agency-server revoke --kiosk N`: lost, stolen or compromised). Either way its
-- token, certificate and satisfaction key stop counting (server/src/fleet_keys.rs).
ALTER TABLE devices ADD COLUMN revoked_reason text
    CHECK (revoked_reason IN ('replaced', 'revoked'));
UPDATE devices SET revoked_reason = 'replaced' WHERE revoked_at IS NOT NULL;
