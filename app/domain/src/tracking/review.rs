//! The performance review: per tier, group and agent over a period — tickets handled, first
//! response and resolution targets met, escalations sent and received (by hand and by the
//! ladder), reopenings, the median time they held a ticket, missed checkpoints, and how the
//! receiving tiers rated the escalations each received and each sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::percentile;
use crate::clock::{ClockPhase, TicketClocks};
use crate::directory::Directory;
use crate::feedback::report::push_row;
use crate::ticket::{Assignment, ClockKind, EventData, Ticket, TicketEvent, Warranted};

/// Whom a row of the review is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Tier(i64),
    Group(i64),
    Agent(i64),
}

impl Unit {
    /// The tier, group and agent of an assignment, those it names.
    pub fn of(assignment: Assignment) -> Vec<Unit> {
        [
            assignment.tier_id.map(Unit::Tier),
            assignment.group_id.map(Unit::Group),
            assignment.assignee_id.map(Unit::Agent),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// "Tier", "Group" or "Agent", and the name behind the id.
    pub fn describe(self, names: &Directory) -> (&'static str, String) {
        let unknown = || "(removed)".to_string();
        match self {
            Unit::Tier(id) => ("Tier", names.tier_name(Some(id)).map_or_else(unknown, str::to_string)),
            Unit::Group(id) => ("Group", names.group_name(Some(id)).map_or_else(unknown, str::to_string)),
            Unit::Agent(id) => ("Agent", names.agent_name(Some(id)).map_or_else(unknown, str::to_string)),
        }
    }
}

/// What the review needs of a ticket resolved in the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedTicket {
    /// Wall-clock time each tier, group and agent held it, until its resolution.
    pub held: BTreeMap<Unit, Duration>,
    /// Whether its first response came in time; `None` without a target.
    pub first_response_met: Option<bool>,
    /// Whether its (last) resolution came in time; `None` without a target.
    pub resolution_met: Option<bool>,
    pub reopened: bool,
}

impl ResolvedTicket {
    pub fn of(
        ticket: &Ticket,
        log: &[TicketEvent],
        clocks: &TicketClocks,
        resolved_at: DateTime<Utc>,
    ) -> ResolvedTicket {
        let met = |kind: ClockKind, first: bool| {
            let mut cycles = clocks.clocks.iter().filter(|clock| clock.kind == kind);
            let cycle = if first { cycles.next() } else { cycles.next_back() };
            cycle.and_then(|clock| match clock.state {
                ClockPhase::Met => Some(true),
                ClockPhase::Breached => Some(false),
                _ => None,
            })
        };
        let mut held: BTreeMap<Unit, Duration> = BTreeMap::new();
        for (assignment, from, until) in holdings(log, resolved_at) {
            for unit in Unit::of(assignment) {
                *held.entry(unit).or_insert_with(Duration::zero) += until - from;
            }
        }
        ResolvedTicket {
            held,
            first_response_met: met(ClockKind::FirstResponse, true),
            resolution_met: met(ClockKind::Resolution, false),
            reopened: ticket.reopen_count > 0,
        }
    }
}

/// Who held the ticket from when until when, up to `until`.
pub fn holdings(
    log: &[TicketEvent],
    until: DateTime<Utc>,
) -> Vec<(Assignment, DateTime<Utc>, DateTime<Utc>)> {
    let mut stints = Vec::new();
    let mut current: Option<(Assignment, DateTime<Utc>)> = None;
    for event in log.iter().filter(|event| event.at <= until) {
        let to = match &event.data {
            EventData::Escalated { to, .. }
            | EventData::Deescalated { to, .. }
            | EventData::AssignmentChanged { to, .. } => *to,
            _ => continue,
        };
        if let Some((assignment, since)) = current.take() {
            stints.push((assignment, since, event.at));
        }
        current = Some((to, event.at));
    }
    if let Some((assignment, since)) = current {
        stints.push((assignment, since, until));
    }
    stints
}

/// Something in the period the review counts, whatever the ticket's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewEvent {
    /// A move to a higher tier, by a person or by the ladder (routing from no tier is none).
    Escalation {
        from: Assignment,
        to: Assignment,
        by_hand: bool,
    },
    CheckpointMissed {
        tier_id: Option<i64>,
    },
    /// The receiving tier's rating of an escalation from `from` to `to`.
    Rating {
        from: Assignment,
        to: Assignment,
        warranted: Warranted,
        handoff: u8,
    },
}

