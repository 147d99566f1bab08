//! `cargo xtask release`: the next version of the generated crate, computed.

use std::path::Path;

use anyhow::Result;

/// Plans (and unless `dry_run`, makes) the next release; returns what it did.
pub fn run(_root: &Path, _dry_run: bool) -> Result<String> {
    anyhow::bail!("not yet")
}

/// The agreement table between the computed class and cargo-semver-checks.
pub fn fixture_agreement(_root: &Path) -> Result<String> {
    anyhow::bail!("not yet")
}
