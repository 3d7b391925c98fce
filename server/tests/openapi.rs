//! The device contract (server/openapi.yaml) held true: the document, the router and
//! `agency_server::openapi::ROUTES` name the same routes (the source's `.route(` calls are read
//! too, so a route added anywhere and documented nowhere fails here); every wire type the
//! server reads or writes fits its schema, member for member (a request type's serde and its
//! schema accept and refuse the same bodies); the schemas shared with SAMAD's contract are
//! SAMAD's; the server serves the document and its version in `X-Contract-Version` on every
//! answer; and every answer it gives, against a real PostgreSQL (each operation, its successes
//! and refusals), has a status, headers and a body the document lists for that operation. The
//! tests before that one need no database: the server runs on a pool that never connects,
//! enough for everything answered before the database is asked (and for the 503 of what asks).

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use agency_server::api::{CaseAccepted, CaseEvent, CaseItem, CaseView, EnrolRequest, Enrolled};
use agency_server::openapi::{CONTRACT_VERSION, OPENAPI_YAML, ROUTES};
use agency_server::problem::Problem;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use chrono::{TimeZone, Utc};
use kiosk_sync::wire::{
    Agency, CaseLookup, CaseStatus, CaseStatusEvent, Catalogue, CatalogueEntry, Event, EventPage,
    EventType, FleetKey, FleetKeyList, Heartbeat, HeartbeatAck, HolidayOverride, ItemResult,
    ItemType, OfficeHeartbeat, OutboxHealth, PrinterHealth, ReceiptCopy, ReceiptCopyRequest,
    SatisfactionKeyPublish, StaffAccepted, StaffCall, StaffCallAcknowledge, StaffCallList,
    StaffCallRaise, StaffLogin, SubmitBatch, SubmitBatchResult, SubmitItem,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::{case_with_id, national_code, tracking_code};
use tower::ServiceExt;
use uuid::Uuid;

fn doc() -> Value {
    serde_yaml_ng::from_str(OPENAPI_YAML).unwrap()
}

fn samad_doc() -> Value {
    serde_yaml_ng::from_str(kiosk_sync::OPENAPI_YAML).unwrap()
}

/// `components` with every object schema that declares `properties` and says nothing of
/// `additionalProperties` closed, recursively through `properties` and `items` (not through
/// `allOf`/`if`/`then`, whose `properties` are partial): an instance member the document does
/// not name is then an error, where the document itself lets a device ignore it.
fn strict(components: &Value) -> Value {
    fn close(schema: &mut Value) {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        if object.contains_key("properties") && !object.contains_key("additionalProperties") {
            object.insert("additionalProperties".into(), Value::Bool(false));
        }
        if let Some(Value::Object(properties)) = object.get_mut("properties") {
            properties.values_mut().for_each(close);
        }
        if let Some(items) = object.get_mut("items") {
            close(items);
        }
    }
    let mut components = components.clone();
    if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
        schemas.values_mut().for_each(close);
    }
    components
}

/// Errors of `instance` against `#/components/schemas/{name}` (closed as [`strict`] says when
/// `closed`).
fn errors_in(name: &str, instance: &Value, closed: bool) -> Vec<String> {
    let d = doc();
    let components = if closed {
        strict(&d["components"])
    } else {
        d["components"].clone()
    };
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": components,
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn errors(name: &str, instance: &Value) -> Vec<String> {
    errors_in(name, instance, false)
}

/// `instance` fits schema `name`, and names no member the document does not.
fn check(name: &str, instance: &Value) {
    let found = errors_in(name, instance, true);
    assert!(found.is_empty(), "{name}: {found:?}\n{instance:#}");
}

/// What serde writes of `value` fits schema `name`.
fn check_written<T: Serialize>(name: &str, value: &T) -> Value {
    let json = serde_json::to_value(value).unwrap();
    check(name, &json);
    json
}

/// `schema` with its `$ref` followed.
fn resolve<'a>(d: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(d, d.pointer(r.trim_start_matches('#')).unwrap()),
        None => schema,
    }
}

/// Every member the schema `name` declares is in `instance` and the other way round, down
/// through declared object members and array items: a sample with every optional member set
/// shows that the type writes nothing the document lacks and the document promises nothing
/// the type never writes.
fn same_members(name: &str, instance: &Value) {
    fn walk(d: &Value, schema: &Value, instance: &Value, at: &str) {
        let schema = resolve(d, schema);
        if let (Some(properties), Some(object)) =
            (schema["properties"].as_object(), instance.as_object())
        {
            let declared: BTreeSet<&String> = properties.keys().collect();
            let written: BTreeSet<&String> = object.keys().collect();
            assert_eq!(written, declared, "the members of {at}");
            for (key, value) in object {
                walk(d, &properties[key], value, &format!("{at}.{key}"));
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), instance.as_array()) {
            for (i, value) in array.iter().enumerate() {
                walk(d, items, value, &format!("{at}[{i}]"));
            }
        }
    }
    let d = doc();
    walk(
        &d,
        &json!({ "$ref": format!("#/components/schemas/{name}") }),
        instance,
        name,
    );
}

/// serde reading `T` and schema `name` accept and refuse the same body.
fn agree<T: DeserializeOwned>(name: &str, body: &Value) -> bool {
    let serde_accepts = serde_json::from_value::<T>(body.clone()).is_ok();
    let found = errors(name, body);
    assert_eq!(
        serde_accepts,
        found.is_empty(),
        "{name}: serde {} it, the schema {} it ({found:?})\n{body:#}",
        if serde_accepts { "accepts" } else { "refuses" },
        if found.is_empty() {
            "accepts"
        } else {
            "refuses"
        },
    );
    serde_accepts
}

/// Every `$ref` in `value` points at something in the document.
fn refs_resolve(d: &Value, value: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer = r.trim_start_matches('#');
                assert!(d.pointer(pointer).is_some(), "dangling $ref {r}");
            }
            map.values().for_each(|v| refs_resolve(d, v));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_resolve(d, v)),
        _ => {}
    }
}

