//! Tests of the WebSocket layer against real WebSocket servers on
//! 127.0.0.1: routing, buffers, cancels, timeouts, close codes, refused
//! handshakes, credentials, audio piping and keep-alive.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::super::tests::{TestApi, client, refused_port};
use super::super::{
    AccessToken, ApiClient, ClientBuilder, Error, ErrorKind, SchemeLocation, TokenProvider,
};
use super::*;

const QUERY_KEY: &[&[&str]] = &[&["QueryKey"]];
const SECRET: &str = "sk_live_do_not_show";

/// A received message of the tests' protocol.
#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Msg {
    context_id: Option<String>,
    n: Option<u64>,
    #[serde(default)]
    done: bool,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(skip)]
    raw: Option<RawMessage>,
}

fn raw(message: RawMessage) -> Msg {
    Msg {
        raw: Some(message),
        ..Msg::default()
    }
}

const ROUTING: Routing<Msg> = Routing {
    key: |v| v.get("context_id")?.as_str().map(str::to_owned),
    is_terminal: |v| v["done"] == true || v["type"] == "error",
    cancel: Some(|id| json!({"context_id": id, "cancel": true})),
    raw,
};

const PROTOCOL: StreamProtocol<Msg> = StreamProtocol {
    is_terminal: |v| v["type"] == "done" || v["type"] == "error",
    raw,
};

type Server = WebSocketStream<TcpStream>;

/// A listener on 127.0.0.1 and the base URL of a client aimed at it.
async fn listen(prefix: &str) -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}{prefix}", listener.local_addr().expect("addr"));
    (listener, base)
}

/// Accepts one WebSocket connection; also returns the handshake's path
/// and query, and its headers.
async fn accept(listener: &TcpListener) -> (Server, String, reqwest::header::HeaderMap) {
    let (tcp, _) = listener.accept().await.expect("accept");
    let mut seen = None;
    // The signature is the WebSocket library's.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| {
        seen = Some((request.uri().to_string(), request.headers().clone()));
        Ok(response)
    };
    let socket = tokio_tungstenite::accept_hdr_async(tcp, callback)
        .await
        .expect("handshake");
    let (uri, headers) = seen.unwrap_or_default();
    (socket, uri, headers)
}

/// The next data frame the server receives (pings and pongs skipped).
async fn next_frame(server: &mut Server) -> Option<Message> {
    while let Some(frame) = server.next().await {
        match frame {
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Ok(frame) => return Some(frame),
            Err(_) => return None,
        }
    }
    None
}

