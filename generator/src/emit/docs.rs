//! Documentation text from a spec made safe for rustdoc and clippy: no doctests, no broken
//! intra-doc links, no bare URLs, no stray HTML, no lazy list continuations. Relative links are
//! resolved against the vendor's documentation site when it is known and left as plain text
//! otherwise; MDX components (`<Note>`, `<Warning>`, ...) become Markdown quotes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{DocText, SchemeLocation, SecurityScheme};
use crate::names;

/// `#[doc = "..."]` attributes for a document's text, one per line; relative links resolve
/// against `base`.
pub(crate) fn attrs(text: Option<&DocText>, base: Option<&str>) -> TokenStream {
    match text {
        Some(text) if !text.is_blank() => lines(&text.render(base)),
        _ => TokenStream::new(),
    }
}

/// `#[doc = "..."]` attributes for text the generator wrote itself (already safe).
pub(crate) fn lines(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = "..."]` attributes, the documentation of the enclosing module, for text the
/// generator wrote itself (already safe).
pub(crate) fn inner_lines(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #![doc = #lines] )* }
}

fn doc_lines(text: &str) -> impl Iterator<Item = String> {
    neutral(text)
        .lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
}

/// An inline code span of a document's name or value (`` `voice[id]` ``): on one line, its
/// backticks written `'`, its control characters dropped.
pub(crate) fn code(text: &str) -> String {
    let inner: String = clean_chars(text)
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\n' | '\t' => ' ',
            c => c,
        })
        .collect();
    format!("`{}`", inner.trim())
}