/// The document's operations: (METHOD, path).
fn documented() -> BTreeSet<(String, String)> {
    let d = doc();
    let mut out = BTreeSet::new();
    for (path, item) in d["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn listed() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

/// The routes the server's source declares: every `.route("PATH", get(…).post(…))` call in
/// server/src. Anything this reader cannot follow (`nest`, `route_service`, `on(`) fails.
fn routes_in_source() -> BTreeSet<(String, String)> {
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            // The agency console (server/src/console/) is served on a listener of its own
            // for people, not devices: no part of this contract.
            if path.is_dir() && !path.ends_with("console") {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut sources = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut sources,
    );
    let mut out = BTreeSet::new();
    for file in sources {
        let text = std::fs::read_to_string(&file).unwrap();
        for unreadable in [
            ".nest(",
            ".nest_service(",
            ".route_service(",
            "MethodRouter::on",
        ] {
            assert!(
                !text.contains(unreadable),
                "{}: {unreadable} hides routes from this test; list them by hand here",
                file.display()
            );
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let call = &rest[..end];
            let path = call.split('"').nth(1).unwrap().to_owned();
            let mut methods = 0;
            for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
                let called = call.match_indices(&format!("{method}(")).any(|(i, _)| {
                    !call[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if called {
                    out.insert((method.to_uppercase(), path.clone()));
                    methods += 1;
                }
            }
            assert!(
                methods > 0,
                "{}: no method in .route({call})",
                file.display()
            );
        }
    }
    out
}

/// A server state whose pool never connects (every database question is 503).
fn state() -> Arc<agency_server::AppState> {
    Arc::new(agency_server::AppState {
        pool: agency_server::db::pool("host=/nonexistent/agency-openapi-test dbname=agency", 1)
            .unwrap(),
        lookup_misses_per_hour: agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR,
        clock: Utc::now,
        device_ca: None,
    })
}

/// The response the document gives for `status` of `method path` (its `$ref` followed), or
/// panics when the status is not listed.
fn documented_response(method: &str, path: &str, status: u16) -> Value {
    let d = doc();
    let op = &d["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let response = &op["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path} answered {status}, which the document does not list"
    );
    resolve(&d, response).clone()
}

/// An answer checked against the document: its status listed for the operation, every
/// required header there, and its body of the media type and schema listed.
fn follows_document(method: &str, path: &str, response: &(u16, Vec<(String, String)>, Vec<u8>)) {
    let (status, headers, body) = response;
    let documented = documented_response(method, path, *status);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let d = doc();
    for (name, spec) in documented["headers"].as_object().into_iter().flatten() {
        let spec = resolve(&d, spec);
        if spec["required"] == true {
            assert!(
                header(name).is_some(),
                "{method} {path} {status}: no {name} header"
            );
        }
    }
    match documented["content"].as_object() {
        None => assert!(body.is_empty(), "{method} {path} {status}: a body"),
        Some(content) => {
            assert_eq!(content.len(), 1, "{method} {path} {status}: one media type");
            let (media_type, spec) = content.iter().next().unwrap();
            let sent = header("content-type").unwrap_or_default();
            assert!(
                sent.starts_with(media_type.as_str()),
                "{method} {path} {status}: {sent}, not {media_type}"
            );
            if let Some(schema) = spec["schema"]["$ref"].as_str() {
                let name = schema.trim_start_matches("#/components/schemas/");
                let value: Value = serde_json::from_slice(body).unwrap();
                check(name, &value);
            }
        }
    }
}

/// `request` answered by `app`: (status, headers, body).
async fn answer(app: &axum::Router, request: Request) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

fn header<'a>(response: &'a (u16, Vec<(String, String)>, Vec<u8>), name: &str) -> Option<&'a str> {
    response
        .1
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Copies the route template the router matched into `x-matched-path`.
async fn record_match(req: Request, next: Next) -> Response {
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(req).await;
    if let Some(m) = matched {
        response
            .headers_mut()
            .insert("x-matched-path", HeaderValue::from_str(&m).unwrap());
    }
    response
}

/// `template` with its parameters filled in.
fn concrete(template: &str) -> String {
    template
        .replace("{kiosk}", "7")
        .replace("{tracking_code}", &tracking_code(7, 1))
        .replace("{call_id}", "6f1c1e0e-4a7b-4d35-9a43-2a4f2a0c9b11")
}

#[test]
fn the_document_is_openapi_3_1_versioned_and_complete() {
    let d = doc();
    assert!(d["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(d["info"]["version"], CONTRACT_VERSION);
    let parts: Vec<&str> = CONTRACT_VERSION.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "{CONTRACT_VERSION}"
    );
    assert!(
        d["info"]["description"]
            .as_str()
            .unwrap()
            .contains("**Versioning.**")
    );
    refs_resolve(&d, &d);
    let mut operation_ids = BTreeSet::new();
    for (method, path) in documented() {
        let op = &d["paths"][&path][method.to_lowercase()];
        let at = format!("{method} {path}");
        assert!(
            operation_ids.insert(op["operationId"].as_str().unwrap().to_owned()),
            "{at}: operationId used twice"
        );
        assert!(
            path.starts_with("/v1/") || ["/health", "/openapi.yaml"].contains(&path.as_str()),
            "{at}: not versioned"
        );
        let responses = op["responses"].as_object().unwrap();
        let listed = |status: &str| responses.contains_key(status);
        let public = op["security"].as_array().is_some_and(Vec::is_empty);
        // What every route of its kind can answer (see the middlewares and extractors).
        if !public {
            assert!(listed("401"), "{at}: 401");
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(listed(status), "{at}: {status}");
            }
        }
        if path.contains("{kiosk}") {
            for status in ["400", "403"] {
                assert!(listed(status), "{at}: {status}");
            }
        }
        if path != "/openapi.yaml" {
            assert!(listed("503") && listed("500"), "{at}: 500 and 503");
        }
        // Every answer carries the version; 401 says how to authenticate, 429 and 503 when
        // to come back.
        for (status, response) in responses {
            let response = resolve(&d, response);
            let headers = &response["headers"];
            assert!(
                resolve(&d, &headers["X-Contract-Version"])["required"] == true,
                "{at} {status}: X-Contract-Version"
            );
            let wants = match status.as_str() {
                "401" => Some("WWW-Authenticate"),
                "423" | "429" | "503" => Some("Retry-After"),
                "200" if path.ends_with("/catalogue") => Some("ETag"),
                "304" => Some("ETag"),
                _ => None,
            };
            if let Some(name) = wants {
                assert!(
                    resolve(&d, &headers[name])["required"] == true,
                    "{at} {status}: {name}"
                );
            }
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/Problem",
                    "{at} {status}"
                );
            }
        }
    }
    // Superseded, still served.
    for (method, path) in [
        ("post", "/v1/devices/{kiosk}/cases"),
        ("get", "/v1/cases/{tracking_code}"),
    ] {
        assert_eq!(d["paths"][path][method]["deprecated"], true, "{path}");
    }
    // Every enumeration the server writes or reads is the document's.
    let names = |schema: &Value| -> BTreeSet<String> {
        schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let schemas = &d["components"]["schemas"];
    let event_types: BTreeSet<String> = [
        EventType::Referral,
        EventType::Action,
        EventType::Answer,
        EventType::Closed,
    ]
    .iter()
    .map(|t| {
        serde_json::to_value(t)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    })
    .collect();
    assert_eq!(names(&schemas["EventType"]), event_types);
    let item_types: BTreeSet<String> = [
        ItemType::Case,
        ItemType::Service,
        ItemType::Rating,
        ItemType::Meeting,
        ItemType::Claim,
        ItemType::Guidance,
    ]
    .iter()
    .map(|t| t.as_str().to_owned())
    .collect();
    assert_eq!(names(&schemas["ItemType"]), item_types);
    let kinds: BTreeSet<String> = agency_server::case::CASE_KINDS
        .iter()
        .map(|k| (*k).to_owned())
        .collect();
    assert_eq!(names(&schemas["CasePayload"]["properties"]["kind"]), kinds);
}

#[test]
fn the_document_the_route_list_and_the_source_name_the_same_routes() {
    let listed = listed();
    assert_eq!(listed.len(), ROUTES.len(), "a route listed twice");
    let documented = documented();
    let in_source = routes_in_source();
    let missing_from_doc: Vec<_> = in_source.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&in_source).collect();
    assert!(
        missing_from_doc.is_empty() && not_served.is_empty(),
        "routed but not documented: {missing_from_doc:?}; documented but not routed: \
         {not_served:?}"
    );
    assert_eq!(
        listed, documented,
        "agency_server::openapi::ROUTES and the document"
    );
}

