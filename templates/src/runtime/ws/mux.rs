//! Many concurrent contexts over one WebSocket connection (text-to-speech
//! style): [`Multiplexer`] opens contexts, the connection task routes each
//! received JSON message to its [`WsContext`] by a key the binding extracts.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future as _;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::Duration;

use futures_core::Stream;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::Message;

use super::super::error::Error;
use super::conn::{self, COMMAND_QUEUE, Command, End, EndCell, Handler, RawMessage};
use super::connect::Handshake;

/// How a binding routes the messages of a multiplexed connection whose
/// messages decode into `T`.
pub(crate) struct Routing<T> {
    /// The context a received message belongs to, e.g. its `context_id`.
    pub(crate) key: fn(&Value) -> Option<String>,
    /// Whether a received message is the last of its context (`done:
    /// true`, `type: "error"`). A terminal message without a key ends every
    /// open context.
    pub(crate) is_terminal: fn(&Value) -> bool,
    /// The message that cancels a context, given its key.
    pub(crate) cancel: fn(&str) -> Value,
    /// Wraps a message of a context that does not decode as `T`.
    pub(crate) raw: fn(RawMessage) -> T,
}

impl<T> Clone for Routing<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Routing<T> {}

impl Handshake<'_> {
    /// Opens a connection whose messages are routed to contexts.
    pub(crate) async fn multiplex<T>(self, routing: Routing<T>) -> Result<Multiplexer<T>, Error> {
        let (socket, config) = self.open().await?;
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (control, control_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            slots: Mutex::new(HashMap::new()),
            dropped: AtomicU64::new(0),
            end: Arc::new(EndCell::default()),
            control,
            cancel: routing.cancel,
            capacity: config.context_buffer,
        });
        let router = Router {
            shared: Arc::clone(&shared),
            key: routing.key,
            is_terminal: routing.is_terminal,
        };
        let cell = Arc::clone(&shared.end);
        conn::spawn(socket, config, command_rx, control_rx, cell, router);
        Ok(Multiplexer {
            shared,
            commands,
            raw: routing.raw,
            idle: config.context_idle_timeout,
            kind: PhantomData,
        })
    }
}

/// One WebSocket connection carrying many concurrent contexts, each with
/// its own stream of received messages.
///
/// Dropping it and every context closes the connection normally.
pub struct Multiplexer<T> {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    raw: fn(RawMessage) -> T,
    idle: Option<Duration>,
    kind: PhantomData<fn() -> T>,
}

impl<T> Multiplexer<T> {
    /// Opens the context `id`: its messages are queued for the returned
    /// handle from now on.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if a context `id` is open already; the
    /// connection's error if it has ended.
    pub fn context(&self, id: impl Into<String>) -> Result<WsContext<T>, Error> {
        let id = id.into();
        if self.shared.end.get().is_some() {
            return Err(self.shared.end.send_error());
        }
        let mut slots = self.shared.slots();
        if slots.contains_key(&id) {
            return Err(Error::Invalid {
                field: "context_id".to_owned(),
                reason: format!("a context `{id}` is open on this connection already"),
            });
        }
        let slot = Arc::new(Slot(Mutex::new(State {
            queue: VecDeque::new(),
            bytes: 0,
            done: false,
            cancelled: false,
            failure: None,
            waker: None,
            activity: Instant::now(),
        })));
        slots.insert(id.clone(), Arc::clone(&slot));
        Ok(WsContext {
            id,
            slot,
            shared: Arc::clone(&self.shared),
            commands: self.commands.clone(),
            raw: self.raw,
            idle: self.idle,
            sleep: None,
            finished: false,
        })
    }

    /// How many received messages belonged to no open context (an unknown
    /// or finished key, no key, not JSON, or binary) and were dropped.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Closes the connection normally; contexts still open end with an
    /// error.
    pub async fn close(self) {
        let _ = self.commands.send(Command::Close).await;
    }
}

