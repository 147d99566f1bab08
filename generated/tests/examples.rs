// Copied by `cargo xtask generate` from templates/tests/examples.rs; edit the template, not this file.
//! The examples, run against local mock servers: each example's functions are compiled into this
//! test from its source file and called with a client pointed at the mock.
#![cfg(feature = "v2026-03-01")]

#[path = "../examples/access_token_flow.rs"]
mod access_token_flow;
#[path = "../examples/transcribe.rs"]
mod transcribe;
#[path = "../examples/tts_to_wav.rs"]
mod tts_to_wav;

use cartesia_api::v2026_03_01::Client;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_car_example";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn tts_to_wav_writes_the_audio_file() {
    let server = MockServer::start().await;
    let wav: Vec<u8> = b"RIFF\x24\x00\x00\x00WAVEfmt "
        .iter()
        .copied()
        .chain((0..4096u32).map(|i| (i % 256) as u8))
        .collect();
    Mock::given(method("POST"))
        .and(path("/tts/bytes"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/wav")
                .set_body_bytes(wav.clone()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("hello.wav");
    let written = tts_to_wav::run(&client(&server), "Hello!", &file)
        .await
        .expect("audio written");
    assert_eq!(written, wav.len() as u64);
    assert_eq!(std::fs::read(&file).expect("file"), wav);
    let sent: Value = server.received_requests().await.expect("recording on")[0]
        .body_json()
        .expect("json body");
    assert_eq!(sent["output_format"]["container"], "wav");
    assert_eq!(sent["voice"]["id"], tts_to_wav::VOICE);
    assert_eq!(sent["transcript"], "Hello!");
}

#[tokio::test]
async fn transcribe_uploads_the_file_and_reads_words() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/stt"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "text": "good morning",
            "words": [{"word": "good", "start": 0.0, "end": 0.4}, {"word": "morning", "start": 0.4, "end": 1.0}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let audio = dir.path().join("call.wav");
    std::fs::write(&audio, b"RIFF-call-audio").expect("audio written");
    let transcript = transcribe::run(&client(&server), &audio)
        .await
        .expect("transcribed");
    assert_eq!(transcript.text, "good morning");
    assert_eq!(transcript.words.expect("words").len(), 2);
    let body = &server.received_requests().await.expect("recording on")[0].body;
    let text = String::from_utf8_lossy(body);
    assert!(text.contains("filename=\"call.wav\""), "{text}");
    assert!(text.contains("RIFF-call-audio"), "{text}");
    assert!(
        text.contains("name=\"timestamp_granularities[]\""),
        "{text}"
    );
}

#[tokio::test]
async fn the_untrusted_client_speaks_with_tokens_only() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/access-token"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"token": "tok-123"})))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/tts/bytes"))
        .and(header("authorization", "Bearer tok-123"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/pcm")
                .set_body_bytes(vec![1u8, 2, 3, 4]),
        )
        .expect(2)
        .mount(&api)
        .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let tokens = listener.local_addr().expect("address");
    let server = tokio::spawn(access_token_flow::serve_tokens(listener, client(&api)));
    let untrusted = access_token_flow::untrusted_client(&api.uri(), tokens).expect("client builds");
    assert!(
        !format!("{untrusted:?}").contains(KEY),
        "the untrusted client holds no key"
    );
    for _ in 0..2 {
        let audio = access_token_flow::speak(&untrusted, "Hi")
            .await
            .expect("spoken with a token");
        assert_eq!(audio, [1, 2, 3, 4]);
    }
    server.abort();
    let minted: Value = api.received_requests().await.expect("recording on")[0]
        .body_json()
        .expect("json body");
    assert_eq!(minted, json!({"grants": {"tts": true}, "expires_in": 600}));
    for request in api.received_requests().await.expect("recording on") {
        if request.url.path() == "/tts/bytes" {
            assert!(request.headers.get("x-api-key").is_none());
            assert_eq!(
                request.headers.get("authorization").expect("bearer"),
                "Bearer tok-123"
            );
        }
    }
}
