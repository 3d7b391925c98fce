//! The rating journey on screen: [`view_model`] draws a [`RatingFlow`] on the generic pages
//! (the five faces are a choices page of one row of large targets, the reasons a page of
//! toggles, the rest message pages), and [`event_for`] turns a tap or key back into a
//! [`RatingEvent`]. As in the visitor journey, buttons keep the flow's action order, which is
//! the keypad's focus order, and Persian texts get Persian digits.

use kiosk_core::digits::to_persian_digits;
use kiosk_ui::{Button, Key, Overlay, Page, Prefs, Role, UiInput, ViewModel};

use crate::flow::Lang;
use crate::flow::rating::{RatingAction, RatingEvent, RatingFlow, RatingScreen};

/// The stable id of a rating action's button.
pub fn action_id(action: RatingAction) -> String {
    match action {
        RatingAction::Score(s) => format!("score:{s}"),
        RatingAction::Reason(r) => format!("reason:{}", r.as_str()),
        RatingAction::Send => "send".into(),
        RatingAction::Back => "back".into(),
        RatingAction::Finish => "finish".into(),
    }
}

/// The rating event for a screen input; `None` for ids not on this screen and for keys (the
/// rating journey types nothing).
pub fn event_for(flow: &RatingFlow, input: &UiInput) -> Option<RatingEvent> {
    match input {
        UiInput::Action(id) => flow
            .actions()
            .into_iter()
            .find(|a| action_id(*a) == *id)
            .map(RatingEvent::Do),
        UiInput::FocusNext => Some(RatingEvent::FocusNext),
        UiInput::FocusPrev => Some(RatingEvent::FocusPrev),
        UiInput::Activate => Some(RatingEvent::Activate),
        UiInput::Key(Key::Digit(_) | Key::Char(_) | Key::Backspace) => None,
    }
}

fn page(screen: RatingScreen) -> Page {
    match screen {
        RatingScreen::Scan => Page::RateScan,
        RatingScreen::Checking | RatingScreen::Saving => Page::RateWait,
        RatingScreen::Faces => Page::RateFaces,
        RatingScreen::Reasons => Page::RateReasons,
        RatingScreen::Thanks => Page::RateThanks,
        RatingScreen::Refused => Page::RateRefused,
    }
}

fn role(action: RatingAction) -> Role {
    match action {
        RatingAction::Send => Role::Primary,
        RatingAction::Reason(_) => Role::Toggle,
        RatingAction::Back | RatingAction::Finish => Role::Nav,
        RatingAction::Score(_) => Role::Choice,
    }
}

/// The inactivity warning over a rating screen (same rules as the visitor journey).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IdleState {
    /// The warning shows.
    pub warning: bool,
    /// More time can still be asked for.
    pub can_extend: bool,
}

/// The id of the "more time" button of the inactivity warning (as in the visitor journey).
pub const EXTEND_ID: &str = "extend";

