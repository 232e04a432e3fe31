//! Passwords, session tokens, the caller of a server function, and the login rate limit.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use governor::{DefaultKeyedRateLimiter, Quota};
use ipnet::IpNet;
use leptos::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{app_state, now};
use crate::domain::UserSummary;
use crate::error::AppError;

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

/// The caller, who must be support staff, for what customers must not learn exists (the
/// dashboard, the huddle): to a customer it is "not found".
pub async fn require_staff_hidden_from_customers() -> Result<UserSummary, AppError> {
    let user = require_user().await?;
    if user.role.is_staff() {
        Ok(user)
    } else {
        Err(AppError::NotFound)
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

/// The client's address: the connection's peer, or — when that peer is one of the trusted
/// reverse proxies — the address the proxies say they received the request from.
pub fn client_ip() -> Option<IpAddr> {
    let parts = use_context::<http::request::Parts>()?;
    let peer = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>()?.0.ip();
    let proxies = app_state().ok()?.login_limiter.trusted_proxies.clone();
    Some(proxies.client_address(peer, &parts.headers))
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Addresses (`10.0.0.5`) or networks (`10.0.0.0/8`); the error names the entry it could
    /// not read.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a network like 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`. Only a trusted proxy's `X-Forwarded-For` is read, from the
    /// right: each proxy appends the address it received the request from, so the first entry
    /// (from the right) that is not a trusted proxy is the client as far as we can vouch. What
    /// a client writes into the header itself sits further left and is never reached. A
    /// missing or unreadable header leaves the proxy's own address.
    pub fn client_address(&self, peer: IpAddr, headers: &http::HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            match entry.trim().parse::<IpAddr>() {
                Ok(address) => {
                    client = address;
                    if !self.trusts(address) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

/// How often `allow` prunes keys whose attempts have all been forgiven again.
const PRUNE_EVERY_CALLS: u64 = 256;

/// Limits sign-in attempts so that guessing passwords is slow, without letting anyone lock an
/// account's owner out.
///
/// Each client address has `per_minute` attempts a minute; an address that has used them up is
/// refused before its attempt is looked at, so those refusals cost the account nothing. Each
/// account has `per_minute` attempts a minute *from each address*: an attacker spending an
/// account's attempts from their address leaves its owner's address untouched. IPv6 clients
/// are counted by their /64, which one host usually has whole. Keys whose attempts are all
/// forgiven are pruned as attempts come in, so the map holds at most about a minute's worth of
/// distinct addresses and accounts.
pub struct LoginLimiter {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<(String, Option<IpAddr>)>,
    calls: AtomicU64,
    pub trusted_proxies: TrustedProxies,
}

impl LoginLimiter {
    /// `per_minute` attempts a minute for each client address, and for each account from each
    /// address.
    pub fn new(per_minute: u32, trusted_proxies: TrustedProxies) -> LoginLimiter {
        let burst = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        LoginLimiter::with_quota(Quota::per_minute(burst), trusted_proxies)
    }

    fn with_quota(quota: Quota, trusted_proxies: TrustedProxies) -> LoginLimiter {
        LoginLimiter {
            by_address: DefaultKeyedRateLimiter::keyed(quota),
            by_account: DefaultKeyedRateLimiter::keyed(quota),
            calls: AtomicU64::new(0),
            trusted_proxies,
        }
    }

    /// Counts an attempt; false when the address, or the account from this address, has used up
    /// its attempts.
    pub fn allow(&self, ip: Option<IpAddr>, email: &str) -> bool {
        if self.calls.fetch_add(1, Ordering::Relaxed).is_multiple_of(PRUNE_EVERY_CALLS) {
            self.prune();
        }
        let ip = ip.map(address_block);
        if ip.is_some_and(|ip| self.by_address.check_key(&ip).is_err()) {
            return false;
        }
        self.by_account.check_key(&(email.trim().to_lowercase(), ip)).is_ok()
    }

    /// Forgets the keys that are back to a full allowance.
    fn prune(&self) {
        self.by_address.retain_recent();
        self.by_account.retain_recent();
        self.by_address.shrink_to_fit();
        self.by_account.shrink_to_fit();
    }

    /// How many keys the limiter holds.
    pub fn keys(&self) -> usize {
        self.by_address.len() + self.by_account.len()
    }
}

/// The address as the limiter counts it: IPv4 as it is, IPv6 by its /64.
fn address_block(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.iter().map(|entry| entry.to_string()).collect::<Vec<_>>())
            .expect("valid")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn an_address_that_used_its_attempts_costs_the_account_nothing() {
        let limiter = LoginLimiter::new(3, TrustedProxies::default());
        let attacker = Some(ip("203.0.113.9"));
        for _ in 0..3 {
            assert!(limiter.allow(attacker, "carla@acme.example"));
        }
        // Refused by address, for any account: none of these count against Carla.
        for _ in 0..20 {
            assert!(!limiter.allow(attacker, "carla@acme.example"));
            assert!(!limiter.allow(attacker, "dana@globex.example"));
        }
        // Carla from her own address still has all her attempts.
        let carla = Some(ip("198.51.100.7"));
        for _ in 0..3 {
            assert!(limiter.allow(carla, "Carla@acme.example "));
        }
        assert!(!limiter.allow(carla, "carla@acme.example"), "and no more");
    }

    #[test]
    fn one_account_from_many_addresses_is_slowed_per_address_and_its_owner_keeps_signing_in() {
        let limiter = LoginLimiter::new(2, TrustedProxies::default());
        for attacker in 1..=50u8 {
            let attacker = Some(IpAddr::from([192, 0, 2, attacker]));
            assert!(limiter.allow(attacker, "carla@acme.example"));
            assert!(limiter.allow(attacker, "carla@acme.example"));
            assert!(!limiter.allow(attacker, "carla@acme.example"));
        }
        assert!(limiter.allow(Some(ip("198.51.100.7")), "carla@acme.example"));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let limiter = LoginLimiter::new(1, TrustedProxies::default());
        assert!(limiter.allow(Some(ip("2001:db8:1:2::1")), "a@example.com"));
        assert!(!limiter.allow(Some(ip("2001:db8:1:2:ffff::9")), "b@example.com"));
        assert!(limiter.allow(Some(ip("2001:db8:1:3::1")), "b@example.com"));
    }

    #[test]
    fn forgiven_keys_are_pruned() {
        let quota = Quota::with_period(std::time::Duration::from_millis(1)).expect("a period");
        let limiter = LoginLimiter::with_quota(quota, TrustedProxies::default());
        // The guesses are counted straight into the two maps: through `allow`, its own pruning
        // would already forgive the first guesses on a slow machine, and the count below would
        // depend on timing.
        for n in 0..1000u32 {
            let address = IpAddr::from(n.to_be_bytes());
            let _ = limiter.by_address.check_key(&address);
            let _ = limiter.by_account.check_key(&(format!("guess{n}@example.com"), Some(address)));
        }
        assert_eq!(limiter.keys(), 2000);
        std::thread::sleep(std::time::Duration::from_millis(20));
        for _ in 0..PRUNE_EVERY_CALLS {
            limiter.allow(Some(ip("198.51.100.7")), "carla@acme.example");
        }
        assert!(limiter.keys() <= 2, "{}", limiter.keys());
    }

    #[test]
    fn only_a_trusted_proxy_says_who_the_client_is() {
        let headers = |value: &'static str| {
            let mut map = http::HeaderMap::new();
            map.insert("x-forwarded-for", http::HeaderValue::from_static(value));
            map
        };
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.1"]);
        #[rustfmt::skip]
        let cases = [
            ("not a proxy: its header is ignored",  "198.51.100.7", "203.0.113.1",                   "198.51.100.7"),
            ("the proxy names the client",          "10.0.0.5",     "203.0.113.1",                   "203.0.113.1"),
            ("a forged entry further left is skipped", "10.0.0.5",  "1.2.3.4, 203.0.113.1",          "203.0.113.1"),
            ("through two trusted proxies",         "192.0.2.1",    "203.0.113.1, 10.1.1.1",         "203.0.113.1"),
            ("an unreadable entry stops the walk",  "10.0.0.5",     "203.0.113.1, bogus",            "10.0.0.5"),
        ];
        for (description, peer, forwarded, expected) in cases {
            assert_eq!(trusted.client_address(ip(peer), &headers(forwarded)), ip(expected), "{description}");
        }
        assert_eq!(trusted.client_address(ip("10.0.0.5"), &http::HeaderMap::new()), ip("10.0.0.5"));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".to_string()])
            .expect_err("bad")
            .contains("10.0.0.0/33"));
    }
}
