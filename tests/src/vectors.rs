//! The protocol test vectors: fixed keys and the files made from them. The generator
//! (`make vectors`) and the vector tests share this code; signatures are
//! deterministic (Ed25519), so the tests also check that the committed signed files
//! are exactly what these keys produce. age encryption is randomised, so the report
//! ciphertext is checked by decrypting it instead.

use std::path::Path;

use ed25519_dalek::SigningKey;
use jasmine_client::alert::{self, Alert, AlertAggressor, LocalizedText, Retraction};
use jasmine_client::bundle::{self, KeyBundle, ModeratorEntry, ServerLimits};
use jasmine_client::keys::{self, Domain, PublicKey};
use jasmine_client::report::{Category, Report, Severity};
use jasmine_client::{envelope, Day};

/// The day the vectors are checked on.
pub const REFERENCE_DAY: &str = "2026-12-01";
/// The version of the valid bundle.
pub const BUNDLE_VERSION: u64 = 5;
/// Test-only age identity of the moderator (never use it for anything real).
pub const MODERATOR_IDENTITY: &str =
    "AGE-SECRET-KEY-1GSW3KCJW9Z0UTJTDVNTK7LXSPK6SJXPGK2LAU93K85AMQ987VVDS9H9USU";
/// Moderator id.
pub const MODERATOR_ID: &str = "vector-moderator";

fn seed(byte: u8) -> SigningKey {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = byte.wrapping_mul(31).wrapping_add(i as u8);
    }
    SigningKey::from_bytes(&seed)
}

/// The organisation's root key.
pub fn root_key() -> SigningKey {
    seed(1)
}
/// The moderator's alert key.
pub fn alert_key() -> SigningKey {
    seed(2)
}
/// The moderator's API key.
pub fn api_key() -> SigningKey {
    seed(3)
}
/// Another key, in no bundle.
pub fn stranger_key() -> SigningKey {
    seed(4)
}

/// The moderator's age identity.
pub fn identity() -> age::x25519::Identity {
    MODERATOR_IDENTITY.parse().expect("vector identity")
}

fn day(text: &str) -> Day {
    Day::parse(text).expect("vector day")
}

/// The moderator's public entry.
pub fn card() -> ModeratorEntry {
    ModeratorEntry {
        id: MODERATOR_ID.into(),
        name: "Vector Moderator".into(),
        age_recipient: identity().to_public().to_string(),
        alert_key: PublicKey::from(&alert_key()),
        api_key: PublicKey::from(&api_key()),
    }
}

/// A bundle of the given version and dates.
pub fn bundle(version: u64, issued: &str, expires: &str) -> KeyBundle {
    KeyBundle {
        organisation: "Jasmine test vectors".into(),
        version,
        issued: day(issued),
        expires: day(expires),
        onion: String::new(),
        check_key: None,
        moderators: vec![card()],
        former: Vec::new(),
        limits: ServerLimits::default(),
    }
}

/// The valid bundle.
pub fn valid_bundle() -> KeyBundle {
    bundle(BUNDLE_VERSION, "2026-11-01", "2027-11-01")
}

/// The report plaintext.
pub fn report() -> Report {
    let mut report = Report::example(day("2026-11-20"));
    report.narrative =
        "Vecteur de test : il a retiré le préservatif et il est parti sans payer.".into();
    report
}

/// The alert.
pub fn alert() -> Alert {
    Alert {
        occurred_precision: jasmine_client::alert::OccurredPrecision::Day,
        id: "0123456789abcdef0123456789abcdef".into(),
        published: day("2026-11-25"),
        signed_by: MODERATOR_ID.into(),
        occurred_on: day("2026-11-20"),
        country: "FR".into(),
        region: "75".into(),
        city: Some("Paris".into()),
        categories: vec![Category::CondomRemoval, Category::TheftOrNonPayment],
        severity: Severity::Dangerous,
        summary: LocalizedText {
            language: "fr".into(),
            text: "Client qui retire le préservatif sans le dire et part sans payer.".into(),
        },
        translations: vec![LocalizedText {
            language: "en".into(),
            text: "Client who removes the condom without saying so and leaves without paying."
                .into(),
        }],
        aggressor: AlertAggressor {
            description: "Homme, 40 ans environ, grand".into(),
            phones: vec!["+33612345678".into()],
            ..Default::default()
        },
    }
}

