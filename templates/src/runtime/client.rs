//! The HTTP client: the [`ApiVersion`] trait, [`ClientBuilder`] and the
//! shared, validated [`ApiClient`] that starts every request.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderValue, USER_AGENT};
use url::Url;

use super::auth::{self, Credentials, SecurityScheme};
use super::error::{Error, ErrorBodyDecoder};
use super::limits::{DEFAULT_IDLE_TIMEOUT, Limits};
use super::request::Request;
use super::retry::RetryPolicy;
use super::tls;
use super::token::TokenProvider;
use super::urls::{has_dot_segment, parse_base_url, redact_userinfo, same_origin_redirects};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The caller's configuration of the `reqwest` client.
type ConfigureHttp = Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// One version of the API: its default server and its security schemes.
///
/// Implemented by the marker type of each version module; it cannot be
/// implemented outside this crate.
pub trait ApiVersion: Send + Sync + 'static {
    /// The server used when no base URL is configured.
    const DEFAULT_BASE_URL: &'static str;
    /// The security schemes operations of this version may require.
    const SECURITY_SCHEMES: &'static [SecurityScheme];
    /// Decodes the body of an error response into the type the version
    /// declares for errors, when it declares one for every operation.
    const ERROR_BODY: Option<ErrorBodyDecoder> = None;
}

/// Configures and builds a client for one API version.
///
/// Obtained from the version module's `Client::builder()`; credentials are
/// set with the methods that module adds (e.g. `api_key`, `token`).
pub struct ClientBuilder<V> {
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    http_client: Option<ConfigureHttp>,
    credentials: Credentials,
    retry: RetryPolicy,
    idle_timeout: Option<Duration>,
    limits: Limits,
    version: PhantomData<fn() -> V>,
}

impl<V> Clone for ClientBuilder<V> {
    fn clone(&self) -> Self {
        Self {
            base_url: self.base_url.clone(),
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            user_agent: self.user_agent.clone(),
            http_client: self.http_client.clone(),
            credentials: self.credentials.clone(),
            retry: self.retry,
            idle_timeout: self.idle_timeout,
            limits: self.limits,
            version: PhantomData,
        }
    }
}

impl<V> fmt::Debug for ClientBuilder<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_url = self.base_url.as_deref().map(redact_userinfo);
        f.debug_struct("ClientBuilder")
            .field("base_url", &base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("custom_http_client", &self.http_client.is_some())
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("idle_timeout", &self.idle_timeout)
            .field("limits", &self.limits)
            .finish()
    }
}

impl<V: ApiVersion> ClientBuilder<V> {
    pub(crate) fn new() -> Self {
        Self {
            base_url: None,
            timeout: None,
            connect_timeout: None,
            user_agent: None,
            http_client: None,
            credentials: Credentials::default(),
            retry: RetryPolicy::default(),
            idle_timeout: None,
            limits: Limits::default(),
            version: PhantomData,
        }
    }

