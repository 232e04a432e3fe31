//! Business calendars: when a help desk's clock runs, and how much of that time lies between two
//! instants. The SLA clocks build on it.
//!
//! A [`Calendar`] is an IANA time zone, the local opening hours of each weekday (zero or more
//! ranges per day, so split shifts and shifts that run past midnight are possible), holidays and
//! per-date overrides. It answers two questions, both of which accept [`Pause`]s during which the
//! clock stops: when is a deadline due ([`Calendar::add_business_time`]) and how much business
//! time has elapsed ([`Calendar::business_time_between`]). [`Calendar::segments`] explains the
//! second answer piece by piece.
//!
//! What it promises:
//! - It is pure: no IO, no clock reads, no randomness. Every instant is a parameter, in UTC.
//! - Local rules are applied in the calendar's zone and stay right across daylight-saving changes:
//!   a range boundary that falls in a skipped hour moves to the end of the gap; one that falls in a
//!   repeated hour takes the first occurrence.
//! - Business ranges are half-open, `[start, end)`. Adding time ends on the instant the time is used
//!   up, which is a closing instant when it lands there; adding zero gives the first business
//!   instant at or after the start; a negative duration counts backwards as the mirror image.
//! - `business_time_between(a, add_business_time(a, d)) == d`, and swapping the two instants of
//!   `business_time_between` negates the result.
//! - Work is proportional to the number of local dates spanned, never to minutes, and every search
//!   is bounded: a calendar without open time gives a [`LineError`] instead of looping.
//!
//! Calendars are written in TOML ([`Calendar::from_toml`], [`Calendar::to_toml`]):
//!
//! ```toml
//! timezone = "Europe/Berlin"
//! holidays = ["2026-12-25", "2026-12-26"]
//! [hours]
//! mon = ["09:00-12:30", "13:30-17:00"]
//! tue = ["09:00-17:00"]
//! sat = []
//! [overrides]
//! "2026-12-24" = ["09:00-12:00"]
//! ```
//!
//! Every rejection of a file names the 1-based line of the offending value and what is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::document::LineError;

const MINUTES_PER_DAY: u16 = 24 * 60;

/// The keys of the `[hours]` table, Monday first: the order of a calendar's weekly hours.
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A search for open time gives up after this many consecutive local dates without any: about
/// three years, far longer than any real closure, yet short enough to answer at once.
const MAX_CLOSED_DAYS: u32 = 3 * 366;

/// A search gives up after this many local dates in all, so that an absurd duration (or a pause
/// lasting centuries) costs a bounded amount of work instead of walking to the end of time.
const MAX_SEARCH_DAYS: u32 = 200 * 366;

/// One local business range of a date, `[start, end)`, in minutes after local midnight.
///
/// The end may be `24:00` (the end of the day). An end earlier than the start runs past midnight
/// and ends on the next date. A range never spans 24 hours or more and is never empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalRange {
    start_minute: u16,
    end_minute: u16,
}

impl LocalRange {
    /// The whole day, `00:00-24:00`.
    pub const WHOLE_DAY: LocalRange = LocalRange { start_minute: 0, end_minute: MINUTES_PER_DAY };

    /// A range from minutes after local midnight: `start_minute` below 1440, `end_minute` up to
    /// 1440 (24:00) and different from the start; an end before the start runs past midnight.
    pub fn from_minutes(start_minute: u16, end_minute: u16) -> Result<LocalRange, LineError> {
        if start_minute > MINUTES_PER_DAY || end_minute > MINUTES_PER_DAY {
            return Err(LineError::new(format!(
                "minutes {start_minute} to {end_minute} are not within a day (0 to {MINUTES_PER_DAY})"
            )));
        }
        let shown = format!("{}-{}", format_minute(start_minute), format_minute(end_minute));
        match range_problem(start_minute, end_minute, &shown) {
            Some(message) => Err(LineError::new(message)),
            None => Ok(LocalRange { start_minute, end_minute }),
        }
    }

    /// Minutes after local midnight at which the range opens.
    pub fn start_minute(self) -> u16 {
        self.start_minute
    }

