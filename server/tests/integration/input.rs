//! Bad input gets a 4xx that says what is wrong, never a 5xx, and changes nothing: arguments a
//! server function cannot decode, REST requests axum cannot read, page numbers out of bounds,
//! and admin changes to things that do not exist.

use app::domain::Role;
use app::error::AppError;
use http::{header, Request, StatusCode};
use serde_json::json;

use crate::common::{callers, demo_store, state, user_by_email, Backend, Client, Reply};
use crate::rest::{api, token};

crate::on_both_backends!(
    server_functions_answer_arguments_they_cannot_decode_with_4xx_and_change_nothing,
    rest_requests_axum_cannot_read_get_the_documented_error_body,
    page_numbers_beyond_the_last_page_are_refused_by_name,
    a_group_that_does_not_exist_is_not_found_and_a_member_named_twice_counts_once,
    updating_a_person_who_does_not_exist_writes_nothing,
);

/// The error a server function answered with, read as the browser reads it.
fn app_error(reply: &Reply) -> AppError {
    serde_json::from_str(&reply.body)
        .unwrap_or_else(|error| panic!("not an AppError ({error}), {}: {}", reply.status, reply.body))
}

/// A body larger than axum's default limit of 2 MiB.
fn oversized() -> String {
    "x".repeat(3 << 20)
}

async fn server_functions_answer_arguments_they_cannot_decode_with_4xx_and_change_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let ticket = crate::http::an_acme_ticket(&store).await;
    let ticket_id = ticket.to_string();
    let events = store.count_events(ticket).await.expect("count");

    let not_a_number = callers
        .customer
        .call("tickets/message", &[("ticket_id", "seven"), ("body", "hi"), ("visibility", "public")])
        .await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST, "{}", not_a_number.body);
    assert!(matches!(app_error(&not_a_number), AppError::BadRequest(_)), "{}", not_a_number.body);

    let missing = callers
        .customer
        .call("tickets/message", &[("ticket_id", &ticket_id), ("visibility", "public")])
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", missing.body);
    assert_eq!(
        app_error(&missing).field_errors().and_then(|errors| errors.for_field("body")),
        Some("This field is required.")
    );
    // A field missing from a form's struct is named as the form names it.
    let incomplete = callers.admin.call("admin/organisation", &[("form[name]", "Initech")]).await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", incomplete.body);
    assert!(app_error(&incomplete).field_errors().and_then(|errors| errors.for_field("plan")).is_some());

    let huge = oversized();
    let too_large = callers
        .customer
        .call("tickets/message", &[("ticket_id", &ticket_id), ("body", &huge), ("visibility", "public")])
        .await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", too_large.body);
    assert_eq!(app_error(&too_large), AppError::TooLarge);

    assert_eq!(store.count_events(ticket).await.expect("count"), events);
    assert!(!store.organisations().await.expect("organisations").iter().any(|o| o.name == "Initech"));
}

