//! JSON bodies read strictly: a key given twice in one object (at any depth) is refused, where
//! serde_json would silently keep the last one. `{"password": "wrong", "password": "<right>"}`
//! must not be read as whichever copy a parser keeps.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Why a body is not the JSON we read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// Not JSON at all (or not UTF-8, or trailing bytes).
    Malformed,
    /// An object names a key more than once.
    RepeatedKey,
}

/// `text` as a JSON value, with every object's keys unique.
pub fn parse(text: &str) -> Result<Value, JsonProblem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys::deserialize(&mut de).map_err(|e| {
        if e.to_string().starts_with(REPEATED) {
            JsonProblem::RepeatedKey
        } else {
            JsonProblem::Malformed
        }
    })?;
    de.end().map_err(|_| JsonProblem::Malformed)?;
    Ok(value.0)
}

/// The error text the visitor raises, recognised by [`parse`] (serde_json adds a position).
const REPEATED: &str = "a key is given more than once";

struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
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
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        UniqueKeys::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let UniqueKeys(value) = map.next_value()?;
            if object.insert(key, value).is_some() {
                return Err(de::Error::custom(REPEATED));
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth() {
        for text in [
            r#"{"password": "wrong", "password": "right"}"#,
            r#"{"users": [{"email": "a@x.example", "email": "b@x.example"}]}"#,
            r#"{"a": {"b": 1, "b": 1}}"#,
        ] {
            assert_eq!(parse(text), Err(JsonProblem::RepeatedKey), "{text}");
        }
    }

    #[test]
    fn anything_else_reads_as_serde_json_reads_it() {
        for text in [
            r#"{"email": "a@x.example", "n": 3, "f": 1.5, "b": true, "z": null, "l": [1, "x"]}"#,
            r#"[{"a": 1}, {"a": 2}]"#,
            r#""just a string""#,
            "-12",
        ] {
            let ours = parse(text).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
        assert_eq!(parse(r#"{"a": 1} x"#), Err(JsonProblem::Malformed));
        assert_eq!(parse("{"), Err(JsonProblem::Malformed));
        assert_eq!(parse(r#"{"a": "\u0000"}"#).unwrap()["a"], "\u{0}");
    }
}
