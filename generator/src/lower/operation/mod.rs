//! Operations to sub-client methods: groups, method names, paths and security; parameters,
//! bodies, responses, pagination and errors are lowered in the submodules.

mod bodies;
mod errors;
mod pagination;
mod parameters;
mod responses;

use bodies::essence;

use std::collections::BTreeMap;

use openapiv3::{
    Operation as Op, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, StatusCode,
};

use super::schema::{Flat, View, optional};
use super::{Lowerer, SchemaRef};
use crate::diagnostics::{escape_segment, pointer};
use crate::ir::{
    Accessor, Body, BodyEncoding, CursorSource, ErrorEnum, FixedHeader, Group, MultiResponse,
    Operation, PageFlag, Pagination, Param, ParamLocation, PathPart, Payload, Response,
    ResponseVariant, Scalar, SecurityScheme, Skipped, Type, TypeKind,
};
use crate::names::{self, Case, Scope, reserved};

/// An operation's parameters: the ones its caller gives, and the ones the client fills itself.
struct Parameters {
    params: Vec<Param>,
    fixed_headers: Vec<FixedHeader>,
    fixed_query: Vec<FixedHeader>,
}

const PARAMETER_PREFIX: &str = "#/components/parameters/";

/// The scope of a sub-client's methods, where its own are taken.
fn sub_client_scope() -> Scope {
    Scope::with_reserved(reserved::SUB_CLIENT_METHODS.iter().copied())
}

/// Whether a media type carries JSON.
fn is_json(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence == "application/json"
        || essence.ends_with("+json")
        || essence == "text/json"
        || essence == "*/*"
}

/// An operation id for an operation without one: `get /voices/{id}` -> `get_voices_by_id`.
fn derived_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("by_");
                id.push_str(param);
            }
            None => id.push_str(segment),
        }
    }
    id
}

/// Whether an operation's method takes arguments: a body, a path parameter, or a parameter that
/// is required (or a reference, which may be).
fn takes_arguments(item: &Pending<'_>) -> bool {
    item.op.request_body.is_some()
        || item.path.contains('{')
        || item
            .op
            .parameters
            .iter()
            .chain(item.path_params)
            .any(|parameter| match parameter {
                ReferenceOr::Reference { .. } => true,
                ReferenceOr::Item(parameter) => parameter.parameter_data_ref().required,
            })
}

/// The method name within its group: the operation id without the tag it repeats
/// (`auth_access-token` in `Auth` -> `access_token`).
fn method_name(id: &str, tag: &str) -> String {
    let full = names::snake(id);
    let tag = names::snake(tag);
    let stem = names::bare(&full)
        .strip_prefix(names::bare(&tag))
        .and_then(|rest| rest.strip_prefix('_'));
    match stem {
        Some(stem) if !stem.is_empty() => names::snake(stem),
        _ => full,
    }
}

/// The parameters a path template names (`/voices/{id}` -> `id`), in order; why the path is no
/// template a request can be made from otherwise.
fn template_params(path: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut open = None;
    for (index, c) in path.char_indices() {
        match (c, open) {
            ('{', None) => open = Some(index),
            ('}', Some(start)) => {
                let name = &path[start + 1..index];
                if name.is_empty() {
                    return Err(format!("the path `{path}` has an empty `{{}}`"));
                }
                names.push(name);
                open = None;
            }
            ('{' | '}', _) => return Err(format!("the path `{path}` has unbalanced braces")),
            _ => {}
        }
    }
    if open.is_some() {
        return Err(format!("the path `{path}` has unbalanced braces"));
    }
    Ok(names)
}

fn split_path(path: &str, params: &BTreeMap<String, String>) -> Vec<PathPart> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            parts.push(PathPart::Literal(rest[..open].to_owned()));
        }
        let wire = &rest[open + 1..open + close];
        match params.get(wire) {
            Some(rust) => parts.push(PathPart::Param(rust.clone())),
            None => parts.push(PathPart::Literal(rest[open..=open + close].to_owned())),
        }
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_owned()));
    }
    parts
}

struct Pending<'a> {
    tag: String,
    id: String,
    method: &'a str,
    path: &'a str,
    op: &'a Op,
    path_params: &'a [ReferenceOr<Parameter>],
    item_at: String,
    at: String,
}

