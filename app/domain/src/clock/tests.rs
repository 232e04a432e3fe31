use super::*;
use crate::calendar::SegmentKind;
use crate::test_support::{clock_targets as targets, minutes, office_hours, utc, OFFICE_HOURS};
use crate::ticket::{Channel, Priority};

fn always_open() -> Calendar {
    Calendar::always_open(chrono_tz::UTC)
}

/// An instant on Monday 2026-03-02 written `HH:MM`.
fn monday(time: &str) -> DateTime<Utc> {
    utc(&format!("2026-03-02 {time}"))
}

/// A ticket's log under construction; sequence numbers follow the order of `then`.
struct Log(Vec<TicketEvent>);

impl Log {
    fn created(at: DateTime<Utc>) -> Log {
        let created = EventData::Created {
            subject: "VPN drops every hour".into(),
            description: "Since Monday".into(),
            priority: Priority::Normal,
            channel: Channel::Portal,
            category_id: None,
        };
        Log(Vec::new()).then(at, created)
    }

    fn then(mut self, at: DateTime<Utc>, data: EventData) -> Log {
        let sequence = i64::try_from(self.0.len()).expect("a short log") + 1;
        self.0.push(TicketEvent { id: sequence, ticket_id: 1, sequence, actor_id: None, at, data });
        self
    }

    fn events(&self) -> &[TicketEvent] {
        &self.0
    }
}

fn customer() -> EventData {
    EventData::CustomerMessage { body: "Any news?".into() }
}

fn reply() -> EventData {
    EventData::PublicReply { body: "Looking into it.".into() }
}

fn note() -> EventData {
    EventData::InternalNote { body: "Checked the logs.".into() }
}

fn status(from: TicketStatus, to: TicketStatus) -> EventData {
    EventData::StatusChanged { from, to }
}

fn tier(tier_id: Option<i64>) -> Assignment {
    Assignment { tier_id, group_id: tier_id.map(|tier_id| tier_id * 10), assignee_id: None }
}

fn assign(from: Option<i64>, to: Option<i64>) -> EventData {
    EventData::AssignmentChanged { from: tier(from), to: tier(to), level: None }
}

fn the(clocks: &TicketClocks, kind: ClockKind, cycle: u32) -> &ClockState {
    clocks
        .clocks
        .iter()
        .find(|clock| clock.kind == kind && clock.cycle == cycle)
        .unwrap_or_else(|| panic!("no {kind} cycle {cycle} in {:#?}", clocks.clocks))
}

fn cycles(clocks: &TicketClocks, kind: ClockKind) -> usize {
    clocks.clocks.iter().filter(|clock| clock.kind == kind).count()
}

use ClockKind::{FirstResponse, NextResponse, Resolution, TierBudget};
use TicketStatus::{Closed, New, OnHold, Open, Pending, Resolved};

#[test]
fn the_first_response_is_met_by_a_public_reply_and_not_by_a_note_or_a_customer_message() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(60), Some(60), None, None);
    /// What follows the creation at 09:00, now, the expected state and end.
    type Case = (Vec<(&'static str, EventData)>, &'static str, ClockPhase, Option<&'static str>);
    let cases: Vec<Case> = vec![
        (vec![("09:10", note()), ("09:20", customer())], "09:30", ClockPhase::Running, None),
        (vec![("09:10", note()), ("09:20", reply())], "09:30", ClockPhase::Met, Some("09:20")),
        (vec![("09:10", customer()), ("10:00", reply())], "10:30", ClockPhase::Met, Some("10:00")),
        (vec![("09:10", note()), ("11:00", reply())], "11:30", ClockPhase::Breached, Some("11:00")),
        (vec![("09:10", note()), ("09:20", customer())], "10:30", ClockPhase::Breached, None),
    ];
    for (index, (after, now, state, ended_at)) in cases.into_iter().enumerate() {
        let log = after
            .into_iter()
            .fold(Log::created(monday("09:00")), |log, (at, data)| log.then(monday(at), data));
        let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday(now));
        let first = the(&clocks, FirstResponse, 1);
        assert_eq!(first.state, state, "case {index}");
        assert_eq!(first.ended_at, ended_at.map(monday), "case {index}");
        assert_eq!(first.ended_by, ended_at.map(|_| CycleEnd::Answered), "case {index}");
        assert_eq!(first.due_at, Some(monday("10:00")), "case {index}");
        let breached = (state == ClockPhase::Breached).then(|| monday("10:00"));
        assert_eq!(first.breached_at, breached, "case {index}");
        // A customer message before the first response is covered by the first-response clock.
        assert_eq!(cycles(&clocks, NextResponse), 0, "case {index}");
        assert_eq!(cycles(&clocks, FirstResponse), 1, "case {index}");
    }
}

