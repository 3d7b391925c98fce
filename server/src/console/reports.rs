//! The console's reports (issue 20): an office's, a county's, a province's or the agency's
//! figures for a Jalali quarter or month, as seed 000 §11 (quarterly performance reports at
//! county, province and agency level), seed 004 (response rate, time to handle, satisfaction
//! per employee through the QR rating) and seed 003 (the monthly report of face-to-face
//! meetings) ask. Shown as a page ([`super::pages::report`]) and as CSV ([`csv`]).
//!
//! Every query is filtered by the account's scope and by the place asked for; the caller has
//! already refused a place outside the scope ([`place_chain`]). The place's offices within the
//! scope are read first; the case queries filter on that list of names. A case counts for the
//! office it was registered in (`cases.office`, set when it arrived from the office its kiosk
//! stood in): moving a kiosk does not move its past cases in the reports.
//! Ratings and meetings count where their kiosk stands now ([`scope_filter`], [`place_filter`]),
//! as do the case list and a case's page (the office now holding the kiosk follows its cases up).
//!
//! Each figure is summed in SQL over an index(-only) scan of the period's rows (migration 0018's
//! columns and indexes: `subject_id`, `due_day`, `escalated`, `first_answer_at`, `office`), so
//! only a few rows per office come back; after the offices, the queries run at once on
//! separate connections.
//! Handling times are counted in working days on the agency's calendar, which SQL does not know:
//! the query gets each day's ordinal among working days (`working_day_ordinals`, from the same
//! [`WorkingCalendar`]) and returns a histogram of days per office.
//!
//! Definitions (Tehran days; "the period" is its first to its last day):
//! - **cases**: registered in the period, by kind and by subject (`subject_id`);
//! - **due**: cases whose response day (`due_date`, set by the kiosk from the kind's rule) is in
//!   the period and already past (before today), whenever they were registered. Of those,
//!   **on time**: first `answer` or `closed` event on or before the response day; **late**:
//!   answered after it; **overdue**: no answer at all yet. **Response rate** = on time / due.
//!   (The kiosk's own quarterly report, kiosk-reports, counts cases *registered* in the quarter
//!   instead; a case registered late in a quarter is due in the next, and is judged there.)
//! - **escalated (10-3)**: of the overdue cases, complaints about officials that the kiosk sent
//!   up the hierarchy under 000 §10-3 (`escalated_to` in the case). The data records that
//!   escalation at registration only; an escalation *because* a case was late is not recorded
//!   anywhere, so it cannot be shown.
//! - **handling time**: cases whose first answer or closure fell in the period; working days
//!   after the registration day up to and including the answer day
//!   ([`kiosk_reports::quarterly::working_days_between`]), on the embedded official calendar
//!   with the catalogue's holiday overrides; average, and median (the mean of the two middle
//!   values when their number is even).
//! - **satisfaction**: ratings given in the period at a kiosk of the place, count and average
//!   score, per office (where the rating was given) and per employee (the `rating_attribution`
//!   view: the visit's claim, else the code's employee).
//! - **meetings**: per Jalali month of the period, [`kiosk_reports::monthly::compute`] over the
//!   desks' meeting forms: visitors per meeting day, topics, occupations, results.
//! - **share of services registered electronically** (004, «میزان الکترونیکی شدن مرحله
//!   درخواست خدمات»): of the services recorded at the place's desks in the period (`given_at`),
//!   the share whose request was registered electronically, i.e. that name the tracking code of
//!   a case this agency holds (registered at a kiosk and relayed to SAMAD), against walk-ins
//!   served with no registration. Counted where the desk stands now, as ratings are. Whether a
//!   service was *delivered* online is recorded nowhere here and is not claimed.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use deadpool_postgres::Pool;
use kiosk_core::jalali::tehran_date;
use kiosk_core::working_days::Closure;
use kiosk_core::{JalaliDate, WorkingCalendar};
use kiosk_reports::period::start_of;
use kiosk_reports::quarterly::working_days_between;
use kiosk_reports::{JalaliMonth, JalaliQuarter, MeetingRow, MonthlyReport, ReportData};
use kiosk_store::{MeetingResult, Occupation};
use serde_json::Value;

