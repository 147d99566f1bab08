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
//!     cancel: |id| json!({"context_id": id, "cancel": true}),
//!     raw: TtsResponse::Raw,                        // fn(RawMessage) -> T
//! }).await?;
//! let context: WsContext<TtsResponse> = mux.context(id)?;   // Multiplexer::context
//! context.send_json(&request).await?;                       // WsContext::send_json
//! // `context` is a Stream<Item = Result<TtsResponse, Error>>.
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
//! blocks to `WsContext<TtsResponse>` and `WsSender<SttResponse>` (e.g.
//! `send(&GenerationRequest)`, `finalize()`, `done()`), and names
//! `Multiplexer`, `WsContext`, `WsSession`, `WsSender`, `WsConfig` and
//! `RawMessage` in its public signatures; the generated `lib.rs` then
//! re-exports them from the crate root.
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
//! the others; a single stream applies backpressure instead.

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
pub use mux::{Multiplexer, WsContext};
pub use stream::{WsSender, WsSession};

#[allow(unused_imports)]
pub(crate) use connect::Handshake;
#[allow(unused_imports)]
pub(crate) use mux::Routing;
#[allow(unused_imports)]
pub(crate) use stream::StreamProtocol;
