//! Case tables of the engine's decision: (policy snippet, event log, thresholds already fired,
//! now) → (events appended, thresholds fired, next due), and properties over generated logs.
//!
//! The office calendar is Monday to Friday 09:00–17:00 UTC; 2026-03-02 is a Monday.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use proptest::prelude::*;

use super::*;
use crate::directory::Tier;
use crate::test_support::{assignment, calendars, demo_directory, policy_from_toml, utc, DemoIds, EventLog};
use crate::ticket::{Assignment, TicketStatus};
use crate::tracking::Risk;

/// Targets and a three-level ladder: L1 holds a ticket 2 business hours (reminded at half), L2 4,
/// L3 8; a tagged ticket goes straight to Security; old urgent tickets go to Engineering.
const POLICY: &str = r#"
[[targets]]
first_response = "4h"
next_response = "8h"
resolution = "16h"

[[criteria]]
name = "Security incidents go to Security"
when = { tag = "security" }
route_to = "Security"

[[ladder]]
holder = "L1 Service Desk"
budget = "2h"
reminders = [{ clock = "tier_budget", at = 0.5 }]
on_breach = ["next_level", "notify_lead"]

[[ladder]]
holder = "L2 Specialists"
budget = "4h"
on_breach = ["next_level"]

[[ladder]]
holder = "L3 Engineering"
budget = "8h"
on_breach = ["notify_manager"]
"#;

/// A ladder without budgets, so that only the age criterion moves tickets.
const AGE_POLICY: &str = r#"
[[targets]]
resolution = "80h"

[[criteria]]
name = "Urgent tickets older than a day go to Engineering"
when = { all = [{ priority = "urgent" }, { age_hours_at_least = 24 }] }
escalate_to_level = 3

[[ladder]]
holder = "L1 Service Desk"

[[ladder]]
holder = "L2 Specialists"

[[ladder]]
holder = "L3 Engineering"
"#;

/// L2 owes the customer a public update every two business hours.
const CHECKPOINT_POLICY: &str = r#"
[[targets]]
resolution = "80h"

[[ladder]]
holder = "L1 Service Desk"

[[ladder]]
holder = "L2 Specialists"

[[checkpoints]]
tier = "L2 Specialists"
public_update_every = "2h"
"#;

/// The decision at `now` for a ticket with this log under this policy, in the demo organisation.
fn decide_with(policy: &str, log: &EventLog, fired: &BTreeSet<ThresholdKey>, now: DateTime<Utc>) -> Decision {
    let policy = policy_from_toml(policy);
    let calendars = calendars();
    let directory = demo_directory();
    let agents = BTreeMap::new();
    let context = EngineContext {
        policy: &policy,
        calendars: &calendars,
        directory: &directory,
        agents: &agents,
        plan: "standard",
    };
    decide(&context, &log.ticket, &log.events, fired, now)
}

/// The events of a decision, one line each, with the instant they are written at.
fn described(decision: &Decision) -> Vec<String> {
    let directory = demo_directory();
    let mut lines = Vec::new();
    for (at, batch) in &decision.batches {
        for data in batch {
            let what = match data {
                EventData::Escalated { to, level, .. } => {
                    let holder = [directory.tier_name(to.tier_id), directory.group_name(to.group_id)]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" / ");
                    format!("escalated to {holder} at level {}", level.unwrap_or(0))
                }
                EventData::ClockReminder { clock, percent, .. } => {
                    format!("reminder {} {percent} %", clock.as_str())
                }
                EventData::ClockBreached { clock, .. } => format!("breach {}", clock.as_str()),
                EventData::CheckpointMissed { .. } => "checkpoint missed".to_string(),
                EventData::PriorityChanged { to, .. } => format!("priority {}", to.as_str()),
                other => other.kind().to_string(),
            };
            lines.push(format!("{} {what}", at.format("%a %H:%M")));
        }
    }
    lines
}

fn key(clock: ClockKind, threshold: Threshold) -> ThresholdKey {
    ThresholdKey { clock, cycle: 1, threshold }
}

const L1_REMINDER: ThresholdKey =
    ThresholdKey { clock: ClockKind::TierBudget, cycle: 1, threshold: Threshold::Reminder { permille: 500 } };

