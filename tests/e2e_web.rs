//! The web site over real HTTP on loopback with the real binaries: every page in every
//! language, the report form without JavaScript (the server encrypts; the moderator
//! tool decrypts), the page script's own encryption (run by node, same code), the
//! alerts pages in French and Arabic, and the feeds read by a real feed parser, with
//! ETag and 304.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::{HeaderMap, Method, StatusCode};
use jasmine_client::client::JasmineClient;
use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
use jasmine_tests::{ok, org_and_server, Org, Server};

const LANGUAGES: [&str; 10] = ["fr", "en", "es", "pt", "ro", "bg", "ru", "uk", "zh", "ar"];

async fn get(
    url: &str,
    path: &str,
    headers: &[(http::HeaderName, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut request = ApiRequest::new(Method::GET, path);
    for (name, value) in headers {
        request.headers.push((name.clone(), value.to_string()));
    }
    let response = DirectHttp::new(url).unwrap().send(request).await.unwrap();
    (
        response.status,
        response.headers,
        String::from_utf8_lossy(&response.body).into_owned(),
    )
}

/// Posts a form as a browser does: with the token of the form it came from (fetched
/// from the page at `path` when `body` has none).
async fn post_form(url: &str, path: &str, body: String) -> (StatusCode, String) {
    let body = if body.contains("once=") {
        body
    } else {
        format!("{body}&once={}", jasmine_tests::form_token(url, path).await)
    };
    let request =
        ApiRequest::new(Method::POST, path).with_body("application/x-www-form-urlencoded", body);
    let response = DirectHttp::new(url).unwrap().send(request).await.unwrap();
    (
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    )
}

fn assert_no_external_resources(page: &str, what: &str) {
    // Nothing is loaded from elsewhere: no external src, stylesheet, font or import.
    // Plain links to other sites (the quick exit, sources of the information pages)
    // are not loaded and are allowed.
    for attribute in ["src=\"http", "src=\"//", "url(", "@import"] {
        assert!(
            !page.contains(attribute),
            "{what} loads something from elsewhere ({attribute})"
        );
    }
    for tag in page.split("<link").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        assert!(
            !tag.contains("href=\"http") && !tag.contains("href=\"//"),
            "{what} links a resource from elsewhere: <link{tag}>"
        );
    }
    assert!(
        !page.contains("<script>") && !page.contains(" onclick="),
        "{what} has inline script"
    );
}

fn show_json(org: &Org, who: &str, server: &Server) -> serde_json::Value {
    let inbox = format!("inbox-{who}");
    let api_key = format!("{who}.api.key");
    org.pull(&server.url, &api_key, &inbox, &[]);
    let listing = ok("jasmine-keys", &org.dir, &["list", "--inbox", &inbox]);
    let id = listing.split_whitespace().next().unwrap().to_string();
    let key = format!("{who}.offline.age");
    serde_json::from_str(&ok(
        "jasmine-keys",
        &org.dir,
        &["show", &id, "--inbox", &inbox, "--key", &key, "--json"],
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_every_language_is_served_with_the_site_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let (_org, server) = org_and_server(tmp.path(), &["alice"]);
    let mut weights = BTreeMap::new();
    let health = format!("/i/{}", jasmine_tests::page_code("health"));
    // Words that would tell, in the browser's history of visited addresses, what she did
    // or read: no address the pages lead to holds one.
    let telling = [
        "report", "repl", "alert", "help", "info", "question", "director", "sexual", "assault",
        "violen", "harass", "health", "safety", "condom", "rape", "track",
    ];
    for lang in LANGUAGES {
        for page in [
            "/",
            "/r",
            "/a",
            "/h",
            "/m",
            "/i",
            health.as_str(),
            "/d",
            "/q",
        ] {
            let path = format!("/{lang}{page}");
            let (status, headers, body) = get(&server.url, &path, &[]).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let dir = if lang == "ar" { "rtl" } else { "ltr" };
            assert!(
                body.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\"")),
                "{path}"
            );
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("default-src 'none'")
                    && csp.contains("script-src 'self'")
                    && !csp.contains("unsafe"),
                "{path}: {csp}"
            );
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
            assert!(headers.get("set-cookie").is_none(), "{path} sets a cookie");
            assert!(
                body.contains("id=\"quick-exit\""),
                "{path} has no quick exit"
            );
            assert!(
                body.contains(&format!("href=\"/{lang}/h\"")),
                "{path} has no help link"
            );
            assert!(
                body.contains("<title>Jasmine</title>"),
                "{path}: one neutral title"
            );
            for attribute in ["href=\"/", "action=\"/"] {
                for target in body.split(attribute).skip(1) {
                    let target = &target[..target.find('"').unwrap()];
                    if target.starts_with("static/") || target.starts_with("alerts.") {
                        continue; // the page's own files and the feeds: never visited as pages
                    }
                    assert!(
                        !telling.iter().any(|w| target.to_lowercase().contains(w)),
                        "{path} leads to /{target}"
                    );
                }
            }
            for other in LANGUAGES {
                assert!(
                    body.contains(&format!("href=\"/{other}{page}\"")),
                    "{path} does not link to {other}"
                );
            }
            assert_no_external_resources(&body, &path);
            weights.insert(path, body.len());
        }
    }
    // The information pages: a table of contents, the date, the sources; search on the
    // server in the page's language; an unknown page is a 404.
    let (_, _, health_page) = get(&server.url, &format!("/ar{health}"), &[]).await;
    assert!(
        health_page.contains("class=\"toc\"")
            && health_page.contains("href=\"#s1\"")
            && health_page.contains("<h2 id=\"s1\">")
    );
    assert!(
        health_page.contains("class=\"sources\"") && !health_page.contains("id=\"not-translated\"")
    );
    let (_, found) = post_form(&server.url, "/fr/i", "q=cegidd&once=-".into()).await;
    assert!(
        found.contains("id=\"results\"") && found.contains(&format!("href=\"/fr{health}\"")),
        "{found}"
    );
    let (_, none) = post_form(&server.url, "/fr/i", "q=zzqqxx&once=-".into()).await;
    assert!(none.contains("Aucune page ne contient ces mots."));
    assert_eq!(
        get(&server.url, "/fr/info/nowhere", &[]).await.0,
        StatusCode::NOT_FOUND
    );

    // Unreviewed translations say so and link to the French page.
    assert!(
        health_page.contains("id=\"translation-notice\"")
            && health_page.contains(&format!("href=\"/fr{health}\""))
    );
    let (_, _, french_health) = get(&server.url, "/fr/info/health", &[]).await;
    assert!(!french_health.contains("id=\"translation-notice\""));

    // The directory: filtered on the server; an unknown filter value is a 400 that names it.
    let (status, _, paris) = get(&server.url, "/en/directory?city=Paris&kind=health", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(paris.contains("data-city=\"Paris\"") && !paris.contains("data-city=\"Lyon\""));
    assert!(
        !paris.contains("data-kind=\"legal\""),
        "only health services"
    );
    assert!(paris.contains("href=\"tel:"), "phone numbers are links");
    let (status, _, bad) = get(&server.url, "/fr/directory?kind=spaceship", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        bad.contains("spaceship") && bad.contains("role=\"alert\""),
        "{bad}"
    );
    assert_eq!(
        get(&server.url, "/xx/directory", &[]).await.0,
        StatusCode::NOT_FOUND
    );

    // The questionnaire without JavaScript: the summary is made in the request, in
    // French then in the visitor's language, and never kept by the browser.
    let filled = format!(
        "when=lt24&what=robbery&what=sexual&allergies-detail=%D0%BF%D0%B5%D0%BD%D0%B8%D1%86%D0%B8%D0%BB%D0%BB%D0%B8%D0%BD&once={}",
        jasmine_tests::form_token(&server.url, "/ru/questionnaire").await
    );
    let request = ApiRequest::new(Method::POST, "/ru/questionnaire")
        .with_body("application/x-www-form-urlencoded", filled.clone());
    let response = DirectHttp::new(&server.url)
        .unwrap()
        .send(request)
        .await
        .unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["cache-control"], "no-store");
    let summary = String::from_utf8_lossy(&response.body);
    let french_part = &summary
        [summary.find("id=\"summary-fr\"").unwrap()..summary.find("id=\"summary-ru\"").unwrap()];
    for expected in [
        "Il y a moins de 24 heures",
        "Agression sexuelle ou viol",
        "Vol ou vol avec arme",
        "пенициллин",
        "en russe",
        "(Paris)",
    ] {
        assert!(
            french_part.contains(expected),
            "{expected} not in the French summary"
        );
    }
    // What she did not answer is left out.
    assert!(!french_part.contains("Pas de réponse"), "{french_part}");
    // Back or reload posts it again: nothing of it is shown a second time.
    let (status, again) = post_form(&server.url, "/ru/questionnaire", filled).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the form again, with a message"
    );
    assert!(
        !again.contains("пенициллин") && !again.contains("id=\"summary-fr\""),
        "{again}"
    );
    assert!(again.contains("id=\"questionnaire\""), "{again}");
    let (status, refused) = post_form(
        &server.url,
        "/fr/questionnaire",
        "when=lt24&when=gt72".into(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused.contains("takes one answer") && refused.contains("id=\"questionnaire\""),
        "{refused}"
    );
    let (status, refused) = post_form(
        &server.url,
        "/fr/questionnaire",
        format!("notes={}", "x".repeat(501)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("longer than 500"));

    // Each language is its own: the English form is not the French one.
    let (_, _, english) = get(&server.url, "/en/report", &[]).await;
    let (_, _, french) = get(&server.url, "/fr/report", &[]).await;
    assert!(
        french.contains("Envoyer le signalement") && !english.contains("Envoyer le signalement")
    );
    let (status, headers, _) = get(
        &server.url,
        "/",
        &[(http::header::ACCEPT_LANGUAGE, "uk-UA,uk;q=0.9,ru;q=0.8")],
    )
    .await;
    assert_eq!(
        (status, headers["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/uk/")
    );
    let (status, headers, _) = get(&server.url, "/", &[]).await;
    assert_eq!(
        (status, headers["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/fr/")
    );
    assert_eq!(get(&server.url, "/de/", &[]).await.0, StatusCode::NOT_FOUND);
    let (_, _, css) = get(&server.url, "/static/style.css", &[]).await;
    assert_no_external_resources(&css, "style.css");
    let (_, _, exit) = get(&server.url, "/static/exit.js", &[]).await;
    assert!(exit.contains("location.replace"));
    let heaviest = weights.values().max().unwrap();
    eprintln!(
        "page weights in bytes (stylesheet {} more): {weights:?}",
        css.len()
    );
    assert!(*heaviest < 20_000, "a page weighs {heaviest} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_without_javascript_is_encrypted_by_the_server_and_read_by_the_moderator() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let marker = "NO-JS-FORM-MARKER";
    let form = format!(
        "date=2026-11-21&precision=week&part_of_day=night&country=FR&region=69&city=Lyon&setting=car\
         &category=armed_robbery&category=physical_violence&severity=very_dangerous&description=Deux+hommes\
         &phones=07+11+22+33+44&handles=&vehicle=Clio+grise&plates=GH-456-JK&narrative={marker}+ils+m%27ont+menac%C3%A9e\
         &follow_up=contact&contact=signal+lola.42&consent=yes"
    );
    let (status, page) = post_form(&server.url, "/ro/report", form).await;
    assert_eq!(status, StatusCode::CREATED, "{page}");
    assert!(
        page.contains("data-path=\"server\""),
        "the page must say which path was used"
    );
    assert_eq!(server.stored_reports(), 1);
    for file in ["jasmine.sqlite3", "jasmine.sqlite3-wal"] {
        let bytes = std::fs::read(server.data_dir.join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "plaintext in {file}"
        );
    }
    // A mistake is shown on the form, and nothing is stored.
    let (status, page) = post_form(
        &server.url,
        "/fr/report",
        "date=2026-11-21&precision=day&setting=car&severity=risky".into(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("class=\"error\" role=\"alert\"") && page.contains("category"),
        "{page}"
    );
    assert_eq!(server.stored_reports(), 1);

    let report = show_json(&org, "alice", &server);
    assert_eq!(report["language"], "ro");
    assert_eq!(report["narrative"], format!("{marker} ils m'ont menacée"));
    assert_eq!(
        report["categories"],
        serde_json::json!(["armed_robbery", "physical_violence"])
    );
    assert_eq!(
        report["aggressor"]["plates"],
        serde_json::json!(["GH-456-JK"])
    );
    assert_eq!(
        report["follow_up"],
        serde_json::json!({"kind": "contact", "details": "signal lola.42"})
    );
    assert_eq!(report["when"]["precision"], "week");
}

fn codename_in(page: &str) -> String {
    let start = page
        .find("id=\"codename-value\">")
        .expect("the codename is shown")
        + "id=\"codename-value\">".len();
    page[start..start + 29].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_codename_without_javascript_reads_and_answers_in_server_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let form = "date=2026-11-21&precision=day&setting=car&category=threats&severity=risky\
                &narrative=NOJS-REPORT-MARKER&follow_up=codename";
    let form = format!(
        "{form}&once={}",
        jasmine_tests::form_token(&url, "/es/report").await
    );
    let (status, page) = post_form(&url, "/es/report", form.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{page}");
    let codename = codename_in(&page);
    // Back or reload posts it again: not stored twice, no codename shown.
    let (status, again) = post_form(&url, "/es/report", form).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert!(!again.contains(&codename), "{again}");
    let stored: i64 = server
        .database()
        .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 1);
    assert!(
        jasmine_client::codename::Codename::parse(&codename).is_ok(),
        "{codename}"
    );
    assert!(page.contains("href=\"/es/m\""), "{page}");

    // Nothing yet; a mistyped codename is refused with what to do.
    let read = |codename: String| {
        let url = url.clone();
        async move {
            post_form(
                &url,
                "/es/replies",
                format!("codename={codename}&action=read"),
            )
            .await
        }
    };
    let (status, empty) = read(codename.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains("id=\"replies-empty\""), "{empty}");
    let mut groups: Vec<&str> = codename.split('-').collect();
    groups.swap(0, 5);
    let (status, refused) = read(groups.join("-")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("class=\"error\""), "{refused}");

    // The moderator replies; the page shows the verified reply.
    show_json(&org, "alice", &server);
    let listing = ok(
        "jasmine-keys",
        &org.dir,
        &["list", "--inbox", "inbox-alice"],
    );
    let id = listing.split_whitespace().next().unwrap();
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "reply",
            id,
            "--inbox",
            "inbox-alice",
            "--key",
            "alice.offline.age",
            "--bundle",
            "bundle-1.json",
            "--root-key",
            "root.pub",
            "--text",
            "NOJS-REPLY-MARKER <b>hola</b>",
            "--api-key",
            "alice.api.key",
            "--server",
            &url,
        ],
    );
    let (_, conversation) = read(codename.to_lowercase().replace('-', "+")).await;
    assert!(
        conversation.contains("NOJS-REPLY-MARKER") && !conversation.contains("<b>hola"),
        "the reply is shown, escaped: {conversation}"
    );
    assert!(
        conversation.contains("class=\"message from-moderator\"")
            && conversation.contains("firma comprobada"),
        "a verified reply from the association: {conversation}"
    );
    assert!(conversation.contains("data-path=\"server\""));

    // She answers from the page; the moderator reads the answer.
    let answer = format!(
        "codename={codename}&action=answer&message=NOJS-ANSWER-MARKER+gracias&once={}",
        jasmine_tests::form_token(&url, "/es/replies").await
    );
    let (status, answered) = post_form(&url, "/es/replies", answer.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{answered}");
    assert!(
        answered.contains("NOJS-ANSWER-MARKER gracias"),
        "{answered}"
    );
    // Back or reload posts the same form again: nothing is sent again, and nothing of
    // the conversation is shown; she is asked for her codename.
    let (status, again) = post_form(&url, "/es/replies", answer).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert!(
        !again.contains("NOJS-ANSWER-MARKER")
            && !again.contains("NOJS-REPLY-MARKER")
            && !again.contains(&codename),
        "{again}"
    );
    org.pull(&url, "alice.api.key", "inbox-alice", &[]);
    let shown = ok(
        "jasmine-keys",
        &org.dir,
        &[
            "show",
            id,
            "--inbox",
            "inbox-alice",
            "--key",
            "alice.offline.age",
        ],
    );
    assert_eq!(
        shown.matches("NOJS-ANSWER-MARKER gracias").count(),
        1,
        "sent once: {shown}"
    );

    // The server's files hold neither the texts nor the codename.
    for file in ["jasmine.sqlite3", "jasmine.sqlite3-wal"] {
        let bytes = std::fs::read(server.data_dir.join(file)).unwrap_or_default();
        for needle in [
            "NOJS-REPORT-MARKER",
            "NOJS-REPLY-MARKER",
            "NOJS-ANSWER-MARKER",
            &codename,
            &codename.replace('-', ""),
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in {file}"
            );
        }
    }
    // She deletes the conversation.
    let (status, deleted) = post_form(
        &url,
        "/es/replies",
        format!("codename={codename}&action=delete"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    let (_, after) = read(codename.clone()).await;
    assert!(after.contains("id=\"replies-empty\""), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_alerts_show_in_french_and_arabic_and_in_the_feeds() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    org.send_example_report(&tmp.path().join("reporter"), &server.url);
    let (_, signed) = org.publish_first_report("alice", &server.url, &[]);
    let alert_id = signed["alert"]["id"].as_str().unwrap().to_string();

    let (status, _, french) = get(&server.url, "/fr/alerts", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        french.contains("Préservatif retiré sans accord") && french.contains("sans payer"),
        "{french}"
    );
    let (_, _, arabic) = get(&server.url, "/ar/alerts", &[]).await;
    assert!(arabic.contains("dir=\"rtl\"") && arabic.contains(&format!("/ar/a/{alert_id}")));
    assert!(
        arabic.contains("lang=\"fr\" dir=\"auto\""),
        "the French summary keeps its language inside the Arabic page"
    );
    let (status, _, detail) = get(&server.url, &format!("/ar/alerts/{alert_id}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("06 12 34 56 78"));
    // Its summary once (no translation into Arabic: the French one, not twice), and its
    // dates as Arabic pages write them, kept left to right.
    let summary = signed["alert"]["summary"]["text"].as_str().unwrap();
    assert_eq!(unescape(&detail).matches(summary).count(), 1, "{detail}");
    let published = jasmine_client::Day::parse(signed["alert"]["published"].as_str().unwrap())
        .unwrap()
        .date();
    let arabic_day = format!(
        "\u{2066}{:02}/{:02}/{}\u{2069}",
        published.day(),
        u8::from(published.month()),
        published.year()
    );
    assert!(detail.contains(&arabic_day), "{detail}");
    // Filters.
    let (_, _, none) = get(&server.url, "/fr/alerts?category=rape", &[]).await;
    assert!(!none.contains(&alert_id));
    let (_, _, some) = get(
        &server.url,
        "/fr/alerts?region=13&category=condom_removal&severity=dangerous",
        &[],
    )
    .await;
    assert!(some.contains(&alert_id));
    // A place by number, name (however written) or city; the page says what it
    // searched, and that no alert is not safety.
    for (typed, understood) in [
        ("13", "Bouches-du-Rhône (13)"),
        ("bouches+du+rhone", "Bouches-du-Rhône (13)"),
        (
            "Marseille",
            "Marseille et son département, Bouches-du-Rhône (13)",
        ),
    ] {
        let (_, _, found) = get(&server.url, &format!("/fr/alerts?place={typed}"), &[]).await;
        assert!(found.contains(&alert_id), "{typed}");
        assert!(
            unescape(&found).contains(&format!("Alertes pour : {understood}")),
            "{typed}: {found}"
        );
    }
    let (_, _, elsewhere) = get(&server.url, "/fr/alerts?place=Paris", &[]).await;
    assert!(!elsewhere.contains(&alert_id));
    assert!(
        unescape(&elsewhere).contains("ne veut pas dire qu'il n'y a pas de danger"),
        "{elsewhere}"
    );

    // The feeds parse with a real feed parser and carry the alert (JSON Feed: signed).
    let (status, headers, atom) = get(&server.url, "/alerts.atom?lang=en", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let feed = feed_rs::parser::parse(atom.as_bytes()).expect("Atom parses");
    assert_eq!(feed.entries.len(), 1);
    assert!(
        feed.entries[0]
            .title
            .as_ref()
            .unwrap()
            .content
            .contains("Dangerous"),
        "{atom}"
    );
    let etag = headers["etag"].to_str().unwrap().to_string();
    let (status, _, _) = get(
        &server.url,
        "/alerts.atom?lang=en",
        &[(http::header::IF_NONE_MATCH, &etag)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let last_modified = headers["last-modified"].to_str().unwrap().to_string();
    let (status, _, _) = get(
        &server.url,
        "/alerts.atom?lang=en",
        &[(http::header::IF_MODIFIED_SINCE, &last_modified)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    let (status, _, json) = get(&server.url, "/alerts.json", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let feed = feed_rs::parser::parse(json.as_bytes()).expect("JSON Feed parses");
    assert_eq!(feed.entries.len(), 1);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["version"], "https://jsonfeed.org/version/1.1");
    let bundle = jasmine_client::bundle::verify_bundle_signature(
        &std::fs::read(org.dir.join("bundle-1.json")).unwrap(),
        &jasmine_client::keys::PublicKey::from_base64(
            std::fs::read_to_string(org.dir.join("root.pub"))
                .unwrap()
                .trim(),
        )
        .unwrap(),
    )
    .unwrap();
    let verified = jasmine_client::alert::verify_alert_value(
        value["items"][0]["_jasmine"]["signed"].clone(),
        &bundle,
    )
    .unwrap();
    assert_eq!(verified.id, alert_id);
    let (_, _, filtered) = get(&server.url, "/alerts.json?category=rape", &[]).await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&filtered).unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        get(&server.url, "/alerts.atom?category=murder", &[])
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

fn web_js() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/web-js")
}

#[test]
fn the_committed_page_script_is_what_the_lockfile_builds() {
    // The page script, its Web Worker (the puzzle, the codename's Argon2id), and the
    // check page's script.
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(web_js().join("package.json")).unwrap()).unwrap();
    let build = package["scripts"]["build"].as_str().unwrap();
    for (source, bundle) in [
        ("src/page.js", "jasmine.js"),
        ("src/worker.js", "worker.js"),
        ("src/check-page.js", "check.js"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let built = out.path().join(bundle);
        let status = std::process::Command::new("node_modules/.bin/esbuild")
            .current_dir(web_js())
            .args([
                source,
                "--bundle",
                "--format=iife",
                "--target=es2020",
                "--minify",
                "--legal-comments=none",
            ])
            .arg(format!("--outfile={}", built.display()))
            .output()
            .expect("run `npm ci` in server/web-js first (make test does)");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let committed = std::fs::read(web_js().join("../static").join(bundle)).unwrap();
        assert!(
            std::fs::read(&built).unwrap() == committed,
            "server/static/{bundle} differs from what server/web-js builds: run `make js` and commit"
        );
        assert!(
            build.contains(&format!(
                "{source} --bundle --format=iife --target=es2020 --minify --legal-comments=none --outfile=../static/{bundle}"
            )),
            "the test builds {source} with the same options as `npm run build`: {build}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_script_encrypts_what_the_moderator_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice", "bob"]);
    // The page embeds the pinned root key for its script.
    let (_, _, form) = get(&server.url, "/en/report", &[]).await;
    let root = std::fs::read_to_string(org.dir.join("root.pub"))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        form.contains(&format!("data-root-key=\"{root}\""))
            && form.contains("src=\"/static/jasmine.js\"")
    );
    // The same code as the page (seal.js) verifies the served bundle and encrypts.
    let (_, _, bundle) = get(&server.url, "/v1/keys", &[]).await;
    std::fs::write(tmp.path().join("served-bundle.json"), bundle).unwrap();
    let fields = serde_json::json!({
        "date": "2026-11-22", "precision": "day", "setting": "hotel", "severity": "dangerous",
        "category": ["condom_removal", "theft_or_non_payment"], "phones": "06 01 02 03 04, 07 05",
        "narrative": "JS-PATH-MARKER il est parti sans payer", "follow_up": "none", "consent": "yes",
        "region": "75", "city": "Paris"
    });
    let out = std::process::Command::new("node")
        .current_dir(web_js())
        .arg("src/seal-cli.mjs")
        .arg(tmp.path().join("served-bundle.json"))
        .arg(&root)
        .arg(fields.to_string())
        .arg("zh")
        .output()
        .expect("node must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use base64::Engine as _;
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(&out.stdout)
        .unwrap();
    let size = ciphertext.len();
    let request = ApiRequest::new(Method::POST, "/v1/reports")
        .with_body("application/octet-stream", ciphertext);
    // Posted with its admission puzzle solved, as the page and client-lib do (§6.9).
    let response = JasmineClient::new(DirectHttp::new(&server.url).unwrap())
        .send_with_puzzle(jasmine_client::puzzle::Purpose::Report, size, request)
        .await
        .unwrap();
    assert_eq!(
        response.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let (status, _, sent) = get(&server.url, "/zh/report/sent?on=2026-11-29", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sent.contains("data-path=\"browser\""));

    let report = show_json(&org, "bob", &server);
    assert_eq!(report["language"], "zh");
    assert_eq!(
        report["narrative"],
        "JS-PATH-MARKER il est parti sans payer"
    );
    assert_eq!(
        report["aggressor"]["phones"],
        serde_json::json!(["06 01 02 03 04", "07 05"])
    );
    assert_eq!(
        report["place"],
        serde_json::json!({"country": "FR", "region": "75", "city": "Paris", "setting": "hotel"})
    );

    // A bundle signed by another root is refused by the page's code.
    let stranger =
        jasmine_client::keys::PublicKey::from(&ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
            .to_base64();
    let out = std::process::Command::new("node")
        .current_dir(web_js())
        .arg("src/seal-cli.mjs")
        .arg(tmp.path().join("served-bundle.json"))
        .arg(&stranger)
        .arg(fields.to_string())
        .arg("fr")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signature does not verify"));
}

fn node_codename(args: &[&str]) -> std::process::Output {
    std::process::Command::new("node")
        .current_dir(web_js())
        .arg("src/codename-cli.mjs")
        .args(args)
        .output()
        .expect("node must be installed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_script_derives_reads_and_answers_as_the_protocol_says() {
    // The same derivation as client-lib, on the committed vectors.
    let vectors: serde_json::Value = serde_json::from_slice(
        &std::fs::read(jasmine_tests::vectors_dir().join("codenames.json")).unwrap(),
    )
    .unwrap();
    for v in vectors["valid"].as_array().unwrap() {
        let out = node_codename(&["derive", v["codename"].as_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let derived: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for field in ["identity", "recipient", "mailbox", "data", "answer_key"] {
            assert_eq!(derived[field], v[field], "{field} of {}", v["codename"]);
        }
    }
    // Her answer, signed with the key of her codename, byte for byte as client-lib
    // signs it; with images too (the signature covers their entries).
    for name in ["signed_answer", "signed_answer_with_images"] {
        let example = &vectors[name];
        let out = node_codename(&[
            "sign-answer",
            vectors["valid"][0]["codename"].as_str().unwrap(),
            &example["answer"].to_string(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let signed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(signed, example["signed"], "{name}");
    }
    for refused in vectors["refused"].as_array().unwrap() {
        let out = node_codename(&["parse", refused["typed"].as_str().unwrap()]);
        assert!(!out.status.success(), "the page accepted {refused}");
    }
    for typed in vectors["read_as_the_first"].as_array().unwrap() {
        let out = node_codename(&["parse", typed.as_str().unwrap()]);
        assert_eq!(
            out.stdout,
            vectors["valid"][0]["data"].as_str().unwrap().as_bytes()
        );
    }
    let generated = node_codename(&["generate"]);
    let generated = String::from_utf8(generated.stdout).unwrap();
    jasmine_client::codename::Codename::parse(&generated).unwrap();

    // A report with a codename from the CLI; the moderator replies; the page's code
    // reads the signed reply and answers; the moderator reads the answer.
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice", "bob"]);
    let url = server.url.clone();
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/report.json");
    std::fs::copy(example, org.dir.join("report.json")).unwrap();
    let receipt: serde_json::Value = serde_json::from_str(&ok(
        "jasmine",
        &org.dir,
        &[
            "report",
            "--server",
            &url,
            "--root-key-file",
            "root.pub",
            "--file",
            "report.json",
            "--codename",
            "--json",
        ],
    ))
    .unwrap();
    let codename = receipt["codename"].as_str().unwrap().to_string();
    show_json(&org, "alice", &server);
    let listing = ok(
        "jasmine-keys",
        &org.dir,
        &["list", "--inbox", "inbox-alice"],
    );
    let id = listing.split_whitespace().next().unwrap();
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "reply",
            id,
            "--inbox",
            "inbox-alice",
            "--key",
            "alice.offline.age",
            "--bundle",
            "bundle-1.json",
            "--root-key",
            "root.pub",
            "--text",
            "JS-READS-THIS-REPLY",
            "--api-key",
            "alice.api.key",
            "--server",
            &url,
        ],
    );
    let root = std::fs::read_to_string(org.dir.join("root.pub"))
        .unwrap()
        .trim()
        .to_string();
    let (_, _, bundle) = get(&url, "/v1/keys", &[]).await;
    std::fs::write(tmp.path().join("bundle.json"), bundle).unwrap();
    let mailbox = jasmine_client::codename::Codename::parse(&codename)
        .unwrap()
        .derive()
        .unwrap()
        .mailbox;
    let request = ApiRequest::new(Method::POST, "/v1/mailbox/read").with_body(
        "application/json",
        serde_json::json!({"mailbox": mailbox})
            .to_string()
            .into_bytes(),
    );
    let messages = DirectHttp::new(&url).unwrap().send(request).await.unwrap();
    std::fs::write(tmp.path().join("messages.json"), &messages.body).unwrap();
    let bundle_file = tmp.path().join("bundle.json").display().to_string();
    let messages_file = tmp.path().join("messages.json").display().to_string();
    let out = node_codename(&["read", &bundle_file, &root, &codename, &messages_file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let opened: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(opened[0]["text"], "JS-READS-THIS-REPLY");
    assert_eq!(opened[0]["from"], "moderator");
    assert_eq!(opened[0]["name"], "Moderator alice");

    let out = node_codename(&[
        "answer",
        &bundle_file,
        &root,
        &codename,
        "JS-WROTE-THIS-ANSWER",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sealed = String::from_utf8(out.stdout).unwrap();
    let size = base64::engine::general_purpose::STANDARD
        .decode(sealed.trim())
        .unwrap()
        .len();
    let request = ApiRequest::new(Method::POST, "/v1/mailbox/answer").with_body(
        "application/json",
        serde_json::json!({"mailbox": mailbox, "ciphertext": sealed})
            .to_string()
            .into_bytes(),
    );
    let stored = JasmineClient::new(DirectHttp::new(&url).unwrap())
        .send_with_puzzle(jasmine_client::puzzle::Purpose::Answer, size, request)
        .await
        .unwrap();
    assert_eq!(
        stored.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    for who in ["alice", "bob"] {
        let inbox = format!("inbox-{who}");
        org.pull(&url, &format!("{who}.api.key"), &inbox, &[]);
        let shown = ok(
            "jasmine-keys",
            &org.dir,
            &[
                "show",
                id,
                "--inbox",
                &inbox,
                "--key",
                &format!("{who}.offline.age"),
            ],
        );
        assert!(shown.contains("JS-WROTE-THIS-ANSWER"), "{who}: {shown}");
    }
}

fn unescape(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The (unescaped) value of the first attribute `name` in `page`.
fn attribute(page: &str, name: &str) -> Option<String> {
    let start = page.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + page[start..].find('"')?;
    Some(unescape(&page[start..end]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_breaks_a_rule_is_refused_in_the_visitors_language_with_and_without_javascript(
) {
    use jasmine_client::report::{ReportProblem, MAX_NARRATIVE_CHARS, MAX_SHORT_CHARS};
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    // The form carries, for its script, the message of every problem code.
    for lang in LANGUAGES {
        let (_, _, form) = get(&server.url, &format!("/{lang}/report"), &[]).await;
        for code in ReportProblem::CODES {
            let name = format!("data-problem-{}", code.replace('_', "-"));
            let text = attribute(&form, &name).unwrap_or_else(|| panic!("{lang}: no {name}"));
            assert!(
                !text.trim().is_empty() && !text.starts_with("problem-"),
                "{lang} {code}: {text}"
            );
        }
    }
    let (_, _, fr) = get(&server.url, "/fr/report", &[]).await;
    let contact_missing = attribute(&fr, "data-problem-contact-missing").unwrap();
    assert!(
        contact_missing.contains("comment vous joindre"),
        "{contact_missing}"
    );
    let narrative_too_long = attribute(&fr, "data-problem-narrative-too-long").unwrap();
    assert!(narrative_too_long.contains(&MAX_NARRATIVE_CHARS.to_string()));

    // Without JavaScript the server refuses the same reports, with the same message,
    // in the visitor's language, and stores nothing.
    let base = "date=2026-11-21&precision=day&setting=car&severity=risky&category=threats";
    let (status, page) = post_form(
        &server.url,
        "/fr/report",
        format!("{base}&follow_up=contact&contact=+%C2%A0%E2%80%A8+"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        unescape(&page).contains(&format!(
            "role=\"alert\">Le signalement n'a pas été envoyé : {contact_missing}</p>"
        )),
        "{page}"
    );
    // Nothing she wrote is lost to a mistake: the form comes back filled in.
    let (status, page) = post_form(
        &server.url,
        "/ar/report",
        "date=2026-11-21&precision=week&setting=car&severity=dangerous&phones=06+12+34+56+78\
         &narrative=KEEP-MY-WORDS+%D9%84%D8%A7&follow_up=contact&contact=signal+lola&consent=yes"
            .into(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let page = unescape(&page);
    for kept in [
        ">KEEP-MY-WORDS لا</textarea>",
        "name=\"phones\" value=\"06 12 34 56 78\"",
        "name=\"contact\" value=\"signal lola\"",
        "value=\"dangerous\" selected",
        "value=\"week\" selected",
        "value=\"contact\" checked",
        "value=\"yes\" checked",
        "name=\"date\" value=\"2026-11-21\"",
    ] {
        assert!(page.contains(kept), "{kept} not kept:\n{page}");
    }
    assert!(!page.contains("value=\"threats\" checked"));
    // A fresh form pre-answers nothing: no date, no danger, no precision.
    let (_, _, fresh) = get(&server.url, "/fr/report", &[]).await;
    assert!(fresh.contains("name=\"date\" value=\"\""), "no date given");
    assert!(!fresh.contains(" selected"), "no option chosen for her");
    let long = "é".repeat(MAX_NARRATIVE_CHARS + 1);
    let (status, page) = post_form(
        &server.url,
        "/fr/report",
        format!("{base}&narrative={long}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(unescape(&page).contains(&narrative_too_long), "{page}");
    // A long field is named by its label, as the page's script names it.
    let (_, _, uk) = get(&server.url, "/uk/report", &[]).await;
    let field_too_long = attribute(&uk, "data-problem-field-too-long").unwrap();
    let label_at = uk.find("<label for=\"city\">").unwrap() + "<label for=\"city\">".len();
    let label = unescape(&uk[label_at..label_at + uk[label_at..].find("</label>").unwrap()]);
    let city = "м".repeat(MAX_SHORT_CHARS + 1);
    let (status, page) = post_form(&server.url, "/uk/report", format!("{base}&city={city}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let expected = field_too_long.replace("{field}", &label);
    assert!(
        expected.contains(&label) && expected.contains(&MAX_SHORT_CHARS.to_string()),
        "{expected}"
    );
    assert!(unescape(&page).contains(&expected), "{page}");
    // A date typed where the browser has no date input.
    let (status, page) = post_form(
        &server.url,
        "/fr/report",
        base.replace("2026-11-21", "21%2F11%2F2026"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        unescape(&page).contains(&attribute(&fr, "data-problem-date-invalid").unwrap()),
        "{page}"
    );
    assert_eq!(server.stored_reports(), 0);

    // With JavaScript, the page's own code refuses to seal it: nothing to send.
    let (_, _, bundle) = get(&server.url, "/v1/keys", &[]).await;
    std::fs::write(tmp.path().join("served-bundle.json"), bundle).unwrap();
    let root = std::fs::read_to_string(org.dir.join("root.pub"))
        .unwrap()
        .trim()
        .to_string();
    let fields = serde_json::json!({
        "date": "2026-11-22", "precision": "day", "setting": "hotel", "severity": "dangerous",
        "category": ["threats"], "follow_up": "contact", "contact": "\u{85}\u{3000}"
    });
    let out = std::process::Command::new("node")
        .current_dir(web_js())
        .arg("src/seal-cli.mjs")
        .arg(tmp.path().join("served-bundle.json"))
        .arg(&root)
        .arg(fields.to_string())
        .arg("fr")
        .output()
        .expect("node must be installed");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("contact_missing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
