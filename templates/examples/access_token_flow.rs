//! The access-token flow: a small server holds the API key and mints short-lived tokens; an
//! untrusted client holds no key, only a `TokenProvider` that asks that server for a token when it
//! needs one, and uses it for text to speech.
//!
//! `CARTESIA_API_KEY=... cargo run --example access_token_flow`

use std::net::SocketAddr;
use std::time::Duration;

use cartesia_api::v_NEWEST::{
    Client, OutputFormat, RawEncoding, RawOutputFormat, TokenGrant, TokenRequest, TtsRequest,
    TtsRequestVoiceSpecifier,
};
use cartesia_api::{AccessToken, TokenProvider};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How long a minted token lives.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// The token server: answers every HTTP request on `listener` with a fresh TTS-only token,
/// `{"token": "..."}`, minted with the API key `server` holds. Runs until the task is dropped.
pub(crate) async fn serve_tokens(listener: TcpListener, server: Client) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        let server = server.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let grant = TokenRequest::new()
                .grants(TokenGrant::new().tts(true))
                .expires_in(TOKEN_LIFETIME.as_secs() as i64);
            let (status, body) = match server.auth().access_token(&grant).await {
                Ok(token) => (
                    "200 OK",
                    serde_json::json!({"token": token.token.expose()}).to_string(),
                ),
                Err(error) => (
                    "502 Bad Gateway",
                    serde_json::json!({"error": error.to_string()}).to_string(),
                ),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}

/// The untrusted side: a client whose only credential comes from the token server at `tokens`.
pub(crate) fn untrusted_client(
    base_url: &str,
    tokens: SocketAddr,
) -> Result<Client, cartesia_api::Error> {
    let provider = TokenProvider::new(move || async move {
        let url = format!("http://{tokens}/token");
        let reply: serde_json::Value = reqwest::get(url).await?.error_for_status()?.json().await?;
        let token = reply["token"]
            .as_str()
            .ok_or("the token server sent no token")?;
        Ok(AccessToken::new(token, Some(TOKEN_LIFETIME)))
    });
    Client::builder()
        .base_url(base_url)
        .token_provider(provider)
        .build()
}

/// Speaks `text` with the untrusted client; returns the audio.
pub(crate) async fn speak(client: &Client, text: &str) -> Result<Vec<u8>, cartesia_api::Error> {
    let request = TtsRequest::new(
        "sonic-2",
        text,
        TtsRequestVoiceSpecifier::new("a0e99841-438c-4a64-b679-ae501e7d6091"),
        OutputFormat::Raw(RawOutputFormat::new(RawEncoding::PcmS16le, 16000)),
    );
    Ok(client.tts().bytes(&request).await?.bytes().await?.to_vec())
}

#[tokio::main]
#[allow(
    dead_code,
    reason = "the tests call the functions above and leave `main`"
)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Client::from_env()?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let tokens = listener.local_addr()?;
    tokio::spawn(serve_tokens(listener, server));
    let base_url = std::env::var("CARTESIA_BASE_URL")
        .unwrap_or_else(|_| cartesia_api::v_NEWEST::DEFAULT_BASE_URL.to_owned());
    let client = untrusted_client(&base_url, tokens)?;
    let audio = speak(&client, "Spoken with a short-lived token.").await?;
    eprintln!("received {} bytes of audio", audio.len());
    Ok(())
}
