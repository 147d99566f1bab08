//! A request being assembled by the generated code: parameters, body,
//! credentials, sending and turning the response into a result.

use std::fmt;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::{self, Applied};
use super::client::ApiClient;
use super::error::{ApiError, Error};

/// A request being assembled; errors are kept until it is sent.
pub(crate) struct Request<'a> {
    client: &'a ApiClient,
    method: Method,
    url: Url,
    security: &'static [&'static [&'static str]],
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    error: Option<Error>,
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("error", &self.error)
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
        }
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
    pub(crate) fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                self.body = Some(bytes);
                self
            }
            Err(e) => self.fail(Error::Serialize(e)),
        }
    }

    /// Sends the request and decodes a JSON success body.
    pub(crate) async fn send_json<T: DeserializeOwned>(mut self) -> Result<T, Error> {
        if !self.headers.contains_key(ACCEPT) {
            self.headers
                .insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        let (status, body) = self.send().await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            source,
        })
    }

    /// Sends the request and returns the raw success body (e.g. audio).
    pub(crate) async fn send_bytes(self) -> Result<Bytes, Error> {
        self.send().await.map(|(_, body)| body)
    }

    /// Sends the request, accepting any success status and ignoring the body.
    pub(crate) async fn send_empty(self) -> Result<(), Error> {
        self.send().await.map(|_| ())
    }

    async fn send(self) -> Result<(StatusCode, Bytes), Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let inner = &*self.client.inner;
        let mut url = self.url;
        let mut headers = self.headers;
        headers.insert(USER_AGENT, inner.user_agent.clone());

        let mut query = self.query;
        let chosen = inner.credentials.select(inner.schemes, self.security)?;
        if !chosen.is_empty() {
            auth::check_transport(&url)?;
        }
        for (location, secret) in chosen {
            match auth::apply(location, secret)? {
                Applied::Header(name, value) => {
                    headers.insert(name, value);
                }
                Applied::Query(name, value) => query.push((name.to_owned(), value)),
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }

        let mut builder = inner.http.request(self.method, url).headers(headers);
        if let Some(timeout) = inner.request_timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(body) = self.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(Error::http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::http)?;
        if status.is_success() {
            Ok((status, body))
        } else {
            Err(Error::Api(ApiError::new(status, headers, body)))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
    async fn timeouts_are_reported() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
            .mount(&server)
            .await;
        let own = client(builder(&server).timeout(Duration::from_millis(200)));
        let err = own
            .request(Method::GET, "/slow", &[])
            .send_empty()
            .await
            .err();
        assert!(err.as_ref().is_some_and(Error::is_timeout), "{err:?}");

        let custom = reqwest::Client::new();
        let api = client(
            builder(&server)
                .http_client(custom)
                .timeout(Duration::from_millis(200)),
        );
        let err = api
            .request(Method::GET, "/slow", &[])
            .send_empty()
            .await
            .err();
        assert!(err.as_ref().is_some_and(Error::is_timeout), "{err:?}");
    }
}
