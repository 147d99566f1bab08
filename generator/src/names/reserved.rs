//! Every name the emitted code and the runtime define on a type, by the scope a generated name
//! joins: a field of a schema whose setter would be `new`, a credential setter named like a
//! builder method, an operation named like a trait method the client derives. Lowering claims
//! these first in each scope, so no generated name can take one; tests check the tables against
//! the runtime's sources and the emitted items.

/// Methods of the traits the emitted types implement or derive (`Debug`, `Clone`, `PartialEq`,
/// `Default`, `Serialize`, `Deserialize`, `Hash`, `IntoFuture`), which an inherent method of the
/// same name would shadow for callers.
pub const TRAIT_METHODS: &[&str] = &[
    "fmt",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "default",
    "serialize",
    "deserialize",
    "deserialize_in_place",
    "hash",
    "hash_slice",
    "into_future",
];

/// The methods of an emitted struct (a schema's object or a multipart form), beside the setters
/// of its optional fields, which take the fields' names: its constructor, its validation, and
/// the form writer of a multipart body.
pub const STRUCT_METHODS: &[&str] = &["new", "validate", "into_form"];

/// The methods and fields of a request builder, beside the setters of optional parameters: the
/// client and options it holds, its body setter, sending, awaiting and paging.
pub const REQUEST_BUILDER_METHODS: &[&str] = &[
    "new",
    "client",
    "body",
    "options",
    "with_options",
    "send",
    "into_future",
    "into_stream",
    "into_pages",
];

/// Methods of the root client, beside its operations and sub-client accessors.
///
/// The clients' operations are the API's surface and keep the names of the traits the clients
/// derive (`client.voices().clone(..)`): the derived `Debug` and `Clone` of a client never call
/// their methods by method-call syntax, so an operation named `clone` or `fmt` compiles, and
/// [`TRAIT_METHODS`] is not reserved here.
pub const CLIENT_METHODS: &[&str] = &["new", "builder", "from_env", "inner"];

/// Methods of a sub-client, beside its operations (the field it holds the client in); as on
/// the root client, trait names stay free for operations.
pub const SUB_CLIENT_METHODS: &[&str] = &["client"];

/// Methods of the runtime's client builder (`templates/src/runtime/client.rs`), beside the
/// credential setters, and the `build` the emitted code adds.
pub const CLIENT_BUILDER_METHODS: &[&str] = &[
    "new",
    "base_url",
    "timeout",
    "connect_timeout",
    "user_agent",
    "configure_http",
    "max_retries",
    "retry_policy",
    "total_timeout",
    "idle_timeout",
    "limits",
    "credential",
    "credential_provider",
    "from_env",
    "from_lookup",
    "build_inner",
    "build",
];

/// The suffix of the method that takes a bearer credential from a token provider, beside its
/// setter (`token` and `token_provider`).
pub const PROVIDER_SUFFIX: &str = "_provider";

/// Types the version module defines itself.
pub const MODULE_TYPES: &[&str] = &["Client", "ClientBuilder", "Api", "Error", "Result"];

/// Names the generated channel types define themselves (`Handshake` setters and methods).
pub const CHANNEL_METHODS: &[&str] = &["config", "connect", "into_future", "client"];

/// Methods of a multiplexed connection (`Multiplexer`): the runtime's, and those every binding
/// generates (`context`, `context_with_id`).
pub const CONNECTION_METHODS: &[&str] = &[
    "context",
    "context_with_id",
    "open",
    "dropped",
    "close",
    "fmt",
];

/// Methods of a context (`WsContext`): the runtime's, those a binding generates for the context's
/// input and cancelling, and the `Stream` methods a caller reaches through `StreamExt`.
pub const CONTEXT_METHODS: &[&str] = &[
    "id",
    "input",
    "output",
    "send_json",
    "send_keyed",
    "send_input",
    "send_value",
    "push",
    "flush",
    "finish",
    "cancel",
    "fmt",
    "drop",
    "clone",
    "next",
    "poll_next",
    "size_hint",
    "map",
    "filter",
    "filter_map",
    "then",
    "take",
    "skip",
    "fuse",
    "boxed",
    "chain",
    "zip",
    "fold",
    "collect",
    "for_each",
    "by_ref",
];

/// Methods of the sending half of a single-stream channel (`WsSender`): the runtime's, and
/// `Clone`'s.
pub const SENDER_METHODS: &[&str] = &[
    "send_binary",
    "send_text",
    "send_json",
    "pipe_reader",
    "pipe_stream",
    "finish",
    "command",
    "clone",
    "clone_from",
    "fmt",
];

/// A scope's own names and the trait methods: what a generated method of that scope must avoid.
pub fn methods(own: &'static [&'static str]) -> impl Iterator<Item = &'static str> {
    own.iter().chain(TRAIT_METHODS).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The methods defined in `impl` blocks of the given types in a runtime source file.
    fn runtime_methods(file: &str, types: &[&str]) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../templates/src/runtime")
            .join(file);
        let source = std::fs::read_to_string(&path).expect("runtime source");
        let mut current = false;
        let mut out = Vec::new();
        for line in source.lines() {
            if line.starts_with("impl") {
                let header = line.split(" for ").last().unwrap_or(line);
                current = types.iter().any(|t| header.contains(&format!("{t}<")));
            } else if current && let Some(rest) = line.strip_prefix("    ") {
                let rest = rest
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                let rest = rest.trim_start_matches("async ");
                if let Some(name) = rest.strip_prefix("fn ") {
                    let end = name.find(['(', '<']).unwrap_or(name.len());
                    out.push(name[..end].to_owned());
                }
            }
        }
        assert!(!out.is_empty(), "no methods found in {file}");
        out
    }

    #[test]
    fn the_reserved_method_tables_hold_every_runtime_method() {
        let contexts: Vec<&str> = CONTEXT_METHODS
            .iter()
            .chain(CONNECTION_METHODS)
            .copied()
            .collect();
        for name in runtime_methods("ws/mux.rs", &["WsContext", "WsInput", "Multiplexer"]) {
            assert!(
                contexts.contains(&name.as_str()),
                "`{name}` of mux.rs is not reserved"
            );
        }
        for name in runtime_methods("ws/stream.rs", &["WsSender"]) {
            assert!(
                SENDER_METHODS.contains(&name.as_str()),
                "`{name}` of stream.rs is not reserved"
            );
        }
        let builder: Vec<&str> = methods(CLIENT_BUILDER_METHODS).collect();
        for name in runtime_methods("client.rs", &["ClientBuilder"]) {
            assert!(
                builder.contains(&name.as_str()),
                "`{name}` of the client builder in client.rs is not reserved"
            );
        }
    }
}
