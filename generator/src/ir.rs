//! The plain-data model of an API, decided entirely by lowering and printed by emission.
//!
//! Names here are final Rust identifiers (raw identifiers spelled `r#type`), each with the wire
//! name kept beside it. Nothing here refers to `openapiv3` or `syn`.

use serde::Serialize;

/// Text a document wrote (a description, a summary, a title): untrusted input, which reaches a
/// doc comment, a `#[doc]` attribute or a README only through [`render`](Self::render), which
/// makes it safe for rustdoc (code fences labeled `text`, no indented code, HTML and links
/// escaped, control characters dropped). The snapshot shows it as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DocText(String);

impl DocText {
    /// Text as the document wrote it.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text as rustdoc Markdown that renders as written and runs nothing; relative links
    /// resolve against `base` (the vendor's documentation site) or become plain text.
    pub fn render(&self, base: Option<&str>) -> String {
        crate::emit::docs::sanitize(&self.0, base)
    }

    /// Whether there is nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

/// One API version, ready to print.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Api {
    /// The API's title from `info.title`.
    pub title: String,
    /// The API version this module is for.
    pub version: String,
    /// The first server URL of the spec, the client's default base URL.
    pub base_url: String,
    /// Authentication schemes the client can hold credentials for.
    pub security_schemes: Vec<SecurityScheme>,
    /// Named types, in a stable order (schemas in document order, then derived inline types).
    pub types: Vec<TypeDef>,
    /// Operations grouped into sub-clients by tag.
    pub groups: Vec<Group>,
    /// Operations the generator cannot produce yet, with the reason.
    pub skipped: Vec<Skipped>,
    /// Where `Client::from_env` reads its configuration, when configured.
    pub env: Option<EnvVars>,
    /// The vendor's documentation site, against which relative links in spec text resolve;
    /// without it they are written as plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs_base_url: Option<String>,
    /// The examples the document gives for component schemas: the named type and the value, in
    /// document order. A standalone crate can be given a test that decodes each into its type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<(String, serde_json::Value)>,
    /// The JSON body every operation declares for its error responses, decoded into each API
    /// error; operations then get no error enum of their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_body: Option<ErrorBody>,
    /// WebSocket channels from an AsyncAPI document read beside this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
}

impl Api {
    /// Whether some operation answers with an event stream (`text/event-stream`).
    pub fn streams_events(&self) -> bool {
        let event_stream = |payload: &Payload| matches!(payload, Payload::EventStream(_));
        self.groups
            .iter()
            .flat_map(|group| &group.operations)
            .any(|operation| match &operation.response {
                Response::Single(payload) => event_stream(payload),
                Response::Multi(multi) => multi.variants.iter().any(|v| event_stream(&v.payload)),
            })
    }
}

/// A WebSocket channel: a handshake to an address, then messages both ways.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// The address (`/tts/websocket`): the channel's identity on the wire.
    pub wire: String,
    /// The tag of the sub-client it belongs to (the channel's first tag, else the address's
    /// first segment), matched case-insensitively against the operations' tags.
    pub tag: String,
    /// The method on the sub-client that opens it (`websocket`).
    pub method: String,
    /// The stem of the names of its types (`TtsWebsocket`).
    pub type_stem: String,
    /// The channel's description.
    pub doc: Option<DocText>,
    /// Handshake query parameters the caller gives: required ones are arguments, optional ones
    /// setters.
    pub params: Vec<Param>,
    /// Handshake query parameters the client fills itself (the API version).
    pub fixed_query: Vec<FixedHeader>,
    /// Where credentials go on the handshake, each mapped onto a security scheme of the API.
    pub credentials: Vec<ChannelCredential>,
    /// Messages the client sends.
    pub sends: Vec<Message>,
    /// Messages the client receives.
    pub receives: Vec<Message>,
    /// The property that tells received messages apart (`type`), when every received JSON
    /// message fixes one value of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_property: Option<String>,
    /// The property naming the context a message belongs to on a multiplexed channel
    /// (`context_id`): present in every message both ways, or named by `x-context-key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
    /// The channel's JSON pointer in the AsyncAPI document.
    pub pointer: String,
    /// The channel's contract as plain JSON: the handshake's query parameters (with their JSON
    /// Schemas), the credentials' query names, and each message both ways with its kind and, for
    /// JSON, a self-contained JSON Schema (2020-12). Null until filled from the documents.
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub contract: serde_json::Value,
}

