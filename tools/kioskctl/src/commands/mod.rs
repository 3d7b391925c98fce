//! One module per `kioskctl` subcommand.

pub mod config;
pub mod db;
pub mod devices;
pub mod due_date;
pub mod enroll;
pub mod national_code;
pub mod outbox;
pub mod receipt;
pub mod report;
pub mod satisfaction;
pub mod staff;
pub mod sync;
pub mod tracking_code;
