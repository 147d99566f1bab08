//! Emission: the IR printed as Rust with `quote`, formatted with `prettyplease`.
//!
//! Emission cannot fail: every decision was made by lowering. Paths in the output are fully
//! qualified (`::std::string::String`) so that names from a spec cannot shadow them.

mod channels;
pub(crate) mod client;
mod contexts;
pub mod contract;
pub(crate) mod docs;
pub mod examples;
mod print;
mod requests;
mod types;
mod validate;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, Scalar, Type, TypeKind};

/// The files of one API version's module, by path relative to the module's directory.
pub fn module(api: &Api, header: &str) -> BTreeMap<String, String> {
    let ctx = Context::new(api);
    let mut files = BTreeMap::new();
    files.insert(
        "mod.rs".to_owned(),
        format(header, client::module_root(&ctx)),
    );
    files.insert("types.rs".to_owned(), types::file(&ctx, header));
    if !api.channels.is_empty() {
        files.insert(
            "websockets.rs".to_owned(),
            format(header, channels::channels(&ctx)),
        );
    }
    files.insert("client.rs".to_owned(), client::file(&ctx, header));
    files.insert("requests.rs".to_owned(), requests::file(&ctx, header));
    files
}

/// Formats tokens as a file that starts with the given comment line.
pub fn format(header: &str, tokens: TokenStream) -> String {
    print::file(header, tokens)
}

