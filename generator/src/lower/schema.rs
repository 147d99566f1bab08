//! Schemas to types: scalars, arrays, maps, structs, string enums and merged `allOf`s.

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, AnySchema, ReferenceOr, Schema, SchemaData};

use super::{Lowerer, SchemaRef};
use crate::diagnostics::pointer;
use crate::ir::{
    Bounds, EnumVariant, Field, NumberEnum, NumberVariant, Scalar, StringEnum, Struct, Type,
    TypeDef, TypeKind,
};
use crate::names::{self, Scope};

/// A type as used in one place: the type and whether `null` is allowed there.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    pub(super) ty: Type,
    pub(super) nullable: bool,
}

/// What lowering a schema produced: a type usable in place, or a definition that needs a name.
pub(super) enum Lowered {
    Inline(Type),
    Def(TypeKind),
}

/// Every schema in one form, whatever combination of keywords it uses.
pub(super) struct View {
    pub(super) data: SchemaData,
    pub(super) any: AnySchema,
}

impl View {
    pub(super) fn of(schema: &Schema) -> Option<Self> {
        let value = serde_json::to_value(&schema.schema_kind).ok()?;
        let any = serde_json::from_value(value).ok()?;
        Some(Self {
            data: schema.schema_data.clone(),
            any,
        })
    }

    /// The string values of `enum`.
    pub(super) fn string_values(&self) -> Vec<&str> {
        self.any
            .enumeration
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect()
    }

    pub(super) fn is_object_like(&self) -> bool {
        self.any.typ.as_deref() == Some("object")
            || !self.any.properties.is_empty()
            || self.any.additional_properties.is_some()
    }
}

