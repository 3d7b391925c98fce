//! The console's pages as HTML (maud templates: every value is escaped), Persian first.
//!
//! Persian pages are `dir="rtl"` with Persian digits and Jalali dates in Tehran time
//! (`kiosk_core::jalali`); English pages are left to right with ASCII digits and the same
//! Jalali dates in English month names, so both languages speak of the same calendar. Text
//! comes from [`t`], one table of both languages. No script runs on any page: forms post, links
//! link; the styles and the Vazirmatn font (OFL, from ui/fonts) are served by the console.

use chrono::{DateTime, Duration, Utc};
use kiosk_core::digits::{group_by_four, to_persian_digits};
use kiosk_core::jalali::{JalaliDate, tehran};
use maud::{DOCTYPE, Markup, html};

use super::accounts::{Account, Scope};

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// فارسی (the default).
    Fa,
    /// English.
    En,
}

impl Lang {
    /// From the language cookie's value (anything else is Persian).
    pub fn from_code(code: Option<&str>) -> Self {
        if code == Some("en") {
            Self::En
        } else {
            Self::Fa
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Fa => "fa",
            Self::En => "en",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Self::Fa => "rtl",
            Self::En => "ltr",
        }
    }

    /// `text` with its digits in this language's script.
    pub fn digits(self, text: &str) -> String {
        match self {
            Self::Fa => to_persian_digits(text),
            Self::En => text.to_owned(),
        }
    }
}

