//! `kiosk --demo`: scripted visitors played headless through the real firmware.
//!
//! It uses the shipped example configuration with a temporary data directory, a real SQLite
//! store there, the real receipt pipeline and a simulated printer that records the ESC/POS
//! bytes. Four visitors: one mistypes the national code, corrects it and registers a complaint
//! with speech on; one follows that case up by scanning the receipt; one asks about a subject
//! this office does not handle and gets a guidance slip; one registers while the printer is out
//! of paper and sees the tracking code on screen. Each printed slip is written as PNG (what the
//! paper shows) and as the ESC/POS bytes sent. Until the touchscreen UI lands, this is what the
//! demo shows, and it says so.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_core::CaseKind;
use kiosk_receipt::Profile;
use kiosk_store::{OpenOptions, Store};

use crate::flow::{Action, Event, PrinterProblem};
use crate::runtime::{Kiosk, Record, RecordingPrinter};
use crate::screens::ScreenRecorder;

/// The example configuration, pointed at `data_dir`.
pub fn demo_config(data_dir: &Path) -> anyhow::Result<KioskConfig> {
    let mut config = kiosk_config::parse(kiosk_config::EXAMPLE, Path::new("."))
        .context("the shipped example configuration is invalid")?;
    config.data_dir = data_dir.to_owned();
    Ok(config)
}

fn digits(text: &str) -> Vec<Event> {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| Event::Digit(d as u8))
        .collect()
}

fn chars(text: &str) -> Vec<Event> {
    text.chars().map(Event::Char).collect()
}

