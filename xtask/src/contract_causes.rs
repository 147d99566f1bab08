//! Whose fault a failure of a contract run is, and its cause, read from Prism's reasons.
//!
//! A request Prism rejects, a response the client cannot decode although Prism found it valid,
//! a route Prism cannot resolve: the generator's. A response Prism flags was built by Prism from
//! the document (its example, or its schema), so the document contradicts itself there; a
//! response the client cannot decode is the document's only when Prism flagged that same
//! response. An operation without a success response, a response Prism cannot build and a
//! document Prism refuses to load are the document's too. Every other failure is the
//! generator's: nothing is excused without Prism's evidence.

use serde::Serialize;
use serde_json::Value;

use crate::contract::VersionResult;

/// Who a failure is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// The generated client sent or read something the document does not allow.
    Generator,
    /// The document contradicts itself, or Prism cannot serve it.
    Spec,
}

/// What kind of failure a call had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Prism rejected the request.
    Rejected,
    /// Prism flagged its own response.
    Flagged,
    /// The client could not decode the response.
    Undecodable,
    /// Anything else: the call failed, or the operation was not generated.
    Failed,
}

/// One failure with its owner and cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The failure's kind.
    pub kind: Kind,
    /// The operation.
    pub operation: String,
    /// Who it is attributed to.
    pub owner: Owner,
    /// The cause, without the specifics of the call (for grouping).
    pub cause: String,
    /// Prism's reason, or the client's error.
    pub reason: String,
}

/// Every failure of a run, attributed. `document` is the document Prism served, to look up
/// the responses an operation declares.
pub fn classify(result: &VersionResult, document: Option<&Value>) -> Vec<Failure> {
    let mut out = Vec::new();
    let flagged: Vec<&str> = result.flagged.iter().map(|(op, _)| op.as_str()).collect();
    for (operation, reason) in &result.rejected {
        let route = result.routes.get(operation).map(String::as_str);
        let (owner, cause) = rejected(reason, route, document);
        out.push(failure(Kind::Rejected, operation, owner, cause, reason));
    }
    for (operation, reason) in &result.flagged {
        let (owner, cause) = flagged_response(reason);
        out.push(failure(Kind::Flagged, operation, owner, cause, reason));
    }
    for (operation, reason) in &result.undecodable {
        let (owner, cause) = if flagged.contains(&operation.as_str()) {
            (
                Owner::Spec,
                "response not decoded: Prism's answer violates the document".to_owned(),
            )
        } else {
            (Owner::Generator, undecodable(reason))
        };
        out.push(failure(Kind::Undecodable, operation, owner, cause, reason));
    }
    for (operation, reason) in &result.failed {
        let (owner, cause) = other(reason);
        out.push(failure(Kind::Failed, operation, owner, cause, reason));
    }
    out
}

fn failure(kind: Kind, operation: &str, owner: Owner, cause: String, reason: &str) -> Failure {
    Failure {
        kind,
        operation: operation.to_owned(),
        owner,
        cause,
        reason: reason.chars().take(400).collect(),
    }
}