/// The text `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (fa, en) = match key {
        "title" => ("میز ارتباطات مردمی", "People's communications desks"),
        "login" => ("ورود", "Log in"),
        "logout" => ("خروج", "Log out"),
        "name" => ("نام کاربری", "Account name"),
        "password" => ("گذرواژه", "Password"),
        "refused" => (
            "نام کاربری یا گذرواژه درست نیست.",
            "The account name or the password is wrong.",
        ),
        "locked" => (
            "تلاش‌های این حساب در این ساعت تمام شده است؛ بعداً دوباره تلاش کنید.",
            "This account has had its tries for this hour; try again later.",
        ),
        "fleet" => ("سلامت دستگاه‌ها", "Fleet health"),
        "cases" => ("پیگیری پرونده", "Find a case"),
        "audit" => ("گزارش تغییرات", "Audit log"),
        "manage" => ("مدیریت", "Manage"),
        "kiosk" => ("دستگاه", "Device"),
        "office" => ("دفتر", "Office"),
        "last_seen" => ("آخرین تماس", "Last seen"),
        "printer" => ("چاپگر", "Printer"),
        "paper" => ("کاغذ", "Paper"),
        "outbox" => ("صف ارسال", "Outbox"),
        "oldest" => ("قدیمی‌ترین مورد", "Oldest item"),
        "sync_lag" => ("تأخیر همگام‌سازی", "Sync lag"),
        "version" => ("نسخه", "Version"),
        "state" => ("وضعیت", "State"),
        "silent" => ("خاموش", "Silent"),
        "ok" => ("فعال", "OK"),
        "never" => ("هرگز", "Never"),
        "unknown" => ("نامعلوم", "Unknown"),
        "unplaced" => ("بدون دفتر", "No office"),
        "none" => ("—", "—"),
        "ago" => ("پیش", "ago"),
        "parked" => ("متوقف", "parked"),
        "silent_note" => (
            "دستگاهی که بیش از سه ضربان پیاپی خبری نداده، خاموش شمرده می‌شود.",
            "A device not heard from for more than three heartbeats is flagged silent.",
        ),
        "devices" => ("دستگاه", "devices"),
        "no_devices" => ("دستگاهی در این حوزه نیست.", "No device in this scope."),
        "tracking_code" => ("کد رهگیری", "Tracking code"),
        "find" => ("جستجو", "Find"),
        "not_found" => (
            "پرونده‌ای با این کد رهگیری در حوزه شما نیست.",
            "No case with this tracking code in your scope.",
        ),
        "case" => ("پرونده", "Case"),
        "kind" => ("نوع", "Kind"),
        "registered" => ("ثبت", "Registered"),
        "due" => ("مهلت پاسخ", "Response due"),
        "timeline" => ("گردش کار", "Timeline"),
        "when" => ("زمان", "When"),
        "event" => ("رویداد", "Event"),
        "unit" => ("واحد", "Unit"),
        "person" => ("مسئول", "Responsible"),
        "notes" => ("توضیح", "Notes"),
        "registered_at_kiosk" => ("ثبت در دستگاه", "Registered at device"),
        "receipt_copy" => ("رونوشت رسید در میز", "Receipt copy at desk"),
        "actor" => ("کاربر", "Actor"),
        "action" => ("کار", "Action"),
        "detail" => ("جزئیات", "Detail"),
        "not_here" => (
            "این صفحه در حوزه شما نیست.",
            "This page is not in your scope.",
        ),
        "scope" => ("حوزه", "Scope"),
        "level_office" => ("دفتر", "office"),
        "level_county" => ("شهرستان", "county"),
        "level_province" => ("استان", "province"),
        "level_agency" => ("کل دستگاه", "the whole agency"),
        "other_lang" => ("English", "فارسی"),
        "skip" => ("رفتن به محتوا", "Skip to content"),
        "reports" => ("گزارش‌ها", "Reports"),
        "report_title" => ("گزارش عملکرد", "Performance report"),
        "period" => ("دوره", "Period"),
        "period_hint" => (
            "فصل مانند ۱۴۰۵-Q۳ یا ماه مانند ۱۴۰۵-۰۹",
            "A quarter such as 1405-Q3 or a month such as 1405-09",
        ),
        "level" => ("سطح", "Level"),
        "place_name" => (
            "نام دفتر، شهرستان یا استان",
            "Office, county or province name",
        ),
        "show" => ("نمایش گزارش", "Show the report"),
        "csv" => ("دریافت CSV", "Download CSV"),
        "print_hint" => (
            "برای چاپ، از فرمان چاپ مرورگر استفاده کنید؛ صفحه برای چاپ آماده است.",
            "To print, use the browser's print command; the page is laid out for paper.",
        ),
        "bad_period" => (
            "دوره درست نیست. فصل را به شکل ۱۴۰۵-Q۳ یا ماه را به شکل ۱۴۰۵-۰۹ بنویسید.",
            "The period does not read. Write a quarter as 1405-Q3 or a month as 1405-09.",
        ),
        "bad_level" => (
            "سطح باید دفتر، شهرستان، استان یا کل دستگاه باشد و جز برای کل دستگاه، نام هم لازم است.",
            "The level must be office, county, province or agency, and every level but the agency needs a name.",
        ),
        "made_at" => ("تهیه‌شده در", "Made"),
        "summary" => ("خلاصه به تفکیک دفتر", "Summary by office"),
        "total" => ("جمع", "Total"),
        "cases_registered" => ("موارد ثبت‌شده", "Cases registered"),
        "due_count" => ("سررسید در دوره", "Due in the period"),
        "on_time" => ("پاسخ به‌موقع", "Answered on time"),
        "late" => ("پاسخ با تأخیر", "Answered late"),
        "overdue" => ("معوق (بی‌پاسخ)", "Overdue (unanswered)"),
        "escalated" => ("ارجاع‌شده طبق بند ۱۰-۳", "Escalated under 10-3"),
        "response_rate" => ("نرخ پاسخگویی", "Response rate"),
        "handling_avg" => (
            "میانگین زمان رسیدگی (روز کاری)",
            "Average handling (working days)",
        ),
        "handling_median" => (
            "میانه زمان رسیدگی (روز کاری)",
            "Median handling (working days)",
        ),
        "handling_n" => ("پاسخ‌داده در دوره", "Answered in the period"),
        "ratings" => ("تعداد نظرها", "Ratings"),
        "rating_avg" => ("میانگین رضایت (از ۵)", "Average satisfaction (of 5)"),
        "by_kind" => ("موارد به تفکیک نوع", "Cases by kind"),
        "by_subject" => ("موارد به تفکیک موضوع", "Cases by subject"),
        "subject" => ("موضوع", "Subject"),
        "count" => ("تعداد", "Count"),
        "employees" => (
            "رضایت به تفکیک کارمند (کد QR)",
            "Satisfaction per employee (QR code)",
        ),
        "employee" => ("کد کارمند", "Employee code"),
        "nobody" => ("نامشخص", "Nobody"),
        "no_ratings" => (
            "در این دوره نظری ثبت نشده است.",
            "No ratings in this period.",
        ),
        "electronic" => (
            "سهم خدمات با درخواست الکترونیکی",
            "Share of services requested electronically",
        ),
        "services_given" => ("خدمات ثبت‌شده در میز", "Services recorded at desks"),
        "services_electronic" => ("با درخواست الکترونیکی", "Requested electronically"),
        "electronic_share" => ("سهم الکترونیکی", "Electronic share"),
        "meetings" => ("ملاقات‌های مردمی", "Face-to-face meetings"),
        "meetings_total" => ("ملاقات‌ها", "Meetings"),
        "meeting_days" => ("روزهای ملاقات", "Meeting days"),
        "per_day_avg" => (
            "میانگین ملاقات‌کننده در هر روز ملاقات",
            "Visitors per meeting day, average",
        ),
        "day" => ("روز", "Day"),
        "visitors" => ("ملاقات‌کنندگان", "Visitors"),
        "topic" => ("موضوع", "Topic"),
        "occupation" => ("وضعیت شغلی", "Occupation"),
        "result" => ("نتیجه", "Result"),
        "no_meetings" => ("در این ماه ملاقاتی ثبت نشده است.", "No meetings this month."),
        "unreadable_meetings" => (
            "فرم ملاقات با تاریخ، شغل یا نتیجه نامعتبر کنار گذاشته شد:",
            "Meeting forms left out (their day, occupation or results do not read):",
        ),
        "definitions" => ("تعریف‌ها", "Definitions"),
        "def_due" => (
            "سررسید در دوره: مواردی که مهلت پاسخشان در این دوره بوده و گذشته است، هر زمان که ثبت شده باشند. نرخ پاسخگویی = پاسخ به‌موقع ÷ سررسید.",
            "Due in the period: cases whose response day fell in the period and has passed, whenever registered. Response rate = answered on time ÷ due.",
        ),
        "def_handling" => (
            "زمان رسیدگی: روزهای کاری از روز ثبت تا روز نخستین پاسخ یا مختومه شدن، برای مواردی که نخستین پاسخشان در این دوره بوده است.",
            "Handling time: working days from the registration day to the day of the first answer or closure, for cases first answered in the period.",
        ),
        "def_escalated" => (
            "ارجاع طبق بند ۱۰-۳: شکایت از مسئولان که دستگاه هنگام ثبت به مقام بالاتر فرستاده است؛ ارجاعی که به سبب تأخیر انجام شود در داده‌ها ثبت نمی‌شود.",
            "Escalated under 10-3: complaints about officials the kiosk sent up the hierarchy at registration; an escalation because a case was late is not recorded in the data.",
        ),
        "def_electronic" => (
            "سهم الکترونیکی: از خدمت‌هایی که در این دوره در میزهای این حوزه ثبت شده، آن‌هایی که کد رهگیری درخواستِ ثبت‌شده در دستگاه خودکار (و سامد) را دارند؛ بقیه مراجعه حضوری بدون ثبت درخواست‌اند. الکترونیکی بودن تحویل خدمت در این سامانه ثبت نمی‌شود.",
            "Electronic share: of the services recorded at this place's desks in the period, those carrying the tracking code of a request registered at a kiosk (and SAMAD); the rest are walk-ins served without a registered request. Whether a service was delivered online is not recorded here.",
        ),
        "def_ratings" => (
            "رضایت: نظرهایی که در این دوره در دستگاه‌های این حوزه ثبت شده، به نام کارمندی که مراجعه را پذیرفته یا کد رضایت به نام اوست.",
            "Satisfaction: ratings given in the period at this place's devices, counted for the employee who claimed the visit or whom the code names.",
        ),
        "unplaced_kiosks" => ("دستگاه‌های بدون دفتر", "Devices in no office"),
        "quarter" => ("فصل", "Q"),
        "place_not_here" => (
            "دفتر، شهرستان یا استانی با این نام در حوزه شما نیست.",
            "No office, county or province of that name is in your scope.",
        ),
        _ => ("", ""),
    };
    match lang {
        Lang::Fa => fa,
        Lang::En => en,
    }
}