    /// Sends requests to `url` instead of the API's default server.
    ///
    /// The URL may include a path prefix (`https://proxy.example/cartesia`);
    /// a trailing slash is ignored. Plain `http` is only accepted for
    /// credentialed requests to loopback hosts.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Limits the time of each attempt of a request, from connecting (or
    /// fetching an access token) until the response body has been read.
    /// Defaults to 60 seconds; with
    /// [`configure_http`](Self::configure_http), to none.
    ///
    /// For streamed responses (audio, event streams) only the wait for the
    /// response head is limited, not reading the stream (see
    /// [`idle_timeout`](Self::idle_timeout)). A timeout is an
    /// [`Error::Timeout`] and is retried.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Limits the time to establish a connection. Defaults to 10 seconds.
    ///
    /// For HTTP requests, ignored when the `reqwest` client is configured
    /// with [`configure_http`](Self::configure_http); it always limits opening a
    /// WebSocket connection (connecting, TLS and the handshake).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets the `User-Agent` header sent with every request. Defaults to
    /// `<crate name>/<crate version>` (`cartesia-api/0.1.0`).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = Some(value.into());
        self
    }

    /// Configures the `reqwest` client (proxies, TLS roots, connection
    /// pooling, ...) instead of letting the builder configure it: `configure`
    /// is given `reqwest::Client::builder()` and returns it configured.
    ///
    /// Whatever `configure` sets, the client follows redirects only within
    /// the origin of the request, so that credentials (which `reqwest` keeps
    /// in headers such as `X-API-Key` across redirects) never reach another
    /// host: a redirect elsewhere is answered as an [`Error::Api`] with the
    /// `3xx` status. This is also why a ready `reqwest::Client` is not
    /// accepted: its redirect policy cannot be checked.
    ///
    /// Only a [`timeout`](Self::timeout) set on this builder is then applied,
    /// per attempt, besides the timeouts `configure` sets;
    /// [`connect_timeout`](Self::connect_timeout) is left to `configure` for
    /// HTTP requests.
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http_client = Some(Arc::new(configure));
        self
    }

    /// Sets how many times a failed request is retried (2 by default),
    /// keeping the rest of the [`RetryPolicy`]; `0` disables retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// Sets when, how often and after how long failed requests are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Limits how long a streamed response body (audio, an event stream)
    /// may send nothing, from when it is first read and again after each
    /// chunk. Defaults to 60 seconds. When it elapses, the stream ends with
    /// an [`Error::Stalled`].
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Sets how much of a response the client reads into memory (see
    /// [`Limits`] for the defaults).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Bounds all attempts of each request and the waits between them
    /// together, keeping the rest of the [`RetryPolicy`]; see
    /// [`RetryPolicy::total_timeout`].
    pub fn total_timeout(mut self, budget: Duration) -> Self {
        self.retry = self.retry.total_timeout(budget);
        self
    }

    /// Sets the credential for the security scheme named `scheme`.
    pub(crate) fn credential(mut self, scheme: &'static str, secret: impl Into<String>) -> Self {
        self.credentials.set(scheme, auth::Secret::new(secret));
        self
    }

    /// Takes the credential for the security scheme named `scheme` from
    /// `provider`, replacing a fixed one. (Not `token_provider`: the
    /// generated code names its per-scheme methods so.)
    pub(crate) fn credential_provider(
        mut self,
        scheme: &'static str,
        provider: TokenProvider,
    ) -> Self {
        self.credentials.set(scheme, provider);
        self
    }

    /// A builder with the API key of `api_key_scheme` read from the
    /// environment variable `key_var` (surrounding whitespace removed) and,
    /// if `url_var` is set and not blank, the base URL from it.
    ///
    /// # Errors
    ///
    /// [`Error::MissingEnv`] if `key_var` is not set, is blank or is not
    /// valid Unicode. The key's value never appears in an error.
    pub(crate) fn from_env(
        api_key_scheme: &'static str,
        key_var: &str,
        url_var: &str,
    ) -> Result<Self, Error> {
        Self::from_lookup(api_key_scheme, key_var, url_var, |var| {
            std::env::var(var).ok()
        })
    }

    /// [`from_env`](Self::from_env) with variables read by `lookup`.
    fn from_lookup(
        api_key_scheme: &'static str,
        key_var: &str,
        url_var: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let set = |var: &str| lookup(var).filter(|value| !value.trim().is_empty());
        let key = set(key_var).ok_or_else(|| Error::MissingEnv {
            var: key_var.to_owned(),
        })?;
        let builder = Self::new().credential(api_key_scheme, key.trim());
        Ok(match set(url_var) {
            Some(url) => builder.base_url(url.trim()),
            None => builder,
        })
    }

    /// Validates the configuration and builds the shared client.
    pub(crate) fn build_inner(self) -> Result<ApiClient, Error> {
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(V::DEFAULT_BASE_URL))?;
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        let user_agent = HeaderValue::from_str(user_agent).map_err(|_| Error::InvalidHeader {
            name: USER_AGENT.as_str().to_owned(),
        })?;
        tls::install_default_provider();
        // The timeout is applied per attempt by the runtime, not by
        // `reqwest`, whose timeout would also cut streamed bodies.
        let (http, timeout) = match self.http_client {
            Some(configure) => {
                let client = configure(reqwest::Client::builder())
                    .redirect(same_origin_redirects())
                    .build()
                    .map_err(Error::http)?;
                (client, self.timeout)
            }
            None => {
                let client = reqwest::Client::builder()
                    .tls_backend_rustls()
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .redirect(same_origin_redirects())
                    .build()
                    .map_err(Error::http)?;
                (client, Some(self.timeout.unwrap_or(DEFAULT_TIMEOUT)))
            }
        };
        Ok(ApiClient {
            inner: Arc::new(Inner {
                http,
                connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                base_url,
                timeout,
                retry: self.retry,
                idle_timeout: self.idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT),
                limits: self.limits,
                user_agent,
                credentials: self.credentials,
                schemes: V::SECURITY_SCHEMES,
                error_body: V::ERROR_BODY,
            }),
        })
    }
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    /// Also limits opening a WebSocket connection, even with a custom
    /// `http` client.
    pub(super) connect_timeout: Duration,
    pub(super) base_url: Url,
    /// The limit of each attempt; `None` for a user-supplied client unless
    /// one was set.
    pub(super) timeout: Option<Duration>,
    pub(super) retry: RetryPolicy,
    /// The idle timeout of streamed bodies.
    pub(super) idle_timeout: Duration,
    pub(super) limits: Limits,
    pub(super) user_agent: HeaderValue,
    pub(super) credentials: Credentials,
    pub(super) schemes: &'static [SecurityScheme],
    pub(super) error_body: Option<ErrorBodyDecoder>,
}

