//! Wire-format helpers: discriminated (tagged) unions, [`Base64Bytes`] and
//! path-parameter encoding.

use std::fmt;
use std::ops::Deref;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::{self, Deserialize as _, DeserializeOwned, Deserializer, Unexpected};
use serde::ser::{self, Serialize, Serializer};
use serde_json::{Map, Value};

/// Everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path parameter value so that it stays one path segment:
/// `"a/b?c#d"` becomes `"a%2Fb%3Fc%23d"`.
pub(crate) fn encode_path(value: &str) -> String {
    utf8_percent_encode(value, PATH_SEGMENT).to_string()
}

/// Deserializes a JSON object and returns the string value of its `tag`
/// property together with the whole object (tag included).
pub(crate) fn split_tag<'de, D: Deserializer<'de>>(
    deserializer: D,
    tag: &'static str,
) -> Result<(String, Value), D::Error> {
    let value = <Value as serde::Deserialize<'de>>::deserialize(deserializer)?;
    let found = match &value {
        Value::Object(map) => match map.get(tag) {
            Some(Value::String(found)) => found.clone(),
            Some(other) => {
                let expected = format!("a string in the `{tag}` tag");
                return Err(de::Error::invalid_type(
                    unexpected(other),
                    &expected.as_str(),
                ));
            }
            None => return Err(de::Error::missing_field(tag)),
        },
        other => {
            let expected = format!("an object with a `{tag}` tag");
            return Err(de::Error::invalid_type(
                unexpected(other),
                &expected.as_str(),
            ));
        }
    };
    Ok((found, value))
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Unexpected::Signed(i),
            (_, Some(u), _) => Unexpected::Unsigned(u),
            (_, _, Some(f)) => Unexpected::Float(f),
            _ => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Reads a date and time given as RFC 3339 text (as `chrono` reads it) or,
/// as some APIs send timestamps whatever their description says, as seconds
/// since the Unix epoch, whole or fractional. Written back as RFC 3339.
pub(crate) fn date_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<Utc>, D::Error> {
    struct Visitor;

    impl Visitor {
        fn at_seconds<E: de::Error>(self, seconds: i64, nanos: u32) -> Result<DateTime<Utc>, E> {
            DateTime::from_timestamp(seconds, nanos)
                .ok_or_else(|| E::invalid_value(Unexpected::Signed(seconds), &self))
        }
    }

    impl de::Visitor<'_> for Visitor {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 date and time, or seconds since the Unix epoch")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            value
                .parse()
                .map_err(|_| E::invalid_value(Unexpected::Str(value), &self))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            self.at_seconds(value, 0)
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            let seconds = i64::try_from(value)
                .map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))?;
            self.at_seconds(seconds, 0)
        }

        fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
            let invalid = || E::invalid_value(Unexpected::Float(value), &Visitor);
            if !value.is_finite() || value.abs() > 1e15 {
                return Err(invalid());
            }
            let seconds = value.floor();
            // In range: `value` is finite and far below `i64::MAX`, and the fraction is in [0, 1).
            let (whole, nanos) = (seconds as i64, ((value - seconds) * 1e9).round() as u32);
            let (whole, nanos) = if nanos >= 1_000_000_000 {
                (whole + 1, 0)
            } else {
                (whole, nanos)
            };
            self.at_seconds(whole, nanos)
        }
    }

    deserializer.deserialize_any(Visitor)
}

/// [`date_time`] for a field that may be absent or null.
pub(crate) fn optional_date_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Lenient(#[serde(deserialize_with = "date_time")] DateTime<Utc>);

    Ok(Option::<Lenient>::deserialize(deserializer)?.map(|Lenient(value)| value))
}

/// Deserializes one variant of a tagged union from the value returned by
/// [`split_tag`], reporting failures as the outer deserializer's error.
pub(crate) fn from_value<'de, T: DeserializeOwned, D: Deserializer<'de>>(
    value: Value,
) -> Result<T, D::Error> {
    serde_json::from_value(value).map_err(de::Error::custom)
}

