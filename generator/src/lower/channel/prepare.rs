//! Reading an AsyncAPI document's channels against one OpenAPI version: which schemas the
//! version's components provide, and owned `openapiv3` schemas for the rest, ready for the
//! shared schema lowering. The channel itself (address, handshake query, credentials) is read
//! here, its messages in `messages`, their schemas in `schemas`.

use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_json::{Map, Value};

use crate::asyncapi::Document;
use crate::diagnostics::{Diagnostic, escape_segment, unescape_segment};
use crate::ir::{ChannelCredential, FixedHeader, SchemeLocation};
use crate::names;

mod messages;
mod schemas;

use messages::{fixed_value, routing_key, tag_property, text};

/// The extension on a message, or on a component schema of the AsyncAPI document, listing in
/// order of preference the component schemas of the OpenAPI document it may be: the first one a
/// version defines is used. A schema of the AsyncAPI document that none selects is its own, even
/// where the OpenAPI document has a component of the same name.
pub(crate) const COMPONENTS: &str = "x-components";
/// The extension on a security scheme listing the API's security schemes it may carry the
/// credential of: the first one a version defines is used.
pub(crate) const SECURITY_SCHEMES: &str = "x-security-schemes";
/// The extension on a channel naming the property that routes messages to contexts.
pub(crate) const CONTEXT_KEY: &str = "x-context-key";
/// The extension marking a received message that ends its context or the session.
pub(crate) const TERMINAL: &str = "x-terminal";
/// The extension marking the sent message after which the client sends nothing more.
pub(crate) const ENDS_INPUT: &str = "x-ends-input";
/// The extension marking the sent message that cancels a context.
pub(crate) const CANCELS: &str = "x-cancels";
/// The extension marking a received message that reports an error.
pub(crate) const ERROR: &str = "x-error";
/// The extension on a sent message of a multiplexed channel naming the fields that carry a
/// context's input in pieces: `{text: <field>, continue: <field>, flush: <field>}`.
pub(crate) const CONTEXT_INPUT: &str = "x-context-input";
/// The extension on a received message naming the field that carries a context's output and the
/// methods that return it: `{field: <field>, stream: <method>, call: <method>}`.
pub(crate) const CONTEXT_OUTPUT: &str = "x-context-output";

const SCHEMAS: &str = "#/components/schemas/";

/// The channels of an AsyncAPI document, read for one OpenAPI version.
#[derive(Debug, Default)]
pub(in crate::lower) struct Prepared {
    pub(super) channels: Vec<PreparedChannel>,
    pub(in crate::lower) errors: Vec<Diagnostic>,
    pub(in crate::lower) warnings: Vec<Diagnostic>,
    /// Component schemas of the AsyncAPI document that the payloads reach and the OpenAPI
    /// document does not define: lowered as its own components, under their own names.
    pub(in crate::lower) schemas: indexmap::IndexMap<String, ReferenceOr<Schema>>,
    /// The file name prefixed to pointers into the AsyncAPI document (`asyncapi.yml`).
    pub(in crate::lower) file: String,
    /// The AsyncAPI schemas lowered under another name, because the OpenAPI document has a
    /// component of theirs: their lowered name, then their own.
    pub(in crate::lower) renamed: std::collections::BTreeMap<String, String>,
}

#[derive(Debug)]
pub(super) struct PreparedChannel {
    pub(super) address: String,
    pub(super) tag: String,
    pub(super) method: String,
    pub(super) doc: Option<String>,
    pub(super) at: String,
    pub(super) query: Vec<PreparedParam>,
    pub(super) fixed_query: Vec<FixedHeader>,
    pub(super) credentials: Vec<ChannelCredential>,
    pub(super) sends: Vec<PreparedMessage>,
    pub(super) receives: Vec<PreparedMessage>,
    pub(super) tag_property: Option<String>,
    pub(super) routing_key: Option<String>,
}

#[derive(Debug)]
pub(super) struct PreparedParam {
    pub(super) wire: String,
    pub(super) required: bool,
    pub(super) schema: Schema,
    pub(super) doc: Option<String>,
    pub(super) at: String,
}

#[derive(Debug)]
pub(super) struct PreparedMessage {
    pub(super) wire: String,
    pub(super) name: String,
    pub(super) doc: Option<String>,
    pub(super) payload: PreparedPayload,
    pub(super) tag: Option<String>,
    pub(super) at: String,
    pub(super) terminal: bool,
    pub(super) ends_input: bool,
    pub(super) cancels: bool,
    pub(super) error: bool,
    /// The extensions read once the payload is lowered (`x-rust-name`, `x-context-input`,
    /// `x-context-output`), by key.
    pub(super) extensions: Map<String, Value>,
    /// The payload's JSON Schema as the AsyncAPI document writes it, references followed.
    schema: Option<Value>,
}

#[derive(Debug)]
pub(super) enum PreparedPayload {
    /// A component schema of the OpenAPI document, by reference.
    Component(String),
    /// A schema of the AsyncAPI document, lowered in place; the hint names its type.
    Schema(Box<Schema>, String),
    Text(Vec<String>),
    Binary,
}

