//! The console's staff management (managers only, [`super::manage`]): the desk staff accounts
//! of the offices in the account's scope (`crate::staff`: PIN hashes only, lockouts across
//! desks), and adding one, disabling or enabling it, and resetting its PIN. A new PIN is typed
//! by the manager or made by the server and shown once; no page ever shows a PIN hash. An
//! account with no office (made by the command line) is the agency's to manage; any other
//! account outside the scope answers 404 like one that does not exist.
//!
//! Routes: `GET /manage/staff`, `POST /manage/staff/add`, `POST /manage/staff/disable`,
//! `POST /manage/staff/enable`, `POST /manage/staff/pin`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::accounts::ConsoleError;
use super::manage::{csrf_field, failed, manager, manager_post, subnav};
use super::pages::{Lang, Section, t, when};
use super::{ConsoleState, Session, not_here, server_error};
use crate::staff::{self, Change, Member, StaffRefusal};

/// The staff pages' text `key` in `lang`.
/// A new PIN typed, or the box to have one made (shown once): the add and reset forms' fields.
fn pin_fields(lang: Lang, id: &str) -> Markup {
    html! {
        label for=(id) { (ts(lang, "pin")) }
        input id=(id) name="pin" type="password" inputmode="numeric" dir="ltr"
            autocomplete="new-password";
        label class="check" {
            input type="checkbox" name="generate" value="1";
            (ts(lang, "generate"))
        }
    }
}

fn ts(lang: Lang, key: &str) -> &'static str {
    let (fa, en) = match key {
        "staff" => ("کارکنان میز خدمت", "Desk staff"),
        "employee_code" => ("کد کارمند", "Employee code"),
        "display_name" => ("نام", "Name"),
        "office" => ("دفتر", "Office"),
        "every_desk" => ("همه میزها", "Every desk"),
        "state" => ("وضعیت", "State"),
        "active" => ("فعال", "Active"),
        "disabled" => ("غیرفعال", "Disabled"),
        "locked_until" => ("قفل تا", "Locked until"),
        "no_staff" => (
            "حساب کارمندی در این حوزه نیست.",
            "No staff account in this scope.",
        ),
        "add" => ("افزودن کارمند", "Add a staff member"),
        "pin" => ("رمز (۴ تا ۱۲ رقم)", "PIN (4 to 12 digits)"),
        "generate" => (
            "رمز را سامانه بسازد (یک بار نشان داده می‌شود)",
            "Have the server make the PIN (shown once)",
        ),
        "save" => ("ثبت", "Save"),
        "disable" => ("غیرفعال کردن", "Disable"),
        "enable" => ("فعال کردن", "Enable"),
        "reset_pin" => ("تعیین رمز تازه", "Reset a PIN"),
        "member" => ("کارمند", "Staff member"),
        "pin_note" => (
            "رمز فقط به شکل چکیده نگه داشته می‌شود. رمز تازه قفل حساب را هم باز می‌کند.",
            "Only a hash of a PIN is kept. A new PIN also lifts the account's lockout.",
        ),
        "added" => ("حساب کارمند ساخته شد.", "The staff account was made."),
        "disabled_now" => ("حساب غیرفعال شد.", "The account was disabled."),
        "enabled_now" => ("حساب فعال شد.", "The account was enabled."),
        "pin_set" => ("رمز تازه ثبت شد.", "The new PIN was set."),
        "new_pin" => (
            "رمز تازه؛ آن را اکنون به کارمند بدهید، دوباره نشان داده نمی‌شود:",
            "The new PIN; give it to the staff member now, it is not shown again:",
        ),
        "bad_pin" => (
            "رمز باید ۴ تا ۱۲ رقم باشد (یا ساختن رمز را انتخاب کنید).",
            "A PIN is 4 to 12 digits (or choose to have one made).",
        ),
        "bad_code" => (
            "کد کارمند باید ۱ تا ۶۴ نویسه و بدون نویسه‌ی پنهان باشد.",
            "An employee code has 1 to 64 characters and no hidden characters.",
        ),
        "bad_name" => (
            "نام باید ۱ تا ۱۰۰ نویسه و بدون نویسه‌ی پنهان باشد.",
            "A name has 1 to 100 characters and no hidden characters.",
        ),
        "exists" => (
            "این کد کارمند حساب دارد؛ برای آن رمز تازه تعیین کنید.",
            "That employee code has an account; reset its PIN instead.",
        ),
        "office_not_here" => (
            "این دفتر در حوزه شما نیست.",
            "That office is not in your scope.",
        ),
        _ => ("", ""),
    };
    match lang {
        Lang::Fa => fa,
        Lang::En => en,
    }
}

