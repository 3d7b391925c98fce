//! The service-desk terminal's staff journey (config `mode = "desk"`): log in with the staff
//! card (scanned code) and a PIN, claim a visitor's visit by scanning their receipt or
//! satisfaction code ("served by"), register the service given (ثبت خدمت), fill in the meeting
//! form (docs/rules.md R-003-5.3), reprint a receipt, and see the end-of-day summary.
//!
//! [`DeskFlow::step`] is pure (events in, [`DeskEffect`]s out, no clock, no disk); [`perform`]
//! carries the effects out against the store, which checks PINs (argon2id, lockout), verifies
//! satisfaction codes with the fleet's keys and writes each record with its outbox item. Every
//! refusal comes back as a Persian message for the screen. Every screen lists its
//! [`DeskAction`]s so the keypad walks what a finger taps.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ed25519_dalek::VerifyingKey;
use kiosk_core::digits::{to_ascii_digits, to_persian_digits};
use kiosk_core::jalali::tehran_date;
use kiosk_core::{
    JalaliDate, KioskNumber, NationalCode, NationalCodePolicy, TrackingCode, satisfaction,
};
use kiosk_store::{
    CaseRef, DeskError, MeetingResult, NewMeeting, NewService, Occupation, PinPolicy,
    ReceiptVariant, Store,
};
use uuid::Uuid;

/// The screens of the desk terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskScreen {
    /// Scan your staff card.
    Login,
    /// Type the staff card's number (a desk whose scanner is missing or broken).
    CardEntry,
    /// Type your PIN.
    Pin,
    /// What to do.
    Menu,
    /// Scan the visitor's receipt or satisfaction code.
    Claim,
    /// Type the service identifier.
    Service,
    /// The meeting form.
    Meeting,
    /// Scan the receipt to reprint.
    Reprint,
    /// Today's summary.
    Summary,
    /// Printer and sync health (the device fills in what it knows).
    Health,
    /// One field of the meeting form on the keyboard.
    Field(MeetingField),
    /// Waiting for the store.
    Working,
}

/// Longest staff card number typed on the keypad.
pub const MAX_TYPED_CARD_DIGITS: usize = 20;

/// What staff can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskAction {
    /// Type the staff card's number instead of scanning it.
    TypeCard,
    /// Claim a visit.
    Claim,
    /// Register a service.
    RegisterService,
    /// Fill in a meeting form.
    Meeting,
    /// Reprint a receipt.
    Reprint,
    /// Today's summary.
    Summary,
    /// Printer and sync health.
    Health,
    /// Log out.
    Logout,
    /// Submit what is on the screen.
    Submit,
    /// Back to the menu.
    Back,
    /// Meeting form: the occupation.
    SetOccupation(Occupation),
    /// Meeting form: tick or untick a result.
    ToggleResult(MeetingResult),
    /// Meeting form: type this field on the keyboard.
    EditField(MeetingField),
}

/// A text field of the meeting form (filled in with the on-screen keyboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingField {
    /// Meeting day, Jalali `YYYY/MM/DD` (empty: today).
    Day,
    /// Full name.
    FullName,
    /// National code.
    NationalCode,
    /// Date of birth, Jalali `YYYY/MM/DD`.
    BirthDate,
    /// Exact job title.
    OccupationTitle,
    /// Reason for the meeting.
    Reason,
    /// Topic (for the monthly report).
    Topic,
    /// Text of the "other" result.
    ResultOther,
    /// Actions taken.
    ActionsTaken,
}

/// The meeting form as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDraft {
    /// Meeting day (Jalali, empty for today).
    pub day: String,
    /// Full name.
    pub full_name: String,
    /// National code.
    pub national_code: String,
    /// Birth date (Jalali).
    pub birth_date: String,
    /// Occupation.
    pub occupation: Occupation,
    /// Job title.
    pub occupation_title: String,
    /// Reason.
    pub reason: String,
    /// Topic.
    pub topic: String,
    /// Ticked results.
    pub results: Vec<MeetingResult>,
    /// Text of "other".
    pub result_other: String,
    /// Actions taken.
    pub actions_taken: String,
}

impl Default for MeetingDraft {
    fn default() -> Self {
        Self {
            day: String::new(),
            full_name: String::new(),
            national_code: String::new(),
            birth_date: String::new(),
            occupation: Occupation::Government,
            occupation_title: String::new(),
            reason: String::new(),
            topic: String::new(),
            results: Vec::new(),
            result_other: String::new(),
            actions_taken: String::new(),
        }
    }
}

/// The logged-in member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffView {
    /// Staff row id.
    pub staff_id: i64,
    /// Employee code.
    pub employee_code: String,
    /// Name shown.
    pub display_name: String,
}

