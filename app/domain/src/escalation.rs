//! The escalation engine's decision: one pure step over (ticket, event log, policy, calendars,
//! the thresholds that already fired, now) returning what should happen. The worker only loads
//! the inputs, calls [`decide`] and persists the answer in one transaction; the same inputs
//! always give the same answer.
//!
//! What it decides, in this order:
//! 1. **Routing.** A ticket no tier holds goes to the holder of the first matching routing
//!    criterion, or else to ladder level 1.
//! 2. **Immediate escalation.** A matching `escalate_to_level` criterion above the ticket's level
//!    moves it there at once.
//! 3. **Thresholds.** Every reminder (at a fraction of a clock's target) and every breach (the
//!    whole target) whose instant has passed and that has not fired yet fires now, in the order of
//!    their instants. A threshold of a cycle that already ended, or a reminder that a later
//!    threshold of the same cycle has overtaken, is recorded without being sent. The breach of the
//!    tier budget runs the ladder level's breach actions (next level, notify the lead or managers,
//!    raise the priority); a move to the next level starts that level's budget *at the breach
//!    instant*, so after downtime the ladder cascades exactly as if the engine had run.
//! 4. **The next due instant**: the earliest threshold still ahead — or instant a clock becomes at
//!    risk or overdue — for the worker to sleep until, and how each open clock stands
//!    ([`ClockStanding`], stored as [`ClockAlerts`]) for the dashboard and the queue's filters.
//!
//! Each threshold is identified by a [`ThresholdKey`] (clock, cycle, threshold); the store keeps
//! them under a unique key so each fires once, whatever the number of engine instances.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::clock::{
    compute_clocks, ClockKind, ClockPhase, ClockTargets, KindTarget, TargetRule, TicketClocks,
    TierBudgetTargets,
};
use super::directory::Directory;
use super::ladder::{holder_assignment, place_on_ladder, LadderPlace};
use super::policy::{BreachAction, CriterionAction, CriterionFacts, EventKind, Policy};
use super::routing::{place, AgentInfo};
use super::ticket::{EventData, Priority, Ticket, TicketEvent};
use super::tracking::{self, at_risk_fraction, ClockAlerts, ClockStanding};

/// One threshold of one clock cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ThresholdKey {
    pub clock: ClockKind,
    pub cycle: u32,
    pub threshold: Threshold,
}

/// A reminder at a fraction of the target (in per mille, so keys compare exactly), the breach,
/// or a tier's checkpoint: a public update due while the tier holds the ticket. For a checkpoint
/// the key's `cycle` is the sequence number of the event that started the period (the tier
/// receiving the ticket, or the last public reply), so each period fires at most once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Threshold {
    Reminder { permille: u32 },
    Breach,
    Checkpoint,
}

impl Threshold {
    /// As stored: `reminder:750` or `breach`.
    pub fn as_text(self) -> String {
        match self {
            Threshold::Reminder { permille } => format!("reminder:{permille}"),
            Threshold::Breach => "breach".to_string(),
            Threshold::Checkpoint => "checkpoint".to_string(),
        }
    }

    pub fn parse(text: &str) -> Option<Threshold> {
        match text.split_once(':') {
            Some(("reminder", permille)) => {
                permille.parse().ok().map(|permille| Threshold::Reminder { permille })
            }
            None if text == "breach" => Some(Threshold::Breach),
            None if text == "checkpoint" => Some(Threshold::Checkpoint),
            _ => None,
        }
    }

    fn fraction(self) -> f64 {
        match self {
            Threshold::Reminder { permille } => f64::from(permille) / 1000.0,
            Threshold::Breach | Threshold::Checkpoint => 1.0,
        }
    }
}

/// A threshold the engine records now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    pub key: ThresholdKey,
    /// When the threshold was reached.
    pub due_at: DateTime<Utc>,
    /// Recorded on catching up, noticeably after `due_at`.
    pub late: bool,
    /// Recorded without sending anything: a later threshold of the cycle had passed too, or the
    /// cycle had ended.
    pub overtaken: bool,
}

