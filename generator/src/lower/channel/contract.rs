//! A channel's contract as plain JSON: the handshake's query parameters and each message's kind
//! and JSON Schema (2020-12), built from the documents' own JSON so that a test server can check
//! what a client sends against the documents rather than against the generated types.
//!
//! A payload's schema is the one lowering chose (the OpenAPI component a message's
//! `x-components` selects for the version, else the AsyncAPI payload); a reference to a component
//! schema is the OpenAPI document's when it defines one of that name, as in lowering. Each schema
//! is self-contained: the components it reaches are bundled under `$defs`, and so is every other
//! schema a reference points to, each once (a chain of references that each use the previous one
//! twice stays as long as the document). OpenAPI 3.0 specifics
//! become JSON Schema: `nullable: true` a `null` in the type list (or an `anyOf` with `null`),
//! boolean `exclusiveMinimum`/`exclusiveMaximum` numeric bounds; `example`, `discriminator`,
//! `xml`, `externalDocs` and `x-` extensions are dropped, formats kept.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::prepare::{Prepared, PreparedChannel, PreparedMessage, PreparedPayload};
use crate::asyncapi::Document;
use crate::diagnostics::{escape_segment, unescape_segment};
use crate::ir::{Channel, Message, SchemeLocation};

/// The JSON Schema dialect of every schema in a contract.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";
const SCHEMAS: &str = "#/components/schemas/";
/// OpenAPI keywords that are no JSON Schema assertion or that JSON Schema reads otherwise.
const DROPPED: &[&str] = &[
    "example",
    "discriminator",
    "xml",
    "externalDocs",
    "nullable",
];
/// Keywords whose value is one schema.
const ONE_SCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "additionalItems",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords combining schemas, beside which a `null` type cannot simply be added.
const COMBINERS: &[&str] = &["allOf", "anyOf", "oneOf", "not", "$ref"];

/// Fills each channel's contract; `channels` are the lowered `prepared` channels, in order.
pub(in crate::lower) fn contracts(
    channels: &mut [Channel],
    prepared: &Prepared,
    asyncapi: &Document,
    openapi: &Value,
) {
    let docs = Docs {
        asyncapi: &asyncapi.value,
        openapi,
        file: &prepared.file,
    };
    for (channel, source) in channels.iter_mut().zip(&prepared.channels) {
        channel.contract = contract(channel, source, docs);
    }
}

/// The two documents a contract is read from.
#[derive(Clone, Copy)]
struct Docs<'a> {
    asyncapi: &'a Value,
    openapi: &'a Value,
    /// The AsyncAPI document's file name, prefixed to the pointers of prepared items.
    file: &'a str,
}

impl Docs<'_> {
    /// The AsyncAPI value at a prepared item's pointer (`asyncapi.yml#/channels/..`).
    fn at(&self, pointer: &str) -> Option<&Value> {
        let pointer = pointer.strip_prefix(self.file).unwrap_or(pointer);
        self.asyncapi.pointer(pointer.strip_prefix('#')?)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Origin {
    OpenApi,
    AsyncApi,
}

fn contract(channel: &Channel, source: &PreparedChannel, docs: Docs<'_>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in &source.query {
        let raw = docs.at(&param.at).cloned().unwrap_or_else(|| json!({}));
        properties.insert(
            param.wire.clone(),
            Bundle::new(docs).root(&raw, Origin::AsyncApi),
        );
        if param.required {
            required.push(Value::String(param.wire.clone()));
        }
    }
    let fixed: Map<String, Value> = channel
        .fixed_query
        .iter()
        .map(|fixed| (fixed.wire.clone(), Value::String(fixed.value.clone())))
        .collect();
    let credentials: Vec<Value> = channel
        .credentials
        .iter()
        .filter_map(|credential| match &credential.location {
            SchemeLocation::Query(name) => Some(Value::String(name.clone())),
            _ => None,
        })
        .collect();
    let messages = |lowered: &[Message], prepared: &[PreparedMessage]| -> Vec<Value> {
        lowered
            .iter()
            .zip(prepared)
            .map(|(message, source)| self::message(message, source, docs))
            .collect()
    };
    let mut out = Map::new();
    out.insert("address".into(), Value::String(channel.wire.clone()));
    out.insert(
        "query".into(),
        json!({"properties": properties, "required": required}),
    );
    out.insert("fixed_query".into(), Value::Object(fixed));
    out.insert("credentials".into(), Value::Array(credentials));
    if let Some(key) = &channel.routing_key {
        out.insert("routing_key".into(), Value::String(key.clone()));
    }
    out.insert(
        "sends".into(),
        Value::Array(messages(&channel.sends, &source.sends)),
    );
    out.insert(
        "receives".into(),
        Value::Array(messages(&channel.receives, &source.receives)),
    );
    Value::Object(out)
}

