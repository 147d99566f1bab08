// Copied by `cargo xtask generate` from templates/src/runtime/urls.rs; edit the template, not this file.
//! Base URL validation, request path checks, same-origin redirects and
//! user-info redaction for messages.

use reqwest::redirect;
use url::Url;

use super::error::Error;

const MAX_REDIRECTS: usize = 10;

/// Follows at most [`MAX_REDIRECTS`] redirects, and only within the original
/// origin, so that credentials never reach another host.
pub(super) fn same_origin_redirects() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Parses and checks a base URL; the result has no trailing slash.
pub(super) fn parse_base_url(raw: &str) -> Result<Url, Error> {
    let invalid = |reason: &str| Error::InvalidBaseUrl {
        url: redact_userinfo(raw),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host().is_none() {
        return Err(invalid("a host is required"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials in the url are not supported"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a query or fragment is not supported"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// Removes a `user:password@` part from a URL-like string for messages.
pub(super) fn redact_userinfo(raw: &str) -> String {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return raw.to_owned();
    };
    let authority_end = raw[start..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| start + i);
    match raw[start..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &raw[..start], &raw[start + at + 1..]),
        None => raw.to_owned(),
    }
}

/// Whether a path has a segment that URL parsing would collapse
/// (`.`, `..` or a percent-encoded form of them).
pub(super) fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase();
        let undotted = lower.replace("%2e", ".");
        undotted == "." || undotted == ".."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        let path = |u: &str| {
            parse_base_url(u)
                .map(|u| u.to_string())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            path("https://api.cartesia.ai").as_deref(),
            Ok("https://api.cartesia.ai/")
        );
        assert_eq!(path("https://h/v1/").as_deref(), Ok("https://h/v1"));
        assert_eq!(
            path(" http://127.0.0.1:9/a//").as_deref(),
            Ok("http://127.0.0.1:9/a")
        );
        assert!(path("ftp://h").is_err_and(|e| e.contains("scheme must be http or https")));
        assert!(path("not a url").is_err_and(|e| e.starts_with("invalid base url `not a url`: ")));
        assert!(path("https://h/?x=1").is_err());
        assert!(path("https://h/#f").is_err());
        let creds = path("https://user:hunter2@h/v1").err().unwrap_or_default();
        assert!(
            creds.contains("https://***@h/v1") && !creds.contains("hunter2"),
            "{creds}"
        );
    }

    #[test]
    fn userinfo_is_redacted_even_when_unparseable() {
        assert_eq!(
            redact_userinfo("https://u:p@h:x/path@x"),
            "https://***@h:x/path@x"
        );
        assert_eq!(redact_userinfo("h@x"), "h@x");
        assert_eq!(redact_userinfo("https://h/a@b"), "https://h/a@b");
    }

    #[test]
    fn dot_segments_are_detected() {
        assert!(has_dot_segment("/voices/.."));
        assert!(has_dot_segment("/voices/%2E%2e/x"));
        assert!(has_dot_segment("/voices/./x"));
        assert!(!has_dot_segment("/voices/..%2Fadmin"));
        assert!(!has_dot_segment("/voices/a.b"));
    }
}
