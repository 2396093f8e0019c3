//! Upgrade: databases as released servers left them (`tests/fixtures/database-schema-*.sql`,
//! written by `make-old-databases.py` with the schema of those releases and the protocol
//! vectors) are opened by today's server, which migrates them to the current schema
//! with nothing lost: the bundle, the report (byte for byte, with its acknowledgement,
//! still decrypting), the alert (served and verifying) and the mailbox's reply.

use std::path::Path;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::bundle::verify_bundle_signature;
use jasmine_client::keys::PublicKey;
use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
use jasmine_tests::{vectors_dir, Server};

fn fixture_database(data: &Path, schema: u32) {
    std::fs::create_dir_all(data).unwrap();
    let sql = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("fixtures/database-schema-{schema}.sql")),
    )
    .unwrap();
    let db = rusqlite::Connection::open(data.join("jasmine.sqlite3")).unwrap();
    db.execute_batch(&sql).unwrap();
    // The fixture's days moved to today, so that retention and mailbox expiry (60 and
    // 90 days) leave them be whenever the test runs.
    db.execute_batch("UPDATE reports SET received_on = date('now');")
        .unwrap();
    if schema >= 2 {
        db.execute_batch("UPDATE mailboxes SET last_active_on = date('now');")
            .unwrap();
    }
}

fn get(url: &str, request: ApiRequest) -> (http::StatusCode, Vec<u8>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let response = runtime
        .block_on(DirectHttp::new(url).unwrap().send(request))
        .unwrap();
    (response.status, response.body.to_vec())
}

#[test]
fn databases_of_earlier_schemas_migrate_with_nothing_lost() {
    let vectors = vectors_dir();
    let root_pub = vectors.join("root.pub").display().to_string();
    let root = PublicKey::from_base64(std::fs::read_to_string(&root_pub).unwrap().trim()).unwrap();
    let bundle_json = std::fs::read(vectors.join("bundle.json")).unwrap();
    let bundle = verify_bundle_signature(&bundle_json, &root).unwrap();
    let report = std::fs::read(vectors.join("report.age")).unwrap();
    let reply = std::fs::read(vectors.join("reply.age")).unwrap();
    let identity: age::x25519::Identity =
        std::fs::read_to_string(vectors.join("moderator.identity"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap()
            .parse()
            .unwrap();
    let codenames: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors.join("codenames.json")).unwrap()).unwrap();
    let mailbox = codenames["valid"][0]["mailbox"].as_str().unwrap();

    // What a new database is at today.
    let tmp = tempfile::tempdir().unwrap();
    let fresh = Server::start(&tmp.path().join("fresh"), &root_pub, None);
    let current: String = fresh
        .database()
        .query_row(
            "SELECT value FROM schema_meta WHERE key = 'version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(fresh);

    for schema in [1u32, 2] {
        let data = tmp.path().join(format!("schema-{schema}"));
        fixture_database(&data, schema);
        let server = Server::start(&data, &root_pub, None);
        let db = server.database();
        let version: String = db
            .query_row(
                "SELECT value FROM schema_meta WHERE key = 'version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, current, "schema {schema} was migrated");
        assert!(current.parse::<u32>().unwrap() > schema);

        // The bundle is still the current one, as uploaded.
        let (status, served) = get(&server.url, ApiRequest::new(http::Method::GET, "/v1/keys"));
        assert_eq!(status, http::StatusCode::OK);
        assert_eq!(served, bundle_json);

        // The report, byte for byte, with its acknowledgement, and it decrypts.
        let (stored, acks): (Vec<u8>, i64) = db
            .query_row(
                "SELECT ciphertext, (SELECT count(*) FROM report_acks WHERE report_id = id) FROM reports",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(stored, report, "schema {schema}: the report");
        assert_eq!(acks, 1, "schema {schema}: its acknowledgement");
        jasmine_client::envelope::open_report(&stored, &identity).unwrap();

        // The alert is in the feed and verifies.
        let (status, feed) = get(
            &server.url,
            ApiRequest::new(http::Method::GET, "/v1/alerts"),
        );
        assert_eq!(status, http::StatusCode::OK);
        let feed: serde_json::Value = serde_json::from_slice(&feed).unwrap();
        let alerts = feed["alerts"].as_array().unwrap();
        assert_eq!(alerts.len(), 1, "schema {schema}: {feed}");
        jasmine_client::alert::verify_alert_value(alerts[0].clone(), &bundle).unwrap();

        // The mailbox and its reply (schema 2 has mailboxes).
        let request = ApiRequest::new(http::Method::POST, "/v1/mailbox/read").with_body(
            "application/json",
            serde_json::json!({ "mailbox": mailbox }).to_string(),
        );
        let (status, read) = get(&server.url, request);
        assert_eq!(status, http::StatusCode::OK);
        let read: serde_json::Value = serde_json::from_slice(&read).unwrap();
        let messages = read["messages"].as_array().unwrap();
        if schema >= 2 {
            assert_eq!(messages.len(), 1, "schema {schema}: {read}");
            let ciphertext = STANDARD
                .decode(messages[0]["ciphertext"].as_str().unwrap())
                .unwrap();
            assert_eq!(ciphertext, reply);
        } else {
            assert!(messages.is_empty());
        }
    }
}