#[test]
fn the_next_response_runs_from_the_oldest_unanswered_customer_message_in_cycles() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(60), Some(60), None, None);
    let log = Log::created(monday("09:00"))
        .then(monday("09:10"), reply())
        .then(monday("09:20"), customer())
        .then(monday("09:40"), customer())
        .then(monday("09:50"), note())
        .then(monday("10:00"), reply())
        .then(monday("11:00"), customer())
        .then(monday("11:05"), customer());
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("12:30"));
    assert_eq!(cycles(&clocks, NextResponse), 2);

    let answered = the(&clocks, NextResponse, 1);
    assert_eq!(answered.started_at, monday("09:20"));
    assert_eq!((answered.ended_at, answered.ended_by), (Some(monday("10:00")), Some(CycleEnd::Answered)));
    assert_eq!((answered.state, answered.elapsed), (ClockPhase::Met, minutes(40)));
    assert_eq!(answered.remaining, Some(minutes(20)));

    let waiting = the(&clocks, NextResponse, 2);
    assert_eq!(waiting.started_at, monday("11:00"));
    assert_eq!((waiting.state, waiting.ended_at), (ClockPhase::Breached, None));
    assert_eq!(waiting.breached_at, Some(monday("12:00")));
    assert_eq!(waiting.remaining, Some(minutes(-30)), "negative while breached and still running");
}

#[test]
fn pending_pauses_resolution_and_tier_budget_but_not_first_response_until_the_customer_or_a_status_change_resumes(
) {
    let calendar = always_open();
    let targets = targets(&calendar, Some(600), Some(600), Some(600), Some(600));
    let resumptions: Vec<(&str, Vec<EventData>)> = vec![
        // What the product writes when a customer answers a pending ticket.
        ("customer reply", vec![customer(), status(Pending, Open)]),
        ("status change by an agent", vec![status(Pending, Open)]),
        // An imported log without the status change: the customer's answer ends the wait.
        ("customer reply without a status change", vec![customer()]),
    ];
    for (name, resume) in resumptions {
        let log = Log::created(monday("09:00"))
            .then(monday("09:00"), assign(None, Some(1)))
            .then(monday("09:30"), reply())
            .then(monday("09:30"), status(New, Open))
            .then(monday("10:00"), status(Open, Pending));
        let log = resume.into_iter().fold(log, |log, data| log.then(monday("12:00"), data));
        let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("13:00"));

        let first = the(&clocks, FirstResponse, 1);
        assert_eq!((first.elapsed, first.pauses.len()), (minutes(30), 0), "{name}");
        for kind in [Resolution, TierBudget] {
            let clock = the(&clocks, kind, 1);
            assert_eq!(clock.pauses, vec![Pause::new(monday("10:00"), monday("12:00"))], "{name}: {kind}");
            assert_eq!(clock.elapsed, minutes(120), "{name}: {kind}");
            assert_eq!(clock.due_at, Some(monday("21:00")), "{name}: {kind}: 10h plus the 2h pause");
            assert_eq!((clock.state, clock.paused), (ClockPhase::Running, false), "{name}: {kind}");
        }
    }
}

#[test]
fn a_paused_clock_is_due_as_if_it_resumed_now_and_is_left_out_of_next_due() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(600), Some(600), Some(240), Some(600));
    let log = Log::created(monday("09:00"))
        .then(monday("09:30"), reply())
        .then(monday("09:30"), status(New, Open))
        .then(monday("10:00"), status(Open, Pending));
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("12:00"));
    let resolution = the(&clocks, Resolution, 1);
    assert_eq!((resolution.state, resolution.paused), (ClockPhase::Paused, true));
    assert_eq!(resolution.elapsed, minutes(60));
    assert_eq!(resolution.due_at, Some(monday("15:00")), "now plus the 3h left");
    assert_eq!(resolution.pauses, vec![Pause::new(monday("10:00"), monday("12:00"))]);
    assert_eq!(clocks.next_due(), None, "the first response was given and nothing else runs");
}

#[test]
fn a_customer_message_on_hold_does_not_resume_what_on_hold_pauses() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(600), Some(600), Some(600), Some(600));
    let log = Log::created(monday("09:00"))
        .then(monday("09:00"), assign(None, Some(1)))
        .then(monday("10:00"), status(New, OnHold))
        .then(monday("11:00"), customer());
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("13:00"));
    let budget = the(&clocks, TierBudget, 1);
    assert_eq!((budget.state, budget.elapsed), (ClockPhase::Paused, minutes(60)));
    // By default waiting on a third party pauses the resolution clock as well.
    let resolution = the(&clocks, Resolution, 1);
    assert_eq!((resolution.state, resolution.elapsed), (ClockPhase::Paused, minutes(60)));
}