impl<'a> Lowerer<'a> {
    pub(super) fn operations(
        &mut self,
        schemes: &[SecurityScheme],
        api_version: Option<&str>,
    ) -> (Vec<Group>, Vec<Skipped>) {
        let spec = self.spec;
        let mut pending = Vec::new();
        for (path, item) in &spec.paths.paths {
            let item_at = format!("#/paths/{}", escape_segment(path));
            let ReferenceOr::Item(item) = item else {
                self.warn(
                    item_at,
                    "a referenced path item is not supported; its operations are left out",
                );
                continue;
            };
            for (method, op) in item.iter() {
                let at = pointer(&item_at, &[method]);
                let id = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| derived_id(method, path));
                let tag = op.tags.first().cloned().unwrap_or_default();
                pending.push(Pending {
                    tag,
                    id,
                    method,
                    path,
                    op,
                    path_params: &item.parameters,
                    item_at: item_at.clone(),
                    at,
                });
            }
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut client_scope = Scope::with_reserved(reserved::CLIENT_METHODS.iter().copied());
        let mut method_scopes: BTreeMap<String, Scope> = BTreeMap::new();
        let mut builder_scope = Scope::default();
        let mut skipped = Vec::new();
        // Method names a maintainer chose come first, so that no derived name takes them.
        let mut chosen = BTreeMap::new();
        for (index, item) in pending.iter().enumerate() {
            let Some(method) =
                self.chosen_name(&item.op.extensions, names::RENAME, &item.at, Case::Snake)
            else {
                continue;
            };
            let scope = if item.tag.is_empty() {
                &mut client_scope
            } else {
                method_scopes
                    .entry(item.tag.clone())
                    .or_insert_with(sub_client_scope)
            };
            let mut taken = std::mem::take(scope);
            let method = self.claim_chosen(&mut taken, method, &item.at, names::RENAME);
            *scope = taken;
            chosen.insert(index, method);
        }
        for (index, item) in pending.into_iter().enumerate() {
            let group = match groups.iter().position(|g| g.wire == item.tag) {
                Some(index) => index,
                None => {
                    let accessor = (!item.tag.is_empty()).then(|| Accessor {
                        method: client_scope.claim(names::snake(&item.tag)),
                        client: self
                            .type_scope
                            .claim(format!("{}Client", names::pascal(&item.tag))),
                    });
                    let doc = spec
                        .tags
                        .iter()
                        .find(|t| t.name == item.tag)
                        .and_then(|t| t.description.clone());
                    groups.push(Group {
                        wire: item.tag.clone(),
                        accessor,
                        doc: doc.map(crate::ir::DocText::new),
                        operations: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let scope = match &groups[group].accessor {
                Some(_) => method_scopes
                    .entry(item.tag.clone())
                    .or_insert_with(sub_client_scope),
                None => &mut client_scope,
            };
            let method = match chosen.remove(&index) {
                Some(method) => method,
                None => {
                    let name = method_name(&item.id, &item.tag);
                    // A method without arguments named like a trait's (`clone`, `fmt`) reads as
                    // that trait's; the name is taken, so the method gets the next.
                    if !takes_arguments(&item) && reserved::TRAIT_METHODS.contains(&name.as_str()) {
                        scope.claim(name.clone());
                    }
                    scope.claim(name)
                }
            };
            let prefix = if item.tag.is_empty() {
                String::new()
            } else {
                names::pascal(&item.tag)
            };
            let builder =
                builder_scope.claim(format!("{prefix}{}", names::pascal(names::bare(&method))));
            match self.operation(&item, method, builder, schemes, api_version) {
                Ok(operation) => groups[group].operations.push(operation),
                Err(reason) => {
                    self.warn(
                        item.at.as_str(),
                        format!("operation `{}` is not generated: {reason}", item.id),
                    );
                    skipped.push(Skipped {
                        id: item.id.clone(),
                        route: format!("{} {}", item.method.to_uppercase(), item.path),
                        pointer: item.at.clone(),
                        reason,
                    });
                }
            }
        }
        groups.retain(|g| !g.operations.is_empty());
        (groups, skipped)
    }

    fn operation(
        &mut self,
        item: &Pending<'a>,
        method: String,
        builder: String,
        schemes: &[SecurityScheme],
        api_version: Option<&str>,
    ) -> Result<Operation, String> {
        let op = item.op;
        // Every name in the template is a declared path parameter, and every path parameter is
        // named in the template: a request is never sent with a `{name}` left in its path.
        let named = template_params(item.path.split(['?', '#']).next().unwrap_or_default())?;
        let hint = names::pascal(&item.id);
        let Parameters {
            mut params,
            fixed_headers,
            fixed_query,
        } = self.parameters(item, &hint, api_version)?;
        let path_params: BTreeMap<String, String> = params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| (p.wire.clone(), p.name.clone()))
            .collect();
        if let Some(undeclared) = named.iter().find(|name| !path_params.contains_key(**name)) {
            return Err(format!(
                "the path `{}` names `{{{undeclared}}}`, which no path parameter declares",
                item.path
            ));
        }
        for wire in path_params
            .keys()
            .filter(|wire| !named.contains(&wire.as_str()))
        {
            self.warn(
                item.at.as_str(),
                format!(
                    "path parameter `{wire}` does not appear in the path `{}`; it is left out",
                    item.path
                ),
            );
        }
        params.retain(|p| p.location != ParamLocation::Path || named.contains(&p.wire.as_str()));
        let body = match &op.request_body {
            Some(body) => Some(self.body(body, &pointer(&item.at, &["requestBody"]), &hint)?),
            None => None,
        };
        let response = self.response(op, &item.at, &hint)?;
        let errors = self.errors(op, &item.at, &hint);
        let pagination = op.extensions.get("x-pagination").and_then(|config| {
            self.pagination(
                config,
                &pointer(&item.at, &["x-pagination"]),
                &params,
                &response,
            )
        });
        let idempotent = self.idempotent(op, &item.at);
        let idempotency_key = params
            .iter()
            .find(|p| {
                p.location == ParamLocation::Header && p.wire.eq_ignore_ascii_case(IDEMPOTENCY_KEY)
            })
            .map(|p| p.wire.clone());
        // A path written with a query (`/worker?cmd=run`) sends it as fixed parameters; a
        // fragment (`/#Action=List`, used to tell paths apart) is never sent.
        let (path, query) = match item.path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (item.path, None),
        };
        let path = path.split_once('#').map_or(path, |(path, _)| path);
        let path = if path.is_empty() { "/" } else { path };
        let mut fixed_query = fixed_query;
        for pair in query
            .map(|q| q.split_once('#').map_or(q, |(q, _)| q))
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|pair| !pair.is_empty())
        {
            let (wire, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !fixed_query.iter().any(|f| f.wire == wire)
                && !params
                    .iter()
                    .any(|p| p.wire == wire && p.location == ParamLocation::Query)
            {
                fixed_query.push(FixedHeader {
                    wire: wire.to_owned(),
                    value: value.to_owned(),
                    is_api_version: false,
                });
            }
        }
        let path_parts = split_path(path, &path_params);
        let security = self.requirement(op.security.as_ref(), schemes, &item.at);
        let doc = [op.summary.as_deref(), op.description.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        let mut doc = doc.join("\n\n");
        if op.deprecated {
            doc.push_str("\n\nDeprecated.");
        }
        Ok(Operation {
            id: item.id.clone(),
            method,
            builder,
            doc: (!doc.trim().is_empty()).then(|| crate::ir::DocText::new(doc.trim())),
            http_method: item.method.to_uppercase(),
            path: item.path.to_owned(),
            path_parts,
            params,
            fixed_headers,
            fixed_query,
            body,
            response,
            errors,
            pagination,
            security,
            idempotent,
            idempotency_key,
            pointer: item.at.clone(),
        })
    }

    /// Whether the operation's `x-idempotent` extension says it is safe to send more than once;
    /// a value other than a boolean is a warning and counts as `false`.
    fn idempotent(&mut self, op: &Op, at: &str) -> bool {
        match op.extensions.get(X_IDEMPOTENT) {
            None => false,
            Some(serde_json::Value::Bool(safe)) => *safe,
            Some(_) => {
                self.warn(
                    pointer(at, &[X_IDEMPOTENT]),
                    format!("`{X_IDEMPOTENT}` must be a boolean; the operation is not retried"),
                );
                false
            }
        }
    }
}

/// The extension that marks an operation safe to send more than once.
const X_IDEMPOTENT: &str = "x-idempotent";

/// The header an operation declares to let the server recognise a repeated request.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_drop_the_tag() {
        for (id, tag, method) in [
            ("auth_access-token", "Auth", "access_token"),
            ("voices_list", "Voices", "list"),
            ("apiStatus_get", "ApiStatus", "get"),
            ("fineTunes_listVoices", "FineTunes", "list_voices"),
            ("agents_list-calls", "Agents", "list_calls"),
            ("listPets", "pets", "list_pets"),
            ("voices", "Voices", "voices"),
            ("voices_type", "Voices", "r#type"),
        ] {
            assert_eq!(method_name(id, tag), method, "{id} in {tag}");
        }
    }

    #[test]
    fn derived_ids() {
        assert_eq!(
            derived_id("get", "/voices/{id}/files"),
            "get_voices_by_id_files"
        );
        assert_eq!(derived_id("post", "/"), "post");
    }

    #[test]
    fn json_media_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("audio/wav"));
        assert!(!is_json("multipart/form-data"));
    }
}
