//! Request builders: one per operation, holding its parameters until it is sent or awaited.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Context, argument, docs, ident, rust_type};
use crate::ir::{
    BodyEncoding, MultiResponse, Operation, ParamLocation, PathPart, Payload, Response, Scalar,
    Type, TypeKind,
};

/// `requests.rs`: one chunk of items per operation, printed a chunk at a time.
pub(super) fn file(ctx: &Context<'_>, header: &str) -> String {
    let operations: Vec<&Operation> = ctx.api.groups.iter().flat_map(|g| &g.operations).collect();
    super::print::chunked(header, operations.len() + 1, |index| {
        match index.checked_sub(1).and_then(|i| operations.get(i)) {
            Some(op) => builder(ctx, op),
            None => quote! {
                //! Request builders, one per operation: set optional parameters, then `.await` (or `send`).
            },
        }
    })
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
        let doc = ctx.doc(param.doc.as_ref());
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
            let sets = docs::lines(&format!(
                "Sets the {} {where_} parameter.",
                docs::code(&param.wire)
            ));
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
        // A multipart body holds file parts, which are consumed when sent: it is taken by value.
        let ty = rust_type(&body.ty, &prefix);
        let ty = if body.encoding.owned() {
            ty
        } else {
            quote!(&'a #ty)
        };
        // Raw bytes are taken from anything that converts (`Vec<u8>`, `String`, `&'static [u8]`).
        let (param_ty, stored) = if body.encoding == BodyEncoding::Raw {
            (
                quote!(impl ::std::convert::Into<::bytes::Bytes>),
                quote!(value.into()),
            )
        } else {
            (ty.clone(), quote!(value))
        };
        if body.required {
            fields.push(quote! { body: #ty, });
            new_params.push(quote!(body: #ty));
            inits.push(quote!(body));
        } else {
            fields.push(quote! { body: ::std::option::Option<#ty>, });
            inits.push(quote!(body: ::std::option::Option::None));
            setters.push(quote! {
                /// Sets the request body.
                pub fn body(mut self, value: #param_ty) -> Self {
                    self.body = ::std::option::Option::Some(#stored);
                    self
                }
            });
        }
    }
    let output = output_type(&op.response, &prefix);
    let send_body = send_body(ctx, op);
    let doc = docs::lines(&format!(
        "The {} request ({}): set optional parameters, then `.await` it or call [`send`](Self::send).",
        docs::code(&op.id),
        docs::code(&format!("{} {}", op.http_method, op.path))
    ));
    let many = (new_params.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    // A multipart body owns its file parts, which cannot be copied; other requests can be cloned
    // (pagination sends a copy per page).
    let cloneable = op
        .body
        .as_ref()
        .is_none_or(|b| b.encoding != BodyEncoding::Multipart);
    let clone = cloneable.then(|| quote!(::std::clone::Clone,));
    let stream = op.pagination.as_ref().and_then(|p| match &op.response {
        Response::Single(Payload::Json(page)) => Some(pagination(p, page, &prefix)),
        _ => None,
    });
    quote! {
        #doc
        #[derive(::std::fmt::Debug, #clone)]
        #[must_use = "a request does nothing until it is sent or awaited"]
        pub struct #name<'a> {
            client: &'a crate::runtime::ApiClient,
            options: crate::RequestOptions,
            #(#fields)*
        }

        impl<'a> #name<'a> {
            #many
            pub(crate) fn new(client: &'a crate::runtime::ApiClient, #(#new_params),*) -> Self {
                Self { client, options: ::std::default::Default::default(), #(#inits),* }
            }

            #(#setters)*

            /// Sets options for this request alone: timeout, retries, extra headers and query
            /// parameters.
            pub fn with_options(mut self, options: crate::RequestOptions) -> Self {
                self.options = options;
                self
            }

            #stream

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

/// The expression for a value as the text (`&str`) sent in a path, query or header. `value` is a
/// place expression (`self.id`) or, when `by_ref`, a reference (`value`).
pub(super) fn text(ctx: &Context<'_>, ty: &Type, value: &TokenStream, by_ref: bool) -> TokenStream {
    match text_of(ctx, ty, value, by_ref) {
        Text::Borrowed(text) => text,
        Text::Owned(text) => quote!(&#text),
    }
}

/// The same text as an owned `String`.
fn owned_text(ctx: &Context<'_>, ty: &Type, value: &TokenStream, by_ref: bool) -> TokenStream {
    match text_of(ctx, ty, value, by_ref) {
        Text::Borrowed(text) => quote!(::std::string::ToString::to_string(#text)),
        Text::Owned(text) => text,
    }
}

/// A value's text: a `&str` borrowed from the value, or a `String` made from it.
enum Text {
    Borrowed(TokenStream),
    Owned(TokenStream),
}

fn text_of(ctx: &Context<'_>, ty: &Type, value: &TokenStream, by_ref: bool) -> Text {
    let reference = if by_ref {
        quote!(#value)
    } else {
        quote!(&#value)
    };
    let json = Text::Owned(quote!(::serde_json::to_string(#reference).unwrap_or_default()));
    match ty {
        Type::Scalar(Scalar::String) => Text::Borrowed(quote!(#value.as_str())),
        Type::Scalar(Scalar::Secret) => Text::Borrowed(quote!(#value.expose())),
        Type::Scalar(Scalar::DateTime) => Text::Owned(quote!(#value.to_rfc3339())),
        Type::Scalar(Scalar::JsonObject | Scalar::Base64 | Scalar::Bytes) => json,
        Type::Scalar(_) => Text::Owned(quote!(#value.to_string())),
        Type::Boxed(inner) => text_of(ctx, inner, value, by_ref),
        Type::Named(name) => match ctx.kind(name) {
            Some(TypeKind::StringEnum(_)) => Text::Borrowed(quote!(#value.as_str())),
            Some(TypeKind::NumberEnum(_)) => Text::Owned(quote!(#value.to_string())),
            Some(TypeKind::Alias(inner)) if !matches!(inner, Type::Named(_)) => {
                text_of(ctx, inner, value, by_ref)
            }
            _ => json,
        },
        Type::Option(_) | Type::List(_) | Type::Map(_) => json,
    }
}

fn send_body(ctx: &Context<'_>, op: &Operation) -> TokenStream {
    let method = format_ident!("{}", op.http_method);
    let (path_stmt, path) = path_expr(ctx, op);
    let mut checks = Vec::new();
    for param in &op.params {
        let field = ident(&param.name);
        let step = super::validate::checks(ctx, &param.ty, &param.bounds, &param.wire);
        if step.is_empty() {
            continue;
        }
        checks.push(if param.required {
            quote! { { let value = &self.#field; #step } }
        } else {
            quote! { if let ::std::option::Option::Some(value) = &self.#field { #step } }
        });
    }
    if let Some(body) = op
        .body
        .as_ref()
        .filter(|b| super::validate::body_validates(ctx, &b.ty))
    {
        let step = super::validate::checks(ctx, &body.ty, &crate::ir::Bounds::default(), "body");
        let owned = body.encoding.owned();
        checks.push(match (body.required, owned) {
            (true, false) => quote! { { let value = self.body; #step } },
            (true, true) => quote! { { let value = &self.body; #step } },
            (false, false) => {
                quote! { if let ::std::option::Option::Some(value) = self.body { #step } }
            }
            (false, true) => {
                quote! { if let ::std::option::Option::Some(value) = self.body.as_ref() { #step } }
            }
        });
    }
    let alternatives = op.security.iter().map(|alt| quote!(&[#(#alt),*]));
    let mut steps = Vec::new();
    let fixed = op
        .fixed_headers
        .iter()
        .map(|f| (quote!(header), f))
        .chain(op.fixed_query.iter().map(|f| (quote!(query), f)));
    for (add, fixed) in fixed {
        let wire = &fixed.wire;
        let value = &fixed.value;
        let value = if fixed.is_api_version {
            quote!(super::API_VERSION)
        } else {
            quote!(#value)
        };
        steps.push(quote! { request = request.#add(#wire, #value); });
    }
    for param in op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
    {
        steps.push(param_step(ctx, param));
    }
    if op.idempotent {
        steps.push(quote! { request = request.idempotent(); });
    }
    if let Some(key) = &op.idempotency_key {
        steps.push(quote! { request = request.idempotency_key(#key); });
    }
    if let Some(body) = &op.body {
        steps.push(if body.required {
            let write = write_body(body, &quote!(self.body));
            quote! { request = #write; }
        } else {
            let write = write_body(body, &quote!(body));
            quote! {
                if let ::std::option::Option::Some(body) = self.body {
                    request = #write;
                }
            }
        });
    }
    let send = match &op.response {
        Response::Single(payload) => {
            let send = send_payload(payload);
            quote!(request.#send.await)
        }
        Response::Multi(multi) => multi_dispatch(multi),
    };
    let binding = if steps.is_empty() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    quote! {
        #(#checks)*
        #path_stmt
        #binding = self.client.request(::reqwest::Method::#method, #path, &[#(#alternatives),*]).options(&self.options);
        #(#steps)*
        #send
    }
}

fn param_step(ctx: &Context<'_>, param: &crate::ir::Param) -> TokenStream {
    let (wire, location, ty, required) = (&param.wire, param.location, &param.ty, param.required);
    let delimiter = param.delimiter.as_deref();
    let field = ident(&param.name);
    let add = match location {
        ParamLocation::Header => quote!(header),
        _ => quote!(query),
    };
    let one = |ty: &Type| {
        let text = text(ctx, ty, &quote!(value), true);
        quote! { request = request.#add(#wire, #text); }
    };
    // Arrays are joined into one value by their style's delimiter, or else (query `style: form`,
    // `explode: true`) sent as repeated parameters; a parameter sent as JSON is one value.
    let each = match ty {
        _ if param.json => None,
        Type::List(item) if delimiter.is_some() => {
            let delimiter = delimiter.unwrap_or(",");
            let (item, filter) = match item.as_ref() {
                Type::Option(inner) => (inner.as_ref(), quote!(.flatten())),
                other => (other, TokenStream::new()),
            };
            let text = owned_text(ctx, item, &quote!(value), true);
            Some(quote! {
                let joined = values
                    .iter()
                    #filter
                    .map(|value| #text)
                    .collect::<::std::vec::Vec<_>>()
                    .join(#delimiter);
                request = request.#add(#wire, &joined);
            })
        }
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
                let segment = format_ident!("segment_{}", args.len());
                template.push_str(&format!("{{{segment}}}"));
                let param = op.params.iter().find(|p| &p.name == name);
                let ty = param.map_or(Type::Scalar(Scalar::String), |p| p.ty.clone());
                let json = param.is_some_and(|p| p.json);
                let field: Ident = ident(name);
                let value = match &ty {
                    // An array (`style: simple`) is its items, each encoded, joined by commas.
                    Type::List(item) if !json => {
                        let (item, filter) = match item.as_ref() {
                            Type::Option(inner) => (inner.as_ref(), quote!(.flatten())),
                            other => (other, TokenStream::new()),
                        };
                        let text = text(ctx, item, &quote!(value), true);
                        quote! {
                            self.#field
                                .iter()
                                #filter
                                .map(|value| crate::runtime::encode_path(#text))
                                .collect::<::std::vec::Vec<_>>()
                                .join(",")
                        }
                    }
                    _ => {
                        let text = text(ctx, &ty, &quote!(self.#field), false);
                        quote!(crate::runtime::encode_path(#text))
                    }
                };
                args.push(quote! { let #segment = #value; });
            }
        }
    }
    if args.is_empty() {
        (TokenStream::new(), quote!(#template))
    } else {
        (
            quote! {
                #(#args)*
                let path = ::std::format!(#template);
            },
            quote!(&path),
        )
    }
}

/// The Rust type a payload is returned as.
pub(super) fn payload_type(payload: &Payload, prefix: &TokenStream) -> TokenStream {
    match payload {
        Payload::Empty => quote!(()),
        Payload::Json(ty) => rust_type(ty, prefix),
        Payload::Text => quote!(::std::string::String),
        Payload::Binary => quote!(crate::BinaryResponse),
        Payload::EventStream(ty) => {
            let ty = rust_type(ty, prefix);
            quote!(crate::EventStream<#ty>)
        }
    }
}

fn output_type(response: &Response, prefix: &TokenStream) -> TokenStream {
    match response {
        Response::Single(payload) => payload_type(payload, prefix),
        Response::Multi(multi) => {
            let name = ident(&multi.name);
            quote!(#prefix #name)
        }
    }
}

/// The `Request` method that sends and reads a payload.
fn send_payload(payload: &Payload) -> TokenStream {
    match payload {
        Payload::Empty => quote!(send_empty()),
        Payload::Json(_) => quote!(send_json()),
        Payload::Text => quote!(send_text()),
        Payload::Binary => quote!(send_binary()),
        Payload::EventStream(_) => quote!(send_event_stream()),
    }
}

/// The expression that puts a body on the request.
fn write_body(body: &crate::ir::Body, value: &TokenStream) -> TokenStream {
    match body.encoding {
        BodyEncoding::Json => quote!(request.json(#value)),
        BodyEncoding::UrlEncoded => quote!(request.form(#value)),
        BodyEncoding::Multipart => quote!(request.multipart(#value.into_form())),
        BodyEncoding::JsonText => {
            let media = body.media_type.as_str();
            quote!(request.json_as(#media, #value))
        }
        BodyEncoding::Raw => {
            // A wildcard (`image/*`) is not a content type to send.
            let media = if body.media_type.contains('*') {
                "application/octet-stream"
            } else {
                body.media_type.as_str()
            };
            quote!(request.raw(#media, #value))
        }
    }
}

/// Sends a request with several kinds of success response and picks the variant by status and
/// media type; a response no variant names goes to the first variant with its status, or else to
/// the first variant.
fn multi_dispatch(multi: &MultiResponse) -> TokenStream {
    let name = ident(&multi.name);
    let read = |payload: &Payload, variant: &Ident| -> TokenStream {
        match payload {
            Payload::Empty => quote!(::std::result::Result::Ok(super::types::#name::#variant)),
            Payload::Json(_) => quote!(response.json().await.map(super::types::#name::#variant)),
            Payload::Text => quote!(response.text().await.map(super::types::#name::#variant)),
            Payload::Binary => {
                quote!(::std::result::Result::Ok(super::types::#name::#variant(response)))
            }
            Payload::EventStream(_) => {
                quote!(::std::result::Result::Ok(super::types::#name::#variant(response.into_event_stream())))
            }
        }
    };
    let exact = multi.variants.iter().filter_map(|v| {
        let media = v
            .media_type
            .as_deref()?
            .split(';')
            .next()?
            .trim()
            .to_ascii_lowercase();
        let status = super::status_pattern(&v.status, &[]);
        let read = read(&v.payload, &ident(&v.name));
        Some(quote! { (#status, ::std::option::Option::Some(#media)) => #read, })
    });
    let mut seen = Vec::new();
    let by_status = multi
        .variants
        .iter()
        .filter(|v| {
            let fresh = !seen.contains(&v.status);
            seen.push(v.status.clone());
            fresh
        })
        .map(|v| {
            let status = super::status_pattern(&v.status, &[]);
            let read = read(&v.payload, &ident(&v.name));
            quote! { (#status, _) => #read, }
        });
    let fallback = multi.variants.first().map(|v| {
        let read = read(&v.payload, &ident(&v.name));
        quote! { _ => #read, }
    });
    quote! {
        let response = request.send_binary().await?;
        let media = response.content_type().map(|value| {
            value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
        });
        match (response.status().as_u16(), media.as_deref()) {
            #(#exact)*
            #(#by_status)*
            #fallback
        }
    }
}

/// `into_pages` and `into_stream`: every page, or every item of every page, each page fetched
/// when the stream reaches it.
fn pagination(p: &crate::ir::Pagination, page: &Type, prefix: &TokenStream) -> TokenStream {
    use crate::ir::CursorSource;
    let item = rust_type(&p.item, prefix);
    let page_type = rust_type(page, prefix);
    let items = ident(&p.items);
    let cursor_param = ident(&p.cursor_param);
    let more = match &p.has_more {
        Some(flag) => {
            let field = ident(&flag.field);
            if flag.optional {
                quote!(page.#field.unwrap_or(false))
            } else {
                quote!(page.#field)
            }
        }
        None => quote!(!page.#items.is_empty()),
    };
    let cursor = match &p.cursor {
        CursorSource::LastItem(field, optional) => {
            let field = ident(field);
            if *optional {
                quote!(page.#items.last().and_then(|item| item.#field.clone()))
            } else {
                quote!(page.#items.last().map(|item| item.#field.clone()))
            }
        }
        CursorSource::Response(field, optional) => {
            let field = ident(field);
            if *optional {
                quote!(page.#field.clone())
            } else {
                quote!(::std::option::Option::Some(page.#field.clone()))
            }
        }
    };
    quote! {
        /// Every page, in order, as the API answers it. Pages are fetched lazily, each when the
        /// stream reaches it, following the cursor from the previous page.
        pub fn into_pages(self) -> ::std::pin::Pin<::std::boxed::Box<dyn ::futures_core::Stream<Item = ::std::result::Result<#page_type, crate::Error>> + ::std::marker::Send + 'a>> {
            let pages = ::futures_util::stream::try_unfold(::std::option::Option::Some(self), |next| async move {
                let ::std::option::Option::Some(request) = next else {
                    return ::std::result::Result::Ok(::std::option::Option::None);
                };
                let page = ::std::clone::Clone::clone(&request).send().await?;
                let more = #more;
                let cursor = #cursor;
                let next = match cursor {
                    ::std::option::Option::Some(cursor) if more => ::std::option::Option::Some(request.#cursor_param(cursor)),
                    _ => ::std::option::Option::None,
                };
                ::std::result::Result::Ok(::std::option::Option::Some((page, next)))
            });
            ::std::boxed::Box::pin(pages)
        }

        /// Every item of every page, in order. Pages are fetched lazily, each when the stream
        /// reaches it, following the cursor from the previous page.
        pub fn into_stream(self) -> ::std::pin::Pin<::std::boxed::Box<dyn ::futures_core::Stream<Item = ::std::result::Result<#item, crate::Error>> + ::std::marker::Send + 'a>> {
            use ::futures_util::TryStreamExt as _;
            let items = self.into_pages().map_ok(|page| {
                ::futures_util::stream::iter(page.#items.into_iter().map(::std::result::Result::Ok::<_, crate::Error>))
            });
            ::std::boxed::Box::pin(items.try_flatten())
        }
    }
}