/// Something people should hear about; the notification rules of the policy turn it into
/// deliveries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationIntent {
    pub kind: EventKind,
    /// The ladder level of the ticket when it happened.
    pub level: i64,
    pub priority: Priority,
    pub clock: Option<ClockKind>,
    /// Who, beyond the policy's rules for `kind`, a breach action asks to tell.
    pub also_tell: Option<BreachAction>,
    /// One sentence for the message.
    pub summary: String,
}

/// What should happen now.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub firings: Vec<Firing>,
    /// Events to append, each batch at its instant (a breach handled on catching up is written at
    /// the breach instant), in order.
    pub batches: Vec<(DateTime<Utc>, Vec<EventData>)>,
    pub intents: Vec<NotificationIntent>,
    /// The earliest instant something will be due, if any.
    pub next_due: Option<DateTime<Utc>>,
    /// The earliest instant a running clock breaches, if any: what the queue sorts by.
    pub next_breach: Option<DateTime<Utc>>,
    /// Where each open clock stands once the decision is applied (none for a done ticket).
    pub standing: Vec<ClockStanding>,
    /// How the clocks stand at the decision's instant: what the store keeps on the ticket. The
    /// decision's `next_due` is no later than the next instant they change.
    pub alerts: ClockAlerts,
    /// A clock became at risk or overdue since the ticket last changed, with no event to tell of
    /// it: the dashboards should hear of the ticket anyway.
    pub risk_reached: bool,
    /// When the ticket stalls (or stalled) in the tier holding it, while nothing is done with it;
    /// `None` when it cannot stall (no `stall_after`, or not being worked).
    pub stalled_from: Option<DateTime<Utc>>,
}

/// Everything about the organisation the decision needs besides the ticket.
pub struct EngineContext<'a> {
    pub policy: &'a Policy,
    /// Business calendars by name, as the policy names them.
    pub calendars: &'a BTreeMap<String, Calendar>,
    pub directory: &'a Directory,
    /// Staff as routing sees them: skills, working calendar, open tickets.
    pub agents: &'a BTreeMap<i64, AgentInfo>,
    /// The plan of the ticket's organisation.
    pub plan: &'a str,
}

/// Firings later than this after their threshold are marked late: the engine was not running,
/// rather than merely busy.
pub const LATE_AFTER: Duration = Duration::seconds(5);

/// A bound on how many thresholds one decision handles, so a policy that keeps moving a ticket
/// (a ladder whose levels all have zero budgets, say) cannot loop.
const MAX_STEPS: usize = 64;

/// The clocks of `ticket` under the policy, as the ticket page shows them.
pub fn clocks(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    events: &[TicketEvent],
    now: DateTime<Utc>,
) -> TicketClocks {
    let fallback = Calendar::always_open(chrono_tz::UTC);
    let targets = targets(context, ticket, &fallback);
    compute_clocks(events, &targets, &context.policy.pause_rules, now)
}

/// When `ticket` stalls (or stalled) in the tier holding it, with the tier's last activity on it,
/// as the engine judges it; `None` when it cannot stall.
pub fn stalled_from(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    events: &[TicketEvent],
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let fallback = Calendar::always_open(chrono_tz::UTC);
    let targets = targets(context, ticket, &fallback);
    stall(context, ticket, events, &targets).map(|stall| (stall.since, stall.at))
}