    /// Minutes after local midnight at which the range closes (1440 is 24:00); on the next date
    /// when the range runs past midnight.
    pub fn end_minute(self) -> u16 {
        self.end_minute
    }

    /// Whether the range closes on the next date (its end is earlier than its start).
    pub fn runs_past_midnight(self) -> bool {
        self.end_minute < self.start_minute
    }

    /// The end counted from the start date's midnight: past 1440 when the range runs past midnight.
    fn end_from_start_date(self) -> u16 {
        if self.runs_past_midnight() {
            self.end_minute + MINUTES_PER_DAY
        } else {
            self.end_minute
        }
    }
}

/// What is wrong with a range from `start` to `end` (both within 0..=1440), if anything.
fn range_problem(start: u16, end: u16, shown: &str) -> Option<String> {
    if start == MINUTES_PER_DAY {
        Some(format!("\"{shown}\" starts at 24:00; 24:00 can only end a range"))
    } else if start == end {
        Some(format!(
            "\"{shown}\" is empty; its end must differ from its start (\"00:00-24:00\" is the whole day)"
        ))
    } else {
        None
    }
}

impl FromStr for LocalRange {
    type Err = LineError;

    /// Reads `HH:MM-HH:MM`, for example `09:00-17:00`, `22:00-06:00` or `00:00-24:00`.
    fn from_str(text: &str) -> Result<LocalRange, LineError> {
        let Some((start_text, end_text)) = text.split_once('-') else {
            return Err(LineError::new(format!(
                "\"{text}\" is not a range; use \"HH:MM-HH:MM\", e.g. \"09:00-17:00\""
            )));
        };
        let start = parse_minute_of_day(start_text)?;
        let end = parse_minute_of_day(end_text)?;
        match range_problem(start, end, text) {
            Some(message) => Err(LineError::new(message)),
            None => Ok(LocalRange { start_minute: start, end_minute: end }),
        }
    }
}

impl fmt::Display for LocalRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}-{}", format_minute(self.start_minute), format_minute(self.end_minute))
    }
}

/// Reads `HH:MM` from 00:00 to 24:00, two digits each, nothing else: a strict form keeps the file
/// unambiguous and makes `to_toml` reproduce what was read.
fn parse_minute_of_day(text: &str) -> Result<u16, LineError> {
    let not_a_time = || LineError::new(format!("\"{text}\" is not a time; use HH:MM from 00:00 to 24:00"));
    let (hours, minutes) = text.split_once(':').ok_or_else(not_a_time)?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|byte| byte.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return Err(not_a_time());
    }
    let hours: u16 = hours.parse().map_err(|_| not_a_time())?;
    let minutes: u16 = minutes.parse().map_err(|_| not_a_time())?;
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes != 0) {
        return Err(not_a_time());
    }
    Ok(hours * 60 + minutes)
}

fn format_minute(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Reads `YYYY-MM-DD`, accepting only the form chrono writes back so that files round-trip.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let date = NaiveDate::from_str(text).ok()?;
    (date.to_string() == text).then_some(date)
}

/// An interval `[from, to)` during which the clock stops even within business hours, for example
/// while a ticket waits for the customer.
///
/// Pauses may overlap each other and business ranges in any way; one whose `to` is not after its
/// `from` is empty and changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pause {
    /// The first paused instant.
    pub from: DateTime<Utc>,
    /// The first instant after the pause.
    pub to: DateTime<Utc>,
}

impl Pause {
    /// A pause `[from, to)`.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Pause {
        Pause { from, to }
    }
}

/// What a stretch of time was, as told by [`Calendar::segments`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// Within business hours and not paused: the clock ran.
    Business,
    /// Outside business hours and not paused.
    OutOfHours,
    /// Inside a pause, whether or not within business hours.
    Paused,
}

/// A stretch `[start, end)` of one [`SegmentKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Segment {
    /// The first instant of the stretch.
    pub start: DateTime<Utc>,
    /// The first instant after the stretch.
    pub end: DateTime<Utc>,
    /// What the stretch was.
    pub kind: SegmentKind,
}

