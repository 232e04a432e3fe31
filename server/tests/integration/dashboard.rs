//! The managers' dashboard on both backends: every figure equals the number of tickets its link
//! lists in the queue, the drill-down filters refuse what they cannot read, and a clock's standing
//! follows its ticket.

use app::domain::queue::{Happening, RiskFilter, TicketFilter};
use app::domain::ticket::ClockKind;
use app::domain::tracking::DurationSummary;
use app::domain::EventData;
use app::server_fns::dashboard::{Dashboard, Figure};
use app::server_fns::tickets::TicketQuery;
use app::ssr::Store;
use chrono::{Duration, Utc};
use http::StatusCode;
use server::escalation::Engine;

use crate::common::{carla_opens, demo_store, state, Backend, Client};

crate::on_both_backends!(
    every_figure_counts_the_tickets_its_link_lists,
    the_drill_down_filters_name_what_they_cannot_read,
    a_clock_stands_at_risk_then_overdue_and_nowhere_once_resolved,
    a_ticket_nobody_works_stalls_is_told_once_and_the_next_note_ends_the_stall,
    the_escalated_by_hand_flag_follows_the_log_as_written_and_as_migrated,
    the_holds_as_written_are_the_holds_the_logs_give,
    the_open_tickets_tally_counts_what_the_tickets_say,
);

/// Around the clock, so an hour without activity is an hour: L1 stalls a ticket after one.
const STALLING: &str = r#"name = "Stalls"
calendar = "Around the clock"

[[targets]]
resolution = "24h"

[[ladder]]
holder = "L1 Service Desk"
stall_after = "1h"

[[notify]]
events = ["stalled"]
to = ["lead"]
channels = ["in_app"]
"#;

/// Lets the engine decide about everything due now, as the running server would.
async fn run_engine(store: &Store) {
    run_engine_at(store, Utc::now()).await;
}

/// Runs the engine at `at` until nothing more is due then.
async fn run_engine_at(store: &Store, at: chrono::DateTime<Utc>) {
    let engine = Engine::new(store.clone());
    for _ in 0..10 {
        let report = engine.tick(at).await.expect("the engine runs");
        if report.evaluated == 0 {
            return;
        }
    }
}

/// Every figure of the dashboard with what it is called, for messages.
fn figures(dashboard: &Dashboard) -> Vec<(String, &Figure)> {
    let mut all: Vec<(String, &Figure)> = Vec::new();
    for (section, list) in [
        ("open by tier", &dashboard.open_by_tier),
        ("open by level", &dashboard.open_by_level),
        ("flow", &dashboard.flow),
        ("at risk", &dashboard.at_risk),
        ("overdue", &dashboard.breached),
        ("attention", &dashboard.attention),
    ] {
        all.extend(list.iter().map(|figure| (format!("{section}: {}", figure.label), figure)));
    }
    for agent in &dashboard.load {
        for figure in [&agent.open, &agent.at_risk, &agent.breached] {
            all.push((format!("load of {}: {}", agent.name, figure.label), figure));
        }
    }
    for day in &dashboard.per_day {
        all.push((format!("{}: opened", day.day), &day.opened));
        all.push((format!("{}: resolved", day.day), &day.resolved));
    }
    for day in &dashboard.open_per_day {
        for figure in &day.per_tier {
            all.push((format!("{}: open in {}", day.day, figure.label), figure));
        }
    }
    for day in &dashboard.breaches_per_day {
        for (kind, figure) in &day.breaches {
            all.push((format!("{}: {} breached", day.day, kind.as_str()), figure));
        }
    }
    all
}