/// A credential sent on a WebSocket handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelCredential {
    /// The API's security scheme whose credential it is (`APIKeyAuth`).
    pub scheme: String,
    /// Where it goes on the handshake.
    pub location: SchemeLocation,
}

/// One message of a channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// The Rust name (`GenerationRequest`), for variants and methods.
    pub name: String,
    /// The message's key in the document (`generationRequest`).
    pub wire: String,
    /// Its summary or description.
    pub doc: Option<DocText>,
    /// What the frame carries.
    pub payload: MessagePayload,
    /// The value of the channel's tag property this message fixes (`chunk`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A received message that ends its context, or the session (`x-terminal`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub terminal: bool,
    /// A sent message after which the client sends nothing more, answered by the server's
    /// normal close (`x-ends-input`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ends_input: bool,
    /// A sent message that cancels its context (`x-cancels`); its fixed fields and the routing
    /// key make the message a dropped context sends.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancels: bool,
    /// A received message that reports an error (`x-error`): the output stream ends with it as
    /// an error.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub error: bool,
    /// The method that sends it (`send_audio`; `x-rust-name` chooses it). A text message of
    /// fixed values has one method per value instead, named for the value. Empty for received
    /// messages.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub method: String,
    /// A sent message that carries a context's input in pieces (`x-context-input`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<ContextInput>,
    /// A received message that carries a context's output (`x-context-output`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<ContextOutput>,
}

/// The fields of a sent message that carry a context's input in pieces: the message's other
/// fields, given once when the context opens, are sent again with each piece.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextInput {
    /// The field of each piece of input (`transcript`).
    pub text: String,
    /// The boolean field that says more input follows (`continue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    /// The boolean field that asks for the output so far (`flush`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flush: Option<String>,
}

/// The field of a received message that carries a context's output, and the methods that
/// return that output alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextOutput {
    /// The Rust name of the field (`data`).
    pub field: String,
    /// The field's type.
    pub ty: Type,
    /// The method turning a context into a stream of the field's values (`audio`).
    pub stream: String,
    /// The method of the connection that sends one whole input on a new context and returns
    /// its output stream (`generate`), when a sent message carries input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
}

/// The content of a WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum MessagePayload {
    /// A text frame of JSON.
    Json(Type),
    /// A text frame of plain text: one of these values, or any text when empty.
    Text(Vec<String>),
    /// A binary frame.
    Binary,
}

/// The error body an API declares for every operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    /// Its type.
    pub ty: Type,
    /// The fields `Display` shows, joined by `: ` (a title, then a message).
    pub summary: Vec<TextField>,
    /// The field holding the server's request id.
    pub request_id: Option<TextField>,
}

/// A field of a struct read as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextField {
    /// The Rust field name.
    pub name: String,
    /// Whether the Rust field is an `Option`.
    pub optional: bool,
}

/// Environment variables a client can be configured from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EnvVars {
    /// The variable holding the API key.
    pub api_key: String,
    /// The variable holding a base URL that overrides the default.
    pub base_url: String,
    /// The credential setter the key is given to (`api_key`); the scheme's wire name is looked up.
    pub credential: String,
}

/// An authentication scheme of the spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityScheme {
    /// The scheme's name in `components/securitySchemes`.
    pub wire: String,
    /// The builder method that sets its credential (`api_key` for `ApiKeyAuth`).
    pub setter: String,
    /// Where the credential goes.
    pub location: SchemeLocation,
    /// The scheme's description.
    pub doc: Option<DocText>,
}

