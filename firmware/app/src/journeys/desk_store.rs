//! The desk journey's effects that need the store (firmware/journey/src/desk.rs is the journey
//! itself): [`perform`] checks staff cards and PINs (argon2id, lockout), claims visits,
//! registers services and transfers (a case of kind `transfer`, through the kiosk's own
//! registration), records meeting forms, queues reprints and loads the day's summary, each
//! with its outbox item, and answers with the event to feed back; every refusal comes back as a
//! Persian message for the screen. The current time and the records' idempotency keys are made
//! here, not in the journey.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kiosk_core::CaseKind;
use kiosk_core::digits::{to_ascii_digits, to_persian_digits};
use kiosk_core::jalali::tehran_date;
use kiosk_core::satisfaction::ListedKey;
use kiosk_core::{
    JalaliDate, KioskNumber, NationalCode, NationalCodePolicy, TrackingCode, satisfaction,
};
use kiosk_journey::VisitorInput;
use kiosk_journey::desk::{
    DaySummary, DeskEffect, DeskEvent, MeetingDraft, StaffView, TransferDraft,
};
use kiosk_store::{DeskError, NewMeeting, NewService, PinPolicy, Store};
use uuid::Uuid;

use crate::registration::Registrar;

/// What [`perform`] needs from the terminal.
pub struct DeskContext<'a, K: Fn(KioskNumber) -> Vec<ListedKey>> {
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
    /// The configured portal (`receipt.portal_url`): a scanned satisfaction URL must be under it.
    pub portal: &'a satisfaction::Portal,
    /// The office's staff accounts at the agency server, when the terminal syncs through one.
    pub remote_staff: Option<&'a dyn RemoteStaff>,
    /// The catalogue's services (firmware/core/src/catalogue.rs): a typed service identifier
    /// must be one of them when the catalogue lists any (kiosk.toml's lists none).
    pub services: &'a [kiosk_core::Service],
    /// The terminal's configuration (catalogue, calendar, unit), for the cases staff register
    /// here (transfers); `None`: this terminal registers none, and a transfer is refused.
    pub config: Option<&'a kiosk_config::KioskConfig>,
}

/// What the agency server said to a staff login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteLogin {
    /// The office's account: this name.
    Accepted {
        /// The name the desk shows.
        display_name: String,
    },
    /// Refused (wrong code or PIN, or locked at every desk): the Persian message to show.
    Refused(String),
    /// The server could not be asked (why, in English): the terminal's own copy decides.
    Unreachable(String),
}

/// Staff logins with the office's accounts (firmware/app/src/device/office.rs over the sync
/// client; server/src/staff.rs at the server).
pub trait RemoteStaff: Send {
    /// Logs `employee_code` in with `pin`.
    fn login(&self, employee_code: &str, pin: &str) -> RemoteLogin;
}

/// A login the office's server accepted, kept in the terminal's own staff table (its PIN as
/// an argon2id hash) so that the member can log in here while the server is out of reach, and
/// their claims and services have a staff row.
fn keep_office_login(
    store: &mut Store,
    employee_code: &str,
    display_name: &str,
    pin: &str,
    policy: &PinPolicy,
) -> Result<i64, DeskError> {
    let hash = kiosk_store::hash_pin(pin, policy)?;
    match store.staff_by_employee_code(employee_code)? {
        Some(existing) => {
            store.set_staff_pin(employee_code, &hash)?;
            Ok(existing.id)
        }
        None => Ok(store.insert_staff(kiosk_store::NewStaff {
            employee_code: employee_code.to_owned(),
            display_name: display_name.to_owned(),
            pin_hash: hash,
            active: true,
        })?),
    }
}

