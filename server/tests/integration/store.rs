//! The store against SQLite and PostgreSQL: the write path, concurrency, lists and sessions.

use app::domain::commands::{self, NewTicket, TicketChanges};
use app::domain::ladder::LadderContext;
use app::domain::queue::{TicketFilter, TicketSort};
use app::domain::{Channel, EventData, Priority, Role, TicketStatus, Visibility};
use app::ssr::store::tickets::WriteError;
use chrono::{Duration, TimeZone, Utc};

use crate::common::{demo_store, fresh_store, user_by_email, Backend};

crate::on_both_backends!(
    demo_data_loads_every_status_and_the_whole_organisation,
    a_new_ticket_writes_its_created_event_projection_and_outbox_row_together,
    a_stale_field_edit_is_refused_naming_who_changed_what_and_writes_nothing,
    messages_never_conflict_and_leave_the_version_alone,
    concurrent_messages_get_gapless_sequence_numbers,
    the_projection_equals_a_replay_of_the_log,
    customers_lists_are_limited_to_their_organisation_and_filters_combine,
    sessions_expire_and_end_on_sign_out,
    pages_in_breach_order_list_every_match_once_in_that_order,
);

async fn demo_data_loads_every_status_and_the_whole_organisation(backend: Backend) {
    let store = demo_store(backend).await;
    assert_eq!(store.tiers().await.expect("tiers").len(), 3);
    assert!(store
        .groups()
        .await
        .expect("groups")
        .iter()
        .any(|g| g.name == "Security" && g.skills.contains(&"security".to_string())));
    let all = store
        .list_tickets(&TicketFilter { per_page: 200, page: 1, ..TicketFilter::default() })
        .await
        .expect("list");
    assert!(all.total >= 30, "a few dozen tickets, got {}", all.total);
    for status in TicketStatus::ALL {
        assert!(all.items.iter().any(|item| item.ticket.status == *status), "no demo ticket is {status:?}");
    }
}

fn new_ticket(subject: &str) -> EventData {
    commands::open(
        &NewTicket {
            subject: subject.into(),
            description: "It broke.".into(),
            category_id: None,
            priority: Priority::Normal,
        },
        Channel::Portal,
    )
}

async fn a_new_ticket_writes_its_created_event_projection_and_outbox_row_together(backend: Backend) {
    let store = demo_store(backend).await;
    let customer = user_by_email(&store, "carla@acme.example").await;
    let before = store.pending_outbox(10_000).await.expect("outbox").len();
    let appended = store
        .create_ticket(
            customer.id,
            customer.organisation_id.expect("org"),
            customer.id,
            new_ticket("Printer on fire"),
            Utc::now(),
        )
        .await
        .expect("create");
    let timeline = store.timeline(appended.ticket.id, true).await.expect("timeline");
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].event.sequence, 1);
    assert!(matches!(timeline[0].event.data, EventData::Created { .. }));
    let stored = store.ticket(appended.ticket.id).await.expect("read").expect("exists");
    assert_eq!(stored.subject, "Printer on fire");
    assert_eq!(stored.status, TicketStatus::New);
    let outbox = store.pending_outbox(10_000).await.expect("outbox");
    assert_eq!(outbox.len(), before + 1);
    assert_eq!(outbox.last().expect("row").0, "ticket.created");
}

async fn a_stale_field_edit_is_refused_naming_who_changed_what_and_writes_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    let customer = user_by_email(&store, "carla@acme.example").await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let nina = user_by_email(&store, "nina.agent@tierline.example").await;
    let id = store
        .create_ticket(
            customer.id,
            customer.organisation_id.expect("org"),
            customer.id,
            new_ticket("Slow VPN"),
            Utc::now(),
        )
        .await
        .expect("create")
        .ticket
        .id;
    let seen = store.ticket(id).await.expect("read").expect("exists").version;
    let raise = TicketChanges { priority: Some(Priority::Urgent), ..Default::default() };
    store
        .append(id, &sam, Some(seen), Utc::now(), |t| {
            commands::change(t, sam.role, &LadderContext::without_organisation(), &raise)
        })
        .await
        .expect("first edit");
    let events_before = store.count_events(id).await.expect("count");
    let pend = TicketChanges { status: Some(TicketStatus::Pending), ..Default::default() };
    let refused = store
        .append(id, &nina, Some(seen), Utc::now(), |t| {
            commands::change(t, nina.role, &LadderContext::without_organisation(), &pend)
        })
        .await;
    let Err(WriteError::Conflict(message)) = refused else {
        panic!("a stale edit must conflict, got {refused:?}");
    };
    assert!(message.contains("Sam Patel changed the priority from Normal to Urgent"), "{message}");
    assert_eq!(store.count_events(id).await.expect("count"), events_before);
    let current = store.ticket(id).await.expect("read").expect("exists");
    assert_eq!(current.status, TicketStatus::New);
    assert_eq!(current.priority, Priority::Urgent);
}

