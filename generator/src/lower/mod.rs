//! Lowering: from a parsed document to the plain-data [`ir::Api`](crate::ir::Api).
//!
//! Every reference is resolved and every name decided here; every problem in the document becomes
//! a [`Diagnostic`] naming its JSON pointer. Errors stop generation after this phase; warnings are
//! returned beside the result.

mod aliases;
mod channel;
mod error_body;
mod operation;
mod recursion;
mod same_shape;
mod schema;
mod security;
mod union;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::diagnostics::{Diagnostic, Error};
use crate::ir::{Api, TypeDef};
use crate::load::Document;
use crate::names::{self, Case, Scope};

/// What the caller knows that the document may not say.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The API version this client is for. Overrides `info.version`; a required header whose
    /// schema allows this value (an enum or default containing it) is filled with it by the client.
    pub api_version: Option<String>,
    /// Environment variables for `Client::from_env`.
    pub env: Option<crate::ir::EnvVars>,
    /// The header that carries the API version on every request (`Cartesia-Version`): filled
    /// with `api_version` by the client whatever values its schema lists, with a warning when
    /// they do not include it.
    pub version_header: Option<String>,
    /// The vendor's documentation site (`https://docs.example.com`), against which relative
    /// links in descriptions (`[Models](/models)`) resolve; without it they become plain text.
    pub docs_base_url: Option<String>,
}

/// The lowered API and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The API.
    pub api: Api,
    /// Places where the generator degraded or left something out, each with its reason.
    pub warnings: Vec<Diagnostic>,
}

/// Lowers a document.
pub fn lower(document: &Document, config: &Config) -> Result<Lowered, Error> {
    lower_with(document, None, config)
}

/// Lowers a document together with an AsyncAPI document describing the API's WebSocket
/// channels, whose payloads are this document's component schemas where it defines them.
pub fn lower_with(
    document: &Document,
    channels: Option<&crate::asyncapi::Document>,
    config: &Config,
) -> Result<Lowered, Error> {
    names::Acronyms::collect(name_inputs(&document.openapi))
        .scope(|| lower_with_names(document, channels, config))
}

/// The names a document gives that the Rust names are made from: schema names, operation ids
/// and tags, where its acronyms are found.
fn name_inputs(spec: &OpenAPI) -> Vec<&str> {
    let mut inputs: Vec<&str> = Vec::new();
    if let Some(components) = &spec.components {
        inputs.extend(components.schemas.keys().map(String::as_str));
    }
    inputs.extend(spec.tags.iter().map(|tag| tag.name.as_str()));
    for (_, item) in spec.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            inputs.extend(operation.operation_id.as_deref());
            inputs.extend(operation.tags.iter().map(String::as_str));
        }
    }
    inputs
}

