//! Notification rules applied: who hears about something that happened to a ticket, on which
//! channel, and from when.
//!
//! The escalation engine's [`NotificationIntent`](super::escalation::NotificationIntent)s and the
//! events of the write path become [`Occurrence`]s in the server's dispatcher, which asks
//! [`plan_deliveries`] what to store in its outbox. Everything here is pure: no IO, no clock reads
//! (the occurrence carries its instant), no randomness.
//!
//! What [`plan_deliveries`] promises:
//! - **Matching.** A `[[notify]]` rule applies when the occurrence's kind is one of its events and
//!   each of its non-empty filters holds: priority, plan (ignoring ASCII case), ladder level (a
//!   ticket at level 0 matches no level filter) and category (exact names; a ticket without a
//!   category matches no category filter). Every matching rule applies, not only the first.
//! - **Urgency.** A delivery is urgent when its rule says `urgent = true`, the ticket's
//!   priority is urgent, or the occurrence is a low satisfaction score (urgent by default: a
//!   customer who just told us we failed should not wait for a digest). Urgent deliveries are sent at once: quiet hours and digests never hold
//!   them.
//! - **Recipients.** Group, tier and lead are those holding the ticket: the group's active
//!   members; the active members of every group of the tier (the group's tier when only the group
//!   is known); the group's lead, else the tier's lead (the first of the two who is active).
//!   Managers are the active people with [`Role::Manager`]. `email:address` is a fixed address.
//!   Only people in the [`Audience`] who are active are told, and the person who caused the
//!   occurrence never is; fixed addresses and chat channels are told whoever caused it.
//! - **Breach actions.** [`BreachAction::NotifyLead`] adds the lead and
//!   [`BreachAction::NotifyManager`] the managers, each by in-app message and e-mail, urgently,
//!   whether or not a rule matches. [`BreachAction::Notify`] adds nobody: the engine already
//!   passes such breaches through the rules.
//! - **Fan-out.** In-app messages and e-mail go to each person (e-mail also to fixed addresses;
//!   a fixed address has no inbox in the app). Slack, Teams and webhooks get one message per
//!   occurrence and channel, addressed to the channel, naming everyone it is for.
//! - **No duplicates.** Each (channel, destination) is delivered once; the merged delivery is
//!   urgent when any copy was, and a chat message names everyone its copies named. A fixed
//!   address that is a recipient's own e-mail address is merged into that person's e-mail, so
//!   nobody gets the same e-mail twice.
//! - **Quiet hours.** Non-urgent e-mail to a person with a working calendar waits until the
//!   calendar is next open (the first business instant at or after the occurrence). In-app
//!   messages are silent and never wait. A calendar without any open time holds nothing: a
//!   broken calendar must not swallow mail.
//! - **Digests.** Non-urgent e-mail to a person with a digest interval `d` is marked as part of a
//!   digest and waits for the end of the interval containing the instant quiet hours allow.
//!   Intervals are aligned to the Unix epoch: the window of `t` ends at `(floor(t / d) + 1) * d`,
//!   so every delivery of one window carries the same instant and the sender can gather them.
//! - **Acknowledgement.** Once someone acknowledged the escalation at a level, reminders at that
//!   level are not told again; see [`is_suppressed_by_acknowledgement`]. A breach and a missed
//!   checkpoint are news the first time and always told (with their breach actions), and so is
//!   anything at another level.
//! - **Order.** The output is sorted by channel (in-app, e-mail, Slack, Teams, webhooks by name)
//!   and then destination (people by id, then addresses, then the channel itself), so the same
//!   input always gives the same list whatever the order of the rules.
//!
//! Mentions are written `@handle` ([`mentions`]): a person's handle is the local part of their
//! e-mail address ([`handle`]), a group's is its name in lowercase words joined by `-`
//! ([`group_handle`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::account::Role;
use super::calendar::Calendar;
use super::directory::{Group, Tier};
use super::policy::{BreachAction, EventKind, NotificationChannel, NotificationRule, Recipient};
use super::ticket::Priority;

