//! The agency console (issue 20): server-rendered pages for managers, on a listener of their
//! own (`serve --console-listen`), never on the devices' port.
//!
//! What exists: login ([`accounts`]: argon2id, at most 20 tries an hour per account), fleet
//! health of every device in the account's scope with silent devices flagged, one device's
//! page, a case found by its tracking code with its timeline, and (agency accounts only) the
//! audit log, and reports of an office, county, province or the agency for a Jalali quarter or
//! month, as a page, a printout and CSV ([`reports`]). Pages are Persian first with an English
//! switch ([`pages`]). Manager accounts also change what is in their scope ([`manage`]):
//! devices (enrolment codes shown once, revoking, retired keys, a legacy device's role),
//! the offices' desk staff, and (the agency's) the catalogue, each change audited.
//!
//! Why it is safe to expose: a session is a random token in a `Secure; HttpOnly;
//! SameSite=Strict` cookie, of which the database keeps only the hash; every POST carries a
//! CSRF token (the session's, or for the login form a cookie's double) compared in constant
//! time; every query that reads a device or a case is filtered by the account's scope in SQL
//! ([`accounts::scope_filter`]), and whatever is outside it answers 404 exactly as what does not
//! exist, so a county manager cannot even learn which codes another county holds. Pages run no
//! script and forbid everything else by Content-Security-Policy.

pub mod accounts;
pub mod manage;
pub mod manage_catalogue;
pub mod manage_devices;
pub mod manage_staff;
pub mod notice_section;
pub mod pages;
pub mod report_page;
pub mod reports;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use maud::Markup;
use serde::Deserialize;

use accounts::{Account, LoginOutcome, Scope, scope_filter};
use pages::{Lang, Section, t};

/// The session cookie.
const SESSION_COOKIE: &str = "console_session";
/// The login form's CSRF double (before there is a session).
const LOGIN_CSRF_COOKIE: &str = "console_login_csrf";
/// The language cookie.
const LANG_COOKIE: &str = "console_lang";

/// How to serve the console.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Where to listen (its own port, not the devices').
    pub listen: SocketAddr,
    /// TLS (a server certificate, no client certificates), or `None` behind a TLS proxy or
    /// on loopback.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The devices' heartbeat interval: a device silent for more than three is flagged.
    pub heartbeat: std::time::Duration,
}

/// What the console's handlers share.
#[derive(Debug)]
struct ConsoleState {
    pool: Pool,
    heartbeat: chrono::Duration,
}

/// Serves the console on `config.listen` from `pool` (already migrated).
pub async fn start(pool: Pool, config: ConsoleConfig) -> anyhow::Result<crate::ServerHandle> {
    let state = Arc::new(ConsoleState {
        pool,
        heartbeat: chrono::Duration::from_std(config.heartbeat)?,
    });
    crate::serve_router(config.listen, config.tls, router(state)).await
}