/// A ticket created on Monday at 09:00 and routed at once to L1's Service Desk.
fn at_l1() -> EventLog {
    let ids = DemoIds::default();
    EventLog::created(Priority::Normal, utc("2026-03-02 09:00")).routed(
        utc("2026-03-02 09:00"),
        assignment(ids.l1, Some(ids.service_desk), None),
        1,
    )
}

/// An urgent ticket created on Monday at 09:00 and routed at once to L1's Service Desk.
fn urgent_at_l1() -> EventLog {
    let ids = DemoIds::default();
    EventLog::created(Priority::Urgent, utc("2026-03-02 09:00")).routed(
        utc("2026-03-02 09:00"),
        assignment(ids.l1, Some(ids.service_desk), None),
        1,
    )
}

/// One case: what it shows, the policy, the log, what fired before, now; the events expected,
/// and the next due instant.
struct Case {
    name: &'static str,
    policy: &'static str,
    log: EventLog,
    fired: Vec<ThresholdKey>,
    now: &'static str,
    events: &'static [&'static str],
    /// When the engine looks again: the next threshold, or the instant a clock becomes at risk.
    next_due: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let ids = DemoIds::default();
    let monday = |time: &str| utc(&format!("2026-03-02 {time}"));
    let created = || EventLog::created(Priority::Normal, monday("09:00"));
    let by_hand = |to: Assignment, level: Option<i64>| EventData::Escalated {
        from: assignment(ids.l1, Some(ids.service_desk), None),
        to,
        level,
        handoff: Some(crate::test_support::handoff()),
        reason: "Escalated by hand".into(),
    };
    vec![
        Case {
            name: "a new ticket goes to ladder level 1",
            policy: POLICY,
            log: created(),
            fired: vec![],
            now: "2026-03-02 09:00",
            events: &["Mon 09:00 escalated to L1 Service Desk / Service Desk at level 1"],
            next_due: Some("2026-03-02 10:00"),
        },
        Case {
            name: "a criterion routes a tagged ticket to its group, at its tier's level",
            policy: POLICY,
            log: created().then(monday("09:00"), EventData::TagsChanged { added: vec!["security".into()], removed: vec![] }),
            fired: vec![],
            now: "2026-03-02 09:00",
            events: &["Mon 09:00 escalated to L3 Engineering / Security at level 3"],
            next_due: Some("2026-03-02 12:00"),
        },
        Case {
            name: "level 1's reminder at half its budget",
            policy: POLICY,
            log: at_l1(),
            fired: vec![],
            now: "2026-03-02 10:00",
            events: &["Mon 10:00 reminder tier_budget 50 %"],
            next_due: Some("2026-03-02 11:00"),
        },
        Case {
            name: "level 1's budget runs out: the ladder moves the ticket to level 2",
            policy: POLICY,
            log: at_l1(),
            fired: vec![L1_REMINDER],
            now: "2026-03-02 11:00",
            events: &["Mon 11:00 breach tier_budget", "Mon 11:00 escalated to L2 Specialists at level 2"],
            next_due: Some("2026-03-02 12:00"),
        },
        Case {
            name: "a reminder overtaken by its breach is recorded without a word",
            policy: POLICY,
            log: at_l1(),
            fired: vec![],
            now: "2026-03-02 11:00",
            events: &["Mon 11:00 breach tier_budget", "Mon 11:00 escalated to L2 Specialists at level 2"],
            next_due: Some("2026-03-02 12:00"),
        },
        Case {
            name: "after downtime the ladder cascades as if the engine had run",
            policy: POLICY,
            log: at_l1(),
            fired: vec![],
            now: "2026-03-03 12:00",
            events: &[
                "Mon 11:00 breach tier_budget",
                "Mon 11:00 escalated to L2 Specialists at level 2",
                "Mon 13:00 breach first_response",
                "Mon 15:00 breach tier_budget",
                "Mon 15:00 escalated to L3 Engineering / Security at level 3",
            ],
            next_due: Some("2026-03-03 13:00"),
        },
        Case {
            name: "escalated by hand from L1 to L3 (an event of old, without its level): L3's budget runs, never back down",
            policy: POLICY,
            log: at_l1().then(monday("09:30"), by_hand(assignment(ids.l3, None, None), None)),
            fired: vec![],
            now: "2026-03-03 10:00",
            events: &["Mon 13:00 breach first_response", "Tue 09:30 breach tier_budget"],
            next_due: Some("2026-03-03 13:00"),
        },
        Case {
            name: "escalated by hand from L1 to L2's Network: L2's budget, then level 3",
            policy: POLICY,
            log: at_l1().then(monday("09:30"), by_hand(assignment(ids.l2, Some(ids.network), None), Some(2))),
            fired: vec![key(ClockKind::FirstResponse, Threshold::Breach)],
            now: "2026-03-02 13:30",
            events: &["Mon 13:30 breach tier_budget", "Mon 13:30 escalated to L3 Engineering / Security at level 3"],
            next_due: Some("2026-03-03 11:30"),
        },
        Case {
            name: "handed back to L1, the ticket runs on L1's budget and the ladder takes it up again",
            policy: POLICY,
            log: created()
                .routed(monday("09:00"), assignment(ids.l2, None, None), 2)
                .then(
                    monday("10:00"),
                    EventData::Deescalated {
                        from: assignment(ids.l2, None, None),
                        to: assignment(ids.l1, Some(ids.service_desk), None),
                        level: 1,
                        reason: "Workaround in place".into(),
                    },
                ),
            fired: vec![],
            now: "2026-03-02 12:00",
            events: &["Mon 12:00 breach tier_budget", "Mon 12:00 escalated to L2 Specialists at level 2"],
            next_due: Some("2026-03-02 13:00"),
        },
        Case {
            name: "an acknowledgement does not hold the ladder",
            policy: POLICY,
            log: created()
                .routed(monday("09:00"), assignment(ids.l2, None, None), 2)
                .then(monday("09:10"), EventData::EscalationAcknowledged { level: 2 }),
            fired: vec![],
            now: "2026-03-02 13:00",
            events: &[
                "Mon 13:00 breach first_response",
                "Mon 13:00 breach tier_budget",
                "Mon 13:00 escalated to L3 Engineering / Security at level 3",
            ],
            // The first response is overdue a millisecond after its breach.
            next_due: Some("2026-03-02 13:00:00.001"),
        },
        Case {
            name: "an urgent ticket a day old is due when it turns a day old",
            policy: AGE_POLICY,
            log: urgent_at_l1(),
            fired: vec![],
            now: "2026-03-02 10:00",
            events: &[],
            next_due: Some("2026-03-03 09:00"),
        },
        Case {
            name: "and escalated by the criterion then",
            policy: AGE_POLICY,
            log: urgent_at_l1(),
            fired: vec![],
            now: "2026-03-03 09:00",
            events: &["Tue 09:00 escalated to L3 Engineering / Security at level 3"],
            next_due: Some("2026-03-11 13:00"),
        },
        Case {
            name: "a tier that gives no public update misses its checkpoint",
            policy: CHECKPOINT_POLICY,
            log: created().routed(monday("09:00"), assignment(ids.l2, None, None), 2),
            fired: vec![],
            now: "2026-03-02 11:00",
            events: &["Mon 11:00 checkpoint missed"],
            next_due: Some("2026-03-11 13:00"),
        },
        Case {
            name: "a public update starts the checkpoint's period again",
            policy: CHECKPOINT_POLICY,
            log: created().routed(monday("09:00"), assignment(ids.l2, None, None), 2).public_reply(monday("10:00")),
            fired: vec![],
            now: "2026-03-02 11:00",
            events: &[],
            next_due: Some("2026-03-02 12:00"),
        },
        Case {
            name: "a resolved ticket is never moved",
            policy: POLICY,
            log: at_l1().status(monday("09:30"), TicketStatus::Resolved),
            fired: vec![],
            now: "2026-03-03 12:00",
            events: &[],
            next_due: None,
        },
    ]
}

