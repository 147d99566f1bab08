//! Operations to sub-client methods: names, parameters, bodies, responses and security.

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
use crate::names::{self, Case, Scope};

/// An operation's parameters: the ones its caller gives, and the ones the client fills itself.
struct Parameters {
    params: Vec<Param>,
    fixed_headers: Vec<FixedHeader>,
    fixed_query: Vec<FixedHeader>,
}

/// Names a request builder uses itself.
const BUILDER_FIELDS: &[&str] = &[
    "client",
    "body",
    "send",
    "into_future",
    "into_stream",
    "options",
    "with_options",
];
const PARAMETER_PREFIX: &str = "#/components/parameters/";

/// Methods the root client has itself.
const CLIENT_METHODS: &[&str] = &["new", "builder", "from_env", "inner"];

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
        let mut client_scope = Scope::with_reserved(CLIENT_METHODS.iter().copied());
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
                method_scopes.entry(item.tag.clone()).or_default()
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
                        doc,
                        operations: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let scope = match &groups[group].accessor {
                Some(_) => method_scopes.entry(item.tag.clone()).or_default(),
                None => &mut client_scope,
            };
            let method = match chosen.remove(&index) {
                Some(method) => method,
                None => scope.claim(method_name(&item.id, &item.tag)),
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
        let hint = names::pascal(&item.id);
        let Parameters {
            params,
            fixed_headers,
            fixed_query,
        } = self.parameters(item, &hint, api_version)?;
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
        let path_params: BTreeMap<String, String> = params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| (p.wire.clone(), p.name.clone()))
            .collect();
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
            doc: (!doc.trim().is_empty()).then(|| doc.trim().to_owned()),
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
            pointer: item.at.clone(),
        })
    }

    fn parameters(
        &mut self,
        item: &Pending<'a>,
        hint: &str,
        api_version: Option<&str>,
    ) -> Result<Parameters, String> {
        // Operation parameters override path-item parameters with the same name and location.
        // Each with the component it is defined in, when it is one of `components/parameters`.
        let mut merged: Vec<(String, &'a Parameter, Option<&'a str>)> = Vec::new();
        let sources = [
            (item.path_params, pointer(&item.item_at, &["parameters"])),
            (&item.op.parameters[..], pointer(&item.at, &["parameters"])),
        ];
        for (list, list_at) in sources {
            for (index, reference) in list.iter().enumerate() {
                let at = format!("{list_at}/{index}");
                let Some(param) = self.parameter(reference) else {
                    self.error(at, "parameter reference does not resolve to a parameter");
                    continue;
                };
                let component = self.parameter_component(reference);
                let data = param.parameter_data_ref();
                let same = |(_, p, _): &(String, &Parameter, Option<&str>)| {
                    p.parameter_data_ref().name == data.name
                        && std::mem::discriminant(*p) == std::mem::discriminant(param)
                };
                match merged.iter().position(same) {
                    Some(existing) => merged[existing] = (at, param, component),
                    None => merged.push((at, param, component)),
                }
            }
        }
        let mut scope = Scope::with_reserved(BUILDER_FIELDS.iter().copied());
        // Names a maintainer chose come first, so that no derived name takes them.
        let mut chosen = BTreeMap::new();
        for (index, (at, param, _)) in merged.iter().enumerate() {
            let extensions = &param.parameter_data_ref().extensions;
            if let Some(rust) = self.chosen_name(extensions, names::RENAME, at, Case::Snake) {
                chosen.insert(
                    index,
                    self.claim_chosen(&mut scope, rust, at, names::RENAME),
                );
            }
        }
        let mut params = Vec::new();
        let mut fixed = Vec::new();
        let mut fixed_query = Vec::new();
        for (index, (at, param, component)) in merged.into_iter().enumerate() {
            let data = param.parameter_data_ref();
            let location = match param {
                Parameter::Path { style, .. } => {
                    if !matches!(style, openapiv3::PathStyle::Simple) {
                        self.warn(
                            at.as_str(),
                            format!(
                                "path parameter style `{}` is not supported; the value is sent in the `simple` style",
                                if matches!(style, openapiv3::PathStyle::Label) { "label" } else { "matrix" }
                            ),
                        );
                    }
                    ParamLocation::Path
                }
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => {
                    let lower = data.name.to_ascii_lowercase();
                    if matches!(lower.as_str(), "accept" | "content-type" | "authorization") {
                        continue;
                    }
                    ParamLocation::Header
                }
                Parameter::Cookie { .. } => {
                    if data.required {
                        return Err(format!(
                            "required cookie parameter `{}` is not supported",
                            data.name
                        ));
                    }
                    self.warn(
                        at,
                        format!(
                            "cookie parameter `{}` is not supported; it is left out",
                            data.name
                        ),
                    );
                    continue;
                }
            };
            // A parameter with `content` names one media type and its schema: a JSON one sends
            // structured values as their JSON text; scalars, and other media types, are sent as
            // the text of the value, as a schema parameter would be.
            let (schema, json_media) = match &data.format {
                ParameterSchemaOrContent::Schema(schema) => (Some(schema), false),
                ParameterSchemaOrContent::Content(content) => match content.first() {
                    Some((media, media_type)) => (media_type.schema.as_ref(), is_json(media)),
                    None => (None, false),
                },
            };
            // A required header or query parameter that allows one value is filled by the client.
            let pinned = match location {
                ParamLocation::Header => Some(&mut fixed),
                ParamLocation::Query => Some(&mut fixed_query),
                ParamLocation::Path => None,
            };
            if location == ParamLocation::Header
                && let (Some(header), Some(version)) = (&self.version_header, api_version)
                && data.name.eq_ignore_ascii_case(header)
            {
                let listed = schema.and_then(|s| self.pinned_value(SchemaRef::of(s), api_version));
                if listed.as_deref() != Some(version) && !self.version_header_warned {
                    self.version_header_warned = true;
                    self.warn(
                        at.as_str(),
                        format!(
                            "the version header `{}` does not list {version}; the client sends {version}",
                            data.name
                        ),
                    );
                }
                fixed.push(FixedHeader {
                    wire: data.name.clone(),
                    value: version.to_owned(),
                    is_api_version: true,
                });
                continue;
            }
            if let Some(pinned) = pinned
                && data.required
                && let Some(value) =
                    schema.and_then(|s| self.pinned_value(SchemaRef::of(s), api_version))
            {
                let is_api_version = Some(value.as_str()) == api_version;
                pinned.push(FixedHeader {
                    wire: data.name.clone(),
                    value,
                    is_api_version,
                });
                continue;
            }
            let ty = match schema {
                Some(schema) if let Some(component) = component => {
                    self.component_parameter_type(component, schema, &data.format)
                }
                Some(schema) => {
                    let name_hint = format!("{hint}{}", names::bare(&names::pascal(&data.name)));
                    let shape = self.shape(
                        SchemaRef::of(schema),
                        &pointer(&at, &["schema"]),
                        &name_hint,
                    );
                    shape.ty
                }
                None => {
                    self.warn(
                        at.as_str(),
                        "parameter with `content` but no schema; any JSON value is sent as its JSON text",
                    );
                    Type::Scalar(Scalar::Json)
                }
            };
            let json = (json_media || schema.is_none()) && self.structured(&ty);
            let required = data.required || location == ParamLocation::Path;
            let bounds = match schema {
                Some(openapiv3::ReferenceOr::Item(schema)) => super::schema::bounds_of(schema),
                _ => crate::ir::Bounds::default(),
            };
            let delimiter = match param {
                Parameter::Query { style, .. } => match (style, data.explode) {
                    (openapiv3::QueryStyle::SpaceDelimited, _) => Some(" "),
                    (openapiv3::QueryStyle::PipeDelimited, _) => Some("|"),
                    (_, Some(false)) => Some(","),
                    _ => None,
                },
                Parameter::Header { .. } => Some(","),
                _ => None,
            }
            .filter(|_| matches!(ty, Type::List(_)) && !json)
            .map(str::to_owned);
            params.push(Param {
                delimiter,
                json,
                bounds,
                name: match chosen.remove(&index) {
                    Some(rust) => rust,
                    None => scope.claim(names::snake(&data.name)),
                },
                wire: data.name.clone(),
                location,
                ty,
                required,
                doc: match schema {
                    Some(openapiv3::ReferenceOr::Item(schema)) => {
                        super::schema::with_values(data.description.clone(), schema)
                    }
                    _ => data.description.clone(),
                },
            });
        }
        Ok(Parameters {
            params,
            fixed_headers: fixed,
            fixed_query,
        })
    }

    /// Whether a value of this type is structured (an object, an array, a map, a union, any JSON
    /// value) rather than a scalar with a text form of its own.
    fn structured(&self, ty: &Type) -> bool {
        match ty {
            Type::Scalar(scalar) => matches!(scalar, Scalar::Json | Scalar::JsonObject),
            Type::Option(inner) | Type::Boxed(inner) => self.structured(inner),
            Type::List(_) | Type::Map(_) => true,
            Type::Named(name) => match self.types.iter().find(|def| &def.name == name) {
                Some(def) => match &def.kind {
                    TypeKind::StringEnum(_) | TypeKind::NumberEnum(_) => false,
                    TypeKind::Alias(inner) => self.structured(inner),
                    _ => true,
                },
                // Not lowered yet: a component schema, structured unless it says otherwise.
                None => true,
            },
        }
    }

    fn parameter(&self, param: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        self.follow(param, PARAMETER_PREFIX, |c| &c.parameters)
    }

    /// The name in `components/parameters` of the parameter a reference ends at (the last one
    /// of a chain of references); `None` for a parameter written in place.
    fn parameter_component(&self, mut param: &'a ReferenceOr<Parameter>) -> Option<&'a str> {
        let parameters = &self.spec.components.as_ref()?.parameters;
        let mut name = None;
        for _ in 0..16 {
            let ReferenceOr::Reference { reference } = param else {
                return name;
            };
            let short = reference.strip_prefix(PARAMETER_PREFIX)?;
            let (key, next) = parameters.get_key_value(short)?;
            name = Some(key.as_str());
            param = next;
        }
        None
    }

    /// The type of a parameter defined in `components/parameters`: one type however many
    /// operations use it, named after the component (`#/components/parameters/Order` -> `Order`).
    fn component_parameter_type(
        &mut self,
        component: &'a str,
        schema: &'a ReferenceOr<openapiv3::Schema>,
        format: &'a ParameterSchemaOrContent,
    ) -> Type {
        if let Some(ty) = self.parameter_types.get(component) {
            return ty.clone();
        }
        let mut at = format!("{PARAMETER_PREFIX}{}", escape_segment(component));
        match format {
            ParameterSchemaOrContent::Schema(_) => at = pointer(&at, &["schema"]),
            ParameterSchemaOrContent::Content(content) => {
                let media = content
                    .keys()
                    .next()
                    .map(String::as_str)
                    .unwrap_or_default();
                at = pointer(&at, &["content", media, "schema"]);
            }
        }
        let hint = names::bare(&names::pascal(component)).to_owned();
        let ty = self.shape(SchemaRef::of(schema), &at, &hint).ty;
        self.parameter_types.insert(component, ty.clone());
        ty
    }

    /// The value a required header must have: the API version where the schema allows it, or the
    /// only value an enum allows.
    fn pinned_value(&self, schema: SchemaRef<'a>, api_version: Option<&str>) -> Option<String> {
        let (schema, _) = self.resolve(schema)?;
        let view = View::of(schema)?;
        let values = view.string_values();
        let default = view
            .data
            .default
            .as_ref()
            .and_then(serde_json::Value::as_str);
        if let Some(version) = api_version
            && (values.contains(&version) || default == Some(version))
        {
            return Some(version.to_owned());
        }
        match values.as_slice() {
            [only] => Some((*only).to_owned()),
            _ => None,
        }
    }

    fn body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        at: &str,
        hint: &str,
    ) -> Result<Body, String> {
        let body = match body {
            ReferenceOr::Item(body) => body,
            ReferenceOr::Reference { reference } => self
                .follow(body, "#/components/requestBodies/", |c| &c.request_bodies)
                .ok_or_else(|| format!("request body reference `{reference}` is not supported"))?,
        };
        // JSON first, then forms, then whatever the document lists first.
        let pick = |wanted: fn(&str) -> bool| {
            body.content
                .iter()
                .find(|(media_type, _)| wanted(media_type))
        };
        let chosen = pick(is_json)
            .map(|found| (found, BodyEncoding::Json))
            .or_else(|| {
                pick(|m| essence(m) == "multipart/form-data")
                    .map(|found| (found, BodyEncoding::Multipart))
            })
            .or_else(|| {
                pick(|m| essence(m) == "application/x-www-form-urlencoded")
                    .map(|found| (found, BodyEncoding::UrlEncoded))
            });
        let Some(((media_type, content), encoding)) = chosen else {
            // Any other media type is sent as the bytes the caller gives: a concrete type before
            // a wildcard one.
            let Some((media_type, content)) =
                pick(|m| !m.contains('*')).or_else(|| body.content.iter().next())
            else {
                return Err("the request body lists no media type".to_owned());
            };
            let structured = content.schema.as_ref().is_some_and(|schema| {
                self.resolve(SchemaRef::of(schema))
                    .and_then(|(schema, _)| View::of(schema))
                    .is_some_and(|view| view.is_object_like())
            });
            if structured {
                self.warn(
                    pointer(at, &["content", media_type]),
                    format!(
                        "`{media_type}` bodies are not modelled; the body is sent as raw bytes"
                    ),
                );
            }
            return Ok(Body {
                ty: Type::Scalar(Scalar::Bytes),
                required: body.required,
                media_type: media_type.clone(),
                encoding: BodyEncoding::Raw,
            });
        };
        let content_at = pointer(at, &["content", media_type, "schema"]);
        let name = format!("{hint}Body");
        let ty = match (&content.schema, encoding) {
            (Some(schema), BodyEncoding::Multipart) => {
                self.form(SchemaRef::of(schema), &content_at, &name)?
            }
            (Some(schema), _) => optional(self.shape(SchemaRef::of(schema), &content_at, &name)),
            (None, BodyEncoding::Multipart) => {
                self.warn(
                    pointer(at, &["content", media_type]),
                    "a multipart body without a schema: the caller builds the form (`Multipart`)",
                );
                Type::Scalar(Scalar::Multipart)
            }
            (None, _) => Type::Scalar(Scalar::Json),
        };
        Ok(Body {
            ty,
            required: body.required,
            media_type: media_type.clone(),
            encoding,
        })
    }

    fn response(&mut self, op: &'a Op, at: &str, hint: &str) -> Result<Response, String> {
        let mut variants: Vec<ResponseVariant> = Vec::new();
        for (status, response) in &op.responses.responses {
            let code = status_code(status);
            if !code.starts_with('2') {
                continue;
            }
            let response = match response {
                ReferenceOr::Item(response) => response,
                ReferenceOr::Reference { reference } => self
                    .follow(response, "#/components/responses/", |c| &c.responses)
                    .ok_or_else(|| format!("response reference `{reference}` is not supported"))?,
            };
            if response.content.is_empty() {
                variants.push(ResponseVariant {
                    name: String::new(),
                    status: code.clone(),
                    media_type: None,
                    payload: Payload::Empty,
                });
            }
            for (media_type, content) in &response.content {
                let schema_at = pointer(at, &["responses", &code, "content", media_type, "schema"]);
                let payload = self.payload(media_type, content.schema.as_ref(), &schema_at, hint);
                variants.push(ResponseVariant {
                    name: String::new(),
                    status: code.clone(),
                    media_type: Some(media_type.clone()),
                    payload,
                });
            }
        }
        let first = variants
            .first()
            .map(|v| v.payload.clone())
            .unwrap_or(Payload::Empty);
        if variants.iter().all(|v| v.payload == first) {
            return Ok(Response::Single(first));
        }
        let mut scope = Scope::default();
        let several_media =
            |status: &str| variants.iter().filter(|v| v.status == status).count() > 1;
        let names: Vec<String> = variants
            .iter()
            .map(|v| {
                let base = status_name(&v.status);
                match (&v.media_type, several_media(&v.status)) {
                    (Some(media_type), true) => {
                        format!("{base}{}", names::pascal(media_subtype(media_type)))
                    }
                    _ => base,
                }
            })
            .collect();
        for (variant, name) in variants.iter_mut().zip(names) {
            variant.name = scope.claim(name);
        }
        let name = self.type_scope.claim(format!("{hint}Outcome"));
        Ok(Response::Multi(MultiResponse { name, variants }))
    }

    /// Cursor pagination from an `x-pagination` extension:
    /// `{items: data, has_more: has_more, cursor_param: starting_after, cursor_field: id}`, or
    /// `next_cursor: next_page` in place of `cursor_field` when the response names the next cursor.
    fn pagination(
        &mut self,
        config: &serde_json::Value,
        at: &str,
        params: &[Param],
        response: &Response,
    ) -> Option<Pagination> {
        let text = |key: &str| config.get(key).and_then(serde_json::Value::as_str);
        let struct_fields = |this: &Self, ty: &Type| -> Option<Vec<crate::ir::Field>> {
            let Type::Named(name) = ty else { return None };
            this.types
                .iter()
                .find(|def| &def.name == name)
                .and_then(|def| match &def.kind {
                    crate::ir::TypeKind::Struct(s) => Some(s.fields.clone()),
                    _ => None,
                })
        };
        let field = |fields: &[crate::ir::Field], wire: &str| {
            fields.iter().find(|f| f.wire == wire).cloned()
        };
        let Response::Single(Payload::Json(page_type)) = response else {
            self.error(at, "pagination needs a JSON response");
            return None;
        };
        let Some(page) = struct_fields(self, page_type) else {
            self.error(at, "pagination needs a response that is an object type");
            return None;
        };
        let Some(items_field) = text("items").and_then(|wire| field(&page, wire)) else {
            self.error(at, "`items` must name an array field of the response");
            return None;
        };
        let Type::List(item) = &items_field.ty else {
            self.error(
                at,
                format!("`items` field `{}` is not an array", items_field.wire),
            );
            return None;
        };
        let Some(cursor_param) = text("cursor_param").and_then(|wire| {
            params
                .iter()
                .find(|p| p.wire == wire && p.location == ParamLocation::Query && !p.required)
        }) else {
            self.error(
                at,
                "`cursor_param` must name an optional query parameter of the operation",
            );
            return None;
        };
        let has_more = match text("has_more") {
            None => None,
            Some(wire) => match field(&page, wire) {
                Some(flag) if flag.ty == Type::Scalar(Scalar::Bool) => Some(PageFlag {
                    optional: flag.is_option(),
                    field: flag.name,
                }),
                _ => {
                    self.error(
                        at,
                        format!(
                            "`has_more` must name a boolean field of the response, not `{wire}`"
                        ),
                    );
                    return None;
                }
            },
        };
        let cursor = match (text("cursor_field"), text("next_cursor")) {
            (Some(wire), None) => {
                match struct_fields(self, item).and_then(|fields| field(&fields, wire)) {
                    Some(found) => CursorSource::LastItem(found.name.clone(), found.is_option()),
                    None => {
                        self.error(
                            at,
                            format!("`cursor_field` `{wire}` is not a field of the items"),
                        );
                        return None;
                    }
                }
            }
            (None, Some(wire)) => match field(&page, wire) {
                Some(found) => CursorSource::Response(found.name.clone(), found.is_option()),
                None => {
                    self.error(
                        at,
                        format!("`next_cursor` `{wire}` is not a field of the response"),
                    );
                    return None;
                }
            },
            _ => {
                self.error(at, "give exactly one of `cursor_field` and `next_cursor`");
                return None;
            }
        };
        Some(Pagination {
            items: items_field.name.clone(),
            item: item.as_ref().clone(),
            has_more,
            cursor_param: cursor_param.name.clone(),
            cursor,
        })
    }

    /// The declared error responses with a JSON body (the others are text in the API error).
    fn errors(&mut self, op: &'a Op, at: &str, hint: &str) -> Option<ErrorEnum> {
        let mut variants: Vec<ResponseVariant> = Vec::new();
        for (status, response) in &op.responses.responses {
            let code = status_code(status);
            if code.starts_with('2') || code.starts_with('1') || code.starts_with('3') {
                continue;
            }
            variants.extend(self.error_variant(&code, response, at, hint));
        }
        if let Some(default) = &op.responses.default {
            variants.extend(self.error_variant("default", default, at, hint));
        }
        if !variants
            .iter()
            .any(|v| matches!(v.payload, Payload::Json(_)))
        {
            return None;
        }
        // Exact codes first, then ranges, then `default`, so the most specific variant matches.
        variants.sort_by_key(|v| match v.status.as_str() {
            "default" => 2,
            status if status.ends_with("XX") => 1,
            _ => 0,
        });
        let mut scope = Scope::default();
        for variant in &mut variants {
            variant.name = scope.claim(error_name(&variant.status));
        }
        let name = self.type_scope.claim(format!("{hint}Error"));
        Some(ErrorEnum { name, variants })
    }

    fn error_variant(
        &mut self,
        code: &str,
        response: &'a ReferenceOr<openapiv3::Response>,
        at: &str,
        hint: &str,
    ) -> Option<ResponseVariant> {
        let response = match response {
            ReferenceOr::Item(response) => response,
            ReferenceOr::Reference { .. } => {
                self.follow(response, "#/components/responses/", |c| &c.responses)?
            }
        };
        // One media type per status: JSON when there is one.
        let chosen = response
            .content
            .iter()
            .find(|(media_type, _)| is_json(media_type))
            .or_else(|| response.content.iter().next());
        let (media_type, payload) = match chosen {
            None => (None, Payload::Empty),
            Some((media_type, content)) => {
                let schema_at = pointer(at, &["responses", code, "content", media_type, "schema"]);
                let payload = match self.payload(
                    media_type,
                    content.schema.as_ref(),
                    &schema_at,
                    &format!("{hint}Error"),
                ) {
                    json @ Payload::Json(_) => json,
                    _ => Payload::Text,
                };
                (Some(media_type.clone()), payload)
            }
        };
        Some(ResponseVariant {
            name: String::new(),
            status: code.to_owned(),
            media_type,
            payload,
        })
    }

    /// The body of one response media type.
    fn payload(
        &mut self,
        media_type: &str,
        schema: Option<&'a ReferenceOr<openapiv3::Schema>>,
        at: &str,
        hint: &str,
    ) -> Payload {
        let essence = essence(media_type);
        let binary_schema = schema
            .and_then(|s| self.resolve(SchemaRef::of(s)))
            .and_then(|(s, _)| View::of(s))
            .is_some_and(|view| view.any.format.as_deref() == Some("binary"));
        let shape = |this: &mut Self| match schema {
            Some(schema) => {
                optional(this.shape(SchemaRef::of(schema), at, &format!("{hint}Response")))
            }
            None => Type::Scalar(Scalar::Json),
        };
        if is_json(media_type) {
            Payload::Json(shape(self))
        } else if essence == "text/event-stream" {
            Payload::EventStream(shape(self))
        } else if binary_schema {
            Payload::Binary
        } else if essence.starts_with("text/")
            || essence.ends_with("+xml")
            || essence == "application/xml"
        {
            Payload::Text
        } else {
            Payload::Binary
        }
    }

    /// The type of a multipart body: a struct whose `format: binary` fields are file parts.
    fn form(&mut self, schema: SchemaRef<'a>, at: &str, name: &str) -> Result<Type, String> {
        let typ = self
            .resolve(self.peel_all(schema))
            .and_then(|(schema, _)| View::of(schema))
            .and_then(|view| view.any.typ);
        let mut flat = Flat::default();
        if typ.is_none_or(|typ| typ == "object") {
            self.flatten(schema, at, &mut flat, 0);
        }
        if flat.properties.is_empty() {
            self.warn(
                at,
                "a multipart body without properties: its fields are not described, so the caller builds the form (`Multipart`)",
            );
            return Ok(Type::Scalar(Scalar::Multipart));
        }
        let mut files = Vec::new();
        for (wire, (property, _)) in &flat.properties {
            let view = self.resolve(*property).and_then(|(s, _)| View::of(s));
            let binary = |view: &View| view.any.format.as_deref() == Some("binary");
            match view {
                Some(view) if binary(&view) => files.push((wire.clone(), false)),
                Some(view) if view.any.typ.as_deref() == Some("array") => {
                    let item = match property {
                        SchemaRef::Inline(schema) => match &schema.schema_kind {
                            openapiv3::SchemaKind::Type(openapiv3::Type::Array(array)) => {
                                array.items.as_ref()
                            }
                            openapiv3::SchemaKind::Any(any) => any.items.as_ref(),
                            _ => None,
                        },
                        SchemaRef::Ref(_) => None,
                    };
                    let item_binary = item
                        .and_then(|item| self.resolve(SchemaRef::of_boxed(item)))
                        .and_then(|(s, _)| View::of(s))
                        .is_some_and(|v| binary(&v));
                    if item_binary {
                        files.push((wire.clone(), true));
                    }
                }
                _ => {}
            }
        }
        let rust = self.type_scope.claim(name.to_owned());
        let mut fields = self.fields(flat, &rust);
        for field in &mut fields.fields {
            if let Some((_, many)) = files.iter().find(|(wire, _)| *wire == field.wire) {
                let file = Type::Scalar(Scalar::File);
                field.ty = if *many {
                    Type::List(Box::new(file))
                } else {
                    file
                };
            }
        }
        self.types.push(crate::ir::TypeDef {
            name: rust.clone(),
            doc: None,
            origin: at.to_owned(),
            kind: crate::ir::TypeKind::Form(fields),
        });
        Ok(Type::Named(rust))
    }
}

