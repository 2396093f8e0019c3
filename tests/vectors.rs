//! The committed protocol vectors (`tests/vectors/`): the valid ones verify and
//! decrypt, every `fail_` one is refused for the documented reason, the signed files
//! are exactly what the fixed keys produce, and the Debian `age` CLI decrypts the
//! report ciphertext with the moderator's identity.

use std::process::Command;

use jasmine_client::bundle::{verify_bundle, KeyBundle};
use jasmine_client::keys::PublicKey;
use jasmine_client::{age_shape, alert, envelope, report::Report, Day, Error};
use jasmine_tests::vectors::{self, BUNDLE_VERSION, REFERENCE_DAY};
use jasmine_tests::vectors_dir;

fn read(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(name)).unwrap_or_else(|e| panic!("vector {name}: {e}"))
}

fn today() -> Day {
    Day::parse(REFERENCE_DAY).unwrap()
}

fn root() -> PublicKey {
    PublicKey::from_base64(std::str::from_utf8(&read("root.pub")).unwrap()).unwrap()
}

fn bundle() -> KeyBundle {
    verify_bundle(&read("bundle.json"), &root(), today(), None)
        .unwrap()
        .bundle()
        .clone()
}

#[test]
fn signed_vectors_are_what_the_fixed_keys_make() {
    for (name, expected) in vectors::deterministic_files() {
        assert_eq!(
            read(name),
            expected,
            "{name} differs from the generator: run `make vectors` and review the diff"
        );
    }
}

#[test]
fn the_bundle_verifies_and_rollbacks_are_refused() {
    let verified =
        verify_bundle(&read("bundle.json"), &root(), today(), Some(BUNDLE_VERSION)).unwrap();
    assert_eq!(verified.version(), BUNDLE_VERSION);
    assert!(matches!(
        verify_bundle(
            &read("fail_bundle_rollback.json"),
            &root(),
            today(),
            Some(BUNDLE_VERSION)
        ),
        Err(Error::BundleRollback { .. })
    ));
    // The rolled-back bundle is itself well signed: only the version history refuses it.
    verify_bundle(&read("fail_bundle_rollback.json"), &root(), today(), None).unwrap();
}

#[test]
fn fail_bundles_are_refused_for_their_reason() {
    let check = |name: &str, pass: fn(&Error) -> bool| {
        let err = verify_bundle(&read(name), &root(), today(), None).expect_err(name);
        assert!(pass(&err), "{name}: unexpected error {err}");
    };
    check("fail_bundle_bad_signature.json", |e| {
        matches!(e, Error::BadSignature(_))
    });
    check("fail_bundle_wrong_domain.json", |e| {
        matches!(e, Error::BadSignature(_))
    });
    check("fail_bundle_expired.json", |e| {
        matches!(e, Error::BundleExpired { .. })
    });
    check("fail_bundle_unknown_field.json", |e| {
        matches!(e, Error::Malformed { .. })
    });
    // A member given twice (`"version"`, the second time higher) is refused, not read
    // as either value.
    check("fail_bundle_duplicate_member.json", |e| {
        matches!(e, Error::Malformed { .. })
    });
}

#[test]
fn the_report_ciphertext_decrypts_to_the_plaintext() {
    let ciphertext = read("report.age");
    let shape = age_shape::check_report_envelope(&ciphertext, 1).unwrap();
    assert_eq!(shape.bucket, 1024);
    let opened = envelope::open_report(&ciphertext, &vectors::identity()).unwrap();
    let expected: Report = serde_json::from_slice(&read("report.json")).unwrap();
    assert_eq!(opened, expected);
}

#[test]
fn fail_report_ciphertexts_are_refused() {
    for name in [
        "fail_report_truncated.age",
        "fail_report_garbled.age",
        "fail_report_unpadded.age",
    ] {
        assert!(
            envelope::open_report(&read(name), &vectors::identity()).is_err(),
            "{name} decrypted"
        );
    }
    // Truncated and unpadded ones are refused by the server without any key.
    assert!(age_shape::inspect(&read("fail_report_truncated.age")).is_err());
    assert!(age_shape::inspect(&read("fail_report_unpadded.age")).is_err());
}

