//! Transfers (انتقال) at the desk terminal: the kind kiosk visitors cannot choose is registered
//! by staff, through the desk journey and its store effects, on the demo's configuration and a
//! real SQLite store. A good form becomes a case of kind `transfer` with its response date,
//! queued for SAMAD; each bad form is refused with a Persian message for the screen (an English
//! line goes to the log) and writes nothing.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use kiosk::flow::desk::{
    DeskAction, DeskContext, DeskEvent, DeskFlow, DeskScreen, StaffView, TransferDraft,
    TransferField, perform, register_transfer, transfer_subjects,
};
use kiosk_core::{CaseKind, KioskNumber, NationalCodePolicy};
use kiosk_store::{OpenOptions, PinPolicy, Store};

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn setup() -> (tempfile::TempDir, kiosk_config::KioskConfig, Store) {
    let dir = tempfile::tempdir().unwrap();
    let config = kiosk::demo::demo_config(dir.path()).unwrap();
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
    (dir, config, store)
}

/// Feeds `event` to the flow and carries out its store effects until it is quiet.
fn desk(
    flow: &mut DeskFlow,
    store: &mut Store,
    config: &kiosk_config::KioskConfig,
    event: DeskEvent,
) {
    let mut queue = vec![event];
    while let Some(event) = queue.pop() {
        for effect in flow.step(event) {
            let mut ctx = DeskContext {
                store,
                keys: |_: KioskNumber| Vec::new(),
                kiosk: config.kiosk_number,
                now: now(),
                pin_policy: PinPolicy::default(),
                national_code_policy: NationalCodePolicy::default(),
                portal: &kiosk_core::satisfaction::Portal::default(),
                remote_staff: None,
                services: &[],
                config: Some(config),
            };
            if let Some(answer) = perform(&mut ctx, &effect) {
                queue.push(answer);
            }
        }
    }
}

fn typed(
    flow: &mut DeskFlow,
    store: &mut Store,
    config: &kiosk_config::KioskConfig,
    field: TransferField,
    text: &str,
) {
    desk(
        flow,
        store,
        config,
        DeskEvent::Do(DeskAction::EditTransfer(field)),
    );
    for c in text.chars() {
        let event = match c.to_digit(10) {
            Some(d) if field.numeric() => DeskEvent::Digit(d as u8),
            _ => DeskEvent::Char(c),
        };
        desk(flow, store, config, event);
    }
    desk(flow, store, config, DeskEvent::Do(DeskAction::Submit));
}

#[test]
fn staff_register_a_transfer_through_the_desk_journey() {
    let (_dir, config, mut store) = setup();
    let mut flow = DeskFlow::new();
    flow.transfer_subjects = transfer_subjects(&config.catalogue);
    // A logged-in member (the login itself is desk_journey.rs's).
    flow.step(DeskEvent::Scanned("E-1".into()));
    flow.step(DeskEvent::Digit(1));
    flow.step(DeskEvent::Do(DeskAction::Submit));
    flow.step(DeskEvent::LoggedIn(StaffView {
        staff_id: 1,
        employee_code: "E-1".into(),
        display_name: "مریم".into(),
    }));
    desk(
        &mut flow,
        &mut store,
        &config,
        DeskEvent::Do(DeskAction::RegisterTransfer),
    );
    assert_eq!(flow.screen, DeskScreen::Transfer);
    typed(
        &mut flow,
        &mut store,
        &config,
        TransferField::NationalCode,
        "0499370899",
    );
    typed(
        &mut flow,
        &mut store,
        &config,
        TransferField::Description,
        "انتقال پرونده‌ی سند از اداره‌ی شهرستان ورامین",
    );
    desk(
        &mut flow,
        &mut store,
        &config,
        DeskEvent::Do(DeskAction::TransferSubject("deed-delay".into())),
    );
    desk(
        &mut flow,
        &mut store,
        &config,
        DeskEvent::Do(DeskAction::Submit),
    );
    assert_eq!(flow.screen, DeskScreen::Menu);
    assert!(!flow.refused, "{:?}", flow.notice);
    let notice = flow.notice.clone().unwrap();
    assert!(
        notice.contains("انتقال با کد رهگیری") && notice.contains("پاسخ تا"),
        "{notice}"
    );

    let counts = store.counts().unwrap();
    assert_eq!((counts.cases, counts.outbox_pending), (1, 1));
    let digits = kiosk_core::digits::to_ascii_digits(&notice);
    let code: String = digits
        .chars()
        .filter(char::is_ascii_digit)
        .take(16)
        .collect();
    let case = store
        .case_by_tracking_code(&kiosk_core::TrackingCode::parse(&code).unwrap())
        .unwrap()
        .expect("the notice names the case");
    assert_eq!(case.kind, CaseKind::Transfer);
    assert_eq!(case.subject_id, "deed-delay");
    assert_eq!(case.tracking_code.kiosk(), config.kiosk_number);
    assert!(case.due.is_some(), "a transfer owes an answer by its date");
    assert_eq!(case.next_visit, None);
    let item = store
        .outbox_item(case.client_uuid)
        .unwrap()
        .expect("queued");
    let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
    assert_eq!(payload["kind"], "transfer");
}

#[test]
fn bad_transfer_forms_are_refused_in_persian_and_write_nothing() {
    let (_dir, config, mut store) = setup();
    let good = TransferDraft {
        national_code: "0499370899".into(),
        subject_id: Some("deed-delay".into()),
        description: "انتقال پرونده".into(),
    };
    let table: Vec<(&str, TransferDraft, &str)> = vec![
        (
            "no subject chosen",
            TransferDraft {
                subject_id: None,
                ..good.clone()
            },
            "موضوع انتقال",
        ),
        (
            "a subject outside this office's scope",
            TransferDraft {
                subject_id: Some("car-plates".into()),
                ..good.clone()
            },
            "موضوع انتقال",
        ),
        (
            "a subject not in the catalogue",
            TransferDraft {
                subject_id: Some("nope".into()),
                ..good.clone()
            },
            "موضوع انتقال",
        ),
        (
            "a national code with a wrong check digit",
            TransferDraft {
                national_code: "0499370898".into(),
                ..good.clone()
            },
            "کد ملی",
        ),
        (
            "no national code",
            TransferDraft {
                national_code: String::new(),
                ..good.clone()
            },
            "کد ملی",
        ),
        (
            "no description",
            TransferDraft {
                description: "   ".into(),
                ..good.clone()
            },
            "شرح",
        ),
        (
            "a description too long",
            TransferDraft {
                description: "ا".repeat(kiosk_core::MAX_DESCRIPTION_CHARS + 1),
                ..good.clone()
            },
            "کوتاه‌تر",
        ),
    ];
    for (what, draft, said) in table {
        let message = register_transfer(Some(&config), &mut store, &draft, now()).expect_err(what);
        assert!(message.contains(said), "{what}: {message}");
        assert!(
            !message.chars().any(|c| c.is_ascii_alphabetic()),
            "{what}: Persian only: {message}"
        );
    }
    // A terminal that registers no cases refuses too.
    let message = register_transfer(None, &mut store, &good, now()).unwrap_err();
    assert!(message.contains("ممکن نیست"), "{message}");
    let counts = store.counts().unwrap();
    assert_eq!(
        (counts.cases, counts.outbox_pending),
        (0, 0),
        "nothing written"
    );
    // The good form is taken.
    assert!(register_transfer(Some(&config), &mut store, &good, now()).is_ok());
    assert_eq!(store.counts().unwrap().cases, 1);
}
