// Copied by `cargo xtask generate` from templates/src/runtime/sse.rs; edit the template, not this file.
//! Server-sent events: [`EventStream`], a response body read as a stream of
//! JSON events.

use std::fmt;
use std::future::ready;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource as _};
use futures_core::Stream;
use futures_util::{StreamExt as _, TryStreamExt as _};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::error::Error;
use super::request::Request;

/// The events of a `text/event-stream` response, each decoded from JSON.
///
/// Comments, keep-alives and events without data produce no item. An
/// event whose data is not the expected JSON is an [`Error::Decode`] item
/// carrying the raw data, and the stream goes on with the next event. A
/// failure to read the body ([`Error::Http`]) or a body that is not UTF-8
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
    pub(crate) fn new<S>(status: StatusCode, headers: HeaderMap, chunks: S) -> Self
    where
        S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
    {
        Self {
            status,
            headers,
            events: Box::pin(decode_events(status, chunks)),
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
) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    S: Stream<Item = Result<Bytes, Error>> + Send + 'static,
{
    // After a transport or framing error the parser may repeat it forever,
    // so that error is the last item.
    let mut failed = false;
    chunks
        .eventsource()
        .take_while(move |event| {
            let go_on = !failed;
            failed |= event.is_err();
            ready(go_on)
        })
        .filter_map(move |event| {
            ready(match event {
                Ok(event) if event.data.trim().is_empty() => None,
                Ok(event) => {
                    Some(
                        serde_json::from_str(&event.data).map_err(|source| Error::Decode {
                            status,
                            body: event.data,
                            source,
                        }),
                    )
                }
                Err(EventStreamError::Transport(e)) => Some(Err(e)),
                Err(EventStreamError::Utf8(e)) => Some(Err(Error::MalformedBody {
                    status,
                    reason: format!("event stream is not valid utf-8: {}", e.utf8_error()),
                    body: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                })),
                Err(EventStreamError::Parser(e)) => Some(Err(Error::MalformedBody {
                    status,
                    reason: format!("malformed event stream: {:?}", e.code),
                    body: e.input,
                })),
            })
        })
}

impl Request<'_> {
    /// Sends the request with `Accept: text/event-stream` and returns the
    /// events of a success response as they arrive; a non-2xx status
    /// becomes [`Error::Api`] with the body read.
    pub(crate) async fn send_event_stream<T>(self) -> Result<EventStream<T>, Error>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let response = self.accept("text/event-stream").send_streaming().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let chunks = response.bytes_stream().map_err(Error::http);
        Ok(EventStream::new(status, headers, chunks))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::stream;
    use reqwest::Method;
    use serde_json::{Value, json};
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::tests::{builder, client};
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
        decode_events::<Value, _>(StatusCode::OK, stream::iter(chunks))
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

    #[test]
    fn event_stream_is_send_and_unpin() {
        fn check<S: Stream + Send + Unpin>() {}
        check::<EventStream<Value>>();
    }
}
