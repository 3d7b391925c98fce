//! The console's reports over real HTTP against a real PostgreSQL cluster: three offices in two
//! counties (Karaj central with a kiosk and a desk, Karaj west, Savojbolagh).
//!
//! Cases, ratings, a visit claim and meeting forms arrive through the device contract
//! (`POST /v1/kiosks/{k}/submissions`, as a device's relay sends them). Case events are written
//! in SQL: on the server they come only from SAMAD's feed (server/src/upstream.rs), which has
//! no device-side way in, and running SAMAD's simulator for them would only slow the test.
//!
//! Every figure of the CSV (cases by kind and subject, due, on time, late, overdue, escalated,
//! response rate, average and median handling time in working days, ratings per office and per
//! employee, meetings per month) is checked against the test's own computation from what it
//! sent; the HTML page shows the same numbers; a county manager asking for the other county, a
//! county that does not exist or the agency gets the same 404; a period that does not read gets
//! 400 with the Persian reason.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use agency_server::console::accounts::{self, Scope};
use chrono::{DateTime, Duration as Days, NaiveDate, TimeZone, Utc};
use kiosk_core::WorkingCalendar;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use support::console::{browser, login};
use support::{Office, national_code, tracking_code};
use uuid::Uuid;

/// 1404-Q3: 1 Mehr 1404 (2025-09-23) to 30 Azar 1404 (2025-12-21).
const FIRST: (i32, u32, u32) = (2025, 9, 23);
const LAST: (i32, u32, u32) = (2025, 12, 21);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 09:30 in Tehran on `d` (so the Tehran day is `d`).
fn at(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(6, 0, 0).unwrap())
}

fn office_of(kiosk: u32) -> &'static str {
    match kiosk {
        11 | 31 => "Karaj central",
        12 | 13 => "Karaj west",
        _ => "Savojbolagh",
    }
}

/// Kiosk 13 stands in Karaj west for its first cases, then is moved to Savojbolagh: a case
/// counts for the office its kiosk stood in when the case arrived.
const MOVED_AFTER: u64 = 15;

fn case_office(c: &Case) -> &'static str {
    if c.kiosk == 13 && c.seq > MOVED_AFTER {
        "Savojbolagh"
    } else {
        office_of(c.kiosk)
    }
}

struct Case {
    kiosk: u32,
    seq: u64,
    kind: &'static str,
    subject: String,
    registered: NaiveDate,
    due: Option<NaiveDate>,
    escalated: bool,
    /// (event type, day)
    events: Vec<(&'static str, NaiveDate)>,
}

impl Case {
    fn first_answer(&self) -> Option<NaiveDate> {
        self.events
            .iter()
            .filter(|(t, _)| *t == "answer" || *t == "closed")
            .map(|(_, d)| *d)
            .min()
    }
}

fn cases() -> Vec<Case> {
    let kinds = ["complaint", "request", "consultation", "suggestion"];
    let mut out = Vec::new();
    for kiosk in [11u32, 12, 13, 21] {
        for i in 0..30u64 {
            let registered =
                day(2025, 9, 1) + Days::days(((i * 4 + u64::from(kiosk)) % 125) as i64);
            let kind = kinds[(i % 4) as usize];
            let due = matches!(kind, "complaint" | "request").then(|| registered + Days::days(14));
            let r = |n: i64| registered + Days::days(n);
            let events = match i % 5 {
                0 => vec![("answer", r(5))],
                1 => vec![("referral", r(1)), ("answer", r(20))],
                2 => vec![("referral", r(2))],
                3 => vec![("referral", r(2)), ("closed", r(10))],
                _ => vec![("answer", r(3)), ("answer", r(30))],
            };
            out.push(Case {
                kiosk,
                seq: i + 1,
                kind,
                subject: format!("SUBJ-{}", (i + u64::from(kiosk)) % 3),
                registered,
                due,
                escalated: kind == "complaint" && i % 3 == 0,
                events,
            });
        }
    }
    // Registered more than a year before its answer in 1404-Q3: the report's first guess at
    // the range of registration days misses it (server/src/console/reports.rs, handling time).
    out.push(Case {
        kiosk: 12,
        seq: 31,
        kind: "request",
        subject: "SUBJ-0".to_owned(),
        registered: day(2024, 8, 20),
        due: Some(day(2024, 9, 3)),
        escalated: false,
        events: vec![("answer", day(2025, 10, 15))],
    });
    out
}

fn case_payload(c: &Case) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    let mut p = json!({
        "payload_version": 1, "client_uuid": id,
        "tracking_code": tracking_code(c.kiosk, c.seq),
        "kiosk_number": c.kiosk, "sequence": c.seq, "kind": c.kind,
        "subject_id": c.subject, "service_id": null,
        "national_code": national_code("049937089"), "phone": null,
        "description": "شرح", "registered_at": at(c.registered).to_rfc3339(),
        "due_date": c.due.map(|d| d.format("%Y-%m-%d").to_string()),
        "due_jalali": null, "unit": "واحد پاسخگویی"
    });
    if c.escalated {
        let tier = kiosk_core::escalation::OfficialTier::parse("county").unwrap();
        p["official_tier"] = json!("county");
        p["escalated_to"] = json!(tier.escalation().authority.as_str());
    }
    (id, p)
}

