//! The agency console in a real headless Chromium (Debian's `chromium`, driven through
//! `chromedriver` over WebDriver by fantoccini): three offices in two counties, four accounts
//! (an office, a county, the province, the agency). Each logs in through the form, visits the
//! fleet, one of its devices, the case search (typing a tracking code) and the case, the
//! report with its CSV link, and the audit log (the agency's; the others get the 404 page), and
//! logs out. Every page is checked for its Persian heading, `lang="fa"` and `dir="rtl"`, and
//! audited by axe-core (injected through WebDriver: the console's Content-Security-Policy
//! forbids the page's own scripts, not the driver's): no violation of impact "serious" or
//! "critical". The county manager asking for the other county's device gets the 404 page.
//!
//! A fifth account, the agency's manager, goes through the management pages (devices: an
//! enrolment code made and shown once, a legacy device, the revocation's confirmation; staff:
//! one added with a PIN the server makes; the catalogue, and a malformed edit refused in
//! Persian), and then through every page again in English (`lang="en"`, `dir="ltr"`), each
//! audited by axe and photographed (`en-*.png`); a viewer asking for the management pages gets
//! the page saying it only reads.
//!
//! Screenshots of every page at desktop (1280×800) and phone (390×844) width are written to
//! `CARGO_TARGET_TMPDIR/console-browser/`, and copied to docs/console/ when
//! `UPDATE_CONSOLE_SCREENSHOTS=1`.
//!
//! Nothing here is skipped: without chromium, chromedriver or npm the test fails naming the
//! Debian package. axe-core (pinned, [`AXE_VERSION`]) is installed by npm into the target directory the first time.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agency_server::console::accounts::{self, Scope};
use agency_server::console::{self, ConsoleConfig};
use chrono::Utc;
use fantoccini::{Client, ClientBuilder, Locator};
use kiosk_sync::wire::{Heartbeat, OutboxHealth, PrinterHealth};
use serde_json::{Value, json};
use support::{Office, national_code, tracking_code};
use uuid::Uuid;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-browser");
    std::fs::create_dir_all(dir.join("screenshots")).unwrap();
    dir
}

/// A program the test needs, or a failure naming the Debian package that has it.
fn require(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install Debian's `{package}` (apt-get install {package}; \
         tools/packages.sh group `browser`)"
    );
}

/// The axe-core release the audit runs: pinned, so a new release's rules change the audit only
/// when this line does.
const AXE_VERSION: &str = "4.14.1";

/// axe-core's script, installed by npm under the target directory when it is not there yet.
fn axe_source() -> String {
    let prefix = work_dir().join(format!("axe-{AXE_VERSION}"));
    let script = prefix.join("node_modules/axe-core/axe.min.js");
    if !script.exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("axe-core@{AXE_VERSION}"))
            .status()
            .unwrap_or_else(|e| {
                panic!("npm did not run ({e}): install Debian's `npm` (apt-get install npm)")
            });
        assert!(
            status.success(),
            "npm install axe-core@{AXE_VERSION} failed"
        );
    }
    std::fs::read_to_string(&script).unwrap()
}

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        require(CHROMIUM, "chromium");
        require(CHROMEDRIVER, "chromium-driver");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--hide-scrollbars",
                         "--disable-background-networking", "--disable-component-update",
                         "--no-first-run", "--no-default-browser-check",
                         "--window-size=1280,800", "--lang=fa"]
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A kiosk whose printer is fine, one item waiting.
fn beat() -> Heartbeat {
    Heartbeat {
        sent_at: Utc::now(),
        firmware_version: "kiosk/0.1.0".into(),
        schema_version: 9,
        catalogue_version: Some("c-7".into()),
        printer: PrinterHealth {
            state: "ok".into(),
            paper: "ok".into(),
        },
        outbox: OutboxHealth {
            depth: 1,
            parked: 0,
            oldest_unsent_age_s: Some(12),
        },
        last_sync_at: Some(Utc::now()),
        uptime_s: Some(3_600),
    }
}

/// The page's `lang` and `dir`.
async fn lang_dir(c: &Client) -> (String, String) {
    let v = c
        .execute(
            "return [document.documentElement.lang, document.documentElement.dir];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0].as_str().unwrap().to_owned(),
        v[1].as_str().unwrap().to_owned(),
    )
}

