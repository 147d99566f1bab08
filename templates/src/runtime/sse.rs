//! Server-sent events: [`EventStream`], a response body read as a stream of
//! JSON events.

use std::fmt;
use std::future::ready;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::collections::VecDeque;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::error::Error;
use super::limits::{IdleTimeout, Limits};
use super::redact::{excerpt, mark_sensitive};
use super::request::Request;
use super::response::BinaryResponse;
use super::sse_parser::{EventParser, ParseError};

/// The events of a `text/event-stream` response, each decoded from JSON.
///
/// Comments, keep-alives and events without data produce no item. An
/// event whose data is not the expected JSON is an [`Error::Decode`] item
/// carrying (the start of) the data, and the stream goes on with the next
/// event. A failure to read the body ([`Error::Http`]), nothing received
/// for the idle timeout ([`Error::Stalled`]), a line or an event over its
/// limit ([`Error::TooLarge`]) or a body that is not UTF-8
/// ([`Error::MalformedBody`]) is the last item. The stream ends when the
/// server closes the body.
pub struct EventStream<T> {
    status: StatusCode,
    headers: HeaderMap,
    events: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

impl<T> EventStream<T> {
    /// The response status, e.g. `200 OK`.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl<T: DeserializeOwned + Send + 'static> EventStream<T> {
    pub(crate) fn new<S>(
        status: StatusCode,
        mut headers: HeaderMap,
        chunks: S,
        limits: Limits,
    ) -> Self
    where
        S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
    {
        mark_sensitive(&mut headers, &[]);
        Self {
            status,
            headers,
            events: Box::pin(decode_events(status, chunks, limits)),
        }
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.events.size_hint().1)
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Splits body chunks into events and decodes each event's data as JSON.
fn decode_events<T, S>(
    status: StatusCode,
    chunks: S,
    limits: Limits,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
{
    let state = Events {
        chunks: Box::pin(chunks),
        parser: EventParser::new(&limits),
        ready: VecDeque::new(),
        failure: None,
        ended: false,
    };
    stream::unfold(state, Events::next)
        .filter(|item| ready(!matches!(item, Ok(data) if data.trim().is_empty())))
        .map(move |item| match item {
            Ok(data) => serde_json::from_str(&data).map_err(|source| Error::Decode {
                status,
                body: excerpt(data.as_bytes()),
                source,
            }),
            Err(failure) => Err(failure.into_error(status)),
        })
}

/// Where [`decode_events`] is between events.
struct Events {
    chunks: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
    parser: EventParser,
    /// The data of events parsed but not yet returned.
    ready: VecDeque<String>,
    /// Why the stream stopped, returned after the events before it.
    failure: Option<Failure>,
    ended: bool,
}

/// What ended an event stream early.
enum Failure {
    Read(Error),
    Parse(ParseError),
}

impl Failure {
    fn into_error(self, status: StatusCode) -> Error {
        match self {
            Self::Read(e) => e,
            Self::Parse(ParseError::TooLarge {
                what,
                setting,
                size,
                limit,
            }) => Error::TooLarge {
                what,
                setting,
                size: size as u64,
                limit: limit as u64,
            },
            Self::Parse(ParseError::Utf8(reason, line)) => Error::MalformedBody {
                status,
                reason: format!("event stream is not valid utf-8: {reason}"),
                body: excerpt(&line),
            },
        }
    }
}

impl Events {
    /// The next event's data, or the failure that ended the stream (the
    /// last item).
    async fn next(mut self) -> Option<(Result<String, Failure>, Self)> {
        loop {
            if let Some(data) = self.ready.pop_front() {
                return Some((Ok(data), self));
            }
            if let Some(failure) = self.failure.take() {
                self.ended = true;
                return Some((Err(failure), self));
            }
            if self.ended {
                return None;
            }
            match self.chunks.next().await {
                None => self.ended = true,
                Some(Err(e)) => self.failure = Some(Failure::Read(e)),
                Some(Ok(chunk)) => {
                    let mut events = Vec::new();
                    let parsed = self.parser.feed(&chunk, &mut events);
                    self.ready.extend(events);
                    if let Err(e) = parsed {
                        self.failure = Some(Failure::Parse(e));
                    }
                }
            }
        }
    }
}

impl BinaryResponse {
    /// The body read as server-sent events whose data is JSON `T`.
    pub(crate) fn into_event_stream<T>(self) -> EventStream<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let (status, headers, body, limits) = self.into_parts();
        EventStream::new(status, headers, body, limits)
    }
}

impl Request<'_> {
    /// Sends the request with `Accept: text/event-stream` and returns the
    /// events of a success response as they arrive; a non-2xx status
    /// becomes [`Error::Api`] with the body read.
    pub(crate) async fn send_event_stream<T>(self) -> Result<EventStream<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let (idle_timeout, limits) = self.stream_settings();
        let response = self.accept("text/event-stream").send_streaming().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let chunks = Box::pin(response.bytes_stream().map_err(Error::http));
        let chunks = IdleTimeout::new(chunks, idle_timeout);
        Ok(EventStream::new(status, headers, chunks, limits))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::stream;
    use reqwest::Method;
    use serde_json::{Value, json};
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use std::time::Duration;

