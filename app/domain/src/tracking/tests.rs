use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::clock::{compute_clocks, PauseRules};
use crate::test_support::{
    assignment, clock_targets, handoff, minutes, office_hours, policy_from_toml, utc, DemoIds, EventLog,
};
use crate::ticket::{Assignment, Priority};

/// An escalation by hand to the second level.
fn by_hand(from: Assignment, to: Assignment) -> EventData {
    EventData::Escalated { from, to, level: Some(2), handoff: Some(handoff()), reason: "By hand".into() }
}

#[test]
fn percentiles_by_nearest_rank() {
    let ten: Vec<i64> = (1..=10).collect();
    let cases: [(&[i64], u8, Option<i64>); 8] = [
        (&[], 50, None),
        (&[7], 50, Some(7)),
        (&[7], 90, Some(7)),
        (&[1, 2], 50, Some(1)),
        (&[1, 2, 3], 50, Some(2)),
        (&ten, 50, Some(5)),
        (&ten, 90, Some(9)),
        (&ten, 100, Some(10)),
    ];
    for (values, percent, expected) in cases {
        assert_eq!(percentile(values, percent), expected, "p{percent} of {values:?}");
    }
    assert_eq!(percentile(&ten, 0), Some(1), "p0 is the smallest value");
}

#[test]
fn the_nearest_rank_is_where_the_percentile_sits_among_the_sorted_values() {
    assert_eq!(nearest_rank(0, 50), None, "no values, no rank");
    for count in 1..=40usize {
        let sorted: Vec<usize> = (1..=count).collect();
        for percent in [0, 1, 10, 50, 90, 99, 100] {
            let rank = nearest_rank(count, percent).expect("a rank");
            assert!((1..=count).contains(&rank), "rank {rank} of {count}");
            assert_eq!(percentile(&sorted, percent), Some(sorted[rank - 1]), "p{percent} of {count}");
        }
    }
}

#[test]
fn a_duration_summary_counts_medians_and_totals() {
    let summary = DurationSummary::of([minutes(30), minutes(10), minutes(20), minutes(240)]);
    assert_eq!(
        summary,
        DurationSummary { count: 4, median: Some(minutes(20)), p90: Some(minutes(240)), total: minutes(300) }
    );
    assert_eq!(DurationSummary::of([]), DurationSummary::default());
}

#[test]
fn the_first_reminder_on_a_clock_sets_its_at_risk_fraction() {
    let policy = policy_from_toml(
        "[[ladder]]\nholder = \"L1 Service Desk\"\nbudget = \"2h\"\n\
         reminders = [{ clock = \"tier_budget\", at = 0.9 }, { clock = \"tier_budget\", at = 0.5 }]\n\
         [[ladder]]\nholder = \"L2 Specialists\"\n",
    );
    let cases = [
        ("the smallest reminder on the level", Some(&policy), Some(1), ClockKind::TierBudget, 0.5),
        (
            "no reminder on that clock",
            Some(&policy),
            Some(1),
            ClockKind::Resolution,
            DEFAULT_AT_RISK_FRACTION,
        ),
        (
            "a level without reminders",
            Some(&policy),
            Some(2),
            ClockKind::TierBudget,
            DEFAULT_AT_RISK_FRACTION,
        ),
        ("no level", Some(&policy), None, ClockKind::TierBudget, DEFAULT_AT_RISK_FRACTION),
        ("no policy", None, Some(1), ClockKind::TierBudget, DEFAULT_AT_RISK_FRACTION),
    ];
    for (case, policy, level, kind, expected) in cases {
        assert_eq!(at_risk_fraction(policy, level, kind), expected, "{case}");
    }
}