async fn messages_never_conflict_and_leave_the_version_alone(backend: Backend) {
    let store = demo_store(backend).await;
    let customer = user_by_email(&store, "carla@acme.example").await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let created = store
        .create_ticket(
            customer.id,
            customer.organisation_id.expect("org"),
            customer.id,
            new_ticket("Login loop"),
            Utc::now(),
        )
        .await
        .expect("create");
    let note = store
        .append(created.ticket.id, &sam, None, Utc::now(), |t| {
            commands::write_message(t, Role::Agent, Visibility::Internal, "checking")
        })
        .await
        .expect("note");
    assert_eq!(note.ticket.version, created.ticket.version);
    let reply = store
        .append(created.ticket.id, &sam, None, Utc::now(), |t| {
            commands::write_message(t, Role::Agent, Visibility::Public, "on it")
        })
        .await
        .expect("reply");
    // The first public reply opens the ticket: a field change, so the version moves.
    assert_eq!(reply.ticket.status, TicketStatus::Open);
    assert_eq!(reply.ticket.version, created.ticket.version + 1);
    let public = store.timeline(created.ticket.id, false).await.expect("timeline");
    assert!(public.iter().all(|entry| !matches!(entry.event.data, EventData::InternalNote { .. })));
    assert_eq!(store.timeline(created.ticket.id, true).await.expect("timeline").len(), 4);
}

