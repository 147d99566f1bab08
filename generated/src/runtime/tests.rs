// Copied by `cargo xtask generate` from templates/src/runtime/tests.rs; edit the template, not this file.
//! End-to-end tests of credential handling against a local mock server,
//! and the test API version shared by the other test modules.

use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

/// An API version with one scheme of each kind.
pub(super) struct TestApi;

impl ApiVersion for TestApi {
    const DEFAULT_BASE_URL: &'static str = "https://api.example.invalid/v9";
    const SECURITY_SCHEMES: &'static [SecurityScheme] = &[
        SecurityScheme {
            name: "TokenAuth",
            location: SchemeLocation::Bearer,
        },
        SecurityScheme {
            name: "APIKeyAuth",
            location: SchemeLocation::Header("X-API-Key"),
        },
        SecurityScheme {
            name: "QueryKey",
            location: SchemeLocation::Query("api_key"),
        },
        SecurityScheme {
            name: "BasicAuth",
            location: SchemeLocation::Basic,
        },
        SecurityScheme {
            name: "SessionCookie",
            location: SchemeLocation::Cookie("sid"),
        },
        SecurityScheme {
            name: "CsrfCookie",
            location: SchemeLocation::Cookie("csrf"),
        },
    ];
}

/// Bearer token, or else the API key header.
pub(super) const TOKEN_OR_KEY: &[&[&str]] = &[&["TokenAuth"], &["APIKeyAuth"]];

/// A builder aimed at `server`.
pub(super) fn builder(server: &MockServer) -> ClientBuilder<TestApi> {
    ClientBuilder::new().base_url(server.uri())
}

/// Builds, failing the test on error.
pub(super) fn client(b: ClientBuilder<TestApi>) -> ApiClient {
    b.build_inner().expect("client builds")
}

/// A builder aimed at `server` whose requests arm no timer of their own (no
/// timeout, no sweep of idle connections). Under a paused clock, which
/// jumps to the next timer whenever the runtime waits, time then moves only
/// for the runtime's waits (backoff, `Retry-After`) and explicit
/// `advance`s, never while a request is on the wire.
pub(super) fn paused_builder(server: &MockServer) -> ClientBuilder<TestApi> {
    builder(server).configure_http(|http| http.pool_idle_timeout(None))
}

/// A loopback port that refuses connections: bound but not listening, and
/// reserved for as long as the returned socket lives, so that no server of
/// another test can take it meanwhile.
pub(super) fn refused_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(([127, 0, 0, 1], 0).into()).expect("bind");
    let port = socket.local_addr().expect("address").port();
    (socket, port)
}

/// A loopback server that answers every request with a success head of
/// `content_type`, a chunked body starting with `first` and then nothing,
/// holding the connection open; returns its base URL.
pub(super) async fn stalling_server(content_type: &'static str, first: &'static str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n\
                 transfer-encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n",
                first.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            open.push(socket);
        }
    });
    base
}

/// How many requests `server` has received.
pub(super) async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 1, "expected exactly one request");
    received.remove(0)
}

