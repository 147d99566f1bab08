//! `cargo xtask bench`: how fast the release generator makes a crate, and how fast cargo checks
//! it, on a fixed set of specs: every Cartesia version (with its overlay) and three large specs
//! of the public OpenAPI directory (Google Compute, GitHub, Microsoft Graph beta). When
//! `cargo-progenitor` is on `PATH`, the same specs go through it too and the report compares.
//! Measures; asserts nothing. Everything happens under `target/bench/`.
//!
//! Each generation and each `cargo check` runs under the probe (`xtask bench-hostile --probe`,
//! hidden), whose only child it is, so that its peak resident size is the child's (and for
//! `cargo check` the largest `rustc`'s); the probe stops a child past its time limit.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The specs of the OpenAPI directory measured, by id.
pub const CORPUS_SPECS: [&str; 3] = [
    "googleapis.com/compute",
    "github.com/api.github.com",
    "microsoft.com/graph-beta",
];

/// The `cargo-progenitor` the comparison was made with; another version is used but named in
/// the report.
pub const PROGENITOR_VERSION: &str = "0.15.1";

/// What to measure.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only specs whose id contains this text.
    pub only: Option<String>,
    /// Also `cargo check` every crate.
    pub check: bool,
    /// Limit of one generation.
    pub generate_timeout: Duration,
    /// Limit of one `cargo check`.
    pub check_timeout: Duration,
}

/// One spec to measure.
#[derive(Debug, Clone)]
struct Spec {
    id: String,
    file: PathBuf,
    overlay: Option<PathBuf>,
}

/// One timed run of a child.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Run {
    /// Whether it succeeded (within its limit).
    pub ok: bool,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Peak resident size in MiB.
    pub peak_mib: f64,
}

/// One generator on one spec.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Side {
    /// The generation.
    pub generate: Run,
    /// `cargo check` of the crate alone, its dependencies built before.
    pub check: Option<Run>,
    /// Lines of Rust in the crate's `src/`, the runtime included.
    pub lines: usize,
}

/// One spec's measurements.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measurement {
    /// The spec (`2026-03-01`, `microsoft.com/graph-beta`).
    pub spec: String,
    /// The spec file's size in bytes.
    pub bytes: u64,
    /// This generator.
    pub ours: Side,
    /// `cargo-progenitor`, when it is on `PATH`.
    pub progenitor: Option<Side>,
}

/// The whole report, as written to `target/bench/report.json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// `cargo-progenitor --version`, when it was used.
    pub progenitor: Option<String>,
    /// Per spec.
    pub specs: Vec<Measurement>,
}

/// The run's folder.
pub fn bench_dir(root: &Path) -> PathBuf {
    root.join("target").join("bench")
}

/// Measures every spec and writes `report.md` and `report.json` under `target/bench/`.
pub fn run(root: &Path, options: &Options) -> Result<Report> {
    let exe = crate::corpus::generator_exe()?;
    let dir = bench_dir(root);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let progenitor = progenitor_version();
    match &progenitor {
        Some(version) => eprintln!("comparing with {version}"),
        None => eprintln!("cargo-progenitor is not on PATH: measuring this generator alone"),
    }
    let specs: Vec<Spec> = specs(root)?
        .into_iter()
        .filter(|s| {
            options
                .only
                .as_deref()
                .is_none_or(|only| s.id.contains(only))
        })
        .collect();
    if specs.is_empty() {
        bail!("no spec matches");
    }
    let target = dir.join("target");
    let mut report = Report {
        progenitor: progenitor.clone(),
        specs: Vec::new(),
    };
    for spec in &specs {
        let slug = slug(&spec.id);
        eprintln!("{}: generating", spec.id);
        let out = dir.join("ours").join(&slug);
        let mut command: Vec<std::ffi::OsString> = vec![
            exe.clone().into(),
            "--root".into(),
            root.into(),
            "crate".into(),
            "--name".into(),
            format!("bench-{slug}").into(),
            "--spec".into(),
            spec.file.clone().into(),
            "--out".into(),
            out.clone().into(),
        ];
        if let Some(overlay) = &spec.overlay {
            command.extend(["--overlay".into(), overlay.clone().into()]);
        }
        let generate = measure(root, &exe, &command, options.generate_timeout)?;
        let ours = side(root, &exe, generate, &out, &target, options)?;
        let progenitor = match &progenitor {
            Some(_) => Some(with_progenitor(root, &exe, spec, &slug, &target, options)?),
            None => None,
        };
        report.specs.push(Measurement {
            spec: spec.id.clone(),
            bytes: std::fs::metadata(&spec.file).map_or(0, |m| m.len()),
            ours,
            progenitor,
        });
    }
    let json = serde_json::to_string_pretty(&report).context("cannot write the report")?;
    std::fs::write(dir.join("report.json"), json + "\n").context("cannot write report.json")?;
    std::fs::write(dir.join("report.md"), table(&report)).context("cannot write report.md")?;
    Ok(report)
}

