//! The bottleneck report: where the time of resolved tickets went — per tier (held, of which the
//! budget ran, paused, outside business hours), per status, per hand-off between tiers (how long
//! the receiving tier took to give the customer its first public reply), and per week — all from
//! the clocks `clock::compute_clocks` replays from each ticket's log.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{time_per_tier, DurationSummary, TierTime};
use crate::clock::TicketClocks;
use crate::feedback::report::push_row;
use crate::period::{day_of, Tz};
use crate::ticket::{EventData, TicketEvent, TicketStatus};

/// A move of a ticket from one tier to another, and the receiving tier's first public reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffTime {
    pub from: i64,
    pub to: i64,
    pub at: DateTime<Utc>,
    /// The first public reply while the receiving tier held the ticket, if it gave one.
    pub first_reply: Option<DateTime<Utc>>,
}

/// Where the time of one resolved ticket went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTime {
    pub ticket_id: i64,
    pub subject: String,
    pub resolved_at: DateTime<Utc>,
    pub per_tier: BTreeMap<i64, TierTime>,
    /// Wall-clock time per status held before resolution.
    pub per_status: Vec<(TicketStatus, Duration)>,
    pub handoffs: Vec<HandoffTime>,
}

impl TicketTime {
    /// The time of a ticket resolved at `resolved_at`, from its log and the clocks computed from
    /// it up to then.
    pub fn of(
        ticket_id: i64,
        subject: &str,
        resolved_at: DateTime<Utc>,
        log: &[TicketEvent],
        clocks: &TicketClocks,
    ) -> TicketTime {
        TicketTime {
            ticket_id,
            subject: subject.to_string(),
            resolved_at,
            per_tier: time_per_tier(clocks),
            per_status: clocks
                .time_in_status
                .iter()
                // Until resolution: what came after (resolved, then closed) is no bottleneck.
                .filter(|status| status.wall_time > Duration::zero() && !status.status.is_done())
                .map(|status| (status.status, status.wall_time))
                .collect(),
            handoffs: handoffs(log),
        }
    }
}

/// The moves between tiers in `log`, each with the receiving tier's first public reply before
/// the ticket moved on.
pub fn handoffs(log: &[TicketEvent]) -> Vec<HandoffTime> {
    let mut moves: Vec<HandoffTime> = Vec::new();
    for event in log {
        match &event.data {
            EventData::Escalated { from, to, .. }
            | EventData::Deescalated { from, to, .. }
            | EventData::AssignmentChanged { from, to, .. } => {
                if let (Some(from), Some(to)) = (from.tier_id, to.tier_id) {
                    if from != to {
                        moves.push(HandoffTime { from, to, at: event.at, first_reply: None });
                    }
                } else if from.tier_id != to.tier_id {
                    // To or from no tier: later replies belong to no hand-off.
                    moves.push(HandoffTime { from: -1, to: -1, at: event.at, first_reply: Some(event.at) });
                }
            }
            EventData::PublicReply { .. } => {
                if let Some(last) = moves.last_mut() {
                    last.first_reply.get_or_insert(event.at);
                }
            }
            _ => {}
        }
    }
    moves.retain(|handoff| handoff.from >= 0);
    moves
}

/// One tier's share of the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRow {
    pub tier_id: i64,
    pub tickets: usize,
    /// Time held per ticket.
    pub held: DurationSummary,
    pub running: Duration,
    pub paused: Duration,
    pub out_of_hours: Duration,
}

/// The time tickets spent in one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRow {
    pub status: TicketStatus,
    pub time: DurationSummary,
}

/// The hand-offs from one tier to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRow {
    pub from: i64,
    pub to: i64,
    pub count: usize,
    /// From the hand-off to the receiving tier's first public reply, where it gave one.
    pub to_first_reply: DurationSummary,
    /// Hand-offs the receiving tier gave no public reply after.
    pub unanswered: usize,
}

