//! `GET /metrics`: Prometheus metrics in the text exposition format.
//!
//! What this process does is counted where it happens, through the `metrics` facade: HTTP
//! requests, engine ticks and firings (with the delay from a threshold's instant to its firing),
//! planned, sent and failed deliveries. What the instances share is read from the database when
//! Prometheus scrapes, so every instance reports the same backlog: open tickets, tickets due and
//! how far the engine lags behind them, unexpanded outbox rows, pending and failed deliveries.
//! With `metrics_token` set, a scrape must bring it as a bearer token; without one, only a
//! scraper on the same host is answered (a request from another address, or one that passed
//! through a proxy, is refused), so an unconfigured server never shows its figures to the world.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};

/// A request from this host that no proxy forwarded. A proxy on this host connects from
/// loopback too, but says so with its forwarding headers.
fn is_local(peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    let forwarded =
        ["forwarded", "x-forwarded-for", "x-real-ip"].iter().any(|name| headers.contains_key(*name));
    peer.is_some_and(|peer| peer.ip().is_loopback()) && !forwarded
}

/// Histogram buckets in seconds: from a fast page to a slow delivery.
const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use; whatever is recorded before that is lost, so
/// the server installs it before it starts its workers.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed in this process")
    })
}

pub async fn metrics(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    if state.metrics_token.is_none() && !is_local(peer.map(|Extension(ConnectInfo(peer))| peer), &headers) {
        return (
            StatusCode::FORBIDDEN,
            "Without metrics_token, /metrics answers only scrapers on this host; set metrics_token to scrape it from elsewhere.",
        )
            .into_response();
    }
    if let Some(token) = &state.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        // Digests compare in the same time whatever the presented token shares with the real one.
        if presented.map(|presented| Sha256::digest(presented) == Sha256::digest(token)) != Some(true) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "A metrics token is required.",
            )
                .into_response();
        }
    }
    // One scrape at a time, so two scrapes never interleave the shared figures they set.
    static SCRAPE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _scrape = SCRAPE.lock().await;
    let now = chrono::Utc::now();
    let figures = match state.store.operational_figures(now).await {
        Ok(figures) => figures,
        Err(error) => {
            tracing::error!(%error, "metrics: reading the shared figures failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    metrics::gauge!("tierline_open_tickets").set(figures.open_tickets as f64);
    metrics::gauge!("tierline_tickets_due").set(figures.due_tickets as f64);
    let lag = figures.oldest_due_at.map(|due| (now - due).num_milliseconds().max(0) as f64 / 1000.0);
    metrics::gauge!("tierline_engine_lag_seconds").set(lag.unwrap_or(0.0));
    metrics::gauge!("tierline_outbox_unprocessed").set(figures.unprocessed_outbox as f64);
    metrics::gauge!("tierline_deliveries", "status" => "pending").set(figures.pending_deliveries as f64);
    metrics::gauge!("tierline_deliveries", "status" => "failed").set(figures.failed_deliveries as f64);
    metrics::gauge!("tierline_live_streams").set(state.store.live().streams() as f64);
    match state.store.policy_problems().await {
        Ok(problems) => metrics::gauge!("tierline_policy_problems").set(problems.len() as f64),
        Err(error) => tracing::warn!(%error, "metrics: checking the policy in force failed"),
    }
    let handle = install();
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Counts every HTTP request by method and status class, and times it.
pub async fn track_requests(request: Request, next: Next) -> Response {
    // A fixed set of labels: any client may send any method name.
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let class = format!("{}xx", response.status().as_u16() / 100);
    metrics::counter!("tierline_http_requests_total", "method" => method, "status" => class.clone())
        .increment(1);
    metrics::histogram!("tierline_http_request_seconds", "method" => method, "status" => class)
        .record(started.elapsed().as_secs_f64());
    response
}
