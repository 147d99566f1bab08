// Copied by `cargo xtask generate` from templates/src/runtime/token_tests.rs; edit the template, not this file.
//! End-to-end tests of access-token providers against a local mock server,
//! under a paused clock: one fetch for concurrent requests, refresh before
//! expiry, a new token after a `401`, failures, and redaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use wiremock::matchers::{any, header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::tests::{TOKEN_OR_KEY, TestApi, client, paused_builder, received};
use super::*;

/// A provider minting `tok-1`, `tok-2`, ... valid for `lifetime`, after
/// a second of (virtual) work; counts its fetches.
fn counting(lifetime: Option<Duration>) -> (TokenProvider, Arc<AtomicUsize>) {
    let fetches = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&fetches);
    let provider = TokenProvider::new(move || {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(AccessToken::new(format!("tok-{n}"), lifetime))
        }
    });
    (provider, fetches)
}

/// Answers 401 to `Bearer <rejected>`, 200 to anything else.
async fn mock(rejected: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(header(
        "authorization",
        format!("Bearer {rejected}").as_str(),
    ))
    .respond_with(ResponseTemplate::new(401).set_body_string("token expired"))
    .mount(&server)
    .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

fn bearer(request: &wiremock::Request) -> String {
    let value = request.headers.get("authorization");
    value
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn bearers(server: &MockServer) -> Vec<String> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests.iter().map(bearer).collect()
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_share_one_fetch() {
    let server = mock("none").await;
    let (provider, fetches) = counting(None);
    let api = client(paused_builder(&server).credential_provider("TokenAuth", provider));
    let requests = (0..20).map(|_| api.request(Method::GET, "/x", TOKEN_OR_KEY).send_empty());
    let results = join_all(requests).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert_eq!(bearers(&server).await, vec!["Bearer tok-1"; 20]);
}

#[tokio::test(start_paused = true)]
async fn tokens_are_refreshed_before_they_expire() {
    let server = mock("none").await;
    // Fetched at t = 1 s, valid for 120 s: refreshed from t = 109 s.
    let (provider, fetches) = counting(Some(Duration::from_secs(120)));
    let api = client(paused_builder(&server).credential_provider("TokenAuth", provider));
    let send = || api.request(Method::GET, "/x", TOKEN_OR_KEY).send_empty();
    send().await.expect("first");
    tokio::time::advance(Duration::from_secs(107)).await;
    send().await.expect("still fresh");
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    tokio::time::advance(Duration::from_secs(2)).await;
    send().await.expect("refreshed");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(
        bearers(&server).await,
        ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    );

    // A long-lived token is refreshed 30 s before it expires.
    let (provider, fetches) = counting(Some(Duration::from_secs(3600)));
    let api = client(paused_builder(&server).credential_provider("TokenAuth", provider));
    let send = || api.request(Method::GET, "/x", TOKEN_OR_KEY).send_empty();
    send().await.expect("first");
    tokio::time::advance(Duration::from_secs(3569)).await;
    send().await.expect("fresh");
    tokio::time::advance(Duration::from_secs(2)).await;
    send().await.expect("refreshed");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn unauthorized_refreshes_the_token_and_retries_once() {
    let server = mock("tok-1").await;
    let (provider, fetches) = counting(None);
    let builder = paused_builder(&server).credential_provider("TokenAuth", provider);
    let api = client(builder.max_retries(0));
    api.request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await
        .expect("the retry with a new token succeeds");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(bearers(&server).await, ["Bearer tok-1", "Bearer tok-2"]);

    // Refused again: one retry only, and the error is returned.
    let always = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&always)
        .await;
    let (provider, fetches) = counting(None);
    let api = client(paused_builder(&always).credential_provider("TokenAuth", provider));
    let err = api
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await;
    assert_eq!(
        err.err().and_then(|e| e.status()),
        Some(StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        (received(&always).await, fetches.load(Ordering::SeqCst)),
        (2, 2)
    );

    // A streamed upload is not sent again, but its token is discarded.
    let chunks = [Ok::<_, std::io::Error>(bytes::Bytes::from("abc"))];
    let streamed = FilePart::from_stream(futures_util::stream::iter(chunks), None);
    let form = Form::new().file("clip", streamed);
    let request = api
        .request(Method::POST, "/x", TOKEN_OR_KEY)
        .multipart(form);
    assert!(request.send_empty().await.is_err());
    assert_eq!(
        (received(&always).await, fetches.load(Ordering::SeqCst)),
        (3, 3)
    );
    let _ = api
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await;
    // `tok-3`, refused for the upload, was not used again.
    let tokens: Vec<_> = (1..=5).map(|n| format!("Bearer tok-{n}")).collect();
    assert_eq!(bearers(&always).await, tokens);
}

#[tokio::test(start_paused = true)]
async fn provider_failures_surface_and_are_shared() {
    let server = mock("none").await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&fetches);
    let provider = TokenProvider::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
        async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Err::<AccessToken, _>("auth server down".into())
        }
    });
    let api = client(paused_builder(&server).credential_provider("TokenAuth", provider));
    let requests = (0..5).map(|_| api.request(Method::GET, "/x", TOKEN_OR_KEY).send_empty());
    for result in join_all(requests).await {
        let err = result.expect_err("no token");
        assert!(matches!(err, Error::TokenProvider(_)), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::TokenProvider);
        assert_eq!(
            err.to_string(),
            "access token provider failed: auth server down"
        );
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("auth server down"));
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one failed fetch, shared, not retried"
    );
    assert_eq!(received(&server).await, 0);
    let _ = api
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await;
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "a later request tries again"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_the_token_until_it_expires() {
    let server = mock("none").await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&fetches);
    let provider = TokenProvider::new(move || {
        let first = count.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            if first {
                Ok(AccessToken::new("tok-1", Some(Duration::from_secs(120))))
            } else {
                Err("auth server down".into())
            }
        }
    });
    let api = client(paused_builder(&server).credential_provider("TokenAuth", provider));
    let send = || api.request(Method::GET, "/x", TOKEN_OR_KEY).send_empty();
    send().await.expect("first");
    // Due for a refresh (from 108 s), which fails, but not expired (120 s).
    tokio::time::advance(Duration::from_secs(110)).await;
    send().await.expect("the old token still works");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    tokio::time::advance(Duration::from_secs(10)).await;
    let err = send().await.expect_err("expired, and no new token");
    assert!(matches!(err, Error::TokenProvider(_)), "{err:?}");
    assert_eq!(fetches.load(Ordering::SeqCst), 3);
    assert_eq!(bearers(&server).await, ["Bearer tok-1", "Bearer tok-1"]);
}

#[tokio::test]
async fn tokens_are_never_shown_nor_sent_in_clear_text() {
    let token = AccessToken::new("tok_secret", Some(Duration::from_secs(60)));
    assert!(token.expires_at().is_some() && token.token().expose() == "tok_secret");
    let (provider, fetches) = counting(None);
    let _ = provider.token().await;
    let builder =
        ClientBuilder::<TestApi>::new().credential_provider("TokenAuth", provider.clone());
    let api = client(builder.clone().max_retries(0));
    let shown = format!("{token:?} {provider:?} {builder:?} {api:?}");
    assert!(
        !shown.contains("tok_") && !shown.contains("tok-"),
        "{shown}"
    );
    assert!(shown.contains("TokenAuth"), "{shown}");
    let options = RequestOptions::new().header("Authorization", "Bearer tok-1");
    assert!(!format!("{options:?}").contains("tok-1"));

    let remote = client(builder.base_url("http://example.com"));
    let err = remote
        .request(Method::GET, "/x", TOKEN_OR_KEY)
        .send_empty()
        .await;
    assert!(
        matches!(err, Err(Error::InsecureTransport { .. })),
        "{err:?}"
    );
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "no token fetched for it");
}