fn lower_with_names(
    document: &Document,
    channels: Option<&crate::asyncapi::Document>,
    config: &Config,
) -> Result<Lowered, Error> {
    let prepared = channels.map(|channels| {
        channel::prepare(
            channels,
            &document.openapi,
            config.api_version.as_deref(),
            config.version_header.as_deref(),
        )
    });
    // AsyncAPI component schemas the payloads reach and this document lacks join its components
    // for lowering, so that one schema lowering resolves and names them.
    let merged = prepared
        .as_ref()
        .filter(|prepared| !prepared.schemas.is_empty())
        .map(|prepared| {
            let mut spec = document.openapi.clone();
            let components = spec.components.get_or_insert_with(Default::default);
            for (name, schema) in &prepared.schemas {
                components.schemas.insert(name.clone(), schema.clone());
            }
            spec
        });
    let mut lowerer = Lowerer::new(merged.as_ref().unwrap_or(&document.openapi));
    lowerer.version_header.clone_from(&config.version_header);
    lowerer.budget = budget_for(count_nodes(&document.value));
    lowerer.warnings.extend(document.warnings.iter().cloned());
    let mut api = lowerer.api(config, prepared.as_ref());
    if let (Some(prepared), Some(asyncapi)) = (&prepared, channels) {
        channel::contracts(&mut api.channels, prepared, asyncapi, &document.value);
    }
    if let Some(prepared) = &prepared {
        for ty in &mut api.types {
            let from_asyncapi = ty
                .origin
                .strip_prefix(SCHEMA_PREFIX)
                .map(|rest| rest.split('/').next().unwrap_or_default())
                .is_some_and(|name| {
                    prepared
                        .schemas
                        .contains_key(&crate::diagnostics::unescape_segment(name))
                });
            if from_asyncapi {
                // A schema lowered under another name is named by its own in the pointer.
                let rest = ty.origin.strip_prefix(SCHEMA_PREFIX).unwrap_or_default();
                let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
                let own = prepared
                    .renamed
                    .get(&crate::diagnostics::unescape_segment(name))
                    .map(|own| crate::diagnostics::escape_segment(own));
                ty.origin = match own {
                    Some(own) if tail.is_empty() => format!("{SCHEMA_PREFIX}{own}"),
                    Some(own) => format!("{SCHEMA_PREFIX}{own}/{tail}"),
                    None => ty.origin.clone(),
                };
                ty.origin = format!("{}{}", prepared.file, ty.origin);
            }
        }
    }
    if lowerer.errors.is_empty() {
        Ok(Lowered {
            api,
            warnings: lowerer.warnings,
        })
    } else {
        Err(Error::Invalid {
            file: document.file.clone(),
            diagnostics: lowerer.errors,
        })
    }
}

/// A schema reached from somewhere: by reference or written in place.
#[derive(Debug, Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Inline(&'a Schema),
}

impl<'a> SchemaRef<'a> {
    fn of(schema: &'a ReferenceOr<Schema>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => Self::Ref(reference),
            ReferenceOr::Item(schema) => Self::Inline(schema),
        }
    }

    fn of_boxed(schema: &'a ReferenceOr<Box<Schema>>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => Self::Ref(reference),
            ReferenceOr::Item(schema) => Self::Inline(schema),
        }
    }
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

struct Lowerer<'a> {
    spec: &'a OpenAPI,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// Rust names of the component schemas, decided before anything refers to them.
    schema_names: BTreeMap<&'a str, String>,
    /// The type namespace of the version module.
    type_scope: Scope,
    types: Vec<TypeDef>,
    /// The types of the parameters of `components/parameters`, by component name, decided where
    /// the first operation uses one.
    parameter_types: BTreeMap<&'a str, crate::ir::Type>,
    /// Depth of nested schema lowering, to report rather than overflow on pathological nesting.
    depth: usize,
    /// The header filled with the API version ([`Config::version_header`]).
    version_header: Option<String>,
    /// Whether the version header's schema was reported for not listing the version (once).
    version_header_warned: bool,
    /// The schema steps (schemas lowered, `allOf` members merged) left before lowering stops.
    budget: usize,
}

/// The schema steps lowering may take for a document of `nodes` JSON values: proportional to
/// the document, with room for small documents. Real documents take a few steps per value; a
/// document that asks for more (`allOf`s or references that multiply) is stopped, not followed.
fn budget_for(nodes: usize) -> usize {
    nodes.saturating_mul(64).max(1_000_000)
}

