//! The router in process (`app(state)` with `oneshot`): behaviour that does not need
//! the real binaries, such as a server that has no key bundle yet.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt;
use jasmine_client::bundle::{sign_bundle, KeyBundle, ModeratorSecrets, ServerLimits};
use jasmine_client::keys::PublicKey;
use jasmine_client::Day;
use jasmine_server::{app, open_state, Config};
use tower::ServiceExt;

async fn call(
    state: &jasmine_server::AppState,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes().to_vec(),
    )
}

fn bundle(version: u64, root: &SigningKey) -> Vec<u8> {
    let today = Day::today_utc();
    let moderator = ModeratorSecrets::generate("alice", &mut rand::rngs::OsRng);
    let bundle = KeyBundle {
        organisation: "Router test".into(),
        version,
        issued: today,
        expires: today.add_days(10),
        onion: String::new(),
        check_key: None,
        moderators: vec![moderator.public_entry("Alice")],
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    sign_bundle(&bundle, root).unwrap()
}

/// A server's state in `dir`, with a fresh root key pinned and no bundle yet.
async fn state_without_bundle(
    dir: &std::path::Path,
) -> (SigningKey, Config, jasmine_server::AppState) {
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let config = Config {
        data_dir: dir.join("data"),
        root_key: Some(PublicKey::from(&root).to_base64()),
        ..Config::default()
    };
    let state = open_state(&config).await.unwrap();
    (root, config, state)
}

#[tokio::test]
async fn a_server_without_a_bundle_refuses_reports_until_one_is_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let (root, config, state) = state_without_bundle(dir.path()).await;

    let (status, headers, body) = call(
        &state,
        Request::post("/v1/reports").body(Body::from("x")).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8(body).unwrap().contains("no_key_bundle"));
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");

    let signed = bundle(1, &root);
    let (status, _, _) = call(
        &state,
        Request::put("/v1/keys")
            .body(Body::from(signed.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, served) = call(
        &state,
        Request::get("/v1/keys").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (status, served),
        (StatusCode::OK, signed.clone()),
        "the bundle is served byte for byte"
    );

    // Same version again, and a bundle from another root: refused, nothing changes.
    let (status, _, _) = call(
        &state,
        Request::put("/v1/keys")
            .body(Body::from(signed.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
    let (status, _, body) = call(
        &state,
        Request::put("/v1/keys")
            .body(Body::from(bundle(2, &stranger)))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8(body).unwrap().contains("bad_signature"));

    // The bundle survives a restart of the state (it is in the database).
    drop(state);
    let state = open_state(&config).await.unwrap();
    assert_eq!(state.current_bundle().unwrap().bundle.version, 1);
}

#[tokio::test]
async fn fail_a_bad_config_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let message = open_state(&config).await.err().unwrap();
    assert!(message.contains("no root key"), "{message}");
    let config = Config {
        root_key: Some("not base64!".into()),
        ..config
    };
    assert!(open_state(&config)
        .await
        .err()
        .unwrap()
        .contains("root key"));
}

/// The routes of `API_ROUTES` (the list the router is built from), of
/// `docs/openapi.yaml` and of `docs/PROTOCOL.md` §6.2 are the same, and each one reaches
/// a handler of the real router (not the fallback of unknown paths or methods).
#[tokio::test]
async fn the_router_the_openapi_document_and_the_protocol_list_the_same_routes() {
    use std::collections::BTreeSet;
    let listed: BTreeSet<(String, String)> = jasmine_server::API_ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(
        listed.len(),
        jasmine_server::API_ROUTES.len(),
        "a route listed twice"
    );

    let document: serde_json::Value =
        serde_json::from_str(jasmine_server::routes::public::OPENAPI_JSON).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert_eq!(
        documented, listed,
        "docs/openapi.yaml and API_ROUTES differ"
    );

    let protocol = include_str!("../../docs/PROTOCOL.md");
    let table = protocol
        .split("### 6.2 Endpoints")
        .nth(1)
        .and_then(|rest| rest.split("### 6.3").next())
        .expect("PROTOCOL.md §6.2");
    let in_protocol: BTreeSet<(String, String)> = table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let path = cells.get(2)?.strip_prefix("`/v1")?.strip_suffix('`')?;
            Some((cells[1].to_string(), format!("/v1{path}")))
        })
        .collect();
    assert_eq!(
        in_protocol, listed,
        "PROTOCOL.md §6.2 and API_ROUTES differ"
    );

    // The enums of the document are client-lib's.
    let schemas = &document["components"]["schemas"];
    let names = |schema: &serde_json::Value| -> Vec<String> {
        schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let categories: Vec<String> = jasmine_client::report::Category::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(names(&schemas["Category"]), categories);
    let severities: Vec<String> = jasmine_client::report::Severity::ALL
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    assert_eq!(names(&schemas["Severity"]), severities);
    // ... and so are the alternatives of the feed's query filters.
    let filter = |name: &str| -> Vec<String> {
        let parameters = document["paths"]["/v1/alerts"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let pattern = parameters.iter().find(|p| p["name"] == name).unwrap()["schema"]["pattern"]
            .as_str()
            .unwrap();
        let inner = &pattern[pattern.find('(').unwrap() + 1..pattern.rfind(")?").unwrap()];
        inner.split('|').map(String::from).collect()
    };
    assert_eq!(filter("category"), categories);
    assert_eq!(filter("severity"), severities);

    // Every route reaches its handler.
    let dir = tempfile::tempdir().unwrap();
    let (_, _, state) = state_without_bundle(dir.path()).await;
    for (method, path) in jasmine_server::API_ROUTES {
        let uri = path.replace("{id}", &"0".repeat(32));
        let request = Request::builder()
            .method(*method)
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let (status, _, body) = call(&state, request).await;
        let body = String::from_utf8_lossy(&body);
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED
                && !body.contains(jasmine_server::error::NO_SUCH_PATH),
            "{method} {path}: {status} {body}"
        );
    }
    let (status, headers, body) = call(
        &state,
        Request::get("/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        document
    );
}

/// The router the onion service serves has no `/metrics`: the operator's metrics are
/// merged into the loopback listener's router only (`jasmine-server`'s main).
#[tokio::test]
async fn the_metrics_are_not_on_the_router_the_onion_service_serves() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, state) = state_without_bundle(dir.path()).await;
    let request = Request::get("/metrics").body(Body::empty()).unwrap();
    let (status, _, _) = call(&state, request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let loopback = app(state.clone()).merge(jasmine_server::routes::operator::router(state));
    let response = loopback
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
