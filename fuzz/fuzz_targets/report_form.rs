//! The report form posted without JavaScript (the server builds the report from it).
//! One rule, one place: whatever the form's parser accepts, client-lib's report rules
//! accept too, and it serialises to a report that reads back valid.
#![no_main]

use jasmine_client::report::Report;
use jasmine_server::web::untrusted::report_from_form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for lang in ["fr", "ar"] {
        let Ok((report, _wants_codename)) = report_from_form(data, lang) else {
            continue;
        };
        assert!(
            report.validate().is_ok(),
            "the form accepted a report that client-lib's rules refuse"
        );
        let json = report.to_json().expect("serialises");
        assert_eq!(Report::check_json(&json).expect("reads back valid"), report);
    }
});
