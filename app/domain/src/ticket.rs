//! Tickets and their append-only event log.
//!
//! The event log is the record: every change to a ticket is an [`EventData`] appended to it, and
//! the [`Ticket`] row is a projection rebuilt by [`Ticket::apply`]. Commands are decided in
//! [`crate::commands`]; the store only persists the events they return. The escalation engine
//! derives its clocks from the same log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{self, FieldErrors};

named_enum! {
    /// How urgent a ticket is. Customers may suggest one; agents decide.
    Priority {
        Low => "low", "Low",
        Normal => "normal", "Normal",
        High => "high", "High",
        Urgent => "urgent", "Urgent",
    }
}

named_enum! {
    /// Where a ticket stands. `Pending` waits on the customer, `OnHold` on a third party.
    TicketStatus {
        New => "new", "New",
        Open => "open", "Open",
        Pending => "pending", "Pending (waiting on customer)",
        OnHold => "on_hold", "On hold (waiting on third party)",
        Resolved => "resolved", "Resolved",
        Closed => "closed", "Closed",
    }
}

named_enum! {
    /// How the ticket reached us.
    Channel {
        Portal => "portal", "Portal",
        Email => "email", "E-mail",
        Phone => "phone", "Phone",
        Api => "api", "API",
    }
}

named_enum! {
    /// Whether an escalation was warranted, in the eyes of the tier that received it.
    Warranted {
        Yes => "yes", "Warranted",
        No => "no", "Not warranted",
        Unsure => "unsure", "Unsure",
    }
}

named_enum! {
    /// Who may read an event: customers see only public ones.
    Visibility {
        Public => "public", "Public",
        Internal => "internal", "Internal",
    }
}

named_enum! {
    /// The kinds of SLA clock, in the order clocks are listed. Computed by `clock`; named here
    /// because the log records which clock reached a threshold.
    ClockKind {
        /// From creation to the first public reply.
        FirstResponse => "first_response", "First response",
        /// From the oldest unanswered customer message to the next public reply.
        NextResponse => "next_response", "Next response",
        /// From creation or a reopening to resolution.
        Resolution => "resolution", "Resolution",
        /// How long one tier holds the ticket.
        TierBudget => "tier_budget", "Tier budget",
    }
}

impl TicketStatus {
    /// Resolved and closed tickets are no longer being worked.
    pub fn is_done(self) -> bool {
        matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }
}

