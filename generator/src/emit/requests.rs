//! Request builders: one per operation, holding its parameters until it is sent or awaited.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Context, argument, docs, ident, rust_type};
use crate::ir::{Operation, ParamLocation, PathPart, Response, Scalar, Type, TypeKind};

pub(super) fn requests(ctx: &Context<'_>) -> TokenStream {
    let builders = ctx
        .api
        .groups
        .iter()
        .flat_map(|g| &g.operations)
        .map(|op| builder(ctx, op));
    quote! {
        //! Request builders, one per operation: set optional parameters, then `.await` (or `send`).
        #(#builders)*
    }
}

fn builder(ctx: &Context<'_>, op: &Operation) -> TokenStream {
    let prefix = quote!(super::types::);
    let name = ident(&op.builder);
    let mut fields = Vec::new();
    let mut new_params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for param in &op.params {
        let field = ident(&param.name);
        let ty = rust_type(&param.ty, &prefix);
        let doc = docs::attrs(param.doc.as_deref());
        if param.required {
            fields.push(quote! { #field: #ty, });
            new_params.push(quote!(#field: #ty));
            inits.push(quote!(#field));
        } else {
            fields.push(quote! { #field: ::std::option::Option<#ty>, });
            inits.push(quote!(#field: ::std::option::Option::None));
            let value = format_ident!("value");
            let (param_ty, stored) = argument(ctx, &param.ty, &prefix, &value);
            let where_ = match param.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
            };
            let sets = docs::lines(&format!("Sets the `{}` {where_} parameter.", param.wire));
            let gap = (!doc.is_empty()).then(|| quote!(#[doc = ""]));
            setters.push(quote! {
                #sets
                #gap
                #doc
                pub fn #field(mut self, value: #param_ty) -> Self {
                    self.#field = ::std::option::Option::Some(#stored);
                    self
                }
            });
        }
    }
    if let Some(body) = &op.body {
        let ty = rust_type(&body.ty, &prefix);
        if body.required {
            fields.push(quote! { body: &'a #ty, });
            new_params.push(quote!(body: &'a #ty));
            inits.push(quote!(body));
        } else {
            fields.push(quote! { body: ::std::option::Option<&'a #ty>, });
            inits.push(quote!(body: ::std::option::Option::None));
            setters.push(quote! {
                /// Sets the request body.
                pub fn body(mut self, value: &'a #ty) -> Self {
                    self.body = ::std::option::Option::Some(value);
                    self
                }
            });
        }
    }
    let output = match &op.response {
        Response::Json(ty) => rust_type(ty, &prefix),
        Response::Empty => quote!(()),
    };
    let send_body = send_body(ctx, op);
    let doc = docs::lines(&format!(
        "The `{}` request (`{} {}`): set optional parameters, then `.await` it or call [`send`](Self::send).",
        op.id, op.http_method, op.path
    ));
    let many = (new_params.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        #doc
        #[derive(::std::fmt::Debug)]
        #[must_use = "a request does nothing until it is sent or awaited"]
        pub struct #name<'a> {
            client: &'a crate::runtime::ApiClient,
            #(#fields)*
        }

        impl<'a> #name<'a> {
            #many
            pub(crate) fn new(client: &'a crate::runtime::ApiClient, #(#new_params),*) -> Self {
                Self { client, #(#inits),* }
            }

            #(#setters)*

            /// Sends the request and decodes the response.
            pub async fn send(self) -> ::std::result::Result<#output, crate::Error> {
                #send_body
            }
        }

        impl<'a> ::std::future::IntoFuture for #name<'a> {
            type Output = ::std::result::Result<#output, crate::Error>;
            type IntoFuture = ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + ::std::marker::Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    }
}

/// The expression for a value as the text sent in a path, query or header. `value` is a place
/// expression (`self.id`) or, when `by_ref`, a reference (`value`).
fn text(ctx: &Context<'_>, ty: &Type, value: &TokenStream, by_ref: bool) -> TokenStream {
    let reference = if by_ref {
        quote!(#value)
    } else {
        quote!(&#value)
    };
    let json = quote!(&::serde_json::to_string(#reference).unwrap_or_default());
    match ty {
        Type::Scalar(Scalar::String) => quote!(#value.as_str()),
        Type::Scalar(Scalar::Secret) => quote!(#value.expose()),
        Type::Scalar(Scalar::DateTime) => quote!(&#value.to_rfc3339()),
        Type::Scalar(Scalar::JsonObject | Scalar::Base64) => json,
        Type::Scalar(_) => quote!(&#value.to_string()),
        Type::Boxed(inner) => text(ctx, inner, value, by_ref),
        Type::Named(name) => match ctx.kind(name) {
            Some(TypeKind::StringEnum(_)) => quote!(#value.as_str()),
            Some(TypeKind::Alias(inner)) if !matches!(inner, Type::Named(_)) => {
                text(ctx, inner, value, by_ref)
            }
            _ => json,
        },
        Type::Option(_) | Type::List(_) | Type::Map(_) => json,
    }
}

fn send_body(ctx: &Context<'_>, op: &Operation) -> TokenStream {
    let method = format_ident!("{}", op.http_method);
    let (path_stmt, path) = path_expr(ctx, op);
    let alternatives = op.security.iter().map(|alt| quote!(&[#(#alt),*]));
    let mut steps = Vec::new();
    for header in &op.fixed_headers {
        let wire = &header.wire;
        let value = &header.value;
        let value = if header.is_api_version {
            quote!(super::API_VERSION)
        } else {
            quote!(#value)
        };
        steps.push(quote! { request = request.header(#wire, #value); });
    }
    for param in op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
    {
        steps.push(param_step(
            ctx,
            &param.name,
            &param.wire,
            param.location,
            &param.ty,
            param.required,
        ));
    }
    if let Some(body) = &op.body {
        steps.push(if body.required {
            quote! { request = request.json(self.body); }
        } else {
            quote! {
                if let ::std::option::Option::Some(body) = self.body {
                    request = request.json(body);
                }
            }
        });
    }
    let send = match op.response {
        Response::Json(_) => quote!(request.send_json().await),
        Response::Empty => quote!(request.send_empty().await),
    };
    let binding = if steps.is_empty() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    quote! {
        #path_stmt
        #binding = self.client.request(::reqwest::Method::#method, #path, &[#(#alternatives),*]);
        #(#steps)*
        #send
    }
}

fn param_step(
    ctx: &Context<'_>,
    name: &str,
    wire: &str,
    location: ParamLocation,
    ty: &Type,
    required: bool,
) -> TokenStream {
    let field = ident(name);
    let add = match location {
        ParamLocation::Header => quote!(header),
        _ => quote!(query),
    };
    let one = |ty: &Type| {
        let text = text(ctx, ty, &quote!(value), true);
        quote! { request = request.#add(#wire, #text); }
    };
    // Arrays in the query are sent as repeated parameters (`style: form`, `explode: true`).
    let each = match ty {
        Type::List(item) if location == ParamLocation::Query => {
            let inner = match item.as_ref() {
                Type::Option(inner) => {
                    let step = one(inner);
                    quote! { if let ::std::option::Option::Some(value) = value { #step } }
                }
                other => one(other),
            };
            Some(quote! { for value in values { #inner } })
        }
        _ => None,
    };
    match (each, required) {
        (Some(each), true) => quote! { { let values = &self.#field; #each } },
        (Some(each), false) => quote! {
            if let ::std::option::Option::Some(values) = &self.#field {
                #each
            }
        },
        (None, true) => {
            let step = one(ty);
            quote! { { let value = &self.#field; #step } }
        }
        (None, false) => {
            let step = one(ty);
            quote! {
                if let ::std::option::Option::Some(value) = &self.#field {
                    #step
                }
            }
        }
    }
}

/// The statement that builds the path, if any, and the expression for it.
fn path_expr(ctx: &Context<'_>, op: &Operation) -> (TokenStream, TokenStream) {
    let mut template = String::new();
    let mut args: Vec<TokenStream> = Vec::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => {
                template.push_str(&text.replace('{', "{{").replace('}', "}}"))
            }
            PathPart::Param(name) => {
                template.push_str("{}");
                let ty = op
                    .params
                    .iter()
                    .find(|p| &p.name == name)
                    .map_or(Type::Scalar(Scalar::String), |p| p.ty.clone());
                let field: Ident = ident(name);
                let text = text(ctx, &ty, &quote!(self.#field), false);
                args.push(quote!(crate::runtime::encode_path(#text)));
            }
        }
    }
    if args.is_empty() {
        (TokenStream::new(), quote!(#template))
    } else {
        (
            quote! { let path = ::std::format!(#template, #(#args),*); },
            quote!(&path),
        )
    }
}
