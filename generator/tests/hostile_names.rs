//! Hostile documents about names and documentation text (`tests/hostile/*.yml`): each makes a
//! standalone crate that compiles, whose doctests come from the runtime alone, whatever names
//! and text the document holds.

use std::path::{Path, PathBuf};
use std::process::Command;

use generator::krate::{self, Standalone};
use generator::{Config, Lowered, load, lower};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn lowered(name: &str) -> Lowered {
    let path = root().join(format!("generator/tests/hostile/{name}.yml"));
    let document = load::load(&path).expect("document loads");
    lower(&document, &Config::default()).unwrap_or_else(|err| panic!("{name} lowers: {err}"))
}

/// Every identifier of the lowered API, as the IR snapshot spells it: the values of the keys that
/// hold Rust names.
fn identifiers(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if let (
                    "name" | "method" | "builder" | "client" | "setter" | "fallback" | "field",
                    serde_json::Value::String(name),
                ) = (key.as_str(), value)
                {
                    out.push(name.clone());
                }
                identifiers(value, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| identifiers(v, out)),
        _ => {}
    }
}

#[test]
fn long_names_are_bounded_and_distinct() {
    let api = serde_json::to_value(lowered("long_names").api).expect("serializes");
    let mut names = Vec::new();
    identifiers(&api, &mut names);
    assert!(names.len() > 8, "{names:?}");
    for name in &names {
        assert!(name.len() <= 64, "`{name}` is {} characters", name.len());
    }
    let types: Vec<&str> = api["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut unique = types.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), types.len(), "{types:?}");
}

#[test]
fn alias_cycles_are_diagnostics_naming_the_schema() {
    let lowered = lowered("alias_cycles");
    let warnings: Vec<String> = lowered
        .warnings
        .iter()
        .map(|d| format!("{}: {}", d.pointer, d.message))
        .collect();
    for schema in ["A", "B", "Self", "List", "Map", "Nested"] {
        let pointer = format!("#/components/schemas/{schema}: ");
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(&pointer) && w.contains("refers to itself")),
            "no diagnostic for {schema}: {warnings:#?}"
        );
    }
}

/// The document's standalone crate builds, and `cargo test --doc` runs no doctest but the
/// runtime's: nothing the document wrote became a test.
fn compiles_and_runs_no_doctest_of_its_own(name: &str) {
    let root = root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-names");
    let workspace: toml_edit::DocumentMut = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("workspace manifest")
        .parse()
        .expect("valid workspace manifest");
    let lints = workspace["workspace"]["lints"]
        .as_table()
        .expect("workspace lints")
        .clone();
    let api = lowered(name).api;
    let package = format!("hostile-{}", name.replace('_', "-"));
    let options = Standalone {
        package: &package,
        source: name,
        command: "hostile test",
        lints: Some(lints),
        examples: false,
        contract: false,
    };
    let files = krate::standalone(&root.join("templates"), &api, &options).expect("assembles");
    let dir = scratch.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (relative, text) in &files {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("directory");
        std::fs::write(&path, text).expect("file written");
    }
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file copied");
    let output = Command::new(env!("CARGO"))
        .args(["test", "--doc"])
        .current_dir(&dir)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name}: cargo test --doc fails:\n{stdout}{stderr}"
    );
    // Doctest names are `src/<file> - <item> (line n)`; the runtime's live in src/runtime/.
    let theirs: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("test src/") && !line.starts_with("test src/runtime/"))
        .collect();
    assert!(
        theirs.is_empty(),
        "{name}: doctests from the document: {theirs:#?}"
    );
}

#[test]
fn struct_method_names_compile() {
    compiles_and_runs_no_doctest_of_its_own("struct_method_names");
}

#[test]
fn client_method_names_compile() {
    compiles_and_runs_no_doctest_of_its_own("client_method_names");
}

#[test]
fn long_names_compile() {
    compiles_and_runs_no_doctest_of_its_own("long_names");
}

#[test]
fn alias_cycles_compile() {
    compiles_and_runs_no_doctest_of_its_own("alias_cycles");
}

#[test]
fn doc_injection_runs_no_doctest() {
    compiles_and_runs_no_doctest_of_its_own("doc_injection");
}
