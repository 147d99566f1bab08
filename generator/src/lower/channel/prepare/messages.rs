//! The messages of a channel: each one's payload, wire form and extensions, and what the
//! received ones have in common (the tag that names them, the key that routes them).

use serde_json::{Map, Value};

use super::{
    CANCELS, COMPONENTS, CONTEXT_INPUT, CONTEXT_OUTPUT, ENDS_INPUT, ERROR, PreparedMessage,
    PreparedPayload, Reader, SCHEMAS, TERMINAL,
};
use crate::diagnostics::{escape_segment, unescape_segment};
use crate::names;

/// The message extensions read after the payload is lowered.
const LATER: &[&str] = &[names::RENAME, CONTEXT_INPUT, CONTEXT_OUTPUT];

impl Reader<'_> {
    /// The messages of the operations on this channel. The document describes the server: what
    /// it receives, the client sends.
    pub(super) fn messages(
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

    pub(super) fn message(&mut self, reference: &str, site: &str) -> Option<PreparedMessage> {
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
}

/// Whether an extension is `true`.
fn flag(value: &Value, key: &str) -> bool {
    value.get(key) == Some(&Value::Bool(true))
}

/// The first of these text fields a value has.
pub(super) fn text(value: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| value.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The one value a schema's property allows (a single-value `enum`, or `const`), as text.
pub(super) fn fixed_value(schema: &Value, property: &str) -> Option<String> {
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
pub(super) fn tag_property(receives: &[PreparedMessage]) -> Option<String> {
    let schemas: Vec<&Value> = receives.iter().filter_map(|m| m.schema.as_ref()).collect();
    let first = schemas.first()?;
    properties(first)
        .into_iter()
        .find(|p| schemas.iter().all(|s| fixed_value(s, p).is_some()))
        .map(str::to_owned)
}

/// The property present in every message both ways, other than the tag: what routes messages to
/// contexts on a multiplexed channel. Channels sending anything but JSON have none.
pub(super) fn routing_key(
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
