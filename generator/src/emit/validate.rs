//! `validate()` on the types and the checks a request makes before it is sent: the bounds a
//! schema declares (`minimum`, `maxLength`, `maxItems`, ...) and the values a number enum lists,
//! here and in nested values.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Context, ident};
use crate::ir::{Bounds, Scalar, Struct, Tagged, Type, TypeKind, Untagged};

/// Whether values of `ty` have a `validate` method.
fn validates(ctx: &Context<'_>, ty: &Type) -> bool {
    match ctx.canonical(ty) {
        Type::Named(name) => matches!(
            ctx.kind(&name),
            Some(
                TypeKind::Struct(_)
                    | TypeKind::Form(_)
                    | TypeKind::Tagged(_)
                    | TypeKind::Untagged(_)
            )
        ),
        Type::Boxed(inner) | Type::Option(inner) | Type::List(inner) | Type::Map(inner) => {
            validates(ctx, &inner)
        }
        Type::Scalar(_) => false,
    }
}

fn option(value: Option<impl quote::ToTokens>) -> TokenStream {
    match value {
        Some(value) => quote!(::std::option::Option::Some(#value)),
        None => quote!(::std::option::Option::None),
    }
}

/// The checks of one value, bound to `value` (a reference), named `path` in errors.
pub(super) fn checks(ctx: &Context<'_>, ty: &Type, bounds: &Bounds, path: &str) -> TokenStream {
    let mut out = Vec::new();
    let canonical = ctx.canonical(ty);
    let number = matches!(
        canonical,
        Type::Scalar(Scalar::I32 | Scalar::I64 | Scalar::U32 | Scalar::U64 | Scalar::F64)
    );
    if number && (bounds.minimum.is_some() || bounds.maximum.is_some()) {
        let (min, max) = (option(bounds.minimum), option(bounds.maximum));
        let (exclusive_min, exclusive_max) = (bounds.exclusive_minimum, bounds.exclusive_maximum);
        let as_f64 = if canonical == Type::Scalar(Scalar::F64) {
            quote!(*value)
        } else {
            quote!(*value as f64)
        };
        out.push(quote! {
            crate::runtime::check_number(#path, #as_f64, #min, #max, #exclusive_min, #exclusive_max)?;
        });
    }
    if canonical == Type::Scalar(Scalar::String)
        && (bounds.min_length.is_some() || bounds.max_length.is_some())
    {
        let (min, max) = (option(bounds.min_length), option(bounds.max_length));
        out.push(
            quote! { crate::runtime::check_length(#path, value.chars().count(), #min, #max)?; },
        );
    }
    if matches!(canonical, Type::List(_))
        && (bounds.min_items.is_some() || bounds.max_items.is_some())
    {
        let (min, max) = (option(bounds.min_items), option(bounds.max_items));
        out.push(quote! { crate::runtime::check_items(#path, value.len(), #min, #max)?; });
    }
    out.push(known(ctx, ty, path));
    if validates(ctx, ty) {
        out.push(nested(ctx, ty));
    }
    quote!(#(#out)*)
}

/// The check that number enum values in `value` are values the schema lists.
fn known(ctx: &Context<'_>, ty: &Type, path: &str) -> TokenStream {
    let wrap = |inner: TokenStream, step: fn(TokenStream) -> TokenStream| {
        if inner.is_empty() { inner } else { step(inner) }
    };
    match ctx.canonical(ty) {
        Type::Named(name) => match ctx.kind(&name) {
            Some(TypeKind::NumberEnum(e)) => {
                let allowed = e
                    .variants
                    .iter()
                    .map(|v| super::types::number_text(e, &v.value))
                    .collect::<Vec<_>>()
                    .join(", ");
                quote! { crate::runtime::check_known(#path, value.is_known(), value, #allowed)?; }
            }
            _ => TokenStream::new(),
        },
        Type::Boxed(inner) => known(ctx, &inner, path),
        Type::Option(inner) => wrap(known(ctx, &inner, path), |inner| {
            quote! { if let ::std::option::Option::Some(value) = value { #inner } }
        }),
        Type::List(inner) => wrap(known(ctx, &inner, path), |inner| {
            quote! { for value in value { #inner } }
        }),
        Type::Map(inner) => wrap(known(ctx, &inner, path), |inner| {
            quote! { for value in value.values() { #inner } }
        }),
        Type::Scalar(_) => TokenStream::new(),
    }
}

/// Validation of the values nested in `value`.
fn nested(ctx: &Context<'_>, ty: &Type) -> TokenStream {
    match ctx.canonical(ty) {
        Type::Named(_) => quote! { value.validate()?; },
        Type::Boxed(inner) => nested(ctx, &inner),
        Type::Option(inner) => {
            let inner = nested(ctx, &inner);
            if inner.is_empty() {
                return inner;
            }
            quote! { if let ::std::option::Option::Some(value) = value { #inner } }
        }
        Type::List(inner) => {
            let inner = nested(ctx, &inner);
            if inner.is_empty() {
                return inner;
            }
            quote! { for value in value { #inner } }
        }
        Type::Map(inner) => {
            let inner = nested(ctx, &inner);
            if inner.is_empty() {
                return inner;
            }
            quote! { for value in value.values() { #inner } }
        }
        Type::Scalar(_) => TokenStream::new(),
    }
}

/// `validate` for a struct or form.
pub(super) fn for_struct(ctx: &Context<'_>, type_name: &str, s: &Struct) -> TokenStream {
    let steps = s.fields.iter().filter_map(|field| {
        let path = format!("{type_name}.{}", field.wire);
        let checks = checks(ctx, &field.ty, &field.bounds, &path);
        if checks.is_empty() {
            return None;
        }
        let name = ident(&field.name);
        Some(if field.is_option() {
            quote! { if let ::std::option::Option::Some(value) = &self.#name { #checks } }
        } else {
            quote! { { let value = &self.#name; #checks } }
        })
    });
    quote! {
        /// Checks the bounds the schema declares (minimum, maximum, lengths, item counts) and the
        /// values its number enums list, here and in nested values; requests check their bodies
        /// this way before they are sent.
        pub fn validate(&self) -> ::std::result::Result<(), crate::Error> {
            #(#steps)*
            ::std::result::Result::Ok(())
        }
    }
}

/// `validate` for a tagged union: the variant's payload.
pub(super) fn for_tagged(ctx: &Context<'_>, t: &Tagged) -> TokenStream {
    let arms = t.variants.iter().filter_map(|v| {
        let ty = v.ty.as_ref().filter(|ty| validates(ctx, ty))?;
        let variant = ident(&v.name);
        Some((quote!(Self::#variant(value)), nested(ctx, ty)))
    });
    union_validate(arms.collect())
}

/// `validate` for an untagged union: the variant's payload.
pub(super) fn for_untagged(ctx: &Context<'_>, u: &Untagged) -> TokenStream {
    let arms = u
        .variants
        .iter()
        .filter(|v| validates(ctx, &v.ty))
        .map(|v| {
            let variant = ident(&v.name);
            (quote!(Self::#variant(value)), nested(ctx, &v.ty))
        });
    union_validate(arms.collect())
}

fn union_validate(arms: Vec<(TokenStream, TokenStream)>) -> TokenStream {
    let body = match arms.as_slice() {
        [] => quote!(::std::result::Result::Ok(())),
        [(pattern, check)] => quote! {
            if let #pattern = self {
                #check
            }
            ::std::result::Result::Ok(())
        },
        _ => {
            let arms = arms
                .iter()
                .map(|(pattern, check)| quote! { #pattern => { #check } });
            quote! {
                match self {
                    #(#arms)*
                    _ => {}
                }
                ::std::result::Result::Ok(())
            }
        }
    };
    quote! {
        /// Checks the bounds the schema declares in the variant's value.
        pub fn validate(&self) -> ::std::result::Result<(), crate::Error> {
            #body
        }
    }
}

/// Whether a request must validate its body of type `ty` before sending it.
pub(super) fn body_validates(ctx: &Context<'_>, ty: &Type) -> bool {
    validates(ctx, ty)
}