#[test]
fn the_decision_follows_the_policy_case_by_case() {
    for case in cases() {
        let fired: BTreeSet<ThresholdKey> = case.fired.iter().copied().collect();
        let decision = decide_with(case.policy, &case.log, &fired, utc(case.now));
        assert_eq!(described(&decision), case.events, "{}", case.name);
        assert_eq!(decision.next_due, case.next_due.map(utc), "{}: next due", case.name);
        for firing in &decision.firings {
            assert!(!fired.contains(&firing.key), "{}: {:?} fired twice", case.name, firing.key);
        }
    }
}

#[test]
fn a_reminder_overtaken_by_its_breach_is_recorded_as_overtaken() {
    let decision = decide_with(POLICY, &at_l1(), &BTreeSet::new(), utc("2026-03-02 11:00"));
    let reminder = decision.firings.iter().find(|firing| firing.key == L1_REMINDER).expect("recorded");
    assert!(reminder.overtaken);
    assert!(!decision.intents.iter().any(|intent| intent.kind == EventKind::Reminder));
}

#[test]
fn a_hand_escalation_to_l3_is_told_at_level_3_when_its_budget_runs_out() {
    let ids = DemoIds::default();
    let log = at_l1().then(
        utc("2026-03-02 09:30"),
        EventData::Escalated {
            from: assignment(ids.l1, Some(ids.service_desk), None),
            to: assignment(ids.l3, None, None),
            level: Some(3),
            handoff: None,
            reason: "Escalated by hand".into(),
        },
    );
    let decision = decide_with(POLICY, &log, &BTreeSet::new(), utc("2026-03-03 10:00"));
    let budget_breach = decision
        .intents
        .iter()
        .find(|intent| intent.also_tell == Some(BreachAction::NotifyManager))
        .expect("L3's breach action tells the managers");
    assert_eq!(budget_breach.level, 3);
    assert!(
        budget_breach.summary.contains("L3 Engineering budget of 8h used up at level 3"),
        "{}",
        budget_breach.summary
    );
}