/// axe-core's serious and critical violations on the current page, as lines.
async fn audit(c: &Client, axe: &str) -> Vec<String> {
    let injected = c
        .execute(&format!("{axe}\n;return typeof window.axe;"), vec![])
        .await
        .unwrap();
    assert_eq!(
        injected, "object",
        "axe-core runs in the page through WebDriver despite the CSP"
    );
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document)
                .then(r => done({ violations: r.violations, passes: r.passes.length }))
                .catch(e => done({ error: String(e) }));",
            vec![],
        )
        .await
        .unwrap();
    assert!(result.get("error").is_none(), "axe failed: {result}");
    // Rules did run (a page axe cannot read would pass nothing).
    assert!(result["passes"].as_u64().unwrap() > 10, "axe: {result}");
    let violations = result["violations"].as_array().unwrap();
    for v in violations {
        eprintln!(
            "axe {} [{}] on {}: {}",
            v["id"],
            v["impact"],
            c.current_url().await.unwrap().path(),
            v["help"]
        );
    }
    violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            let targets: Vec<String> = v["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| format!("{} ({})", n["target"], n["failureSummary"]))
                .collect();
            format!(
                "{} [{}]: {} — {}",
                v["id"],
                v["impact"],
                v["help"],
                targets.join("; ")
            )
        })
        .collect()
}

/// Waits for the page at `path` (after a navigation or a form post) and checks it: Persian,
/// right to left, `expect` in its text, and no serious or critical axe violation.
async fn check_page(c: &Client, axe: &str, who: &str, path: &str, expect: &[&str]) {
    check_page_in(c, axe, who, path, expect, ("fa", "rtl")).await;
}

