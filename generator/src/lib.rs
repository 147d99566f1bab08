//! Turns an OpenAPI 3.0 or 3.1 document into a typed, async Rust client.
//!
//! The pipeline runs one way: [`load`] reads the document, [`lower`](lower::lower) resolves it into
//! the plain-data [`ir`], and [`emit`] prints the IR as Rust code. All failures and all naming
//! decisions happen before emission; emission cannot fail.

pub mod asyncapi;
pub mod diagnostics;
pub mod diff;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
pub mod openapi31;
pub mod overlay;
pub mod sample;
pub mod surface;

pub use diagnostics::{Diagnostic, Error};
pub use lower::{Config, Lowered, lower, lower_with};
pub mod emit;
pub mod krate;
