//! `cargo xtask crate`: a standalone crate from any spec file builds and passes clippy; bad input
//! fails with a clear message and leaves the output directory as it was.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::cargo_in;
use xtask::codegen;

fn run_crate(args: &[&str], spec: &Path, out: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("crate")
        .args(args)
        .arg("--spec")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .output()
        .expect("xtask runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn standalone_crate_builds_and_passes_clippy() {
    let root = codegen::workspace_root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("standalone-crate");
    let _ = fs::remove_dir_all(&scratch);
    let out = scratch.join("pets");
    let spec = root.join("generator/tests/fixtures/openapi_31.yml");
    let overlay = scratch.join("overlay.yml");
    fs::create_dir_all(&scratch).expect("scratch dir");
    fs::write(
        &overlay,
        "overlay: 1.0.0\ninfo: {title: rename, version: '1'}\nactions:\n  - target: $.info\n    update: {title: Pet Store}\n  - target: $\n    update:\n      security: [{ApiKeyAuth: []}]\n      components: {securitySchemes: {ApiKeyAuth: {type: apiKey, in: header, name: X-API-Key}}}\n",
    )
    .expect("overlay written");
    let (ok, stderr) = run_crate(
        &[
            "--name",
            "pets-client",
            "--overlay",
            overlay.to_str().expect("utf-8"),
            "--docs-base-url",
            "https://docs.example.com",
        ],
        &spec,
        &out,
    );
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("warning: "),
        "webhooks are reported: {stderr}"
    );
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"pets-client\""), "{manifest}");
    assert!(manifest.contains("Typed async client for the Pet Store HTTP API"));
    assert!(!manifest.contains("cartesia"), "{manifest}");
    let readme = fs::read_to_string(out.join("README.md")).expect("readme");
    for line in [
        "A typed, async Rust client for the Pet Store API",
        "Requests go to `https://api.example.com/v1` unless",
        "- `.api_key(..)`: the `ApiKeyAuth` scheme, sent in the `X-API-Key` header",
        "- `client.get_pet(..)`: `GET /pets/{id}` (`getPet`); an API key (`.api_key(..)`)",
    ] {
        assert!(readme.contains(line), "{line}\n{readme}");
    }
    assert!(!out.join("tests").exists() && !out.join("examples").exists());
    // Without channels, neither the WebSocket runtime nor its dependencies.
    assert!(!out.join("src/runtime/ws").exists());
    for dependency in ["tokio-tungstenite", "tokio-rustls"] {
        assert!(!manifest.contains(dependency), "{dependency}: {manifest}");
    }
    // rustls stays: the runtime configures the HTTP client's TLS.
    assert!(manifest.contains("\nrustls ="), "{manifest}");
    // Nor benches, which the manifest then does not declare.
    assert!(!out.join("benches").exists());
    // No operation streams events: the runtime's modules for them are left out.
    for module in ["src/runtime/sse.rs", "src/runtime/sse_parser.rs"] {
        assert!(!out.join(module).exists(), "{module}");
    }
    assert!(!manifest.contains("[[bench]]"), "{manifest}");
    assert!(!manifest.contains("[[example]]"), "{manifest}");

    let output = cargo_in(
        &out,
        &["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"],
    );
    assert!(
        output.status.success(),
        "the standalone crate does not pass clippy:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The API is at the crate root.
    let lib = fs::read_to_string(out.join("src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("pub use api::*;"), "{lib}");
}

#[test]
fn bad_input_leaves_the_output_as_it_was() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = codegen::workspace_root();
    let spec = root.join("generator/tests/fixtures/operations.yml");
    let out = dir.path().join("client");

    let (ok, stderr) = run_crate(&["--name", "9lives"], &spec, &out);
    assert!(!ok);
    assert!(
        stderr.contains("`9lives` is not a valid package name"),
        "{stderr}"
    );
    assert!(!out.exists());

    let (ok, stderr) = run_crate(
        &[
            "--name",
            "ops-client",
            "--docs-base-url",
            "docs.example.com",
        ],
        &spec,
        &out,
    );
    assert!(!ok);
    assert!(stderr.contains("is not an http(s) URL"), "{stderr}");
    assert!(!out.exists());

    let (ok, stderr) = run_crate(
        &["--name", "ops-client", "--asyncapi-overlay", "overlay.yml"],
        &spec,
        &out,
    );
    assert!(!ok);
    assert!(stderr.contains("--asyncapi"), "{stderr}");
    assert!(!out.exists());

    let (ok, stderr) = run_crate(&["--name", "ops-client"], &spec, &out);
    assert!(ok, "{stderr}");
    let before = fs::read_to_string(out.join("src/api/client.rs")).expect("generated");

    let broken = dir.path().join("broken.yml");
    fs::write(
        &broken,
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Gone'}\n",
    )
    .expect("spec written");
    let (ok, stderr) = run_crate(&["--name", "ops-client"], &broken, &out);
    assert!(!ok);
    assert!(
        stderr.contains("broken.yml: #/paths/~1a/get/responses/200/$ref"),
        "{stderr}"
    );
    let after = fs::read_to_string(out.join("src/api/client.rs")).expect("still there");
    assert_eq!(before, after);

    // A directory this command did not make is never replaced.
    let foreign = dir.path().join("mine");
    fs::create_dir_all(&foreign).expect("dir");
    fs::write(foreign.join("notes.txt"), "keep me").expect("file");
    let (ok, stderr) = run_crate(&["--name", "ops-client"], &spec, &foreign);
    assert!(!ok);
    assert!(stderr.contains("refusing to replace it"), "{stderr}");
    assert_eq!(
        fs::read_to_string(foreign.join("notes.txt")).expect("kept"),
        "keep me"
    );
}

#[test]
fn examples_test_decodes_schema_examples_and_names_rejections() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples-crate");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).expect("scratch dir");
    let spec = scratch.join("api.yml");
    fs::write(
        &spec,
        r#"openapi: 3.0.0
info: {title: Shop, version: "1"}
paths: {}
components:
  schemas:
    Order:
      type: object
      required: [id, placed]
      properties:
        id: {type: integer, format: int64}
        placed: {type: string, format: date-time}
        status: {type: string, enum: [open, shipped]}
      example: {id: 7, placed: "2024-05-01T10:00:00Z", status: returned}
    Count: {type: integer, example: "12"}
    Millis: {type: integer, format: int32, example: 1418556477882}
    Upload: {type: object, properties: {file: {type: string, format: binary}}}
"#,
    )
    .expect("spec written");
    let out = scratch.join("shop");
    let (ok, stderr) = run_crate(&["--name", "shop-client", "--examples"], &spec, &out);
    assert!(ok, "{stderr}");
    // A millisecond timestamp declared int32 is read as 64 bits, with a warning.
    assert!(stderr.contains("#/components/schemas/Millis"), "{stderr}");

    let output = cargo_in(
        &out,
        &["test", "--quiet", "--test", "examples", "--", "--nocapture"],
    );
    let report = String::from_utf8_lossy(&output.stderr);
    // The order (an unknown status is kept) and the timestamp decode; the string example of an
    // integer does not, and the test says which and why.
    assert!(!output.status.success(), "{report}");
    assert!(
        report.contains("examples: 3 checked, 1 rejected"),
        "{report}"
    );
    assert!(
        report.contains("rejected: Count: invalid type: string \"12\", expected i64"),
        "{report}"
    );
    let (examples, ran) = xtask::corpus::parse_examples(&report);
    assert!(ran);
    assert_eq!((examples.checked, examples.rejected), (3, 1));
}

