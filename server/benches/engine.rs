//! Escalation engine benchmark: many open tickets with realistic event logs, some of them due at
//! once, and one engine tick over them. Prints escalations per second and the cost per
//! escalation, so the figures at 10,000 and at 1,000,000 open tickets can be compared (the cost
//! must not grow with the number of open tickets), and the detection latency of clocks coming
//! due continuously.
//!
//!     cargo bench -p server --bench engine -- [--open N] [--due N] [--latency N] [--database URL]
//!
//! Defaults: 10,000 open, 10,000 due, 300 latency samples, a fresh SQLite file. Results go in
//! BENCHMARKS.md with the machine and the date.

use std::time::Instant;

use app::domain::ticket::Assignment;
use app::domain::{EventData, Priority, TicketStatus};
use app::ssr::Store;
use chrono::{DateTime, Duration, Utc};
use server::escalation::Engine;

/// Around the clock, so every deadline is plain arithmetic: L1 may hold a ticket two hours.
const POLICY: &str = r#"name = "Benchmark"
calendar = "Around the clock"

[[targets]]
first_response = "1h"
next_response = "4h"
resolution = "24h"

[[ladder]]
holder = "L1 Service Desk"
budget = "2h"
reminders = [{ clock = "tier_budget", at = 0.75 }]
on_breach = ["next_level", "notify_lead"]

[[ladder]]
holder = "L2 Specialists"
budget = "8h"
on_breach = ["next_level"]

[[ladder]]
holder = "L3 Engineering"
"#;

struct Options {
    open: usize,
    due: usize,
    latency: usize,
    database: Option<String>,
}

