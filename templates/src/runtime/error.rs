//! The crate's error type and the non-2xx response it wraps.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::auth::SecurityScheme;
use super::redact::{excerpt, mark_sensitive};

/// How many characters of a response body [`ApiError`]'s `Display` shows.
const DISPLAY_BODY_CHARS: usize = 200;

/// Everything that can go wrong when calling the API.
///
/// No message ever contains a credential: header values are never echoed,
/// transport errors are stored without their URL (which may carry a query
/// credential), base URLs are shown without their user-info part, and the
/// response bodies kept in [`Error::Decode`] and [`Error::MalformedBody`]
/// are bounded excerpts with the string values of secret-looking JSON keys
/// (`token`, `access_token`, `api_key`, `secret`, `password`, ...)
/// replaced by `***`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a status outside `200..=299`.
    #[error(transparent)]
    Api(ApiError),

    /// The server answered with a success status but its body could not be
    /// decoded into the expected type.
    #[error("failed to decode response body (http {status}): {source}")]
    Decode {
        /// The response status.
        status: StatusCode,
        /// The start of the response body (or of the event's data), decoded
        /// as UTF-8 lossily, with secret-looking values hidden (see
        /// [`Error`]).
        body: String,
        /// What the JSON decoder complained about.
        source: serde_json::Error,
    },

    /// The server answered with a success status but its body is not the
    /// text expected: not valid UTF-8, or not a well-formed event stream.
    #[error("malformed response body (http {status}): {reason}")]
    MalformedBody {
        /// The response status.
        status: StatusCode,
        /// The start of the offending body (or part of it), decoded as
        /// UTF-8 lossily, with secret-looking values hidden (see [`Error`]).
        body: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The request could not be sent or its response could not be read:
    /// connection refused, DNS failure, TLS error, timeout, a connection
    /// dropped while a streamed body was being read, ...
    #[error("http transport error: {0}")]
    Http(#[source] reqwest::Error),

    /// No response (for a streamed body: no response head) arrived within
    /// the request's timeout.
    #[error("request timed out after {after:?}")]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },

    /// A streamed response body (audio, an event stream) sent nothing for
    /// longer than its idle timeout (see
    /// [`ClientBuilder::idle_timeout`](crate::runtime::ClientBuilder::idle_timeout));
    /// the stream has ended.
    #[error("response body stalled: nothing received for {after:?} (the idle timeout)")]
    Stalled {
        /// The idle timeout that elapsed.
        after: Duration,
    },

    /// A response is larger than the client reads into memory: a JSON or
    /// text body, a line or an event of an event stream (see
    /// [`Limits`](crate::runtime::Limits)).
    #[error(
        "{what} too large: {size} bytes or more, over the limit of {limit} bytes (`Limits::{setting}`)"
    )]
    TooLarge {
        /// What was too large, e.g. `response body` or `event-stream line`.
        what: &'static str,
        /// The [`Limits`](crate::runtime::Limits) setting that was exceeded,
        /// e.g. `max_body_size`.
        setting: &'static str,
        /// How many bytes were declared or received when reading stopped.
        size: u64,
        /// The limit, in bytes.
        limit: u64,
    },

    /// The request's total time budget
    /// ([`RetryPolicy::total_timeout`](crate::runtime::RetryPolicy::total_timeout))
    /// ran out before an attempt succeeded; `last` is how the last attempt
    /// failed (an [`Error::Timeout`] if the budget cut it).
    #[error("gave up after {attempts} attempt(s) within the total timeout of {budget:?}: {last}")]
    TotalTimeout {
        /// How many attempts were made.
        attempts: u32,
        /// The budget that ran out.
        budget: Duration,
        /// The failure of the last attempt.
        #[source]
        last: Box<Error>,
    },

    /// The [`TokenProvider`](crate::runtime::TokenProvider) of a security
    /// scheme failed to supply an access token; carries the provider's own
    /// error.
    #[error("access token provider failed: {0}")]
    TokenProvider(#[source] Arc<dyn std::error::Error + Send + Sync>),

    /// An environment variable the client is configured from is not set,
    /// is empty or is not valid Unicode.
    #[error("environment variable `{var}` is not set, empty or not unicode")]
    MissingEnv {
        /// The variable's name.
        var: String,
    },

    /// A local file or writer failed: opening a file to upload, or writing
    /// a downloaded body.
    #[error("i/o error: {0}")]
    Io(#[source] std::io::Error),

    /// A header name or value is not valid in HTTP (e.g. it contains
    /// control characters). The value is deliberately not included.
    #[error("invalid name or value for header `{name}`")]
    InvalidHeader {
        /// The header name as given.
        name: String,
    },

    /// None of the configured credentials satisfy the operation's security
    /// requirements.
    #[error("missing credentials: this operation requires {required}")]
    MissingCredentials {
        /// The accepted security schemes, e.g. `TokenAuth or APIKeyAuth`.
        required: String,
    },

    /// Credentials would have been sent over plain `http` to a host that is
    /// not a loopback address, so the request was not sent.
    #[error("refusing to send credentials over plain http to non-loopback host `{host}`")]
    InsecureTransport {
        /// The host of the base URL.
        host: String,
    },

    /// The configured base URL is not usable.
    #[error("invalid base url `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL as given, without any user-info part.
        url: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A request path would be rewritten by URL normalization, e.g. because
    /// a path parameter is `.` or `..`, so the request was not sent.
    #[error("invalid request path `{path}`: {reason}")]
    InvalidPath {
        /// The percent-encoded path.
        path: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A request body could not be serialized to JSON.
    #[error("failed to serialize request body: {0}")]
    Serialize(#[source] serde_json::Error),

    /// A form request body (URL-encoded or multipart) could not be built,
    /// e.g. because a value is not a flat key-value structure or a file
    /// part has an invalid content type.
    #[error("invalid form body: {reason}")]
    InvalidForm {
        /// Why it was rejected.
        reason: String,
    },

    /// A WebSocket connection failed: it could not be opened (connection
    /// refused, TLS), the server broke the protocol or sent a message larger
    /// than allowed, or it closed the connection: with an error code, without
    /// a close frame, or normally but before the end of input. A refused
    /// handshake is an [`Error::Api`] instead, like an HTTP error response.
    #[error("{}", websocket_message(*code, reason))]
    WebSocket {
        /// The close code the server sent, e.g. `1008` (policy violation);
        /// `None` when the connection failed without one.
        code: Option<u16>,
        /// The server's close reason, or what went wrong.
        reason: String,
    },

    /// The server reported an error in a message of a WebSocket connection
    /// (an error event), e.g. for one context; the context or session has
    /// ended.
    #[error("{0}")]
    Event(Box<EventError>),

    /// Nothing arrived for too long: no frame at all over a WebSocket
    /// connection (see `WsConfig::idle_timeout`), or no message on one of
    /// its contexts (`WsConfig::context_idle_timeout`).
    #[error("no websocket message for {after:?}")]
    Idle {
        /// The timeout that elapsed.
        after: Duration,
    },

    /// Messages for a WebSocket context arrived faster than they were read
    /// and its buffer is full; the context was cancelled (see
    /// `WsConfig::context_buffer`).
    #[error(
        "websocket context buffer full ({capacity} bytes): messages arrived faster than they were read"
    )]
    Overflow {
        /// The buffer's size in bytes.
        capacity: usize,
    },

    /// A value is outside the bounds the API declares for it (minimum,
    /// maximum, length, item count); the request was not sent.
    #[error("invalid `{field}`: {reason}")]
    Invalid {
        /// The field or parameter, e.g. `TokenRequest.expires_in`.
        field: String,
        /// Which bound it breaks.
        reason: String,
    },
}

impl Error {
    /// The HTTP status of the response, if one was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status()),
            Self::Decode { status, .. } | Self::MalformedBody { status, .. } => Some(*status),
            Self::Http(e) => e.status(),
            Self::TotalTimeout { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Whether the request failed because a timeout elapsed: the request's
    /// own ([`Error::Timeout`]), a streamed body's idle timeout
    /// ([`Error::Stalled`]), a WebSocket's ([`Error::Idle`]) or the
    /// transport's (e.g. connecting).
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Idle { .. }
            | Self::Stalled { .. }
            | Self::TotalTimeout { .. } => true,
            Self::Http(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// Wraps a transport error, dropping its URL so that query-string
    /// credentials cannot leak through the message.
    pub(crate) fn http(err: reqwest::Error) -> Self {
        Self::Http(err.without_url())
    }
}

/// An error message a server sent over a WebSocket connection, read
/// leniently: the fields are taken from whichever shape it has (an `error`
/// text, or a `title` and `message` with an `error_code`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventError {
    status: Option<u16>,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
}

impl EventError {
    /// Reads an error message; the message is empty if it has none.
    pub(crate) fn from_json(value: &serde_json::Value) -> Self {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let message = match (text("title"), text("message"), text("error")) {
            (Some(title), Some(message), _) if title != message => format!("{title}: {message}"),
            (_, Some(message), _) | (Some(message), None, _) | (None, None, Some(message)) => {
                message
            }
            (None, None, None) => String::new(),
        };
        Self {
            status: value
                .get("status_code")
                .and_then(serde_json::Value::as_u64)
                .and_then(|s| u16::try_from(s).ok()),
            code: text("error_code"),
            message,
            request_id: text("request_id"),
        }
    }

    /// The HTTP-style status the message carries (`status_code`), if any.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The machine-readable error code (`error_code`), if any.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// What the server said went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's id of the request, to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server reported an error")?;
        match (self.status, &self.code) {
            (Some(status), Some(code)) => write!(f, " ({status} {code})")?,
            (Some(status), None) => write!(f, " ({status})")?,
            (None, Some(code)) => write!(f, " ({code})")?,
            (None, None) => {}
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

/// The message of [`Error::WebSocket`].
fn websocket_message(code: Option<u16>, reason: &str) -> String {
    match (code, reason.is_empty()) {
        (Some(code), true) => format!("websocket closed by the server with code {code}"),
        (Some(code), false) => {
            format!("websocket closed by the server with code {code}: {reason}")
        }
        (None, _) => format!("websocket error: {reason}"),
    }
}

/// A response whose status was not a success (`2xx`).
///
/// Its `Display` form is `http <status>: <summary>`: the title and message
/// of the body when the API version declares a structured error body (see
/// [`ApiError::detail`]), otherwise the start of the body.
#[derive(Clone)]
pub struct ApiError(Box<Response>);

/// Boxed so that `Result<_, Error>` stays small.
#[derive(Clone)]
struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The body was cut at this limit.
    cut_at: Option<usize>,
    detail: Option<ErrorDetail>,
}

/// Decodes an error response body into the API version's error type; `None`
/// when the body does not match it (a proxy's HTML page, say).
pub(crate) type ErrorBodyDecoder = fn(&[u8]) -> Option<ErrorDetail>;

/// An error response body decoded into the type the API version declares for
/// errors, with what `Display` and [`ApiError::request_id`] show of it.
#[derive(Clone)]
pub struct ErrorDetail {
    value: Arc<dyn Any + Send + Sync>,
    summary: Option<String>,
    request_id: Option<String>,
}

impl ErrorDetail {
    /// The decoded body, a one-line summary (title and message) and the
    /// request id it carries.
    pub fn new(
        value: impl Any + Send + Sync,
        summary: Option<String>,
        request_id: Option<String>,
    ) -> Self {
        Self {
            value: Arc::new(value),
            summary: summary.filter(|s| !s.trim().is_empty()),
            request_id: request_id.filter(|s| !s.trim().is_empty()),
        }
    }
}

impl fmt::Debug for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorDetail")
            .field("summary", &self.summary)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl ApiError {
    /// Sensitive headers (by name; see also [`mark_sensitive`]) are
    /// hidden from `Debug`.
    pub(crate) fn new(status: StatusCode, mut headers: HeaderMap, body: Bytes) -> Self {
        mark_sensitive(&mut headers, &[]);
        Self(Box::new(Response {
            status,
            headers,
            body,
            cut_at: None,
            detail: None,
        }))
    }

    /// Notes that the body was cut at `limit` bytes.
    pub(crate) fn truncated(mut self, limit: usize) -> Self {
        self.0.cut_at = Some(limit);
        self
    }

    /// Hides from `Debug` the headers the API's security `schemes` name.
    pub(crate) fn hide_scheme_headers(mut self, schemes: &[SecurityScheme]) -> Self {
        mark_sensitive(&mut self.0.headers, schemes);
        self
    }

    /// Whether the body was longer than
    /// [`Limits::max_error_body_size`](crate::runtime::Limits::max_error_body_size)
    /// and [`body`](Self::body) holds only its start.
    pub fn is_truncated(&self) -> bool {
        self.0.cut_at.is_some()
    }

    pub(crate) fn with_detail(mut self, detail: Option<ErrorDetail>) -> Self {
        self.0.detail = detail;
        self
    }

    /// The body decoded into the error type the API version declares for
    /// every operation (for Cartesia from 2026-03-01, `ErrorResponse` with
    /// `error_code`, `title`, `message`, `request_id` and `doc_url`).
    ///
    /// `None` when `T` is not that type, when the version declares no such
    /// type (earlier Cartesia versions answer errors in plain text: read
    /// [`ApiError::text`]) or when this body does not match it.
    pub fn detail<T: Any>(&self) -> Option<&T> {
        self.0.detail.as_ref()?.value.downcast_ref()
    }

    /// The request id carried in the decoded error body, if any.
    pub(crate) fn body_request_id(&self) -> Option<&str> {
        self.0.detail.as_ref()?.request_id.as_deref()
    }

    /// The response status, e.g. `401 Unauthorized`.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The response headers. Their `Debug` form hides the values of
    /// sensitive ones (`Authorization`, `X-API-Key`, `Cookie`, `Set-Cookie`,
    /// any header a security scheme puts a credential in, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// The raw response body (its start if it [is truncated](Self::is_truncated)).
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    /// The response body as text; invalid UTF-8 is replaced with `U+FFFD`.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0.body)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.0.status)
            .field("headers", &self.0.headers)
            .field("body", &excerpt(&self.0.body))
            .field("truncated", &self.is_truncated())
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(summary) = self.0.detail.as_ref().and_then(|d| d.summary.as_deref()) {
            return write!(f, "http {}: {summary}", self.0.status);
        }
        let text = excerpt(&self.0.body);
        let text = text.trim();
        write!(f, "http {}", self.0.status)?;
        if !text.is_empty() {
            let shown: String = text.chars().take(DISPLAY_BODY_CHARS).collect();
            let ellipsis = if shown.len() < text.len() && !shown.ends_with("...") {
                "..."
            } else {
                ""
            };
            write!(f, ": {shown}{ellipsis}")?;
        }
        if let Some(limit) = self.0.cut_at {
            write!(f, " (body cut at its limit of {limit} bytes)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(status: u16, body: impl Into<Bytes>) -> ApiError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        ApiError::new(status, HeaderMap::new(), body.into())
    }

    #[test]
    fn api_error_display_shows_status_and_body() {
        let e = api_error(401, &b"{\"error\":\"bad key\"}\n"[..]);
        assert_eq!(
            e.to_string(),
            "http 401 Unauthorized: {\"error\":\"bad key\"}"
        );
        assert_eq!(
            Error::Api(e).to_string(),
            "http 401 Unauthorized: {\"error\":\"bad key\"}"
        );
    }

    #[derive(Debug, PartialEq)]
    struct Problem {
        title: String,
    }

    #[test]
    fn api_error_detail_is_typed_and_summarised() {
        let body = r#"{"title":"Voice not found","message":"no voice `v1`","request_id":"r-9"}"#;
        let plain = api_error(404, body);
        assert_eq!(plain.detail::<Problem>(), None);
        let detailed = plain.clone().with_detail(Some(ErrorDetail::new(
            Problem {
                title: "Voice not found".into(),
            },
            Some("Voice not found: no voice `v1`".into()),
            Some("r-9".into()),
        )));
        assert_eq!(
            detailed.detail::<Problem>().map(|p| p.title.as_str()),
            Some("Voice not found")
        );
        assert_eq!(detailed.detail::<String>(), None);
        assert_eq!(
            detailed.to_string(),
            "http 404 Not Found: Voice not found: no voice `v1`"
        );
        assert_eq!(detailed.request_id(), Some("r-9"));
        assert_eq!(detailed.body(), body.as_bytes());
        // Without a summary, the body is shown as before.
        let unsummarised = plain.with_detail(Some(ErrorDetail::new(
            Problem { title: "".into() },
            Some("  ".into()),
            None,
        )));
        assert!(
            unsummarised
                .to_string()
                .starts_with("http 404 Not Found: {")
        );
        assert_eq!(unsummarised.request_id(), None);
    }

    #[test]
    fn api_error_display_truncates_long_bodies() {
        let shown = api_error(500, "é".repeat(300)).to_string();
        let expected = format!("http 500 Internal Server Error: {}...", "é".repeat(200));
        assert_eq!(shown, expected);
    }

    #[test]
    fn api_error_display_without_body() {
        assert_eq!(
            api_error(404, Bytes::new()).to_string(),
            "http 404 Not Found"
        );
    }

    #[test]
    fn api_error_text_is_lossy() {
        let e = api_error(400, &b"ok \xff"[..]);
        assert_eq!(e.text(), "ok \u{fffd}");
        assert_eq!(e.body(), b"ok \xff");
    }

    #[test]
    fn status_accessor() {
        assert_eq!(
            Error::Api(api_error(429, Bytes::new())).status(),
            Some(StatusCode::TOO_MANY_REQUESTS)
        );
        let decode = serde_json::from_str::<u8>("x").err();
        if let Some(source) = decode {
            let e = Error::Decode {
                status: StatusCode::OK,
                body: "x".into(),
                source,
            };
            assert_eq!(e.status(), Some(StatusCode::OK));
            assert!(!e.is_timeout());
            assert!(
                e.to_string()
                    .starts_with("failed to decode response body (http 200 OK): ")
            );
        }
        let missing = Error::MissingCredentials {
            required: "TokenAuth or APIKeyAuth".into(),
        };
        assert_eq!(missing.status(), None);
        assert_eq!(
            missing.to_string(),
            "missing credentials: this operation requires TokenAuth or APIKeyAuth"
        );
    }

    #[test]
    fn body_and_io_errors() {
        let malformed = Error::MalformedBody {
            status: StatusCode::OK,
            body: "ok \u{fffd}".into(),
            reason: "not valid utf-8".into(),
        };
        assert_eq!(malformed.status(), Some(StatusCode::OK));
        assert_eq!(
            malformed.to_string(),
            "malformed response body (http 200 OK): not valid utf-8"
        );
        let io = Error::Io(std::io::Error::other("disk full"));
        assert_eq!(
            (io.status(), io.to_string()),
            (None, "i/o error: disk full".into())
        );
        let form = Error::InvalidForm {
            reason: "bad".into(),
        };
        assert_eq!(form.to_string(), "invalid form body: bad");
    }

    #[test]
    fn error_is_small_send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
        check::<ApiError>();
        assert!(
            std::mem::size_of::<Error>() <= 64,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
