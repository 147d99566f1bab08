//! Errors and warnings about an input document, each naming the file and the place in it.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A problem found in a document, located by a JSON pointer (`#/paths/~1voices/get`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Where the problem is.
    pub pointer: String,
    /// What the problem is, lowercase, no trailing period.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Why a document could not be turned into code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("{}: cannot read file: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not well-formed YAML or JSON.
    #[error("{}{}: malformed document: {message}", file.display(), location(*line, *column))]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// The 1-based column, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The document is well-formed but not a usable OpenAPI document.
    #[error("{}: {}", file.display(), list(diagnostics))]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Every problem found, in document order.
        diagnostics: Vec<Diagnostic>,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

fn list(diagnostics: &[Diagnostic]) -> String {
    match diagnostics {
        [one] => one.to_string(),
        many => {
            let lines: Vec<String> = many.iter().map(|d| format!("\n  {d}")).collect();
            format!("{} problems:{}", many.len(), lines.concat())
        }
    }
}

/// Reads one escaped JSON pointer segment back (RFC 6901).
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Appends segments to a pointer.
pub fn pointer(base: &str, segments: &[&str]) -> String {
    let mut out = base.to_owned();
    for segment in segments {
        out.push('/');
        out.push_str(&escape_segment(segment));
    }
    out
}