/// The text without control characters (a carriage return, alone or before a line feed, ends
/// a line), nor the Unicode controls that change the visible direction of text, which rustc
/// refuses in comments.
fn clean_chars(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\r' | '\u{2028}' | '\u{2029}' => Some('\n'),
            '\n' | '\t' => Some(c),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// A code fence: its character (`` ` `` or `~`) and length.
#[derive(Debug, Clone, Copy)]
struct Fence {
    ch: char,
    len: usize,
}

impl Fence {
    /// The fence a line opens, once its containers are taken off (whatever its info string:
    /// every fence is written anew, labeled `text`).
    fn open(rest: &str) -> Option<Self> {
        let ch = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let len = rest.chars().take_while(|c| *c == ch).count();
        (len >= 3).then_some(Self { ch, len })
    }

    /// Whether a line (its containers taken off) closes the fence: a run of its character at
    /// least as long, and nothing else.
    fn closes(self, rest: &str) -> bool {
        let rest = rest.trim();
        let run = rest.chars().take_while(|c| *c == self.ch).count();
        run >= self.len && run == rest.chars().count()
    }

    fn run(self) -> String {
        self.ch.to_string().repeat(self.len)
    }
}

/// A line's block containers: the number of quote markers (`>`), whether list markers (`-`,
/// `1.`) follow them, the markers written with one space each, and the rest of the line
/// without its indentation.
fn containers(line: &str) -> (usize, String, &str) {
    let mut rest = line.trim_start();
    let mut depth = 0;
    let mut prefix = String::new();
    loop {
        if let Some(after) = rest.strip_prefix('>') {
            depth += 1;
            prefix.push_str("> ");
            rest = after.trim_start();
            continue;
        }
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let marker = if rest.starts_with(['-', '*', '+']) {
            1
        } else if digits > 0 && rest[digits..].starts_with(['.', ')']) {
            digits + 1
        } else {
            0
        };
        if marker > 0
            && rest[marker..].starts_with([' ', '\t'])
            && !rest[marker..].trim().is_empty()
        {
            prefix.push_str(&rest[..marker]);
            prefix.push(' ');
            rest = rest[marker..].trim_start();
            continue;
        }
        break;
    }
    (depth, prefix, rest)
}

/// Markdown that rustdoc renders and never runs: every code fence labeled `text` (in a list or
/// a quote too, whatever its info string or length), no indented code block (lines outside
/// fences lose their indentation, list and quote markers are followed by one space), no
/// control characters. Applied to every line the generator writes into documentation, its own
/// text and a document's alike; text already made safe comes out unchanged.
pub(crate) fn neutral(text: &str) -> String {
    let text = clean_chars(text);
    let mut out: Vec<String> = Vec::new();
    // The open fence, and the quote depth it was opened at.
    let mut fence: Option<(Fence, usize)> = None;
    for line in text.lines() {
        let (depth, prefix, rest) = containers(line);
        if let Some((open, at)) = fence {
            if depth >= at {
                if open.closes(rest) && prefix.len() == 2 * at {
                    out.push(format!("{}{}", "> ".repeat(at), open.run()));
                    fence = None;
                } else {
                    out.push(line.trim_end().to_owned());
                }
                continue;
            }
            // The quote the fence was in has ended, and the fence with it.
            fence = None;
        }
        if let Some(open) = Fence::open(rest) {
            fence = Some((open, depth));
            out.push(format!("{}{}text", "> ".repeat(depth), open.run()));
            continue;
        }
        out.push(format!("{prefix}{rest}").trim_end().to_owned());
    }
    if let Some((open, at)) = fence {
        out.push(format!("{}{}", "> ".repeat(at), open.run()));
    }
    out.join("\n")
}

fn is_list_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    line.starts_with("- ")
        || line.starts_with("* ")
        || line.starts_with("+ ")
        || (digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
}

/// How docs name an API: "the Pet Store API", "the GitHub v3 REST API" (a title that already ends
/// in "API"), or "an HTTP API" without a title.
pub(crate) fn api_name(title: &str) -> String {
    // On one line, whatever lines the document's title has.
    let title = sanitize(
        &title.split_whitespace().collect::<Vec<_>>().join(" "),
        None,
    );
    if title.is_empty() {
        "an HTTP API".to_owned()
    } else if title.to_ascii_lowercase().ends_with("api") {
        format!("the {title}")
    } else {
        format!("the {title} API")
    }
}

/// Which credentials an operation accepts, from its security alternatives: "an API key
/// (`.api_key(..)`) or an access token (`.token(..)`)", "... or none" where they are optional,
/// "none" for an operation that needs none. `None` when the API declares no schemes, or none the operation names is known.
pub(crate) fn credentials(schemes: &[SecurityScheme], security: &[Vec<String>]) -> Option<String> {
    if schemes.is_empty() {
        return None;
    }
    if security.is_empty() {
        return Some("none".to_owned());
    }
    let mut alternatives: Vec<String> = Vec::new();
    let mut optional = false;
    for alternative in security {
        let named: Option<Vec<String>> = alternative
            .iter()
            .map(|wire| {
                let scheme = schemes.iter().find(|s| &s.wire == wire)?;
                Some(format!(
                    "{} (`.{}(..)`)",
                    credential_phrase(scheme),
                    names::bare(&scheme.setter)
                ))
            })
            .collect();
        let phrase = match named {
            Some(parts) if parts.is_empty() => {
                optional = true;
                continue;
            }
            Some(parts) => parts.join(" and "),
            None => continue,
        };
        if !alternatives.contains(&phrase) {
            alternatives.push(phrase);
        }
    }
    if optional {
        alternatives.push("none".to_owned());
    }
    match alternatives.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

/// What a scheme's credential is called: its description when that is a short noun phrase
/// ("An Access Token" -> "an access token"), its setter's words otherwise ("an API key").
fn credential_phrase(scheme: &SecurityScheme) -> String {
    let rendered = scheme.doc.as_ref().map(|doc| doc.render(None));
    let described = rendered.as_deref().map(str::trim).filter(|doc| {
        !doc.is_empty()
            && doc.split_whitespace().count() <= 5
            && doc
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    });
    let mut words: Vec<String> = match described {
        Some(doc) => {
            let words: Vec<&str> = doc.split_whitespace().collect();
            // Title Case is a heading's, not a noun's: "Access Token" reads "access token".
            let title_case = words
                .iter()
                .all(|w| w.starts_with(|c: char| c.is_ascii_uppercase()));
            words
                .into_iter()
                .map(|word| {
                    let acronym = word.len() > 1 && word.chars().all(|c| !c.is_ascii_lowercase());
                    if title_case && !acronym {
                        word.to_ascii_lowercase()
                    } else {
                        word.to_owned()
                    }
                })
                .collect()
        }
        None => {
            let kind = match scheme.location {
                SchemeLocation::Bearer => "bearer token",
                SchemeLocation::Basic => "user name and password",
                _ => "API key",
            };
            kind.split(' ').map(str::to_owned).collect()
        }
    };
    if words.first().is_some_and(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "a" | "an" | "the" | "your" | "our" | "my"
        )
    }) {
        words.remove(0);
    }
    let phrase = words.join(" ");
    let first = words.first().map(String::as_str).unwrap_or_default();
    let acronym = first.len() > 1 && first.chars().all(|c| !c.is_ascii_lowercase());
    let vowel = if acronym {
        first.starts_with(['A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X'])
    } else {
        let lower = first.to_ascii_lowercase();
        // "a user", "a unique key", "a one-time token": vowels that sound as consonants.
        lower.starts_with(['a', 'e', 'i', 'o', 'u'])
            && !["us", "uni", "eu", "one"]
                .iter()
                .any(|p| lower.starts_with(p))
    };
    let article = if vowel { "an" } else { "a" };
    escape_chars(&format!("{article} {phrase}"))
}

