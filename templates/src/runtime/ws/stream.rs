//! One stream of messages over a WebSocket connection (speech-to-text
//! style): [`WsSession`] yields the decoded messages, [`WsSender`] sends
//! binary and text frames and pipes audio from a reader or a stream.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::super::error::Error;
use super::conn::{self, COMMAND_QUEUE, Command, End, EndCell, Handler, RawMessage};
use super::connect::Handshake;

/// How a binding reads the messages of a single-stream connection whose
/// messages decode into `T`.
pub(crate) struct StreamProtocol<T> {
    /// Whether a received message is the last one (`type: "done"`, an
    /// error).
    pub(crate) is_terminal: fn(&Value) -> bool,
    /// Wraps a message that does not decode as `T`.
    pub(crate) raw: fn(RawMessage) -> T,
}

impl<T> Clone for StreamProtocol<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for StreamProtocol<T> {}

impl Handshake<'_> {
    /// Opens a connection carrying one stream of messages.
    pub(crate) async fn single_stream<T>(
        self,
        protocol: StreamProtocol<T>,
    ) -> Result<WsSession<T>, Error> {
        let (socket, config) = self.open().await?;
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (control, control_rx) = mpsc::unbounded_channel();
        let (messages, received) = mpsc::channel(config.stream_buffer);
        let end = Arc::new(EndCell::default());
        let forward = Forward {
            messages,
            _control: control,
        };
        conn::spawn(
            socket,
            config,
            command_rx,
            control_rx,
            Arc::clone(&end),
            forward,
        );
        Ok(WsSession {
            received,
            sender: WsSender {
                commands,
                end,
                kind: PhantomData,
            },
            protocol,
            finished: false,
        })
    }
}

/// The connection task's side: queues each message, waiting while the
/// queue is full.
struct Forward {
    messages: mpsc::Sender<RawMessage>,
    /// Kept so that the task's control channel stays open.
    _control: mpsc::UnboundedSender<Message>,
}

impl Handler for Forward {
    async fn message(&mut self, message: RawMessage) {
        // The session may be gone; its sender then closes the connection.
        let _ = self.messages.send(message).await;
    }

    fn ended(&mut self, _end: Result<(), End>) {
        // Dropping the task's handler closes the queue; the session then
        // reads how the connection ended from the shared cell.
    }
}

/// A WebSocket connection carrying one stream of messages, decoded into
/// `T`, and the frames the caller sends (see [`WsSession::sender`]).
///
/// The stream yields the terminal message and ends; it also ends after a
/// normal close following the caller's last message
/// ([`WsSender`]'s end of input). A close with an error code, a failure
/// or an idle connection is its last item, an error. A message that does
/// not decode as `T` is yielded as the binding's raw variant. When the
/// caller reads too slowly, the connection stops reading from the network
/// (backpressure), and sending waits too: read the session in another task
/// than the one sending. Dropping the session and every sender closes the
/// connection.
pub struct WsSession<T> {
    received: mpsc::Receiver<RawMessage>,
    sender: WsSender<T>,
    protocol: StreamProtocol<T>,
    finished: bool,
}

impl<T> WsSession<T> {
    /// A handle for sending, to move into another task while this one
    /// reads.
    pub fn sender(&self) -> WsSender<T> {
        self.sender.clone()
    }
}

impl<T: DeserializeOwned> Stream for WsSession<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        match this.received.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(message)) => {
                let (decoded, terminal) = decode(message, this.protocol);
                this.finished = terminal;
                Poll::Ready(Some(Ok(decoded)))
            }
            Poll::Ready(None) => {
                this.finished = true;
                match this.sender.end.get() {
                    Some(Ok(())) => Poll::Ready(None),
                    Some(Err(end)) => Poll::Ready(Some(Err(end.error()))),
                    None => Poll::Ready(Some(Err(this.sender.end.send_error()))),
                }
            }
        }
    }
}

