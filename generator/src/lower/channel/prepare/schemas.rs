//! The schemas of a channel's messages: those the OpenAPI version's components provide, and
//! owned copies of the AsyncAPI document's own, ready for the shared schema lowering.

use openapiv3::{ReferenceOr, Schema};
use serde_json::{Map, Value};

use super::{COMPONENTS, Reader, SCHEMAS};
use crate::diagnostics::{escape_segment, unescape_segment};

/// How deep references are followed when a schema is copied out of the AsyncAPI document.
const MAX_DEPTH: usize = 24;

impl Reader<'_> {
    /// Whether the AsyncAPI document defines a component schema of this name.
    pub(super) fn own(&self, name: &str) -> bool {
        self.doc
            .value
            .pointer(&format!("/components/schemas/{}", escape_segment(name)))
            .is_some()
    }

    /// The component schema of the OpenAPI document that an AsyncAPI component schema's
    /// `x-components` selects.
    pub(super) fn selected(&self, name: &str) -> Option<String> {
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
    pub(super) fn lowered_name(&mut self, name: &str) -> String {
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
    pub(super) fn unresolved(&mut self, value: &Value, at: &str) -> Value {
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
    pub(super) fn component(&self, name: &str) -> bool {
        self.spec
            .components
            .as_ref()
            .is_some_and(|c| c.schemas.contains_key(name))
    }

    /// A schema of the AsyncAPI document with its references followed; with `keep`, references
    /// to component schemas stay, those the OpenAPI document does not define being copied into
    /// `extra` to be lowered as components.
    pub(super) fn copy(&mut self, value: &Value, at: &str, depth: usize, keep: bool) -> Value {
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

    pub(super) fn schema(&mut self, value: Value, at: &str) -> Option<Schema> {
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