/// A ticket created Monday 09:00 with a resolution target of 4 business hours, at `now`.
fn resolution_clock(now: &str, status: Option<(&str, TicketStatus)>) -> ClockState {
    let calendar = office_hours();
    let targets = clock_targets(&calendar, None, None, Some(240), None);
    let mut log = EventLog::created(Priority::Normal, utc("2026-03-02 09:00"));
    if let Some((at, status)) = status {
        log = log.status(utc(&format!("2026-03-02 {at}")), status);
    }
    let clocks =
        compute_clocks(&log.events, &targets, &PauseRules::default(), utc(&format!("2026-03-02 {now}")));
    clocks.latest(ClockKind::Resolution).expect("a resolution clock").clone()
}

#[test]
fn a_clock_is_at_risk_from_its_fraction_until_it_is_overdue() {
    let cases = [
        ("half-way", "11:00", None, Risk::OnTrack),
        ("one minute before three quarters", "11:59", None, Risk::OnTrack),
        ("at three quarters", "12:00", None, Risk::AtRisk),
        ("at the due instant", "13:00", None, Risk::AtRisk),
        ("overdue", "13:01", None, Risk::Breached),
        ("paused past three quarters", "15:00", Some(("12:30", TicketStatus::Pending)), Risk::AtRisk),
        ("resolved", "15:00", Some(("10:00", TicketStatus::Resolved)), Risk::Ended),
    ];
    for (case, now, status, expected) in cases {
        assert_eq!(risk(&resolution_clock(now, status), DEFAULT_AT_RISK_FRACTION), expected, "{case}");
    }
}

#[test]
fn a_ticket_stalls_after_business_hours_without_activity_in_its_tier() {
    let ids = DemoIds::default();
    let l1 = assignment(ids.l1, Some(ids.service_desk), None);
    let l2 = assignment(ids.l2, Some(ids.network), None);
    let at = |time: &str| utc(&format!("2026-03-02 {time}"));
    let log = EventLog::created(Priority::High, at("09:00"))
        .routed(at("09:00"), l1, 1)
        .public_reply(at("09:30"))
        .then(at("10:00"), EventData::CustomerMessage { body: "Any news?".into() })
        .then(at("11:00"), by_hand(l1, l2))
        .then(at("12:00"), EventData::CustomerMessage { body: "Hello?".into() });
    assert_eq!(
        last_activity_in_tier(&log.events, Some(ids.l2)),
        Some(at("11:00")),
        "a customer message is no activity"
    );
    assert_eq!(last_activity_in_tier(&log.events[..4], Some(ids.l1)), Some(at("09:30")));
    assert_eq!(last_activity_in_tier(&log.events, None), None);

    let calendar = office_hours();
    // Four business hours after Monday 15:00 is Tuesday 11:00.
    assert_eq!(
        stalls_at(TicketStatus::Open, Some(at("15:00")), &calendar, Duration::hours(4)),
        Some(utc("2026-03-03 11:00"))
    );
    for status in [TicketStatus::Pending, TicketStatus::OnHold, TicketStatus::Resolved, TicketStatus::Closed]
    {
        assert_eq!(stalls_at(status, Some(at("15:00")), &calendar, Duration::hours(4)), None, "{status:?}");
    }
    assert_eq!(stalls_at(TicketStatus::New, None, &calendar, Duration::hours(4)), None);
}

#[test]
fn the_time_per_tier_splits_into_running_paused_and_out_of_hours() {
    let ids = DemoIds::default();
    let l1 = assignment(ids.l1, Some(ids.service_desk), None);
    let l2 = assignment(ids.l2, Some(ids.network), None);
    let log = EventLog::created(Priority::High, utc("2026-03-02 16:00"))
        .routed(utc("2026-03-02 16:00"), l1, 1)
        .then(utc("2026-03-03 10:00"), by_hand(l1, l2))
        .status(utc("2026-03-03 11:00"), TicketStatus::Pending)
        .status(utc("2026-03-03 12:00"), TicketStatus::Open)
        .status(utc("2026-03-03 13:00"), TicketStatus::Resolved);
    let calendar = office_hours();
    let targets = clock_targets(&calendar, None, None, None, Some(480));
    let clocks = compute_clocks(&log.events, &targets, &PauseRules::default(), utc("2026-03-04 09:00"));
    let tiers = time_per_tier(&clocks);
    assert_eq!(
        tiers[&ids.l1],
        TierTime {
            held: Duration::hours(18),
            running: Duration::hours(2),
            paused: Duration::zero(),
            out_of_hours: Duration::hours(16)
        },
        "Monday 16:00 to Tuesday 10:00"
    );
    assert_eq!(
        tiers[&ids.l2],
        TierTime {
            held: Duration::hours(3),
            running: Duration::hours(2),
            paused: Duration::hours(1),
            out_of_hours: Duration::zero()
        },
        "Tuesday 10:00 to 13:00 with an hour pending"
    );
}

