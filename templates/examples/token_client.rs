//! An untrusted client (an app on a user's device) speaking over the TTS WebSocket with no API
//! key: it holds only a `TokenProvider`, which asks the app's own backend for a short-lived access
//! token when it needs one. The token goes in the handshake's `access_token` query.
//!
//! `TOKEN_URL=https://my-backend.example/cartesia-token cargo run --example token_client -- "Hi!"`
//! (the backend answers `{"token": "...", "expires_in": 60}`; `CARTESIA_BASE_URL` points the
//! client at another server).

use std::time::Duration;

use cartesia_api::v_NEWEST::{
    Client, GenerationRequest, RawEncoding, TtsRequestVoiceSpecifier, WebSocketRawOutputFormat,
};
use cartesia_api::{AccessToken, Error, TokenProvider};
use futures_util::StreamExt as _;

/// A voice from Cartesia's library.
pub(crate) const VOICE: &str = "a0e99841-438c-4a64-b679-ae501e7d6091";

/// The app's own backend, which holds the API key and mints tokens for its users.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    /// Answers `{"token": "...", "expires_in": seconds}`.
    pub(crate) token_url: String,
}

impl Backend {
    /// A provider fetching a token from the backend whenever there is none or it is about to
    /// expire; concurrent connections share one fetch.
    pub(crate) fn token_provider(self) -> TokenProvider {
        TokenProvider::new(move || {
            let url = self.token_url.clone();
            async move {
                let reply: serde_json::Value =
                    reqwest::get(url).await?.error_for_status()?.json().await?;
                let token = reply["token"].as_str().ok_or("the backend sent no token")?;
                let lifetime = reply["expires_in"].as_u64().map(Duration::from_secs);
                Ok(AccessToken::new(token, lifetime))
            }
        })
    }
}

/// A client whose only credential is the backend's tokens.
pub(crate) fn client(base_url: &str, backend: Backend) -> Result<Client, Error> {
    Client::builder()
        .base_url(base_url)
        .token_provider(backend.token_provider())
        .build()
}

/// Speaks `text` over the TTS WebSocket; returns the raw 16-bit, 24 kHz audio.
pub(crate) async fn run(client: &Client, text: &str) -> Result<Vec<u8>, Error> {
    let ws = client.tts().websocket().await?;
    let request = GenerationRequest::new(
        "sonic-2",
        TtsRequestVoiceSpecifier::new(VOICE),
        WebSocketRawOutputFormat::new(RawEncoding::PcmS16le, 24_000),
    )
    .transcript(text);
    let mut chunks = ws.generate(&request).await?;
    let mut audio = Vec::new();
    while let Some(chunk) = chunks.next().await {
        audio.extend_from_slice(&chunk?);
    }
    Ok(audio)
}

#[tokio::main]
#[allow(
    dead_code,
    reason = "the tests call the functions above and leave `main`"
)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token_url = std::env::var("TOKEN_URL").map_err(|_| "set TOKEN_URL to your backend")?;
    let base_url = std::env::var("CARTESIA_BASE_URL")
        .unwrap_or_else(|_| cartesia_api::v_NEWEST::DEFAULT_BASE_URL.to_owned());
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Spoken with a short-lived token.".to_owned());
    let client = client(&base_url, Backend { token_url })?;
    let audio = run(&client, &text).await?;
    eprintln!("received {} bytes of 24 kHz audio", audio.len());
    Ok(())
}
