// Copied by `cargo xtask generate` from templates/src/runtime/ws/conn.rs; edit the template, not this file.
//! The task that owns an open WebSocket connection: it sends the callers'
//! messages and keep-alive pings, hands each received message to a
//! [`Handler`], enforces the idle timeout and maps the close to a result.

use std::future::{Future, pending};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::super::error::Error;
use super::config::WsConfig;
use super::connect::{Socket, map_error, websocket_error};

/// How many messages callers may queue for sending before `send` waits.
pub(super) const COMMAND_QUEUE: usize = 16;

/// A data message as it arrived, for messages that do not decode into the
/// binding's type: not JSON, not the expected shape, or binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawMessage {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

/// What callers ask of the connection task.
#[derive(Debug)]
pub(super) enum Command {
    /// Send a message.
    Send(Message),
    /// Send the caller's last message; a normal close after it is the
    /// normal end of the connection.
    Finish(Message),
    /// Close the connection normally.
    Close,
}

/// Why a connection ended abnormally; cloned for every reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum End {
    /// [`Error::WebSocket`].
    WebSocket { code: Option<u16>, reason: String },
    /// [`Error::Idle`].
    Idle(Duration),
}

impl End {
    pub(super) fn error(&self) -> Error {
        match self {
            Self::WebSocket { code, reason } => Error::WebSocket {
                code: *code,
                reason: reason.clone(),
            },
            Self::Idle(after) => Error::Idle { after: *after },
        }
    }

    fn from_error(error: Error) -> Self {
        match error {
            Error::WebSocket { code, reason } => Self::WebSocket { code, reason },
            other => Self::WebSocket {
                code: None,
                reason: other.to_string(),
            },
        }
    }
}

/// How the connection ended, once it has: shared by the task and the
/// caller's handles, which report it when a send finds the task gone.
#[derive(Debug, Default)]
pub(super) struct EndCell(Mutex<Option<Result<(), End>>>);

impl EndCell {
    pub(super) fn set(&self, end: Result<(), End>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(end);
    }

    pub(super) fn get(&self) -> Option<Result<(), End>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The error for a caller whose message could not be sent because the
    /// connection has ended.
    pub(super) fn send_error(&self) -> Error {
        match self.get() {
            Some(Err(end)) => end.error(),
            _ => websocket_error("the connection is closed"),
        }
    }
}

/// Receives what arrives on a connection.
pub(super) trait Handler: Send + 'static {
    /// A text or binary message arrived. The task reads nothing more
    /// until the returned future is done (backpressure).
    fn message(&mut self, message: RawMessage) -> impl Future<Output = ()> + Send;

    /// The connection ended: `Ok` after a normal close the caller asked
    /// for or that followed its last message.
    fn ended(&mut self, end: Result<(), End>);
}

/// Starts the task owning `socket`.
pub(super) fn spawn<H: Handler>(
    socket: Socket,
    config: WsConfig,
    commands: mpsc::Receiver<Command>,
    control: mpsc::UnboundedReceiver<Message>,
    cell: Arc<EndCell>,
    mut handler: H,
) {
    tokio::spawn(async move {
        let mut task = Task {
            socket,
            config,
            finished: false,
            closing: false,
        };
        let end = task.run(commands, control, &mut handler).await;
        // Set before anything else, for the senders that find the task gone.
        cell.set(end.clone());
        handler.ended(end);
        let _ = task.socket.close(None).await;
    });
}

struct Task {
    socket: Socket,
    config: WsConfig,
    /// The caller has sent its last message or asked to close.
    finished: bool,
    /// A close frame has been sent.
    closing: bool,
}

impl Task {
    async fn run<H: Handler>(
        &mut self,
        mut commands: mpsc::Receiver<Command>,
        mut control: mpsc::UnboundedReceiver<Message>,
        handler: &mut H,
    ) -> Result<(), End> {
        let mut ping = self.config.ping_interval.map(|every| {
            let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            ticks
        });
        let idle = self.config.idle_timeout;
        let mut deadline = idle.map(|after| Instant::now() + after);
        loop {
            tokio::select! {
                frame = self.socket.next() => {
                    let frame = match frame {
                        Some(Ok(frame)) => frame,
                        Some(Err(_)) | None if self.closing => return Ok(()),
                        Some(Err(error)) => return Err(self.failure(error)),
                        None => return Err(End::WebSocket {
                            code: None,
                            reason: "connection closed without a close frame".to_owned(),
                        }),
                    };
                    match frame {
                        Message::Text(text) => {
                            handler.message(RawMessage::Text(text.as_str().to_owned())).await;
                        }
                        Message::Binary(bytes) => handler.message(RawMessage::Binary(bytes)).await,
                        Message::Close(frame) => return self.closed(frame),
                        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
                    }
                    // Counted from here: waiting for the caller is not idleness.
                    deadline = idle.map(|after| Instant::now() + after);
                }
                command = commands.recv(), if !self.closing => match command {
                    Some(Command::Send(message)) => self.send(message).await?,
                    Some(Command::Finish(message)) => {
                        self.finished = true;
                        self.send(message).await?;
                    }
                    // Asked to, or every caller's handle is gone; cancels
                    // queued meanwhile go first.
                    Some(Command::Close) | None => {
                        while let Ok(message) = control.try_recv() {
                            self.send(message).await?;
                        }
                        self.close().await?;
                    }
                },
                Some(message) = control.recv(), if !self.closing => self.send(message).await?,
                () = tick(ping.as_mut()), if !self.closing => {
                    self.send(Message::Ping(Bytes::new())).await?;
                }
                () = sleep(deadline) => {
                    return match idle {
                        Some(after) if !self.closing => Err(End::Idle(after)),
                        _ => Ok(()),
                    };
                }
            }
        }
    }

    async fn send(&mut self, message: Message) -> Result<(), End> {
        match self.socket.send(message).await {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failure(error)),
        }
    }

    async fn close(&mut self) -> Result<(), End> {
        self.finished = true;
        self.closing = true;
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        self.send(Message::Close(Some(frame))).await
    }

    /// The server's close frame: normal (code `1000`, or none: `1005`)
    /// after the caller's last message.
    fn closed(&self, frame: Option<CloseFrame>) -> Result<(), End> {
        let (code, reason) = frame.map_or((1005, String::new()), |frame| {
            (u16::from(frame.code), frame.reason.as_str().to_owned())
        });
        let normal = matches!(code, 1000 | 1005);
        if normal && self.finished {
            return Ok(());
        }
        let reason = match (normal, reason.is_empty()) {
            (true, true) => "closed before the end of input".to_owned(),
            _ => reason,
        };
        Err(End::WebSocket {
            code: Some(code),
            reason,
        })
    }

    fn failure(&self, error: tokio_tungstenite::tungstenite::Error) -> End {
        End::from_error(map_error(error, self.config.max_message_size))
    }
}

/// The next tick of an interval, or never.
async fn tick(interval: Option<&mut tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => pending().await,
    }
}

/// Waits until `deadline`, or forever.
async fn sleep(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => pending().await,
    }
}
