//! Credentials: the redacting [`Secret`] wrapper, security scheme descriptions
//! and the choice of which credentials satisfy an operation's requirements.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderName, HeaderValue};
use url::{Host, Url};

use super::error::Error;
use super::token::{Credential, TokenProvider};

/// A credential (API key or access token) that never shows up in `Debug`
/// output or error messages.
///
/// `Secret` has no `Display` implementation. Converting it into a
/// [`String`] with `String::from(secret)` is the explicit way to take the
/// value out, e.g. to hand a freshly minted access token to another party.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The wrapped value, for the places that must send it on (an access token handed to an
    /// untrusted client). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<Secret> for String {
    fn from(secret: Secret) -> Self {
        secret.0
    }
}

/// One security scheme of the API description (`components.securitySchemes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The scheme's name in the API description, e.g. `APIKeyAuth`.
    pub name: &'static str,
    /// Where the credential goes in a request.
    pub location: SchemeLocation,
}

/// Where a security scheme puts its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeLocation {
    /// In the named header, verbatim.
    Header(&'static str),
    /// In the named query parameter.
    Query(&'static str),
    /// In the named cookie, added to the request's `Cookie` header.
    Cookie(&'static str),
    /// In `Authorization: Bearer <credential>`.
    Bearer,
    /// In `Authorization: Basic <base64 of the credential>`; the credential
    /// is `user:password`.
    Basic,
}

/// The credentials configured on a client, keyed by scheme name: fixed
/// secrets or access-token providers.
#[derive(Clone, Default)]
pub(crate) struct Credentials(Vec<(&'static str, Credential)>);

impl Credentials {
    /// Sets the credential for `scheme`, replacing an earlier one.
    pub(crate) fn set(&mut self, scheme: &'static str, credential: impl Into<Credential>) {
        let credential = credential.into();
        match self.0.iter_mut().find(|(name, _)| *name == scheme) {
            Some(slot) => slot.1 = credential,
            None => self.0.push((scheme, credential)),
        }
    }

    fn get(&self, scheme: &str) -> Option<&Credential> {
        self.0
            .iter()
            .find(|(name, _)| *name == scheme)
            .map(|(_, s)| s)
    }

    /// The configured scheme names, for `Debug` output.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|(name, _)| *name).collect()
    }

    /// Picks the credentials for an operation: the first alternative whose
    /// schemes all have a credential; failing that, none if the operation
    /// allows anonymous access.
    pub(crate) fn select<'a>(
        &'a self,
        schemes: &'static [SecurityScheme],
        security: &'static [&'static [&'static str]],
    ) -> Result<Vec<(SchemeLocation, &'a Credential)>, Error> {
        let chosen = self.select_schemes(schemes, security)?;
        Ok(chosen
            .into_iter()
            .map(|(scheme, credential)| (scheme.location, credential))
            .collect())
    }

    /// [`select`](Self::select), with the chosen schemes.
    pub(crate) fn select_schemes<'a>(
        &'a self,
        schemes: &'static [SecurityScheme],
        security: &'static [&'static [&'static str]],
    ) -> Result<Vec<(&'static SecurityScheme, &'a Credential)>, Error> {
        for alternative in security.iter().filter(|alt| !alt.is_empty()) {
            let chosen: Option<Vec<_>> = alternative
                .iter()
                .map(|name| {
                    let scheme = schemes.iter().find(|s| s.name == *name)?;
                    Some((scheme, self.get(name)?))
                })
                .collect();
            if let Some(chosen) = chosen {
                return Ok(chosen);
            }
        }
        if security.is_empty() || security.iter().any(|alt| alt.is_empty()) {
            return Ok(Vec::new());
        }
        Err(Error::MissingCredentials {
            required: describe(security),
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Describes a security requirement, e.g. `TokenAuth or APIKeyAuth`.
fn describe(security: &[&[&str]]) -> String {
    let several = security.len() > 1;
    security
        .iter()
        .map(|alt| match alt {
            [one] => (*one).to_owned(),
            many if several => format!("({})", many.join(" and ")),
            many => many.join(" and "),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether `host` is certainly this machine: `localhost`, `127.0.0.0/8`
/// or `::1`.
pub(crate) fn is_loopback(host: Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
    }
}

/// Refuses to put credentials on a plain-http request to another machine.
pub(crate) fn check_transport(url: &Url) -> Result<(), Error> {
    if url.scheme() == "https" || url.host().is_some_and(is_loopback) {
        return Ok(());
    }
    Err(Error::InsecureTransport {
        host: url.host_str().unwrap_or_default().to_owned(),
    })
}

/// A credential ready to be attached to a request.
pub(crate) enum Applied {
    Header(HeaderName, HeaderValue),
    Query(&'static str, String),
    /// A cookie for the `Cookie` header: name and value.
    Cookie(&'static str, String),
}

/// Turns a chosen credential into the header or query parameter carrying it.
pub(crate) fn apply(location: SchemeLocation, secret: &Secret) -> Result<Applied, Error> {
    let (name, value) = match location {
        SchemeLocation::Query(name) => return Ok(Applied::Query(name, secret.expose().to_owned())),
        SchemeLocation::Cookie(name) => {
            // RFC 6265: a name is a token; a value is visible ASCII without `"`, `,`, `;`, `\`.
            let token = |c: char| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?={}".contains(c);
            let octet = |c: char| c.is_ascii_graphic() && !matches!(c, '"' | ',' | ';' | '\\');
            if name.is_empty() || !name.chars().all(token) || !secret.expose().chars().all(octet) {
                return Err(Error::InvalidHeader {
                    name: format!("cookie {name}"),
                });
            }
            return Ok(Applied::Cookie(name, secret.expose().to_owned()));
        }
        SchemeLocation::Header(name) => (name, secret.expose().to_owned()),
        SchemeLocation::Bearer => (
            AUTHORIZATION.as_str(),
            format!("Bearer {}", secret.expose()),
        ),
        SchemeLocation::Basic => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(secret.expose());
            (AUTHORIZATION.as_str(), format!("Basic {encoded}"))
        }
    };
    let invalid = || Error::InvalidHeader {
        name: name.to_owned(),
    };
    let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let mut value = HeaderValue::from_str(&value).map_err(|_| invalid())?;
    value.set_sensitive(true);
    Ok(Applied::Header(header, value))
}

/// The `Cookie` header of a request: the cookies it already has (set through request options),
/// then the credentials' cookies, which replace any of the same name.
/// Applies every selected credential to a request's URL and headers: header credentials set,
/// query credentials appended, cookie credentials joined into the `Cookie` header. The access
/// tokens taken from providers are noted in `tokens`, so that a `401` can refresh them.
pub(crate) async fn apply_all<'c>(
    credentials: &[(SchemeLocation, &'c Credential)],
    url: &mut Url,
    headers: &mut HeaderMap,
    tokens: &mut Vec<(&'c TokenProvider, Secret)>,
) -> Result<(), Error> {
    let mut query = Vec::new();
    let mut cookies = Vec::new();
    for &(location, credential) in credentials {
        let applied = match credential {
            Credential::Fixed(secret) => apply(location, secret)?,
            Credential::Provider(provider) => {
                let token = provider.token().await?;
                let applied = apply(location, &token)?;
                tokens.push((provider, token));
                applied
            }
        };
        match applied {
            Applied::Header(name, value) => {
                headers.insert(name, value);
            }
            Applied::Query(name, value) => query.push((name, value)),
            Applied::Cookie(name, value) => cookies.push((name, value)),
        }
    }
    if !cookies.is_empty() {
        let value = cookie_header(headers, &cookies)?;
        headers.insert(COOKIE, value);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(&query);
    }
    Ok(())
}

pub(crate) fn cookie_header(
    existing: &HeaderMap,
    credentials: &[(&'static str, String)],
) -> Result<HeaderValue, Error> {
    let invalid = || Error::InvalidHeader {
        name: COOKIE.as_str().to_owned(),
    };
    let mut pairs: Vec<String> = Vec::new();
    for value in existing.get_all(COOKIE) {
        let value = value.to_str().map_err(|_| invalid())?;
        for pair in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name).trim();
            if !credentials.iter().any(|(own, _)| *own == name) {
                pairs.push(pair.to_owned());
            }
        }
    }
    pairs.extend(
        credentials
            .iter()
            .map(|(name, value)| format!("{name}={value}")),
    );
    let mut value = HeaderValue::from_str(&pairs.join("; ")).map_err(|_| invalid())?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            name: "TokenAuth",
            location: SchemeLocation::Bearer,
        },
        SecurityScheme {
            name: "APIKeyAuth",
            location: SchemeLocation::Header("X-API-Key"),
        },
        SecurityScheme {
            name: "QueryKey",
            location: SchemeLocation::Query("api_key"),
        },
    ];

    fn creds(pairs: &[(&'static str, &str)]) -> Credentials {
        let mut c = Credentials::default();
        for (name, value) in pairs {
            c.set(name, Secret::from(*value));
        }
        c
    }

    fn locations(
        result: Result<Vec<(SchemeLocation, &Credential)>, Error>,
    ) -> Vec<(SchemeLocation, String)> {
        let shown = |c: &Credential| match c {
            Credential::Fixed(s) => s.expose().to_owned(),
            Credential::Provider(_) => "provider".to_owned(),
        };
        match result {
            Ok(v) => v.into_iter().map(|(l, c)| (l, shown(c))).collect(),
            Err(e) => vec![(SchemeLocation::Basic, format!("error: {e}"))],
        }
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("sk_live_123");
        assert_eq!(format!("{s:?}"), "Secret(\"***\")");
        assert_eq!(
            format!("{:?}", creds(&[("TokenAuth", "tok_abc")])),
            "[\"TokenAuth\"]"
        );
        assert_eq!(String::from(s), "sk_live_123");
    }

    #[test]
    fn secret_serde_is_transparent() {
        let s: Result<Secret, _> = serde_json::from_str("\"tok\"");
        assert_eq!(
            s.map(|s| s.expose().to_owned()).ok().as_deref(),
            Some("tok")
        );
        assert_eq!(
            serde_json::to_string(&Secret::new("x")).ok().as_deref(),
            Some("\"x\"")
        );
    }

    #[test]
    fn first_satisfied_alternative_wins() {
        let both = creds(&[("APIKeyAuth", "key"), ("TokenAuth", "tok")]);
        let security: &[&[&str]] = &[&["TokenAuth"], &["APIKeyAuth"]];
        assert_eq!(
            locations(both.select(SCHEMES, security)),
            vec![(SchemeLocation::Bearer, "tok".to_owned())]
        );
        let key_only = creds(&[("APIKeyAuth", "key")]);
        assert_eq!(
            locations(key_only.select(SCHEMES, security)),
            vec![(SchemeLocation::Header("X-API-Key"), "key".to_owned())]
        );
    }

    #[test]
    fn and_requirements_need_every_scheme() {
        let security: &[&[&str]] = &[&["TokenAuth", "QueryKey"]];
        let partial = creds(&[("TokenAuth", "tok")]);
        assert!(matches!(
            partial.select(SCHEMES, security),
            Err(Error::MissingCredentials { required }) if required == "TokenAuth and QueryKey"
        ));
        let full = creds(&[("TokenAuth", "tok"), ("QueryKey", "q")]);
        assert_eq!(locations(full.select(SCHEMES, security)).len(), 2);
    }

    #[test]
    fn missing_credentials_lists_alternatives() {
        let security: &[&[&str]] = &[&["TokenAuth"], &["APIKeyAuth", "QueryKey"]];
        let none = Credentials::default();
        let result = none.select(SCHEMES, security);
        assert!(matches!(
            result,
            Err(Error::MissingCredentials { required })
                if required == "TokenAuth or (APIKeyAuth and QueryKey)"
        ));
    }

    #[test]
    fn anonymous_allowed_when_listed_or_no_security() {
        let none = Credentials::default();
        assert!(locations(none.select(SCHEMES, &[])).is_empty());
        let optional: &[&[&str]] = &[&[], &["TokenAuth"]];
        assert!(locations(none.select(SCHEMES, optional)).is_empty());
        // A satisfiable non-empty alternative is preferred over anonymous access.
        let tok = creds(&[("TokenAuth", "tok")]);
        assert_eq!(locations(tok.select(SCHEMES, optional)).len(), 1);
    }

    #[test]
    fn unknown_scheme_is_never_satisfied() {
        let c = creds(&[("Other", "x")]);
        assert!(c.select(SCHEMES, &[&["Other"]]).is_err());
    }

    #[test]
    fn later_credential_replaces_earlier() {
        let c = creds(&[("TokenAuth", "old"), ("TokenAuth", "new")]);
        assert_eq!(locations(c.select(SCHEMES, &[&["TokenAuth"]]))[0].1, "new");
    }

    #[test]
    fn apply_builds_sensitive_headers() {
        let basic = apply(SchemeLocation::Basic, &Secret::new("user:pass"));
        match basic {
            Ok(Applied::Header(name, value)) => {
                assert_eq!(name, AUTHORIZATION);
                assert_eq!(value, "Basic dXNlcjpwYXNz");
                assert!(value.is_sensitive());
            }
            _ => panic!("expected a header"),
        }
        match apply(SchemeLocation::Header("X-API-Key"), &Secret::new("k")) {
            Ok(Applied::Header(name, value)) => {
                assert_eq!((name.as_str(), value.is_sensitive()), ("x-api-key", true))
            }
            _ => panic!("expected a header"),
        }
        assert!(matches!(
            apply(SchemeLocation::Bearer, &Secret::new("bad\nvalue")),
            Err(Error::InvalidHeader { name }) if name == "authorization"
        ));
    }

    #[test]
    fn loopback_detection() {
        let check = |u: &str| {
            Url::parse(u)
                .map_err(|_| ())
                .and_then(|u| check_transport(&u).map_err(|_| ()))
        };
        assert!(check("http://127.0.0.1:8080").is_ok());
        assert!(check("http://127.9.9.9").is_ok());
        assert!(check("http://LOCALHOST/x").is_ok());
        assert!(check("http://[::1]:3000").is_ok());
        assert!(check("https://example.com").is_ok());
        assert!(check("http://example.com").is_err());
        assert!(check("http://10.0.0.1").is_err());
        assert!(check("http://localhost.example.com").is_err());
    }

    #[test]
    fn cookie_credentials_replace_cookies_of_the_same_name() {
        let mut existing = HeaderMap::new();
        existing.append(COOKIE, HeaderValue::from_static("theme=dark; sid=old"));
        existing.append(COOKIE, HeaderValue::from_static("lang=en"));
        let value = cookie_header(&existing, &[("sid", "new".to_owned())]).expect("valid");
        assert_eq!(value, "theme=dark; lang=en; sid=new");
        assert!(value.is_sensitive());
    }

    #[test]
    fn unusable_cookies_are_errors() {
        let mut existing = HeaderMap::new();
        existing.insert(
            COOKIE,
            HeaderValue::from_bytes(b"a=\xff").expect("opaque bytes"),
        );
        assert!(matches!(
            cookie_header(&existing, &[("sid", "s".to_owned())]),
            Err(Error::InvalidHeader { name }) if name == "cookie"
        ));
        for (name, value) in [("sid", "a b"), ("sid", "a;b"), ("s;d", "a"), ("", "a")] {
            let scheme = SchemeLocation::Cookie(name);
            assert!(
                matches!(
                    apply(scheme, &Secret::new(value)),
                    Err(Error::InvalidHeader { .. })
                ),
                "{name}={value}"
            );
        }
        assert!(matches!(
            apply(SchemeLocation::Cookie("sid"), &Secret::new("a-b.c_1")),
            Ok(Applied::Cookie("sid", value)) if value == "a-b.c_1"
        ));
    }
}