/// Today's counts for the logged-in member and the terminal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaySummary {
    /// Visits this member claimed.
    pub claims: u64,
    /// Services this member registered.
    pub services: u64,
    /// Ratings counted for this member.
    pub ratings: u64,
    /// Their average score.
    pub average_score: Option<f64>,
    /// Meetings recorded at this terminal.
    pub meetings: u64,
}

/// An input to [`DeskFlow::step`].
#[derive(Debug, Clone, PartialEq)]
pub enum DeskEvent {
    /// Something was scanned (staff card, receipt, satisfaction code).
    Scanned(String),
    /// A keypad digit.
    Digit(u8),
    /// A character from the on-screen or a physical keyboard (meeting-form fields).
    Char(char),
    /// Delete the last digit.
    Backspace,
    /// Staff did this.
    Do(DeskAction),
    /// A meeting-form field was edited.
    Field(MeetingField, String),
    /// Keypad: focus next.
    FocusNext,
    /// Keypad: focus previous.
    FocusPrev,
    /// Keypad: perform the focused action.
    Activate,
    /// Login accepted.
    LoggedIn(StaffView),
    /// The store answered with success; the Persian notice.
    Done(String),
    /// The store refused; the Persian reason.
    Refused(String),
    /// The summary.
    SummaryLoaded(DaySummary),
    /// Nobody touched the terminal for a while: log out.
    IdleExpired,
}

/// What the flow asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskEffect {
    /// Show this screen.
    Show(DeskScreen),
    /// Say this.
    Speak(String),
    /// Check card and PIN; answer `LoggedIn` or `Refused`.
    Login {
        /// Scanned card code.
        card: String,
        /// Typed PIN.
        pin: String,
    },
    /// Claim the scanned visit; answer `Done` or `Refused`.
    Claim {
        /// Who.
        staff_id: i64,
        /// What was scanned.
        scanned: String,
    },
    /// Register a service; answer `Done` or `Refused`.
    RegisterService {
        /// Who.
        staff_id: i64,
        /// The service identifier.
        service_id: String,
        /// The visit claimed last, if any.
        visit: Option<String>,
    },
    /// Record the meeting form; answer `Done` or `Refused`.
    RecordMeeting {
        /// Who.
        staff_id: i64,
        /// The form.
        draft: Box<MeetingDraft>,
    },
    /// Queue a reprint of the scanned receipt; answer `Done` or `Refused`.
    Reprint {
        /// What was scanned.
        scanned: String,
    },
    /// Load today's summary; answer `SummaryLoaded`.
    LoadSummary {
        /// Who.
        staff_id: i64,
    },
}

/// The staff journey at one terminal.
#[derive(Debug, Clone)]
pub struct DeskFlow {
    /// Current screen.
    pub screen: DeskScreen,
    /// The scanned staff card, until login.
    pub card: Option<String>,
    /// Digits typed (PIN or service identifier), never shown in clear for a PIN.
    pub entry: String,
    /// The logged-in member.
    pub staff: Option<StaffView>,
    /// The last visit claimed (what a service is registered against).
    pub visit: Option<String>,
    /// The meeting form.
    pub draft: MeetingDraft,
    /// Last notice or refusal shown.
    pub notice: Option<String>,
    /// Whether the notice is a refusal.
    pub refused: bool,
    /// The summary shown.
    pub summary: Option<DaySummary>,
    /// Where a store answer returns to.
    back_to: DeskScreen,
    /// Focused action.
    pub focus: usize,
}

impl Default for DeskFlow {
    fn default() -> Self {
        Self::new()
    }
}

impl DeskFlow {
    /// Logged out, waiting for a staff card.
    pub fn new() -> Self {
        Self {
            screen: DeskScreen::Login,
            card: None,
            entry: String::new(),
            staff: None,
            visit: None,
            draft: MeetingDraft::default(),
            notice: None,
            refused: false,
            summary: None,
            back_to: DeskScreen::Login,
            focus: 0,
        }
    }