fn options() -> Options {
    let mut options = Options { open: 10_000, due: 10_000, latency: 300, database: None };
    let arguments: Vec<String> = std::env::args().collect();
    let mut index = 1;
    while index < arguments.len() {
        let value = arguments.get(index + 1).cloned().unwrap_or_default();
        match arguments[index].as_str() {
            "--open" => options.open = value.parse().expect("--open takes a number"),
            "--due" => options.due = value.parse().expect("--due takes a number"),
            "--latency" => options.latency = value.parse().expect("--latency takes a number"),
            "--database" => options.database = Some(value),
            _ => {
                index += 1;
                continue;
            }
        }
        index += 2;
    }
    options.due = options.due.min(options.open);
    options
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Writes `count` open tickets created at `created` (five events each: created, routed to L1,
/// a customer message, a public reply, opened), due for the engine at `due_at`, with plain
/// multi-row INSERTs: the write path's per-ticket transactions would make loading a million
/// tickets take hours, and the rows are exactly what the write path would have written.
async fn load_tickets(
    store: &Store,
    first_id: i64,
    count: usize,
    created: DateTime<Utc>,
    due_at: DateTime<Utc>,
) {
    let requester = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.summary.organisation_id.is_some())
        .expect("a customer");
    let organisation = requester.summary.organisation_id.expect("organisation");
    let tiers = store.tiers().await.expect("tiers");
    let l1 = tiers[0].id;
    let at = created.timestamp_millis();
    let routed = EventData::Escalated {
        from: Assignment::default(),
        to: Assignment { tier_id: Some(l1), group_id: None, assignee_id: None },
        level: Some(1),
        handoff: None,
        reason: "Routed to ladder level 1".into(),
    };
    let created_event = |n: i64| EventData::Created {
        subject: format!("Benchmark ticket {n}"),
        description: "The nightly export fails with a timeout.".into(),
        priority: Priority::Normal,
        channel: app::domain::Channel::Portal,
        category_id: None,
    };
    let message = EventData::CustomerMessage { body: "Any news on this?".into() };
    let reply = EventData::PublicReply { body: "We are looking into it.".into() };
    let opened = EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Open };
    for chunk_start in (0..count).step_by(500) {
        let ids: Vec<i64> =
            (chunk_start..count.min(chunk_start + 500)).map(|n| first_id + n as i64).collect();
        let mut tickets = Vec::new();
        let mut events = Vec::new();
        let mut schedule = Vec::new();
        for id in &ids {
            tickets.push(format!(
                "({id}, {}, 'The nightly export fails.', {}, {organisation}, NULL, 'normal', 'portal', 'open', {l1}, NULL, NULL, '', 3, 0, 5, {at}, {at}, 1)",
                quote(&format!("Benchmark ticket {id}")),
                requester.summary.id
            ));
            let log = [
                (created_event(*id), "public", 0),
                (routed.clone(), "internal", 60_000),
                (message.clone(), "public", 120_000),
                (reply.clone(), "public", 180_000),
                (opened.clone(), "public", 180_000),
            ];
            for (sequence, (data, visibility, offset)) in log.iter().enumerate() {
                let json = serde_json::to_string(data).expect("event JSON");
                events.push(format!(
                    "({id}, {}, {}, '{visibility}', NULL, {}, 3, {})",
                    sequence + 1,
                    quote(data.kind()),
                    quote(&json),
                    at + offset
                ));
            }
            schedule.push(format!("({id}, {})", due_at.timestamp_millis()));
        }
        let mut write = store.begin_write().await.expect("transaction");
        for (sql, rows) in [
            ("INSERT INTO tickets (id, subject, description, requester_id, organisation_id, category_id, priority, channel, status, tier_id, group_id, assignee_id, tags, version, reopen_count, last_sequence, created_at, updated_at, escalation_level) VALUES ", &tickets),
            ("INSERT INTO ticket_events (ticket_id, sequence, kind, visibility, actor_id, data, version_after, at) VALUES ", &events),
            ("INSERT INTO ticket_schedule (ticket_id, due_at) VALUES ", &schedule),
        ] {
            sqlx::query(&format!("{sql}{}", rows.join(", "))).execute(&mut *write.tx).await.expect("bulk insert");
        }
        write.commit().await.expect("commit");
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    let url = options.database.clone().unwrap_or_else(|| {
        let folder = std::env::temp_dir().join(format!("tierline-bench-{}", std::process::id()));
        format!("sqlite:{}/bench.db", folder.display())
    });
    let store = Store::connect(&url).await.expect("database");
    store.migrate().await.expect("migrations");
    let now = Utc::now();
    server::demo::load(&store, now - Duration::days(30)).await.expect("demo");
    let admin = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.summary.role.may_configure())
        .expect("admin");
    store
        .save_policy_version(POLICY, admin.summary.id, "benchmark", now - Duration::days(30))
        .await
        .expect("policy");
    // The demo's own tickets are not part of the measurement.
    sqlx::query("DELETE FROM ticket_schedule").execute(store.pool()).await.expect("clear schedule");

    let started = Instant::now();
    let due = options.due;
    // Due: created three hours ago, so L1's two-hour budget broke an hour ago.
    load_tickets(&store, 1_000_000_000, due, now - Duration::hours(3), now - Duration::hours(1)).await;
    // The rest: created ten minutes ago, due when L1's budget reaches 75 %.
    let rest = options.open - due;
    load_tickets(&store, 2_000_000_000, rest, now - Duration::minutes(10), now + Duration::minutes(80)).await;
    println!(
        "loaded {} open tickets ({} due) in {:.1} s",
        options.open,
        due,
        started.elapsed().as_secs_f64()
    );
    // Measure a database at rest, not one still digesting the bulk load: PostgreSQL's
    // autovacuum and checkpoints would otherwise compete with the tick for the two cores.
    let settle: &[&str] = match store.backend() {
        app::ssr::store::Backend::Postgres => &["VACUUM ANALYZE", "CHECKPOINT"],
        app::ssr::store::Backend::Sqlite => &["PRAGMA wal_checkpoint(TRUNCATE)"],
    };
    for statement in settle {
        sqlx::query(statement).execute(store.pool()).await.expect("settle after loading");
    }

    let engine = Engine::new(store.clone());
    let started = Instant::now();
    let report = engine.tick(now).await.expect("tick");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "tick: {} tickets evaluated, {} thresholds fired in {:.2} s: {:.0} escalations/s, {:.0} µs per escalation",
        report.evaluated,
        report.fired,
        seconds,
        report.evaluated as f64 / seconds,
        seconds * 1e6 / report.evaluated.max(1) as f64
    );

    // Detection latency: tickets whose budgets run out one after another while the engine runs.
    let samples = options.latency;
    let start = Utc::now() + Duration::seconds(2);
    for n in 0..samples {
        let breach = start + Duration::milliseconds(20 * n as i64);
        // Routed a minute after creation, so L1's budget runs out two hours and a minute after it.
        load_tickets(
            &store,
            3_000_000_000 + n as i64,
            1,
            breach - Duration::hours(2) - Duration::minutes(1),
            breach,
        )
        .await;
    }
    let wake = store.engine_wake();
    let shutdown = std::sync::Arc::new(tokio::sync::Notify::new());
    let running = tokio::spawn(Engine::new(store.clone()).run(wake.clone(), shutdown.clone()));
    wake.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(2_500 + 20 * samples as u64 + 1_000)).await;
    shutdown.notify_one();
    running.await.expect("engine stops");
    let rows = sqlx::query(
        "SELECT fired_at - due_at AS latency FROM fired_thresholds WHERE ticket_id >= 3000000000 AND threshold = 'breach'",
    )
    .fetch_all(store.pool())
    .await
    .expect("latencies");
    let mut latencies: Vec<i64> =
        rows.iter().map(|row| sqlx::Row::try_get(row, "latency").expect("latency")).collect();
    latencies.sort_unstable();
    if latencies.is_empty() {
        println!("latency: no samples fired");
    } else {
        let percentile = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
        println!(
            "detection latency over {} breaches (due instant → engine tick): p50 {} ms, p99 {} ms, max {} ms",
            latencies.len(),
            percentile(0.5),
            percentile(0.99),
            latencies[latencies.len() - 1]
        );
    }
}
