//! JSON bodies read strictly: one meaning per body, or a refusal that names where it broke.
//!
//! `serde_json` keeps the last of two equal keys in an object. Other parsers keep the first, or
//! fail, so a body with a duplicate key means different things to different readers: a channel's
//! signature check, a WAF and Switchyard could each see another order. Such a body is refused,
//! with the JSON path of the repeated key. Nesting is capped well below `serde_json`'s own limit,
//! since no contract body is deeper than a handful of levels.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// How deep arrays and objects may nest in a body; the v1 order is four levels deep.
pub const MAX_DEPTH: usize = 32;

/// Why a body is not one unambiguous JSON value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrictJsonError {
    /// The same key twice in one object.
    #[error("{path} appears more than once in its object")]
    DuplicateKey {
        /// JSON path of the repeated key (`lines[0].sku`).
        path: String,
    },
    /// Arrays or objects nested deeper than [`MAX_DEPTH`].
    #[error("{path} is nested more than {MAX_DEPTH} levels deep")]
    TooDeep {
        /// JSON path where the limit was passed.
        path: String,
    },
    /// Not JSON at all: syntax, encoding, a lone surrogate, a number out of range.
    #[error("the body is not valid JSON: {0}")]
    Syntax(String),
}

impl StrictJsonError {
    /// The JSON path the problem is at (`body` when the body as a whole is at fault).
    pub fn field(&self) -> &str {
        match self {
            StrictJsonError::DuplicateKey { path } | StrictJsonError::TooDeep { path } => path,
            StrictJsonError::Syntax(_) => "body",
        }
    }

    /// The rule the body broke, as a short sentence for a problem's `errors[].rule`.
    pub fn rule(&self) -> String {
        match self {
            StrictJsonError::DuplicateKey { .. } => {
                "must appear only once in its object (a duplicate key is ambiguous)".into()
            }
            StrictJsonError::TooDeep { .. } => {
                format!("must not nest arrays or objects more than {MAX_DEPTH} levels deep")
            }
            StrictJsonError::Syntax(e) => format!("must be valid JSON ({e})"),
        }
    }
}

/// Parses `body` as JSON, refusing duplicate keys and deep nesting.
pub fn from_slice(body: &[u8]) -> Result<Value, StrictJsonError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let seed = Strict {
        path: Path::Root,
        depth: 0,
    };
    let value = seed.deserialize(&mut de).map_err(|e| {
        // A duplicate or depth error travels through serde as a custom message; recover it.
        let text = e.to_string();
        decode_custom(&text).unwrap_or(StrictJsonError::Syntax(text))
    })?;
    de.end()
        .map_err(|e| StrictJsonError::Syntax(e.to_string()))?;
    Ok(value)
}

const DUPLICATE: &str = "\u{1}duplicate\u{1}";
const DEEP: &str = "\u{1}deep\u{1}";

fn decode_custom(text: &str) -> Option<StrictJsonError> {
    // serde_json appends " at line L column C" to custom messages.
    let strip = |rest: &str| {
        rest.rsplit_once(" at line ")
            .map_or(rest, |(p, _)| p)
            .to_string()
    };
    if let Some(rest) = text.strip_prefix(DUPLICATE) {
        return Some(StrictJsonError::DuplicateKey { path: strip(rest) });
    }
    text.strip_prefix(DEEP)
        .map(|rest| StrictJsonError::TooDeep { path: strip(rest) })
}

/// Where the value being read sits, built only when an error needs it.
#[derive(Clone)]
enum Path {
    Root,
    Key(Box<Path>, String),
    Index(Box<Path>, usize),
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("body"),
            // A key that is not a plain name (empty, or holding `.`, `[`, spaces, control
            // characters…) is written as a quoted JSON string in brackets, so the path still
            // names one field and never comes out empty.
            Path::Key(parent, key) if !is_plain(key) => {
                let quoted = serde_json::to_string(key).map_err(|_| fmt::Error)?;
                write!(f, "{parent}[{quoted}]")
            }
            Path::Key(parent, key) if matches!(**parent, Path::Root) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// True for a key a dotted path can show as it is: ASCII letters, digits, `_` and `-`.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

struct Strict {
    path: Path,
    depth: usize,
}

impl Strict {
    fn deeper<E: de::Error>(&self) -> Result<usize, E> {
        if self.depth >= MAX_DEPTH {
            Err(E::custom(format!("{DEEP}{}", self.path)))
        } else {
            Ok(self.depth + 1)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json refuses NaN and infinities on input, so this never builds a Null.
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number out of range"))
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.deeper()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict {
            path: Path::Index(Box::new(self.path.clone()), items.len()),
            depth,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.deeper()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(Box::new(self.path.clone()), key.clone());
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{path}")));
            }
            let value = map.next_value_seed(Strict { path, depth })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_key_is_refused_with_its_path() {
        let err = from_slice(br#"{"lines":[{"sku":"A","sku":"B"}]}"#).unwrap_err();
        assert_eq!(
            err,
            StrictJsonError::DuplicateKey {
                path: "lines[0].sku".into()
            }
        );
        let top = from_slice(br#"{"currency":"USD","currency":"EUR"}"#).unwrap_err();
        assert_eq!(top.field(), "currency");
    }

    // Found by fuzzing (fuzz/ v1_order): a repeated empty key was reported at the path "", so
    // the 400 named no field.
    #[test]
    fn a_duplicate_key_that_is_not_a_plain_name_is_named_in_brackets() {
        let empty = from_slice(br#"{"":1,"":2}"#).unwrap_err();
        assert_eq!(empty.field(), r#"body[""]"#);
        let dotted = from_slice(br#"{"lines":[{"a.b":1,"a.b":2}]}"#).unwrap_err();
        assert_eq!(dotted.field(), r#"lines[0]["a.b"]"#);
        let marker = from_slice(b"{\"x\":{\"\\u0001\":1,\"\\u0001\":2}}").unwrap_err();
        assert_eq!(marker.field(), r#"x["\u0001"]"#);
    }

    #[test]
    fn equal_keys_in_different_objects_are_fine() {
        let v = from_slice(br#"{"a":{"x":1},"b":{"x":2},"c":[{"x":3},{"x":4}]}"#).unwrap();
        assert_eq!(v["c"][1]["x"], 4);
    }

    #[test]
    fn the_same_value_as_serde_json_for_an_unambiguous_body() {
        let body =
            br#"{"n":-12.5e3,"big":18446744073709551615,"s":"\u00e9\n","t":true,"z":null,"a":[]}"#;
        let plain: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(from_slice(body).unwrap(), plain);
    }

    #[test]
    fn deep_nesting_is_refused_before_serde_json_s_own_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(from_slice(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(
            from_slice(deep.as_bytes()),
            Err(StrictJsonError::TooDeep { .. })
        ));
        let bomb = "[".repeat(100_000);
        assert!(matches!(
            from_slice(bomb.as_bytes()),
            Err(StrictJsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn what_is_not_json_is_a_syntax_error() {
        for body in [
            &b"{\"a\":NaN}"[..],
            b"{\"a\":Infinity}",
            b"{\"a\":1e999999}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":1",
            b"{\"a\":1} trailing",
            b"",
        ] {
            let err = from_slice(body).unwrap_err();
            assert!(
                matches!(err, StrictJsonError::Syntax(_)),
                "{body:?} gave {err:?}"
            );
            assert_eq!(err.field(), "body");
        }
    }
}
