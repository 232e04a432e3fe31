//! SLA clocks: how long a ticket has waited for what, derived from its event log by one pure
//! function, [`compute_clocks`].
//!
//! The clocks are a function of the event log, the targets, the pause rules and `now`, and of
//! nothing else. Nothing is carried from one call to the next, so a change of priority, policy or
//! calendar in the middle of a ticket is taken into account by calling again with the new targets,
//! and the answer is exactly what a fresh replay gives: no drift, no lost pause time.
//!
//! # Time
//!
//! - The ticket's clocks start at the first event of its log, which is `Created` in every log the
//!   product writes; a `Created` event anywhere else changes nothing.
//! - Events are taken in `sequence` order. An event whose `at` is earlier than its predecessor's is
//!   taken at its predecessor's instant, so time never runs backwards in a replay.
//! - A `now` earlier than the last event is raised to that event's instant: the log is the record,
//!   and a reply must not be missed because one server's clock lags another's. The instant used is
//!   reported as [`TicketClocks::computed_at`].
//! - Each clock kind counts business time of its own calendar ([`KindTarget::calendar`]), with the
//!   calendar's half-open ranges; paused time is handed to the calendar as [`Pause`]s, so time that
//!   is out of hours or paused (or both) never counts.
//!
//! # Clocks and their cycles
//!
//! Each kind runs in cycles, numbered from 1 per kind. A cycle starts, runs (possibly pausing) and
//! ends; at most one cycle of each kind is open at a time.
//!
//! - **First response** has one cycle, from creation to the first `PublicReply`. Internal notes
//!   and customer messages do not count: only an agent's public reply answers the customer.
//! - **Next response** is armed by a `CustomerMessage` that no `PublicReply` has answered yet; the
//!   cycle starts at the oldest unanswered message (later messages do not restart it) and ends at
//!   the next `PublicReply`. While the first-response cycle is open it already measures the
//!   customer's wait, so messages before the first response arm nothing. A message written while
//!   the ticket is resolved or closed arms a cycle that starts when the ticket is reopened (no clock
//!   runs on a done ticket); resolving the ticket counts as dealing with the messages before it.
//! - **Resolution** runs from creation, and again from each reopening, to the ticket's resolution.
//!   A reopening is a status change from `Resolved` or `Closed` to a status that is not done.
//! - **Tier budget** starts when a tier receives the ticket: an assignment move (`AssignmentChanged`,
//!   or `Escalated`) to a tier other than the current one. The cycle ends when the ticket leaves the
//!   tier (for another tier or for none); each holding is its own cycle with the full budget of the
//!   tier, and the time of all holdings of a tier adds up in [`TicketClocks::tier_consumption`]. A
//!   move within the tier (another group or agent) changes nothing. A reopened ticket that still
//!   sits with a tier starts a new holding of that tier.
//!
//! # Pauses and resumption
//!
//! [`PauseRules`] say which statuses pause which clocks; a clock is paused for exactly as long as
//! the ticket is in such a status, so any status change resumes it. A customer message on a
//! `Pending` ticket (which waits on the customer) ends that pause even if no status change follows
//! it; the product also sets such a ticket back to open at the same instant. A customer message on
//! an `OnHold` ticket does not resume: the ticket still waits on the third party.
//!
//! # Stopping
//!
//! A status change to `Resolved` or `Closed` ends every open cycle of the ticket at that instant.
//!
//! # Targets and verdicts
//!
//! Each cycle is judged against the targets passed in, which are those of the ticket's *current*
//! facts, including cycles that ended long ago: a verdict is recomputed on every call, and a caller
//! that must freeze a historical verdict stores it. For a cycle with a target:
//!
//! - `due_at` is the instant its business time reaches the target, counting the pauses it saw. It
//!   is exact for cycles that ended or run now; for a paused cycle it is the instant the target
//!   would be reached if the clock resumed now.
//! - The cycle is [`ClockPhase::Breached`] once its end (or `now`, while open) is after `due_at`,
//!   and `breached_at` is `due_at`. A breach is final: it stays whether the cycle is still open or
//!   has ended since. Ending exactly at `due_at` meets the target.
//! - `remaining` is the target minus the business time elapsed (frozen at the end of an ended
//!   cycle). It is negative once a running cycle is overdue in business time, and may be zero in a
//!   breached cycle whose due instant passed outside business hours.
//!
//! A cycle without a target is [`ClockPhase::Stopped`]: it is measured but never met or breached.
//! When a calendar has no open time at all, `due_at` is `None` and the cycle cannot breach.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Pause, Segment};
use crate::ticket::{Assignment, EventData, TicketEvent, TicketStatus};

