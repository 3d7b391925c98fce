//! The console's device management (managers only, [`super::manage`]): the devices of the
//! account's scope with their role and keys; an enrolment code for a kiosk number and a role,
//! shown once (`auth::create_enrol_code_by`); revoking a device after a confirmation page
//! (`auth::revoke_by`); dropping a number's retired satisfaction keys, also confirmed
//! (`auth::drop_retired_keys_by`; a key is rotated by the device itself, which the page says);
//! and the role of a device enrolled before roles (`auth::set_legacy_role`). A county's
//! manager manages its county's offices' kiosk numbers only; a number outside the scope answers
//! 404 like one that does not exist, and a new number is placed in an office first (the
//! agency's accounts may enrol any number).
//!
//! Routes: `GET /manage/devices`, `POST /manage/devices/enrol`, `GET /manage/devices/{kiosk}`,
//! `GET|POST /manage/devices/{kiosk}/revoke`, `GET|POST /manage/devices/{kiosk}/drop-keys`,
//! `POST /manage/devices/{kiosk}/role`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::accounts::{Account, ConsoleError, scope_filter};
use super::manage::{
    csrf_field, failed, kiosk_in_scope, kiosk_number, manager, manager_post, subnav, tm,
};
use super::pages::{Lang, Section, t, when};
use super::{ConsoleState, Session, not_here, server_error};
use crate::auth::{self, Role, RoleSet};

/// A kiosk number as the management page shows it.
#[derive(Debug, Clone)]
struct Managed {
    kiosk: i32,
    office: Option<String>,
    device_id: Option<i64>,
    role: Option<String>,
    enrolled_at: Option<DateTime<Utc>>,
    key_published: Option<DateTime<Utc>>,
    retired_keys: i64,
    certificates: i64,
    pending_codes: i64,
    last_revoked: Option<DateTime<Utc>>,
}

/// The kiosk numbers of the account's scope (one, with `only`).
async fn managed(
    state: &ConsoleState,
    account: &Account,
    only: Option<i32>,
) -> Result<Vec<Managed>, ConsoleError> {
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT k.kiosk_number, ok.office, d.device_id, d.role, d.enrolled_at, sk.published_at,
                (SELECT count(*) FROM retired_satisfaction_keys r
                 WHERE r.kiosk_number = k.kiosk_number),
                (SELECT count(*) FROM device_certificates c
                 WHERE c.device_id = d.device_id AND c.revoked_at IS NULL),
                (SELECT count(*) FROM enrol_codes e WHERE e.kiosk_number = k.kiosk_number
                 AND e.used_at IS NULL AND e.expires_at > now()),
                (SELECT max(o.revoked_at) FROM devices o WHERE o.kiosk_number = k.kiosk_number
                 AND o.revoked_reason = 'revoked')
         FROM (SELECT kiosk_number FROM office_kiosks UNION SELECT kiosk_number FROM devices) k
         LEFT JOIN office_kiosks ok ON ok.kiosk_number = k.kiosk_number
         LEFT JOIN devices d ON d.kiosk_number = k.kiosk_number AND d.revoked_at IS NULL
         LEFT JOIN satisfaction_keys sk ON sk.device_id = d.device_id
         WHERE {} AND ($3::integer IS NULL OR k.kiosk_number = $3)
         ORDER BY ok.office NULLS LAST, k.kiosk_number",
        scope_filter("k.kiosk_number")
    );
    let rows = client
        .query(&sql, &[&account.level(), &account.place(), &only])
        .await?;
    Ok(rows
        .iter()
        .map(|r| Managed {
            kiosk: r.get(0),
            office: r.get(1),
            device_id: r.get(2),
            role: r.get(3),
            enrolled_at: r.get(4),
            key_published: r.get(5),
            retired_keys: r.get(6),
            certificates: r.get(7),
            pending_codes: r.get(8),
            last_revoked: r.get(9),
        })
        .collect())
}

fn role_text(lang: Lang, m: &Managed) -> &'static str {
    match (m.device_id, m.role.as_deref()) {
        (None, _) => tm(lang, "no_device"),
        (Some(_), Some("kiosk")) => tm(lang, "role_kiosk"),
        (Some(_), Some("desk")) => tm(lang, "role_desk"),
        (Some(_), _) => tm(lang, "role_legacy"),
    }
}

fn n(lang: Lang, v: impl ToString) -> String {
    lang.digits(&v.to_string())
}

