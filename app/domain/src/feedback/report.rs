//! The feedback report: the figures of the surveys offered in a period, overall and grouped by
//! escalation path, tier, group, agent, category, priority, plan, channel, escalated or not, each
//! clock's target met or missed, and week. The same report feeds `/reports/feedback`, its CSV and
//! `tierline analyse --json`, so they always agree.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::period::Period;
use serde::{Deserialize, Serialize};

use super::{EscalationManner, EscalationPath, FeedbackFigures, FeedbackRecord};
use crate::directory::Directory;
use crate::ticket::{Channel, ClockKind, Priority};
use crate::validation::FieldErrors;

named_enum! {
    /// How the report groups surveys. A ticket held by several tiers (or groups) counts for each.
    Grouping {
        Path => "path", "Escalation path",
        Escalated => "escalated", "Escalated or not",
        Targets => "targets", "Targets met or missed",
        Tier => "tier", "Tier",
        Group => "group", "Group",
        Agent => "agent", "Agent",
        Category => "category", "Category",
        Priority => "priority", "Priority",
        Plan => "plan", "Plan",
        Channel => "channel", "Channel",
        Week => "week", "Week offered",
    }
}

/// The period when none is asked for: the last 90 days, today included.
pub const DEFAULT_DAYS: i64 = 90;

/// What the feedback report is asked for, as the URL has it: the period's first and last days
/// (`YYYY-MM-DD`, UTC) and, to drill down, a grouping and one of its keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedbackQuery {
    pub from: String,
    pub to: String,
    pub grouping: String,
    pub key: String,
    /// `"with"` lists only the answers that have a comment.
    pub comments: String,
}

/// The feedback report page: the period, the figures, and the answers of the drill-down.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackPage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub report: FeedbackReport,
    /// The group drilled into, as people read it ("Tier: L2 Specialists"), if any.
    pub drill: Option<String>,
    /// The answers (of the drill-down, or all), newest first; at most a page of them.
    pub answers: Vec<AnswerRow>,
    /// How many answers there are in all.
    pub answer_count: usize,
}

/// One answer in the list under the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerRow {
    pub ticket_id: i64,
    pub subject: String,
    pub answered_at: DateTime<Utc>,
    pub answer: crate::survey::SurveyAnswer,
    /// The escalation path, as the report names it.
    pub path: String,
}

/// One offered survey with everything the report groups it by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyFacts {
    pub record: FeedbackRecord,
    pub offered_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The subject, for the list of answers.
    pub subject: String,
    pub category_id: Option<i64>,
    pub priority: Priority,
    /// The lowercase plan of the customer's organisation.
    pub plan: String,
    pub channel: Channel,
    /// The groups that held the ticket, in order of arrival.
    pub groups: Vec<i64>,
    /// The agent the ticket was assigned to when it was resolved.
    pub agent_id: Option<i64>,
}

