//! Sample values that satisfy the constraints a schema states: the arguments of the contract
//! example and the events a mock server is given to send. Deterministic: the same constraints
//! always give the same value.
//!
//! A `pattern` is turned into a matching string by walking its syntax tree (`regex-syntax`):
//! the first branch of each alternation, the fewest repetitions allowed, and from each class a
//! readable character (a letter or digit when the class has one). A random generator
//! (`rand_regex`) would also do, but needs a seeded random source to stay deterministic and gives
//! longer, less readable strings.

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::ir::Bounds;

/// The longest sample string: a pattern or length bound asking for more (`(a{1000}){1000}`,
/// `minLength: 1e12`) gets a sample this long, which the constraint may then reject, rather than
/// exhausting memory.
const MAX_SAMPLE: usize = 4096;

/// A string the pattern matches, or `None` when the pattern cannot be read (look-around and
/// back-references, which ECMA-262 has and `regex-syntax` does not).
pub fn matching(pattern: &str) -> Option<String> {
    matching_with(pattern, 0)
}

/// A string the pattern matches, with `extra` more repetitions than the fewest allowed in each
/// repetition that allows them.
fn matching_with(pattern: &str, extra: u32) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(true)
        .utf8(true)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::new();
    write(&hir, extra, &mut out);
    Some(out)
}

/// A string the pattern matches within the length bounds, when more repetitions reach them
/// (`[a-z][a-z0-9-]+` with `minLength: 3` is `aaa`, not `aa`); else the shortest match.
fn matching_within(pattern: &str, min: usize, max: usize) -> Option<String> {
    let shortest = matching(pattern)?;
    let mut extra = 0u32;
    let mut candidate = shortest.clone();
    // Each step adds at least one character; the bound keeps hostile bounds cheap.
    while candidate.chars().count() < min && extra < 64 {
        extra += 1;
        match matching_with(pattern, extra) {
            Some(longer) if longer.len() > candidate.len() => candidate = longer,
            _ => return Some(shortest),
        }
    }
    let count = candidate.chars().count();
    Some(if count >= min && count <= max {
        candidate
    } else {
        shortest
    })
}

fn write(hir: &Hir, extra: u32, out: &mut String) {
    if out.len() >= MAX_SAMPLE {
        return;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
        HirKind::Class(class) => out.push(pick(class)),
        HirKind::Repetition(repetition) => {
            let count = repetition.min.saturating_add(extra);
            let count = repetition.max.map_or(count, |max| count.min(max));
            for _ in 0..count {
                if out.len() >= MAX_SAMPLE {
                    break;
                }
                write(&repetition.sub, extra, out);
            }
        }
        HirKind::Capture(capture) => write(&capture.sub, extra, out),
        HirKind::Concat(items) => items.iter().for_each(|item| write(item, extra, out)),
        HirKind::Alternation(branches) => {
            if let Some(first) = branches.first() {
                write(first, extra, out);
            }
        }
    }
}

/// A readable character of a class: a lower-case letter, an upper-case letter or a digit when
/// the class holds one, else its first printable character.
fn pick(class: &Class) -> char {
    let ranges: Vec<(char, char)> = match class {
        Class::Unicode(class) => class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        Class::Bytes(class) => class
            .ranges()
            .iter()
            .map(|r| (char::from(r.start()), char::from(r.end())))
            .collect(),
    };
    let contains = |c: char| ranges.iter().any(|&(start, end)| start <= c && c <= end);
    if let Some(c) = ['a', 'A', '0', 'x', '_', '-']
        .into_iter()
        .find(|&c| contains(c))
    {
        return c;
    }
    ranges
        .iter()
        .find_map(|&(start, end)| {
            let start = start.max('!');
            (start <= end).then_some(start)
        })
        .or_else(|| ranges.first().map(|&(start, _)| start))
        .unwrap_or('a')
}

