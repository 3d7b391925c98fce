//! Whole journeys through the firmware: the flow driving the real store (a SQLite file), the
//! real receipt pipeline and a recording printer, checked end to end down to the bytes that
//! reach the printer and the rows on disk.

// Helpers of this test file panic on setup failure: that is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use chrono::{DateTime, Utc};
use kiosk::flow::{Action, Event, PrinterProblem, Screen};
use kiosk::runtime::{Kiosk, RecordingPrinter};
use kiosk_core::{CaseKind, KioskNumber, TrackingCode};
use kiosk_receipt::Profile;
use kiosk_store::{OpenOptions, ReceiptState, Store};

fn now() -> DateTime<Utc> {
    "2026-11-23T06:30:00Z".parse().unwrap()
}

/// The kiosk's signing key, made at random once per test process (never a committed one).
fn test_key() -> ed25519_dalek::SigningKey {
    static SEED: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    ed25519_dalek::SigningKey::from_bytes(SEED.get_or_init(rand::random))
}

fn kiosk(dir: &Path) -> Kiosk<RecordingPrinter> {
    let config = kiosk::demo::demo_config(dir).unwrap();
    let store = Store::open(dir.join("kiosk.db"), &OpenOptions::default()).unwrap();
    Kiosk::new(
        config,
        store,
        Profile::MM80,
        RecordingPrinter::default(),
        Box::new(now),
    )
    .with_satisfaction_key(test_key())
}

fn register_complaint<P: kiosk::runtime::PrintSink>(kiosk: &mut Kiosk<P>, national_code: &str) {
    kiosk.handle(Event::Do(Action::Start));
    for d in national_code.chars() {
        kiosk.handle(Event::Digit(d.to_digit(10).unwrap() as u8));
    }
    kiosk.handle(Event::Do(Action::Continue));
    kiosk.handle(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    kiosk.handle(Event::Do(Action::ChooseSubject("deed-delay".into())));
    kiosk.handle(Event::Do(Action::Phrase(0)));
    kiosk.handle(Event::Do(Action::Continue));
    kiosk.handle(Event::Do(Action::SkipMobile));
    kiosk.handle(Event::Do(Action::Confirm));
}

fn code(sequence: u64) -> TrackingCode {
    TrackingCode::new(KioskNumber::new(12).unwrap(), sequence).unwrap()
}

#[test]
fn a_registered_complaint_reaches_disk_and_paper_with_the_same_tracking_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = kiosk(dir.path());
    register_complaint(&mut kiosk, "0499370899");
    assert_eq!(kiosk.flow().screen(), Screen::Done);

    let case = kiosk
        .backend()
        .store()
        .case_by_tracking_code(&code(1))
        .unwrap()
        .expect("case on disk");
    assert_eq!(case.kind, CaseKind::Complaint);
    assert_eq!(case.subject_id, "deed-delay");
    assert_eq!(case.service_id.as_deref(), Some("11021"));
    assert_eq!(kiosk.backend().store().outbox_depth().unwrap().pending, 1);

    let jobs = kiosk.backend_mut().printer_mut().jobs.clone();
    assert_eq!(jobs.len(), 1);
    let decoded = kiosk_receipt::decode::decode(&jobs[0], 576).unwrap();
    assert_eq!(decoded.cuts, 1);
    assert_eq!(
        decoded.native_qr.first().map(String::as_str),
        Some(format!("https://saamad.ir/t/{}", code(1).as_string()).as_str())
    );
    assert!(jobs[0].len() <= 12 * 1024, "{} bytes", jobs[0].len());
    // The second QR is a satisfaction code that verifies offline with the kiosk's public key.
    assert_eq!(decoded.native_qr.len(), 2);
    let public = test_key().verifying_key();
    let claim =
        kiosk_core::satisfaction::verify(&decoded.native_qr[1], |_| Some(public), now()).unwrap();
    assert_eq!(claim.tracking_code, code(1));
    assert_eq!(claim.service_id, "11021");
    let pending = kiosk.backend().store().pending_receipts().unwrap();
    assert!(
        pending.is_empty(),
        "the printed job is no longer pending: {pending:?}"
    );
}

