//! What the store benches register: one visitor's complaint with a long Persian description,
//! as a kiosk writes it.

use chrono::{DateTime, Utc};
use kiosk_core::working_days::{DueDatePolicy, due_date};
use kiosk_core::{CaseKind, KioskNumber, MobileNumber, NationalCode};
use kiosk_store::NewCase;
use uuid::Uuid;

/// A complaint by `national_code` registered at `registered_at`.
pub fn new_case(national_code: &NationalCode, registered_at: DateTime<Utc>) -> NewCase {
    NewCase {
        kiosk: KioskNumber::new(42).expect("valid kiosk"),
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: "SUBJ-3".to_owned(),
        service_id: Some("SRV-12".to_owned()),
        visitor: national_code.clone().into(),
        phone: MobileNumber::parse("09121234567").ok(),
        notice_consent_at: None,
        description: "پاسخ نامه‌ی من پس از سه ماه داده نشده است. ".repeat(8),
        registered_at,
        due: due_date(
            registered_at,
            CaseKind::Complaint,
            None,
            &DueDatePolicy::default(),
        )
        .expect("due date"),
        unit: "روابط عمومی".to_owned(),
        official_tier: None,
        next_visit: None,
    }
}
