//! `cargo xtask fuzz`: the generator under libFuzzer (`fuzz/`, target `generate`), seeded with the
//! fixtures and hostile documents of the generator's tests.
//!
//! cargo-fuzz (pinned) is installed into the target directory when missing; the run needs the
//! nightly toolchain and says so when it is not installed. Everything the run writes is under
//! `target/fuzz/`: the seeds (copied from the tests at each run, each fixture joined with its
//! AsyncAPI twin), the corpus libFuzzer grows, and the artifacts of the failures it finds
//! (`crash-*`, `timeout-*`, `oom-*`), which `cargo +nightly fuzz tmin` shrinks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The cargo-fuzz release the targets are built with.
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The fuzz target.
pub const TARGET: &str = "generate";

/// What separates the OpenAPI document from its AsyncAPI twin in one input; the same as the fuzz
/// target's marker.
pub const ASYNCAPI_MARKER: &str = "\n#%asyncapi\n";

/// Seconds one input may take before libFuzzer reports it as a timeout. The slowest seed takes
/// well under a second in the fuzz build.
pub const TIMEOUT_SECS: u64 = 10;

/// Megabytes of resident memory past which libFuzzer reports an out-of-memory failure. The
/// largest seed stays under 200 MB in the fuzz build.
pub const RSS_LIMIT_MB: u64 = 2048;

/// Longest input libFuzzer makes, in bytes (the largest seed is under 20 kB).
pub const MAX_LEN: usize = 64 * 1024;

/// The options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long libFuzzer runs.
    pub duration: Duration,
}

/// Where the run keeps its files.
pub fn fuzz_dir(root: &Path) -> PathBuf {
    crate::contract::target_dir(root).join("fuzz")
}