/// The visit a scanned receipt or satisfaction code names: a tracking code (digits, Persian or
/// ASCII, grouped or not), or a satisfaction code under the configured `portal`, which must
/// verify.
pub fn visit_of(
    scanned: &str,
    portal: &satisfaction::Portal,
    keys: impl Fn(KioskNumber) -> Vec<ListedKey>,
    now: DateTime<Utc>,
) -> Result<TrackingCode, String> {
    if let Ok(code) = TrackingCode::parse(&to_ascii_digits(scanned.trim())) {
        return Ok(code);
    }
    satisfaction::verify_at(scanned, portal, keys, satisfaction::visit_kiosk_only, now)
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
pub fn perform<K: Fn(KioskNumber) -> Vec<ListedKey>>(
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
            if let Some(remote) = ctx.remote_staff {
                match remote.login(&employee_code, pin) {
                    RemoteLogin::Accepted { display_name } => {
                        return Some(
                            match keep_office_login(
                                ctx.store,
                                &employee_code,
                                &display_name,
                                pin,
                                &ctx.pin_policy,
                            ) {
                                Ok(staff_id) => DeskEvent::LoggedIn(StaffView {
                                    staff_id,
                                    employee_code,
                                    display_name,
                                }),
                                Err(e) => refused(e),
                            },
                        );
                    }
                    RemoteLogin::Refused(message) => return Some(DeskEvent::Refused(message)),
                    RemoteLogin::Unreachable(why) => {
                        tracing::warn!(reason = %why, "office server not reached; this desk's own staff copy decides");
                    }
                }
            }
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
        DeskEffect::Claim { staff_id, scanned } => {
            match visit_of(scanned, ctx.portal, &ctx.keys, ctx.now) {
                Err(message) => DeskEvent::Refused(message),
                Ok(code) => match ctx.store.claim_visit(&code, *staff_id, ctx.kiosk, ctx.now) {
                    Ok(_) => {
                        DeskEvent::Done(format!("مراجعه {} به نام شما ثبت شد.", code.grouped_fa()))
                    }
                    Err(e) => refused(e),
                },
            }
        }
        DeskEffect::RegisterService {
            staff_id,
            service_id,
            visit,
        } => {
            let service_id = match service_in_catalogue(ctx.services, service_id) {
                Ok(id) => id,
                Err(message) => return Some(DeskEvent::Refused(message)),
            };
            let code = match visit
                .as_deref()
                .map(|v| visit_of(v, ctx.portal, &ctx.keys, ctx.now))
            {
                Some(Err(message)) => return Some(DeskEvent::Refused(message)),
                Some(Ok(code)) => Some(code),
                None => None,
            };
            let national_code = match code {
                Some(c) => match ctx.store.case_by_tracking_code(&c) {
                    // A purged case names nobody any more; a visitor without a national code
                    // is named by the case alone (the service keeps no foreign identifier).
                    Ok(case) => case
                        .and_then(|c| c.visitor)
                        .and_then(|v| v.national_code().cloned()),
                    Err(e) => return Some(refused(DeskError::Store(e))),
                },
                None => None,
            };
            let new = NewService {
                client_uuid: Uuid::new_v4(),
                kiosk: ctx.kiosk,
                service_id,
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
        DeskEffect::RegisterTransfer { staff_id, draft } => {
            match register_transfer(ctx.config, ctx.store, draft, ctx.now) {
                Ok(notice) => {
                    tracing::info!(staff_id, "transfer registered at the desk");
                    DeskEvent::Done(notice)
                }
                Err(message) => DeskEvent::Refused(message),
            }
        }
        // Printing is the worker's: the device hands the reprint over (device/journey.rs).
        DeskEffect::Reprint { .. } | DeskEffect::LoadOwed => return None,
        DeskEffect::LoadSummary { staff_id } => match day_summary(ctx, *staff_id) {
            Ok(summary) => DeskEvent::SummaryLoaded(summary),
            Err(e) => refused(e),
        },
    })
}

/// Registers the transfer form as a case of kind `transfer` (seed 000 §1, انتقال) by the
/// registration every case goes through (firmware/app/src/registration.rs: the national code,
/// the description and the response date checked there, nothing written on a refusal); the
/// subject must be one the form offered. The Persian notice names the tracking code and the
/// response date; the refusal is Persian for the screen, the log line English.
pub fn register_transfer(
    config: Option<&kiosk_config::KioskConfig>,
    store: &mut Store,
    draft: &TransferDraft,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let Some(config) = config else {
        tracing::warn!("transfer refused: this terminal registers no cases");
        return Err("ثبت انتقال در این دستگاه ممکن نیست؛ به پشتیبانی اطلاع دهید.".to_owned());
    };
    let subjects = kiosk_journey::desk::transfer_subjects(&config.catalogue);
    let Some(subject) = draft
        .subject_id
        .as_deref()
        .and_then(|id| subjects.iter().find(|s| s.id == id))
    else {
        tracing::warn!("transfer refused: no subject of the catalogue chosen");
        return Err("موضوع انتقال را از فهرست برگزینید.".to_owned());
    };
    let input = VisitorInput {
        national_code: draft.national_code.clone(),
        kind: Some(CaseKind::Transfer),
        subject_id: subject.id.clone(),
        service_id: config
            .catalogue
            .get(&subject.id)
            .and_then(|s| s.service_id.clone()),
        description: draft.description.clone(),
        ..VisitorInput::default()
    };
    match Registrar::new(config).register(store, &input, now) {
        Ok(registered) => {
            let mut notice = format!(
                "انتقال با کد رهگیری {} ثبت شد.",
                registered.case.tracking_code.grouped_fa()
            );
            if let Some(due) = registered.due {
                notice.push_str(&format!(" پاسخ تا {}.", due.jalali.format_fa()));
            }
            Ok(notice)
        }
        Err(e) => {
            tracing::warn!(error = %e, "transfer refused");
            Err(e.message_fa().to_owned())
        }
    }
}

/// The service identifier (شناسه خدمت, seed 001) typed at the desk, in ASCII digits, if the
/// catalogue lists it, or when the catalogue lists no services (kiosk.toml's lists none: any
/// identifier the store accepts); otherwise why not, in Persian for the staff member.
pub fn service_in_catalogue(
    services: &[kiosk_core::Service],
    typed: &str,
) -> Result<String, String> {
    let id = to_ascii_digits(typed.trim());
    if services.is_empty() || services.iter().any(|s| s.service_id == id) {
        return Ok(id);
    }
    tracing::info!("a service identifier not in the catalogue was refused at the desk");
    Err(format!(
        "شناسه خدمت {} در فهرست خدمات این دستگاه نیست؛ شناسه را بررسی کنید.",
        to_persian_digits(&id)
    ))
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
fn day_summary<K: Fn(KioskNumber) -> Vec<ListedKey>>(
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
    use kiosk_core::MeetingResult;

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

    #[test]
    fn a_service_identifier_must_be_the_catalogues_when_it_lists_services() {
        let services = [kiosk_core::Service {
            id: "SRV-12".into(),
            label_fa: "صدور گواهی".into(),
            label_en: "Certificate".into(),
            service_id: "12011234567".into(),
            next_visit: None,
        }];
        assert_eq!(
            service_in_catalogue(&services, " ۱۲۰۱۱۲۳۴۵۶۷ "),
            Ok("12011234567".to_owned())
        );
        let refused = service_in_catalogue(&services, "11021").unwrap_err();
        assert!(
            refused.contains("۱۱۰۲۱") && refused.contains("فهرست خدمات"),
            "{refused}"
        );
        // A catalogue without services (kiosk.toml's) leaves the store's own checks.
        assert_eq!(service_in_catalogue(&[], "11021"), Ok("11021".to_owned()));
    }
}
