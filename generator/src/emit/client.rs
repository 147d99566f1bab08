//! The version module's root, the client with its builder credentials, and the sub-clients.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, argument, docs, ident};
use crate::ir::{ErrorBody, Group, Operation, SchemeLocation, TextField};

pub(super) fn module_root(ctx: &Context<'_>) -> TokenStream {
    let api = ctx.api;
    let version = &api.version;
    let base_url = &api.base_url;
    let grouping = match api.groups.iter().find_map(|g| g.accessor.as_ref()) {
        Some(accessor) => format!(
            "operations are grouped by tag on sub-clients such as `client.{}()`",
            crate::names::bare(&accessor.method)
        ),
        None => "operations are methods of the client".to_owned(),
    };
    let doc = docs::inner_lines(&format!(
        "{}, version {version}.\n\nStart with [`Client::builder`]; {grouping}.",
        docs::capitalized(&docs::api_name(&api.title)),
    ));
    let schemes = api.security_schemes.iter().map(|scheme| {
        let name = &scheme.wire;
        let location = match &scheme.location {
            SchemeLocation::Header(header) => {
                quote!(crate::runtime::SchemeLocation::Header(#header))
            }
            SchemeLocation::Query(query) => quote!(crate::runtime::SchemeLocation::Query(#query)),
            SchemeLocation::Cookie(cookie) => {
                quote!(crate::runtime::SchemeLocation::Cookie(#cookie))
            }
            SchemeLocation::Bearer => quote!(crate::runtime::SchemeLocation::Bearer),
            SchemeLocation::Basic => quote!(crate::runtime::SchemeLocation::Basic),
        };
        quote!(crate::runtime::SecurityScheme { name: #name, location: #location })
    });
    let channels_mod = (!api.channels.is_empty()).then(|| {
        quote!(
            pub mod websockets;
        )
    });
    let (error_body_const, error_body_fn) = match &api.error_body {
        Some(body) => (
            quote!(
                const ERROR_BODY: ::std::option::Option<crate::runtime::ErrorBodyDecoder> =
                    ::std::option::Option::Some(decode_error_body);
            ),
            error_body_decoder(body),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let reexport_types = (!api.types.is_empty()).then(|| {
        quote!(
            pub use types::*;
        )
    });
    quote! {
        #doc

        #channels_mod
        mod client;
        pub mod requests;
        pub mod types;

        pub use client::*;
        #reexport_types

        /// The API version this module was generated for.
        pub const API_VERSION: &str = #version;

        /// The server the client talks to unless told otherwise.
        pub const DEFAULT_BASE_URL: &str = #base_url;

        /// Marks clients and builders of this API version.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy)]
        pub struct Api;

        impl crate::runtime::ApiVersion for Api {
            const DEFAULT_BASE_URL: &'static str = DEFAULT_BASE_URL;
            const SECURITY_SCHEMES: &'static [crate::runtime::SecurityScheme] = &[#(#schemes),*];
            #error_body_const
        }

        #error_body_fn
    }
}

/// The function that decodes an error body into the API's error type, with the summary its
/// `Display` shows and the request id it carries.
fn error_body_decoder(body: &ErrorBody) -> TokenStream {
    let ty = super::rust_type(&body.ty, &quote!(types::));
    let text = |field: &TextField| {
        let name = ident(&field.name);
        if field.optional {
            quote!(value.#name.as_ref().map(::std::string::ToString::to_string))
        } else {
            quote!(::std::option::Option::Some(::std::string::ToString::to_string(&value.#name)))
        }
    };
    let parts: Vec<TokenStream> = body.summary.iter().map(text).collect();
    let summary = if parts.is_empty() {
        quote!(let summary: ::std::option::Option<::std::string::String> = ::std::option::Option::None;)
    } else {
        quote! {
            let parts: ::std::vec::Vec<::std::string::String> = [#(#parts),*]
                .into_iter()
                .flatten()
                .filter(|part| !part.trim().is_empty())
                .collect();
            let summary = (!parts.is_empty()).then(|| parts.join(": "));
        }
    };
    let request_id = match &body.request_id {
        Some(field) => text(field),
        None => quote!(::std::option::Option::None),
    };
    quote! {
        /// Reads an error response body as the error type every operation declares, for
        /// [`ApiError::detail`](crate::ApiError::detail).
        fn decode_error_body(body: &[u8]) -> ::std::option::Option<crate::runtime::ErrorDetail> {
            let value: #ty = ::serde_json::from_slice(body).ok()?;
            #summary
            let request_id = #request_id;
            ::std::option::Option::Some(crate::runtime::ErrorDetail::new(value, summary, request_id))
        }
    }
}

/// How a credential is sent, for documentation.
pub(crate) fn how_sent(location: &SchemeLocation) -> String {
    match location {
        SchemeLocation::Header(header) => format!("sent in the {} header", docs::code(header)),
        SchemeLocation::Query(query) => {
            format!("sent as the {} query parameter", docs::code(query))
        }
        SchemeLocation::Cookie(cookie) => format!("sent as the {} cookie", docs::code(cookie)),
        SchemeLocation::Bearer => "sent as `Authorization: Bearer`".to_owned(),
        SchemeLocation::Basic => "`user:password`, sent as `Authorization: Basic`".to_owned(),
    }
}

/// `client.rs`: the client, then each sub-client and the channels' openers, printed a chunk at a
/// time (large APIs have thousands of operations).
pub(super) fn file(ctx: &Context<'_>, header: &str) -> String {
    let groups: Vec<&Group> = ctx
        .api
        .groups
        .iter()
        .filter(|g| g.accessor.is_some())
        .collect();
    super::print::chunked(header, groups.len() + 2, |index| match index {
        0 => client(ctx),
        _ => match groups.get(index - 1) {
            Some(group) => sub_client(ctx, group).unwrap_or_default(),
            None => super::channels::openers(ctx),
        },
    })
}

/// The client, its builder's credential setters and the methods of operations without a
/// sub-client.
fn client(ctx: &Context<'_>) -> TokenStream {
    let api = ctx.api;
    let setters = api.security_schemes.iter().map(|scheme| {
        let setter = ident(&scheme.setter);
        let wire = &scheme.wire;
        let how = how_sent(&scheme.location);
        let mut text = format!(
            "Sets the credential for the {} security scheme, {how}.",
            docs::code(wire)
        );
        if let Some(doc) = &scheme.doc {
            text.push_str("\n\n");
            text.push_str(&ctx.sanitize(doc));
        }
        let doc = docs::lines(&text);
        let provider = (scheme.location == SchemeLocation::Bearer).then(|| {
            let method = quote::format_ident!("{}_provider", crate::names::bare(&scheme.setter));
            let doc = docs::lines(&format!(
                "Takes the `{wire}` credential from a [`TokenProvider`](crate::TokenProvider): fetched when \
                 first needed, refreshed before it expires (once for any number of concurrent requests), \
                 and refreshed again with the request retried once after a 401."
            ));
            quote! {
                #doc
                pub fn #method(self, provider: crate::TokenProvider) -> Self {
                    self.credential_provider(#wire, provider)
                }
            }
        });
        quote! {
            #doc
            pub fn #setter(self, secret: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.credential(#wire, secret)
            }
            #provider
        }
    });
    let accessors = api.groups.iter().filter_map(|group| {
        let accessor = group.accessor.as_ref()?;
        let method = ident(&accessor.method);
        let client = ident(&accessor.client);
        let doc = docs::lines(&format!("Operations tagged {}.", docs::code(&group.wire)));
        Some(quote! {
            #doc
            pub fn #method(&self) -> #client<'_> {
                #client { client: &self.inner }
            }
        })
    });
    let root_methods = api
        .groups
        .iter()
        .filter(|g| g.accessor.is_none())
        .flat_map(|g| &g.operations)
        .map(|op| method(ctx, op, quote!(&self.inner), None));
    let from_env = api.env.as_ref().and_then(|env| {
        let scheme = api.security_schemes.iter().find(|s| crate::names::bare(&s.setter) == env.credential)?;
        let wire = &scheme.wire;
        let (key, url) = (&env.api_key, &env.base_url);
        let doc = docs::lines(&format!(
            "A client configured from the environment: the `{wire}` credential from `{key}`, and the \
             base URL from `{url}` when it is set. Fails when `{key}` is missing or empty."
        ));
        Some(quote! {
            #doc
            pub fn from_env() -> ::std::result::Result<Self, crate::Error> {
                crate::runtime::ClientBuilder::<super::Api>::from_env(#wire, #key, #url)?.build()
            }
        })
    });
    let unused = api
        .groups
        .is_empty()
        .then(|| quote!(#[allow(dead_code, reason = "the API has no operations")]));
    quote! {
        //! The client and its sub-clients.

        /// Builds a [`Client`]: credentials, base URL, timeouts, user agent.
        pub type ClientBuilder = crate::runtime::ClientBuilder<super::Api>;

        impl crate::runtime::ClientBuilder<super::Api> {
            #(#setters)*

            /// Builds the client.
            pub fn build(self) -> ::std::result::Result<Client, crate::Error> {
                ::std::result::Result::Ok(Client { inner: self.build_inner()? })
            }
        }

        /// The client. Cheap to clone: clones share one connection pool.
        #[derive(::std::fmt::Debug, ::std::clone::Clone)]
        pub struct Client {
            #unused
            inner: crate::runtime::ApiClient,
        }

        impl Client {
            /// Starts building a client.
            pub fn builder() -> ClientBuilder {
                crate::runtime::ClientBuilder::new()
            }

            #from_env

            #(#accessors)*
            #(#root_methods)*
        }
    }
}

fn sub_client(ctx: &Context<'_>, group: &Group) -> Option<TokenStream> {
    let accessor = group.accessor.as_ref()?;
    let client = ident(&accessor.client);
    let mut text = format!("Operations tagged {}.", docs::code(&group.wire));
    if let Some(doc) = &group.doc {
        text.push_str("\n\n");
        text.push_str(&ctx.sanitize(doc));
    }
    let doc = docs::lines(&text);
    let methods = group
        .operations
        .iter()
        .map(|op| method(ctx, op, quote!(self.client), Some(quote!('a))));
    Some(quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy)]
        pub struct #client<'a> {
            client: &'a crate::runtime::ApiClient,
        }

        impl<'a> #client<'a> {
            #(#methods)*
        }
    })
}

/// The method that starts an operation's request builder. Required parameters and the required
/// body are arguments; everything optional is a setter on the builder.
fn method(
    ctx: &Context<'_>,
    op: &Operation,
    client: TokenStream,
    lifetime: Option<TokenStream>,
) -> TokenStream {
    let prefix = quote!(super::types::);
    // On the client itself (no lifetime of its own) a builder that borrows a body borrows the
    // client too, so the two are tied by a named lifetime; sub-clients already carry one.
    let named = lifetime.is_none()
        && op
            .body
            .as_ref()
            .is_some_and(|b| b.required && !b.encoding.owned());
    let lifetime = match lifetime {
        Some(lifetime) => lifetime,
        None if named => quote!('a),
        None => quote!('_),
    };
    let name = ident(&op.method);
    let builder = ident(&op.builder);
    let mut params = Vec::new();
    let mut args = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let arg = ident(&param.name);
        let (ty, value) = argument(ctx, &param.ty, &prefix, &arg);
        params.push(quote!(#arg: #ty));
        args.push(value);
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let ty = super::rust_type(&body.ty, &prefix);
        match body.encoding {
            crate::ir::BodyEncoding::Raw => {
                params.push(quote!(body: impl ::std::convert::Into<::bytes::Bytes>));
                args.push(quote!(body.into()));
            }
            crate::ir::BodyEncoding::Multipart => {
                params.push(quote!(body: #ty));
                args.push(quote!(body));
            }
            _ => {
                params.push(quote!(body: &#lifetime #ty));
                args.push(quote!(body));
            }
        }
    }
    let mut text = op
        .doc
        .as_ref()
        .map(|doc| ctx.sanitize(doc))
        .unwrap_or_default();
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{} ({}). Optional parameters are set on the returned builder; await it or call \
         `send` to make the request.",
        docs::code(&format!("{} {}", op.http_method, op.path)),
        docs::code(&op.id)
    ));
    if let Some(credentials) = docs::credentials(&ctx.api.security_schemes, &op.security) {
        text.push_str(&format!("\n\nCredentials: {credentials}."));
    }
    let doc = docs::lines(&text);
    if named {
        return quote! {
            #doc
            pub fn #name<'a>(&'a self, #(#params),*) -> super::requests::#builder<'a> {
                super::requests::#builder::new(#client, #(#args),*)
            }
        };
    }
    quote! {
        #doc
        pub fn #name(&self, #(#params),*) -> super::requests::#builder<#lifetime> {
            super::requests::#builder::new(#client, #(#args),*)
        }
    }
}
