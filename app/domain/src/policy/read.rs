use std::collections::BTreeMap;
use std::ops::Range;

use chrono::Duration;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::condition::{join_words, Condition, MAX_CONDITION_DEPTH};
use super::duration::{format_duration, parse_duration};
use super::errors::PolicyErrors;
use super::model::{
    Checkpoint, Criterion, CriterionAction, Level, NotificationRule, Policy, Reminder, SlaRule,
};
use super::names::NameRef;
use super::vocabulary::{clock_words, BreachAction, EventKind, NotificationChannel, Recipient};
use crate::clock::{ClockKind, PauseRules};
use crate::document::LineError;
use crate::survey::{SurveyAudience, SurveySettings};
use crate::ticket::{Channel, Priority};
use crate::validation::{self, FieldErrors};

impl Policy {
    /// Reads a policy from TOML; see the module documentation for the format. Reports every
    /// problem found, each with its line; see the module documentation for what is checked.
    pub fn from_toml(source: &str) -> Result<Policy, PolicyErrors> {
        let (document, syntax_errors) = DeTable::parse_recoverable(source);
        if !syntax_errors.is_empty() {
            // Recovery after a syntax error may report follow-on errors on the same line; the
            // first one of each line is the useful one.
            let mut errors: Vec<LineError> = Vec::new();
            for error in syntax_errors {
                let line = error.span().map(|span| line_of(source, span.start));
                if line.is_none() || !errors.iter().any(|seen| seen.line == line) {
                    errors.push(LineError { line, message: error.message().to_string() });
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
                Err(PolicyErrors(vec![LineError::new("the policy could not be read")]))
            }
            _ => Err(PolicyErrors::sorted(reader.errors)),
        }
    }
}

/// The 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// Validates a short lowercase name (plan, tag, webhook) as the rest of the product does.
pub(super) fn slug(text: &str, label: &str) -> Result<String, String> {
    let mut errors = FieldErrors::default();
    let name = validation::slug(&mut errors, "name", label, text);
    match errors.0.into_iter().next() {
        Some(error) => Err(error.message),
        None => Ok(name),
    }
}

/// "\"hihg\" is not a priority; use low, normal, high or urgent (did you mean \"high\"?)".
pub(super) fn unknown_word(text: &str, noun: &str, words: &[&str]) -> String {
    let listed: Vec<String> = words.iter().map(ToString::to_string).collect();
    let mut message = format!("\"{text}\" is not {noun}; use {}", join_words(&listed, "or"));
    if let Some(similar) = closest_name(text, words) {
        message.push_str(&format!(" (did you mean \"{similar}\"?)"));
    }
    message
}

/// The candidate a typo most likely meant: equal ignoring case, or within a few edits.
pub(super) fn closest_name<'a>(text: &str, candidates: &[&'a str]) -> Option<&'a str> {
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

const POLICY_KEYS: [&str; 10] = [
    "name",
    "description",
    "calendar",
    "pause",
    "targets",
    "criteria",
    "ladder",
    "notify",
    "checkpoints",
    "survey",
];
const SURVEY_KEYS: [&str; 6] = ["ask", "plans", "valid_for", "remind_after", "at_most_one_per", "low_score"];
const TARGET_KEYS: [&str; 6] =
    ["priority", "plan", "first_response", "next_response", "resolution", "calendar"];
const CRITERION_KEYS: [&str; 4] = ["name", "when", "route_to", "escalate_to_level"];
pub(super) const CONDITION_KEYS: [&str; 13] = [
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
const LEVEL_KEYS: [&str; 5] = ["holder", "budget", "reminders", "on_breach", "stall_after"];
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
    errors: Vec<LineError>,
}

impl Reader<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        line_of(self.source, span.start)
    }

    fn error_at(&mut self, span: &Range<usize>, message: String) {
        let line = self.line(span);
        self.errors.push(LineError::at_line(line, message));
    }

    fn error_in(&mut self, span: Option<&Range<usize>>, message: String) {
        match span {
            Some(span) => self.error_at(span, message),
            None => self.errors.push(LineError::new(message)),
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
        let survey = match fields.get("survey") {
            Some(value) => self.survey(value),
            None => Some(SurveySettings::default()),
        };

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
            survey: survey?,
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
        let stall_after =
            fields.get("stall_after").and_then(|value| self.duration(value, &place, "stall_after"));
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
            stall_after,
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
                self.errors.push(LineError::at_line(
                    tier.line().unwrap_or(line),
                    format!("{place}: {tier} already has checkpoint {}; keep one per tier", first + 1),
                ));
            }
            checkpoints.push(Checkpoint { tier, public_update_every });
        }
        (self.errors.len() == before).then_some(checkpoints)
    }

    /// Reads `[survey]`; a key left out keeps its default (`SurveySettings::default`).
    fn survey(&mut self, value: &TomlValue<'_>) -> Option<SurveySettings> {
        let place = "[survey]";
        let DeValue::Table(table) = value.get_ref() else {
            self.error_at(
                &value.span(),
                "survey must be a [survey] section, like ask = \"every_resolved\"".to_string(),
            );
            return None;
        };
        let before = self.errors.len();
        let fields = self.fields(table, Some(value.span()), place, &SURVEY_KEYS);
        let mut settings = SurveySettings::default();
        if let Some(value) = fields.get("ask") {
            let words = SurveyAudience::words();
            let read =
                self.text(value, place, "ask").and_then(|text| match SurveyAudience::parse(text.trim()) {
                    Some(audience) => Some(audience),
                    None => {
                        self.error_at(
                            &value.span(),
                            format!("{place}: ask: {}", unknown_word(&text, "an audience", &words)),
                        );
                        None
                    }
                });
            settings.audience = read.unwrap_or(settings.audience);
        }
        if let Some(value) = fields.get("plans") {
            settings.plans = self.plans(value, place).unwrap_or_default();
        }
        if let Some(value) = fields.get("valid_for") {
            settings.valid_for = self.duration(value, place, "valid_for").unwrap_or(settings.valid_for);
        }
        if let Some(value) = fields.get("at_most_one_per") {
            settings.at_most_one_per =
                self.duration(value, place, "at_most_one_per").unwrap_or(settings.at_most_one_per);
        }
        if let Some(value) = fields.get("remind_after") {
            settings.remind_after = match value.get_ref() {
                DeValue::String(text) if text.trim() == "never" => None,
                _ => self.duration(value, place, "remind_after"),
            };
            if let Some(after) = settings.remind_after.filter(|after| *after >= settings.valid_for) {
                self.error_at(
                    &value.span(),
                    format!(
                        "{place}: remind_after ({}) must be shorter than valid_for ({}): the link would have expired; \
                         write \"never\" for no reminder",
                        format_duration(after),
                        format_duration(settings.valid_for)
                    ),
                );
            }
        }
        if let Some(value) = fields.get("low_score") {
            let low = self.whole_number(value, place, "low_score", 1, 4);
            settings.low_score = low.and_then(|low| u8::try_from(low).ok()).unwrap_or(settings.low_score);
        }
        (self.errors.len() == before).then_some(settings)
    }
}
