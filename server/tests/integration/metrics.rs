//! `GET /metrics` through the real router, on SQLite and PostgreSQL: the shared figures come from
//! the database, the process's counters from what it did, and a configured token is required.

use axum::body::Body;
use chrono::{Duration, Utc};
use http::{header, Request, StatusCode};
use sqlx::Row;

use crate::common::{demo_store, state, Backend, Client};

crate::on_both_backends!(
    the_figures_are_the_databases_and_the_counters_the_processs,
    without_a_token_only_this_host_may_scrape,
    a_configured_token_is_required,
);

/// The value of the sample `name` (with its labels, as exposed), if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn count(store: &app::ssr::Store, sql: &str) -> f64 {
    sqlx::query(sql).fetch_one(store.pool()).await.expect("count").try_get::<i64, _>("n").expect("n") as f64
}

async fn the_figures_are_the_databases_and_the_counters_the_processs(backend: Backend) {
    let store = demo_store(backend).await;
    // Two tickets whose deadlines passed an hour ago, for the engine's backlog and lag.
    sqlx::query("DELETE FROM ticket_schedule").execute(store.pool()).await.expect("clear schedule");
    let overdue = (Utc::now() - Duration::hours(1)).timestamp_millis();
    sqlx::query(&format!(
        "INSERT INTO ticket_schedule (ticket_id, due_at) SELECT id, {overdue} FROM tickets ORDER BY id LIMIT 2"
    ))
    .execute(store.pool())
    .await
    .expect("overdue tickets");
    let mut client = Client::new(state(store.clone()));
    client.peer = Some("127.0.0.1:50000".parse().expect("address"));
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);

    let reply = client.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers[header::CONTENT_TYPE]
        .to_str()
        .expect("ASCII")
        .starts_with("text/plain; version=0.0.4"));
    let text = reply.body;
    let open =
        count(&store, "SELECT COUNT(*) AS n FROM tickets WHERE status NOT IN ('resolved', 'closed')").await;
    assert!(open > 0.0);
    assert_eq!(sample(&text, "tierline_open_tickets"), Some(open), "{text}");
    assert_eq!(sample(&text, "tierline_tickets_due"), Some(2.0));
    let lag = sample(&text, "tierline_engine_lag_seconds").expect("the engine's lag");
    assert!((3600.0..3700.0).contains(&lag), "an hour behind: {lag}");
    let unprocessed = count(&store, "SELECT COUNT(*) AS n FROM outbox WHERE processed_at IS NULL").await;
    assert_eq!(sample(&text, "tierline_outbox_unprocessed"), Some(unprocessed));
    assert_eq!(sample(&text, "tierline_deliveries{status=\"pending\"}"), Some(0.0));
    assert_eq!(sample(&text, "tierline_live_streams"), Some(0.0));
    // The health probe above went through the router and was counted.
    let requests = sample(&text, "tierline_http_requests_total{method=\"GET\",status=\"2xx\"}")
        .expect("the GET requests answered 2xx");
    assert!(requests >= 1.0, "{requests}");
    assert!(text.contains("tierline_http_request_seconds_bucket{"), "request times as a histogram");
}

async fn without_a_token_only_this_host_may_scrape(backend: Backend) {
    let store = demo_store(backend).await;
    let mut client = Client::new(state(store));
    for (peer, forwarded, expected) in [
        (Some("127.0.0.1:50000"), false, StatusCode::OK),
        (Some("[::1]:50000"), false, StatusCode::OK),
        (Some("127.0.0.1:50000"), true, StatusCode::FORBIDDEN),
        (Some("192.0.2.10:50000"), false, StatusCode::FORBIDDEN),
        (None, false, StatusCode::FORBIDDEN),
    ] {
        client.peer = peer.map(|peer| peer.parse().expect("address"));
        let mut request = Request::get("/metrics").header(header::HOST, "127.0.0.1:3000");
        if forwarded {
            request = request.header("x-forwarded-for", "203.0.113.7");
        }
        let reply = client.send(request.body(Body::empty()).expect("request")).await;
        assert_eq!(reply.status, expected, "{peer:?}, forwarded: {forwarded}");
        assert_eq!(reply.body.contains("tierline_open_tickets"), expected == StatusCode::OK);
    }
}

async fn a_configured_token_is_required(backend: Backend) {
    let store = demo_store(backend).await;
    let mut guarded = state(store);
    guarded.metrics_token = Some("scrape-0123456789".into());
    let client = Client::new(guarded);
    let scrape = |token: Option<&str>| {
        let mut request = Request::get("/metrics").header(header::HOST, "127.0.0.1:3000");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).expect("request")
    };
    let anonymous = client.send(scrape(None)).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers[header::WWW_AUTHENTICATE], "Bearer");
    assert!(!anonymous.body.contains("tierline_open_tickets"));
    assert_eq!(client.send(scrape(Some("scrape-012345678"))).await.status, StatusCode::UNAUTHORIZED);
    let reply = client.send(scrape(Some("scrape-0123456789"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("tierline_open_tickets"));
}
