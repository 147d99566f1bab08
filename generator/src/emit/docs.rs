//! Documentation text from a spec made safe for rustdoc and clippy: no doctests, no broken
//! intra-doc links, no bare URLs, no stray HTML, no lazy list continuations. Relative links are
//! resolved against the vendor's documentation site when it is known and left as plain text
//! otherwise; MDX components (`<Note>`, `<Warning>`, ...) become Markdown quotes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{SchemeLocation, SecurityScheme};
use crate::names;

/// `#[doc = "..."]` attributes for a text, one per line; relative links resolve against `base`.
pub(crate) fn attrs(text: Option<&str>, base: Option<&str>) -> TokenStream {
    match text {
        Some(text) if !text.trim().is_empty() => lines(&sanitize(text, base)),
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

fn doc_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    })
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
    let title = sanitize(title.trim(), None);
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
    let described = scheme.doc.as_deref().map(str::trim).filter(|doc| {
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
    let mut fence: Option<&str> = None;
    let mut previous_list = false;
    for raw in without_mdx(text.trim()) {
        let line = raw.trim_end();
        // A quote (a callout, or one the text wrote) keeps its marker; its content is escaped.
        let (quoted, line) = match line.strip_prefix("> ") {
            Some(rest) => ("> ", rest),
            None if line == ">" => (">", ""),
            None => ("", line),
        };
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            out.push(format!("{quoted}{line}"));
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            let lang = trimmed.trim_start_matches(marker).trim();
            let lang = if lang.is_empty() || lang.starts_with("rust") || lang == "rs" {
                "text"
            } else {
                lang
            };
            out.push(format!("{quoted}{marker}{lang}"));
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
    if let Some(marker) = fence {
        out.push(marker.to_owned());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let leading = out.iter().take_while(|l| l.is_empty()).count();
    out[leading..].join("\n")
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
    use super::{credentials, sanitize};
    use crate::ir::{SchemeLocation, SecurityScheme};

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
            ("```json\n{\"a\": 1}\n```", "```json\n{\"a\": 1}\n```"),
            ("    indented\ntext", "indented\ntext"),
            ("- one\n- two\nafter", "- one\n- two\n\nafter"),
            ("**bold** stays", "**bold** stays"),
        ];
        for (text, expected) in cases {
            assert_eq!(sanitize(text, None), expected, "{text:?}");
        }
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
            doc: doc.map(str::to_owned),
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
