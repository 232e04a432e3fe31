//! Escalation policies: the versioned document in which admins say how fast tickets must be
//! answered and resolved, which statuses stop which clocks, where new tickets go, who holds a
//! ticket at each level of the escalation ladder and for how long, who is told about what, and
//! which public updates are due while a tier holds a ticket.
//!
//! A [`Policy`] is read from TOML with [`Policy::from_toml`] (what `tierline policy check FILE`
//! runs), written back with [`Policy::to_toml`] and shown to stakeholders with
//! [`Policy::to_markdown`]. The escalation engine asks it questions: [`Policy::targets_for`],
//! [`Policy::pauses`], [`Policy::first_matching_criterion`] and [`Policy::level`].
//! [`EXAMPLE_POLICY`] is a complete policy and the best introduction to the format.
//!
//! What it promises:
//! - It is pure: no IO, no clock reads, no randomness.
//! - Reading reports every problem it can find in one go, each with the 1-based line of the
//!   offending key or value, so that an admin fixes a file in one pass. A file that is not valid
//!   TOML reports only its syntax errors (the first per line): the meaning of a broken file
//!   cannot be trusted, and guessing at it would add misleading errors.
//! - `Policy::from_toml(&policy.to_toml()) == Ok(policy)` for every valid policy.
//! - References to tiers, groups, calendars and categories are [`NameRef`]s, which remember the
//!   line they were read from, so that [`Policy::check_names`] can point at unknown names after
//!   parsing. The line is not part of a policy's meaning: `==` ignores it.
//! - Durations are business time on the clock's calendar (see [`parse_duration`]): `1d` is 24
//!   hours of business time, not a working day. [`Policy::to_toml`] therefore writes hours.
//! - Clock kinds and pause rules are the clock engine's own types ([`ClockKind`],
//!   [`PauseRules`]), and [`MatchedTargets::for_clock`] and [`Policy::tier_budget_for`] answer with
//!   its [`TargetRule`], so a policy feeds `clock::compute_clocks` without translation.
//! - Levels of the ladder are numbered from 1 everywhere: in the file, in messages, in
//!   [`CriterionAction::EscalateToLevel`] and in [`Policy::level`].
//!
//! The format, key by key (every list may also be a single value where it makes sense):
//!
//! ```toml
//! name = "Standard support"                 # required
//! description = "Shown under the title"     # optional
//! calendar = "Office hours (Berlin)"        # required: the default calendar of every clock
//!
//! [pause]                                   # optional; only the two waiting statuses pause, and
//! pending = ["resolution", "tier_budget"]   # one left out keeps the default shown here
//! on_hold = ["resolution", "tier_budget"]   # (`clock::PauseRules::default`)
//!
//! [[targets]]                               # at least one; the first matching rule applies
//! priority = ["urgent"]                     # optional filter; low, normal, high, urgent
//! plan = ["enterprise", "premium"]          # optional filter
//! first_response = "30m"                    # at least one of the three targets
//! next_response = "1h"
//! resolution = "4h"
//! calendar = "Around the clock"             # optional: overrides the default calendar
//!
//! [[criteria]]                              # optional; the first matching criterion applies
//! name = "Security incidents"               # required and unique
//! when = { all = [{ category = "Security" }, { priority = ["high", "urgent"] }] }
//! route_to = "Security"                     # a tier or group; or: escalate_to_level = 2
//!
//! [[ladder]]                                # at least one level
//! holder = "L1 Service Desk"                # the tier or group holding the ticket
//! budget = "2h"                             # optional: the tier budget clock of this level
//! reminders = [{ clock = "tier_budget", at = 0.75 }]
//! on_breach = ["next_level", "notify_lead"] # next_level, notify_lead, notify_manager,
//!                                           # raise_priority, notify
//! [[notify]]                                # optional; every matching rule applies
//! events = ["escalated", "breach"]          # required
//! priority = ["high", "urgent"]             # optional filters: priority, plan, level, category
//! category = ["Security", "Billing"]        # (category names are checked like criteria's)
//! to = ["group", "lead", "email:desk@example.com"]
//! channels = ["in_app", "email", "webhook:status-page"]
//! urgent = true                             # optional, default false: ignore quiet hours and
//!                                           # digests (urgent tickets always do)
//!
//! [[checkpoints]]
//! tier = "L3 Engineering"
//! public_update_every = "4h"
//! ```
//!
//! Conditions (`when`) are inline tables. Leaves: `priority`, `plan`, `category`, `channel`,
//! `tier` (a value or a list: any of them), `tag` (the ticket has the tag), `tags_any`,
//! `reopen_count_at_least`, `unanswered_customer_messages_at_least`, `age_hours_at_least`.
//! Combinators: `all = [...]`, `any = [...]`, `not = {...}`. A table with several keys requires
//! all of them, so `{ category = "Security", priority = "urgent" }` is a shorthand for `all`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use chrono::Duration;
use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::clock::{PauseRules, TargetRule};
use super::ticket::{Channel, Priority, TicketStatus};
use super::validation::{self, FieldErrors};

/// The clock kinds are those of the clock engine; re-exported because policies name them.
pub use super::clock::ClockKind;

/// The demo's published policy, also shown in the documentation. It uses only the names of the
/// demo data (tiers, groups, calendars, categories and plans), and parses without errors.
pub const EXAMPLE_POLICY: &str = include_str!("../../../docs/policy-example.toml");

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// One problem with a policy: what is wrong, and where when it is known.
///
/// Displays as `line N: message`, or as `message` when there is no line (for example a required
/// section that is missing altogether).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}{message}", line_prefix(.line))]
pub struct PolicyError {
    /// The 1-based line of the TOML source the problem is about, when there is one.
    pub line: Option<usize>,
    /// What is wrong, in words meant for the person editing the policy.
    pub message: String,
}

fn line_prefix(line: &Option<usize>) -> String {
    match line {
        Some(line) => format!("line {line}: "),
        None => String::new(),
    }
}

impl PolicyError {
    /// A problem without a line.
    pub fn new(message: impl Into<String>) -> PolicyError {
        PolicyError { line: None, message: message.into() }
    }

    /// A problem on a 1-based line.
    pub fn at_line(line: usize, message: impl Into<String>) -> PolicyError {
        PolicyError { line: Some(line), message: message.into() }
    }
}

/// All the problems found in one policy, in line order (those without a line last).
///
/// Displays one problem per line, each as `line N: message`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl PolicyErrors {
    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The problems, in line order.
    pub fn iter(&self) -> std::slice::Iter<'_, PolicyError> {
        self.0.iter()
    }

    /// Sorts by line, keeping the order of discovery within a line; problems without a line last.
    fn sorted(mut errors: Vec<PolicyError>) -> PolicyErrors {
        errors.sort_by_key(|error| (error.line.is_none(), error.line));
        PolicyErrors(errors)
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        formatter.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for PolicyErrors {}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/// The longest duration a policy accepts. Anything longer is a typo: a year of business time is
/// more than four years of office hours.
pub const MAX_DURATION_DAYS: i64 = 365;

const SECONDS_PER_HOUR: i64 = 3_600;

/// The units of a duration, largest first, with their length in seconds.
const DURATION_UNITS: [(char, i64); 4] =
    [('d', 24 * SECONDS_PER_HOUR), ('h', SECONDS_PER_HOUR), ('m', 60), ('s', 1)];

/// Reads a policy duration: whole numbers with units, largest unit first, each unit at most once,
/// without spaces: `90s`, `30m`, `4h`, `1h30m`, `3d`, `1d12h`.
///
/// Durations are business time, counted on the clock's calendar. A day (`d`) is 24 hours of
/// business time, not a working day: on a calendar open 8 hours a day, `1d` lasts three working
/// days. Write hours (`24h`) to avoid the doubt; [`format_duration`] does.
///
/// Zero, negative durations and durations over [`MAX_DURATION_DAYS`] days are refused. The error
/// has no line; the file reader adds it.
pub fn parse_duration(text: &str) -> Result<Duration, PolicyError> {
    let not_a_duration = |why: &str| {
        PolicyError::new(format!(
            "\"{text}\" is not a duration{why}; write it like \"90s\", \"30m\", \"4h\" or \"1h30m\""
        ))
    };
    if text.is_empty() {
        return Err(not_a_duration(""));
    }
    if text.contains(char::is_whitespace) {
        return Err(not_a_duration(" (durations are written without spaces)"));
    }
    let mut rest = text;
    let mut total_seconds: i64 = 0;
    let mut previous_unit: Option<usize> = None;
    while !rest.is_empty() {
        let digit_count = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digit_count == 0 {
            return Err(not_a_duration(" (each part is a whole number followed by d, h, m or s)"));
        }
        let (digits, after) = rest.split_at(digit_count);
        let Some(unit) = after.chars().next() else {
            return Err(not_a_duration(&format!(" (\"{digits}\" needs a unit: d, h, m or s)")));
        };
        let Some(unit_index) = DURATION_UNITS.iter().position(|(symbol, _)| *symbol == unit) else {
            return Err(not_a_duration(&format!(" (\"{unit}\" is not a unit; use d, h, m or s)")));
        };
        if previous_unit.is_some_and(|previous| unit_index <= previous) {
            return Err(not_a_duration(" (units go largest first, each at most once)"));
        }
        previous_unit = Some(unit_index);
        let too_long = || {
            PolicyError::new(format!("\"{text}\" is longer than the longest duration, {MAX_DURATION_DAYS}d"))
        };
        let amount: i64 = digits.parse().map_err(|_| too_long())?;
        total_seconds = amount
            .checked_mul(DURATION_UNITS[unit_index].1)
            .and_then(|seconds| total_seconds.checked_add(seconds))
            .ok_or_else(too_long)?;
        rest = &after[unit.len_utf8()..];
    }
    if total_seconds == 0 {
        return Err(PolicyError::new(format!("\"{text}\" is zero; a duration must be longer than zero")));
    }
    if total_seconds > MAX_DURATION_DAYS * DURATION_UNITS[0].1 {
        return Err(PolicyError::new(format!(
            "\"{text}\" is longer than the longest duration, {MAX_DURATION_DAYS}d"
        )));
    }
    Ok(Duration::seconds(total_seconds))
}

/// Writes a duration as [`parse_duration`] reads it, in hours, minutes and seconds (`72h`,
/// `1h30m`, `1m30s`), never in days, whose meaning is easily mistaken. Fractions of a second are
/// left out; zero is `0s` and a negative duration starts with `-` (neither of which a policy
/// accepts).
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.num_seconds();
    if seconds == 0 {
        return "0s".to_string();
    }
    let mut text = if seconds < 0 { "-".to_string() } else { String::new() };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, seconds) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    for (amount, unit) in [(hours, 'h'), (minutes, 'm'), (seconds, 's')] {
        if amount > 0 {
            text.push_str(&format!("{amount}{unit}"));
        }
    }
    text
}

/// A duration in words for people: "1 hour 30 minutes", "72 hours".
fn duration_in_words(duration: Duration) -> String {
    let seconds = duration.num_seconds().unsigned_abs();
    let (hours, minutes, seconds) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    let parts: Vec<String> = [(hours, "hour"), (minutes, "minute"), (seconds, "second")]
        .into_iter()
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, unit)| counted(amount, unit))
        .collect();
    if parts.is_empty() {
        "no time".to_string()
    } else {
        parts.join(" ")
    }
}

/// "1 hour", "2 hours".
fn counted(amount: u64, unit: &str) -> String {
    if amount == 1 {
        format!("1 {unit}")
    } else {
        format!("{amount} {unit}s")
    }
}

/// Durations in JSON as their policy text (`"1h30m"`), since chrono's durations have no serde
/// form of their own.
mod optional_duration_text {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_some(&super::format_duration(*duration)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|text| super::parse_duration(&text).map_err(|error| serde::de::Error::custom(error.message)))
            .transpose()
    }
}

/// A required duration in JSON, as [`optional_duration_text`] writes it.
mod duration_text {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_duration(*duration))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_duration(&text).map_err(|error| serde::de::Error::custom(error.message))
    }
}

// ---------------------------------------------------------------------------------------------
// Closed sets of words
// ---------------------------------------------------------------------------------------------

/// The words of the clock kinds, for messages and suggestions.
fn clock_words() -> Vec<&'static str> {
    ClockKind::ALL.iter().map(|clock| clock.as_str()).collect()
}

/// "the tier budget", "the resolution target": how sentences name a clock's limit.
fn clock_limit_phrase(clock: ClockKind) -> String {
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
        CustomerReplied => "customer_replied", "Customer replied",
        Reopened => "reopened", "Ticket reopened",
        Resolved => "resolved", "Ticket resolved",
    }
}

impl EventKind {
    /// "a ticket is escalated": the event as the end of a "when ..." sentence.
    fn phrase(self) -> &'static str {
        match self {
            EventKind::Created => "a ticket is created",
            EventKind::Assigned => "a ticket is assigned",
            EventKind::Escalated => "a ticket is escalated",
            EventKind::Reminder => "a reminder is due",
            EventKind::Breach => "a target or budget is breached",
            EventKind::Mention => "someone is mentioned",
            EventKind::CheckpointMissed => "a checkpoint is missed",
            EventKind::CustomerReplied => "the customer replies",
            EventKind::Reopened => "a ticket is reopened",
            EventKind::Resolved => "a ticket is resolved",
        }
    }
}

/// The recipient words other than `email:`.
const RECIPIENT_WORDS: [&str; 8] =
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
    fn is_plural(&self) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Names of things configured elsewhere
// ---------------------------------------------------------------------------------------------

/// A reference by name to a tier, group, calendar or category configured elsewhere, with the
/// line it was read from so that [`Policy::check_names`] can point at it.
///
/// Two references are equal when their names are: the line records where the name was written,
/// which is not part of the policy's meaning (a policy equals itself re-read from its
/// `to_toml`). Serde writes the name alone.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct NameRef {
    name: String,
    line: Option<usize>,
}

impl NameRef {
    /// A reference that was not read from a file.
    pub fn new(name: impl Into<String>) -> NameRef {
        NameRef { name: name.into(), line: None }
    }

    /// The name referred to.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The 1-based line the name was read from, if it was read from a file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
}

impl PartialEq for NameRef {
    fn eq(&self, other: &NameRef) -> bool {
        self.name == other.name
    }
}

impl Eq for NameRef {}

impl PartialEq<str> for NameRef {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for NameRef {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl From<String> for NameRef {
    fn from(name: String) -> NameRef {
        NameRef::new(name)
    }
}

impl From<&str> for NameRef {
    fn from(name: &str) -> NameRef {
        NameRef::new(name)
    }
}

impl From<NameRef> for String {
    fn from(name: NameRef) -> String {
        name.name
    }
}

impl fmt::Display for NameRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.name)
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

/// The facts about a ticket that conditions look at, gathered by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionFacts {
    /// The ticket's current priority.
    pub priority: Priority,
    /// The plan of the customer's organisation, such as `enterprise`.
    pub plan: String,
    /// The category's name, if the ticket has one.
    pub category: Option<String>,
    /// The ticket's tags, lowercase as `ticket::parse_tags` leaves them.
    pub tags: Vec<String>,
    /// How the ticket reached us.
    pub channel: Channel,
    /// How often the ticket was reopened after being resolved or closed.
    pub reopen_count: i64,
    /// Customer messages since the last public reply.
    pub unanswered_customer_messages: i64,
    /// The name of the tier holding the ticket, if any.
    pub tier: Option<String>,
    /// Whole hours (real time, not business time) since the ticket was created.
    pub age_hours: i64,
}

/// Conditions nest deeper than this only by mistake; the limit also bounds recursion.
const MAX_CONDITION_DEPTH: usize = 16;

/// A condition over [`CriterionFacts`]. A leaf with a list holds when any of its values does.
///
/// Serde writes it in the shape of the file: `{"all": [{"category": ["Security"]}]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every one of the conditions holds.
    All(Vec<Condition>),
    /// At least one of the conditions holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// The ticket has one of these priorities.
    Priority(Vec<Priority>),
    /// Plans compare ignoring ASCII case.
    Plan(Vec<String>),
    /// Holds when the ticket has one of these categories (never for a ticket without one).
    Category(Vec<NameRef>),
    /// The ticket has this tag (lowercase).
    Tag(String),
    /// The ticket has at least one of these tags (lowercase).
    TagsAny(Vec<String>),
    /// The ticket came in through one of these channels.
    Channel(Vec<Channel>),
    /// The ticket was reopened at least this often (1 or more).
    ReopenCountAtLeast(i64),
    /// At least this many customer messages (1 or more) wait for a public reply.
    UnansweredCustomerMessagesAtLeast(i64),
    /// Holds when one of these tiers holds the ticket (never for a ticket no tier holds).
    Tier(Vec<NameRef>),
    /// The ticket is at least this many hours old (1 or more), in real time.
    AgeHoursAtLeast(i64),
}

impl Condition {
    /// The ages (in hours) at which the condition may change its answer as the ticket grows
    /// older: the engine looks at the ticket again at those instants.
    pub fn age_thresholds(&self) -> Vec<i64> {
        match self {
            Condition::All(conditions) | Condition::Any(conditions) => {
                conditions.iter().flat_map(Condition::age_thresholds).collect()
            }
            Condition::Not(condition) => condition.age_thresholds(),
            Condition::AgeHoursAtLeast(hours) => vec![*hours],
            _ => Vec::new(),
        }
    }