#[tokio::test]
async fn first_satisfied_alternative_is_applied() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices/a%2Fb"))
        .and(header("authorization", "Bearer tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "a/b"})))
        .mount(&server)
        .await;
    let api = client(
        builder(&server)
            .credential("APIKeyAuth", "key")
            .credential("TokenAuth", "tok"),
    );
    let path = format!("/voices/{}", encode_path("a/b"));
    let voice: Value = api
        .request(Method::GET, &path, TOKEN_OR_KEY)
        .send_json()
        .await
        .expect("ok");
    assert_eq!(voice, json!({"id": "a/b"}));
    let request = only_request(&server).await;
    assert!(request.headers.get("x-api-key").is_none());
    let ua = request
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok());
    assert_eq!(
        ua,
        Some(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
    );
    assert_eq!(
        request.headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
}

#[tokio::test]
async fn header_key_used_when_it_is_the_only_credential() {
    let server = MockServer::start().await;
    Mock::given(header("x-api-key", "key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(1)))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(
        builder(&server)
            .credential("APIKeyAuth", "key")
            .user_agent("my-app/1.0"),
    );
    let n: u32 = api
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_json()
        .await
        .expect("ok");
    assert_eq!(n, 1);
    let request = only_request(&server).await;
    assert!(request.headers.get("authorization").is_none());
    assert_eq!(
        request
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok()),
        Some("my-app/1.0")
    );
}

#[tokio::test]
async fn query_and_basic_credentials_combine_with_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/items"))
        .and(query_param("api_key", "q s"))
        .and(header("authorization", "Basic dTpw"))
        .and(header("content-type", "application/json"))
        .and(header("x-trace", "t1"))
        .and(body_json(json!({"name": "n"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/v1/", server.uri());
    let api = client(
        ClientBuilder::<TestApi>::new()
            .base_url(base)
            .credential("QueryKey", "q s")
            .credential("BasicAuth", "u:p"),
    );
    api.request(Method::POST, "/items", &[&["QueryKey", "BasicAuth"]])
        .query("tag", "a")
        .query("tag", "b&c")
        .header("X-Trace", "t1")
        .json(&json!({"name": "n"}))
        .send_empty()
        .await
        .expect("ok");
    let request = only_request(&server).await;
    assert_eq!(request.url.query(), Some("tag=a&tag=b%26c&api_key=q+s"));
}

#[tokio::test]
async fn cookie_credentials_join_the_cookie_header() {
    let server = MockServer::start().await;
    Mock::given(header("cookie", "theme=dark; sid=s1; csrf=c2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(
        builder(&server)
            .credential("SessionCookie", "s1")
            .credential("CsrfCookie", "c2"),
    );
    api.request(Method::GET, "/me", &[&["SessionCookie", "CsrfCookie"]])
        .header("Cookie", "theme=dark")
        .send_empty()
        .await
        .expect("ok");
}

#[tokio::test]
async fn a_cookie_credential_that_would_split_the_header_is_refused() {
    let server = MockServer::start().await;
    let api = client(builder(&server).credential("SessionCookie", "s1; admin=1"));
    let result = api
        .request(Method::GET, "/me", &[&["SessionCookie"]])
        .send_empty()
        .await;
    assert!(
        matches!(&result, Err(Error::InvalidHeader { name }) if name == "cookie sid"),
        "{result:?}"
    );
    assert_eq!(received(&server).await, 0);
}

#[tokio::test]
async fn raw_bodies_are_sent_as_given_with_their_media_type() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/objects/k"))
        .and(header("content-type", "text/xml"))
        .and(wiremock::matchers::body_bytes(b"<a>1</a>".to_vec()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let api = client(builder(&server));
    api.request(Method::PUT, "/objects/k", &[])
        .raw("text/xml", bytes::Bytes::from_static(b"<a>1</a>"))
        .send_empty()
        .await
        .expect("sent");
    let err = api
        .request(Method::PUT, "/objects/k", &[])
        .raw("text/xml\n", bytes::Bytes::new())
        .send_empty()
        .await;
    assert!(matches!(err, Err(Error::InvalidHeader { .. })), "{err:?}");
}

#[tokio::test]
async fn missing_credentials_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let api = client(builder(&server).credential("QueryKey", "q"));
    let err = api
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await;
    assert!(
        matches!(&err, Err(Error::MissingCredentials { required }) if required == "TokenAuth or APIKeyAuth"),
        "{err:?}"
    );
}

#[tokio::test]
async fn anonymous_operations_send_no_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let api = client(builder(&server).credential("APIKeyAuth", "key"));
    api.request(Method::GET, "/public", &[])
        .send_empty()
        .await
        .expect("no security");
    let none = client(builder(&server));
    none.request(Method::GET, "/optional", &[&["TokenAuth"], &[]])
        .send_empty()
        .await
        .expect("optional");
    for request in server.received_requests().await.unwrap_or_default() {
        assert!(request.headers.get("x-api-key").is_none());
        assert!(request.headers.get("authorization").is_none());
    }
}

#[tokio::test]
async fn insecure_transport_is_refused_only_with_credentials() {
    let remote = client(
        ClientBuilder::<TestApi>::new()
            .base_url("http://example.com")
            .credential("APIKeyAuth", "k"),
    );
    let err = remote
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await;
    assert!(
        matches!(&err, Err(Error::InsecureTransport { host }) if host == "example.com"),
        "{err:?}"
    );

    let server = MockServer::start().await;
    Mock::given(header("x-api-key", "k"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let local = server.uri().replace("localhost", "127.0.0.1");
    assert!(local.starts_with("http://127.0.0.1:"), "{local}");
    let api = client(
        ClientBuilder::<TestApi>::new()
            .base_url(local)
            .credential("APIKeyAuth", "k"),
    );
    api.request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await
        .expect("loopback is fine");
}

#[tokio::test]
async fn transport_errors_do_not_leak_query_credentials() {
    let (_reserved, port) = refused_port();
    let api = client(
        ClientBuilder::<TestApi>::new()
            .base_url(format!("http://127.0.0.1:{port}"))
            .credential("QueryKey", "sekrit-query-key"),
    );
    let err = api
        .request(Method::GET, "/x", &[&["QueryKey"]])
        .send_empty()
        .await
        .err();
    assert!(matches!(err, Some(Error::Http(_))), "{err:?}");
    let shown = format!(
        "{err:?} {}",
        err.as_ref().map(ToString::to_string).unwrap_or_default()
    );
    assert!(!shown.contains("sekrit"), "{shown}");
}

#[tokio::test]
async fn redirects_stay_on_the_same_origin() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/new"))
        .mount(&server)
        .await;
    Mock::given(path("/new"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("here")))
        .mount(&server)
        .await;
    let away = format!("{}/steal", elsewhere.uri());
    Mock::given(path("/away"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", away.as_str()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&elsewhere)
        .await;

    let api = client(builder(&server).credential("APIKeyAuth", "key"));
    let moved: String = api
        .request(Method::GET, "/old", TOKEN_OR_KEY)
        .send_json()
        .await
        .expect("followed");
    assert_eq!(moved, "here");
    let err = api
        .request(Method::GET, "/away", TOKEN_OR_KEY)
        .send_empty()
        .await;
    assert_eq!(
        err.err().and_then(|e| e.status()),
        Some(reqwest::StatusCode::TEMPORARY_REDIRECT)
    );
}