/// [`check_page`] for a page in the language and direction `lang_dir` (`("en", "ltr")`).
async fn check_page_in(
    c: &Client,
    axe: &str,
    who: &str,
    path: &str,
    expect: &[&str],
    want: (&str, &str),
) {
    let started = Instant::now();
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == path.split('?').next().unwrap() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{who}: at {url}, not {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (lang, dir) = lang_dir(c).await;
    assert_eq!((lang.as_str(), dir.as_str()), want, "{who} {path}");
    let text = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for e in expect {
        assert!(text.contains(e), "{who} {path}: «{e}» not in {text}");
    }
    let violations = audit(c, axe).await;
    assert!(
        violations.is_empty(),
        "{who} {path}: axe-core found\n{}",
        violations.join("\n")
    );
}

/// Screenshots of the current page at both widths, named `name-desktop.png`, `name-phone.png`;
/// the phone layout is audited too.
async fn screenshots(c: &Client, axe: &str, name: &str) {
    let dir = work_dir().join("screenshots");
    for (size, (w, h)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        c.set_window_size(w, h).await.unwrap();
        // The window's own frame (even headless) takes height: grow it so the page gets `h`.
        let frame = c
            .execute("return window.outerHeight - window.innerHeight;", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        c.set_window_size(w, h + u32::try_from(frame).unwrap())
            .await
            .unwrap();
        // The viewport follows the window in headless mode; wait for the layout to settle.
        let started = Instant::now();
        loop {
            let inner = c
                .execute("return window.innerWidth;", vec![])
                .await
                .unwrap();
            if inner.as_u64() == Some(u64::from(w)) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "viewport {inner} not {w}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let png = c.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{size}.png")), png).unwrap();
        if size == "phone" {
            let violations = audit(c, axe).await;
            assert!(
                violations.is_empty(),
                "{name} at phone width: axe-core found\n{}",
                violations.join("\n")
            );
        }
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

async fn goto(c: &Client, base: &str, path: &str) {
    c.goto(&format!("{base}{path}")).await.unwrap();
}

async fn log_in(c: &Client, axe: &str, base: &str, name: &str, password: &str) {
    goto(c, base, "/login").await;
    check_page(c, axe, name, "/login", &["ورود", "نام کاربری", "گذرواژه"]).await;
    c.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_chromium_for_every_scope_is_persian_rtl_and_passes_axe() {
    let driver = Driver::start();
    let axe = axe_source();
    let office = Office::new().await;
    let server = office.server().await;
    let pool = &office.pool;
    support::console::alborz_offices(pool).await;
    let now = Utc::now() - chrono::Duration::hours(1);
    for (kiosk, place) in [
        (11u32, "Karaj central"),
        (12, "Karaj west"),
        (21, "Savojbolagh"),
    ] {
        accounts::place_kiosk(pool, "test", kiosk, place)
            .await
            .unwrap();
        let token = office.enrol(&server, kiosk).await;
        office
            .device(&server, kiosk, &token)
            .heartbeat(&beat())
            .await
            .unwrap();
        let mut items = Vec::new();
        for seq in 1..=4u64 {
            let id = Uuid::new_v4();
            let kind = ["complaint", "request", "consultation", "suggestion"][(seq % 4) as usize];
            items.push(json!({"item_id": id, "item_type": "case", "payload": {
                "payload_version": 1, "client_uuid": id,
                "tracking_code": tracking_code(kiosk, seq),
                "kiosk_number": kiosk, "sequence": seq, "kind": kind,
                "subject_id": format!("SUBJ-{}", seq % 2), "service_id": null,
                "national_code": national_code("049937089"), "phone": null,
                "description": "شرح درخواست", "registered_at": now.to_rfc3339(),
                "due_date": (now + chrono::Duration::days(14)).format("%Y-%m-%d").to_string(),
                "due_jalali": null, "unit": "واحد پاسخگویی"
            }}));
        }
        let r = office
            .client()
            .post(format!(
                "{}/v1/kiosks/{kiosk}/submissions",
                server.base_url()
            ))
            .bearer_auth(&token)
            .json(&json!({ "items": items }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let v: Value = r.json().await.unwrap();
        for result in v["results"].as_array().unwrap() {
            assert_eq!(result["status"], 201, "{result}");
        }
    }
    // One case with a timeline (events come from SAMAD's feed on the server: written in SQL).
    let client = pool.get().await.unwrap();
    for (n, kind) in ["referral", "answer"].into_iter().enumerate() {
        client
            .execute(
                "INSERT INTO case_events (event_id, tracking_code, event_type, happened_at,
                                          unit, person) VALUES ($1, $2, $3, $4, 'واحد حقوقی', 'کارشناس')",
                &[
                    &format!("ev-{n}"),
                    &tracking_code(11, 1),
                    &kind,
                    &(now + chrono::Duration::minutes(10 * (n as i64 + 1))),
                ],
            )
            .await
            .unwrap();
    }
    let roles: [(&str, &str, u32, u32); 4] = [
        ("office:Karaj central", "central", 11, 12),
        ("county:Karaj", "karaj", 12, 21),
        ("province:Alborz", "alborz", 21, 99),
        ("agency", "agency", 11, 99),
    ];
    for (scope, name, _, _) in roles {
        let scope: Scope = scope.parse().unwrap();
        accounts::add_account(pool, "test", name, &scope, &format!("{name}-password-1"))
            .await
            .unwrap();
    }
    // The agency's manager, a legacy device with a retired key (the device page's forms) and
    // a catalogue to edit.
    accounts::add_account_as(
        pool,
        "test",
        "manager",
        &Scope::Agency,
        accounts::Role::Manager,
        "manager-password-1",
    )
    .await
    .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32])
        .verifying_key()
        .to_bytes()
        .to_vec();
    client
        .execute(
            "UPDATE devices SET role = NULL WHERE kiosk_number = 12",
            &[],
        )
        .await
        .unwrap();
    client
        .execute(
            "INSERT INTO retired_satisfaction_keys (kiosk_number, public_key, published_at, reason)
             VALUES (12, $1, now(), 'rotated')",
            &[&key],
        )
        .await
        .unwrap();
    agency_server::contract::set_catalogue(pool, CATALOGUE)
        .await
        .unwrap();
    let console = console::start(
        pool.clone(),
        ConsoleConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            heartbeat: Duration::from_secs(60),
        },
    )
    .await
    .unwrap();
    let base = console.base_url();

    let c = driver.browser().await;
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    goto(&c, &base, "/login").await;
    check_page(&c, &axe, "nobody", "/login", &["ورود"]).await;
    screenshots(&c, &axe, "login").await;

    for (_, name, own, foreign) in roles {
        let shots = name == "agency";
        log_in(&c, &axe, &base, name, &format!("{name}-password-1")).await;
        check_page(&c, &axe, name, "/fleet", &["سلامت دستگاه‌ها", "فعال"]).await;
        let fleet = c
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .html(false)
            .await
            .unwrap();
        assert!(
            fleet.contains(&format!("/devices/{own}")),
            "{name} sees {own}"
        );
        if shots {
            screenshots(&c, &axe, "fleet").await;
        }

        // A device of its own, through the fleet's link.
        c.find(Locator::Css(&format!("a[href='/devices/{own}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let digits = support_digits(own);
        check_page(
            &c,
            &axe,
            name,
            &format!("/devices/{own}"),
            &[&format!("دستگاه {digits}"), "چاپگر"],
        )
        .await;
        if shots {
            screenshots(&c, &axe, "device").await;
        }

        // One outside its scope (or that does not exist): the 404 page.
        goto(&c, &base, &format!("/devices/{foreign}")).await;
        check_page(
            &c,
            &axe,
            name,
            &format!("/devices/{foreign}"),
            &["این صفحه در حوزه شما نیست."],
        )
        .await;
        if shots {
            screenshots(&c, &axe, "not-found").await;
        }

        // The case search: a tracking code typed, the case shown.
        c.find(Locator::Css("nav a[href='/cases']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        check_page(&c, &axe, name, "/cases", &["پیگیری پرونده", "کد رهگیری"]).await;
        if shots {
            screenshots(&c, &axe, "case-search").await;
        }
        let code = tracking_code(own, 1);
        let input = c.find(Locator::Id("code")).await.unwrap();
        input.send_keys(&code).await.unwrap();
        c.find(Locator::Css("form[action='/cases'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        check_page(
            &c,
            &axe,
            name,
            &format!("/cases/{code}"),
            &["پرونده", "گردش کار"],
        )
        .await;
        if shots {
            screenshots(&c, &axe, "case").await;
        }

        // The report of its own scope, this quarter, with the CSV link.
        c.find(Locator::Css("nav a[href='/reports']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        check_page(&c, &axe, name, "/reports", &["گزارش عملکرد", "دریافت CSV"]).await;
        let csv = c
            .find(Locator::Css("a[href^='/reports.csv']"))
            .await
            .unwrap();
        assert_eq!(csv.text().await.unwrap(), "دریافت CSV");
        if shots {
            screenshots(&c, &axe, "reports").await;
        }

        // The audit log: the agency's only.
        goto(&c, &base, "/audit").await;
        if name == "agency" {
            check_page(&c, &axe, name, "/audit", &["گزارش تغییرات", "agency"]).await;
            screenshots(&c, &axe, "audit").await;
        } else {
            check_page(&c, &axe, name, "/audit", &["این صفحه در حوزه شما نیست."]).await;
        }

        // The management pages are a manager's: a viewer gets the page saying so.
        goto(&c, &base, "/manage/devices").await;
        check_page(
            &c,
            &axe,
            name,
            "/manage/devices",
            &["این حساب فقط خواندنی است"],
        )
        .await;

        c.find(Locator::Css("form[action='/logout'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        check_page(&c, &axe, name, "/login", &["ورود"]).await;
    }

    manager_pages(&c, &axe, &base).await;
    english_pages(&c, &axe, &base).await;
    c.close().await.unwrap();

    if std::env::var_os("UPDATE_CONSOLE_SCREENSHOTS").is_some_and(|v| v == "1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/console");
        std::fs::create_dir_all(&docs).unwrap();
        for entry in std::fs::read_dir(work_dir().join("screenshots")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), docs.join(entry.file_name())).unwrap();
        }
    }
}

/// A number in Persian digits.
fn support_digits(n: u32) -> String {
    n.to_string()
        .chars()
        .map(|d| char::from_u32(0x06F0 + d.to_digit(10).unwrap()).unwrap())
        .collect()
}

/// The catalogue the manager's pages show.
const CATALOGUE: &str = r#"{
    "version": "1405-09", "case_kinds": ["complaint", "request"],
    "subjects": [
        { "service_code": "S1", "service_name": "آب و فاضلاب", "service_name_en": "Water" },
        { "service_code": "S2", "service_name": "برق", "service_name_en": "Electricity",
          "guidance": { "office": "شرکت توزیع برق", "phone": "۱۲۱" } }
    ],
    "services": [],
    "agency": { "agency_code": "A1", "name": "اداره کل", "subject_scope": ["S1"] },
    "holiday_overrides": []
}"#;

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The agency's manager through the management pages in Persian: devices (an enrolment code
/// made and shown once, a legacy device's page, the revocation's confirmation), staff (one
/// added with a PIN the server makes), the catalogue (and a malformed edit refused in
/// Persian), each checked by axe and photographed.
async fn manager_pages(c: &Client, axe: &str, base: &str) {
    let who = "manager";
    log_in(c, axe, base, who, "manager-password-1").await;
    check_page(c, axe, who, "/fleet", &["مدیریت"]).await;
    click(c, "nav a[href='/manage/devices']").await;
    check_page(
        c,
        axe,
        who,
        "/manage/devices",
        &["دستگاه‌ها", "ساخت کد ثبت دستگاه"],
    )
    .await;
    screenshots(c, axe, "manage-devices").await;

    type_into(c, "kiosk", "۳۱").await;
    click(c, "input[name=role][value=desk]").await;
    click(c, "form[action='/manage/devices/enrol'] button").await;
    check_page(
        c,
        axe,
        who,
        "/manage/devices/enrol",
        &["کد ثبت دستگاه ساخته شد", "دوباره نشان داده نمی‌شود"],
    )
    .await;
    screenshots(c, axe, "manage-code").await;

    goto(c, base, "/manage/devices/12").await;
    check_page(
        c,
        axe,
        who,
        "/manage/devices/12",
        &[
            "دستگاه ۱۲",
            "تعیین نقش دستگاه قدیمی",
            "حذف کلیدهای کنارگذاشته",
        ],
    )
    .await;
    screenshots(c, axe, "manage-device").await;
    click(c, "a[href='/manage/devices/12/revoke']").await;
    check_page(
        c,
        axe,
        who,
        "/manage/devices/12/revoke",
        &["ابطال دستگاه", "انصراف"],
    )
    .await;
    screenshots(c, axe, "manage-revoke").await;

    goto(c, base, "/manage/staff").await;
    check_page(c, axe, who, "/manage/staff", &["افزودن کارمند"]).await;
    type_into(c, "employee_code", "E-5").await;
    type_into(c, "display_name", "مریم احمدی").await;
    click(c, "form[action='/manage/staff/add'] input[name=generate]").await;
    click(c, "form[action='/manage/staff/add'] button").await;
    check_page(
        c,
        axe,
        who,
        "/manage/staff/add",
        &["حساب کارمند ساخته شد", "رمز تازه"],
    )
    .await;
    goto(c, base, "/manage/staff").await;
    check_page(
        c,
        axe,
        who,
        "/manage/staff",
        &["مریم احمدی", "تعیین رمز تازه"],
    )
    .await;
    screenshots(c, axe, "manage-staff").await;

    goto(c, base, "/manage/catalogue").await;
    check_page(
        c,
        axe,
        who,
        "/manage/catalogue",
        &["فهرست خدمات و موضوع‌ها", "آب و فاضلاب", "شرکت توزیع برق"],
    )
    .await;
    screenshots(c, axe, "manage-catalogue").await;
    type_into(c, "body", "{ \"version\": ").await;
    click(c, "form[action='/manage/catalogue/replace'] button").await;
    check_page(
        c,
        axe,
        who,
        "/manage/catalogue/replace",
        &["با قرارداد دستگاه‌ها نمی‌خواند", "چیزی تغییر نکرد"],
    )
    .await;
    screenshots(c, axe, "manage-catalogue-error").await;
}

/// The same manager's pages in English (left to right, ASCII digits): each checked by axe and
/// photographed as `en-NAME`.
async fn english_pages(c: &Client, axe: &str, base: &str) {
    let who = "manager (English)";
    let case_path = format!("/cases/{}", tracking_code(11, 1));
    goto(c, base, "/lang/en?next=/fleet").await;
    let pages: [(&str, &str, &[&str]); 11] = [
        ("fleet", "/fleet", &["Fleet health"]),
        ("device", "/devices/11", &["Device 11", "Printer"]),
        ("case-search", "/cases", &["Tracking code"]),
        ("case", case_path.as_str(), &["Timeline"]),
        (
            "reports",
            "/reports",
            &["Performance report", "Download CSV"],
        ),
        ("audit", "/audit", &["Audit log", "catalogue.set"]),
        (
            "manage-devices",
            "/manage/devices",
            &["Make an enrolment code"],
        ),
        (
            "manage-device",
            "/manage/devices/12",
            &["Set the role of a legacy device"],
        ),
        (
            "manage-revoke",
            "/manage/devices/12/revoke",
            &["Yes, revoke the device"],
        ),
        ("manage-staff", "/manage/staff", &["Add a staff member"]),
        (
            "manage-catalogue",
            "/manage/catalogue",
            &["Add or edit a subject", "Water"],
        ),
    ];
    for (name, path, expect) in pages {
        goto(c, base, path).await;
        check_page_in(c, axe, who, path, expect, ("en", "ltr")).await;
        screenshots(c, axe, &format!("en-{name}")).await;
    }
    goto(c, base, "/lang/fa?next=/fleet").await;
    check_page(c, axe, who, "/fleet", &["سلامت دستگاه‌ها"]).await;
}
