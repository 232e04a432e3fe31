use std::fmt;

use serde::{Deserialize, Serialize};

use super::read::{slug, unknown_word};
use crate::clock::ClockKind;
use crate::validation::{self, FieldErrors};

/// The words of the clock kinds, for messages and suggestions.
pub(super) fn clock_words() -> Vec<&'static str> {
    ClockKind::ALL.iter().map(|clock| clock.as_str()).collect()
}

/// "the tier budget", "the resolution target": how sentences name a clock's limit.
pub(super) fn clock_limit_phrase(clock: ClockKind) -> String {
    match clock {
        ClockKind::TierBudget => "the tier budget".to_string(),
        other => format!("the {} target", other.label().to_lowercase()),
    }
}

named_enum! {
    /// What happens when a ladder level's budget runs out.
    BreachAction {
        /// The next level of the ladder takes the ticket.
        NextLevel => "next_level", "Move to the next level",
        /// The lead of the tier or group holding the ticket is told.
        NotifyLead => "notify_lead", "Notify the lead",
        /// Managers are told: the hierarchical escalation, beside the functional one of `NextLevel`.
        NotifyManager => "notify_manager", "Notify the managers",
        /// The priority goes up one step (urgent stays urgent).
        RaisePriority => "raise_priority", "Raise the priority",
        /// The notification rules for `breach` events are applied.
        Notify => "notify", "Send the breach notifications",
    }
}

named_enum! {
    /// What a notification is about.
    EventKind {
        Created => "created", "Ticket created",
        Assigned => "assigned", "Ticket assigned",
        Escalated => "escalated", "Ticket escalated",
        Reminder => "reminder", "Reminder",
        Breach => "breach", "Target or budget breached",
        Mention => "mention", "Mention",
        CheckpointMissed => "checkpoint_missed", "Checkpoint missed",
        Stalled => "stalled", "Ticket stalled",
        CustomerReplied => "customer_replied", "Customer replied",
        Reopened => "reopened", "Ticket reopened",
        Resolved => "resolved", "Ticket resolved",
        LowScore => "low_score", "Low satisfaction score",
    }
}

impl EventKind {
    /// "a ticket is escalated": the event as the end of a "when ..." sentence.
    pub fn phrase(self) -> &'static str {
        match self {
            EventKind::Created => "a ticket is created",
            EventKind::Assigned => "a ticket is assigned",
            EventKind::Escalated => "a ticket is escalated",
            EventKind::Reminder => "a reminder is due",
            EventKind::Breach => "a target or budget is breached",
            EventKind::Mention => "someone is mentioned",
            EventKind::CheckpointMissed => "a checkpoint is missed",
            EventKind::Stalled => "a ticket stalls in its tier",
            EventKind::CustomerReplied => "the customer replies",
            EventKind::Reopened => "a ticket is reopened",
            EventKind::Resolved => "a ticket is resolved",
            EventKind::LowScore => "a customer gives a low satisfaction score",
        }
    }
}

/// The recipient words other than `email:`.
pub(super) const RECIPIENT_WORDS: [&str; 8] =
    ["assignee", "group", "tier", "lead", "managers", "watchers", "mentioned", "requester"];

/// Who is told. Group, tier and lead are those holding the ticket when the event happens.
///
/// Written `assignee`, `group`, ..., or `email:address` for a fixed address; serde uses the same
/// text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Recipient {
    /// The agent the ticket is assigned to.
    Assignee,
    /// The members of the group holding the ticket.
    Group,
    /// The members of the tier holding the ticket.
    Tier,
    /// The lead of the group holding the ticket, else of its tier.
    Lead,
    /// The people with the manager role.
    Managers,
    /// The people watching the ticket.
    Watchers,
    /// The people mentioned in the note or message the event is about.
    Mentioned,
    /// The customer who opened the ticket.
    Requester,
    /// A fixed address, normalised to lowercase.
    Email(String),
}

impl Recipient {
    /// Reads `assignee`, `group`, `tier`, `lead`, `managers`, `watchers`, `mentioned`,
    /// `requester` or `email:address`; the error is a sentence for the person editing.
    pub fn parse(text: &str) -> Result<Recipient, String> {
        if let Some(address) = text.strip_prefix("email:") {
            let mut errors = FieldErrors::default();
            let address = validation::email(&mut errors, "to", address);
            return match errors.0.first() {
                Some(error) => Err(format!("\"{text}\" is not a usable address: {}", error.message)),
                None => Ok(Recipient::Email(address)),
            };
        }
        Ok(match text {
            "assignee" => Recipient::Assignee,
            "group" => Recipient::Group,
            "tier" => Recipient::Tier,
            "lead" => Recipient::Lead,
            "managers" => Recipient::Managers,
            "watchers" => Recipient::Watchers,
            "mentioned" => Recipient::Mentioned,
            "requester" => Recipient::Requester,
            _ => {
                let mut words = RECIPIENT_WORDS.to_vec();
                words.push("email:address");
                return Err(unknown_word(text, "a recipient", &words));
            }
        })
    }

