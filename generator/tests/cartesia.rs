//! One snapshot per Cartesia API version of its lowered surface (the vendor spec with its overlay), so that a new spec version or a
//! generator change is a diff a reviewer can read.

use std::path::Path;

use generator::{Config, asyncapi, load, lower_with, surface};

#[test]
fn cartesia_surfaces() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let mut versions: Vec<String> = std::fs::read_dir(&specs)
        .expect("specs/ exists")
        .map(|entry| {
            entry
                .expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| specs.join(name).join("api.yml").is_file())
        .collect();
    versions.sort();
    assert!(!versions.is_empty(), "specs/ holds at least one version");
    // The WebSocket channels, one AsyncAPI document for every version.
    let overlay = specs.join("asyncapi.overlay.yml");
    let channels = asyncapi::load_with_overlay(
        &specs.join("asyncapi.yml"),
        overlay.is_file().then_some(overlay.as_path()),
    )
    .expect("AsyncAPI document loads");
    for version in versions {
        let overlay = specs.join(&version).join("overlay.yml");
        let overlay = overlay.is_file().then_some(overlay);
        let document =
            load::load_with_overlay(&specs.join(&version).join("api.yml"), overlay.as_deref())
                .expect("spec loads");
        let lowered = lower_with(
            &document,
            Some(&channels),
            &Config {
                api_version: Some(version.clone()),
                version_header: Some("Cartesia-Version".to_owned()),
                ..Config::default()
            },
        )
        .expect("spec lowers");
        assert_eq!(lowered.api.version, version);
        insta::assert_snapshot!(format!("surface@{version}"), surface::render(&lowered.api));
    }
}