#[tokio::test]
async fn every_listed_route_is_routed_and_its_early_answers_follow_the_document() {
    let app = agency_server::router(state()).layer(middleware::from_fn(record_match));
    for (method, template) in ROUTES {
        let path = concrete(template);
        let request = Request::builder()
            .method(*method)
            .uri(&path)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let response = answer(&app, request).await;
        assert_eq!(
            header(&response, "x-matched-path"),
            Some(*template),
            "{method} {path} is not routed to {template}"
        );
        assert_ne!(response.0, 405, "{method} {path}");
        // Without a token or a database: 401, or 400 for an empty enrolment, 503 for the
        // health of a database that is not there, 200 for the document.
        let expected = match *template {
            "/health" => 503,
            "/openapi.yaml" => 200,
            "/v1/enrol" => 400,
            _ => 401,
        };
        assert_eq!(response.0, expected, "{method} {path}");
        assert_eq!(
            header(&response, "x-contract-version"),
            Some(CONTRACT_VERSION),
            "{method} {path}"
        );
        follows_document(method, template, &response);
    }
}

#[tokio::test]
async fn refusals_before_the_handler_follow_the_document() {
    let app = agency_server::router(state());
    let post = |path: &str, content_type: Option<&str>, body: Vec<u8>| {
        let mut builder = Request::builder()
            .method("POST")
            .uri(concrete(path))
            .header("authorization", "Bearer agt_x");
        if let Some(t) = content_type {
            builder = builder.header("content-type", t);
        }
        builder.body(Body::from(body)).unwrap()
    };
    for (method, path) in ROUTES.iter().filter(|(m, _)| *m == "POST") {
        let wrong_type = answer(&app, post(path, Some("text/plain"), b"{}".to_vec())).await;
        assert_eq!(wrong_type.0, 415, "{path}");
        follows_document(method, path, &wrong_type);
        let too_large = answer(
            &app,
            post(
                path,
                Some("application/json"),
                vec![b' '; agency_server::body::MAX_BODY_BYTES + 1],
            ),
        )
        .await;
        assert_eq!(too_large.0, 413, "{path}");
        follows_document(method, path, &too_large);
    }
    // An unknown path and a method a path does not serve are problems, with the version.
    for (method, path, status) in [
        ("GET", "/v1/nothing", StatusCode::NOT_FOUND),
        (
            "DELETE",
            "/v1/kiosks/7/events",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let response = answer(&app, request).await;
        assert_eq!(response.0, status.as_u16(), "{method} {path}");
        assert_eq!(
            header(&response, "x-contract-version"),
            Some(CONTRACT_VERSION)
        );
        check("Problem", &serde_json::from_slice(&response.2).unwrap());
    }
}

#[tokio::test]
async fn the_server_serves_the_document_as_the_file_says() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = agency_server::start(
        agency_server::db::pool("host=/nonexistent/agency-openapi-test dbname=agency", 1).unwrap(),
        agency_server::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            tls: None,
            lookup_misses_per_hour: agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR,
            clock: Utc::now,
            device_ca: None,
        },
    )
    .await
    .unwrap();
    let file = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.yaml"))
        .unwrap();
    let r = reqwest::Client::new()
        .get(format!("{}/openapi.yaml", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/yaml");
    assert_eq!(r.headers()["x-contract-version"], CONTRACT_VERSION);
    assert_eq!(r.text().await.unwrap(), file);
    server.shutdown().await;
}

#[test]
fn the_schemas_shared_with_samad_are_samads() {
    let ours = doc();
    let samad = samad_doc();
    let shared = [
        "ItemType",
        "SubmitItem",
        "SubmitBatch",
        "ServicePayload",
        "RatingPayload",
        "MeetingPayload",
        "CasePayload",
        "ItemStatus",
        "ItemResult",
        "SubmitBatchResult",
        "EventType",
        "Event",
        "EventPage",
        "CatalogueEntry",
        "Catalogue",
        "Heartbeat",
        "HeartbeatAck",
    ];
    for name in shared {
        let mut mine = ours["components"]["schemas"][name].clone();
        assert!(mine.is_object(), "{name}");
        // The documented differences, all the agency server's own: it refuses unknown
        // members, and it takes visit claims.
        if ["SubmitItem", "SubmitBatch"].contains(&name) {
            let closed = mine.as_object_mut().unwrap().remove("additionalProperties");
            assert_eq!(closed, Some(Value::Bool(false)), "{name}");
        }
        if name == "ItemType" {
            let kinds = mine["enum"].as_array_mut().unwrap();
            let claim = kinds.iter().position(|k| k == "claim").unwrap();
            kinds.remove(claim);
        }
        if name == "SubmitItem" {
            let branches = mine["allOf"].as_array_mut().unwrap();
            let claim = branches
                .iter()
                .position(|b| b["if"]["properties"]["item_type"]["const"] == "claim")
                .unwrap();
            let branch = branches.remove(claim);
            assert_eq!(
                branch["then"]["properties"]["payload"]["$ref"],
                "#/components/schemas/ClaimPayload"
            );
        }
        assert_eq!(mine, samad["components"]["schemas"][name], "{name}");
    }
    // The contract's operations keep SAMAD's paths (under the server's parameter name), but
    // for what only an office has.
    let office_only = [
        "case-lookups",
        "staff-logins",
        "staff-calls",
        "staff-calls/{call_id}/acknowledge",
        "satisfaction-key",
        "fleet-keys",
        "receipt-copies",
        "receipt-copies/{tracking_code}/printed",
    ];
    for (method, path) in documented() {
        if let Some(tail) = path.strip_prefix("/v1/kiosks/{kiosk}/") {
            if office_only.contains(&tail) {
                continue;
            }
            let theirs = format!("/v1/kiosks/{{kiosk_number}}/{tail}");
            assert!(
                samad["paths"][&theirs][method.to_lowercase()].is_object(),
                "{method} {path} is not SAMAD's"
            );
        }
    }
}

/// 2026-11-23 03:MM UTC.
fn at(minute: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 3, minute, 0).unwrap()
}

/// An item payload of every kind, valid as the document says.
fn payloads(kiosk: u32) -> Vec<(ItemType, Uuid, Value)> {
    let national = national_code("001234567");
    let case_id = Uuid::new_v4();
    let case = case_with_id(case_id, kiosk, 3, &national)["payload"].clone();
    let service_id = Uuid::new_v4();
    let rating_id = Uuid::new_v4();
    let meeting_id = Uuid::new_v4();
    let claim_id = Uuid::new_v4();
    let guidance_id = Uuid::new_v4();
    vec![
        (ItemType::Case, case_id, case),
        (
            ItemType::Service,
            service_id,
            json!({
                "payload_version": 1, "client_uuid": service_id, "kiosk_number": kiosk,
                "service_id": "SRV-1", "employee_code": "E-12", "tracking_code": null,
                "national_code_masked": "******4567", "note": null,
                "given_at": "2026-11-23T03:00:00.000Z"
            }),
        ),
        (
            ItemType::Rating,
            rating_id,
            json!({
                "payload_version": 1, "client_uuid": rating_id, "kiosk_number": kiosk,
                "issuing_kiosk": kiosk, "tracking_code": tracking_code(kiosk, 3),
                "service_id": "SRV-1", "employee_code": "E-12", "attribution": "claim",
                "score": 4, "reasons": ["workflow"], "rated_at": "2026-11-23T04:00:00.000Z",
                "satisfaction_token": "v1.abc"
            }),
        ),
        (
            ItemType::Meeting,
            meeting_id,
            json!({
                "payload_version": 1, "client_uuid": meeting_id, "kiosk_number": kiosk,
                "meeting_date": "2026-11-23", "meeting_jalali": "1405-09-02",
                "full_name": "نام نمونه", "national_code": national, "occupation": "other",
                "reason": "دیدار", "results": ["follow_up_ordered"],
                "employee_code": "E-12", "recorded_at": "2026-11-23T05:00:00.000Z"
            }),
        ),
        (
            ItemType::Claim,
            claim_id,
            json!({
                "payload_version": 1, "client_uuid": claim_id, "kiosk_number": kiosk,
                "tracking_code": tracking_code(kiosk, 3), "employee_code": "E-12",
                "claimed_at": "2026-11-23T03:05:00.000Z"
            }),
        ),
        (
            ItemType::Guidance,
            guidance_id,
            json!({
                "payload_version": 1, "client_uuid": guidance_id, "kiosk_number": kiosk,
                "subject_id": "SUBJ-WATER", "subject": "قبض آب",
                "destination": "شرکت آب و فاضلاب؛ تلفن: ۱۵۲۲", "kind": "complaint",
                "national_code_masked": "******4567", "lang": "fa",
                "given_at": "2026-11-23T03:10:00.000Z"
            }),
        ),
    ]
}

