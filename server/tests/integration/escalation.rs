//! The escalation engine's worker with a fixed clock, on SQLite and PostgreSQL: routing, reminders,
//! breaches climbing the ladder, catching up after downtime, and each threshold firing once even
//! with two engines at work.

use app::domain::clock::ClockKind;
use app::domain::commands::{self, NewTicket};
use app::domain::escalation::Threshold;
use app::domain::queue::{TicketFilter, TicketSort};
use app::domain::{Channel, EventData, Priority};
use app::ssr::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};
use server::escalation::Engine;

use crate::common::{demo_store, user_by_email, Backend};

crate::on_both_backends!(
    an_untouched_ticket_climbs_the_ladder_as_its_budgets_run_out,
    each_threshold_fires_once_even_with_two_engines,
    criteria_route_new_tickets_to_their_expert_group,
    without_a_policy_the_engine_waits_and_changes_nothing,
    a_tier_that_gives_no_public_update_misses_its_checkpoint_once,
    an_age_criterion_fires_at_the_instant_the_ticket_is_old_enough,
    a_batch_leaves_out_tickets_that_changed_or_whose_thresholds_fired_elsewhere,
    a_new_plan_or_calendar_moves_the_deadlines_of_open_tickets_at_once,
    a_decision_made_before_a_calendar_changed_is_not_applied,
);

/// Monday 2 March 2026, 09:00 in Berlin: the office calendar of the demo is open.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).single().expect("valid instant")
}

pub async fn open_ticket(
    store: &Store,
    category: Option<&str>,
    priority: Priority,
    at: DateTime<Utc>,
) -> i64 {
    let customer = user_by_email(store, "carla@acme.example").await;
    let category_id = match category {
        Some(name) => {
            store.categories().await.expect("categories").into_iter().find(|c| c.name == name).map(|c| c.id)
        }
        None => None,
    };
    let created = commands::open(
        &NewTicket {
            subject: "Scanner VPN drops".into(),
            description: "Every hour.".into(),
            category_id,
            priority,
        },
        Channel::Portal,
    );
    store
        .create_ticket(customer.id, customer.organisation_id.expect("org"), customer.id, created, at)
        .await
        .expect("ticket")
        .ticket
        .id
}

async fn log(store: &Store, id: i64) -> Vec<EventData> {
    store.timeline(id, true).await.expect("timeline").into_iter().map(|entry| entry.event.data).collect()
}

fn breaches(log: &[EventData], clock: ClockKind) -> usize {
    log.iter().filter(|data| matches!(data, EventData::ClockBreached { clock: c, .. } if *c == clock)).count()
}

