// Copied by `cargo xtask generate` from templates/tests/media.rs; edit the template, not this file.
//! Audio, event streams and uploads through the client of the newest API version, against local servers: bytes
//! that arrive in several chunks, events split across chunks, multipart parts as sent.
#![cfg(feature = "v2026-03-01")]

mod common;

use std::time::Duration;

use cartesia_api::v2026_03_01::{
    Client, OutputFormat, RawEncoding, RawOutputFormat, SttTranscribeBody, SupportedLanguage,
    TimestampGranularity, TtsRequest, TtsRequestVoiceSpecifier, TtsSseEvent, TtsSseRequest,
    VoicesCloneBody,
};
use cartesia_api::{Error, FilePart};
use common::only_request;
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_car_test_0123456789";

fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .api_key(KEY)
        .build()
        .expect("client builds")
}

/// A one-shot HTTP/1.1 server on loopback that answers with a chunked body, writing each chunk
/// separately with a pause between, and hands back the request it received.
async fn chunked_server(
    content_type: &'static str,
    extra_headers: &'static str,
    chunks: Vec<Vec<u8>>,
) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        // Read the head, then the body as announced by Content-Length.
        let head_end = loop {
            let read = socket.read(&mut buffer).await.expect("read");
            request.extend_from_slice(&buffer[..read]);
            if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = String::from_utf8_lossy(&request[..head_end]).to_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map_or(0, |value| value.trim().parse::<usize>().expect("length"));
        while request.len() < head_end + length {
            let read = socket.read(&mut buffer).await.expect("read body");
            request.extend_from_slice(&buffer[..read]);
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{extra_headers}transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        );
        socket.write_all(head.as_bytes()).await.expect("write head");
        for chunk in chunks {
            let frame = [
                format!("{:x}\r\n", chunk.len()).into_bytes(),
                chunk,
                b"\r\n".to_vec(),
            ]
            .concat();
            socket.write_all(&frame).await.expect("write chunk");
            socket.flush().await.expect("flush");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        socket.write_all(b"0\r\n\r\n").await.expect("write end");
        String::from_utf8_lossy(&request).into_owned()
    });
    (format!("http://{address}"), handle)
}

fn tts_request() -> TtsRequest {
    TtsRequest::new(
        "sonic-2",
        "Hello, world!",
        TtsRequestVoiceSpecifier::new("a0e99841"),
        OutputFormat::Raw(RawOutputFormat::new(RawEncoding::PcmS16le, 44100)),
    )
    .language(SupportedLanguage::En)
}

