//! OpenAPI 3.1 documents rewritten into the OpenAPI 3.0 model the rest of the pipeline reads.
//!
//! 3.1 schemas are JSON Schema 2020-12. What a client needs of them has a 3.0 spelling:
//!
//! | 3.1 | 3.0 |
//! |---|---|
//! | `type: [T, "null"]` | `type: T, nullable: true` |
//! | `type: [A, B]` | `oneOf: [{type: A, ..}, {type: B, ..}]` |
//! | `type: "null"` | `nullable: true` (a JSON value that is always null) |
//! | `const: v` | `enum: [v]` |
//! | `examples: [a, ..]` | `example: a` |
//! | `exclusiveMinimum: n` | `minimum: n, exclusiveMinimum: true` (same for maximum) |
//! | `contentEncoding: base64` | `format: byte` |
//! | `contentMediaType` of a non-text type | `format: binary` |
//! | `true` / `false` schemas | `{}` / `{not: {}}` |
//! | `$ref` with siblings | kept; the loader turns every such `$ref` into a one-member `allOf` |
//!
//! Document-level: `webhooks` (requests the API sends, not ones a client makes) and
//! `components.pathItems` are dropped with a warning, `paths` may be absent, and `openapi` is set
//! to 3.0.3 once the rewrite is done. Keywords without a 3.0 meaning (`prefixItems`,
//! `unevaluatedProperties`, `if`/`then`/`else`, `$defs`, ...) are left for the 3.0 parser to
//! ignore; the ones that change a type are reported where they stand.

use serde_json::{Map, Value};

use crate::diagnostics::{Diagnostic, escape_segment};

/// Whether a document declares OpenAPI 3.1.
pub fn is_31(value: &Value) -> bool {
    value
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v == "3.1" || v.starts_with("3.1."))
}

/// Rewrites a 3.1 document into 3.0 in place, returning warnings for what could not be kept.
pub fn normalise(document: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let Some(root) = document.as_object_mut() else {
        return warnings;
    };
    if root.remove("webhooks").is_some() {
        warnings.push(Diagnostic::new(
            "#/webhooks",
            "webhooks are requests the API sends, not operations of a client; not generated",
        ));
    }
    root.remove("jsonSchemaDialect");
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut)
        && components.remove("pathItems").is_some()
    {
        warnings.push(Diagnostic::new(
            "#/components/pathItems",
            "`components.pathItems` has no OpenAPI 3.0 equivalent; references to it are not followed",
        ));
    }
    root.entry("paths")
        .or_insert_with(|| Value::Object(Map::new()));
    let mut walker = Walker {
        warnings: &mut warnings,
    };
    if let Some(paths) = root.get_mut("paths") {
        walker.document(paths, "#/paths");
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        for (kind, group) in components.iter_mut() {
            let at = format!("#/components/{}", escape_segment(kind));
            let Some(group) = group.as_object_mut() else {
                continue;
            };
            for (name, item) in group.iter_mut() {
                let here = format!("{at}/{}", escape_segment(name));
                match kind.as_str() {
                    "schemas" => walker.schema(item, &here),
                    "examples" => {}
                    _ => walker.document(item, &here),
                }
            }
        }
    }
    root.insert("openapi".to_owned(), Value::String("3.0.3".to_owned()));
    warnings
}

struct Walker<'w> {
    warnings: &'w mut Vec<Diagnostic>,
}