impl ReviewEvent {
    /// What `event` of a ticket whose log is `log` counts for, if anything.
    pub fn of(event: &TicketEvent, log: &[TicketEvent]) -> Option<ReviewEvent> {
        match &event.data {
            EventData::Escalated { from, to, .. } if from.tier_id.is_some() => {
                Some(ReviewEvent::Escalation { from: *from, to: *to, by_hand: event.actor_id.is_some() })
            }
            EventData::CheckpointMissed { tier_id, .. } => {
                Some(ReviewEvent::CheckpointMissed { tier_id: *tier_id })
            }
            EventData::EscalationRated { escalation, warranted, handoff, .. } => {
                log.iter().find(|rated| rated.sequence == *escalation).and_then(|rated| match &rated.data {
                    EventData::Escalated { from, to, .. } => Some(ReviewEvent::Rating {
                        from: *from,
                        to: *to,
                        warranted: *warranted,
                        handoff: *handoff,
                    }),
                    _ => None,
                })
            }
            _ => None,
        }
    }
}

/// How many of some tickets met a target, of those with one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Met {
    pub met: usize,
    pub of: usize,
}

impl Met {
    fn add(&mut self, met: Option<bool>) {
        if let Some(met) = met {
            self.of += 1;
            self.met += usize::from(met);
        }
    }

    /// Whole percent, `None` of nothing.
    pub fn percent(self) -> Option<u32> {
        (self.of > 0).then(|| ((self.met * 100 + self.of / 2) / self.of) as u32)
    }
}

/// Ratings of escalations: how many, how many warranted (yes / no / unsure), and the handoff
/// notes' scores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    pub count: usize,
    pub warranted: usize,
    pub unwarranted: usize,
    pub unsure: usize,
    pub handoff_total: u32,
}

impl Ratings {
    fn add(&mut self, warranted: Warranted, handoff: u8) {
        self.count += 1;
        match warranted {
            Warranted::Yes => self.warranted += 1,
            Warranted::No => self.unwarranted += 1,
            Warranted::Unsure => self.unsure += 1,
        }
        self.handoff_total += u32::from(handoff);
    }

    /// Warranted, in whole percent of those rated.
    pub fn warranted_percent(self) -> Option<u32> {
        Met { met: self.warranted, of: self.count }.percent()
    }

    /// The handoff notes' average score, to one decimal.
    pub fn handoff_average(self) -> Option<f64> {
        (self.count > 0).then(|| (f64::from(self.handoff_total) * 10.0 / self.count as f64).round() / 10.0)
    }
}

/// One tier's, group's or agent's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub unit: Unit,
    /// Tickets resolved in the period that it held.
    pub handled: usize,
    pub first_response: Met,
    pub resolution: Met,
    pub sent_by_hand: usize,
    pub sent_by_ladder: usize,
    pub received_by_hand: usize,
    pub received_by_ladder: usize,
    /// Handled tickets that had been reopened.
    pub reopened: usize,
    /// The median time it held a handled ticket.
    pub median_held: Option<Duration>,
    pub checkpoint_misses: usize,
    /// Its ratings of the escalations it received, and the ratings of those it sent.
    pub rated_received: Ratings,
    pub rated_sent: Ratings,
}

impl ReviewRow {
    fn new(unit: Unit) -> ReviewRow {
        ReviewRow {
            unit,
            handled: 0,
            first_response: Met::default(),
            resolution: Met::default(),
            sent_by_hand: 0,
            sent_by_ladder: 0,
            received_by_hand: 0,
            received_by_ladder: 0,
            reopened: 0,
            median_held: None,
            checkpoint_misses: 0,
            rated_received: Ratings::default(),
            rated_sent: Ratings::default(),
        }
    }
}

