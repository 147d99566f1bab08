//! `cargo xtask generate`: every spec version into the `generated/` crate, written atomically, and
//! the `--check` that compares without writing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use generator::krate::{self, Version};
use generator::{Config, Diagnostic, load};

use crate::progress::Steps;

/// The command named in generated file headers.
pub const COMMAND: &str = "cargo xtask generate";

/// The workspace of the current directory (see [`find_root`]), or else the one this xtask was
/// built in.
pub fn workspace_root() -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|dir| find_root(&dir))
        .unwrap_or_else(|| {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest.parent().unwrap_or(manifest).to_owned()
        })
}

/// The workspace a command works on, found at run time: the nearest directory at or above
/// `start` whose `Cargo.toml` has a `[workspace]` table and which holds `specs/` and
/// `templates/`. Found at run time rather than built in, so that an xtask built in a target
/// directory shared by several clones works on the clone it is run in.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| is_root(dir))
        .map(Path::to_owned)
}

fn is_root(dir: &Path) -> bool {
    if !dir.join("specs").is_dir() || !dir.join("templates").is_dir() {
        return false;
    }
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
        .is_some_and(|doc| doc.get("workspace").is_some_and(toml_edit::Item::is_table))
}

/// What one spec version produced.
#[derive(Debug)]
pub struct Summary {
    /// The version (the folder name under `specs/`).
    pub version: String,
    /// Places where the generator degraded or left something out.
    pub warnings: Vec<Diagnostic>,
    /// Lines of the version's module.
    pub lines: usize,
}

/// What a generation produced.
#[derive(Debug)]
pub struct Report {
    /// Per version, oldest first.
    pub versions: Vec<Summary>,
    /// Files written.
    pub files: usize,
    /// Wall time.
    pub elapsed: Duration,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for Summary {
            version,
            warnings,
            lines,
        } in &self.versions
        {
            for warning in warnings {
                writeln!(f, "warning: specs/{version}/api.yml: {warning}")?;
            }
            writeln!(f, "{version}: {lines} lines, {} warnings", warnings.len())?;
        }
        write!(
            f,
            "wrote {} files to generated/ in {:.2?}",
            self.files, self.elapsed
        )
    }
}

