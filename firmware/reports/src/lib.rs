//! Periodic reports of the people's communications desk.
//!
//! - **Monthly meeting report** (seed 003): visitors per meeting day, the topics raised, the
//!   visitors' occupations and the meetings' results, each with a chart.
//! - **Quarterly report** (seed 000 §11; seed 004's indicators): cases by kind and by subject,
//!   response rate, average and 90th-percentile handling time in working days, overdue cases,
//!   and satisfaction per service and per employee.
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
    /// The database could not be read.
    #[error("could not read the kiosk database {path}: {source}")]
    Database {
        /// The file.
        path: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored value could not be understood.
    #[error("the kiosk database holds a value this report cannot read: {0}")]
    BadValue(String),
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
