//! The service-desk terminal on screen: [`view_model`] draws a [`DeskFlow`] on the generic
//! pages (login and scans as message pages, PIN and service identifier on the digit keypad,
//! menu, meeting and transfer forms as choice grids, a form field on the keyboard, summary and
//! health as labelled rows) and [`event_for`] turns a tap or key back into a [`DeskEvent`]. The
//! desk is staff-facing and Persian only; numbers get Persian digits. The PIN is never shown,
//! only a dot per digit.

use chrono::{DateTime, Utc};
use kiosk_core::JalaliDate;
use kiosk_core::digits::to_persian_digits;
use kiosk_store::{MeetingResult, Occupation};
use kiosk_ui::{Button, Key, Keyboard, Page, Prefs, Role, Row, UiInput, ViewModel};

use crate::flow::desk::{
    DeskAction, DeskEvent, DeskFlow, DeskScreen, MeetingField, OwedEntry, TransferField,
};

/// What the terminal knows about its printer and the SAMAD sync, for the health screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthView {
    /// The last slip sent to the printer: when, and whether it printed.
    pub last_print: Option<(DateTime<Utc>, bool)>,
    /// Outbox items waiting to be sent.
    pub pending: u64,
    /// Outbox items parked for an operator.
    pub parked: u64,
    /// When the oldest waiting item was made.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Whether this terminal syncs with SAMAD at all (`[samad]` configured).
    pub sync_configured: bool,
    /// When the relay last had items acknowledged by SAMAD (since this run started).
    pub last_sync_success: Option<DateTime<Utc>>,
    /// Items SAMAD acknowledged since this run started.
    pub synced_items: u64,
    /// The outbox could not be read (the store's error, in English, for the log).
    pub store_problem: bool,
}

/// The stable id of a desk action's button.
pub fn action_id(action: &DeskAction) -> String {
    match action {
        DeskAction::TypeCard => "type-card".into(),
        DeskAction::Claim => "claim".into(),
        DeskAction::RegisterService => "service".into(),
        DeskAction::Meeting => "meeting".into(),
        DeskAction::Reprint => "reprint".into(),
        DeskAction::OwedReceipts => "owed".into(),
        DeskAction::PrintOwed(entry) => format!("owed:{}", entry.tracking_code),
        DeskAction::Summary => "summary".into(),
        DeskAction::Health => "health".into(),
        DeskAction::Logout => "logout".into(),
        DeskAction::Submit => "submit".into(),
        DeskAction::Back => "back".into(),
        DeskAction::SetOccupation(o) => format!("occupation:{}", o.as_str()),
        DeskAction::ToggleResult(r) => format!("result:{}", r.as_str()),
        DeskAction::EditField(f) => format!("field:{}", f.as_str()),
        DeskAction::RegisterTransfer => "transfer".into(),
        DeskAction::EditTransfer(f) => format!("transfer-field:{}", f.as_str()),
        DeskAction::TransferSubject(id) => format!("transfer-subject:{id}"),
    }
}

/// The desk event for a screen input; `None` for an id not on this screen.
pub fn event_for(flow: &DeskFlow, input: &UiInput) -> Option<DeskEvent> {
    match input {
        UiInput::Action(id) => flow
            .actions()
            .into_iter()
            .find(|a| action_id(a) == *id)
            .map(DeskEvent::Do),
        UiInput::Key(Key::Digit(d)) => Some(DeskEvent::Digit(*d)),
        UiInput::Key(Key::Char(c)) => Some(DeskEvent::Char(*c)),
        UiInput::Key(Key::Backspace) => Some(DeskEvent::Backspace),
        UiInput::FocusNext => Some(DeskEvent::FocusNext),
        UiInput::FocusPrev => Some(DeskEvent::FocusPrev),
        UiInput::Activate => Some(DeskEvent::Activate),
    }
}

