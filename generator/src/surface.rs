//! A compact, readable listing of a lowered API: operations with their parameters and responses,
//! types with their fields and variants. Snapshots of it make a spec change a reviewable diff.

use std::fmt::Write;

use crate::ir::{
    Api, Operation, ParamLocation, Payload, Response, Scalar, SchemeLocation, Type, TypeKind,
};

/// A type as Rust-like text (`Vec<Voice>`, `Option<String>`).
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::Named(name) => name.clone(),
        Type::Scalar(scalar) => match scalar {
            Scalar::String => "String",
            Scalar::Bool => "bool",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::F64 => "f64",
            Scalar::DateTime => "DateTime",
            Scalar::Date => "Date",
            Scalar::Uuid => "Uuid",
            Scalar::Base64 => "Base64Bytes",
            Scalar::Secret => "Secret",
            Scalar::File => "FilePart",
            Scalar::Multipart => "Multipart",
            Scalar::Bytes => "Bytes",
            Scalar::Json => "Json",
            Scalar::JsonObject => "JsonObject",
        }
        .to_owned(),
        Type::List(inner) => format!("Vec<{}>", type_name(inner)),
        Type::Map(inner) => format!("Map<{}>", type_name(inner)),
        Type::Option(inner) => format!("Option<{}>", type_name(inner)),
        Type::Boxed(inner) => format!("Box<{}>", type_name(inner)),
    }
}

/// The listing of an API.
pub fn render(api: &Api) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "api {:?} version {:?} at {:?}",
        api.title, api.version, api.base_url
    );
    let _ = writeln!(out, "\ncredentials");
    for scheme in &api.security_schemes {
        let location = match &scheme.location {
            SchemeLocation::Header(name) => format!("header {name}"),
            SchemeLocation::Query(name) => format!("query {name}"),
            SchemeLocation::Cookie(name) => format!("cookie {name}"),
            SchemeLocation::Bearer => "bearer".to_owned(),
            SchemeLocation::Basic => "basic".to_owned(),
        };
        let _ = writeln!(out, "  .{}(): {} ({location})", scheme.setter, scheme.wire);
    }
    let _ = writeln!(out, "\noperations");
    for group in &api.groups {
        let prefix = group
            .accessor
            .as_ref()
            .map(|a| format!("{}().", a.method))
            .unwrap_or_default();
        for op in &group.operations {
            operation(&mut out, &prefix, op);
        }
    }
    if !api.channels.is_empty() {
        let _ = writeln!(out, "\nwebsockets");
        for channel in &api.channels {
            channel_surface(&mut out, channel);
        }
    }
    if !api.skipped.is_empty() {
        let _ = writeln!(out, "\nnot generated");
        for skipped in &api.skipped {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                skipped.id, skipped.route, skipped.reason
            );
        }
    }
    let _ = writeln!(out, "\ntypes");
    for def in &api.types {
        match &def.kind {
            TypeKind::Struct(s) | TypeKind::Form(s) => {
                let kind = if matches!(def.kind, TypeKind::Form(_)) {
                    "form"
                } else {
                    "struct"
                };
                let _ = writeln!(out, "  {kind} {}", def.name);
                for field in &s.fields {
                    let marker = if field.required { "" } else { "?" };
                    let null = if field.nullable { " | null" } else { "" };
                    let wire = if crate::names::bare(&field.name) == field.wire {
                        String::new()
                    } else {
                        format!(" (\"{}\")", field.wire)
                    };
                    let fixed = field
                        .fixed
                        .as_ref()
                        .map(|value| format!(" = {value}"))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "    {}{marker}{wire}: {}{null}{fixed}",
                        field.name,
                        type_name(&field.ty)
                    );
                }
                if let Some((name, ty)) = &s.additional {
                    let _ = writeln!(out, "    ..{name}: Map<{}>", type_name(ty));
                }
            }
            TypeKind::StringEnum(e) => {
                let values: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
                let _ = writeln!(
                    out,
                    "  enum {} = {} | {}(..)",
                    def.name,
                    values.join(" | "),
                    e.fallback
                );
            }
            TypeKind::NumberEnum(e) => {
                let values: Vec<String> = e.variants.iter().map(|v| v.value.to_string()).collect();
                let _ = writeln!(
                    out,
                    "  enum {} = {} | {}(..)",
                    def.name,
                    values.join(" | "),
                    e.fallback
                );
            }
            TypeKind::Tagged(t) => {
                let how = if t.declared {
                    "discriminator"
                } else {
                    "inferred tag"
                };
                let _ = writeln!(out, "  tagged {} by {} ({how})", def.name, t.tag);
                for v in &t.variants {
                    let payload = v.ty.as_ref().map_or("()".to_owned(), type_name);
                    let _ = writeln!(out, "    {} => {}({payload})", v.tags.join(" | "), v.name);
                }
                let _ = writeln!(out, "    _ => {}(Json)", t.fallback);
            }
            TypeKind::Untagged(u) => {
                let variants: Vec<String> = u
                    .variants
                    .iter()
                    .map(|v| format!("{}({})", v.name, type_name(&v.ty)))
                    .collect();
                let _ = writeln!(
                    out,
                    "  untagged {} = {} | {}(Json)",
                    def.name,
                    variants.join(" | "),
                    u.fallback
                );
            }
            TypeKind::Alias(ty) => {
                let _ = writeln!(out, "  alias {} = {}", def.name, type_name(ty));
            }
        }
    }
    out
}