#[test]
fn the_alert_and_retraction_verify_and_fail_alerts_do_not() {
    let bundle = bundle();
    assert_eq!(
        alert::verify_alert(&read("alert.json"), &bundle).unwrap(),
        vectors::alert()
    );
    assert_eq!(
        alert::verify_retraction(&read("retraction.json"), &bundle).unwrap(),
        vectors::retraction()
    );
    assert!(matches!(
        alert::verify_alert(&read("fail_alert_bad_signature.json"), &bundle),
        Err(Error::BadSignature(_))
    ));
    assert!(matches!(
        alert::verify_alert(&read("fail_alert_wrong_domain.json"), &bundle),
        Err(Error::BadSignature(_))
    ));
    assert!(matches!(
        alert::verify_alert(&read("fail_alert_unknown_signer.json"), &bundle),
        Err(Error::UnknownSigner(_))
    ));
}

#[test]
fn the_age_cli_decrypts_the_report_vector() {
    let out = Command::new("age")
        .args(["--decrypt", "--identity"])
        .arg(vectors_dir().join("moderator.identity"))
        .arg(vectors_dir().join("report.age"))
        .output()
        .expect("the Debian `age` CLI must be installed (apt-get install age; .ci/run does)");
    assert!(
        out.status.success(),
        "age failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let framed = out.stdout;
    let json = jasmine_client::padding::unpad(&framed).unwrap();
    let expected: Report = serde_json::from_slice(&read("report.json")).unwrap();
    assert_eq!(Report::from_json(json).unwrap(), expected);
}

#[test]
fn the_readme_example_report_is_a_valid_report() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/report.json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    value["format"] = 1.into();
    Report::from_json(&serde_json::to_vec(&value).unwrap()).unwrap();
}

#[test]
fn codenames_derive_as_the_vectors_say_and_mistypes_are_refused() {
    use jasmine_client::codename::Codename;
    let vectors: serde_json::Value = serde_json::from_slice(&read("codenames.json")).unwrap();
    let valid = vectors["valid"].as_array().unwrap();
    assert_eq!(valid.len(), 3);
    for v in valid {
        let keys = Codename::parse(v["codename"].as_str().unwrap())
            .unwrap()
            .derive()
            .unwrap();
        assert_eq!(keys.recipient, v["recipient"].as_str().unwrap());
        assert_eq!(keys.mailbox, v["mailbox"].as_str().unwrap());
        assert_eq!(
            jasmine_client::mailbox::mailbox_key(&keys.mailbox),
            v["mailbox_key"].as_str().unwrap()
        );
        let identity: age::x25519::Identity = v["identity"].as_str().unwrap().parse().unwrap();
        assert_eq!(identity.to_public().to_string(), keys.recipient);
        assert_eq!(
            keys.answer_public().to_base64(),
            v["answer_key"].as_str().unwrap()
        );
    }
    // The signed answer: Ed25519 is deterministic, so the signature is fixed.
    let first = Codename::parse(valid[0]["codename"].as_str().unwrap())
        .unwrap()
        .derive()
        .unwrap();
    for name in ["signed_answer", "signed_answer_with_images"] {
        let example = &vectors[name];
        let answer: jasmine_client::mailbox::Answer =
            serde_json::from_value(example["answer"].clone()).unwrap();
        assert_eq!(
            jasmine_client::mailbox::signed_answer(&answer, &first.answer_key).unwrap(),
            example["signed"],
            "{name}"
        );
    }
    let first = valid[0]["codename"].as_str().unwrap();
    for typed in vectors["read_as_the_first"].as_array().unwrap() {
        let read = Codename::parse(typed.as_str().unwrap()).unwrap();
        assert_eq!(read.display().as_str(), first, "{typed}");
    }
    for refused in vectors["refused"].as_array().unwrap() {
        assert!(
            Codename::parse(refused["typed"].as_str().unwrap()).is_err(),
            "{refused}"
        );
    }
}

