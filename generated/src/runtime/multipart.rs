// Copied by `cargo xtask generate` from templates/src/runtime/multipart.rs; edit the template, not this file.
//! File parts of multipart request bodies: [`FilePart`], the file a caller
//! uploads, in memory or streamed; the form itself is in `form.rs`.

use std::path::Path;
use std::{fmt, io};

use bytes::Bytes;
use reqwest::multipart::Part;

use super::error::Error;

/// The content type sent for a file part when none was set or guessed.
const OCTET_STREAM: &str = "application/octet-stream";

/// A file to upload in a `multipart/form-data` request: its bytes (in
/// memory or streamed), its file name and its content type.
///
/// Without [`file_name`](Self::file_name) the part is sent with the form
/// field's name as its file name, so that servers treat it as a file; without
/// [`content_type`](Self::content_type) it is sent as
/// `application/octet-stream`.
pub struct FilePart {
    pub(super) content: Content,
    file_name: Option<String>,
    pub(super) content_type: Option<String>,
}

/// Where the bytes of a [`FilePart`] come from.
pub(super) enum Content {
    /// In memory; the request can be sent again.
    Bytes(Bytes),
    /// Read while the request is sent, so it can be sent only once.
    Stream {
        body: reqwest::Body,
        length: Option<u64>,
    },
}

impl FilePart {
    /// A file whose content is already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(Content::Bytes(bytes.into()))
    }

    /// Opens the file at `path` to be streamed when the request is sent; it
    /// is not read into memory.
    ///
    /// The file name is the last component of `path` and the content type
    /// is guessed from its extension (`application/octet-stream` if
    /// unknown); both can be changed afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened or is a directory.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let failed = |e: io::Error| {
            let message = format!("cannot open `{}`: {e}", path.display());
            Error::Io(io::Error::new(e.kind(), message))
        };
        let file = tokio::fs::File::open(path).await.map_err(failed)?;
        let metadata = file.metadata().await.map_err(failed)?;
        if metadata.is_dir() {
            let e = io::Error::new(io::ErrorKind::InvalidInput, "it is a directory");
            return Err(failed(e));
        }
        let guessed = mime_guess::from_path(path).first_or_octet_stream();
        Ok(Self {
            content: Content::Stream {
                body: reqwest::Body::from(file),
                length: metadata.is_file().then_some(metadata.len()),
            },
            file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            content_type: Some(guessed.to_string()),
        })
    }

    /// A file whose content is produced by `stream` while the request is
    /// sent. Give its total `length` if known: the request then has a
    /// `Content-Length` instead of being sent in chunks.
    pub fn from_stream<S, E>(stream: S, length: Option<u64>) -> Self
    where
        S: futures_core::Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        Self::new(Content::Stream {
            body: reqwest::Body::wrap_stream(stream),
            length,
        })
    }

    fn new(content: Content) -> Self {
        Self {
            content,
            file_name: None,
            content_type: None,
        }
    }

    /// Sets the file name sent with the part, e.g. `clip.wav`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the content type sent with the part, e.g. `audio/wav`. An
    /// invalid value makes the request fail with [`Error::InvalidForm`]
    /// before anything is sent.
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// A copy to send again, if the content is in memory.
    pub(super) fn replay(&self) -> Option<Self> {
        let Content::Bytes(bytes) = &self.content else {
            return None;
        };
        Some(Self {
            content: Content::Bytes(bytes.clone()),
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
        })
    }

    /// Turns the part into `reqwest`'s; `field` is the form field's name.
    pub(super) fn into_reqwest(self, field: &str) -> Result<Part, Error> {
        let part = match self.content {
            Content::Bytes(bytes) => Part::stream(bytes),
            Content::Stream { body, length } => match length {
                Some(length) => Part::stream_with_length(body, length),
                None => Part::stream(body),
            },
        };
        let content_type = self.content_type.as_deref().unwrap_or(OCTET_STREAM);
        part.file_name(self.file_name.unwrap_or_else(|| field.to_owned()))
            .mime_str(content_type)
            .map_err(|_| invalid_content_type(field, content_type))
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (source, length) = match &self.content {
            Content::Bytes(bytes) => ("bytes", u64::try_from(bytes.len()).ok()),
            Content::Stream { length, .. } => ("stream", *length),
        };
        f.debug_struct("FilePart")
            .field("source", &source)
            .field("length", &length)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

pub(super) fn invalid_content_type(field: &str, content_type: &str) -> Error {
    Error::InvalidForm {
        reason: format!("invalid content type `{content_type}` for file part `{field}`"),
    }
}