/// Where a credential is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SchemeLocation {
    /// `apiKey` in a header with this name.
    Header(String),
    /// `apiKey` in a query parameter with this name.
    Query(String),
    /// `apiKey` in a cookie with this name.
    Cookie(String),
    /// `http` with scheme `bearer`.
    Bearer,
    /// `http` with scheme `basic`.
    Basic,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// Documentation from title and description.
    pub doc: Option<DocText>,
    /// Where in the document the type comes from, as a JSON pointer.
    pub origin: String,
    /// What the type is.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A string enumeration, open to values unknown when the crate was generated.
    StringEnum(StringEnum),
    /// An integer or number enumeration, open to values unknown when the crate was generated.
    NumberEnum(NumberEnum),
    /// A union told apart by a property's value.
    Tagged(Tagged),
    /// A union told apart by trying each variant in order.
    Untagged(Untagged),
    /// Another name for a type.
    Alias(Type),
    /// The fields of a `multipart/form-data` body.
    Form(Struct),
}

/// Fields of an object type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Struct {
    /// The fields, in the order the schema lists them.
    pub fields: Vec<Field>,
    /// Extra properties collected into a map, from `additionalProperties`: the field name and the
    /// type of the map's values.
    pub additional: Option<(String, Type)>,
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// The Rust name (`r#type` for `type`).
    pub name: String,
    /// The property name on the wire.
    pub wire: String,
    /// The field's type, without the `Option` that `required`/`nullable` add.
    pub ty: Type,
    /// Listed in `required`: always sent, always expected.
    pub required: bool,
    /// May be `null`.
    pub nullable: bool,
    /// Documentation from the property's schema.
    pub doc: Option<DocText>,
    /// Bounds the schema declares, checked before a request is sent.
    #[serde(skip_serializing_if = "Bounds::is_empty")]
    pub bounds: Bounds,
    /// The one value the schema allows (a single-value `enum`, or `const`), as on the wire. The
    /// constructor writes it, required or not, so callers never pass it; the field keeps its
    /// type, so a response carrying another value still reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<serde_json::Value>,
}

/// Numeric, length and size bounds of a schema (`minimum`, `maxLength`, `maxItems`, ...), and the
/// other constraints its type does not carry (`multipleOf`, `pattern`, a string `format` without a
/// type of its own, the `enum` values of a number or boolean).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Bounds {
    /// `minimum`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// `maximum`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// `exclusiveMinimum`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exclusive_minimum: bool,
    /// `exclusiveMaximum`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exclusive_maximum: bool,
    /// `minLength`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// `maxLength`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// `minItems`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// `maxItems`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// `multipleOf`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple_of: Option<f64>,
    /// `pattern`, an ECMA-262 regular expression a string matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The `format` of a string that has no Rust type of its own (`email`, `uri`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The `enum` values of a number or boolean (string enums are types of their own).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<serde_json::Value>,
}

impl Bounds {
    /// Whether nothing is bounded.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

impl Field {
    /// Whether the Rust field is an `Option`.
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

/// A string enumeration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StringEnum {
    /// The known values.
    pub variants: Vec<EnumVariant>,
    /// The name of the variant that holds any other value.
    pub fallback: String,
}

/// A known value of a string enumeration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumVariant {
    /// The Rust variant name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// An enumeration of integers or numbers, read and written as the number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberEnum {
    /// The type of the values (an integer scalar, or `F64`), which the fallback variant holds.
    pub scalar: Scalar,
    /// The known values.
    pub variants: Vec<NumberVariant>,
    /// The name of the variant that holds any other value.
    pub fallback: String,
}

/// A known value of a number enumeration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberVariant {
    /// The Rust variant name.
    pub name: String,
    /// The value on the wire (an integer for integer scalars).
    pub value: serde_json::Number,
}