/// The kinds of SLA clock are named by the ticket's events, so they live with them.
pub use crate::ticket::ClockKind;

impl ClockKind {
    /// The position in [`ClockKind::ALL`], for per-kind tables.
    fn index(self) -> usize {
        match self {
            ClockKind::FirstResponse => 0,
            ClockKind::NextResponse => 1,
            ClockKind::Resolution => 2,
            ClockKind::TierBudget => 3,
        }
    }
}

/// Which waiting statuses pause which clocks; part of the escalation policy.
///
/// `New` and `Open` never pause (the ticket is being worked), and `Resolved` and `Closed` stop
/// every clock instead of pausing it, so only the two waiting statuses are configurable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PauseRules {
    /// The clocks paused while the ticket waits on the customer.
    pub pending: Vec<ClockKind>,
    /// The clocks paused while the ticket waits on a third party.
    pub on_hold: Vec<ClockKind>,
}

impl Default for PauseRules {
    /// Waiting on the customer or on a third party pauses resolution and the tier's budget, as
    /// the product's policy defaults say; a policy may choose otherwise per status. The response
    /// clocks never pause by default: a customer who wrote is owed an answer.
    fn default() -> Self {
        PauseRules {
            pending: vec![ClockKind::Resolution, ClockKind::TierBudget],
            on_hold: vec![ClockKind::Resolution, ClockKind::TierBudget],
        }
    }
}

impl PauseRules {
    /// Rules under which no status pauses any clock.
    pub fn none() -> PauseRules {
        PauseRules { pending: Vec::new(), on_hold: Vec::new() }
    }

    /// The clocks that `status` pauses.
    pub fn paused_in(&self, status: TicketStatus) -> &[ClockKind] {
        match status {
            TicketStatus::Pending => &self.pending,
            TicketStatus::OnHold => &self.on_hold,
            TicketStatus::New | TicketStatus::Open | TicketStatus::Resolved | TicketStatus::Closed => &[],
        }
    }

    /// Whether `status` pauses clocks of `kind`.
    pub fn pauses(&self, status: TicketStatus, kind: ClockKind) -> bool {
        self.paused_in(status).contains(&kind)
    }
}

/// A target duration and the human explanation of where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRule {
    /// Business time allowed; `None` when the policy sets no target.
    pub target: Option<Duration>,
    /// Where the target came from, e.g. "targets rule 1 (priority urgent; plan enterprise)".
    pub rule: String,
}

impl TargetRule {
    /// A target of `target` business time, explained by `rule`.
    pub fn new(target: Duration, rule: impl Into<String>) -> TargetRule {
        TargetRule { target: Some(target), rule: rule.into() }
    }

    /// No target, explained by `rule` (e.g. "no targets rule matches").
    pub fn none(rule: impl Into<String>) -> TargetRule {
        TargetRule { target: None, rule: rule.into() }
    }
}

/// The calendar and target of one clock kind, already resolved by the caller.
#[derive(Clone, Debug)]
pub struct KindTarget<'a> {
    /// The business calendar the kind counts in.
    pub calendar: &'a Calendar,
    /// The target under the ticket's current facts.
    pub target: TargetRule,
}

