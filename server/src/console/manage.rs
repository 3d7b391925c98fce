//! What the console's management pages share ([`super::manage_devices`],
//! [`super::manage_staff`], [`super::manage_catalogue`]): their words in both languages, the
//! manager check, the CSRF check of their forms and the sub-menu.
//!
//! Every management route answers a viewer account 403 (the page says the account only
//! reads), a post without the session's CSRF token 403 before anything is looked at, and what
//! is outside the account's scope 404 with the same page as what does not exist. Each change
//! writes one row of `console_audit` in the transaction that makes it (the functions it calls
//! in `auth`, `staff` and `catalogue` do), naming the account, never a code, token or PIN.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};

use super::accounts::{Account, ConsoleError, scope_filter};
use super::pages::{self, Lang, Section};
use super::{ConsoleState, Session, html, lang_of, same_token, session};

/// The management pages' text `key` in `lang` (kept apart from [`pages::t`], the other pages').
pub fn tm(lang: Lang, key: &str) -> &'static str {
    let (fa, en) = match key {
        "devices" => ("دستگاه‌ها", "Devices"),
        "staff" => ("کارکنان میز خدمت", "Desk staff"),
        "catalogue" => ("فهرست خدمات و موضوع‌ها", "Catalogue"),
        "manage_nav" => ("بخش‌های مدیریت", "Management sections"),
        "viewer_only" => (
            "این حساب فقط خواندنی است؛ تغییرات با حساب مدیر انجام می‌شود.",
            "This account only reads; changes are made by a manager's account.",
        ),
        "kiosk_number" => ("شماره دستگاه", "Device number"),
        "role" => ("نقش", "Role"),
        "role_kiosk" => ("کیوسک مراجعان", "Visitor kiosk"),
        "role_desk" => ("پایانه میز خدمت", "Service desk terminal"),
        "role_legacy" => (
            "بدون نقش (ثبت‌شده پیش از نقش‌ها)",
            "No role (enrolled before roles)",
        ),
        "enrolled" => ("ثبت دستگاه", "Enrolled"),
        "no_device" => ("دستگاه فعالی ندارد", "No active device"),
        "active" => ("فعال", "Active"),
        "make_code" => ("ساخت کد ثبت دستگاه", "Make an enrolment code"),
        "make_code_note" => (
            "کد یک بار و تا ۲۴ ساعت کار می‌کند و فقط همین یک بار نشان داده می‌شود. ثبت دستگاهی تازه با همین شماره، دستگاه قبلی را کنار می‌گذارد.",
            "The code works once, for 24 hours, and is shown this once only. Enrolling a new device under the same number retires the previous one.",
        ),
        "make" => ("ساخت کد", "Make the code"),
        "code_made" => ("کد ثبت دستگاه ساخته شد", "Enrolment code made"),
        "code_once" => (
            "این کد را اکنون یادداشت کنید یا به نصاب بدهید: دوباره نشان داده نمی‌شود و در سرور فقط چکیده‌اش نگه داشته می‌شود.",
            "Write this code down or give it to the installer now: it is not shown again, and the server keeps only its digest.",
        ),
        "for_kiosk" => ("برای دستگاه", "For device"),
        "bad_kiosk" => (
            "شماره دستگاه باید عددی از ۱ تا ۹۹۹۹۹ باشد.",
            "The device number must be a number from 1 to 99999.",
        ),
        "bad_role" => (
            "نقش را انتخاب کنید: کیوسک مراجعان یا پایانه میز خدمت.",
            "Choose a role: visitor kiosk or service desk terminal.",
        ),
        "kiosk_not_here" => (
            "این شماره دستگاه در دفترهای حوزه شما نیست. شماره تازه را نخست مدیر کل دستگاه در دفتری قرار می‌دهد.",
            "This device number is in no office of your scope. A new number is first placed in an office by an agency account.",
        ),
        "new_number_note" => (
            "شماره‌های دستگاه دفترهای حوزه شما اینجا هستند؛ شماره تازه را نخست یک حساب کل دستگاه در دفتری قرار می‌دهد.",
            "Your scope's offices' device numbers are listed here; a new number is first placed in an office by an agency account.",
        ),
        "details" => ("جزئیات", "Details"),
        "manage_device" => ("مدیریت", "Manage"),
        "certificates" => ("گواهی‌های فعال", "Active certificates"),
        "sat_key" => ("کلید امضای کد رضایت", "Satisfaction signing key"),
        "sat_key_none" => ("منتشر نشده", "Not published"),
        "retired_keys" => (
            "کلیدهای کنارگذاشته (هنوز پذیرفته)",
            "Retired keys (still accepted)",
        ),
        "pending_codes" => ("کدهای ثبت استفاده‌نشده", "Unused enrolment codes"),
        "last_revoked" => ("آخرین ابطال", "Last revoked"),
        "revoke" => ("ابطال دستگاه", "Revoke the device"),
        "revoke_confirm" => (
            "دستگاه این شماره از درخواست بعدی‌اش پذیرفته نمی‌شود: توکن و گواهی‌اش باطل و کلید رضایتش و کلیدهای کنارگذاشته‌ی این شماره از فهرست ناوگان حذف می‌شود. برای دستگاه گمشده، دزدیده‌شده یا آلوده. این کار برگشت ندارد؛ دستگاه باید با کدی تازه دوباره ثبت شود.",
            "This number's device is refused from its next request: its token and certificate are revoked, and its satisfaction key and this number's retired keys leave the fleet's list. For a lost, stolen or compromised device. This cannot be undone; the device must be enrolled again with a new code.",
        ),
        "revoke_yes" => ("بله، دستگاه باطل شود", "Yes, revoke the device"),
        "cancel" => ("انصراف", "Cancel"),
        "revoked" => ("دستگاه باطل شد.", "The device was revoked."),
        "nothing_to_revoke" => (
            "این شماره دستگاه فعالی ندارد؛ چیزی باطل نشد.",
            "This number has no active device; nothing was revoked.",
        ),
        "drop_keys" => ("حذف کلیدهای کنارگذاشته", "Drop the retired keys"),
        "drop_keys_confirm" => (
            "کلیدهای امضای دستگاه‌های پیشین این شماره (پس از چرخش کلید یا تعویض دستگاه تا ۳۰ روز پذیرفته می‌شوند) حذف می‌شوند و کدهای رضایتی که با آن‌ها امضا شده دیگر پذیرفته نمی‌شود. دستگاه فعال و کلیدش دست نمی‌خورد. برای دستگاه دزدیده‌شده‌ای که شماره‌اش پیش‌تر روی دستگاه تازه ثبت شده است.",
            "The signing keys of this number's earlier devices (still accepted for 30 days after a rotation or a replacement) are dropped, and satisfaction codes they signed are no longer accepted. The active device and its key are untouched. For a stolen device whose number was already enrolled on a new one.",
        ),
        "drop_keys_yes" => ("بله، کلیدها حذف شود", "Yes, drop the keys"),
        "keys_dropped" => ("کلید کنارگذاشته حذف شد.", "retired key(s) dropped."),
        "rotate_note" => (
            "چرخش کلید رضایت را خود دستگاه انجام می‌دهد (کلید خصوصی از دستگاه بیرون نمی‌آید): کلید تازه‌ای که منتشر کند جای کلید قبلی را می‌گیرد و کلید قبلی تا ۳۰ روز پذیرفته می‌ماند.",
            "A satisfaction key is rotated by the device itself (its private key never leaves it): the new key it publishes replaces the old one, which is still accepted for 30 days.",
        ),
        "set_role" => ("تعیین نقش دستگاه قدیمی", "Set the role of a legacy device"),
        "set_role_note" => (
            "این دستگاه پیش از نقش‌ها ثبت شده و به همه مسیرها دسترسی دارد. پس از تعیین نقش، کیوسک دیگر به مسیرهای میز خدمت (ورود کارکنان، رونوشت رسید) راه ندارد. نقش بعداً فقط با ثبت دوباره عوض می‌شود.",
            "This device enrolled before roles and may use every route. Once its role is set, a kiosk no longer reaches the desk's routes (staff log-ins, receipt copies). The role changes later only by enrolling again.",
        ),
        "save_role" => ("ثبت نقش", "Set the role"),
        "role_set" => ("نقش دستگاه ثبت شد.", "The device's role was set."),
        "has_role" => (
            "این دستگاه نقش دارد؛ نقش فقط با ثبت دوباره با کدی از نقش دیگر عوض می‌شود.",
            "This device has a role; it changes only by enrolling again with a code of the other role.",
        ),
        "done" => ("انجام شد", "Done"),
        "back_devices" => ("بازگشت به دستگاه‌ها", "Back to the devices"),
        _ => ("", ""),
    };
    match lang {
        Lang::Fa => fa,
        Lang::En => en,
    }
}