/// Keywords whose value is one schema.
const SCHEMA_KEYWORDS: [&str; 8] = [
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LIST_KEYWORDS: [&str; 4] = ["allOf", "oneOf", "anyOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAP_KEYWORDS: [&str; 5] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

impl Walker<'_> {
    /// Walks a part of the document that is not a schema, finding the schemas inside it: every
    /// `schema` member (parameters, headers, media types) is one.
    fn document(&mut self, value: &mut Value, at: &str) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let here = format!("{at}/{}", escape_segment(key));
                    if key == "schema" {
                        self.schema(child, &here);
                    } else if key != "example" && key != "examples" {
                        // Examples are data, not document structure: nothing in them is a schema.
                        self.document(child, &here);
                    }
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter_mut().enumerate() {
                    self.document(child, &format!("{at}/{index}"));
                }
            }
            _ => {}
        }
    }

    /// Rewrites one schema and the schemas inside it.
    fn schema(&mut self, value: &mut Value, at: &str) {
        match value {
            Value::Bool(true) => {
                *value = Value::Object(Map::new());
                return;
            }
            Value::Bool(false) => {
                let mut never = Map::new();
                never.insert("not".to_owned(), Value::Object(Map::new()));
                *value = Value::Object(never);
                return;
            }
            _ => {}
        }
        let Some(map) = value.as_object_mut() else {
            return;
        };
        for keyword in SCHEMA_KEYWORDS {
            if let Some(child) = map.get_mut(keyword) {
                // `additionalProperties: true/false` stays a boolean in 3.0.
                if keyword == "additionalProperties" && child.is_boolean() {
                    continue;
                }
                self.schema(child, &format!("{at}/{}", escape_segment(keyword)));
            }
        }
        for keyword in SCHEMA_LIST_KEYWORDS {
            if let Some(Value::Array(items)) = map.get_mut(keyword) {
                for (index, child) in items.iter_mut().enumerate() {
                    self.schema(child, &format!("{at}/{keyword}/{index}"));
                }
            }
        }
        for keyword in SCHEMA_MAP_KEYWORDS {
            if let Some(Value::Object(children)) = map.get_mut(keyword) {
                for (name, child) in children.iter_mut() {
                    self.schema(
                        child,
                        &format!("{at}/{}/{}", escape_segment(keyword), escape_segment(name)),
                    );
                }
            }
        }
        self.keywords(map, at);
    }

    /// The 3.1 keywords of one schema object, rewritten.
    fn keywords(&mut self, map: &mut Map<String, Value>, at: &str) {
        if let Some(value) = map.remove("const")
            && !map.contains_key("enum")
        {
            map.insert("enum".to_owned(), Value::Array(vec![value]));
        }
        if let Some(examples) = map.remove("examples")
            && !map.contains_key("example")
            && let Some(first) = examples.as_array().and_then(|e| e.first())
        {
            map.insert("example".to_owned(), first.clone());
        }
        for (exclusive, inclusive) in [
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ] {
            if let Some(bound) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
                map.insert(inclusive.to_owned(), bound);
                map.insert(exclusive.to_owned(), Value::Bool(true));
            }
        }
        if map.get("contentEncoding").and_then(Value::as_str) == Some("base64")
            && !map.contains_key("format")
        {
            map.insert("format".to_owned(), Value::String("byte".to_owned()));
        }
        if let Some(media) = map.get("contentMediaType").and_then(Value::as_str)
            && !map.contains_key("format")
            && !map.contains_key("contentEncoding")
            && !is_textual(media)
        {
            map.insert("format".to_owned(), Value::String("binary".to_owned()));
        }
        if map.contains_key("prefixItems") && !map.contains_key("items") {
            self.warnings.push(Diagnostic::new(
                format!("{at}/prefixItems"),
                "tuples (`prefixItems`) are not typed; the items are JSON values",
            ));
        }
        types(map);
    }
}

/// Keywords that describe a schema as a whole rather than one of its types.
const ANNOTATIONS: [&str; 5] = ["description", "title", "nullable", "example", "default"];

/// `type` as a list, and `type: "null"`.
fn types(map: &mut Map<String, Value>) {
    let types: Vec<String> = match map.get("type") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) if one == "null" => vec!["null".to_owned()],
        _ => return,
    };
    let nullable = types.iter().any(|t| t == "null");
    let mut concrete: Vec<String> = types.into_iter().filter(|t| t != "null").collect();
    concrete.dedup();
    if nullable {
        map.insert("nullable".to_owned(), Value::Bool(true));
    }
    // `enum` values of null are how 3.1 lets an enum be null; 3.0 needs `nullable` for it.
    match concrete.as_slice() {
        [] => {
            map.remove("type");
        }
        [one] => {
            map.insert("type".to_owned(), Value::String(one.clone()));
        }
        several => {
            // Every keyword applies to the type it is about, so each alternative is the whole
            // schema narrowed to one type; annotations stay on the outside.
            map.remove("type");
            let mut inner = map.clone();
            inner.retain(|key, _| !ANNOTATIONS.contains(&key.as_str()));
            let alternatives = several
                .iter()
                .map(|typ| {
                    let mut alternative = inner.clone();
                    alternative.insert("type".to_owned(), Value::String(typ.clone()));
                    Value::Object(alternative)
                })
                .collect();
            map.retain(|key, _| ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-"));
            map.insert("oneOf".to_owned(), Value::Array(alternatives));
        }
    }
}