fn operation(out: &mut String, prefix: &str, op: &Operation) {
    let _ = writeln!(
        out,
        "  {prefix}{}()  {} {}  [{}]",
        op.method, op.http_method, op.path, op.id
    );
    for param in &op.params {
        let location = match param.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        };
        let marker = if param.required { "" } else { "?" };
        let _ = writeln!(
            out,
            "    {location} {}{marker} (\"{}\"): {}",
            param.name,
            param.wire,
            type_name(&param.ty)
        );
    }
    let fixed = op
        .fixed_headers
        .iter()
        .map(|f| ("header", f))
        .chain(op.fixed_query.iter().map(|f| ("query", f)));
    for (location, fixed) in fixed {
        let value = if fixed.is_api_version {
            "API_VERSION".to_owned()
        } else {
            format!("{:?}", fixed.value)
        };
        let _ = writeln!(out, "    {location} {} = {value}", fixed.wire);
    }
    if let Some(body) = &op.body {
        let marker = if body.required { "" } else { "?" };
        let _ = writeln!(
            out,
            "    body{marker} {}: {}",
            body.media_type,
            type_name(&body.ty)
        );
    }
    let response = match &op.response {
        Response::Single(payload) => payload_name(payload),
        Response::Multi(multi) => {
            let variants: Vec<String> = multi
                .variants
                .iter()
                .map(|v| {
                    let media = v
                        .media_type
                        .as_deref()
                        .map(|m| format!(" {m}"))
                        .unwrap_or_default();
                    format!(
                        "{}({}{media}): {}",
                        v.name,
                        v.status,
                        payload_name(&v.payload)
                    )
                })
                .collect();
            format!("{} = {}", multi.name, variants.join(" | "))
        }
    };
    let _ = writeln!(out, "    -> {response}");
    if let Some(errors) = &op.errors {
        let variants: Vec<String> = errors
            .variants
            .iter()
            .map(|v| format!("{}({}): {}", v.name, v.status, payload_name(&v.payload)))
            .collect();
        let _ = writeln!(out, "    errors {} = {}", errors.name, variants.join(" | "));
    }
    let security: Vec<String> = op
        .security
        .iter()
        .map(|alt| {
            if alt.is_empty() {
                "none".to_owned()
            } else {
                alt.join(" + ")
            }
        })
        .collect();
    if !security.is_empty() {
        let _ = writeln!(out, "    auth {}", security.join(" | "));
    }
    if op.idempotent {
        let _ = writeln!(out, "    retried: x-idempotent");
    }
    if let Some(key) = &op.idempotency_key {
        let _ = writeln!(out, "    retried: idempotency key {key:?}");
    }
}