/// Decides what should happen to `ticket` at `now`.
pub fn decide(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    events: &[TicketEvent],
    fired: &BTreeSet<ThresholdKey>,
    now: DateTime<Utc>,
) -> Decision {
    let mut decision = Decision::default();
    let mut ticket = ticket.clone();
    let mut log = events.to_vec();
    let mut fired = fired.clone();
    if ticket.status.is_done() {
        // Resolved and closed tickets have no running clocks; record what passed unrecorded.
        record_passed_thresholds_as_overtaken(context, &ticket, &log, &mut fired, now, &mut decision);
        return decision;
    }

    if let Some((data, at)) = routing(context, &ticket, &log, now) {
        append(&mut decision, &mut ticket, &mut log, at, vec![data]);
    }

    let fallback = Calendar::always_open(chrono_tz::UTC);
    for _ in 0..MAX_STEPS {
        let targets = targets(context, &ticket, &fallback);
        let clocks = compute_clocks(&log, &targets, &context.policy.pause_rules, now);
        let mut passed = passed_thresholds(context, &ticket, &clocks, &targets, &fired, now);
        let checkpoint = checkpoint(context, &ticket, &log, &targets).filter(|(key, _)| !fired.contains(key));
        if let Some((key, due_at)) = checkpoint.filter(|(_, due_at)| *due_at <= now) {
            passed.push(Passed { key, due_at, ended: false, current_holding: true });
            passed.sort_by_key(|candidate| (candidate.due_at, candidate.key));
        }
        let stall = stall(context, &ticket, &log, &targets);
        if passed.is_empty() {
            if let Some(stall) = stall.filter(|stall| stall.at <= now && !stall.told) {
                let late = now - stall.at > LATE_AFTER;
                decision.intents.push(NotificationIntent {
                    kind: EventKind::Stalled,
                    level: current_place(context, &ticket).level,
                    priority: ticket.priority,
                    clock: None,
                    also_tell: None,
                    summary: format!(
                        "Ticket #{} stalled in {}: nothing done with it since {}",
                        ticket.id,
                        context.directory.tier_name(Some(stall.tier_id)).unwrap_or("its tier"),
                        super::describe::format_instant(stall.since, super::describe::Precision::Minute)
                    ),
                });
                let event = EventData::Stalled { tier_id: stall.tier_id, since: stall.since, late };
                let written_at = stall.at.max(last_instant(&log));
                append(&mut decision, &mut ticket, &mut log, written_at, vec![event]);
                continue;
            }
        }
        let Some(first) = passed.first().cloned() else {
            let upcoming_checkpoint = checkpoint.map(|(_, due_at)| due_at).filter(|due_at| *due_at > now);
            let standing = standing(context, &ticket, &clocks, &targets, now);
            // The engine wakes when a clock becomes at risk or overdue too, so the stored alerts
            // and the figures move at that instant even where nothing fires then (a breach fires
            // at the due instant; the clock is overdue a millisecond later).
            let changes = |clock: &ClockStanding| [clock.at_risk_from, clock.breached_from];
            let upcoming_risk = standing.iter().flat_map(changes).flatten().filter(|at| *at > now);
            decision.next_due = next_due(context, &ticket, &clocks, &targets, &fired, now)
                .into_iter()
                .chain(upcoming_checkpoint)
                .chain(next_age_escalation(context, &ticket, &log, now))
                .chain(upcoming_risk)
                .chain(stall.map(|stall| stall.at).filter(|at| *at > now))
                .min();
            decision.stalled_from = stall.map(|stall| stall.at);
            decision.next_breach = clocks.next_due();
            let last_change = last_instant(&log);
            decision.risk_reached =
                standing.iter().flat_map(changes).flatten().any(|at| at > last_change && at <= now);
            decision.alerts = ClockAlerts::at(&standing, now);
            decision.standing = standing;
            return decision;
        };
        // Everything passed at the same instant as the earliest is handled together.
        let at = first.due_at;
        for candidate in passed.iter().filter(|candidate| candidate.due_at == at) {
            fired.insert(candidate.key);
            let late = now - candidate.due_at > LATE_AFTER;
            let overtaken = candidate.ended || passed.iter().any(|other| other.overtakes(candidate));
            decision.firings.push(Firing { key: candidate.key, due_at: candidate.due_at, late, overtaken });
            if overtaken {
                continue;
            }
            let events = fire(context, &ticket, candidate, late, &mut decision);
            let written_at = at.max(last_instant(&log));
            append(&mut decision, &mut ticket, &mut log, written_at, events);
        }
    }
    // The step bound was reached: come back at once rather than lose what is still due.
    decision.next_due = Some(now);
    decision
}

