//! A visitor's «call staff» reaches the office's desk terminals through the agency server, as
//! deployed: PostgreSQL, the agency server as its own process, a kiosk and a desk terminal each
//! a separate `kiosk` process on its own kiosk.toml (enrolled by `kioskctl enroll`), played
//! side by side by the script runner (its `wait_for` and `sleep` inputs pass real time).
//!
//! Kiosk 12 has no LEDs or buzzer: its visitor is promised help only once the server took the
//! call. The desk shows and says «کیوسک ۱۲ کارمند را فراخوانده است» within seconds, a member of
//! staff logged in there answers it, and the kiosk learns it by sending the call again: the
//! visitor hears that someone saw it, and the kiosk's own record of the call is closed with the
//! employee's code. With the server gone, a kiosk without LEDs sends the visitor to the desk,
//! and one with LEDs says that only its light called.
//!
//! The rig is tests/tests/support/mod.rs.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::*;

/// The staff member's card as scanned (the scanner's `EMP-` prefix, then the code).
const CARD: &str = "EMP-2041";
const EMPLOYEE: &str = "2041";
const PIN: &str = "2468";

/// Edits a kiosk.toml written by the rig.
fn edit(config: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(config).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", config.display());
    std::fs::write(config, text.replacen(from, to, 1)).unwrap();
}

/// Starts `script` playing on the device of `config`, in the background.
fn start(config: &Path, script: &str, out: &Path) -> Running {
    let file = out.with_extension("jsonl");
    std::fs::write(&file, script).unwrap();
    Running(
        Command::new(bin("kiosk"))
            .arg("--config")
            .arg(config)
            .arg("--script")
            .arg(&file)
            .arg("--out")
            .arg(out)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap(),
    )
}