/// One week's tickets: how many were resolved, and the median time each tier held them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekRow {
    /// The Monday of the week, in the support organisation's time zone.
    pub week: NaiveDate,
    pub tickets: usize,
    pub held_by_tier: Vec<(i64, DurationSummary)>,
}

/// The bottleneck report of some resolved tickets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeReport {
    pub tickets: usize,
    pub tiers: Vec<TierRow>,
    pub statuses: Vec<StatusRow>,
    pub handoffs: Vec<HandoffRow>,
    pub weeks: Vec<WeekRow>,
}

fn tier_rows<'a>(tickets: impl Iterator<Item = &'a TicketTime> + Clone) -> Vec<TierRow> {
    let mut by_tier: BTreeMap<i64, Vec<TierTime>> = BTreeMap::new();
    for ticket in tickets {
        for (tier, time) in &ticket.per_tier {
            by_tier.entry(*tier).or_default().push(*time);
        }
    }
    by_tier
        .into_iter()
        .map(|(tier_id, times)| TierRow {
            tier_id,
            tickets: times.len(),
            held: DurationSummary::of(times.iter().map(|time| time.held)),
            running: times.iter().fold(Duration::zero(), |sum, time| sum + time.running),
            paused: times.iter().fold(Duration::zero(), |sum, time| sum + time.paused),
            out_of_hours: times.iter().fold(Duration::zero(), |sum, time| sum + time.out_of_hours),
        })
        .collect()
}

/// The report of `tickets`, weeks counted in `zone`.
pub fn time_report(tickets: &[TicketTime], zone: Tz) -> TimeReport {
    let mut statuses: BTreeMap<TicketStatus, Vec<Duration>> = BTreeMap::new();
    let mut pairs: BTreeMap<(i64, i64), Vec<HandoffTime>> = BTreeMap::new();
    let mut weeks: BTreeMap<NaiveDate, Vec<&TicketTime>> = BTreeMap::new();
    for ticket in tickets {
        for (status, time) in &ticket.per_status {
            statuses.entry(*status).or_default().push(*time);
        }
        for handoff in &ticket.handoffs {
            pairs.entry((handoff.from, handoff.to)).or_default().push(*handoff);
        }
        let day = day_of(ticket.resolved_at, zone);
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        weeks.entry(monday).or_default().push(ticket);
    }
    TimeReport {
        tickets: tickets.len(),
        tiers: tier_rows(tickets.iter()),
        statuses: statuses
            .into_iter()
            .map(|(status, times)| StatusRow { status, time: DurationSummary::of(times) })
            .collect(),
        handoffs: pairs
            .into_iter()
            .map(|((from, to), handoffs)| HandoffRow {
                from,
                to,
                count: handoffs.len(),
                to_first_reply: DurationSummary::of(
                    handoffs.iter().filter_map(|handoff| Some(handoff.first_reply? - handoff.at)),
                ),
                unanswered: handoffs.iter().filter(|handoff| handoff.first_reply.is_none()).count(),
            })
            .collect(),
        weeks: weeks
            .into_iter()
            .map(|(week, tickets)| WeekRow {
                week,
                tickets: tickets.len(),
                held_by_tier: tier_rows(tickets.iter().copied())
                    .into_iter()
                    .map(|row| (row.tier_id, row.held))
                    .collect(),
            })
            .collect(),
    }
}

/// Which rows of the report a ticket counts in, for drilling down: a tier, a status or a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeRow {
    Tier(i64),
    Status(TicketStatus),
    Handoff(i64, i64),
}

impl TimeRow {
    /// Reads `tier:3`, `status:pending` or `handoff:1-2`.
    pub fn parse(text: &str) -> Option<TimeRow> {
        let (kind, value) = text.split_once(':')?;
        match kind {
            "tier" => value.parse().ok().map(TimeRow::Tier),
            "status" => TicketStatus::parse(value).map(TimeRow::Status),
            "handoff" => {
                let (from, to) = value.split_once('-')?;
                Some(TimeRow::Handoff(from.parse().ok()?, to.parse().ok()?))
            }
            _ => None,
        }
    }

