//! `oneOf` and `anyOf`: tagged unions where a discriminator is declared or can be inferred from a
//! single-value enum property shared by every variant, untagged unions otherwise.

use openapiv3::{ReferenceOr, Schema, SchemaKind};

use super::schema::{Flat, Lowered, View, optional};
use super::{Lowerer, SchemaRef};
use crate::diagnostics::pointer;
use crate::ir::{
    Scalar, Tagged, TaggedVariant, Type, TypeDef, TypeKind, Untagged, UntaggedVariant,
};
use crate::names::{self, Scope};

pub(super) fn members(schema: &Schema) -> (&[ReferenceOr<Schema>], &'static str) {
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => (one_of, "oneOf"),
        SchemaKind::AnyOf { any_of } => (any_of, "anyOf"),
        SchemaKind::Any(any) if !any.one_of.is_empty() => (&any.one_of, "oneOf"),
        SchemaKind::Any(any) => (&any.any_of, "anyOf"),
        _ => (&[], "oneOf"),
    }
}

/// A member that only constrains its parent object rather than being a type of its own: it
/// requires some of the parent's properties (`{required: [a]}`), bounds their number, or narrows
/// properties the parent already has (`{properties: {status: {enum: [done]}}}`). Every value it
/// allows, the parent's type holds.
fn is_constraint_only(member: &ReferenceOr<Schema>, parent: &View) -> bool {
    let ReferenceOr::Item(schema) = member else {
        return false;
    };
    View::of(schema).is_some_and(|view| {
        // `type: object` restates the parent's type only where the parent is an object itself.
        let typ_ok = match view.any.typ.as_deref() {
            None => true,
            Some("object") => parent.is_object_like(),
            Some(_) => false,
        };
        typ_ok
            // Extra properties of a type of their own make the member a map, not a constraint.
            && matches!(
                view.any.additional_properties,
                None | Some(openapiv3::AdditionalProperties::Any(_))
            )
            && view.any.properties.iter().all(|(key, property)| {
                parent
                    .any
                    .properties
                    .get(key)
                    .is_some_and(|own| narrows(property, own))
            })
            && view.any.all_of.is_empty()
            && view.any.one_of.is_empty()
            && view.any.any_of.is_empty()
            && view.any.items.is_none()
            && view.any.enumeration.is_empty()
    })
}

/// Whether a member's property only narrows the parent's property of the same name: an `enum`,
/// bounds or annotations, with no type of its own or the parent's type again.
fn narrows(property: &ReferenceOr<Box<Schema>>, own: &ReferenceOr<Box<Schema>>) -> bool {
    let ReferenceOr::Item(property) = property else {
        return false;
    };
    let Some(view) = View::of(property) else {
        return false;
    };
    let own_typ = match own {
        ReferenceOr::Item(own) => View::of(own).and_then(|v| v.any.typ),
        ReferenceOr::Reference { .. } => None,
    };
    view.any.typ.is_none_or(|typ| Some(typ) == own_typ)
        && view.any.properties.is_empty()
        && view.any.additional_properties.is_none()
        && view.any.items.is_none()
        && view.any.all_of.is_empty()
        && view.any.one_of.is_empty()
        && view.any.any_of.is_empty()
}

/// A member that only allows `null`.
fn is_null_only(member: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(schema) = member else {
        return false;
    };
    View::of(schema).is_some_and(|view| {
        view.any.typ.as_deref() == Some("null")
            || (!view.any.enumeration.is_empty()
                && view.any.enumeration.iter().all(serde_json::Value::is_null))
    })
}

