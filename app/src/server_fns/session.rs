//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use crate::domain::UserSummary;
use crate::error::AppError;

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
    // Checked before anything is written, so a refused `next` leaves no session behind.
    let next = local_path(&mut errors, "next", next.as_deref().unwrap_or_default());
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
    leptos_axum::redirect(next.as_deref().unwrap_or(user.role.home_path()));
    Ok(())
}

/// Where to go after sign-in: a path on this site, or `None` (the home page) when `text` is
/// empty. Anything a browser could read as another site is refused with a field error: a scheme
/// (`https:`, `javascript:`), `//host` and `/\host` (which browsers read as `//host`), and any
/// whitespace or control character (browsers drop tabs and newlines, so `/\t/host` would become
/// `//host`). Characters beyond ASCII are percent-encoded, as the address bar would.
#[cfg(feature = "ssr")]
fn local_path(errors: &mut crate::domain::FieldErrors, field: &str, text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let refused = !text.starts_with('/')
        || text.starts_with("//")
        || text.contains('\\')
        || text.chars().any(|character| character.is_whitespace() || character.is_control());
    let encoded: String = text
        .chars()
        .map(|character| {
            if character.is_ascii() {
                character.to_string()
            } else {
                let mut bytes = [0; 4];
                character.encode_utf8(&mut bytes).bytes().map(|byte| format!("%{byte:02X}")).collect()
            }
        })
        .collect();
    // What remains must be a path (and query) by HTTP's own grammar, fit for a Location header.
    if refused
        || encoded.parse::<http::uri::PathAndQuery>().is_err()
        || http::HeaderValue::from_str(&encoded).is_err()
    {
        errors.push(field, "After sign-in Tierline only goes to one of its own pages.");
        return None;
    }
    Some(encoded)
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

/// Changes the caller's own password, given the current one. Any signed-in person may call it;
/// their other sessions end, this one stays.
#[server(endpoint = "account/password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    use crate::ssr::{app_state, auth};
    let user = auth::require_user().await?;
    let state = app_state()?;
    let mut errors = crate::domain::FieldErrors::default();
    crate::domain::validation::new_password(&mut errors, "new_password", &new_password);
    // Counted like a sign-in attempt: the form must not become a way to guess the password.
    if !state.login_limiter.allow(auth::client_ip(), &user.email) {
        return Err(AppError::RateLimited);
    }
    if state.store.verify_login(&user.email, &current_password).await?.is_none() {
        errors.push("current_password", "This is not your current password.");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let session = use_context::<http::request::Parts>()
        .and_then(|parts| auth::cookie_value(&parts.headers, auth::SESSION_COOKIE).map(str::to_string));
    state.store.set_password(user.id, &new_password, session.as_deref()).await?;
    tracing::info!(user_id = user.id, "changed their password");
    Ok(())
}

/// Sends a "forgot password" link to `email` when it belongs to an active person. Anyone may call
/// it; the answer is the same whether or not the address is known, and requests are limited per
/// client address like sign-in attempts.
#[server(endpoint = "session/forgot")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::ssr::{app_state, auth, now};
    let state = app_state()?;
    let mut errors = crate::domain::FieldErrors::default();
    let email = crate::domain::validation::email(&mut errors, "email", &email);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if !state.login_limiter.allow(auth::client_ip(), &email) {
        return Err(AppError::RateLimited);
    }
    let Some(mail) = state.account_mail.clone() else {
        return Err(AppError::Refused(
            "Tierline cannot send e-mail here; ask an administrator to set a new password for you.".into(),
        ));
    };
    let lifetime = chrono::Duration::minutes(PASSWORD_RESET_MINUTES);
    if let Some((user, token)) = state.store.create_password_reset(&email, now(), lifetime).await? {
        // A failed send is the operator's to see, not the asker's: the answer stays the same.
        if let Err(error) = mail.send_password_reset(&user, &token).await {
            tracing::warn!(user_id = user.id, %error, "the password reset e-mail was not sent");
        }
    }
    Ok(())
}

/// How long a "forgot password" link works.
pub const PASSWORD_RESET_MINUTES: i64 = 60;

/// Sets a new password with the token of a "forgot password" link, which then no longer works;
/// every session of the person ends. Anyone holding a valid link may call it. Redirects to the
/// sign-in page.
#[server(endpoint = "session/reset")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::ssr::{app_state, now};
    let state = app_state()?;
    let mut errors = crate::domain::FieldErrors::default();
    crate::domain::validation::new_password(&mut errors, "password", &password);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if !state.store.reset_password(token.trim(), &password, now()).await? {
        return Err(AppError::field(
            "token",
            "This link has expired or was used already; ask for a new one.",
        ));
    }
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

/// Who is signed in, or `None`. Anyone may call it.
#[server(endpoint = "session/me")]
pub async fn me() -> Result<Option<UserSummary>, AppError> {
    crate::ssr::auth::current_user().await
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::FieldErrors;

    #[test]
    fn only_paths_of_this_site_are_followed_after_sign_in() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<&str>)] = &[
            ("",                           None),
            ("/tickets/12",                Some("/tickets/12")),
            ("/queue?status=all&q=vpn",    Some("/queue?status=all&q=vpn")),
            ("/queue?q=café",              Some("/queue?q=caf%C3%A9")),
            ("/\t/evil.example",          None),
            ("/\n/evil.example",          None),
            ("/ /evil.example",            None),
            ("/\u{a0}/evil.example",      None),
            ("/\u{0}",                    None),
            ("/\u{7f}",                   None),
            ("//evil.example",             None),
            ("/\\evil.example",          None),
            ("/x\\y",                    None),
            ("https://evil.example",       None),
            ("javascript:alert(1)",        None),
            ("evil.example",               None),
        ];
        for (next, expected) in cases {
            let mut errors = FieldErrors::default();
            let path = local_path(&mut errors, "next", next);
            assert_eq!(path.as_deref(), *expected, "{next:?}");
            let refused = expected.is_none() && !next.is_empty();
            assert_eq!(errors.for_field("next").is_some(), refused, "{next:?}");
        }
    }
}
