//! `cargo xtask contract`: every generated operation called once through the generated client
//! against Prism, an independent mock server that rejects requests violating the spec.
//!
//! For each spec version the overlaid document is written out, Prism (pinned, installed into the
//! target directory when missing) serves it on loopback, and the crate's `contract` example calls
//! every operation. Prism reports in its log what it found wrong in each request and in each of
//! its own answers (an example that contradicts its schema); the run fails when Prism rejects a
//! request, flags a response, or the client cannot decode what Prism answers. Event streams are
//! given events built from their schemas, so the client decodes real events.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use wait_timeout::ChildExt as _;

use crate::{codegen, json_sample, prism_log};

/// The Prism release the contract is checked against.
pub const PRISM_VERSION: &str = "5.16.0";

/// The outcome of one version.
#[derive(Debug, Default)]
pub struct VersionResult {
    /// The API version.
    pub version: String,
    /// Operations of the version, called or not.
    pub operations: usize,
    /// Operations called.
    pub called: usize,
    /// Calls whose request Prism rejected: operation and reason.
    pub rejected: Vec<(String, String)>,
    /// Calls whose response Prism flagged as violating the document: operation and reason.
    pub flagged: Vec<(String, String)>,
    /// Calls whose response the client could not decode.
    pub undecodable: Vec<(String, String)>,
    /// Calls that failed otherwise, and operations not generated.
    pub failed: Vec<(String, String)>,
    /// Messages (JSON bodies, events) the client decoded.
    pub messages: usize,
    /// The route of each operation, as written in the document (`GET /pets/{id}`).
    pub routes: std::collections::BTreeMap<String, String>,
}

impl VersionResult {
    /// Whether every call kept the contract.
    pub fn passed(&self) -> bool {
        self.rejected.is_empty()
            && self.flagged.is_empty()
            && self.undecodable.is_empty()
            && self.failed.is_empty()
    }
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

/// The table printed after a run, followed by each failure with its reason.
pub fn table(results: &[VersionResult]) -> String {
    let mut out = String::from(
        "| version | operations | called | requests rejected | responses flagged | not decoded | other failures | messages validated |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.version,
            r.operations,
            r.called,
            r.rejected.len(),
            r.flagged.len(),
            r.undecodable.len(),
            r.failed.len(),
            r.messages,
        );
    }
    for r in results {
        for (kind, list) in [
            ("rejected", &r.rejected),
            ("flagged", &r.flagged),
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
/// events: each `text/event-stream` response becomes a string whose example is its events framed
/// as server-sent events (`data: <json>`), so that the client decodes real events from the mock.
/// The events are the response's example, or else built from the event schema: one per member
/// of a union.
pub fn frame_event_streams(document: &mut serde_json::Value) {
    let source = document.clone();
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
                let events = match (media.get("example"), media.get("schema")) {
                    (Some(example), _) => vec![example.clone()],
                    (None, Some(schema)) => json_sample::events(&source, schema),
                    (None, None) => Vec::new(),
                };
                let frame: String = events
                    .iter()
                    .map(|event| format!("data: {event}\n\n"))
                    .collect();
                *media = serde_json::json!({"schema": {"type": "string"}, "example": frame});
            }
        }
    }
}

/// The target directory: `CARGO_TARGET_DIR`, or `target/` in the workspace.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Prism's executable, installed with npm into the target directory when it is not there yet.
pub fn ensure_prism(root: &Path) -> Result<PathBuf> {
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

/// Kills the server when dropped, whatever happens in between (an error, a time limit, a
/// panic that unwinds).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free port on the loopback interface.
pub fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot bind a loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// How long the steps of a run against Prism may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Until Prism listens.
    pub start: Duration,
    /// The whole run of the contract program (each call is bounded by the program itself).
    pub run: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            start: Duration::from_secs(60),
            run: Duration::from_secs(600),
        }
    }
}

/// What a run of the contract program against Prism gave.
#[derive(Debug)]
pub enum Served {
    /// The program ran to its end: its report (standard output) and Prism's log.
    Ran {
        /// The program's report.
        report: String,
        /// Prism's log.
        log: String,
    },
    /// Prism exited before it listened: it could not load the document. Its log says why.
    Refused {
        /// Prism's log.
        log: String,
    },
    /// Prism did not listen, or the program did not end, within its time limit; both were
    /// stopped.
    TimedOut {
        /// Which wait ran out.
        what: String,
        /// Prism's log so far, and whatever the program reported.
        log: String,
    },
    /// The program failed (a panic, a bad argument).
    Crashed {
        /// Its exit status and standard error.
        error: String,
        /// Prism's log.
        log: String,
    },
}

