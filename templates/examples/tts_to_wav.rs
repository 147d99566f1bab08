//! Text to speech into a WAV file, streamed to disk as the audio is generated.
//!
//! `CARTESIA_API_KEY=... cargo run --example tts_to_wav -- "Hello, world!" hello.wav`
//! (`CARTESIA_BASE_URL` points it at another server).

use std::path::Path;

use cartesia_api::Error;
use cartesia_api::v_NEWEST::{
    Client, OutputFormat, RawEncoding, SupportedLanguage, TtsRequest, TtsRequestVoiceSpecifier,
    WavOutputFormat,
};

/// A voice from Cartesia's library.
pub(crate) const VOICE: &str = "a0e99841-438c-4a64-b679-ae501e7d6091";

/// Speaks `text` into a 44.1 kHz, 16-bit WAV file at `path`; returns the bytes written.
pub(crate) async fn run(client: &Client, text: &str, path: &Path) -> Result<u64, Error> {
    let request = TtsRequest::new(
        "sonic-2",
        text,
        TtsRequestVoiceSpecifier::new(VOICE),
        OutputFormat::Wav(WavOutputFormat::new(RawEncoding::PcmS16le, 44100)),
    )
    .language(SupportedLanguage::En);
    client.tts().bytes(&request).await?.save(path).await
}

#[tokio::main]
#[allow(dead_code, reason = "the tests call `run` and leave `main`")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let text = args.next().unwrap_or_else(|| "Hello from Rust!".to_owned());
    let path = args.next().unwrap_or_else(|| "hello.wav".to_owned());
    let client = Client::from_env()?;
    let written = run(&client, &text, Path::new(&path)).await?;
    eprintln!("wrote {written} bytes to {path}");
    Ok(())
}