impl<T> fmt::Debug for Multiplexer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multiplexer")
            .field("open_contexts", &self.shared.slots().len())
            .field("dropped", &self.dropped())
            .field("ended", &self.shared.end.get())
            .finish_non_exhaustive()
    }
}

/// What the contexts and the connection task share.
struct Shared {
    /// The open contexts by key; a context leaves when its last message is
    /// queued, it fails or its handle is dropped.
    slots: Mutex<HashMap<String, Arc<Slot>>>,
    dropped: AtomicU64,
    end: Arc<EndCell>,
    /// Cancel messages, at most one per context.
    control: mpsc::UnboundedSender<Message>,
    cancel: fn(&str) -> Value,
    /// Each context's buffer in bytes.
    capacity: usize,
}

impl Shared {
    fn slots(&self) -> MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes the context `id` if `slot` is still it.
    fn remove(&self, id: &str, slot: &Arc<Slot>) {
        let mut slots = self.slots();
        if slots.get(id).is_some_and(|open| Arc::ptr_eq(open, slot)) {
            slots.remove(id);
        }
    }

    /// Queues the cancel message of context `id`.
    fn cancel(&self, id: &str) {
        let message = (self.cancel)(id).to_string();
        let _ = self.control.send(Message::text(message));
    }
}

/// One context's queue of received messages.
struct Slot(Mutex<State>);

/// A received message: parsed once, by the router, and decoded from that
/// value; its text is kept for a message that does not decode.
struct Queued {
    text: String,
    value: Value,
}

impl Slot {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct State {
    queue: VecDeque<Queued>,
    /// The length of the queued texts (their parsed values not counted).
    bytes: usize,
    /// The terminal message is queued.
    done: bool,
    /// The cancel message has been sent.
    cancelled: bool,
    /// Reported after the queued messages.
    failure: Option<Error>,
    waker: Option<Waker>,
    /// When a message was last received, read or sent.
    activity: Instant,
}

impl State {
    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

/// The connection task's side: routes each message to its context.
struct Router {
    shared: Arc<Shared>,
    key: fn(&Value) -> Option<String>,
    is_terminal: fn(&Value) -> bool,
}

impl Router {
    fn drop_one(&self) {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
    }

    fn route(&self, text: String) {
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            return self.drop_one();
        };
        let terminal = (self.is_terminal)(&value);
        let Some(key) = (self.key)(&value) else {
            if !terminal {
                return self.drop_one();
            }
            // A connection-wide error ends every context.
            let open: Vec<_> = self.shared.slots().drain().collect();
            if open.is_empty() {
                self.drop_one();
            }
            for (_, slot) in open {
                let mut state = slot.state();
                state.bytes += text.len();
                state.queue.push_back(Queued {
                    text: text.clone(),
                    value: value.clone(),
                });
                state.done = true;
                state.wake();
            }
            return;
        };
        let Some(slot) = self.shared.slots().get(&key).cloned() else {
            return self.drop_one();
        };
        let mut state = slot.state();
        state.activity = Instant::now();
        let capacity = self.shared.capacity;
        if !state.queue.is_empty() && state.bytes + text.len() > capacity {
            state.failure = Some(Error::Overflow { capacity });
            state.cancelled = true;
            state.wake();
            drop(state);
            self.shared.remove(&key, &slot);
            self.shared.cancel(&key);
            return self.drop_one();
        }
        state.bytes += text.len();
        state.queue.push_back(Queued { text, value });
        state.done = terminal;
        state.wake();
        drop(state);
        if terminal {
            self.shared.remove(&key, &slot);
        }
    }
}

impl Handler for Router {
    async fn message(&mut self, message: RawMessage) {
        match message {
            RawMessage::Text(text) => self.route(text),
            RawMessage::Binary(_) => self.drop_one(),
        }
    }

