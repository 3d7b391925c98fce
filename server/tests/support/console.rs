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

/// A logged-in console session: its cookie (with the page language `lang`, `fa` or `en`) and
/// the CSRF token its forms carry.
pub struct Session {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    /// Logs `name` in through the form (the session cookie `HttpOnly; Secure;
    /// SameSite=Strict`, the way to the fleet) and reads the CSRF token off the fleet page.
    pub async fn open(base: &str, name: &str, password: &str, lang: &str) -> Self {
        let csrf = login_form(base).await;
        let logged = try_login(base, name, password, &csrf).await;
        assert_eq!(logged.status(), StatusCode::SEE_OTHER, "{name} logs in");
        assert_eq!(logged.headers()[reqwest::header::LOCATION], "/fleet");
        let token = set_cookie(&logged, "console_session").expect("a session cookie");
        let cookie_line = logged
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with("console_session="))
            .unwrap();
        for attribute in ["HttpOnly", "Secure", "SameSite=Strict"] {
            assert!(cookie_line.contains(attribute), "{cookie_line}");
        }
        let cookie = format!("console_session={token}; console_lang={lang}");
        let fleet = browser()
            .get(format!("{base}/fleet"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(fleet.status(), StatusCode::OK);
        let page = fleet.text().await.unwrap();
        let csrf = page
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the logout form's CSRF token")
            .to_owned();
        Self {
            base: base.to_owned(),
            cookie,
            csrf,
        }
    }

    /// A page: its status and body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = browser()
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Posts `pairs` with the session's CSRF token.
    pub async fn post(&self, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post_raw(path, &all).await
    }

    /// Posts `pairs` as they are (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, pairs: &[(&str, &str)]) -> (StatusCode, String) {
        let r = form(
            browser()
                .post(format!("{}{path}", self.base))
                .header(COOKIE, &self.cookie),
            pairs,
        )
        .send()
        .await
        .unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

/// The three offices the console's tests place their kiosks in, all in the province of Alborz:
/// «Karaj central» and «Karaj west» in the county of Karaj, «Savojbolagh» in its own county.
pub async fn alborz_offices(pool: &Pool) {
    for (name, county) in [
        ("Karaj central", "Karaj"),
        ("Karaj west", "Karaj"),
        ("Savojbolagh", "Savojbolagh"),
    ] {
        console::accounts::add_office(pool, "test", name, county, "Alborz")
            .await
            .unwrap();
    }
}
