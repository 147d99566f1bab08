// Copied by `cargo xtask generate` from templates/src/runtime/form.rs; edit the template, not this file.
//! Multipart request bodies: the `Form` the generated code fills with text
//! fields and [`FilePart`]s, in order.

use std::fmt;

use super::error::Error;
use super::multipart::{Content, FilePart, invalid_content_type};

/// One field of a [`Form`].
enum Field {
    Text(String),
    File(FilePart),
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(value) => write!(f, "Text({} bytes)", value.len()),
            Self::File(file) => fmt::Debug::fmt(file, f),
        }
    }
}

/// A `multipart/form-data` body being assembled by the generated code.
/// Names may repeat (`timestamp_granularities[]`) and are sent as given
/// (`voice[id]`), in order.
#[derive(Debug, Default)]
pub(crate) struct Form {
    fields: Vec<(String, Field)>,
    error: Option<Error>,
}

impl Form {
    /// An empty form.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    pub(crate) fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.fields
            .push((name.to_owned(), Field::Text(value.into())));
        self
    }

    /// Adds a file; an invalid content type is reported when the request is
    /// sent.
    pub(crate) fn file(mut self, name: &str, file: FilePart) -> Self {
        let valid = |ct: &&String| ct.parse::<mime_guess::Mime>().is_ok();
        if let Some(invalid) = file.content_type.as_ref().filter(|ct| !valid(ct)) {
            self.error
                .get_or_insert(invalid_content_type(name, invalid));
        }
        self.fields.push((name.to_owned(), Field::File(file)));
        self
    }

    /// Whether every part is in memory, so that the body can be rebuilt.
    pub(crate) fn is_replayable(&self) -> bool {
        self.fields.iter().all(|(_, field)| match field {
            Field::Text(_) => true,
            Field::File(file) => matches!(file.content, Content::Bytes(_)),
        })
    }

    /// A copy to send again, if every part is in memory.
    pub(crate) fn replay(&self) -> Option<Self> {
        let copy = |field: &Field| match field {
            Field::Text(value) => Some(Field::Text(value.clone())),
            Field::File(file) => file.replay().map(Field::File),
        };
        let fields = self
            .fields
            .iter()
            .map(|(name, f)| Some((name.clone(), copy(f)?)));
        let fields = fields.collect::<Option<_>>()?;
        Some(Self {
            fields,
            error: None,
        })
    }

    /// The form, or the first error recorded while filling it.
    pub(crate) fn take_error(mut self) -> Result<Self, Error> {
        match self.error.take() {
            Some(error) => Err(error),
            None => Ok(self),
        }
    }

    /// Builds `reqwest`'s form, in field order.
    pub(crate) fn into_reqwest(self) -> Result<reqwest::multipart::Form, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut form = reqwest::multipart::Form::new();
        for (name, field) in self.fields {
            form = match field {
                Field::Text(value) => form.text(name, value),
                Field::File(file) => {
                    let part = file.into_reqwest(&name)?;
                    form.part(name, part)
                }
            };
        }
        Ok(form)
    }
}