proptest! {
    /// However a ticket moves between tiers and statuses, each tier's running, paused and
    /// out-of-hours parts add up to the time it held the ticket, and the tiers' held times add up
    /// to the time any tier held it.
    #[test]
    fn the_parts_of_each_tier_add_up_to_its_time_held(
        steps in prop::collection::vec((1i64..600, 0usize..5), 1..12),
    ) {
        let ids = DemoIds::default();
        let holders = [
            assignment(ids.l1, Some(ids.service_desk), None),
            assignment(ids.l2, Some(ids.network), None),
            assignment(ids.l3, Some(ids.security), None),
        ];
        let start = utc("2026-03-06 14:00");
        let mut log = EventLog::created(Priority::Normal, start).routed(start, holders[0], 1);
        let mut at = start;
        for (minutes_later, action) in steps {
            at += Duration::minutes(minutes_later);
            let current = log.ticket.assignment;
            log = match action {
                0 | 1 => {
                    let to = holders[(holders.iter().position(|h| *h == current).unwrap_or(0) + 1) % 3];
                    log.then(at, EventData::Escalated { from: current, to, level: None, handoff: Some(handoff()), reason: "By hand".into() })
                }
                2 if log.ticket.status != TicketStatus::Pending => log.status(at, TicketStatus::Pending),
                _ if log.ticket.status != TicketStatus::Open => log.status(at, TicketStatus::Open),
                _ => log.public_reply(at),
            };
        }
        let calendar = office_hours();
        let targets = clock_targets(&calendar, None, None, None, Some(240));
        let now = at + Duration::hours(1);
        let clocks = compute_clocks(&log.events, &targets, &PauseRules::default(), now);
        let tiers = time_per_tier(&clocks);
        let mut all = Duration::zero();
        for (tier, time) in &tiers {
            prop_assert_eq!(time.running + time.paused + time.out_of_hours, time.held, "tier {}", tier);
            all += time.held;
        }
        prop_assert_eq!(all, now - start, "some tier held the ticket from routing until now");
    }
}

proptest! {
    /// Whatever the fraction and the moment it is computed at, a clock is at risk from no later
    /// than it is overdue: "at risk or overdue" is the one comparison `at_risk_from <= t`.
    #[test]
    fn a_clock_is_at_risk_by_the_time_it_is_overdue(
        fraction in 0.0f64..2.0,
        minutes_later in 0i64..3_000,
        paused_at in prop::option::of(0i64..600),
    ) {
        let calendar = office_hours();
        let targets = clock_targets(&calendar, None, None, Some(240), None);
        let start = utc("2026-03-02 09:00");
        let mut log = EventLog::created(Priority::Normal, start);
        if let Some(paused_at) = paused_at.filter(|at| *at < minutes_later) {
            log = log.status(start + Duration::minutes(paused_at), TicketStatus::Pending);
        }
        let now = start + Duration::minutes(minutes_later);
        let clocks = compute_clocks(&log.events, &targets, &PauseRules::default(), now);
        let clock = clocks.latest(ClockKind::Resolution).expect("a resolution clock");
        if let Some(standing) = standing(clock, &targets, fraction, now) {
            if let Some(breached_from) = standing.breached_from {
                prop_assert!(standing.at_risk_from.is_some_and(|at_risk| at_risk <= breached_from), "{:?}", standing);
            }
        }
    }
}

