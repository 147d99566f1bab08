// Copied by `cargo xtask generate` from templates/benches/websocket.rs; edit the template, not this file.
//! What the WebSocket router costs: the latency it adds between a frame's arrival and the typed
//! event's delivery to its context, and the events per second it delivers to 32 contexts sharing
//! one socket, each against bare tokio-tungstenite clients reading the same frames in the same run
//! from the same loopback server.
//!
//! `cargo bench -p cartesia-api --bench websocket` (`WS_BENCH_SAMPLES=n` latency samples,
//! `WS_BENCH_ROUNDS=n` throughput rounds)
//!
//! Latency is measured one frame at a time (the server writes the next frame only once the last
//! was delivered), from just before the server's write to the moment the reader has the event:
//! for the binding, the `TtsWebsocketEvent` yielded by its context; for the bare clients, the
//! frame (and, in the second one, the frame decoded into a `TtsWebsocketEvent` as the binding
//! does). The three take turns frame by frame, so that load on the machine falls on all three.
//! The added latency is the difference of the percentiles (binding p99 - bare p99, ...).
//! Throughput: the server writes every frame as fast as it can, round-robin over the contexts;
//! the three readers take turns for several rounds, and the median and best rounds are shown.

use std::error::Error;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cartesia_api::WsConfig;
use cartesia_api::v2026_03_01::websockets::{TtsWebsocket, TtsWebsocketEvent};
use cartesia_api::v2026_03_01::{
    Client, GenerationRequest, RawEncoding, TtsRequestVoiceSpecifier, WebSocketRawOutputFormat,
};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

type Result<T, E = Box<dyn Error + Send + Sync>> = std::result::Result<T, E>;
type Socket = WebSocketStream<TcpStream>;

/// Latency samples per client, after the warm-up.
const SAMPLES: usize = 5_000;
const WARMUP: usize = 500;
/// Contexts sharing the socket in the throughput run, and the chunks each receives.
const CONTEXTS: usize = 32;
const CHUNKS_PER_CONTEXT: usize = 1_000;
/// 100 ms of 24 kHz 16-bit mono audio, as in a real chunk.
const AUDIO_BYTES: usize = 4_800;
/// Frames the server writes before flushing, in the throughput run.
const BATCH: usize = 32;
/// Throughput rounds per reader.
const ROUNDS: usize = 5;

fn main() -> Result<()> {
    let setting = |name: &str, default: usize| match std::env::var(name) {
        Ok(text) => text.parse::<usize>().map(|n| n.max(1)),
        Err(_) => Ok(default),
    };
    let samples = setting("WS_BENCH_SAMPLES", SAMPLES)?;
    let rounds = setting("WS_BENCH_ROUNDS", ROUNDS)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(samples, rounds))
}

/// Who reads the frames in the latency run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Binding,
    Bare,
    BareDecoding,
}

const READERS: [Reader; 3] = [Reader::Binding, Reader::Bare, Reader::BareDecoding];

