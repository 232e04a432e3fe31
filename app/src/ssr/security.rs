//! The Content-Security-Policy of rendered pages.

use leptos::nonce::{provide_nonce, use_nonce};
use leptos::prelude::*;

/// The policy for responses that carry no inline script (server functions, API, assets).
pub const BASE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Creates this response's nonce for Leptos's inline hydration script and sets a policy that
/// allows scripts only from this origin or with that nonce.
pub fn provide_nonce_and_policy() {
    provide_nonce();
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = BASE_POLICY.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        1,
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
