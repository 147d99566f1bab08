//! The 2025-04-16 client against a local mock server: what goes on the wire,
//! which credential each operation uses, and how responses (good, unexpected
//! and failed) come back.
#![cfg(feature = "v2025-04-16")]

mod common;

use cartesia_api::Error;
use cartesia_api::v2025_04_16::{
    self as api, Client, GenderPresentation, OutputFormat, RawEncoding, SseOutputFormat,
    SupportedLanguage, TokenGrant, TokenRequest, TtsRequestVoiceSpecifier, TtsSseRequest,
    VoiceExpandOptions,
};
use common::{header_values, only_request};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION: &str = "2025-04-16";
const KEY: &str = "sk_car_test_0123456789";
const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.access";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .build()
        .expect("client builds")
}

fn token_client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .build()
        .expect("client builds")
}

/// Checks the version header and that `secret` is the one bearer credential.
fn assert_standard_headers(request: &wiremock::Request, secret: &str) {
    assert_eq!(header_values(request, "cartesia-version"), [VERSION]);
    assert_eq!(
        header_values(request, "authorization"),
        [format!("Bearer {secret}")]
    );
    assert!(request.headers.get("x-api-key").is_none());
}

/// A voice as the `Voice` schema describes it, without the expandable field.
fn voice_json(id: &str, language: &str, gender: &str) -> Value {
    json!({
        "id": id,
        "is_owner": false,
        "is_public": true,
        "name": "Katie",
        "description": "Stable, realistic voice tuned for voice agents.",
        "gender": gender,
        "created_at": "2025-04-16T09:30:00Z",
        "language": language,
    })
}

#[tokio::test]
async fn access_token_sends_version_bearer_key_and_exact_body() {
    assert_eq!(api::API_VERSION, VERSION);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .and(header("Cartesia-Version", VERSION))
        .and(header("Authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"grants": {"tts": true}, "expires_in": 600}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": TOKEN})))
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
    assert_eq!(grant.token.expose(), TOKEN);
    assert!(
        !format!("{grant:?}").contains(TOKEN),
        "the token must not show in Debug output"
    );

    let sent = only_request(&server).await;
    assert_eq!(header_values(&sent, "cartesia-version"), [api::API_VERSION]);
    assert_standard_headers(&sent, KEY);
    let body: Value = sent.body_json().expect("json body");
    assert_eq!(body, json!({"grants": {"tts": true}, "expires_in": 600}));
    let raw = String::from_utf8(sent.body).expect("utf-8 body");
    assert!(!raw.contains("stt") && !raw.contains("null"), "{raw}");
}

#[tokio::test]
async fn voices_list_sends_query_and_decodes_page() {
    let server = MockServer::start().await;
    let mut first = voice_json("f786b574-daa5-4673-aa0c-cbe3e8534c02", "en", "feminine");
    first["is_starred"] = json!(true);
    let mut second = voice_json("5ee9feff-1265-424a-9d7f-8e4d431a12c7", "es", "masculine");
    second["is_owner"] = json!(true);
    second["is_public"] = json!(false);
    second["gender"] = json!(null);
    second["is_starred"] = json!(false);
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("limit", "20"))
        .and(query_param("ending_before", "voice_xyz789"))
        .and(query_param("is_starred", "true"))
        .and(query_param("expand[]", "is_starred"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [first, second],
            "has_more": false,
            "next_page": null,
        })))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .voices()
        .list()
        .limit(20)
        .ending_before("voice_xyz789")
        .is_starred(true)
        .expand(vec![VoiceExpandOptions::IsStarred])
        .await
        .expect("page");
    assert!(!page.has_more);
    assert_eq!(page.next_page, None);
    assert_eq!(page.data.len(), 2);
    let first = &page.data[0];
    assert_eq!(first.id, "f786b574-daa5-4673-aa0c-cbe3e8534c02");
    assert!(!first.is_owner && first.is_public);
    assert_eq!(first.gender, Some(GenderPresentation::Feminine));
    assert_eq!(first.is_starred, Some(true));
    assert_eq!(first.language, SupportedLanguage::En);
    let second = &page.data[1];
    assert!(second.is_owner && !second.is_public);
    assert_eq!(second.gender, None);
    assert_eq!(second.is_starred, Some(false));
    assert_eq!(second.language, SupportedLanguage::Es);

    let sent = only_request(&server).await;
    assert_standard_headers(&sent, KEY);
    assert_eq!(
        sent.url.query(),
        Some("limit=20&ending_before=voice_xyz789&is_starred=true&expand%5B%5D=is_starred")
    );
}