    pub fn as_text(self) -> String {
        match self {
            TimeRow::Tier(id) => format!("tier:{id}"),
            TimeRow::Status(status) => format!("status:{}", status.as_str()),
            TimeRow::Handoff(from, to) => format!("handoff:{from}-{to}"),
        }
    }

    /// The time `ticket` counts in this row with, if it counts in it.
    pub fn time_of(self, ticket: &TicketTime) -> Option<Duration> {
        match self {
            TimeRow::Tier(id) => ticket.per_tier.get(&id).map(|time| time.held),
            TimeRow::Status(status) => {
                ticket.per_status.iter().find(|(held, _)| *held == status).map(|(_, time)| *time)
            }
            TimeRow::Handoff(from, to) => ticket
                .handoffs
                .iter()
                .filter(|handoff| handoff.from == from && handoff.to == to)
                .map(|handoff| handoff.first_reply.map_or(Duration::zero(), |reply| reply - handoff.at))
                .reduce(|a, b| a + b),
        }
    }
}

/// The report's tables as CSV (RFC 4180, a header row, CRLF), durations in minutes, with the
/// names behind tier ids from `tier_name`.
pub fn time_csv(report: &TimeReport, tier_name: impl Fn(i64) -> String) -> String {
    let minutes =
        |duration: Option<Duration>| duration.map_or(String::new(), |d| d.num_minutes().to_string());
    let mut csv = String::new();
    let mut line = |cells: &[&str]| push_row(&mut csv, cells.iter().map(|cell| cell.to_string()));
    line(&[
        "table",
        "row",
        "tickets",
        "median_minutes",
        "p90_minutes",
        "total_minutes",
        "running_minutes",
        "paused_minutes",
        "out_of_hours_minutes",
        "unanswered",
    ]);
    for row in &report.tiers {
        line(&[
            "tier",
            &tier_name(row.tier_id),
            &row.tickets.to_string(),
            &minutes(row.held.median),
            &minutes(row.held.p90),
            &minutes(Some(row.held.total)),
            &minutes(Some(row.running)),
            &minutes(Some(row.paused)),
            &minutes(Some(row.out_of_hours)),
            "",
        ]);
    }
    for row in &report.statuses {
        line(&[
            "status",
            row.status.label(),
            &row.time.count.to_string(),
            &minutes(row.time.median),
            &minutes(row.time.p90),
            &minutes(Some(row.time.total)),
            "",
            "",
            "",
            "",
        ]);
    }
    for row in &report.handoffs {
        line(&[
            "handoff",
            &format!("{} → {}", tier_name(row.from), tier_name(row.to)),
            &row.count.to_string(),
            &minutes(row.to_first_reply.median),
            &minutes(row.to_first_reply.p90),
            &minutes(Some(row.to_first_reply.total)),
            "",
            "",
            "",
            &row.unanswered.to_string(),
        ]);
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assignment, handoff, utc, DemoIds, EventLog};
    use crate::ticket::Priority;

    fn at(time: &str) -> DateTime<Utc> {
        utc(&format!("2026-03-02 {time}"))
    }

    #[test]
    fn each_handoff_waits_for_the_receiving_tiers_first_public_reply() {
        let ids = DemoIds::default();
        let l1 = assignment(ids.l1, Some(ids.service_desk), None);
        let l2 = assignment(ids.l2, Some(ids.network), None);
        let by_hand = |from, to| EventData::Escalated {
            from,
            to,
            level: Some(2),
            handoff: Some(handoff()),
            reason: "By hand".into(),
        };
        let log = EventLog::created(Priority::High, at("09:00"))
            .routed(at("09:00"), l1, 1)
            .public_reply(at("09:20"))
            .then(at("10:00"), by_hand(l1, l2))
            .then(at("10:30"), EventData::InternalNote { body: "Looking".into() })
            .public_reply(at("11:15"))
            .public_reply(at("12:00"))
            .then(at("13:00"), EventData::Deescalated { from: l2, to: l1, level: 1, reason: "Back".into() });
        assert_eq!(
            handoffs(&log.events),
            vec![
                HandoffTime { from: ids.l1, to: ids.l2, at: at("10:00"), first_reply: Some(at("11:15")) },
                HandoffTime { from: ids.l2, to: ids.l1, at: at("13:00"), first_reply: None },
            ],
            "routing from no tier is no hand-off; a reply before the move is the sender's"
        );
    }

    #[test]
    fn the_report_groups_tiers_statuses_handoffs_and_weeks() {
        let tier_time = |held: i64, running: i64| TierTime {
            held: Duration::minutes(held),
            running: Duration::minutes(running),
            paused: Duration::zero(),
            out_of_hours: Duration::minutes(held - running),
        };
        let ticket = |id: i64, resolved: &str, l1: i64, l2: Option<i64>, reply: Option<i64>| TicketTime {
            ticket_id: id,
            subject: format!("Ticket {id}"),
            resolved_at: utc(resolved),
            per_tier: [(1, tier_time(l1, l1 / 2))]
                .into_iter()
                .chain(l2.map(|held| (2, tier_time(held, held))))
                .collect(),
            per_status: vec![(TicketStatus::Open, Duration::minutes(l1 + l2.unwrap_or(0)))],
            handoffs: l2
                .map(|_| HandoffTime {
                    from: 1,
                    to: 2,
                    at: utc(resolved) - Duration::hours(5),
                    first_reply: reply
                        .map(|minutes| utc(resolved) - Duration::hours(5) + Duration::minutes(minutes)),
                })
                .into_iter()
                .collect(),
        };
        let tickets = [
            ticket(1, "2026-03-02 12:00", 60, None, None),
            ticket(2, "2026-03-03 12:00", 120, Some(240), Some(30)),
            ticket(3, "2026-03-10 12:00", 30, Some(60), None),
        ];
        let report = time_report(&tickets, chrono_tz::UTC);
        assert_eq!(report.tickets, 3);
        let l1 = &report.tiers[0];
        assert_eq!((l1.tier_id, l1.tickets), (1, 3));
        assert_eq!(l1.held.median, Some(Duration::minutes(60)));
        assert_eq!(l1.held.total, Duration::minutes(210));
        assert_eq!(
            l1.running + l1.paused + l1.out_of_hours,
            l1.held.total,
            "the parts add up to the time held"
        );
        assert_eq!(report.tiers[1].tickets, 2);
        assert_eq!(report.handoffs.len(), 1);
        assert_eq!(report.handoffs[0].count, 2);
        assert_eq!(report.handoffs[0].unanswered, 1);
        assert_eq!(report.handoffs[0].to_first_reply.median, Some(Duration::minutes(30)));
        assert_eq!(report.weeks.iter().map(|week| week.tickets).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(TimeRow::Tier(2).time_of(&tickets[1]), Some(Duration::minutes(240)));
        assert_eq!(TimeRow::Tier(2).time_of(&tickets[0]), None);
        for row in [TimeRow::Tier(2), TimeRow::Status(TicketStatus::Pending), TimeRow::Handoff(1, 2)] {
            assert_eq!(TimeRow::parse(&row.as_text()), Some(row));
        }
        let csv = time_csv(&report, |id| format!("L{id}"));
        assert!(csv.starts_with("table,row,tickets,"));
        assert!(csv.contains("\r\ntier,L1,3,60,120,210,105,0,105,\r\n"), "{csv}");
        assert!(csv.contains("handoff,L1 → L2,2,30,30,30,,,,1\r\n"), "{csv}");
    }
}
