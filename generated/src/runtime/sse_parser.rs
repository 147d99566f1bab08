// Copied by `cargo xtask generate` from templates/src/runtime/sse_parser.rs; edit the template, not this file.
//! The `text/event-stream` format, parsed incrementally in linear time and
//! within limits: each byte is scanned for a line end once, and neither a
//! line nor an event's data may grow past its limit.
//!
//! Only what [`EventStream`](super::EventStream) uses is kept: the data of
//! each event. Event types, ids and retry hints are read and dropped.

use super::limits::Limits;

/// Why the stream cannot be parsed further.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ParseError {
    /// A line or an event's data over its limit.
    TooLarge {
        what: &'static str,
        setting: &'static str,
        size: usize,
        limit: usize,
    },
    /// A line that is not UTF-8: what is wrong, and the line.
    Utf8(String, Vec<u8>),
}

/// The parser's state between chunks.
#[derive(Debug)]
pub(super) struct EventParser {
    /// The start of a line whose end has not arrived.
    pending: Vec<u8>,
    /// The last chunk ended with `\r`: a `\n` starting the next one belongs
    /// to that line end.
    after_cr: bool,
    /// No line has been read yet (a byte order mark may start the stream).
    first_line: bool,
    /// The data of the event being read, one `\n` after each `data` line.
    data: String,
    max_line: usize,
    max_event: usize,
}

impl EventParser {
    pub(super) fn new(limits: &Limits) -> Self {
        Self {
            pending: Vec::new(),
            after_cr: false,
            first_line: true,
            data: String::new(),
            max_line: limits.event_line(),
            max_event: limits.event(),
        }
    }

    /// Reads `chunk`, appending the data of each event it completes to
    /// `events`. After an error the parser must not be fed again.
    pub(super) fn feed(
        &mut self,
        chunk: &[u8],
        events: &mut Vec<String>,
    ) -> Result<(), ParseError> {
        let mut chunk = chunk;
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        // `pending` holds no line end: only the new bytes are scanned.
        let mut buffer = std::mem::take(&mut self.pending);
        let scanned = buffer.len();
        buffer.extend_from_slice(chunk);
        let mut start = 0;
        let mut at = scanned;
        while let Some(offset) = buffer[at..].iter().position(|&b| b == b'\n' || b == b'\r') {
            let end = at + offset;
            self.line(&buffer[start..end], events)?;
            start = end + 1;
            if buffer[end] == b'\r' {
                match buffer.get(start) {
                    Some(b'\n') => start += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            at = start;
        }
        let rest = buffer.len() - start;
        if rest > self.max_line {
            return Err(self.line_too_large(rest));
        }
        // Only a line that started in this chunk moves: linear overall.
        buffer.drain(..start);
        self.pending = buffer;
        Ok(())
    }

    fn line_too_large(&self, size: usize) -> ParseError {
        ParseError::TooLarge {
            what: "event-stream line",
            setting: "max_event_line",
            size,
            limit: self.max_line,
        }
    }

    /// Interprets one complete line (without its end).
    fn line(&mut self, line: &[u8], events: &mut Vec<String>) -> Result<(), ParseError> {
        if line.len() > self.max_line {
            return Err(self.line_too_large(line.len()));
        }
        let mut line = match std::str::from_utf8(line) {
            Ok(line) => line,
            Err(e) => return Err(ParseError::Utf8(e.to_string(), line.to_vec())),
        };
        if std::mem::take(&mut self.first_line) {
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.is_empty() {
            // The end of an event; one without data is no event.
            if !self.data.is_empty() {
                self.data.pop();
                events.push(std::mem::take(&mut self.data));
            }
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        // Comments (empty field) and the fields `event`, `id`, `retry` and
        // unknown ones carry nothing used here.
        if field == "data" {
            let size = self.data.len() + value.len() + 1;
            if size > self.max_event {
                return Err(ParseError::TooLarge {
                    what: "event",
                    setting: "max_event_size",
                    size,
                    limit: self.max_event,
                });
            }
            self.data.push_str(value);
            self.data.push('\n');
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]], limits: &Limits) -> (Vec<String>, Option<ParseError>) {
        let mut parser = EventParser::new(limits);
        let mut events = Vec::new();
        for chunk in chunks {
            if let Err(e) = parser.feed(chunk, &mut events) {
                return (events, Some(e));
            }
        }
        (events, None)
    }

    #[test]
    fn fields_and_line_ends_follow_the_format() {
        let body: &[u8] =
            b"\xef\xbb\xbfdata: a\r\rdata:b\ndata\n\n: c\nevent: x\nid: 1\nretry: 5\n\n\
            data:  two spaces\r\n\r\nfield without colon\ndata: last\n\ndata: no end";
        let expected = ["a", "b\n", " two spaces", "last"];
        let (events, error) = parse(&[body], &Limits::new());
        assert_eq!((events, error), (expected.map(String::from).into(), None));
        // Byte by byte, including a `\r\n` split between chunks.
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        let (events, error) = parse(&bytes, &Limits::new());
        assert_eq!((events, error), (expected.map(String::from).into(), None));
        // `\r` then `\r` in separate chunks: two line ends, not one.
        let (events, _) = parse(&[b"data: a\r", b"\r"], &Limits::new());
        assert_eq!(events, ["a"]);
    }

    #[test]
    fn a_long_line_in_small_chunks_is_one_event() {
        let line = "x".repeat(4 << 20);
        let body = format!("data: {line}\n\n");
        let chunks: Vec<&[u8]> = body.as_bytes().chunks(997).collect();
        let (events, error) = parse(&chunks, &Limits::new());
        assert_eq!(error, None);
        assert_eq!(events.len(), 1);
        assert!(events[0] == line);
    }

    #[test]
    fn a_line_over_its_limit_is_an_error_before_its_end() {
        let limits = Limits::new().max_event_line(1000);
        let chunk = [b'x'; 300];
        let chunks = [&b"data: "[..], &chunk, &chunk, &chunk, &chunk, &chunk];
        let (events, error) = parse(&chunks, &limits);
        assert!(events.is_empty());
        assert_eq!(
            error,
            Some(ParseError::TooLarge {
                what: "event-stream line",
                setting: "max_event_line",
                size: 1206,
                limit: 1000,
            })
        );
        // Within one chunk, too.
        let long = format!("data: {}\n\n", "y".repeat(2000));
        let (_, error) = parse(&[long.as_bytes()], &limits);
        assert!(
            matches!(error, Some(ParseError::TooLarge { size: 2006, .. })),
            "{error:?}"
        );
    }

    #[test]
    fn an_event_over_its_limit_is_an_error() {
        let limits = Limits::new().max_event_size(9);
        let (events, error) = parse(&[b"data: 12345\n\ndata: 1234\ndata: 5678\n"], &limits);
        assert_eq!(events, ["12345"]);
        assert_eq!(
            error,
            Some(ParseError::TooLarge {
                what: "event",
                setting: "max_event_size",
                size: 10,
                limit: 9,
            })
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let (events, error) = parse(&[b"data: 1\n\ndata: \xff\n\n"], &Limits::new());
        assert_eq!(events, ["1"]);
        assert!(
            matches!(&error, Some(ParseError::Utf8(_, line)) if line == b"data: \xff"),
            "{error:?}"
        );
    }
}