/// What the dispatcher knows about the ticket when the thing happened.
/// (Criteria look at [`policy::CriterionFacts`](super::policy::CriterionFacts); this is about
/// who holds the ticket and who follows it.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSnapshot {
    pub ticket_id: i64,
    /// For the message; not used to decide anything.
    pub subject: String,
    /// The ticket's priority when it happened.
    pub priority: Priority,
    /// The lowercase plan of the customer's organisation.
    pub plan: String,
    /// The category's name, if the ticket has one.
    pub category: Option<String>,
    /// The ladder level, numbered from 1; 0 when the ticket is on no level.
    pub level: i64,
    /// The tier holding the ticket.
    pub tier_id: Option<i64>,
    /// The group holding the ticket.
    pub group_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub requester_id: i64,
    pub watcher_ids: Vec<i64>,
    /// The ladder level whose escalation someone acknowledged, if any.
    pub acknowledged_level: Option<i64>,
}

/// One thing people should hear about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub kind: EventKind,
    pub ticket: TicketSnapshot,
    /// The people mentioned, for `mentioned` recipients (see [`mentions`]).
    pub mentioned_ids: Vec<i64>,
    /// Who a breach action asks to tell beyond the rules, from the engine's intent.
    pub also_tell: Option<BreachAction>,
    /// Who caused it; never told about their own action. `None` for the engine.
    pub actor_id: Option<i64>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A person who may be told, with what noise control needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: i64,
    /// How chat messages name them.
    pub display_name: String,
    /// Where their e-mail goes; blank for none.
    pub email: String,
    pub role: Role,
    /// Inactive people are never told.
    pub active: bool,
    /// Their working hours: outside them non-urgent e-mail waits (quiet hours). None = always.
    pub calendar: Option<Calendar>,
    /// Gather non-urgent e-mail into one message per this interval. None = send each. An
    /// interval shorter than a millisecond counts as none.
    pub digest_every: Option<Duration>,
}

/// Everyone who may be told, and the organisation that says who holds a ticket.
#[derive(Clone, Copy, Debug)]
pub struct Audience<'a> {
    /// People not listed here are never told: whether they are active cannot be known.
    pub people: &'a [Contact],
    pub tiers: &'a [Tier],
    pub groups: &'a [Group],
}

/// Where a delivery goes. Ordered as the output is: people by id, then addresses, then the
/// channel itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// A person's inbox in the app, or their e-mail address.
    Person(i64),
    /// A fixed e-mail address from a rule (`email:address`).
    Address(String),
    /// The chat or webhook channel itself.
    Channel,
}

/// One message to store in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedDelivery {
    pub channel: NotificationChannel,
    pub destination: Destination,
    /// Sent at once, whatever quiet hours and digests say.
    pub urgent: bool,
    /// Not sent before this instant (quiet hours, digest window); = occurrence.at when nothing holds it.
    pub not_before: DateTime<Utc>,
    /// Part of a digest: the sender gathers it with the recipient's other digest deliveries.
    pub digest: bool,
    /// The names of the people the message is for (used in chat-channel messages): display names,
    /// and fixed addresses as written. Sorted, without repetitions.
    pub recipient_names: Vec<String>,
}

