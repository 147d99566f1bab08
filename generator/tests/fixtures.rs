//! Small fixture specs, one feature each: a snapshot of the lowered IR and one of the emitted code.

use std::fmt::Write;

use generator::{Config, emit, load, lower};

#[test]
fn fixtures() {
    insta::glob!("fixtures/*.yml", |path| {
        let document = load::load(path).expect("fixture loads");
        let config = Config { api_version: Some("2024-01-01".to_owned()) };
        let lowered = lower(&document, &config).expect("fixture lowers");
        insta::assert_yaml_snapshot!("ir", (&lowered.warnings, &lowered.api));
        let mut code = String::new();
        for (file, text) in emit::module(&lowered.api, "fixture") {
            let _ = writeln!(code, "==> {file} <==\n{text}");
        }
        insta::assert_snapshot!("code", code);
    });
}
