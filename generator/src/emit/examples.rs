//! A test for a standalone crate that decodes each example the document gives for a component
//! schema into the type generated for it: a check, on real data, that the types accept what the
//! API sends (as far as the document's examples are right).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::Context;
use crate::ir::{Api, Scalar, Type, TypeKind};

/// Examples per test function, so that no function grows without bound.
const PER_TEST: usize = 200;

/// The test file (`tests/examples.rs`) for the crate whose library is `library`, or `None` when
/// the document has no examples of decodable types. Each test prints, on standard error,
/// `examples: N checked, M rejected` and a `rejected: Type: error` line per rejection, and fails
/// if any was rejected.
pub fn test_file(api: &Api, library: &str) -> Option<TokenStream> {
    let ctx = Context::new(api);
    let library = format_ident!("{}", library);
    let checks: Vec<TokenStream> = api
        .examples
        .iter()
        .filter(|(name, _)| decodable(&ctx, &Type::Named(name.clone())))
        .map(|(name, example)| {
            let ty = super::ident(name);
            let json = Literal::string(&example.to_string());
            quote! { check::<#library::types::#ty>(#name, #json, &mut counts); }
        })
        .collect();
    if checks.is_empty() {
        return None;
    }
    let tests = checks.chunks(PER_TEST).enumerate().map(|(index, chunk)| {
        let test = format_ident!("examples_{}", index);
        quote! {
            #[test]
            fn #test() {
                let mut counts = Counts::default();
                #(#chunk)*
                counts.finish();
            }
        }
    });
    Some(quote! {
        //! Each example the API description gives for a schema, decoded into the type generated
        //! for it.

        /// Examples checked and rejected by one test.
        #[derive(Debug, Default)]
        struct Counts {
            checked: usize,
            rejected: Vec<String>,
        }

        impl Counts {
            fn finish(self) {
                eprintln!("examples: {} checked, {} rejected", self.checked, self.rejected.len());
                for rejection in &self.rejected {
                    eprintln!("rejected: {rejection}");
                }
                assert!(self.rejected.is_empty(), "{} examples rejected", self.rejected.len());
            }
        }

        fn check<T: ::serde::de::DeserializeOwned>(name: &str, json: &str, counts: &mut Counts) {
            counts.checked += 1;
            if let ::std::result::Result::Err(error) = ::serde_json::from_str::<T>(json) {
                counts.rejected.push(format!("{name}: {error}"));
            }
        }

        #(#tests)*
    })
}

/// Whether values of the type can be decoded: not a multipart form or a part of one.
fn decodable(ctx: &Context<'_>, ty: &Type) -> bool {
    match ty {
        Type::Scalar(scalar) => !matches!(scalar, Scalar::File | Scalar::Multipart | Scalar::Bytes),
        Type::Named(name) => match ctx.kind(name) {
            Some(TypeKind::Form(_)) | None => false,
            Some(TypeKind::Alias(inner)) => decodable(ctx, inner),
            Some(_) => true,
        },
        Type::List(inner) | Type::Map(inner) | Type::Option(inner) | Type::Boxed(inner) => {
            decodable(ctx, inner)
        }
    }
}
