//! OpenAPI Overlay 1.0: corrections kept beside a vendor document and applied to it before it is
//! parsed, so that a new upstream export can be dropped in without losing them.
//!
//! Each action selects nodes with an RFC 9535 JSONPath `target` and either merges `update` into
//! them (appends it, for an array) or removes them. An action whose target matches nothing is an
//! error: the correction has gone stale and must be looked at.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::diagnostics::{Diagnostic, Error};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overlay {
    overlay: String,
    #[allow(dead_code, reason = "required by the format, not used")]
    info: Info,
    #[serde(default)]
    #[allow(dead_code, reason = "informative only")]
    extends: Option<String>,
    actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
struct Info {
    #[allow(dead_code, reason = "required by the format, not used")]
    title: String,
    #[allow(dead_code, reason = "required by the format, not used")]
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Action {
    target: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    update: Option<Value>,
    #[serde(default)]
    remove: bool,
}

/// Applies the overlay read from `file` to `document`. Every failing action is reported, each
/// located in the overlay file.
pub fn apply(document: &mut Value, file: &Path, overlay: Value) -> Result<(), Error> {
    let invalid = |diagnostics: Vec<Diagnostic>| Error::Invalid {
        file: file.to_owned(),
        diagnostics,
    };
    let overlay: Overlay = serde_path_to_error::deserialize(&overlay).map_err(|err| {
        let pointer = format!("#/{}", err.path().to_string().replace('.', "/"));
        invalid(vec![Diagnostic::new(
            pointer,
            format!("not a valid overlay: {}", err.inner()),
        )])
    })?;
    if !overlay.overlay.starts_with("1.") {
        return Err(invalid(vec![Diagnostic::new(
            "#/overlay",
            format!(
                "overlay version {} is not supported; 1.0 is expected",
                overlay.overlay
            ),
        )]));
    }
    let mut problems = Vec::new();
    for (index, action) in overlay.actions.iter().enumerate() {
        if let Err(message) = apply_action(document, action) {
            let named = match &action.description {
                Some(description) => format!("action {index} ({description}): {message}"),
                None => format!("action {index}: {message}"),
            };
            problems.push(Diagnostic::new(format!("#/actions/{index}"), named));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid(problems))
    }
}

fn apply_action(document: &mut Value, action: &Action) -> Result<(), String> {
    let path = JsonPath::parse(&action.target)
        .map_err(|err| format!("invalid JSONPath `{}`: {err}", action.target))?;
    let pointers: Vec<String> = path
        .query_located(document)
        .locations()
        .map(|location| location.to_json_pointer())
        .collect();
    if pointers.is_empty() {
        return Err(format!("target `{}` matches nothing", action.target));
    }
    match (&action.update, action.remove) {
        (Some(_), true) => Err("an action cannot both update and remove".to_owned()),
        (None, false) => Err("an action needs `update` or `remove: true`".to_owned()),
        (None, true) => {
            // Later matches first, so that removing array items keeps earlier indices valid.
            for pointer in pointers.iter().rev() {
                remove(document, pointer);
            }
            Ok(())
        }
        (Some(update), false) => {
            for pointer in &pointers {
                let Some(node) = document.pointer_mut(pointer) else {
                    continue;
                };
                match node {
                    Value::Array(items) => items.push(update.clone()),
                    Value::Object(_) if update.is_object() => merge(node, update),
                    _ => {
                        return Err(format!(
                            "target `{}` selects {pointer}, which is neither an object nor an array",
                            action.target
                        ));
                    }
                }
            }
            Ok(())
        }
    }
}

/// Merges `update` into `node`: objects key by key, recursively; anything else replaces.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(node), Value::Object(update)) => {
            for (key, value) in update {
                match node.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        node.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (node, update) => *node = update.clone(),
    }
}

fn remove(document: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = crate::diagnostics::unescape_segment(last);
    match document.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = key.parse::<usize>()
                && index < items.len()
            {
                items.remove(index);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(document: &str, overlay: &str) -> Result<Value, String> {
        let mut doc: Value = serde_yaml::from_str(document).expect("document");
        let overlay: Value = serde_yaml::from_str(overlay).expect("overlay");
        apply(&mut doc, Path::new("overlay.yml"), overlay).map_err(|e| e.to_string())?;
        Ok(doc)
    }

    const DOC: &str = "paths:\n  /a:\n    post:\n      responses:\n        '204': {description: none}\n      tags: [A]\n";

    #[test]
    fn update_merges_remove_deletes_and_arrays_append() {
        let overlay = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths['/a'].post.responses\n    update:\n      '200': {description: audio}\n  - target: $.paths['/a'].post.responses['204']\n    remove: true\n  - target: $.paths['/a'].post.tags\n    update: B\n";
        let doc = run(DOC, overlay).expect("applies");
        let responses = &doc["paths"]["/a"]["post"]["responses"];
        assert_eq!(responses["200"]["description"], "audio");
        assert!(responses.get("204").is_none());
        assert_eq!(
            doc["paths"]["/a"]["post"]["tags"],
            serde_json::json!(["A", "B"])
        );
    }

    #[test]
    fn stale_target_is_an_error_naming_the_action() {
        let overlay = "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths['/gone'].post\n    description: fix the gone endpoint\n    update: {summary: x}\n";
        let err = run(DOC, overlay).expect_err("stale");
        assert_eq!(
            err,
            "overlay.yml: #/actions/0: action 0 (fix the gone endpoint): target `$.paths['/gone'].post` matches nothing"
        );
    }

    #[test]
    fn malformed_overlays_are_errors() {
        let err = run(DOC, "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: '$..['\n    remove: true\n")
            .expect_err("bad path");
        assert!(
            err.contains("#/actions/0") && err.contains("invalid JSONPath"),
            "{err}"
        );
        let err = run(DOC, "overlay: 1.0.0\nactions: []\n").expect_err("no info");
        assert!(
            err.contains("not a valid overlay") && err.contains("info"),
            "{err}"
        );
        let err = run(
            DOC,
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
        )
        .expect_err("version");
        assert!(err.contains("#/overlay"), "{err}");
        let err = run(
            DOC,
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths\n",
        )
        .expect_err("no op");
        assert!(err.contains("needs `update` or `remove: true`"), "{err}");
    }
}
