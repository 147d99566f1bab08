//! `cargo xtask diff`: what changed between two specs, read from files, from `specs/`, or from git
//! revisions of `specs/`, compared by `generator::diff` on the lowered APIs.
//!
//! An input is one of, tried in this order:
//!
//! - `REV:PATH`, a version folder (`HEAD~3:specs/2025-04-16`) or a spec file at a git revision,
//!   read with `git show` (nothing is checked out);
//! - a spec file (YAML or JSON), with the overlay given, else the `overlay.yml` beside it when the
//!   file is an `api.yml`;
//! - a folder holding `api.yml` (and maybe `overlay.yml`);
//! - a version name under `specs/` (`2025-04-16`).
//!
//! Versions under `specs/` and at revisions are lowered as `cargo xtask generate` lowers them:
//! with `specs/config.toml` and the WebSocket channels of `specs/asyncapi.yml` of the same tree.
//! A range `REV..REV` (or `REV..`, up to the work tree) compares every version module of the two
//! trees: modules added, removed, and the diff of each kept one.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use generator::diff::{Class, Diff};
use generator::ir::Api;
use generator::{Config, load};

use crate::codegen;

/// Where specs are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tree {
    /// The work tree.
    Work,
    /// A git revision.
    Rev(String),
}

impl Tree {
    /// A file of the tree, relative to the workspace root; `None` when it is not there.
    pub fn read(&self, root: &Path, relative: &str) -> Result<Option<String>> {
        match self {
            Self::Work => {
                let path = root.join(relative);
                if !path.is_file() {
                    return Ok(None);
                }
                std::fs::read_to_string(&path)
                    .map(Some)
                    .with_context(|| format!("cannot read {}", path.display()))
            }
            Self::Rev(rev) => {
                let object = format!("{rev}:{relative}");
                let exists = git(root, &["cat-file", "-e", &object]).is_ok();
                if !exists {
                    return Ok(None);
                }
                git(root, &["show", &object]).map(Some)
            }
        }
    }

    /// The version folders of `specs/` in the tree, oldest first.
    pub fn versions(&self, root: &Path) -> Result<Vec<String>> {
        match self {
            Self::Work => codegen::spec_versions(root),
            Self::Rev(rev) => {
                let listing = git(root, &["ls-tree", "--name-only", rev, "specs/"])?;
                let mut versions = Vec::new();
                for entry in listing.lines() {
                    let name = entry.trim_start_matches("specs/");
                    let api = format!("{rev}:specs/{name}/api.yml");
                    if git(root, &["cat-file", "-e", &api]).is_ok() {
                        versions.push(name.to_owned());
                    }
                }
                versions.sort();
                Ok(versions)
            }
        }
    }

    fn label(&self, relative: &str) -> PathBuf {
        match self {
            Self::Work => PathBuf::from(relative),
            Self::Rev(rev) => PathBuf::from(format!("{rev}:{relative}")),
        }
    }
}

/// Runs git in the workspace and returns what it printed.
pub fn git(root: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("git printed text that is not UTF-8")
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A spec file and maybe an overlay.
    File {
        /// The document.
        spec: PathBuf,
        /// The overlay applied first.
        overlay: Option<PathBuf>,
    },
    /// A version folder of `specs/` in a tree.
    Version {
        /// The tree.
        tree: Tree,
        /// The folder name (`2025-04-16`).
        version: String,
    },
    /// A spec file at a git revision, without overlay.
    RevFile {
        /// The revision.
        rev: String,
        /// The file, relative to the workspace.
        path: String,
    },
}

/// Reads an argument as an input (see the module docs for the forms).
pub fn parse_input(root: &Path, arg: &str, overlay: Option<PathBuf>) -> Result<Input> {
    if let Some((rev, path)) = arg.split_once(':')
        && !Path::new(arg).exists()
    {
        let path = path.trim_end_matches('/');
        if let Some(version) = path
            .strip_prefix("specs/")
            .filter(|v| !v.contains('/') && !v.ends_with(".yml"))
        {
            return Ok(Input::Version {
                tree: Tree::Rev(rev.to_owned()),
                version: version.to_owned(),
            });
        }
        return Ok(Input::RevFile {
            rev: rev.to_owned(),
            path: path.to_owned(),
        });
    }
    let path = Path::new(arg);
    if path.is_file() {
        let beside = path.with_file_name("overlay.yml");
        let overlay = overlay.or_else(|| {
            (path.file_name().is_some_and(|n| n == "api.yml") && beside.is_file()).then_some(beside)
        });
        return Ok(Input::File {
            spec: path.to_owned(),
            overlay,
        });
    }
    if path.join("api.yml").is_file() {
        let beside = path.join("overlay.yml");
        return Ok(Input::File {
            spec: path.join("api.yml"),
            overlay: overlay.or_else(|| beside.is_file().then_some(beside)),
        });
    }
    if root.join("specs").join(arg).join("api.yml").is_file() {
        if overlay.is_some() {
            bail!("{arg}: a version of specs/ brings its own overlay.yml; give the file instead");
        }
        return Ok(Input::Version {
            tree: Tree::Work,
            version: arg.to_owned(),
        });
    }
    bail!("{arg}: neither a spec file, a folder with api.yml, a version of specs/, nor REV:PATH")
}

