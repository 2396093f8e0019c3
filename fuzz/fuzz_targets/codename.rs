//! A codename as she types it (on the page without JavaScript, the server parses it) or
//! as stored data. What parses shows a form that parses back to itself.
#![no_main]

use jasmine_client::codename::Codename;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Codename::from_data(text);
    if let Ok(codename) = Codename::parse(text) {
        let shown = codename.display();
        let again = Codename::parse(&shown).expect("a displayed codename parses");
        assert_eq!(*again.display(), *shown);
    }
});
