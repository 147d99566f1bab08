//! Security schemes to client credentials, and each operation's security requirement.

use openapiv3::{APIKeyLocation, ReferenceOr, SecurityRequirement, SecurityScheme as Scheme};

use super::Lowerer;
use crate::diagnostics::{escape_segment, pointer};
use crate::ir::{SchemeLocation, SecurityScheme};
use crate::names::{self, Scope};

/// Methods of the client builder that a credential setter must not take.
const BUILDER_METHODS: &[&str] = &[
    "new",
    "base_url",
    "timeout",
    "connect_timeout",
    "user_agent",
    "configure_http",
    "max_retries",
    "retry_policy",
    "total_timeout",
    "credential",
    "build",
    "build_inner",
];

/// The setter name for a scheme: `ApiKeyAuth` -> `api_key`, `bearerAuth` -> `bearer`.
fn setter_name(scheme: &str) -> String {
    let snake = names::snake(scheme);
    let bare = names::bare(&snake);
    match bare.strip_suffix("_auth") {
        Some(stem) if !stem.is_empty() => names::snake(stem),
        _ => snake,
    }
}

impl Lowerer<'_> {
    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let Some(components) = &self.spec.components else {
            return Vec::new();
        };
        let mut scope = Scope::with_reserved(BUILDER_METHODS.iter().copied());
        let mut out = Vec::new();
        for (name, scheme) in &components.security_schemes {
            let at = format!("#/components/securitySchemes/{}", escape_segment(name));
            let ReferenceOr::Item(scheme) = scheme else {
                self.warn(
                    at,
                    "a referenced security scheme is not supported; it is ignored",
                );
                continue;
            };
            let (location, doc) = match scheme {
                Scheme::APIKey {
                    location: APIKeyLocation::Header,
                    name,
                    description,
                    ..
                } => (SchemeLocation::Header(name.clone()), description),
                Scheme::APIKey {
                    location: APIKeyLocation::Query,
                    name,
                    description,
                    ..
                } => (SchemeLocation::Query(name.clone()), description),
                Scheme::APIKey {
                    location: APIKeyLocation::Cookie,
                    name,
                    description,
                    ..
                } => (SchemeLocation::Cookie(name.clone()), description),
                Scheme::HTTP {
                    scheme,
                    description,
                    ..
                } if scheme.eq_ignore_ascii_case("bearer") => (SchemeLocation::Bearer, description),
                Scheme::HTTP {
                    scheme,
                    description,
                    ..
                } if scheme.eq_ignore_ascii_case("basic") => (SchemeLocation::Basic, description),
                // An OAuth 2.0 or OpenID Connect access token is presented as a bearer token.
                Scheme::OAuth2 { description, .. } | Scheme::OpenIDConnect { description, .. } => {
                    (SchemeLocation::Bearer, description)
                }
                Scheme::HTTP { scheme, .. } => {
                    self.warn(
                        pointer(&at, &["scheme"]),
                        format!(
                            "http scheme `{scheme}` is not supported; operations that need it are generated without it (set its header through request options)"
                        ),
                    );
                    continue;
                }
            };
            out.push(SecurityScheme {
                wire: name.clone(),
                setter: scope.claim(setter_name(name)),
                location,
                doc: doc.clone(),
            });
        }
        out
    }

    fn declared_scheme(&self, name: &str) -> bool {
        self.spec
            .components
            .as_ref()
            .is_some_and(|c| c.security_schemes.contains_key(name))
    }

    /// The security alternatives of an operation, keeping only schemes the client supports. An
    /// alternative naming a scheme that is not declared is dropped.
    pub(super) fn requirement(
        &mut self,
        requirement: Option<&Vec<SecurityRequirement>>,
        schemes: &[SecurityScheme],
        at: &str,
    ) -> Vec<Vec<String>> {
        let Some(requirement) = requirement.or(self.spec.security.as_ref()) else {
            return Vec::new();
        };
        let mut alternatives = Vec::new();
        for (index, alternative) in requirement.iter().enumerate() {
            let names: Vec<String> = alternative.keys().cloned().collect();
            if let Some(unknown) = names.iter().find(|name| !self.declared_scheme(name)) {
                self.warn(
                    pointer(at, &["security", &index.to_string()]),
                    format!(
                        "security scheme `{unknown}` is not declared in `components.securitySchemes`; this alternative is ignored"
                    ),
                );
                continue;
            }
            // A declared scheme the client cannot apply (warned about where it is declared) is
            // left to the caller, who can set its header through request options; the rest of
            // the alternative still applies.
            let supported: Vec<String> = names
                .into_iter()
                .filter(|name| schemes.iter().any(|s| &s.wire == name))
                .collect();
            if !alternatives.contains(&supported) {
                alternatives.push(supported);
            }
        }
        alternatives
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn setter_names() {
        for (scheme, setter) in [
            ("ApiKeyAuth", "api_key"),
            ("APIKeyAuth", "api_key"),
            ("TokenAuth", "token"),
            ("bearerAuth", "bearer"),
            ("api_key", "api_key"),
            ("Auth", "auth"),
            ("oauth2", "oauth2"),
        ] {
            assert_eq!(super::setter_name(scheme), setter, "{scheme}");
        }
    }
}