/// The calendar and the per-tier budgets of the tier budget clock.
#[derive(Clone, Debug)]
pub struct TierBudgetTargets<'a> {
    /// The business calendar budgets count in; tier consumption is measured in it too.
    pub calendar: &'a Calendar,
    /// Budgets by tier id.
    pub by_tier: BTreeMap<i64, TargetRule>,
    /// The budget of tiers missing from `by_tier`.
    pub other_tiers: TargetRule,
}

/// Everything the caller decides from the ticket's current facts (priority, plan, policy).
#[derive(Clone, Debug)]
pub struct ClockTargets<'a> {
    /// Time allowed until the first public reply.
    pub first_response: KindTarget<'a>,
    /// Time allowed to answer a customer's message after the first response.
    pub next_response: KindTarget<'a>,
    /// Time allowed to resolve, per cycle (from creation or a reopening).
    pub resolution: KindTarget<'a>,
    /// Time each tier may hold the ticket, per holding.
    pub tier_budget: TierBudgetTargets<'a>,
}

impl<'a> ClockTargets<'a> {
    /// The calendar clocks of `kind` count in.
    pub fn calendar(&self, kind: ClockKind) -> &'a Calendar {
        match kind {
            ClockKind::FirstResponse => self.first_response.calendar,
            ClockKind::NextResponse => self.next_response.calendar,
            ClockKind::Resolution => self.resolution.calendar,
            ClockKind::TierBudget => self.tier_budget.calendar,
        }
    }

    /// The target of clocks of `kind`; `tier_id` matters only for the tier budget.
    pub fn target(&self, kind: ClockKind, tier_id: Option<i64>) -> &TargetRule {
        match kind {
            ClockKind::FirstResponse => &self.first_response.target,
            ClockKind::NextResponse => &self.next_response.target,
            ClockKind::Resolution => &self.resolution.target,
            ClockKind::TierBudget => tier_id
                .and_then(|tier_id| self.tier_budget.by_tier.get(&tier_id))
                .unwrap_or(&self.tier_budget.other_tiers),
        }
    }
}

/// Where a cycle stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockPhase {
    /// Open, counting, and not yet past its due instant.
    Running,
    /// Open, paused by the ticket's status, and not past its due instant.
    Paused,
    /// Ended at or before its due instant.
    Met,
    /// Past its due instant: ended late, or still open and overdue (then `ended_at` is `None`).
    Breached,
    /// No target applies: measured, but never met or breached. `ended_at` tells whether it is open.
    Stopped,
}

/// Why a cycle ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleEnd {
    /// An agent's public reply answered the customer (response clocks).
    Answered,
    /// The ticket was resolved or closed.
    TicketDone,
    /// The ticket moved to another tier, or to none (tier budget).
    LeftTier,
}

/// One cycle of one clock, as of [`TicketClocks::computed_at`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    /// Which clock this is a cycle of.
    pub kind: ClockKind,
    /// 1-based, counted per kind.
    pub cycle: u32,
    /// The tier holding the ticket, for the tier budget; `None` for the other kinds.
    pub tier_id: Option<i64>,
    /// Where the cycle stands; see [`ClockPhase`].
    pub state: ClockPhase,
    /// Whether the cycle is open and the ticket's status pauses it now (also when breached).
    pub paused: bool,
    /// The instant the cycle started (creation, a message, a reopening or a tier move).
    pub started_at: DateTime<Utc>,
    /// The target business time the cycle was judged against.
    pub target: Option<Duration>,
    /// When the target is (or was) reached; see the module documentation for paused cycles.
    pub due_at: Option<DateTime<Utc>>,
    /// `None` while the cycle is open.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why the cycle ended; `None` while it is open.
    pub ended_by: Option<CycleEnd>,
    /// Business time counted, excluding out-of-hours and paused time, up to the end or now.
    pub elapsed: Duration,
    /// The target minus `elapsed`; negative once overdue in business time.
    pub remaining: Option<Duration>,
    /// The instant the target was exceeded, kept after the cycle ends.
    pub breached_at: Option<DateTime<Utc>>,
    /// Where the target came from.
    pub rule: String,
    /// The paused intervals within the cycle, the last one ending at the end or now at the latest.
    pub pauses: Vec<Pause>,
    /// Running (business), paused and out-of-hours stretches covering `[started_at, end or now)`;
    /// the business ones add up to `elapsed`.
    pub explanation: Vec<Segment>,
}

