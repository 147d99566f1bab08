//! The context surface of a multiplexed channel: opening contexts (with the template of their
//! input), typed sends and input pieces on a context and its sending half, the output stream,
//! and the one-call form.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Context, docs, ident, rust_type};
use crate::ir::{
    Channel, ContextInput, ContextOutput, Message, MessagePayload, Scalar, Type, TypeKind,
};
use crate::names;

/// The expression opening a multiplexed connection, and the items of its contexts.
pub(super) fn multiplexed(
    ctx: &Context<'_>,
    channel: &Channel,
    event: &Ident,
    key: &str,
) -> (TokenStream, TokenStream) {
    let snake = names::snake(&channel.type_stem);
    let key_fn = format_ident!("{snake}_key");
    let terminal_fn = format_ident!("{snake}_is_terminal");
    let cancel_fn = format_ident!("{snake}_cancel");
    let cancel_message = channel.sends.iter().find(|m| m.cancels);
    let cancel = match cancel_message {
        Some(_) => quote!(::std::option::Option::Some(#cancel_fn)),
        None => quote!(::std::option::Option::None),
    };
    let open = quote! {
        handshake
            .multiplex(crate::runtime::Routing {
                key: #key_fn,
                is_terminal: #terminal_fn,
                cancel: #cancel,
                raw: #event::Raw,
            })
            .await
    };
    let terminal = super::channels::is_terminal_fn(channel, &terminal_fn);
    let cancel_item = cancel_message.map(|message| cancel_fn_item(ctx, message, key, &cancel_fn));
    let input = channel
        .sends
        .iter()
        .find_map(|m| Some((m, m.input.as_ref()?)));
    let output = channel
        .receives
        .iter()
        .find_map(|m| Some((m, m.output.as_ref()?)));
    let sends = sends(ctx, channel, key, input);
    let forwards = forwards(channel, input);
    let connection = connection(channel, event, key, input, output);
    let output_items =
        output.map(|(message, output)| output_items(channel, event, message, output));
    let (output_method, pick) = output_items.unzip();
    let extra = quote! {
        #connection

        impl crate::runtime::WsInput<#event> {
            #sends
        }

        impl crate::runtime::WsContext<#event> {
            #forwards
            #output_method
        }

        #pick

        fn #key_fn(value: &::serde_json::Value) -> ::std::option::Option<::std::string::String> {
            value.get(#key)?.as_str().map(::std::borrow::ToOwned::to_owned)
        }

        #terminal

        #cancel_item
    };
    (open, extra)
}