/// The deliveries an occurrence calls for under `rules`; see the module documentation for the
/// rules of matching, recipients, fan-out, merging, quiet hours, digests and acknowledgement.
/// Empty when the occurrence is suppressed by an acknowledgement.
pub fn plan_deliveries(
    occurrence: &Occurrence,
    rules: &[NotificationRule],
    audience: &Audience,
) -> Vec<PlannedDelivery> {
    let ticket = &occurrence.ticket;
    if is_suppressed_by_acknowledgement(occurrence.kind, ticket.level, ticket.acknowledged_level) {
        return Vec::new();
    }
    let resolver = Resolver { occurrence, audience };
    let mut plan = Plan::default();
    for rule in rules.iter().filter(|rule| rule_applies(rule, occurrence.kind, ticket)) {
        let urgent =
            rule.urgent || ticket.priority == Priority::Urgent || occurrence.kind == EventKind::LowScore;
        let targets: Vec<Target> =
            rule.recipients.iter().flat_map(|recipient| resolver.resolve(recipient)).collect();
        for channel in &rule.channels {
            plan.add(channel, &targets, urgent);
        }
    }
    let extra = match occurrence.also_tell {
        Some(BreachAction::NotifyLead) => Some(Recipient::Lead),
        Some(BreachAction::NotifyManager) => Some(Recipient::Managers),
        // `Notify` sent the occurrence through the rules already; the others tell nobody.
        Some(BreachAction::Notify | BreachAction::NextLevel | BreachAction::RaisePriority) | None => None,
    };
    if let Some(recipient) = extra {
        let targets = resolver.resolve(&recipient);
        for channel in [NotificationChannel::InApp, NotificationChannel::Email] {
            plan.add(&channel, &targets, true);
        }
    }
    plan.into_deliveries(occurrence.at, audience)
}

/// Whether an acknowledgement silences this occurrence: a reminder at the acknowledged level.
/// Someone has taken the escalation on, so reminding them of it is noise. A breach or a missed
/// checkpoint has not been heard before (each fires once), so it is always told; so is anything
/// at another level, and everything about the ticket itself (messages, mentions, resolution).
pub fn is_suppressed_by_acknowledgement(
    kind: EventKind,
    level: i64,
    acknowledged_level: Option<i64>,
) -> bool {
    kind == EventKind::Reminder && acknowledged_level == Some(level)
}

/// The people `@`-mentioned in `body`: active staff by [`handle`], and the active members of
/// groups by [`group_handle`]. Sorted, without repetitions.
///
/// Only staff can be mentioned. Customers of every organisation share one handle space, so a
/// handle that named a customer could tell another organisation's customer about a ticket
/// (its number and subject) they must never see; the requester hears of public replies anyway.
///
/// Handles compare ignoring case. An `@` right after a letter or digit is part of an e-mail
/// address, not a mention. A handle is the longest run of letters, digits, `.`, `_`, `-` and `+`
/// after the `@`; when that run names nobody, its trailing punctuation is dropped, so that
/// `@sam.patel.` at the end of a sentence still mentions sam.patel. Two people with the same
/// handle (the same local part at different domains) are both mentioned: telling one too many
/// beats guessing.
pub fn mentions(body: &str, people: &[Contact], groups: &[Group]) -> Vec<i64> {
    let mut mentioned = BTreeSet::new();
    for written in mentioned_handles(body) {
        let trimmed = written.trim_end_matches(|character: char| !character.is_alphanumeric());
        // The handle as written wins, so a handle that really ends in `_` is found as well.
        let found = [written.as_str(), trimmed]
            .into_iter()
            .map(|candidate| handle_owners(candidate, people, groups))
            .find(|owners| !owners.is_empty());
        mentioned.extend(found.into_iter().flatten());
    }
    mentioned.into_iter().collect()
}

/// The active people a handle names: people by [`handle`], members of groups by [`group_handle`].
fn handle_owners(candidate: &str, people: &[Contact], groups: &[Group]) -> Vec<i64> {
    let mentionable = |person: &Contact| person.active && person.role.is_staff();
    let active = |id: i64| people.iter().any(|person| person.id == id && mentionable(person));
    let by_person = people.iter().filter(|person| mentionable(person) && handle(&person.email) == candidate);
    let by_group = groups
        .iter()
        .filter(|group| group_handle(&group.name) == candidate)
        .flat_map(|group| group.member_ids.iter().copied().filter(|id| active(*id)));
    by_person.map(|person| person.id).chain(by_group).collect()
}

