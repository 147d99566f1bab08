//! End-to-end tests of retries against a local mock server, under a paused
//! clock: backoff, `Retry-After`, limits, which methods are retried, the
//! idempotency key, the total timeout, and requests that cannot be
//! replayed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::time::Instant;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::tests::{TestApi, client, paused_builder, received, refused_port};
use super::*;

const MS: fn(u64) -> Duration = Duration::from_millis;

async fn status_server(status: u16, headers: &[(&'static str, &str)], times: u64) -> MockServer {
    let server = MockServer::start().await;
    let mut response = ResponseTemplate::new(status);
    for (name, value) in headers {
        response = response.insert_header(*name, *value);
    }
    Mock::given(any())
        .respond_with(response)
        .up_to_n_times(times)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    server
}

/// Puts a JSON body (an idempotent method); returns the outcome and the
/// (virtual) time spent.
async fn put(api: &ApiClient, options: &RequestOptions) -> (Result<Value, Error>, Duration) {
    send(api.request(Method::PUT, "/x", &[]), options).await
}

/// Sends `request` with a JSON body; returns the outcome and the (virtual)
/// time spent.
async fn send(request: Request<'_>, options: &RequestOptions) -> (Result<Value, Error>, Duration) {
    let start = Instant::now();
    let request = request.json(&json!({"n": 1}));
    let result = request.options(options).send_json().await;
    (result, start.elapsed())
}

/// Posts a JSON body (a method that is not idempotent).
async fn post(api: &ApiClient, options: &RequestOptions) -> (Result<Value, Error>, Duration) {
    send(api.request(Method::POST, "/x", &[]), options).await
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_with_backoff() {
    let server = status_server(503, &[], 2).await;
    let api = client(paused_builder(&server));
    let (result, waited) = put(&api, &RequestOptions::new()).await;
    assert_eq!(result.expect("third attempt"), json!({"ok": true}));
    assert_eq!(received(&server).await, 3);
    // 0.25..=0.5 s, then 0.5..=1 s.
    assert!((MS(750)..=MS(1502)).contains(&waited), "{waited:?}");
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests.iter().all(|r| r.body == br#"{"n":1}"#));
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_limit() {
    let server = status_server(500, &[], u64::MAX).await;
    let none = RequestOptions::new();
    let (result, _) = put(&client(paused_builder(&server)), &none).await;
    assert_eq!(
        result.err().and_then(|e| e.status()),
        Some(StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(received(&server).await, 3, "two retries by default");
    let once = client(paused_builder(&server).max_retries(1));
    let _ = put(&once, &none).await;
    assert_eq!(received(&server).await, 5);
    let _ = put(&once, &RequestOptions::new().max_retries(0)).await;
    assert_eq!(received(&server).await, 6);
    let policy = RetryPolicy::new().max_retries(3).base_delay(MS(10));
    let (_, waited) = put(&once, &RequestOptions::new().retry_policy(policy)).await;
    assert_eq!(received(&server).await, 10);
    assert!((MS(35)..=MS(73)).contains(&waited), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn only_transient_statuses_are_retried() {
    for (status, attempts) in [
        (400, 1),
        (401, 1),
        (404, 1),
        (409, 1),
        (422, 1),
        (408, 2),
        (429, 2),
        (502, 2),
    ] {
        let server = status_server(status, &[], 1).await;
        let (result, _) = put(&client(paused_builder(&server)), &RequestOptions::new()).await;
        assert_eq!(received(&server).await, attempts, "{status}");
        assert_eq!(result.is_ok(), attempts == 2, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let cases = [
        (429, ("retry-after", "7"), MS(7000)..=MS(7002)),
        (503, ("retry-after-ms", "1500"), MS(1500)..=MS(1502)),
        (408, ("retry-after", "0"), MS(0)..=MS(1)),
    ];
    for (status, header, expected) in cases {
        let server = status_server(status, &[header], 1).await;
        let (result, waited) = put(&client(paused_builder(&server)), &RequestOptions::new()).await;
        assert!(result.is_ok(), "{header:?}");
        assert_eq!(received(&server).await, 2);
        assert!(expected.contains(&waited), "{header:?}: {waited:?}");
    }

    // An HTTP date is compared with the system clock, which keeps running
    // (and the date drops fractions of a second): the wait is at most 45 s,
    // and less by the real time the exchange took.
    let in_45s = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(45));
    let server = status_server(429, &[("retry-after", &in_45s)], 1).await;
    let (result, waited) = put(&client(paused_builder(&server)), &RequestOptions::new()).await;
    assert!(result.is_ok() && received(&server).await == 2);
    assert!((MS(30_000)..=MS(45_002)).contains(&waited), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn longer_retry_after_gives_up() {
    let server = status_server(429, &[("retry-after", "3600")], 2).await;
    let (result, waited) = put(&client(paused_builder(&server)), &RequestOptions::new()).await;
    let Err(Error::Api(e)) = result else {
        panic!("expected the 429, got {result:?}");
    };
    assert_eq!(
        (e.status(), e.retry_after()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3600))
        )
    );
    assert_eq!((received(&server).await, waited), (1, Duration::ZERO));
    let patient = RetryPolicy::new().max_retry_after(Duration::from_secs(7200));
    let (result, waited) = put(
        &client(paused_builder(&server).retry_policy(patient)),
        &RequestOptions::new(),
    )
    .await;
    assert!(
        result.is_ok() && waited >= Duration::from_secs(3600),
        "{result:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn connection_errors_are_retried() {
    // Drops the first three connections without answering, then answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            if count.fetch_add(1, Ordering::SeqCst) >= 3 {
                let ok = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                let _ = socket.write_all(ok.as_bytes()).await;
            }
        }
    });
    let api = client(
        ClientBuilder::<TestApi>::new()
            .base_url(base)
            .configure_http(|http| http.pool_idle_timeout(None)),
    );
    // The request was sent before the connection dropped: it may have been
    // processed, so a `POST` is not sent again.
    let (result, _) = post(&api, &RequestOptions::new()).await;
    assert_eq!(result.err().map(|e| e.kind()), Some(ErrorKind::Connection));
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    let (result, waited) = put(&api, &RequestOptions::new()).await;
    assert_eq!(result.expect("third connection answers"), json!({}));
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    assert!(waited >= MS(750), "{waited:?}");

    // Nothing listens: nothing was sent, so even a `POST` is tried twice
    // more after the first attempt.
    let (_reserved, port) = refused_port();
    let builder = ClientBuilder::<TestApi>::new()
        .base_url(format!("http://127.0.0.1:{port}"))
        .configure_http(|http| http.pool_idle_timeout(None));
    let (result, waited) = post(&client(builder), &RequestOptions::new()).await;
    assert_eq!(result.err().map(|e| e.kind()), Some(ErrorKind::Connection));
    assert!((MS(750)..=MS(1502)).contains(&waited), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn streamed_uploads_are_never_retried() {
    let server = status_server(503, &[], u64::MAX).await;
    let api = client(paused_builder(&server));
    let chunks = [Ok::<_, std::io::Error>(Bytes::from("abc"))];
    let streamed = FilePart::from_stream(futures_util::stream::iter(chunks), Some(3));
    let form = Form::new().text("a", "b").file("clip", streamed);
    let request = api.request(Method::PUT, "/x", &[]).multipart(form);
    assert!(!request.is_replayable());
    let err = request.send_empty().await.err();
    assert_eq!(
        err.and_then(|e| e.status()),
        Some(StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(received(&server).await, 1);

    let in_memory = Form::new()
        .text("a", "b")
        .file("clip", FilePart::from_bytes("abc"));
    let request = api.request(Method::PUT, "/x", &[]).multipart(in_memory);
    assert!(request.is_replayable());
    let _ = request.send_empty().await;
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 4);
    let body = |i: usize| String::from_utf8_lossy(&requests[i].body).into_owned();
    assert!(
        body(1).contains("abc") && body(3).contains("abc"),
        "{}",
        body(3)
    );
    assert_eq!(body(2).len(), body(3).len(), "the same form each time");
}

#[tokio::test(start_paused = true)]
async fn requests_that_may_have_been_processed_are_not_retried() {
    for status in [500, 502, 503, 504, 408] {
        let server = status_server(status, &[], 1).await;
        let api = client(paused_builder(&server));
        let (result, waited) = post(&api, &RequestOptions::new()).await;
        assert_eq!(
            result.err().and_then(|e| e.status()).map(|s| s.as_u16()),
            Some(status)
        );
        assert_eq!((received(&server).await, waited), (1, Duration::ZERO));
        let patch = api.request(Method::PATCH, "/x", &[]);
        let (result, _) = send(patch, &RequestOptions::new()).await;
        assert!(result.is_ok(), "the mock answers {status} once");
        assert_eq!(received(&server).await, 2, "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn idempotent_methods_are_retried() {
    for verb in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
        let server = status_server(503, &[], 1).await;
        let api = client(paused_builder(&server));
        let result = api.request(verb.clone(), "/x", &[]).send_empty().await;
        assert!(result.is_ok(), "{verb}: {result:?}");
        assert_eq!(received(&server).await, 2, "{verb}");
    }
}

#[tokio::test(start_paused = true)]
async fn unprocessed_requests_are_retried_whatever_the_method() {
    // `429` says the request was turned away before any work.
    let server = status_server(429, &[("retry-after", "1")], 1).await;
    let (result, waited) = post(&client(paused_builder(&server)), &RequestOptions::new()).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!((received(&server).await, waited >= MS(1000)), (2, true));
}

#[tokio::test(start_paused = true)]
async fn callers_opt_in_per_call_or_per_client() {
    let server = status_server(503, &[], 1).await;
    let api = client(paused_builder(&server));
    let (result, _) = post(&api, &RequestOptions::new().idempotent(true)).await;
    assert_eq!(result.expect("retried"), json!({"ok": true}));
    assert_eq!(received(&server).await, 2);

    let server = status_server(503, &[], 1).await;
    let policy = RetryPolicy::new().retry_non_idempotent(true);
    let api = client(paused_builder(&server).retry_policy(policy));
    let (result, _) = post(&api, &RequestOptions::new()).await;
    assert_eq!(result.expect("retried"), json!({"ok": true}));
    assert_eq!(received(&server).await, 2);
    // Opting in does not lift the limit, nor turn `400` into a retry.
    let server = status_server(400, &[], 1).await;
    let api = client(paused_builder(&server).retry_policy(policy));
    let (result, _) = post(&api, &RequestOptions::new().idempotent(true)).await;
    assert_eq!(
        result.err().and_then(|e| e.status()),
        Some(StatusCode::BAD_REQUEST)
    );
    assert_eq!(received(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn operations_described_as_idempotent_are_retried() {
    let server = status_server(503, &[], 1).await;
    let api = client(paused_builder(&server));
    let request = api.request(Method::POST, "/x", &[]).idempotent();
    let (result, _) = send(request, &RequestOptions::new()).await;
    assert_eq!(result.expect("retried"), json!({"ok": true}));
    assert_eq!(received(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn an_idempotency_key_is_the_same_on_every_attempt() {
    let server = status_server(503, &[], 2).await;
    let api = client(paused_builder(&server));
    let keyed = || {
        api.request(Method::POST, "/x", &[])
            .idempotency_key("Idempotency-Key")
    };
    let (result, _) = send(keyed(), &RequestOptions::new()).await;
    assert_eq!(result.expect("retried"), json!({"ok": true}));
    let (result, _) = send(keyed(), &RequestOptions::new()).await;
    assert!(result.is_ok());
    let keys: Vec<String> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let key = r.headers.get("idempotency-key").expect("a key is sent");
            key.to_str().expect("ascii").to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(keys[..3].iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_ne!(keys[3], keys[0], "a new key per call");
    let parsed = uuid::Uuid::parse_str(&keys[0]).expect("a uuid");
    assert_eq!(parsed.get_version_num(), 4);

    // A key set by the caller is kept, on every attempt.
    let server = status_server(503, &[], 1).await;
    let api = client(paused_builder(&server));
    let options = RequestOptions::new().header("Idempotency-Key", "order-17");
    let request = api
        .request(Method::POST, "/x", &[])
        .idempotency_key("Idempotency-Key");
    let (result, _) = send(request, &options).await;
    assert!(result.is_ok(), "{result:?}");
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| {
        r.headers
            .get("idempotency-key")
            .is_some_and(|v| v == "order-17")
    }));
}