/// The first visitor: a mistyped code, a complaint, speech on.
fn complaint_visitor() -> Vec<Event> {
    let mut events = vec![Event::HeadphonesIn, Event::Do(Action::Start)];
    events.extend(digits("0499370898"));
    events.push(Event::Backspace);
    events.extend(digits("9"));
    events.push(Event::Do(Action::Continue));
    events.push(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    events.extend(chars("سند"));
    events.push(Event::Do(Action::ChooseSubject("deed-delay".into())));
    events.push(Event::Do(Action::Phrase(0)));
    events.push(Event::Do(Action::Continue));
    events.extend(digits("09121234567"));
    events.push(Event::Do(Action::Continue));
    events.push(Event::Do(Action::Confirm));
    events.push(Event::Do(Action::Finish));
    events
}

fn guidance_visitor() -> Vec<Event> {
    vec![
        Event::Do(Action::Start),
        Event::IdentityRead("0084575948".into()),
        Event::Do(Action::ChooseKind(CaseKind::Request)),
        Event::Do(Action::ChooseSubject("car-plates".into())),
        Event::Do(Action::PrintGuidance),
        Event::Do(Action::Finish),
    ]
}

fn paper_out_visitor() -> Vec<Event> {
    let mut events = vec![Event::IdentityRead("0067749828".into())];
    events.push(Event::Do(Action::ChooseKind(CaseKind::Suggestion)));
    events.push(Event::Do(Action::ChooseSubject("service-quality".into())));
    events.extend(chars("صف انتظار طولانی است"));
    events.push(Event::Do(Action::Continue));
    events.push(Event::Do(Action::SkipMobile));
    events.push(Event::Do(Action::Confirm));
    events
}

/// Plays the visitors; writes every printed slip into `out_dir`; returns the transcript.
pub fn run(data_dir: &Path, out_dir: &Path, now: DateTime<Utc>) -> anyhow::Result<String> {
    run_with_screens(data_dir, out_dir, now, None)
}

/// [`run`], also writing each screen as PNG through `screens` (`kiosk --demo --headless`).
pub fn run_with_screens(
    data_dir: &Path,
    out_dir: &Path,
    now: DateTime<Utc>,
    mut screens: Option<&mut ScreenRecorder>,
) -> anyhow::Result<String> {
    let config = demo_config(data_dir)?;
    let db_path = data_dir.join("kiosk.db");
    let store = Store::open(&db_path, &OpenOptions::default())
        .with_context(|| format!("opening {}", db_path.display()))?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    // A signing key made for this run only, as provisioning makes one per kiosk.
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let mut kiosk = Kiosk::new(
        config,
        store,
        Profile::MM80,
        RecordingPrinter::default(),
        Box::new(move || now),
    )
    .with_satisfaction_key(ed25519_dalek::SigningKey::from_bytes(&seed));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kiosk demo: scripted visitors, headless (with --headless --out DIR every screen is also written as PNG); every step is the firmware's own code"
    );
    let _ = writeln!(
        out,
        "data dir {}, slips in {}",
        data_dir.display(),
        out_dir.display()
    );

    let mut slips = 0usize;
    let mut play = |kiosk: &mut Kiosk<RecordingPrinter>,
                    title: &str,
                    events: Vec<Event>,
                    out: &mut String|
     -> anyhow::Result<()> {
        let _ = writeln!(out, "\n== {title}");
        let start = kiosk.transcript().len();
        for event in events {
            let printed_before = kiosk.printer_mut().jobs.len();
            kiosk.handle(event);
            if let Some(screens) = screens.as_deref_mut() {
                for name in screens.observe(kiosk.flow())? {
                    let _ = writeln!(out, "   wrote {name}");
                }
            }
            if kiosk.printer_mut().jobs.len() > printed_before {
                slips += 1;
                let name = format!("slip-{slips}");
                if let Some(content) = kiosk.last_slip() {
                    let png = kiosk_receipt::render_png(content, &Profile::MM80)?;
                    std::fs::write(out_dir.join(format!("{name}.png")), png)?;
                }
                let bytes = kiosk.printer_mut().jobs.last().cloned().unwrap_or_default();
                std::fs::write(out_dir.join(format!("{name}.bin")), bytes)?;
                let _ = writeln!(out, "   wrote {name}.png and {name}.bin");
            }
        }
        for record in &kiosk.transcript()[start..] {
            let _ = match record {
                Record::Screen(screen) => writeln!(out, "  screen  {screen:?}"),
                Record::Spoken(text) => writeln!(out, "  speech  {text}"),
                Record::Alert(alert) => writeln!(out, "  staff   {alert:?}"),
                Record::Printed { what, bytes, ok } => {
                    writeln!(
                        out,
                        "  printer {what}: {bytes} bytes, {}",
                        if *ok { "printed" } else { "FAILED" }
                    )
                }
            };
        }
        Ok(())
    };

    play(
        &mut kiosk,
        "visitor 1: complaint, national code mistyped then corrected, speech on",
        complaint_visitor(),
        &mut out,
    )?;
    let code = kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(12)?, 1)?;
    play(
        &mut kiosk,
        "visitor 2: follows the case up by scanning the receipt",
        vec![Event::TrackingScanned(code.grouped())],
        &mut out,
    )?;
    if let Some(view) = &kiosk.flow().session().follow_up {
        for entry in &view.timeline {
            let when = kiosk_core::JalaliDate::at(entry.at).format_fa();
            let _ = writeln!(out, "  timeline {when} · {} · {}", entry.what, entry.unit);
        }
    }
    kiosk.handle(Event::Do(Action::Finish));
    play(
        &mut kiosk,
        "visitor 3: a subject this office does not handle",
        guidance_visitor(),
        &mut out,
    )?;
    kiosk.printer_mut().fail_with = Some(PrinterProblem::PaperOut);
    play(
        &mut kiosk,
        "visitor 4: registers while the printer is out of paper",
        paper_out_visitor(),
        &mut out,
    )?;
    if let Some(screens) = screens {
        for name in screens.finish()? {
            let _ = writeln!(out, "   wrote {name}");
        }
    }
    let outbox = kiosk.store().outbox_depth()?;
    let _ = writeln!(
        out,
        "\ncases registered: {}; outbox: {} waiting for SAMAD; visitor 4's receipt is recorded as failed, for staff to reprint",
        kiosk.store().counts()?.cases,
        outbox.pending
    );
    Ok(out)
}
