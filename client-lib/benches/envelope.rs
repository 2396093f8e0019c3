//! Encrypting and decrypting one report with Jasmine's envelope (validate, JSON,
//! pad, age) next to the bare `age` crate calls on the same padded bytes and the
//! same recipients, so the ratio shows what the protocol adds.

use std::hint::black_box;
use std::io::{Read, Write};

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use jasmine_client::bundle::{
    sign_bundle, verify_bundle, KeyBundle, ModeratorSecrets, ServerLimits,
};
use jasmine_client::keys::PublicKey;
use jasmine_client::report::Report;
use jasmine_client::{envelope, padding, Day};

fn bare_encrypt(plaintext: &[u8], recipients: &[age::x25519::Recipient]) -> Vec<u8> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .unwrap();
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).unwrap();
    writer.write_all(plaintext).unwrap();
    writer.finish().unwrap();
    out
}

fn bare_decrypt(ciphertext: &[u8], identity: &age::x25519::Identity) -> Vec<u8> {
    let decryptor = age::Decryptor::new_buffered(ciphertext).unwrap();
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    out
}

fn envelope_benches(c: &mut Criterion) {
    let today = Day::parse("2026-11-28").unwrap();
    let moderators: Vec<ModeratorSecrets> = (0..3)
        .map(|i| ModeratorSecrets::generate(&format!("m{i}"), &mut rand::rngs::OsRng))
        .collect();
    let root = SigningKey::from_bytes(&[9; 32]);
    let bundle = KeyBundle {
        organisation: "Bench".into(),
        version: 1,
        issued: today,
        expires: today.add_days(30),
        onion: String::new(),
        check_key: None,
        moderators: moderators.iter().map(|m| m.public_entry(m.id())).collect(),
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    let verified = verify_bundle(
        &sign_bundle(&bundle, &root).unwrap(),
        &PublicKey::from(&root),
        today,
        None,
    )
    .unwrap();
    let mut report = Report::example(today);
    report.narrative = "Il a retiré le préservatif sans me le dire. ".repeat(40);
    let padded = padding::pad(&report.to_json().unwrap()).unwrap();
    let recipients = verified.recipients();
    let ciphertext = envelope::seal_report(&report, &verified).unwrap();
    let identity = moderators[0].age_identity();

    let mut group = c.benchmark_group("report, 3 moderators, 2 KiB bucket");
    group.bench_function("seal_report (jasmine)", |b| {
        b.iter(|| envelope::seal_report(black_box(&report), &verified).unwrap())
    });
    group.bench_function("age encrypt (bare, same padded bytes)", |b| {
        b.iter(|| bare_encrypt(black_box(&padded), &recipients))
    });
    group.bench_function("open_report (jasmine)", |b| {
        b.iter(|| envelope::open_report(black_box(&ciphertext), identity).unwrap())
    });
    group.bench_function("age decrypt (bare)", |b| {
        b.iter(|| bare_decrypt(black_box(&ciphertext), identity))
    });
    group.finish();
}

criterion_group!(benches, envelope_benches);
criterion_main!(benches);
