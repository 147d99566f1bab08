//! The sample arguments of the contract example satisfy what the schema states beyond the type:
//! a snapshot of the calls emitted for the `constraints.yml` fixture.

use std::path::Path;

use generator::krate::Version;
use generator::{Config, emit, load, lower};

#[test]
fn samples_follow_constraints() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/constraints.yml");
    let document = load::load(&path).expect("fixture loads");
    let config = Config {
        api_version: Some("2024-01-01".to_owned()),
        ..Config::default()
    };
    let lowered = lower(&document, &config).expect("fixture lowers");
    let (module, feature) = Version::names("2024-01-01");
    let version = Version {
        module,
        feature,
        source: "constraints.yml".to_owned(),
        api: lowered.api,
    };
    let code = emit::contract::example(&[version], "// fixture");
    let calls = code
        .split("async fn v2024_01_01")
        .nth(1)
        .expect("the version's calls");
    insta::assert_snapshot!("constraints", calls);
}

/// The contract example of a standalone crate names its library, and gives each security scheme
/// a credential its server accepts (`user:password` for HTTP basic).
#[test]
fn standalone_example_calls_through_the_library() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/security.yml");
    let document = load::load(&path).expect("fixture loads");
    let lowered = lower(&document, &Config::default()).expect("fixture lowers");
    let [(main_path, main), (calls_path, calls)] =
        emit::contract::standalone_example(&lowered.api, "petstore_client", "// fixture");
    assert_eq!(main_path, "examples/contract/main.rs");
    assert!(main.contains("mod calls;"), "{main}");
    assert_eq!(calls_path, "examples/contract/calls.rs");
    let calls = calls
        .split("async fn calls")
        .nth(1)
        .expect("the calls function");
    insta::assert_snapshot!("standalone_security", calls);
}

/// A standalone crate leaves the runtime's event streams out when no operation answers with one,
/// so its contract example must not name them; a crate with event streams settles them.
#[test]
fn standalone_example_names_event_streams_only_where_the_crate_has_them() {
    for (fixture, streams) in [("security.yml", false), ("media_types.yml", true)] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        let document = load::load(&path).expect("fixture loads");
        let lowered = lower(&document, &Config::default()).expect("fixture lowers");
        assert_eq!(lowered.api.streams_events(), streams, "{fixture}");
        let [_, (_, calls)] =
            emit::contract::standalone_example(&lowered.api, "petstore_client", "// fixture");
        assert_eq!(calls.contains("EventStream"), streams, "{fixture}: {calls}");
    }
}
