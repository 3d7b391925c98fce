//! Periodic reports of the people's communications desk.
//!
//! - **Monthly meeting report** (docs/rules.md R-003-5.3-report): visitors per meeting day, the
//!   topics raised, the visitors' occupations and the meetings' results, each with a chart.
//! - **Quarterly report** (docs/rules.md R-000-11; indicators R-004-response and
//!   R-004-staff-rating): cases by kind and by subject, response rate, average and
//!   90th-percentile handling time in working days, overdue cases, and satisfaction per service
//!   and per employee.
//!
//! Each report is computed from plain rows ([`data`]) by pure functions ([`monthly`],
//! [`quarterly`]), so tests can feed generated data and check the numbers independently; the
//! rows are read from a kiosk database with a read-only connection ([`data::load`]). Output is a
//! CSV file and a self-contained HTML page (charts inline as SVG, the Vazirmatn font embedded)
//! with Jalali dates and Persian digits ([`render`]); charts are also written as PNG
//! ([`chart`]).

pub mod chart;
pub mod data;
pub mod monthly;
pub mod period;
pub mod quarterly;
pub mod render;

pub use data::{CaseRow, MeetingRow, RatingRow, ReportData};
pub use monthly::MonthlyReport;
pub use period::{JalaliMonth, JalaliQuarter, PeriodError};
pub use quarterly::QuarterlyReport;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The period given is not acceptable.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// The database could not be opened or read (the store's error names the file).
    #[error("could not read the kiosk database: {0}")]
    Database(#[from] kiosk_store::StoreError),
    /// A chart could not be drawn.
    #[error("could not draw a chart: {0}")]
    Chart(String),
    /// A file could not be written.
    #[error("could not write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
