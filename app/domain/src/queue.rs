//! Ticket lists (the agent queue, the customer portal) and timelines as data: filters, sort
//! orders and the rows they return.

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use super::period::Span;
use super::ticket::{Channel, ClockKind, Priority, Ticket, TicketEvent, TicketStatus};
use super::tracking::{ClockAlerts, Risk};
use super::validation::FieldErrors;

/// A status filter as written in a URL or an API query: `active` (or empty: everything not
/// resolved or closed), `all` (no filter), or a comma-separated list of statuses.
pub fn parse_statuses(errors: &mut FieldErrors, field: &str, text: &str) -> Vec<TicketStatus> {
    match text.trim() {
        "" | "active" => TicketStatus::ALL.iter().copied().filter(|status| !status.is_done()).collect(),
        "all" => Vec::new(),
        list => list
            .split(',')
            .filter_map(|name| {
                TicketStatus::parse(name.trim()).or_else(|| {
                    errors.push(
                        field,
                        format!(
                            "\"{}\" is not a status; use active, all, or names like open,pending.",
                            name.trim()
                        ),
                    );
                    None
                })
            })
            .collect(),
    }
}

/// The highest page number a list accepts: far beyond any real queue, and low enough that the
/// offset of its first row (page × 200 rows at most) never overflows.
pub const LAST_PAGE: i64 = 1_000_000;

/// A page number as written in a URL or an API query; empty means the first page.
pub fn parse_page(errors: &mut FieldErrors, field: &str, text: &str) -> i64 {
    match text.trim() {
        "" => 1,
        number => {
            number.parse::<i64>().ok().filter(|page| (1..=LAST_PAGE).contains(page)).unwrap_or_else(|| {
                errors.push(field, format!("The page must be a number from 1 to {LAST_PAGE}."));
                1
            })
        }
    }
}

/// A ticket as the queue and the portal list it, with the names behind its ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketListItem {
    pub ticket: Ticket,
    pub requester_name: String,
    pub organisation_name: String,
    pub category_name: Option<String>,
    pub tier_name: Option<String>,
    pub group_name: Option<String>,
    pub assignee_name: Option<String>,
    /// When the first of its running clocks breaches, as the engine last computed it.
    pub next_breach_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Since when it is stalled in its tier, or will be if nothing is done, as the engine last
    /// computed it.
    pub stalled_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Which of its clocks are at risk or overdue, as the engine last stored them.
    pub clock_alerts: ClockAlerts,
}

impl TicketListItem {
    /// The row as the ticket's customer may see it.
    pub fn for_customer(&self) -> CustomerTicketListItem {
        CustomerTicketListItem {
            ticket: CustomerTicket::from(&self.ticket),
            requester_name: self.requester_name.clone(),
            organisation_name: self.organisation_name.clone(),
            category_name: self.category_name.clone(),
        }
    }
}

/// A ticket as its customer sees it: what was asked and where it stands, and nothing of how
/// support handles it inside (tags, tier, group, agent, escalation level and acknowledgement,
/// SLA deadlines). Customers are sent this type only, so what the pages hide is not in the
/// data either.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTicket {
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub channel: Channel,
    pub status: TicketStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Ticket> for CustomerTicket {
    fn from(ticket: &Ticket) -> CustomerTicket {
        CustomerTicket {
            id: ticket.id,
            subject: ticket.subject.clone(),
            description: ticket.description.clone(),
            category_id: ticket.category_id,
            priority: ticket.priority,
            channel: ticket.channel,
            status: ticket.status,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
        }
    }
}

/// A row of the customer portal's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTicketListItem {
    pub ticket: CustomerTicket,
    pub requester_name: String,
    /// Always the customer's own organisation.
    pub organisation_name: String,
    pub category_name: Option<String>,
}

/// Filters, sorting and page of a ticket list. Every filter is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketFilter {
    /// Restricts to one organisation; always set for customers.
    pub organisation_id: Option<i64>,
    pub statuses: Vec<TicketStatus>,
    pub tier_id: Option<i64>,
    pub group_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// Only tickets nobody is assigned to.
    pub unassigned: bool,
    pub priority: Option<Priority>,
    pub category_id: Option<i64>,
    pub tag: Option<String>,
    /// Words the ticket's text holds (subject, description, public messages), or its number
    /// (`#42` is the number only).
    pub text: Option<String>,
    /// `text` is also looked for in internal notes: a staff member's search.
    pub search_notes: bool,
    /// The ladder level it is at.
    pub level: Option<i64>,
    /// The plan of its organisation.
    pub plan: Option<String>,
    /// One of its clocks (of the kind `clock`, if set) stands so, as the engine last decided.
    pub risk: Option<RiskFilter>,
    /// Narrows `risk` and a breach in `happened` to one kind of clock.
    pub clock: Option<ClockKind>,
    /// It is above the first level and nobody acknowledged its escalation to that level.
    pub unacknowledged: bool,
    /// It is stalled in its tier at `as_of`.
    pub stalled: bool,
    /// It is an escalation: above the first ladder level, or escalated by hand at some point.
    pub escalated: bool,
    /// This happened to it during the span.
    pub happened: Option<(Happening, Span)>,
    /// It was worked just before this instant (the end of a day), held by the tier `tier_id`
    /// names, if set, rather than by the tier that holds it now.
    pub held_before: Option<DateTime<Utc>>,
    /// The instant `stalled` is judged at: the time of asking.
    pub as_of: Option<DateTime<Utc>>,
    pub sort: TicketSort,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

