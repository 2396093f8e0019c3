//! A `multipart/form-data` body as the server splits it (`POST /v1/reports` with
//! images, the report form without JavaScript with images): never a panic, never more
//! parts than allowed, never a part with a name it was not told to expect.
#![no_main]

use jasmine_server::upload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let (boundary, body) = rest.split_at(usize::from(split % 16).min(rest.len()));
    let boundary = String::from_utf8_lossy(boundary).into_owned();
    let body = bytes::Bytes::copy_from_slice(body);
    let allowed = ["report", "attachments"];
    if let Ok(parts) = futures::executor::block_on(upload::parts(&boundary, body.clone(), &allowed, 2)) {
        assert!(parts.len() <= 2);
        assert!(parts.iter().all(|p| allowed.contains(&p.name.as_str())));
    }
    if let Ok(parts) = futures::executor::block_on(upload::parts(&boundary, body, &[], 256)) {
        assert!(parts.len() <= 256);
    }
});