/// A `multipart/form-data` body built by the caller, for operations whose
/// document does not describe the form's fields. Fields are sent in the order
/// they are added; a name may repeat.
///
/// ```
/// # use cartesia_api::{FilePart, Multipart};
/// let form = Multipart::new()
///     .text("title", "Notes")
///     .file("file", FilePart::from_bytes(b"hello".to_vec()).file_name("notes.txt"));
/// # let _ = form;
/// ```
#[derive(Debug, Default)]
pub struct Multipart(Form);

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    #[must_use]
    pub fn text(self, name: impl AsRef<str>, value: impl Into<String>) -> Self {
        Self(self.0.text(name.as_ref(), value))
    }

    /// Adds a file; an invalid content type is reported when the request is
    /// sent.
    #[must_use]
    pub fn file(self, name: impl AsRef<str>, file: FilePart) -> Self {
        Self(self.0.file(name.as_ref(), file))
    }

    /// The form to send.
    pub(crate) fn into_form(self) -> Form {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use futures_util::stream;
    use reqwest::Method;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use std::io;

    use bytes::Bytes;

    use super::super::ClientBuilder;
    use super::super::tests::{builder, client};
    use super::*;

    /// One part of a received multipart body.
    struct Received {
        headers: String,
        body: Vec<u8>,
    }

    impl Received {
        /// The value of `key="..."` in the part headers.
        fn param(&self, key: &str) -> Option<&str> {
            let start = self.headers.find(&format!("; {key}=\""))? + key.len() + 4;
            let len = self.headers[start..].find('"')?;
            Some(&self.headers[start..start + len])
        }

        fn content_type(&self) -> Option<&str> {
            let mut lines = self.headers.split("\r\n");
            lines.find_map(|line| line.strip_prefix("Content-Type: "))
        }
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    /// Sends `form` to a mock server and splits the request body it got;
    /// also tells whether the request was replayable.
    async fn send(form: Form) -> (bool, wiremock::Request, Vec<Received>) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let api = client(builder(&server));
        let request = api.request(Method::POST, "/upload", &[]).json(&1);
        let request = request.multipart(form);
        let replayable = request.is_replayable();
        request.send_empty().await.expect("sent");
        let mut received = server.received_requests().await.unwrap_or_default();
        let request = received.pop().expect("one request");
        let content_type = request.headers.get("content-type").map(|v| v.to_str());
        let content_type = content_type.and_then(Result::ok).unwrap_or_default();
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=");
        let delimiter = format!("\r\n--{}", boundary.expect("multipart"));
        let body = request.body.as_slice();
        let mut rest = body
            .strip_prefix(&delimiter.as_bytes()[2..])
            .expect("opening");
        let mut parts = Vec::new();
        while let Some(after) = rest.strip_prefix(b"\r\n") {
            let end = find(after, delimiter.as_bytes()).expect("closing delimiter");
            let split = find(&after[..end], b"\r\n\r\n").expect("end of headers");
            parts.push(Received {
                headers: String::from_utf8(after[..split].to_vec()).expect("headers"),
                body: after[split + 4..end].to_vec(),
            });
            rest = &after[end + delimiter.len()..];
        }
        assert_eq!(rest, b"--\r\n");
        (replayable, request, parts)
    }

    fn audio() -> Vec<u8> {
        (0..=255u8).cycle().take(4096).collect()
    }

    #[tokio::test]
    async fn fields_and_files_are_sent_in_order() {
        let form = Form::new()
            .text("model_id", "ink-whisper")
            .text("voice[id]", "v1")
            .text("timestamp_granularities[]", "word")
            .text("timestamp_granularities[]", "phoneme")
            .file(
                "clip",
                FilePart::from_bytes(audio())
                    .file_name("a \"b\".wav")
                    .content_type("audio/wav"),
            )
            .file("raw", FilePart::from_bytes(&b"\x00\xff"[..]));
        let (replayable, request, parts) = send(form).await;
        assert!(replayable);
        let names = parts.iter().map(|p| p.param("name").unwrap_or("?"));
        let expected = "model_id voice[id] timestamp_granularities[] timestamp_granularities[]";
        let names = names.collect::<Vec<_>>().join(" ");
        assert_eq!(names, format!("{expected} clip raw"));
        let values: Vec<_> = parts[..4].iter().map(|p| p.body.as_slice()).collect();
        assert_eq!(values, [&b"ink-whisper"[..], b"v1", b"word", b"phoneme"]);
        assert!(parts[4].headers.contains(r#"; filename="a \"b\".wav""#));
        assert_eq!(parts[4].content_type(), Some("audio/wav"));
        assert_eq!(parts[4].body, audio());
        assert_eq!(parts[5].param("filename"), Some("raw"));
        assert_eq!(parts[5].content_type(), Some("application/octet-stream"));
        assert_eq!(parts[5].body, b"\x00\xff");
        assert!(request.headers.get("content-length").is_some());
        // The JSON body set first was replaced, content type included.
        assert_eq!(request.headers.get_all("content-type").iter().count(), 1);
    }

    #[tokio::test]
    async fn a_form_built_by_the_caller_is_sent_as_built() {
        let form = Multipart::new()
            .text("title", "Notes")
            .file(
                "file",
                FilePart::from_bytes(b"hello".to_vec()).file_name("notes.txt"),
            )
            .text(String::from("tags[]"), "a")
            .text("tags[]", "b");
        let (replayable, _, parts) = send(form.into_form()).await;
        assert!(replayable);
        let names: Vec<_> = parts.iter().map(|p| p.param("name")).collect();
        assert_eq!(
            names,
            [Some("title"), Some("file"), Some("tags[]"), Some("tags[]")]
        );
        assert_eq!(parts[1].param("filename"), Some("notes.txt"));
        assert_eq!(parts[1].body, b"hello");
        assert_eq!(parts[3].body, b"b");
    }

    #[tokio::test]
    async fn files_are_streamed_from_disk_and_streams() {
        let mut file = tempfile::Builder::new()
            .suffix(".wav")
            .tempfile()
            .expect("temp file");
        file.write_all(&audio().repeat(64)).expect("write");
        let part = FilePart::from_path(file.path()).await.expect("opened");
        let shown = format!("{part:?}");
        assert!(
            shown.contains("\"stream\", length: Some(262144)"),
            "{shown}"
        );
        let in_memory = format!("{:?}", FilePart::from_bytes(vec![0xAB; 10]));
        assert!(in_memory.contains("Some(10)") && !in_memory.contains("171"));
        let chunks = ["ab", "cd", "e"].map(|s| Ok::<_, io::Error>(Bytes::from(s)));
        let streamed = FilePart::from_stream(stream::iter(chunks), None).file_name("s.bin");
        let form = Form::new().file("clip", part).file("other", streamed);
        let (replayable, _, parts) = send(form).await;
        assert!(!replayable);
        let file_name = file.path().file_name().and_then(|n| n.to_str());
        assert_eq!(parts[0].param("filename"), file_name);
        assert_eq!(parts[0].content_type(), Some("audio/wav"));
        assert_eq!(parts[0].body, audio().repeat(64));
        assert_eq!(parts[1].param("filename"), Some("s.bin"));
        assert_eq!(parts[1].body, b"abcde");
    }

    #[tokio::test]
    async fn unusable_files_fail_before_sending() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("missing.mp3");
        let err = FilePart::from_path(&missing).await.err();
        assert!(matches!(&err, Some(Error::Io(e)) if e.kind() == io::ErrorKind::NotFound));
        let shown = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(shown.contains("missing.mp3"), "{shown}");
        let directory = FilePart::from_path(dir.path()).await;
        assert!(matches!(directory, Err(Error::Io(_))), "{directory:?}");

        // Fails before connecting to the (unresolvable) default server.
        let api = client(ClientBuilder::new());
        let bad = FilePart::from_bytes("x").content_type("not a mime");
        let form = Form::new().file("clip", bad).text("a", "b");
        let request = api.request(Method::POST, "/upload", &[]).multipart(form);
        let err = request.send_empty().await;
        assert!(
            matches!(&err, Err(Error::InvalidForm { reason }) if reason.contains("`not a mime` for file part `clip`")),
            "{err:?}"
        );
    }
}