use tokio_postgres::types::ToSql;

use super::accounts::{Account, ConsoleError, Scope, place_chain, place_filter, scope_filter};

/// A query parameter.
type Param<'a> = &'a (dyn ToSql + Sync);

/// A report's period: a Jalali quarter or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `1405-Q3`.
    Quarter(JalaliQuarter),
    /// `1405-09`.
    Month(JalaliMonth),
}

impl Period {
    /// `1405-Q3` or `1405-09` (Persian digits accepted).
    pub fn parse(text: &str) -> Option<Self> {
        let ascii = kiosk_core::digits::to_ascii_digits(text.trim()).to_ascii_uppercase();
        if ascii.contains('Q') {
            JalaliQuarter::parse(&ascii).ok().map(Self::Quarter)
        } else {
            JalaliMonth::parse(&ascii).ok().map(Self::Month)
        }
    }

    /// The quarter `at` falls in (Tehran).
    pub fn quarter_of(at: DateTime<Utc>) -> Self {
        let today = JalaliDate::at(at);
        Self::Quarter(JalaliQuarter {
            year: today.year(),
            quarter: (today.month() - 1) / 3 + 1,
        })
    }

    /// First and last day.
    pub fn days(self) -> (NaiveDate, NaiveDate) {
        match self {
            Self::Quarter(q) => q.days(),
            Self::Month(m) => m.days(),
        }
    }

    /// `1405-Q3` / `1405-09`: the machine form, as the query takes it.
    pub fn label(self) -> String {
        match self {
            Self::Quarter(q) => q.label(),
            Self::Month(m) => m.label(),
        }
    }

    /// The months of the period.
    pub fn months(self) -> Vec<JalaliMonth> {
        match self {
            Self::Month(m) => vec![m],
            Self::Quarter(q) => (q.quarter * 3 - 2..=q.quarter * 3)
                .map(|month| JalaliMonth {
                    year: q.year,
                    month,
                })
                .collect(),
        }
    }
}

/// What a report needs sums of, for one office or for the whole place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// Cases registered in the period.
    pub cases: u64,
    /// Cases due in the period (response day past).
    pub due: u64,
    /// Of those, answered on or before the response day.
    pub on_time: u64,
    /// Answered after it.
    pub late: u64,
    /// Not answered yet.
    pub overdue: u64,
    /// Overdue complaints about officials escalated under 000 §10-3.
    pub overdue_escalated: u64,
    /// Working days to the first answer, of cases first answered in the period (sorted).
    pub handling_days: Vec<u32>,
    /// Ratings given in the period.
    pub ratings: u64,
    /// Sum of their scores.
    pub score_sum: u64,
    /// Services recorded at the desks in the period.
    pub services: u64,
    /// Of those, services whose request was registered electronically (a case's tracking code).
    pub services_registered: u64,
}

impl Figures {
    /// Services registered electronically / services given.
    pub fn electronic_share(&self) -> Option<f64> {
        (self.services > 0).then(|| self.services_registered as f64 / self.services as f64)
    }

    /// on time / due.
    pub fn response_rate(&self) -> Option<f64> {
        (self.due > 0).then(|| self.on_time as f64 / self.due as f64)
    }

    /// Mean working days to answer.
    pub fn handling_average(&self) -> Option<f64> {
        let n = self.handling_days.len();
        (n > 0).then(|| {
            self.handling_days
                .iter()
                .map(|&d| f64::from(d))
                .sum::<f64>()
                / n as f64
        })
    }

