//! `cargo xtask corpus` on a directory of three specs laid out as the npm package unpacks: each
//! outcome is reported per spec and grouped by cause, time limits turn into reported failures,
//! crates outside the sample are not kept, and nothing outside `target/corpus/` is written.

mod common;

use std::fs;
use std::time::Duration;

use common::copy_dir;
use xtask::corpus::{self, Options, Step};

const GOOD: &str = r#"{"openapi": "3.1.0", "info": {"title": "Good", "version": "1"},
  "paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok",
    "content": {"application/json": {"schema": {"type": ["string", "null"]}}}}}}},
    "/b": {"get": {"security": [{"Gone": []}], "responses": {"204": {"description": "ok"}}}},
    "/c": {"get": {"security": [{"Missing": []}], "responses": {"204": {"description": "ok"}}}}}}"#;
const DANGLING: &str = r##"{"openapi": "3.0.0", "info": {"title": "Bad", "version": "1"},
  "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}}}}}}}"##;
const SWAGGER: &str =
    r#"{"swagger": "2.0", "info": {"title": "Old", "version": "1"}, "paths": {}}"#;

/// A workspace root with the real templates and a fetched directory of three specs.
fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let workspace = xtask::codegen::workspace_root();
    copy_dir(&workspace.join("templates"), &dir.path().join("templates"));
    fs::copy(workspace.join("Cargo.toml"), dir.path().join("Cargo.toml")).expect("manifest");
    let api = corpus::corpus_dir(dir.path())
        .join(format!("{}-{}", corpus::PACKAGE, corpus::VERSION))
        .join("package/api");
    fs::create_dir_all(api.join("example.com")).expect("api dir");
    fs::write(api.join("example.com/good.json"), GOOD).expect("spec");
    fs::write(api.join("dangling.org.json"), DANGLING).expect("spec");
    fs::write(api.join("old.net.json"), SWAGGER).expect("spec");
    dir
}

fn options(timeout: Duration) -> Options {
    Options {
        sample: Some(0),
        only: None,
        keep_crates: false,
        examples: false,
        contract: None,
        jobs: 2,
        generate_timeout: timeout,
        check_timeout: Duration::from_secs(60),
        exe: env!("CARGO_BIN_EXE_xtask").into(),
    }
}

#[test]
fn every_spec_is_reported_and_failures_are_grouped() {
    let dir = root();
    let mut options = options(Duration::from_secs(120));
    options.keep_crates = true;
    let report = corpus::run(dir.path(), &options).expect("runs");
    let ids: Vec<&str> = report.specs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["dangling.org", "example.com/good", "old.net"]);

    let good = &report.specs[1];
    assert_eq!((good.parse, good.generate), (Step::Ok, Step::Ok));
    assert_eq!(good.openapi, "3.1.0");
    assert_eq!(good.package, "corpus-example-com-good");
    assert_eq!(good.operations, 3);
    assert_eq!(good.generator_warnings, 2);
    assert_eq!(good.compile, Step::NotRun);
    assert!(
        corpus::corpus_dir(dir.path())
            .join("crates/corpus-example-com-good/src/api/client.rs")
            .is_file()
    );

    let dangling = &report.specs[0];
    assert_eq!(dangling.parse, Step::Failed);
    let diagnostic = dangling.first_diagnostic.as_deref().unwrap_or_default();
    assert!(
        diagnostic.contains("#/paths/~1a/get/responses/200/content/application~1json/schema/$ref"),
        "{diagnostic}"
    );
    assert_eq!(
        dangling.cause.as_deref(),
        Some("`…` target `…` does not exist")
    );
    assert_eq!(report.specs[2].parse, Step::Failed);

    let s = &report.summary;
    assert_eq!(
        (
            s.specs,
            s.openapi_31,
            s.parsed,
            s.generated,
            s.panics,
            s.timeouts
        ),
        (3, 1, 1, 1, 0, 0)
    );
    assert_eq!(report.causes.len(), 2);
    assert!(
        report
            .causes
            .iter()
            .all(|c| c.count == 1 && c.step == "parse")
    );

    let written: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(corpus::corpus_dir(dir.path()).join("report.json")).expect("report"),
    )
    .expect("valid JSON");
    assert_eq!(written["summary"]["generated"], 1);
    assert_eq!(written["specs"][1]["id"], "example.com/good");
    // Only the corpus folder was written to.
    assert!(!dir.path().join("generated").exists());
    // Warnings of one kind are counted together, whatever scheme and place they name.
    assert_eq!(report.warnings.len(), 1);
    let kind = &report.warnings[0];
    assert_eq!(
        (kind.count, kind.specs, kind.examples.as_slice()),
        (2, 1, ["example.com/good".to_owned()].as_slice())
    );
    assert!(
        kind.kind.starts_with("security scheme `…` is not declared"),
        "{}",
        kind.kind
    );
    assert_eq!(written["warnings"][0]["count"], 2);
    let table = corpus::table(&report, 10);
    assert!(
        table.contains("| generated a crate | 1 | 33.3% |"),
        "{table}"
    );
    assert!(
        table.contains("| 2 | 1 | security scheme `…` is not declared"),
        "{table}"
    );
}

#[test]
fn a_generation_past_its_time_limit_is_a_reported_failure() {
    let dir = root();
    let mut options = options(Duration::ZERO);
    options.only = Some("good".to_owned());
    let report = corpus::run(dir.path(), &options).expect("runs");
    assert_eq!(report.specs.len(), 1);
    assert_eq!(report.specs[0].parse, Step::TimedOut);
    assert_eq!(report.summary.timeouts, 1);
    assert_eq!(report.causes[0].step, "timeout");
}

#[test]
fn crates_outside_the_sample_are_removed_unless_kept() {
    let dir = root();
    let mut options = options(Duration::from_secs(120));
    options.only = Some("good".to_owned());
    let report = corpus::run(dir.path(), &options).expect("runs");
    assert_eq!(report.specs[0].generate, Step::Ok);
    let crates = corpus::corpus_dir(dir.path()).join("crates");
    let left: Vec<_> = fs::read_dir(&crates)
        .expect("crates dir")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
