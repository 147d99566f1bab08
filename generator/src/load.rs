//! Reading a document: YAML (anchors and aliases included) or JSON into a JSON value, the
//! normalisations the OpenAPI model needs, and parsing into `openapiv3` types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::diagnostics::{Diagnostic, Error, escape_segment, unescape_segment};

/// A parsed OpenAPI document and the file it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file, as named to the user in diagnostics.
    pub file: PathBuf,
    /// The parsed document.
    pub openapi: openapiv3::OpenAPI,
    /// The JSON `openapi` was parsed from (normalised, as the model reads it): where a schema's
    /// exact text is needed, such as the JSON Schemas of a channel contract.
    pub value: Value,
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
    let mut warnings = if crate::openapi31::is_31(&value) {
        crate::openapi31::normalise(&mut value)
    } else {
        Vec::new()
    };
    warnings.extend(relative_paths(&value));
    // References are resolved in the document as written: rewriting `$ref` siblings first would
    // move the places some references point into.
    let dangling = dangling_refs(&value);
    if !dangling.is_empty() {
        return Err(invalid(dangling));
    }
    drop_callbacks(&mut value);
    let hoisted = inline_deep_refs(&mut value);
    normalise_ref_siblings(&mut value);
    // The pointer a user can look up: hoisted schemas are named by where they were written.
    let original = |pointer: String| -> String {
        for (name, target) in &hoisted {
            let at = format!("#/components/schemas/{}", escape_segment(name));
            if let Some(rest) = pointer.strip_prefix(&at)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return format!("{target}{rest}");
            }
        }
        pointer
    };
    // An invalid schema or path item costs only itself: it is degraded and reported, and the
    // rest of the document is read. Anything else that is invalid fails the document.
    let mut degraded = 0;
    let openapi = loop {
        let err = match serde_path_to_error::deserialize(&value) {
            Ok(openapi) => break openapi,
            Err(err) => err,
        };
        let (pointer, message) =
            narrow(&value).unwrap_or_else(|| (to_pointer(err.path()), err.inner().to_string()));
        let fallback = (degraded < 1000)
            .then(|| degrade(&mut value, &pointer))
            .flatten();
        match fallback {
            Some(what) => {
                degraded += 1;
                warnings.push(Diagnostic::new(
                    original(pointer),
                    format!("not valid OpenAPI 3.0 ({message}); {what}"),
                ));
            }
            None => {
                return Err(invalid(vec![Diagnostic::new(
                    original(pointer),
                    format!("not a valid OpenAPI 3.0 document: {message}"),
                )]));
            }
        }
    };
    Ok(Document {
        file: file.to_owned(),
        openapi,
        value,
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

/// Path keys that do not start with `/`, which the model reads as no path at all: each is
/// reported rather than left out unsaid (`x-` keys are extensions).
fn relative_paths(value: &Value) -> Vec<Diagnostic> {
    let Some(paths) = value.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .keys()
        .filter(|path| !path.starts_with('/') && !path.starts_with("x-"))
        .map(|path| {
            Diagnostic::new(
                format!("#/paths/{}", escape_segment(path)),
                format!(
                    "the path `{path}` does not start with `/`; its operations are not generated"
                ),
            )
        })
        .collect()
}

/// A schema `$ref` with sibling keywords (`nullable`, `description`) keeps them: OpenAPI 3.0
/// tooling commonly writes them, and the model would otherwise drop them. The reference moves into
/// a one-element `allOf`, which lowering reads as the referenced type plus the siblings; beside an
/// `allOf` of its own it joins that list as its last member, so that no member moves.
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
                match map.get_mut("allOf") {
                    Some(Value::Array(members)) => members.push(Value::Object(only_ref)),
                    _ => {
                        map.insert(
                            "allOf".to_owned(),
                            Value::Array(vec![Value::Object(only_ref)]),
                        );
                    }
                }
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

/// Replaces the invalid component schema or removes the invalid path item that `pointer` is in,
/// saying what was done; `None` for anything else.
fn degrade(value: &mut Value, pointer: &str) -> Option<&'static str> {
    let segments: Vec<&str> = pointer.split('/').collect();
    match segments.as_slice() {
        ["#", "components", "schemas", name, ..] => {
            let name = unescape_segment(name);
            let schemas = value.pointer_mut("/components/schemas")?.as_object_mut()?;
            let schema = schemas.get_mut(&name)?;
            if schema.as_object().is_some_and(Map::is_empty) {
                return None;
            }
            *schema = Value::Object(Map::new());
            Some("the schema is read as any JSON value")
        }
        ["#", "paths", path, ..] => {
            let path = unescape_segment(path);
            value
                .pointer_mut("/paths")?
                .as_object_mut()?
                .shift_remove(&path)?;
            Some("the path's operations are not generated")
        }
        _ => None,
    }
}

/// Callbacks describe requests the API makes to its caller; a client sends none of them, and the
/// model cannot read the references they are often written with.
fn drop_callbacks(value: &mut Value) {
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut().filter_map(Value::as_object_mut) {
                operation.remove("callbacks");
            }
        }
    }
    if let Some(components) = value.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("callbacks");
    }
}