/// A union discriminated by a property.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tagged {
    /// The discriminating property.
    pub tag: String,
    /// Whether the discriminator was declared (`discriminator`) or inferred from single-value enums.
    pub declared: bool,
    /// The variants, in the order of the union.
    pub variants: Vec<TaggedVariant>,
    /// The name of the variant that holds a value with an unknown tag.
    pub fallback: String,
}

/// One variant of a tagged union.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaggedVariant {
    /// The Rust variant name.
    pub name: String,
    /// The tag values that select this variant (the first is written).
    pub tags: Vec<String>,
    /// The payload; `None` when the variant carries nothing but its tag.
    pub ty: Option<Type>,
    /// Documentation of the variant.
    pub doc: Option<DocText>,
}

/// A union without a discriminator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Untagged {
    /// The variants, tried in this order.
    pub variants: Vec<UntaggedVariant>,
    /// The name of the last variant, which holds any JSON value that no other variant accepts.
    pub fallback: String,
}

/// One variant of an untagged union.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UntaggedVariant {
    /// The Rust variant name.
    pub name: String,
    /// The payload.
    pub ty: Type,
    /// Documentation of the variant.
    pub doc: Option<DocText>,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Type {
    /// A named type of this API.
    Named(String),
    /// A built-in scalar.
    Scalar(Scalar),
    /// `Vec<T>`.
    List(Box<Type>),
    /// A map from strings to `T`.
    Map(Box<Type>),
    /// `Option<T>`, for nullable items.
    Option(Box<Type>),
    /// `Box<T>`, to break a cycle.
    Boxed(Box<Type>),
}

/// Built-in scalar types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Scalar {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f64` (also for `format: float`).
    F64,
    /// A timestamp (`format: date-time`).
    DateTime,
    /// A calendar date (`format: date`).
    Date,
    /// A UUID (`format: uuid`).
    Uuid,
    /// Base64 text carrying bytes (`format: byte`).
    Base64,
    /// A credential or other secret string (`format: password`), redacted in `Debug` output.
    Secret,
    /// Any JSON value.
    Json,
    /// Any JSON object.
    JsonObject,
    /// A file part of a multipart body (`format: binary` there).
    File,
    /// A whole multipart body whose fields the document does not describe, built by the caller.
    Multipart,
    /// The bytes of a request body of a media type the generator does not model.
    Bytes,
}

/// A sub-client grouping the operations of one tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The tag on the wire; empty for operations without a tag, which live on the client itself.
    pub wire: String,
    /// The accessor method on the client (`voices`), and the sub-client type (`VoicesClient`);
    /// `None` for the operations without a tag.
    pub accessor: Option<Accessor>,
    /// The tag's description.
    pub doc: Option<DocText>,
    /// The operations.
    pub operations: Vec<Operation>,
}

/// How a sub-client is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accessor {
    /// The method on the client.
    pub method: String,
    /// The sub-client type.
    pub client: String,
}

