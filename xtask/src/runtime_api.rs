//! The public items of the hand-written runtime (`templates/src/runtime`), as signatures without
//! bodies or docs, so that two trees can be compared for a release.
//!
//! An item counts when it is declared `pub` (not `pub(crate)`) in a runtime file other than a
//! test file: functions, methods of inherent and trait impls, structs with their `pub` fields,
//! enums, traits, type aliases, constants and re-exports. Items `pub` inside a private module
//! count too, so the list is a little wider than what a caller can name.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use generator::diff::Class;
use quote::ToTokens;

use crate::diff::{Tree, git};

/// Where the runtime's sources are.
const RUNTIME: &str = "templates/src/runtime";

/// The runtime's public items of a tree: a key (`client::ClientBuilder::build`) to a signature.
pub fn items(root: &Path, tree: &Tree) -> Result<BTreeMap<String, String>> {
    let files: Vec<String> = match tree {
        Tree::Work => {
            let mut files = Vec::new();
            let mut stack = vec![root.join(RUNTIME)];
            while let Some(dir) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries {
                    let path = entry?.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if let Ok(relative) = path.strip_prefix(root) {
                        files.push(relative.to_string_lossy().replace('\\', "/"));
                    }
                }
            }
            files
        }
        Tree::Rev(rev) => git(root, &["ls-tree", "-r", "--name-only", rev, RUNTIME])?
            .lines()
            .map(str::to_owned)
            .collect(),
    };
    let mut out = BTreeMap::new();
    for file in files {
        let Some(module) = file
            .strip_prefix(&format!("{RUNTIME}/"))
            .and_then(|f| f.strip_suffix(".rs"))
        else {
            continue;
        };
        if module == "tests" || module.ends_with("_tests") || module.ends_with("/tests") {
            continue;
        }
        let Some(text) = tree.read(root, &file)? else {
            continue;
        };
        let syntax = syn::parse_file(&text).with_context(|| format!("{file} is not valid Rust"))?;
        let module = module.trim_end_matches("/mod").replace('/', "::");
        collect(&mut out, &module, &syntax.items);
    }
    Ok(out)
}