#[test]
fn resolving_the_ticket_stops_every_clock() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(60), Some(60), Some(30), Some(600));
    let log = Log::created(monday("09:00"))
        .then(monday("09:00"), assign(None, Some(1)))
        .then(monday("09:20"), reply())
        .then(monday("09:40"), customer())
        .then(monday("10:00"), status(Open, Resolved))
        .then(monday("11:00"), status(Resolved, Closed));
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("15:00"));
    assert_eq!(clocks.open().count(), 0);
    assert_eq!(clocks.next_due(), None);
    // (kind, state, ended by)
    let expected = [
        (FirstResponse, ClockPhase::Met, CycleEnd::Answered, "09:20"),
        (NextResponse, ClockPhase::Met, CycleEnd::TicketDone, "10:00"),
        (Resolution, ClockPhase::Breached, CycleEnd::TicketDone, "10:00"),
        (TierBudget, ClockPhase::Met, CycleEnd::TicketDone, "10:00"),
    ];
    for (kind, state, ended_by, ended_at) in expected {
        let clock = the(&clocks, kind, 1);
        assert_eq!(
            (clock.state, clock.ended_by, clock.ended_at),
            (state, Some(ended_by), Some(monday(ended_at)))
        );
        assert_eq!(clock.explanation.last().map(|segment| segment.end), Some(monday(ended_at)), "{kind}");
    }
    assert_eq!(the(&clocks, Resolution, 1).breached_at, Some(monday("09:30")));
}

#[test]
fn reopening_starts_a_new_resolution_cycle() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(60), Some(60), Some(600), Some(600));
    // (how the ticket is reopened at 11:00, whether a next-response cycle starts there)
    let reopenings: Vec<(Vec<EventData>, bool)> = vec![
        (vec![customer(), status(Resolved, Open)], true),
        (vec![status(Resolved, Open)], false),
        (vec![status(Resolved, Closed), status(Closed, Pending)], false),
    ];
    for (index, (reopen, answer_owed)) in reopenings.into_iter().enumerate() {
        let log = Log::created(monday("09:00"))
            .then(monday("09:00"), assign(None, Some(1)))
            .then(monday("09:30"), reply())
            .then(monday("10:00"), status(Open, Resolved));
        let log = reopen.into_iter().fold(log, |log, data| log.then(monday("11:00"), data));
        let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("12:00"));

        assert_eq!(cycles(&clocks, Resolution), 2, "case {index}");
        let first = the(&clocks, Resolution, 1);
        assert_eq!((first.started_at, first.ended_at), (monday("09:00"), Some(monday("10:00"))));
        let second = the(&clocks, Resolution, 2);
        assert_eq!((second.started_at, second.ended_at), (monday("11:00"), None), "case {index}");
        // The tier still holds the ticket: a new holding starts.
        assert_eq!(the(&clocks, TierBudget, 2).started_at, monday("11:00"), "case {index}");
        assert_eq!(cycles(&clocks, FirstResponse), 1, "case {index}");
        assert_eq!(cycles(&clocks, NextResponse), usize::from(answer_owed), "case {index}");
        if answer_owed {
            assert_eq!(the(&clocks, NextResponse, 1).started_at, monday("11:00"), "case {index}");
        }
    }
}

#[test]
fn the_tier_budget_runs_per_holding_and_keeps_each_tiers_consumption_when_it_moves_l1_l2_l1() {
    let calendar = always_open();
    let mut targets = targets(&calendar, None, None, None, None);
    targets.tier_budget.by_tier.insert(1, TargetRule::new(minutes(30), "L1 budget"));
    targets.tier_budget.by_tier.insert(2, TargetRule::new(minutes(240), "L2 budget"));
    let escalate = EventData::Escalated {
        from: tier(Some(1)),
        to: tier(Some(2)),
        level: Some(2),
        handoff: None,
        reason: "L1 budget of 30m used up".into(),
    };
    let other_group = Assignment { tier_id: Some(2), group_id: Some(21), assignee_id: Some(7) };
    let log = Log::created(monday("09:00"))
        .then(monday("09:00"), assign(None, Some(1)))
        .then(monday("10:00"), escalate)
        .then(
            monday("10:30"),
            EventData::AssignmentChanged { from: tier(Some(2)), to: other_group, level: None },
        )
        .then(
            monday("12:00"),
            EventData::AssignmentChanged { from: other_group, to: tier(Some(1)), level: None },
        );
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("12:45"));

    // (cycle, tier, started, ended, state, breached at)
    let expected = [
        (1, 1, "09:00", Some("10:00"), ClockPhase::Breached, Some("09:30")),
        (2, 2, "10:00", Some("12:00"), ClockPhase::Met, None),
        (3, 1, "12:00", None, ClockPhase::Breached, Some("12:30")),
    ];
    assert_eq!(cycles(&clocks, TierBudget), expected.len(), "a move within a tier starts no holding");
    for (cycle, tier_id, started, ended, state, breached) in expected {
        let clock = the(&clocks, TierBudget, cycle);
        assert_eq!(clock.tier_id, Some(tier_id));
        assert_eq!((clock.started_at, clock.ended_at), (monday(started), ended.map(monday)), "cycle {cycle}");
        assert_eq!((clock.state, clock.breached_at), (state, breached.map(monday)), "cycle {cycle}");
        assert_eq!(clock.rule, format!("L{tier_id} budget"));
    }
    assert_eq!(the(&clocks, TierBudget, 1).ended_by, Some(CycleEnd::LeftTier));
    assert_eq!(
        clocks.tier_consumption,
        vec![
            TierConsumption { tier_id: 1, consumed: minutes(105), holdings: 2 },
            TierConsumption { tier_id: 2, consumed: minutes(120), holdings: 1 },
        ]
    );
}

