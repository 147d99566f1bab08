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
    /// The message that cancels a context, given its key, if the channel
    /// has one.
    pub(crate) cancel: Option<fn(&str) -> Value>,
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

/// A random version-4 UUID, e.g. `0b5c4ce4-4a7e-4c7c-9d6c-5f0e2b9c1a3d`:
/// ids need only be unique on their connection.
fn random_id() -> String {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .to_string()
}

impl<T> Multiplexer<T> {
    /// Opens a context named `id`, or by a fresh random id: its messages
    /// are queued for the returned handle from now on. `template` holds
    /// the fields each piece of input carries (see [`WsInput`]).
    ///
    /// The binding exposes this as `context(..)` and `context_with_id(..)`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if a context `id` is open already; the
    /// connection's error if it has ended.
    pub(crate) fn open(
        &self,
        id: Option<String>,
        template: Option<Value>,
    ) -> Result<WsContext<T>, Error> {
        if self.shared.end.get().is_some() {
            return Err(self.shared.end.send_error());
        }
        let mut slots = self.shared.slots();
        let id = match id {
            Some(id) if slots.contains_key(&id) => {
                return Err(Error::Invalid {
                    field: "context_id".to_owned(),
                    reason: format!("a context `{id}` is open on this connection already"),
                });
            }
            Some(id) => id,
            None => loop {
                let id = random_id();
                if !slots.contains_key(&id) {
                    break id;
                }
            },
        };
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
        drop(slots);
        Ok(WsContext {
            input: WsInput {
                id: id.into(),
                template: template.map(Arc::new),
                slot: Arc::clone(&slot),
                shared: Arc::clone(&self.shared),
                commands: self.commands.clone(),
                kind: PhantomData,
            },
            slot,
            shared: Arc::clone(&self.shared),
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
    cancel: Option<fn(&str) -> Value>,
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
        if let Some(cancel) = self.cancel {
            let _ = self.control.send(Message::text(cancel(id).to_string()));
        }
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
    input: WsInput<T>,
    slot: Arc<Slot>,
    shared: Arc<Shared>,
    raw: fn(RawMessage) -> T,
    idle: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
    /// The stream has yielded its last item.
    finished: bool,
}

impl<T> WsContext<T> {
    /// The context's key, e.g. its `context_id`.
    pub fn id(&self) -> &str {
        &self.input.id
    }

    /// The sending half of this context: a handle to give to the task that
    /// produces the input while this one reads the output. It has the same
    /// sending methods as the context.
    pub fn input(&self) -> &WsInput<T> {
        &self.input
    }

    /// Cancels the context: the server is told to stop generating (when the
    /// channel has a cancel message) and nothing more is read. Dropping a
    /// context before its last message does the same.
    pub fn cancel(self) {}

    /// Turns the context into a stream of the values `pick` takes out of
    /// its messages: `Some(Ok(..))` yields one, `Some(Err(..))` ends the
    /// stream with an error (an error message), `None` skips the message.
    pub(crate) fn output<O>(self, pick: fn(T) -> Option<Result<O, Error>>) -> WsOutput<T, O> {
        WsOutput {
            context: self,
            pick,
            ended: false,
        }
    }
}

/// The sending half of a [`WsContext`]: cheap to clone, usable from another
/// task while the context is read. Messages it sends carry the context's
/// key; messages of input also carry the fields given when the context was
/// opened (its template), so each piece names only its text.
pub struct WsInput<T> {
    id: Arc<str>,
    template: Option<Arc<Value>>,
    slot: Arc<Slot>,
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    kind: PhantomData<fn() -> T>,
}

impl<T> Clone for WsInput<T> {
    fn clone(&self) -> Self {
        Self {
            id: Arc::clone(&self.id),
            template: self.template.clone(),
            slot: Arc::clone(&self.slot),
            shared: Arc::clone(&self.shared),
            commands: self.commands.clone(),
            kind: PhantomData,
        }
    }
}

impl<T> fmt::Debug for WsInput<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsInput")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<T> WsInput<T> {
    /// The context's key, e.g. its `context_id`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Cancels the context on the server (when the channel has a cancel
    /// message); the context's stream then ends without more messages.
    pub fn cancel(&self) {
        self.shared.remove(&self.id, &self.slot);
        let mut state = self.slot.state();
        let cancel = !state.done && !std::mem::replace(&mut state.cancelled, true);
        state.done = true;
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        drop(state);
        if cancel {
            self.shared.cancel(&self.id);
        }
    }

    /// Sends `message` as JSON text, as it is.
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

    /// Sends `message` as JSON with its property `key` (e.g. `context_id`)
    /// set to this context's id, so that a message never names another
    /// context than the one it is sent on, and with `fields` set.
    pub(crate) async fn send_keyed<M: Serialize + ?Sized>(
        &self,
        key: &str,
        message: &M,
        fields: &[(&str, Value)],
    ) -> Result<(), Error> {
        let value = serde_json::to_value(message).map_err(Error::Serialize)?;
        self.send_value(key, value, fields).await
    }

    /// Sends the context's template with its property `key` set to this
    /// context's id and with `fields` set (e.g. the text of one piece).
    pub(crate) async fn send_input(
        &self,
        key: &str,
        fields: &[(&str, Value)],
    ) -> Result<(), Error> {
        let template = self
            .template
            .as_deref()
            .cloned()
            .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
        self.send_value(key, template, fields).await
    }

    async fn send_value(
        &self,
        key: &str,
        mut value: Value,
        fields: &[(&str, Value)],
    ) -> Result<(), Error> {
        if let Value::Object(map) = &mut value {
            for (name, field) in fields {
                map.insert((*name).to_owned(), field.clone());
            }
            map.insert(key.to_owned(), Value::String(self.id.to_string()));
        }
        self.send_json(&value).await
    }
}

/// The values a context's messages carry (e.g. its audio), as a stream
/// that ends with the context: an error message of the context ends it with
/// that error. Returned by the binding's output methods, e.g. `audio()`.
pub struct WsOutput<T, O> {
    context: WsContext<T>,
    pick: fn(T) -> Option<Result<O, Error>>,
    ended: bool,
}

impl<T, O> WsOutput<T, O> {
    /// The context whose output this is, e.g. to send more input.
    pub fn context(&self) -> &WsContext<T> {
        &self.context
    }
}

impl<T, O> fmt::Debug for WsOutput<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsOutput")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned, O> Stream for WsOutput<T, O> {
    type Item = Result<O, Error>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        while !this.ended {
            let item = match Pin::new(&mut this.context).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => None,
                Poll::Ready(Some(Ok(message))) => match (this.pick)(message) {
                    None => continue,
                    Some(item) => Some(item),
                },
                Poll::Ready(Some(Err(error))) => Some(Err(error)),
            };
            this.ended = !matches!(item, Some(Ok(_)));
            return Poll::Ready(item);
        }
        Poll::Ready(None)
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
        this.shared.remove(&this.input.id, &this.slot);
        let mut state = this.slot.state();
        if !std::mem::replace(&mut state.cancelled, true) {
            this.shared.cancel(&this.input.id);
        }
        Poll::Ready(Some(Err(Error::Idle { after: idle })))
    }
}

impl<T> Drop for WsContext<T> {
    fn drop(&mut self) {
        self.shared.remove(&self.input.id, &self.slot);
        let mut state = self.slot.state();
        let cancel = !state.done && !std::mem::replace(&mut state.cancelled, true);
        drop(state);
        if cancel {
            self.shared.cancel(&self.input.id);
        }
    }
}

impl<T> fmt::Debug for WsContext<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.slot.state();
        f.debug_struct("WsContext")
            .field("id", &self.input.id)
            .field("queued", &state.queue.len())
            .field("done", &state.done)
            .finish_non_exhaustive()
    }
}