/// How many tickets the queue lists for `query`, asked as the queue page asks.
/// How many tickets the queue lists for `query`: its rows, page after page, which must also be
/// the total the queue says it has (counted apart from the rows, as the figures are).
async fn listed_total(client: &Client, query: &TicketQuery) -> i64 {
    let mut listed = std::collections::BTreeSet::new();
    for page in 1.. {
        let query = TicketQuery { page: page.to_string(), ..query.clone() };
        let fields: Vec<(String, &str)> =
            query.pairs().into_iter().map(|(field, value)| (format!("query[{field}]"), value)).collect();
        let form: Vec<(&str, &str)> = fields.iter().map(|(field, value)| (field.as_str(), *value)).collect();
        let reply = client.call("tickets/list", &form).await;
        assert_eq!(reply.status, StatusCode::OK, "{query:?}: {}", reply.body);
        let list = &reply.json()["Staff"];
        let rows = list["items"].as_array().expect("a staff list's rows");
        listed.extend(rows.iter().map(|row| row["ticket"]["id"].as_i64().expect("a ticket's number")));
        if rows.len() < app::server_fns::tickets::PAGE_SIZE as usize {
            let total = list["total"].as_i64().expect("a staff list's total");
            assert_eq!(total, listed.len() as i64, "{query:?}: the queue's total and its rows disagree");
            break;
        }
    }
    listed.len() as i64
}

/// The summary of the times from opening to the happening `drill` lists (answered or resolved),
/// taken from the listed tickets themselves.
async fn times_of_listed(store: &Store, drill: &TicketQuery) -> DurationSummary {
    let manager = crate::common::user_by_email(store, "maria.manager@tierline.example").await;
    let zone = store.time_zone().await.expect("the zone");
    let filter =
        app::server_fns::tickets::server::filter_for(&manager, drill, zone, Utc::now()).expect("a filter");
    let ids = store.ticket_ids_matching(&filter).await.expect("ids");
    let tickets = store.tickets_by_ids(&ids).await.expect("tickets");
    let answered = drill.event == Happening::Answered.as_str();
    DurationSummary::of(tickets.iter().map(|ticket| {
        let until = if answered { ticket.first_replied_at } else { ticket.resolved_at };
        until.expect("a listed ticket had it happen") - ticket.created_at
    }))
}