impl ClockState {
    /// Whether the cycle has not ended.
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }

    /// The instant at which `fraction` of the target is used up (0.5 and 0.75 for reminders),
    /// counted exactly like `due_at`: in the kind's calendar, skipping the pauses the cycle saw (a
    /// paused cycle as if it resumed now). `fraction` 1 gives `due_at`.
    ///
    /// Pass the targets the clocks were computed with; only the kind's calendar is taken from
    /// them. `None` without a target, for a negative or non-finite fraction, or when the calendar
    /// has no open time.
    pub fn instant_at_fraction(&self, targets: &ClockTargets<'_>, fraction: f64) -> Option<DateTime<Utc>> {
        let part = scale_duration(self.target?, fraction)?;
        targets.calendar(self.kind).add_business_time(self.started_at, part, &self.pauses).ok()
    }
}

/// `duration * fraction`, to the nanosecond where that fits; `None` for a negative or non-finite
/// fraction.
fn scale_duration(duration: Duration, fraction: f64) -> Option<Duration> {
    if !fraction.is_finite() || fraction < 0.0 {
        return None;
    }
    // Float to integer casts saturate, so an absurd product stays a (huge) valid duration.
    Some(match duration.num_nanoseconds() {
        Some(nanoseconds) => Duration::nanoseconds((nanoseconds as f64 * fraction).round() as i64),
        None => Duration::milliseconds((duration.num_milliseconds() as f64 * fraction).round() as i64),
    })
}

/// The business time one tier held the ticket, over all its holdings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierConsumption {
    /// The tier.
    pub tier_id: i64,
    /// Business time in the tier budget's calendar, excluding paused time.
    pub consumed: Duration,
    /// How many times the tier received the ticket.
    pub holdings: u32,
}

/// The wall-clock time the ticket spent in one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTime {
    /// The status.
    pub status: TicketStatus,
    /// Real (not business) time, up to [`TicketClocks::computed_at`].
    pub wall_time: Duration,
}

/// Every clock cycle of a ticket, with the reports built from the same replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClocks {
    /// The instant the clocks were computed for: `now`, or the last event's instant if later.
    pub computed_at: DateTime<Utc>,
    /// Ordered by kind (as in [`ClockKind::ALL`]), then by cycle.
    pub clocks: Vec<ClockState>,
    /// Per tier in the order tiers first received the ticket; for the bottleneck report.
    pub tier_consumption: Vec<TierConsumption>,
    /// Every status in [`TicketStatus::ALL`] order, zero for those never held.
    pub time_in_status: Vec<StatusTime>,
}

impl TicketClocks {
    /// The earliest due instant among running cycles: when the next breach happens if nothing
    /// changes. Paused and already breached cycles are left out, since neither can newly breach
    /// before the next event (which calls for a recomputation anyway).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.clocks
            .iter()
            .filter(|clock| clock.state == ClockPhase::Running)
            .filter_map(|clock| clock.due_at)
            .min()
    }

    /// The latest cycle of `kind`, open or not.
    pub fn latest(&self, kind: ClockKind) -> Option<&ClockState> {
        self.clocks.iter().rfind(|clock| clock.kind == kind)
    }

    /// The open cycles.
    pub fn open(&self) -> impl Iterator<Item = &ClockState> + '_ {
        self.clocks.iter().filter(|clock| clock.is_open())
    }
}

