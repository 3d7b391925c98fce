-- Services given at the desks by when they were given, for the console's share of services
-- whose request was registered electronically (server/src/console/reports.rs). Partial: only
-- service records are indexed, so a case's or a rating's insert pays nothing for it. Built in
-- the migration's transaction: device inserts wait for it, a few seconds per million items.
CREATE INDEX device_items_services_by_time ON device_items (payload_instant(payload ->> 'given_at'))
    WHERE item_type = 'service';