async fn next_json(server: &mut Server) -> Value {
    match next_frame(server).await {
        Some(Message::Text(text)) => serde_json::from_str(&text).expect("json"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

async fn send(server: &mut Server, value: Value) {
    server
        .send(Message::text(value.to_string()))
        .await
        .expect("send");
}

fn api_at(base: &str) -> ApiClient {
    client(
        ClientBuilder::<TestApi>::new()
            .base_url(base)
            .credential("QueryKey", SECRET),
    )
}

/// Connects a multiplexer with `config`, and the server's side.
async fn mux(config: WsConfig) -> (Multiplexer<Msg>, Server) {
    let (listener, base) = listen("").await;
    let api = api_at(&base);
    let (mux, (server, _, _)) = tokio::join!(
        api.websocket("/tts/websocket", QUERY_KEY)
            .config(config)
            .multiplex(ROUTING),
        accept(&listener)
    );
    (mux.expect("connected"), server)
}

/// Connects a single-stream session with `config`, and the server's side.
async fn session(config: WsConfig) -> (WsSession<Msg>, Server) {
    let (listener, base) = listen("").await;
    let api = api_at(&base);
    let (session, (server, _, _)) = tokio::join!(
        api.websocket("/stt/websocket", QUERY_KEY)
            .config(config)
            .single_stream(PROTOCOL),
        accept(&listener)
    );
    (session.expect("connected"), server)
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("ctx-{i}")).collect()
}

#[tokio::test]
async fn interleaved_messages_reach_their_contexts() {
    let (listener, base) = listen("/prefix/").await;
    let api = api_at(&base);
    let handshake = api
        .websocket("/tts/websocket", QUERY_KEY)
        .query("cartesia_version", "2025-04-16")
        .header("Cartesia-Version", "2025-04-16");
    let (mux, (mut server, uri, headers)) =
        tokio::join!(handshake.multiplex(ROUTING), accept(&listener));
    let mux = mux.expect("connected");
    assert_eq!(
        uri,
        format!("/prefix/tts/websocket?cartesia_version=2025-04-16&api_key={SECRET}")
    );
    assert_eq!(headers["cartesia-version"], "2025-04-16");
    assert!(headers.contains_key("user-agent"));

    let ids = ids(24);
    let mut contexts: Vec<_> = ids
        .iter()
        .map(|id| mux.open(Some(id.into()), None).expect("new"))
        .collect();
    assert!(matches!(
        mux.open(Some("ctx-3".into()), None),
        Err(Error::Invalid { .. })
    ));
    for context in &contexts {
        context
            .input()
            .send_json(&json!({"context_id": context.id(), "transcript": "hi"}))
            .await
            .expect("sent");
    }
    let server_task = tokio::spawn(async move {
        let mut asked = Vec::new();
        for _ in 0..24 {
            asked.push(next_json(&mut server).await["context_id"].clone());
        }
        for n in 0..5 {
            for id in &asked {
                send(&mut server, json!({"context_id": id, "n": n})).await;
            }
        }
        send(&mut server, json!({"context_id": "ctx-0", "surprise": 1})).await;
        send(&mut server, json!({"context_id": "ghost", "n": 1})).await;
        send(&mut server, json!({"n": 1})).await;
        server.send(Message::text("not json")).await.expect("send");
        server
            .send(Message::binary(vec![1, 2]))
            .await
            .expect("send");
        for id in asked.iter().rev() {
            send(&mut server, json!({"context_id": id, "done": true})).await;
        }
        server
    });
    let received = futures_util::future::join_all(
        contexts
            .iter_mut()
            .map(|context| context.collect::<Vec<_>>()),
    )
    .await;
    for (id, messages) in ids.iter().zip(received) {
        let mut messages: Vec<Msg> = messages.into_iter().map(|m| m.expect("ok")).collect();
        let done = messages.pop().expect("done");
        assert!(done.done && done.context_id.as_deref() == Some(id.as_str()));
        if id == "ctx-0" {
            let surprise = messages.pop().and_then(|m| m.raw);
            assert_eq!(
                surprise,
                Some(RawMessage::Text(
                    r#"{"context_id":"ctx-0","surprise":1}"#.into()
                ))
            );
        }
        let numbers: Vec<_> = messages.iter().map(|m| m.n).collect();
        assert_eq!(numbers, (0..5).map(Some).collect::<Vec<_>>(), "{id}");
    }
    assert_eq!(mux.dropped(), 4);
    drop(server_task.await.expect("server"));
}

#[tokio::test]
async fn a_full_buffer_fails_its_context_only() {
    let (mux, mut server) = mux(WsConfig::new().context_buffer(64)).await;
    let mut slow = mux.open(Some("slow".into()), None).expect("new");
    let mut fast = mux.open(Some("fast".into()), None).expect("new");
    for n in 0..10 {
        send(&mut server, json!({"context_id": "slow", "n": n})).await;
    }
    send(&mut server, json!({"context_id": "fast", "done": true})).await;
    // Routed in order: by the time `fast` is done, `slow` has overflowed.
    assert!(fast.next().await.is_some_and(|m| m.is_ok()));
    assert!(fast.next().await.is_none());
    let mut slow_items = Vec::new();
    while let Some(item) = slow.next().await {
        slow_items.push(item);
    }
    let error = slow_items.pop().and_then(Result::err);
    assert!(
        matches!(error, Some(Error::Overflow { capacity: 64 })),
        "{error:?}"
    );
    assert!(!slow_items.is_empty() && slow_items.iter().all(Result::is_ok));
    assert_eq!(
        next_json(&mut server).await,
        json!({"context_id": "slow", "cancel": true})
    );
    // Dropping the failed context sends no second cancel.
    drop((slow, fast));
    mux.close().await;
    assert!(matches!(
        next_frame(&mut server).await,
        Some(Message::Close(_))
    ));
}

#[tokio::test]
async fn dropping_an_unfinished_context_cancels_it() {
    let (mux, mut server) = mux(WsConfig::new()).await;
    let open = mux.open(Some("open".into()), None).expect("new");
    let mut finished = mux.open(Some("finished".into()), None).expect("new");
    send(&mut server, json!({"context_id": "finished", "done": true})).await;
    assert!(finished.next().await.is_some());
    drop(finished);
    drop(open);
    assert_eq!(
        next_json(&mut server).await,
        json!({"context_id": "open", "cancel": true})
    );
    // The context's id can be used again.
    let again = mux.open(Some("open".into()), None).expect("new");
    drop(mux);
    drop(again);
    assert_eq!(
        next_json(&mut server).await,
        json!({"context_id": "open", "cancel": true})
    );
    // Every handle is gone: the connection closes normally.
    match next_frame(&mut server).await {
        Some(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::Normal),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[tokio::test]
async fn a_silent_context_times_out_and_is_cancelled() {
    let config = WsConfig::new()
        .context_idle_timeout(Some(Duration::from_secs(5)))
        .idle_timeout(None)
        .ping_interval(None);
    let (mux, mut server) = mux(config).await;
    let mut context = mux.open(Some("quiet".into()), None).expect("new");
    tokio::time::pause();
    let error = context.next().await;
    assert!(
        matches!(error, Some(Err(Error::Idle { after })) if after == Duration::from_secs(5)),
        "{error:?}"
    );
    assert!(context.next().await.is_none());
    assert_eq!(
        next_json(&mut server).await,
        json!({"context_id": "quiet", "cancel": true})
    );
}

#[tokio::test]
async fn a_silent_connection_times_out() {
    let config = WsConfig::new()
        .idle_timeout(Some(Duration::from_secs(30)))
        .context_idle_timeout(None)
        .ping_interval(None);
    let (mux, _server) = mux(config).await;
    let mut context = mux.open(Some("a".into()), None).expect("new");
    tokio::time::pause();
    let error = context.next().await;
    assert!(
        matches!(&error, Some(Err(Error::Idle { after })) if *after == Duration::from_secs(30)),
        "{error:?}"
    );
    assert_eq!(
        error.and_then(Result::err).map(|e| e.kind()),
        Some(ErrorKind::Timeout)
    );
    assert!(matches!(
        mux.open(Some("b".into()), None),
        Err(Error::Idle { .. })
    ));
}

#[tokio::test]
async fn close_codes_become_errors() {
    let (mux, mut server) = mux(WsConfig::new()).await;
    let mut context = mux.open(Some("a".into()), None).expect("new");
    let frame = CloseFrame {
        code: CloseCode::Policy,
        reason: "bad voice".into(),
    };
    server.close(Some(frame)).await.expect("close");
    let error = context.next().await.and_then(Result::err);
    assert!(
        matches!(&error, Some(Error::WebSocket { code: Some(1008), reason }) if reason == "bad voice"),
        "{error:?}"
    );
    assert_eq!(error.map(|e| e.kind()), Some(ErrorKind::Closed));

    let (mut session, mut server) = session(WsConfig::new()).await;
    let frame = CloseFrame {
        code: CloseCode::Error,
        reason: "".into(),
    };
    server.close(Some(frame)).await.expect("close");
    let error = session.next().await.and_then(Result::err);
    assert_eq!(error.as_ref().map(Error::kind), Some(ErrorKind::Server));
    assert!(session.next().await.is_none());
}

/// Answers one connection with a raw HTTP response; returns the request.
async fn refuse(listener: &TcpListener, response: &str) -> String {
    let (mut tcp, _) = listener.accept().await.expect("accept");
    let mut request = vec![0; 4096];
    let read = tcp.read(&mut request).await.expect("read");
    tcp.write_all(response.as_bytes()).await.expect("write");
    String::from_utf8_lossy(&request[..read]).into_owned()
}

#[tokio::test]
async fn refused_handshakes_are_api_errors_without_the_credential() {
    let (listener, base) = listen("").await;
    let api = api_at(&base);
    let cases = [
        (
            "HTTP/1.1 401 Unauthorized\r\nx-request-id: req_1\r\ncontent-length: 11\r\n\r\nbad api key",
            401,
            ErrorKind::Authentication,
        ),
        (
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 3\r\ncontent-length: 9\r\n\r\ntoo many!",
            429,
            ErrorKind::RateLimit,
        ),
    ];
    for (response, status, kind) in cases {
        let connect = api
            .websocket("/stt/websocket", QUERY_KEY)
            .multiplex(ROUTING);
        let (result, request) = tokio::join!(connect, refuse(&listener, response));
        assert!(request.contains(&format!("api_key={SECRET}")), "{request}");
        let error = result.expect_err("refused");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.kind(), kind);
        let Error::Api(api_error) = &error else {
            panic!("{error:?}")
        };
        if status == 401 {
            assert_eq!(api_error.text(), "bad api key");
            assert_eq!(api_error.request_id(), Some("req_1"));
        } else {
            assert_eq!(api_error.retry_after(), Some(Duration::from_secs(3)));
        }
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains(SECRET), "{shown}");
        }
    }
    // Neither a failure to connect nor the handshake's `Debug` shows it.
    let (_reserved, port) = refused_port();
    let unreachable = api_at(&format!("http://127.0.0.1:{port}"));
    let handshake = unreachable.websocket("/stt/websocket", QUERY_KEY);
    assert!(!format!("{handshake:?}").contains(SECRET));
    let error = handshake
        .single_stream(PROTOCOL)
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
}

#[tokio::test]
async fn plain_ws_is_for_loopback_only() {
    let api = api_at("http://api.example.com");
    let error = api
        .websocket("/tts/websocket", QUERY_KEY)
        .multiplex(ROUTING)
        .await
        .err();
    assert!(
        matches!(error, Some(Error::InsecureTransport { .. })),
        "{error:?}"
    );
    let error = api
        .websocket("/tts/../x", QUERY_KEY)
        .multiplex(ROUTING)
        .await
        .err();
    assert!(
        matches!(error, Some(Error::InvalidPath { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    let (listener, base) = listen("").await;
    let fetched = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&fetched);
    let provider = TokenProvider::new(move || {
        let counter = Arc::clone(&counter);
        async move {
            let mut n = counter.lock().expect("lock");
            *n += 1;
            Ok(AccessToken::new(format!("tok{n}"), None))
        }
    });
    let builder = ClientBuilder::<TestApi>::new().base_url(&base);
    let api = client(builder.credential_provider("TokenAuth", provider));
    let connect = api
        .websocket("/tts/websocket", &[&["TokenAuth"]])
        .credential_at("TokenAuth", SchemeLocation::Query("access_token"))
        .multiplex(ROUTING);
    let server = async {
        let refused = refuse(
            &listener,
            "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n",
        );
        let refused = refused.await;
        let (_socket, uri, headers) = accept(&listener).await;
        (refused, uri, headers)
    };
    let (mux, (refused, uri, headers)) = tokio::join!(connect, server);
    mux.expect("connected with a new token");
    assert!(
        refused.starts_with("GET /tts/websocket?access_token=tok1 "),
        "{refused}"
    );
    assert_eq!(uri, "/tts/websocket?access_token=tok2");
    assert!(!headers.contains_key("authorization"));
}

#[tokio::test]
async fn audio_from_a_reader_arrives_in_order() {
    let (mut session, mut server) = session(WsConfig::new().stream_buffer(1)).await;
    let audio: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let sender = session.sender();
    let expected = audio.clone();
    let server_task = tokio::spawn(async move {
        let mut received = Vec::new();
        loop {
            match next_frame(&mut server).await {
                Some(Message::Binary(bytes)) => {
                    assert!(bytes.len() <= 1000);
                    received.extend_from_slice(&bytes);
                }
                Some(Message::Text(text)) if text.as_str() == "done" => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(received, expected);
        send(&mut server, json!({"type": "transcript", "n": 1})).await;
        server.send(Message::binary(vec![9])).await.expect("send");
        send(&mut server, json!({"type": "done"})).await;
        server.close(None).await.expect("close");
    });
    let sending = async {
        let sent = sender.pipe_reader(&audio[..], 1000).await.expect("piped");
        let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::new())]);
        let more = sender.pipe_stream(chunks).await.expect("piped");
        sender.finish("done").await.expect("sent");
        sent + more
    };
    let (sent, messages) = tokio::join!(sending, async {
        let mut messages = Vec::new();
        while let Some(message) = session.next().await {
            messages.push(message.expect("ok"));
        }
        messages
    });
    assert_eq!(sent, 10_000);
    let kinds: Vec<_> = messages
        .iter()
        .map(|m| (m.kind.as_deref(), m.raw.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("transcript"), None),
            (None, Some(RawMessage::Binary(Bytes::from_static(&[9])))),
            (Some("done"), None)
        ]
    );
    server_task.await.expect("server");
}

#[tokio::test]
async fn a_normal_close_ends_the_session_only_after_the_last_input() {
    let (mut session, mut server) = session(WsConfig::new()).await;
    session.sender().finish("done").await.expect("sent");
    assert!(matches!(
        next_frame(&mut server).await,
        Some(Message::Text(_))
    ));
    server.close(None).await.expect("close");
    assert!(session.next().await.is_none(), "ends without an error");

    let (mut session, mut server) = session_pair().await;
    server.close(None).await.expect("close");
    let error = session.next().await.and_then(Result::err);
    assert!(
        matches!(
            error,
            Some(Error::WebSocket {
                code: Some(1005),
                ..
            })
        ),
        "{error:?}"
    );
    let error = session.sender().send_text("finalize").await.err();
    assert!(matches!(error, Some(Error::WebSocket { .. })), "{error:?}");
}

async fn session_pair() -> (WsSession<Msg>, Server) {
    session(WsConfig::new()).await
}

#[tokio::test]
async fn oversized_messages_fail_the_connection() {
    let (mut session, mut server) = session(WsConfig::new().max_message_size(100)).await;
    server
        .send(Message::text("x".repeat(200)))
        .await
        .expect("send");
    let error = session.next().await.and_then(Result::err);
    assert!(
        matches!(&error, Some(Error::WebSocket { code: None, reason }) if reason.contains("too large")),
        "{error:?}"
    );
}

#[tokio::test]
async fn pings_keep_the_connection_alive() {
    let config = WsConfig::new().ping_interval(Some(Duration::from_millis(10)));
    let (mut session, mut server) = session(config).await;
    // The client pings, and answers the server's pings.
    loop {
        match server.next().await {
            Some(Ok(Message::Ping(_))) => break,
            other => assert!(matches!(other, Some(Ok(_))), "{other:?}"),
        }
    }
    server
        .send(Message::Ping(Bytes::from_static(b"hi")))
        .await
        .expect("ping");
    loop {
        match server.next().await {
            Some(Ok(Message::Pong(payload))) => {
                assert_eq!(&payload[..], b"hi");
                break;
            }
            other => assert!(matches!(other, Some(Ok(_))), "{other:?}"),
        }
    }
    send(&mut server, json!({"type": "transcript", "n": 2})).await;
    let message = session.next().await.and_then(Result::ok);
    assert_eq!(message.and_then(|m| m.n), Some(2));
}