/// A person's `@handle`: the lowercase local part of their e-mail address
/// (`Sam.Patel@example.com` → `sam.patel`).
pub fn handle(person_email: &str) -> String {
    let email = person_email.trim();
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    local.to_lowercase()
}

/// A group's `@handle`: its name in lowercase, each run of characters other than letters and
/// digits turned into one `-`, none at either end (`L2 Specialists` → `l2-specialists`,
/// `Billing & Accounts` → `billing-accounts`).
pub fn group_handle(group_name: &str) -> String {
    let mut handle = String::with_capacity(group_name.len());
    let mut in_gap = false;
    for character in group_name.chars() {
        if character.is_alphanumeric() {
            if in_gap && !handle.is_empty() {
                handle.push('-');
            }
            in_gap = false;
            handle.extend(character.to_lowercase());
        } else {
            in_gap = true;
        }
    }
    handle
}

// ---------------------------------------------------------------------------------------------
// Matching and recipients
// ---------------------------------------------------------------------------------------------

/// Whether `rule` applies to an occurrence of `kind` about `ticket`.
fn rule_applies(rule: &NotificationRule, kind: EventKind, ticket: &TicketSnapshot) -> bool {
    rule.events.contains(&kind)
        && (rule.priorities.is_empty() || rule.priorities.contains(&ticket.priority))
        && (rule.plans.is_empty()
            || rule.plans.iter().any(|plan| plan.eq_ignore_ascii_case(ticket.plan.trim())))
        && (rule.levels.is_empty()
            || usize::try_from(ticket.level).is_ok_and(|level| rule.levels.contains(&level)))
        && (rule.categories.is_empty()
            || ticket
                .category
                .as_deref()
                .is_some_and(|category| rule.categories.iter().any(|own| *own == category)))
}

/// Someone a recipient word resolved to.
#[derive(Clone, Debug)]
enum Target<'a> {
    Person(&'a Contact),
    Address(String),
}

/// Turns recipient words into people for one occurrence.
struct Resolver<'o, 'a> {
    occurrence: &'o Occurrence,
    audience: &'o Audience<'a>,
}

