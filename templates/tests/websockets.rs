//! The WebSocket channels of the newest API version against a server on 127.0.0.1 that checks
//! every handshake and every frame the client sends against the channels' contract
//! (`tests/channels/NEWEST.json`, from the documents), replaying realistic sessions: interleaved
//! TTS contexts, fragmented frames, both error shapes, silent servers, closes mid-context,
//! refused handshakes, unknown messages, and an STT session.
#![cfg(feature = "vNEWEST")]

#[path = "common/ws_server.rs"]
mod ws_server;

use std::time::Duration;

use cartesia_api::v_NEWEST::websockets::{SttWebsocketEvent, TtsWebsocket, TtsWebsocketEvent};
use cartesia_api::v_NEWEST::{Client, GenerationRequest, SttEncoding};
use cartesia_api::{Error, RawMessage, WsConfig, WsContext};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use ws_server::{Handshake, Step, WsServer};

const KEY: &str = "sk_car_websocket";
const VERSION: &str = "NEWEST";
/// How long a test waits for anything before it fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(10);

type Events = Vec<Result<TtsWebsocketEvent, Error>>;

fn client(server: &WsServer) -> Client {
    Client::builder()
        .base_url(server.base_url.clone())
        .api_key(KEY)
        .build()
        .expect("client builds")
}

async fn within<F: std::future::IntoFuture>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within {LIMIT:?}"))
}

// The calls on the TTS context surface, kept together.

async fn tts(client: &Client, config: WsConfig) -> TtsWebsocket {
    within("the handshake", client.tts().websocket().config(config))
        .await
        .expect("connects")
}

fn context(ws: &TtsWebsocket, id: &str) -> WsContext<TtsWebsocketEvent> {
    ws.context_with_id(id, template()).expect("a context")
}

/// Sends a whole generation request on a context.
async fn speak(context: &WsContext<TtsWebsocketEvent>, transcript: &str, more: bool) {
    context
        .send(&generation(transcript, more))
        .await
        .expect("sent");
}

/// Every event of a context, until it ends.
async fn events(context: WsContext<TtsWebsocketEvent>) -> Events {
    within("the context's end", context.collect::<Vec<_>>()).await
}

/// The fields every piece of a context's input carries.
fn template() -> GenerationRequest {
    serde_json::from_value(json!({
        "model_id": "sonic-2",
        "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
    }))
    .expect("a generation request")
}

fn generation(transcript: &str, more: bool) -> GenerationRequest {
    serde_json::from_value(json!({
        "model_id": "sonic-2",
        "transcript": transcript,
        "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
        "context_id": "replaced by the context's id",
        "continue": more,
    }))
    .expect("a generation request")
}

fn chunk(context: &str, audio: &[u8]) -> Value {
    use base64::Engine as _;
    json!({
        "type": "chunk",
        "data": base64::engine::general_purpose::STANDARD.encode(audio),
        "done": false,
        "status_code": 206,
        "step_time": 12.5,
        "context_id": context,
    })
}

fn done(context: &str) -> Value {
    json!({"type": "done", "done": true, "status_code": 200, "context_id": context})
}

fn audio_of(event: &TtsWebsocketEvent) -> Option<&[u8]> {
    match event {
        TtsWebsocketEvent::ChunkResponse(chunk) => Some(chunk.data.as_ref()),
        _ => None,
    }
}

/// The events of a context that must all have been received, as they are.
fn ok(events: Events) -> Vec<TtsWebsocketEvent> {
    events.into_iter().map(|e| e.expect("an event")).collect()
}

/// The handshake of the TTS channel, as the server saw it.
fn assert_tts_handshake(session: &ws_server::Session) {
    assert_eq!(session.path, "/tts/websocket");
    assert_eq!(session.query["cartesia_version"], VERSION);
    assert_eq!(session.query["api_key"], KEY);
    assert_eq!(session.headers["sec-websocket-version"], "13");
    for (name, value) in &session.headers {
        assert!(
            !value.contains(KEY),
            "the key travels in the query, not in {name}"
        );
    }
}

