//! The agency's catalogue applied by the firmware, over separate processes, and the guidance an
//! out-of-scope visitor is given recorded and relayed.
//!
//! - The operator sets the office's catalogue at the agency server (`agency-server catalogue`)
//!   with a subject kiosk.toml does not have; a visitor at a kiosk process picks it by its
//!   touch label and registers a case about it, which reaches SAMAD with that subject. The
//!   kiosk keeps the catalogue in its store: started again with the server down, it still lists
//!   the subject (kiosk.toml's copy is only the default before any download).
//! - An office of one device (the kiosk talks to SAMAD, the simulator, directly): a subject
//!   outside the agency's scope leads to the guidance screen, which says where to go — office,
//!   address and phone in Persian digits — and the guidance given is recorded in the kiosk's
//!   store and delivered to SAMAD as a `guidance` item with the national code masked.
//!
//! The rig is tests/tests/support/mod.rs.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::*;

/// The office's catalogue: one subject in scope that kiosk.toml lacks, one outside it.
fn office_catalogue() -> Value {
    json!({
        "version": "office-1",
        "case_kinds": ["suggestion", "complaint"],
        "subjects": [
            {
                "service_code": "SUBJ-PARKING",
                "service_name": "پارکینگ مراجعان",
                "service_name_en": "Visitors' parking",
                "keywords": ["خودرو"]
            },
            {
                "service_code": "SUBJ-GAS",
                "service_name": "قبض گاز",
                "guidance": {
                    "office": "شرکت گاز استان",
                    "address": "بلوار کشاورز، پلاک 42",
                    "phone": "194"
                }
            },
            { "service_code": "", "service_name": "بی‌کد" }
        ],
        "services": [
            { "service_code": "SRV-9", "service_name": "صدور مجوز", "service_identifier": "12011234567" }
        ],
        "agency": { "agency_code": "A1", "name": "اداره‌ی نمونه", "subject_scope": ["SUBJ-PARKING"] },
        "holiday_overrides": []
    })
}