/// A half-open UTC interval `[start, end)`; the walks below only keep non-empty ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interval {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Interval {
    fn clip(self, window: Interval) -> Option<Interval> {
        let start = self.start.max(window.start);
        let end = self.end.min(window.end);
        (start < end).then_some(Interval { start, end })
    }
}

/// Sorts intervals and merges those that overlap or touch, so that walks see each instant once.
fn merge_intervals(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort_by_key(|interval| interval.start);
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}

fn merge_pauses(pauses: &[Pause]) -> Vec<Interval> {
    let intervals = pauses
        .iter()
        .filter(|pause| pause.from < pause.to)
        .map(|pause| Interval { start: pause.from, end: pause.to })
        .collect();
    merge_intervals(intervals)
}

/// Removes the (sorted, merged) pauses from sorted, disjoint open intervals.
fn subtract_pauses(open: &[Interval], pauses: &[Interval]) -> Vec<Interval> {
    let mut result = Vec::with_capacity(open.len());
    for interval in open {
        // Pauses are sorted and disjoint, so the first one that could overlap is found by search.
        let mut index = pauses.partition_point(|pause| pause.end <= interval.start);
        let mut cursor = interval.start;
        while let Some(pause) = pauses.get(index).filter(|pause| pause.start < interval.end) {
            if pause.start > cursor {
                result.push(Interval { start: cursor, end: pause.start });
            }
            cursor = cursor.max(pause.end);
            index += 1;
        }
        if cursor < interval.end {
            result.push(Interval { start: cursor, end: interval.end });
        }
    }
    result
}

/// Whether `instant` lies in one of the sorted, disjoint intervals.
fn covers(intervals: &[Interval], instant: DateTime<Utc>) -> bool {
    let index = intervals.partition_point(|interval| interval.end <= instant);
    intervals.get(index).is_some_and(|interval| interval.start <= instant)
}

/// Where a range sits in a calendar, so that `from_toml` can name its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RangePlace {
    Weekday { day: usize, index: usize },
    Override { date: NaiveDate, index: usize },
}

/// A business calendar: a time zone, weekly hours, holidays and per-date overrides.
///
/// A holiday closes its whole local date: the ranges of that date do not run (so a night shift
/// that would start on it does not happen), and the part of the previous date's night shift that
/// reaches into it is cut at midnight. An override replaces the ranges of its date and wins over a
/// holiday on the same date; the previous date's night shift still runs into it as scheduled.
/// Ranges of one date never overlap, nor does a range that runs past midnight overlap the next
/// date's ranges: the constructors reject such calendars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    timezone: Tz,
    /// Monday first; each day's ranges sorted by start.
    weekly_hours: [Vec<LocalRange>; 7],
    holidays: BTreeSet<NaiveDate>,
    /// Each date's ranges sorted by start.
    overrides: BTreeMap<NaiveDate, Vec<LocalRange>>,
}

impl Calendar {
    /// A calendar from its parts: `weekly_hours` is Monday first. When `overrides` names a date
    /// twice, the last one counts. Rejects overlapping ranges, as [`Calendar::from_toml`] does.
    pub fn new(
        timezone: Tz,
        weekly_hours: [Vec<LocalRange>; 7],
        holidays: impl IntoIterator<Item = NaiveDate>,
        overrides: impl IntoIterator<Item = (NaiveDate, Vec<LocalRange>)>,
    ) -> Result<Calendar, LineError> {
        let calendar = Calendar {
            timezone,
            weekly_hours,
            holidays: holidays.into_iter().collect(),
            overrides: overrides.into_iter().collect(),
        };
        match calendar.find_overlap() {
            Some((_, message)) => Err(LineError::new(message)),
            None => Ok(calendar.sorted()),
        }
    }

    /// A calendar open around the clock on every date (business time is real time).
    pub fn always_open(timezone: Tz) -> Calendar {
        Calendar {
            timezone,
            weekly_hours: std::array::from_fn(|_| vec![LocalRange::WHOLE_DAY]),
            holidays: BTreeSet::new(),
            overrides: BTreeMap::new(),
        }
    }

    /// The calendar's IANA time zone.
    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The ranges of a weekday, sorted by start.
    pub fn hours_on(&self, weekday: chrono::Weekday) -> &[LocalRange] {
        &self.weekly_hours[weekday.num_days_from_monday() as usize]
    }

