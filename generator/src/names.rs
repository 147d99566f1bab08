//! Identifier decisions: case conversion, keyword escaping, invalid characters and collisions.
//!
//! Every Rust name the generator prints comes from here, so that a spec's names (`auth_access-token`,
//! `type`, `2fa`, `voice[id]`) always become valid, readable and stable identifiers.

pub mod reserved;

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

/// Words that cannot be used as plain identifiers (strict and reserved keywords of edition 2024).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers; they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Acronyms a document writes as words of their own (`TTS` in `TTSRequest`, `SSE` in
/// `SSEOutputFormat`), which tell where a run of capitals that glues several together
/// (`TTSSSERequest`) splits into words: `TtsSseRequest` rather than `TtssseRequest`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Acronyms {
    known: BTreeSet<String>,
}

/// The longest run of capitals read as one acronym (`HTTPS`, `OAUTH`).
const MAX_ACRONYM: usize = 8;

/// The longest run of capitals split into acronyms (`TTSSSE`); a longer one stays one word.
const MAX_GLUED: usize = 32;

thread_local! {
    static ACRONYMS: std::cell::RefCell<Acronyms> = std::cell::RefCell::default();
}

impl Acronyms {
    /// The acronyms the given names (schema names, operation ids, tags) use: every run of two or
    /// more capitals that stands as a word (at the start or end, or between other characters
    /// than capitals; a capital followed by a small letter starts the next word).
    pub fn collect<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut known = BTreeSet::new();
        for name in names {
            for (start, end) in capital_runs(name) {
                if (2..=MAX_ACRONYM).contains(&(end - start)) {
                    known.insert(name[start..end].to_owned());
                }
            }
        }
        Self { known }
    }

    /// Runs `f` with these acronyms in force for the name conversions it makes (on this thread).
    pub fn scope<T>(self, f: impl FnOnce() -> T) -> T {
        let previous = ACRONYMS.with(|cell| cell.replace(self));
        let out = f();
        ACRONYMS.with(|cell| cell.replace(previous));
        out
    }

    /// `wire` with a space between the acronyms glued into one run of capitals, where the run
    /// splits wholly into known acronyms (two or more, the fewest; of equally few, the one whose
    /// first acronym is longest); other runs stay whole.
    fn split(&self, wire: &str) -> String {
        if self.known.is_empty() {
            return wire.to_owned();
        }
        let mut out = String::with_capacity(wire.len() + 4);
        let mut last = 0;
        for (start, end) in capital_runs(wire) {
            let run = &wire[start..end];
            if let Some(pieces) = self.pieces(run).filter(|pieces| pieces.len() > 1) {
                out.push_str(&wire[last..start]);
                out.push_str(&pieces.join(" "));
                out.push(' ');
                last = end;
            }
        }
        out.push_str(&wire[last..]);
        out
    }

    /// The fewest known acronyms other than `run` itself that make up `run`.
    fn pieces<'r>(&self, run: &'r str) -> Option<Vec<&'r str>> {
        // best[i]: the fewest pieces that make up run[i..].
        // Linear in the run: pieces are short, and a long run of capitals is no glued acronym.
        if run.len() > MAX_GLUED {
            return None;
        }
        let mut best: Vec<Option<Vec<&'r str>>> = vec![None; run.len() + 1];
        best[run.len()] = Some(Vec::new());
        for start in (0..run.len()).rev() {
            for end in (start + 2..=run.len().min(start + MAX_ACRONYM)).rev() {
                let piece = &run[start..end];
                if piece == run || !self.known.contains(piece) {
                    continue;
                }
                let Some(rest) = &best[end] else {
                    continue;
                };
                if best[start]
                    .as_ref()
                    .is_none_or(|found| rest.len() + 1 < found.len())
                {
                    let mut pieces = vec![piece];
                    pieces.extend(rest.iter().copied());
                    best[start] = Some(pieces);
                }
            }
        }
        best.swap_remove(0)
    }
}

