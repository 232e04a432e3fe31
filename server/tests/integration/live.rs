//! The live event stream (`GET /live`) through the real router, on SQLite and PostgreSQL: who
//! may listen, what each person hears, resuming with `Last-Event-ID`, and ending on shutdown.

use std::time::Duration;

use app::domain::commands;
use app::domain::{UserSummary, Visibility};
use app::ssr::Store;
use axum::body::Body;
use futures_util::StreamExt;
use http::{header, Request, StatusCode};

use crate::common::{callers, demo_store, fresh_database_url, state, user_by_email, Backend, Client};

crate::on_both_backends!(
    a_stream_needs_a_signed_in_person,
    a_resumed_stream_replays_what_its_person_may_see_and_nothing_else,
    streams_end_when_the_server_shuts_down,
    a_stream_ends_when_its_person_signs_out,
    a_stream_ends_when_its_person_is_deactivated,
    a_stream_ends_when_its_session_expires,
);

/// Opens `/live` as the client, optionally resuming after `last_event_id`.
async fn open_stream(client: &Client, last_event_id: Option<&str>) -> (StatusCode, Body) {
    let mut request = Request::get("/live").header(header::HOST, "127.0.0.1:3000");
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response =
        tower::ServiceExt::oneshot(client.router.clone(), request.body(Body::empty()).expect("request"))
            .await
            .expect("router answers");
    (response.status(), response.into_body())
}

