//! Ticket lists (the agent queue, the customer portal) and timelines as data: filters, sort
//! orders and the rows they return.

use serde::{Deserialize, Serialize};

use super::ticket::{Priority, Ticket, TicketEvent, TicketStatus};

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
    /// Matches the subject or description, or the ticket number.
    pub text: Option<String>,
    pub sort: TicketSort,
    /// From 1.
    pub page: i64,
    pub per_page: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketSort {
    /// What breaches first comes first; tickets without a running clock last.
    #[default]
    BreachesFirst,
    RecentlyUpdated,
    Oldest,
    Newest,
    Priority,
}

impl TicketSort {
    pub const ALL: [TicketSort; 5] = [
        TicketSort::BreachesFirst,
        TicketSort::RecentlyUpdated,
        TicketSort::Priority,
        TicketSort::Oldest,
        TicketSort::Newest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketSort::BreachesFirst => "breach",
            TicketSort::RecentlyUpdated => "updated",
            TicketSort::Oldest => "oldest",
            TicketSort::Newest => "newest",
            TicketSort::Priority => "priority",
        }
    }

    pub fn parse(value: &str) -> Option<TicketSort> {
        TicketSort::ALL.into_iter().find(|sort| sort.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketSort::BreachesFirst => "Breaches first",
            TicketSort::RecentlyUpdated => "Recently updated",
            TicketSort::Oldest => "Oldest first",
            TicketSort::Newest => "Newest first",
            TicketSort::Priority => "Most urgent first",
        }
    }
}

/// One page of a ticket list and how many tickets match in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPage {
    pub items: Vec<TicketListItem>,
    pub total: i64,
}

/// A timeline entry with the name of whoever caused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: TicketEvent,
    pub actor_name: Option<String>,
}
