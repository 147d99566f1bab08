// Copied by `cargo xtask generate` from templates/src/runtime/options.rs; edit the template, not this file.
//! Per-request settings: [`RequestOptions`] overriding the client's timeouts,
//! retries and limits and adding headers and query parameters.

use std::fmt;
use std::time::Duration;

use super::limits::Limits;
use super::request::Request;
use super::retry::RetryPolicy;

/// Settings for one request, overriding the client's.
///
/// Pass them to a request builder's `with_options`:
///
/// ```
/// # use std::time::Duration;
/// # use cartesia_api::RequestOptions;
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .max_retries(0)
///     .header("X-Trace-Id", "abc");
/// // client.voices().list().with_options(options).await?;
/// ```
///
/// `Debug` output shows header and query parameter names but not their
/// values, which may be secrets.
#[derive(Clone, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    max_retries: Option<u32>,
    idle_timeout: Option<Duration>,
    limits: Option<Limits>,
    total_timeout: Option<Duration>,
    idempotent: bool,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits each attempt of the request, as the client's
    /// [`timeout`](crate::runtime::ClientBuilder::timeout) does.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many times the request is retried, keeping the rest of the
    /// retry policy (the client's, or the one set with
    /// [`retry_policy`](Self::retry_policy)).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Bounds all attempts of the request and the waits between them
    /// together, keeping the rest of the retry policy; see
    /// [`RetryPolicy::total_timeout`].
    pub fn total_timeout(mut self, budget: Duration) -> Self {
        self.total_timeout = Some(budget);
        self
    }

    /// Declares that sending this request more than once is harmless, so
    /// that a `POST` or `PATCH` is retried after failures that may come
    /// after it was processed (a `503`, a timeout); see [`RetryPolicy`] for
    /// what is retried without it.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Replaces the client's retry policy for this request, including any
    /// [`max_retries`](Self::max_retries) or
    /// [`total_timeout`](Self::total_timeout) set before.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self.max_retries = None;
        self.total_timeout = None;
        self
    }

    /// Limits how long a streamed body may send nothing, as the client's
    /// [`idle_timeout`](crate::runtime::ClientBuilder::idle_timeout) does.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Replaces the client's [`Limits`] for this request.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Adds a header, replacing a header of the same name set by the
    /// operation; credentials and `User-Agent` cannot be replaced this way.
    /// An invalid name or value (e.g. with a line break) makes the request
    /// fail with [`Error::InvalidHeader`](crate::runtime::Error::InvalidHeader)
    /// before anything is sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter after the operation's own; names may repeat.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |pairs: &[(String, String)]| -> Vec<String> {
            pairs
                .iter()
                .map(|(name, _)| format!("{name}: ***"))
                .collect()
        };
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("retry_policy", &self.retry_policy)
            .field("max_retries", &self.max_retries)
            .field("idle_timeout", &self.idle_timeout)
            .field("limits", &self.limits)
            .field("total_timeout", &self.total_timeout)
            .field("idempotent", &self.idempotent)
            .field("headers", &names(&self.headers))
            .field("query", &names(&self.query))
            .finish()
    }
}

impl Request<'_> {
    /// Applies per-request `options`: headers and query parameters are
    /// added, timeout and retries override the client's.
    pub(crate) fn options(mut self, options: &RequestOptions) -> Self {
        for (name, value) in &options.headers {
            self = self.header(name, value);
        }
        for (name, value) in &options.query {
            self = self.query(name, value);
        }
        if let Some(timeout) = options.timeout {
            self.timeout = Some(timeout);
        }
        if let Some(idle) = options.idle_timeout {
            self.idle_timeout = Some(idle);
        }
        if let Some(limits) = options.limits {
            self.limits = Some(limits);
        }
        if let Some(policy) = options.retry_policy {
            self.retry = Some(policy);
        }
        if let Some(retries) = options.max_retries {
            let policy = self.retry.unwrap_or(self.client.inner.retry);
            self.retry = Some(policy.max_retries(retries));
        }
        if let Some(budget) = options.total_timeout {
            let policy = self.retry.unwrap_or(self.client.inner.retry);
            self.retry = Some(policy.total_timeout(budget));
        }
        self.idempotent |= options.idempotent;
        self
    }
}

