//! Concurrent writers, on SQLite and PostgreSQL: integrations creating tickets and adding
//! messages through the REST API, people creating tickets and writing notes through server
//! functions, the escalation engine and the notifier, all at once for a few seconds. SQLite has
//! one writer at a time; whoever waits for it must wait, not fail. So no answer may be a server
//! error, no worker step may fail, and everything that was acknowledged must be there afterwards.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::EventData;
use app::ssr::Store;
use chrono::Utc;
use http::StatusCode;
use serde_json::json;
use server::escalation::Engine;
use server::notifications::Notifier;
use tokio::sync::Notify;

use crate::common::{callers, demo_store, state, Backend, Client, Reply};
use crate::rest::{api, token};

crate::on_both_backends!(
    concurrent_writers_all_succeed_and_every_acknowledged_write_is_kept,
    a_tokens_last_use_is_written_at_most_once_a_minute,
);

/// How long the writers run: long enough for thousands of interleaved transactions on SQLite.
const LOAD: Duration = Duration::from_secs(3);
/// How many integrations create tickets at once over REST.
const REST_WRITERS: usize = 3;

/// What the writers were told: each acknowledged write, and every answer that was not a success.
#[derive(Default)]
struct Outcome {
    /// (ticket id, subject) of every ticket whose creation was acknowledged.
    tickets: Vec<(i64, String)>,
    /// (ticket id, body) of every message or note whose writing was acknowledged.
    messages: Vec<(i64, String)>,
    failures: Vec<String>,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.tickets.extend(other.tickets);
        self.messages.extend(other.messages);
        self.failures.extend(other.failures);
    }

    fn refused(&mut self, what: &str, reply: &Reply) {
        self.failures.push(format!("{what}: {} {}", reply.status, reply.body));
    }
}

/// A handle on the same router, for another concurrent caller.
fn same_client(client: &Client) -> Client {
    Client { router: client.router.clone(), cookie: client.cookie.clone(), peer: client.peer }
}

/// An integration: creates a ticket, then adds a message to it, until `until`.
async fn rest_writer(client: Client, token: String, writer: usize, until: Instant) -> Outcome {
    let mut outcome = Outcome::default();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let subject = format!("Load {writer}-{n}: printer queue stuck");
        let body = json!({
            "subject": subject,
            "description": "Jobs wait forever.",
            "requester_email": "carla@acme.example",
        });
        let created = api(&client, "POST", "/api/v1/tickets", Some(&token), Some(body)).await;
        if created.status != StatusCode::CREATED {
            outcome.refused("REST create", &created);
            continue;
        }
        let id = created.json()["id"].as_i64().expect("the created ticket has an id");
        outcome.tickets.push((id, subject));
        let message = format!("Load {writer}-{n}: still stuck");
        let path = format!("/api/v1/tickets/{id}/messages");
        let added = api(&client, "POST", &path, Some(&token), Some(json!({"body": message}))).await;
        if added.status == StatusCode::CREATED {
            outcome.messages.push((id, message));
        } else {
            outcome.refused("REST message", &added);
        }
    }
    outcome
}

/// A customer in the portal: opens tickets through the server function, until `until`.
async fn portal_writer(customer: Client, until: Instant) -> Outcome {
    let mut outcome = Outcome::default();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let subject = format!("Portal {n}: scanner offline");
        let form = [("form[subject]", subject.as_str()), ("form[description]", "Since the update.")];
        let reply = customer.call("tickets/create", &form).await;
        match serde_json::from_str::<i64>(&reply.body) {
            Ok(id) if reply.status.is_success() => outcome.tickets.push((id, subject)),
            _ => outcome.refused("server function create", &reply),
        }
    }
    outcome
}

/// An agent: writes internal notes on the demo's open tickets through the server function.
async fn note_writer(agent: Client, ticket_ids: Vec<i64>, until: Instant) -> Outcome {
    let mut outcome = Outcome::default();
    let mut n = 0;
    while Instant::now() < until {
        let ticket_id = ticket_ids[n % ticket_ids.len()];
        n += 1;
        let body = format!("Note {n}: checked the logs");
        let ticket = ticket_id.to_string();
        let form = [("ticket_id", ticket.as_str()), ("body", body.as_str()), ("visibility", "internal")];
        let reply = agent.call("tickets/message", &form).await;
        if reply.status.is_success() {
            outcome.messages.push((ticket_id, body));
        } else {
            outcome.refused("server function note", &reply);
        }
    }
    outcome
}

/// How a worker's steps went: how many ran, how many did work, and every failure.
#[derive(Default)]
struct Steps {
    ran: usize,
    worked: usize,
    failures: Vec<String>,
}

/// Runs a worker's step as the worker does — at once when a commit wakes it, else every 20 ms —
/// until `until`. A step answers whether it found work.
async fn run_worker<Step, Stepping>(wake: Arc<Notify>, until: Instant, step: Step) -> Steps
where
    Step: Fn() -> Stepping,
    Stepping: Future<Output = Result<bool, String>>,
{
    let mut steps = Steps::default();
    while Instant::now() < until {
        steps.ran += 1;
        match step().await {
            Ok(worked) => steps.worked += usize::from(worked),
            Err(error) => steps.failures.push(error),
        }
        let _ = tokio::time::timeout(Duration::from_millis(20), wake.notified()).await;
    }
    steps
}