    /// The screen's title in Persian.
    pub fn title_fa(&self) -> &'static str {
        match self.screen {
            DeskScreen::Login => "کارت کارمندی خود را اسکن کنید",
            DeskScreen::CardEntry => "شماره کارت کارمندی را وارد کنید",
            DeskScreen::Pin => "رمز خود را وارد کنید",
            DeskScreen::Menu => "میز خدمت",
            DeskScreen::Claim => "رسید یا کد نظرسنجی مراجعه‌کننده را اسکن کنید",
            DeskScreen::Service => "شناسه خدمت را وارد کنید",
            DeskScreen::Meeting => "فرم ملاقات مردمی",
            DeskScreen::Reprint => "رسید را برای چاپ دوباره اسکن کنید",
            DeskScreen::Summary => "خلاصه امروز",
            DeskScreen::Health => "وضعیت چاپگر و همگام‌سازی",
            DeskScreen::Field(field) => field.label_fa(),
            DeskScreen::Working => "لطفاً صبر کنید…",
        }
    }

    /// What can be done on the current screen, in focus order.
    pub fn actions(&self) -> Vec<DeskAction> {
        use DeskAction as A;
        match self.screen {
            DeskScreen::Login => vec![A::TypeCard],
            DeskScreen::Working => Vec::new(),
            DeskScreen::CardEntry => vec![A::Submit, A::Back],
            DeskScreen::Pin => vec![A::Submit, A::Logout],
            DeskScreen::Menu => vec![
                A::Claim,
                A::RegisterService,
                A::Meeting,
                A::Reprint,
                A::Health,
                A::Summary,
                A::Logout,
            ],
            DeskScreen::Claim | DeskScreen::Reprint | DeskScreen::Summary | DeskScreen::Health => {
                vec![A::Back]
            }
            DeskScreen::Service | DeskScreen::Field(_) => vec![A::Submit, A::Back],
            DeskScreen::Meeting => MeetingField::ALL
                .iter()
                .map(|&f| A::EditField(f))
                .chain([
                    A::SetOccupation(Occupation::Government),
                    A::SetOccupation(Occupation::Private),
                    A::SetOccupation(Occupation::Other),
                ])
                .chain(MeetingResult::ALL.iter().map(|&r| A::ToggleResult(r)))
                .chain([A::Submit, A::Back])
                .collect(),
        }
    }

    fn show(&mut self, screen: DeskScreen) -> Vec<DeskEffect> {
        self.screen = screen;
        self.focus = 0;
        self.entry.clear();
        let mut effects = vec![
            DeskEffect::Show(screen),
            DeskEffect::Speak(self.title_fa().to_owned()),
        ];
        if let Some(n) = &self.notice {
            effects.push(DeskEffect::Speak(n.clone()));
        }
        effects
    }

    fn working(&mut self, back_to: DeskScreen, effect: DeskEffect) -> Vec<DeskEffect> {
        self.back_to = back_to;
        self.notice = None;
        let mut effects = self.show(DeskScreen::Working);
        effects.push(effect);
        effects
    }

    fn logout(&mut self) -> Vec<DeskEffect> {
        *self = Self::new();
        self.show(DeskScreen::Login)
    }

    fn type_char(&mut self, field: MeetingField, c: char) {
        let fits = self.entry.chars().count() < field.max_chars();
        let allowed = if field.numeric() {
            c.is_ascii_digit() || ('۰'..='۹').contains(&c) || c == '/'
        } else {
            !c.is_control() || c == '\n'
        };
        if fits && allowed {
            self.entry.push(c);
        }
    }

    /// One event in, the effects out.
    pub fn step(&mut self, event: DeskEvent) -> Vec<DeskEffect> {
        let staff_id = self.staff.as_ref().map(|s| s.staff_id);
        let event_is_next = event == DeskEvent::FocusNext;
        match (self.screen, event) {
            (_, DeskEvent::IdleExpired) => self.logout(),
            (DeskScreen::Login, DeskEvent::Scanned(card)) => {
                self.card = Some(card.trim().to_owned());
                self.notice = None;
                self.show(DeskScreen::Pin)
            }
            (DeskScreen::Pin | DeskScreen::Service, DeskEvent::Digit(d)) if d < 10 => {
                if self.entry.len() < 12 {
                    self.entry.push(char::from(b'0' + d));
                }
                Vec::new()
            }
            (DeskScreen::CardEntry, DeskEvent::Digit(d)) if d < 10 => {
                if self.entry.len() < MAX_TYPED_CARD_DIGITS {
                    self.entry.push(char::from(b'0' + d));
                }
                Vec::new()
            }
            (
                DeskScreen::Pin | DeskScreen::Service | DeskScreen::CardEntry,
                DeskEvent::Backspace,
            ) => {
                self.entry.pop();
                Vec::new()
            }
            (DeskScreen::Field(field), DeskEvent::Digit(d)) if d < 10 => {
                self.type_char(field, char::from(b'0' + d));
                Vec::new()
            }
            (DeskScreen::Field(field), DeskEvent::Char(c)) => {
                self.type_char(field, c);
                Vec::new()
            }
            (DeskScreen::Field(_), DeskEvent::Backspace) => {
                self.entry.pop();
                Vec::new()
            }
            (DeskScreen::Claim, DeskEvent::Scanned(code)) => {
                let Some(staff_id) = staff_id else {
                    return Vec::new();
                };
                self.visit = Some(code.clone());
                self.working(
                    DeskScreen::Menu,
                    DeskEffect::Claim {
                        staff_id,
                        scanned: code,
                    },
                )
            }
            (DeskScreen::Reprint, DeskEvent::Scanned(code)) => {
                self.working(DeskScreen::Menu, DeskEffect::Reprint { scanned: code })
            }
            (DeskScreen::Meeting, DeskEvent::Field(field, value)) => {
                let d = &mut self.draft;
                let slot = match field {
                    MeetingField::Day => &mut d.day,
                    MeetingField::FullName => &mut d.full_name,
                    MeetingField::NationalCode => &mut d.national_code,
                    MeetingField::BirthDate => &mut d.birth_date,
                    MeetingField::OccupationTitle => &mut d.occupation_title,
                    MeetingField::Reason => &mut d.reason,
                    MeetingField::Topic => &mut d.topic,
                    MeetingField::ResultOther => &mut d.result_other,
                    MeetingField::ActionsTaken => &mut d.actions_taken,
                };
                *slot = value;
                Vec::new()
            }
            (DeskScreen::Working, DeskEvent::LoggedIn(staff)) => {
                self.notice = Some(format!("خوش آمدید، {}", staff.display_name));
                self.refused = false;
                self.staff = Some(staff);
                self.card = None;
                self.show(DeskScreen::Menu)
            }
            (DeskScreen::Working, DeskEvent::Done(notice)) => {
                self.notice = Some(notice);
                self.refused = false;
                if self.back_to == DeskScreen::Menu {
                    self.draft = MeetingDraft::default();
                }
                self.show(self.back_to)
            }
            (DeskScreen::Working, DeskEvent::Refused(reason)) => {
                self.notice = Some(reason);
                self.refused = true;
                if self.staff.is_none() {
                    self.card = None;
                    return self.show(DeskScreen::Login);
                }
                // Back to the form that was refused, keeping what was typed.
                let screen = match self.back_to {
                    DeskScreen::Menu if self.draft != MeetingDraft::default() => {
                        DeskScreen::Meeting
                    }
                    s => s,
                };
                self.show(screen)
            }
            (DeskScreen::Working, DeskEvent::SummaryLoaded(summary)) => {
                self.summary = Some(summary);
                self.notice = None;
                self.show(DeskScreen::Summary)
            }
            (_, DeskEvent::FocusNext | DeskEvent::FocusPrev) if !self.actions().is_empty() => {
                let n = self.actions().len();
                self.focus = if event_is_next {
                    (self.focus + 1) % n
                } else {
                    (self.focus + n - 1) % n
                };
                Vec::new()
            }
            (_, DeskEvent::Activate) => match self.actions().get(self.focus).cloned() {
                Some(action) => self.act(action),
                None => Vec::new(),
            },
            (_, DeskEvent::Do(action)) if self.actions().contains(&action) => self.act(action),
            _ => Vec::new(),
        }
    }

    fn act(&mut self, action: DeskAction) -> Vec<DeskEffect> {
        use DeskAction as A;
        let staff_id = self.staff.as_ref().map(|s| s.staff_id);
        self.notice = None;
        match (self.screen, action, staff_id) {
            (_, A::Logout, _) => self.logout(),
            (DeskScreen::Login, A::TypeCard, _) => self.show(DeskScreen::CardEntry),
            (DeskScreen::CardEntry, A::Submit, _) if !self.entry.is_empty() => {
                // The typed number stands where a scanned card would: the PIN still decides.
                self.card = Some(std::mem::take(&mut self.entry));
                self.show(DeskScreen::Pin)
            }
            (DeskScreen::CardEntry, A::Back, _) => self.show(DeskScreen::Login),
            (DeskScreen::Pin, A::Submit, _) => {
                let pin = std::mem::take(&mut self.entry);
                let card = self.card.clone().unwrap_or_default();
                self.working(DeskScreen::Menu, DeskEffect::Login { card, pin })
            }
            (DeskScreen::Menu, A::Claim, _) => self.show(DeskScreen::Claim),
            (DeskScreen::Menu, A::RegisterService, _) => self.show(DeskScreen::Service),
            (DeskScreen::Menu, A::Meeting, _) => {
                self.draft = MeetingDraft::default();
                self.show(DeskScreen::Meeting)
            }
            (DeskScreen::Menu, A::Reprint, _) => self.show(DeskScreen::Reprint),
            (DeskScreen::Menu, A::Health, _) => self.show(DeskScreen::Health),
            (DeskScreen::Meeting, A::EditField(field), _) => {
                let typed = field.value(&self.draft).to_owned();
                let effects = self.show(DeskScreen::Field(field));
                self.entry = typed;
                effects
            }
            (DeskScreen::Field(field), A::Submit, _) => {
                let value = field.normalise(&self.entry);
                *field.slot(&mut self.draft) = value;
                let focus = MeetingField::ALL.iter().position(|&f| f == field);
                let effects = self.show(DeskScreen::Meeting);
                self.focus = focus.unwrap_or(0);
                effects
            }
            (DeskScreen::Field(field), A::Back, _) => {
                let focus = MeetingField::ALL.iter().position(|&f| f == field);
                let effects = self.show(DeskScreen::Meeting);
                self.focus = focus.unwrap_or(0);
                effects
            }
            (DeskScreen::Menu, A::Summary, Some(staff_id)) => {
                self.working(DeskScreen::Summary, DeskEffect::LoadSummary { staff_id })
            }
            (DeskScreen::Service, A::Submit, Some(staff_id)) => {
                let service_id = std::mem::take(&mut self.entry);
                let visit = self.visit.take();
                self.working(
                    DeskScreen::Menu,
                    DeskEffect::RegisterService {
                        staff_id,
                        service_id,
                        visit,
                    },
                )
            }
            (DeskScreen::Meeting, A::SetOccupation(o), _) => {
                self.draft.occupation = o;
                vec![DeskEffect::Speak(o.label_fa().to_owned())]
            }
            (DeskScreen::Meeting, A::ToggleResult(r), _) => {
                if let Some(i) = self.draft.results.iter().position(|&x| x == r) {
                    self.draft.results.remove(i);
                } else {
                    self.draft.results.push(r);
                }
                vec![DeskEffect::Speak(r.label_fa().to_owned())]
            }
            (DeskScreen::Meeting, A::Submit, Some(staff_id)) => {
                let draft = Box::new(self.draft.clone());
                self.working(
                    DeskScreen::Menu,
                    DeskEffect::RecordMeeting { staff_id, draft },
                )
            }
            (_, A::Back, _) => {
                self.draft = MeetingDraft::default();
                self.show(DeskScreen::Menu)
            }
            _ => Vec::new(),
        }
    }
}