/// A threshold whose instant has passed, with what the decision needs to know about its cycle.
#[derive(Clone, Debug)]
struct Passed {
    key: ThresholdKey,
    due_at: DateTime<Utc>,
    /// The cycle had ended before now (met, or the ticket left the tier).
    ended: bool,
    /// For the tier budget: whether this is the holding of the ticket's current tier.
    current_holding: bool,
}

impl Passed {
    /// A later threshold of the same cycle that has passed too makes a reminder pointless.
    fn overtakes(&self, other: &Passed) -> bool {
        self.key.threshold != Threshold::Checkpoint
            && self.key.clock == other.key.clock
            && self.key.cycle == other.key.cycle
            && matches!(other.key.threshold, Threshold::Reminder { .. })
            && self.key.threshold.fraction() > other.key.threshold.fraction()
    }
}

fn passed_thresholds(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    clocks: &TicketClocks,
    targets: &ClockTargets<'_>,
    fired: &BTreeSet<ThresholdKey>,
    now: DateTime<Utc>,
) -> Vec<Passed> {
    let mut passed = Vec::new();
    for clock in &clocks.clocks {
        if clock.target.is_none() {
            continue;
        }
        let current_holding = clock.kind != ClockKind::TierBudget
            || (clock.is_open() && clock.tier_id == ticket.assignment.tier_id);
        for threshold in thresholds(context, ticket, clock.kind) {
            let key = ThresholdKey { clock: clock.kind, cycle: clock.cycle, threshold };
            if fired.contains(&key) {
                continue;
            }
            let Some(instant) = clock.instant_at_fraction(targets, threshold.fraction()) else {
                continue;
            };
            // A cycle that ended before reaching the threshold never reaches it.
            if instant > now || clock.ended_at.is_some_and(|end| end <= instant) {
                continue;
            }
            passed.push(Passed { key, due_at: instant, ended: !clock.is_open(), current_holding });
        }
    }
    passed.sort_by_key(|candidate| (candidate.due_at, candidate.key));
    passed
}

/// Where each open clock of the ticket stands, at risk from the fraction its level's first
/// reminder sets (`tracking::at_risk_fraction`).
fn standing(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    clocks: &TicketClocks,
    targets: &ClockTargets<'_>,
    now: DateTime<Utc>,
) -> Vec<ClockStanding> {
    let place = current_place(context, ticket);
    let level = place.on_ladder.then(|| usize::try_from(place.level).ok()).flatten();
    clocks
        .clocks
        .iter()
        .filter_map(|clock| {
            let fraction = at_risk_fraction(Some(context.policy), level, clock.kind);
            tracking::standing(clock, targets, fraction, now)
        })
        .collect()
}

/// A stall of the ticket in the tier holding it: since when it did nothing with it, when that
/// makes a stall, and whether the log already tells of this stall.
#[derive(Clone, Copy, Debug)]
struct Stall {
    tier_id: i64,
    since: DateTime<Utc>,
    at: DateTime<Utc>,
    told: bool,
}

/// The stall of the ticket under its ladder level's `stall_after`, counted in the calendar of
/// the tier budget, if it can stall.
fn stall(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    log: &[TicketEvent],
    targets: &ClockTargets<'_>,
) -> Option<Stall> {
    let tier_id = ticket.assignment.tier_id?;
    let threshold = current_level(context, ticket)?.stall_after?;
    let since = tracking::last_activity_in_tier(log, Some(tier_id))?;
    let calendar = targets.calendar(ClockKind::TierBudget);
    let at = tracking::stalls_at(ticket.status, Some(since), calendar, threshold)?;
    let told = log.iter().any(|event| {
        matches!(event.data, EventData::Stalled { tier_id: told, since: from, .. } if told == tier_id && from == since)
    });
    Some(Stall { tier_id, since, at, told })
}

/// The thresholds of a clock kind at the ticket's level: the level's reminders and the breach.
fn thresholds(context: &EngineContext<'_>, ticket: &Ticket, kind: ClockKind) -> Vec<Threshold> {
    let mut thresholds: Vec<Threshold> = current_level(context, ticket)
        .map(|level| {
            level
                .reminders
                .iter()
                .filter(|reminder| reminder.clock == kind)
                .map(|reminder| Threshold::Reminder { permille: (reminder.at * 1000.0).round() as u32 })
                .collect()
        })
        .unwrap_or_default();
    thresholds.push(Threshold::Breach);
    thresholds
}

