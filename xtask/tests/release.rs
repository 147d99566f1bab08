//! `cargo xtask diff` inputs and `cargo xtask release`: the version rules, the runtime's public
//! items, and a release planned in a scratch git repository against its tag.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use generator::diff::{Change, Class, Diff, Kind};
use xtask::diff::{Input, Tree, parse_input, parse_range};
use xtask::release::{Version, plan, visible_break};
use xtask::{codegen, runtime_api};

#[test]
fn versions_bump_as_cargo_reads_semver() {
    let cases = [
        ((0, 1, 0), Class::Breaking, (0, 2, 0)),
        ((0, 1, 3), Class::Additive, (0, 1, 4)),
        ((0, 1, 3), Class::Documentation, (0, 1, 4)),
        ((1, 2, 3), Class::Breaking, (2, 0, 0)),
        ((1, 2, 3), Class::Additive, (1, 3, 0)),
        ((1, 2, 3), Class::Documentation, (1, 2, 4)),
    ];
    for ((a, b, c), class, (x, y, z)) in cases {
        assert_eq!(
            Version(a, b, c).bump(class),
            Version(x, y, z),
            "{a}.{b}.{c} {class:?}"
        );
    }
    assert_eq!(Version::parse("0.10.2"), Some(Version(0, 10, 2)));
    assert_eq!(Version::parse("1.2"), None);
    assert_eq!(Version::parse("1.2.3.4"), None);
}

#[test]
fn inputs_are_files_folders_versions_or_revisions() {
    let root = codegen::workspace_root();
    assert_eq!(
        parse_input(&root, "2025-04-16", None).expect("version"),
        Input::Version {
            tree: Tree::Work,
            version: "2025-04-16".to_owned()
        }
    );
    assert_eq!(
        parse_input(&root, "HEAD~3:specs/2025-04-16", None).expect("revision"),
        Input::Version {
            tree: Tree::Rev("HEAD~3".to_owned()),
            version: "2025-04-16".to_owned()
        }
    );
    let spec = root.join("specs/2025-04-16/api.yml");
    assert_eq!(
        parse_input(&root, &spec.to_string_lossy(), None).expect("file"),
        Input::File {
            spec: spec.clone(),
            overlay: Some(root.join("specs/2025-04-16/overlay.yml")),
        },
        "an api.yml brings the overlay.yml beside it"
    );
    let other = root.join("specs/2024-11-13/overlay.yml");
    assert_eq!(
        parse_input(&root, &spec.to_string_lossy(), Some(other.clone())).expect("file"),
        Input::File {
            spec,
            overlay: Some(other)
        },
        "a given overlay wins"
    );
    assert!(parse_input(&root, "1999-01-01", None).is_err());
    assert_eq!(
        parse_range("v1..HEAD"),
        Some((Tree::Rev("v1".to_owned()), Tree::Rev("HEAD".to_owned())))
    );
    assert_eq!(
        parse_range("v1.."),
        Some((Tree::Rev("v1".to_owned()), Tree::Work))
    );
    assert_eq!(parse_range("2025-04-16"), None);
}

fn runtime(dir: &Path, source: &str) -> BTreeMap<String, String> {
    let file = dir.join("templates/src/runtime/client.rs");
    fs::create_dir_all(file.parent().expect("parent")).expect("runtime folder");
    fs::write(&file, source).expect("runtime file");
    runtime_api::items(dir, &Tree::Work).expect("items")
}

