//! The whole generator over arbitrary bytes, in memory: an OpenAPI document (YAML or JSON),
//! optionally followed by [`ASYNCAPI_MARKER`] and an AsyncAPI document of its WebSocket channels,
//! is loaded, lowered and assembled into a standalone crate the way `cargo xtask crate` does.
//!
//! Failures: a panic; an emitted crate larger than [`output_budget`] allows for the input; and,
//! through libFuzzer's `-timeout` and `-rss_limit_mb` (set by `cargo xtask fuzz`), a hang or a
//! memory blowup.

#![no_main]

use std::path::Path;

use generator::krate::{self, Standalone};
use generator::{Config, asyncapi, load};
use libfuzzer_sys::fuzz_target;

/// The line that separates the OpenAPI document from the AsyncAPI one: a YAML comment, so that
/// the first part alone still reads as the document it was.
const ASYNCAPI_MARKER: &str = "\n#%asyncapi\n";

/// Bytes the generated API may take for an input of `input` bytes. Over the seed documents
/// (fixtures and hostile documents, with the examples test file) the largest output is 130 kB and
/// the largest ratio 32 output bytes per input byte (`GENERATE_FUZZ_SIZES=1` prints both per
/// input). A ratio of 2000 leaves room for what YAML aliases legitimately expand to (one inline
/// schema reused under many names) while catching output that grows faster than the input, such
/// as a schema copied once per path through a diamond of references; the 1 MiB floor covers the
/// fixed cost of any document (client, error types, README) many times over.
fn output_budget(input: usize) -> usize {
    (1 << 20).max(input.saturating_mul(2000))
}

/// The files that depend on the document: the API module, the examples test and the README (the
/// rest is the runtime copied from `templates/`).
fn is_generated(path: &Path) -> bool {
    path.starts_with("src/api")
        || path == Path::new("tests/examples.rs")
        || path == Path::new("README.md")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (openapi, channels) = match text.split_once(ASYNCAPI_MARKER) {
        Some((openapi, channels)) => (openapi, Some(channels)),
        None => (text, None),
    };
    let Ok(value) = load::parse_value(Path::new("fuzz.yml"), openapi) else {
        return;
    };
    let Ok(document) = load::parse_document(Path::new("fuzz.yml"), value) else {
        return;
    };
    let channels = match channels {
        Some(text) => {
            let file = Path::new("fuzz.asyncapi.yml");
            let Ok(value) = load::parse_value(file, text) else {
                return;
            };
            let Ok(channels) = asyncapi::parse_document(file, value) else {
                return;
            };
            Some(channels)
        }
        None => None,
    };
    let config = Config {
        docs_base_url: Some("https://docs.example.com".to_owned()),
        ..Config::default()
    };
    let Ok(lowered) = generator::lower_with(&document, channels.as_ref(), &config) else {
        return;
    };
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
    let files = krate::standalone(
        &templates,
        &lowered.api,
        &Standalone {
            package: "fuzz-client",
            source: "fuzz.yml",
            command: "cargo fuzz",
            lints: None,
            examples: true,
            contract: true,
        },
    )
    .expect("the templates assemble");
    let emitted: usize = files
        .iter()
        .filter(|(path, _)| is_generated(path))
        .map(|(_, text)| text.len())
        .sum();
    if std::env::var_os("GENERATE_FUZZ_SIZES").is_some() {
        eprintln!(
            "GENERATE_FUZZ_SIZES input {} emitted {} ratio {:.1}",
            data.len(),
            emitted,
            emitted as f64 / data.len().max(1) as f64
        );
    }
    let budget = output_budget(data.len());
    assert!(
        emitted <= budget,
        "{emitted} bytes emitted for {} bytes of input, over the budget of {budget}",
        data.len()
    );
});