    use super::super::tests::{builder, client, stalling_server};
    use super::*;

    /// Keep-alives, CRLF and LF line ends, a multi-line event, an event
    /// without data, a malformed event and non-ASCII text.
    const BODY: &str = ": keep-alive\r\n\r\nevent: chunk\r\ndata: {\"type\":\"chunk\",\"text\":\"héllo\"}\r\n\r\n\
        data: {\"type\":\r\ndata: \"multi\"}\r\n\r\n: ping\n\ndata:\n\nevent: error\ndata: not json\n\n\
        id: 3\ndata: {\"n\":3}\n\ndata: {\"unterminated\":true}\n";

    fn expected() -> Vec<Result<Value, String>> {
        vec![
            Ok(json!({"type": "chunk", "text": "héllo"})),
            Ok(json!({"type": "multi"})),
            Err("not json".to_owned()),
            Ok(json!({"n": 3})),
        ]
    }

    /// Runs the parsing stage over hand-made chunks; a decode error is
    /// reduced to the raw data it keeps.
    async fn decode(chunks: Vec<Result<Bytes, Error>>) -> Vec<Result<Value, String>> {
        decode_events::<Value, _>(StatusCode::OK, stream::iter(chunks), Limits::default())
            .map(|item| match item {
                Ok(value) => Ok(value),
                Err(Error::Decode { status, body, .. }) if status == StatusCode::OK => Err(body),
                Err(other) => Err(format!("unexpected: {other}")),
            })
            .collect()
            .await
    }

    fn split_at(body: &[u8], cuts: &[usize]) -> Vec<Result<Bytes, Error>> {
        let mut chunks = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain([&body.len()]) {
            chunks.push(Ok(Bytes::copy_from_slice(&body[start..cut])));
            start = cut;
        }
        chunks
    }

    #[tokio::test]
    async fn events_split_anywhere_are_reassembled() {
        let body = BODY.as_bytes();
        assert_eq!(decode(split_at(body, &[])).await, expected());
        // Every single cut: inside `data:`, inside the JSON, inside `é`,
        // between `\r` and `\n`, ...
        for cut in 1..body.len() {
            assert_eq!(
                decode(split_at(body, &[cut])).await,
                expected(),
                "cut at {cut}"
            );
        }
        let bytewise: Vec<usize> = (1..body.len()).collect();
        assert_eq!(decode(split_at(body, &bytewise)).await, expected());
        let crlf = BODY.find("\r\n\r\nevent").expect("crlf pair");
        let json = BODY.find("\"chunk\",").expect("json");
        let data = BODY.find("ata: {\"n\"").expect("data");
        let cuts = [crlf + 1, crlf + 3, json + 3, data];
        assert_eq!(decode(split_at(body, &cuts)).await, expected());
    }

    #[tokio::test]
    async fn only_keep_alives_yield_nothing() {
        let body = b": keep-alive\n\n:\n\ndata:\ndata:\n\ndata: \n\nevent: x\n\n";
        assert!(decode(split_at(body, &[5, 20])).await.is_empty());
        assert!(decode(Vec::new()).await.is_empty());
    }

    #[tokio::test]
    async fn read_failures_end_the_stream() {
        let gone = Error::Io(std::io::Error::other("reset"));
        let chunks = vec![
            Ok(Bytes::from("data: 1\n\n")),
            Err(gone),
            Ok(Bytes::from("data: 2\n\n")),
        ];
        let items = decode(chunks).await;
        assert_eq!(
            items,
            [Ok(json!(1)), Err("unexpected: i/o error: reset".into())]
        );

        let chunks = vec![
            Ok(Bytes::from("data: 1\n\n")),
            Ok(Bytes::from(&b"data: \xff\n\n"[..])),
        ];
        let items = decode(chunks).await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(
            matches!(&items[1], Err(e) if e.contains("malformed response body (http 200 OK)")),
            "{items:?}"
        );
    }

    #[tokio::test]
    async fn garbage_never_panics() {
        let alphabet: &[u8] = b"data:{}\"\r\n :x\xc3\xa9\xff1";
        let mut seed = 0x2545_f491_u32;
        for _ in 0..200 {
            let mut body = Vec::new();
            let mut cuts = Vec::new();
            for i in 0..64 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                body.push(alphabet[seed as usize % alphabet.len()]);
                if seed % 7 == 0 {
                    cuts.push(i);
                }
            }
            let _ = decode(split_at(&body, &cuts)).await;
        }
    }