async fn an_untouched_ticket_climbs_the_ladder_as_its_budgets_run_out(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = Engine::new(store.clone());
    let start = monday_morning();
    let id = open_ticket(&store, None, Priority::Normal, start).await;
    let tiers = store.tiers().await.expect("tiers");

    engine.tick(start).await.expect("tick");
    let ticket = store.ticket(id).await.expect("read").expect("exists");
    assert_eq!(ticket.assignment.tier_id, Some(tiers[0].id), "routed to ladder level 1");
    assert_eq!(ticket.escalation_level, 1);
    // Inside the tier, an agent available on Monday morning in Berlin takes it: the least loaded
    // member of the Service Desk.
    let desk =
        store.groups().await.expect("groups").into_iter().find(|g| g.name == "Service Desk").expect("group");
    let agent = ticket.assignment.assignee_id.expect("an agent was chosen");
    assert_eq!(ticket.assignment.group_id, Some(desk.id));
    assert!(desk.member_ids.contains(&agent));
    let agents = store.routing_agents().await.expect("agents");
    let least = desk.member_ids.iter().map(|id| agents[id].open_tickets).min().expect("members");
    assert_eq!(agents[&agent].open_tickets, least + 1, "the chosen agent had the fewest open tickets");
    // The queue knows when it breaches first: L1's two-hour budget, at 10:00 UTC.
    let queue = store
        .list_tickets(&TicketFilter {
            sort: TicketSort::BreachesFirst,
            page: 1,
            per_page: 200,
            ..TicketFilter::default()
        })
        .await
        .expect("queue");
    let item = queue.items.iter().find(|item| item.ticket.id == id).expect("listed");
    assert_eq!(item.next_breach_at, Some(start + Duration::hours(2)));
    assert_eq!(queue.items[0].ticket.id, id, "nothing else breaches earlier");

    // Three hours later, nobody has touched it: L1's two-hour budget ran out at 10:00 UTC.
    let later = start + Duration::hours(3);
    let report = engine.tick(later).await.expect("tick");
    assert!(report.fired >= 2, "the breach and the first-response reminder fire: {report:?}");
    let ticket = store.ticket(id).await.expect("read").expect("exists");
    assert_eq!(ticket.assignment.tier_id, Some(tiers[1].id), "escalated to L2");
    assert_eq!(ticket.escalation_level, 2);
    let events = store.timeline(id, true).await.expect("timeline");
    let escalation = events
        .iter()
        .find(|entry| matches!(&entry.event.data, EventData::Escalated { level: Some(2), .. }))
        .expect("an escalation to level 2");
    // Caught up after the fact, the escalation is dated when the budget ran out.
    assert_eq!(escalation.event.at, start + Duration::hours(2));
    let EventData::Escalated { reason, .. } = &escalation.event.data else { unreachable!("matched above") };
    assert!(reason.contains("budget of 2h used up"), "{reason}");
    assert!(events.iter().any(|entry| matches!(
        entry.event.data,
        EventData::ClockBreached { clock: ClockKind::TierBudget, cycle: 1, late: true, .. }
    )));
    // The 75 % reminder of the same budget was overtaken by the breach: recorded, not written.
    assert!(!events.iter().any(|entry| matches!(
        entry.event.data,
        EventData::ClockReminder { clock: ClockKind::TierBudget, cycle: 1, .. }
    )));
    let notifications = store.pending_outbox(100_000).await.expect("outbox");
    assert!(notifications
        .iter()
        .any(|(topic, payload)| topic == "notify.escalated"
            && payload.contains(&format!("\"ticket_id\":{id}"))));

    // Once fired, never again.
    let before = log(&store, id).await.len();
    let report = engine.tick(later).await.expect("tick");
    assert_eq!(report.fired, 0);
    assert_eq!(log(&store, id).await.len(), before);

    // Days later it has climbed to the top of the ladder, and stays there.
    engine.tick(start + Duration::days(10)).await.expect("tick");
    let ticket = store.ticket(id).await.expect("read").expect("exists");
    assert_eq!(ticket.escalation_level, 3);
    assert_eq!(ticket.assignment.tier_id, Some(tiers[2].id));
    let events = log(&store, id).await;
    assert_eq!(breaches(&events, ClockKind::TierBudget), 3, "each level's budget broke once");
    // L2's breach actions raise the priority.
    assert!(events.iter().any(|data| matches!(
        data,
        EventData::PriorityChanged { from: Priority::Normal, to: Priority::High }
    )));
}

async fn each_threshold_fires_once_even_with_two_engines(backend: Backend) {
    let store = demo_store(backend).await;
    let start = monday_morning();
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(open_ticket(&store, None, Priority::High, start).await);
    }
    let first = Engine::new(store.clone());
    let second = Engine::new(store.clone());
    let now = start + Duration::days(4);
    // Two engines on one database at the same instant, as two server instances would be.
    let (a, b) = tokio::join!(first.tick(now), second.tick(now));
    a.expect("first engine");
    b.expect("second engine");
    // Whatever one of them skipped is due again; let both finish.
    for _ in 0..3 {
        let (a, b) = tokio::join!(first.tick(now), second.tick(now));
        a.expect("first engine");
        b.expect("second engine");
    }
    for id in ids {
        let events = log(&store, id).await;
        assert_eq!(breaches(&events, ClockKind::TierBudget), 3, "ticket {id}: {events:#?}");
        for clock in [ClockKind::FirstResponse, ClockKind::Resolution] {
            assert_eq!(breaches(&events, clock), 1, "ticket {id}, {clock:?}");
        }
        let levels = events.iter().filter(|data| matches!(data, EventData::Escalated { .. })).count();
        assert_eq!(levels, 3, "routed once and escalated twice");
    }
}

