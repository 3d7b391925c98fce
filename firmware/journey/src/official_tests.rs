//! A complaint about an official (seed 000 §10-3): the visitor is asked after the subject,
//! only for complaints; the tier chosen says where the complaint goes, aloud and on the review,
//! and travels with the registration; Back returns through the question.

use kiosk_core::escalation::OfficialTier;
use kiosk_core::{CaseKind, Catalogue, NationalCodePolicy, Subject};

use super::*;
use crate::test_support::said;

fn flow() -> Flow {
    Flow::new(FlowSettings {
        national_code_policy: NationalCodePolicy::default(),
        catalogue: Catalogue {
            subjects: vec![Subject {
                id: "conduct".into(),
                label_fa: "رفتار کارکنان".into(),
                label_en: "Staff conduct".into(),
                keywords: Vec::new(),
                kinds: vec![],
                service_id: None,
                guidance_fa: None,
                guidance_en: None,
                about_officials: true,
                next_visit: None,
            }],
            services: Vec::new(),
        },
        max_extensions: 10,
    })
}

/// From the attract screen to the subject chosen, speech on, for `kind`.
fn to_subject_chosen(flow: &mut Flow, kind: CaseKind) -> Vec<Effect> {
    flow.step(Event::HeadphonesIn);
    flow.step(Event::Do(Action::Start));
    flow.step(Event::IdentityRead("0499370899".into()));
    flow.step(Event::Do(Action::ChooseKind(kind)));
    flow.step(Event::Do(Action::ChooseSubject("conduct".into())))
}

#[test]
fn a_complaint_about_a_provincial_official_goes_to_the_governor_general_and_says_so() {
    let mut flow = flow();
    let fx = to_subject_chosen(&mut flow, CaseKind::Complaint);
    assert_eq!(flow.screen(), Screen::Official);
    assert!(said(&fx).iter().any(|t| t.contains("مسئولان")), "{fx:?}");
    // The four answers, «no» first, then the tiers from the county up.
    let offered: Vec<Action> = flow
        .actions()
        .into_iter()
        .filter(|a| matches!(a, Action::ChooseOfficial(_)))
        .collect();
    assert_eq!(
        offered,
        [
            Action::ChooseOfficial(None),
            Action::ChooseOfficial(Some(OfficialTier::County)),
            Action::ChooseOfficial(Some(OfficialTier::Province)),
            Action::ChooseOfficial(Some(OfficialTier::National)),
        ]
    );
    let fx = flow.step(Event::Do(Action::ChooseOfficial(Some(
        OfficialTier::Province,
    ))));
    assert_eq!(flow.screen(), Screen::Description);
    let heard = said(&fx);
    assert!(
        heard
            .iter()
            .any(|t| t.contains("استاندار") && t.contains("هیئت")),
        "the authority and the legal bodies' note: {heard:?}"
    );
    // Back goes through the question again, with the answer kept until changed.
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Official);
    flow.step(Event::Do(Action::ChooseOfficial(Some(
        OfficialTier::County,
    ))));
    flow.step(Event::Do(Action::Phrase(0)));
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::SkipMobile));
    assert_eq!(flow.screen(), Screen::Review);
    // The review reads where it goes (a repeat of the screen says its content).
    let fx = flow.step(Event::Repeat);
    assert!(
        said(&fx).iter().any(|t| t.contains("فرماندار")),
        "{:?}",
        said(&fx)
    );
    let fx = flow.step(Event::Do(Action::Confirm));
    let registered = fx.iter().find_map(|e| match e {
        Effect::Register(input) => Some(input.clone()),
        _ => None,
    });
    assert_eq!(
        registered.map(|i| i.official),
        Some(Some(OfficialTier::County))
    );
}

#[test]
fn only_complaints_are_asked_and_no_means_no_escalation() {
    for kind in [CaseKind::Request, CaseKind::Suggestion] {
        let mut flow = flow();
        to_subject_chosen(&mut flow, kind);
        assert_eq!(flow.screen(), Screen::Description, "{kind:?}");
        flow.step(Event::Do(Action::Back));
        assert_eq!(flow.screen(), Screen::Subject, "{kind:?}");
    }
    let mut flow = flow();
    to_subject_chosen(&mut flow, CaseKind::Complaint);
    let fx = flow.step(Event::Do(Action::ChooseOfficial(None)));
    assert!(!said(&fx).iter().any(|t| t.contains("ماده ۱۰-۳")));
    flow.step(Event::Do(Action::Phrase(0)));
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::SkipMobile));
    let fx = flow.step(Event::Do(Action::Confirm));
    let registered = fx.iter().find_map(|e| match e {
        Effect::Register(input) => Some(input.clone()),
        _ => None,
    });
    assert_eq!(registered.map(|i| i.official), Some(None));
}
