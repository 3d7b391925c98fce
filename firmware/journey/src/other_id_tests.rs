//! A visitor without a national code (machine/other_id.rs, docs/identity.md): «کد ملی ندارم»
//! is offered only where the agency accepts another identifier; the foreign identifier and a
//! passport with its country are typed (the passport by multi-tap on the digit keys), refused
//! with a Persian message when malformed, and carried into the registration and the follow-up.

use kiosk_core::{IdentityKind, IdentityPolicy};

use super::*;
use crate::input::OtherId;
use crate::test_support::said;

fn flow(foreign_id: bool, passport: bool) -> Flow {
    let mut flow = crate::test_support::one_subject_flow("residence", "اقامت", "Residence");
    flow.set_identity_policy(IdentityPolicy {
        foreign_id,
        passport,
        ..IdentityPolicy::default()
    });
    flow
}

fn type_text(flow: &mut Flow, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(flow.step(Event::Char(c)));
    }
    fx
}

/// Registers a consultation after identification and returns the input sent to the store.
fn register(flow: &mut Flow) -> VisitorInput {
    flow.step(Event::Do(Action::ChooseKind(
        kiosk_core::CaseKind::Consultation,
    )));
    flow.step(Event::Do(Action::ChooseSubject("residence".into())));
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::SkipMobile));
    let fx = flow.step(Event::Do(Action::Confirm));
    fx.into_iter()
        .find_map(|e| match e {
            Effect::Register(input) => Some(input),
            _ => None,
        })
        .expect("a registration")
}

#[test]
fn no_national_code_is_offered_only_where_another_identifier_is_accepted() {
    // (foreign_id, passport, what «کد ملی ندارم» leads to)
    let table = [
        (false, false, None),
        (true, false, Some(IdMode::ForeignId)),
        (false, true, Some(IdMode::PassportNumber)),
        (true, true, Some(IdMode::ChooseOther)),
    ];
    for (foreign_id, passport, leads_to) in table {
        let mut flow = flow(foreign_id, passport);
        flow.step(Event::Do(Action::Start));
        let offered = flow.actions().contains(&Action::NoNationalCode);
        assert_eq!(offered, leads_to.is_some(), "{foreign_id} {passport}");
        flow.step(Event::Do(Action::NoNationalCode));
        assert_eq!(
            flow.session().id_mode,
            leads_to.unwrap_or(IdMode::NationalCode),
            "{foreign_id} {passport}"
        );
    }
}

#[test]
fn a_foreign_identifier_is_typed_judged_and_registered() {
    let mut flow = flow(true, true);
    flow.step(Event::HeadphonesIn);
    flow.step(Event::Do(Action::Start));
    flow.step(Event::Do(Action::NoNationalCode));
    assert_eq!(
        flow.actions()[..2],
        [
            Action::UseIdentity(IdentityKind::ForeignId),
            Action::UseIdentity(IdentityKind::Passport)
        ]
    );
    let fx = flow.step(Event::Do(Action::UseIdentity(IdentityKind::ForeignId)));
    assert!(
        said(&fx).iter().any(|t| t.contains("شناسه اتباع خارجی")),
        "{fx:?}"
    );
    // Letters are not taken; a thirteenth digit is not either.
    type_text(&mut flow, "12345678901a23");
    assert_eq!(flow.session().entry, "1234567890123"[..12].to_owned());
    flow.step(Event::Backspace);
    let fx = flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Identify);
    assert_eq!(
        flow.session().error.as_deref(),
        Some("شناسه اتباع خارجی دوازده رقم دارد؛ لطفاً رقم‌ها را دوباره بررسی کنید.")
    );
    assert!(said(&fx).iter().any(|t| t.contains("دوازده رقم")), "{fx:?}");
    assert!(flow.session().visitor().is_none(), "nothing kept");
    type_text(&mut flow, "2");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Kind);
    let input = register(&mut flow);
    assert_eq!(input.national_code, "");
    assert_eq!(
        input.other_id,
        Some(OtherId {
            kind: IdentityKind::ForeignId,
            value: "123456789012".into(),
            country: String::new(),
        })
    );
}

