//! REST load benchmark: integrations creating tickets over HTTP as fast as the server answers
//! them, while the escalation engine, the notifier and the delivery worker run beside the web
//! server as `tierline serve` runs them — so every write competes for the database.
//!
//! The real server listens on a loopback port; `--connections` clients (keep-alive HTTP/1.1, in
//! the same process, so they take their share of the CPU) post `POST /api/v1/tickets` with one
//! bearer token for `--seconds`. Under the benchmark's policy (around the clock) the engine routes
//! every new ticket to L1 at once, reminds at half of L1's five-second budget and escalates to L2
//! when it runs out, while the load goes on; the notifier tells the receiving group in-app.
//!
//! Printed: the sustained create rate (acknowledged creations per second), the answers by status
//! (a 5xx is a failure), the creation latency, the workers' failed steps (every ERROR logged), and
//! the engine's firing delay: for each reminder and breach due during the load, the instant the
//! engine fired it minus the instant it was due (`fired_thresholds`).
//!
//!     cargo bench -p server --bench load -- [--seconds N] [--connections N] [--database URL]
//!
//! Defaults: 20 s, 16 connections, a fresh SQLite file. Results go in BENCHMARKS.md with the
//! machine and the date.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::Store;
use chrono::Utc;
use server::config::Settings;
use server::escalation::Engine;
use server::notifications::channels::Channels;
use server::notifications::{Notifier, Sender};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Around the clock, so a budget of five seconds runs out five seconds after routing.
const POLICY: &str = r#"name = "Load benchmark"
calendar = "Around the clock"

[[targets]]
first_response = "1h"
next_response = "4h"
resolution = "24h"

[[ladder]]
holder = "L1 Service Desk"
budget = "5s"
reminders = [{ clock = "tier_budget", at = 0.5 }]
on_breach = ["next_level"]

[[ladder]]
holder = "L2 Specialists"
budget = "8h"

[[notify]]
events = ["escalated"]
to = ["group"]
channels = ["in_app"]
"#;

/// The value after `--name` on the command line, if given.
fn argument(name: &str) -> Option<String> {
    let arguments: Vec<String> = std::env::args().collect();
    arguments.iter().position(|argument| argument == name).and_then(|at| arguments.get(at + 1)).cloned()
}

