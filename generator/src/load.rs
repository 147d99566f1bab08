//! Reading a document: YAML (anchors and aliases included) or JSON into a JSON value, the
//! normalisations the OpenAPI model needs, and parsing into `openapiv3` types.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::diagnostics::{Diagnostic, Error, escape_segment};

/// A parsed OpenAPI document and the file it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file, as named to the user in diagnostics.
    pub file: PathBuf,
    /// The parsed document.
    pub openapi: openapiv3::OpenAPI,
    /// What reading the document had to leave out (parts of OpenAPI 3.1 without a 3.0 form).
    pub warnings: Vec<Diagnostic>,
}

/// Reads a file into a JSON value.
pub fn read_value(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        file: path.to_owned(),
        source,
    })?;
    parse_value(path, &text)
}

/// Parses YAML or JSON text into a JSON value. JSON documents are read by a JSON parser, which
/// takes what JSON allows and YAML does not (C1 control characters in strings, integers beyond 64
/// bits); anything else is read as YAML, with anchors, aliases and merge keys (`<<`) resolved.
pub fn parse_value(file: &Path, text: &str) -> Result<Value, Error> {
    if text.trim_start().starts_with(['{', '[']) {
        return serde_json::from_str(text).map_err(|err| Error::Syntax {
            file: file.to_owned(),
            line: Some(err.line()),
            column: Some(err.column()),
            message: err.to_string(),
        });
    }
    let syntax = |err: serde_yaml::Error| Error::Syntax {
        file: file.to_owned(),
        line: err.location().map(|l| l.line()),
        column: err.location().map(|l| l.column()),
        message: err.to_string(),
    };
    let mut yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(syntax)?;
    yaml.apply_merge().map_err(syntax)?;
    serde_json::to_value(yaml).map_err(|err| Error::Syntax {
        file: file.to_owned(),
        line: None,
        column: None,
        message: format!("not representable as JSON: {err}"),
    })
}

/// Checks the document is OpenAPI 3.0, normalises it and parses it.
pub fn parse_document(file: &Path, mut value: Value) -> Result<Document, Error> {
    let invalid = |diagnostics: Vec<Diagnostic>| Error::Invalid {
        file: file.to_owned(),
        diagnostics,
    };
    check_version(&value).map_err(|d| invalid(vec![d]))?;
    let warnings = if crate::openapi31::is_31(&value) {
        crate::openapi31::normalise(&mut value)
    } else {
        Vec::new()
    };
    normalise_ref_siblings(&mut value);
    let dangling = dangling_refs(&value);
    if !dangling.is_empty() {
        return Err(invalid(dangling));
    }
    inline_deep_refs(&mut value);
    let openapi = serde_path_to_error::deserialize(&value).map_err(|err| {
        let (pointer, message) =
            narrow(&value).unwrap_or_else(|| (to_pointer(err.path()), err.inner().to_string()));
        invalid(vec![Diagnostic::new(
            pointer,
            format!("not a valid OpenAPI 3.0 document: {message}"),
        )])
    })?;
    Ok(Document {
        file: file.to_owned(),
        openapi,
        warnings,
    })
}

/// Reads and parses a file.
pub fn load(path: &Path) -> Result<Document, Error> {
    parse_document(path, read_value(path)?)
}

/// Reads a file, applies an overlay file to it when given, and parses the result.
pub fn load_with_overlay(path: &Path, overlay: Option<&Path>) -> Result<Document, Error> {
    let mut value = read_value(path)?;
    if let Some(overlay) = overlay {
        let actions = read_value(overlay)?;
        crate::overlay::apply(&mut value, overlay, actions)?;
    }
    parse_document(path, value)
}

fn check_version(value: &Value) -> Result<(), Diagnostic> {
    let Some(root) = value.as_object() else {
        return Err(Diagnostic::new("#", "the document is not a mapping"));
    };
    if let Some(swagger) = root.get("swagger") {
        return Err(Diagnostic::new(
            "#/swagger",
            format!(
                "Swagger {} documents are not supported; OpenAPI 3.0 or 3.1 is expected",
                display(swagger)
            ),
        ));
    }
    match root.get("openapi") {
        None => Err(Diagnostic::new(
            "#",
            "missing `openapi` field: this is not an OpenAPI document",
        )),
        Some(Value::String(version))
            if ["3.0", "3.1"].contains(&version.as_str())
                || version.starts_with("3.0.")
                || version.starts_with("3.1.") =>
        {
            Ok(())
        }
        Some(other) => Err(Diagnostic::new(
            "#/openapi",
            format!(
                "OpenAPI version {} is not supported; OpenAPI 3.0 or 3.1 is expected",
                display(other)
            ),
        )),
    }
}

fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A schema `$ref` with sibling keywords (`nullable`, `description`) keeps them: OpenAPI 3.0
/// tooling commonly writes them, and the model would otherwise drop them. The reference moves into
/// a one-element `allOf`, which lowering reads as the referenced type plus the siblings.
fn normalise_ref_siblings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_schema_ref = map
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| r.starts_with("#/components/schemas/"));
            if is_schema_ref && map.len() > 1 {
                let reference = map.remove("$ref").unwrap_or(Value::Null);
                let mut only_ref = Map::new();
                only_ref.insert("$ref".to_owned(), reference);
                map.insert(
                    "allOf".to_owned(),
                    Value::Array(vec![Value::Object(only_ref)]),
                );
            }
            map.values_mut().for_each(normalise_ref_siblings);
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_ref_siblings),
        _ => {}
    }
}

/// Whether a reference points into the document somewhere other than a component
/// (`#/paths/~1a/get/parameters/0`, as bundlers write them).
fn is_deep(reference: &str) -> bool {
    match reference.strip_prefix("#/components/") {
        Some(rest) => rest.split('/').count() != 2,
        None => reference.starts_with("#/"),
    }
}

/// Replaces every reference that does not name a component with a copy of its target (keeping
/// sibling keywords), so that the model, which follows references to components only, reads it.
/// A reference that reaches itself again is left as it is.
fn inline_deep_refs(value: &mut Value) {
    fn any_deep(value: &Value) -> bool {
        match value {
            Value::Object(map) => {
                map.get("$ref").and_then(Value::as_str).is_some_and(is_deep)
                    || map.values().any(any_deep)
            }
            Value::Array(items) => items.iter().any(any_deep),
            _ => false,
        }
    }
    fn walk(root: &Value, value: &mut Value, chain: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                let target = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .filter(|r| is_deep(r))
                    .map(str::to_owned);
                if let Some(target) = target {
                    if chain.contains(&target) || chain.len() >= 32 {
                        return;
                    }
                    let Some(found) = resolve_pointer(root, &target[1..]) else {
                        return;
                    };
                    let mut replacement = found.clone();
                    if let Value::Object(inlined) = &mut replacement {
                        for (key, sibling) in map.iter() {
                            if key != "$ref" {
                                inlined.insert(key.clone(), sibling.clone());
                            }
                        }
                    }
                    chain.push(target);
                    walk(root, &mut replacement, chain);
                    chain.pop();
                    *value = replacement;
                    return;
                }
                for child in map.values_mut() {
                    walk(root, child, chain);
                }
            }
            Value::Array(items) => {
                for child in items {
                    walk(root, child, chain);
                }
            }
            _ => {}
        }
    }
    if any_deep(value) {
        let root = value.clone();
        walk(&root, value, &mut Vec::new());
    }
}

/// Every `$ref` that does not resolve inside the document, located where it is written.
fn dangling_refs(root: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk_refs(root, root, &mut String::from("#"), &mut out);
    out
}