/// The retraction of the alert.
pub fn retraction() -> Retraction {
    Retraction {
        alert_id: alert().id,
        retracted_on: day("2026-11-30"),
        signed_by: MODERATOR_ID.into(),
        reason: "Doublon".into(),
    }
}

fn signed_with(
    member: &str,
    domain: Domain,
    key: &SigningKey,
    value: serde_json::Value,
) -> Vec<u8> {
    let signature = keys::sign(domain, key, &value).expect("sign");
    let mut bytes =
        serde_json::to_vec_pretty(&keys::wrap_signed(member, value, signature)).expect("json");
    bytes.push(b'\n');
    bytes
}

/// Data characters of the codename vectors (the checksum is computed).
pub const CODENAME_DATA: [&str; 3] = [
    "7K2MQX9DA4RT8ZWCPB3N",
    "00000000000000000000",
    "ZZZZZZZZZZZZZZZZZZZZ",
];

/// The private check's own vectors: identifiers as typed, normalised by client-lib
/// (`identifier`), the input evaluated (`oprf::check_input`) and its output under a
/// key derived from a fixed seed (RFC 9497 `DeriveKeyPair`).
pub fn check_vectors() -> serde_json::Value {
    use jasmine_client::identifier::{normalize_handle, normalize_phone, normalize_plate, Kind};
    use jasmine_client::oprf::{check_input, CheckKey};
    let seed = [0x6a_u8; 32];
    let info = b"jasmine check test key";
    let key = CheckKey::from_seed(&seed, info).expect("a key");
    // The page script (libphonenumber-js) is held to these: French numbers of every
    // kind and in every notation seen in reports, foreign ones of the countries the
    // site's languages come from, and what is no number at all.
    let typed: Vec<(Kind, &str, &str)> = vec![
        (Kind::Phone, "06 12 34 56 78", "FR"),
        (Kind::Phone, "+33 6 12 34 56 78", "FR"),
        (Kind::Phone, "0033612345678", "FR"),
        (Kind::Phone, "06.12.34.56.78", "FR"),
        (Kind::Phone, "06-12-34-56-78", "FR"),
        (Kind::Phone, "(0)6 12 34 56 78", "FR"),
        (Kind::Phone, "+33 (0)6 12 34 56 78", "FR"),
        (
            Kind::Phone,
            "\u{a0}07\u{a0}98\u{a0}76\u{a0}54\u{a0}32 ",
            "FR",
        ),
        (Kind::Phone, "01 42 68 53 00", "FR"),
        (Kind::Phone, "09 72 12 34 56", "FR"),
        (Kind::Phone, "0800 05 95 95", "FR"),
        (Kind::Phone, "0892 68 02 21", "FR"),
        (Kind::Phone, "0262 12 34 56", "FR"),
        (Kind::Phone, "+262 692 12 34 56", "FR"),
        (Kind::Phone, "06 12 34 56", "FR"),
        (Kind::Phone, "06 12 34 56 78 90", "FR"),
        (Kind::Phone, "+32 470 12 34 56", "FR"),
        (Kind::Phone, "0470 12 34 56", "BE"),
        (Kind::Phone, "+44 7911 123456", "FR"),
        (Kind::Phone, "+41 78 123 45 67", "FR"),
        (Kind::Phone, "+34 612 34 56 78", "FR"),
        (Kind::Phone, "+351 912 345 678", "FR"),
        (Kind::Phone, "+40 721 234 567", "FR"),
        (Kind::Phone, "+359 88 123 4567", "FR"),
        (Kind::Phone, "+380 50 123 4567", "FR"),
        (Kind::Phone, "+7 912 345-67-89", "FR"),
        (Kind::Phone, "+86 138 0013 8000", "FR"),
        (Kind::Phone, "+55 11 91234-5678", "FR"),
        (Kind::Phone, "+212 612-345678", "FR"),
        (Kind::Phone, "+213 551 23 45 67", "FR"),
        (Kind::Phone, "+1 (202) 555-0143", "FR"),
        (Kind::Phone, "12-34-56", "FR"),
        (Kind::Phone, "06.12.34.5\u{0}\u{0}6.78", "FR"),
        (Kind::Phone, "07 98é76 54 32", "FR"),
        (Kind::Phone, "digits:0612345678", "FR"),
        (Kind::Phone, "+32 470 12 56", "FR"),
        (Kind::Phone, "(+33) 6 12 34 56 78", "FR"),
        (Kind::Phone, "12345", "FR"),
        (Kind::Phone, "appelle-moi", "FR"),
        (Kind::Plate, "AB-123-CD", "FR"),
        (Kind::Plate, "ab 123 cd", "FR"),
        (Kind::Plate, "123 ABC 75", "FR"),
        (Kind::Plate, "é-1", "FR"),
        (Kind::Handle, "@Bad_Guy", "FR"),
        (Kind::Handle, "https://www.instagram.com/bad_guy/", "FR"),
        (Kind::Handle, "http://Example.com/Profil//", "FR"),
        (Kind::Handle, "  @ÉLODIE.ΣΟΦΟΣ  ", "FR"),
        (Kind::Handle, "@www.x", "FR"),
        (Kind::Handle, "@ wsw.x", "FR"),
        (Kind::Handle, "HTTPS://Www.X.org/ /", "FR"),
        (Kind::Handle, "x", "FR"),
    ];
    let cases: Vec<serde_json::Value> = typed
        .iter()
        .map(|(kind, text, country)| {
            let normalised = match kind {
                Kind::Phone => normalize_phone(text, country),
                Kind::Plate => normalize_plate(text),
                Kind::Handle => normalize_handle(text),
            };
            let (input, output) = match &normalised {
                Some(n) => {
                    let input = check_input(*kind, n);
                    let output = key.output(&input).expect("an output");
                    (
                        serde_json::Value::String(hex::encode(&input)),
                        serde_json::Value::String(hex::encode(output)),
                    )
                }
                None => (serde_json::Value::Null, serde_json::Value::Null),
            };
            serde_json::json!({
                "kind": kind.label(),
                "typed": text,
                "country": country,
                "normalised": normalised,
                "input": input,
                "output": output,
            })
        })
        .collect();
    serde_json::json!({
        "about": "The private check (docs/PROTOCOL.md): each identifier as typed (read in `country` when it has no international prefix), its normalised form (null: too short to check), the input evaluated (hex: \"jasmine/check/v1\" 0x00 kind 0x00 normalised) and the output (hex, 64 bytes) under the key derived from `seed` and `key_info` (RFC 9497 DeriveKeyPair, ristretto255-SHA512, VOPRF mode).",
        "seed": hex::encode(seed),
        "key_info": hex::encode(info),
        "public_key": key.public_key().to_base64(),
        "cases": cases,
    })
}