async fn every_figure_counts_the_tickets_its_link_lists(backend: Backend) {
    let store = demo_store(backend).await;
    run_engine(&store).await;
    // A ticket opened today, so "today" has something to count.
    carla_opens(&store, "The VPN drops every hour").await;
    run_engine(&store).await;
    let state = state(store.clone());
    let mut manager = Client::new(state.clone());
    manager.sign_in("maria.manager@tierline.example", server::demo::DEMO_PASSWORD).await;

    for period in ["today", "7d", "30d"] {
        let reply = manager.call("dashboard", &[("query[period]", period)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let dashboard: Dashboard = serde_json::from_str(&reply.body).expect("a dashboard");
        assert_eq!(dashboard.scope, "Every tier", "a manager sees every tier");
        let open: i64 = dashboard.open_by_tier.iter().map(|figure| figure.value).sum();
        assert!(open > 0, "the demo has open tickets");
        assert!(dashboard.flow.iter().any(|figure| figure.value > 0), "{period}: nothing happened");
        let mut counted = 0;
        let mut earlier_counted = 0;
        for (name, figure) in figures(&dashboard) {
            let total = listed_total(&manager, &figure.drill).await;
            assert_eq!(total, figure.value, "{period}, {name}: the figure and its list disagree");
            counted += figure.value;
            // A trend is the same list over the previous period.
            if let Some(previous) = figure.previous {
                let earlier = TicketQuery {
                    from: dashboard.previous.from.to_string(),
                    to: dashboard.previous.to.to_string(),
                    ..figure.drill.clone()
                };
                let total = listed_total(&manager, &earlier).await;
                assert_eq!(total, previous, "{period}, {name}: the previous period and its list disagree");
                earlier_counted += previous;
            }
        }
        assert!(counted > 0);
        // The demo's history reaches into the week before this one.
        if period == "7d" {
            assert!(earlier_counted > 0, "{period}: the previous period had nothing");
        }
        // The times count the tickets their link lists too, and are those tickets' times.
        for time in &dashboard.times {
            let total = listed_total(&manager, &time.drill).await;
            assert_eq!(total, time.current.count as i64, "{period}, {}", time.label);
            assert_eq!(times_of_listed(&store, &time.drill).await, time.current, "{period}, {}", time.label);
        }
    }

    // A lead lands on their own tier.
    let mut lead = Client::new(state);
    lead.sign_in("lena.lead@tierline.example", server::demo::DEMO_PASSWORD).await;
    let reply = lead.call("dashboard", &[("query[period]", "7d")]).await;
    let dashboard: Dashboard = serde_json::from_str(&reply.body).expect("a dashboard");
    assert_eq!(dashboard.scope, "L1 Service Desk");
    assert!(dashboard.open_by_tier.iter().all(|figure| figure.drill.tier == dashboard.query.tier));
    let everything = lead.call("dashboard", &[("query[period]", "7d"), ("query[tier]", "all")]).await;
    let everything: Dashboard = serde_json::from_str(&everything.body).expect("a dashboard");
    assert_eq!(everything.scope, "Every tier", "a lead may ask for every tier");
}

async fn the_drill_down_filters_name_what_they_cannot_read(backend: Backend) {
    let store = demo_store(backend).await;
    let state = state(store);
    let mut manager = Client::new(state);
    manager.sign_in("maria.manager@tierline.example", server::demo::DEMO_PASSWORD).await;
    for (field, value) in [
        ("risk", "soon"),
        ("clock", "sundial"),
        ("event", "exploded"),
        ("level", "0"),
        ("unacknowledged", "maybe"),
        ("from", "yesterday"),
        ("to", "2026-13-01"),
    ] {
        let name = format!("query[{field}]");
        let mut form = vec![(name.as_str(), value)];
        if field == "from" || field == "to" {
            form.push(("query[event]", "opened"));
        }
        let reply = manager.call("tickets/list", &form).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}: {}", reply.body);
        assert!(reply.body.contains(&format!("\"{field}\"")), "{field} is not named: {}", reply.body);
    }
    for (form, field) in [
        (&[("query[period]", "fortnight")][..], "period"),
        (&[("query[period]", "custom"), ("query[from]", "someday")][..], "from"),
        (
            &[("query[period]", "custom"), ("query[from]", "2026-12-05"), ("query[to]", "2026-12-01")][..],
            "from",
        ),
        (
            &[("query[period]", "custom"), ("query[from]", "2020-01-01"), ("query[to]", "2026-12-01")][..],
            "from",
        ),
        (&[("query[group]", "x")][..], "group"),
    ] {
        let reply = manager.call("dashboard", form).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}: {}", reply.body);
        assert!(reply.body.contains(&format!("\"{field}\"")), "{field} is not named: {}", reply.body);
    }
}