/// Media types whose content is text, which a 3.0 `string` already is.
fn is_textual(media: &str) -> bool {
    let media = media.to_ascii_lowercase();
    media.starts_with("text/")
        || media.contains("json")
        || media.contains("xml")
        || media == "application/x-www-form-urlencoded"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> (Value, Vec<Diagnostic>) {
        let mut document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"S": value}}
        });
        let warnings = normalise(&mut document);
        assert_eq!(document["openapi"], "3.0.3");
        (document["components"]["schemas"]["S"].clone(), warnings)
    }

    #[test]
    fn type_lists_with_null_become_nullable() {
        let (s, _) = schema(json!({"type": ["string", "null"], "format": "date-time"}));
        assert_eq!(
            s,
            json!({"type": "string", "format": "date-time", "nullable": true})
        );
        let (s, _) = schema(json!({"type": ["null", "integer"]}));
        assert_eq!(s, json!({"type": "integer", "nullable": true}));
        let (s, _) = schema(json!({"type": "null"}));
        assert_eq!(s, json!({"nullable": true}));
    }

    #[test]
    fn several_types_become_one_of() {
        let (s, _) = schema(json!({
            "type": ["string", "integer", "null"],
            "description": "an id",
            "minimum": 1,
            "maxLength": 5
        }));
        assert_eq!(
            s,
            json!({
                "description": "an id",
                "nullable": true,
                "oneOf": [
                    {"minimum": 1, "maxLength": 5, "type": "string"},
                    {"minimum": 1, "maxLength": 5, "type": "integer"}
                ]
            })
        );
    }

    #[test]
    fn const_examples_and_exclusive_bounds() {
        let (s, _) = schema(json!({"const": "dog"}));
        assert_eq!(s, json!({"enum": ["dog"]}));
        let (s, _) = schema(json!({"type": "integer", "examples": [3, 4]}));
        assert_eq!(s, json!({"type": "integer", "example": 3}));
        let (s, _) =
            schema(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5}));
        assert_eq!(
            s,
            json!({
                "type": "number",
                "exclusiveMinimum": true,
                "minimum": 0,
                "exclusiveMaximum": true,
                "maximum": 1.5
            })
        );
    }

    #[test]
    fn content_keywords_and_boolean_schemas() {
        let (s, _) = schema(json!({"type": "string", "contentEncoding": "base64"}));
        assert_eq!(s["format"], "byte");
        let (s, _) = schema(json!({"type": "string", "contentMediaType": "image/png"}));
        assert_eq!(s["format"], "binary");
        let (s, _) = schema(json!({"type": "string", "contentMediaType": "application/json"}));
        assert!(s.get("format").is_none());
        let (s, _) = schema(json!({"type": "object", "properties": {"a": true, "b": false}}));
        assert_eq!(s["properties"]["a"], json!({}));
        assert_eq!(s["properties"]["b"], json!({"not": {}}));
    }

    #[test]
    fn nested_schemas_are_rewritten() {
        let (s, warnings) = schema(json!({
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": ["string", "null"]}},
                "pair": {"type": "array", "prefixItems": [{"const": 1}]},
                "any": {"anyOf": [{"const": "a"}, {"type": "null"}]}
            }
        }));
        assert_eq!(
            s["properties"]["tags"]["items"],
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            s["properties"]["pair"]["prefixItems"][0],
            json!({"enum": [1]})
        );
        assert_eq!(
            s["properties"]["any"]["anyOf"][1],
            json!({"nullable": true})
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].pointer,
            "#/components/schemas/S/properties/pair/prefixItems"
        );
    }

    #[test]
    fn document_level_changes() {
        let mut document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "webhooks": {"created": {"post": {"responses": {"200": {"description": "ok"}}}}},
            "paths": {"/a": {"get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": ["integer", "null"]}}],
                "responses": {"200": {
                    "description": "ok",
                    "content": {"application/json": {
                        "schema": {"const": 1},
                        "examples": {"one": {"value": {"type": ["kept", "as", "data"]}}}
                    }}
                }}
            }}}
        });
        let warnings = normalise(&mut document);
        assert!(document.get("webhooks").is_none());
        assert_eq!(warnings[0].pointer, "#/webhooks");
        let get = &document["paths"]["/a"]["get"];
        assert_eq!(
            get["parameters"][0]["schema"],
            json!({"type": "integer", "nullable": true})
        );
        let media = &get["responses"]["200"]["content"]["application/json"];
        assert_eq!(media["schema"], json!({"enum": [1]}));
        assert_eq!(
            media["examples"]["one"]["value"],
            json!({"type": ["kept", "as", "data"]})
        );
        let mut bare = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}});
        normalise(&mut bare);
        assert_eq!(bare["paths"], json!({}));
    }
}
