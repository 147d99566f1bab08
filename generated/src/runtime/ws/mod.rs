// Copied by `cargo xtask generate` from templates/src/runtime/ws/mod.rs; edit the template, not this file.
//! WebSocket connections for real-time APIs, generic over the messages of
//! a binding: nothing here knows an API's message types.
//!
//! # How a generated binding uses it
//!
//! A binding (one per AsyncAPI channel) starts from the version's
//! `ApiClient`:
//!
//! ```text
//! let handshake = client
//!     .websocket("/tts/websocket", SECURITY)         // ApiClient::websocket(path, security)
//!     .query("cartesia_version", "2025-04-16")      // Handshake::query(name, value)
//!     .header("Cartesia-Version", "2025-04-16")     // Handshake::header(name, value)
//!     .credential_at("APIKeyAuth", SchemeLocation::Query("api_key"))
//!     .credential_at("TokenAuth", SchemeLocation::Query("access_token"))
//!     .config(config);                              // Handshake::config(WsConfig)
//! ```
//!
//! The URL is the client's base URL with `https` made `wss` (`http`, for
//! loopback hosts only, `ws`) and the path appended; the credentials are
//! chosen from the client's store (fixed keys or a `TokenProvider`) as for
//! requests, and sent where `credential_at` says, else where the version's
//! requests send them. Then, for a channel multiplexing contexts:
//!
//! ```text
//! let mux: Multiplexer<TtsResponse> = handshake.multiplex(Routing {
//!     key: |v| v.get("context_id")?.as_str().map(str::to_owned),
//!     is_terminal: |v| v["done"] == true || v["type"] == "error",
//!     cancel: Some(|id| json!({"context_id": id, "cancel": true})),
//!     raw: TtsResponse::Raw,                        // fn(RawMessage) -> T
//! }).await?;
//! let context: WsContext<TtsResponse> = mux.open(None, Some(template))?; // a fresh id
//! context.input().send_keyed("context_id", &request, &[]).await?;     // WsInput
//! context.input().send_input("context_id", &[("transcript", "Hi".into())]).await?;
//! // `context` is a Stream<Item = Result<TtsResponse, Error>>;
//! let audio: WsOutput<TtsResponse, Bytes> = context.output(pick);   // values of its messages
//! ```
//!
//! and for a channel carrying one stream:
//!
//! ```text
//! let session: WsSession<SttResponse> = handshake.single_stream(StreamProtocol {
//!     is_terminal: |v| v["type"] == "done" || v["type"] == "error",
//!     raw: SttResponse::Raw,
//! }).await?;
//! let sender: WsSender<SttResponse> = session.sender();
//! sender.send_text("finalize").await?;                // WsSender::send_text / send_json
//! sender.finish("done").await?;                       // WsSender::finish: the end of input
//! // `session` is a Stream<Item = Result<SttResponse, Error>>; `pipe_reader`,
//! // `pipe_stream` and `send_binary` are public for audio.
//! ```
//!
//! The binding wraps these in typed methods by adding inherent `impl`
//! blocks: `context(template)` and `context_with_id(id, template)` (and a
//! one-call method such as `generate(&request)`) on `Multiplexer<TtsResponse>`;
//! `send(&GenerationRequest)`, `push(text)`, `flush()`, `finish()` on
//! `WsInput<TtsResponse>` and, forwarding, on `WsContext<TtsResponse>`, with
//! an output method such as `audio()`; `send_audio(bytes)`, `finalize()`,
//! `done()` on `WsSender<SttResponse>`. The names a binding may not take are
//! listed in the generator beside its channel lowering, and a test there
//! checks them against this module. The generated `lib.rs` re-exports the
//! public types from the crate root.
//!
//! # Behaviour
//!
//! A refused handshake is an [`Error::Api`](super::Error::Api) with the
//! status, headers and the body that came with them (a `401` with a
//! provided token discards it and tries once more). A task owns each
//! connection: it pings, fails an idle connection, limits message sizes
//! and maps close frames to [`Error::WebSocket`](super::Error::WebSocket).
//! A multiplexed context that falls behind by more than its buffer fails
//! with [`Error::Overflow`](super::Error::Overflow) rather than stalling
//! the others; a single stream applies backpressure instead. An error
//! message of a context ends its output stream with
//! [`Error::Event`](super::Error::Event), read from either shape the
//! server uses (`error` text, or `title`/`message`/`error_code`).
//!
//! # Reconnection
//!
//! Nothing reconnects by itself, on purpose: a context's state (the text
//! sent so far, the prosody, the audio already played) lives on the server
//! and dies with the socket, so resending it could speak twice and bill
//! twice. When a connection ends, every open context and session ends with
//! an error, once, and the caller decides:
//! [`Error::is_retryable`](super::Error::is_retryable) says
//! whether opening a new connection may succeed (a failed connection, a
//! server error close code `1011` to `1014`, an idle timeout, a `429` or
//! `5xx` handshake or error message); the caller then opens a new
//! connection and starts new contexts for the input not yet answered.
//! A handshake is not retried either, except once after a `401` when the
//! token came from a provider (a fresh token is fetched): a refused
//! handshake is returned at once (a `429` says the concurrency limit is
//! reached, and waiting is the caller's choice).

// The public types are for the bindings' public signatures; until the
// generated `lib.rs` re-exports them they are unreachable from outside.
#![allow(unreachable_pub)]

mod config;
mod conn;
mod connect;
mod mux;
mod stream;
#[cfg(test)]
mod tests;

#[allow(unused_imports)]
pub use config::WsConfig;
pub use conn::RawMessage;
pub use mux::{Multiplexer, WsContext, WsInput, WsOutput};
pub use stream::{WsSender, WsSession};

#[allow(unused_imports)]
pub(crate) use connect::Handshake;
#[allow(unused_imports)]
pub(crate) use mux::Routing;
#[allow(unused_imports)]
pub(crate) use stream::StreamProtocol;