async fn run(samples: usize, rounds: usize) -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let accepting = tokio::spawn(async move {
        let mut sockets = Vec::new();
        for _ in READERS {
            let (tcp, _) = listener.accept().await?;
            tcp.set_nodelay(true)?;
            sockets.push(tokio_tungstenite::accept_async(tcp).await?);
        }
        Ok::<_, Box<dyn Error + Send + Sync>>(sockets)
    });
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .api_key("sk_car_bench")
        .build()?;
    // No pings or idle timeouts to disturb the run; room for every frame of a slow context.
    let config = WsConfig::new()
        .ping_interval(None)
        .idle_timeout(None)
        .context_idle_timeout(None)
        .context_buffer(1 << 30);
    let ws = client.tts().websocket().config(config).await?;
    let bare = connect_bare(addr).await?;
    let bare_decoding = connect_bare(addr).await?;
    let mut server = accepting.await??;

    let latency = measure_latency(&ws, bare, bare_decoding, &mut server, samples).await?;
    let (mut bare, mut bare_decoding) = (latency.bare, latency.bare_decoding);
    let mut times: [Vec<Duration>; 3] = Default::default();
    for round in 0..rounds {
        times[0].push(throughput_routed(&ws, &mut server[0], round).await?);
        let (socket, read) = throughput_bare(bare, &mut server[1], false).await?;
        bare = socket;
        times[1].push(read);
        let (socket, decoded) = throughput_bare(bare_decoding, &mut server[2], true).await?;
        bare_decoding = socket;
        times[2].push(decoded);
    }

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "WebSocket router, loopback, {} B chunk frames ({} B of audio)",
        chunk("latency").len(),
        AUDIO_BYTES
    )?;
    writeln!(
        out,
        "\nlatency, server write -> reader has it, {} samples each (microseconds)",
        latency.samples[0].len()
    )?;
    writeln!(
        out,
        "{:<40} {:>9} {:>9} {:>9} {:>9}",
        "", "p50", "p90", "p99", "max"
    )?;
    let rows = READERS.map(|reader| percentiles(&latency.samples[reader as usize]));
    let names = [
        "binding: context yields the typed event",
        "bare tokio-tungstenite: frame read",
        "bare: frame read and decoded",
    ];
    for (name, row) in names.iter().zip(&rows) {
        writeln!(out, "{}", table_row(name, row))?;
    }
    let added = |base: &[Duration; 4]| -> [f64; 3] {
        std::array::from_fn(|i| micros(rows[0][i]) - micros(base[i]))
    };
    writeln!(
        out,
        "{}",
        difference_row("added vs frame read (p50, p90, p99)", &added(&rows[1]))
    )?;
    writeln!(
        out,
        "{}",
        difference_row("added vs read and decoded", &added(&rows[2]))
    )?;
    let events = CONTEXTS * (CHUNKS_PER_CONTEXT + 1);
    writeln!(
        out,
        "\nthroughput, {events} events over one socket per round, {rounds} rounds (events/s)"
    )?;
    writeln!(out, "{:<40} {:>9} {:>9}", "", "median", "best")?;
    let names = [
        format!("binding: {CONTEXTS} contexts, typed events"),
        "bare: frames read".to_owned(),
        "bare: frames read and decoded".to_owned(),
    ];
    for (name, mut times) in names.iter().zip(times) {
        times.sort_unstable();
        let rate = |elapsed: Duration| events as f64 / elapsed.as_secs_f64();
        writeln!(
            out,
            "{name:<40} {:>9.0} {:>9.0}",
            rate(times[times.len() / 2]),
            rate(times[0])
        )?;
    }
    Ok(())
}

/// Opens the context `id` of `ws` (the server sends without waiting for input).
fn open_context(ws: &TtsWebsocket, id: &str) -> Result<cartesia_api::WsContext<TtsWebsocketEvent>> {
    let template = GenerationRequest::new(
        "sonic-2",
        TtsRequestVoiceSpecifier::new("a0e99841-438c-4a64-b679-ae501e7d6091"),
        WebSocketRawOutputFormat::new(RawEncoding::PcmS16le, 24_000),
    );
    Ok(ws.context_with_id(id, template)?)
}

async fn connect_bare(addr: SocketAddr) -> Result<Socket> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (socket, _) =
        tokio_tungstenite::client_async(format!("ws://{addr}/tts/websocket"), tcp).await?;
    Ok(socket)
}

/// A chunk of audio for the context `id`, as the TTS server sends it.
fn chunk(id: &str) -> String {
    use base64::Engine as _;
    let audio: Vec<u8> = (0..AUDIO_BYTES).map(|i| (i * 7 % 251) as u8).collect();
    json!({
        "type": "chunk",
        "data": base64::engine::general_purpose::STANDARD.encode(audio),
        "done": false,
        "status_code": 206,
        "step_time": 12.5,
        "context_id": id,
    })
    .to_string()
}

fn done(id: &str) -> String {
    json!({"type": "done", "done": true, "status_code": 200, "context_id": id}).to_string()
}

struct Latency {
    /// Per [`Reader`], in its order.
    samples: [Vec<Duration>; 3],
    bare: Socket,
    bare_decoding: Socket,
}

