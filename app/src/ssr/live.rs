//! Live updates: every committed change is fanned out to the open browsers that may see it.
//!
//! A write transaction collects the [`Change`]s it makes (a ticket event, an in-app
//! notification). With SQLite, one process serves everyone: the changes go to this process's
//! [`LiveHub`] right after the commit. With PostgreSQL, several instances may serve browsers:
//! the changes are sent with `pg_notify` inside the transaction — PostgreSQL delivers them only
//! if it commits, and to every instance — and each instance's listener puts them on its own hub.
//! The server-sent events endpoint subscribes to the hub and filters by what the signed-in person
//! may see.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::domain::UserSummary;

/// The PostgreSQL channel the changes travel on between instances.
pub const CHANNEL: &str = "tierline_live";

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// An event was appended to a ticket's log.
    Ticket,
    /// An in-app notification was created for one person.
    Notification,
}

/// One committed change, small enough for a PostgreSQL notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub topic: Topic,
    /// The ticket event's id, or the notification's id: ids of one topic only grow, which is
    /// what resuming a stream (`Last-Event-ID`) relies on.
    pub id: i64,
    pub ticket_id: Option<i64>,
    /// The ticket's organisation: customers see only their own.
    pub organisation_id: Option<i64>,
    /// Whether customers may see it (public ticket events).
    pub public: bool,
    /// For notifications: the one person it is for.
    pub user_id: Option<i64>,
    /// The event kind (`public_reply`, `escalated`, …) or the notification kind.
    pub kind: String,
}

impl Change {
    /// Whether `user` may learn of this change.
    pub fn visible_to(&self, user: &UserSummary) -> bool {
        match self.topic {
            Topic::Notification => self.user_id == Some(user.id),
            Topic::Ticket => {
                user.role.is_staff()
                    || (self.public
                        && self
                            .organisation_id
                            .is_some_and(|organisation| user.may_see_organisation(organisation)))
            }
        }
    }
}

/// This process's fan-out of changes to its open streams, the signal that changes may have been
/// missed, the signal that sessions were ended, and the signal that ends the streams when the
/// server shuts down.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<Change>,
    /// Counts the gaps: times the PostgreSQL listener lost its connection, so changes committed
    /// meanwhile by other instances never reached this one.
    gaps: watch::Sender<u64>,
    closing: watch::Sender<bool>,
    /// Counts the times this process ended sessions (sign-out, deactivation, a new password):
    /// open streams then check at once whether theirs is still valid.
    sessions_ended: watch::Sender<u64>,
    /// Counts the changes committed here or published and the gaps reported: what this process
    /// has seen change.
    generation: Arc<AtomicU64>,
}

/// How many changes a slow stream may fall behind before it is told to reload.
const BACKLOG: usize = 4096;

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            sender: broadcast::channel(BACKLOG).0,
            gaps: watch::channel(0).0,
            closing: watch::channel(false).0,
            sessions_ended: watch::channel(0).0,
            generation: Arc::default(),
        }
    }
}

impl LiveHub {
    pub fn publish(&self, change: Change) {
        // Counted before the streams hear of it, so whoever is told and asks again finds the
        // count moved (answers kept per generation are computed anew).
        self.generation.fetch_add(1, Ordering::SeqCst);
        // No open stream is not an error.
        let _ = self.sender.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Says that changes may have been missed: every open stream tells its page to reload what
    /// it shows.
    pub fn report_gap(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.gaps.send_modify(|gaps| *gaps += 1);
    }

    /// Counts a change this process committed: with PostgreSQL it is published only when it
    /// comes back through the listener, and answers kept per generation must not wait for that.
    pub fn count_change(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Moves whenever a change is committed here or published, or a gap reported: an answer computed at one
    /// generation is current while the generation stays.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Changes whenever a gap is reported.
    pub fn gaps(&self) -> watch::Receiver<u64> {
        self.gaps.subscribe()
    }

    /// Completes when the server begins to shut down; streams end then so the graceful shutdown
    /// does not wait for browsers that never hang up.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// Says that sessions were ended (after the commit that ended them).
    pub fn report_sessions_ended(&self) {
        self.sessions_ended.send_modify(|count| *count += 1);
    }

    /// Changes whenever this process ends sessions.
    pub fn sessions_ended(&self) -> watch::Receiver<u64> {
        self.sessions_ended.subscribe()
    }

    /// How many streams are open; for tests and the benchmark.
    pub fn streams(&self) -> usize {
        self.sender.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn person(role: Role, organisation_id: Option<i64>) -> UserSummary {
        UserSummary { id: 7, email: "x@example.com".into(), display_name: "X".into(), role, organisation_id }
    }

    fn ticket_change(public: bool) -> Change {
        Change {
            topic: Topic::Ticket,
            id: 1,
            ticket_id: Some(3),
            organisation_id: Some(10),
            public,
            user_id: None,
            kind: "public_reply".into(),
        }
    }

    #[test]
    fn customers_see_public_changes_of_their_own_organisation_only() {
        let customer = person(Role::Customer, Some(10));
        let other = person(Role::Customer, Some(11));
        assert!(ticket_change(true).visible_to(&customer));
        assert!(!ticket_change(false).visible_to(&customer), "internal events stay inside");
        assert!(!ticket_change(true).visible_to(&other), "another organisation's ticket");
        assert!(ticket_change(false).visible_to(&person(Role::Agent, None)));
    }

    #[test]
    fn a_notification_reaches_its_addressee_only() {
        let change = Change {
            topic: Topic::Notification,
            id: 4,
            ticket_id: Some(3),
            organisation_id: None,
            public: false,
            user_id: Some(7),
            kind: "escalated".into(),
        };
        assert!(change.visible_to(&person(Role::Agent, None)));
        let someone_else = UserSummary { id: 8, ..person(Role::Admin, None) };
        assert!(!change.visible_to(&someone_else));
    }
}
