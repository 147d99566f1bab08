//! Redirects between two loopback servers on different ports (two origins):
//! credentials never follow a redirect to another origin, whichever way the
//! `reqwest` client was made; within the origin they do.

use reqwest::Method;
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::tests::{TOKEN_OR_KEY, TestApi, client, received};
use super::*;

/// A server that redirects every request to `target` with `status`.
async fn redirecting(status: u16, target: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).insert_header("location", target))
        .mount(&server)
        .await;
    server
}

/// A server that answers every request `204`.
async fn answering() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

fn keyed(base: &str) -> ClientBuilder<TestApi> {
    ClientBuilder::<TestApi>::new()
        .base_url(base)
        .credential("APIKeyAuth", "sk_redirect_secret")
        .max_retries(0)
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let other = answering().await;
    let target = format!("{}/elsewhere", other.uri());
    for status in [301, 302, 303, 307, 308] {
        let first = redirecting(status, &target).await;
        let built = keyed(&first.uri());
        // A client configured by the caller to follow every redirect.
        let configured = keyed(&first.uri()).configure_http(|http| {
            http.redirect(reqwest::redirect::Policy::limited(10))
                .pool_idle_timeout(None)
        });
        for builder in [built, configured] {
            let api = client(builder);
            let result = api
                .request(Method::GET, "/x", TOKEN_OR_KEY)
                .send_empty()
                .await;
            let Err(Error::Api(e)) = &result else {
                panic!("{status}: expected the redirect as an error, got {result:?}");
            };
            assert_eq!(e.status().as_u16(), status);
        }
        assert_eq!(received(&first).await, 2, "{status}");
    }
    let leaked = other.received_requests().await.unwrap_or_default();
    assert!(
        leaked.is_empty(),
        "the other origin was reached: {leaked:?}"
    );
}

#[tokio::test]
async fn redirects_within_the_origin_are_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/new"))
        .mount(&server)
        .await;
    Mock::given(path("/new"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let configured = keyed(&server.uri()).configure_http(|http| http);
    for builder in [keyed(&server.uri()), configured] {
        let api = client(builder);
        let request = api.request(Method::GET, "/old", TOKEN_OR_KEY);
        request.send_empty().await.expect("followed");
    }
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|r| {
        r.headers
            .get("x-api-key")
            .is_some_and(|k| k == "sk_redirect_secret")
    }));
    assert_eq!(requests[1].url.path(), "/new");
}
