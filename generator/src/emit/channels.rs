//! WebSocket channels (the version module's `websockets`): a handshake builder per channel, the enum of the messages it receives,
//! and typed sends on the runtime's multiplexed contexts or single streams.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::requests::text;
use super::{Context, docs, ident, rust_type};
use crate::ir::{Channel, Message, MessagePayload, SchemeLocation};
use crate::names;

/// The `websockets.rs` file of a version module.
pub(super) fn channels(ctx: &Context<'_>) -> TokenStream {
    let items = ctx
        .api
        .channels
        .iter()
        .map(|channel| channel_items(ctx, channel));
    quote!(#(#items)*)
}

/// The methods that open each channel, on the sub-client of its tag (in `client.rs`).
pub(super) fn openers(ctx: &Context<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    for channel in &ctx.api.channels {
        let accessor = ctx
            .api
            .groups
            .iter()
            .find(|g| g.wire.eq_ignore_ascii_case(&channel.tag))
            .and_then(|g| g.accessor.as_ref());
        let owner = match accessor {
            Some(accessor) => {
                let ty = ident(&accessor.client);
                quote!(#ty<'a>)
            }
            None => quote!(Client),
        };
        let client = match accessor {
            Some(_) => quote!(self.client),
            None => quote!(&self.inner),
        };
        let method = ident(&channel.method);
        let handshake = format_ident!("{}Handshake", channel.type_stem);
        let required: Vec<_> = channel.params.iter().filter(|p| p.required).collect();
        let args = required.iter().map(|p| {
            let name = ident(&p.name);
            let ty = arg_type(p);
            quote!(#name: #ty)
        });
        let names = required.iter().map(|p| ident(&p.name));
        let doc = docs::lines(&format!(
            "{}\n\nOpens `{}` (WebSocket); optional query parameters and the connection's \
             settings are set on the returned builder; await it to connect.",
            channel
                .doc
                .as_ref()
                .map_or_else(|| "A WebSocket channel.".to_owned(), |d| ctx.sanitize(d)),
            channel.wire
        ));
        let generics = accessor.map(|_| quote!(<'a>));
        out.extend(quote! {
            impl #generics #owner {
                #doc
                pub fn #method(&self, #(#args),*) -> super::websockets::#handshake<'_> {
                    super::websockets::#handshake::new(#client, #(#names),*)
                }
            }
        });
    }
    out
}

/// The type a required handshake parameter is taken as: text as `impl Into<String>`.
fn arg_type(param: &crate::ir::Param) -> TokenStream {
    match &param.ty {
        crate::ir::Type::Scalar(crate::ir::Scalar::String) => {
            quote!(impl ::std::convert::Into<::std::string::String>)
        }
        ty => rust_type(ty, &quote!(super::types::)),
    }
}

fn channel_items(ctx: &Context<'_>, channel: &Channel) -> TokenStream {
    let stem = &channel.type_stem;
    let event = format_ident!("{stem}Event");
    let handshake = format_ident!("{stem}Handshake");
    let socket = format_ident!("{stem}");
    let address = &channel.wire;
    let events = event_enum(ctx, channel, &event);
    let alternatives = channel.credentials.iter().map(|c| {
        let scheme = &c.scheme;
        quote!(&[#scheme])
    });
    let locations = channel.credentials.iter().filter_map(|c| match &c.location {
        SchemeLocation::Query(name) => {
            let scheme = &c.scheme;
            Some(quote! {
                handshake = handshake.credential_at(#scheme, crate::runtime::SchemeLocation::Query(#name));
            })
        }
        _ => None,
    });
    let fixed = channel.fixed_query.iter().map(|f| {
        let wire = &f.wire;
        let value = if f.is_api_version {
            quote!(super::API_VERSION)
        } else {
            let value = &f.value;
            quote!(#value)
        };
        quote!(handshake = handshake.query(#wire, #value);)
    });
    let required: Vec<_> = channel.params.iter().filter(|p| p.required).collect();
    let new_args = required.iter().map(|p| {
        let name = ident(&p.name);
        let ty = arg_type(p);
        quote!(#name: #ty)
    });
    let new_steps = required.iter().map(|p| {
        let name = ident(&p.name);
        let wire = &p.wire;
        let value = if matches!(p.ty, crate::ir::Type::Scalar(crate::ir::Scalar::String)) {
            quote!(::std::convert::Into::<::std::string::String>::into(#name))
        } else {
            let text = text(ctx, &p.ty, &quote!(#name), false);
            quote!(::std::string::ToString::to_string(#text))
        };
        quote!((#wire, #value))
    });
    let setters = channel.params.iter().filter(|p| !p.required).map(|p| {
        let name = ident(&p.name);
        let wire = &p.wire;
        let ty = rust_type(&p.ty, &quote!(super::types::));
        let text = text(ctx, &p.ty, &quote!(value), false);
        let doc = docs::lines(&p.doc.as_ref().map_or_else(
            || format!("The `{wire}` query parameter."),
            |d| ctx.sanitize(d),
        ));
        quote! {
            #doc
            pub fn #name(mut self, value: #ty) -> Self {
                self.query.push((#wire, ::std::string::ToString::to_string(#text)));
                self
            }
        }
    });
    let (open, extra) = match &channel.routing_key {
        Some(key) => super::contexts::multiplexed(ctx, channel, &event, key),
        None => single(ctx, channel, &event),
    };
    let socket_doc = match &channel.routing_key {
        Some(key) => format!(
            "A connection to `{address}` carrying many contexts, each named by its `{key}`: \
             `context(..)` opens one: a stream of [`{event}`], with typed sends."
        ),
        None => format!(
            "A connection to `{address}`: a stream of [`{event}`]; \
             [`sender`](crate::runtime::WsSession::sender) sends."
        ),
    };
    let socket_doc = docs::lines(&socket_doc);
    let handshake_doc = docs::lines(&format!(
        "Opens `{address}`: set optional query parameters and settings, then `.await` it."
    ));
    let socket_ty = match &channel.routing_key {
        Some(_) => quote!(crate::runtime::Multiplexer<#event>),
        None => quote!(crate::runtime::WsSession<#event>),
    };
    quote! {
        #events

        #socket_doc
        pub type #socket = #socket_ty;

        #handshake_doc
        #[must_use = "a handshake does nothing until awaited"]
        pub struct #handshake<'a> {
            client: &'a crate::runtime::ApiClient,
            query: ::std::vec::Vec<(&'static str, ::std::string::String)>,
            config: crate::runtime::WsConfig,
        }

        impl ::std::fmt::Debug for #handshake<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!(#handshake)).field("query", &self.query).finish_non_exhaustive()
            }
        }

        impl<'a> #handshake<'a> {
            pub(super) fn new(client: &'a crate::runtime::ApiClient, #(#new_args),*) -> Self {
                Self {
                    client,
                    query: ::std::vec![#(#new_steps),*],
                    config: crate::runtime::WsConfig::default(),
                }
            }

            #(#setters)*

            /// The connection's timeouts, keep-alive and buffers.
            pub fn config(mut self, config: crate::runtime::WsConfig) -> Self {
                self.config = config;
                self
            }

            /// Connects.
            ///
            /// # Errors
            ///
            /// A refused handshake is an API error with its status (`401`, `429`); a connection
            /// that cannot be made, or not in time, is an error too.
            pub async fn connect(self) -> ::std::result::Result<#socket, crate::runtime::Error> {
                let mut handshake = self.client.websocket(#address, &[#(#alternatives),*]);
                #(#fixed)*
                for (name, value) in &self.query {
                    handshake = handshake.query(name, value);
                }
                #(#locations)*
                let handshake = handshake.config(self.config);
                #open
            }
        }

        impl<'a> ::std::future::IntoFuture for #handshake<'a> {
            type Output = ::std::result::Result<#socket, crate::runtime::Error>;
            type IntoFuture = ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = Self::Output> + ::std::marker::Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.connect())
            }
        }

        #extra
    }
}

/// The enum of received messages, read by the tag property when there is one, else by trying
/// each message in turn; anything else is its `Raw` variant.
fn event_enum(ctx: &Context<'_>, channel: &Channel, event: &proc_macro2::Ident) -> TokenStream {
    let json: Vec<(&Message, &crate::ir::Type)> = channel
        .receives
        .iter()
        .filter_map(|m| match &m.payload {
            MessagePayload::Json(ty) => Some((m, ty)),
            _ => None,
        })
        .collect();
    let variants = json.iter().map(|(m, ty)| {
        let name = ident(&m.name);
        let ty = rust_type(ty, &quote!(super::types::));
        let doc = docs::lines(
            &m.doc
                .as_ref()
                .map_or_else(|| format!("A `{}` message.", m.wire), |d| ctx.sanitize(d)),
        );
        quote!(#doc #name(#ty),)
    });
    let custom = quote!(<D::Error as ::serde::de::Error>::custom);
    let arms: Vec<TokenStream> = json
        .iter()
        .filter_map(|(m, _)| {
            let tag = m.tag.as_ref()?;
            channel.tag_property.as_ref()?;
            let name = ident(&m.name);
            Some(quote! {
                ::std::option::Option::Some(#tag) => {
                    ::serde_json::from_value(value).map(Self::#name).map_err(#custom)
                }
            })
        })
        .collect();
    let tries = json.iter().filter(|(m, _)| m.tag.is_none() || channel.tag_property.is_none()).map(|(m, _)| {
        let name = ident(&m.name);
        quote! {
            if let ::std::result::Result::Ok(message) = ::serde_json::from_value(value.clone()) {
                return ::std::result::Result::Ok(Self::#name(message));
            }
        }
    });
    let property = channel.tag_property.as_deref().unwrap_or_default();
    // Without a tag to read by, every message is tried in turn.
    let tries: Vec<TokenStream> = tries.collect();
    let unused = tries.is_empty().then(|| quote!(let _ = &value;));
    let read = if arms.is_empty() {
        quote! {
            #unused
            #(#tries)*
            ::std::result::Result::Err(#custom("not a known message"))
        }
    } else {
        quote! {
            let tag = value.get(#property).and_then(::serde_json::Value::as_str);
            match tag {
                #(#arms)*
                _ => {
                    #(#tries)*
                    ::std::result::Result::Err(#custom("not a known message"))
                }
            }
        }
    };
    let doc = docs::lines(&format!("A message received on `{}`.", channel.wire));
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq)]
        pub enum #event {
            #(#variants)*
            /// A message none of the other variants reads: an unknown type, another shape, or
            /// binary.
            Raw(crate::runtime::RawMessage),
        }

        impl<'de> ::serde::Deserialize<'de> for #event {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                #read
            }
        }
    }
}

/// The tags of the messages that end a context or the session.
fn terminal_tags(channel: &Channel) -> Vec<&str> {
    channel
        .receives
        .iter()
        .filter(|m| m.terminal)
        .filter_map(|m| m.tag.as_deref())
        .collect()
}

pub(super) fn is_terminal_fn(channel: &Channel, name: &proc_macro2::Ident) -> TokenStream {
    let tags = terminal_tags(channel);
    let body = match (&channel.tag_property, tags.is_empty()) {
        (Some(property), false) => quote! {
            matches!(value.get(#property).and_then(::serde_json::Value::as_str), ::std::option::Option::Some(#(#tags)|*))
        },
        _ => quote!({
            let _ = value;
            false
        }),
    };
    quote! {
        fn #name(value: &::serde_json::Value) -> bool {
            #body
        }
    }
}

fn single(
    ctx: &Context<'_>,
    channel: &Channel,
    event: &proc_macro2::Ident,
) -> (TokenStream, TokenStream) {
    let snake = names::snake(&channel.type_stem);
    let terminal_fn = format_ident!("{snake}_is_terminal");
    let open = quote! {
        handshake
            .single_stream(crate::runtime::StreamProtocol {
                is_terminal: #terminal_fn,
                raw: #event::Raw,
            })
            .await
    };
    let terminal = is_terminal_fn(channel, &terminal_fn);
    let mut methods = Vec::new();
    for m in &channel.sends {
        let doc = docs::lines(&m.doc.as_ref().map_or_else(
            || format!("Sends a `{}` message.", m.wire),
            |d| ctx.sanitize(d),
        ));
        let errors = quote! {
            ///
            /// # Errors
            ///
            /// The connection's error if it has ended.
        };
        match &m.payload {
            MessagePayload::Binary => {
                let method = ident(&m.method);
                methods.push(quote! {
                    #doc
                    #errors
                    pub async fn #method(&self, bytes: impl ::std::convert::Into<::bytes::Bytes>) -> ::std::result::Result<(), crate::runtime::Error> {
                        self.send_binary(bytes).await
                    }
                });
            }
            MessagePayload::Text(values) if values.is_empty() => {
                let method = ident(&m.method);
                methods.push(quote! {
                    #doc
                    #errors
                    pub async fn #method(&self, text: impl ::std::convert::Into<::std::string::String>) -> ::std::result::Result<(), crate::runtime::Error> {
                        self.send_text(text).await
                    }
                });
            }
            MessagePayload::Text(values) => {
                for value in values {
                    let method = ident(&names::snake(value));
                    let send = if m.ends_input {
                        quote!(self.finish(#value).await)
                    } else {
                        quote!(self.send_text(#value).await)
                    };
                    methods.push(quote! {
                        #doc
                        #errors
                        pub async fn #method(&self) -> ::std::result::Result<(), crate::runtime::Error> {
                            #send
                        }
                    });
                }
            }
            MessagePayload::Json(ty) => {
                let method = ident(&m.method);
                let ty = rust_type(ty, &quote!(super::types::));
                methods.push(quote! {
                    #doc
                    #errors
                    pub async fn #method(&self, message: &#ty) -> ::std::result::Result<(), crate::runtime::Error> {
                        self.send_json(message).await
                    }
                });
            }
        }
    }
    let extra = quote! {
        impl crate::runtime::WsSender<#event> {
            #(#methods)*
        }

        #terminal
    };
    (open, extra)
}