    /// The text as written in policy files.
    pub fn as_text(&self) -> String {
        match self {
            Recipient::Email(address) => format!("email:{address}"),
            other => other.word().to_string(),
        }
    }

    fn word(&self) -> &'static str {
        match self {
            Recipient::Assignee => RECIPIENT_WORDS[0],
            Recipient::Group => RECIPIENT_WORDS[1],
            Recipient::Tier => RECIPIENT_WORDS[2],
            Recipient::Lead => RECIPIENT_WORDS[3],
            Recipient::Managers => RECIPIENT_WORDS[4],
            Recipient::Watchers => RECIPIENT_WORDS[5],
            Recipient::Mentioned => RECIPIENT_WORDS[6],
            Recipient::Requester => RECIPIENT_WORDS[7],
            Recipient::Email(_) => "email",
        }
    }

    /// Whether the recipient is several people, for the verb of a sentence.
    pub(super) fn is_plural(&self) -> bool {
        matches!(self, Recipient::Managers | Recipient::Watchers | Recipient::Mentioned)
    }

    /// "the assignee", "duty@example.com": the recipient in a sentence.
    pub fn describe(&self) -> String {
        match self {
            Recipient::Assignee => "the assignee".to_string(),
            Recipient::Group => "the group holding the ticket".to_string(),
            Recipient::Tier => "the tier holding the ticket".to_string(),
            Recipient::Lead => "the lead".to_string(),
            Recipient::Managers => "the managers".to_string(),
            Recipient::Watchers => "the watchers".to_string(),
            Recipient::Mentioned => "the people mentioned".to_string(),
            Recipient::Requester => "the requester".to_string(),
            Recipient::Email(address) => address.clone(),
        }
    }
}

impl TryFrom<String> for Recipient {
    type Error = String;

    fn try_from(text: String) -> Result<Recipient, String> {
        Recipient::parse(&text)
    }
}

impl From<Recipient> for String {
    fn from(recipient: Recipient) -> String {
        recipient.as_text()
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.as_text())
    }
}

/// The channel words other than `webhook:`.
const NOTIFICATION_CHANNEL_WORDS: [&str; 4] = ["in_app", "email", "slack", "teams"];

/// How people are told. Written `in_app`, `email`, `slack`, `teams` or `webhook:name`, where the
/// name is a webhook configured by an admin; serde uses the same text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NotificationChannel {
    /// The notification list inside Tierline.
    InApp,
    /// E-mail to the recipient's address.
    Email,
    /// The Slack integration.
    Slack,
    /// The Microsoft Teams integration.
    Teams,
    /// A configured webhook, by its (lowercase) name.
    Webhook(String),
}

impl NotificationChannel {
    /// Reads a channel; the error is a sentence for the person editing.
    pub fn parse(text: &str) -> Result<NotificationChannel, String> {
        if let Some(name) = text.strip_prefix("webhook:") {
            return slug(name, "A webhook name").map(NotificationChannel::Webhook);
        }
        Ok(match text {
            "in_app" => NotificationChannel::InApp,
            "email" => NotificationChannel::Email,
            "slack" => NotificationChannel::Slack,
            "teams" => NotificationChannel::Teams,
            _ => {
                let mut words = NOTIFICATION_CHANNEL_WORDS.to_vec();
                words.push("webhook:name");
                return Err(unknown_word(text, "a notification channel", &words));
            }
        })
    }

    /// The text as written in policy files.
    pub fn as_text(&self) -> String {
        match self {
            NotificationChannel::InApp => NOTIFICATION_CHANNEL_WORDS[0].to_string(),
            NotificationChannel::Email => NOTIFICATION_CHANNEL_WORDS[1].to_string(),
            NotificationChannel::Slack => NOTIFICATION_CHANNEL_WORDS[2].to_string(),
            NotificationChannel::Teams => NOTIFICATION_CHANNEL_WORDS[3].to_string(),
            NotificationChannel::Webhook(name) => format!("webhook:{name}"),
        }
    }

    /// "in-app message", "the webhook status-page": the channel in a sentence.
    pub fn describe(&self) -> String {
        match self {
            NotificationChannel::InApp => "in-app message".to_string(),
            NotificationChannel::Email => "e-mail".to_string(),
            NotificationChannel::Slack => "Slack".to_string(),
            NotificationChannel::Teams => "Microsoft Teams".to_string(),
            NotificationChannel::Webhook(name) => format!("the webhook {name}"),
        }
    }
}

impl TryFrom<String> for NotificationChannel {
    type Error = String;

    fn try_from(text: String) -> Result<NotificationChannel, String> {
        NotificationChannel::parse(&text)
    }
}

impl From<NotificationChannel> for String {
    fn from(channel: NotificationChannel) -> String {
        channel.as_text()
    }
}

impl fmt::Display for NotificationChannel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.as_text())
    }
}
