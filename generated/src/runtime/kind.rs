// Copied by `cargo xtask generate` from templates/src/runtime/kind.rs; edit the template, not this file.
//! Classifying errors: [`ErrorKind`], whether an error is worth retrying,
//! and the request id and retry hint of an [`ApiError`].

use std::time::Duration;

use reqwest::StatusCode;

use super::error::{ApiError, Error};
use super::retry;

/// The response headers that may carry the server's id for a request, in
/// the order they are looked up.
const REQUEST_ID_HEADERS: [&str; 4] = ["x-request-id", "request-id", "x-amzn-requestid", "cf-ray"];

/// What kind of failure an [`Error`] is, for handling errors without
/// matching on status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `400 Bad Request`.
    BadRequest,
    /// `401 Unauthorized`: the API key or token is missing, wrong or expired.
    Authentication,
    /// `403 Forbidden`.
    PermissionDenied,
    /// `404 Not Found`.
    NotFound,
    /// `409 Conflict`.
    Conflict,
    /// `422 Unprocessable Entity`: the request is well-formed but invalid.
    Unprocessable,
    /// `429 Too Many Requests`: a rate or concurrency limit was hit.
    RateLimit,
    /// A `5xx` status.
    Server,
    /// Any other non-success status (e.g. `408`, `413`, a `3xx` not
    /// followed).
    OtherStatus,
    /// The request could not be sent or its response not read: connection
    /// refused or reset, DNS or TLS failure, ...
    Connection,
    /// A timeout elapsed: the request's own or the connection's.
    Timeout,
    /// A success response whose body is not what was expected.
    Decode,
    /// A response body, event-stream line or event larger than its limit
    /// (see [`Limits`](crate::runtime::Limits)).
    TooLarge,
    /// The request could not be built: an invalid header, path parameter
    /// or body, or a value outside its declared bounds.
    InvalidRequest,
    /// The client is not usable as configured: invalid base URL, missing
    /// credentials or environment variable, credentials over plain http.
    Configuration,
    /// The access token provider failed.
    TokenProvider,
    /// A local file or writer failed.
    Io,
    /// The server closed a WebSocket connection with a close code that is
    /// not a server error (e.g. `1008` policy violation, `1003` unsupported
    /// data), or closed it normally before the end of input.
    Closed,
    /// A WebSocket context received messages faster than they were read.
    Overflow,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Api(e) => status_kind(e.status()),
            Self::Event(e) => event_status(e).map_or(ErrorKind::Server, status_kind),
            Self::Http(e) if e.is_timeout() => ErrorKind::Timeout,
            Self::Http(_) => ErrorKind::Connection,
            Self::Timeout { .. }
            | Self::Idle { .. }
            | Self::Stalled { .. }
            | Self::TotalTimeout { .. } => ErrorKind::Timeout,
            Self::TooLarge { .. } => ErrorKind::TooLarge,
            Self::WebSocket { code: None, .. } => ErrorKind::Connection,
            Self::WebSocket {
                code: Some(code), ..
            } if is_server_close(*code) => ErrorKind::Server,
            Self::WebSocket { .. } => ErrorKind::Closed,
            Self::Overflow { .. } => ErrorKind::Overflow,
            Self::Decode { .. } | Self::MalformedBody { .. } => ErrorKind::Decode,
            Self::Io(_) => ErrorKind::Io,
            Self::TokenProvider(_) => ErrorKind::TokenProvider,
            Self::InvalidHeader { .. }
            | Self::Invalid { .. }
            | Self::InvalidPath { .. }
            | Self::Serialize(_)
            | Self::InvalidForm { .. } => ErrorKind::InvalidRequest,
            Self::MissingCredentials { .. }
            | Self::InsecureTransport { .. }
            | Self::InvalidBaseUrl { .. }
            | Self::MissingEnv { .. } => ErrorKind::Configuration,
        }
    }

    /// Whether sending the same request again may succeed: a connection
    /// error, a timeout, or a `408`, `429` or `5xx` response; for a
    /// WebSocket, a failed connection, a server error close code (`1011` to
    /// `1014`) or an idle timeout. The client
    /// retries such failures itself (see
    /// [`RetryPolicy`](crate::runtime::RetryPolicy)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(e) => {
                let status = e.status();
                status.is_server_error()
                    || status == StatusCode::REQUEST_TIMEOUT
                    || status == StatusCode::TOO_MANY_REQUESTS
            }
            Self::Event(e) => event_status(e).is_some_and(|status| {
                status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
            }),
            Self::Timeout { .. } | Self::Idle { .. } | Self::Stalled { .. } => true,
            Self::WebSocket { code, .. } => code.is_none_or(is_server_close),
            Self::Http(e) => e.is_connect() || e.is_timeout() || e.is_request() || e.is_body(),
            _ => false,
        }
    }
}

