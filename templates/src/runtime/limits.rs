//! What a response may make the client hold or wait for: [`Limits`] on the
//! size of buffered bodies and of event-stream lines and events, reading a
//! body within them, and the idle timeout between the chunks of a streamed
//! body.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::TryStreamExt as _;
use tokio::time::{Instant, Sleep};

use super::error::Error;

/// How long a streamed body may send nothing before it fails, by default.
pub(super) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

const MIB: usize = 1024 * 1024;

/// Size limits on what the client reads from a response into memory.
///
/// Each breach is an [`Error::TooLarge`] naming the limit, except for error
/// responses, whose body is cut at its limit (see
/// [`ApiError::is_truncated`](crate::runtime::ApiError::is_truncated)) so
/// that their status still counts. Streamed audio is not limited: it is
/// read chunk by chunk.
///
/// ```
/// # use cartesia_api::Limits;
/// let limits = Limits::new().max_body_size(8 * 1024 * 1024);
/// // Client::builder().limits(limits) or RequestOptions::new().limits(limits)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    body: usize,
    error_body: usize,
    event_line: usize,
    event: usize,
}

impl Default for Limits {
    /// 64 MiB for a JSON or text body, 1 MiB for an error body, 8 MiB for
    /// an event-stream line and 16 MiB for one event's data: far above
    /// what the API sends (its largest JSON bodies, transcripts with word
    /// timings and voice lists, are a few MiB at most; its events carry
    /// audio chunks of kilobytes; its error bodies are a few hundred
    /// bytes), yet a bound on a broken or hostile server.
    fn default() -> Self {
        Self {
            body: 64 * MIB,
            error_body: MIB,
            event_line: 8 * MIB,
            event: 16 * MIB,
        }
    }
}

impl Limits {
    /// The default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits a success body read whole (JSON, text), in bytes.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.body = bytes;
        self
    }

    /// Limits the part of an error response body that is kept, in bytes.
    pub fn max_error_body_size(mut self, bytes: usize) -> Self {
        self.error_body = bytes;
        self
    }

    /// Limits one line of an event stream, in bytes.
    pub fn max_event_line(mut self, bytes: usize) -> Self {
        self.event_line = bytes;
        self
    }

    /// Limits the data of one event of an event stream, in bytes.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.event = bytes;
        self
    }

    pub(super) fn body(&self) -> usize {
        self.body
    }

    pub(super) fn error_body(&self) -> usize {
        self.error_body
    }

    pub(super) fn event_line(&self) -> usize {
        self.event_line
    }

    pub(super) fn event(&self) -> usize {
        self.event
    }

    /// Reads a whole success body within [`max_body_size`](Self::max_body_size).
    pub(super) async fn read_body(&self, response: reqwest::Response) -> Result<Bytes, Error> {
        let declared = response.content_length();
        let chunks = response.bytes_stream().map_err(Error::http);
        read_within(chunks, declared, self.body).await
    }

    /// Reads an error body, cut at
    /// [`max_error_body_size`](Self::max_error_body_size); `true` if it was
    /// cut.
    pub(super) async fn read_error_body(
        &self,
        response: reqwest::Response,
    ) -> Result<(Bytes, bool), Error> {
        let mut chunks = response.bytes_stream().map_err(Error::http);
        let mut body = BytesMut::new();
        while let Some(chunk) = chunks.try_next().await? {
            let room = self.error_body - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                return Ok((body.freeze(), true));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body.freeze(), false))
    }
}

/// Reads `chunks` whole, failing as soon as they exceed `limit` bytes (or
/// at once if the server declares a longer body).
pub(super) async fn read_within<S>(
    mut chunks: S,
    declared: Option<u64>,
    limit: usize,
) -> Result<Bytes, Error>
where
    S: Stream<Item = Result<Bytes, Error>> + Unpin,
{
    let too_large = |size: u64| Error::TooLarge {
        what: "response body",
        setting: "max_body_size",
        size,
        limit: limit as u64,
    };
    if let Some(size) = declared.filter(|&size| size > limit as u64) {
        return Err(too_large(size));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = chunks.try_next().await? {
        if chunk.len() > limit - body.len() {
            return Err(too_large((body.len() + chunk.len()) as u64));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The chunks of a streamed body, failing with [`Error::Stalled`] when none
/// arrives for `after`; the clock starts when the stream is first polled
/// and restarts with each chunk. The error is the last item.
pub(super) struct IdleTimeout<S> {
    chunks: S,
    after: Duration,
    /// Armed by the first poll that finds no chunk ready.
    timer: Option<Pin<Box<Sleep>>>,
    done: bool,
}

impl<S> IdleTimeout<S> {
    pub(super) fn new(chunks: S, after: Duration) -> Self {
        Self {
            chunks,
            after,
            timer: None,
            done: false,
        }
    }

    /// When the current wait ends: `after` from now, or far in the future
    /// if that cannot be represented.
    fn deadline(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.after)
            .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
    }
}

impl<S> Stream for IdleTimeout<S>
where
    S: Stream<Item = Result<Bytes, Error>> + Unpin,
{
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.chunks).poll_next(cx) {
            Poll::Ready(item) => {
                let deadline = self.deadline();
                if let Some(timer) = self.timer.as_mut() {
                    timer.as_mut().reset(deadline);
                }
                self.done = item.is_none();
                Poll::Ready(item)
            }
            Poll::Pending => {
                let deadline = self.deadline();
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.done = true;
                Poll::Ready(Some(Err(Error::Stalled { after: self.after })))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{StreamExt as _, stream};

    use super::*;

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = Result<Bytes, Error>> + Unpin {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn bodies_within_the_limit_are_read_whole() {
        let read = read_within(chunks(&["ab", "", "cd"]), Some(4), 4).await;
        assert_eq!(read.expect("within"), "abcd");
        let read = read_within(chunks(&[]), None, 0).await;
        assert!(read.expect("empty").is_empty());
    }

    #[tokio::test]
    async fn bodies_over_the_limit_fail_naming_it() {
        let err = read_within(chunks(&["ab", "cd", "ef"]), None, 3).await;
        assert!(
            matches!(
                err,
                Err(Error::TooLarge {
                    size: 4,
                    limit: 3,
                    ..
                })
            ),
            "{err:?}"
        );
        let shown = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            shown,
            "response body too large: 4 bytes or more, over the limit of 3 bytes \
             (`Limits::max_body_size`)"
        );
        // A declared length over the limit fails before anything is read.
        let err = read_within(chunks(&["ab"]), Some(1 << 40), 3).await;
        assert!(
            matches!(err, Err(Error::TooLarge { size, .. }) if size == 1 << 40),
            "{err:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_stream_fails_and_ends() {
        let after = Duration::from_secs(7);
        let stalled = chunks(&["a", "b"]).chain(stream::pending());
        let mut stream = IdleTimeout::new(stalled, after);
        assert_eq!(stream.next().await.and_then(Result::ok), Some("a".into()));
        assert_eq!(stream.next().await.and_then(Result::ok), Some("b".into()));
        let err = stream.next().await;
        assert!(
            matches!(&err, Some(Err(e @ Error::Stalled { .. })) if e.is_timeout()),
            "{err:?}"
        );
        let shown = err.and_then(Result::err).map(|e| e.to_string());
        assert_eq!(
            shown.as_deref(),
            Some("response body stalled: nothing received for 7s (the idle timeout)")
        );
        assert!(stream.next().await.is_none());
        // A finished stream ends without waiting.
        let mut done = IdleTimeout::new(chunks(&["a"]), after);
        assert!(done.next().await.is_some() && done.next().await.is_none());
    }
}