#[test]
fn the_wire_types_a_device_sends_fit_their_schemas_and_serde_agrees() {
    // SubmitBatch / SubmitItem, each kind of item.
    let items: Vec<SubmitItem> = payloads(7)
        .into_iter()
        .map(|(item_type, item_id, payload)| SubmitItem {
            item_id,
            item_type,
            payload: serde_json::value::to_raw_value(&payload).unwrap(),
        })
        .collect();
    let batch = check_written("SubmitBatch", &SubmitBatch { items });
    for item in batch["items"].as_array().unwrap() {
        check("SubmitItem", item);
    }
    // A payload that is not its kind's is refused by the document.
    let mut wrong = batch["items"][0].clone();
    wrong["item_type"] = json!("service");
    assert!(!errors("SubmitItem", &wrong).is_empty());
    let mut extra = batch.clone();
    extra["items"][0]["priority"] = json!(1);
    assert!(!errors("SubmitBatch", &extra).is_empty());
    assert!(!errors("SubmitBatch", &json!({ "items": [] })).is_empty());

    // Heartbeat.
    let full = Heartbeat {
        sent_at: at(1),
        firmware_version: "0.1.0".into(),
        schema_version: 7,
        catalogue_version: Some("2026-11".into()),
        printer: PrinterHealth {
            state: "ok".into(),
            paper: "low".into(),
        },
        outbox: OutboxHealth {
            depth: 3,
            parked: 1,
            oldest_unsent_age_s: Some(40),
        },
        last_sync_at: Some(at(8)),
        uptime_s: Some(3600),
    };
    // With every member: the heartbeat as a kiosk of an office sends it, owing a receipt.
    let office_beat = OfficeHeartbeat {
        heartbeat: full.clone(),
        owed_receipts: vec![tracking_code(7, 3)],
    };
    let written = check_written("Heartbeat", &office_beat);
    same_members("Heartbeat", &written);
    assert!(agree::<OfficeHeartbeat>("Heartbeat", &written));
    let mut too_many = written.clone();
    too_many["owed_receipts"] = json!(vec![tracking_code(7, 3); 51]);
    assert!(!errors("Heartbeat", &too_many).is_empty());
    check_written("Heartbeat", &full);
    check_written(
        "Heartbeat",
        &Heartbeat {
            catalogue_version: None,
            outbox: OutboxHealth {
                depth: 0,
                parked: 0,
                oldest_unsent_age_s: None,
            },
            last_sync_at: None,
            uptime_s: None,
            ..full
        },
    );

    // CaseLookup: the server's serde (deny_unknown_fields) and the schema agree.
    let lookup = CaseLookup {
        tracking_code: tracking_code(7, 3),
        national_code: national_code("001234567"),
        identity: None,
    };
    let written = check_written("CaseLookup", &lookup);
    // A visitor without a national code is named by `identity` instead (contract 1.6.0).
    let foreign = CaseLookup {
        tracking_code: tracking_code(7, 3),
        national_code: String::new(),
        identity: Some(kiosk_sync::wire::CaseIdentity {
            kind: "passport".into(),
            value: "P01234567".into(),
            country: Some("AFG".into()),
        }),
    };
    let foreign = check_written("CaseLookup", &foreign);
    assert!(agree::<CaseLookup>("CaseLookup", &foreign));
    // Every member the schema names is written by one form or the other.
    let mut both = written.clone();
    both["identity"] = foreign["identity"].clone();
    same_members("CaseLookup", &both);
    assert!(agree::<CaseLookup>("CaseLookup", &written));
    let mut extra = written.clone();
    extra["phone"] = json!("09121234567");
    assert!(!agree::<CaseLookup>("CaseLookup", &extra));
    // Naming neither fits both (the handler then answers 400 `bad_parameter`).
    assert!(agree::<CaseLookup>(
        "CaseLookup",
        &json!({ "tracking_code": tracking_code(7, 3) })
    ));

    // StaffLogin.
    let login = StaffLogin {
        employee_code: "E-12".into(),
        pin: "1234".into(),
    };
    let written = check_written("StaffLogin", &login);
    same_members("StaffLogin", &written);
    assert!(agree::<StaffLogin>("StaffLogin", &written));
    let mut extra = written.clone();
    extra["kiosk_number"] = json!(7);
    assert!(!agree::<StaffLogin>("StaffLogin", &extra));
    assert!(!agree::<StaffLogin>(
        "StaffLogin",
        &json!({ "pin": "1234" })
    ));

    // StaffCallRaise and StaffCallAcknowledge.
    let raise = StaffCallRaise {
        call_id: Uuid::new_v4(),
        raised_at: at(9),
    };
    let written = check_written("StaffCallRaise", &raise);
    same_members("StaffCallRaise", &written);
    assert!(agree::<StaffCallRaise>("StaffCallRaise", &written));
    let mut extra = written.clone();
    extra["kiosk_number"] = json!(7);
    assert!(!agree::<StaffCallRaise>("StaffCallRaise", &extra));
    assert!(!agree::<StaffCallRaise>(
        "StaffCallRaise",
        &json!({ "call_id": "not-a-uuid", "raised_at": "2026-11-23T03:09:00Z" })
    ));
    let ack = StaffCallAcknowledge {
        employee_code: "E-12".into(),
    };
    let written = check_written("StaffCallAcknowledge", &ack);
    same_members("StaffCallAcknowledge", &written);
    assert!(agree::<StaffCallAcknowledge>(
        "StaffCallAcknowledge",
        &written
    ));
    assert!(!agree::<StaffCallAcknowledge>(
        "StaffCallAcknowledge",
        &json!({ "employee_code": "E-12", "kiosk_number": 7 })
    ));

    // SatisfactionKeyPublish (the key itself is judged by the handler: 422 `bad_public_key`).
    let publish = SatisfactionKeyPublish {
        public_key: "ab".repeat(32),
    };
    let written = check_written("SatisfactionKeyPublish", &publish);
    same_members("SatisfactionKeyPublish", &written);
    assert!(agree::<SatisfactionKeyPublish>(
        "SatisfactionKeyPublish",
        &written
    ));
    let mut extra = written.clone();
    extra["kiosk_number"] = json!(7);
    assert!(!agree::<SatisfactionKeyPublish>(
        "SatisfactionKeyPublish",
        &extra
    ));
    assert!(!agree::<SatisfactionKeyPublish>(
        "SatisfactionKeyPublish",
        &json!({ "public_key": 12 })
    ));

    // EnrolRequest (read only by the server).
    for (body, accepted) in [
        (json!({ "code": "ABCD-EFGH-JKMN-PQRS" }), true),
        (
            json!({ "code": "ABCD-EFGH-JKMN-PQRS", "csr_pem": null }),
            true,
        ),
        (
            json!({ "code": "ABCD-EFGH-JKMN-PQRS", "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----" }),
            true,
        ),
        (json!({ "csr_pem": "x" }), false),
        (json!({ "code": 12 }), false),
        (json!({ "code": "ABCD", "kiosk_number": 7 }), false),
    ] {
        assert_eq!(
            agree::<EnrolRequest>("EnrolRequest", &body),
            accepted,
            "{body}"
        );
    }
    let full = json!({ "code": "ABCD-EFGH-JKMN-PQRS", "csr_pem": "pem" });
    same_members("EnrolRequest", &full);

    // CaseItem (the deprecated single case).
    let id = Uuid::new_v4();
    let item = case_with_id(id, 7, 4, &national_code("001234567"));
    assert!(agree::<CaseItem>("CaseItem", &item));
    check("CaseItem", &item);
    let mut extra = item.clone();
    extra["item_type"] = json!("case");
    assert!(!agree::<CaseItem>("CaseItem", &extra));
}