fn number_argument(name: &str, default: u64) -> u64 {
    argument(name).map_or(default, |value| value.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
}

/// Counts the events logged at ERROR: a failed step of a worker, an internal error of a request.
struct ErrorCounter(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for ErrorCounter {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        if *event.metadata().level() == Level::ERROR {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What one client saw: the latency of each acknowledged creation and the count of each status.
#[derive(Default)]
struct Answers {
    created: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    transport_errors: usize,
}

async fn client(http: reqwest::Client, url: String, token: String, until: Instant, client: usize) -> Answers {
    let mut answers = Answers::default();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let body = serde_json::json!({
            "subject": format!("Load {client}-{n}: label printer offline"),
            "description": "The warehouse cannot print shipping labels.",
            "requester_email": "carla@acme.example",
        });
        let started = Instant::now();
        let sent = http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                // The answer is read in full, as an integration would, before the next request.
                let _ = response.bytes().await;
                *answers.statuses.entry(status).or_default() += 1;
                if status == 201 {
                    answers.created.push(started.elapsed());
                }
            }
            Err(_) => answers.transport_errors += 1,
        }
    }
    answers
}

fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let seconds = number_argument("--seconds", 20);
    let connections = number_argument("--connections", 16) as usize;
    let database = argument("--database");
    let errors = Arc::new(AtomicUsize::new(0));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_filter(tracing::level_filters::LevelFilter::WARN),
        )
        .with(ErrorCounter(errors.clone()))
        .init();

    let folder = std::env::temp_dir().join(format!("tierline-bench-load-{}", std::process::id()));
    let url = database.clone().unwrap_or_else(|| format!("sqlite:{}/bench.db", folder.display()));
    let store = Store::connect(&url).await.expect("database");
    store.migrate().await.expect("migrations");
    let now = Utc::now();
    server::demo::load(&store, now - chrono::Duration::days(30)).await.expect("demo");
    let admin = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.summary.role.may_configure())
        .expect("admin");
    store
        .save_policy_version(POLICY, admin.summary.id, "benchmark", now - chrono::Duration::days(30))
        .await
        .expect("policy");
    // The demo's own tickets are not part of the measurement.
    let mut write = store.begin_write().await.expect("transaction");
    sqlx::query("DELETE FROM ticket_schedule").execute(&mut *write.tx).await.expect("clear schedule");
    write.commit().await.expect("commit");
    let (_, token) = store.create_api_token("Load", admin.summary.id, now).await.expect("token");
    println!("database: {:?}", store.backend());

    let serving = support::Serving::start(&store).await;
    let address = serving.address;
    let stops: Vec<_> = (0..3).map(|_| Arc::new(tokio::sync::Notify::new())).collect();
    let channels = Channels::from_settings(&Settings::default()).expect("channels");
    let workers = [
        tokio::spawn(Engine::new(store.clone()).run(store.engine_wake(), stops[0].clone())),
        tokio::spawn(Notifier::new(store.clone(), "http://127.0.0.1:3000").run(stops[1].clone())),
        tokio::spawn(
            Sender::new(store.clone(), channels, support::survey_links(), chrono::Duration::seconds(60))
                .run(stops[2].clone()),
        ),
    ];

    let http = reqwest::Client::builder().pool_max_idle_per_host(connections).build().expect("client");
    let endpoint = format!("http://{address}/api/v1/tickets");
    let load_started = Utc::now();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let clients: Vec<_> = (0..connections)
        .map(|n| tokio::spawn(client(http.clone(), endpoint.clone(), token.clone(), until, n)))
        .collect();
    let mut answers = Answers::default();
    for client in clients {
        let seen = client.await.expect("client finishes");
        answers.created.extend(seen.created);
        for (status, count) in seen.statuses {
            *answers.statuses.entry(status).or_default() += count;
        }
        answers.transport_errors += seen.transport_errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let load_ended = Utc::now();
    // Thresholds due just before the end fire in the next moments; they count too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for stop in &stops {
        stop.notify_one();
    }
    for worker in workers {
        worker.await.expect("worker stops");
    }
    serving.stop().await;

    answers.created.sort_unstable();
    let server_errors: usize =
        answers.statuses.iter().filter(|(status, _)| **status >= 500).map(|(_, n)| n).sum();
    println!(
        "{} connections for {elapsed:.1} s: {} tickets created, {:.0} creations/s; answers by status {:?}, \
         {server_errors} 5xx, {} transport errors",
        connections,
        answers.created.len(),
        answers.created.len() as f64 / elapsed,
        answers.statuses,
        answers.transport_errors
    );
    if !answers.created.is_empty() {
        println!(
            "creation latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&answers.created, 0.5).as_secs_f64() * 1e3,
            percentile(&answers.created, 0.99).as_secs_f64() * 1e3,
            answers.created[answers.created.len() - 1].as_secs_f64() * 1e3
        );
    }
    println!("errors logged (failed worker steps, internal errors): {}", errors.load(Ordering::Relaxed));

    let rows = sqlx::query(
        "SELECT fired_at - due_at AS delay FROM fired_thresholds WHERE due_at >= $1 AND due_at <= $2",
    )
    .bind(load_started.timestamp_millis())
    .bind(load_ended.timestamp_millis())
    .fetch_all(store.pool())
    .await
    .expect("firing delays");
    let mut delays: Vec<i64> =
        rows.iter().map(|row| sqlx::Row::try_get(row, "delay").expect("delay")).collect();
    delays.sort_unstable();
    if delays.is_empty() {
        println!("firing delay: nothing was due during the load");
    } else {
        println!(
            "engine firing delay over {} reminders and breaches due during the load: p50 {} ms, p99 {} ms, max {} ms",
            delays.len(),
            percentile(&delays, 0.5),
            percentile(&delays, 0.99),
            delays[delays.len() - 1]
        );
    }
    store.pool().close().await;
    if database.is_none() {
        let _ = std::fs::remove_dir_all(&folder);
    }
}