    /// The holidays, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// The overrides, in date order, each with its ranges sorted by start.
    pub fn overrides(&self) -> impl Iterator<Item = (NaiveDate, &[LocalRange])> + '_ {
        self.overrides.iter().map(|(date, ranges)| (*date, ranges.as_slice()))
    }

    /// Reads a calendar from TOML; see the module documentation for the format. Days not listed
    /// under `[hours]` are closed. Unknown keys, bad times or dates, overlapping ranges and unknown
    /// zones are rejected with the line of the offending value.
    pub fn from_toml(source: &str) -> Result<Calendar, LineError> {
        let line_at = |span: std::ops::Range<usize>| line_of(source, span.start);
        let file: CalendarFile = toml::from_str(source).map_err(|error| LineError {
            line: error.span().map(line_at),
            message: error.message().to_string(),
        })?;

        let zone_name = file.timezone.get_ref();
        let timezone: Tz = zone_name.parse().map_err(|_| {
            LineError::at_line(
                line_at(file.timezone.span()),
                format!(
                    "\"{zone_name}\" is not a known IANA time zone; use a name such as \"Europe/Berlin\""
                ),
            )
        })?;

        let mut holidays = BTreeSet::new();
        for value in &file.holidays {
            let date = date_from_value(value.get_ref()).ok_or_else(|| {
                LineError::at_line(
                    line_at(value.span()),
                    format!("{} is not a date; use \"YYYY-MM-DD\"", value.get_ref()),
                )
            })?;
            holidays.insert(date);
        }

        // The lines of the ranges are kept beside them, so that a rejected overlap can be named.
        let mut weekly_hours: [Vec<LocalRange>; 7] = Default::default();
        let mut weekly_lines: [Vec<usize>; 7] = Default::default();
        for (day, values) in file.hours.into_days().into_iter().enumerate() {
            for value in &values {
                weekly_hours[day].push(range_from_value(value, &line_at)?);
                weekly_lines[day].push(line_at(value.span()));
            }
        }

        let mut overrides = BTreeMap::new();
        let mut override_lines: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
        for (key, values) in &file.overrides {
            let date = parse_date(key.get_ref()).ok_or_else(|| {
                LineError::at_line(
                    line_at(key.span()),
                    format!("\"{}\" is not a date; use \"YYYY-MM-DD\"", key.get_ref()),
                )
            })?;
            let mut ranges = Vec::with_capacity(values.len());
            for value in values {
                ranges.push(range_from_value(value, &line_at)?);
            }
            overrides.insert(date, ranges);
            override_lines.insert(date, values.iter().map(|value| line_at(value.span())).collect());
        }

        let calendar = Calendar { timezone, weekly_hours, holidays, overrides };
        if let Some((place, message)) = calendar.find_overlap() {
            let line = match place {
                RangePlace::Weekday { day, index } => weekly_lines[day].get(index).copied(),
                RangePlace::Override { date, index } => {
                    override_lines.get(&date).and_then(|lines| lines.get(index)).copied()
                }
            };
            return Err(LineError { line, message });
        }
        Ok(calendar.sorted())
    }

    /// Writes the calendar as TOML that [`Calendar::from_toml`] reads back to an equal calendar.
    /// All seven days are listed, closed ones as `[]`, so the file reads as a full week.
    pub fn to_toml(&self) -> String {
        fn quoted_list(items: impl Iterator<Item = String>) -> String {
            let quoted: Vec<String> = items.map(|item| format!("\"{item}\"")).collect();
            format!("[{}]", quoted.join(", "))
        }
        let mut text = format!("timezone = \"{}\"\n", self.timezone.name());
        text.push_str(&format!("holidays = {}\n", quoted_list(self.holidays().map(|date| date.to_string()))));
        text.push_str("\n[hours]\n");
        for (key, ranges) in DAY_KEYS.iter().zip(&self.weekly_hours) {
            text.push_str(&format!("{key} = {}\n", quoted_list(ranges.iter().map(LocalRange::to_string))));
        }
        if !self.overrides.is_empty() {
            text.push_str("\n[overrides]\n");
            for (date, ranges) in &self.overrides {
                text.push_str(&format!(
                    "\"{date}\" = {}\n",
                    quoted_list(ranges.iter().map(LocalRange::to_string))
                ));
            }
        }
        text
    }

    /// The instant at which `duration` of business time, counted from `start` and skipping
    /// `pauses`, is used up.
    ///
    /// A positive duration ends on the instant the time is used up (a closing instant when it lands
    /// there); zero gives the first business instant at or after `start`; a negative duration counts
    /// backwards the same way and may end on an opening instant. Errs when no open time is found
    /// within about three years of dates in a row, or within 200 years in all.
    pub fn add_business_time(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
        pauses: &[Pause],
    ) -> Result<DateTime<Utc>, LineError> {
        let pauses = merge_pauses(pauses);
        if duration < Duration::zero() {
            self.walk_backward(start, -duration, &pauses)
        } else {
            self.walk_forward(start, duration, &pauses)
        }
    }

    /// The business time in `[from, to)` outside `pauses`; negative when `to` is before `from`.
    pub fn business_time_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        pauses: &[Pause],
    ) -> Duration {
        if to < from {
            return -self.business_time_between(to, from, pauses);
        }
        let pauses = merge_pauses(pauses);
        let mut total = Duration::zero();
        self.visit_open_intervals(Interval { start: from, end: to }, |open| {
            for interval in subtract_pauses(&[open], &pauses) {
                total += interval.end - interval.start;
            }
        });
        total
    }

    /// Explains `[from, to)`: consecutive segments in order, adjacent ones of the same kind merged.
    /// A paused instant is [`SegmentKind::Paused`] even outside business hours. The business
    /// segments add up to [`Calendar::business_time_between`]. Empty when `to` is not after `from`.
    pub fn segments(&self, from: DateTime<Utc>, to: DateTime<Utc>, pauses: &[Pause]) -> Vec<Segment> {
        if to <= from {
            return Vec::new();
        }
        let window = Interval { start: from, end: to };
        let mut open = Vec::new();
        self.visit_open_intervals(window, |interval| open.push(interval));
        let paused: Vec<Interval> =
            merge_pauses(pauses).into_iter().filter_map(|pause| pause.clip(window)).collect();

        // Between two consecutive cuts nothing changes, so each piece takes the kind of its start.
        let mut cuts = vec![from, to];
        for interval in open.iter().chain(&paused) {
            cuts.push(interval.start);
            cuts.push(interval.end);
        }
        cuts.sort();
        cuts.dedup();

        let mut segments: Vec<Segment> = Vec::new();
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let kind = if covers(&paused, start) {
                SegmentKind::Paused
            } else if covers(&open, start) {
                SegmentKind::Business
            } else {
                SegmentKind::OutOfHours
            };
            match segments.last_mut() {
                Some(last) if last.kind == kind => last.end = end,
                _ => segments.push(Segment { start, end, kind }),
            }
        }
        segments
    }

    /// Whether `instant` is within business hours (pauses aside).
    pub fn is_open_at(&self, instant: DateTime<Utc>) -> bool {
        covers(&self.open_intervals_on(self.local_date(instant)), instant)
    }

    fn walk_forward(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
        pauses: &[Interval],
    ) -> Result<DateTime<Utc>, LineError> {
        let mut remaining = duration;
        // The day before costs little and keeps the walk right however the start's date is found.
        let start_date = self.local_date(start);
        let mut date = start_date.pred_opt().unwrap_or(start_date);
        let mut closed_days = 0;
        for _ in 0..MAX_SEARCH_DAYS {
            let open = self.open_intervals_on(date);
            closed_days = if open.is_empty() { closed_days + 1 } else { 0 };
            if closed_days > MAX_CLOSED_DAYS {
                return Err(no_open_time(date, "after"));
            }
            for interval in subtract_pauses(&open, pauses) {
                if interval.end <= start {
                    continue;
                }
                let usable_from = interval.start.max(start);
                let available = interval.end - usable_from;
                // `>=` makes a duration that uses up a range end on its closing instant, and makes
                // zero stop at the first business instant.
                if available >= remaining {
                    return Ok(usable_from + remaining);
                }
                remaining -= available;
            }
            date = date.succ_opt().ok_or_else(|| out_of_range(start))?;
        }
        Err(search_exhausted(start))
    }

    /// The mirror image of `walk_forward`; `duration` is positive and counted backwards.
    fn walk_backward(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
        pauses: &[Interval],
    ) -> Result<DateTime<Utc>, LineError> {
        let mut remaining = duration;
        let start_date = self.local_date(start);
        let mut date = start_date.succ_opt().unwrap_or(start_date);
        let mut closed_days = 0;
        for _ in 0..MAX_SEARCH_DAYS {
            let open = self.open_intervals_on(date);
            closed_days = if open.is_empty() { closed_days + 1 } else { 0 };
            if closed_days > MAX_CLOSED_DAYS {
                return Err(no_open_time(date, "before"));
            }
            for interval in subtract_pauses(&open, pauses).into_iter().rev() {
                if interval.start >= start {
                    continue;
                }
                let usable_to = interval.end.min(start);
                let available = usable_to - interval.start;
                if available >= remaining {
                    return Ok(usable_to - remaining);
                }
                remaining -= available;
            }
            date = date.pred_opt().ok_or_else(|| out_of_range(start))?;
        }
        Err(search_exhausted(start))
    }

    /// Calls `visit` with the open intervals (pauses aside) within `window`, in order.
    fn visit_open_intervals(&self, window: Interval, mut visit: impl FnMut(Interval)) {
        let first = self.local_date(window.start);
        let last = self.local_date(window.end);
        let mut date = first.pred_opt().unwrap_or(first);
        loop {
            for interval in self.open_intervals_on(date) {
                if let Some(clipped) = interval.clip(window) {
                    visit(clipped);
                }
            }
            match date.succ_opt() {
                Some(next) if date < last => date = next,
                _ => break,
            }
        }
    }

    /// The open intervals within local date `date`, `[midnight, next midnight)`, sorted and merged.
    ///
    /// They come from the date's own ranges and from the previous date's ranges that run past
    /// midnight. Cutting at the date's bounds lets the walks move date by date without seeing an
    /// instant twice.
    fn open_intervals_on(&self, date: NaiveDate) -> Vec<Interval> {
        if self.holidays.contains(&date) && !self.overrides.contains_key(&date) {
            return Vec::new();
        }
        let day = Interval {
            start: self.local_instant_clamped(date, 0),
            end: self.local_instant_clamped(date, MINUTES_PER_DAY),
        };
        let mut intervals = Vec::new();
        let mut add = |range_date: NaiveDate, range: &LocalRange| {
            let start = self.local_instant_clamped(range_date, range.start_minute);
            let end = self.local_instant_clamped(range_date, range.end_from_start_date());
            intervals.extend(Interval { start, end }.clip(day));
        };
        if let Some(previous) = date.pred_opt() {
            for range in self.ranges_of(previous).iter().filter(|range| range.runs_past_midnight()) {
                add(previous, range);
            }
        }
        for range in self.ranges_of(date) {
            add(date, range);
        }
        merge_intervals(intervals)
    }

    /// The ranges that start on `date`: its override, else none on a holiday, else its weekday's.
    fn ranges_of(&self, date: NaiveDate) -> &[LocalRange] {
        if let Some(ranges) = self.overrides.get(&date) {
            ranges
        } else if self.holidays.contains(&date) {
            &[]
        } else {
            &self.weekly_hours[date.weekday().num_days_from_monday() as usize]
        }
    }

    /// The local date of `instant`. Near the ends of chrono's range the local date may not be
    /// representable (chrono's own conversion panics there), so it is clamped instead.
    fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        let utc = instant.naive_utc();
        let offset = self.timezone.offset_from_utc_datetime(&utc).fix();
        match utc.checked_add_offset(offset) {
            Some(local) => local.date(),
            None if offset.local_minus_utc() > 0 => NaiveDate::MAX,
            None => NaiveDate::MIN,
        }
    }

    /// The UTC instant of local `minute` (0..=2880) counted from `date`'s midnight. A local time in
    /// a gap moves to the end of the gap; one in a repeated hour takes the first occurrence.
    fn local_instant(&self, date: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
        let date = date.checked_add_days(chrono::Days::new(u64::from(minute / MINUTES_PER_DAY)))?;
        let minute = minute % MINUTES_PER_DAY;
        let local = date.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
        match self.timezone.from_local_datetime(&local).earliest() {
            Some(instant) => Some(instant.with_timezone(&Utc)),
            None => self.end_of_gap(local),
        }
    }

    /// `local_instant`, with local times beyond chrono's range clamped to its first or last instant
    /// (whichever end they are beyond), so that the dates at the ends of the range still work.
    fn local_instant_clamped(&self, date: NaiveDate, minute: u16) -> DateTime<Utc> {
        self.local_instant(date, minute).unwrap_or(if date.year() > 0 {
            DateTime::<Utc>::MAX_UTC
        } else {
            DateTime::<Utc>::MIN_UTC
        })
    }

    /// The first UTC instant whose local time is at or after `local`, for a `local` that does not
    /// exist: the instant the clocks jump, i.e. the end of the gap.
    fn end_of_gap(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let local_time_of = |seconds: i64| {
            let utc = DateTime::from_timestamp(seconds, 0)?.naive_utc();
            let offset = self.timezone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
            utc.checked_add_signed(Duration::seconds(i64::from(offset)))
        };
        // No zone is more than 16 hours from UTC, so the local time 16 hours earlier (later) read
        // as UTC is before (after) `local`; bisect between them to the second. Transitions fall on
        // whole seconds.
        let as_if_utc = local.and_utc().timestamp();
        let mut before = as_if_utc - 16 * 3600;
        let mut after = as_if_utc + 16 * 3600;
        while after - before > 1 {
            let middle = before + (after - before) / 2;
            if local_time_of(middle)? >= local {
                after = middle;
            } else {
                before = middle;
            }
        }
        DateTime::from_timestamp(after, 0)
    }

    /// The first overlap between ranges, with where it is and a message; `None` when there is none.
    fn find_overlap(&self) -> Option<(RangePlace, String)> {
        for (day, ranges) in self.weekly_hours.iter().enumerate() {
            if let Some((later, earlier)) = overlap_within(ranges) {
                let message =
                    format!("\"{}\" overlaps \"{}\" on {}", ranges[later], ranges[earlier], DAY_KEYS[day]);
                return Some((RangePlace::Weekday { day, index: later }, message));
            }
        }
        for (day, previous) in self.weekly_hours.iter().enumerate() {
            // Sunday's night shift runs into Monday.
            let next_day = (day + 1) % 7;
            let next = &self.weekly_hours[next_day];
            if let Some((earlier, later)) = overlap_across(previous, next) {
                let message = format!(
                    "\"{}\" on {} overlaps \"{}\" on {}, which runs past midnight",
                    next[later], DAY_KEYS[next_day], previous[earlier], DAY_KEYS[day]
                );
                return Some((RangePlace::Weekday { day: next_day, index: later }, message));
            }
        }
        for (&date, ranges) in &self.overrides {
            if let Some((later, earlier)) = overlap_within(ranges) {
                let message = format!("\"{}\" overlaps \"{}\" on {date}", ranges[later], ranges[earlier]);
                return Some((RangePlace::Override { date, index: later }, message));
            }
            // An override must fit the dates around it as they will actually be.
            if let Some(previous_date) = date.pred_opt() {
                let previous = self.ranges_of(previous_date);
                if let Some((earlier, later)) = overlap_across(previous, ranges) {
                    let message = format!(
                        "\"{}\" on {date} overlaps \"{}\" on {}, which runs past midnight",
                        ranges[later],
                        previous[earlier],
                        self.describe_date(previous_date)
                    );
                    return Some((RangePlace::Override { date, index: later }, message));
                }
            }
            if let Some(next_date) = date.succ_opt() {
                let next = self.ranges_of(next_date);
                if let Some((earlier, later)) = overlap_across(ranges, next) {
                    let message = format!(
                        "\"{}\" on {date} runs past midnight and overlaps \"{}\" on {}",
                        ranges[earlier],
                        next[later],
                        self.describe_date(next_date)
                    );
                    return Some((RangePlace::Override { date, index: earlier }, message));
                }
            }
        }
        None
    }

    fn describe_date(&self, date: NaiveDate) -> String {
        if self.overrides.contains_key(&date) {
            date.to_string()
        } else {
            format!("{} {date}", DAY_KEYS[date.weekday().num_days_from_monday() as usize])
        }
    }

    fn sorted(mut self) -> Calendar {
        for ranges in self.weekly_hours.iter_mut().chain(self.overrides.values_mut()) {
            ranges.sort();
        }
        self
    }
}

