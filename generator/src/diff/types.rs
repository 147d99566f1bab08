//! Named types compared by the JSON pointer they were lowered from, and type references compared
//! through those pointers.

use std::collections::BTreeMap;

use super::{Changes, Class, Kind, arrow};
use crate::ir::{Api, Bounds, Field, Struct, Type, TypeDef, TypeKind};
use crate::surface::type_name;

/// One API with its types indexed by Rust name and by wire identity.
#[derive(Debug)]
pub(super) struct Side<'a> {
    pub(super) api: &'a Api,
    /// Rust name to wire identity.
    identity: BTreeMap<&'a str, String>,
    /// Wire identity to the type.
    types: BTreeMap<String, &'a TypeDef>,
}

impl<'a> Side<'a> {
    pub(super) fn new(api: &'a Api) -> Self {
        let mut identity = BTreeMap::new();
        let mut types = BTreeMap::new();
        for def in &api.types {
            // Two types lowered from one place (rare: a schema read for two media types) are told
            // apart by their order.
            // A type from the AsyncAPI document carries its file name (`asyncapi.yml#/..`); there
            // is one such document per API, whatever its file is called.
            let mut key = match def.origin.split_once('#') {
                Some((file, pointer)) if !file.is_empty() => format!("asyncapi#{pointer}"),
                _ => def.origin.clone(),
            };
            let base = key.clone();
            let mut n = 1;
            while types.contains_key(&key) {
                n += 1;
                key = format!("{base} #{n}");
            }
            identity.insert(def.name.as_str(), key.clone());
            types.insert(key, def);
        }
        Self {
            api,
            identity,
            types,
        }
    }

    /// A type reference with every named type replaced by its wire identity, so that two
    /// references are equal when they mean the same wire shape through the same Rust wrappers.
    pub(super) fn wire(&self, ty: &Type) -> String {
        match ty {
            Type::Named(name) => format!(
                "<{}>",
                self.identity
                    .get(name.as_str())
                    .map_or(name.as_str(), |k| k)
            ),
            Type::Scalar(_) => type_name(ty),
            Type::List(inner) => format!("Vec<{}>", self.wire(inner)),
            Type::Map(inner) => format!("Map<{}>", self.wire(inner)),
            Type::Option(inner) => format!("Option<{}>", self.wire(inner)),
            Type::Boxed(inner) => format!("Box<{}>", self.wire(inner)),
        }
    }
}

