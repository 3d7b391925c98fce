//! The agency console over real HTTP against a real PostgreSQL cluster: three offices in two
//! counties, a county manager and an agency account. Logging in needs the login form's CSRF
//! double; the county manager's fleet shows its county's kiosks only, and every page of a
//! kiosk or case of the other county answers 404 exactly as what does not exist; the agency
//! sees all and its audit log; a post without the session's CSRF token is refused; 2,000
//! password guesses, 100 at a time, get at most 20 tries checked in the hour, after which even
//! the right password waits (each refusal past the twentieth is one locked row read, so the
//! count only makes the test longer).

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use agency_server::console::accounts::{self, Scope};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use support::console::{Session, browser, form, login_form, try_login};
use support::{Office, case_item, national_code, tracking_code};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_manager_sees_its_county_only_and_posts_need_their_token() {
    let office = Office::new().await;
    let server = office.server().await;
    let pool = &office.pool;
    support::console::alborz_offices(pool).await;
    for (kiosk, place) in [
        (11, "Karaj central"),
        (12, "Karaj west"),
        (21, "Savojbolagh"),
    ] {
        accounts::place_kiosk(pool, "test", kiosk, place)
            .await
            .unwrap();
        let token = office.enrol(&server, kiosk).await;
        let (_, item) = case_item(kiosk, 1, &national_code("049937089"));
        let (status, body) = office.post_case(&server, kiosk, &token, &item).await;
        assert_eq!(status, 201, "{body}");
    }
    let county: Scope = "county:Karaj".parse().unwrap();
    accounts::add_account(pool, "test", "karaj", &county, "karaj-password-1")
        .await
        .unwrap();
    accounts::add_account(pool, "test", "agency", &Scope::Agency, "agency-password-1")
        .await
        .unwrap();
    let console = support::console::start(pool).await;
    let base = console.base_url();

    // No session: every page sends the visitor to the login form.
    let anonymous = browser().get(format!("{base}/fleet")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[LOCATION], "/login");
    // The language switch goes back to a path of the console only.
    for (next, to) in [
        ("/cases?code=1234", "/cases?code=1234"),
        // A tab or a backslash stays encoded: a path of this site, never `//evil.example`.
        ("/%09/evil.example", "/%09/evil.example"),
        ("/%5C/evil.example", "/%5C/evil.example"),
        ("//evil.example", "/fleet"),
        ("https://evil.example", "/fleet"),
        ("/devices/%DB%B1%DB%B1", "/devices/%DB%B1%DB%B1"),
    ] {
        let r = browser()
            .get(format!("{base}/lang/en?next={next}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers()[LOCATION], to, "{next}");
    }
    // A login without the form's CSRF double is refused before the password is looked at.
    let forged = form(
        browser().post(format!("{base}/login")),
        &[
            ("name", "karaj"),
            ("password", "karaj-password-1"),
            ("csrf", "x"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = login_form(&base).await;
    assert_eq!(
        try_login(&base, "karaj", "wrong-password", &csrf)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    let manager = Session::open(&base, "karaj", "karaj-password-1", "en").await;
    let (status, fleet) = manager.get("/fleet").await;
    assert_eq!(status, StatusCode::OK);
    assert!(fleet.contains("/devices/11") && fleet.contains("/devices/12"));
    assert!(
        !fleet.contains("/devices/21"),
        "another county's kiosk listed"
    );
    // Another county's kiosk and case, and what does not exist, answer alike.
    let (own, _) = manager.get("/devices/11").await;
    assert_eq!(own, StatusCode::OK);
    let (own_case, page) = manager
        .get(&format!("/cases/{}", tracking_code(12, 1)))
        .await;
    assert_eq!(own_case, StatusCode::OK, "{page}");
    let mut answers = Vec::new();
    for path in [
        "/devices/21".to_owned(),
        "/devices/99".to_owned(),
        format!("/cases/{}", tracking_code(21, 1)),
        format!("/cases/{}", tracking_code(21, 2)),
        format!("/cases?code={}", tracking_code(21, 1)),
        format!("/cases?code={}", tracking_code(21, 2)),
    ] {
        let (status, page) = manager.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.contains("049937089"), "{path}");
        answers.push(
            page.replace(&path, "")
                .replace(&path.replace('?', "%3F"), ""),
        );
    }
    for pair in answers.chunks(2) {
        assert_eq!(pair[0], pair[1], "outside the scope reads as not there");
    }
    // The agency's audit log is not the county's.
    let (audit, _) = manager.get("/audit").await;
    assert_eq!(audit, StatusCode::NOT_FOUND);

    let agency = Session::open(&base, "agency", "agency-password-1", "en").await;
    let (status, fleet) = agency.get("/fleet").await;
    assert_eq!(status, StatusCode::OK);
    for kiosk in [11, 12, 21] {
        assert!(fleet.contains(&format!("/devices/{kiosk}")), "{kiosk}");
    }
    let (status, _) = agency
        .get(&format!("/cases/{}", tracking_code(21, 1)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = agency.get("/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        log.contains("karaj"),
        "the manager's login is in the audit log"
    );

    // Logging out needs the session's token: without it nothing happens.
    let logout = |csrf: String| {
        form(
            browser()
                .post(format!("{base}/logout"))
                .header(COOKIE, &manager.cookie),
            &[("csrf", &csrf)],
        )
        .send()
    };
    assert_eq!(
        logout("forged".into()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(manager.get("/fleet").await.0, StatusCode::OK);
    assert_eq!(
        logout(manager.csrf.clone()).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(manager.get("/fleet").await.0, StatusCode::SEE_OTHER);
    console.shutdown().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_guesses_get_twenty_tries_in_the_hour() {
    let office = Office::new().await;
    let pool = &office.pool;
    accounts::add_office(pool, "test", "Karaj central", "Karaj", "Alborz")
        .await
        .unwrap();
    let scope: Scope = "office:Karaj central".parse().unwrap();
    accounts::add_account(pool, "test", "clerk", &scope, "clerk-password-1")
        .await
        .unwrap();
    let console = support::console::start(pool).await;
    let base = console.base_url();
    let csrf = login_form(&base).await;

    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for round in 0..20 {
        let mut guesses = tokio::task::JoinSet::new();
        for guess in 0..100 {
            let (base, csrf) = (base.clone(), csrf.clone());
            guesses.spawn(async move {
                try_login(&base, "clerk", &format!("guess-{round}-{guess}"), &csrf)
                    .await
                    .status()
                    .as_u16()
            });
        }
        while let Some(status) = guesses.join_next().await {
            *statuses.entry(status.unwrap()).or_default() += 1;
        }
    }
    let checked: i64 = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM console_login_tries", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(checked, accounts::TRIES_PER_HOUR, "tries checked");
    assert_eq!(statuses.get(&401).copied().unwrap_or(0) as i64, checked);
    assert_eq!(statuses.values().sum::<u32>(), 2_000, "{statuses:?}");
    assert_eq!(
        statuses.get(&429).copied().unwrap_or(0) as i64,
        2_000 - checked
    );
    // The right password now waits too: the hour is the account's, not the guesser's.
    assert_eq!(
        try_login(&base, "clerk", "clerk-password-1", &csrf)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    console.shutdown().await;
}