/// The label of a desk action.
pub fn action_label(action: &DeskAction) -> String {
    match action {
        DeskAction::TypeCard => "ورود با شماره کارت".into(),
        DeskAction::Claim => "پذیرش مراجعه".into(),
        DeskAction::RegisterService => "ثبت خدمت".into(),
        DeskAction::Meeting => "فرم ملاقات مردمی".into(),
        DeskAction::Reprint => "چاپ دوباره رسید".into(),
        DeskAction::OwedReceipts => "رسیدهای چاپ‌نشده".into(),
        DeskAction::PrintOwed(entry) => owed_label(entry),
        DeskAction::Summary => "خلاصه امروز".into(),
        DeskAction::Health => "وضعیت چاپگر و همگام‌سازی".into(),
        DeskAction::Logout => "خروج".into(),
        DeskAction::Submit => "تأیید".into(),
        DeskAction::Back => "بازگشت".into(),
        DeskAction::SetOccupation(o) => format!("شغل: {}", o.label_fa()),
        // Short enough for one line of a grid cell.
        DeskAction::ToggleResult(MeetingResult::CheckedAgainstRegulations) => {
            "تطبیق با قوانین".into()
        }
        DeskAction::ToggleResult(r) => r.label_fa().into(),
        DeskAction::EditField(f) => f.label_fa().into(),
        DeskAction::RegisterTransfer => "ثبت انتقال".into(),
        DeskAction::EditTransfer(f) => f.label_fa().into(),
        // The subject's own label is set by `view_model`, which knows the catalogue's.
        DeskAction::TransferSubject(id) => id.clone(),
    }
}

fn page(screen: DeskScreen) -> Page {
    match screen {
        DeskScreen::Login => Page::DeskLogin,
        DeskScreen::Pin | DeskScreen::CardEntry => Page::DeskPin,
        // The owed receipts are a grid of choices like the menu.
        DeskScreen::Menu | DeskScreen::Owed => Page::DeskMenu,
        DeskScreen::Claim | DeskScreen::Reprint => Page::DeskScan,
        DeskScreen::Service => Page::DeskService,
        DeskScreen::Meeting | DeskScreen::Transfer => Page::DeskMeeting,
        DeskScreen::Field(_) | DeskScreen::TransferText(_) => Page::DeskField,
        DeskScreen::Summary => Page::DeskSummary,
        DeskScreen::Health => Page::DeskHealth,
        DeskScreen::Working => Page::DeskWait,
    }
}

/// An owed receipt's button: `کیوسک ۱۱ — ۱۰۰۰ ۱۱۰۰ ۰۰۰۰ ۰۰۱۲` (the code grouped as printed).
pub fn owed_label(entry: &OwedEntry) -> String {
    let code = kiosk_core::TrackingCode::parse(&entry.tracking_code)
        .map(|c| c.grouped_fa())
        .unwrap_or_else(|_| fa(&entry.tracking_code));
    format!("کیوسک {} — {code}", fa(&entry.kiosk.to_string()))
}

fn role(action: &DeskAction) -> Role {
    match action {
        DeskAction::Submit => Role::Primary,
        DeskAction::Back | DeskAction::Logout | DeskAction::TypeCard => Role::Nav,
        DeskAction::SetOccupation(_)
        | DeskAction::ToggleResult(_)
        | DeskAction::TransferSubject(_) => Role::Toggle,
        _ => Role::Choice,
    }
}

fn fa(text: &str) -> String {
    to_persian_digits(text)
}

/// A time as the desk shows it: Jalali date and Tehran clock time, Persian digits.
fn when(at: DateTime<Utc>) -> String {
    let time = at
        .with_timezone(&kiosk_core::jalali::tehran())
        .format("%H:%M")
        .to_string();
    format!("{}، {}", JalaliDate::at(at).format_fa(), fa(&time))
}