#[tokio::test]
async fn two_tts_contexts_interleave_on_one_socket() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            Step::Expect("GenerationRequest"),
            Step::Expect("GenerationRequest"),
            // The contexts' frames interleaved, b's ending before a's, and a type this crate
            // does not know.
            Step::Send(chunk("b", b"bee")),
            Step::Send(chunk("a", b"ay1")),
            Step::Send(
                json!({"type": "timestamps", "done": false, "status_code": 206,
                "context_id": "a",
                "word_timestamps": {"words": ["Hello"], "start": [0.0], "end": [0.4]}}),
            ),
            Step::Send(done("b")),
            Step::Send(json!({"type": "later_kind", "context_id": "a"})),
            Step::Send(chunk("a", b"ay2")),
            Step::Send(done("a")),
        ],
    )
    .await;
    let client = client(&server);
    let ws = tts(&client, WsConfig::default()).await;
    let a = context(&ws, "a");
    let b = context(&ws, "b");
    speak(&a, "Hello, ", true).await;
    speak(&b, "Another voice.", false).await;
    speak(&a, "world!", false).await;
    let (a_events, b_events) = tokio::join!(events(a), events(b));
    drop(ws);
    let session = server.finish().await;

    assert_tts_handshake(&session);
    let contexts: Vec<&Value> = session
        .received
        .iter()
        .map(|r| &r.json()["context_id"])
        .collect();
    assert_eq!(contexts, [&json!("a"), &json!("b"), &json!("a")]);
    assert_eq!(session.received[0].json()["continue"], true);
    assert_eq!(session.received[2].json()["transcript"], "world!");

    let a_events = ok(a_events);
    assert_eq!(a_events.len(), 5, "{a_events:?}");
    assert_eq!(audio_of(&a_events[0]), Some(&b"ay1"[..]));
    assert!(matches!(
        &a_events[1],
        TtsWebsocketEvent::TimestampsResponse(t) if t.word_timestamps.is_some()
    ));
    assert!(matches!(
        &a_events[2],
        TtsWebsocketEvent::Raw(RawMessage::Text(text)) if text.contains("later_kind")
    ));
    assert_eq!(audio_of(&a_events[3]), Some(&b"ay2"[..]));
    assert!(matches!(&a_events[4], TtsWebsocketEvent::DoneResponse(_)));

    let b_events = ok(b_events);
    assert_eq!(b_events.len(), 2, "{b_events:?}");
    assert_eq!(audio_of(&b_events[0]), Some(&b"bee"[..]));
    assert!(matches!(&b_events[1], TtsWebsocketEvent::DoneResponse(_)));
}

#[tokio::test]
async fn frames_in_fragments_and_in_small_writes_arrive_whole() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            Step::SendFragmented(chunk("a", &[7u8; 300]), 17),
            Step::SendInPieces(chunk("a", b"second"), 3),
            Step::SendFragmented(done("a"), 5),
        ],
    )
    .await;
    let client = client(&server);
    let ws = tts(&client, WsConfig::default()).await;
    let a = context(&ws, "a");
    speak(&a, "Fragments.", false).await;
    let events = ok(events(a).await);
    drop(ws);
    server.finish().await;

    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(audio_of(&events[0]), Some(&[7u8; 300][..]));
    assert_eq!(audio_of(&events[1]), Some(&b"second"[..]));
    assert!(matches!(&events[2], TtsWebsocketEvent::DoneResponse(_)));
}

#[tokio::test]
async fn both_error_shapes_end_their_context_only() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::ExpectAny(3),
            Step::Send(chunk("plain", b"p")),
            // The error of the earlier versions: a text.
            Step::Send(json!({"type": "error", "error": "voice not found",
                "context_id": "plain", "done": true, "status_code": 400})),
            // The structured error of 2026.
            Step::Send(json!({"type": "error", "title": "Internal error",
                "message": "the model failed", "error_code": "internal_error",
                "request_id": "4a7f5e0c-9d38-4c8e-8a53-4a5b0e2e3c11", "status_code": 500,
                "done": true, "context_id": "structured"})),
            Step::Send(chunk("fine", b"f")),
            Step::Send(done("fine")),
        ],
    )
    .await;
    let client = client(&server);
    let ws = tts(&client, WsConfig::default()).await;
    let plain = context(&ws, "plain");
    let structured = context(&ws, "structured");
    let fine = context(&ws, "fine");
    for ctx in [&plain, &structured, &fine] {
        speak(ctx, "Hello.", false).await;
    }
    let (plain, structured, fine) = tokio::join!(events(plain), events(structured), events(fine));
    drop(ws);
    server.finish().await;

    // Both shapes read as the error message, which ends its context.
    let plain = ok(plain);
    assert_eq!(plain.len(), 2, "{plain:?}");
    assert!(matches!(
        &plain[1],
        TtsWebsocketEvent::ErrorResponse(e) if e.error.as_deref() == Some("voice not found")
    ));
    let structured = ok(structured);
    assert_eq!(structured.len(), 1, "{structured:?}");
    assert!(matches!(
        &structured[0],
        TtsWebsocketEvent::ErrorResponse(e)
            if e.title.as_deref() == Some("Internal error")
                && e.error_code.as_deref() == Some("internal_error")
    ));
    let fine = ok(fine);
    assert_eq!(fine.len(), 2, "{fine:?}");
    assert!(matches!(&fine[1], TtsWebsocketEvent::DoneResponse(_)));
}