/// The first pair of ranges of one date that overlap, as (later index, earlier index). Ranges are
/// compared on the start date's axis, so a range past midnight reaches beyond 24:00.
fn overlap_within(ranges: &[LocalRange]) -> Option<(usize, usize)> {
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&index| (ranges[index].start_minute, ranges[index].end_minute));
    // Sorted by start, any overlap shows up between neighbours.
    order.windows(2).find_map(|pair| {
        let (earlier, later) = (pair[0], pair[1]);
        (ranges[later].start_minute < ranges[earlier].end_from_start_date()).then_some((later, earlier))
    })
}

/// The first range of `previous` that runs past midnight into a range of `next`, as
/// (index in previous, index in next).
fn overlap_across(previous: &[LocalRange], next: &[LocalRange]) -> Option<(usize, usize)> {
    previous.iter().enumerate().filter(|(_, range)| range.runs_past_midnight()).find_map(
        |(earlier, range)| {
            next.iter().position(|later| later.start_minute < range.end_minute).map(|later| (earlier, later))
        },
    )
}

fn no_open_time(date: NaiveDate, direction: &str) -> LineError {
    LineError::new(format!(
        "the calendar has no business time in the {MAX_CLOSED_DAYS} dates {direction} {date}; \
         a calendar closed on every date cannot give a deadline"
    ))
}

