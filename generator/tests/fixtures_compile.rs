//! Every fixture's emitted code compiles and passes clippy with `-D warnings`: the fixtures are
//! assembled into one crate with the real runtime templates, one module each, and checked; the
//! tests in `fixture_crate/` then run against it.

use std::path::{Path, PathBuf};
use std::process::Command;

use generator::krate::{self, Version};
use generator::{Config, asyncapi, load, lower_with, names};

fn fixture_versions(root: &Path) -> Vec<Version> {
    let dir = root.join("generator/tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures exist")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let document = load::load(path).expect("fixture loads");
            let config = Config {
                api_version: Some("2024-01-01".to_owned()),
                env: Some(generator::ir::EnvVars {
                    api_key: "FIXTURE_API_KEY".to_owned(),
                    base_url: "FIXTURE_BASE_URL".to_owned(),
                    credential: "api_key".to_owned(),
                }),
                version_header: Some("Api-Version".to_owned()),
                // Only the fixture about documentation text has a docs site: relative links resolve
                // there, and are plain text in the others.
                docs_base_url: path
                    .ends_with("docs_text.yml")
                    .then(|| "https://docs.example.com".to_owned()),
            };
            // A fixture's WebSocket channels are in the AsyncAPI document of the same name.
            let channels = path
                .parent()
                .zip(path.file_name())
                .map(|(dir, name)| dir.join("asyncapi").join(name))
                .filter(|path| path.is_file())
                .map(|path| {
                    asyncapi::load_with_overlay(&path, None).expect("AsyncAPI fixture loads")
                });
            let api = lower_with(&document, channels.as_ref(), &config)
                .expect("fixture lowers")
                .api;
            Version {
                module: names::bare(&names::snake(&stem)).to_owned(),
                feature: stem.replace('_', "-"),
                source: format!("generator/tests/fixtures/{stem}.yml"),
                api,
            }
        })
        .collect()
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
fn fixture_crate_passes_clippy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned();
    let versions = fixture_versions(&root);
    let files =
        krate::assemble(&root.join("templates"), &versions, "fixture test").expect("assembles");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-crate");
    let _ = std::fs::remove_dir_all(&scratch);
    for (relative, text) in &files {
        // The client tests, the examples, the benchmarks and the README's examples are written
        // for the Cartesia modules; the contract example is generated from the fixtures.
        if relative.starts_with("tests")
            || relative.starts_with("benches")
            || (relative.starts_with("examples") && !relative.starts_with("examples/contract"))
        {
            continue;
        }
        let text = match relative.to_str() {
            Some("Cargo.toml") => standalone_manifest(text, &root),
            Some("README.md") => String::from("Fixture crate.\n"),
            _ => text.clone(),
        };
        let path = scratch.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("directory");
        std::fs::write(&path, text).expect("file written");
    }
    // Tests of the fixtures' generated code, used as a caller would use it.
    let tests = root.join("generator/tests/fixture_crate");
    std::fs::create_dir_all(scratch.join("tests")).expect("directory");
    for entry in std::fs::read_dir(&tests).expect("fixture crate tests exist") {
        let path = entry.expect("readable entry").path();
        let name = path.file_name().expect("file name");
        std::fs::copy(&path, scratch.join("tests").join(name)).expect("test copied");
    }
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).expect("lock file copied");
    let cargo = |args: &[&str]| {
        Command::new(env!("CARGO"))
            .args(args)
            .current_dir(&scratch)
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
            )
            .output()
            .expect("cargo runs")
    };
    let output = cargo(&[
        "clippy",
        "--all-features",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]);
    assert!(
        output.status.success(),
        "the fixture crate does not pass clippy:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = cargo(&["test", "--all-features", "--quiet", "--tests"]);
    assert!(
        output.status.success(),
        "the fixture crate's tests fail:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
