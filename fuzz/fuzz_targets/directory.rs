//! The directory file of health and rights services (`content/directory.toml`), read at
//! start: malformed entries are named, never a panic; what loads can be listed and
//! filtered as the page does.
#![no_main]

use jasmine_server::web::directory::Directory;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(directory) = Directory::parse(text) else {
        return;
    };
    let cities = directory.cities();
    let _ = directory.languages();
    for city in cities.iter().map(|c| Some(c.as_str())).chain([None]) {
        let (local, national) = directory.select(city, None, Some("ar"));
        for service in local.into_iter().chain(national) {
            let _ = service.phone_link();
            let _ = service.language_names();
        }
    }
});
