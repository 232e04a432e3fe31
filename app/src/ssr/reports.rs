//! The reports' data: the page's server function, its CSV download and the `tierline analyse`
//! command all call [`feedback`], so their figures are the same.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::domain::feedback::report::{
    belongs_to, describe_path, feedback_report, AnswerRow, AskedReport, FeedbackPage, FeedbackQuery,
};
use crate::error::AppError;
use crate::ssr::Store;

/// How many answers the page lists at most (newest first); the CSV has the figures, not these.
pub const ANSWERS_SHOWN: usize = 200;

/// The feedback report for `query` (dates in UTC, both ends included), as of `today`, with at
/// most `answers_shown` of its answers.
pub async fn feedback(
    store: &Store,
    query: &FeedbackQuery,
    today: NaiveDate,
    answers_shown: usize,
) -> Result<FeedbackPage, AppError> {
    let AskedReport { from, to, drill, with_comments } = query.read(today)?;
    let start = Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN));
    let end = Utc.from_utc_datetime(&(to + Duration::days(1)).and_time(NaiveTime::MIN));
    let surveys = store.survey_facts(start, end).await?;
    let names = store.directory().await?;
    let report = feedback_report(&surveys, &names);
    let drill_label = drill.as_ref().and_then(|(grouping, key)| {
        report
            .sections
            .iter()
            .find(|section| section.grouping == *grouping)
            .and_then(|section| section.rows.iter().find(|row| row.key == *key))
            .map(|row| format!("{}: {}", grouping.label(), row.label))
    });
    let mut answers: Vec<AnswerRow> = surveys
        .iter()
        .filter(|survey| match &drill {
            Some((grouping, key)) => belongs_to(*grouping, survey, &names, key),
            None => true,
        })
        .filter_map(|survey| {
            let answer =
                survey.record.answer.clone().filter(|answer| !with_comments || answer.comment.is_some())?;
            Some(AnswerRow {
                ticket_id: survey.record.ticket_id,
                subject: survey.subject.clone(),
                answered_at: survey.answered_at?,
                answer,
                path: describe_path(&survey.record.path, &names),
            })
        })
        .collect();
    answers.sort_by(|a, b| b.answered_at.cmp(&a.answered_at).then(b.ticket_id.cmp(&a.ticket_id)));
    let answer_count = answers.len();
    answers.truncate(answers_shown);
    Ok(FeedbackPage { from, to, report, drill: drill_label, answers, answer_count })
}