/// The configured client shared (cheaply cloned) by every operation.
#[derive(Clone)]
pub(crate) struct ApiClient {
    pub(super) inner: Arc<Inner>,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("user_agent", &self.inner.user_agent)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// Starts a request to `path` (percent-encoded, starting with `/`),
    /// relative to the base URL. `security` lists the acceptable
    /// combinations of security schemes, as in the API description.
    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        security: &'static [&'static [&'static str]],
    ) -> Request<'_> {
        let mut full = self.inner.base_url.clone();
        let joined = format!("{}{}", full.path().trim_end_matches('/'), path);
        let error = if has_dot_segment(path) || !path.starts_with('/') {
            Some(Error::InvalidPath {
                path: path.to_owned(),
                reason: "it must start with `/` and contain no `.` or `..` segment".to_owned(),
            })
        } else {
            full.set_path(&joined);
            None
        };
        Request::new(self, method, full, security, error)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{TOKEN_OR_KEY, TestApi, client};
    use super::*;

    #[test]
    fn debug_output_redacts_credentials() {
        let b = ClientBuilder::<TestApi>::new()
            .credential("APIKeyAuth", "sk_live_secret")
            .credential("TokenAuth", "tok_secret");
        let shown = format!("{:?}", b.clone().base_url("https://u:secret@h"));
        assert!(
            shown.contains("https://***@h") && !shown.contains("secret"),
            "{shown}"
        );
        let shown = format!("{b:?}");
        assert!(
            shown.contains("APIKeyAuth") && !shown.contains("secret"),
            "{shown}"
        );
        let api = client(b);
        let shown = format!("{api:?}");
        assert!(
            shown.contains("https://api.example.invalid/v9") && !shown.contains("secret"),
            "{shown}"
        );
        let request = api
            .request(Method::GET, "/x", TOKEN_OR_KEY)
            .header("X-A", "b");
        assert!(!format!("{request:?}").contains("secret"));
    }

    #[test]
    fn build_rejects_bad_configuration() {
        let bad_url = ClientBuilder::<TestApi>::new()
            .base_url("ftp://h")
            .build_inner();
        assert!(matches!(bad_url, Err(Error::InvalidBaseUrl { .. })));
        let bad_ua = ClientBuilder::<TestApi>::new()
            .user_agent("a\u{7}")
            .build_inner();
        assert!(matches!(bad_ua, Err(Error::InvalidHeader { name }) if name == "user-agent"));
    }

    #[tokio::test]
    async fn from_env_reads_the_key_and_base_url() {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::header("x-api-key", "sk_env"))
            .respond_with(wiremock::ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        let uri = server.uri();
        let vars = |name: &str| match name {
            "TEST_KEY" => Some(" sk_env\n".to_owned()),
            "TEST_URL" => Some(format!("{uri} ")),
            "BLANK" => Some("  ".to_owned()),
            _ => None,
        };
        let from = |key: &str, url: &str| {
            ClientBuilder::<TestApi>::from_lookup("APIKeyAuth", key, url, vars)
        };
        let api = client(from("TEST_KEY", "TEST_URL").expect("configured"));
        api.request(Method::GET, "/x", TOKEN_OR_KEY)
            .send_empty()
            .await
            .expect("sent with the key");
        let default_url = client(from("TEST_KEY", "BLANK").expect("no url"));
        assert!(format!("{default_url:?}").contains("https://api.example.invalid/v9"));
        for missing in ["UNSET", "BLANK"] {
            let err = from(missing, "TEST_URL").err();
            assert!(
                matches!(&err, Some(Error::MissingEnv { var }) if var == missing),
                "{err:?}"
            );
        }
        let err = ClientBuilder::<TestApi>::from_env("APIKeyAuth", "CARTESIA_TEST_UNSET_9F2B", "X");
        let err = err.err();
        assert!(matches!(err, Some(Error::MissingEnv { .. })), "{err:?}");
    }

    #[test]
    fn retry_settings_and_timeouts_are_kept() {
        let b = ClientBuilder::<TestApi>::new().max_retries(5);
        assert_eq!(b.retry, RetryPolicy::new().max_retries(5));
        let bounded = b.clone().total_timeout(Duration::from_secs(9));
        let kept = RetryPolicy::new()
            .max_retries(5)
            .total_timeout(Duration::from_secs(9));
        assert_eq!(bounded.retry, kept);
        let quick = RetryPolicy::never().base_delay(Duration::from_millis(1));
        let api = client(b.clone().retry_policy(quick));
        assert_eq!(api.inner.retry, quick);
        assert_eq!(api.inner.timeout, Some(DEFAULT_TIMEOUT));
        let custom = client(b.clone().configure_http(|http| http));
        assert_eq!(custom.inner.timeout, None);
        let timed = b
            .configure_http(|http| http)
            .timeout(Duration::from_secs(3));
        assert_eq!(client(timed).inner.timeout, Some(Duration::from_secs(3)));
    }
}
