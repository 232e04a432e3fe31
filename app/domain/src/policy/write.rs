use crate::survey::SurveySettings;

use super::condition::Condition;
use super::duration::format_duration;
use super::model::{CriterionAction, Policy};
use super::names::NameRef;
use super::vocabulary::{NotificationChannel, Recipient};

impl Policy {
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
            if let Some(stall_after) = level.stall_after {
                lines.push(format!("stall_after = \"{}\"", format_duration(stall_after)));
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
        if self.survey != SurveySettings::default() {
            let survey = &self.survey;
            lines.extend([String::new(), "[survey]".to_string()]);
            lines.push(format!("ask = {}", quote(survey.audience.as_str())));
            if !survey.plans.is_empty() {
                lines.push(format!("plans = {}", toml_list(survey.plans.iter())));
            }
            lines.push(format!("valid_for = \"{}\"", format_duration(survey.valid_for)));
            let remind_after = survey.remind_after.map_or("never".to_string(), format_duration);
            lines.push(format!("remind_after = \"{remind_after}\""));
            lines.push(format!("at_most_one_per = \"{}\"", format_duration(survey.at_most_one_per)));
            lines.push(format!("low_score = {}", survey.low_score));
        }
        lines.push(String::new());
        lines.join("\n")
    }
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