/// The status an error message carries, if it is a valid one.
fn event_status(error: &super::error::EventError) -> Option<StatusCode> {
    error.status().and_then(|s| StatusCode::from_u16(s).ok())
}

/// Close codes for failures of the server: internal error, service
/// restart, try again later, bad gateway.
fn is_server_close(code: u16) -> bool {
    (1011..=1014).contains(&code)
}

fn status_kind(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        400 => ErrorKind::BadRequest,
        401 => ErrorKind::Authentication,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        422 => ErrorKind::Unprocessable,
        429 => ErrorKind::RateLimit,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::OtherStatus,
    }
}

impl ApiError {
    /// The server's id for the request, to quote when reporting a problem:
    /// the first of the `x-request-id`, `request-id`, `x-amzn-requestid`
    /// and `cf-ray` headers that is present and visible ASCII, or else the
    /// request id of the decoded error body ([`ApiError::detail`]).
    pub fn request_id(&self) -> Option<&str> {
        REQUEST_ID_HEADERS
            .iter()
            .find_map(|name| self.headers().get(*name)?.to_str().ok())
            .or_else(|| self.body_request_id())
    }

    /// How long the server asked to wait before trying again, from its
    /// `retry-after-ms` or `Retry-After` header (seconds or an HTTP date; a
    /// date in the past is zero).
    pub fn retry_after(&self) -> Option<Duration> {
        retry::retry_after(self.headers())
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn api(status: u16, headers: &[(&'static str, &'static str)]) -> Error {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_static(value));
        }
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        Error::Api(ApiError::new(status, map, Bytes::new()))
    }

    #[test]
    fn statuses_map_to_kinds() {
        let cases = [
            (400, ErrorKind::BadRequest, false),
            (401, ErrorKind::Authentication, false),
            (403, ErrorKind::PermissionDenied, false),
            (404, ErrorKind::NotFound, false),
            (408, ErrorKind::OtherStatus, true),
            (409, ErrorKind::Conflict, false),
            (413, ErrorKind::OtherStatus, false),
            (422, ErrorKind::Unprocessable, false),
            (429, ErrorKind::RateLimit, true),
            (500, ErrorKind::Server, true),
            (502, ErrorKind::Server, true),
            (503, ErrorKind::Server, true),
            (599, ErrorKind::Server, true),
            (307, ErrorKind::OtherStatus, false),
        ];
        for (status, kind, retryable) in cases {
            let error = api(status, &[]);
            assert_eq!(error.kind(), kind, "{status}");
            assert_eq!(error.is_retryable(), retryable, "{status}");
        }
    }

    #[test]
    fn other_errors_map_to_kinds() {
        let timeout = Error::Timeout {
            after: Duration::from_secs(3),
        };
        assert_eq!(timeout.kind(), ErrorKind::Timeout);
        assert!(timeout.is_timeout() && timeout.is_retryable());
        assert_eq!(timeout.to_string(), "request timed out after 3s");
        let provider = Error::TokenProvider(std::sync::Arc::new(std::io::Error::other("down")));
        assert_eq!(provider.kind(), ErrorKind::TokenProvider);
        assert!(!provider.is_retryable());
        assert_eq!(provider.to_string(), "access token provider failed: down");
        let env = Error::MissingEnv {
            var: "CARTESIA_API_KEY".into(),
        };
        assert_eq!(env.kind(), ErrorKind::Configuration);
        assert_eq!(
            env.to_string(),
            "environment variable `CARTESIA_API_KEY` is not set, empty or not unicode"
        );
        let header = Error::InvalidHeader { name: "x".into() };
        assert_eq!(header.kind(), ErrorKind::InvalidRequest);
        assert!(!header.is_retryable());
        let io = Error::Io(std::io::Error::other("disk"));
        assert_eq!(io.kind(), ErrorKind::Io);
        let decode = serde_json::from_str::<u8>("x").map_err(|source| Error::Decode {
            status: StatusCode::OK,
            body: "x".into(),
            source,
        });
        assert_eq!(decode.err().map(|e| e.kind()), Some(ErrorKind::Decode));
    }

    #[test]
    fn websocket_errors_map_to_kinds() {
        let closed = |code, reason: &str| Error::WebSocket {
            code,
            reason: reason.into(),
        };
        let cases = [
            (
                closed(None, "connection reset"),
                ErrorKind::Connection,
                true,
            ),
            (closed(Some(1011), "oops"), ErrorKind::Server, true),
            (closed(Some(1013), ""), ErrorKind::Server, true),
            (closed(Some(1008), "bad"), ErrorKind::Closed, false),
            (closed(Some(1000), ""), ErrorKind::Closed, false),
            (Error::Overflow { capacity: 8 }, ErrorKind::Overflow, false),
            (
                Error::Idle {
                    after: Duration::from_secs(2),
                },
                ErrorKind::Timeout,
                true,
            ),
        ];
        for (error, kind, retryable) in cases {
            assert_eq!(error.kind(), kind, "{error}");
            assert_eq!(error.is_retryable(), retryable, "{error}");
        }
        assert_eq!(
            closed(Some(1008), "bad voice").to_string(),
            "websocket closed by the server with code 1008: bad voice"
        );
        assert_eq!(
            closed(Some(1011), "").to_string(),
            "websocket closed by the server with code 1011"
        );
        assert_eq!(
            closed(None, "tls: bad certificate").to_string(),
            "websocket error: tls: bad certificate"
        );
        let idle = Error::Idle {
            after: Duration::from_secs(2),
        };
        assert!(idle.is_timeout());
        assert_eq!(idle.to_string(), "no websocket message for 2s");
    }

    #[tokio::test]
    async fn transport_failures_are_connection_errors() {
        let (_reserved, port) = super::super::tests::refused_port();
        let refused = reqwest::get(format!("http://127.0.0.1:{port}/")).await;
        let error = Error::http(refused.expect_err("nothing listens"));
        assert_eq!(error.kind(), ErrorKind::Connection);
        assert!(error.is_retryable() && !error.is_timeout());
    }

    #[test]
    fn request_id_comes_from_the_first_known_header() {
        let id = |e: &Error| match e {
            Error::Api(e) => e.request_id().map(str::to_owned),
            _ => None,
        };
        assert_eq!(id(&api(500, &[])), None);
        assert_eq!(
            id(&api(500, &[("cf-ray", "8f-AMS")])).as_deref(),
            Some("8f-AMS")
        );
        let both = api(500, &[("cf-ray", "8f-AMS"), ("X-Request-Id", "req_1")]);
        assert_eq!(id(&both).as_deref(), Some("req_1"));
        assert_eq!(
            id(&api(404, &[("request-id", "r2")])).as_deref(),
            Some("r2")
        );
    }

    #[test]
    fn retry_after_is_exposed() {
        match api(429, &[("retry-after", "12")]) {
            Error::Api(e) => assert_eq!(e.retry_after(), Some(Duration::from_secs(12))),
            _ => unreachable!(),
        }
    }
}