/// The review's rows, tiers first, then groups, then agents, each by id.
pub fn review(tickets: &[ResolvedTicket], events: &[ReviewEvent]) -> Vec<ReviewRow> {
    let mut rows: BTreeMap<Unit, ReviewRow> = BTreeMap::new();
    let mut held: BTreeMap<Unit, Vec<Duration>> = BTreeMap::new();
    for ticket in tickets {
        for (unit, time) in &ticket.held {
            let row = rows.entry(*unit).or_insert_with(|| ReviewRow::new(*unit));
            row.handled += 1;
            row.first_response.add(ticket.first_response_met);
            row.resolution.add(ticket.resolution_met);
            row.reopened += usize::from(ticket.reopened);
            held.entry(*unit).or_default().push(*time);
        }
    }
    for event in events {
        match event {
            ReviewEvent::Escalation { from, to, by_hand } => {
                for unit in Unit::of(*from) {
                    let row = rows.entry(unit).or_insert_with(|| ReviewRow::new(unit));
                    if *by_hand {
                        row.sent_by_hand += 1
                    } else {
                        row.sent_by_ladder += 1
                    }
                }
                for unit in Unit::of(*to) {
                    let row = rows.entry(unit).or_insert_with(|| ReviewRow::new(unit));
                    if *by_hand {
                        row.received_by_hand += 1
                    } else {
                        row.received_by_ladder += 1
                    }
                }
            }
            ReviewEvent::CheckpointMissed { tier_id: Some(tier) } => {
                let unit = Unit::Tier(*tier);
                rows.entry(unit).or_insert_with(|| ReviewRow::new(unit)).checkpoint_misses += 1;
            }
            ReviewEvent::CheckpointMissed { tier_id: None } => {}
            ReviewEvent::Rating { from, to, warranted, handoff } => {
                for unit in Unit::of(*to) {
                    rows.entry(unit)
                        .or_insert_with(|| ReviewRow::new(unit))
                        .rated_received
                        .add(*warranted, *handoff);
                }
                for unit in Unit::of(*from) {
                    rows.entry(unit)
                        .or_insert_with(|| ReviewRow::new(unit))
                        .rated_sent
                        .add(*warranted, *handoff);
                }
            }
        }
    }
    for (unit, mut times) in held {
        times.sort();
        if let Some(row) = rows.get_mut(&unit) {
            row.median_held = percentile(&times, 50);
        }
    }
    rows.into_values().collect()
}

