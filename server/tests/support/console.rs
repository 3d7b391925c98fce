//! What the console's tests share: the console started on loopback, a client that shows
//! redirects instead of following them, cookies read from answers, forms posted as a browser
//! posts them, and logging in through the login form with its CSRF double.

use std::net::SocketAddr;
use std::time::Duration;

use agency_server::ServerHandle;
use agency_server::console::{self, ConsoleConfig};
use deadpool_postgres::Pool;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

/// The console over `pool` on a free loopback port, plain HTTP, 60 s heartbeats.
pub async fn start(pool: &Pool) -> ServerHandle {
    console::start(
        pool.clone(),
        ConsoleConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            heartbeat: Duration::from_secs(60),
        },
    )
    .await
    .unwrap()
}

/// A client that follows no redirect (the tests read them).
pub fn browser() -> reqwest::Client {
    // The console is plain HTTP here (loopback); reqwest still wants a TLS provider. A second
    // install is refused, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value `name` is set to by `response`, if it sets it.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (n, value) = v.split(';').next()?.split_once('=')?;
            (n.trim() == name).then(|| value.trim().to_owned())
        })
}

/// `pairs` as an HTML form posts them (application/x-www-form-urlencoded).
pub fn form(request: reqwest::RequestBuilder, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    request
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body.join("&"))
}

/// The login form's CSRF double, as the browser gets it.
pub async fn login_form(base: &str) -> String {
    let form = browser().get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let csrf = set_cookie(&form, "console_login_csrf").expect("the login form's CSRF cookie");
    let page = form.text().await.unwrap();
    assert!(page.contains(&csrf), "the form carries its CSRF token");
    csrf
}

/// The login form posted with `name`, `password` and the CSRF double `csrf`.
pub async fn try_login(base: &str, name: &str, password: &str, csrf: &str) -> reqwest::Response {
    form(
        browser()
            .post(format!("{base}/login"))
            .header(COOKIE, format!("console_login_csrf={csrf}")),
        &[("name", name), ("password", password), ("csrf", csrf)],
    )
    .send()
    .await
    .unwrap()
}

/// Logs `name` in; the session's cookie (`console_session=…`).
pub async fn login(base: &str, name: &str, password: &str) -> String {
    let csrf = login_form(base).await;
    let r = try_login(base, name, password, &csrf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} logs in");
    format!(
        "console_session={}",
        set_cookie(&r, "console_session").expect("a session cookie")
    )
}