/// The text with its first letter in upper case.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The callouts of MDX documentation sites, and the label each becomes.
const CALLOUTS: &[(&str, &str)] = &[
    ("Note", "Note"),
    ("Warning", "Warning"),
    ("Tip", "Tip"),
    ("Info", "Info"),
    ("Check", "Check"),
    ("Danger", "Danger"),
    ("Caution", "Caution"),
    ("Callout", "Note"),
];

/// A piece of a line once MDX tags are found in it.
enum Piece<'a> {
    Text(&'a str),
    /// An opening callout tag, with its label.
    Open(&'static str),
    /// A closing callout tag.
    Close,
}

/// The tag at the start of `text` if it is an MDX (JSX) tag: `<Name ...>`, `</Name>` or
/// `<Name ... />` with a name starting in upper case (lower-case names are HTML or placeholders
/// such as `<token>`, which stay escaped text). Returns its length, name and whether it closes.
fn mdx_tag(text: &str) -> Option<(usize, &str, bool)> {
    let rest = text.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    if !rest.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    let after = &rest[name_len..];
    if !(after.starts_with('>') || after.starts_with('/') || after.starts_with(char::is_whitespace))
    {
        return None;
    }
    let end = after.find('>')?;
    let len = text.len() - rest.len() + name_len + end + 1;
    Some((len, name, closing))
}

/// A line split at its MDX tags; tags other than callouts are dropped, their content kept.
fn pieces(line: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while let Some(offset) = line[at..].find('<') {
        let here = at + offset;
        match mdx_tag(&line[here..]) {
            Some((len, name, closing)) => {
                if start < here {
                    out.push(Piece::Text(&line[start..here]));
                }
                let self_closing = line[..here + len].ends_with("/>");
                match CALLOUTS.iter().find(|(tag, _)| *tag == name) {
                    Some(_) if closing => out.push(Piece::Close),
                    Some((_, label)) if !self_closing => out.push(Piece::Open(label)),
                    _ => {}
                }
                at = here + len;
                start = at;
            }
            None => at = here + 1,
        }
    }
    if start < line.len() {
        out.push(Piece::Text(&line[start..]));
    }
    out
}

/// Lines of text with MDX callouts turned into Markdown quotes (`> **Note:** ...`) and other
/// MDX tags dropped. Fenced code is left alone.
fn without_mdx(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<&str> = None;
    // Inside a callout: its label while no text has been written yet.
    let mut callout: Option<Option<&str>> = None;
    let quote = |out: &mut Vec<String>, callout: &mut Option<Option<&str>>, text: &str| {
        let text = text.trim();
        match callout {
            Some(label) if text.is_empty() => {
                if label.is_none() && out.last().is_some_and(|l| l != ">") {
                    out.push(">".to_owned());
                }
            }
            Some(label) => {
                let line = match label.take() {
                    Some(label) => format!("> **{label}:** {text}"),
                    None => format!("> {text}"),
                };
                out.push(line);
            }
            // Blank lines after a callout's end are one blank line.
            None if text.is_empty() && out.last().is_some_and(String::is_empty) => {}
            None => out.push(text.to_owned()),
        }
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            match callout {
                Some(_) => out.push(format!("> {line}")),
                None => out.push(line.to_owned()),
            }
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            match callout {
                Some(_) => out.push(format!("> {trimmed}")),
                None => out.push(line.to_owned()),
            }
            continue;
        }
        if !line.contains('<') {
            match callout {
                Some(_) => quote(&mut out, &mut callout, line),
                None if line.trim().is_empty() => quote(&mut out, &mut callout, line),
                None => out.push(line.to_owned()),
            }
            continue;
        }
        let mut text = String::new();
        let pieces = pieces(line);
        // A line of tags alone (`<Frame>`) leaves no line behind.
        let text_len: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(part) => part.len(),
                _ => 0,
            })
            .sum();
        let had_tag = text_len < line.len();
        for piece in pieces {
            match piece {
                Piece::Text(part) => text.push_str(part),
                Piece::Open(label) => {
                    if !text.trim().is_empty() {
                        quote(&mut out, &mut callout, &text);
                    }
                    text.clear();
                    if out.last().is_some_and(|l| !l.trim().is_empty()) {
                        out.push(String::new());
                    }
                    callout = Some(Some(label));
                }
                Piece::Close => {
                    if !text.trim().is_empty() {
                        quote(&mut out, &mut callout, &text);
                    }
                    text.clear();
                    // A callout that said nothing leaves nothing.
                    if callout.take().is_some() {
                        while out.last().is_some_and(|l| l == ">") {
                            out.pop();
                        }
                        out.push(String::new());
                    }
                }
            }
        }
        if !text.trim().is_empty() || !had_tag {
            quote(&mut out, &mut callout, &text);
        }
    }
    out
}