async fn a_clock_stands_at_risk_then_overdue_and_nowhere_once_resolved(backend: Backend) {
    let store = demo_store(backend).await;
    let ticket_id = carla_opens(&store, "Invoices print blank").await;
    run_engine(&store).await;
    let standing = |risk: RiskFilter| TicketFilter {
        risk: Some(risk),
        clock: Some(ClockKind::FirstResponse),
        text: Some(format!("#{ticket_id}")),
        page: 1,
        per_page: 10,
        ..TicketFilter::default()
    };
    let count = |filter: TicketFilter| {
        let store = store.clone();
        async move { store.count_matching(&filter).await.expect("counts") }
    };
    let now = Utc::now();
    assert_eq!(count(standing(RiskFilter::AtRisk)).await, 0, "a new ticket is on track");
    // Routing placed it at level 1 with an `escalated` event from no tier: no escalation.
    let today = app::domain::period::Span { from: now - Duration::hours(1), until: now + Duration::hours(1) };
    for happening in [Happening::Escalated, Happening::EscalatedAutomatically, Happening::Opened] {
        let filter = TicketFilter {
            happened: Some((happening, today)),
            text: Some(format!("#{ticket_id}")),
            page: 1,
            per_page: 10,
            ..TicketFilter::default()
        };
        let expected = i64::from(happening == Happening::Opened);
        assert_eq!(count(filter).await, expected, "{happening:?}");
    }
    // The demo's first-response targets are hours long: within two weeks it is overdue, and the
    // engine, which wakes when it becomes so, says so.
    let later = now + Duration::days(14);
    assert_eq!(count(standing(RiskFilter::Breached)).await, 0, "not before the engine says so");
    run_engine_at(&store, later).await;
    assert_eq!(count(standing(RiskFilter::Breached)).await, 1, "unanswered, it runs late");
    assert_eq!(count(standing(RiskFilter::AtRisk)).await, 0, "overdue is no longer at risk");
    // The row says which clock is overdue, in the list and on the queue's page.
    let listed = store.list_tickets(&standing(RiskFilter::Breached)).await.expect("lists");
    let overdue = listed.items[0].clock_alerts.clocks(app::domain::tracking::Risk::Breached);
    assert!(overdue.contains(&ClockKind::FirstResponse), "{overdue:?}");
    let mut manager = Client::new(state(store.clone()));
    manager.sign_in("maria.manager@tierline.example", server::demo::DEMO_PASSWORD).await;
    let page = manager.get(&format!("/queue?risk=breached&clock=first_response&q=%23{ticket_id}")).await;
    assert!(page.body.contains("First response overdue"), "{}", page.body);
    let ticket = store.ticket(ticket_id).await.expect("read").expect("the ticket");
    let agent = crate::common::user_by_email(&store, "sam.agent@tierline.example").await;
    store
        .append(ticket_id, &agent, Some(ticket.version), Utc::now(), |ticket| {
            app::domain::commands::change(
                ticket,
                agent.role,
                &app::domain::ladder::LadderContext { policy: None, directory: &Default::default() },
                &app::domain::commands::TicketChanges {
                    status: Some(app::domain::TicketStatus::Resolved),
                    ..Default::default()
                },
            )
        })
        .await
        .expect("resolved");
    assert_eq!(count(standing(RiskFilter::Breached)).await, 0, "a resolved ticket stands nowhere");
    run_engine_at(&store, later).await;
    assert_eq!(count(standing(RiskFilter::Breached)).await, 0);
    let ticket = store.ticket(ticket_id).await.expect("read").expect("the ticket");
    assert!(ticket.resolved_at.is_some(), "the projection records the resolution");
}

async fn a_ticket_nobody_works_stalls_is_told_once_and_the_next_note_ends_the_stall(backend: Backend) {
    let store = demo_store(backend).await;
    let admin = crate::common::user_by_email(&store, "admin@tierline.example").await;
    let now = Utc::now();
    store.save_policy_version(STALLING, admin.id, "stalls", now).await.expect("policy");
    let ticket_id = carla_opens(&store, "The barcode printer is silent").await;
    let engine = Engine::new(store.clone());
    engine.tick(now + Duration::seconds(1)).await.expect("routes");
    let stalled = |as_of| TicketFilter {
        stalled: true,
        as_of: Some(as_of),
        text: Some(format!("#{ticket_id}")),
        page: 1,
        per_page: 10,
        ..TicketFilter::default()
    };
    let count = |filter: TicketFilter| {
        let store = store.clone();
        async move { store.count_matching(&filter).await.expect("counts") }
    };
    assert_eq!(count(stalled(now + Duration::minutes(30))).await, 0, "not yet");
    let told = || {
        let store = store.clone();
        async move {
            let log = store.timeline(ticket_id, true).await.expect("log");
            log.iter().filter(|entry| matches!(entry.event.data, EventData::Stalled { .. })).count()
        }
    };
    for minutes in [61, 90, 120] {
        engine.tick(now + Duration::minutes(minutes)).await.expect("the engine runs");
    }
    assert_eq!(told().await, 1, "a stall is told once");
    assert_eq!(count(stalled(now + Duration::minutes(120))).await, 1);
    let intents: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE ticket_id = $1 AND topic = 'notify.stalled'")
            .bind(ticket_id)
            .fetch_one(store.pool())
            .await
            .expect("outbox"),
        "n",
    )
    .expect("count");
    assert_eq!(intents, 1, "the lead is told once");

    let agent = crate::common::user_by_email(&store, "sam.agent@tierline.example").await;
    store
        .append(ticket_id, &agent, None, now + Duration::minutes(121), |ticket| {
            app::domain::commands::write_message(
                ticket,
                agent.role,
                app::domain::Visibility::Internal,
                "On it.",
            )
        })
        .await
        .expect("a note");
    engine.tick(now + Duration::minutes(122)).await.expect("the engine runs");
    assert_eq!(count(stalled(now + Duration::minutes(122))).await, 0, "the note ends the stall");
    assert_eq!(count(stalled(now + Duration::minutes(182))).await, 1, "and an hour later it stalls again");
}

