//! Instants and spans of time as people read them. Every date and every duration on a page goes
//! through here, so their format is decided once.
//!
//! People have no time zone of their own yet (a `UserSummary` carries none, and customers have
//! no working calendar), so instants are shown in UTC and say so. When a person's zone reaches
//! the views, `format_instant` is the one place that converts to it.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;

/// How much of an instant a place shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// "2026-12-05".
    Day,
    /// "2026-12-05 14:03 UTC": the usual.
    #[default]
    Minute,
    /// "2026-12-05 14:03:07 UTC": logs, where the order within a minute matters.
    Second,
    /// "12-05 14:03": a list of stretches read one against the next, whose year and zone are
    /// said around it.
    Brief,
}

/// An instant as text, for sentences that mention one.
pub fn format_instant(at: DateTime<Utc>, precision: Precision) -> String {
    let pattern = match precision {
        Precision::Day => "%Y-%m-%d",
        Precision::Minute => "%Y-%m-%d %H:%M UTC",
        Precision::Second => "%Y-%m-%d %H:%M:%S UTC",
        Precision::Brief => "%m-%d %H:%M",
    };
    at.format(pattern).to_string()
}

/// An instant as a `<time>` element: readable text, and the exact instant for machines.
#[component]
pub fn Instant(at: DateTime<Utc>, #[prop(optional)] precision: Precision) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{format_instant(at, precision)}</time> }
}

/// A span of time: "26h 05m", "12m 07s", "30m", "45s"; a negative span starts with "-". Never
/// in days: a "day" of business time is easily mistaken for 24 hours.
pub fn format_span(span: Duration) -> String {
    let sign = if span < Duration::zero() { "-" } else { "" };
    let seconds = span.num_seconds().abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if hours > 0 {
        format!("{sign}{hours}h {minutes:02}m")
    } else if minutes > 0 && rest > 0 {
        format!("{sign}{minutes}m {rest:02}s")
    } else if minutes > 0 {
        format!("{sign}{minutes}m")
    } else {
        format!("{sign}{rest}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_instant_is_shown_in_utc_at_the_asked_precision() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 14, 3, 7).single().expect("a valid instant");
        assert_eq!(format_instant(at, Precision::Day), "2026-12-05");
        assert_eq!(format_instant(at, Precision::Minute), "2026-12-05 14:03 UTC");
        assert_eq!(format_instant(at, Precision::Second), "2026-12-05 14:03:07 UTC");
        assert_eq!(format_instant(at, Precision::Brief), "12-05 14:03");
    }

    #[test]
    fn a_span_names_hours_and_minutes_or_minutes_and_seconds_never_days() {
        let cases = [
            (Duration::hours(72), "72h 00m"),
            (Duration::minutes(125), "2h 05m"),
            (Duration::seconds(727), "12m 07s"),
            (Duration::minutes(30), "30m"),
            (Duration::seconds(45), "45s"),
            (Duration::zero(), "0s"),
            (-Duration::minutes(70), "-1h 10m"),
        ];
        for (span, text) in cases {
            assert_eq!(format_span(span), text, "{span:?}");
        }
    }
}
