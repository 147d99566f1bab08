//! `cargo xtask crate`: a standalone client crate from any OpenAPI file, with its WebSocket
//! channels from an AsyncAPI file beside it, with the same generator and runtime as the Cartesia
//! client.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use generator::krate::{self, Standalone};
use generator::{Config, Diagnostic, load};

/// The command named in the headers of standalone crates.
pub const COMMAND: &str = "cargo xtask crate";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Request {
    /// The OpenAPI document (YAML or JSON).
    pub spec: PathBuf,
    /// An OpenAPI Overlay 1.0 file applied to the document first.
    pub overlay: Option<PathBuf>,
    /// An AsyncAPI 3.0 document describing the API's WebSocket channels.
    pub asyncapi: Option<PathBuf>,
    /// An Overlay 1.0 file applied to the AsyncAPI document first.
    pub asyncapi_overlay: Option<PathBuf>,
    /// The crate's directory; replaced as a whole if it holds a crate generated before.
    pub out: PathBuf,
    /// The package name.
    pub name: String,
    /// Also write `tests/examples.rs`, a test that decodes the document's schema examples.
    pub examples: bool,
    /// Also write the contract example, `examples/contract/`, which calls every operation once.
    pub contract: bool,
    /// The API's documentation site, against which relative links in descriptions resolve.
    pub docs_base_url: Option<String>,
}

/// What a standalone generation produced.
#[derive(Debug)]
pub struct Report {
    /// Places where the generator degraded or left something out.
    pub warnings: Vec<Diagnostic>,
    /// Operations generated.
    pub operations: usize,
    /// WebSocket channels generated.
    pub channels: usize,
    /// Named types generated.
    pub types: usize,
    /// Files written.
    pub files: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// Checks a package name the way cargo does, so the error comes before anything is written.
pub fn check_package_name(name: &str) -> Result<()> {
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let Some(first) = name.chars().next() else {
        bail!("the package name is empty");
    };
    if !valid || !first.is_ascii_alphabetic() {
        bail!(
            "`{name}` is not a valid package name: use ASCII letters, digits, `-` and `_`, starting with a letter"
        );
    }
    let library = krate::library_name(name);
    if syn::parse_str::<syn::Ident>(&library).is_err() || library == "test" {
        bail!("`{name}` is not a valid package name: `{library}` is reserved in Rust");
    }
    Ok(())
}

/// The workspace's lints, which standalone crates carry in their own manifest.
pub fn workspace_lints(root: &Path) -> Result<Option<toml_edit::Table>> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    Ok(doc
        .get("workspace")
        .and_then(|w| w.get("lints"))
        .and_then(|l| l.as_table())
        .cloned())
}

/// The step a generation failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The arguments or the output directory.
    Setup,
    /// Reading, overlaying and parsing the document.
    Parse,
    /// Lowering the document and assembling the crate.
    Generate,
    /// Writing the crate.
    Write,
}

/// A generation that failed, and in which step.
#[derive(Debug, thiserror::Error)]
#[error("{error:#}")]
pub struct Failure {
    /// The step.
    pub stage: Stage,
    /// What went wrong.
    pub error: anyhow::Error,
}

fn at<E: Into<anyhow::Error>>(stage: Stage) -> impl FnOnce(E) -> Failure {
    move |error| Failure {
        stage,
        error: error.into(),
    }
}