/// Where the ticket sits on the ladder: a function of who holds it (`domain::ladder`), so a
/// ticket escalated by hand runs on the budget of the level it reached, like one the ladder moved.
fn current_place(context: &EngineContext<'_>, ticket: &Ticket) -> LadderPlace {
    place_on_ladder(context.policy, context.directory, ticket.assignment)
}

/// The ladder level holding the ticket, if its holder is on the ladder.
fn current_level<'a>(context: &EngineContext<'a>, ticket: &Ticket) -> Option<&'a super::policy::Level> {
    current_place(context, ticket).ladder_level(context.policy)
}

fn next_due(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    clocks: &TicketClocks,
    targets: &ClockTargets<'_>,
    fired: &BTreeSet<ThresholdKey>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    clocks
        .clocks
        .iter()
        .filter(|clock| clock.state == ClockPhase::Running && clock.target.is_some())
        .flat_map(|clock| {
            thresholds(context, ticket, clock.kind)
                .into_iter()
                .filter(|threshold| {
                    !fired.contains(&ThresholdKey {
                        clock: clock.kind,
                        cycle: clock.cycle,
                        threshold: *threshold,
                    })
                })
                .filter_map(|threshold| clock.instant_at_fraction(targets, threshold.fraction()))
                .filter(|instant| *instant > now)
                .collect::<Vec<_>>()
        })
        .min()
}

/// The events and intents of one threshold that fires.
fn fire(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    passed: &Passed,
    late: bool,
    decision: &mut Decision,
) -> Vec<EventData> {
    let ThresholdKey { clock, cycle, threshold } = passed.key;
    let level = current_place(context, ticket).level;
    let intent = |kind: EventKind, also_tell: Option<BreachAction>, summary: String| NotificationIntent {
        kind,
        level,
        priority: ticket.priority,
        clock: Some(clock),
        also_tell,
        summary,
    };
    match threshold {
        Threshold::Reminder { permille } => {
            let percent = (permille + 5) / 10;
            decision.intents.push(intent(
                EventKind::Reminder,
                None,
                format!(
                    "{percent} % of the {} target of ticket #{} is used",
                    clock.label().to_lowercase(),
                    ticket.id
                ),
            ));
            vec![EventData::ClockReminder { clock, cycle, percent, due_at: passed.due_at, late }]
        }
        Threshold::Checkpoint => {
            decision.intents.push(intent(
                EventKind::CheckpointMissed,
                Some(BreachAction::NotifyLead),
                format!("Ticket #{} is due a public update from the tier holding it", ticket.id),
            ));
            vec![EventData::CheckpointMissed {
                tier_id: ticket.assignment.tier_id,
                due_at: passed.due_at,
                late,
            }]
        }
        Threshold::Breach => {
            let mut events = vec![EventData::ClockBreached { clock, cycle, due_at: passed.due_at, late }];
            decision.intents.push(intent(
                EventKind::Breach,
                None,
                format!("The {} target of ticket #{} is breached", clock.label().to_lowercase(), ticket.id),
            ));
            if clock == ClockKind::TierBudget && passed.current_holding {
                events.extend(breach_actions(context, ticket, passed.due_at, decision));
            }
            events
        }
    }
}