/// Serializes one variant of a tagged union: `payload` must serialize to an
/// object, into which the tag property is inserted first (replacing any
/// existing one).
pub(crate) fn serialize_tagged<S: Serializer, T: Serialize + ?Sized>(
    serializer: S,
    tag: &'static str,
    value: &'static str,
    payload: &T,
) -> Result<S::Ok, S::Error> {
    let fields = match serde_json::to_value(payload).map_err(ser::Error::custom)? {
        Value::Object(fields) => fields,
        _ => {
            let msg = format!(
                "the `{value}` variant must serialize to an object to carry the `{tag}` tag"
            );
            return Err(ser::Error::custom(msg));
        }
    };
    let mut tagged = Map::with_capacity(fields.len() + 1);
    tagged.insert(tag.to_owned(), Value::String(value.to_owned()));
    tagged.extend(fields.into_iter().filter(|(k, _)| k != tag));
    tagged.serialize(serializer)
}

/// Binary data carried as a standard base64 string (OpenAPI `format: byte`).
///
/// Deserializing accepts padded or unpadded input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64Bytes(pub Vec<u8>);

impl Base64Bytes {
    /// The bytes, consuming the wrapper.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Base64Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Base64Bytes {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<Base64Bytes> for Vec<u8> {
    fn from(bytes: Base64Bytes) -> Self {
        bytes.0
    }
}