/// Generates the crate into `request.out`. Nothing is written unless the whole crate generates,
/// and a directory that holds anything but a crate generated before is never replaced.
pub fn generate(root: &Path, request: &Request) -> Result<Report, Failure> {
    let start = Instant::now();
    check_package_name(&request.name).map_err(at(Stage::Setup))?;
    if let Some(url) = &request.docs_base_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(at(Stage::Setup)(anyhow::anyhow!(
            "the documentation base URL `{url}` is not an http(s) URL"
        )));
    }
    if request.asyncapi_overlay.is_some() && request.asyncapi.is_none() {
        return Err(at(Stage::Setup)(anyhow::anyhow!(
            "an AsyncAPI overlay is given without an AsyncAPI document"
        )));
    }
    guard_out(&request.out).map_err(at(Stage::Setup))?;
    let steps = crate::progress::Steps::new();
    steps.step(format!("reading {}", request.spec.display()));
    let document = load::load_with_overlay(&request.spec, request.overlay.as_deref())
        .map_err(at(Stage::Parse))?;
    let channels = request
        .asyncapi
        .as_deref()
        .map(|path| {
            generator::asyncapi::load_with_overlay(path, request.asyncapi_overlay.as_deref())
        })
        .transpose()
        .map_err(at(Stage::Parse))?;
    steps.step("lowering");
    let lowered = generator::lower_with(
        &document,
        channels.as_ref(),
        &Config {
            api_version: None,
            env: None,
            version_header: None,
            docs_base_url: request.docs_base_url.clone(),
        },
    )
    .map_err(at(Stage::Generate))?;
    // Emission needs only the lowered API: the document (for the largest specs most of the
    // memory in use) goes before the files are made.
    drop((document, channels));
    let with_overlay = |spec: &Path, overlay: Option<&Path>| match overlay {
        Some(overlay) => format!("{} with {}", file_name(spec), file_name(overlay)),
        None => file_name(spec),
    };
    let mut source = with_overlay(&request.spec, request.overlay.as_deref());
    if let Some(asyncapi) = &request.asyncapi {
        source.push_str(" and ");
        source.push_str(&with_overlay(asyncapi, request.asyncapi_overlay.as_deref()));
    }
    steps.step("printing the crate");
    let files = krate::standalone(
        &root.join("templates"),
        &lowered.api,
        &Standalone {
            package: &request.name,
            source: &source,
            command: COMMAND,
            lints: workspace_lints(root).map_err(at(Stage::Setup))?,
            examples: request.examples,
            contract: request.contract,
        },
    )
    .map_err(at(Stage::Generate))?;
    steps.step(format!("writing {}", request.out.display()));
    let (staging, retired) = beside(&request.out).map_err(at(Stage::Write))?;
    crate::codegen::replace_tree(&request.out, &staging, &retired, &files)
        .map_err(at(Stage::Write))?;
    Ok(Report {
        warnings: lowered.warnings,
        operations: lowered.api.groups.iter().map(|g| g.operations.len()).sum(),
        channels: lowered.api.channels.len(),
        types: lowered.api.types.len(),
        files: files.len(),
        elapsed: start.elapsed(),
    })
}

/// The file name alone: headers should not carry the generating machine's paths.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Refuses to replace a directory that is not empty and not a crate this command made.
fn guard_out(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        bail!("{} exists and is not a directory", out.display());
    }
    let empty = std::fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap_or_default();
    if manifest.starts_with(&format!("# Generated by `{COMMAND}`")) {
        return Ok(());
    }
    bail!(
        "{} is not empty and does not hold a crate generated by `{COMMAND}`; refusing to replace it",
        out.display()
    )
}

/// Staging and retired directories next to `out`, on the same file system.
fn beside(out: &Path) -> Result<(PathBuf, PathBuf)> {
    let name = out
        .file_name()
        .with_context(|| format!("{} has no directory name", out.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    Ok((
        parent.join(format!(".{name}.new")),
        parent.join(format!(".{name}.old")),
    ))
}

/// A generation's result as one JSON line, for a parent process that runs generations in child
/// processes (the corpus run), so that a panic or a hang is contained and reported.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// The failed step, if any.
    pub failed: Option<Stage>,
    /// The error, if any.
    pub error: Option<String>,
    /// Warnings of a generation.
    pub warnings: usize,
    /// The first warning.
    pub first_warning: Option<String>,
    /// Warnings counted by kind: the message with the specifics taken out (see
    /// [`crate::corpus::cause_of`]).
    #[serde(default)]
    pub warning_kinds: BTreeMap<String, usize>,
    /// Operations generated.
    pub operations: usize,
    /// Named types generated.
    pub types: usize,
}

impl Outcome {
    /// The outcome of [`generate`].
    pub fn of(result: &Result<Report, Failure>) -> Self {
        match result {
            Ok(report) => Self {
                failed: None,
                error: None,
                warnings: report.warnings.len(),
                first_warning: report.warnings.first().map(ToString::to_string),
                warning_kinds: report
                    .warnings
                    .iter()
                    .fold(BTreeMap::new(), |mut kinds, w| {
                        *kinds
                            .entry(crate::corpus::cause_of(&w.message))
                            .or_default() += 1;
                        kinds
                    }),
                operations: report.operations,
                types: report.types,
            },
            Err(failure) => Self {
                failed: Some(failure.stage),
                error: Some(format!("{:#}", failure.error)),
                warnings: 0,
                first_warning: None,
                warning_kinds: BTreeMap::new(),
                operations: 0,
                types: 0,
            },
        }
    }
}
