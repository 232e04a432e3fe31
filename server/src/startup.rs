//! Building the application state and the router, and serving it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use app::ssr::auth::{LoginLimiter, TrustedProxies};
use app::ssr::store::dialect::sqlite_file;
use app::ssr::survey_links::SurveyLinks;
use app::ssr::{AppState, Store};
use app::{shell, App};
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;

/// The signer of survey links, with the configured key, or for a SQLite file the key in the file
/// `link-key` beside it (made on first start, readable by its owner only). Several PostgreSQL
/// instances must sign alike, so PostgreSQL needs the key configured.
pub fn survey_links(settings: &Settings) -> anyhow::Result<SurveyLinks> {
    let key = match (&settings.link_key, sqlite_file(&settings.database_url)) {
        (Some(key), _) => key.clone(),
        (None, Some(database)) => {
            let file = database.with_file_name("link-key");
            key_in_file(&file).with_context(|| format!("the survey link key in {}", file.display()))?
        }
        (None, None) if settings.database_url.starts_with("sqlite:") => SurveyLinks::new_key(),
        (None, None) => anyhow::bail!(
            "link_key is not set (TIERLINE_LINK_KEY): with PostgreSQL every instance must sign survey links with              the same key; make one with `openssl rand -hex 32`"
        ),
    };
    SurveyLinks::new(&key, &settings.public_url).map_err(anyhow::Error::msg).context("link_key")
}

/// The key in `file`, written there first when the file does not exist.
fn key_in_file(file: &std::path::Path) -> anyhow::Result<String> {
    if let Some(folder) = file.parent().filter(|folder| !folder.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    match std::fs::read_to_string(file) {
        Ok(key) => Ok(key.trim().to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = SurveyLinks::new_key();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(file) {
                Ok(mut opened) => {
                    std::io::Write::write_all(&mut opened, format!("{key}\n").as_bytes())?;
                    tracing::info!(file = %file.display(), "made the survey link key");
                    Ok(key)
                }
                // Another process made it first: use theirs.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    Ok(std::fs::read_to_string(file)?.trim().to_string())
                }
                Err(error) => Err(error.into()),
            }
        }
        Err(error) => Err(error.into()),
    }
}

/// Connects to the database, migrates it and assembles the state.
pub async fn build_state(settings: &Settings, leptos_options: LeptosOptions) -> anyhow::Result<AppState> {
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    state_for(store, settings, leptos_options)
}

/// The state of a server on `store` with `settings`: the one place that turns settings into
/// state, for the server, its tests and its benchmarks.
pub fn state_for(
    store: Store,
    settings: &Settings,
    leptos_options: LeptosOptions,
) -> anyhow::Result<AppState> {
    let trusted_proxies = TrustedProxies::parse(&settings.trusted_proxies)
        .map_err(anyhow::Error::msg)
        .context("trusted_proxies")?;
    Ok(AppState {
        store,
        leptos_options,
        login_limiter: Arc::new(LoginLimiter::new(settings.login_attempts_per_minute, trusted_proxies)),
        secure_cookies: settings.secure_cookies,
        // An empty token would lock every scraper out; it means none.
        metrics_token: settings.metrics_token.clone().filter(|token| !token.trim().is_empty()),
        survey_links: Arc::new(survey_links(settings)?),
        shared_answers: Arc::default(),
        account_mail: match settings.smtp {
            Some(_) => {
                let channels = crate::notifications::channels::Channels::from_settings(settings)?;
                Some(Arc::new(crate::notifications::AccountMailer::new(channels, &settings.public_url)))
            }
            None => None,
        },
    })
}

/// The whole HTTP surface: pages, server functions, health probes, metrics and static files,
/// behind the security and compression layers.
pub fn router(state: AppState) -> Router {
    crate::metrics::install();
    let routes = routes();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let fallback_state = state.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/live", get(crate::live::live))
        .route("/metrics", get(crate::metrics::metrics))
        .route("/reports/feedback.csv", get(crate::downloads::feedback_csv_file))
        .route("/reports/time.csv", get(crate::downloads::time_csv_file))
        .route("/reports/review.csv", get(crate::downloads::review_csv_file))
        .merge(crate::rest::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .layer(axum::middleware::from_fn(crate::security::own_reactive_owner))
        .layer(axum::middleware::from_fn_with_state(state.clone(), send_customers_to_their_portal))
        .layer(axum::middleware::from_fn(crate::security::refuse_cross_site))
        .layer(axum::middleware::from_fn(crate::security::security_headers))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(crate::metrics::track_requests))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A customer who asks for the staff's queue (by typing `/queue`, say) is sent to their
/// organisation's tickets at `/portal`, with the same filters: the queue page offers staff
/// filters a customer cannot use. Done here rather than in the page, so the answer is a redirect
/// before anything renders, with or without JavaScript.
async fn send_customers_to_their_portal(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.uri().path() == "/queue" {
        let token = app::ssr::auth::cookie_value(request.headers(), app::ssr::auth::SESSION_COOKIE);
        if let Some(token) = token {
            if let Ok(Some(user)) = state.store.session_user(token, chrono::Utc::now()).await {
                if !user.role.is_staff() {
                    let target = match request.uri().query() {
                        Some(query) => format!("/portal?{query}"),
                        None => "/portal".to_string(),
                    };
                    return axum::response::Redirect::to(&target).into_response();
                }
            }
        }
    }
    next.run(request).await
}

/// The application's routes, generated once per process. Generating them renders the whole app
/// with resource loading suppressed by a process-wide flag (leptos_server's
/// `SuppressResourceLoad`), and a resource first polled meanwhile by a page another router is
/// rendering waits forever (leptos issue #4773). The routes never change, and a process that
/// builds several routers — the integration tests build one per client — must not stall pages.
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Ready when the database answers: "ready", or "ready, degraded: …" with the problems of the
/// policy in force, one per line. A degraded instance still serves (the policy's problem is the
/// same on every instance, so taking one out of a load balancer would help nobody), but says so.
async fn readyz(State(state): State<AppState>) -> (http::StatusCode, String) {
    let problems = match state.store.ping().await {
        Ok(()) => state.store.policy_problems().await,
        Err(error) => Err(error),
    };
    match problems {
        Ok(problems) if problems.is_empty() => (http::StatusCode::OK, "ready".to_string()),
        Ok(problems) => (http::StatusCode::OK, format!("ready, degraded:\n{}", problems.join("\n"))),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable".to_string())
        }
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