fn router(state: Arc<ConsoleState>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/fleet") }))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/fleet", get(fleet))
        .route("/devices/{kiosk}", get(device))
        .route("/cases", get(case_search))
        .route("/cases/{code}", get(case))
        .route("/reports", get(report))
        .route("/reports.csv", get(report_csv))
        .route("/audit", get(audit))
        .route("/manage", get(|| async { Redirect::to("/manage/devices") }))
        .route("/manage/devices", get(manage_devices::list))
        .route("/manage/devices/enrol", post(manage_devices::enrol))
        .route("/manage/devices/{kiosk}", get(manage_devices::device))
        .route(
            "/manage/devices/{kiosk}/role",
            post(manage_devices::set_role),
        )
        .route(
            "/manage/devices/{kiosk}/{action}",
            get(manage_devices::confirm).post(manage_devices::act),
        )
        .route("/manage/staff", get(manage_staff::list))
        .route("/manage/staff/{action}", post(manage_staff::act))
        .route("/manage/catalogue", get(manage_catalogue::view))
        .route("/manage/catalogue/{action}", post(manage_catalogue::edit))
        .route("/static/{file}", get(static_file))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers on every answer: no script, nothing framed, nothing cached (pages hold data of a
/// scope), no referrer.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The value of cookie `name` in the request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always Secure, HttpOnly, SameSite=Strict, the whole console's path.
fn set_cookie(name: &str, value: &str, max_age_s: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Equal strings, compared in time that does not depend on where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_code(cookie(headers, LANG_COOKIE))
}

fn html(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

fn server_error(e: &accounts::ConsoleError) -> Response {
    tracing::warn!(error = %e, "console request failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

/// A logged-in request: the account, its session's CSRF token, the cookie's token.
struct Session {
    account: Account,
    csrf: String,
    token: String,
}

impl Session {
    /// A page of the console for this session, answered with `status`.
    fn page(
        &self,
        lang: Lang,
        status: StatusCode,
        title: &str,
        path: &str,
        section: Section,
        body: Markup,
    ) -> Response {
        html(
            status,
            pages::page(
                lang,
                title,
                path,
                section,
                Some((&self.account, &self.csrf)),
                body,
            ),
        )
    }
}

/// The session of the request, or the answer to give instead (to the login page when there is
/// none).
async fn session(state: &ConsoleState, headers: &HeaderMap) -> Result<Session, Response> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(Redirect::to("/login").into_response());
    };
    match accounts::session(&state.pool, token).await {
        Ok(Some((account, csrf))) => Ok(Session {
            account,
            csrf,
            token: token.to_owned(),
        }),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(server_error(&e)),
    }
}

/// 404 with the same words for what is outside the scope and what does not exist.
fn not_here(lang: Lang, path: &str, section: Section, s: &Session) -> Response {
    html(
        StatusCode::NOT_FOUND,
        pages::message(
            lang,
            path,
            section,
            Some((&s.account, &s.csrf)),
            t(lang, "not_here"),
        ),
    )
}

async fn login_form(headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let csrf = accounts::random_token();
    let mut r = html(StatusCode::OK, pages::login(lang, &csrf, None));
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600),
    );
    r
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the form's CSRF token is missing or wrong: reload the page",
    )
        .into_response()
}

async fn login(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let Some(expected) = cookie(&headers, LOGIN_CSRF_COOKIE) else {
        return csrf_refused();
    };
    if !same_token(expected, &form.csrf) {
        return csrf_refused();
    }
    let outcome = match accounts::login(&state.pool, form.name.trim(), &form.password).await {
        Ok(o) => o,
        Err(e) => return server_error(&e),
    };
    let (status, message) = match outcome {
        LoginOutcome::Ok(session) => {
            let mut r = Redirect::to("/fleet").into_response();
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &session.token,
                    accounts::SESSION_HOURS * 3600,
                ),
            );
            h.append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", 0));
            return r;
        }
        LoginOutcome::Refused => (StatusCode::UNAUTHORIZED, t(lang, "refused")),
        LoginOutcome::Locked => (StatusCode::TOO_MANY_REQUESTS, t(lang, "locked")),
    };
    html(status, pages::login(lang, expected, Some(message)))
}

async fn logout(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !same_token(&s.csrf, &form.csrf) {
        return csrf_refused();
    }
    if let Err(e) = accounts::logout(&state.pool, &s.account, &s.token).await {
        return server_error(&e);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    r
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    next: Option<String>,
}

/// `next` as a path of this console, or `None`: one leading slash (never two: `//host` is
/// another site), then every byte but ASCII letters, digits and `/ _ . - ~ ? = &`
/// percent-encoded. Browsers drop tabs and newlines from a URL and read `\` as `/`, so those
/// must reach them encoded, or `/\t/host` would become another site's address; a Persian
/// place name in a report's query stays what it was.
fn console_path(next: &str) -> Option<String> {
    if !next.starts_with('/') || next.starts_with("//") {
        return None;
    }
    Some(
        next.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"/_.-~?=&".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    )
}

/// `GET /lang/{fa|en}?next=/path`: the language cookie, then back to a path of this console
/// (never elsewhere: an open redirect would lend the console's name to any address).
async fn set_lang(Path(lang): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let code = if lang == "en" { "en" } else { "fa" };
    let next = q
        .next
        .and_then(|n| console_path(&n))
        .unwrap_or_else(|| "/fleet".to_owned());
    let mut r = Redirect::to(&next).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, code, 365 * 86_400),
    );
    r
}

