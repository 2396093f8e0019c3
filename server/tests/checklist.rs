//! The check list's server side in process (`app(state)` with `oneshot`): the list's
//! `ETag`, `If-None-Match` and `Cache-Control`; what `POST /v1/mod/checklist` refuses
//! (an unpublished alert, a retracted one, a stranger's signature) and that it is
//! idempotent; a retraction takes the entries off; the desk's batch evaluation checks
//! its size and its elements, and what it answers verifies against the bundle's key;
//! `POST /v1/check` needs a puzzle, and no check runs while the bundle names another key.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt;
use jasmine_client::alert::{
    sign_alert, sign_retraction, Alert, AlertAggressor, LocalizedText, Retraction,
};
use jasmine_client::api_auth;
use jasmine_client::bundle::{sign_bundle, KeyBundle, ModeratorSecrets, ServerLimits};
use jasmine_client::checklist::{sign_entry, CheckEntry};
use jasmine_client::identifier::Kind;
use jasmine_client::keys::PublicKey;
use jasmine_client::oprf::{self, CheckPublicKey, Evaluation};
use jasmine_client::report::{Category, Severity};
use jasmine_client::Day;
use jasmine_server::{app, open_state, AppState, Config};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: serde_json::Value,
}

async fn call(state: &AppState, request: Request<Body>) -> Answer {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        json: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    }
}

/// `method path` with `body`, signed by `who`.
async fn signed(
    state: &AppState,
    method: &str,
    path: &str,
    body: &[u8],
    who: &ModeratorSecrets,
) -> Answer {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let request = api_auth::RequestToSign {
        moderator: who.id(),
        audience: "127.0.0.1",
        method,
        path_and_query: path,
        body,
    };
    let authorization =
        api_auth::authorization(who.api_key(), &request, now, &mut rand::rngs::OsRng).unwrap();
    call(
        state,
        Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .body(Body::from(body.to_vec()))
            .unwrap(),
    )
    .await
}

async fn get_list(state: &AppState, if_none_match: Option<&str>) -> Answer {
    let mut request = Request::get("/v1/checklist");
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    call(state, request.body(Body::empty()).unwrap()).await
}

fn alert(id: &str, today: Day) -> Alert {
    Alert {
        id: id.into(),
        published: today,
        signed_by: "alice".into(),
        occurred_on: today,
        occurred_precision: Default::default(),
        country: "FR".into(),
        region: "69".into(),
        city: None,
        categories: vec![Category::Threats],
        severity: Severity::Dangerous,
        summary: LocalizedText {
            language: "fr".into(),
            text: "Menaces.".into(),
        },
        translations: Vec::new(),
        aggressor: AlertAggressor::default(),
    }
}