#[test]
fn runtime_items_compare_by_signature() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = runtime(
        dir.path(),
        r"
        /// Docs do not count.
        pub struct Client { pub base: String, secret: String }
        impl Client {
            pub fn get(&self, path: &str) -> String { String::new() }
            fn private(&self) {}
        }
        #[non_exhaustive]
        pub enum Kind { A, B }
        pub enum Closed { A }
        pub(crate) fn internal() {}
        pub use self::Client as Alias;
        ",
    );
    let same = runtime(
        dir.path(),
        r"
        pub struct Client { pub base: String, other: u8 }
        impl Client {
            /// Now documented.
            pub fn get(&self, path: &str) -> String { path.to_owned() }
        }
        #[non_exhaustive]
        pub enum Kind { A, B }
        pub enum Closed { A }
        pub(crate) fn internal(x: u8) {}
        pub use self::Client as Alias;
        ",
    );
    assert!(
        runtime_api::compare(&old, &same).is_empty(),
        "{:?}",
        runtime_api::compare(&old, &same)
    );
    let new = runtime(
        dir.path(),
        r"
        pub struct Client { pub base: String }
        impl Client {
            pub fn get(&self, path: &str, retry: bool) -> String { String::new() }
            pub fn post(&self) {}
        }
        #[non_exhaustive]
        pub enum Kind { A, B, C }
        pub enum Closed { A, B }
        ",
    );
    let changes = runtime_api::compare(&old, &new);
    let has = |class: Class, text: &str| {
        changes
            .iter()
            .any(|(c, what)| *c == class && what.contains(text))
    };
    assert!(
        has(Class::Breaking, "changed `client::Client::get`"),
        "{changes:?}"
    );
    assert!(
        has(Class::Additive, "added `client::Client::post`"),
        "{changes:?}"
    );
    assert!(
        has(Class::Additive, "added `client::Kind::C`"),
        "{changes:?}"
    );
    assert!(
        has(
            Class::Breaking,
            "added `client::Closed::B` to an exhaustive enum"
        ),
        "{changes:?}"
    );
    assert!(
        has(
            Class::Breaking,
            "removed `client::pub use self::Client as Alias`"
        ),
        "{changes:?}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=release test",
            "-c",
            "user.email=release@test",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A scratch repository with one version of `specs/` and the runtime, tagged as released.
#[test]
fn release_plan_against_a_tag() {
    let root = codegen::workspace_root();
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path();
    let copy_tree = |relative: &str| {
        let from = root.join(relative);
        let to = copy.join(relative);
        if from.is_dir() {
            common::copy_dir(&from, &to);
        } else {
            fs::create_dir_all(to.parent().expect("parent")).expect("folder");
            fs::copy(&from, &to).expect("copy");
        }
    };
    for part in [
        "specs/2025-04-16",
        "specs/config.toml",
        "specs/asyncapi.yml",
        "specs/asyncapi.overlay.yml",
        "templates/Cargo.toml",
        "templates/src/runtime",
    ] {
        copy_tree(part);
    }
    git(copy, &["init", "-q"]);
    let nothing_tagged = plan(copy).expect("plan without a tag");
    assert_eq!(nothing_tagged.previous, None);
    assert_eq!(nothing_tagged.next, Some(Version(0, 1, 0)));
    assert!(
        nothing_tagged
            .entry
            .contains("First release, with API versions 2025-04-16.")
    );

    git(copy, &["add", "."]);
    git(copy, &["commit", "-q", "-m", "released"]);
    git(copy, &["tag", "cartesia-api-v0.1.0"]);
    let unchanged = plan(copy).expect("plan at the tag");
    assert_eq!(unchanged.previous.as_deref(), Some("cartesia-api-v0.1.0"));
    assert_eq!(unchanged.next, None, "nothing changed since the tag");

    // A new version module is a minor change: before 1.0, the patch number.
    common::copy_dir(
        &root.join("specs/2025-04-16"),
        &copy.join("specs/2999-01-01"),
    );
    let added = plan(copy).expect("plan with a new module");
    assert_eq!(added.class, Some(Class::Additive));
    assert_eq!(added.next, Some(Version(0, 1, 1)));
    assert!(
        added
            .entry
            .contains("### API 2999-01-01\n\nNew module (additive).")
    );

    // A removed one is breaking: before 1.0, the minor number.
    fs::remove_dir_all(copy.join("specs/2025-04-16")).expect("remove a version");
    let removed = plan(copy).expect("plan with a removed module");
    assert_eq!(removed.class, Some(Class::Breaking));
    assert_eq!(removed.next, Some(Version(0, 2, 0)));
    assert!(
        removed
            .entry
            .contains("### API 2025-04-16\n\nModule removed (breaking).")
    );
}

/// A changed field type is a break cargo-semver-checks has no lint for; a removed field is one
/// it sees.
#[test]
fn breaks_cargo_semver_checks_can_see() {
    let change = |kind| Change {
        key: "#/components/schemas/Item property note".to_owned(),
        kind,
        class: Class::Breaking,
        detail: String::new(),
    };
    let unseen = Diff {
        changes: vec![change(Kind::FieldType)],
    };
    assert!(!visible_break(&unseen));
    let seen = Diff {
        changes: vec![change(Kind::FieldType), change(Kind::FieldRemoved)],
    };
    assert!(visible_break(&seen));
}
