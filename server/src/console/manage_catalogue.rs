//! The console's catalogue page (managers only, [`super::manage`]): the catalogue every device
//! downloads (its ETag, version, agency, subjects with their scope or guidance destination,
//! and the body as JSON), and, for the agency's managers (the catalogue is the whole agency's),
//! its edits: add or edit a subject (its names, in the agency's scope or not, and where a
//! visitor is sent when not), remove a subject, or replace the whole body. Every edit is held
//! to the kiosks' own rules (`crate::catalogue::check`) and refused with a Persian (or
//! English) message naming the entry when it breaks one, changing nothing; each form carries
//! the ETag it was made from, so an edit over someone else's newer catalogue is refused too.
//! A stored edit gets a new ETag, which the devices take at their next check, and one audit
//! row. Other managers see the page without its forms and their posts answer 404.
//!
//! Routes: `GET /manage/catalogue`, `POST /manage/catalogue/{subject|remove|replace}`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kiosk_sync::wire::{Catalogue, CatalogueEntry, GuidanceDestination};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::accounts::Scope;
use super::manage::{csrf_field, failed, manager, manager_post, subnav, tm};
use super::pages::{Lang, Section};
use super::{ConsoleState, Session, not_here};
use crate::catalogue::{self, Refusal};

/// The catalogue page's text `key` in `lang`.
fn tc(lang: Lang, key: &str) -> &'static str {
    let (fa, en) = match key {
        "etag" => ("نشان نسخه (ETag)", "ETag"),
        "version" => ("نسخه", "Version"),
        "agency" => ("دستگاه اجرایی", "Agency"),
        "subjects" => ("موضوع‌ها", "Subjects"),
        "services" => ("خدمت‌ها", "Services"),
        "code" => ("کد", "Code"),
        "name_fa" => ("نام فارسی", "Persian name"),
        "name_en" => ("نام انگلیسی", "English name"),
        "scope" => ("در حوزه دستگاه؟", "In the agency's scope?"),
        "in_scope" => ("در حوزه: ثبت می‌شود", "In scope: registered here"),
        "guidance" => ("راهنمایی به", "Guidance to"),
        "line_111" => ("سامانه ۱۱۱ (پیش‌فرض)", "Line 111 (the default)"),
        "none_yet" => (
            "هنوز فهرستی تنظیم نشده است؛ نخستین فهرست را به شکل JSON در پایین صفحه وارد کنید.",
            "No catalogue is set yet; enter the first one as JSON at the foot of the page.",
        ),
        "read_only" => (
            "فهرست خدمات برای کل دستگاه یکی است و فقط حساب‌های مدیر کل دستگاه آن را تغییر می‌دهند.",
            "The catalogue is the whole agency's; only the agency's managers change it.",
        ),
        "edit_subject" => ("افزودن یا ویرایش موضوع", "Add or edit a subject"),
        "edit_note" => (
            "کدی که در فهرست هست ویرایش و کد تازه افزوده می‌شود. کلیدواژه‌ها و دیگر جزئیات موضوع موجود می‌ماند.",
            "A code already listed is edited, a new one added. An existing subject's keywords and other details stay.",
        ),
        "in_scope_box" => (
            "این موضوع در حوزه دستگاه است (پرونده ثبت می‌شود)",
            "This subject is in the agency's scope (a case is registered)",
        ),
        "guidance_h" => (
            "مقصد راهنمایی (برای موضوع بیرون از حوزه)",
            "Guidance destination (for a subject outside the scope)",
        ),
        "g_office" => ("نام اداره", "Office"),
        "g_office_en" => ("نام اداره به انگلیسی", "Office in English"),
        "g_address" => ("نشانی", "Address"),
        "g_phone" => ("تلفن", "Phone"),
        "g_hours" => ("ساعت کار", "Opening hours"),
        "g_portal" => ("وبگاه", "Website"),
        "save" => ("ثبت موضوع", "Save the subject"),
        "remove_h" => ("حذف موضوع", "Remove a subject"),
        "remove" => ("حذف", "Remove"),
        "subject" => ("موضوع", "Subject"),
        "replace_h" => ("ویرایش کل فهرست (JSON)", "Edit the whole catalogue (JSON)"),
        "replace_note" => (
            "متن باید با قرارداد دستگاه‌ها (Catalogue) بخواند و همان قواعدی که دستگاه هنگام دریافت به کار می‌برد را داشته باشد.",
            "The text must read as the devices' contract (Catalogue) and meet the rules a device applies when it takes one.",
        ),
        "body" => ("متن فهرست", "The catalogue"),
        "replace" => ("ثبت فهرست", "Save the catalogue"),
        "saved" => (
            "فهرست ثبت شد؛ دستگاه‌ها در بررسی بعدی آن را می‌گیرند. نشان نسخه تازه:",
            "The catalogue was saved; devices take it at their next check. New ETag:",
        ),
        "unreadable" => (
            "متن فهرست با قرارداد دستگاه‌ها نمی‌خواند؛ چیزی تغییر نکرد.",
            "The text does not read as the devices' contract; nothing changed.",
        ),
        "bad_entry" => (
            "ورودی نادرست؛ چیزی تغییر نکرد:",
            "A bad entry; nothing changed:",
        ),
        "no_subject" => (
            "فهرست دست‌کم یک موضوع در حوزه دستگاه لازم دارد؛ چیزی تغییر نکرد.",
            "The catalogue needs at least one subject in the agency's scope; nothing changed.",
        ),
        "changed" => (
            "فهرست پس از باز شدن این صفحه تغییر کرده است؛ صفحه را دوباره باز کنید. چیزی تغییر نکرد.",
            "The catalogue changed after this page was opened; open it again. Nothing changed.",
        ),
        "no_such_subject" => (
            "موضوعی با این کد در فهرست نیست؛ چیزی تغییر نکرد.",
            "No subject with that code is listed; nothing changed.",
        ),
        "need_catalogue" => (
            "نخست کل فهرست را وارد کنید.",
            "Enter the whole catalogue first.",
        ),
        "json" => ("متن فهرست (JSON)", "The catalogue (JSON)"),
        _ => ("", ""),
    };
    match lang {
        Lang::Fa => fa,
        Lang::En => en,
    }
}