#[tokio::test]
async fn tts_bytes_stream_in_chunks_and_save_byte_for_byte() {
    let audio: Vec<u8> = (0..96_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let chunks: Vec<Vec<u8>> = audio.chunks(16_000).map(<[u8]>::to_vec).collect();
    let (base, server) =
        chunked_server("audio/wav", "cartesia-file-id: file_123\r\n", chunks).await;

    let response = client(&base)
        .tts()
        .bytes(&tts_request())
        .await
        .expect("tts answers");
    assert_eq!(response.content_type(), Some("audio/wav"));
    assert_eq!(response.header("Cartesia-File-ID"), Some("file_123"));
    let mut stream = response.into_stream();
    let mut received = Vec::new();
    let mut pieces = 0;
    while let Some(chunk) = stream.next().await {
        received.extend_from_slice(&chunk.expect("chunk"));
        pieces += 1;
    }
    assert_eq!(received, audio);
    assert!(
        pieces >= 2,
        "the body arrived as it was written, not at once ({pieces} piece)"
    );

    let request = server.await.expect("server ran");
    assert!(request.starts_with("POST /tts/bytes HTTP/1.1"), "{request}");
    let version = "cartesia-version: 2026-03-01";
    assert!(request.to_lowercase().contains(version), "{request}");
    assert!(
        request.contains("\"output_format\":{\"container\":\"raw\""),
        "{request}"
    );

    // The same audio written to a file.
    let chunks: Vec<Vec<u8>> = audio.chunks(10_000).map(<[u8]>::to_vec).collect();
    let (base, _server) = chunked_server("audio/wav", "", chunks).await;
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let written = client(&base)
        .tts()
        .bytes(&tts_request())
        .await
        .expect("tts answers")
        .save(file.path())
        .await
        .expect("saved");
    assert_eq!(written, audio.len() as u64);
    assert_eq!(std::fs::read(file.path()).expect("read back"), audio);
}

#[tokio::test]
async fn tts_bytes_in_another_media_type_and_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tts/bytes"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(b"ID3-mp3-bytes".to_vec()),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/tts/bytes"))
        .respond_with(ResponseTemplate::new(429).set_body_string("Concurrency limit exceeded"))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let response = client
        .tts()
        .bytes(&tts_request())
        .await
        .expect("mp3 answer");
    assert_eq!(response.content_type(), Some("audio/mpeg"));
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        b"ID3-mp3-bytes"
    );
    match client.tts().bytes(&tts_request()).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), 429);
            assert_eq!(e.text(), "Concurrency limit exceeded");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn tts_sse_events_split_across_chunks_decode_with_audio() {
    let first = json!({"type": "chunk", "data": "AAECAw==", "done": false, "status_code": 206, "step_time": 1.5, "context_id": "ctx"});
    let second = json!({"type": "chunk", "data": "BAUG", "done": false, "status_code": 206, "step_time": 0.5});
    let done = json!({"type": "done", "done": true, "status_code": 200, "context_id": "ctx"});
    let failed = json!({"type": "error", "done": true, "status_code": 500, "title": "Failed", "message": "boom", "request_id": "r-1"});
    let body = format!(
        ": keep-alive\n\nevent: chunk\ndata: {first}\n\ndata: {second}\r\n\r\ndata: {done}\n\ndata: {failed}\n\n"
    );
    // Cut the stream at awkward places: inside a field name, inside the JSON, between CR and LF.
    let bytes = body.into_bytes();
    let cuts = [3usize, 20, 41, 97, 150, 151, 230];
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().filter(|c| *c < bytes.len()) {
        chunks.push(bytes[start..cut].to_vec());
        start = cut;
    }
    chunks.push(bytes[start..].to_vec());
    let (base, server) = chunked_server("text/event-stream", "", chunks).await;

    let request = TtsSseRequest::new(
        "sonic-2",
        "Hello",
        TtsRequestVoiceSpecifier::new("a0e99841"),
        cartesia_api::v2026_03_01::SseOutputFormat::new(RawEncoding::PcmF32le, 44100),
    );
    let mut events = client(&base)
        .tts()
        .sse(&request)
        .await
        .expect("stream opens");
    let mut audio = Vec::new();
    let mut kinds = Vec::new();
    while let Some(event) = events.next().await {
        match event.expect("event decodes") {
            TtsSseEvent::Chunk(chunk) => {
                audio.extend_from_slice(&chunk.data);
                kinds.push("chunk");
            }
            TtsSseEvent::Done(_) => kinds.push("done"),
            TtsSseEvent::Error(error) => {
                assert_eq!(error.message, "boom");
                kinds.push("error");
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(kinds, ["chunk", "chunk", "done", "error"]);
    assert_eq!(audio, [0, 1, 2, 3, 4, 5, 6]);
    let sent = server.await.expect("server ran").to_lowercase();
    assert!(sent.contains("accept: text/event-stream"), "{sent}");
}

/// The parts of a multipart body, as (headers, content) pairs.
fn parts(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest
        .windows(delimiter.len())
        .position(|w| w == delimiter.as_slice())
    {
        let after = &rest[at + delimiter.len()..];
        if after.starts_with(b"--") {
            break;
        }
        let after = after.strip_prefix(b"\r\n").unwrap_or(after);
        let end = after
            .windows(delimiter.len())
            .position(|w| w == delimiter.as_slice())
            .unwrap_or(after.len());
        let part = &after[..end];
        let split = part
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("part head");
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let content = part[split + 4..]
            .strip_suffix(b"\r\n")
            .unwrap_or(&part[split + 4..]);
        out.push((head, content.to_vec()));
        rest = &after[end..];
    }
    out
}

#[tokio::test]
async fn stt_sends_named_parts_with_the_file() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/stt"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "text": "hello world",
            "language": "en",
            "duration": 1.25,
            "words": [{"word": "hello", "start": 0.0, "end": 0.5}, {"word": "world", "start": 0.6, "end": 1.2}]
        })))
        .mount(&server)
        .await;
    let audio = b"RIFF....WAVEfmt fake audio".to_vec();
    let body = SttTranscribeBody::new(
        FilePart::from_bytes(audio.clone())
            .file_name("clip.wav")
            .content_type("audio/wav"),
        "ink-whisper",
    )
    .timestamp_granularities(vec![TimestampGranularity::Word]);
    let transcript = client(&server.uri())
        .stt()
        .transcribe(body)
        .await
        .expect("transcribed");
    assert_eq!(transcript.text, "hello world");
    assert_eq!(transcript.words.expect("words").len(), 2);

    let request = only_request(&server).await;
    let content_type = request
        .headers
        .get("content-type")
        .expect("content type")
        .to_str()
        .expect("ascii");
    assert!(
        content_type.starts_with("multipart/form-data"),
        "{content_type}"
    );
    let parts = parts(content_type, &request.body);
    assert_eq!(parts.len(), 3, "file, model, one granularity");
    assert!(
        parts[0].0.contains("name=\"file\"") && parts[0].0.contains("filename=\"clip.wav\""),
        "{}",
        parts[0].0
    );
    assert!(
        parts[0]
            .0
            .to_lowercase()
            .contains("content-type: audio/wav"),
        "{}",
        parts[0].0
    );
    assert_eq!(parts[0].1, audio);
    assert!(parts[1].0.contains("name=\"model\""));
    assert_eq!(parts[1].1, b"ink-whisper");
    assert!(
        parts[2].0.contains("name=\"timestamp_granularities[]\""),
        "{}",
        parts[2].0
    );
    assert_eq!(parts[2].1, b"word");
}