#[tokio::test]
async fn a_context_the_server_forgets_ends_with_an_idle_error() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            Step::Send(chunk("a", b"only")),
        ],
    )
    .await;
    let client = client(&server);
    let config = WsConfig::default().context_idle_timeout(Some(Duration::from_secs(1)));
    let ws = tts(&client, config).await;
    let a = context(&ws, "a");
    speak(&a, "No end.", false).await;
    let events = events(a).await;
    drop(ws);
    let session = server.finish().await;

    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        audio_of(events[0].as_ref().expect("the chunk")),
        Some(&b"only"[..])
    );
    assert!(
        matches!(&events[1], Err(Error::Idle { .. })),
        "{:?}",
        events[1]
    );
    // Giving up on the context cancels it on the server.
    let last = session.received.last().expect("frames");
    assert_eq!(last.message, "CancelRequest");
    assert_eq!(last.json()["context_id"], "a");
}

async fn closed_mid_context(code: u16) -> (Events, Events) {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::ExpectAny(2),
            Step::Send(chunk("a", b"a1")),
            Step::Send(chunk("b", b"b1")),
            Step::Close(code),
        ],
    )
    .await;
    let client = client(&server);
    let ws = tts(&client, WsConfig::default()).await;
    let a = context(&ws, "a");
    let b = context(&ws, "b");
    speak(&a, "Interrupted.", true).await;
    speak(&b, "Also interrupted.", true).await;
    let result = tokio::join!(events(a), events(b));
    drop(ws);
    server.finish().await;
    result
}

/// The context's chunk, then an error for the closed connection (with its code).
fn assert_ended_by_close(events: &Events, audio: &[u8], code: u16) {
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        audio_of(events[0].as_ref().expect("the chunk")),
        Some(audio)
    );
    assert!(
        matches!(&events[1], Err(Error::WebSocket { code: Some(c), .. }) if *c == code),
        "{:?}",
        events[1]
    );
}

#[tokio::test]
async fn a_normal_close_mid_context_ends_each_open_context_with_an_error() {
    let (a, b) = closed_mid_context(1000).await;
    assert_ended_by_close(&a, b"a1", 1000);
    assert_ended_by_close(&b, b"b1", 1000);
}

#[tokio::test]
async fn a_server_error_close_mid_context_ends_each_open_context_with_an_error() {
    let (a, b) = closed_mid_context(1011).await;
    assert_ended_by_close(&a, b"a1", 1011);
    assert_ended_by_close(&b, b"b1", 1011);
}

async fn refused(status: u16, body: &'static str) -> (Error, ws_server::Session) {
    let server = WsServer::start(Handshake::Refuse(status, body), Vec::new()).await;
    let client = client(&server);
    let error = within("the refusal", client.tts().websocket())
        .await
        .expect_err("the handshake is refused");
    (error, server.finish().await)
}

#[tokio::test]
async fn a_handshake_refused_for_concurrency_is_an_api_error_with_its_body() {
    let (error, session) = refused(429, "Concurrency limit exceeded").await;
    assert_tts_handshake(&session);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429), "{error:?}");
    let Error::Api(api) = &error else {
        panic!("an API error: {error:?}");
    };
    assert_eq!(api.body(), b"Concurrency limit exceeded");
}

