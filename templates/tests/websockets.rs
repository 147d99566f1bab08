//! The WebSocket channels of the newest API version against a WebSocket server on 127.0.0.1: the
//! handshake each sends, an interleaved two-context TTS session and an STT session.
#![cfg(feature = "vNEWEST")]

use std::time::Duration;

use cartesia_api::RawMessage;
use cartesia_api::v_NEWEST::websockets::{SttWebsocketEvent, TtsWebsocketEvent};
use cartesia_api::v_NEWEST::{Client, GenerationRequest, SttEncoding};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

const KEY: &str = "sk_car_websocket";
const VERSION: &str = "NEWEST";

type Server = WebSocketStream<TcpStream>;

async fn listen() -> (TcpListener, Client) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let client = Client::builder()
        .base_url(base)
        .api_key(KEY)
        .build()
        .expect("client builds");
    (listener, client)
}

/// Accepts one connection; also returns the handshake's path and query.
async fn accept(listener: &TcpListener) -> (Server, String) {
    let (tcp, _) = listener.accept().await.expect("accept");
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

/// The next data frame (pings and pongs skipped).
async fn next_frame(server: &mut Server) -> Message {
    loop {
        match server.next().await {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(frame)) => return frame,
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

async fn next_json(server: &mut Server) -> Value {
    match next_frame(server).await {
        Message::Text(text) => serde_json::from_str(&text).expect("json"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

async fn send(server: &mut Server, value: Value) {
    server
        .send(Message::text(value.to_string()))
        .await
        .expect("send");
}

fn template() -> GenerationRequest {
    serde_json::from_value(json!({
        "model_id": "sonic-2",
        "voice": {"mode": "id", "id": "a0e99841-438c-4a64-b679-ae501e7d6091"},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
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

#[tokio::test]
async fn two_tts_contexts_interleave_on_one_socket() {
    let (listener, client) = listen().await;
    let server = tokio::spawn(async move {
        let (mut socket, uri) = accept(&listener).await;
        let mut requests = Vec::new();
        for _ in 0..3 {
            requests.push(next_json(&mut socket).await);
        }
        // Frames of the two contexts, interleaved, and a type this crate does not know.
        send(&mut socket, chunk("b", b"bee")).await;
        send(&mut socket, chunk("a", b"ay1")).await;
        send(
            &mut socket,
            json!({"type": "timestamps", "done": false, "status_code": 206, "context_id": "a",
                   "word_timestamps": {"words": ["Hello"], "start": [0.0], "end": [0.4]}}),
        )
        .await;
        send(&mut socket, done("b")).await;
        send(
            &mut socket,
            json!({"type": "later_kind", "context_id": "a"}),
        )
        .await;
        send(&mut socket, chunk("a", b"ay2")).await;
        send(&mut socket, done("a")).await;
        (uri, requests)
    });

    let ws = client.tts().websocket().await.expect("connects");
    let a = ws.context_with_id("a", template()).expect("context a");
    let b = ws.context_with_id("b", template()).expect("context b");
    a.push("Hello, ").await.expect("sent");
    b.send(&template().transcript("Another voice."))
        .await
        .expect("sent");
    a.finish().await.expect("sent");
    let collect = |context| async move {
        tokio::time::timeout(
            Duration::from_secs(5),
            futures_util::StreamExt::collect::<Vec<_>>(context),
        )
        .await
        .expect("the context ends")
    };
    let (a_events, b_events) = tokio::join!(collect(a), collect(b));

    let (uri, requests) = server.await.expect("server");
    assert!(uri.starts_with("/tts/websocket?"), "{uri}");
    assert!(
        uri.contains(&format!("cartesia_version={VERSION}")),
        "{uri}"
    );
    assert!(uri.contains(&format!("api_key={KEY}")), "{uri}");
    let contexts: Vec<&Value> = requests.iter().map(|r| &r["context_id"]).collect();
    assert_eq!(contexts, [&json!("a"), &json!("b"), &json!("a")]);
    assert_eq!(requests[0]["continue"], true);
    assert_eq!(requests[0]["transcript"], "Hello, ");
    assert_eq!(requests[0]["model_id"], "sonic-2");
    assert_eq!(requests[1]["transcript"], "Another voice.");
    assert_eq!(requests[2]["transcript"], "");
    assert_eq!(requests[2]["continue"], false);
    assert_eq!(requests[2]["voice"]["mode"], "id");

    let a_events: Vec<TtsWebsocketEvent> =
        a_events.into_iter().map(|e| e.expect("an event")).collect();
    assert_eq!(a_events.len(), 5, "{a_events:?}");
    assert!(
        matches!(&a_events[0], TtsWebsocketEvent::ChunkResponse(c) if c.data.as_ref() == b"ay1")
    );
    assert!(matches!(
        &a_events[1],
        TtsWebsocketEvent::TimestampsResponse(t) if t.word_timestamps.is_some()
    ));
    assert!(matches!(
        &a_events[2],
        TtsWebsocketEvent::Raw(RawMessage::Text(text)) if text.contains("later_kind")
    ));
    assert!(
        matches!(&a_events[3], TtsWebsocketEvent::ChunkResponse(c) if c.data.as_ref() == b"ay2")
    );
    assert!(matches!(&a_events[4], TtsWebsocketEvent::DoneResponse(_)));

    let b_events: Vec<TtsWebsocketEvent> =
        b_events.into_iter().map(|e| e.expect("an event")).collect();
    assert_eq!(b_events.len(), 2, "{b_events:?}");
    assert!(
        matches!(&b_events[0], TtsWebsocketEvent::ChunkResponse(c) if c.data.as_ref() == b"bee")
    );
    assert!(matches!(&b_events[1], TtsWebsocketEvent::DoneResponse(_)));
}

#[tokio::test]
async fn an_stt_session_sends_audio_and_commands_and_reads_transcripts() {
    let (listener, client) = listen().await;
    let server = tokio::spawn(async move {
        let (mut socket, uri) = accept(&listener).await;
        let audio = next_frame(&mut socket).await;
        assert_eq!(next_frame(&mut socket).await, Message::text("finalize"));
        send(
            &mut socket,
            json!({"type": "transcript", "request_id": "r1", "text": "Hello", "is_final": false}),
        )
        .await;
        send(
            &mut socket,
            json!({"type": "flush_done", "request_id": "r1"}),
        )
        .await;
        assert_eq!(next_frame(&mut socket).await, Message::text("done"));
        send(
            &mut socket,
            json!({"type": "transcript", "request_id": "r1", "text": "Hello world.",
                   "is_final": true, "duration": 1.5, "language": "en",
                   "words": [{"word": "Hello", "start": 0.0, "end": 0.4}]}),
        )
        .await;
        send(&mut socket, json!({"type": "done", "request_id": "r1"})).await;
        socket.close(None).await.expect("close");
        (uri, audio)
    });

    let mut session = client
        .stt()
        .websocket("ink-whisper", SttEncoding::PcmS16le, 16000)
        .language("en".to_owned())
        .await
        .expect("connects");
    let sender = session.sender();
    sender
        .send_audio(vec![1u8, 2, 3, 4])
        .await
        .expect("audio sent");
    sender.finalize().await.expect("finalize sent");
    let mut events = Vec::new();
    for _ in 0..2 {
        events.push(session.next().await.expect("an event").expect("no error"));
    }
    sender.done().await.expect("done sent");
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        let mut rest = Vec::new();
        while let Some(event) = session.next().await {
            rest.push(event.expect("no error"));
        }
        rest
    })
    .await
    .expect("the session ends");
    events.extend(rest);

    let (uri, audio) = server.await.expect("server");
    assert!(uri.starts_with("/stt/websocket?"), "{uri}");
    for part in [
        "model=ink-whisper",
        "encoding=pcm_s16le",
        "sample_rate=16000",
        "language=en",
        &format!("cartesia_version={VERSION}"),
        &format!("api_key={KEY}"),
    ] {
        assert!(uri.contains(part), "{part} in {uri}");
    }
    assert_eq!(audio, Message::binary(vec![1u8, 2, 3, 4]));

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

#[tokio::test]
async fn one_call_generations_stream_their_audio_and_end_on_error_messages_of_either_shape() {
    let (listener, client) = listen().await;
    let server = tokio::spawn(async move {
        let (mut socket, _) = accept(&listener).await;
        let mut requests = Vec::new();
        for _ in 0..3 {
            requests.push(next_json(&mut socket).await);
        }
        let id = |i: usize| requests[i]["context_id"].as_str().expect("an id").to_owned();
        let (ok, old, new) = (id(0), id(1), id(2));
        send(&mut socket, chunk(&ok, b"one")).await;
        send(
            &mut socket,
            json!({"type": "error", "done": true, "status_code": 400, "context_id": old,
                   "error": "voice not found"}),
        )
        .await;
        send(
            &mut socket,
            json!({"type": "timestamps", "done": false, "status_code": 206, "context_id": ok,
                   "word_timestamps": {"words": ["Hi"], "start": [0.0], "end": [0.2]}}),
        )
        .await;
        send(
            &mut socket,
            json!({"type": "error", "done": true, "status_code": 429, "context_id": new,
                   "error_code": "concurrency_limited", "title": "Too many requests",
                   "message": "Concurrency limit reached", "request_id": "req-7"}),
        )
        .await;
        send(&mut socket, chunk(&ok, b"two")).await;
        send(&mut socket, done(&ok)).await;
        requests
    });

    let ws = client.tts().websocket().await.expect("connects");
    let request = template().transcript("Hi");
    let ok = ws.generate(&request).await.expect("sent");
    let old = ws.generate(&request).await.expect("sent");
    let new = ws.generate(&request).await.expect("sent");
    let collect = |output| async move {
        tokio::time::timeout(
            Duration::from_secs(5),
            futures_util::StreamExt::collect::<Vec<_>>(output),
        )
        .await
        .expect("the output ends")
    };
    let (ok, old, new) = tokio::join!(collect(ok), collect(old), collect(new));

    let requests = server.await.expect("server");
    for request in &requests {
        assert_eq!(request["continue"], false, "{request}");
        assert_eq!(request["transcript"], "Hi");
    }
    let ids: std::collections::BTreeSet<&str> = requests
        .iter()
        .map(|r| r["context_id"].as_str().expect("an id"))
        .collect();
    assert_eq!(ids.len(), 3, "each generation has its own context");

    let audio: Vec<u8> = ok
        .into_iter()
        .flat_map(|chunk| chunk.expect("audio").to_vec())
        .collect();
    assert_eq!(audio, b"onetwo");
    let [Err(cartesia_api::Error::Event(old))] = old.as_slice() else {
        panic!("one error: {old:?}");
    };
    assert_eq!(old.status(), Some(400));
    assert_eq!(old.message(), "voice not found");
    let [Err(error @ cartesia_api::Error::Event(new))] = new.as_slice() else {
        panic!("one error: {new:?}");
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
