//! Notices to applicants against a real PostgreSQL cluster, the real SMS provider simulator
//! (tools/sms-sim) over HTTP on loopback and, for SAMAD's events, the real SAMAD simulator over
//! mutual TLS: only a consenting visitor is notified; registration, referral, action and answer
//! each once, closing never; every notice taken by the provider exactly once through 500s,
//! lost answers and two senders on one database; a backlog drained at the provider's rate;
//! refusals and undeliverable phones recorded; a malformed consent refused with nothing
//! stored; the console's case page showing the notices.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use agency_server::ServerHandle;
use agency_server::console::accounts::{self, Scope};
use agency_server::notices::sender::{NoticeSender, NoticeSettings, NoticeStats, NoticesHandle};
use agency_server::notices::text;
use agency_server::upstream::Upstream;
use deadpool_postgres::Pool;
use kiosk_sync::Backoff;
use kiosk_sync::wire::EventType;
use reqwest::header::COOKIE;
use serde_json::{Value, json};
use sms_sim::{Faults, SimConfig, SimHandle};
use support::{Office, case_item, national_code};

const KIOSK: u32 = 41;

async fn provider(config: SimConfig) -> SimHandle {
    sms_sim::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
}

/// Short waits, the simulator's key.
fn settings(sim: &SimHandle) -> NoticeSettings {
    let mut s = NoticeSettings::new(sim.base_url(), "sms-test-key");
    s.rate_per_second = 1_000;
    s.request_timeout = Duration::from_millis(500);
    s.lease = Duration::from_secs(2);
    s.backoff = Backoff {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(200),
    };
    s.poll_interval = Duration::from_millis(20);
    s.first_check = Duration::from_millis(50);
    s.check_cap = Duration::from_millis(200);
    s
}

fn sender(pool: &Pool, settings: NoticeSettings) -> NoticesHandle {
    NoticeSender::new(pool.clone(), settings).unwrap().spawn()
}

/// Case `seq` of [`KIOSK`] with `edit` applied to its payload.
fn case(seq: u64, edit: impl FnOnce(&mut Value)) -> Value {
    let (_, mut item) = case_item(
        KIOSK,
        seq,
        &national_code(&format!("{:09}", 300_000_000 + seq)),
    );
    edit(&mut item["payload"]);
    item
}

/// A consenting case as a kiosk sends it (the consent's time is the case's commit).
fn consenting(seq: u64) -> Value {
    case(seq, |p| {
        p["notice_consent"] = json!(true);
        p["notice_consent_at"] = json!("2026-11-23T03:00:00.000Z");
    })
}

/// An office whose server took `cases` consenting cases from [`KIOSK`].
async fn office_with_consenting(cases: u64) -> (Office, ServerHandle, String) {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, KIOSK).await;
    for seq in 1..=cases {
        let (status, body) = office
            .post_case(&server, KIOSK, &token, &consenting(seq))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    (office, server, token)
}

