//! Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) of what gets signed.
//!
//! Signatures cover the canonical form of the signed JSON *as received*, not of a
//! re-serialised Rust struct, so a second implementation only needs a JCS encoder.
//! Jasmine's signed objects contain no floating-point numbers; integers stay below
//! 2^53 so that every JSON implementation reads them exactly.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Number, Value};

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

/// Parses JSON, refusing an object with a repeated member name.
///
/// Parsers disagree on which of two repeated members wins; a signed document that
/// means one thing to this implementation and another to a second one must not verify.
pub fn parse_strict(bytes: &[u8], what: &'static str) -> Result<Value, Error> {
    serde_json::from_slice::<StrictValue>(bytes)
        .map(|v| v.0)
        .map_err(|e| Error::malformed(what, e.to_string()))
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("not a finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if members.contains_key(&name) {
                return Err(de::Error::custom(format!("member '{name}' appears twice")));
            }
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
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
    fn fail_repeated_members_are_refused_at_any_depth() {
        assert!(parse_strict(br#"{"a":1,"a":2}"#, "t").is_err());
        assert!(parse_strict(br#"{"x":[{"b":true,"b":true}]}"#, "t").is_err());
        let ok = parse_strict(br#"{"a":[1,"two",null,{"b":false}],"c":-3}"#, "t").unwrap();
        assert_eq!(
            ok,
            serde_json::json!({"a":[1,"two",null,{"b":false}],"c":-3})
        );
    }

    #[test]
    fn fail_refuses_floats_and_huge_integers() {
        assert!(to_canonical_bytes(&json!({"x": 1.5})).is_err());
        assert!(to_canonical_bytes(&json!({"x": u64::MAX})).is_err());
        assert!(to_canonical_bytes(&json!({"x": -9007199254740991_i64})).is_ok());
    }
}