async fn concurrent_messages_get_gapless_sequence_numbers(backend: Backend) {
    let store = demo_store(backend).await;
    let customer = user_by_email(&store, "carla@acme.example").await;
    let id = store
        .create_ticket(
            customer.id,
            customer.organisation_id.expect("org"),
            customer.id,
            new_ticket("Race"),
            Utc::now(),
        )
        .await
        .expect("create")
        .ticket
        .id;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let store = store.clone();
        let author = customer.clone();
        tasks.push(tokio::spawn(async move {
            store
                .append(id, &author, None, Utc::now(), |t| {
                    commands::write_message(t, Role::Customer, Visibility::Public, &format!("message {n}"))
                })
                .await
                .expect("append")
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let sequences: Vec<i64> =
        store.timeline(id, true).await.expect("timeline").iter().map(|e| e.event.sequence).collect();
    assert_eq!(sequences, (1..=13).collect::<Vec<_>>());
}

async fn the_projection_equals_a_replay_of_the_log(backend: Backend) {
    let store = demo_store(backend).await;
    let all = store
        .list_tickets(&TicketFilter { per_page: 200, page: 1, ..TicketFilter::default() })
        .await
        .expect("list");
    for item in all.items {
        let log = store.timeline(item.ticket.id, true).await.expect("timeline");
        let first = &log[0].event;
        let mut replayed = app::domain::Ticket::from_created(
            item.ticket.id,
            item.ticket.requester_id,
            item.ticket.organisation_id,
            first.at,
            &first.data,
        )
        .expect("created first");
        // Events of one command share an instant and are applied as one batch.
        let mut index = 1;
        while index < log.len() {
            let at = log[index].event.at;
            let batch: Vec<EventData> =
                log[index..].iter().take_while(|e| e.event.at == at).map(|e| e.event.data.clone()).collect();
            index += batch.len();
            replayed.apply_all(&batch, at);
        }
        // Versions count commands, which the log does not group, so compare everything else.
        replayed.version = item.ticket.version;
        assert_eq!(replayed, item.ticket, "ticket {} differs from its replay", item.ticket.id);
    }
}

async fn customers_lists_are_limited_to_their_organisation_and_filters_combine(backend: Backend) {
    let store = demo_store(backend).await;
    let carla = user_by_email(&store, "carla@acme.example").await;
    let organisation = carla.organisation_id.expect("org");
    let own = store
        .list_tickets(&TicketFilter {
            organisation_id: Some(organisation),
            page: 1,
            per_page: 200,
            ..TicketFilter::default()
        })
        .await
        .expect("list");
    assert!(own.total > 0);
    assert!(own.items.iter().all(|item| item.ticket.organisation_id == organisation));

    let id = store
        .create_ticket(
            carla.id,
            organisation,
            carla.id,
            new_ticket("Zebra printer 100% broken_now"),
            Utc::now(),
        )
        .await
        .expect("create")
        .ticket
        .id;
    let search = |text: &str| TicketFilter {
        text: Some(text.into()),
        page: 1,
        per_page: 50,
        ..TicketFilter::default()
    };
    let found = store.list_tickets(&search("100% BROKEN_now")).await.expect("search");
    assert_eq!(found.items.iter().map(|i| i.ticket.id).collect::<Vec<_>>(), vec![id]);
    // The search engines' syntax is inert: punctuation alone finds nothing, and errs nowhere.
    assert_eq!(store.list_tickets(&search("\"(*:&|!)%_")).await.expect("search").total, 0);
    assert_eq!(store.list_tickets(&search(&format!("#{id}"))).await.expect("by number").total, 1);

    let urgent_new = store
        .list_tickets(&TicketFilter {
            statuses: vec![TicketStatus::New],
            priority: Some(Priority::Urgent),
            sort: TicketSort::Oldest,
            page: 1,
            per_page: 200,
            ..TicketFilter::default()
        })
        .await
        .expect("filtered");
    assert!(urgent_new
        .items
        .iter()
        .all(|i| i.ticket.status == TicketStatus::New && i.ticket.priority == Priority::Urgent));

    let page_two = store
        .list_tickets(&TicketFilter { page: 2, per_page: 5, ..TicketFilter::default() })
        .await
        .expect("page");
    assert_eq!(page_two.items.len(), 5);
    let page_one = store
        .list_tickets(&TicketFilter { page: 1, per_page: 5, ..TicketFilter::default() })
        .await
        .expect("page");
    assert!(page_one.items.iter().all(|a| page_two.items.iter().all(|b| a.ticket.id != b.ticket.id)));
}

async fn sessions_expire_and_end_on_sign_out(backend: Backend) {
    let store = fresh_store(backend).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().expect("instant");
    let id = store
        .create_user(
            &app::ssr::store::accounts::NewUser {
                email: "ada@example.com",
                display_name: "Ada",
                role: Role::Agent,
                organisation_id: None,
                calendar_id: None,
                password: "correct horse battery",
            },
            now,
        )
        .await
        .expect("user");
    assert!(store.verify_login("ADA@example.com ", "correct horse battery").await.expect("verify").is_some());
    assert!(store.verify_login("ada@example.com", "wrong").await.expect("verify").is_none());
    let token = store.create_session(id, now, Duration::hours(1)).await.expect("session");
    assert_eq!(
        store.session_user(&token, now + Duration::minutes(59)).await.expect("lookup").map(|u| u.id),
        Some(id)
    );
    assert!(store.session_user(&token, now + Duration::minutes(61)).await.expect("lookup").is_none());
    store.delete_session(&token).await.expect("delete");
    assert!(store.session_user(&token, now).await.expect("lookup").is_none());
}

/// The queue's default order, page after page, for filters that match many of the open tickets
/// (read by walking the index of next breaches) and few (sorted): every ticket the filter matches
/// once, those with a running clock first by their next breach, then the rest by their last
/// change, across the page where the two meet.
async fn pages_in_breach_order_list_every_match_once_in_that_order(backend: Backend) {
    let store = demo_store(backend).await;
    let engine = server::escalation::Engine::new(store.clone());
    engine.tick(chrono::Utc::now()).await.expect("the engine gives the open tickets their breaches");
    let directory = store.directory().await.expect("the directory");
    let active: Vec<TicketStatus> = TicketStatus::ALL.iter().copied().filter(|s| !s.is_done()).collect();
    let base = TicketFilter {
        statuses: active,
        sort: TicketSort::BreachesFirst,
        per_page: 4,
        ..TicketFilter::default()
    };
    let mut filters = vec![base.clone(), TicketFilter { statuses: Vec::new(), ..base.clone() }];
    filters
        .extend(directory.tiers.iter().map(|tier| TicketFilter { tier_id: Some(tier.id), ..base.clone() }));
    filters.extend(
        directory.agents.iter().map(|(id, _)| TicketFilter { assignee_id: Some(*id), ..base.clone() }),
    );
    let mut clocked_seen = 0;
    for filter in filters {
        let mut listed = Vec::new();
        for page in 1.. {
            let items =
                store.list_tickets(&TicketFilter { page, ..filter.clone() }).await.expect("a page").items;
            let last = items.len() < filter.per_page as usize;
            listed.extend(items);
            if last {
                break;
            }
        }
        let ids: Vec<i64> = listed.iter().map(|item| item.ticket.id).collect();
        let mut expected = store.ticket_ids_matching(&filter).await.expect("ids");
        let mut sorted_ids = ids.clone();
        sorted_ids.sort();
        expected.sort();
        assert_eq!(sorted_ids, expected, "{filter:?}: every match once");
        let key = |item: &app::domain::queue::TicketListItem| {
            (
                item.next_breach_at.is_none(),
                item.next_breach_at,
                std::cmp::Reverse((item.ticket.updated_at, item.ticket.id)),
            )
        };
        assert!(listed.windows(2).all(|pair| key(&pair[0]) <= key(&pair[1])), "{filter:?}: {ids:?}");
        clocked_seen += listed.iter().filter(|item| item.next_breach_at.is_some()).count();
    }
    assert!(clocked_seen > 0, "some tickets have a running clock");
}
