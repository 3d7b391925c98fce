//! Registers N cases (N from the first argument, default 1000) into a new database in a
//! temporary directory, for `tools/bench/fsyncs_per_registration.sh`, which runs it under
//! `strace -c` with N and with 0 and divides the difference in sync calls by N.
//!
//! The temporary directory is made under the second argument if given (default: the system's),
//! so the count can be taken on the file system the kiosk uses.

use std::time::Instant;

use chrono::Utc;
use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{NewCase, OpenOptions, Store};
use uuid::Uuid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: u32 = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|e| format!("N must be a count: {text:?}: {e}"))?,
        None => 1000,
    };
    let dir = match args.next() {
        Some(parent) => tempfile::tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    let kiosk = KioskNumber::new(42)?;
    let national_code = NationalCode::parse("0499370899", &NationalCodePolicy::default())?;
    let mut store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default())?;
    let started = Instant::now();
    for i in 0..n {
        store.register_case(NewCase {
            kiosk,
            client_uuid: Uuid::new_v4(),
            kind: CaseKind::Complaint,
            subject_id: "SUBJ-3".to_owned(),
            service_id: None,
            visitor: national_code.clone().into(),
            phone: None,
            notice_consent_at: None,
            description: format!("شکایت شماره {i}: پاسخ نامه‌ی من داده نشده است."),
            registered_at: Utc::now(),
            due: None,
            unit: "روابط عمومی".to_owned(),
            official_tier: None,
            next_visit: None,
        })?;
    }
    let elapsed = started.elapsed();
    store.close()?;
    if n > 0 {
        eprintln!(
            "registered {n} cases in {elapsed:?} ({:?} each)",
            elapsed / n
        );
    }
    Ok(())
}
