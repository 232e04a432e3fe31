//! One sentence for each ticket event: "Sam Patel changed the priority from Normal to Urgent".
//!
//! Every place that puts an event into words asks [`describe`]: the ticket page's timeline, the
//! refusal of a stale edit (which lists the edits made since), the REST API's timeline and the
//! notifications' summary. So an event reads the same wherever it is told. What an event
//! carries besides the sentence — a message's text, a handoff note — each place shows in its own
//! way.
//!
//! The sentence has no final full stop (the timeline shows it as a heading); a place that
//! needs a whole sentence adds one.

use chrono::{DateTime, Duration, Utc};

use crate::directory::Directory;
use crate::ticket::{Assignment, EventData};

/// The sentence for `event`, caused by `actor` (a person's name, or "Tierline" for the
/// engine), with the names behind its ids looked up in `names`.
pub fn describe(event: &EventData, actor: &str, names: &Directory) -> String {
    match event {
        EventData::Created { .. } => format!("{actor} opened the ticket"),
        EventData::CustomerMessage { .. } => format!("{actor} wrote"),
        EventData::PublicReply { .. } => format!("{actor} replied"),
        EventData::InternalNote { .. } => format!("{actor} wrote an internal note"),
        EventData::StatusChanged { from, to } => {
            format!("{actor} changed the status from {} to {}", from.label(), to.label())
        }
        EventData::PriorityChanged { from, to } => {
            format!("{actor} changed the priority from {} to {}", from.label(), to.label())
        }
        EventData::CategoryChanged { from, to } => format!(
            "{actor} changed the category from {} to {}",
            names.category_name(*from).unwrap_or("none"),
            names.category_name(*to).unwrap_or("none")
        ),
        EventData::TagsChanged { added, removed } => {
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", added.join(", ")));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", removed.join(", ")));
            }
            if parts.is_empty() {
                format!("{actor} changed the tags")
            } else {
                format!("{actor} {} as tags", parts.join(" and "))
            }
        }
        EventData::AssignmentChanged { to, .. } => {
            format!("{actor} assigned the ticket to {}", place(names, to))
        }
        EventData::Escalated { to, level, reason, .. } => {
            let level = level.map(|level| format!(" (level {level})")).unwrap_or_default();
            format!("{actor} escalated the ticket to {}{level}: {reason}", place(names, to))
        }
        EventData::Deescalated { to, level, .. } => {
            format!("{actor} handed the ticket back to {} (level {level})", place(names, to))
        }
        EventData::ClockReminder { clock, percent, due_at, late, .. } => format!(
            "Reminder: {percent} % of the {} target used at {}{}",
            clock.label().to_lowercase(),
            instant(*due_at),
            late_mark(*late)
        ),
        EventData::CheckpointMissed { tier_id, due_at, late } => format!(
            "Checkpoint missed: {} owed the customer a public update by {}{}",
            names.tier_name(*tier_id).unwrap_or("the tier"),
            instant(*due_at),
            late_mark(*late)
        ),
        EventData::Stalled { tier_id, since, late } => format!(
            "Stalled: {} has done nothing with the ticket since {}{}",
            names.tier_name(Some(*tier_id)).unwrap_or("the tier"),
            instant(*since),
            late_mark(*late)
        ),
        EventData::ClockBreached { clock, due_at, late, .. } => {
            format!("{} target breached at {}{}", clock.label(), instant(*due_at), late_mark(*late))
        }
        EventData::EscalationAcknowledged { level } => {
            format!("{actor} acknowledged the escalation at level {level}")
        }
        EventData::EscalationRated { warranted, handoff, .. } => format!(
            "{actor} rated the escalation: {}, handoff note {handoff}/5",
            warranted.label().to_lowercase()
        ),
        EventData::SurveyAnswered { csat, effort, low, .. } => {
            let effort = effort.map(|effort| format!(", effort {effort}/7")).unwrap_or_default();
            let low = if *low { " (a low score: the leads were alerted)" } else { "" };
            format!("{actor} rated the support {csat}/5{effort}{low}")
        }
    }
}

/// Where an assignment puts a ticket: "L2 Specialists · Network · Nina Kowalski", or "nobody".
pub fn place(names: &Directory, assignment: &Assignment) -> String {
    let place = [
        names.tier_name(assignment.tier_id),
        names.group_name(assignment.group_id),
        names.agent_name(assignment.assignee_id),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    if place.is_empty() {
        "nobody".to_string()
    } else {
        place
    }
}

/// An instant as events are told: "2026-03-06 14:02 UTC".
pub fn instant(at: DateTime<Utc>) -> String {
    format_instant(at, Precision::Minute)
}

/// How much of an instant a place shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Precision {
    /// "2026-12-05".
    Day,
    /// "2026-12-05 14:03 UTC": the usual.
    #[default]
    Minute,
    /// "2026-12-05 14:03:07 UTC": logs, where the order within a minute matters.
    Second,
    /// "12-05 14:03": a list of stretches read one against the next, whose year and zone are
    /// said around it.
    Brief,
}

/// An instant as text, the one format of every page, message and e-mail. People have no time
/// zone of their own yet, so instants are in UTC and say so; this is the one place that will
/// convert to a person's zone.
pub fn format_instant(at: DateTime<Utc>, precision: Precision) -> String {
    let pattern = match precision {
        Precision::Day => "%Y-%m-%d",
        Precision::Minute => "%Y-%m-%d %H:%M UTC",
        Precision::Second => "%Y-%m-%d %H:%M:%S UTC",
        Precision::Brief => "%m-%d %H:%M",
    };
    at.format(pattern).to_string()
}

