//! The contract run's reading of Prism and its event samples, without Prism: the log parsed into
//! requests with their violations, calls matched to requests, the classification of each call,
//! and events built from schemas.

use serde_json::json;
use xtask::{contract, json_sample, prism_log};

const LOG: &str = "\
[9:49:03 AM] › [HTTP SERVER] post /tts/bytes ℹ  info      Request received
[9:49:03 AM] ›     [NEGOTIATOR] ℹ  info      Request contains an accept header: */*
[9:49:03 AM] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules
[9:49:03 AM] ›     [VALIDATOR] ✖  error     Request body property output_format.sample_rate must be equal to one of the allowed values: 8000, 16000
[9:49:03 AM] ›     [VALIDATOR] ✖  error     Violation: request.body.output_format.sample_rate Request body property output_format.sample_rate must be equal to one of the allowed values: 8000, 16000
[9:49:28 AM] › [HTTP SERVER] get /voices/sample-id?expand[]=x ℹ  info      Request received
[9:49:28 AM] ›     [NEGOTIATOR] ℹ  info      > Responding with \"200\"
[9:49:28 AM] ›     [VALIDATOR] ✖  error     Violation: response.body Response body must have required property 'locales'
[9:49:29 AM] › [HTTP SERVER] get /voices/metrics ℹ  info      Request received
[9:49:29 AM] ›     [VALIDATOR] ⚠  warning   Violation: request.query.old Query parameter old is deprecated
[9:49:30 AM] › [HTTP SERVER] get /voices/other ℹ  info      Request received
[9:49:30 AM] › [HTTP SERVER] get /voices/other ℹ  info      Request received
";

#[test]
fn log_gives_requests_with_their_violations() {
    let exchanges = prism_log::parse(LOG);
    assert_eq!(exchanges.len(), 5);
    assert_eq!(exchanges[0].method, "POST");
    assert_eq!(exchanges[0].path, "/tts/bytes");
    assert_eq!(
        exchanges[0].request,
        [
            "request.body.output_format.sample_rate Request body property output_format.sample_rate must be equal to one of the allowed values: 8000, 16000"
        ]
    );
    assert!(exchanges[0].response.is_empty());
    assert_eq!(exchanges[1].path, "/voices/sample-id");
    assert_eq!(
        exchanges[1].response,
        ["response.body Response body must have required property 'locales'"]
    );
    // A warning is not a violation of the contract.
    assert!(exchanges[2].request.is_empty());
}

#[test]
fn routes_match_paths() {
    assert!(prism_log::matches("GET /voices/{id}", "get", "/voices/abc"));
    assert!(prism_log::matches(
        "GET /files/{name}.wav",
        "GET",
        "/files/a.wav"
    ));
    assert!(!prism_log::matches(
        "GET /files/{name}.wav",
        "GET",
        "/files/a.mp3"
    ));
    assert!(!prism_log::matches(
        "POST /voices/{id}",
        "GET",
        "/voices/abc"
    ));
    assert!(!prism_log::matches(
        "GET /voices/{id}",
        "GET",
        "/voices/abc/x"
    ));
    assert!(!prism_log::matches("GET /voices", "GET", "/voices/abc"));
}

#[test]
fn calls_take_their_requests_and_retries() {
    let exchanges = prism_log::parse(LOG);
    let routes = [
        "POST /tts/bytes",
        "GET /voices/{id}",
        "DELETE /never/sent",
        "GET /voices/{id}",
        "GET /voices/{id}",
    ];
    let assigned = prism_log::assign(&routes, exchanges);
    let counts: Vec<usize> = assigned.iter().map(Vec::len).collect();
    // The second `GET /voices/{id}` call does not take the third one's request, but a retry
    // (the same path again) stays with its call.
    assert_eq!(counts, [1, 1, 0, 1, 2]);
}

#[test]
fn report_tells_rejected_flagged_and_undecodable_apart() {
    let report = "\
tts_bytes\tPOST /tts/bytes\t0\tRejected { status: 422, body: \"string\" }
voices_get\tGET /voices/{id}\t1\tOk
voices_list\tGET /voices/metrics\t0\tUndecodable(\"missing field `data`\")
voices_sse\tGET /voices/other\t3\tOk
voices_clone\tPOST /voices/clone\t0\tSkipped(\"unsupported body\")
";
    let result = contract::read_report("2025-11-04", report, LOG);
    assert_eq!(result.operations, 5);
    assert_eq!(result.called, 4);
    assert_eq!(result.messages, 4);
    assert_eq!(result.rejected.len(), 1);
    assert!(result.rejected[0].1.contains("output_format.sample_rate"));
    assert_eq!(
        result.flagged,
        [(
            "voices_get".to_owned(),
            "response.body Response body must have required property 'locales'".to_owned()
        )]
    );
    assert_eq!(result.undecodable.len(), 1);
    assert_eq!(result.failed.len(), 1);
    assert!(!result.passed());
    let table = contract::table(&[result]);
    assert!(table.starts_with(
        "| version | operations | called | requests rejected | responses flagged | not decoded | other failures | messages validated |"
    ));
    assert!(table.contains("| 2025-11-04 | 5 | 4 | 1 | 1 | 1 | 1 | 4 |"));
    assert!(table.contains("2025-11-04 voices_get flagged: response.body"));
}

#[test]
fn event_streams_without_example_get_events_from_the_schema() {
    let mut document = json!({
        "paths": {"/tts/sse": {"post": {"responses": {"200": {"content": {"text/event-stream": {
            "schema": {"$ref": "#/components/schemas/Event"}
        }}}}}}},
        "components": {"schemas": {
            "Event": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Chunk"},
                    {"$ref": "#/components/schemas/Done"}
                ],
                "discriminator": {"propertyName": "type"}
            },
            "Chunk": {
                "type": "object",
                "required": ["type", "data", "locale", "step", "words", "at"],
                "properties": {
                    "type": {"type": "string", "enum": ["chunk"]},
                    "data": {"type": "string", "format": "byte"},
                    "locale": {"type": "string", "pattern": "^[a-z]{2}-[A-Z]{2}$"},
                    "step": {"type": "integer", "minimum": 5, "multipleOf": 4},
                    "words": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                    "at": {"type": "string", "format": "date-time"},
                    "optional": {"type": "string"}
                }
            },
            "Done": {
                "allOf": [{"type": "object", "properties": {"type": {"type": "string", "enum": ["done"]}}}],
                "type": "object",
                "required": ["type"]
            }
        }}
    });
    let events = json_sample::events(&document, &json!({"$ref": "#/components/schemas/Event"}));
    assert_eq!(
        events,
        [
            json!({
                "type": "chunk",
                "data": "AAECAw==",
                "locale": "aa-AA",
                "step": 8,
                "words": ["sample", "sample"],
                "at": "2024-01-01T00:00:00Z"
            }),
            json!({"type": "done"}),
        ]
    );
    contract::frame_event_streams(&mut document);
    let media =
        &document["paths"]["/tts/sse"]["post"]["responses"]["200"]["content"]["text/event-stream"];
    assert_eq!(media["schema"], json!({"type": "string"}));
    assert_eq!(
        media["example"],
        json!(format!("data: {}\n\ndata: {}\n\n", events[0], events[1]))
    );
}