/// A rejected request: Prism's violations (`request.query.limit Request query parameter limit
/// must be integer`), or the client's report of Prism's answer when it logged none.
pub fn rejected(reason: &str, route: Option<&str>, document: Option<&Value>) -> (Owner, String) {
    let first = reason.split("; ").next().unwrap_or(reason);
    if let Some(rest) = first.strip_prefix("request") {
        // OpenAPI ignores a header parameter named Accept, Content-Type or Authorization
        // (the media types and the security schemes say those); a document that requires one
        // asks for what a client following it does not send.
        if let Some(header) = ["accept", "content-type", "authorization"]
            .into_iter()
            .find(|header| rest.contains(&format!("header must have required property '{header}'")))
        {
            return (
                Owner::Spec,
                format!(
                    "the document requires a `{header}` header parameter, which OpenAPI ignores"
                ),
            );
        }
        return (Owner::Generator, request_violation(rest));
    }
    // No violation logged: the client's outcome carries Prism's answer.
    if reason.contains("NO_PATH_MATCHED") || reason.contains("NO_METHOD_MATCHED") {
        // A path written with a fragment (`/#Action=Describe`, as the directory's AWS documents
        // tell operations on one path apart) is a path no request can carry: a client sends
        // `/`, and Prism routes by the path as written.
        if route.is_some_and(|route| route.contains('#')) {
            return (
                Owner::Spec,
                "the document's path carries a fragment, which no request carries".to_owned(),
            );
        }
        return (Owner::Generator, "route not resolved by Prism".to_owned());
    }
    if reason.contains("NOT_ACCEPTABLE") {
        return (
            Owner::Generator,
            "accept header matches no response media type".to_owned(),
        );
    }
    if reason.contains("SCHEMA_TOO_COMPLEX") {
        return (
            Owner::Spec,
            "Prism cannot build a response: schema too complex".to_owned(),
        );
    }
    if reason.contains("NO_RESPONSE_RESPONSE_DEFINED") || reason.contains("NO_RESPONSE_DEFINED") {
        return (Owner::Spec, "the operation declares no response".to_owned());
    }
    // Prism's answers to a request it found wrong, when it logged no violation with them.
    for (code, cause) in [
        (
            "UNPROCESSABLE_ENTITY",
            "request invalid, without a logged violation",
        ),
        ("UNAUTHORIZED", "credentials"),
        ("INVALID_CONTENT_TYPE", "body media type"),
    ] {
        if reason.contains(code) {
            return (Owner::Generator, cause.to_owned());
        }
    }
    if reason.contains("Request terminated with error") || status(reason) == Some(500) {
        return (Owner::Spec, "Prism cannot build a response".to_owned());
    }
    if let (Some(route), Some(document)) = (route, document)
        && !declares_success(document, route)
    {
        return (
            Owner::Spec,
            "the operation declares no success response; Prism answered with another".to_owned(),
        );
    }
    (
        Owner::Generator,
        format!(
            "rejected with status {} without a logged violation",
            status(reason).map_or_else(|| "?".to_owned(), |s| s.to_string())
        ),
    )
}

/// The cause of one request violation, given after `request`: `.query.limit Request query
/// parameter limit must be integer`, `.body.name Request body property name must match
/// format "email"`, ` Invalid security scheme used`.
fn request_violation(rest: &str) -> String {
    let (location, message) = match rest.strip_prefix('.') {
        Some(located) => located.split_once(' ').unwrap_or((located, "")),
        None => {
            // The mock's own account names the place in words: `Request query parameter x ...`.
            let message = rest.trim();
            let location = [
                ("Request query", "query"),
                ("Request path", "path"),
                ("Request header", "header"),
                ("Request cookie", "cookie"),
                ("Request body", "body"),
            ]
            .into_iter()
            .find_map(|(words, place)| message.starts_with(words).then_some(place))
            .unwrap_or_default();
            (location, message)
        }
    };
    let place = location.split('.').next().unwrap_or_default();
    let place = match place {
        "query" | "path" | "header" | "cookie" => format!("{place} parameter"),
        "body" => "request body".to_owned(),
        _ if message.contains("security") => return "credentials".to_owned(),
        _ if message.contains("Supported content types")
            || message.contains("No supported content types") =>
        {
            return "body media type".to_owned();
        }
        _ if message.contains("Body parameter is required") => {
            return "required request body not sent".to_owned();
        }
        _ => "request".to_owned(),
    };
    let what = if message.contains("must match format") {
        "format"
    } else if message.contains("must match pattern") {
        "pattern"
    } else if message.contains("must have required property") {
        "required property or parameter missing"
    } else if message.contains("must NOT have additional properties") {
        "property the schema does not allow"
    } else if message.contains("must be equal to one of the allowed values") {
        "value outside the enum"
    } else if message.contains("must be ") && !message.contains("must be equal") {
        // `must be integer`, `must be array`, `must be >= 1`: type, style or bound.
        if message.contains(">") || message.contains("<") || message.contains("multiple") {
            "value outside its bounds"
        } else {
            "type or serialization style"
        }
    } else if message.contains("must NOT have fewer")
        || message.contains("must NOT have more")
        || message.contains("must NOT be")
    {
        "length or item count"
    } else if message.contains("must match exactly one schema")
        || message.contains("must match a schema in anyOf")
    {
        "union member"
    } else if message.contains("deserialize") || message.contains("Reserved characters") {
        "form encoding"
    } else {
        "other"
    };
    format!("{place}: {what}")
}