/// A group's row: its key as people read it (and as the URL names it), and its figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    /// What the URL's `key` says to drill down into this row.
    pub key: String,
    pub label: String,
    pub figures: FeedbackFigures,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSection {
    pub grouping: Grouping,
    pub rows: Vec<ReportRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackReport {
    pub overall: FeedbackFigures,
    pub sections: Vec<ReportSection>,
}

/// The report of `surveys`, with names from `names` (the tiers, groups, categories and agents).
pub fn feedback_report(surveys: &[SurveyFacts], names: &Directory) -> FeedbackReport {
    let records: Vec<FeedbackRecord> = surveys.iter().map(|survey| survey.record.clone()).collect();
    let overall = FeedbackFigures::of(&records);
    let sections = Grouping::ALL
        .iter()
        .map(|grouping| {
            let mut groups: BTreeMap<(String, String), FeedbackFigures> = BTreeMap::new();
            for survey in surveys {
                for key in keys_of(*grouping, survey, names) {
                    groups.entry(key).or_default().count(&survey.record);
                }
            }
            let rows = groups
                .into_iter()
                .map(|((key, label), figures)| ReportRow {
                    key: key.trim_start_matches(SORT_PREFIX).to_string(),
                    label,
                    figures,
                })
                .collect();
            ReportSection { grouping: *grouping, rows }
        })
        .collect();
    FeedbackReport { overall, sections }
}

/// Keys that begin with this sort before the rest and lose it when shown ("not escalated" first).
const SORT_PREFIX: &str = "!";

/// The (key, label) pairs `survey` counts under in `grouping`.
pub fn keys_of(grouping: Grouping, survey: &SurveyFacts, names: &Directory) -> Vec<(String, String)> {
    let record = &survey.record;
    let tier_name = |id: i64| names.tier_name(Some(id)).unwrap_or("a removed tier").to_string();
    match grouping {
        Grouping::Path => {
            let key = record.path.tiers.iter().map(i64::to_string).collect::<Vec<_>>().join("-");
            let label = describe_path(&record.path, names);
            let manner = match record.path.manner {
                EscalationManner::NotEscalated => "none",
                EscalationManner::Automatic => "automatic",
                EscalationManner::ByHand => "by_hand",
                EscalationManner::Mixed => "mixed",
            };
            vec![(format!("{key}:{manner}"), label)]
        }
        Grouping::Tier => record.path.tiers.iter().map(|tier| (tier.to_string(), tier_name(*tier))).collect(),
        Grouping::Group => survey
            .groups
            .iter()
            .map(|group| {
                (group.to_string(), names.group_name(Some(*group)).unwrap_or("a removed group").to_string())
            })
            .collect(),
        Grouping::Agent => vec![match survey.agent_id {
            Some(agent) => {
                (agent.to_string(), names.agent_name(Some(agent)).unwrap_or("a removed agent").to_string())
            }
            None => (format!("{SORT_PREFIX}none"), "Nobody assigned".to_string()),
        }],
        Grouping::Category => vec![match survey.category_id {
            Some(category) => (
                category.to_string(),
                names.category_name(Some(category)).unwrap_or("a removed category").to_string(),
            ),
            None => (format!("{SORT_PREFIX}none"), "No category".to_string()),
        }],
        Grouping::Priority => {
            vec![(survey.priority.as_str().to_string(), survey.priority.label().to_string())]
        }
        Grouping::Plan => vec![(survey.plan.clone(), survey.plan.clone())],
        Grouping::Channel => vec![(survey.channel.as_str().to_string(), survey.channel.label().to_string())],
        Grouping::Escalated => vec![if record.path.manner == EscalationManner::NotEscalated {
            (format!("{SORT_PREFIX}no"), "Not escalated".to_string())
        } else {
            ("yes".to_string(), "Escalated".to_string())
        }],
        Grouping::Targets => ClockKind::ALL
            .iter()
            .map(|clock| {
                if record.breached.contains(clock) {
                    (format!("{}:missed", clock.as_str()), format!("{} target missed", clock.label()))
                } else {
                    (format!("{}:met", clock.as_str()), format!("{} target met", clock.label()))
                }
            })
            .collect(),
        Grouping::Week => {
            let monday = week_of(survey.offered_at);
            vec![(monday.to_string(), format!("Week of {monday}"))]
        }
    }
}

/// An escalation path as people read it: "L1 Service Desk → L2 Specialists (by hand)", or
/// "L1 Service Desk only".
pub fn describe_path(path: &EscalationPath, names: &Directory) -> String {
    let tiers: Vec<&str> =
        path.tiers.iter().map(|tier| names.tier_name(Some(*tier)).unwrap_or("a removed tier")).collect();
    match tiers.as_slice() {
        [] => "No tier".to_string(),
        [only] => format!("{only} only"),
        _ => format!("{} ({})", tiers.join(" → "), path.manner.label().to_lowercase()),
    }
}

/// Whether `survey` counts under `key` (a row's key, as the URL names it) in `grouping`.
pub fn belongs_to(grouping: Grouping, survey: &SurveyFacts, names: &Directory, key: &str) -> bool {
    keys_of(grouping, survey, names).iter().any(|(wanted, _)| wanted.trim_start_matches(SORT_PREFIX) == key)
}

/// The Monday (UTC) of the week `at` falls in.
pub fn week_of(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// What a [`FeedbackQuery`] asks for once read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AskedReport {
    /// The period's first and last days, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The grouping and the key of the group whose answers to list, if any.
    pub drill: Option<(Grouping, String)>,
    /// List only the answers with a comment.
    pub with_comments: bool,
}

impl FeedbackQuery {
    /// What this query asks for, every wrong field named; the period defaults to the
    /// [`DEFAULT_DAYS`] up to `today`.
    pub fn read(&self, today: NaiveDate) -> Result<AskedReport, FieldErrors> {
        let query = self;
        let mut errors = FieldErrors::default();
        let Period { from, to } = Period::read(&mut errors, &query.from, &query.to, DEFAULT_DAYS, today);
        let drill = match (query.grouping.trim(), query.key.trim()) {
            ("", _) => None,
            (word, key) => match Grouping::parse(word) {
                Some(grouping) => Some((grouping, key.to_string())),
                None => {
                    errors.push("grouping", "Choose one of the report's groupings.");
                    None
                }
            },
        };
        let with_comments = match query.comments.trim() {
            "" => false,
            "with" => true,
            _ => {
                errors.push(
                    "comments",
                    "Leave it empty for every answer, or \"with\" for those with a comment.",
                );
                false
            }
        };
        errors.into_result(AskedReport { from, to, drill, with_comments })
    }
}

/// The report's figures as CSV (RFC 4180: a header row, CRLF line ends, quoted where needed,
/// UTF-8): one row per group of every grouping, after the overall row.
pub fn feedback_csv(page: &FeedbackPage) -> String {
    let mut csv = String::new();
    let header = [
        "grouping",
        "group",
        "offered",
        "answered",
        "response_rate",
        "satisfied",
        "csat_share",
        "csat_ci_low",
        "csat_ci_high",
        "mean_csat",
        "effort_answers",
        "mean_effort",
        "enough_to_compare",
    ];
    push_row(&mut csv, header.iter().map(|cell| cell.to_string()));
    let mut push_figures = |grouping: &str, group: &str, figures: &FeedbackFigures| {
        let interval = figures.satisfied.interval_95();
        push_row(
            &mut csv,
            [
                grouping.to_string(),
                group.to_string(),
                figures.responses.trials.to_string(),
                figures.responses.successes.to_string(),
                decimal(figures.responses.share()),
                figures.satisfied.successes.to_string(),
                decimal(figures.satisfied.share()),
                decimal(interval.map(|(low, _)| low)),
                decimal(interval.map(|(_, high)| high)),
                decimal(figures.mean_csat()),
                figures.effort_answers.to_string(),
                decimal(figures.mean_effort()),
                figures.satisfied.is_enough_to_compare().to_string(),
            ]
            .into_iter(),
        );
    };
    push_figures("overall", "all surveys", &page.report.overall);
    for section in &page.report.sections {
        for row in &section.rows {
            push_figures(section.grouping.as_str(), &row.label, &row.figures);
        }
    }
    csv
}

/// A figure with four decimals, or empty when there is none.
fn decimal(value: Option<f64>) -> String {
    value.map(|value| format!("{value:.4}")).unwrap_or_default()
}

/// Appends one CSV row of `cells`, quoted where RFC 4180 needs it, with a CRLF.
pub(crate) fn push_row(csv: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells
        .map(|cell| {
            if cell.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell
            }
        })
        .collect();
    csv.push_str(&cells.join(","));
    csv.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::SurveyAnswer;
    use crate::test_support::{demo_directory, utc};
    use std::collections::BTreeSet;

    fn survey(ticket_id: i64, tiers: Vec<i64>, manner: EscalationManner, csat: Option<u8>) -> SurveyFacts {
        SurveyFacts {
            record: FeedbackRecord {
                ticket_id,
                answer: csat.map(|csat| SurveyAnswer { csat, effort: None, comment: None }),
                path: EscalationPath { tiers, manner },
                breached: if ticket_id % 2 == 0 {
                    BTreeSet::from([ClockKind::Resolution])
                } else {
                    BTreeSet::new()
                },
            },
            offered_at: utc("2026-03-04 10:00") + Duration::days(ticket_id),
            answered_at: None,
            subject: format!("Ticket {ticket_id}"),
            category_id: None,
            priority: Priority::Normal,
            plan: "standard".into(),
            channel: Channel::Portal,
            groups: Vec::new(),
            agent_id: None,
        }
    }

    #[test]
    fn each_grouping_counts_every_survey_where_it_belongs() {
        let names = demo_directory();
        let l1 = names.tiers[0].id;
        let l2 = names.tiers[1].id;
        let surveys = vec![
            survey(1, vec![l1], EscalationManner::NotEscalated, Some(5)),
            survey(2, vec![l1, l2], EscalationManner::ByHand, Some(2)),
            survey(3, vec![l1, l2], EscalationManner::ByHand, None),
            survey(4, vec![l1, l2], EscalationManner::Automatic, Some(4)),
        ];
        let report = feedback_report(&surveys, &names);
        assert_eq!(report.overall.responses.trials, 4);
        assert_eq!(report.overall.responses.successes, 3);
        assert_eq!(report.overall.satisfied.successes, 2);
        let section =
            |grouping| report.sections.iter().find(|section| section.grouping == grouping).expect("section");
        let paths = section(Grouping::Path);
        let labels: Vec<(&str, u64, u64)> = paths
            .rows
            .iter()
            .map(|row| (row.label.as_str(), row.figures.responses.trials, row.figures.satisfied.successes))
            .collect();
        let (n1, n2) = (&names.tiers[0].name, &names.tiers[1].name);
        assert_eq!(
            labels,
            [
                (format!("{n1} → {n2} (automatic)").as_str(), 1, 1),
                (format!("{n1} → {n2} (by hand)").as_str(), 2, 0),
                (format!("{n1} only").as_str(), 1, 1),
            ]
        );
        // A ticket counts for every tier it passed.
        let tiers = section(Grouping::Tier);
        assert_eq!(tiers.rows.iter().map(|row| row.figures.responses.trials).collect::<Vec<_>>(), [4, 3]);
        let escalated = section(Grouping::Escalated);
        assert_eq!(escalated.rows[0].label, "Not escalated");
        assert_eq!(escalated.rows[0].key, "no");
        assert_eq!(escalated.rows[1].figures.responses.trials, 3);
        // Each clock kind has a met and a missed row only where some survey is in it.
        let targets = section(Grouping::Targets);
        let resolution_missed =
            targets.rows.iter().find(|row| row.key == "resolution:missed").expect("missed");
        assert_eq!(resolution_missed.figures.responses.trials, 2);
        let weeks = section(Grouping::Week);
        assert_eq!(weeks.rows.iter().map(|row| row.figures.responses.trials).sum::<u64>(), 4);
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_of(utc("2026-03-08 23:59")).to_string(), "2026-03-02");
        assert_eq!(week_of(utc("2026-03-09 00:00")).to_string(), "2026-03-09");
    }

    fn query(from: &str, to: &str, grouping: &str) -> FeedbackQuery {
        FeedbackQuery {
            from: from.into(),
            to: to.into(),
            grouping: grouping.into(),
            key: "1".into(),
            comments: String::new(),
        }
    }

    #[test]
    fn the_period_defaults_to_ninety_days_and_names_wrong_fields() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
        let AskedReport { from, to, drill, with_comments } =
            FeedbackQuery::default().read(today).expect("defaults");
        assert!(!with_comments);
        assert_eq!(
            (from.to_string(), to.to_string(), drill),
            ("2026-09-08".into(), "2026-12-06".into(), None)
        );
        let drill = query("2026-01-01", "2026-01-31", "tier").read(today).expect("valid").drill;
        assert_eq!(drill, Some((Grouping::Tier, "1".to_string())));
        let fields = |query: FeedbackQuery| -> Vec<String> {
            match query.read(today) {
                Err(errors) => errors.0.into_iter().map(|error| error.field).collect(),
                other => panic!("refused expected, got {other:?}"),
            }
        };
        assert_eq!(fields(query("yesterday", "2026-13-01", "")), ["to", "from"]);
        assert_eq!(fields(query("2026-02-01", "2026-01-01", "")), ["from"]);
        assert_eq!(fields(query("", "", "colour")), ["grouping"]);
        assert_eq!(
            fields(FeedbackQuery { comments: "maybe".into(), ..FeedbackQuery::default() }),
            ["comments"]
        );
        assert!(
            FeedbackQuery { comments: "with".into(), ..FeedbackQuery::default() }
                .read(today)
                .expect("valid")
                .with_comments
        );
    }

    #[test]
    fn csv_cells_are_quoted_where_rfc_4180_needs_it() {
        let mut csv = String::new();
        push_row(
            &mut csv,
            ["plain".to_string(), "a, b".to_string(), "say \"hi\"".to_string(), "two\nlines".to_string()]
                .into_iter(),
        );
        assert_eq!(csv, "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }
}
