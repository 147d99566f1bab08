//! Helpers shared by the xtask integration tests.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// Copies a directory tree.
#[allow(dead_code, reason = "each test crate uses some of the helpers")]
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Runs cargo with `args` in a generated crate, with the workspace's lock file and a target
/// directory shared by the tests that build generated crates.
#[allow(dead_code, reason = "each test crate uses some of the helpers")]
pub(crate) fn cargo_in(krate: &Path, args: &[&str]) -> Output {
    let lock = xtask::codegen::workspace_root().join("Cargo.lock");
    fs::copy(lock, krate.join("Cargo.lock")).expect("lock file copied");
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(krate)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .expect("cargo runs")
}
