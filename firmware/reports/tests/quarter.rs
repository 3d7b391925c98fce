//! Reports on a generated quarter (1405-Q3) and month (1405-07), checked against figures
//! computed independently here: handling times are *constructed* (each answer is put on the
//! N-th working day after registration with the calendar's own day counter, so the expected
//! time is N), counts are kept while generating, and a small database round trip checks the
//! reader. Also writes the example charts when `KIOSK_REPORTS_EXAMPLES=DIR` is set.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kiosk_core::{CaseKind, WorkingCalendar};
use kiosk_reports::period::start_of;
use kiosk_reports::{
    CaseRow, JalaliMonth, JalaliQuarter, MeetingRow, RatingRow, ReportData, monthly, quarterly,
    render,
};
use kiosk_store::{MeetingResult, Occupation};

/// A small deterministic generator (64-bit LCG), so the data is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

struct Expected {
    cases: u64,
    by_kind: BTreeMap<&'static str, u64>,
    owing: u64,
    answered: u64,
    times: Vec<u32>,
    overdue: u64,
    employee: BTreeMap<String, (u64, u64)>,
}

/// Tehran 10:00 on `day`.
fn at(day: NaiveDate) -> DateTime<Utc> {
    start_of(day) + Duration::hours(10)
}

fn generate(calendar: &WorkingCalendar) -> (ReportData, Expected) {
    let quarter = JalaliQuarter::parse("1405-Q3").unwrap();
    let (first, last) = quarter.days();
    let mut rng = Lcg(7);
    let mut data = ReportData::default();
    let mut e = Expected {
        cases: 0,
        by_kind: BTreeMap::new(),
        owing: 0,
        answered: 0,
        times: Vec::new(),
        overdue: 0,
        employee: BTreeMap::new(),
    };
    let kinds = [
        CaseKind::Complaint,
        CaseKind::Request,
        CaseKind::Suggestion,
        CaseKind::Appreciation,
    ];
    let mut day = first - Duration::days(5);
    while day <= last + Duration::days(5) {
        let inside = day >= first && day <= last;
        for _ in 0..rng.next(4) {
            let kind = kinds[rng.next(4) as usize];
            let owes = kind != CaseKind::Appreciation;
            let due = owes.then(|| calendar.nth_working_day_after(day, 10).unwrap().0);
            // 0: never answered; otherwise answered on the n-th working day.
            let n = rng.next(16) as u16;
            let answered =
                (owes && n > 0).then(|| calendar.nth_working_day_after(day, n).unwrap().0);
            data.cases.push(CaseRow {
                kind,
                subject_id: format!("SUBJ-{}", rng.next(3)),
                registered_at: at(day),
                due_date: due,
                answered_at: answered.map(at),
            });
            if !inside {
                continue;
            }
            e.cases += 1;
            *e.by_kind.entry(kind.as_str()).or_default() += 1;
            if let Some(due) = due {
                e.owing += 1;
                let in_time = answered.filter(|a| *a <= last);
                if let Some(_a) = in_time {
                    e.answered += 1;
                    e.times.push(u32::from(n));
                }
                let late = match in_time {
                    None => true,
                    Some(_) => n > 10,
                };
                if due < last && late {
                    e.overdue += 1;
                }
            }
        }
        for _ in 0..rng.next(3) {
            let employee = format!("E-{}", rng.next(4));
            let score = 1 + rng.next(5) as u8;
            data.ratings.push(RatingRow {
                service_id: format!("110{}", rng.next(3)),
                employee_code: Some(employee.clone()),
                score,
                rated_at: at(day),
            });
            if inside {
                let entry = e.employee.entry(employee).or_default();
                entry.0 += 1;
                entry.1 += u64::from(score);
            }
        }
        day += Duration::days(1);
    }
    (data, e)
}

#[test]
fn the_quarterly_report_matches_independently_computed_figures() {
    let calendar = WorkingCalendar::default();
    let (data, e) = generate(&calendar);
    let quarter = JalaliQuarter::parse("1405-Q3").unwrap();
    let r = quarterly::compute(&data, quarter, &calendar);
    assert!(e.cases > 100, "a real quarter of data: {}", e.cases);
    assert_eq!(r.cases, e.cases);
    for (kind, n) in &r.by_kind {
        assert_eq!(
            *n,
            e.by_kind.get(kind.as_str()).copied().unwrap_or(0),
            "{kind:?}"
        );
    }
    assert_eq!(r.owing, e.owing);
    assert_eq!(r.answered, e.answered);
    assert_eq!(r.overdue, e.overdue);
    let rate = e.answered as f64 / e.owing as f64;
    assert!((r.response_rate.unwrap() - rate).abs() < 1e-12);
    let mean = e.times.iter().map(|&t| f64::from(t)).sum::<f64>() / e.times.len() as f64;
    assert!((r.average_working_days.unwrap() - mean).abs() < 1e-9);
    // p90 by counting: the smallest t with at least 90 % of the times ≤ t.
    let mut sorted = e.times.clone();
    sorted.sort_unstable();
    let p90 = (0..=15)
        .find(|&t| sorted.iter().filter(|&&x| x <= t).count() * 10 >= sorted.len() * 9)
        .unwrap();
    assert_eq!(r.p90_working_days, Some(p90));
    for (employee, s) in &r.by_employee {
        let (count, sum) = e.employee[employee];
        assert_eq!(s.count, count);
        assert!((s.average - sum as f64 / count as f64).abs() < 1e-12);
    }
    assert_eq!(r.by_employee.len(), e.employee.len());
    let csv = render::quarterly_csv(&r);
    assert!(
        csv.contains(&format!("overdue,cases,{},\n", e.overdue)),
        "{csv}"
    );
    let html = render::quarterly_html(&r).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("dir=\"rtl\""));
    assert!(html.contains("data:font/ttf;base64,"), "self-contained");
    assert!(!html.contains("src=\"http"), "no external resources");
    assert!(html.contains("<svg"));
    assert!(html.contains("فصل ۳ سال ۱۴۰۵"));
}