/// The devices in the account's scope (one, with `only`), with their latest heartbeat.
async fn device_rows(
    state: &ConsoleState,
    account: &Account,
    only: Option<i32>,
) -> Result<Vec<pages::DeviceRow>, accounts::ConsoleError> {
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT k.kiosk_number, ok.office, h.received_at, h.printer_state, h.paper,
                h.outbox_depth, h.outbox_parked, h.oldest_unsent_age_s, h.last_sync_at,
                h.firmware_version, now()
         FROM (SELECT kiosk_number FROM office_kiosks
               UNION SELECT kiosk_number FROM devices WHERE revoked_at IS NULL
               UNION SELECT kiosk_number FROM device_health) k
         LEFT JOIN office_kiosks ok ON ok.kiosk_number = k.kiosk_number
         LEFT JOIN device_health h ON h.kiosk_number = k.kiosk_number
         WHERE {} AND ($3::integer IS NULL OR k.kiosk_number = $3)
         ORDER BY ok.office NULLS LAST, k.kiosk_number",
        scope_filter("k.kiosk_number")
    );
    let rows = client
        .query(&sql, &[&account.level(), &account.place(), &only])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let now: DateTime<Utc> = r.get(10);
            let last_seen: Option<DateTime<Utc>> = r.get(2);
            let state_: Option<String> = r.get(3);
            let paper: Option<String> = r.get(4);
            let depth: Option<i64> = r.get(5);
            let parked: Option<i64> = r.get(6);
            let oldest_s: Option<i64> = r.get(7);
            let last_sync: Option<DateTime<Utc>> = r.get(8);
            pages::DeviceRow {
                kiosk: r.get(0),
                office: r.get(1),
                last_seen,
                printer: state_.zip(paper),
                outbox: depth.zip(parked),
                oldest: oldest_s.zip(last_seen).map(|(age, seen)| {
                    chrono::Duration::seconds(age) + (now - seen).max(chrono::Duration::zero())
                }),
                sync_lag: last_sync.map(|s| now - s),
                version: r.get(9),
                silent: last_seen.is_none_or(|seen| now - seen > state.heartbeat * 3),
            }
        })
        .collect())
}

async fn fleet(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let rows = match device_rows(&state, &s.account, None).await {
        Ok(r) => r,
        Err(e) => return server_error(&e),
    };
    let body = pages::fleet(lang, Utc::now(), &rows);
    s.page(
        lang,
        StatusCode::OK,
        t(lang, "fleet"),
        "/fleet",
        Section::Fleet,
        body,
    )
}

async fn device(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(kiosk): Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let path = format!("/devices/{kiosk}");
    let Ok(number) = kiosk_core::digits::to_ascii_digits(&kiosk).parse::<i32>() else {
        return not_here(lang, "/fleet", Section::Fleet, &s);
    };
    let rows = match device_rows(&state, &s.account, Some(number)).await {
        Ok(r) => r,
        Err(e) => return server_error(&e),
    };
    let Some(row) = rows.first() else {
        return not_here(lang, &path, Section::Fleet, &s);
    };
    let title = format!("{} {}", t(lang, "kiosk"), lang.digits(&number.to_string()));
    s.page(
        lang,
        StatusCode::OK,
        &title,
        &path,
        Section::Fleet,
        pages::device(lang, Utc::now(), row),
    )
}