fn message(message: &Message, source: &PreparedMessage, docs: Docs<'_>) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(message.name.clone()));
    out.insert("wire".into(), Value::String(message.wire.clone()));
    match &source.payload {
        PreparedPayload::Component(reference) => {
            out.insert("kind".into(), json!("json"));
            let schema = Bundle::new(docs).root(&json!({"$ref": reference}), Origin::AsyncApi);
            out.insert("schema".into(), schema);
        }
        PreparedPayload::Schema(..) => {
            out.insert("kind".into(), json!("json"));
            let payload = docs
                .at(&source.at)
                .and_then(|message| message.get("payload"))
                .map(|payload| match payload.get("schema") {
                    Some(schema) if payload.get("schemaFormat").is_some() => schema,
                    _ => payload,
                })
                .cloned()
                .unwrap_or_else(|| json!({}));
            let schema = Bundle::new(docs).root(&payload, Origin::AsyncApi);
            out.insert("schema".into(), schema);
        }
        PreparedPayload::Text(values) => {
            out.insert("kind".into(), json!("text"));
            if !values.is_empty() {
                out.insert("values".into(), json!(values));
            }
        }
        PreparedPayload::Binary => {
            out.insert("kind".into(), json!("binary"));
        }
    }
    if let Some(tag) = &message.tag {
        out.insert("tag".into(), Value::String(tag.clone()));
    }
    for (flag, set) in [
        ("terminal", message.terminal),
        ("ends_input", message.ends_input),
        ("cancels", message.cancels),
    ] {
        if set {
            out.insert(flag.into(), Value::Bool(true));
        }
    }
    Value::Object(out)
}

/// One self-contained schema being built: the component schemas it reaches, by name.
struct Bundle<'a> {
    docs: Docs<'a>,
    defs: BTreeMap<String, Value>,
    pending: Vec<(String, Origin, &'a Value)>,
    /// The `$defs` name of each schema reached by a reference other than to a component.
    locals: BTreeMap<(Origin, String), String>,
}

impl<'a> Bundle<'a> {
    fn new(docs: Docs<'a>) -> Self {
        Self {
            docs,
            defs: BTreeMap::new(),
            pending: Vec::new(),
            locals: BTreeMap::new(),
        }
    }

    /// The schema `value` of document `origin`, with `$schema` and the `$defs` it reaches.
    fn root(mut self, value: &Value, origin: Origin) -> Value {
        let root = self.schema(value, origin);
        while let Some((name, origin, raw)) = self.pending.pop() {
            let converted = self.schema(raw, origin);
            self.defs.insert(name, converted);
        }
        let mut out = Map::new();
        out.insert("$schema".into(), Value::String(DIALECT.into()));
        match root {
            Value::Object(map) => out.extend(map),
            other => {
                out.insert("allOf".into(), Value::Array(vec![other]));
            }
        }
        if !self.defs.is_empty() {
            out.insert(
                "$defs".into(),
                Value::Object(self.defs.into_iter().collect()),
            );
        }
        Value::Object(out)
    }