/// What emission needs to know about the API while printing one item.
pub(crate) struct Context<'a> {
    pub(crate) api: &'a Api,
    kinds: BTreeMap<&'a str, &'a TypeKind>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(api: &'a Api) -> Self {
        let kinds = api
            .types
            .iter()
            .map(|def| (def.name.as_str(), &def.kind))
            .collect();
        Self { api, kinds }
    }

    /// The type with aliases to other types followed, so that equal types compare equal.
    pub(crate) fn canonical(&self, ty: &Type) -> Type {
        let mut ty = ty.clone();
        for _ in 0..16 {
            match &ty {
                Type::Named(name) => match self.kinds.get(name.as_str()) {
                    Some(TypeKind::Alias(inner)) => ty = inner.clone(),
                    _ => return ty,
                },
                _ => return ty,
            }
        }
        ty
    }

    /// `#[doc]` attributes for spec text, made safe (see [`DocText::render`]).
    pub(crate) fn doc(&self, text: Option<&crate::ir::DocText>) -> TokenStream {
        docs::attrs(text, self.api.docs_base_url.as_deref())
    }

    /// Spec text made safe for rustdoc (see [`DocText::render`]).
    ///
    /// [`DocText::render`]: crate::ir::DocText::render
    pub(crate) fn sanitize(&self, text: &crate::ir::DocText) -> String {
        text.render(self.api.docs_base_url.as_deref())
    }

    /// The definition of a name itself, aliases not followed.
    pub(crate) fn defined(&self, name: &str) -> Option<&'a TypeKind> {
        self.kinds.get(name).copied()
    }

    /// The expression of a field's fixed value, when it has one its type can hold.
    pub(crate) fn fixed(&self, field: &crate::ir::Field) -> Option<TokenStream> {
        use crate::ir::FixedLiteral;
        let value = field.fixed.as_ref()?;
        let literal = crate::ir::fixed_literal(|name| self.defined(name), &field.ty, value)?;
        let expr = match literal {
            FixedLiteral::Variant(ty, variant) => {
                let (ty, variant) = (ident(ty), ident(variant));
                quote!(#ty::#variant)
            }
            FixedLiteral::Text(text) => quote!(::std::borrow::ToOwned::to_owned(#text)),
            FixedLiteral::Bool(value) => quote!(#value),
            FixedLiteral::Signed(n) => {
                let literal = proc_macro2::Literal::u64_unsuffixed(n.unsigned_abs());
                if n < 0 {
                    quote!(-#literal)
                } else {
                    quote!(#literal)
                }
            }
            FixedLiteral::Unsigned(n) => {
                let literal = proc_macro2::Literal::u64_unsuffixed(n);
                quote!(#literal)
            }
            FixedLiteral::Float(n) => {
                let literal = proc_macro2::Literal::f64_unsuffixed(n);
                quote!(#literal)
            }
        };
        Some(if field.is_option() {
            quote!(::std::option::Option::Some(#expr))
        } else {
            expr
        })
    }

    /// The definition behind a name, following aliases.
    pub(crate) fn kind(&self, name: &str) -> Option<&'a TypeKind> {
        let mut kind = self.kinds.get(name).copied()?;
        for _ in 0..16 {
            match kind {
                TypeKind::Alias(Type::Named(next)) => {
                    kind = self.kinds.get(next.as_str()).copied()?
                }
                other => return Some(other),
            }
        }
        Some(kind)
    }
}

/// An identifier, raw where the IR spells it `r#...`.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// The Rust type for an IR type; named types are prefixed with `prefix` (`super::types::`).
pub(crate) fn rust_type(ty: &Type, prefix: &TokenStream) -> TokenStream {
    match ty {
        Type::Named(name) => {
            let name = ident(name);
            quote!(#prefix #name)
        }
        Type::Scalar(scalar) => scalar_type(*scalar),
        Type::List(inner) => {
            let inner = rust_type(inner, prefix);
            quote!(::std::vec::Vec<#inner>)
        }
        Type::Map(inner) => {
            let inner = rust_type(inner, prefix);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
        Type::Option(inner) => {
            let inner = rust_type(inner, prefix);
            quote!(::std::option::Option<#inner>)
        }
        Type::Boxed(inner) => {
            let inner = rust_type(inner, prefix);
            quote!(::std::boxed::Box<#inner>)
        }
    }
}

fn scalar_type(scalar: Scalar) -> TokenStream {
    match scalar {
        Scalar::String => quote!(::std::string::String),
        Scalar::Bool => quote!(bool),
        Scalar::I32 => quote!(i32),
        Scalar::I64 => quote!(i64),
        Scalar::U32 => quote!(u32),
        Scalar::U64 => quote!(u64),
        Scalar::F64 => quote!(f64),
        Scalar::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        Scalar::Date => quote!(::chrono::NaiveDate),
        Scalar::Uuid => quote!(::uuid::Uuid),
        Scalar::Base64 => quote!(crate::Base64Bytes),
        Scalar::Bytes => quote!(::bytes::Bytes),
        Scalar::Secret => quote!(crate::Secret),
        Scalar::File => quote!(crate::FilePart),
        Scalar::Multipart => quote!(crate::Multipart),
        Scalar::Json => quote!(::serde_json::Value),
        Scalar::JsonObject => quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>),
    }
}

/// How a value is taken as an argument: `impl Into<String>` for strings (aliases of `String`
/// included), `impl Into<E>` for a number enum `E`, the value otherwise. Returns the parameter
/// type and the expression that turns the argument into the stored value.
pub(crate) fn argument(
    ctx: &Context<'_>,
    ty: &Type,
    prefix: &TokenStream,
    arg: &Ident,
) -> (TokenStream, TokenStream) {
    match ty {
        Type::Boxed(inner) => {
            let (param, value) = argument(ctx, inner, prefix, arg);
            (param, quote!(::std::boxed::Box::new(#value)))
        }
        _ if ctx.canonical(ty) == Type::Scalar(Scalar::String) => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(#arg.into()),
        ),
        _ if ctx.canonical(ty) == Type::Scalar(Scalar::Secret) => (
            quote!(impl ::std::convert::Into<crate::Secret>),
            quote!(#arg.into()),
        ),
        // A number enum also takes the bare number (`44100`), which reads as its variant.
        Type::Named(name) if matches!(ctx.kind(name), Some(TypeKind::NumberEnum(_))) => {
            let ty = rust_type(ty, prefix);
            (quote!(impl ::std::convert::Into<#ty>), quote!(#arg.into()))
        }
        other => (rust_type(other, prefix), quote!(#arg)),
    }
}

/// The `match` pattern for a response status: a code (`404`), a range (`4XX` -> `400..=499`) or
/// anything (`default`). A range starts and ends past the `exact` codes that earlier arms match
/// (`400` and `4XX` -> `400`, then `401..=499`): a range sharing an endpoint with a code is
/// a compiler warning, though the earlier arm wins either way.
pub(crate) fn status_pattern(status: &str, exact: &[u16]) -> TokenStream {
    match status
        .strip_suffix("XX")
        .and_then(|class| class.parse::<u16>().ok())
    {
        Some(class) => {
            let (mut low, mut high) = (class * 100, class * 100 + 99);
            while low < high && exact.contains(&low) {
                low += 1;
            }
            while high > low && exact.contains(&high) {
                high -= 1;
            }
            quote!(#low..=#high)
        }
        None => match status.parse::<u16>() {
            Ok(code) => quote!(#code),
            Err(_) => quote!(_),
        },
    }
}
