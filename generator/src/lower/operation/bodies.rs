//! Request bodies and response payloads: media types chosen, JSON schemas, multipart forms.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn body(
        &mut self,
        body: &'a ReferenceOr<RequestBody>,
        at: &str,
        hint: &str,
    ) -> Result<Body, String> {
        let body = match body {
            ReferenceOr::Item(body) => body,
            ReferenceOr::Reference { reference } => self
                .follow(body, "#/components/requestBodies/", |c| &c.request_bodies)
                .ok_or_else(|| format!("request body reference `{reference}` is not supported"))?,
        };
        // JSON first, then forms, then whatever the document lists first.
        let pick = |wanted: fn(&str) -> bool| {
            body.content
                .iter()
                .find(|(media_type, _)| wanted(media_type))
        };
        let chosen = pick(is_json)
            .map(|found| (found, BodyEncoding::Json))
            .or_else(|| pick(is_multipart).map(|found| (found, BodyEncoding::Multipart)))
            .or_else(|| {
                pick(|m| essence(m) == "application/x-www-form-urlencoded")
                    .map(|found| (found, BodyEncoding::UrlEncoded))
            });
        let Some(((media_type, content), encoding)) = chosen else {
            // Any other media type is sent as the bytes the caller gives: a concrete type before
            // a wildcard one.
            let Some((media_type, content)) =
                pick(|m| !m.contains('*')).or_else(|| body.content.iter().next())
            else {
                return Err("the request body lists no media type".to_owned());
            };
            // A `format: file` or `binary` object (Swagger 2's file, converted) is the bytes.
            let structured = content.schema.as_ref().is_some_and(|schema| {
                self.resolve(SchemaRef::of(schema))
                    .and_then(|(schema, _)| View::of(schema))
                    .is_some_and(|view| {
                        view.is_object_like()
                            && !matches!(view.any.format.as_deref(), Some("file" | "binary"))
                    })
            });
            // An object documented as plain text is read by the server as the text of its JSON
            // (Netatmo's schedules, App Center's releases): the typed value, written as JSON and
            // sent with the documented media type.
            if structured
                && essence(media_type) == "text/plain"
                && let Some(schema) = &content.schema
            {
                let content_at = pointer(at, &["content", media_type, "schema"]);
                let shape = self.shape(SchemaRef::of(schema), &content_at, &format!("{hint}Body"));
                return Ok(Body {
                    ty: optional(shape),
                    required: body.required,
                    media_type: media_type.clone(),
                    encoding: BodyEncoding::JsonText,
                });
            }
            if structured {
                self.warn(
                    pointer(at, &["content", media_type]),
                    format!(
                        "`{media_type}` bodies are not modelled; the body is sent as raw bytes"
                    ),
                );
            }
            return Ok(Body {
                ty: Type::Scalar(Scalar::Bytes),
                required: body.required,
                media_type: media_type.clone(),
                encoding: BodyEncoding::Raw,
            });
        };
        let content_at = pointer(at, &["content", media_type, "schema"]);
        let name = format!("{hint}Body");
        let ty = match (&content.schema, encoding) {
            (Some(schema), BodyEncoding::Multipart) => {
                let form = self.form(SchemaRef::of(schema), &content_at, &name)?;
                if essence(media_type) != "multipart/form-data"
                    && let Type::Named(form) = &form
                    && let Some(def) = self.types.iter_mut().rev().find(|def| def.name == *form)
                {
                    def.doc = Some(crate::ir::DocText::new(format!(
                        "Sent as `multipart/form-data`: the API documents this body as `{media_type}`, which is no registered media type and names that form."
                    )));
                }
                form
            }
            (Some(schema), _) => optional(self.shape(SchemaRef::of(schema), &content_at, &name)),
            (None, BodyEncoding::Multipart) => {
                self.warn(
                    pointer(at, &["content", media_type]),
                    "a multipart body without a schema: the caller builds the form (`Multipart`)",
                );
                Type::Scalar(Scalar::Multipart)
            }
            (None, _) => Type::Scalar(Scalar::Json),
        };
        Ok(Body {
            ty,
            required: body.required,
            media_type: media_type.clone(),
            encoding,
        })
    }

    /// The body of one response media type.
    pub(super) fn payload(
        &mut self,
        media_type: &str,
        schema: Option<&'a ReferenceOr<openapiv3::Schema>>,
        at: &str,
        hint: &str,
    ) -> Payload {
        let essence = essence(media_type);
        let binary_schema = schema
            .and_then(|s| self.resolve(SchemaRef::of(s)))
            .and_then(|(s, _)| View::of(s))
            .is_some_and(|view| view.any.format.as_deref() == Some("binary"));
        let shape = |this: &mut Self| match schema {
            Some(schema) => {
                optional(this.shape(SchemaRef::of(schema), at, &format!("{hint}Response")))
            }
            None => Type::Scalar(Scalar::Json),
        };
        if is_json(media_type) {
            Payload::Json(shape(self))
        } else if essence == "text/event-stream" {
            Payload::EventStream(shape(self))
        } else if binary_schema {
            Payload::Binary
        } else if essence.starts_with("text/")
            || essence.ends_with("+xml")
            || essence == "application/xml"
        {
            Payload::Text
        } else {
            Payload::Binary
        }
    }

    /// The type of a multipart body: a struct whose `format: binary` fields are file parts.
    pub(super) fn form(
        &mut self,
        schema: SchemaRef<'a>,
        at: &str,
        name: &str,
    ) -> Result<Type, String> {
        let typ = self
            .resolve(self.peel_all(schema))
            .and_then(|(schema, _)| View::of(schema))
            .and_then(|view| view.any.typ);
        let mut flat = Flat::default();
        if typ.is_none_or(|typ| typ == "object") {
            self.flatten(schema, at, &mut flat, 0);
        }
        if flat.properties.is_empty() {
            self.warn(
                at,
                "a multipart body without properties: its fields are not described, so the caller builds the form (`Multipart`)",
            );
            return Ok(Type::Scalar(Scalar::Multipart));
        }
        let mut files = Vec::new();
        for (wire, (property, _)) in &flat.properties {
            let view = self.resolve(*property).and_then(|(s, _)| View::of(s));
            let binary = |view: &View| view.any.format.as_deref() == Some("binary");
            match view {
                Some(view) if binary(&view) => files.push((wire.clone(), false)),
                Some(view) if view.any.typ.as_deref() == Some("array") => {
                    let item = match property {
                        SchemaRef::Inline(schema) => match &schema.schema_kind {
                            openapiv3::SchemaKind::Type(openapiv3::Type::Array(array)) => {
                                array.items.as_ref()
                            }
                            openapiv3::SchemaKind::Any(any) => any.items.as_ref(),
                            _ => None,
                        },
                        SchemaRef::Ref(_) => None,
                    };
                    let item_binary = item
                        .and_then(|item| self.resolve(SchemaRef::of_boxed(item)))
                        .and_then(|(s, _)| View::of(s))
                        .is_some_and(|v| binary(&v));
                    if item_binary {
                        files.push((wire.clone(), true));
                    }
                }
                _ => {}
            }
        }
        let rust = self.type_scope.claim(name.to_owned());
        let mut fields = self.fields(flat, &rust);
        for field in &mut fields.fields {
            if let Some((_, many)) = files.iter().find(|(wire, _)| *wire == field.wire) {
                let file = Type::Scalar(Scalar::File);
                field.ty = if *many {
                    Type::List(Box::new(file))
                } else {
                    file
                };
            }
        }
        self.types.push(crate::ir::TypeDef {
            name: rust.clone(),
            doc: None,
            origin: at.to_owned(),
            kind: crate::ir::TypeKind::Form(fields),
        });
        Ok(Type::Named(rust))
    }
}

/// Whether a request body of this media type is a multipart form. `application/form-data` is no
/// registered media type: the documents that use it (Mastodon's) describe form fields, files among
/// them (`format: binary`), which only `multipart/form-data` carries, and which servers accepting
/// forms read from it. So it is sent as that, with the `Content-Type` a multipart body needs (the
/// boundary included) rather than the unregistered name.
fn is_multipart(media_type: &str) -> bool {
    matches!(
        essence(media_type).as_str(),
        "multipart/form-data" | "application/form-data"
    )
}

/// The media type without parameters, lower case.
pub(super) fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}
