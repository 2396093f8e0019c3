//! Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) of what gets signed.
//!
//! Signatures cover the canonical form of the signed JSON *as received*, not of a
//! re-serialised Rust struct, so a second implementation only needs a JCS encoder.
//! Jasmine's signed objects contain no floating-point numbers; integers stay below
//! 2^53 so that every JSON implementation reads them exactly.

use serde::Serialize;
use serde_json::Value;

use crate::Error;

/// Largest integer that survives a round trip through an IEEE double.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The RFC 8785 canonical bytes of `value`, refusing floats and unsafe integers.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>, Error> {
    check_numbers(value)?;
    serde_json_canonicalizer::to_vec(value)
        .map_err(|e| Error::malformed("canonical JSON", e.to_string()))
}

/// The canonical bytes of any serialisable value (through `serde_json::Value`).
pub fn canonical_bytes_of<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let value = serde_json::to_value(value)
        .map_err(|e| Error::malformed("canonical JSON", e.to_string()))?;
    to_canonical_bytes(&value)
}

fn check_numbers(value: &Value) -> Result<(), Error> {
    match value {
        Value::Number(n) => {
            let safe = n.as_u64().is_some_and(|v| v <= MAX_SAFE_INTEGER)
                || n.as_i64()
                    .is_some_and(|v| v.unsigned_abs() <= MAX_SAFE_INTEGER);
            if safe {
                Ok(())
            } else {
                Err(Error::malformed(
                    "canonical JSON",
                    format!("number {n} is not an integer within ±2^53"),
                ))
            }
        }
        Value::Array(items) => items.iter().try_for_each(check_numbers),
        Value::Object(members) => members.values().try_for_each(check_numbers),
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_members_and_drops_whitespace() {
        let value: Value =
            serde_json::from_str(r#"{ "b": [1, {"z": "é", "a": null}], "a": "x\n" }"#).unwrap();
        let bytes = to_canonical_bytes(&value).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "{\"a\":\"x\\n\",\"b\":[1,{\"a\":null,\"z\":\"é\"}]}"
        );
    }

    #[test]
    fn fail_refuses_floats_and_huge_integers() {
        assert!(to_canonical_bytes(&json!({"x": 1.5})).is_err());
        assert!(to_canonical_bytes(&json!({"x": u64::MAX})).is_err());
        assert!(to_canonical_bytes(&json!({"x": -9007199254740991_i64})).is_ok());
    }
}