/// The media type without parameters, lower case.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The part after the slash (`audio/wav` -> `wav`), for variant names.
fn media_subtype(media_type: &str) -> &str {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    let subtype = essence.rsplit('/').next().unwrap_or(essence);
    subtype.rsplit('+').next().unwrap_or(subtype)
}

/// A status as the document writes it: `200`, or `2XX` for a range.
fn status_code(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(range) => format!("{range}XX"),
    }
}

/// A variant name for an error status.
fn error_name(status: &str) -> String {
    match status {
        "400" => "BadRequest".to_owned(),
        "401" => "Unauthorized".to_owned(),
        "403" => "Forbidden".to_owned(),
        "404" => "NotFound".to_owned(),
        "409" => "Conflict".to_owned(),
        "422" => "UnprocessableEntity".to_owned(),
        "429" => "TooManyRequests".to_owned(),
        "500" => "InternalServerError".to_owned(),
        "503" => "ServiceUnavailable".to_owned(),
        "4XX" => "ClientError".to_owned(),
        "5XX" => "ServerError".to_owned(),
        "default" => "Other".to_owned(),
        other => format!("Status{other}"),
    }
}

/// A variant name for a status code.
fn status_name(status: &str) -> String {
    match status {
        "200" => "Ok".to_owned(),
        "201" => "Created".to_owned(),
        "202" => "Accepted".to_owned(),
        "203" => "NonAuthoritative".to_owned(),
        "204" => "NoContent".to_owned(),
        "206" => "PartialContent".to_owned(),
        "2XX" => "Success".to_owned(),
        other => format!("Status{other}"),
    }
}

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