struct Rating {
    kiosk: u32,
    tracking: String,
    employee: &'static str,
    score: u64,
    rated: NaiveDate,
}

fn ratings() -> Vec<Rating> {
    let mut out = Vec::new();
    for kiosk in [11u32, 12, 21] {
        for j in 0..7u64 {
            out.push(Rating {
                kiosk,
                tracking: tracking_code(kiosk, j + 1),
                employee: ["E-1", "E-2", ""][(j % 3) as usize],
                score: (j + u64::from(kiosk)) % 5 + 1,
                rated: day(2025, 9, 10) + Days::days((j * 17) as i64),
            });
        }
    }
    out
}

struct Meeting {
    kiosk: u32,
    day: NaiveDate,
    topic: &'static str,
    occupation: &'static str,
    results: Vec<&'static str>,
}

fn meetings() -> Vec<Meeting> {
    let topics = ["حقوق و دستمزد", "پروانه ساخت", "مالیات"];
    let occupations = ["government", "private", "other"];
    let results = [
        "referred_to_deputy",
        "follow_up_ordered",
        "legal_framework_explained",
    ];
    let mut out = Vec::new();
    for (n, kiosk) in [31u32, 12, 21].into_iter().enumerate() {
        for k in 0..8usize {
            out.push(Meeting {
                kiosk,
                // Two meetings on some days; days across Mehr, Aban, Azar (and one in Dey).
                day: day(2025, 9, 25) + Days::days(((k / 2) * 23 + n) as i64),
                topic: topics[(k + n) % 3],
                occupation: occupations[k % 3],
                results: if k % 2 == 0 {
                    vec![results[0]]
                } else {
                    vec![results[1], results[2]]
                },
            });
        }
    }
    out
}

// ---- The test's own computation -------------------------------------------------------

#[derive(Debug, Default, Clone, PartialEq)]
struct Expected {
    cases: u64,
    due: u64,
    on_time: u64,
    late: u64,
    overdue: u64,
    escalated: u64,
    days: Vec<u32>,
    ratings: u64,
    score_sum: u64,
}

fn working_days(from: NaiveDate, to: NaiveDate) -> u32 {
    let calendar = WorkingCalendar::default();
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().unwrap();
        if calendar.is_working_day(d) {
            n += 1;
        }
    }
    n
}

fn expected(
    cases: &[Case],
    ratings: &[Rating],
    offices: &[&str],
    first: NaiveDate,
    last: NaiveDate,
) -> BTreeMap<String, Expected> {
    let inside = |d: NaiveDate| first <= d && d <= last;
    let mut out: BTreeMap<String, Expected> = offices
        .iter()
        .map(|o| ((*o).to_owned(), Expected::default()))
        .collect();
    for c in cases {
        let Some(e) = out.get_mut(case_office(c)) else {
            continue;
        };
        if inside(c.registered) {
            e.cases += 1;
        }
        if let Some(due) = c.due.filter(|d| inside(*d)) {
            e.due += 1;
            match c.first_answer() {
                Some(a) if a <= due => e.on_time += 1,
                Some(_) => e.late += 1,
                None => {
                    e.overdue += 1;
                    if c.escalated {
                        e.escalated += 1;
                    }
                }
            }
        }
        if let Some(a) = c.first_answer().filter(|a| inside(*a)) {
            e.days.push(working_days(c.registered, a));
        }
    }
    for r in ratings {
        if let Some(e) = out.get_mut(office_of(r.kiosk))
            && inside(r.rated)
        {
            e.ratings += 1;
            e.score_sum += r.score;
        }
    }
    for e in out.values_mut() {
        e.days.sort_unstable();
    }
    out
}

