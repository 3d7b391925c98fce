//! Built-in sample slips: for `kioskctl receipt preview`, the golden images, the tests and the
//! benchmark. The case has a long Persian description with Latin words, digits, ZWNJ and an
//! emoji, so every preview exercises the hard parts of the layout.

use chrono::{DateTime, Utc};
use kiosk_core::working_days::due_date;
use kiosk_core::{
    CaseKind, DueDatePolicy, KioskNumber, MobileNumber, NationalCode, NationalCodePolicy,
    TrackingCode,
};

use crate::content::{GuidanceSlip, ReceiptCase, ReceiptContent, ServiceSlip, Variant};

/// 2026-11-23 10:30 in Tehran (07:00 UTC), a Monday (2 Azar 1405).
pub fn sample_time() -> DateTime<Utc> {
    #[allow(clippy::expect_used)]
    DateTime::from_timestamp(1_795_417_200, 0).expect("constant instant")
}

/// The sample tracking code (kiosk 12, sequence 427).
pub fn sample_tracking() -> TrackingCode {
    #[allow(clippy::expect_used)]
    TrackingCode::new(KioskNumber::new(12).expect("constant"), 427).expect("constant")
}

/// The sample satisfaction URL: the shape of a signed token (version, ids, times, 64-byte
/// signature in base64url), not a real signature.
pub const SAMPLE_SATISFACTION_URL: &str = "https://samad.example.ir/s/AQAADAAAAasAAAAAAAAAFQBpI9EAaTDxAN9kN3Zm0m2bq8cC4X5uSg7wYt1PzLh0bQ2aVf3JkR8eOy6sMd9WnE4iTcGxU5pAoZr1vBqH7yKjDl0FhN2tXs3cBzY8mUw";

/// A complaint with a long Persian description.
pub fn sample_case() -> ReceiptCase {
    let at = sample_time();
    let kind = CaseKind::Complaint;
    #[allow(clippy::expect_used)]
    let national_code =
        NationalCode::parse("1234567891", &NationalCodePolicy::default()).expect("constant");
    ReceiptCase {
        agency: "اداره‌ی کل ثبت اسناد و املاک استان تهران".to_owned(),
        desk: "میز خدمت شماره‌ی ۳ — طبقه‌ی همکف".to_owned(),
        kind,
        subject: "تأخیر در صدور سند مالکیت".to_owned(),
        tracking: sample_tracking(),
        registered_at: at,
        due: due_date(at, kind, None, &DueDatePolicy::default()).ok().flatten(),
        next_visit: None,
        escalation: None,
        visitor: Some(national_code.into()),
        mobile: MobileNumber::parse("09121234567").ok(),
        description: "با سلام؛ اینجانب در تاریخ ۱۴۰۵/۰۶/۱۲ درخواست صدور سند تک‌برگ برای ملک پلاک ۱۲۳/۴۵ را ثبت کردم و کد پیگیری 98765 دریافت کردم. با وجود گذشت بیش از دو ماه و چند بار مراجعه‌ی حضوری، هنوز پاسخی داده نشده و در سامانه‌ی online نیز وضعیت «در حال بررسی» نمایش داده می‌شود. لطفاً علت تأخیر را بررسی و نتیجه را از طریق پیامک اطلاع دهید. 🙏 با تشکر".to_owned(),
        description_lines: 0,
        portal_url: "https://samad.example.ir".to_owned(),
        phone: "111".to_owned(),
        satisfaction_url: Some(SAMPLE_SATISFACTION_URL.to_owned()),
        footer: "این رسید را تا پایان رسیدگی نگه دارید.".to_owned(),
        logo: None,
    }
}

/// A complaint about a provincial official (seed 000 §10-3): the receipt names the
/// governor-general as its authority.
pub fn sample_escalated_case() -> ReceiptCase {
    ReceiptCase {
        subject: "رفتار مسئولان".to_owned(),
        escalation: Some(
            kiosk_core::escalation::OfficialTier::Province
                .escalation()
                .summary_fa(),
        ),
        ..sample_case()
    }
}