/// The Cartesia versions, oldest first, then the corpus specs (fetched with npm when missing).
fn specs(root: &Path) -> Result<Vec<Spec>> {
    let mut out = Vec::new();
    for version in crate::codegen::spec_versions(root)? {
        let dir = root.join("specs").join(&version);
        let overlay = dir.join("overlay.yml");
        out.push(Spec {
            id: version,
            file: dir.join("api.yml"),
            overlay: overlay.is_file().then_some(overlay),
        });
    }
    let api = crate::corpus::fetch(root)?;
    for id in CORPUS_SPECS {
        let file = api.join(format!("{id}.json"));
        if !file.is_file() {
            bail!("{} is missing from the corpus package", file.display());
        }
        out.push(Spec {
            id: id.to_owned(),
            file,
            overlay: None,
        });
    }
    Ok(out)
}

/// A spec id as a package and folder name: `microsoft.com/graph-beta` -> `microsoft-com-graph-beta`.
fn slug(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_ascii_lowercase()
}

/// Runs `command` under the probe.
fn measure(
    root: &Path,
    exe: &Path,
    command: &[std::ffi::OsString],
    limit: Duration,
) -> Result<Run> {
    let output = Command::new(exe)
        .arg("--root")
        .arg(root)
        .args(["bench-hostile", "--probe", "--limit"])
        .arg(limit.as_secs().max(1).to_string())
        .arg("--")
        .args(command)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run the probe")?;
    let line = String::from_utf8_lossy(&output.stdout);
    let Some((ok, wall, rss)) = crate::bench::parse_probe(&line) else {
        bail!("the probe printed `{}`", line.trim());
    };
    Ok(Run {
        ok,
        seconds: wall.as_secs_f64(),
        peak_mib: rss as f64 / 1024.0,
    })
}

/// The check and the size of a crate that generated.
fn side(
    root: &Path,
    exe: &Path,
    generate: Run,
    krate: &Path,
    target: &Path,
    options: &Options,
) -> Result<Side> {
    if !generate.ok {
        return Ok(Side {
            generate,
            check: None,
            lines: 0,
        });
    }
    let check = if options.check {
        Some(check(root, exe, krate, target, options.check_timeout)?)
    } else {
        None
    };
    Ok(Side {
        generate,
        check,
        lines: rust_lines(&krate.join("src")),
    })
}

/// `cargo check` of a crate alone: its dependencies are checked first (in a target directory
/// shared by every crate of the run), then its source is touched and the check timed.
fn check(root: &Path, exe: &Path, krate: &Path, target: &Path, limit: Duration) -> Result<Run> {
    let manifest = krate.join("Cargo.toml");
    let cargo: Vec<std::ffi::OsString> = vec![
        "env".into(),
        format!("CARGO_TARGET_DIR={}", target.display()).into(),
        "CARGO_INCREMENTAL=0".into(),
        std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        "check".into(),
        "--quiet".into(),
        "--manifest-path".into(),
        manifest.into(),
    ];
    eprintln!("{}: checking the dependencies", krate.display());
    let warm = measure(root, exe, &cargo, limit)?;
    if !warm.ok {
        return Ok(warm);
    }
    let lib = krate.join("src/lib.rs");
    std::fs::File::options()
        .append(true)
        .open(&lib)
        .and_then(|file| file.set_modified(std::time::SystemTime::now()))
        .with_context(|| format!("cannot touch {}", lib.display()))?;
    eprintln!("{}: checking", krate.display());
    measure(root, exe, &cargo, limit)
}

/// Lines of the `.rs` files under `dir`.
fn rust_lines(dir: &Path) -> usize {
    let mut lines = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                lines += std::fs::read(&path).map_or(0, |b| bytecount_lines(&b));
            }
        }
    }
    lines
}

