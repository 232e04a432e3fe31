//! The REST API: bearer tokens, the four ticket operations, error answers, and the OpenAPI
//! document generated from the handlers.

use axum::body::Body;
use http::{header, Request, StatusCode};
use serde_json::{json, Value};

use crate::common::{callers, demo_store, state, user_by_email, Backend, Client, Reply};
use crate::http::an_acme_ticket;

crate::on_both_backends!(
    integrations_create_read_list_and_answer_tickets_with_a_token,
    calls_without_a_valid_token_are_refused,
    invalid_input_is_refused_with_its_fields_and_creates_nothing,
    the_openapi_document_describes_what_the_handlers_answer,
    every_rest_route_checks_its_caller,
    one_rule_refuses_a_customers_note_and_another_organisations_customer_at_both_doors,
);

pub async fn token(store: &app::ssr::Store) -> String {
    let admin = user_by_email(store, "admin@tierline.example").await;
    store.create_api_token("Monitoring", admin.id, chrono::Utc::now()).await.expect("token").1
}

pub async fn api(
    client: &Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path).header(header::HOST, "127.0.0.1:3000");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    client.send(request.body(body).expect("request")).await
}

async fn integrations_create_read_list_and_answer_tickets_with_a_token(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let client = Client::new(state(store.clone()));
    let created = api(
        &client,
        "POST",
        "/api/v1/tickets",
        Some(&token),
        Some(json!({
            "subject": "Monitoring: disk full on db-2",
            "description": "The nightly check found /var at 98 %.",
            "requester_email": "carla@acme.example",
            "priority": "high",
            "category": "hardware"
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let ticket = created.json();
    let id = ticket["id"].as_i64().expect("id");
    assert_eq!(ticket["channel"], "api");
    assert_eq!(ticket["priority"], "high");
    assert_eq!(ticket["category"], "Hardware");
    assert_eq!(ticket["organisation"], "Acme Logistics");

    let note = api(
        &client,
        "POST",
        &format!("/api/v1/tickets/{id}/messages"),
        Some(&token),
        Some(json!({"body": "Paged the DBA.", "visibility": "internal"})),
    )
    .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    let customer = api(
        &client,
        "POST",
        &format!("/api/v1/tickets/{id}/messages"),
        Some(&token),
        Some(json!({"body": "Any update?", "author_email": "ben@acme.example"})),
    )
    .await;
    assert_eq!(customer.status, StatusCode::CREATED, "{}", customer.body);

    let read = api(&client, "GET", &format!("/api/v1/tickets/{id}"), Some(&token), None).await.json();
    let kinds: Vec<&str> =
        read["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["kind"].as_str()).collect();
    // The API shows the public timeline: the note stays inside.
    assert_eq!(kinds, vec!["created", "customer_message"]);
    assert_eq!(read["timeline"][1]["author"], "Ben Walker");

    let listed =
        api(&client, "GET", "/api/v1/tickets?status=new&per_page=200", Some(&token), None).await.json();
    assert!(listed["tickets"].as_array().expect("tickets").iter().any(|t| t["id"] == id));
    assert!(listed["tickets"].as_array().expect("tickets").iter().all(|t| t["status"] == "new"));
}

async fn calls_without_a_valid_token_are_refused(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let client = Client::new(state(store.clone()));
    let missing = api(&client, "GET", "/api/v1/tickets", None, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.json()["error"]["code"], "unauthenticated");
    assert_eq!(
        api(&client, "GET", "/api/v1/tickets", Some("tl_not-a-token"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let id = store
        .create_api_token("Old", user_by_email(&store, "admin@tierline.example").await.id, chrono::Utc::now())
        .await
        .expect("token");
    store.revoke_api_token(id.0, chrono::Utc::now()).await.expect("revoke");
    assert_eq!(
        api(&client, "GET", "/api/v1/tickets", Some(&id.1), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(api(&client, "GET", "/api/v1/tickets", Some(&token), None).await.status, StatusCode::OK);
    assert_eq!(
        api(&client, "GET", "/api/v1/tickets/999999", Some(&token), None).await.status,
        StatusCode::NOT_FOUND
    );
    // A bearer call that also carries a cookie is treated as a browser request and must be same-origin.
    let mut request = Request::post("/api/v1/tickets/1/messages")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::COOKIE, "tierline_session=x")
        .header(header::CONTENT_TYPE, "application/json");
    request = request.header("sec-fetch-site", "cross-site");
    let forged = client.send(request.body(Body::from(r#"{"body":"x"}"#)).expect("request")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

async fn invalid_input_is_refused_with_its_fields_and_creates_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let client = Client::new(state(store.clone()));
    let before = store.count_tickets().await.expect("count");
    let reply = api(
        &client,
        "POST",
        "/api/v1/tickets",
        Some(&token),
        Some(json!({"subject": "", "description": "x", "requester_email": "nobody@example.com", "priority": "soon", "category": "Gardening"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = reply.json();
    assert_eq!(body["error"]["code"], "invalid");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    for field in ["requester_email", "category", "subject", "priority"] {
        assert!(fields.contains(&field), "{field} missing from {body}");
    }
    assert_eq!(store.count_tickets().await.expect("count"), before);
}

async fn the_openapi_document_describes_what_the_handlers_answer(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let client = Client::new(state(store));
    let document = api(&client, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(document.status, StatusCode::OK);
    let document = document.json();
    assert!(document["openapi"].as_str().expect("version").starts_with("3."));
    for (path, method) in [
        ("/api/v1/tickets", "post"),
        ("/api/v1/tickets", "get"),
        ("/api/v1/tickets/{id}", "get"),
        ("/api/v1/tickets/{id}/messages", "post"),
    ] {
        assert!(document["paths"][path][method].is_object(), "{method} {path} is not documented");
    }
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // Every field a real answer carries is a documented property of its schema, and every
    // required property is present.
    let ticket = api(&client, "GET", "/api/v1/tickets?status=all&per_page=1", Some(&token), None)
        .await
        .json()["tickets"][0]
        .clone();
    let schema = &document["components"]["schemas"]["ApiTicket"];
    let properties = schema["properties"].as_object().expect("properties");
    for key in ticket.as_object().expect("object").keys() {
        assert!(properties.contains_key(key), "answer field {key} is not in the schema");
    }
    for required in schema["required"].as_array().expect("required") {
        assert!(
            ticket.get(required.as_str().expect("name")).is_some(),
            "schema requires {required}, the answer lacks it"
        );
    }
}

/// Every route of the REST API as `METHOD path`. The
/// `the_authorisation_matrices_name_every_endpoint` test compares it with the router and the
/// OpenAPI document, so a new route cannot go untested for its callers.
pub const REST_ROUTES: &[&str] = &[
    "GET /api/v1/openapi.json",
    "POST /api/v1/tickets",
    "GET /api/v1/tickets",
    "GET /api/v1/tickets/{id}",
    "POST /api/v1/tickets/{id}/messages",
];

/// Who calls each route, in the order: no token, a token that does not exist, a customer's
/// token, an agent's token, an admin's token; with the status each gets. A token acts with its
/// owner's rights and the API is for staff, so a customer's token is refused.
async fn every_rest_route_checks_its_caller(backend: Backend) {
    let store = demo_store(backend).await;
    let ticket = store
        .list_tickets(&app::domain::queue::TicketFilter { page: 1, per_page: 1, ..Default::default() })
        .await
        .expect("list")
        .items[0]
        .ticket
        .id;
    let token_of = |email: &'static str| {
        let store = store.clone();
        async move {
            let owner = user_by_email(&store, email).await;
            store.create_api_token("Matrix", owner.id, chrono::Utc::now()).await.expect("token").1
        }
    };
    let tokens = [
        None,
        Some("tl_not-a-token".to_string()),
        Some(token_of("carla@acme.example").await),
        Some(token_of("sam.agent@tierline.example").await),
        Some(token_of("admin@tierline.example").await),
    ];
    let names =
        ["no token", "an unknown token", "a customer's token", "an agent's token", "an admin's token"];
    let client = Client::new(state(store.clone()));
    let (unauthenticated, forbidden) = (StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN);
    for route in REST_ROUTES {
        let (method, path) = route.split_once(' ').expect("METHOD path");
        let (body, expected) = match *route {
            // The document describing the API is public.
            "GET /api/v1/openapi.json" => (None, [StatusCode::OK; 5]),
            "POST /api/v1/tickets" => (
                Some(json!({
                    "subject": "Monitoring: certificate expires in a week",
                    "description": "The nightly check found it.",
                    "requester_email": "carla@acme.example"
                })),
                [unauthenticated, unauthenticated, forbidden, StatusCode::CREATED, StatusCode::CREATED],
            ),
            "GET /api/v1/tickets" | "GET /api/v1/tickets/{id}" => {
                (None, [unauthenticated, unauthenticated, forbidden, StatusCode::OK, StatusCode::OK])
            }
            "POST /api/v1/tickets/{id}/messages" => (
                Some(json!({"body": "We are looking into it."})),
                [unauthenticated, unauthenticated, forbidden, StatusCode::CREATED, StatusCode::CREATED],
            ),
            other => panic!("{other} is in REST_ROUTES but has no cases in the matrix"),
        };
        let path = path.replace("{id}", &ticket.to_string());
        for ((who, token), expected) in names.into_iter().zip(&tokens).zip(expected) {
            // Sent as from Tierline's own pages, so a call without a token reaches the handler's
            // check rather than the refusal of cross-site posts (tested in http.rs).
            let mut request = Request::builder()
                .method(method)
                .uri(&path)
                .header(header::HOST, "127.0.0.1:3000")
                .header("sec-fetch-site", "same-origin")
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(token) = token {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            let body = body.as_ref().map(Value::to_string).unwrap_or_default();
            let reply = client.send(request.body(Body::from(body)).expect("request")).await;
            assert_eq!(reply.status, expected, "{route} called with {who}: {}", reply.body);
        }
    }
}

/// Posting a message is one use case (`app::ssr::use_cases::post_message`) behind both front
/// doors: a customer's internal note and a message by another organisation's customer are
/// refused by the same rule at each, each door answering in its own words, and nothing is
/// written at either.
async fn one_rule_refuses_a_customers_note_and_another_organisations_customer_at_both_doors(
    backend: Backend,
) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let state = state(store.clone());
    let callers = callers(&state).await;
    let rest = Client::new(state);
    let ticket = an_acme_ticket(&store).await;
    let before = store.count_events(ticket).await.expect("count");
    let id = ticket.to_string();
    let messages = format!("/api/v1/tickets/{ticket}/messages");
    let page = async |client: &Client, body: &str, visibility: &str| {
        client
            .call("tickets/message", &[("ticket_id", &id), ("body", body), ("visibility", visibility)])
            .await
    };
    let api_as = async |author: &str, body: &str, visibility: &str| {
        let request = json!({"body": body, "visibility": visibility, "author_email": author});
        api(&rest, "POST", &messages, Some(&token), Some(request)).await
    };
    let first_field = |reply: &Reply| reply.json()["error"]["fields"][0].clone();

    // A customer's internal note: the pages answer 403, the API names the field.
    let page_note = page(&callers.customer, "Note to self", "internal").await;
    assert_eq!(page_note.status, StatusCode::FORBIDDEN, "{}", page_note.body);
    let api_note = api_as("carla@acme.example", "Note to self", "internal").await;
    assert_eq!(api_note.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api_note.body);
    assert_eq!(
        first_field(&api_note),
        json!({"field": "visibility", "message": "A customer's message is always public."})
    );

    // Another organisation's customer: the pages hide the ticket, the API names the author.
    let page_other = page(&callers.other_customer, "Hello", "public").await;
    assert_eq!(page_other.status, StatusCode::NOT_FOUND, "{}", page_other.body);
    let api_other = api_as("dana@globex.example", "Hello", "public").await;
    assert_eq!(api_other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api_other.body);
    assert_eq!(first_field(&api_other)["field"], "author_email");
    assert_eq!(store.count_events(ticket).await.expect("count"), before, "a refused message wrote nothing");

    // The same customer writing publicly on their own organisation's ticket passes at both doors.
    let page_public = page(&callers.customer, "Any news?", "public").await;
    assert!(page_public.status.is_success(), "{}", page_public.body);
    let api_public = api_as("carla@acme.example", "Any news?", "public").await;
    assert_eq!(api_public.status, StatusCode::CREATED, "{}", api_public.body);
    assert_eq!(store.count_events(ticket).await.expect("count"), before + 2);
}
