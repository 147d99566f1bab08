// Copied by `cargo xtask generate` from templates/tests/v2024_11_13.rs; edit the template, not this file.
//! The 2024-11-13 client against a local mock server: what goes on the wire
//! and how responses (good, unexpected and failed) come back.
#![cfg(feature = "v2024-11-13")]

mod common;

use cartesia_api::Error;
use cartesia_api::v2024_11_13::{
    self as api, Client, GenderPresentation, OutputFormat, SupportedLanguage, TokenGrant,
    TokenRequest, VoiceExpandOptions,
};
use common::{header_values, only_request};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION: &str = "2024-11-13";
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
        .map(|i| f64::from(i % 13) * 0.125 - 0.75)
        .collect()
}

/// A voice as the `Voice` schema describes it, without the expandable fields.
fn voice_json(id: &str, language: &str) -> Value {
    json!({
        "id": id,
        "is_owner": false,
        "name": "Sweet Lady",
        "description": "This voice is calm and soothing, perfect for meditation.",
        "created_at": "2024-11-13T18:48:48.392883Z",
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
async fn voices_list_sends_query_and_decodes_page() {
    let server = MockServer::start().await;
    let mut first = voice_json("a0e99841-438c-4a64-b679-ae501e7d6091", "en");
    first["embedding"] = json!(embedding());
    first["is_starred"] = json!(true);
    let mut second = voice_json("694f9389-aac1-45b6-b726-9d9369183238", "fr");
    second["is_owner"] = json!(true);
    second["embedding"] = json!(embedding());
    second["is_starred"] = json!(false);
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("limit", "2"))
        .and(query_param("starting_after", "voice_abc123"))
        .and(query_param("is_owner", "false"))
        .and(query_param("gender", "feminine"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [first, second],
            "has_more": true,
            "next_page": "694f9389-aac1-45b6-b726-9d9369183238",
        })))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .voices()
        .list()
        .limit(2)
        .starting_after("voice_abc123")
        .is_owner(false)
        .gender(GenderPresentation::Feminine)
        .expand(vec![
            VoiceExpandOptions::Embedding,
            VoiceExpandOptions::IsStarred,
        ])
        .await
        .expect("page");
    assert!(page.has_more);
    assert_eq!(
        page.next_page.as_deref(),
        Some("694f9389-aac1-45b6-b726-9d9369183238")
    );
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[0].id, "a0e99841-438c-4a64-b679-ae501e7d6091");
    assert!(!page.data[0].is_owner);
    assert_eq!(page.data[0].is_starred, Some(true));
    assert_eq!(page.data[0].embedding.as_deref(), Some(&embedding()[..]));
    assert_eq!(page.data[0].language, SupportedLanguage::En);
    assert!(page.data[1].is_owner);
    assert_eq!(page.data[1].is_starred, Some(false));
    assert_eq!(page.data[1].language, SupportedLanguage::Fr);

    let sent = only_request(&server).await;
    assert_standard_headers(&sent);
    assert_eq!(
        sent.url.query(),
        Some(
            "limit=2&starting_after=voice_abc123&is_owner=false&gender=feminine\
             &expand%5B%5D=embedding&expand%5B%5D=is_starred"
        )
    );
    let expand: Vec<String> = sent
        .url
        .query_pairs()
        .filter(|(name, _)| name == "expand[]")
        .map(|(_, value)| value.into_owned())
        .collect();
    assert_eq!(expand, ["embedding", "is_starred"]);
}

#[tokio::test]
async fn voices_list_without_parameters_sends_no_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [voice_json("v1", "en")],
            "has_more": false,
            "next_page": null,
        })))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server).voices().list().await.expect("page");
    assert!(!page.has_more);
    assert_eq!(page.next_page, None);
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].embedding, None);
    assert_eq!(page.data[0].is_starred, None);
    let sent = only_request(&server).await;
    assert_standard_headers(&sent);
    assert_eq!(sent.url.query(), None);
}

#[tokio::test]
async fn voices_get_decodes_every_field() {
    let server = MockServer::start().await;
    let id = "a0e99841-438c-4a64-b679-ae501e7d6091";
    Mock::given(method("GET"))
        .and(path(format!("/voices/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(voice_json(id, "hi")))
        .expect(1)
        .mount(&server)
        .await;

    let voice = client(&server)
        .voices()
        .get(id.to_owned())
        .await
        .expect("voice");
    assert_eq!(voice.id, id);
    assert!(!voice.is_owner);
    assert_eq!(voice.name, "Sweet Lady");
    assert_eq!(
        voice.description,
        "This voice is calm and soothing, perfect for meditation."
    );
    assert_eq!(
        voice
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "2024-11-13T18:48:48.392883Z"
    );
    assert_eq!(voice.embedding, None);
    assert_eq!(voice.is_starred, None);
    assert_eq!(voice.language, SupportedLanguage::Hi);
    assert_standard_headers(&only_request(&server).await);
}

#[tokio::test]
async fn unknown_language_and_fields_are_tolerated() {
    let server = MockServer::start().await;
    let mut body = voice_json("v1", "tlh");
    body["is_public"] = json!(true); // a property this version's schema does not have
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
    let raw = json!({"container": "flac", "sample_rate": 48000, "bit_depth": 24});
    let format: OutputFormat = serde_json::from_value(raw.clone()).expect("decodes");
    assert_eq!(format, OutputFormat::Unknown(raw.clone()));
    assert_eq!(serde_json::to_value(&format).expect("serializes"), raw);

    let known: OutputFormat = serde_json::from_value(
        json!({"container": "mp3", "sample_rate": 44100, "bit_rate": 128000}),
    )
    .expect("decodes");
    match known {
        OutputFormat::Mp3(mp3) => assert_eq!((mp3.sample_rate, mp3.bit_rate), (44100, 128000)),
        other => panic!("expected the mp3 variant, got {other:?}"),
    }
}

#[tokio::test]
async fn unauthorized_text_body_becomes_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .respond_with(ResponseTemplate::new(401).set_body_raw("Invalid API key", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .auth()
        .access_token(&TokenRequest::new().expires_in(60))
        .await
        .expect_err("401");
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
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_success_body_becomes_decode_error() {
    let server = MockServer::start().await;
    // Valid JSON, but `data` is missing: the shape does not match.
    let wrong_shape = r#"{"voices": [], "has_more": false}"#;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(wrong_shape, "application/json"))
        .mount(&server)
        .await;
    let err = client(&server)
        .voices()
        .list()
        .await
        .expect_err("bad shape");
    match err {
        Error::Decode {
            status,
            body,
            source,
        } => {
            assert_eq!(status, reqwest::StatusCode::OK);
            assert_eq!(body, wrong_shape);
            assert!(
                source.to_string().contains("missing field `data`"),
                "{source}"
            );
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }

    let server = MockServer::start().await;
    let not_json = "<html><body>502 Bad Gateway</body></html>";
    Mock::given(method("GET"))
        .and(path("/voices/v1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(not_json, "text/html"))
        .mount(&server)
        .await;
    let err = client(&server)
        .voices()
        .get("v1".to_owned())
        .await
        .expect_err("not json");
    assert!(
        matches!(&err, Error::Decode { status, body, .. } if *status == 200 && body == not_json),
        "{err:?}"
    );
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
