//! An office as deployed: a PostgreSQL cluster, the agency server as its own process (device
//! CA, mutual TLS), SAMAD upstream (the simulator, the national system, in this process), and
//! two kiosks, each a separate `kiosk` process on its own data directory and its own kiosk.toml,
//! enrolled by the operator's `kioskctl enroll`.
//!
//! Kiosk 11 registers a complaint (its script, its database); its relay hands the case to the
//! server, which relays it to SAMAD. SAMAD answers the case; the server pulls the answer. A
//! visitor at kiosk 12, whose database never held the case, scans the receipt, gives the
//! national card and hears the answer. With another national code the case is not shown.
//!
//! The rig is tests/tests/support/mod.rs.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::*;

#[test]
fn a_case_registered_at_one_kiosk_is_followed_up_at_another_with_samads_answer() {
    let office = Office::start();
    let root = office.root();
    let configs = [office.enrol(11), office.enrol(12)];

    // Kiosk 11: a suggestion registered by touch; the run ends only once its outbox is empty.
    let register = "{\"touch\": \"ثبت درخواست\"}\n{\"card\": \"0499370899\"}\n\
        {\"touch\": \"پیشنهاد\"}\n{\"touch\": \"کیفیت خدمات\"}\n\
        {\"touch\": \"درخواست رسیدگی فوری دارم.\"}\n{\"touch\": \"ادامه\"}\n\
        {\"touch\": \"بدون شماره همراه\"}\n{\"touch\": \"تأیید و ثبت\"}\n";
    let lines = play(&configs[0], register, &root.join("a-register"));
    assert_eq!(
        screens(&lines).last(),
        Some(&"done"),
        "{:?}",
        screens(&lines)
    );
    let tracking = lines
        .iter()
        .find_map(|l| l["tracking_code"].as_str())
        .expect("a receipt with its tracking code")
        .to_owned();
    assert!(
        tracking.starts_with("100011"),
        "kiosk 11's code: {tracking}"
    );

    // The server relays it to SAMAD, which answers it.
    let samad = rusqlite::Connection::open(root.join("samad.db")).unwrap();
    let mut request_id = String::new();
    eventually("the case reaches SAMAD", Duration::from_secs(20), || {
        request_id = samad
            .query_row(
                "SELECT service_request_id FROM items WHERE tracking_code = ?1",
                [&tracking],
                |r| r.get(0),
            )
            .unwrap_or_default();
        !request_id.is_empty()
    });
    office
        .sim()
        .db(|db| {
            db.add_event(
                &request_id,
                kiosk_sync::wire::EventType::Answer,
                chrono::Utc::now(),
                "اداره‌ی امور مشترکین",
                "مریم احمدی",
                Some("صف‌ها با نوبت‌دهی اینترنتی کوتاه شد."),
            )
        })
        .unwrap();

    // Kiosk 12, which never held the case: the receipt scanned, the national card inserted.
    let follow = format!(
        "{{\"headphones\": true}}\n{{\"scan\": \"{tracking}\"}}\n{{\"card\": \"{NATIONAL}\"}}\n"
    );
    let mut lines = Vec::new();
    let mut attempt = 0;
    // The server pulls SAMAD's events every few seconds: the visitor may be early once.
    eventually(
        "kiosk 12 shows SAMAD's answer",
        Duration::from_secs(30),
        || {
            attempt += 1;
            lines = play(
                &configs[1],
                &follow,
                &root.join(format!("b-follow-{attempt}")),
            );
            said(&lines)
                .iter()
                .any(|t| t.contains("صف‌ها با نوبت‌دهی اینترنتی کوتاه شد."))
        },
    );
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "follow-up-entry",
            "identify",
            "follow-up-entry",
            "follow-up"
        ]
    );
    assert!(
        said(&lines).iter().any(|t| t.contains("مریم احمدی")),
        "the responsible person is read: {:?}",
        said(&lines)
    );
    let kiosk_b = rusqlite::Connection::open(root.join("kiosk-12/data/kiosk.db")).unwrap();
    let held: i64 = kiosk_b
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(held, 0, "kiosk 12's own database never held the case");

    // With another national code the case is not shown.
    let stranger = format!("{{\"scan\": \"{tracking}\"}}\n{{\"card\": \"{STRANGER}\"}}\n");
    let lines = play(&configs[1], &stranger, &root.join("b-stranger"));
    assert_eq!(screens(&lines).last(), Some(&"follow-up-entry"));
}

#[test]
fn a_staff_account_of_the_office_logs_in_at_a_desk_and_a_lockout_holds_there() {
    use kiosk::journeys::desk_store::{RemoteLogin, RemoteStaff};
    let office = Office::start();
    let desk = kiosk_config::load(&office.enrol_desk(31)).unwrap();
    let mut add = office
        .agency(&[
            "staff-add",
            "--employee-code",
            "E-7",
            "--display-name",
            "مریم احمدی",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), "۲۴۶۸۰\n".as_bytes()).unwrap();
    assert!(add.wait().unwrap().success());

    // The desk's own link to the server, as its worker thread uses it.
    let link = kiosk::device::office::AgencyLink::start(desk.samad.as_ref().unwrap(), 31).unwrap();
    assert_eq!(
        link.login("E-7", "24680"),
        RemoteLogin::Accepted {
            display_name: "مریم احمدی".into()
        }
    );
    for _ in 0..5 {
        assert!(
            matches!(link.login("E-7", "1111"), RemoteLogin::Refused(m) if m.contains("نادرست"))
        );
    }
    assert!(
        matches!(link.login("E-7", "24680"), RemoteLogin::Refused(m) if m.contains("قفل")),
        "locked at every desk, even with the right PIN"
    );
    assert!(matches!(
        link.login("E-404", "24680"),
        RemoteLogin::Refused(_)
    ));

    // With the server gone the desk is told so within the wait, and its own copy decides.
    drop(office);
    let started = Instant::now();
    let answer = link.waiting(Duration::from_secs(2)).login("E-7", "24680");
    assert!(matches!(answer, RemoteLogin::Unreachable(_)), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