/// The cancel message: the fixed fields of the message marked as cancelling, and the key.
fn cancel_fn_item(ctx: &Context<'_>, message: &Message, key: &str, name: &Ident) -> TokenStream {
    let mut fixed = serde_json::Map::new();
    if let MessagePayload::Json(Type::Named(type_name)) = &message.payload
        && let Some(TypeKind::Struct(fields)) = ctx.kind(type_name)
    {
        for field in &fields.fields {
            if let Some(value) = &field.fixed {
                fixed.insert(field.wire.clone(), value.clone());
            }
        }
    }
    let template = serde_json::Value::Object(fixed).to_string();
    quote! {
        fn #name(id: &str) -> ::serde_json::Value {
            let mut message: ::serde_json::Value = ::serde_json::from_str(#template).unwrap_or_default();
            if let ::serde_json::Value::Object(map) = &mut message {
                map.insert(#key.to_owned(), ::serde_json::Value::String(id.to_owned()));
            }
            message
        }
    }
}

/// A sent message's documentation.
fn message_doc(ctx: &Context<'_>, message: &Message) -> String {
    message.doc.as_ref().map_or_else(
        || format!("Sends a `{}` message.", message.wire),
        |doc| ctx.sanitize(doc),
    )
}

const SEND_ERRORS: &str =
    "\n\n# Errors\n\nThe connection's error if it has ended; a message that cannot be serialized.";

/// A `(field, value)` pair of an input piece.
fn field(wire: &str, value: TokenStream) -> TokenStream {
    quote!((#wire, #value))
}

/// The sending methods, on the sending half of a context: each JSON message, and the input
/// pieces when a message carries the input.
fn sends(
    ctx: &Context<'_>,
    channel: &Channel,
    key: &str,
    input: Option<(&Message, &ContextInput)>,
) -> TokenStream {
    let mut out = TokenStream::new();
    for message in channel.sends.iter().filter(|m| !m.cancels) {
        let MessagePayload::Json(ty) = &message.payload else {
            continue;
        };
        let method = ident(&message.method);
        let ty = rust_type(ty, &quote!(super::types::));
        let doc = docs::lines(&format!(
            "{}\n\nSent on this context: its `{key}` is set to the context's id.{SEND_ERRORS}",
            message_doc(ctx, message)
        ));
        out.extend(quote! {
            #doc
            pub async fn #method(&self, message: &#ty) -> ::std::result::Result<(), crate::runtime::Error> {
                self.send_keyed(#key, message, &[]).await
            }
        });
    }
    let Some((message, input)) = input else {
        return out;
    };
    let text = &input.text;
    let value = |v: TokenStream| quote!(::serde_json::Value::from(#v));
    let type_name = match &message.payload {
        MessagePayload::Json(Type::Named(name)) => name.clone(),
        _ => message.wire.clone(),
    };
    let mut push_fields = vec![field(text, value(quote!(text.into())))];
    if let Some(more) = &input.more {
        push_fields.push(field(more, value(quote!(true))));
    }
    let more_doc = input
        .more
        .as_ref()
        .map(|more| format!(" with `{more}: true`"))
        .unwrap_or_default();
    let doc = docs::lines(&format!(
        "Sends the next piece of input: the context's \
         [`{type_name}`](super::types::{type_name}) with `{text}` set to \
         `text`{more_doc}. Pieces spoken in one context keep one prosody; send them as they \
         arrive (e.g. from a language model).{SEND_ERRORS}"
    ));
    out.extend(quote! {
        #doc
        pub async fn push(&self, text: impl ::std::convert::Into<::std::string::String>) -> ::std::result::Result<(), crate::runtime::Error> {
            self.send_input(#key, &[#(#push_fields),*]).await
        }
    });
    if let (Some(flush), Some(more)) = (&input.flush, &input.more) {
        let fields = [
            field(text, value(quote!(""))),
            field(more, value(quote!(true))),
            field(flush, value(quote!(true))),
        ];
        let doc = docs::lines(&format!(
            "Asks for the output of the input so far (`{flush}: true`); more input may follow.\
             {SEND_ERRORS}"
        ));
        out.extend(quote! {
            #doc
            pub async fn flush(&self) -> ::std::result::Result<(), crate::runtime::Error> {
                self.send_input(#key, &[#(#fields),*]).await
            }
        });
    }
    if let Some(more) = &input.more {
        let fields = [
            field(text, value(quote!(""))),
            field(more, value(quote!(false))),
        ];
        let doc = docs::lines(&format!(
            "Ends the context's input (an empty `{text}` with `{more}: false`): the server \
             finishes the output and ends the context.{SEND_ERRORS}"
        ));
        out.extend(quote! {
            #doc
            pub async fn finish(&self) -> ::std::result::Result<(), crate::runtime::Error> {
                self.send_input(#key, &[#(#fields),*]).await
            }
        });
    }
    out
}

/// The same sending methods on the context itself, forwarding to its sending half.
fn forwards(channel: &Channel, input: Option<(&Message, &ContextInput)>) -> TokenStream {
    let mut out = TokenStream::new();
    let forward = |method: &str, doc: &str| {
        let name = ident(method);
        let doc = docs::lines(&format!(
            "{doc}: [`WsInput::{method}`](crate::runtime::WsInput::{method}) on this context."
        ));
        (name, doc)
    };
    for message in channel.sends.iter().filter(|m| !m.cancels) {
        let MessagePayload::Json(ty) = &message.payload else {
            continue;
        };
        let (method, doc) = forward(&message.method, "Sends a message");
        let ty = rust_type(ty, &quote!(super::types::));
        out.extend(quote! {
            #doc
            ///
            /// # Errors
            ///
            /// As the sending half's.
            pub async fn #method(&self, message: &#ty) -> ::std::result::Result<(), crate::runtime::Error> {
                self.input().#method(message).await
            }
        });
    }
    let Some((_, input)) = input else {
        return out;
    };
    let (push, doc) = forward("push", "Sends the next piece of input");
    out.extend(quote! {
        #doc
        ///
        /// # Errors
        ///
        /// As the sending half's.
        pub async fn #push(&self, text: impl ::std::convert::Into<::std::string::String>) -> ::std::result::Result<(), crate::runtime::Error> {
            self.input().#push(text).await
        }
    });
    let mut simple = Vec::new();
    if input.flush.is_some() && input.more.is_some() {
        simple.push(forward("flush", "Asks for the output of the input so far"));
    }
    if input.more.is_some() {
        simple.push(forward("finish", "Ends the context's input"));
    }
    for (method, doc) in simple {
        out.extend(quote! {
            #doc
            ///
            /// # Errors
            ///
            /// As the sending half's.
            pub async fn #method(&self) -> ::std::result::Result<(), crate::runtime::Error> {
                self.input().#method().await
            }
        });
    }
    out
}

/// The methods opening contexts, and the one-call form.
fn connection(
    channel: &Channel,
    event: &Ident,
    key: &str,
    input: Option<(&Message, &ContextInput)>,
    output: Option<(&Message, &ContextOutput)>,
) -> TokenStream {
    let context = quote!(crate::runtime::WsContext<#event>);
    let result = |ty: TokenStream| quote!(::std::result::Result<#ty, crate::runtime::Error>);
    let errors = "\n\n# Errors\n\nIf a context of this id is open already (`context_with_id`), \
                  or the connection has ended.";
    let mut out = match input.map(|(m, i)| (&m.payload, i)) {
        Some((MessagePayload::Json(ty), input)) => {
            let ty = rust_type(ty, &quote!(super::types::));
            let doc = docs::lines(&format!(
                "Opens a context with a fresh `{key}`. `template` holds the fields every piece \
                 of input carries; [`push`](crate::runtime::WsInput::push) \
                 sends it with the next `{}`. The context is a stream of [`{event}`].{errors}",
                input.text
            ));
            let doc_id = docs::lines(&format!(
                "Opens a context named `id` (any unique text, e.g. a conversation id), with the \
                 fields every piece of input carries.{errors}"
            ));
            let returns = result(context.clone());
            quote! {
                #doc
                pub fn context(&self, template: #ty) -> #returns {
                    let template = ::serde_json::to_value(&template).map_err(crate::runtime::Error::Serialize)?;
                    self.open(::std::option::Option::None, ::std::option::Option::Some(template))
                }

                #doc_id
                pub fn context_with_id(&self, id: impl ::std::convert::Into<::std::string::String>, template: #ty) -> #returns {
                    let template = ::serde_json::to_value(&template).map_err(crate::runtime::Error::Serialize)?;
                    self.open(::std::option::Option::Some(id.into()), ::std::option::Option::Some(template))
                }
            }
        }
        _ => {
            let doc = docs::lines(&format!(
                "Opens a context with a fresh `{key}`: a stream of [`{event}`].{errors}"
            ));
            let doc_id = docs::lines(&format!(
                "Opens a context named `id` (any unique text).{errors}"
            ));
            let returns = result(context.clone());
            quote! {
                #doc
                pub fn context(&self) -> #returns {
                    self.open(::std::option::Option::None, ::std::option::Option::None)
                }

                #doc_id
                pub fn context_with_id(&self, id: impl ::std::convert::Into<::std::string::String>) -> #returns {
                    self.open(::std::option::Option::Some(id.into()), ::std::option::Option::None)
                }
            }
        }
    };
    if let (Some((message, input)), Some((_, output))) = (input, output)
        && let (Some(call), MessagePayload::Json(ty)) = (&output.call, &message.payload)
    {
        let call = ident(call);
        let ty = rust_type(ty, &quote!(super::types::));
        let item = output_type(output);
        let pick = pick_fn(channel);
        let returns = result(quote!(crate::runtime::WsOutput<#event, #item>));
        let stream = &output.stream;
        let (ending, fields) = match &input.more {
            Some(more) => (
                format!(" with `{more}: false`"),
                vec![field(more, quote!(::serde_json::Value::Bool(false)))],
            ),
            None => (String::new(), Vec::new()),
        };
        let doc = docs::lines(&format!(
            "One whole input on a new context: sends `request`{ending} and returns the \
             context's output (as [`{stream}`](crate::runtime::WsContext::{stream}) does). \
             Many may run at once on one connection.\n\n# Errors\n\nThe connection's error if it \
             has ended; a message that cannot be serialized. Errors of the generation come \
             through the stream."
        ));
        out.extend(quote! {
            #doc
            pub async fn #call(&self, request: &#ty) -> #returns {
                let context = self.open(::std::option::Option::None, ::std::option::Option::None)?;
                context.input().send_keyed(#key, request, &[#(#fields),*]).await?;
                ::std::result::Result::Ok(context.output(#pick))
            }
        });
    }
    quote! {
        impl crate::runtime::Multiplexer<#event> {
            #out
        }
    }
}

/// The name of the function taking a context's output out of its messages.
fn pick_fn(channel: &Channel) -> Ident {
    format_ident!("{}_output", names::snake(&channel.type_stem))
}

/// The type of one item of output: bytes for base64 text, else the field's type.
fn output_type(output: &ContextOutput) -> TokenStream {
    let inner = match &output.ty {
        Type::Option(inner) => inner.as_ref(),
        other => other,
    };
    match inner {
        Type::Scalar(Scalar::Base64) => quote!(::bytes::Bytes),
        other => rust_type(other, &quote!(super::types::)),
    }
}

/// The output method of a context, and the function picking the output out of its messages:
/// the output field's values, an error for an error message (typed, or raw with an error
/// message's tag), nothing for other messages.
fn output_items(
    channel: &Channel,
    event: &Ident,
    message: &Message,
    output: &ContextOutput,
) -> (TokenStream, TokenStream) {
    let stream = ident(&output.stream);
    let pick = pick_fn(channel);
    let item = output_type(output);
    let variant = ident(&message.name);
    let field = ident(&output.field);
    let (optional, inner) = match &output.ty {
        Type::Option(inner) => (true, inner.as_ref()),
        other => (false, other),
    };
    let convert = match inner {
        Type::Scalar(Scalar::Base64) => quote!(::bytes::Bytes::from(value.into_inner())),
        _ => quote!(value),
    };
    let take = if optional {
        quote!(message.#field.map(|value| ::std::result::Result::Ok(#convert)))
    } else {
        quote!({
            let value = message.#field;
            ::std::option::Option::Some(::std::result::Result::Ok(#convert))
        })
    };
    let event_error = quote! {
        ::std::option::Option::Some(::std::result::Result::Err(crate::runtime::Error::Event(
            ::std::boxed::Box::new(crate::runtime::EventError::from_json(&value)),
        )))
    };
    let typed_errors = channel
        .receives
        .iter()
        .filter(|m| m.error && matches!(m.payload, MessagePayload::Json(_)))
        .map(|m| {
            let name = ident(&m.name);
            quote! {
                #event::#name(message) => {
                    let value = ::serde_json::to_value(&message).unwrap_or_default();
                    #event_error
                }
            }
        });
    let error_tags: Vec<&str> = channel
        .receives
        .iter()
        .filter(|m| m.error)
        .filter_map(|m| m.tag.as_deref())
        .collect();
    let raw_errors = match (&channel.tag_property, error_tags.is_empty()) {
        (Some(property), false) => quote! {
            #event::Raw(crate::runtime::RawMessage::Text(text)) => {
                let value: ::serde_json::Value = ::serde_json::from_str(&text).ok()?;
                match value.get(#property).and_then(::serde_json::Value::as_str) {
                    ::std::option::Option::Some(#(#error_tags)|*) => #event_error,
                    _ => ::std::option::Option::None,
                }
            }
        },
        _ => TokenStream::new(),
    };
    let doc = docs::lines(&format!(
        "The context's output alone: the `{}` of each [`{variant}`]({event}::{variant}) \
         message, as a stream that ends with the context. An error message of the context ends \
         it with [`Error::Event`](crate::runtime::Error::Event); the other messages are skipped.",
        output.field
    ));
    let method = quote! {
        #doc
        pub fn #stream(self) -> crate::runtime::WsOutput<#event, #item> {
            self.output(#pick)
        }
    };
    let pick_item = quote! {
        fn #pick(message: #event) -> ::std::option::Option<::std::result::Result<#item, crate::runtime::Error>> {
            match message {
                #event::#variant(message) => #take,
                #(#typed_errors)*
                #raw_errors
                _ => ::std::option::Option::None,
            }
        }
    };
    (method, pick_item)
}
