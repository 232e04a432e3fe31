//! The pure figures behind tracking progress: percentiles of durations, when a running clock is
//! at risk, when a ticket stalls in a tier, and where a resolved ticket's time went per tier.
//!
//! Every figure reads what `clock::compute_clocks` derives from the event log, so figures built
//! on them cannot disagree with the queue or the escalation engine about "breached" or "at risk".
//! No page shows them yet; the managers' dashboard and reports will.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, SegmentKind};
use crate::clock::{ClockPhase, ClockState, TicketClocks};
use crate::policy::Policy;
use crate::ticket::{ClockKind, EventData, TicketEvent, TicketStatus};

/// The fraction of a clock's limit past which a running clock is at risk when the policy sets no
/// reminder for it.
pub const DEFAULT_AT_RISK_FRACTION: f64 = 0.75;

/// Count, median, 90th percentile and total of some durations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationSummary {
    pub count: usize,
    /// `None` without values.
    pub median: Option<Duration>,
    pub p90: Option<Duration>,
    pub total: Duration,
}

impl DurationSummary {
    /// Summarises `values` (in any order).
    pub fn of(values: impl IntoIterator<Item = Duration>) -> DurationSummary {
        let mut sorted: Vec<Duration> = values.into_iter().collect();
        sorted.sort();
        DurationSummary {
            count: sorted.len(),
            median: percentile(&sorted, 50),
            p90: percentile(&sorted, 90),
            total: sorted.iter().fold(Duration::zero(), |sum, value| sum + *value),
        }
    }
}

/// The `percent`-th percentile of sorted values by the nearest-rank method: the smallest value
/// with at least `percent` % of the values at or below it. Always one of the values (no
/// interpolation), so a figure can be traced to a ticket. `None` without values.
pub fn percentile<T: Copy>(sorted: &[T], percent: u8) -> Option<T> {
    let count = sorted.len();
    if count == 0 {
        return None;
    }
    let rank = (usize::from(percent.min(100)) * count).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// How a clock stands: on track, at risk, overdue, or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Open and below its at-risk fraction, or without a target.
    OnTrack,
    /// Open, not yet overdue, past its at-risk fraction.
    AtRisk,
    /// Open and overdue.
    Breached,
    /// Ended, met or not.
    Ended,
}

/// The fraction past which `kind` is at risk on `level` (1-based) of the policy's ladder: the
/// level's first reminder on that clock, or [`DEFAULT_AT_RISK_FRACTION`] when it has none.
pub fn at_risk_fraction(policy: Option<&Policy>, level: Option<usize>, kind: ClockKind) -> f64 {
    policy
        .zip(level)
        .and_then(|(policy, level)| policy.level(level))
        .and_then(|level| {
            level
                .reminders
                .iter()
                .filter(|reminder| reminder.clock == kind)
                .map(|reminder| reminder.at)
                .reduce(f64::min)
        })
        .unwrap_or(DEFAULT_AT_RISK_FRACTION)
}

/// Where `clock` stands, judged at the instant the clocks were computed for: at risk once the
/// business time it counted reaches `fraction` of its target.
pub fn risk(clock: &ClockState, fraction: f64) -> Risk {
    if !clock.is_open() {
        return Risk::Ended;
    }
    match (clock.state, clock.target) {
        (ClockPhase::Breached, _) => Risk::Breached,
        (ClockPhase::Running | ClockPhase::Paused, Some(target))
            if reached(clock.elapsed, target, fraction) =>
        {
            Risk::AtRisk
        }
        _ => Risk::OnTrack,
    }
}

/// Whether `elapsed` is at least `fraction` of `target`, to the millisecond.
fn reached(elapsed: Duration, target: Duration, fraction: f64) -> bool {
    let threshold = (target.num_milliseconds() as f64 * fraction).ceil();
    elapsed.num_milliseconds() as f64 >= threshold
}

/// What counts as the holding tier working a ticket: a public reply, an internal note or a
/// change of status. Customer messages and the engine's events do not.
fn is_activity(data: &EventData) -> bool {
    matches!(
        data,
        EventData::PublicReply { .. } | EventData::InternalNote { .. } | EventData::StatusChanged { .. }
    )
}

/// The instant since which the tier holding a ticket has held it without activity, counting from
/// when it received the ticket or the last activity since. `None` when no tier holds it.
pub fn last_activity_in_tier(events: &[TicketEvent], tier_id: Option<i64>) -> Option<DateTime<Utc>> {
    let tier_id = tier_id?;
    let mut since = None;
    for event in events {
        let received = match &event.data {
            EventData::AssignmentChanged { from, to, .. }
            | EventData::Escalated { from, to, .. }
            | EventData::Deescalated { from, to, .. } => {
                to.tier_id == Some(tier_id) && from.tier_id != Some(tier_id)
            }
            _ => false,
        };
        if received || (since.is_some() && is_activity(&event.data)) {
            since = Some(event.at);
        }
    }
    since
}

/// When a ticket stalls (or stalled) in its tier: `threshold` of business time in `calendar`
/// after the last activity. Only a ticket being worked (new or open) stalls: one waiting on the
/// customer or a third party, or done, does not. `None` when it cannot stall.
pub fn stalls_at(
    status: TicketStatus,
    last_activity: Option<DateTime<Utc>>,
    calendar: &Calendar,
    threshold: Duration,
) -> Option<DateTime<Utc>> {
    if !matches!(status, TicketStatus::New | TicketStatus::Open) {
        return None;
    }
    calendar.add_business_time(last_activity?, threshold, &[]).ok()
}

/// Where the time of one tier's holdings of a ticket went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierTime {
    /// Wall-clock time the tier held the ticket, over all its holdings.
    pub held: Duration,
    /// Of which business time the tier's budget clock ran.
    pub running: Duration,
    /// Of which paused by a waiting status.
    pub paused: Duration,
    /// Of which outside business hours.
    pub out_of_hours: Duration,
}

/// The time per tier of a ticket, from its tier-budget cycles (one per holding): the split of
/// the bottleneck report. Each tier's parts add up to the time it held the ticket.
pub fn time_per_tier(clocks: &TicketClocks) -> BTreeMap<i64, TierTime> {
    let mut tiers: BTreeMap<i64, TierTime> = BTreeMap::new();
    for cycle in clocks.clocks.iter().filter(|clock| clock.kind == ClockKind::TierBudget) {
        let Some(tier_id) = cycle.tier_id else { continue };
        let time = tiers.entry(tier_id).or_default();
        for segment in &cycle.explanation {
            let length = segment.end - segment.start;
            time.held += length;
            match segment.kind {
                SegmentKind::Business => time.running += length,
                SegmentKind::Paused => time.paused += length,
                SegmentKind::OutOfHours => time.out_of_hours += length,
            }
        }
    }
    tiers
}

#[cfg(test)]
mod tests;