#[test]
fn the_step_bound_stops_a_ladder_that_keeps_moving_and_comes_back_at_once() {
    // Seventy tiers, each holding a ticket for a minute around the clock.
    let directory = Directory {
        tiers: (1..=70)
            .map(|rank| Tier {
                id: rank,
                name: format!("T{rank}"),
                rank,
                lead_id: None,
                handbook: String::new(),
            })
            .collect(),
        ..Directory::default()
    };
    let mut source = "[[targets]]\nresolution = \"80h\"\ncalendar = \"Around the clock\"\n".to_string();
    for rank in 1..=70 {
        let on_breach = if rank < 70 { "[\"next_level\"]" } else { "[]" };
        source.push_str(&format!(
            "[[ladder]]\nholder = \"T{rank}\"\nbudget = \"1m\"\non_breach = {on_breach}\n"
        ));
    }
    let policy = policy_from_toml(&source);
    let policy = Policy { calendar: crate::policy::NameRef::new("Around the clock"), ..policy };
    let calendars = calendars();
    let agents = BTreeMap::new();
    let context = EngineContext {
        policy: &policy,
        calendars: &calendars,
        directory: &directory,
        agents: &agents,
        plan: "standard",
    };
    let log = EventLog::created(Priority::Normal, utc("2026-03-02 09:00"));
    let now = utc("2026-03-02 12:00");
    let decision = decide(&context, &log.ticket, &log.events, &BTreeSet::new(), now);
    assert_eq!(decision.next_due, Some(now), "what is still due is decided at once, in the next step");
    let escalations = decision
        .batches
        .iter()
        .flat_map(|(_, batch)| batch)
        .filter(|data| matches!(data, EventData::Escalated { .. }));
    assert!(escalations.count() < 70, "one decision handles a bounded number of steps");
}

/// Random logs of what people do to a ticket routed to L1 on Monday at 09:00: replies, waiting,
/// moves by hand up and down, over a working week.
fn logs() -> impl Strategy<Value = EventLog> {
    let ids = DemoIds::default();
    let holders = [
        assignment(ids.l1, Some(ids.service_desk), None),
        assignment(ids.l2, Some(ids.network), None),
        assignment(ids.l2, None, None),
        assignment(ids.l3, Some(ids.security), None),
        assignment(ids.experts, None, None),
    ];
    let step = (0i64..600, 0usize..6, 0usize..holders.len());
    proptest::collection::vec(step, 0..8).prop_map(move |steps| {
        let directory = demo_directory();
        let policy = policy_from_toml(POLICY);
        let ladder = crate::ladder::LadderContext { policy: Some(&policy), directory: &directory };
        let mut log = at_l1();
        let mut at = utc("2026-03-02 09:00");
        for (minutes, action, holder) in steps {
            at += Duration::minutes(minutes);
            let to = holders[holder];
            let data = match action {
                0 => EventData::PublicReply { body: "An update.".into() },
                1 => EventData::CustomerMessage { body: "Any news?".into() },
                2 if log.ticket.status != TicketStatus::Pending => {
                    EventData::StatusChanged { from: log.ticket.status, to: TicketStatus::Pending }
                }
                3 => {
                    let back = crate::commands::TicketChanges {
                        assignment: Some(to),
                        deescalation_reason: Some("Workaround in place".into()),
                        ..Default::default()
                    };
                    match crate::commands::change(&log.ticket, crate::Role::Agent, &ladder, &back) {
                        Ok(events) if matches!(events[..], [EventData::Deescalated { .. }]) => {
                            events[0].clone()
                        }
                        _ => continue,
                    }
                }
                _ => match crate::commands::escalate(
                    &log.ticket,
                    crate::Role::Agent,
                    &ladder,
                    to,
                    &crate::test_support::handoff(),
                ) {
                    Ok(mut events) => events.remove(0),
                    Err(_) => continue,
                },
            };
            log = log.then(at, data);
        }
        log
    })
}

