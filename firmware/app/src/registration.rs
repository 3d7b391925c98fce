//! Registering a visitor's case: from raw input to a committed case.
//!
//! Everything a visitor typed is checked *before* the store is touched, so bad input loses
//! nothing and changes nothing on disk; each refusal carries a Persian message for the screen
//! and an English one for the log. The receipt may be printed only after [`Registrar::register`]
//! returns: by then the case, its first event and its outbox row are committed together.

use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_core::NextVisit;
use kiosk_core::next_visit::next_visit;
use kiosk_core::working_days::{DueDateError, due_date};
use kiosk_core::{
    CaseKind, IdentityError, IdentityKind, MobileNumber, MobileNumberError, NationalCodeError,
    VisitorId,
};
use kiosk_store::{NewCase, RegisteredCase, Store, StoreError};

// The visitor's input is the journey's (firmware/journey/src/input.rs); re-exported here so
// `registration::VisitorInput` keeps its path.
pub use kiosk_journey::{MAX_DESCRIPTION_CHARS, VisitorInput};

/// Why a case was not registered.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The national code was refused.
    #[error("national code refused: {0}")]
    NationalCode(#[from] NationalCodeError),
    /// The foreign identifier or passport was refused (or is not accepted here).
    #[error("identifier refused ({reason}): {0}", reason = .0.reason_code())]
    Identity(IdentityError),
    /// The mobile number was refused.
    #[error("mobile number refused: {0}")]
    Mobile(#[from] MobileNumberError),
    /// The visitor agreed to SMS notices but gave no mobile number (the journey never lets
    /// this through; refused here too so no consent is kept without a number).
    #[error("consent to SMS notices without a mobile number")]
    ConsentWithoutMobile,
    /// No case kind was chosen.
    #[error("no case kind chosen")]
    NoKind,
    /// No subject was chosen.
    #[error("no subject chosen")]
    NoSubject,
    /// The description is empty where the kind needs one.
    #[error("description is empty")]
    EmptyDescription,
    /// The description is too long.
    #[error("description has {0} characters, at most {MAX_DESCRIPTION_CHARS} are accepted")]
    DescriptionTooLong(usize),
    /// No response date could be computed (configuration problem).
    #[error("response date: {0}")]
    DueDate(#[from] DueDateError),
    /// The store refused or failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl RegistrationError {
    /// The message shown to the visitor, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::NationalCode(e) => e.message_fa(),
            Self::Identity(e) => e.message_fa(),
            Self::Mobile(e) => e.message_fa(),
            Self::ConsentWithoutMobile => {
                "برای فرستادن پیامک، شماره همراه لازم است. شماره را وارد کنید یا انتخاب پیامک را بردارید."
            }
            Self::NoKind => "لطفاً نوع درخواست را انتخاب کنید.",
            Self::NoSubject => "لطفاً موضوع را انتخاب کنید.",
            Self::EmptyDescription => "لطفاً شرح درخواست را بنویسید.",
            Self::DescriptionTooLong(_) => {
                "شرح درخواست بیش از اندازه بلند است؛ لطفاً کوتاه‌تر بنویسید."
            }
            Self::DueDate(e) => e.message_fa(),
            Self::Store(_) => {
                "ثبت درخواست ممکن نشد؛ لطفاً به کارمند میز اطلاع دهید. اطلاعات شما از بین نرفته است."
            }
        }
    }
}

/// Registers cases for one kiosk.
pub struct Registrar<'a> {
    config: &'a KioskConfig,
}

/// A committed case and what the receipt needs to show about it.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The store's record of the registration.
    pub case: RegisteredCase,
    /// The kind of case.
    pub kind: CaseKind,
    /// The validated identifier (national code, foreign identifier or passport).
    pub visitor: VisitorId,
    /// The validated mobile number.
    pub mobile: Option<MobileNumber>,
    /// The response date, when one is owed.
    pub due: Option<kiosk_core::DueDate>,
    /// The next visit or final-service day, when no later answer is owed.
    pub next_visit: Option<NextVisit>,
}

impl<'a> Registrar<'a> {
    /// A registrar for the configured kiosk.
    pub fn new(config: &'a KioskConfig) -> Self {
        Self { config }
    }

