//! Types written in place that have the same shape become one type: the first, in document
//! order, keeps its definition; each other becomes an alias of it (`pub type Other = First;`), so
//! that every name stays and large documents that repeat a schema inline compile once per shape.
//!
//! Two types have the same shape when they are the same kind with the same Rust and wire names,
//! the same required and nullable flags, bounds and fixed values, and types that refer to types of
//! the same shape (recursion included). Documentation does not count: the first keeps its own.
//! Component schemas keep their definitions (their names are the document's); only types
//! derived from a place inside a schema, a parameter or a body merge.

use std::collections::BTreeMap;

use crate::ir::{Type, TypeDef, TypeKind};

use super::SCHEMA_PREFIX;

/// Whether a type may become an alias of another of the same shape: one written in place, of a
/// kind that is a definition (forms stay with their operations).
fn mergeable(def: &TypeDef) -> bool {
    let component = def
        .origin
        .strip_prefix(SCHEMA_PREFIX)
        .is_some_and(|name| !name.contains('/'));
    !component
        && matches!(
            def.kind,
            TypeKind::Struct(_)
                | TypeKind::StringEnum(_)
                | TypeKind::NumberEnum(_)
                | TypeKind::Tagged(_)
                | TypeKind::Untagged(_)
        )
}

/// Every type reference a kind holds, through every wrapper.
fn references(kind: &mut TypeKind, visit: &mut impl FnMut(&mut String)) {
    fn walk(ty: &mut Type, visit: &mut impl FnMut(&mut String)) {
        match ty {
            Type::Named(name) => visit(name),
            Type::List(inner) | Type::Map(inner) | Type::Option(inner) | Type::Boxed(inner) => {
                walk(inner, visit);
            }
            Type::Scalar(_) => {}
        }
    }
    match kind {
        TypeKind::Struct(s) | TypeKind::Form(s) => {
            for field in &mut s.fields {
                walk(&mut field.ty, visit);
            }
            if let Some((_, ty)) = &mut s.additional {
                walk(ty, visit);
            }
        }
        TypeKind::Tagged(t) => {
            for ty in t.variants.iter_mut().filter_map(|v| v.ty.as_mut()) {
                walk(ty, visit);
            }
        }
        TypeKind::Untagged(u) => {
            for variant in &mut u.variants {
                walk(&mut variant.ty, visit);
            }
        }
        TypeKind::Alias(ty) => walk(ty, visit),
        TypeKind::StringEnum(_) | TypeKind::NumberEnum(_) => {}
    }
}

/// A kind without its documentation, which does not count towards its shape.
fn undocumented(kind: &TypeKind) -> TypeKind {
    let mut kind = kind.clone();
    match &mut kind {
        TypeKind::Struct(s) | TypeKind::Form(s) => {
            for field in &mut s.fields {
                field.doc = None;
            }
        }
        TypeKind::Tagged(t) => {
            for variant in &mut t.variants {
                variant.doc = None;
            }
        }
        TypeKind::Untagged(u) => {
            for variant in &mut u.variants {
                variant.doc = None;
            }
        }
        TypeKind::StringEnum(_) | TypeKind::NumberEnum(_) | TypeKind::Alias(_) => {}
    }
    kind
}