/// The ticket ids one query gives, in order.
async fn ids(store: &Store, sql: &str) -> Vec<i64> {
    sqlx::query_scalar(sql).fetch_all(store.pool()).await.expect(sql)
}

/// "Open escalations" reads a flag on the ticket instead of the log: the write path sets it for
/// every escalation by hand, the migration that added it set it from the log, and the filter
/// counts those tickets at whatever level they stand now.
async fn the_escalated_by_hand_flag_follows_the_log_as_written_and_as_migrated(backend: Backend) {
    let store = demo_store(backend).await;
    let from_log = "SELECT DISTINCT ticket_id FROM ticket_events \
                    WHERE kind = 'escalated' AND actor_id IS NOT NULL ORDER BY ticket_id";
    let flagged = "SELECT id FROM tickets WHERE escalated_by_hand = 1 ORDER BY id";
    let by_hand = ids(&store, from_log).await;
    assert!(by_hand.len() >= 5, "the demo's stories escalate by hand: {by_hand:?}");
    assert_eq!(ids(&store, flagged).await, by_hand, "as written");

    let file = match backend {
        Backend::Sqlite => "../app/migrations/sqlite/0012_escalated_by_hand.sql",
        Backend::Postgres => "../app/migrations/postgres/0011_escalated_by_hand.sql",
    };
    let migration = std::fs::read_to_string(file).expect("the migration");
    let backfill = &migration[migration.find("UPDATE").expect("the migration's backfill")..];
    sqlx::query("UPDATE tickets SET escalated_by_hand = 0").execute(store.pool()).await.expect("clear");
    sqlx::raw_sql(backfill).execute(store.pool()).await.expect("the backfill runs again");
    assert_eq!(ids(&store, flagged).await, by_hand, "as migrated");

    let above_first = ids(&store, "SELECT id FROM tickets WHERE escalation_level > 1 ORDER BY id").await;
    let mut expected: Vec<i64> = above_first.into_iter().chain(by_hand).collect();
    expected.sort_unstable();
    expected.dedup();
    let filter = TicketFilter { escalated: true, page: 1, per_page: 200, ..TicketFilter::default() };
    let mut listed: Vec<i64> =
        store.list_tickets(&filter).await.expect("list").items.iter().map(|item| item.ticket.id).collect();
    listed.sort_unstable();
    assert_eq!(listed, expected);
}

/// Every hold, as `(ticket, tier, from, until)` in order.
async fn holds(store: &Store) -> Vec<(i64, Option<i64>, i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT ticket_id, tier_id, from_at, until_at FROM ticket_holds ORDER BY ticket_id, from_at, id",
    )
    .fetch_all(store.pool())
    .await
    .expect("the holds")
}

