// Copied by `cargo xtask generate` from templates/tests/examples.rs; edit the template, not this file.
//! The examples, run against local mock servers: each example's functions are compiled into this
//! test from its source file and called with a client pointed at the mock.
#![cfg(feature = "v2026-03-01")]

#[path = "../examples/access_token_flow.rs"]
mod access_token_flow;
#[path = "../examples/speak_stream.rs"]
mod speak_stream;
#[path = "../examples/token_client.rs"]
mod token_client;
#[path = "../examples/transcribe.rs"]
mod transcribe;
#[path = "../examples/transcribe_realtime.rs"]
mod transcribe_realtime;
#[path = "../examples/tts_to_wav.rs"]
mod tts_to_wav;

#[path = "common/ws_server.rs"]
mod ws_server;

use cartesia_api::Error;
use cartesia_api::v2026_03_01::{Client, SttEncoding};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use ws_server::{ClientFrame, Handshake, Step, WsServer};

const KEY: &str = "sk_car_example";

fn client(server: &MockServer) -> Client {
    client_at(&server.uri())
}

/// A client of the API at `base_url`, with an API key.
fn client_at(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .api_key(KEY)
        .build()
        .expect("client builds")
}

/// An audio chunk of the context of the client's first message.
fn chunk(data: &str) -> Step {
    Step::Reply(
        0,
        json!({"type": "chunk", "data": data, "done": false, "status_code": 206, "step_time": 1.0}),
    )
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

/// A WAV file of `data`: 16 kHz mono 16-bit PCM, with a `LIST` chunk of odd length (padded)
/// before the samples, as some editors write.
fn wav_file(data: &[u8]) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&1u16.to_le_bytes()); // mono
    fmt.extend_from_slice(&16_000u32.to_le_bytes());
    fmt.extend_from_slice(&32_000u32.to_le_bytes()); // bytes per second
    fmt.extend_from_slice(&2u16.to_le_bytes()); // block align
    fmt.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [
        (b"fmt ", fmt.as_slice()),
        (b"LIST", b"abc".as_slice()),
        (b"data", data),
    ] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(chunk);
        if chunk.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&body);
    file
}

#[test]
fn wav_headers_are_read_or_refused_with_a_reason() {
    let wav = transcribe_realtime::parse_wav(&wav_file(&[1, 2, 3, 4, 5])).expect("a wav file");
    assert_eq!(wav.encoding, SttEncoding::PcmS16le);
    assert_eq!(wav.sample_rate, 16_000);
    assert_eq!(wav.data, [1, 2, 3, 4], "whole samples only");
    assert_eq!(wav.bytes_per(transcribe_realtime::CHUNK), 3_200);

    let refused = |file: &[u8]| transcribe_realtime::parse_wav(file).expect_err("refused");
    assert!(refused(b"ID3\x03 an mp3").contains("not a WAV file"));
    let mut stereo = wav_file(&[0; 8]);
    stereo[22] = 2;
    assert!(
        refused(&stereo).contains("2 channels"),
        "{}",
        refused(&stereo)
    );
    let mut adpcm = wav_file(&[0; 8]);
    adpcm[20] = 2;
    assert!(refused(&adpcm).contains("format 2"), "{}", refused(&adpcm));
    let mut truncated = wav_file(&[0; 8]);
    truncated.truncate(30);
    assert!(refused(&truncated).contains("`fmt ` chunk declares 16 bytes"));
}

#[tokio::test]
async fn transcribe_realtime_streams_the_file_at_its_pace() {
    // One second of audio, sent five times faster than real time: ten 100 ms chunks, 20 ms apart.
    const SPEED: u32 = 5;
    let data: Vec<u8> = (0..32_000u32).map(|i| (i % 251) as u8).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("call.wav");
    std::fs::write(&path, wav_file(&data)).expect("wav written");

    let transcript = |text: &str, is_final: bool| {
        Step::Send(
            json!({"type": "transcript", "request_id": "r1", "text": text, "is_final": is_final}),
        )
    };
    let mut script = vec![Step::Expect("SttAudioData"); 10];
    script.extend([
        Step::Expect("SttFinalizeCommand"),
        transcript("good", false),
        transcript("good morning", true),
        Step::Send(json!({"type": "flush_done", "request_id": "r1"})),
        Step::Expect("SttDoneCommand"),
        transcript("how are you", true),
        Step::Send(json!({"type": "done", "request_id": "r1"})),
        Step::Close(1000),
    ]);
    let server = WsServer::start(Handshake::Accept, script).await;
    let client = client_at(&server.base_url);

    let mut printed = Vec::new();
    let finals =
        transcribe_realtime::run(&client, &path, SPEED, |text| printed.push(text.to_owned()))
            .await
            .expect("transcribed");
    assert_eq!(finals, ["good morning", "how are you"]);
    assert_eq!(printed, finals);

    let session = server.finish().await;
    assert_eq!(session.path, "/stt/websocket");
    for (name, value) in [
        ("model", "ink-whisper"),
        ("encoding", "pcm_s16le"),
        ("sample_rate", "16000"),
        ("api_key", KEY),
    ] {
        assert_eq!(
            session.query.get(name).map(String::as_str),
            Some(value),
            "{name}"
        );
    }
    let audio: Vec<_> = session
        .received
        .iter()
        .filter_map(|received| match &received.frame {
            ClientFrame::Binary(bytes) => Some((received.at, bytes.clone())),
            _ => None,
        })
        .collect();
    let messages: Vec<&str> = session
        .received
        .iter()
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(messages[10..], ["SttFinalizeCommand", "SttDoneCommand"]);
    assert_eq!(audio.len(), 10, "ten 100 ms chunks");
    assert!(audio.iter().all(|(_, chunk)| chunk.len() == 3_200));
    let received: Vec<u8> = audio.iter().flat_map(|(_, chunk)| chunk.clone()).collect();
    assert_eq!(received, data, "every byte, in order");
    // Paced: the last chunk leaves 9 intervals after the first (less the first chunk's own
    // delay in transit, up to 2 intervals on a busy machine).
    let span = audio[9].0 - audio[0].0;
    let interval = transcribe_realtime::CHUNK / SPEED;
    assert!(span >= interval * 7, "sent over {span:?}, not paced");
}

