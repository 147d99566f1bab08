// Copied by `cargo xtask generate` from templates/src/runtime/request.rs; edit the template, not this file.
//! A request being assembled by the generated code: parameters, headers
//! and body; sending it is in `send.rs`.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::client::ApiClient;
use super::error::Error;
use super::form::Form;
use super::limits::Limits;
use super::retry::RetryPolicy;

/// A request being assembled; errors are kept until it is sent.
pub(crate) struct Request<'a> {
    pub(super) client: &'a ApiClient,
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) security: &'static [&'static [&'static str]],
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Body>,
    pub(super) error: Option<Error>,
    /// Overrides the client's timeout.
    pub(super) timeout: Option<Duration>,
    /// Overrides the client's retry policy.
    pub(super) retry: Option<RetryPolicy>,
    /// Overrides the client's idle timeout of streamed bodies.
    pub(super) idle_timeout: Option<Duration>,
    /// Overrides the client's limits.
    pub(super) limits: Option<Limits>,
    /// Known to be safe to send twice whatever the method: marked so by the
    /// API description or by the caller.
    pub(super) idempotent: bool,
    /// The operation's `Idempotency-Key` header, filled with a fresh key per
    /// call unless the caller set it.
    pub(super) idempotency_key: Option<HeaderName>,
}

/// A request body.
pub(super) enum Body {
    /// Fully in memory (JSON, URL-encoded form): can be sent again.
    Bytes(Bytes),
    /// `multipart/form-data`; replayable only if every part is in memory.
    Multipart(Form),
}

impl Body {
    fn is_replayable(&self) -> bool {
        match self {
            Self::Bytes(_) => true,
            Self::Multipart(form) => form.is_replayable(),
        }
    }

    /// A copy to send again, if the body is replayable.
    pub(super) fn replay(&self) -> Option<Self> {
        match self {
            Self::Bytes(bytes) => Some(Self::Bytes(bytes.clone())),
            Self::Multipart(form) => form.replay().map(Self::Multipart),
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Self::Multipart(form) => fmt::Debug::fmt(form, f),
        }
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("error", &self.error)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("idle_timeout", &self.idle_timeout)
            .field("limits", &self.limits)
            .field("idempotent", &self.idempotent)
            .finish_non_exhaustive()
    }
}

