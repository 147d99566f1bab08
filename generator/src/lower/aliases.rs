//! Type aliases that refer to themselves (`A: {$ref: B}`, `B: {$ref: A}`, or an array whose items
//! come back to it) would be types of infinite size: each alias on such a cycle becomes any JSON
//! value, with a warning naming its schema.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::Diagnostic;
use crate::ir::{Scalar, Type, TypeDef, TypeKind};

/// The named types a type mentions, through every wrapper: an alias is expanded where it is
/// used, so even a `Vec` of itself is infinite.
fn named(ty: &Type, out: &mut BTreeSet<String>) {
    match ty {
        Type::Named(name) => {
            out.insert(name.clone());
        }
        Type::List(inner) | Type::Map(inner) | Type::Option(inner) | Type::Boxed(inner) => {
            named(inner, out);
        }
        Type::Scalar(_) => {}
    }
}

/// Turns every alias that reaches itself through other aliases into an alias of a JSON value,
/// and returns a warning for each, in the order of the types.
pub(super) fn break_cycles(types: &mut [TypeDef]) -> Vec<Diagnostic> {
    let mut graph: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for def in types.iter() {
        if let TypeKind::Alias(ty) = &def.kind {
            let mut targets = BTreeSet::new();
            named(ty, &mut targets);
            graph.insert(def.name.as_str(), targets);
        }
    }
    // Peel aliases that lead to no remaining alias; what is left is on a cycle or leads into one.
    loop {
        let done: Vec<&str> = graph
            .iter()
            .filter(|(_, targets)| !targets.iter().any(|t| graph.contains_key(t.as_str())))
            .map(|(name, _)| *name)
            .collect();
        if done.is_empty() {
            break;
        }
        for name in done {
            graph.remove(name);
        }
    }
    let on_cycle: BTreeMap<String, Vec<String>> = graph
        .keys()
        .filter_map(|start| path_back(&graph, start).map(|path| ((*start).to_owned(), path)))
        .collect();
    let mut warnings = Vec::new();
    for def in types.iter_mut() {
        let Some(path) = on_cycle.get(&def.name) else {
            continue;
        };
        warnings.push(Diagnostic::new(
            def.origin.clone(),
            format!(
                "the schema refers to itself through type aliases only ({}), which no value \
                 ends; it is read as any JSON value",
                path.join(" -> ")
            ),
        ));
        def.kind = TypeKind::Alias(Type::Scalar(Scalar::Json));
    }
    warnings
}

/// The shortest path of aliases from `start` back to itself, if there is one.
fn path_back(graph: &BTreeMap<&str, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(name) = queue.pop_front() {
        for next in graph.get(name).into_iter().flatten() {
            let Some((next, _)) = graph.get_key_value(next.as_str()) else {
                continue;
            };
            if *next == start {
                let mut path = vec![start.to_owned()];
                let mut at = name;
                while at != start {
                    path.push(at.to_owned());
                    at = previous.get(at).copied().unwrap_or(start);
                }
                path.push(start.to_owned());
                let last = path.len() - 1;
                path[1..last].reverse();
                return Some(path);
            }
            if !previous.contains_key(next) {
                previous.insert(next, name);
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(name: &str, ty: Type) -> TypeDef {
        TypeDef {
            name: name.to_owned(),
            doc: None,
            origin: format!("#/components/schemas/{name}"),
            kind: TypeKind::Alias(ty),
        }
    }

    #[test]
    fn aliases_on_a_cycle_become_json_and_others_stay() {
        let named = |n: &str| Type::Named(n.to_owned());
        let mut types = vec![
            alias("A", named("B")),
            alias("B", named("A")),
            alias("L", Type::List(Box::new(named("L")))),
            alias("C", Type::Option(Box::new(named("A")))),
            alias("D", named("E")),
            alias("E", Type::Scalar(Scalar::String)),
        ];
        let warnings: Vec<String> = break_cycles(&mut types)
            .iter()
            .map(|d| format!("{}: {}", d.pointer, d.message))
            .collect();
        assert_eq!(warnings.len(), 3, "{warnings:#?}");
        assert!(warnings[0].starts_with("#/components/schemas/A: "));
        assert!(warnings[0].contains("(A -> B -> A)"), "{}", warnings[0]);
        assert!(warnings[2].contains("(L -> L)"), "{}", warnings[2]);
        let json = TypeKind::Alias(Type::Scalar(Scalar::Json));
        for (def, broken) in types.iter().zip([true, true, true, false, false, false]) {
            assert_eq!(def.kind == json, broken, "{}", def.name);
        }
    }
}