pub fn codename_vectors() -> serde_json::Value {
    use age::secrecy::ExposeSecret;
    use jasmine_client::codename::{self, Codename};
    let valid: Vec<serde_json::Value> = CODENAME_DATA
        .iter()
        .map(|data| {
            let codename = Codename::from_data(data).expect("vector codename");
            let keys = codename.derive().expect("derive");
            let shown = codename.display().to_string();
            serde_json::json!({
                "codename": shown,
                "data": data,
                "identity": keys.identity.to_string().expose_secret(),
                "recipient": keys.recipient,
                "mailbox": keys.mailbox,
                "mailbox_key": jasmine_client::mailbox::mailbox_key(&keys.mailbox),
                "answer_key": keys.answer_public().to_base64(),
            })
        })
        .collect();
    let first = Codename::from_data(CODENAME_DATA[0])
        .expect("vector")
        .display()
        .to_string();
    let first_keys = Codename::from_data(CODENAME_DATA[0])
        .expect("vector")
        .derive()
        .expect("derive");
    let answer = jasmine_client::mailbox::Answer {
        format: jasmine_client::mailbox::MESSAGE_FORMAT,
        mailbox: first_keys.mailbox.clone(),
        written_on: jasmine_client::Day::parse("2026-12-01").expect("day"),
        text: "Merci. Oui, je veux bien être accompagnée.".into(),
        attachments: Vec::new(),
    };
    let signed_answer =
        jasmine_client::mailbox::signed_answer(&answer, &first_keys.answer_key).expect("answer");
    // An answer that is only images: an empty text, and what her signature covers of
    // them (type, size, SHA-256 of each, in order).
    let with_images = jasmine_client::mailbox::Answer {
        format: answer.format,
        mailbox: answer.mailbox.clone(),
        written_on: answer.written_on,
        text: String::new(),
        attachments: ["a screenshot", "a photo"]
            .iter()
            .map(|bytes| {
                jasmine_client::attachment::Attachment::of(&jasmine_client::attachment::Image {
                    media_type: jasmine_client::attachment::ImageType::Jpeg,
                    bytes: zeroize::Zeroizing::new(bytes.as_bytes().to_vec()),
                })
            })
            .collect(),
    };
    let signed_with_images =
        jasmine_client::mailbox::signed_answer(&with_images, &first_keys.answer_key)
            .expect("answer");
    let groups: Vec<&str> = first.split('-').collect();
    let mut swapped = groups.clone();
    swapped.swap(2, 3);
    let mut typo = first.clone().into_bytes();
    typo[6] = if typo[6] == b'X' { b'Y' } else { b'X' };
    serde_json::json!({
        "kdf": {
            "algorithm": "argon2id",
            "version": 19,
            "memory_kib": codename::ARGON2_MEMORY_KIB,
            "passes": codename::ARGON2_PASSES,
            "lanes": codename::ARGON2_LANES,
            "salt": "jasmine/codename/v1",
            "password": "the 20 data characters, upper case, ASCII",
            "output_bytes": 64
        },
        "valid": valid,
        "signed_answer": {
            "about": "an answer of the first codename, signed with its answer key (jasmine/answer/v1): the signature is deterministic",
            "answer": serde_json::to_value(&answer).expect("answer"),
            "signed": signed_answer,
        },
        "signed_answer_with_images": {
            "about": "an answer of the first codename that is only two images (empty text, attachments listed): the signature covers the entries",
            "answer": serde_json::to_value(&with_images).expect("answer"),
            "signed": signed_with_images,
        },
        "read_as_the_first": [
            first.to_lowercase(),
            first.replace('-', " "),
            first.replace('-', ""),
            format!("  {}\n", first.replace('0', "o").replace('1', "l")),
        ],
        "refused": [
            {"typed": swapped.join("-"), "reason": "two groups swapped: the checksum fails"},
            {"typed": String::from_utf8(typo).expect("ascii"), "reason": "one character changed: the checksum fails"},
            {"typed": groups[..5].join("-"), "reason": "a group missing: wrong length"},
            {"typed": format!("{first}-7K2M"), "reason": "a group too many: wrong length"},
            {"typed": first.replace('7', "U"), "reason": "U is not in the alphabet"},
            {"typed": "", "reason": "empty"},
        ],
    })
}

