//! Documentation text from a spec made safe for rustdoc and clippy: no doctests, no broken
//! intra-doc links, no bare URLs, no stray HTML, no lazy list continuations.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "..."]` attributes for a text, one per line.
pub(crate) fn attrs(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) if !text.trim().is_empty() => lines(&sanitize(text)),
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
    let title = sanitize(title.trim());
    if title.is_empty() {
        "an HTTP API".to_owned()
    } else if title.to_ascii_lowercase().ends_with("api") {
        format!("the {title}")
    } else {
        format!("the {title} API")
    }
}

/// The text with its first letter in upper case.
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Rewrites spec text so that rustdoc renders it as written and checks nothing in it.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<&str> = None;
    let mut previous_list = false;
    for raw in text.trim().lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            out.push(line.to_owned());
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
            out.push(format!("{marker}{lang}"));
            previous_list = false;
            continue;
        }
        if trimmed.is_empty() {
            out.push(String::new());
            previous_list = false;
            continue;
        }
        let list = is_list_item(trimmed);
        if previous_list && !list {
            out.push(String::new());
        }
        previous_list = list;
        out.push(escape_line(trimmed));
    }
    if let Some(marker) = fence {
        out.push(marker.to_owned());
    }
    out.join("\n")
}

/// Escapes markdown that rustdoc would read as links or HTML, outside code spans.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (index, part) in line.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        if index % 2 == 1 && line.matches('`').count().is_multiple_of(2) {
            out.push_str(part);
            continue;
        }
        out.push_str(&escape_text(part));
    }
    out
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let url_at = ["https://", "http://"]
            .iter()
            .filter_map(|p| rest.find(p))
            .min();
        let (plain, url) = match url_at {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        for ch in plain.chars() {
            match ch {
                '[' | ']' | '<' | '>' => {
                    out.push('\\');
                    out.push(ch);
                }
                _ => out.push(ch),
            }
        }
        if url.is_empty() {
            break;
        }
        let end = url
            .find(|c: char| {
                c.is_whitespace() || matches!(c, ')' | ']' | '"' | '\'' | '<' | '>' | '`')
            })
            .unwrap_or(url.len());
        let (link, after) = url.split_at(end);
        let link_end = link.trim_end_matches(['.', ',', ';', ':']).len();
        out.push('<');
        out.push_str(&link[..link_end]);
        out.push('>');
        out.push_str(&link[link_end..]);
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escapes_what_rustdoc_would_misread() {
        assert_eq!(
            sanitize("Use voice[id] and <token>."),
            "Use voice\\[id\\] and \\<token\\>."
        );
        assert_eq!(
            sanitize("See https://docs.cartesia.ai/x."),
            "See <https://docs.cartesia.ai/x>."
        );
        assert_eq!(
            sanitize("Keep `voice[id]` as code"),
            "Keep `voice[id]` as code"
        );
        assert_eq!(sanitize("```\nlet x = 1;\n```"), "```text\nlet x = 1;\n```");
        assert_eq!(
            sanitize("```json\n{\"a\": 1}\n```"),
            "```json\n{\"a\": 1}\n```"
        );
        assert_eq!(sanitize("    indented\ntext"), "indented\ntext");
        assert_eq!(sanitize("- one\n- two\nafter"), "- one\n- two\n\nafter");
        assert_eq!(sanitize("**bold** stays"), "**bold** stays");
    }
}