/// `۱۵ آذر ۱۴۰۵، ۱۴:۰۵` (Tehran time) or `15 Azar 1405, 14:05`.
pub fn when(lang: Lang, at: DateTime<Utc>) -> String {
    let date = JalaliDate::at(at);
    let clock = at.with_timezone(&tehran()).format("%H:%M").to_string();
    match lang {
        Lang::Fa => format!("{}، {}", date.format_fa(), to_persian_digits(&clock)),
        Lang::En => format!("{}, {clock}", date.format_en()),
    }
}

/// A span of time in its largest whole unit: `۴۰ ثانیه`, `5 min`, `۳ ساعت`, `2 d`.
pub fn span(lang: Lang, d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (n, fa, en) = if s < 120 {
        (s, "ثانیه", "s")
    } else if s < 2 * 3600 {
        (s / 60, "دقیقه", "min")
    } else if s < 2 * 86_400 {
        (s / 3600, "ساعت", "h")
    } else {
        (s / 86_400, "روز", "d")
    };
    match lang {
        Lang::Fa => format!("{} {fa}", to_persian_digits(&n.to_string())),
        Lang::En => format!("{n} {en}"),
    }
}

/// A tracking code in groups of four, in the page's digits.
pub fn code(lang: Lang, tracking_code: &str) -> String {
    lang.digits(&group_by_four(tracking_code, " "))
}

