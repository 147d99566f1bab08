//! Named types: structs with constructors and setters, open string enums, tagged and untagged
//! unions, aliases.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Context, argument, docs, ident, rust_type};
use crate::ir::{Field, NumberEnum, StringEnum, Struct, Tagged, Type, TypeDef, TypeKind, Untagged};

/// `types.rs`: one chunk of items per type, printed a chunk at a time (large APIs have tens of
/// thousands).
pub(super) fn file(ctx: &Context<'_>, header: &str) -> String {
    let types = &ctx.api.types;
    super::print::chunked(header, types.len() + 2, |index| match index {
        0 => quote! {
            //! Types of the API's schemas.
        },
        _ => match types.get(index - 1) {
            Some(def) => type_def(ctx, def),
            None => response_enums(ctx),
        },
    })
}

fn type_def(ctx: &Context<'_>, def: &TypeDef) -> TokenStream {
    let doc = ctx.doc(def.doc.as_ref());
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Struct(s) => structure(ctx, doc, &name, s, false),
        TypeKind::Form(s) => structure(ctx, doc, &name, s, true),
        TypeKind::StringEnum(e) => string_enum(doc, &name, e),
        TypeKind::NumberEnum(e) => number_enum(doc, &name, e),
        TypeKind::Tagged(t) => tagged(ctx, doc, &name, t),
        TypeKind::Untagged(u) => untagged(ctx, doc, &name, u),
        TypeKind::Alias(ty) => {
            let ty = rust_type(ty, &TokenStream::new());
            quote! { #doc pub type #name = #ty; }
        }
    }
}

/// Whether a type is a date-time, directly or through aliases.
fn is_date_time(ctx: &Context<'_>, ty: &Type) -> bool {
    match ty {
        Type::Scalar(crate::ir::Scalar::DateTime) => true,
        Type::Named(name) => {
            matches!(ctx.kind(name), Some(TypeKind::Alias(inner)) if is_date_time(ctx, inner))
        }
        _ => false,
    }
}

