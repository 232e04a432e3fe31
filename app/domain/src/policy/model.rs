use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::condition::{join_words, Condition, CriterionFacts};
use super::duration::{duration_text, optional_duration_text};
use super::errors::PolicyErrors;
use super::names::NameRef;
use super::read::closest_name;
use super::vocabulary::{BreachAction, EventKind, NotificationChannel, Recipient};
use crate::clock::{ClockKind, PauseRules, TargetRule};
use crate::document::LineError;
use crate::survey::SurveySettings;
use crate::ticket::{Priority, TicketStatus};

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
    pub(super) fn is_covered_by(&self, earlier: &SlaRule) -> bool {
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
    /// The business time after which the holder stalls a ticket it does nothing with (no public
    /// reply, internal note or status change); `None` for never. Its lead is told once per stall.
    #[serde(with = "optional_duration_text")]
    pub stall_after: Option<Duration>,
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
    /// `[survey]` in the file: who is asked for feedback after resolution, and for how long.
    #[serde(default)]
    pub survey: SurveySettings,
}

/// What kind of thing a name refers to, for [`Policy::check_names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NameKind {
    TierOrGroup,
    Calendar,
    Category,
}

impl Policy {
    /// The references to unknown tiers or groups, calendars and categories, each with the line
    /// where it appears (when the policy was read from a file). Names compare exactly.
    pub fn check_names(
        &self,
        known_tiers_and_groups: &[&str],
        known_calendars: &[&str],
        known_categories: &[&str],
    ) -> Vec<LineError> {
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
            errors.push(LineError { line: name.line(), message });
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
