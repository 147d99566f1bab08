//! `cargo xtask contract`: every generated operation called once through the generated client
//! against Prism, an independent mock server that rejects requests violating the spec.
//!
//! For each spec version the overlaid document is written out, Prism (pinned, installed into the
//! target directory when missing) serves it on loopback, and the crate's `contract` example calls
//! every operation. The run fails when Prism rejects a request or the client cannot decode what
//! Prism answers.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::codegen;

/// The Prism release the contract is checked against.
pub const PRISM_VERSION: &str = "5.16.0";

/// The outcome of one version.
#[derive(Debug, Default)]
pub struct VersionResult {
    /// The API version.
    pub version: String,
    /// Operations called.
    pub called: usize,
    /// Calls whose request Prism rejected: operation and reason.
    pub rejected: Vec<(String, String)>,
    /// Calls whose response the client could not decode.
    pub undecodable: Vec<(String, String)>,
    /// Calls that failed otherwise.
    pub failed: Vec<(String, String)>,
}

/// Runs the contract check for every spec version and prints a table.
pub fn run(root: &Path) -> Result<Vec<VersionResult>> {
    let prism = ensure_prism(root)?;
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "cartesia-api",
            "--all-features",
            "--example",
            "contract",
        ])
        .current_dir(root)
        .status()
        .context("cannot run cargo build for the contract example")?;
    if !status.success() {
        bail!("the contract example does not build");
    }
    let target = target_dir(root);
    let program = target.join("debug/examples/contract");
    let work = target.join("contract");
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut results = Vec::new();
    for version in codegen::spec_versions(root)? {
        let spec = work.join(format!("{version}.json"));
        let mut document = codegen::overlaid_document(root, &version)?;
        frame_event_streams(&mut document);
        std::fs::write(&spec, serde_json::to_vec_pretty(&document)?)
            .with_context(|| format!("cannot write {}", spec.display()))?;
        results.push(check_version(&prism, &program, &spec, &work, &version)?);
    }
    Ok(results)
}

/// The table printed after a run.
pub fn table(results: &[VersionResult]) -> String {
    let mut out = String::from(
        "| version | operations called | requests rejected | responses not decoded | other failures |\n|---|---|---|---|---|\n",
    );
    for r in results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.version,
            r.called,
            r.rejected.len(),
            r.undecodable.len(),
            r.failed.len()
        );
    }
    for r in results {
        for (kind, list) in [
            ("rejected", &r.rejected),
            ("not decoded", &r.undecodable),
            ("failed", &r.failed),
        ] {
            for (operation, reason) in list {
                let _ = writeln!(out, "{} {operation} {kind}: {reason}", r.version);
            }
        }
    }
    out
}

/// A mock server needs the body of an event stream as text, while the document describes its
/// events: each `text/event-stream` response becomes a string whose example is its event example
/// framed as server-sent events, so that the client decodes real events from the mock.
fn frame_event_streams(document: &mut serde_json::Value) {
    let Some(paths) = document
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for item in paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
    {
        for operation in item
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(serde_json::Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                let Some(media) = response.pointer_mut("/content/text~1event-stream") else {
                    continue;
                };
                let frame = match media.get("example") {
                    Some(example) => format!("data: {example}\n\n"),
                    None => String::new(),
                };
                *media = serde_json::json!({"schema": {"type": "string"}, "example": frame});
            }
        }
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Prism's executable, installed with npm into the target directory when it is not there yet.
fn ensure_prism(root: &Path) -> Result<PathBuf> {
    let dir = target_dir(root).join(format!("prism-{PRISM_VERSION}"));
    let bin = dir.join("node_modules/.bin/prism");
    if bin.is_file() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    eprintln!(
        "installing @stoplight/prism-cli@{PRISM_VERSION} into {}",
        dir.display()
    );
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&dir)
        .arg(format!("@stoplight/prism-cli@{PRISM_VERSION}"))
        .status()
        .context("cannot run npm; Node.js and npm are needed for the contract check")?;
    if !status.success() || !bin.is_file() {
        bail!("npm could not install @stoplight/prism-cli@{PRISM_VERSION}");
    }
    Ok(bin)
}

/// Kills the server when dropped, whatever happens in between.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind a loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn check_version(
    prism: &Path,
    program: &Path,
    spec: &Path,
    work: &Path,
    version: &str,
) -> Result<VersionResult> {
    let port = free_port()?;
    let log_path = work.join(format!("prism-{version}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let child = Command::new(prism)
        .args([
            "mock",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--errors",
        ])
        .arg(spec)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", prism.display()))?;
    let _server = Server(child);
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if start.elapsed() > Duration::from_secs(60) {
            bail!(
                "prism did not start for {version} within 60 s; see {}",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, feature) = generator::krate::Version::names(version);
    let output = Command::new(program)
        .args([feature.as_str(), &format!("http://127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "the contract example failed for {version}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut result = VersionResult {
        version: version.to_owned(),
        ..VersionResult::default()
    };
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Some((operation, outcome)) = line.split_once('\t') else {
            continue;
        };
        result.called += 1;
        let entry = (operation.to_owned(), outcome.to_owned());
        if outcome == "Ok" {
            continue;
        } else if outcome.starts_with("Rejected") {
            result.rejected.push(entry);
        } else if outcome.starts_with("Undecodable") {
            result.undecodable.push(entry);
        } else {
            result.failed.push(entry);
        }
    }
    Ok(result)
}
