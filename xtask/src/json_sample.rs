//! JSON samples built from the schemas of a document: the events a mock server sends for an
//! event stream whose document gives no example. Each sample satisfies what its schema states
//! (required properties, enums, bounds, patterns, formats), with the values the contract example
//! uses for its arguments (`generator::sample`).

use generator::ir::Bounds;
use serde_json::{Map, Value};

/// How deep references are followed before a sample gives up with `null`.
const MAX_DEPTH: usize = 24;

/// The samples of an event type: one per member when the type is a union (so that every kind of
/// event is decoded), else one.
pub fn events(document: &Value, schema: &Value) -> Vec<Value> {
    let schema = resolve(document, schema, 0);
    let members = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array);
    match members {
        Some(members) if !members.is_empty() && schema.get("properties").is_none() => members
            .iter()
            .map(|member| sample(document, member, 1))
            .collect(),
        _ => vec![sample(document, schema, 0)],
    }
}

/// Follows `$ref`s (local JSON pointers) to the schema they name.
fn resolve<'a>(document: &'a Value, schema: &'a Value, depth: usize) -> &'a Value {
    let mut schema = schema;
    for _ in depth..MAX_DEPTH {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let Some(target) = reference
                    .strip_prefix('#')
                    .and_then(|pointer| document.pointer(pointer))
                else {
                    return &Value::Null;
                };
                schema = target;
            }
            None => return schema,
        }
    }
    &Value::Null
}

/// A value of the schema.
pub fn sample(document: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let schema = resolve(document, schema, depth);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| values.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    let mut object = Map::new();
    let mut is_object = false;
    // allOf: every member's sample, merged; oneOf/anyOf: the first member's.
    let members = schema
        .get("allOf")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .chain(
            schema
                .get("oneOf")
                .or_else(|| schema.get("anyOf"))
                .and_then(Value::as_array)
                .and_then(|members| members.first().cloned()),
        );
    for member in members {
        match sample(document, &member, depth + 1) {
            Value::Object(fields) => {
                is_object = true;
                object.extend(fields);
            }
            other if schema.get("properties").is_none() => return other,
            _ => {}
        }
    }
    let typ = schema.get("type").and_then(Value::as_str);
    if typ == Some("object") || schema.get("properties").is_some() || is_object {
        let properties = properties(document, schema, depth);
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        for name in required {
            let property = properties.get(name).unwrap_or(&Value::Null);
            // A property the union's member has already given (its tag) keeps that value.
            let member_value = object.get(name).cloned();
            let value = match (member_value, property.is_null()) {
                (Some(value), _) => value,
                (None, true) => Value::String("sample".to_owned()),
                (None, false) => sample(document, property, depth + 1),
            };
            object.insert(name.to_owned(), value);
        }
        return Value::Object(object);
    }
    let bounds = bounds(schema);
    match typ {
        Some("array") => {
            let item = schema
                .get("items")
                .map_or(Value::Null, |items| sample(document, items, depth + 1));
            // One item unless more are required: enough to show the item type decodes.
            let count = bounds
                .min_items
                .unwrap_or(1)
                .max(1)
                .min(bounds.max_items.unwrap_or(u64::MAX));
            Value::Array(vec![item; count as usize])
        }
        Some("integer") => Value::from(generator::sample::integer(&bounds)),
        Some("number") => Value::from(generator::sample::number(&bounds)),
        Some("boolean") => Value::Bool(true),
        Some("string") => Value::String(generator::sample::string(&bounds)),
        _ => Value::Null,
    }
}

/// The properties a schema declares, its own and those of its `allOf` members.
fn properties<'a>(document: &'a Value, schema: &'a Value, depth: usize) -> Map<String, Value> {
    let mut all = Map::new();
    if depth > MAX_DEPTH {
        return all;
    }
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        all.extend(properties(
            document,
            resolve(document, member, depth),
            depth + 1,
        ));
    }
    if let Some(own) = schema.get("properties").and_then(Value::as_object) {
        all.extend(own.clone());
    }
    all
}

/// The constraints of a schema written as JSON.
fn bounds(schema: &Value) -> Bounds {
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let count = |key: &str| schema.get(key).and_then(Value::as_u64);
    let text = |key: &str| schema.get(key).and_then(Value::as_str).map(str::to_owned);
    // 3.1 writes exclusive bounds as numbers, 3.0 as flags beside minimum and maximum.
    let (minimum, exclusive_minimum) = match schema.get("exclusiveMinimum") {
        Some(Value::Number(n)) => (n.as_f64(), true),
        Some(Value::Bool(flag)) => (number("minimum"), *flag),
        _ => (number("minimum"), false),
    };
    let (maximum, exclusive_maximum) = match schema.get("exclusiveMaximum") {
        Some(Value::Number(n)) => (n.as_f64(), true),
        Some(Value::Bool(flag)) => (number("maximum"), *flag),
        _ => (number("maximum"), false),
    };
    Bounds {
        minimum,
        maximum,
        exclusive_minimum,
        exclusive_maximum,
        min_length: count("minLength"),
        max_length: count("maxLength"),
        min_items: count("minItems"),
        max_items: count("maxItems"),
        multiple_of: number("multipleOf"),
        pattern: text("pattern"),
        format: text("format"),
        values: Vec::new(),
    }
}
