//! Reading an AsyncAPI 3.0 document: the second front end. The document is read like an OpenAPI
//! one (YAML or JSON, an overlay applied) and kept as a JSON value; lowering reads its channels
//! into the same IR, with payloads lowered by the same schema lowering.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Error};
use crate::load::read_value;

/// An AsyncAPI document and the file it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file, as named to the user in diagnostics.
    pub file: PathBuf,
    /// The document, overlay applied.
    pub value: Value,
}

impl Document {
    /// The value at a local reference (`#/components/messages/x`), following references to
    /// references, with the pointer of the value reached; `None` for a reference that leads
    /// nowhere or in a cycle.
    pub(crate) fn resolve<'a>(
        &'a self,
        mut value: &'a Value,
        at: &str,
    ) -> Option<(&'a Value, String)> {
        let mut at = at.to_owned();
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Some((value, at));
            };
            value = self.value.pointer(reference.strip_prefix('#')?)?;
            at = reference.to_owned();
        }
        None
    }
}

/// Reads a file, applies an overlay file to it when given, and checks it is AsyncAPI 3.
pub fn load_with_overlay(path: &Path, overlay: Option<&Path>) -> Result<Document, Error> {
    let mut value = read_value(path)?;
    if let Some(overlay) = overlay {
        let actions = read_value(overlay)?;
        crate::overlay::apply(&mut value, overlay, actions)?;
    }
    parse_document(path, value)
}

/// Checks a value is an AsyncAPI 3 document.
pub fn parse_document(file: &Path, value: Value) -> Result<Document, Error> {
    let invalid = |diagnostic: Diagnostic| Error::Invalid {
        file: file.to_owned(),
        diagnostics: vec![diagnostic],
    };
    match value.get("asyncapi") {
        Some(Value::String(version)) if version.starts_with("3.") => {}
        Some(other) => {
            return Err(invalid(Diagnostic::new(
                "#/asyncapi",
                format!("AsyncAPI {other} is not supported; AsyncAPI 3 is expected"),
            )));
        }
        None => {
            return Err(invalid(Diagnostic::new(
                "#",
                "missing `asyncapi` field: this is not an AsyncAPI document",
            )));
        }
    }
    if !value.get("channels").is_none_or(Value::is_object) {
        return Err(invalid(Diagnostic::new(
            "#/channels",
            "`channels` must be a mapping",
        )));
    }
    Ok(Document {
        file: file.to_owned(),
        value,
    })
}
