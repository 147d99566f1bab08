//! Cursor pagination declared by an `x-pagination` extension.

use super::*;

impl<'a> Lowerer<'a> {
    /// Cursor pagination from an `x-pagination` extension:
    /// `{items: data, has_more: has_more, cursor_param: starting_after, cursor_field: id}`, or
    /// `next_cursor: next_page` in place of `cursor_field` when the response names the next cursor.
    pub(super) fn pagination(
        &mut self,
        config: &serde_json::Value,
        at: &str,
        params: &[Param],
        response: &Response,
    ) -> Option<Pagination> {
        let text = |key: &str| config.get(key).and_then(serde_json::Value::as_str);
        let struct_fields = |this: &Self, ty: &Type| -> Option<Vec<crate::ir::Field>> {
            let Type::Named(name) = ty else { return None };
            this.types
                .iter()
                .find(|def| &def.name == name)
                .and_then(|def| match &def.kind {
                    crate::ir::TypeKind::Struct(s) => Some(s.fields.clone()),
                    _ => None,
                })
        };
        let field = |fields: &[crate::ir::Field], wire: &str| {
            fields.iter().find(|f| f.wire == wire).cloned()
        };
        let Response::Single(Payload::Json(page_type)) = response else {
            self.error(at, "pagination needs a JSON response");
            return None;
        };
        let Some(page) = struct_fields(self, page_type) else {
            self.error(at, "pagination needs a response that is an object type");
            return None;
        };
        let Some(items_field) = text("items").and_then(|wire| field(&page, wire)) else {
            self.error(at, "`items` must name an array field of the response");
            return None;
        };
        let Type::List(item) = &items_field.ty else {
            self.error(
                at,
                format!("`items` field `{}` is not an array", items_field.wire),
            );
            return None;
        };
        let Some(cursor_param) = text("cursor_param").and_then(|wire| {
            params
                .iter()
                .find(|p| p.wire == wire && p.location == ParamLocation::Query && !p.required)
        }) else {
            self.error(
                at,
                "`cursor_param` must name an optional query parameter of the operation",
            );
            return None;
        };
        let has_more = match text("has_more") {
            None => None,
            Some(wire) => match field(&page, wire) {
                Some(flag) if flag.ty == Type::Scalar(Scalar::Bool) => Some(PageFlag {
                    optional: flag.is_option(),
                    field: flag.name,
                }),
                _ => {
                    self.error(
                        at,
                        format!(
                            "`has_more` must name a boolean field of the response, not `{wire}`"
                        ),
                    );
                    return None;
                }
            },
        };
        let cursor = match (text("cursor_field"), text("next_cursor")) {
            (Some(wire), None) => {
                match struct_fields(self, item).and_then(|fields| field(&fields, wire)) {
                    Some(found) => CursorSource::LastItem(found.name.clone(), found.is_option()),
                    None => {
                        self.error(
                            at,
                            format!("`cursor_field` `{wire}` is not a field of the items"),
                        );
                        return None;
                    }
                }
            }
            (None, Some(wire)) => match field(&page, wire) {
                Some(found) => CursorSource::Response(found.name.clone(), found.is_option()),
                None => {
                    self.error(
                        at,
                        format!("`next_cursor` `{wire}` is not a field of the response"),
                    );
                    return None;
                }
            },
            _ => {
                self.error(at, "give exactly one of `cursor_field` and `next_cursor`");
                return None;
            }
        };
        Some(Pagination {
            items: items_field.name.clone(),
            item: item.as_ref().clone(),
            has_more,
            cursor_param: cursor_param.name.clone(),
            cursor,
        })
    }
}