#[test]
fn the_breach_instant_is_kept_after_the_cycle_ends_and_out_of_hours_time_is_excluded() {
    let calendar = office_hours();
    let targets = targets(&calendar, Some(60), None, None, None);
    // Monday 16:30: half an hour before closing; the reply comes on Tuesday at 10:00.
    let log = Log::created(monday("16:30")).then(utc("2026-03-03 10:00"), reply());
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), utc("2026-03-03 12:00"));
    let first = the(&clocks, FirstResponse, 1);
    assert_eq!(first.due_at, Some(utc("2026-03-03 09:30")));
    assert_eq!(first.breached_at, Some(utc("2026-03-03 09:30")));
    assert_eq!((first.state, first.ended_at), (ClockPhase::Breached, Some(utc("2026-03-03 10:00"))));
    assert_eq!((first.elapsed, first.remaining), (minutes(90), Some(minutes(-30))));
}

#[test]
fn out_of_hours_time_is_excluded_on_a_weekday_office_calendar() {
    let calendar = office_hours();
    let targets = targets(&calendar, Some(120), None, Some(600), None);
    // Friday 16:00 with a two-hour target: one hour on Friday, one on Monday.
    let friday = utc("2026-03-06 16:00");
    let log = Log::created(friday);
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), utc("2026-03-09 09:30"));
    let first = the(&clocks, FirstResponse, 1);
    assert_eq!(first.due_at, Some(utc("2026-03-09 10:00")));
    assert_eq!(
        (first.state, first.elapsed, first.remaining),
        (ClockPhase::Running, minutes(90), Some(minutes(30)))
    );
    let stretches: Vec<(DateTime<Utc>, DateTime<Utc>, SegmentKind)> =
        first.explanation.iter().map(|segment| (segment.start, segment.end, segment.kind)).collect();
    assert_eq!(
        stretches,
        vec![
            (friday, utc("2026-03-06 17:00"), SegmentKind::Business),
            (utc("2026-03-06 17:00"), utc("2026-03-09 09:00"), SegmentKind::OutOfHours),
            (utc("2026-03-09 09:00"), utc("2026-03-09 09:30"), SegmentKind::Business),
        ]
    );
    assert_eq!(
        clocks.time_in_status[0],
        StatusTime { status: New, wall_time: Duration::minutes(65 * 60 + 30) }
    );
}

#[test]
fn explanation_segments_cover_the_cycle_and_their_business_time_is_the_elapsed_time() {
    let calendar = office_hours();
    let targets = targets(&calendar, Some(240), Some(240), Some(960), Some(480));
    let log = Log::created(monday("15:00"))
        .then(monday("15:00"), assign(None, Some(1)))
        .then(monday("16:00"), reply())
        .then(monday("16:00"), status(New, Open))
        .then(monday("16:30"), status(Open, Pending))
        .then(utc("2026-03-03 10:00"), customer())
        .then(utc("2026-03-03 10:00"), status(Pending, Open))
        .then(utc("2026-03-03 11:00"), assign(Some(1), Some(2)));
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), utc("2026-03-04 10:15"));
    assert!(clocks
        .clocks
        .iter()
        .any(|clock| clock.explanation.iter().any(|s| s.kind == SegmentKind::Paused)));
    for clock in &clocks.clocks {
        let until = clock.ended_at.unwrap_or(clocks.computed_at);
        let mut cursor = clock.started_at;
        let mut business = Duration::zero();
        for segment in &clock.explanation {
            assert_eq!(segment.start, cursor, "{} {}", clock.kind, clock.cycle);
            if segment.kind == SegmentKind::Business {
                business += segment.end - segment.start;
            }
            cursor = segment.end;
        }
        assert_eq!(cursor, until, "{} {}", clock.kind, clock.cycle);
        assert_eq!(business, clock.elapsed, "{} {}", clock.kind, clock.cycle);
    }
    // Paused from Monday 16:30 to Tuesday 10:00: Monday 15:00-16:30, Tuesday 10:00-17:00 and
    // Wednesday 09:00-10:15 count.
    assert_eq!(the(&clocks, Resolution, 1).elapsed, minutes(90 + 7 * 60 + 75));
}