/// The properties of an object after merging every `allOf` member into it.
#[derive(Default)]
pub(super) struct Flat<'a> {
    pub(super) properties: IndexMap<String, (SchemaRef<'a>, String)>,
    pub(super) required: Vec<String>,
    pub(super) additional: Option<(&'a AdditionalProperties, String)>,
    /// The components merged so far: merging one again adds nothing, so each is merged once
    /// however many `allOf`s reach it (a diamond of `allOf`s stays linear).
    merged: std::collections::BTreeSet<&'a str>,
    /// The components being merged, outermost first: reaching one of them again is a cycle.
    active: Vec<&'a str>,
}

/// Documentation from a schema's title and description. A title that is a bare identifier
/// (`TokenResponse`) repeats the type's name and is left out.
pub(super) fn doc_of(data: &SchemaData) -> Option<String> {
    let title = data
        .title
        .as_deref()
        .filter(|title| title.trim().contains(char::is_whitespace));
    let parts: Vec<&str> = [title, data.description.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    match parts.as_slice() {
        [] => None,
        [title, description] if description.starts_with(title) => Some((*description).to_owned()),
        _ => Some(parts.join("\n\n")),
    }
}

fn scalar_for(view: &View) -> Option<Scalar> {
    let format = view.any.format.as_deref().unwrap_or_default();
    Some(match view.any.typ.as_deref()? {
        "string" => match format {
            "date-time" => Scalar::DateTime,
            "date" => Scalar::Date,
            "uuid" => Scalar::Uuid,
            "byte" => Scalar::Base64,
            "password" => Scalar::Secret,
            _ => Scalar::String,
        },
        "integer" => match format {
            "int32" => Scalar::I32,
            "uint32" => Scalar::U32,
            "uint64" => Scalar::U64,
            _ => Scalar::I64,
        },
        // `float` too: a JSON number a server writes for a single-precision value (its bounds
        // computed as +-2^128, say) may lie outside `f32`, and every JSON number fits `f64`.
        "number" => match format {
            "int32" => Scalar::I32,
            "int64" => Scalar::I64,
            _ => Scalar::F64,
        },
        "boolean" => Scalar::Bool,
        _ => return None,
    })
}

/// Whether the integers a schema itself gives (example, default, enum, bounds) fit a 32-bit
/// scalar.
fn fits_32_bits(view: &View, scalar: Scalar) -> bool {
    let (low, high) = if scalar == Scalar::U32 {
        (0.0, f64::from(u32::MAX))
    } else {
        (f64::from(i32::MIN), f64::from(i32::MAX))
    };
    let fits = |value: f64| (low..=high).contains(&value);
    let values = [view.data.example.as_ref(), view.data.default.as_ref()]
        .into_iter()
        .flatten()
        .chain(&view.any.enumeration)
        .filter_map(serde_json::Value::as_f64);
    let bounds = [view.any.minimum, view.any.maximum].into_iter().flatten();
    values.chain(bounds).all(fits)
}

impl<'a> Lowerer<'a> {
    /// Defines the named type `name` for a component schema.
    pub(super) fn named_type(&mut self, name: String, schema: SchemaRef<'a>, at: &str) {
        let (kind, doc) = match schema {
            SchemaRef::Ref(_) => {
                let shape = self.shape(schema, at, &name);
                (TypeKind::Alias(optional(shape)), None)
            }
            SchemaRef::Inline(inline) => {
                let doc = with_values(doc_of(&inline.schema_data), inline);
                match self.lower_schema(inline, at, &name) {
                    Lowered::Def(kind) => (kind, doc),
                    Lowered::Inline(ty) => {
                        let ty = if inline.schema_data.nullable {
                            Type::Option(Box::new(ty))
                        } else {
                            ty
                        };
                        (TypeKind::Alias(ty), doc)
                    }
                }
            }
        };
        self.types.push(TypeDef {
            name,
            doc: doc.map(crate::ir::DocText::new),
            origin: at.to_owned(),
            kind,
        });
    }

    /// The type of a schema used in place. Schemas that need a definition get one, named from
    /// `hint` (already `PascalCase`).
    pub(super) fn shape(&mut self, schema: SchemaRef<'a>, at: &str, hint: &str) -> Shape {
        match schema {
            SchemaRef::Ref(reference) => match self.component(reference) {
                Some((name, target)) => {
                    let nullable = matches!(target, ReferenceOr::Item(s) if s.schema_data.nullable);
                    let rust = self.schema_names.get(name).cloned().unwrap_or_default();
                    Shape {
                        ty: Type::Named(rust),
                        nullable,
                    }
                }
                None => {
                    self.warn(
                        at,
                        format!("reference `{reference}` does not name a component schema; using a JSON value"),
                    );
                    Shape {
                        ty: Type::Scalar(Scalar::Json),
                        nullable: false,
                    }
                }
            },
            SchemaRef::Inline(inline) => {
                let nullable = wrapper_nullable(inline);
                if let Some(shape) = self.single_all_of(inline, at, hint) {
                    return Shape {
                        nullable: nullable || shape.nullable,
                        ..shape
                    };
                }
                let chosen = self.chosen_name(
                    &inline.schema_data.extensions,
                    names::RENAME_TYPE,
                    at,
                    names::Case::Pascal,
                );
                let hint = chosen.as_deref().unwrap_or(hint);
                let ty = match self.lower_schema(inline, at, hint) {
                    Lowered::Inline(ty) => ty,
                    Lowered::Def(kind) => {
                        let name = match chosen.clone() {
                            Some(chosen) => {
                                let mut scope = std::mem::take(&mut self.type_scope);
                                let name =
                                    self.claim_chosen(&mut scope, chosen, at, names::RENAME_TYPE);
                                self.type_scope = scope;
                                name
                            }
                            None => self.type_scope.claim(hint.to_owned()),
                        };
                        let doc = doc_of(&inline.schema_data);
                        self.types.push(TypeDef {
                            name: name.clone(),
                            doc: doc.map(crate::ir::DocText::new),
                            origin: at.to_owned(),
                            kind,
                        });
                        Type::Named(name)
                    }
                };
                Shape { ty, nullable }
            }
        }
    }

    /// The schema a one-member `allOf` wrapper stands for (a `$ref` with sibling keywords becomes
    /// such a wrapper when loaded); other schemas are returned as they are.
    pub(super) fn peel(&self, mut schema: SchemaRef<'a>) -> SchemaRef<'a> {
        for _ in 0..8 {
            let SchemaRef::Inline(inline) = schema else {
                break;
            };
            match wrapped(inline) {
                Some((_, member)) => schema = SchemaRef::of(member),
                None => break,
            }
        }
        schema
    }

    /// The schema that decides the shape: through annotating `allOf` wrappers, also those reached
    /// by reference (a component that only annotates another).
    pub(super) fn peel_all(&self, mut schema: SchemaRef<'a>) -> SchemaRef<'a> {
        for _ in 0..8 {
            let target = match schema {
                SchemaRef::Inline(inline) => inline,
                SchemaRef::Ref(_) => match self.resolve(schema) {
                    Some((target, _)) => target,
                    None => break,
                },
            };
            match wrapped(target) {
                Some((_, member)) => schema = SchemaRef::of(member),
                None => break,
            }
        }
        schema
    }

    /// `allOf: [X]` alone, as a `$ref` with sibling keywords becomes when loaded: the type of X.
    fn single_all_of(&mut self, schema: &'a Schema, at: &str, hint: &str) -> Option<Shape> {
        let (index, member) = wrapped(schema)?;
        Some(self.shape(
            SchemaRef::of(member),
            &pointer(at, &["allOf", &index.to_string()]),
            hint,
        ))
    }

    /// Lowers one schema written in place.
    pub(super) fn lower_schema(&mut self, schema: &'a Schema, at: &str, name: &str) -> Lowered {
        let Some(view) = View::of(schema) else {
            self.warn(at, "schema could not be read; using a JSON value");
            return Lowered::Inline(Type::Scalar(Scalar::Json));
        };
        if !self.spend(at) {
            return Lowered::Inline(Type::Scalar(Scalar::Json));
        }
        self.depth += 1;
        let lowered = if self.depth > 64 {
            self.error(at, "schemas nested more than 64 levels deep");
            Lowered::Inline(Type::Scalar(Scalar::Json))
        } else {
            self.lower_view(schema, &view, at, name)
        };
        self.depth -= 1;
        lowered
    }

    fn lower_view(&mut self, schema: &'a Schema, view: &View, at: &str, name: &str) -> Lowered {
        let any = &view.any;
        if (!any.one_of.is_empty() || !any.any_of.is_empty())
            && let Some(lowered) = self.union(schema, view, at, name)
        {
            return lowered;
        }
        if !any.all_of.is_empty() {
            if let Some(shape) = self.single_all_of(schema, at, name) {
                return Lowered::Inline(optional(shape));
            }
            // Members that only annotate or restate a scalar type add nothing to a schema that has
            // a type or values of its own (`{type: string, enum: [a, b], allOf: [{maxLength: 5}]}`).
            let all_plain = all_of_members(schema)
                .iter()
                .all(|member| annotates_only(member) || restates_scalar(member));
            if all_plain && (any.typ.is_some() || !any.enumeration.is_empty()) {
                let mut without = any.clone();
                without.all_of.clear();
                let view = View {
                    data: view.data.clone(),
                    any: without,
                };
                return self.lower_view(schema, &view, at, name);
            }
            return self.object(schema, at, name);
        }
        if any.not.is_some() {
            // Beside a type, `not` only rules out some of its values (`type: integer, not:
            // {minimum: 65534, maximum: 65534}`); the type stands.
            if any.typ.is_some() || !any.properties.is_empty() || any.items.is_some() {
                let mut without = any.clone();
                without.not = None;
                let view = View {
                    data: view.data.clone(),
                    any: without,
                };
                return self.lower_view(schema, &view, at, name);
            }
            self.warn(
                at,
                "`not` cannot be expressed as a type; using a JSON value",
            );
            return Lowered::Inline(Type::Scalar(Scalar::Json));
        }
        if !any.enumeration.is_empty() {
            return self.enumeration(schema, view, at, name);
        }
        match any.typ.as_deref() {
            Some("array") => {
                let item = match items_of(schema) {
                    Some(items) => {
                        let shape = self.shape(
                            SchemaRef::of_boxed(items),
                            &pointer(at, &["items"]),
                            &format!("{name}Item"),
                        );
                        optional(shape)
                    }
                    None => Type::Scalar(Scalar::Json),
                };
                Lowered::Inline(Type::List(Box::new(item)))
            }
            Some("string" | "integer" | "number" | "boolean") => {
                let scalar = scalar_for(view).unwrap_or(Scalar::Json);
                // A 32-bit format whose own example, default or bounds do not fit (a timestamp in
                // milliseconds declared `int32`) would reject the very values the API documents.
                let scalar = match scalar {
                    Scalar::I32 | Scalar::U32 if !fits_32_bits(view, scalar) => {
                        let wide = if scalar == Scalar::I32 {
                            Scalar::I64
                        } else {
                            Scalar::U64
                        };
                        self.warn(
                            at,
                            "the schema's own example, default or bounds do not fit its 32-bit format; read as 64 bits",
                        );
                        wide
                    }
                    other => other,
                };
                Lowered::Inline(Type::Scalar(scalar))
            }
            _ if view.is_object_like() => self.object(schema, at, name),
            None if any.items.is_some() => {
                let mut as_array = view.any.clone();
                as_array.typ = Some("array".to_owned());
                let array = View {
                    data: view.data.clone(),
                    any: as_array,
                };
                self.lower_view(schema, &array, at, name)
            }
            None => Lowered::Inline(Type::Scalar(Scalar::Json)),
            Some(other) => {
                self.warn(at, format!("unknown type `{other}`; using a JSON value"));
                Lowered::Inline(Type::Scalar(Scalar::Json))
            }
        }
    }

    /// A schema with `enum`: strings become an open enum; other values keep the declared type,
    /// or the type all the values share.
    fn enumeration(&mut self, schema: &'a Schema, view: &View, at: &str, name: &str) -> Lowered {
        let values = view.string_values();
        let non_null: Vec<&serde_json::Value> = view
            .any
            .enumeration
            .iter()
            .filter(|v| !v.is_null())
            .collect();
        let all_strings = !values.is_empty() && values.len() == non_null.len();
        match view.any.typ.as_deref() {
            None | Some("string") if all_strings => {
                Lowered::Def(TypeKind::StringEnum(string_enum(&values)))
            }
            // An enum of strings on an array lists the values of its items
            // (`type: array, items: {type: string}, enum: [EU, US]`): no array equals a string.
            // (Items that refer to a type of their own keep it.)
            Some("array")
                if all_strings
                    && !matches!(items_of(schema), Some(ReferenceOr::Reference { .. })) =>
            {
                let item = self.type_scope.claim(format!("{name}Item"));
                self.types.push(TypeDef {
                    name: item.clone(),
                    doc: None,
                    origin: pointer(at, &["enum"]),
                    kind: TypeKind::StringEnum(string_enum(&values)),
                });
                Lowered::Inline(Type::List(Box::new(Type::Named(item))))
            }
            // Numbers the type can hold are an open enum of their own.
            Some("integer" | "number") if let Some(numbers) = number_enum(view) => {
                Lowered::Def(TypeKind::NumberEnum(numbers))
            }
            // Any other declared type stands; the enum only lists some of its values.
            Some(_) => {
                let mut any = view.any.clone();
                any.enumeration.clear();
                let without = View {
                    data: view.data.clone(),
                    any,
                };
                self.lower_view(schema, &without, at, name)
            }
            None => {
                let all = |f: fn(&serde_json::Value) -> bool| non_null.iter().all(|v| f(v));
                let scalar = if non_null.is_empty() {
                    Scalar::Json
                } else if all(serde_json::Value::is_i64) {
                    Scalar::I64
                } else if all(serde_json::Value::is_u64) {
                    Scalar::U64
                } else if all(serde_json::Value::is_number) {
                    Scalar::F64
                } else if all(serde_json::Value::is_boolean) {
                    Scalar::Bool
                } else if all(serde_json::Value::is_object) {
                    Scalar::JsonObject
                } else {
                    self.warn(at, "enum of mixed value types; using a JSON value");
                    Scalar::Json
                };
                Lowered::Inline(Type::Scalar(scalar))
            }
        }
    }

    /// An object schema: `allOf` members merged with its own properties.
    fn object(&mut self, schema: &'a Schema, at: &str, name: &str) -> Lowered {
        let mut flat = Flat::default();
        self.flatten(SchemaRef::Inline(schema), at, &mut flat, 0);
        self.alternatives(schema, at, &mut flat);
        if flat.properties.is_empty() {
            return Lowered::Inline(match flat.additional {
                Some((AdditionalProperties::Schema(inner), inner_at)) => {
                    let shape =
                        self.shape(SchemaRef::of(inner), &inner_at, &format!("{name}Value"));
                    Type::Map(Box::new(optional(shape)))
                }
                _ => Type::Scalar(Scalar::JsonObject),
            });
        }
        Lowered::Def(TypeKind::Struct(self.fields(flat, name)))
    }

    /// Adds the properties of a `oneOf`/`anyOf` beside the object's own properties, each optional
    /// (a value satisfies one alternative, not every one), after the object's own.
    fn alternatives(&mut self, schema: &'a Schema, at: &str, flat: &mut Flat<'a>) {
        if flat.properties.is_empty() {
            return;
        }
        let known: Vec<(String, SchemaRef<'a>)> = flat
            .properties
            .iter()
            .map(|(wire, (schema, _))| (wire.clone(), *schema))
            .collect();
        for (wire, found) in self
            .alternative_properties(schema, at, known)
            .unwrap_or_default()
        {
            flat.properties.insert(wire, found);
        }
    }

    /// The properties the `oneOf`/`anyOf` members of an object schema add to the properties it
    /// has (`known`), when every member is an object ([`Self::is_alternative`]) and a property
    /// of several has one schema in all of them (or is only narrowed, `{enum: [a]}`); `None`
    /// otherwise.
    pub(super) fn alternative_properties(
        &mut self,
        schema: &'a Schema,
        at: &str,
        mut known: Vec<(String, SchemaRef<'a>)>,
    ) -> Option<Vec<(String, (SchemaRef<'a>, String))>> {
        let (members, keyword) = super::union::members(schema);
        if members.is_empty()
            || !members
                .iter()
                .all(|member| self.is_alternative(SchemaRef::of(member)))
        {
            return None;
        }
        let mut added = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let member_at = pointer(at, &[keyword, &index.to_string()]);
            let mut own = Flat::default();
            self.flatten(SchemaRef::of(member), &member_at, &mut own, 0);
            for (wire, (property, here)) in own.properties {
                match known.iter().find(|(kept, _)| *kept == wire) {
                    None => {
                        known.push((wire.clone(), property));
                        added.push((wire, (property, here)));
                    }
                    Some((_, kept)) if same_schema(*kept, property) || narrows_only(property) => {}
                    Some(_) => return None,
                }
            }
        }
        Some(added)
    }

    /// Collects the properties of a schema and of its `allOf` members, in order. Each component
    /// is merged once; one that `allOf`s lead back to is an error at the member that closes the
    /// cycle.
    pub(super) fn flatten(
        &mut self,
        schema: SchemaRef<'a>,
        at: &str,
        flat: &mut Flat<'a>,
        depth: usize,
    ) {
        if depth > 32 {
            self.error(at, "`allOf` members nested more than 32 levels deep");
            return;
        }
        if !self.spend(at) {
            return;
        }
        let site = at;
        let (schema, at) = match schema {
            SchemaRef::Inline(schema) => (schema, at.to_owned()),
            SchemaRef::Ref(reference) => {
                if flat.active.contains(&reference) {
                    self.error(
                        site,
                        format!("`allOf` references form a cycle through `{reference}`"),
                    );
                    return;
                }
                if !flat.merged.insert(reference) {
                    return;
                }
                match self.resolve(schema) {
                    Some((schema, _)) => {
                        flat.active.push(reference);
                        self.merge(schema, reference, site, flat, depth);
                        flat.active.pop();
                        return;
                    }
                    None => {
                        self.warn(
                            at,
                            format!(
                                "`allOf` member `{reference}` is not a component schema; ignored"
                            ),
                        );
                        return;
                    }
                }
            }
        };
        self.merge(schema, &at, site, flat, depth);
    }

    /// Merges one schema found at `at` (reached from `site`) and its `allOf` members into `flat`.
    fn merge(
        &mut self,
        schema: &'a Schema,
        at: &str,
        site: &str,
        flat: &mut Flat<'a>,
        depth: usize,
    ) {
        let (all_of, properties, required, additional) = match &schema.schema_kind {
            openapiv3::SchemaKind::AllOf { all_of } => (all_of.as_slice(), None, &[][..], None),
            openapiv3::SchemaKind::Any(any) => (
                any.all_of.as_slice(),
                Some(&any.properties),
                any.required.as_slice(),
                any.additional_properties.as_ref(),
            ),
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) => (
                &[][..],
                Some(&object.properties),
                object.required.as_slice(),
                object.additional_properties.as_ref(),
            ),
            _ => {
                // Named where it is written, which tells more than the schema it refers to. The
                // schema flattened itself (depth 0) is its caller's to judge.
                if depth > 0 {
                    self.warn(site, "`allOf` member is not an object; ignored");
                }
                return;
            }
        };
        for (index, member) in all_of.iter().enumerate() {
            self.flatten(
                SchemaRef::of(member),
                &pointer(at, &["allOf", &index.to_string()]),
                flat,
                depth + 1,
            );
        }
        for (wire, property) in properties.into_iter().flatten() {
            // A property no value satisfies is never present, also where an `allOf` member says
            // so of a property it inherits.
            if matches!(property, ReferenceOr::Item(p) if forbids_every_value(p)) {
                flat.properties.shift_remove(wire);
                flat.required.retain(|name| name != wire);
                continue;
            }
            let here = pointer(at, &["properties", wire]);
            flat.properties
                .insert(wire.clone(), (SchemaRef::of_boxed(property), here));
        }
        for wire in required {
            if !flat.required.contains(wire) {
                flat.required.push(wire.clone());
            }
        }
        if let Some(additional) = additional {
            flat.additional = Some((additional, pointer(at, &["additionalProperties"])));
        }
    }

    /// The one value a property's schema allows: a single-value `enum` (`const` is read as one),
    /// on the schema itself or on the schema it refers to or wraps. Only strings, booleans and
    /// numbers; whether the field's type can hold it is settled once every type is known.
    fn fixed_value(&self, schema: SchemaRef<'a>) -> Option<serde_json::Value> {
        let own = match schema {
            SchemaRef::Inline(inline) => View::of(inline).map(|view| view.any.enumeration),
            SchemaRef::Ref(_) => None,
        };
        let values = match own {
            Some(values) if !values.is_empty() => values,
            _ => {
                let (target, _) = self.resolve(self.peel_all(schema))?;
                View::of(target)?.any.enumeration
            }
        };
        match values.as_slice() {
            [
                value @ (serde_json::Value::String(_)
                | serde_json::Value::Bool(_)
                | serde_json::Value::Number(_)),
            ] => Some(value.clone()),
            _ => None,
        }
    }

    /// The fields of a struct from flattened properties.
    pub(super) fn fields(&mut self, flat: Flat<'a>, name: &str) -> Struct {
        let mut scope =
            Scope::with_reserved(names::reserved::methods(names::reserved::STRUCT_METHODS));
        // Names a maintainer chose come first, so that no derived name takes them.
        let mut chosen = std::collections::BTreeMap::new();
        for (wire, (schema, at)) in &flat.properties {
            let SchemaRef::Inline(inline) = schema else {
                continue;
            };
            let extensions = &inline.schema_data.extensions;
            if let Some(rust) = self.chosen_name(extensions, names::RENAME, at, names::Case::Snake)
            {
                let rust = self.claim_chosen(&mut scope, rust, at, names::RENAME);
                chosen.insert(wire.clone(), rust);
            }
        }
        let mut fields = Vec::new();
        for (wire, (schema, at)) in flat.properties {
            let rust = match chosen.remove(&wire) {
                Some(rust) => rust,
                None => scope.claim(names::snake(&wire)),
            };
            let hint = format!("{name}{}", names::pascal(&wire).trim_start_matches("r#"));
            let shape = self.shape(schema, &at, &hint);
            let doc = match schema {
                SchemaRef::Inline(inline) => with_values(doc_of(&inline.schema_data), inline),
                SchemaRef::Ref(_) => None,
            };
            let bounds = match schema {
                SchemaRef::Inline(inline) => bounds_of(inline),
                SchemaRef::Ref(_) => Bounds::default(),
            };
            let fixed = self.fixed_value(schema);
            fields.push(Field {
                fixed,
                name: rust,
                bounds,
                required: flat.required.contains(&wire),
                wire,
                ty: shape.ty,
                nullable: shape.nullable,
                doc: doc.map(crate::ir::DocText::new),
            });
        }
        let additional = match flat.additional {
            Some((AdditionalProperties::Schema(inner), at)) => {
                let shape = self.shape(SchemaRef::of(inner), &at, &format!("{name}Value"));
                Some((
                    scope.claim("additional_properties".to_owned()),
                    optional(shape),
                ))
            }
            Some((AdditionalProperties::Any(true), _)) => Some((
                scope.claim("additional_properties".to_owned()),
                Type::Scalar(Scalar::Json),
            )),
            _ => None,
        };
        Struct { fields, additional }
    }
}

/// Whether two schemas are the same: one reference, or equal schemas written in place.
fn same_schema(a: SchemaRef<'_>, b: SchemaRef<'_>) -> bool {
    match (a, b) {
        (SchemaRef::Ref(a), SchemaRef::Ref(b)) => a == b,
        (SchemaRef::Inline(a), SchemaRef::Inline(b)) => a == b,
        _ => false,
    }
}

/// Whether a property schema only narrows the values of the property it restates (an `enum` or
/// bounds, no type or structure of its own).
fn narrows_only(property: SchemaRef<'_>) -> bool {
    matches!(property, SchemaRef::Inline(p) if View::of(p).is_some_and(|v| {
        v.any.typ.is_none()
            && v.any.properties.is_empty()
            && v.any.items.is_none()
            && v.any.all_of.is_empty()
            && v.any.one_of.is_empty()
            && v.any.any_of.is_empty()
    }))
}

/// The bounds a schema declares.
pub(super) fn bounds_of(schema: &Schema) -> Bounds {
    let Some(view) = View::of(schema) else {
        return Bounds::default();
    };
    let any = &view.any;
    let count = |n: Option<usize>| n.map(|n| n as u64);
    Bounds {
        minimum: any.minimum,
        maximum: any.maximum,
        exclusive_minimum: any.exclusive_minimum.unwrap_or(false),
        exclusive_maximum: any.exclusive_maximum.unwrap_or(false),
        min_length: count(any.min_length),
        max_length: count(any.max_length),
        min_items: count(any.min_items),
        max_items: count(any.max_items),
        multiple_of: any.multiple_of,
        pattern: any.pattern.clone(),
        format: any.format.clone().filter(|format| {
            any.typ.as_deref() == Some("string")
                && !matches!(
                    format.as_str(),
                    "date-time" | "date" | "uuid" | "byte" | "binary" | "password"
                )
        }),
        values: if any.enumeration.iter().all(serde_json::Value::is_string) {
            Vec::new()
        } else {
            any.enumeration
                .iter()
                .filter(|value| !value.is_null())
                .cloned()
                .collect()
        },
    }
}

/// The only member of a schema that is nothing but `allOf: [X]` (plus annotations).
fn wrapped(schema: &Schema) -> Option<(usize, &ReferenceOr<Schema>)> {
    let view = View::of(schema)?;
    // `additionalProperties: false` without properties says nothing of the wrapped type.
    let no_extra = matches!(
        view.any.additional_properties,
        None | Some(AdditionalProperties::Any(false))
    );
    let plain = !view.any.all_of.is_empty()
        && view.any.properties.is_empty()
        && no_extra
        && view.any.one_of.is_empty()
        && view.any.any_of.is_empty()
        && view.any.items.is_none();
    if !plain {
        return None;
    }
    let all_of = all_of_members(schema);
    // `allOf: [{$ref: X}, {description: ..}]` is how many specs document a reference; members
    // that only annotate do not change the type.
    // So is `allOf: [{$ref: Id}, {type: string}]`, where the second member restates the type,
    // and a `type` on the wrapper itself (`{$ref: Status, type: string}` as written, read as
    // `{allOf: [{$ref: Status}], type: string}`): the member's type is the more precise.
    let mut substantive = all_of
        .iter()
        .enumerate()
        .filter(|(_, member)| !annotates_only(member) && !restates_scalar(member));
    // An `enum` beside a reference narrows the referenced type's values
    // (`{$ref: Dataset, enum: [paf]}`): the reference is still the type.
    let narrows = !view.any.enumeration.is_empty();
    match (substantive.next(), substantive.next()) {
        (Some(member), None) if !narrows || matches!(member.1, ReferenceOr::Reference { .. }) => {
            Some(member)
        }
        (Some(_), None) => None,
        (None, _) if !narrows => all_of
            .iter()
            .enumerate()
            .find(|(_, member)| restates_scalar(member)),
        (None, _) => None,
        _ => None,
    }
}

/// A doc with the values an `enum` allows appended where they are numbers or booleans (strings
/// become an enum type of their own): "One of `1`, `2`, `3`."
pub(super) fn with_values(doc: Option<String>, schema: &Schema) -> Option<String> {
    // Most properties are strings, objects or arrays: no need to read them into a `View`.
    if matches!(
        schema.schema_kind,
        openapiv3::SchemaKind::Type(
            openapiv3::Type::String(_) | openapiv3::Type::Object(_) | openapiv3::Type::Array(_)
        )
    ) {
        return doc;
    }
    let Some(view) = View::of(schema) else {
        return doc;
    };
    // An enum of a numeric type is a type whose variants list the values.
    if matches!(view.any.typ.as_deref(), Some("integer" | "number")) && number_enum(&view).is_some()
    {
        return doc;
    }
    let values = &view.any.enumeration;
    // Objects and arrays would make unreadable docs; strings are an enum type's variants.
    if values.is_empty()
        || values.iter().all(|v| v.is_string() || v.is_null())
        || values.iter().any(|v| v.is_object() || v.is_array())
    {
        return doc;
    }
    const SHOWN: usize = 20;
    let mut listed: Vec<String> = values
        .iter()
        .take(SHOWN)
        .map(|value| {
            let text = value.to_string();
            if text.contains('`') {
                format!("`` {text} ``")
            } else {
                format!("`{text}`")
            }
        })
        .collect();
    if values.len() > SHOWN {
        listed.push(format!("and {} more", values.len() - SHOWN));
    }
    let note = format!("One of {}.", listed.join(", "));
    Some(match doc {
        Some(doc) => format!("{doc}\n\n{note}"),
        None => note,
    })
}

/// The `allOf` members of a schema, borrowed from the document.
fn all_of_members(schema: &Schema) -> &[ReferenceOr<Schema>] {
    match &schema.schema_kind {
        openapiv3::SchemaKind::AllOf { all_of } => all_of,
        openapiv3::SchemaKind::Any(any) => &any.all_of,
        _ => &[],
    }
}

/// A schema that only names a scalar type (`{type: string}`, with bounds at most).
fn restates_scalar(member: &ReferenceOr<Schema>) -> bool {
    plain(member).is_some_and(|any| {
        matches!(
            any.typ.as_deref(),
            Some("string" | "integer" | "number" | "boolean")
        )
    })
}

/// Whether an `allOf` wrapper says its value may be null, on itself or in an annotating member.
pub(super) fn wrapper_nullable(schema: &Schema) -> bool {
    let all_of = match &schema.schema_kind {
        openapiv3::SchemaKind::AllOf { all_of } => all_of.as_slice(),
        openapiv3::SchemaKind::Any(any) => any.all_of.as_slice(),
        _ => &[],
    };
    schema.schema_data.nullable
        || all_of.iter().any(|member| {
            annotates_only(member)
                && matches!(member, ReferenceOr::Item(inner) if inner.schema_data.nullable)
        })
}

/// A schema that describes without constraining: no type, properties, items, values or members.
fn annotates_only(member: &ReferenceOr<Schema>) -> bool {
    plain(member).is_some_and(|any| any.typ.is_none())
}

/// The keywords of a schema written in place that has no format, properties, items, values or
/// members: all it can say is a type, bounds and annotations.
fn plain(member: &ReferenceOr<Schema>) -> Option<openapiv3::AnySchema> {
    let ReferenceOr::Item(schema) = member else {
        return None;
    };
    let any = View::of(schema)?.any;
    let plain = any.properties.is_empty()
        && any.required.is_empty()
        && any.additional_properties.is_none()
        && any.items.is_none()
        && any.enumeration.is_empty()
        && any.format.is_none()
        && any.one_of.is_empty()
        && any.all_of.is_empty()
        && any.any_of.is_empty()
        && any.not.is_none();
    plain.then_some(any)
}

/// `{not: {}}` (`false` in OpenAPI 3.1): no value is valid, so a property with this schema is
/// never present.
fn forbids_every_value(schema: &Schema) -> bool {
    View::of(schema).is_some_and(|view| {
        let forbids = matches!(
            view.any.not.as_deref(),
            Some(ReferenceOr::Item(inner)) if View::of(inner).is_some_and(|v| v.any == AnySchema::default())
        );
        let mut rest = view.any;
        rest.not = None;
        forbids && rest == AnySchema::default()
    })
}

/// The `items` of an array schema, borrowed from the document.
fn items_of(schema: &Schema) -> Option<&ReferenceOr<Box<Schema>>> {
    match &schema.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::Array(array)) => array.items.as_ref(),
        openapiv3::SchemaKind::Any(any) => any.items.as_ref(),
        _ => None,
    }
}

/// `Option<T>` where null is allowed, `T` otherwise.
pub(super) fn optional(shape: Shape) -> Type {
    if shape.nullable {
        Type::Option(Box::new(shape.ty))
    } else {
        shape.ty
    }
}

pub(super) fn string_enum(values: &[&str]) -> StringEnum {
    let mut scope = Scope::default();
    let mut variants = Vec::new();
    for value in values {
        if variants.iter().any(|v: &EnumVariant| v.wire == *value) {
            continue;
        }
        let name = scope.claim(names::pascal(value));
        variants.push(EnumVariant {
            name,
            wire: (*value).to_owned(),
        });
    }
    let preferred = ["Unknown", "Other", "UnknownValue"]
        .into_iter()
        .find(|name| scope.is_free(name));
    let fallback = scope.claim(preferred.unwrap_or("Unknown").to_owned());
    StringEnum { variants, fallback }
}

/// The open enum of a schema of type `integer` or `number` with `enum`: its values in the type
/// (`integer`: integers that fit the format; `number`: any number, held as `f64`). `None` when a
/// value does not fit, or is not a number, and the schema stays the plain scalar.
fn number_enum(view: &View) -> Option<NumberEnum> {
    let mut scalar = scalar_for(view)?;
    if matches!(scalar, Scalar::I32 | Scalar::U32) && !fits_32_bits(view, scalar) {
        scalar = if scalar == Scalar::I32 {
            Scalar::I64
        } else {
            Scalar::U64
        };
    }
    let mut values: Vec<serde_json::Number> = Vec::new();
    for value in view.any.enumeration.iter().filter(|v| !v.is_null()) {
        let number = value.as_number()?;
        let number = match scalar {
            Scalar::F64 => number.clone(),
            _ => integer_in(number, scalar)?,
        };
        let same = |other: &serde_json::Number| match scalar {
            Scalar::F64 => other.as_f64() == number.as_f64(),
            _ => other == &number,
        };
        if !values.iter().any(same) {
            values.push(number);
        }
    }
    if values.is_empty() {
        return None;
    }
    let mut scope = Scope::default();
    let variants = values
        .into_iter()
        .map(|value| NumberVariant {
            name: scope.claim(names::number_variant(&value)),
            value,
        })
        .collect();
    let preferred = ["Unknown", "Other", "UnknownValue"]
        .into_iter()
        .find(|name| scope.is_free(name));
    let fallback = scope.claim(preferred.unwrap_or("Unknown").to_owned());
    Some(NumberEnum {
        scalar,
        variants,
        fallback,
    })
}

/// A number as an integer of the scalar's range (`1000.0` is `1000`), if it is one.
fn integer_in(number: &serde_json::Number, scalar: Scalar) -> Option<serde_json::Number> {
    let wide: i128 = match (number.as_i64(), number.as_u64()) {
        (Some(int), _) => i128::from(int),
        (None, Some(int)) => i128::from(int),
        _ => {
            let float = number.as_f64()?;
            if float.fract() != 0.0 || float.abs() > 1e18 {
                return None;
            }
            float as i128
        }
    };
    let fits = match scalar {
        Scalar::I32 => i32::try_from(wide).is_ok(),
        Scalar::U32 => u32::try_from(wide).is_ok(),
        Scalar::I64 => i64::try_from(wide).is_ok(),
        Scalar::U64 => u64::try_from(wide).is_ok(),
        _ => false,
    };
    if !fits {
        return None;
    }
    match (i64::try_from(wide), u64::try_from(wide)) {
        (Ok(int), _) => Some(int.into()),
        (_, Ok(int)) => Some(int.into()),
        _ => None,
    }
}