fn field_type(field: &Field) -> TokenStream {
    let ty = rust_type(&field.ty, &TokenStream::new());
    if field.is_option() {
        quote!(::std::option::Option<#ty>)
    } else {
        ty
    }
}

fn structure(
    ctx: &Context<'_>,
    doc: TokenStream,
    name: &proc_macro2::Ident,
    s: &Struct,
    form: bool,
) -> TokenStream {
    let none = TokenStream::new();
    let fields = s.fields.iter().map(|field| {
        let doc = ctx.doc(field.doc.as_ref());
        let rust = ident(&field.name);
        let ty = field_type(field);
        let wire = &field.wire;
        if form {
            return quote! { #doc pub #rust: #ty, };
        }
        let mut serde = Vec::new();
        if crate::names::bare(&field.name) != field.wire {
            serde.push(quote!(rename = #wire));
        }
        if !field.required {
            serde.push(quote!(
                default,
                skip_serializing_if = "::std::option::Option::is_none"
            ));
        }
        // Date-times are also read as epoch seconds, which some APIs send whatever their
        // description says.
        if is_date_time(ctx, &field.ty) {
            let read = if field.is_option() {
                "crate::runtime::optional_date_time"
            } else {
                "crate::runtime::date_time"
            };
            serde.push(quote!(deserialize_with = #read));
            if field.is_option() && field.required {
                // As for any `Option` field without the attribute, absent reads as `None`.
                serde.push(quote!(default));
            }
        }
        let serde = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
        quote! { #doc #serde pub #rust: #ty, }
    });
    let additional = s.additional.as_ref().map(|(field, ty)| {
        let field = ident(field);
        let ty = rust_type(ty, &none);
        quote! {
            /// Properties not listed in the schema.
            #[serde(flatten)]
            pub #field: ::std::collections::BTreeMap<::std::string::String, #ty>,
        }
    });
    // Fields whose schema allows one value are written by the constructor, not passed.
    let fixed: Vec<Option<TokenStream>> = s.fields.iter().map(|f| ctx.fixed(f)).collect();
    let required: Vec<&Field> = s
        .fields
        .iter()
        .zip(&fixed)
        .filter(|(f, fixed)| f.required && fixed.is_none())
        .map(|(f, _)| f)
        .collect();
    let params = required.iter().map(|field| {
        let arg = ident(&field.name);
        let (param, _) = constructor_argument(ctx, field, &arg);
        quote!(#arg: #param)
    });
    let inits = s.fields.iter().zip(&fixed).map(|(field, fixed)| {
        let rust = ident(&field.name);
        if let Some(value) = fixed {
            quote!(#rust: #value)
        } else if field.required {
            let (_, value) = constructor_argument(ctx, field, &rust);
            if rust == value.to_string() {
                quote!(#rust)
            } else {
                quote!(#rust: #value)
            }
        } else {
            quote!(#rust: ::std::option::Option::None)
        }
    });
    let additional_init = s.additional.as_ref().map(|(field, _)| {
        let field = ident(field);
        quote!(#field: ::std::collections::BTreeMap::new())
    });
    let setters = s
        .fields
        .iter()
        .zip(&fixed)
        .filter(|(f, fixed)| !f.required && fixed.is_none())
        .map(|(field, _)| {
            let rust = ident(&field.name);
            let value = format_ident!("value");
            let (param, stored) = argument(ctx, &field.ty, &none, &value);
            let doc = docs::lines(&format!("Sets {}.", docs::code(&field.wire)));
            quote! {
                #doc
                pub fn #rust(mut self, value: #param) -> Self {
                    self.#rust = ::std::option::Option::Some(#stored);
                    self
                }
            }
        });
    let many = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let any_fixed = fixed.iter().any(Option::is_some);
    // Without arguments, `Default` is `new()`: derived where that leaves every field unset, written
    // out where `new()` fills fixed values.
    let default = (required.is_empty() && !any_fixed).then(|| quote!(::std::default::Default,));
    let default_impl = (required.is_empty() && any_fixed).then(|| {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    // Spec text in code spans: a backtick would end the span early.
    let code = |text: String| docs::code(&text);
    let fixed_doc = s
        .fields
        .iter()
        .zip(&fixed)
        .filter(|(_, fixed)| fixed.is_some())
        .filter_map(|(f, _)| {
            let value = f.fixed.as_ref()?.to_string();
            Some(format!("{} is {}", code(f.wire.clone()), code(value)))
        })
        .collect::<Vec<_>>();
    let new_doc = if fixed_doc.is_empty() {
        docs::lines("Creates a value from its required fields; optional fields start unset.")
    } else {
        docs::lines(&format!(
            "Creates a value from its required fields; optional fields start unset. The values the \
             schema fixes are filled in: {}.",
            fixed_doc.join(", ")
        ))
    };
    let inits = inits.chain(additional_init);
    // A multipart body holds file parts, which are neither cloned nor serialized.
    let validate = super::validate::for_struct(ctx, &name.to_string(), s);
    let (derives, into_form) = if form {
        (
            quote!(#[derive(::std::fmt::Debug, #default)]),
            into_form(ctx, s),
        )
    } else {
        (
            quote!(#[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]),
            TokenStream::new(),
        )
    };
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #additional
        }

        impl #name {
            #new_doc
            #many
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
            #into_form
            #validate
        }

        #default_impl
    }
}

/// The multipart form of a body: each field a text part or a file part, arrays as repeated parts,
/// unset optional fields left out.
fn into_form(ctx: &Context<'_>, s: &Struct) -> TokenStream {
    let steps = s.fields.iter().map(|field| {
        let rust = ident(&field.name);
        let wire = &field.wire;
        let one = |ty: &Type| -> TokenStream {
            match ctx.canonical(ty) {
                Type::Scalar(crate::ir::Scalar::File) => quote! { form = form.file(#wire, value); },
                _ => {
                    let text = form_text(ctx, ty);
                    quote! { form = form.text(#wire, #text); }
                }
            }
        };
        let each = match &field.ty {
            Type::List(item) => {
                let step = one(item);
                quote! { for value in values { #step } }
            }
            other => {
                let step = one(other);
                quote! { let value = values; #step }
            }
        };
        if field.is_option() {
            quote! { if let ::std::option::Option::Some(values) = self.#rust { #each } }
        } else {
            quote! { { let values = self.#rust; #each } }
        }
    });
    quote! {
        /// The body as multipart form parts.
        pub(crate) fn into_form(self) -> crate::runtime::Form {
            let mut form = crate::runtime::Form::new();
            #(#steps)*
            form
        }
    }
}

/// The text of an owned form value named `value`.
fn form_text(ctx: &Context<'_>, ty: &Type) -> TokenStream {
    use crate::ir::Scalar;
    let json = quote!(::serde_json::to_string(&value).unwrap_or_default());
    match ty {
        Type::Scalar(Scalar::String) => quote!(value),
        Type::Scalar(Scalar::Secret) => quote!(value.expose()),
        Type::Scalar(Scalar::DateTime) => quote!(value.to_rfc3339()),
        Type::Scalar(
            Scalar::JsonObject | Scalar::Base64 | Scalar::File | Scalar::Multipart | Scalar::Bytes,
        ) => json,
        Type::Scalar(_) => quote!(value.to_string()),
        Type::Boxed(inner) => form_text(ctx, inner),
        Type::Named(name) => match ctx.kind(name) {
            Some(TypeKind::StringEnum(_)) => quote!(value.as_str()),
            Some(TypeKind::NumberEnum(_)) => quote!(value.to_string()),
            Some(TypeKind::Alias(inner)) if !matches!(inner, Type::Named(_)) => {
                form_text(ctx, inner)
            }
            _ => json,
        },
        Type::Option(_) | Type::List(_) | Type::Map(_) => json,
    }
}

/// The enums of operations with several kinds of success response.
fn response_enums(ctx: &Context<'_>) -> TokenStream {
    let prefix = TokenStream::new();
    let enums = ctx
        .api
        .groups
        .iter()
        .flat_map(|g| &g.operations)
        .filter_map(|op| {
            let crate::ir::Response::Multi(multi) = &op.response else {
                return None;
            };
            let name = ident(&multi.name);
            let variants = multi.variants.iter().map(|v| {
                let variant = ident(&v.name);
                let media = v
                    .media_type
                    .as_deref()
                    .map(|m| format!(", {}", docs::code(m)))
                    .unwrap_or_default();
                let doc = docs::lines(&format!("Status {}{media}.", v.status));
                match &v.payload {
                    crate::ir::Payload::Empty => quote! { #doc #variant, },
                    payload => {
                        let ty = super::requests::payload_type(payload, &prefix);
                        quote! { #doc #variant(#ty), }
                    }
                }
            });
            let doc = docs::lines(&format!(
                "The responses of {} ({}).",
                docs::code(&op.id),
                docs::code(&format!("{} {}", op.http_method, op.path))
            ));
            Some(quote! {
                #doc
                #[derive(::std::fmt::Debug)]
                #[non_exhaustive]
                pub enum #name {
                    #(#variants)*
                }
            })
        });
    let errors = ctx
        .api
        .groups
        .iter()
        .flat_map(|g| &g.operations)
        .filter_map(error_enum);
    quote!(#(#enums)* #(#errors)*)
}

/// The enum of an operation's declared error responses, read from an API error.
fn error_enum(op: &crate::ir::Operation) -> Option<TokenStream> {
    use crate::ir::Payload;
    let errors = op.errors.as_ref()?;
    let prefix = TokenStream::new();
    let name = ident(&errors.name);
    let variants = errors.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let media = v
            .media_type
            .as_deref()
            .map(|m| format!(", {}", docs::code(m)))
            .unwrap_or_default();
        let doc = docs::lines(&format!("Status {}{media}.", v.status));
        match &v.payload {
            Payload::Empty => quote! { #doc #variant, },
            Payload::Json(ty) => {
                let ty = rust_type(ty, &prefix);
                quote! { #doc #variant(#ty), }
            }
            _ => quote! { #doc #variant(::std::string::String), },
        }
    });
    let exact: Vec<u16> = errors
        .variants
        .iter()
        .filter_map(|v| v.status.parse().ok())
        .collect();
    let arms = errors.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let pattern = super::status_pattern(&v.status, &exact);
        let value = match &v.payload {
            Payload::Empty => quote!(::std::option::Option::Some(Self::#variant)),
            Payload::Json(_) => {
                quote!(::serde_json::from_slice(error.body()).ok().map(Self::#variant))
            }
            _ => quote!(::std::option::Option::Some(Self::#variant(error.text().into_owned()))),
        };
        quote! { #pattern => #value, }
    });
    let catch_all = (!errors.variants.iter().any(|v| v.status == "default"))
        .then(|| quote! { _ => ::std::option::Option::None, });
    let doc = docs::lines(&format!(
        "The error responses {} ({}) declares. Read one from an [`Error::Api`](crate::Error::Api) \
         with [`from_api_error`](Self::from_api_error).",
        docs::code(&op.id),
        docs::code(&format!("{} {}", op.http_method, op.path))
    ));
    Some(quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
        }

        impl #name {
            /// The declared error an API error is, when its status has one and its body decodes.
            pub fn from_api_error(error: &crate::ApiError) -> ::std::option::Option<Self> {
                match error.status().as_u16() {
                    #(#arms)*
                    #catch_all
                }
            }
        }
    })
}

/// A required field as a constructor argument: nullable ones take an `Option`.
fn constructor_argument(
    ctx: &Context<'_>,
    field: &Field,
    arg: &proc_macro2::Ident,
) -> (TokenStream, TokenStream) {
    if field.nullable {
        let ty = field_type(field);
        (ty, quote!(#arg))
    } else {
        argument(ctx, &field.ty, &TokenStream::new(), arg)
    }
}

fn string_enum(doc: TokenStream, name: &proc_macro2::Ident, e: &StringEnum) -> TokenStream {
    let fallback = ident(&e.fallback);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = docs::lines(&docs::code(&v.wire));
        quote! { #doc #variant, }
    });
    let to_wire = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let wire = &v.wire;
        quote! { Self::#variant => #wire, }
    });
    let from_wire = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let wire = &v.wire;
        quote! { #wire => ::std::option::Option::Some(Self::#variant), }
    });
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash, ::std::cmp::PartialOrd, ::std::cmp::Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the crate does not know, kept as it was received.
            #fallback(::std::string::String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_wire)*
                    Self::#fallback(value) => value,
                }
            }

            /// The variant for a value this version of the crate knows, if it is one.
            pub fn known(value: &str) -> ::std::option::Option<Self> {
                match value {
                    #(#from_wire)*
                    _ => ::std::option::Option::None,
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| Self::#fallback(::std::borrow::ToOwned::to_owned(value)))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(value.as_str()))
            }
        }
    }
}

/// A value of a number enum as a literal of its scalar type.
pub(super) fn number_literal(e: &NumberEnum, value: &serde_json::Number) -> TokenStream {
    use crate::ir::Scalar;
    use proc_macro2::Literal;
    let literal = match e.scalar {
        Scalar::F64 => {
            let float = value.as_f64().unwrap_or_default();
            if float.is_finite() {
                Literal::f64_unsuffixed(float)
            } else {
                Literal::f64_unsuffixed(0.0)
            }
        }
        _ => match (value.as_i64(), value.as_u64()) {
            (Some(int), _) if int < 0 => {
                let magnitude = Literal::u64_unsuffixed(int.unsigned_abs());
                return quote!(-#magnitude);
            }
            (Some(int), _) => Literal::i64_unsuffixed(int),
            (None, Some(int)) => Literal::u64_unsuffixed(int),
            _ => Literal::i64_unsuffixed(0),
        },
    };
    quote!(#literal)
}

/// A value of a number enum as `Display` of its scalar writes it (`1000`, `0.5`, `-1`).
pub(super) fn number_text(e: &NumberEnum, value: &serde_json::Number) -> String {
    match (e.scalar, value.as_f64()) {
        (crate::ir::Scalar::F64, Some(float)) => float.to_string(),
        _ => value.to_string(),
    }
}

fn number_enum(doc: TokenStream, name: &proc_macro2::Ident, e: &NumberEnum) -> TokenStream {
    use crate::ir::Scalar;
    let scalar = super::rust_type(&Type::Scalar(e.scalar), &TokenStream::new());
    let float = e.scalar == Scalar::F64;
    let fallback = ident(&e.fallback);
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let doc = docs::lines(&format!("`{}`", number_text(e, &v.value)));
        quote! { #doc #variant, }
    });
    let to_value = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = number_literal(e, &v.value);
        quote! { Self::#variant => #value, }
    });
    let from_value = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = number_literal(e, &v.value);
        if float {
            quote! {
                if value == #value {
                    return ::std::option::Option::Some(Self::#variant);
                }
            }
        } else {
            quote! { #value => ::std::option::Option::Some(Self::#variant), }
        }
    });
    let lookup = if float {
        quote! { #(#from_value)* ::std::option::Option::None }
    } else {
        quote! {
            match value {
                #(#from_value)*
                _ => ::std::option::Option::None,
            }
        }
    };
    let serialize = match e.scalar {
        Scalar::I32 => quote!(serialize_i32),
        Scalar::U32 => quote!(serialize_u32),
        Scalar::U64 => quote!(serialize_u64),
        Scalar::F64 => quote!(serialize_f64),
        _ => quote!(serialize_i64),
    };
    // Equal values are equal whichever variant holds them (`Unknown(8000)` and `N8000`).
    let comparisons = if float {
        quote! {
            impl ::std::cmp::PartialEq for #name {
                fn eq(&self, other: &Self) -> bool {
                    self.value() == other.value()
                }
            }

            impl ::std::cmp::PartialOrd for #name {
                fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                    self.value().partial_cmp(&other.value())
                }
            }
        }
    } else {
        quote! {
            impl ::std::cmp::PartialEq for #name {
                fn eq(&self, other: &Self) -> bool {
                    self.value() == other.value()
                }
            }

            impl ::std::cmp::Eq for #name {}

            impl ::std::hash::Hash for #name {
                fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                    ::std::hash::Hash::hash(&self.value(), state);
                }
            }

            impl ::std::cmp::PartialOrd for #name {
                fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                    ::std::option::Option::Some(::std::cmp::Ord::cmp(self, other))
                }
            }

            impl ::std::cmp::Ord for #name {
                fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                    self.value().cmp(&other.value())
                }
            }
        }
    };
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the crate does not know, kept as it was received.
            #fallback(#scalar),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn value(&self) -> #scalar {
                match self {
                    #(#to_value)*
                    Self::#fallback(value) => *value,
                }
            }

            /// The variant for a value this version of the crate knows, if it is one.
            pub fn known(value: #scalar) -> ::std::option::Option<Self> {
                #lookup
            }

            /// Whether the value is one this version of the crate knows.
            pub fn is_known(&self) -> bool {
                Self::known(self.value()).is_some()
            }
        }

        impl ::std::convert::From<#scalar> for #name {
            fn from(value: #scalar) -> Self {
                Self::known(value).unwrap_or(Self::#fallback(value))
            }
        }

        impl ::std::convert::From<#name> for #scalar {
            fn from(value: #name) -> Self {
                value.value()
            }
        }

        #comparisons

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.value(), f)
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.#serialize(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <#scalar as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(value))
            }
        }
    }
}

/// `From<Payload>` for each variant whose payload type no other variant has.
fn conversions<'a>(
    ctx: &Context<'_>,
    name: &proc_macro2::Ident,
    variants: impl Iterator<Item = (&'a str, Option<&'a Type>)> + Clone,
) -> TokenStream {
    let none = TokenStream::new();
    let all: Vec<(&str, Option<&Type>)> = variants.collect();
    let items = all.iter().filter_map(|(variant, ty)| {
        let ty = (*ty)?;
        let canonical = ctx.canonical(ty);
        let unique = all
            .iter()
            .filter(|(_, other)| other.is_some_and(|o| ctx.canonical(o) == canonical))
            .count()
            == 1;
        if !unique || matches!(ty, Type::Scalar(crate::ir::Scalar::Json)) {
            return None;
        }
        let variant = ident(variant);
        let (payload, wrapped) = match ty {
            Type::Boxed(inner) => (
                rust_type(inner, &none),
                quote!(::std::boxed::Box::new(value)),
            ),
            other => (rust_type(other, &none), quote!(value)),
        };
        Some(quote! {
            impl ::std::convert::From<#payload> for #name {
                fn from(value: #payload) -> Self {
                    Self::#variant(#wrapped)
                }
            }
        })
    });
    quote!(#(#items)*)
}

fn tagged(
    ctx: &Context<'_>,
    doc: TokenStream,
    name: &proc_macro2::Ident,
    t: &Tagged,
) -> TokenStream {
    let validate = super::validate::for_tagged(ctx, t);
    let none = TokenStream::new();
    let tag = &t.tag;
    let fallback = ident(&t.fallback);
    let variants = t.variants.iter().map(|v| {
        let doc = ctx.doc(v.doc.as_ref());
        let variant = ident(&v.name);
        match &v.ty {
            Some(ty) => {
                let ty = rust_type(ty, &none);
                quote! { #doc #variant(#ty), }
            }
            None => quote! { #doc #variant, },
        }
    });
    let serialize = t.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let value = v.tags.first().map(String::as_str).unwrap_or_default();
        match &v.ty {
            Some(_) => {
                quote! { Self::#variant(value) => crate::runtime::serialize_tagged(serializer, #tag, #value, value), }
            }
            None => quote! {
                Self::#variant => crate::runtime::serialize_tagged(serializer, #tag, #value, &::serde_json::Map::new()),
            },
        }
    });
    let deserialize = t.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let tags = &v.tags;
        match &v.ty {
            Some(_) => quote! { #(#tags)|* => crate::runtime::from_value::<_, D>(value).map(Self::#variant), },
            None => quote! { #(#tags)|* => ::std::result::Result::Ok(Self::#variant), },
        }
    });
    let conversions = conversions(
        ctx,
        name,
        t.variants.iter().map(|v| (v.name.as_str(), v.ty.as_ref())),
    );
    let gap = (!doc.is_empty()).then(|| quote!(#[doc = ""]));
    let tag_doc = docs::lines(&format!("Told apart by the {} property.", docs::code(tag)));
    quote! {
        #doc
        #gap
        #tag_doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant, reason = "variants hold the spec's types as they are, for matching")]
        pub enum #name {
            #(#variants)*
            /// A variant this version of the crate does not know, kept as the JSON it was received as.
            #fallback(::serde_json::Value),
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize)*
                    Self::#fallback(value) => ::serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let (tag, value) = crate::runtime::split_tag::<D>(deserializer, #tag)?;
                match tag.as_str() {
                    #(#deserialize)*
                    _ => ::std::result::Result::Ok(Self::#fallback(value)),
                }
            }
        }

        impl #name {
            #validate
        }

        #conversions
    }
}

fn untagged(
    ctx: &Context<'_>,
    doc: TokenStream,
    name: &proc_macro2::Ident,
    u: &Untagged,
) -> TokenStream {
    let validate = super::validate::for_untagged(ctx, u);
    let none = TokenStream::new();
    let fallback = ident(&u.fallback);
    let variants = u.variants.iter().map(|v| {
        let doc = ctx.doc(v.doc.as_ref());
        let variant = ident(&v.name);
        let ty = rust_type(&v.ty, &none);
        quote! { #doc #variant(#ty), }
    });
    let conversions = conversions(
        ctx,
        name,
        u.variants.iter().map(|v| (v.name.as_str(), Some(&v.ty))),
    );
    let is_open_enum = |ty: &Type| matches!(ctx.canonical(ty), Type::Named(n) if matches!(ctx.kind(&n), Some(TypeKind::StringEnum(_))));
    // Open string enums accept any string, so trying variants in order would let the first one
    // swallow the others' values: known values are matched first, and a string no variant knows
    // is kept whole in the fallback.
    let (derive_deserialize, deserialize) = if u.variants.iter().any(|v| is_open_enum(&v.ty)) {
        let known = u.variants.iter().filter(|v| is_open_enum(&v.ty)).map(|v| {
            let variant = ident(&v.name);
            let ty = rust_type(&ctx.canonical(&v.ty), &none);
            quote! {
                if let ::std::option::Option::Some(known) = #ty::known(text) {
                    return ::std::result::Result::Ok(Self::#variant(known));
                }
            }
        });
        let others = u.variants.iter().filter(|v| !is_open_enum(&v.ty)).map(|v| {
            let variant = ident(&v.name);
            quote! {
                if let ::std::result::Result::Ok(inner) = ::serde_json::from_value(value.clone()) {
                    return ::std::result::Result::Ok(Self::#variant(inner));
                }
            }
        });
        let body = quote! {
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                    if let ::std::option::Option::Some(text) = value.as_str() {
                        #(#known)*
                    }
                    #(#others)*
                    ::std::result::Result::Ok(Self::#fallback(value))
                }
            }
        };
        (TokenStream::new(), body)
    } else {
        (quote!(::serde::Deserialize,), TokenStream::new())
    };
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::serde::Serialize, #derive_deserialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant, reason = "variants hold the spec's types as they are, for matching")]
        pub enum #name {
            #(#variants)*
            /// A value that none of the variants above accepts, kept as JSON.
            #fallback(::serde_json::Value),
        }

        #deserialize

        impl #name {
            #validate
        }

        #conversions
    }
}