/// The review as CSV (RFC 4180, a header row, CRLF, UTF-8): one line per row of the page, the
/// same figures.
pub fn review_csv(rows: &[ReviewRow], names: &Directory) -> String {
    let number = |value: Option<u32>| value.map_or(String::new(), |value| value.to_string());
    let mut csv = String::new();
    let header = [
        "kind",
        "name",
        "handled",
        "first_response_met_percent",
        "resolution_met_percent",
        "sent_by_hand",
        "sent_by_ladder",
        "received_by_hand",
        "received_by_ladder",
        "reopened",
        "median_held_minutes",
        "checkpoints_missed",
        "received_rated",
        "received_warranted_percent",
        "received_handoff_average",
        "sent_rated",
        "sent_warranted_percent",
        "sent_handoff_average",
    ];
    push_row(&mut csv, header.iter().map(|cell| cell.to_string()));
    for row in rows {
        let (kind, name) = row.unit.describe(names);
        let average =
            |ratings: Ratings| ratings.handoff_average().map_or(String::new(), |value| format!("{value:.1}"));
        push_row(
            &mut csv,
            [
                kind.to_string(),
                name,
                row.handled.to_string(),
                number(row.first_response.percent()),
                number(row.resolution.percent()),
                row.sent_by_hand.to_string(),
                row.sent_by_ladder.to_string(),
                row.received_by_hand.to_string(),
                row.received_by_ladder.to_string(),
                row.reopened.to_string(),
                row.median_held.map_or(String::new(), |held| held.num_minutes().to_string()),
                row.checkpoint_misses.to_string(),
                row.rated_received.count.to_string(),
                number(row.rated_received.warranted_percent()),
                average(row.rated_received),
                row.rated_sent.count.to_string(),
                number(row.rated_sent.warranted_percent()),
                average(row.rated_sent),
            ]
            .into_iter(),
        );
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assignment, demo_directory, utc, DemoIds, EventLog};
    use crate::ticket::Priority;

    #[test]
    fn holdings_run_from_each_move_to_the_next_and_to_the_end() {
        let ids = DemoIds::default();
        let l1 = assignment(ids.l1, Some(ids.service_desk), None);
        let l2 = assignment(ids.l2, Some(ids.network), None);
        let at = |time: &str| utc(&format!("2026-03-02 {time}"));
        let log = EventLog::created(Priority::Normal, at("09:00")).routed(at("09:00"), l1, 1).escalated_by(
            at("10:00"),
            7,
            l1,
            l2,
            2,
        );
        assert_eq!(
            holdings(&log.events, at("12:00")),
            vec![(l1, at("09:00"), at("10:00")), (l2, at("10:00"), at("12:00"))]
        );
        let event = log.events.last().expect("the escalation");
        assert_eq!(
            ReviewEvent::of(event, &log.events),
            Some(ReviewEvent::Escalation { from: l1, to: l2, by_hand: true })
        );
        assert_eq!(ReviewEvent::of(&log.events[1], &log.events), None, "routing is no escalation");
    }

    #[test]
    fn the_review_counts_each_unit_and_writes_the_same_figures_as_csv() {
        let ids = DemoIds::default();
        let l1 = assignment(ids.l1, Some(ids.service_desk), Some(ids.sam));
        let l2 = assignment(ids.l2, Some(ids.network), None);
        let ticket =
            |l1_minutes: i64, l2_minutes: Option<i64>, first: Option<bool>, reopened: bool| ResolvedTicket {
                held: Unit::of(l1)
                    .into_iter()
                    .map(|unit| (unit, Duration::minutes(l1_minutes)))
                    .chain(l2_minutes.into_iter().flat_map(|minutes| {
                        Unit::of(l2).into_iter().map(move |unit| (unit, Duration::minutes(minutes)))
                    }))
                    .collect(),
                first_response_met: first,
                resolution_met: Some(true),
                reopened,
            };
        let tickets = [
            ticket(30, None, Some(true), false),
            ticket(90, Some(60), Some(false), true),
            ticket(60, None, None, false),
        ];
        let events = [
            ReviewEvent::Escalation { from: l1, to: l2, by_hand: true },
            ReviewEvent::Escalation { from: l1, to: l2, by_hand: false },
            ReviewEvent::CheckpointMissed { tier_id: Some(ids.l2) },
            ReviewEvent::Rating { from: l1, to: l2, warranted: Warranted::Yes, handoff: 4 },
            ReviewEvent::Rating { from: l1, to: l2, warranted: Warranted::No, handoff: 1 },
        ];
        let rows = review(&tickets, &events);
        let row = |unit: Unit| rows.iter().find(|row| row.unit == unit).expect("a row").clone();
        let tier1 = row(Unit::Tier(ids.l1));
        assert_eq!(tier1.handled, 3);
        assert_eq!(tier1.first_response, Met { met: 1, of: 2 });
        assert_eq!(tier1.first_response.percent(), Some(50));
        assert_eq!((tier1.sent_by_hand, tier1.sent_by_ladder), (1, 1));
        assert_eq!(tier1.reopened, 1);
        assert_eq!(tier1.median_held, Some(Duration::minutes(60)));
        assert_eq!(tier1.rated_sent.warranted_percent(), Some(50));
        assert_eq!(tier1.rated_sent.handoff_average(), Some(2.5));
        let tier2 = row(Unit::Tier(ids.l2));
        assert_eq!((tier2.handled, tier2.received_by_hand, tier2.received_by_ladder), (1, 1, 1));
        assert_eq!(tier2.checkpoint_misses, 1);
        assert_eq!(tier2.rated_received.count, 2);
        assert_eq!(row(Unit::Agent(ids.sam)).handled, 3);
        assert!(matches!(rows[0].unit, Unit::Tier(_)), "tiers first");

        let csv = review_csv(&rows, &demo_directory());
        let lines: Vec<&str> = csv.split("\r\n").filter(|line| !line.is_empty()).collect();
        assert_eq!(lines.len(), rows.len() + 1);
        assert!(lines.contains(&"Tier,L1 Service Desk,3,50,100,1,1,0,0,1,60,0,0,,,2,50,2.5"), "{csv}");
    }
}