/// The byte ranges of the runs of ASCII capitals in `name` that form a word: a capital followed
/// by a small letter is left to the word it starts (`TTSR|equest` -> `TTS`).
fn capital_runs(name: &str) -> Vec<(usize, usize)> {
    let bytes = name.as_bytes();
    let mut runs = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if !bytes[index].is_ascii_uppercase() {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && bytes[index].is_ascii_uppercase() {
            index += 1;
        }
        let end = if bytes.get(index).is_some_and(u8::is_ascii_lowercase) {
            index - 1
        } else {
            index
        };
        if end > start {
            runs.push((start, end));
        }
    }
    runs
}

/// Splits a wire name into words, turning every character that cannot appear in an identifier
/// into a word boundary and spelling out a few symbols that carry meaning on their own.
fn words(wire: &str) -> String {
    let wire = ACRONYMS.with(|cell| cell.borrow().split(wire));
    let mut out = String::with_capacity(wire.len());
    for ch in wire.chars() {
        match ch {
            c if c.is_ascii_alphanumeric() => out.push(c),
            '+' => out.push_str(" plus "),
            '*' => out.push_str(" star "),
            _ if ch.is_alphanumeric() => {
                // Non-ASCII letters are transliterated to their code point so the name stays ASCII
                // and distinct names stay distinct.
                out.push_str(&format!(" u{:x} ", u32::from(ch)));
            }
            _ => out.push(' '),
        }
    }
    out
}

fn fix_start(name: String, prefix: &str) -> String {
    match name.chars().next() {
        None => prefix.to_owned(),
        Some(c) if c.is_ascii_digit() => format!("{prefix}{name}"),
        Some(_) => name,
    }
}

/// The longest identifier the generator prints, in bytes (identifiers are ASCII).
pub const MAX_IDENT: usize = 64;

/// The 64-bit FNV-1a hash of some bytes: stable across platforms and releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `name` if it is at most `max` bytes long; otherwise its beginning and a hash of the whole
/// name (`_1a2b3c4d` for a snake name, `H1a2b3c4d` for a Pascal one), `max` bytes at most, so
/// that two long names sharing their beginning stay apart.
fn bounded(name: String, max: usize) -> String {
    if name.len() <= max {
        return name;
    }
    let hash = fnv1a(name.as_bytes());
    let snake = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    let suffix = if snake {
        format!("_{:08x}", hash >> 32)
    } else {
        format!("H{:08x}", hash >> 32)
    };
    let mut keep = max.saturating_sub(suffix.len());
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let kept = name[..keep].trim_end_matches('_');
    format!("{kept}{suffix}")
}

/// A `snake_case` identifier for a field, method, parameter or module. The result is printable as
/// an identifier: keywords come back as raw identifiers (`r#type`) or with a trailing underscore;
/// a name longer than [`MAX_IDENT`] is shortened with a hash of the whole.
pub fn snake(wire: &str) -> String {
    let snake = words(wire).to_snake_case();
    escape_keyword(bounded(fix_start(snake, "n"), MAX_IDENT))
}

/// A `PascalCase` identifier for a type or enum variant, shortened as [`snake`] names are.
pub fn pascal(wire: &str) -> String {
    let pascal = words(wire).to_pascal_case();
    escape_keyword(bounded(fix_start(pascal, "N"), MAX_IDENT))
}

/// The variant name for a value of an integer or number enum: the value in plain decimal (never
/// an exponent: `1e3` is `1000`), after `N` (`8000` -> `N8000`), or after `Minus` for a negative
/// value (`-1` -> `Minus1`), with `_` for the decimal point (`0.5` -> `N0_5`, `-2.25` ->
/// `Minus2_25`).
pub fn number_variant(value: &serde_json::Number) -> String {
    let text = if let Some(int) = value.as_i64() {
        int.to_string()
    } else if let Some(int) = value.as_u64() {
        int.to_string()
    } else {
        // `Display` of `f64` writes the shortest decimal that reads back as the same value,
        // without an exponent.
        value.as_f64().unwrap_or_default().to_string()
    };
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => ("Minus", digits),
        None => ("N", text.as_str()),
    };
    format!("{sign}{}", digits.replace('.', "_"))
}

