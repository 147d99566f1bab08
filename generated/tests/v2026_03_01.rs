// Copied by `cargo xtask generate` from templates/tests/v2026_03_01.rs; edit the template, not this file.
//! The 2026-03-01 client against a local mock server: errors answered as JSON are read typed,
//! minted tokens stay secret, call audio downloads return the audio, lists page.
#![cfg(feature = "v2026-03-01")]

mod common;

use cartesia_api::v2026_03_01::{Client, ErrorResponse, TokenGrant, TokenRequest};
use cartesia_api::{Error, ErrorKind};
use common::{header_values, only_request};
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION: &str = "2026-03-01";
const KEY: &str = "sk_car_test_0123456789";
const REQUEST_ID: &str = "3f1c2a9e-8d4b-4c1a-9b7e-2f6d5e4c3b2a";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .max_retries(0)
        .build()
        .expect("client builds")
}

fn error_json(title: &str, message: &str) -> Value {
    json!({
        "error_code": "voice_not_found",
        "title": title,
        "message": message,
        "request_id": REQUEST_ID,
        "doc_url": "https://docs.cartesia.ai/api-reference/voices/get",
    })
}

#[tokio::test]
async fn a_json_error_is_read_typed_and_displayed_by_title_and_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices/nope"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(error_json("Voice not found", "No voice has the id `nope`.")),
        )
        .mount(&server)
        .await;
    let error = client(&server).voices().get("nope").await.expect_err("404");
    assert_eq!(
        error.to_string(),
        "http 404 Not Found: Voice not found: No voice has the id `nope`."
    );
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    let body = api.detail::<ErrorResponse>().expect("typed error body");
    assert_eq!(body.error_code.as_deref(), Some("voice_not_found"));
    assert_eq!(body.title, "Voice not found");
    assert_eq!(body.message, "No voice has the id `nope`.");
    assert_eq!(body.request_id.to_string(), REQUEST_ID);
    assert_eq!(
        body.doc_url.as_deref(),
        Some("https://docs.cartesia.ai/api-reference/voices/get")
    );
    assert_eq!(api.request_id(), Some(REQUEST_ID));
    // The raw body stays available.
    assert!(api.text().contains("voice_not_found"));
    let request = only_request(&server).await;
    assert_eq!(header_values(&request, "cartesia-version"), [VERSION]);
    assert_eq!(
        header_values(&request, "authorization"),
        [format!("Bearer {KEY}")]
    );
}

#[tokio::test]
async fn an_error_body_that_is_not_the_declared_json_is_kept_as_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices/v1"))
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string("<html>bad gateway</html>"),
        )
        .mount(&server)
        .await;
    let error = client(&server).voices().get("v1").await.expect_err("502");
    assert_eq!(
        error.to_string(),
        "http 502 Bad Gateway: <html>bad gateway</html>"
    );
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert!(api.detail::<ErrorResponse>().is_none());
    assert_eq!(api.request_id(), None);
}

#[tokio::test]
async fn a_rate_limit_is_a_typed_error_with_its_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .respond_with(ResponseTemplate::new(429).set_body_json(error_json(
            "Too many requests",
            "The concurrency limit was exceeded.",
        )))
        .mount(&server)
        .await;
    let error = client(&server)
        .auth()
        .access_token(&TokenRequest::new())
        .await
        .expect_err("429");
    assert_eq!(error.kind(), ErrorKind::RateLimit);
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        "http 429 Too Many Requests: Too many requests: The concurrency limit was exceeded."
    );
}

#[tokio::test]
async fn a_minted_token_is_a_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "tok_abc123"})))
        .mount(&server)
        .await;
    let request = TokenRequest::new()
        .grants(TokenGrant::new().tts(true).stt(true).agent(true))
        .expires_in(60);
    let grant = client(&server)
        .auth()
        .access_token(&request)
        .await
        .expect("token minted");
    assert_eq!(grant.token.expose(), "tok_abc123");
    assert!(!format!("{grant:?}").contains("tok_abc123"));
    let sent: Value = only_request(&server).await.body_json().expect("json body");
    assert_eq!(
        sent,
        json!({"grants": {"tts": true, "stt": true, "agent": true}, "expires_in": 60})
    );
}

#[tokio::test]
async fn a_token_in_a_body_that_fails_to_decode_is_not_shown() {
    let server = MockServer::start().await;
    let secret = "tok_live_5ecret_e3b0c44298fc1c149afbf4c8996fb924";
    let bodies = [
        // The token, then a field of the wrong type.
        format!(r#"{{"token": "{secret}", "grants": {{"tts": "yes"}}}} trailing"#),
        // The right fields, in the wrong shape.
        format!(r#"[{{"token": "{secret}"}}]"#),
        // Cut off inside the token.
        format!(r#"{{"token": "{secret}"#),
    ];
    for body in bodies {
        Mock::given(method("POST"))
            .and(path("/access-token"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let error = client(&server)
            .auth()
            .access_token(&TokenRequest::new())
            .await
            .expect_err("not a token response");
        assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("5ecret"), "{body}: {shown}");
        assert!(shown.contains(r#"\"token\": \"***"#), "{shown}");
    }
}

#[tokio::test]
async fn an_error_response_hides_credentials_and_cookies_from_debug() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("set-cookie", "session=ck_5ecret_1; HttpOnly")
                .insert_header("x-api-key", "sk_5ecret_2")
                .insert_header("x-request-id", REQUEST_ID)
                .set_body_raw(
                    r#"{"message": "bad key", "api_key": "sk_5ecret_3"}"#,
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    let error = client(&server)
        .auth()
        .access_token(&TokenRequest::new())
        .await
        .expect_err("401");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("5ecret"), "{shown}");
    assert!(shown.contains(REQUEST_ID), "{shown}");
    let Error::Api(api) = &error else {
        panic!("expected an api error, got {error:?}");
    };
    // The values themselves stay readable.
    assert_eq!(
        api.headers().get("set-cookie").map(|v| v.as_bytes()),
        Some(&b"session=ck_5ecret_1; HttpOnly"[..])
    );
    assert!(api.text().contains("sk_5ecret_3"));
}

#[tokio::test]
async fn call_audio_downloads_return_the_audio() {
    let server = MockServer::start().await;
    let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ".repeat(64);
    Mock::given(method("GET"))
        .and(path("/agents/calls/call-1/audio"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/wav")
                .set_body_bytes(wav.clone()),
        )
        .mount(&server)
        .await;
    let audio = client(&server)
        .agents()
        .download_call_audio("call-1")
        .await
        .expect("audio")
        .bytes()
        .await
        .expect("body read");
    assert_eq!(audio.as_ref(), wav.as_slice());
}

fn voice(id: &str) -> Value {
    json!({
        "id": id, "is_owner": true, "is_public": false, "name": id, "description": "",
        "created_at": "2026-03-01T00:00:00Z", "language": "en"
    })
}

#[tokio::test]
async fn voices_are_listed_page_by_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("limit", "2"))
        .and(wiremock::matchers::query_param_is_missing("starting_after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [voice("v1"), voice("v2")], "has_more": true, "next_page": "v2"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("starting_after", "v2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"data": [voice("v3")], "has_more": false, "next_page": null}),
            ),
        )
        .mount(&server)
        .await;
    let pages: Vec<Vec<String>> = client(&server)
        .voices()
        .list()
        .limit(2)
        .into_pages()
        .map_ok(|page| page.data.into_iter().map(|v| v.id.to_string()).collect())
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages, [vec!["v1", "v2"], vec!["v3"]]);
}
