//! WebSocket channels from an AsyncAPI document, lowered on the same core as operations: their
//! payloads and handshake parameters go through the shared schema lowering, so a payload that
//! names a component schema of this version is that version's type.

mod contract;
mod prepare;

pub(super) use contract::contracts;
pub(super) use prepare::{Prepared, prepare};

use prepare::{PreparedMessage, PreparedPayload};

use super::schema::bounds_of;
use super::{Lowerer, SchemaRef};
use crate::ir::{Channel, Message, MessagePayload, Param, ParamLocation};
use crate::names::{self, Scope};

/// Names the generated channel types define themselves (`Handshake` setters and methods).
const CHANNEL_METHODS: &[&str] = &["config", "connect", "into_future", "client"];

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
                        doc: param.doc.clone(),
                    }
                })
                .collect();
            let sends = self.messages(&channel.sends);
            let receives = self.messages(&channel.receives);
            out.push(Channel {
                wire: channel.address.clone(),
                tag: channel.tag.clone(),
                method: channel.method.clone(),
                type_stem,
                doc: channel.doc.clone(),
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

    fn messages(&mut self, messages: &'a [PreparedMessage]) -> Vec<Message> {
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
                Message {
                    name: scope.claim(message.name.clone()),
                    wire: message.wire.clone(),
                    doc: message.doc.clone(),
                    payload,
                    tag: message.tag.clone(),
                    terminal: message.terminal,
                    ends_input: message.ends_input,
                    cancels: message.cancels,
                }
            })
            .collect()
    }
}