    fn ended(&mut self, end: Result<(), End>) {
        let error = match end {
            Err(end) => end,
            Ok(()) => End::WebSocket {
                code: Some(1000),
                reason: "the connection was closed".to_owned(),
            },
        };
        for (_, slot) in self.shared.slots().drain() {
            let mut state = slot.state();
            state.failure = Some(error.error());
            // Nothing is left to cancel on a closed connection.
            state.cancelled = true;
            state.wake();
        }
    }
}

/// One context of a [`Multiplexer`]: a stream of the messages received
/// for it, decoded into `T`.
///
/// The stream ends after the context's terminal message (which it yields).
/// It yields an error and ends when the connection fails, when the context
/// stays silent for longer than its idle timeout, or when its buffer
/// overflows (then the context is cancelled); a message that does not
/// decode as `T` is yielded as the binding's raw variant. Dropping the
/// handle before the terminal message cancels the context on the server.
pub struct WsContext<T> {
    id: String,
    slot: Arc<Slot>,
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    raw: fn(RawMessage) -> T,
    idle: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
    /// The stream has yielded its last item.
    finished: bool,
}

impl<T> WsContext<T> {
    /// The context's key, e.g. its `context_id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sends `message` (which should name this context) as JSON text.
    ///
    /// Waits while the connection's send queue is full.
    pub(crate) async fn send_json<M: Serialize + ?Sized>(&self, message: &M) -> Result<(), Error> {
        let text = serde_json::to_string(message).map_err(Error::Serialize)?;
        self.slot.state().activity = Instant::now();
        self.commands
            .send(Command::Send(Message::text(text)))
            .await
            .map_err(|_| self.shared.end.send_error())
    }
}

impl<T> WsContext<T> {
    /// Sends `message` as JSON with its property `key` (e.g. `context_id`)
    /// set to this context's id, so that a message never names another
    /// context than the one it is sent on.
    pub(crate) async fn send_keyed<M: Serialize + ?Sized>(
        &self,
        key: &str,
        message: &M,
    ) -> Result<(), Error> {
        let mut value = serde_json::to_value(message).map_err(Error::Serialize)?;
        if let Value::Object(map) = &mut value {
            map.insert(key.to_owned(), Value::String(self.id.clone()));
        }
        self.send_json(&value).await
    }
}

impl<T: DeserializeOwned> Stream for WsContext<T> {
    type Item = Result<T, Error>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        let mut state = this.slot.state();
        if let Some(Queued { text, value }) = state.queue.pop_front() {
            state.bytes -= text.len();
            state.activity = Instant::now();
            drop(state);
            let decoded = serde_json::from_value(value)
                .unwrap_or_else(|_| (this.raw)(RawMessage::Text(text)));
            return Poll::Ready(Some(Ok(decoded)));
        }
        if let Some(error) = state.failure.take() {
            this.finished = true;
            return Poll::Ready(Some(Err(error)));
        }
        if state.done {
            this.finished = true;
            return Poll::Ready(None);
        }
        state.waker = Some(cx.waker().clone());
        let Some(idle) = this.idle else {
            return Poll::Pending;
        };
        let deadline = state.activity + idle;
        drop(state);
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.finished = true;
        this.shared.remove(&this.id, &this.slot);
        let mut state = this.slot.state();
        if !std::mem::replace(&mut state.cancelled, true) {
            this.shared.cancel(&this.id);
        }
        Poll::Ready(Some(Err(Error::Idle { after: idle })))
    }
}

impl<T> Drop for WsContext<T> {
    fn drop(&mut self) {
        self.shared.remove(&self.id, &self.slot);
        let mut state = self.slot.state();
        let cancel = !state.done && !std::mem::replace(&mut state.cancelled, true);
        drop(state);
        if cancel {
            self.shared.cancel(&self.id);
        }
    }
}

impl<T> fmt::Debug for WsContext<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.slot.state();
        f.debug_struct("WsContext")
            .field("id", &self.id)
            .field("queued", &state.queue.len())
            .field("done", &state.done)
            .finish_non_exhaustive()
    }
}
