// Copied by `cargo xtask generate` from templates/src/runtime/client.rs; edit the template, not this file.
//! The HTTP client: the [`ApiVersion`] trait, [`ClientBuilder`] and the
//! shared, validated [`ApiClient`] that starts every request.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, USER_AGENT};
use reqwest::{Method, redirect};
use url::Url;

use super::auth::{self, Credentials, SecurityScheme};
use super::error::Error;
use super::request::Request;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_USER_AGENT: &str = concat!("cartesia-api/", env!("CARGO_PKG_VERSION"));
const MAX_REDIRECTS: usize = 10;

/// One version of the API: its default server and its security schemes.
///
/// Implemented by the marker type of each version module; it cannot be
/// implemented outside this crate.
pub trait ApiVersion: Send + Sync + 'static {
    /// The server used when no base URL is configured.
    const DEFAULT_BASE_URL: &'static str;
    /// The security schemes operations of this version may require.
    const SECURITY_SCHEMES: &'static [SecurityScheme];
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
    http_client: Option<reqwest::Client>,
    credentials: Credentials,
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

    /// Limits the total time of each request, from connecting until the
    /// response body has been read. Defaults to 60 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Limits the time to establish a connection. Defaults to 10 seconds.
    ///
    /// Ignored when a custom client is set with
    /// [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets the `User-Agent` header sent with every request. Defaults to
    /// `cartesia-api/<crate version>`.
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = Some(value.into());
        self
    }

    /// Uses a preconfigured `reqwest` client (proxies, custom TLS roots,
    /// ...) instead of building one.
    ///
    /// Only a [`timeout`](Self::timeout) set on this builder is then applied,
    /// per request; the client's own redirect policy is used as is, so make
    /// sure it does not follow redirects to other hosts.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sets the credential for the security scheme named `scheme`.
    pub(crate) fn credential(mut self, scheme: &'static str, secret: impl Into<String>) -> Self {
        self.credentials.set(scheme, auth::Secret::new(secret));
        self
    }

    /// Validates the configuration and builds the shared client.
    pub(crate) fn build_inner(self) -> Result<ApiClient, Error> {
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(V::DEFAULT_BASE_URL))?;
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        let user_agent = HeaderValue::from_str(user_agent).map_err(|_| Error::InvalidHeader {
            name: USER_AGENT.as_str().to_owned(),
        })?;
        let (http, request_timeout) = match self.http_client {
            Some(client) => (client, self.timeout),
            None => {
                let client = reqwest::Client::builder()
                    .tls_backend_rustls()
                    .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .redirect(same_origin_redirects())
                    .build()
                    .map_err(Error::http)?;
                (client, None)
            }
        };
        Ok(ApiClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                request_timeout,
                user_agent,
                credentials: self.credentials,
                schemes: V::SECURITY_SCHEMES,
            }),
        })
    }
}

/// Follows at most [`MAX_REDIRECTS`] redirects, and only within the original
/// origin, so that credentials never reach another host.
fn same_origin_redirects() -> redirect::Policy {
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
fn parse_base_url(raw: &str) -> Result<Url, Error> {
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
fn redact_userinfo(raw: &str) -> String {
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
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase();
        let undotted = lower.replace("%2e", ".");
        undotted == "." || undotted == ".."
    })
}

pub(super) struct Inner {
    pub(super) http: reqwest::Client,
    pub(super) base_url: Url,
    /// Set only for a user-supplied client, whose own timeouts are unknown.
    pub(super) request_timeout: Option<Duration>,
    pub(super) user_agent: HeaderValue,
    pub(super) credentials: Credentials,
    pub(super) schemes: &'static [SecurityScheme],
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
            .field("request_timeout", &self.inner.request_timeout)
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
}
