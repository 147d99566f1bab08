//! Non-JSON success responses: binary bodies read as a stream
//! ([`BinaryResponse`], [`ByteStream`]) and plain text.

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{StreamExt as _, TryStreamExt as _};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use super::error::Error;
use super::limits::{IdleTimeout, Limits, read_within};
use super::redact::{excerpt, mark_sensitive};

/// The chunks of a response body as they arrive from the network.
///
/// A failure while reading (the connection dropped, a timeout) is an
/// [`Error::Http`] item, and nothing received for the idle timeout an
/// [`Error::Stalled`] item that ends the stream; the stream ends after the
/// last chunk.
pub type ByteStream = Pin<Box<dyn futures_core::Stream<Item = Result<Bytes, Error>> + Send>>;

/// A successful response whose body (e.g. audio) has not been read yet.
///
/// Read it all with [`bytes`](Self::bytes), chunk by chunk with
/// [`into_stream`](Self::into_stream), or copy it with
/// [`write_to`](Self::write_to) or [`save`](Self::save) without holding it
/// in memory.
pub struct BinaryResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: ByteStream,
    /// Bound the body when it is read whole as JSON or text, or as events.
    limits: Limits,
}

impl BinaryResponse {
    fn new(status: StatusCode, mut headers: HeaderMap, body: ByteStream, limits: Limits) -> Self {
        mark_sensitive(&mut headers, &[]);
        Self {
            status,
            headers,
            body,
            limits,
        }
    }

    /// The body fails when nothing arrives for `idle_timeout`.
    pub(super) fn from_response(
        response: reqwest::Response,
        idle_timeout: Duration,
        limits: Limits,
    ) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let chunks = Box::pin(response.bytes_stream().map_err(Error::http));
        let body = IdleTimeout::new(chunks, idle_timeout);
        Self::new(status, headers, Box::pin(body), limits)
    }

    /// The response status, e.g. `200 OK`.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers; their `Debug` form hides sensitive values
    /// (`Set-Cookie`, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of the header `name` (case-insensitive), e.g.
    /// `Cartesia-File-ID`; `None` if it is absent or not visible ASCII.
    /// The first value is returned if the header is repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The `Content-Type` header, e.g. `audio/wav`.
    pub fn content_type(&self) -> Option<&str> {
        self.header(CONTENT_TYPE.as_str())
    }

    /// The body's chunks as they arrive.
    pub fn into_stream(self) -> ByteStream {
        self.body
    }

    /// The whole body decoded as JSON, for an operation whose response kind is
    /// known only once the status and media type are.
    pub(crate) async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        let status = self.status;
        let body = self.bounded_bytes().await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode {
            status,
            body: excerpt(&body),
            source,
        })
    }

    /// The whole body as UTF-8 text.
    pub(crate) async fn text(self) -> Result<String, Error> {
        let status = self.status;
        let body = self.bounded_bytes().await?;
        String::from_utf8(Vec::from(body)).map_err(|e| Error::MalformedBody {
            status,
            reason: format!("not valid utf-8: {}", e.utf8_error()),
            body: excerpt(e.as_bytes()),
        })
    }

    /// The whole body, within [`Limits::max_body_size`].
    async fn bounded_bytes(self) -> Result<Bytes, Error> {
        let declared = self
            .header(CONTENT_LENGTH.as_str())
            .and_then(|length| length.parse().ok());
        read_within(self.body, declared, self.limits.body()).await
    }

    /// The status, headers, body and limits, for reading the body another
    /// way (as events, in `sse.rs`).
    pub(super) fn into_parts(self) -> (StatusCode, HeaderMap, ByteStream, Limits) {
        (self.status, self.headers, self.body, self.limits)
    }

    /// Reads the whole body into memory, however long it is: prefer
    /// [`write_to`](Self::write_to) or [`save`](Self::save) for long audio.
    ///
    /// # Errors
    ///
    /// [`Error::Http`] if the body cannot be read to its end.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let Some(first) = self.body.try_next().await? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.body.try_next().await? else {
            return Ok(first);
        };
        let mut all = BytesMut::with_capacity(first.len() + second.len());
        all.extend_from_slice(&first);
        all.extend_from_slice(&second);
        while let Some(chunk) = self.body.try_next().await? {
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// Copies the body into `writer` chunk by chunk as it arrives, then
    /// flushes it; returns the number of bytes written.
    ///
    /// # Errors
    ///
    /// [`Error::Http`] if the body cannot be read to its end, [`Error::Io`]
    /// if writing fails. What was written before the failure stays written.
    pub async fn write_to<W>(self, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let mut body = self.body;
        let mut written: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            writer.write_all(&chunk).await.map_err(Error::Io)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(Error::Io)?;
        Ok(written)
    }

    /// Creates (or truncates) the file at `path` and copies the body into
    /// it as it arrives; returns the number of bytes written.
    ///
    /// # Errors
    ///
    /// As [`write_to`](Self::write_to), and [`Error::Io`] if the file
    /// cannot be created. A partly written file is left in place.
    pub async fn save(self, path: impl AsRef<Path>) -> Result<u64, Error> {
        let mut file = tokio::fs::File::create(path.as_ref())
            .await
            .map_err(Error::Io)?;
        let written = self.write_to(&mut file).await?;
        file.sync_all().await.map_err(Error::Io)?;
        Ok(written)
    }
}