#[tokio::test]
async fn a_handshake_refused_as_unauthorized_is_an_api_error() {
    let (error, _) = refused(401, "Invalid API key").await;
    assert!(matches!(&error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error:?}");
}

#[tokio::test]
async fn an_stt_session_pipes_audio_and_reads_transcripts_until_the_server_closes() {
    let audio: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("SttAudioData"),
            Step::Expect("SttAudioData"),
            Step::Expect("SttAudioData"),
            Step::Expect("SttFinalizeCommand"),
            Step::Send(
                json!({"type": "transcript", "request_id": "r1", "text": "Hello",
                "is_final": false}),
            ),
            Step::Send(json!({"type": "flush_done", "request_id": "r1"})),
            Step::Expect("SttDoneCommand"),
            Step::SendFragmented(
                json!({"type": "transcript", "request_id": "r1", "text": "Hello world.",
                    "is_final": true, "duration": 1.5, "language": "en",
                    "words": [{"word": "Hello", "start": 0.0, "end": 0.4}]}),
                9,
            ),
            Step::Send(json!({"type": "done", "request_id": "r1"})),
            Step::Close(1000),
        ],
    )
    .await;
    let client = client(&server);
    let mut session = within(
        "the handshake",
        client
            .stt()
            .websocket("ink-whisper", SttEncoding::PcmS16le, 16000)
            .language("en".to_owned()),
    )
    .await
    .expect("connects");
    let sender = session.sender();
    within(
        "the audio",
        sender.pipe_reader(std::io::Cursor::new(audio.clone()), 4096),
    )
    .await
    .expect("audio sent");
    sender.finalize().await.expect("finalize sent");
    let mut events = Vec::new();
    for _ in 0..2 {
        let event = within("an event", session.next()).await;
        events.push(event.expect("an event").expect("no error"));
    }
    sender.done().await.expect("done sent");
    let rest: Vec<_> = within("the session's end", session.collect::<Vec<_>>()).await;
    events.extend(rest.into_iter().map(|e| e.expect("no error")));
    let seen = server.finish().await;

    assert_eq!(seen.path, "/stt/websocket");
    for (name, value) in [
        ("model", "ink-whisper"),
        ("encoding", "pcm_s16le"),
        ("sample_rate", "16000"),
        ("language", "en"),
        ("cartesia_version", VERSION),
        ("api_key", KEY),
    ] {
        assert_eq!(seen.query[name], value, "{name}");
    }
    let sent: Vec<u8> = seen
        .received
        .iter()
        .filter_map(|r| match &r.frame {
            ws_server::ClientFrame::Binary(bytes) => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(sent, audio);

    assert_eq!(events.len(), 4, "{events:?}");
    assert!(matches!(
        &events[0],
        SttWebsocketEvent::SttTranscriptResponse(t) if t.text == "Hello" && !t.is_final
    ));
    assert!(matches!(
        &events[1],
        SttWebsocketEvent::SttFlushDoneResponse(_)
    ));
    assert!(matches!(
        &events[2],
        SttWebsocketEvent::SttTranscriptResponse(t) if t.is_final && t.text == "Hello world."
    ));
    assert!(matches!(&events[3], SttWebsocketEvent::SttDoneResponse(_)));
}

/// What the server reports for a client that breaks the contract: sends `frame` on a handshake
/// with this query.
async fn violation(query: &str, frame: Value) -> String {
    use futures_util::{FutureExt as _, SinkExt as _};
    use tokio_tungstenite::tungstenite::Message;
    let server = WsServer::start(Handshake::Accept, vec![Step::Expect("GenerationRequest")]).await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let url = format!("ws://{address}/tts/websocket?{query}");
    let tcp = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    let (mut socket, _) = within("the handshake", tokio_tungstenite::client_async(url, tcp))
        .await
        .expect("the handshake");
    // The server may already have hung up on a bad handshake.
    let _ = socket.send(Message::text(frame.to_string())).await;
    let failure = std::panic::AssertUnwindSafe(server.finish())
        .catch_unwind()
        .await
        .expect_err("the server rejects the client");
    failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_server_rejects_a_frame_of_no_message_naming_the_message_and_the_place() {
    let mut request = serde_json::to_value(generation("Hello.", false)).expect("json");
    request["output_format"]["sample_rate"] = json!(12345);
    let query = format!("cartesia_version={VERSION}&api_key={KEY}");
    let report = violation(&query, request).await;
    assert!(report.contains("GenerationRequest"), "{report}");
    assert!(report.contains("/output_format/sample_rate"), "{report}");
}

#[tokio::test]
async fn the_server_rejects_a_handshake_without_the_version_or_with_two_credentials() {
    let frame = serde_json::to_value(generation("Hello.", false)).expect("json");
    let report = violation(&format!("api_key={KEY}&access_token=t"), frame).await;
    assert!(report.contains("cartesia_version"), "{report}");
    assert!(report.contains("exactly one credential"), "{report}");
}

#[tokio::test]
async fn input_in_pieces_carries_the_template_and_ends_with_finish() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::Expect("GenerationRequest"),
            Step::Expect("GenerationRequest"),
            Step::Expect("GenerationRequest"),
            Step::Expect("GenerationRequest"),
            Step::Reply(0, chunk("", b"hello")),
            Step::Reply(
                0,
                json!({"type": "flush_done", "done": false, "flush_done": true,
                "flush_id": 1, "status_code": 206}),
            ),
            Step::Reply(
                0,
                json!({"type": "timestamps", "done": false, "status_code": 206,
                "word_timestamps": {"words": ["Hello"], "start": [0.0], "end": [0.4]}}),
            ),
            Step::Reply(0, chunk("", b" world")),
            Step::Reply(0, done("")),
        ],
    )
    .await;
    let client = client(&server);
    let ws = tts(&client, WsConfig::default()).await;
    let context = ws.context(template()).expect("a context");
    // The input comes from another task, as from a language model, while this one reads.
    let input = context.input().clone();
    let writer = tokio::spawn(async move {
        input.push("Hello, ").await?;
        input.flush().await?;
        input.push("world.").await?;
        input.finish().await
    });
    let audio = within(
        "the audio's end",
        context
            .audio()
            .collect::<Vec<Result<bytes::Bytes, Error>>>(),
    )
    .await;
    writer.await.expect("the writer").expect("the input sent");
    drop(ws);
    let session = server.finish().await;

    let audio: Vec<u8> = audio
        .into_iter()
        .flat_map(|chunk| chunk.expect("audio").to_vec())
        .collect();
    assert_eq!(audio, b"hello world");
    let sent: Vec<&Value> = session.received.iter().map(|r| r.json()).collect();
    let id = sent[0]["context_id"].as_str().expect("a fresh id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let pieces: Vec<(&Value, &Value, &Value)> = sent
        .iter()
        .map(|m| (&m["transcript"], &m["continue"], &m["flush"]))
        .collect();
    assert_eq!(
        pieces,
        [
            (&json!("Hello, "), &json!(true), &Value::Null),
            (&json!(""), &json!(true), &json!(true)),
            (&json!("world."), &json!(true), &Value::Null),
            (&json!(""), &json!(false), &Value::Null),
        ]
    );
    for message in &sent {
        assert_eq!(message["context_id"], id);
        assert_eq!(message["model_id"], "sonic-2");
        assert_eq!(message["output_format"]["sample_rate"], 16000);
    }
}

