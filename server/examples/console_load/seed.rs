//! What the console benchmark puts in PostgreSQL before it measures: an agency of 5 provinces,
//! 20 counties and 100 offices with the devices placed in them, each device's heartbeat, a
//! year of cases spread over the devices, their referrals and answers, ratings, meeting forms
//! and audit lines: the tables the console's pages and reports read (server/src/console/),
//! written with `generate_series` in batches, as a busy agency would have them.

use deadpool_postgres::Pool;

/// Provinces, counties per province, offices per county.
pub const PROVINCES: u32 = 5;
pub const COUNTIES: u32 = 4;
pub const OFFICES: u32 = 5;

/// Rows written per statement.
const BATCH: i64 = 100_000;

pub fn province(p: u32) -> String {
    format!("Province-{p}")
}

pub fn county(p: u32, c: u32) -> String {
    format!("County-{p}-{c}")
}

pub fn office(p: u32, c: u32, o: u32) -> String {
    format!("Office-{p}-{c}-{o}")
}

/// The offices, in order.
pub fn offices() -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for p in 1..=PROVINCES {
        for c in 1..=COUNTIES {
            for o in 1..=OFFICES {
                all.push((office(p, c, o), county(p, c), province(p)));
            }
        }
    }
    all
}

/// Places the offices and `devices` kiosks (numbered 1..=devices, spread evenly), enrols
/// them and writes their heartbeats.
pub async fn places_and_devices(pool: &Pool, devices: u32) -> anyhow::Result<()> {
    use agency_server::console::accounts;
    let offices = offices();
    for (o, c, p) in &offices {
        accounts::add_office(pool, "bench", o, c, p).await?;
    }
    for kiosk in 1..=devices {
        let (o, _, _) = &offices[usize::try_from(kiosk - 1)? % offices.len()];
        accounts::place_kiosk(pool, "bench", kiosk, o).await?;
    }
    let client = pool.get().await?;
    let n = i32::try_from(devices)?;
    client
        .execute(
            "INSERT INTO devices (kiosk_number, token_hash)
             SELECT g, sha256(convert_to('bench-token-' || g, 'UTF8'))
             FROM generate_series(1, $1) g",
            &[&n],
        )
        .await?;
    client
        .execute(
            "INSERT INTO device_health (kiosk_number, received_at, sent_at, firmware_version,
                 schema_version, catalogue_version, printer_state, paper, outbox_depth,
                 outbox_parked, oldest_unsent_age_s)
             SELECT g, now() - (g % 300) * interval '1 second',
                    now() - (g % 300) * interval '1 second', '0.1.0', 12, 'v1',
                    CASE WHEN g % 50 = 0 THEN 'error' ELSE 'ok' END,
                    CASE WHEN g % 30 = 0 THEN 'low' ELSE 'ok' END,
                    g % 7, 0, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 600 END
             FROM generate_series(1, $1) g",
            &[&n],
        )
        .await?;
    Ok(())
}

