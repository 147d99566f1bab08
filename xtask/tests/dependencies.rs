//! What the published crate's dependencies build: rustls with ring, never aws-lc-rs, whose
//! C library (built from source with cmake) was most of a fresh build's time.

use std::fs;

use xtask::codegen;

/// The packages of the workspace's lock file, which the generated crates are built with too.
fn locked_packages() -> Vec<String> {
    let lock = fs::read_to_string(codegen::workspace_root().join("Cargo.lock")).expect("lock file");
    let lock: toml_edit::DocumentMut = lock.parse().expect("valid lock file");
    lock["package"]
        .as_array_of_tables()
        .expect("packages")
        .iter()
        .filter_map(|package| package["name"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn no_package_builds_aws_lc() {
    let packages = locked_packages();
    assert!(packages.iter().any(|name| name == "ring"), "{packages:?}");
    for name in ["aws-lc-rs", "aws-lc-sys", "cmake"] {
        assert!(
            !packages.iter().any(|package| package == name),
            "{name} is locked: `cargo tree -e features -i {name}` says which dependency wants it"
        );
    }
}