/// The write path records each change of the tier holding a ticket as it appends events; the
/// store rebuilds the same holds from the logs when the table is empty (as after its migration);
/// and the holds open now are the open tickets where they stand.
async fn the_holds_as_written_are_the_holds_the_logs_give(backend: Backend) {
    let store = demo_store(backend).await;
    carla_opens(&store, "The VPN drops every hour").await;
    run_engine(&store).await;
    let written = holds(&store).await;
    let tickets: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(store.pool()).await.expect("count");
    let moved = written.iter().filter(|hold| hold.1.is_some()).count() as i64;
    assert!(
        moved > tickets,
        "tickets move between tiers in the demo: {moved} holds of tiers, {tickets} tickets"
    );

    sqlx::query("DELETE FROM ticket_holds").execute(store.pool()).await.expect("clear");
    store.migrate().await.expect("the store rebuilds the holds");
    assert_eq!(holds(&store).await, written, "as rebuilt from the logs");

    let open_now: Vec<(Option<i64>, i64)> = sqlx::query_as(
        "SELECT tier_id, COUNT(*) FROM ticket_holds WHERE until_at IS NULL GROUP BY tier_id ORDER BY tier_id",
    )
    .fetch_all(store.pool())
    .await
    .expect("open holds");
    let open_tickets: Vec<(Option<i64>, i64)> = sqlx::query_as(
        "SELECT tier_id, COUNT(*) FROM tickets WHERE status NOT IN ('resolved', 'closed') GROUP BY tier_id ORDER BY tier_id",
    )
    .fetch_all(store.pool())
    .await
    .expect("open tickets");
    assert_eq!(open_now, open_tickets);
}

/// Every count the tally answers against the tickets themselves (`ticket_ids_matching` reads the
/// tickets table), for each status set, tier, level, agent, plan and flag the tally keys by.
async fn assert_tally_agrees(store: &Store, moment: &str) {
    use app::domain::{Priority, TicketStatus};
    use app::ssr::store::lists::CountBy;
    let directory = store.directory().await.expect("the directory");
    let plans: Vec<String> =
        store.organisations().await.expect("organisations").into_iter().map(|o| o.plan).collect();
    let active = vec![TicketStatus::New, TicketStatus::Open, TicketStatus::Pending, TicketStatus::OnHold];
    let mut filters = Vec::new();
    for statuses in [active.clone(), vec![TicketStatus::New], vec![TicketStatus::Open, TicketStatus::Pending]]
    {
        let base = TicketFilter { statuses, ..TicketFilter::default() };
        filters.push(base.clone());
        filters.push(TicketFilter { escalated: true, ..base.clone() });
        filters.push(TicketFilter { unacknowledged: true, ..base.clone() });
        filters.push(TicketFilter { unassigned: true, ..base.clone() });
        for tier in &directory.tiers {
            filters.push(TicketFilter { tier_id: Some(tier.id), ..base.clone() });
            filters.push(TicketFilter { tier_id: Some(tier.id), escalated: true, ..base.clone() });
        }
        for level in 1..=3 {
            filters.push(TicketFilter { level: Some(level), ..base.clone() });
        }
        for (id, _) in &directory.agents {
            filters.push(TicketFilter { assignee_id: Some(*id), ..base.clone() });
        }
        for plan in &plans {
            filters.push(TicketFilter { plan: Some(plan.clone()), ..base.clone() });
        }
        for priority in [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent] {
            filters.push(TicketFilter { priority: Some(priority), ..base.clone() });
        }
        for risk in RiskFilter::ALL {
            for clock in std::iter::once(None).chain(ClockKind::ALL.iter().copied().map(Some)) {
                filters.push(TicketFilter { risk: Some(*risk), clock, ..base.clone() });
            }
        }
    }
    let mut counted = 0;
    let mut alerted = 0;
    for filter in &filters {
        let listed = store.ticket_ids_matching(filter).await.expect("ids").len() as i64;
        let count = store.count_matching(filter).await.expect("a count");
        assert_eq!(count, listed, "{moment}: {filter:?}");
        counted += count;
        if filter.risk.is_some() {
            alerted += count;
        }
        for by in [CountBy::Tier, CountBy::Level, CountBy::Assignee] {
            let split = store.count_matching_by(filter, by).await.expect("counts");
            assert_eq!(split.values().sum::<i64>(), listed, "{moment}: {filter:?} by {by:?}");
            assert!(split.values().all(|count| *count > 0), "{moment}: {filter:?} by {by:?}: {split:?}");
            for (key, count) in &split {
                let narrowed = match (by, key) {
                    (CountBy::Tier, Some(id)) => TicketFilter { tier_id: Some(*id), ..filter.clone() },
                    (CountBy::Level, Some(level)) => TicketFilter { level: Some(*level), ..filter.clone() },
                    (CountBy::Assignee, Some(id)) => {
                        TicketFilter { assignee_id: Some(*id), ..filter.clone() }
                    }
                    (CountBy::Assignee, None) => TicketFilter { unassigned: true, ..filter.clone() },
                    _ => continue,
                };
                let listed = store.ticket_ids_matching(&narrowed).await.expect("ids").len() as i64;
                assert_eq!(*count, listed, "{moment}: {narrowed:?}");
            }
        }
    }
    assert!(counted > 0, "{moment}: the demo has open tickets to count");
    assert!(alerted > 0, "{moment}: the demo has clocks at risk or overdue to count");
}

