//! Time of one case registration on a real file: WAL, `synchronous=FULL`, one IMMEDIATE
//! transaction writing the sequence, case, event, outbox item and receipt job, then the commit's
//! fsync. The database lives under Cargo's target tmp dir (a real disk, not a tmpfs), and grows
//! across iterations like a kiosk's does.

use std::hint::black_box;
use std::time::Duration;

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kiosk_core::working_days::{DueDatePolicy, due_date};
use kiosk_core::{CaseKind, KioskNumber, MobileNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{NewCase, OpenOptions, Store};
use uuid::Uuid;

fn new_case(national_code: &NationalCode, registered_at: DateTime<Utc>) -> NewCase {
    NewCase {
        kiosk: KioskNumber::new(42).expect("valid kiosk"),
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: "SUBJ-3".to_owned(),
        service_id: Some("SRV-12".to_owned()),
        national_code: national_code.clone(),
        phone: MobileNumber::parse("09121234567").ok(),
        description: "پاسخ نامه‌ی من پس از سه ماه داده نشده است. ".repeat(8),
        registered_at,
        due: due_date(
            registered_at,
            CaseKind::Complaint,
            None,
            &DueDatePolicy::default(),
        )
        .expect("due date"),
        unit: "روابط عمومی".to_owned(),
    }
}

fn register_case(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut store =
        Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("open store");
    let national_code =
        NationalCode::parse("0499370899", &NationalCodePolicy::default()).expect("valid code");
    let registered_at = Utc::now();
    c.bench_function("register_case (WAL, synchronous=FULL, real file)", |b| {
        b.iter_batched(
            || new_case(&national_code, registered_at),
            |case| black_box(store.register_case(case).expect("registered")),
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(10));
    targets = register_case
}
criterion_main!(benches);