/// The desk screen as the UI draws it; `health` is read only on the health screen.
pub fn view_model(flow: &DeskFlow, health: &HealthView) -> ViewModel {
    let mut vm = ViewModel {
        page: page(flow.screen),
        title: flow.title_fa().to_owned(),
        prefs: Prefs::default(),
        ..ViewModel::default()
    };
    if let Some(notice) = &flow.notice {
        if flow.refused {
            vm.error = notice.clone();
        } else {
            vm.message = notice.clone();
        }
    }
    for (i, action) in flow.actions().iter().enumerate() {
        let mut button = Button {
            id: action_id(action),
            label: action_label(action),
            role: role(action),
            focused: i == flow.focus,
            ..Button::default()
        };
        let in_body = match action {
            DeskAction::SetOccupation(o) => {
                button.checked = flow.draft.occupation == *o;
                true
            }
            DeskAction::ToggleResult(r) => {
                button.checked = flow.draft.results.contains(r);
                true
            }
            DeskAction::EditField(f) => {
                let value = f.value(&flow.draft).trim();
                button.detail = if value.is_empty() {
                    "—".into()
                } else {
                    fa(value)
                };
                true
            }
            DeskAction::EditTransfer(f) => {
                let value = f.value(&flow.transfer).trim();
                button.detail = if value.is_empty() {
                    "—".into()
                } else {
                    fa(value)
                };
                true
            }
            DeskAction::TransferSubject(id) => {
                button.checked = flow.transfer.subject_id.as_deref() == Some(id.as_str());
                if let Some(subject) = flow.transfer_subjects.iter().find(|s| s.id == *id) {
                    button.label = format!("موضوع: {}", subject.label_fa);
                }
                true
            }
            DeskAction::Back | DeskAction::Submit | DeskAction::Logout | DeskAction::TypeCard => {
                false
            }
            _ => true,
        };
        if in_body {
            vm.choices.push(button);
        } else {
            vm.bar.push(button);
        }
    }
    match flow.screen {
        DeskScreen::Login => {
            if vm.message.is_empty() {
                vm.message =
                    "برای ورود، کارت کارمندی را جلوی اسکنر بگیرید و سپس رمز خود را وارد کنید."
                        .into();
            }
        }
        DeskScreen::CardEntry => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = fa(&flow.entry);
            vm.hint = "شماره چاپ‌شده روی کارت".into();
        }
        DeskScreen::Pin => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = "●".repeat(flow.entry.chars().count());
            vm.hint = "رمز ۴ تا ۱۲ رقمی".into();
        }
        DeskScreen::Service => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = fa(&flow.entry);
            vm.hint = match &flow.visit {
                Some(_) => "شناسه خدمت (برای مراجعه پذیرفته‌شده)".into(),
                None => "شناسه خدمت".into(),
            };
        }
        DeskScreen::Field(field) => {
            vm.keyboard = if field.numeric() {
                Keyboard::Digits
            } else {
                Keyboard::Persian
            };
            vm.entry = fa(&flow.entry);
            vm.hint = match field {
                MeetingField::Day => "مانند ۱۴۰۴۰۸۰۵ (خالی: امروز)".into(),
                MeetingField::BirthDate => "مانند ۱۳۵۹۰۱۰۱".into(),
                MeetingField::NationalCode => "کد ملی ده رقمی".into(),
                _ => format!("{} را بنویسید…", field.label_fa()),
            };
        }
        DeskScreen::Claim | DeskScreen::Reprint => {
            if vm.message.is_empty() {
                vm.message = "کد رهگیری یا کد نظرسنجی روی رسید را جلوی اسکنر بگیرید.".into();
            }
        }
        DeskScreen::TransferText(field) => {
            vm.keyboard = if field.numeric() {
                Keyboard::Digits
            } else {
                Keyboard::Persian
            };
            vm.entry = fa(&flow.entry);
            vm.hint = match field {
                TransferField::NationalCode => "کد ملی ده رقمی مراجعه‌کننده".into(),
                TransferField::Description => "از کجا و به کجا، و چه چیزی منتقل می‌شود…".into(),
            };
        }
        // The form's state is on its buttons (values, ticked occupation and results).
        DeskScreen::Meeting => {}
        DeskScreen::Transfer => {
            if vm.message.is_empty() && vm.error.is_empty() {
                vm.message = if flow.transfer_subjects.is_empty() {
                    "فهرست موضوع‌ها خالی است؛ انتقال را نمی‌توان ثبت کرد.".into()
                } else {
                    "کد ملی، موضوع و شرح انتقال را وارد کنید و تأیید را بزنید.".into()
                };
            }
        }
        DeskScreen::Summary => summary_rows(flow, &mut vm),
        DeskScreen::Health => health_rows(health, &mut vm),
        DeskScreen::Owed => {
            if vm.message.is_empty() && vm.error.is_empty() {
                vm.message = "رسیدی را که کیوسک چاپ نکرد برگزینید تا رونوشت آن چاپ شود.".into();
            }
        }
        DeskScreen::Menu => {
            if let Some(staff) = &flow.staff
                && vm.message.is_empty()
            {
                vm.message = fa(&format!("{} ({})", staff.display_name, staff.employee_code));
            }
        }
        DeskScreen::Working => {}
    }
    vm
}

