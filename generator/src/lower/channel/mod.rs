//! WebSocket channels from an AsyncAPI document, lowered on the same core as operations: their
//! payloads and handshake parameters go through the shared schema lowering, so a payload that
//! names a component schema of this version is that version's type.

mod context;
mod contract;
mod prepare;

pub(super) use context::fill_by_context;
pub(super) use contract::contracts;
pub(super) use prepare::{Prepared, prepare};

use prepare::{PreparedMessage, PreparedPayload};

use super::schema::bounds_of;
use super::{Lowerer, SchemaRef};
use crate::ir::{Channel, Message, MessagePayload, Param, ParamLocation};
use crate::names::{self, Case, Scope};

use crate::names::reserved::{
    CHANNEL_METHODS, CONNECTION_METHODS, CONTEXT_METHODS, SENDER_METHODS,
};

impl<'a> Lowerer<'a> {
    /// The channels, in document order.
    pub(super) fn channels(&mut self, prepared: &'a Prepared) -> Vec<Channel> {
        self.errors.extend(prepared.errors.iter().cloned());
        self.warnings.extend(prepared.warnings.iter().cloned());
        let mut out = Vec::new();
        for channel in &prepared.channels {
            let type_stem = self.type_scope.claim(format!(
                "{}{}",
                names::pascal(&channel.tag),
                names::pascal(&channel.method)
            ));
            let mut scope = Scope::with_reserved(CHANNEL_METHODS.iter().copied());
            let params = channel
                .query
                .iter()
                .map(|param| {
                    let hint = format!("{type_stem}{}", names::pascal(&param.wire));
                    let shape = self.shape(SchemaRef::Inline(&param.schema), &param.at, &hint);
                    Param {
                        name: scope.claim(names::snake(&param.wire)),
                        wire: param.wire.clone(),
                        location: ParamLocation::Query,
                        ty: shape.ty,
                        delimiter: None,
                        json: false,
                        required: param.required,
                        bounds: bounds_of(&param.schema),
                        doc: param.doc.clone().map(crate::ir::DocText::new),
                    }
                })
                .collect();
            let multiplexed = channel.routing_key.is_some();
            let mut send_scope = Scope::with_reserved(
                (if multiplexed {
                    CONTEXT_METHODS
                } else {
                    SENDER_METHODS
                })
                .iter()
                .copied(),
            );
            let mut connection_scope = Scope::with_reserved(CONNECTION_METHODS.iter().copied());
            let mut sends = self.messages(&channel.sends, Some(&mut send_scope));
            let mut receives = self.messages(&channel.receives, None);
            for (message, prepared) in sends.iter_mut().zip(&channel.sends) {
                message.input =
                    self.context_input(prepared, &message.payload, channel.routing_key.as_deref());
            }
            let has_input = sends.iter().any(|m| m.input.is_some());
            for (message, prepared) in receives.iter_mut().zip(&channel.receives) {
                message.output = self.context_output(
                    prepared,
                    &message.payload,
                    &mut send_scope,
                    &mut connection_scope,
                );
                if let Some(output) = &mut message.output
                    && output.call.is_some()
                    && !has_input
                {
                    self.error(
                        format!("{}/{}/call", prepared.at, prepare::CONTEXT_OUTPUT),
                        "a one-call method needs a sent message that carries the input (`x-context-input`)",
                    );
                    output.call = None;
                }
            }
            out.push(Channel {
                wire: channel.address.clone(),
                tag: channel.tag.clone(),
                method: channel.method.clone(),
                type_stem,
                doc: channel.doc.clone().map(crate::ir::DocText::new),
                params,
                fixed_query: channel.fixed_query.clone(),
                credentials: channel.credentials.clone(),
                sends,
                receives,
                tag_property: channel.tag_property.clone(),
                routing_key: channel.routing_key.clone(),
                pointer: channel.at.clone(),
                contract: serde_json::Value::Null,
            });
        }
        out
    }

    fn messages(
        &mut self,
        messages: &'a [PreparedMessage],
        mut methods: Option<&mut Scope>,
    ) -> Vec<Message> {
        let mut scope = Scope::default();
        messages
            .iter()
            .map(|message| {
                let payload = match &message.payload {
                    PreparedPayload::Component(reference) => {
                        let at = format!("{}/payload", message.at);
                        MessagePayload::Json(self.shape(SchemaRef::Ref(reference), &at, "").ty)
                    }
                    PreparedPayload::Schema(schema, hint) => {
                        let at = format!("{}/payload", message.at);
                        MessagePayload::Json(self.shape(SchemaRef::Inline(schema), &at, hint).ty)
                    }
                    PreparedPayload::Text(values) => MessagePayload::Text(values.clone()),
                    PreparedPayload::Binary => MessagePayload::Binary,
                };
                let method = match methods.as_deref_mut() {
                    Some(scope) => self.send_method(message, &payload, scope),
                    None => String::new(),
                };
                Message {
                    name: scope.claim(message.name.clone()),
                    wire: message.wire.clone(),
                    doc: message.doc.clone().map(crate::ir::DocText::new),
                    payload,
                    tag: message.tag.clone(),
                    terminal: message.terminal,
                    ends_input: message.ends_input,
                    cancels: message.cancels,
                    error: message.error,
                    method,
                    input: None,
                    output: None,
                }
            })
            .collect()
    }

    /// The method sending a message: `x-rust-name`, else `cancel` for the message that cancels
    /// a context, else `send_` and the message's name. A text message of fixed values has one
    /// method per value, claimed here too; it keeps the default name, unused.
    fn send_method(
        &mut self,
        message: &PreparedMessage,
        payload: &MessagePayload,
        scope: &mut Scope,
    ) -> String {
        let extensions: indexmap::IndexMap<String, serde_json::Value> = message
            .extensions
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let MessagePayload::Text(values) = payload
            && !values.is_empty()
        {
            for value in values {
                let name = names::snake(value);
                if !scope.is_free(&name) {
                    self.error(
                        format!("{}/payload", message.at),
                        format!("the command `{value}` would be a method `{name}` that is already defined"),
                    );
                }
                scope.claim(name);
            }
            return String::new();
        }
        if let Some(name) = self.chosen_name(&extensions, names::RENAME, &message.at, Case::Snake) {
            return self.claim_chosen(scope, name, &message.at, names::RENAME);
        }
        if message.cancels {
            return "cancel".to_owned();
        }
        scope.claim(format!(
            "send_{}",
            names::bare(&names::snake(&message.name))
        ))
    }
}