#[tokio::test]
async fn voices_get_decodes_every_field() {
    let server = MockServer::start().await;
    let id = "f786b574-daa5-4673-aa0c-cbe3e8534c02";
    Mock::given(method("GET"))
        .and(path(format!("/voices/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(voice_json(
            id,
            "ko",
            "gender_neutral",
        )))
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
    assert!(voice.is_public);
    assert_eq!(voice.name, "Katie");
    assert_eq!(
        voice.description,
        "Stable, realistic voice tuned for voice agents."
    );
    assert_eq!(voice.gender, Some(GenderPresentation::GenderNeutral));
    assert_eq!(voice.created_at.to_rfc3339(), "2025-04-16T09:30:00+00:00");
    assert_eq!(voice.is_starred, None);
    assert_eq!(voice.language, SupportedLanguage::Ko);
    let sent = only_request(&server).await;
    assert_standard_headers(&sent, KEY);
    assert_eq!(sent.url.query(), None);
}

#[tokio::test]
async fn unknown_enum_values_are_kept() {
    let server = MockServer::start().await;
    let mut body = voice_json("v1", "yue", "androgynous");
    body["embedding"] = json!([0.5, -0.25]); // no longer in this version's schema
    Mock::given(method("GET"))
        .and(path("/voices/v1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;

    let voice = client(&server)
        .voices()
        .get("v1".to_owned())
        .await
        .expect("voice with unknown enum values decodes");
    assert_eq!(voice.language, SupportedLanguage::Unknown("yue".to_owned()));
    assert_eq!(
        voice.gender,
        Some(GenderPresentation::Unknown("androgynous".to_owned()))
    );
    let back = serde_json::to_value(&voice).expect("serializes");
    assert_eq!(back["language"], "yue");
    assert_eq!(back["gender"], "androgynous");
}

/// No response of this version contains a tagged union, so the fallback of
/// one (`OutputFormat`, told apart by `container`) is checked through serde.
#[test]
fn unknown_output_format_container_is_kept_as_json() {
    let raw = json!({"container": "opus", "sample_rate": 48000, "bit_rate": 64000});
    let format: OutputFormat = serde_json::from_value(raw.clone()).expect("decodes");
    assert_eq!(format, OutputFormat::Unknown(raw.clone()));
    assert_eq!(serde_json::to_value(&format).expect("serializes"), raw);

    let known: OutputFormat = serde_json::from_value(
        json!({"container": "wav", "encoding": "pcm_s16le", "sample_rate": 16000}),
    )
    .expect("decodes");
    match known {
        OutputFormat::Wav(wav) => {
            assert_eq!(wav.encoding, RawEncoding::PcmS16le);
            assert_eq!(wav.sample_rate, 16000);
        }
        other => panic!("expected the wav variant, got {other:?}"),
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
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_success_body_becomes_decode_error() {
    let server = MockServer::start().await;
    let truncated = r#"{"data": [{"id": "v1", "is_owner": fa"#;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(truncated, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server)
        .voices()
        .list()
        .await
        .expect_err("truncated");
    match err {
        Error::Decode { status, body, .. } => {
            assert_eq!(status, reqwest::StatusCode::OK);
            assert_eq!(body, truncated);
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn path_parameter_stays_one_encoded_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices/a%2Fb%3Fc%23d"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(voice_json("a/b?c#d", "en", "feminine")),
        )
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

#[tokio::test]
async fn token_only_client_cannot_call_api_key_operations() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [], "has_more": false})),
        )
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "t"})))
        .expect(0)
        .mount(&server)
        .await;

    let client = token_client(&server);
    let err = client.voices().list().await.expect_err("needs an API key");
    assert!(
        matches!(&err, Error::MissingCredentials { required } if required == "APIKeyAuth"),
        "{err:?}"
    );
    let err = client
        .auth()
        .access_token(&TokenRequest::new())
        .await
        .expect_err("needs an API key");
    assert!(
        matches!(&err, Error::MissingCredentials { required } if required == "APIKeyAuth"),
        "{err:?}"
    );
    assert_eq!(err.status(), None);
    let received = server.received_requests().await.expect("recording on");
    assert!(received.is_empty(), "nothing may be sent: {received:?}");
}

