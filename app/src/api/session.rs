//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use super::AppError;
use crate::domain::UserSummary;

/// Signs in with e-mail and password. Anyone may call it; attempts are rate-limited per client
/// address and per account. On success it sets the session cookie and redirects to `next` (a
/// local path) or the home page.
#[server(endpoint = "session/login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{app_state, auth, now};
    let state = app_state()?;
    let mut errors = crate::domain::FieldErrors::default();
    let email = crate::domain::validation::email(&mut errors, "email", &email);
    if password.is_empty() {
        errors.push("password", "Enter your password.");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if !state.login_limiter.allow(auth::client_ip(), &email) {
        return Err(AppError::RateLimited);
    }
    let Some(user) = state.store.verify_login(&email, &password).await? else {
        return Err(AppError::field("password", "The e-mail address or the password is wrong."));
    };
    let token =
        state.store.create_session(user.id, now(), chrono::Duration::days(auth::SESSION_DAYS)).await?;
    let cookie = auth::session_cookie(&token, state.secure_cookies);
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
    );
    tracing::info!(user_id = user.id, "signed in");
    leptos_axum::redirect(&safe_next(next.as_deref(), &user));
    Ok(())
}

/// Only a local path is followed after sign-in, never another site.
#[cfg(feature = "ssr")]
fn safe_next(next: Option<&str>, user: &UserSummary) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => crate::app::home_path(user).to_string(),
    }
}

/// Signs out: ends the session and clears the cookie. Harmless when nobody is signed in.
#[server(endpoint = "session/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{app_state, auth};
    let state = app_state()?;
    if let Some(parts) = use_context::<http::request::Parts>() {
        if let Some(token) = auth::cookie_value(&parts.headers, auth::SESSION_COOKIE) {
            state.store.delete_session(token).await?;
        }
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&auth::session_cookie("", state.secure_cookies))
            .map_err(AppError::internal)?,
    );
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in, or `None`. Anyone may call it.
#[server(endpoint = "session/me")]
pub async fn me() -> Result<Option<UserSummary>, AppError> {
    crate::ssr::auth::current_user().await
}