async fn server(
    dir: &std::path::Path,
    root: &SigningKey,
    alice: &ModeratorSecrets,
    check_key: Option<CheckPublicKey>,
) -> AppState {
    let config = Config {
        data_dir: dir.join("data"),
        root_key: Some(PublicKey::from(root).to_base64()),
        ..Config::default()
    };
    let state = open_state(&config).await.unwrap();
    let today = Day::today_utc();
    let bundle = KeyBundle {
        organisation: "Check test".into(),
        version: 1,
        issued: today,
        expires: today.add_days(10),
        onion: String::new(),
        check_key: check_key.or(Some(state.check_key().public_key())),
        moderators: vec![alice.public_entry("Alice")],
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    state
        .install_bundle(sign_bundle(&bundle, root).unwrap().into(), today)
        .await
        .unwrap();
    state
}

#[tokio::test]
async fn the_list_is_signed_entries_of_standing_alerts_with_an_etag() {
    let dir = tempfile::tempdir().unwrap();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let alice = ModeratorSecrets::generate("alice", &mut rand::rngs::OsRng);
    let mallory = ModeratorSecrets::generate("alice", &mut rand::rngs::OsRng);
    let state = server(dir.path(), &root, &alice, None).await;
    let today = Day::today_utc();

    let empty = get_list(&state, None).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json, serde_json::json!({"entries": []}));
    assert_eq!(empty.headers["cache-control"], "no-store");
    let first_tag = empty.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(
        get_list(&state, Some(&first_tag)).await.status,
        StatusCode::NOT_MODIFIED
    );

    let alert_id = "ab".repeat(16);
    let output = state
        .check_key()
        .output(&oprf::check_input(Kind::Phone, "+33612345678"))
        .unwrap();
    let entry = sign_entry(
        &CheckEntry::new(&alert_id, &output, "alice"),
        alice.alert_key(),
    )
    .unwrap();
    let body = |entries: Vec<serde_json::Value>| {
        serde_json::to_vec(&serde_json::json!({"entries": entries})).unwrap()
    };
    // Before the alert is published: 404, nothing listed.
    let early = signed(
        &state,
        "POST",
        "/v1/mod/checklist",
        &body(vec![entry.clone()]),
        &alice,
    )
    .await;
    assert_eq!(early.status, StatusCode::NOT_FOUND, "{}", early.json);
    let published = signed(
        &state,
        "POST",
        "/v1/mod/alerts",
        &sign_alert(&alert(&alert_id, today), alice.alert_key()).unwrap(),
        &alice,
    )
    .await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.json);
    // A stranger's key under alice's name: 422, and nothing of the batch is listed.
    let forged = sign_entry(
        &CheckEntry::new(&alert_id, &[1; 64], "alice"),
        mallory.alert_key(),
    )
    .unwrap();
    let refused = signed(
        &state,
        "POST",
        "/v1/mod/checklist",
        &body(vec![entry.clone(), forged]),
        &alice,
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json["error"], "bad_signature");
    assert_eq!(
        get_list(&state, Some(&first_tag)).await.status,
        StatusCode::NOT_MODIFIED
    );
    let none = signed(&state, "POST", "/v1/mod/checklist", &body(vec![]), &alice).await;
    assert_eq!(
        (none.status, none.json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("too_many"))
    );
    // Listed once; the same again changes nothing.
    let listed = signed(
        &state,
        "POST",
        "/v1/mod/checklist",
        &body(vec![entry.clone()]),
        &alice,
    )
    .await;
    assert_eq!(listed.status, StatusCode::CREATED, "{}", listed.json);
    let again = signed(
        &state,
        "POST",
        "/v1/mod/checklist",
        &body(vec![entry.clone()]),
        &alice,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    let list = get_list(&state, Some(&first_tag)).await;
    assert_eq!(list.status, StatusCode::OK, "the list changed: a new ETag");
    assert_eq!(list.json["entries"], serde_json::json!([entry]));
    let second_tag = list.headers["etag"].to_str().unwrap().to_string();
    assert_ne!(second_tag, first_tag);
    assert_eq!(
        get_list(&state, Some(&second_tag)).await.status,
        StatusCode::NOT_MODIFIED
    );

    // A retraction takes the entries off; an entry of a retracted alert is refused.
    let retraction = Retraction {
        alert_id: alert_id.clone(),
        retracted_on: today,
        signed_by: "alice".into(),
        reason: String::new(),
    };
    let retracted = signed(
        &state,
        "POST",
        "/v1/mod/retractions",
        &sign_retraction(&retraction, alice.alert_key()).unwrap(),
        &alice,
    )
    .await;
    assert_eq!(retracted.status, StatusCode::CREATED);
    let after = get_list(&state, Some(&second_tag)).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.json, serde_json::json!({"entries": []}));
    let late = signed(
        &state,
        "POST",
        "/v1/mod/checklist",
        &body(vec![entry]),
        &alice,
    )
    .await;
    assert_eq!(
        (late.status, late.json["error"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
}

#[tokio::test]
async fn evaluations_check_their_input_and_verify_against_the_bundles_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let alice = ModeratorSecrets::generate("alice", &mut rand::rngs::OsRng);
    let state = server(dir.path(), &root, &alice, None).await;
    let input = oprf::check_input(Kind::Plate, "AB123CD");
    let (pending, blinded) = oprf::blind(&input, &mut rand::rngs::OsRng).unwrap();
    let batch = |elements: Vec<String>| {
        serde_json::to_vec(&serde_json::json!({"blinded": elements})).unwrap()
    };

    let answer = signed(
        &state,
        "POST",
        "/v1/mod/check/evaluate",
        &batch(vec![blinded.to_base64()]),
        &alice,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let one = &answer.json["evaluations"][0];
    let evaluation = Evaluation::from_base64(
        one["evaluated"].as_str().unwrap(),
        one["proof"].as_str().unwrap(),
    )
    .unwrap();
    let output = pending
        .finish(&evaluation, &state.check_key().public_key())
        .unwrap();
    assert_eq!(output, state.check_key().output(&input).unwrap());

    let too_many = signed(
        &state,
        "POST",
        "/v1/mod/check/evaluate",
        &batch(vec![blinded.to_base64(); 257]),
        &alice,
    )
    .await;
    assert_eq!(too_many.json["error"], "too_many");
    let not_an_element =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [0xff; 32]);
    let bad = signed(
        &state,
        "POST",
        "/v1/mod/check/evaluate",
        &batch(vec![not_an_element]),
        &alice,
    )
    .await;
    assert_eq!(
        (bad.status, bad.json["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed"))
    );
    // Anonymous checks need a puzzle.
    let anonymous = call(
        &state,
        Request::post("/v1/check")
            .header("content-type", "application/json")
            .body(Body::from(format!(
                "{{\"blinded\":\"{}\"}}",
                blinded.to_base64()
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::PRECONDITION_REQUIRED);

    // A bundle naming another key: the server does not evaluate at all.
    let other_dir = tempfile::tempdir().unwrap();
    let other = oprf::CheckKey::generate(&mut rand::rngs::OsRng).public_key();
    let state = server(other_dir.path(), &root, &alice, Some(other)).await;
    let refused = signed(
        &state,
        "POST",
        "/v1/mod/check/evaluate",
        &batch(vec![blinded.to_base64()]),
        &alice,
    )
    .await;
    assert_eq!(
        (refused.status, refused.json["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("check_unavailable"))
    );
    let page = call(&state, Request::get("/fr/c").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
}
