//! Receipts a kiosk owes (its heartbeat reports them to the agency server, whose desks print a
//! copy): a receipt that failed and has not printed since, newest first, bounded; a later
//! printed reprint settles it, an old failure is no longer reported.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, Utc};
use common::{case, open};
use kiosk_store::{CaseRef, ReceiptState, ReceiptVariant};

#[test]
fn a_receipt_that_did_not_print_is_owed_until_a_copy_prints() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let since = Utc::now() - Duration::days(1);
    let printed = store.register_case(case(1)).unwrap();
    store
        .set_receipt_state(printed.receipt_id, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(printed.receipt_id, ReceiptState::Printed, None)
        .unwrap();
    let failed = store.register_case(case(2)).unwrap();
    store
        .set_receipt_state(failed.receipt_id, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(failed.receipt_id, ReceiptState::Failed, Some("PaperEnd"))
        .unwrap();
    let held = store.register_case(case(3)).unwrap();
    store
        .set_receipt_state(held.receipt_id, ReceiptState::Failed, Some("held"))
        .unwrap();
    // Queued, not failed yet: the printer may still print it.
    store.register_case(case(4)).unwrap();

    let owed = store.owed_receipts(since, 50).unwrap();
    assert_eq!(owed.len(), 2, "{owed:?}");
    assert!(owed.contains(&failed.tracking_code) && owed.contains(&held.tracking_code));
    assert_eq!(store.owed_receipts(since, 1).unwrap().len(), 1, "bounded");
    assert!(
        store
            .owed_receipts(Utc::now() + Duration::minutes(1), 50)
            .unwrap()
            .is_empty(),
        "only failures since the given time"
    );

    // A reprint that failed keeps it owed; one that printed settles it.
    let reprint = store
        .queue_receipt(
            Some(CaseRef::Code(failed.tracking_code)),
            ReceiptVariant::Reprint,
        )
        .unwrap();
    store
        .set_receipt_state(reprint, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(reprint, ReceiptState::Failed, Some("Offline"))
        .unwrap();
    assert_eq!(store.owed_receipts(since, 50).unwrap().len(), 2);
    let again = store
        .queue_receipt(
            Some(CaseRef::Code(failed.tracking_code)),
            ReceiptVariant::Reprint,
        )
        .unwrap();
    store
        .set_receipt_state(again, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(again, ReceiptState::Printed, None)
        .unwrap();
    assert_eq!(
        store.owed_receipts(since, 50).unwrap(),
        vec![held.tracking_code]
    );
}