    fn document(&self, origin: Origin) -> &'a Value {
        match origin {
            Origin::OpenApi => self.docs.openapi,
            Origin::AsyncApi => self.docs.asyncapi,
        }
    }

    fn schema(&mut self, value: &Value, origin: Origin) -> Value {
        let Value::Object(map) = value else {
            return value.clone();
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            return self.reference(reference, origin);
        }
        let mut out = Map::new();
        for (key, value) in map {
            if key.starts_with("x-") || DROPPED.contains(&key.as_str()) {
                continue;
            }
            let converted = if ONE_SCHEMA.contains(&key.as_str()) {
                match value {
                    Value::Array(items) => self.list(items, origin),
                    _ => self.schema(value, origin),
                }
            } else if SCHEMA_LISTS.contains(&key.as_str()) {
                match value {
                    Value::Array(items) => self.list(items, origin),
                    _ => value.clone(),
                }
            } else if SCHEMA_MAPS.contains(&key.as_str()) {
                match value {
                    Value::Object(schemas) => Value::Object(
                        schemas
                            .iter()
                            .map(|(name, schema)| (name.clone(), self.schema(schema, origin)))
                            .collect(),
                    ),
                    _ => value.clone(),
                }
            } else {
                value.clone()
            };
            out.insert(key.clone(), converted);
        }
        exclusive_bounds(&mut out);
        if map.get("nullable") == Some(&Value::Bool(true)) {
            return nullable(out);
        }
        Value::Object(out)
    }

    fn list(&mut self, items: &[Value], origin: Origin) -> Value {
        Value::Array(items.iter().map(|item| self.schema(item, origin)).collect())
    }

    /// A reference to a component schema becomes one into `$defs` (the OpenAPI document's
    /// component when it has one of that name, as lowering reads it); so does any other local
    /// reference, under a name no component can have (`asyncapi:components.x-chain.S1`).
    fn reference(&mut self, reference: &str, origin: Origin) -> Value {
        if let Some(escaped) = reference.strip_prefix(SCHEMAS) {
            let pointer = format!("/components/schemas/{escaped}");
            let found = [Origin::OpenApi, origin]
                .into_iter()
                .find_map(|from| Some((from, self.document(from).pointer(&pointer)?)));
            let Some((from, raw)) = found else {
                return json!({});
            };
            let name = unescape_segment(escaped);
            if !self.defs.contains_key(&name) {
                self.defs.insert(name.clone(), Value::Bool(true));
                self.pending.push((name.clone(), from, raw));
            }
            return json!({"$ref": format!("#/$defs/{}", escape_segment(&name))});
        }
        let Some((pointer, target)) = reference
            .strip_prefix('#')
            .and_then(|pointer| Some((pointer, self.document(origin).pointer(pointer)?)))
        else {
            return json!({});
        };
        let key = (origin, pointer.to_owned());
        let name = match self.locals.get(&key) {
            Some(name) => name.clone(),
            None => {
                let name = self.local_name(origin, pointer);
                self.locals.insert(key, name.clone());
                self.defs.insert(name.clone(), Value::Bool(true));
                self.pending.push((name.clone(), origin, target));
                name
            }
        };
        json!({"$ref": format!("#/$defs/{}", escape_segment(&name))})
    }

    /// A `$defs` name for the schema at `pointer`: the document and the pointer's segments, with
    /// `:` (which no component name has) after the document, made unique.
    fn local_name(&self, origin: Origin, pointer: &str) -> String {
        let document = match origin {
            Origin::OpenApi => "openapi",
            Origin::AsyncApi => "asyncapi",
        };
        let path: String = pointer
            .trim_start_matches('/')
            .chars()
            .map(|c| match c {
                '/' => '.',
                c if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' => c,
                _ => '_',
            })
            .collect();
        let base = format!("{document}:{path}");
        let mut name = base.clone();
        let mut n = 2;
        while self.defs.contains_key(&name) {
            name = format!("{base}.{n}");
            n += 1;
        }
        name
    }
}

/// OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` as JSON Schema's numeric bounds.
fn exclusive_bounds(schema: &mut Map<String, Value>) {
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match schema.get(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = schema.shift_remove(bound) {
                    schema.insert(exclusive.into(), limit);
                } else {
                    schema.shift_remove(exclusive);
                }
            }
            Some(Value::Bool(false)) => {
                schema.shift_remove(exclusive);
            }
            _ => {}
        }
    }
}

/// A schema that also allows `null`: `null` joins its type list and its `enum`; a schema that
/// combines others, or has no type, becomes one of itself or `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    let combines = COMBINERS.iter().any(|key| schema.contains_key(*key));
    let typed = match schema.get("type") {
        Some(Value::String(ty)) if !combines => {
            let list = json!([ty, "null"]);
            schema.insert("type".into(), list);
            true
        }
        Some(Value::Array(types)) if !combines => {
            let mut types = types.clone();
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            schema.insert("type".into(), Value::Array(types));
            true
        }
        _ => false,
    };
    if !typed {
        return json!({"anyOf": [Value::Object(schema), {"type": "null"}]});
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    Value::Object(schema)
}
