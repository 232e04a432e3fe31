//! The pure figures behind tracking progress: percentiles of durations, when a running clock is
//! at risk, when a ticket stalls in a tier, and where a resolved ticket's time went per tier.
//!
//! Every figure reads what `clock::compute_clocks` derives from the event log, so figures built
//! on them cannot disagree with the queue or the escalation engine about "breached" or "at risk".
//! The engine computes each open clock's [`ClockStanding`] and stores on the ticket how they stand
//! at its decision ([`ClockAlerts`]), deciding again at each instant a standing changes; the
//! dashboard and the queue's filters read those bits.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, SegmentKind};
use crate::clock::{ClockPhase, ClockState, ClockTargets, TicketClocks};
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
    nearest_rank(sorted.len(), percent).map(|rank| sorted[rank - 1])
}

/// The rank (from 1) of the `percent`-th percentile among `count` sorted values by the
/// nearest-rank method ([`percentile`]), for values sorted elsewhere (by a database). `None`
/// without values.
pub fn nearest_rank(count: usize, percent: u8) -> Option<usize> {
    (count > 0).then(|| (usize::from(percent.min(100)) * count).div_ceil(100).max(1))
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

/// Where one open clock of a ticket stands, as the instants its standing changes at: the engine
/// wakes at each of them and stores how the clocks stand then ([`ClockAlerts`]), so that the
/// dashboard and the queue ask "at risk now" and "breached now" of the ticket's row rather than
/// replay logs.
///
/// The instants hold until the ticket changes, and every change makes the engine decide again;
/// so, read at any instant `t` before the next change, "`at_risk_from <= t` and not
/// `breached_from <= t`" is what [`risk`] says of the clock computed at `t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStanding {
    pub kind: ClockKind,
    /// From when the clock is at risk or breached, never after `breached_from`; `None` while it
    /// cannot be (paused below its fraction).
    pub at_risk_from: Option<DateTime<Utc>>,
    /// From when it is overdue; `None` while it cannot be (paused in time).
    pub breached_from: Option<DateTime<Utc>>,
}

impl ClockStanding {
    /// How the clock stands at `at`.
    pub fn risk_at(&self, at: DateTime<Utc>) -> Risk {
        let reached = |from: Option<DateTime<Utc>>| from.is_some_and(|from| from <= at);
        if reached(self.breached_from) {
            Risk::Breached
        } else if reached(self.at_risk_from) {
            Risk::AtRisk
        } else {
            Risk::OnTrack
        }
    }
}

/// How a ticket's open clocks stand at one instant, as bits: two per kind of clock, in the order
/// of `ClockKind::ALL`, the lower set while that clock is at risk (not yet overdue), the upper
/// while it is overdue. The engine stores them on the ticket at each decision and decides again at
/// every instant a standing changes, so the stored bits are how the clocks stand now; counted per
/// value by the open tickets' tally, they give the dashboard's risk figures without reading the
/// tickets, and the queue's risk filters test them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClockAlerts(i64);

impl ClockAlerts {
    /// How the clocks of `standing` stand at `at`.
    pub fn at(standing: &[ClockStanding], at: DateTime<Utc>) -> ClockAlerts {
        ClockAlerts(
            standing
                .iter()
                .map(|clock| ClockAlerts::bit(clock.kind, clock.risk_at(at)))
                .fold(0, |bits, bit| bits | bit),
        )
    }

    /// The alerts stored as `bits`.
    pub fn from_bits(bits: i64) -> ClockAlerts {
        ClockAlerts(bits)
    }

    pub fn bits(self) -> i64 {
        self.0
    }

    /// The bit that says `kind` stands at `risk`; 0 for on track or ended, which have none.
    pub fn bit(kind: ClockKind, risk: Risk) -> i64 {
        let index = ClockKind::ALL.iter().position(|each| *each == kind).expect("every kind is listed");
        match risk {
            Risk::AtRisk => 1 << (2 * index),
            Risk::Breached => 1 << (2 * index + 1),
            Risk::OnTrack | Risk::Ended => 0,
        }
    }

    /// The bits that say `risk` of `clock`, or of any clock: a ticket stands so when it has one.
    pub fn mask(risk: Risk, clock: Option<ClockKind>) -> i64 {
        match clock {
            Some(kind) => ClockAlerts::bit(kind, risk),
            None => ClockKind::ALL
                .iter()
                .map(|kind| ClockAlerts::bit(*kind, risk))
                .fold(0, |bits, bit| bits | bit),
        }
    }

    /// Whether one of the clocks `mask` names stands so.
    pub fn any(self, mask: i64) -> bool {
        self.0 & mask != 0
    }

    /// The clocks that stand at `risk`, in the order of `ClockKind::ALL`.
    pub fn clocks(self, risk: Risk) -> Vec<ClockKind> {
        ClockKind::ALL.iter().copied().filter(|kind| self.any(ClockAlerts::bit(*kind, risk))).collect()
    }
}

/// The standing of `clock` computed at `now`, at risk past `fraction` of its target; `None` for
/// a clock that ended or has no target.
pub fn standing(
    clock: &ClockState,
    targets: &ClockTargets<'_>,
    fraction: f64,
    now: DateTime<Utc>,
) -> Option<ClockStanding> {
    if !clock.is_open() || clock.target.is_none() {
        return None;
    }
    // A clock is overdue once the instant is *after* its due instant (`clock::compute_clocks`);
    // instants are kept to the millisecond, so the first overdue one is a millisecond later.
    let overdue = |due: DateTime<Utc>| due + Duration::milliseconds(1);
    let at_risk = clock.instant_at_fraction(targets, fraction).map(ceil_to_millisecond);
    // An overdue clock is at risk too: at risk from the earlier of the two instants, so that
    // "at risk or overdue at t" is `at_risk_from <= t` alone.
    let running = |breached_from: Option<DateTime<Utc>>| {
        let at_risk_from = match (at_risk, breached_from) {
            (Some(at_risk), Some(breached)) => Some(at_risk.min(breached)),
            (at_risk, breached) => at_risk.or(breached),
        };
        (at_risk_from, breached_from)
    };
    let (at_risk_from, breached_from) = match clock.state {
        ClockPhase::Breached => running(clock.breached_at.map(overdue)),
        ClockPhase::Running => running(clock.due_at.map(overdue)),
        // A paused clock counts no time: it is at risk already, or not until it resumes.
        ClockPhase::Paused => match risk(clock, fraction) {
            Risk::AtRisk => (Some(at_risk.map_or(now, |at| at.min(now))), None),
            _ => (None, None),
        },
        ClockPhase::Met | ClockPhase::Stopped => return None,
    };
    Some(ClockStanding { kind: clock.kind, at_risk_from, breached_from })
}

/// `at` rounded up to the millisecond, the precision instants are stored with.
fn ceil_to_millisecond(at: DateTime<Utc>) -> DateTime<Utc> {
    let truncated = at - Duration::nanoseconds(i64::from(at.timestamp_subsec_nanos() % 1_000_000));
    if truncated == at {
        at
    } else {
        truncated + Duration::milliseconds(1)
    }
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

pub mod holds;
pub mod review;
pub mod time_report;

#[cfg(test)]
mod tests;