struct Reader<'a> {
    doc: &'a Document,
    spec: &'a OpenAPI,
    out: Prepared,
    /// The AsyncAPI component schemas reached, copied, by the name they are lowered under.
    extra: indexmap::IndexMap<String, Option<Value>>,
    /// The references being followed by a copy that does not keep them, to stop at recursion.
    following: Vec<String>,
}

/// Reads the channels of `doc` for the OpenAPI document `spec` of version `api_version`, whose
/// version travels in `version_header` on requests.
pub(in crate::lower) fn prepare(
    doc: &Document,
    spec: &OpenAPI,
    api_version: Option<&str>,
    version_header: Option<&str>,
) -> Prepared {
    let file = doc
        .file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut reader = Reader {
        doc,
        spec,
        out: Prepared {
            file,
            ..Prepared::default()
        },
        extra: indexmap::IndexMap::new(),
        following: Vec::new(),
    };
    let Some(channels) = doc.value.get("channels").and_then(Value::as_object) else {
        return reader.out;
    };
    for (key, channel) in channels {
        let at = format!("#/channels/{}", escape_segment(key));
        if let Some(channel) = reader.channel(key, channel, &at, api_version, version_header) {
            reader.out.channels.push(channel);
        }
    }
    for (name, value) in std::mem::take(&mut reader.extra) {
        let own = reader.out.renamed.get(&name).unwrap_or(&name);
        let at = format!("{SCHEMAS}{}", escape_segment(own));
        let Some(value) = value else { continue };
        if let Some(schema) = reader.schema(value, &at) {
            reader.out.schemas.insert(name, ReferenceOr::Item(schema));
        }
    }
    reader.out
}

