use proptest::prelude::*;

use super::*;
use crate::test_support::utc;

fn facts(escalated: bool, plan: &str, last_offer: Option<&str>) -> OfferFacts {
    OfferFacts { escalated, plan: plan.into(), last_offer_for_another_ticket: last_offer.map(utc) }
}

#[test]
fn who_is_offered_a_survey() {
    let every = SurveySettings::default();
    let escalated_only =
        SurveySettings { audience: SurveyAudience::EscalatedOnly, ..SurveySettings::default() };
    let enterprise_only = SurveySettings { plans: vec!["enterprise".into()], ..SurveySettings::default() };
    let nobody = SurveySettings { audience: SurveyAudience::Nobody, ..SurveySettings::default() };
    let resolved = utc("2026-03-10 12:00");
    let offer = OfferDecision::Offer {
        expires_at: utc("2026-03-24 12:00"),
        remind_at: Some(utc("2026-03-13 12:00")),
    };
    let cases = [
        ("every resolved ticket, not escalated", &every, facts(false, "standard", None), offer.clone()),
        ("nobody is asked", &nobody, facts(true, "standard", None), OfferDecision::NobodyAsked),
        ("escalated only, escalated", &escalated_only, facts(true, "standard", None), offer.clone()),
        (
            "escalated only, not escalated",
            &escalated_only,
            facts(false, "standard", None),
            OfferDecision::NotEscalated,
        ),
        ("a plan that is asked, any case", &enterprise_only, facts(false, "Enterprise", None), offer.clone()),
        (
            "a plan that is not asked",
            &enterprise_only,
            facts(true, "standard", None),
            OfferDecision::PlanNotAsked,
        ),
        (
            "asked about another ticket six days ago",
            &every,
            facts(false, "standard", Some("2026-03-04 12:01")),
            OfferDecision::AskedRecently { last_offer: utc("2026-03-04 12:01") },
        ),
        (
            "asked about another ticket exactly seven days ago",
            &every,
            facts(false, "standard", Some("2026-03-03 12:00")),
            offer,
        ),
    ];
    for (case, settings, facts, expected) in cases {
        assert_eq!(decide_offer(settings, &facts, resolved), expected, "{case}");
    }
}

#[test]
fn resolving_offers_and_reopening_withdraws() {
    use crate::ticket::TicketStatus::{Closed, New, Open, Pending, Resolved};
    let status = |from, to| EventData::StatusChanged { from, to };
    let note = EventData::InternalNote { body: "x".into() };
    let cases = [
        ("resolved", vec![status(Open, Resolved)], Some(SurveyStep::Resolved)),
        ("closed while open", vec![status(Pending, Closed)], Some(SurveyStep::Resolved)),
        ("a resolved ticket closed", vec![status(Resolved, Closed)], None),
        ("reopened", vec![status(Resolved, Open)], Some(SurveyStep::Reopened)),
        ("a closed ticket reopened", vec![status(Closed, New)], Some(SurveyStep::Reopened)),
        ("worked on, not resolved", vec![status(New, Open), note.clone()], None),
        (
            "reopened and resolved again at once",
            vec![status(Resolved, Open), status(Open, Resolved)],
            Some(SurveyStep::Resolved),
        ),
        ("nothing about the status", vec![note], None),
    ];
    for (case, events, expected) in cases {
        assert_eq!(survey_step(&events), expected, "{case}");
    }
}

#[test]
fn a_reminder_after_the_link_expires_is_not_planned() {
    let settings = SurveySettings {
        valid_for: Duration::days(2),
        remind_after: Some(Duration::days(3)),
        ..SurveySettings::default()
    };
    let resolved = utc("2026-03-10 12:00");
    let facts = facts(false, "standard", None);
    assert_eq!(
        decide_offer(&settings, &facts, resolved),
        OfferDecision::Offer { expires_at: utc("2026-03-12 12:00"), remind_at: None }
    );
    let no_reminder = SurveySettings { remind_after: None, ..SurveySettings::default() };
    assert!(matches!(
        decide_offer(&no_reminder, &facts, resolved),
        OfferDecision::Offer { remind_at: None, .. }
    ));
}

fn link(answered: bool, withdrawn: bool) -> SurveyLink {
    SurveyLink {
        ticket_id: 7,
        offered_at: utc("2026-03-10 12:00"),
        expires_at: utc("2026-03-24 12:00"),
        answered_at: answered.then(|| utc("2026-03-11 08:00")),
        withdrawn_at: withdrawn.then(|| utc("2026-03-11 09:00")),
    }
}

#[test]
fn what_a_link_allows() {
    let before_expiry = utc("2026-03-24 11:59");
    let at_expiry = utc("2026-03-24 12:00");
    let cases = [
        ("open", link(false, false), before_expiry, Ok(())),
        ("open, at the instant it expires", link(false, false), at_expiry, Err(LinkRefusal::Expired)),
        ("answered", link(true, false), before_expiry, Err(LinkRefusal::AlreadyAnswered)),
        ("answered, then expired", link(true, false), at_expiry, Err(LinkRefusal::AlreadyAnswered)),
        ("withdrawn by a reopening", link(false, true), before_expiry, Err(LinkRefusal::Withdrawn)),
        ("withdrawn, then expired", link(false, true), at_expiry, Err(LinkRefusal::Withdrawn)),
    ];
    for (case, link, now, expected) in cases {
        assert_eq!(check_link(&link, now), expected, "{case}");
    }
}