/// Lowers an input.
pub fn lower(root: &Path, input: &Input) -> Result<Api> {
    match input {
        Input::File { spec, overlay } => {
            let document = load::load_with_overlay(spec, overlay.as_deref())
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            let lowered = generator::lower(&document, &Config::default())
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            Ok(lowered.api)
        }
        Input::RevFile { rev, path } => {
            let tree = Tree::Rev(rev.clone());
            let text = tree
                .read(root, path)?
                .with_context(|| format!("{rev}:{path} does not exist"))?;
            let label = tree.label(path);
            let value = load::parse_value(&label, &text).map_err(|err| anyhow::anyhow!("{err}"))?;
            let document =
                load::parse_document(&label, value).map_err(|err| anyhow::anyhow!("{err}"))?;
            let lowered = generator::lower(&document, &Config::default())
                .map_err(|err| anyhow::anyhow!("{err}"))?;
            Ok(lowered.api)
        }
        Input::Version { tree, version } => lower_version(root, tree, version),
    }
}

/// A document of a tree with its overlay applied, as a value.
fn overlaid(
    root: &Path,
    tree: &Tree,
    relative: &str,
    overlay: &str,
) -> Result<Option<serde_json::Value>> {
    let Some(text) = tree.read(root, relative)? else {
        return Ok(None);
    };
    let label = tree.label(relative);
    let mut value = load::parse_value(&label, &text).map_err(|err| anyhow::anyhow!("{err}"))?;
    if let Some(actions) = tree.read(root, overlay)? {
        let overlay_label = tree.label(overlay);
        let actions =
            load::parse_value(&overlay_label, &actions).map_err(|err| anyhow::anyhow!("{err}"))?;
        generator::overlay::apply(&mut value, &overlay_label, actions)
            .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    Ok(Some(value))
}

/// Lowers a version of `specs/` as `cargo xtask generate` does.
pub fn lower_version(root: &Path, tree: &Tree, version: &str) -> Result<Api> {
    let settings = codegen::read_config(root)?;
    let relative = format!("specs/{version}/api.yml");
    let value = overlaid(
        root,
        tree,
        &relative,
        &format!("specs/{version}/overlay.yml"),
    )?
    .with_context(|| format!("{} does not exist", tree.label(&relative).display()))?;
    let document = load::parse_document(&tree.label(&relative), value)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let channels = match overlaid(
        root,
        tree,
        "specs/asyncapi.yml",
        "specs/asyncapi.overlay.yml",
    )? {
        Some(value) => Some(
            generator::asyncapi::parse_document(&tree.label("specs/asyncapi.yml"), value)
                .map_err(|err| anyhow::anyhow!("{err}"))?,
        ),
        None => None,
    };
    let config = Config {
        api_version: Some(version.to_owned()),
        env: settings.env,
        version_header: settings.version_header,
        docs_base_url: settings.docs_base_url,
    };
    let lowered = generator::lower_with(&document, channels.as_ref(), &config)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    Ok(lowered.api)
}

/// What happened to one version module between two trees.
#[derive(Debug)]
pub enum VersionChange {
    /// The module is new: a minor release.
    Added,
    /// The module is gone: a major release.
    Removed,
    /// The module is in both; its changes.
    Kept(Diff),
}

impl VersionChange {
    /// What the change asks of the release.
    pub fn class(&self) -> Option<Class> {
        match self {
            Self::Added => Some(Class::Additive),
            Self::Removed => Some(Class::Breaking),
            Self::Kept(diff) => diff.class(),
        }
    }
}

/// Every version module of two trees, compared.
pub fn range(root: &Path, old: &Tree, new: &Tree) -> Result<Vec<(String, VersionChange)>> {
    let before = old.versions(root)?;
    let after = new.versions(root)?;
    let mut all: Vec<&String> = before.iter().chain(&after).collect();
    all.sort();
    all.dedup();
    let mut out = Vec::new();
    for version in all {
        let change = match (before.contains(version), after.contains(version)) {
            (true, false) => VersionChange::Removed,
            (false, _) => VersionChange::Added,
            (true, true) => VersionChange::Kept(generator::diff::diff(
                &lower_version(root, old, version)?,
                &lower_version(root, new, version)?,
            )),
        };
        out.push((version.clone(), change));
    }
    Ok(out)
}

/// Reads `REV..REV` or `REV..` (up to the work tree).
pub fn parse_range(arg: &str) -> Option<(Tree, Tree)> {
    let (old, new) = arg.split_once("..")?;
    if old.is_empty() {
        return None;
    }
    let new = if new.is_empty() {
        Tree::Work
    } else {
        Tree::Rev(new.to_owned())
    };
    Some((Tree::Rev(old.to_owned()), new))
}

/// The range report as text.
pub fn range_table(changes: &[(String, VersionChange)]) -> String {
    let mut out = String::new();
    for (version, change) in changes {
        match change {
            VersionChange::Added => out.push_str(&format!("{version}: module added (additive)\n")),
            VersionChange::Removed => {
                out.push_str(&format!("{version}: module removed (breaking)\n"));
            }
            VersionChange::Kept(diff) => {
                out.push_str(&format!("{version}: {}\n", diff.table().trim_end()));
            }
        }
    }
    out
}

/// The range report as JSON: `{version: {"module": "added"|"removed"} | diff}`.
pub fn range_json(changes: &[(String, VersionChange)]) -> String {
    let mut map = serde_json::Map::new();
    for (version, change) in changes {
        let value = match change {
            VersionChange::Added => serde_json::json!({"module": "added", "class": "additive"}),
            VersionChange::Removed => serde_json::json!({"module": "removed", "class": "breaking"}),
            VersionChange::Kept(diff) => {
                serde_json::from_str(&diff.to_json()).unwrap_or(serde_json::Value::Null)
            }
        };
        map.insert(version.clone(), value);
    }
    serde_json::to_string_pretty(&map).unwrap_or_default()
}