#[test]
fn standalone_crate_with_channels_passes_clippy() {
    let root = codegen::workspace_root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("channels-crate");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).expect("scratch dir");
    let fixtures = root.join("generator/tests/fixtures");
    let overlay = scratch.join("asyncapi.overlay.yml");
    fs::write(
        &overlay,
        "overlay: 1.0.0\ninfo: {title: describe, version: '1'}\nactions:\n  - target: $.channels.listen\n    update: {description: 'Transcribes audio; see [models](/models).'}\n",
    )
    .expect("overlay written");
    let out = scratch.join("voice");
    let asyncapi = fixtures.join("asyncapi/channels.yml");
    let (ok, stderr) = run_crate(
        &[
            "--name",
            "voice-client",
            "--asyncapi",
            asyncapi.to_str().expect("utf-8"),
            "--asyncapi-overlay",
            overlay.to_str().expect("utf-8"),
        ],
        &fixtures.join("channels.yml"),
        &out,
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("2 channels"), "{stderr}");
    assert!(
        stderr.contains("channels.yml#/components/securitySchemes/ticketQuery"),
        "warnings about the AsyncAPI document name it: {stderr}"
    );
    let manifest = fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(
        manifest.starts_with(
            "# Generated by `cargo xtask crate` from channels.yml and channels.yml with asyncapi.overlay.yml."
        ),
        "{manifest}"
    );
    assert!(manifest.contains("tokio-tungstenite"), "{manifest}");
    assert!(out.join("src/runtime/ws/mod.rs").is_file());
    let readme = fs::read_to_string(out.join("README.md")).expect("readme");
    for line in [
        "- `client.speak().websocket(..).await`: `/speak/websocket` (contexts by `context_id` on one connection)",
        "- `client.listen().websocket(..).await`: `/listen/websocket` (one stream)",
    ] {
        assert!(readme.contains(line), "{line}\n{readme}");
    }
    let client = fs::read_to_string(out.join("src/api/client.rs")).expect("client.rs");
    assert!(
        client.contains("/// Transcribes audio; see models."),
        "the overlay applies and the description is sanitised: {client}"
    );

    let output = cargo_in(
        &out,
        &["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"],
    );
    assert!(
        output.status.success(),
        "the standalone crate with channels does not pass clippy:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lib = fs::read_to_string(out.join("src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("WsSession"), "{lib}");
}