    /// Checks everything the visitor entered; nothing is written.
    pub fn validate(
        &self,
        input: &VisitorInput,
        now: DateTime<Utc>,
    ) -> Result<NewCase, RegistrationError> {
        let policy = &self.config.identity_policy;
        let visitor = match &input.other_id {
            None => VisitorId::parse(
                IdentityKind::NationalCode,
                &input.national_code,
                None,
                policy,
            ),
            Some(other) => VisitorId::parse(other.kind, &other.value, Some(&other.country), policy),
        }
        .map_err(|e| match e {
            IdentityError::NationalCode(e) => RegistrationError::NationalCode(e),
            e => RegistrationError::Identity(e),
        })?;
        let kind = input.kind.ok_or(RegistrationError::NoKind)?;
        let subject_id = input.subject_id.trim();
        if subject_id.is_empty() {
            return Err(RegistrationError::NoSubject);
        }
        let description = input.description.trim();
        let description_chars = description.chars().count();
        if description_chars > MAX_DESCRIPTION_CHARS {
            return Err(RegistrationError::DescriptionTooLong(description_chars));
        }
        if description.is_empty()
            && !matches!(kind, CaseKind::ServiceRegistration | CaseKind::Consultation)
        {
            return Err(RegistrationError::EmptyDescription);
        }
        let phone = match input.mobile.trim() {
            "" => None,
            text => Some(MobileNumber::parse(text)?),
        };
        // The consent to SMS notices is confirmed with the case: it dates from its commit.
        let notice_consent_at = match (input.notice_consent, &phone) {
            (false, _) => None,
            (true, Some(_)) => Some(now),
            (true, None) => return Err(RegistrationError::ConsentWithoutMobile),
        };
        let service_id = input
            .service_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let due = due_date(now, kind, service_id, &self.config.due_date_policy)?;
        let next_visit = match due {
            Some(_) => None,
            None => Some(self.next_visit(now, kind, subject_id, service_id)?),
        };
        Ok(NewCase {
            kiosk: self.config.kiosk_number,
            client_uuid: uuid::Uuid::new_v4(),
            kind,
            subject_id: subject_id.to_owned(),
            service_id: service_id.map(str::to_owned),
            visitor,
            phone,
            notice_consent_at,
            description: description.to_owned(),
            registered_at: now,
            due,
            unit: self.config.unit.clone(),
            official_tier: input.official.filter(|_| kind == CaseKind::Complaint),
            next_visit,
        })
    }

    /// The next visit or final-service day of a case that owes no later answer (docs/rules.md
    /// R-000-4.4): by the catalogue's rule for its subject or service, else kiosk.toml's
    /// default for the kind. A catalogue rule that gives no day on this kiosk's calendar (a
    /// weekly day the office does not work) is logged in English and the default used.
    fn next_visit(
        &self,
        now: DateTime<Utc>,
        kind: CaseKind,
        subject_id: &str,
        service_id: Option<&str>,
    ) -> Result<NextVisit, DueDateError> {
        let policy = &self.config.due_date_policy;
        let default = policy.next_visit_rule_for(kind, None);
        if let Some(rule) = self
            .config
            .catalogue
            .next_visit_rule(subject_id, service_id)
        {
            match rule
                .check(&policy.calendar)
                .and_then(|()| next_visit(now, rule, &policy.calendar).map_err(|e| e.to_string()))
            {
                Ok(visit) => return Ok(visit),
                Err(why) => tracing::warn!(
                    subject = %subject_id.escape_debug(),
                    %why,
                    default = %default,
                    "the catalogue's next-visit rule gives no day; kiosk.toml's default applies"
                ),
            }
        }
        next_visit(now, default, &policy.calendar)
    }

