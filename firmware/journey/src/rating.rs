//! The visitor's rating journey (docs/rules.md R-004-staff-rating; the survey's reasons,
//! R-003-1): scan the satisfaction code (or arrive straight after a service with the code in
//! hand), pick one of five faces, optionally tick reasons, and see thanks. A refused code —
//! forged, altered, expired, of an unknown kiosk, or already rated — ends on a clear Persian
//! message instead.
//!
//! Like the visitor flow, [`RatingFlow::step`] is pure: events in, [`RatingEffect`]s out. The
//! two effects that need the outside world are carried out by the app against the store and
//! the fleet's public keys (firmware/app/src/journeys/rating_store.rs): `Check` (verify the
//! code and see whether it was rated) before the faces are shown, so a visitor never scores a
//! code that will be refused, and `Record` (the store verifies again and writes the rating with
//! its outbox item in one transaction).
//! Every screen lists its [`RatingAction`]s, so the tactile keypad walks the same list a finger
//! taps.

use kiosk_core::digits::to_persian_digits;
use kiosk_core::{RatingReason, TrackingCode};

pub use crate::rating_how::RatingInput;
use crate::rating_how::{controls, how};
use crate::session::Lang;

/// The screens of the rating journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingScreen {
    /// Asking for the satisfaction code to be scanned.
    Scan,
    /// Checking the code.
    Checking,
    /// Five faces.
    Faces,
    /// Optional reasons.
    Reasons,
    /// Recording.
    Saving,
    /// Thank you.
    Thanks,
    /// The code was refused; the message says why.
    Refused,
}

/// What the visitor can do on a rating screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingAction {
    /// Give this score (1..=5).
    Score(u8),
    /// Tick or untick a reason.
    Reason(RatingReason),
    /// Send the rating.
    Send,
    /// Back one screen.
    Back,
    /// Leave the rating journey.
    Finish,
}

/// What the app learnt about a scanned code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeView {
    /// The visit.
    pub tracking_code: TrackingCode,
    /// The service, as the code names it.
    pub service_id: String,
    /// The idempotency key for this visitor's rating (made once, reused on retry): a UUID as
    /// its 128 bits, made by the app when it checked the code (the journey draws no randomness).
    pub draft_uuid: u128,
}

/// An input to [`RatingFlow::step`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingEvent {
    /// A satisfaction code (URL or token) was scanned or handed over after a service.
    CodeScanned(String),
    /// The answer to [`RatingEffect::Check`]: the code, or the Persian reason it is refused.
    CodeChecked(Result<CodeView, String>),
    /// The visitor did this.
    Do(RatingAction),
    /// Keypad: focus the next action.
    FocusNext,
    /// Keypad: focus the previous action.
    FocusPrev,
    /// Keypad: perform the focused action.
    Activate,
    /// The rating was recorded.
    Recorded,
    /// Recording refused it; the Persian reason.
    RecordRefused(String),
}

/// What the flow asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingEffect {
    /// Show this screen.
    Show(RatingScreen),
    /// Say this (speech mode reads every screen).
    Speak(String),
    /// Verify the code and whether it was rated; answer with `CodeChecked`.
    Check(String),
    /// Record the rating; answer with `Recorded` or `RecordRefused`.
    Record {
        /// The code as scanned.
        scanned: String,
        /// Idempotency key: the [`CodeView::draft_uuid`] of the checked code.
        client_uuid: u128,
        /// 1..=5.
        score: u8,
        /// Ticked reasons.
        reasons: Vec<RatingReason>,
    },
    /// The journey is over: back to the attract screen, forgetting the code.
    Done,
}

/// The label of a face, 1 = very dissatisfied … 5 = very satisfied.
pub fn face_label(score: u8, lang: Lang) -> &'static str {
    match (lang, score) {
        (Lang::Fa, 1) => "خیلی ناراضی",
        (Lang::Fa, 2) => "ناراضی",
        (Lang::Fa, 3) => "متوسط",
        (Lang::Fa, 4) => "راضی",
        (Lang::Fa, _) => "خیلی راضی",
        (Lang::En, 1) => "Very dissatisfied",
        (Lang::En, 2) => "Dissatisfied",
        (Lang::En, 3) => "Neutral",
        (Lang::En, 4) => "Satisfied",
        (Lang::En, _) => "Very satisfied",
    }
}

