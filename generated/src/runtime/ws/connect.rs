// Copied by `cargo xtask generate` from templates/src/runtime/ws/connect.rs; edit the template, not this file.
//! Opening a WebSocket connection: the handshake URL from the client's base
//! URL, credentials, TLS set up like the HTTP client's, the connect timeout,
//! and a refused handshake read as an API error.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use url::{Host, Url};

use super::super::auth::{self, SchemeLocation, Secret};
use super::super::client::ApiClient;
use super::super::error::{ApiError, Error};
use super::super::tls;
use super::super::token::{Credential, TokenProvider};
use super::super::urls::has_dot_segment;
use super::config::WsConfig;

/// The byte stream under a WebSocket: TCP, or TLS over TCP.
pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open WebSocket connection.
pub(super) type Socket = WebSocketStream<Box<dyn Io>>;

/// A WebSocket handshake being prepared: path, query parameters, headers
/// and where each credential goes. Started with [`ApiClient::websocket`];
/// finished with `multiplex` or `single_stream`.
pub(crate) struct Handshake<'c> {
    client: &'c ApiClient,
    path: String,
    security: &'static [&'static [&'static str]],
    query: Vec<(String, String)>,
    headers: HeaderMap,
    locations: Vec<(&'static str, SchemeLocation)>,
    config: WsConfig,
    error: Option<Error>,
}

impl ApiClient {
    /// Starts a WebSocket handshake to `path` (percent-encoded, starting
    /// with `/`) relative to the base URL, whose scheme becomes `wss` (or
    /// `ws` for `http`, loopback hosts only). `security` lists the
    /// acceptable combinations of security schemes, as for requests.
    pub(crate) fn websocket(
        &self,
        path: &str,
        security: &'static [&'static [&'static str]],
    ) -> Handshake<'_> {
        let error = (has_dot_segment(path) || !path.starts_with('/')).then(|| Error::InvalidPath {
            path: path.to_owned(),
            reason: "it must start with `/` and contain no `.` or `..` segment".to_owned(),
        });
        Handshake {
            client: self,
            path: path.to_owned(),
            security,
            query: Vec::new(),
            headers: HeaderMap::new(),
            locations: Vec::new(),
            config: WsConfig::default(),
            error,
        }
    }
}

impl Handshake<'_> {
    /// Adds a query parameter to the handshake URL.
    pub(crate) fn query(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Adds a header to the handshake request; an invalid value makes
    /// connecting fail with [`Error::InvalidHeader`].
    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => {
                self.error.get_or_insert(Error::InvalidHeader {
                    name: name.to_owned(),
                });
            }
        }
        self
    }

    /// Sends the credential of `scheme` at `location` on this handshake
    /// instead of where the API version's requests put it (e.g. the query
    /// parameter `access_token` for a bearer token).
    pub(crate) fn credential_at(mut self, scheme: &'static str, location: SchemeLocation) -> Self {
        self.locations.push((scheme, location));
        self
    }

    /// Sets the connection's limits and timers.
    pub(crate) fn config(mut self, config: WsConfig) -> Self {
        self.config = config;
        self
    }

    /// Connects, sets up TLS and completes the handshake within the connect
    /// timeout. When the server refuses a provided access token (`401`),
    /// the token is discarded and the handshake tried once more.
    pub(super) async fn open(self) -> Result<(Socket, WsConfig), Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let inner = &*self.client.inner;
        let mut url = inner.base_url.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), self.path);
        url.set_path(&joined);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        auth::check_transport(&url)?;
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .map_err(|()| websocket_error("cannot make a websocket url"))?;
        let mut headers = self.headers;
        headers.insert(USER_AGENT, inner.user_agent.clone());
        let chosen = inner
            .credentials
            .select_schemes(inner.schemes, self.security)?;
        let credentials = chosen
            .into_iter()
            .map(|(scheme, credential)| {
                let moved = self.locations.iter().find(|(name, _)| *name == scheme.name);
                (moved.map_or(scheme.location, |(_, at)| *at), credential)
            })
            .collect();
        let attempt = Attempt {
            url,
            headers,
            credentials,
            config: self.config,
            error_body: inner.error_body,
        };
        let limit = self.config.connect_timeout.unwrap_or(inner.connect_timeout);
        let connect = async {
            let mut tokens = Vec::new();
            match attempt.run(&mut tokens).await {
                Err(error) if error.status() == Some(StatusCode::UNAUTHORIZED) => {
                    if tokens.is_empty() {
                        return Err(error);
                    }
                    for (provider, token) in &tokens {
                        provider.invalidate(token).await;
                    }
                    attempt.run(&mut Vec::new()).await
                }
                other => other,
            }
        };
        let socket = tokio::time::timeout(limit, connect)
            .await
            .unwrap_or(Err(Error::Timeout { after: limit }))?;
        Ok((socket, self.config))
    }
}

