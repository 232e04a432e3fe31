//! Instants and spans of time as people read them. Every date and every duration on a page goes
//! through here, so their format is decided once.
//!
//! People have no time zone of their own yet (a `UserSummary` carries none, and customers have
//! no working calendar), so instants are shown in UTC and say so. When a person's zone reaches
//! the views, `format_instant` is the one place that converts to it.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The formats themselves are the domain's, so pages, messages and e-mails agree.
pub use crate::domain::describe::{format_instant, format_span, Precision};

/// An instant as a `<time>` element: readable text, and the exact instant for machines.
#[component]
pub fn Instant(at: DateTime<Utc>, #[prop(optional)] precision: Precision) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{format_instant(at, precision)}</time> }
}