#[test]
fn next_due_is_the_earliest_due_instant_of_the_running_clocks() {
    let calendar = always_open();
    // (tier budget in minutes, expected next due): a breached budget is no longer waited for.
    let cases = [(180, "12:00"), (10, "13:00"), (300, "13:00")];
    for (budget, expected) in cases {
        let targets = targets(&calendar, Some(240), Some(60), Some(480), Some(budget));
        let log = Log::created(monday("09:00")).then(monday("09:00"), assign(None, Some(1)));
        let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("09:30"));
        assert_eq!(clocks.next_due(), Some(monday(expected)), "budget {budget}");
        let running = clocks.clocks.iter().filter(|clock| clock.state == ClockPhase::Running);
        assert_eq!(running.filter_map(|clock| clock.due_at).min(), clocks.next_due());
    }
}

#[test]
fn instant_at_fraction_is_exact_with_a_pause_in_between() {
    let calendar = office_hours();
    let targets = targets(&calendar, None, None, Some(240), None);
    // Monday 15:00 with four hours to resolve; pending from 15:30 to 16:00.
    let log = Log::created(monday("15:00"))
        .then(monday("15:30"), status(New, Pending))
        .then(monday("16:00"), status(Pending, Open));
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("16:30"));
    let resolution = the(&clocks, Resolution, 1);
    // (fraction, instant): 30 minutes before the pause, an hour after it, the rest on Tuesday.
    let cases = [
        (0.0, monday("15:00")),
        (0.25, monday("16:30")),
        (0.375, monday("17:00")),
        (0.5, utc("2026-03-03 09:30")),
        (0.75, utc("2026-03-03 10:30")),
        (1.0, utc("2026-03-03 11:30")),
    ];
    for (fraction, expected) in cases {
        assert_eq!(resolution.instant_at_fraction(&targets, fraction), Some(expected), "{fraction}");
    }
    assert_eq!(resolution.instant_at_fraction(&targets, 1.0), resolution.due_at);
    assert_eq!(resolution.instant_at_fraction(&targets, -0.5), None);
    assert_eq!(resolution.instant_at_fraction(&targets, f64::NAN), None);
    assert_eq!(the(&clocks, FirstResponse, 1).instant_at_fraction(&targets, 0.5), None, "no target");
}

#[test]
fn changing_the_priority_target_mid_ticket_gives_the_same_result_as_a_fresh_replay() {
    let calendar = office_hours();
    let normal = targets(&calendar, Some(480), Some(480), Some(960), Some(480));
    let urgent = targets(&calendar, Some(60), Some(60), Some(240), Some(120));
    let early = Log::created(monday("09:00"))
        .then(monday("09:00"), assign(None, Some(1)))
        .then(monday("09:30"), status(New, Pending))
        .then(monday("10:30"), status(Pending, Open));
    let before = compute_clocks(early.events(), &normal, &PauseRules::default(), monday("11:00"));
    // 16h: Monday 09:00-09:30 and 10:30-17:00, all of Tuesday, Wednesday 09:00-10:00.
    assert_eq!(the(&before, Resolution, 1).due_at, Some(utc("2026-03-04 10:00")));

    let late = early
        .then(monday("11:00"), EventData::PriorityChanged { from: Priority::Normal, to: Priority::Urgent });
    let after = compute_clocks(late.events(), &urgent, &PauseRules::default(), monday("12:00"));
    let fresh = compute_clocks(late.events(), &urgent, &PauseRules::default(), monday("12:00"));
    assert_eq!(after, fresh);
    // The new target counts from the start of the cycle and keeps the hour spent pending.
    let resolution = the(&after, Resolution, 1);
    assert_eq!((resolution.due_at, resolution.elapsed), (Some(monday("14:00")), minutes(120)));
    assert_eq!(resolution.rule, "resolution rule");
    assert_eq!(the(&after, FirstResponse, 1).breached_at, Some(monday("10:00")));
    // Going back to the old targets gives back the old verdicts.
    let back = compute_clocks(late.events(), &normal, &PauseRules::default(), monday("12:00"));
    assert_eq!(the(&back, Resolution, 1).due_at, the(&before, Resolution, 1).due_at);
}