/// Plays `script` on the kiosk of `config` whatever its exit status (with the server down its
/// relay cannot empty the outbox); returns the transcript's lines.
fn play_offline(config: &Path, script: &str, out: &Path) -> Vec<Value> {
    let file = out.with_extension("jsonl");
    std::fs::write(&file, script).unwrap();
    let status = Command::new(bin("kiosk"))
        .arg("--config")
        .arg(config)
        .arg("--script")
        .arg(&file)
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "warn")
        .status()
        .unwrap();
    eprintln!("offline run: {status}");
    std::fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Items SAMAD (the simulator's database at `db`) holds of `item_type` whose body's `field`
/// is `value`.
fn samad_items(db: &Path, item_type: &str, field: &str, value: &str) -> Vec<Value> {
    let samad = rusqlite::Connection::open(db).unwrap();
    let mut stmt = samad
        .prepare("SELECT body FROM items WHERE item_type = ?1")
        .unwrap();
    let bodies: Vec<String> = stmt
        .query_map([item_type], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    bodies
        .iter()
        // The simulator keeps `TYPE:BODY` (its canonical form of the item).
        .map(|b| serde_json::from_str::<Value>(b.split_once(':').unwrap().1).unwrap())
        .filter(|b| b[field] == value)
        .collect()
}

#[test]
fn the_servers_catalogue_is_listed_registered_against_and_kept_through_a_restart_offline() {
    let mut office = Office::start();
    let root = office.root().to_owned();
    let config = office.enrol(21);

    let file = root.join("catalogue.json");
    std::fs::write(&file, office_catalogue().to_string()).unwrap();
    let etag = run(&mut office.agency(&["catalogue", file.to_str().unwrap()]));
    assert!(etag.trim().starts_with('"'), "an ETag: {etag}");

    // A suggestion about the server's subject, picked by its label: kiosk.toml has no such
    // subject, so only the downloaded catalogue can list it.
    let register = "{\"touch\": \"ثبت درخواست\"}\n{\"card\": \"0499370899\"}\n\
        {\"touch\": \"پیشنهاد\"}\n{\"touch\": \"پارکینگ مراجعان\"}\n\
        {\"touch\": \"درخواست رسیدگی فوری دارم.\"}\n{\"touch\": \"ادامه\"}\n\
        {\"touch\": \"بدون شماره همراه\"}\n{\"touch\": \"تأیید و ثبت\"}\n";
    let lines = play(&config, register, &root.join("register"));
    assert_eq!(
        screens(&lines).last(),
        Some(&"done"),
        "{:?}",
        screens(&lines)
    );
    let samad_db = root.join("samad.db");
    eventually(
        "the case about the server's subject reaches SAMAD",
        Duration::from_secs(30),
        || !samad_items(&samad_db, "case", "subject_id", "SUBJ-PARKING").is_empty(),
    );

    // The server is gone; the kiosk starts again and lists the catalogue it kept. The visitor
    // reaches the description of the server's subject, then leaves (nothing to send).
    // SIGKILLed and reaped (`Running`'s drop).
    office.server.take();
    let offline = "{\"touch\": \"ثبت درخواست\"}\n{\"card\": \"0499370899\"}\n\
        {\"touch\": \"پیشنهاد\"}\n{\"touch\": \"پارکینگ مراجعان\"}\n{\"touch\": \"انصراف\"}\n";
    let lines = play_offline(&config, offline, &root.join("offline"));
    let errors: Vec<&Value> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert!(errors.is_empty(), "every input was offered: {errors:?}");
    assert!(
        screens(&lines).contains(&"description"),
        "the kept subject was listed and chosen: {:?}",
        screens(&lines)
    );
}

#[test]
fn guidance_for_an_out_of_scope_subject_is_spoken_recorded_and_reaches_samad() {
    // An office of one device: the kiosk's relay talks to SAMAD itself (the simulator, whose
    // catalogue sends «قبض آب» to the water company with its address and phone).
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let samad_db = root.join("samad.db");
    let sim = runtime
        .block_on(samad_sim::start(samad_sim::SimConfig {
            db: Some(samad_db.clone()),
            ..samad_sim::SimConfig::default()
        }))
        .unwrap();
    let id = sim.kiosk_identity(12).unwrap();
    let pki = root.join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    for (name, text) in [
        ("ca.pem", sim.pki().ca_pem.as_str()),
        ("kiosk.pem", id.cert_pem.as_str()),
        ("kiosk.key", id.key_pem.as_str()),
        ("token", "sim-token"),
    ] {
        std::fs::write(pki.join(name), text).unwrap();
    }
    let mut text = kiosk_config::EXAMPLE.replace(
        "data_dir = \"/var/lib/kiosk\"",
        &format!("data_dir = \"{}\"", root.join("data").display()),
    );
    text.push_str(&format!(
        "\n[samad]\nbase_url = \"{}\"\nca_file = \"pki/ca.pem\"\n\
         client_cert_file = \"pki/kiosk.pem\"\nclient_key_file = \"pki/kiosk.key\"\n\
         token_file = \"pki/token\"\n",
        sim.base_url()
    ));
    let config = root.join("kiosk.toml");
    std::fs::write(&config, text).unwrap();

    // With headphones in, speech is on and a touch first says the button, a second does it.
    let script = "{\"headphones\": true}\n{\"card\": \"0499370899\"}\n\
        {\"touch\": \"شکایت\"}\n{\"touch\": \"شکایت\"}\n\
        {\"touch\": \"قبض آب\"}\n{\"touch\": \"قبض آب\"}\n\
        {\"touch\": \"پایان\"}\n{\"touch\": \"پایان\"}\n";
    // The run ends only once the outbox is empty: the guidance record was delivered.
    let lines = play(&config, script, &root.join("guidance"));
    assert!(
        screens(&lines).contains(&"guidance"),
        "{:?}",
        screens(&lines)
    );
    let said = said(&lines).join("\n");
    for heard in [
        "شرکت آب و فاضلاب",
        "نشانی: خیابان آزادی، پلاک ۱۰",
        "تلفن: ۱۵۲۲",
    ] {
        assert!(said.contains(heard), "{heard:?} was not said:\n{said}");
    }

    // Recorded in the kiosk's store …
    let kiosk = rusqlite::Connection::open(root.join("data/kiosk.db")).unwrap();
    let (subject, masked, kind): (String, String, String) = kiosk
        .query_row(
            "SELECT subject_id, national_code_masked, kind FROM guidance_given",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (subject.as_str(), masked.as_str(), kind.as_str()),
        ("SUBJ-WATER", "******0899", "complaint")
    );
    // … and at SAMAD, once, with the national code masked.
    let at_samad = samad_items(&samad_db, "guidance", "subject_id", "SUBJ-WATER");
    assert_eq!(at_samad.len(), 1, "{at_samad:?}");
    assert_eq!(at_samad[0]["national_code_masked"], "******0899");
    assert_eq!(at_samad[0]["kiosk_number"], 12);
    assert!(
        at_samad[0]["destination"]
            .as_str()
            .unwrap()
            .contains("تلفن: ۱۵۲۲")
    );
    assert!(!at_samad[0].to_string().contains("0499370899"));
    runtime.block_on(sim.shutdown());
}
