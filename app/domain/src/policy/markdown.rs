use chrono::Duration;

use super::condition::join_words;
use super::duration::duration_in_words;
use super::model::{Criterion, CriterionAction, NotificationRule, Policy, Reminder};
use super::vocabulary::{clock_limit_phrase, BreachAction, NotificationChannel, Recipient};
use crate::clock::ClockKind;
use crate::survey::{SurveyAudience, SurveySettings};
use crate::ticket::TicketStatus;

impl Policy {
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
            if let Some(stall_after) = level.stall_after {
                lines.push(format!(
                    "   - Stalls after {} of business time without a reply, note or status change; its lead is told.",
                    duration_in_words(stall_after)
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

        lines.extend([String::new(), "## Satisfaction survey".to_string(), String::new()]);
        lines.extend(describe_survey(&self.survey));
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
pub(super) fn percent(fraction: f64) -> String {
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

/// The `[survey]` section as list items (its defaults when the document has none).
fn describe_survey(survey: &SurveySettings) -> Vec<String> {
    let asked = match survey.audience {
        SurveyAudience::Nobody => return vec!["- No satisfaction surveys are sent.".to_string()],
        SurveyAudience::EveryResolved => "every resolved ticket",
        SurveyAudience::EscalatedOnly => "a resolved ticket that was escalated",
    };
    let plans = if survey.plans.is_empty() {
        String::new()
    } else {
        format!(" when their organisation's plan is {}", markdown_text(&survey.plans.join(" or ")))
    };
    let reminder = match survey.remind_after {
        Some(after) => format!("one reminder after {} if unanswered", calendar_span(after)),
        None => "no reminder".to_string(),
    };
    vec![
        format!("- The requester of {asked} is asked for feedback{plans}."),
        format!("- The survey's link works once, for {}; {reminder}.", calendar_span(survey.valid_for)),
        format!(
            "- A customer is asked about at most one ticket every {}; a reopened ticket is asked again when it is resolved.",
            calendar_span(survey.at_most_one_per)
        ),
        format!(
            "- A score of {} or lower alerts the leads of the tiers that held the ticket and opens a review.",
            survey.low_score
        ),
    ]
}

/// Calendar time in words: whole days as days ("14 days"), anything else in hours and minutes.
fn calendar_span(duration: Duration) -> String {
    let days = duration.num_days();
    if days > 0 && duration == Duration::days(days) {
        if days == 1 {
            "1 day".to_string()
        } else {
            format!("{days} days")
        }
    } else {
        duration_in_words(duration)
    }
}