impl<'a> Lowerer<'a> {
    /// Lowers a union. `None` when the `oneOf`/`anyOf` only constrains an object's properties.
    pub(super) fn union(
        &mut self,
        schema: &'a Schema,
        view: &View,
        at: &str,
        name: &str,
    ) -> Option<Lowered> {
        let (all, keyword) = members(schema);
        if all.iter().all(|member| is_constraint_only(member, view)) {
            return None;
        }
        if !view.any.properties.is_empty() && !self.members_extend(view, all, at) {
            // The object's struct gains the alternatives' properties (see `object`). Whether it
            // can is asked quietly: `object` flattens the members again, and reports then.
            let mut flat = Flat::default();
            let quiet = self.warnings.len();
            self.flatten(SchemaRef::Inline(schema), at, &mut flat, 0);
            let known = flat
                .properties
                .iter()
                .map(|(wire, (schema, _))| (wire.clone(), *schema))
                .collect();
            let merges = self.alternative_properties(schema, at, known).is_some();
            self.warnings.truncate(quiet);
            if merges {
                return None;
            }
            self.warn(
                at,
                format!(
                    "`{keyword}` beside `properties` is not supported; the properties are kept"
                ),
            );
            return None;
        }
        let real: Vec<(String, SchemaRef<'a>)> = all
            .iter()
            .enumerate()
            .filter(|(_, member)| !is_null_only(member))
            .map(|(index, member)| {
                (
                    pointer(at, &[keyword, &index.to_string()]),
                    SchemaRef::of(member),
                )
            })
            .collect();
        let nullable = real.len() < all.len();
        let lowered = match real.as_slice() {
            [] => Lowered::Inline(Type::Scalar(Scalar::Json)),
            [(member_at, member)] => {
                let mut shape = self.shape(*member, member_at, name);
                shape.nullable |= nullable;
                Lowered::Inline(optional(shape))
            }
            _ => match self.tagged(view, &real, at, name) {
                Some(tagged) => Lowered::Def(TypeKind::Tagged(tagged)),
                None => Lowered::Def(TypeKind::Untagged(self.untagged(&real, name))),
            },
        };
        Some(match lowered {
            Lowered::Def(kind) if nullable => {
                let inner = self.type_scope.claim(format!("{name}Value"));
                self.types.push(TypeDef {
                    name: inner.clone(),
                    doc: None,
                    origin: at.to_owned(),
                    kind,
                });
                Lowered::Inline(Type::Option(Box::new(Type::Named(inner))))
            }
            other => other,
        })
    }

    /// Whether the members are the subtypes of a parent that declares the discriminator: each
    /// refers to a component that `allOf`s the schema at `at` (the pattern of the OpenAPI
    /// specification: `Pet` with `oneOf: [Cat, Dog]`, `Cat: {allOf: [Pet, ...]}`), or has every
    /// property the parent lists (Jira's context variables, whose parent lists only the tag). The
    /// parent's properties are in every member, so the union is the parent's type.
    fn members_extend(
        &mut self,
        view: &View,
        members: &'a [ReferenceOr<Schema>],
        at: &str,
    ) -> bool {
        if view.data.discriminator.is_none() {
            return false;
        }
        let quiet = self.warnings.len();
        let extend = members.iter().all(|member| {
            let SchemaRef::Ref(reference) = self.peel(SchemaRef::of(member)) else {
                return false;
            };
            let inherits = self
                .resolve(SchemaRef::Ref(reference))
                .and_then(|(schema, _)| View::of(schema))
                .is_some_and(|member| {
                    member.any.all_of.iter().any(|part| {
                        matches!(part, ReferenceOr::Reference { reference } if reference == at)
                    })
                });
            inherits || {
                let mut flat = Flat::default();
                self.flatten(SchemaRef::Ref(reference), at, &mut flat, 0);
                view.any
                    .properties
                    .keys()
                    .all(|wire| flat.properties.contains_key(wire))
            }
        });
        self.warnings.truncate(quiet);
        extend
    }

    /// Whether a member of a `oneOf`/`anyOf` beside `properties` is an object whose properties the
    /// parent's struct can hold as optional fields: no type other than `object`, no values, items
    /// or unions of its own.
    pub(super) fn is_alternative(&self, member: SchemaRef<'a>) -> bool {
        self.resolve(self.peel_all(member))
            .and_then(|(schema, _)| View::of(schema))
            .is_some_and(|view| {
                view.any.typ.as_deref().is_none_or(|typ| typ == "object")
                    && view.any.enumeration.is_empty()
                    && view.any.items.is_none()
                    && view.any.one_of.is_empty()
                    && view.any.any_of.is_empty()
                    && view.any.not.is_none()
            })
    }

    /// The single-value string enum properties of a member: `(property, value)`.
    fn constants(&mut self, member: SchemaRef<'a>, at: &str) -> Vec<(String, String)> {
        let member = self.peel_all(member);
        let object = self
            .resolve(member)
            .and_then(|(schema, _)| View::of(schema))
            .is_some_and(|view| {
                view.any.typ.as_deref().is_none_or(|typ| typ == "object")
                    && view.any.enumeration.is_empty()
                    && view.any.one_of.is_empty()
                    && view.any.any_of.is_empty()
            });
        if !object {
            return Vec::new();
        }
        let mut flat = Flat::default();
        self.flatten(member, at, &mut flat, 0);
        flat.properties
            .iter()
            .filter_map(|(wire, (schema, _))| {
                let (schema, _) = self.resolve(*schema)?;
                let view = View::of(schema)?;
                match view.any.enumeration.as_slice() {
                    [serde_json::Value::String(value)] => Some((wire.clone(), value.clone())),
                    _ => None,
                }
            })
            .collect()
    }

    fn tagged(
        &mut self,
        view: &View,
        members: &[(String, SchemaRef<'a>)],
        at: &str,
        name: &str,
    ) -> Option<Tagged> {
        let constants: Vec<Vec<(String, String)>> = members
            .iter()
            .map(|(member_at, member)| self.constants(*member, member_at))
            .collect();
        let declared = view.data.discriminator.as_ref();
        let tag = match declared {
            Some(discriminator) => discriminator.property_name.clone(),
            None => inferred_tag(&constants)?,
        };
        // A discriminator naming a property of the object that holds the union, beside it
        // (Linode's `{type, data: oneOf}`), tags no member's value. Reading that property instead
        // needs to know which of its values selects which member: without a `mapping` the
        // values would be the members' schema names, which such documents do not send.
        if let Some(discriminator) = declared
            && !self.members_carry(members, &tag)
        {
            let why = if discriminator.mapping.is_empty() {
                "the document maps no value to a member"
            } else {
                "a tag beside the union is not supported"
            };
            self.warn(
                at,
                format!(
                    "discriminator `{tag}` is no property of the union's members, so no member's value carries it; were it a property beside the union, {why}: the union is untagged"
                ),
            );
            return None;
        }
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for ((member_at, member), constants) in members.iter().zip(&constants) {
            let mut tags: Vec<String> = Vec::new();
            if let (Some(discriminator), SchemaRef::Ref(reference)) = (declared, member) {
                let short = reference.rsplit('/').next().unwrap_or(reference);
                tags.extend(
                    discriminator
                        .mapping
                        .iter()
                        .filter(|(_, target)| *target == reference || *target == short)
                        .map(|(value, _)| value.clone()),
                );
                if tags.is_empty() {
                    tags.push(short.to_owned());
                }
            }
            if tags.is_empty()
                && let Some((_, value)) = constants.iter().find(|(wire, _)| *wire == tag)
            {
                tags.push(value.clone());
            }
            let Some(first) = tags.first() else {
                self.warn(
                    member_at.as_str(),
                    format!(
                        "variant has no value for discriminator `{tag}`; the union is untagged"
                    ),
                );
                return None;
            };
            let variant = scope.claim(names::pascal(first));
            let payload =
                self.tagged_payload(*member, member_at, &tag, &format!("{name}{variant}"));
            let doc = match member {
                SchemaRef::Inline(schema) => super::schema::doc_of(&schema.schema_data),
                SchemaRef::Ref(_) => None,
            };
            variants.push(TaggedVariant {
                name: variant,
                tags,
                ty: payload,
                doc: doc.map(crate::ir::DocText::new),
            });
        }
        let fallback = scope.claim("Unknown".to_owned());
        Some(Tagged {
            tag,
            declared: declared.is_some(),
            variants,
            fallback,
        })
    }

    /// Whether some member is an object with the `tag` property, or one that may have it (no
    /// listed properties, or extra properties allowed). An array or a scalar has no properties.
    fn members_carry(&mut self, members: &[(String, SchemaRef<'a>)], tag: &str) -> bool {
        let quiet = self.warnings.len();
        let carry = members.iter().any(|(member_at, member)| {
            let typ = self
                .resolve(self.peel_all(*member))
                .and_then(|(schema, _)| View::of(schema))
                .and_then(|view| view.any.typ);
            if typ.is_some_and(|typ| typ != "object") {
                return false;
            }
            let mut flat = Flat::default();
            self.flatten(*member, member_at, &mut flat, 0);
            flat.properties.is_empty()
                || flat.properties.contains_key(tag)
                || matches!(
                    flat.additional,
                    Some((openapiv3::AdditionalProperties::Any(true), _))
                        | Some((openapiv3::AdditionalProperties::Schema(_), _))
                )
        });
        self.warnings.truncate(quiet);
        carry
    }

    /// The payload of a tagged variant. A referenced schema is used as it is; a member written in
    /// place as `allOf: [{tag}, $ref X]` is X; anything else becomes a struct without the tag.
    fn tagged_payload(
        &mut self,
        member: SchemaRef<'a>,
        at: &str,
        tag: &str,
        name: &str,
    ) -> Option<Type> {
        let SchemaRef::Inline(schema) = member else {
            return Some(self.shape(member, at, name).ty);
        };
        let view = View::of(schema)?;
        let tag_only = |properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>| {
            properties.keys().all(|key| key == tag)
        };
        if tag_only(&view.any.properties) {
            let all_of = match &schema.schema_kind {
                SchemaKind::AllOf { all_of } => all_of.as_slice(),
                SchemaKind::Any(any) => any.all_of.as_slice(),
                _ => &[],
            };
            let rest: Vec<&ReferenceOr<Schema>> = all_of
                .iter()
                .filter(|part| match part {
                    ReferenceOr::Item(inline) => View::of(inline)
                        .is_none_or(|v| !tag_only(&v.any.properties) || !v.any.all_of.is_empty()),
                    ReferenceOr::Reference { .. } => true,
                })
                .collect();
            if let [ReferenceOr::Reference { reference }] = rest.as_slice() {
                return Some(self.shape(SchemaRef::Ref(reference), at, name).ty);
            }
        }
        let mut flat = Flat::default();
        self.flatten(member, at, &mut flat, 0);
        flat.properties.shift_remove(tag);
        flat.required.retain(|wire| wire != tag);
        if flat.properties.is_empty() && flat.additional.is_none() {
            return None;
        }
        let rust = self.type_scope.claim(name.to_owned());
        let kind = TypeKind::Struct(self.fields(flat, &rust));
        let doc = super::schema::doc_of(&schema.schema_data);
        self.types.push(TypeDef {
            name: rust.clone(),
            doc: doc.map(crate::ir::DocText::new),
            origin: at.to_owned(),
            kind,
        });
        Some(Type::Named(rust))
    }

    fn untagged(&mut self, members: &[(String, SchemaRef<'a>)], name: &str) -> Untagged {
        let mut scope = Scope::default();
        let mut variants = Vec::new();
        for (index, (member_at, member)) in members.iter().enumerate() {
            let own_doc = match member {
                SchemaRef::Inline(schema) => super::schema::doc_of(&schema.schema_data),
                SchemaRef::Ref(_) => None,
            };
            let (base, doc) = match self.peel(*member) {
                SchemaRef::Ref(reference) => {
                    let short = reference.rsplit('/').next().unwrap_or(reference);
                    (
                        self.schema_names
                            .get(short)
                            .cloned()
                            .unwrap_or_else(|| names::pascal(short)),
                        None,
                    )
                }
                SchemaRef::Inline(schema) => {
                    let view = View::of(schema);
                    let by_type =
                        view.as_ref()
                            .and_then(|v| v.any.typ.as_deref())
                            .map(|typ| match typ {
                                "string" => "String",
                                "integer" => "Integer",
                                "number" => "Number",
                                "boolean" => "Boolean",
                                "array" => "Array",
                                _ => "Object",
                            });
                    let base = match (&schema.schema_data.title, by_type) {
                        (Some(title), _) => names::pascal(title),
                        (None, Some(by_type)) => by_type.to_owned(),
                        (None, None) => format!("Variant{index}"),
                    };
                    (base, super::schema::doc_of(&schema.schema_data))
                }
            };
            let doc = own_doc.or(doc);
            let variant = scope.claim(base);
            let shape = self.shape(*member, member_at, &format!("{name}{variant}"));
            variants.push(UntaggedVariant {
                name: variant,
                ty: optional(shape),
                doc: doc.map(crate::ir::DocText::new),
            });
        }
        let fallback = scope.claim("Other".to_owned());
        Untagged { variants, fallback }
    }
}

/// The property every member pins to one distinct value, if there is one.
fn inferred_tag(constants: &[Vec<(String, String)>]) -> Option<String> {
    let first = constants.first()?;
    first
        .iter()
        .map(|(wire, _)| wire)
        .find(|candidate| {
            let mut values: Vec<&str> = Vec::new();
            constants.iter().all(|member| {
                member
                    .iter()
                    .find(|(wire, _)| wire == *candidate)
                    .is_some_and(|(_, value)| {
                        let fresh = !values.contains(&value.as_str());
                        values.push(value);
                        fresh
                    })
            })
        })
        .cloned()
}
