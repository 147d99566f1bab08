//! `cargo xtask generate`: freshness of the checked-in crate, atomic writes, and clear failures on
//! bad input that leave `generated/` untouched.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::copy_dir;
use xtask::codegen;

#[test]
fn generated_crate_is_fresh() {
    if let Err(err) = codegen::check(&codegen::workspace_root()) {
        panic!("{err:#}");
    }
}

/// A scratch workspace root with the real templates, one spec version and a `generated/` holding
/// only a sentinel file.
fn scratch(spec: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = codegen::workspace_root();
    copy_dir(&root.join("templates"), &dir.path().join("templates"));
    let spec_dir = dir.path().join("specs/2024-01-01");
    fs::create_dir_all(&spec_dir).expect("spec dir");
    fs::write(spec_dir.join("api.yml"), spec).expect("spec written");
    fs::create_dir_all(dir.path().join("generated/src")).expect("generated dir");
    fs::write(
        dir.path().join("generated/src/stale.rs"),
        "// left from an earlier run\n",
    )
    .expect("sentinel");
    dir
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).expect("read");
                out.push((path.strip_prefix(dir).expect("inside").to_owned(), bytes));
            }
        }
    }
    out.sort();
    out
}

fn run_generate(root: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--root"])
        .arg(root)
        .output()
        .expect("xtask runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const GOOD: &str = "openapi: 3.0.1
info: {title: Scratch, version: '2024-01-01'}
servers: [{url: 'https://api.example.com'}]
paths:
  /things/{id}:
    get:
      operationId: things_get
      tags: [Things]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
";

fn assert_rejected(spec: &str, expected: &[&str]) {
    let dir = scratch(spec);
    let before = files(&dir.path().join("generated"));
    let (ok, stderr) = run_generate(dir.path());
    assert!(!ok, "generation should fail:\n{stderr}");
    for part in expected {
        assert!(
            stderr.contains(part),
            "stderr should contain {part:?}:\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        files(&dir.path().join("generated")),
        before,
        "generated/ must be untouched"
    );
    assert!(
        !dir.path().join(".generated.new").exists(),
        "no staging directory left behind"
    );
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let spec = GOOD.replace(
        "  schemas:\n    Thing:",
        "  schemas:\n    Thing: [unclosed\n    Other:",
    );
    assert_rejected(
        &spec,
        &[
            "specs/2024-01-01/api.yml:",
            "malformed document",
            "api.yml:20:10:",
        ],
    );
}

#[test]
fn dangling_ref_names_file_and_pointer() {
    let spec = GOOD.replace(
        "#/components/schemas/Thing'",
        "#/components/schemas/Missing'",
    );
    assert_rejected(
        &spec,
        &[
            "specs/2024-01-01/api.yml",
            "#/paths/~1things~1{id}/get/responses/200/content/application~1json/schema/$ref",
            "`#/components/schemas/Missing` does not exist",
        ],
    );
}

#[test]
fn other_documents_are_refused() {
    assert_rejected(
        "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
        &[
            "specs/2024-01-01/api.yml",
            "#/swagger",
            "OpenAPI 3.0 or 3.1 is expected",
        ],
    );
    assert_rejected(
        &GOOD.replace("openapi: 3.0.1", "openapi: 3.2.0"),
        &[
            "specs/2024-01-01/api.yml",
            "#/openapi",
            "OpenAPI version 3.2.0 is not supported",
        ],
    );
}

#[test]
fn generation_replaces_the_whole_tree() {
    let dir = scratch(GOOD);
    let (ok, stderr) = run_generate(dir.path());
    assert!(ok, "{stderr}");
    let generated = dir.path().join("generated");
    assert!(
        !generated.join("src/stale.rs").exists(),
        "files no longer produced are removed"
    );
    let types =
        fs::read_to_string(generated.join("src/v2024_01_01/types.rs")).expect("types written");
    assert!(
        types.starts_with("// Generated by `cargo xtask generate` from specs/2024-01-01/api.yml"),
        "{types}"
    );
    assert!(types.contains("pub struct Thing"), "{types}");
    codegen::check(dir.path()).expect("fresh right after generating");
    fs::write(generated.join("src/extra.rs"), "").expect("extra file");
    let stale = codegen::check(dir.path()).expect_err("an extra file is stale");
    assert!(
        format!("{stale:#}").contains("no longer generated: generated/src/extra.rs"),
        "{stale:#}"
    );
}

#[test]
fn stale_overlay_action_names_the_overlay_and_action() {
    let dir = scratch(GOOD);
    let overlay = "overlay: 1.0.0\ninfo: {title: fixes, version: '1'}\nactions:\n  - description: fix a gone endpoint\n    target: $.paths['/gone'].get\n    update: {summary: x}\n";
    fs::write(dir.path().join("specs/2024-01-01/overlay.yml"), overlay).expect("overlay written");
    let before = files(&dir.path().join("generated"));
    let (ok, stderr) = run_generate(dir.path());
    assert!(!ok, "{stderr}");
    for part in [
        "specs/2024-01-01/overlay.yml",
        "#/actions/0",
        "fix a gone endpoint",
        "matches nothing",
    ] {
        assert!(
            stderr.contains(part),
            "stderr should contain {part:?}:\n{stderr}"
        );
    }
    assert_eq!(
        files(&dir.path().join("generated")),
        before,
        "generated/ must be untouched"
    );
}

/// Without `--root`, the workspace is the one the command is run in, not the one the xtask was
/// built in: with a target directory shared by several clones, each regenerates its own.
#[test]
fn the_workspace_is_found_from_the_current_directory() {
    let dir = scratch(GOOD);
    fs::write(dir.path().join("Cargo.toml"), "[workspace]\nmembers = []\n").expect("manifest");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("generate")
        .current_dir(dir.path().join("specs/2024-01-01"))
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !dir.path().join("generated/src/stale.rs").exists(),
        "the scratch workspace was not regenerated: {stderr}"
    );
    assert!(
        dir.path()
            .join("generated/src/v2024_01_01/mod.rs")
            .is_file()
    );

    let outside = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--check"])
        .current_dir(outside.path())
        .output()
        .expect("xtask runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("not inside the workspace"), "{stderr}");
}
