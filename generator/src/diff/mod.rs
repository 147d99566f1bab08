//! What changed between two lowered APIs, and what each change means for a Rust caller.
//!
//! Two [`Api`]s are compared by what is on the wire, never by Rust names: an operation is its
//! method and path, a parameter its location and wire name, a named type the JSON pointer it was
//! lowered from ([`TypeDef::origin`](crate::ir::TypeDef::origin); `asyncapi#/..` for one of the
//! AsyncAPI document, whatever its file is called), a field its property name, an
//! enum value its wire value, a credential its security scheme, a WebSocket channel its address and
//! a message its key in the AsyncAPI document. A type whose Rust name changed (another collision
//! suffix, say) is one `type-renamed` change, not a removal and an addition with every use of it
//! changed.
//!
//! # Classes
//!
//! Each change gets a [`Class`] for code that calls the generated crate:
//!
//! - **breaking**: code that compiled against the old module may not compile, or a request it
//!   sent may now be refused by the client's own checks;
//! - **additive**: code keeps compiling and working unchanged, and may use something new;
//! - **documentation**: only the text of doc comments changed.
//!
//! # Rules
//!
//! | change | class | why, in the generated Rust |
//! | --- | --- | --- |
//! | operation added / removed | additive / breaking | a method appears / disappears |
//! | operation's method, sub-client or builder renamed | breaking | callers name them |
//! | parameter added, required / optional | breaking / additive | required parameters are method arguments, optional ones builder setters |
//! | parameter removed, type changed, required changed | breaking | arguments and setters change |
//! | parameter bounds narrowed / widened | breaking / additive | the client checks bounds before sending |
//! | parameter encoding changed (delimiter, JSON) | additive | the client writes it; callers do not see it |
//! | request body added required / optional, removed, changed | breaking / additive / breaking / breaking | the body is an argument |
//! | success response changed | breaking | the return type changes |
//! | error response added / removed / changed | additive / breaking / breaking | error enums are `#[non_exhaustive]` |
//! | pagination added / removed / changed | additive / breaking / breaking | a paging method appears or changes |
//! | operation security: an old alternative gone / only new ones | breaking / additive | a caller holding the old credentials (by setter) can no longer call |
//! | fixed header or query value changed | additive | the client fills it |
//! | type added / removed | additive / breaking | |
//! | type renamed (same pointer, other Rust name) | breaking | callers name types |
//! | type's kind changed (struct, enum, union, alias) | breaking | |
//! | field added, required / optional | breaking / additive | `new` takes every required field; structs are `#[non_exhaustive]` |
//! | field added with a fixed value | additive | `new` writes it |
//! | field removed, type changed, required or `Option` changed, renamed | breaking | |
//! | field nullable changed, `Option` unchanged | additive | |
//! | field fixed value changed | breaking | `new` writes another value |
//! | enum value added / removed | additive / breaking | enums are `#[non_exhaustive]` and keep unknown values |
//! | union variant added / removed / changed | additive / breaking / breaking | unions are `#[non_exhaustive]` with a fallback variant |
//! | credential added / removed / setter renamed / moved | additive / breaking / breaking / additive | a setter per scheme; the client places it |
//! | credential removed while a new scheme has its setter | additive | the scheme was renamed in the document only |
//! | channel added / removed / method changed | additive / breaking / breaking | |
//! | message sent added / removed / changed | additive / breaking / breaking | a method per sent message |
//! | message received added / removed / changed | breaking | the event enum of a channel is matched exhaustively |
//! | any description changed | documentation | |
//!
//! # Where this differs from oasdiff
//!
//! oasdiff classes changes for clients of the HTTP API in any language; these rules are for Rust
//! code against the generated crate:
//!
//! - A new required request property is breaking in both, but here so is a new required
//!   *response* property (oasdiff: compatible): every struct has a `new` taking its required
//!   fields, and a struct read from responses may be built by callers too (in tests, say).
//! - A new enum value in a response is breaking for oasdiff (`response-property-enum-value-added`
//!   asks clients to handle it); here it is additive because every generated enum is
//!   `#[non_exhaustive]` and keeps a value it does not know in its fallback variant
//!   (`Unknown(String)` for string enums, see `string_enum` and `number_enum` in
//!   `emit/types.rs`), so a match already has an arm for it. A value that arrived as
//!   `Unknown("x")` arrives as its own variant after the change.
//! - A new message received on a WebSocket channel is breaking: the channel's event enum has a
//!   variant per message and is not `#[non_exhaustive]`.
//! - Renaming of Rust items only (an operation's method, a type after a collision suffix changed)
//!   is breaking here and invisible to oasdiff; a change of wire names alone is visible to both.
//! - Bounds (`minimum`, `maxLength`, `pattern`, ...) narrowed on any schema are breaking here
//!   whether it is read or written, because the same type's `validate` runs before requests.