/// A string satisfying the bounds: a match of the pattern, or a value of the format, padded or
/// cut to the allowed length.
pub fn string(bounds: &Bounds) -> String {
    if let Some(value) = bounds.values.first().and_then(|v| v.as_str()) {
        return value.to_owned();
    }
    let min = usize::try_from(bounds.min_length.unwrap_or(0)).unwrap_or(usize::MAX);
    let max = usize::try_from(bounds.max_length.unwrap_or(u64::MAX)).unwrap_or(usize::MAX);
    if let Some(matched) = bounds
        .pattern
        .as_deref()
        .and_then(|pattern| matching_within(pattern, min, max))
    {
        return matched;
    }
    let mut value = match bounds.format.as_deref() {
        Some("email" | "idn-email") => "sample@example.com",
        Some("uri" | "url" | "iri" | "uri-reference" | "iri-reference") => {
            "https://example.com/sample"
        }
        Some("hostname" | "idn-hostname") => "example.com",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        Some("time") => "12:00:00Z",
        Some("duration") => "PT1S",
        Some("date-time") => "2024-01-01T00:00:00Z",
        Some("date") => "2024-01-01",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("byte") => "AAECAw==",
        _ => "sample",
    }
    .to_owned();
    let count = value.chars().count();
    if count < min {
        value.push_str(&"a".repeat(min.min(MAX_SAMPLE).saturating_sub(count)));
    }
    if value.chars().count() > max {
        value = value.chars().take(max).collect();
    }
    value
}

/// An integer satisfying the bounds: the first `enum` value, else the smallest allowed value (1
/// without a minimum; a multiple of `multipleOf`), else the largest allowed.
pub fn integer(bounds: &Bounds) -> i64 {
    if let Some(value) = bounds.values.iter().find_map(serde_json::Value::as_i64) {
        return value;
    }
    let low = bounds.minimum.map(|min| {
        let min = min.ceil() as i64;
        if bounds.exclusive_minimum && (min as f64) <= bounds.minimum.unwrap_or(0.0) {
            min + 1
        } else {
            min
        }
    });
    let high = bounds.maximum.map(|max| {
        let max = max.floor() as i64;
        if bounds.exclusive_maximum && (max as f64) >= bounds.maximum.unwrap_or(0.0) {
            max - 1
        } else {
            max
        }
    });
    let step = bounds
        .multiple_of
        .filter(|m| *m >= 1.0 && m.fract() == 0.0)
        .map_or(1, |m| m as i64);
    let start = round_up(low.unwrap_or(1), step);
    match high {
        Some(high) if start > high => round_down(high, step),
        _ => start,
    }
}

fn round_up(value: i64, step: i64) -> i64 {
    let rem = value.rem_euclid(step);
    if rem == 0 {
        value
    } else {
        value + (step - rem)
    }
}

fn round_down(value: i64, step: i64) -> i64 {
    value - value.rem_euclid(step)
}

/// A number satisfying the bounds: the first `enum` value, else as [`integer`] when that fits
/// (whole numbers read well), else the middle of an open interval.
pub fn number(bounds: &Bounds) -> f64 {
    if let Some(value) = bounds.values.iter().find_map(serde_json::Value::as_f64) {
        return value;
    }
    let whole = integer(bounds) as f64;
    if fits(whole, bounds) {
        return whole;
    }
    match (bounds.minimum, bounds.maximum) {
        (Some(min), Some(max)) => {
            let middle = min + (max - min) / 2.0;
            match bounds.multiple_of.filter(|m| *m > 0.0) {
                Some(m) => (middle / m).floor() * m,
                None => middle,
            }
        }
        (Some(min), None) => min + bounds.multiple_of.unwrap_or(1.0),
        (None, Some(max)) => max - bounds.multiple_of.unwrap_or(1.0),
        (None, None) => whole,
    }
}

fn fits(value: f64, bounds: &Bounds) -> bool {
    let above = bounds.minimum.is_none_or(|min| {
        if bounds.exclusive_minimum {
            value > min
        } else {
            value >= min
        }
    });
    let below = bounds.maximum.is_none_or(|max| {
        if bounds.exclusive_maximum {
            value < max
        } else {
            value <= max
        }
    });
    let multiple = bounds
        .multiple_of
        .filter(|m| *m > 0.0)
        .is_none_or(|m| ((value / m).round() * m - value).abs() < 1e-9);
    above && below && multiple
}

/// The most items a sample list has, whatever `minItems` asks.
const MAX_ITEMS: u64 = 16;