/// One HTTP operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// The `operationId`, or the derived one.
    pub id: String,
    /// The method name on the sub-client.
    pub method: String,
    /// The request builder type.
    pub builder: String,
    /// Documentation from summary and description.
    pub doc: Option<DocText>,
    /// The HTTP method, upper case.
    pub http_method: String,
    /// The path template as in the spec.
    pub path: String,
    /// The path split into literal text and parameters.
    pub path_parts: Vec<PathPart>,
    /// Path, query and header parameters the caller supplies.
    pub params: Vec<Param>,
    /// Headers filled by the client itself with a fixed value (the API version).
    pub fixed_headers: Vec<FixedHeader>,
    /// Required query parameters that allow one value only (`Action=DescribeThings`), sent by
    /// the client itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed_query: Vec<FixedHeader>,
    /// The JSON request body.
    pub body: Option<Body>,
    /// The success response.
    pub response: Response,
    /// How the operation pages through a list, from its `x-pagination` extension.
    pub pagination: Option<Pagination>,
    /// The error responses the operation declares with a JSON body, as an enum; `None` when it
    /// declares none (an error's raw body is always in the API error).
    pub errors: Option<ErrorEnum>,
    /// Security alternatives: each a set of scheme names that must all be sent.
    /// Empty: no authentication.
    pub security: Vec<Vec<String>>,
    /// Safe to send more than once whatever its method (`x-idempotent: true`), so that the client
    /// retries it after failures that may come after it was processed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub idempotent: bool,
    /// The wire name of the operation's `Idempotency-Key` header parameter: the client fills it
    /// with a fresh key per call unless the caller sets it, and then retries the operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Where the operation is in the document.
    pub pointer: String,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PathPart {
    /// Literal text.
    Literal(String),
    /// The parameter with this Rust name.
    Param(String),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamLocation {
    /// In the path.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
}

/// A parameter the caller supplies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    /// The Rust name.
    pub name: String,
    /// The name on the wire.
    pub wire: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Its type (for arrays, `List`).
    pub ty: Type,
    /// How an array is sent: `None` repeats the parameter per item (query `style: form` with
    /// `explode: true`, the default); a delimiter joins the items into one value (`,` for
    /// `explode: false` and for headers, ` ` for `spaceDelimited`, `|` for `pipeDelimited`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Sent as the JSON text of the value, whole (a parameter declared with `content` of a JSON
    /// media type whose value is structured: an object, an array, a map).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub json: bool,
    /// Required parameters are arguments of the method; optional ones are builder setters.
    pub required: bool,
    /// Bounds the schema declares, checked before the request is sent.
    #[serde(skip_serializing_if = "Bounds::is_empty")]
    pub bounds: Bounds,
    /// Documentation.
    pub doc: Option<DocText>,
}

/// A header with a value fixed by the generator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixedHeader {
    /// The header name.
    pub wire: String,
    /// The value.
    pub value: String,
    /// Whether the value is this API's version (printed as the version constant).
    pub is_api_version: bool,
}

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Body {
    /// The body's type.
    pub ty: Type,
    /// Whether the body must be sent.
    pub required: bool,
    /// The media type.
    pub media_type: String,
    /// How the body is written.
    pub encoding: BodyEncoding,
}

/// How a request body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BodyEncoding {
    /// JSON.
    Json,
    /// `application/x-www-form-urlencoded`.
    UrlEncoded,
    /// `multipart/form-data`, from a [`TypeKind::Form`] type.
    Multipart,
    /// Any other media type: the bytes as given, with the media type as `Content-Type`.
    Raw,
    /// An object schema under a text media type (`text/plain`): the value written as JSON text,
    /// sent with the documented media type as `Content-Type`.
    JsonText,
}

impl BodyEncoding {
    /// Whether the builder owns the body (taken by value) rather than borrowing it.
    pub fn owned(self) -> bool {
        matches!(self, Self::Multipart | Self::Raw)
    }
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Response {
    /// One kind of body, whatever the success status.
    Single(Payload),
    /// Several statuses or media types with different bodies: an enum with a variant each.
    Multi(MultiResponse),
}

/// A body as the caller receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Payload {
    /// No body.
    Empty,
    /// A JSON body of this type.
    Json(Type),
    /// A text body (`text/plain`, `text/csv`, ...).
    Text,
    /// A binary body, streamed (`audio/*`, `application/octet-stream`, ...).
    Binary,
    /// `text/event-stream` whose events carry JSON of this type.
    EventStream(Type),
}

/// The enum of an operation with several kinds of success response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiResponse {
    /// The enum's name.
    pub name: String,
    /// One variant per status and media type, in the document's order.
    pub variants: Vec<ResponseVariant>,
}

/// One success response of an operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseVariant {
    /// The Rust variant name.
    pub name: String,
    /// The status code (`200`) or range (`2XX`).
    pub status: String,
    /// The media type, when the response has a body.
    pub media_type: Option<String>,
    /// The body.
    pub payload: Payload,
}

