//! The contract example: a program that calls every operation of every version once, with
//! sample arguments built from the types, and reports per call whether the server accepted the
//! request and the client decoded the answer. Run against a mock server that validates requests.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, ident};
use crate::ir::{Operation, ParamLocation, Payload, Response, Scalar, Type, TypeKind};
use crate::krate::Version;

/// The example's entry point, `examples/contract/main.rs`: the generated calls live in a module
/// that rustfmt leaves as printed.
pub fn example_main(header: &str) -> String {
    let tokens = quote! {
        //! Calls every operation once against a server given on the command line, with sample
        //! arguments, and prints one line per call: whether the request was accepted and the
        //! response decoded. `cargo xtask contract` runs it against a validating mock server.
        //!
        //! Usage: `contract <version-feature> <base-url>`, e.g. `contract v2025-04-16 http://127.0.0.1:4010`.

        #[rustfmt::skip]
        mod calls;

        fn main() -> ::std::process::ExitCode {
            calls::main()
        }
    };
    super::format(header, tokens)
}

/// The calls, `examples/contract/calls.rs`: one function per version, selected by the first
/// argument.
pub fn example(versions: &[Version], header: &str) -> String {
    let arms = versions.iter().map(|version| {
        let feature = &version.feature;
        let module = ident(&version.module);
        quote! {
            #[cfg(feature = #feature)]
            #feature => #module(&base_url).await,
        }
    });
    let functions = versions.iter().map(version_calls);
    let tokens = quote! {
        //! One call per operation with sample arguments, and the report of how each went.
        #![allow(clippy::print_stdout, reason = "the report is the program's output")]

        /// How one call went.
        #[derive(Debug)]
        #[allow(dead_code, reason = "the fields are printed through Debug")]
        enum Outcome {
            Ok,
            Rejected { status: u16, body: String },
            Undecodable(String),
            Failed(String),
        }

        fn settle<T>(result: ::std::result::Result<T, cartesia_api::Error>) -> Outcome {
            match result {
                ::std::result::Result::Ok(_) => Outcome::Ok,
                ::std::result::Result::Err(error) => classify(error),
            }
        }

        fn classify(error: cartesia_api::Error) -> Outcome {
            match error {
                cartesia_api::Error::Api(e) => Outcome::Rejected { status: e.status().as_u16(), body: e.text().into_owned() },
                e @ (cartesia_api::Error::Decode { .. } | cartesia_api::Error::MalformedBody { .. }) => Outcome::Undecodable(e.to_string()),
                other => Outcome::Failed(other.to_string()),
            }
        }

        async fn settle_binary(result: ::std::result::Result<cartesia_api::BinaryResponse, cartesia_api::Error>) -> Outcome {
            match result {
                ::std::result::Result::Ok(response) => match response.bytes().await {
                    ::std::result::Result::Ok(_) => Outcome::Ok,
                    ::std::result::Result::Err(error) => classify(error),
                },
                ::std::result::Result::Err(error) => classify(error),
            }
        }

        async fn settle_events<T>(result: ::std::result::Result<cartesia_api::EventStream<T>, cartesia_api::Error>) -> Outcome {
            use ::futures_util::StreamExt;
            match result {
                ::std::result::Result::Ok(mut events) => {
                    while let ::std::option::Option::Some(event) = events.next().await {
                        if let ::std::result::Result::Err(error) = event {
                            return classify(error);
                        }
                    }
                    Outcome::Ok
                }
                ::std::result::Result::Err(error) => classify(error),
            }
        }

        #[tokio::main]
        pub(crate) async fn main() -> ::std::process::ExitCode {
            let mut args = ::std::env::args().skip(1);
            let (::std::option::Option::Some(version), ::std::option::Option::Some(base_url)) = (args.next(), args.next()) else {
                eprintln!("usage: contract <version-feature> <base-url>");
                return ::std::process::ExitCode::from(2);
            };
            let outcomes: ::std::vec::Vec<(&str, Outcome)> = match version.as_str() {
                #(#arms)*
                other => {
                    eprintln!("unknown or disabled version feature {other}");
                    return ::std::process::ExitCode::from(2);
                }
            };
            for (operation, outcome) in outcomes {
                println!("{operation}\t{outcome:?}");
            }
            ::std::process::ExitCode::SUCCESS
        }

        #(#functions)*
    };
    super::format(header, tokens)
}

fn version_calls(version: &Version) -> TokenStream {
    let ctx = Context::new(&version.api);
    let feature = &version.feature;
    let module = ident(&version.module);
    let credentials = version.api.security_schemes.iter().map(|scheme| {
        let setter = ident(&scheme.setter);
        let value = format!("contract-{}", scheme.setter);
        quote!(.#setter(#value))
    });
    let mut calls = Vec::new();
    for group in &version.api.groups {
        let accessor = group.accessor.as_ref().map(|a| {
            let method = ident(&a.method);
            quote!(.#method())
        });
        for op in &group.operations {
            calls.push(call(&ctx, accessor.clone().unwrap_or_default(), op));
        }
    }
    let body = if calls.is_empty() {
        quote! {
            let _ = client;
            ::std::vec::Vec::new()
        }
    } else {
        quote! {
            let mut outcomes = ::std::vec::Vec::new();
            #(#calls)*
            outcomes
        }
    };
    quote! {
        #[cfg(feature = #feature)]
        async fn #module(base_url: &str) -> ::std::vec::Vec<(&'static str, Outcome)> {
            use cartesia_api::#module as api;
            let client = match api::Client::builder().base_url(base_url) #(#credentials)* .build() {
                ::std::result::Result::Ok(client) => client,
                ::std::result::Result::Err(error) => return vec![("client", Outcome::Failed(error.to_string()))],
            };
            #body
        }
    }
}