named_enum! {
    /// The orders a ticket list can take, by their word in the URL (`?sort=breach`).
    #[derive(Default)]
    TicketSort {
        /// What breaches first comes first; tickets without a running clock last.
        #[default]
        BreachesFirst => "breach", "Breaches first",
        RecentlyUpdated => "updated", "Recently updated",
        Priority => "priority", "Most urgent first",
        Oldest => "oldest", "Oldest first",
        Newest => "newest", "Newest first",
        /// The best match of a text search first (without one, what breaches first).
        Relevance => "relevance", "Best match",
    }
}

named_enum! {
    /// How a clock of a ticket stands, as a list filter (`?risk=at_risk`); the same judgement as
    /// `tracking::risk`, read from the clock alerts the engine stores ([`RiskFilter::mask`]).
    RiskFilter {
        /// Past its at-risk fraction and not yet overdue.
        AtRisk => "at_risk", "At risk",
        /// Overdue.
        Breached => "breached", "Breached",
    }
}

impl RiskFilter {
    /// The bits of `tracking::ClockAlerts` that put a ticket in this filter, narrowed to `clock`.
    pub fn mask(self, clock: Option<ClockKind>) -> i64 {
        let risk = match self {
            RiskFilter::AtRisk => Risk::AtRisk,
            RiskFilter::Breached => Risk::Breached,
        };
        ClockAlerts::mask(risk, clock)
    }
}

named_enum! {
    /// Something that happened to a ticket in a period, as a list filter
    /// (`?event=escalated&from=2026-12-01&to=2026-12-06`): what the dashboard's figures count.
    Happening {
        Opened => "opened", "Opened",
        /// Its first public reply.
        Answered => "answered", "First answered",
        Resolved => "resolved", "Resolved",
        Escalated => "escalated", "Escalated",
        EscalatedByHand => "escalated_by_hand", "Escalated by hand",
        EscalatedAutomatically => "escalated_automatically", "Escalated by the ladder",
        /// A clock's target passed (of the kind the filter's clock names, if any).
        Breached => "breached", "Breached a target",
        MissedCheckpoint => "missed_checkpoint", "Missed a checkpoint",
    }
}

/// Reads a list filter's word (`risk`, `event`, `clock`): empty is none, a wrong one is named.
pub fn parse_word<T: Copy>(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    parse: fn(&str) -> Option<T>,
    words: fn() -> Vec<&'static str>,
) -> Option<T> {
    match text.trim() {
        "" => None,
        word => parse(word).or_else(|| {
            errors.push(field, format!("\"{word}\" is not one of: {}.", words().join(", ")));
            None
        }),
    }
}

/// Open tickets with clocks at risk or overdue, in groups of tickets held by the same agent whose
/// clocks stand alike: what the dashboard's risk figures count, per kind of clock and per agent,
/// read in one pass over the open tickets' tally instead of once per figure. A group's counts are
/// what the queue's `risk` (and `clock`) filters list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskCounts {
    pub groups: Vec<RiskGroup>,
}

/// Tickets held by one agent (or nobody) whose clocks stand as `alerts` say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskGroup {
    pub assignee_id: Option<i64>,
    pub alerts: ClockAlerts,
    pub tickets: i64,
}

impl RiskGroup {
    /// Whether its tickets are listed by the filter of `risk`, narrowed to `clock` if set.
    fn listed_by(&self, risk: RiskFilter, clock: Option<ClockKind>) -> bool {
        self.alerts.any(risk.mask(clock))
    }
}

impl RiskCounts {
    /// The tickets that `risk` (narrowed to `clock`) lists.
    pub fn tickets(&self, risk: RiskFilter, clock: Option<ClockKind>) -> i64 {
        self.groups.iter().filter(|group| group.listed_by(risk, clock)).map(|group| group.tickets).sum()
    }