fn month_of_meetings() -> (ReportData, BTreeMap<NaiveDate, u64>, u64, u64) {
    // Tuesdays of Mehr 1405 (meetings were on Tuesdays, docs/rules.md R-003-5.3-report), plus
    // one day outside.
    let month = JalaliMonth::parse("1405-07").unwrap();
    let (first, last) = month.days();
    let mut rng = Lcg(11);
    let mut data = ReportData::default();
    let mut per_day = BTreeMap::new();
    let mut government = 0;
    let mut referred = 0;
    for day in first
        .iter_days()
        .take_while(|d| *d <= last + Duration::days(7))
    {
        if day.format("%a").to_string() != "Tue" {
            continue;
        }
        let n = 3 + rng.next(10);
        for _ in 0..n {
            let occupation = Occupation::ALL[rng.next(3) as usize];
            let mut results = vec![MeetingResult::ALL[rng.next(6) as usize]];
            if rng.next(3) == 0 {
                results.push(MeetingResult::LegalFrameworkExplained);
            }
            results.sort();
            results.dedup();
            if day <= last {
                government += u64::from(occupation == Occupation::Government);
                referred += u64::from(results.contains(&MeetingResult::ReferredToDeputy));
            }
            data.meetings.push(MeetingRow {
                day,
                topic: Some(
                    ["بودجه و اعتبارات", "بهداشت و سلامت", "امور اداری"][rng.next(3) as usize]
                        .into(),
                ),
                occupation,
                results,
            });
        }
        if day <= last {
            per_day.insert(day, n);
        }
    }
    (data, per_day, government, referred)
}

#[test]
fn the_monthly_meeting_report_matches_the_generated_meetings() {
    let (data, per_day, government, referred) = month_of_meetings();
    let r = monthly::compute(&data, JalaliMonth::parse("1405-07").unwrap());
    assert_eq!(r.per_day, per_day.clone().into_iter().collect::<Vec<_>>());
    assert_eq!(r.total, per_day.values().sum::<u64>());
    assert_eq!(r.occupations[0], (Occupation::Government, government));
    assert_eq!(r.results[0], (MeetingResult::ReferredToDeputy, referred));
    assert_eq!(r.topics.iter().map(|t| t.1).sum::<u64>(), r.total);
    assert!(
        r.topics.windows(2).all(|w| w[0].1 >= w[1].1),
        "most frequent first"
    );
    let csv = render::monthly_csv(&r);
    assert!(csv.starts_with("section,label,count,percent\ntotal,meetings,"));
    let html = render::monthly_html(&r).unwrap();
    assert!(html.contains("الف- تاریخ ملاقات‌ها"));
    assert!(html.contains("۱۴۰۵/۰۷/"), "Jalali dates in Persian digits");

    if let Ok(dir) = std::env::var("KIOSK_REPORTS_EXAMPLES") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bars) in render::monthly_charts(&r) {
            std::fs::write(
                dir.join(format!("monthly-{name}.svg")),
                kiosk_reports::chart::svg(&bars).unwrap(),
            )
            .unwrap();
            std::fs::write(
                dir.join(format!("monthly-{name}.png")),
                kiosk_reports::chart::png(&bars).unwrap(),
            )
            .unwrap();
        }
        let calendar = WorkingCalendar::default();
        let (qdata, _) = generate(&calendar);
        let q = quarterly::compute(&qdata, JalaliQuarter::parse("1405-Q3").unwrap(), &calendar);
        for (name, bars) in render::quarterly_charts(&q) {
            std::fs::write(
                dir.join(format!("quarterly-{name}.svg")),
                kiosk_reports::chart::svg(&bars).unwrap(),
            )
            .unwrap();
            std::fs::write(
                dir.join(format!("quarterly-{name}.png")),
                kiosk_reports::chart::png(&bars).unwrap(),
            )
            .unwrap();
        }
        std::fs::write(dir.join("monthly-1405-07.html"), html).unwrap();
    }
}

#[test]
fn png_charts_are_real_images() {
    let (data, _, _, _) = month_of_meetings();
    let r = monthly::compute(&data, JalaliMonth::parse("1405-07").unwrap());
    let (_, bars) = render::monthly_charts(&r).remove(0);
    let png = kiosk_reports::chart::png(&bars).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let svg = kiosk_reports::chart::svg(&bars).unwrap();
    assert!(svg.contains("Vazirmatn"));
    assert!(svg.contains("۱۴۰۵/۰۷/"), "Persian labels in the SVG");
}
