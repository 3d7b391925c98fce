//! Reports as CSV (for spreadsheets: ASCII digits, Jalali dates `YYYY-MM-DD`, one row per
//! figure) and as a self-contained HTML page (right to left, Persian digits, the charts inline
//! as SVG, Vazirmatn embedded as a data URL: the file opens anywhere offline).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kiosk_core::JalaliDate;
use kiosk_core::digits::to_persian_digits;

use crate::ReportError;
use crate::chart::{self, Bars, FONT, FONT_FAMILY};
use crate::monthly::MonthlyReport;
use crate::quarterly::{QuarterlyReport, Satisfaction};

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fa_number(x: f64, decimals: usize) -> String {
    to_persian_digits(&format!("{x:.decimals$}")).replace('.', "٫")
}

fn fa_int(n: u64) -> String {
    to_persian_digits(&n.to_string())
}

/// The charts of a monthly report.
pub fn monthly_charts(r: &MonthlyReport) -> Vec<(&'static str, Bars)> {
    let per_day = Bars {
        title_fa: "تعداد ملاقات‌کنندگان در هر روز ملاقات".into(),
        title_en: "Visitors per meeting day".into(),
        labels_fa: r
            .per_day
            .iter()
            .map(|(d, _)| JalaliDate::from_gregorian(*d).format_numeric_fa())
            .collect(),
        labels_en: r
            .per_day
            .iter()
            .map(|(d, _)| JalaliDate::from_gregorian(*d).to_string())
            .collect(),
        values: r.per_day.iter().map(|(_, n)| *n).collect(),
    };
    let topics = Bars {
        title_fa: "موضوع ملاقات‌ها".into(),
        title_en: "Topics (T-numbers as in the table)".into(),
        labels_fa: r.topics.iter().map(|(t, _)| t.clone()).collect(),
        labels_en: (1..=r.topics.len()).map(|i| format!("T{i}")).collect(),
        values: r.topics.iter().map(|(_, n)| *n).collect(),
    };
    let occupations = Bars {
        title_fa: "وضعیت شغلی ملاقات‌کنندگان".into(),
        title_en: "Occupations".into(),
        labels_fa: r
            .occupations
            .iter()
            .map(|(o, _)| o.label_fa().into())
            .collect(),
        labels_en: r
            .occupations
            .iter()
            .map(|(o, _)| o.as_str().into())
            .collect(),
        values: r.occupations.iter().map(|(_, n)| *n).collect(),
    };
    let results = Bars {
        title_fa: "نتایج ملاقات‌ها".into(),
        title_en: "Results".into(),
        labels_fa: r.results.iter().map(|(x, _)| x.label_fa().into()).collect(),
        labels_en: r.results.iter().map(|(x, _)| x.as_str().into()).collect(),
        values: r.results.iter().map(|(_, n)| *n).collect(),
    };
    vec![
        ("per-day", per_day),
        ("topics", topics),
        ("occupations", occupations),
        ("results", results),
    ]
}

/// The charts of a quarterly report.
pub fn quarterly_charts(r: &QuarterlyReport) -> Vec<(&'static str, Bars)> {
    let kinds: Vec<_> = r.by_kind.iter().filter(|(_, n)| *n > 0).collect();
    let by_kind = Bars {
        title_fa: "موارد ثبت‌شده به تفکیک نوع".into(),
        title_en: "Cases by kind".into(),
        labels_fa: kinds.iter().map(|(k, _)| k.label_fa().into()).collect(),
        labels_en: kinds.iter().map(|(k, _)| k.label_en().into()).collect(),
        values: kinds.iter().map(|(_, n)| *n).collect(),
    };
    let by_subject = Bars {
        title_fa: "موارد ثبت‌شده به تفکیک موضوع".into(),
        title_en: "Cases by subject".into(),
        labels_fa: r.by_subject.iter().map(|(s, _)| s.clone()).collect(),
        labels_en: r.by_subject.iter().map(|(s, _)| s.clone()).collect(),
        values: r.by_subject.iter().map(|(_, n)| *n).collect(),
    };
    let ratings = Bars {
        title_fa: "تعداد نظرهای ثبت‌شده برای هر کارمند".into(),
        title_en: "Ratings per employee".into(),
        labels_fa: r.by_employee.iter().map(|(e, _)| e.clone()).collect(),
        labels_en: r
            .by_employee
            .iter()
            .map(|(e, _)| {
                if e.is_ascii() {
                    e.clone()
                } else {
                    "unknown".into()
                }
            })
            .collect(),
        values: r.by_employee.iter().map(|(_, s)| s.count).collect(),
    };
    vec![
        ("by-kind", by_kind),
        ("by-subject", by_subject),
        ("ratings-per-employee", ratings),
    ]
}