/// How many JSON values (objects, arrays, scalars) a document holds.
fn count_nodes(value: &serde_json::Value) -> usize {
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        count += 1;
        match value {
            serde_json::Value::Object(map) => stack.extend(map.values()),
            serde_json::Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    count
}

impl<'a> Lowerer<'a> {
    fn new(spec: &'a OpenAPI) -> Self {
        let mut lowerer = Self {
            spec,
            errors: Vec::new(),
            warnings: Vec::new(),
            schema_names: BTreeMap::new(),
            type_scope: Scope::with_reserved(names::reserved::MODULE_TYPES.iter().copied()),
            types: Vec::new(),
            parameter_types: BTreeMap::new(),
            depth: 0,
            version_header: None,
            version_header_warned: false,
            budget: budget_for(0),
        };
        let Some(components) = &spec.components else {
            return lowerer;
        };
        // Names a maintainer chose come first, so that no derived name takes them.
        for (name, schema) in &components.schemas {
            let ReferenceOr::Item(schema) = schema else {
                continue;
            };
            let at = format!(
                "{SCHEMA_PREFIX}{}",
                crate::diagnostics::escape_segment(name)
            );
            let extensions = &schema.schema_data.extensions;
            if let Some(rust) = lowerer.chosen_name(extensions, names::RENAME, &at, Case::Pascal) {
                let mut scope = std::mem::take(&mut lowerer.type_scope);
                let rust = lowerer.claim_chosen(&mut scope, rust, &at, names::RENAME);
                lowerer.type_scope = scope;
                lowerer.schema_names.insert(name.as_str(), rust);
            }
        }
        for name in components.schemas.keys() {
            if !lowerer.schema_names.contains_key(name.as_str()) {
                let rust = lowerer.type_scope.claim(names::pascal(name));
                lowerer.schema_names.insert(name.as_str(), rust);
            }
        }
        lowerer
    }

    /// The name a maintainer chose with the extension `key` among `extensions` of the item at
    /// `at`, when it is valid; an invalid one is an error naming the extension's pointer.
    fn chosen_name(
        &mut self,
        extensions: &indexmap::IndexMap<String, serde_json::Value>,
        key: &str,
        at: &str,
        case: Case,
    ) -> Option<String> {
        let value = extensions.get(key)?;
        let at = crate::diagnostics::pointer(at, &[key]);
        let Some(text) = value.as_str() else {
            self.error(at, format!("`{key}` must be a string"));
            return None;
        };
        match names::chosen(text, case) {
            Ok(name) => Some(name),
            Err(reason) => {
                self.error(at, format!("`{key}`: {reason}"));
                None
            }
        }
    }

    /// Claims a chosen name in `scope`; a name already taken there is an error naming the
    /// extension's pointer (the name is then suffixed, but nothing is generated).
    fn claim_chosen(&mut self, scope: &mut Scope, name: String, at: &str, key: &str) -> String {
        if !scope.is_free(&name) {
            self.error(
                crate::diagnostics::pointer(at, &[key]),
                format!("`{key}`: `{name}` collides with another name in the same scope"),
            );
        }
        scope.claim(name)
    }

    fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Diagnostic::new(pointer, message));
    }

    /// Takes one schema step; `false` once the budget is spent, which is reported (once) as an
    /// error at `at`, the place lowering had reached.
    fn spend(&mut self, at: &str) -> bool {
        match self.budget {
            0 => false,
            1 => {
                self.budget = 0;
                self.error(
                    at,
                    "the document's schemas need more work to lower than its size allows (`allOf`s or references that multiply); lowering stopped here",
                );
                false
            }
            _ => {
                self.budget -= 1;
                true
            }
        }
    }

    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Diagnostic::new(pointer, message));
    }

    fn api(&mut self, config: &Config, prepared: Option<&'a channel::Prepared>) -> Api {
        let spec = self.spec;
        let version = config
            .api_version
            .clone()
            .unwrap_or_else(|| spec.info.version.clone());
        let security_schemes = self.security_schemes();
        let mut examples = Vec::new();
        if let Some(components) = &spec.components {
            for (name, schema) in &components.schemas {
                let pointer = format!(
                    "{SCHEMA_PREFIX}{}",
                    crate::diagnostics::escape_segment(name)
                );
                let rust = self
                    .schema_names
                    .get(name.as_str())
                    .cloned()
                    .unwrap_or_default();
                if let ReferenceOr::Item(inline) = schema
                    && let Some(example) = &inline.schema_data.example
                {
                    examples.push((rust.clone(), example.clone()));
                }
                self.named_type(rust, SchemaRef::of(schema), &pointer);
            }
        }
        let (mut groups, skipped) =
            self.operations(&security_schemes, config.api_version.as_deref());
        let channels = prepared
            .map(|prepared| self.channels(prepared))
            .unwrap_or_default();
        let mut types = std::mem::take(&mut self.types);
        let cycles = aliases::break_cycles(&mut types);
        self.warnings.extend(cycles);
        channel::fill_by_context(&channels, &groups, &mut types);
        let error_body = error_body::shared(&mut groups, &types);
        recursion::box_cycles(&mut types);
        settle_fixed(&mut types);
        same_shape::merge(&mut types);
        Api {
            title: spec.info.title.clone(),
            version,
            base_url: base_url(spec),
            security_schemes,
            types,
            groups,
            skipped,
            env: config.env.clone(),
            docs_base_url: config.docs_base_url.clone(),
            examples,
            error_body,
            channels,
        }
    }

    /// The component schema a `$ref` names, when it names one directly.
    fn component(&self, reference: &str) -> Option<(&'a str, &'a ReferenceOr<Schema>)> {
        let name = reference.strip_prefix(SCHEMA_PREFIX)?;
        let (name, schema) = self.spec.components.as_ref()?.schemas.get_key_value(name)?;
        Some((name.as_str(), schema))
    }

    /// Follows references into one map of `components` (`#/components/parameters/...`) until an
    /// item written in place.
    fn follow<T>(
        &self,
        mut item: &'a ReferenceOr<T>,
        prefix: &str,
        map: impl Fn(&'a openapiv3::Components) -> &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    ) -> Option<&'a T> {
        for _ in 0..16 {
            match item {
                ReferenceOr::Item(found) => return Some(found),
                ReferenceOr::Reference { reference } => {
                    let name = reference.strip_prefix(prefix)?;
                    item = map(self.spec.components.as_ref()?).get(name)?;
                }
            }
        }
        None
    }

    /// Follows references until a schema written in place, with the name of the last component
    /// passed through.
    fn resolve(&self, mut schema: SchemaRef<'a>) -> Option<(&'a Schema, Option<&'a str>)> {
        let mut name = None;
        for _ in 0..32 {
            match schema {
                SchemaRef::Inline(schema) => return Some((schema, name)),
                SchemaRef::Ref(reference) => {
                    let (component, target) = self.component(reference)?;
                    name = Some(component);
                    schema = SchemaRef::of(target);
                }
            }
        }
        None
    }
}

/// Keeps a field's fixed value only where its type can hold it (an enum that has the value, a
/// scalar of the value's kind); elsewhere the caller passes the field as any other.
fn settle_fixed(types: &mut [TypeDef]) {
    let unfit: Vec<(usize, usize)> = {
        let kinds: BTreeMap<&str, &crate::ir::TypeKind> = types
            .iter()
            .map(|def| (def.name.as_str(), &def.kind))
            .collect();
        let mut unfit = Vec::new();
        for (index, def) in types.iter().enumerate() {
            let (crate::ir::TypeKind::Struct(s) | crate::ir::TypeKind::Form(s)) = &def.kind else {
                continue;
            };
            for (position, field) in s.fields.iter().enumerate() {
                if let Some(value) = &field.fixed
                    && crate::ir::fixed_literal(|name| kinds.get(name).copied(), &field.ty, value)
                        .is_none()
                {
                    unfit.push((index, position));
                }
            }
        }
        unfit
    };
    for (index, position) in unfit {
        if let Some(crate::ir::TypeKind::Struct(s) | crate::ir::TypeKind::Form(s)) =
            types.get_mut(index).map(|def| &mut def.kind)
            && let Some(field) = s.fields.get_mut(position)
        {
            field.fixed = None;
        }
    }
}

fn base_url(spec: &OpenAPI) -> String {
    let Some(server) = spec.servers.first() else {
        return String::from("/");
    };
    let mut url = server.url.clone();
    if let Some(variables) = &server.variables {
        for (name, variable) in variables {
            url = url.replace(&format!("{{{name}}}"), &variable.default);
        }
    }
    url.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The diagnostics of lowering a document, as `pointer: message` lines.
    fn diagnostics(text: &str) -> Vec<String> {
        let file = Path::new("spec.yml");
        let value = crate::load::parse_value(file, text).expect("parses");
        let document = crate::load::parse_document(file, value).expect("is a document");
        match lower(&document, &Config::default()) {
            Ok(_) => Vec::new(),
            Err(Error::Invalid { diagnostics, .. }) => diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.pointer, d.message))
                .collect(),
            Err(other) => vec![other.to_string()],
        }
    }

    #[test]
    fn a_spent_budget_stops_lowering_with_one_error_where_it_was() {
        let file = Path::new("spec.yml");
        let mut text = String::from(
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n",
        );
        for i in 0..20 {
            text.push_str(&format!(
                "    S{i}: {{type: object, properties: {{a: {{type: object, properties: {{b: {{type: string}}}}}}}}}}\n"
            ));
        }
        let value = crate::load::parse_value(file, &text).expect("parses");
        let document = crate::load::parse_document(file, value).expect("is a document");
        let mut lowerer = Lowerer::new(&document.openapi);
        lowerer.budget = 25;
        lowerer.api(&Config::default(), None);
        let errors: Vec<String> = lowerer.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("#/components/schemas/S")
                && errors[0].contains("more work to lower than its size allows"),
            "{errors:?}"
        );
        assert!(budget_for(count_nodes(&document.value)) >= 1_000_000);
    }

    #[test]
    fn chosen_names_that_are_invalid_or_collide_are_errors() {
        let spec = r#"
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    get:
      operationId: a
      x-rust-name: builder
      parameters:
        - {name: x, in: query, x-rust-name: type, schema: {type: string}}
        - {name: y, in: query, x-rust-name: z, schema: {type: string}}
        - {name: z, in: query, x-rust-name: z, schema: {type: string}}
      responses: {'204': {description: ok}}
    post:
      operationId: b
      x-rust-name: 7up
      responses: {'204': {description: ok}}
components:
  schemas:
    One: {type: object, x-rust-name: Two}
    Two: {type: object, x-rust-name: Two}
    Three: {type: object, x-rust-name: three}
    Four:
      type: object
      properties:
        a: {type: string, x-rust-name: b}
        b: {type: string, x-rust-name: b}
        c: {type: object, properties: {d: {type: string}}, x-rust-type-name: Client}
        e: {type: string, x-rust-name: 1}
"#;
        assert_eq!(
            diagnostics(spec),
            [
                "#/components/schemas/Two/x-rust-name: `x-rust-name`: `Two` collides with another name in the same scope",
                "#/components/schemas/Three/x-rust-name: `x-rust-name`: `three` is not a PascalCase type name (`Three` would be)",
                "#/components/schemas/Four/properties/b/x-rust-name: `x-rust-name`: `b` collides with another name in the same scope",
                "#/components/schemas/Four/properties/e/x-rust-name: `x-rust-name` must be a string",
                "#/components/schemas/Four/properties/c/x-rust-type-name: `x-rust-type-name`: `Client` collides with another name in the same scope",
                "#/paths/~1a/get/x-rust-name: `x-rust-name`: `builder` collides with another name in the same scope",
                "#/paths/~1a/post/x-rust-name: `x-rust-name`: `7up` is not a snake_case name (`n7up` would be)",
                "#/paths/~1a/get/parameters/0/x-rust-name: `x-rust-name`: `type` is a Rust keyword",
                "#/paths/~1a/get/parameters/2/x-rust-name: `x-rust-name`: `z` collides with another name in the same scope",
            ]
        );
    }
}
