//! Breaking cycles of types that contain each other by value, by boxing the edges of the cycle.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Type, TypeDef, TypeKind};

/// The named types a type holds by value (not behind a `Vec` or a map).
fn by_value(ty: &Type, out: &mut BTreeSet<String>) {
    match ty {
        Type::Named(name) => {
            out.insert(name.clone());
        }
        Type::Option(inner) => by_value(inner, out),
        Type::Scalar(_) | Type::List(_) | Type::Map(_) | Type::Boxed(_) => {}
    }
}

fn slots(kind: &mut TypeKind) -> Vec<&mut Type> {
    match kind {
        TypeKind::Struct(s) | TypeKind::Form(s) => s.fields.iter_mut().map(|f| &mut f.ty).collect(),
        TypeKind::Tagged(t) => t
            .variants
            .iter_mut()
            .filter_map(|v| v.ty.as_mut())
            .collect(),
        TypeKind::Untagged(u) => u.variants.iter_mut().map(|v| &mut v.ty).collect(),
        TypeKind::Alias(ty) => vec![ty],
        TypeKind::StringEnum(_) | TypeKind::NumberEnum(_) => Vec::new(),
    }
}

/// Boxes every by-value reference from a type to a type that reaches it back by value.
pub(super) fn box_cycles(types: &mut [TypeDef]) {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for def in types.iter_mut() {
        let mut targets = BTreeSet::new();
        for slot in slots(&mut def.kind) {
            by_value(slot, &mut targets);
        }
        graph.insert(def.name.clone(), targets);
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if seen.insert(node.clone()) {
                stack.extend(graph.get(&node).into_iter().flatten().cloned());
            }
        }
        false
    };
    for def in types.iter_mut() {
        let owner = def.name.clone();
        for slot in slots(&mut def.kind) {
            let mut targets = BTreeSet::new();
            by_value(slot, &mut targets);
            if targets.iter().any(|target| reaches(target, &owner)) {
                let inner = std::mem::replace(slot, Type::Scalar(crate::ir::Scalar::Json));
                *slot = Type::Boxed(Box::new(inner));
            }
        }
    }
}
