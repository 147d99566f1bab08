// Copied by `cargo xtask generate` from templates/src/runtime/mod.rs; edit the template, not this file.
//! Hand-written runtime shared by every generated API version module.
//!
//! Which helpers the generated code uses depends on the enabled version
//! features (none at all with `--no-default-features`), so unused-item lints
//! are silenced for this module as a whole.
#![allow(dead_code)]

mod auth;
mod client;
mod error;
mod form;
mod kind;
mod limits;
mod multipart;
mod options;
mod redact;
#[cfg(test)]
mod redirect_tests;
mod request;
mod response;
mod retry;
#[cfg(test)]
mod retry_tests;
mod send;
mod sse;
mod sse_parser;
#[cfg(test)]
mod tests;
mod tls;
mod token;
#[cfg(test)]
mod token_tests;
mod urls;
mod validate;
mod wire;
mod ws;

pub use auth::Secret;
pub use client::ClientBuilder;
pub use error::{ApiError, Error, EventError};
pub use kind::ErrorKind;
pub use limits::Limits;
pub use retry::RetryPolicy;
pub use wire::Base64Bytes;

// Re-exported from the crate root by the generated `lib.rs`, like the items
// above; allowed to be unused so that the runtime does not depend on it.
#[allow(unused_imports)]
pub use form::Multipart;
#[allow(unused_imports)]
pub use multipart::FilePart;
#[allow(unused_imports)]
pub use options::RequestOptions;
#[allow(unused_imports)]
pub use response::{BinaryResponse, ByteStream};
#[allow(unused_imports)]
pub use sse::EventStream;
#[allow(unused_imports)]
pub use token::{AccessToken, TokenProvider};
// Public for the WebSocket bindings to name; not re-exported from the crate
// root until a binding uses them.
#[allow(unreachable_pub, unused_imports)]
pub use ws::{
    Multiplexer, RawMessage, WsConfig, WsContext, WsInput, WsOutput, WsSender, WsSession,
};

// Sealed: `pub` only because they appear in the public bound of
// `ClientBuilder<V: ApiVersion>`; the crate root does not re-export them, so
// they can be neither named nor implemented outside this crate.
#[allow(unreachable_pub, unused_imports)]
pub use auth::{SchemeLocation, SecurityScheme};
#[allow(unreachable_pub, unused_imports)]
pub use client::ApiVersion;
#[allow(unused_imports)]
pub(crate) use error::ErrorBodyDecoder;
#[allow(unreachable_pub, unused_imports)]
pub use error::ErrorDetail;

#[allow(unused_imports)]
pub(crate) use client::ApiClient;
#[allow(unused_imports)]
pub(crate) use form::Form;
#[allow(unused_imports)]
pub(crate) use request::Request;
#[allow(unused_imports)]
pub(crate) use validate::{check_items, check_known, check_length, check_number};
#[allow(unused_imports)]
pub(crate) use wire::{
    date_time, encode_path, from_value, optional_date_time, serialize_tagged, split_tag,
};
#[allow(unused_imports)]
pub(crate) use ws::{Handshake, Routing, StreamProtocol};