#[tokio::test]
async fn the_token_client_opens_the_tts_websocket_with_an_access_token() {
    let backend = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cartesia-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"token": "tok-ws-1", "expires_in": 60})),
        )
        .expect(1)
        .mount(&backend)
        .await;
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            chunk("AAEC"),
            chunk("AwQF"),
            Step::Reply(0, json!({"type": "done", "done": true, "status_code": 200})),
        ],
    )
    .await;
    let client = token_client::client(
        &server.base_url,
        token_client::Backend {
            token_url: format!("{}/cartesia-token", backend.uri()),
        },
    )
    .expect("client builds");
    assert!(!format!("{client:?}").contains("tok-ws-1"));
    let audio = token_client::run(&client, "Hello!").await.expect("spoken");
    assert_eq!(audio, [0, 1, 2, 3, 4, 5]);

    let session = server.finish().await;
    assert_eq!(session.path, "/tts/websocket");
    assert_eq!(
        session.query.get("access_token").map(String::as_str),
        Some("tok-ws-1")
    );
    assert!(
        !session.query.contains_key("api_key"),
        "{:?}",
        session.query
    );
    assert_eq!(session.received.len(), 1);
    let request = session.received[0].json();
    assert_eq!(request["transcript"], "Hello!");
    assert_eq!(request["continue"], false, "one whole input");
    assert_eq!(request["voice"]["id"], token_client::VOICE);
    assert!(
        request["context_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
}

/// A language model's reply, in the pieces it streams.
fn model_reply() -> impl futures_util::Stream<Item = String> {
    futures_util::stream::iter(["Sure! ", "Your table ", "is booked."].map(str::to_owned))
}

#[tokio::test]
async fn speak_stream_speaks_each_piece_in_one_context_into_a_wav_file() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            // Audio for the first words while the rest of the text is still coming.
            chunk("AAEC"),
            Step::Expect("GenerationRequest"),
            Step::Expect("GenerationRequest"),
            chunk("AwQF"),
            Step::Expect("GenerationRequest"),
            Step::Reply(0, json!({"type": "done", "done": true, "status_code": 200})),
        ],
    )
    .await;
    let client = client_at(&server.base_url);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("reply.wav");
    let written = speak_stream::run(&client, model_reply(), &path)
        .await
        .expect("spoken");
    assert_eq!(written, 6);
    let file = std::fs::read(&path).expect("the file");
    assert_eq!(
        file[..44],
        speak_stream::wav_header(6),
        "the header counts the audio"
    );
    assert_eq!(file[44..], [0, 1, 2, 3, 4, 5]);
    let wav = transcribe_realtime::parse_wav(&file).expect("a WAV file the other example reads");
    assert_eq!(wav.sample_rate, speak_stream::SAMPLE_RATE);
    assert_eq!(wav.data, [0, 1, 2, 3, 4, 5]);

    let session = server.finish().await;
    assert!(session.client_closed, "the example closes the connection");
    let sent: Vec<&Value> = session.received.iter().map(|r| r.json()).collect();
    let id = &sent[0]["context_id"];
    assert!(
        sent.iter().all(|message| message["context_id"] == *id),
        "one context"
    );
    let inputs: Vec<(&Value, &Value)> = sent
        .iter()
        .map(|message| (&message["transcript"], &message["continue"]))
        .collect();
    assert_eq!(
        inputs,
        [
            (&json!("Sure! "), &json!(true)),
            (&json!("Your table "), &json!(true)),
            (&json!("is booked."), &json!(true)),
            (&json!(""), &json!(false)),
        ]
    );
    for message in sent {
        assert_eq!(
            message["voice"]["id"],
            speak_stream::VOICE,
            "the template's fields"
        );
        assert_eq!(message["language"], "en");
        assert_eq!(message["output_format"]["sample_rate"], 24_000);
    }
}

#[tokio::test]
async fn speak_stream_ends_with_the_error_the_server_reports() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            Step::Reply(
                0,
                json!({"type": "error", "status_code": 400, "title": "Invalid voice",
                       "message": "voice not found", "done": true}),
            ),
        ],
    )
    .await;
    let client = client_at(&server.base_url);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("reply.wav");
    let error = speak_stream::run(&client, model_reply(), &path)
        .await
        .expect_err("the server refused");
    let Error::Event(event) = &error else {
        panic!("expected the error event, got {error:?}");
    };
    assert_eq!(event.status(), Some(400));
    assert_eq!(event.message(), "Invalid voice: voice not found");
    assert!(error.to_string().contains("voice not found"), "{error}");
    drop(server);
}
