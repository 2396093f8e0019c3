//! Lists in process (`app(state)` with `oneshot`): the moderator lists filter by
//! recipient in the database, so that another moderator's items, more than a list
//! holds, cannot push this moderator's out of it; and an absurd page offset is refused
//! (API) or ignored (page) instead of overflowing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt;
use jasmine_client::api_auth;
use jasmine_client::bundle::{sign_bundle, KeyBundle, ModeratorSecrets, ServerLimits};
use jasmine_client::keys::PublicKey;
use jasmine_client::Day;
use jasmine_server::{app, open_state, AppState, Config};
use tower::ServiceExt;

/// More than a moderator list holds (10,000).
const MANY: u32 = 10_001;

async fn call(state: &AppState, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (
        parts.status,
        body.collect().await.unwrap().to_bytes().to_vec(),
    )
}

/// `GET path`, signed by `who`; the JSON answer.
async fn signed_get(state: &AppState, path: &str, who: &ModeratorSecrets) -> serde_json::Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let request = api_auth::RequestToSign {
        moderator: who.id(),
        audience: "127.0.0.1",
        method: "GET",
        path_and_query: path,
        body: b"",
    };
    let authorization =
        api_auth::authorization(who.api_key(), &request, now, &mut rand::rngs::OsRng).unwrap();
    let (status, body) = call(
        state,
        Request::get(path)
            .header("authorization", authorization)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

fn bundle(version: u64, root: &SigningKey, moderators: &[&ModeratorSecrets]) -> Vec<u8> {
    let today = Day::today_utc();
    let bundle = KeyBundle {
        organisation: "Listings test".into(),
        version,
        issued: today,
        expires: today.add_days(10),
        onion: String::new(),
        check_key: None,
        moderators: moderators.iter().map(|m| m.public_entry(m.id())).collect(),
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    sign_bundle(&bundle, root).unwrap()
}

async fn server(dir: &std::path::Path, root: &SigningKey) -> AppState {
    let config = Config {
        data_dir: dir.join("data"),
        root_key: Some(PublicKey::from(root).to_base64()),
        ..Config::default()
    };
    open_state(&config).await.unwrap()
}

#[tokio::test]
async fn another_moderators_items_beyond_the_list_limit_do_not_hide_mine() {
    let dir = tempfile::tempdir().unwrap();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let state = server(dir.path(), &root).await;
    let alice = ModeratorSecrets::generate("alice", &mut rand::rngs::OsRng);
    let bob = ModeratorSecrets::generate("bob", &mut rand::rngs::OsRng);
    // Bob alone under bundle 1; alice joins in bundle 2.
    let today = Day::today_utc();
    for signed in [bundle(1, &root, &[&bob]), bundle(2, &root, &[&alice, &bob])] {
        state.install_bundle(signed.into(), today).await.unwrap();
    }

    // Through the storage's own database file: more reports and mailbox messages for
    // bob alone (bundle 1) than a list holds, whose ids sort before alice's one of each.
    let mut db = rusqlite::Connection::open(state.storage().path()).unwrap();
    let tx = db.transaction().unwrap();
    let day = today.to_string();
    tx.execute(
        "INSERT INTO mailboxes (key, last_active_on) VALUES ('k', ?1)",
        [&day],
    )
    .unwrap();
    let mine = "f".repeat(32);
    let rows = (0..MANY)
        .map(|n| (format!("{n:032x}"), 1))
        .chain([(mine.clone(), 2)]);
    for (seq, (id, version)) in rows.enumerate() {
        tx.execute(
            "INSERT INTO reports (id, received_on, bundle_version, ciphertext) VALUES (?1, ?2, ?3, x'00')",
            rusqlite::params![id, day, version],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO mailbox_messages (id, mailbox_key, seq, posted_on, sender, bundle_version, ciphertext)
             VALUES (?1, 'k', ?2, ?3, 'reporter', ?4, x'00')",
            rusqlite::params![id, seq as i64, day, version],
        )
        .unwrap();
    }
    tx.commit().unwrap();

    // Alice sees hers, and only hers.
    let reports = signed_get(&state, "/v1/mod/reports", &alice).await;
    assert_eq!(ids(&reports["reports"]), vec![mine.clone()]);
    let messages = signed_get(&state, "/v1/mod/messages", &alice).await;
    assert_eq!(ids(&messages["messages"]), vec![mine.clone()]);
    // Bob, a recipient under both bundles, still gets a full list, no longer.
    let reports = signed_get(&state, "/v1/mod/reports", &bob).await;
    assert_eq!(reports["reports"].as_array().unwrap().len(), 10_000);
    let messages = signed_get(&state, "/v1/mod/messages", &bob).await;
    assert_eq!(messages["messages"].as_array().unwrap().len(), 10_000);
}

#[tokio::test]
async fn an_absurd_offset_is_refused_by_the_api_and_ignored_by_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let state = server(dir.path(), &root).await;
    let alice = ModeratorSecrets::generate("alice", &mut rand::rngs::OsRng);
    state
        .install_bundle(bundle(1, &root, &[&alice]).into(), Day::today_utc())
        .await
        .unwrap();
    // More alerts than a page shows (rows only: the pages skip what does not verify).
    let db = rusqlite::Connection::open(state.storage().path()).unwrap();
    for n in 0..60 {
        db.execute(
            "INSERT INTO alerts (id, published_on, region, severity, signed_json) VALUES (?1, '2026-11-20', '13', 'risky', '{}')",
            [format!("{n:032x}")],
        )
        .unwrap();
    }

    let near_max = u64::MAX - 5;
    for offset in [near_max, u64::MAX, 1_000_000_001] {
        let (status, body) = call(
            &state,
            Request::get(format!("/v1/alerts?offset={offset}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{offset}: {body}");
        assert!(
            body.contains("bad_query") && body.contains("offset"),
            "{body}"
        );
        // The page falls back to the first page, as for any bad filter.
        let (status, body) = call(
            &state,
            Request::get(format!("/en/alerts?offset={offset}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{offset}");
        assert!(
            String::from_utf8_lossy(&body).contains("name=\"offset\" value=\"20\""),
            "the next page follows the first"
        );
    }
    // The largest offset allowed still pages.
    let (status, body) = call(
        &state,
        Request::get("/v1/alerts?offset=1000000000&limit=500")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (status, body) = call(
        &state,
        Request::get("/v1/alerts?offset=10&limit=20")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["next_offset"], 30);
}
