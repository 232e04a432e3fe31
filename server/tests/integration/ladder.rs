//! Where tickets sit on the ladder, on SQLite and PostgreSQL: a hand escalation takes the level of
//! the tier it reaches and that level's budget; the edit form refuses moves up and asks a reason
//! for moves down; renaming what the policy names is refused; a policy that no longer fits the
//! organisation is shown and routes to level 1 rather than nowhere.

use app::domain::clock::ClockKind;
use app::domain::commands;
use app::domain::ladder::LadderContext;
use app::domain::queue::TicketFilter;
use app::domain::ticket::{Assignment, Handoff};
use app::domain::{EventData, Priority};
use app::ssr::Store;
use chrono::Duration;
use server::escalation::Engine;

use crate::common::{callers, demo_store, state, user_by_email, Backend};
use crate::escalation::{monday_morning, open_ticket};

crate::on_both_backends!(
    a_ticket_escalated_by_hand_to_l3_runs_on_l3s_budget_and_is_never_moved_down,
    the_edit_form_refuses_moves_up_and_asks_a_reason_for_moves_down,
    renaming_what_the_policy_names_is_refused_and_a_broken_name_is_shown_and_routed_to_level_one,
);

/// The message a server function refused `field` with, if it did.
fn refusal(reply: &crate::common::Reply, field: &str) -> Option<String> {
    let errors = reply.json();
    errors["Invalid"].as_array()?.iter().find(|error| error["field"] == field)?["message"]
        .as_str()
        .map(str::to_string)
}

async fn tier_id(store: &Store, name: &str) -> i64 {
    store.tiers().await.expect("tiers").into_iter().find(|tier| tier.name == name).expect("tier").id
}

async fn a_ticket_escalated_by_hand_to_l3_runs_on_l3s_budget_and_is_never_moved_down(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = Engine::new(store.clone());
    let start = monday_morning();
    let id = open_ticket(&store, None, Priority::Normal, start).await;
    engine.tick(start).await.expect("tick");
    assert_eq!(store.ticket(id).await.expect("read").expect("ticket").escalation_level, 1);

    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let directory = store.directory().await.expect("directory");
    let rules = store.rules().await.expect("rules");
    let ladder = LadderContext { policy: rules.as_ref().map(|rules| &rules.policy), directory: &directory };
    let l3 = Assignment { tier_id: Some(tier_id(&store, "L3 Engineering").await), ..Assignment::default() };
    let handoff = Handoff {
        summary: "The scanner VPN drops every hour at one site.".into(),
        tried: "Restarted the tunnel and renewed the certificate.".into(),
        impact: "The warehouse cannot scan.".into(),
        ask: "Look at the concentrator's rekey settings.".into(),
    };
    let escalated_at = start + Duration::minutes(30);
    store
        .append(id, &sam, None, escalated_at, |t| commands::escalate(t, sam.role, &ladder, l3, &handoff))
        .await
        .expect("escalated by hand");
    let at_l3 = store.ticket(id).await.expect("read").expect("ticket");
    assert_eq!(at_l3.escalation_level, 3, "the ticket sits at the level of the tier holding it");

    // L3's budget (24 business hours) runs out within two weeks; L1's two hours would have
    // moved the ticket "up" to L2 before noon.
    engine.tick(start + Duration::hours(5)).await.expect("tick");
    engine.tick(start + Duration::days(14)).await.expect("tick");
    let timeline = store.timeline(id, true).await.expect("timeline");
    let after_hand: Vec<&EventData> = timeline
        .iter()
        .map(|entry| &entry.event.data)
        .skip_while(|data| !matches!(data, EventData::Escalated { handoff: Some(_), .. }))
        .skip(1)
        .collect();
    assert!(
        after_hand.iter().all(|data| !matches!(data, EventData::Escalated { .. })),
        "the ladder never moves the ticket from L3 to a lower level: {after_hand:?}"
    );
    let breach = timeline.iter().find(|entry| {
        matches!(entry.event.data, EventData::ClockBreached { clock: ClockKind::TierBudget, .. })
    });
    let EventData::ClockBreached { due_at, .. } = breach.expect("L3's budget is breached").event.data else {
        unreachable!()
    };
    assert!(due_at > start + Duration::days(2), "L3's budget of 24 business hours, not L1's 2: {due_at}");
    let ticket = store.ticket(id).await.expect("read").expect("ticket");
    assert_eq!((ticket.assignment.tier_id, ticket.escalation_level), (l3.tier_id, 3));
}

