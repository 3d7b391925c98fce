//! The report page ([`super::reports::Report`] as HTML), apart from pages.rs for its size.
//!
//! Persian first like every page: Persian digits and decimal sign, Jalali days, right to left;
//! charts are kiosk-reports' bar charts as inline SVG (Persian labels on a Persian page,
//! English on an English one), each beside a table of the same numbers, so a screen reader and
//! a printout lose nothing. No script: the period and place are a GET form, the CSV is a link,
//! printing is the browser's, laid out by the style sheet's `@media print`.

use kiosk_core::JalaliDate;
use kiosk_core::jalali::{MONTH_NAMES_EN, MONTH_NAMES_FA};
use kiosk_reports::chart::{self, Bars};
use kiosk_reports::render::monthly_charts;
use kiosk_reports::{MonthlyReport, ReportError};
use maud::{Markup, PreEscaped, html};

use super::accounts::Scope;
use super::pages::{Lang, kind_label, scope_text, t, when};
use super::reports::{Figures, Period, Report};

/// What the form shows: the period, level and name as asked (or defaulted).
#[derive(Debug, Clone)]
pub struct ReportForm {
    /// The period as typed.
    pub period: String,
    /// `office`, `county`, `province` or `agency`.
    pub level: String,
    /// The place's name.
    pub name: String,
}

impl ReportForm {
    /// The query string of this form (for the CSV link and the language switch).
    pub fn query(&self) -> String {
        format!(
            "period={}&level={}&name={}",
            encode(&self.period),
            encode(&self.level),
            encode(&self.name)
        )
    }
}

/// `text` percent-encoded for a query.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `x` with `decimals` decimals: Persian digits and «٫» on a Persian page.
fn number(lang: Lang, x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match lang {
        Lang::Fa => lang.digits(&text.replace('.', "٫")),
        Lang::En => text,
    }
}

fn int(lang: Lang, n: impl ToString) -> String {
    lang.digits(&n.to_string())
}

fn maybe(lang: Lang, x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| t(lang, "none").to_owned(), |v| number(lang, v, decimals))
}

fn percent(lang: Lang, x: Option<f64>) -> String {
    x.map_or_else(
        || t(lang, "none").to_owned(),
        |v| match lang {
            Lang::Fa => format!("{}٪", number(lang, v * 100.0, 1)),
            Lang::En => format!("{}%", number(lang, v * 100.0, 1)),
        },
    )
}

/// «فصل ۳ ۱۴۰۵», «آذر ۱۴۰۵», `Q3 1405`, `Azar 1405`.
pub fn period_text(lang: Lang, period: Period) -> String {
    match period {
        Period::Quarter(q) => {
            lang.digits(&format!("{} {} {}", t(lang, "quarter"), q.quarter, q.year))
        }
        Period::Month(m) => {
            let names = match lang {
                Lang::Fa => MONTH_NAMES_FA,
                Lang::En => MONTH_NAMES_EN,
            };
            lang.digits(&format!(
                "{} {}",
                names[usize::from(m.month.clamp(1, 12) - 1)],
                m.year
            ))
        }
    }
}

/// A chart as inline SVG in `lang`, or nothing (logged) when it cannot be drawn.
fn chart_svg(lang: Lang, bars: &Bars) -> Markup {
    let svg: Result<String, ReportError> = match lang {
        Lang::Fa => chart::svg(bars),
        Lang::En => chart::svg_en(bars),
    };
    match svg {
        Ok(svg) => html! {
            figure class="chart" {
                (PreEscaped(svg))
                figcaption { (match lang { Lang::Fa => &bars.title_fa, Lang::En => &bars.title_en }) }
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "a report chart could not be drawn");
            html! {}
        }
    }
}

fn office_name(lang: Lang, office: &Option<String>) -> String {
    office
        .clone()
        .unwrap_or_else(|| t(lang, "unplaced_kiosks").to_owned())
}

fn figures_cells(lang: Lang, f: &Figures) -> Markup {
    html! {
        td data-label=(t(lang, "cases_registered")) { (int(lang, f.cases)) }
        td data-label=(t(lang, "due_count")) { (int(lang, f.due)) }
        td data-label=(t(lang, "on_time")) { (int(lang, f.on_time)) }
        td data-label=(t(lang, "late")) { (int(lang, f.late)) }
        td data-label=(t(lang, "overdue")) {
            (int(lang, f.overdue))
            @if f.overdue_escalated > 0 {
                " (" (t(lang, "escalated")) ": " (int(lang, f.overdue_escalated)) ")"
            }
        }
        td data-label=(t(lang, "response_rate")) { (percent(lang, f.response_rate())) }
        td data-label=(t(lang, "handling_avg")) { (maybe(lang, f.handling_average(), 1)) }
        td data-label=(t(lang, "handling_median")) { (maybe(lang, f.handling_median(), 1)) }
        td data-label=(t(lang, "handling_n")) { (int(lang, f.handling_days.len())) }
        td data-label=(t(lang, "ratings")) { (int(lang, f.ratings)) }
        td data-label=(t(lang, "rating_avg")) { (maybe(lang, f.rating_average(), 2)) }
    }
}

