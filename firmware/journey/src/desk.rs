//! The service-desk terminal's staff journey (config `mode = "desk"`): log in with the staff
//! card (scanned code) and a PIN, claim a visitor's visit by scanning their receipt or
//! satisfaction code ("served by"), register the service given (ثبت خدمت), fill in the meeting
//! form (docs/rules.md R-003-5.3), reprint a receipt (any device's of the office, through the
//! agency server), print the receipts the office's kiosks could not print, register a
//! transfer (انتقال, a kind kiosk visitors cannot choose; [`transfer`]) and see the end-of-day
//! summary.
//!
//! [`DeskFlow::step`] is pure (events in, [`DeskEffect`]s out, no clock, no disk); the app
//! carries the effects out against the store (firmware/app/src/journeys/desk_store.rs), which
//! checks PINs (argon2id, lockout), verifies satisfaction codes with the fleet's keys and writes
//! each record with its outbox item. Every refusal comes back as a Persian message for the
//! screen. Every screen lists its
//! [`DeskAction`]s so the keypad walks what a finger taps.

use kiosk_core::{MeetingResult, Occupation};

mod transfer;

pub use transfer::{TransferDraft, TransferField, TransferSubject, transfer_subjects};

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
    /// The receipts the office's kiosks could not print: pick one to print its copy.
    Owed,
    /// Today's summary.
    Summary,
    /// Printer and sync health (the device fills in what it knows).
    Health,
    /// One field of the meeting form on the keyboard.
    Field(MeetingField),
    /// The transfer form (انتقال).
    Transfer,
    /// One field of the transfer form on the keyboard.
    TransferText(TransferField),
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
    /// Register a transfer (انتقال) for a visitor.
    RegisterTransfer,
    /// Transfer form: type this field on the keyboard.
    EditTransfer(TransferField),
    /// Transfer form: the subject it is about, by identifier.
    TransferSubject(String),
    /// Reprint a receipt.
    Reprint,
    /// List the receipts the office's kiosks could not print.
    OwedReceipts,
    /// Print the copy of this owed receipt.
    PrintOwed(OwedEntry),
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