/// The monthly report as CSV: `section,label,count,percent`.
pub fn monthly_csv(r: &MonthlyReport) -> String {
    let mut out = String::from("section,label,count,percent\n");
    let mut row = |section: &str, label: &str, n: u64| {
        out.push_str(&format!(
            "{section},{},{n},{:.1}\n",
            csv_field(label),
            r.percent(n)
        ));
    };
    row("total", "meetings", r.total);
    for (d, n) in &r.per_day {
        row("day", &JalaliDate::from_gregorian(*d).to_string(), *n);
    }
    for (t, n) in &r.topics {
        row("topic", t, *n);
    }
    for (o, n) in &r.occupations {
        row("occupation", o.as_str(), *n);
    }
    for (x, n) in &r.results {
        row("result", x.as_str(), *n);
    }
    out
}

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

/// The quarterly report as CSV: `section,label,value,extra`.
pub fn quarterly_csv(r: &QuarterlyReport) -> String {
    let mut out = String::from("section,label,value,extra\n");
    let mut row = |section: &str, label: &str, value: String, extra: String| {
        out.push_str(&format!("{section},{},{value},{extra}\n", csv_field(label)));
    };
    row("cases", "registered", r.cases.to_string(), String::new());
    for (k, n) in &r.by_kind {
        row("kind", k.as_str(), n.to_string(), String::new());
    }
    for (s, n) in &r.by_subject {
        row("subject", s, n.to_string(), String::new());
    }
    row(
        "response",
        "owing_answer",
        r.owing.to_string(),
        String::new(),
    );
    row(
        "response",
        "answered",
        r.answered.to_string(),
        String::new(),
    );
    row("response", "rate", opt(r.response_rate, 4), String::new());
    row(
        "handling",
        "average_working_days",
        opt(r.average_working_days, 2),
        String::new(),
    );
    row(
        "handling",
        "p90_working_days",
        r.p90_working_days
            .map(|v| v.to_string())
            .unwrap_or_default(),
        String::new(),
    );
    row("overdue", "cases", r.overdue.to_string(), String::new());
    for (s, x) in &r.by_service {
        row(
            "satisfaction_service",
            s,
            format!("{:.2}", x.average),
            x.count.to_string(),
        );
    }
    for (e, x) in &r.by_employee {
        row(
            "satisfaction_employee",
            e,
            format!("{:.2}", x.average),
            x.count.to_string(),
        );
    }
    out
}

fn page(title: &str, body: &str) -> String {
    let font = STANDARD.encode(FONT);
    format!(
        r#"<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
@font-face {{ font-family: "{FONT_FAMILY}"; src: url(data:font/ttf;base64,{font}) format("truetype"); }}
body {{ font-family: "{FONT_FAMILY}", sans-serif; margin: 2em; color: #1b1b1b; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #999; padding: .3em .8em; text-align: right; }}
/* Plotters anchors labels for a left-to-right box; the Persian runs inside still read RTL. */
figure {{ margin: 1.5em 0; direction: ltr; }}
svg text {{ font-family: "{FONT_FAMILY}", sans-serif; }}
</style>
</head>
<body>
<h1>{title}</h1>
{body}
<p><small>Vazirmatn font: SIL Open Font License 1.1.</small></p>
</body>
</html>
"#,
        title = html_escape(title)
    )
}

fn table(header: [&str; 3], rows: &[(String, String, String)]) -> String {
    let mut t = format!(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        header[0], header[1], header[2]
    );
    for (a, b, c) in rows {
        t.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(a),
            html_escape(b),
            html_escape(c)
        ));
    }
    t.push_str("</table>\n");
    t
}