#[test]
fn the_age_cli_decrypts_the_reply_vector_for_the_reporter_and_the_moderator() {
    let vectors: serde_json::Value = serde_json::from_slice(&read("codenames.json")).unwrap();
    let mailbox = vectors["valid"][0]["mailbox"].as_str().unwrap();
    for identity_file in ["codename.identity", "moderator.identity"] {
        let out = Command::new("age")
            .args(["--decrypt", "--identity"])
            .arg(vectors_dir().join(identity_file))
            .arg(vectors_dir().join("reply.age"))
            .output()
            .expect("the Debian `age` CLI must be installed");
        assert!(
            out.status.success(),
            "{identity_file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json = jasmine_client::padding::unpad(&out.stdout).unwrap();
        let value: serde_json::Value = serde_json::from_slice(json).unwrap();
        assert_eq!(value["reply"]["text"], vectors::REPLY_TEXT);
    }
    // And the library verifies the moderator's signature against the bundle.
    let identity: age::x25519::Identity = vectors["valid"][0]["identity"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let message = jasmine_client::mailbox::open_message(
        &read("reply.age"),
        &identity,
        mailbox,
        &[bundle()],
        None,
    )
    .unwrap();
    assert_eq!(message.text.as_str(), vectors::REPLY_TEXT);
    assert_eq!(
        age_shape::check_mailbox_envelope(&read("reply.age"), 1)
            .unwrap()
            .x25519_stanzas,
        2
    );
}

/// The report validation vectors (`tests/vectors/reports/cases.json`): each file and
/// the problem expected of it (`None` when valid). The folder holds exactly these files.
fn report_cases() -> Vec<(String, Option<(String, String)>)> {
    let dir = vectors_dir().join("reports");
    let index: serde_json::Value = serde_json::from_slice(&read("reports/cases.json")).unwrap();
    let cases: Vec<(String, Option<(String, String)>)> = index["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let file = case["file"].as_str().unwrap().to_string();
            let expect = case["expect"].as_object().map(|e| {
                let text = |name: &str| e[name].as_str().unwrap().to_string();
                (text("code"), text("field"))
            });
            (file, expect)
        })
        .collect();
    let mut listed: Vec<&str> = cases.iter().map(|(file, _)| file.as_str()).collect();
    listed.push("cases.json");
    listed.sort_unstable();
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    present.sort_unstable();
    assert_eq!(
        listed, present,
        "cases.json must list every file of {dir:?}"
    );
    for (file, expect) in &cases {
        match expect {
            None => assert!(file.starts_with("valid_"), "{file} is valid"),
            Some((code, _)) => {
                assert!(
                    file.starts_with(&format!("fail_{code}")),
                    "{file} must be named fail_{code}…"
                );
                assert!(
                    jasmine_client::report::ReportProblem::CODES.contains(&code.as_str()),
                    "{file}: unknown code {code}"
                );
            }
        }
    }
    cases
}

#[test]
fn report_vectors_give_client_lib_their_problem_code() {
    let cases = report_cases();
    let codes: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter_map(|(_, expect)| expect.as_ref().map(|(code, _)| code.as_str()))
        .collect();
    let untested: Vec<_> = jasmine_client::report::ReportProblem::CODES
        .iter()
        .filter(|code| !codes.contains(*code))
        .collect();
    assert!(untested.is_empty(), "no vector for {untested:?}");
    let mut wrong = Vec::new();
    for (file, expect) in &cases {
        let found = match Report::check_json(&read(&format!("reports/{file}"))) {
            Ok(report) => {
                // A valid report is also accepted the way a moderator reads it.
                report.validate().unwrap();
                None
            }
            Err(problem) => Some((problem.code().to_string(), problem.field().to_string())),
        };
        if &found != expect {
            wrong.push(format!(
                "{file}: expected {expect:?}, client-lib finds {found:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_page_script_finds_the_same_problem_as_client_lib_in_every_report_vector() {
    let cases = report_cases();
    let web_js = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/web-js");
    let out = Command::new("node")
        .current_dir(&web_js)
        .arg("src/report-rules-cli.mjs")
        .arg(vectors_dir().join("reports"))
        .output()
        .expect("node must be installed (and `npm ci` run in server/web-js)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut wrong = Vec::new();
    for (file, _) in &cases {
        let rust = match Report::check_json(&read(&format!("reports/{file}"))) {
            Ok(_) => serde_json::Value::Null,
            Err(problem) => serde_json::json!({"code": problem.code(), "field": problem.field()}),
        };
        if page[file] != rust {
            wrong.push(format!(
                "{file}: client-lib finds {rust}, the page script {}",
                page[file]
            ));
        }
    }
    assert_eq!(
        page.as_object().unwrap().len(),
        cases.len(),
        "the page script checked other files"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `tests/vectors/puzzle.json`: the admission puzzle's hash and solution rule
/// (PROTOCOL §6.9), computed by client-lib and by the page script (`puzzle.js`, run by
/// node), must both give every committed case.
#[test]
fn the_puzzle_vectors_hold_for_client_lib_and_the_page_script() {
    use jasmine_client::puzzle;
    let doc: serde_json::Value = serde_json::from_slice(&read("puzzle.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let (mut solving, mut not_solving) = (0, 0);
    for case in cases {
        let challenge = puzzle::decode_challenge(case["challenge"].as_str().unwrap()).unwrap();
        let mut nonce = [0u8; puzzle::NONCE_BYTES];
        hex::decode_to_slice(case["nonce"].as_str().unwrap(), &mut nonce).unwrap();
        let hash = case["hash"].as_str().unwrap();
        let difficulty = case["difficulty"].as_u64().unwrap() as u8;
        let solves = case["solves"].as_bool().unwrap();
        assert_eq!(
            hex::encode(puzzle::attempt_hash(&challenge, &nonce)),
            hash,
            "{case}"
        );
        assert_eq!(
            puzzle::is_solution(&challenge, &nonce, difficulty),
            solves,
            "{case}"
        );
        if solves {
            solving += 1;
        } else {
            not_solving += 1;
        }
        let out = Command::new("node")
            .current_dir(vectors_dir().join("../../server/web-js"))
            .args(["src/puzzle-cli.mjs", "hash"])
            .arg(case["challenge"].as_str().unwrap())
            .arg(case["nonce"].as_str().unwrap())
            .output()
            .expect("node must be installed (and `npm ci` run in server/web-js)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            hash,
            "page script: {case}"
        );
    }
    assert!(solving > 0 && not_solving > 0, "both outcomes are covered");
    // The refusals of the header syntax are the same on both sides' inputs.
    for bad in ["AAAA=", "AA+A", ""] {
        assert!(puzzle::decode_challenge(bad).is_err(), "{bad}");
    }
}

/// One C2SP CCTV age vector: its header fields and the age file after them.
struct CctvVector {
    name: String,
    expect: String,
    payload: Option<String>,
    identity: Option<String>,
    armored: bool,
    file: Vec<u8>,
}

fn cctv_vectors() -> Vec<CctvVector> {
    let dir = vectors_dir().join("cctv-age");
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/vectors/cctv-age") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let split = bytes
            .windows(2)
            .position(|w| w == b"\n\n")
            .unwrap_or_else(|| panic!("{name}: no blank line after the header"));
        let header = String::from_utf8(bytes[..split].to_vec()).unwrap();
        let field = |key: &str| {
            header
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                .map(str::to_string)
        };
        let mut file = bytes[split + 2..].to_vec();
        if field("compressed").as_deref() == Some("zlib") {
            let mut inflated = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::ZlibDecoder::new(&file[..]),
                &mut inflated,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            file = inflated;
        }
        all.push(CctvVector {
            expect: field("expect").unwrap_or_else(|| panic!("{name}: no expect")),
            payload: field("payload"),
            identity: field("identity"),
            armored: field("armored").as_deref() == Some("yes"),
            file,
            name,
        });
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// Every C2SP CCTV age vector (143, `tests/vectors/cctv-age/`) goes through the two
/// places where Jasmine reads an age file it did not write: the server's shape check
/// (`age_shape::inspect`, before anything is stored) and the moderator's decryption
/// (`envelope::open`, with the vector's X25519 identity, or with another when the
/// vector is for a passphrase or a post-quantum key). Neither panics on any. A binary
/// vector that age must open opens, to the payload whose SHA-256 the vector gives, and
/// its header passes the shape check, which refuses it only for its unpadded payload
/// or for a stanza type Jasmine never writes; every other vector is refused
/// by the moderator's decryption, except two that age 0.12 opens against the spec,
/// which the shape check refuses; no file that age must refuse for its header or its
/// armor passes the shape check (the server stores none).
#[test]
fn cctv_age_vectors_pass_the_moderators_decryption_and_the_servers_shape_check() {
    use sha2::{Digest, Sha256};
    use std::collections::BTreeMap;
    let vectors = cctv_vectors();
    assert_eq!(vectors.len(), 143, "the CCTV age set");
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut lenient = Vec::new();
    for v in &vectors {
        *outcomes.entry(v.expect.clone()).or_default() += 1;
        let name = &v.name;
        let shape = std::panic::catch_unwind(|| age_shape::inspect(&v.file))
            .unwrap_or_else(|_| panic!("{name}: the shape check panicked"));
        // What the server would store has a well-formed header: a file that age must
        // refuse for its header or armor never passes the shape check.
        if shape.is_ok() {
            assert!(
                !["header failure", "armor failure"].contains(&v.expect.as_str()),
                "{name} ({}) passes the shape check",
                v.expect
            );
        }
        let x25519 = v
            .identity
            .as_deref()
            .filter(|i| i.starts_with("AGE-SECRET-KEY-1"))
            .map(|i| i.parse::<age::x25519::Identity>().expect("vector identity"));
        let identity = x25519
            .clone()
            .unwrap_or_else(age::x25519::Identity::generate);
        let opened = std::panic::catch_unwind(|| envelope::open(&v.file, &identity))
            .unwrap_or_else(|_| panic!("{name}: the moderator's decryption panicked"));
        let stanza = |tag: &str| String::from_utf8_lossy(&v.file).contains(&format!("\n-> {tag} "));
        if v.armored {
            assert!(
                matches!(shape, Err(age_shape::ShapeError::NotAgeV1)),
                "{name}: {shape:?}"
            );
        } else if stanza("scrypt") {
            assert!(
                matches!(&shape, Err(age_shape::ShapeError::UnexpectedStanza(t)) if t == "scrypt")
                    || v.expect != "success",
                "{name}: {shape:?}"
            );
        }
        match (v.expect.as_str(), v.armored, &x25519) {
            ("success", false, Some(_)) => {
                let plain = opened.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    hex::encode(Sha256::digest(&plain[..])),
                    v.payload.clone().expect("payload hash"),
                    "{name}"
                );
                // The header parses: the file passes (its payload happens to fill a
                // padding bucket), or is refused for its unpadded payload or for a
                // stanza of a type Jasmine never writes (age skips those).
                assert!(
                    shape.is_ok()
                        || matches!(&shape, Err(age_shape::ShapeError::UnpaddedPayload(_)))
                        || matches!(&shape, Err(age_shape::ShapeError::UnexpectedStanza(t)) if t != "X25519"),
                    "{name}: the header age accepts is refused by the shape check: {shape:?}"
                );
            }
            // age 0.12 opens two files the spec says it must refuse for their header
            // (a stanza without its final body line); the shape check refuses both,
            // so the server never stores them and no moderator meets them.
            ("header failure", false, Some(_)) if opened.is_ok() => {
                assert!(
                    matches!(shape, Err(age_shape::ShapeError::MalformedHeader)),
                    "{name}: opened by age and not refused by the shape check: {shape:?}"
                );
                lenient.push(name.clone());
            }
            _ => assert!(
                matches!(opened, Err(Error::DecryptionFailed)),
                "{name} ({}, armored {}): opened",
                v.expect,
                v.armored
            ),
        }
    }
    let expected: BTreeMap<String, usize> = [
        ("success", 26),
        ("header failure", 62),
        ("armor failure", 22),
        ("no match", 13),
        ("payload failure", 19),
        ("HMAC failure", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(outcomes, expected);
    assert_eq!(
        lenient,
        ["stanza_missing_body", "stanza_missing_final_line"],
        "where age is more lenient than the spec (a change here is worth a look)"
    );
}

/// The private check's function is RFC 9497's VOPRF (ristretto255-SHA512): the key
/// derived from the RFC's seed is its key, the RFC's blinded elements evaluate to its
/// elements, and a check finished from the RFC's blind, evaluation and proof, against
/// its public key, gives its output.
#[test]
fn the_check_is_rfc_9497_voprf() {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    use jasmine_client::oprf::{
        BlindedRequest, CheckKey, CheckPublicKey, Evaluation, PendingCheck,
    };
    let rfc: serde_json::Value =
        serde_json::from_slice(&read("rfc9497-ristretto255-sha512-voprf.json")).unwrap();
    let bytes =
        |name: &str, from: &serde_json::Value| hex::decode(from[name].as_str().unwrap()).unwrap();
    let b64 = |name: &str, from: &serde_json::Value| STANDARD.encode(bytes(name, from));
    let seed: [u8; 32] = bytes("seed", &rfc).try_into().unwrap();
    let key = CheckKey::from_seed(&seed, &bytes("key_info", &rfc)).unwrap();
    assert_eq!(*key.to_base64(), b64("sk", &rfc));
    let pk = CheckPublicKey::from_base64(&b64("pk", &rfc)).unwrap();
    assert_eq!(key.public_key(), pk);
    let mut rng = rand::rngs::OsRng;
    for vector in rfc["vectors"].as_array().unwrap() {
        let input = bytes("input", vector);
        let output = bytes("output", vector);
        assert_eq!(key.output(&input).unwrap().to_vec(), output);
        let blinded = BlindedRequest::from_base64(&b64("blinded_element", vector)).unwrap();
        let (element, _random_proof) = key.evaluate(&blinded, &mut rng).to_base64();
        assert_eq!(element, b64("evaluation_element", vector));
        let state = [bytes("blind", vector), bytes("blinded_element", vector)].concat();
        let pending = PendingCheck::from_vector(&input, &state).unwrap();
        let evaluation =
            Evaluation::from_base64(&b64("evaluation_element", vector), &b64("proof", vector))
                .unwrap();
        assert_eq!(pending.finish(&evaluation, &pk).unwrap().to_vec(), output);
        // The same proof does not hold for another public key.
        let other = CheckKey::generate(&mut rng).public_key();
        assert!(pending.finish(&evaluation, &other).is_err());
    }
}

/// The page script's check agrees with client-lib's: every identifier of
/// `check.json` normalises to the same form and gives the same output through a whole
/// blind round in node (@noble/curves, libphonenumber-js), and it finishes the RFC
/// 9497 vectors to their outputs.
#[test]
fn the_page_script_checks_as_client_lib_does() {
    let web_js = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/web-js");
    let out = Command::new("node")
        .current_dir(&web_js)
        .arg("src/check-cli.mjs")
        .arg("vectors")
        .arg(vectors_dir().join("check.json"))
        .arg(vectors_dir().join("rfc9497-ristretto255-sha512-voprf.json"))
        .output()
        .expect("node must be installed (and `npm ci` run in server/web-js)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine: serde_json::Value = serde_json::from_slice(&read("check.json")).unwrap();
    assert_eq!(counts["cases"], mine["cases"].as_array().unwrap().len());
    assert_eq!(counts["rfc"], 2);
}

/// The page script frames attachments as client-lib does (`docs/PROTOCOL.md` §4.12):
/// the same 40 buckets, the same bucket for every length of `attachments.json`, and the
/// same frames taken or refused.
#[test]
fn the_page_script_frames_attachments_as_client_lib_does() {
    let web_js = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/web-js");
    let out = Command::new("node")
        .current_dir(&web_js)
        .arg("src/attachments-cli.mjs")
        .arg("vectors")
        .arg(vectors_dir().join("attachments.json"))
        .output()
        .expect("node must be installed (and `npm ci` run in server/web-js)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["failures"], serde_json::json!([]));
    let mine: serde_json::Value = serde_json::from_slice(&read("attachments.json")).unwrap();
    assert_eq!(
        result["checked"],
        mine["framing"].as_array().unwrap().len() + mine["unframe"].as_array().unwrap().len()
    );
}
