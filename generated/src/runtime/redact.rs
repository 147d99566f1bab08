// Copied by `cargo xtask generate` from templates/src/runtime/redact.rs; edit the template, not this file.
//! Keeping secrets out of error messages and `Debug` output: body excerpts
//! with the values of secret-looking JSON keys hidden, and sensitive
//! headers marked so that `Debug` does not show them.

use reqwest::header::HeaderMap;

use super::auth::{SchemeLocation, SecurityScheme};

/// How many bytes of a body an error keeps to show.
pub(super) const EXCERPT_BYTES: usize = 1024;

/// What replaces a hidden value.
const HIDDEN: &str = "***";

/// Parts of a JSON key (compared in lowercase) whose string value is
/// hidden: `token`, `access_token`, `refresh_token`, `api_key`, `apiKey`,
/// `client_secret`, `password`, `authorization`, ...
const SECRET_KEY_PARTS: [&str; 8] = [
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "authorization",
    "credential",
];

/// Parts of a header name (in lowercase, as `http` stores them) whose value
/// `Debug` hides: `Authorization`, `Proxy-Authorization`, `X-API-Key`,
/// `Cookie`, `Set-Cookie`, `X-Auth-Token`, ...
const SECRET_HEADER_PARTS: [&str; 6] = ["auth", "key", "token", "secret", "cookie", "session"];

/// The start of `body` as text (at most [`EXCERPT_BYTES`], then `...`),
/// with the string value of every secret-looking JSON key replaced by
/// `***`.
pub(super) fn excerpt(body: &[u8]) -> String {
    let cut = body.len() > EXCERPT_BYTES;
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]);
    let mut shown = hide_secret_values(&text);
    if cut {
        shown.push_str("...");
    }
    shown
}

/// `text` with the string value of every secret-looking key replaced by
/// `***`, in one pass. A value cut off by the end of `text` is hidden to its
/// end; the text need not be valid JSON.
pub(super) fn hide_secret_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[copied..]` is still to be copied to `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let key_end = string_end(bytes, i + 1);
        let key = &text[i + 1..key_end.min(text.len())];
        i = key_end + 1;
        if !is_secret_key(key) {
            continue;
        }
        // A key: whitespace, `:`, whitespace, then a string value.
        let mut j = skip_space(bytes, i);
        if bytes.get(j) != Some(&b':') {
            continue;
        }
        j = skip_space(bytes, j + 1);
        if bytes.get(j) != Some(&b'"') {
            continue;
        }
        let value_end = string_end(bytes, j + 1);
        out.push_str(&text[copied..=j]);
        out.push_str(HIDDEN);
        copied = value_end.min(text.len());
        i = value_end + 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// The index of the quote closing the JSON string whose text starts at
/// `start`, or the length of `bytes` if it is not closed.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    SECRET_KEY_PARTS.iter().any(|part| key.contains(part))
}

/// Marks the values of sensitive headers so that `Debug` shows `Sensitive`
/// instead: names with a secret-looking part and the headers `schemes` put
/// credentials in. The values stay readable through the map.
pub(super) fn mark_sensitive(headers: &mut HeaderMap, schemes: &[SecurityScheme]) {
    let named = |name: &str| {
        schemes.iter().any(|scheme| match scheme.location {
            SchemeLocation::Header(header) => header.eq_ignore_ascii_case(name),
            _ => false,
        })
    };
    for (name, value) in headers.iter_mut() {
        let name = name.as_str();
        if SECRET_HEADER_PARTS.iter().any(|part| name.contains(part)) || named(name) {
            value.set_sensitive(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn secret_values_are_hidden_wherever_they_are() {
        let cases = [
            (
                r#"{"token":"tok_live","expires_in":"soon"}"#,
                r#"{"token":"***","expires_in":"soon"}"#,
            ),
            (
                r#"{ "Access_Token" : "a\"b\\", "n": 1 }"#,
                r#"{ "Access_Token" : "***", "n": 1 }"#,
            ),
            (
                r#"[{"apiKey": "k1"}, {"client-secret":"s"}, {"password": "p"}]"#,
                r#"[{"apiKey": "***"}, {"client-secret":"***"}, {"password": "***"}]"#,
            ),
            // Cut off inside the value, or inside the key.
            (r#"{"token": "eyJhbGciOi"#, r#"{"token": "***"#),
            (r#"{"tok"#, r#"{"tok"#),
            // Only string values of secret keys; a string that is a value
            // is not taken for a key.
            (
                r#"{"max_tokens": 5, "name": "token", "x": "y"}"#,
                r#"{"max_tokens": 5, "name": "token", "x": "y"}"#,
            ),
            ("not json: token=abc", "not json: token=abc"),
            ("", ""),
            (r#""é":"token""#, r#""é":"token""#),
        ];
        for (text, expected) in cases {
            assert_eq!(hide_secret_values(text), expected, "{text}");
        }
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = format!(r#"{{"token":"{}"}}"#, "x".repeat(5000));
        assert_eq!(excerpt(long.as_bytes()), r#"{"token":"***..."#);
        let long = "é".repeat(EXCERPT_BYTES);
        let shown = excerpt(long.as_bytes());
        assert!(shown.len() <= EXCERPT_BYTES + 3 + 3, "{}", shown.len());
        assert!(shown.ends_with("..."));
        assert_eq!(excerpt(b"ok \xff"), "ok \u{fffd}");
    }

    #[test]
    fn sensitive_headers_are_hidden_from_debug() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("authorization", "Bearer tok_1"),
            ("x-api-key", "sk_2"),
            ("cookie", "sid=s_3"),
            ("set-cookie", "sid=s_4"),
            ("x-custom-credential", "c_5"),
            ("x-request-id", "r-visible"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let schemes = [SecurityScheme {
            name: "Custom",
            location: SchemeLocation::Header("X-Custom-Credential"),
        }];
        mark_sensitive(&mut headers, &schemes);
        let shown = format!("{headers:?}");
        for secret in ["tok_1", "sk_2", "s_3", "s_4", "c_5"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("r-visible"), "{shown}");
        assert_eq!(
            headers.get("x-api-key").map(HeaderValue::as_bytes),
            Some(&b"sk_2"[..])
        );
    }
}