/// Turns each mergeable type that has the shape of an earlier one into an alias of the earliest,
/// and returns how many did.
///
/// The classes of equal shape are found by refinement: all mergeable types start in one class,
/// and a class splits while its members differ once each reference is replaced by the class of
/// the type it names (a type that is not mergeable is a class of its own). What remains when no
/// class splits is the coarsest partition in which members refer alike, so that two recursive
/// types of one shape end in one class. Each round splits along one more level of references
/// between mergeable types, so there are about as many rounds as schemas nest in place (lowering
/// stops nesting at 64), not as many as there are types.
pub(super) fn merge(types: &mut [TypeDef]) -> usize {
    let candidates: Vec<usize> = (0..types.len())
        .filter(|&index| mergeable(&types[index]))
        .collect();
    if candidates.len() < 2 {
        return 0;
    }
    let shapes: Vec<TypeKind> = candidates
        .iter()
        .map(|&index| undocumented(&types[index].kind))
        .collect();
    // The class of each mergeable type, by name.
    let mut class: BTreeMap<&str, usize> = candidates
        .iter()
        .map(|&index| (types[index].name.as_str(), 0))
        .collect();
    let mut count = 1;
    loop {
        let mut ids: BTreeMap<(usize, String), usize> = BTreeMap::new();
        let mut next: Vec<usize> = Vec::with_capacity(candidates.len());
        for (position, &index) in candidates.iter().enumerate() {
            let mut shape = shapes[position].clone();
            references(&mut shape, &mut |name| {
                *name = match class.get(name.as_str()) {
                    Some(id) => format!("#{id}"),
                    None => format!("={name}"),
                };
            });
            let key = serde_json::to_string(&shape).unwrap_or_default();
            let old = class.get(types[index].name.as_str()).copied().unwrap_or(0);
            let fresh = ids.len();
            next.push(*ids.entry((old, key)).or_insert(fresh));
        }
        let refined = ids.len();
        for (&index, id) in candidates.iter().zip(next) {
            class.insert(types[index].name.as_str(), id);
        }
        if refined == count {
            break;
        }
        count = refined;
    }
    let mut first: BTreeMap<usize, String> = BTreeMap::new();
    let mut aliases: Vec<(usize, String)> = Vec::new();
    for &index in &candidates {
        let name = types[index].name.as_str();
        let id = class.get(name).copied().unwrap_or_default();
        match first.get(&id) {
            Some(canonical) => aliases.push((index, canonical.clone())),
            None => {
                first.insert(id, name.to_owned());
            }
        }
    }
    for (index, canonical) in &aliases {
        types[*index].kind = TypeKind::Alias(Type::Named(canonical.clone()));
    }
    aliases.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Bounds, DocText, Field, Scalar, Struct};

    fn field(name: &str, ty: Type, required: bool, doc: &str) -> Field {
        Field {
            name: name.to_owned(),
            wire: name.to_owned(),
            ty,
            required,
            nullable: false,
            doc: Some(DocText::new(doc)),
            bounds: Bounds::default(),
            fixed: None,
        }
    }

    fn inline(name: &str, fields: Vec<Field>) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            doc: Some(DocText::new(name)),
            origin: format!("#/paths/~1{name}/get/responses/200"),
            kind: TypeKind::Struct(Struct {
                fields,
                additional: None,
            }),
        }
    }

    fn named(name: &str) -> Type {
        Type::Named(name.to_owned())
    }

    fn boxed(name: &str) -> Type {
        Type::Option(Box::new(Type::Boxed(Box::new(named(name)))))
    }

    fn aliased(types: &[TypeDef]) -> Vec<(String, String)> {
        types
            .iter()
            .filter_map(|def| match &def.kind {
                TypeKind::Alias(Type::Named(to)) => Some((def.name.clone(), to.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn same_shapes_merge_into_the_first_through_nesting_and_recursion() {
        let string = Type::Scalar(Scalar::String);
        let mut types = vec![
            inline("A", vec![field("x", string.clone(), true, "one")]),
            inline("B", vec![field("x", string.clone(), true, "two")]),
            inline("C", vec![field("x", string.clone(), false, "one")]),
            inline("PA", vec![field("inner", named("A"), true, "")]),
            inline("PB", vec![field("inner", named("B"), true, "")]),
            inline("PC", vec![field("inner", named("C"), true, "")]),
            inline("RA", vec![field("next", boxed("RA"), false, "")]),
            inline("RB", vec![field("next", boxed("RB"), false, "")]),
        ];
        let component = TypeDef {
            origin: String::from("#/components/schemas/D"),
            ..inline("D", vec![field("x", string, true, "one")])
        };
        types.push(component);
        assert_eq!(merge(&mut types), 3);
        let expected = [("B", "A"), ("PB", "PA"), ("RB", "RA")];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(aliased(&types), expected);
        assert_eq!(
            types[1].doc,
            Some(DocText::new("B")),
            "an alias keeps its doc"
        );
    }

    #[test]
    fn references_to_different_components_keep_types_apart() {
        let mut types = vec![
            inline("A", vec![field("x", named("One"), true, "")]),
            inline("B", vec![field("x", named("Two"), true, "")]),
        ];
        assert_eq!(merge(&mut types), 0);
        assert!(aliased(&types).is_empty());
    }
}