    /// Whether the condition holds for a ticket.
    pub fn matches(&self, facts: &CriterionFacts) -> bool {
        let has_tag = |tag: &String| facts.tags.iter().any(|own| own.eq_ignore_ascii_case(tag));
        match self {
            Condition::All(conditions) => conditions.iter().all(|condition| condition.matches(facts)),
            Condition::Any(conditions) => conditions.iter().any(|condition| condition.matches(facts)),
            Condition::Not(condition) => !condition.matches(facts),
            Condition::Priority(priorities) => priorities.contains(&facts.priority),
            Condition::Plan(plans) => plans.iter().any(|plan| plan.eq_ignore_ascii_case(facts.plan.trim())),
            Condition::Category(categories) => {
                facts.category.as_deref().is_some_and(|category| categories.iter().any(|c| *c == category))
            }
            Condition::Tag(tag) => has_tag(tag),
            Condition::TagsAny(tags) => tags.iter().any(has_tag),
            Condition::Channel(channels) => channels.contains(&facts.channel),
            Condition::ReopenCountAtLeast(count) => facts.reopen_count >= *count,
            Condition::UnansweredCustomerMessagesAtLeast(count) => {
                facts.unanswered_customer_messages >= *count
            }
            Condition::Tier(tiers) => {
                facts.tier.as_deref().is_some_and(|tier| tiers.iter().any(|t| *t == tier))
            }
            Condition::AgeHoursAtLeast(hours) => facts.age_hours >= *hours,
        }
    }

    /// The condition in plain English, as the end of a "When ..." sentence: "the category is
    /// Security and the priority is high or urgent". Nested combinations are put in parentheses.
    pub fn describe(&self) -> String {
        self.phrase(false)
    }

    fn phrase(&self, nested: bool) -> String {
        let combined = |conditions: &[Condition], word: &str| {
            if let [only] = conditions {
                return only.phrase(nested);
            }
            let parts: Vec<String> = conditions.iter().map(|condition| condition.phrase(true)).collect();
            let text = join_words(&parts, word);
            if nested {
                format!("({text})")
            } else {
                text
            }
        };
        match self {
            Condition::All(conditions) => combined(conditions, "and"),
            Condition::Any(conditions) => combined(conditions, "or"),
            Condition::Not(condition) => condition.negated_phrase(nested),
            leaf => leaf.leaf_phrase(false),
        }
    }

    /// The phrase of `not { self }`: leaves say it in their own words ("the priority is not
    /// low"), combinations with "neither ... nor ..." and "it is not true that (...)".
    fn negated_phrase(&self, nested: bool) -> String {
        match self {
            Condition::All(conditions) | Condition::Any(conditions) if conditions.len() == 1 => {
                conditions[0].negated_phrase(nested)
            }
            Condition::Any(conditions) => {
                let parts: Vec<String> = conditions.iter().map(|condition| condition.phrase(true)).collect();
                let text = format!("neither {}", parts.join(" nor "));
                if nested {
                    format!("({text})")
                } else {
                    text
                }
            }
            Condition::All(conditions) => {
                let parts: Vec<String> = conditions.iter().map(|condition| condition.phrase(true)).collect();
                let text = format!("it is not true that ({})", join_words(&parts, "and"));
                if nested {
                    format!("({text})")
                } else {
                    text
                }
            }
            Condition::Not(condition) => condition.phrase(nested),
            leaf => leaf.leaf_phrase(true),
        }
    }

    fn leaf_phrase(&self, negated: bool) -> String {
        let is = if negated { "is not" } else { "is" };
        let names = |names: &[NameRef]| {
            let names: Vec<String> = names.iter().map(ToString::to_string).collect();
            join_words(&names, "or")
        };
        let words = |words: &[String]| join_words(words, "or");
        match self {
            Condition::Priority(priorities) => {
                let words: Vec<String> = priorities.iter().map(|p| p.as_str().to_string()).collect();
                format!("the priority {is} {}", join_words(&words, "or"))
            }
            Condition::Plan(plans) => format!("the plan {is} {}", words(plans)),
            Condition::Category(categories) => format!("the category {is} {}", names(categories)),
            Condition::Tag(tag) => format!("the ticket {is} tagged {tag}"),
            Condition::TagsAny(tags) => format!("the ticket {is} tagged {}", words(tags)),
            Condition::Channel(channels) => {
                let words: Vec<String> = channels.iter().map(|c| channel_word(*c).to_string()).collect();
                format!("the channel {is} {}", join_words(&words, "or"))
            }
            Condition::ReopenCountAtLeast(count) => {
                let times = match count {
                    1 => "once".to_string(),
                    2 => "twice".to_string(),
                    count => format!("{count} times"),
                };
                if negated && *count == 1 {
                    "the ticket has never been reopened".to_string()
                } else if negated {
                    format!("the ticket has been reopened less than {times}")
                } else {
                    format!("the ticket has been reopened at least {times}")
                }
            }
            Condition::UnansweredCustomerMessagesAtLeast(count) => {
                let (messages, are) = if *count == 1 { ("message", "is") } else { ("messages", "are") };
                if negated && *count == 1 {
                    "no customer message is unanswered".to_string()
                } else if negated {
                    format!("fewer than {count} customer messages are unanswered")
                } else {
                    format!("at least {count} customer {messages} {are} unanswered")
                }
            }
            Condition::Tier(tiers) => format!("the current tier {is} {}", names(tiers)),
            Condition::AgeHoursAtLeast(hours) => {
                let bound = if negated { "less than" } else { "at least" };
                format!("the ticket is {bound} {} old", counted(hours.unsigned_abs(), "hour"))
            }
            // Combinations are phrased by `phrase` and `negated_phrase`.
            Condition::All(_) | Condition::Any(_) | Condition::Not(_) => self.phrase(true),
        }
    }

    /// Calls `visit` on every leaf naming categories or tiers, for [`Policy::check_names`].
    fn visit_names<'a>(&'a self, visit: &mut impl FnMut(NameKind, &'a NameRef)) {
        match self {
            Condition::All(conditions) | Condition::Any(conditions) => {
                conditions.iter().for_each(|condition| condition.visit_names(visit))
            }
            Condition::Not(condition) => condition.visit_names(visit),
            Condition::Category(categories) => {
                categories.iter().for_each(|name| visit(NameKind::Category, name))
            }
            Condition::Tier(tiers) => tiers.iter().for_each(|name| visit(NameKind::TierOrGroup, name)),
            _ => {}
        }
    }
}

/// "portal", "e-mail", "phone", "API": a ticket channel in a sentence.
fn channel_word(channel: Channel) -> &'static str {
    match channel {
        Channel::Portal => "portal",
        Channel::Email => "e-mail",
        Channel::Phone => "phone",
        Channel::Api => "API",
    }
}

/// "a", "a or b", "a, b or c".
fn join_words(words: &[String], last_word: &str) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} {last_word} {last}", rest.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// The parts of a policy
// ---------------------------------------------------------------------------------------------

/// One `[[targets]]` rule: SLA targets for the tickets it matches. Empty filters match every
/// ticket. (Not to be confused with [`TargetRule`], one resolved target with its explanation, which
/// [`MatchedTargets::for_clock`] gives for the clock engine.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaRule {
    /// The priorities the rule applies to; empty for all.
    pub priorities: Vec<Priority>,
    /// The plans the rule applies to (lowercase); empty for all.
    pub plans: Vec<String>,
    /// Business time allowed until the first public reply; `None` for no target.
    #[serde(with = "optional_duration_text")]
    pub first_response: Option<Duration>,
    /// Business time allowed to answer each later customer message; `None` for no target.
    #[serde(with = "optional_duration_text")]
    pub next_response: Option<Duration>,
    /// Business time allowed to resolve, from creation or a reopening; `None` for no target.
    #[serde(with = "optional_duration_text")]
    pub resolution: Option<Duration>,
    /// The calendar of this rule's clocks; `None` for the policy's calendar.
    pub calendar: Option<NameRef>,
}

impl SlaRule {
    fn matches(&self, priority: Priority, plan: &str) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&priority))
            && (self.plans.is_empty() || self.plans.iter().any(|own| own.eq_ignore_ascii_case(plan.trim())))
    }

    /// Whether every ticket this rule matches is also matched by `earlier`.
    fn is_covered_by(&self, earlier: &SlaRule) -> bool {
        fn covers<T: PartialEq>(earlier: &[T], later: &[T]) -> bool {
            earlier.is_empty() || (!later.is_empty() && later.iter().all(|value| earlier.contains(value)))
        }
        covers(&earlier.priorities, &self.priorities) && covers(&earlier.plans, &self.plans)
    }

    /// "priority urgent; plan enterprise or premium", or "every ticket".
    fn describe_filters(&self) -> String {
        let mut filters = Vec::new();
        if !self.priorities.is_empty() {
            let words: Vec<String> = self.priorities.iter().map(|p| p.as_str().to_string()).collect();
            filters.push(format!("priority {}", join_words(&words, "or")));
        }
        if !self.plans.is_empty() {
            filters.push(format!("plan {}", join_words(&self.plans, "or")));
        }
        if filters.is_empty() {
            "every ticket".to_string()
        } else {
            filters.join("; ")
        }
    }
}

/// The targets that apply to a ticket, and why: what [`Policy::targets_for`] answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedTargets {
    /// As in [`SlaRule::first_response`].
    #[serde(with = "optional_duration_text")]
    pub first_response: Option<Duration>,
    /// As in [`SlaRule::next_response`].
    #[serde(with = "optional_duration_text")]
    pub next_response: Option<Duration>,
    /// As in [`SlaRule::resolution`].
    #[serde(with = "optional_duration_text")]
    pub resolution: Option<Duration>,
    /// The calendar the clocks run on: the rule's, else the policy's.
    pub calendar: String,
    /// The number of the rule that matched, from 1.
    pub rule_number: usize,
    /// Which rule matched, for explanations: "targets rule 1 (priority urgent; plan enterprise
    /// or premium)".
    pub rule: String,
}

impl MatchedTargets {
    /// The target of one clock kind with its explanation, as the clock engine takes it. Tier
    /// budgets come from the ladder ([`Policy::tier_budget_for`]), so the tier budget has none here.
    pub fn for_clock(&self, kind: ClockKind) -> TargetRule {
        let target = match kind {
            ClockKind::FirstResponse => self.first_response,
            ClockKind::NextResponse => self.next_response,
            ClockKind::Resolution => self.resolution,
            ClockKind::TierBudget => return TargetRule::none("tier budgets come from the escalation ladder"),
        };
        TargetRule { target, rule: self.rule.clone() }
    }
}

/// What a criterion does to the tickets it matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionAction {
    /// Route a new ticket to this tier or group.
    RouteTo(NameRef),
    /// Escalate the ticket at once to this level of the ladder, numbered from 1.
    EscalateToLevel(usize),
}

/// A named condition with what to do when it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Unique within the policy; shown in explanations.
    pub name: String,
    /// When the criterion applies.
    pub when: Condition,
    /// What it does then.
    pub action: CriterionAction,
}

/// A reminder at a fraction of one of the ticket's clocks.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    /// The clock whose limit the fraction is of: a target, or the level's budget.
    pub clock: ClockKind,
    /// The fraction of the clock's limit at which to remind, strictly between 0 and 1, in whole
    /// percent (at most two decimals), as the ticket log records reminders.
    pub at: f64,
}

impl Reminder {
    /// The fraction in whole percent, as `EventData::ClockReminder` records it: 75 for 0.75.
    pub fn percent(&self) -> u32 {
        // `at` is a whole percent strictly between 0 and 1, so this is exact and in 1..=99.
        (self.at * 100.0).round() as u32
    }
}

/// One level of the escalation ladder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// The tier or group holding the ticket at this level.
    pub holder: NameRef,
    /// The tier budget clock of this level: how long the holder may keep the ticket. `None` for
    /// no limit (usually the last level).
    #[serde(with = "optional_duration_text")]
    pub budget: Option<Duration>,
    /// Reminders while the level holds the ticket.
    pub reminders: Vec<Reminder>,
    /// What happens when the budget runs out, in order.
    pub on_breach: Vec<BreachAction>,
}

/// Who is told about which events, and how. Empty filters match every ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRule {
    /// The events the rule is about; never empty.
    pub events: Vec<EventKind>,
    /// Only tickets of these priorities; empty for all.
    pub priorities: Vec<Priority>,
    /// Only customers on these (lowercase) plans; empty for all.
    pub plans: Vec<String>,
    /// Only tickets at these ladder levels, numbered from 1; empty for all.
    pub levels: Vec<usize>,
    /// Only tickets of these categories (`category` in the file); empty for all. A ticket without
    /// a category matches only the empty filter. Names compare exactly, as in conditions.
    // Rules serialised before the field existed read as unfiltered.
    #[serde(default)]
    pub categories: Vec<NameRef>,
    /// Whether this rule's messages are urgent: sent at once, never held by quiet hours or
    /// gathered into digests. Messages about urgent tickets are urgent whatever this says.
    #[serde(default)]
    pub urgent: bool,
    /// Who is told (`to` in the file); never empty.
    pub recipients: Vec<Recipient>,
    /// How they are told; never empty.
    pub channels: Vec<NotificationChannel>,
}

/// A public update due at a regular interval while a tier holds a ticket, measured in business
/// time on the calendar of the ticket's targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The tier (or group) holding the ticket.
    pub tier: NameRef,
    /// Business time allowed between public updates.
    #[serde(with = "duration_text")]
    pub public_update_every: Duration,
}

/// An escalation policy; see the module documentation for its file format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// The policy's title.
    pub name: String,
    /// Free text shown under the title.
    pub description: Option<String>,
    /// The default calendar of every clock.
    pub calendar: NameRef,
    /// Which waiting statuses pause which clocks, as the clock engine takes them.
    pub pause_rules: PauseRules,
    /// In order: the first matching rule applies.
    pub targets: Vec<SlaRule>,
    /// In order: the first matching criterion applies.
    pub criteria: Vec<Criterion>,
    /// Level 1 first.
    pub ladder: Vec<Level>,
    /// `[[notify]]` in the file; every matching rule applies.
    pub notifications: Vec<NotificationRule>,
    /// At most one per tier.
    pub checkpoints: Vec<Checkpoint>,
}

/// What kind of thing a name refers to, for [`Policy::check_names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameKind {
    TierOrGroup,
    Calendar,
    Category,
}

impl Policy {
    /// Reads a policy from TOML; see the module documentation for the format. Reports every
    /// problem found, each with its line; see the module documentation for what is checked.
    pub fn from_toml(source: &str) -> Result<Policy, PolicyErrors> {
        let (document, syntax_errors) = DeTable::parse_recoverable(source);
        if !syntax_errors.is_empty() {
            // Recovery after a syntax error may report follow-on errors on the same line; the
            // first one of each line is the useful one.
            let mut errors: Vec<PolicyError> = Vec::new();
            for error in syntax_errors {
                let line = error.span().map(|span| line_of(source, span.start));
                if line.is_none() || !errors.iter().any(|seen| seen.line == line) {
                    errors.push(PolicyError { line, message: error.message().to_string() });
                }
            }
            return Err(PolicyErrors::sorted(errors));
        }
        let mut reader = Reader { source, errors: Vec::new() };
        let policy = reader.policy(document.get_ref());
        match policy {
            Some(policy) if reader.errors.is_empty() => Ok(policy),
            _ if reader.errors.is_empty() => {
                // Every path that gives up records why; this keeps the promise if one forgets.
                Err(PolicyErrors(vec![PolicyError::new("the policy could not be read")]))
            }
            _ => Err(PolicyErrors::sorted(reader.errors)),
        }
    }

    /// Writes the policy as TOML that [`Policy::from_toml`] reads back to an equal policy, in the
    /// order of the module documentation. Comments are not kept; the pause rules are always
    /// written out, so the file says what applies; durations are written in hours.
    pub fn to_toml(&self) -> String {
        let mut lines: Vec<String> = vec![format!("name = {}", quote(&self.name))];
        if let Some(description) = &self.description {
            lines.push(format!("description = {}", quote(description)));
        }
        lines.push(format!("calendar = {}", quote(self.calendar.as_str())));
        lines.push(String::new());
        lines.push("[pause]".to_string());
        for (status, clocks) in
            [("pending", &self.pause_rules.pending), ("on_hold", &self.pause_rules.on_hold)]
        {
            lines.push(format!("{status} = {}", toml_list(clocks.iter().map(|c| c.as_str()))));
        }
        for rule in &self.targets {
            lines.extend([String::new(), "[[targets]]".to_string()]);
            if !rule.priorities.is_empty() {
                lines.push(format!("priority = {}", toml_list(rule.priorities.iter().map(|p| p.as_str()))));
            }
            if !rule.plans.is_empty() {
                lines.push(format!("plan = {}", toml_list(rule.plans.iter())));
            }
            for (key, duration) in [
                ("first_response", rule.first_response),
                ("next_response", rule.next_response),
                ("resolution", rule.resolution),
            ] {
                if let Some(duration) = duration {
                    lines.push(format!("{key} = \"{}\"", format_duration(duration)));
                }
            }
            if let Some(calendar) = &rule.calendar {
                lines.push(format!("calendar = {}", quote(calendar.as_str())));
            }
        }
        for criterion in &self.criteria {
            lines.extend([String::new(), "[[criteria]]".to_string()]);
            lines.push(format!("name = {}", quote(&criterion.name)));
            lines.push(format!("when = {}", condition_toml(&criterion.when)));
            lines.push(match &criterion.action {
                CriterionAction::RouteTo(target) => format!("route_to = {}", quote(target.as_str())),
                CriterionAction::EscalateToLevel(level) => format!("escalate_to_level = {level}"),
            });
        }
        for level in &self.ladder {
            lines.extend([String::new(), "[[ladder]]".to_string()]);
            lines.push(format!("holder = {}", quote(level.holder.as_str())));
            if let Some(budget) = level.budget {
                lines.push(format!("budget = \"{}\"", format_duration(budget)));
            }
            if !level.reminders.is_empty() {
                let reminders: Vec<String> = level
                    .reminders
                    .iter()
                    .map(|reminder| {
                        format!("{{ clock = \"{}\", at = {:?} }}", reminder.clock.as_str(), reminder.at)
                    })
                    .collect();
                lines.push(format!("reminders = [{}]", reminders.join(", ")));
            }
            if !level.on_breach.is_empty() {
                lines.push(format!("on_breach = {}", toml_list(level.on_breach.iter().map(|a| a.as_str()))));
            }
        }
        for rule in &self.notifications {
            lines.extend([String::new(), "[[notify]]".to_string()]);
            lines.push(format!("events = {}", toml_list(rule.events.iter().map(|e| e.as_str()))));
            if !rule.priorities.is_empty() {
                lines.push(format!("priority = {}", toml_list(rule.priorities.iter().map(|p| p.as_str()))));
            }
            if !rule.plans.is_empty() {
                lines.push(format!("plan = {}", toml_list(rule.plans.iter())));
            }
            if !rule.levels.is_empty() {
                let levels: Vec<String> = rule.levels.iter().map(ToString::to_string).collect();
                lines.push(format!("level = [{}]", levels.join(", ")));
            }
            if !rule.categories.is_empty() {
                lines.push(format!("category = {}", toml_list(rule.categories.iter().map(NameRef::as_str))));
            }
            lines.push(format!("to = {}", toml_list(rule.recipients.iter().map(Recipient::as_text))));
            lines.push(format!(
                "channels = {}",
                toml_list(rule.channels.iter().map(NotificationChannel::as_text))
            ));
            if rule.urgent {
                lines.push("urgent = true".to_string());
            }
        }
        for checkpoint in &self.checkpoints {
            lines.extend([String::new(), "[[checkpoints]]".to_string()]);
            lines.push(format!("tier = {}", quote(checkpoint.tier.as_str())));
            lines.push(format!(
                "public_update_every = \"{}\"",
                format_duration(checkpoint.public_update_every)
            ));
        }
        lines.push(String::new());
        lines.join("\n")
    }

