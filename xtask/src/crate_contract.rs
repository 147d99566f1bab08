//! `cargo xtask crate --contract`: a standalone crate's operations called once each through its
//! contract example against Prism serving the same (overlaid) document, with every failure
//! attributed to the generator or to the document ([`crate::contract_causes`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;
use wait_timeout::ChildExt as _;

use crate::contract::{self, Served, Timeouts, VersionResult};
use crate::contract_causes::{self, Failure, Kind, Owner};
use crate::prism_log;

/// How to run one crate's contract.
#[derive(Debug, Clone)]
pub struct Options {
    /// Prism's executable.
    pub prism: PathBuf,
    /// The target directory the example is built in (shared by the crates of a corpus run).
    pub target: PathBuf,
    /// Where the served document, Prism's log and the example's report are written.
    pub work: PathBuf,
    /// Time limits of Prism's start and of the calls.
    pub timeouts: Timeouts,
    /// Time limit of building the example.
    pub build: Duration,
}

/// The outcome of one crate's contract run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Operations of the document, called or not.
    pub operations: usize,
    /// Operations called.
    pub called: usize,
    /// Requests Prism rejected.
    pub rejected: usize,
    /// Responses Prism flagged.
    pub flagged: usize,
    /// Responses the client could not decode.
    pub undecodable: usize,
    /// Other failures.
    pub failed: usize,
    /// Messages the client decoded.
    pub messages: usize,
    /// Operations called whose request was accepted and whose response decoded.
    pub passed: usize,
    /// Operations called with a failure attributed to the document, and none to the generator.
    pub spec_only: usize,
    /// Operations called with a failure attributed to the generator.
    pub generator: usize,
    /// Every failure, attributed.
    pub failures: Vec<Failure>,
}

impl Outcome {
    /// Whether any failure is the generator's.
    pub fn generator_failed(&self) -> bool {
        self.failures.iter().any(|f| f.owner == Owner::Generator)
    }

    /// The outcome of a run whose calls were made.
    pub fn of(result: &VersionResult, document: Option<&serde_json::Value>) -> Self {
        let failures = contract_causes::classify(result, document);
        let mut outcome = Self {
            operations: result.operations,
            called: result.called,
            rejected: result.rejected.len(),
            flagged: result.flagged.len(),
            undecodable: result.undecodable.len(),
            failed: result.failed.len(),
            messages: result.messages,
            ..Self::default()
        };
        let called: Vec<&String> = result
            .routes
            .keys()
            .filter(|op| {
                !result
                    .failed
                    .iter()
                    .any(|(f, r)| f == *op && r.starts_with("Skipped"))
            })
            .collect();
        for op in called {
            let owners: Vec<Owner> = failures
                .iter()
                .filter(|f| &f.operation == op)
                .map(|f| f.owner)
                .collect();
            if owners.contains(&Owner::Generator) {
                outcome.generator += 1;
            } else if owners.is_empty() {
                outcome.passed += 1;
            } else {
                outcome.spec_only += 1;
            }
        }
        outcome.failures = failures;
        outcome
    }

    /// The outcome of a run that could not call anything: one failure for the whole crate.
    pub fn whole(operations: usize, owner: Owner, cause: &str, reason: &str) -> Self {
        Self {
            operations,
            failed: 1,
            failures: vec![Failure {
                kind: Kind::Failed,
                operation: "(crate)".to_owned(),
                owner,
                cause: cause.to_owned(),
                reason: reason.chars().take(600).collect(),
            }],
            ..Self::default()
        }
    }
}

