//! `cargo xtask`: the commands maintainers drive the workspace with.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer commands for the Cartesia client workspace"
)]
struct Cli {
    /// The workspace root (defaults to the one this xtask belongs to).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate `generated/` from every `specs/<version>/api.yml` and `templates/`.
    Generate {
        /// Write nothing; print a diff and fail if `generated/` is stale.
        #[arg(long)]
        check: bool,
    },
    /// Call every generated operation once against Prism, a mock server that validates requests
    /// against the spec; fail on a rejected request or an undecodable response.
    Contract,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(xtask::codegen::workspace_root);
    let result = match cli.command {
        Command::Generate { check: false } => xtask::codegen::generate(&root).map(|report| {
            eprintln!("{report}");
        }),
        Command::Generate { check: true } => xtask::codegen::check(&root),
        Command::Contract => xtask::contract::run(&root).and_then(|results| {
            eprintln!("{}", xtask::contract::table(&results));
            let bad: usize = results
                .iter()
                .map(|r| r.rejected.len() + r.undecodable.len() + r.failed.len())
                .sum();
            if bad == 0 {
                Ok(())
            } else {
                Err(anyhow::anyhow!("{bad} calls failed the contract"))
            }
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