async fn criteria_route_new_tickets_to_their_expert_group(backend: Backend) {
    let store = demo_store(backend).await;
    let start = monday_morning();
    let id = open_ticket(&store, Some("Security"), Priority::High, start).await;
    Engine::new(store.clone()).tick(start).await.expect("tick");
    let ticket = store.ticket(id).await.expect("read").expect("exists");
    let security =
        store.groups().await.expect("groups").into_iter().find(|g| g.name == "Security").expect("group");
    assert_eq!(ticket.assignment.group_id, Some(security.id));
    assert_eq!(ticket.assignment.tier_id, Some(security.tier_id));
    let events = log(&store, id).await;
    assert!(events.iter().any(
        |data| matches!(data, EventData::Escalated { reason, .. } if reason.contains("Security incidents"))
    ));
}

async fn without_a_policy_the_engine_waits_and_changes_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    sqlx::query("DELETE FROM policy_versions").execute(store.pool()).await.expect("no policy");
    let start = monday_morning();
    let id = open_ticket(&store, None, Priority::Urgent, start).await;
    let report = Engine::new(store.clone()).tick(start + Duration::days(3)).await.expect("tick");
    assert!(report.without_policy);
    assert_eq!(report.evaluated, 0);
    assert_eq!(log(&store, id).await.len(), 1, "only the creation");
    assert!(
        store.due_tickets(start, 10).await.expect("schedule").contains(&id),
        "still waiting for a policy"
    );
}

async fn a_tier_that_gives_no_public_update_misses_its_checkpoint_once(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = Engine::new(store.clone());
    let start = monday_morning();
    // Routed to Security in L3, whose checkpoint is a public update every 4 business hours.
    let id = open_ticket(&store, Some("Security"), Priority::High, start).await;
    engine.tick(start).await.expect("tick");
    let ines = user_by_email(&store, "ines.security@tierline.example").await;
    store
        .append(id, &ines, None, start + Duration::hours(2), |t| {
            commands::write_message(t, ines.role, app::domain::Visibility::Public, "We are on it.")
        })
        .await
        .expect("reply");
    let checkpoints = |events: &[EventData]| {
        events.iter().filter(|d| matches!(d, EventData::CheckpointMissed { .. })).count()
    };
    // Four business hours after the start the reply has restarted the period: nothing is missed.
    engine.tick(start + Duration::hours(4) + Duration::minutes(30)).await.expect("tick");
    assert_eq!(checkpoints(&log(&store, id).await), 0);
    // Four business hours after the reply, with no update since: missed, once.
    engine.tick(start + Duration::hours(6) + Duration::minutes(30)).await.expect("tick");
    engine.tick(start + Duration::hours(6) + Duration::minutes(45)).await.expect("tick");
    let events = log(&store, id).await;
    assert_eq!(checkpoints(&events), 1, "{events:#?}");
    let missed = events.iter().find_map(|d| match d {
        EventData::CheckpointMissed { due_at, .. } => Some(*due_at),
        _ => None,
    });
    assert_eq!(missed, Some(start + Duration::hours(6)));
    let outbox = store.pending_outbox(100_000).await.expect("outbox");
    assert!(outbox.iter().any(|(topic, payload)| topic == "notify.checkpoint_missed"
        && payload.contains(&format!("\"ticket_id\":{id}"))));
}

/// Around the clock; long targets and budgets, so only the age criterion can move a ticket.
const AGE_POLICY: &str = r#"name = "Age criterion"
calendar = "Around the clock"

[[targets]]
first_response = "12h"
next_response = "12h"
resolution = "48h"

[[criteria]]
name = "High tickets older than four hours go to L2"
when = { all = [{ priority = "high" }, { age_hours_at_least = 4 }] }
escalate_to_level = 2

[[ladder]]
holder = "L1 Service Desk"
budget = "24h"
on_breach = ["next_level"]

[[ladder]]
holder = "L2 Specialists"
budget = "24h"
"#;

