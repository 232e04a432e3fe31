use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::test_support::{assignment, handoff, utc, DemoIds, EventLog};
use crate::ticket::{Assignment, Priority};

fn answered(csat: u8, effort: Option<u8>) -> Option<SurveyAnswer> {
    Some(SurveyAnswer { csat, effort, comment: None })
}

fn record(
    ticket_id: i64,
    answer: Option<SurveyAnswer>,
    tiers: &[i64],
    breached: &[ClockKind],
) -> FeedbackRecord {
    let manner = if tiers.len() > 1 { EscalationManner::Automatic } else { EscalationManner::NotEscalated };
    FeedbackRecord {
        ticket_id,
        answer,
        path: EscalationPath { tiers: tiers.to_vec(), manner },
        breached: breached.iter().copied().collect(),
    }
}

#[test]
fn the_wilson_interval_of_known_shares() {
    // Reference values of the 95 % Wilson score interval.
    let cases = [
        (Proportion { successes: 8, trials: 10 }, (0.4902, 0.9433)),
        (Proportion { successes: 0, trials: 10 }, (0.0, 0.2775)),
        (Proportion { successes: 10, trials: 10 }, (0.7225, 1.0)),
        (Proportion { successes: 1, trials: 1 }, (0.2065, 1.0)),
        (Proportion { successes: 450, trials: 500 }, (0.8706, 0.9233)),
    ];
    for (proportion, (low, high)) in cases {
        let (got_low, got_high) = proportion.interval_95().expect("trials");
        assert!((got_low - low).abs() < 5e-4, "{proportion:?}: low {got_low} ≠ {low}");
        assert!((got_high - high).abs() < 5e-4, "{proportion:?}: high {got_high} ≠ {high}");
    }
    assert_eq!(Proportion::default().interval_95(), None);
    assert_eq!(Proportion::default().share(), None);
    assert!(!Proportion { successes: 9, trials: 9 }.is_enough_to_compare());
    assert!(Proportion { successes: 0, trials: 10 }.is_enough_to_compare());
}

#[test]
fn figures_of_a_group_of_surveys() {
    let records = [
        record(1, answered(5, Some(2)), &[1], &[]),
        record(2, answered(4, None), &[1, 2], &[]),
        record(3, answered(2, Some(6)), &[1, 2, 3], &[ClockKind::Resolution]),
        record(4, None, &[1], &[]),
    ];
    let figures = FeedbackFigures::of(&records);
    assert_eq!(figures.responses, Proportion { successes: 3, trials: 4 });
    assert_eq!(figures.satisfied, Proportion { successes: 2, trials: 3 });
    assert_eq!(figures.mean_csat(), Some(11.0 / 3.0));
    assert_eq!(figures.effort_answers, 2);
    assert_eq!(figures.mean_effort(), Some(4.0));
    let unanswered = FeedbackFigures::of(&records[3..]);
    assert_eq!((unanswered.mean_csat(), unanswered.mean_effort()), (None, None));

    let by_path = figures_by(&records, |record| vec![record.path.tiers.clone()]);
    assert_eq!(by_path.len(), 3);
    assert_eq!(by_path[&vec![1]].responses, Proportion { successes: 1, trials: 2 });
    assert_eq!(by_path[&vec![1, 2, 3]].satisfied, Proportion { successes: 0, trials: 1 });

    // A ticket counts for every tier it passed through.
    let by_tier = figures_by(&records, |record| record.path.tiers.clone());
    let answers_per_tier: Vec<(i64, u64)> =
        by_tier.iter().map(|(tier, f)| (*tier, f.satisfied.trials)).collect();
    assert_eq!(answers_per_tier, [(1, 3), (2, 2), (3, 1)]);

    let by_breach = figures_by(&records, |record| vec![record.breached.contains(&ClockKind::Resolution)]);
    assert_eq!(by_breach[&true].satisfied, Proportion { successes: 0, trials: 1 });
    assert_eq!(by_breach[&false].satisfied, Proportion { successes: 2, trials: 2 });
}