/// The ladder level's actions when its budget runs out.
fn breach_actions(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    at: DateTime<Utc>,
    decision: &mut Decision,
) -> Vec<EventData> {
    let here = current_place(context, ticket);
    let Some(level) = here.ladder_level(context.policy) else {
        return Vec::new();
    };
    let mut events = Vec::new();
    let budget = level.budget.map(super::policy::format_duration).unwrap_or_default();
    let reason = format!("{} budget of {budget} used up at level {}", level.holder.as_str(), here.level);
    for action in &level.on_breach {
        match action {
            BreachAction::NextLevel => {
                let next =
                    usize::try_from(here.level + 1).ok().and_then(|number| context.policy.level(number));
                let to = next
                    .and_then(|level| holder_assignment(context.directory, level.holder.as_str()))
                    .map(|to| {
                        place(context.directory, context.agents, context.calendars, to, &ticket.tags, at)
                    });
                // The ladder only ever moves a ticket up: a next level whose holder sits no higher
                // (a ladder naming one tier twice, say) leaves the ticket where it is.
                let to_level = to.map(|to| place_on_ladder(context.policy, context.directory, to).level);
                if let (Some(to), Some(to_level)) = (to, to_level.filter(|to_level| *to_level > here.level)) {
                    events.push(EventData::Escalated {
                        from: ticket.assignment,
                        to,
                        level: Some(to_level),
                        handoff: None,
                        reason: reason.clone(),
                    });
                    decision.intents.push(NotificationIntent {
                        kind: EventKind::Escalated,
                        level: to_level,
                        priority: ticket.priority,
                        clock: Some(ClockKind::TierBudget),
                        also_tell: None,
                        summary: format!("Ticket #{} escalated to level {to_level}: {reason}", ticket.id),
                    });
                }
            }
            BreachAction::RaisePriority => {
                let raised = match ticket.priority {
                    Priority::Low => Priority::Normal,
                    Priority::Normal => Priority::High,
                    Priority::High | Priority::Urgent => Priority::Urgent,
                };
                if raised != ticket.priority {
                    events.push(EventData::PriorityChanged { from: ticket.priority, to: raised });
                }
            }
            BreachAction::NotifyLead | BreachAction::NotifyManager | BreachAction::Notify => {
                decision.intents.push(NotificationIntent {
                    kind: EventKind::Breach,
                    level: here.level,
                    priority: ticket.priority,
                    clock: Some(ClockKind::TierBudget),
                    also_tell: Some(*action),
                    summary: format!("Ticket #{}: {reason}", ticket.id),
                });
            }
        }
    }
    events
}

/// Routing and immediate escalation by the policy's criteria, with the instant to date it.
///
/// Routing follows from the ticket's last change (its creation, for a new ticket), so it is dated
/// then: an engine that catches up after downtime routes as if it had run, and the tier's budget
/// starts when it should have. An escalation criterion may have become true by time passing (an
/// age condition), so it is dated now.
fn routing(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    log: &[TicketEvent],
    now: DateTime<Utc>,
) -> Option<(EventData, DateTime<Utc>)> {
    let facts = facts(context, ticket, log, now);
    if ticket.assignment.tier_id.is_none() {
        let first = context.policy.level(1).map(|level| level.holder.as_str());
        let (holder, reason) = match context.policy.first_matching_route(&facts) {
            Some(criterion) => {
                let CriterionAction::RouteTo(holder) = &criterion.action else {
                    return None;
                };
                if holder_assignment(context.directory, holder.as_str()).is_some() {
                    (holder.as_str(), format!("Routed by the criterion \"{}\"", criterion.name))
                } else {
                    // The organisation changed under the policy; the policy page and /readyz say so.
                    // The ticket still reaches a tier rather than waiting unseen.
                    (
                        first?,
                        format!(
                            "Routed to ladder level 1: the criterion \"{}\" routes to \"{holder}\", which is not a tier \
                             or group any more",
                            criterion.name
                        ),
                    )
                }
            }
            None => (first?, "Routed to ladder level 1".to_string()),
        };
        let at = last_instant(log).min(now);
        let to = place(
            context.directory,
            context.agents,
            context.calendars,
            holder_assignment(context.directory, holder)?,
            &ticket.tags,
            at,
        );
        let level = place_on_ladder(context.policy, context.directory, to).level;
        return Some((
            EventData::Escalated { from: ticket.assignment, to, level: Some(level), handoff: None, reason },
            at,
        ));
    }
    let criterion = context.policy.first_matching_escalation(&facts)?;
    let CriterionAction::EscalateToLevel(number) = criterion.action else {
        return None;
    };
    if i64::try_from(number).ok()? <= current_place(context, ticket).level {
        return None;
    }
    let at = now.max(last_instant(log));
    let holder = holder_assignment(context.directory, context.policy.level(number)?.holder.as_str())?;
    let to = place(context.directory, context.agents, context.calendars, holder, &ticket.tags, at);
    let escalated = EventData::Escalated {
        from: ticket.assignment,
        to,
        level: Some(place_on_ladder(context.policy, context.directory, to).level),
        handoff: None,
        reason: format!("Escalated by the criterion \"{}\"", criterion.name),
    };
    Some((escalated, at))
}