/// The enrolment form; `kiosk` and `role` as typed, `error` says why the last try failed.
fn enrol_form(lang: Lang, s: &Session, kiosk: &str, role: &str, error: Option<&str>) -> Markup {
    html! {
        section class="card" aria-labelledby="enrol-h" {
            h2 id="enrol-h" { (tm(lang, "make_code")) }
            @if let Some(e) = error { p class="alert" role="alert" { (e) } }
            p class="note" { (tm(lang, "make_code_note")) }
            form method="post" action="/manage/devices/enrol" {
                (csrf_field(s))
                label for="kiosk" { (tm(lang, "kiosk_number")) }
                input id="kiosk" name="kiosk" type="text" inputmode="numeric" dir="ltr"
                    autocomplete="off" required value=(kiosk);
                fieldset {
                    legend { (tm(lang, "role")) }
                    label {
                        input type="radio" name="role" value="kiosk" checked[role != "desk"];
                        (tm(lang, "role_kiosk"))
                    }
                    label {
                        input type="radio" name="role" value="desk" checked[role == "desk"];
                        (tm(lang, "role_desk"))
                    }
                }
                button type="submit" { (tm(lang, "make")) }
            }
        }
    }
}

fn list_body(lang: Lang, s: &Session, rows: &[Managed], form: Markup) -> Markup {
    html! {
        h1 { (tm(lang, "devices")) }
        (subnav(lang, "/manage/devices"))
        (form)
        h2 { (tm(lang, "devices")) }
        @if rows.is_empty() {
            p { (t(lang, "no_devices")) }
        } @else {
            div class="scroll" {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "kiosk")) }
                        th scope="col" { (t(lang, "office")) }
                        th scope="col" { (tm(lang, "role")) }
                        th scope="col" { (tm(lang, "enrolled")) }
                        th scope="col" { (tm(lang, "retired_keys")) }
                    } }
                    tbody {
                        @for m in rows {
                            tr {
                                th scope="row" data-label=(t(lang, "kiosk")) {
                                    a href=(format!("/manage/devices/{}", m.kiosk)) {
                                        (n(lang, m.kiosk))
                                    }
                                }
                                td data-label=(t(lang, "office")) {
                                    (m.office.as_deref().unwrap_or(t(lang, "unplaced")))
                                }
                                td data-label=(tm(lang, "role")) { (role_text(lang, m)) }
                                td data-label=(tm(lang, "enrolled")) {
                                    @match m.enrolled_at {
                                        Some(at) => { (when(lang, at)) }
                                        None => { (t(lang, "none")) }
                                    }
                                }
                                td data-label=(tm(lang, "retired_keys")) { (n(lang, m.retired_keys)) }
                            }
                        }
                    }
                }
            }
        }
        @if s.account.scope != super::accounts::Scope::Agency {
            p class="note" { (tm(lang, "new_number_note")) }
        }
    }
}

/// `GET /manage/devices`.
pub(super) async fn list(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let (s, lang) = match manager(&state, &headers, "/manage/devices").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    list_page(&state, lang, &s, StatusCode::OK, "", "kiosk", None).await
}

async fn list_page(
    state: &ConsoleState,
    lang: Lang,
    s: &Session,
    status: StatusCode,
    kiosk: &str,
    role: &str,
    error: Option<&str>,
) -> Response {
    let rows = match managed(state, &s.account, None).await {
        Ok(r) => r,
        Err(e) => return server_error(&e),
    };
    let body = list_body(lang, s, &rows, enrol_form(lang, s, kiosk, role, error));
    s.page(
        lang,
        status,
        tm(lang, "devices"),
        "/manage/devices",
        Section::Manage,
        body,
    )
}

/// The enrolment form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kiosk: String,
    #[serde(default)]
    role: String,
}