fn figures(charts: &[(&'static str, Bars)]) -> Result<String, ReportError> {
    let mut out = String::new();
    for (name, bars) in charts {
        out.push_str(&format!("<figure id=\"{name}\">"));
        out.push_str(&chart::svg(bars)?);
        out.push_str("</figure>\n");
    }
    Ok(out)
}

/// The monthly report as a self-contained HTML page.
pub fn monthly_html(r: &MonthlyReport) -> Result<String, ReportError> {
    let (first, last) = r.month.days();
    let title = format!(
        "گزارش ماهانه ملاقات‌های مردمی — {}",
        to_persian_digits(&r.month.label().replace('-', "/"))
    );
    let mut body = format!(
        "<p>از {} تا {} — تعداد کل ملاقات‌ها: {}</p>\n",
        JalaliDate::from_gregorian(first).format_fa(),
        JalaliDate::from_gregorian(last).format_fa(),
        fa_int(r.total)
    );
    let pct = |n: u64| format!("{}٪", fa_number(r.percent(n), 0));
    let rows = |items: Vec<(String, u64)>| -> Vec<(String, String, String)> {
        items
            .into_iter()
            .map(|(l, n)| (l, fa_int(n), pct(n)))
            .collect()
    };
    body.push_str("<h2>الف- تاریخ ملاقات‌ها</h2>\n");
    body.push_str(&table(
        ["روز", "تعداد ملاقات‌کنندگان", "سهم"],
        &rows(
            r.per_day
                .iter()
                .map(|(d, n)| (JalaliDate::from_gregorian(*d).format_numeric_fa(), *n))
                .collect(),
        ),
    ));
    body.push_str("<h2>ب- موضوع ملاقات‌ها</h2>\n");
    body.push_str(&table(
        ["موضوع", "تعداد", "سهم"],
        &rows(
            r.topics
                .iter()
                .enumerate()
                .map(|(i, (t, n))| (format!("{t} (T{})", i + 1), *n))
                .collect(),
        ),
    ));
    body.push_str("<h2>ج- وضعیت شغلی ملاقات‌کنندگان</h2>\n");
    body.push_str(&table(
        ["شغل", "تعداد", "سهم"],
        &rows(
            r.occupations
                .iter()
                .map(|(o, n)| (o.label_fa().into(), *n))
                .collect(),
        ),
    ));
    body.push_str("<h2>د- نتایج ملاقات‌ها</h2>\n");
    body.push_str(&table(
        ["نتیجه", "تعداد", "سهم"],
        &rows(
            r.results
                .iter()
                .map(|(x, n)| (x.label_fa().into(), *n))
                .collect(),
        ),
    ));
    body.push_str(&figures(&monthly_charts(r))?);
    Ok(page(&title, &body))
}

fn satisfaction_rows(items: &[(String, Satisfaction)]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|(k, s)| (k.clone(), fa_int(s.count), fa_number(s.average, 2)))
        .collect()
}

/// The quarterly report as a self-contained HTML page.
pub fn quarterly_html(r: &QuarterlyReport) -> Result<String, ReportError> {
    let (first, last) = r.quarter.days();
    let title = format!(
        "گزارش عملکرد فصل {} سال {}",
        fa_int(u64::from(r.quarter.quarter)),
        to_persian_digits(&r.quarter.year.to_string())
    );
    let none = "—".to_owned();
    let mut body = format!(
        "<p>از {} تا {}</p>\n",
        JalaliDate::from_gregorian(first).format_fa(),
        JalaliDate::from_gregorian(last).format_fa()
    );
    body.push_str(&table(
        ["شاخص", "مقدار", ""],
        &[
            ("موارد ثبت‌شده".into(), fa_int(r.cases), String::new()),
            ("موارد نیازمند پاسخ".into(), fa_int(r.owing), String::new()),
            ("پاسخ داده‌شده".into(), fa_int(r.answered), String::new()),
            (
                "نرخ پاسخگویی".into(),
                r.response_rate
                    .map(|x| format!("{}٪", fa_number(x * 100.0, 1)))
                    .unwrap_or_else(|| none.clone()),
                String::new(),
            ),
            (
                "میانگین زمان رسیدگی (روز کاری)".into(),
                r.average_working_days
                    .map(|x| fa_number(x, 2))
                    .unwrap_or_else(|| none.clone()),
                String::new(),
            ),
            (
                "صدک ۹۰ زمان رسیدگی (روز کاری)".into(),
                r.p90_working_days
                    .map(|x| fa_int(u64::from(x)))
                    .unwrap_or_else(|| none.clone()),
                String::new(),
            ),
            ("موارد معوق".into(), fa_int(r.overdue), String::new()),
        ],
    ));
    body.push_str("<h2>موارد به تفکیک نوع</h2>\n");
    body.push_str(&table(
        ["نوع", "تعداد", ""],
        &r.by_kind
            .iter()
            .map(|(k, n)| (k.label_fa().into(), fa_int(*n), String::new()))
            .collect::<Vec<_>>(),
    ));
    body.push_str("<h2>موارد به تفکیک موضوع</h2>\n");
    body.push_str(&table(
        ["موضوع", "تعداد", ""],
        &r.by_subject
            .iter()
            .map(|(s, n)| (s.clone(), fa_int(*n), String::new()))
            .collect::<Vec<_>>(),
    ));
    body.push_str("<h2>رضایت به تفکیک خدمت</h2>\n");
    body.push_str(&table(
        ["شناسه خدمت", "تعداد نظر", "میانگین امتیاز (از ۵)"],
        &satisfaction_rows(&r.by_service),
    ));
    body.push_str("<h2>رضایت به تفکیک کارمند</h2>\n");
    body.push_str(&table(
        ["کد کارمند", "تعداد نظر", "میانگین امتیاز (از ۵)"],
        &satisfaction_rows(&r.by_employee),
    ));
    body.push_str(&figures(&quarterly_charts(r))?);
    Ok(page(&title, &body))
}