/// The first instant after `now` at which an escalation criterion starts to hold only because the
/// ticket grew older (an `age_hours_at_least` condition), so the engine fires it then rather than
/// at the ticket's next change. Other facts change only with the log, which reschedules anyway.
fn next_age_escalation(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    log: &[TicketEvent],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut ages: Vec<i64> = context
        .policy
        .criteria
        .iter()
        .filter(|criterion| matches!(criterion.action, CriterionAction::EscalateToLevel(_)))
        .flat_map(|criterion| criterion.when.age_thresholds())
        .collect();
    ages.sort_unstable();
    ages.dedup();
    let today = facts(context, ticket, log, now);
    ages.into_iter()
        .map(|hours| (hours, ticket.created_at + Duration::hours(hours)))
        .filter(|(_, at)| *at > now)
        .find_map(|(hours, at)| {
            let then = CriterionFacts { age_hours: hours, ..today.clone() };
            let criterion = context.policy.first_matching_escalation(&then)?;
            let CriterionAction::EscalateToLevel(number) = criterion.action else { return None };
            (i64::try_from(number).ok()? > current_place(context, ticket).level).then_some(at)
        })
}

/// The checkpoint of the tier holding the ticket, if the policy sets one: its key and due
/// instant, a public update being due `public_update_every` of business time (on the tier budget's
/// calendar) after the tier received the ticket or after the last public reply since.
fn checkpoint(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    log: &[TicketEvent],
    targets: &ClockTargets<'_>,
) -> Option<(ThresholdKey, DateTime<Utc>)> {
    let tier_id = ticket.assignment.tier_id?;
    let interval = context.policy.checkpoints.iter().find_map(|checkpoint| {
        let holder = holder_assignment(context.directory, checkpoint.tier.as_str())?;
        let applies = holder.tier_id == Some(tier_id)
            && (holder.group_id.is_none() || holder.group_id == ticket.assignment.group_id);
        applies.then_some(checkpoint.public_update_every)
    })?;
    // The period starts when the tier received the ticket, or at the last public reply since.
    let mut start: Option<&TicketEvent> = None;
    for event in log {
        match &event.data {
            EventData::AssignmentChanged { from, to, .. }
            | EventData::Escalated { from, to, .. }
            | EventData::Deescalated { from, to, .. }
                if to.tier_id == Some(tier_id) && from.tier_id != Some(tier_id) =>
            {
                start = Some(event)
            }
            EventData::PublicReply { .. } if start.is_some() => start = Some(event),
            _ => {}
        }
    }
    let start = start?;
    let due = targets.tier_budget.calendar.add_business_time(start.at, interval, &[]).ok()?;
    let cycle = u32::try_from(start.sequence).ok()?;
    Some((ThresholdKey { clock: ClockKind::TierBudget, cycle, threshold: Threshold::Checkpoint }, due))
}

/// What the criteria may look at.
pub fn facts(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    log: &[TicketEvent],
    now: DateTime<Utc>,
) -> CriterionFacts {
    let unanswered = log
        .iter()
        .rev()
        .take_while(|event| !matches!(event.data, EventData::PublicReply { .. }))
        .filter(|event| matches!(event.data, EventData::CustomerMessage { .. }))
        .count();
    CriterionFacts {
        priority: ticket.priority,
        plan: context.plan.to_string(),
        category: context.directory.category_name(ticket.category_id).map(str::to_string),
        tags: ticket.tags.clone(),
        channel: ticket.channel,
        reopen_count: ticket.reopen_count,
        unanswered_customer_messages: i64::try_from(unanswered).unwrap_or(i64::MAX),
        tier: context.directory.tier_name(ticket.assignment.tier_id).map(str::to_string),
        age_hours: (now - ticket.created_at).num_hours(),
    }
}