async fn rest_requests_axum_cannot_read_get_the_documented_error_body(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let client = Client::new(state(store.clone()));
    let before = store.count_tickets().await.expect("count");
    let valid =
        json!({"subject": "Printer", "description": "Jammed", "requester_email": "carla@acme.example"});

    let raw = |body: String, content_type: &'static str| {
        Request::post("/api/v1/tickets")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .expect("request")
    };
    let refused = |reply: &Reply, status: StatusCode, code: &str| {
        assert_eq!(reply.status, status, "{}", reply.body);
        let body = reply.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        body
    };

    refused(&client.send(raw(valid.to_string(), "text/plain")).await, StatusCode::BAD_REQUEST, "bad_request");
    refused(
        &client.send(raw("{\"subject\":".into(), "application/json")).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let oversized =
        json!({"subject": "x", "description": oversized(), "requester_email": "carla@acme.example"});
    refused(
        &client.send(raw(oversized.to_string(), "application/json")).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    );

    let wrong_type = api(
        &client,
        "POST",
        "/api/v1/tickets",
        Some(&token),
        Some(json!({"subject": 5, "description": "x", "requester_email": "carla@acme.example"})),
    )
    .await;
    let body = refused(&wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(body["error"]["fields"][0]["field"], "subject", "{body}");
    let missing = api(
        &client,
        "POST",
        "/api/v1/tickets",
        Some(&token),
        Some(json!({"subject": "x", "description": "x"})),
    )
    .await;
    let body = refused(&missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(body["error"]["fields"][0]["field"], "requester_email", "{body}");

    refused(
        &api(&client, "GET", "/api/v1/tickets/seven", Some(&token), None).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    refused(
        &api(&client, "POST", "/api/v1/tickets/seven/messages", Some(&token), Some(json!({"body": "hi"})))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_eq!(store.count_tickets().await.expect("count"), before);
}

async fn page_numbers_beyond_the_last_page_are_refused_by_name(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let state = state(store.clone());
    let client = Client::new(state.clone());
    let last = app::domain::queue::LAST_PAGE;
    let document = client.get("/api/v1/openapi.json").await.json();
    let page = document["paths"]["/api/v1/tickets"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|parameter| parameter["name"] == "page")
        .cloned()
        .expect("page is documented");
    assert_eq!(page["schema"]["maximum"], json!(last), "the document states the bound the API applies");
    let empty =
        api(&client, "GET", &format!("/api/v1/tickets?status=all&page={last}"), Some(&token), None).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.json()["tickets"], json!([]));
    for (query, field) in [
        ("page=9223372036854775807", "page"),
        (&format!("page={}", last + 1), "page"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("per_page=201", "per_page"),
        ("per_page=many", "per_page"),
    ] {
        let reply = api(&client, "GET", &format!("/api/v1/tickets?{query}"), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", reply.body);
        assert_eq!(reply.json()["error"]["fields"][0]["field"], field, "{query}");
    }
    // The same bound holds for the lists the pages show.
    let agent = callers(&state).await.agent;
    let reply = agent.call("tickets/list", &[("query[page]", "9223372036854775807")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(app_error(&reply).field_errors().and_then(|errors| errors.for_field("page")).is_some());
}

async fn a_group_that_does_not_exist_is_not_found_and_a_member_named_twice_counts_once(backend: Backend) {
    let store = demo_store(backend).await;
    let admin = callers(&state(store.clone())).await.admin;
    let tier = store.tiers().await.expect("tiers")[0].id.to_string();
    let groups_before = store.groups().await.expect("groups");
    let missing = (groups_before.iter().map(|g| g.id).max().unwrap_or(0) + 1000).to_string();

    for members in ["sam.agent@tierline.example", ""] {
        let reply = admin
            .call(
                "admin/group",
                &[
                    ("form[id]", &missing),
                    ("form[tier]", &tier),
                    ("form[name]", "Night shift"),
                    ("form[members]", members),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "members {members:?}: {}", reply.body);
        assert_eq!(app_error(&reply), AppError::NotFound);
    }
    assert_eq!(store.groups().await.expect("groups"), groups_before);

    let twice = admin
        .call(
            "admin/group",
            &[
                ("form[tier]", &tier),
                ("form[name]", "Night shift"),
                (
                    "form[members]",
                    "sam.agent@tierline.example, SAM.AGENT@tierline.example kim.agent@tierline.example",
                ),
            ],
        )
        .await;
    assert!(twice.status.is_success(), "{}", twice.body);
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let kim = user_by_email(&store, "kim.agent@tierline.example").await;
    let night =
        store.groups().await.expect("groups").into_iter().find(|g| g.name == "Night shift").expect("created");
    let mut members = night.member_ids;
    members.sort();
    let mut expected = vec![sam.id, kim.id];
    expected.sort();
    assert_eq!(members, expected);
}

/// An update that succeeds is tested through the admin's server function, in
/// `http::admins_manage_people_but_never_lock_themselves_out`.
async fn updating_a_person_who_does_not_exist_writes_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    let missing = store.users().await.expect("users").iter().map(|u| u.summary.id).max().unwrap_or(0) + 1000;
    let skills = vec!["night".to_string()];
    assert!(!store.update_person(missing, Role::Agent, true, None, &skills).await.expect("update"));
    assert!(store.user_skills().await.expect("skills").iter().all(|(id, _)| *id != missing));
}
