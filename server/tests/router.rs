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
        moderators: vec![moderator.public_entry("Alice")],
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    sign_bundle(&bundle, root).unwrap()
}

#[tokio::test]
async fn a_server_without_a_bundle_refuses_reports_until_one_is_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let config = Config {
        data_dir: dir.path().join("data"),
        root_key: Some(PublicKey::from(&root).to_base64()),
        ..Config::default()
    };
    let state = open_state(&config).await.unwrap();

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