#[cfg(test)]
mod tests {
    use reqwest::Method;
    use wiremock::matchers::{header, method, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::ClientBuilder;
    use super::super::error::Error;
    use super::super::tests::{TOKEN_OR_KEY, TestApi, builder, client};
    use super::*;

    #[tokio::test]
    async fn headers_and_query_parameters_are_added() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(header("x-trace", "t2"))
            .and(header("cartesia-version", "2099-01-01"))
            .and(header("x-api-key", "key"))
            .and(query_param("debug", "1"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        let api = client(builder(&server).credential("APIKeyAuth", "key"));
        let options = RequestOptions::new()
            .header("X-Trace", "t1")
            .header("X-Trace", "t2")
            .header("Cartesia-Version", "2099-01-01")
            .header("X-API-Key", "not the key")
            .query("debug", "1");
        api.request(Method::GET, "/x", TOKEN_OR_KEY)
            .query("limit", "5")
            .header("Cartesia-Version", "2024-06-10")
            .options(&options)
            .send_empty()
            .await
            .expect("sent");
        let received = server.received_requests().await.unwrap_or_default();
        assert_eq!(received[0].url.query(), Some("limit=5&debug=1"));
        assert_eq!(received[0].headers.get_all("x-trace").iter().count(), 1);
    }

    #[tokio::test]
    async fn invalid_headers_fail_before_sending() {
        let server = MockServer::start().await;
        let api = client(builder(&server));
        for (name, value) in [("X-Ok", "line\r\nInjected: 1"), ("Bad Name", "v")] {
            let options = RequestOptions::new().header(name, value);
            let err = api
                .request(Method::GET, "/x", &[])
                .options(&options)
                .send_empty()
                .await;
            assert!(
                matches!(&err, Err(Error::InvalidHeader { name: n }) if n == name),
                "{err:?}"
            );
            let shown = format!(
                "{err:?} {}",
                err.as_ref()
                    .err()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
            assert!(!shown.contains("Injected"), "{shown}");
        }
        let received = server.received_requests().await.unwrap_or_default();
        assert!(received.is_empty());
    }

    #[test]
    fn retry_and_timeout_overrides() {
        let api =
            client(ClientBuilder::<TestApi>::new().retry_policy(RetryPolicy::new().max_retries(4)));
        let request =
            |options: &RequestOptions| api.request(Method::GET, "/x", &[]).options(options);
        let plain = request(&RequestOptions::new());
        assert_eq!((plain.retry, plain.timeout), (None, None));
        let fewer = request(&RequestOptions::new().max_retries(1));
        assert_eq!(fewer.retry, Some(RetryPolicy::new().max_retries(1)));
        let custom = RetryPolicy::never().base_delay(Duration::from_millis(1));
        let replaced = request(&RequestOptions::new().max_retries(1).retry_policy(custom));
        assert_eq!(replaced.retry, Some(custom));
        let both = request(&RequestOptions::new().retry_policy(custom).max_retries(3));
        assert_eq!(both.retry, Some(custom.max_retries(3)));
        let timed = request(&RequestOptions::new().timeout(Duration::from_secs(2)));
        assert_eq!(timed.timeout, Some(Duration::from_secs(2)));
        let budget = Duration::from_secs(9);
        let bounded = request(&RequestOptions::new().total_timeout(budget));
        let kept = RetryPolicy::new().max_retries(4).total_timeout(budget);
        assert_eq!(bounded.retry, Some(kept));
        let replaced = RequestOptions::new()
            .total_timeout(budget)
            .retry_policy(custom);
        assert_eq!(request(&replaced).retry, Some(custom));
        assert!(!plain.idempotent);
        assert!(request(&RequestOptions::new().idempotent(true)).idempotent);
    }

    #[test]
    fn debug_hides_values() {
        let options = RequestOptions::new()
            .header("Authorization", "Bearer sk_live_secret")
            .query("api_key", "sk_query_secret")
            .timeout(Duration::from_secs(1));
        let shown = format!("{options:?}");
        assert!(
            shown.contains("Authorization: ***") && shown.contains("api_key: ***"),
            "{shown}"
        );
        assert!(!shown.contains("secret"), "{shown}");
    }
}
