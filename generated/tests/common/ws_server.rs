// Copied by `cargo xtask generate` from templates/tests/common/ws_server.rs; edit the template, not this file.
//! A WebSocket server on 127.0.0.1 that holds the client to the contract of the newest version's
//! channels (`tests/channels/2026-03-01.json`, written by the generator from the documents), as Prism
//! does for HTTP: it checks each handshake (path, query, credentials, version) and validates every
//! frame the client sends against the JSON Schema of a message the channel declares, then plays
//! a script (frames, fragments, small writes, closes, or a refused handshake).
#![allow(dead_code, reason = "each test uses the steps it needs")]

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

/// The contract of the newest version's channels, as the generator wrote it.
const CONTRACT: &str = include_str!("../channels/2026-03-01.json");
/// How long the server waits for a frame the script expects.
const WAIT: Duration = Duration::from_secs(5);

/// The channels' contract with every JSON Schema compiled once, for all tests.
fn contract() -> &'static BTreeMap<String, Channel> {
    static CHANNELS: OnceLock<BTreeMap<String, Channel>> = OnceLock::new();
    CHANNELS.get_or_init(|| {
        let contract: Value = serde_json::from_str(CONTRACT).expect("the contract is JSON");
        let channels = contract["channels"]
            .as_object()
            .expect("channels by address");
        channels
            .iter()
            .map(|(address, channel)| (address.clone(), Channel::compile(channel)))
            .collect()
    })
}

fn validator(schema: &Value, what: &str) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|error| panic!("the contract's schema of {what} compiles: {error}"))
}

/// One channel of the contract.
struct Channel {
    /// Query parameters the caller gives: whether required, and the value's schema.
    query: BTreeMap<String, (bool, jsonschema::Validator)>,
    /// Query parameters with one value (the API version).
    fixed_query: BTreeMap<String, String>,
    /// The query names a credential may travel in.
    credentials: Vec<String>,
    /// The messages the client may send.
    sends: Vec<Sent>,
}

/// A message the client may send.
struct Sent {
    name: String,
    kind: Kind,
}

enum Kind {
    Json(jsonschema::Validator),
    /// Text frames: one of these values, or any text when empty.
    Text(Vec<String>),
    Binary,
}

impl Channel {
    fn compile(channel: &Value) -> Self {
        let required: Vec<&str> = channel["query"]["required"]
            .as_array()
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let query = channel["query"]["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, schema)| {
                let schema = validator(schema, &format!("query parameter `{name}`"));
                (name.clone(), (required.contains(&name.as_str()), schema))
            })
            .collect();
        let fixed_query = channel["fixed_query"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_owned()))
            .collect();
        let credentials = channel["credentials"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let sends = channel["sends"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|message| {
                let name = message["name"].as_str().expect("a message name").to_owned();
                let kind = match message["kind"].as_str() {
                    Some("json") => Kind::Json(validator(&message["schema"], &name)),
                    Some("text") => Kind::Text(
                        message["values"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect(),
                    ),
                    _ => Kind::Binary,
                };
                Sent { name, kind }
            })
            .collect();
        Self {
            query,
            fixed_query,
            credentials,
            sends,
        }
    }

    /// What is wrong with a handshake's query, if anything.
    fn check_query(&self, query: &BTreeMap<String, String>) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, (required, schema)) in &self.query {
            match query.get(name) {
                None if *required => problems.push(format!("required `{name}` is missing")),
                None => {}
                Some(text) => {
                    // A query value is text; the schema may ask for a number or a boolean.
                    let parsed = serde_json::from_str::<Value>(text).ok();
                    let as_text = Value::String(text.clone());
                    if !schema.is_valid(&as_text) && !parsed.is_some_and(|v| schema.is_valid(&v)) {
                        let reason = schema
                            .validate(&as_text)
                            .err()
                            .map(|e| e.to_string())
                            .unwrap_or_default();
                        problems.push(format!("`{name}={text}`: {reason}"));
                    }
                }
            }
        }
        for (name, value) in &self.fixed_query {
            if query.get(name) != Some(value) {
                problems.push(format!(
                    "`{name}` must be `{value}`, got {:?}",
                    query.get(name)
                ));
            }
        }
        let credentials: Vec<&String> = self
            .credentials
            .iter()
            .filter(|name| query.contains_key(*name))
            .collect();
        if credentials.len() != 1 {
            problems.push(format!(
                "expected exactly one credential of {:?}, got {credentials:?}",
                self.credentials
            ));
        }
        for name in query.keys() {
            let known = self.query.contains_key(name)
                || self.fixed_query.contains_key(name)
                || self.credentials.contains(name);
            if !known {
                problems.push(format!("`{name}` is not a query parameter of the channel"));
            }
        }
        problems
    }

    /// The name of the message a client frame is, or why it is none.
    fn classify(&self, frame: &ClientFrame) -> Result<String, String> {
        let mut reasons = Vec::new();
        for message in &self.sends {
            match (&message.kind, frame) {
                (Kind::Binary, ClientFrame::Binary(_)) => return Ok(message.name.clone()),
                (Kind::Text(values), ClientFrame::Text(text))
                    if values.is_empty() || values.contains(text) =>
                {
                    return Ok(message.name.clone());
                }
                (Kind::Json(schema), ClientFrame::Json(value)) => match schema.validate(value) {
                    Ok(()) => return Ok(message.name.clone()),
                    Err(error) => reasons.push(format!(
                        "not {} (at `{}`: {error})",
                        message.name,
                        error.instance_path()
                    )),
                },
                _ => {}
            }
        }
        Err(reasons.join("; "))
    }

    /// Whether a frame is the message `name`, and why not.
    fn check(&self, frame: &ClientFrame, name: &str) -> Result<(), String> {
        let message = self
            .sends
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("the channel sends no message `{name}`"));
        match (&message.kind, frame) {
            (Kind::Json(schema), ClientFrame::Json(value)) => schema
                .validate(value)
                .map_err(|error| format!("at `{}`: {error}", error.instance_path())),
            (Kind::Text(values), ClientFrame::Text(text))
                if values.is_empty() || values.contains(text) =>
            {
                Ok(())
            }
            (Kind::Binary, ClientFrame::Binary(_)) => Ok(()),
            _ => Err(format!("a frame of another kind: {frame:?}")),
        }
    }
}

