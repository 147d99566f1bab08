//! `cargo xtask release`: the next version of `cartesia-api`, computed rather than guessed.
//!
//! The last release is the highest git tag `cartesia-api-v<version>`. Every version module of
//! `specs/` at that tag is compared with the work tree (`generator::diff`): a new module is
//! additive, a removed one breaking, a kept one has the class of its diff. The runtime's public
//! items (`templates/src/runtime`) are compared too ([`runtime_api`](crate::runtime_api)). The
//! most severe class picks the version as cargo reads semver: before 1.0 a breaking change bumps
//! the minor version and anything else the patch; from 1.0 on, breaking bumps the major, additive
//! the minor and documentation the patch.
//!
//! Without any tag there is no previous release: the version in `templates/Cargo.toml` is the
//! first release, and its changelog entry lists the version modules it starts with.
//!
//! Then, unless `--dry-run`: cargo-semver-checks (pinned, installed into the target directory on
//! first use) compares the generated crate with the tagged one; if it finds a breaking change
//! where the diff found none, or none where the diff found one it can see (see
//! [`UNSEEN_BY_SEMVER_CHECKS`]), the release stops and says which. Otherwise the entry goes on top of `templates/CHANGELOG.md`, the version into
//! `templates/Cargo.toml`, `cargo xtask generate` copies both into `generated/`, and
//! `cargo package -p cartesia-api` builds the package. `--dry-run` prints the same plan, runs
//! `cargo package --list`, and writes nothing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use generator::diff::{Class, Diff, Kind};

use crate::diff::{Tree, VersionChange, git, range};
use crate::runtime_api;

/// The tags that mark releases: `cartesia-api-v0.1.0`.
pub const TAG_PREFIX: &str = "cartesia-api-v";

/// The cargo-semver-checks release the class is checked against.
pub const SEMVER_CHECKS_VERSION: &str = "0.51.0";

/// Breaking changes cargo-semver-checks cannot see: it has no lint for a changed type of a
/// field, an argument or a return value (found on the fixture pairs `field_type_changed`,
/// `param_type_changed`, `request_body_changed`, `response_changed`), and a narrowed bound, a
/// fixed value or an operation's security change only what the client does at run time.
pub const UNSEEN_BY_SEMVER_CHECKS: &[Kind] = &[
    Kind::FieldType,
    Kind::ParamType,
    Kind::BodyChanged,
    Kind::ResponseChanged,
    Kind::FieldBounds,
    Kind::ParamBounds,
    Kind::FieldFixed,
    Kind::SecurityChanged,
];

/// Whether a diff has a breaking change cargo-semver-checks can see.
pub fn visible_break(diff: &Diff) -> bool {
    diff.of(Class::Breaking)
        .any(|change| !UNSEEN_BY_SEMVER_CHECKS.contains(&change.kind))
}

