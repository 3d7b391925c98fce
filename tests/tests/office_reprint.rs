//! The desk reprints any kiosk's receipt, and is offered the receipts a kiosk could not print,
//! as deployed: PostgreSQL, the agency server as its own process, kiosk 11 and desk terminal 31
//! each a separate `kiosk` process on its own kiosk.toml and data directory (enrolled by
//! `kioskctl enroll`), played by the script runner.
//!
//! Kiosk 11 registers one case with paper in its printer (the receipt prints), then another
//! with the printer out of paper: that receipt is owed, and the kiosk's heartbeat tells the
//! server so. At desk 31, whose own database holds neither case, a member of staff logs in
//! with the office's account, opens «رسیدهای چاپ‌نشده», sees kiosk 11's owed receipt and picks
//! it: a copy prints (the desk's slip carries its tracking code) and the receipt leaves the
//! office's list. Then «چاپ دوباره رسید» with the other case's tracking code scanned prints a
//! copy of that one too. Neither copy shows the applicant's national code in full.
//!
//! The rig is tests/tests/support/mod.rs.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::*;

/// The staff member's card as scanned (the scanner's `EMP-` prefix, then the code).
const CARD: &str = "EMP-2041";
const EMPLOYEE: &str = "2041";
const PIN: &str = "2468";

/// A suggestion registered by touch, the national card inserted.
const REGISTER: &str = "{\"touch\": \"ثبت درخواست\"}\n{\"card\": \"0499370899\"}\n\
    {\"touch\": \"پیشنهاد\"}\n{\"touch\": \"کیفیت خدمات\"}\n\
    {\"touch\": \"درخواست رسیدگی فوری دارم.\"}\n{\"touch\": \"ادامه\"}\n\
    {\"touch\": \"بدون شماره همراه\"}\n{\"touch\": \"تأیید و ثبت\"}\n";

/// The tracking codes in a device's own database, oldest first.
fn cases_of(data: &Path) -> Vec<String> {
    let store = rusqlite::Connection::open(data.join("kiosk.db")).unwrap();
    store
        .prepare("SELECT tracking_code FROM cases ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The tracking codes of the slips a transcript says were printed.
fn slips(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.get("escpos").is_some())
        .filter_map(|l| l["tracking_code"].as_str())
        .collect()
}

#[test]
fn the_desk_prints_a_kiosks_owed_receipt_and_a_copy_of_any_case_of_the_office() {
    let office = Office::start();
    let root = office.root();
    office.add_staff(EMPLOYEE, "مریم احمدی", PIN);
    let kiosk = office.enrol(11);
    let desk = office.enrol_desk(31);
    let text = std::fs::read_to_string(&desk).unwrap();
    assert!(text.contains("mode = \"kiosk\""));
    std::fs::write(
        &desk,
        text.replacen("mode = \"kiosk\"", "mode = \"desk\"", 1),
    )
    .unwrap();

    // Kiosk 11: a case whose receipt prints, then one with the printer out of paper. The run
    // sleeps a moment at the end so that the heartbeat the failure triggered is sent.
    let printed_run = play(&kiosk, REGISTER, &root.join("kiosk-printed"));
    assert_eq!(slips(&printed_run).len(), 1, "the first receipt printed");
    let owed_script = format!("{{\"printer\": \"paper_out\"}}\n{REGISTER}{{\"sleep\": 5}}\n");
    let owed_run = play(&kiosk, &owed_script, &root.join("kiosk-owed"));
    assert!(slips(&owed_run).is_empty(), "no paper, no receipt");
    let codes = cases_of(&root.join("kiosk-11/data"));
    assert_eq!(codes.len(), 2, "{codes:?}");
    let (printed, owed) = (codes[0].clone(), codes[1].clone());

    // The server holds both cases and knows the second receipt is owed.
    eventually(
        "kiosk 11's heartbeat reports its owed receipt",
        Duration::from_secs(30),
        || {
            office.psql("SELECT kiosk_number, tracking_code FROM owed_receipts")
                == format!("11|{owed}")
        },
    );
    eventually(
        "both cases reach the server",
        Duration::from_secs(30),
        || office.psql("SELECT count(*) FROM cases") == "2",
    );

    // Desk 31: log in, open the owed receipts, pick kiosk 11's; then reprint the other case by
    // its scanned tracking code.
    let owed_label = format!(
        "کیوسک ۱۱ — {}",
        kiosk_core::TrackingCode::parse(&owed).unwrap().grouped_fa()
    );
    let mut desk_script = format!("{{\"scan\": \"{CARD}\"}}\n");
    for digit in PIN.chars() {
        desk_script.push_str(&format!("{{\"key\": \"{digit}\"}}\n"));
    }
    desk_script.push_str(&format!(
        "{{\"touch\": \"تأیید\"}}\n{{\"touch\": \"رسیدهای چاپ‌نشده\"}}\n\
         {{\"wait_for\": \"{owed_label}\"}}\n{{\"touch\": \"{owed_label}\"}}\n\
         {{\"wait_for\": \"رسید دوباره چاپ شد\"}}\n{{\"touch\": \"چاپ دوباره رسید\"}}\n\
         {{\"scan\": \"{printed}\"}}\n{{\"wait_for\": \"رسید دوباره چاپ شد\"}}\n"
    ));
    let desk_lines = play(&desk, &desk_script, &root.join("desk"));
    let errors: Vec<&Value> = desk_lines
        .iter()
        .filter(|l| l.get("error").is_some())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        slips(&desk_lines),
        [owed.as_str(), printed.as_str()],
        "the owed receipt's copy, then the scanned case's"
    );
    assert!(
        cases_of(&root.join("kiosk-31/data")).is_empty(),
        "the desk's own database never held either case"
    );

    // At the server: both copies recorded as the desk's, and nothing is owed any more.
    assert_eq!(
        office.psql("SELECT tracking_code, desk_kiosk FROM receipt_copies ORDER BY id"),
        format!("{owed}|31\n{printed}|31")
    );
    assert_eq!(
        office.psql(
            "SELECT count(*) FROM owed_receipts o WHERE NOT EXISTS \
             (SELECT 1 FROM receipt_copies r WHERE r.tracking_code = o.tracking_code)"
        ),
        "0"
    );
}
