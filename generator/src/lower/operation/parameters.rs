//! Parameters: what the caller gives, what the client fills itself (the version header,
//! pinned values), and the types of shared parameter components.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn parameters(
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
        let mut scope = Scope::with_reserved(reserved::methods(reserved::REQUEST_BUILDER_METHODS));
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
                Some(openapiv3::ReferenceOr::Item(schema)) => {
                    crate::lower::schema::bounds_of(schema)
                }
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
                        crate::lower::schema::with_values(data.description.clone(), schema)
                    }
                    _ => data.description.clone(),
                }
                .map(crate::ir::DocText::new),
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
    pub(super) fn structured(&self, ty: &Type) -> bool {
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

    pub(super) fn parameter(&self, param: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
        self.follow(param, PARAMETER_PREFIX, |c| &c.parameters)
    }

    /// The name in `components/parameters` of the parameter a reference ends at (the last one
    /// of a chain of references); `None` for a parameter written in place.
    pub(super) fn parameter_component(
        &self,
        mut param: &'a ReferenceOr<Parameter>,
    ) -> Option<&'a str> {
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
    pub(super) fn component_parameter_type(
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
    pub(super) fn pinned_value(
        &self,
        schema: SchemaRef<'a>,
        api_version: Option<&str>,
    ) -> Option<String> {
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
}
