// Copied by `cargo xtask generate` from templates/tests/common/mod.rs; edit the template, not this file.
//! Helpers shared by the client tests of every API version.
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

/// The single request the server received.
pub(crate) async fn only_request(server: &wiremock::MockServer) -> wiremock::Request {
    let mut received = server.received_requests().await.expect("recording on");
    assert_eq!(received.len(), 1, "expected exactly one request");
    received.remove(0)
}

/// Every value of header `name`, as text.
pub(crate) fn header_values(request: &wiremock::Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("ascii header").to_owned())
        .collect()
}