mod api;
mod types;

use std::fmt::Write as _;

use serde::Serialize;

use crate::ir::Api;

/// What a change means for a Rust caller, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// Only doc comments changed.
    Documentation,
    /// Callers keep compiling and working; something may be new.
    Additive,
    /// Callers may stop compiling, or a request they send may be refused.
    Breaking,
}

impl Class {
    /// The class as written in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Documentation => "documentation",
            Self::Additive => "additive",
            Self::Breaking => "breaking",
        }
    }
}

/// The kinds of change, named as in the JSON output (`field-added`); the rules table of the module
/// says what each is and its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ApiChanged,
    OperationAdded,
    OperationRemoved,
    OperationRenamed,
    OperationDoc,
    ParamAdded,
    ParamRemoved,
    ParamType,
    ParamRequired,
    ParamBounds,
    ParamEncoding,
    ParamRenamed,
    ParamDoc,
    BodyAdded,
    BodyRemoved,
    BodyChanged,
    ResponseChanged,
    ErrorAdded,
    ErrorRemoved,
    ErrorChanged,
    PaginationAdded,
    PaginationRemoved,
    PaginationChanged,
    SecurityChanged,
    FixedValueChanged,
    TypeAdded,
    TypeRemoved,
    TypeRenamed,
    TypeKind,
    TypeDoc,
    FieldAdded,
    FieldRemoved,
    FieldType,
    FieldRequired,
    FieldNullable,
    FieldFixed,
    FieldBounds,
    FieldRenamed,
    FieldDoc,
    EnumValueAdded,
    EnumValueRemoved,
    VariantAdded,
    VariantRemoved,
    VariantChanged,
    CredentialAdded,
    CredentialRemoved,
    CredentialChanged,
    CredentialDoc,
    ChannelAdded,
    ChannelRemoved,
    ChannelChanged,
    ChannelDoc,
    MessageAdded,
    MessageRemoved,
    MessageChanged,
    MessageDoc,
}

impl Kind {
    /// The kind as written in tables and JSON.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// The wire identity of what changed (`GET /voices`, `GET /voices query limit`,
    /// `#/components/schemas/Voice property name`).
    pub key: String,
    /// What kind of change.
    pub kind: Kind,
    /// What it means for a Rust caller.
    pub class: Class,
    /// What it was and what it is, in Rust terms (`Vec<Voice> -> Voice`).
    pub detail: String,
}

/// Every change between two APIs, sorted by key, kind and detail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Diff {
    /// The most severe class of any change; `None` when nothing changed.
    pub fn class(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// How many changes each class has: breaking, additive, documentation.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |class| self.changes.iter().filter(|c| c.class == class).count();
        (
            count(Class::Breaking),
            count(Class::Additive),
            count(Class::Documentation),
        )
    }

    /// The changes of one class.
    pub fn of(&self, class: Class) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.class == class)
    }

    /// The diff as pretty JSON: `{"class": .., "changes": [{key, kind, class, detail}]}`.
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "class": self.class().map(Class::as_str),
            "changes": self.changes,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// A readable table: breaking changes first, then additive, then documentation.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let (breaking, additive, documentation) = self.counts();
        let _ = writeln!(
            out,
            "{}: {breaking} breaking, {additive} additive, {documentation} documentation",
            self.class().map_or("no change", Class::as_str)
        );
        for class in [Class::Breaking, Class::Additive, Class::Documentation] {
            let rows: Vec<&Change> = self.of(class).collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{}", class.as_str());
            let width = rows
                .iter()
                .map(|c| c.kind.as_str().len())
                .max()
                .unwrap_or(0);
            for change in rows {
                let kind = change.kind.as_str();
                let detail = if change.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", change.detail)
                };
                let _ = writeln!(out, "  {kind:width$}  {}{detail}", change.key);
            }
        }
        out
    }
}

/// Compares two APIs.
pub fn diff(old: &Api, new: &Api) -> Diff {
    let old = types::Side::new(old);
    let new = types::Side::new(new);
    let mut out = Changes::default();
    api::compare(&mut out, &old, &new);
    types::compare(&mut out, &old, &new);
    let mut changes = out.0;
    changes.sort();
    changes.dedup();
    Diff { changes }
}

/// Changes as they are found.
#[derive(Debug, Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(
        &mut self,
        key: impl Into<String>,
        kind: Kind,
        class: Class,
        detail: impl Into<String>,
    ) {
        self.0.push(Change {
            key: key.into(),
            kind,
            class,
            detail: detail.into(),
        });
    }
}

/// `old -> new`.
fn arrow(old: impl std::fmt::Display, new: impl std::fmt::Display) -> String {
    format!("{old} -> {new}")
}
