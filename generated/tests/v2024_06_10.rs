// Copied by `cargo xtask generate` from templates/tests/v2024_06_10.rs; edit the template, not this file.
//! The 2024-06-10 client against a local mock server: what goes on the wire
//! and how responses (good, unexpected and failed) come back.
#![cfg(feature = "v2024-06-10")]

mod common;

use cartesia_api::Error;
use cartesia_api::v2024_06_10::{
    self as api, Client, OutputFormat, RawEncoding, SupportedLanguage, TokenGrant, TokenRequest,
};
use common::{header_values, only_request};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION: &str = "2024-06-10";
const KEY: &str = "sk_car_test_0123456789";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .build()
        .expect("client builds")
}

/// Checks the version and credential headers every authenticated request carries.
fn assert_standard_headers(request: &wiremock::Request) {
    assert_eq!(header_values(request, "cartesia-version"), [VERSION]);
    assert_eq!(header_values(request, "x-api-key"), [KEY]);
    assert!(request.headers.get("authorization").is_none());
}

/// A 192-dimensional embedding whose values survive a JSON round trip exactly.
fn embedding() -> Vec<f64> {
    (0..192u32)
        .map(|i| f64::from(i % 17) * 0.0625 - 0.5)
        .collect()
}

/// A voice as the `Voice` schema describes it.
fn voice_json(id: &str, language: &str) -> Value {
    json!({
        "id": id,
        "user_id": null,
        "is_public": true,
        "name": "Barbershop Man",
        "description": "This voice is smooth and relaxing, perfect for a casual conversation.",
        "created_at": "2024-06-10T19:20:36.104Z",
        "embedding": embedding(),
        "language": language,
    })
}

#[tokio::test]
async fn access_token_sends_version_key_and_exact_body() {
    assert_eq!(api::API_VERSION, VERSION);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .and(header("Cartesia-Version", VERSION))
        .and(header("X-API-Key", KEY))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"grants": {"tts": true}, "expires_in": 600}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "eyJhbGciOi.tok"})))
        .expect(1)
        .mount(&server)
        .await;

    let request = TokenRequest::new()
        .grants(TokenGrant::new().tts(true))
        .expires_in(600);
    let grant = client(&server)
        .auth()
        .access_token(&request)
        .await
        .expect("token minted");
    assert_eq!(grant.token.expose(), "eyJhbGciOi.tok");
    assert!(
        !format!("{grant:?}").contains("eyJhbGciOi"),
        "the token must not show in Debug output"
    );

    let sent = only_request(&server).await;
    assert_eq!(header_values(&sent, "cartesia-version"), [api::API_VERSION]);
    assert_standard_headers(&sent);
    let body: Value = sent.body_json().expect("json body");
    assert_eq!(body, json!({"grants": {"tts": true}, "expires_in": 600}));
    let raw = String::from_utf8(sent.body).expect("utf-8 body");
    assert!(!raw.contains("stt") && !raw.contains("null"), "{raw}");
}