/// The offices of the account's scope, by name.
async fn offices(state: &ConsoleState, s: &Session) -> Result<Vec<String>, ConsoleError> {
    let client = state.pool.get().await?;
    let rows = client
        .query(
            "SELECT o.name FROM offices o JOIN counties c ON c.name = o.county
             WHERE CASE $1::text WHEN 'agency' THEN true
                                 WHEN 'office' THEN o.name = $2::text
                                 WHEN 'county' THEN c.name = $2::text
                                 WHEN 'province' THEN c.province = $2::text
                                 ELSE false END
             ORDER BY o.name",
            &[&s.account.level(), &s.account.place()],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// What the add form showed, typed (never the PIN).
#[derive(Debug, Default)]
struct Typed {
    employee_code: String,
    display_name: String,
    office: String,
}

fn body(
    lang: Lang,
    s: &Session,
    members: &[Member],
    offices: &[String],
    typed: &Typed,
    note: Option<(bool, &str)>,
    shown_pin: Option<&str>,
) -> Markup {
    html! {
        h1 { (ts(lang, "staff")) }
        (subnav(lang, "/manage/staff"))
        @if let Some((good, text)) = note {
            p class=(if good { "ok-note" } else { "alert" }) role=(if good { "status" } else { "alert" }) { (text) }
        }
        @if let Some(pin) = shown_pin {
            section class="card" {
                p { (ts(lang, "new_pin")) }
                p { output class="once" dir="ltr" { (lang.digits(pin)) } }
            }
        }
        @if members.is_empty() {
            p { (ts(lang, "no_staff")) }
        } @else {
            div class="scroll" {
                table {
                    thead { tr {
                        th scope="col" { (ts(lang, "employee_code")) }
                        th scope="col" { (ts(lang, "display_name")) }
                        th scope="col" { (ts(lang, "office")) }
                        th scope="col" { (ts(lang, "state")) }
                        th scope="col" { (t(lang, "action")) }
                    } }
                    tbody {
                        @for m in members {
                            tr {
                                th scope="row" data-label=(ts(lang, "employee_code")) { bdi { (m.employee_code) } }
                                td data-label=(ts(lang, "display_name")) { (m.display_name) }
                                td data-label=(ts(lang, "office")) {
                                    (m.office.as_deref().unwrap_or(ts(lang, "every_desk")))
                                }
                                td data-label=(ts(lang, "state")) {
                                    @if m.active { span class="good" { (ts(lang, "active")) } }
                                    @else { span class="bad" { (ts(lang, "disabled")) } }
                                    @if let Some(until) = m.locked_until {
                                        " · " (ts(lang, "locked_until")) " " (when(lang, until))
                                    }
                                }
                                td data-label=(t(lang, "action")) {
                                    form method="post" action=(if m.active { "/manage/staff/disable" } else { "/manage/staff/enable" }) {
                                        (csrf_field(s))
                                        input type="hidden" name="employee_code" value=(m.employee_code);
                                        button type="submit" class=(if m.active { "danger" } else { "" }) {
                                            (ts(lang, if m.active { "disable" } else { "enable" }))
                                            span class="skip" { " " (m.employee_code) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        div class="stack" {
            section class="card" aria-labelledby="add-h" {
                h2 id="add-h" { (ts(lang, "add")) }
                form method="post" action="/manage/staff/add" {
                    (csrf_field(s))
                    label for="employee_code" { (ts(lang, "employee_code")) }
                    input id="employee_code" name="employee_code" type="text" dir="auto" required
                        autocomplete="off" value=(typed.employee_code);
                    label for="display_name" { (ts(lang, "display_name")) }
                    input id="display_name" name="display_name" type="text" dir="auto" required
                        autocomplete="off" value=(typed.display_name);
                    label for="office" { (ts(lang, "office")) }
                    select id="office" name="office" required {
                        @for o in offices {
                            option value=(o) selected[*o == typed.office] { (o) }
                        }
                    }
                    (pin_fields(lang, "pin"))
                    button type="submit" { (ts(lang, "save")) }
                }
            }
            @if !members.is_empty() {
                section class="card" aria-labelledby="pin-h" {
                    h2 id="pin-h" { (ts(lang, "reset_pin")) }
                    p class="note" { (ts(lang, "pin_note")) }
                    form method="post" action="/manage/staff/pin" {
                        (csrf_field(s))
                        label for="pin_member" { (ts(lang, "member")) }
                        select id="pin_member" name="employee_code" required {
                            @for m in members {
                                option value=(m.employee_code) { (m.employee_code) " · " (m.display_name) }
                            }
                        }
                        (pin_fields(lang, "new_pin"))
                        button type="submit" { (ts(lang, "reset_pin")) }
                    }
                }
            }
        }
    }
}

/// The staff page with `note` (and a PIN shown once), answered with `status`.
async fn page(
    state: &ConsoleState,
    lang: Lang,
    s: &Session,
    status: StatusCode,
    typed: &Typed,
    note: Option<(bool, &str)>,
    shown_pin: Option<&str>,
) -> Response {
    let members = match staff::list(&state.pool, s.account.level(), s.account.place()).await {
        Ok(m) => m,
        Err(e) => return failed(&e),
    };
    let offices = match offices(state, s).await {
        Ok(o) => o,
        Err(e) => return server_error(&e),
    };
    s.page(
        lang,
        status,
        ts(lang, "staff"),
        "/manage/staff",
        Section::Manage,
        body(lang, s, &members, &offices, typed, note, shown_pin),
    )
}

/// `GET /manage/staff`.
pub(super) async fn list(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let (s, lang) = match manager(&state, &headers, "/manage/staff").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    page(
        &state,
        lang,
        &s,
        StatusCode::OK,
        &Typed::default(),
        None,
        None,
    )
    .await
}

/// The staff forms' fields (each form sends some).
#[derive(Debug, Deserialize)]
pub(super) struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    employee_code: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    generate: Option<String>,
}

impl StaffForm {
    /// The PIN to set: made here when asked (and then shown once), else the one typed.
    fn pin(&self) -> (String, bool) {
        if self.generate.is_some() {
            (staff::generate_pin(), true)
        } else {
            (self.pin.trim().to_owned(), false)
        }
    }
}

fn refusal_key(r: &StaffRefusal) -> &'static str {
    match r {
        StaffRefusal::BadPin => "bad_pin",
        StaffRefusal::BadCode => "bad_code",
        StaffRefusal::BadName => "bad_name",
        StaffRefusal::Exists => "exists",
        StaffRefusal::NotHere | StaffRefusal::Failed(_) => "office_not_here",
    }
}

/// `POST /manage/staff/{add|disable|enable|pin}`.
pub(super) async fn act(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(action): Path<String>,
    Form(form): Form<StaffForm>,
) -> Response {
    let (s, lang) = match manager_post(&state, &headers, "/manage/staff", &form.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = s.account.name.clone();
    let (level, place) = (s.account.level(), s.account.place().to_owned());
    let (pin, generated) = form.pin();
    let code = form.employee_code.trim().to_owned();
    let (outcome, done_key, typed) = match action.as_str() {
        "add" => {
            let typed = Typed {
                employee_code: form.employee_code.clone(),
                display_name: form.display_name.clone(),
                office: form.office.clone(),
            };
            let offices = match offices(&state, &s).await {
                Ok(o) => o,
                Err(e) => return server_error(&e),
            };
            if !offices.contains(&form.office) {
                return not_here(lang, "/manage/staff", Section::Manage, &s);
            }
            let r = staff::create(
                &state.pool,
                &actor,
                &code,
                &form.display_name,
                &form.office,
                &pin,
            )
            .await;
            (r, "added", typed)
        }
        "disable" | "enable" | "pin" => {
            let what = match action.as_str() {
                "disable" => Change::Disable,
                "enable" => Change::Enable,
                _ => Change::ResetPin {
                    pin: pin.clone(),
                    generated,
                },
            };
            let done = match what {
                Change::Disable => "disabled_now",
                Change::Enable => "enabled_now",
                Change::ResetPin { .. } => "pin_set",
            };
            let r = staff::change(&state.pool, &actor, level, &place, &code, &what).await;
            (r, done, Typed::default())
        }
        _ => return not_here(lang, "/manage/staff", Section::Manage, &s),
    };
    match outcome {
        Ok(()) => {
            let shown = (generated && matches!(action.as_str(), "add" | "pin")).then_some(pin);
            page(
                &state,
                lang,
                &s,
                StatusCode::OK,
                &Typed::default(),
                Some((true, ts(lang, done_key))),
                shown.as_deref(),
            )
            .await
        }
        Err(StaffRefusal::NotHere) => not_here(lang, "/manage/staff", Section::Manage, &s),
        Err(StaffRefusal::Failed(e)) => failed(&e),
        Err(r) => {
            let status = if matches!(r, StaffRefusal::Exists) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            page(
                &state,
                lang,
                &s,
                status,
                &typed,
                Some((false, ts(lang, refusal_key(&r)))),
                None,
            )
            .await
        }
    }
}
