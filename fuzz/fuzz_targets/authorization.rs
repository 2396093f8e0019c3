//! The moderator API's `Authorization` header, which the server parses for anyone who
//! sends one. It is parsed and, if well formed, verified against the bundle and the
//! body. Then the other way round: a request signed over the fuzzer's bytes (as body
//! and query) must parse, verify and match its body (for one input in 16: signing costs
//! a hundred times the parse, and the parse is what strangers reach).
#![no_main]

use jasmine_client::api_auth::{self, RequestToSign};
use libfuzzer_sys::fuzz_target;
use rand::{rngs::StdRng, SeedableRng};

fuzz_target!(|data: &[u8]| {
    let f = jasmine_fuzz::fixtures();
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(request) = api_auth::parse_authorization(text) {
            let _ = request.verify(&f.bundle, "POST", "/v1/mod/alerts");
            let _ = request.check_body(data);
        }
        let _ = api_auth::audience_of_authority(text);
    }
    if data.len() % 16 != 0 {
        return;
    }
    let query: String = String::from_utf8_lossy(data)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(64)
        .collect();
    let path = format!("/v1/mod/reports?after={query}");
    let header = api_auth::authorization(
        f.moderator.api_key(),
        &RequestToSign {
            moderator: "alice",
            audience: "127.0.0.1",
            method: "POST",
            path_and_query: &path,
            body: data,
        },
        1_764_633_600,
        &mut StdRng::seed_from_u64(data.len() as u64),
    )
    .expect("a request signs");
    let request = api_auth::parse_authorization(&header).expect("what we sign parses");
    request
        .verify(&f.bundle, "POST", &path)
        .expect("what we sign verifies");
    request.check_body(data).expect("the signed body matches");
    assert!(request.verify(&f.bundle, "GET", &path).is_err());
});
