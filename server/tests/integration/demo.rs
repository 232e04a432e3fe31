//! The demo a manager first sees: a desk at mid-day, consistent with its policy, on which nothing
//! fires in bulk when the server starts.

use app::domain::period::Span;
use app::domain::queue::{Happening, RiskFilter, TicketFilter};
use app::domain::TicketStatus;
use app::ssr::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};
use server::escalation::Engine;

use crate::common::{fresh_store, Backend};

crate::on_both_backends!(
    the_demo_loads_as_a_desk_at_mid_day_and_nothing_fires_at_start,
    the_demo_loaded_on_a_sunday_night_is_as_consistent,
);

const OPEN: [TicketStatus; 4] =
    [TicketStatus::New, TicketStatus::Open, TicketStatus::Pending, TicketStatus::OnHold];

async fn count(store: &Store, filter: TicketFilter) -> i64 {
    store.count_matching(&filter).await.expect("count")
}

fn open_tickets(now: DateTime<Utc>) -> TicketFilter {
    TicketFilter { statuses: OPEN.to_vec(), as_of: Some(now), ..TicketFilter::default() }
}

/// Loads the demo as of `now` and checks what holds whenever it is loaded: the engine has caught
/// up (a tick at `now` fires nothing), and the open tickets sit mostly at the first level.
async fn load_at(backend: Backend, now: DateTime<Utc>) -> Store {
    let store = fresh_store(backend).await;
    server::demo::load(&store, now).await.expect("demo loads");
    let report = Engine::new(store.clone()).tick(now).await.expect("tick");
    assert_eq!(report.fired, 0, "the history left nothing for the engine to catch up on: {report:?}");

    let at_level = |level| TicketFilter { level: Some(level), ..open_tickets(now) };
    let (first, second, third) = (
        count(&store, at_level(1)).await,
        count(&store, at_level(2)).await,
        count(&store, at_level(3)).await,
    );
    assert!(first > second && second > third && third > 0, "levels 1, 2, 3 hold {first}, {second}, {third}");
    store
}

async fn the_demo_loads_as_a_desk_at_mid_day_and_nothing_fires_at_start(backend: Backend) {
    // A Wednesday, 14:00 in Berlin.
    let now = Utc.with_ymd_and_hms(2026, 3, 4, 13, 0, 0).single().expect("valid instant");
    let store = load_at(backend, now).await;

    let open = count(&store, open_tickets(now)).await;
    let at_risk = count(&store, TicketFilter { risk: Some(RiskFilter::AtRisk), ..open_tickets(now) }).await;
    let breached =
        count(&store, TicketFilter { risk: Some(RiskFilter::Breached), ..open_tickets(now) }).await;
    let stalled = count(&store, TicketFilter { stalled: true, ..open_tickets(now) }).await;
    let unacknowledged = count(&store, TicketFilter { unacknowledged: true, ..open_tickets(now) }).await;
    assert!((1..=5).contains(&at_risk), "a handful at risk, not {at_risk} of {open}");
    assert!((1..=5).contains(&breached), "a handful breached, not {breached} of {open}");
    assert!((1..=4).contains(&stalled), "a few stalled, not {stalled} of {open}");
    assert!(unacknowledged >= 1, "an escalation waits to be acknowledged");

    let today = Span { from: now - Duration::hours(13), until: now };
    let happened = |happening| TicketFilter {
        happened: Some((happening, today)),
        as_of: Some(now),
        ..TicketFilter::default()
    };
    assert!(count(&store, happened(Happening::Resolved)).await >= 2, "some tickets were resolved today");
    assert!(
        count(&store, happened(Happening::EscalatedByHand)).await >= 1,
        "someone escalated by hand today"
    );
    assert!(
        count(&store, happened(Happening::EscalatedAutomatically)).await >= 1,
        "the ladder escalated a ticket today"
    );
    let answered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM surveys WHERE answered_at IS NOT NULL")
        .fetch_one(store.pool())
        .await
        .expect("answers");
    assert!(answered >= 3, "customers answered surveys, {answered} of them");
}

async fn the_demo_loaded_on_a_sunday_night_is_as_consistent(backend: Backend) {
    // Outside business hours: the history's business minutes end on Friday afternoon.
    let now = Utc.with_ymd_and_hms(2026, 3, 8, 22, 0, 0).single().expect("valid instant");
    load_at(backend, now).await;
}