/// Every deterministic vector file: (name, content).
pub fn deterministic_files() -> Vec<(&'static str, Vec<u8>)> {
    let root = root_key();
    let valid = bundle::sign_bundle(&valid_bundle(), &root).expect("bundle");
    let mut bad_signature = String::from_utf8(valid.clone()).expect("utf-8");
    bad_signature = bad_signature.replace("Jasmine test vectors", "Jasmine test vectorz");
    // The same signed bundle with a second "organisation" member before the real one:
    // a last-wins parser would see the signed text, a first-wins parser the other.
    let duplicate = String::from_utf8(valid.clone()).expect("utf-8").replacen(
        "\"organisation\":",
        "\"organisation\": \"Somebody else\",\n    \"organisation\":",
        1,
    );
    let mut with_extra = serde_json::to_value(valid_bundle()).expect("value");
    with_extra["admin_backdoor"] = serde_json::Value::from("yes");
    let alert_json = alert::sign_alert(&alert(), &alert_key()).expect("alert");
    let mut bad_alert = String::from_utf8(alert_json.clone()).expect("utf-8");
    bad_alert = bad_alert.replace("+33612345678", "+33612345679");
    let mut stranger_alert = alert();
    stranger_alert.signed_by = "mallory".into();
    vec![
        (
            "root.pub",
            format!("{}\n", PublicKey::from(&root)).into_bytes(),
        ),
        (
            "root.seed",
            format!("{}\n", hex::encode(root.to_bytes())).into_bytes(),
        ),
        (
            "moderator.identity",
            format!("# test vector only\n{MODERATOR_IDENTITY}\n").into_bytes(),
        ),
        ("moderator.card.json", {
            let mut c = serde_json::to_vec_pretty(&card()).expect("card");
            c.push(b'\n');
            c
        }),
        ("bundle.json", valid),
        ("report.json", {
            let mut r = serde_json::to_vec_pretty(&report()).expect("report");
            r.push(b'\n');
            r
        }),
        ("alert.json", alert_json),
        (
            "retraction.json",
            alert::sign_retraction(&retraction(), &alert_key()).expect("retraction"),
        ),
        ("codenames.json", {
            let mut c = serde_json::to_vec_pretty(&codename_vectors()).expect("codenames");
            c.push(b'\n');
            c
        }),
        ("check.json", {
            let mut c = serde_json::to_vec_pretty(&check_vectors()).expect("check");
            c.push(b'\n');
            c
        }),
        ("attachments.json", {
            let mut c = serde_json::to_vec_pretty(&attachment_vectors()).expect("attachments");
            c.push(b'\n');
            c
        }),
        ("codename.identity", {
            let first = &codename_vectors()["valid"][0];
            format!(
                "# test vector only: the reply key of codename {}\n{}\n",
                first["codename"].as_str().expect("codename"),
                first["identity"].as_str().expect("identity")
            )
            .into_bytes()
        }),
        ("fail_bundle_bad_signature.json", bad_signature.into_bytes()),
        (
            "fail_bundle_wrong_domain.json",
            signed_with(
                "bundle",
                Domain::Alert,
                &root,
                serde_json::to_value(valid_bundle()).expect("value"),
            ),
        ),
        (
            "fail_bundle_expired.json",
            bundle::sign_bundle(
                &bundle(BUNDLE_VERSION + 1, "2025-01-01", "2025-12-31"),
                &root,
            )
            .expect("bundle"),
        ),
        (
            "fail_bundle_rollback.json",
            bundle::sign_bundle(
                &bundle(BUNDLE_VERSION - 1, "2026-11-01", "2027-11-01"),
                &root,
            )
            .expect("bundle"),
        ),
        (
            "fail_bundle_unknown_field.json",
            signed_with("bundle", Domain::Bundle, &root, with_extra),
        ),
        ("fail_bundle_duplicate_member.json", duplicate.into_bytes()),
        ("fail_alert_bad_signature.json", bad_alert.into_bytes()),
        (
            "fail_alert_wrong_domain.json",
            signed_with(
                "alert",
                Domain::Retraction,
                &alert_key(),
                serde_json::to_value(alert()).expect("value"),
            ),
        ),
        (
            "fail_alert_unknown_signer.json",
            alert::sign_alert(&stranger_alert, &stranger_key()).expect("alert"),
        ),
    ]
}

