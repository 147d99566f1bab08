// Copied by `cargo xtask generate` from templates/src/runtime/ws/config.rs; edit the template, not this file.
//! [`WsConfig`]: the limits and timers of a WebSocket connection, with
//! their defaults.

use std::time::Duration;

/// The limits and timers of a WebSocket connection.
///
/// The defaults suit real-time speech: a ping every 15 seconds, a
/// connection that has received nothing (not even a pong) for 45 seconds is
/// dead, messages up to 16 MiB, each multiplexed context buffers up to
/// 16 MiB of unread messages and fails after 60 seconds without a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WsConfig {
    pub(super) connect_timeout: Option<Duration>,
    pub(super) ping_interval: Option<Duration>,
    pub(super) idle_timeout: Option<Duration>,
    pub(super) max_message_size: usize,
    pub(super) context_buffer: usize,
    pub(super) context_idle_timeout: Option<Duration>,
    pub(super) stream_buffer: usize,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            connect_timeout: None,
            ping_interval: Some(Duration::from_secs(15)),
            idle_timeout: Some(Duration::from_secs(45)),
            max_message_size: 16 << 20,
            context_buffer: 16 << 20,
            context_idle_timeout: Some(Duration::from_secs(60)),
            stream_buffer: 64,
        }
    }
}

impl WsConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits the time to connect, set up TLS and complete the handshake;
    /// by default the client's connect timeout (10 seconds unless set).
    /// Exceeding it is an [`Error::Timeout`](crate::runtime::Error::Timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends a ping this often (`None`: never), so that proxies keep the
    /// connection open and the server's pongs show it is alive.
    pub fn ping_interval(mut self, interval: Option<Duration>) -> Self {
        self.ping_interval = interval;
        self
    }

    /// Fails the connection with
    /// [`Error::Idle`](crate::runtime::Error::Idle) when no frame (message,
    /// ping or pong) has arrived for this long (`None`: never). Time spent
    /// waiting for the caller to read a full single-stream buffer does not
    /// count.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The largest message (and frame) accepted from the server, in bytes;
    /// a larger one fails the connection.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// How many bytes of received, unread messages one multiplexed context
    /// may hold. When a message would exceed it, the context fails with
    /// [`Error::Overflow`](crate::runtime::Error::Overflow) and is cancelled;
    /// the other contexts go on. A message arriving at an empty queue is
    /// always accepted.
    pub fn context_buffer(mut self, bytes: usize) -> Self {
        self.context_buffer = bytes;
        self
    }

    /// Fails a multiplexed context with
    /// [`Error::Idle`](crate::runtime::Error::Idle) when it has neither
    /// received nor sent a message for this long while its stream is being
    /// read (`None`: never), and cancels it.
    pub fn context_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.context_idle_timeout = timeout;
        self
    }

    /// How many received messages a single-stream socket holds before it
    /// stops reading from the network until the caller catches up
    /// (backpressure); at least 1.
    pub fn stream_buffer(mut self, messages: usize) -> Self {
        self.stream_buffer = messages.max(1);
        self
    }
}