/// An office, county or province with its level, or the agency, in `lang`.
pub fn scope_text(lang: Lang, scope: &Scope) -> String {
    let level = t(lang, &format!("level_{}", scope.level()));
    match scope.name() {
        Some(name) => format!("{level} {name}"),
        None => level.to_owned(),
    }
}

/// Where the page is, for the menu's current item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The login page (no menu).
    Login,
    /// Fleet health and device pages.
    Fleet,
    /// Case search and case pages.
    Cases,
    /// The reports.
    Reports,
    /// The audit log.
    Audit,
    /// The management pages (devices, staff, catalogue): managers only.
    Manage,
}

/// A whole page: `body` inside the console's frame. `path` is the page's own address (the
/// language switch comes back to it); `session` is the logged-in account and its CSRF token.
pub fn page(
    lang: Lang,
    title: &str,
    path: &str,
    section: Section,
    session: Option<(&Account, &str)>,
    body: Markup,
) -> Markup {
    let other = match lang {
        Lang::Fa => "en",
        Lang::En => "fa",
    };
    let menu = [
        (Section::Fleet, "/fleet", "fleet"),
        (Section::Cases, "/cases", "cases"),
        (Section::Reports, "/reports", "reports"),
        (Section::Audit, "/audit", "audit"),
        (Section::Manage, "/manage/devices", "manage"),
    ];
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(lang, "title")) }
                link rel="stylesheet" href="/static/console.css";
            }
            body {
                a class="skip" href="#main" { (t(lang, "skip")) }
                header {
                    span class="brand" { (t(lang, "title")) }
                    @if let Some((account, csrf)) = session {
                        nav aria-label=(t(lang, "title")) {
                            @for (s, href, key) in menu {
                                @if (s != Section::Audit || account.scope == Scope::Agency)
                                    && (s != Section::Manage || account.manages()) {
                                    @if s == section {
                                        a href=(href) aria-current="page" { (t(lang, key)) }
                                    } @else {
                                        a href=(href) { (t(lang, key)) }
                                    }
                                }
                            }
                        }
                        span class="who" {
                            (account.name) " · " (scope_text(lang, &account.scope))
                        }
                        form method="post" action="/logout" class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (t(lang, "logout")) }
                        }
                    }
                    a class="lang" lang=(other) hreflang=(other)
                        href=(format!("/lang/{other}?next={}", encode_path(path))) {
                        (t(lang, "other_lang"))
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// `path` made safe to carry in a query (the characters a path of ours can hold).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The login form; `message` says why the last try failed.
pub fn login(lang: Lang, csrf: &str, message: Option<&str>) -> Markup {
    let body = html! {
        section class="card narrow" {
            h1 { (t(lang, "login")) }
            @if let Some(m) = message {
                p class="alert" role="alert" { (m) }
            }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label for="name" { (t(lang, "name")) }
                input id="name" name="name" type="text" autocomplete="username" required
                    dir="auto";
                label for="password" { (t(lang, "password")) }
                input id="password" name="password" type="password"
                    autocomplete="current-password" required;
                button type="submit" id="login" { (t(lang, "login")) }
            }
        }
    };
    page(lang, t(lang, "login"), "/login", Section::Login, None, body)
}