async fn an_age_criterion_fires_at_the_instant_the_ticket_is_old_enough(backend: Backend) {
    let store = demo_store(backend).await;
    let start = monday_morning();
    let admin = user_by_email(&store, "admin@tierline.example").await;
    store.save_policy_version(AGE_POLICY, admin.id, "age test", start).await.expect("policy");
    let engine = Engine::new(store.clone());
    let high = open_ticket(&store, None, Priority::High, start).await;
    let normal = open_ticket(&store, None, Priority::Normal, start).await;
    engine.tick(start).await.expect("tick");
    assert_eq!(store.ticket(high).await.expect("read").expect("exists").escalation_level, 1);

    // The engine's next look is the instant the high ticket turns four hours old, not later.
    let due = store.due_tickets(start + Duration::hours(4), 1000).await.expect("due");
    assert!(due.contains(&high), "the high ticket is due when it turns four hours old");
    assert!(!due.contains(&normal), "the normal ticket has nothing due by then");
    let just_before =
        store.due_tickets(start + Duration::hours(4) - Duration::seconds(1), 1000).await.expect("due");
    assert!(!just_before.contains(&high), "and not a moment earlier");

    engine.tick(start + Duration::hours(4)).await.expect("tick");
    let ticket = store.ticket(high).await.expect("read").expect("exists");
    assert_eq!(ticket.escalation_level, 2, "escalated by the age criterion");
    let events = store.timeline(high, true).await.expect("timeline");
    let escalation = events
        .iter()
        .find(|entry| matches!(&entry.event.data, EventData::Escalated { level: Some(2), .. }))
        .expect("an escalation to level 2");
    assert_eq!(escalation.event.at, start + Duration::hours(4), "at the instant, not at the next change");
    assert_eq!(store.ticket(normal).await.expect("read").expect("exists").escalation_level, 1);
}

async fn fired_count(store: &Store, id: i64) -> i64 {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM fired_thresholds WHERE ticket_id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .expect("fired thresholds");
    sqlx::Row::try_get(&row, "n").expect("count")
}