/// Rewrites spec text so that rustdoc renders it as written and checks nothing in it. Relative
/// links resolve against `base` (the vendor's documentation site), or become plain text.
pub(crate) fn sanitize(text: &str, base: Option<&str>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<Fence> = None;
    let mut previous_list = false;
    for raw in without_mdx(clean_chars(text).trim()) {
        let line = raw.trim_end();
        // A quote (a callout, or one the text wrote) keeps its marker; its content is escaped.
        let (quoted, line) = match line.strip_prefix("> ") {
            Some(rest) => ("> ", rest),
            None if line == ">" => (">", ""),
            None => ("", line),
        };
        let trimmed = line.trim_start();
        // A fence in a list item is written outside the list.
        let (depth, _, rest) = containers(trimmed);
        let fence_line = if depth == 0 { rest } else { trimmed };
        if let Some(open) = fence {
            if open.closes(trimmed) {
                fence = None;
            }
            out.push(format!("{quoted}{line}"));
            continue;
        }
        if let Some(open) = Fence::open(fence_line) {
            // Every fence is text: rustdoc would run an unlabeled or `rust` one, and one labeled
            // `should_panic`, `no_run` or `edition2021`, as a doctest.
            fence = Some(open);
            out.push(format!("{quoted}{}text", open.run()));
            previous_list = false;
            continue;
        }
        if trimmed.is_empty() {
            out.push(quoted.trim_end().to_owned());
            previous_list = false;
            continue;
        }
        let list = is_list_item(trimmed);
        if previous_list && !list {
            out.push(quoted.trim_end().to_owned());
        }
        previous_list = list;
        out.push(format!("{quoted}{}", escape_line(trimmed, base)));
    }
    if let Some(open) = fence {
        out.push(open.run());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let leading = out.iter().take_while(|l| l.is_empty()).count();
    neutral(&out[leading..].join("\n"))
}

/// Escapes markdown that rustdoc would read as links or HTML, outside code spans.
fn escape_line(line: &str, base: Option<&str>) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (index, part) in line.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        if index % 2 == 1 && line.matches('`').count().is_multiple_of(2) {
            out.push_str(part);
            continue;
        }
        out.push_str(&escape_text(part, base));
    }
    out
}

