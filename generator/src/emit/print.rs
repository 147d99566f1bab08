//! Printing emitted tokens as formatted files: `prettyplease`, the blank lines between items,
//! and large files printed a block of items at a time on every core.
//!
//! A file of many items (the types of an API with tens of thousands of schemas) is made and
//! printed one chunk of items at a time, so that its tokens and syntax tree never exist at once;
//! blocks of chunks are shared among threads and joined in order, so the text is the same as
//! printing the whole file on one thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use proc_macro2::TokenStream;

/// Chunks printed together by one thread before it takes the next block.
const BLOCK: usize = 64;

/// The most threads one file is printed on.
const MAX_THREADS: usize = 8;

/// Formats tokens as a file that starts with the given comment line.
pub(crate) fn file(header: &str, tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("emitted tokens always form a valid file");
    join(header, &[spaced(&prettyplease::unparse(&file))])
}

/// Formats a file made of `count` consecutive chunks of items, chunk `index` made by
/// `chunk(index)`, as if the chunks were one file that starts with the given comment line.
pub(crate) fn chunked<F>(header: &str, count: usize, chunk: F) -> String
where
    F: Fn(usize) -> TokenStream + Sync,
{
    let blocks = count.div_ceil(BLOCK);
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, MAX_THREADS)
        .min(blocks);
    let block = |index: usize| {
        let mut code = String::new();
        for i in index * BLOCK..((index + 1) * BLOCK).min(count) {
            let file: syn::File =
                syn::parse2(chunk(i)).expect("emitted tokens always form a valid file");
            code.push_str(&prettyplease::unparse(&file));
        }
        spaced(&code)
    };
    let printed: Vec<String> = if threads <= 1 {
        (0..blocks).map(block).collect()
    } else {
        let next = AtomicUsize::new(0);
        let done = Mutex::new(vec![String::new(); blocks]);
        let work = || {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= blocks {
                    break;
                }
                let text = block(index);
                if let Ok(mut done) = done.lock() {
                    done[index] = text;
                }
            }
        };
        // This thread works too: its allocator holds the memory the document freed, which new
        // threads would take from the system (and have zeroed) again.
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
        done.into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    join(header, &printed)
}

/// The file: the header, then the blocks with a blank line where [`spaced`] would put one
/// between the last line of a block and the first of the next.
fn join(header: &str, blocks: &[String]) -> String {
    let length = blocks.iter().map(|b| b.len() + 1).sum::<usize>();
    let mut out = String::with_capacity(header.len() + 5 + length);
    out.push_str("// ");
    out.push_str(header);
    out.push_str("\n\n");
    let mut last: Option<&str> = None;
    for text in blocks.iter().filter(|text| !text.is_empty()) {
        if let (Some(line), Some(next)) = (last, text.lines().next())
            && blank_between(line, next)
        {
            out.push('\n');
        }
        out.push_str(text);
        last = text.lines().next_back();
    }
    out
}

/// Puts a blank line between consecutive items at the same depth, for readability.
fn spaced(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        if let Some(next) = lines.peek()
            && blank_between(line, next)
        {
            out.push('\n');
        }
    }
    out
}

/// Whether a blank line goes between two consecutive lines: after an item's end and before the
/// next item at the same depth.
fn blank_between(line: &str, next: &str) -> bool {
    const STARTS: &[&str] = &[
        "#[", "///", "pub ", "pub(", "impl", "fn ", "type ", "const ", "mod ", "struct ", "enum ",
        "async ",
    ];
    let indent = line.len() - line.trim_start().len();
    let next_indent = next.len() - next.trim_start().len();
    let closes = matches!(line.trim(), "}" | "};")
        || (line.trim_end().ends_with(';') && line.trim_start().starts_with("pub mod "));
    let opens = STARTS
        .iter()
        .any(|start| next.trim_start().starts_with(start));
    closes && indent == next_indent && opens
}

#[cfg(test)]
mod tests {
    use quote::{format_ident, quote};

    use super::*;

    fn item(index: usize) -> TokenStream {
        let name = format_ident!("S{index}");
        let inner = format_ident!("f{index}");
        quote! {
            /// A struct.
            pub struct #name { pub x: u8 }
            impl #name { pub fn #inner(&self) -> u8 { self.x } }
        }
    }

    #[test]
    fn chunks_print_as_one_file() {
        let count = BLOCK * 3 + 5;
        let whole = file("header", (0..count).map(item).collect::<TokenStream>());
        assert_eq!(chunked("header", count, item), whole);
        assert!(whole.starts_with("// header\n\n/// A struct.\n"), "{whole}");
        // The first item of the second block, spaced from the last of the first.
        assert!(
            whole.contains("}\n\n/// A struct.\npub struct S64 {"),
            "{whole}"
        );
    }

    #[test]
    fn empty_chunks_leave_no_trace() {
        let with_empty = chunked("h", BLOCK * 2 + 1, |i| {
            if i % 2 == 0 {
                item(i)
            } else {
                TokenStream::new()
            }
        });
        let without = file("h", (0..=BLOCK * 2).step_by(2).map(item).collect());
        assert_eq!(with_empty, without);
    }

    #[test]
    fn items_at_one_depth_are_spaced() {
        assert_eq!(spaced("}\nfn a() {}\n"), "}\n\nfn a() {}\n");
        assert_eq!(spaced("    }\nfn a() {}\n"), "    }\nfn a() {}\n");
        assert_eq!(spaced("}\nlet x = 1;\n"), "}\nlet x = 1;\n");
    }
}
