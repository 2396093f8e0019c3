//! A decrypted report: the padding frame, then the report JSON and its rules
//! (`Report::check_json`). What the rules accept must serialise, read back equal, and
//! fit a padding bucket: a valid report is never one that cannot be sent.
#![no_main]

use jasmine_client::padding;
use jasmine_client::report::Report;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(inner) = padding::unpad(data) {
        let _ = Report::check_json(inner);
    }
    let Ok(report) = Report::check_json(data) else {
        return;
    };
    assert!(report.validate().is_ok());
    let json = report.to_json().expect("a valid report serialises");
    let again = Report::check_json(&json).expect("a valid report reads back valid");
    assert_eq!(again, report);
    let framed = padding::pad(&json).expect("a valid report fits a padding bucket");
    assert_eq!(padding::unpad(&framed).expect("unpads"), &json[..]);
});
