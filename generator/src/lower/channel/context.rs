//! The context surface of a multiplexed channel: the sent message that carries a context's input
//! in pieces (`x-context-input`), the received one that carries its output
//! (`x-context-output`), and the fields a context fills for its caller.

use serde_json::Value;

use super::prepare::{CONTEXT_INPUT, CONTEXT_OUTPUT, PreparedMessage};
use crate::diagnostics::pointer;
use crate::ir::{
    Channel, ContextInput, ContextOutput, Group, MessagePayload, Scalar, Struct, Type, TypeDef,
    TypeKind,
};
use crate::lower::Lowerer;
use crate::names::{self, Case, Scope};

impl Lowerer<'_> {
    /// The fields of a struct payload, with the pointer of the payload for diagnostics.
    fn payload_struct(&mut self, payload: &MessagePayload, at: &str, key: &str) -> Option<Struct> {
        let found = match payload {
            MessagePayload::Json(Type::Named(name)) => self
                .types
                .iter()
                .find(|def| &def.name == name)
                .and_then(|def| match &def.kind {
                    TypeKind::Struct(fields) => Some(fields.clone()),
                    _ => None,
                }),
            _ => None,
        };
        if found.is_none() {
            self.error(
                pointer(at, &[key]),
                format!("`{key}` needs a message whose payload is an object with properties"),
            );
        }
        found
    }

    /// Reads `x-context-input` of a sent message: the pieces' field, and the boolean fields that
    /// say more input follows and ask for a flush.
    pub(super) fn context_input(
        &mut self,
        message: &PreparedMessage,
        payload: &MessagePayload,
        routing_key: Option<&str>,
    ) -> Option<ContextInput> {
        let value = message.extensions.get(CONTEXT_INPUT)?;
        let at = pointer(&message.at, &[CONTEXT_INPUT]);
        if routing_key.is_none() {
            self.error(
                at,
                "a context's input needs a multiplexed channel (one whose messages carry a context key)",
            );
            return None;
        }
        let fields = self.payload_struct(payload, &message.at, CONTEXT_INPUT)?;
        let Value::Object(map) = value else {
            self.error(
                at,
                "expected `{text: <property>, continue: <property>, flush: <property>}`",
            );
            return None;
        };
        let mut field = |role: &str, scalar: Option<Scalar>| -> Option<Option<String>> {
            let Some(wire) = map.get(role) else {
                return Some(None);
            };
            let found = wire
                .as_str()
                .and_then(|wire| fields.fields.iter().find(|f| f.wire == wire));
            match found {
                Some(f) if scalar.is_none_or(|s| f.ty == Type::Scalar(s)) => {
                    Some(Some(f.wire.clone()))
                }
                Some(_) => {
                    self.error(pointer(&at, &[role]), "the property must be a boolean");
                    None
                }
                None => {
                    self.error(
                        pointer(&at, &[role]),
                        "expected the name of one of the message's properties",
                    );
                    None
                }
            }
        };
        let text = field("text", None)?;
        let more = field("continue", Some(Scalar::Bool))?;
        let flush = field("flush", Some(Scalar::Bool))?;
        let Some(text) = text else {
            self.error(
                at,
                "`text` is required: the property that carries each piece",
            );
            return None;
        };
        Some(ContextInput { text, more, flush })
    }

    /// Reads `x-context-output` of a received message: its output field and the names of the
    /// methods returning it, claimed in the scopes of the context and of the connection.
    pub(super) fn context_output(
        &mut self,
        message: &PreparedMessage,
        payload: &MessagePayload,
        context_scope: &mut Scope,
        connection_scope: &mut Scope,
    ) -> Option<ContextOutput> {
        let value = message.extensions.get(CONTEXT_OUTPUT)?;
        let at = pointer(&message.at, &[CONTEXT_OUTPUT]);
        let fields = self.payload_struct(payload, &message.at, CONTEXT_OUTPUT)?;
        let wire = value.get("field").and_then(Value::as_str);
        let Some(field) = wire.and_then(|wire| fields.fields.iter().find(|f| f.wire == wire))
        else {
            self.error(
                pointer(&at, &["field"]),
                "expected the name of one of the message's properties",
            );
            return None;
        };
        let mut method = |role: &str, scope: &mut Scope| -> Option<String> {
            let name = value.get(role)?;
            let role_at = pointer(&at, &[role]);
            let Some(name) = name.as_str() else {
                self.error(role_at, "expected a method name");
                return None;
            };
            match names::chosen(name, Case::Snake) {
                Ok(name) => Some(self.claim_chosen(scope, name, &at, role)),
                Err(reason) => {
                    self.error(role_at, reason);
                    None
                }
            }
        };
        let Some(stream) = method("stream", context_scope) else {
            self.error(at, "`stream` is required: the method returning the output");
            return None;
        };
        let call = method("call", connection_scope);
        let ty = if field.required && !field.nullable {
            field.ty.clone()
        } else {
            Type::Option(Box::new(field.ty.clone()))
        };
        Some(ContextOutput {
            field: field.name.clone(),
            ty,
            stream,
            call,
        })
    }
}

/// Fields a context fills are not the caller's to give: the context key, and the input's text
/// (each piece sets it). In a payload type no operation sends as its body they become optional,
/// so constructors do not ask for them.
pub(in crate::lower) fn fill_by_context(
    channels: &[Channel],
    groups: &[Group],
    types: &mut [TypeDef],
) {
    let bodies: Vec<&Type> = groups
        .iter()
        .flat_map(|g| &g.operations)
        .filter_map(|op| op.body.as_ref().map(|b| &b.ty))
        .collect();
    for channel in channels {
        let Some(key) = &channel.routing_key else {
            continue;
        };
        for message in &channel.sends {
            let MessagePayload::Json(ty @ Type::Named(name)) = &message.payload else {
                continue;
            };
            if bodies.contains(&ty) {
                continue;
            }
            let filled: Vec<&str> = std::iter::once(key.as_str())
                .chain(message.input.as_ref().map(|input| input.text.as_str()))
                .collect();
            let Some(TypeKind::Struct(fields)) = types
                .iter_mut()
                .find(|def| &def.name == name)
                .map(|def| &mut def.kind)
            else {
                continue;
            };
            for field in &mut fields.fields {
                if filled.contains(&field.wire.as_str()) && field.fixed.is_none() {
                    field.required = false;
                }
            }
        }
    }
}