fn call(ctx: &Context<'_>, accessor: TokenStream, op: &Operation) -> TokenStream {
    let method = ident(&op.method);
    let id = &op.id;
    let mut args = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let value = match (param.location, &param.ty) {
            // A path segment must be a plain token for the server to route it.
            (ParamLocation::Path, ty) if ctx.canonical(ty) == Type::Scalar(Scalar::String) => {
                quote!("sample-id")
            }
            (_, ty) => sample(ctx, ty, 0),
        };
        args.push(value);
    }
    let body = op.body.as_ref().filter(|b| b.required).map(|body| {
        let value = sample(ctx, &body.ty, 0);
        args.push(if body.encoding.owned() {
            quote!(body)
        } else {
            quote!(&body)
        });
        quote! { let body = #value; }
    });
    let request = quote!(client #accessor .#method(#(#args),*).await);
    let settle = match &op.response {
        Response::Single(Payload::Binary) => quote!(settle_binary(#request).await),
        Response::Single(Payload::EventStream(_)) => quote!(settle_events(#request).await),
        _ => quote!(settle(#request)),
    };
    quote! {
        {
            #body
            outcomes.push((#id, #settle));
        }
    }
}

/// An expression of type `ty` that a validating server should accept.
fn sample(ctx: &Context<'_>, ty: &Type, depth: usize) -> TokenStream {
    let api = quote!(api::);
    match ty {
        Type::Scalar(scalar) => match scalar {
            Scalar::String => quote!(::std::string::String::from("sample")),
            Scalar::Bool => quote!(true),
            Scalar::I32 | Scalar::I64 | Scalar::U32 | Scalar::U64 => quote!(1),
            Scalar::F32 | Scalar::F64 => quote!(1.0),
            Scalar::DateTime | Scalar::Date | Scalar::Uuid => {
                quote!(::std::default::Default::default())
            }
            Scalar::Base64 => quote!(cartesia_api::Base64Bytes::from(vec![0u8, 1, 2, 3])),
            Scalar::Secret => quote!(cartesia_api::Secret::new("sample")),
            Scalar::Json | Scalar::JsonObject => quote!(::std::default::Default::default()),
            Scalar::Bytes => quote!(::bytes::Bytes::from_static(b"sample")),
            Scalar::File => quote!(
                cartesia_api::FilePart::from_bytes(vec![0u8; 64])
                    .file_name("sample.wav")
                    .content_type("audio/wav")
            ),
            Scalar::Multipart => quote!(cartesia_api::Multipart::new().text("sample", "sample")),
        },
        Type::List(item) => {
            // Two items: a lone repeated multipart field is indistinguishable from a scalar.
            let item = sample(ctx, item, depth + 1);
            quote!(vec![#item, #item])
        }
        Type::Map(_) => quote!(::std::default::Default::default()),
        Type::Option(inner) => {
            let inner = sample(ctx, inner, depth + 1);
            quote!(::std::option::Option::Some(#inner))
        }
        Type::Boxed(inner) => {
            let inner = sample(ctx, inner, depth + 1);
            quote!(::std::boxed::Box::new(#inner))
        }
        Type::Named(name) => {
            let rust = ident(name);
            if depth > 12 {
                return quote!(::std::default::Default::default());
            }
            match ctx.kind(name) {
                Some(kind @ (TypeKind::Struct(s) | TypeKind::Form(s))) => {
                    let unboxed = |ty: &'_ Type| match ty {
                        Type::Boxed(inner) => inner.as_ref().clone(),
                        other => other.clone(),
                    };
                    let args = s.fields.iter().filter(|f| f.required).map(|field| {
                        let value = sample(ctx, &unboxed(&field.ty), depth + 1);
                        if field.nullable {
                            quote!(::std::option::Option::Some(#value))
                        } else {
                            value
                        }
                    });
                    // A form is filled completely: servers tend to need more of an upload than the
                    // document marks required, and an empty multipart body is no body at all.
                    // Optional arrays are left out: mock servers read repeated parts (the
                    // encoding of an array) as a single value.
                    let setters = s
                        .fields
                        .iter()
                        .filter(|f| {
                            !f.required
                                && matches!(kind, TypeKind::Form(_))
                                && !matches!(f.ty, Type::List(_))
                        })
                        .map(|field| {
                            let setter = ident(&field.name);
                            let value = sample(ctx, &unboxed(&field.ty), depth + 1);
                            quote!(.#setter(#value))
                        });
                    quote!(#api #rust::new(#(#args),*) #(#setters)*)
                }
                Some(TypeKind::StringEnum(e)) => match e.variants.first() {
                    Some(variant) => {
                        let variant = ident(&variant.name);
                        quote!(#api #rust::#variant)
                    }
                    None => quote!(#api #rust::from("sample")),
                },
                Some(TypeKind::Tagged(t)) => match t.variants.first() {
                    Some(variant) => {
                        let name_variant = ident(&variant.name);
                        match &variant.ty {
                            Some(payload) => {
                                let value = sample(ctx, payload, depth + 1);
                                quote!(#api #rust::#name_variant(#value))
                            }
                            None => quote!(#api #rust::#name_variant),
                        }
                    }
                    None => quote!(#api #rust::Unknown(::std::default::Default::default())),
                },
                Some(TypeKind::Untagged(u)) => match u.variants.first() {
                    Some(variant) => {
                        let name_variant = ident(&variant.name);
                        let value = sample(ctx, &variant.ty, depth + 1);
                        quote!(#api #rust::#name_variant(#value))
                    }
                    None => quote!(::std::default::Default::default()),
                },
                Some(TypeKind::Alias(inner)) => sample(ctx, inner, depth + 1),
                None => quote!(::std::default::Default::default()),
            }
        }
    }
}