/// Where a ticket sits in the support organisation: tier, group inside it, and agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub tier_id: Option<i64>,
    pub group_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// The projection of a ticket's event log: its current facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub subject: String,
    pub description: String,
    pub requester_id: i64,
    pub organisation_id: i64,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub channel: Channel,
    pub status: TicketStatus,
    pub assignment: Assignment,
    pub tags: Vec<String>,
    /// Counts changes of the ticket's fields; a field edit must name the version it was based on.
    /// Messages and notes never conflict and do not bump it.
    pub version: i64,
    pub reopen_count: i64,
    /// The ladder level of the escalation policy the ticket is at: 1 on arrival.
    pub escalation_level: i64,
    /// The ladder level whose escalation a member of staff acknowledged: repeat notifications
    /// about that level stop (the ladder itself goes on).
    pub acknowledged_level: Option<i64>,
    /// When the ticket reached its escalation level (its creation at level 1).
    pub level_since: DateTime<Utc>,
    /// The first public reply of staff, if any.
    pub first_replied_at: Option<DateTime<Utc>>,
    /// When the ticket was last resolved or closed; `None` while it is being worked.
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What happened to a ticket. Stored as JSON tagged by `kind` in the event log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventData {
    Created {
        subject: String,
        description: String,
        priority: Priority,
        channel: Channel,
        category_id: Option<i64>,
    },
    CustomerMessage {
        body: String,
    },
    PublicReply {
        body: String,
    },
    InternalNote {
        body: String,
    },
    StatusChanged {
        from: TicketStatus,
        to: TicketStatus,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    CategoryChanged {
        from: Option<i64>,
        to: Option<i64>,
    },
    TagsChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// A move inside the tier holding the ticket (another group or agent), or the first placement
    /// of a ticket no tier held.
    AssignmentChanged {
        from: Assignment,
        to: Assignment,
        /// The ladder level of `to` (see `domain::ladder`); absent in events written before levels
        /// followed the holder.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<i64>,
    },
    /// The ticket moved up (or across) the support organisation: by an agent with a handoff
    /// note, or by the escalation engine with the reason it fired.
    Escalated {
        from: Assignment,
        to: Assignment,
        /// The ladder level the ticket is at afterwards, when the move follows the policy's ladder.
        level: Option<i64>,
        /// Present when an agent escalated by hand.
        handoff: Option<Handoff>,
        /// Why it happened, in a sentence ("L1 budget of 2h used up", "Escalated by hand").
        reason: String,
    },
    /// Staff handed the ticket back to a tier ranked lower than the one holding it.
    Deescalated {
        from: Assignment,
        to: Assignment,
        /// The ladder level of `to`.
        level: i64,
        /// Why, in a sentence ("Workaround in place; L2 follows up with the customer").
        reason: String,
    },
    /// The escalation engine reminded about a clock at a fraction of its target.
    ClockReminder {
        clock: ClockKind,
        cycle: u32,
        /// The fraction of the target, in percent (75 for a reminder at 0.75).
        percent: u32,
        /// When the threshold was reached; the event may be written later, after downtime.
        due_at: DateTime<Utc>,
        /// Written on catching up rather than at the threshold's instant.
        late: bool,
    },
    /// The tier holding the ticket owed the customer a public update by `due_at` and gave none.
    CheckpointMissed {
        tier_id: Option<i64>,
        due_at: DateTime<Utc>,
        late: bool,
    },
    /// The tier holding the ticket did nothing with it — no public reply, internal note or status
    /// change — for its ladder level's `stall_after` of business time since `since`.
    Stalled {
        tier_id: i64,
        /// The tier's last activity on the ticket, or when it received it.
        since: DateTime<Utc>,
        /// Written on catching up rather than at the instant it stalled.
        late: bool,
    },
    /// A clock ran past its target.
    ClockBreached {
        clock: ClockKind,
        cycle: u32,
        due_at: DateTime<Utc>,
        late: bool,
    },
    /// Someone took note of the escalation at `level`: no more reminders about it.
    EscalationAcknowledged {
        level: i64,
    },
    /// Someone of the tier an escalation brought the ticket to said whether it was warranted and
    /// how good its handoff note was: the feedback loop on the escalation process itself.
    EscalationRated {
        /// The sequence number of the `escalated` event rated.
        escalation: i64,
        warranted: Warranted,
        /// The handoff note, 1 (useless) to 5 (nothing left to ask).
        handoff: u8,
        comment: Option<String>,
    },
    /// The requester answered the satisfaction survey offered at a resolution (`domain::survey`).
    SurveyAnswered {
        survey_id: i64,
        /// Satisfaction, 1 to 5.
        csat: u8,
        /// How easy it was, 1 to 7, when answered.
        effort: Option<u8>,
        comment: Option<String>,
        /// At or below the policy's low score when answered: the leads are alerted and a review
        /// is opened.
        low: bool,
    },
}

/// What an agent hands to the next tier, so it never has to ask again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// What the ticket is about, in a few sentences.
    pub summary: String,
    /// What was tried already, and with what result.
    pub tried: String,
    /// How the customer is affected.
    pub impact: String,
    /// What the next tier is asked to do.
    pub ask: String,
}

impl Handoff {
    /// Each part of a handoff is required: a missing part is exactly what the next tier would
    /// otherwise have to ask about.
    pub fn validate(&self) -> Result<Handoff, FieldErrors> {
        let mut errors = FieldErrors::default();
        let summary = validation::text(&mut errors, "summary", "The summary", &self.summary, 10, 4000);
        let tried = validation::text(&mut errors, "tried", "What was tried", &self.tried, 10, 4000);
        let impact = validation::text(&mut errors, "impact", "The customer impact", &self.impact, 5, 2000);
        let ask = validation::text(&mut errors, "ask", "What the next tier should do", &self.ask, 5, 2000);
        errors.into_result(Handoff { summary, tried, impact, ask })
    }
}

impl EventData {
    /// The kind as stored in its own column, so the log can be filtered without parsing JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::Created { .. } => "created",
            EventData::CustomerMessage { .. } => "customer_message",
            EventData::PublicReply { .. } => "public_reply",
            EventData::InternalNote { .. } => "internal_note",
            EventData::StatusChanged { .. } => "status_changed",
            EventData::PriorityChanged { .. } => "priority_changed",
            EventData::CategoryChanged { .. } => "category_changed",
            EventData::TagsChanged { .. } => "tags_changed",
            EventData::AssignmentChanged { .. } => "assignment_changed",
            EventData::Escalated { .. } => "escalated",
            EventData::Deescalated { .. } => "deescalated",
            EventData::ClockReminder { .. } => "clock_reminder",
            EventData::ClockBreached { .. } => "clock_breached",
            EventData::CheckpointMissed { .. } => "checkpoint_missed",
            EventData::Stalled { .. } => "stalled",
            EventData::EscalationAcknowledged { .. } => "escalation_acknowledged",
            EventData::EscalationRated { .. } => "escalation_rated",
            EventData::SurveyAnswered { .. } => "survey_answered",
        }
    }

    /// Customers see the conversation and the status; notes and internal routing stay inside.
    pub fn visibility(&self) -> Visibility {
        match self {
            EventData::Created { .. }
            | EventData::CustomerMessage { .. }
            | EventData::PublicReply { .. }
            | EventData::StatusChanged { .. } => Visibility::Public,
            _ => Visibility::Internal,
        }
    }

    /// Whether the event changes one of the ticket's fields (and so its version).
    pub fn changes_fields(&self) -> bool {
        !matches!(
            self,
            EventData::Created { .. }
                | EventData::CustomerMessage { .. }
                | EventData::PublicReply { .. }
                | EventData::InternalNote { .. }
                | EventData::ClockReminder { .. }
                | EventData::ClockBreached { .. }
                | EventData::CheckpointMissed { .. }
                | EventData::Stalled { .. }
                | EventData::EscalationAcknowledged { .. }
                | EventData::EscalationRated { .. }
                | EventData::SurveyAnswered { .. }
        )
    }
}

