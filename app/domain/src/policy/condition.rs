use serde::{Deserialize, Serialize};

use super::duration::counted;
use super::model::NameKind;
use super::names::NameRef;
use crate::ticket::{Channel, Priority};

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
pub(super) const MAX_CONDITION_DEPTH: usize = 16;

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

    pub(super) fn phrase(&self, nested: bool) -> String {
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
    pub(super) fn visit_names<'a>(&'a self, visit: &mut impl FnMut(NameKind, &'a NameRef)) {
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
pub(super) fn join_words(words: &[String], last_word: &str) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} {last_word} {last}", rest.join(", ")),
    }
}
