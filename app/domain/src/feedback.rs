//! The figures a feedback analysis is made of: response rate, satisfaction with its confidence
//! interval, effort — for any grouping of surveys — and the escalation path each ticket took, so
//! that satisfaction can be compared by handoff and by breach, saying where the answers are too
//! few to compare. The report built from them is in [`report`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::survey::SurveyAnswer;
use crate::ticket::{Assignment, ClockKind, EventData, TicketEvent};

/// Fewer answers than this make a group's satisfaction "too few to say": its interval is shown,
/// but it is not compared with others.
pub const MIN_ANSWERS_TO_COMPARE: u64 = 10;

/// z for a two-sided 95 % interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// A share of trials that succeeded, such as satisfied answers among all answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
}

impl Proportion {
    /// The share from 0 to 1; `None` without trials.
    pub fn share(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }

    /// The 95 % Wilson score interval of the share; `None` without trials. Unlike the normal
    /// approximation it stays inside [0, 1] and is honest for small counts and shares near 0 or 1,
    /// which is what satisfaction per handoff usually looks like.
    pub fn interval_95(&self) -> Option<(f64, f64)> {
        let share = self.share()?;
        let n = self.trials as f64;
        let z2 = Z_95 * Z_95;
        let centre = (share + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z_95 / (1.0 + z2 / n) * (share * (1.0 - share) / n + z2 / (4.0 * n * n)).sqrt();
        Some(((centre - half).max(0.0), (centre + half).min(1.0)))
    }

    /// Whether there are enough trials to compare this share with another.
    pub fn is_enough_to_compare(&self) -> bool {
        self.trials >= MIN_ANSWERS_TO_COMPARE
    }

    fn add(&mut self, other: Proportion) {
        self.successes += other.successes;
        self.trials += other.trials;
    }
}

/// How a ticket moved up the support tiers while it was open.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EscalationPath {
    /// The tiers in the order the ticket first reached them: where it was first placed, then each
    /// tier an escalation took it to. `[L1]` for a ticket never escalated, `[L1, L3]` for one that
    /// went from L1 straight to L3. Handing back adds nothing; a ticket no tier held has none.
    pub tiers: Vec<i64>,
    pub manner: EscalationManner,
}

/// Who moved the ticket up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationManner {
    /// Never escalated.
    #[default]
    NotEscalated,
    /// Only the escalation engine.
    Automatic,
    /// Only staff, with a handoff note.
    ByHand,
    /// Both.
    Mixed,
}

impl EscalationManner {
    fn with(self, by_hand: bool) -> EscalationManner {
        use EscalationManner::{Automatic, ByHand, Mixed, NotEscalated};
        match (self, by_hand) {
            (NotEscalated, true) | (ByHand, true) => ByHand,
            (NotEscalated, false) | (Automatic, false) => Automatic,
            _ => Mixed,
        }
    }

    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            EscalationManner::NotEscalated => "Not escalated",
            EscalationManner::Automatic => "Automatic",
            EscalationManner::ByHand => "By hand",
            EscalationManner::Mixed => "By hand and automatic",
        }
    }
}

/// The escalation path of a ticket, read from its log (in order).
pub fn escalation_path(events: &[TicketEvent]) -> EscalationPath {
    let mut path = EscalationPath::default();
    let reach = |tier: Option<i64>, path: &mut EscalationPath| {
        if let Some(tier) = tier {
            if !path.tiers.contains(&tier) {
                path.tiers.push(tier);
            }
        }
    };
    for event in events {
        match &event.data {
            // The first placement of a ticket no tier held (routing writes it as an escalation
            // from nowhere) starts the path; it is not an escalation.
            EventData::AssignmentChanged { from, to, .. } | EventData::Escalated { from, to, .. }
                if from.tier_id.is_none() =>
            {
                reach(to.tier_id, &mut path)
            }
            EventData::Escalated { from, to, handoff, .. } => {
                reach(from.tier_id, &mut path);
                reach(to.tier_id, &mut path);
                path.manner = path.manner.with(handoff.is_some());
            }
            _ => {}
        }
    }
    path
}

