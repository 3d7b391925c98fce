//! Staff accounts at the server, as desk terminals meet them through their own sync client:
//! a login valid at every desk, wrong PINs counted across desks until a lockout that holds at
//! every desk, unknown codes answered as wrong PINs, every attempt audited, only hashes kept.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use kiosk_sync::SyncError;
use kiosk_sync::wire::StaffLogin;
use support::Office;

fn login(code: &str, pin: &str) -> StaffLogin {
    StaffLogin {
        employee_code: code.to_owned(),
        pin: pin.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_at_every_desk_and_a_lockout_counted_across_desks() {
    let office = Office::new().await;
    let server = office.server().await;
    let desk_a = office.device(&server, 31, &office.enrol_desk(&server, 31).await);
    let desk_b = office.device(&server, 32, &office.enrol_desk(&server, 32).await);
    agency_server::staff::add(&office.pool, "E-7", "مریم احمدی", "۱۳۵۷۹")
        .await
        .unwrap();
    assert!(
        agency_server::staff::add(&office.pool, "E-8", "x", "12a4")
            .await
            .is_err(),
        "a PIN that is not 4 to 12 digits is refused"
    );

    // The same account at both desks (the PIN typed in ASCII or Persian digits).
    let ok = desk_a.staff_login(&login("E-7", "13579")).await.unwrap();
    assert_eq!(ok.display_name, "مریم احمدی");
    desk_b.staff_login(&login("E-7", "۱۳۵۷۹")).await.unwrap();

    // An unknown code is answered as a wrong PIN.
    let unknown = desk_a
        .staff_login(&login("E-404", "13579"))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, SyncError::Unauthorized { status: 401, reason } if reason.contains("wrong_pin")),
        "{unknown:?}"
    );

    // Three wrong PINs at desk A, two at desk B: locked, at both desks, even with the right PIN.
    for _ in 0..3 {
        let e = desk_a.staff_login(&login("E-7", "0000")).await.unwrap_err();
        assert!(
            matches!(e, SyncError::Unauthorized { status: 401, .. }),
            "{e:?}"
        );
    }
    for _ in 0..2 {
        desk_b.staff_login(&login("E-7", "0000")).await.unwrap_err();
    }
    for d in [&desk_a, &desk_b] {
        let locked = d.staff_login(&login("E-7", "13579")).await.unwrap_err();
        assert!(
            matches!(&locked, SyncError::Refused { status: 423, reason } if reason.contains("locked")),
            "{locked:?}"
        );
    }

    // Only the hash is kept; every attempt is audited with its desk.
    let client = office.pool.get().await.unwrap();
    let hash: String = client
        .query_one(
            "SELECT pin_hash FROM staff WHERE employee_code = 'E-7'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(hash.starts_with("$argon2id$") && !hash.contains("13579"));
    let audit: Vec<(String, i32, i64)> = client
        .query(
            "SELECT outcome, kiosk_number, count(*) FROM staff_logins \
             GROUP BY outcome, kiosk_number ORDER BY outcome, kiosk_number",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        audit,
        [
            ("locked".to_owned(), 31, 1),
            ("locked".to_owned(), 32, 1),
            ("ok".to_owned(), 31, 1),
            ("ok".to_owned(), 32, 1),
            ("unknown".to_owned(), 31, 1),
            ("wrong_pin".to_owned(), 31, 3),
            ("wrong_pin".to_owned(), 32, 2),
        ]
    );

    // The operator resets the account (a new PIN): it opens again at once.
    agency_server::staff::add(&office.pool, "E-7", "مریم احمدی", "24680")
        .await
        .unwrap();
    desk_b.staff_login(&login("E-7", "24680")).await.unwrap();
    server.shutdown().await;
}
