//! Reading an AsyncAPI document's channels against one OpenAPI version: which schemas the
//! version's components provide, and owned `openapiv3` schemas for the rest, ready for the
//! shared schema lowering.

use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_json::{Map, Value};

use crate::asyncapi::Document;
use crate::diagnostics::{Diagnostic, escape_segment, unescape_segment};
use crate::ir::{ChannelCredential, FixedHeader, SchemeLocation};
use crate::names;

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
/// The message extensions read after the payload is lowered.
const LATER: &[&str] = &[names::RENAME, CONTEXT_INPUT, CONTEXT_OUTPUT];

const SCHEMAS: &str = "#/components/schemas/";
/// How deep references are followed when a schema is copied out of the AsyncAPI document.
const MAX_DEPTH: usize = 24;

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

    /// The messages of the operations on this channel. The document describes the server: what
    /// it receives, the client sends.
    fn messages(
        &mut self,
        channel: &Value,
        at: &str,
    ) -> (Vec<PreparedMessage>, Vec<PreparedMessage>) {
        let (mut sends, mut receives) = (Vec::new(), Vec::new());
        let Some(operations) = self.doc.value.get("operations").and_then(Value::as_object) else {
            return (sends, receives);
        };
        for (id, operation) in operations {
            let op_at = format!("#/operations/{}", escape_segment(id));
            let Some((operation, op_at)) = self.doc.resolve(operation, &op_at) else {
                continue;
            };
            let channel_ref = operation.pointer("/channel/$ref").and_then(Value::as_str);
            if channel_ref != Some(at) {
                continue;
            }
            let sent = match operation.get("action").and_then(Value::as_str) {
                Some("receive") => true,
                Some("send") => false,
                _ => {
                    self.error(
                        &format!("{op_at}/action"),
                        "`action` must be `send` or `receive`",
                    );
                    continue;
                }
            };
            // Each message's reference, with where it is written.
            let refs: Vec<(String, String)> =
                match operation.get("messages").and_then(Value::as_array) {
                    Some(list) => list
                        .iter()
                        .enumerate()
                        .filter_map(|(i, m)| {
                            let reference = m.get("$ref").and_then(Value::as_str)?;
                            Some((reference.to_owned(), format!("{op_at}/messages/{i}")))
                        })
                        .collect(),
                    None => channel
                        .get("messages")
                        .and_then(Value::as_object)
                        .map(|all| {
                            all.keys()
                                .map(|k| format!("{at}/messages/{}", escape_segment(k)))
                                .map(|reference| (reference.clone(), reference))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
            for (reference, site) in refs {
                let Some(message) = self.message(&reference, &site) else {
                    continue;
                };
                if sent {
                    sends.push(message);
                } else {
                    receives.push(message);
                }
            }
        }
        (sends, receives)
    }

    fn message(&mut self, reference: &str, site: &str) -> Option<PreparedMessage> {
        let wire = reference.rsplit('/').next().map(unescape_segment)?;
        let start = Value::Object(Map::from_iter([(
            "$ref".to_owned(),
            Value::String(reference.to_owned()),
        )]));
        let Some((message, at)) = self.doc.resolve(&start, reference) else {
            self.warn(
                site,
                format!(
                    "the message reference `{reference}` leads nowhere or in a cycle; the message is left out"
                ),
            );
            return None;
        };
        let name = names::pascal(message.get("name").and_then(Value::as_str).unwrap_or(&wire));
        let doc = text(message, &["summary", "description", "title"]);
        let mut payload = message.get("payload").cloned().unwrap_or(Value::Null);
        let mut payload_at = format!("{at}/payload");
        if let Some(schema) = payload
            .get("schema")
            .filter(|_| payload.get("schemaFormat").is_some())
        {
            payload = schema.clone();
            payload_at.push_str("/schema");
        }
        let schema_name = payload
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix(SCHEMAS))
            .map(unescape_segment);
        let mut candidates: Vec<String> = message
            .get(COMPONENTS)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        // A schema of the AsyncAPI document is its own unless `x-components` selects another;
        // a reference to a schema it lacks names the OpenAPI document's.
        candidates.extend(schema_name.clone().filter(|name| !self.own(name)));
        let schema = self.copy(&payload, &payload_at, 0, false);
        let component = candidates.iter().find(|c| self.component(c)).cloned();
        let is_string = schema.get("type").and_then(Value::as_str) == Some("string");
        let payload = if let Some(component) = component {
            PreparedPayload::Component(format!("{SCHEMAS}{}", escape_segment(&component)))
        } else if schema_name.is_some() && !is_string {
            // Copying registers the AsyncAPI component schema, under a name no component of the
            // OpenAPI document has.
            let kept = self.copy(&payload, &payload_at, 0, true);
            match kept.get("$ref").and_then(Value::as_str) {
                Some(reference) => PreparedPayload::Component(reference.to_owned()),
                None => {
                    let hint = names::pascal(schema_name.as_deref().unwrap_or(&name));
                    PreparedPayload::Schema(Box::new(self.schema(kept, &payload_at)?), hint)
                }
            }
        } else if is_string {
            if schema.get("format").and_then(Value::as_str) == Some("binary") {
                PreparedPayload::Binary
            } else {
                let values = schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|list| {
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                PreparedPayload::Text(values)
            }
        } else {
            let hint = names::pascal(schema_name.as_deref().unwrap_or(&name));
            let kept = self.copy(&payload, &payload_at, 0, true);
            let parsed = self.schema(kept, &payload_at)?;
            PreparedPayload::Schema(Box::new(parsed), hint)
        };
        let json = matches!(
            payload,
            PreparedPayload::Component(_) | PreparedPayload::Schema(..)
        );
        Some(PreparedMessage {
            wire,
            name,
            doc,
            payload,
            tag: None,
            at: self.at(&at),
            terminal: flag(message, TERMINAL),
            ends_input: flag(message, ENDS_INPUT),
            cancels: flag(message, CANCELS),
            error: flag(message, ERROR),
            extensions: LATER
                .iter()
                .filter_map(|key| Some(((*key).to_owned(), message.get(*key)?.clone())))
                .collect(),
            schema: json.then_some(schema),
        })
    }

    /// Whether the AsyncAPI document defines a component schema of this name.
    fn own(&self, name: &str) -> bool {
        self.doc
            .value
            .pointer(&format!("/components/schemas/{}", escape_segment(name)))
            .is_some()
    }

    /// The component schema of the OpenAPI document that an AsyncAPI component schema's
    /// `x-components` selects.
    fn selected(&self, name: &str) -> Option<String> {
        self.doc
            .value
            .pointer(&format!(
                "/components/schemas/{}/{COMPONENTS}",
                escape_segment(name)
            ))?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .find(|c| self.component(c))
            .map(str::to_owned)
    }

    /// The name an AsyncAPI component schema is lowered under: its own, or, when the OpenAPI
    /// document has a component of that name, the first of `Name2`, `Name3`, ... that neither
    /// document has.
    fn lowered_name(&mut self, name: &str) -> String {
        if !self.component(name) {
            return name.to_owned();
        }
        if let Some((lowered, _)) = self.out.renamed.iter().find(|(_, own)| *own == name) {
            return lowered.clone();
        }
        let lowered = (2..)
            .map(|n| format!("{name}{n}"))
            .find(|c| !self.component(c) && !self.own(c) && !self.out.renamed.contains_key(c))
            .unwrap_or_else(|| name.to_owned());
        self.out.renamed.insert(lowered.clone(), name.to_owned());
        lowered
    }

    /// Reports a reference that `Document::resolve` could not follow: one that comes back to
    /// itself is read as any JSON value with a warning; one that leads nowhere is an error.
    fn unresolved(&mut self, value: &Value, at: &str) -> Value {
        let mut seen: Vec<&str> = Vec::new();
        let mut current = value;
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            if seen.contains(&reference) {
                self.warn(
                    at,
                    format!(
                        "references form a cycle through `{reference}`; the schema is read as any JSON value"
                    ),
                );
                return Value::Object(Map::new());
            }
            seen.push(reference);
            let Some(next) = reference
                .strip_prefix('#')
                .and_then(|pointer| self.doc.value.pointer(pointer))
            else {
                break;
            };
            current = next;
        }
        let reference = value
            .get("$ref")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.error(at, format!("reference `{reference}` leads nowhere"));
        Value::Object(Map::new())
    }

    /// Whether the OpenAPI document defines a component schema of this name.
    fn component(&self, name: &str) -> bool {
        self.spec
            .components
            .as_ref()
            .is_some_and(|c| c.schemas.contains_key(name))
    }

    /// A schema of the AsyncAPI document with its references followed; with `keep`, references
    /// to component schemas stay, those the OpenAPI document does not define being copied into
    /// `extra` to be lowered as components.
    fn copy(&mut self, value: &Value, at: &str, depth: usize, keep: bool) -> Value {
        if depth > MAX_DEPTH {
            self.warn(
                at,
                "references nest too deep; the schema is read as any JSON value",
            );
            return Value::Object(Map::new());
        }
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    if keep && let Some(name) = reference.strip_prefix(SCHEMAS) {
                        let name = unescape_segment(name);
                        if !self.own(&name) {
                            if self.component(&name) {
                                return value.clone();
                            }
                            return self.unresolved(value, at);
                        }
                        if let Some(selected) = self.selected(&name) {
                            return Value::Object(Map::from_iter([(
                                "$ref".to_owned(),
                                Value::String(format!("{SCHEMAS}{}", escape_segment(&selected))),
                            )]));
                        }
                        let lowered = self.lowered_name(&name);
                        if !self.extra.contains_key(&lowered) {
                            self.extra.insert(lowered.clone(), None);
                            let copied = match self.doc.resolve(value, at) {
                                Some((target, target_at)) => self.copy(target, &target_at, 0, true),
                                None => self.unresolved(value, at),
                            };
                            self.extra.insert(lowered.clone(), Some(copied));
                        }
                        return Value::Object(Map::from_iter([(
                            "$ref".to_owned(),
                            Value::String(format!("{SCHEMAS}{}", escape_segment(&lowered))),
                        )]));
                    }
                    // A schema that contains itself is read as far as it is not recursive.
                    if self.following.iter().any(|r| r == reference) {
                        return Value::Object(Map::new());
                    }
                    let Some((target, target_at)) = self.doc.resolve(value, at) else {
                        return self.unresolved(value, at);
                    };
                    self.following.push(reference.to_owned());
                    let copied = self.copy(target, &target_at, depth + 1, keep);
                    self.following.pop();
                    return copied;
                }
                let copied = map
                    .iter()
                    .map(|(k, v)| {
                        let v =
                            self.copy(v, &format!("{at}/{}", escape_segment(k)), depth + 1, keep);
                        (k.clone(), v)
                    })
                    .collect();
                Value::Object(copied)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.copy(v, &format!("{at}/{i}"), depth + 1, keep))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn schema(&mut self, value: Value, at: &str) -> Option<Schema> {
        match serde_json::from_value::<ReferenceOr<Schema>>(value) {
            Ok(ReferenceOr::Item(schema)) => Some(schema),
            Ok(ReferenceOr::Reference { reference }) => Some(Schema {
                schema_data: openapiv3::SchemaData::default(),
                schema_kind: openapiv3::SchemaKind::AllOf {
                    all_of: vec![ReferenceOr::Reference { reference }],
                },
            }),
            Err(err) => {
                self.error(at, format!("not a schema: {err}"));
                None
            }
        }
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

/// Whether an extension is `true`.
fn flag(value: &Value, key: &str) -> bool {
    value.get(key) == Some(&Value::Bool(true))
}

/// The first of these text fields a value has.
fn text(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The one value a schema's property allows (a single-value `enum`, or `const`), as text.
fn fixed_value(schema: &Value, property: &str) -> Option<String> {
    let property = schema.get("properties")?.get(property)?;
    let value = match (property.get("const"), property.get("enum")) {
        (Some(value), _) => value,
        (None, Some(Value::Array(values))) if values.len() == 1 => values.first()?,
        _ => return None,
    };
    match value {
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

fn properties(schema: &Value) -> Vec<&str> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The property each received JSON message fixes to a value of its own (`type`).
fn tag_property(receives: &[PreparedMessage]) -> Option<String> {
    let schemas: Vec<&Value> = receives.iter().filter_map(|m| m.schema.as_ref()).collect();
    let first = schemas.first()?;
    properties(first)
        .into_iter()
        .find(|p| schemas.iter().all(|s| fixed_value(s, p).is_some()))
        .map(str::to_owned)
}

/// The property present in every message both ways, other than the tag: what routes messages to
/// contexts on a multiplexed channel. Channels sending anything but JSON have none.
fn routing_key(
    sends: &[PreparedMessage],
    receives: &[PreparedMessage],
    tag: Option<&str>,
) -> Option<String> {
    let sent: Vec<&Value> = sends.iter().filter_map(|m| m.schema.as_ref()).collect();
    let received: Vec<&Value> = receives.iter().filter_map(|m| m.schema.as_ref()).collect();
    if sent.is_empty() || sent.len() != sends.len() || received.is_empty() {
        return None;
    }
    let first = sent.first()?;
    properties(first)
        .into_iter()
        .filter(|p| Some(*p) != tag)
        .find(|p| {
            sent.iter()
                .chain(received.iter())
                .all(|s| properties(s).contains(p))
        })
        .map(str::to_owned)
}