/// Runs the engine over `log` at every instant it asks to be woken, up to `until`, appending what
/// it decides, as the worker does. Returns the log and the ladder's moves as (level before, level
/// after).
fn run_engine(mut log: EventLog, until: DateTime<Utc>) -> (EventLog, Vec<(i64, i64)>) {
    let mut fired = BTreeSet::new();
    let mut moves = Vec::new();
    let mut now = log.events.last().map(|event| event.at).unwrap_or(until);
    for _ in 0..200 {
        let decision = decide_with(POLICY, &log, &fired, now);
        fired.extend(decision.firings.iter().map(|firing| firing.key));
        for (at, batch) in decision.batches {
            for data in batch {
                let before = log.ticket.escalation_level;
                let automatic = matches!(data, EventData::Escalated { handoff: None, .. });
                log = log.then(at, data);
                if automatic {
                    moves.push((before, log.ticket.escalation_level));
                }
            }
        }
        match decision.next_due.filter(|due| *due <= until) {
            Some(due) => now = due.max(now),
            None => break,
        }
    }
    (log, moves)
}

/// The events after the first `skip`, as if written on time, without reminders: a reminder
/// whose breach passed too is recorded silently on catching up, by design.
fn written_after(log: &EventLog, skip: usize) -> Vec<(DateTime<Utc>, EventData)> {
    log.events[skip..]
        .iter()
        .filter(|event| !matches!(event.data, EventData::ClockReminder { .. }))
        .map(|event| (event.at, without_lateness(&event.data)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_ladder_never_lowers_a_level(log in logs()) {
        let (_, moves) = run_engine(log, utc("2026-03-06 17:00"));
        for (before, after) in &moves {
            prop_assert!(after > before, "{moves:?}");
        }
    }

    #[test]
    fn deciding_late_equals_deciding_at_every_due_instant(log in logs()) {
        // An engine that wakes at every instant it asked for, and one that slept until Friday
        // evening, write the same events at the same instants.
        let until = utc("2026-03-06 17:00");
        let (punctual, _) = run_engine(log.clone(), until);
        let start = log.events.len();
        let late = decide_with(POLICY, &log, &BTreeSet::new(), until);
        let mut caught_up = log;
        for (at, batch) in late.batches {
            caught_up = caught_up.then_all(at, batch);
        }
        prop_assert_eq!(written_after(&punctual, start), written_after(&caught_up, start));
    }
}

/// The event as if written on time.
fn without_lateness(data: &EventData) -> EventData {
    let mut data = data.clone();
    match &mut data {
        EventData::ClockReminder { late, .. }
        | EventData::ClockBreached { late, .. }
        | EventData::CheckpointMissed { late, .. } => *late = false,
        _ => {}
    }
    data
}

#[test]
fn the_engine_wakes_when_a_clock_becomes_at_risk_and_says_so() {
    const TARGETS_ONLY: &str =
        "[[targets]]\nfirst_response = \"4h\"\n\n[[ladder]]\nholder = \"L1 Service Desk\"\n";
    let none = BTreeSet::new();
    let before = decide_with(TARGETS_ONLY, &at_l1(), &none, utc("2026-03-02 11:00"));
    assert_eq!(before.next_due, Some(utc("2026-03-02 12:00")), "75 % of four hours, with no reminder");
    assert!(!before.risk_reached);
    let first_response = |decision: &Decision| {
        decision.standing.iter().find(|clock| clock.kind == ClockKind::FirstResponse).copied()
    };
    let standing = first_response(&before).expect("the first response clock runs");
    assert_eq!(standing.risk_at(utc("2026-03-02 11:59")), Risk::OnTrack);
    assert_eq!(standing.risk_at(utc("2026-03-02 12:00")), Risk::AtRisk);
    assert_eq!(standing.risk_at(utc("2026-03-02 13:01")), Risk::Breached);

    assert_eq!(before.alerts, ClockAlerts::default(), "on track");

    let at = decide_with(TARGETS_ONLY, &at_l1(), &none, utc("2026-03-02 12:00"));
    assert!(at.risk_reached && at.batches.is_empty(), "no event tells of it");
    assert_eq!(at.next_due, Some(utc("2026-03-02 13:00")), "then the breach");
    let at_risk = ClockAlerts::bit(ClockKind::FirstResponse, Risk::AtRisk);
    assert_eq!(at.alerts.bits(), at_risk, "the alerts stored say it is at risk");

    // The breach fires at the due instant; the clock is overdue a millisecond later, and the
    // engine wakes then to say so.
    let breaching = decide_with(TARGETS_ONLY, &at_l1(), &none, utc("2026-03-02 13:00"));
    assert!(!breaching.batches.is_empty(), "the breach fires");
    assert_eq!(breaching.alerts.bits(), at_risk, "not overdue at its due instant");
    let overdue_from = utc("2026-03-02 13:00") + Duration::milliseconds(1);
    assert_eq!(breaching.next_due, Some(overdue_from));
    let overdue = decide_with(TARGETS_ONLY, &at_l1(), &none, overdue_from);
    assert_eq!(overdue.alerts.bits(), ClockAlerts::bit(ClockKind::FirstResponse, Risk::Breached));

    let answered = at_l1().public_reply(utc("2026-03-02 11:30"));
    let after_reply = decide_with(TARGETS_ONLY, &answered, &none, utc("2026-03-02 12:00"));
    assert_eq!(first_response(&after_reply), None, "a met clock stands nowhere");
    assert!(!after_reply.risk_reached);
    let resolved = at_l1().status(utc("2026-03-02 11:30"), TicketStatus::Resolved);
    assert!(decide_with(TARGETS_ONLY, &resolved, &none, utc("2026-03-02 12:00")).standing.is_empty());
}

#[test]
fn a_ticket_nobody_works_stalls_once_and_the_next_activity_ends_the_stall() {
    const STALLING: &str = "[[ladder]]\nholder = \"L1 Service Desk\"\nstall_after = \"1h\"\n";
    let none = BTreeSet::new();
    let monday = |time: &str| utc(&format!("2026-03-02 {time}"));
    let ids = DemoIds::default();

    let before = decide_with(STALLING, &at_l1(), &none, monday("09:30"));
    assert_eq!(before.stalled_from, Some(monday("10:00")), "an hour after L1 received it");
    assert_eq!(before.next_due, Some(monday("10:00")), "the engine wakes to tell of it");
    assert!(before.batches.is_empty());

    let stalled = decide_with(STALLING, &at_l1(), &none, monday("10:30"));
    assert_eq!(
        stalled.batches,
        vec![(
            monday("10:00"),
            vec![EventData::Stalled { tier_id: ids.l1, since: monday("09:00"), late: true }]
        )],
        "dated when it stalled, like a breach, and marked late"
    );
    assert_eq!(stalled.intents.iter().map(|intent| intent.kind).collect::<Vec<_>>(), [EventKind::Stalled]);
    assert_eq!(stalled.stalled_from, Some(monday("10:00")));

    let told = at_l1()
        .then(monday("10:00"), EventData::Stalled { tier_id: ids.l1, since: monday("09:00"), late: true });
    let again = decide_with(STALLING, &told, &none, monday("11:30"));
    assert!(again.batches.is_empty() && again.intents.is_empty(), "a stall is told once");
    assert_eq!(again.stalled_from, Some(monday("10:00")), "and lasts");

    let worked =
        told.clone().then(monday("11:45"), EventData::InternalNote { body: "Looking at it.".into() });
    let after = decide_with(STALLING, &worked, &none, monday("12:00"));
    assert_eq!(
        after.stalled_from,
        Some(monday("12:45")),
        "an activity ends the stall and starts the wait again"
    );
    assert!(after.batches.is_empty());

    let waiting = told.status(monday("11:45"), TicketStatus::Pending);
    assert_eq!(
        decide_with(STALLING, &waiting, &none, monday("15:00")).stalled_from,
        None,
        "waiting on the customer"
    );
}
