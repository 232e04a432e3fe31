//! Full-text search on both databases' own engines: what staff and customers find, words as
//! they are typed, the ticket number, and the best match first.

use app::domain::commands::{self, NewTicket};
use app::domain::queue::{TicketFilter, TicketSort};
use app::domain::{Channel, Priority, UserSummary, Visibility};
use app::ssr::Store;
use chrono::{Duration, TimeZone, Utc};

use crate::common::{demo_store, user_by_email, Backend};

crate::on_both_backends!(
    staff_find_every_word_a_ticket_holds_and_customers_only_its_public_ones,
    the_best_match_comes_first_and_a_number_finds_its_ticket,
    the_migration_indexes_what_tickets_said_before_it,
);

async fn open(store: &Store, customer: &UserSummary, subject: &str, description: &str) -> i64 {
    let created = commands::open(
        &NewTicket {
            subject: subject.into(),
            description: description.into(),
            category_id: None,
            priority: Priority::Normal,
        },
        Channel::Portal,
    );
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).single().expect("instant");
    let organisation = customer.organisation_id.expect("a customer's organisation");
    store.create_ticket(customer.id, organisation, customer.id, created, at).await.expect("create").ticket.id
}

async fn write(store: &Store, ticket_id: i64, author: &UserSummary, visibility: Visibility, body: &str) {
    let at =
        Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).single().expect("instant") + Duration::seconds(ticket_id);
    store
        .append(ticket_id, author, None, at, |ticket| {
            commands::write_message(ticket, author.role, visibility, body)
        })
        .await
        .expect("message");
}

/// The ids a search finds, as staff (`notes`) or as a customer of `organisation`.
async fn found(store: &Store, text: &str, notes: bool, organisation: Option<i64>) -> Vec<i64> {
    let page = store
        .list_tickets(&TicketFilter {
            text: Some(text.into()),
            search_notes: notes,
            organisation_id: organisation,
            sort: TicketSort::Relevance,
            page: 1,
            per_page: 200,
            ..TicketFilter::default()
        })
        .await
        .expect("search");
    assert_eq!(page.total, page.items.len() as i64, "the count and the rows agree for {text:?}");
    page.items.iter().map(|item| item.ticket.id).collect()
}

async fn staff_find_every_word_a_ticket_holds_and_customers_only_its_public_ones(backend: Backend) {
    let store = demo_store(backend).await;
    let carla = user_by_email(&store, "carla@acme.example").await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let acme = carla.organisation_id;
    let id =
        open(&store, &carla, "Forklift terminal frozen", "The terminal on forklift 7 shows a frozen screen.")
            .await;
    write(&store, id, &carla, Visibility::Public, "It happened again during the quarterly stocktake.").await;
    write(&store, id, &sam, Visibility::Public, "Please power-cycle the terminal's docking cradle.").await;
    write(&store, id, &sam, Visibility::Internal, "Firmware 4.2 has a known watchdog defect.").await;

    for words in ["forklift", "FROZEN screen", "stocktake", "docking cradle", "fork", "cradl"] {
        assert_eq!(found(&store, words, true, None).await, [id], "staff search {words:?}");
        assert_eq!(found(&store, words, false, acme).await, [id], "customer search {words:?}");
    }
    // Internal notes are found by staff only.
    assert_eq!(found(&store, "watchdog defect", true, None).await, [id]);
    assert!(found(&store, "watchdog", false, acme).await.is_empty(), "a customer searched an internal note");
    // Every word must occur.
    assert!(found(&store, "forklift invoice", true, None).await.is_empty());
    // Another organisation's customer finds none of it.
    let dana = user_by_email(&store, "dana@globex.example").await;
    assert!(found(&store, "forklift", false, dana.organisation_id).await.is_empty());
    // A customer's reply is searchable at once, on a ticket the demo made before this test.
    let older = found(&store, "Hamburg warehouse", false, acme).await;
    assert_eq!(older.len(), 1, "the demo's VPN ticket");
    write(&store, older[0], &carla, Visibility::Public, "Our scanners show a heliotrope warning light.")
        .await;
    assert_eq!(found(&store, "heliotrope", false, acme).await, older);
}

async fn the_best_match_comes_first_and_a_number_finds_its_ticket(backend: Backend) {
    let store = demo_store(backend).await;
    let ben = user_by_email(&store, "ben@acme.example").await;
    let passing = open(
        &store,
        &ben,
        "Quarterly figures for the board",
        "Among many other things in this long request about the quarterly figures, the pallet count is off by \
         one in the export, and the totals for the northern region, the southern region and the online shop \
         need a second look before the board meets on Thursday.",
    )
    .await;
    let focused =
        open(&store, &ben, "Pallet count wrong", "The pallet count of the pallet report misses pallets.")
            .await;
    assert_eq!(
        found(&store, "pallet", true, None).await,
        [focused, passing],
        "more mentions, shorter text first"
    );
    // `#N` is the number only; a bare number also finds text holding it.
    assert_eq!(found(&store, &format!("#{passing}"), true, None).await, [passing]);
    assert_eq!(found(&store, &format!("#{passing}"), false, ben.organisation_id).await, [passing]);
}

/// The migration that made the search index filled it with what tickets said before it: rebuilt
/// from the demo's log by the migration's own statements, it finds what the write path indexed.
async fn the_migration_indexes_what_tickets_said_before_it(backend: Backend) {
    let store = demo_store(backend).await;
    let carla = user_by_email(&store, "carla@acme.example").await;
    let searches: [(&str, bool, Option<i64>); 4] = [
        ("Hamburg warehouse", false, carla.organisation_id),
        ("aligned key lifetimes", false, carla.organisation_id),
        ("Phase lifetime mismatch", true, None),
        ("mismatch", false, carla.organisation_id),
    ];
    let mut before = Vec::new();
    for (words, notes, organisation) in searches {
        before.push(found(&store, words, notes, organisation).await);
    }
    assert_eq!(before[0].len(), 1, "the demo's VPN ticket");
    assert_eq!(before[2], before[0], "its internal note, for staff");
    assert!(before[3].is_empty(), "a word of an internal note is not a customer's");

    let file = match backend {
        Backend::Sqlite => "../app/migrations/sqlite/0011_search.sql",
        Backend::Postgres => "../app/migrations/postgres/0010_search.sql",
    };
    let migration = std::fs::read_to_string(file).expect("the migration");
    sqlx::query("DROP TABLE ticket_search").execute(store.pool()).await.expect("drop the index");
    sqlx::raw_sql(&migration).execute(store.pool()).await.expect("the migration runs again");
    for ((words, notes, organisation), expected) in searches.into_iter().zip(before) {
        assert_eq!(
            found(&store, words, notes, organisation).await,
            expected,
            "{words:?} after the migration"
        );
    }
}
