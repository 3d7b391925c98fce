//! The office's open staff calls on the desk terminal's screen (device/call_board.rs keeps
//! them). With a member of staff logged in they cover the page, one line a call
//! («کیوسک ۱۲ کارمند را فراخوانده است، ساعت ۱۰:۰۵»), with a button to answer each (the
//! employee's code goes to the agency server) and one to put them aside until a new call comes;
//! Enter answers the oldest. Logged out, they show above the login without covering it, and say
//! that answering needs a login: whoever answers is named.

use kiosk_core::digits::to_persian_digits;
use kiosk_sync::wire::StaffCall;
use kiosk_ui::{Button, Overlay, Role, UiInput, ViewModel};
use uuid::Uuid;

use crate::device::call_board::announcement;

/// The id of an «answer» button: this prefix and the call's key.
pub const ANSWER_PREFIX: &str = "staff-call-answer:";
/// The id of the «later» button.
pub const LATER_ID: &str = "staff-call-later";
/// Most calls given a button of their own (the rest wait their turn).
pub const MAX_BUTTONS: usize = 3;

/// What a tap or key on the calls means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallInput {
    /// Answer this call.
    Answer(Uuid),
    /// Put the shown calls aside at this desk.
    Later,
}

/// A call's line: the announcement and the Tehran time it was raised, Persian digits.
fn line(call: &StaffCall) -> String {
    let time = call
        .raised_at
        .with_timezone(&kiosk_core::jalali::tehran())
        .format("%H:%M")
        .to_string();
    let text = announcement(call);
    let text = text.trim_end_matches('.');
    format!("{text}، ساعت {}", to_persian_digits(&time))
}

/// Puts `calls` (oldest first) on the desk's screen `vm`; `logged_in`: someone can answer.
pub fn show(vm: &mut ViewModel, calls: &[&StaffCall], logged_in: bool) {
    if calls.is_empty() {
        return;
    }
    let lines: Vec<String> = calls.iter().map(|c| line(c)).collect();
    if !logged_in {
        let note = format!("{}\nبرای پاسخ، وارد شوید.", lines.join("\n"));
        vm.error = if vm.error.is_empty() {
            note
        } else {
            format!("{note}\n{}", vm.error)
        };
        return;
    }
    let mut buttons: Vec<Button> = calls
        .iter()
        .take(MAX_BUTTONS)
        .enumerate()
        .map(|(i, call)| Button {
            id: format!("{ANSWER_PREFIX}{}", call.call_id),
            label: to_persian_digits(&format!("پاسخ به کیوسک {}", call.kiosk_number)),
            role: Role::Primary,
            focused: i == 0,
            ..Button::default()
        })
        .collect();
    buttons.push(Button {
        id: LATER_ID.into(),
        label: "بعداً".into(),
        role: Role::Nav,
        ..Button::default()
    });
    vm.overlay = Some(Overlay {
        message: lines.join("\n"),
        buttons,
    });
}

/// What `input` means for the calls `shown` (oldest first), if anything: their buttons, and
/// Enter for the oldest.
pub fn input_of(input: &UiInput, shown: &[&StaffCall]) -> Option<CallInput> {
    if shown.is_empty() {
        return None;
    }
    match input {
        UiInput::Action(id) if id == LATER_ID => Some(CallInput::Later),
        UiInput::Action(id) => {
            let key = id.strip_prefix(ANSWER_PREFIX)?;
            let id = Uuid::parse_str(key).ok()?;
            shown
                .iter()
                .any(|c| c.call_id == id)
                .then_some(CallInput::Answer(id))
        }
        UiInput::Activate => Some(CallInput::Answer(shown[0].call_id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kiosk: u32) -> StaffCall {
        StaffCall {
            call_id: Uuid::from_u128(u128::from(kiosk)),
            kiosk_number: kiosk,
            raised_at: "2026-12-07T06:35:00Z".parse().unwrap(),
            acknowledged_at: None,
            acknowledged_by: None,
            acknowledged_at_kiosk: None,
        }
    }

    #[test]
    fn logged_in_the_calls_cover_the_page_with_an_answer_each_and_later() {
        let (a, b) = (call(12), call(7));
        let mut vm = ViewModel::default();
        show(&mut vm, &[&a, &b], true);
        let overlay = vm.overlay.as_ref().unwrap();
        assert_eq!(
            overlay.message,
            "کیوسک ۱۲ کارمند را فراخوانده است، ساعت ۱۰:۰۵\nکیوسک ۷ کارمند را فراخوانده است، ساعت ۱۰:۰۵"
        );
        let labels: Vec<&str> = overlay.buttons.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["پاسخ به کیوسک ۱۲", "پاسخ به کیوسک ۷", "بعداً"]);
        let shown = [&a, &b];
        let tap = UiInput::Action(overlay.buttons[1].id.clone());
        assert_eq!(input_of(&tap, &shown), Some(CallInput::Answer(b.call_id)));
        assert_eq!(
            input_of(&UiInput::Activate, &shown),
            Some(CallInput::Answer(a.call_id))
        );
        let later = UiInput::Action(LATER_ID.into());
        assert_eq!(input_of(&later, &shown), Some(CallInput::Later));
        assert_eq!(input_of(&UiInput::Action("claim".into()), &shown), None);
    }

    #[test]
    fn logged_out_the_calls_show_without_covering_the_login() {
        let a = call(12);
        let mut vm = ViewModel::default();
        show(&mut vm, &[&a], false);
        assert!(vm.overlay.is_none());
        assert!(vm.error.starts_with("کیوسک ۱۲"), "{}", vm.error);
        assert!(vm.error.contains("وارد شوید"));
    }
}