/// A cycle as found by the walk over the log, before it is measured.
struct CycleSpan {
    kind: ClockKind,
    cycle: u32,
    tier_id: Option<i64>,
    start: DateTime<Utc>,
    end: Option<(DateTime<Utc>, CycleEnd)>,
}

/// A stretch `[from, to)` during which the ticket's pause state did not change.
struct StatusStretch {
    status: TicketStatus,
    /// A customer wrote while the ticket was pending, ending the wait on them.
    customer_answered: bool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl StatusStretch {
    fn pauses(&self, rules: &PauseRules, kind: ClockKind) -> bool {
        let waiting_on_customer = self.status == TicketStatus::Pending && !self.customer_answered;
        (self.status != TicketStatus::Pending || waiting_on_customer) && rules.pauses(self.status, kind)
    }
}

/// The state of the walk over the log.
struct Walk {
    spans: Vec<CycleSpan>,
    /// Per kind: the index in `spans` of the open cycle.
    open: [Option<usize>; 4],
    /// Per kind: how many cycles have started.
    started: [u32; 4],
    status: TicketStatus,
    customer_answered: bool,
    status_since: DateTime<Utc>,
    stretches: Vec<StatusStretch>,
    tier_id: Option<i64>,
    /// Whether the first response was given or its cycle ended otherwise.
    first_response_over: bool,
    /// A customer wrote while the ticket was done and no public reply has answered since.
    unanswered_while_done: bool,
}

impl Walk {
    fn new(created_at: DateTime<Utc>) -> Walk {
        let mut walk = Walk {
            spans: Vec::new(),
            open: [None; 4],
            started: [0; 4],
            status: TicketStatus::New,
            customer_answered: false,
            status_since: created_at,
            stretches: Vec::new(),
            tier_id: None,
            first_response_over: false,
            unanswered_while_done: false,
        };
        walk.start(ClockKind::FirstResponse, created_at, None);
        walk.start(ClockKind::Resolution, created_at, None);
        walk
    }

    fn is_open(&self, kind: ClockKind) -> bool {
        self.open[kind.index()].is_some()
    }

    fn start(&mut self, kind: ClockKind, at: DateTime<Utc>, tier_id: Option<i64>) {
        // Callers end the open cycle first (with the reason they know): one open cycle per kind.
        debug_assert!(self.open[kind.index()].is_none(), "a {kind} cycle is already open");
        self.started[kind.index()] += 1;
        self.open[kind.index()] = Some(self.spans.len());
        self.spans.push(CycleSpan { kind, cycle: self.started[kind.index()], tier_id, start: at, end: None });
    }

    fn end(&mut self, kind: ClockKind, at: DateTime<Utc>, reason: CycleEnd) {
        if let Some(span) = self.open[kind.index()].take().and_then(|index| self.spans.get_mut(index)) {
            span.end = Some((at, reason));
        }
    }

    /// Closes the current pause-state stretch at `at` and opens the next.
    fn change_pause_state(&mut self, at: DateTime<Utc>, status: TicketStatus, customer_answered: bool) {
        if (status, customer_answered) == (self.status, self.customer_answered) {
            return;
        }
        self.stretches.push(StatusStretch {
            status: self.status,
            customer_answered: self.customer_answered,
            from: self.status_since,
            to: at,
        });
        self.status = status;
        self.customer_answered = customer_answered;
        self.status_since = at;
    }

    fn apply(&mut self, data: &EventData, at: DateTime<Utc>) {
        match data {
            EventData::CustomerMessage { .. } => self.customer_message(at),
            EventData::PublicReply { .. } => {
                self.end(ClockKind::FirstResponse, at, CycleEnd::Answered);
                self.end(ClockKind::NextResponse, at, CycleEnd::Answered);
                self.first_response_over = true;
                self.unanswered_while_done = false;
            }
            EventData::StatusChanged { to, .. } => self.status_change(*to, at),
            _ => {
                if let Some(to) = assignment_move(data) {
                    self.tier_move(to.tier_id, at);
                }
            }
        }
    }