#[test]
fn the_wire_types_the_server_writes_fit_their_schemas_member_for_member() {
    let id = Uuid::new_v4();
    // SubmitBatchResult / ItemResult, as the server judges items.
    let results = SubmitBatchResult {
        results: vec![
            ItemResult {
                item_id: id,
                status: 201,
                service_request_id: None,
                token: None,
                reason: None,
            },
            ItemResult {
                item_id: id,
                status: 200,
                service_request_id: None,
                token: None,
                reason: None,
            },
            ItemResult {
                item_id: id,
                status: 409,
                service_request_id: None,
                token: None,
                reason: Some("item_id was sent by this kiosk before with another body".into()),
            },
            ItemResult {
                item_id: id,
                status: 422,
                service_request_id: None,
                token: None,
                reason: Some("payload_version must be 1".into()),
            },
        ],
    };
    check_written("SubmitBatchResult", &results);
    let full = ItemResult {
        item_id: id,
        status: 201,
        service_request_id: Some("SMD-1".into()),
        token: Some("t".into()),
        reason: Some("r".into()),
    };
    same_members("ItemResult", &check_written("ItemResult", &full));

    // EventPage / Event (an event of a case not yet relayed has an empty service number).
    let event = Event {
        event_id: "EV-1".into(),
        service_request_id: String::new(),
        item_id: id,
        tracking_code: tracking_code(7, 3),
        event_type: EventType::Referral,
        updated_datetime: at(2),
        agency_responsible: "واحد".into(),
        responsible_person: "کارشناس".into(),
        status_notes: Some("ارجاع".into()),
    };
    let page = EventPage {
        events: vec![
            event.clone(),
            Event {
                event_id: "EV-2".into(),
                service_request_id: "SMD-1".into(),
                event_type: EventType::Closed,
                status_notes: None,
                ..event
            },
        ],
        next_cursor: "12".into(),
        has_more: false,
    };
    let written = check_written("EventPage", &page);
    let mut first = written.clone();
    first["events"].as_array_mut().unwrap().truncate(1);
    same_members("EventPage", &first);
    check_written(
        "EventPage",
        &EventPage {
            events: vec![],
            next_cursor: "0".into(),
            has_more: false,
        },
    );

    // Catalogue.
    let entry = CatalogueEntry {
        service_code: "SUBJ-1".into(),
        service_name: "موضوع".into(),
        group: Some("گروه".into()),
        keywords: vec!["کلید".into()],
        service_identifier: Some("123".into()),
        service_name_en: Some("Subject".into()),
        about_officials: true,
        next_visit: Some("weekly:tuesday".into()),
        guidance: Some(kiosk_sync::wire::GuidanceDestination {
            office: "اداره دیگر".into(),
            office_en: Some("Another office".into()),
            address: Some("نشانی".into()),
            phone: Some("021".into()),
            hours: Some("۸ تا ۱۴".into()),
            portal: Some("https://example.ir".into()),
            bring: vec!["کارت ملی".into()],
        }),
    };
    let catalogue = Catalogue {
        version: "2026-11".into(),
        case_kinds: vec!["complaint".into()],
        subjects: vec![entry.clone()],
        services: vec![CatalogueEntry {
            group: None,
            keywords: vec![],
            service_identifier: None,
            service_name_en: None,
            guidance: None,
            ..entry
        }],
        agency: Agency {
            agency_code: "A1".into(),
            name: "اداره".into(),
            subject_scope: vec!["SUBJ-1".into()],
        },
        holiday_overrides: vec![HolidayOverride {
            date: "2026-11-24".into(),
            closed: true,
            reason: Some("تعطیل".into()),
        }],
    };
    let written = check_written("Catalogue", &catalogue);
    let mut subjects_only = written.clone();
    subjects_only["services"] = json!([]);
    same_members("Catalogue", &subjects_only);

    // HeartbeatAck.
    let ack = HeartbeatAck {
        server_time: at(3),
        catalogue_etag: Some("\"abc\"".into()),
    };
    same_members("HeartbeatAck", &check_written("HeartbeatAck", &ack));
    check_written(
        "HeartbeatAck",
        &HeartbeatAck {
            catalogue_etag: None,
            ..ack
        },
    );

    // CaseStatus / CaseStatusEvent.
    let status_event = CaseStatusEvent {
        event_id: "EV-1".into(),
        event_type: EventType::Answer,
        happened_at: at(4),
        unit: "واحد".into(),
        person: "کارشناس".into(),
        notes: Some("پاسخ".into()),
    };
    same_members(
        "CaseStatusEvent",
        &check_written("CaseStatusEvent", &status_event),
    );
    let status = CaseStatus {
        tracking_code: tracking_code(7, 3),
        kiosk_number: 7,
        kind: "complaint".into(),
        subject_id: Some("SUBJ-1".into()),
        unit: Some("واحد".into()),
        registered_at: at(5),
        due_date: Some("2026-12-07".into()),
        events: vec![status_event.clone()],
    };
    same_members("CaseStatus", &check_written("CaseStatus", &status));
    check_written(
        "CaseStatus",
        &CaseStatus {
            subject_id: None,
            unit: None,
            due_date: None,
            events: vec![CaseStatusEvent {
                notes: None,
                ..status_event
            }],
            ..status
        },
    );

    // Enrolled, with and without a device CA.
    let enrolled = Enrolled {
        kiosk_number: 7,
        token: agency_server::auth::new_token(),
        token_type: "Bearer".into(),
        client_cert_pem: Some("-----BEGIN CERTIFICATE-----".into()),
        client_ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
    };
    same_members("Enrolled", &check_written("Enrolled", &enrolled));
    check_written(
        "Enrolled",
        &Enrolled {
            client_cert_pem: None,
            client_ca_pem: None,
            ..enrolled
        },
    );

    // The deprecated routes' answers.
    let accepted = CaseAccepted {
        item_id: id,
        status: 201,
        tracking_code: tracking_code(7, 3),
        kiosk_number: 7,
    };
    same_members("CaseAccepted", &check_written("CaseAccepted", &accepted));
    let view = CaseView {
        tracking_code: tracking_code(7, 3),
        kiosk_number: 7,
        kind: "complaint".into(),
        subject_id: Some("SUBJ-1".into()),
        service_id: None,
        unit: Some("واحد".into()),
        description: Some("شرح".into()),
        registered_at: at(6),
        due_date: Some("2026-12-07".into()),
        due_jalali: Some("1405-09-16".into()),
        events: vec![CaseEvent {
            event_id: "EV-1".into(),
            event_type: "referral".into(),
            happened_at: at(7),
            unit: "واحد".into(),
            person: "کارشناس".into(),
            notes: None,
        }],
    };
    same_members("CaseView", &check_written("CaseView", &view));

    // StaffAccepted.
    let accepted = StaffAccepted {
        employee_code: "E-12".into(),
        display_name: "نام نمونه".into(),
    };
    same_members("StaffAccepted", &check_written("StaffAccepted", &accepted));

    // StaffCall, open and acknowledged, in a list.
    let open = StaffCall {
        call_id: Uuid::new_v4(),
        kiosk_number: 12,
        raised_at: at(9),
        acknowledged_at: None,
        acknowledged_by: None,
        acknowledged_at_kiosk: None,
    };
    check_written("StaffCall", &open);
    check_written(
        "StaffCallList",
        &StaffCallList {
            calls: vec![open.clone()],
        },
    );
    let done = StaffCall {
        acknowledged_at: Some(at(10)),
        acknowledged_by: Some("E-12".into()),
        acknowledged_at_kiosk: Some(31),
        ..open.clone()
    };
    same_members("StaffCall", &check_written("StaffCall", &done));
    same_members(
        "StaffCallList",
        &check_written("StaffCallList", &StaffCallList { calls: vec![done] }),
    );

    // The fleet's keys.
    let key = FleetKey {
        kiosk_number: 11,
        public_key: "0f".repeat(32),
        published_at: at(11),
        retired_at: Some(at(12)),
    };
    same_members("FleetKey", &check_written("FleetKey", &key));
    same_members(
        "FleetKeyList",
        &check_written("FleetKeyList", &FleetKeyList { keys: vec![key] }),
    );
    check_written("FleetKeyList", &FleetKeyList::default());

    // Problems, with and without a parameter.
    let problem = Problem::new(
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        "kiosk must be 1 to 99999",
    )
    .with_parameter("kiosk");
    same_members("Problem", &check_written("Problem", &problem));
    check_written(
        "Problem",
        &Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "wait").with_retry_after(60),
    );
}