/// The extension a maintainer sets (by overlay) to choose the Rust name of a component schema's
/// type, an operation's method, a parameter or a property's field; the wire name stays.
pub const RENAME: &str = "x-rust-name";

/// The extension that chooses the name of the type generated for a schema written in place (a
/// property's object or enum, a parameter's enum, array items).
pub const RENAME_TYPE: &str = "x-rust-type-name";

/// The case a chosen name must be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// A type: `PascalCase`.
    Pascal,
    /// A method, parameter or field: `snake_case`.
    Snake,
}

/// A name chosen by a maintainer, if it is an identifier in the case its place needs, which this
/// module would print unchanged (not a keyword, no leading digit); otherwise why not.
pub fn chosen(name: &str, case: Case) -> Result<String, String> {
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    let (converted, what) = match case {
        Case::Pascal => (pascal(name), "a PascalCase type name"),
        Case::Snake => (snake(name), "a snake_case name"),
    };
    if valid && converted == name {
        Ok(converted)
    } else if KEYWORDS.contains(&name) {
        Err(format!("`{name}` is a Rust keyword"))
    } else {
        Err(format!("`{name}` is not {what} (`{converted}` would be)"))
    }
}

/// A `SCREAMING_SNAKE_CASE` identifier for a constant.
pub fn screaming(wire: &str) -> String {
    snake(wire).trim_start_matches("r#").to_uppercase()
}