/// The engine decides about a batch, then, before it commits, an agent writes on one ticket and
/// another instance records a threshold of a second: the batch applies the third ticket alone,
/// writes nothing for the other two, and leaves them due.
async fn a_batch_leaves_out_tickets_that_changed_or_whose_thresholds_fired_elsewhere(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = Engine::new(store.clone());
    let start = monday_morning();
    let steady = open_ticket(&store, None, Priority::Normal, start).await;
    let changed = open_ticket(&store, None, Priority::Normal, start).await;
    let raced = open_ticket(&store, None, Priority::Normal, start).await;
    engine.tick(start).await.expect("routed");

    // Three hours later L1's two-hour budget has run out for all three.
    let now = start + Duration::hours(3);
    let mut inputs = engine.tick_inputs().await.expect("tick inputs").expect("a policy");
    let decided = engine.decide(&mut inputs, &[steady, changed, raced], now).await.expect("decisions");
    assert_eq!(decided.len(), 3);
    let decision_of = |id: i64| &decided.iter().find(|item| item.ticket_id == id).expect("decided").decision;
    assert!(decided.iter().all(|item| breaches(
        &item.decision.batches.iter().flat_map(|(_, events)| events.clone()).collect::<Vec<_>>(),
        ClockKind::TierBudget
    ) == 1));

    let ines = user_by_email(&store, "ines.security@tierline.example").await;
    store
        .append(changed, &ines, None, now, |t| {
            commands::write_message(t, ines.role, app::domain::Visibility::Internal, "Looking at the logs.")
        })
        .await
        .expect("note");
    let breach = decision_of(raced)
        .firings
        .iter()
        .find(|firing| firing.key.threshold == Threshold::Breach && firing.key.clock == ClockKind::TierBudget)
        .expect("the budget's breach")
        .key;
    sqlx::query(
        "INSERT INTO fired_thresholds (ticket_id, clock, cycle, threshold, due_at, fired_at, late, overtaken)
         VALUES ($1, $2, $3, $4, $5, $5, 0, 0)",
    )
    .bind(raced)
    .bind(breach.clock.as_str())
    .bind(i64::from(breach.cycle))
    .bind(breach.threshold.as_text())
    .bind(now.timestamp_millis())
    .execute(store.pool())
    .await
    .expect("the other instance's firing");
    let fired_before = (fired_count(&store, changed).await, fired_count(&store, raced).await);
    let logs_before = (log(&store, changed).await.len(), log(&store, raced).await.len());

    let outcomes = store.apply_decisions(&decided, now).await.expect("applied");
    let applied: std::collections::BTreeMap<i64, bool> =
        decided.iter().zip(&outcomes).map(|(item, outcome)| (item.ticket_id, outcome.applied)).collect();
    assert_eq!(applied, [(steady, true), (changed, false), (raced, false)].into_iter().collect());

    let ticket = store.ticket(steady).await.expect("read").expect("exists");
    assert_eq!(ticket.escalation_level, 2, "the untouched ticket escalates");
    assert_eq!(breaches(&log(&store, steady).await, ClockKind::TierBudget), 1);
    // Nothing of the two left out was written: no events, no firings but the other instance's.
    assert_eq!((fired_count(&store, changed).await, fired_count(&store, raced).await), fired_before);
    assert_eq!((log(&store, changed).await.len(), log(&store, raced).await.len()), logs_before);
    for id in [changed, raced] {
        assert_eq!(store.ticket(id).await.expect("read").expect("exists").escalation_level, 1);
    }
    let due = store.due_tickets(now, 100).await.expect("due");
    assert!(due.contains(&changed) && due.contains(&raced), "both stay due: {due:?}");
    assert!(!due.contains(&steady));

    // Decided afresh: the changed ticket escalates; the raced one's breach fired elsewhere and
    // never fires again here.
    engine.tick(now).await.expect("tick");
    assert_eq!(store.ticket(changed).await.expect("read").expect("exists").escalation_level, 2);
    assert_eq!(breaches(&log(&store, changed).await, ClockKind::TierBudget), 1);
    assert_eq!(breaches(&log(&store, raced).await, ClockKind::TierBudget), 0);
}

/// The demo's office calendar, as stored.
async fn office_hours(store: &Store) -> app::domain::directory::CalendarRecord {
    store
        .calendars()
        .await
        .expect("calendars")
        .into_iter()
        .find(|calendar| calendar.name == "Office hours (Berlin)")
        .expect("office hours")
}