/// A response Prism flagged: Prism built it from the document, so the document contradicts
/// itself, except for a media type the request's accept header chose.
pub fn flagged_response(reason: &str) -> (Owner, String) {
    let first = reason.split("; ").next().unwrap_or(reason);
    let cause = if first.contains("media type") {
        "response media type differs from the document's"
    } else if first.contains("Unable to match the returned status code") {
        "Prism answered a status the document does not declare"
    } else if first.starts_with("response.header") {
        "response header Prism built violates its schema"
    } else if first.contains("must match format") {
        "response example or generated value violates a format"
    } else if first.contains("must match pattern") {
        "response example or generated value violates a pattern"
    } else {
        "response example or generated value violates its schema"
    };
    (Owner::Spec, cause.to_owned())
}

/// A response the client could not decode although Prism found it valid.
fn undecodable(reason: &str) -> String {
    let what = if reason.contains("the stream carried no event") {
        "event stream without events"
    } else if reason.contains("missing field") {
        "a field the type requires is missing"
    } else if reason.contains("invalid type") {
        "a value of another type"
    } else if reason.contains("unknown variant") || reason.contains("did not match any variant") {
        "no variant matched"
    } else if reason.contains("invalid value") || reason.contains("premature end") {
        "invalid value"
    } else {
        "other"
    };
    format!("response not decoded: {what}")
}

/// A call that failed otherwise, or an operation not generated.
fn other(reason: &str) -> (Owner, String) {
    if reason.starts_with("Skipped") {
        (Owner::Generator, "operation not generated".to_owned())
    } else if reason == "no request reached the server" {
        (Owner::Generator, "no request reached the server".to_owned())
    } else if reason.contains("invalid `") || reason.contains("Validation") {
        (
            Owner::Generator,
            "the client refused its own sample arguments".to_owned(),
        )
    } else {
        (
            Owner::Generator,
            format!("call failed: {}", crate::corpus::cause_of(reason)),
        )
    }
}