    fn customer_message(&mut self, at: DateTime<Utc>) {
        if self.status.is_done() {
            // No clock runs on a done ticket: the wait is counted from the reopening, if any.
            self.unanswered_while_done = true;
            return;
        }
        if self.status == TicketStatus::Pending {
            self.change_pause_state(at, TicketStatus::Pending, true);
        }
        // While the first response is owed its clock measures the wait; an open next-response
        // cycle already runs from an older message.
        if self.first_response_over && !self.is_open(ClockKind::NextResponse) {
            self.start(ClockKind::NextResponse, at, None);
        }
    }

    fn status_change(&mut self, to: TicketStatus, at: DateTime<Utc>) {
        let was_done = self.status.is_done();
        self.change_pause_state(at, to, false);
        if to.is_done() && !was_done {
            for &kind in ClockKind::ALL {
                self.end(kind, at, CycleEnd::TicketDone);
            }
            self.first_response_over = true;
            self.unanswered_while_done = false;
        } else if was_done && !to.is_done() {
            self.start(ClockKind::Resolution, at, None);
            if let Some(tier_id) = self.tier_id {
                self.start(ClockKind::TierBudget, at, Some(tier_id));
            }
            if std::mem::take(&mut self.unanswered_while_done) {
                self.start(ClockKind::NextResponse, at, None);
            }
        }
    }

    fn tier_move(&mut self, to_tier: Option<i64>, at: DateTime<Utc>) {
        if to_tier == self.tier_id {
            return;
        }
        self.end(ClockKind::TierBudget, at, CycleEnd::LeftTier);
        self.tier_id = to_tier;
        if let (Some(tier_id), false) = (to_tier, self.status.is_done()) {
            self.start(ClockKind::TierBudget, at, Some(tier_id));
        }
    }