/// The session of a manager, or the answer to give instead: the login page without one,
/// 403 for a viewer.
pub(super) async fn manager(
    state: &ConsoleState,
    headers: &HeaderMap,
    path: &str,
) -> Result<(Session, Lang), Response> {
    let lang = lang_of(headers);
    let s = session(state, headers).await?;
    if !s.account.manages() {
        return Err(html(
            StatusCode::FORBIDDEN,
            pages::message(
                lang,
                path,
                Section::Manage,
                Some((&s.account, &s.csrf)),
                tm(lang, "viewer_only"),
            ),
        ));
    }
    Ok((s, lang))
}

/// [`manager`] for a form's post: also the answer to a `csrf` that is not the session's.
pub(super) async fn manager_post(
    state: &ConsoleState,
    headers: &HeaderMap,
    path: &str,
    csrf: &str,
) -> Result<(Session, Lang), Response> {
    let (s, lang) = manager(state, headers, path).await?;
    if !same_token(&s.csrf, csrf) {
        return Err(super::csrf_refused());
    }
    Ok((s, lang))
}

/// The session's CSRF token as a form's hidden field.
pub(super) fn csrf_field(s: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(s.csrf); }
}

/// A typed kiosk number (any digit script, 1 to 99999), or `None`.
pub(super) fn kiosk_number(typed: &str) -> Option<u32> {
    kiosk_core::digits::to_ascii_digits(typed.trim())
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=99_999).contains(n))
}

