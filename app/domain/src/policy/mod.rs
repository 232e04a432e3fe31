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
//! stall_after = "4h"                        # optional: no activity this long stalls a ticket
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

//!
//! The module is split by concern: the model and the questions the engine asks (`model.rs`),
//! reading TOML (`read.rs`) and writing it (`write.rs`), the Markdown rendering
//! (`markdown.rs`), conditions (`condition.rs`), durations (`duration.rs`), the closed sets of
//! words (`vocabulary.rs`), references to names configured elsewhere (`names.rs`) and the
//! collected reading errors (`errors.rs`).

mod condition;
mod duration;
mod errors;
mod markdown;
mod model;
mod names;
mod read;
mod vocabulary;
mod write;

pub use condition::{Condition, CriterionFacts};
pub use duration::{format_duration, parse_duration, MAX_DURATION_DAYS};
pub use errors::PolicyErrors;
pub use model::{
    Checkpoint, Criterion, CriterionAction, Level, MatchedTargets, NotificationRule, Policy, Reminder,
    SlaRule,
};
pub use names::NameRef;
pub use vocabulary::{BreachAction, EventKind, NotificationChannel, Recipient};

/// The clock kinds are those of the clock engine; re-exported because policies name them.
pub use crate::clock::ClockKind;

/// The demo's published policy, also shown in the documentation. It uses only the names of the
/// demo data (tiers, groups, calendars, categories and plans), and parses without errors.
pub const EXAMPLE_POLICY: &str = include_str!("../../../../docs/policy-example.toml");

#[cfg(test)]
mod tests;