/// How many rows the open tickets' tally has: what summing it up shrinks.
async fn tally_rows(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM open_ticket_tally").fetch_one(store.pool()).await.expect("rows")
}

async fn the_open_tickets_tally_counts_what_the_tickets_say(backend: Backend) {
    let store = demo_store(backend).await;
    assert_tally_agrees(&store, "as the demo was loaded").await;
    // The engine moves tickets up the ladder and a new ticket comes in; a manager makes it urgent
    // and resolves it.
    run_engine(&store).await;
    let id = carla_opens(&store, "The tally counts this one").await;
    run_engine(&store).await;
    assert_tally_agrees(&store, "after the engine and a new ticket").await;
    let manager = crate::common::user_by_email(&store, "maria.manager@tierline.example").await;
    let change = |changes: app::domain::commands::TicketChanges| {
        move |ticket: &app::domain::Ticket| {
            app::domain::commands::change(
                ticket,
                manager.role,
                &app::domain::ladder::LadderContext { policy: None, directory: &Default::default() },
                &changes,
            )
        }
    };
    let urgent = app::domain::commands::TicketChanges {
        priority: Some(app::domain::Priority::Urgent),
        ..Default::default()
    };
    store.append(id, &manager, None, Utc::now(), change(urgent)).await.expect("made urgent");
    let resolved = app::domain::commands::TicketChanges {
        status: Some(app::domain::TicketStatus::Resolved),
        ..Default::default()
    };
    store.append(id, &manager, None, Utc::now(), change(resolved)).await.expect("resolved");
    assert_tally_agrees(&store, "after a change and a resolution").await;

    // A new plan moves an organisation's open tickets to it.
    let organisation = store.organisations().await.expect("organisations").remove(0);
    store
        .update_organisation(organisation.id, &organisation.name, "platinum", Utc::now())
        .await
        .expect("a new plan");
    assert_tally_agrees(&store, "after a new plan").await;

    // Summed up, the tally keeps its counts in fewer rows.
    let rows = tally_rows(&store).await;
    store.compact_open_ticket_tally().await.expect("summed up");
    let summed = tally_rows(&store).await;
    assert!(summed < rows, "{summed} rows after summing up {rows}");
    assert_tally_agrees(&store, "after summing up").await;
    // Summing up what is summed changes nothing.
    store.compact_open_ticket_tally().await.expect("summed up again");
    assert_eq!(tally_rows(&store).await, summed);

    // The counts above came from the tally: a row added by hand shows in them.
    let open = TicketFilter {
        statuses: vec![app::domain::TicketStatus::New, app::domain::TicketStatus::Open],
        ..TicketFilter::default()
    };
    let before = store.count_matching(&open).await.expect("a count");
    sqlx::query(
        "INSERT INTO open_ticket_tally
         SELECT status, tier_id, escalation_level, group_id, assignee_id, plan, category_id, priority,
                escalated_by_hand, acknowledged, clock_alerts, 1
         FROM open_ticket_tally WHERE status = 'new' LIMIT 1",
    )
    .execute(store.pool())
    .await
    .expect("a row by hand");
    assert_eq!(store.count_matching(&open).await.expect("a count"), before + 1);
}