async fn the_edit_form_refuses_moves_up_and_asks_a_reason_for_moves_down(backend: Backend) {
    let store = demo_store(backend).await;
    let l2 = tier_id(&store, "L2 Specialists").await;
    let page = store
        .list_tickets(&TicketFilter { page: 1, per_page: 200, ..TicketFilter::default() })
        .await
        .expect("list");
    let ticket = page
        .items
        .iter()
        .map(|item| &item.ticket)
        .find(|ticket| ticket.assignment.tier_id == Some(l2) && !ticket.status.is_done())
        .expect("an open ticket at L2")
        .clone();
    assert_eq!(ticket.escalation_level, 2);
    let callers = callers(&state(store.clone())).await;
    let edit = |tier: i64, reason: &str| {
        vec![
            ("edit[ticket_id]", ticket.id.to_string()),
            ("edit[version]", ticket.version.to_string()),
            ("edit[status]", ticket.status.as_str().to_string()),
            ("edit[priority]", ticket.priority.as_str().to_string()),
            ("edit[category]", ticket.category_id.map(|id| id.to_string()).unwrap_or_default()),
            ("edit[tags]", ticket.tags.join(" ")),
            ("edit[tier]", tier.to_string()),
            ("edit[group]", String::new()),
            ("edit[assignee]", String::new()),
            ("edit[deescalation_reason]", reason.to_string()),
        ]
    };
    let call = |form: Vec<(&'static str, String)>| {
        let agent = &callers.agent;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(key, value)| (*key, value.as_str())).collect();
            agent.call("tickets/update", &pairs).await
        }
    };
    let events_before = store.count_events(ticket.id).await.expect("count");

    let up = call(edit(tier_id(&store, "L3 Engineering").await, "")).await;
    assert!(refusal(&up, "tier").is_some_and(|m| m.contains("is an escalation")), "{}", up.body);

    let l1 = tier_id(&store, "L1 Service Desk").await;
    let down = call(edit(l1, "")).await;
    assert!(refusal(&down, "deescalation_reason").is_some(), "{}", down.body);
    assert_eq!(store.count_events(ticket.id).await.expect("count"), events_before, "nothing written");

    let back = call(edit(l1, "Workaround in place; L1 follows up with the customer.")).await;
    assert!(back.status.is_success(), "{}", back.body);
    let moved = store.ticket(ticket.id).await.expect("read").expect("ticket");
    assert_eq!((moved.assignment.tier_id, moved.escalation_level), (Some(l1), 1));
    let last = store.timeline(ticket.id, true).await.expect("timeline").pop().expect("an event").event.data;
    assert!(matches!(last, EventData::Deescalated { level: 1, .. }), "{last:?}");
}

async fn renaming_what_the_policy_names_is_refused_and_a_broken_name_is_shown_and_routed_to_level_one(
    backend: Backend,
) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let l2 = tier_id(&store, "L2 Specialists").await.to_string();
    let rename = [
        ("form[id]", l2.as_str()),
        ("form[name]", "Specialists"),
        ("form[rank]", "2"),
        ("form[handbook]", ""),
    ];
    let refused = callers.admin.call("admin/tier", &rename).await;
    let message = refusal(&refused, "name").unwrap_or_default();
    assert!(message.contains("names this tier \"L2 Specialists\" on lines"), "{}", refused.body);
    assert!(store.tiers().await.expect("tiers").iter().any(|tier| tier.name == "L2 Specialists"));
    assert_eq!(callers.anonymous.get("/readyz").await.body, "ready");

    // The organisation changes under the policy some other way (a restore, a script).
    sqlx::query("UPDATE agent_groups SET name = 'Security Team' WHERE name = 'Security'")
        .execute(store.pool())
        .await
        .expect("renamed behind the policy's back");
    let ready = callers.anonymous.get("/readyz").await;
    assert!(ready.status.is_success());
    assert!(ready.body.starts_with("ready, degraded"), "{}", ready.body);
    assert!(ready.body.contains("\"Security\" is not a known tier or group"), "{}", ready.body);
    let policy_page = callers.admin.call("policy/page", &[("version", "0")]).await.json();
    assert!(policy_page["problems"].as_array().is_some_and(|problems| !problems.is_empty()), "{policy_page}");

    // A security incident the policy routes to "Security" reaches level 1, with the reason.
    let engine = Engine::new(store.clone());
    let id = open_ticket(&store, Some("Security"), Priority::High, monday_morning()).await;
    engine.tick(monday_morning()).await.expect("tick");
    let ticket = store.ticket(id).await.expect("read").expect("ticket");
    assert_eq!(
        (ticket.assignment.tier_id, ticket.escalation_level),
        (Some(tier_id(&store, "L1 Service Desk").await), 1)
    );
    let timeline = store.timeline(id, true).await.expect("timeline");
    let reason = timeline.iter().find_map(|entry| match &entry.event.data {
        EventData::Escalated { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(
        reason
            .as_deref()
            .is_some_and(|reason| reason.contains("\"Security\", which is not a tier or group any more")),
        "{reason:?}"
    );
}