/// Serves `spec` with Prism on a free loopback port, with its log in `log_path`, and runs
/// `program` with the server's base URL as its last argument. Prism is stopped on every path.
pub fn serve(
    prism: &Path,
    spec: &Path,
    log_path: &Path,
    program: &mut Command,
    timeouts: Timeouts,
) -> Result<Served> {
    let port = free_port()?;
    let log = std::fs::File::create(log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let child = Command::new(prism)
        .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(spec)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", prism.display()))?;
    let mut server = Server(child);
    let read_log = || std::fs::read_to_string(log_path).unwrap_or_default();
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
        if let Ok(Some(_)) = server.0.try_wait() {
            return Ok(Served::Refused { log: read_log() });
        }
        if start.elapsed() > timeouts.start {
            drop(server);
            return Ok(Served::TimedOut {
                what: format!("prism did not listen within {:?}", timeouts.start),
                log: read_log(),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = log_path.with_extension("out");
    let err = log_path.with_extension("err");
    let mut child = program
        .arg(format!("http://127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out)?)
        .stderr(std::fs::File::create(&err)?)
        .spawn()
        .context("cannot run the contract example")?;
    let status = match child.wait_timeout(timeouts.run) {
        Ok(Some(status)) => Some(status),
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    };
    // Prism logs a response's violations as it answers; give the last lines time to land.
    std::thread::sleep(Duration::from_millis(500));
    drop(server);
    let report = std::fs::read_to_string(&out).unwrap_or_default();
    let log = read_log();
    Ok(match status {
        None => Served::TimedOut {
            what: format!("the calls did not end within {:?}", timeouts.run),
            log: format!("{log}\n{report}"),
        },
        Some(status) if !status.success() => Served::Crashed {
            error: format!(
                "{status}: {}",
                std::fs::read_to_string(&err).unwrap_or_default().trim()
            ),
            log,
        },
        Some(_) => Served::Ran { report, log },
    })
}

fn check_version(
    prism: &Path,
    program: &Path,
    spec: &Path,
    work: &Path,
    version: &str,
) -> Result<VersionResult> {
    let log_path = work.join(format!("prism-{version}.log"));
    let (_, feature) = generator::krate::Version::names(version);
    let mut command = Command::new(program);
    command.arg(feature.as_str());
    match serve(prism, spec, &log_path, &mut command, Timeouts::default())? {
        Served::Ran { report, log } => Ok(read_report(version, &report, &log)),
        Served::Refused { log } => bail!(
            "prism could not load the document of {version}: {}",
            prism_log::load_failure(&log)
        ),
        Served::TimedOut { what, .. } => {
            bail!("{what} for {version}; see {}", log_path.display())
        }
        Served::Crashed { error, .. } => {
            bail!("the contract example failed for {version}: {error}")
        }
    }
}

/// One line of the contract example: operation, route, messages decoded, outcome.
struct CallLine<'a> {
    operation: &'a str,
    route: &'a str,
    messages: usize,
    outcome: &'a str,
}

/// Whether a call's outcome is Prism's answer to a request it could not route to an operation.
fn unrouted(outcome: &str) -> bool {
    outcome.starts_with("Rejected")
        && (outcome.contains("NO_PATH_MATCHED") || outcome.contains("NO_METHOD_MATCHED"))
}

/// The result of a version from the contract example's report and Prism's log.
pub fn read_report(version: &str, report: &str, log: &str) -> VersionResult {
    let calls: Vec<CallLine<'_>> = report
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(4, '\t');
            let (operation, route, messages, outcome) = (
                fields.next()?,
                fields.next()?,
                fields.next()?,
                fields.next()?,
            );
            Some(CallLine {
                operation,
                route,
                messages: messages.parse().unwrap_or(0),
                outcome,
            })
        })
        .collect();
    let routes: Vec<(&str, bool)> = calls
        .iter()
        .map(|call| (call.route, unrouted(call.outcome)))
        .collect();
    let exchanges = prism_log::assign_calls(&routes, prism_log::parse(log));
    let mut result = VersionResult {
        version: version.to_owned(),
        operations: calls.len(),
        ..VersionResult::default()
    };
    for (call, exchanges) in calls.iter().zip(exchanges) {
        let operation = call.operation.to_owned();
        result
            .routes
            .insert(operation.clone(), call.route.to_owned());
        if call.outcome.starts_with("Skipped") {
            result.failed.push((operation, call.outcome.to_owned()));
            continue;
        }
        result.called += 1;
        result.messages += call.messages;
        let mut request: Vec<String> = exchanges.iter().flat_map(|e| &e.request).cloned().collect();
        if request.is_empty() {
            // Prism could not answer a request it found invalid: its mock's account is all.
            request = exchanges
                .iter()
                .flat_map(|e| &e.invalid)
                .map(|message| format!("request {message}"))
                .collect();
        }
        let response: Vec<&str> = exchanges
            .iter()
            .flat_map(|e| &e.response)
            .map(String::as_str)
            .collect();
        if !request.is_empty() {
            result
                .rejected
                .push((operation.clone(), request.join("; ")));
        } else if call.outcome.starts_with("Rejected") {
            // Prism's own error, when it could not answer, goes with the client's report.
            let errors: Vec<&str> = exchanges
                .iter()
                .flat_map(|e| &e.errors)
                .map(String::as_str)
                .collect();
            let reason = if errors.is_empty() {
                call.outcome.to_owned()
            } else {
                format!(
                    "{}; Request terminated with error: {}",
                    call.outcome,
                    errors.join("; ")
                )
            };
            result.rejected.push((operation.clone(), reason));
        }
        if !response.is_empty() {
            result
                .flagged
                .push((operation.clone(), response.join("; ")));
        }
        if call.outcome.starts_with("Undecodable") {
            result
                .undecodable
                .push((operation, call.outcome.to_owned()));
        } else if call.outcome.starts_with("Failed") {
            result.failed.push((operation, call.outcome.to_owned()));
        } else if call.outcome == "Ok" && exchanges.is_empty() {
            result
                .failed
                .push((operation, "no request reached the server".to_owned()));
        }
    }
    result
}