/// Where a Markdown link's target points once resolved: an absolute URL, or nowhere (the link
/// is then written as its text alone).
fn resolve_link(target: &str, base: Option<&str>) -> Option<String> {
    let bad = |c: char| c.is_whitespace() || matches!(c, '<' | '>' | '`' | '"' | '\\' | '[' | ']');
    if target.is_empty() || target.contains(bad) {
        return None;
    }
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
    {
        return Some(target.to_owned());
    }
    // Another scheme (`javascript:`), a protocol-relative URL, an anchor in a page we cannot
    // name, or a path that climbs out of the site: not a link we can vouch for.
    let scheme = target
        .split_once(':')
        .is_some_and(|(scheme, _)| !scheme.contains('/'));
    if scheme || target.starts_with("//") || target.starts_with('#') || target.starts_with("..") {
        return None;
    }
    let base = base?.trim_end_matches('/');
    let path = target.trim_start_matches("./").trim_start_matches('/');
    Some(format!("{base}/{path}"))
}

/// A Markdown link at the start of `text` (`[text](target)`): its length and the link as
/// rustdoc should see it.
fn link(text: &str, base: Option<&str>) -> Option<(usize, String)> {
    let rest = text.strip_prefix('[')?;
    let close = rest.find(']')?;
    let label = &rest[..close];
    if label.contains('[') {
        return None;
    }
    let after = rest[close + 1..].strip_prefix('(')?;
    let end = after.find(')')?;
    let target = after[..end].trim();
    let len = 1 + close + 2 + end + 1;
    let label = escape_chars(label);
    Some(match resolve_link(target, base) {
        Some(url) => (len, format!("[{label}]({url})")),
        None => (len, label),
    })
}