/// Whether a reference's target is a schema, judged by where it points: a `schema` member, a
/// component schema's insides, or a schema keyword's value.
fn targets_schema(reference: &str) -> bool {
    if reference.starts_with("#/components/schemas/") {
        return true;
    }
    let segments: Vec<&str> = reference.split('/').collect();
    let last = segments.last().copied().unwrap_or_default();
    let parent = segments
        .len()
        .checked_sub(2)
        .and_then(|i| segments.get(i))
        .copied()
        .unwrap_or_default();
    matches!(last, "schema" | "items" | "additionalProperties" | "not")
        || matches!(
            parent,
            "properties" | "definitions" | "$defs" | "allOf" | "oneOf" | "anyOf"
        )
}

/// Makes references that do not name a component readable by the model, which follows
/// references to components only. A schema reached that way becomes a component of its own (so
/// recursion through it stays a reference); any other target (a parameter, a response) is copied
/// in place, keeping sibling keywords.
///
/// Returns the names of the schemas made components, with the pointer each was reached by.
fn inline_deep_refs(value: &mut Value) -> BTreeMap<String, String> {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(Value::as_str)
                    && is_deep(target)
                    && !out.iter().any(|t| t == target)
                {
                    out.push(target.to_owned());
                }
                map.values().for_each(|child| collect(child, out));
            }
            Value::Array(items) => items.iter().for_each(|child| collect(child, out)),
            _ => {}
        }
    }
    fn rename(value: &mut Value, names: &BTreeMap<String, String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get_mut("$ref")
                    && let Some(name) = names.get(target.as_str())
                {
                    *target = format!("#/components/schemas/{}", escape_segment(name));
                }
                map.values_mut().for_each(|child| rename(child, names));
            }
            Value::Array(items) => items.iter_mut().for_each(|child| rename(child, names)),
            _ => {}
        }
    }
    fn inline(root: &Value, value: &mut Value, chain: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                let target = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .filter(|r| is_deep(r))
                    .map(str::to_owned);
                if let Some(target) = target {
                    if chain.contains(&target) || chain.len() >= 8 {
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
                    inline(root, &mut replacement, chain);
                    chain.pop();
                    *value = replacement;
                    return;
                }
                map.values_mut()
                    .for_each(|child| inline(root, child, chain));
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|child| inline(root, child, chain)),
            _ => {}
        }
    }
    let mut targets = Vec::new();
    collect(value, &mut targets);
    if targets.is_empty() {
        return BTreeMap::new();
    }
    let root = value.clone();
    let mut taken: Vec<String> = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let mut names = BTreeMap::new();
    let mut hoisted = Vec::new();
    for target in targets.iter().filter(|t| targets_schema(t)) {
        let Some(found) = resolve_pointer(&root, &target[1..]) else {
            continue;
        };
        let base = hoisted_name(target);
        let mut name = base.clone();
        let mut n = 2;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
            name = format!("{base}{n}");
            n += 1;
        }
        taken.push(name.clone());
        names.insert(target.clone(), name.clone());
        hoisted.push((name, found.clone()));
    }
    if !hoisted.is_empty() {
        let schemas = value
            .as_object_mut()
            .map(|root| {
                root.entry("components")
                    .or_insert_with(|| Value::Object(Map::new()))
            })
            .and_then(Value::as_object_mut)
            .map(|components| {
                components
                    .entry("schemas")
                    .or_insert_with(|| Value::Object(Map::new()))
            })
            .and_then(Value::as_object_mut);
        if let Some(schemas) = schemas {
            for (name, schema) in hoisted {
                schemas.insert(name, schema);
            }
        }
        rename(value, &names);
    }
    if targets.iter().any(|t| !targets_schema(t)) {
        let root = value.clone();
        inline(&root, value, &mut Vec::new());
    }
    names
        .into_iter()
        .map(|(target, name)| (name, target))
        .collect()
}