/// A consultation whose next visit is the office's weekly meeting day (Tuesday): registered on
/// Monday 2 Azar 1405, the visitor comes back on Tuesday 3 Azar.
pub fn sample_consultation() -> ReceiptCase {
    let at = sample_time();
    #[allow(clippy::expect_used)]
    let visit = kiosk_core::next_visit::next_visit(
        at,
        kiosk_core::NextVisitRule::Weekly(chrono::Weekday::Tue),
        &kiosk_core::WorkingCalendar::default(),
    )
    .expect("a constant day inside the calendar");
    ReceiptCase {
        kind: CaseKind::Consultation,
        subject: "مشاوره‌ی ثبت سند تک‌برگ".to_owned(),
        due: None,
        next_visit: Some(visit),
        ..sample_case()
    }
}

/// A request of a foreign resident identified by passport and country (docs/identity.md): the
/// receipt prints the passport masked under its own name, never «کد ملی».
pub fn sample_foreign_visitor() -> ReceiptCase {
    let policy = kiosk_core::IdentityPolicy {
        passport: true,
        ..Default::default()
    };
    #[allow(clippy::expect_used)]
    let visitor = kiosk_core::VisitorId::parse(
        kiosk_core::IdentityKind::Passport,
        "P01234567",
        Some("AFG"),
        &policy,
    )
    .expect("a constant passport");
    let at = sample_time();
    let kind = CaseKind::Request;
    ReceiptCase {
        kind,
        subject: "تمدید پروانه‌ی اقامت".to_owned(),
        due: due_date(at, kind, None, &DueDatePolicy::default())
            .ok()
            .flatten(),
        visitor: Some(visitor),
        description: "درخواست پیگیری تمدید پروانه‌ی اقامت خانواده.".to_owned(),
        ..sample_case()
    }
}

/// A guidance slip for an out-of-scope subject.
pub fn sample_guidance() -> GuidanceSlip {
    GuidanceSlip {
        agency: "اداره‌ی کل ثبت اسناد و املاک استان تهران".to_owned(),
        desk: "میز خدمت شماره‌ی ۳ — طبقه‌ی همکف".to_owned(),
        subject: "تعویض پلاک خودرو".to_owned(),
        destination: "مراکز تعویض پلاک پلیس راهور".to_owned(),
        destination_details: "نزدیک‌ترین مرکز: تهران، خیابان آزادی، نبش کوچه‌ی ۱۲. ساعت کار شنبه تا پنجشنبه ۸ تا ۱۶. نوبت‌گیری اینترنتی الزامی است.".to_owned(),
        destination_url: Some("https://rahvar.example.ir/plak".to_owned()),
        issued_at: sample_time(),
        footer: "این برگه رسید ثبت پرونده نیست.".to_owned(),
        logo: None,
    }
}

/// A staff service slip.
pub fn sample_service() -> ServiceSlip {
    ServiceSlip {
        agency: "اداره‌ی کل ثبت اسناد و املاک استان تهران".to_owned(),
        desk: "میز خدمت شماره‌ی ۳ — طبقه‌ی همکف".to_owned(),
        service: "پاسخ حضوری به استعلام وضعیت پرونده".to_owned(),
        service_id: Some("10021345".to_owned()),
        staff_name: "مریم کریمی".to_owned(),
        employee_code: Some("EMP-4471".to_owned()),
        tracking: Some(sample_tracking()),
        served_at: sample_time(),
        satisfaction_url: Some(SAMPLE_SATISFACTION_URL.to_owned()),
        footer: "از اینکه به ما اعتماد کردید سپاسگزاریم.".to_owned(),
        logo: None,
    }
}

/// The sample of a variant (the reprint is printed an hour after registration).
pub fn sample_variant(variant: Variant) -> ReceiptContent {
    let built = match variant {
        Variant::Receipt => ReceiptContent::receipt(&sample_case()),
        Variant::Reprint => {
            ReceiptContent::reprint(&sample_case(), sample_time() + chrono::Duration::hours(1))
        }
        Variant::Guidance => ReceiptContent::guidance(&sample_guidance()),
        Variant::ServiceSlip => ReceiptContent::service_slip(&sample_service()),
    };
    // The samples are constants checked by the tests: failing here is a build defect.
    #[allow(clippy::expect_used)]
    built.expect("sample content is valid")
}

/// The standard sample receipt (a complaint with a long description).
pub fn sample() -> ReceiptContent {
    sample_variant(Variant::Receipt)
}