/// Everything the stream sends within `wait`, as text.
async fn read_for(body: Body, wait: Duration) -> String {
    let mut stream = body.into_data_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

async fn a_ticket_of(store: &Store, organisation: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(
        "SELECT t.id FROM tickets t JOIN organisations o ON o.id = t.organisation_id
         WHERE o.name = $1 AND t.status NOT IN ('resolved', 'closed') ORDER BY t.id LIMIT 1",
    )
    .bind(organisation)
    .fetch_one(store.pool())
    .await
    .expect("an open ticket of the organisation")
    .try_get("id")
    .expect("id")
}

async fn write(store: &Store, ticket_id: i64, author: &UserSummary, visibility: Visibility, body: &str) {
    store
        .append(ticket_id, author, None, chrono::Utc::now(), |t| {
            commands::write_message(t, author.role, visibility, body)
        })
        .await
        .expect("written");
}

async fn a_stream_needs_a_signed_in_person(backend: Backend) {
    let store = demo_store(backend).await;
    let anonymous = Client::new(state(store));
    let (status, _) = open_stream(&anonymous, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_resumed_stream_replays_what_its_person_may_see_and_nothing_else(backend: Backend) {
    let url = fresh_database_url(backend).await;
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    server::demo::load(&store, chrono::Utc::now()).await.expect("demo");
    // With PostgreSQL, live changes reach this process through its listener, as in `serve`.
    tokio::spawn(store.clone().listen_for_changes(url));
    let callers = callers(&state(store.clone())).await;
    let carla = user_by_email(&store, "carla@acme.example").await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let (event, notification) = store.live_watermark(carla.id).await.expect("watermark");
    let resume = format!("{event}.{notification}");

    // While Carla's tab is away: a reply and a note on her organisation's ticket, and a reply on
    // another organisation's.
    let acme = a_ticket_of(&store, "Acme Logistics").await;
    let globex = a_ticket_of(&store, "Globex Retail").await;
    write(&store, acme, &sam, Visibility::Public, "We are on it.").await;
    write(&store, acme, &sam, Visibility::Internal, "Customer is on the watch list.").await;
    write(&store, globex, &sam, Visibility::Public, "Invoice re-sent.").await;

    let (status, body) = open_stream(&callers.customer, Some(&resume)).await;
    assert_eq!(status, StatusCode::OK);
    let text = read_for(body, Duration::from_millis(700)).await;
    let events: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str(data).ok())
        .filter(|change: &serde_json::Value| change["topic"] == "ticket")
        .collect();
    let kinds: Vec<(&str, i64)> = events
        .iter()
        .map(|change| (change["kind"].as_str().unwrap_or(""), change["ticket_id"].as_i64().unwrap_or(0)))
        .collect();
    // The reply (and the status change it may bring) on her organisation's ticket; never the note,
    // never another organisation's ticket.
    assert!(kinds.contains(&("public_reply", acme)), "{text}");
    assert!(kinds.iter().all(|(kind, id)| *id == acme && *kind != "internal_note"), "{kinds:?}");
    assert!(
        text.contains(&format!("id: {}.", events[0]["id"])),
        "the event id carries the watermark:\n{text}"
    );

    // An agent's stream, resumed from the same point, hears all three.
    let (_, body) = open_stream(&callers.agent, Some(&resume)).await;
    let text = read_for(body, Duration::from_millis(700)).await;
    assert_eq!(
        text.matches("event: ticket").count(),
        kinds.len() + 2,
        "the note and Globex's reply too:\n{text}"
    );
    assert!(text.contains("\"kind\":\"internal_note\"") && text.contains(&format!("\"ticket_id\":{globex}")));

    // A new stream without Last-Event-ID starts now, then hears what is committed after it opened.
    let (_, body) = open_stream(&callers.agent, None).await;
    let reading = tokio::spawn(read_for(body, Duration::from_millis(2500)));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    write(&store, acme, &sam, Visibility::Internal, "Second look.").await;
    let text = reading.await.expect("read");
    assert_eq!(text.matches("event: ticket").count(), 1, "{text}");
    assert!(text.contains("\"kind\":\"internal_note\""));
}

/// Whether the stream ends within `wait`.
async fn ends_within(body: Body, wait: Duration) -> bool {
    let mut stream = body.into_data_stream();
    tokio::time::timeout(wait, async {
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await
    .is_ok()
}

async fn streams_end_when_the_server_shuts_down(backend: Backend) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let (_, body) = open_stream(&callers.agent, None).await;
    store.live().close();
    assert!(
        ends_within(body, Duration::from_secs(5)).await,
        "the stream ends once the server begins to shut down"
    );
}

async fn a_stream_ends_when_its_person_signs_out(backend: Backend) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let (status, body) = open_stream(&callers.agent, None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, other_tab) = open_stream(&callers.admin, None).await;
    let reply = callers.agent.call("session/logout", &[]).await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{} {}", reply.status, reply.body);
    assert!(ends_within(body, Duration::from_secs(5)).await, "a signed-out tab hears nothing more");
    assert!(!ends_within(other_tab, Duration::from_millis(500)).await, "other people's streams go on");
}

async fn a_stream_ends_when_its_person_is_deactivated(backend: Backend) {
    let store = demo_store(backend).await;
    let callers = callers(&state(store.clone())).await;
    let (_, body) = open_stream(&callers.agent, None).await;
    let sam = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .find(|user| user.summary.email == "sam.agent@tierline.example")
        .expect("Sam");
    // Their skills do not matter to the stream.
    let deactivated =
        store.update_person(sam.summary.id, sam.summary.role, false, sam.calendar_id, &[]).await;
    assert!(deactivated.expect("deactivated"));
    assert!(ends_within(body, Duration::from_secs(5)).await, "a deactivated person's stream ends");
}

async fn a_stream_ends_when_its_session_expires(backend: Backend) {
    let store = demo_store(backend).await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let token = store
        .create_session(sam.id, chrono::Utc::now(), chrono::Duration::seconds(2))
        .await
        .expect("session");
    let mut client = Client::new(state(store));
    client.cookie = Some(format!("{}={token}", app::ssr::auth::SESSION_COOKIE));
    let (status, body) = open_stream(&client, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ends_within(body, Duration::from_secs(6)).await, "the stream ends when its session expires");
}

/// Reads the stream until its text so far satisfies `done`, or `wait` has passed.
async fn read_until(
    stream: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    text: &mut String,
    wait: Duration,
    done: impl Fn(&str) -> bool,
) {
    let deadline = tokio::time::Instant::now() + wait;
    while !done(text) {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => return,
        }
    }
}

/// When this instance's PostgreSQL listener loses its connection, changes other instances commit
/// meanwhile never reach it: its open streams are told to reload, and the listener listens again.
#[tokio::test]
async fn postgres_streams_are_told_to_reload_when_the_listener_loses_its_connection() {
    let url = fresh_database_url(Backend::Postgres).await;
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    server::demo::load(&store, chrono::Utc::now()).await.expect("demo");
    tokio::spawn(store.clone().listen_for_changes(url));
    let listening =
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'listen%'";
    let mut listener_pid = None;
    for _ in 0..100 {
        if let Some(row) = sqlx::query(listening).fetch_optional(store.pool()).await.expect("activity") {
            listener_pid = Some(sqlx::Row::try_get::<i32, _>(&row, "pid").expect("pid"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listener_pid = listener_pid.expect("the listener is listening");
    let callers = callers(&state(store.clone())).await;
    let (status, body) = open_stream(&callers.agent, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut stream = body.into_data_stream();
    let mut text = String::new();

    sqlx::query("SELECT pg_terminate_backend($1) AS ended")
        .bind(listener_pid)
        .fetch_one(store.pool())
        .await
        .expect("the listener's connection is cut");
    read_until(&mut stream, &mut text, Duration::from_secs(10), |text| text.contains("event: reset")).await;
    assert!(text.contains("event: reset"), "the page is told to reload:\n{text}");

    // Listening again: a change committed now reaches the stream.
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let acme = a_ticket_of(&store, "Acme Logistics").await;
    let mut heard = false;
    for _ in 0..20 {
        write(&store, acme, &sam, Visibility::Internal, "After the reconnection.").await;
        read_until(&mut stream, &mut text, Duration::from_millis(500), |text| text.contains("event: ticket"))
            .await;
        if text.contains("event: ticket") {
            heard = true;
            break;
        }
    }
    assert!(heard, "changes flow again after the listener reconnects:\n{text}");
}