async fn notice_states(pool: &Pool) -> Vec<(String, String, String)> {
    let client = pool.get().await.unwrap();
    client
        .query(
            "SELECT tracking_code, trigger, state FROM notices ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// Waits until no notice is `pending` or `sent`; panics after `limit`.
async fn wait_settled(pool: &Pool, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let open = notice_states(pool)
            .await
            .iter()
            .filter(|(_, _, s)| s == "pending" || s == "sent")
            .count();
        if open == 0 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{open} notices still open after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_consenting_visitor_is_notified_once_and_the_delivery_is_recorded() {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, KIOSK).await;
    let yes = consenting(1);
    for item in [
        &yes,
        // A replay of the same item: no second notice.
        &yes,
        // A phone but no consent, and consent said no.
        &case(2, |_| {}),
        &case(3, |p| p["notice_consent"] = json!(false)),
        // A phone that never answers.
        &case(4, |p| {
            p["notice_consent"] = json!(true);
            p["phone"] = json!("09120000000");
        }),
    ] {
        let (status, body) = office.post_case(&server, KIOSK, &token, item).await;
        assert!(status == 201 || status == 200, "{status} {body}");
    }
    assert_eq!(office.count("notices").await, 2, "cases 1 and 4 consented");
    let sim = provider(SimConfig {
        delivery_delay: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let notices = sender(&office.pool, settings(&sim));
    wait_settled(&office.pool, Duration::from_secs(20)).await;
    notices.shutdown().await;

    let code = yes["payload"]["tracking_code"].as_str().unwrap();
    let messages = sim.messages();
    assert_eq!(messages.len(), 2);
    let first = messages.iter().find(|m| m.to == "09121234567").unwrap();
    assert_eq!(first.requests, 1);
    assert!(first.parts <= 2, "{}", first.parts);
    assert!(text::units(&first.text) <= text::MAX_UNITS);
    let persian_code = kiosk_core::digits::to_persian_digits(code);
    assert!(first.text.contains(&persian_code), "{}", first.text);
    assert!(first.text.starts_with("شکایت شما"), "{}", first.text);
    assert!(first.text.contains("۱۴۰۵/۰۹/۱۶"), "{}", first.text);
    let states = notice_states(&office.pool).await;
    let dead = case(4, |_| {})["payload"]["tracking_code"].clone();
    assert_eq!(
        states
            .iter()
            .map(|(c, t, s)| (c.as_str(), t.as_str(), s.as_str()))
            .collect::<Vec<_>>(),
        [
            (code, "registered", "delivered"),
            (dead.as_str().unwrap(), "registered", "undeliverable")
        ]
    );
    let client = office.pool.get().await.unwrap();
    let consent: Vec<bool> = client
        .query(
            "SELECT notice_consent FROM cases ORDER BY tracking_code",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(consent, [true, false, false, true]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_consent_is_refused_with_a_reason_and_nothing_is_stored() {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, KIOSK).await;
    for (item, reason) in [
        (
            case(1, |p| p["notice_consent"] = json!("yes")),
            "notice_consent must be true or false",
        ),
        (
            case(2, |p| p["notice_consent"] = json!(1)),
            "notice_consent must be true or false",
        ),
        (
            case(3, |p| {
                p["notice_consent"] = json!(true);
                p["phone"] = Value::Null;
            }),
            "notice_consent needs a phone",
        ),
        (
            case(4, |p| {
                p["notice_consent_at"] = json!("2026-11-23T02:59:40.000Z")
            }),
            "notice_consent_at is sent only with notice_consent true",
        ),
        (
            case(5, |p| {
                p["notice_consent"] = json!(true);
                p["notice_consent_at"] = json!("yesterday");
            }),
            "notice_consent_at must be an RFC 3339 date-time",
        ),
        (
            // PostgreSQL cannot keep U+0000: a reason, not a 500 retried for ever.
            case(6, |p| p["description"] = json!("شرح\u{0}درخواست")),
            "must not contain the NUL character",
        ),
    ] {
        let (status, body) = office.post_case(&server, KIOSK, &token, &item).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains(reason), "{body}");
        assert!(!body.contains("0912"), "no phone in the reason: {body}");
    }
    assert_eq!(office.count("cases").await, 0);
    assert_eq!(office.count("notices").await, 0);
    assert_eq!(office.count("upstream_outbox").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_notice_is_taken_once_through_500s_lost_answers_and_two_senders() {
    const CASES: u64 = 40;
    let (office, _server, _token) = office_with_consenting(CASES).await;
    let sim = provider(SimConfig::default()).await;
    sim.set_faults(Faults {
        fail_next: 5,
        error_rate: 0.25,
        lost_answer_rate: 0.2,
        latency_ms: 0,
    });
    // Two instances, each with its own pool, on one database.
    let other_pool = agency_server::db::pool(&office.conninfo, 4).unwrap();
    let a = sender(&office.pool, settings(&sim));
    let b = sender(&other_pool, settings(&sim));
    wait_settled(&office.pool, Duration::from_secs(60)).await;
    let (requests_a, requests_b) = (
        NoticeStats::get(&a.stats().requests),
        NoticeStats::get(&b.stats().requests),
    );
    a.shutdown().await;
    b.shutdown().await;

    let messages = sim.messages();
    assert_eq!(messages.len() as u64, CASES, "one message per notice");
    let refs: HashSet<&str> = messages.iter().map(|m| m.client_ref.as_str()).collect();
    assert_eq!(refs.len() as u64, CASES);
    let client = office.pool.get().await.unwrap();
    let ours: HashSet<String> = client
        .query("SELECT notice_ref::text FROM notices", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ours, refs.iter().map(|r| (*r).to_owned()).collect());
    let replays: u32 = messages.iter().map(|m| m.requests - 1).sum();
    assert!(replays > 0, "lost answers were asked for again");
    assert!(requests_a > 0 && requests_b > 0, "both senders worked");
    assert!(
        notice_states(&office.pool)
            .await
            .iter()
            .all(|(_, _, s)| s == "delivered"),
        "every notice delivered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_drains_at_the_providers_rate_and_refusals_fail_with_the_reason() {
    const CASES: u64 = 120;
    const RATE: u32 = 40;
    let (office, server, token) = office_with_consenting(CASES).await;
    let sim = provider(SimConfig {
        rate_per_second: RATE,
        burst: RATE,
        delivery_delay: Duration::ZERO,
        ..SimConfig::default()
    })
    .await;
    let mut s = settings(&sim);
    s.rate_per_second = RATE;
    let notices = sender(&office.pool, s);
    let took = wait_settled(&office.pool, Duration::from_secs(30)).await;
    notices.shutdown().await;
    let messages = sim.messages();
    assert_eq!(messages.len() as u64, CASES);
    assert!(messages.iter().all(|m| m.requests == 1), "no duplicate");
    // Paced at the limit: about CASES / RATE seconds, and hardly a 429.
    let least = Duration::from_secs_f64((CASES - 1) as f64 / f64::from(RATE));
    assert!(took >= least.mul_f64(0.9), "{took:?} < {least:?}");
    assert!(
        sim.rate_limited() <= 3,
        "{} answers 429",
        sim.rate_limited()
    );

    // A provider that takes one part only refuses every two-part notice: failed, with why.
    let strict = provider(SimConfig {
        max_parts: 1,
        ..SimConfig::default()
    })
    .await;
    let (status, body) = office
        .post_case(&server, KIOSK, &token, &consenting(CASES + 1))
        .await;
    assert_eq!(status, 201, "{body}");
    let notices = sender(&office.pool, settings(&strict));
    wait_settled(&office.pool, Duration::from_secs(20)).await;
    notices.shutdown().await;
    let client = office.pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT state, last_error, attempts FROM notices ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "failed");
    let reason: String = row.get(1);
    assert!(
        reason.contains("422") && reason.contains("parts"),
        "{reason}"
    );
    assert_eq!(row.get::<_, i32>(2), 1, "a refusal is not tried again");
    assert!(strict.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referral_action_and_answer_notify_once_each_and_closing_does_not() {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, KIOSK).await;
    let yes = consenting(1);
    let no = case(2, |_| {});
    for item in [&yes, &no] {
        let (status, body) = office.post_case(&server, KIOSK, &token, item).await;
        assert_eq!(status, 201, "{body}");
    }
    let samad = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    let up = Upstream::new(office.pool.clone(), support::samad_upstream(&samad));
    support::relay_everything(&up, &office.pool).await;
    let client = office.pool.get().await.unwrap();
    let numbers: Vec<(String, String)> = client
        .query(
            "SELECT payload->>'tracking_code', remote_id FROM upstream_outbox ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let at = chrono::Utc::now();
    for (_, number) in &numbers {
        samad.db(|db| {
            for kind in [
                EventType::Referral,
                EventType::Action,
                EventType::Answer,
                EventType::Closed,
            ] {
                db.add_event(number, kind, at, "اداره ثبت اسناد شمال", "کارشناس ۱", None)
                    .unwrap()
                    .unwrap();
            }
        });
    }
    assert_eq!(up.pull_events().await.unwrap(), 8);
    // A second pull finds nothing new and writes no notice.
    up.pull_events().await.unwrap();
    let code = yes["payload"]["tracking_code"].as_str().unwrap();
    let states = notice_states(&office.pool).await;
    assert_eq!(
        states
            .iter()
            .map(|(c, t, _)| (c.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
        [
            (code, "registered"),
            (code, "referral"),
            (code, "action"),
            (code, "answer"),
        ],
        "the consenting case only; closing notifies nothing"
    );
    let sms = provider(SimConfig::default()).await;
    let notices = sender(&office.pool, settings(&sms));
    wait_settled(&office.pool, Duration::from_secs(20)).await;
    notices.shutdown().await;
    let texts: Vec<String> = sms.messages().into_iter().map(|m| m.text).collect();
    assert_eq!(texts.len(), 4);
    // Sent several at once: in any order.
    for said in [
        "شکایت شما با کد رهگیری",
        "به «اداره ثبت اسناد شمال» ارجاع شد",
        "«اداره ثبت اسناد شمال» برای درخواست",
        "پاسخ داده شد",
    ] {
        assert_eq!(
            texts.iter().filter(|t| t.contains(said)).count(),
            1,
            "{said}: {texts:?}"
        );
    }

    // The console's case page shows the consent and each notice's state, in both languages.
    accounts::add_account(
        &office.pool,
        "test",
        "agency",
        &Scope::Agency,
        "agency-password-1",
    )
    .await
    .unwrap();
    let console = support::console::start(&office.pool).await;
    let base = console.base_url();
    let cookie = support::console::login(&base, "agency", "agency-password-1").await;
    let page = |path: String, lang: &'static str| {
        let cookie = cookie.clone();
        async move {
            support::console::browser()
                .get(path)
                .header(COOKIE, format!("{cookie}; console_lang={lang}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let fa = page(format!("{base}/cases/{code}"), "fa").await;
    assert!(
        fa.contains("متقاضی در کیوسک با دریافت پیامک موافقت کرد."),
        "{fa}"
    );
    assert_eq!(fa.matches("تحویل شد").count(), 4, "{fa}");
    assert!(
        !fa.contains("09121234567") && !fa.contains("۰۹۱۲۱۲۳۴۵۶۷"),
        "no phone shown"
    );
    let other = no["payload"]["tracking_code"].as_str().unwrap();
    let en = page(format!("{base}/cases/{other}"), "en").await;
    assert!(en.contains("did not agree to text messages"), "{en}");
}