#[tokio::test]
async fn voices_list_decodes_a_bare_array() {
    let server = MockServer::start().await;
    let mut owned = voice_json("a0e99841-438c-4a64-b679-ae501e7d6091", "en");
    owned["user_id"] = json!("user_2abc");
    owned["is_public"] = json!(false);
    let body = json!([
        owned,
        voice_json("fb26447f-308b-471e-8b00-8e9f04284eb5", "de")
    ]);
    Mock::given(method("GET"))
        .and(path("/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;

    let voices = client(&server).voices().list().await.expect("voices");
    assert_eq!(voices.len(), 2);
    assert_eq!(voices[0].id, "a0e99841-438c-4a64-b679-ae501e7d6091");
    assert_eq!(voices[0].user_id.as_deref(), Some("user_2abc"));
    assert!(!voices[0].is_public);
    assert_eq!(voices[0].language, SupportedLanguage::En);
    assert_eq!(voices[1].id, "fb26447f-308b-471e-8b00-8e9f04284eb5");
    assert_eq!(voices[1].user_id, None);
    assert!(voices[1].is_public);
    assert_eq!(voices[1].language, SupportedLanguage::De);
    assert_eq!(voices[1].embedding, embedding());

    let sent = only_request(&server).await;
    assert_standard_headers(&sent);
    assert_eq!(
        sent.url.query(),
        None,
        "this version has no list parameters"
    );
}

#[tokio::test]
async fn voices_get_decodes_every_field() {
    let server = MockServer::start().await;
    let id = "a0e99841-438c-4a64-b679-ae501e7d6091";
    Mock::given(method("GET"))
        .and(path(format!("/voices/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(voice_json(id, "ja")))
        .expect(1)
        .mount(&server)
        .await;

    let voice = client(&server)
        .voices()
        .get(id.to_owned())
        .await
        .expect("voice");
    assert_eq!(voice.id, id);
    assert_eq!(voice.user_id, None);
    assert!(voice.is_public);
    assert_eq!(voice.name, "Barbershop Man");
    assert_eq!(
        voice.description,
        "This voice is smooth and relaxing, perfect for a casual conversation."
    );
    assert_eq!(
        voice
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "2024-06-10T19:20:36.104Z"
    );
    assert_eq!(voice.embedding.len(), 192);
    assert_eq!(voice.embedding, embedding());
    assert_eq!(voice.language, SupportedLanguage::Ja);
    assert_standard_headers(&only_request(&server).await);
}

#[tokio::test]
async fn unknown_language_and_fields_are_tolerated() {
    let server = MockServer::start().await;
    let mut body = voice_json("v1", "tlh");
    body["accent"] = json!("klingon"); // a property the spec does not have
    Mock::given(method("GET"))
        .and(path("/voices/v1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;

    let voice = client(&server)
        .voices()
        .get("v1".to_owned())
        .await
        .expect("voice with an unknown language decodes");
    assert_eq!(voice.language, SupportedLanguage::Unknown("tlh".to_owned()));
    assert_eq!(voice.language.as_str(), "tlh");
    assert_eq!(
        serde_json::to_value(&voice.language).expect("serializes"),
        json!("tlh")
    );
}

/// No response of this version contains a tagged union, so the fallback of
/// one (`OutputFormat`, told apart by `container`) is checked through serde.
#[test]
fn unknown_output_format_container_is_kept_as_json() {
    let raw = json!({"container": "ogg", "encoding": "opus", "sample_rate": 48000});
    let format: OutputFormat = serde_json::from_value(raw.clone()).expect("decodes");
    assert_eq!(format, OutputFormat::Unknown(raw.clone()));
    assert_eq!(serde_json::to_value(&format).expect("serializes"), raw);

    let known: OutputFormat = serde_json::from_value(
        json!({"container": "raw", "encoding": "pcm_f32le", "sample_rate": 44100}),
    )
    .expect("decodes");
    match known {
        OutputFormat::Raw(raw) => {
            assert_eq!(raw.encoding, RawEncoding::PcmF32le);
            assert_eq!(raw.sample_rate, 44100);
            assert_eq!(raw.bit_rate, None);
        }
        other => panic!("expected the raw variant, got {other:?}"),
    }
}

#[tokio::test]
async fn unauthorized_text_body_becomes_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .respond_with(ResponseTemplate::new(401).set_body_raw("Invalid API key", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).voices().list().await.expect_err("401");
    assert_eq!(err.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    match err {
        Error::Api(e) => {
            assert_eq!(e.status(), reqwest::StatusCode::UNAUTHORIZED);
            assert_eq!(e.text(), "Invalid API key");
            assert_eq!(e.body(), b"Invalid API key");
            assert_eq!(
                e.headers().get("content-type").map(|v| v.as_bytes()),
                Some(&b"text/plain"[..])
            );
            assert_eq!(e.to_string(), "http 401 Unauthorized: Invalid API key");
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_success_body_becomes_decode_error() {
    let server = MockServer::start().await;
    let truncated = r#"{"token": "eyJhbGciOi"#;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(truncated, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .auth()
        .access_token(&TokenRequest::new())
        .await
        .expect_err("truncated json");
    match err {
        Error::Decode { status, body, .. } => {
            assert_eq!(status, reqwest::StatusCode::OK);
            // The start of a minted token is not shown either.
            assert_eq!(body, r#"{"token": "***"#);
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
    let sent = only_request(&server).await;
    assert_eq!(sent.body, b"{}", "an empty TokenRequest serializes to {{}}");
}

#[tokio::test]
async fn path_parameter_stays_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices/a%2Fb%3Fc%23d"))
        .respond_with(ResponseTemplate::new(200).set_body_json(voice_json("a/b?c#d", "en")))
        .expect(1)
        .mount(&server)
        .await;

    let voice = client(&server)
        .voices()
        .get("a/b?c#d".to_owned())
        .await
        .expect("voice");
    assert_eq!(voice.id, "a/b?c#d");
    let sent = only_request(&server).await;
    assert_eq!(sent.url.path(), "/voices/a%2Fb%3Fc%23d");
    assert_eq!(sent.url.query(), None);
    assert_eq!(sent.url.fragment(), None);
}