/// The spec versions under `specs/`, oldest first.
pub fn spec_versions(root: &Path) -> Result<Vec<String>> {
    let specs = root.join("specs");
    let mut versions = Vec::new();
    for entry in
        std::fs::read_dir(&specs).with_context(|| format!("cannot read {}", specs.display()))?
    {
        let entry = entry?;
        if entry.path().join("api.yml").is_file() {
            versions.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    versions.sort();
    if versions.is_empty() {
        bail!(
            "no specs found: expected {}/<version>/api.yml",
            specs.display()
        );
    }
    Ok(versions)
}

/// A spec version's document with its overlay applied, as JSON.
pub fn overlaid_document(root: &Path, version: &str) -> Result<serde_json::Value> {
    let path = root.join("specs").join(version).join("api.yml");
    let overlay = root.join("specs").join(version).join("overlay.yml");
    let mut value = load::read_value(&path).map_err(|err| anyhow::anyhow!("{err}"))?;
    if overlay.is_file() {
        let actions = load::read_value(&overlay).map_err(|err| anyhow::anyhow!("{err}"))?;
        generator::overlay::apply(&mut value, &overlay, actions)
            .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    Ok(value)
}

/// Builds every file of `generated/` in memory.
fn build(root: &Path, steps: &Steps) -> Result<(BTreeMap<PathBuf, String>, Vec<Summary>)> {
    let mut versions = Vec::new();
    let mut summaries = Vec::new();
    let settings = read_config(root)?;
    // The WebSocket channels of every version, from one AsyncAPI document beside them.
    let asyncapi_relative = "specs/asyncapi.yml";
    let asyncapi_path = root.join(asyncapi_relative);
    let channels = if asyncapi_path.is_file() {
        let overlay = root.join("specs/asyncapi.overlay.yml");
        let overlay = overlay.is_file().then_some(overlay);
        Some(
            generator::asyncapi::load_with_overlay(&asyncapi_path, overlay.as_deref()).map_err(
                |err| anyhow::anyhow!(rename(err.to_string(), &asyncapi_path, asyncapi_relative)),
            )?,
        )
    } else {
        None
    };
    for version in spec_versions(root)? {
        let relative = format!("specs/{version}/api.yml");
        let path = root.join(&relative);
        let overlay_relative = format!("specs/{version}/overlay.yml");
        let overlay = root.join(&overlay_relative);
        let overlay = overlay.is_file().then_some(overlay);
        let named = |err: generator::Error| {
            let message = rename(err.to_string(), &path, &relative);
            let message = match &overlay {
                Some(overlay) => rename(message, overlay, &overlay_relative),
                None => message,
            };
            anyhow::anyhow!(message)
        };
        steps.step(format!("reading {relative}"));
        let document = load::load_with_overlay(&path, overlay.as_deref()).map_err(named)?;
        steps.step(format!("lowering {relative}"));
        let config = Config {
            api_version: Some(version.clone()),
            env: settings.env.clone(),
            version_header: settings.version_header.clone(),
            docs_base_url: settings.docs_base_url.clone(),
        };
        let lowered =
            generator::lower_with(&document, channels.as_ref(), &config).map_err(named)?;
        let source = match &overlay {
            Some(_) => format!("{relative} with {overlay_relative}"),
            None => relative.clone(),
        };
        let (module, feature) = Version::names(&version);
        summaries.push(Summary {
            version: version.clone(),
            warnings: lowered.warnings,
            lines: 0,
        });
        versions.push(Version {
            module,
            feature,
            source,
            api: lowered.api,
        });
    }
    steps.step("printing the crate");
    let files = krate::assemble(&root.join("templates"), &versions, COMMAND)?;
    for (summary, version) in summaries.iter_mut().zip(&versions) {
        let dir = Path::new("src").join(&version.module);
        summary.lines = files
            .iter()
            .filter(|(path, _)| path.starts_with(&dir))
            .map(|(_, text)| text.lines().count())
            .sum();
    }
    Ok((files, summaries))
}

/// What `specs/config.toml` says beyond the specs.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    /// The `[env]` table: where `Client::from_env` reads its configuration.
    pub(crate) env: Option<generator::ir::EnvVars>,
    /// `[version] header`: the header that carries the API version.
    pub(crate) version_header: Option<String>,
    /// `[docs] base_url`: the vendor's documentation site, for relative links in descriptions.
    pub(crate) docs_base_url: Option<String>,
}

/// Reads `specs/config.toml`; every part is optional.
pub(crate) fn read_config(root: &Path) -> Result<Settings> {
    let path = root.join("specs/config.toml");
    if !path.is_file() {
        return Ok(Settings::default());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .context("specs/config.toml is not valid TOML")?;
    let text_at = |table: &str, key: &str| -> Result<Option<String>> {
        match doc.get(table).and_then(|t| t.get(key)) {
            None => Ok(None),
            Some(value) => value
                .as_str()
                .map(|v| Some(v.to_owned()))
                .with_context(|| format!("specs/config.toml: `{table}.{key}` must be a string")),
        }
    };
    let docs_base_url = text_at("docs", "base_url")?;
    if let Some(url) = &docs_base_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        bail!("specs/config.toml: `docs.base_url` must be an http(s) URL");
    }
    Ok(Settings {
        env: read_env(&doc)?,
        version_header: text_at("version", "header")?,
        docs_base_url,
    })
}

/// The `[env]` table of `specs/config.toml`, when there is one.
fn read_env(doc: &toml_edit::DocumentMut) -> Result<Option<generator::ir::EnvVars>> {
    let Some(env) = doc.get("env") else {
        return Ok(None);
    };
    let field = |key: &str| {
        env.get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .with_context(|| format!("specs/config.toml: `env.{key}` must be a string"))
    };
    Ok(Some(generator::ir::EnvVars {
        api_key: field("api_key")?,
        base_url: field("base_url")?,
        credential: field("credential")?,
    }))
}

/// Names files relative to the workspace in messages.
fn rename(message: String, absolute: &Path, relative: &str) -> String {
    message.replace(&absolute.display().to_string(), relative)
}

/// Regenerates `generated/`. Nothing is changed unless every spec generates: the new tree is
/// written beside the old one and swapped in, and files no longer produced disappear with it.
pub fn generate(root: &Path) -> Result<Report> {
    let start = Instant::now();
    let steps = Steps::new();
    let (files, versions) = build(root, &steps)?;
    steps.step("writing generated/");
    replace_tree(
        &root.join("generated"),
        &root.join(".generated.new"),
        &root.join(".generated.old"),
        &files,
    )?;
    Ok(Report {
        versions,
        files: files.len(),
        elapsed: start.elapsed(),
    })
}

/// Replaces `target` with exactly `files`, atomically as far as the file system allows: the new
/// tree is written to `staging` and swapped in, the old one moved to `retired` and removed. A
/// failure leaves `target` as it was.
pub(crate) fn replace_tree(
    target: &Path,
    staging: &Path,
    retired: &Path,
    files: &BTreeMap<PathBuf, String>,
) -> Result<()> {
    for leftover in [staging, retired] {
        if leftover.exists() {
            std::fs::remove_dir_all(leftover)
                .with_context(|| format!("cannot remove {}", leftover.display()))?;
        }
    }
    if let Err(err) = write_all(staging, files) {
        let _ = std::fs::remove_dir_all(staging);
        return Err(err);
    }
    if target.exists() {
        std::fs::rename(target, retired)
            .with_context(|| format!("cannot move {} aside", target.display()))?;
    }
    if let Err(err) = std::fs::rename(staging, target) {
        let _ = std::fs::rename(retired, target);
        return Err(err)
            .with_context(|| format!("cannot move the new {} into place", target.display()));
    }
    std::fs::remove_dir_all(retired).ok();
    Ok(())
}

fn write_all(dir: &Path, files: &BTreeMap<PathBuf, String>) -> Result<()> {
    for (relative, text) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Compares `generated/` with what the generator makes now, writing nothing. Fails with a diff
/// when a file differs, is missing, or is no longer produced.
pub fn check(root: &Path) -> Result<()> {
    let steps = Steps::new();
    let (files, _) = build(root, &steps)?;
    steps.step("comparing with generated/");
    let target = root.join("generated");
    let mut problems = Vec::new();
    for (relative, expected) in &files {
        let path = target.join(relative);
        match std::fs::read_to_string(&path) {
            Ok(actual) if &actual == expected => {}
            Ok(actual) => {
                let name = format!("generated/{}", relative.display());
                let diff = similar::TextDiff::from_lines(actual.as_str(), expected.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(&name, &format!("{name} (regenerated)"))
                    .to_string();
                problems.push(diff);
            }
            Err(_) => problems.push(format!("missing: generated/{}\n", relative.display())),
        }
    }
    for stale in existing_files(&target)? {
        if !files.contains_key(&stale) {
            problems.push(format!(
                "no longer generated: generated/{}\n",
                stale.display()
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "generated/ is stale; run `{COMMAND}`\n{}",
        problems.concat()
    )
}

/// Files under `dir`, relative to it, leaving out build output.
fn existing_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current)
            .with_context(|| format!("cannot read {}", current.display()))?
        {
            let path = entry?.path();
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_owned();
            if relative.starts_with("target") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(relative);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_workspace_with_specs_and_templates() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("clone");
        for sub in [
            "specs/2024-01-01",
            "templates",
            "generator/src",
            "out/client/src",
        ] {
            std::fs::create_dir_all(root.join(sub)).expect("dirs");
        }
        let write = |path: &str, text: &str| std::fs::write(root.join(path), text).expect("write");
        write("Cargo.toml", "[workspace]\nmembers = [\"generator\"]\n");
        // A member, and a crate with a workspace of its own but no specs, are passed over.
        write("generator/Cargo.toml", "[package]\nname = \"generator\"\n");
        write(
            "out/client/Cargo.toml",
            "[package]\nname = \"client\"\n\n[workspace]\n",
        );
        for start in ["", "specs/2024-01-01", "generator/src", "out/client/src"] {
            assert_eq!(
                find_root(&root.join(start)),
                Some(root.clone()),
                "from {start:?}"
            );
        }
        // `workspace` must be a table, not a key of another table.
        write(
            "Cargo.toml",
            "[package]\nname = \"x\"\nworkspace = \"..\"\n",
        );
        assert_eq!(find_root(&root.join("specs")), None);
        assert_eq!(find_root(dir.path()), None);
    }
}
