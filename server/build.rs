//! Turns the API's OpenAPI document (`docs/openapi.yaml`) into the JSON the server
//! serves at `/v1/openapi.json`: checked and converted once, when the server is built.

use std::path::PathBuf;

fn main() {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.yaml");
    println!("cargo:rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    let document: serde_json::Value = yaml_serde::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", source.display()));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("openapi.json");
    std::fs::write(&out, serde_json::to_vec(&document).expect("JSON"))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