impl<'a> Resolver<'_, 'a> {
    /// The person with this id if they are known and active, whoever caused the occurrence.
    fn active_person(&self, id: i64) -> Option<&'a Contact> {
        self.audience.people.iter().find(|person| person.id == id && person.active)
    }

    /// Who may be told of the people with these ids: known, active and not the actor.
    fn told(&self, ids: impl IntoIterator<Item = i64>) -> Vec<Target<'a>> {
        ids.into_iter()
            .filter(|id| Some(*id) != self.occurrence.actor_id)
            .filter_map(|id| self.active_person(id))
            .map(Target::Person)
            .collect()
    }

    fn holding_group(&self) -> Option<&'a Group> {
        let id = self.occurrence.ticket.group_id?;
        self.audience.groups.iter().find(|group| group.id == id)
    }

    fn holding_tier_id(&self) -> Option<i64> {
        self.occurrence.ticket.tier_id.or_else(|| self.holding_group().map(|group| group.tier_id))
    }

    /// The group's lead, else the tier's: the first of them who is known and active.
    fn lead_id(&self) -> Option<i64> {
        let tier_id = self.holding_tier_id();
        let tier = tier_id.and_then(|id| self.audience.tiers.iter().find(|tier| tier.id == id));
        [self.holding_group().and_then(|group| group.lead_id), tier.and_then(|tier| tier.lead_id)]
            .into_iter()
            .flatten()
            .find(|id| self.active_person(*id).is_some())
    }

    fn resolve(&self, recipient: &Recipient) -> Vec<Target<'a>> {
        let ticket = &self.occurrence.ticket;
        match recipient {
            Recipient::Assignee => self.told(ticket.assignee_id),
            Recipient::Group => {
                self.told(self.holding_group().into_iter().flat_map(|group| group.member_ids.iter().copied()))
            }
            Recipient::Tier => {
                let Some(tier_id) = self.holding_tier_id() else { return Vec::new() };
                let groups = self.audience.groups.iter().filter(|group| group.tier_id == tier_id);
                self.told(groups.flat_map(|group| group.member_ids.iter().copied()))
            }
            Recipient::Lead => self.told(self.lead_id()),
            Recipient::Managers => self.told(
                self.audience.people.iter().filter(|person| person.role.is_manager()).map(|person| person.id),
            ),
            Recipient::Watchers => self.told(ticket.watcher_ids.iter().copied()),
            Recipient::Mentioned => self.told(self.occurrence.mentioned_ids.iter().copied()),
            Recipient::Requester => self.told([ticket.requester_id]),
            Recipient::Email(address) => vec![Target::Address(address.clone())],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fan-out, merging and timing
// ---------------------------------------------------------------------------------------------

/// A channel as a sort key, in the order of the output: in-app, e-mail, Slack, Teams, webhooks by
/// name. (`NotificationChannel` has no order of its own.)
type ChannelKey = (u8, String);

fn channel_key(channel: &NotificationChannel) -> ChannelKey {
    match channel {
        NotificationChannel::InApp => (0, String::new()),
        NotificationChannel::Email => (1, String::new()),
        NotificationChannel::Slack => (2, String::new()),
        NotificationChannel::Teams => (3, String::new()),
        NotificationChannel::Webhook(name) => (4, name.clone()),
    }
}

/// A delivery before merging is finished and timing is known.
#[derive(Debug)]
struct Draft {
    channel: NotificationChannel,
    urgent: bool,
    names: BTreeSet<String>,
}

/// The drafts by (channel order, destination): one per (channel, destination), in output order.
#[derive(Debug, Default)]
struct Plan {
    drafts: BTreeMap<(ChannelKey, Destination), Draft>,
}

impl Plan {
    fn insert(
        &mut self,
        channel: &NotificationChannel,
        destination: Destination,
        urgent: bool,
        names: &[String],
    ) {
        let draft = self.drafts.entry((channel_key(channel), destination)).or_insert_with(|| Draft {
            channel: channel.clone(),
            urgent: false,
            names: BTreeSet::new(),
        });
        draft.urgent |= urgent;
        draft.names.extend(names.iter().cloned());
    }

    fn add(&mut self, channel: &NotificationChannel, targets: &[Target], urgent: bool) {
        let name = |target: &Target| match target {
            Target::Person(person) => person.display_name.clone(),
            Target::Address(address) => address.clone(),
        };
        match channel {
            NotificationChannel::InApp => {
                for target in targets {
                    // A fixed address has no inbox in the app.
                    if let Target::Person(person) = target {
                        self.insert(channel, Destination::Person(person.id), urgent, &[name(target)]);
                    }
                }
            }
            NotificationChannel::Email => {
                for target in targets {
                    match target {
                        Target::Person(person) if person.email.trim().is_empty() => {}
                        Target::Person(person) => {
                            self.insert(channel, Destination::Person(person.id), urgent, &[name(target)])
                        }
                        Target::Address(address) => self.insert(
                            channel,
                            Destination::Address(address.clone()),
                            urgent,
                            &[name(target)],
                        ),
                    }
                }
            }
            // The channel is told even when no person is left to name: it is an audience itself.
            NotificationChannel::Slack | NotificationChannel::Teams | NotificationChannel::Webhook(_) => {
                let names: Vec<String> = targets.iter().map(name).collect();
                self.insert(channel, Destination::Channel, urgent, &names);
            }
        }
    }

    fn into_deliveries(mut self, at: DateTime<Utc>, audience: &Audience) -> Vec<PlannedDelivery> {
        let person = |id: i64| audience.people.iter().find(|person| person.id == id);
        self.merge_addresses_into_people(person);
        self.drafts
            .into_iter()
            .map(|((_, destination), draft)| {
                let held = match (&draft.channel, &destination) {
                    (NotificationChannel::Email, Destination::Person(id)) if !draft.urgent => person(*id),
                    _ => None,
                };
                let (not_before, digest) = held.map_or((at, false), |person| hold(person, at));
                PlannedDelivery {
                    channel: draft.channel,
                    destination,
                    urgent: draft.urgent,
                    not_before,
                    digest,
                    recipient_names: draft.names.into_iter().collect(),
                }
            })
            .collect()
    }

    /// A fixed address that is also the e-mail of a person being e-mailed would get the same
    /// message twice; it becomes that person's e-mail, urgent if either was.
    fn merge_addresses_into_people<'p>(&mut self, person: impl Fn(i64) -> Option<&'p Contact>) {
        let email = channel_key(&NotificationChannel::Email);
        let mut owners: BTreeMap<String, i64> = BTreeMap::new();
        for (channel, destination) in self.drafts.keys() {
            if let (true, Destination::Person(id)) = (*channel == email, destination) {
                if let Some(person) = person(*id) {
                    owners.entry(person.email.trim().to_lowercase()).or_insert(*id);
                }
            }
        }
        let merged: Vec<(String, i64)> = self
            .drafts
            .keys()
            .filter_map(|(channel, destination)| match destination {
                Destination::Address(address) if *channel == email => {
                    owners.get(&address.trim().to_lowercase()).map(|id| (address.clone(), *id))
                }
                _ => None,
            })
            .collect();
        for (address, id) in merged {
            let removed = self.drafts.remove(&(email.clone(), Destination::Address(address)));
            if let Some(kept) = self.drafts.get_mut(&(email.clone(), Destination::Person(id))) {
                kept.urgent |= removed.is_some_and(|draft| draft.urgent);
            }
        }
    }
}

