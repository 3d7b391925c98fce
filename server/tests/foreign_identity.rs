//! Visitors without an Iranian national code (contract 1.6.0, docs/identity.md), against a real
//! PostgreSQL cluster and the server over TLS: a case naming its applicant by a foreign
//! nationals' identifier or a passport and country is accepted; a malformed identity, or one
//! beside a national code, is refused (422) and nothing stored; the case is found by its
//! tracking code and the same identifier only; a desk's copy of its receipt masks it.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use kiosk_sync::wire::{CaseIdentity, CaseLookup};
use serde_json::{Value, json};
use support::{Office, case_item, national_code, tracking_code};

/// Kiosk 11's case `sequence` with `identity` instead of a national code.
fn foreign(sequence: u64, identity: Value) -> Value {
    let (_, mut item) = case_item(11, sequence, &national_code("049937089"));
    item["payload"]["national_code"] = Value::Null;
    item["payload"]["identity"] = identity;
    item
}

fn identity(kind: &str, value: &str, country: Option<&str>) -> Option<CaseIdentity> {
    Some(CaseIdentity {
        kind: kind.into(),
        value: value.into(),
        country: country.map(str::to_owned),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_identifiers_are_checked_kept_found_only_with_themselves_and_masked() {
    let office = Office::new().await;
    let server = office.server().await;
    let kiosk_token = office.enrol(&server, 11).await;
    let desk_token = office.enrol_desk(&server, 31).await;
    let post = |item: Value| {
        let (office, server, token) = (&office, &server, kiosk_token.clone());
        async move { office.post_case(server, 11, &token, &item).await }
    };
    let refused = [
        json!({"kind": "foreign_id", "value": "12345678901"}),
        json!({"kind": "passport", "value": "p01234567", "country": "AFG"}),
        json!({"kind": "passport", "value": "P01234567", "country": "XXX"}),
        json!({"kind": "passport", "value": "P01234567"}),
        json!({"kind": "fida", "value": "123456789012"}),
        json!({"value": "123456789012"}),
    ];
    for (n, bad) in refused.into_iter().enumerate() {
        let (status, body) = post(foreign(10 + n as u64, bad.clone())).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(
            !body.contains("P01234567") && !body.contains("12345678901"),
            "{body}"
        );
    }
    // Both a national code and an identity: which is the applicant?
    let (_, mut both) = case_item(11, 30, &national_code("049937089"));
    both["payload"]["identity"] = json!({"kind": "foreign_id", "value": "123456789012"});
    assert_eq!(post(both).await.0, 422);
    assert_eq!(office.count("cases").await, 0, "nothing stored");

    let (status, body) = post(foreign(
        1,
        json!({"kind": "foreign_id", "value": "123456789012"}),
    ))
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(foreign(
        2,
        json!({"kind": "passport", "value": "P01234567", "country": "AFG"}),
    ))
    .await;
    assert_eq!(status, 201, "{body}");

    // Found with the same identifier; not with another, nor another country, nor a national
    // code.
    let kiosk = office.device(&server, 11, &kiosk_token);
    let ask = |sequence: u64, national: &str, identity: Option<CaseIdentity>| CaseLookup {
        tracking_code: tracking_code(11, sequence),
        national_code: national.into(),
        identity,
    };
    let table = [
        (
            ask(1, "", identity("foreign_id", "123456789012", None)),
            true,
        ),
        (
            ask(1, "", identity("foreign_id", "123456789013", None)),
            false,
        ),
        (
            ask(2, "", identity("passport", "P01234567", Some("AFG"))),
            true,
        ),
        (
            ask(2, "", identity("passport", "P01234567", Some("IRQ"))),
            false,
        ),
        (ask(2, &national_code("049937089"), None), false),
    ];
    for (asked, found) in table {
        let answer = kiosk.look_up_case(&asked).await.unwrap();
        assert_eq!(answer.is_some(), found, "{asked:?}");
    }
    // A look-up naming both, or a malformed identifier, is a bad request.
    let both = ask(
        1,
        &national_code("049937089"),
        identity("foreign_id", "123456789012", None),
    );
    assert!(kiosk.look_up_case(&both).await.is_err());

    // A desk's copy of the receipt masks the identifier as the kiosk printed it.
    let desk = office.device(&server, 31, &desk_token);
    for (sequence, masked) in [(1, "********9012"), (2, "******567 AFG")] {
        let copy = desk
            .receipt_copy(&tracking_code(11, sequence))
            .await
            .unwrap()
            .expect("the case");
        assert_eq!(copy.national_code_masked, masked);
    }
    server.shutdown().await;
}
