//! The console's management pages over real HTTP against a real PostgreSQL cluster: two
//! counties of one province, a county manager, a county viewer and an agency manager.
//!
//! - Every management route walked with every account (none, viewer, county manager, agency
//!   manager): the login page without a session, 403 for the viewer, 404 outside the scope,
//!   and every post without the session's CSRF token 403; nothing of it writes the audit log.
//! - Devices: an enrolment code made on the page is shown once, enrols a real device with its
//!   role, and is not in the audit log; a bad or foreign kiosk number is refused in Persian and
//!   makes no code; revoking is confirmed, then refuses the device's token; a number's retired
//!   keys are dropped; a legacy device gets a role once. The CLI's enrol-code, revoke,
//!   set-role and staff-add write the audit log as `cli`, and `console-account add --role
//!   manager` makes an office's manager who manages that office only.
//! - Staff: a PIN too short is refused in Persian and adds nothing; an account is added in an
//!   office of the scope (never another county's), its PIN made and shown once or typed, its
//!   hash never on a page, disabled and its PIN reset; a desk of another office does not log it
//!   in.
//! - Catalogue: the county manager sees it without forms and its posts answer 404; the agency
//!   manager adds and removes a subject (the ETag changes, devices get the new body) while
//!   malformed JSON, a bad code and a stale ETag are refused in Persian and change nothing.
//!
//! Each change writes exactly one audit row, naming the account, never a code, PIN or token.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use agency_server::console::accounts::{self, Role, Scope};
use kiosk_sync::wire::StaffLogin;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};
use support::console::{Session, browser, form};
use support::{Office, Role as DeviceRole};

