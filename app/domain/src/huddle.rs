//! The huddle: what a tier's stand-up goes through — every open escalation with what its log says
//! about it (the handoff that brought it, the last public update, missed checkpoints) and what
//! changed since the last huddle.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ticket::{EventData, Handoff, Ticket, TicketEvent};

/// What the log says about an open escalation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationFacts {
    /// The handoff note of the escalation that brought the ticket to the tier holding it.
    pub handoff: Option<Handoff>,
    /// The newest public reply.
    pub last_public_update: Option<DateTime<Utc>>,
    /// Checkpoints missed since the ticket reached its level.
    pub checkpoint_misses: usize,
    /// Escalated by hand at some point (not only by the ladder).
    pub escalated_by_hand: bool,
}

impl EscalationFacts {
    pub fn of(ticket: &Ticket, log: &[TicketEvent]) -> EscalationFacts {
        let tier = ticket.assignment.tier_id;
        let handoff = log.iter().rev().find_map(|event| match &event.data {
            EventData::Escalated { to, handoff, .. } if to.tier_id == tier => Some(handoff.clone()),
            _ => None,
        });
        EscalationFacts {
            handoff: handoff.flatten(),
            last_public_update: log
                .iter()
                .filter(|event| matches!(event.data, EventData::PublicReply { .. }))
                .map(|event| event.at)
                .max(),
            checkpoint_misses: log
                .iter()
                .filter(|event| event.at >= ticket.level_since)
                .filter(|event| matches!(event.data, EventData::CheckpointMissed { .. }))
                .count(),
            escalated_by_hand: log
                .iter()
                .any(|event| matches!(event.data, EventData::Escalated { .. }) && event.actor_id.is_some()),
        }
    }
}

named_enum! {
    /// How an escalation stands against the last huddle.
    SinceHuddle {
        /// It reached its level after the huddle (or there was none).
        New => "new", "New",
        /// Something happened to it after the huddle.
        Changed => "changed", "Changed",
        Unchanged => "unchanged", "Unchanged",
    }
}

/// Whether `ticket` is new or changed since a huddle held at `held_at`.
pub fn since_huddle(ticket: &Ticket, log: &[TicketEvent], held_at: Option<DateTime<Utc>>) -> SinceHuddle {
    let Some(held_at) = held_at else {
        return SinceHuddle::New;
    };
    if ticket.level_since > held_at {
        SinceHuddle::New
    } else if log.iter().any(|event| event.at > held_at) {
        SinceHuddle::Changed
    } else {
        SinceHuddle::Unchanged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assignment, handoff, utc, DemoIds, EventLog};
    use crate::ticket::Priority;

    fn escalated_by_hand() -> EventLog {
        let ids = DemoIds::default();
        let l1 = assignment(ids.l1, Some(ids.service_desk), None);
        let l2 = assignment(ids.l2, Some(ids.network), None);
        let at = |time: &str| utc(&format!("2026-03-02 {time}"));
        EventLog::created(Priority::High, at("09:00"))
            .routed(at("09:00"), l1, 1)
            .public_reply(at("09:30"))
            .escalated_by(at("10:00"), 7, l1, l2, 2)
            .then(
                at("11:00"),
                EventData::CheckpointMissed { tier_id: Some(ids.l2), due_at: at("11:00"), late: false },
            )
    }

    #[test]
    fn the_facts_come_from_the_escalation_that_brought_the_ticket_and_what_followed() {
        let log = escalated_by_hand();
        let facts = EscalationFacts::of(&log.ticket, &log.events);
        assert_eq!(facts.handoff, Some(handoff()));
        assert_eq!(facts.last_public_update, Some(utc("2026-03-02 09:30")));
        assert_eq!(facts.checkpoint_misses, 1);
        assert!(facts.escalated_by_hand);
    }

    #[test]
    fn a_huddle_marks_what_is_new_and_what_changed_since() {
        let log = escalated_by_hand();
        let ticket = log.ticket.clone();
        assert_eq!(since_huddle(&ticket, &log.events, None), SinceHuddle::New);
        assert_eq!(since_huddle(&ticket, &log.events, Some(utc("2026-03-02 09:45"))), SinceHuddle::New);
        assert_eq!(since_huddle(&ticket, &log.events, Some(utc("2026-03-02 10:30"))), SinceHuddle::Changed);
        assert_eq!(since_huddle(&ticket, &log.events, Some(utc("2026-03-02 12:00"))), SinceHuddle::Unchanged);
    }
}