/// The status of a `Rejected { status: 404, body: ... }` outcome.
fn status(reason: &str) -> Option<u16> {
    let rest = reason.split_once("status: ")?.1;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Whether the operation at `route` (`GET /pets/{id}`) declares a success (2xx) response, or a
/// `default` one Prism may answer with.
pub fn declares_success(document: &Value, route: &str) -> bool {
    let Some((method, path)) = route.split_once(' ') else {
        return true;
    };
    let Some(responses) = document
        .get("paths")
        .and_then(|paths| paths.get(path))
        .and_then(|item| item.get(method.to_lowercase()))
        .and_then(|operation| operation.get("responses"))
        .and_then(Value::as_object)
    else {
        return true;
    };
    responses
        .keys()
        .any(|code| code.starts_with('2') || code == "default")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::read_report;

    /// A report of the contract example and Prism's log for it, as they are written.
    const REPORT: &str = "listPets\tGET /pets\t0\tRejected { status: 422, body: \"{}\" }\n\
        getPet\tGET /pets/{id}\t0\tUndecodable(\"missing field `name`\")\n\
        addPet\tPOST /pets\t0\tUndecodable(\"missing field `name`\")\n\
        login\tPOST /login\t0\tRejected { status: 401, body: \"{}\" }\n\
        health\tGET /health\t0\tRejected { status: 400, body: \"{\\\"message\\\": \\\"bad\\\"}\" }\n\
        gone\tGET /gone\t0\tRejected { status: 404, body: \"{\\\"type\\\":\\\"https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR\\\"}\" }\n\
        stats\tGET /stats\t1\tOk\n";

    const LOG: &str = "\
[6:04:57 PM] › [HTTP SERVER] get /pets ℹ  info      Request received
[6:04:57 PM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[6:04:57 PM] ›     [VALIDATOR] ✖  error     Violation: request.query.tags Request query parameter tags must be array
[6:04:57 PM] › [HTTP SERVER] get /pets/sample-id ℹ  info      Request received
[6:04:57 PM] ›     [VALIDATOR] ✔  success   The request passed the validation rules. Looking for the best response
[6:04:57 PM] › [HTTP SERVER] post /pets ℹ  info      Request received
[6:04:57 PM] ›     [VALIDATOR] ✖  error     Violation: response.body Response body must have required property 'name'
[6:04:57 PM] › [HTTP SERVER] post /login ℹ  info      Request received
[6:04:57 PM] ›     [VALIDATOR] ✖  error     Violation: request Invalid security scheme used
[6:04:57 PM] › [HTTP SERVER] get /health ℹ  info      Request received
[6:04:57 PM] ›     [NEGOTIATOR] ✔  success   Found response 400. I'll try with it.
[6:04:57 PM] › [HTTP SERVER] get /v2/gone ℹ  info      Request received
[6:04:57 PM] › [HTTP SERVER] get /v2/gone ℹ  error     Request terminated with error: https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR: Route not resolved, no path matched
[6:04:57 PM] › [HTTP SERVER] get /stats ℹ  info      Request received
[6:04:57 PM] ›     [VALIDATOR] ✖  error     Violation: response.body.count Response body property count must match format \"int32\"
";

    fn document() -> Value {
        serde_json::json!({
            "paths": {
                "/health": {"get": {"responses": {"400": {"description": "bad"}}}},
                "/stats": {"get": {"responses": {"200": {"description": "ok"}}}},
            }
        })
    }

    fn failures() -> Vec<Failure> {
        classify(&read_report("v", REPORT, LOG), Some(&document()))
    }

    fn find<'a>(failures: &'a [Failure], operation: &str, kind: Kind) -> &'a Failure {
        failures
            .iter()
            .find(|f| f.operation == operation && f.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} failure of {operation}: {failures:#?}"))
    }

    #[test]
    fn a_rejected_parameter_is_the_generators() {
        let failures = failures();
        let f = find(&failures, "listPets", Kind::Rejected);
        assert_eq!(f.owner, Owner::Generator);
        assert_eq!(f.cause, "query parameter: type or serialization style");
        assert!(f.reason.contains("must be array"), "{}", f.reason);
        let login = find(&failures, "login", Kind::Rejected);
        assert_eq!(
            (login.owner, login.cause.as_str()),
            (Owner::Generator, "credentials")
        );
    }

    #[test]
    fn an_undecodable_response_is_the_documents_only_when_prism_flagged_it() {
        let failures = failures();
        // Prism found its answer valid: the client should have decoded it.
        let valid = find(&failures, "getPet", Kind::Undecodable);
        assert_eq!(valid.owner, Owner::Generator);
        assert_eq!(
            valid.cause,
            "response not decoded: a field the type requires is missing"
        );
        // Prism's own answer violates the document: the document contradicts itself.
        let flagged = find(&failures, "addPet", Kind::Undecodable);
        assert_eq!(flagged.owner, Owner::Spec);
        assert_eq!(find(&failures, "addPet", Kind::Flagged).owner, Owner::Spec);
    }

    #[test]
    fn no_success_response_is_the_documents_and_an_unresolved_route_the_generators() {
        let failures = failures();
        let health = find(&failures, "health", Kind::Rejected);
        assert_eq!(health.owner, Owner::Spec, "{health:?}");
        let gone = find(&failures, "gone", Kind::Rejected);
        assert_eq!(
            (gone.owner, gone.cause.as_str()),
            (Owner::Generator, "route not resolved by Prism")
        );
        // The unrouted request is the call's own, so the next call still finds its request.
        let stats = find(&failures, "stats", Kind::Flagged);
        assert_eq!(
            stats.cause,
            "response example or generated value violates a format"
        );
        // A fragment in the document's path: the request went to the path before it.
        let fragment = "Rejected { status: 404, body: \"NO_PATH_MATCHED_ERROR\" }";
        assert_eq!(
            rejected(fragment, Some("POST /#Action=Describe"), None).0,
            Owner::Spec
        );
        assert_eq!(
            rejected(fragment, Some("POST /describe"), None).0,
            Owner::Generator
        );
        // Without the document, a rejection with no violation is not excused.
        let (owner, _) = rejected(
            "Rejected { status: 400, body: \"\" }",
            Some("GET /health"),
            None,
        );
        assert_eq!(owner, Owner::Generator);
    }

    #[test]
    fn request_violations_group_by_place_and_kind() {
        for (reason, cause) in [
            (
                "request.body.email Request body property email must match format \"email\"",
                "request body: format",
            ),
            (
                "request.path.id Request path parameter id must match pattern \"^[0-9]+$\"",
                "path parameter: pattern",
            ),
            (
                "request.header Request header must have required property 'x-api-key'",
                "header parameter: required property or parameter missing",
            ),
            (
                "request Supported content types: application/xml",
                "body media type",
            ),
            (
                "request.query.limit Request query parameter limit must be <= 100",
                "query parameter: value outside its bounds",
            ),
        ] {
            assert_eq!(
                rejected(reason, None, None),
                (Owner::Generator, cause.to_owned())
            );
        }
        assert_eq!(
            rejected(
                "Rejected { status: 422, body: \"\" }; Request terminated with error: https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY: Invalid request",
                None,
                None
            ),
            (
                Owner::Generator,
                "request invalid, without a logged violation".to_owned()
            )
        );
        assert_eq!(
            rejected(
                "Rejected { status: 500, body: \"\" }; Request terminated with error: SCHEMA_TOO_COMPLEX",
                None,
                None
            )
            .0,
            Owner::Spec
        );
    }

    #[test]
    fn a_document_prism_refuses_names_its_reason() {
        let log = "[5:52:26 PM] › [CLI] …  awaiting  Starting Prism…\n\
                   [5:52:26 PM] › [CLI] ✖  fatal     at \"#/paths/~1a\", token \"x\" does not exist\n";
        assert_eq!(
            prism_log_failure(log),
            "at \"#/paths/~1a\", token \"x\" does not exist"
        );
    }

    #[test]
    fn a_request_prism_cannot_answer_is_read_from_its_mocks_account() {
        let log = "\
[6:32:47 PM] › [HTTP SERVER] post /notify ℹ  info      Request received
[6:32:47 PM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[6:32:47 PM] ›     [VALIDATOR] ✖  error     Request header must have required property 'content-type'
[6:32:47 PM] › [HTTP SERVER] post /notify ✖  error     Request terminated with error: https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY: Invalid request
[6:32:47 PM] › [HTTP SERVER] get /items ℹ  info      Request received
[6:32:47 PM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[6:32:47 PM] ›     [VALIDATOR] ✖  error     Request query parameter limit must be integer
[6:32:47 PM] › [HTTP SERVER] get /items ✖  error     Request terminated with error: https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY: Invalid request
";
        let report = "notify\tPOST /notify\t0\tRejected { status: 422, body: \"UNPROCESSABLE_ENTITY\" }\n\
                      items\tGET /items\t0\tRejected { status: 422, body: \"UNPROCESSABLE_ENTITY\" }\n";
        let failures = classify(&read_report("v", report, log), None);
        let notify = find(&failures, "notify", Kind::Rejected);
        assert_eq!(notify.owner, Owner::Spec, "{notify:?}");
        assert!(notify.cause.contains("content-type"), "{notify:?}");
        let items = find(&failures, "items", Kind::Rejected);
        assert_eq!(
            (items.owner, items.cause.as_str()),
            (
                Owner::Generator,
                "query parameter: type or serialization style"
            )
        );
    }

    #[test]
    fn a_sample_the_client_refuses_is_the_generators() {
        let (owner, cause) =
            other("Failed(\"invalid `DomainName`: must be at least 3 characters long, got 2\")");
        assert_eq!(
            (owner, cause.as_str()),
            (
                Owner::Generator,
                "the client refused its own sample arguments"
            )
        );
    }

    fn prism_log_failure(log: &str) -> String {
        crate::prism_log::load_failure(log)
    }
}