#[test]
fn the_escalation_path_follows_the_tiers_reached() {
    let ids = DemoIds::default();
    let start = utc("2026-03-09 09:00");
    let l1 = assignment(ids.l1, Some(ids.service_desk), None);
    let l2 = assignment(ids.l2, Some(ids.network), None);
    let l3 = assignment(ids.l3, Some(ids.security), None);
    let by_hand = |from: Assignment, to: Assignment| EventData::Escalated {
        from,
        to,
        level: None,
        handoff: Some(handoff()),
        reason: "Escalated by hand".into(),
    };
    let automatic = |from: Assignment, to: Assignment| EventData::Escalated {
        from,
        to,
        level: None,
        handoff: None,
        reason: "L1 budget used up".into(),
    };
    let routed = EventLog::created(Priority::High, start).routed(start, l1, 1);
    let at = |hours| start + Duration::hours(hours);

    let only_l1 = routed.clone();
    let straight_to_l3 = routed.clone().then(at(1), by_hand(l1, l3));
    let up_the_ladder = routed.clone().then(at(1), automatic(l1, l2)).then(at(2), automatic(l2, l3));
    let handed_back_and_up_again = routed
        .clone()
        .then(at(1), by_hand(l1, l2))
        .then(at(2), EventData::Deescalated { from: l2, to: l1, level: 1, reason: "Workaround".into() })
        .then(at(3), automatic(l1, l2));

    let cases = [
        ("only L1", only_l1, vec![ids.l1], EscalationManner::NotEscalated),
        ("L1 straight to L3 by hand", straight_to_l3, vec![ids.l1, ids.l3], EscalationManner::ByHand),
        (
            "L1, L2, L3 by the engine",
            up_the_ladder,
            vec![ids.l1, ids.l2, ids.l3],
            EscalationManner::Automatic,
        ),
        (
            "handed back, then up again",
            handed_back_and_up_again,
            vec![ids.l1, ids.l2],
            EscalationManner::Mixed,
        ),
    ];
    for (case, log, tiers, manner) in cases {
        assert_eq!(escalation_path(&log.events), EscalationPath { tiers, manner }, "{case}");
    }
    assert_eq!(escalation_path(&EventLog::created(Priority::Low, start).events), EscalationPath::default());
}

#[test]
fn the_groups_held_and_the_last_holder_are_read_from_the_moves() {
    let ids = DemoIds::default();
    let start = utc("2026-03-09 09:00");
    let desk = assignment(ids.l1, Some(ids.service_desk), None);
    let network = assignment(ids.l2, Some(ids.network), Some(ids.nina));
    let back =
        EventData::Deescalated { from: network, to: desk, level: 1, reason: "Workaround in place".into() };
    let log = EventLog::created(Priority::Normal, start)
        .then(start, EventData::AssignmentChanged { from: Assignment::default(), to: desk, level: Some(1) })
        .then(
            start,
            EventData::Escalated {
                from: desk,
                to: network,
                level: Some(2),
                handoff: Some(handoff()),
                reason: "By hand".into(),
            },
        )
        .then(start, EventData::InternalNote { body: "Looking".into() })
        .then(start, back);
    assert_eq!(
        groups_held(&log.events),
        [ids.service_desk, ids.network],
        "each group once, in order of arrival"
    );
    assert_eq!(holder_at_end(&log.events), Some(desk));
    assert_eq!(holder_at_end(&EventLog::created(Priority::Normal, start).events), None);
}

#[test]
fn breached_clocks_are_read_from_the_log() {
    let start = utc("2026-03-09 09:00");
    let breach = |clock| EventData::ClockBreached { clock, cycle: 0, due_at: start, late: false };
    let log = EventLog::created(Priority::High, start)
        .then(start, breach(ClockKind::FirstResponse))
        .then(start, breach(ClockKind::TierBudget))
        .then(start, breach(ClockKind::TierBudget));
    assert_eq!(
        breached_clocks(&log.events),
        BTreeSet::from([ClockKind::FirstResponse, ClockKind::TierBudget])
    );
}

fn any_record() -> impl Strategy<Value = FeedbackRecord> {
    (
        1i64..1000,
        prop::option::of((1u8..=5, prop::option::of(1u8..=7))),
        prop::collection::vec(1i64..5, 0..4),
        any::<bool>(),
    )
        .prop_map(|(ticket_id, answer, tiers, breached)| {
            let answer = answer.map(|(csat, effort)| SurveyAnswer { csat, effort, comment: None });
            let breached: &[ClockKind] = if breached { &[ClockKind::Resolution] } else { &[] };
            record(ticket_id, answer, &tiers, breached)
        })
}

proptest! {
    /// Grouping by a key that puts every record in exactly one group splits the figures without
    /// losing or counting twice any survey.
    #[test]
    fn groups_add_up_to_the_whole(records in prop::collection::vec(any_record(), 0..60)) {
        let whole = FeedbackFigures::of(&records);
        let groups = figures_by(&records, |record| vec![record.breached.is_empty()]);
        let mut sum = FeedbackFigures::default();
        for figures in groups.values() {
            sum.responses.add(figures.responses);
            sum.satisfied.add(figures.satisfied);
            sum.csat_total += figures.csat_total;
            sum.effort_answers += figures.effort_answers;
            sum.effort_total += figures.effort_total;
        }
        prop_assert_eq!(sum, whole);
    }

    /// The interval lies in [0, 1] and holds the share; more trials at the same share narrow it.
    #[test]
    fn the_interval_holds_the_share_and_narrows(trials in 1u64..2000, successes_per_mille in 0u64..=1000) {
        let successes = trials * successes_per_mille / 1000;
        let proportion = Proportion { successes, trials };
        let share = proportion.share().expect("trials");
        let (low, high) = proportion.interval_95().expect("trials");
        prop_assert!((0.0..=1.0).contains(&low) && (0.0..=1.0).contains(&high));
        prop_assert!(low <= share + 1e-12 && share <= high + 1e-12, "{} not in [{}, {}]", share, low, high);
        let more = Proportion { successes: successes * 4, trials: trials * 4 };
        let (more_low, more_high) = more.interval_95().expect("trials");
        prop_assert!(more_high - more_low <= high - low + 1e-12);
    }
}