    /// Median working days to answer (mean of the middle two for an even count).
    pub fn handling_median(&self) -> Option<f64> {
        let d = &self.handling_days;
        let n = d.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(f64::from(d[n / 2])),
            _ => Some((f64::from(d[n / 2 - 1]) + f64::from(d[n / 2])) / 2.0),
        }
    }

    /// Mean score.
    pub fn rating_average(&self) -> Option<f64> {
        (self.ratings > 0).then(|| self.score_sum as f64 / self.ratings as f64)
    }

    /// Adds `other`'s figures (the handling days unsorted: sort once after the last).
    fn add(&mut self, other: &Self) {
        self.cases += other.cases;
        self.due += other.due;
        self.on_time += other.on_time;
        self.late += other.late;
        self.overdue += other.overdue;
        self.overdue_escalated += other.overdue_escalated;
        self.handling_days.extend(&other.handling_days);
        self.ratings += other.ratings;
        self.score_sum += other.score_sum;
        self.services += other.services;
        self.services_registered += other.services_registered;
    }
}

/// One employee's ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeScore {
    /// The employee's code (empty: counted for nobody).
    pub employee_code: String,
    /// Ratings.
    pub ratings: u64,
    /// Sum of scores.
    pub score_sum: u64,
}

/// A report as computed.
#[derive(Debug, Clone)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// The place.
    pub place: Scope,
    /// When it was made.
    pub made_at: DateTime<Utc>,
    /// Every figure for the place.
    pub total: Figures,
    /// Per office of the place, by name (every office of the place, zeros kept); kiosks placed
    /// in no office (agency reports only) under `None`, when they have figures.
    pub offices: Vec<(Option<String>, Figures)>,
    /// Cases per kind (as stored), every kind of the contract, zeros kept.
    pub by_kind: Vec<(String, u64)>,
    /// Cases per subject, most first.
    pub by_subject: Vec<(String, u64)>,
    /// Satisfaction per employee.
    pub employees: Vec<EmployeeScore>,
    /// The meeting report of each month of the period.
    pub months: Vec<MonthlyReport>,
    /// Meeting forms whose day, occupation or results did not read (left out of the months).
    pub unreadable_meetings: u64,
}

/// Why a report was not made.
#[derive(Debug)]
pub enum ReportRefusal {
    /// The place is unknown or outside the account's scope (answered 404 as everything else).
    NotHere,
    /// The database failed.
    Failed(ConsoleError),
}

impl From<ConsoleError> for ReportRefusal {
    fn from(e: ConsoleError) -> Self {
        Self::Failed(e)
    }
}

impl From<tokio_postgres::Error> for ReportRefusal {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for ReportRefusal {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Failed(e.into())
    }
}

/// The agency's working calendar: the embedded official holidays, Friday the weekend, and the
/// catalogue's holiday overrides (what every device applies on top of its own).
async fn calendar(client: &deadpool_postgres::Object) -> Result<WorkingCalendar, ReportRefusal> {
    let mut closed = Vec::new();
    let mut open = Vec::new();
    if let Some(row) = client
        .query_opt("SELECT body FROM catalogue WHERE id = 1", &[])
        .await?
    {
        let body: Value = row.get(0);
        for o in body
            .get("holiday_overrides")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(day) = o
                .get("date")
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            if o.get("closed").and_then(Value::as_bool).unwrap_or(true) {
                closed.push(Closure {
                    first: day,
                    last: day,
                    reason: o
                        .get("reason")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                });
            } else {
                open.push(day);
            }
        }
    }
    Ok(WorkingCalendar::default()
        .with_closures(closed)
        .with_openings(open))
}

/// SQL for the Tehran day of the instant in `column` (the fixed +03:30 of [`tehran_date`]).
fn tehran_day_sql(column: &str) -> String {
    format!("(({column} AT TIME ZONE 'UTC') + interval '3 hours 30 minutes')::date")
}

/// Every day from `first` to `last` and its ordinal among working days on `calendar` (working
/// days from `first` up to and including it), so that
/// `working_days_between(calendar, a, b)` = max(0, ord(b) − ord(a)) for days of the range.
fn working_day_ordinals(
    calendar: &WorkingCalendar,
    first: NaiveDate,
    last: NaiveDate,
) -> (Vec<NaiveDate>, Vec<i32>) {
    let mut ord = 0;
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| {
            if calendar.is_working_day(d) {
                ord += 1;
            }
            (d, ord)
        })
        .unzip()
}