fn walk_refs(root: &Value, value: &Value, at: &mut String, out: &mut Vec<Diagnostic>) {
    match value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                let here = format!("{at}/$ref");
                match target.strip_prefix('#') {
                    Some(local) if resolve_pointer(root, local).is_some() => {}
                    Some(_) => out.push(Diagnostic::new(
                        here,
                        format!("`$ref` target `{target}` does not exist"),
                    )),
                    None => out.push(Diagnostic::new(
                        here,
                        format!("`$ref` to another document (`{target}`) is not supported"),
                    )),
                }
            }
            for (key, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&escape_segment(key));
                walk_refs(root, child, at, out);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{index}"));
                walk_refs(root, child, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Resolves a JSON pointer (without the leading `#`), percent-decoding as URI fragments require.
fn resolve_pointer<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.contains('%') {
        let decoded = percent_decode(pointer)?;
        root.pointer(&decoded)
    } else {
        root.pointer(pointer)
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Finds the failing path item or component one at a time, because the model's flattened maps
/// hide where inside them a failure was.
fn narrow(root: &Value) -> Option<(String, String)> {
    use openapiv3::{
        Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema, SecurityScheme,
    };
    fn first<T: serde::de::DeserializeOwned>(
        base: &str,
        map: Option<&Value>,
    ) -> Option<(String, String)> {
        for (key, value) in map?.as_object()? {
            if key.starts_with("x-") {
                continue;
            }
            if let Err(err) = serde_path_to_error::deserialize::<_, T>(value) {
                let inner = to_pointer(err.path());
                let pointer = format!(
                    "{base}/{}{}",
                    escape_segment(key),
                    inner.trim_start_matches('#')
                );
                return Some((pointer, err.inner().to_string()));
            }
        }
        None
    }
    let components = root.get("components");
    let part = |name: &str| components.and_then(|c| c.get(name));
    first::<PathItem>("#/paths", root.get("paths"))
        .or_else(|| first::<ReferenceOr<Schema>>("#/components/schemas", part("schemas")))
        .or_else(|| first::<ReferenceOr<Parameter>>("#/components/parameters", part("parameters")))
        .or_else(|| first::<ReferenceOr<Response>>("#/components/responses", part("responses")))
        .or_else(|| {
            first::<ReferenceOr<RequestBody>>("#/components/requestBodies", part("requestBodies"))
        })
        .or_else(|| {
            first::<ReferenceOr<SecurityScheme>>(
                "#/components/securitySchemes",
                part("securitySchemes"),
            )
        })
}

fn to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("#");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_segment(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Document, Error> {
        let value = parse_value(Path::new("spec.yml"), text)?;
        parse_document(Path::new("spec.yml"), value)
    }

    #[test]
    fn malformed_yaml_names_file_and_line() {
        let err = parse("openapi: 3.0.0\ninfo: [\n  title: x\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("spec.yml:"), "{err}");
        assert!(err.contains("malformed document"), "{err}");
        assert!(err.contains(":3:") || err.contains(":4:"), "{err}");
    }

    #[test]
    fn swagger_and_other_versions_are_refused() {
        let err = parse("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "spec.yml: #/swagger: Swagger 2.0 documents are not supported; OpenAPI 3.0 or 3.1 is expected"
        );
        let err = parse("openapi: 4.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("#/openapi: OpenAPI version 4.0.0 is not supported"),
            "{err}"
        );
        let err = parse("title: x\n").unwrap_err();
        assert!(err.to_string().contains("missing `openapi` field"), "{err}");
    }

    #[test]
    fn dangling_ref_is_located() {
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {$ref: '#/components/schemas/B'}\n";
        let err = parse(text).unwrap_err().to_string();
        assert_eq!(
            err,
            "spec.yml: #/components/schemas/A/properties/b/$ref: `$ref` target `#/components/schemas/B` does not exist"
        );
    }

    #[test]
    fn ref_siblings_are_kept_as_all_of() {
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: string}\n    B:\n      type: object\n      properties:\n        a: {$ref: '#/components/schemas/A', nullable: true, description: d}\n";
        let doc = parse(text).expect("valid document");
        let json = serde_json::to_value(&doc.openapi.components).expect("serializable");
        let a = &json["schemas"]["B"]["properties"]["a"];
        assert_eq!(a["nullable"], true);
        assert_eq!(a["allOf"][0]["$ref"], "#/components/schemas/A");
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\nx-common: &common\n  type: string\npaths: {}\ncomponents:\n  schemas:\n    A: *common\n";
        let doc = parse(text).expect("valid document");
        let json = serde_json::to_value(&doc.openapi.components).expect("serializable");
        assert_eq!(json["schemas"]["A"]["type"], "string");
    }

    #[test]
    fn references_into_paths_are_inlined() {
        let text = r##"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {
            "/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {}}},
            "/b/{id}": {"get": {"parameters": [{"$ref": "#/paths/~1a~1%7Bid%7D/get/parameters/0"}], "responses": {}}}
        }}"##;
        let doc = parse(text).expect("valid document");
        let b = &doc.openapi.paths.paths["/b/{id}"];
        let json = serde_json::to_value(b).expect("serializable");
        assert_eq!(json["get"]["parameters"][0]["name"], "id");
    }

    #[test]
    fn json_documents_take_what_json_allows() {
        let text = "{\"openapi\": \"3.0.0\", \"info\": {\"title\": \"x\u{0085}\", \"version\": \"1\"}, \"paths\": {}, \"components\": {\"schemas\": {\"A\": {\"type\": \"integer\", \"minimum\": -9223372036854776000}}}}";
        let doc = parse(text).expect("valid document");
        assert_eq!(doc.openapi.info.title, "x\u{0085}");
        let err = parse("{\"openapi\": \n  3.0.0}").unwrap_err().to_string();
        assert!(err.starts_with("spec.yml:2:"), "{err}");
    }

    #[test]
    fn model_errors_name_the_place() {
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: 7\n      responses: {}\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("spec.yml: #/paths/~1a/get/parameters"),
            "{err}"
        );
    }
}