/// The audit log's rows of changes (logins and logouts left out): (actor, action, detail).
async fn changes(office: &Office) -> Vec<(String, String, Value)> {
    let client = office.pool.get().await.unwrap();
    client
        .query(
            "SELECT actor, action, detail FROM console_audit
             WHERE action NOT IN ('login', 'logout', 'login.refused') ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// The one change written since `before` changes: its actor, action and detail.
async fn one_change(office: &Office, before: usize) -> (String, String, Value) {
    let all = changes(office).await;
    assert_eq!(all.len(), before + 1, "exactly one audit row: {all:?}");
    all.last().unwrap().clone()
}

async fn scalar<T: for<'a> tokio_postgres::types::FromSql<'a>>(office: &Office, sql: &str) -> T {
    office
        .pool
        .get()
        .await
        .unwrap()
        .query_one(sql, &[])
        .await
        .unwrap()
        .get(0)
}

/// The text of the page's `<output class="once">` (a code or PIN shown once), ASCII digits.
fn shown_once(page: &str) -> String {
    let after = page
        .split("class=\"once\"")
        .nth(1)
        .expect("something shown once");
    let text = after.split('>').nth(1).unwrap().split('<').next().unwrap();
    kiosk_core::digits::to_ascii_digits(text)
}

const CATALOGUE: &str = r#"{
    "version": "1405-09", "case_kinds": ["complaint", "request"],
    "subjects": [
        { "service_code": "S1", "service_name": "آب", "keywords": ["لوله"] },
        { "service_code": "S2", "service_name": "برق", "guidance": { "office": "اداره برق" } }
    ],
    "services": [],
    "agency": { "agency_code": "A1", "name": "اداره", "subject_scope": ["S1"] },
    "holiday_overrides": []
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_change_what_is_in_their_scope_each_change_audited_once() {
    let office = Office::new().await;
    let server = office.server().await;
    let pool = &office.pool;
    support::console::alborz_offices(pool).await;
    for (kiosk, place) in [
        (11, "Karaj central"),
        (12, "Karaj central"),
        (13, "Karaj west"),
        (14, "Karaj west"),
        (21, "Savojbolagh"),
    ] {
        accounts::place_kiosk(pool, "test", kiosk, place)
            .await
            .unwrap();
    }
    let token11 = office.enrol(&server, 11).await;
    office.enrol(&server, 12).await;
    office.enrol(&server, 14).await;
    office.enrol(&server, 21).await;
    // 12 and 14 enrolled before devices had roles.
    pool.get()
        .await
        .unwrap()
        .execute(
            "UPDATE devices SET role = NULL WHERE kiosk_number IN (12, 14)",
            &[],
        )
        .await
        .unwrap();
    let karaj: Scope = "county:Karaj".parse().unwrap();
    for (name, scope, role) in [
        ("karaj", &karaj, Role::Manager),
        ("karaj-viewer", &karaj, Role::Viewer),
        ("agency", &Scope::Agency, Role::Manager),
    ] {
        accounts::add_account_as(
            pool,
            "test",
            name,
            scope,
            role,
            &format!("{name}-password-1"),
        )
        .await
        .unwrap();
    }
    let console = support::console::start(pool).await;
    let base = console.base_url();
    let manager = Session::open(&base, "karaj", "karaj-password-1", "fa").await;
    let viewer = Session::open(&base, "karaj-viewer", "karaj-viewer-password-1", "fa").await;
    let agency = Session::open(&base, "agency", "agency-password-1", "fa").await;
    agency_server::contract::set_catalogue(pool, CATALOGUE)
        .await
        .unwrap();

    // --- Every route, every account. ---
    let gets = [
        "/manage/devices",
        "/manage/devices/11",
        "/manage/devices/11/revoke",
        "/manage/devices/11/drop-keys",
        "/manage/devices/21",
        "/manage/devices/21/revoke",
        "/manage/devices/99",
        "/manage/staff",
        "/manage/catalogue",
    ];
    let posts = [
        "/manage/devices/enrol",
        "/manage/devices/11/revoke",
        "/manage/devices/11/drop-keys",
        "/manage/devices/12/role",
        "/manage/devices/21/revoke",
        "/manage/staff/add",
        "/manage/staff/disable",
        "/manage/staff/enable",
        "/manage/staff/pin",
        "/manage/catalogue/subject",
        "/manage/catalogue/remove",
        "/manage/catalogue/replace",
    ];
    let before = changes(&office).await.len();
    for path in gets.iter().chain(posts.iter()) {
        let is_post = posts.contains(path) && !gets.contains(path);
        let anonymous = if is_post {
            form(browser().post(format!("{base}{path}")), &[("csrf", "x")])
                .send()
                .await
                .unwrap()
        } else {
            browser().get(format!("{base}{path}")).send().await.unwrap()
        };
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(anonymous.headers()[LOCATION], "/login", "{path}");
        for (who, s) in [
            ("viewer", &viewer),
            ("karaj", &manager),
            ("agency", &agency),
        ] {
            let foreign = path.contains("/21") || path.contains("/99");
            let expected = if who == "viewer" {
                StatusCode::FORBIDDEN
            } else if foreign && !(who == "agency" && path.contains("/21")) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::OK
            };
            if !is_post {
                let (status, page) = s.get(path).await;
                assert_eq!(status, expected, "GET {path} as {who}");
                if who == "viewer" {
                    assert!(page.contains("فقط خواندنی"), "{page}");
                }
            }
            if posts.contains(path) {
                // No CSRF token: refused before anything is looked at, whoever asks.
                let (status, _) = s.post_raw(path, &[("kiosk", "13"), ("role", "desk")]).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "POST {path} as {who}");
                let (status, _) = s
                    .post_raw(path, &[("csrf", "forged"), ("kiosk", "13")])
                    .await;
                assert_eq!(status, StatusCode::FORBIDDEN, "POST {path} as {who}");
            }
        }
    }
    // The viewer is refused with its token too; the menu offers it no management.
    let (status, _) = viewer
        .post(
            "/manage/devices/enrol",
            &[("kiosk", "13"), ("role", "desk")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!viewer.get("/fleet").await.1.contains("/manage/devices"));
    assert!(manager.get("/fleet").await.1.contains("/manage/devices"));
    assert_eq!(changes(&office).await.len(), before, "nothing changed");
    assert_eq!(
        scalar::<i64>(
            &office,
            "SELECT count(*) FROM enrol_codes WHERE used_at IS NULL"
        )
        .await,
        0
    );

    // --- Devices. ---
    let (status, page) = manager.get("/manage/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/manage/devices/11") && page.contains("/manage/devices/13"));
    assert!(
        !page.contains("/manage/devices/21"),
        "another county's kiosk"
    );
    for (kiosk, status, words) in [
        (
            "abc",
            StatusCode::BAD_REQUEST,
            "شماره دستگاه باید عددی از ۱ تا ۹۹۹۹۹ باشد.",
        ),
        ("100000", StatusCode::BAD_REQUEST, "شماره دستگاه باید"),
        ("0", StatusCode::BAD_REQUEST, "شماره دستگاه باید"),
        ("21", StatusCode::NOT_FOUND, "در دفترهای حوزه شما نیست"),
        ("777", StatusCode::NOT_FOUND, "در دفترهای حوزه شما نیست"),
    ] {
        let (got, page) = manager
            .post(
                "/manage/devices/enrol",
                &[("kiosk", kiosk), ("role", "desk")],
            )
            .await;
        assert_eq!(got, status, "{kiosk}");
        assert!(page.contains(words), "{kiosk}: {page}");
        assert!(page.contains("dir=\"rtl\""));
    }
    let (got, page) = manager
        .post(
            "/manage/devices/enrol",
            &[("kiosk", "13"), ("role", "other")],
        )
        .await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    assert!(page.contains("نقش را انتخاب کنید"));
    assert_eq!(
        changes(&office).await.len(),
        before,
        "bad input changes nothing"
    );
    assert_eq!(
        scalar::<i64>(
            &office,
            "SELECT count(*) FROM enrol_codes WHERE used_at IS NULL"
        )
        .await,
        0
    );

    // A code for kiosk 13 (typed in Persian digits) as a desk: shown once, enrols a desk.
    let (status, page) = manager
        .post(
            "/manage/devices/enrol",
            &[("kiosk", "۱۳"), ("role", "desk")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let code = shown_once(&page);
    assert_eq!(code.len(), 19, "{code}");
    let (actor, action, detail) = one_change(&office, before).await;
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("karaj", "device.enrol_code")
    );
    assert_eq!(detail["kiosk"], 13);
    assert_eq!(detail["role"], "desk");
    assert_eq!(detail["office"], "Karaj west");
    assert!(!detail.to_string().contains(&code[..4]), "{detail}");
    office.enrol_with_code(&server, &code, 13).await;
    assert_eq!(
        scalar::<String>(
            &office,
            "SELECT role FROM devices WHERE kiosk_number = 13 AND revoked_at IS NULL"
        )
        .await,
        "desk"
    );

    // Revoking: a confirmation page, then the post; another county's device stays.
    let (status, page) = manager.get("/manage/devices/11/revoke").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("action=\"/manage/devices/11/revoke\"") && page.contains("انصراف"));
    let before = changes(&office).await.len();
    let (status, _) = manager.post("/manage/devices/21/revoke", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(changes(&office).await.len(), before);
    let (status, page) = manager.post("/manage/devices/11/revoke", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("دستگاه باطل شد."));
    let (actor, action, detail) = one_change(&office, before).await;
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("karaj", "device.revoke")
    );
    assert_eq!(detail["kiosk"], 11);
    let heartbeat = office
        .client()
        .get(format!("{}/v1/kiosks/11/fleet-keys", server.base_url()))
        .bearer_auth(&token11)
        .send()
        .await
        .unwrap();
    assert_eq!(heartbeat.status(), 401, "the revoked device is refused");
    assert_eq!(
        scalar::<i64>(
            &office,
            "SELECT count(*) FROM devices WHERE kiosk_number = 21 AND revoked_at IS NULL"
        )
        .await,
        1
    );
    // Again: nothing to revoke, nothing audited.
    let (status, _) = manager.post("/manage/devices/11/revoke", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(changes(&office).await.len(), before + 1);

    // Retired keys of kiosk 12 dropped.
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32])
        .verifying_key()
        .to_bytes()
        .to_vec();
    pool.get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO retired_satisfaction_keys (kiosk_number, public_key, published_at, reason)
             VALUES (12, $1, now(), 'rotated')",
            &[&key],
        )
        .await
        .unwrap();
    let (status, page) = manager.get("/manage/devices/12").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("/manage/devices/12/drop-keys"));
    let before = changes(&office).await.len();
    let (status, page) = manager.post("/manage/devices/12/drop-keys", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        scalar::<i64>(&office, "SELECT count(*) FROM retired_satisfaction_keys").await,
        0
    );
    let (_, action, detail) = one_change(&office, before).await;
    assert_eq!(action, "device.drop_retired_keys");
    assert_eq!(detail["dropped"], 1);

    // A legacy device's role, once.
    let before = changes(&office).await.len();
    let (status, _) = manager
        .post("/manage/devices/12/role", &[("role", "chair")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(changes(&office).await.len(), before);
    let (status, page) = manager
        .post("/manage/devices/12/role", &[("role", "desk")])
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, action, detail) = one_change(&office, before).await;
    assert_eq!(action, "device.set_role");
    assert_eq!(detail["role"], "desk");
    let (status, page) = manager
        .post("/manage/devices/12/role", &[("role", "kiosk")])
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("این دستگاه نقش دارد"));
    assert_eq!(changes(&office).await.len(), before + 1);

    // The CLI: set-role, enrol-code and revoke, audited as `cli`.
    let bin = env!("CARGO_BIN_EXE_agency-server");
    let cli = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(["--database", &office.conninfo])
            .args(args)
            .output()
            .unwrap()
    };
    let before = changes(&office).await.len();
    let out = cli(&["set-role", "--kiosk", "14", "--role", "kiosk"]);
    assert!(out.status.success(), "{out:?}");
    let (actor, action, detail) = one_change(&office, before).await;
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("cli", "device.set_role")
    );
    assert_eq!(detail["kiosk"], 14);
    let out = cli(&["set-role", "--kiosk", "14", "--role", "desk"]);
    assert!(!out.status.success(), "a role stays");
    assert!(String::from_utf8_lossy(&out.stderr).contains("enrolled as a kiosk"));
    let out = cli(&["enrol-code", "--kiosk", "15", "--role", "desk"]);
    assert!(out.status.success(), "{out:?}");
    let cli_code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let (actor, action, detail) = one_change(&office, before + 1).await;
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("cli", "device.enrol_code")
    );
    assert!(!detail.to_string().contains(&cli_code[..4]));
    let out = cli(&["revoke", "--kiosk", "14"]);
    assert!(out.status.success(), "{out:?}");
    let (actor, action, _) = one_change(&office, before + 2).await;
    assert_eq!((actor.as_str(), action.as_str()), ("cli", "device.revoke"));
    let out = cli(&["revoke", "--kiosk", "14", "--retired-keys-only"]);
    assert!(out.status.success(), "{out:?}");
    let (actor, action, _) = one_change(&office, before + 3).await;
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("cli", "device.drop_retired_keys")
    );
    // A manager account and an office's staff member made by the CLI.
    let out = std::process::Command::new(bin)
        .args(["--database", &office.conninfo])
        .args([
            "console-account",
            "add",
            "--name",
            "west",
            "--scope",
            "office:Karaj west",
        ])
        .args(["--role", "manager"])
        .env("AGENCY_CONSOLE_PASSWORD", "west-password-1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (_, action, detail) = one_change(&office, before + 4).await;
    assert_eq!(action, "account.add");
    assert_eq!(detail["role"], "manager");
    let west = Session::open(&base, "west", "west-password-1", "fa").await;
    assert_eq!(west.get("/manage/devices").await.0, StatusCode::OK);
    assert_eq!(
        west.get("/manage/devices/11").await.0,
        StatusCode::NOT_FOUND
    );
    let mut staff_add = std::process::Command::new(bin)
        .args(["--database", &office.conninfo])
        .args([
            "staff-add",
            "--employee-code",
            "E-3",
            "--display-name",
            "سارا",
        ])
        .args(["--office", "Karaj west"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut staff_add.stdin.take().unwrap(), b"8642\n").unwrap();
    assert!(staff_add.wait().unwrap().success());
    let (actor, action, detail) = one_change(&office, before + 5).await;
    assert_eq!((actor.as_str(), action.as_str()), ("cli", "staff.add"));
    assert_eq!(detail["office"], "Karaj west");
    assert!(!detail.to_string().contains("8642"));
    assert!(west.get("/manage/staff").await.1.contains("E-3"));
    pool.get()
        .await
        .unwrap()
        .execute("DELETE FROM staff WHERE employee_code = 'E-3'", &[])
        .await
        .unwrap();

    // --- Staff. ---
    let before = changes(&office).await.len();
    for pin in ["12", "12a4", ""] {
        let pairs = [
            ("employee_code", "E-1"),
            ("display_name", "مریم احمدی"),
            ("office", "Karaj central"),
            ("pin", pin),
        ];
        let (status, page) = manager.post("/manage/staff/add", &pairs).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pin}");
        assert!(page.contains("رمز باید ۴ تا ۱۲ رقم باشد"), "{page}");
    }
    let (status, _) = manager
        .post(
            "/manage/staff/add",
            &[
                ("employee_code", "E-9"),
                ("display_name", "x"),
                ("office", "Savojbolagh"),
                ("pin", "2468"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another county's office");
    assert_eq!(office.count("staff").await, 0);
    assert_eq!(changes(&office).await.len(), before);

    let (status, page) = manager
        .post(
            "/manage/staff/add",
            &[
                ("employee_code", "E-1"),
                ("display_name", "مریم احمدی"),
                ("office", "Karaj central"),
                ("pin", "۲۴۶۸"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("مریم احمدی") && !page.contains("$argon2"));
    assert!(
        !page.contains("class=\"once\""),
        "a typed PIN is not shown back"
    );
    let (actor, action, detail) = one_change(&office, before).await;
    assert_eq!((actor.as_str(), action.as_str()), ("karaj", "staff.add"));
    assert_eq!(
        detail,
        json!({ "employee_code": "E-1", "office": "Karaj central" })
    );
    let (status, page) = manager
        .post(
            "/manage/staff/add",
            &[
                ("employee_code", "E-2"),
                ("display_name", "علی رضایی"),
                ("office", "Karaj west"),
                ("generate", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let made = shown_once(&page);
    assert_eq!(made.len(), 6, "{made}");
    let hash: String = scalar(
        &office,
        "SELECT pin_hash FROM staff WHERE employee_code = 'E-2'",
    )
    .await;
    assert!(kiosk_store::pin_matches(&made, &hash));
    assert_eq!(changes(&office).await.len(), before + 2);
    let (status, page) = manager
        .post(
            "/manage/staff/add",
            &[
                ("employee_code", "E-1"),
                ("display_name", "دیگری"),
                ("office", "Karaj central"),
                ("pin", "1111"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("این کد کارمند حساب دارد"));
    // Another county's member, and one of every desk: not the county's to manage or see.
    agency_server::staff::add_in(pool, "test", "E-7", "دیگر", "3333", Some("Savojbolagh"))
        .await
        .unwrap();
    agency_server::staff::add(pool, "E-8", "همه", "4444")
        .await
        .unwrap();
    let before = changes(&office).await.len();
    let (_, page) = manager.get("/manage/staff").await;
    assert!(page.contains("E-1") && page.contains("E-2"));
    assert!(!page.contains("E-7") && !page.contains("E-8"));
    let (_, page) = agency.get("/manage/staff").await;
    assert!(page.contains("E-7") && page.contains("E-8"));
    for code in ["E-7", "E-8", "E-404"] {
        let (status, _) = manager
            .post("/manage/staff/disable", &[("employee_code", code)])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{code}");
    }
    assert_eq!(
        scalar::<i64>(&office, "SELECT count(*) FROM staff WHERE NOT active").await,
        0
    );
    // Reset E-1's PIN: too short refused, then a typed one (never in the log).
    let (status, page) = manager
        .post(
            "/manage/staff/pin",
            &[("employee_code", "E-1"), ("pin", "12")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("رمز باید"));
    assert_eq!(changes(&office).await.len(), before);
    let (status, _) = manager
        .post(
            "/manage/staff/pin",
            &[("employee_code", "E-1"), ("pin", "975310")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, action, detail) = one_change(&office, before).await;
    assert_eq!(action, "staff.reset_pin");
    assert_eq!(detail["generated"], false);
    assert!(!detail.to_string().contains("975310"));
    // E-1 logs in at a desk of its office, not at one of another office.
    let desk = office.enrol_as(&server, 12, DeviceRole::Desk).await;
    let karaj_desk = office.device(&server, 12, &desk);
    let login = |pin: &str| StaffLogin {
        employee_code: "E-1".into(),
        pin: pin.into(),
    };
    karaj_desk.staff_login(&login("975310")).await.unwrap();
    let other = office.enrol_as(&server, 21, DeviceRole::Desk).await;
    assert!(
        office
            .device(&server, 21, &other)
            .staff_login(&login("975310"))
            .await
            .is_err(),
        "a desk of another office"
    );
    // Disabled: no desk logs it in; enabled again.
    let before = changes(&office).await.len();
    let (status, _) = manager
        .post("/manage/staff/disable", &[("employee_code", "E-1")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one_change(&office, before).await.1, "staff.disable");
    assert!(karaj_desk.staff_login(&login("975310")).await.is_err());
    let (status, _) = manager
        .post("/manage/staff/enable", &[("employee_code", "E-1")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one_change(&office, before + 1).await.1, "staff.enable");
    karaj_desk.staff_login(&login("975310")).await.unwrap();

    // --- Catalogue. ---
    let (status, page) = manager.get("/manage/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("آب") && !page.contains("/manage/catalogue/subject"));
    let etag: String = scalar(&office, "SELECT etag FROM catalogue").await;
    let before = changes(&office).await.len();
    let (status, _) = manager
        .post(
            "/manage/catalogue/subject",
            &[
                ("etag", &etag),
                ("code", "S9"),
                ("name_fa", "گاز"),
                ("in_scope", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the agency's catalogue");
    let (status, page) = agency.get("/manage/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("/manage/catalogue/subject") && page.contains(&etag.replace('"', "&quot;"))
    );
    let no_scope = CATALOGUE.replace("[\"S1\"]", "[]");
    for (path, pairs, words) in [
        (
            "/manage/catalogue/replace",
            vec![("etag", etag.as_str()), ("body", "{ \"version\": ")],
            "با قرارداد دستگاه‌ها نمی‌خواند",
        ),
        (
            "/manage/catalogue/replace",
            vec![("etag", etag.as_str()), ("body", no_scope.as_str())],
            "دست‌کم یک موضوع در حوزه",
        ),
        (
            "/manage/catalogue/subject",
            vec![
                ("etag", etag.as_str()),
                ("code", "S 9"),
                ("name_fa", "گاز"),
                ("in_scope", "1"),
            ],
            "کد باید",
        ),
        (
            "/manage/catalogue/subject",
            vec![
                ("etag", etag.as_str()),
                ("code", "S9"),
                ("name_fa", ""),
                ("in_scope", "1"),
            ],
            "نام فارسی خالی است",
        ),
        (
            "/manage/catalogue/subject",
            vec![
                ("etag", etag.as_str()),
                ("code", "S9"),
                ("name_fa", "گاز"),
                ("g_phone", "۱۲۳"),
            ],
            "مقصد راهنمایی بدون نام اداره است",
        ),
    ] {
        let (status, page) = agency.post(path, &pairs).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{pairs:?}");
        assert!(page.contains(words), "{words}: {page}");
        assert!(page.contains("چیزی تغییر نکرد"), "{page}");
    }
    let (status, page) = agency
        .post(
            "/manage/catalogue/subject",
            &[
                ("etag", "\"stale\""),
                ("code", "S9"),
                ("name_fa", "گاز"),
                ("in_scope", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("تغییر کرده است"));
    assert_eq!(
        scalar::<String>(&office, "SELECT etag FROM catalogue").await,
        etag
    );
    assert_eq!(
        changes(&office).await.len(),
        before,
        "refused edits change nothing"
    );

    let (status, page) = agency
        .post(
            "/manage/catalogue/subject",
            &[
                ("etag", &etag),
                ("code", "S9"),
                ("name_fa", "گاز"),
                ("name_en", "Gas"),
                ("in_scope", "1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let new_etag: String = scalar(&office, "SELECT etag FROM catalogue").await;
    assert_ne!(new_etag, etag);
    let body: Value = scalar(&office, "SELECT body FROM catalogue").await;
    assert_eq!(body["subjects"][2]["service_code"], "S9");
    assert_eq!(
        body["subjects"][0]["keywords"],
        json!(["لوله"]),
        "other details stay"
    );
    assert_eq!(body["agency"]["subject_scope"], json!(["S1", "S9"]));
    let (actor, action, detail) = one_change(&office, before).await;
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("agency", "catalogue.set")
    );
    assert_eq!(detail["etag"], new_etag.as_str());
    assert_eq!(detail["previous_etag"], etag.as_str());
    // A device gets the new body under the new ETag.
    let desk_catalogue = office
        .client()
        .get(format!("{}/v1/kiosks/12/catalogue", server.base_url()))
        .bearer_auth(&desk)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(desk_catalogue.status(), 200);
    assert_eq!(desk_catalogue.headers()["etag"], new_etag.as_str());
    // S2 out of scope, to another destination; then removed.
    let (status, _) = agency
        .post(
            "/manage/catalogue/subject",
            &[
                ("etag", &new_etag),
                ("code", "S2"),
                ("name_fa", "برق"),
                ("g_office", "شرکت توزیع برق"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = scalar(&office, "SELECT body FROM catalogue").await;
    assert_eq!(body["subjects"][1]["guidance"]["office"], "شرکت توزیع برق");
    let etag3: String = scalar(&office, "SELECT etag FROM catalogue").await;
    let (status, _) = agency
        .post(
            "/manage/catalogue/remove",
            &[("etag", &etag3), ("code", "S2")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = scalar(&office, "SELECT body FROM catalogue").await;
    assert_eq!(body["subjects"].as_array().unwrap().len(), 2);
    assert_eq!(changes(&office).await.len(), before + 3);

    // The audit page shows the changes, never a code, PIN or token.
    let (status, log) = agency.get("/audit").await;
    assert_eq!(status, StatusCode::OK);
    for action in [
        "device.enrol_code",
        "device.revoke",
        "device.set_role",
        "staff.add",
        "staff.reset_pin",
        "catalogue.set",
    ] {
        assert!(log.contains(action), "{action}");
    }
    for secret in [code.as_str(), &cli_code, &made, "975310", &token11] {
        assert!(!log.contains(secret), "{secret} in the audit log");
    }
    console.shutdown().await;
    server.shutdown().await;
}