/// The standing of the resolution clock of `resolution_clock`'s ticket, computed at `computed`,
/// read at each minute of Monday and Tuesday, says what `risk` says of the clock computed then.
/// Returns how many minutes each risk was seen.
fn standing_agrees_with_risk(computed: &str, status: Option<(&str, TicketStatus)>) -> BTreeMap<Risk, u32> {
    let calendar = office_hours();
    let targets = clock_targets(&calendar, None, None, Some(240), None);
    let clock = resolution_clock(computed, status);
    let at = utc(&format!("2026-03-02 {computed}"));
    let standing = standing(&clock, &targets, DEFAULT_AT_RISK_FRACTION, at);
    let standing = standing.expect("an open clock has a standing");
    let mut seen = BTreeMap::new();
    let mut instant = at;
    while instant < utc("2026-03-04 00:00") {
        let later = instant.format("%H:%M").to_string();
        let clock = if instant.date_naive() == at.date_naive() {
            resolution_clock(&later, status)
        } else {
            let mut log = EventLog::created(Priority::Normal, utc("2026-03-02 09:00"));
            if let Some((time, status)) = status {
                log = log.status(utc(&format!("2026-03-02 {time}")), status);
            }
            let clocks = compute_clocks(&log.events, &targets, &PauseRules::default(), instant);
            clocks.latest(ClockKind::Resolution).expect("a resolution clock").clone()
        };
        let expected = risk(&clock, DEFAULT_AT_RISK_FRACTION);
        assert_eq!(standing.risk_at(instant), expected, "computed at {computed}, read at {instant}");
        *seen.entry(expected).or_insert(0) += 1;
        instant += minutes(1);
    }
    seen
}

#[test]
fn a_running_clocks_standing_says_when_it_becomes_at_risk_and_overdue() {
    // Computed before, at and after the at-risk instant (12:00) and the breach (13:00).
    for computed in ["09:00", "11:59", "12:00", "12:30", "13:00", "13:01", "16:00"] {
        standing_agrees_with_risk(computed, None);
    }
    let seen = standing_agrees_with_risk("09:00", None);
    assert_eq!(seen.keys().copied().collect::<Vec<_>>(), [Risk::OnTrack, Risk::AtRisk, Risk::Breached]);
    let calendar = office_hours();
    let targets = clock_targets(&calendar, None, None, Some(240), None);
    let standing = standing(
        &resolution_clock("10:00", None),
        &targets,
        DEFAULT_AT_RISK_FRACTION,
        utc("2026-03-02 10:00"),
    );
    assert_eq!(
        standing,
        Some(ClockStanding {
            kind: ClockKind::Resolution,
            at_risk_from: Some(utc("2026-03-02 12:00")),
            breached_from: Some(utc("2026-03-02 13:00") + Duration::milliseconds(1)),
        })
    );
}

#[test]
fn a_paused_clock_stands_still() {
    // Paused at 10:00 on track: it cannot become at risk while it waits.
    standing_agrees_with_risk("11:00", Some(("10:00", TicketStatus::Pending)));
    // Paused at 12:30, already at risk: it stays at risk, and cannot breach while it waits.
    standing_agrees_with_risk("15:00", Some(("12:30", TicketStatus::Pending)));
    let calendar = office_hours();
    let targets = clock_targets(&calendar, None, None, Some(240), None);
    let on_track = standing(
        &resolution_clock("11:00", Some(("10:00", TicketStatus::Pending))),
        &targets,
        DEFAULT_AT_RISK_FRACTION,
        utc("2026-03-02 11:00"),
    );
    assert_eq!(on_track.map(|s| (s.at_risk_from, s.breached_from)), Some((None, None)));
}

#[test]
fn an_ended_clock_has_no_standing() {
    let calendar = office_hours();
    let targets = clock_targets(&calendar, None, None, Some(240), None);
    let resolved = resolution_clock("15:00", Some(("10:00", TicketStatus::Resolved)));
    assert_eq!(standing(&resolved, &targets, DEFAULT_AT_RISK_FRACTION, utc("2026-03-02 15:00")), None);
}