#[test]
fn a_now_before_the_last_event_is_raised_to_it() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(60), None, None, None);
    let log = Log::created(monday("09:00")).then(monday("09:40"), reply());
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("09:10"));
    assert_eq!(clocks.computed_at, monday("09:40"));
    assert_eq!(the(&clocks, FirstResponse, 1).state, ClockPhase::Met);
}

#[test]
fn an_event_stamped_earlier_than_its_predecessor_is_taken_at_the_predecessors_instant() {
    let calendar = always_open();
    let targets = targets(&calendar, Some(60), None, None, None);
    let log = Log::created(monday("09:00")).then(monday("09:30"), note()).then(monday("09:20"), reply());
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("10:00"));
    assert_eq!(the(&clocks, FirstResponse, 1).ended_at, Some(monday("09:30")));
}

#[test]
fn an_empty_log_has_no_clocks_and_a_clock_without_target_is_measured_but_stopped() {
    let calendar = always_open();
    let targets = targets(&calendar, None, None, None, None);
    let empty = compute_clocks(&[], &targets, &PauseRules::default(), monday("09:00"));
    assert!(empty.clocks.is_empty() && empty.tier_consumption.is_empty());
    assert_eq!(empty.next_due(), None);

    let log = Log::created(monday("09:00"));
    let clocks = compute_clocks(log.events(), &targets, &PauseRules::default(), monday("10:00"));
    let first = the(&clocks, FirstResponse, 1);
    assert_eq!(
        (first.state, first.elapsed, first.due_at, first.remaining),
        (ClockPhase::Stopped, minutes(60), None, None)
    );
    assert_eq!(first.rule, "no first response rule");
    assert!(first.is_open());
    assert_eq!(clocks.latest(Resolution).map(|clock| clock.cycle), Some(1));
}

