//! The error body an API declares for every operation: when each operation's JSON error
//! responses all have one and the same type, that type is decoded into every API error (typed
//! access and a readable `Display`), instead of an error enum per operation.

use crate::ir::{ErrorBody, Group, Payload, Scalar, TextField, Type, TypeDef, TypeKind};

/// Fields shown by `Display`, by wire name: a title first, then the first message found.
const TITLES: &[&str] = &["title"];
const MESSAGES: &[&str] = &[
    "message",
    "detail",
    "error_description",
    "error",
    "description",
];
const REQUEST_IDS: &[&str] = &["request_id", "requestId", "request-id"];

/// Finds the shared error body and drops the per-operation error enums it makes redundant.
pub(super) fn shared(groups: &mut [Group], types: &[TypeDef]) -> Option<ErrorBody> {
    let mut shared: Option<&Type> = None;
    let mut any = false;
    for op in groups.iter().flat_map(|g| &g.operations) {
        any = true;
        let errors = op.errors.as_ref()?;
        for variant in &errors.variants {
            if let Payload::Json(ty) = &variant.payload {
                match shared {
                    None => shared = Some(ty),
                    Some(seen) if seen == ty => {}
                    Some(_) => return None,
                }
            }
        }
    }
    let ty = shared.filter(|_| any)?.clone();
    let Type::Named(name) = &ty else {
        return None;
    };
    let fields = match struct_of(name, types)? {
        TypeKind::Struct(s) => &s.fields,
        _ => return None,
    };
    let text_field = |wire_names: &[&str]| {
        wire_names.iter().find_map(|wire| {
            let field = fields.iter().find(|f| f.wire == *wire)?;
            is_text(&field.ty, types).then(|| TextField {
                name: field.name.clone(),
                optional: field.is_option(),
            })
        })
    };
    let summary = [text_field(TITLES), text_field(MESSAGES)]
        .into_iter()
        .flatten()
        .collect();
    let request_id = text_field(REQUEST_IDS);
    for op in groups.iter_mut().flat_map(|g| &mut g.operations) {
        op.errors = None;
    }
    Some(ErrorBody {
        ty,
        summary,
        request_id,
    })
}

/// The definition behind a type name, following aliases.
fn struct_of<'t>(name: &str, types: &'t [TypeDef]) -> Option<&'t TypeKind> {
    let mut name = name;
    for _ in 0..16 {
        let def = types.iter().find(|def| def.name == name)?;
        match &def.kind {
            TypeKind::Alias(Type::Named(next)) => name = next,
            kind => return Some(kind),
        }
    }
    None
}

/// Whether a field's value reads well as text: a string, a UUID or an alias of one.
fn is_text(ty: &Type, types: &[TypeDef]) -> bool {
    match ty {
        Type::Scalar(Scalar::String | Scalar::Uuid) => true,
        Type::Named(name) => matches!(
            struct_of(name, types),
            Some(TypeKind::Alias(Type::Scalar(Scalar::String | Scalar::Uuid)))
        ),
        _ => false,
    }
}
