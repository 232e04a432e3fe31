//! A property-based fuzz of the REST API driven by its own OpenAPI document: every documented
//! operation is called with generated path values, queries, bodies and content types, with a
//! valid token, a wrong one and none. Every answer must be one of the operation's documented
//! statuses (so never a 5xx) with a body that fits the documented schema.
//!
//! The cases are bounded (`CASES` per backend) so the run fits CI; proptest shrinks a failure to
//! a small request and prints it.

use std::collections::BTreeMap;

use axum::body::Body;
use http::{header, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

use crate::common::{demo_store, state, urlencode, Backend, Client};

const CASES: u32 = 400;

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_documented_operation_answers_generated_requests_as_documented() {
        super::every_documented_operation_answers_generated_requests_as_documented(
            crate::common::Backend::Sqlite,
        )
        .await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_documented_operation_answers_generated_requests_as_documented() {
        super::every_documented_operation_answers_generated_requests_as_documented(
            crate::common::Backend::Postgres,
        )
        .await
    }
}

/// Which credentials a generated request carries.
#[derive(Clone, Debug)]
enum Credentials {
    Valid,
    Wrong,
    None,
}

/// A generated body: JSON text with a content type, or no body at all.
#[derive(Clone, Debug)]
struct GeneratedBody {
    content_type: Option<&'static str>,
    text: String,
}

/// One generated request for one documented operation.
#[derive(Clone, Debug)]
struct GeneratedRequest {
    method: String,
    template: String,
    path_values: BTreeMap<String, String>,
    query: Vec<(String, String)>,
    body: Option<GeneratedBody>,
    credentials: Credentials,
}

impl GeneratedRequest {
    fn uri(&self) -> String {
        let mut path = self.template.clone();
        for (name, value) in &self.path_values {
            path = path.replace(&format!("{{{name}}}"), &urlencode(value));
        }
        if self.query.is_empty() {
            return path;
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(name, value)| format!("{}={}", urlencode(name), urlencode(value)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

async fn every_documented_operation_answers_generated_requests_as_documented(backend: Backend) {
    let store = demo_store(backend).await;
    let token = crate::rest::token(&store).await;
    let client = Client::new(state(store));
    let document = client.get("/api/v1/openapi.json").await.json();
    let operations = operations(&document);
    assert_eq!(operations.len(), 4, "the four ticket operations are documented");
    let strategy = proptest::strategy::Union::new(
        operations.iter().map(|operation| request_strategy(&document, operation)),
    );

    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_time: 30_000,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let result = runner.run(&strategy, |request| {
        // proptest calls this synchronously; the router is async, so the case runs on this
        // worker thread while the runtime's other worker keeps the database pool going.
        tokio::task::block_in_place(|| handle.block_on(check(&client, &document, &token, &request)))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// Sends one request and checks its answer against the document.
async fn check(
    client: &Client,
    document: &Value,
    token: &str,
    generated: &GeneratedRequest,
) -> Result<(), TestCaseError> {
    let mut request = Request::builder()
        .method(generated.method.to_uppercase().as_str())
        .uri(generated.uri())
        .header(header::HOST, "127.0.0.1:3000");
    match generated.credentials {
        Credentials::Valid => request = request.header(header::AUTHORIZATION, format!("Bearer {token}")),
        Credentials::Wrong => request = request.header(header::AUTHORIZATION, "Bearer tl_not-a-token"),
        Credentials::None => {}
    }
    let body = match &generated.body {
        Some(body) => {
            if let Some(content_type) = body.content_type {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            Body::from(body.text.clone())
        }
        None => Body::empty(),
    };
    let reply =
        client.send(request.body(body).map_err(|error| TestCaseError::fail(error.to_string()))?).await;
    let operation = &document["paths"][&generated.template][&generated.method];
    let status = reply.status.as_u16().to_string();
    prop_assert!(reply.status.as_u16() < 500, "{} {}", reply.status, reply.body);
    let documented = &operation["responses"][&status];
    prop_assert!(
        documented.is_object(),
        "status {status} is not documented for this operation: {}",
        reply.body
    );
    let Some(schema) = documented.pointer("/content/application~1json/schema") else {
        return Ok(());
    };
    let body: Value = serde_json::from_str(&reply.body).map_err(|error| {
        TestCaseError::fail(format!("{status} answer is not JSON ({error}): {}", reply.body))
    })?;
    conforms(document, schema, &body, "$")
        .map_err(|mismatch| TestCaseError::fail(format!("{status}: {mismatch}")))
}

/// (method, path template, operation) of every documented operation.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            found.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    found
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|reference| reference.strip_prefix('#')) {
        Some(pointer) => document.pointer(pointer).unwrap_or_else(|| panic!("dangling reference {pointer}")),
        None => schema,
    }
}

/// The JSON types a schema allows: `type` as one name or a list of them.
fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Checks `value` against the parts of JSON Schema utoipa writes: references, one/any/allOf,
/// types, formats of instants and integers, required and documented properties, array items.
fn conforms(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(document, schema);
    for (keyword, needed) in [("oneOf", 1), ("anyOf", 1)] {
        if let Some(options) = schema[keyword].as_array() {
            let passing =
                options.iter().filter(|option| conforms(document, option, value, at).is_ok()).count();
            if passing < needed {
                return Err(format!("{at}: {value} fits none of {keyword}"));
            }
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            conforms(document, part, value, at)?;
        }
    }
    let allowed = types(schema);
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = allowed.is_empty()
        || allowed.contains(&actual)
        || (actual == "integer" && allowed.contains(&"number"));
    if !fits {
        return Err(format!("{at}: {value} is {actual}, the schema allows {allowed:?}"));
    }
    if let (Some("date-time"), Value::String(text)) = (schema["format"].as_str(), value) {
        chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|error| format!("{at}: {text:?} is no instant: {error}"))?;
    }
    match value {
        Value::Object(fields) => {
            let properties = schema["properties"].as_object().cloned().unwrap_or_default();
            for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !fields.contains_key(required) {
                    return Err(format!("{at}: the required {required} is missing from {value}"));
                }
            }
            for (name, field) in fields {
                let property = properties
                    .get(name)
                    .ok_or_else(|| format!("{at}: {name} is not a documented property"))?;
                conforms(document, property, field, &format!("{at}.{name}"))?;
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    conforms(document, item_schema, item, &format!("{at}[{index}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Words that mean something to Tierline in the field or parameter `name` (customers'
/// addresses, priorities, statuses, categories), most of them valid there.
fn meaningful(name: &str) -> &'static [&'static str] {
    match name {
        name if name.ends_with("email") => {
            &["carla@acme.example", "ben@acme.example", "dana@globex.example", "nobody@example.com"]
        }
        "priority" => &["low", "normal", "high", "urgent", "soon"],
        "visibility" => &["public", "internal", "secret"],
        "category" => &["hardware", "Billing", "Network & VPN", "Gardening"],
        "status" => &["all", "active", "new", "open,pending", "closed", "waiting"],
        _ => &["Printer jammed on the third floor", "Any news?", "Paged the DBA.", "Disk full", "x"],
    }
}

/// Text for `name`: mostly meaningful words, so that requests get past validation and write,
/// mixed with arbitrary and overlong text.
fn text(name: &str) -> BoxedStrategy<String> {
    prop_oneof![
        8 => prop::sample::select(meaningful(name)).prop_map(str::to_string),
        2 => "\\PC{0,40}",
        1 => (1usize..6000).prop_map(|length| "x".repeat(length)),
    ]
    .boxed()
}

fn integer() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => 1i64..40,
        1 => any::<i64>(),
        1 => prop::sample::select(vec![0, -1, i64::MAX, i64::MIN, 1_000_000, 1_000_001, 200, 201]),
    ]
    .boxed()
}

/// A JSON value for `name` of the type the schema asks for, or now and then of another type.
fn json_value(document: &Value, name: &str, schema: &Value) -> BoxedStrategy<Value> {
    let schema = resolve(document, schema);
    let wrong_type = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        integer().prop_map(Value::from),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(Map::new())),
    ];
    let allowed = types(schema);
    let fitting = if allowed.contains(&"integer") {
        integer().prop_map(Value::from).boxed()
    } else if allowed.contains(&"string") {
        text(name).prop_map(Value::String).boxed()
    } else if allowed.contains(&"object") {
        json_object(document, schema)
    } else {
        wrong_type.clone().boxed()
    };
    prop_oneof![10 => fitting, 1 => wrong_type].boxed()
}

/// An object with each documented property present (fitting or not) or absent.
fn json_object(document: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let schema = resolve(document, schema);
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let name = name.clone();
            prop::option::weighted(0.95, json_value(document, &name, property))
                .prop_map(move |value| value.map(|value| (name.clone(), value)))
                .boxed()
        })
        .collect();
    fields.prop_map(|fields| Value::Object(fields.into_iter().flatten().collect())).boxed()
}

/// An object a careful client would send: the required properties and now and then the others,
/// each a meaningful word for its field, so that many requests succeed and write.
fn plausible_object(document: &Value, schema: &Value) -> BoxedStrategy<Value> {
    let schema = resolve(document, schema);
    let required: Vec<&str> =
        schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| {
            let words = prop::sample::select(meaningful(name));
            let name = name.clone();
            if required.contains(&name.as_str()) {
                words.prop_map(move |word| Some((name.clone(), Value::from(word)))).boxed()
            } else {
                prop::option::of(words)
                    .prop_map(move |word| word.map(|word| (name.clone(), Value::from(word))))
                    .boxed()
            }
        })
        .collect();
    fields.prop_map(|fields| Value::Object(fields.into_iter().flatten().collect())).boxed()
}

/// A request body: mostly JSON of the documented shape, sometimes other JSON, malformed text,
/// a wrong content type or none.
fn body(document: &Value, schema: &Value) -> BoxedStrategy<Option<GeneratedBody>> {
    let json = |strategy: BoxedStrategy<Value>| {
        strategy.prop_map(|value| {
            Some(GeneratedBody { content_type: Some("application/json"), text: value.to_string() })
        })
    };
    prop_oneof![
        6 => json(plausible_object(document, schema)),
        6 => json(json_object(document, schema)),
        1 => json(json_value(document, "body", &Value::Null)),
        1 => "\\PC{0,60}".prop_map(|text| Some(GeneratedBody { content_type: Some("application/json"), text })),
        1 => json_object(document, schema).prop_map(|value| Some(GeneratedBody { content_type: Some("text/plain"), text: value.to_string() })),
        1 => json_object(document, schema).prop_map(|value| Some(GeneratedBody { content_type: None, text: value.to_string() })),
        1 => Just(None),
    ]
    .boxed()
}

/// The text of a path or query value: mostly of the documented type, sometimes any text. A
/// path value is never empty, since an empty segment is another URL, not this operation.
fn parameter_text(name: &str, schema: &Value, in_path: bool) -> BoxedStrategy<String> {
    let fitting = if types(schema).contains(&"integer") {
        integer().prop_map(|number| number.to_string()).boxed()
    } else {
        text(name)
    };
    let any_text = if in_path { "\\PC{1,20}".boxed() } else { "\\PC{0,20}".boxed() };
    let fitting = if in_path {
        fitting.prop_filter("a path value is not empty", |text| !text.is_empty()).boxed()
    } else {
        fitting
    };
    prop_oneof![5 => fitting, 1 => any_text].boxed()
}

fn request_strategy(
    document: &Value,
    (method, template, operation): &(String, String, Value),
) -> BoxedStrategy<GeneratedRequest> {
    let parameters: Vec<&Value> = operation["parameters"].as_array().into_iter().flatten().collect();
    let path_values: Vec<BoxedStrategy<(String, String)>> = parameters
        .iter()
        .filter(|parameter| parameter["in"] == "path")
        .map(|parameter| {
            let name = parameter["name"].as_str().expect("name").to_string();
            assert!(
                template.contains(&format!("{{{name}}}")),
                "{method} {template} documents a path parameter {name} it lacks"
            );
            parameter_text(&name, &parameter["schema"], true)
                .prop_map(move |value| (name.clone(), value))
                .boxed()
        })
        .collect();
    let query: Vec<BoxedStrategy<Option<(String, String)>>> = parameters
        .iter()
        .filter(|parameter| parameter["in"] == "query")
        .map(|parameter| {
            let name = parameter["name"].as_str().expect("name").to_string();
            prop::option::of(parameter_text(&name, &parameter["schema"], false))
                .prop_map(move |value| value.map(|value| (name.clone(), value)))
                .boxed()
        })
        .collect();
    let body = match operation.pointer("/requestBody/content/application~1json/schema") {
        Some(schema) => body(document, schema),
        None => Just(None).boxed(),
    };
    let credentials = prop_oneof![6 => Just(Credentials::Valid), 1 => Just(Credentials::Wrong), 1 => Just(Credentials::None)];
    let (method, template) = (method.clone(), template.clone());
    (path_values, query, body, credentials)
        .prop_map(move |(path_values, query, body, credentials)| GeneratedRequest {
            method: method.clone(),
            template: template.clone(),
            path_values: path_values.into_iter().collect(),
            query: query.into_iter().flatten().collect(),
            body,
            credentials,
        })
        .boxed()
}