impl fmt::Debug for BinaryResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BinaryResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::task::{Context, Poll};

    use futures_util::stream;
    use reqwest::Method;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::tests::{builder, client, stalling_server};
    use super::*;

    /// 256 KiB of patterned bytes: many network chunks.
    fn pattern() -> Vec<u8> {
        (0..256 * 1024u32)
            .map(|i| (i * 31 + i / 251) as u8)
            .collect()
    }

    async fn audio_server() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Cartesia-File-ID", "file_123")
                    .set_body_raw(pattern(), "audio/wav"),
            )
            .mount(&server)
            .await;
        server
    }

    async fn download(server: &MockServer) -> BinaryResponse {
        let api = client(builder(server));
        let request = api.request(Method::POST, "/tts/bytes", &[]);
        request.send_binary().await.expect("binary response")
    }

    fn chunked(chunks: Vec<Result<Bytes, Error>>) -> BinaryResponse {
        BinaryResponse::new(
            StatusCode::OK,
            HeaderMap::new(),
            Box::pin(stream::iter(chunks)),
            Limits::default(),
        )
    }

    #[tokio::test]
    async fn binary_body_is_read_every_way() {
        let server = audio_server().await;
        let response = download(&server).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.header("cartesia-file-id"), Some("file_123"));
        assert_eq!(response.header("Cartesia-File-ID"), Some("file_123"));
        assert_eq!(response.header("bad name"), None);
        assert_eq!(response.content_type(), Some("audio/wav"));
        assert!(format!("{response:?}").contains("file_123"));
        assert_eq!(response.bytes().await.expect("bytes"), pattern());

        let chunks: Vec<Bytes> = download(&server)
            .await
            .into_stream()
            .try_collect()
            .await
            .expect("stream");
        assert!(chunks.len() > 1, "{} chunks", chunks.len());
        assert_eq!(chunks.concat(), pattern());

        let mut sink = Vec::new();
        let written = download(&server).await.write_to(&mut sink).await;
        assert_eq!(written.expect("written"), 256 * 1024);
        assert_eq!(sink, pattern());

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.wav");
        std::fs::write(&path, vec![b'x'; 300 * 1024]).expect("old content");
        let saved = download(&server).await.save(&path).await;
        assert_eq!(saved.expect("saved"), 256 * 1024);
        assert_eq!(std::fs::read(&path).expect("read back"), pattern());

        let missing = download(&server)
            .await
            .save(dir.path().join("no/such/dir"))
            .await;
        assert!(matches!(missing, Err(Error::Io(_))), "{missing:?}");
    }

    #[tokio::test]
    async fn chunks_are_written_in_order_and_errors_stop_the_copy() {
        let parts = ["ab", "", "cde", "f"].map(|s| Ok(Bytes::from(s)));
        let mut sink = Vec::new();
        let n = chunked(parts.into()).write_to(&mut sink).await;
        assert_eq!((n.expect("written"), sink.as_slice()), (6, &b"abcdef"[..]));
        let all = chunked(vec![Ok(Bytes::from("ab")), Ok(Bytes::from("cd"))]);
        assert_eq!(all.bytes().await.expect("bytes"), "abcd");
        assert!(chunked(Vec::new()).bytes().await.expect("empty").is_empty());

        let broken = || {
            let failure = Error::Io(io::Error::other("gone"));
            chunked(vec![
                Ok(Bytes::from("ab")),
                Err(failure),
                Ok(Bytes::from("c")),
            ])
        };
        let mut sink = Vec::new();
        assert!(broken().write_to(&mut sink).await.is_err());
        assert_eq!(sink, b"ab");
        assert!(broken().bytes().await.is_err());

        struct Full;
        impl AsyncWrite for Full {
            fn poll_write(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
                _: &[u8],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(Err(io::Error::new(io::ErrorKind::StorageFull, "disk full")))
            }
            fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
        let err = chunked(vec![Ok(Bytes::from("ab"))])
            .write_to(&mut Full)
            .await;
        assert!(matches!(&err, Err(Error::Io(e)) if e.kind() == io::ErrorKind::StorageFull));
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("i/o error: disk full")
        );
    }

    #[tokio::test]
    async fn truncated_body_is_a_transport_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc";
            let _ = socket.write_all(head.as_bytes()).await;
        });
        let api = client(super::super::ClientBuilder::new().base_url(base));
        let response = api.request(Method::GET, "/x", &[]).send_binary().await;
        let err = response.expect("headers arrive").bytes().await;
        assert!(matches!(err, Err(Error::Http(_))), "{err:?}");
    }

    #[tokio::test]
    async fn a_stalled_body_ends_with_the_idle_timeout() {
        let base = stalling_server("audio/wav", "RIFF").await;
        let idle = Duration::from_millis(50);
        let api = client(
            super::super::ClientBuilder::new()
                .base_url(&base)
                .idle_timeout(idle),
        );
        let response = api.request(Method::GET, "/x", &[]).send_binary().await;
        let mut stream = response.expect("the head arrives").into_stream();
        assert_eq!(stream.try_next().await.ok().flatten(), Some("RIFF".into()));
        let err = stream.next().await;
        assert!(
            matches!(&err, Some(Err(Error::Stalled { after })) if *after == idle),
            "{err:?}"
        );
        let err = err.and_then(Result::err).expect("an error");
        assert!(err.is_timeout());
        assert!(err.to_string().contains("50ms"), "{err}");
        assert!(stream.next().await.is_none());

        // A request's own idle timeout overrides the client's.
        let api = client(super::super::ClientBuilder::new().base_url(&base));
        let options = super::super::RequestOptions::new().idle_timeout(idle);
        let request = api.request(Method::GET, "/x", &[]).options(&options);
        let err = request.send_binary().await.expect("head").bytes().await;
        assert!(
            matches!(&err, Err(Error::Stalled { after }) if *after == idle),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn bodies_read_whole_are_limited() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw("[1,2,3,4,5]", "application/json"),
            )
            .mount(&server)
            .await;
        let api = client(builder(&server).limits(Limits::new().max_body_size(10)));
        let request = || api.request(Method::GET, "/x", &[]);
        let json = request().send_binary().await.expect("head");
        let err = json.json::<Vec<u8>>().await;
        assert!(
            matches!(
                err,
                Err(Error::TooLarge {
                    size: 11,
                    limit: 10,
                    ..
                })
            ),
            "{err:?}"
        );
        let err = request().send_json::<Vec<u8>>().await;
        assert!(
            matches!(
                err,
                Err(Error::TooLarge {
                    size: 11,
                    limit: 10,
                    ..
                })
            ),
            "{err:?}"
        );
        let shown = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            shown.contains("11 bytes") && shown.contains("10 bytes"),
            "{shown}"
        );
        let err = request().send_text().await;
        assert!(matches!(err, Err(Error::TooLarge { .. })), "{err:?}");
        // Within a request's own limit.
        let roomy = super::super::RequestOptions::new().limits(Limits::new());
        let read = request().options(&roomy).send_json::<Vec<u8>>().await;
        assert_eq!(read.expect("within the limit"), [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn error_bodies_are_cut_at_their_limit() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(502).set_body_string("x".repeat(100_000)))
            .mount(&server)
            .await;
        let limits = Limits::new().max_error_body_size(1000);
        let api = client(builder(&server).limits(limits).max_retries(0));
        let err = api.request(Method::GET, "/x", &[]).send_empty().await;
        let Err(Error::Api(e)) = err else {
            panic!("expected an api error, got {err:?}");
        };
        assert_eq!(e.status(), StatusCode::BAD_GATEWAY);
        assert_eq!((e.body().len(), e.is_truncated()), (1000, true));
        assert!(
            e.to_string()
                .ends_with("... (body cut at its limit of 1000 bytes)"),
            "{e}"
        );
    }

    #[test]
    fn public_types_can_cross_threads() {
        fn check<T: Send + 'static>() {}
        fn check_sync<T: Send + Sync + 'static>() {}
        check::<BinaryResponse>();
        check::<ByteStream>();
        check_sync::<super::super::FilePart>();
    }

    #[tokio::test]
    async fn error_status_reads_the_body() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401).set_body_string("Invalid API key"))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        match api
            .request(Method::POST, "/tts/bytes", &[])
            .send_binary()
            .await
        {
            Err(Error::Api(e)) => {
                assert_eq!(e.status(), StatusCode::UNAUTHORIZED);
                assert_eq!(e.text(), "Invalid API key");
            }
            other => panic!("expected an api error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn text_must_be_utf8() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path("/good"))
            .respond_with(ResponseTemplate::new(200).set_body_string("héllo"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(wiremock::matchers::path("/bad"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(&b"ok \xff"[..]))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        let good = api.request(Method::GET, "/good", &[]).send_text().await;
        assert_eq!(good.expect("text"), "héllo");
        let bad = api.request(Method::GET, "/bad", &[]).send_text().await;
        match bad {
            Err(e @ Error::MalformedBody { .. }) => {
                assert_eq!(e.status(), Some(StatusCode::OK));
                assert!(e.to_string().contains("not valid utf-8"), "{e}");
                assert!(matches!(e, Error::MalformedBody { body, .. } if body == "ok \u{fffd}"));
            }
            other => panic!("expected a malformed body error, got {other:?}"),
        }
    }
}