/// The attachment framing vectors (`docs/PROTOCOL.md` §4.12): the buckets, the bucket
/// of a body of each length at the edges, and frames described compactly (a bucket
/// size, the length prefix, the body's bytes all `fill`, a non-zero byte at
/// `dirty_at` if any) with whether a reader must take them.
pub fn attachment_vectors() -> serde_json::Value {
    use jasmine_client::attachment::{bucket_for, unframe, BUCKETS};
    let mut lengths = vec![1usize, 65532, 65533, 81916, 81917, 5 * 10_485_760];
    lengths.extend([BUCKETS[39] - 4, BUCKETS[39] - 3]);
    let framing: Vec<_> = lengths
        .iter()
        .map(|&len| serde_json::json!({"len": len, "bucket": bucket_for(len)}))
        .collect();
    let frames = [
        (
            65536usize,
            5u32,
            None,
            "a body of 5 bytes in the smallest bucket",
        ),
        (65536, 0, None, "an empty body"),
        (65536, 65532, None, "a body that fills the bucket"),
        (65536, 65533, None, "a length past the bucket"),
        (65536, 5, Some(1000usize), "a non-zero byte in the padding"),
        (81920, 5, None, "a larger bucket than needed"),
        (81920, 65533, None, "the smallest bucket for its length"),
        (1024, 5, None, "a report bucket, not an attachment bucket"),
        (70000, 5, None, "not a bucket at all"),
    ];
    let unframing: Vec<_> = frames
        .iter()
        .map(|&(size, prefix, dirty_at, about)| {
            let mut framed = vec![0u8; size];
            framed[..4].copy_from_slice(&prefix.to_be_bytes());
            let body = (prefix as usize).min(size - 4);
            framed[4..4 + body].fill(7);
            if let Some(at) = dirty_at {
                framed[at] = 1;
            }
            serde_json::json!({
                "about": about,
                "bucket_size": size,
                "length_prefix": prefix,
                "fill": 7,
                "dirty_at": dirty_at,
                "ok": unframe(&framed).is_ok(),
            })
        })
        .collect();
    serde_json::json!({
        "about": "Attachment framing (docs/PROTOCOL.md §4.12), made by client-lib: the page script must agree on every line (tests/vectors.rs).",
        "buckets": BUCKETS.to_vec(),
        "framing": framing,
        "unframe": unframing,
    })
}

