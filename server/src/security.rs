//! Request-level protections: cross-site request refusal, security headers, and a reactive owner
//! of each request's own.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use leptos::reactive::owner::Owner;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Refuses state-changing requests that a browser sent from another site.
///
/// Session cookies are `SameSite=Lax`, which already keeps them off most cross-site requests;
/// this check closes the rest. Browsers send `Sec-Fetch-Site` (and `Origin`) on every POST: a
/// request must say it came from this origin. Requests without either header are not from a
/// browser and carry no session of ours unless they copy the cookie, which a forger cannot do —
/// but they are refused all the same, except REST API calls without a cookie: the API
/// authenticates by bearer token only, so such a call has nothing to borrow, and one without a
/// valid token is refused by the API itself with its documented 401.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if is_safe_method(request.method())
        || is_cookieless_api_call(&request)
        || is_same_origin(request.headers())
    {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
    (StatusCode::FORBIDDEN, "Cross-site request refused: this form must be sent from Tierline itself.")
        .into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_cookieless_api_call(request: &Request<Body>) -> bool {
    request.uri().path().starts_with("/api/v1/") && !request.headers().contains_key(header::COOKIE)
}

/// `Sec-Fetch-Site: same-origin` (or `none`, a user typing the address), or else an `Origin`
/// whose host is the `Host` the request was sent to.
fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let origin_host = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .and_then(|origin| origin.split_once("://").map(|(_, host)| host.to_string()));
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    matches!((origin_host, host), (Some(origin), Some(host)) if origin == host)
}

/// Runs every request as if it had a thread to itself: its current reactive owner is none at
/// first, then whichever owner it made current, kept from one poll to the next.
///
/// Leptos keeps "the current owner" in a thread-local. A page's render makes its root owner the
/// current one of the worker thread it starts on (`Owner::new_root` sets it, nothing unsets it)
/// and reads it back after awaiting (the split build's preload links); the handlers of server
/// functions and static files make their owner a child of the thread's current one. With many
/// requests interleaved on few threads, a static file served while another page was rendering
/// became a child of that page's owner, read its contexts and took its response headers — the
/// Content-Security-Policy with the page's nonce among them — so the page went out with the base
/// policy, its scripts blocked, and never hydrated.
pub async fn own_reactive_owner(request: Request, next: Next) -> Response {
    RequestOwner { current: None, request: Box::pin(next.run(request)) }.await
}

/// A request's future with the reactive owner it made current, if any.
struct RequestOwner<F> {
    current: Option<Owner>,
    request: Pin<Box<F>>,
}

impl<F: Future> Future for RequestOwner<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let threads_owner = Owner::current();
        make_current(this.current.take());
        let poll = this.request.as_mut().poll(context);
        this.current = Owner::current();
        make_current(threads_owner);
        poll
    }
}

/// Makes `owner` the thread's current reactive owner, or leaves it none.
fn make_current(owner: Option<Owner>) {
    match owner {
        Some(owner) => owner.set(),
        None => {
            if let Some(current) = Owner::current() {
                current.unset();
            }
        }
    }
}

/// Headers every response carries. Rendered pages set their own Content-Security-Policy with a
/// nonce; everything else gets the base policy.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::ssr::security::BASE_POLICY),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_is_recognised_from_fetch_metadata_or_origin() {
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_same_origin(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_origin(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_origin(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
