//! The private check's server evaluation through client-lib (`oprf::CheckKey::evaluate`:
//! decode the blinded element from base64, evaluate with a proof, encode the answer)
//! next to the bare `voprf` crate's `blind_evaluate` on the same element, so the ratio
//! shows what the protocol adds; and the client's side (blind, then finish with the
//! proof checked).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use jasmine_client::identifier::Kind;
use jasmine_client::oprf::{blind, check_input, BlindedRequest, CheckKey};
use voprf::{BlindedElement, Ristretto255, VoprfServer};

fn check_benches(c: &mut Criterion) {
    let mut rng = rand::rngs::OsRng;
    let seed = [7u8; 32];
    let key = CheckKey::from_seed(&seed, b"bench").unwrap();
    let bare = VoprfServer::<Ristretto255>::new_from_seed(&seed, b"bench").unwrap();
    let input = check_input(Kind::Phone, "+33612345678");
    let (pending, request) = blind(&input, &mut rng).unwrap();
    let wire = request.to_base64();
    let element = BlindedElement::<Ristretto255>::deserialize(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &wire).unwrap(),
    )
    .unwrap();

    let mut group = c.benchmark_group("check evaluation (server)");
    group.bench_function("bare voprf blind_evaluate", |b| {
        b.iter(|| black_box(bare.blind_evaluate(&mut rng, black_box(&element))))
    });
    group.bench_function("jasmine: decode, evaluate, encode", |b| {
        b.iter(|| {
            let request = BlindedRequest::from_base64(black_box(&wire)).unwrap();
            black_box(key.evaluate(&request, &mut rng).to_base64())
        })
    });
    group.finish();

    let evaluation = key.evaluate(&request, &mut rng);
    let public = key.public_key();
    let mut group = c.benchmark_group("check (client)");
    group.bench_function("blind", |b| {
        b.iter(|| black_box(blind(&input, &mut rng).unwrap()))
    });
    group.bench_function("finish (proof checked)", |b| {
        b.iter(|| black_box(pending.finish(&evaluation, &public).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, check_benches);
criterion_main!(benches);
