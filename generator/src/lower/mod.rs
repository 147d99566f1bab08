//! Lowering: from a parsed document to the plain-data [`ir::Api`](crate::ir::Api).
//!
//! Every reference is resolved and every name decided here; every problem in the document becomes
//! a [`Diagnostic`] naming its JSON pointer. Errors stop generation after this phase; warnings are
//! returned beside the result.

mod error_body;
mod operation;
mod recursion;
mod schema;
mod security;
mod union;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr, Schema};

use crate::diagnostics::{Diagnostic, Error};
use crate::ir::{Api, TypeDef};
use crate::load::Document;
use crate::names::{self, Scope};

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
}

/// The lowered API and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The API.
    pub api: Api,
    /// Places where the generator degraded or left something out, each with its reason.
    pub warnings: Vec<Diagnostic>,
}

/// Names that the emitted version module uses itself, so no schema may take them.
const RESERVED_TYPES: &[&str] = &["Client", "ClientBuilder", "Api", "Error", "Result"];

/// Lowers a document.
pub fn lower(document: &Document, config: &Config) -> Result<Lowered, Error> {
    let mut lowerer = Lowerer::new(&document.openapi);
    lowerer.version_header.clone_from(&config.version_header);
    lowerer.warnings.extend(document.warnings.iter().cloned());
    let api = lowerer.api(config);
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
    /// Depth of nested schema lowering, to report rather than overflow on pathological nesting.
    depth: usize,
    /// The header filled with the API version ([`Config::version_header`]).
    version_header: Option<String>,
    /// Whether the version header's schema was reported for not listing the version (once).
    version_header_warned: bool,
}

impl<'a> Lowerer<'a> {
    fn new(spec: &'a OpenAPI) -> Self {
        let mut type_scope = Scope::with_reserved(RESERVED_TYPES.iter().copied());
        let mut schema_names = BTreeMap::new();
        if let Some(components) = &spec.components {
            for name in components.schemas.keys() {
                let rust = type_scope.claim(names::pascal(name));
                schema_names.insert(name.as_str(), rust);
            }
        }
        Self {
            spec,
            errors: Vec::new(),
            warnings: Vec::new(),
            schema_names,
            type_scope,
            types: Vec::new(),
            depth: 0,
            version_header: None,
            version_header_warned: false,
        }
    }

    fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Diagnostic::new(pointer, message));
    }

    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Diagnostic::new(pointer, message));
    }

    fn api(&mut self, config: &Config) -> Api {
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
        let mut types = std::mem::take(&mut self.types);
        let error_body = error_body::shared(&mut groups, &types);
        recursion::box_cycles(&mut types);
        Api {
            title: spec.info.title.clone(),
            version,
            base_url: base_url(spec),
            security_schemes,
            types,
            groups,
            skipped,
            env: config.env.clone(),
            examples,
            error_body,
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
