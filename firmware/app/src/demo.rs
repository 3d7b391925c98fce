//! `kiosk --demo`: a scripted visitor journey, played headless, on a real database.
//!
//! It uses the shipped example configuration with a temporary data directory, opens a real
//! SQLite store there and walks the journey a visitor takes: a mistyped national code and its
//! Persian message, the corrected code, a complaint with a mobile number, the receipt's content,
//! a consultation answered at the desk, and a follow-up of the first case by its tracking code.
//! Until the Slint UI and the simulated devices land, this is what the demo shows, and it says
//! so; every step is the production code path, not a mock.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_core::digits::to_persian_digits;
use kiosk_core::{CaseKind, JalaliDate};
use kiosk_store::{OpenOptions, Store};

use crate::registration::{Registered, Registrar, VisitorInput};

/// The example configuration, pointed at `data_dir`.
pub fn demo_config(data_dir: &Path) -> anyhow::Result<KioskConfig> {
    let mut config = kiosk_config::parse(kiosk_config::EXAMPLE, Path::new("."))
        .context("the shipped example configuration is invalid")?;
    config.data_dir = data_dir.to_owned();
    Ok(config)
}

/// What a receipt for this case will say, as text lines (the printed receipt is raster).
pub fn receipt_text(config: &KioskConfig, registered: &Registered) -> String {
    let case = &registered.case;
    let mut out = String::new();
    let at = JalaliDate::at(case.registered_at);
    let local = case
        .registered_at
        .with_timezone(&kiosk_core::jalali::tehran());
    let _ = writeln!(out, "  {}", config.agency);
    let _ = writeln!(out, "  {}", config.desk);
    let _ = writeln!(out, "  نوع: {}", registered.kind.label_fa());
    let _ = writeln!(out, "  کد رهگیری: {}", case.tracking_code.grouped_fa());
    let _ = writeln!(
        out,
        "  زمان ثبت: {} ساعت {}",
        at.format_fa(),
        to_persian_digits(&local.format("%H:%M").to_string())
    );
    match &registered.due {
        Some(due) => {
            let _ = writeln!(out, "  پاسخ تا: {}", due.jalali.format_fa());
        }
        None => {
            let _ = writeln!(out, "  پاسخ: در همین مراجعه");
        }
    }
    let _ = writeln!(
        out,
        "  کد ملی: {}",
        to_persian_digits(&registered.national_code.masked())
    );
    if let Some(mobile) = &registered.mobile {
        let _ = writeln!(out, "  همراه: {}", to_persian_digits(&mobile.masked()));
    }
    let _ = writeln!(
        out,
        "  پیگیری: {} یا تلفن {}",
        config.receipt.portal_url,
        to_persian_digits(&config.receipt.phone)
    );
    let _ = writeln!(out, "  {}", config.receipt.footer);
    out
}

/// Plays the journey; returns the transcript printed.
pub fn run(data_dir: &Path, now: DateTime<Utc>) -> anyhow::Result<String> {
    let config = demo_config(data_dir)?;
    let db_path = data_dir.join("kiosk.db");
    let mut store = Store::open(&db_path, &OpenOptions::default())
        .with_context(|| format!("opening {}", db_path.display()))?;
    let registrar = Registrar::new(&config);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kiosk demo: headless journey (the touchscreen UI and simulated devices are not built yet)"
    );
    let _ = writeln!(out, "data dir: {}", data_dir.display());
    let _ = writeln!(out, "kiosk {} — {}", config.kiosk_number, config.agency);

    let _ = writeln!(
        out,
        "\n[identify] visitor types ۰۴۹۹۳۷۰۸۹۸ (one digit wrong)"
    );
    let mut input = VisitorInput {
        national_code: "۰۴۹۹۳۷۰۸۹۸".into(),
        kind: Some(CaseKind::Complaint),
        subject_id: "service-delay".into(),
        service_id: None,
        description: "پرونده‌ی من از دو ماه پیش بدون پاسخ مانده است.".into(),
        mobile: "۰۹۱۲ ۱۲۳ ۴۵۶۷".into(),
    };
    match registrar.register(&mut store, &input, now) {
        Ok(_) => anyhow::bail!("a wrong national code was accepted"),
        Err(e) => {
            let _ = writeln!(out, "  screen: {}", e.message_fa());
            let _ = writeln!(out, "  log:    {e}");
        }
    }
    let _ = writeln!(out, "\n[identify] visitor corrects it: ۰۴۹۹۳۷۰۸۹۹");
    input.national_code = "۰۴۹۹۳۷۰۸۹۹".into();
    let _ = writeln!(
        out,
        "[case] complaint · subject service-delay · mobile given"
    );
    let first = registrar.register(&mut store, &input, now)?;
    let _ = writeln!(
        out,
        "[commit] case, first event and outbox row written in one transaction"
    );
    let _ = writeln!(out, "[receipt]\n{}", receipt_text(&config, &first));
    let _ = writeln!(
        out,
        "[speech] کد رهگیری: {}",
        first.case.tracking_code.for_speech()
    );

    let _ = writeln!(
        out,
        "\n[case] second visitor: consultation, answered at the desk"
    );
    let second_input = VisitorInput {
        national_code: "0084575948".into(),
        kind: Some(CaseKind::Consultation),
        subject_id: "pension-rules".into(),
        service_id: None,
        description: String::new(),
        mobile: String::new(),
    };
    let second = registrar.register(&mut store, &second_input, now)?;
    let _ = writeln!(out, "[receipt]\n{}", receipt_text(&config, &second));

    let _ = writeln!(
        out,
        "\n[follow-up] visitor scans {}",
        first.case.tracking_code.grouped()
    );
    for event in store.timeline(first.case.tracking_code)? {
        let when = JalaliDate::at(event.at);
        let _ = writeln!(
            out,
            "  {} · {} · {} · {}",
            when.format_fa(),
            event.kind.as_str(),
            event.unit,
            event.note.as_deref().unwrap_or("")
        );
    }
    let outbox = store.outbox_depth()?;
    let _ = writeln!(
        out,
        "\n[sync] outbox: {} item(s) waiting for SAMAD",
        outbox.pending
    );
    Ok(out)
}
