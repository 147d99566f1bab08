//! Reading Prism's log: the requests it received, in order, each with the violations it found in
//! the request and in the response it answered with.
//!
//! Prism (run without `--errors`) answers every call, and reports what it found wrong both in
//! the `sl-violations` response header and in its log, one line per violation after the line of
//! the request:
//!
//! ```text
//! [9:49:03 AM] › [HTTP SERVER] post /tts/bytes ℹ  info      Request received
//! [9:49:03 AM] ›     [VALIDATOR] ✖  error     Violation: request.body.output_format Request body ...
//! [9:49:28 AM] ›     [VALIDATOR] ✖  error     Violation: response.body Response body must ...
//! ```
//!
//! The contract example calls one operation at a time, so the log's requests follow its calls.

/// One request Prism received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    /// The HTTP method, upper case.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// What Prism found wrong in the request: the location (`request.body.x`) and the message.
    pub request: Vec<String>,
    /// What Prism found wrong in its response.
    pub response: Vec<String>,
    /// What Prism found wrong in the request, as its mock logs it before answering (`Request
    /// header must have required property 'x'`): the only account of the violations when
    /// Prism then cannot answer (the document has no 4xx response to build).
    pub invalid: Vec<String>,
    /// Why Prism could not answer at all (`Request terminated with error: ...`): no route, no
    /// response it can build.
    pub errors: Vec<String>,
}

/// The requests of a log, in order.
pub fn parse(log: &str) -> Vec<Exchange> {
    let mut exchanges: Vec<Exchange> = Vec::new();
    for line in log.lines() {
        if let Some(head) = line
            .split_once("[HTTP SERVER] ")
            .map(|(_, rest)| rest)
            .filter(|rest| rest.trim_end().ends_with("Request received"))
        {
            let mut words = head.split_whitespace();
            let (Some(method), Some(target)) = (words.next(), words.next()) else {
                continue;
            };
            let path = target.split_once('?').map_or(target, |(path, _)| path);
            exchanges.push(Exchange {
                method: method.to_uppercase(),
                path: path.to_owned(),
                ..Exchange::default()
            });
            continue;
        }
        if let Some((_, error)) = line.split_once("Request terminated with error: ") {
            if let Some(exchange) = exchanges.last_mut() {
                exchange.errors.push(error.trim().to_owned());
            }
            continue;
        }
        // Only errors: Prism also logs warnings as violations (a deprecated parameter), which do
        // not break the contract.
        let Some((level, violation)) = line.split_once("Violation: ") else {
            if let Some((_, message)) = line.split_once("[VALIDATOR] ✖  error")
                && let Some(exchange) = exchanges.last_mut()
            {
                exchange.invalid.push(message.trim().to_owned());
            }
            continue;
        };
        if !level.contains("error") {
            continue;
        }
        let Some(exchange) = exchanges.last_mut() else {
            continue;
        };
        let violation = violation.trim().to_owned();
        if violation.starts_with("request") {
            exchange.request.push(violation);
        } else {
            exchange.response.push(violation);
        }
    }
    exchanges
}

/// Why Prism refused to load a document: its fatal line, else the log's last line.
pub fn load_failure(log: &str) -> String {
    log.lines()
        .find_map(|line| {
            line.split_once("fatal")
                .map(|(_, rest)| rest.trim().to_owned())
        })
        .or_else(|| {
            log.lines()
                .rfind(|l| !l.trim().is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "prism exited without a message".to_owned())
}

/// Whether a request went to a route written as in the document (`POST /voices/{id}`).
pub fn matches(route: &str, method: &str, path: &str) -> bool {
    let Some((route_method, template)) = route.split_once(' ') else {
        return false;
    };
    if !route_method.eq_ignore_ascii_case(method) {
        return false;
    }
    let template: Vec<&str> = template.split('/').collect();
    let segments: Vec<&str> = path.split('/').collect();
    template.len() == segments.len()
        && template.iter().zip(&segments).all(|(expected, actual)| {
            match expected.find('{') {
                // A segment with a parameter: the literal text around it must match.
                Some(open) => {
                    let close = expected.rfind('}').map_or(expected.len(), |c| c + 1);
                    actual.starts_with(&expected[..open])
                        && actual.ends_with(&expected[close..])
                        && actual.len() > open + (expected.len() - close)
                }
                None => expected == actual,
            }
        })
}

/// The requests of each call, in order: a call takes the next request when it goes to its route,
/// and the repeats of that request that follow (retries); none when it failed before sending.
pub fn assign(routes: &[&str], exchanges: Vec<Exchange>) -> Vec<Vec<Exchange>> {
    let calls: Vec<(&str, bool)> = routes.iter().map(|route| (*route, false)).collect();
    assign_calls(&calls, exchanges)
}

/// As [`assign`], for calls given with whether Prism is known to have answered them without
/// routing them (a path or method no operation has): such a call takes the next request
/// whatever its path, so that the requests after it still go to their calls.
pub fn assign_calls(calls: &[(&str, bool)], exchanges: Vec<Exchange>) -> Vec<Vec<Exchange>> {
    let mut exchanges = exchanges.into_iter().peekable();
    calls
        .iter()
        .map(|&(route, unrouted)| {
            let mut mine: Vec<Exchange> = Vec::new();
            if unrouted {
                mine.extend(exchanges.next());
                return mine;
            }
            while let Some(next) = exchanges.peek() {
                let fits = match mine.first() {
                    Some(first) => first.method == next.method && first.path == next.path,
                    None => matches(route, &next.method, &next.path),
                };
                if !fits {
                    break;
                }
                mine.extend(exchanges.next());
            }
            mine
        })
        .collect()
}