/// Whether kiosk number `kiosk` is the account's to manage: any number for the agency, else a
/// number placed in an office of its scope.
pub(super) async fn kiosk_in_scope(
    state: &ConsoleState,
    account: &Account,
    kiosk: u32,
) -> Result<bool, ConsoleError> {
    let kiosk = i32::try_from(kiosk).unwrap_or(i32::MAX);
    let client = state.pool.get().await?;
    Ok(client
        .query_opt(
            &format!("SELECT 1 WHERE {}", scope_filter("$3::integer")),
            &[&account.level(), &account.place(), &kiosk],
        )
        .await?
        .is_some())
}

/// The management pages' own menu, `current` marked.
pub(super) fn subnav(lang: Lang, current: &str) -> Markup {
    let items = [
        ("/manage/devices", "devices"),
        ("/manage/staff", "staff"),
        ("/manage/catalogue", "catalogue"),
    ];
    html! {
        nav aria-label=(tm(lang, "manage_nav")) {
            ul class="subnav" {
                @for (href, key) in items {
                    li {
                        @if href == current {
                            a href=(href) aria-current="page" { (tm(lang, key)) }
                        } @else {
                            a href=(href) { (tm(lang, key)) }
                        }
                    }
                }
            }
        }
    }
}

/// A failure of the database as the console answers it.
pub(super) fn failed(e: &anyhow::Error) -> Response {
    tracing::warn!(error = %e, "console change failed");
    axum::response::IntoResponse::into_response((
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error",
    ))
}