fn escape_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn escape_text(text: &str, base: Option<&str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, ')' | ']' | '"' | '\'' | '<' | '>' | '`')
                })
                .unwrap_or(rest.len());
            let (url, after) = rest.split_at(end);
            let url_end = url.trim_end_matches(['.', ',', ';', ':']).len();
            out.push('<');
            out.push_str(&url[..url_end]);
            out.push('>');
            out.push_str(&url[url_end..]);
            rest = after;
            continue;
        }
        if ch == '['
            && let Some((len, written)) = link(rest, base)
        {
            out.push_str(&written);
            rest = &rest[len..];
            continue;
        }
        if matches!(ch, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{code, credentials, neutral, sanitize};
    use crate::ir::{DocText, SchemeLocation, SecurityScheme};

    #[test]
    fn escapes_what_rustdoc_would_misread() {
        let cases = [
            (
                "Use voice[id] and <token>.",
                "Use voice\\[id\\] and \\<token\\>.",
            ),
            (
                "See https://docs.cartesia.ai/x.",
                "See <https://docs.cartesia.ai/x>.",
            ),
            ("Keep `voice[id]` as code", "Keep `voice[id]` as code"),
            ("```\nlet x = 1;\n```", "```text\nlet x = 1;\n```"),
            ("```json\n{\"a\": 1}\n```", "```text\n{\"a\": 1}\n```"),
            ("    indented\ntext", "indented\ntext"),
            ("- one\n- two\nafter", "- one\n- two\n\nafter"),
            ("**bold** stays", "**bold** stays"),
        ];
        for (text, expected) in cases {
            assert_eq!(sanitize(text, None), expected, "{text:?}");
        }
    }

    #[test]
    fn no_fence_or_indented_block_stays_code() {
        let exit = "fn main() { std::process::exit(1) }";
        let cases = [
            (format!("```\n{exit}\n```"), format!("```text\n{exit}\n```")),
            (
                format!("```rust\n{exit}\n```"),
                format!("```text\n{exit}\n```"),
            ),
            (
                format!("```should_panic\n{exit}\n```"),
                format!("```text\n{exit}\n```"),
            ),
            (
                format!("``` edition2021\n{exit}\n```"),
                format!("```text\n{exit}\n```"),
            ),
            (
                format!("~~~rust\n{exit}\n~~~"),
                format!("~~~text\n{exit}\n~~~"),
            ),
            // A longer fence holds a shorter one, which closes nothing.
            (
                format!("````rust\n```\n{exit}\n````"),
                format!("````text\n```\n{exit}\n````"),
            ),
            // An unclosed fence is closed.
            (format!("```rust\n{exit}"), format!("```text\n{exit}\n```")),
            (format!("Text.\n\n    {exit}"), format!("Text.\n\n{exit}")),
            (
                format!("- item\n\n      {exit}"),
                format!("- item\n\n{exit}"),
            ),
            (format!("-     {exit}"), format!("- {exit}")),
            (
                format!("- ```rust\n  {exit}\n  ```"),
                format!("```text\n  {exit}\n```"),
            ),
            (format!(">     {exit}"), format!("> {exit}")),
            (
                "*/ #![deny(warnings)] <!-- c --> <script>x</script>".to_owned(),
                r"*/ #!\[deny(warnings)\] \<!-- c --\> \<script\>x\</script\>".to_owned(),
            ),
            (
                "a\rb\r\nc\0d\u{1b}e\u{202e}f\u{2066}g\u{85}h".to_owned(),
                "a\nb\ncdefgh".to_owned(),
            ),
        ];
        for (text, expected) in &cases {
            assert_eq!(&sanitize(text, None), expected, "{text:?}");
            // What is safe stays as it is.
            assert_eq!(&neutral(expected), expected, "{expected:?}");
        }
    }

    #[test]
    fn generated_text_is_neutral_too() {
        // A name of the document written into the generator's own text.
        let id = "get`\n```rust\nfn main() { std::process::exit(1) }\n```";
        assert_eq!(
            code(id),
            "`get' '''rust fn main() { std::process::exit(1) } '''`"
        );
        // The line after the name is inside the fence, which the end of the text closes.
        assert_eq!(
            neutral(&format!("The `{id}` request.")),
            "The `get`\n```text\nfn main() { std::process::exit(1) }\n```` request.\n```"
        );
        assert_eq!(
            neutral("a\n\n    indented\n>     quoted code"),
            "a\n\nindented\n> quoted code"
        );
        // A quote's fence ends with the quote.
        assert_eq!(
            neutral("> ```\n> a\nb\n```rust\nc\n```"),
            "> ```text\n> a\nb\n```text\nc\n```"
        );
        // A list item's fence is written outside the list.
        assert_eq!(neutral("1. ```rust\n   c\n   ```"), "```text\n   c\n```");
    }

    #[test]
    fn links_resolve_against_the_docs_site_or_become_text() {
        let base = Some("https://docs.example.com/");
        let cases = [
            // (text, with a base, without one)
            (
                "See [Models](/build/models).",
                "See [Models](https://docs.example.com/build/models).",
                "See Models.",
            ),
            (
                "[Guide](guides/start#top)",
                "[Guide](https://docs.example.com/guides/start#top)",
                "Guide",
            ),
            (
                "[Abs](https://example.org/a_b)",
                "[Abs](https://example.org/a_b)",
                "[Abs](https://example.org/a_b)",
            ),
            (
                "[mail](mailto:a@b.c)",
                "[mail](mailto:a@b.c)",
                "[mail](mailto:a@b.c)",
            ),
            ("[here](#anchor)", "here", "here"),
            ("[up](../x)", "up", "up"),
            ("[bad](javascript:alert)", "bad", "bad"),
            ("[with space](/a b)", "with space", "with space"),
            (
                "[a<b>](/x)",
                "[a\\<b\\>](https://docs.example.com/x)",
                "a\\<b\\>",
            ),
            (
                "not a [link] (x)",
                "not a \\[link\\] (x)",
                "not a \\[link\\] (x)",
            ),
            (
                "`[code](/x)` stays",
                "`[code](/x)` stays",
                "`[code](/x)` stays",
            ),
        ];
        for (text, with_base, without) in cases {
            assert_eq!(sanitize(text, base), with_base, "{text:?} with a base");
            assert_eq!(sanitize(text, None), without, "{text:?} without a base");
        }
    }

    #[test]
    fn mdx_tags_become_markdown() {
        let cases = [
            (
                "Intro.\n\n<Note>\n\nRead this.\n\n</Note>\nAfter.",
                "Intro.\n\n> **Note:** Read this.\n\nAfter.",
            ),
            ("<Warning>Careful.</Warning>", "> **Warning:** Careful."),
            (
                "<Tip title=\"Hint\">\nOne\n\nTwo\n</Tip>",
                "> **Tip:** One\n>\n> Two",
            ),
            (
                "Before <Info>inline</Info> after",
                "Before\n\n> **Info:** inline\n\nafter",
            ),
            ("<Check>\n- a\n- b\n</Check>", "> **Check:** - a\n> - b"),
            ("Icon <Icon name=\"x\" /> here", "Icon  here"),
            ("<Frame>\n<Card href=\"/x\">Text</Card>\n</Frame>", "Text"),
            ("<Note></Note>Only this", "Only this"),
            (
                "Keep <token> and a < b > c",
                "Keep \\<token\\> and a \\< b \\> c",
            ),
            (
                "```\n<Note>in code</Note>\n```",
                "```text\n<Note>in code</Note>\n```",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(sanitize(text, None), expected, "{text:?}");
        }
    }

    #[test]
    fn credentials_name_the_setters_of_each_alternative() {
        let scheme = |wire: &str, setter: &str, location, doc: Option<&str>| SecurityScheme {
            wire: wire.to_owned(),
            setter: setter.to_owned(),
            location,
            doc: doc.map(DocText::new),
        };
        let schemes = [
            scheme(
                "APIKeyAuth",
                "api_key",
                SchemeLocation::Bearer,
                Some("Cartesia API key"),
            ),
            scheme(
                "TokenAuth",
                "token",
                SchemeLocation::Bearer,
                Some("An Access Token"),
            ),
            scheme(
                "basicAuth",
                "basic",
                SchemeLocation::Basic,
                Some("Send a user name, then..."),
            ),
            scheme("oauth", "oauth", SchemeLocation::Bearer, None),
            scheme(
                "keyAuth",
                "key",
                SchemeLocation::Header("X-Key".to_owned()),
                Some("Your key"),
            ),
            scheme(
                "query",
                "query_key",
                SchemeLocation::Query("k".to_owned()),
                None,
            ),
        ];
        let cases: &[(&[&[&str]], Option<&str>)] = &[
            (
                &[&["TokenAuth"], &["APIKeyAuth"]],
                Some("an access token (`.token(..)`) or a Cartesia API key (`.api_key(..)`)"),
            ),
            (
                &[&["basicAuth", "oauth"]],
                Some("a user name and password (`.basic(..)`) and a bearer token (`.oauth(..)`)"),
            ),
            (
                &[&["keyAuth"], &["query"]],
                Some("a key (`.key(..)`) or an API key (`.query_key(..)`)"),
            ),
            (&[], Some("none")),
            (
                &[&[], &["APIKeyAuth"]],
                Some("a Cartesia API key (`.api_key(..)`) or none"),
            ),
            (&[&["Unknown"]], None),
            (
                &[&["TokenAuth"], &["APIKeyAuth"], &["oauth"]],
                Some(
                    "an access token (`.token(..)`), a Cartesia API key (`.api_key(..)`) or a \
                     bearer token (`.oauth(..)`)",
                ),
            ),
        ];
        for (security, expected) in cases {
            let security: Vec<Vec<String>> = security
                .iter()
                .map(|alt| alt.iter().map(|s| (*s).to_owned()).collect())
                .collect();
            assert_eq!(
                credentials(&schemes, &security).as_deref(),
                *expected,
                "{security:?}"
            );
        }
        assert_eq!(credentials(&[], &[vec!["APIKeyAuth".to_owned()]]), None);
    }
}
