//! The huddle on both backends: every open escalation, marked new or changed since the huddle a
//! lead marked held, what was resolved since, and who may see and mark which tier's.

use app::domain::huddle::SinceHuddle;
use app::domain::{commands, TicketStatus, Visibility};
use app::server_fns::huddle::Huddle;
use chrono::Utc;
use http::StatusCode;

use crate::common::{carla_opens, demo_store, state, user_by_email, Backend, Client};

crate::on_both_backends!(a_huddle_marks_what_changed_since_the_last_one,);

async fn show(client: &Client, tier: &str) -> Huddle {
    let reply = client.call("huddle/show", &[("query[tier]", tier)]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).expect("a huddle")
}

async fn a_huddle_marks_what_changed_since_the_last_one(backend: Backend) {
    let store = demo_store(backend).await;
    let state = state(store.clone());
    let mut manager = Client::new(state.clone());
    manager.sign_in("maria.manager@tierline.example", server::demo::DEMO_PASSWORD).await;

    let first = show(&manager, "all").await;
    assert_eq!(first.scope, "Every tier");
    assert!(!first.rows.is_empty(), "the demo has open escalations");
    assert!(first.last.is_none());
    for row in &first.rows {
        assert!(
            row.item.ticket.escalation_level > 1 || row.facts.escalated_by_hand,
            "#{} is no escalation",
            row.item.ticket.id
        );
        assert!(!row.item.ticket.status.is_done());
        assert_eq!(row.since, SinceHuddle::New, "without a huddle everything is new");
    }

    let held = manager.call("huddle/held", &[("query[tier]", "all")]).await;
    assert!(held.status.is_success(), "{}", held.body);
    let after = show(&manager, "all").await;
    assert_eq!(after.last.as_ref().map(|last| last.held_by.as_str()), Some("Maria Okafor"));
    assert!(after.rows.iter().all(|row| row.since == SinceHuddle::Unchanged));

    // A note on one escalation, another resolved, and a new one escalated by hand.
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let noted = after.rows[0].item.ticket.id;
    store
        .append(noted, &sam, None, Utc::now(), |ticket| {
            commands::write_message(ticket, sam.role, Visibility::Internal, "Still waiting on the vendor.")
        })
        .await
        .expect("a note");
    let resolved = after.rows[1].item.ticket.clone();
    let directory = store.directory().await.expect("directory");
    let ladder = app::domain::ladder::LadderContext { policy: None, directory: &directory };
    let manager_user = user_by_email(&store, "maria.manager@tierline.example").await;
    store
        .append(resolved.id, &manager_user, Some(resolved.version), Utc::now(), |ticket| {
            commands::change(
                ticket,
                manager_user.role,
                &ladder,
                &commands::TicketChanges { status: Some(TicketStatus::Resolved), ..Default::default() },
            )
        })
        .await
        .expect("resolved");
    let fresh = carla_opens(&store, "Scanner firmware bricked").await;
    let l3 = directory.tiers.iter().find(|tier| tier.name == "L3 Engineering").expect("L3");
    let handoff = app::domain::ticket::Handoff {
        summary: "The firmware update bricked three scanners.".into(),
        tried: "Power cycle, factory reset.".into(),
        impact: "Goods-in is down to one scanner.".into(),
        ask: "Roll the firmware back.".into(),
    };
    let to = app::domain::ticket::Assignment { tier_id: Some(l3.id), group_id: None, assignee_id: None };
    store
        .append(fresh, &sam, None, Utc::now(), |ticket| {
            commands::escalate(ticket, sam.role, &ladder, to, &handoff)
        })
        .await
        .expect("escalated");

    let now = show(&manager, "all").await;
    let since = |id: i64| now.rows.iter().find(|row| row.item.ticket.id == id).map(|row| row.since);
    assert_eq!(since(noted), Some(SinceHuddle::Changed));
    assert_eq!(since(fresh), Some(SinceHuddle::New));
    assert_eq!(since(resolved.id), None, "resolved, it leaves the table");
    assert!(
        now.resolved_since.iter().any(|item| item.ticket.id == resolved.id),
        "and is listed as resolved since"
    );
    let fresh_row = now.rows.iter().find(|row| row.item.ticket.id == fresh).expect("the new escalation");
    assert_eq!(fresh_row.facts.handoff.as_ref().map(|h| h.summary.as_str()), Some(handoff.summary.as_str()));
    assert!(fresh_row.facts.escalated_by_hand);
    let unchanged = now.rows.iter().filter(|row| row.since == SinceHuddle::Unchanged).count();
    assert_eq!(unchanged, after.rows.len() - 2, "everything else is as it was");

    // An agent sees their own tier's huddle, not another's, and may not mark it held.
    let mut agent = Client::new(state);
    agent.sign_in("sam.agent@tierline.example", server::demo::DEMO_PASSWORD).await;
    let own = show(&agent, "").await;
    assert_eq!(own.scope, "L1 Service Desk");
    assert!(!own.may_lead);
    assert_eq!(agent.call("huddle/show", &[("query[tier]", "all")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(agent.call("huddle/held", &[("query[tier]", "")]).await.status, StatusCode::FORBIDDEN);
    let wrong = manager.call("huddle/show", &[("query[tier]", "999")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("\"tier\""), "{}", wrong.body);
}
