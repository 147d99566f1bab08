// Copied by `cargo xtask generate` from templates/tests/examples.rs; edit the template, not this file.
//! The examples, run against local mock servers: each example's functions are compiled into this
//! test from its source file and called with a client pointed at the mock.
#![cfg(feature = "v2026-03-01")]

#[path = "../examples/access_token_flow.rs"]
mod access_token_flow;
#[path = "../examples/token_client.rs"]
mod token_client;
#[path = "../examples/transcribe.rs"]
mod transcribe;
#[path = "../examples/transcribe_realtime.rs"]
mod transcribe_realtime;
#[path = "../examples/tts_to_wav.rs"]
mod tts_to_wav;

use std::time::{Duration, Instant};

use cartesia_api::v2026_03_01::{Client, SttEncoding};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
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

/// A WebSocket server on 127.0.0.1 for the examples that use WebSockets.
struct WsServer {
    listener: TcpListener,
}

impl WsServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self { listener }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.listener.local_addr().expect("address"))
    }

    /// Accepts one connection; also returns the handshake's path and query.
    async fn accept(&self) -> (WebSocketStream<TcpStream>, String) {
        let (tcp, _) = self.listener.accept().await.expect("accept");
        let mut uri = String::new();
        // The signature is the WebSocket library's.
        #[allow(clippy::result_large_err)]
        let callback = |request: &Request, response: Response| {
            uri = request.uri().to_string();
            Ok(response)
        };
        let socket = tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .expect("handshake");
        (socket, uri)
    }
}

/// The next data frame (pings and pongs skipped).
async fn next_frame(socket: &mut WebSocketStream<TcpStream>) -> Message {
    loop {
        match socket.next().await {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(frame)) => return frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn send_json(socket: &mut WebSocketStream<TcpStream>, value: Value) {
    socket
        .send(Message::text(value.to_string()))
        .await
        .expect("send");
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

    let server = WsServer::start().await;
    let client = Client::builder()
        .base_url(server.base_url())
        .api_key(KEY)
        .build()
        .expect("client builds");
    let serving = tokio::spawn(async move {
        let (mut socket, uri) = server.accept().await;
        let mut audio = Vec::new();
        let mut commands = Vec::new();
        loop {
            match next_frame(&mut socket).await {
                Message::Binary(bytes) => audio.push((Instant::now(), bytes)),
                Message::Text(text) => {
                    commands.push(text.to_string());
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        for (text, is_final) in [("good", false), ("good morning", true)] {
            send_json(
                &mut socket,
                json!({"type": "transcript", "request_id": "r1", "text": text, "is_final": is_final}),
            )
            .await;
        }
        send_json(
            &mut socket,
            json!({"type": "flush_done", "request_id": "r1"}),
        )
        .await;
        match next_frame(&mut socket).await {
            Message::Text(text) => commands.push(text.to_string()),
            other => panic!("expected `done`, got {other:?}"),
        }
        send_json(
            &mut socket,
            json!({"type": "transcript", "request_id": "r1", "text": "how are you", "is_final": true}),
        )
        .await;
        send_json(&mut socket, json!({"type": "done", "request_id": "r1"})).await;
        socket.close(None).await.expect("close");
        (uri, audio, commands)
    });

    let mut printed = Vec::new();
    let finals =
        transcribe_realtime::run(&client, &path, SPEED, |text| printed.push(text.to_owned()))
            .await
            .expect("transcribed");
    assert_eq!(finals, ["good morning", "how are you"]);
    assert_eq!(printed, finals);

    let (uri, audio, commands) = serving.await.expect("server");
    assert!(uri.starts_with("/stt/websocket?"), "{uri}");
    for part in [
        "model=ink-whisper",
        "encoding=pcm_s16le",
        "sample_rate=16000",
    ] {
        assert!(uri.contains(part), "{part} in {uri}");
    }
    assert_eq!(commands, ["finalize", "done"]);
    assert_eq!(audio.len(), 10, "ten 100 ms chunks");
    assert!(audio.iter().all(|(_, chunk)| chunk.len() == 3_200));
    let received: Vec<u8> = audio.iter().flat_map(|(_, chunk)| chunk.to_vec()).collect();
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
    let server = WsServer::start().await;
    let client = token_client::client(
        &server.base_url(),
        token_client::Backend {
            token_url: format!("{}/cartesia-token", backend.uri()),
        },
    )
    .expect("client builds");
    let serving = tokio::spawn(async move {
        let mut seen = Vec::new();
        // Two connections: the second reuses the token.
        for _ in 0..2 {
            let (mut socket, uri) = server.accept().await;
            let request: Value = match next_frame(&mut socket).await {
                Message::Text(text) => serde_json::from_str(&text).expect("json"),
                other => panic!("expected a generation request, got {other:?}"),
            };
            let context = request["context_id"].clone();
            for audio in ["AAEC", "AwQF"] {
                send_json(
                    &mut socket,
                    json!({"type": "chunk", "data": audio, "done": false, "status_code": 206,
                           "step_time": 1.0, "context_id": context}),
                )
                .await;
            }
            send_json(
                &mut socket,
                json!({"type": "done", "done": true, "status_code": 200, "context_id": context}),
            )
            .await;
            seen.push((uri, request));
        }
        seen
    });
    for _ in 0..2 {
        let audio = token_client::run(&client, "Hello!").await.expect("spoken");
        assert_eq!(audio, [0, 1, 2, 3, 4, 5]);
    }
    let seen = tokio::time::timeout(Duration::from_secs(5), serving)
        .await
        .expect("the server is done")
        .expect("server");
    for (uri, request) in seen {
        assert!(uri.starts_with("/tts/websocket?"), "{uri}");
        assert!(uri.contains("access_token=tok-ws-1"), "{uri}");
        assert!(!uri.contains("api_key"), "no API key in {uri}");
        assert_eq!(request["transcript"], "Hello!");
        assert_eq!(request["context_id"], "greeting");
        assert_eq!(request["voice"]["id"], token_client::VOICE);
    }
}
