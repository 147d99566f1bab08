//! Declared error responses with a JSON body, as one enum per operation.

use super::responses::status_code;
use super::*;

impl<'a> Lowerer<'a> {
    /// The declared error responses with a JSON body (the others are text in the API error).
    pub(super) fn errors(&mut self, op: &'a Op, at: &str, hint: &str) -> Option<ErrorEnum> {
        let mut variants: Vec<ResponseVariant> = Vec::new();
        for (status, response) in &op.responses.responses {
            let code = status_code(status);
            if code.starts_with('2') || code.starts_with('1') || code.starts_with('3') {
                continue;
            }
            variants.extend(self.error_variant(&code, response, at, hint));
        }
        if let Some(default) = &op.responses.default {
            variants.extend(self.error_variant("default", default, at, hint));
        }
        if !variants
            .iter()
            .any(|v| matches!(v.payload, Payload::Json(_)))
        {
            return None;
        }
        // Exact codes first, then ranges, then `default`, so the most specific variant matches.
        variants.sort_by_key(|v| match v.status.as_str() {
            "default" => 2,
            status if status.ends_with("XX") => 1,
            _ => 0,
        });
        let mut scope = Scope::default();
        for variant in &mut variants {
            variant.name = scope.claim(error_name(&variant.status));
        }
        let name = self.type_scope.claim(format!("{hint}Error"));
        Some(ErrorEnum { name, variants })
    }

    pub(super) fn error_variant(
        &mut self,
        code: &str,
        response: &'a ReferenceOr<openapiv3::Response>,
        at: &str,
        hint: &str,
    ) -> Option<ResponseVariant> {
        let response = match response {
            ReferenceOr::Item(response) => response,
            ReferenceOr::Reference { .. } => {
                self.follow(response, "#/components/responses/", |c| &c.responses)?
            }
        };
        // One media type per status: JSON when there is one.
        let chosen = response
            .content
            .iter()
            .find(|(media_type, _)| is_json(media_type))
            .or_else(|| response.content.iter().next());
        let (media_type, payload) = match chosen {
            None => (None, Payload::Empty),
            Some((media_type, content)) => {
                let schema_at = pointer(at, &["responses", code, "content", media_type, "schema"]);
                let payload = match self.payload(
                    media_type,
                    content.schema.as_ref(),
                    &schema_at,
                    &format!("{hint}Error"),
                ) {
                    json @ Payload::Json(_) => json,
                    _ => Payload::Text,
                };
                (Some(media_type.clone()), payload)
            }
        };
        Some(ResponseVariant {
            name: String::new(),
            status: code.to_owned(),
            media_type,
            payload,
        })
    }
}

/// A variant name for an error status.
pub(super) fn error_name(status: &str) -> String {
    match status {
        "400" => "BadRequest".to_owned(),
        "401" => "Unauthorized".to_owned(),
        "403" => "Forbidden".to_owned(),
        "404" => "NotFound".to_owned(),
        "409" => "Conflict".to_owned(),
        "422" => "UnprocessableEntity".to_owned(),
        "429" => "TooManyRequests".to_owned(),
        "500" => "InternalServerError".to_owned(),
        "503" => "ServiceUnavailable".to_owned(),
        "4XX" => "ClientError".to_owned(),
        "5XX" => "ServerError".to_owned(),
        "default" => "Other".to_owned(),
        other => format!("Status{other}"),
    }
}