async fn next_breach(store: &Store, id: i64) -> Option<DateTime<Utc>> {
    let row = sqlx::query("SELECT next_breach_at FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .expect("ticket");
    sqlx::Row::try_get::<Option<i64>, _>(&row, "next_breach_at")
        .expect("next breach")
        .map(|millis| Utc.timestamp_millis_opt(millis).single().expect("instant"))
}

/// Changing an organisation's plan or a calendar the policy measures in moves the deadlines of
/// open tickets at once, not at their old due instants; saving them unchanged moves nothing.
async fn a_new_plan_or_calendar_moves_the_deadlines_of_open_tickets_at_once(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = Engine::new(store.clone());
    let start = monday_morning();
    let acme_ticket = open_ticket(&store, None, Priority::Urgent, start).await;
    let dana = user_by_email(&store, "dana@globex.example").await;
    let created = commands::open(
        &NewTicket {
            subject: "Tills offline".into(),
            description: "All stores.".into(),
            category_id: None,
            priority: Priority::Urgent,
        },
        Channel::Portal,
    );
    let globex_ticket = store
        .create_ticket(dana.id, dana.organisation_id.expect("org"), dana.id, created, start)
        .await
        .expect("ticket")
        .ticket
        .id;
    engine.tick(start).await.expect("tick");
    // Urgent on the enterprise and premium plans: the first response is due in 30 minutes,
    // around the clock.
    assert_eq!(next_breach(&store, acme_ticket).await, Some(start + Duration::minutes(30)));
    assert_eq!(next_breach(&store, globex_ticket).await, Some(start + Duration::minutes(30)));
    let now = start + Duration::minutes(5);
    let due = store.due_tickets(now, 100).await.expect("due");
    assert!(!due.contains(&acme_ticket) && !due.contains(&globex_ticket), "{due:?}");

    // Acme moves to the standard plan: an hour of office time.
    let acme = store
        .organisations()
        .await
        .expect("organisations")
        .into_iter()
        .find(|organisation| organisation.name == "Acme Logistics")
        .expect("Acme");
    assert!(store.update_organisation(acme.id, &acme.name, "standard", now).await.expect("saved"));
    let due = store.due_tickets(now, 100).await.expect("due");
    assert!(due.contains(&acme_ticket) && !due.contains(&globex_ticket), "only Acme's tickets: {due:?}");
    engine.tick(now).await.expect("tick");
    assert_eq!(next_breach(&store, acme_ticket).await, Some(start + Duration::hours(1)));
    assert!(store.update_organisation(acme.id, &acme.name, "standard", now).await.expect("saved"));
    assert!(
        !store.due_tickets(now, 100).await.expect("due").contains(&acme_ticket),
        "same plan, nothing moves"
    );

    // The office closes at 09:30 that Monday: half of Acme's hour is left for Tuesday 08:00 in
    // Berlin. Globex's clock runs around the clock and keeps its deadline.
    let office = office_hours(&store).await;
    let shortened =
        office.source.replace("[overrides]\n", "[overrides]\n\"2026-03-02\" = [\"08:00-09:30\"]\n");
    assert_ne!(shortened, office.source);
    store.save_calendar(&office.name, &shortened, now).await.expect("calendar");
    let due = store.due_tickets(now, 100).await.expect("due");
    assert!(due.contains(&acme_ticket) && due.contains(&globex_ticket), "every open ticket: {due:?}");
    engine.tick(now).await.expect("tick");
    let tuesday = Utc.with_ymd_and_hms(2026, 3, 3, 7, 30, 0).single().expect("instant");
    assert_eq!(next_breach(&store, acme_ticket).await, Some(tuesday));
    assert_eq!(next_breach(&store, globex_ticket).await, Some(start + Duration::minutes(30)));
    store.save_calendar(&office.name, &shortened, now).await.expect("calendar");
    assert!(store.due_tickets(now, 100).await.expect("due").is_empty(), "same calendar, nothing moves");
}

/// The engine decides with the calendars it read; an admin changes one before the decision
/// commits. The decision rests on stale facts, so it is dropped and the ticket stays due — rather
/// than writing the old next due instant over the rescheduling.
async fn a_decision_made_before_a_calendar_changed_is_not_applied(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = Engine::new(store.clone());
    let start = monday_morning();
    let id = open_ticket(&store, None, Priority::Normal, start).await;
    engine.tick(start).await.expect("routed");
    let now = start + Duration::hours(3);
    let mut inputs = engine.tick_inputs().await.expect("tick inputs").expect("a policy");
    let decided = engine.decide(&mut inputs, &[id], now).await.expect("decision");
    assert_eq!(decided.len(), 1);
    assert!(!decided[0].decision.firings.is_empty(), "the budget ran out: something to fire");

    let office = office_hours(&store).await;
    let closed_monday = office.source.replace("[overrides]\n", "[overrides]\n\"2026-03-02\" = []\n");
    store.save_calendar(&office.name, &closed_monday, now).await.expect("calendar");
    let before = log(&store, id).await.len();
    let outcomes = store.apply_decisions(&decided, now).await.expect("applied");
    assert!(!outcomes[0].applied, "decided before the calendar changed");
    assert_eq!(log(&store, id).await.len(), before, "nothing written");
    assert_eq!(fired_count(&store, id).await, 0);
    assert!(store.due_tickets(now, 100).await.expect("due").contains(&id), "still due");

    // Decided afresh: with that Monday closed, no business time has passed and nothing fires.
    engine.tick(now).await.expect("tick");
    assert_eq!(breaches(&log(&store, id).await, ClockKind::TierBudget), 0);
    assert_eq!(store.ticket(id).await.expect("read").expect("exists").escalation_level, 1);
}