/// A receipt a kiosk of the office could not print (the agency server's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedEntry {
    /// The kiosk that owes it.
    pub kiosk: u32,
    /// The case's tracking code (16 digits).
    pub tracking_code: String,
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
    /// The office's owed receipts.
    OwedLoaded(Vec<OwedEntry>),
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
    /// Register the transfer as a case of kind `transfer`; answer `Done` or `Refused`.
    RegisterTransfer {
        /// Who.
        staff_id: i64,
        /// The form.
        draft: TransferDraft,
    },
    /// Record the meeting form; answer `Done` or `Refused`.
    RecordMeeting {
        /// Who.
        staff_id: i64,
        /// The form.
        draft: Box<MeetingDraft>,
    },
    /// Queue a reprint of the scanned receipt (or of an owed one picked from the list);
    /// answer `Done` or `Refused`.
    Reprint {
        /// What was scanned.
        scanned: String,
    },
    /// Ask the agency server for the office's owed receipts; answer `OwedLoaded` or `Refused`.
    LoadOwed,
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
    /// The owed receipts shown.
    pub owed: Vec<OwedEntry>,
    /// The transfer form.
    pub transfer: TransferDraft,
    /// The subjects a transfer may be about (the app sets them from its catalogue).
    pub transfer_subjects: Vec<TransferSubject>,
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
            owed: Vec::new(),
            transfer: TransferDraft::default(),
            transfer_subjects: Vec::new(),
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
            DeskScreen::Owed => "رسیدهای چاپ‌نشده‌ی کیوسک‌ها",
            DeskScreen::Summary => "خلاصه امروز",
            DeskScreen::Health => "وضعیت چاپگر و همگام‌سازی",
            DeskScreen::Field(field) => field.label_fa(),
            DeskScreen::Transfer => "ثبت انتقال",
            DeskScreen::TransferText(field) => field.label_fa(),
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
                A::RegisterTransfer,
                A::Meeting,
                A::Reprint,
                A::OwedReceipts,
                A::Health,
                A::Summary,
                A::Logout,
            ],
            DeskScreen::Claim | DeskScreen::Reprint | DeskScreen::Summary | DeskScreen::Health => {
                vec![A::Back]
            }
            DeskScreen::Owed => self
                .owed
                .iter()
                .cloned()
                .map(A::PrintOwed)
                .chain([A::Back])
                .collect(),
            DeskScreen::Service | DeskScreen::Field(_) | DeskScreen::TransferText(_) => {
                vec![A::Submit, A::Back]
            }
            DeskScreen::Transfer => TransferField::ALL
                .iter()
                .map(|&f| A::EditTransfer(f))
                .chain(
                    self.transfer_subjects
                        .iter()
                        .map(|s| A::TransferSubject(s.id.clone())),
                )
                .chain([A::Submit, A::Back])
                .collect(),
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
        let subjects = std::mem::take(&mut self.transfer_subjects);
        *self = Self::new();
        self.transfer_subjects = subjects;
        self.show(DeskScreen::Login)
    }

    fn type_transfer_char(&mut self, field: TransferField, c: char) {
        let fits = self.entry.chars().count() < field.max_chars();
        let allowed = if field.numeric() {
            c.is_ascii_digit() || ('۰'..='۹').contains(&c)
        } else {
            !c.is_control() || c == '\n'
        };
        if fits && allowed {
            self.entry.push(c);
        }
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
            (DeskScreen::Field(_) | DeskScreen::TransferText(_), DeskEvent::Backspace) => {
                self.entry.pop();
                Vec::new()
            }
            (DeskScreen::TransferText(field), DeskEvent::Digit(d)) if d < 10 => {
                self.type_transfer_char(field, char::from(b'0' + d));
                Vec::new()
            }
            (DeskScreen::TransferText(field), DeskEvent::Char(c)) => {
                self.type_transfer_char(field, c);
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
                    self.transfer = TransferDraft::default();
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
                    DeskScreen::Menu if self.transfer != TransferDraft::default() => {
                        DeskScreen::Transfer
                    }
                    s => s,
                };
                self.show(screen)
            }
            (DeskScreen::Working, DeskEvent::OwedLoaded(owed)) => {
                self.owed = owed;
                self.notice = self
                    .owed
                    .is_empty()
                    .then(|| "رسید چاپ‌نشده‌ای نمانده است.".to_owned());
                self.refused = false;
                self.show(DeskScreen::Owed)
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
            (DeskScreen::Menu, A::RegisterTransfer, _) => {
                self.transfer = TransferDraft::default();
                self.show(DeskScreen::Transfer)
            }
            (DeskScreen::Transfer, A::EditTransfer(field), _) => {
                let typed = field.value(&self.transfer).to_owned();
                let effects = self.show(DeskScreen::TransferText(field));
                self.entry = typed;
                effects
            }
            (DeskScreen::TransferText(field), which @ (A::Submit | A::Back), _) => {
                if which == A::Submit {
                    *field.slot(&mut self.transfer) = self.entry.trim().to_owned();
                }
                let focus = TransferField::ALL.iter().position(|&f| f == field);
                let effects = self.show(DeskScreen::Transfer);
                self.focus = focus.unwrap_or(0);
                effects
            }
            (DeskScreen::Transfer, A::TransferSubject(id), _) => {
                let label = self
                    .transfer_subjects
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| s.label_fa.clone())
                    .unwrap_or_default();
                self.transfer.subject_id = Some(id);
                vec![DeskEffect::Speak(label)]
            }
            (DeskScreen::Transfer, A::Submit, Some(staff_id)) => {
                let draft = self.transfer.clone();
                self.working(
                    DeskScreen::Menu,
                    DeskEffect::RegisterTransfer { staff_id, draft },
                )
            }
            (DeskScreen::Menu, A::Reprint, _) => self.show(DeskScreen::Reprint),
            (DeskScreen::Menu, A::Health, _) => self.show(DeskScreen::Health),
            (DeskScreen::Menu, A::OwedReceipts, _) => {
                self.working(DeskScreen::Menu, DeskEffect::LoadOwed)
            }
            (DeskScreen::Owed, A::PrintOwed(entry), _) => {
                self.owed.retain(|e| *e != entry);
                self.working(
                    DeskScreen::Menu,
                    DeskEffect::Reprint {
                        scanned: entry.tracking_code,
                    },
                )
            }
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
                self.transfer = TransferDraft::default();
                self.show(DeskScreen::Menu)
            }
            _ => Vec::new(),
        }
    }
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
    fn the_owed_receipts_are_listed_and_picking_one_reprints_it() {
        let mut flow = logged_in();
        let effects = flow.step(DeskEvent::Do(DeskAction::OwedReceipts));
        assert!(effects.contains(&DeskEffect::LoadOwed));
        assert_eq!(flow.screen, DeskScreen::Working);
        let entry = OwedEntry {
            kiosk: 11,
            tracking_code: "1000110000000012".into(),
        };
        flow.step(DeskEvent::OwedLoaded(vec![entry.clone()]));
        assert_eq!(flow.screen, DeskScreen::Owed);
        assert_eq!(
            flow.actions(),
            vec![DeskAction::PrintOwed(entry.clone()), DeskAction::Back]
        );
        let effects = flow.step(DeskEvent::Do(DeskAction::PrintOwed(entry)));
        assert!(effects.contains(&DeskEffect::Reprint {
            scanned: "1000110000000012".into()
        }));
        flow.step(DeskEvent::Done("رسید دوباره چاپ شد.".into()));
        assert_eq!(flow.screen, DeskScreen::Menu);
        assert!(flow.owed.is_empty(), "a printed receipt leaves the list");
        // None owed: said so; the server out of reach: back to the menu with why.
        flow.step(DeskEvent::Do(DeskAction::OwedReceipts));
        flow.step(DeskEvent::OwedLoaded(Vec::new()));
        assert_eq!(flow.screen, DeskScreen::Owed);
        assert!(flow.notice.as_deref().is_some_and(|n| n.contains("نمانده")));
        flow.step(DeskEvent::Do(DeskAction::Back));
        flow.step(DeskEvent::Do(DeskAction::OwedReceipts));
        flow.step(DeskEvent::Refused("سرور اداره پاسخ نداد.".into()));
        assert_eq!(flow.screen, DeskScreen::Menu);
        assert!(flow.refused);
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
}
