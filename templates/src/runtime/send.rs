//! Sending a request: credentials, the per-attempt timeout, retries, the
//! new token after a `401`, and turning the response into a result.

use std::future::{Future, ready};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use super::auth::{self, SchemeLocation, Secret, SecurityScheme};
use super::error::{ApiError, Error, ErrorBodyDecoder};
use super::limits::Limits;
use super::redact::excerpt;
use super::request::{Body, Request};
use super::response::BinaryResponse;
use super::token::{Credential, TokenProvider};

impl Request<'_> {
    /// Sends the request and decodes a JSON success body.
    pub(crate) async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let (status, body) = self.accept("application/json").send().await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode {
            status,
            body: excerpt(&body),
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

    /// Sends the request and returns the success body as UTF-8 text.
    pub(crate) async fn send_text(self) -> Result<String, Error> {
        let (status, body) = self.send().await?;
        String::from_utf8(Vec::from(body)).map_err(|e| Error::MalformedBody {
            status,
            reason: format!("not valid utf-8: {}", e.utf8_error()),
            body: excerpt(e.as_bytes()),
        })
    }

    /// Sends the request and returns the success response with its body
    /// unread; a non-2xx status becomes [`Error::Api`] with the body read.
    /// The timeout bounds the wait for the response head only.
    pub(crate) async fn send_binary(self) -> Result<BinaryResponse, Error> {
        let (idle_timeout, limits) = self.stream_settings();
        let response = self.send_streaming().await?;
        Ok(BinaryResponse::from_response(
            response,
            idle_timeout,
            limits,
        ))
    }

    /// Sends the request and reads the whole success body, within the
    /// timeout of each attempt and the body size limit.
    pub(super) async fn send(self) -> Result<(StatusCode, Bytes), Error> {
        let (_, limits) = self.stream_settings();
        self.execute(|response| async move {
            let status = response.status();
            let body = limits.read_body(response).await?;
            Ok((status, body))
        })
        .await
    }

    /// Sends the request and returns the response with its body not yet
    /// read if the status is a success; otherwise reads the body into an
    /// [`Error::Api`]. The timeout of each attempt ends with the response
    /// head, so that a long stream is not cut.
    pub(super) async fn send_streaming(self) -> Result<reqwest::Response, Error> {
        self.execute(|response| ready(Ok(response))).await
    }

    /// Sends the request, retrying as the retry policy allows; `read` turns
    /// a success response into the result, within the attempt's timeout.
    async fn execute<T, F, Fut>(self, read: F) -> Result<T, Error>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let replayable = self.is_replayable();
        let (_, limits) = self.stream_settings();
        let repeatable = self.is_idempotent();
        let Self {
            client,
            method,
            mut url,
            security,
            query,
            mut headers,
            mut body,
            error,
            timeout,
            retry,
            idempotency_key,
            ..
        } = self;
        if let Some(error) = error {
            return Err(error);
        }
        let inner = &*client.inner;
        headers.insert(USER_AGENT, inner.user_agent.clone());
        if let Some(name) = idempotency_key.filter(|name| !headers.contains_key(name)) {
            // One key per call: every attempt sends the same.
            let key = uuid::Uuid::new_v4().hyphenated().to_string();
            let key = HeaderValue::from_str(&key).map_err(|_| Error::InvalidHeader {
                name: name.as_str().to_owned(),
            })?;
            headers.insert(name, key);
        }
        if matches!(body, Some(Body::Multipart(_))) {
            // `reqwest` adds it with the boundary.
            headers.remove(CONTENT_TYPE);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let credentials = inner.credentials.select(inner.schemes, security)?;
        if !credentials.is_empty() {
            auth::check_transport(&url)?;
        }
        let attempt = Attempt {
            http: &inner.http,
            method,
            url,
            headers,
            credentials,
            timeout: timeout.or(inner.timeout),
            error_body: inner.error_body,
            schemes: inner.schemes,
            limits,
        };
        let policy = retry.unwrap_or(inner.retry);
        let budget = policy.budget().map(|budget| Budget {
            end: Instant::now() + budget,
            budget,
        });
        let mut attempts = 0;
        let mut retries = 0;
        let mut reauthenticated = false;
        loop {
            let sent = match body.as_ref().and_then(Body::replay) {
                Some(copy) => Some(copy),
                None => body.take(),
            };
            let remaining = budget.map(|b| b.remaining());
            // The budget's remainder, when shorter than the attempt's own
            // timeout, limits the attempt.
            let cut_by_budget = remaining.filter(|r| attempt.timeout.is_none_or(|t| *r < t));
            let limit = cut_by_budget.or(attempt.timeout);
            let mut tokens = Vec::new();
            attempts += 1;
            let error = match attempt.run(sent, &mut tokens, &read, limit).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let out_of_time = |last: Error| match budget {
                Some(b) => b.exhausted(attempts, last),
                None => last,
            };
            if cut_by_budget.is_some() && matches!(error, Error::Timeout { .. }) {
                return Err(out_of_time(error));
            }
            if error.status() == Some(StatusCode::UNAUTHORIZED) && !tokens.is_empty() {
                for (provider, token) in &tokens {
                    provider.invalidate(token).await;
                }
                if replayable && !reauthenticated {
                    if budget.is_some_and(|b| b.remaining().is_zero()) {
                        return Err(out_of_time(error));
                    }
                    reauthenticated = true;
                    continue;
                }
            }
            if !replayable || retries >= policy.retries() || !policy.allows(repeatable, &error) {
                return Err(error);
            }
            let Some(wait) = policy.delay(retries, &error) else {
                return Err(error);
            };
            // A wait that ends when (or after) the budget does is not begun.
            if budget.is_some_and(|b| wait >= b.remaining()) {
                return Err(out_of_time(error));
            }
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }
}

/// The total time budget of a request's attempts.
#[derive(Clone, Copy)]
struct Budget {
    end: Instant,
    budget: Duration,
}

impl Budget {
    fn remaining(self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    fn exhausted(self, attempts: u32, last: Error) -> Error {
        Error::TotalTimeout {
            attempts,
            budget: self.budget,
            last: Box::new(last),
        }
    }
}

/// What every attempt of a request shares.
struct Attempt<'c> {
    http: &'c reqwest::Client,
    method: Method,
    /// With the query parameters, but not the credentials.
    url: Url,
    headers: HeaderMap,
    credentials: Vec<(SchemeLocation, &'c Credential)>,
    timeout: Option<Duration>,
    /// Decodes an error body into the API's declared error type.
    error_body: Option<ErrorBodyDecoder>,
    /// Whose headers are hidden from an error's `Debug`.
    schemes: &'static [SecurityScheme],
    /// Bounds the error body read.
    limits: Limits,
}

impl<'c> Attempt<'c> {
    /// Sends the request once with `body`, within `limit`; notes the
    /// provided access tokens it used in `tokens`.
    async fn run<T, F, Fut>(
        &self,
        body: Option<Body>,
        tokens: &mut Vec<(&'c TokenProvider, Secret)>,
        read: &F,
        limit: Option<Duration>,
    ) -> Result<T, Error>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let once = async {
            let mut url = self.url.clone();
            let mut headers = self.headers.clone();
            auth::apply_all(&self.credentials, &mut url, &mut headers, tokens).await?;
            let request = self.http.request(self.method.clone(), url).headers(headers);
            let request = match body {
                Some(Body::Bytes(bytes)) => request.body(bytes),
                Some(Body::Multipart(form)) => request.multipart(form.into_reqwest()?),
                None => request,
            };
            let response = request.send().await.map_err(Error::http)?;
            let status = response.status();
            if !status.is_success() {
                let headers = response.headers().clone();
                let (body, cut) = self.limits.read_error_body(response).await?;
                let detail = self.error_body.and_then(|decode| decode(&body));
                let mut error = ApiError::new(status, headers, body)
                    .hide_scheme_headers(self.schemes)
                    .with_detail(detail);
                if cut {
                    error = error.truncated(self.limits.error_body());
                }
                return Err(Error::Api(error));
            }
            read(response).await
        };
        match limit {
            Some(limit) => tokio::time::timeout(limit, once)
                .await
                .unwrap_or(Err(Error::Timeout { after: limit })),
            None => once.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::tests::{builder, client, received};
    use super::super::{RequestOptions, RetryPolicy};
    use super::*;

    /// Long enough for a request to reach a loopback server even on a busy
    /// machine, so that the server's count of requests is exact.
    const SHORT: Duration = Duration::from_secs(1);

    /// Answers every `GET` after `delay` (real time).
    async fn slow_server(delay: Duration) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(delay))
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn timeouts_are_reported_and_retried() {
        let server = slow_server(Duration::from_secs(5)).await;
        let quick = RetryPolicy::new()
            .max_retries(1)
            .base_delay(Duration::from_millis(1));
        let own = client(builder(&server).timeout(SHORT).retry_policy(quick));
        let err = own.request(Method::GET, "/slow", &[]).send_empty().await;
        assert!(
            matches!(err, Err(Error::Timeout { after }) if after == SHORT),
            "{err:?}"
        );
        assert!(err.as_ref().err().is_some_and(Error::is_timeout));
        assert_eq!(received(&server).await, 2, "first attempt and one retry");

        // A custom `reqwest` client is given the builder's timeout too.
        let custom = builder(&server).configure_http(|http| http);
        let custom = client(custom.timeout(SHORT).max_retries(0));
        let err = custom.request(Method::GET, "/slow", &[]).send_empty().await;
        assert!(err.as_ref().err().is_some_and(Error::is_timeout), "{err:?}");
        assert_eq!(received(&server).await, 3);
    }

    /// Answers every request `503`, asking for a wait of `retry_after_ms`.
    async fn unavailable_server(retry_after_ms: &str) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .respond_with(
                ResponseTemplate::new(503).insert_header("retry-after-ms", retry_after_ms),
            )
            .mount(&server)
            .await;
        server
    }

    // The total timeout arms a timer during each attempt, so these tests run
    // on the real clock: under a paused one, the clock would jump to that
    // timer while a request is on the wire.

    #[tokio::test]
    async fn the_total_timeout_ends_retries() {
        let server = unavailable_server("100").await;
        let policy = RetryPolicy::new()
            .max_retries(1000)
            .total_timeout(Duration::from_secs(2));
        let api = client(builder(&server).retry_policy(policy));
        let err = api.request(Method::PUT, "/x", &[]).send_empty().await;
        let Err(Error::TotalTimeout {
            attempts,
            budget,
            last,
        }) = &err
        else {
            panic!("expected the budget to run out, got {err:?}");
        };
        assert_eq!(*budget, Duration::from_secs(2));
        assert!(*attempts >= 2, "0.1 s waits within 2 s: {attempts}");
        // An attempt cut by the budget may not have reached the server.
        let reached = received(&server).await;
        let attempts = *attempts as usize;
        assert!(
            reached == attempts || reached + 1 == attempts,
            "{reached} of {attempts}"
        );
        assert!(
            last.status() == Some(StatusCode::SERVICE_UNAVAILABLE)
                || matches!(**last, Error::Timeout { .. }),
            "{last:?}"
        );
        let message = err
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        let named = format!("gave up after {attempts} attempt(s) within the total timeout of 2s: ");
        assert!(message.starts_with(&named), "{message}");
        let err = err.expect_err("an error");
        assert!(err.is_timeout() && !err.is_retryable());
        assert_eq!(err.kind(), super::super::ErrorKind::Timeout);
    }

    #[tokio::test]
    async fn a_wait_beyond_the_total_timeout_is_not_begun() {
        // The server asks for 30 s; 10 s remain: the client gives up at once
        // instead of sleeping into the budget's end.
        let server = unavailable_server("30000").await;
        let api = client(builder(&server).total_timeout(Duration::from_secs(10)));
        let err = api.request(Method::PUT, "/x", &[]).send_empty().await;
        let Err(Error::TotalTimeout { attempts, last, .. }) = &err else {
            panic!("expected the budget to run out, got {err:?}");
        };
        assert_eq!(*attempts, 1);
        assert_eq!(last.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(
            err.err().and_then(|e| e.status()),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        // The same budget given per request.
        let api = client(builder(&server));
        let options = RequestOptions::new().total_timeout(Duration::from_secs(10));
        let request = api.request(Method::PUT, "/x", &[]).options(&options);
        let err = request.send_empty().await;
        assert!(
            matches!(err, Err(Error::TotalTimeout { attempts: 1, .. })),
            "{err:?}"
        );
        assert_eq!(received(&server).await, 2);
    }

    #[tokio::test]
    async fn the_total_timeout_cuts_an_attempt() {
        let server = slow_server(Duration::from_secs(5)).await;
        let budget = SHORT;
        let api = client(builder(&server).total_timeout(budget));
        let err = api.request(Method::GET, "/slow", &[]).send_empty().await;
        let Err(Error::TotalTimeout { attempts, last, .. }) = &err else {
            panic!("expected the budget to run out, got {err:?}");
        };
        assert_eq!(*attempts, 1);
        assert!(
            matches!(**last, Error::Timeout { after } if after <= budget),
            "{last:?}"
        );
        assert_eq!(received(&server).await, 1);
    }

    #[tokio::test]
    async fn per_request_timeout_overrides_the_client() {
        let server = slow_server(Duration::from_secs(1)).await;
        let quick = Duration::from_millis(100);
        let api = client(builder(&server).timeout(quick).max_retries(0));
        let err = api.request(Method::GET, "/x", &[]).send_empty().await;
        assert!(
            matches!(err, Err(Error::Timeout { after }) if after == quick),
            "{err:?}"
        );
        let patient = RequestOptions::new().timeout(Duration::from_secs(30));
        let request = api.request(Method::GET, "/x", &[]).options(&patient);
        request
            .send_empty()
            .await
            .expect("within the longer timeout");
        let hasty = RequestOptions::new().timeout(Duration::from_millis(20));
        let api = client(builder(&server).max_retries(0));
        let err = api.request(Method::GET, "/x", &[]).options(&hasty);
        let err = err.send_text().await;
        assert!(
            matches!(err, Err(Error::Timeout { after }) if after == Duration::from_millis(20)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn streamed_bodies_are_not_cut_by_the_timeout() {
        let server = MockServer::start().await;
        let audio = vec![7u8; 256 * 1024];
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(audio, "audio/wav"))
            .mount(&server)
            .await;
        // The default client: its 60 s timeout must not reach into bodies
        // (nor into event streams: `sse.rs`).
        let api = client(builder(&server));
        let audio = api.request(Method::POST, "/tts/bytes", &[]).send_binary();
        let audio = audio.await.expect("response head");
        // Read the bodies ten minutes later: the timeout bounded the heads only.
        tokio::time::pause();
        tokio::time::advance(Duration::from_secs(600)).await;
        // Real time again, so that the idle timeout of the bodies is not
        // jumped to while they arrive.
        tokio::time::resume();
        let body = audio.bytes().await.expect("the whole body");
        assert_eq!(body.len(), 256 * 1024);
    }

    #[tokio::test]
    async fn buffered_bodies_are_within_the_timeout() {
        // The head arrives at once but the body never ends: reading it for
        // `send_bytes` is bounded, for `send_binary` it is not.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc";
                let _ = tokio::io::AsyncWriteExt::write_all(&mut socket, head.as_bytes()).await;
                open.push(socket);
            }
        });
        let api = client(super::super::ClientBuilder::new().base_url(base));
        let options = RequestOptions::new().max_retries(0);
        let quick = options.clone().timeout(Duration::from_millis(100));
        let request = api.request(Method::GET, "/x", &[]).options(&quick);
        let err = request.send_bytes().await;
        assert!(matches!(err, Err(Error::Timeout { .. })), "{err:?}");
        let request = api.request(Method::GET, "/x", &[]).options(&options);
        let response = request.send_binary().await.expect("the head arrives");
        assert_eq!(response.status(), StatusCode::OK);
    }
}
