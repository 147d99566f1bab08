//! Maintainer commands for the workspace, callable from tests as well as from `cargo xtask`.

pub mod bench;
pub mod bench_specs;
pub mod codegen;
pub mod contract;
pub mod contract_causes;
pub mod corpus;
pub mod crate_contract;
pub mod diff;
pub mod fuzz;
pub mod json_sample;
pub mod prism_log;
pub mod progress;
pub mod release;
pub mod runtime_api;
pub mod standalone;