fn input(csat: &str, effort: &str, comment: &str) -> SurveyAnswerInput {
    SurveyAnswerInput { csat: csat.into(), effort: effort.into(), comment: comment.into() }
}

#[test]
fn an_answer_needs_a_score_from_one_to_five_and_names_every_wrong_field() {
    assert_eq!(input("5", "", "  ").validate(), Ok(SurveyAnswer { csat: 5, effort: None, comment: None }));
    assert_eq!(
        input(" 2 ", "7", " Took three handoffs. ").validate(),
        Ok(SurveyAnswer { csat: 2, effort: Some(7), comment: Some("Took three handoffs.".into()) })
    );
    let fields = |input: SurveyAnswerInput| -> Vec<String> {
        input.validate().expect_err("refused").0.into_iter().map(|error| error.field).collect()
    };
    assert_eq!(fields(input("", "", "")), ["csat"]);
    assert_eq!(fields(input("0", "", "")), ["csat"]);
    assert_eq!(fields(input("6", "", "")), ["csat"]);
    assert_eq!(fields(input("4.5", "", "")), ["csat"]);
    assert_eq!(fields(input("3", "8", "")), ["effort"]);
    assert_eq!(fields(input("3", "0", "")), ["effort"]);
    let long = "x".repeat(COMMENT_MAX + 1);
    assert_eq!(fields(input("six", "-1", &long)), ["csat", "effort", "comment"]);
    assert!(input("3", "", &"é".repeat(COMMENT_MAX)).validate().is_ok(), "the limit counts characters");
}

#[test]
fn low_and_satisfied_scores() {
    let settings = SurveySettings::default();
    let answer = |csat| SurveyAnswer { csat, effort: None, comment: None };
    let low: Vec<u8> = (1..=5).filter(|&csat| answer(csat).is_low(&settings)).collect();
    let satisfied: Vec<u8> = (1..=5).filter(|&csat| answer(csat).is_satisfied()).collect();
    assert_eq!(low, [1, 2]);
    assert_eq!(satisfied, [4, 5]);
    let stricter = SurveySettings { low_score: 3, ..settings };
    assert!(answer(3).is_low(&stricter));
}

proptest! {
    /// Survey fatigue: within the period after an offer for another ticket nothing is offered,
    /// from its end on the offer stands, and the link always outlives its reminder.
    #[test]
    fn the_fatigue_window_is_exact(
        since_last_minutes in 0i64..(30 * 24 * 60),
        window_days in 1i64..30,
        valid_days in 1i64..30,
        remind_days in 0i64..30,
    ) {
        let settings = SurveySettings {
            valid_for: Duration::days(valid_days),
            remind_after: Some(Duration::days(remind_days)),
            at_most_one_per: Duration::days(window_days),
            ..SurveySettings::default()
        };
        let resolved = utc("2026-06-01 00:00");
        let last_offer = resolved - Duration::minutes(since_last_minutes);
        let decision = decide_offer(
            &settings,
            &OfferFacts { escalated: true, plan: "standard".into(), last_offer_for_another_ticket: Some(last_offer) },
            resolved,
        );
        if Duration::minutes(since_last_minutes) < settings.at_most_one_per {
            prop_assert_eq!(decision, OfferDecision::AskedRecently { last_offer });
        } else {
            match decision {
                OfferDecision::Offer { expires_at, remind_at } => {
                    prop_assert_eq!(expires_at, resolved + settings.valid_for);
                    prop_assert!(remind_at.is_none_or(|at| at < expires_at && at >= resolved));
                }
                other => prop_assert!(false, "expected an offer, got {:?}", other),
            }
        }
    }

    /// Only integers from 1 to 5 are satisfaction scores.
    #[test]
    fn any_text_is_a_score_only_from_one_to_five(text in "\\PC{0,4}") {
        let result = input(&text, "", "").validate();
        let valid = matches!(text.trim().parse::<u8>(), Ok(1..=5));
        prop_assert_eq!(result.is_ok(), valid);
    }
}

#[test]
fn a_review_change_names_every_wrong_field() {
    let change = |status: &str, owner: &str, action: &str| ReviewChangeInput {
        status: status.into(),
        owner_id: owner.into(),
        notes: " talked it through ".into(),
        action: action.into(),
    };
    let valid = change("discussed", "7", "").validate().expect("valid");
    assert_eq!(
        valid,
        ReviewChange {
            status: ReviewStatus::Discussed,
            owner_id: Some(7),
            notes: "talked it through".into(),
            action: String::new()
        }
    );
    assert_eq!(change("open", "", "").validate().expect("nobody owns it").owner_id, None);
    let fields = |input: ReviewChangeInput| -> Vec<String> {
        input.validate().expect_err("refused").0.into_iter().map(|error| error.field).collect()
    };
    assert_eq!(fields(change("done", "x", "")), ["status", "owner_id"]);
    assert_eq!(fields(change("action_agreed", "7", "  ")), ["action"]);
    assert_eq!(fields(change("closed", "7", "")), ["action"]);
    assert!(change("closed", "7", "Add a 4h checkpoint to L2").validate().is_ok());
    let long = "x".repeat(REVIEW_TEXT_MAX + 1);
    assert_eq!(fields(ReviewChangeInput { notes: long.clone(), ..change("open", "", "") }), ["notes"]);
    assert_eq!(fields(change("discussed", "", &long)), ["action"]);
}