/// The rating screen as the UI draws it, with the visitor's display preferences.
pub fn view_model(flow: &RatingFlow, prefs: Prefs, idle: IdleState) -> ViewModel {
    let fa = flow.lang == Lang::Fa;
    let pick = |a: &str, b: &str| if fa { a.to_owned() } else { b.to_owned() };
    let mut vm = ViewModel {
        page: page(flow.screen),
        title: flow.title(),
        prefs: Prefs { rtl: fa, ..prefs },
        ..ViewModel::default()
    };
    for (i, action) in flow.actions().into_iter().enumerate() {
        let mut button = Button {
            id: action_id(action),
            label: flow.action_label(action),
            role: role(action),
            focused: i == flow.focus && !idle.warning,
            ..Button::default()
        };
        match action {
            RatingAction::Score(s) => {
                button.detail = if fa {
                    to_persian_digits(&s.to_string())
                } else {
                    s.to_string()
                };
                vm.choices.push(button);
            }
            RatingAction::Reason(r) => {
                // The label without the spoken state; the toggle shows it.
                button.label = crate::flow::rating::reason_label(r, flow.lang).to_owned();
                button.checked = flow.reasons.contains(&r);
                button.detail = match (fa, button.checked) {
                    (true, true) => "انتخاب شده".into(),
                    (false, true) => "selected".into(),
                    _ => String::new(),
                };
                vm.choices.push(button);
            }
            _ => vm.bar.push(button),
        }
    }
    match flow.screen {
        RatingScreen::Scan => {
            vm.message = pick(
                "کد نظرسنجی در پایین رسید شما چاپ شده است.",
                "The survey code is printed at the bottom of your receipt.",
            );
        }
        RatingScreen::Reasons => {
            if let Some(s) = flow.score {
                let label = crate::flow::rating::face_label(s, flow.lang);
                vm.message = pick(
                    &format!("نظر شما: {label}"),
                    &format!("Your rating: {label}"),
                );
            }
        }
        RatingScreen::Thanks => {
            vm.message = pick(
                "نظر شما ثبت شد و به سامانه سامد فرستاده می‌شود.",
                "Your rating is recorded and will be sent to SAMAD.",
            );
        }
        RatingScreen::Refused => vm.message = flow.message.clone().unwrap_or_default(),
        RatingScreen::Checking | RatingScreen::Saving | RatingScreen::Faces => {}
    }
    if idle.warning {
        let buttons = if idle.can_extend {
            vec![Button {
                id: EXTEND_ID.into(),
                label: pick("زمان بیشتر", "More time"),
                role: Role::Primary,
                focused: true,
                ..Button::default()
            }]
        } else {
            Vec::new()
        };
        vm.overlay = Some(Overlay {
            message: crate::flow::prompts::idle_warning(flow.lang, idle.can_extend),
            buttons,
        });
    }
    vm
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::rating::CodeView;
    use kiosk_core::{KioskNumber, TrackingCode};
    use kiosk_store::RatingReason;

    fn faces(lang: Lang) -> RatingFlow {
        let mut flow = RatingFlow::new(lang);
        flow.step(RatingEvent::CodeScanned("c".into()));
        flow.step(RatingEvent::CodeChecked(Ok(CodeView {
            tracking_code: TrackingCode::new(KioskNumber::new(12).unwrap(), 7).unwrap(),
            service_id: "11021".into(),
            draft_uuid: 1,
        })));
        flow
    }

    #[test]
    fn five_faces_in_one_row_in_focus_order_with_persian_digits_and_back_to_their_actions() {
        let flow = faces(Lang::Fa);
        let vm = view_model(&flow, Prefs::default(), IdleState::default());
        assert_eq!(vm.page, Page::RateFaces);
        let ids: Vec<&str> = vm.choices.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["score:5", "score:4", "score:3", "score:2", "score:1"]);
        assert_eq!(vm.choices[0].label, "خیلی راضی");
        assert_eq!(vm.choices[0].detail, "۵");
        assert!(vm.choices[0].focused, "the keypad starts on the first face");
        assert_eq!(vm.bar.len(), 1);
        for b in vm.choices.iter().chain(&vm.bar) {
            assert!(
                matches!(event_for(&flow, &UiInput::Action(b.id.clone())), Some(RatingEvent::Do(a)) if action_id(a) == b.id),
                "{}",
                b.id
            );
        }
        assert_eq!(event_for(&flow, &UiInput::Action("send".into())), None);
    }

    #[test]
    fn reasons_are_toggles_and_the_idle_warning_offers_more_time() {
        let mut flow = faces(Lang::En);
        flow.step(RatingEvent::Do(RatingAction::Score(2)));
        flow.step(RatingEvent::Do(RatingAction::Reason(
            RatingReason::Workflow,
        )));
        let idle = IdleState {
            warning: true,
            can_extend: true,
        };
        let vm = view_model(&flow, Prefs::default(), idle);
        assert_eq!(vm.page, Page::RateReasons);
        assert!(!vm.prefs.rtl);
        let workflow = vm
            .choices
            .iter()
            .find(|b| b.id == "reason:workflow")
            .unwrap();
        assert!(workflow.checked);
        assert_eq!(workflow.role, Role::Toggle);
        assert_eq!(vm.bar[0].id, "send");
        assert_eq!(vm.bar[0].role, Role::Primary);
        let overlay = vm.overlay.unwrap();
        assert_eq!(overlay.buttons[0].id, EXTEND_ID);
        assert!(vm.message.contains("Dissatisfied"));
    }
}