/// How many items a sample list has: two when allowed (a lone repeated multipart field reads as
/// a single value), within `minItems` (up to 16) and `maxItems`.
pub fn items(bounds: &Bounds) -> usize {
    let min = bounds.min_items.unwrap_or(0).min(MAX_ITEMS);
    let max = bounds.max_items.unwrap_or(u64::MAX);
    usize::try_from(2u64.max(min).min(max)).unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_give_matching_strings() {
        for (pattern, expected) in [
            ("^[a-z]{2}-[A-Z]{2}$", "aa-AA"),
            (r"^\d{3}-\d{4}$", "000-0000"),
            ("^(foo|bar)+baz?$", "fooba"),
            ("^.{3,}$", "aaa"),
            (r"^[^\s]+@[^\s]+$", "a@a"),
            ("^sk_[0-9a-f]{8}$", "sk_aaaaaaaa"),
        ] {
            let value = matching(pattern).expect("readable pattern");
            assert_eq!(value, expected, "{pattern}");
        }
        assert_eq!(matching(r"^(?=a)a$"), None);
    }

    #[test]
    fn patterns_meet_length_bounds() {
        let bounds = |pattern: &str, min: u64, max: u64| Bounds {
            pattern: Some(pattern.to_owned()),
            min_length: Some(min),
            max_length: Some(max),
            ..Bounds::default()
        };
        // The shortest match is two characters; the bounds ask for three.
        assert_eq!(string(&bounds(r"[a-z][a-z0-9\-]+", 3, 28)), "aaa");
        assert_eq!(string(&bounds("^[0-9]{2,}$", 5, 10)), "00000");
        // A bounded repetition stops at its bound: the shortest match it is.
        assert_eq!(string(&bounds("^x{1,2}$", 5, 10)), "x");
        // A pattern without repetition stays as it is.
        assert_eq!(string(&bounds("^abc$", 5, 10)), "abc");
    }

    #[test]
    fn numbers_keep_within_bounds() {
        let bounds = |min: Option<f64>, max: Option<f64>, ex: bool, multiple: Option<f64>| Bounds {
            minimum: min,
            maximum: max,
            exclusive_minimum: ex,
            exclusive_maximum: ex,
            multiple_of: multiple,
            ..Bounds::default()
        };
        assert_eq!(integer(&Bounds::default()), 1);
        assert_eq!(integer(&bounds(Some(1.0), Some(3600.0), false, None)), 1);
        assert_eq!(integer(&bounds(Some(0.0), Some(10.0), true, None)), 1);
        assert_eq!(integer(&bounds(Some(5.0), None, false, Some(4.0))), 8);
        assert_eq!(integer(&bounds(None, Some(-3.0), false, None)), -3);
        assert_eq!(
            integer(&bounds(Some(-10.0), Some(-3.0), false, Some(5.0))),
            -10
        );
        assert_eq!(number(&bounds(Some(0.0), Some(1.0), true, None)), 0.5);
        assert_eq!(number(&bounds(Some(0.0), Some(1.0), false, None)), 0.0);
        let values = Bounds {
            values: vec![serde_json::json!(8000), serde_json::json!(16000)],
            ..Bounds::default()
        };
        assert_eq!(integer(&values), 8000);
    }

    #[test]
    fn strings_follow_format_and_length() {
        let email = Bounds {
            format: Some("email".to_owned()),
            ..Bounds::default()
        };
        assert_eq!(string(&email), "sample@example.com");
        let long = Bounds {
            min_length: Some(10),
            ..Bounds::default()
        };
        assert_eq!(string(&long), "sampleaaaa");
        let short = Bounds {
            max_length: Some(3),
            ..Bounds::default()
        };
        assert_eq!(string(&short), "sam");
        let counted = Bounds {
            min_items: Some(3),
            ..Bounds::default()
        };
        assert_eq!(items(&counted), 3);
        let one = Bounds {
            max_items: Some(1),
            ..Bounds::default()
        };
        assert_eq!(items(&one), 1);
    }

    #[test]
    fn hostile_bounds_give_bounded_samples() {
        let nested = matching("(((a{1000}){1000}){1000})").expect("readable");
        assert!(nested.len() <= MAX_SAMPLE + 1000, "{}", nested.len());
        let long = Bounds {
            min_length: Some(1_000_000_000_000),
            ..Bounds::default()
        };
        assert_eq!(string(&long).len(), MAX_SAMPLE);
        let many = Bounds {
            min_items: Some(u64::MAX),
            ..Bounds::default()
        };
        assert_eq!(items(&many), 16);
    }
}