fn day_of(text: Option<&str>) -> Option<NaiveDate> {
    text.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The report of `place` for `period` as `account` may read it, made at `now`.
pub async fn make(
    pool: &Pool,
    account: &Account,
    place: &Scope,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Report, ReportRefusal> {
    let Some(chain) = place_chain(pool, place).await? else {
        return Err(ReportRefusal::NotHere);
    };
    if !chain.contains(&account.scope) {
        return Err(ReportRefusal::NotHere);
    }
    let (first, last) = period.days();
    let from = start_of(first);
    let to = start_of(last + Duration::days(1));
    let today = tehran_date(now);
    // Devices' items (ratings, meetings) by where their kiosk stands; cases by the office they
    // were registered in.
    let kiosk_filters = |column: &str| {
        format!(
            "{} AND {}",
            scope_filter(column),
            place_filter(column, 3, 4)
        )
    };
    let (level, name) = (account.level(), account.place());
    let (place_level, place_name) = (place.level(), place.name().unwrap_or(""));
    let scope: [&(dyn ToSql + Sync); 4] = [&level, &name, &place_level, &place_name];

    // The place's offices (as far as the account's scope reaches), so that an office without
    // figures still has its line, and so that the case queries filter on their names
    // (`office = ANY(…)`) instead of a subquery per level. The agency's own report reads every
    // case, those of kiosks placed in no office too. (Office-leading indexes would make an
    // office's report a few index ranges instead of the period's scan; at 1,000,000 cases it
    // takes under 0.1 s without them, and every index slows the devices' ingest.)
    let office_rows = pool
        .get()
        .await?
        .query(
            "SELECT o.name FROM offices o
                 JOIN counties c ON c.name = o.county
                 WHERE CASE $3::text WHEN 'agency' THEN true
                                     WHEN 'office' THEN o.name = $4::text
                                     WHEN 'county' THEN c.name = $4::text
                                     WHEN 'province' THEN c.province = $4::text
                                     ELSE false END
                   AND ($1::text = 'agency' OR CASE $1::text
                                     WHEN 'office' THEN o.name = $2::text
                                     WHEN 'county' THEN c.name = $2::text
                                     WHEN 'province' THEN c.province = $2::text
                                     ELSE false END)",
            &scope,
        )
        .await?;
    let office_names: Vec<String> = office_rows.iter().map(|r| r.get(0)).collect();
    let every_case = account.scope == Scope::Agency && *place == Scope::Agency;
    // The case queries' filter, on parameter `$n` (unused for the agency's own report).
    let case_filter = |n: u8| {
        if every_case {
            "true".to_owned()
        } else {
            format!("c.office = ANY(${n}::text[])")
        }
    };
    // How many of a case query's parameters to send: its `own`, then the office names unless
    // the report reads every case.
    let params = |own: usize| if every_case { own } else { own + 1 };

    // Independent queries, each on a connection of its own, at once.

    // Cases registered in the period, per office, kind and subject in one pass (offices ×
    // kinds × subjects rows: 2,200 for the benchmark's agency quarter), summed per office, per
    // kind and per subject below. One grouping costs about half of three grouping sets over
    // the same rows.
    let cases_q = async {
        let client = pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT c.office, c.kind, coalesce(c.subject_id, ''), count(*)::bigint
                     FROM cases c
                     WHERE c.registered_at >= $1 AND c.registered_at < $2 AND {}
                     GROUP BY 1, 2, 3",
                    case_filter(3)
                ),
                &[&from as Param, &to, &office_names][..params(2)],
            )
            .await?;
        Ok::<_, ReportRefusal>(rows)
    };

    // Cases due in the period whose response day has passed.
    let until = last.min(today - Duration::days(1));
    let due_q = async {
        if until < first {
            return Ok(Vec::new());
        }
        let client = pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT c.office, count(*)::bigint,
                            count(*) FILTER (WHERE {answer_day} <= c.due_day)::bigint,
                            count(*) FILTER (WHERE {answer_day} > c.due_day)::bigint,
                            count(*) FILTER (WHERE c.first_answer_at IS NULL)::bigint,
                            count(*) FILTER (WHERE c.first_answer_at IS NULL
                                               AND c.escalated)::bigint
                     FROM cases c
                     WHERE c.due_day >= $1 AND c.due_day <= $2 AND {filter}
                     GROUP BY c.office",
                    answer_day = tehran_day_sql("c.first_answer_at"),
                    filter = case_filter(3),
                ),
                &[&first as Param, &until, &office_names][..params(2)],
            )
            .await?;
        Ok::<_, ReportRefusal>(rows)
    };

    // Cases first answered or closed in the period: working days since registration, as a
    // histogram per office. Working days are counted on the agency's calendar, which SQL does
    // not know: it gets each day's ordinal among working days (`ord(d)` = working days up to
    // and including d), so that `working_days_between(reg, answer)` = ord(answer) − ord(reg),
    // at least 0. The cases are first counted per office, registration day and answer day (one
    // index-only scan), and only those groups are joined to the ordinals, which span the year
    // before the period. A group registered outside that span (answered more than a year
    // later, or registered after the period by a kiosk with a wrong clock) comes back with its
    // two days instead, and is counted in Rust on the same calendar.
    let handling_q = async {
        let mut client = pool.get().await?;
        let calendar = calendar(&client).await?;
        let (days, ordinals) = working_day_ordinals(&calendar, first - Duration::days(366), last);
        let tx = client.build_transaction().read_only(true).start().await?;
        // A few thousand groups: compiling the plan (JIT) would cost more than it saves.
        tx.batch_execute("SET LOCAL jit = off").await?;
        let rows = tx
            .query(
                &format!(
                    "WITH g AS (
                         SELECT c.office, {registered_day} AS registered,
                                {answer_day} AS answered, count(*)::bigint AS n
                         FROM cases c
                         WHERE c.first_answer_at >= $1 AND c.first_answer_at < $2 AND {filter}
                         GROUP BY 1, 2, 3)
                     SELECT g.office,
                            CASE WHEN r.ord IS NOT NULL THEN greatest(a.ord - r.ord, 0) END,
                            CASE WHEN r.ord IS NULL THEN g.registered END,
                            CASE WHEN r.ord IS NULL THEN g.answered END,
                            sum(g.n)::bigint
                     FROM g
                     JOIN unnest($3::date[], $4::integer[]) AS a(day, ord)
                       ON a.day = g.answered
                     LEFT JOIN unnest($3::date[], $4::integer[]) AS r(day, ord)
                       ON r.day = g.registered
                     GROUP BY 1, 2, 3, 4",
                    registered_day = tehran_day_sql("c.registered_at"),
                    answer_day = tehran_day_sql("c.first_answer_at"),
                    filter = case_filter(5),
                ),
                &[&from as Param, &to, &days, &ordinals, &office_names][..params(4)],
            )
            .await?;
        tx.commit().await?;
        // Working days of each group, from the ordinals or (outside their span) counted here.
        let histogram = rows
            .iter()
            .map(|r| {
                let days = match (r.get::<_, Option<i32>>(1), r.get(2), r.get(3)) {
                    (Some(days), _, _) => days.unsigned_abs(),
                    (None, Some(registered), Some(answered)) => {
                        working_days_between(&calendar, registered, answered)
                    }
                    (None, _, _) => 0,
                };
                (r.get::<_, Option<String>>(0), days, r.get::<_, i64>(4))
            })
            .collect::<Vec<_>>();
        Ok::<_, ReportRefusal>(histogram)
    };

    // Ratings given in the period.
    let ratings_q = async {
        let client = pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT ok.office, coalesce(r.employee_code, ''), count(*), sum(r.score)
                     FROM rating_attribution r
                     LEFT JOIN office_kiosks ok ON ok.kiosk_number = r.rated_at_kiosk
                     WHERE r.rated_at >= $5 AND r.rated_at < $6 AND r.score BETWEEN 1 AND 5
                       AND {}
                     GROUP BY 1, 2",
                    kiosk_filters("r.rated_at_kiosk")
                ),
                &[&level, &name, &place_level, &place_name, &from, &to],
            )
            .await?;
        Ok::<_, ReportRefusal>(rows)
    };

    // Services given in the period at the place's desks, and how many name a case's tracking
    // code: sixteen digits exactly (a cast to `char(16)` alone would cut a longer text down to
    // a case's code), compared as the case's `char(16)` key, so the look-up uses its index.
    let services_q = async {
        let client = pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT ok.office, count(*), count(c.tracking_code)
                     FROM device_items d
                     LEFT JOIN office_kiosks ok ON ok.kiosk_number = d.kiosk_number
                     LEFT JOIN cases c
                       ON d.payload ->> 'tracking_code' ~ '^[0-9]{{16}}$'
                      AND c.tracking_code = (d.payload ->> 'tracking_code')::char(16)
                     WHERE d.item_type = 'service'
                       AND payload_instant(d.payload ->> 'given_at') >= $5
                       AND payload_instant(d.payload ->> 'given_at') < $6
                       AND {}
                     GROUP BY 1",
                    kiosk_filters("d.kiosk_number")
                ),
                &[&level, &name, &place_level, &place_name, &from, &to],
            )
            .await?;
        Ok::<_, ReportRefusal>(rows)
    };

    // Meetings held in the period.
    let meetings_q = async {
        let client = pool.get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT d.payload ->> 'meeting_date', d.payload ->> 'topic',
                            d.payload ->> 'occupation', d.payload -> 'results'
                     FROM device_items d
                     WHERE d.item_type = 'meeting'
                       AND d.payload ->> 'meeting_date' >= $5
                       AND d.payload ->> 'meeting_date' <= $6
                       AND {}",
                    kiosk_filters("d.kiosk_number")
                ),
                &[
                    &level,
                    &name,
                    &place_level,
                    &place_name,
                    &first.format("%Y-%m-%d").to_string(),
                    &last.format("%Y-%m-%d").to_string(),
                ],
            )
            .await?;
        Ok::<_, ReportRefusal>(rows)
    };

    let (case_rows, due_rows, handling_rows, rating_rows, service_rows, meeting_rows) = tokio::try_join!(
        cases_q, due_q, handling_q, ratings_q, services_q, meetings_q
    )?;

    let mut offices: BTreeMap<Option<String>, Figures> = office_rows
        .iter()
        .map(|r| (Some(r.get::<_, String>(0)), Figures::default()))
        .collect();

    let mut by_kind: BTreeMap<String, u64> = crate::case::CASE_KINDS
        .iter()
        .map(|k| ((*k).to_owned(), 0))
        .collect();
    let mut by_subject = BTreeMap::<String, u64>::new();
    for r in &case_rows {
        let n = r.get::<_, i64>(3).unsigned_abs();
        offices.entry(r.get(0)).or_default().cases += n;
        *by_kind.entry(r.get(1)).or_default() += n;
        *by_subject.entry(r.get(2)).or_default() += n;
    }

    for r in &due_rows {
        let f = offices.entry(r.get(0)).or_default();
        f.due += r.get::<_, i64>(1).unsigned_abs();
        f.on_time += r.get::<_, i64>(2).unsigned_abs();
        f.late += r.get::<_, i64>(3).unsigned_abs();
        f.overdue += r.get::<_, i64>(4).unsigned_abs();
        f.overdue_escalated += r.get::<_, i64>(5).unsigned_abs();
    }

    for (office, days, n) in handling_rows {
        let n = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
        offices
            .entry(office)
            .or_default()
            .handling_days
            .extend(std::iter::repeat_n(days, n));
    }

    for r in &service_rows {
        let f = offices.entry(r.get(0)).or_default();
        f.services += r.get::<_, i64>(1).unsigned_abs();
        f.services_registered += r.get::<_, i64>(2).unsigned_abs();
    }

    let mut employees = BTreeMap::<String, EmployeeScore>::new();
    for r in &rating_rows {
        let count = r.get::<_, i64>(2).unsigned_abs();
        let sum = r.get::<_, i64>(3).unsigned_abs();
        let f = offices.entry(r.get(0)).or_default();
        f.ratings += count;
        f.score_sum += sum;
        let code: String = r.get(1);
        let e = employees.entry(code.clone()).or_insert(EmployeeScore {
            employee_code: code,
            ratings: 0,
            score_sum: 0,
        });
        e.ratings += count;
        e.score_sum += sum;
    }

    let mut data = ReportData::default();
    let mut unreadable_meetings = 0;
    for r in &meeting_rows {
        let results: Option<Vec<MeetingResult>> = r
            .get::<_, Option<Value>>(3)
            .as_ref()
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .map(|x| x.as_str().and_then(MeetingResult::parse))
                    .collect()
            });
        let day = day_of(r.get(0));
        let occupation = r.get::<_, Option<&str>>(2).and_then(Occupation::parse);
        match (day, occupation, results) {
            (Some(day), Some(occupation), Some(mut results)) => {
                results.sort();
                let topic: Option<String> = r.get(1);
                data.meetings.push(MeetingRow {
                    day,
                    topic: topic.filter(|t| !t.trim().is_empty()),
                    occupation,
                    results,
                });
            }
            _ => unreadable_meetings += 1,
        }
    }
    if unreadable_meetings > 0 {
        tracing::warn!(
            unreadable_meetings,
            "meeting forms left out of a report: their day, occupation or results do not read"
        );
    }
    let months = period
        .months()
        .into_iter()
        .map(|m| kiosk_reports::monthly::compute(&data, m))
        .collect();

    let mut total = Figures::default();
    let mut offices: Vec<(Option<String>, Figures)> = offices
        .into_iter()
        .map(|(office, mut f)| {
            f.handling_days.sort_unstable();
            total.add(&f);
            (office, f)
        })
        .collect();
    total.handling_days.sort_unstable();
    // Named offices first (by name), then kiosks placed nowhere.
    offices.sort_by(|a, b| (a.0.is_none(), &a.0).cmp(&(b.0.is_none(), &b.0)));
    let mut by_subject: Vec<(String, u64)> = by_subject.into_iter().collect();
    by_subject.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Report {
        period,
        place: place.clone(),
        made_at: now,
        total,
        offices,
        by_kind: by_kind.into_iter().collect(),
        by_subject,
        employees: employees.into_values().collect(),
        months,
        unreadable_meetings,
    })
}