async fn engine_worker(store: Store, until: Instant) -> Steps {
    let engine = Engine::new(store.clone());
    run_worker(store.engine_wake(), until, || async {
        let report = engine.tick(Utc::now()).await.map_err(|error| format!("engine tick: {error}"))?;
        Ok(report.evaluated > 0)
    })
    .await
}

async fn notifier_worker(store: Store, until: Instant) -> Steps {
    let notifier = Notifier::new(store.clone(), "http://127.0.0.1:3000");
    run_worker(store.notifier_wake(), until, || async {
        let report = notifier.tick(Utc::now()).await.map_err(|error| format!("notifier tick: {error}"))?;
        Ok(report.rows > 0)
    })
    .await
}

fn body_of(data: &EventData) -> Option<&str> {
    match data {
        EventData::CustomerMessage { body }
        | EventData::PublicReply { body }
        | EventData::InternalNote { body } => Some(body),
        _ => None,
    }
}

async fn concurrent_writers_all_succeed_and_every_acknowledged_write_is_kept(backend: Backend) {
    let store = demo_store(backend).await;
    let token = token(&store).await;
    let callers = callers(&state(store.clone())).await;
    let open_tickets: Vec<i64> = store
        .tickets_by_ids(&(1..=20).collect::<Vec<i64>>())
        .await
        .expect("demo tickets")
        .into_iter()
        .filter(|ticket| !ticket.status.is_done())
        .map(|ticket| ticket.id)
        .collect();
    assert!(!open_tickets.is_empty(), "the demo has open tickets to write notes on");

    let until = Instant::now() + LOAD;
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..REST_WRITERS {
        writers.spawn(rest_writer(same_client(&callers.anonymous), token.clone(), writer, until));
    }
    writers.spawn(portal_writer(same_client(&callers.customer), until));
    writers.spawn(note_writer(same_client(&callers.agent), open_tickets, until));
    let engine = tokio::spawn(engine_worker(store.clone(), until));
    let notifier = tokio::spawn(notifier_worker(store.clone(), until));
    let mut outcome = Outcome::default();
    while let Some(written) = writers.join_next().await {
        outcome.merge(written.expect("a writer finishes"));
    }
    let engine = engine.await.expect("the engine worker finishes");
    let notifier = notifier.await.expect("the notifier worker finishes");

    assert!(outcome.failures.is_empty(), "every write succeeds: {:#?}", outcome.failures);
    assert!(engine.failures.is_empty(), "no engine tick fails: {:#?}", engine.failures);
    assert!(notifier.failures.is_empty(), "no notifier tick fails: {:#?}", notifier.failures);
    // The load really overlapped: the workers did work while the writers wrote.
    assert!(
        engine.worked > 0 && notifier.worked > 0,
        "the workers ran {} and {} steps",
        engine.ran,
        notifier.ran
    );

    for (id, subject) in &outcome.tickets {
        let ticket =
            store.ticket(*id).await.expect("read").unwrap_or_else(|| panic!("ticket {id} was acknowledged"));
        assert_eq!(&ticket.subject, subject);
    }
    let mut message_tickets: Vec<i64> = outcome.messages.iter().map(|(id, _)| *id).collect();
    message_tickets.sort_unstable();
    message_tickets.dedup();
    for ticket_id in message_tickets {
        let timeline = store.timeline(ticket_id, true).await.expect("timeline");
        let bodies: Vec<&str> = timeline.iter().filter_map(|entry| body_of(&entry.event.data)).collect();
        for (_, body) in outcome.messages.iter().filter(|(id, _)| *id == ticket_id) {
            assert!(bodies.contains(&body.as_str()), "{body:?} was acknowledged on ticket {ticket_id}");
        }
    }

    // What the workers had not reached when the load stopped is handled by their next steps:
    // every new ticket is routed and every outbox row expanded.
    Engine::new(store.clone()).tick(Utc::now()).await.expect("engine catches up");
    Notifier::new(store.clone(), "http://127.0.0.1:3000")
        .tick(Utc::now())
        .await
        .expect("notifier catches up");
    for (id, _) in &outcome.tickets {
        let ticket = store.ticket(*id).await.expect("read").expect("exists");
        assert!(ticket.assignment.tier_id.is_some(), "ticket {id} is routed");
    }
    assert_eq!(store.unprocessed_outbox().await.expect("outbox"), 0);
}

/// Every REST call authenticates its token; writing its last use each time would queue every call
/// for the writer.
async fn a_tokens_last_use_is_written_at_most_once_a_minute(backend: Backend) {
    let store = demo_store(backend).await;
    let admin = crate::common::user_by_email(&store, "admin@tierline.example").await;
    let start = Utc::now();
    let (id, secret) = store.create_api_token("Monitoring", admin.id, start).await.expect("token");
    let last_used = || async {
        let tokens = store.api_tokens().await.expect("tokens");
        tokens.into_iter().find(|token| token.id == id).expect("the token").last_used_at
    };
    let at = |seconds: i64| start + chrono::Duration::seconds(seconds);
    assert_eq!(last_used().await, None);
    for (used_at, recorded) in [(0, 0), (30, 0), (59, 0), (60, 60), (61, 60), (125, 125)] {
        store.api_token_user(&secret, at(used_at)).await.expect("authenticate").expect("a live token");
        let expected = at(recorded).timestamp_millis();
        assert_eq!(
            last_used().await.map(|instant| instant.timestamp_millis()),
            Some(expected),
            "used at +{used_at} s"
        );
    }
}