/// The groups that held a ticket, in order of first arrival.
pub fn groups_held(events: &[TicketEvent]) -> Vec<i64> {
    let mut groups = Vec::new();
    for assignment in moves(events) {
        if let Some(group) = assignment.group_id.filter(|group| !groups.contains(group)) {
            groups.push(group);
        }
    }
    groups
}

/// Who held the ticket after the last move in `events`, if it ever moved.
pub fn holder_at_end(events: &[TicketEvent]) -> Option<Assignment> {
    moves(events).last()
}

/// Where each move of the log put the ticket, in order.
fn moves(events: &[TicketEvent]) -> impl Iterator<Item = Assignment> + '_ {
    events.iter().filter_map(|event| match &event.data {
        EventData::AssignmentChanged { to, .. }
        | EventData::Escalated { to, .. }
        | EventData::Deescalated { to, .. } => Some(*to),
        _ => None,
    })
}

/// The clocks that ran past their target while the ticket was open.
pub fn breached_clocks(events: &[TicketEvent]) -> BTreeSet<ClockKind> {
    events
        .iter()
        .filter_map(|event| match &event.data {
            EventData::ClockBreached { clock, .. } => Some(*clock),
            _ => None,
        })
        .collect()
}

/// One offered survey with what the analysis groups it by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub ticket_id: i64,
    pub answer: Option<SurveyAnswer>,
    pub path: EscalationPath,
    pub breached: BTreeSet<ClockKind>,
}

/// The figures of a group of offered surveys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedbackFigures {
    /// Answered among offered: the response rate.
    pub responses: Proportion,
    /// Satisfied (4 or 5) among answers: CSAT.
    pub satisfied: Proportion,
    /// The sum of the scores, for the mean.
    csat_total: u64,
    /// How many answers gave an effort score, and their sum.
    pub effort_answers: u64,
    effort_total: u64,
}

impl FeedbackFigures {
    /// The figures of some surveys.
    pub fn of<'a>(records: impl IntoIterator<Item = &'a FeedbackRecord>) -> FeedbackFigures {
        let mut figures = FeedbackFigures::default();
        for record in records {
            figures.count(record);
        }
        figures
    }

    fn count(&mut self, record: &FeedbackRecord) {
        let answer = record.answer.as_ref();
        self.responses.add(Proportion { successes: u64::from(answer.is_some()), trials: 1 });
        if let Some(answer) = answer {
            self.satisfied.add(Proportion { successes: u64::from(answer.is_satisfied()), trials: 1 });
            self.csat_total += u64::from(answer.csat);
            if let Some(effort) = answer.effort {
                self.effort_answers += 1;
                self.effort_total += u64::from(effort);
            }
        }
    }

    /// The mean satisfaction score, 1 to 5; `None` without answers.
    pub fn mean_csat(&self) -> Option<f64> {
        (self.satisfied.trials > 0).then(|| self.csat_total as f64 / self.satisfied.trials as f64)
    }

    /// The mean effort score, 1 to 7; `None` without effort answers.
    pub fn mean_effort(&self) -> Option<f64> {
        (self.effort_answers > 0).then(|| self.effort_total as f64 / self.effort_answers as f64)
    }
}

/// The figures per group, for any key: a tier, a category, an escalation path, breached or not.
/// A record may belong to several groups (a ticket held by two tiers counts for both).
pub fn figures_by<'a, K: Ord>(
    records: &'a [FeedbackRecord],
    keys: impl Fn(&'a FeedbackRecord) -> Vec<K>,
) -> BTreeMap<K, FeedbackFigures> {
    let mut groups: BTreeMap<K, FeedbackFigures> = BTreeMap::new();
    for record in records {
        for key in keys(record) {
            groups.entry(key).or_default().count(record);
        }
    }
    groups
}

pub mod report;

#[cfg(test)]
mod tests;