#[test]
fn clock_alerts_hold_a_bit_per_kind_and_standing() {
    let standing = |kind, at_risk_from: Option<&str>, breached_from: Option<&str>| ClockStanding {
        kind,
        at_risk_from: at_risk_from.map(utc),
        breached_from: breached_from.map(utc),
    };
    let clocks = [
        standing(ClockKind::FirstResponse, Some("2026-03-02 10:00"), Some("2026-03-02 11:00")),
        standing(ClockKind::Resolution, Some("2026-03-02 12:00"), Some("2026-03-02 14:00")),
        // Paused below its fraction: it stands nowhere.
        standing(ClockKind::TierBudget, None, None),
    ];
    let cases = [
        ("2026-03-02 09:59", &[][..], &[][..]),
        ("2026-03-02 10:00", &[ClockKind::FirstResponse][..], &[][..]),
        ("2026-03-02 12:30", &[ClockKind::Resolution][..], &[ClockKind::FirstResponse][..]),
        ("2026-03-02 14:00", &[][..], &[ClockKind::FirstResponse, ClockKind::Resolution][..]),
    ];
    for (at, at_risk, overdue) in cases {
        let alerts = ClockAlerts::at(&clocks, utc(at));
        for kind in ClockKind::ALL {
            let expected = |kinds: &[ClockKind]| kinds.contains(kind);
            assert_eq!(
                alerts.any(ClockAlerts::bit(*kind, Risk::AtRisk)),
                expected(at_risk),
                "{at} {kind:?} at risk"
            );
            assert_eq!(
                alerts.any(ClockAlerts::bit(*kind, Risk::Breached)),
                expected(overdue),
                "{at} {kind:?} overdue"
            );
        }
        assert_eq!(alerts.clocks(Risk::AtRisk), at_risk, "{at}");
        assert_eq!(alerts.clocks(Risk::Breached), overdue, "{at}");
        assert_eq!(alerts.any(ClockAlerts::mask(Risk::AtRisk, None)), !at_risk.is_empty(), "{at}");
        assert_eq!(alerts.any(ClockAlerts::mask(Risk::Breached, None)), !overdue.is_empty(), "{at}");
    }
    // Every kind and standing has a bit of its own.
    let bits: Vec<i64> = ClockKind::ALL
        .iter()
        .flat_map(|kind| [ClockAlerts::bit(*kind, Risk::AtRisk), ClockAlerts::bit(*kind, Risk::Breached)])
        .collect();
    assert_eq!(bits.iter().fold(0, |all, bit| all | bit).count_ones() as usize, bits.len());
    assert_eq!(ClockAlerts::bit(ClockKind::Resolution, Risk::OnTrack), 0);
}

proptest! {
    /// The stored alerts say of each clock what its standing says at the same instant: at risk
    /// and overdue never both.
    #[test]
    fn clock_alerts_say_what_each_standing_says(
        instants in prop::collection::vec((prop::option::of(0i64..100), prop::option::of(0i64..100)), 4),
        at in 0i64..100,
    ) {
        let start = utc("2026-03-02 09:00");
        let minute = |offset: i64| start + Duration::minutes(offset);
        let clocks: Vec<ClockStanding> = ClockKind::ALL
            .iter()
            .zip(&instants)
            .map(|(kind, (at_risk, overdue))| ClockStanding {
                kind: *kind,
                at_risk_from: at_risk.map(minute),
                breached_from: overdue.map(minute),
            })
            .collect();
        let alerts = ClockAlerts::at(&clocks, minute(at));
        for clock in &clocks {
            let risk = clock.risk_at(minute(at));
            prop_assert_eq!(alerts.any(ClockAlerts::bit(clock.kind, Risk::AtRisk)), risk == Risk::AtRisk);
            prop_assert_eq!(alerts.any(ClockAlerts::bit(clock.kind, Risk::Breached)), risk == Risk::Breached);
        }
    }
}