/// The ticket's targets under the policy: SLA targets by priority and plan, tier budgets by the
/// ladder (the current level's budget for the tier holding the ticket).
fn targets<'a>(context: &EngineContext<'a>, ticket: &Ticket, fallback: &'a Calendar) -> ClockTargets<'a> {
    let policy = context.policy;
    let matched = policy.targets_for(ticket.priority, context.plan);
    let calendar_name =
        matched.as_ref().map(|m| m.calendar.clone()).unwrap_or_else(|| policy.calendar.as_str().to_string());
    let calendar = context.calendars.get(&calendar_name).unwrap_or(fallback);
    let budget_calendar = context.calendars.get(policy.calendar.as_str()).unwrap_or(fallback);
    let kind_target = |kind: ClockKind| KindTarget {
        calendar,
        target: matched
            .as_ref()
            .map(|m| m.for_clock(kind))
            .unwrap_or_else(|| TargetRule::none("no targets rule matches")),
    };
    let mut by_tier = BTreeMap::new();
    for level in &policy.ladder {
        if let Some(tier_id) =
            holder_assignment(context.directory, level.holder.as_str()).and_then(|a| a.tier_id)
        {
            by_tier.entry(tier_id).or_insert_with(|| policy.tier_budget_for(level.holder.as_str()));
        }
    }
    let here = current_place(context, ticket);
    if let (Some(level), Some(tier_id)) = (here.ladder_level(policy), ticket.assignment.tier_id) {
        let rule = format!("ladder level {} ({})", here.level, level.holder.as_str());
        by_tier.insert(tier_id, TargetRule { target: level.budget, rule });
    }
    ClockTargets {
        first_response: kind_target(ClockKind::FirstResponse),
        next_response: kind_target(ClockKind::NextResponse),
        resolution: kind_target(ClockKind::Resolution),
        tier_budget: TierBudgetTargets {
            calendar: budget_calendar,
            by_tier,
            other_tiers: TargetRule::none("the tier is not on the escalation ladder"),
        },
    }
}

fn record_passed_thresholds_as_overtaken(
    context: &EngineContext<'_>,
    ticket: &Ticket,
    log: &[TicketEvent],
    fired: &mut BTreeSet<ThresholdKey>,
    now: DateTime<Utc>,
    decision: &mut Decision,
) {
    let fallback = Calendar::always_open(chrono_tz::UTC);
    let targets = targets(context, ticket, &fallback);
    let clocks = compute_clocks(log, &targets, &context.policy.pause_rules, now);
    for passed in passed_thresholds(context, ticket, &clocks, &targets, fired, now) {
        fired.insert(passed.key);
        let late = now - passed.due_at > LATE_AFTER;
        decision.firings.push(Firing { key: passed.key, due_at: passed.due_at, late, overtaken: true });
    }
}

fn last_instant(log: &[TicketEvent]) -> DateTime<Utc> {
    log.last().map(|event| event.at).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Applies a batch to the working copy of the ticket and its log, and records it.
fn append(
    decision: &mut Decision,
    ticket: &mut Ticket,
    log: &mut Vec<TicketEvent>,
    at: DateTime<Utc>,
    events: Vec<EventData>,
) {
    if events.is_empty() {
        return;
    }
    ticket.apply_all(&events, at);
    let first = log.last().map(|event| event.sequence).unwrap_or(0) + 1;
    for (sequence, data) in (first..).zip(&events) {
        log.push(TicketEvent {
            id: 0,
            ticket_id: ticket.id,
            sequence,
            actor_id: None,
            at,
            data: data.clone(),
        });
    }
    decision.batches.push((at, events));
}

#[cfg(test)]
mod tests;