/// `r` as (status, headers, body).
async fn taken(r: reqwest::Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_the_server_follows_the_document() {
    let office = support::Office::new().await;
    let server = office.server().await;
    let base = server.base_url();
    let http = office.client();
    let token = office.enrol(&server, 7).await;
    // Kiosk 7 registers; desk 8 looks cases up and answers staff calls; desk 31 logs staff in
    // and reprints receipts.
    let other = office.enrol_desk(&server, 8).await;
    let copier = office.enrol_desk(&server, 31).await;
    let national = national_code("001234567");
    // (method, template, answer)
    let mut answers = Vec::new();
    macro_rules! send {
        ($method:literal, $template:literal, $request:expr) => {{
            let response = taken($request.send().await.unwrap()).await;
            answers.push(($method, $template, response.clone()));
            response
        }};
    }
    let kiosk = format!("{base}/v1/kiosks/7");

    let health = send!("GET", "/health", http.get(format!("{base}/health")));
    assert_eq!(health.0, 200);

    // Enrolment: a code, a used code, no code.
    let code = office.enrol_code(9).await;
    let enrol = |body: Value| http.post(format!("{base}/v1/enrol")).json(&body);
    assert_eq!(
        send!("POST", "/v1/enrol", enrol(json!({ "code": code }))).0,
        201
    );
    assert_eq!(
        send!("POST", "/v1/enrol", enrol(json!({ "code": code }))).0,
        403
    );
    assert_eq!(send!("POST", "/v1/enrol", enrol(json!({}))).0, 400);

    // Submissions: every kind of item (guidance records too, since migration 9), again, then
    // conflicting bodies.
    let items: Vec<Value> = payloads(7)
        .into_iter()
        .map(|(item_type, item_id, payload)| {
            json!({ "item_id": item_id, "item_type": item_type.as_str(), "payload": payload })
        })
        .collect();
    let submit = |body: &Value| {
        http.post(format!("{kiosk}/submissions"))
            .bearer_auth(&token)
            .json(body)
    };
    let statuses = |r: &(u16, Vec<(String, String)>, Vec<u8>)| -> Vec<u64> {
        let v: Value = serde_json::from_slice(&r.2).unwrap();
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect()
    };
    // A kiosk's claim is refused (422 `wrong_role`: who served a visit is the desk's to say).
    let expect = |accepted: u64| -> Vec<u64> {
        items
            .iter()
            .map(|i| {
                if i["item_type"] == "claim" {
                    422
                } else {
                    accepted
                }
            })
            .collect()
    };
    let batch = json!({ "items": items });
    let first = send!("POST", "/v1/kiosks/{kiosk}/submissions", submit(&batch));
    assert_eq!(statuses(&first), expect(201));
    let again = send!("POST", "/v1/kiosks/{kiosk}/submissions", submit(&batch));
    assert_eq!(statuses(&again), expect(200));
    let mut changed = items[0].clone();
    changed["payload"]["description"] = json!("another text");
    // A case whose `client_uuid` is not its `item_id`.
    let mut bad = items[0].clone();
    bad["item_id"] = json!(Uuid::new_v4());
    let mixed = send!(
        "POST",
        "/v1/kiosks/{kiosk}/submissions",
        submit(&json!({ "items": [changed, bad] }))
    );
    assert_eq!(statuses(&mixed), [409, 422]);
    assert_eq!(
        send!(
            "POST",
            "/v1/kiosks/{kiosk}/submissions",
            submit(&json!({ "items": [] }))
        )
        .0,
        400
    );
    let forbidden = http
        .post(format!("{base}/v1/kiosks/8/submissions"))
        .bearer_auth(&token)
        .json(&batch);
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/submissions", forbidden).0,
        403
    );

    // The deprecated single case: created, again, conflict, not acceptable.
    let (_, case) = support::case_item(7, 20, &national);
    let ingest = |body: &Value| {
        http.post(format!("{base}/v1/devices/7/cases"))
            .bearer_auth(&token)
            .json(body)
    };
    assert_eq!(
        send!("POST", "/v1/devices/{kiosk}/cases", ingest(&case)).0,
        201
    );
    assert_eq!(
        send!("POST", "/v1/devices/{kiosk}/cases", ingest(&case)).0,
        200
    );
    let mut conflicting = case.clone();
    conflicting["payload"]["description"] = json!("another text");
    assert_eq!(
        send!("POST", "/v1/devices/{kiosk}/cases", ingest(&conflicting)).0,
        409
    );
    let invalid = case_with_id(Uuid::new_v4(), 7, 21, "0000000000");
    assert_eq!(
        send!("POST", "/v1/devices/{kiosk}/cases", ingest(&invalid)).0,
        422
    );

    // Events: two of the first case, by page.
    let tracking = tracking_code(7, 3);
    let db = office.pool.get().await.unwrap();
    for (n, kind, notes) in [(1, "referral", Some("ارجاع")), (2, "closed", None)] {
        db.execute(
            "INSERT INTO case_events (event_id, tracking_code, event_type, happened_at, unit, \
                                      person, notes) VALUES ($1, $2, $3, now(), 'واحد', 'کارشناس', $4)",
            &[&format!("EV-{n}"), &tracking, &kind, &notes],
        )
        .await
        .unwrap();
    }
    let events = |query: &str| {
        http.get(format!("{kiosk}/events{query}"))
            .bearer_auth(&token)
    };
    let page = send!("GET", "/v1/kiosks/{kiosk}/events", events("?limit=1"));
    let page: Value = serde_json::from_slice(&page.2).unwrap();
    assert_eq!(page["has_more"], true);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = send!(
        "GET",
        "/v1/kiosks/{kiosk}/events",
        events(&format!("?after={cursor}"))
    );
    assert_eq!(rest.0, 200);
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/events", events("?after=x")).0,
        400
    );
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/events", events("?limit=-1")).0,
        400
    );

    // The catalogue: none yet, then one, then not modified.
    let catalogue = || http.get(format!("{kiosk}/catalogue")).bearer_auth(&token);
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/catalogue", catalogue()).0,
        404
    );
    let etag = agency_server::contract::set_catalogue(
        &office.pool,
        &json!({
            "version": "2026-11", "case_kinds": ["complaint"],
            "subjects": [{"service_code": "SUBJ-1", "service_name": "موضوع"}],
            "services": [], "holiday_overrides": [],
            "agency": {"agency_code": "A1", "name": "اداره", "subject_scope": ["SUBJ-1"]}
        })
        .to_string(),
    )
    .await
    .unwrap();
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/catalogue", catalogue()).0,
        200
    );
    let not_modified = send!(
        "GET",
        "/v1/kiosks/{kiosk}/catalogue",
        catalogue().header("if-none-match", &etag)
    );
    assert_eq!(not_modified.0, 304);

    // A heartbeat, and one that does not fit.
    let beat = json!({
        "sent_at": "2026-11-23T03:00:00.000Z", "firmware_version": "0.1.0", "schema_version": 2,
        "printer": {"state": "ok", "paper": "ok"}, "outbox": {"depth": 0, "parked": 0},
        "uptime_s": 60
    });
    check("Heartbeat", &beat);
    let heartbeat = |body: &Value| {
        http.post(format!("{kiosk}/heartbeat"))
            .bearer_auth(&token)
            .json(body)
    };
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/heartbeat", heartbeat(&beat)).0,
        200
    );
    assert_eq!(
        send!(
            "POST",
            "/v1/kiosks/{kiosk}/heartbeat",
            heartbeat(&json!({}))
        )
        .0,
        400
    );

    // Case look-ups from another kiosk: found, not found, malformed, then rate-limited; and
    // the deprecated look-up by URL.
    let lookup = |tracking_code: &str, national_code: &str| {
        http.post(format!("{base}/v1/kiosks/8/case-lookups"))
            .bearer_auth(&other)
            .json(&json!({ "tracking_code": tracking_code, "national_code": national_code }))
    };
    let found = send!(
        "POST",
        "/v1/kiosks/{kiosk}/case-lookups",
        lookup(&tracking, &national)
    );
    assert_eq!(found.0, 200);
    let found: Value = serde_json::from_slice(&found.2).unwrap();
    assert_eq!(found["events"].as_array().unwrap().len(), 2);
    let by_url = |tracking_code: &str, national_code: &str| {
        http.get(format!(
            "{base}/v1/cases/{tracking_code}?national_code={national_code}"
        ))
        .bearer_auth(&other)
    };
    assert_eq!(
        send!(
            "GET",
            "/v1/cases/{tracking_code}",
            by_url(&tracking, &national)
        )
        .0,
        200
    );
    assert_eq!(
        send!("GET", "/v1/cases/{tracking_code}", by_url("123", &national)).0,
        400
    );
    assert_eq!(
        send!(
            "POST",
            "/v1/kiosks/{kiosk}/case-lookups",
            lookup(&tracking, "12")
        )
        .0,
        400
    );
    let unknown = tracking_code(7, 99);
    let mut last = 0;
    for _ in 0..=agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR {
        let r = taken(lookup(&unknown, &national).send().await.unwrap()).await;
        last = r.0;
        answers.push(("POST", "/v1/kiosks/{kiosk}/case-lookups", r));
    }
    assert_eq!(last, 429);
    assert_eq!(
        send!(
            "GET",
            "/v1/cases/{tracking_code}",
            by_url(&unknown, &national)
        )
        .0,
        429
    );
    assert!(answers.iter().any(|(_, _, r)| r.0 == 404));

    // A staff member logs in at desk 31, then five wrong PINs lock the account; kiosk 7 may
    // not log staff in at all.
    agency_server::staff::add(&office.pool, "E-12", "نام نمونه", "1234")
        .await
        .unwrap();
    let desk_31 = format!("{base}/v1/kiosks/31");
    let staff = |pin: &str| {
        http.post(format!("{desk_31}/staff-logins"))
            .bearer_auth(&copier)
            .json(&json!({ "employee_code": "E-12", "pin": pin }))
    };
    let at_a_kiosk = send!(
        "POST",
        "/v1/kiosks/{kiosk}/staff-logins",
        http.post(format!("{kiosk}/staff-logins"))
            .bearer_auth(&token)
            .json(&json!({ "employee_code": "E-12", "pin": "1234" }))
    );
    assert_eq!(at_a_kiosk.0, 403);
    let refusal: Value = serde_json::from_slice(&at_a_kiosk.2).unwrap();
    assert_eq!(refusal["code"], json!("wrong_role"), "{refusal}");
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/staff-logins", staff("1234")).0,
        200
    );
    for _ in 0..5 {
        assert_eq!(
            send!("POST", "/v1/kiosks/{kiosk}/staff-logins", staff("9999")).0,
            401
        );
    }
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/staff-logins", staff("1234")).0,
        423
    );

    // A staff call: raised at kiosk 7 (new, again, a key reused), listed at desk 8 (and a bad
    // query), acknowledged there (then an unknown call and a bad call id).
    let call_id = Uuid::new_v4();
    let raise = |call_id: Uuid, minute: u32| {
        http.post(format!("{kiosk}/staff-calls"))
            .bearer_auth(&token)
            .json(&json!({ "call_id": call_id, "raised_at": at(minute) }))
    };
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/staff-calls", raise(call_id, 5)).0,
        201
    );
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/staff-calls", raise(call_id, 5)).0,
        200
    );
    assert_eq!(
        send!("POST", "/v1/kiosks/{kiosk}/staff-calls", raise(call_id, 6)).0,
        409
    );
    let desk = format!("{base}/v1/kiosks/8");
    let list = |query: &str| {
        http.get(format!("{desk}/staff-calls{query}"))
            .bearer_auth(&other)
    };
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/staff-calls", list("?open=true")).0,
        200
    );
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/staff-calls", list("?open=yes")).0,
        400
    );
    let acknowledge = |call_id: &str| {
        http.post(format!("{desk}/staff-calls/{call_id}/acknowledge"))
            .bearer_auth(&other)
            .json(&json!({ "employee_code": "E-12" }))
    };
    for (id, status) in [
        (call_id.to_string(), 200),
        (Uuid::new_v4().to_string(), 404),
        ("12".to_owned(), 400),
    ] {
        assert_eq!(
            send!(
                "POST",
                "/v1/kiosks/{kiosk}/staff-calls/{call_id}/acknowledge",
                acknowledge(&id)
            )
            .0,
            status
        );
    }

    // Satisfaction keys: kiosk 7 publishes one (new, the same again, a rotation, a weak
    // point, not hex, another kiosk's path); desk 8 fetches the fleet's, then not modified.
    let publish = |kiosk: &str, public_key: &str| {
        http.put(format!("{base}/v1/kiosks/{kiosk}/satisfaction-key"))
            .bearer_auth(&token)
            .json(&json!({ "public_key": public_key }))
    };
    let first_key = hex_key(&ed25519_dalek::SigningKey::from_bytes(&rand::random()));
    let rotated = hex_key(&ed25519_dalek::SigningKey::from_bytes(&rand::random()));
    let identity = format!("01{}", "00".repeat(31));
    for (kiosk, key, status) in [
        ("7", first_key.as_str(), 201),
        ("7", first_key.as_str(), 200),
        ("7", rotated.as_str(), 201),
        ("7", identity.as_str(), 422),
        ("7", "xyz", 422),
        ("8", rotated.as_str(), 403),
    ] {
        assert_eq!(
            send!(
                "PUT",
                "/v1/kiosks/{kiosk}/satisfaction-key",
                publish(kiosk, key)
            )
            .0,
            status,
            "kiosk {kiosk}, key {key}"
        );
    }
    let fleet = || {
        http.get(format!("{base}/v1/kiosks/8/fleet-keys"))
            .bearer_auth(&other)
    };
    let keys = send!("GET", "/v1/kiosks/{kiosk}/fleet-keys", fleet());
    assert_eq!(keys.0, 200);
    let etag = header(&keys, "etag").unwrap().to_owned();
    let listed: Value = serde_json::from_slice(&keys.2).unwrap();
    // The rotated-away key first, marked retired (contract 1.8.0), then the current one.
    assert_eq!(listed["keys"][0]["public_key"], json!(first_key));
    assert!(listed["keys"][0]["retired_at"].is_string(), "{listed}");
    assert_eq!(listed["keys"][1]["public_key"], json!(rotated));
    assert!(listed["keys"][1].get("retired_at").is_none(), "{listed}");
    check("FleetKeyList", &listed);
    assert_eq!(
        send!(
            "GET",
            "/v1/kiosks/{kiosk}/fleet-keys",
            fleet().header("if-none-match", &etag)
        )
        .0,
        304
    );

    // Receipt copies: kiosk 7 reports its case owed and desk 31 lists the office's owed
    // receipts (then a bad query); it asks for the copy (given, malformed, another device's
    // path). Desk 8 has used up its look-ups above.
    let copy = |path: &str, tracking_code: &str| {
        http.post(format!("{base}/v1/kiosks/{path}/receipt-copies"))
            .bearer_auth(&copier)
            .json(&json!({ "tracking_code": tracking_code }))
    };
    let owed_beat = json!({
        "sent_at": "2026-11-23T03:00:00.000Z", "firmware_version": "0.1.0", "schema_version": 2,
        "printer": {"state": "error", "paper": "out"}, "outbox": {"depth": 0, "parked": 0},
        "owed_receipts": [tracking_code(7, 20)]
    });
    check("Heartbeat", &owed_beat);
    assert_eq!(
        send!(
            "POST",
            "/v1/kiosks/{kiosk}/heartbeat",
            heartbeat(&owed_beat)
        )
        .0,
        200
    );
    let owed = |query: &str| {
        http.get(format!("{desk_31}/receipt-copies{query}"))
            .bearer_auth(&copier)
    };
    let listed = send!(
        "GET",
        "/v1/kiosks/{kiosk}/receipt-copies",
        owed("?owed=true")
    );
    assert_eq!(listed.0, 200);
    let listed: Value = serde_json::from_slice(&listed.2).unwrap();
    check("OwedReceiptList", &listed);
    assert_eq!(
        listed["receipts"][0]["tracking_code"],
        json!(tracking_code(7, 20))
    );
    assert_eq!(
        send!("GET", "/v1/kiosks/{kiosk}/receipt-copies", owed("")).0,
        400
    );
    for (path, code, status) in [
        ("31", tracking_code(7, 20), 200),
        ("31", "12".to_owned(), 400),
        ("8", tracking_code(7, 20), 403),
    ] {
        let answer = send!(
            "POST",
            "/v1/kiosks/{kiosk}/receipt-copies",
            copy(path, &code)
        );
        assert_eq!(answer.0, status, "{path} {code}");
        if status == 200 {
            check("ReceiptCopy", &serde_json::from_slice(&answer.2).unwrap());
        }
    }
    // The copy printed: recorded (then off the owed list); malformed, unknown, another path.
    let printed = |path: &str, tracking_code: &str| {
        http.post(format!(
            "{base}/v1/kiosks/{path}/receipt-copies/{tracking_code}/printed"
        ))
        .bearer_auth(&copier)
        .json(&json!({}))
    };
    for (path, code, status) in [
        ("31", tracking_code(7, 20), 204),
        ("31", "12".to_owned(), 400),
        ("31", tracking_code(7, 21), 404),
        ("8", tracking_code(7, 20), 403),
    ] {
        let answer = send!(
            "POST",
            "/v1/kiosks/{kiosk}/receipt-copies/{tracking_code}/printed",
            printed(path, &code)
        );
        assert_eq!(answer.0, status, "printed {path} {code}");
    }
    // Every member the schema names is one the type writes.
    let full_copy = ReceiptCopy {
        tracking_code: tracking_code(7, 20),
        kiosk_number: 7,
        kind: "complaint".into(),
        subject_id: "SUBJ-1".into(),
        service_id: Some("SRV-1".into()),
        unit: "واحد".into(),
        registered_at: at(1),
        due_date: Some("2026-12-07".into()),
        due_jalali: Some("۱۴۰۵/۰۹/۱۶".into()),
        due_working_days: Some(10),
        national_code_masked: "******1234".into(),
        mobile_masked: Some("0912***4567".into()),
        next_visit: Some(kiosk_sync::wire::NextVisitCopy {
            rule: "weekly:tuesday".into(),
            date: Some("2026-12-08".into()),
            jalali: Some("1405-09-17".into()),
        }),
        copied_at: at(2),
    };
    same_members("ReceiptCopy", &check_written("ReceiptCopy", &full_copy));
    same_members(
        "ReceiptCopyRequest",
        &check_written(
            "ReceiptCopyRequest",
            &ReceiptCopyRequest {
                tracking_code: tracking_code(7, 20),
            },
        ),
    );

    // No token, and the database gone.
    assert_eq!(
        send!(
            "GET",
            "/v1/kiosks/{kiosk}/events",
            http.get(format!("{kiosk}/events"))
        )
        .0,
        401
    );
    office.pg.stop().unwrap();
    assert_eq!(
        send!("GET", "/health", http.get(format!("{base}/health"))).0,
        503
    );
    assert_eq!(send!("GET", "/v1/kiosks/{kiosk}/events", events("")).0, 503);

    let mut seen = BTreeSet::new();
    for (method, template, response) in &answers {
        assert_eq!(
            header(response, "x-contract-version"),
            Some(CONTRACT_VERSION),
            "{method} {template} {}",
            response.0
        );
        follows_document(method, template, response);
        seen.insert(((*method).to_owned(), (*template).to_owned()));
    }
    // Every operation but the document itself was answered at least once.
    let mut operations = documented();
    operations.remove(&("GET".to_owned(), "/openapi.yaml".to_owned()));
    assert_eq!(seen, operations);
    server.shutdown().await;
}

/// A signing key's public key as 64 hex digits.
fn hex_key(key: &ed25519_dalek::SigningKey) -> String {
    key.verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