    #[tokio::test]
    async fn events_are_received_over_http() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(header("accept", "text/event-stream"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("X-Request-Id", "r1")
                    .set_body_raw(BODY, "text/event-stream"),
            )
            .mount(&server)
            .await;
        let api = client(builder(&server));
        let events = api.request(Method::POST, "/tts/sse", &[]);
        let events = events.send_event_stream::<Value>().await.expect("stream");
        assert_eq!(events.status(), StatusCode::OK);
        assert_eq!(
            events.headers().get("x-request-id").map(|v| v.as_bytes()),
            Some(&b"r1"[..])
        );
        assert!(format!("{events:?}").starts_with("EventStream"));
        let items: Vec<_> = events
            .map(|item| item.map_err(|e| e.to_string()))
            .collect()
            .await;
        assert_eq!(items.len(), 4, "{items:?}");
        assert_eq!(items[1], Ok(json!({"type": "multi"})));
        assert!(matches!(&items[2], Err(e) if e.starts_with("failed to decode")));
    }

    #[tokio::test]
    async fn error_status_is_an_api_error() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401).set_body_string("Invalid API key"))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        let request = api.request(Method::POST, "/tts/sse", &[]);
        match request.send_event_stream::<Value>().await {
            Err(Error::Api(e)) => assert_eq!(e.text(), "Invalid API key"),
            other => panic!("expected an api error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_stalled_event_stream_ends_with_the_idle_timeout() {
        let base = stalling_server("text/event-stream", "data: 1\n\n").await;
        let idle = Duration::from_millis(50);
        let api = client(
            super::super::ClientBuilder::new()
                .base_url(base)
                .idle_timeout(idle),
        );
        let request = api.request(Method::GET, "/sse", &[]);
        let mut events = request.send_event_stream::<Value>().await.expect("head");
        assert_eq!(events.next().await.and_then(Result::ok), Some(json!(1)));
        let err = events.next().await;
        assert!(
            matches!(&err, Some(Err(e @ Error::Stalled { after })) if *after == idle && e.is_timeout()),
            "{err:?}"
        );
        assert!(events.next().await.is_none());
    }

    #[tokio::test]
    async fn a_long_line_split_into_many_chunks_is_one_event() {
        let text = "é".repeat(2 << 20);
        let body = format!("data: \"{text}\"\n\n");
        let chunks = body
            .as_bytes()
            .chunks(1000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        assert_eq!(decode(chunks).await, [Ok(json!(text))]);
    }

    #[tokio::test]
    async fn lines_and_events_over_their_limits_end_the_stream() {
        let line = "x".repeat(4 << 20);
        let chunks = || {
            let body = format!("data: 1\n\ndata: {line}");
            body.into_bytes()
                .chunks(16 * 1024)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>()
        };
        // By default, a line without its end is no event.
        assert_eq!(decode(chunks()).await, [Ok(json!(1))]);
        let limits = Limits::new().max_event_line(1 << 20);
        let items: Vec<_> =
            decode_events::<Value, _>(StatusCode::OK, stream::iter(chunks()), limits)
                .collect()
                .await;
        assert!(
            matches!(&items[..], [Ok(_), Err(Error::TooLarge { .. })]),
            "{items:?}"
        );
        let shown = items[1].as_ref().err().map(ToString::to_string);
        let shown = shown.unwrap_or_default();
        assert!(
            shown.starts_with("event-stream line too large: ")
                && shown.ends_with(
                    " bytes or more, over the limit of 1048576 bytes (`Limits::max_event_line`)"
                ),
            "{shown}"
        );
        let limits = Limits::new().max_event_size(5);
        let body = "data: 1\n\ndata: 12\ndata: 34\n\ndata: 2\n\n";
        let chunks = vec![Ok(Bytes::from(body))];
        let items: Vec<_> = decode_events::<Value, _>(StatusCode::OK, stream::iter(chunks), limits)
            .map(|item| item.map_err(|e| e.to_string()))
            .collect()
            .await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(
            matches!(&items[1], Err(e) if e.starts_with("event too large")),
            "{items:?}"
        );
    }

    #[test]
    fn event_stream_is_send_and_unpin() {
        fn check<S: Stream + Send + Unpin>() {}
        check::<EventStream<Value>>();
    }

    #[tokio::test]
    async fn event_streams_are_not_cut_by_the_timeout() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw("data: 1\n\ndata: 2\n\n", "text/event-stream"),
            )
            .mount(&server)
            .await;
        // The default client: its 60 s timeout bounds the head only.
        let api = client(builder(&server));
        let events = api.request(Method::GET, "/tts/sse", &[]);
        let events = events.send_event_stream::<Value>().await.expect("head");
        // Read the events ten minutes later; real time again while they
        // arrive, so that the idle timeout is not jumped to.
        tokio::time::pause();
        tokio::time::advance(Duration::from_secs(600)).await;
        tokio::time::resume();
        let events: Vec<_> = events.map(|e| e.map_err(|e| e.to_string())).collect().await;
        assert_eq!(events, [Ok(Value::from(1)), Ok(Value::from(2))]);
    }
}