#[test]
fn a_passport_is_typed_by_multitap_on_the_digit_keys_then_its_country() {
    let mut flow = flow(false, true);
    flow.step(Event::HeadphonesIn);
    flow.step(Event::Do(Action::Start));
    // Reached by keys alone: Down to «کد ملی ندارم», Enter.
    flow.step(Event::FocusNext);
    assert_eq!(flow.focused(), Some(Action::NoNationalCode));
    flow.step(Event::Activate);
    assert_eq!(flow.session().id_mode, IdMode::PassportNumber);
    assert!(flow.digit_keys_type_letters());
    // P = 7 once; then digits as the last of their key's cycle: 0 = space, 0 (two presses),
    // 1 = . , ? ! 1 (five presses), … Keys pressed at the same instant cycle; a second apart
    // they are new letters.
    let mut at = 0;
    let mut press = |flow: &mut Flow, key: u8, times: usize| {
        for _ in 0..times {
            flow.step(Event::MultiTap { key, at_ms: at });
        }
        at += 2000;
        flow.step(Event::MultiTapTick { at_ms: at });
    };
    press(&mut flow, 7, 1); // p
    press(&mut flow, 0, 2); // 0
    press(&mut flow, 1, 5); // 1
    for d in 2..=7u8 {
        // 2 is a b c 2 (four presses); 7 is p q r s 7 (five presses); 9 likewise.
        let times = if d == 7 || d == 9 { 5 } else { 4 };
        press(&mut flow, d, times);
    }
    assert_eq!(flow.session().entry, "P01234567");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.session().id_mode, IdMode::PassportCountry);
    assert_eq!(flow.session().entry, "");
    // An unknown country: a Persian message, still asked.
    type_text(&mut flow, "xxx");
    flow.step(Event::Do(Action::Continue));
    assert!(
        flow.session()
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("کد کشور شناخته نشد")),
        "{:?}",
        flow.session().error
    );
    flow.step(Event::ClearEntry);
    type_text(&mut flow, "afg");
    let fx = flow.step(Event::Do(Action::Continue));
    assert!(said(&fx).iter().any(|t| t.contains("افغانستان")), "{fx:?}");
    assert_eq!(flow.screen(), Screen::Kind);
    let input = register(&mut flow);
    assert_eq!(
        input.other_id,
        Some(OtherId {
            kind: IdentityKind::Passport,
            value: "P01234567".into(),
            country: "AFG".into(),
        })
    );
}

#[test]
fn malformed_passports_are_refused_with_a_persian_message_and_nothing_kept() {
    let table = [
        ("A1234", "شماره گذرنامه باید شش تا نه نویسه باشد."),
        ("", "شماره گذرنامه وارد نشده است."),
    ];
    for (typed, message) in table {
        let mut flow = flow(false, true);
        flow.step(Event::Do(Action::Start));
        flow.step(Event::Do(Action::NoNationalCode));
        type_text(&mut flow, typed);
        flow.step(Event::Do(Action::Continue));
        assert_eq!(flow.session().id_mode, IdMode::PassportNumber, "{typed}");
        assert_eq!(flow.session().error.as_deref(), Some(message), "{typed}");
        assert!(flow.session().passport_number.is_none());
    }
    // Characters a passport number never has are not typed at all.
    let mut flow = flow(false, true);
    flow.step(Event::Do(Action::Start));
    flow.step(Event::Do(Action::NoNationalCode));
    type_text(&mut flow, "ب-<a1");
    assert_eq!(flow.session().entry, "A1");
}

#[test]
fn back_walks_the_modes_and_a_card_still_identifies() {
    let mut flow = flow(true, true);
    flow.step(Event::Do(Action::Start));
    flow.step(Event::Do(Action::NoNationalCode));
    flow.step(Event::Do(Action::UseIdentity(IdentityKind::Passport)));
    type_text(&mut flow, "P0123456");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.session().id_mode, IdMode::PassportCountry);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.session().id_mode, IdMode::PassportNumber);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.session().id_mode, IdMode::ChooseOther);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.session().id_mode, IdMode::NationalCode);
    assert_eq!(flow.screen(), Screen::Identify);
    // A national card read in a foreign mode identifies by the national code.
    flow.step(Event::Do(Action::NoNationalCode));
    flow.step(Event::IdentityRead("0499370899".into()));
    assert_eq!(flow.screen(), Screen::Kind);
    assert_eq!(
        flow.session().visitor().map(|v| v.kind()),
        Some(IdentityKind::NationalCode)
    );
    assert_eq!(flow.session().id_mode, IdMode::NationalCode);
}

#[test]
fn a_follow_up_is_looked_up_with_the_same_foreign_identifier() {
    let mut flow = flow(true, false);
    flow.step(Event::Do(Action::TrackCase));
    let code = kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(12).unwrap(), 1)
        .unwrap()
        .as_string();
    type_text(&mut flow, &code);
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Identify);
    flow.step(Event::Do(Action::NoNationalCode));
    type_text(&mut flow, "123456789012");
    let fx = flow.step(Event::Do(Action::Continue));
    let looked_up = fx.iter().find_map(|e| match e {
        Effect::LookUp { visitor, .. } => Some(visitor.clone()),
        _ => None,
    });
    assert_eq!(
        looked_up.map(|v| (v.kind(), v.value())),
        Some((IdentityKind::ForeignId, "123456789012".to_owned()))
    );
    assert_eq!(flow.screen(), Screen::FollowUpEntry);
}