    /// Closes the last stretch at `now`.
    fn finish(mut self, now: DateTime<Utc>) -> (Vec<CycleSpan>, Vec<StatusStretch>) {
        self.stretches.push(StatusStretch {
            status: self.status,
            customer_answered: self.customer_answered,
            from: self.status_since,
            to: now,
        });
        (self.spans, self.stretches)
    }
}

/// The assignment an event moves the ticket to, if it moves it.
fn assignment_move(data: &EventData) -> Option<&Assignment> {
    match data {
        EventData::AssignmentChanged { to, .. }
        | EventData::Escalated { to, .. }
        | EventData::Deescalated { to, .. } => Some(to),
        _ => None,
    }
}

/// Every SLA clock cycle of a ticket as of `now`, with per-tier consumption and time per status.
///
/// `events` is the ticket's log (taken in `sequence` order); `targets` and `pause_rules` are those
/// of the ticket's current facts. See the module documentation for the semantics. An empty log has
/// no clocks.
pub fn compute_clocks(
    events: &[TicketEvent],
    targets: &ClockTargets<'_>,
    pause_rules: &PauseRules,
    now: DateTime<Utc>,
) -> TicketClocks {
    let mut ordered: Vec<&TicketEvent> = events.iter().collect();
    ordered.sort_by_key(|event| event.sequence);
    let Some(first) = ordered.first() else {
        return TicketClocks {
            computed_at: now,
            clocks: Vec::new(),
            tier_consumption: Vec::new(),
            time_in_status: TicketStatus::ALL
                .iter()
                .map(|&status| StatusTime { status, wall_time: Duration::zero() })
                .collect(),
        };
    };

    let mut walk = Walk::new(first.at);
    let mut clock_time = first.at;
    for event in &ordered {
        clock_time = clock_time.max(event.at);
        walk.apply(&event.data, clock_time);
    }
    let now = now.max(clock_time);
    let (mut spans, stretches) = walk.finish(now);
    // Spans were pushed in time order, so a stable sort by kind leaves each kind's cycles in order.
    spans.sort_by_key(|span| span.kind);

    let paused_now = |kind: ClockKind| stretches.last().is_some_and(|last| last.pauses(pause_rules, kind));
    let clocks: Vec<ClockState> = spans
        .iter()
        .map(|span| measure(span, targets, &pause_intervals(&stretches, pause_rules, span), paused_now, now))
        .collect();

    TicketClocks {
        computed_at: now,
        tier_consumption: tier_consumption(&clocks),
        time_in_status: time_in_status(&stretches),
        clocks,
    }
}

/// The paused intervals of `span`'s kind within the span, up to its end or `now`.
fn pause_intervals(stretches: &[StatusStretch], rules: &PauseRules, span: &CycleSpan) -> Vec<Pause> {
    let end = span.end.map(|(at, _)| at);
    stretches
        .iter()
        .filter(|stretch| stretch.pauses(rules, span.kind))
        .map(|stretch| {
            Pause::new(stretch.from.max(span.start), end.map_or(stretch.to, |end| stretch.to.min(end)))
        })
        .filter(|pause| pause.from < pause.to)
        .collect()
}

/// Measures one cycle against its target.
fn measure(
    span: &CycleSpan,
    targets: &ClockTargets<'_>,
    pauses: &[Pause],
    paused_now: impl Fn(ClockKind) -> bool,
    now: DateTime<Utc>,
) -> ClockState {
    let calendar = targets.calendar(span.kind);
    let target_rule = targets.target(span.kind, span.tier_id);
    let until = span.end.map_or(now, |(at, _)| at);
    let elapsed = calendar.business_time_between(span.start, until, pauses);
    // Pauses are known up to `until` only, so a running cycle's due instant assumes no further
    // pause and a paused one's assumes it resumes now.
    let due_at =
        target_rule.target.and_then(|target| calendar.add_business_time(span.start, target, pauses).ok());
    let breached_at = due_at.filter(|due| until > *due);
    let open = span.end.is_none();
    let paused = open && paused_now(span.kind);
    let state = match (target_rule.target, breached_at, open) {
        (None, _, _) => ClockPhase::Stopped,
        (Some(_), Some(_), _) => ClockPhase::Breached,
        (Some(_), None, false) => ClockPhase::Met,
        (Some(_), None, true) if paused => ClockPhase::Paused,
        (Some(_), None, true) => ClockPhase::Running,
    };
    ClockState {
        kind: span.kind,
        cycle: span.cycle,
        tier_id: span.tier_id,
        state,
        paused,
        started_at: span.start,
        target: target_rule.target,
        due_at,
        ended_at: span.end.map(|(at, _)| at),
        ended_by: span.end.map(|(_, reason)| reason),
        elapsed,
        remaining: target_rule.target.map(|target| target - elapsed),
        breached_at,
        rule: target_rule.rule.clone(),
        pauses: pauses.to_vec(),
        explanation: calendar.segments(span.start, until, pauses),
    }
}

fn tier_consumption(clocks: &[ClockState]) -> Vec<TierConsumption> {
    let mut consumption: Vec<TierConsumption> = Vec::new();
    for clock in clocks.iter().filter(|clock| clock.kind == ClockKind::TierBudget) {
        let Some(tier_id) = clock.tier_id else { continue };
        match consumption.iter_mut().find(|entry| entry.tier_id == tier_id) {
            Some(entry) => {
                entry.consumed += clock.elapsed;
                entry.holdings += 1;
            }
            None => consumption.push(TierConsumption { tier_id, consumed: clock.elapsed, holdings: 1 }),
        }
    }
    consumption
}

fn time_in_status(stretches: &[StatusStretch]) -> Vec<StatusTime> {
    TicketStatus::ALL
        .iter()
        .map(|&status| StatusTime {
            status,
            wall_time: stretches
                .iter()
                .filter(|stretch| stretch.status == status)
                .map(|stretch| stretch.to - stretch.from)
                .fold(Duration::zero(), |total, part| total + part),
        })
        .collect()
}

#[cfg(test)]
mod tests;
