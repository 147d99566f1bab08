//! Bodies and unions that were once raw bytes or partly dropped, used as a caller would: an
//! `application/form-data` body sent as a multipart form, a `text/plain` object sent as its JSON
//! text, an `anyOf` beside properties read and written whole, and a parent's discriminator telling
//! its members apart.

use cartesia_api::{FilePart, text_plain_object};
use cartesia_api::{any_of_beside_properties, discriminator_on_parent, form_data_media_type};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_form_data_body_is_sent_as_a_multipart_form() {
    let server = server().await;
    let client = form_data_media_type::Client::builder()
        .base_url(server.uri())
        .build()
        .expect("client builds");
    let body = form_data_media_type::UploadMediaBody::new(FilePart::from_bytes(&b"GIF89a"[..]))
        .description("a cat");
    client.upload_media(body).await.expect("sent");
    let received = server.received_requests().await.unwrap_or_default();
    let request = received.first().expect("one request");
    assert_eq!(request.url.path(), "/media");
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let text = String::from_utf8_lossy(&request.body);
    assert!(text.contains("name=\"file\""), "{text}");
    assert!(text.contains("GIF89a"), "{text}");
    assert!(text.contains("name=\"description\""), "{text}");
    assert!(text.contains("a cat"), "{text}");
}

#[tokio::test]
async fn a_text_plain_object_is_sent_as_its_json_text() {
    let server = server().await;
    let client = text_plain_object::Client::builder()
        .base_url(server.uri())
        .build()
        .expect("client builds");
    let schedule = text_plain_object::Schedule::new("night").zones(vec![1, 2]);
    client.create_schedule(&schedule).await.expect("sent");
    let received = server.received_requests().await.unwrap_or_default();
    let request = received.first().expect("one request");
    assert_eq!(
        request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain")
    );
    let sent: serde_json::Value = serde_json::from_slice(&request.body).expect("JSON text");
    assert_eq!(sent, json!({"name": "night", "zones": [1, 2]}));
    assert_eq!(request.url.path(), "/schedules");
}

#[test]
fn any_of_alternatives_beside_properties_are_read_and_written_whole() {
    let wire = json!({"success": true, "statistics": "ok", "cards": ["visa"], "note": "n"});
    let entity: any_of_beside_properties::Entity =
        serde_json::from_value(wire.clone()).expect("reads");
    assert!(entity.success);
    assert_eq!(entity.cards, Some(vec!["visa".to_owned()]));
    assert_eq!(entity.note.as_deref(), Some("n"));
    assert_eq!(entity.accounts, None);
    assert_eq!(serde_json::to_value(&entity).expect("writes"), wire);
}

#[test]
fn a_parent_discriminator_tells_its_members_apart() {
    use discriminator_on_parent::Pet;
    let cat = json!({"pet_type": "cat", "name": "Tom", "lives": 9});
    let dog = json!({"pet_type": "dog", "bark": "woof"});
    let read: Pet = serde_json::from_value(cat.clone()).expect("a cat reads");
    let Pet::Cat(inner) = &read else {
        panic!("not a cat: {read:?}");
    };
    assert_eq!(inner.lives, Some(9));
    assert_eq!(serde_json::to_value(&read).expect("writes"), cat);
    let read: Pet = serde_json::from_value(dog.clone()).expect("a dog reads");
    assert!(matches!(&read, Pet::Dog(inner) if inner.bark.as_deref() == Some("woof")));
    assert_eq!(serde_json::to_value(&read).expect("writes"), dog);
    let bird = json!({"pet_type": "bird", "wings": 2});
    let read: Pet = serde_json::from_value(bird.clone()).expect("an unknown pet reads");
    assert!(matches!(&read, Pet::Unknown(_)));
    assert_eq!(serde_json::to_value(&read).expect("writes"), bird);
}

#[test]
fn a_parent_listing_only_the_tag_tells_its_mapped_members_apart() {
    use discriminator_on_parent::ContextVariable;
    let user = json!({"type": "user", "accountId": "5b10"});
    let read: ContextVariable = serde_json::from_value(user.clone()).expect("a user reads");
    assert!(matches!(&read, ContextVariable::User(inner) if inner.account_id == "5b10"));
    assert_eq!(serde_json::to_value(&read).expect("writes"), user);
    let issue = json!({"type": "issue", "key": "PRJ-1"});
    let read: ContextVariable = serde_json::from_value(issue.clone()).expect("an issue reads");
    assert!(
        matches!(&read, ContextVariable::Issue(inner) if inner.key.as_deref() == Some("PRJ-1"))
    );
    assert_eq!(serde_json::to_value(&read).expect("writes"), issue);
}
