//! Success responses: one type, or an enum over statuses and media types.

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn response(
        &mut self,
        op: &'a Op,
        at: &str,
        hint: &str,
    ) -> Result<Response, String> {
        let mut variants: Vec<ResponseVariant> = Vec::new();
        for (status, response) in &op.responses.responses {
            let code = status_code(status);
            if !code.starts_with('2') {
                continue;
            }
            let response = match response {
                ReferenceOr::Item(response) => response,
                ReferenceOr::Reference { reference } => self
                    .follow(response, "#/components/responses/", |c| &c.responses)
                    .ok_or_else(|| format!("response reference `{reference}` is not supported"))?,
            };
            if response.content.is_empty() {
                variants.push(ResponseVariant {
                    name: String::new(),
                    status: code.clone(),
                    media_type: None,
                    payload: Payload::Empty,
                });
            }
            for (media_type, content) in &response.content {
                let schema_at = pointer(at, &["responses", &code, "content", media_type, "schema"]);
                let payload = self.payload(media_type, content.schema.as_ref(), &schema_at, hint);
                variants.push(ResponseVariant {
                    name: String::new(),
                    status: code.clone(),
                    media_type: Some(media_type.clone()),
                    payload,
                });
            }
        }
        let first = variants
            .first()
            .map(|v| v.payload.clone())
            .unwrap_or(Payload::Empty);
        if variants.iter().all(|v| v.payload == first) {
            return Ok(Response::Single(first));
        }
        let mut scope = Scope::default();
        let several_media =
            |status: &str| variants.iter().filter(|v| v.status == status).count() > 1;
        let names: Vec<String> = variants
            .iter()
            .map(|v| {
                let base = status_name(&v.status);
                match (&v.media_type, several_media(&v.status)) {
                    (Some(media_type), true) => {
                        format!("{base}{}", names::pascal(media_subtype(media_type)))
                    }
                    _ => base,
                }
            })
            .collect();
        for (variant, name) in variants.iter_mut().zip(names) {
            variant.name = scope.claim(name);
        }
        let name = self.type_scope.claim(format!("{hint}Outcome"));
        Ok(Response::Multi(MultiResponse { name, variants }))
    }
}

/// The part after the slash (`audio/wav` -> `wav`), for variant names.
pub(super) fn media_subtype(media_type: &str) -> &str {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    let subtype = essence.rsplit('/').next().unwrap_or(essence);
    subtype.rsplit('+').next().unwrap_or(subtype)
}

/// A status as the document writes it: `200`, or `2XX` for a range.
pub(super) fn status_code(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(range) => format!("{range}XX"),
    }
}

/// A variant name for a status code.
pub(super) fn status_name(status: &str) -> String {
    match status {
        "200" => "Ok".to_owned(),
        "201" => "Created".to_owned(),
        "202" => "Accepted".to_owned(),
        "203" => "NonAuthoritative".to_owned(),
        "204" => "NoContent".to_owned(),
        "206" => "PartialContent".to_owned(),
        "2XX" => "Success".to_owned(),
        other => format!("Status{other}"),
    }
}