#[tokio::test]
async fn one_call_generations_stream_their_audio_and_end_on_error_messages_of_either_shape() {
    let server = WsServer::start(
        Handshake::Accept,
        vec![
            Step::ExpectAny(3),
            Step::Reply(0, chunk("", b"one")),
            Step::Reply(
                1,
                json!({"type": "error", "done": true, "status_code": 400,
                "error": "voice not found"}),
            ),
            Step::Reply(
                0,
                json!({"type": "timestamps", "done": false, "status_code": 206,
                "word_timestamps": {"words": ["Hi"], "start": [0.0], "end": [0.2]}}),
            ),
            Step::Reply(
                2,
                json!({"type": "error", "done": true, "status_code": 429,
                "error_code": "concurrency_limited", "title": "Too many requests",
                "message": "Concurrency limit reached", "request_id": "req-7"}),
            ),
            Step::Reply(0, chunk("", b"two")),
            Step::Reply(0, done("")),
        ],
    )
    .await;
    let client = client(&server);
    let ws = tts(&client, WsConfig::default()).await;
    let request = template().transcript("Hi");
    let first = ws.generate(&request).await.expect("sent");
    let second = ws.generate(&request).await.expect("sent");
    let third = ws.generate(&request).await.expect("sent");
    let (first, second, third) = within("the outputs' ends", async {
        tokio::join!(
            first.collect::<Vec<_>>(),
            second.collect::<Vec<_>>(),
            third.collect::<Vec<_>>()
        )
    })
    .await;
    drop(ws);
    let session = server.finish().await;

    let ids: std::collections::BTreeSet<&str> = session
        .received
        .iter()
        .map(|r| {
            assert_eq!(r.json()["continue"], false, "one whole input");
            assert_eq!(r.json()["transcript"], "Hi");
            r.json()["context_id"].as_str().expect("an id")
        })
        .collect();
    assert_eq!(ids.len(), 3, "each generation has its own context");

    let audio: Vec<u8> = first
        .into_iter()
        .flat_map(|chunk| chunk.expect("audio").to_vec())
        .collect();
    assert_eq!(audio, b"onetwo");
    let [Err(Error::Event(old))] = second.as_slice() else {
        panic!("one error: {second:?}");
    };
    assert_eq!(old.status(), Some(400));
    assert_eq!(old.message(), "voice not found");
    let [Err(error @ Error::Event(new))] = third.as_slice() else {
        panic!("one error: {third:?}");
    };
    assert_eq!(new.code(), Some("concurrency_limited"));
    assert_eq!(new.request_id(), Some("req-7"));
    assert_eq!(error.kind(), cartesia_api::ErrorKind::RateLimit);
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        "the server reported an error (429 concurrency_limited): Too many requests: \
         Concurrency limit reached (request req-7)"
    );
}