    /// The tickets that `risk` lists, per agent who holds them (`None`: nobody).
    pub fn tickets_per_assignee(&self, risk: RiskFilter) -> std::collections::BTreeMap<Option<i64>, i64> {
        let mut counts = std::collections::BTreeMap::new();
        for group in self.groups.iter().filter(|group| group.listed_by(risk, None)) {
            *counts.entry(group.assignee_id).or_insert(0) += group.tickets;
        }
        counts
    }
}

/// One page of a ticket list and how many tickets match in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketListPage {
    pub items: Vec<TicketListItem>,
    pub total: i64,
}

/// One page of the customer portal's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTicketListPage {
    pub items: Vec<CustomerTicketListItem>,
    pub total: i64,
}

/// A ticket list shaped for whoever asked: staff get every column, customers only theirs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListedTickets {
    Staff(TicketListPage),
    Customer(CustomerTicketListPage),
}

impl ListedTickets {
    pub fn total(&self) -> i64 {
        match self {
            ListedTickets::Staff(page) => page.total,
            ListedTickets::Customer(page) => page.total,
        }
    }
}

/// A timeline entry with the name of whoever caused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: TicketEvent,
    pub actor_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_counts_count_each_ticket_once_per_figure_however_many_of_its_clocks_stand_so() {
        use ClockKind::{FirstResponse, NextResponse, Resolution};
        let group = |assignee_id, at_risk: &[ClockKind], breached: &[ClockKind], tickets| {
            let bits = |kinds: &[ClockKind], risk| {
                kinds.iter().map(|kind| ClockAlerts::bit(*kind, risk)).sum::<i64>()
            };
            let alerts = ClockAlerts::from_bits(bits(at_risk, Risk::AtRisk) | bits(breached, Risk::Breached));
            RiskGroup { assignee_id, alerts, tickets }
        };
        let counts = RiskCounts {
            groups: vec![
                group(Some(1), &[FirstResponse, Resolution], &[], 2),
                group(Some(1), &[Resolution], &[FirstResponse], 3),
                group(None, &[], &[NextResponse, Resolution], 5),
                group(Some(2), &[NextResponse], &[], 7),
            ],
        };
        assert_eq!(counts.tickets(RiskFilter::AtRisk, None), 2 + 3 + 7);
        assert_eq!(counts.tickets(RiskFilter::AtRisk, Some(Resolution)), 2 + 3);
        assert_eq!(counts.tickets(RiskFilter::AtRisk, Some(FirstResponse)), 2);
        assert_eq!(counts.tickets(RiskFilter::Breached, None), 3 + 5);
        assert_eq!(counts.tickets(RiskFilter::Breached, Some(Resolution)), 5);
        assert_eq!(counts.tickets(RiskFilter::Breached, Some(NextResponse)), 5);
        let at_risk = counts.tickets_per_assignee(RiskFilter::AtRisk);
        assert_eq!(at_risk, [(Some(1), 5), (Some(2), 7)].into_iter().collect());
        let breached = counts.tickets_per_assignee(RiskFilter::Breached);
        assert_eq!(breached, [(None, 5), (Some(1), 3)].into_iter().collect());
        assert_eq!(RiskCounts::default().tickets(RiskFilter::Breached, None), 0);
    }

    #[test]
    fn status_filters_read_active_all_and_lists() {
        let mut errors = FieldErrors::default();
        assert!(!parse_statuses(&mut errors, "status", "").contains(&TicketStatus::Resolved));
        assert!(parse_statuses(&mut errors, "status", "all").is_empty());
        assert_eq!(
            parse_statuses(&mut errors, "status", "open, pending"),
            vec![TicketStatus::Open, TicketStatus::Pending]
        );
        assert!(errors.is_empty());
        parse_statuses(&mut errors, "status", "open,waiting");
        assert!(errors.for_field("status").is_some_and(|message| message.contains("\"waiting\"")));
    }

    #[test]
    fn page_numbers_are_bounded_so_no_offset_overflows() {
        let mut errors = FieldErrors::default();
        assert_eq!(parse_page(&mut errors, "page", ""), 1);
        assert_eq!(parse_page(&mut errors, "page", " 3 "), 3);
        assert_eq!(parse_page(&mut errors, "page", &LAST_PAGE.to_string()), LAST_PAGE);
        assert!(errors.is_empty());
        assert!((LAST_PAGE - 1).checked_mul(200).is_some());
        for wrong in ["0", "-1", "two", "1.5", "1000001", "9223372036854775807", "99999999999999999999"] {
            let mut errors = FieldErrors::default();
            assert_eq!(parse_page(&mut errors, "page", wrong), 1, "{wrong}");
            assert!(errors.for_field("page").is_some(), "{wrong} was accepted");
        }
    }
}