/// Cursor pagination of a list operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pagination {
    /// The response field holding the page's items.
    pub items: String,
    /// The type of one item.
    pub item: Type,
    /// The response field saying whether more pages follow (`None`: continue until a page is empty
    /// or no next cursor is given).
    pub has_more: Option<PageFlag>,
    /// The query parameter the next page's cursor goes in.
    pub cursor_param: String,
    /// Where the next cursor comes from.
    pub cursor: CursorSource,
}

/// A boolean response field, and whether it is an `Option`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageFlag {
    /// The field.
    pub field: String,
    /// Whether the field is an `Option`.
    pub optional: bool,
}

/// Where the cursor of the next page comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CursorSource {
    /// This field of the last item (`id`); `true` when the field is an `Option`.
    LastItem(String, bool),
    /// This field of the response (`next_page`); `true` when the field is an `Option`.
    Response(String, bool),
}

/// The declared error responses of an operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorEnum {
    /// The enum's name.
    pub name: String,
    /// One variant per status, exact codes before ranges before `default`.
    pub variants: Vec<ResponseVariant>,
}

/// An operation left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The `operationId`, or the derived one.
    pub id: String,
    /// `METHOD /path`.
    pub route: String,
    /// Where the operation is in the document.
    pub pointer: String,
    /// Why it was left out.
    pub reason: String,
}

/// A fixed value as a Rust expression of its field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum FixedLiteral<'a> {
    /// A variant of a string enum type: the type and the variant.
    Variant(&'a str, &'a str),
    /// A `String`.
    Text(&'a str),
    /// A `bool`.
    Bool(bool),
    /// A signed integer of the field's integer type.
    Signed(i64),
    /// An unsigned integer of the field's integer type.
    Unsigned(u64),
    /// A floating-point number.
    Float(f64),
}

/// How a field's fixed value is written, when its type can hold it: `kind` looks a named type up.
/// `None` for a type that cannot (a JSON value, a secret, an enum without the value, an integer
/// out of range), whose field is then passed by the caller as any other.
pub fn fixed_literal<'a>(
    kind: impl Fn(&str) -> Option<&'a TypeKind>,
    ty: &'a Type,
    value: &'a serde_json::Value,
) -> Option<FixedLiteral<'a>> {
    let mut ty = ty;
    for _ in 0..16 {
        let Type::Named(name) = ty else { break };
        match kind(name)? {
            TypeKind::Alias(inner) => ty = inner,
            TypeKind::StringEnum(e) => {
                let wire = value.as_str()?;
                let variant = e.variants.iter().find(|v| v.wire == wire)?;
                return Some(FixedLiteral::Variant(name, &variant.name));
            }
            _ => return None,
        }
    }
    let Type::Scalar(scalar) = ty else {
        return None;
    };
    let fits = |low: i128, high: i128| {
        value
            .as_i64()
            .map(i128::from)
            .or_else(|| value.as_u64().map(i128::from))
            .is_some_and(|n| (low..=high).contains(&n))
    };
    let integer = || match value.as_i64() {
        Some(n) => FixedLiteral::Signed(n),
        None => FixedLiteral::Unsigned(value.as_u64().unwrap_or_default()),
    };
    match scalar {
        Scalar::String => value.as_str().map(FixedLiteral::Text),
        Scalar::Bool => value.as_bool().map(FixedLiteral::Bool),
        Scalar::I32 if fits(i32::MIN.into(), i32::MAX.into()) => Some(integer()),
        Scalar::I64 if fits(i64::MIN.into(), i64::MAX.into()) => Some(integer()),
        Scalar::U32 if fits(0, u32::MAX.into()) => Some(integer()),
        Scalar::U64 if fits(0, u64::MAX.into()) => Some(integer()),
        Scalar::F64 => value.as_f64().map(FixedLiteral::Float),
        _ => None,
    }
}
