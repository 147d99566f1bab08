//! Small fixture specs, one feature each: a snapshot of the lowered IR and one of the emitted code.

use std::fmt::Write;

use generator::{Config, asyncapi, emit, load, lower_with, surface};

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.yml", |path| {
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
            .map(|path| asyncapi::load_with_overlay(&path, None).expect("AsyncAPI fixture loads"));
        let lowered = lower_with(&document, channels.as_ref(), &config).expect("fixture lowers");
        insta::assert_yaml_snapshot!("ir", (&lowered.warnings, &lowered.api));
        let mut code = String::new();
        for (file, text) in emit::module(&lowered.api, "fixture") {
            let _ = writeln!(code, "==> {file} <==\n{text}");
        }
        insta::assert_snapshot!("code", code);
        // The surface lists what a maintainer reviews per operation, such as which operations
        // are retried although their method is not idempotent.
        if path.ends_with("idempotency.yml") {
            insta::assert_snapshot!("surface", surface::render(&lowered.api));
        }
    });
}

/// Snapshots whose fixture or spec version is gone are rejected, so none lingers unreviewed.
#[test]
fn no_unreferenced_snapshots() {
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let specs = tests.join("../../specs");
    for entry in std::fs::read_dir(tests.join("snapshots")).expect("snapshots exist") {
        let name = entry
            .expect("readable entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !name.ends_with(".snap") {
            continue;
        }
        let referenced = if let Some(rest) = name.strip_prefix("fixtures__") {
            rest.split_once('@')
                .and_then(|(_, file)| file.strip_suffix(".snap"))
                .is_some_and(|file| tests.join("fixtures").join(file).is_file())
        } else if let Some(rest) = name.strip_prefix("hostile__") {
            rest.split_once('@')
                .and_then(|(_, file)| file.strip_suffix(".snap"))
                .is_some_and(|file| tests.join("hostile").join(file).is_file())
        } else if let Some(rest) = name.strip_prefix("cartesia__surface@") {
            rest.strip_suffix(".snap")
                .is_some_and(|version| specs.join(version).join("api.yml").is_file())
        } else if let Some(rest) = name.strip_prefix("diff__fixture_pairs@") {
            rest.strip_suffix("__old.yml.snap")
                .is_some_and(|case| tests.join("diff").join(case).join("old.yml").is_file())
        } else if let Some(rest) = name.strip_prefix("diff__cartesia_") {
            rest.strip_suffix(".snap")
                .and_then(|pair| pair.split_once("_to_"))
                .is_some_and(|(old, new)| {
                    [old, new]
                        .iter()
                        .all(|v| specs.join(v.replace('_', "-")).join("api.yml").is_file())
                })
        } else if name == "contract_samples__constraints.snap" {
            tests.join("fixtures/constraints.yml").is_file()
        } else if name == "contract_samples__standalone_security.snap" {
            tests.join("fixtures/security.yml").is_file()
        } else {
            false
        };
        assert!(
            referenced,
            "snapshot {name} belongs to no fixture or spec version; delete it"
        );
    }
}
