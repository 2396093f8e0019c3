//! Writes the protocol test vectors: `make-vectors <folder>` (`make vectors`).

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/vectors".into());
    match jasmine_tests::vectors::write_all(std::path::Path::new(&dir)) {
        Ok(()) => println!("Test vectors written to {dir}."),
        Err(e) => {
            eprintln!("make-vectors: cannot write {dir}: {e}");
            std::process::exit(1);
        }
    }
}