fn summary_rows(flow: &DeskFlow, vm: &mut ViewModel) {
    let Some(s) = &flow.summary else {
        return;
    };
    let row = |label: &str, value: String| Row {
        label: label.to_owned(),
        value,
    };
    vm.rows = vec![
        row("مراجعه‌های پذیرفته", fa(&s.claims.to_string())),
        row("خدمت‌های ثبت‌شده", fa(&s.services.to_string())),
        row("نظرهای شما", fa(&s.ratings.to_string())),
        row(
            "میانگین رضایت",
            match s.average_score {
                Some(avg) => fa(&format!("{avg:.1} از 5")),
                None => "—".into(),
            },
        ),
        row("ملاقات‌های این میز", fa(&s.meetings.to_string())),
    ];
}

fn health_rows(h: &HealthView, vm: &mut ViewModel) {
    let row = |label: &str, value: String| Row {
        label: label.to_owned(),
        value,
    };
    let printer = match h.last_print {
        None => "از شروع به کار چیزی چاپ نشده است".to_owned(),
        Some((at, true)) => format!("آماده؛ آخرین چاپ {}", when(at)),
        Some((at, false)) => format!(
            "خطا در آخرین چاپ ({})؛ کاغذ و درپوش را بررسی کنید",
            when(at)
        ),
    };
    let sync = if !h.sync_configured {
        "همگام‌سازی با سامد تنظیم نشده است".to_owned()
    } else {
        match h.last_sync_success {
            Some(at) => fa(&format!(
                "آخرین ارسال موفق {} ({} مورد از شروع به کار)",
                when(at),
                h.synced_items
            )),
            None => "از شروع به کار هنوز ارسال موفقی نبوده است".to_owned(),
        }
    };
    let mut pending = fa(&h.pending.to_string());
    if let Some(at) = h.oldest_pending {
        pending = format!("{pending} (قدیمی‌ترین از {})", when(at));
    }
    vm.rows = vec![
        row("چاپگر", printer),
        row("در صف ارسال", pending),
        row("نیازمند بررسی", fa(&h.parked.to_string())),
        row("سامد", sync),
    ];
    if h.store_problem {
        vm.error = "صف ارسال خوانده نشد؛ به پشتیبانی اطلاع دهید.".into();
    }
}