/// What [`perform`] needs from the terminal.
pub struct DeskContext<'a, K: Fn(KioskNumber) -> Option<VerifyingKey>> {
    /// The store.
    pub store: &'a mut Store,
    /// The fleet's published public keys.
    pub keys: K,
    /// This terminal.
    pub kiosk: KioskNumber,
    /// Now.
    pub now: DateTime<Utc>,
    /// PIN rules.
    pub pin_policy: PinPolicy,
    /// National-code rules.
    pub national_code_policy: NationalCodePolicy,
}

/// The visit a scanned receipt or satisfaction code names: a tracking code (digits, Persian or
/// ASCII, grouped or not), or a satisfaction code, which must verify.
pub fn visit_of(
    scanned: &str,
    keys: impl Fn(KioskNumber) -> Option<VerifyingKey>,
    now: DateTime<Utc>,
) -> Result<TrackingCode, String> {
    if let Ok(code) = TrackingCode::parse(&to_ascii_digits(scanned.trim())) {
        return Ok(code);
    }
    satisfaction::verify(scanned, keys, now)
        .map(|claim| claim.tracking_code)
        .map_err(|e| e.message_fa().to_owned())
}

fn jalali_day(text: &str, field: &str) -> Result<NaiveDate, String> {
    let ascii = to_ascii_digits(text.trim()).replace('/', "-");
    ascii
        .parse::<JalaliDate>()
        .map(JalaliDate::to_gregorian)
        .map_err(|_| format!("{field}: تاریخ را به شکل ۱۴۰۴/۰۸/۰۵ وارد کنید."))
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The meeting form checked and converted, or the Persian reason it is not acceptable.
pub fn meeting_of(
    draft: &MeetingDraft,
    staff_id: i64,
    kiosk: KioskNumber,
    now: DateTime<Utc>,
    policy: &NationalCodePolicy,
) -> Result<NewMeeting, String> {
    let meeting_day = if draft.day.trim().is_empty() {
        tehran_date(now)
    } else {
        jalali_day(&draft.day, "تاریخ ملاقات")?
    };
    let national_code =
        NationalCode::parse(&draft.national_code, policy).map_err(|e| e.message_fa().to_owned())?;
    let birth_date = if draft.birth_date.trim().is_empty() {
        None
    } else {
        Some(jalali_day(&draft.birth_date, "تاریخ تولد")?)
    };
    Ok(NewMeeting {
        client_uuid: Uuid::new_v4(),
        kiosk,
        meeting_day,
        full_name: draft.full_name.trim().to_owned(),
        national_code: Some(national_code),
        birth_date,
        occupation: draft.occupation,
        occupation_title: optional(&draft.occupation_title),
        reason: draft.reason.trim().to_owned(),
        topic: optional(&draft.topic),
        results: draft.results.clone(),
        result_other: optional(&draft.result_other),
        actions_taken: optional(&draft.actions_taken),
        staff_id,
        recorded_at: now,
    })
}

/// The Persian message for a store refusal of a form, naming the field.
fn form_refusal(e: &DeskError) -> String {
    match e {
        DeskError::Store(kiosk_store::StoreError::Invalid { field, .. }) => {
            let name = match *field {
                "full_name" => "نام و نام خانوادگی",
                "occupation_title" => "عنوان دقیق شغل",
                "reason" => "دلیل ملاقات",
                "topic" => "موضوع",
                "results" => "نتیجه ملاقات",
                "result_other" => "توضیح «سایر»",
                "actions_taken" => "اقدامات انجام‌شده",
                "birth_date" => "تاریخ تولد",
                "service_id" => "شناسه خدمت",
                _ => "یکی از خانه‌ها",
            };
            format!("{name} را درست وارد کنید.")
        }
        other => other.message_fa(),
    }
}

/// Carries out a store effect; answers with the event to feed back (`None` for screen and
/// speech effects).
pub fn perform<K: Fn(KioskNumber) -> Option<VerifyingKey>>(
    ctx: &mut DeskContext<'_, K>,
    effect: &DeskEffect,
) -> Option<DeskEvent> {
    let refused = |e: DeskError| {
        tracing::warn!(reason = e.reason_code(), error = %e, "desk operation refused");
        DeskEvent::Refused(form_refusal(&e))
    };
    Some(match effect {
        DeskEffect::Show(_) | DeskEffect::Speak(_) => return None,
        DeskEffect::Login { card, pin } => {
            let employee_code = employee_of_card(ctx.store, card);
            match ctx
                .store
                .staff_login(&employee_code, pin, ctx.now, &ctx.pin_policy)
            {
                Ok(s) => DeskEvent::LoggedIn(StaffView {
                    staff_id: s.id,
                    employee_code: s.employee_code,
                    display_name: s.display_name,
                }),
                Err(e) => refused(e),
            }
        }
        DeskEffect::Claim { staff_id, scanned } => match visit_of(scanned, &ctx.keys, ctx.now) {
            Err(message) => DeskEvent::Refused(message),
            Ok(code) => match ctx.store.claim_visit(&code, *staff_id, ctx.now) {
                Ok(_) => {
                    DeskEvent::Done(format!("مراجعه {} به نام شما ثبت شد.", code.grouped_fa()))
                }
                Err(e) => refused(e),
            },
        },
        DeskEffect::RegisterService {
            staff_id,
            service_id,
            visit,
        } => {
            let code = match visit.as_deref().map(|v| visit_of(v, &ctx.keys, ctx.now)) {
                Some(Err(message)) => return Some(DeskEvent::Refused(message)),
                Some(Ok(code)) => Some(code),
                None => None,
            };
            let national_code = match code {
                Some(c) => match ctx.store.case_by_tracking_code(&c) {
                    // A purged case names nobody any more.
                    Ok(case) => case.and_then(|c| c.national_code),
                    Err(e) => return Some(refused(DeskError::Store(e))),
                },
                None => None,
            };
            let new = NewService {
                client_uuid: Uuid::new_v4(),
                kiosk: ctx.kiosk,
                service_id: to_ascii_digits(service_id.trim()),
                staff_id: *staff_id,
                tracking_code: code,
                national_code,
                note: None,
                given_at: ctx.now,
            };
            match ctx.store.register_service(new) {
                Ok(s) => {
                    DeskEvent::Done(to_persian_digits(&format!("خدمت {} ثبت شد.", s.service_id)))
                }
                Err(e) => refused(e),
            }
        }
        DeskEffect::RecordMeeting { staff_id, draft } => {
            match meeting_of(
                draft,
                *staff_id,
                ctx.kiosk,
                ctx.now,
                &ctx.national_code_policy,
            ) {
                Err(message) => DeskEvent::Refused(message),
                Ok(new) => match ctx.store.record_meeting(new) {
                    Ok(_) => DeskEvent::Done("فرم ملاقات ثبت شد.".to_owned()),
                    Err(e) => refused(e),
                },
            }
        }
        DeskEffect::Reprint { scanned } => match visit_of(scanned, &ctx.keys, ctx.now) {
            Err(message) => DeskEvent::Refused(message),
            Ok(code) => match ctx
                .store
                .queue_receipt(Some(CaseRef::Code(code)), ReceiptVariant::Reprint)
            {
                Ok(_) => DeskEvent::Done("رسید برای چاپ دوباره فرستاده شد.".to_owned()),
                Err(kiosk_store::StoreError::CaseNotFound { .. }) => {
                    DeskEvent::Refused("این مراجعه در این دستگاه ثبت نشده است.".to_owned())
                }
                Err(e) => refused(DeskError::Store(e)),
            },
        },
        DeskEffect::LoadSummary { staff_id } => match day_summary(ctx, *staff_id) {
            Ok(summary) => DeskEvent::SummaryLoaded(summary),
            Err(e) => refused(e),
        },
    })
}

/// Prefix of the store setting that names the employee a staff card belongs to:
/// `staff_card:<card code>` → employee code (written by `kioskctl staff add --card`).
pub const STAFF_CARD_SETTING: &str = "staff_card:";

/// The employee code a scanned staff card stands for: the card registered for an employee,
/// or the card's code itself (cards that carry the employee code).
pub fn employee_of_card(store: &Store, card: &str) -> String {
    let card = card.trim();
    match store.setting(&format!("{STAFF_CARD_SETTING}{card}")) {
        Ok(Some(code)) => code,
        Ok(None) => card.to_owned(),
        Err(e) => {
            tracing::error!(error = %e, "reading the staff card table");
            card.to_owned()
        }
    }
}

/// Today's (Tehran day of `now`) counts.
fn day_summary<K: Fn(KioskNumber) -> Option<VerifyingKey>>(
    ctx: &DeskContext<'_, K>,
    staff_id: i64,
) -> Result<DaySummary, DeskError> {
    let day = tehran_date(ctx.now);
    let start = day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(kiosk_core::jalali::tehran()).single())
        .map(|t| t.to_utc())
        .unwrap_or(ctx.now);
    let end = start + Duration::days(1);
    let employee = ctx
        .store
        .staff_by_id(staff_id)?
        .map(|s| s.employee_code)
        .unwrap_or_default();
    let services = ctx.store.services_between(start, end)?;
    let ratings: Vec<u8> = ctx
        .store
        .ratings_between(start, end)?
        .into_iter()
        .filter(|r| r.employee_code.as_deref() == Some(employee.as_str()))
        .map(|r| r.score)
        .collect();
    Ok(DaySummary {
        claims: ctx.store.claims_between(staff_id, start, end)?,
        services: services
            .iter()
            .filter(|s| s.employee_code == employee)
            .count() as u64,
        ratings: ratings.len() as u64,
        average_score: (!ratings.is_empty())
            .then(|| ratings.iter().map(|&s| f64::from(s)).sum::<f64>() / ratings.len() as f64),
        meetings: ctx.store.meetings_between(day, day)?.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged_in() -> DeskFlow {
        let mut flow = DeskFlow::new();
        flow.step(DeskEvent::Scanned("E-1".into()));
        flow.step(DeskEvent::Digit(1));
        flow.step(DeskEvent::Do(DeskAction::Submit));
        flow.step(DeskEvent::LoggedIn(StaffView {
            staff_id: 3,
            employee_code: "E-1".into(),
            display_name: "علی".into(),
        }));
        flow
    }

    #[test]
    fn login_asks_the_store_and_a_refusal_returns_to_the_card_with_its_message() {
        let mut flow = DeskFlow::new();
        assert!(
            flow.step(DeskEvent::Do(DeskAction::Claim)).is_empty(),
            "no menu before login"
        );
        flow.step(DeskEvent::Scanned(" E-1 ".into()));
        assert_eq!(flow.screen, DeskScreen::Pin);
        for d in [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4] {
            flow.step(DeskEvent::Digit(d));
        }
        assert_eq!(flow.entry.len(), 12, "a PIN is at most 12 digits");
        flow.step(DeskEvent::Backspace);
        let effects = flow.step(DeskEvent::Do(DeskAction::Submit));
        assert!(effects.contains(&DeskEffect::Login {
            card: "E-1".into(),
            pin: "12345678901".into()
        }));
        assert!(flow.entry.is_empty(), "the PIN is not kept");
        flow.step(DeskEvent::Refused("ورود تا ساعت ۱۰:۴۵ بسته است.".into()));
        assert_eq!(flow.screen, DeskScreen::Login);
        assert!(flow.refused);
        assert_eq!(flow.card, None);
    }

    #[test]
    fn a_typed_card_number_stands_for_a_scan_and_the_pin_still_decides() {
        let mut flow = DeskFlow::new();
        assert_eq!(flow.actions(), vec![DeskAction::TypeCard]);
        // Empty, then back: nothing happens, the login screen returns.
        flow.step(DeskEvent::Do(DeskAction::TypeCard));
        assert_eq!(flow.screen, DeskScreen::CardEntry);
        assert!(flow.step(DeskEvent::Do(DeskAction::Submit)).is_empty());
        flow.step(DeskEvent::Do(DeskAction::Back));
        assert_eq!(flow.screen, DeskScreen::Login);
        assert!(
            flow.step(DeskEvent::Do(DeskAction::Claim)).is_empty(),
            "no menu from the card screen"
        );
        flow.step(DeskEvent::Do(DeskAction::TypeCard));
        for d in [2, 0, 4, 1, 9] {
            flow.step(DeskEvent::Digit(d));
        }
        flow.step(DeskEvent::Backspace);
        for _ in 0..40 {
            flow.step(DeskEvent::Digit(7));
        }
        assert_eq!(flow.entry.len(), MAX_TYPED_CARD_DIGITS);
        while flow.entry.len() > 4 {
            flow.step(DeskEvent::Backspace);
        }
        flow.step(DeskEvent::Do(DeskAction::Submit));
        assert_eq!(flow.screen, DeskScreen::Pin);
        assert_eq!(flow.card.as_deref(), Some("2041"));
        for d in [5, 8, 2, 0] {
            flow.step(DeskEvent::Digit(d));
        }
        let effects = flow.step(DeskEvent::Do(DeskAction::Submit));
        assert!(effects.contains(&DeskEffect::Login {
            card: "2041".into(),
            pin: "5820".into()
        }));
    }

    #[test]
    fn claim_then_service_carries_the_claimed_visit_once() {
        let mut flow = logged_in();
        assert_eq!(flow.screen, DeskScreen::Menu);
        flow.step(DeskEvent::Do(DeskAction::Claim));
        let effects = flow.step(DeskEvent::Scanned("1000420000000071".into()));
        assert!(effects.contains(&DeskEffect::Claim {
            staff_id: 3,
            scanned: "1000420000000071".into()
        }));
        flow.step(DeskEvent::Done("ok".into()));
        flow.step(DeskEvent::Do(DeskAction::RegisterService));
        for d in [1, 1, 0] {
            flow.step(DeskEvent::Digit(d));
        }
        let effects = flow.step(DeskEvent::Do(DeskAction::Submit));
        assert!(effects.contains(&DeskEffect::RegisterService {
            staff_id: 3,
            service_id: "110".into(),
            visit: Some("1000420000000071".into()),
        }));
        flow.step(DeskEvent::Done("ok".into()));
        assert_eq!(flow.visit, None, "the next service needs a new claim");
    }

    #[test]
    fn a_refused_meeting_form_comes_back_with_what_was_typed_and_idle_logs_out() {
        let mut flow = logged_in();
        flow.step(DeskEvent::Do(DeskAction::Meeting));
        flow.step(DeskEvent::Field(MeetingField::FullName, "زهرا".into()));
        flow.step(DeskEvent::Do(DeskAction::SetOccupation(
            Occupation::Private,
        )));
        flow.step(DeskEvent::Do(DeskAction::ToggleResult(
            MeetingResult::FollowUpOrdered,
        )));
        let effects = flow.step(DeskEvent::Do(DeskAction::Submit));
        let Some(DeskEffect::RecordMeeting { draft, .. }) = effects
            .iter()
            .find(|e| matches!(e, DeskEffect::RecordMeeting { .. }))
        else {
            panic!("{effects:?}");
        };
        assert_eq!(draft.occupation, Occupation::Private);
        assert_eq!(draft.results, vec![MeetingResult::FollowUpOrdered]);
        flow.step(DeskEvent::Refused("دلیل ملاقات را درست وارد کنید.".into()));
        assert_eq!(flow.screen, DeskScreen::Meeting);
        assert_eq!(flow.draft.full_name, "زهرا");
        flow.step(DeskEvent::IdleExpired);
        assert_eq!(flow.screen, DeskScreen::Login);
        assert_eq!(flow.staff, None);
        assert_eq!(flow.draft, MeetingDraft::default());
    }

    #[test]
    fn meeting_forms_take_jalali_dates_in_persian_digits_and_refuse_in_persian() {
        let now: DateTime<Utc> = "2025-10-28T08:00:00Z".parse().unwrap();
        let k = KioskNumber::new(42).unwrap();
        let policy = NationalCodePolicy::default();
        let draft = MeetingDraft {
            day: "۱۴۰۴/۰۸/۰۶".into(),
            full_name: " زهرا احمدی ".into(),
            national_code: "۰۴۹۹۳۷۰۸۹۹".into(),
            birth_date: "1359/01/01".into(),
            reason: "پیگیری".into(),
            results: vec![MeetingResult::ReferredToDeputy],
            ..MeetingDraft::default()
        };
        let m = meeting_of(&draft, 3, k, now, &policy).unwrap();
        assert_eq!(
            m.meeting_day,
            NaiveDate::from_ymd_opt(2025, 10, 28).unwrap()
        );
        assert_eq!(m.birth_date, NaiveDate::from_ymd_opt(1980, 3, 21));
        assert_eq!(m.full_name, "زهرا احمدی");
        assert_eq!(m.topic, None);
        let mut today = draft.clone();
        today.day.clear();
        assert_eq!(
            meeting_of(&today, 3, k, now, &policy).unwrap().meeting_day,
            m.meeting_day
        );
        let mut bad = draft.clone();
        bad.birth_date = "1359/13/01".into();
        let e = meeting_of(&bad, 3, k, now, &policy).unwrap_err();
        assert!(e.starts_with("تاریخ تولد"), "{e}");
        let mut bad = draft;
        bad.national_code = "123".into();
        assert!(meeting_of(&bad, 3, k, now, &policy).is_err());
    }
}