async fn measure_latency(
    ws: &TtsWebsocket,
    bare: Socket,
    bare_decoding: Socket,
    server: &mut [Socket],
    samples: usize,
) -> Result<Latency> {
    let frames = WARMUP + samples;
    let (ack, mut acks) = mpsc::unbounded_channel::<(Reader, Instant)>();
    let context = open_context(ws, "latency")?;
    let binding = tokio::spawn({
        let ack = ack.clone();
        async move {
            let mut context = context;
            for _ in 0..frames {
                match context.next().await {
                    Some(Ok(TtsWebsocketEvent::ChunkResponse(_))) => {
                        let _ = ack.send((Reader::Binding, Instant::now()));
                    }
                    other => return Err(format!("expected a chunk, got {other:?}")),
                }
            }
            Ok(())
        }
    });
    let bare_reader = |reader: Reader, mut socket: Socket| {
        let ack = ack.clone();
        tokio::spawn(async move {
            for _ in 0..frames {
                let Some(Ok(Message::Text(text))) = socket.next().await else {
                    return Err("expected a text frame".to_owned());
                };
                if reader == Reader::BareDecoding {
                    match serde_json::from_str(&text) {
                        Ok(TtsWebsocketEvent::ChunkResponse(_)) => {}
                        other => return Err(format!("expected a chunk, got {other:?}")),
                    }
                }
                let _ = ack.send((reader, Instant::now()));
            }
            Ok(socket)
        })
    };
    let bare = bare_reader(Reader::Bare, bare);
    let bare_decoding = bare_reader(Reader::BareDecoding, bare_decoding);
    drop(ack);

    let frame = Message::text(chunk("latency"));
    let mut out: [Vec<Duration>; 3] = Default::default();
    for i in 0..frames {
        // Each reader goes first, second and third in turn.
        for turn in 0..READERS.len() {
            let reader = READERS[(i + turn) % READERS.len()];
            let start = Instant::now();
            server[reader as usize].send(frame.clone()).await?;
            let (from, end) = acks.recv().await.ok_or("a reader stopped")?;
            if from != reader {
                return Err(format!("{reader:?} wrote, {from:?} answered").into());
            }
            if i >= WARMUP {
                out[reader as usize].push(end - start);
            }
        }
    }
    binding.await??;
    Ok(Latency {
        samples: out,
        bare: bare.await??,
        bare_decoding: bare_decoding.await??,
    })
}

/// The time to deliver every frame to [`CONTEXTS`] contexts of `ws`, each in its own task.
async fn throughput_routed(
    ws: &TtsWebsocket,
    server: &mut Socket,
    round: usize,
) -> Result<Duration> {
    let mut readers = Vec::new();
    let mut frames = Vec::new();
    for j in 0..CONTEXTS {
        let id = format!("r{round}t{j}");
        let mut context = open_context(ws, &id)?;
        readers.push(tokio::spawn(async move {
            let mut events = 0;
            while let Some(event) = context.next().await {
                event.map_err(|e| e.to_string())?;
                events += 1;
            }
            Ok::<_, String>(events)
        }));
        frames.push((Message::text(chunk(&id)), Message::text(done(&id))));
    }
    let start = Instant::now();
    write_all(server, &frames).await?;
    for reader in readers {
        let events = reader.await??;
        if events != CHUNKS_PER_CONTEXT + 1 {
            return Err(format!("a context received {events} events").into());
        }
    }
    Ok(start.elapsed())
}

/// The time for one bare reader to read (and decode, if `decode`) the same frames.
async fn throughput_bare(
    mut socket: Socket,
    server: &mut Socket,
    decode: bool,
) -> Result<(Socket, Duration)> {
    let frames: Vec<_> = (0..CONTEXTS)
        .map(|j| {
            let id = format!("t{j}");
            (Message::text(chunk(&id)), Message::text(done(&id)))
        })
        .collect();
    let reader = tokio::spawn(async move {
        for _ in 0..CONTEXTS * (CHUNKS_PER_CONTEXT + 1) {
            let Some(Ok(Message::Text(text))) = socket.next().await else {
                return Err("expected a text frame".to_owned());
            };
            if decode {
                serde_json::from_str::<TtsWebsocketEvent>(&text).map_err(|e| e.to_string())?;
            }
        }
        Ok(socket)
    });
    let start = Instant::now();
    write_all(server, &frames).await?;
    let socket = reader.await??;
    Ok((socket, start.elapsed()))
}

/// Writes every context's chunks round-robin, then each one's `done`.
async fn write_all(server: &mut Socket, frames: &[(Message, Message)]) -> Result<()> {
    let mut written = 0;
    for _ in 0..CHUNKS_PER_CONTEXT {
        for (chunk, _) in frames {
            server.feed(chunk.clone()).await?;
            written += 1;
            if written % BATCH == 0 {
                server.flush().await?;
            }
        }
    }
    for (_, done) in frames {
        server.feed(done.clone()).await?;
    }
    server.flush().await?;
    Ok(())
}

/// p50, p90, p99 and the maximum.
fn percentiles(samples: &[Duration]) -> [Duration; 4] {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let at = |q: f64| {
        let last = sorted.len().saturating_sub(1);
        sorted
            .get((last as f64 * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    [at(0.5), at(0.9), at(0.99), at(1.0)]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn table_row(name: &str, row: &[Duration; 4]) -> String {
    difference_row(name, &row.map(micros))
}

fn difference_row(name: &str, row: &[f64]) -> String {
    row.iter().fold(format!("{name:<40}"), |line, value| {
        line + &format!(" {value:>9.1}")
    })
}