/// Whether the account may edit the catalogue (the agency's managers).
fn edits(s: &Session) -> bool {
    s.account.scope == Scope::Agency && s.account.manages()
}

/// The page: `current` (ETag and body), `note`, and the JSON to show in the whole-body form
/// (the stored one, or what was typed when it was refused).
fn body(
    lang: Lang,
    s: &Session,
    current: Option<&(String, Value)>,
    note: Option<(bool, String)>,
    typed_json: Option<&str>,
) -> Markup {
    let parsed: Option<Catalogue> =
        current.and_then(|(_, v)| serde_json::from_value(v.clone()).ok());
    let etag = current.map(|(e, _)| e.as_str()).unwrap_or("");
    let pretty = current
        .and_then(|(_, v)| serde_json::to_string_pretty(v).ok())
        .unwrap_or_default();
    html! {
        h1 { (tm(lang, "catalogue")) }
        (subnav(lang, "/manage/catalogue"))
        @if let Some((good, text)) = &note {
            p class=(if *good { "ok-note" } else { "alert" }) role=(if *good { "status" } else { "alert" }) { (text) }
        }
        @if !edits(s) { p class="note" { (tc(lang, "read_only")) } }
        @match &parsed {
            None => { p { (tc(lang, "none_yet")) } }
            Some(c) => {
                dl class="card facts" {
                    dt { (tc(lang, "etag")) }
                    dd dir="ltr" class="wrap" { code { (etag) } }
                    dt { (tc(lang, "version")) }
                    dd dir="ltr" { (c.version) }
                    dt { (tc(lang, "agency")) }
                    dd { (c.agency.name) " (" span dir="ltr" { (c.agency.agency_code) } ")" }
                    dt { (tc(lang, "services")) }
                    dd { (lang.digits(&c.services.len().to_string())) }
                }
                h2 { (tc(lang, "subjects")) }
                div class="scroll" {
                    table {
                        thead { tr {
                            th scope="col" { (tc(lang, "code")) }
                            th scope="col" { (tc(lang, "name_fa")) }
                            th scope="col" { (tc(lang, "name_en")) }
                            th scope="col" { (tc(lang, "scope")) }
                        } }
                        tbody {
                            @for e in &c.subjects {
                                tr {
                                    th scope="row" data-label=(tc(lang, "code")) { bdi dir="ltr" { (e.service_code) } }
                                    td data-label=(tc(lang, "name_fa")) { bdi lang="fa" dir="rtl" { (e.service_name) } }
                                    td data-label=(tc(lang, "name_en")) {
                                        bdi lang="en" dir="ltr" { (e.service_name_en.as_deref().unwrap_or("")) }
                                    }
                                    td data-label=(tc(lang, "scope")) {
                                        @if c.agency.subject_scope.iter().any(|x| x.trim() == e.service_code.trim()) {
                                            span class="good" { (tc(lang, "in_scope")) }
                                        } @else {
                                            (tc(lang, "guidance")) ": "
                                            @match &e.guidance {
                                                Some(g) => { (g.office) }
                                                None => { (tc(lang, "line_111")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if edits(s) {
            div class="stack" {
                @if let Some(c) = &parsed {
                    (subject_form(lang, s, etag))
                    section class="card" aria-labelledby="remove-h" {
                        h2 id="remove-h" { (tc(lang, "remove_h")) }
                        form method="post" action="/manage/catalogue/remove" {
                            (csrf_field(s))
                            input type="hidden" name="etag" value=(etag);
                            label for="remove_code" { (tc(lang, "subject")) }
                            select id="remove_code" name="code" required {
                                @for e in &c.subjects {
                                    option value=(e.service_code) { (e.service_code) " · " (e.service_name) }
                                }
                            }
                            button type="submit" class="danger" { (tc(lang, "remove")) }
                        }
                    }
                }
            }
            section class="card" aria-labelledby="replace-h" {
                h2 id="replace-h" { (tc(lang, "replace_h")) }
                p class="note" { (tc(lang, "replace_note")) }
                form method="post" action="/manage/catalogue/replace" {
                    (csrf_field(s))
                    input type="hidden" name="etag" value=(etag);
                    label for="body" { (tc(lang, "body")) }
                    textarea id="body" name="body" dir="ltr" spellcheck="false" required {
                        (typed_json.unwrap_or(&pretty))
                    }
                    button type="submit" { (tc(lang, "replace")) }
                }
            }
        } @else if parsed.is_some() {
            h2 { (tc(lang, "json")) }
            pre class="json" dir="ltr" tabindex="0" aria-label=(tc(lang, "json")) { (pretty) }
        }
    }
}

fn subject_form(lang: Lang, s: &Session, etag: &str) -> Markup {
    let field = |id: &str, key: &str, dir: &str| {
        html! {
            label for=(id) { (tc(lang, key)) }
            input id=(id) name=(id) type="text" dir=(dir) autocomplete="off";
        }
    };
    html! {
        section class="card" aria-labelledby="subject-h" {
            h2 id="subject-h" { (tc(lang, "edit_subject")) }
            p class="note" { (tc(lang, "edit_note")) }
            form method="post" action="/manage/catalogue/subject" {
                (csrf_field(s))
                input type="hidden" name="etag" value=(etag);
                label for="code" { (tc(lang, "code")) }
                input id="code" name="code" type="text" dir="ltr" required autocomplete="off";
                label for="name_fa" { (tc(lang, "name_fa")) }
                input id="name_fa" name="name_fa" type="text" dir="rtl" lang="fa" required autocomplete="off";
                (field("name_en", "name_en", "ltr"))
                label class="check" {
                    input type="checkbox" name="in_scope" value="1" checked;
                    (tc(lang, "in_scope_box"))
                }
                fieldset {
                    legend { (tc(lang, "guidance_h")) }
                    (field("g_office", "g_office", "auto"))
                    (field("g_office_en", "g_office_en", "ltr"))
                    (field("g_address", "g_address", "auto"))
                    (field("g_phone", "g_phone", "ltr"))
                    (field("g_hours", "g_hours", "auto"))
                    (field("g_portal", "g_portal", "ltr"))
                }
                button type="submit" { (tc(lang, "save")) }
            }
        }
    }
}

async fn page(
    state: &ConsoleState,
    lang: Lang,
    s: &Session,
    status: StatusCode,
    note: Option<(bool, String)>,
    typed_json: Option<&str>,
) -> Response {
    let current = match catalogue::current(&state.pool).await {
        Ok(c) => c,
        Err(e) => return failed(&anyhow::anyhow!("{e}")),
    };
    s.page(
        lang,
        status,
        tm(lang, "catalogue"),
        "/manage/catalogue",
        Section::Manage,
        body(lang, s, current.as_ref(), note, typed_json),
    )
}

/// `GET /manage/catalogue`.
pub(super) async fn view(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let (s, lang) = match manager(&state, &headers, "/manage/catalogue").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    page(&state, lang, &s, StatusCode::OK, None, None).await
}

/// The catalogue forms' fields (each form sends some).
#[derive(Debug, Deserialize)]
pub(super) struct CatalogueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    etag: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_fa: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    in_scope: Option<String>,
    #[serde(default)]
    g_office: String,
    #[serde(default)]
    g_office_en: String,
    #[serde(default)]
    g_address: String,
    #[serde(default)]
    g_phone: String,
    #[serde(default)]
    g_hours: String,
    #[serde(default)]
    g_portal: String,
    #[serde(default)]
    body: String,
}

fn given(v: &str) -> Option<String> {
    Some(v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `catalogue` with the form's subject added or edited.
fn with_subject(mut c: Catalogue, f: &CatalogueForm) -> Catalogue {
    let code = f.code.trim().to_owned();
    let guidance = given(&f.g_office)
        .or_else(|| {
            // Details without an office: kept, so the kiosk's rule refuses them by name.
            [
                &f.g_office_en,
                &f.g_address,
                &f.g_phone,
                &f.g_hours,
                &f.g_portal,
            ]
            .iter()
            .any(|v| given(v).is_some())
            .then(String::new)
        })
        .map(|office| GuidanceDestination {
            office,
            office_en: given(&f.g_office_en),
            address: given(&f.g_address),
            phone: given(&f.g_phone),
            hours: given(&f.g_hours),
            portal: given(&f.g_portal),
            bring: Vec::new(),
        });
    let in_scope = f.in_scope.is_some();
    let entry = match c
        .subjects
        .iter_mut()
        .find(|e| e.service_code.trim() == code)
    {
        Some(e) => e,
        None => {
            c.subjects
                .push(CatalogueEntry::new(code.clone(), String::new()));
            let last = c.subjects.len() - 1;
            &mut c.subjects[last]
        }
    };
    entry.service_name = f.name_fa.trim().to_owned();
    entry.service_name_en = given(&f.name_en);
    entry.guidance = if in_scope { None } else { guidance };
    c.agency.subject_scope.retain(|x| x.trim() != code);
    if in_scope {
        c.agency.subject_scope.push(code);
    }
    c
}

/// `POST /manage/catalogue/{subject|remove|replace}`.
pub(super) async fn edit(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(action): Path<String>,
    Form(form): Form<CatalogueForm>,
) -> Response {
    let (s, lang) = match manager_post(&state, &headers, "/manage/catalogue", &form.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !edits(&s) || !["subject", "remove", "replace"].contains(&action.as_str()) {
        return not_here(lang, "/manage/catalogue", Section::Manage, &s);
    }
    let refuse = |status: StatusCode, text: String, typed: Option<String>| {
        let state = &state;
        let s = &s;
        async move {
            page(
                state,
                lang,
                s,
                status,
                Some((false, text)),
                typed.as_deref(),
            )
            .await
        }
    };
    let (next, change) = if action == "replace" {
        match catalogue::check(&form.body) {
            Ok(c) => (c, json!({ "replace": true })),
            Err(r) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    refusal_text(lang, &r),
                    Some(form.body),
                )
                .await;
            }
        }
    } else {
        let current = match catalogue::current(&state.pool).await {
            Ok(c) => c,
            Err(e) => return failed(&anyhow::anyhow!("{e}")),
        };
        let Some(stored) = current.and_then(|(_, v)| serde_json::from_value::<Catalogue>(v).ok())
        else {
            return refuse(
                StatusCode::CONFLICT,
                tc(lang, "need_catalogue").to_owned(),
                None,
            )
            .await;
        };
        let code = form.code.trim().to_owned();
        let next = if action == "subject" {
            with_subject(stored, &form)
        } else {
            let mut c = stored;
            let before = c.subjects.len();
            c.subjects.retain(|e| e.service_code.trim() != code);
            if c.subjects.len() == before {
                return refuse(
                    StatusCode::NOT_FOUND,
                    tc(lang, "no_such_subject").to_owned(),
                    None,
                )
                .await;
            }
            c.agency.subject_scope.retain(|x| x.trim() != code);
            c
        };
        if let Err(r) = catalogue::check_parsed(&next) {
            return refuse(StatusCode::BAD_REQUEST, refusal_text(lang, &r), None).await;
        }
        let verb = if action == "subject" {
            "subject.set"
        } else {
            "subject.remove"
        };
        (next, json!({ verb: code }))
    };
    match catalogue::store(
        &state.pool,
        &s.account.name,
        &next,
        Some(form.etag.trim()),
        change,
    )
    .await
    {
        Ok(etag) => {
            page(
                &state,
                lang,
                &s,
                StatusCode::OK,
                Some((true, format!("{} {etag}", tc(lang, "saved")))),
                None,
            )
            .await
        }
        Err(Refusal::Failed(e)) => failed(&e),
        Err(r) => {
            let typed = (action == "replace").then_some(form.body);
            refuse(StatusCode::CONFLICT, refusal_text(lang, &r), typed).await
        }
    }
}

/// Why an edit was refused, in `lang` (the entry named as the contract names it).
fn refusal_text(lang: Lang, r: &Refusal) -> String {
    match r {
        Refusal::Unreadable(detail) => {
            format!("{} \u{2068}({detail})\u{2069}", tc(lang, "unreadable"))
        }
        Refusal::BadEntry { at, code, fa, en } => {
            let why = if lang == Lang::Fa { fa } else { en };
            format!("{} {at} «{code}»: {why}", tc(lang, "bad_entry"))
        }
        Refusal::NoSubjectInScope => tc(lang, "no_subject").to_owned(),
        Refusal::Changed(_) => tc(lang, "changed").to_owned(),
        Refusal::Failed(_) => String::new(),
    }
}