fn service_cells(lang: Lang, f: &Figures) -> Markup {
    html! {
        td data-label=(t(lang, "services_given")) { (int(lang, f.services)) }
        td data-label=(t(lang, "services_electronic")) { (int(lang, f.services_registered)) }
        td data-label=(t(lang, "electronic_share")) { (percent(lang, f.electronic_share())) }
    }
}

/// The form: period, level, name; a message when what was asked did not read.
pub fn form(lang: Lang, form: &ReportForm, alert: Option<&str>) -> Markup {
    let levels = ["office", "county", "province", "agency"];
    html! {
        section class="card report-form no-print" {
            @if let Some(a) = alert { p class="alert" role="alert" { (a) } }
            form method="get" action="/reports" {
                label for="period" { (t(lang, "period")) }
                input id="period" name="period" type="text" dir="ltr" value=(form.period)
                    aria-describedby="period-hint";
                p id="period-hint" class="note" { (t(lang, "period_hint")) }
                label for="level" { (t(lang, "level")) }
                select id="level" name="level" {
                    @for l in levels {
                        option value=(l) selected[form.level == l] {
                            (t(lang, &format!("level_{l}")))
                        }
                    }
                }
                label for="name" { (t(lang, "place_name")) }
                input id="name" name="name" type="text" dir="auto" value=(form.name);
                button type="submit" { (t(lang, "show")) }
            }
        }
    }
}

fn month_section(lang: Lang, m: &MonthlyReport) -> Markup {
    let title = period_text(lang, Period::Month(m.month));
    let days = m.per_day.len() as u64;
    html! {
        section class="month" {
            h3 { (title) }
            @if m.total == 0 {
                p { (t(lang, "no_meetings")) }
            } @else {
                dl class="facts" {
                    dt { (t(lang, "meetings_total")) } dd { (int(lang, m.total)) }
                    dt { (t(lang, "meeting_days")) } dd { (int(lang, days)) }
                    dt { (t(lang, "per_day_avg")) }
                    dd { (number(lang, m.total as f64 / days.max(1) as f64, 1)) }
                }
                div class="tables" {
                    table {
                        thead { tr { th scope="col" { (t(lang, "day")) } th scope="col" { (t(lang, "visitors")) } } }
                        tbody {
                            @for (day, n) in &m.per_day {
                                tr {
                                    td { (match lang {
                                        Lang::Fa => JalaliDate::from_gregorian(*day).format_fa(),
                                        Lang::En => JalaliDate::from_gregorian(*day).format_en(),
                                    }) }
                                    td { (int(lang, n)) }
                                }
                            }
                        }
                    }
                    table {
                        thead { tr { th scope="col" { (t(lang, "topic")) } th scope="col" { (t(lang, "count")) } } }
                        tbody {
                            @for (i, (topic, n)) in m.topics.iter().enumerate() {
                                tr {
                                    td {
                                        @if lang == Lang::En { "T" (i + 1) " · " }
                                        (topic)
                                    }
                                    td { (int(lang, n)) }
                                }
                            }
                        }
                    }
                    table {
                        thead { tr { th scope="col" { (t(lang, "occupation")) } th scope="col" { (t(lang, "count")) } } }
                        tbody {
                            @for (o, n) in &m.occupations {
                                tr {
                                    td { (match lang { Lang::Fa => o.label_fa(), Lang::En => o.as_str() }) }
                                    td { (int(lang, n)) }
                                }
                            }
                        }
                    }
                    table {
                        thead { tr { th scope="col" { (t(lang, "result")) } th scope="col" { (t(lang, "count")) } } }
                        tbody {
                            @for (x, n) in &m.results {
                                tr {
                                    td { (match lang { Lang::Fa => x.label_fa(), Lang::En => x.as_str() }) }
                                    td { (int(lang, n)) }
                                }
                            }
                        }
                    }
                }
                div class="charts" {
                    @for (_, bars) in monthly_charts(m) { (chart_svg(lang, &bars)) }
                }
            }
        }
    }
}