/// The transcript's lines so far (whole lines only).
fn lines_of(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Waits for a script started by [`start`] to end, and checks that every input was taken.
fn finish(mut running: Running, out: &Path) -> Vec<Value> {
    let status = running.0.wait().unwrap();
    let lines = lines_of(out);
    let errors: Vec<&Value> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert!(
        status.success() && errors.is_empty(),
        "{}: {status}, errors {errors:?}",
        out.display()
    );
    lines
}

/// The position of the first thing said containing `text`.
fn said_at(lines: &[Value], text: &str) -> Option<usize> {
    said(lines).iter().position(|t| t.contains(text))
}

#[test]
fn a_kiosks_call_is_shown_at_the_desk_within_seconds_answered_there_and_learnt_by_the_kiosk() {
    let office = Office::start();
    let root = office.root();
    office.add_staff(EMPLOYEE, "مریم احمدی", PIN);
    let desk = office.enrol_desk(31);
    edit(&desk, "mode = \"kiosk\"", "mode = \"desk\"");
    let kiosk = office.enrol(12);

    // The desk: a member of staff logs in and waits for a call, answers it, and goes on working
    // (the summary is offered only once no call covers the page).
    let mut desk_script = format!("{{\"scan\": \"{CARD}\"}}\n");
    for digit in PIN.chars() {
        desk_script.push_str(&format!("{{\"key\": \"{digit}\"}}\n"));
    }
    desk_script.push_str(
        "{\"touch\": \"تأیید\"}\n{\"wait_for\": \"کیوسک ۱۲ کارمند را فراخوانده است\"}\n\
         {\"touch\": \"پاسخ به کیوسک ۱۲\"}\n{\"sleep\": 2}\n{\"touch\": \"خلاصه امروز\"}\n",
    );
    let desk_out = root.join("desk");
    let desk_run = start(&desk, &desk_script, &desk_out);
    eventually(
        "the member of staff is logged in at the desk",
        Duration::from_secs(60),
        || screens(&lines_of(&desk_out)).contains(&"desk-menu"),
    );

    // The kiosk: a visitor with headphones calls staff and waits to hear that someone saw it.
    let kiosk_script = "{\"headphones\": true}\n{\"key\": \"call_staff\"}\n\
        {\"wait_for\": \"درخواست کمک شما را دید\"}\n";
    let kiosk_out = root.join("kiosk");
    let kiosk_run = start(&kiosk, kiosk_script, &kiosk_out);

    // At the server: the call arrives, then a desk answers it within 5 s.
    let mut seen = None;
    eventually(
        "the call reaches the server",
        Duration::from_secs(60),
        || {
            let row = office.psql("SELECT kiosk_number FROM staff_calls");
            if row == "12" {
                seen = Some(chrono::Utc::now());
            }
            seen.is_some()
        },
    );
    let seen = seen.unwrap();
    let mut answered = String::new();
    eventually("a desk answers the call", Duration::from_secs(30), || {
        answered = office.psql(
            "SELECT acknowledged_by, acknowledged_at_kiosk, \
                 to_char(acknowledged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') \
                 FROM staff_calls WHERE acknowledged_at IS NOT NULL",
        );
        !answered.is_empty()
    });
    let fields: Vec<&str> = answered.split('|').collect();
    assert_eq!(fields[..2], [EMPLOYEE, "31"], "{answered}");
    let at: chrono::DateTime<chrono::Utc> = fields[2].parse().unwrap();
    let took = at - seen;
    assert!(
        took < chrono::Duration::seconds(5),
        "shown and answered at the desk {took} after the call reached the server"
    );
    assert_eq!(
        office.psql("SELECT count(*) FROM staff_calls"),
        "1",
        "one call, however often the kiosk sent it"
    );

    let desk_lines = finish(desk_run, &desk_out);
    let kiosk_lines = finish(kiosk_run, &kiosk_out);

    // The desk said the call (its speech is configured) and went on to the summary.
    assert!(
        said_at(&desk_lines, "کیوسک ۱۲ کارمند را فراخوانده است.").is_some(),
        "{:?}",
        said(&desk_lines)
    );
    assert_eq!(screens(&desk_lines).last(), Some(&"desk-summary"));

    // The visitor: told to wait, then that the desks were told, then that someone saw it;
    // never promised help before the server took the call.
    let waiting = said_at(&kiosk_lines, "صبر کنید").expect("told to wait");
    let told = said_at(&kiosk_lines, "میزهای خدمت خبر شدند").expect("told the desks know");
    let saw = said_at(&kiosk_lines, "درخواست کمک شما را دید").expect("told someone saw it");
    assert!(waiting < told && told < saw, "{:?}", said(&kiosk_lines));
    assert!(
        said(&kiosk_lines)[..told]
            .iter()
            .all(|t| !t.contains("می‌آید")),
        "{:?}",
        said(&kiosk_lines)
    );

    // The kiosk's own record of the call is closed, by the employee who answered.
    let store = rusqlite::Connection::open(root.join("kiosk-12/data/kiosk.db")).unwrap();
    let by: Vec<Option<String>> = store
        .prepare("SELECT acknowledged_by FROM staff_calls")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(by, [Some(EMPLOYEE.to_owned())]);
}

#[test]
fn with_the_server_gone_the_visitor_is_told_the_truth_and_where_to_go() {
    let mut office = Office::start();
    let root = office.root().to_owned();
    let dark: PathBuf = office.enrol(13);
    let lit: PathBuf = office.enrol(14);
    edit(
        &lit,
        "backend = \"none\"\n# backend = \"gpio\"",
        "backend = \"sim\"\n# backend = \"gpio\"",
    );
    // The server stops: nothing answers at its address.
    drop(office.server.take());

    let script = "{\"headphones\": true}\n{\"key\": \"call_staff\"}\n{\"sleep\": 4}\n";
    let runs = [
        (start(&dark, script, &root.join("dark")), root.join("dark")),
        (start(&lit, script, &root.join("lit")), root.join("lit")),
    ];
    let mut lines = Vec::new();
    for (running, out) in runs {
        lines.push(finish(running, &out));
    }
    let [dark_lines, lit_lines] = [&lines[0], &lines[1]];

    // No LED, no server: nobody is called, the visitor is sent to the desk.
    let sent = said_at(dark_lines, "نمی‌توان همکاران را خبر کرد").expect("sent to the desk");
    assert!(
        said(dark_lines)[sent].contains("میز ارتباطات مردمی"),
        "{:?}",
        said(dark_lines)
    );
    assert!(
        said(dark_lines).iter().all(|t| !t.contains("می‌آید")),
        "{:?}",
        said(dark_lines)
    );

    // The kiosk's light called: said so, and that the desks were not told.
    let lit_said = said(lit_lines);
    let coming = said_at(lit_lines, "به کمک شما می‌آید").expect("the LED called");
    let honest = said_at(lit_lines, "میزهای خدمت خبر نشدند").expect("told the desks were not");
    assert!(coming < honest, "{lit_said:?}");
    assert!(
        lit_said[honest].contains("میز ارتباطات مردمی"),
        "{lit_said:?}"
    );

    // Both calls stay open on the kiosks, for staff who come by.
    for number in [13, 14] {
        let store =
            rusqlite::Connection::open(root.join(format!("kiosk-{number}/data/kiosk.db"))).unwrap();
        let open: i64 = store
            .query_row(
                "SELECT count(*) FROM staff_calls WHERE acknowledged_at IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(open, 1, "kiosk {number}");
    }
}
