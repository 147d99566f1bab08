// Copied by `cargo xtask generate` from templates/tests/pagination.rs; edit the template, not this file.
//! Cursor pagination through the client of the newest API version: every item of every page, pages fetched only
//! as the stream reaches them, the cursor taken from the last item of the previous page.
#![cfg(feature = "v2026-03-01")]

use cartesia_api::v2026_03_01::Client;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn voice(id: &str) -> Value {
    json!({
        "id": id, "is_owner": true, "is_public": false, "name": id, "description": "",
        "created_at": "2025-04-16T00:00:00Z", "language": "en"
    })
}

async fn three_pages() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param_is_missing("starting_after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [voice("v1"), voice("v2")], "has_more": true, "next_page": "v3"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("starting_after", "v2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [voice("v3"), voice("v4")], "has_more": true, "next_page": "v5"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("starting_after", "v4"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [voice("v5")], "has_more": false})),
        )
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .api_key("sk_car_test")
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn every_item_of_every_page_in_order() {
    let server = three_pages().await;
    let ids: Vec<String> = client(&server)
        .voices()
        .list()
        .limit(2)
        .into_stream()
        .map_ok(|voice| voice.id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(ids, ["v1", "v2", "v3", "v4", "v5"]);
    let requests = server.received_requests().await.expect("recording on");
    let queries: Vec<String> = requests
        .iter()
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        queries,
        [
            "limit=2",
            "limit=2&starting_after=v2",
            "limit=2&starting_after=v4"
        ],
        "each page keeps the other parameters and follows the last item"
    );
}

#[tokio::test]
async fn page_by_page_with_what_each_page_says() {
    let server = three_pages().await;
    let pages: Vec<(Vec<String>, bool)> = client(&server)
        .voices()
        .list()
        .limit(2)
        .into_pages()
        .map_ok(|page| {
            let ids = page.data.into_iter().map(|voice| voice.id).collect();
            (ids, page.has_more)
        })
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(
        pages,
        [
            (vec!["v1".to_owned(), "v2".to_owned()], true),
            (vec!["v3".to_owned(), "v4".to_owned()], true),
            (vec!["v5".to_owned()], false),
        ]
    );
}

#[tokio::test]
async fn pages_are_fetched_only_when_reached() {
    let server = three_pages().await;
    let client = client(&server);
    let mut stream = client.voices().list().into_stream();
    let first = stream.next().await.expect("an item").expect("decodes");
    assert_eq!(first.id, "v1");
    assert_eq!(
        server
            .received_requests()
            .await
            .expect("recording on")
            .len(),
        1
    );
    let taken: Vec<_> = stream.take(2).collect().await;
    assert_eq!(taken.len(), 2);
    assert_eq!(
        server
            .received_requests()
            .await
            .expect("recording on")
            .len(),
        2,
        "the third page is never requested"
    );
}

#[tokio::test]
async fn an_error_page_ends_the_stream_with_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param_is_missing("starting_after"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [voice("v1")], "has_more": true})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/voices"))
        .and(query_param("starting_after", "v1"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad cursor"))
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server)
        .voices()
        .list()
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().expect("first item").id, "v1");
    match &items[1] {
        Err(cartesia_api::Error::Api(e)) => assert_eq!(e.status(), 400),
        other => panic!("expected the API error, got {other:?}"),
    }
}