    /// The policy as a Markdown document for stakeholders: targets as a table, everything else
    /// in plain sentences. Names are escaped so that they show as written.
    pub fn to_markdown(&self) -> String {
        let mut lines: Vec<String> = vec![format!("# {}", markdown_text(&self.name)), String::new()];
        if let Some(description) = &self.description {
            lines.extend([markdown_text(description), String::new()]);
        }
        lines.push(format!(
            "Clocks run on the calendar **{}** unless a targets rule names another. All times are \
             business time: they count only while the clock's calendar is open and the clock is not \
             paused.",
            markdown_text(self.calendar.as_str())
        ));

        lines.extend([String::new(), "## Targets".to_string(), String::new()]);
        lines.push(
            "The first rule that matches the ticket's priority and the customer's plan applies.".into(),
        );
        lines.push(String::new());
        lines.push(
            "| Rule | Priority | Plan | First response | Next response | Resolution | Calendar |".to_string(),
        );
        lines.push("| --- | --- | --- | --- | --- | --- | --- |".to_string());
        let target_cell = |duration: Option<Duration>| duration.map_or("—".to_string(), duration_in_words);
        for (index, rule) in self.targets.iter().enumerate() {
            let priorities: Vec<String> = rule.priorities.iter().map(|p| p.as_str().to_string()).collect();
            let any_if_empty = |words: &[String]| {
                if words.is_empty() {
                    "any".to_string()
                } else {
                    markdown_text(&words.join(", "))
                }
            };
            let calendar = rule.calendar.as_ref().unwrap_or(&self.calendar);
            lines.push(format!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                index + 1,
                any_if_empty(&priorities),
                any_if_empty(&rule.plans),
                target_cell(rule.first_response),
                target_cell(rule.next_response),
                target_cell(rule.resolution),
                markdown_text(calendar.as_str())
            ));
        }

        lines.extend([String::new(), "## Paused clocks".to_string(), String::new()]);
        let pausing: Vec<(TicketStatus, &[ClockKind])> = TicketStatus::ALL
            .iter()
            .map(|status| (*status, self.pause_rules.paused_in(*status)))
            .filter(|(_, clocks)| !clocks.is_empty())
            .collect();
        if pausing.is_empty() {
            lines.push("No status stops a clock.".to_string());
        } else {
            for (status, clocks) in pausing {
                let clocks: Vec<String> = clocks.iter().map(|clock| clock.label().to_lowercase()).collect();
                let noun = if clocks.len() == 1 { "clock" } else { "clocks" };
                lines.push(format!(
                    "- **{}** stops the {} {noun}.",
                    markdown_text(status.label()),
                    join_words(&clocks, "and")
                ));
            }
            lines.push(String::new());
            lines.push("Other statuses stop no clock.".to_string());
        }

        lines.extend([String::new(), "## Routing and immediate escalation".to_string(), String::new()]);
        if self.criteria.is_empty() {
            lines.push("No criteria: new tickets start at level 1 of the ladder.".to_string());
        } else {
            lines.push("The first criterion that holds applies.".to_string());
            lines.push(String::new());
            for (index, criterion) in self.criteria.iter().enumerate() {
                lines.push(format!(
                    "{}. **{}**: {}",
                    index + 1,
                    markdown_text(&criterion.name),
                    markdown_text(&self.describe_criterion(criterion))
                ));
            }
        }

        lines.extend([String::new(), "## Escalation ladder".to_string(), String::new()]);
        for (index, level) in self.ladder.iter().enumerate() {
            let number = index + 1;
            let holding = match level.budget {
                Some(budget) => {
                    format!("holds the ticket for {} of business time.", duration_in_words(budget))
                }
                None => "holds the ticket with no time budget.".to_string(),
            };
            lines.push(format!("{number}. **{}** {holding}", markdown_text(level.holder.as_str())));
            if !level.reminders.is_empty() {
                let noun = if level.reminders.len() == 1 { "Reminder" } else { "Reminders" };
                lines.push(format!("   - {noun} {}.", describe_reminders(&level.reminders)));
            }
            if !level.on_breach.is_empty() {
                let actions: Vec<String> = level
                    .on_breach
                    .iter()
                    .map(|action| self.describe_breach_action(*action, number))
                    .collect();
                lines.push(format!(
                    "   - When the budget runs out: {}.",
                    markdown_text(&join_words(&actions, "and"))
                ));
            }
        }

        lines.extend([String::new(), "## Notifications".to_string(), String::new()]);
        if self.notifications.is_empty() {
            lines.push("No notification rules.".to_string());
        }
        for rule in &self.notifications {
            lines.push(format!("- {}", markdown_text(&describe_notification_rule(rule))));
        }

        lines.extend([String::new(), "## Checkpoints".to_string(), String::new()]);
        if self.checkpoints.is_empty() {
            lines.push("No checkpoints.".to_string());
        }
        for checkpoint in &self.checkpoints {
            lines.push(format!(
                "- While **{}** holds a ticket, a public update is due every {} of business time.",
                markdown_text(checkpoint.tier.as_str()),
                duration_in_words(checkpoint.public_update_every)
            ));
        }
        lines.push(String::new());
        lines.join("\n")
    }

    /// A criterion as a sentence: "When the category is Security and the priority is high or
    /// urgent, route to Security."
    pub fn describe_criterion(&self, criterion: &Criterion) -> String {
        let action = match &criterion.action {
            CriterionAction::RouteTo(target) => format!("route to {target}"),
            CriterionAction::EscalateToLevel(number) => {
                format!("escalate at once to {}", self.describe_level(*number))
            }
        };
        format!("When {}, {action}.", criterion.when.describe())
    }

    /// "level 2 (L2 Specialists)".
    fn describe_level(&self, number: usize) -> String {
        match self.level(number) {
            Some(level) => format!("level {number} ({})", level.holder),
            None => format!("level {number}"),
        }
    }

    fn describe_breach_action(&self, action: BreachAction, level_number: usize) -> String {
        match action {
            BreachAction::NextLevel => {
                format!("move the ticket to {}", self.describe_level(level_number + 1))
            }
            BreachAction::NotifyLead => "notify the lead".to_string(),
            BreachAction::NotifyManager => "notify the managers".to_string(),
            BreachAction::RaisePriority => "raise the priority one step".to_string(),
            BreachAction::Notify => "send the breach notifications".to_string(),
        }
    }

    /// The references to unknown tiers or groups, calendars and categories, each with the line
    /// where it appears (when the policy was read from a file). Names compare exactly.
    pub fn check_names(
        &self,
        known_tiers_and_groups: &[&str],
        known_calendars: &[&str],
        known_categories: &[&str],
    ) -> Vec<PolicyError> {
        let mut errors = Vec::new();
        for (kind, name) in self.references() {
            let (known, noun) = match kind {
                NameKind::TierOrGroup => (known_tiers_and_groups, "tier or group"),
                NameKind::Calendar => (known_calendars, "calendar"),
                NameKind::Category => (known_categories, "category"),
            };
            if known.contains(&name.as_str()) {
                continue;
            }
            let mut message = format!("\"{name}\" is not a known {noun}");
            if let Some(similar) = closest_name(name.as_str(), known) {
                message.push_str(&format!("; did you mean \"{similar}\"?"));
            } else if known.is_empty() {
                message.push_str(&format!("; there is no {noun} yet"));
            } else if known.len() <= 12 {
                let quoted: Vec<String> = known.iter().map(|name| format!("\"{name}\"")).collect();
                message.push_str(&format!("; known: {}", quoted.join(", ")));
            }
            errors.push(PolicyError { line: name.line(), message });
        }
        PolicyErrors::sorted(errors).0
    }

    /// The lines that name the tier or group `name` (a line of 0 for a reference not read from a
    /// file), in order: what renaming it would break.
    pub fn lines_naming_holder(&self, name: &str) -> Vec<usize> {
        let mut lines: Vec<usize> = self
            .references()
            .into_iter()
            .filter(|(kind, reference)| *kind == NameKind::TierOrGroup && reference.as_str() == name)
            .map(|(_, reference)| reference.line().unwrap_or(0))
            .collect();
        lines.sort_unstable();
        lines.dedup();
        lines
    }

    /// Every name of a tier or group, calendar or category the policy refers to.
    fn references(&self) -> Vec<(NameKind, &NameRef)> {
        let mut references: Vec<(NameKind, &NameRef)> = vec![(NameKind::Calendar, &self.calendar)];
        for rule in &self.targets {
            references.extend(rule.calendar.iter().map(|name| (NameKind::Calendar, name)));
        }
        for criterion in &self.criteria {
            criterion.when.visit_names(&mut |kind, name| references.push((kind, name)));
            if let CriterionAction::RouteTo(target) = &criterion.action {
                references.push((NameKind::TierOrGroup, target));
            }
        }
        references.extend(self.ladder.iter().map(|level| (NameKind::TierOrGroup, &level.holder)));
        for rule in &self.notifications {
            references.extend(rule.categories.iter().map(|name| (NameKind::Category, name)));
        }
        references
            .extend(self.checkpoints.iter().map(|checkpoint| (NameKind::TierOrGroup, &checkpoint.tier)));
        references
    }

    /// The targets for a ticket of `priority` whose customer is on `plan`: those of the first
    /// rule that matches, with the calendar to count them on and an explanation. `None` when no
    /// rule matches (a policy whose last rule has no filters always answers).
    pub fn targets_for(&self, priority: Priority, plan: &str) -> Option<MatchedTargets> {
        let (index, rule) = self.targets.iter().enumerate().find(|(_, rule)| rule.matches(priority, plan))?;
        Some(MatchedTargets {
            first_response: rule.first_response,
            next_response: rule.next_response,
            resolution: rule.resolution,
            calendar: rule.calendar.as_ref().unwrap_or(&self.calendar).as_str().to_string(),
            rule_number: index + 1,
            rule: format!("targets rule {} ({})", index + 1, rule.describe_filters()),
        })
    }

    /// The tier budget of `holder` with its explanation, as the clock engine takes it: the budget
    /// of the first ladder level `holder` holds ("ladder level 1 (L1 Service Desk)"), or no target
    /// when `holder` is not on the ladder or its level has no budget.
    pub fn tier_budget_for(&self, holder: &str) -> TargetRule {
        match self.ladder.iter().position(|level| level.holder == holder) {
            Some(index) => TargetRule {
                target: self.ladder[index].budget,
                rule: format!("ladder level {} ({holder})", index + 1),
            },
            None => TargetRule::none(format!("{holder} is not on the escalation ladder")),
        }
    }

    /// The clocks that stop while a ticket has `status`.
    pub fn pauses(&self, status: TicketStatus) -> &[ClockKind] {
        self.pause_rules.paused_in(status)
    }

    /// The first criterion, in file order, whose condition holds for the ticket.
    pub fn first_matching_criterion(&self, facts: &CriterionFacts) -> Option<&Criterion> {
        self.criteria.iter().find(|criterion| criterion.when.matches(facts))
    }

    /// The first routing criterion (`route_to`) that holds: where a new ticket goes.
    pub fn first_matching_route(&self, facts: &CriterionFacts) -> Option<&Criterion> {
        self.criteria
            .iter()
            .filter(|criterion| matches!(criterion.action, CriterionAction::RouteTo(_)))
            .find(|criterion| criterion.when.matches(facts))
    }

    /// The first escalation criterion (`escalate_to_level`) that holds.
    pub fn first_matching_escalation(&self, facts: &CriterionFacts) -> Option<&Criterion> {
        self.criteria
            .iter()
            .filter(|criterion| matches!(criterion.action, CriterionAction::EscalateToLevel(_)))
            .find(|criterion| criterion.when.matches(facts))
    }

    /// The ladder level numbered `number`, from 1 as everywhere users see levels; `level(0)` is
    /// `None`.
    pub fn level(&self, number: usize) -> Option<&Level> {
        number.checked_sub(1).and_then(|index| self.ladder.get(index))
    }
}

/// "at 50 % and 75 % of the resolution target and at 75 % of the tier budget": reminders on the
/// same clock are grouped, clocks in the order they first appear.
fn describe_reminders(reminders: &[Reminder]) -> String {
    let mut clocks: Vec<ClockKind> = Vec::new();
    for reminder in reminders {
        if !clocks.contains(&reminder.clock) {
            clocks.push(reminder.clock);
        }
    }
    let groups: Vec<String> = clocks
        .into_iter()
        .map(|clock| {
            let fractions: Vec<String> = reminders
                .iter()
                .filter(|reminder| reminder.clock == clock)
                .map(|reminder| percent(reminder.at))
                .collect();
            format!("at {} of {}", join_words(&fractions, "and"), clock_limit_phrase(clock))
        })
        .collect();
    join_words(&groups, "and")
}

/// A notification rule as a sentence.
fn describe_notification_rule(rule: &NotificationRule) -> String {
    let events: Vec<String> = rule.events.iter().map(|event| event.phrase().to_string()).collect();
    let mut filters = Vec::new();
    if !rule.priorities.is_empty() {
        let words: Vec<String> = rule.priorities.iter().map(|p| p.as_str().to_string()).collect();
        filters.push(format!("priority {}", join_words(&words, "or")));
    }
    if !rule.plans.is_empty() {
        filters.push(format!("plan {}", join_words(&rule.plans, "or")));
    }
    if !rule.levels.is_empty() {
        let words: Vec<String> = rule.levels.iter().map(ToString::to_string).collect();
        filters.push(format!("level {}", join_words(&words, "or")));
    }
    if !rule.categories.is_empty() {
        let names: Vec<String> = rule.categories.iter().map(ToString::to_string).collect();
        filters.push(format!("category {}", join_words(&names, "or")));
    }
    let filters = if filters.is_empty() { String::new() } else { format!(" ({})", filters.join("; ")) };
    let recipients: Vec<String> = rule.recipients.iter().map(Recipient::describe).collect();
    let channels: Vec<String> = rule.channels.iter().map(NotificationChannel::describe).collect();
    let verb = match rule.recipients.as_slice() {
        [only] if !only.is_plural() => "is",
        _ => "are",
    };
    let urgency =
        if rule.urgent { ", urgently (quiet hours and digests do not hold these messages)" } else { "" };
    format!(
        "When {}{filters}, {} {verb} told by {}{urgency}.",
        join_words(&events, "or"),
        join_words(&recipients, "and"),
        join_words(&channels, "and")
    )
}

/// A fraction as a percentage for people: 0.75 is "75 %", 0.125 is "12.5 %".
fn percent(fraction: f64) -> String {
    let tenths = (fraction * 1000.0).round() / 10.0;
    let text = format!("{tenths:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} %")
}

/// Escapes the characters Markdown would read as markup, so that names show as written.
fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            escaped.push('\\');
        }
        if character == '\n' {
            escaped.push(' ');
        } else {
            escaped.push(character);
        }
    }
    escaped
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            control if control.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(control))),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

/// A TOML list of strings.
fn toml_list<T: AsRef<str>>(items: impl Iterator<Item = T>) -> String {
    let quoted: Vec<String> = items.map(|item| quote(item.as_ref())).collect();
    format!("[{}]", quoted.join(", "))
}

/// A single value as a string, several as a list: `"high"`, `["high", "urgent"]`.
fn toml_one_or_list<T: AsRef<str>>(items: &[T]) -> String {
    match items {
        [only] => quote(only.as_ref()),
        items => toml_list(items.iter()),
    }
}