    /// Validates and commits a case in one transaction.
    pub fn register(
        &self,
        store: &mut Store,
        input: &VisitorInput,
        now: DateTime<Utc>,
    ) -> Result<Registered, RegistrationError> {
        let new_case = self.validate(input, now)?;
        let visitor = new_case.visitor.clone();
        let mobile = new_case.phone.clone();
        let due = new_case.due;
        let next_visit = new_case.next_visit;
        let kind = new_case.kind;
        let case = store.register_case(new_case)?;
        tracing::info!(tracking_code = %case.tracking_code, id_kind = visitor.kind().as_str(), visitor = %visitor, "case registered");
        Ok(Registered {
            case,
            kind,
            visitor,
            mobile,
            due,
            next_visit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_visit_comes_from_the_subject_the_service_or_the_kinds_default() {
        use chrono::Weekday;
        use kiosk_core::NextVisitRule;
        let mut config = kiosk_config::parse(
            "[kiosk]\nnumber = 7\nagency = \"الف\"\ndesk = \"ب\"\n\
             [next_visit]\nconsultation = \"working_days:2\"\n\
             [[subject]]\nid = \"plain\"\nlabel_fa = \"الف\"\n\
             [[subject]]\nid = \"weekly\"\nlabel_fa = \"ب\"\nnext_visit = \"weekly:tuesday\"\n\
             [[subject]]\nid = \"served\"\nlabel_fa = \"پ\"\nservice_id = \"1201\"\n\
             [[subject]]\nid = \"friday\"\nlabel_fa = \"ت\"\n",
            std::path::Path::new("/"),
        )
        .expect("a configuration");
        // A downloaded catalogue's rules: one for a service, one a weekend day (which
        // kiosk.toml would have refused; the default stands in for it).
        config.catalogue.services.push(kiosk_core::Service {
            id: "SRV".into(),
            label_fa: "خدمت".into(),
            label_en: "Service".into(),
            service_id: "1201".into(),
            next_visit: Some(NextVisitRule::AtDeskNow),
        });
        if let Some(s) = config
            .catalogue
            .subjects
            .iter_mut()
            .find(|s| s.id == "friday")
        {
            s.next_visit = Some(NextVisitRule::Weekly(Weekday::Fri));
        }
        // Saturday 1404-08-03, 10:00 in Tehran.
        let now = chrono::DateTime::parse_from_rfc3339("2025-10-25T10:00:00+03:30")
            .expect("a time")
            .to_utc();
        let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("a day");
        let table = [
            (
                CaseKind::Consultation,
                "plain",
                Some(("working_days:2", Some("2025-10-27"))),
            ),
            (
                CaseKind::Consultation,
                "weekly",
                Some(("weekly:tuesday", Some("2025-10-28"))),
            ),
            (CaseKind::Consultation, "served", Some(("at_desk", None))),
            (
                CaseKind::Consultation,
                "friday",
                Some(("working_days:2", Some("2025-10-27"))),
            ),
            (CaseKind::Appreciation, "plain", Some(("at_desk", None))),
            (CaseKind::Complaint, "weekly", None),
        ];
        for (kind, subject, expected) in table {
            let input = VisitorInput {
                national_code: "0499370899".into(),
                kind: Some(kind),
                subject_id: subject.into(),
                service_id: config
                    .catalogue
                    .get(subject)
                    .and_then(|s| s.service_id.clone()),
                description: "شرح".into(),
                ..VisitorInput::default()
            };
            let new = Registrar::new(&config)
                .validate(&input, now)
                .expect("valid input");
            let got = new.next_visit.map(|v| (v.rule.to_string(), v.day));
            let want = expected.map(|(rule, d)| (rule.to_owned(), d.map(day)));
            assert_eq!(got, want, "{kind} on {subject}");
            assert_eq!(new.due.is_some(), expected.is_none(), "{kind} on {subject}");
        }
    }

    /// Kiosk 7 with nothing but the required keys.
    fn minimal_config() -> kiosk_config::KioskConfig {
        kiosk_config::parse(
            "[kiosk]\nnumber = 7\nagency = \"الف\"\ndesk = \"ب\"\n",
            std::path::Path::new("/"),
        )
        .expect("a minimal configuration")
    }

    /// A complaint a visitor typed, no mobile.
    fn complaint() -> VisitorInput {
        VisitorInput {
            national_code: "0499370899".into(),
            kind: Some(CaseKind::Complaint),
            subject_id: "s".into(),
            description: "شرح".into(),
            ..VisitorInput::default()
        }
    }

    #[test]
    fn a_consent_to_sms_notices_dates_from_the_commit_and_needs_a_mobile_number() {
        let config = minimal_config();
        let input = VisitorInput {
            mobile: "09121234567".into(),
            notice_consent: true,
            ..complaint()
        };
        let now = chrono::DateTime::parse_from_rfc3339("2025-10-25T10:00:00+03:30")
            .expect("a time")
            .to_utc();
        let registrar = Registrar::new(&config);
        let new = registrar.validate(&input, now).expect("valid input");
        assert_eq!(new.notice_consent_at, Some(now));
        let declined = VisitorInput {
            notice_consent: false,
            ..input.clone()
        };
        let new = registrar.validate(&declined, now).expect("valid input");
        assert_eq!(new.notice_consent_at, None);
        assert!(new.phone.is_some(), "the number is kept without a consent");
        let no_number = VisitorInput {
            mobile: String::new(),
            ..input
        };
        let err = registrar.validate(&no_number, now).expect_err("refused");
        assert!(
            matches!(err, RegistrationError::ConsentWithoutMobile),
            "{err:?}"
        );
        assert!(err.message_fa().contains("شماره همراه لازم است"));
    }

    #[test]
    fn a_clock_outside_the_calendar_range_is_refused_in_persian_for_the_visitor_and_english_for_the_log()
     {
        let config = minimal_config();
        let input = complaint();
        let registrar = Registrar::new(&config);
        let now = chrono::NaiveDate::from_ymd_opt(2200, 1, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("a day")
            .and_utc();
        let err = registrar.validate(&input, now).expect_err("out of range");
        assert!(
            matches!(
                err,
                RegistrationError::DueDate(DueDateError::OutOfRange { .. })
            ),
            "{err:?}"
        );
        let log = err.to_string();
        assert!(
            log.contains("2200-01-01") && log.contains("outside the calendar range"),
            "{log}"
        );
        let fa = err.message_fa();
        assert!(fa.contains("تقویم"), "{fa}");
        assert!(!fa.chars().any(|c| c.is_ascii_alphabetic()), "{fa}");
        // Inside the range the same input is accepted.
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("a day")
            .and_utc();
        assert!(registrar.validate(&input, today).is_ok());
    }
}