/// Installs cargo-fuzz if needed, seeds the corpus and runs libFuzzer for the given time. Fails
/// when libFuzzer finds a crash, a timeout or an out-of-memory input.
pub fn run(root: &Path, options: &Options) -> Result<()> {
    require_nightly()?;
    let cargo_fuzz = ensure_cargo_fuzz(root)?;
    let dir = fuzz_dir(root);
    let seeds = dir.join("seeds");
    let count = seed(root, &seeds)?;
    let corpus = dir.join("corpus").join(TARGET);
    let artifacts = dir.join("artifacts").join(TARGET);
    for path in [&corpus, &artifacts] {
        std::fs::create_dir_all(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
    }
    eprintln!(
        "fuzzing `{TARGET}` for {} s from {count} seeds; corpus {}, failures in {}",
        options.duration.as_secs(),
        corpus.display(),
        artifacts.display()
    );
    let mut artifact_prefix = artifacts.into_os_string();
    artifact_prefix.push("/");
    let mut command = nightly(&cargo_fuzz);
    command
        .args([
            "fuzz",
            "run",
            TARGET,
            "--sanitizer",
            "none",
            "--debug-assertions",
        ])
        .arg("--fuzz-dir")
        .arg(root.join("fuzz"))
        .arg("--target-dir")
        .arg(dir.join("build"))
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={}", options.duration.as_secs()))
        .arg(format!("-timeout={TIMEOUT_SECS}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg("-print_final_stats=1")
        .arg({
            let mut arg = std::ffi::OsString::from("-artifact_prefix=");
            arg.push(&artifact_prefix);
            arg
        });
    let status = command
        .current_dir(root)
        .status()
        .context("cannot run cargo-fuzz")?;
    if !status.success() {
        bail!(
            "libFuzzer found a failing input (see {}); shrink it with `cargo +nightly fuzz tmin --fuzz-dir fuzz {TARGET} <file>`",
            dir.join("artifacts").join(TARGET).display()
        );
    }
    Ok(())
}

/// A command run with the nightly toolchain first on the path, free of the variables the
/// enclosing (stable) cargo set.
fn nightly(program: &Path) -> Command {
    let mut command = Command::new("rustup");
    command.args(["run", "nightly"]).arg(program);
    for var in [
        "CARGO",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "RUSTC_WRAPPER",
    ] {
        command.env_remove(var);
    }
    command
}

/// Fails with what to do when the nightly toolchain, which libFuzzer's instrumentation needs, is
/// not installed.
fn require_nightly() -> Result<()> {
    let output = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output();
    match output {
        Ok(output) if output.status.success() => Ok(()),
        _ => bail!(
            "fuzzing needs the nightly toolchain, which is not installed: `rustup toolchain install nightly`"
        ),
    }
}

/// cargo-fuzz's executable, installed with `cargo install --locked` into the target directory
/// when it is not there yet.
fn ensure_cargo_fuzz(root: &Path) -> Result<PathBuf> {
    let tools = crate::contract::target_dir(root).join(format!("cargo-fuzz-{CARGO_FUZZ_VERSION}"));
    let bin = tools.join("bin/cargo-fuzz");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!(
        "installing cargo-fuzz {CARGO_FUZZ_VERSION} into {}",
        tools.display()
    );
    let status = Command::new(env!("CARGO"))
        .args(["install", "cargo-fuzz", "--locked", "--version"])
        .arg(CARGO_FUZZ_VERSION)
        .arg("--root")
        .arg(&tools)
        .env("CARGO_TARGET_DIR", tools.join("build"))
        .status()
        .context("cannot run cargo install")?;
    if !status.success() || !bin.is_file() {
        bail!("cargo could not install cargo-fuzz {CARGO_FUZZ_VERSION}");
    }
    Ok(bin)
}

/// Writes the seed inputs into `seeds` (emptied first): every fixture and hostile document of the
/// generator's tests, each followed by its AsyncAPI twin when it has one. Returns their number.
pub fn seed(root: &Path, seeds: &Path) -> Result<usize> {
    if seeds.exists() {
        std::fs::remove_dir_all(seeds)
            .with_context(|| format!("cannot empty {}", seeds.display()))?;
    }
    std::fs::create_dir_all(seeds).with_context(|| format!("cannot create {}", seeds.display()))?;
    let tests = root.join("generator/tests");
    let mut count = 0;
    for set in ["fixtures", "hostile"] {
        for (document, twin) in documents(&tests.join(set))? {
            let mut input = std::fs::read_to_string(&document)
                .with_context(|| format!("cannot read {}", document.display()))?;
            if let Some(twin) = twin {
                input.push_str(ASYNCAPI_MARKER);
                input.push_str(
                    &std::fs::read_to_string(&twin)
                        .with_context(|| format!("cannot read {}", twin.display()))?,
                );
            }
            let name = document
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = seeds.join(format!("{set}-{name}"));
            std::fs::write(&path, input)
                .with_context(|| format!("cannot write {}", path.display()))?;
            count += 1;
        }
    }
    Ok(count)
}

/// The `*.yml` documents of a directory, sorted, each with the document of the same name in its
/// `asyncapi/` subdirectory when there is one.
pub fn documents(dir: &Path) -> Result<Vec<(PathBuf, Option<PathBuf>)>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("cannot read {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "yml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| {
            let twin = path
                .file_name()
                .map(|name| dir.join("asyncapi").join(name))
                .filter(|twin| twin.is_file());
            (path, twin)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_join_each_document_with_its_asyncapi_twin() {
        let root = crate::codegen::workspace_root();
        let seeds = tempfile::tempdir().expect("temporary directory");
        let dir = seeds.path().join("seeds");
        let count = seed(&root, &dir).expect("seeds written");
        let fixtures = documents(&root.join("generator/tests/fixtures")).expect("fixtures");
        let hostile = documents(&root.join("generator/tests/hostile")).expect("hostile");
        assert_eq!(count, fixtures.len() + hostile.len());
        let joined = std::fs::read_to_string(dir.join("fixtures-channels.yml")).expect("seed");
        let (openapi, asyncapi) = joined.split_once(ASYNCAPI_MARKER).expect("marker");
        assert!(openapi.contains("openapi:"), "{openapi}");
        assert!(asyncapi.contains("asyncapi:"), "{asyncapi}");
        let alone = std::fs::read_to_string(dir.join("fixtures-enums.yml")).expect("seed");
        assert!(!alone.contains(ASYNCAPI_MARKER));
    }
}