/// The labels of the meeting form's choices (tests, screenshots).
pub fn meeting_choice_ids() -> Vec<String> {
    MeetingField::ALL
        .iter()
        .map(|&f| action_id(&DeskAction::EditField(f)))
        .chain(
            [
                Occupation::Government,
                Occupation::Private,
                Occupation::Other,
            ]
            .into_iter()
            .map(|o| action_id(&DeskAction::SetOccupation(o))),
        )
        .chain(
            MeetingResult::ALL
                .iter()
                .map(|&r| action_id(&DeskAction::ToggleResult(r))),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::desk::StaffView;

    fn logged_in() -> DeskFlow {
        let mut flow = DeskFlow::new();
        flow.step(DeskEvent::Scanned("2041".into()));
        flow.step(DeskEvent::Digit(5));
        flow.step(DeskEvent::Do(DeskAction::Submit));
        flow.step(DeskEvent::LoggedIn(StaffView {
            staff_id: 1,
            employee_code: "EMP-2041".into(),
            display_name: "مریم رضایی".into(),
        }));
        flow
    }

    #[test]
    fn the_pin_is_masked_and_every_button_maps_back_to_its_action() {
        let mut flow = DeskFlow::new();
        flow.step(DeskEvent::Scanned("2041".into()));
        for d in [5, 8, 2] {
            flow.step(DeskEvent::Digit(d));
        }
        let vm = view_model(&flow, &HealthView::default());
        assert_eq!(vm.page, Page::DeskPin);
        assert_eq!(vm.entry, "●●●");
        assert!(!vm.entry.contains('5'));
        let mut flow = logged_in();
        for screen_action in [None, Some(DeskAction::Meeting)] {
            if let Some(a) = screen_action {
                flow.step(DeskEvent::Do(a));
            }
            let vm = view_model(&flow, &HealthView::default());
            assert_eq!(vm.choices.len() + vm.bar.len(), flow.actions().len());
            for b in vm.choices.iter().chain(&vm.bar) {
                assert!(
                    matches!(event_for(&flow, &UiInput::Action(b.id.clone())), Some(DeskEvent::Do(ref a)) if action_id(a) == b.id),
                    "{}",
                    b.id
                );
            }
        }
        let vm = view_model(&flow, &HealthView::default());
        let ids: Vec<String> = vm.choices.iter().map(|b| b.id.clone()).collect();
        assert_eq!(ids, meeting_choice_ids());
        // The keypad's focus ring walks both ways, wrapping.
        flow.step(DeskEvent::FocusPrev);
        assert_eq!(flow.focus, flow.actions().len() - 1);
        flow.step(DeskEvent::FocusNext);
        assert_eq!(flow.focus, 0);
    }

    #[test]
    fn a_meeting_field_is_typed_on_its_keyboard_and_shown_on_the_form() {
        let mut flow = logged_in();
        flow.step(DeskEvent::Do(DeskAction::Meeting));
        flow.step(DeskEvent::Do(DeskAction::EditField(
            MeetingField::BirthDate,
        )));
        let vm = view_model(&flow, &HealthView::default());
        assert_eq!(vm.page, Page::DeskField);
        assert_eq!(vm.keyboard, Keyboard::Digits);
        assert_eq!(vm.title, "تاریخ تولد");
        for d in [1, 3, 5, 9, 0, 1, 0, 1] {
            flow.step(DeskEvent::Digit(d));
        }
        flow.step(DeskEvent::Char('x'));
        flow.step(DeskEvent::Do(DeskAction::Submit));
        assert_eq!(flow.screen, DeskScreen::Meeting);
        assert_eq!(flow.draft.birth_date, "1359/01/01");
        let vm = view_model(&flow, &HealthView::default());
        let b = vm
            .choices
            .iter()
            .find(|b| b.id == "field:birth_date")
            .unwrap();
        assert_eq!(b.detail, "۱۳۵۹/۰۱/۰۱");
        assert!(b.focused, "focus comes back to the field just typed");
        flow.step(DeskEvent::Do(DeskAction::EditField(MeetingField::FullName)));
        assert_eq!(
            view_model(&flow, &HealthView::default()).keyboard,
            Keyboard::Persian
        );
        for c in "زهرا".chars() {
            flow.step(DeskEvent::Char(c));
        }
        flow.step(DeskEvent::Do(DeskAction::Back));
        assert_eq!(flow.draft.full_name, "", "back leaves the field as it was");
    }

    #[test]
    fn health_shows_printer_and_sync_state_in_persian() {
        let mut flow = logged_in();
        flow.step(DeskEvent::Do(DeskAction::Health));
        let at: DateTime<Utc> = "2026-11-23T06:30:00Z".parse().unwrap();
        let health = HealthView {
            last_print: Some((at, false)),
            pending: 3,
            parked: 1,
            oldest_pending: Some(at),
            sync_configured: true,
            last_sync_success: None,
            synced_items: 0,
            store_problem: false,
        };
        let vm = view_model(&flow, &health);
        assert_eq!(vm.page, Page::DeskHealth);
        assert!(vm.rows[0].value.starts_with("خطا"));
        assert!(vm.rows[0].value.contains("۱۰:۰۰"), "{}", vm.rows[0].value);
        assert!(vm.rows[1].value.starts_with('۳'));
        assert_eq!(vm.rows[2].value, "۱");
        assert!(vm.rows[3].value.contains("هنوز"));
    }
}