/// The label of a reason.
pub fn reason_label(reason: RatingReason, lang: Lang) -> &'static str {
    match lang {
        Lang::Fa => reason.label_fa(),
        Lang::En => reason.label_en(),
    }
}

/// The rating journey of one visitor.
#[derive(Debug, Clone)]
pub struct RatingFlow {
    /// Language of the session.
    pub lang: Lang,
    /// The current screen.
    pub screen: RatingScreen,
    /// The code being rated.
    pub scanned: Option<String>,
    /// What the code says.
    pub code: Option<CodeView>,
    /// The chosen face.
    pub score: Option<u8>,
    /// Ticked reasons.
    pub reasons: Vec<RatingReason>,
    /// The refusal shown.
    pub message: Option<String>,
    /// Focused action (keypad).
    pub focus: usize,
    /// How the visitor moves and chooses: what the screens tell them to press.
    pub input: RatingInput,
}

impl RatingFlow {
    /// A journey that starts by asking for the code.
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            screen: RatingScreen::Scan,
            scanned: None,
            code: None,
            score: None,
            reasons: Vec::new(),
            message: None,
            focus: 0,
            input: RatingInput::Keys,
        }
    }

    /// The journey straight after a service: the code is already known; returns the first
    /// effects to carry out.
    pub fn after_service(lang: Lang, scanned: String) -> (Self, Vec<RatingEffect>) {
        let mut flow = Self::new(lang);
        let effects = flow.step(RatingEvent::CodeScanned(scanned));
        (flow, effects)
    }

    fn say(&self, fa: &str, en: &str) -> RatingEffect {
        RatingEffect::Speak(match self.lang {
            Lang::Fa => fa.to_owned(),
            Lang::En => en.to_owned(),
        })
    }

    /// The title of the current screen in the session's language.
    pub fn title(&self) -> String {
        let (fa, en) = match self.screen {
            RatingScreen::Scan => (
                "کد نظرسنجی رسید خود را جلوی اسکنر بگیرید",
                "Hold the survey code of your receipt to the scanner",
            ),
            RatingScreen::Checking => ("در حال بررسی کد…", "Checking the code…"),
            RatingScreen::Faces => (
                "از خدمتی که گرفتید چقدر راضی هستید؟",
                "How satisfied are you with the service?",
            ),
            RatingScreen::Reasons => (
                "دلیل نظر شما چیست؟ (اختیاری)",
                "What is it about? (optional)",
            ),
            RatingScreen::Saving => ("در حال ثبت…", "Saving…"),
            RatingScreen::Thanks => ("از نظر شما سپاسگزاریم", "Thank you for your feedback"),
            RatingScreen::Refused => ("کد پذیرفته نشد", "The code was not accepted"),
        };
        match self.lang {
            Lang::Fa => fa.to_owned(),
            Lang::En => en.to_owned(),
        }
    }

    /// What can be done on the current screen, in focus order.
    pub fn actions(&self) -> Vec<RatingAction> {
        match self.screen {
            RatingScreen::Scan | RatingScreen::Refused | RatingScreen::Thanks => {
                vec![RatingAction::Finish]
            }
            RatingScreen::Checking | RatingScreen::Saving => Vec::new(),
            RatingScreen::Faces => (1..=5)
                .rev()
                .map(RatingAction::Score)
                .chain([RatingAction::Finish])
                .collect(),
            RatingScreen::Reasons => RatingReason::ALL
                .iter()
                .map(|&r| RatingAction::Reason(r))
                .chain([RatingAction::Send, RatingAction::Back])
                .collect(),
        }
    }

    fn show(&mut self, screen: RatingScreen) -> Vec<RatingEffect> {
        self.screen = screen;
        self.focus = 0;
        let mut effects = vec![RatingEffect::Show(screen)];
        effects.extend(self.announcement().into_iter().map(RatingEffect::Speak));
        effects
    }

    /// What the current screen says when it appears (and on the repeat key): its title, then
    /// its content (the faces, the reasons with their state, the refusal) and what to do.
    pub fn announcement(&self) -> Vec<String> {
        let fa = self.lang == Lang::Fa;
        let mut lines = vec![self.title()];
        match self.screen {
            RatingScreen::Faces => {
                let faces: Vec<String> = (1..=5)
                    .rev()
                    .map(|s| {
                        let n = match self.lang {
                            Lang::Fa => to_persian_digits(&s.to_string()),
                            Lang::En => s.to_string(),
                        };
                        format!("{n}: {}", face_label(s, self.lang))
                    })
                    .collect();
                lines.push(faces.join(if fa { "، " } else { ", " }));
            }
            RatingScreen::Reasons => {
                let reasons: Vec<String> = RatingReason::ALL
                    .iter()
                    .map(|&r| self.action_label(RatingAction::Reason(r)))
                    .collect();
                lines.push(reasons.join(if fa { "، " } else { ", " }));
            }
            RatingScreen::Refused => lines.extend(self.message.clone()),
            RatingScreen::Scan
            | RatingScreen::Thanks
            | RatingScreen::Checking
            | RatingScreen::Saving => {}
        }
        lines.extend(how(self.screen, self.input, self.lang));
        lines
    }

    /// The Help key on a rating screen: what it is for and what the keys do there.
    pub fn help(&self) -> Vec<String> {
        let fa = self.lang == Lang::Fa;
        let pick = |f: &str, e: &str| if fa { f.to_owned() } else { e.to_owned() };
        let about = match self.screen {
            RatingScreen::Scan => pick(
                "ارزیابی خدمت: کد نظرسنجی پایین رسید خدمت را جلوی اسکنر بگیرید.",
                "Rating a service: hold the survey code at the bottom of your service receipt to the scanner.",
            ),
            RatingScreen::Checking | RatingScreen::Saving => pick("لطفاً صبر کنید.", "Please wait."),
            RatingScreen::Faces => pick(
                "پنج چهره، از خیلی راضی تا خیلی ناراضی؛ یکی را انتخاب کنید.",
                "Five faces, from very satisfied to very dissatisfied; choose one.",
            ),
            RatingScreen::Reasons => pick(
                "دلیل‌ها اختیاری‌اند؛ هر کدام را که درست است علامت بزنید و نظر را ثبت کنید.",
                "Reasons are optional; tick those that apply and send your rating.",
            ),
            RatingScreen::Thanks => pick("نظر شما ثبت شد.", "Your rating was recorded."),
            RatingScreen::Refused => pick(
                "این کد پذیرفته نشد؛ دلیل آن گفته شد.",
                "This code was not accepted; the reason was given.",
            ),
        };
        vec![about, controls(self.input, self.lang)]
    }

    fn record(&mut self) -> Vec<RatingEffect> {
        let (Some(scanned), Some(code), Some(score)) = (&self.scanned, &self.code, self.score)
        else {
            return Vec::new();
        };
        let effect = RatingEffect::Record {
            scanned: scanned.clone(),
            client_uuid: code.draft_uuid,
            score,
            reasons: self.reasons.clone(),
        };
        let mut effects = self.show(RatingScreen::Saving);
        effects.push(effect);
        effects
    }

    /// One event in, the effects out.
    pub fn step(&mut self, event: RatingEvent) -> Vec<RatingEffect> {
        match event {
            RatingEvent::CodeScanned(text) => {
                if !matches!(self.screen, RatingScreen::Scan | RatingScreen::Refused) {
                    return Vec::new();
                }
                self.scanned = Some(text.clone());
                self.message = None;
                let mut effects = self.show(RatingScreen::Checking);
                effects.push(RatingEffect::Check(text));
                effects
            }
            RatingEvent::CodeChecked(result) if self.screen == RatingScreen::Checking => {
                match result {
                    Ok(view) => {
                        self.code = Some(view);
                        self.show(RatingScreen::Faces)
                    }
                    Err(message) => {
                        self.message = Some(message);
                        self.show(RatingScreen::Refused)
                    }
                }
            }
            RatingEvent::Recorded if self.screen == RatingScreen::Saving => {
                self.show(RatingScreen::Thanks)
            }
            RatingEvent::RecordRefused(message) if self.screen == RatingScreen::Saving => {
                self.message = Some(message);
                self.show(RatingScreen::Refused)
            }
            RatingEvent::CodeChecked(_) | RatingEvent::Recorded | RatingEvent::RecordRefused(_) => {
                Vec::new()
            }
            RatingEvent::FocusNext | RatingEvent::FocusPrev => {
                let n = self.actions().len();
                if n == 0 {
                    return Vec::new();
                }
                self.focus = if event == RatingEvent::FocusNext {
                    (self.focus + 1) % n
                } else {
                    (self.focus + n - 1) % n
                };
                let label = self.action_label(self.actions()[self.focus]);
                vec![RatingEffect::Speak(label)]
            }
            RatingEvent::Activate => match self.actions().get(self.focus).copied() {
                Some(action) => self.step(RatingEvent::Do(action)),
                None => Vec::new(),
            },
            RatingEvent::Do(action) => self.act(action),
        }
    }

    fn act(&mut self, action: RatingAction) -> Vec<RatingEffect> {
        if !self.actions().contains(&action) {
            return Vec::new();
        }
        match action {
            RatingAction::Score(s) => {
                self.score = Some(s);
                let mut effects = vec![self.say(face_label(s, Lang::Fa), face_label(s, Lang::En))];
                effects.extend(self.show(RatingScreen::Reasons));
                effects
            }
            RatingAction::Reason(r) => {
                if let Some(i) = self.reasons.iter().position(|&x| x == r) {
                    self.reasons.remove(i);
                } else {
                    self.reasons.push(r);
                }
                vec![RatingEffect::Speak(self.action_label(action))]
            }
            RatingAction::Send => self.record(),
            RatingAction::Back => self.show(RatingScreen::Faces),
            RatingAction::Finish => vec![RatingEffect::Done],
        }
    }

    /// The spoken and shown label of an action (a reason says whether it is ticked).
    pub fn action_label(&self, action: RatingAction) -> String {
        let fa = self.lang == Lang::Fa;
        match action {
            RatingAction::Score(s) => face_label(s, self.lang).to_owned(),
            RatingAction::Reason(r) => {
                let ticked = self.reasons.contains(&r);
                let state = match (fa, ticked) {
                    (true, true) => "انتخاب شده",
                    (true, false) => "انتخاب نشده",
                    (false, true) => "selected",
                    (false, false) => "not selected",
                };
                format!("{}: {state}", reason_label(r, self.lang))
            }
            RatingAction::Send => if fa { "ثبت نظر" } else { "Send" }.to_owned(),
            RatingAction::Back => if fa { "بازگشت" } else { "Back" }.to_owned(),
            RatingAction::Finish => if fa { "پایان" } else { "Finish" }.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_core::KioskNumber;

    fn view() -> CodeView {
        CodeView {
            tracking_code: TrackingCode::new(KioskNumber::new(42).unwrap(), 7).unwrap(),
            service_id: "11021".into(),
            draft_uuid: 9,
        }
    }

    #[test]
    fn a_checked_code_leads_through_faces_and_reasons_to_one_record_and_thanks() {
        let (mut flow, effects) = RatingFlow::after_service(Lang::Fa, "https://x/s/TOKEN".into());
        assert!(effects.contains(&RatingEffect::Check("https://x/s/TOKEN".into())));
        assert_eq!(flow.screen, RatingScreen::Checking);
        let effects = flow.step(RatingEvent::CodeChecked(Ok(view())));
        assert_eq!(flow.screen, RatingScreen::Faces);
        // The five faces are read aloud with Persian digits and labels.
        assert!(effects.iter().any(|e| matches!(e, RatingEffect::Speak(t)
            if t.contains("۵: خیلی راضی") && t.contains("۱: خیلی ناراضی"))));
        // Keypad: the first focus is the happiest face.
        assert_eq!(flow.actions()[0], RatingAction::Score(5));
        flow.step(RatingEvent::FocusNext);
        flow.step(RatingEvent::Activate);
        assert_eq!(flow.score, Some(4));
        assert_eq!(flow.screen, RatingScreen::Reasons);
        flow.step(RatingEvent::Do(RatingAction::Reason(
            RatingReason::Amenities,
        )));
        flow.step(RatingEvent::Do(RatingAction::Reason(
            RatingReason::Workflow,
        )));
        flow.step(RatingEvent::Do(RatingAction::Reason(
            RatingReason::Amenities,
        )));
        let effects = flow.step(RatingEvent::Do(RatingAction::Send));
        assert!(effects.contains(&RatingEffect::Record {
            scanned: "https://x/s/TOKEN".into(),
            client_uuid: 9,
            score: 4,
            reasons: vec![RatingReason::Workflow],
        }));
        // Sending twice while saving does nothing more.
        assert!(flow.step(RatingEvent::Do(RatingAction::Send)).is_empty());
        flow.step(RatingEvent::Recorded);
        assert_eq!(flow.screen, RatingScreen::Thanks);
        assert_eq!(
            flow.step(RatingEvent::Do(RatingAction::Finish)),
            vec![RatingEffect::Done]
        );
    }

    #[test]
    fn a_refused_code_shows_and_speaks_its_persian_reason_and_a_new_scan_retries() {
        let mut flow = RatingFlow::new(Lang::Fa);
        flow.step(RatingEvent::CodeScanned("bad".into()));
        let effects = flow.step(RatingEvent::CodeChecked(Err(
            "این کد نظرسنجی معتبر نیست.".into()
        )));
        assert_eq!(flow.screen, RatingScreen::Refused);
        assert!(effects.contains(&RatingEffect::Speak("این کد نظرسنجی معتبر نیست.".into())));
        // Faces cannot be chosen on a refused code.
        assert!(
            flow.step(RatingEvent::Do(RatingAction::Score(5)))
                .is_empty()
        );
        assert_eq!(flow.score, None);
        let effects = flow.step(RatingEvent::CodeScanned("good".into()));
        assert!(effects.contains(&RatingEffect::Check("good".into())));
        // A refusal at recording time (e.g. rated meanwhile at another kiosk) is shown too.
        flow.step(RatingEvent::CodeChecked(Ok(view())));
        flow.step(RatingEvent::Do(RatingAction::Score(1)));
        flow.step(RatingEvent::Do(RatingAction::Send));
        flow.step(RatingEvent::RecordRefused("قبلاً ثبت شده".into()));
        assert_eq!(flow.screen, RatingScreen::Refused);
        assert_eq!(flow.message.as_deref(), Some("قبلاً ثبت شده"));
    }

    #[test]
    fn every_rating_screen_speaks_its_content_and_has_its_own_help() {
        let mut flow = RatingFlow::new(Lang::Fa);
        assert!(flow.announcement()[1].contains("لغو"));
        let scan_help = flow.help();
        flow.step(RatingEvent::CodeScanned("c".into()));
        flow.step(RatingEvent::CodeChecked(Ok(view())));
        let faces_help = flow.help();
        assert_ne!(scan_help[0], faces_help[0]);
        // Shown: the reasons, each with its state, after the title.
        let effects = flow.step(RatingEvent::Do(RatingAction::Score(2)));
        let spoken: Vec<&String> = effects
            .iter()
            .filter_map(|e| match e {
                RatingEffect::Speak(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(spoken[0], "ناراضی", "the face chosen");
        assert_eq!(spoken[1], &flow.title());
        let staff = format!(
            "{}: انتخاب نشده",
            reason_label(RatingReason::StaffBehaviour, Lang::Fa)
        );
        assert!(spoken[2].contains(&staff), "{spoken:?}");
        assert!(spoken[3].contains("ثبت نظر"), "what to do: {spoken:?}");
        // Focused: a reason says its state.
        let effects = flow.step(RatingEvent::FocusNext);
        assert!(matches!(&effects[..], [RatingEffect::Speak(t)] if t.contains("انتخاب نشده")));
        let reasons_help = flow.help();
        assert_ne!(reasons_help[0], faces_help[0]);
        assert!(reasons_help[1].contains("کلید ورود"));
        // The repeat key reads the screen again, ticks included.
        flow.step(RatingEvent::Do(RatingAction::Reason(
            RatingReason::StaffBehaviour,
        )));
        let staff_ticked = format!(
            "{}: انتخاب شده",
            reason_label(RatingReason::StaffBehaviour, Lang::Fa)
        );
        assert!(flow.announcement()[1].contains(&staff_ticked));
        flow.step(RatingEvent::Do(RatingAction::Send));
        let effects = flow.step(RatingEvent::Recorded);
        assert!(effects.contains(&RatingEffect::Speak(
            "برای پایان، کلید ورود را بزنید.".into()
        )));
        let english = RatingFlow::new(Lang::En);
        assert!(english.help()[0].starts_with("Rating a service"));
    }

    #[test]
    fn english_labels_and_reason_states_are_spoken() {
        let mut flow = RatingFlow::new(Lang::En);
        flow.step(RatingEvent::CodeScanned("c".into()));
        flow.step(RatingEvent::CodeChecked(Ok(view())));
        assert_eq!(flow.title(), "How satisfied are you with the service?");
        flow.step(RatingEvent::Do(RatingAction::Score(3)));
        let said = flow.step(RatingEvent::Do(RatingAction::Reason(
            RatingReason::StaffBehaviour,
        )));
        assert_eq!(
            said,
            vec![RatingEffect::Speak("Staff behaviour: selected".into())]
        );
        assert_eq!(face_label(3, Lang::Fa), "متوسط");
    }
}
