//! Identifier decisions: case conversion, keyword escaping, invalid characters and collisions.
//!
//! Every Rust name the generator prints comes from here, so that a spec's names (`auth_access-token`,
//! `type`, `2fa`, `voice[id]`) always become valid, readable and stable identifiers.

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

/// Splits a wire name into words, turning every character that cannot appear in an identifier
/// into a word boundary and spelling out a few symbols that carry meaning on their own.
fn words(wire: &str) -> String {
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

/// A `snake_case` identifier for a field, method, parameter or module. The result is printable as
/// an identifier: keywords come back as raw identifiers (`r#type`) or with a trailing underscore.
pub fn snake(wire: &str) -> String {
    let snake = words(wire).to_snake_case();
    escape_keyword(fix_start(snake, "n"))
}

/// A `PascalCase` identifier for a type or enum variant.
pub fn pascal(wire: &str) -> String {
    let pascal = words(wire).to_pascal_case();
    escape_keyword(fix_start(pascal, "N"))
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

    /// Claims `name`, or the first free `name{n}` (snake names get `name_{n}`).
    pub fn claim(&mut self, name: String) -> String {
        if self.taken.insert(Self::key(&name)) {
            return name;
        }
        let base = bare(&name).trim_end_matches('_').to_owned();
        let snake = base
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        (2..)
            .map(|n| {
                if snake {
                    format!("{base}_{n}")
                } else {
                    format!("{base}{n}")
                }
            })
            .find(|candidate| self.taken.insert(Self::key(candidate)))
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
