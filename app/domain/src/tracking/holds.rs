//! Which tier holds a ticket while it is worked, over time: the "open tickets per tier" of each
//! day of a period. A hold starts when a ticket opens, moves to another tier or reopens, and ends
//! when it moves on or is resolved or closed. The store writes the changes as it appends events
//! (folding them one at a time, as [`apply_noting_holds`] does) and rebuilds them from a log the
//! same way ([`holds_of`]), so what it wrote and what a log says cannot differ.

use chrono::{DateTime, Utc};

use crate::ticket::{EventData, Ticket, TicketEvent};

/// Who holds a ticket: `Some(tier)` while it is worked (`Some(None)`: no tier yet), `None` once it
/// is resolved or closed.
pub type Holder = Option<Option<i64>>;

/// Who holds `ticket` now.
pub fn holder(ticket: &Ticket) -> Holder {
    (!ticket.status.is_done()).then_some(ticket.assignment.tier_id)
}

/// From `at`, the ticket is held by `holder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldChange {
    pub at: DateTime<Utc>,
    pub holder: Holder,
}

/// A span a tier (or no tier, `tier_id` `None`) held a worked ticket; `until` is `None` while
/// it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    pub tier_id: Option<i64>,
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// Applies `events` (written together at `at`) to `ticket` one at a time and returns each change
/// of holder they made, in order.
pub fn apply_noting_holds(ticket: &mut Ticket, events: &[EventData], at: DateTime<Utc>) -> Vec<HoldChange> {
    let mut changes = Vec::new();
    let mut current = holder(ticket);
    ticket.apply_each(events, at, |ticket| {
        let next = holder(ticket);
        if next != current {
            changes.push(HoldChange { at, holder: next });
            current = next;
        }
    });
    changes
}

/// The holds of a ticket from its log (the `Created` event first), oldest first; empty when the
/// log does not start with a `Created` event.
pub fn holds_of(log: &[TicketEvent]) -> Vec<Hold> {
    let Some((first, rest)) = log.split_first() else { return Vec::new() };
    let Some(mut ticket) = Ticket::from_created(first.ticket_id, 0, 0, first.at, &first.data) else {
        return Vec::new();
    };
    let mut changes = vec![HoldChange { at: first.at, holder: holder(&ticket) }];
    for event in rest {
        changes.extend(apply_noting_holds(&mut ticket, std::slice::from_ref(&event.data), event.at));
    }
    holds_from_changes(&changes)
}

/// The holds that a sequence of changes of holder makes: each change ends the hold before it.
pub fn holds_from_changes(changes: &[HoldChange]) -> Vec<Hold> {
    let mut holds: Vec<Hold> = Vec::new();
    for change in changes {
        if let Some(open) = holds.last_mut().filter(|hold| hold.until.is_none()) {
            open.until = Some(change.at);
        }
        if let Some(tier_id) = change.holder {
            holds.push(Hold { tier_id, from: change.at, until: None });
        }
    }
    holds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assignment, utc, EventLog};
    use crate::ticket::{Priority, TicketStatus};

    fn hold(tier_id: Option<i64>, from: &str, until: Option<&str>) -> Hold {
        Hold { tier_id, from: utc(from), until: until.map(utc) }
    }

    #[test]
    fn a_ticket_is_held_by_no_tier_then_its_tiers_until_it_is_resolved() {
        let log = EventLog::created(Priority::Normal, utc("2026-03-02 09:00"))
            .routed(utc("2026-03-02 09:00"), assignment(1, None, None), 1)
            .public_reply(utc("2026-03-02 09:30"))
            .escalated_by(utc("2026-03-02 11:00"), 7, assignment(1, None, None), assignment(2, None, None), 2)
            .status(utc("2026-03-02 12:00"), TicketStatus::Pending)
            .status(utc("2026-03-03 10:00"), TicketStatus::Resolved);
        assert_eq!(
            holds_of(&log.events),
            [
                hold(None, "2026-03-02 09:00", Some("2026-03-02 09:00")),
                hold(Some(1), "2026-03-02 09:00", Some("2026-03-02 11:00")),
                // Waiting on the customer is still held: only resolving or closing ends it.
                hold(Some(2), "2026-03-02 11:00", Some("2026-03-03 10:00")),
            ]
        );
    }

    #[test]
    fn a_reopened_ticket_is_held_again_by_the_tier_it_left_in() {
        let log = EventLog::created(Priority::High, utc("2026-03-02 09:00"))
            .routed(utc("2026-03-02 09:05"), assignment(1, None, None), 1)
            .status(utc("2026-03-02 10:00"), TicketStatus::Resolved)
            .status(utc("2026-03-04 08:00"), TicketStatus::Open);
        assert_eq!(
            holds_of(&log.events)[1..],
            [
                hold(Some(1), "2026-03-02 09:05", Some("2026-03-02 10:00")),
                hold(Some(1), "2026-03-04 08:00", None),
            ]
        );
    }

    #[test]
    fn the_changes_of_one_write_are_the_changes_the_log_replays() {
        // The engine writes a routing and a cascade in one write: the store records what folding
        // the events one at a time gives, which is what the log gives when replayed.
        let created = EventLog::created(Priority::Urgent, utc("2026-03-02 09:00"));
        let mut ticket = created.ticket.clone();
        let at = utc("2026-03-02 13:00");
        let later = created
            .clone()
            .routed(at, assignment(1, None, None), 1)
            .escalated_by(at, 7, assignment(1, None, None), assignment(2, None, None), 2)
            .then(at, EventData::PublicReply { body: "On it".into() });
        let written: Vec<EventData> = later.events[1..].iter().map(|event| event.data.clone()).collect();
        let mut changes = vec![HoldChange { at: created.events[0].at, holder: holder(&ticket) }];
        changes.extend(apply_noting_holds(&mut ticket, &written, at));
        assert_eq!(changes.len(), 3, "opened, routed, escalated: {changes:?}");
        assert_eq!(holds_from_changes(&changes), holds_of(&later.events));
        assert_eq!(ticket.assignment, later.ticket.assignment, "the events were applied");
        assert_eq!(ticket.version, created.ticket.version + 1, "as one write");
    }

    #[test]
    fn a_log_without_its_created_event_holds_nothing() {
        let log = EventLog::created(Priority::Normal, utc("2026-03-02 09:00")).routed(
            utc("2026-03-02 09:05"),
            assignment(1, None, None),
            1,
        );
        assert!(holds_of(&log.events[1..]).is_empty());
        assert!(holds_of(&[]).is_empty());
    }
}