impl Deref for Base64Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Base64Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl de::Visitor<'_> for Visitor {
            type Value = Base64Bytes;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Base64Bytes, E> {
                STANDARD_NO_PAD
                    .decode(s.trim_end_matches('='))
                    .map(Base64Bytes)
                    .map_err(|e| E::custom(format_args!("invalid base64: {e}")))
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn encode_path_keeps_one_segment() {
        let table = [
            ("abc-123_X.y~z", "abc-123_X.y~z"),
            ("a/b?c#d", "a%2Fb%3Fc%23d"),
            ("../admin", "..%2Fadmin"),
            ("100%", "100%25"),
            ("a b+c", "a%20b%2Bc"),
            ("é", "%C3%A9"),
            ("a;b=c&d", "a%3Bb%3Dc%26d"),
            ("", ""),
        ];
        for (raw, encoded) in table {
            assert_eq!(encode_path(raw), encoded, "encoding {raw:?}");
        }
    }

    #[derive(Debug, PartialEq, serde::Serialize, Deserialize)]
    struct Raw {
        encoding: String,
    }

    #[derive(Debug, PartialEq, serde::Serialize, Deserialize)]
    struct Wav {
        container: String,
        rate: u32,
    }

    #[derive(Debug, PartialEq)]
    enum Format {
        Raw(Raw),
        Wav(Wav),
        Unknown(Value),
    }

    impl<'de> Deserialize<'de> for Format {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (tag, value) = split_tag::<D>(d, "container")?;
            match tag.as_str() {
                "raw" => from_value::<_, D>(value).map(Self::Raw),
                "wav" => from_value::<_, D>(value).map(Self::Wav),
                _ => Ok(Self::Unknown(value)),
            }
        }
    }

    impl Serialize for Format {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Self::Raw(v) => serialize_tagged(s, "container", "raw", v),
                Self::Wav(v) => serialize_tagged(s, "container", "wav", v),
                Self::Unknown(v) => v.serialize(s),
            }
        }
    }

    fn parse(json: &str) -> Result<Format, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn tagged_union_deserializes_by_tag() {
        assert_eq!(
            parse(r#"{"container":"raw","encoding":"pcm_f32le"}"#),
            Ok(Format::Raw(Raw {
                encoding: "pcm_f32le".into()
            }))
        );
        assert_eq!(
            parse(r#"{"rate":44100,"container":"wav"}"#),
            Ok(Format::Wav(Wav {
                container: "wav".into(),
                rate: 44100
            }))
        );
        let unknown = parse(r#"{"container":"mp3","bit_rate":1}"#);
        assert_eq!(
            unknown,
            Ok(Format::Unknown(
                serde_json::json!({"container":"mp3","bit_rate":1})
            ))
        );
    }

    #[test]
    fn tagged_union_errors_name_the_tag() {
        let missing = parse(r#"{"encoding":"x"}"#).err().unwrap_or_default();
        assert!(missing.contains("missing field `container`"), "{missing}");
        let not_string = parse(r#"{"container":3}"#).err().unwrap_or_default();
        assert!(not_string.contains("`container`"), "{not_string}");
        let not_object = parse("[1]").err().unwrap_or_default();
        assert!(
            not_object.contains("an object with a `container` tag"),
            "{not_object}"
        );
        let bad_variant = parse(r#"{"container":"wav","rate":"fast"}"#)
            .err()
            .unwrap_or_default();
        assert!(bad_variant.contains("invalid type"), "{bad_variant}");
    }

    #[test]
    fn tagged_union_serializes_tag_first() {
        let raw = Format::Raw(Raw {
            encoding: "pcm".into(),
        });
        assert_eq!(
            serde_json::to_value(&raw).ok(),
            Some(serde_json::json!({"container":"raw","encoding":"pcm"}))
        );
        // An existing tag property is overwritten by the variant's tag.
        let wav = Format::Wav(Wav {
            container: "bogus".into(),
            rate: 8000,
        });
        assert_eq!(
            serde_json::to_string(&wav).ok().as_deref(),
            Some(r#"{"container":"wav","rate":8000}"#)
        );
        let unknown = Format::Unknown(serde_json::json!({"container":"mp3"}));
        assert_eq!(
            serde_json::to_string(&unknown).ok().as_deref(),
            Some(r#"{"container":"mp3"}"#)
        );
    }

    #[test]
    fn tagged_serialize_rejects_non_objects() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_tagged(s, "kind", "bad", &42)
            }
        }
        let err = serde_json::to_string(&Bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("`bad` variant must serialize to an object"),
            "{err}"
        );
    }

    #[test]
    fn base64_round_trip() {
        let bytes = Base64Bytes::from(vec![0u8, 1, 2, 250, 255]);
        let json = serde_json::to_string(&bytes).ok();
        assert_eq!(json.as_deref(), Some("\"AAEC+v8=\""));
        let back: Option<Base64Bytes> = json.and_then(|j| serde_json::from_str(&j).ok());
        assert_eq!(back.as_ref(), Some(&bytes));
        let unpadded: Option<Base64Bytes> = serde_json::from_str("\"AAEC+v8\"").ok();
        assert_eq!(unpadded, Some(bytes.clone()));
        assert_eq!(&*bytes, &[0, 1, 2, 250, 255]);
        assert_eq!(bytes.as_ref().len(), 5);
        assert_eq!(Vec::from(bytes), vec![0, 1, 2, 250, 255]);
        assert!(serde_json::from_str::<Base64Bytes>("\"not base64!\"").is_err());
        assert!(serde_json::from_str::<Base64Bytes>("12").is_err());
        assert_eq!(
            serde_json::from_str::<Base64Bytes>("\"\"").ok(),
            Some(Base64Bytes::default())
        );
    }

    #[derive(Debug, Deserialize)]
    struct Stamped {
        #[serde(deserialize_with = "date_time")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "optional_date_time")]
        until: Option<DateTime<Utc>>,
    }

    fn stamped(json: &str) -> Result<Stamped, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn date_times_are_read_as_text_or_epoch_seconds() {
        let text = stamped(r#"{"at": "2021-04-09T07:53:28.068+02:00"}"#).expect("text");
        assert_eq!(text.at.to_rfc3339(), "2021-04-09T05:53:28.068+00:00");
        assert_eq!(text.until, None);
        let seconds = stamped(r#"{"at": 1617954808, "until": null}"#).expect("integer");
        assert_eq!(seconds.at.to_rfc3339(), "2021-04-09T07:53:28+00:00");
        assert_eq!(seconds.until, None);
        let fraction =
            stamped(r#"{"at": 1617954808.068, "until": 1617954809.9999999999}"#).expect("fraction");
        assert_eq!(fraction.at.timestamp_subsec_millis(), 68);
        assert_eq!(
            fraction.until.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-04-09T07:53:30+00:00")
        );
        for bad in [
            r#"{"at": "yesterday"}"#,
            r#"{"at": true}"#,
            r#"{"at": 1e300}"#,
            r#"{"at": 18446744073709551615}"#,
            r#"{"at": "2021-04-09T07:53:28Z", "until": "soon"}"#,
        ] {
            let error = stamped(bad).expect_err(bad).to_string();
            assert!(error.contains("date and time"), "{bad}: {error}");
        }
    }
}