/// `POST /manage/devices/enrol`: the code, shown once.
pub(super) async fn enrol(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Response {
    let (s, lang) = match manager_post(&state, &headers, "/manage/devices", &form.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let refuse = |status, key| {
        list_page(
            &state,
            lang,
            &s,
            status,
            &form.kiosk,
            &form.role,
            Some(tm(lang, key)),
        )
    };
    let Some(kiosk) = kiosk_number(&form.kiosk) else {
        return refuse(StatusCode::BAD_REQUEST, "bad_kiosk").await;
    };
    let Some(role) = Role::parse(&form.role) else {
        return refuse(StatusCode::BAD_REQUEST, "bad_role").await;
    };
    match kiosk_in_scope(&state, &s.account, kiosk).await {
        Ok(true) => {}
        Ok(false) => return refuse(StatusCode::NOT_FOUND, "kiosk_not_here").await,
        Err(e) => return server_error(&e),
    }
    let code = match auth::create_enrol_code_by(
        &state.pool,
        &s.account.name,
        kiosk,
        role,
        chrono::Duration::hours(24),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return failed(&e),
    };
    let body = html! {
        h1 { (tm(lang, "code_made")) }
        (subnav(lang, "/manage/devices"))
        section class="card" {
            p { (tm(lang, "for_kiosk")) " " strong { (n(lang, kiosk)) } " · "
                (tm(lang, if role == Role::Desk { "role_desk" } else { "role_kiosk" })) }
            p { output class="once" dir="ltr" lang="en" { (code) } }
            p class="alert" { (tm(lang, "code_once")) }
            p { a href="/manage/devices" { (tm(lang, "back_devices")) } }
        }
    };
    s.page(
        lang,
        StatusCode::OK,
        tm(lang, "code_made"),
        "/manage/devices",
        Section::Manage,
        body,
    )
}

/// The kiosk in the path if it is the account's, or the 404 page.
async fn in_scope(
    state: &ConsoleState,
    lang: Lang,
    s: &Session,
    kiosk: &str,
) -> Result<Managed, Response> {
    let path = "/manage/devices";
    let Some(number) = kiosk_number(kiosk) else {
        return Err(not_here(lang, path, Section::Manage, s));
    };
    let number = i32::try_from(number).unwrap_or_default();
    match managed(state, &s.account, Some(number)).await {
        Ok(rows) => rows
            .into_iter()
            .next()
            .ok_or_else(|| not_here(lang, path, Section::Manage, s)),
        Err(e) => Err(server_error(&e)),
    }
}

fn device_body(lang: Lang, s: &Session, m: &Managed, note: Option<(bool, &str)>) -> Markup {
    let base = format!("/manage/devices/{}", m.kiosk);
    html! {
        h1 { (t(lang, "kiosk")) " " (n(lang, m.kiosk)) }
        (subnav(lang, ""))
        @if let Some((good, text)) = note {
            p class=(if good { "ok-note" } else { "alert" }) role="status" { (text) }
        }
        dl class="card facts" {
            dt { (t(lang, "office")) }
            dd { (m.office.as_deref().unwrap_or(t(lang, "unplaced"))) }
            dt { (tm(lang, "role")) }
            dd { (role_text(lang, m)) }
            dt { (tm(lang, "enrolled")) }
            dd { @match m.enrolled_at { Some(at) => { (when(lang, at)) } None => { (t(lang, "none")) } } }
            dt { (tm(lang, "certificates")) }
            dd { (n(lang, m.certificates)) }
            dt { (tm(lang, "sat_key")) }
            dd { @match m.key_published { Some(at) => { (when(lang, at)) } None => { (tm(lang, "sat_key_none")) } } }
            dt { (tm(lang, "retired_keys")) }
            dd { (n(lang, m.retired_keys)) }
            dt { (tm(lang, "pending_codes")) }
            dd { (n(lang, m.pending_codes)) }
            dt { (tm(lang, "last_revoked")) }
            dd { @match m.last_revoked { Some(at) => { (when(lang, at)) } None => { (t(lang, "none")) } } }
        }
        div class="stack" {
            @if m.device_id.is_some() {
                section class="card" aria-labelledby="revoke-h" {
                    h2 id="revoke-h" { (tm(lang, "revoke")) }
                    p { a href=(format!("{base}/revoke")) { (tm(lang, "revoke")) "…" } }
                }
            }
            section class="card" aria-labelledby="keys-h" {
                h2 id="keys-h" { (tm(lang, "sat_key")) }
                p class="note" { (tm(lang, "rotate_note")) }
                @if m.retired_keys > 0 {
                    p { a href=(format!("{base}/drop-keys")) { (tm(lang, "drop_keys")) "…" } }
                }
            }
            @if m.device_id.is_some() && m.role.is_none() {
                section class="card" aria-labelledby="role-h" {
                    h2 id="role-h" { (tm(lang, "set_role")) }
                    p class="note" { (tm(lang, "set_role_note")) }
                    form method="post" action=(format!("{base}/role")) {
                        (csrf_field(s))
                        fieldset {
                            legend { (tm(lang, "role")) }
                            label { input type="radio" name="role" value="desk" checked; (tm(lang, "role_desk")) }
                            label { input type="radio" name="role" value="kiosk"; (tm(lang, "role_kiosk")) }
                        }
                        button type="submit" { (tm(lang, "save_role")) }
                    }
                }
            }
        }
        p { a href="/manage/devices" { (tm(lang, "back_devices")) } }
    }
}

fn device_page(
    lang: Lang,
    s: &Session,
    status: StatusCode,
    m: &Managed,
    note: Option<(bool, &str)>,
) -> Response {
    let title = format!("{} {}", t(lang, "kiosk"), n(lang, m.kiosk));
    s.page(
        lang,
        status,
        &title,
        &format!("/manage/devices/{}", m.kiosk),
        Section::Manage,
        device_body(lang, s, m, note),
    )
}

/// `GET /manage/devices/{kiosk}`.
pub(super) async fn device(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(kiosk): Path<String>,
) -> Response {
    let (s, lang) = match manager(&state, &headers, "/manage/devices").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match in_scope(&state, lang, &s, &kiosk).await {
        Ok(m) => device_page(lang, &s, StatusCode::OK, &m, None),
        Err(r) => r,
    }
}

/// A confirmable action on a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Revoke,
    DropKeys,
}

impl Action {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "revoke" => Some(Self::Revoke),
            "drop-keys" => Some(Self::DropKeys),
            _ => None,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::DropKeys => "drop-keys",
        }
    }
}