fn public(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn text(tokens: impl ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

fn collect(out: &mut BTreeMap<String, String>, module: &str, items: &[syn::Item]) {
    for item in items {
        let mut item = item.clone();
        match &mut item {
            syn::Item::Fn(f) if public(&f.vis) => {
                out.insert(format!("{module}::{}", f.sig.ident), text(&f.sig));
            }
            syn::Item::Struct(s) if public(&s.vis) => {
                s.attrs.retain(|a| !a.path().is_ident("doc"));
                for field in &mut s.fields {
                    field.attrs.clear();
                }
                let fields = match &s.fields {
                    syn::Fields::Named(named) => named
                        .named
                        .iter()
                        .filter(|f| public(&f.vis))
                        .map(text)
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => text(other),
                };
                let non_exhaustive = s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
                out.insert(
                    format!("{module}::{}", s.ident),
                    format!(
                        "struct {}{} {{ {fields} }}{}",
                        s.ident,
                        text(&s.generics),
                        if non_exhaustive {
                            " #[non_exhaustive]"
                        } else {
                            ""
                        }
                    ),
                );
            }
            syn::Item::Enum(e) if public(&e.vis) => {
                // Each variant on its own, so that a new variant of a `#[non_exhaustive]` enum
                // reads as the addition it is.
                let non_exhaustive = e.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
                out.insert(
                    format!("{module}::{}", e.ident),
                    format!(
                        "enum {}{}{}",
                        e.ident,
                        text(&e.generics),
                        if non_exhaustive {
                            " #[non_exhaustive]"
                        } else {
                            ""
                        }
                    ),
                );
                for variant in &mut e.variants {
                    variant.attrs.clear();
                    for field in &mut variant.fields {
                        field.attrs.clear();
                    }
                    let tag = if non_exhaustive {
                        NON_EXHAUSTIVE_VARIANT
                    } else {
                        ""
                    };
                    out.insert(
                        format!("{module}::{}::{}", e.ident, variant.ident),
                        format!("{tag}{}", text(&*variant)),
                    );
                }
            }
            syn::Item::Trait(t) if public(&t.vis) => {
                let signatures: Vec<String> = t
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        syn::TraitItem::Fn(f) => Some(text(&f.sig)),
                        syn::TraitItem::Type(ty) => Some(format!("type {}", ty.ident)),
                        _ => None,
                    })
                    .collect();
                out.insert(
                    format!("{module}::{}", t.ident),
                    format!("trait {} {{ {} }}", t.ident, signatures.join("; ")),
                );
            }
            syn::Item::Type(t) if public(&t.vis) => {
                t.attrs.clear();
                out.insert(format!("{module}::{}", t.ident), text(&*t));
            }
            syn::Item::Const(c) if public(&c.vis) => {
                out.insert(
                    format!("{module}::{}", c.ident),
                    format!("const {}: {}", c.ident, text(&c.ty)),
                );
            }
            syn::Item::Use(u) if public(&u.vis) => {
                let mut leaves = Vec::new();
                use_leaves(&u.tree, String::new(), &mut leaves);
                for leaf in leaves {
                    out.insert(format!("{module}::pub use {leaf}"), leaf);
                }
            }
            syn::Item::Impl(i) => {
                let target = text(&i.self_ty);
                let trait_name = i.trait_.as_ref().map(|(path, _)| text(path));
                let in_trait = trait_name.is_some();
                if let Some(name) = &trait_name {
                    out.insert(
                        format!("{module}::impl {name} for {target}"),
                        format!("impl {name} for {target}"),
                    );
                }
                for inner in &i.items {
                    if let syn::ImplItem::Fn(f) = inner
                        && (in_trait || public(&f.vis))
                    {
                        let owner = trait_name
                            .as_ref()
                            .map_or_else(|| target.clone(), |t| format!("<{target} as {t}>"));
                        out.insert(format!("{module}::{owner}::{}", f.sig.ident), text(&f.sig));
                    }
                }
            }
            syn::Item::Mod(m) if public(&m.vis) => {
                if let Some((_, inner)) = &m.content {
                    collect(out, &format!("{module}::{}", m.ident), inner);
                }
            }
            _ => {}
        }
    }
}

/// Marks a variant of a `#[non_exhaustive]` enum, which may be added without a break.
const NON_EXHAUSTIVE_VARIANT: &str = "(non-exhaustive) ";

/// The paths a `use` tree names (`error::Error`, `ws::WsConfig as Config`).
fn use_leaves(tree: &syn::UseTree, prefix: String, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(path) => {
            use_leaves(&path.tree, format!("{prefix}{}::", path.ident), out)
        }
        syn::UseTree::Name(name) => out.push(format!("{prefix}{}", name.ident)),
        syn::UseTree::Rename(rename) => {
            out.push(format!("{prefix}{} as {}", rename.ident, rename.rename));
        }
        syn::UseTree::Glob(_) => out.push(format!("{prefix}*")),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_leaves(tree, prefix.clone(), out);
            }
        }
    }
}

/// The changes between two lists of items, each with its class: a removed or changed item is
/// breaking, a new one additive.
pub fn compare(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Vec<(Class, String)> {
    let mut out = Vec::new();
    for (key, signature) in old {
        match new.get(key) {
            None => out.push((Class::Breaking, format!("removed `{key}`"))),
            Some(now) if now != signature => out.push((
                Class::Breaking,
                format!("changed `{key}`: `{signature}` -> `{now}`"),
            )),
            Some(_) => {}
        }
    }
    for (key, signature) in new {
        if old.contains_key(key) {
            continue;
        }
        // A new variant breaks an exhaustive match unless the enum is `#[non_exhaustive]`.
        // (Variants of a new enum come with it.)
        let enum_variant = key
            .rsplit_once("::")
            .filter(|(owner, _)| old.contains_key(*owner))
            .and_then(|(owner, _)| new.get(owner))
            .is_some_and(|owner| owner.starts_with("enum "));
        if enum_variant && !signature.starts_with(NON_EXHAUSTIVE_VARIANT) {
            out.push((
                Class::Breaking,
                format!("added `{key}` to an exhaustive enum"),
            ));
        } else {
            out.push((Class::Additive, format!("added `{key}`")));
        }
    }
    out
}
