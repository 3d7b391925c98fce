//! Staff calls at the server, as kiosks and desk terminals meet them through their own sync
//! client: a kiosk raises a call (idempotent by its call id), every desk of the office sees it
//! in its next poll, one desk acknowledges it, it is gone for every desk and the kiosk learns
//! it when it sends the call again; a device acts only as itself.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Utc};
use kiosk_sync::SyncError;
use kiosk_sync::wire::StaffCallRaise;
use support::Office;
use uuid::Uuid;

fn raised(minute: u32) -> DateTime<Utc> {
    format!("2026-12-07T08:{minute:02}:00.123Z")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_raised_at_a_kiosk_is_seen_at_every_desk_until_one_acknowledges_it() {
    let office = Office::new().await;
    let server = office.server().await;
    let kiosk = office.device(&server, 12, &office.enrol(&server, 12).await);
    let other_kiosk = office.device(&server, 13, &office.enrol(&server, 13).await);
    let desk_a_token = office.enrol_desk(&server, 31).await;
    let desk_a = office.device(&server, 31, &desk_a_token);
    let desk_b = office.device(&server, 32, &office.enrol_desk(&server, 32).await);

    // Nothing open yet.
    assert!(desk_a.staff_calls(true).await.unwrap().calls.is_empty());

    // Kiosk 12 raises a call; the same call again changes nothing (a retry).
    let call = StaffCallRaise {
        call_id: Uuid::new_v4(),
        raised_at: raised(0),
    };
    let first = kiosk.raise_staff_call(&call).await.unwrap();
    assert_eq!(
        (first.kiosk_number, first.call_id, first.raised_at),
        (12, call.call_id, call.raised_at)
    );
    assert!(first.is_open());
    assert_eq!(kiosk.raise_staff_call(&call).await.unwrap(), first);
    // The same id with another time, or from another kiosk, is refused.
    for (device, asked) in [
        (
            &kiosk,
            StaffCallRaise {
                raised_at: raised(1),
                ..call.clone()
            },
        ),
        (&other_kiosk, call.clone()),
    ] {
        let e = device.raise_staff_call(&asked).await.unwrap_err();
        assert!(
            matches!(&e, SyncError::Refused { status: 409, reason } if reason.contains("key_reused")),
            "{e:?}"
        );
    }
    // Kiosk 13 calls too, later.
    let later = StaffCallRaise {
        call_id: Uuid::new_v4(),
        raised_at: raised(2),
    };
    other_kiosk.raise_staff_call(&later).await.unwrap();

    // Both desks see both calls in one poll, oldest first.
    for desk in [&desk_a, &desk_b] {
        let open = desk.staff_calls(true).await.unwrap().calls;
        let seen: Vec<(u32, Uuid)> = open.iter().map(|c| (c.kiosk_number, c.call_id)).collect();
        assert_eq!(seen, [(12, call.call_id), (13, later.call_id)]);
    }

    // A desk cannot act as another device: its token names it.
    let impostor = office.device(&server, 32, &desk_a_token);
    let e = impostor
        .acknowledge_staff_call(call.call_id, "E-7")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SyncError::Unauthorized { status: 403, reason } if reason.contains("cannot act as kiosk 32")),
        "{e:?}"
    );
    // An empty or multi-line employee code is refused, and an unknown call.
    for bad in ["", "  ", "E-7\nE-8"] {
        let e = desk_a
            .acknowledge_staff_call(call.call_id, bad)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, SyncError::Refused { status: 400, .. }),
            "{e:?}"
        );
    }
    let e = desk_a
        .acknowledge_staff_call(Uuid::new_v4(), "E-7")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, SyncError::Refused { status: 404, reason } if reason.contains("unknown_staff_call")),
        "{e:?}"
    );
    assert_eq!(desk_b.staff_calls(true).await.unwrap().calls.len(), 2);

    // Desk A acknowledges kiosk 12's call; desk B, a moment later, is told who did.
    let acknowledged = desk_a
        .acknowledge_staff_call(call.call_id, " E-7 ")
        .await
        .unwrap();
    assert_eq!(acknowledged.acknowledged_by.as_deref(), Some("E-7"));
    assert_eq!(acknowledged.acknowledged_at_kiosk, Some(31));
    assert!(acknowledged.acknowledged_at.unwrap() >= call.raised_at);
    let again = desk_b
        .acknowledge_staff_call(call.call_id, "E-9")
        .await
        .unwrap();
    assert_eq!(again, acknowledged, "the first acknowledgement stands");

    // Gone for both desks; kiosk 13's call stays.
    for desk in [&desk_a, &desk_b] {
        let open = desk.staff_calls(true).await.unwrap().calls;
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].call_id, later.call_id);
    }

    // The kiosk learns it by sending its call again, and from its own list.
    let learnt = kiosk.raise_staff_call(&call).await.unwrap();
    assert_eq!(learnt, acknowledged);
    let own = kiosk.staff_calls(false).await.unwrap().calls;
    assert_eq!(own, [acknowledged]);
    assert_eq!(
        other_kiosk.staff_calls(false).await.unwrap().calls.len(),
        1,
        "its own calls only"
    );

    // What the database keeps.
    let client = office.pool.get().await.unwrap();
    let rows: Vec<(i32, Option<String>, Option<i32>)> = client
        .query(
            "SELECT kiosk_number, acknowledged_by, acknowledged_at_kiosk FROM staff_calls \
             ORDER BY raised_at",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        rows,
        [(12, Some("E-7".to_owned()), Some(31)), (13, None, None)]
    );

    // Kiosk 13 stops sending its open call (closed there, or the kiosk gone): a minute later
    // it leaves the desks; sent again, it is back.
    client
        .execute(
            "UPDATE staff_calls SET last_seen_at = now() - interval '61 seconds' \
             WHERE call_id = $1",
            &[&later.call_id],
        )
        .await
        .unwrap();
    assert!(desk_a.staff_calls(true).await.unwrap().calls.is_empty());
    other_kiosk.raise_staff_call(&later).await.unwrap();
    assert_eq!(desk_a.staff_calls(true).await.unwrap().calls.len(), 1);
    server.shutdown().await;
}
