//! Real-time speech to text: streams a WAV file over the STT WebSocket at the pace of speech
//! (100 ms of audio every 100 ms), then asks for the last words and prints the final transcripts
//! as they arrive.
//!
//! `CARTESIA_API_KEY=... cargo run --example transcribe_realtime -- call.wav`
//! (mono 16-bit or 32-bit PCM, 32-bit float, mu-law or A-law; `CARTESIA_BASE_URL` points it at
//! another server).

use std::path::Path;
use std::time::Duration;

use cartesia_api::v_NEWEST::websockets::SttWebsocketEvent;
use cartesia_api::v_NEWEST::{Client, SttEncoding};
use futures_util::StreamExt as _;

/// What `run` may fail with: a file that is not a WAV file we can stream, or the client's errors
/// (an error message from the server among them).
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How much audio each binary frame carries.
pub(crate) const CHUNK: Duration = Duration::from_millis(100);

/// The audio of a WAV file, as the STT WebSocket takes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wav {
    pub(crate) encoding: SttEncoding,
    pub(crate) sample_rate: u32,
    /// Bytes per sample frame (one sample: the file is mono).
    pub(crate) block_align: u16,
    /// The samples, as in the file.
    pub(crate) data: Vec<u8>,
}

impl Wav {
    /// The bytes of `duration` of audio, rounded down to whole samples (at least one).
    pub(crate) fn bytes_per(&self, duration: Duration) -> usize {
        let samples = (u128::from(self.sample_rate) * duration.as_micros() / 1_000_000).max(1);
        usize::try_from(samples).unwrap_or(usize::MAX) * usize::from(self.block_align)
    }
}

/// Reads a WAV (RIFF/WAVE) file's format and samples.
pub(crate) fn parse_wav(file: &[u8]) -> Result<Wav, String> {
    if file.len() < 12 || &file[0..4] != b"RIFF" || &file[8..12] != b"WAVE" {
        return Err("not a WAV file: it does not start with `RIFF....WAVE`".to_owned());
    }
    let mut rest = &file[12..];
    let mut format = None;
    while rest.len() >= 8 {
        let id = &rest[0..4];
        let declared = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let body = &rest[8..];
        // Writers that stream may leave the size of the data chunk unknown (0 or 0xFFFFFFFF).
        let size = match usize::try_from(declared) {
            Ok(size) if size <= body.len() && !(id == b"data" && size == 0) => size,
            _ if id == b"data" => body.len(),
            _ => {
                return Err(format!(
                    "the `{}` chunk declares {declared} bytes, more than the file holds",
                    String::from_utf8_lossy(id)
                ));
            }
        };
        let chunk = &body[..size];
        match id {
            b"fmt " => format = Some(parse_format(chunk)?),
            b"data" => {
                let (encoding, sample_rate, block_align) =
                    format.ok_or("the `data` chunk comes before the `fmt ` chunk")?;
                let whole = chunk.len() - chunk.len() % usize::from(block_align);
                return Ok(Wav {
                    encoding,
                    sample_rate,
                    block_align,
                    data: chunk[..whole].to_vec(),
                });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        rest = body.get(size + size % 2..).unwrap_or_default();
    }
    Err("no `data` chunk".to_owned())
}

/// The encoding, sample rate and block size a `fmt ` chunk describes.
fn parse_format(chunk: &[u8]) -> Result<(SttEncoding, u32, u16), String> {
    if chunk.len() < 16 {
        return Err(format!(
            "the `fmt ` chunk has {} bytes, fewer than 16",
            chunk.len()
        ));
    }
    let u16_at = |at: usize| u16::from_le_bytes([chunk[at], chunk[at + 1]]);
    let mut tag = u16_at(0);
    let channels = u16_at(2);
    let sample_rate = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
    let block_align = u16_at(12);
    let bits = u16_at(14);
    // WAVE_FORMAT_EXTENSIBLE: the format is the first two bytes of the sub-format GUID.
    if tag == 0xFFFE && chunk.len() >= 26 {
        tag = u16_at(24);
    }
    if channels != 1 {
        return Err(format!(
            "the file has {channels} channels; the real-time API takes mono audio"
        ));
    }
    let encoding = match (tag, bits) {
        (1, 16) => SttEncoding::PcmS16le,
        (1, 32) => SttEncoding::PcmS32le,
        (3, 16) => SttEncoding::PcmF16le,
        (3, 32) => SttEncoding::PcmF32le,
        (6, 8) => SttEncoding::PcmAlaw,
        (7, 8) => SttEncoding::PcmMulaw,
        _ => {
            return Err(format!(
                "format {tag} with {bits}-bit samples is not one the real-time API takes \
                 (16 or 32-bit PCM, 16 or 32-bit float, 8-bit A-law or mu-law)"
            ));
        }
    };
    if sample_rate == 0 || block_align != bits / 8 {
        return Err(format!(
            "inconsistent format: {sample_rate} Hz, {block_align}-byte blocks of {bits}-bit samples"
        ));
    }
    Ok((encoding, sample_rate, block_align))
}

/// Transcribes the WAV file at `path` in real time, `speed` times faster than real time (1 for
/// live audio); calls `on_final` with each final transcript as it arrives and returns them all.
pub(crate) async fn run(
    client: &Client,
    path: &Path,
    speed: u32,
    mut on_final: impl FnMut(&str),
) -> Result<Vec<String>, BoxError> {
    let wav = parse_wav(&tokio::fs::read(path).await?)
        .map_err(|reason| format!("{}: {reason}", path.display()))?;
    let mut session = client
        .stt()
        .websocket("ink-whisper", wav.encoding.clone(), wav.sample_rate.into())
        .await?;
    let sender = session.sender();
    // Sending in its own task, so that transcripts are read while the audio goes out.
    let sending = tokio::spawn(async move {
        let chunk = wav.bytes_per(CHUNK);
        let every = CHUNK / speed.max(1);
        let start = tokio::time::Instant::now();
        for (n, audio) in (0u32..).zip(wav.data.chunks(chunk)) {
            tokio::time::sleep_until(start + every * n).await;
            sender.send_audio(audio.to_vec()).await?;
        }
        // Transcribe what is buffered, then end the session.
        sender.finalize().await?;
        sender.done().await
    });
    let mut finals = Vec::new();
    while let Some(event) = session.next().await {
        let event = event.inspect_err(|_| sending.abort())?;
        if let SttWebsocketEvent::SttTranscriptResponse(transcript) = event
            && transcript.is_final
        {
            on_final(&transcript.text);
            finals.push(transcript.text);
        }
    }
    sending.await??;
    Ok(finals)
}

#[tokio::main]
#[allow(
    dead_code,
    reason = "the tests call the functions above and leave `main`"
)]
async fn main() -> Result<(), BoxError> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: transcribe_realtime <file.wav>")?;
    let client = Client::from_env()?;
    run(&client, Path::new(&path), 1, |text| eprintln!("{text}")).await?;
    Ok(())
}