#[tokio::test]
async fn voice_clone_uploads_a_file_from_disk() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/voices/clone"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "voice_1", "user_id": "user_1", "is_public": false, "name": "Mine",
            "description": "cloned", "created_at": "2025-04-16T00:00:00Z", "language": "en"
        })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let clip = dir.path().join("sample.wav");
    std::fs::write(&clip, b"RIFF-sample").expect("clip written");
    let body = VoicesCloneBody::new(
        FilePart::from_path(&clip).await.expect("file opens"),
        "Mine",
        SupportedLanguage::En,
    )
    .description("cloned");
    let voice = client(&server.uri())
        .voices()
        .clone(body)
        .await
        .expect("cloned");
    assert_eq!(voice.id, "voice_1");

    let request = only_request(&server).await;
    let content_type = request
        .headers
        .get("content-type")
        .expect("content type")
        .to_str()
        .expect("ascii")
        .to_owned();
    let parts = parts(&content_type, &request.body);
    let names: Vec<&str> = parts
        .iter()
        .map(|(head, _)| {
            head.split("name=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("name")
        })
        .collect();
    assert_eq!(names, ["clip", "name", "description", "language"]);
    assert!(
        parts[0].0.contains("filename=\"sample.wav\""),
        "{}",
        parts[0].0
    );
    assert!(
        parts[0].0.to_lowercase().contains("content-type: audio/"),
        "{}",
        parts[0].0
    );
    assert_eq!(parts[0].1, b"RIFF-sample");
    assert_eq!(parts[3].1, b"en");
}