fn payload_name(payload: &Payload) -> String {
    match payload {
        Payload::Empty => "()".to_owned(),
        Payload::Json(ty) => type_name(ty),
        Payload::Text => "String (text)".to_owned(),
        Payload::Binary => "BinaryResponse".to_owned(),
        Payload::EventStream(ty) => format!("EventStream<{}>", type_name(ty)),
    }
}

/// One WebSocket channel: the handshake, then the messages each way.
fn channel_surface(out: &mut String, channel: &crate::ir::Channel) {
    let args: Vec<String> = channel
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("{}: {}", p.name, type_name(&p.ty)))
        .collect();
    let _ = writeln!(
        out,
        "  {}().{}({}) -> {}: {}",
        crate::names::snake(&channel.tag),
        channel.method,
        args.join(", "),
        channel.type_stem,
        channel.wire
    );
    for param in channel.params.iter().filter(|p| !p.required) {
        let _ = writeln!(out, "    .{}({})", param.name, type_name(&param.ty));
    }
    for fixed in &channel.fixed_query {
        let _ = writeln!(out, "    query {}={}", fixed.wire, fixed.value);
    }
    for credential in &channel.credentials {
        if let SchemeLocation::Query(name) = &credential.location {
            let _ = writeln!(out, "    {} in query {name}", credential.scheme);
        }
    }
    if let Some(key) = &channel.routing_key {
        let _ = writeln!(out, "    contexts by {key}");
    }
    for (direction, messages) in [("sends", &channel.sends), ("receives", &channel.receives)] {
        for message in messages {
            let payload = match &message.payload {
                crate::ir::MessagePayload::Json(ty) => format!("json {}", type_name(ty)),
                crate::ir::MessagePayload::Text(values) if values.is_empty() => "text".to_owned(),
                crate::ir::MessagePayload::Text(values) => format!("text {}", values.join(" | ")),
                crate::ir::MessagePayload::Binary => "binary".to_owned(),
            };
            let tag = match (&channel.tag_property, &message.tag) {
                (Some(property), Some(value)) => format!(" ({property} {value})"),
                _ => String::new(),
            };
            let mut how = Vec::new();
            match &message.payload {
                crate::ir::MessagePayload::Text(values) if !values.is_empty() => {
                    let methods: Vec<String> = values
                        .iter()
                        .map(|v| format!(".{}()", crate::names::snake(v)))
                        .collect();
                    how.push(methods.join(" "));
                }
                _ if message.cancels => how.push(".cancel()".to_owned()),
                _ if !message.method.is_empty() => how.push(format!(".{}(..)", message.method)),
                _ => {}
            }
            if let Some(input) = &message.input {
                let mut fields = vec![input.text.as_str()];
                fields.extend(input.more.as_deref());
                fields.extend(input.flush.as_deref());
                let mut methods = vec![".push(..)"];
                if input.more.is_some() && input.flush.is_some() {
                    methods.push(".flush()");
                }
                if input.more.is_some() {
                    methods.push(".finish()");
                }
                how.push(format!(
                    "input {} by {}",
                    methods.join(" "),
                    fields.join(", ")
                ));
            }
            if let Some(output) = &message.output {
                let call = output
                    .call
                    .as_ref()
                    .map(|call| format!(", one call .{call}(..)"))
                    .unwrap_or_default();
                how.push(format!(
                    "output .{}() of {}{call}",
                    output.stream, output.field
                ));
            }
            if message.terminal {
                how.push("ends".to_owned());
            }
            if message.error {
                how.push("error".to_owned());
            }
            let how = if how.is_empty() {
                String::new()
            } else {
                format!(" [{}]", how.join("; "))
            };
            let _ = writeln!(out, "    {direction} {}: {payload}{tag}{how}", message.name);
        }
    }
}