/// Pushes a `kind` change when two references differ on the wire or in Rust.
pub(super) fn compare_ty(
    out: &mut Changes,
    key: &str,
    kind: Kind,
    (old, old_ty): (&Side<'_>, &Type),
    (new, new_ty): (&Side<'_>, &Type),
) {
    let (was, is) = (old.wire(old_ty), new.wire(new_ty));
    if was != is {
        // The same Rust name for another schema: show where each comes from.
        let detail = if type_name(old_ty) == type_name(new_ty) {
            format!("{} ({})", type_name(old_ty), arrow(was, is))
        } else {
            arrow(type_name(old_ty), type_name(new_ty))
        };
        out.push(key, kind, Class::Breaking, detail);
    }
}

/// Compares two sets of bounds: narrowed is breaking (the client refuses what it sent before),
/// otherwise a difference is additive.
pub(super) fn compare_bounds(out: &mut Changes, key: &str, kind: Kind, old: &Bounds, new: &Bounds) {
    if old == new {
        return;
    }
    let class = if narrowed(old, new) {
        Class::Breaking
    } else {
        Class::Additive
    };
    let show = |b: &Bounds| serde_json::to_string(b).unwrap_or_default();
    out.push(key, kind, class, arrow(show(old), show(new)));
}

fn narrowed(old: &Bounds, new: &Bounds) -> bool {
    fn lower<T: PartialOrd + Copy>(old: Option<T>, new: Option<T>) -> bool {
        match (old, new) {
            (None, Some(_)) => true,
            (Some(o), Some(n)) => n > o,
            _ => false,
        }
    }
    fn upper<T: PartialOrd + Copy>(old: Option<T>, new: Option<T>) -> bool {
        match (old, new) {
            (None, Some(_)) => true,
            (Some(o), Some(n)) => n < o,
            _ => false,
        }
    }
    let changed_or_added = |old: &Option<String>, new: &Option<String>| new.is_some() && old != new;
    lower(old.minimum, new.minimum)
        || upper(old.maximum, new.maximum)
        || (new.exclusive_minimum && !old.exclusive_minimum)
        || (new.exclusive_maximum && !old.exclusive_maximum)
        || lower(old.min_length, new.min_length)
        || upper(old.max_length, new.max_length)
        || lower(old.min_items, new.min_items)
        || upper(old.max_items, new.max_items)
        || (new.multiple_of.is_some() && old.multiple_of != new.multiple_of)
        || changed_or_added(&old.pattern, &new.pattern)
        || changed_or_added(&old.format, &new.format)
        || (!new.values.is_empty() && old.values.iter().any(|v| !new.values.contains(v)))
        || (old.values.is_empty() && !new.values.is_empty())
}

/// Compares two doc comments.
pub(super) fn compare_doc(
    out: &mut Changes,
    key: &str,
    kind: Kind,
    old: Option<&crate::ir::DocText>,
    new: Option<&crate::ir::DocText>,
) {
    if old != new {
        let what = match (old, new) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        out.push(key, kind, Class::Documentation, what);
    }
}

/// Compares every named type.
pub(super) fn compare(out: &mut Changes, old: &Side<'_>, new: &Side<'_>) {
    for (key, def) in &old.types {
        match new.types.get(key) {
            None => out.push(key, Kind::TypeRemoved, Class::Breaking, def.name.clone()),
            Some(now) => compare_def(out, key, (old, def), (new, now)),
        }
    }
    for (key, def) in &new.types {
        if !old.types.contains_key(key) {
            out.push(key, Kind::TypeAdded, Class::Additive, def.name.clone());
        }
    }
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "struct",
        TypeKind::StringEnum(_) => "string enum",
        TypeKind::NumberEnum(_) => "number enum",
        TypeKind::Tagged(_) => "tagged union",
        TypeKind::Untagged(_) => "untagged union",
        TypeKind::Alias(_) => "alias",
        TypeKind::Form(_) => "form",
    }
}

fn compare_def(
    out: &mut Changes,
    key: &str,
    (old, old_def): (&Side<'_>, &TypeDef),
    (new, new_def): (&Side<'_>, &TypeDef),
) {
    if old_def.name != new_def.name {
        out.push(
            key,
            Kind::TypeRenamed,
            Class::Breaking,
            arrow(&old_def.name, &new_def.name),
        );
    }
    compare_doc(
        out,
        key,
        Kind::TypeDoc,
        old_def.doc.as_ref(),
        new_def.doc.as_ref(),
    );
    match (&old_def.kind, &new_def.kind) {
        (TypeKind::Struct(a), TypeKind::Struct(b)) | (TypeKind::Form(a), TypeKind::Form(b)) => {
            compare_struct(out, key, (old, a), (new, b));
        }
        (TypeKind::StringEnum(a), TypeKind::StringEnum(b)) => {
            let wires = |e: &crate::ir::StringEnum| -> BTreeMap<String, String> {
                e.variants
                    .iter()
                    .map(|v| (format!("{:?}", v.wire), v.name.clone()))
                    .collect()
            };
            compare_values(out, key, &wires(a), &wires(b));
        }
        (TypeKind::NumberEnum(a), TypeKind::NumberEnum(b)) => {
            let wires = |e: &crate::ir::NumberEnum| -> BTreeMap<String, String> {
                e.variants
                    .iter()
                    .map(|v| (v.value.to_string(), v.name.clone()))
                    .collect()
            };
            if a.scalar != b.scalar {
                out.push(
                    key,
                    Kind::TypeKind,
                    Class::Breaking,
                    arrow(format!("{:?}", a.scalar), format!("{:?}", b.scalar)),
                );
            }
            compare_values(out, key, &wires(a), &wires(b));
        }
        (TypeKind::Tagged(a), TypeKind::Tagged(b)) => {
            if a.tag != b.tag {
                out.push(key, Kind::TypeKind, Class::Breaking, arrow(&a.tag, &b.tag));
            }
            let variants = |side: &Side<'_>, t: &crate::ir::Tagged| {
                t.variants
                    .iter()
                    .flat_map(|v| {
                        let payload = v.ty.as_ref().map(|ty| (side.wire(ty), type_name(ty)));
                        v.tags
                            .iter()
                            .map(move |tag| (format!("{tag:?}"), (v.name.clone(), payload.clone())))
                    })
                    .collect::<BTreeMap<_, _>>()
            };
            compare_variants(out, key, variants(old, a), variants(new, b));
        }
        (TypeKind::Untagged(a), TypeKind::Untagged(b)) => {
            // Variants without a tag are known by their payload.
            let variants = |side: &Side<'_>, u: &crate::ir::Untagged| {
                u.variants
                    .iter()
                    .map(|v| {
                        let wire = side.wire(&v.ty);
                        (
                            wire.clone(),
                            (v.name.clone(), Some((wire, type_name(&v.ty)))),
                        )
                    })
                    .collect::<BTreeMap<_, _>>()
            };
            compare_variants(out, key, variants(old, a), variants(new, b));
        }
        (TypeKind::Alias(a), TypeKind::Alias(b)) => {
            compare_ty(out, key, Kind::TypeKind, (old, a), (new, b));
        }
        (a, b) => out.push(
            key,
            Kind::TypeKind,
            Class::Breaking,
            arrow(kind_name(a), kind_name(b)),
        ),
    }
}

/// Enum values by wire value, with their Rust variant names.
fn compare_values(
    out: &mut Changes,
    key: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) {
    for (wire, name) in old {
        let at = format!("{key} value {wire}");
        match new.get(wire) {
            None => out.push(at, Kind::EnumValueRemoved, Class::Breaking, name.clone()),
            Some(now) if now != name => {
                out.push(at, Kind::TypeRenamed, Class::Breaking, arrow(name, now))
            }
            Some(_) => {}
        }
    }
    for (wire, name) in new {
        if !old.contains_key(wire) {
            out.push(
                format!("{key} value {wire}"),
                Kind::EnumValueAdded,
                Class::Additive,
                name.clone(),
            );
        }
    }
}

/// A union's variants: Rust name and payload (wire form, Rust form) by wire key.
type Variants = BTreeMap<String, (String, Option<(String, String)>)>;

fn compare_variants(out: &mut Changes, key: &str, old: Variants, new: Variants) {
    for (wire, (name, payload)) in &old {
        let at = format!("{key} variant {wire}");
        match new.get(wire) {
            None => out.push(at, Kind::VariantRemoved, Class::Breaking, name.clone()),
            Some((now, now_payload)) => {
                if now != name {
                    out.push(&at, Kind::TypeRenamed, Class::Breaking, arrow(name, now));
                }
                if payload.as_ref().map(|p| &p.0) != now_payload.as_ref().map(|p| &p.0) {
                    let show = |p: &Option<(String, String)>| {
                        p.as_ref().map_or("()".to_owned(), |p| p.1.clone())
                    };
                    out.push(
                        &at,
                        Kind::VariantChanged,
                        Class::Breaking,
                        arrow(show(payload), show(now_payload)),
                    );
                }
            }
        }
    }
    for (wire, (name, _)) in &new {
        if !old.contains_key(wire) {
            out.push(
                format!("{key} variant {wire}"),
                Kind::VariantAdded,
                Class::Additive,
                name.clone(),
            );
        }
    }
}

/// Whether `new` takes the field as an argument.
fn in_constructor(field: &Field) -> bool {
    field.required && field.fixed.is_none()
}

fn compare_struct(
    out: &mut Changes,
    key: &str,
    (old, a): (&Side<'_>, &Struct),
    (new, b): (&Side<'_>, &Struct),
) {
    let fields = |s: &Struct| -> BTreeMap<String, Field> {
        s.fields
            .iter()
            .map(|f| (f.wire.clone(), f.clone()))
            .collect()
    };
    let (old_fields, new_fields) = (fields(a), fields(b));
    for (wire, f) in &old_fields {
        let at = format!("{key} property {wire}");
        let Some(g) = new_fields.get(wire) else {
            out.push(at, Kind::FieldRemoved, Class::Breaking, f.name.clone());
            continue;
        };
        if f.name != g.name {
            out.push(
                &at,
                Kind::FieldRenamed,
                Class::Breaking,
                arrow(&f.name, &g.name),
            );
        }
        compare_ty(out, &at, Kind::FieldType, (old, &f.ty), (new, &g.ty));
        let shape = |f: &Field| {
            let optional = if f.is_option() { "Option" } else { "plain" };
            let constructor = if in_constructor(f) { ", in new" } else { "" };
            format!("{optional}{constructor}")
        };
        if f.is_option() != g.is_option() || in_constructor(f) != in_constructor(g) {
            out.push(
                &at,
                Kind::FieldRequired,
                Class::Breaking,
                arrow(shape(f), shape(g)),
            );
        } else if f.required != g.required || f.nullable != g.nullable {
            let wire = |f: &Field| {
                format!(
                    "{}{}",
                    if f.required { "required" } else { "optional" },
                    if f.nullable { ", nullable" } else { "" }
                )
            };
            out.push(
                &at,
                Kind::FieldNullable,
                Class::Additive,
                arrow(wire(f), wire(g)),
            );
        }
        if f.fixed != g.fixed {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref().map_or("none".to_owned(), ToString::to_string)
            };
            out.push(
                &at,
                Kind::FieldFixed,
                Class::Breaking,
                arrow(show(&f.fixed), show(&g.fixed)),
            );
        }
        compare_bounds(out, &at, Kind::FieldBounds, &f.bounds, &g.bounds);
        compare_doc(out, &at, Kind::FieldDoc, f.doc.as_ref(), g.doc.as_ref());
    }
    for (wire, g) in &new_fields {
        if old_fields.contains_key(wire) {
            continue;
        }
        let class = if in_constructor(g) {
            Class::Breaking
        } else {
            Class::Additive
        };
        let what = if g.fixed.is_some() {
            "fixed"
        } else if g.required {
            "required"
        } else {
            "optional"
        };
        out.push(
            format!("{key} property {wire}"),
            Kind::FieldAdded,
            class,
            format!("{}: {} ({what})", g.name, type_name(&g.ty)),
        );
    }
    match (&a.additional, &b.additional) {
        (None, None) => {}
        (Some((name, ty)), Some((now, now_ty))) => {
            let at = format!("{key} additionalProperties");
            if name != now {
                out.push(&at, Kind::FieldRenamed, Class::Breaking, arrow(name, now));
            }
            compare_ty(out, &at, Kind::FieldType, (old, ty), (new, now_ty));
        }
        (None, Some((name, _))) => out.push(
            format!("{key} additionalProperties"),
            Kind::FieldAdded,
            Class::Additive,
            name.clone(),
        ),
        (Some((name, _)), None) => out.push(
            format!("{key} additionalProperties"),
            Kind::FieldRemoved,
            Class::Breaking,
            name.clone(),
        ),
    }
}