fn search_exhausted(start: DateTime<Utc>) -> LineError {
    LineError::new(format!(
        "the duration from {start} reaches more than {} years of dates; it is too long for a deadline",
        MAX_SEARCH_DAYS / 366
    ))
}

fn out_of_range(start: DateTime<Utc>) -> LineError {
    LineError::new(format!("counting from {start} runs past the dates that can be represented"))
}

/// The 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// A holiday: a `"YYYY-MM-DD"` string or a TOML local date.
fn date_from_value(value: &toml::Value) -> Option<NaiveDate> {
    match value {
        toml::Value::String(text) => parse_date(text),
        toml::Value::Datetime(datetime) if datetime.time.is_none() && datetime.offset.is_none() => {
            let date = datetime.date?;
            NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
        }
        _ => None,
    }
}

fn range_from_value(
    value: &Spanned<toml::Value>,
    line_at: &impl Fn(std::ops::Range<usize>) -> usize,
) -> Result<LocalRange, LineError> {
    let line = line_at(value.span());
    match value.get_ref() {
        toml::Value::String(text) => {
            text.parse().map_err(|error: LineError| LineError::at_line(line, error.message))
        }
        other => Err(LineError::at_line(
            line,
            format!("{other} is not a range; use \"HH:MM-HH:MM\", e.g. \"09:00-17:00\""),
        )),
    }
}

/// The TOML file as written; values keep their spans so that errors can name lines.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    timezone: Spanned<String>,
    #[serde(default)]
    holidays: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    hours: HoursFile,
    #[serde(default)]
    overrides: BTreeMap<Spanned<String>, Vec<Spanned<toml::Value>>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursFile {
    #[serde(default)]
    mon: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    tue: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    wed: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    thu: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    fri: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    sat: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    sun: Vec<Spanned<toml::Value>>,
}

impl HoursFile {
    /// Monday first, the order of `DAY_KEYS`.
    fn into_days(self) -> [Vec<Spanned<toml::Value>>; 7] {
        [self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun]
    }
}

#[cfg(test)]
mod tests;