/// A `major.minor.patch` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// Reads `1.2.3`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
        let version = Self(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(version)
    }

    /// The version a change of this class earns, as cargo reads semver (`0.x`: breaking bumps
    /// the minor version).
    pub fn bump(self, class: Class) -> Self {
        let Self(major, minor, patch) = self;
        match (major, class) {
            (0, Class::Breaking) => Self(0, minor + 1, 0),
            (0, _) => Self(0, minor, patch + 1),
            (_, Class::Breaking) => Self(major + 1, 0, 0),
            (_, Class::Additive) => Self(major, minor + 1, 0),
            (_, Class::Documentation) => Self(major, minor, patch + 1),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The highest release tag, with its version.
pub fn last_release(root: &Path) -> Result<Option<(String, Version)>> {
    let tags = git(root, &["tag", "--list", &format!("{TAG_PREFIX}*")])?;
    Ok(tags
        .lines()
        .filter_map(|tag| {
            Some((
                tag.to_owned(),
                Version::parse(tag.strip_prefix(TAG_PREFIX)?)?,
            ))
        })
        .max_by_key(|(_, version)| *version))
}

/// The version in `templates/Cargo.toml`.
fn manifest_version(root: &Path) -> Result<(toml_edit::DocumentMut, Version)> {
    let path = root.join("templates/Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let doc: toml_edit::DocumentMut = text.parse().context("templates/Cargo.toml is not TOML")?;
    let version = doc
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .and_then(Version::parse)
        .context("templates/Cargo.toml has no `package.version` of the form 1.2.3")?;
    Ok((doc, version))
}

/// What the next release is.
#[derive(Debug)]
pub struct Plan {
    /// The previous release tag; `None` for the first release.
    pub previous: Option<String>,
    /// The version now in the manifest.
    pub current: Version,
    /// The version to release; `None` when nothing changed since the previous release.
    pub next: Option<Version>,
    /// The most severe class of every change.
    pub class: Option<Class>,
    /// Every version module and what happened to it.
    pub versions: Vec<(String, VersionChange)>,
    /// Changes of the runtime's public items.
    pub runtime: Vec<(Class, String)>,
    /// The changelog entry.
    pub entry: String,
}

/// Computes the next release.
pub fn plan(root: &Path) -> Result<Plan> {
    let (_, current) = manifest_version(root)?;
    let Some((tag, released)) = last_release(root)? else {
        let versions = Tree::Work
            .versions(root)?
            .into_iter()
            .map(|v| (v, VersionChange::Added))
            .collect::<Vec<_>>();
        let entry = entry(current, &versions, &[], None);
        return Ok(Plan {
            previous: None,
            current,
            next: Some(current),
            class: None,
            versions,
            runtime: Vec::new(),
            entry,
        });
    };
    let previous = Tree::Rev(tag.clone());
    let versions = range(root, &previous, &Tree::Work)?;
    let runtime = runtime_api::compare(
        &runtime_api::items(root, &previous)?,
        &runtime_api::items(root, &Tree::Work)?,
    );
    let class = versions
        .iter()
        .filter_map(|(_, change)| change.class())
        .chain(runtime.iter().map(|(class, _)| *class))
        .max();
    let next = class.map(|class| released.bump(class));
    let entry = match next {
        Some(next) => entry(next, &versions, &runtime, Some(&tag)),
        None => String::new(),
    };
    Ok(Plan {
        previous: Some(tag),
        current,
        next,
        class,
        versions,
        runtime,
        entry,
    })
}

/// Today's date, `YYYY-MM-DD`, in UTC.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The changelog entry of a release, grouped by API version.
pub fn entry(
    version: Version,
    versions: &[(String, VersionChange)],
    runtime: &[(Class, String)],
    previous: Option<&str>,
) -> String {
    let mut out = format!("## {version} ({})\n\n", today());
    match previous {
        None => {
            let names: Vec<&str> = versions.iter().map(|(v, _)| v.as_str()).collect();
            let _ = writeln!(
                out,
                "First release, with API versions {}.\n",
                names.join(", ")
            );
            return out;
        }
        Some(tag) => {
            let _ = writeln!(out, "Changes since {tag}.\n");
        }
    }
    for (name, change) in versions.iter().rev() {
        match change {
            VersionChange::Added => {
                let _ = writeln!(out, "### API {name}\n\nNew module (additive).\n");
            }
            VersionChange::Removed => {
                let _ = writeln!(out, "### API {name}\n\nModule removed (breaking).\n");
            }
            VersionChange::Kept(diff) if diff.changes.is_empty() => {}
            VersionChange::Kept(diff) => {
                let (breaking, additive, documentation) = diff.counts();
                let _ = writeln!(
                    out,
                    "### API {name}\n\n{breaking} breaking, {additive} additive, \
                     {documentation} documentation changes.\n"
                );
                for class in [Class::Breaking, Class::Additive] {
                    for change in diff.of(class) {
                        let detail = if change.detail.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", change.detail)
                        };
                        let _ = writeln!(
                            out,
                            "- {}, {}: `{}`{detail}",
                            class.as_str(),
                            change.kind.as_str(),
                            change.key
                        );
                    }
                }
                out.push('\n');
            }
        }
    }
    if !runtime.is_empty() {
        let _ = writeln!(out, "### Runtime\n");
        for (class, what) in runtime {
            let _ = writeln!(out, "- {}: {what}", class.as_str());
        }
        out.push('\n');
    }
    out
}

/// Runs the release; returns what was done (or, with `dry_run`, what would be).
pub fn run(root: &Path, dry_run: bool) -> Result<String> {
    let plan = plan(root)?;
    let mut out = String::new();
    match &plan.previous {
        None => {
            let _ = writeln!(
                out,
                "no release tag {TAG_PREFIX}*: this is the first release, {} as in \
                 templates/Cargo.toml; every version module is new",
                plan.current
            );
        }
        Some(tag) => {
            let _ = writeln!(
                out,
                "previous release: {tag}; class of the changes since: {}",
                plan.class.map_or("none", Class::as_str)
            );
        }
    }
    for (version, change) in &plan.versions {
        let what = match change {
            VersionChange::Added => "module added (additive)".to_owned(),
            VersionChange::Removed => "module removed (breaking)".to_owned(),
            VersionChange::Kept(diff) => {
                let (b, a, d) = diff.counts();
                format!("{b} breaking, {a} additive, {d} documentation")
            }
        };
        let _ = writeln!(out, "  {version}: {what}");
    }
    let (rb, ra) = (
        plan.runtime
            .iter()
            .filter(|(c, _)| *c == Class::Breaking)
            .count(),
        plan.runtime
            .iter()
            .filter(|(c, _)| *c == Class::Additive)
            .count(),
    );
    if plan.previous.is_some() {
        let _ = writeln!(out, "  runtime: {rb} breaking, {ra} additive");
    }
    let Some(next) = plan.next else {
        let _ = writeln!(
            out,
            "nothing changed since the previous release: no release"
        );
        return Ok(out);
    };
    let _ = writeln!(out, "version: {} -> {next}", plan.current);
    // The independent check, against the previous release's crate.
    match &plan.previous {
        None => {
            let _ = writeln!(
                out,
                "cargo-semver-checks: no previous release to compare with"
            );
        }
        Some(tag) if dry_run => {
            let _ = writeln!(
                out,
                "cargo-semver-checks: would compare generated/ with {tag} (skipped by --dry-run)"
            );
        }
        Some(tag) => {
            let work = target_dir(root).join("release");
            let baseline = extract_generated(root, tag, &work.join("baseline"))?;
            let current = copy_generated(root, &work.join("current"))?;
            let (breaking, report) = semver_breaking(root, &baseline, &current)?;
            // What cargo-semver-checks can be expected to find.
            let visible = plan
                .runtime
                .iter()
                .any(|(class, _)| *class == Class::Breaking)
                || plan.versions.iter().any(|(_, change)| match change {
                    VersionChange::Removed => true,
                    VersionChange::Added => false,
                    VersionChange::Kept(diff) => visible_break(diff),
                });
            if breaking != visible {
                bail!(
                    "the computed class is {} ({} breaking change it can see) but \
                     cargo-semver-checks {} a breaking change; fix the rules of \
                     `generator::diff` or the generated code before releasing\n{report}",
                    plan.class.map_or("none", Class::as_str),
                    if visible { "with a" } else { "without a" },
                    if breaking { "finds" } else { "finds no" },
                );
            }
            let _ = writeln!(out, "cargo-semver-checks agrees: breaking = {breaking}");
        }
    }
    let _ = writeln!(out, "\nCHANGELOG entry:\n\n{}", plan.entry);
    if dry_run {
        let listing = cargo(
            root,
            &["package", "-p", "cartesia-api", "--list", "--allow-dirty"],
        )?;
        let _ = writeln!(out, "cargo package --list:\n{listing}");
        let _ = writeln!(out, "dry run: nothing was changed");
        return Ok(out);
    }
    write_release(root, next, &plan.entry)?;
    crate::codegen::generate(root)?;
    cargo(root, &["package", "-p", "cartesia-api", "--allow-dirty"])?;
    let _ = writeln!(
        out,
        "wrote templates/CHANGELOG.md and templates/Cargo.toml, regenerated generated/, \
         packaged cartesia-api {next}; commit, then tag {TAG_PREFIX}{next}"
    );
    Ok(out)
}

/// Puts the entry on top of the changelog and the version into the manifest template.
fn write_release(root: &Path, next: Version, entry: &str) -> Result<()> {
    let (mut doc, _) = manifest_version(root)?;
    doc["package"]["version"] = toml_edit::value(next.to_string());
    let manifest = root.join("templates/Cargo.toml");
    std::fs::write(&manifest, doc.to_string())
        .with_context(|| format!("cannot write {}", manifest.display()))?;
    let path = root.join("templates/CHANGELOG.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let body = old.strip_prefix(CHANGELOG_HEAD).unwrap_or(&old);
    std::fs::write(&path, format!("{CHANGELOG_HEAD}{entry}{body}"))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The changelog's title.
const CHANGELOG_HEAD: &str = "# Changelog\n\nEvery release of `cartesia-api`, newest first, \
     written by `cargo xtask release`.\n\n";

fn cargo(root: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(root)
        .output()
        .with_context(|| format!("cannot run cargo {}", args.join(" ")))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "cargo {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(text)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// cargo-semver-checks' executable, installed from crates.io into the target directory when it
/// is not there yet.
pub fn ensure_semver_checks(root: &Path) -> Result<PathBuf> {
    let dir = target_dir(root).join(format!("cargo-semver-checks-{SEMVER_CHECKS_VERSION}"));
    let bin = dir.join("bin/cargo-semver-checks");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!(
        "installing cargo-semver-checks {SEMVER_CHECKS_VERSION} into {} (a long build, once)",
        dir.display()
    );
    let status = Command::new(env!("CARGO"))
        .args(["install", "cargo-semver-checks", "--locked", "--version"])
        .arg(SEMVER_CHECKS_VERSION)
        .arg("--root")
        .arg(&dir)
        .env("CARGO_TARGET_DIR", dir.join("build"))
        .status()
        .context("cannot run cargo install")?;
    if !status.success() || !bin.is_file() {
        bail!("cargo could not install cargo-semver-checks {SEMVER_CHECKS_VERSION}");
    }
    Ok(bin)
}

/// Makes a crate directory stand alone, at version 1.0.0 so that cargo-semver-checks reads a
/// minor release by 1.x rules (at 0.x it would allow breaking changes in a minor release).
fn standalone_manifest(dir: &Path) -> Result<()> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not TOML", path.display()))?;
    doc["package"]["version"] = toml_edit::value("1.0.0");
    if doc.get("workspace").is_none() {
        doc["workspace"] = toml_edit::table();
    }
    std::fs::write(&path, doc.to_string())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The generated crate at a tag, extracted with `git archive`.
fn extract_generated(root: &Path, tag: &str, dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let archive = Command::new("git")
        .args(["archive", "--format=tar", tag, "generated"])
        .current_dir(root)
        .output()
        .context("cannot run git archive")?;
    if !archive.status.success() {
        bail!("git archive {tag} generated failed");
    }
    let mut tar = Command::new("tar")
        .args(["-x", "-C"])
        .arg(dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .context("cannot run tar")?;
    if let Some(stdin) = tar.stdin.as_mut() {
        std::io::Write::write_all(stdin, &archive.stdout).context("cannot feed tar")?;
    }
    drop(tar.stdin.take());
    if !tar.wait().context("tar failed")?.success() {
        bail!("tar could not extract generated/ of {tag}");
    }
    let krate = dir.join("generated");
    standalone_manifest(&krate)?;
    Ok(krate)
}

/// A copy of the work tree's generated crate.
fn copy_generated(root: &Path, dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    copy_dir(&root.join("generated"), dir)?;
    standalone_manifest(dir)?;
    Ok(dir.to_owned())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}

/// Whether cargo-semver-checks finds a breaking change from `baseline` to `current` (both
/// crate directories at version 1.0.0, checked as a minor release with every feature), and its
/// report.
pub fn semver_breaking(root: &Path, baseline: &Path, current: &Path) -> Result<(bool, String)> {
    let bin = ensure_semver_checks(root)?;
    let output = Command::new(&bin)
        .args([
            "semver-checks",
            "check-release",
            "--release-type",
            "minor",
            "--all-features",
        ])
        .arg("--manifest-path")
        .arg(current.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(baseline)
        .env("CARGO_TARGET_DIR", target_dir(root).join("semver-checks"))
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        return Ok((false, report));
    }
    // A failure that is not a finding (a build error) must not pass for one.
    if report.contains("FAIL") || report.contains("requires new major version") {
        Ok((true, report))
    } else {
        bail!("cargo-semver-checks failed without a finding:\n{report}")
    }
}

/// One side of a fixture pair, lowered with its WebSocket channels when it has them.
fn fixture_api(case: &Path, side: &str) -> Result<generator::ir::Api> {
    let document = generator::load::load(&case.join(format!("{side}.yml")))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let channels = case.join(format!("{side}.asyncapi.yml"));
    let channels = if channels.is_file() {
        Some(
            generator::asyncapi::load_with_overlay(&channels, None)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
    } else {
        None
    };
    let lowered =
        generator::lower_with(&document, channels.as_ref(), &generator::Config::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(lowered.api)
}

/// For every fixture pair of `generator/tests/diff/`: the computed class, and whether
/// cargo-semver-checks finds a breaking change between the two generated crates; as a table.
/// They agree when cargo-semver-checks finds a break exactly where the diff has a breaking change
/// outside [`UNSEEN_BY_SEMVER_CHECKS`]; the command fails on any pair where they do not.
pub fn fixture_agreement(root: &Path) -> Result<String> {
    let fixtures = root.join("generator/tests/diff");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .with_context(|| format!("cannot read {}", fixtures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("old.yml").is_file())
        .collect();
    cases.sort();
    let work = target_dir(root).join("semver-fixtures");
    let mut out =
        String::from("| case | computed | cargo-semver-checks | agree |\n|---|---|---|---|\n");
    let mut disagree = Vec::new();
    for case in cases {
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let diff = generator::diff::diff(&fixture_api(&case, "old")?, &fixture_api(&case, "new")?);
        let computed = diff.class();
        let visible = visible_break(&diff);
        let mut crates = Vec::new();
        for side in ["old", "new"] {
            let out_dir = work.join(&name).join(side);
            let request = crate::standalone::Request {
                spec: case.join(format!("{side}.yml")),
                overlay: None,
                asyncapi: Some(case.join(format!("{side}.asyncapi.yml")))
                    .filter(|path| path.is_file()),
                asyncapi_overlay: None,
                out: out_dir.clone(),
                name: "fixture-api".to_owned(),
                examples: false,
                contract: false,
                docs_base_url: None,
            };
            crate::standalone::generate(root, &request)
                .with_context(|| format!("{name}: cannot generate the {side} crate"))?;
            standalone_manifest(&out_dir)?;
            crates.push(out_dir);
        }
        let (breaking, report) = semver_breaking(root, &crates[0], &crates[1])?;
        let agree = breaking == visible;
        if !agree {
            disagree.push(format!("{name}:\n{report}"));
        }
        let _ = writeln!(
            out,
            "| {name} | {}{} | {} | {} |",
            computed.map_or("none", Class::as_str),
            if computed == Some(Class::Breaking) && !visible {
                " (unseen by cargo-semver-checks)"
            } else {
                ""
            },
            if breaking { "breaking" } else { "not breaking" },
            if agree { "yes" } else { "NO" }
        );
        eprintln!(
            "{name}: computed {}, cargo-semver-checks breaking = {breaking}",
            computed.map_or("none", Class::as_str)
        );
    }
    if !disagree.is_empty() {
        bail!(
            "{out}\ncargo-semver-checks disagrees on:\n{}",
            disagree.join("\n")
        );
    }
    Ok(out)
}
