//! The diff of two lowered APIs: one pair of small specs per kind of change, each with the class
//! it must get (`diff/<case>/expected`; `<side>.asyncapi.yml` beside a side adds its WebSocket
//! channels), and the Cartesia versions 2024-11-13 -> 2025-04-16 as a
//! snapshot.

use std::path::Path;

use generator::diff::{Class, Kind, diff};
use generator::ir::{Api, Type, TypeKind};
use generator::{Config, asyncapi, load, lower, lower_with};

fn lower_file(path: &Path) -> Api {
    let document = load::load(path).expect("fixture loads");
    // `old.yml` may have its WebSocket channels in `old.asyncapi.yml`.
    let channels = path.with_extension("asyncapi.yml");
    if channels.is_file() {
        let channels = asyncapi::load_with_overlay(&channels, None).expect("AsyncAPI loads");
        return lower_with(&document, Some(&channels), &Config::default())
            .expect("fixture lowers")
            .api;
    }
    lower(&document, &Config::default())
        .expect("fixture lowers")
        .api
}

#[test]
fn fixture_pairs() {
    insta::glob!("diff/*/old.yml", |old| {
        let dir = old.parent().expect("case folder");
        let case = dir.file_name().expect("case name").to_string_lossy();
        let expected = std::fs::read_to_string(dir.join("expected")).expect("expected file");
        let (class, kind) = expected
            .trim()
            .split_once(' ')
            .expect("`expected` holds a class and a kind");
        let found = diff(&lower_file(old), &lower_file(&dir.join("new.yml")));
        assert_eq!(
            found.class().map(Class::as_str),
            Some(class),
            "{case}: class\n{}",
            found.table()
        );
        assert!(
            found
                .changes
                .iter()
                .any(|c| c.kind.as_str() == kind && c.class.as_str() == class),
            "{case}: no {kind} change of class {class}\n{}",
            found.table()
        );
        insta::assert_snapshot!(found.table());
    });
}

#[test]
fn same_api_has_no_change() {
    let api =
        lower_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff/type_added/old.yml"));
    let found = diff(&api, &api);
    assert_eq!(found.class(), None);
    assert!(found.changes.is_empty());
}

/// A Rust name changed with the wire unchanged (another collision suffix, say) is one rename,
/// not a removed type, an added one and every use of it changed.
#[test]
fn renamed_type_is_one_change() {
    let old =
        lower_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff/type_added/old.yml"));
    let mut new = old.clone();
    let rename = |ty: &mut Type| {
        if *ty == Type::Named("Status".to_owned()) {
            *ty = Type::Named("Status2".to_owned());
        }
    };
    for def in &mut new.types {
        if def.name == "Status" {
            def.name = "Status2".to_owned();
        }
        if let TypeKind::Struct(s) = &mut def.kind {
            for field in &mut s.fields {
                rename(&mut field.ty);
            }
        }
    }
    let found = diff(&old, &new);
    assert_eq!(found.changes.len(), 1, "{}", found.table());
    let change = &found.changes[0];
    assert_eq!(change.kind, Kind::TypeRenamed);
    assert_eq!(change.class, Class::Breaking);
    assert_eq!(change.key, "#/components/schemas/Status");
    assert_eq!(change.detail, "Status -> Status2");
}

fn cartesia(version: &str) -> Api {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let overlay = specs.join("asyncapi.overlay.yml");
    let channels = asyncapi::load_with_overlay(
        &specs.join("asyncapi.yml"),
        overlay.is_file().then_some(overlay.as_path()),
    )
    .expect("AsyncAPI document loads");
    let overlay = specs.join(version).join("overlay.yml");
    let document = load::load_with_overlay(
        &specs.join(version).join("api.yml"),
        overlay.is_file().then_some(overlay.as_path()),
    )
    .expect("spec loads");
    lower_with(
        &document,
        Some(&channels),
        &Config {
            api_version: Some(version.to_owned()),
            version_header: Some("Cartesia-Version".to_owned()),
            ..Config::default()
        },
    )
    .expect("spec lowers")
    .api
}

#[test]
fn cartesia_2024_11_13_to_2025_04_16() {
    let found = diff(&cartesia("2024-11-13"), &cartesia("2025-04-16"));
    assert_eq!(found.class(), Some(Class::Breaking));
    // Sorted, and the JSON is the same every time.
    assert!(found.changes.is_sorted());
    assert_eq!(found.to_json(), found.clone().to_json());
    insta::assert_snapshot!(found.table());
}
