//! Hostile documents, one attack each (`tests/hostile/*.yml`, a comment at the top of each says
//! what it attacks): the generator ends every one with diagnostics naming the place, or with a
//! crate that compiles; never a panic, a hang or unbounded memory. A document's WebSocket
//! channels, when it has any, are in the AsyncAPI document of the same name in
//! `tests/hostile/asyncapi/`.
//!
//! Each outcome is a snapshot: the diagnostics, or a summary of what was generated. The documents
//! that generate are then assembled into one crate, one module each, which must pass clippy.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::krate::{self, Version};
use generator::{Config, Error, asyncapi, emit, load, lower_with, names};

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

fn documents() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(hostile_dir())
        .expect("hostile documents exist")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    paths.sort();
    paths
}

fn config() -> Config {
    Config {
        api_version: Some("2024-01-01".to_owned()),
        ..Config::default()
    }
}

/// Lowers one document: its API, or the error as the user reads it. Files are named relative to
/// `tests/`, so that the outcome reads the same on every machine.
fn lower(path: &Path) -> Result<generator::Lowered, String> {
    let name = path.file_name().expect("file name");
    let shown = Path::new("hostile").join(name);
    let relative = |err: Error| {
        err.to_string()
            .replace(&hostile_dir().display().to_string(), "hostile")
    };
    let text = std::fs::read_to_string(path).expect("readable document");
    let value = load::parse_value(&shown, &text).map_err(relative)?;
    let document = load::parse_document(&shown, value).map_err(relative)?;
    let channels = Some(hostile_dir().join("asyncapi").join(name))
        .filter(|path| path.is_file())
        .map(|path| asyncapi::load_with_overlay(&path, None))
        .transpose()
        .map_err(relative)?;
    lower_with(&document, channels.as_ref(), &config()).map_err(relative)
}

/// What the generator made of a document, in a few lines.
fn outcome(path: &Path) -> String {
    let mut out = String::new();
    let lowered = match lower(path) {
        Ok(lowered) => lowered,
        Err(message) => {
            let _ = writeln!(out, "refused: {message}");
            return out;
        }
    };
    let api = &lowered.api;
    let files = emit::module(api, "hostile");
    let operations: usize = api.groups.iter().map(|g| g.operations.len()).sum();
    let _ = writeln!(
        out,
        "generated: {} types, {operations} operations, {} skipped, {} files",
        api.types.len(),
        api.skipped.len(),
        files.len()
    );
    for warning in &lowered.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    for group in &api.groups {
        for op in &group.operations {
            let _ = writeln!(
                out,
                "operation: {} {} -> {}",
                op.http_method, op.path, op.method
            );
        }
    }
    let names: Vec<&str> = api.types.iter().map(|t| t.name.as_str()).collect();
    let _ = writeln!(out, "types: {}", names.join(", "));
    out
}

#[test]
fn hostile_documents() {
    insta::glob!("hostile/*.yml", |path| {
        insta::assert_snapshot!("outcome", outcome(path));
    });
}

/// The template manifest made standalone: its own workspace, with the workspace's lints.
fn standalone_manifest(text: &str, root: &Path) -> String {
    let workspace: toml_edit::DocumentMut = std::fs::read_to_string(root.join("Cargo.toml"))
        .expect("workspace manifest")
        .parse()
        .expect("valid workspace manifest");
    let mut manifest: toml_edit::DocumentMut = text.parse().expect("valid template manifest");
    manifest.insert("lints", workspace["workspace"]["lints"].clone());
    manifest.remove("example");
    manifest.remove("bench");
    manifest.insert("workspace", toml_edit::Item::Table(toml_edit::Table::new()));
    manifest.to_string()
}

#[test]
fn generated_crates_pass_clippy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned();
    let versions: Vec<Version> = documents()
        .iter()
        .filter_map(|path| {
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            let api = lower(path).ok()?.api;
            Some(Version {
                module: names::bare(&names::snake(&stem)).to_owned(),
                feature: stem.replace('_', "-"),
                source: format!("generator/tests/hostile/{stem}.yml"),
                api,
            })
        })
        .collect();
    assert!(!versions.is_empty(), "some hostile document generates");
    let files =
        krate::assemble(&root.join("templates"), &versions, "hostile test").expect("assembles");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-crate");
    let _ = std::fs::remove_dir_all(&scratch);
    for (relative, text) in &files {
        // The client tests, the examples, the benchmarks and the README's examples are written
        // for the Cartesia modules; what is checked is each document's module.
        if relative.starts_with("tests")
            || relative.starts_with("benches")
            || relative.starts_with("examples")
        {
            continue;
        }
        let text = match relative.to_str() {
            Some("Cargo.toml") => standalone_manifest(text, &root),
            Some("README.md") => String::from("Hostile documents' crate.\n"),
            _ => text.clone(),
        };
        let path = scratch.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("directory");
        std::fs::write(&path, text).expect("file written");
    }
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).expect("lock file copied");
    // The fixture crate's target: the same dependencies, built once.
    let output = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--all-features",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&scratch)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the crate of the hostile documents does not pass clippy:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
