//! A voice agent's reply, spoken while it is being written: the pieces of text a language model
//! streams go into one TTS WebSocket context as they arrive (one voice, one prosody across them),
//! and the audio is written to a WAV file as it comes back.
//!
//! `CARTESIA_API_KEY=... cargo run --example speak_stream -- "Sure! Your table for two is booked." reply.wav`
//! (the words of the text stand in for a model's pieces; `CARTESIA_BASE_URL` points it at another
//! server).

use std::io::SeekFrom;
use std::path::Path;
use std::time::Duration;

use cartesia_api::Error;
use cartesia_api::v_NEWEST::{
    Client, GenerationRequest, RawEncoding, SupportedLanguage, TtsRequestVoiceSpecifier,
    WebSocketRawOutputFormat,
};
use futures_util::{Stream, StreamExt as _};
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

/// A voice from Cartesia's library.
pub(crate) const VOICE: &str = "a0e99841-438c-4a64-b679-ae501e7d6091";
/// The audio's sample rate: 16-bit mono PCM at 24 kHz.
pub(crate) const SAMPLE_RATE: u32 = 24_000;

/// Speaks the pieces of text as they arrive into a WAV file at `path`; returns the bytes of
/// audio written (the file has a 44-byte header before them).
pub(crate) async fn run(
    client: &Client,
    pieces: impl Stream<Item = String>,
    path: &Path,
) -> Result<u64, Error> {
    let ws = client.tts().websocket().await?;
    let context = ws.context(
        GenerationRequest::new(
            "sonic-2",
            TtsRequestVoiceSpecifier::new(VOICE),
            WebSocketRawOutputFormat::new(RawEncoding::PcmS16le, i64::from(SAMPLE_RATE)),
        )
        .language(SupportedLanguage::En),
    )?;
    let input = context.input().clone();
    let mut audio = context.audio();

    // Text goes out while audio comes in: the first words are spoken before the last arrive.
    let speak = async {
        let mut pieces = std::pin::pin!(pieces);
        while let Some(piece) = pieces.next().await {
            input.push(piece).await?;
        }
        input.finish().await
    };
    let write = async {
        let mut file = tokio::fs::File::create(path).await.map_err(Error::Io)?;
        file.write_all(&wav_header(0)).await.map_err(Error::Io)?;
        let mut written = 0u64;
        while let Some(chunk) = audio.next().await {
            let chunk = chunk?;
            file.write_all(&chunk).await.map_err(Error::Io)?;
            written += chunk.len() as u64;
        }
        // Now that the length is known, the header says it.
        let length = u32::try_from(written).unwrap_or(u32::MAX);
        file.seek(SeekFrom::Start(0)).await.map_err(Error::Io)?;
        file.write_all(&wav_header(length))
            .await
            .map_err(Error::Io)?;
        file.sync_all().await.map_err(Error::Io)?;
        Ok(written)
    };
    let ((), written) = tokio::try_join!(speak, write)?;
    ws.close().await;
    Ok(written)
}

/// The header of a WAV file of `length` bytes of 16-bit mono PCM at [`SAMPLE_RATE`].
pub(crate) fn wav_header(length: u32) -> [u8; 44] {
    let mut header = [0u8; 44];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        header[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"RIFF");
    put(&length.saturating_add(36).to_le_bytes());
    put(b"WAVEfmt ");
    put(&16u32.to_le_bytes());
    put(&1u16.to_le_bytes()); // PCM
    put(&1u16.to_le_bytes()); // mono
    put(&SAMPLE_RATE.to_le_bytes());
    put(&(SAMPLE_RATE * 2).to_le_bytes()); // bytes per second
    put(&2u16.to_le_bytes()); // bytes per sample
    put(&16u16.to_le_bytes()); // bits per sample
    put(b"data");
    put(&length.to_le_bytes());
    header
}

#[tokio::main]
#[allow(
    dead_code,
    reason = "the tests call the functions above and leave `main`"
)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let text = args
        .next()
        .unwrap_or_else(|| "Sure! Your table for two is booked for eight tonight.".to_owned());
    let path = args.next().unwrap_or_else(|| "reply.wav".to_owned());
    // A language model's stream, played by the text's words arriving 80 ms apart.
    let words: Vec<String> = text.split_inclusive(' ').map(str::to_owned).collect();
    let pieces = futures_util::stream::iter(words).then(|word| async move {
        tokio::time::sleep(Duration::from_millis(80)).await;
        word
    });
    let client = Client::from_env()?;
    let written = run(&client, pieces, Path::new(&path)).await?;
    eprintln!("wrote {written} bytes of audio to {path}");
    Ok(())
}