impl<'a> Request<'a> {
    pub(super) fn new(
        client: &'a ApiClient,
        method: Method,
        url: Url,
        security: &'static [&'static [&'static str]],
        error: Option<Error>,
    ) -> Self {
        Self {
            client,
            method,
            url,
            security,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            error,
            timeout: None,
            retry: None,
            idle_timeout: None,
            limits: None,
            idempotent: false,
            idempotency_key: None,
        }
    }

    /// The idle timeout and limits of this request.
    pub(super) fn stream_settings(&self) -> (Duration, Limits) {
        let inner = &self.client.inner;
        (
            self.idle_timeout.unwrap_or(inner.idle_timeout),
            self.limits.unwrap_or(inner.limits),
        )
    }

    fn fail(mut self, error: Error) -> Self {
        self.error.get_or_insert(error);
        self
    }

    /// Appends a query parameter; repeating a name is allowed.
    pub(crate) fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a header, replacing an earlier value of the same name.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.headers.insert(name, value);
                self
            }
            _ => self.fail(Error::InvalidHeader {
                name: name.to_owned(),
            }),
        }
    }

    /// Sets a JSON request body.
    pub(crate) fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.bytes_body("application/json", bytes.into()),
            Err(e) => self.fail(Error::Serialize(e)),
        }
    }

    /// Sets a request body written as JSON under another media type: an
    /// object an API documents as `text/plain` is the text of its JSON.
    pub(crate) fn json_as<T: serde::Serialize + ?Sized>(
        self,
        content_type: &'static str,
        body: &T,
    ) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.raw(content_type, bytes.into()),
            Err(e) => self.fail(Error::Serialize(e)),
        }
    }

    /// Sets an `application/x-www-form-urlencoded` request body; `body` must
    /// serialize to a flat map or sequence of pairs.
    pub(crate) fn form<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(encoded) => self.bytes_body("application/x-www-form-urlencoded", encoded.into()),
            Err(e) => self.fail(Error::InvalidForm {
                reason: e.to_string(),
            }),
        }
    }

    /// Sets a `multipart/form-data` request body; the content type, with
    /// its boundary, is set when the request is sent.
    pub(crate) fn multipart(mut self, form: Form) -> Self {
        match form.take_error() {
            Ok(form) => {
                self.body = Some(Body::Multipart(form));
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Sets a request body of any other media type: the bytes as given.
    pub(crate) fn raw(self, content_type: &'static str, bytes: Bytes) -> Self {
        match HeaderValue::from_str(content_type) {
            Ok(_) => self.bytes_body(content_type, bytes),
            Err(_) => self.fail(Error::InvalidHeader {
                name: CONTENT_TYPE.as_str().to_owned(),
            }),
        }
    }

    fn bytes_body(mut self, content_type: &'static str, bytes: Bytes) -> Self {
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(Body::Bytes(bytes));
        self
    }

    /// Whether the request could be sent again as is: false when its body
    /// is (partly) a stream, e.g. a file upload, which is consumed by
    /// sending it. A retry layer must not resend such a request.
    pub(crate) fn is_replayable(&self) -> bool {
        self.body.as_ref().is_none_or(Body::is_replayable)
    }

    /// Marks the request safe to send more than once (an operation the API
    /// describes as idempotent), so that it is retried whatever its method.
    pub(crate) fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Names the operation's idempotency key header: unless the caller set
    /// it, it is sent with a fresh random UUID, the same on every attempt of
    /// the call, and the request is retried whatever its method.
    pub(crate) fn idempotency_key(mut self, name: &'static str) -> Self {
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => {
                self.idempotency_key = Some(name);
                self
            }
            Err(_) => self.fail(Error::InvalidHeader {
                name: name.to_owned(),
            }),
        }
    }

    /// Whether sending the request twice cannot do its work twice: its
    /// method is idempotent (RFC 9110), or it is marked so, or it carries an
    /// idempotency key.
    pub(super) fn is_idempotent(&self) -> bool {
        self.method.is_idempotent() || self.idempotent || self.idempotency_key.is_some()
    }

    /// Sets the `Accept` header unless the caller already chose one.
    pub(super) fn accept(mut self, value: &'static str) -> Self {
        if !self.headers.contains_key(ACCEPT) {
            self.headers.insert(ACCEPT, HeaderValue::from_static(value));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Method;
    use serde_json::{Value, json};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::encode_path;
    use super::super::tests::{TOKEN_OR_KEY, builder, client};
    use super::*;

    #[tokio::test]
    async fn error_status_becomes_api_error() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401).set_body_string("Invalid API key"))
            .mount(&server)
            .await;
        let api = client(builder(&server).credential("APIKeyAuth", "key"));
        let err = api
            .request(Method::GET, "/x", TOKEN_OR_KEY)
            .send_json::<Value>()
            .await;
        match err {
            Err(Error::Api(e)) => {
                assert_eq!(e.status(), reqwest::StatusCode::UNAUTHORIZED);
                assert_eq!(e.text(), "Invalid API key");
                assert_eq!(e.to_string(), "http 401 Unauthorized: Invalid API key");
            }
            other => panic!("expected an api error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn undecodable_success_keeps_raw_body() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>oops</html>"))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        let err = api
            .request(Method::GET, "/x", &[])
            .send_json::<Value>()
            .await;
        match err {
            Err(e @ Error::Decode { .. }) => {
                assert_eq!(e.status(), Some(reqwest::StatusCode::OK));
                assert!(matches!(&e, Error::Decode { body, .. } if body == "<html>oops</html>"));
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
        let raw = api
            .request(Method::GET, "/x", &[])
            .send_bytes()
            .await
            .expect("bytes");
        assert_eq!(&raw[..], b"<html>oops</html>");
    }

    #[tokio::test]
    async fn first_stored_error_is_returned() {
        let server = MockServer::start().await;
        let api = client(builder(&server));
        let err = api
            .request(Method::POST, "/x", &[])
            .header("X-Bad", "line\nbreak")
            .header("Bad Name", "v")
            .json(&json!({}))
            .send_empty()
            .await;
        assert!(
            matches!(&err, Err(Error::InvalidHeader { name }) if name == "X-Bad"),
            "{err:?}"
        );
        let dots = api
            .request(Method::GET, &format!("/voices/{}", encode_path("..")), &[])
            .send_empty()
            .await;
        assert!(matches!(dots, Err(Error::InvalidPath { .. })));
        assert!(
            server
                .received_requests()
                .await
                .unwrap_or_default()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn json_text_bodies_keep_their_media_type() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        api.request(Method::POST, "/x", &[])
            .json_as("text/plain", &json!({"name": "night", "zones": [1]}))
            .send_empty()
            .await
            .expect("sent");
        let received = server.received_requests().await.unwrap_or_default();
        let content_types: Vec<_> = received[0].headers.get_all("content-type").iter().collect();
        assert_eq!(content_types, ["text/plain"]);
        assert_eq!(received[0].body, br#"{"name":"night","zones":[1]}"#);
    }

    #[tokio::test]
    async fn form_bodies_are_urlencoded() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        let request = api
            .request(Method::POST, "/x", &[])
            .json(&json!({"replaced": true}))
            .form(&[("model_id", "sonic"), ("text", "a b&c")]);
        assert!(request.is_replayable());
        request.send_empty().await.expect("sent");
        let received = server.received_requests().await.unwrap_or_default();
        let content_types: Vec<_> = received[0].headers.get_all("content-type").iter().collect();
        assert_eq!(content_types, ["application/x-www-form-urlencoded"]);
        assert_eq!(received[0].body, b"model_id=sonic&text=a+b%26c");

        let nested = api
            .request(Method::POST, "/x", &[])
            .form(&json!({"a": {"b": 1}}))
            .send_empty()
            .await;
        assert!(
            matches!(nested, Err(Error::InvalidForm { .. })),
            "{nested:?}"
        );
        assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));
    }
}