fn total(per_office: &BTreeMap<String, Expected>) -> Expected {
    let mut t = Expected::default();
    for e in per_office.values() {
        t.cases += e.cases;
        t.due += e.due;
        t.on_time += e.on_time;
        t.late += e.late;
        t.overdue += e.overdue;
        t.escalated += e.escalated;
        t.days.extend(&e.days);
        t.ratings += e.ratings;
        t.score_sum += e.score_sum;
    }
    t.days.sort_unstable();
    t
}

fn fixed(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

fn median(d: &[u32]) -> Option<f64> {
    let n = d.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(d[n / 2])),
        _ => Some(f64::from(d[n / 2 - 1] + d[n / 2]) / 2.0),
    }
}

// ---- HTTP helpers ----------------------------------------------------------------------

async fn get(base: &str, cookie: &str, path: &str) -> reqwest::Response {
    browser()
        .get(format!("{base}{path}"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// A CSV answer read back: (figure, place, key) → value.
async fn csv(base: &str, cookie: &str, path: &str) -> BTreeMap<(String, String, String), String> {
    let r = get(base, cookie, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("figure,place,key,value"));
    let mut out = BTreeMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        // The test's names hold no comma or quote, so a plain split reads every field.
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 4, "{line}");
        let key = (f[0].to_owned(), f[1].to_owned(), f[2].to_owned());
        assert!(
            out.insert(key.clone(), f[3].to_owned()).is_none(),
            "{key:?} twice"
        );
    }
    out
}

fn check_figures(got: &BTreeMap<(String, String, String), String>, who: &str, e: &Expected) {
    let value = |figure: &str, key: &str| {
        got.get(&(figure.to_owned(), who.to_owned(), key.to_owned()))
            .unwrap_or_else(|| panic!("{figure} of {who} missing"))
            .clone()
    };
    let rate = (e.due > 0).then(|| e.on_time as f64 / e.due as f64);
    let average = (!e.days.is_empty())
        .then(|| e.days.iter().map(|&d| f64::from(d)).sum::<f64>() / e.days.len() as f64);
    let rating = (e.ratings > 0).then(|| e.score_sum as f64 / e.ratings as f64);
    for (figure, want) in [
        ("cases", e.cases.to_string()),
        ("due", e.due.to_string()),
        ("answered_on_time", e.on_time.to_string()),
        ("answered_late", e.late.to_string()),
        ("overdue", e.overdue.to_string()),
        ("overdue_escalated_10_3", e.escalated.to_string()),
        ("response_rate", fixed(rate, 4)),
        ("handling_answered", e.days.len().to_string()),
        ("handling_average_working_days", fixed(average, 2)),
        ("handling_median_working_days", fixed(median(&e.days), 1)),
        ("rating_count", e.ratings.to_string()),
        ("rating_average", fixed(rating, 2)),
    ] {
        let key = if figure == "cases" { "registered" } else { "" };
        assert_eq!(value(figure, key), want, "{figure} of {who}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_match_an_independent_count_and_stay_in_scope() {
    let office = Office::new().await;
    let server = office.server().await;
    let pool = &office.pool;
    support::console::alborz_offices(pool).await;
    let mut tokens = BTreeMap::new();
    for kiosk in [11u32, 12, 13, 21, 31] {
        accounts::place_kiosk(pool, "test", kiosk, office_of(kiosk))
            .await
            .unwrap();
        let token = if kiosk == 31 {
            office.enrol_desk(&server, kiosk).await
        } else {
            office.enrol(&server, kiosk).await
        };
        tokens.insert(kiosk, token);
    }
    let submit = |kiosk: u32, items: Vec<Value>| {
        let request = office
            .client()
            .post(format!(
                "{}/v1/kiosks/{kiosk}/submissions",
                server.base_url()
            ))
            .bearer_auth(&tokens[&kiosk])
            .json(&json!({ "items": items }));
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            for result in v["results"].as_array().unwrap() {
                assert_eq!(result["status"], 201, "{result}");
            }
        }
    };

    // Cases through the contract, their events in SQL (see the module's note).
    let cases = cases();
    let items = |kiosk: u32, seqs: std::ops::RangeInclusive<u64>| -> Vec<Value> {
        cases
            .iter()
            .filter(|c| c.kiosk == kiosk && seqs.contains(&c.seq))
            .map(|c| {
                let (id, payload) = case_payload(c);
                json!({"item_id": id, "item_type": "case", "payload": payload})
            })
            .collect()
    };
    for kiosk in [11u32, 12, 21] {
        submit(kiosk, items(kiosk, 1..=u64::MAX)).await;
    }
    // Kiosk 13: its first cases in Karaj west, then moved to Savojbolagh, then the rest.
    submit(13, items(13, 1..=MOVED_AFTER)).await;
    accounts::place_kiosk(pool, "test", 13, "Savojbolagh")
        .await
        .unwrap();
    submit(13, items(13, MOVED_AFTER + 1..=u64::MAX)).await;
    let client = pool.get().await.unwrap();
    for c in &cases {
        for (n, (kind, d)) in c.events.iter().enumerate() {
            client
                .execute(
                    "INSERT INTO case_events (event_id, tracking_code, event_type, happened_at,
                                              unit, person) VALUES ($1, $2, $3, $4, 'unit', 'p')",
                    &[
                        &format!("ev-{}-{}-{n}", c.kiosk, c.seq),
                        &tracking_code(c.kiosk, c.seq),
                        kind,
                        &at(*d),
                    ],
                )
                .await
                .unwrap();
        }
    }
    // Migration 0018's columns, kept by its triggers whoever inserts: the first answer or
    // closure, and the office at arrival.
    let wrong = client
        .query_one(
            "SELECT count(*) FROM cases c
             WHERE c.first_answer_at IS DISTINCT FROM
                   (SELECT min(e.happened_at) FROM case_events e
                    WHERE e.tracking_code = c.tracking_code
                      AND e.event_type IN ('answer', 'closed'))",
            &[],
        )
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(wrong, 0);
    for c in &cases {
        let office: Option<String> = client
            .query_one(
                "SELECT office FROM cases WHERE tracking_code = $1",
                &[&tracking_code(c.kiosk, c.seq)],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(office.as_deref(), Some(case_office(c)), "{}", c.seq);
    }
    // A claim at the desk: the second visit of kiosk 11 counts for E-9, whatever its code says.
    let claim_id = Uuid::new_v4();
    submit(
        31,
        vec![
            json!({"item_id": claim_id, "item_type": "claim", "payload": {
                "payload_version": 1, "client_uuid": claim_id, "kiosk_number": 31,
                "tracking_code": tracking_code(11, 2), "employee_code": "E-9",
                "claimed_at": at(day(2025, 9, 10)).to_rfc3339()
            }}),
        ],
    )
    .await;
    let mut ratings = ratings();
    for r in &mut ratings {
        let id = Uuid::new_v4();
        let payload = json!({
            "payload_version": 1, "client_uuid": id, "kiosk_number": r.kiosk,
            "issuing_kiosk": r.kiosk, "tracking_code": r.tracking, "service_id": "SRV-1",
            "employee_code": if r.employee.is_empty() { Value::Null } else { json!(r.employee) },
            "attribution": "code", "score": r.score, "reasons": [],
            "rated_at": at(r.rated).to_rfc3339(), "satisfaction_token": "t"
        });
        submit(
            r.kiosk,
            vec![json!({"item_id": id, "item_type": "rating", "payload": payload})],
        )
        .await;
        if r.tracking == tracking_code(11, 2) {
            r.employee = "E-9";
        }
    }
    let meetings = meetings();
    for m in &meetings {
        let id = Uuid::new_v4();
        let payload = json!({
            "payload_version": 1, "client_uuid": id, "kiosk_number": m.kiosk,
            "meeting_date": m.day.format("%Y-%m-%d").to_string(), "meeting_jalali": "",
            "full_name": "نام", "national_code": national_code("049937089"),
            "birth_date": null, "occupation": m.occupation, "occupation_title": null,
            "reason": "دلیل", "topic": m.topic, "results": m.results, "result_other": null,
            "actions_taken": null, "employee_code": "E-1",
            "recorded_at": at(m.day).to_rfc3339()
        });
        submit(
            m.kiosk,
            vec![json!({"item_id": id, "item_type": "meeting", "payload": payload})],
        )
        .await;
    }

    // Services at the desk (Karaj central): three name a case's tracking code (requested
    // electronically), one names a code no case has, one a case's code with a digit more, one
    // names none; one more falls after the quarter.
    let services = [
        (Some(tracking_code(11, 1)), day(2025, 10, 1)),
        (Some(tracking_code(12, 2)), day(2025, 10, 2)),
        (Some(tracking_code(21, 3)), day(2025, 11, 5)),
        (Some(tracking_code(11, 77)), day(2025, 11, 6)),
        (None, day(2025, 12, 1)),
        (Some(format!("{}0", tracking_code(12, 3))), day(2025, 12, 2)),
        (Some(tracking_code(11, 4)), day(2026, 1, 10)),
    ];
    for (tracking, given) in &services {
        let id = Uuid::new_v4();
        let payload = json!({
            "payload_version": 1, "client_uuid": id, "kiosk_number": 31,
            "service_id": "SRV-1", "employee_code": "E-9", "tracking_code": tracking,
            "given_at": at(*given).to_rfc3339()
        });
        submit(
            31,
            vec![json!({"item_id": id, "item_type": "service", "payload": payload})],
        )
        .await;
    }
    let county: Scope = "county:Karaj".parse().unwrap();
    accounts::add_account(pool, "test", "karaj", &county, "karaj-password-1")
        .await
        .unwrap();
    accounts::add_account(pool, "test", "agency", &Scope::Agency, "agency-password-1")
        .await
        .unwrap();
    let console = support::console::start(pool).await;
    let base = console.base_url();
    let karaj = login(&base, "karaj", "karaj-password-1").await;
    let agency = login(&base, "agency", "agency-password-1").await;
    let (first, last) = (day(FIRST.0, FIRST.1, FIRST.2), day(LAST.0, LAST.1, LAST.2));

    // The agency's quarter, office by office and in total.
    let all = ["Karaj central", "Karaj west", "Savojbolagh"];
    let want = expected(&cases, &ratings, &all, first, last);
    let got = csv(&base, &agency, "/reports.csv?period=1404-Q3&level=agency").await;
    assert_eq!(
        got[&("period".into(), "agency".into(), String::new())],
        "1404-Q3"
    );
    for (office, e) in &want {
        check_figures(&got, &format!("office:{office}"), e);
    }
    let sum = total(&want);
    check_figures(&got, "agency", &sum);
    assert!(sum.due > 0 && sum.on_time > 0 && sum.late > 0 && sum.overdue > 0);
    assert!(sum.escalated > 0, "some overdue cases were escalated");
    // Services: six in the quarter at Karaj central's desk, three of them requested
    // electronically (a case's tracking code); none at the other offices.
    let service = |figure: &str, place: &str| {
        got[&(figure.to_owned(), place.to_owned(), String::new())].clone()
    };
    for place in ["office:Karaj central", "agency"] {
        assert_eq!(service("services_given", place), "6", "{place}");
        assert_eq!(
            service("services_registered_electronically", place),
            "3",
            "{place}"
        );
        assert_eq!(
            service("electronic_service_share", place),
            "0.500",
            "{place}"
        );
    }
    assert_eq!(service("services_given", "office:Savojbolagh"), "0");
    assert_eq!(
        service("electronic_service_share", "office:Savojbolagh"),
        ""
    );
    // By kind and by subject.
    let inside = |d: NaiveDate| first <= d && d <= last;
    for kind in ["complaint", "request", "consultation", "suggestion", "idea"] {
        let n = cases
            .iter()
            .filter(|c| c.kind == kind && inside(c.registered))
            .count();
        assert_eq!(
            got[&("cases_by_kind".into(), "agency".into(), kind.into())],
            n.to_string(),
            "{kind}"
        );
    }
    for s in 0..3 {
        let subject = format!("SUBJ-{s}");
        let n = cases
            .iter()
            .filter(|c| c.subject == subject && inside(c.registered))
            .count();
        assert_eq!(
            got[&("cases_by_subject".into(), "agency".into(), subject.clone())],
            n.to_string()
        );
    }
    // Per employee (E-9 by the claim; the empty code as «(none)»).
    for employee in ["E-1", "E-2", "E-9", ""] {
        let scores: Vec<u64> = ratings
            .iter()
            .filter(|r| r.employee == employee && inside(r.rated))
            .map(|r| r.score)
            .collect();
        let key = if employee.is_empty() {
            "(none)"
        } else {
            employee
        };
        assert_eq!(
            got[&("employee_rating_count".into(), "agency".into(), key.into())],
            scores.len().to_string(),
            "{employee}"
        );
        let mean = scores.iter().sum::<u64>() as f64 / scores.len() as f64;
        assert_eq!(
            got[&(
                "employee_rating_average".into(),
                "agency".into(),
                key.into()
            )],
            format!("{mean:.2}")
        );
    }
    // Meetings per month: Mehr, Aban, Azar 1404.
    for (month, (mf, ml)) in [
        ("1404-07", (day(2025, 9, 23), day(2025, 10, 22))),
        ("1404-08", (day(2025, 10, 23), day(2025, 11, 21))),
        ("1404-09", (day(2025, 11, 22), day(2025, 12, 21))),
    ] {
        let held: Vec<&Meeting> = meetings
            .iter()
            .filter(|m| mf <= m.day && m.day <= ml)
            .collect();
        let value = |figure: &str, key: &str| {
            got.get(&(figure.to_owned(), month.to_owned(), key.to_owned()))
                .cloned()
                .unwrap_or_else(|| panic!("{figure} {key} of {month}"))
        };
        assert_eq!(
            value("meetings", "total"),
            held.len().to_string(),
            "{month}"
        );
        let mut days: Vec<NaiveDate> = held.iter().map(|m| m.day).collect();
        days.dedup();
        days.sort();
        days.dedup();
        assert_eq!(value("meeting_days", ""), days.len().to_string());
        for d in &days {
            let jalali = kiosk_core::JalaliDate::from_gregorian(*d).to_string();
            let n = held.iter().filter(|m| m.day == *d).count();
            assert_eq!(value("meetings_per_day", &jalali), n.to_string());
        }
        for occupation in ["government", "private", "other"] {
            let n = held.iter().filter(|m| m.occupation == occupation).count();
            assert_eq!(value("meeting_occupation", occupation), n.to_string());
        }
        for result in ["referred_to_deputy", "follow_up_ordered", "other"] {
            let n = held.iter().filter(|m| m.results.contains(&result)).count();
            assert_eq!(value("meeting_result", result), n.to_string());
        }
        for topic in ["حقوق و دستمزد", "پروانه ساخت", "مالیات"] {
            let n = held.iter().filter(|m| m.topic == topic).count();
            if n > 0 {
                assert_eq!(value("meeting_topic", topic), n.to_string());
            }
        }
    }

    // The county manager's own county: its two offices only, in SQL; and the agency asking for
    // that county reads the same figures (its scope filters nothing).
    let karaj_offices = ["Karaj central", "Karaj west"];
    let want = expected(&cases, &ratings, &karaj_offices, first, last);
    for (who, cookie, path) in [
        (
            "the county manager",
            &karaj,
            "/reports.csv?period=%DB%B1%DB%B4%DB%B0%DB%B4-Q%DB%B3&level=county&name=Karaj",
        ),
        (
            "the agency",
            &agency,
            "/reports.csv?period=1404-Q3&level=county&name=Karaj",
        ),
    ] {
        let got = csv(&base, cookie, path).await;
        for (office, e) in &want {
            check_figures(&got, &format!("office:{office}"), e);
        }
        check_figures(&got, "county:Karaj", &total(&want));
        assert!(
            !got.keys()
                .any(|(_, place, _)| place.contains("Savojbolagh")),
            "another county's office in the report {who} read"
        );
    }
    // One month, one office.
    let (mf, ml) = (day(2025, 10, 23), day(2025, 11, 21));
    let want = expected(&cases, &ratings, &["Karaj west"], mf, ml);
    let got = csv(
        &base,
        &karaj,
        "/reports.csv?period=1404-08&level=office&name=Karaj%20west",
    )
    .await;
    check_figures(&got, "office:Karaj west", &want["Karaj west"]);

    // The page shows the same figures (English, ASCII digits), with its charts inline.
    let r = get(
        &base,
        &format!("{karaj}; console_lang=en"),
        "/reports?period=1404-Q3&level=county&name=Karaj",
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let want = total(&expected(&cases, &ratings, &karaj_offices, first, last));
    let rate = format!("{:.1}%", want.on_time as f64 * 100.0 / want.due as f64);
    assert!(page.contains(&rate), "response rate {rate} on the page");
    assert!(page.contains("<svg"), "charts inline");
    assert!(page.contains("/reports.csv?period=1404-Q3&amp;level=county&amp;name=Karaj"));
    assert!(!page.contains("Savojbolagh"));
    // Persian by default: the current quarter at the account's own scope.
    let r = get(&base, &karaj, "/reports").await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("گزارش عملکرد") && page.contains("شهرستان Karaj"));

    // Outside the scope and unknown read alike: 404.
    let mut refusals = Vec::new();
    for (path, name) in [
        (
            "/reports?period=1404-Q3&level=county&name=Savojbolagh",
            "Savojbolagh",
        ),
        (
            "/reports?period=1404-Q3&level=county&name=Nowhere1234",
            "Nowhere1234",
        ),
        (
            "/reports?period=1404-Q3&level=office&name=Savojbolagh",
            "Savojbolagh",
        ),
        (
            "/reports?period=1404-Q3&level=office&name=Nowhere1234",
            "Nowhere1234",
        ),
    ] {
        let r = get(&base, &karaj, path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains("در حوزه شما نیست"), "{path}");
        refusals.push(page.replace(name, ""));
    }
    assert_eq!(refusals[0], refusals[1], "outside reads as unknown");
    assert_eq!(refusals[2], refusals[3], "outside reads as unknown");
    for path in [
        "/reports.csv?period=1404-Q3&level=county&name=Savojbolagh",
        "/reports?period=1404-Q3&level=agency",
        "/reports?period=1404-Q3&level=province&name=Alborz",
    ] {
        assert_eq!(
            get(&base, &karaj, path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Input that does not read: 400 with the reason in Persian.
    for (path, reason) in [
        ("/reports?period=1404-Q9", "دوره درست نیست"),
        (
            "/reports?period=next-year&level=county&name=Karaj",
            "دوره درست نیست",
        ),
        ("/reports?period=1404-Q3&level=city&name=Karaj", "سطح باید"),
        ("/reports?period=1404-Q3&level=county", "سطح باید"),
        ("/reports.csv?period=1404-13", "دوره درست نیست"),
    ] {
        let r = get(&base, &karaj, path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(r.text().await.unwrap().contains(reason), "{path}");
    }
    // Without a session: the login page.
    assert_eq!(
        browser()
            .get(format!("{base}/reports.csv?period=1404-Q3&level=agency"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );

    // The reports' range conditions can use migrations 0015 and 0018's indexes (with sequential scans
    // off: on this little data the planner would rightly scan).
    client
        .batch_execute("SET enable_seqscan = off")
        .await
        .unwrap();
    for (sql, index) in [
        (
            "EXPLAIN SELECT count(*) FROM rating_attribution
             WHERE rated_at >= now() - interval '90 days' AND rated_at < now()",
            "device_items_ratings_by_time",
        ),
        (
            "EXPLAIN SELECT office, kind, subject_id FROM cases
             WHERE registered_at >= now() - interval '90 days' AND registered_at < now()",
            "cases_report_by_registration",
        ),
        (
            "EXPLAIN SELECT office, first_answer_at, escalated FROM cases
             WHERE due_day >= '2025-09-23' AND due_day <= '2025-12-21'",
            "cases_report_by_due_day",
        ),
        (
            "EXPLAIN SELECT office, registered_at FROM cases
             WHERE first_answer_at >= now() - interval '90 days' AND first_answer_at < now()",
            "cases_report_by_first_answer",
        ),
        (
            "EXPLAIN SELECT count(*) FROM device_items WHERE item_type = 'meeting'
             AND payload ->> 'meeting_date' >= '2025-09-23' AND payload ->> 'meeting_date' <= '2025-12-21'",
            "device_items_meetings_by_day",
        ),
    ] {
        let plan: Vec<String> = client
            .query(sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains(index), "{sql}\n{plan}");
    }
    console.shutdown().await;
    server.shutdown().await;
}