impl fmt::Debug for Handshake<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<_> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Handshake")
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("security", &self.security)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What every attempt of a handshake shares.
struct Attempt<'c> {
    /// With the query parameters, but not the credentials.
    url: Url,
    headers: HeaderMap,
    credentials: Vec<(SchemeLocation, &'c Credential)>,
    config: WsConfig,
    error_body: Option<super::super::error::ErrorBodyDecoder>,
}

impl<'c> Attempt<'c> {
    /// Connects once; notes the provided access tokens it used in `tokens`.
    async fn run(&self, tokens: &mut Vec<(&'c TokenProvider, Secret)>) -> Result<Socket, Error> {
        let mut url = self.url.clone();
        let mut headers = self.headers.clone();
        auth::apply_all(&self.credentials, &mut url, &mut headers, tokens).await?;
        let io = connect_io(&url).await?;
        // The URL may carry a credential: no error below may show it.
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|_| websocket_error("invalid websocket url"))?;
        request.headers_mut().extend(headers);
        let config = WebSocketConfig::default()
            .max_message_size(Some(self.config.max_message_size))
            .max_frame_size(Some(self.config.max_message_size));
        match tokio_tungstenite::client_async_with_config(request, io, Some(config)).await {
            Ok((socket, _response)) => Ok(socket),
            Err(WsError::Http(response)) => {
                let (head, body) = (*response).into_parts();
                let body = Bytes::from(body.unwrap_or_default());
                let detail = self.error_body.and_then(|decode| decode(&body));
                Err(Error::Api(
                    ApiError::new(head.status, head.headers, body).with_detail(detail),
                ))
            }
            Err(error) => Err(map_error(error, self.config.max_message_size)),
        }
    }
}

/// Opens the TCP connection, and TLS over it for `wss`.
async fn connect_io(url: &Url) -> Result<Box<dyn Io>, Error> {
    let port = url
        .port_or_known_default()
        .ok_or_else(|| websocket_error("the url has no port"))?;
    let failed = |e: std::io::Error| websocket_error(&format!("cannot connect: {e}"));
    let tcp = match url.host() {
        Some(Host::Domain(name)) => TcpStream::connect((name, port)).await,
        Some(Host::Ipv4(ip)) => TcpStream::connect((ip, port)).await,
        Some(Host::Ipv6(ip)) => TcpStream::connect((ip, port)).await,
        None => return Err(websocket_error("the url has no host")),
    }
    .map_err(failed)?;
    tcp.set_nodelay(true).map_err(failed)?;
    if url.scheme() != "wss" {
        return Ok(Box::new(tcp));
    }
    let name = match url.host() {
        Some(Host::Domain(name)) => ServerName::try_from(name.to_owned()).ok(),
        Some(Host::Ipv4(ip)) => Some(ServerName::from(std::net::IpAddr::V4(ip))),
        Some(Host::Ipv6(ip)) => Some(ServerName::from(std::net::IpAddr::V6(ip))),
        None => None,
    }
    .ok_or_else(|| websocket_error("the host is not a valid tls server name"))?;
    let config = tls::config(tls::WEBSOCKET_ALPN)
        .map_err(|reason| websocket_error(&format!("tls setup: {reason}")))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| websocket_error(&format!("tls: {e}")))?;
    Ok(Box::new(tls))
}

/// An [`Error::WebSocket`] without a close code.
pub(super) fn websocket_error(reason: &str) -> Error {
    Error::WebSocket {
        code: None,
        reason: reason.to_owned(),
    }
}

/// Turns a WebSocket library error into [`Error::WebSocket`], by kind only
/// where its message could show a request detail.
pub(super) fn map_error(error: WsError, max_message_size: usize) -> Error {
    let reason = match error {
        WsError::Capacity(e) => format!("message too large (limit {max_message_size} bytes): {e}"),
        WsError::Protocol(e) => format!("protocol error: {e}"),
        WsError::Io(e) => format!("i/o error: {e}"),
        WsError::Utf8(_) => "a text message is not valid utf-8".to_owned(),
        WsError::ConnectionClosed | WsError::AlreadyClosed => "connection closed".to_owned(),
        WsError::Http(response) => format!("unexpected http response {}", response.status()),
        WsError::Url(_) | WsError::HttpFormat(_) => "invalid websocket request".to_owned(),
        other => other.to_string(),
    };
    websocket_error(&reason)
}