fn escape_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The identifier without a raw prefix, for building derived names (`r#type` -> `type`).
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// Hands out unique names within one scope. Names are compared case-insensitively and without
/// underscores, so that `Foo` and `foo`, or `a_b` and `ab`, which would become the same identifier
/// after case conversion, get distinct names. The first comer keeps the plain name; later ones get
/// a numeric suffix (`Foo2`, `foo_2`), so the outcome depends only on the order of the input.
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which the given names are already taken.
    pub fn with_reserved<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut scope = Self::default();
        for name in names {
            scope.taken.insert(Self::key(name));
        }
        scope
    }

    fn key(name: &str) -> String {
        bare(name).replace('_', "").to_lowercase()
    }

    /// Whether a name is still free.
    pub fn is_free(&self, name: &str) -> bool {
        !self.taken.contains(&Self::key(name))
    }

    /// Claims `name`, or the first free `name{n}` (snake names get `name_{n}`), no longer than
    /// [`MAX_IDENT`].
    pub fn claim(&mut self, name: String) -> String {
        self.claim_with(name, &[])
    }

    /// Claims `name` together with the names made of it and each suffix (`token` and
    /// `token_provider`), or the first `name{n}` for which all are free; each at most
    /// [`MAX_IDENT`] long.
    pub fn claim_with(&mut self, name: String, suffixes: &[&str]) -> String {
        let room = MAX_IDENT - suffixes.iter().map(|s| s.len()).max().unwrap_or(0);
        let names = |name: &str| -> Vec<String> {
            std::iter::once(Self::key(name))
                .chain(
                    suffixes
                        .iter()
                        .map(|s| Self::key(&format!("{}{s}", bare(name)))),
                )
                .collect()
        };
        let mut take = |candidate: &str| {
            let keys = names(candidate);
            let free = keys.iter().all(|key| !self.taken.contains(key));
            if free {
                self.taken.extend(keys);
            }
            free
        };
        let name = if name.starts_with("r#") {
            name
        } else {
            bounded(name, room)
        };
        if take(&name) {
            return name;
        }
        let base = bare(&name).trim_end_matches('_').to_owned();
        let snake = base
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        (2..)
            .map(|n| {
                let candidate = if snake {
                    format!("{base}_{n}")
                } else {
                    format!("{base}{n}")
                };
                bounded(candidate, room)
            })
            .find(|candidate| take(candidate))
            .unwrap_or(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_table() {
        let table = [
            ("auth_access-token", "auth_access_token"),
            ("access-token", "access_token"),
            ("type", "r#type"),
            ("self", "self_"),
            ("Self", "self_"),
            ("crate", "crate_"),
            ("2fa", "n2fa"),
            ("voice[id]", "voice_id"),
            ("timestamp_granularities[]", "timestamp_granularities"),
            ("output_format[sample_rate]", "output_format_sample_rate"),
            ("listVoices", "list_voices"),
            ("X-API-Key", "x_api_key"),
            ("", "n"),
            ("$ref", "r#ref"),
            ("@type", "r#type"),
            ("gen", "r#gen"),
            ("a+b", "a_plus_b"),
            ("café", "caf_ue9"),
        ];
        for (wire, expected) in table {
            assert_eq!(snake(wire), expected, "snake({wire:?})");
        }
    }

    #[test]
    fn pascal_case_table() {
        let table = [
            ("auth_access-token", "AuthAccessToken"),
            ("pcm_f32le", "PcmF32le"),
            ("Self", "Self_"),
            ("2fa", "N2fa"),
            ("voice[id]", "VoiceId"),
            ("WAVOutputFormat", "WavOutputFormat"),
            ("en-US", "EnUs"),
            ("-1", "N1"),
            ("+1", "Plus1"),
            ("", "N"),
        ];
        for (wire, expected) in table {
            assert_eq!(pascal(wire), expected, "pascal({wire:?})");
        }
    }

    #[test]
    fn long_runs_of_capitals_stay_whole() {
        let long = "AB".repeat(5_000);
        let names = [long.as_str(), "ABRequest", "TTSRequest"];
        let acronyms = Acronyms::collect(names);
        assert!(acronyms.known.iter().all(|a| a.len() <= MAX_ACRONYM));
        // A run longer than any glued acronym is one word, whatever the document knows.
        assert_eq!(
            acronyms.split(&format!("{long}Request")),
            format!("{long}Request")
        );
        assert_eq!(acronyms.split("ABTTSRequest"), "AB TTS Request");
    }

    #[test]
    fn acronyms_table() {
        let document = [
            "TTSRequest",
            "SSEOutputFormat",
            "STTEncoding",
            "WAVOutputFormat",
            "MP3OutputFormat",
            "TTSSSERequest",
            "TTSSSEChunkEvent",
            "APIInfo",
            "getHTTPResponse",
            "ID",
            "voice_id",
        ];
        let acronyms = Acronyms::collect(document);
        let words: Vec<&str> = acronyms.known.iter().map(String::as_str).collect();
        assert_eq!(
            words,
            [
                "API", "HTTP", "ID", "MP", "SSE", "STT", "TTS", "TTSSSE", "WAV"
            ]
        );
        let table = [
            ("TTSSSERequest", "TtsSseRequest", "tts_sse_request"),
            (
                "TTSSSEChunkEvent",
                "TtsSseChunkEvent",
                "tts_sse_chunk_event",
            ),
            ("APIInfo", "ApiInfo", "api_info"),
            ("MP3OutputFormat", "Mp3OutputFormat", "mp3_output_format"),
            ("WAVOutputFormat", "WavOutputFormat", "wav_output_format"),
            ("STTEncoding", "SttEncoding", "stt_encoding"),
            ("getHTTPResponse", "GetHttpResponse", "get_http_response"),
            ("ID", "Id", "id"),
            ("STTWAV", "SttWav", "stt_wav"),
            // A run that does not split wholly into known acronyms stays one word.
            ("TTSXYZ", "Ttsxyz", "ttsxyz"),
            ("auth_access-token", "AuthAccessToken", "auth_access_token"),
            ("voice[id]", "VoiceId", "voice_id"),
        ];
        acronyms.scope(|| {
            for (wire, pascal_case, snake_case) in table {
                assert_eq!(pascal(wire), pascal_case, "pascal({wire:?})");
                assert_eq!(snake(wire), snake_case, "snake({wire:?})");
            }
        });
        // Without the document's acronyms, a glued run stays one word.
        assert_eq!(pascal("TTSSSERequest"), "TtssseRequest");
    }

    #[test]
    fn chosen_names() {
        assert_eq!(
            chosen("SampleRate", Case::Pascal),
            Ok("SampleRate".to_owned())
        );
        assert_eq!(chosen("speak", Case::Snake), Ok("speak".to_owned()));
        assert_eq!(
            chosen("speak_now2", Case::Snake),
            Ok("speak_now2".to_owned())
        );
        for (name, case) in [
            ("sampleRate", Case::Pascal),
            ("Sample-Rate", Case::Pascal),
            ("TTSRequest", Case::Pascal),
            ("2fa", Case::Snake),
            ("type", Case::Snake),
            ("Self", Case::Pascal),
            ("speakNow", Case::Snake),
            ("", Case::Snake),
            ("café", Case::Snake),
        ] {
            assert!(chosen(name, case).is_err(), "{name:?} is refused");
        }
        assert_eq!(
            chosen("type", Case::Snake),
            Err("`type` is a Rust keyword".to_owned())
        );
    }

    #[test]
    fn number_variant_table() {
        let table = [
            ("8000", "N8000"),
            ("0", "N0"),
            ("-1", "Minus1"),
            ("0.5", "N0_5"),
            ("-2.25", "Minus2_25"),
            ("1e3", "N1000"),
            ("1.5e-3", "N0_0015"),
            ("18446744073709551615", "N18446744073709551615"),
        ];
        for (wire, expected) in table {
            let value: serde_json::Number = serde_json::from_str(wire).expect("a JSON number");
            assert_eq!(number_variant(&value), expected, "number_variant({wire})");
        }
    }

    #[test]
    fn long_names_are_shortened_with_a_hash() {
        let long = "very_long_".repeat(30);
        let snake_name = snake(&long);
        assert!(
            (MAX_IDENT - 2..=MAX_IDENT).contains(&snake_name.len()),
            "{snake_name}"
        );
        assert!(
            snake_name.starts_with("very_long_very_long"),
            "{snake_name}"
        );
        assert_eq!(snake_name, snake(&long), "deterministic");
        assert_ne!(snake_name, snake(&format!("{long}2")), "distinct");
        let pascal_name = pascal(&long);
        assert!(
            (MAX_IDENT - 2..=MAX_IDENT).contains(&pascal_name.len()),
            "{pascal_name}"
        );
        assert!(pascal_name.starts_with("VeryLongVeryLong"), "{pascal_name}");
        assert!(pascal_name.chars().all(|c| c.is_ascii_alphanumeric()));
        // Names made longer by a suffix stay bounded, and apart.
        let mut scope = Scope::default();
        let first = scope.claim(format!("{pascal_name}Item"));
        let second = scope.claim(format!("{pascal_name}Item"));
        assert!(first.len() <= MAX_IDENT && second.len() <= MAX_IDENT);
        assert_ne!(first, second);
        assert_eq!(snake("short"), "short");
    }

    #[test]
    fn companions_are_claimed_together() {
        let mut scope = Scope::with_reserved(["token_provider"]);
        // `token` would make `token_provider`, which is taken.
        assert_eq!(
            scope.claim_with("token".to_owned(), &["_provider"]),
            "token_2"
        );
        assert!(!scope.is_free("token_2_provider"));
        assert!(scope.is_free("token"));
        let long = scope.claim_with("a".repeat(100), &["_provider"]);
        assert!(long.len() + "_provider".len() <= MAX_IDENT, "{long}");
    }

    #[test]
    fn collisions_get_stable_suffixes() {
        let mut scope = Scope::with_reserved(["Client"]);
        assert_eq!(scope.claim(pascal("Foo")), "Foo");
        assert_eq!(scope.claim(pascal("foo")), "Foo2");
        assert_eq!(scope.claim(pascal("FOO")), "Foo3");
        assert_eq!(scope.claim(pascal("client")), "Client2");
        let mut fields = Scope::default();
        assert_eq!(fields.claim(snake("voice_id")), "voice_id");
        assert_eq!(fields.claim(snake("voice[id]")), "voice_id_2");
        assert_eq!(fields.claim(snake("type")), "r#type");
        assert_eq!(fields.claim(snake("Type")), "type_2");
        assert_eq!(fields.claim(snake("self")), "self_");
        assert_eq!(fields.claim(snake("Self")), "self_2");
    }
}