/// `cases` cases over the past 365 days on `devices` kiosks, 70 % answered, 30 % referred,
/// one rating for every fifth case, one meeting form for every fiftieth, and 10,000 audit
/// lines.
pub async fn cases(pool: &Pool, devices: u32, cases: i64) -> anyhow::Result<()> {
    let client = pool.get().await?;
    let devices = i64::from(devices);
    let mut from = 1;
    while from <= cases {
        let to = (from + BATCH - 1).min(cases);
        client
            .execute(
                "INSERT INTO cases (tracking_code, kiosk_number, item_id, national_code, kind,
                     registered_at, payload)
                 SELECT lpad(g::text, 16, '0'), k, gen_random_uuid(),
                        lpad((100000000 + g)::text, 10, '0'), kind, reg,
                        jsonb_build_object(
                            'payload_version', 1, 'tracking_code', lpad(g::text, 16, '0'),
                            'kiosk_number', k, 'kind', kind, 'subject_id', 'SUBJ-' || (g % 40),
                            'phone', '09121234567', 'description', 'شرح درخواست شماره ' || g,
                            'registered_at', to_char(reg AT TIME ZONE 'UTC',
                                                     'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                            'due_date', to_char((reg + interval '14 days') AT TIME ZONE 'UTC',
                                                'YYYY-MM-DD'),
                            'due_jalali', '۱۴۰۵/۰۹/۱۶', 'unit', 'واحد پاسخگویی',
                            'escalated_to', CASE WHEN g % 40 = 0 THEN 'county_governor' END)
                 FROM (SELECT g, 1 + (g % $3) AS k,
                              now() - (g::float8 / $4 * 365) * interval '1 day' AS reg,
                              (ARRAY['request', 'complaint', 'suggestion', 'idea',
                                     'appreciation', 'plan', 'expression_of_feelings',
                                     'public_report', 'transfer', 'consultation',
                                     'service_registration'])[1 + g % 11] AS kind
                       FROM generate_series($1::bigint, $2::bigint) g) s",
                &[&from, &to, &devices, &(cases as f64)],
            )
            .await?;
        client
            .execute(
                "INSERT INTO case_events (event_id, tracking_code, event_type, happened_at, unit,
                     person, notes)
                 SELECT 'bench-' || t || '-' || c.tracking_code, c.tracking_code, t,
                        least(now(), c.registered_at
                              + CASE t WHEN 'referral' THEN interval '1 day'
                                       ELSE ((c.kiosk_number % 20) + 1) * interval '1 day' END),
                        'اداره رسیدگی', 'کارشناس ' || (c.kiosk_number % 30), NULL
                 FROM cases c,
                      LATERAL (SELECT unnest(CASE
                                   WHEN right(c.tracking_code, 1) IN ('0', '1', '2')
                                       THEN ARRAY['referral', 'answer']
                                   WHEN right(c.tracking_code, 1) IN ('3', '4', '5', '6')
                                       THEN ARRAY['answer']
                                   ELSE ARRAY[]::text[] END) AS t) e
                 WHERE c.tracking_code BETWEEN lpad($1::bigint::text, 16, '0') AND lpad($2::bigint::text, 16, '0')",
                &[&from, &to],
            )
            .await?;
        client
            .execute(
                "INSERT INTO device_items (kiosk_number, item_id, item_type, payload)
                 SELECT c.kiosk_number, gen_random_uuid(), 'rating',
                        jsonb_build_object('tracking_code', c.tracking_code,
                            'kiosk_number', c.kiosk_number,
                            'score', 1 + (c.kiosk_number + length(c.tracking_code)) % 5,
                            'rated_at', to_char((c.registered_at + interval '1 hour')
                                                AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                            'employee_code', 'E' || (c.kiosk_number % 300))
                 FROM cases c
                 WHERE c.tracking_code BETWEEN lpad($1::bigint::text, 16, '0') AND lpad($2::bigint::text, 16, '0')
                   AND right(c.tracking_code, 1) IN ('0', '5')",
                &[&from, &to],
            )
            .await?;
        client
            .execute(
                "INSERT INTO device_items (kiosk_number, item_id, item_type, payload)
                 SELECT c.kiosk_number, gen_random_uuid(), 'meeting',
                        jsonb_build_object('kiosk_number', c.kiosk_number,
                            'meeting_date', to_char(c.registered_at AT TIME ZONE 'Asia/Tehran',
                                                    'YYYY-MM-DD'),
                            'topic', 'موضوع ' || (c.kiosk_number % 12),
                            'occupation', (ARRAY['government', 'private', 'other'])
                                          [1 + c.kiosk_number % 3],
                            'results', jsonb_build_array('follow_up_ordered'))
                 FROM cases c
                 WHERE c.tracking_code BETWEEN lpad($1::bigint::text, 16, '0') AND lpad($2::bigint::text, 16, '0')
                   AND right(c.tracking_code, 2) IN ('00', '50')",
                &[&from, &to],
            )
            .await?;
        eprintln!("  seeded cases up to {to}");
        from = to + 1;
    }
    client
        .execute(
            "INSERT INTO console_audit (at, actor, action, detail)
             SELECT now() - g * interval '1 minute', 'bench', 'office.place',
                    jsonb_build_object('kiosk', g % 1000)
             FROM generate_series(1, 10000) g",
            &[],
        )
        .await?;
    client.batch_execute("VACUUM ANALYZE").await?;
    Ok(())
}

/// A backlog of `n` registration notices for the first `n` cases, as if the provider had
/// been unreachable while they were registered.
pub async fn notices(pool: &Pool, n: i64) -> anyhow::Result<()> {
    let client = pool.get().await?;
    client
        .execute(
            "WITH picked AS (
                 UPDATE cases SET notice_consent = true
                 WHERE tracking_code IN (SELECT tracking_code FROM cases
                                         ORDER BY tracking_code LIMIT $1)
                 RETURNING tracking_code)
             INSERT INTO notices (tracking_code, trigger, body)
             SELECT tracking_code, 'registered',
                    'درخواست شما با کد رهگیری ' || tracking_code || ' ثبت شد.'
             FROM picked",
            &[&n],
        )
        .await?;
    Ok(())
}