/// One entry of a ticket's log as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    /// Position in this ticket's log, from 1, without gaps.
    pub sequence: i64,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub data: EventData,
}

/// Whether a ticket has been escalated: it sits above the first level of the ladder.
pub fn is_escalated(ticket: &Ticket) -> bool {
    ticket.escalation_level > 1
}

/// Whether a customer may reopen this ticket from the portal.
pub fn customer_may_reopen(ticket: &Ticket) -> bool {
    ticket.status == TicketStatus::Resolved
}

impl Ticket {
    /// The projection of a `Created` event.
    pub fn from_created(
        id: i64,
        requester_id: i64,
        organisation_id: i64,
        at: DateTime<Utc>,
        created: &EventData,
    ) -> Option<Ticket> {
        let EventData::Created { subject, description, priority, channel, category_id } = created else {
            return None;
        };
        Some(Ticket {
            id,
            subject: subject.clone(),
            description: description.clone(),
            requester_id,
            organisation_id,
            category_id: *category_id,
            priority: *priority,
            channel: *channel,
            status: TicketStatus::New,
            assignment: Assignment::default(),
            tags: Vec::new(),
            version: 1,
            reopen_count: 0,
            escalation_level: 1,
            acknowledged_level: None,
            level_since: at,
            first_replied_at: None,
            resolved_at: None,
            created_at: at,
            updated_at: at,
        })
    }

    /// Folds one event into the projection.
    pub fn apply(&mut self, event: &EventData, at: DateTime<Utc>) {
        match event {
            EventData::PublicReply { .. } => {
                self.first_replied_at.get_or_insert(at);
            }
            EventData::Created { .. }
            | EventData::CustomerMessage { .. }
            | EventData::InternalNote { .. }
            | EventData::ClockReminder { .. }
            | EventData::ClockBreached { .. }
            | EventData::CheckpointMissed { .. }
            | EventData::Stalled { .. }
            | EventData::EscalationRated { .. }
            | EventData::SurveyAnswered { .. } => {}
            EventData::EscalationAcknowledged { level } => self.acknowledged_level = Some(*level),
            EventData::StatusChanged { from, to } => {
                if *from == TicketStatus::Resolved && !to.is_done() {
                    self.reopen_count += 1;
                }
                if !to.is_done() {
                    self.resolved_at = None;
                } else if !from.is_done() {
                    self.resolved_at = Some(at);
                }
                self.status = *to;
            }
            EventData::PriorityChanged { to, .. } => self.priority = *to,
            EventData::CategoryChanged { to, .. } => self.category_id = *to,
            EventData::TagsChanged { added, removed } => {
                self.tags.retain(|tag| !removed.contains(tag));
                self.tags.extend(added.iter().cloned());
                self.tags.sort();
                self.tags.dedup();
            }
            EventData::AssignmentChanged { to, level, .. } | EventData::Escalated { to, level, .. } => {
                self.assignment = *to;
                if let Some(level) = level {
                    self.move_to_level(*level, at);
                }
            }
            EventData::Deescalated { to, level, .. } => {
                self.assignment = *to;
                self.move_to_level(*level, at);
            }
        }
        self.updated_at = at;
    }

    /// An acknowledgement belongs to the level it was given at: a ticket that changes level has
    /// an escalation nobody has acknowledged yet.
    fn move_to_level(&mut self, level: i64, at: DateTime<Utc>) {
        if level != self.escalation_level {
            self.acknowledged_level = None;
            self.level_since = at;
        }
        self.escalation_level = level;
    }

    /// Applies a batch appended by one command: the version grows by one if any field changed.
    pub fn apply_all(&mut self, events: &[EventData], at: DateTime<Utc>) {
        self.apply_each(events, at, |_| {});
    }

    /// [`Ticket::apply_all`], showing the ticket to `after_each` after each event.
    pub fn apply_each(
        &mut self,
        events: &[EventData],
        at: DateTime<Utc>,
        mut after_each: impl FnMut(&Ticket),
    ) {
        for event in events {
            self.apply(event, at);
            after_each(self);
        }
        if events.iter().any(EventData::changes_fields) {
            self.version += 1;
        }
    }
}
