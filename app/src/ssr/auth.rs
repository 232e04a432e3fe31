//! Passwords, session tokens, the caller of a server function, and the login rate limit.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use governor::{DefaultKeyedRateLimiter, Quota};
use leptos::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{app_state, now};
use crate::api::AppError;
use crate::domain::UserSummary;

pub const SESSION_COOKIE: &str = "tierline_session";
pub const SESSION_DAYS: i64 = 14;

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash of a random password, checked against when an e-mail address is unknown so that a
/// failed sign-in takes as long whether or not the address exists.
pub fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_secret_token()))
}

/// 256 random bits, hex-encoded: session cookies, API tokens.
pub fn new_secret_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Tokens are stored as SHA-256 digests; they are random, so no salt or slow hash is needed.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The value of one cookie in a `Cookie` header.
pub fn cookie_value<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value that stores a session, or clears it when `token` is empty.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let max_age = if token.is_empty() { 0 } else { SESSION_DAYS * 24 * 3600 };
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The signed-in caller of the current server function, if any.
pub async fn current_user() -> Result<Option<UserSummary>, AppError> {
    let state = app_state()?;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Ok(None);
    };
    let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(state.store.session_user(token, now()).await?)
}

/// The caller, who must be signed in.
pub async fn require_user() -> Result<UserSummary, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The caller, who must be support staff.
pub async fn require_staff() -> Result<UserSummary, AppError> {
    let user = require_user().await?;
    if user.role.is_staff() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The caller, who must be an admin.
pub async fn require_admin() -> Result<UserSummary, AppError> {
    let user = require_user().await?;
    if user.role.may_configure() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The client's address as the server saw it (no proxy headers are trusted).
pub fn client_ip() -> Option<IpAddr> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Limits sign-in attempts per address and per account, so that guessing passwords is slow
/// whichever of the two an attacker varies.
pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl LoginLimiter {
    /// `per_minute` attempts a minute for each client address and each e-mail address.
    pub fn new(per_minute: u32) -> LoginLimiter {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"));
        LoginLimiter { limiter: DefaultKeyedRateLimiter::keyed(quota) }
    }

    /// Counts an attempt; false when the address or the account has used up its attempts.
    pub fn allow(&self, ip: Option<IpAddr>, email: &str) -> bool {
        let by_account = self.limiter.check_key(&format!("email:{}", email.trim().to_lowercase())).is_ok();
        let by_address = ip.is_none_or(|ip| self.limiter.check_key(&format!("ip:{ip}")).is_ok());
        by_account && by_address
    }
}
