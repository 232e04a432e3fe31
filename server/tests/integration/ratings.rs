//! The receiving tier's rating of an escalation, on both backends: once, by its receivers only,
//! through the server function, recorded in the log for staff.

use app::domain::commands::{self, TicketChanges};
use app::domain::ladder::LadderContext;
use app::domain::ticket::{Assignment, Handoff, Warranted};
use app::domain::EventData;
use http::StatusCode;

use crate::common::{carla_opens, customers_see_no, demo_store, state, user_by_email, Backend, Client};

crate::on_both_backends!(the_receiving_tier_rates_an_escalation_once,);

async fn the_receiving_tier_rates_an_escalation_once(backend: Backend) {
    let store = demo_store(backend).await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let ticket_id = carla_opens(&store, "Payroll export stalls").await;
    let directory = store.directory().await.expect("directory");
    let rules = store.rules().await.expect("rules");
    let ladder = LadderContext { policy: rules.as_ref().map(|rules| &rules.policy), directory: &directory };
    let l1 = directory.tiers.iter().find(|tier| tier.name == "L1 Service Desk").expect("L1");
    let service_desk = directory.groups.iter().find(|group| group.tier_id == l1.id).expect("an L1 group");
    let network = directory.groups.iter().find(|group| group.name == "Network").expect("Network");
    let placed = TicketChanges {
        assignment: Some(Assignment {
            tier_id: Some(l1.id),
            group_id: Some(service_desk.id),
            assignee_id: None,
        }),
        ..TicketChanges::default()
    };
    store
        .append(ticket_id, &sam, None, chrono::Utc::now(), |t| {
            commands::change(t, sam.role, &ladder, &placed)
        })
        .await
        .expect("placed");
    let handoff = Handoff {
        summary: "The export stalls at 40 % for every tenant.".into(),
        tried: "Cleared the cache and ran it twice.".into(),
        impact: "Payroll cannot close.".into(),
        ask: "Check the export queue.".into(),
    };
    let to = Assignment { tier_id: Some(network.tier_id), group_id: Some(network.id), assignee_id: None };
    store
        .append(ticket_id, &sam, None, chrono::Utc::now(), |t| {
            commands::escalate(t, sam.role, &ladder, to, &handoff)
        })
        .await
        .expect("escalated");

    let id = ticket_id.to_string();
    let sign_in = |email: &'static str| {
        let state = state(store.clone());
        async move {
            let mut client = Client::new(state);
            client.sign_in(email, server::demo::DEMO_PASSWORD).await;
            client
        }
    };
    let nina = sign_in("nina.agent@tierline.example").await;
    let sam_client = sign_in("sam.agent@tierline.example").await;
    let detail = nina.call("tickets/detail", &[("ticket_id", &id)]).await.json();
    assert_eq!(detail["Staff"]["may_rate_escalation"], true, "Network received it");
    let detail = sam_client.call("tickets/detail", &[("ticket_id", &id)]).await.json();
    assert_eq!(detail["Staff"]["may_rate_escalation"], false, "Sam sent it");

    // The sender may not rate their own escalation; a wrong score changes nothing.
    assert!(rate(&sam_client, &id, "yes", "5").await.body.contains("escalation"));
    let refused = rate(&nina, &id, "yes", "9").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("handoff"));
    let before = store.count_events(ticket_id).await.expect("count");

    let rated = rate(&nina, &id, "no", "2").await;
    assert!(rated.status.is_success(), "{} {}", rated.status, rated.body);
    assert_eq!(store.count_events(ticket_id).await.expect("count"), before + 1);
    let again = rate(&nina, &id, "yes", "5").await;
    assert!(again.body.contains("rated already"), "once: {}", again.body);
    assert_eq!(store.count_events(ticket_id).await.expect("count"), before + 1, "nothing more written");

    let log = store.timeline(ticket_id, true).await.expect("timeline");
    let rating = log.iter().rev().find_map(|entry| match &entry.event.data {
        EventData::EscalationRated { warranted, handoff, comment, .. } => {
            Some((*warranted, *handoff, comment.clone()))
        }
        _ => None,
    });
    assert_eq!(rating, Some((Warranted::No, 2, Some("Logs were attached.".into()))));
    assert!(customers_see_no(&store, ticket_id, "escalation_rated").await, "customers never see ratings");
    let detail = nina.call("tickets/detail", &[("ticket_id", &id)]).await.json();
    assert_eq!(detail["Staff"]["may_rate_escalation"], false, "rated once");
}

async fn rate(client: &Client, ticket: &str, warranted: &str, score: &str) -> crate::common::Reply {
    client
        .call(
            "tickets/rate_escalation",
            &[
                ("ticket_id", ticket),
                ("rating[warranted]", warranted),
                ("rating[handoff]", score),
                ("rating[comment]", "Logs were attached."),
            ],
        )
        .await
}