/// `GET /manage/devices/{kiosk}/{revoke|drop-keys}`: the confirmation page, whose button posts.
pub(super) async fn confirm(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path((kiosk, action)): Path<(String, String)>,
) -> Response {
    let (s, lang) = match manager(&state, &headers, "/manage/devices").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = match in_scope(&state, lang, &s, &kiosk).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(action) = Action::parse(&action) else {
        return not_here(lang, "/manage/devices", Section::Manage, &s);
    };
    let (title, text, yes) = match action {
        Action::Revoke => ("revoke", "revoke_confirm", "revoke_yes"),
        Action::DropKeys => ("drop_keys", "drop_keys_confirm", "drop_keys_yes"),
    };
    let base = format!("/manage/devices/{}", m.kiosk);
    let heading = format!("{} {}", tm(lang, title), n(lang, m.kiosk));
    let body = html! {
        h1 { (heading) }
        section class="card narrow" {
            p { (tm(lang, text)) }
            div class="actions" {
                form method="post" action=(format!("{base}/{}", action.path())) {
                    (csrf_field(&s))
                    button type="submit" class="danger" { (tm(lang, yes)) }
                }
                a href=(base) { (tm(lang, "cancel")) }
            }
        }
    };
    s.page(
        lang,
        StatusCode::OK,
        &heading,
        &format!("{base}/{}", action.path()),
        Section::Manage,
        body,
    )
}

/// A form with only its CSRF token.
#[derive(Debug, Deserialize)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /manage/devices/{kiosk}/{revoke|drop-keys}`.
pub(super) async fn act(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path((kiosk, action)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let (s, lang) = match manager_post(&state, &headers, "/manage/devices", &form.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = match in_scope(&state, lang, &s, &kiosk).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(action) = Action::parse(&action) else {
        return not_here(lang, "/manage/devices", Section::Manage, &s);
    };
    let number = u32::try_from(m.kiosk).unwrap_or_default();
    let note: (bool, String) = match action {
        Action::Revoke => match auth::revoke_by(&state.pool, &s.account.name, number).await {
            Ok(Some(_)) => (true, tm(lang, "revoked").to_owned()),
            Ok(None) => (false, tm(lang, "nothing_to_revoke").to_owned()),
            Err(e) => return failed(&e),
        },
        Action::DropKeys => {
            match auth::drop_retired_keys_by(&state.pool, &s.account.name, number).await {
                Ok(dropped) => (
                    true,
                    format!("{} {}", n(lang, dropped), tm(lang, "keys_dropped")),
                ),
                Err(e) => return failed(&e),
            }
        }
    };
    after_change(&state, lang, &s, &kiosk, (note.0, &note.1)).await
}

/// The device's page again, after a change, with `note`.
async fn after_change(
    state: &ConsoleState,
    lang: Lang,
    s: &Session,
    kiosk: &str,
    note: (bool, &str),
) -> Response {
    match in_scope(state, lang, s, kiosk).await {
        Ok(m) => device_page(
            lang,
            s,
            if note.0 {
                StatusCode::OK
            } else {
                StatusCode::CONFLICT
            },
            &m,
            Some(note),
        ),
        Err(r) => r,
    }
}

/// The role form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

/// `POST /manage/devices/{kiosk}/role`: a legacy device's role.
pub(super) async fn set_role(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(kiosk): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    let (s, lang) = match manager_post(&state, &headers, "/manage/devices", &form.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = match in_scope(&state, lang, &s, &kiosk).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(role) = Role::parse(&form.role) else {
        return device_page(
            lang,
            &s,
            StatusCode::BAD_REQUEST,
            &m,
            Some((false, tm(lang, "bad_role"))),
        );
    };
    let number = u32::try_from(m.kiosk).unwrap_or_default();
    let note = match auth::set_legacy_role(&state.pool, &s.account.name, number, role).await {
        Ok(RoleSet::Set) => (true, tm(lang, "role_set")),
        Ok(RoleSet::NoDevice) => (false, tm(lang, "no_device")),
        Ok(RoleSet::HasRole(_)) => (false, tm(lang, "has_role")),
        Err(e) => return failed(&e),
    };
    after_change(&state, lang, &s, &kiosk, note).await
}