/// A component name for a schema reached by a pointer: its meaningful segments
/// (`#/components/schemas/Item/definitions/billItem` -> `Item_billItem`,
/// `#/paths/~1chargers/get/responses/200/content/application~1json/schema` ->
/// `chargers_get_Response`).
fn hoisted_name(target: &str) -> String {
    const KEYWORDS: [&str; 16] = [
        "#",
        "components",
        "schemas",
        "paths",
        "properties",
        "definitions",
        "$defs",
        "items",
        "content",
        "schema",
        "responses",
        "requestBody",
        "parameters",
        "additionalProperties",
        "allOf",
        "oneOf",
    ];
    let decoded = percent_decode(target).unwrap_or_else(|| target.to_owned());
    let word = |s: &str| -> String {
        unescape_segment(s)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
            .trim_matches('_')
            .to_owned()
    };
    let mut parts: Vec<String> = Vec::new();
    let mut rest: Vec<&str> = decoded.split('/').collect();
    if let ["#", "paths", path, method, tail @ ..] = rest.as_slice() {
        let kind = if tail.contains(&"responses") {
            "Response"
        } else if tail.contains(&"requestBody") {
            "Body"
        } else if tail.contains(&"parameters") {
            "Parameter"
        } else {
            "Schema"
        };
        parts.extend([word(path), word(method), kind.to_owned()]);
        // Below the media type's schema, the property or member names it.
        let below = tail
            .iter()
            .position(|s| *s == "schema")
            .map_or(&[][..], |at| &tail[at + 1..]);
        rest = below.to_vec();
    }
    let named: Vec<String> = rest
        .iter()
        .filter(|s| !KEYWORDS.contains(s) && s.parse::<usize>().is_err())
        .map(|s| word(s))
        .filter(|s| !s.is_empty())
        .collect();
    let start = named.len().saturating_sub(3);
    parts.extend(named[start..].iter().cloned());
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        "Schema".to_owned()
    } else {
        parts.join("_")
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
    fn ref_siblings_keep_what_other_references_point_into() {
        // A bundler's pointer through a `$ref` with siblings, as in dnd5eapi.co's document.
        let text = r##"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {
            "/m": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema":
                {"$ref": "#/components/schemas/M", "allOf": [{"properties": {"x": {"type": "string"}}}]}}}}}}}},
            "components": {"schemas": {"M": {"type": "object", "properties": {
                "y": {"$ref": "#/paths/~1m/get/responses/200/content/application~1json/schema/allOf/0/properties/x"}}}}}}"##;
        let doc = parse(text).expect("valid document");
        let json = serde_json::to_value(&doc.openapi).expect("serializable");
        let y = &json["components"]["schemas"]["M"]["properties"]["y"]["$ref"];
        let name = y
            .as_str()
            .and_then(|y| y.strip_prefix("#/components/schemas/"));
        assert_eq!(
            json["components"]["schemas"][name.expect("a component")]["type"],
            "string"
        );
        let schema = &json["paths"]["/m"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema["allOf"][0]["properties"]["x"]["type"], "string");
        assert_eq!(schema["allOf"][1]["$ref"], "#/components/schemas/M");
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
        // An invalid security scheme fails the document.
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n    k: {type: apiKey, in: 7}\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("spec.yml: #/components/securitySchemes/k"),
            "{err}"
        );
    }

    #[test]
    fn invalid_schemas_and_path_items_cost_only_themselves() {
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: 7\n      responses: {}\n  /b:\n    get:\n      responses: {}\ncomponents:\n  schemas:\n    Bad: {type: string, pattern: 0}\n    Good: {type: string}\n";
        let doc = parse(text).expect("degraded, not refused");
        let pointers: Vec<&str> = doc.warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["#/paths/~1a/get/parameters", "#/components/schemas/Bad"]
        );
        assert!(doc.warnings[0].message.contains("not generated"));
        assert!(doc.warnings[1].message.contains("any JSON value"));
        assert!(doc.openapi.paths.paths.contains_key("/b"));
        assert!(!doc.openapi.paths.paths.contains_key("/a"));
        let schemas = &doc.openapi.components.as_ref().expect("components").schemas;
        assert!(schemas.contains_key("Bad") && schemas.contains_key("Good"));
    }

    #[test]
    fn schemas_reached_by_pointer_become_components() {
        let text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Item:\n      type: object\n      properties:\n        child: {$ref: '#/components/schemas/Item/definitions/node'}\n      definitions:\n        node:\n          type: object\n          properties:\n            next: {$ref: '#/components/schemas/Item/definitions/node'}\n";
        let doc = parse(text).expect("valid document");
        let json = serde_json::to_value(&doc.openapi.components).expect("serializable");
        assert_eq!(
            json["schemas"]["Item"]["properties"]["child"]["$ref"],
            "#/components/schemas/Item_node"
        );
        assert_eq!(
            json["schemas"]["Item_node"]["properties"]["next"]["$ref"],
            "#/components/schemas/Item_node"
        );
    }
}