/// The report's page body.
pub fn report(lang: Lang, r: &Report, asked: &ReportForm) -> Markup {
    let kinds = Bars {
        title_fa: t(Lang::Fa, "by_kind").to_owned(),
        title_en: t(Lang::En, "by_kind").to_owned(),
        labels_fa: r
            .by_kind
            .iter()
            .map(|(k, _)| kind_label(Lang::Fa, k))
            .collect(),
        labels_en: r
            .by_kind
            .iter()
            .map(|(k, _)| kind_label(Lang::En, k))
            .collect(),
        values: r.by_kind.iter().map(|(_, n)| *n).collect(),
    };
    // The chart shows the 12 most frequent subjects; the table has them all.
    let top: Vec<_> = r.by_subject.iter().take(12).collect();
    let subjects = Bars {
        title_fa: t(Lang::Fa, "by_subject").to_owned(),
        title_en: t(Lang::En, "by_subject").to_owned(),
        labels_fa: top.iter().map(|(s, _)| s.clone()).collect(),
        labels_en: top.iter().map(|(s, _)| s.clone()).collect(),
        values: top.iter().map(|(_, n)| *n).collect(),
    };
    let place = match &r.place {
        Scope::Agency => t(lang, "level_agency").to_owned(),
        other => scope_text(lang, other),
    };
    html! {
        h1 {
            (t(lang, "report_title")) " · " (place) " · " (period_text(lang, r.period))
        }
        p class="note" { (t(lang, "made_at")) " " (when(lang, r.made_at)) }
        (form(lang, asked, None))
        p class="no-print actions" {
            a href=(format!("/reports.csv?{}", asked.query())) download { (t(lang, "csv")) }
            " · " (t(lang, "print_hint"))
        }
        section {
            h2 { (t(lang, "summary")) }
            div class="scroll" {
                table class="report" {
                    thead { tr {
                        th scope="col" { (t(lang, "office")) }
                        th scope="col" { (t(lang, "cases_registered")) }
                        th scope="col" { (t(lang, "due_count")) }
                        th scope="col" { (t(lang, "on_time")) }
                        th scope="col" { (t(lang, "late")) }
                        th scope="col" { (t(lang, "overdue")) }
                        th scope="col" { (t(lang, "response_rate")) }
                        th scope="col" { (t(lang, "handling_avg")) }
                        th scope="col" { (t(lang, "handling_median")) }
                        th scope="col" { (t(lang, "handling_n")) }
                        th scope="col" { (t(lang, "ratings")) }
                        th scope="col" { (t(lang, "rating_avg")) }
                    } }
                    tbody {
                        @for (office, f) in &r.offices {
                            tr {
                                th scope="row" data-label=(t(lang, "office")) { (office_name(lang, office)) }
                                (figures_cells(lang, f))
                            }
                        }
                    }
                    tfoot {
                        tr {
                            th scope="row" data-label=(t(lang, "office")) { (t(lang, "total")) }
                            (figures_cells(lang, &r.total))
                        }
                    }
                }
            }
        }
        section {
            h2 { (t(lang, "by_kind")) }
            div class="pair" {
                table {
                    thead { tr { th scope="col" { (t(lang, "kind")) } th scope="col" { (t(lang, "count")) } } }
                    tbody {
                        @for (kind, n) in &r.by_kind {
                            tr { td { (kind_label(lang, kind)) } td { (int(lang, n)) } }
                        }
                    }
                }
                (chart_svg(lang, &kinds))
            }
        }
        section {
            h2 { (t(lang, "by_subject")) }
            div class="pair" {
                table {
                    thead { tr { th scope="col" { (t(lang, "subject")) } th scope="col" { (t(lang, "count")) } } }
                    tbody {
                        @for (subject, n) in &r.by_subject {
                            tr { td dir="auto" { (subject) } td { (int(lang, n)) } }
                        }
                    }
                }
                @if !r.by_subject.is_empty() { (chart_svg(lang, &subjects)) }
            }
        }
        section {
            h2 { (t(lang, "employees")) }
            @if r.employees.is_empty() {
                p { (t(lang, "no_ratings")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (t(lang, "employee")) }
                        th scope="col" { (t(lang, "ratings")) }
                        th scope="col" { (t(lang, "rating_avg")) }
                    } }
                    tbody {
                        @for e in &r.employees {
                            tr {
                                td dir="auto" {
                                    @if e.employee_code.is_empty() { (t(lang, "nobody")) }
                                    @else { (e.employee_code) }
                                }
                                td { (int(lang, e.ratings)) }
                                td { (number(lang, e.score_sum as f64 / e.ratings.max(1) as f64, 2)) }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { (t(lang, "electronic")) }
            div class="scroll" {
                table class="report" {
                    thead { tr {
                        th scope="col" { (t(lang, "office")) }
                        th scope="col" { (t(lang, "services_given")) }
                        th scope="col" { (t(lang, "services_electronic")) }
                        th scope="col" { (t(lang, "electronic_share")) }
                    } }
                    tbody {
                        @for (office, f) in &r.offices {
                            tr {
                                th scope="row" data-label=(t(lang, "office")) { (office_name(lang, office)) }
                                (service_cells(lang, f))
                            }
                        }
                    }
                    tfoot {
                        tr {
                            th scope="row" data-label=(t(lang, "office")) { (t(lang, "total")) }
                            (service_cells(lang, &r.total))
                        }
                    }
                }
            }
        }
        section {
            h2 { (t(lang, "meetings")) }
            @if r.unreadable_meetings > 0 {
                p class="alert" { (t(lang, "unreadable_meetings")) " " (int(lang, r.unreadable_meetings)) }
            }
            @for m in &r.months { (month_section(lang, m)) }
        }
        section class="definitions" {
            h2 { (t(lang, "definitions")) }
            ul {
                li { (t(lang, "def_due")) }
                li { (t(lang, "def_handling")) }
                li { (t(lang, "def_escalated")) }
                li { (t(lang, "def_ratings")) }
                li { (t(lang, "def_electronic")) }
            }
        }
    }
}