/// Writes every vector file into `dir`, with fresh report ciphertexts.
pub fn write_all(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in deterministic_files() {
        std::fs::write(dir.join(name), bytes)?;
    }
    let verified = bundle::verify_bundle(
        &bundle::sign_bundle(&valid_bundle(), &root_key()).expect("bundle"),
        &PublicKey::from(&root_key()),
        day(REFERENCE_DAY),
        None,
    )
    .expect("valid bundle");
    let ciphertext = envelope::seal_report(&report(), &verified).expect("seal");
    std::fs::write(dir.join("report.age"), &ciphertext)?;
    std::fs::write(
        dir.join("fail_report_truncated.age"),
        &ciphertext[..ciphertext.len() - 10],
    )?;
    let mut garbled = ciphertext.clone();
    let last = garbled.len() - 100;
    garbled[last] ^= 0x40;
    std::fs::write(dir.join("fail_report_garbled.age"), &garbled)?;
    let unpadded =
        envelope::seal(&report().to_json().expect("json"), &verified.recipients()).expect("seal");
    std::fs::write(dir.join("fail_report_unpadded.age"), unpadded)?;
    std::fs::write(dir.join("reply.age"), reply_ciphertext(&verified))?;
    Ok(())
}

/// The text of the reply vector.
pub const REPLY_TEXT: &str =
    "Bonjour. Nous avons lu votre signalement. Voulez-vous être accompagnée ?";

/// A reply from the vector moderator to the first vector codename (randomised).
pub fn reply_ciphertext(bundle: &jasmine_client::bundle::VerifiedBundle) -> Vec<u8> {
    use jasmine_client::mailbox::{seal_reply, Reply, MESSAGE_FORMAT};
    let keys = jasmine_client::codename::Codename::from_data(CODENAME_DATA[0])
        .expect("vector")
        .derive()
        .expect("derive");
    seal_reply(
        &Reply {
            format: MESSAGE_FORMAT,
            mailbox: keys.mailbox.clone(),
            written_on: day(REFERENCE_DAY),
            text: REPLY_TEXT.into(),
            signed_by: MODERATOR_ID.into(),
        },
        &keys.recipient,
        &alert_key(),
        bundle,
    )
    .expect("seal reply")
}