/// The document Prism serves: the spec with its overlay, event streams framed as text.
pub fn served_document(spec: &Path, overlay: Option<&Path>) -> Result<serde_json::Value> {
    let mut value = generator::load::read_value(spec).map_err(|err| anyhow::anyhow!("{err}"))?;
    if let Some(overlay) = overlay {
        let actions =
            generator::load::read_value(overlay).map_err(|err| anyhow::anyhow!("{err}"))?;
        generator::overlay::apply(&mut value, overlay, actions)
            .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    contract::frame_event_streams(&mut value);
    Ok(value)
}

/// Builds the crate's contract example, serves the document with Prism and calls every
/// operation. `operations` is the count the generation reported, for a run that calls nothing.
pub fn run(
    crate_dir: &Path,
    document: &serde_json::Value,
    operations: usize,
    options: &Options,
) -> Result<Outcome> {
    std::fs::create_dir_all(&options.work)
        .with_context(|| format!("cannot create {}", options.work.display()))?;
    let spec = options.work.join("served.json");
    std::fs::write(&spec, serde_json::to_vec_pretty(document)?)
        .with_context(|| format!("cannot write {}", spec.display()))?;
    let build_log = options.work.join("build.log");
    let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    build
        .args(["build", "--quiet", "--example", "contract"])
        .env("CARGO_TARGET_DIR", &options.target)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .current_dir(crate_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&build_log)?);
    let mut child = build.spawn().context("cannot run cargo build")?;
    let built = match child.wait_timeout(options.build) {
        Ok(Some(status)) => status.success(),
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Outcome::whole(
                operations,
                Owner::Generator,
                "the contract example did not build in time",
                &format!("cargo build ran past {:?}", options.build),
            ));
        }
    };
    if !built {
        let log = std::fs::read_to_string(&build_log).unwrap_or_default();
        let first = log
            .lines()
            .find(|line| line.starts_with("error"))
            .unwrap_or("cargo build failed")
            .to_owned();
        return Ok(Outcome::whole(
            operations,
            Owner::Generator,
            &format!(
                "the contract example does not build: {}",
                crate::corpus::cause_of(&first)
            ),
            &log.lines().take(12).collect::<Vec<_>>().join("\n"),
        ));
    }
    let program = options
        .target
        .join("debug/examples")
        .join(format!("contract{}", std::env::consts::EXE_SUFFIX));
    let mut command = Command::new(&program);
    let log_path = options.work.join("prism.log");
    Ok(
        match contract::serve(
            &options.prism,
            &spec,
            &log_path,
            &mut command,
            options.timeouts,
        )? {
            Served::Ran { report, log } => {
                std::fs::write(options.work.join("report.tsv"), &report).ok();
                let result = contract::read_report("crate", &report, &log);
                Outcome::of(&result, Some(document))
            }
            Served::Refused { log } => Outcome::whole(
                operations,
                Owner::Spec,
                "Prism refuses to load the document",
                &prism_log::load_failure(&log),
            ),
            Served::TimedOut { what, .. } => {
                Outcome::whole(operations, Owner::Generator, "time limit", &what)
            }
            Served::Crashed { error, .. } => Outcome::whole(
                operations,
                Owner::Generator,
                "the contract example crashed",
                &error,
            ),
        },
    )
}

/// The table of one crate's run, as `cargo xtask contract` prints it, and each failure with its
/// owner and reason.
pub fn table(name: &str, outcome: &Outcome) -> String {
    let mut out = String::from(
        "| crate | operations | called | requests rejected | responses flagged | not decoded | other failures | messages validated |\n|---|---|---|---|---|---|---|---|\n",
    );
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {} | {} | {} | {} | {} |",
        outcome.operations,
        outcome.called,
        outcome.rejected,
        outcome.flagged,
        outcome.undecodable,
        outcome.failed,
        outcome.messages,
    );
    let _ = writeln!(
        out,
        "\n{} of {} operations called passed; {} failed only for the document's own reasons, {} for the generator's",
        outcome.passed, outcome.called, outcome.spec_only, outcome.generator
    );
    for f in &outcome.failures {
        let owner = match f.owner {
            Owner::Generator => "generator",
            Owner::Spec => "document",
        };
        let _ = writeln!(
            out,
            "{} {:?} [{owner}: {}]: {}",
            f.operation, f.kind, f.cause, f.reason
        );
    }
    out
}