#[tokio::test]
async fn token_only_client_calls_token_operations_with_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .and(header("Authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "version": VERSION})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let status = token_client(&server)
        .api_status()
        .get()
        .await
        .expect("status with a token");
    assert!(status.ok);
    assert_eq!(status.version, VERSION);
    assert_standard_headers(&only_request(&server).await, TOKEN);
}

#[test]
fn tts_request_serializes_voice_and_tagged_output_format() {
    let expected = json!({
        "model_id": "sonic-2",
        "transcript": "Hello, world!",
        "voice": {"mode": "id", "id": "f786b574-daa5-4673-aa0c-cbe3e8534c02"},
        "language": "en",
        "output_format": {"container": "raw", "encoding": "pcm_f32le", "sample_rate": 44100},
    });
    let request = TtsSseRequest::new(
        "sonic-2",
        "Hello, world!",
        TtsRequestVoiceSpecifier::new("f786b574-daa5-4673-aa0c-cbe3e8534c02".to_owned()),
        SseOutputFormat::new(RawEncoding::PcmF32le, 44100),
    )
    .language(SupportedLanguage::En);
    assert_eq!(
        serde_json::to_value(&request).expect("serializes"),
        expected
    );
}

#[test]
fn fixed_values_are_written_once_and_other_values_still_read() {
    // The tag of a tagged variant and a fixed property of its struct are one property.
    let format = OutputFormat::Raw(api::RawOutputFormat::new(RawEncoding::PcmS16le, 16000));
    let written = serde_json::to_string(&format).expect("serializes");
    assert_eq!(written.matches("\"container\"").count(), 1, "{written}");
    // A response carrying a value the schema did not fix is kept, not rejected.
    let voice: TtsRequestVoiceSpecifier =
        serde_json::from_value(json!({"mode": "embedding", "id": "a"})).expect("reads");
    assert_eq!(voice.mode.as_str(), "embedding");
    assert_eq!(
        serde_json::to_value(TtsRequestVoiceSpecifier::new("a")).expect("serializes"),
        json!({"mode": "id", "id": "a"})
    );
}

#[tokio::test]
async fn both_credentials_use_the_first_scheme_each_operation_accepts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "version": VERSION})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "fresh"})))
        .expect(1)
        .mount(&server)
        .await;

    let client = Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .token(TOKEN)
        .build()
        .expect("client builds");
    client.api_status().get().await.expect("status");
    let grant = client
        .auth()
        .access_token(&TokenRequest::new())
        .await
        .expect("token");
    assert_eq!(grant.token.expose(), "fresh");

    let received = server.received_requests().await.expect("recording on");
    assert_eq!(received.len(), 2);
    // `GET /` accepts TokenAuth or APIKeyAuth, in that order; `/access-token` only APIKeyAuth.
    assert_eq!(received[0].url.path(), "/");
    assert_standard_headers(&received[0], TOKEN);
    assert_eq!(received[1].url.path(), "/access-token");
    assert_standard_headers(&received[1], KEY);
}

#[tokio::test]
async fn out_of_bounds_expiry_is_refused_before_sending() {
    let server = MockServer::start().await;
    let request = TokenRequest::new()
        .grants(TokenGrant::new().tts(true))
        .expires_in(3601);
    match client(&server).auth().access_token(&request).await {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "TokenRequest.expires_in");
            assert_eq!(reason, "must be at most 3600, got 3601");
        }
        other => panic!("expected an invalid value, got {other:?}"),
    }
    let request = TokenRequest::new().expires_in(0);
    assert!(matches!(
        client(&server).auth().access_token(&request).await,
        Err(Error::Invalid { .. })
    ));
    assert!(
        server
            .received_requests()
            .await
            .expect("recording on")
            .is_empty(),
        "nothing is sent"
    );
}