fn bytecount_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// `cargo-progenitor --version` when it is on `PATH`.
fn progenitor_version() -> Option<String> {
    let output = Command::new("cargo-progenitor")
        .args(["progenitor", "--version"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The same spec through `cargo-progenitor`: the document with its overlay applied, as JSON (it
/// knows no overlays), into a crate of its own workspace.
fn with_progenitor(
    root: &Path,
    exe: &Path,
    spec: &Spec,
    slug: &str,
    target: &Path,
    options: &Options,
) -> Result<Side> {
    let dir = bench_dir(root).join("progenitor");
    let input = dir.join(format!("{slug}.json"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut value =
        generator::load::read_value(&spec.file).map_err(|err| anyhow::anyhow!("{err}"))?;
    if let Some(overlay) = &spec.overlay {
        let actions =
            generator::load::read_value(overlay).map_err(|err| anyhow::anyhow!("{err}"))?;
        generator::overlay::apply(&mut value, overlay, actions)
            .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    let text = serde_json::to_string(&value).context("cannot write the document as JSON")?;
    drop(value);
    std::fs::write(&input, text).with_context(|| format!("cannot write {}", input.display()))?;
    let out = dir.join(slug);
    if out.exists() {
        std::fs::remove_dir_all(&out)
            .with_context(|| format!("cannot remove {}", out.display()))?;
    }
    eprintln!("{}: generating with cargo-progenitor", spec.id);
    let command: Vec<std::ffi::OsString> = vec![
        "cargo-progenitor".into(),
        "progenitor".into(),
        "-i".into(),
        input.into(),
        "-o".into(),
        out.clone().into(),
        "-n".into(),
        format!("progenitor-{slug}").into(),
        "-v".into(),
        "0.1.0".into(),
    ];
    let generate = measure(root, exe, &command, options.generate_timeout)?;
    if generate.ok {
        // A workspace of its own, as this generator's crates have, so that the bench folder's
        // enclosing workspace does not claim it.
        let manifest = out.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("cannot read {}", manifest.display()))?;
        if !text.contains("[workspace]") {
            std::fs::write(&manifest, text + "\n[workspace]\n")
                .with_context(|| format!("cannot write {}", manifest.display()))?;
        }
    }
    side(root, exe, generate, &out, target, options)
}

fn run_cell(run: Option<&Run>) -> String {
    match run {
        None => "".to_owned(),
        Some(run) if !run.ok => "failed".to_owned(),
        Some(run) => format!("{:.2} s", run.seconds),
    }
}

fn ratio(ours: Option<&Run>, theirs: Option<&Run>) -> String {
    match (ours, theirs) {
        (Some(a), Some(b)) if a.ok && b.ok && b.seconds > 0.0 => {
            format!("{:.2}", a.seconds / b.seconds)
        }
        _ => "".to_owned(),
    }
}

/// The report as a markdown table (ratios are this generator's time over progenitor's).
pub fn table(report: &Report) -> String {
    let mut out = String::from("# Generation and check times\n\n");
    let _ = writeln!(
        out,
        "Measured by `cargo xtask bench`; `check` is `cargo check` of the crate alone, its \
         dependencies checked before.\n"
    );
    out.push_str(
        "| spec | MB | generate | peak MiB | lines | check | check peak MiB |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in &report.specs {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {} | {:.0} | {} | {} | {} |",
            m.spec,
            m.bytes as f64 / 1e6,
            run_cell(Some(&m.ours.generate)),
            m.ours.generate.peak_mib,
            m.ours.lines,
            run_cell(m.ours.check.as_ref()),
            m.ours
                .check
                .as_ref()
                .map_or(String::new(), |c| format!("{:.0}", c.peak_mib)),
        );
    }
    if let Some(version) = &report.progenitor {
        let note = if version.contains(PROGENITOR_VERSION) {
            String::new()
        } else {
            format!(" (the comparison was set up with {PROGENITOR_VERSION})")
        };
        let _ = writeln!(
            out,
            "\n## Compared with {version}{note}\n\nRatios are this generator's time over progenitor's.\n"
        );
        out.push_str(
            "| spec | progenitor generate | peak MiB | lines | check | generate ratio | check ratio |\n|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for m in &report.specs {
            let Some(p) = &m.progenitor else { continue };
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {} | {} | {} | {} |",
                m.spec,
                run_cell(Some(&p.generate)),
                p.generate.peak_mib,
                p.lines,
                run_cell(p.check.as_ref()),
                ratio(Some(&m.ours.generate), Some(&p.generate)),
                ratio(m.ours.check.as_ref(), p.check.as_ref()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_package_names() {
        assert_eq!(slug("microsoft.com/graph-beta"), "microsoft-com-graph-beta");
        assert_eq!(slug("2026-03-01"), "2026-03-01");
    }

    #[test]
    fn the_table_shows_failures_and_ratios() {
        let run = |ok, seconds| Run {
            ok,
            seconds,
            peak_mib: 100.0,
        };
        let side = |generate, check| Side {
            generate,
            check,
            lines: 10,
        };
        let report = Report {
            progenitor: Some("cargo-progenitor 0.15.1".to_owned()),
            specs: vec![
                Measurement {
                    spec: "a".to_owned(),
                    bytes: 2_000_000,
                    ours: side(run(true, 1.0), Some(run(true, 3.0))),
                    progenitor: Some(side(run(true, 4.0), Some(run(true, 6.0)))),
                },
                Measurement {
                    spec: "b".to_owned(),
                    bytes: 1,
                    ours: side(run(false, 9.0), None),
                    progenitor: Some(side(run(true, 1.0), None)),
                },
            ],
        };
        let text = table(&report);
        assert!(
            text.contains("| a | 2.0 | 1.00 s | 100 | 10 | 3.00 s | 100 |"),
            "{text}"
        );
        assert!(
            text.contains("| a | 4.00 s | 100 | 10 | 6.00 s | 0.25 | 0.50 |"),
            "{text}"
        );
        assert!(text.contains("| b | 0.0 | failed |"), "{text}");
        assert!(!text.contains("set up with"), "{text}");
    }
}
