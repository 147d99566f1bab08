//! The contract example: a program that calls every operation of every version once, with
//! sample arguments built from the types, and reports per call whether the server accepted the
//! request, the client decoded the answer and how many messages it decoded. Run against a mock
//! server that validates requests and responses.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, ident};
use crate::ir::{
    Api, Bounds, Operation, ParamLocation, Payload, Response, Scalar, SchemeLocation, Type,
    TypeKind,
};
use crate::krate::Version;
use crate::sample as value;

/// The example's entry point, `examples/contract/main.rs`: the generated calls live in a module
/// that rustfmt leaves as printed.
pub fn example_main(header: &str) -> String {
    let tokens = quote! {
        //! Calls every operation once against a server given on the command line, with sample
        //! arguments, and prints one line per call: whether the request was accepted and the
        //! response decoded, with the number of messages decoded. `cargo xtask contract` runs it
        //! against a validating mock server.
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
    let krate = quote!(cartesia_api);
    let arms = versions.iter().map(|version| {
        let feature = &version.feature;
        let module = ident(&version.module);
        quote! {
            #[cfg(feature = #feature)]
            #feature => #module(&base_url).await,
        }
    });
    let functions = versions.iter().map(version_calls);
    let prelude = prelude(&krate, true);
    let tokens = quote! {
        #prelude

        #[tokio::main]
        pub(crate) async fn main() -> ::std::process::ExitCode {
            let mut args = ::std::env::args().skip(1);
            let (::std::option::Option::Some(version), ::std::option::Option::Some(base_url)) = (args.next(), args.next()) else {
                eprintln!("usage: contract <version-feature> <base-url>");
                return ::std::process::ExitCode::from(2);
            };
            let calls: ::std::vec::Vec<Call> = match version.as_str() {
                #(#arms)*
                other => {
                    eprintln!("unknown or disabled version feature {other}");
                    return ::std::process::ExitCode::from(2);
                }
            };
            for call in calls {
                println!("{}\t{}\t{}\t{:?}", call.id, call.route, call.messages, call.outcome);
            }
            ::std::process::ExitCode::SUCCESS
        }

        #(#functions)*
    };
    super::format(header, tokens)
}

/// The contract example of a standalone crate whose API is at the root of the library
/// `library`: `examples/contract/main.rs` and `examples/contract/calls.rs`, by path. Usage:
/// `contract <base-url>`.
pub fn standalone_example(api: &Api, library: &str, header: &str) -> [(&'static str, String); 2] {
    let krate = ident(library);
    let krate = quote!(#krate);
    // A standalone crate without event streams leaves the runtime's event stream out.
    let prelude = prelude(&krate, api.streams_events());
    let body = calls_body(api, &krate);
    let tokens = quote! {
        #prelude

        #[tokio::main]
        pub(crate) async fn main() -> ::std::process::ExitCode {
            let ::std::option::Option::Some(base_url) = ::std::env::args().nth(1) else {
                eprintln!("usage: contract <base-url>");
                return ::std::process::ExitCode::from(2);
            };
            for call in calls(&base_url).await {
                println!("{}\t{}\t{}\t{:?}", call.id, call.route, call.messages, call.outcome);
            }
            ::std::process::ExitCode::SUCCESS
        }

        async fn calls(base_url: &str) -> ::std::vec::Vec<Call> {
            use #krate as api;
            #body
        }
    };
    let main = quote! {
        //! Calls every operation once against a server given on the command line, with sample
        //! arguments, and prints one line per call: whether the request was accepted and the
        //! response decoded, with the number of messages decoded. `cargo xtask crate --contract`
        //! runs it against a validating mock server.
        //!
        //! Usage: `contract <base-url>`, e.g. `contract http://127.0.0.1:4010`.

        #[rustfmt::skip]
        mod calls;

        fn main() -> ::std::process::ExitCode {
            calls::main()
        }
    };
    [
        ("examples/contract/main.rs", super::format(header, main)),
        ("examples/contract/calls.rs", super::format(header, tokens)),
    ]
}

/// The items every contract example shares: the outcome of a call and how each kind of answer
/// is settled, with the errors of the crate `krate`; event streams only when it has them.
fn prelude(krate: &TokenStream, event_streams: bool) -> TokenStream {
    let settle_events = event_streams.then(|| settle_events(krate));
    quote! {
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
            Skipped(String),
        }

        /// One call: the operation, its route as written in the document, how it went and how
        /// many messages (JSON bodies, events) the client decoded.
        struct Call {
            id: &'static str,
            route: &'static str,
            outcome: Outcome,
            messages: usize,
        }

        /// A call whose answer is a JSON body: one message when it decoded.
        fn settle<T>(result: ::std::result::Result<T, #krate::Error>) -> (Outcome, usize) {
            match result {
                ::std::result::Result::Ok(_) => (Outcome::Ok, 1),
                ::std::result::Result::Err(error) => (classify(error), 0),
            }
        }

        /// A call whose answer carries no typed message (empty, text).
        fn settle_plain<T>(result: ::std::result::Result<T, #krate::Error>) -> (Outcome, usize) {
            match result {
                ::std::result::Result::Ok(_) => (Outcome::Ok, 0),
                ::std::result::Result::Err(error) => (classify(error), 0),
            }
        }

        fn classify(error: #krate::Error) -> Outcome {
            match error {
                #krate::Error::Api(e) => Outcome::Rejected { status: e.status().as_u16(), body: e.text().into_owned() },
                e @ (#krate::Error::Decode { .. } | #krate::Error::MalformedBody { .. }) => Outcome::Undecodable(e.to_string()),
                other => Outcome::Failed(other.to_string()),
            }
        }

        async fn settle_binary(result: ::std::result::Result<#krate::BinaryResponse, #krate::Error>) -> (Outcome, usize) {
            match result {
                ::std::result::Result::Ok(response) => match response.bytes().await {
                    ::std::result::Result::Ok(_) => (Outcome::Ok, 0),
                    ::std::result::Result::Err(error) => (classify(error), 0),
                },
                ::std::result::Result::Err(error) => (classify(error), 0),
            }
        }

        #settle_events
    }
}

/// How a call answered by an event stream is settled.
fn settle_events(krate: &TokenStream) -> TokenStream {
    quote! {
        /// A call answered by an event stream: every event decoded is a message; a stream without
        /// events proves nothing and fails.
        async fn settle_events<T>(result: ::std::result::Result<#krate::EventStream<T>, #krate::Error>) -> (Outcome, usize) {
            use ::futures_util::StreamExt;
            match result {
                ::std::result::Result::Ok(mut events) => {
                    let mut count = 0;
                    while let ::std::option::Option::Some(event) = events.next().await {
                        match event {
                            ::std::result::Result::Ok(_) => count += 1,
                            ::std::result::Result::Err(error) => return (classify(error), count),
                        }
                    }
                    if count == 0 {
                        return (Outcome::Undecodable("the stream carried no event".to_owned()), 0);
                    }
                    (Outcome::Ok, count)
                }
                ::std::result::Result::Err(error) => (classify(error), 0),
            }
        }
    }
}

fn version_calls(version: &Version) -> TokenStream {
    let feature = &version.feature;
    let module = ident(&version.module);
    let body = calls_body(&version.api, &quote!(cartesia_api));
    quote! {
        #[cfg(feature = #feature)]
        async fn #module(base_url: &str) -> ::std::vec::Vec<Call> {
            use cartesia_api::#module as api;
            #body
        }
    }
}

/// The body of a function of `base_url` that builds a client with a credential for every
/// security scheme and calls every operation of `api` once, returning the calls.
fn calls_body(api: &Api, krate: &TokenStream) -> TokenStream {
    let ctx = Context::new(api);
    let credentials = api.security_schemes.iter().map(|scheme| {
        let setter = ident(&scheme.setter);
        // Basic credentials are `user:password`; a server checks that the colon is there.
        let value = match scheme.location {
            SchemeLocation::Basic => format!("contract-user:contract-{}", scheme.setter),
            _ => format!("contract-{}", scheme.setter),
        };
        quote!(.#setter(#value))
    });
    let mut calls = Vec::new();
    for group in &api.groups {
        let accessor = group.accessor.as_ref().map(|a| {
            let method = ident(&a.method);
            quote!(.#method())
        });
        for op in &group.operations {
            calls.push(call(&ctx, krate, accessor.clone().unwrap_or_default(), op));
        }
    }
    // Operations left out are reported, so that the count of operations tells the whole story.
    for skipped in &api.skipped {
        let (id, route, reason) = (&skipped.id, &skipped.route, &skipped.reason);
        calls.push(quote! {
            outcomes.push(Call { id: #id, route: #route, outcome: Outcome::Skipped(#reason.to_owned()), messages: 0 });
        });
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
        // Each call is bounded and made once: a mock answers at once, and a retry would only
        // repeat what the server said.
        let client = match api::Client::builder()
            .base_url(base_url)
            .timeout(::std::time::Duration::from_secs(20))
            .idle_timeout(::std::time::Duration::from_secs(20))
            .max_retries(0)
            #(#credentials)*
            .build()
        {
            ::std::result::Result::Ok(client) => client,
            ::std::result::Result::Err(error) => return vec![Call { id: "client", route: "", outcome: Outcome::Failed(error.to_string()), messages: 0 }],
        };
        #body
    }
}

fn call(
    ctx: &Context<'_>,
    krate: &TokenStream,
    accessor: TokenStream,
    op: &Operation,
) -> TokenStream {
    let method = ident(&op.method);
    let id = &op.id;
    let mut args = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let value = match (param.location, &param.ty) {
            // A path segment must be a plain token for the server to route it.
            (ParamLocation::Path, ty)
                if ctx.canonical(ty) == Type::Scalar(Scalar::String)
                    && param.bounds.pattern.is_none()
                    && param.bounds.format.is_none() =>
            {
                quote!("sample-id")
            }
            (_, ty) => sample(ctx, krate, ty, &param.bounds, 0),
        };
        args.push(value);
    }
    let body = op.body.as_ref().filter(|b| b.required).map(|body| {
        let value = sample(ctx, krate, &body.ty, &Bounds::default(), 0);
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
        Response::Single(Payload::Empty | Payload::Text) => quote!(settle_plain(#request)),
        _ => quote!(settle(#request)),
    };
    let route = format!("{} {}", op.http_method, op.path);
    quote! {
        {
            #body
            let (outcome, messages) = #settle;
            outcomes.push(Call { id: #id, route: #route, outcome, messages });
        }
    }
}

/// An expression of type `ty` that a validating server should accept: within the `bounds` the
/// schema states (enum values, numeric bounds, lengths, pattern, format, item counts).
fn sample(
    ctx: &Context<'_>,
    krate: &TokenStream,
    ty: &Type,
    bounds: &Bounds,
    depth: usize,
) -> TokenStream {
    let api = quote!(api::);
    let none = Bounds::default();
    match ty {
        Type::Scalar(scalar) => match scalar {
            Scalar::String => {
                let text = value::string(bounds);
                quote!(::std::string::String::from(#text))
            }
            Scalar::Bool => {
                let flag = bounds
                    .values
                    .iter()
                    .find_map(serde_json::Value::as_bool)
                    .unwrap_or(true);
                quote!(#flag)
            }
            Scalar::I32 | Scalar::I64 | Scalar::U32 | Scalar::U64 => {
                let number = proc_macro2::Literal::i64_unsuffixed(value::integer(bounds));
                quote!(#number)
            }
            Scalar::F64 => {
                let number = proc_macro2::Literal::f64_unsuffixed(value::number(bounds));
                quote!(#number)
            }
            Scalar::DateTime | Scalar::Date | Scalar::Uuid => {
                quote!(::std::default::Default::default())
            }
            Scalar::Base64 => quote!(#krate::Base64Bytes::from(vec![0u8, 1, 2, 3])),
            Scalar::Secret => {
                let text = value::string(bounds);
                quote!(#krate::Secret::new(#text))
            }
            Scalar::Json | Scalar::JsonObject => quote!(::std::default::Default::default()),
            Scalar::Bytes => quote!(::bytes::Bytes::from_static(b"sample")),
            Scalar::File => quote!(
                #krate::FilePart::from_bytes(vec![0u8; 64])
                    .file_name("sample.wav")
                    .content_type("audio/wav")
            ),
            Scalar::Multipart => quote!(#krate::Multipart::new().text("sample", "sample")),
        },
        Type::List(item) => {
            let item = sample(ctx, krate, item, &none, depth + 1);
            let items = std::iter::repeat_n(item, value::items(bounds));
            quote!(vec![#(#items),*])
        }
        Type::Map(_) => quote!(::std::default::Default::default()),
        Type::Option(inner) => {
            let inner = sample(ctx, krate, inner, bounds, depth + 1);
            quote!(::std::option::Option::Some(#inner))
        }
        Type::Boxed(inner) => {
            let inner = sample(ctx, krate, inner, bounds, depth + 1);
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
                    // Fixed values are filled by the constructor and have no setter.
                    let args = s
                        .fields
                        .iter()
                        .filter(|f| f.required && ctx.fixed(f).is_none())
                        .map(|field| {
                            let value =
                                sample(ctx, krate, &unboxed(&field.ty), &field.bounds, depth + 1);
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
                                && ctx.fixed(f).is_none()
                                && matches!(kind, TypeKind::Form(_))
                                && !matches!(f.ty, Type::List(_))
                        })
                        .map(|field| {
                            let setter = ident(&field.name);
                            let value =
                                sample(ctx, krate, &unboxed(&field.ty), &field.bounds, depth + 1);
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
                Some(TypeKind::NumberEnum(e)) => match e.variants.first() {
                    Some(variant) => {
                        let variant = ident(&variant.name);
                        quote!(#api #rust::#variant)
                    }
                    None => {
                        let fallback = ident(&e.fallback);
                        quote!(#api #rust::#fallback(::std::default::Default::default()))
                    }
                },
                Some(TypeKind::Tagged(t)) => match t.variants.first() {
                    Some(variant) => {
                        let name_variant = ident(&variant.name);
                        match &variant.ty {
                            Some(payload) => {
                                let value = sample(ctx, krate, payload, &none, depth + 1);
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
                        let value = sample(ctx, krate, &variant.ty, &none, depth + 1);
                        quote!(#api #rust::#name_variant(#value))
                    }
                    None => quote!(::std::default::Default::default()),
                },
                Some(TypeKind::Alias(inner)) => sample(ctx, krate, inner, bounds, depth + 1),
                None => quote!(::std::default::Default::default()),
            }
        }
    }
}