#[test]
fn a_printer_out_of_paper_never_loses_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = kiosk(dir.path());
    kiosk.backend_mut().printer_mut().fail_with = Some(PrinterProblem::PaperOut);
    register_complaint(&mut kiosk, "0499370899");
    assert_eq!(kiosk.flow().screen(), Screen::PrinterOut);
    let shown = kiosk.flow().session().registered.clone().unwrap();
    assert_eq!(shown.tracking_code, code(1));
    assert!(
        kiosk
            .backend()
            .store()
            .case_by_tracking_code(&code(1))
            .unwrap()
            .is_some()
    );
    assert_eq!(kiosk.backend().store().outbox_depth().unwrap().pending, 1);
    assert!(kiosk.backend_mut().printer_mut().jobs.is_empty());
    let counts = kiosk.backend().store().counts().unwrap();
    assert_eq!(counts.receipts.get(&ReceiptState::Failed), Some(&1));
}

#[test]
fn the_sequence_survives_a_restart_and_follow_up_finds_the_case() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut kiosk = kiosk(dir.path());
        register_complaint(&mut kiosk, "0499370899");
        kiosk.handle(Event::Do(Action::Finish));
    }
    let mut kiosk = kiosk(dir.path());
    register_complaint(&mut kiosk, "0084575948");
    assert_eq!(
        kiosk
            .flow()
            .session()
            .registered
            .as_ref()
            .unwrap()
            .tracking_code,
        code(2)
    );
    kiosk.handle(Event::Do(Action::Finish));
    // The first case with the second visitor's national code: not shown.
    kiosk.handle(Event::TrackingScanned(code(1).grouped()));
    assert_eq!(kiosk.flow().screen(), Screen::Identify);
    kiosk.handle(Event::IdentityRead("0084575948".into()));
    assert_eq!(kiosk.flow().screen(), Screen::FollowUpEntry);
    assert!(kiosk.flow().session().follow_up.is_none());
    // With its own applicant's: shown.
    kiosk.handle(Event::TrackingScanned(code(1).grouped()));
    kiosk.handle(Event::IdentityRead("0499370899".into()));
    assert_eq!(kiosk.flow().screen(), Screen::FollowUp);
    let view = kiosk.flow().session().follow_up.clone().unwrap();
    assert_eq!(view.tracking_code, code(1));
    assert_eq!(view.timeline.len(), 1);
    assert_eq!(view.timeline[0].what, "ثبت شد");
    kiosk.handle(Event::Do(Action::Back));
    kiosk.handle(Event::TrackingScanned(code(99).grouped()));
    assert_eq!(kiosk.flow().screen(), Screen::FollowUpEntry);
    assert!(
        kiosk.flow().session().error.is_some(),
        "an unknown code says so"
    );
}

#[test]
fn an_out_of_scope_subject_prints_guidance_and_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = kiosk(dir.path());
    kiosk.handle(Event::IdentityRead("0499370899".into()));
    kiosk.handle(Event::Do(Action::ChooseKind(CaseKind::Request)));
    kiosk.handle(Event::Do(Action::ChooseSubject("car-plates".into())));
    assert_eq!(kiosk.flow().screen(), Screen::Guidance);
    kiosk.handle(Event::Do(Action::PrintGuidance));
    assert_eq!(kiosk.backend_mut().printer_mut().jobs.len(), 1);
    assert_eq!(kiosk.backend().store().counts().unwrap().cases, 0);
    // The guidance given is recorded (a consultation) and waits in the outbox for SAMAD.
    assert_eq!(kiosk.backend().store().outbox_depth().unwrap().pending, 1);
}

#[test]
fn the_simulated_device_printer_prints_and_its_paper_end_reaches_the_visitor() {
    use kiosk::runtime::DevicePrinter;
    use kiosk_drivers::printer::{JobConfig, SimFault, SimPrinter};
    let dir = tempfile::tempdir().unwrap();
    let config = kiosk::demo::demo_config(dir.path()).unwrap();
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
    let (printer, handle) = SimPrinter::new(JobConfig::default());
    let mut kiosk = Kiosk::new(
        config,
        store,
        Profile::MM80,
        DevicePrinter(printer),
        Box::new(now),
    );
    register_complaint(&mut kiosk, "0499370899");
    assert_eq!(kiosk.flow().screen(), Screen::Done);
    let jobs = handle.jobs();
    assert_eq!(jobs.len(), 1);
    let decoded = kiosk_receipt::decode::decode(&jobs[0], 576).unwrap();
    assert!(decoded.native_qr[0].ends_with(&code(1).as_string()));
    kiosk.handle(Event::Do(Action::Finish));
    handle.set_fault(SimFault::PaperEnd);
    register_complaint(&mut kiosk, "0084575948");
    assert_eq!(kiosk.flow().screen(), Screen::PrinterOut);
    assert!(
        kiosk
            .backend()
            .store()
            .case_by_tracking_code(&code(2))
            .unwrap()
            .is_some()
    );
    assert_eq!(handle.jobs().len(), 1, "nothing printed while out of paper");
}
