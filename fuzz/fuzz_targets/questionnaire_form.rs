//! The medical questionnaire posted without JavaScript: parsed, then summarised in
//! French and in the page's language, as the route does.
#![no_main]

use std::sync::OnceLock;

use jasmine_server::web::untrusted::summaries_from_form;
use jasmine_server::web::Catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let catalog = CATALOG.get_or_init(|| Catalog::load().expect("the catalog loads"));
    for lang in ["fr", "ar"] {
        if let Ok(lines) = summaries_from_form(catalog, data, lang) {
            assert_eq!(lines.len(), 2);
            assert_eq!(lines[0], lines[1], "both summaries list the same answers");
        }
    }
});
