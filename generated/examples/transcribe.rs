// Copied by `cargo xtask generate` from templates/examples/transcribe.rs; edit the template, not this file.
//! Speech to text: uploads an audio file and prints the transcript with word timings.
//!
//! `CARTESIA_API_KEY=... cargo run --example transcribe -- call.wav`

use std::path::Path;

use cartesia_api::v2026_03_01::{
    Client, SttTranscribeBody, TimestampGranularity, TranscriptionResponse,
};
use cartesia_api::{Error, FilePart};

/// Transcribes the audio file at `path` with word-level timestamps.
pub(crate) async fn run(client: &Client, path: &Path) -> Result<TranscriptionResponse, Error> {
    let body = SttTranscribeBody::new(FilePart::from_path(path).await?, "ink-whisper")
        .timestamp_granularities(vec![TimestampGranularity::Word]);
    client.stt().transcribe(body).await
}

#[tokio::main]
#[allow(dead_code, reason = "the tests call `run` and leave `main`")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: transcribe <audio file>")?;
    let client = Client::from_env()?;
    let transcript = run(&client, Path::new(&path)).await?;
    eprintln!("{}", transcript.text);
    for word in transcript.words.unwrap_or_default() {
        eprintln!("{:>8.2}s {:>8.2}s  {}", word.start, word.end, word.word);
    }
    Ok(())
}