impl Reader<'_> {
    fn at(&self, pointer: &str) -> String {
        format!("{}{pointer}", self.out.file)
    }

    /// Warns once: channels sharing servers would repeat a warning about them.
    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        let diagnostic = Diagnostic::new(self.at(pointer), message);
        if !self.out.warnings.contains(&diagnostic) {
            self.out.warnings.push(diagnostic);
        }
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        let at = self.at(pointer);
        self.out.errors.push(Diagnostic::new(at, message));
    }

    fn channel(
        &mut self,
        key: &str,
        channel: &Value,
        at: &str,
        api_version: Option<&str>,
        version_header: Option<&str>,
    ) -> Option<PreparedChannel> {
        let Some((channel, at)) = self.doc.resolve(channel, at) else {
            self.error(at, "the channel's reference leads nowhere");
            return None;
        };
        let address = match channel.get("address") {
            None => key.to_owned(),
            Some(Value::String(address)) => address.clone(),
            Some(_) => {
                self.warn(
                    &at,
                    "a channel without a fixed address cannot be opened; it is skipped",
                );
                return None;
            }
        };
        if !balanced_braces(&address) {
            self.warn(
                &format!("{at}/address"),
                format!("the address `{address}` has unbalanced braces; the channel is skipped"),
            );
            return None;
        }
        let segments: Vec<&str> = address.split('/').filter(|s| !s.is_empty()).collect();
        let tag = channel
            .pointer("/tags/0/name")
            .and_then(Value::as_str)
            .or(segments.first().copied())
            .unwrap_or("websocket")
            .to_owned();
        let method = names::snake(segments.last().copied().unwrap_or("websocket"));
        self.address_parameters(channel, &address, &at);
        let (query, fixed_query) = self.query(channel, &at, api_version, version_header);
        let credentials = self.credentials(channel);
        let (mut sends, mut receives) = self.messages(channel, &at);
        let tag_property = tag_property(&receives);
        if let Some(property) = &tag_property {
            for message in receives.iter_mut().chain(sends.iter_mut()) {
                message.tag = message
                    .schema
                    .as_ref()
                    .and_then(|schema| fixed_value(schema, property));
            }
        }
        let routing_key = match channel.get(CONTEXT_KEY) {
            Some(Value::String(key)) => Some(key.clone()),
            Some(_) => {
                self.error(
                    &format!("{at}/{CONTEXT_KEY}"),
                    format!("`{CONTEXT_KEY}` must be a string"),
                );
                None
            }
            None => routing_key(&sends, &receives, tag_property.as_deref()),
        };
        for message in sends.iter_mut().chain(receives.iter_mut()) {
            message.schema = None;
        }
        Some(PreparedChannel {
            address,
            tag,
            method,
            doc: text(channel, &["description", "summary"]),
            at: self.at(&at),
            query,
            fixed_query,
            credentials,
            sends,
            receives,
            tag_property,
            routing_key,
        })
    }

    /// Channel parameters fill `{name}` in the address; others are reported, since a WebSocket
    /// handshake takes its query parameters from the channel's `bindings.ws.query`.
    fn address_parameters(&mut self, channel: &Value, address: &str, at: &str) {
        let Some(parameters) = channel.get("parameters").and_then(Value::as_object) else {
            return;
        };
        for name in parameters.keys() {
            if !address.contains(&format!("{{{name}}}")) {
                self.warn(
                    &format!("{at}/parameters/{}", escape_segment(name)),
                    format!(
                        "channel parameter `{name}` is not in the address `{address}`; handshake query parameters belong in `bindings.ws.query`; it is ignored"
                    ),
                );
            }
        }
    }

    fn query(
        &mut self,
        channel: &Value,
        at: &str,
        api_version: Option<&str>,
        version_header: Option<&str>,
    ) -> (Vec<PreparedParam>, Vec<FixedHeader>) {
        let (mut params, mut fixed) = (Vec::new(), Vec::new());
        let Some(query) = channel.pointer("/bindings/ws/query") else {
            return (params, fixed);
        };
        let query_at = format!("{at}/bindings/ws/query");
        let Some((query, query_at)) = self.doc.resolve(query, &query_at) else {
            self.error(&query_at, "the reference leads nowhere");
            return (params, fixed);
        };
        let object = query.is_object()
            && query.get("type").is_none_or(|t| t == "object")
            && query.get("properties").is_none_or(Value::is_object);
        if !object {
            self.warn(
                &query_at,
                "the query binding is not an object schema whose properties are the query parameters; it is ignored",
            );
            return (params, fixed);
        }
        let required: Vec<&str> = query
            .get("required")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(properties) = query.get("properties").and_then(Value::as_object) else {
            return (params, fixed);
        };
        let version_name = version_header.map(names::snake);
        for (name, schema) in properties {
            let at = format!("{query_at}/properties/{}", escape_segment(name));
            if let (Some(version), Some(version_name)) = (api_version, &version_name)
                && names::snake(name) == *version_name
            {
                fixed.push(FixedHeader {
                    wire: name.clone(),
                    value: version.to_owned(),
                    is_api_version: true,
                });
                continue;
            }
            let value = self.copy(schema, &at, 0, true);
            let doc = text(&value, &["description"]);
            let Some(schema) = self.schema(value, &at) else {
                continue;
            };
            params.push(PreparedParam {
                wire: name.clone(),
                required: required.contains(&name.as_str()),
                schema,
                doc,
                at: self.at(&at),
            });
        }
        (params, fixed)
    }

    /// Query credentials of the servers the channel is on, each mapped onto a security scheme of
    /// the API: those named by `x-security-schemes`, else the one of the same name.
    fn credentials(&mut self, channel: &Value) -> Vec<ChannelCredential> {
        let mut servers: Vec<(Value, String)> = Vec::new();
        match channel.get("servers").and_then(Value::as_array) {
            Some(list) => {
                for server in list {
                    if let Some((server, at)) = self.doc.resolve(server, "#") {
                        servers.push((server.clone(), at));
                    }
                }
            }
            None => {
                if let Some(all) = self.doc.value.get("servers").and_then(Value::as_object) {
                    for (name, server) in all {
                        servers.push((
                            server.clone(),
                            format!("#/servers/{}", escape_segment(name)),
                        ));
                    }
                }
            }
        }
        let api_schemes = self.spec.components.as_ref().map(|c| &c.security_schemes);
        let mut out: Vec<ChannelCredential> = Vec::new();
        for (server, server_at) in servers {
            let Some(security) = server.get("security").and_then(Value::as_array) else {
                continue;
            };
            for (i, scheme) in security.iter().enumerate() {
                let at = format!("{server_at}/security/{i}");
                let Some((scheme, at)) = self.doc.resolve(scheme, &at) else {
                    self.error(&at, "the security scheme's reference leads nowhere");
                    continue;
                };
                let kind = scheme.get("type").and_then(Value::as_str);
                let place = scheme.get("in").and_then(Value::as_str);
                let Some(name) = scheme.get("name").and_then(Value::as_str) else {
                    continue;
                };
                if !matches!(kind, Some("httpApiKey" | "apiKey")) || place != Some("query") {
                    continue;
                }
                let own = at.rsplit('/').next().map(unescape_segment);
                let candidates: Vec<String> = match scheme.get(SECURITY_SCHEMES) {
                    Some(Value::Array(list)) => list
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    _ => own.into_iter().collect(),
                };
                let found = candidates
                    .iter()
                    .find(|c| api_schemes.is_some_and(|schemes| schemes.contains_key(*c)));
                let Some(found) = found else {
                    self.warn(
                        &at,
                        format!(
                            "none of the API's security schemes ({}) carries the query credential `{name}`; it is not sent",
                            candidates.join(", ")
                        ),
                    );
                    continue;
                };
                if out.iter().all(|c| c.scheme != *found) {
                    out.push(ChannelCredential {
                        scheme: found.clone(),
                        location: SchemeLocation::Query(name.to_owned()),
                    });
                }
            }
        }
        out
    }
}

/// Whether every `{` of an address is closed by a `}` before the next one opens.
fn balanced_braces(address: &str) -> bool {
    let mut open = false;
    for c in address.chars() {
        match (c, open) {
            ('{', false) => open = true,
            ('}', true) => open = false,
            ('{' | '}', _) => return false,
            _ => {}
        }
    }
    !open
}