#[test]
fn clock_kinds_are_stored_by_their_snake_case_names() {
    for &kind in ClockKind::ALL {
        assert_eq!(ClockKind::parse(kind.as_str()), Some(kind));
        let json = serde_json::to_string(&kind).expect("a kind serialises");
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
        assert_eq!(kind.to_string(), kind.label());
    }
    assert_eq!(ClockKind::parse("tier_budget"), Some(TierBudget));
    assert_eq!(ClockKind::parse("Tier budget"), None);
    let rules: PauseRules = serde_json::from_str(r#"{"pending": ["first_response"]}"#).expect("rules");
    assert_eq!(rules.pending, vec![FirstResponse]);
    assert_eq!(rules.on_hold, PauseRules::default().on_hold, "a missing status keeps its default");
    assert!(!PauseRules::default().pauses(Pending, FirstResponse));
    assert!(PauseRules::default().pauses(Pending, Resolution));
    assert!(PauseRules::default().paused_in(Resolved).is_empty());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// What happens next to a generated ticket; turned into events the way the product would.
    #[derive(Clone, Debug)]
    enum Action {
        Customer,
        Reply,
        Note,
        Status(TicketStatus),
        Assign(Option<i64>),
        Escalate(i64),
        Priority,
    }

    fn actions() -> impl Strategy<Value = Vec<(i64, Action)>> {
        let action = prop_oneof![
            3 => Just(Action::Customer),
            3 => Just(Action::Reply),
            1 => Just(Action::Note),
            4 => prop::sample::select(TicketStatus::ALL.to_vec()).prop_map(Action::Status),
            2 => prop::option::of(1i64..=3).prop_map(Action::Assign),
            1 => (1i64..=3).prop_map(Action::Escalate),
            1 => Just(Action::Priority),
        ];
        // Minutes between events: often none, sometimes hours, sometimes days.
        let gap = prop_oneof![Just(0i64), 1i64..600, 600i64..4000];
        prop::collection::vec((gap, action), 0..25)
    }

    /// The events of `actions` from `start`, following the product's command rules so the log is
    /// one the product could have written: no change to a closed ticket, closing only when
    /// resolved, never back to new, and the status moves that messages imply.
    fn build_log(start: DateTime<Utc>, actions: &[(i64, Action)]) -> Vec<TicketEvent> {
        let mut log = Log::created(start);
        let (mut at, mut current, mut assignment) = (start, New, tier(None));
        for (gap, action) in actions {
            at += minutes(*gap);
            if current == Closed && !matches!(action, Action::Note) {
                continue;
            }
            match action {
                Action::Customer => {
                    log = log.then(at, customer());
                    if matches!(current, Pending | Resolved) {
                        log = log.then(at, status(current, Open));
                        current = Open;
                    }
                }
                Action::Reply => {
                    log = log.then(at, reply());
                    if current == New {
                        log = log.then(at, status(New, Open));
                        current = Open;
                    }
                }
                Action::Note => log = log.then(at, note()),
                Action::Status(to) => {
                    let refused = *to == current || *to == New || (*to == Closed && current != Resolved);
                    if !refused {
                        log = log.then(at, status(current, *to));
                        current = *to;
                    }
                }
                Action::Assign(tier_id) => {
                    let to = tier(*tier_id);
                    if to != assignment {
                        log =
                            log.then(at, EventData::AssignmentChanged { from: assignment, to, level: None });
                        assignment = to;
                    }
                }
                Action::Escalate(tier_id) => {
                    let to = tier(Some(*tier_id));
                    if to != assignment && !current.is_done() {
                        let reason = "Escalated by hand".to_string();
                        let data =
                            EventData::Escalated { from: assignment, to, level: None, handoff: None, reason };
                        log = log.then(at, data);
                        assignment = to;
                    }
                }
                Action::Priority => {
                    log = log
                        .then(at, EventData::PriorityChanged { from: Priority::Normal, to: Priority::High })
                }
            }
        }
        log.0
    }

    /// Starts in March 2026, to the minute.
    fn starts() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..31 * 1440).prop_map(|minute| utc("2026-03-01 00:00") + minutes(minute))
    }

    fn calendars() -> impl Strategy<Value = Calendar> {
        prop_oneof![
            Just(always_open()),
            Just(office_hours()),
            Just(Calendar::from_toml(&OFFICE_HOURS.replace("UTC", "Europe/Berlin")).expect("valid calendar")),
        ]
    }

    fn rules() -> impl Strategy<Value = PauseRules> {
        prop_oneof![
            Just(PauseRules::default()),
            Just(PauseRules::none()),
            Just(PauseRules { pending: ClockKind::ALL.to_vec(), on_hold: ClockKind::ALL.to_vec() }),
        ]
    }

    /// Targets in minutes for the four kinds; `None` for no target.
    fn target_minutes() -> impl Strategy<Value = [Option<i64>; 4]> {
        prop::array::uniform4(prop::option::weighted(0.85, 0i64..2000))
    }

    fn targets_of(
        calendar: &Calendar,
        [first, next, resolution, budget]: [Option<i64>; 4],
    ) -> ClockTargets<'_> {
        targets(calendar, first, next, resolution, budget)
    }

    /// What identifies a cycle across two computations.
    fn identity(clock: &ClockState) -> (ClockKind, u32, Option<i64>, DateTime<Utc>) {
        (clock.kind, clock.cycle, clock.tier_id, clock.started_at)
    }

    /// The log with a pending period `[from, to)` inserted after event `after`, renumbered.
    fn with_pending(
        events: &[TicketEvent],
        after: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<TicketEvent> {
        let current = events[..=after]
            .iter()
            .rev()
            .find_map(|event| match event.data {
                EventData::StatusChanged { to, .. } => Some(to),
                _ => None,
            })
            .unwrap_or(New);
        let mut log = Log(Vec::new());
        for (index, event) in events.iter().enumerate() {
            log = log.then(event.at, event.data.clone());
            if index == after {
                log = log.then(from, status(current, Pending)).then(to, status(Pending, current));
            }
        }
        log.0
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn adding_a_pending_period_never_makes_a_due_instant_earlier(
            start in starts(), actions in actions(), calendar in calendars(), rules in rules(),
            minutes_targets in target_minutes(), tail in 0i64..3000, slot in any::<prop::sample::Index>(),
            cut in (0.0f64..1.0, 0.0f64..1.0),
        ) {
            let events = build_log(start, &actions);
            let last = events.last().map_or(start, |event| event.at);
            let now = last + minutes(tail);
            let targets = targets_of(&calendar, minutes_targets);
            // Gaps after an event where the ticket is new or open, with the instant that ends them.
            let mut status_after = New;
            let mut gaps = Vec::new();
            for (index, event) in events.iter().enumerate() {
                if let EventData::StatusChanged { to, .. } = event.data {
                    status_after = to;
                }
                let gap_end = events.get(index + 1).map_or(now, |next| next.at);
                if matches!(status_after, New | Open) && gap_end - event.at >= minutes(2) {
                    gaps.push((index, event.at, gap_end));
                }
            }
            prop_assume!(!gaps.is_empty());
            let (after, gap_start, gap_end) = gaps[slot.index(gaps.len())];
            let length = (gap_end - gap_start).num_minutes();
            let (first, second) = ((cut.0 * length as f64) as i64, (cut.1 * length as f64) as i64);
            let (from, to) = (gap_start + minutes(first.min(second)), gap_start + minutes(first.max(second) + 1));
            prop_assume!(to <= gap_end);

            let without = compute_clocks(&events, &targets, &rules, now);
            let with = compute_clocks(&with_pending(&events, after, from, to), &targets, &rules, now);
            prop_assert_eq!(without.clocks.len(), with.clocks.len());
            for (plain, paused) in without.clocks.iter().zip(&with.clocks) {
                prop_assert_eq!(identity(plain), identity(paused));
                if let (Some(plain_due), Some(paused_due)) = (plain.due_at, paused.due_at) {
                    prop_assert!(plain_due <= paused_due, "{} {}: {} > {}", plain.kind, plain.cycle, plain_due, paused_due);
                }
                prop_assert!(paused.elapsed <= plain.elapsed);
            }
        }

        #[test]
        fn elapsed_time_never_exceeds_wall_time_and_the_explanation_adds_up_to_it(
            start in starts(), actions in actions(), calendar in calendars(), rules in rules(),
            minutes_targets in target_minutes(), tail in -600i64..3000,
        ) {
            let events = build_log(start, &actions);
            let last = events.last().map_or(start, |event| event.at);
            let targets = targets_of(&calendar, minutes_targets);
            let clocks = compute_clocks(&events, &targets, &rules, last + minutes(tail));
            prop_assert!(clocks.computed_at >= last);
            for clock in &clocks.clocks {
                let until = clock.ended_at.unwrap_or(clocks.computed_at);
                prop_assert!(clock.elapsed >= Duration::zero());
                prop_assert!(clock.elapsed <= until - clock.started_at);
                let business = clock
                    .explanation
                    .iter()
                    .filter(|segment| segment.kind == SegmentKind::Business)
                    .fold(Duration::zero(), |total, segment| total + (segment.end - segment.start));
                prop_assert_eq!(business, clock.elapsed);
                prop_assert_eq!(clock.explanation.first().map_or(until, |segment| segment.start), clock.started_at.min(until));
                prop_assert_eq!(clock.explanation.last().map_or(until, |segment| segment.end), until);
            }
            let wall: Duration = clocks.time_in_status.iter().fold(Duration::zero(), |total, part| total + part.wall_time);
            prop_assert_eq!(wall, clocks.computed_at - start);
        }

        #[test]
        fn without_pauses_the_due_instant_is_the_start_plus_the_target_in_business_time(
            start in starts(), actions in actions(), calendar in calendars(),
            minutes_targets in target_minutes(), tail in 0i64..3000,
        ) {
            let events = build_log(start, &actions);
            let last = events.last().map_or(start, |event| event.at);
            let targets = targets_of(&calendar, minutes_targets);
            let clocks = compute_clocks(&events, &targets, &PauseRules::none(), last + minutes(tail));
            for clock in &clocks.clocks {
                prop_assert!(clock.pauses.is_empty());
                let Some(target) = clock.target else { continue };
                let due = calendar.add_business_time(clock.started_at, target, &[]).ok();
                prop_assert_eq!(clock.due_at, due);
                if let Some(due) = due {
                    prop_assert_eq!(calendar.business_time_between(clock.started_at, due, &[]), target);
                    let until = clock.ended_at.unwrap_or(clocks.computed_at);
                    prop_assert_eq!(clock.breached_at.is_some(), until > due);
                }
            }
        }

        #[test]
        fn a_prefix_of_the_log_computed_at_the_next_event_gives_the_same_cycle_starts(
            start in starts(), actions in actions(), calendar in calendars(), rules in rules(),
            minutes_targets in target_minutes(), tail in 0i64..3000,
        ) {
            let events = build_log(start, &actions);
            let last = events.last().map_or(start, |event| event.at);
            let targets = targets_of(&calendar, minutes_targets);
            let full = compute_clocks(&events, &targets, &rules, last + minutes(tail));
            for length in 1..events.len() {
                let next_at = events[length].at;
                let prefix = compute_clocks(&events[..length], &targets, &rules, next_at);
                let started_before: Vec<_> = full.clocks.iter().filter(|clock| clock.started_at < next_at).map(identity).collect();
                let prefix_cycles: Vec<_> = prefix.clocks.iter().map(identity).collect();
                for cycle in &started_before {
                    prop_assert!(prefix_cycles.contains(cycle), "{:?} missing from the prefix of {}", cycle, length);
                }
                for clock in &prefix.clocks {
                    let same = full.clocks.iter().find(|other| identity(other) == identity(clock));
                    prop_assert!(same.is_some(), "{:?} is not in the full log", identity(clock));
                    if let (Some(same), Some(ended_at)) = (same, clock.ended_at) {
                        prop_assert_eq!((same.ended_at, same.ended_by), (Some(ended_at), clock.ended_by));
                    }
                }
            }
        }
    }
}