/// A condition as a TOML inline table, in the shape [`Reader::condition`] reads back equal.
fn condition_toml(condition: &Condition) -> String {
    let children = |conditions: &[Condition]| {
        let children: Vec<String> = conditions.iter().map(condition_toml).collect();
        format!("[{}]", children.join(", "))
    };
    let (key, value) = match condition {
        Condition::All(conditions) => ("all", children(conditions)),
        Condition::Any(conditions) => ("any", children(conditions)),
        Condition::Not(condition) => ("not", condition_toml(condition)),
        Condition::Priority(priorities) => {
            let words: Vec<&str> = priorities.iter().map(|p| p.as_str()).collect();
            ("priority", toml_one_or_list(&words))
        }
        Condition::Plan(plans) => ("plan", toml_one_or_list(plans)),
        Condition::Category(categories) => {
            let names: Vec<&str> = categories.iter().map(NameRef::as_str).collect();
            ("category", toml_one_or_list(&names))
        }
        Condition::Tag(tag) => ("tag", quote(tag)),
        Condition::TagsAny(tags) => ("tags_any", toml_list(tags.iter())),
        Condition::Channel(channels) => {
            let words: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
            ("channel", toml_one_or_list(&words))
        }
        Condition::ReopenCountAtLeast(count) => ("reopen_count_at_least", count.to_string()),
        Condition::UnansweredCustomerMessagesAtLeast(count) => {
            ("unanswered_customer_messages_at_least", count.to_string())
        }
        Condition::Tier(tiers) => {
            let names: Vec<&str> = tiers.iter().map(NameRef::as_str).collect();
            ("tier", toml_one_or_list(&names))
        }
        Condition::AgeHoursAtLeast(hours) => ("age_hours_at_least", hours.to_string()),
    };
    format!("{{ {key} = {value} }}")
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// The 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// Validates a short lowercase name (plan, tag, webhook) as the rest of the product does.
fn slug(text: &str, label: &str) -> Result<String, String> {
    let mut errors = FieldErrors::default();
    let name = validation::slug(&mut errors, "name", label, text);
    match errors.0.into_iter().next() {
        Some(error) => Err(error.message),
        None => Ok(name),
    }
}

/// "\"hihg\" is not a priority; use low, normal, high or urgent (did you mean \"high\"?)".
fn unknown_word(text: &str, noun: &str, words: &[&str]) -> String {
    let listed: Vec<String> = words.iter().map(ToString::to_string).collect();
    let mut message = format!("\"{text}\" is not {noun}; use {}", join_words(&listed, "or"));
    if let Some(similar) = closest_name(text, words) {
        message.push_str(&format!(" (did you mean \"{similar}\"?)"));
    }
    message
}

/// The candidate a typo most likely meant: equal ignoring case, or within a few edits.
fn closest_name<'a>(text: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(same) = candidates.iter().find(|candidate| candidate.eq_ignore_ascii_case(text)) {
        return Some(same);
    }
    let allowed = (text.chars().count() / 4).clamp(1, 3);
    candidates
        .iter()
        .map(|candidate| (edit_distance(&text.to_lowercase(), &candidate.to_lowercase()), *candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The edit distance between two short texts, by characters: insertions, deletions,
/// substitutions and swaps of neighbours ("hihg" is one edit from "high"), each counting one.
fn edit_distance(first: &str, second: &str) -> usize {
    let first: Vec<char> = first.chars().collect();
    let second: Vec<char> = second.chars().collect();
    // distances[i][j]: the distance between the first i characters of one and j of the other.
    let mut distances = vec![vec![0usize; second.len() + 1]; first.len() + 1];
    for (i, row) in distances.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in distances[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=first.len() {
        for j in 1..=second.len() {
            let substitution = distances[i - 1][j - 1] + usize::from(first[i - 1] != second[j - 1]);
            let mut best = substitution.min(distances[i - 1][j] + 1).min(distances[i][j - 1] + 1);
            if i > 1 && j > 1 && first[i - 1] == second[j - 2] && first[i - 2] == second[j - 1] {
                best = best.min(distances[i - 2][j - 2] + 1);
            }
            distances[i][j] = best;
        }
    }
    distances[first.len()][second.len()]
}

/// "a table", "a number": a TOML value's kind in a message.
fn kind_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

type TomlValue<'i> = Spanned<DeValue<'i>>;

const POLICY_KEYS: [&str; 9] =
    ["name", "description", "calendar", "pause", "targets", "criteria", "ladder", "notify", "checkpoints"];
const TARGET_KEYS: [&str; 6] =
    ["priority", "plan", "first_response", "next_response", "resolution", "calendar"];
const CRITERION_KEYS: [&str; 4] = ["name", "when", "route_to", "escalate_to_level"];
const CONDITION_KEYS: [&str; 13] = [
    "all",
    "any",
    "not",
    "priority",
    "plan",
    "category",
    "tag",
    "tags_any",
    "channel",
    "reopen_count_at_least",
    "unanswered_customer_messages_at_least",
    "tier",
    "age_hours_at_least",
];
const LEVEL_KEYS: [&str; 4] = ["holder", "budget", "reminders", "on_breach"];
const REMINDER_KEYS: [&str; 2] = ["clock", "at"];
const NOTIFY_KEYS: [&str; 8] =
    ["events", "priority", "plan", "level", "category", "to", "channels", "urgent"];
const CHECKPOINT_KEYS: [&str; 2] = ["tier", "public_update_every"];

/// The keys of one table in file order, those not allowed already reported.
struct Fields<'t, 'i> {
    /// Where the table starts, for "missing key" messages; `None` for the document itself.
    span: Option<Range<usize>>,
    entries: Vec<(&'t str, &'t TomlValue<'i>)>,
}

impl<'t, 'i> Fields<'t, 'i> {
    fn get(&self, key: &str) -> Option<&'t TomlValue<'i>> {
        self.entries.iter().find(|(own, _)| *own == key).map(|(_, value)| *value)
    }
}

/// Walks toml's spanned document and collects every problem rather than stopping at the first,
/// which serde's derived readers (as used for calendars) would do.
///
/// Each `read_...` method returns `None` when the part is absent or wrong; whether it was wrong
/// is told by new entries in `errors`, which callers compare before and after.
struct Reader<'s> {
    source: &'s str,
    errors: Vec<PolicyError>,
}

impl Reader<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        line_of(self.source, span.start)
    }

    fn error_at(&mut self, span: &Range<usize>, message: String) {
        let line = self.line(span);
        self.errors.push(PolicyError::at_line(line, message));
    }

    fn error_in(&mut self, span: Option<&Range<usize>>, message: String) {
        match span {
            Some(span) => self.error_at(span, message),
            None => self.errors.push(PolicyError::new(message)),
        }
    }

    /// The entries of a table in file order; keys outside `allowed` are reported.
    fn fields<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        span: Option<Range<usize>>,
        place: &str,
        allowed: &[&str],
    ) -> Fields<'t, 'i> {
        let mut entries: Vec<(&'t Spanned<toml::de::DeString<'i>>, &'t TomlValue<'i>)> =
            table.iter().collect();
        // Tables are sorted by key; messages and `all` shorthands want the order of the file.
        entries.sort_by_key(|(key, _)| key.span().start);
        let mut kept = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let name: &'t str = key.get_ref().as_ref();
            if allowed.contains(&name) {
                kept.push((name, value));
            } else {
                let mut message = format!("{place}: unknown key \"{name}\"");
                match closest_name(name, allowed) {
                    Some(similar) => message.push_str(&format!("; did you mean \"{similar}\"?")),
                    None => message.push_str(&format!("; use {}", allowed.join(", "))),
                }
                self.error_at(&key.span(), message);
            }
        }
        Fields { span, entries: kept }
    }

    fn required<'t, 'i>(
        &mut self,
        fields: &Fields<'t, 'i>,
        place: &str,
        key: &str,
        example: &str,
    ) -> Option<&'t TomlValue<'i>> {
        let value = fields.get(key);
        if value.is_none() {
            self.error_in(fields.span.as_ref(), format!("{place} has no {key}; add {key} = {example}"));
        }
        value
    }

    /// The tables of an array of tables (`[[key]]`); anything else is reported.
    fn array_of_tables<'t, 'i>(
        &mut self,
        value: Option<&'t TomlValue<'i>>,
        key: &str,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(value) = value else { return Vec::new() };
        let wrong = format!("{key} must be written as [[{key}]] sections");
        let DeValue::Array(items) = value.get_ref() else {
            self.error_at(&value.span(), format!("{wrong}, not as {}", kind_of(value.get_ref())));
            return Vec::new();
        };
        let mut tables = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => tables.push((table, item.span())),
                other => self.error_at(&item.span(), format!("{wrong}; this item is {}", kind_of(other))),
            }
        }
        tables
    }

    fn text(&mut self, value: &TomlValue<'_>, place: &str, key: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(text) => Some(text.to_string()),
            other => {
                self.error_at(
                    &value.span(),
                    format!("{place}: {key} must be text in quotes, not {}", kind_of(other)),
                );
                None
            }
        }
    }

    /// Trimmed text that is not empty.
    fn non_empty_text(&mut self, value: &TomlValue<'_>, place: &str, key: &str) -> Option<String> {
        let text = self.text(value, place, key)?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            self.error_at(&value.span(), format!("{place}: {key} is empty"));
            return None;
        }
        Some(trimmed.to_string())
    }

    fn name_ref(&mut self, value: &TomlValue<'_>, place: &str, key: &str) -> Option<NameRef> {
        let name = self.non_empty_text(value, place, key)?;
        Some(NameRef { name, line: Some(self.line(&value.span())) })
    }

    /// A value or a list of values, each read by `parse` (whose error is a sentence), with the
    /// span of each. Empty lists are refused unless `allow_empty`; repeated values always are.
    fn words<T: PartialEq>(
        &mut self,
        value: &TomlValue<'_>,
        place: &str,
        key: &str,
        allow_empty: bool,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<(T, Range<usize>)>> {
        let before = self.errors.len();
        let mut items: Vec<(String, Range<usize>)> = Vec::new();
        match value.get_ref() {
            DeValue::String(text) => items.push((text.to_string(), value.span())),
            DeValue::Array(array) => {
                for item in array.iter() {
                    match item.get_ref() {
                        DeValue::String(text) => items.push((text.to_string(), item.span())),
                        other => self.error_at(
                            &item.span(),
                            format!("{place}: {key} lists {}; put each value in quotes", kind_of(other)),
                        ),
                    }
                }
                if array.is_empty() && !allow_empty {
                    self.error_at(
                        &value.span(),
                        format!("{place}: {key} is an empty list; give at least one value"),
                    );
                }
            }
            other => self.error_at(
                &value.span(),
                format!("{place}: {key} must be text in quotes or a list of them, not {}", kind_of(other)),
            ),
        }
        let mut parsed: Vec<(T, Range<usize>)> = Vec::with_capacity(items.len());
        for (text, span) in items {
            match parse(&text) {
                Ok(word) if parsed.iter().any(|(seen, _)| *seen == word) => {
                    self.error_at(&span, format!("{place}: {key} lists \"{text}\" more than once"));
                }
                Ok(word) => parsed.push((word, span)),
                Err(message) => self.error_at(&span, format!("{place}: {message}")),
            }
        }
        (self.errors.len() == before).then_some(parsed)
    }

    /// Like `words`, without the spans.
    fn word_list<T: PartialEq>(
        &mut self,
        value: &TomlValue<'_>,
        place: &str,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let words = self.words(value, place, key, false, parse)?;
        Some(words.into_iter().map(|(word, _)| word).collect())
    }

    fn priorities(&mut self, value: &TomlValue<'_>, place: &str) -> Option<Vec<Priority>> {
        let words: Vec<&str> = Priority::ALL.iter().map(|p| p.as_str()).collect();
        self.word_list(value, place, "priority", |text| {
            Priority::parse(text).ok_or_else(|| unknown_word(text, "a priority", &words))
        })
    }

    fn plans(&mut self, value: &TomlValue<'_>, place: &str) -> Option<Vec<String>> {
        self.word_list(value, place, "plan", |text| slug(text, "A plan"))
    }

    fn name_refs(&mut self, value: &TomlValue<'_>, place: &str, key: &str) -> Option<Vec<NameRef>> {
        let names = self.words(value, place, key, false, |text| {
            let name = text.trim();
            if name.is_empty() {
                Err(format!("{key} lists an empty name"))
            } else {
                Ok(name.to_string())
            }
        })?;
        Some(names.into_iter().map(|(name, span)| NameRef { name, line: Some(self.line(&span)) }).collect())
    }

    fn duration(&mut self, value: &TomlValue<'_>, place: &str, key: &str) -> Option<Duration> {
        let DeValue::String(text) = value.get_ref() else {
            let hint = match value.get_ref() {
                DeValue::Integer(number) => format!(" (\"{}h\" for hours?)", number.as_str()),
                _ => String::new(),
            };
            self.error_at(
                &value.span(),
                format!("{place}: {key} must be a duration in quotes, like \"4h\"{hint}"),
            );
            return None;
        };
        match parse_duration(text) {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.error_at(&value.span(), format!("{place}: {key} {}", error.message));
                None
            }
        }
    }

    /// A whole number from `minimum` to `maximum`.
    fn whole_number(
        &mut self,
        value: &TomlValue<'_>,
        place: &str,
        key: &str,
        minimum: i64,
        maximum: i64,
    ) -> Option<i64> {
        let number = match value.get_ref() {
            DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix()).ok(),
            _ => None,
        };
        match number {
            Some(number) if (minimum..=maximum).contains(&number) => Some(number),
            _ => {
                let shown = match value.get_ref() {
                    DeValue::String(text) => format!("\"{text}\""),
                    DeValue::Integer(integer) => integer.to_string(),
                    DeValue::Float(float) => float.to_string(),
                    other => kind_of(other).to_string(),
                };
                self.error_at(
                    &value.span(),
                    format!("{place}: {key} must be a whole number from {minimum} to {maximum}, not {shown}"),
                );
                None
            }
        }
    }

    /// `true` or `false`, without quotes.
    fn flag(&mut self, value: &TomlValue<'_>, place: &str, key: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(*flag),
            other => {
                let hint = match other {
                    DeValue::String(text) if ["true", "false"].contains(&text.trim()) => {
                        format!(" (write {} without quotes)", text.trim())
                    }
                    _ => String::new(),
                };
                self.error_at(
                    &value.span(),
                    format!("{place}: {key} must be true or false, not {}{hint}", kind_of(other)),
                );
                None
            }
        }
    }

    fn policy(&mut self, document: &DeTable<'_>) -> Option<Policy> {
        let place = "the policy";
        let fields = self.fields(document, None, place, &POLICY_KEYS);
        let name = self
            .required(&fields, place, "name", "\"Standard support\"")
            .and_then(|value| self.non_empty_text(value, place, "name"));
        let description = fields
            .get("description")
            .and_then(|value| self.text(value, place, "description"))
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty());
        let calendar = self
            .required(&fields, place, "calendar", "\"Office hours (Berlin)\"")
            .and_then(|value| self.name_ref(value, place, "calendar"));
        let pause_rules = match fields.get("pause") {
            Some(value) => self.pause_rules(value),
            None => Some(PauseRules::default()),
        };

        let target_tables = self.array_of_tables(fields.get("targets"), "targets");
        let criterion_tables = self.array_of_tables(fields.get("criteria"), "criteria");
        let level_tables = self.array_of_tables(fields.get("ladder"), "ladder");
        let notify_tables = self.array_of_tables(fields.get("notify"), "notify");
        let checkpoint_tables = self.array_of_tables(fields.get("checkpoints"), "checkpoints");
        // Counted from the file, so that one broken level does not make every reference to a
        // later level look wrong as well.
        let ladder_length = level_tables.len();

        if target_tables.is_empty() && fields.get("targets").is_none_or(|value| value.get_ref().is_array()) {
            self.error_in(
                fields.get("targets").map(|value| value.span()).as_ref(),
                "the policy has no targets; add a [[targets]] section with first_response, next_response \
                 or resolution"
                    .to_string(),
            );
        }
        if level_tables.is_empty() && fields.get("ladder").is_none_or(|value| value.get_ref().is_array()) {
            self.error_in(
                fields.get("ladder").map(|value| value.span()).as_ref(),
                "the ladder is empty; add at least one [[ladder]] level with a holder".to_string(),
            );
        }

        let targets = self.targets(&target_tables);
        let criteria = self.criteria(&criterion_tables, ladder_length);
        let ladder: Option<Vec<Level>> = level_tables
            .iter()
            .enumerate()
            .map(|(index, (table, span))| self.level(table, span, index + 1, ladder_length))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        let notifications: Option<Vec<NotificationRule>> = notify_tables
            .iter()
            .enumerate()
            .map(|(index, (table, span))| self.notification_rule(table, span, index + 1, ladder_length))
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        let checkpoints = self.checkpoints(&checkpoint_tables);

        Some(Policy {
            name: name?,
            description,
            calendar: calendar?,
            pause_rules: pause_rules?,
            targets: targets?,
            criteria: criteria?,
            ladder: ladder?,
            notifications: notifications?,
            checkpoints: checkpoints?,
        })
    }

    /// Reads `[pause]`. Only the waiting statuses can pause; a status left out keeps its default
    /// (as the clock engine's `PauseRules` reads it), so a section may change just one of them.
    fn pause_rules(&mut self, value: &TomlValue<'_>) -> Option<PauseRules> {
        let DeValue::Table(table) = value.get_ref() else {
            self.error_at(
                &value.span(),
                "pause must be a [pause] section of statuses, like pending = [\"resolution\"]".to_string(),
            );
            return None;
        };
        let before = self.errors.len();
        let mut rules = PauseRules::default();
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            let name: &str = key.get_ref().as_ref();
            let place = format!("[pause] {name}");
            let clocks = match name {
                "pending" => &mut rules.pending,
                "on_hold" => &mut rules.on_hold,
                "new" | "open" => {
                    self.error_at(
                        &key.span(),
                        format!("{place}: a ticket that is {name} is being worked and pauses no clock"),
                    );
                    continue;
                }
                "resolved" | "closed" => {
                    self.error_at(
                        &key.span(),
                        format!("{place}: a {name} ticket stops every clock; only pending and on_hold pause"),
                    );
                    continue;
                }
                _ => {
                    let mut message = format!("[pause]: unknown key \"{name}\"");
                    match closest_name(name, &["pending", "on_hold"]) {
                        Some(similar) => message.push_str(&format!("; did you mean \"{similar}\"?")),
                        None => message.push_str("; use pending or on_hold"),
                    }
                    self.error_at(&key.span(), message);
                    continue;
                }
            };
            let read = self.words(value, &place, "the list", true, |text| {
                ClockKind::parse(text).ok_or_else(|| unknown_word(text, "a clock", &clock_words()))
            });
            if let Some(read) = read {
                *clocks = read.into_iter().map(|(clock, _)| clock).collect();
            }
        }
        (self.errors.len() == before).then_some(rules)
    }

    fn targets(&mut self, tables: &[(&DeTable<'_>, Range<usize>)]) -> Option<Vec<SlaRule>> {
        let before = self.errors.len();
        let mut rules: Vec<(SlaRule, Range<usize>)> = Vec::new();
        for (index, (table, span)) in tables.iter().enumerate() {
            if let Some(rule) = self.sla_rule(table, span, index + 1) {
                rules.push((rule, span.clone()));
            }
        }
        if self.errors.len() != before {
            return None;
        }
        for (later, (rule, span)) in rules.iter().enumerate() {
            if let Some(earlier) = rules[..later].iter().position(|(earlier, _)| rule.is_covered_by(earlier))
            {
                self.error_at(
                    span,
                    format!(
                        "targets rule {} can never apply: targets rule {} before it matches every ticket it \
                         would match",
                        later + 1,
                        earlier + 1
                    ),
                );
            }
        }
        (self.errors.len() == before).then(|| rules.into_iter().map(|(rule, _)| rule).collect())
    }

    fn sla_rule(&mut self, table: &DeTable<'_>, span: &Range<usize>, number: usize) -> Option<SlaRule> {
        let before = self.errors.len();
        let place = format!("targets rule {number}");
        let fields = self.fields(table, Some(span.clone()), &place, &TARGET_KEYS);
        let priorities = fields.get("priority").and_then(|value| self.priorities(value, &place));
        let plans = fields.get("plan").and_then(|value| self.plans(value, &place));
        let mut duration = |key: &str| fields.get(key).and_then(|value| self.duration(value, &place, key));
        let first_response = duration("first_response");
        let next_response = duration("next_response");
        let resolution = duration("resolution");
        let calendar = fields.get("calendar").and_then(|value| self.name_ref(value, &place, "calendar"));
        if ["first_response", "next_response", "resolution"].iter().all(|key| fields.get(key).is_none()) {
            self.error_at(
                span,
                format!(
                    "{place} sets no target; give at least one of first_response, next_response, resolution"
                ),
            );
        }
        (self.errors.len() == before).then(|| SlaRule {
            priorities: priorities.unwrap_or_default(),
            plans: plans.unwrap_or_default(),
            first_response,
            next_response,
            resolution,
            calendar,
        })
    }

    fn criteria(
        &mut self,
        tables: &[(&DeTable<'_>, Range<usize>)],
        ladder_length: usize,
    ) -> Option<Vec<Criterion>> {
        let before = self.errors.len();
        let mut criteria = Vec::new();
        // Names seen so far with their criterion number and line, to report duplicates.
        let mut names: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (index, (table, span)) in tables.iter().enumerate() {
            let number = index + 1;
            let place = format!("criterion {number}");
            let criterion_before = self.errors.len();
            let fields = self.fields(table, Some(span.clone()), &place, &CRITERION_KEYS);
            let name =
                self.required(&fields, &place, "name", "\"What this criterion is for\"").and_then(|value| {
                    self.non_empty_text(value, &place, "name").map(|name| (name, value.span()))
                });
            if let Some((name, name_span)) = &name {
                let line = self.line(name_span);
                match names.get(name) {
                    Some((first_number, first_line)) => {
                        let message = format!(
                            "{place}: the name \"{name}\" is already used by criterion {first_number} (line \
                             {first_line}); names must be unique"
                        );
                        self.error_at(name_span, message);
                    }
                    None => {
                        names.insert(name.clone(), (number, line));
                    }
                }
            }
            let when = self
                .required(&fields, &place, "when", "{ category = \"Security\" }")
                .and_then(|value| self.condition(value, &format!("{place}, when"), 1));
            let action = match (fields.get("route_to"), fields.get("escalate_to_level")) {
                (Some(_), Some(level)) => {
                    self.error_at(
                        &level.span(),
                        format!("{place} has both route_to and escalate_to_level; keep one"),
                    );
                    None
                }
                (Some(target), None) => {
                    self.name_ref(target, &place, "route_to").map(CriterionAction::RouteTo)
                }
                (None, Some(level)) => self
                    .level_number(level, &place, "escalate_to_level", ladder_length)
                    .map(CriterionAction::EscalateToLevel),
                (None, None) => {
                    self.error_at(
                        span,
                        format!(
                            "{place} does nothing; add route_to = \"a tier or group\" or \
                             escalate_to_level = 2"
                        ),
                    );
                    None
                }
            };
            if self.errors.len() == criterion_before {
                if let (Some((name, _)), Some(when), Some(action)) = (name, when, action) {
                    criteria.push(Criterion { name, when, action });
                }
            }
        }
        (self.errors.len() == before).then_some(criteria)
    }

    /// Reads a condition table; several keys in one table must all hold.
    fn condition(&mut self, value: &TomlValue<'_>, place: &str, depth: usize) -> Option<Condition> {
        let DeValue::Table(table) = value.get_ref() else {
            self.error_at(
                &value.span(),
                format!(
                    "{place}: a condition must be a table such as {{ category = \"Security\" }}, not {}",
                    kind_of(value.get_ref())
                ),
            );
            return None;
        };
        if depth > MAX_CONDITION_DEPTH {
            self.error_at(
                &value.span(),
                format!("{place}: conditions are nested more than {MAX_CONDITION_DEPTH} deep"),
            );
            return None;
        }
        if table.is_empty() {
            self.error_at(
                &value.span(),
                format!("{place}: the condition is empty; use a key such as category, priority, all or any"),
            );
            return None;
        }
        let before = self.errors.len();
        let fields = self.fields(table, Some(value.span()), place, &CONDITION_KEYS);
        let mut parts = Vec::new();
        for (key, value) in &fields.entries {
            let part = match *key {
                "all" | "any" => self.condition_list(value, place, key, depth).map(|conditions| {
                    if *key == "all" {
                        Condition::All(conditions)
                    } else {
                        Condition::Any(conditions)
                    }
                }),
                "not" => self.condition(value, place, depth + 1).map(|inner| Condition::Not(Box::new(inner))),
                "priority" => self.priorities(value, place).map(Condition::Priority),
                "plan" => self.plans(value, place).map(Condition::Plan),
                "category" => self.name_refs(value, place, key).map(Condition::Category),
                "tier" => self.name_refs(value, place, key).map(Condition::Tier),
                "tag" => match value.get_ref() {
                    DeValue::String(text) => match slug(text, "A tag") {
                        Ok(tag) => Some(Condition::Tag(tag)),
                        Err(message) => {
                            self.error_at(&value.span(), format!("{place}: {message}"));
                            None
                        }
                    },
                    _ => {
                        self.error_at(
                            &value.span(),
                            format!("{place}: tag takes one tag in quotes; use tags_any for a list"),
                        );
                        None
                    }
                },
                "tags_any" => {
                    self.word_list(value, place, key, |text| slug(text, "A tag")).map(Condition::TagsAny)
                }
                "channel" => self
                    .word_list(value, place, key, |text| {
                        let words: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
                        Channel::parse(text).ok_or_else(|| unknown_word(text, "a channel", &words))
                    })
                    .map(Condition::Channel),
                "reopen_count_at_least" => {
                    self.whole_number(value, place, key, 1, i64::MAX).map(Condition::ReopenCountAtLeast)
                }
                "unanswered_customer_messages_at_least" => self
                    .whole_number(value, place, key, 1, i64::MAX)
                    .map(Condition::UnansweredCustomerMessagesAtLeast),
                "age_hours_at_least" => {
                    self.whole_number(value, place, key, 1, i64::MAX).map(Condition::AgeHoursAtLeast)
                }
                // `fields` keeps only the keys above.
                _ => None,
            };
            parts.extend(part);
        }
        if self.errors.len() != before {
            return None;
        }
        if parts.len() == 1 {
            parts.pop()
        } else {
            Some(Condition::All(parts))
        }
    }

    fn condition_list(
        &mut self,
        value: &TomlValue<'_>,
        place: &str,
        key: &str,
        depth: usize,
    ) -> Option<Vec<Condition>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error_at(
                &value.span(),
                format!(
                    "{place}: {key} takes a list of conditions, like \
                     [{{ tag = \"vip\" }}, {{ plan = \"premium\" }}]"
                ),
            );
            return None;
        };
        if items.is_empty() {
            self.error_at(
                &value.span(),
                format!("{place}: {key} is an empty list; give at least one condition"),
            );
            return None;
        }
        let conditions: Vec<Option<Condition>> =
            items.iter().map(|item| self.condition(item, place, depth + 1)).collect();
        conditions.into_iter().collect()
    }

    fn level(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        number: usize,
        ladder_length: usize,
    ) -> Option<Level> {
        let before = self.errors.len();
        let place = format!("ladder level {number}");
        let fields = self.fields(table, Some(span.clone()), &place, &LEVEL_KEYS);
        let holder = self
            .required(&fields, &place, "holder", "\"a tier or group\"")
            .and_then(|value| self.name_ref(value, &place, "holder"));
        let budget = fields.get("budget").and_then(|value| self.duration(value, &place, "budget"));
        let reminders = fields.get("reminders").and_then(|value| self.reminders(value, &place));
        let on_breach = fields.get("on_breach").and_then(|value| {
            self.words(value, &place, "on_breach", true, |text| {
                BreachAction::parse(text)
                    .ok_or_else(|| unknown_word(text, "a breach action", &BreachAction::words()))
            })
        });

        let has_budget = fields.get("budget").is_some();
        if let Some(actions) = &on_breach {
            if !actions.is_empty() && !has_budget {
                self.error_at(
                    &actions[0].1,
                    format!("{place}: on_breach needs a budget to be breached; add budget = \"8h\""),
                );
            }
            if let Some((_, next_span)) =
                actions.iter().find(|(action, _)| *action == BreachAction::NextLevel)
            {
                if number == ladder_length {
                    self.error_at(
                        next_span,
                        format!("{place}: next_level on the last level; there is no level to move to"),
                    );
                }
            }
        }
        if let Some(reminders) = &reminders {
            for (reminder, reminder_span) in reminders {
                if reminder.clock == ClockKind::TierBudget && !has_budget {
                    self.error_at(
                        reminder_span,
                        format!("{place}: a reminder on the tier budget needs a budget; add budget = \"8h\""),
                    );
                }
            }
        }
        if self.errors.len() != before {
            return None;
        }
        Some(Level {
            holder: holder?,
            budget,
            reminders: reminders.unwrap_or_default().into_iter().map(|(reminder, _)| reminder).collect(),
            on_breach: on_breach.unwrap_or_default().into_iter().map(|(action, _)| action).collect(),
        })
    }

    fn reminders(&mut self, value: &TomlValue<'_>, place: &str) -> Option<Vec<(Reminder, Range<usize>)>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error_at(
                &value.span(),
                format!("{place}: reminders takes a list like [{{ clock = \"tier_budget\", at = 0.75 }}]"),
            );
            return None;
        };
        let before = self.errors.len();
        let mut reminders: Vec<(Reminder, Range<usize>)> = Vec::new();
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                self.error_at(
                    &item.span(),
                    format!("{place}: a reminder is a table like {{ clock = \"tier_budget\", at = 0.75 }}"),
                );
                continue;
            };
            let reminder_place = format!("{place}, reminder");
            let fields = self.fields(table, Some(item.span()), &reminder_place, &REMINDER_KEYS);
            let clock =
                self.required(&fields, &reminder_place, "clock", "\"tier_budget\"").and_then(|value| {
                    let clocks = self.words(value, &reminder_place, "clock", false, |text| {
                        ClockKind::parse(text).ok_or_else(|| unknown_word(text, "a clock", &clock_words()))
                    })?;
                    match clocks.as_slice() {
                        [(clock, _)] => Some(*clock),
                        _ => {
                            self.error_at(&value.span(), format!("{reminder_place}: clock takes one clock"));
                            None
                        }
                    }
                });
            let at = self
                .required(&fields, &reminder_place, "at", "0.75")
                .and_then(|value| self.fraction(value, &reminder_place));
            if let (Some(clock), Some(at)) = (clock, at) {
                let reminder = Reminder { clock, at };
                if reminders.iter().any(|(seen, _)| *seen == reminder) {
                    self.error_at(
                        &item.span(),
                        format!("{place}: the reminder at {at} of {clock} is listed twice"),
                    );
                } else {
                    reminders.push((reminder, item.span()));
                }
            }
        }
        (self.errors.len() == before).then_some(reminders)
    }

    fn fraction(&mut self, value: &TomlValue<'_>, place: &str) -> Option<f64> {
        let number = match value.get_ref() {
            DeValue::Float(float) => float.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(integer) => integer.as_str().parse::<f64>().ok(),
            _ => None,
        };
        match number {
            Some(fraction) if fraction > 0.0 && fraction < 1.0 => {
                let percent = fraction * 100.0;
                if (percent - percent.round()).abs() > 1e-9 {
                    self.error_at(
                        &value.span(),
                        format!(
                            "{place}: at {fraction} is finer than a whole percent; use at most two decimals, \
                             like {}",
                            percent.round() / 100.0
                        ),
                    );
                    return None;
                }
                Some(fraction)
            }
            _ => {
                let shown = match value.get_ref() {
                    DeValue::Float(float) => float.to_string(),
                    DeValue::Integer(integer) => integer.to_string(),
                    DeValue::String(text) => format!("\"{text}\""),
                    other => kind_of(other).to_string(),
                };
                // A percentage written where a fraction belongs is the likely mistake.
                let hint = match number {
                    Some(percentage) if percentage > 1.0 && percentage < 100.0 => {
                        format!(" (for {percentage} % write {})", percentage / 100.0)
                    }
                    _ => String::new(),
                };
                self.error_at(
                    &value.span(),
                    format!(
                        "{place}: at must be a fraction between 0 and 1, like 0.75 for 75 %, not {shown}{hint}"
                    ),
                );
                None
            }
        }
    }

    fn notification_rule(
        &mut self,
        table: &DeTable<'_>,
        span: &Range<usize>,
        number: usize,
        ladder_length: usize,
    ) -> Option<NotificationRule> {
        let before = self.errors.len();
        let place = format!("notify rule {number}");
        let fields = self.fields(table, Some(span.clone()), &place, &NOTIFY_KEYS);
        let events =
            self.required(&fields, &place, "events", "[\"escalated\", \"breach\"]").and_then(|value| {
                self.word_list(value, &place, "events", |text| {
                    EventKind::parse(text).ok_or_else(|| unknown_word(text, "an event", &EventKind::words()))
                })
            });
        let priorities = fields.get("priority").and_then(|value| self.priorities(value, &place));
        let plans = fields.get("plan").and_then(|value| self.plans(value, &place));
        let levels = fields.get("level").and_then(|value| self.level_numbers(value, &place, ladder_length));
        let categories = fields.get("category").and_then(|value| self.name_refs(value, &place, "category"));
        let recipients = self
            .required(&fields, &place, "to", "[\"group\", \"lead\"]")
            .and_then(|value| self.word_list(value, &place, "to", Recipient::parse));
        let channels = self
            .required(&fields, &place, "channels", "[\"in_app\", \"email\"]")
            .and_then(|value| self.word_list(value, &place, "channels", NotificationChannel::parse));
        let urgent = fields.get("urgent").and_then(|value| self.flag(value, &place, "urgent"));
        if self.errors.len() != before {
            return None;
        }
        Some(NotificationRule {
            events: events?,
            priorities: priorities.unwrap_or_default(),
            plans: plans.unwrap_or_default(),
            levels: levels.unwrap_or_default(),
            categories: categories.unwrap_or_default(),
            urgent: urgent.unwrap_or(false),
            recipients: recipients?,
            channels: channels?,
        })
    }

    fn level_numbers(
        &mut self,
        value: &TomlValue<'_>,
        place: &str,
        ladder_length: usize,
    ) -> Option<Vec<usize>> {
        let items: Vec<&TomlValue<'_>> = match value.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        if items.is_empty() {
            self.error_at(&value.span(), format!("{place}: level is an empty list; give at least one level"));
            return None;
        }
        let before = self.errors.len();
        let mut levels = Vec::new();
        for item in items {
            let Some(number) = self.level_number(item, place, "level", ladder_length) else { continue };
            if levels.contains(&number) {
                self.error_at(&item.span(), format!("{place}: level lists {number} more than once"));
            } else {
                levels.push(number);
            }
        }
        (self.errors.len() == before).then_some(levels)
    }

    /// A ladder level number, from 1 to the number of levels in the file.
    fn level_number(
        &mut self,
        value: &TomlValue<'_>,
        place: &str,
        key: &str,
        ladder_length: usize,
    ) -> Option<usize> {
        let number = self.whole_number(value, place, key, 1, i64::MAX)?;
        match usize::try_from(number) {
            Ok(number) if number <= ladder_length => Some(number),
            _ => {
                let levels = if ladder_length == 1 {
                    "1 level".to_string()
                } else {
                    format!("{ladder_length} levels")
                };
                self.error_at(
                    &value.span(),
                    format!("{place}: there is no level {number}; the ladder has {levels}"),
                );
                None
            }
        }
    }

    fn checkpoints(&mut self, tables: &[(&DeTable<'_>, Range<usize>)]) -> Option<Vec<Checkpoint>> {
        let before = self.errors.len();
        let mut checkpoints: Vec<Checkpoint> = Vec::new();
        for (index, (table, span)) in tables.iter().enumerate() {
            let place = format!("checkpoint {}", index + 1);
            let fields = self.fields(table, Some(span.clone()), &place, &CHECKPOINT_KEYS);
            let tier = self
                .required(&fields, &place, "tier", "\"L3 Engineering\"")
                .and_then(|value| self.name_ref(value, &place, "tier"));
            let every = self
                .required(&fields, &place, "public_update_every", "\"4h\"")
                .and_then(|value| self.duration(value, &place, "public_update_every"));
            let (Some(tier), Some(public_update_every)) = (tier, every) else { continue };
            if let Some(first) = checkpoints.iter().position(|checkpoint| checkpoint.tier == tier) {
                let line = self.line(span);
                self.errors.push(PolicyError::at_line(
                    tier.line().unwrap_or(line),
                    format!("{place}: {tier} already has checkpoint {}; keep one per tier", first + 1),
                ));
            }
            checkpoints.push(Checkpoint { tier, public_update_every });
        }
        (self.errors.len() == before).then_some(checkpoints)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO_TIERS_AND_GROUPS: [&str; 8] = [
        "L1 Service Desk",
        "L2 Specialists",
        "L3 Engineering",
        "Service Desk",
        "Network",
        "Billing & Accounts",
        "Engineering",
        "Security",
    ];
    const DEMO_CALENDARS: [&str; 2] = ["Office hours (Berlin)", "Around the clock"];
    const DEMO_CATEGORIES: [&str; 6] =
        ["Access & accounts", "Billing", "Hardware", "Integrations & API", "Network & VPN", "Security"];

    fn policy(source: &str) -> Policy {
        match Policy::from_toml(source) {
            Ok(policy) => policy,
            Err(errors) => panic!("the test policy is valid, but:\n{errors}"),
        }
    }

    fn example() -> Policy {
        policy(EXAMPLE_POLICY)
    }

    fn errors(source: &str) -> Vec<PolicyError> {
        Policy::from_toml(source).expect_err("the test policy is invalid").0
    }

    fn minutes(minutes: i64) -> Duration {
        Duration::minutes(minutes)
    }

    fn hours(hours: i64) -> Duration {
        Duration::hours(hours)
    }

    /// A small valid policy whose criterion is `when`, to read conditions as the file reader does.
    fn condition(when: &str) -> Condition {
        let source = format!(
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"c\"\n\
             when = {when}\nroute_to = \"Security\"\n[[ladder]]\nholder = \"L1\"\n"
        );
        policy(&source).criteria.remove(0).when
    }

    fn facts() -> CriterionFacts {
        CriterionFacts {
            priority: Priority::Normal,
            plan: "standard".to_string(),
            category: Some("Billing".to_string()),
            tags: vec!["vip".to_string()],
            channel: Channel::Email,
            reopen_count: 1,
            unanswered_customer_messages: 2,
            tier: Some("L1 Service Desk".to_string()),
            age_hours: 10,
        }
    }

    #[test]
    fn the_example_policy_parses_and_round_trips_through_to_toml() {
        let example = example();
        assert_eq!(example.name, "Standard support");
        assert_eq!(example.targets.len(), 6);
        assert_eq!(example.criteria.len(), 9);
        assert_eq!(example.ladder.len(), 3);
        assert_eq!(example.notifications.len(), 11);
        assert_eq!(example.checkpoints.len(), 2);
        let written = example.to_toml();
        assert_eq!(Policy::from_toml(&written), Ok(example.clone()), "{written}");
        // Writing is deterministic, so a stored policy only changes when its meaning does.
        assert_eq!(policy(&written).to_toml(), written);
    }

    #[test]
    fn the_example_policy_uses_only_the_names_of_the_demo_data() {
        let example = example();
        assert_eq!(example.check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES), vec![]);
        let plans: Vec<&String> = example.targets.iter().flat_map(|rule| &rule.plans).collect();
        assert!(plans.iter().all(|plan| ["standard", "premium", "enterprise"].contains(&plan.as_str())));
    }

    #[test]
    fn the_example_policy_uses_every_kind_of_condition_action_and_recipient() {
        let written = example().to_toml();
        for key in CONDITION_KEYS {
            assert!(written.contains(&format!("{{ {key} = ")), "the example does not use {key}");
        }
        for action in BreachAction::ALL {
            assert!(written.contains(&format!("\"{}\"", action.as_str())), "{action:?} is not used");
        }
        for word in RECIPIENT_WORDS.iter().filter(|word| !["tier"].contains(word)) {
            assert!(written.contains(&format!("\"{word}\"")), "{word} is not used");
        }
    }

    #[test]
    fn a_policy_round_trips_through_json() {
        let example = example();
        let json = serde_json::to_string(&example).expect("a policy serialises");
        let back: Policy = serde_json::from_str(&json).expect("and deserialises");
        assert_eq!(back, example);
        assert!(json.contains("\"budget\":\"2h\""), "{json}");
        assert!(json.contains("\"email:duty-manager@example.com\""), "{json}");
    }

    #[test]
    fn durations_are_read_in_the_documented_forms() {
        #[rustfmt::skip]
        let cases: &[(&str, Duration)] = &[
            ("90s",       Duration::seconds(90)),
            ("30m",       minutes(30)),
            ("4h",        hours(4)),
            ("1h30m",     minutes(90)),
            ("1h30m15s",  Duration::seconds(5_415)),
            ("3d",        hours(72)),
            ("1d12h",     hours(36)),
            ("365d",      hours(365 * 24)),
            ("007m",      minutes(7)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), Ok(*expected), "{text}");
        }
    }

    #[test]
    fn malformed_durations_are_refused_with_a_reason() {
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            ("",            "is not a duration"),
            ("4",           "\"4\" needs a unit"),
            ("4x",          "\"x\" is not a unit"),
            ("h4",          "each part is a whole number"),
            ("30m1h",       "largest first"),
            ("1h1h",        "largest first"),
            ("1h 30m",      "without spaces"),
            ("16 hours",    "without spaces"),
            ("1.5h",        "is not a unit"),
            ("-4h",         "each part is a whole number"),
            ("4H",          "is not a unit"),
            ("0m",          "is zero"),
            ("366d",        "longer than the longest duration"),
            ("99999999999999999999s", "longer than the longest duration"),
            ("9223372036854775807d",  "longer than the longest duration"),
        ];
        for (text, reason) in cases {
            let error = parse_duration(text).expect_err(text);
            assert!(error.message.contains(reason), "{text:?}: {}", error.message);
            assert_eq!(error.line, None);
        }
    }

    #[test]
    fn durations_are_written_in_hours_minutes_and_seconds() {
        #[rustfmt::skip]
        let cases: &[(Duration, &str)] = &[
            (Duration::seconds(90), "1m30s"),
            (minutes(30),           "30m"),
            (minutes(90),           "1h30m"),
            (hours(72),             "72h"),
            (Duration::zero(),      "0s"),
            (-minutes(5),           "-5m"),
            (Duration::milliseconds(61_500), "1m1s"),
        ];
        for (duration, expected) in cases {
            assert_eq!(format_duration(*duration), *expected);
        }
    }

    /// A row of the error table: what it shows, the source, the line and part of the message.
    type ErrorCase = (&'static str, &'static str, Option<usize>, &'static str);

    #[test]
    fn each_kind_of_error_is_reported_with_its_line() {
        #[rustfmt::skip]
        let cases: &[ErrorCase] = &[
            ("an unknown key at the top",
                "colour = \"red\"\nname = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(1), "the policy: unknown key \"colour\""),
            ("an unknown key with a suggestion",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\nfrist_response = \"1h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(5), "targets rule 1: unknown key \"frist_response\"; did you mean \"first_response\"?"),
            ("a misspelled section",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladders]]\nholder = \"L1\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(5), "unknown key \"ladders\"; did you mean \"ladder\"?"),
            ("a bad duration",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4x\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "targets rule 1: resolution \"4x\" is not a duration (\"x\" is not a unit"),
            ("a duration without quotes",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = 4\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "resolution must be a duration in quotes, like \"4h\" (\"4h\" for hours?)"),
            ("a fraction outside (0, 1)",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\nreminders = [{ clock = \"tier_budget\", at = 1.5 }]\n",
                Some(8), "ladder level 1, reminder: at must be a fraction between 0 and 1, like 0.75 for 75 %, not 1.5"),
            ("a percentage where a fraction belongs",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [{ clock = \"resolution\", at = 90 }]\n",
                Some(7), "like 0.75 for 75 %, not 90 (for 90 % write 0.9)"),
            ("a fraction finer than a whole percent",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [{ clock = \"resolution\", at = 0.333 }]\n",
                Some(7), "at 0.333 is finer than a whole percent; use at most two decimals, like 0.33"),
            ("a fraction of zero",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [\n  { clock = \"resolution\", at = 0 },\n]\n",
                Some(8), "at must be a fraction between 0 and 1"),
            ("an unknown clock",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\nreminders = [{ clock = \"tier_budgte\", at = 0.5 }]\n",
                Some(8), "\"tier_budgte\" is not a clock; use first_response, next_response, resolution or tier_budget (did you mean \"tier_budget\"?)"),
            ("an unknown breach action",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\non_breach = [\"notify_lead\", \"page_everyone\"]\n",
                Some(8), "ladder level 1: \"page_everyone\" is not a breach action"),
            ("an unknown notification channel",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"lead\"]\nchannels = [\"sms\"]\n",
                Some(10), "notify rule 1: \"sms\" is not a notification channel; use in_app, email, slack, teams or webhook:name"),
            ("an unknown recipient",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"leads\"]\nchannels = [\"email\"]\n",
                Some(9), "\"leads\" is not a recipient; use assignee, group, tier, lead, managers, watchers, mentioned, requester or email:address (did you mean \"lead\"?)"),
            ("a fixed address that is not one",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"email:nobody\"]\nchannels = [\"email\"]\n",
                Some(9), "\"email:nobody\" is not a usable address: Enter an e-mail address like name@example.com."),
            ("an unknown event kind",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breached\"]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(8), "\"breached\" is not an event; use created, assigned, escalated,"),
            ("a level filter beyond the ladder",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nlevel = [1, 2]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(9), "notify rule 1: there is no level 2; the ladder has 1 level"),
            ("a notify rule without recipients",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nchannels = [\"email\"]\n",
                Some(7), "notify rule 1 has no to; add to = [\"group\", \"lead\"]"),
            ("an urgent flag that is not true or false",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nto = [\"lead\"]\nchannels = [\"email\"]\nurgent = 1\n",
                Some(11), "notify rule 1: urgent must be true or false, not a whole number"),
            ("an urgent flag in quotes",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\nurgent = \"true\"\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(9), "notify rule 1: urgent must be true or false, not text (write true without quotes)"),
            ("an empty category filter",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncategory = []\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(9), "notify rule 1: category is an empty list; give at least one value"),
            ("a category listed twice",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncategory = [\n\"Billing\",\n\"Billing\",\n]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(11), "notify rule 1: category lists \"Billing\" more than once"),
            ("a category that is not text",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncategory = 7\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(9), "notify rule 1: category must be text in quotes or a list of them, not a whole number"),
            ("a misspelled notify key",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[notify]]\nevents = [\"breach\"]\ncatgory = [\"Billing\"]\nto = [\"lead\"]\nchannels = [\"email\"]\n",
                Some(9), "notify rule 1: unknown key \"catgory\"; did you mean \"category\"?"),
            ("no ladder at all",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n",
                None, "the ladder is empty; add at least one [[ladder]] level with a holder"),
            ("an empty ladder list",
                "name = \"P\"\ncalendar = \"C\"\nladder = []\n[[targets]]\nresolution = \"4h\"\n",
                Some(3), "the ladder is empty"),
            ("a level without holder",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\n[[ladder]]\nbudget = \"8h\"\n",
                Some(8), "ladder level 2 has no holder; add holder = \"a tier or group\""),
            ("next_level on the last level",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nbudget = \"2h\"\non_breach = [\"notify_lead\", \"next_level\"]\n",
                Some(8), "ladder level 1: next_level on the last level; there is no level to move to"),
            ("breach actions without a budget",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\non_breach = [\"notify_lead\"]\n",
                Some(7), "ladder level 1: on_breach needs a budget to be breached"),
            ("a tier budget reminder without a budget",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [{ clock = \"tier_budget\", at = 0.5 }]\n",
                Some(7), "a reminder on the tier budget needs a budget"),
            ("a repeated reminder",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\nreminders = [\n{ clock = \"resolution\", at = 0.5 },\n{ clock = \"resolution\", at = 0.5 },\n]\n",
                Some(9), "the reminder at 0.5 of Resolution is listed twice"),
            ("duplicate criteria names",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nroute_to = \"L2\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nescalate_to_level = 1\n[[ladder]]\nholder = \"L1\"\n",
                Some(10), "criterion 2: the name \"VIP\" is already used by criterion 1 (line 6); names must be unique"),
            ("a criterion with two actions",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nroute_to = \"L2\"\nescalate_to_level = 1\n[[ladder]]\nholder = \"L1\"\n",
                Some(9), "criterion 1 has both route_to and escalate_to_level; keep one"),
            ("a criterion without an action",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\n[[ladder]]\nholder = \"L1\"\n",
                Some(5), "criterion 1 does nothing; add route_to"),
            ("an escalation beyond the ladder",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"VIP\"\nwhen = { tag = \"vip\" }\nescalate_to_level = 3\n[[ladder]]\nholder = \"L1\"\n[[ladder]]\nholder = \"L2\"\n",
                Some(8), "criterion 1: there is no level 3; the ladder has 2 levels"),
            ("an unknown priority with a suggestion",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = [\"urgent\", \"hihg\"]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "targets rule 1: \"hihg\" is not a priority; use low, normal, high or urgent (did you mean \"high\"?)"),
            ("a repeated priority",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = [\"high\", \"high\"]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "targets rule 1: priority lists \"high\" more than once"),
            ("a plan that is not a plain name",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nplan = \"gold plan\"\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "A plan may contain only letters, digits, '-' and '_'"),
            ("an unknown status in [pause]",
                "name = \"P\"\ncalendar = \"C\"\n[pause]\nwaiting = [\"resolution\"]\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "[pause]: unknown key \"waiting\"; use pending or on_hold"),
            ("a status that cannot pause",
                "name = \"P\"\ncalendar = \"C\"\n[pause]\nopen = [\"resolution\"]\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "[pause] open: a ticket that is open is being worked and pauses no clock"),
            ("an unknown clock in [pause]",
                "name = \"P\"\ncalendar = \"C\"\n[pause]\npending = [\"resolutoin\"]\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "[pause] pending: \"resolutoin\" is not a clock"),
            ("an unknown condition",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { all = [{ prioirty = \"high\" }] }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(7), "criterion 1, when: unknown key \"prioirty\"; did you mean \"priority\"?"),
            ("an empty all",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { all = [] }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(7), "criterion 1, when: all is an empty list; give at least one condition"),
            ("an empty condition",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { not = {} }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(7), "the condition is empty"),
            ("a list given to tag",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { tag = [\"a\", \"b\"] }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(7), "tag takes one tag in quotes; use tags_any for a list"),
            ("a count of zero",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { reopen_count_at_least = 0 }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(7), "reopen_count_at_least must be a whole number from 1 to"),
            ("an unknown ticket channel",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[criteria]]\nname = \"x\"\nwhen = { channel = \"fax\" }\nroute_to = \"L2\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(7), "\"fax\" is not a channel; use portal, email, phone or api"),
            ("a targets rule without targets",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = \"low\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(3), "targets rule 1 sets no target"),
            ("a targets rule hidden by an earlier one",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = [\"high\", \"urgent\"]\nresolution = \"4h\"\n[[targets]]\npriority = \"urgent\"\nplan = \"premium\"\nresolution = \"2h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(6), "targets rule 2 can never apply: targets rule 1 before it matches every ticket it would match"),
            ("no targets at all",
                "name = \"P\"\ncalendar = \"C\"\n[[ladder]]\nholder = \"L1\"\n",
                None, "the policy has no targets"),
            ("a missing name",
                "calendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                None, "the policy has no name; add name = \"Standard support\""),
            ("a name that is not text",
                "name = 3\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(1), "the policy: name must be text in quotes, not a whole number"),
            ("an empty holder",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"  \"\n",
                Some(6), "ladder level 1: holder is empty"),
            ("a section that is not a list of tables",
                "name = \"P\"\ncalendar = \"C\"\ncheckpoints = \"often\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(3), "checkpoints must be written as [[checkpoints]] sections, not as text"),
            ("two checkpoints for one tier",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n[[checkpoints]]\ntier = \"L1\"\npublic_update_every = \"4h\"\n[[checkpoints]]\ntier = \"L1\"\npublic_update_every = \"2h\"\n",
                Some(11), "checkpoint 2: L1 already has checkpoint 1; keep one per tier"),
            ("a TOML syntax error",
                "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = 4h\n[[ladder]]\nholder = \"L1\"\n",
                Some(4), "string values must be quoted"),
            ("a duplicate key, which TOML itself refuses",
                "name = \"P\"\nname = \"Q\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
                Some(2), "duplicate key"),
        ];
        for (sentence, source, line, fragment) in cases {
            let errors = errors(source);
            assert!(
                errors.iter().any(|error| error.line == *line && error.message.contains(fragment)),
                "{sentence}: expected line {line:?} with {fragment:?}, got:\n{}",
                PolicyErrors(errors.clone())
            );
            assert_eq!(
                errors.len(),
                1,
                "{sentence}: one mistake gives one error, got:\n{}",
                PolicyErrors(errors)
            );
        }
    }

    #[test]
    fn several_errors_in_one_document_are_all_reported_in_line_order() {
        let source = r#"name = "P"
calendar = "C"
colour = "red"

[pause]
pending = ["resolution", "tier_budgte"]

[[targets]]
priority = ["urgent", "hihg"]
resolution = "4x"

[[criteria]]
name = "Twice"
when = { channel = "fax" }
route_to = "L2"

[[criteria]]
name = "Twice"
when = { tag = "vip" }
escalate_to_level = 5

[[ladder]]
budget = "2h"
reminders = [{ clock = "resolution", at = 1.5 }]
on_breach = ["next_levl", "call_mum"]

[[notify]]
events = ["breach"]
to = ["lead"]
channels = ["sms"]
"#;
        let errors = errors(source);
        let lines: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
        assert_eq!(
            lines,
            vec![
                Some(3),
                Some(6),
                Some(9),
                Some(10),
                Some(14),
                Some(18),
                Some(20),
                Some(22),
                Some(24),
                Some(25),
                Some(25),
                Some(30),
            ],
            "{}",
            PolicyErrors(errors.clone())
        );
        assert!(errors[7].message.contains("ladder level 1 has no holder"));
        assert!(errors[9].message.contains("\"next_levl\" is not a breach action"), "{}", errors[9]);
        assert!(errors[10].message.contains("\"call_mum\" is not a breach action"));
    }

    #[test]
    fn errors_display_as_line_and_message_one_per_line() {
        let errors = Policy::from_toml("name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4x\"\n")
            .expect_err("two mistakes");
        assert_eq!(
            errors.to_string(),
            "line 4: targets rule 1: resolution \"4x\" is not a duration (\"x\" is not a unit; use d, h, m or s); \
             write it like \"90s\", \"30m\", \"4h\" or \"1h30m\"\n\
             the ladder is empty; add at least one [[ladder]] level with a holder"
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(PolicyError::at_line(3, "x").to_string(), "line 3: x");
    }

    #[test]
    fn several_syntax_errors_are_reported_once_per_line() {
        let errors = errors("name = \"P\ncalendar = \"C\"\n[[targets]]\nresolution = 4h\n");
        let lines: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, vec![Some(1), Some(4)], "{}", PolicyErrors(errors.clone()));
    }

    /// A row for `targets_for`: priority, plan, rule number, explanation, first response, calendar.
    type TargetsCase = (Priority, &'static str, usize, &'static str, Duration, &'static str);

    #[test]
    fn targets_for_picks_the_first_matching_rule_and_explains_it() {
        let example = example();
        #[rustfmt::skip]
        let cases: &[TargetsCase] = &[
            (Priority::Urgent, "enterprise", 1, "targets rule 1 (priority urgent; plan enterprise or premium)",
                minutes(30), "Around the clock"),
            (Priority::Urgent, "premium",    1, "targets rule 1 (priority urgent; plan enterprise or premium)",
                minutes(30), "Around the clock"),
            (Priority::Urgent, "Enterprise", 1, "targets rule 1 (priority urgent; plan enterprise or premium)",
                minutes(30), "Around the clock"),
            (Priority::Urgent, "standard",   2, "targets rule 2 (priority urgent)",
                hours(1), "Office hours (Berlin)"),
            (Priority::High,   "premium",    3, "targets rule 3 (priority high; plan enterprise or premium)",
                hours(1), "Office hours (Berlin)"),
            (Priority::High,   "standard",   4, "targets rule 4 (priority high)",
                hours(2), "Office hours (Berlin)"),
            (Priority::Normal, "enterprise", 5, "targets rule 5 (priority normal)",
                hours(4), "Office hours (Berlin)"),
            (Priority::Low,    "enterprise", 6, "targets rule 6 (every ticket)",
                hours(8), "Office hours (Berlin)"),
        ];
        for (priority, plan, number, rule, first_response, calendar) in cases {
            let matched = example.targets_for(*priority, plan).expect("the example has a catch-all rule");
            assert_eq!(matched.rule_number, *number, "{priority:?} {plan}");
            assert_eq!(matched.rule, *rule);
            assert_eq!(matched.first_response, Some(*first_response), "{rule}");
            assert_eq!(matched.calendar, *calendar, "{rule}");
        }
        let urgent = example.targets_for(Priority::Urgent, "enterprise").expect("matches");
        assert_eq!((urgent.next_response, urgent.resolution), (Some(hours(1)), Some(hours(4))));
    }

    #[test]
    fn targets_for_answers_none_when_no_rule_matches_and_keeps_targets_a_rule_leaves_out() {
        let policy = policy(
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\npriority = \"urgent\"\nfirst_response = \"15m\"\n\
             [[ladder]]\nholder = \"L1\"\n",
        );
        assert_eq!(policy.targets_for(Priority::Low, "standard"), None);
        let urgent = policy.targets_for(Priority::Urgent, "standard").expect("matches");
        assert_eq!(urgent.first_response, Some(minutes(15)));
        assert_eq!((urgent.next_response, urgent.resolution), (None, None));
        assert_eq!(urgent.calendar, "C");
    }

    #[test]
    fn without_a_pause_section_pending_and_on_hold_pause_resolution_and_the_tier_budget() {
        let policy = policy(
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
        );
        let waiting = [ClockKind::Resolution, ClockKind::TierBudget];
        assert_eq!(policy.pauses(TicketStatus::Pending), waiting);
        assert_eq!(policy.pauses(TicketStatus::OnHold), waiting);
        for status in [TicketStatus::New, TicketStatus::Open, TicketStatus::Resolved, TicketStatus::Closed] {
            assert_eq!(policy.pauses(status), [], "{status:?}");
        }
        assert_eq!(policy.pause_rules, PauseRules::default());
    }

    #[test]
    fn a_pause_section_changes_only_the_statuses_it_names() {
        let policy = policy(
            "name = \"P\"\ncalendar = \"C\"\n[pause]\npending = [\"first_response\", \"resolution\"]\n\
             [[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
        );
        assert_eq!(policy.pauses(TicketStatus::Pending), [ClockKind::FirstResponse, ClockKind::Resolution]);
        assert_eq!(policy.pauses(TicketStatus::OnHold), [ClockKind::Resolution, ClockKind::TierBudget]);
        let written = policy.to_toml();
        assert!(written.contains(
            "[pause]\npending = [\"first_response\", \"resolution\"]\non_hold = [\"resolution\", \"tier_budget\"]\n"
        ));
        assert_eq!(Policy::from_toml(&written), Ok(policy));

        let never = policy_with_pauses("pending = []\non_hold = []\n");
        assert_eq!(never.pause_rules, PauseRules::none());
        assert_eq!(Policy::from_toml(&never.to_toml()), Ok(never));
    }

    fn policy_with_pauses(pauses: &str) -> Policy {
        policy(&format!(
            "name = \"P\"\ncalendar = \"C\"\n[pause]\n{pauses}[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n"
        ))
    }

    #[test]
    fn targets_and_budgets_are_handed_to_the_clock_engine_with_their_explanation() {
        let example = example();
        let matched = example.targets_for(Priority::High, "premium").expect("rule 3");
        assert_eq!(
            matched.for_clock(ClockKind::Resolution),
            TargetRule::new(hours(16), "targets rule 3 (priority high; plan enterprise or premium)")
        );
        assert_eq!(matched.for_clock(ClockKind::TierBudget).target, None);
        assert_eq!(
            example.tier_budget_for("L2 Specialists"),
            TargetRule::new(hours(8), "ladder level 2 (L2 Specialists)")
        );
        assert_eq!(example.tier_budget_for("Security").target, None);
    }

    #[test]
    fn conditions_match_ticket_facts() {
        // The facts: normal priority, standard plan, category Billing, tagged vip, by e-mail,
        // reopened once, two unanswered messages, held by L1 Service Desk, 10 hours old.
        #[rustfmt::skip]
        let cases: &[(&str, &str, bool)] = &[
            ("a priority in the list",            r#"{ priority = ["normal", "high"] }"#,            true),
            ("a priority not in the list",        r#"{ priority = "urgent" }"#,                       false),
            ("the plan",                          r#"{ plan = "standard" }"#,                        true),
            ("another plan",                      r#"{ plan = ["premium", "enterprise"] }"#,         false),
            ("the category",                      r#"{ category = "Billing" }"#,                     true),
            ("another category",                  r#"{ category = "Security" }"#,                    false),
            ("a tag the ticket has",              r#"{ tag = "vip" }"#,                              true),
            ("a tag the ticket lacks",            r#"{ tag = "outage" }"#,                           false),
            ("tags of which it has one",          r#"{ tags_any = ["outage", "vip"] }"#,             true),
            ("tags of which it has none",         r#"{ tags_any = ["outage", "refund"] }"#,          false),
            ("the channel",                       r#"{ channel = ["email", "phone"] }"#,             true),
            ("another channel",                   r#"{ channel = "portal" }"#,                       false),
            ("reopened at least once",            r#"{ reopen_count_at_least = 1 }"#,                true),
            ("reopened at least twice",           r#"{ reopen_count_at_least = 2 }"#,                false),
            ("two unanswered messages",           r#"{ unanswered_customer_messages_at_least = 2 }"#, true),
            ("three unanswered messages",         r#"{ unanswered_customer_messages_at_least = 3 }"#, false),
            ("the current tier",                  r#"{ tier = "L1 Service Desk" }"#,                 true),
            ("another tier",                      r#"{ tier = ["L2 Specialists", "L3 Engineering"] }"#, false),
            ("old enough",                        r#"{ age_hours_at_least = 10 }"#,                  true),
            ("not old enough",                    r#"{ age_hours_at_least = 11 }"#,                  false),
            ("all hold",                          r#"{ all = [{ tag = "vip" }, { plan = "standard" }] }"#, true),
            ("one of all fails",                  r#"{ all = [{ tag = "vip" }, { plan = "premium" }] }"#,  false),
            ("one of any holds",                  r#"{ any = [{ tag = "outage" }, { plan = "standard" }] }"#, true),
            ("none of any holds",                 r#"{ any = [{ tag = "outage" }, { plan = "premium" }] }"#,  false),
            ("not of a failing leaf",             r#"{ not = { priority = "urgent" } }"#,            true),
            ("not of a holding leaf",             r#"{ not = { tag = "vip" } }"#,                    false),
            ("several keys must all hold",        r#"{ category = "Billing", tag = "vip" }"#,        true),
            ("several keys, one fails",           r#"{ category = "Billing", tag = "outage" }"#,     false),
            ("nested any in all in not",
                r#"{ not = { all = [{ tag = "vip" }, { any = [{ plan = "premium" }, { channel = "phone" }] }] } }"#, true),
        ];
        let facts = facts();
        for (sentence, when, expected) in cases {
            assert_eq!(condition(when).matches(&facts), *expected, "{sentence}: {when}");
        }
    }

    #[test]
    fn leaves_about_missing_facts_do_not_hold_and_tags_ignore_case() {
        let facts = CriterionFacts { category: None, tier: None, tags: vec!["VIP".into()], ..facts() };
        assert!(!condition(r#"{ category = "Billing" }"#).matches(&facts));
        assert!(condition(r#"{ not = { category = "Billing" } }"#).matches(&facts));
        assert!(!condition(r#"{ tier = "L1 Service Desk" }"#).matches(&facts));
        assert!(condition(r#"{ tag = "vip" }"#).matches(&facts));
    }

    #[test]
    fn conditions_describe_themselves_in_plain_english() {
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            (r#"{ all = [{ category = "Security" }, { priority = ["high", "urgent"] }] }"#,
                "the category is Security and the priority is high or urgent"),
            (r#"{ priority = ["low", "normal", "high"] }"#, "the priority is low, normal or high"),
            (r#"{ any = [{ category = "Billing" }, { tags_any = ["invoice", "refund"] }] }"#,
                "the category is Billing or the ticket is tagged invoice or refund"),
            (r#"{ all = [{ plan = "enterprise" }, { any = [{ tag = "vip" }, { channel = "phone" }] }] }"#,
                "the plan is enterprise and (the ticket is tagged vip or the channel is phone)"),
            (r#"{ not = { priority = "low" } }"#, "the priority is not low"),
            (r#"{ not = { tier = ["L2 Specialists", "L3 Engineering"] } }"#,
                "the current tier is not L2 Specialists or L3 Engineering"),
            (r#"{ not = { any = [{ tag = "a" }, { tag = "b" }] } }"#,
                "neither the ticket is tagged a nor the ticket is tagged b"),
            (r#"{ not = { all = [{ tag = "a" }, { plan = "premium" }] } }"#,
                "it is not true that (the ticket is tagged a and the plan is premium)"),
            (r#"{ not = { not = { tag = "a" } } }"#, "the ticket is tagged a"),
            (r#"{ reopen_count_at_least = 2 }"#, "the ticket has been reopened at least twice"),
            (r#"{ not = { reopen_count_at_least = 3 } }"#, "the ticket has been reopened less than 3 times"),
            (r#"{ unanswered_customer_messages_at_least = 1 }"#, "at least 1 customer message is unanswered"),
            (r#"{ unanswered_customer_messages_at_least = 3 }"#, "at least 3 customer messages are unanswered"),
            (r#"{ age_hours_at_least = 24 }"#, "the ticket is at least 24 hours old"),
            (r#"{ not = { age_hours_at_least = 1 } }"#, "the ticket is less than 1 hour old"),
            (r#"{ not = { reopen_count_at_least = 1 } }"#, "the ticket has never been reopened"),
            (r#"{ not = { unanswered_customer_messages_at_least = 1 } }"#, "no customer message is unanswered"),
            (r#"{ not = { unanswered_customer_messages_at_least = 2 } }"#,
                "fewer than 2 customer messages are unanswered"),
            (r#"{ channel = ["api", "email"] }"#, "the channel is API or e-mail"),
            (r#"{ category = "Hardware", channel = "phone" }"#,
                "the category is Hardware and the channel is phone"),
        ];
        for (when, expected) in cases {
            assert_eq!(condition(when).describe(), *expected, "{when}");
        }
    }

    #[test]
    fn the_first_matching_criterion_wins() {
        let example = example();
        let security = CriterionFacts {
            priority: Priority::Urgent,
            category: Some("Security".into()),
            tier: None,
            age_hours: 0,
            ..facts()
        };
        let criterion = example.first_matching_criterion(&security).expect("the security rule");
        assert_eq!(criterion.name, "Security incidents go straight to the Security group");
        assert_eq!(criterion.action, CriterionAction::RouteTo("Security".into()));

        // Billing comes before the VIP escalation for the same ticket.
        let billing_vip = CriterionFacts { category: Some("Billing".into()), ..facts() };
        let criterion = example.first_matching_criterion(&billing_vip).expect("the billing rule");
        assert_eq!(criterion.action, CriterionAction::RouteTo("Billing & Accounts".into()));
        assert_eq!(example.first_matching_escalation(&billing_vip), None);

        let old_urgent = CriterionFacts { priority: Priority::Urgent, age_hours: 30, category: None, ..facts() };
        let criterion = example.first_matching_criterion(&old_urgent).expect("the age rule");
        assert_eq!(criterion.action, CriterionAction::EscalateToLevel(3));
        assert_eq!(example.first_matching_route(&old_urgent), None);

        let quiet = CriterionFacts { category: None, tags: vec![], ..facts() };
        assert_eq!(example.first_matching_criterion(&quiet), None);
    }

    #[test]
    fn levels_are_numbered_from_one() {
        let example = example();
        assert_eq!(example.level(0), None);
        assert_eq!(example.level(1).map(|level| level.holder.as_str()), Some("L1 Service Desk"));
        assert_eq!(example.level(3).map(|level| level.holder.as_str()), Some("L3 Engineering"));
        assert_eq!(example.level(4), None);
        let first = example.level(1).expect("level 1");
        assert_eq!(first.budget, Some(hours(2)));
        assert_eq!(first.reminders[1], Reminder { clock: ClockKind::TierBudget, at: 0.75 });
        assert_eq!(first.reminders[1].percent(), 75);
        let percents: Vec<u32> =
            example.ladder.iter().flat_map(|level| &level.reminders).map(Reminder::percent).collect();
        assert_eq!(percents, [50, 75, 75, 50, 75, 90]);
        assert_eq!(first.on_breach, [BreachAction::NextLevel, BreachAction::NotifyLead]);
    }

    #[test]
    fn every_whole_percent_is_accepted_and_recorded_exactly() {
        let reminders: Vec<String> =
            (1..100).map(|percent| format!("{{ clock = \"resolution\", at = 0.{percent:02} }}")).collect();
        let policy = policy(&format!(
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n\
             reminders = [{}]\n",
            reminders.join(", ")
        ));
        let percents: Vec<u32> = policy.ladder[0].reminders.iter().map(Reminder::percent).collect();
        assert_eq!(percents, (1..100).collect::<Vec<u32>>());
        assert_eq!(Policy::from_toml(&policy.to_toml()), Ok(policy));
    }

    #[test]
    fn check_names_finds_unknown_names_with_their_lines() {
        let source = r#"name = "P"
calendar = "Office hours"
[[targets]]
resolution = "4h"
calendar = "Around the clock"
[[criteria]]
name = "x"
when = { any = [{ category = "Securty" }, { tier = "L4 Wizards" }] }
route_to = "Security"
[[ladder]]
holder = "L1 Service desk"
[[checkpoints]]
tier = "L9"
public_update_every = "4h"
"#;
        let errors = policy(source).check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
        let found: Vec<(Option<usize>, &str)> =
            errors.iter().map(|error| (error.line, error.message.as_str())).collect();
        let all_tiers_and_groups = "known: \"L1 Service Desk\", \"L2 Specialists\", \"L3 Engineering\", \
                                    \"Service Desk\", \"Network\", \"Billing & Accounts\", \"Engineering\", \"Security\"";
        assert_eq!(
            found,
            vec![
                (
                    Some(2),
                    "\"Office hours\" is not a known calendar; known: \"Office hours (Berlin)\", \"Around the clock\""
                ),
                (Some(8), "\"Securty\" is not a known category; did you mean \"Security\"?"),
                (Some(8), format!("\"L4 Wizards\" is not a known tier or group; {all_tiers_and_groups}").as_str()),
                (Some(11), "\"L1 Service desk\" is not a known tier or group; did you mean \"L1 Service Desk\"?"),
                (Some(13), format!("\"L9\" is not a known tier or group; {all_tiers_and_groups}").as_str()),
            ]
        );
        // Names built in code have no line.
        let mut example = example();
        example.calendar = NameRef::new("Nowhere");
        let errors = example.check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
        assert_eq!(
            errors,
            vec![PolicyError::new(
                "\"Nowhere\" is not a known calendar; known: \"Office hours (Berlin)\", \"Around the clock\""
            )]
        );
        // Without any calendar, every calendar is unknown; those without a line come last.
        let errors = example.check_names(&DEMO_TIERS_AND_GROUPS, &[], &DEMO_CATEGORIES);
        let messages: Vec<(Option<usize>, &str)> =
            errors.iter().map(|error| (error.line, error.message.as_str())).collect();
        assert_eq!(
            messages,
            vec![
                (Some(21), "\"Around the clock\" is not a known calendar; there is no calendar yet"),
                (None, "\"Nowhere\" is not a known calendar; there is no calendar yet"),
            ]
        );
    }

    /// A small valid policy with one `[[notify]]` rule made of `keys`, which start on line 7.
    fn notify_rule(keys: &str) -> NotificationRule {
        let source = format!(
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n\
             [[notify]]\n{keys}"
        );
        policy(&source).notifications.remove(0)
    }

    #[test]
    fn a_notify_rule_reads_categories_and_the_urgent_flag() {
        let plain = notify_rule("events = \"breach\"\nto = \"lead\"\nchannels = \"email\"\n");
        assert_eq!((plain.categories.clone(), plain.urgent), (vec![], false));

        let one = notify_rule(
            "events = \"breach\"\ncategory = \"Security\"\nto = \"lead\"\nchannels = \"email\"\n",
        );
        assert_eq!(one.categories, vec![NameRef::new("Security")]);
        assert_eq!(one.categories[0].line(), Some(9));

        let several = notify_rule(
            "events = \"breach\"\ncategory = [\"Security\", \" Billing \"]\nto = \"lead\"\nchannels = \"email\"\n\
             urgent = true\n",
        );
        assert_eq!(several.categories, vec![NameRef::new("Security"), NameRef::new("Billing")]);
        assert!(several.urgent);

        let not_urgent =
            notify_rule("events = \"breach\"\nto = \"lead\"\nchannels = \"email\"\nurgent = false\n");
        assert!(!not_urgent.urgent);
    }

    #[test]
    fn categories_and_the_urgent_flag_round_trip_through_toml_and_json() {
        let mut policy = example();
        policy.notifications[1].categories = vec![NameRef::new("Security"), NameRef::new("Billing")];
        policy.notifications[1].urgent = true;
        policy.notifications[2].categories = vec![NameRef::new("Network & VPN")];
        let written = policy.to_toml();
        assert!(written.contains("category = [\"Security\", \"Billing\"]\nto = "), "{written}");
        assert!(written.contains("urgent = true"), "{written}");
        // Rules 1 and 3 of the example are urgent; the others do not say so.
        assert_eq!(written.matches("urgent = ").count(), 2, "only urgent rules say so:\n{written}");
        assert_eq!(Policy::from_toml(&written), Ok(policy.clone()));

        let json = serde_json::to_string(&policy).expect("a policy serialises");
        assert_eq!(serde_json::from_str::<Policy>(&json).expect("and deserialises"), policy);
        // A rule stored before the two fields existed reads as unfiltered and not urgent.
        let old = r#"{"events":["breach"],"priorities":[],"plans":[],"levels":[],"recipients":["lead"],"channels":["email"]}"#;
        let rule: NotificationRule = serde_json::from_str(old).expect("an older rule deserialises");
        assert_eq!((rule.categories, rule.urgent), (vec![], false));
    }

    #[test]
    fn check_names_finds_unknown_categories_of_notify_rules_with_their_lines() {
        let source = r#"name = "P"
calendar = "Office hours (Berlin)"
[[targets]]
resolution = "4h"
[[ladder]]
holder = "L1 Service Desk"
[[notify]]
events = ["breach"]
category = ["Security", "Biling"]
to = ["lead"]
channels = ["email"]
[[notify]]
events = ["created"]
category = [
  "Hardware",
  "Printers",
]
to = ["group"]
channels = ["in_app"]
"#;
        let errors = policy(source).check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
        let found: Vec<(Option<usize>, &str)> =
            errors.iter().map(|error| (error.line, error.message.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (Some(9), "\"Biling\" is not a known category; did you mean \"Billing\"?"),
                (
                    Some(16),
                    "\"Printers\" is not a known category; known: \"Access & accounts\", \"Billing\", \
                     \"Hardware\", \"Integrations & API\", \"Network & VPN\", \"Security\""
                ),
            ]
        );
        // Names compare exactly, as the category leaf of a condition does.
        let errors = policy(&source.replace("Biling", "Billing").replace("Printers", "hardware"))
            .check_names(&DEMO_TIERS_AND_GROUPS, &DEMO_CALENDARS, &DEMO_CATEGORIES);
        assert_eq!(
            errors,
            vec![PolicyError::at_line(
                16,
                "\"hardware\" is not a known category; did you mean \"Hardware\"?"
            )]
        );
    }

    #[test]
    fn the_markdown_says_which_categories_a_notify_rule_covers_and_whether_it_is_urgent() {
        let mut policy = example();
        policy.notifications[1].categories = vec![NameRef::new("Security"), NameRef::new("Billing")];
        policy.notifications[1].urgent = true;
        policy.notifications[7].urgent = true;
        let markdown = policy.to_markdown();
        for expected in [
            "- When a ticket is escalated or a target or budget is breached (priority high or urgent; category \
             Security or Billing), the group holding the ticket and the lead are told by in-app message and \
             e-mail, urgently (quiet hours and digests do not hold these messages).",
            "- When a reminder is due or a checkpoint is missed, the assignee is told by in-app message, urgently \
             (quiet hours and digests do not hold these messages).",
            "- When a ticket is created (priority urgent), the group holding the ticket is told by in-app message \
             and Slack.",
        ] {
            assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
        }
        // Rules 1, 3 (the Security escalations) and 7.
        assert_eq!(markdown.matches("urgently").count(), 3, "{markdown}");
    }

    #[test]
    fn the_markdown_reads_as_plain_english() {
        let markdown = example().to_markdown();
        for expected in [
            "# Standard support",
            "Clocks run on the calendar **Office hours (Berlin)** unless a targets rule names another.",
            "| Rule | Priority | Plan | First response | Next response | Resolution | Calendar |",
            "| 1 | urgent | enterprise, premium | 30 minutes | 1 hour | 4 hours | Around the clock |",
            "| 6 | any | any | 8 hours | 16 hours | 80 hours | Office hours (Berlin) |",
            "- **Pending (waiting on customer)** stops the resolution and tier budget clocks.",
            "1. **Security incidents go straight to the Security group**: When the category is Security and the \
             priority is high or urgent, route to Security.",
            "When the category is Billing or the ticket is tagged invoice or refund, route to Billing & Accounts.",
            "When the priority is urgent, the ticket is at least 24 hours old and the ticket is not tagged \
             waiting-on-vendor, escalate at once to level 3 (L3 Engineering).",
            "When the category is Access & accounts, the ticket is tagged vip and the current tier is not L2 \
             Specialists or L3 Engineering, escalate at once to level 2 (L2 Specialists).",
            "1. **L1 Service Desk** holds the ticket for 2 hours of business time.",
            "   - Reminders at 50 % of the first response target and at 75 % of the tier budget.",
            "   - When the budget runs out: move the ticket to level 2 (L2 Specialists) and notify the lead.",
            "   - When the budget runs out: move the ticket to level 3 (L3 Engineering), notify the managers and \
             raise the priority one step.",
            "   - Reminders at 75 % and 90 % of the resolution target.",
            "- When a ticket is escalated or a target or budget is breached (priority high or urgent), the group \
             holding the ticket and the lead are told by in-app message and e-mail, urgently (quiet hours and \
             digests do not hold these messages).",
            "- When a ticket is escalated or a target or budget is breached (plan enterprise; level 3), the \
             managers and duty-manager@example.com are told by e-mail and Microsoft Teams.",
            "- When a reminder is due or a checkpoint is missed, the assignee is told by in-app message.",
            "- When a target or budget is breached (priority urgent), the watchers are told by the webhook \
             status-page.",
            "- While **L3 Engineering** holds a ticket, a public update is due every 4 hours of business time.",
        ] {
            assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
        }
    }

    #[test]
    fn markdown_escapes_names_and_says_when_sections_are_empty() {
        let policy = policy(
            "name = \"*Fast* | support\"\ncalendar = \"C\"\n[pause]\npending = []\non_hold = []\n[[targets]]\nresolution = \"90m\"\n\
             [[ladder]]\nholder = \"L1_desk\"\n",
        );
        let markdown = policy.to_markdown();
        for expected in [
            "# \\*Fast\\* \\| support",
            "| 1 | any | any | — | — | 1 hour 30 minutes | C |",
            "No status stops a clock.",
            "No criteria: new tickets start at level 1 of the ladder.",
            "1. **L1\\_desk** holds the ticket with no time budget.",
            "No notification rules.",
            "No checkpoints.",
        ] {
            assert!(markdown.contains(expected), "missing {expected:?} in:\n{markdown}");
        }
    }

    #[test]
    fn percentages_and_durations_read_naturally() {
        assert_eq!(percent(0.75), "75 %");
        assert_eq!(percent(0.125), "12.5 %");
        assert_eq!(percent(1.0 / 3.0), "33.3 %");
        assert_eq!(percent(0.07), "7 %");
        assert_eq!(duration_in_words(minutes(61)), "1 hour 1 minute");
        assert_eq!(duration_in_words(Duration::seconds(90)), "1 minute 30 seconds");
    }

    #[test]
    fn the_words_of_policies_round_trip_through_their_text() {
        for clock in ClockKind::ALL {
            assert_eq!(ClockKind::parse(clock.as_str()), Some(*clock));
        }
        for action in BreachAction::ALL {
            assert_eq!(BreachAction::parse(action.as_str()), Some(*action));
        }
        for event in EventKind::ALL {
            assert_eq!(EventKind::parse(event.as_str()), Some(*event));
        }
        assert_eq!(ClockKind::TierBudget.label(), "Tier budget");
        assert_eq!(ClockKind::parse("tier-budget"), None);
        for text in ["assignee", "requester", "email:desk@example.com"] {
            assert_eq!(Recipient::parse(text).map(|recipient| recipient.as_text()), Ok(text.to_string()));
        }
        assert_eq!(
            Recipient::parse("email:Desk@Example.com"),
            Ok(Recipient::Email("desk@example.com".into()))
        );
        for text in ["in_app", "teams", "webhook:status-page"] {
            assert_eq!(
                NotificationChannel::parse(text).map(|channel| channel.as_text()),
                Ok(text.to_string())
            );
        }
        assert!(NotificationChannel::parse("webhook:").is_err());
        assert_eq!(
            serde_json::to_string(&ClockKind::FirstResponse).expect("serialises"),
            "\"first_response\""
        );
    }

    #[test]
    fn name_references_compare_by_name_and_remember_their_line() {
        let policy = policy(
            "name = \"P\"\ncalendar = \"C\"\n[[targets]]\nresolution = \"4h\"\n[[ladder]]\nholder = \"L1\"\n",
        );
        assert_eq!(policy.calendar.line(), Some(2));
        assert_eq!(policy.ladder[0].holder.line(), Some(6));
        assert_eq!(policy.calendar, NameRef::new("C"));
        assert_eq!(policy.calendar, "C");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn leaves() -> impl Strategy<Value = Condition> {
            let some = |pool: &'static [&'static str]| {
                proptest::sample::subsequence(pool, 1..=pool.len())
                    .prop_map(|words| words.into_iter().map(str::to_string).collect::<Vec<String>>())
            };
            prop_oneof![
                proptest::sample::subsequence(Priority::ALL, 1..=4).prop_map(Condition::Priority),
                some(&["standard", "premium", "enterprise"]).prop_map(Condition::Plan),
                some(&["Billing", "Security", "Network & VPN", "a \"quoted\" \\ name"])
                    .prop_map(|names| Condition::Category(names.into_iter().map(NameRef::from).collect())),
                proptest::sample::select(&["vip", "outage", "waiting-on-vendor"][..])
                    .prop_map(|tag| Condition::Tag(tag.to_string())),
                some(&["vip", "outage", "refund"]).prop_map(Condition::TagsAny),
                proptest::sample::subsequence(Channel::ALL, 1..=4).prop_map(Condition::Channel),
                (1i64..5).prop_map(Condition::ReopenCountAtLeast),
                (1i64..5).prop_map(Condition::UnansweredCustomerMessagesAtLeast),
                some(&["L1 Service Desk", "L2 Specialists"])
                    .prop_map(|names| Condition::Tier(names.into_iter().map(NameRef::from).collect())),
                (1i64..100).prop_map(Condition::AgeHoursAtLeast),
            ]
        }

        fn conditions() -> impl Strategy<Value = Condition> {
            leaves().prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 1..4).prop_map(Condition::All),
                    prop::collection::vec(inner.clone(), 1..4).prop_map(Condition::Any),
                    inner.prop_map(|condition| Condition::Not(Box::new(condition))),
                ]
            })
        }

        fn facts() -> impl Strategy<Value = CriterionFacts> {
            (
                proptest::sample::select(Priority::ALL),
                proptest::sample::select(&["standard", "premium", "enterprise"][..]),
                proptest::option::of(proptest::sample::select(&["Billing", "Security", "Network & VPN"][..])),
                proptest::sample::subsequence(&["vip", "outage", "refund"][..], 0..=3),
                proptest::sample::select(Channel::ALL),
                (0i64..6, 0i64..6, 0i64..120),
                proptest::option::of(proptest::sample::select(&["L1 Service Desk", "L2 Specialists"][..])),
            )
                .prop_map(
                    |(priority, plan, category, tags, channel, (reopened, unanswered, age), tier)| {
                        CriterionFacts {
                            priority,
                            plan: plan.to_string(),
                            category: category.map(str::to_string),
                            tags: tags.into_iter().map(str::to_string).collect(),
                            channel,
                            reopen_count: reopened,
                            unanswered_customer_messages: unanswered,
                            tier: tier.map(str::to_string),
                            age_hours: age,
                        }
                    },
                )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn written_durations_read_back_equal(seconds in 1i64..=MAX_DURATION_DAYS * 86_400) {
                let duration = Duration::seconds(seconds);
                prop_assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
            }

            #[test]
            fn a_damaged_policy_is_reported_with_lines_inside_it_and_never_panics(
                line in 0usize..400, replacement in "[a-z0-9 =\\[\\]{}\",._:-]{0,16}",
            ) {
                let mut lines: Vec<&str> = EXAMPLE_POLICY.lines().collect();
                let index = line % lines.len();
                lines[index] = &replacement;
                let source = lines.join("\n");
                match Policy::from_toml(&source) {
                    Ok(policy) => prop_assert_eq!(Policy::from_toml(&policy.to_toml()), Ok(policy)),
                    Err(errors) => {
                        prop_assert!(!errors.is_empty());
                        for error in errors.iter() {
                            let inside = error.line.is_none_or(|line| (1..=lines.len()).contains(&line));
                            prop_assert!(inside, "{} in:\n{}", error, source);
                        }
                    }
                }
            }

            #[test]
            fn any_condition_round_trips_through_to_toml_and_keeps_its_meaning(
                when in conditions(), name in "[^\u{0}]{0,12}[a-z][^\u{0}]{0,12}", facts in facts(),
            ) {
                let mut policy = example();
                policy.name = name.trim().to_string();
                policy.criteria[0].when = when.clone();
                let written = policy.to_toml();
                let read = Policy::from_toml(&written);
                prop_assert_eq!(read.as_ref(), Ok(&policy), "{}", written);
                let negated = Condition::Not(Box::new(when.clone()));
                prop_assert_eq!(negated.matches(&facts), !when.matches(&facts));
                prop_assert!(!when.describe().is_empty());
            }
        }
    }
}
