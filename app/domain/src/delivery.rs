//! What was sent to whom: deliveries (one message to one destination through one channel), the
//! in-app notifications people read, and the rules of sending — which ticket events are worth a
//! notification, how failed sends are retried, and how each delivery's idempotency key is made.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::policy::EventKind;
use super::ticket::{EventData, TicketStatus};

named_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Waiting to be sent (or to be tried again).
        Pending => "pending", "Pending",
        /// The receiver accepted it.
        Sent => "sent", "Sent",
        /// Every attempt failed; an admin may retry it.
        Failed => "failed", "Failed",
        /// Made moot before it was sent (the escalation was acknowledged).
        Suppressed => "suppressed", "Suppressed",
    }
}

/// A delivery as the admin page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub kind: String,
    pub channel: String,
    /// The person's name, or the address or channel it went to.
    pub destination: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub not_before: DateTime<Utc>,
}

/// One entry of a person's notification centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// How many times a delivery is tried before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// When to try again after failed attempt number `attempts` (from 1), or `None` when that was the
/// last: 30 s, 1 min, 2 min, … doubling, at most an hour apart; about 64 minutes in all.
pub fn next_attempt(attempts: i64, failed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let wait = (30_i64 << doublings).min(3600);
    Some(failed_at + Duration::seconds(wait))
}

/// The idempotency key of the delivery of outbox row `outbox_id` through `channel` to
/// `destination`: the same inputs always give the same key, so planning a row twice finds the
/// first delivery, and every repeat send of a delivery carries the same key.
pub fn idempotency_key(outbox_id: i64, channel: &str, destination: &str) -> String {
    // FNV-1a: stable across versions and platforms (std's hasher is not), and plenty to tell
    // the deliveries of one outbox row apart.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in channel.bytes().chain([0]).chain(destination.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("tl-{outbox_id}-{hash:016x}")
}

/// What a ticket event is worth telling people about, if anything. Routing, reminders, breaches
/// and the engine's escalations reach the notifier as the engine's own intents, so only what
/// people do is mapped here.
pub fn event_kind_of(event: &EventData, by_person: bool) -> Option<EventKind> {
    match event {
        EventData::Created { .. } => Some(EventKind::Created),
        EventData::CustomerMessage { .. } => Some(EventKind::CustomerReplied),
        EventData::AssignmentChanged { to, .. } if to.assignee_id.is_some() => Some(EventKind::Assigned),
        EventData::Escalated { .. } if by_person => Some(EventKind::Escalated),
        // The lower tier receives the ticket: for its people that is an assignment.
        EventData::Deescalated { .. } => Some(EventKind::Assigned),
        EventData::StatusChanged { to: TicketStatus::Resolved, .. } => Some(EventKind::Resolved),
        EventData::StatusChanged { from: TicketStatus::Resolved, to } if !to.is_done() => {
            Some(EventKind::Reopened)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Assignment, Priority};
    use chrono::TimeZone;

    #[test]
    fn retries_back_off_doubling_up_to_an_hour_then_stop() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("instant");
        let waits: Vec<i64> =
            (1..MAX_ATTEMPTS).map(|n| (next_attempt(n, at).expect("retry") - at).num_seconds()).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920]);
        assert_eq!(next_attempt(MAX_ATTEMPTS, at), None);
        assert_eq!(next_attempt(40, at), None);
    }

    #[test]
    fn idempotency_keys_are_stable_and_tell_destinations_apart() {
        let key = idempotency_key(42, "email", "user:7");
        assert_eq!(key, idempotency_key(42, "email", "user:7"));
        assert!(key.starts_with("tl-42-"));
        assert_ne!(key, idempotency_key(42, "email", "user:8"));
        assert_ne!(key, idempotency_key(43, "email", "user:7"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(idempotency_key(1, "ab", "c"), idempotency_key(1, "a", "bc"));
    }

    #[test]
    fn people_s_actions_map_to_event_kinds_and_engine_work_does_not() {
        let created = EventData::Created {
            subject: "s".into(),
            description: "d".into(),
            priority: Priority::Normal,
            channel: crate::Channel::Portal,
            category_id: None,
        };
        assert_eq!(event_kind_of(&created, true), Some(EventKind::Created));
        let escalated = EventData::Escalated {
            from: Assignment::default(),
            to: Assignment { tier_id: Some(2), ..Assignment::default() },
            level: Some(2),
            handoff: None,
            reason: "budget".into(),
        };
        assert_eq!(event_kind_of(&escalated, true), Some(EventKind::Escalated));
        assert_eq!(event_kind_of(&escalated, false), None, "the engine's escalations come as intents");
        let resolved = EventData::StatusChanged { from: TicketStatus::Open, to: TicketStatus::Resolved };
        assert_eq!(event_kind_of(&resolved, true), Some(EventKind::Resolved));
        let reopened = EventData::StatusChanged { from: TicketStatus::Resolved, to: TicketStatus::Open };
        assert_eq!(event_kind_of(&reopened, true), Some(EventKind::Reopened));
        let pending = EventData::StatusChanged { from: TicketStatus::Open, to: TicketStatus::Pending };
        assert_eq!(event_kind_of(&pending, true), None);
        let unassigned = EventData::AssignmentChanged {
            from: Assignment { assignee_id: Some(3), ..Assignment::default() },
            to: Assignment::default(),
            level: None,
        };
        assert_eq!(event_kind_of(&unassigned, true), None, "taking an agent off tells no one");
    }
}
