//! Server-only parts of the app crate: the state server functions run with, authentication,
//! and the store. Compiled only with the `ssr` feature.

pub mod auth;
pub mod live;
pub mod reports;
pub mod security;
pub mod shared_answers;
pub mod store;
pub mod survey_links;
pub mod use_cases;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::domain::UserSummary;
use crate::error::AppError;
pub use store::Store;

/// What every request handler and server function can reach. Provided to server functions as
/// Leptos context and to axum handlers as router state.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub leptos_options: LeptosOptions,
    pub login_limiter: Arc<auth::LoginLimiter>,
    /// Whether cookies get the `Secure` flag (the site is served over TLS, directly or behind a
    /// proxy).
    pub secure_cookies: bool,
    /// The bearer token `/metrics` asks for; open when `None`.
    pub metrics_token: Option<String>,
    /// Sends password reset links; `None` when no mail server is configured.
    pub account_mail: Option<Arc<dyn AccountMail>>,
    /// Signs and reads the links of satisfaction surveys.
    pub survey_links: Arc<survey_links::SurveyLinks>,
    /// Answers computed once per change for everyone who asks the same (the dashboards).
    pub shared_answers: Arc<shared_answers::SharedAnswers>,
}

/// Sends the e-mails of signing in itself. Implemented by the server with its SMTP channel,
/// which the app crate cannot reach.
pub trait AccountMail: Send + Sync {
    /// Sends `to` the link that sets a new password with `token`.
    fn send_password_reset<'a>(
        &'a self,
        to: &'a UserSummary,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function.
///
/// The router provides it beside the request's parts to every page it renders and every server
/// function it calls. When the parts are gone too, the page being rendered was dropped because
/// its client went away, and a server function it started is still finishing in the background:
/// nobody will read the answer and nothing is wrong with the server, so it is not logged as an
/// internal error.
pub fn app_state() -> Result<AppState, AppError> {
    if let Some(state) = use_context::<AppState>() {
        return Ok(state);
    }
    if use_context::<http::request::Parts>().is_none() {
        tracing::debug!("a server function outlived the page render its client abandoned");
        return Err(AppError::Transport("the client went away before the answer was ready".into()));
    }
    Err(AppError::internal("application state missing from context"))
}

/// The current instant; the only place server functions read the clock.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}
