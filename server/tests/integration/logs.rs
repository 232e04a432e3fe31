//! A log at ERROR must mean something is wrong. A normal run through the real router — REST calls,
//! every page of the navigation for each kind of caller, and clients that go away while their
//! page is being rendered — logs none, on SQLite and PostgreSQL.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

use crate::common::{callers, demo_store, state, Backend, Client};
use crate::rest::{api, token};

crate::on_both_backends!(a_normal_run_of_rest_calls_and_pages_logs_no_error);

/// Keeps the target and fields of every event logged at ERROR.
struct ErrorRecorder(Arc<Mutex<Vec<String>>>);

impl<S: Subscriber> Layer<S> for ErrorRecorder {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        if *event.metadata().level() == Level::ERROR {
            let mut text = format!("{}:", event.metadata().target());
            event.record(&mut FieldText(&mut text));
            self.0.lock().expect("recorder lock").push(text);
        }
    }
}

struct FieldText<'a>(&'a mut String);

impl Visit for FieldText<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

async fn page(client: &Client, path: &str) {
    let reply = client.get(path).await;
    assert!(
        reply.status.is_success() || reply.status.is_redirection(),
        "{path} answered {}: {}",
        reply.status,
        reply.body
    );
}

async fn a_normal_run_of_rest_calls_and_pages_logs_no_error(backend: Backend) {
    // The test's runtime runs every task on this thread, so a subscriber for this thread hears
    // the whole run and nothing of the tests running beside it.
    let errors = Arc::new(Mutex::new(Vec::new()));
    let _recording =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(ErrorRecorder(errors.clone())));
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let callers = callers(&state(store.clone())).await;

    let created = api(
        &callers.anonymous,
        "POST",
        "/api/v1/tickets",
        Some(&token),
        Some(json!({
            "subject": "Label printer offline",
            "description": "Since this morning.",
            "requester_email": "carla@acme.example",
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");
    let message = json!({"body": "Still offline."});
    let path = format!("/api/v1/tickets/{id}/messages");
    let added = api(&callers.anonymous, "POST", &path, Some(&token), Some(message)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let read = api(&callers.anonymous, "GET", &format!("/api/v1/tickets/{id}"), Some(&token), None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    let listed = api(&callers.anonymous, "GET", "/api/v1/tickets", Some(&token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);

    let ticket = format!("/tickets/{id}");
    for path in ["/", "/login"] {
        page(&callers.anonymous, path).await;
    }
    for path in ["/", "/portal", "/portal/new", "/notifications", &ticket] {
        page(&callers.customer, path).await;
    }
    for path in ["/", "/queue", "/tickets/new", "/notifications", &ticket] {
        page(&callers.agent, path).await;
    }
    let admin_sections =
        ["organisations", "tiers", "groups", "people", "categories", "calendars", "tokens", "deliveries"]
            .map(|section| format!("/admin/{section}"));
    for path in ["/admin", "/policy", "/notifications", &ticket]
        .into_iter()
        .chain(admin_sections.iter().map(String::as_str))
    {
        page(&callers.admin, path).await;
    }

    // Clients that close the connection while their page is rendered: the render is dropped at
    // a different point each time, while its server functions are still running.
    for milliseconds in 0..40 {
        let abandoned = tokio::time::timeout(Duration::from_millis(milliseconds), callers.agent.get(&ticket));
        let _ = abandoned.await;
    }
    // What the dropped renders started finishes in the background.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let errors = errors.lock().expect("recorder lock");
    assert!(errors.is_empty(), "nothing went wrong, yet these were logged at ERROR: {errors:#?}");
}