/// When a non-urgent e-mail to `person` may go, and whether it is part of a digest.
fn hold(person: &Contact, at: DateTime<Utc>) -> (DateTime<Utc>, bool) {
    let quiet_until = quiet_hours_end(person.calendar.as_ref(), at);
    match person.digest_every.filter(|every| every.num_milliseconds() > 0) {
        Some(every) => (digest_window_end(quiet_until, every), true),
        None => (quiet_until, false),
    }
}

/// The first instant at or after `at` when `calendar` is open; `at` without a calendar, or when
/// the calendar has no open time to find.
fn quiet_hours_end(calendar: Option<&Calendar>, at: DateTime<Utc>) -> DateTime<Utc> {
    calendar
        .and_then(|calendar| calendar.add_business_time(at, Duration::zero(), &[]).ok())
        .filter(|open| *open >= at)
        .unwrap_or(at)
}

/// The end of the digest window containing `instant`, windows of `every` (at least a
/// millisecond) aligned to the Unix epoch: always after `instant`. Counted in milliseconds.
fn digest_window_end(instant: DateTime<Utc>, every: Duration) -> DateTime<Utc> {
    let every = every.num_milliseconds();
    if every <= 0 {
        return instant;
    }
    let window = instant.timestamp_millis().div_euclid(every);
    window
        .checked_add(1)
        .and_then(|next| next.checked_mul(every))
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or(instant)
}

/// The texts after each `@` that starts a mention, in lowercase, trailing punctuation included.
fn mentioned_handles(body: &str) -> Vec<String> {
    let is_handle_character =
        |character: char| character.is_alphanumeric() || matches!(character, '.' | '_' | '-' | '+');
    let mut handles = Vec::new();
    let mut previous: Option<char> = None;
    for (index, character) in body.char_indices() {
        if character == '@' && !previous.is_some_and(char::is_alphanumeric) {
            let rest = &body[index + character.len_utf8()..];
            let length: usize = rest
                .chars()
                .take_while(|character| is_handle_character(*character))
                .map(char::len_utf8)
                .sum();
            if length > 0 {
                handles.push(rest[..length].to_lowercase());
            }
        }
        previous = Some(character);
    }
    handles
}

#[cfg(test)]
mod tests;
