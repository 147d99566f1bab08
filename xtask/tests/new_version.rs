//! Adding an API version is adding its folder: a copy of the workspace gets a version folder
//! dated after the newest (a copy of the newest spec and overlay), generates, and the crate's
//! tests and doctests pass with default features, which now select the new version.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::copy_dir;
use xtask::codegen;

/// A version that sorts after every real one.
const NEW: &str = "2999-01-01";

/// The workspace's manifest with `generated/` as its only member.
fn workspace_manifest(root: &Path) -> String {
    let mut manifest: toml_edit::DocumentMut = fs::read_to_string(root.join("Cargo.toml"))
        .expect("workspace manifest")
        .parse()
        .expect("valid workspace manifest");
    let mut members = toml_edit::Array::new();
    members.push("generated");
    manifest["workspace"]["members"] = toml_edit::value(members);
    manifest.to_string()
}

#[test]
fn a_new_version_folder_is_the_whole_job() {
    let root = codegen::workspace_root();
    let versions = codegen::spec_versions(&root).expect("spec versions");
    let newest = versions.last().expect("at least one version");
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path();
    for folder in ["specs", "templates", "generated"] {
        copy_dir(&root.join(folder), &copy.join(folder));
    }
    fs::write(copy.join("Cargo.toml"), workspace_manifest(&root)).expect("manifest");
    fs::copy(root.join("Cargo.lock"), copy.join("Cargo.lock")).expect("lock file");
    copy_dir(
        &root.join("specs").join(newest),
        &copy.join("specs").join(NEW),
    );

    let generate = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--root"])
        .arg(copy)
        .output()
        .expect("xtask runs");
    let report = String::from_utf8_lossy(&generate.stderr);
    assert!(generate.status.success(), "{report}");
    // The copied spec's version header lists the old date; the client sends the new one.
    assert!(
        report.contains(&format!("does not list {NEW}; the client sends {NEW}")),
        "{report}"
    );

    let (module, feature) = generator::krate::Version::names(NEW);
    let manifest = fs::read_to_string(copy.join("generated/Cargo.toml")).expect("manifest");
    assert!(
        manifest.contains(&format!("default = [\"{feature}\"]")),
        "{manifest}"
    );
    assert!(
        manifest.contains(&format!("required-features = [\"{feature}\"]")),
        "the examples follow the newest version:\n{manifest}"
    );
    let readme = fs::read_to_string(copy.join("generated/README.md")).expect("readme");
    assert!(
        readme.contains(&format!(
            "The newest version, `{feature}`, is enabled by default"
        )),
        "{readme}"
    );
    assert!(
        readme.contains(&format!("cartesia_api::{module}::")),
        "{readme}"
    );
    let module_root = fs::read_to_string(copy.join(format!("generated/src/{module}/mod.rs")))
        .expect("module written");
    assert!(module_root.contains(&format!("API_VERSION: &str = \"{NEW}\"")));

    let test = Command::new(env!("CARGO"))
        .args(["test", "-p", "cartesia-api"])
        .current_dir(copy)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&test.stdout);
    let stderr = String::from_utf8_lossy(&test.stderr);
    assert!(test.status.success(), "{stdout}\n{stderr}");
    // The tests of the newest version ran against the new module, doctests included.
    for suite in [
        "tests/media.rs",
        "tests/pagination.rs",
        "tests/examples.rs",
        "Doc-tests",
    ] {
        assert!(
            stderr.contains(suite) || stdout.contains(suite),
            "{suite} did not run:\n{stdout}\n{stderr}"
        );
    }
    let passed: usize = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed > 20, "only {passed} tests passed:\n{stdout}");
    let doctests = stdout
        .split("Doc-tests")
        .nth(1)
        .and_then(|rest| rest.lines().find(|l| l.starts_with("test result: ok. ")))
        .unwrap_or_default();
    assert!(
        !doctests.starts_with("test result: ok. 0 passed"),
        "no doctest ran:\n{stdout}"
    );
}