/// Decodes a message, and tells whether it is the terminal one.
fn decode<T: DeserializeOwned>(message: RawMessage, protocol: StreamProtocol<T>) -> (T, bool) {
    let RawMessage::Text(text) = message else {
        return ((protocol.raw)(message), false);
    };
    let Ok(value) = serde_json::from_str::<Value>(&text) else {
        return ((protocol.raw)(RawMessage::Text(text)), false);
    };
    let terminal = (protocol.is_terminal)(&value);
    match serde_json::from_value(value) {
        Ok(decoded) => (decoded, terminal),
        Err(_) => ((protocol.raw)(RawMessage::Text(text)), terminal),
    }
}

impl<T> fmt::Debug for WsSession<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsSession")
            .field("finished", &self.finished)
            .field("ended", &self.sender.end.get())
            .finish_non_exhaustive()
    }
}

/// Sends frames on a [`WsSession`]'s connection; cheap to clone.
///
/// Every send waits while the connection's send queue is full, so that a
/// producer faster than the network slows down to its pace.
pub struct WsSender<T> {
    commands: mpsc::Sender<Command>,
    end: Arc<EndCell>,
    kind: PhantomData<fn() -> T>,
}

impl<T> Clone for WsSender<T> {
    fn clone(&self) -> Self {
        Self {
            commands: self.commands.clone(),
            end: Arc::clone(&self.end),
            kind: PhantomData,
        }
    }
}

impl<T> fmt::Debug for WsSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsSender")
            .field("ended", &self.end.get())
            .finish_non_exhaustive()
    }
}

impl<T> WsSender<T> {
    async fn command(&self, command: Command) -> Result<(), Error> {
        self.commands
            .send(command)
            .await
            .map_err(|_| self.end.send_error())
    }

    /// Sends `bytes` (e.g. audio) as one binary frame.
    pub async fn send_binary(&self, bytes: impl Into<Bytes>) -> Result<(), Error> {
        self.command(Command::Send(Message::Binary(bytes.into())))
            .await
    }

    /// Sends everything `reader` yields as binary frames of at most
    /// `chunk_size` bytes each (at least 1), as it arrives, until its end;
    /// returns how many bytes were sent. Input ends only when the caller
    /// sends its last message.
    pub async fn pipe_reader<R>(&self, reader: R, chunk_size: usize) -> Result<u64, Error>
    where
        R: AsyncRead + Send,
    {
        let mut reader = std::pin::pin!(reader);
        let mut buffer = vec![0; chunk_size.max(1)];
        let mut sent = 0;
        loop {
            let read = reader.read(&mut buffer).await.map_err(Error::Io)?;
            if read == 0 {
                return Ok(sent);
            }
            self.send_binary(Bytes::copy_from_slice(&buffer[..read]))
                .await?;
            sent += read as u64;
        }
    }

    /// Sends each non-empty chunk of `chunks` as a binary frame, as it
    /// arrives; returns how many bytes were sent. An error of the stream
    /// stops it as an [`Error::Io`].
    pub async fn pipe_stream<S, E>(&self, chunks: S) -> Result<u64, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut chunks = std::pin::pin!(chunks);
        let mut sent = 0;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| Error::Io(std::io::Error::other(e)))?;
            if !chunk.is_empty() {
                sent += chunk.len() as u64;
                self.send_binary(chunk).await?;
            }
        }
        Ok(sent)
    }

    /// Sends a text frame, e.g. a command such as `finalize`.
    pub(crate) async fn send_text(&self, text: impl Into<String>) -> Result<(), Error> {
        self.command(Command::Send(Message::text(text.into())))
            .await
    }

    /// Sends `message` as JSON text.
    pub(crate) async fn send_json<M: Serialize + ?Sized>(&self, message: &M) -> Result<(), Error> {
        let text = serde_json::to_string(message).map_err(Error::Serialize)?;
        self.send_text(text).await
    }

    /// Sends the caller's last text frame (e.g. `done`): a normal close by
    /// the server after it ends the session without an error.
    pub(crate) async fn finish(&self, text: impl Into<String>) -> Result<(), Error> {
        self.command(Command::Finish(Message::text(text.into())))
            .await
    }
}