/// A span of time in hours and minutes, or minutes and seconds under an hour; never in days,
/// since a business "day" is easily misread: "51h 00m", "12m 07s", "-1h 10m".
pub fn format_span(span: Duration) -> String {
    let sign = if span < Duration::zero() { "-" } else { "" };
    let seconds = span.num_seconds().abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if hours > 0 {
        format!("{sign}{hours}h {minutes:02}m")
    } else if minutes > 0 && rest > 0 {
        format!("{sign}{minutes}m {rest:02}s")
    } else if minutes > 0 {
        format!("{sign}{minutes}m")
    } else {
        format!("{sign}{rest}s")
    }
}

fn late_mark(late: bool) -> &'static str {
    if late {
        " (recorded late)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{Category, Group, Tier};
    use crate::ticket::{ClockKind, Priority, TicketStatus};
    use chrono::TimeZone;

    fn names() -> Directory {
        let tier =
            |id, name: &str| Tier { id, name: name.into(), rank: id, lead_id: None, handbook: String::new() };
        Directory {
            tiers: vec![tier(1, "L1 Service Desk"), tier(2, "L2 Specialists")],
            groups: vec![Group {
                id: 5,
                tier_id: 2,
                name: "Network".into(),
                lead_id: None,
                skills: Vec::new(),
                member_ids: vec![9],
            }],
            categories: vec![Category { id: 3, name: "Hardware".into(), active: true }],
            agents: vec![(9, "Nina Kowalski".into())],
        }
    }

    #[test]
    fn every_event_reads_as_one_sentence_naming_who_and_what() {
        let due = Utc.with_ymd_and_hms(2026, 3, 6, 14, 2, 0).unwrap();
        let to = Assignment { tier_id: Some(2), group_id: Some(5), assignee_id: Some(9) };
        let cases = [
            (
                EventData::StatusChanged { from: TicketStatus::New, to: TicketStatus::Open },
                "Sam changed the status from New to Open",
            ),
            (
                EventData::PriorityChanged { from: Priority::Normal, to: Priority::Urgent },
                "Sam changed the priority from Normal to Urgent",
            ),
            (EventData::CategoryChanged { from: None, to: Some(3) }, "Sam changed the category from none to Hardware"),
            (
                EventData::TagsChanged { added: vec!["vpn".into()], removed: vec!["new".into()] },
                "Sam added vpn and removed new as tags",
            ),
            (
                EventData::Escalated { from: Assignment::default(), to, level: Some(2), handoff: None, reason: "Escalated by hand".into() },
                "Sam escalated the ticket to L2 Specialists · Network · Nina Kowalski (level 2): Escalated by hand",
            ),
            (
                EventData::Deescalated { from: to, to: Assignment { tier_id: Some(1), ..Assignment::default() }, level: 1, reason: "Fixed".into() },
                "Sam handed the ticket back to L1 Service Desk (level 1)",
            ),
            (
                EventData::AssignmentChanged { from: Assignment::default(), to: Assignment::default(), level: None },
                "Sam assigned the ticket to nobody",
            ),
            (
                EventData::ClockReminder { clock: ClockKind::FirstResponse, cycle: 0, percent: 75, due_at: due, late: false },
                "Reminder: 75 % of the first response target used at 2026-03-06 14:02 UTC",
            ),
            (
                EventData::ClockBreached { clock: ClockKind::TierBudget, cycle: 0, due_at: due, late: true },
                "Tier budget target breached at 2026-03-06 14:02 UTC (recorded late)",
            ),
            (
                EventData::CheckpointMissed { tier_id: Some(2), due_at: due, late: false },
                "Checkpoint missed: L2 Specialists owed the customer a public update by 2026-03-06 14:02 UTC",
            ),
            (EventData::EscalationAcknowledged { level: 2 }, "Sam acknowledged the escalation at level 2"),
            (
                EventData::EscalationRated {
                    escalation: 4,
                    warranted: crate::ticket::Warranted::No,
                    handoff: 2,
                    comment: None,
                },
                "Sam rated the escalation: not warranted, handoff note 2/5",
            ),
            (
                EventData::SurveyAnswered { survey_id: 1, csat: 4, effort: Some(2), comment: None, low: false },
                "Sam rated the support 4/5, effort 2/7",
            ),
            (
                EventData::SurveyAnswered { survey_id: 1, csat: 1, effort: None, comment: None, low: true },
                "Sam rated the support 1/5 (a low score: the leads were alerted)",
            ),
            (EventData::InternalNote { body: "x".into() }, "Sam wrote an internal note"),
        ];
        for (event, sentence) in cases {
            assert_eq!(describe(&event, "Sam", &names()), sentence);
        }
    }

    #[test]
    fn an_instant_is_shown_in_utc_at_the_asked_precision() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 14, 3, 7).single().expect("a valid instant");
        assert_eq!(format_instant(at, Precision::Day), "2026-12-05");
        assert_eq!(format_instant(at, Precision::Minute), "2026-12-05 14:03 UTC");
        assert_eq!(format_instant(at, Precision::Second), "2026-12-05 14:03:07 UTC");
        assert_eq!(format_instant(at, Precision::Brief), "12-05 14:03");
        assert_eq!(instant(at), format_instant(at, Precision::Minute));
    }

    #[test]
    fn a_span_names_hours_and_minutes_or_minutes_and_seconds_never_days() {
        let cases = [
            (Duration::hours(72), "72h 00m"),
            (Duration::minutes(125), "2h 05m"),
            (Duration::seconds(727), "12m 07s"),
            (Duration::minutes(30), "30m"),
            (Duration::seconds(45), "45s"),
            (Duration::zero(), "0s"),
            (-Duration::minutes(70), "-1h 10m"),
        ];
        for (span, text) in cases {
            assert_eq!(format_span(span), text, "{span:?}");
        }
    }
}