/// A message page (not found, not in scope): the message is the page's heading, so a screen
/// reader's heading list (and axe's page-has-heading-one) finds it.
pub fn message(
    lang: Lang,
    path: &str,
    section: Section,
    session: Option<(&Account, &str)>,
    text: &str,
) -> Markup {
    let body = html! { section class="card" { h1 { (text) } } };
    page(lang, text, path, section, session, body)
}

/// One device's line on the fleet page, as the console computed it.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    /// The kiosk number.
    pub kiosk: i32,
    /// Its office, when placed.
    pub office: Option<String>,
    /// Its latest heartbeat's arrival.
    pub last_seen: Option<DateTime<Utc>>,
    /// Printer state and paper.
    pub printer: Option<(String, String)>,
    /// Outbox depth and parked items.
    pub outbox: Option<(i64, i64)>,
    /// The oldest unsent item's age now (its age at the beat plus the time since).
    pub oldest: Option<Duration>,
    /// Since the device's last definite answer from its sync peer.
    pub sync_lag: Option<Duration>,
    /// Firmware version.
    pub version: Option<String>,
    /// No heartbeat for more than three intervals, or none ever.
    pub silent: bool,
}

/// A heartbeat's printer or paper state (firmware/sync/src/wire.rs `PrinterHealth`) in words;
/// a state the contract does not name is shown as it came.
fn health_word(lang: Lang, state: &str) -> String {
    let (fa, en) = match state {
        "ok" => ("سالم", "OK"),
        "offline" => ("خاموش یا جدا", "Offline"),
        "error" => ("خطا", "Error"),
        "low" => ("رو به اتمام", "Low"),
        "out" => ("تمام شده", "Out"),
        "unknown" => ("نامعلوم", "Unknown"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn printer_cell(lang: Lang, row: &DeviceRow) -> Markup {
    html! {
        @match &row.printer {
            Some((state, paper)) => {
                span class=(if state == "ok" && paper == "ok" { "good" } else { "bad" }) {
                    (health_word(lang, state)) " · " (t(lang, "paper")) ": "
                    (health_word(lang, paper))
                }
            }
            None => { (t(lang, "unknown")) }
        }
    }
}

/// The fleet page's body.
pub fn fleet(lang: Lang, now: DateTime<Utc>, rows: &[DeviceRow]) -> Markup {
    let silent = rows.iter().filter(|r| r.silent).count();
    html! {
        h1 { (t(lang, "fleet")) }
        p class="summary" {
            (lang.digits(&rows.len().to_string())) " " (t(lang, "devices")) " · "
            span class=(if silent > 0 { "bad" } else { "good" }) {
                (lang.digits(&silent.to_string())) " " (t(lang, "silent"))
            }
        }
        p class="note" { (t(lang, "silent_note")) }
        @if rows.is_empty() {
            p { (t(lang, "no_devices")) }
        } @else {
            div class="scroll" {
                table class="fleet" {
                    thead { tr {
                        th scope="col" { (t(lang, "kiosk")) }
                        th scope="col" { (t(lang, "office")) }
                        th scope="col" { (t(lang, "state")) }
                        th scope="col" { (t(lang, "last_seen")) }
                        th scope="col" { (t(lang, "printer")) }
                        th scope="col" { (t(lang, "outbox")) }
                        th scope="col" { (t(lang, "oldest")) }
                        th scope="col" { (t(lang, "sync_lag")) }
                        th scope="col" { (t(lang, "version")) }
                    } }
                    tbody {
                        @for row in rows {
                            tr id=(format!("kiosk-{}", row.kiosk)) class=(if row.silent { "silent" } else { "" }) {
                                th scope="row" data-label=(t(lang, "kiosk")) {
                                    a href=(format!("/devices/{}", row.kiosk)) {
                                        (lang.digits(&row.kiosk.to_string()))
                                    }
                                }
                                td data-label=(t(lang, "office")) {
                                    (row.office.as_deref().unwrap_or(t(lang, "unplaced")))
                                }
                                td data-label=(t(lang, "state")) {
                                    @if row.silent {
                                        strong class="bad flag" { "⚠ " (t(lang, "silent")) }
                                    } @else {
                                        span class="good" { (t(lang, "ok")) }
                                    }
                                }
                                td data-label=(t(lang, "last_seen")) {
                                    @match row.last_seen {
                                        Some(at) => {
                                            (when(lang, at)) " ("
                                            (span(lang, now - at)) " " (t(lang, "ago")) ")"
                                        }
                                        None => { (t(lang, "never")) }
                                    }
                                }
                                td data-label=(t(lang, "printer")) { (printer_cell(lang, row)) }
                                td data-label=(t(lang, "outbox")) {
                                    @match row.outbox {
                                        Some((depth, parked)) => {
                                            (lang.digits(&depth.to_string()))
                                            @if parked > 0 {
                                                " (" (lang.digits(&parked.to_string())) " "
                                                (t(lang, "parked")) ")"
                                            }
                                        }
                                        None => { (t(lang, "unknown")) }
                                    }
                                }
                                td data-label=(t(lang, "oldest")) {
                                    @match row.oldest {
                                        Some(d) => { (span(lang, d)) }
                                        None => { (t(lang, "none")) }
                                    }
                                }
                                td data-label=(t(lang, "sync_lag")) {
                                    @match row.sync_lag {
                                        Some(d) => { (span(lang, d)) }
                                        None => { (t(lang, "unknown")) }
                                    }
                                }
                                td data-label=(t(lang, "version")) dir="ltr" {
                                    (row.version.as_deref().unwrap_or(t(lang, "unknown")))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One device's page body.
pub fn device(lang: Lang, now: DateTime<Utc>, row: &DeviceRow) -> Markup {
    html! {
        h1 { (t(lang, "kiosk")) " " (lang.digits(&row.kiosk.to_string())) }
        dl class="card facts" {
            dt { (t(lang, "office")) }
            dd { (row.office.as_deref().unwrap_or(t(lang, "unplaced"))) }
            dt { (t(lang, "state")) }
            dd {
                @if row.silent { strong class="bad" { "⚠ " (t(lang, "silent")) } }
                @else { span class="good" { (t(lang, "ok")) } }
            }
            dt { (t(lang, "last_seen")) }
            dd {
                @match row.last_seen {
                    Some(at) => { (when(lang, at)) " (" (span(lang, now - at)) " " (t(lang, "ago")) ")" }
                    None => { (t(lang, "never")) }
                }
            }
            dt { (t(lang, "printer")) }
            dd { (printer_cell(lang, row)) }
            dt { (t(lang, "outbox")) }
            dd {
                @match row.outbox {
                    Some((depth, parked)) => {
                        (lang.digits(&depth.to_string())) " · " (t(lang, "parked")) ": "
                        (lang.digits(&parked.to_string()))
                    }
                    None => { (t(lang, "unknown")) }
                }
            }
            dt { (t(lang, "oldest")) }
            dd { @match row.oldest { Some(d) => { (span(lang, d)) } None => { (t(lang, "none")) } } }
            dt { (t(lang, "sync_lag")) }
            dd { @match row.sync_lag { Some(d) => { (span(lang, d)) } None => { (t(lang, "unknown")) } } }
            dt { (t(lang, "version")) }
            dd dir="ltr" { (row.version.as_deref().unwrap_or(t(lang, "unknown"))) }
        }
    }
}

/// The case search form; `missed` when the last code found nothing in scope.
pub fn case_search(lang: Lang, missed: bool) -> Markup {
    html! {
        h1 { (t(lang, "cases")) }
        section class="card narrow" {
            @if missed { p class="alert" role="alert" { (t(lang, "not_found")) } }
            form method="get" action="/cases" {
                label for="code" { (t(lang, "tracking_code")) }
                input id="code" name="code" type="text" inputmode="numeric" dir="ltr"
                    autocomplete="off" required;
                button type="submit" { (t(lang, "find")) }
            }
        }
    }
}

/// A case as the console shows it.
#[derive(Debug, Clone)]
pub struct CaseView {
    /// Its tracking code (16 digits).
    pub tracking_code: String,
    /// Its kind as stored (`complaint`, …).
    pub kind: String,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// The kiosk it was registered at.
    pub kiosk: i32,
    /// That kiosk's office.
    pub office: Option<String>,
    /// Its response date as the kiosk printed it (Jalali), if any.
    pub due_jalali: Option<String>,
    /// Its events, oldest first.
    pub events: Vec<CaseEvent>,
    /// The visitor consented to text messages at the kiosk.
    pub notice_consent: bool,
    /// The notices to the applicant, oldest first.
    pub notices: Vec<crate::notices::NoticeView>,
}

/// One line of a case's timeline.
#[derive(Debug, Clone)]
pub struct CaseEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// What (SAMAD's event type, or ours).
    pub what: String,
    /// The unit responsible.
    pub unit: String,
    /// The person responsible.
    pub person: String,
    /// Notes.
    pub notes: Option<String>,
}

/// A case kind's label in `lang`.
pub fn kind_label(lang: Lang, kind: &str) -> String {
    match (lang, kind.parse::<kiosk_core::CaseKind>()) {
        (Lang::Fa, Ok(k)) => k.label_fa().to_owned(),
        _ => kind.replace('_', " "),
    }
}

/// A case's page body: its facts and its timeline.
pub fn case(lang: Lang, view: &CaseView) -> Markup {
    html! {
        h1 { (t(lang, "case")) " " span dir="ltr" class="code" { (code(lang, &view.tracking_code)) } }
        dl class="card facts" {
            dt { (t(lang, "kind")) }
            dd { (kind_label(lang, &view.kind)) }
            dt { (t(lang, "registered")) }
            dd { (when(lang, view.registered_at)) }
            dt { (t(lang, "kiosk")) }
            dd { (lang.digits(&view.kiosk.to_string())) }
            dt { (t(lang, "office")) }
            dd { (view.office.as_deref().unwrap_or(t(lang, "unplaced"))) }
            @if let Some(due) = &view.due_jalali {
                dt { (t(lang, "due")) }
                dd { (lang.digits(due)) }
            }
        }
        h2 { (t(lang, "timeline")) }
        ol class="timeline" {
            @for e in &view.events {
                li {
                    time datetime=(e.at.to_rfc3339()) { (when(lang, e.at)) }
                    " · " strong { (e.what) }
                    @if !e.unit.is_empty() { " · " (e.unit) }
                    @if !e.person.is_empty() { " · " (e.person) }
                    @if let Some(n) = &e.notes { p { (n) } }
                }
            }
        }
        (super::notice_section::section(lang, view.notice_consent, &view.notices))
    }
}

/// One line of the audit log.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Its details (JSON text).
    pub detail: String,
}

/// The audit log page body.
pub fn audit(lang: Lang, rows: &[AuditRow]) -> Markup {
    html! {
        h1 { (t(lang, "audit")) }
        div class="scroll" {
            table {
                thead { tr {
                    th scope="col" { (t(lang, "when")) }
                    th scope="col" { (t(lang, "actor")) }
                    th scope="col" { (t(lang, "action")) }
                    th scope="col" { (t(lang, "detail")) }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td data-label=(t(lang, "when")) { (when(lang, r.at)) }
                            td data-label=(t(lang, "actor")) { (r.actor) }
                            td data-label=(t(lang, "action")) dir="ltr" { (r.action) }
                            td data-label=(t(lang, "detail")) dir="ltr" { code { (r.detail) } }
                        }
                    }
                }
            }
        }
    }
}

/// The console's style sheet (no inline styles: the pages' Content-Security-Policy allows
/// styles from the console only).
pub const CSS: &str = r#"
@font-face { font-family: Vazirmatn; src: url(/static/Vazirmatn-Regular.ttf) format("truetype"); font-weight: 400; }
@font-face { font-family: Vazirmatn; src: url(/static/Vazirmatn-Bold.ttf) format("truetype"); font-weight: 700; }
:root { --ink: #1c2430; --muted: #4a5565; --line: #d5dbe3; --bg: #f4f6f9; --accent: #0b5cad; --bad: #a4161a; --good: #1b6e3a; }
* { box-sizing: border-box; }
body { margin: 0; font-family: Vazirmatn, system-ui, sans-serif; color: var(--ink); background: var(--bg); line-height: 1.6; font-size: 16px; }
.skip { position: absolute; inset-inline-start: -999px; }
.skip:focus { inset-inline-start: 8px; top: 8px; background: #fff; padding: 4px 8px; }
header { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; padding: 10px 20px; background: #12355b; color: #fff; }
header a, header button { color: #fff; }
.brand { font-weight: 700; font-size: 1.1rem; }
nav { display: flex; gap: 14px; flex-wrap: wrap; }
nav a[aria-current] { font-weight: 700; text-decoration-thickness: 3px; }
.who { margin-inline-start: auto; }
.inline { display: inline; }
header button { background: none; border: 1px solid #fff; border-radius: 4px; padding: 2px 10px; font: inherit; cursor: pointer; }
main { padding: 16px 20px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 8px 0 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
.narrow { max-width: 420px; }
label { display: block; margin-top: 10px; font-weight: 700; }
input[type=text], input[type=password] { width: 100%; padding: 8px; font: inherit; border: 1px solid var(--muted); border-radius: 4px; }
form button[type=submit] { margin-top: 14px; padding: 8px 22px; font: inherit; background: var(--accent); color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
header form button[type=submit] { margin: 0; background: none; border: 1px solid #fff; padding: 2px 10px; }
.alert { color: var(--bad); font-weight: 700; }
.bad { color: var(--bad); }
.good { color: var(--good); }
.note, .summary { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: start; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: #e7ecf2; }
tr.silent { background: #fdecec; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; }
.facts dt { font-weight: 700; }
.facts dd { margin: 0; }
.timeline { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 36px; }
.timeline li { margin: 6px 0; }
.code { font-variant-numeric: tabular-nums; }
.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.chart svg { max-width: 100%; height: auto; display: block; }
.chart figcaption { color: var(--muted); font-size: 0.9rem; }
.pair, .charts, .tables { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); align-items: start; margin: 8px 0; }
.report-form { max-width: 520px; margin-bottom: 8px; }
select { width: 100%; padding: 8px; font: inherit; border: 1px solid var(--muted); border-radius: 4px; }
tfoot th, tfoot td { font-weight: 700; background: #eef2f6; }
.month { border-top: 1px solid var(--line); margin-top: 12px; }
.subnav { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 0 0 12px; padding: 0; list-style: none; }
.subnav a[aria-current] { font-weight: 700; text-decoration-thickness: 3px; }
.ok-note { color: var(--good); font-weight: 700; }
.wrap { overflow-wrap: anywhere; }
.once { font-size: 1.4rem; font-weight: 700; letter-spacing: 0.08em; background: #fff7d6; border: 2px dashed #8a6d00; border-radius: 6px; padding: 8px 14px; display: inline-block; }
.stack { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); align-items: start; margin: 12px 0; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0 0; padding: 6px 12px 10px; }
legend { font-weight: 700; padding: 0 4px; }
fieldset label, label.check { display: inline-flex; gap: 6px; align-items: center; font-weight: 400; margin: 6px 0 0; margin-inline-end: 16px; }
input[type=number] { width: 100%; padding: 8px; font: inherit; border: 1px solid var(--muted); border-radius: 4px; }
textarea { width: 100%; min-height: 18rem; padding: 8px; font: 0.9rem/1.4 ui-monospace, monospace; border: 1px solid var(--muted); border-radius: 4px; }
form button.danger[type=submit] { background: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; }
.actions form { margin: 0; }
pre.json { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; overflow-x: auto; max-height: 24rem; font-size: 0.85rem; }
@media print {
  header, .no-print, .skip { display: none !important; }
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .card, .chart { border: 0; padding: 0; }
  section, figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  th, td { padding: 3px 6px; }
}
@media screen and (max-width: 700px) {
  header { padding: 8px 12px; }
  .who { margin-inline-start: 0; width: 100%; }
  main { padding: 12px; }
  table.fleet thead, table thead { position: absolute; inset-inline-start: -9999px; }
  table, tbody, tr, th, td { display: block; width: 100%; }
  tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; background: #fff; }
  th[scope=row], td { border: 0; padding: 4px 10px; }
  td::before, th[scope=row]::before { content: attr(data-label) ": "; font-weight: 700; }
}
"#;