/// A number with up to `decimals` decimals, `.` as the point (CSV), empty when there is none.
pub fn decimal(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

/// One CSV field: quoted when it holds a comma, a quote or a line break; a text a spreadsheet
/// would read as a formula (`= + - @`, a tab or a carriage return first) gets a leading
/// apostrophe.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The report as CSV: UTF-8 with a byte-order mark (so Excel reads Persian), one figure a line
/// as `figure,place,key,value`, machine keys in English, names as stored, ASCII digits, `.` as
/// the decimal point, and an empty value for a figure that cannot be computed (nothing to
/// divide).
pub fn csv(r: &Report) -> String {
    let mut out = String::from("\u{feff}figure,place,key,value\r\n");
    let mut line = |figure: &str, place: &str, key: &str, value: String| {
        out.push_str(&format!(
            "{},{},{},{}\r\n",
            field(figure),
            field(place),
            field(key),
            field(&value)
        ));
    };
    let place = r.place.to_string();
    line("period", &place, "", r.period.label());
    line("cases", &place, "total", r.total.cases.to_string());
    for (kind, n) in &r.by_kind {
        line("cases_by_kind", &place, kind, n.to_string());
    }
    for (subject, n) in &r.by_subject {
        line("cases_by_subject", &place, subject, n.to_string());
    }
    // An office's report is its own only line (its total); other places list their offices.
    let per_office: &[(Option<String>, Figures)] = match r.place {
        Scope::Office(_) => &[],
        _ => &r.offices,
    };
    let mut rows: Vec<(String, &Figures)> = per_office
        .iter()
        .map(|(o, f)| {
            (
                o.as_deref()
                    .map_or_else(|| "unplaced".to_owned(), |o| format!("office:{o}")),
                f,
            )
        })
        .collect();
    rows.push((place.clone(), &r.total));
    for (who, f) in rows {
        line("cases", &who, "registered", f.cases.to_string());
        line("due", &who, "", f.due.to_string());
        line("answered_on_time", &who, "", f.on_time.to_string());
        line("answered_late", &who, "", f.late.to_string());
        line("overdue", &who, "", f.overdue.to_string());
        line(
            "overdue_escalated_10_3",
            &who,
            "",
            f.overdue_escalated.to_string(),
        );
        line("response_rate", &who, "", decimal(f.response_rate(), 4));
        line(
            "handling_answered",
            &who,
            "",
            f.handling_days.len().to_string(),
        );
        line(
            "handling_average_working_days",
            &who,
            "",
            decimal(f.handling_average(), 2),
        );
        line(
            "handling_median_working_days",
            &who,
            "",
            decimal(f.handling_median(), 1),
        );
        line("rating_count", &who, "", f.ratings.to_string());
        line("rating_average", &who, "", decimal(f.rating_average(), 2));
        line("services_given", &who, "", f.services.to_string());
        line(
            "services_registered_electronically",
            &who,
            "",
            f.services_registered.to_string(),
        );
        line(
            "electronic_service_share",
            &who,
            "",
            decimal(f.electronic_share(), 3),
        );
    }
    for e in &r.employees {
        let key = if e.employee_code.is_empty() {
            "(none)"
        } else {
            &e.employee_code
        };
        line("employee_rating_count", &place, key, e.ratings.to_string());
        line(
            "employee_rating_average",
            &place,
            key,
            decimal(Some(e.score_sum as f64 / e.ratings.max(1) as f64), 2),
        );
    }
    for m in &r.months {
        let month = m.month.label();
        line("meetings", &month, "total", m.total.to_string());
        line("meeting_days", &month, "", m.per_day.len().to_string());
        for (day, n) in &m.per_day {
            line(
                "meetings_per_day",
                &month,
                &JalaliDate::from_gregorian(*day).to_string(),
                n.to_string(),
            );
        }
        for (topic, n) in &m.topics {
            line("meeting_topic", &month, topic, n.to_string());
        }
        for (o, n) in &m.occupations {
            line("meeting_occupation", &month, o.as_str(), n.to_string());
        }
        for (x, n) in &m.results {
            line("meeting_result", &month, x.as_str(), n.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_in_either_script_and_bad_ones_do_not() {
        assert_eq!(
            Period::parse("۱۴۰۵-Q۳").map(Period::label).as_deref(),
            Some("1405-Q3")
        );
        assert_eq!(
            Period::parse("1405-09").map(Period::label).as_deref(),
            Some("1405-09")
        );
        for bad in ["", "1405", "1405-13", "1405-Q5", "Q3", "1405-Q3; DROP"] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Period::parse("1405-Q3").unwrap().months().len(), 3);
    }

    #[test]
    fn working_day_ordinals_count_as_working_days_between() {
        let calendar = WorkingCalendar::default()
            .with_closures([Closure {
                first: NaiveDate::from_ymd_opt(2025, 10, 5).unwrap(),
                last: NaiveDate::from_ymd_opt(2025, 10, 5).unwrap(),
                reason: String::new(),
            }])
            .with_openings([NaiveDate::from_ymd_opt(2025, 10, 10).unwrap()]);
        let first = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let (days, ords) = working_day_ordinals(&calendar, first, last);
        assert_eq!(days.len(), 122);
        for (i, a) in days.iter().enumerate().step_by(3) {
            for (j, b) in days.iter().enumerate().step_by(5) {
                assert_eq!(
                    u32::try_from((ords[j] - ords[i]).max(0)).unwrap(),
                    working_days_between(&calendar, *a, *b),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn medians_and_formula_cells() {
        let mut f = Figures {
            handling_days: vec![1, 2, 3, 10],
            ..Figures::default()
        };
        assert_eq!(f.handling_median(), Some(2.5));
        assert_eq!(f.handling_average(), Some(4.0));
        f.handling_days = vec![4];
        assert_eq!(f.handling_median(), Some(4.0));
        assert_eq!(field("=cmd()"), "'=cmd()");
        assert_eq!(field("a,b"), "\"a,b\"");
    }
}
