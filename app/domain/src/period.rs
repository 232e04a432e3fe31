//! Periods of whole days that reports and the dashboard are asked for, and the instants they
//! span in the support organisation's time zone.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
pub use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// Days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The instants from `from` (included) until `until` (excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Span {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.until
    }
}

impl Period {
    /// The `days` days up to and including `last`.
    pub fn ending(last: NaiveDate, days: i64) -> Period {
        Period { from: last - Duration::days(days.max(1) - 1), to: last }
    }

    /// Reads the dates of the fields `from` and `to` (YYYY-MM-DD; empty: the `default_days` up
    /// to `today`), naming the field of each mistake.
    pub fn read(
        errors: &mut FieldErrors,
        from: &str,
        to: &str,
        default_days: i64,
        today: NaiveDate,
    ) -> Period {
        let mut date = |field: &str, text: &str, default: NaiveDate| match text.trim() {
            "" => default,
            text => parse_date(errors, field, text).unwrap_or(default),
        };
        let last = date("to", to, today);
        let first = date("from", from, Period::ending(last, default_days).from);
        if first > last {
            errors.push("from", "The period must start on or before its last day.");
        }
        Period { from: first, to: last }
    }

    /// How many days it covers.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of as many days just before this one: what a trend compares with.
    pub fn previous(&self) -> Period {
        Period::ending(self.from - Duration::days(1), self.days())
    }

    /// Its days, first to last.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> {
        let from = self.from;
        (0..self.days()).map(move |offset| from + Duration::days(offset))
    }

    /// The instants it covers in `zone`: from the start of its first day until the start of the
    /// day after its last.
    pub fn span(&self, zone: Tz) -> Span {
        Span { from: start_of(self.from, zone), until: start_of(self.to + Duration::days(1), zone) }
    }
}

/// The first instant of `day` in `zone` (where a change of clocks skips midnight, the first
/// instant that exists).
pub fn start_of(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut time = day.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(start) = zone.from_local_datetime(&time).earliest() {
            return start.with_timezone(&Utc);
        }
        time += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
}

/// The date written YYYY-MM-DD in the field `field`, or `None` with the mistake noted.
pub fn parse_date(errors: &mut FieldErrors, field: &str, text: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(field, "Write a date as YYYY-MM-DD.");
    }
    date
}

/// The day `at` falls on in `zone`.
pub fn day_of(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a test date")
    }

    #[test]
    fn a_period_reads_its_dates_and_names_each_mistake() {
        let today = date("2026-12-06");
        let mut errors = FieldErrors::default();
        assert_eq!(
            Period::read(&mut errors, "", "", 7, today),
            Period { from: date("2026-11-30"), to: today }
        );
        assert_eq!(
            Period::read(&mut errors, "2026-12-01", "2026-12-02", 7, today),
            Period { from: date("2026-12-01"), to: date("2026-12-02") }
        );
        assert!(errors.is_empty());
        for (from, to, field) in
            [("yesterday", "", "from"), ("", "6.12.2026", "to"), ("2026-12-03", "2026-12-02", "from")]
        {
            let mut errors = FieldErrors::default();
            Period::read(&mut errors, from, to, 7, today);
            assert!(errors.for_field(field).is_some(), "{from}..{to} should be refused on {field}");
        }
    }

    #[test]
    fn a_period_spans_its_days_in_the_time_zone_and_has_a_previous_one() {
        let period = Period { from: date("2026-03-28"), to: date("2026-03-29") };
        let span = period.span(chrono_tz::Europe::Berlin);
        // Berlin is UTC+1 on the 28th and UTC+2 from the 29th at 02:00.
        assert_eq!(span.from, Utc.with_ymd_and_hms(2026, 3, 27, 23, 0, 0).unwrap());
        assert_eq!(span.until, Utc.with_ymd_and_hms(2026, 3, 29, 22, 0, 0).unwrap());
        assert!(span.contains(span.from) && !span.contains(span.until));
        assert_eq!(period.days(), 2);
        assert_eq!(period.previous(), Period { from: date("2026-03-26"), to: date("2026-03-27") });
        assert_eq!(period.each_day().collect::<Vec<_>>(), [date("2026-03-28"), date("2026-03-29")]);
        assert_eq!(day_of(span.from, chrono_tz::Europe::Berlin), date("2026-03-28"));
        assert_eq!(day_of(span.from, chrono_tz::UTC), date("2026-03-27"));
    }
}