/// A data frame from the client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClientFrame {
    /// A text frame of JSON.
    Json(Value),
    /// A text frame that is not JSON.
    Text(String),
    Binary(Vec<u8>),
}

/// A frame the client sent, and the message of the channel it is.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) message: String,
    pub(crate) frame: ClientFrame,
    /// When the server read it.
    pub(crate) at: Instant,
}

impl Received {
    pub(crate) fn json(&self) -> &Value {
        match &self.frame {
            ClientFrame::Json(value) => value,
            other => panic!("{} is not JSON: {other:?}", self.message),
        }
    }
}

/// How the server answers the handshake.
#[derive(Debug, Clone)]
pub(crate) enum Handshake {
    Accept,
    /// Refuses with this status and body.
    Refuse(u16, &'static str),
}

/// One step of the server's side of a session.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// A JSON text frame.
    Send(Value),
    /// A JSON text frame of the context of the client's frame at this index (0 is the first):
    /// its `context_id` is set to that frame's, for contexts whose ids the client chose.
    Reply(usize, Value),
    /// A text frame as it is (not necessarily JSON).
    SendText(&'static str),
    /// A JSON text frame in fragments of this many bytes: a text frame and continuations.
    SendFragmented(Value, usize),
    /// A JSON text frame written to the socket this many bytes at a time.
    SendInPieces(Value, usize),
    /// Waits for the client's next data frame, which must be this message of the channel.
    Expect(&'static str),
    /// Waits for this many data frames of the client, whatever messages they are.
    ExpectAny(usize),
    /// Closes the connection with this code.
    Close(u16),
}

/// What the server saw.
#[derive(Debug, Default)]
pub(crate) struct Session {
    /// The handshake's path.
    pub(crate) path: String,
    /// The handshake's query parameters.
    pub(crate) query: BTreeMap<String, String>,
    /// The handshake's headers, names lowercase.
    pub(crate) headers: BTreeMap<String, String>,
    /// Every data frame the client sent, in order.
    pub(crate) received: Vec<Received>,
    /// Whether the client closed the connection with a close frame.
    pub(crate) client_closed: bool,
}

/// A server for one connection, playing a script.
pub(crate) struct WsServer {
    /// `http://127.0.0.1:port`, the base URL for the client.
    pub(crate) base_url: String,
    task: JoinHandle<Session>,
}

impl WsServer {
    pub(crate) async fn start(handshake: Handshake, script: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(serve(listener, handshake, script));
        Self { base_url, task }
    }

    /// What the server saw; fails the test with the server's reason when the client broke the
    /// contract (or the script's expectations).
    pub(crate) async fn finish(self) -> Session {
        match tokio::time::timeout(WAIT * 2, self.task).await {
            Err(_) => panic!("the server did not finish"),
            Ok(Ok(session)) => session,
            Ok(Err(error)) => std::panic::resume_unwind(error.into_panic()),
        }
    }
}

type Socket = WebSocketStream<Pieces>;

async fn serve(listener: TcpListener, handshake: Handshake, script: Vec<Step>) -> Session {
    let (tcp, _) = listener.accept().await.expect("accept");
    tcp.set_nodelay(true).expect("nodelay");
    let piece = Arc::new(AtomicUsize::new(0));
    let io = Pieces {
        inner: tcp,
        piece: Arc::clone(&piece),
    };
    let mut session = Session::default();
    let mut channel = None;
    let mut problems = Vec::new();
    // The signature is the WebSocket library's.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        session.path = request.uri().path().to_owned();
        session.query = url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        session.headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = value.to_str().unwrap_or("<not text>").to_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        match contract().get(&session.path) {
            Some(found) => {
                problems.extend(found.check_query(&session.query));
                channel = Some(found);
            }
            None => problems.push(format!("no channel at `{}`", session.path)),
        }
        match handshake {
            Handshake::Accept => Ok(response),
            Handshake::Refuse(status, body) => {
                let mut refusal = ErrorResponse::new(Some(body.to_owned()));
                *refusal.status_mut() = status.try_into().expect("a status");
                Err(refusal)
            }
        }
    };
    let accepted = tokio_tungstenite::accept_hdr_async(io, callback).await;
    assert!(
        problems.is_empty(),
        "the handshake breaks the contract: {problems:?}"
    );
    let channel = channel.expect("a channel");
    let Ok(mut socket) = accepted else {
        return session;
    };
    for step in script {
        match step {
            Step::Send(value) => send(&mut socket, Message::text(value.to_string())).await,
            Step::Reply(index, mut value) => {
                let id = session.received[index].json()["context_id"].clone();
                value["context_id"] = id;
                send(&mut socket, Message::text(value.to_string())).await;
            }
            Step::SendText(text) => send(&mut socket, Message::text(text)).await,
            Step::SendFragmented(value, size) => {
                let text = value.to_string();
                let pieces: Vec<&[u8]> = text.as_bytes().chunks(size.max(1)).collect();
                let last = pieces.len() - 1;
                for (i, piece) in pieces.into_iter().enumerate() {
                    let opcode = if i == 0 { Data::Text } else { Data::Continue };
                    let frame = Frame::message(piece.to_vec(), OpCode::Data(opcode), i == last);
                    send(&mut socket, Message::Frame(frame)).await;
                }
            }
            Step::SendInPieces(value, size) => {
                piece.store(size.max(1), Ordering::SeqCst);
                send(&mut socket, Message::text(value.to_string())).await;
                piece.store(0, Ordering::SeqCst);
            }
            Step::Expect(name) => {
                let Some(received) = next(&mut socket, channel, &mut session).await else {
                    panic!("the client closed before sending {name}");
                };
                if let Err(reason) = channel.check(&received.frame, name) {
                    panic!("expected {name}, got {}: {reason}", received.message);
                }
            }
            Step::ExpectAny(count) => {
                for _ in 0..count {
                    if next(&mut socket, channel, &mut session).await.is_none() {
                        panic!("the client closed before sending {count} frames");
                    }
                }
            }
            Step::Close(code) => {
                let frame = CloseFrame {
                    code: CloseCode::from(code),
                    reason: "".into(),
                };
                // The client may already be gone; its answer is read below.
                let _ = socket.close(Some(frame)).await;
            }
        }
    }
    // The rest of what the client sends, until it closes or goes.
    while next(&mut socket, channel, &mut session).await.is_some() {}
    session
}

async fn send(socket: &mut Socket, message: Message) {
    socket.send(message).await.expect("the server sends");
}

/// The client's next data frame, validated against the channel's messages and recorded; `None`
/// once the client closes or goes.
async fn next(socket: &mut Socket, channel: &Channel, session: &mut Session) -> Option<Received> {
    loop {
        let message = match tokio::time::timeout(WAIT, socket.next()).await {
            Err(_) => panic!("the client sent nothing for {WAIT:?}"),
            Ok(None | Some(Err(_))) => return None,
            Ok(Some(Ok(message))) => message,
        };
        let frame = match message {
            Message::Text(text) => match serde_json::from_str(&text) {
                Ok(value) => ClientFrame::Json(value),
                Err(_) => ClientFrame::Text(text.to_string()),
            },
            Message::Binary(bytes) => ClientFrame::Binary(bytes.to_vec()),
            Message::Close(_) => {
                session.client_closed = true;
                continue;
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        };
        let message = match channel.classify(&frame) {
            Ok(name) => name,
            Err(reasons) => {
                panic!("the client sent a frame of no message of the channel: {frame:?}: {reasons}")
            }
        };
        let received = Received {
            message,
            frame,
            at: Instant::now(),
        };
        session.received.push(received.clone());
        return Some(received);
    }
}

/// The server's TCP stream, which writes at most `piece` bytes a call when `piece` is not zero.
struct Pieces {
    inner: TcpStream,
    piece: Arc<AtomicUsize>,
}

impl AsyncRead for Pieces {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Pieces {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let piece = self.piece.load(Ordering::SeqCst);
        let buf = if piece == 0 {
            buf
        } else {
            &buf[..buf.len().min(piece)]
        };
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