#[derive(Debug, Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// A typed tracking code as its 16 ASCII digits (any digit script; spaces and dashes
/// dropped), or `None`.
fn tracking_code(typed: &str) -> Option<String> {
    let digits: String = kiosk_core::digits::to_ascii_digits(typed)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The case `code` if its kiosk is in the account's scope.
async fn case_view(
    state: &ConsoleState,
    account: &Account,
    code: &str,
) -> Result<Option<pages::CaseView>, accounts::ConsoleError> {
    let client = state.pool.get().await?;
    let sql = format!(
        "SELECT c.tracking_code, c.kind, c.registered_at, c.kiosk_number, ok.office,
                c.payload ->> 'due_jalali', c.notice_consent
         FROM cases c LEFT JOIN office_kiosks ok ON ok.kiosk_number = c.kiosk_number
         WHERE c.tracking_code = $3 AND {}",
        scope_filter("c.kiosk_number")
    );
    let Some(row) = client
        .query_opt(&sql, &[&account.level(), &account.place(), &code])
        .await?
    else {
        return Ok(None);
    };
    let registered_at: DateTime<Utc> = row.get(2);
    let kiosk: i32 = row.get(3);
    let lang_neutral = format!("#{kiosk}");
    let mut events = vec![pages::CaseEvent {
        at: registered_at,
        what: "registered".to_owned(),
        unit: lang_neutral,
        person: String::new(),
        notes: None,
    }];
    for r in client
        .query(
            "SELECT happened_at, event_type, unit, person, notes FROM case_events
             WHERE tracking_code = $1 ORDER BY happened_at, seq",
            &[&code],
        )
        .await?
    {
        events.push(pages::CaseEvent {
            at: r.get(0),
            what: r.get(1),
            unit: r.get(2),
            person: r.get(3),
            notes: r.get(4),
        });
    }
    for r in client
        .query(
            "SELECT given_at, desk_kiosk FROM receipt_copies WHERE tracking_code = $1",
            &[&code],
        )
        .await?
    {
        let desk: i32 = r.get(1);
        events.push(pages::CaseEvent {
            at: r.get(0),
            what: "receipt_copy".to_owned(),
            unit: format!("#{desk}"),
            person: String::new(),
            notes: None,
        });
    }
    events.sort_by_key(|e| e.at);
    let notices = crate::notices::of_case(&**client, code).await?;
    Ok(Some(pages::CaseView {
        notice_consent: row.get(6),
        notices,
        tracking_code: row.get(0),
        kind: row.get(1),
        registered_at,
        kiosk,
        office: row.get(4),
        due_jalali: row.get(5),
        events,
    }))
}

async fn case_search(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Query(q): Query<CodeQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut missed = false;
    if let Some(typed) = q.code.as_deref().filter(|c| !c.trim().is_empty()) {
        match tracking_code(typed) {
            Some(code) => match case_view(&state, &s.account, &code).await {
                Ok(Some(_)) => return Redirect::to(&format!("/cases/{code}")).into_response(),
                Ok(None) => missed = true,
                Err(e) => return server_error(&e),
            },
            None => missed = true,
        }
    }
    let status = if missed {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    s.page(
        lang,
        status,
        t(lang, "cases"),
        "/cases",
        Section::Cases,
        pages::case_search(lang, missed),
    )
}

async fn case(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(code) = tracking_code(&code) else {
        return not_here(lang, "/cases", Section::Cases, &s);
    };
    let path = format!("/cases/{code}");
    let mut view = match case_view(&state, &s.account, &code).await {
        Ok(Some(v)) => v,
        Ok(None) => return not_here(lang, &path, Section::Cases, &s),
        Err(e) => return server_error(&e),
    };
    for e in &mut view.events {
        if e.what == "registered" {
            e.what = t(lang, "registered_at_kiosk").to_owned();
        } else if e.what == "receipt_copy" {
            e.what = t(lang, "receipt_copy").to_owned();
        }
        if e.unit.starts_with('#') {
            e.unit = lang.digits(&e.unit);
        }
    }
    let title = format!("{} {}", t(lang, "case"), pages::code(lang, &code));
    s.page(
        lang,
        StatusCode::OK,
        &title,
        &path,
        Section::Cases,
        pages::case(lang, &view),
    )
}

/// `/reports`' query: `period` (`1405-Q3`, `1405-09`), `level` and `name` of the place.
#[derive(Debug, Deserialize)]
struct ReportQuery {
    period: Option<String>,
    level: Option<String>,
    name: Option<String>,
}

/// What a report query asks for, or the key of the message saying why it does not read; the
/// form as it should be shown again either way. Nothing given: the current quarter at the
/// account's own scope.
fn read_report_query(
    q: &ReportQuery,
    account: &Account,
    now: DateTime<Utc>,
) -> (
    Result<(reports::Period, Scope), &'static str>,
    report_page::ReportForm,
) {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let period_text = given(&q.period);
    let period = match &period_text {
        None => Ok(reports::Period::quarter_of(now)),
        Some(p) => reports::Period::parse(p).ok_or("bad_period"),
    };
    let (level, name) = match given(&q.level) {
        None => (account.level().to_owned(), account.place().to_owned()),
        Some(level) => (level, given(&q.name).unwrap_or_default()),
    };
    let form = report_page::ReportForm {
        period: period_text
            .unwrap_or_else(|| period.as_ref().map(|p| p.label()).unwrap_or_default()),
        level: level.clone(),
        name: name.clone(),
    };
    let place = if level == "agency" {
        Ok(Scope::Agency)
    } else if ["office", "county", "province"].contains(&level.as_str())
        && !name.is_empty()
        && name.chars().count() <= 100
    {
        format!("{level}:{name}")
            .parse::<Scope>()
            .map_err(|_| "bad_level")
    } else {
        Err("bad_level")
    };
    let asked = match (period, place) {
        (Ok(period), Ok(place)) => Ok((period, place)),
        (Err(key), _) | (_, Err(key)) => Err(key),
    };
    (asked, form)
}

/// A report page that says why nothing is shown, with the form to ask again.
fn report_refused(
    lang: Lang,
    status: StatusCode,
    s: &Session,
    form: &report_page::ReportForm,
    message: &str,
) -> Response {
    s.page(
        lang,
        status,
        t(lang, "reports"),
        "/reports",
        Section::Reports,
        maud::html! {
            h1 { (t(lang, "reports")) }
            (report_page::form(lang, form, Some(message)))
        },
    )
}

/// The report asked for, or the answer to give instead.
async fn report_for(
    state: &ConsoleState,
    lang: Lang,
    s: &Session,
    q: &ReportQuery,
) -> Result<(reports::Report, report_page::ReportForm), Response> {
    let now = Utc::now();
    let (asked, form) = read_report_query(q, &s.account, now);
    let (period, place) = match asked {
        Ok(a) => a,
        Err(key) => {
            return Err(report_refused(
                lang,
                StatusCode::BAD_REQUEST,
                s,
                &form,
                t(lang, key),
            ));
        }
    };
    match reports::make(&state.pool, &s.account, &place, period, now).await {
        Ok(r) => Ok((r, form)),
        Err(reports::ReportRefusal::NotHere) => Err(report_refused(
            lang,
            StatusCode::NOT_FOUND,
            s,
            &form,
            t(lang, "place_not_here"),
        )),
        Err(reports::ReportRefusal::Failed(e)) => Err(server_error(&e)),
    }
}

/// `GET /reports?period=&level=&name=`: a place's report for a quarter or a month.
async fn report(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (r, form) = match report_for(&state, lang, &s, &q).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    // The language switch comes back to this report when its query is plain ASCII (a
    // percent-encoded name is not a console path it accepts); else to the default report.
    let path = format!("/reports?{}", form.query());
    let path = if path.contains('%') {
        "/reports".to_owned()
    } else {
        path
    };
    let title = format!(
        "{} · {}",
        t(lang, "report_title"),
        report_page::period_text(lang, r.period)
    );
    s.page(
        lang,
        StatusCode::OK,
        &title,
        &path,
        Section::Reports,
        report_page::report(lang, &r, &form),
    )
}

/// `GET /reports.csv?…`: the same report as CSV (UTF-8 with a BOM), as a download.
async fn report_csv(
    State(state): State<Arc<ConsoleState>>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (r, _) = match report_for(&state, lang, &s, &q).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    let file = format!(
        "attachment; filename=\"report-{}-{}.csv\"",
        r.place.level(),
        r.period.label()
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        reports::csv(&r),
    )
        .into_response()
}

/// `GET /audit`: the latest 500 changes, for agency accounts only (the log names every
/// office and account).
async fn audit(State(state): State<Arc<ConsoleState>>, headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if s.account.scope != Scope::Agency {
        return not_here(lang, "/audit", Section::Audit, &s);
    }
    let rows = match async {
        let client = state.pool.get().await?;
        Ok::<_, accounts::ConsoleError>(
            client
                .query(
                    "SELECT at, actor, action, detail::text FROM console_audit
                     ORDER BY id DESC LIMIT 500",
                    &[],
                )
                .await?,
        )
    }
    .await
    {
        Ok(r) => r,
        Err(e) => return server_error(&e),
    };
    let rows: Vec<pages::AuditRow> = rows
        .iter()
        .map(|r| pages::AuditRow {
            at: r.get(0),
            actor: r.get(1),
            action: r.get(2),
            detail: r.get(3),
        })
        .collect();
    s.page(
        lang,
        StatusCode::OK,
        t(lang, "audit"),
        "/audit",
        Section::Audit,
        pages::audit(lang, &rows),
    )
}

/// The style sheet and the font (Vazirmatn, SIL Open Font License, ui/fonts/OFL.txt).
async fn static_file(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "console.css" => (pages::CSS.as_bytes(), "text/css; charset=utf-8"),
        "Vazirmatn-Regular.ttf" => (
            include_bytes!("../../../ui/fonts/Vazirmatn-Regular.ttf"),
            "font/ttf",
        ),
        "Vazirmatn-Bold.ttf" => (
            include_bytes!("../../../ui/fonts/Vazirmatn-Bold.ttf"),
            "font/ttf",
        ),
        "OFL.txt" => (
            include_bytes!("../../../ui/fonts/OFL.txt"),
            "text/plain; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
